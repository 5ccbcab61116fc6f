//! The demo page (`GET /`) in a real headless Chromium, against `llm-sse serve --mock`: the page
//! streams a recording token by token and ends up showing its whole text and finish reason; and
//! reloaded mid-stream, it resumes the stream it was reading (the stream id kept in
//! `sessionStorage`), so the whole answer appears once and the provider is asked once.
//!
//! Chromium is driven through the DevTools protocol (a few JSON messages over a WebSocket), and
//! a screenshot of the finished page is kept as a test artifact in
//! `target/test-artifacts/demo-page-<provider>.png`.
//!
//! Chromium comes from Debian's `chromium` package (`.ci/run` installs it), or the binary named by
//! `CHROMIUM`. Without one the test fails under CI (`CI` set) and is skipped with a message
//! elsewhere.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long a page may take to stream a recording (paced at 20 ms per event, about 20 events).
const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
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

/// `llm-sse serve --mock ...args` on a free loopback port: the process, its base URL, and its log
/// (JSON lines, also copied to standard error).
fn start_gateway(args: &[&str]) -> (Killed, String, Arc<Mutex<Vec<String>>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_llm-sse"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--mock",
            "--log-format",
            "json",
        ])
        .args(args)
        .env_remove("LLM_SSE_TOKEN")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start llm-sse serve");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let child = Killed(child);
    let log = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            kept.lock().expect("log").push(line);
        }
    });
    // The first line of standard output names the address.
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the address");
    let addr = line
        .split_whitespace()
        .find_map(|word| {
            word.trim_start_matches("http://")
                .parse::<std::net::SocketAddr>()
                .ok()
        })
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, format!("http://{addr}"), log)
}

/// How many requests the gateway has logged with `method` on a path starting with `prefix`.
fn logged(log: &Mutex<Vec<String>>, method: &str, prefix: &str) -> usize {
    log.lock()
        .expect("log")
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|entry| {
            entry["message"] == "request"
                && entry["method"] == method
                && entry["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with(prefix))
        })
        .count()
}

/// Headless Chromium with the DevTools protocol on a free port, showing `url`.
fn start_chromium(binary: &Path, profile: &Path, url: &str) -> (Killed, u16) {
    let child = Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "--window-size=1000,800",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let child = Killed(child);
    // Chromium writes the port it chose into the profile.
    let port_file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(&port_file) {
            if let Some(port) = text.lines().next().and_then(|l| l.trim().parse().ok()) {
                return (child, port);
            }
        }
        assert!(
            Instant::now() < deadline,
            "chromium wrote no DevToolsActivePort"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `GET http://127.0.0.1:port{path}` (the DevTools HTTP endpoint), as JSON.
fn devtools_json(port: u16, path: &str) -> Value {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to devtools");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    use std::io::Write;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    // Read the head, then exactly Content-Length bytes (the server may keep the connection).
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("read the response head");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().expect("a content length");
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("read the body");
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("devtools {path}: {e}"))
}

/// A DevTools protocol session with one page.
struct Page {
    socket: tungstenite::WebSocket<TcpStream>,
    next_id: u64,
}

impl Page {
    fn attach(port: u16) -> Page {
        let deadline = Instant::now() + Duration::from_secs(20);
        let url = loop {
            let targets = devtools_json(port, "/json/list");
            let page = targets.as_array().into_iter().flatten().find(|t| {
                t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.starts_with("http"))
            });
            if let Some(url) = page.and_then(|p| p["webSocketDebuggerUrl"].as_str()) {
                break url.to_string();
            }
            assert!(Instant::now() < deadline, "no page target: {targets}");
            std::thread::sleep(Duration::from_millis(50));
        };
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let (socket, _) = tungstenite::client(url.as_str(), stream).expect("websocket handshake");
        Page { socket, next_id: 1 }
    }

    /// Sends one command and returns its result (events in between are skipped).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({"id": id, "method": method, "params": params});
        self.socket
            .send(tungstenite::Message::text(message.to_string()))
            .expect("send");
        loop {
            let reply = self.socket.read().expect("devtools reply");
            let tungstenite::Message::Text(text) = reply else {
                continue;
            };
            let value: Value = serde_json::from_str(text.as_str()).expect("JSON");
            if value["id"] == id {
                assert!(value.get("error").is_none(), "{method}: {value}");
                return value["result"].clone();
            }
        }
    }

    /// The value of a JavaScript expression in the page.
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        result["result"]["value"].clone()
    }

    /// The value of an expression while the page may still be loading: `null` until it has a
    /// document to evaluate it in (Chromium may answer with an error while a navigation
    /// commits, even for the page it was started with).
    fn poll(&mut self, expression: &str) -> Value {
        self.try_eval(expression).unwrap_or(Value::Null)
    }

    /// The value of an expression, or `None` while the page has no document to evaluate it in
    /// (during a reload) or the expression threw.
    fn try_eval(&mut self, expression: &str) -> Option<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let params = json!({"expression": expression, "returnByValue": true});
        let message = json!({"id": id, "method": "Runtime.evaluate", "params": params});
        self.socket
            .send(tungstenite::Message::text(message.to_string()))
            .expect("send");
        loop {
            let reply = self.socket.read().expect("devtools reply");
            let tungstenite::Message::Text(text) = reply else {
                continue;
            };
            let value: Value = serde_json::from_str(text.as_str()).expect("JSON");
            if value["id"] == id {
                let result = &value["result"];
                if value.get("error").is_some() || result.get("exceptionDetails").is_some() {
                    return None;
                }
                return Some(result["result"]["value"].clone());
            }
        }
    }
}

