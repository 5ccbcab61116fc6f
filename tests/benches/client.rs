//! What the tokio client costs on top of the core, against the mock provider on loopback.
//!
//! ```text
//! cargo bench -p llm-sse-tests --bench client            # about 30 s
//! cargo bench -p llm-sse-tests --bench client -- 5       # rounds (default 15)
//! ```
//!
//! Two ways to read the same response, measured in alternating rounds so that a busy, shared
//! machine slows both alike. Reported: the median and the fastest round of each, and the median
//! of the per-round differences (each round's client run against the plain run just before it),
//! the steadiest figure on a noisy machine:
//!
//! - **plain**: a tokio `TcpStream` posts an HTTP/1.0 request to the mock (which then answers
//!   with the bare event stream, ended by closing the connection), reads it 16 KiB at a time
//!   and feeds the `Normalizer` directly, draining chunks after each read;
//! - **client**: `llm_sse_tokio::Client::stream`, then `next_chunk` to the end (HTTP/1.1,
//!   chunked, hyper's pooled client, the `ChunkStream` with its idle timer).
//!
//! Throughput: a 200,000-delta Anthropic stream (about 28 MB) that the mock writes in 16 KiB
//! pieces; the client reuses its pooled connection. Time to first chunk: the recorded
//! `anthropic/text.sse`, from starting the request to the first token chunk, on a fresh
//! connection for both (a new client each round, built before the clock starts).
//!
//! The mock runs on its own thread and runtime, the reader on the main thread.

use std::hint::black_box;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use llm_sse_core::{FinishReason, Normalizer, Provider, StreamChunk};
use llm_sse_tests::corpus;
use llm_sse_tokio::mock::MockProvider;
use llm_sse_tokio::{ChatMessage, ChatRequest, Client, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const DELTAS: usize = 200_000;
const READ: usize = 16 * 1024;

/// What a run read: token chunks, the finish reason, and when the first token came.
struct Outcome {
    tokens: usize,
    finish: Option<FinishReason>,
    first_token: Option<Instant>,
}

impl Outcome {
    fn new() -> Outcome {
        Outcome {
            tokens: 0,
            finish: None,
            first_token: None,
        }
    }

    fn count(&mut self, chunk: StreamChunk) {
        match chunk {
            StreamChunk::Token(text) => {
                if self.first_token.is_none() {
                    self.first_token = Some(Instant::now());
                }
                black_box(text);
                self.tokens += 1;
            }
            StreamChunk::Done(finish) => self.finish = finish.finish_reason(),
            other => {
                black_box(other);
            }
        }
    }
}

/// The plain path: a socket, 16 KiB reads, the normalizer; `stop_at_first` returns at the first
/// token.
async fn plain(addr: SocketAddr, stop_at_first: bool) -> Outcome {
    let mut tcp = TcpStream::connect(addr).await.expect("connect to the mock");
    tcp.set_nodelay(true).expect("nodelay");
    let request = format!(
        "POST /v1/messages HTTP/1.0\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}"
    );
    tcp.write_all(request.as_bytes()).await.expect("send");
    let mut normalizer = Normalizer::new(Provider::Anthropic);
    let mut outcome = Outcome::new();
    let mut buf = vec![0u8; READ];
    // The response head, then the body as it is.
    let mut head = Vec::new();
    loop {
        let n = tcp.read(&mut buf).await.expect("read");
        assert!(n > 0, "the mock closed before its response head");
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            assert!(
                head.starts_with(b"HTTP/1.0 200"),
                "{:?}",
                String::from_utf8_lossy(&head)
            );
            normalizer.feed(&head[end + 4..]);
            break;
        }
    }
    loop {
        while let Some(chunk) = normalizer.next_chunk() {
            outcome.count(chunk);
            if stop_at_first && outcome.first_token.is_some() {
                return outcome;
            }
        }
        if normalizer.is_drained() {
            return outcome;
        }
        let n = tcp.read(&mut buf).await.expect("read");
        if n == 0 {
            normalizer.finish();
        } else {
            normalizer.feed(&buf[..n]);
        }
    }
}

/// The bytes alone: the plain path without the normalizer, to show what the mock and the
/// socket cost by themselves.
async fn bytes_only(addr: SocketAddr) -> usize {
    let mut tcp = TcpStream::connect(addr).await.expect("connect to the mock");
    tcp.set_nodelay(true).expect("nodelay");
    let request = format!(
        "POST /v1/messages HTTP/1.0\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}"
    );
    tcp.write_all(request.as_bytes()).await.expect("send");
    let mut buf = vec![0u8; READ];
    let mut total = 0;
    loop {
        let n = tcp.read(&mut buf).await.expect("read");
        if n == 0 {
            return total;
        }
        total += black_box(&buf[..n]).len();
    }
}

/// The client path.
async fn client(client: &Client, stop_at_first: bool) -> Outcome {
    let request = ChatRequest::new("claude-sonnet-4-5", vec![ChatMessage::user("Hi")]);
    let mut stream = client
        .stream(Provider::Anthropic, request)
        .await
        .expect("a stream");
    let mut outcome = Outcome::new();
    while let Some(chunk) = stream.next_chunk().await {
        outcome.count(chunk);
        if stop_at_first && outcome.first_token.is_some() {
            break;
        }
    }
    outcome
}

