//! Load benchmark of `llm-sse serve`: many concurrent streams through the gateway to a paced mock
//! provider, on loopback only, bounded in count and time (it stops by itself).
//!
//! ```text
//! cargo build --release -p llm-sse-tokio --bin llm-sse
//! cargo run --release -p llm-sse-tests --example gateway-load -- [--streams 1000] [--tokens 1000] [--pace-ms 20] [--gateway target/release/llm-sse]
//! ```
//!
//! One process plays the provider and the clients: a mock Anthropic Messages server that
//! streams `--tokens` text deltas per request, one every `--pace-ms`, each carrying its sequence
//! number and the time it was sent (this process's monotonic clock), and `--streams` clients
//! started at once. The gateway runs as its own process (`llm-sse serve`, pointed at the mock by
//! `ANTHROPIC_BASE_URL`), so its CPU time and memory are its own.
//!
//! Two runs, back to back: the clients read the mock directly (the floor: what the mock and the
//! clients cost on their own), then through the gateway. Every client checks that it received
//! exactly its tokens, in order, and one terminal frame. Reported: per-frame latency p50 / p99
//! (mock send → client receive) for both runs; the gateway's peak RSS and memory per open
//! stream (its resident memory with every stream open, less before); and the gateway's CPU time
//! per 1,000 tokens. Exits 1 when a token was lost or reordered.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Interval};

/// The run's parameters.
#[derive(Debug, Clone)]
struct Options {
    streams: usize,
    tokens: usize,
    pace: Duration,
    gateway: String,
    /// Run as the plain TCP relay to this address (the child process of the relay run).
    relay_to: Option<SocketAddr>,
}

fn options() -> Options {
    let mut o = Options {
        streams: 1000,
        tokens: 1000,
        pace: Duration::from_millis(20),
        gateway: String::from("target/release/llm-sse"),
        relay_to: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--streams" => o.streams = value().parse().unwrap_or_else(|_| usage("--streams N")),
            "--tokens" => o.tokens = value().parse().unwrap_or_else(|_| usage("--tokens N")),
            "--pace-ms" => {
                o.pace =
                    Duration::from_millis(value().parse().unwrap_or_else(|_| usage("--pace-ms MS")))
            }
            "--gateway" => o.gateway = value(),
            "--relay-to" => {
                o.relay_to = Some(value().parse().unwrap_or_else(|_| usage("--relay-to ADDR")))
            }
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if o.streams == 0 || o.streams > 10_000 || o.tokens == 0 || o.tokens > 100_000 {
        usage("--streams must be 1..=10000 and --tokens 1..=100000 (the benchmark is bounded)");
    }
    o
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("gateway-load: error: {problem}");
    }
    eprintln!(
        "usage: gateway-load [--streams 1000] [--tokens 1000] [--pace-ms 20] [--gateway PATH-TO-llm-sse]"
    );
    std::process::exit(2);
}

// ---- The mock provider: paced Anthropic events that carry their send time ----

/// Nanoseconds since the process's epoch: the clock both the mock and the clients read.
fn now_ns(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// The body of one mocked Anthropic stream: each delta's text is `<seq>@<send ns>;`.
struct PacedStream {
    epoch: Instant,
    tokens: usize,
    next: usize,
    interval: Interval,
    stage: u8,
}

impl Body for PacedStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        let event = match this.stage {
            0 => {
                this.stage = 1;
                String::from(concat!(
                    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_load\",",
                    "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],",
                    "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n",
                    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,",
                    "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
                ))
            }
            1 if this.next < this.tokens => {
                if this.interval.poll_tick(cx).is_pending() {
                    return Poll::Pending;
                }
                let seq = this.next;
                this.next += 1;
                format!(
                    "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\"{seq}@{};\"}}}}\n\n",
                    now_ns(this.epoch)
                )
            }
            1 => {
                this.stage = 2;
                format!(
                    concat!(
                        "event: content_block_stop\ndata: {{\"type\":\"content_block_stop\",\"index\":0}}\n\n",
                        "event: message_delta\ndata: {{\"type\":\"message_delta\",\"delta\":{{\"stop_reason\":\"end_turn\",",
                        "\"stop_sequence\":null}},\"usage\":{{\"output_tokens\":{}}}}}\n\n",
                        "event: message_stop\ndata: {{\"type\":\"message_stop\"}}\n\n"
                    ),
                    this.tokens
                )
            }
            _ => return Poll::Ready(None),
        };
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(event)))))
    }
}

