//! Full pipeline throughput, bytes -> `Normalizer` (SSE parser + provider decoder) ->
//! `frame::encode` into a reused `Vec`, fed in 16 KiB chunks, on generated 200,000-delta
//! Anthropic, OpenAI and Gemini streams. Criterion reports deltas/s (elements).
//!
//! ```text
//! cargo bench -p llm-sse-tests --bench pipeline
//! ```
//!
//! Before measuring, each stream is run once and must produce exactly one token frame per delta
//! and a clean terminal frame; a provider whose decoder does not (yet) do that is reported and
//! skipped instead of measured.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use llm_sse_core::{FinishReason, Normalizer, Provider, StreamChunk, frame};

use llm_sse_tests::corpus;

const DELTAS: usize = 200_000;
const CHUNK: usize = 16 * 1024;

/// What one run produced: (token chunks, frame bytes, the finish reason).
type Outcome = (usize, usize, Option<FinishReason>);

fn run(provider: Provider, stream: &[u8]) -> Outcome {
    let mut normalizer = Normalizer::new(provider);
    let mut out = Vec::with_capacity(64 * 1024);
    let (mut tokens, mut bytes, mut finish) = (0, 0, None);
    let mut drain = |normalizer: &mut Normalizer, out: &mut Vec<u8>| {
        while let Some(chunk) = normalizer.next_chunk() {
            match &chunk {
                StreamChunk::Token(_) => tokens += 1,
                StreamChunk::Done(fin) => finish = fin.finish_reason(),
                _ => {}
            }
            frame::encode(&chunk, out);
        }
        // A server would write the frames to the socket here.
        bytes += black_box(&*out).len();
        out.clear();
    };
    for piece in stream.chunks(CHUNK) {
        normalizer.feed(piece);
        drain(&mut normalizer, &mut out);
    }
    normalizer.finish();
    drain(&mut normalizer, &mut out);
    (tokens, bytes, finish)
}

fn main() {
    let streams = [
        (
            "anthropic",
            Provider::Anthropic,
            corpus::anthropic_stream(DELTAS),
        ),
        ("openai", Provider::OpenAi, corpus::openai_stream(DELTAS)),
        ("gemini", Provider::Gemini, corpus::gemini_stream(DELTAS)),
    ];
    let mut measured = Vec::new();
    for (name, provider, stream) in &streams {
        let (tokens, bytes, finish) = run(*provider, stream);
        eprintln!(
            "{name}: {} input bytes, {DELTAS} deltas -> {tokens} token frames, {bytes} frame bytes, finish {finish:?}",
            stream.len()
        );
        if tokens == DELTAS && finish == Some(FinishReason::Stop) {
            measured.push((*name, *provider, stream));
        } else {
            eprintln!(
                "{name}: SKIPPED: the decoder did not turn every delta into a token and finish with `stop`"
            );
        }
    }

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    for (name, provider, stream) in measured {
        let mut group = criterion.benchmark_group("pipeline");
        group.sampling_mode(SamplingMode::Flat);
        group.throughput(Throughput::Elements(DELTAS as u64));
        group.bench_function(format!("{name}/16KiB/deltas"), |b| {
            b.iter(|| run(provider, black_box(stream)))
        });
        group.finish();
    }
    criterion.final_summary();
}
