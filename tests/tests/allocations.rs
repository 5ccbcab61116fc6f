//! Heap allocations of the core, counted by a counting global allocator (per thread, so tests
//! running in parallel do not disturb each other).
//!
//! - The SSE parser hands out events borrowed from buffers it reuses (or from the caller's input,
//!   with `next_event_from`): once those have grown to the stream's largest line and event,
//!   parsing allocates nothing at all, not per event, not per line, not per field, with either
//!   entry point.
//! - The whole pipeline (bytes → parser → decoder → chunks → frames into a reused buffer) costs at
//!   most one allocation per delta, the delta's own `String`, for every provider and for text,
//!   escaped text and tool-call argument fragments.
//!
//! Each test also checks that its stream decoded as intended, and one checks that the counter
//! sees allocations made inside the measured loop, so a per-event allocation could not hide.
//! Run with `--nocapture` to see the measured figures.

use llm_sse_core::sse::{Parsed, Parser};
use llm_sse_core::{Normalizer, Provider, StreamChunk, frame};
use llm_sse_tests::{CountingAllocator, allocations, corpus};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

// ---- The SSE parser ----

/// Anthropic deltas mixed with everything else a stream may carry: events with several `data`
/// lines (whose data must be joined, so copied), `id` and `retry` fields, comments, unknown
/// fields, CRLF and CR line ends, a bare `data` line.
fn mixed_stream() -> Vec<u8> {
    let deltas = String::from_utf8(corpus::anthropic_deltas(4_000)).expect("generated UTF-8");
    let mut out = Vec::new();
    for (i, event) in deltas.split_inclusive("\n\n").enumerate() {
        out.extend_from_slice(event.as_bytes());
        if i % 50 == 49 {
            out.extend_from_slice(b": keep-alive\r\nid: 42\r\nretry: 3000\r\nfoo: bar\r\n");
            out.extend_from_slice(
                b"event: multi\rdata: first line\rdata\rdata: third \xC3\xA9 line\r\r",
            );
        }
    }
    out
}

/// How [`parse`] gives the parser its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// `feed` + `next_event`.
    Feed,
    /// `next_event_from`.
    InPlace,
}

const ENTRIES: [Entry; 2] = [Entry::Feed, Entry::InPlace];

/// Parses `bytes` given in chunks of `chunk` bytes through `entry`; returns (events, retries,
/// bytes of data).
fn parse(
    parser: &mut Parser,
    entry: Entry,
    bytes: &[u8],
    chunk: usize,
    mut on_event: impl FnMut(&str),
) -> (usize, usize, usize) {
    let (mut events, mut retries, mut data) = (0, 0, 0);
    for mut piece in bytes.chunks(chunk) {
        if entry == Entry::Feed {
            parser.feed(piece);
            piece = &[];
        }
        while let Some(item) = if entry == Entry::Feed {
            parser.next_event()
        } else {
            parser.next_event_from(&mut piece)
        }
        .expect("within limits")
        {
            match item {
                Parsed::Event(event) => {
                    events += 1;
                    data += event.data.len() + event.event.len() + event.id.len();
                    on_event(event.data);
                }
                Parsed::Retry(_) => retries += 1,
            }
        }
    }
    (events, retries, data)
}

const CHUNKS: [usize; 7] = [1, 7, 64, 1000, 1024, 16 * 1024, usize::MAX];

#[test]
fn steady_state_parsing_allocates_nothing_per_event_line_or_field() {
    for (entry, chunk) in ENTRIES.into_iter().flat_map(|e| CHUNKS.map(|c| (e, c))) {
        let mut stream = mixed_stream();
        let chunk = chunk.min(stream.len());
        // Pad the stream with a comment to a whole number of chunks, so the second pass sees
        // exactly the chunk boundaries of the first, as a stream repeating forever would.
        let mut pad = (chunk - stream.len() % chunk) % chunk;
        if pad == 1 {
            pad += chunk;
        }
        if pad >= 2 {
            stream.push(b':');
            stream.resize(stream.len() + pad - 2, b'x');
            stream.push(b'\n');
        }
        let mut parser = Parser::new();
        // Warm-up: the same stream twice, so the buffers reach the sizes this stream needs
        // (where a partial line lands in the buffer depends on its capacity, so the second pass
        // may still grow it once).
        let warm = parse(&mut parser, entry, &stream, chunk, |_| {});
        let before = allocations();
        parse(&mut parser, entry, &stream, chunk, |_| {});
        let second = allocations() - before;
        assert!(
            second <= 2,
            "{second} allocations in the second pass ({entry:?})"
        );
        let before = allocations();
        let steady = parse(&mut parser, entry, &stream, chunk, |_| {});
        let allocated = allocations() - before;
        assert_eq!((warm.0, warm.1), (steady.0, steady.1));
        assert_eq!(steady.0, 4_000 + 80, "events at chunk size {chunk}");
        assert_eq!(steady.1, 80, "retries at chunk size {chunk}");
        assert_eq!(
            allocated,
            0,
            "{allocated} allocations for {} events (~{} lines) in {chunk}-byte chunks ({entry:?})",
            steady.0,
            steady.0 * 3
        );
        assert!(parser.finish().is_clean());
    }
}

