//! What the blocking shell costs: `EventReader` and `ChunkReader` over an in-memory reader
//! against the core alone on the same bytes, and the blocking client's chunks/s against the mock
//! provider on loopback, beside the tokio client's.
//!
//! ```text
//! cargo bench -p llm-sse-tests --bench blocking
//! ```
//!
//! - `readers/*`: a generated 100,000-delta Anthropic stream (`llm_sse_tests::corpus`) read in
//!   16 KiB pieces. `core-parser/borrowed` parses without keeping anything;
//!   `core-parser/owned` also copies each event out (`to_owned`), which is what an iterator
//!   has to hand out, so `EventReader` is compared with it; `core-normalizer` against
//!   `ChunkReader` likewise (both produce owned chunks). Criterion reports events (deltas)/s.
//! - `client/*`: one whole 20,000-delta stream per iteration, from a mock provider on
//!   127.0.0.1 that writes 16 KiB pieces without pauses, so the client is what is measured.
//!   Criterion reports chunks/s for `client/blocking` and `client/tokio` (the tokio client on a
//!   one-thread runtime of the bench's own). Each measured client is one entry of `clients` in
//!   `main`.
//!
//! Before measuring, every variant is run once and must see every delta.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use llm_sse_blocking::core::sse::{Parsed, Parser};
use llm_sse_blocking::core::{Normalizer, Provider, StreamChunk};
use llm_sse_blocking::{
    AnthropicStreamAdapter, ChatMessage, ChunkReader, Client, EventReader, Settings,
};
use llm_sse_tests::corpus;
use llm_sse_tokio::mock::{MockProvider, MockServer};

const READER_DELTAS: usize = 100_000;
const CLIENT_DELTAS: usize = 20_000;
const PIECE: usize = 16 * 1024;
/// `anthropic_stream` adds `message_start`, `content_block_start`, `ping`,
/// `content_block_stop`, `message_delta` and `message_stop` to its deltas.
const FRAMING_EVENTS: usize = 6;

/// Events the core's parser dispatches, fed `PIECE` bytes at a time, keeping none.
fn core_parser_borrowed(stream: &[u8]) -> usize {
    let mut parser = Parser::new();
    let mut events = 0;
    let mut drain = |parser: &mut Parser| {
        while let Some(item) = parser.next_event().expect("within the limits") {
            if let Parsed::Event(event) = item {
                black_box(event.data.len());
                events += 1;
            }
        }
    };
    for piece in stream.chunks(PIECE) {
        parser.feed(piece);
        drain(&mut parser);
    }
    assert!(parser.finish().is_clean());
    drain(&mut parser);
    events
}

/// The same, copying each event out as an iterator of owned events must.
fn core_parser_owned(stream: &[u8]) -> usize {
    let mut parser = Parser::new();
    let mut events = 0;
    let mut drain = |parser: &mut Parser| {
        while let Some(item) = parser.next_event().expect("within the limits") {
            if let Parsed::Event(event) = item {
                black_box(event.to_owned());
                events += 1;
            }
        }
    };
    for piece in stream.chunks(PIECE) {
        parser.feed(piece);
        drain(&mut parser);
    }
    assert!(parser.finish().is_clean());
    drain(&mut parser);
    events
}

fn event_reader(stream: &[u8]) -> usize {
    let mut events = 0;
    for event in EventReader::new(stream) {
        black_box(event.expect("within the limits"));
        events += 1;
    }
    events
}

/// Token chunks from the core's normalizer, fed `PIECE` bytes at a time.
fn core_normalizer(stream: &[u8]) -> usize {
    let mut normalizer = Normalizer::new(Provider::Anthropic);
    let mut tokens = 0;
    let mut drain = |normalizer: &mut Normalizer| {
        while let Some(chunk) = normalizer.next_chunk() {
            tokens += usize::from(matches!(chunk, StreamChunk::Token(_)));
            black_box(chunk);
        }
    };
    for piece in stream.chunks(PIECE) {
        normalizer.feed(piece);
        drain(&mut normalizer);
    }
    normalizer.finish();
    drain(&mut normalizer);
    tokens
}

fn chunk_reader(stream: &[u8]) -> usize {
    let mut tokens = 0;
    for chunk in ChunkReader::new(stream, Provider::Anthropic) {
        tokens += usize::from(matches!(chunk, StreamChunk::Token(_)));
        black_box(chunk);
    }
    tokens
}

/// Streams the mock's whole recording once through one client; returns the token chunks.
type StreamOnce = Box<dyn FnMut() -> usize>;

/// The mock provider on a tokio runtime of its own thread, serving until the process ends.
fn start_mock(recording: Vec<u8>) -> MockServer {
    let (started, server) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async move {
            let server = MockProvider::new(Provider::Anthropic, recording)
                .chunk_size(PIECE)
                .start()
                .await
                .expect("the mock starts");
            started.send(server).expect("the bench waits");
            std::future::pending::<()>().await;
        });
    });
    server
        .recv_timeout(Duration::from_secs(10))
        .expect("the mock started")
}

