//! Deterministic generators for the benchmark corpora, shared by the benches and the allocation
//! tests.
//!
//! Every generator is seeded, so each run measures the same bytes.

use crate::XorShift as Rng;

/// Pieces of text deltas as they appear inside a JSON string: plain words, unicode kept raw,
/// and JSON escapes (`\n`, `\"`, `\\`, `\t`, `\u00e9`, a surrogate pair).
const PIECES: &[&str] = &[
    "Hello",
    " world",
    ",",
    " the",
    " quick",
    " brown",
    " fox",
    " jumps",
    ".",
    "\\n",
    "\\n\\n",
    " \\\"quoted\\\"",
    " C:\\\\path\\\\file",
    "\\t",
    " caf\\u00e9",
    " na\u{ef}ve",
    " \u{65e5}\u{672c}\u{8a9e}",
    " \u{1f389}",
    " \\ud83d\\ude00",
    " r\u{e9}sum\u{e9}",
    " \u{2014} ",
    " fn main() {",
    " }",
    " 42",
    " **bold**",
    " `code`",
    " Stra\u{df}e",
    " \u{3b1}\u{3b2}\u{3b3}",
];

/// One short text delta, JSON-escaped (1 to 5 pieces, about 20 bytes on average).
pub fn text_delta(rng: &mut Rng, out: &mut String) {
    for _ in 0..1 + rng.below(5) {
        out.push_str(PIECES[rng.below(PIECES.len())]);
    }
}

/// `n` Anthropic `content_block_delta` events with short text deltas (about 140 bytes each).
pub fn anthropic_deltas(n: usize) -> Vec<u8> {
    let mut rng = Rng::new(1);
    let mut out = String::with_capacity(n * 150);
    for _ in 0..n {
        out.push_str("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"");
        text_delta(&mut rng, &mut out);
        out.push_str("\"}}\n\n");
    }
    out.into_bytes()
}

/// A complete Anthropic Messages stream with `n` text deltas.
pub fn anthropic_stream(n: usize) -> Vec<u8> {
    let mut out = String::new();
    out.push_str("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n");
    out.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    out.push_str("event: ping\ndata: {\"type\": \"ping\"}\n\n");
    out.push_str(core::str::from_utf8(&anthropic_deltas(n)).expect("generated UTF-8"));
    out.push_str(
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    );
    out.push_str(&format!("event: message_delta\ndata: {{\"type\":\"message_delta\",\"delta\":{{\"stop_reason\":\"end_turn\",\"stop_sequence\":null}},\"usage\":{{\"output_tokens\":{n}}}}}\n\n"));
    out.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    out.into_bytes()
}

/// A complete OpenAI Chat Completions stream with `n` content chunks, a finish chunk, a usage
/// chunk and `[DONE]`.
pub fn openai_stream(n: usize) -> Vec<u8> {
    let mut rng = Rng::new(2);
    let mut out = String::with_capacity(n * 190);
    const HEAD: &str = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[";
    out.push_str(HEAD);
    out.push_str("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
    for _ in 0..n {
        out.push_str(HEAD);
        out.push_str("{\"index\":0,\"delta\":{\"content\":\"");
        text_delta(&mut rng, &mut out);
        out.push_str("\"},\"finish_reason\":null}]}\n\n");
    }
    out.push_str(HEAD);
    out.push_str("{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    out.push_str(HEAD);
    out.push_str("],\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":");
    out.push_str(&n.to_string());
    out.push_str(",\"total_tokens\":");
    out.push_str(&(n + 25).to_string());
    out.push_str("}}\n\n");
    out.push_str("data: [DONE]\n\n");
    out.into_bytes()
}

/// A complete Gemini `streamGenerateContent?alt=sse` stream with `n` text chunks (each with
/// running usage, as Gemini sends it), the last one carrying `finishReason: STOP`.
pub fn gemini_stream(n: usize) -> Vec<u8> {
    let mut rng = Rng::new(5);
    let mut out = String::with_capacity(n * 260);
    for i in 0..n {
        out.push_str("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"");
        text_delta(&mut rng, &mut out);
        out.push_str("\"}],\"role\": \"model\"},\"index\": 0");
        if i + 1 == n {
            out.push_str(",\"finishReason\": \"STOP\"");
        }
        out.push_str(&format!("}}],\"usageMetadata\": {{\"promptTokenCount\": 25,\"candidatesTokenCount\": {},\"totalTokenCount\": {}}},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r1\"}}\r\n\r\n", i + 1, i + 26));
    }
    out.into_bytes()
}

/// `n` events, each one `data:` line carrying exactly `line_len` bytes of value: JSON-like
/// text with some unicode.
pub fn long_lines(n: usize, line_len: usize) -> Vec<u8> {
    let mut rng = Rng::new(3);
    let mut out = String::with_capacity(n * (line_len + 8));
    for _ in 0..n {
        out.push_str("data: ");
        let start = out.len();
        out.push_str("{\"type\":\"text\",\"text\":\"");
        while out.len() - start < line_len {
            let piece = PIECES[rng.below(PIECES.len())];
            if out.len() - start + piece.len() > line_len {
                while out.len() - start < line_len {
                    out.push('x');
                }
            } else {
                out.push_str(piece);
            }
        }
        out.push_str("\n\n");
    }
    out.into_bytes()
}

/// `n` events, each one `data:` line carrying exactly `line_len` bytes of value: a JSON object
/// with a base64 payload, as image or audio chunks arrive (pure ASCII).
pub fn base64_lines(n: usize, line_len: usize) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = Rng::new(4);
    let mut out = Vec::with_capacity(n * (line_len + 8));
    for _ in 0..n {
        out.extend_from_slice(b"data: {\"type\":\"image\",\"data\":\"");
        let start = out.len() - 24;
        while out.len() - start < line_len - 2 {
            let bits = rng.next();
            for shift in (0..60).step_by(6) {
                if out.len() - start < line_len - 2 {
                    out.push(ALPHABET[((bits >> shift) & 63) as usize]);
                }
            }
        }
        out.extend_from_slice(b"\"}\n\n");
    }
    out
}

/// Cuts `corpus` after its `events`-th blank line (so a prefix holds whole events).
pub fn prefix_events(corpus: &[u8], events: usize) -> &[u8] {
    let mut seen = 0;
    let mut i = 0;
    while i + 1 < corpus.len() {
        if corpus[i] == b'\n' && corpus[i + 1] == b'\n' {
            seen += 1;
            if seen == events {
                return &corpus[..i + 2];
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    corpus
}