#[test]
fn a_fresh_parser_allocates_only_while_its_buffers_grow() {
    // 200,000 events: a per-event or per-line allocation would show up as hundreds of thousands;
    // buffer growth is logarithmic.
    let stream = corpus::anthropic_deltas(200_000);
    for (entry, chunk) in ENTRIES
        .into_iter()
        .flat_map(|e| [64, 16 * 1024, stream.len()].map(|c| (e, c)))
    {
        let before = allocations();
        let mut parser = Parser::new();
        let (events, _, _) = parse(&mut parser, entry, &stream, chunk, |_| {});
        let allocated = allocations() - before;
        assert_eq!(events, 200_000);
        assert!(
            allocated <= 64,
            "{allocated} allocations for {events} events in {chunk}-byte chunks ({entry:?})"
        );
    }
}

#[test]
fn the_counter_sees_allocations_made_in_the_parse_loop() {
    // The same loop, with one `String` per event made by the caller: the counter must see every
    // one of them, so an allocation per event (or per line) inside the parser could not hide.
    let stream = mixed_stream();
    for entry in ENTRIES {
        let mut parser = Parser::new();
        parse(&mut parser, entry, &stream, 1024, |_| {});
        let mut kept = Vec::with_capacity(10_000);
        let before = allocations();
        let (events, _, _) = parse(&mut parser, entry, &stream, 1024, |data| {
            kept.push(String::from(data))
        });
        let allocated = allocations() - before;
        assert_eq!(
            allocated, events,
            "one allocation per kept event ({entry:?})"
        );
    }
}

#[test]
fn buffers_shrink_after_a_huge_event_and_then_stay_allocation_free() {
    for entry in ENTRIES {
        let mut parser = Parser::new();
        let small = corpus::anthropic_deltas(1_000);
        parse(&mut parser, entry, &small, 16 * 1024, |_| {});
        // One 4 MiB event, then the small stream again: the parser releases the big buffers
        // (that costs allocations once), then reaches its steady state again.
        let mut huge = b"data: ".to_vec();
        huge.resize(4 << 20, b'x');
        huge.extend_from_slice(b"\ndata: y\n\n");
        let (events, _, data) = parse(&mut parser, entry, &huge, 16 * 1024, |_| {});
        assert_eq!((events, data), (1, (4 << 20) - 6 + 2 + "message".len()));
        parse(&mut parser, entry, &small, 16 * 1024, |_| {});
        let before = allocations();
        parse(&mut parser, entry, &small, 16 * 1024, |_| {});
        assert_eq!(allocations() - before, 0, "{entry:?}");
    }
}

// ---- The whole pipeline ----

/// Deltas per generated stream.
const DELTAS: usize = 20_000;
/// Pieces fed before the steady-state count starts (the buffers grow meanwhile).
const WARM_UP_PIECES: usize = 8;

/// What one pipeline run cost.
struct Measured {
    /// Allocations over the whole stream, from a fresh `Normalizer`.
    total: usize,
    /// Allocations while feeding the pieces after the warm-up and before the last piece...
    steady: usize,
    /// ... and the deltas (text and tool-call frames) those pieces produced.
    steady_deltas: usize,
    /// Text and tool-call frames over the whole stream.
    deltas: usize,
    /// The frames, for the caller to check that the stream decoded as intended.
    frames: String,
}

/// Runs `body` through the full pipeline in `piece`-byte pieces, encoding frames into one reused
/// buffer as a server would.
fn measure(provider: Provider, body: &[u8], piece: usize) -> Measured {
    let pieces: Vec<&[u8]> = body.chunks(piece).collect();
    let mut out = Vec::with_capacity(64 * 1024);
    let mut frames = Vec::with_capacity(body.len());
    let (mut deltas, mut steady, mut steady_deltas) = (0, 0, 0);
    let start = allocations();
    let mut normalizer = Normalizer::new(provider);
    let drain = |normalizer: &mut Normalizer, out: &mut Vec<u8>| {
        let mut n = 0;
        while let Some(chunk) = normalizer.next_chunk() {
            if matches!(
                chunk,
                StreamChunk::Token(_)
                    | StreamChunk::ToolCallStart(_)
                    | StreamChunk::ToolCallArguments(_)
            ) {
                n += 1;
            }
            frame::encode(&chunk, out);
        }
        n
    };
    for (i, bytes) in pieces.iter().enumerate() {
        let in_steady = i >= WARM_UP_PIECES && i + 1 < pieces.len();
        let before = allocations();
        normalizer.feed(bytes);
        let n = drain(&mut normalizer, &mut out);
        if in_steady {
            steady += allocations() - before;
            steady_deltas += n;
        }
        deltas += n;
        // Outside the steady-state count: keep the frames for the caller's checks (a server
        // would write them to the socket), and reuse the buffer.
        frames.extend_from_slice(&out);
        out.clear();
    }
    normalizer.finish();
    deltas += drain(&mut normalizer, &mut out);
    frames.extend_from_slice(&out);
    let total = allocations() - start;
    Measured {
        total,
        steady,
        steady_deltas,
        deltas,
        frames: String::from_utf8(frames).expect("frames are UTF-8"),
    }
}