/// The text and finish reason of `recording` as the page should show them.
fn expected(recording: &str) -> (String, String) {
    let mut text = String::new();
    let mut finish = String::new();
    for line in recording.lines() {
        let Some(json) = line.strip_prefix("data: ") else {
            continue;
        };
        let Ok(frame) = serde_json::from_str::<Value>(json) else {
            continue; // [DONE]
        };
        if frame["done"] == true {
            finish = frame["finish_reason"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        } else if frame.get("reasoning").is_none() && frame.get("tool_call").is_none() {
            text.push_str(frame["token"].as_str().unwrap_or_default());
        }
    }
    (text, finish)
}

/// Chromium, or `None` (with a message) outside CI when there is none.
fn chromium_for_test() -> Option<PathBuf> {
    let binary = chromium();
    if binary.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have Chromium (.ci/run installs Debian's chromium)"
        );
        eprintln!("SKIPPED: no Chromium (install Debian's chromium or set CHROMIUM)");
    }
    binary
}

/// The bundled Anthropic text recording (what `--mock` serves the page) as the page shows it.
fn expected_text_recording() -> (String, String) {
    let golden = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/anthropic/text.frames"),
    )
    .expect("golden frames");
    let (text, finish) = expected(&golden);
    assert!(!text.is_empty() && finish == "stop");
    (text, finish)
}

