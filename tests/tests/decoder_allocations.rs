//! The OpenAI, Gemini and Anthropic pipelines (bytes → parser → decoder → chunks → frames) cost at
//! most one heap allocation per text delta on average: the delta's own `String`. Counted with a counting
//! global allocator, per thread, over generated streams fed in 4 KiB pieces.

use llm_sse_tests::{CountingAllocator, allocations};

use llm_sse_core::{Normalizer, Provider, StreamChunk, frame};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const WORDS: [&str; 8] = [
    " the", " quick", " brown", " fox", " jumps", " über", " 🦀", " dog.",
];

/// Runs `body` through the full pipeline in 4 KiB pieces, writing frames into a reused buffer as
/// a server would, and returns (allocations, text and tool-call frames).
fn measure(provider: Provider, body: &[u8]) -> (usize, usize) {
    let mut out = Vec::with_capacity(64 * 1024);
    let mut tokens = 0;
    let before = allocations();
    let mut normalizer = Normalizer::new(provider);
    let mut drain = |normalizer: &mut Normalizer, out: &mut Vec<u8>| {
        while let Some(chunk) = normalizer.next_chunk() {
            if matches!(chunk, StreamChunk::Token(_) | StreamChunk::ToolCall(_)) {
                tokens += 1;
            }
            frame::encode(&chunk, out);
        }
        out.clear();
    };
    for piece in body.chunks(4096) {
        normalizer.feed(piece);
        drain(&mut normalizer, &mut out);
    }
    normalizer.finish();
    drain(&mut normalizer, &mut out);
    (allocations() - before, tokens)
}

fn openai_stream(deltas: usize, escape_every: usize) -> Vec<u8> {
    let mut body = String::new();
    for i in 0..deltas {
        let word = if escape_every > 0 && i % escape_every == 0 {
            " \\\"quoted\\\"\\n"
        } else {
            WORDS[i % WORDS.len()]
        };
        body.push_str(&format!(
            "data: {{\"id\":\"chatcmpl-CXt1kQ2sFz8cN0pWm3YbR7aLJdE9v\",\"object\":\"chat.completion.chunk\",\"created\":1764086400,\"model\":\"gpt-4o-2024-08-06\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_cbf1785567\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{word}\"}},\"logprobs\":null,\"finish_reason\":null}}],\"usage\":null}}\n\n"
        ));
    }
    body.push_str("data: {\"id\":\"chatcmpl-CXt1kQ2sFz8cN0pWm3YbR7aLJdE9v\",\"object\":\"chat.completion.chunk\",\"created\":1764086400,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n");
    body.push_str("data: {\"id\":\"chatcmpl-CXt1kQ2sFz8cN0pWm3YbR7aLJdE9v\",\"object\":\"chat.completion.chunk\",\"created\":1764086400,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":20000,\"total_tokens\":20012,\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}\n\ndata: [DONE]\n\n");
    body.into_bytes()
}

fn gemini_stream(deltas: usize) -> Vec<u8> {
    let mut body = String::new();
    for i in 0..deltas {
        let word = WORDS[i % WORDS.len()];
        body.push_str(&format!(
            "data: {{\"candidates\": [{{\"content\": {{\"parts\": [{{\"text\": \"{word}\"}}],\"role\": \"model\"}},\"index\": 0}}],\"usageMetadata\": {{\"promptTokenCount\": 9,\"totalTokenCount\": 9,\"promptTokensDetails\": [{{\"modality\": \"TEXT\",\"tokenCount\": 9}}]}},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"Xc18aP2kHZ3Wz7IPkp_u2QM\"}}\r\n\r\n"
        ));
    }
    body.push_str("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 9,\"candidatesTokenCount\": 20000,\"totalTokenCount\": 20009},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"Xc18aP2kHZ3Wz7IPkp_u2QM\"}\r\n\r\n");
    body.into_bytes()
}

const DELTAS: usize = 20_000;

fn per_delta(provider: Provider, body: &[u8]) -> f64 {
    let (allocs, tokens) = measure(provider, body);
    assert_eq!(tokens, DELTAS);
    let per = allocs as f64 / tokens as f64;
    eprintln!("{provider}: {allocs} allocations for {tokens} deltas = {per:.4} per delta");
    per
}

#[test]
fn openai_text_deltas_cost_one_allocation_each() {
    let per = per_delta(Provider::OpenAi, &openai_stream(DELTAS, 0));
    assert!(per <= 1.01, "{per}");
}

#[test]
fn openai_escaped_text_deltas_cost_one_allocation_each() {
    let per = per_delta(Provider::OpenAi, &openai_stream(DELTAS, 4));
    assert!(per <= 1.01, "{per}");
}

#[test]
fn gemini_text_deltas_cost_one_allocation_each() {
    let per = per_delta(Provider::Gemini, &gemini_stream(DELTAS));
    assert!(per <= 1.01, "{per}");
}

