//! Figures of resumable streams (bounded, loopback only; it stops by itself in under a minute):
//! the memory one stored stream of a 1,000-token answer takes, in the gateway's memory (its
//! resident set grown by N streams, divided by N) and in Redis (`MEMORY USAGE` of the key),
//! and the resume latency: from sending `GET /v1/streams/{id}` to the first resumed event,
//! from memory, and from Redis on another instance.
//!
//! ```sh
//! cargo build --release -p llm-sse-tokio --bin llm-sse
//! cargo run --release -p llm-sse-tests --example resume-figures
//! ```
//!
//! Options: `--gateway PATH` (default `target/release/llm-sse`), `--streams N` (default 300),
//! `--redis-server PATH` (default `/usr/bin/redis-server`; the Redis figures are left out
//! without one).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKENS: usize = 1000;
const TIMEOUT: Duration = Duration::from_secs(20);

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An Anthropic recording of a 1,000-token answer (one token per text delta).
fn recording() -> String {
    let mut out = String::from(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n\
         event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    );
    for i in 0..TOKENS {
        out.push_str(&format!(
            "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\" word{i}\"}}}}\n\n"
        ));
    }
    out.push_str(
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n\
         event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1000}}\n\n\
         event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );
    out
}

fn start_gateway(binary: &Path, dir: &Path, args: &[&str]) -> (Killed, SocketAddr) {
    let mut child = Command::new(binary)
        .args(["serve", "--addr", "127.0.0.1:0", "--mock"])
        .arg(dir)
        .args(["--mock-delay-ms", "0"])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start llm-sse serve (build it first: see the top of this file)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().parse().expect("the gateway's address");
    (Killed(child), addr)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
    tcp.set_nodelay(true).unwrap();
    tcp
}

/// Posts a resumable stream of the long recording, reads it to its end, returns its id.
fn stream(addr: SocketAddr) -> String {
    let body = r#"{"model":"long","messages":[{"role":"user","content":"Hi"}]}"#;
    let mut tcp = connect(addr);
    write!(
        tcp,
        "POST /v1/chat/stream/anthropic HTTP/1.1\r\nhost: gw\r\nllm-sse-resumable: true\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    tcp.read_to_string(&mut response).unwrap();
    assert!(response.contains("data: [DONE]"), "{response:.300}");
    response
        .lines()
        .find_map(|l| l.strip_prefix("llm-sse-stream-id: "))
        .expect("a stream id")
        .to_owned()
}

/// The time from sending a resume request to the first resumed event.
fn resume_latency(addr: SocketAddr, id: &str, after: u64) -> Duration {
    let mut tcp = connect(addr);
    let started = Instant::now();
    write!(
        tcp,
        "GET /v1/streams/{id}?after={after} HTTP/1.1\r\nhost: gw\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 16 << 10];
    let expected = format!("id: {id}:{}\n", after + 1);
    loop {
        let n = tcp.read(&mut buf).unwrap();
        assert!(n > 0, "the answer ended: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got);
        if text
            .find(&expected)
            .is_some_and(|at| text[at..].contains("\n\n"))
        {
            return started.elapsed();
        }
    }
}

fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

fn percentiles(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    format!(
        "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} resumes)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
        samples.len()
    )
}

/// One Redis command's answer's first line, over a plain socket.
fn redis_command(port: u16, args: &[&str]) -> String {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut request = format!("*{}\r\n", args.len());
    for arg in args {
        request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    tcp.write_all(request.as_bytes()).unwrap();
    let mut line = String::new();
    BufReader::new(tcp).read_line(&mut line).unwrap();
    line.trim_end().to_owned()
}

fn main() {
    let mut gateway = PathBuf::from("target/release/llm-sse");
    let mut redis_server = PathBuf::from("/usr/bin/redis-server");
    let mut streams = 300usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--gateway" => gateway = args.next().expect("--gateway PATH").into(),
            "--redis-server" => redis_server = args.next().expect("--redis-server PATH").into(),
            "--streams" => {
                streams = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--streams N")
            }
            _ => panic!("unknown option {arg:?}"),
        }
    }
    let dir = std::env::temp_dir().join(format!("llm-sse-resume-figures-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("anthropic")).unwrap();
    std::fs::write(dir.join("anthropic/long.sse"), recording()).unwrap();

    // In memory.
    let (process, addr) = start_gateway(&gateway, &dir, &[]);
    let pid = process.0.id();
    let warm = stream(addr); // the first stream's allocations are not the store's
    let before = rss(pid);
    let ids: Vec<String> = (0..streams).map(|_| stream(addr)).collect();
    std::thread::sleep(Duration::from_millis(200));
    let after = rss(pid);
    let events = TOKENS as u64 + 2;
    println!(
        "in memory: {streams} stored streams of {TOKENS} tokens ({events} events each): resident set +{:.1} MiB, {:.1} KiB per stream",
        (after.saturating_sub(before)) as f64 / 1048576.0,
        (after.saturating_sub(before)) as f64 / streams as f64 / 1024.0
    );
    let samples = ids
        .iter()
        .take(200)
        .map(|id| resume_latency(addr, id, events / 2))
        .collect();
    println!(
        "resume latency, in memory (finished stream, after {}): {}",
        events / 2,
        percentiles(samples)
    );
    let _ = warm;
    drop(process);

    // In Redis, resumed on another instance.
    if !redis_server.exists() {
        println!("no {}: Redis figures left out", redis_server.display());
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redis_dir = dir.join("redis");
    std::fs::create_dir_all(&redis_dir).unwrap();
    let _redis = Killed(
        Command::new(&redis_server)
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&redis_dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("start redis-server"),
    );
    let deadline = Instant::now() + TIMEOUT;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = format!("redis://127.0.0.1:{port}");
    let (_a, a) = start_gateway(&gateway, &dir, &["--store", &url]);
    let (_b, b) = start_gateway(&gateway, &dir, &["--store", &url]);
    let ids: Vec<String> = (0..50).map(|_| stream(a)).collect();
    std::thread::sleep(Duration::from_millis(300));
    let usage: Vec<u64> = ids
        .iter()
        .map(|id| {
            let answer = redis_command(
                port,
                &[
                    "MEMORY",
                    "USAGE",
                    &format!("llm-sse:stream:{id}"),
                    "SAMPLES",
                    "0",
                ],
            );
            answer
                .trim_start_matches(':')
                .parse()
                .expect("MEMORY USAGE")
        })
        .collect();
    let mean = usage.iter().sum::<u64>() as f64 / usage.len() as f64;
    println!(
        "in Redis: MEMORY USAGE of one stream's key ({TOKENS} tokens): {:.1} KiB (mean of {})",
        mean / 1024.0,
        usage.len()
    );
    let samples = ids
        .iter()
        .cycle()
        .take(200)
        .map(|id| resume_latency(b, id, events / 2))
        .collect();
    println!(
        "resume latency, from Redis on another instance (after {}): {}",
        events / 2,
        percentiles(samples)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