#[test]
fn the_demo_page_streams_a_recording_to_its_end_in_chromium() {
    let Some(binary) = chromium_for_test() else {
        return;
    };
    let (_gateway, base, _log) = start_gateway(&[]);
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifacts directory");
    let profile = tempdir("demo-page-profile");
    let url = format!("{base}/?provider=anthropic&prompt=What%20is%20SSE%3F&autostart=1");
    let (_chromium, port) = start_chromium(&binary, &profile, &url);
    let mut page = Page::attach(port);

    // The mock mode serves the bundled Anthropic text recording.
    let (text, finish) = expected_text_recording();

    // Tokens arrive one by one: at some point the answer is partial.
    let deadline = Instant::now() + PAGE_TIMEOUT;
    let mut partial_seen = false;
    loop {
        let state = page.poll("document.body.dataset.state || ''");
        let answer = page.poll("document.getElementById('answer').textContent");
        let answer = answer.as_str().unwrap_or_default();
        if !answer.is_empty() && answer.len() < text.len() {
            partial_seen = true;
        }
        if state == "done" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the page did not finish: {answer:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let answer = page.eval("document.getElementById('answer').textContent");
    assert_eq!(answer.as_str(), Some(text.as_str()));
    assert_eq!(page.eval("document.body.dataset.finish"), json!(finish));
    let status = page.eval("document.getElementById('status').textContent");
    assert!(
        status.as_str().is_some_and(
            |s| s.starts_with("finish: stop (end_turn)") && s.contains("usage: 25 in, 58 out")
        ),
        "{status}"
    );
    assert_eq!(
        page.eval("document.getElementById('error').textContent"),
        json!("")
    );
    assert!(
        partial_seen,
        "the answer was never seen partial: not streamed token by token"
    );

    let shot = page.call("Page.captureScreenshot", json!({"format": "png"}));
    let png = base64_decode(shot["data"].as_str().expect("screenshot data"));
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(artifacts.join("demo-page-anthropic.png"), png).expect("write the screenshot");
    let _ = std::fs::remove_dir_all(&profile);
}

#[test]
fn the_demo_page_resumes_its_stream_after_a_reload_mid_stream_in_chromium() {
    let Some(binary) = chromium_for_test() else {
        return;
    };
    // Paced slowly enough (about 2 s for the recording) to reload in the middle.
    let (_gateway, base, log) = start_gateway(&["--mock-delay-ms", "100"]);
    let profile = tempdir("demo-page-reload-profile");
    let url = format!("{base}/?provider=anthropic&prompt=What%20is%20SSE%3F&autostart=1");
    let (_chromium, port) = start_chromium(&binary, &profile, &url);
    let mut page = Page::attach(port);
    let (text, finish) = expected_text_recording();
    const SAVED: &str = "sessionStorage.getItem('llm-sse-demo-stream')";
    const ANSWER: &str = "document.getElementById('answer').textContent";

    // Mid-stream: part of the answer shown, and the stream id kept for a reload.
    let deadline = Instant::now() + PAGE_TIMEOUT;
    loop {
        let answer = page.poll(ANSWER);
        let answer = answer.as_str().unwrap_or_default();
        let saved = page.poll(SAVED);
        if !answer.is_empty() && answer.len() < text.len() && saved.is_string() {
            break;
        }
        assert!(
            page.poll("document.body.dataset.state || ''") != "done",
            "the stream ended before the page kept a stream id to resume (saved: {saved}): \
             are the gateway's streams resumable (llm-sse-resumable: true)?"
        );
        assert!(Instant::now() < deadline, "no partial answer: {answer:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
    page.call("Page.reload", json!({}));

    // The reloaded page resumes the same stream: the answer only ever grows from the start of
    // the recording's text, and ends as exactly that text.
    let deadline = Instant::now() + PAGE_TIMEOUT;
    loop {
        let resumed = page.try_eval("document.body.dataset.resumed || ''");
        if resumed == Some(json!("reload")) {
            if let Some(answer) = page.try_eval(ANSWER) {
                let answer = answer.as_str().unwrap_or_default().to_owned();
                assert!(text.starts_with(&answer), "not the answer once: {answer:?}");
            }
            if page.try_eval("document.body.dataset.state || ''") == Some(json!("done")) {
                break;
            }
        }
        if Instant::now() >= deadline {
            let page_state = page.try_eval(
                "JSON.stringify([document.body.dataset, \
                 ...['answer', 'status', 'error'].map((id) => document.getElementById(id).textContent)])",
            );
            panic!("the reloaded page did not finish resuming: {page_state:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(page.eval(ANSWER).as_str(), Some(text.as_str()));
    assert_eq!(page.eval("document.body.dataset.finish"), json!(finish));
    assert_eq!(
        page.eval("document.getElementById('error').textContent"),
        json!("")
    );
    assert_eq!(
        page.eval(SAVED),
        Value::Null,
        "the finished stream is forgotten"
    );
    // One generation: the reloaded page did not send the prompt again. The gateway logs a
    // request when its response has ended, which can be a moment after the page saw the last
    // frame: wait for both lines.
    let deadline = Instant::now() + Duration::from_secs(5);
    while (logged(&log, "POST", "/v1/chat/stream/") == 0
        || logged(&log, "GET", "/v1/streams/") == 0)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(logged(&log, "POST", "/v1/chat/stream/"), 1);
    assert!(logged(&log, "GET", "/v1/streams/") >= 1);
    let _ = std::fs::remove_dir_all(&profile);
}

/// A fresh directory under the system temp directory.
fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("llm-sse-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Standard base64 (the screenshot's encoding), decoded.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = text.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for group in bytes.chunks(4) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | u32::from(value(c)) << (18 - 6 * i));
        let count = group.len() - 1;
        out.extend_from_slice(&n.to_be_bytes()[1..=count]);
    }
    out
}