async fn start_mock(epoch: Instant, options: &Options) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the mock");
    let addr = listener.local_addr().expect("mock address");
    let (tokens, pace) = (options.tokens, options.pace);
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let _ = socket.set_nodelay(true);
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |request: Request<Incoming>| async move {
                        // Read the request to its end (the gateway's, or a direct client's).
                        let _ = request.into_body().collect().await;
                        let mut interval = tokio::time::interval(pace);
                        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                        let body = PacedStream {
                            epoch,
                            tokens,
                            next: 0,
                            interval,
                            stage: 0,
                        };
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "text/event-stream")
                                .body(body)
                                .expect("a response"),
                        )
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    addr
}

// ---- The clients ----

/// What one client saw.
#[derive(Debug, Default)]
struct Received {
    /// Latency of each token frame, in microseconds.
    latencies_us: Vec<u32>,
    /// The tokens in order (sequence numbers), and whether every one was there once.
    in_order: bool,
    tokens: usize,
    terminal_frames: usize,
    error: Option<String>,
}

/// Extracts `<seq>@<ns>;` stamps from `text`, checking the sequence, recording latencies.
fn take_stamps(text: &str, epoch: Instant, next: &mut usize, got: &mut Received) {
    let now = now_ns(epoch);
    for stamp in text.split_terminator(';') {
        let Some((seq, sent)) = stamp.split_once('@') else {
            got.in_order = false;
            continue;
        };
        let (Ok(seq), Ok(sent)) = (seq.parse::<usize>(), sent.parse::<u64>()) else {
            got.in_order = false;
            continue;
        };
        if seq != *next {
            got.in_order = false;
        }
        *next = seq + 1;
        got.tokens += 1;
        let micros = now.saturating_sub(sent) / 1_000;
        got.latencies_us
            .push(u32::try_from(micros).unwrap_or(u32::MAX));
    }
}

/// Sends one streaming request and reads the response, frame by frame.
async fn client(
    addr: SocketAddr,
    path: &str,
    body: &'static str,
    epoch: Instant,
    through_gateway: bool,
) -> Received {
    let mut got = Received {
        in_order: true,
        ..Received::default()
    };
    let result: Result<(), String> = async {
        let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let request = Request::post(path)
            .header("host", "127.0.0.1")
            .header("content-type", "application/json")
            .header("x-api-key", "load-test")
            .header("anthropic-version", "2023-06-01")
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .map_err(|e| e.to_string())?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let mut body = response.into_body();
        let mut pending = String::new();
        let mut next = 0;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| e.to_string())?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            pending.push_str(std::str::from_utf8(&data).map_err(|e| e.to_string())?);
            while let Some(end) = pending.find("\n\n") {
                let event: String = pending.drain(..end + 2).collect();
                for line in event.lines() {
                    let Some(json) = line.strip_prefix("data: ") else {
                        continue;
                    };
                    if json == "[DONE]" {
                        continue;
                    }
                    let value: serde_json::Value =
                        serde_json::from_str(json).map_err(|e| e.to_string())?;
                    if through_gateway {
                        if value["done"] == true {
                            got.terminal_frames += 1;
                            if value["finish_reason"] != "stop" {
                                return Err(format!("terminal frame {json}"));
                            }
                        } else if let Some(token) = value["token"].as_str() {
                            take_stamps(token, epoch, &mut next, &mut got);
                        }
                    } else if let Some(text) = value["delta"]["text"].as_str() {
                        take_stamps(text, epoch, &mut next, &mut got);
                    } else if value["type"] == "message_stop" {
                        got.terminal_frames += 1;
                    }
                }
            }
        }
        Ok(())
    }
    .await;
    got.error = result.err();
    got
}