/// Azure-style chunks (per-chunk `content_filter_results`, nested two deep) carrying tool-call
/// argument fragments full of escaped quotes.
fn azure_tool_stream(deltas: usize) -> Vec<u8> {
    let mut body = String::new();
    let head = "{\"choices\":[{\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"},\"violence\":{\"filtered\":false,\"severity\":\"safe\"}},\"delta\":";
    let tail = ",\"finish_reason\":null,\"index\":0,\"logprobs\":null}],\"created\":1764086460,\"id\":\"chatcmpl-CXt4uV2bN7mK1qP9sR3tW5xY8zA0\",\"model\":\"gpt-4o-2024-08-06\",\"object\":\"chat.completion.chunk\",\"system_fingerprint\":\"fp_ee1d74bde0\"}";
    body.push_str(&format!("data: {head}{{\"role\":\"assistant\",\"tool_calls\":[{{\"index\":0,\"id\":\"call_Qm3XbA9LrT2pV7kY1sDw8nHe\",\"type\":\"function\",\"function\":{{\"name\":\"write\",\"arguments\":\"{{\\\"text\\\":\\\"\"}}}}]}}{tail}\n\n"));
    for i in 1..deltas {
        let word = WORDS[i % WORDS.len()];
        body.push_str(&format!("data: {head}{{\"tool_calls\":[{{\"index\":0,\"function\":{{\"arguments\":\"\\\"{word}\\\"\"}}}}]}}{tail}\n\n"));
    }
    body.push_str(
        &format!("data: {head}{{}}{tail}\n\n")
            .replace("\"finish_reason\":null", "\"finish_reason\":\"tool_calls\""),
    );
    body.push_str("data: [DONE]\n\n");
    body.into_bytes()
}

#[test]
fn openai_tool_argument_deltas_with_azure_filter_results_cost_one_allocation_each() {
    let body = azure_tool_stream(DELTAS);
    // Sanity: the stream decodes as intended.
    let frames = llm_sse_tests::frames(Provider::OpenAi, &body, llm_sse_tests::Split::Whole);
    let text = String::from_utf8(frames).unwrap();
    assert!(
        text.contains("\"finish_reason\":\"tool_calls\""),
        "{}",
        &text[text.len() - 400..]
    );
    let per = per_delta(Provider::OpenAi, &body);
    assert!(per <= 1.01, "{per}");
}

/// An Anthropic Messages stream of `deltas` text deltas; every `escape_every`-th one (none when 0)
/// is full of escapes (quotes, a newline, a surrogate pair).
fn anthropic_stream(deltas: usize, escape_every: usize) -> Vec<u8> {
    let mut body = String::new();
    body.push_str("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n");
    body.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    body.push_str("event: ping\ndata: {\"type\": \"ping\"}\n\n");
    for i in 0..deltas {
        let word = if escape_every > 0 && i % escape_every == 0 {
            " \\\"quoted\\\"\\n\\ud83e\\udd80"
        } else {
            WORDS[i % WORDS.len()]
        };
        body.push_str(&format!(
            "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\"{word}\"}}}}\n\n"
        ));
    }
    body.push_str(
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    );
    body.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":20000}}\n\n");
    body.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    body.into_bytes()
}

#[test]
fn anthropic_text_deltas_cost_one_allocation_each() {
    let per = per_delta(Provider::Anthropic, &anthropic_stream(DELTAS, 0));
    assert!(per <= 1.01, "{per}");
}

#[test]
fn anthropic_escaped_text_deltas_cost_one_allocation_each() {
    let body = anthropic_stream(DELTAS, 4);
    // Sanity: the escapes decode as intended and the stream ends normally.
    let frames = llm_sse_tests::frames(Provider::Anthropic, &body, llm_sse_tests::Split::Whole);
    let text = String::from_utf8(frames).unwrap();
    assert!(
        text.starts_with("data: {\"token\":\" \\\"quoted\\\"\\n🦀\",\"done\":false}\n\n"),
        "{}",
        &text[..200]
    );
    assert!(
        text.contains("\"finish_reason\":\"stop\""),
        "{}",
        &text[text.len() - 400..]
    );
    let per = per_delta(Provider::Anthropic, &body);
    assert!(per <= 1.01, "{per}");
}

/// An Anthropic `tool_use` block whose `input_json_delta` fragments are full of escaped quotes:
/// the call's first piece plus `deltas - 1` argument fragments.
fn anthropic_tool_stream(deltas: usize) -> Vec<u8> {
    let mut body = String::new();
    body.push_str("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n");
    body.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"write\",\"input\":{}}}\n\n");
    for i in 1..deltas {
        let word = WORDS[i % WORDS.len()];
        body.push_str(&format!(
            "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"{word}\\\"\"}}}}\n\n"
        ));
    }
    body.push_str(
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    );
    body.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":20000}}\n\n");
    body.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    body.into_bytes()
}

#[test]
fn anthropic_tool_argument_deltas_cost_one_allocation_each() {
    let body = anthropic_tool_stream(DELTAS);
    let frames = llm_sse_tests::frames(Provider::Anthropic, &body, llm_sse_tests::Split::Whole);
    let text = String::from_utf8(frames).unwrap();
    assert!(
        text.contains("\"arguments\":\"\\\" quick\\\"\"}}"),
        "{}",
        &text[..400]
    );
    assert!(
        text.contains("\"finish_reason\":\"tool_calls\""),
        "{}",
        &text[text.len() - 400..]
    );
    let per = per_delta(Provider::Anthropic, &body);
    assert!(per <= 1.01, "{per}");
}