fn new_client(addr: SocketAddr) -> Client {
    let settings = Settings::new()
        .with_api_key(Provider::Anthropic, "bench-key")
        .with_base_url(Provider::Anthropic, format!("http://{addr}"));
    Client::builder(settings).no_proxy().build()
}

fn median<T: PartialOrd + Copy>(mut xs: Vec<T>) -> T {
    xs.sort_by(|a, b| a.partial_cmp(b).expect("comparable"));
    xs[xs.len() / 2]
}

fn fastest(xs: &[Duration]) -> Duration {
    xs.iter().copied().min().expect("at least one round")
}

fn main() {
    // `cargo bench` passes `--bench`; a bare number sets the rounds.
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(15)
        .max(1);
    let stream = corpus::anthropic_stream(DELTAS);
    let stream_len = stream.len();
    let text = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/anthropic/text.sse"),
    )
    .expect("the text fixture");

    // The mock, on its own thread and runtime.
    let (addrs_tx, addrs_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let big = MockProvider::new(Provider::Anthropic, stream)
                .chunk_size(READ)
                .start()
                .await
                .expect("the mock");
            let small = MockProvider::new(Provider::Anthropic, text)
                .start()
                .await
                .expect("the mock");
            addrs_tx
                .send((big.addr(), small.addr()))
                .expect("main waits");
            std::future::pending::<()>().await;
        });
    });
    let (big, small) = addrs_rx.recv().expect("the mock's addresses");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let pooled = new_client(big);
        // Both paths read the whole stream correctly (and this warms up).
        for _ in 0..2 {
            let p = plain(big, false).await;
            let c = client(&pooled, false).await;
            for (name, o) in [("plain", &p), ("client", &c)] {
                assert_eq!(
                    (o.tokens, o.finish),
                    (DELTAS, Some(FinishReason::Stop)),
                    "{name}"
                );
            }
        }

        let (mut plain_times, mut client_times) = (Vec::new(), Vec::new());
        let mut bytes_times = Vec::new();
        for _ in 0..rounds {
            let started = Instant::now();
            assert!(bytes_only(big).await > stream_len);
            bytes_times.push(started.elapsed());
            let started = Instant::now();
            black_box(plain(big, false).await);
            plain_times.push(started.elapsed());
            let started = Instant::now();
            black_box(client(&pooled, false).await);
            client_times.push(started.elapsed());
        }

        let ttfc_rounds = rounds * 20;
        let (mut plain_first, mut client_first) = (Vec::new(), Vec::new());
        for _ in 0..ttfc_rounds {
            let started = Instant::now();
            let o = plain(small, true).await;
            plain_first.push(o.first_token.expect("a token") - started);
            let fresh = new_client(small);
            let started = Instant::now();
            let o = client(&fresh, true).await;
            client_first.push(o.first_token.expect("a token") - started);
        }

        let ratios: Vec<f64> = plain_times
            .iter()
            .zip(&client_times)
            .map(|(p, c)| c.as_secs_f64() / p.as_secs_f64() - 1.0)
            .collect();
        let firsts: Vec<f64> = plain_first
            .iter()
            .zip(&client_first)
            .map(|(p, c)| c.as_secs_f64() - p.as_secs_f64())
            .collect();
        let rate = |d: Duration| DELTAS as f64 / d.as_secs_f64() / 1e6;
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let mb = stream_len as f64 / 1e6;
        println!("throughput: {DELTAS} Anthropic deltas ({mb:.1} MB) in 16 KiB writes, {rounds} rounds");
        println!("                             median       fastest    chunks/s (median)");
        let b = median(bytes_times.clone());
        println!(
            "  plain socket, bytes only   {:>7.1} ms  {:>7.1} ms    ({:.0} MB/s)",
            ms(b),
            ms(fastest(&bytes_times)),
            mb / b.as_secs_f64()
        );
        for (name, times) in [
            ("plain socket + Normalizer", &plain_times),
            ("Client + ChunkStream     ", &client_times),
        ] {
            let m = median(times.clone());
            println!(
                "  {name}  {:>7.1} ms  {:>7.1} ms    {:.2} M",
                ms(m),
                ms(fastest(times)),
                rate(m)
            );
        }
        println!(
            "  client vs plain: {:+.1} % (median of per-round differences), {:+.1} % (fastest rounds)",
            median(ratios) * 100.0,
            (fastest(&client_times).as_secs_f64() / fastest(&plain_times).as_secs_f64() - 1.0)
                * 100.0
        );
        println!("time to first chunk: anthropic/text.sse, fresh connection, {ttfc_rounds} rounds");
        println!("                             median       fastest");
        for (name, times) in [
            ("plain socket + Normalizer", &plain_first),
            ("Client + ChunkStream     ", &client_first),
        ] {
            println!(
                "  {name}  {:>7.0} µs  {:>7.0} µs",
                us(median(times.clone())),
                us(fastest(times))
            );
        }
        println!(
            "  client vs plain: {:+.0} µs (median of per-round differences)",
            median(firsts) * 1e6
        );
    });
}