/// Measures `body` in 4 KiB and 16 KiB pieces and checks the bar: at most one allocation per
/// delta in steady state, and at most 1.01 over the whole stream from a fresh `Normalizer`
/// (buffers grow at the start). Returns the frames of the 16 KiB run.
fn assert_one_allocation_per_delta(provider: Provider, body: &[u8]) -> String {
    let mut frames = String::new();
    for piece in [4 * 1024, 16 * 1024] {
        let m = measure(provider, body, piece);
        assert_eq!(m.deltas, DELTAS, "{provider}: one frame per delta");
        let steady = m.steady as f64 / m.steady_deltas as f64;
        let total = m.total as f64 / m.deltas as f64;
        eprintln!(
            "{provider}, {piece}-byte pieces: {steady:.4} allocations per delta in steady state \
             ({} for {} deltas), {total:.4} over the whole stream",
            m.steady, m.steady_deltas
        );
        assert!(
            m.steady_deltas > DELTAS / 2,
            "the steady window covers most deltas"
        );
        assert!(
            m.steady <= m.steady_deltas,
            "{provider}: {steady:.4} per delta"
        );
        // Keeping the frames for the checks costs a few reallocations of their buffer.
        assert!(
            total <= 1.01,
            "{provider}: {total:.4} per delta over the stream"
        );
        frames = m.frames;
    }
    frames
}

#[test]
fn anthropic_generated_stream_costs_one_allocation_per_delta() {
    let frames =
        assert_one_allocation_per_delta(Provider::Anthropic, &corpus::anthropic_stream(DELTAS));
    assert!(
        frames.ends_with(&format!(
            "data: {{\"token\":\"\",\"done\":true,\"provider\":\"anthropic\",\"id\":\"msg_01\",\"model\":\"claude-sonnet-4-5\",\"finish_reason\":\"stop\",\"provider_finish_reason\":\"end_turn\",\"usage\":{{\"input_tokens\":25,\"output_tokens\":{DELTAS}}}}}\n\ndata: [DONE]\n\n"
        )),
        "terminal frame: {}",
        &frames[frames.len().saturating_sub(300)..]
    );
}

const WORDS: [&str; 8] = [
    " the", " quick", " brown", " fox", " jumps", " über", " 🦀", " dog.",
];

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

#[test]
fn openai_text_deltas_cost_one_allocation_each() {
    let frames = assert_one_allocation_per_delta(Provider::OpenAi, &openai_stream(DELTAS, 0));
    assert!(frames.contains("\"finish_reason\":\"stop\""));
}

#[test]
fn openai_escaped_text_deltas_cost_one_allocation_each() {
    let frames = assert_one_allocation_per_delta(Provider::OpenAi, &openai_stream(DELTAS, 4));
    assert!(frames.starts_with("data: {\"token\":\" \\\"quoted\\\"\\n\",\"done\":false}\n\n"));
}

#[test]
fn gemini_text_deltas_cost_one_allocation_each() {
    let frames = assert_one_allocation_per_delta(Provider::Gemini, &gemini_stream(DELTAS));
    assert!(frames.contains("\"finish_reason\":\"stop\""));
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
    let text = assert_one_allocation_per_delta(Provider::OpenAi, &azure_tool_stream(DELTAS));
    assert!(
        text.contains("\"finish_reason\":\"tool_calls\""),
        "{}",
        &text[text.len() - 400..]
    );
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
    let frames = assert_one_allocation_per_delta(Provider::Anthropic, &anthropic_stream(DELTAS, 0));
    assert!(frames.contains("\"finish_reason\":\"stop\""));
}

#[test]
fn anthropic_escaped_text_deltas_cost_one_allocation_each() {
    let text = assert_one_allocation_per_delta(Provider::Anthropic, &anthropic_stream(DELTAS, 4));
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
    let text = assert_one_allocation_per_delta(Provider::Anthropic, &anthropic_tool_stream(DELTAS));
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
}
