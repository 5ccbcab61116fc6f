//! Resumable streams in Redis, with a real `redis-server` (Debian's package, which `.ci/run`
//! installs, or the binary named by `REDIS_SERVER`) that each test starts on a free port of
//! 127.0.0.1 with a directory of its own and no persistence, and two `llm-sse serve` instances
//! sharing it in front of one mock provider: a client cut on instance A resumes on instance B
//! and gets exactly the rest while the provider saw one request; two readers; resume after the
//! end; expiry; a live stream over the memory bound; Redis unreachable at start; Redis killed
//! in the middle of a stream. Without the binary the tests print `SKIPPED` and pass, except
//! under CI (`CI` set), where they fail.

use crate::gateway_support;
use crate::mock_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use gateway_support::{chat, error_of, golden, next_data, whole};
use http::Request;
use http_body_util::Full;
use hyper::body::Incoming;
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::mock::{MockProvider, MockServer};
use mock_support::{TIMEOUT, fixture, post, send, within};

fn redis_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("REDIS_SERVER") {
        return Some(PathBuf::from(path));
    }
    ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// The binary, or `None` after printing `SKIPPED` (failing under CI).
fn redis_or_skip() -> Option<PathBuf> {
    let binary = redis_binary();
    if binary.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have redis-server (.ci/run installs Debian's redis-server)"
        );
        eprintln!("SKIPPED: no redis-server (install Debian's redis-server or set REDIS_SERVER)");
    }
    binary
}

/// A child process killed (and reaped) on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `redis-server` of the test's own, killed when dropped.
struct Redis {
    process: Option<Killed>,
    port: u16,
}

