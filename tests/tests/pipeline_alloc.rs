//! Heap allocations of the whole pipeline, bytes -> `Normalizer` -> `frame::encode` into a
//! reused `Vec`, on a generated Anthropic stream, counted by a counting global allocator.
//!
//! The bar: at most one heap allocation per text delta on average. By design the one allocation
//! is the token's `String` inside `StreamChunk::Token`; parsing, JSON decoding (borrowed) and
//! frame encoding (into the caller's reused buffer) add nothing in steady state.
//!
//! Run with `--nocapture` to see the measured figures.

use llm_sse_tests::{CountingAllocator, allocations};

use llm_sse_core::{Normalizer, Provider, frame};

#[path = "../../core/benches/corpus/mod.rs"]
mod corpus;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const DELTAS: usize = 20_000;
const CHUNK: usize = 16 * 1024;
/// Chunks fed before the steady-state count starts (the buffers grow meanwhile).
const WARM_UP_CHUNKS: usize = 8;

struct Measured {
    /// Allocations over the whole stream, from a fresh `Normalizer`.
    total: usize,
    /// Allocations and token frames while feeding the chunks after the warm-up and before the
    /// last chunk.
    steady: usize,
    steady_tokens: usize,
    tokens: usize,
    output: Vec<u8>,
}

/// Feeds `stream` in 16 KiB chunks, encoding every chunk's frames into one reused `Vec`.
fn run(stream: &[u8]) -> Measured {
    let pieces: Vec<&[u8]> = stream.chunks(CHUNK).collect();
    let mut out = Vec::with_capacity(64 * 1024);
    let mut output = Vec::new();
    let mut tokens = 0;
    let (mut steady, mut steady_tokens) = (0, 0);
    let start = allocations();
    let mut normalizer = Normalizer::new(Provider::Anthropic);
    for (i, piece) in pieces.iter().enumerate() {
        let in_steady = i >= WARM_UP_CHUNKS && i + 1 < pieces.len();
        let before = allocations();
        normalizer.feed(piece);
        let mut chunk_tokens = 0;
        while let Some(chunk) = normalizer.next_chunk() {
            if matches!(chunk, llm_sse_core::StreamChunk::Token(_)) {
                chunk_tokens += 1;
            }
            frame::encode(&chunk, &mut out);
        }
        if in_steady {
            steady += allocations() - before;
            steady_tokens += chunk_tokens;
        }
        tokens += chunk_tokens;
        // After the steady-state count: keep the frames to check them (a server would write
        // them out), and reuse the buffer.
        output.extend_from_slice(&out);
        out.clear();
    }
    normalizer.finish();
    while let Some(chunk) = normalizer.next_chunk() {
        frame::encode(&chunk, &mut out);
    }
    output.extend_from_slice(&out);
    Measured {
        total: allocations() - start,
        steady,
        steady_tokens,
        tokens,
        output,
    }
}

#[test]
fn the_pipeline_allocates_at_most_once_per_delta() {
    let stream = corpus::anthropic_stream(DELTAS);
    let m = run(&stream);

    // The output is right: one token frame per delta, then the terminal frame and [DONE].
    assert_eq!(m.tokens, DELTAS);
    let text = String::from_utf8(m.output).expect("frames are UTF-8");
    assert_eq!(text.matches("\"done\":false}\n\n").count(), DELTAS);
    assert!(
        text.ends_with(&format!(
            "data: {{\"token\":\"\",\"done\":true,\"provider\":\"anthropic\",\"id\":\"msg_01\",\"model\":\"claude-sonnet-4-5\",\"finish_reason\":\"stop\",\"provider_finish_reason\":\"end_turn\",\"usage\":{{\"input_tokens\":25,\"output_tokens\":{DELTAS}}}}}\n\ndata: [DONE]\n\n"
        )),
        "terminal frame: {}",
        &text[text.len().saturating_sub(300)..]
    );

    let steady_per_delta = m.steady as f64 / m.steady_tokens as f64;
    let total_per_delta = m.total as f64 / DELTAS as f64;
    eprintln!(
        "pipeline allocations: steady state {} for {} deltas ({steady_per_delta:.4} per delta); \
         whole stream from a fresh Normalizer {} for {DELTAS} deltas ({total_per_delta:.4} per delta, \
         including keeping the output for this check)",
        m.steady, m.steady_tokens, m.total
    );
    assert!(
        m.steady_tokens > DELTAS / 2,
        "the steady window covers most deltas"
    );
    assert!(
        m.steady <= m.steady_tokens,
        "{steady_per_delta:.4} allocations per delta in steady state"
    );
}
