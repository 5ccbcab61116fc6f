//! Load benchmark of `llm-sse serve`: many concurrent streams through the gateway to a paced mock
//! provider, on loopback only, bounded in count and time (it stops by itself).
//!
//! ```text
//! cargo build --release -p llm-sse-tokio --bin llm-sse
//! cargo run --release -p llm-sse-tests --example gateway-load -- [--streams 1000] [--tokens 1000] [--pace-ms 20] [--gateway target/release/llm-sse] [--gateway-arg ARG]...
//! ```
//!
//! One process plays the provider and the clients: a mock Anthropic Messages server that
//! streams `--tokens` text deltas per request, one every `--pace-ms`, each carrying its sequence
//! number and the time it was sent (this process's monotonic clock), and `--streams` clients
//! started at once (a burst of new connections). The gateway runs as its own process
//! (`llm-sse serve`, pointed at the mock by `ANTHROPIC_BASE_URL`, with any `--gateway-arg`s),
//! so its CPU time and memory are its own.
//!
//! Three runs, back to back: the clients read the mock directly (the floor: what the mock and
//! the clients cost on their own), then through a plain TCP relay (a child process copying
//! bytes both ways: the floor of any proxy), then through the gateway. The mock and the relay
//! listen with a backlog of [`BACKLOG`], so that neither drops the burst. Every client checks
//! that it received exactly its tokens, in order, and one terminal frame. Reported per path:
//! time to first token (from the client's `connect` to its first token: the burst's cost),
//! per-frame latency p50 / p99 (mock send → client receive) and what the path adds to the
//! floor's, and the kernel's listen-overflow count during the run (`TcpExtListenOverflows`:
//! handshakes dropped because an accept queue was full, each one costing its client a 1 s SYN
//! timeout); per process (relay, gateway): CPU time per 1,000 tokens and the gateway's ratio to
//! the relay's, peak RSS and memory per open stream (resident memory with every stream open,
//! less before). Exits 1 when a token was lost or reordered.

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
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::time::{Instant, Interval};

/// The run's parameters.
#[derive(Debug, Clone)]
struct Options {
    streams: usize,
    tokens: usize,
    pace: Duration,
    gateway: String,
    /// More arguments for `llm-sse serve`.
    gateway_args: Vec<String>,
    /// Run as the plain TCP relay to this address (the child process of the relay run).
    relay_to: Option<SocketAddr>,
}