/// Runs `streams` clients at once and collects what each saw.
async fn run(
    addr: SocketAddr,
    path: &'static str,
    through_gateway: bool,
    epoch: Instant,
    options: &Options,
) -> Vec<Received> {
    const BODY: &str = r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"load"}],"max_tokens":1024}"#;
    let open = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(options.streams);
    for _ in 0..options.streams {
        let open = Arc::clone(&open);
        tasks.push(tokio::spawn(async move {
            open.fetch_add(1, Ordering::Relaxed);
            client(addr, path, BODY, epoch, through_gateway).await
        }));
    }
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.unwrap_or_else(|e| Received {
            error: Some(e.to_string()),
            ..Received::default()
        }));
    }
    results
}

/// Percentile of sorted values.
fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    f64::from(sorted[rank.min(sorted.len() - 1)]) / 1000.0
}

/// Checks every client's tokens; returns the sorted latencies and the number of failures.
fn summarize(name: &str, results: &[Received], options: &Options) -> (Vec<u32>, usize) {
    let mut all = Vec::with_capacity(options.streams * options.tokens);
    let mut failures = 0;
    for (i, r) in results.iter().enumerate() {
        let ok =
            r.error.is_none() && r.in_order && r.tokens == options.tokens && r.terminal_frames == 1;
        if !ok {
            failures += 1;
            if failures <= 5 {
                eprintln!(
                    "{name}: stream {i}: {} tokens (in order: {}), {} terminal frames, error {:?}",
                    r.tokens, r.in_order, r.terminal_frames, r.error
                );
            }
        }
        all.extend_from_slice(&r.latencies_us);
    }
    all.sort_unstable();
    (all, failures)
}

// ---- The gateway process ----

struct Gateway {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_gateway(options: &Options, mock: SocketAddr) -> Gateway {
    use std::io::BufRead;
    let mut child = Command::new(&options.gateway)
        .args(["serve", "--addr", "127.0.0.1:0", "--log-format", "json"])
        .env("ANTHROPIC_BASE_URL", format!("http://{mock}"))
        .env("ANTHROPIC_API_KEY", "load-test")
        .env("RUST_LOG", "warn")
        .env_remove("LLM_SSE_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            usage(&format!(
                "cannot start the gateway {}: {e}",
                options.gateway
            ))
        });
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the gateway's address line");
    let addr = line
        .split_whitespace()
        .find_map(|w| w.trim_start_matches("http://").parse::<SocketAddr>().ok())
        .unwrap_or_else(|| usage(&format!("no address in the gateway's first line {line:?}")));
    Gateway { child, addr }
}

/// (user + system CPU time, resident memory now, peak resident memory) of `pid`, from /proc.
fn process_stats(pid: u32) -> (Duration, u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    // Linux reports CPU time in clock ticks of 1/100 s on every common configuration.
    let cpu = Duration::from_millis(ticks * 10);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (cpu, kib("VmRSS:") * 1024, kib("VmHWM:") * 1024)
}

/// The relay run's child: a plain TCP relay (every byte copied both ways, nothing parsed) to
/// `upstream`, printing its address first. It is the floor of any proxy: one read and one
/// write per token, as the gateway has, with no HTTP, JSON or SSE work at all.
async fn relay(upstream: SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the relay");
    println!("{}", listener.local_addr().expect("relay address"));
    loop {
        let Ok((mut client, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let _ = client.set_nodelay(true);
            let Ok(mut provider) = TcpStream::connect(upstream).await else {
                return;
            };
            let _ = provider.set_nodelay(true);
            let _ = tokio::io::copy_bidirectional(&mut client, &mut provider).await;
        });
    }
}

