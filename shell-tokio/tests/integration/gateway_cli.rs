//! `llm-sse serve`: the real binary prints its address first, serves `--mock` recordings with
//! the token from `LLM_SSE_TOKEN`, logs JSON lines, ends open streams with an error frame when
//! SIGTERM's grace runs out and exits 0, refuses bad setups with exit 2, and answers or closes
//! on a thousand mangled requests without a hang or a panic.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use llm_sse_tests::XorShift;

const TIMEOUT: Duration = Duration::from_secs(10);

/// The provider settings the gateway reads from its environment (and the mock, for
/// `--require-aws-signature`): keys, base URLs, and the cloud platforms' credentials.
const PROVIDER_VARS: [&str; 30] = [
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENAI_BASE_URL",
    "GEMINI_BASE_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "CLOUDSDK_AUTH_ACCESS_TOKEN",
    "CLOUDSDK_CONFIG",
    "ANTHROPIC_VERTEX_PROJECT_ID",
    "CLOUD_ML_REGION",
    "ANTHROPIC_VERTEX_BASE_URL",
    "GCE_METADATA_HOST",
];

/// Removes the developer's provider settings from `command`'s environment, points its home
/// at a directory without `.aws` or `gcloud` files, and keeps the metadata server of a machine
/// on Google Cloud out of it (not the tests' to ask).
fn clean_env(command: &mut Command) {
    for name in PROVIDER_VARS {
        command.env_remove(name);
    }
    command
        .env("HOME", env!("CARGO_TARGET_TMPDIR"))
        .env("NO_GCE_CHECK", "true");
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// A running `llm-sse serve`, killed when dropped.
struct Serve {
    child: Child,
    addr: SocketAddr,
    stderr: mpsc::Receiver<String>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Serve {
        let mut command = Command::new(env!("CARGO_BIN_EXE_llm-sse"));
        command
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .env_remove("LLM_SSE_TOKEN")
            .env_remove("RUST_LOG");
        // Only what the test says: no provider key or base URL from the developer's shell.
        clean_env(&mut command);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("spawn llm-sse");
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (stderr_tx, stderr_rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if stderr_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let Ok(line) = rx.recv_timeout(TIMEOUT) else {
            let _ = child.kill();
            panic!("no address printed within {TIMEOUT:?}");
        };
        let addr = line
            .trim_end()
            .parse()
            .unwrap_or_else(|_| panic!("the first line is not an address: {line:?}"));
        Serve {
            child,
            addr,
            stderr: stderr_rx,
        }
    }

    /// Sends a request and returns the connection, to read the answer from.
    fn send(&self, path: &str, headers: &[&str], body: &str) -> TcpStream {
        let mut tcp = TcpStream::connect(self.addr).unwrap();
        tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nhost: gw\r\nconnection: close\r\ncontent-length: {}\r\n",
            body.len()
        );
        for header in headers {
            request.push_str(header);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        request.push_str(body);
        tcp.write_all(request.as_bytes()).unwrap();
        tcp
    }

    fn post(&self, path: &str, headers: &[&str], body: &str) -> String {
        let mut response = String::new();
        self.send(path, headers, body)
            .read_to_string(&mut response)
            .unwrap();
        response
    }

    /// The next line on standard error that contains `needle`.
    fn log_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("no line with {needle:?} on standard error"),
            }
        }
    }

    fn wait(&mut self) -> Option<i32> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "still running");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The body of a chunked response.
fn dechunk(response: &str) -> String {
    let (_, mut rest) = response.split_once("\r\n\r\n").expect("a head");
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size, 16).expect("a chunk size");
        if size == 0 {
            break;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    body
}

const CHAT: &str = r#"{"messages":[{"role":"user","content":"Hi"}],"model":"tool_use","temperature":0.7,"max_tokens":1024}"#;

#[test]
fn serves_recordings_with_a_token_and_json_logs() {
    let serve = Serve::start(
        &["--mock", "--mock-delay-ms", "1", "--log-format", "json"],
        &[("LLM_SSE_TOKEN", "cli-token")],
    );
    let path = "/v1/chat/stream/anthropic";
    let refused = serve.post(path, &[], CHAT);
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");

    let response = serve.post(
        path,
        &["authorization: Bearer cli-token", "x-request-id: cli-1"],
        CHAT,
    );
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("\r\nx-accel-buffering: no\r\n"));
    let golden = std::fs::read_to_string(fixtures().join("anthropic/tool_use.frames")).unwrap();
    assert_eq!(dechunk(&response), golden);

    let line = serve.log_line("\"request_id\":\"cli-1\"");
    let json: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(json["message"], "request");
    assert_eq!(json["model"], "tool_use");
    assert_eq!(json["finish_reason"], "tool_calls");
    assert!(
        !line.contains("cli-token") && !line.contains("\"Hi\""),
        "{line}"
    );
}

