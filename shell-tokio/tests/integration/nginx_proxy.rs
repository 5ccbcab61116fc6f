//! `llm-sse serve` behind Debian's nginx as a reverse proxy, with nginx's default response
//! buffering on: the gateway's `X-Accel-Buffering: no` makes nginx pass each frame on as it
//! arrives, so a browser behind the proxy still sees tokens one by one.
//!
//! The test starts its own nginx (`daemon off`, a generated configuration, a free loopback port,
//! every path under a temporary prefix) in front of `llm-sse serve --mock`, and reads the stream
//! through it with a plain HTTP/1.1 client. nginx comes from Debian's `nginx` (or `nginx-light`)
//! package, which `.ci/run` installs, or the binary named by `NGINX`. Without one the test fails
//! under CI (`CI` set) and is skipped with a message elsewhere.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn nginx() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NGINX") {
        return Some(PathBuf::from(path));
    }
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// A child process killed (and reaped) on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `llm-sse serve --mock` with a pace of `pace_ms` per event: the process and its address.
fn start_gateway(pace_ms: u64) -> (Killed, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_llm-sse"))
        .args(["serve", "--addr", "127.0.0.1:0", "--mock"])
        .arg(format!("--mock-delay-ms={pace_ms}"))
        .env_remove("LLM_SSE_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start llm-sse serve");
    let stdout = child.stdout.take().expect("stdout");
    let child = Killed(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the address");
    let addr = line
        .split_whitespace()
        .find_map(|w| w.trim_start_matches("http://").parse::<SocketAddr>().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, addr)
}

/// A free loopback port (bound and released: nginx binds it right after).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// nginx on a free loopback port proxying to `upstream`, buffering left at its default (on).
fn start_nginx(binary: &Path, prefix: &Path, upstream: SocketAddr) -> (Killed, u16) {
    for dir in ["logs", "temp"] {
        std::fs::create_dir_all(prefix.join(dir)).expect("nginx directories");
    }
    let port = free_port();
    let conf = format!(
        "daemon off;
# One process, the child this test kills: with a master, killing it left its worker running.
master_process off;
worker_processes 1;
error_log {prefix}/logs/error.log;
pid {prefix}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    # Debian's default nginx.conf settings, proxy buffering left on (its default).
    sendfile on;
    tcp_nopush on;
    gzip on;
    access_log off;
    client_body_temp_path {prefix}/temp/body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
        }}
    }}
}}
",
        prefix = prefix.display()
    );
    let conf_path = prefix.join("nginx.conf");
    std::fs::write(&conf_path, conf).expect("write nginx.conf");
    let child = Command::new(binary)
        .arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let child = Killed(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "nginx did not listen: {}",
            std::fs::read_to_string(prefix.join("logs/error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, port)
}

/// Sends a streaming request through `port` and returns each frame with the time it arrived.
fn stream_frames(port: u16) -> (String, Vec<(Instant, String)>) {
    let body =
        r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"What is SSE?"}]}"#;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(
        stream,
        "POST /v1/chat/stream/anthropic HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("head");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line);
    }
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    // Read the chunked body as it arrives, timestamping every complete frame.
    let mut frames = Vec::new();
    let mut pending = String::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).expect("chunk size");
        let size = usize::from_str_radix(size.trim(), 16).expect("hex chunk size");
        if size == 0 {
            break;
        }
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).expect("chunk");
        let now = Instant::now();
        pending.push_str(std::str::from_utf8(&chunk[..size]).expect("UTF-8"));
        while let Some(end) = pending.find("\n\n") {
            frames.push((now, pending[..end].to_string()));
            pending.drain(..end + 2);
        }
    }
    (head, frames)
}

#[test]
fn frames_arrive_one_by_one_through_nginx_with_buffering_on() {
    let Some(binary) = nginx() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have nginx (.ci/run installs Debian's nginx)"
        );
        eprintln!("SKIPPED: no nginx (install Debian's nginx or set NGINX)");
        return;
    };
    let pace = Duration::from_millis(50);
    let (_gateway, upstream) = start_gateway(pace.as_millis() as u64);
    let prefix = std::env::temp_dir().join(format!("llm-sse-nginx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&prefix);
    let (_nginx, port) = start_nginx(&binary, &prefix, upstream);

    let (head, frames) = stream_frames(port);
    let golden = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/anthropic/text.frames"),
    )
    .expect("golden frames");
    let expected: Vec<&str> = golden.split("\n\n").filter(|f| !f.is_empty()).collect();
    let got: Vec<&str> = frames.iter().map(|(_, f)| f.as_str()).collect();
    assert_eq!(got, expected, "every frame, in order, through nginx");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/event-stream"),
        "{head}"
    );

    // Paced at 50 ms per event, a buffering proxy would deliver the frames in a few bursts;
    // passed through one by one, consecutive frames arrive apart. Allow a few to share a read
    // (a busy machine), but most gaps must reflect the pace.
    let gaps: Vec<Duration> = frames
        .windows(2)
        .map(|w| w[1].0.duration_since(w[0].0))
        .collect();
    let paced = gaps.iter().filter(|g| **g >= pace / 2).count();
    assert!(
        paced * 4 >= gaps.len() * 3,
        "{paced} of {} gaps reflect the pace: {gaps:?}",
        gaps.len()
    );
    let spread = frames.last().expect("frames").0 - frames[0].0;
    assert!(
        spread >= pace * (frames.len() as u32 - 2) / 2,
        "frames arrived within {spread:?}: buffered"
    );
    let _ = std::fs::remove_dir_all(&prefix);
}