/// Starts this binary as the relay to `mock`.
fn start_relay(mock: SocketAddr) -> Gateway {
    use std::io::BufRead;
    let mut child = Command::new(std::env::current_exe().expect("this binary"))
        .args(["--relay-to", &mock.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the relay");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the relay's address");
    let addr = line.trim().parse().expect("an address");
    Gateway { child, addr }
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    if let Some(upstream) = options.relay_to {
        runtime.block_on(relay(upstream));
        return;
    }
    let failed = runtime.block_on(async {
        let epoch = Instant::now();
        let mock = start_mock(epoch, &options).await;
        eprintln!(
            "{} streams × {} tokens at {} ms per token ({} s per stream), mock provider at {mock}",
            options.streams,
            options.tokens,
            options.pace.as_millis(),
            options.tokens as u64 * options.pace.as_millis() as u64 / 1000
        );

        // The floor: the clients read the mock directly.
        let direct = run(mock, "/v1/messages", false, epoch, &options).await;
        let (floor, floor_failures) = summarize("direct", &direct, &options);

        // Through a plain TCP relay (the floor of any proxy's CPU: one read and one write per
        // token).
        let relay = start_relay(mock);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (relay_cpu_before, _, _) = process_stats(relay.child.id());
        let relayed = run(relay.addr, "/v1/messages", false, epoch, &options).await;
        let (relay_cpu_after, _, _) = process_stats(relay.child.id());
        drop(relay);
        let (relayed, relay_failures) = summarize("relay", &relayed, &options);

        // Through the gateway.
        let gateway = start_gateway(&options, mock);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let pid = gateway.child.id();
        let (cpu_before, rss_before, _) = process_stats(pid);
        let via = run(gateway.addr, "/v1/chat/stream/anthropic", true, epoch, &options).await;
        // VmHWM: the most resident memory the gateway ever had, reached with every stream open.
        let (cpu_after, _, peak_rss) = process_stats(pid);
        let (through, via_failures) = summarize("gateway", &via, &options);

        let tokens = (options.streams * options.tokens) as f64;
        let cpu_ms = (cpu_after - cpu_before).as_secs_f64() * 1000.0;
        let per_stream = peak_rss.saturating_sub(rss_before) / options.streams as u64;
        println!("| run | frames | p50 latency | p99 latency | lost/reordered streams |");
        println!("|---|---|---|---|---|");
        println!(
            "| clients ← mock (floor) | {} | {:.2} ms | {:.2} ms | {floor_failures} |",
            floor.len(),
            percentile(&floor, 50.0),
            percentile(&floor, 99.0)
        );
        println!(
            "| clients ← TCP relay ← mock | {} | {:.2} ms | {:.2} ms | {relay_failures} |",
            relayed.len(),
            percentile(&relayed, 50.0),
            percentile(&relayed, 99.0)
        );
        println!(
            "| clients ← gateway ← mock | {} | {:.2} ms | {:.2} ms | {via_failures} |",
            through.len(),
            percentile(&through, 50.0),
            percentile(&through, 99.0)
        );
        println!();
        println!(
            "gateway: p99 {:+.2} ms over the floor; peak RSS {:.1} MiB ({:.1} MiB before the streams), \
             {:.1} KiB per open stream; CPU {:.0} ms for {} tokens = {:.2} ms per 1,000 tokens",
            percentile(&through, 99.0) - percentile(&floor, 99.0),
            peak_rss as f64 / (1024.0 * 1024.0),
            rss_before as f64 / (1024.0 * 1024.0),
            per_stream as f64 / 1024.0,
            cpu_ms,
            tokens,
            cpu_ms / tokens * 1000.0
        );
        let relay_ms = (relay_cpu_after - relay_cpu_before).as_secs_f64() * 1000.0;
        println!(
            "plain TCP relay (no HTTP, JSON or SSE work): CPU {:.0} ms = {:.2} ms per 1,000 tokens",
            relay_ms,
            relay_ms / tokens * 1000.0
        );
        floor_failures + relay_failures + via_failures
    });
    std::process::exit(i32::from(failed > 0));
}