/// One whole stream through the blocking client: its token chunks.
/// Streams the recording once through the tokio client, on a runtime of the bench's own (one
/// thread, as the blocking client has), and counts its token chunks.
fn tokio_client(
    runtime: &tokio::runtime::Runtime,
    adapter: &llm_sse_tokio::AnthropicStreamAdapter,
) -> usize {
    runtime.block_on(async {
        let mut stream = adapter
            .stream_chat([ChatMessage::user("Go on.")], "claude-sonnet-4-5", 0.5)
            .await
            .expect("the mock streams");
        let mut tokens = 0;
        while let Some(chunk) = stream.next_chunk().await {
            tokens += usize::from(matches!(chunk, StreamChunk::Token(_)));
            black_box(chunk);
        }
        tokens
    })
}

fn blocking_client(adapter: &AnthropicStreamAdapter) -> usize {
    let stream = adapter
        .stream_chat([ChatMessage::user("Go on.")], "claude-sonnet-4-5", 0.5)
        .expect("the mock streams");
    let mut tokens = 0;
    for chunk in stream {
        tokens += usize::from(matches!(chunk, StreamChunk::Token(_)));
        black_box(chunk);
    }
    tokens
}

fn main() {
    let stream = corpus::anthropic_stream(READER_DELTAS);
    type Reader = fn(&[u8]) -> usize;
    let readers: [(&str, Reader, usize); 5] = [
        (
            "core-parser/borrowed",
            core_parser_borrowed,
            READER_DELTAS + FRAMING_EVENTS,
        ),
        (
            "core-parser/owned",
            core_parser_owned,
            READER_DELTAS + FRAMING_EVENTS,
        ),
        ("EventReader", event_reader, READER_DELTAS + FRAMING_EVENTS),
        ("core-normalizer", core_normalizer, READER_DELTAS),
        ("ChunkReader", chunk_reader, READER_DELTAS),
    ];
    for (name, read, expected) in readers {
        assert_eq!(read(&stream), expected, "{name}");
    }

    let mock = start_mock(corpus::anthropic_stream(CLIENT_DELTAS));
    let settings = Settings::new()
        .with_api_key(Provider::Anthropic, "sk-bench")
        .with_base_url(Provider::Anthropic, mock.base_url());
    let blocking =
        AnthropicStreamAdapter::with_client(Client::builder(settings.clone()).no_proxy().build());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let tokio = llm_sse_tokio::AnthropicStreamAdapter::with_client(
        llm_sse_tokio::Client::builder(settings).no_proxy().build(),
    );
    // One entry per measured client: a closure that streams the whole recording once and
    // returns its token chunks.
    let mut clients: Vec<(&str, StreamOnce)> = vec![
        ("blocking", Box::new(move || blocking_client(&blocking))),
        ("tokio", Box::new(move || tokio_client(&runtime, &tokio))),
    ];
    for (name, run) in &mut clients {
        assert_eq!(run(), CLIENT_DELTAS, "{name}");
    }

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    let mut group = criterion.benchmark_group("readers");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(READER_DELTAS as u64));
    for (name, read, _) in readers {
        group.bench_function(name, |b| b.iter(|| read(black_box(&stream))));
    }
    group.finish();

    let mut group = criterion.benchmark_group("client");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(CLIENT_DELTAS as u64));
    for (name, run) in &mut clients {
        group.bench_function(*name, |b| b.iter(&mut *run));
    }
    group.finish();
    criterion.final_summary();

    // Criterion's figures drift with the load of a shared machine; the shell's cost is
    // measured again as the median ratio of back-to-back runs on the same bytes.
    for (shell, core) in [
        ("EventReader", "core-parser/owned"),
        ("EventReader", "core-parser/borrowed"),
        ("ChunkReader", "core-normalizer"),
    ] {
        let run = |name: &str| readers.iter().find(|r| r.0 == name).expect("a reader").1;
        let ratio = paired_ratio(|| run(shell)(&stream), || run(core)(&stream), 15);
        eprintln!("{shell} / {core}: median time ratio {ratio:.3} over 15 back-to-back pairs");
    }
}

/// The median of `time(a) / time(b)` over `rounds` back-to-back runs, alternating which goes
/// first.
fn paired_ratio(mut a: impl FnMut() -> usize, mut b: impl FnMut() -> usize, rounds: usize) -> f64 {
    let time = |f: &mut dyn FnMut() -> usize| {
        let started = std::time::Instant::now();
        black_box(f());
        started.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|round| {
            if round % 2 == 0 {
                let ta = time(&mut a);
                ta / time(&mut b)
            } else {
                let tb = time(&mut b);
                time(&mut a) / tb
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[rounds / 2]
}