#[test]
fn serves_a_fixture_directory() {
    let dir = fixtures();
    let serve = Serve::start(
        &["--mock", dir.to_str().unwrap(), "--mock-delay-ms", "1"],
        &[],
    );
    let body = CHAT.replace("tool_use", "truncated");
    let response = serve.post("/v1/chat/stream/gemini", &[], &body);
    let golden = std::fs::read_to_string(dir.join("gemini/truncated.frames")).unwrap();
    assert_eq!(dechunk(&response), golden);
}

#[cfg(unix)]
#[test]
fn sigterm_ends_open_streams_after_the_grace_and_exits_0() {
    let mut serve = Serve::start(
        &[
            "--mock",
            "--mock-delay-ms",
            "60000",
            "--shutdown-grace",
            "0.3",
        ],
        &[],
    );
    // Gemini's first event carries text: the first frame comes at once, the next a minute later.
    let mut tcp = serve.send(
        "/v1/chat/stream/gemini",
        &[],
        &CHAT.replace("tool_use", "text"),
    );
    // Wait for the first frame, then signal.
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("data: {") {
        let n = tcp.read(&mut buf).unwrap();
        assert!(n > 0, "closed early");
        seen.extend_from_slice(&buf[..n]);
    }
    let status = Command::new("kill")
        .args(["-TERM", &serve.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tcp.read_to_end(&mut seen).unwrap();
    let body = dechunk(&String::from_utf8(seen).unwrap());
    // The terminal frame keeps what arrived: the id, model and usage of the first event.
    assert!(
        body.ends_with(concat!(
            "\"provider\":\"gemini\",\"id\":\"Xc18aP2kHZ3Wz7IPkp_u2QM\",",
            "\"model\":\"gemini-2.5-flash\",\"finish_reason\":\"error\",",
            "\"usage\":{\"input_tokens\":9,\"output_tokens\":0},",
            "\"error\":{\"type\":\"connection_error\",",
            "\"message\":\"the gateway shut down before the stream ended\"}}\n\ndata: [DONE]\n\n"
        )),
        "{body}"
    );
    assert_eq!(serve.wait(), Some(0));
}

/// Runs `llm-sse serve args...` that should fail at once.
fn fails(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_llm-sse"))
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr).unwrap()
}

/// A child process killed (and reaped) when dropped, also when a test fails.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `llm-sse mock` serving `recording` for `provider`: the process and its base URL.
fn mock_provider(provider: &str, recording: &str) -> (KillOnDrop, String) {
    mock_provider_with(
        provider,
        recording,
        &["--require-api-key", "sk-gateway-test"],
        &[],
    )
}

/// `llm-sse mock` serving `recording` for `provider` with `args` and `env`; its base URL
/// (OpenAI's and Vertex AI's include their `/v1`).
fn mock_provider_with(
    provider: &str,
    recording: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (KillOnDrop, String) {
    let extension = if provider == "bedrock" {
        "eventstream"
    } else {
        "sse"
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_llm-sse"));
    command
        .args(["mock", "--provider", provider, "--file"])
        .arg(
            fixtures()
                .join(provider)
                .join(format!("{recording}.{extension}")),
        )
        .args(["--addr", "127.0.0.1:0"])
        .args(args);
    clean_env(&mut command);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn llm-sse mock");
    let stdout = child.stdout.take().unwrap();
    let child = KillOnDrop(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let addr = line.trim_end();
    let base = if provider == "openai" || provider == "vertex" {
        format!("http://{addr}/v1")
    } else {
        format!("http://{addr}")
    };
    (child, base)
}

/// Without `--mock` the gateway calls the providers through the client: here `llm-sse mock`
/// processes standing in for them, reached through the `*_BASE_URL` variables.
#[test]
fn without_mock_it_streams_from_the_providers() {
    let body = r#"{"model":"some-model","messages":[{"role":"user","content":"Hi"}],"temperature":0.7,"max_tokens":1024}"#;
    for (provider, key_var, base_var) in [
        ("anthropic", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
        ("openai", "OPENAI_API_KEY", "OPENAI_BASE_URL"),
        ("gemini", "GEMINI_API_KEY", "GEMINI_BASE_URL"),
    ] {
        let (_mock, base) = mock_provider(provider, "text");
        let serve = Serve::start(
            &[],
            &[(key_var, "sk-gateway-test"), (base_var, base.as_str())],
        );
        let response = serve.post(&format!("/v1/chat/stream/{provider}"), &[], body);
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        let golden =
            std::fs::read_to_string(fixtures().join(provider).join("text.frames")).unwrap();
        assert_eq!(dechunk(&response), golden, "{provider}");
    }
}

/// The text of the tokens of a golden frames file.
fn golden_text(frames: &str) -> String {
    frames
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter_map(|json| serde_json::from_str::<serde_json::Value>(json).ok())
        .filter_map(|frame| frame["token"].as_str().map(str::to_owned))
        .collect()
}

/// Claude on Amazon Bedrock and Vertex AI through `llm-sse serve`, with `llm-sse mock`
/// processes standing in for them (the Bedrock mock verifying each signature with the same AWS
/// credentials), reached through the environment as an operator would set it: the stream
/// endpoint, and `bedrock/<model id>`, `vertex/<model>` on the OpenAI and Anthropic endpoints.
#[test]
fn bedrock_and_vertex_through_the_gateway() {
    let aws = [
        ("AWS_ACCESS_KEY_ID", "AKIDGATEWAYTEST00001"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "gateway/secret/key+0123456789abcdefghijk",
        ),
        ("AWS_REGION", "eu-central-1"),
    ];
    let (_bedrock, bedrock_base) =
        mock_provider_with("bedrock", "text", &["--require-aws-signature"], &aws);
    let (_vertex, vertex_base) = mock_provider_with(
        "vertex",
        "text",
        &["--require-api-key", "ya29.gateway-token"],
        &[],
    );
    let mut env = aws.to_vec();
    env.extend([
        ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock_base.as_str()),
        ("CLOUDSDK_AUTH_ACCESS_TOKEN", "ya29.gateway-token"),
        ("ANTHROPIC_VERTEX_PROJECT_ID", "gateway-project"),
        ("CLOUD_ML_REGION", "us-east5"),
        ("ANTHROPIC_VERTEX_BASE_URL", vertex_base.as_str()),
    ]);
    let serve = Serve::start(&[], &env);
    for (provider, model) in [
        ("bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("vertex", "claude-sonnet-4-5@20250929"),
    ] {
        let golden =
            std::fs::read_to_string(fixtures().join(provider).join("text.frames")).unwrap();
        let body = format!(
            r#"{{"model":"{model}","messages":[{{"role":"user","content":"Hi"}}],"max_tokens":1024}}"#
        );
        let response = serve.post(&format!("/v1/chat/stream/{provider}"), &[], &body);
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "{provider}: {response}"
        );
        assert_eq!(dechunk(&response), golden, "{provider}");

        // The SDK endpoints, the model named `provider/model`, whole answers.
        let named = format!("{provider}/{model}");
        let completions =
            format!(r#"{{"model":"{named}","messages":[{{"role":"user","content":"Hi"}}]}}"#);
        let response = serve.post("/v1/chat/completions", &[], &completions);
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "{provider}: {response}"
        );
        let json: serde_json::Value =
            serde_json::from_str(response.split_once("\r\n\r\n").unwrap().1).unwrap();
        assert_eq!(json["model"], named.as_str());
        assert_eq!(
            json["choices"][0]["message"]["content"],
            golden_text(&golden)
        );
        assert_eq!(json["usage"]["prompt_tokens"], 25, "{provider}");

        let messages = format!(
            r#"{{"model":"{named}","max_tokens":256,"messages":[{{"role":"user","content":"Hi"}}]}}"#
        );
        let response = serve.post("/v1/messages", &[], &messages);
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "{provider}: {response}"
        );
        let json: serde_json::Value =
            serde_json::from_str(response.split_once("\r\n\r\n").unwrap().1).unwrap();
        assert_eq!(json["content"][0]["text"], golden_text(&golden));
        assert_eq!(json["stop_reason"], "end_turn");
    }
}

/// Without the AWS or Google credentials the cloud providers are `503` naming what to set.
#[test]
fn without_cloud_credentials_the_gateway_says_what_to_set() {
    let serve = Serve::start(&[], &[]);
    for (provider, needle) in [
        ("bedrock", "AWS_ACCESS_KEY_ID"),
        ("vertex", "GOOGLE_APPLICATION_CREDENTIALS"),
    ] {
        let response = serve.post(
            &format!("/v1/chat/stream/{provider}"),
            &[],
            r#"{"model":"m","messages":[{"role":"user","content":"Hi"}],"max_tokens":16}"#,
        );
        assert!(response.starts_with("HTTP/1.1 503"), "{response}");
        assert!(response.contains(needle), "{provider}: {response}");
    }
}

/// A provider without a key is `503` naming the variable; nothing is called.
#[test]
fn without_mock_a_provider_without_a_key_is_503() {
    let serve = Serve::start(&[], &[]);
    let response = serve.post(
        "/v1/chat/stream/gemini",
        &[],
        r#"{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"Hi"}]}"#,
    );
    assert!(response.starts_with("HTTP/1.1 503"), "{response}");
    assert!(
        response.contains("GEMINI_API_KEY") && response.contains("GOOGLE_API_KEY"),
        "{response}"
    );
}

#[test]
fn bad_setups_exit_2() {
    let stderr = fails(&["--addr", "127.0.0.1:0", "--mock", "/nonexistent/recordings"]);
    assert!(
        stderr.contains("llm-sse: error: cannot load recordings from /nonexistent/recordings"),
        "{stderr}"
    );
    let stderr = fails(&["--mock-delay-ms", "5"]);
    assert!(
        stderr.starts_with("llm-sse: error: the following required arguments"),
        "{stderr}"
    );
    let stderr = fails(&["--mock", "--shutdown-grace", "0"]);
    assert!(
        stderr.contains("expected a positive number of seconds"),
        "{stderr}"
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let stderr = fails(&["--mock", "--addr", &addr]);
    assert!(
        stderr.contains(&format!("llm-sse: error: cannot listen on {addr}")),
        "{stderr}"
    );
}

#[test]
fn model_aliases_for_the_sdk_endpoints() {
    let serve = Serve::start(
        &[
            "--mock",
            "--mock-delay-ms",
            "1",
            "--model-alias",
            "tools=gemini/function_call",
            "--model-alias",
            "words=anthropic/text",
        ],
        &[("LLM_SSE_TOKEN", "cli-token")],
    );
    // The Anthropic SDK's header carries the token; the alias picks the recording.
    let body = r#"{"model":"tools","max_tokens":100,"messages":[{"role":"user","content":"Hi"}]}"#;
    let response = serve.post("/v1/messages", &["x-api-key: cli-token"], body);
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    let (_, json) = response.split_once("\r\n\r\n").unwrap();
    let json: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(json["model"], "tools");
    assert_eq!(json["stop_reason"], "tool_use");
    assert_eq!(json["content"][0]["type"], "tool_use");

    let mut tcp = TcpStream::connect(serve.addr).unwrap();
    tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
    tcp.write_all(
        b"GET /v1/models HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer cli-token\r\nconnection: close\r\n\r\n",
    )
    .unwrap();
    let mut response = String::new();
    tcp.read_to_string(&mut response).unwrap();
    let (_, json) = response.split_once("\r\n\r\n").unwrap();
    let json: serde_json::Value = serde_json::from_str(json).unwrap();
    let ids: Vec<&str> = json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["tools", "words"]);

    for (alias, expected) in [
        ("fast", "expected NAME=provider/model"),
        ("fast=gpt-4o", "is not provider/model"),
    ] {
        let stderr = fails(&["--mock", "--model-alias", alias]);
        assert!(stderr.contains(expected), "{alias}: {stderr}");
    }
    let stderr = fails(&[
        "--mock",
        "--model-alias",
        "a=openai/x",
        "--model-alias",
        "a=gemini/y",
    ]);
    assert!(
        stderr.contains("llm-sse: error: --model-alias: the alias \"a\" is defined twice"),
        "{stderr}"
    );
}

/// Requests the gateway serves, as bytes: the mangled cases start from these.
fn request_templates() -> Vec<Vec<u8>> {
    let stream = "/v1/chat/stream/anthropic";
    let body = CHAT;
    let (first, second) = body.split_at(17);
    vec![
        format!(
            "POST {stream} HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        ),
        format!(
            "POST {stream} HTTP/1.1\r\nhost: gw\r\ntransfer-encoding: chunked\r\n\
             expect: 100-continue\r\n\r\n{:x}\r\n{first}\r\n{:x};ext=1\r\n{second}\r\n0\r\n\
             trailer: x\r\n\r\n",
            first.len(),
            second.len()
        ),
        format!(
            "POST {stream} HTTP/1.0\r\ncontent-length: {}\r\nconnection: keep-alive\r\n\r\n{body}",
            body.len()
        ),
        String::from("GET /healthz HTTP/1.1\r\nhost: gw\r\n\r\nGET /v1/models HTTP/1.1\r\n\r\n"),
        format!(
            "POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\ncontent-length: {}\r\n\r\n{}",
            CHAT_COMPLETIONS.len(),
            CHAT_COMPLETIONS
        ),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

const CHAT_COMPLETIONS: &str =
    r#"{"model":"anthropic/text","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#;

/// Bytes that matter to an HTTP/1.x reader, and some that are never valid in a head.
const ALPHABET: &[u8] = b"\r\n\r\n:;, \t0123456789abcdefxXG/HTTP1.\x00\x7f\xff\"{}";

/// `bytes` with one to four random edits: a byte replaced, a range removed, bytes inserted, a
/// range repeated, or the end cut off.
fn mangle(bytes: &[u8], rng: &mut XorShift) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..1 + rng.below(4) {
        if out.is_empty() {
            break;
        }
        let at = rng.below(out.len());
        match rng.below(5) {
            0 => out[at] = ALPHABET[rng.below(ALPHABET.len())],
            1 => {
                let end = (at + 1 + rng.below(8)).min(out.len());
                out.drain(at..end);
            }
            2 => {
                for _ in 0..1 + rng.below(4) {
                    out.insert(at, ALPHABET[rng.below(ALPHABET.len())]);
                }
            }
            3 => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                let piece = out[at..end].to_vec();
                out.splice(at..at, piece);
            }
            _ => out.truncate(at),
        }
    }
    out
}

/// Writes `bytes` in random pieces, says the request is over (a half close), and reads the
/// answer until the gateway closes the connection.
fn exchange(addr: SocketAddr, bytes: &[u8], rng: &mut XorShift) -> Vec<u8> {
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (piece, after) = rest.split_at((1 + rng.below(64)).min(rest.len()));
        // The gateway may answer and close before it has read everything.
        if tcp.write_all(piece).is_err() {
            break;
        }
        rest = after;
    }
    let _ = tcp.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    match tcp.read_to_end(&mut answer) {
        Ok(_) => {}
        // Closed with unread request bytes left: the kernel resets the connection.
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!(
            "no end to the answer to {:?} within {TIMEOUT:?}: {e}; so far: {:?}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&answer)
        ),
    }
    answer
}

/// The answer after the interim `100 Continue` an `Expect: 100-continue` request gets first.
fn final_answer(answer: &[u8]) -> &[u8] {
    answer
        .strip_prefix(b"HTTP/1.1 100 Continue\r\n\r\n".as_slice())
        .unwrap_or(answer)
}

/// Request bytes cut, repeated and overwritten at random (a fixed seed, so a failure repeats)
/// get, from the real binary, whole HTTP/1.x answers or a closed connection, in time: never a
/// hang, never a panic, and the server goes on serving. The templates themselves are answered
/// `200`, so the cases start from requests that work.
#[test]
fn mangled_requests_get_an_answer_or_a_close_never_a_hang_or_a_panic() {
    let serve = Serve::start(&["--mock", "--mock-delay-ms", "0"], &[]);
    // A fixed seed, so that a failing case repeats.
    let mut rng = XorShift::new(1);
    let templates = request_templates();
    for template in &templates {
        let answer = exchange(serve.addr, template, &mut rng);
        let answer = final_answer(&answer);
        assert!(
            answer.starts_with(b"HTTP/1.1 200 ") || answer.starts_with(b"HTTP/1.0 200 "),
            "{:?} -> {:?}",
            String::from_utf8_lossy(template),
            String::from_utf8_lossy(answer)
        );
    }
    let (mut answered, mut refused, mut closed) = (0, 0, 0);
    for _ in 0..1000 {
        let template = &templates[rng.below(templates.len())];
        let bytes = mangle(template, &mut rng);
        let answer = exchange(serve.addr, &bytes, &mut rng);
        let answer = final_answer(&answer);
        if answer.is_empty() {
            closed += 1;
        } else {
            assert!(
                answer.starts_with(b"HTTP/1.1 ") || answer.starts_with(b"HTTP/1.0 "),
                "{:?} -> {:?}",
                String::from_utf8_lossy(&bytes),
                String::from_utf8_lossy(answer)
            );
            if answer[9..].starts_with(b"2") {
                answered += 1;
            } else {
                refused += 1;
            }
        }
    }
    println!("mangled requests: {answered} answered, {refused} refused, {closed} closed");
    // The edits do not all land where they break the request.
    assert!(answered > 0 && refused > 0 && closed > 0);

    let response = serve.post("/v1/chat/stream/anthropic", &[], CHAT);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("data: [DONE]"), "{response}");
    let panics: Vec<String> = serve
        .stderr
        .try_iter()
        .filter(|line| line.contains("panicked"))
        .collect();
    assert!(panics.is_empty(), "{panics:#?}");
}