impl Redis {
    fn start(binary: &PathBuf) -> Redis {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "redis-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let child = Command::new(binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let redis = Redis {
            process: Some(Killed(child)),
            port,
        };
        let deadline = std::time::Instant::now() + TIMEOUT;
        while redis.command(&["PING"]).as_deref() != Some("+PONG") {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Sends one command and returns the first line of its answer.
    fn command(&self, args: &[&str]) -> Option<String> {
        let mut tcp = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        tcp.set_read_timeout(Some(TIMEOUT)).ok()?;
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        tcp.write_all(request.as_bytes()).ok()?;
        let mut line = String::new();
        BufReader::new(tcp).read_line(&mut line).ok()?;
        Some(line.trim_end().to_owned())
    }

    fn kill(&mut self) {
        self.process = None;
    }
}

/// An `llm-sse serve` calling `mock` for Anthropic, killed when dropped.
struct Serve {
    _process: Killed,
    addr: SocketAddr,
}

impl Serve {
    fn start(mock: &MockServer, args: &[&str]) -> Serve {
        let mut child = serve_command(mock, args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn llm-sse");
        let stdout = child.stdout.take().unwrap();
        let process = Killed(child);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(TIMEOUT).expect("no address printed");
        let addr = line
            .trim_end()
            .parse()
            .unwrap_or_else(|_| panic!("not an address: {line:?}"));
        Serve {
            _process: process,
            addr,
        }
    }
}

fn serve_command(mock: &MockServer, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_llm-sse"));
    command
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .env_remove("LLM_SSE_TOKEN")
        .env("RUST_LOG", "warn")
        .env("ANTHROPIC_BASE_URL", mock.base_url())
        .env("ANTHROPIC_API_KEY", "sk-test")
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// A mock provider serving `anthropic/text`, one event every `delay`.
async fn mock(delay: Duration) -> MockServer {
    MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .delay(delay)
        .start()
        .await
        .unwrap()
}

/// The golden frames of `anthropic/text` with their `id:` lines for stream `id`.
fn expected(id: &str) -> String {
    golden(Provider::Anthropic, "text")
        .split_inclusive("\n\n")
        .enumerate()
        .map(|(i, event)| format!("id: {id}:{}\n{event}", i + 1))
        .collect()
}

/// Posts a resumable stream request to `serve`; returns its id and body.
async fn open(serve: &Serve) -> (String, Incoming) {
    let request = post(
        serve.addr,
        "/v1/chat/stream/anthropic",
        &[("llm-sse-resumable", "true")],
        &chat("claude-sonnet-4-5"),
    );
    let response = send(serve.addr, request).await;
    assert_eq!(response.status(), 200);
    let id = response.headers()["llm-sse-stream-id"]
        .to_str()
        .unwrap()
        .to_owned();
    (id, response.into_body())
}

async fn resume(serve: &Serve, id: &str, query: &str) -> http::Response<Incoming> {
    let request = Request::get(format!("http://{}/v1/streams/{id}{query}", serve.addr))
        .header("host", "gw")
        .body(Full::default())
        .unwrap();
    send(serve.addr, request).await
}

async fn read_events(body: &mut Incoming, n: usize) -> String {
    let mut text = String::new();
    while text.matches("\n\n").count() < n {
        text.push_str(&next_data(body).await.expect("the stream ended early"));
    }
    text
}

async fn read_to_end(body: &mut Incoming) -> String {
    let mut text = String::new();
    while let Some(data) = next_data(body).await {
        text.push_str(&data);
    }
    text
}

fn last_seq(text: &str) -> u64 {
    let line = text.lines().rev().find(|l| l.starts_with("id: ")).unwrap();
    line.rsplit(':').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_cut_on_one_instance_resumes_on_another() {
    let Some(binary) = redis_or_skip() else {
        return;
    };
    let redis = Redis::start(&binary);
    let mock = mock(Duration::from_millis(30)).await;
    let a = Serve::start(&mock, &["--store", &redis.url()]);
    let b = Serve::start(&mock, &["--store", &redis.url()]);

    let (id, mut body) = open(&a).await;
    let first = read_events(&mut body, 3).await;
    drop(body); // cut on A
    let seq = last_seq(&first);

    // Two readers on B while the stream is live: the rest, and the whole stream.
    let rest = resume(&b, &id, &format!("?after={seq}")).await;
    assert_eq!(rest.status(), 200);
    assert_eq!(rest.headers()["llm-sse-stream-id"], id.as_str());
    let mut rest = rest.into_body();
    let mut all = resume(&b, &id, "").await.into_body();
    let (rest, all) = tokio::join!(read_to_end(&mut rest), read_to_end(&mut all));
    assert!(
        rest.starts_with(&format!("id: {id}:{}\n", seq + 1)),
        "{rest}"
    );
    assert_eq!(
        format!("{first}{rest}"),
        expected(&id),
        "no gap, no duplicate"
    );
    assert_eq!(all, expected(&id));

    // After the end, on either instance.
    for serve in [&a, &b] {
        let again = read_to_end(
            &mut resume(serve, &id, &format!("?after={seq}"))
                .await
                .into_body(),
        )
        .await;
        assert_eq!(again, rest);
    }
    assert_eq!(mock.requests().len(), 1, "the provider was called once");
    // The stream's key expires after the TTL (10 minutes by default).
    let ttl: i64 = redis
        .command(&["TTL", &format!("llm-sse:stream:{id}")])
        .unwrap()
        .trim_start_matches(':')
        .parse()
        .unwrap();
    assert!((590..=600).contains(&ttl), "{ttl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_expire_in_redis() {
    let Some(binary) = redis_or_skip() else {
        return;
    };
    let redis = Redis::start(&binary);
    let mock = mock(Duration::ZERO).await;
    let args = ["--store", &redis.url(), "--resume-ttl", "0.5"];
    let a = Serve::start(&mock, &args);
    let b = Serve::start(&mock, &args);
    let (id, mut body) = open(&a).await;
    read_to_end(&mut body).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let whole_stream = read_to_end(&mut resume(&b, &id, "").await.into_body()).await;
    assert_eq!(whole_stream, expected(&id));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let (status, _, body) = whole(resume(&b, &id, "").await).await;
    assert_eq!((status, error_of(&body).0.as_str()), (404, "not_found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_stream_over_the_memory_bound_is_dropped_everywhere() {
    let Some(binary) = redis_or_skip() else {
        return;
    };
    let redis = Redis::start(&binary);
    let mock = mock(Duration::from_millis(10)).await;
    // Room for a few events of the stream, not all of them.
    let args = ["--store", &redis.url(), "--resume-max-bytes", "1K"];
    let a = Serve::start(&mock, &args);
    let b = Serve::start(&mock, &args);
    let (id, mut body) = open(&a).await;
    let text = read_to_end(&mut body).await;
    let events: Vec<&str> = text.split_inclusive("\n\n").collect();
    let numbered = &events[..events.len() - 2];
    for (i, event) in numbered.iter().enumerate() {
        assert!(
            event.starts_with(&format!("id: {id}:{}\n", i + 1)),
            "{event}"
        );
    }
    assert!(
        events[events.len() - 2].contains(
            r#""error":{"type":"connection_error","message":"the resumable stream was dropped"#
        ),
        "{text}"
    );
    assert_eq!(events[events.len() - 1], "data: [DONE]\n\n");
    // Its copy in Redis is gone too: no part of a stream is ever served.
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let (status, _, body) = whole(resume(&b, &id, "").await).await;
        if status == 404 {
            assert_eq!(error_of(&body).0, "not_found");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{status} {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_at_start_is_a_clear_error() {
    let mock = mock(Duration::ZERO).await;
    let port = free_port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}/0");
    let mut child = serve_command(&mock, &["--store", &url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "llm-sse: error: cannot use the stream store redis://***@127.0.0.1:{port}/0: "
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_in_the_middle_of_a_stream() {
    let Some(binary) = redis_or_skip() else {
        return;
    };
    let mut redis = Redis::start(&binary);
    let mock = mock(Duration::from_millis(40)).await;
    let a = Serve::start(&mock, &["--store", &redis.url()]);
    let b = Serve::start(&mock, &["--store", &redis.url()]);
    let (id, mut body) = open(&a).await;
    let first = read_events(&mut body, 2).await;
    redis.kill();
    // The live reader keeps its stream, whole.
    let rest = read_to_end(&mut body).await;
    assert_eq!(format!("{first}{rest}"), expected(&id));
    // A resume elsewhere: a clear error.
    let (status, _, answer) = whole(resume(&b, &id, "").await).await;
    assert_eq!(status, 503, "{answer}");
    let (kind, message) = error_of(&answer);
    assert_eq!(kind, "store_unavailable");
    assert!(message.contains("cannot be reached"), "{message}");
    // The gateway goes on serving, resumable streams included (from memory while live).
    let health = Request::get(format!("http://{}/healthz", a.addr))
        .header("host", "gw")
        .body(Full::default())
        .unwrap();
    assert_eq!(within(send(a.addr, health)).await.status(), 200);
    let (id, mut body) = open(&a).await;
    let first = read_events(&mut body, 1).await;
    let live = resume(&a, &id, &format!("?after={}", last_seq(&first))).await;
    assert_eq!(live.status(), 200);
    let (rest, resumed) = tokio::join!(read_to_end(&mut body), async {
        read_to_end(&mut live.into_body()).await
    });
    assert_eq!(format!("{first}{rest}"), expected(&id));
    assert_eq!(resumed, rest);
    // Once it ended, it is gone from memory, and Redis is still away.
    let (status, _, _) = whole(resume(&a, &id, "").await).await;
    assert_eq!(status, 503);
    assert_eq!(mock.requests().len(), 2);
}