fn options() -> Options {
    let mut o = Options {
        streams: 1000,
        tokens: 1000,
        pace: Duration::from_millis(20),
        gateway: String::from("target/release/llm-sse"),
        gateway_args: Vec::new(),
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
            "--gateway-arg" => o.gateway_args.push(value()),
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
        "usage: gateway-load [--streams 1000] [--tokens 1000] [--pace-ms 20] [--gateway PATH-TO-llm-sse] [--gateway-arg ARG]..."
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

/// The listen backlog of the mock and the relay: a burst of `--streams` connections must not
/// be dropped by the harness itself.
const BACKLOG: u32 = 4096;

/// A listener on a free loopback port with a backlog of [`BACKLOG`] (`TcpListener::bind` uses
/// 128).
fn listen() -> TcpListener {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket
        .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("bind 127.0.0.1:0");
    socket.listen(BACKLOG).expect("listen")
}

async fn start_mock(epoch: Instant, options: &Options) -> SocketAddr {
    let listener = listen();
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
    /// From the start of `connect` to the first token, in microseconds.
    first_token_us: Option<u32>,
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

/// Records the time to the first token, once.
fn first_token(got: &mut Received, started: Instant) {
    if got.first_token_us.is_none() {
        let micros = started.elapsed().as_micros();
        got.first_token_us = Some(u32::try_from(micros).unwrap_or(u32::MAX));
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
    let started = Instant::now();
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
                            first_token(&mut got, started);
                        }
                    } else if let Some(text) = value["delta"]["text"].as_str() {
                        take_stamps(text, epoch, &mut next, &mut got);
                        first_token(&mut got, started);
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

/// What one run measured.
struct Summary {
    /// Every frame's latency (µs), sorted.
    latencies: Vec<u32>,
    /// Every stream's time to first token (µs), sorted.
    first_tokens: Vec<u32>,
    /// Streams with a token lost or reordered, or an error.
    failures: usize,
    /// How many handshakes the kernel dropped for a full accept queue during the run.
    listen_overflows: u64,
}

/// Checks every client's tokens and gathers the latencies.
fn summarize(
    name: &str,
    results: &[Received],
    options: &Options,
    listen_overflows: u64,
) -> Summary {
    let mut all = Vec::with_capacity(options.streams * options.tokens);
    let mut first_tokens = Vec::with_capacity(results.len());
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
        first_tokens.extend(r.first_token_us);
    }
    all.sort_unstable();
    first_tokens.sort_unstable();
    Summary {
        latencies: all,
        first_tokens,
        failures,
        listen_overflows,
    }
}

/// The kernel's count of handshakes dropped because a listener's accept queue was full
/// (`TcpExtListenOverflows`, for this network namespace), when it can be read.
fn listen_overflows() -> Option<u64> {
    let netstat = std::fs::read_to_string("/proc/net/netstat").ok()?;
    let mut lines = netstat.lines().filter(|l| l.starts_with("TcpExt:"));
    let (names, values) = (lines.next()?, lines.next()?);
    let index = names
        .split_whitespace()
        .position(|n| n == "ListenOverflows")?;
    values.split_whitespace().nth(index)?.parse().ok()
}

/// Runs the clients against `addr` and summarizes, counting listen overflows around the run.
async fn measure(
    name: &str,
    addr: SocketAddr,
    path: &'static str,
    through_gateway: bool,
    epoch: Instant,
    options: &Options,
) -> Summary {
    let before = listen_overflows();
    let results = run(addr, path, through_gateway, epoch, options).await;
    let overflows = match (before, listen_overflows()) {
        (Some(before), Some(after)) => after.saturating_sub(before),
        _ => 0,
    };
    summarize(name, &results, options, overflows)
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
        .args(&options.gateway_args)
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

const MIB: f64 = 1024.0 * 1024.0;

/// The latency tables: time to first token, frame latency and what each path adds.
fn report(options: &Options, floor: &Summary, relayed: &Summary, through: &Summary) {
    let ms = |sorted: &[u32], p: f64| percentile(sorted, p);
    let max = |sorted: &[u32]| sorted.last().map_or(f64::NAN, |&m| f64::from(m) / 1000.0);
    println!(
        "{} streams started at once × {} tokens, one every {} ms",
        options.streams,
        options.tokens,
        options.pace.as_millis()
    );
    println!();
    println!(
        "| path | time to first token p50 / p99 / max | frame latency p50 / p99 | added p50 / p99 | listen overflows | lost/reordered streams |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, run) in [
        ("clients ← mock (floor)", floor),
        ("clients ← TCP relay ← mock", relayed),
        ("clients ← gateway ← mock", through),
    ] {
        println!(
            "| {name} | {:.1} / {:.1} / {:.1} ms | {:.2} / {:.2} ms | {:+.2} / {:+.2} ms | {} | {} |",
            ms(&run.first_tokens, 50.0),
            ms(&run.first_tokens, 99.0),
            max(&run.first_tokens),
            ms(&run.latencies, 50.0),
            ms(&run.latencies, 99.0),
            ms(&run.latencies, 50.0) - ms(&floor.latencies, 50.0),
            ms(&run.latencies, 99.0) - ms(&floor.latencies, 99.0),
            run.listen_overflows,
            run.failures
        );
    }
}

/// What a process used during a run.
struct Usage {
    cpu_ms: f64,
    cpu_ms_per_1000_tokens: f64,
    rss_before: u64,
    peak_rss: u64,
    /// Peak resident memory less the memory before, per stream.
    per_stream: u64,
}

impl Usage {
    fn between(
        before: (Duration, u64, u64),
        after: (Duration, u64, u64),
        tokens: usize,
        streams: usize,
    ) -> Usage {
        let cpu_ms = after.0.saturating_sub(before.0).as_secs_f64() * 1000.0;
        // VmHWM: the most resident memory the process ever had, reached with every stream open.
        let (rss_before, peak_rss) = (before.1, after.2);
        Usage {
            cpu_ms,
            cpu_ms_per_1000_tokens: cpu_ms / tokens as f64 * 1000.0,
            rss_before,
            peak_rss,
            per_stream: peak_rss.saturating_sub(rss_before) / streams.max(1) as u64,
        }
    }
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
    let listener = listen();
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
        let floor = measure("direct", mock, "/v1/messages", false, epoch, &options).await;

        // Through a plain TCP relay (the floor of any proxy's CPU: one read and one write per
        // token).
        let relay = start_relay(mock);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let relay_before = process_stats(relay.child.id());
        let relayed = measure("relay", relay.addr, "/v1/messages", false, epoch, &options).await;
        let relay_after = process_stats(relay.child.id());
        drop(relay);

        // Through the gateway.
        let gateway = start_gateway(&options, mock);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let pid = gateway.child.id();
        let gateway_before = process_stats(pid);
        let path = "/v1/chat/stream/anthropic";
        let through = measure("gateway", gateway.addr, path, true, epoch, &options).await;
        let gateway_after = process_stats(pid);
        drop(gateway);

        report(&options, &floor, &relayed, &through);
        let tokens = options.streams * options.tokens;
        let relay = Usage::between(relay_before, relay_after, tokens, options.streams);
        let gateway = Usage::between(gateway_before, gateway_after, tokens, options.streams);
        println!();
        println!("| process | CPU | per 1,000 tokens | peak RSS | RSS before | per open stream |");
        println!("|---|---|---|---|---|---|");
        for (name, usage) in [("TCP relay", &relay), ("gateway", &gateway)] {
            println!(
                "| {name} | {:.0} ms | {:.2} ms | {:.1} MiB | {:.1} MiB | {:.1} KiB |",
                usage.cpu_ms,
                usage.cpu_ms_per_1000_tokens,
                usage.peak_rss as f64 / MIB,
                usage.rss_before as f64 / MIB,
                usage.per_stream as f64 / 1024.0
            );
        }
        println!();
        println!(
            "gateway CPU per token / TCP relay CPU per token: {:.2}",
            gateway.cpu_ms / relay.cpu_ms
        );
        floor.failures + relayed.failures + through.failures
    });
    std::process::exit(i32::from(failed > 0));
}
