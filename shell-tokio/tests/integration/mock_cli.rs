//! `llm-sse mock`: the real binary prints its address on the first line, serves the recording
//! with the faults its flags ask for, and refuses bad flags and unreadable files with exit 2.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

fn fixture(provider: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(provider)
        .join(format!("{name}.sse"))
}

/// A running `llm-sse mock`, killed when dropped.
struct Mock {
    child: Child,
    addr: SocketAddr,
    /// Its standard error, line by line.
    stderr: mpsc::Receiver<String>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Mock {
    fn start(args: &[&str]) -> Mock {
        Mock::start_in(args, None)
    }

    /// Starts it with only `env` in its environment, when given.
    fn start_in(args: &[&str], env: Option<&[(&str, &str)]>) -> Mock {
        let mut command = Command::new(env!("CARGO_BIN_EXE_llm-sse"));
        if let Some(env) = env {
            command.env_clear().envs(env.iter().copied());
        }
        let mut child = command
            .arg("mock")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn llm-sse");
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
        let line = match rx.recv_timeout(TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("no address printed within {TIMEOUT:?}");
            }
        };
        let addr = line
            .strip_suffix('\n')
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("the first line is not an address: {line:?}"));
        Mock {
            child,
            addr,
            stderr: stderr_rx,
        }
    }

    /// Posts `body` to `uri` with `headers` and reads the whole response (the server closes
    /// the connection after it: `connection: close`).
    fn post(&self, uri: &str, headers: &[&str], body: &str) -> String {
        let mut tcp = TcpStream::connect(self.addr).unwrap();
        tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut request = format!(
            "POST {uri} HTTP/1.1\r\nhost: mock\r\nconnection: close\r\ncontent-length: {}\r\n",
            body.len()
        );
        for header in headers {
            request.push_str(header);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        request.push_str(body);
        tcp.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        tcp.read_to_end(&mut response).unwrap();
        String::from_utf8(response).unwrap()
    }

    /// Waits for `line` on its standard error (skipping other lines).
    fn expect_log(&self, line: &str) {
        let deadline = std::time::Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(got) if got == line => return,
                Ok(_) => {}
                Err(_) => panic!("no {line:?} on standard error within {TIMEOUT:?}"),
            }
        }
    }
}

/// The body of a chunked response, and whether it ended with the final chunk.
fn dechunk(response: &str) -> (String, bool) {
    let (_, mut rest) = response.split_once("\r\n\r\n").expect("a head");
    let mut body = String::new();
    loop {
        let Some((size, after)) = rest.split_once("\r\n") else {
            return (body, false);
        };
        let size = usize::from_str_radix(size, 16).expect("a chunk size");
        if size == 0 {
            return (body, after == "\r\n");
        }
        let Some(data) = after.get(..size) else {
            return (body, false);
        };
        body.push_str(data);
        rest = &after[size + 2..];
    }
}

#[test]
fn prints_its_address_first_and_serves_the_recording() {
    let path = fixture("openai", "text");
    let recording = std::fs::read_to_string(&path).unwrap();
    let mock = Mock::start(&[
        "--provider",
        "openai",
        "--file",
        path.to_str().unwrap(),
        "--delay-ms",
        "1",
    ]);
    assert!(mock.addr.ip().is_loopback());

    let response = mock.post("/v1/chat/completions", &[], "{}");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("\r\ncontent-type: text/event-stream\r\n"));
    assert!(response.contains("\r\ncache-control: no-cache\r\n"));
    assert!(response.contains("\r\ntransfer-encoding: chunked\r\n"));
    assert_eq!(dechunk(&response), (recording, true));

    let response = mock.post("/v1/messages", &[], "{}");
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");

    mock.expect_log("llm-sse: POST /v1/chat/completions -> 200");
    mock.expect_log("llm-sse: POST /v1/messages -> 404");
}

#[test]
fn fail_first_status_and_retry_after_flags() {
    let path = fixture("anthropic", "text");
    let mock = Mock::start(&[
        "--provider",
        "anthropic",
        "--file",
        path.to_str().unwrap(),
        "--fail-first",
        "2",
        "--status",
        "429",
        "--retry-after",
        "3",
    ]);
    for _ in 0..2 {
        let response = mock.post("/v1/messages", &[], "{}");
        assert!(response.starts_with("HTTP/1.1 429"), "{response}");
        assert!(response.contains("\r\nretry-after: 3\r\n"), "{response}");
        assert!(response.ends_with(
            r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit"}}"#
        ));
    }
    let response = mock.post("/v1/messages", &[], "{}");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[test]
fn cut_after_and_require_api_key_flags() {
    let path = fixture("gemini", "text");
    let recording = std::fs::read_to_string(&path).unwrap();
    let mock = Mock::start(&[
        "--provider",
        "gemini",
        "--file",
        path.to_str().unwrap(),
        "--cut-after",
        "50",
        "--require-api-key",
        "AIza-test",
    ]);
    let uri = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
    let response = mock.post(uri, &[], "{}");
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    assert!(
        response.contains(r#""status":"UNAUTHENTICATED""#),
        "{response}"
    );

    let response = mock.post(uri, &["x-goog-api-key: AIza-test"], "{}");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert_eq!(dechunk(&response), (recording[..50].to_owned(), false));
}

#[cfg(unix)]
#[test]
fn sigterm_stops_it_with_exit_0() {
    let path = fixture("anthropic", "text");
    let mut mock = Mock::start(&["--provider", "anthropic", "--file", path.to_str().unwrap()]);
    let status = Command::new("kill")
        .args(["-TERM", &mock.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = mock.child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running after SIGTERM"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `llm-sse mock args...` to completion (for runs that fail at once).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_llm-sse"))
        .arg("mock")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_unreadable_file_exits_2() {
    let (code, stdout, stderr) = run(&["--provider", "openai", "--file", "/nonexistent/rec.sse"]);
    assert_eq!(code, Some(2));
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("llm-sse: error: cannot open /nonexistent/rec.sse: ")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn an_address_in_use_exits_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let path = fixture("openai", "text");
    let (code, stdout, stderr) = run(&[
        "--provider",
        "openai",
        "--file",
        path.to_str().unwrap(),
        "--addr",
        &addr,
    ]);
    assert_eq!(code, Some(2));
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with(&format!("llm-sse: error: cannot listen on {addr}: ")),
        "{stderr}"
    );
}

#[test]
fn bad_flags_exit_2() {
    let path = fixture("openai", "text");
    let file = path.to_str().unwrap();
    let base = ["--provider", "openai", "--file", file];
    for extra in [
        &["--status", "429"][..],
        &["--fail-first", "1"],
        &["--retry-after", "1"],
        &["--fail-first", "1", "--status", "200"],
        &["--fail-first", "1", "--status", "600"],
        &["--chunk-size", "0"],
        &["--cut-after", "1", "--stall-after", "1"],
        &["--addr", "localhost"],
        &["--delay-ms", "-1"],
    ] {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, Some(2), "{extra:?}: {stderr}");
        assert_eq!(stdout, "", "{extra:?}");
        assert!(
            stderr.starts_with("llm-sse: error: "),
            "{extra:?}: {stderr}"
        );
    }
    for args in [
        &["--provider", "nope", "--file", file][..],
        &["--provider", "openai"],
    ] {
        let (code, _, _) = run(args);
        assert_eq!(code, Some(2), "{args:?}");
    }
}

const AWS_ENV: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "AKIDMOCKCLITEST00001"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "mock/cli/secret+key/0123456789abcdefghij",
    ),
    ("AWS_REGION", "sa-east-1"),
];

/// `--provider bedrock --require-aws-signature`: the environment's AWS credentials verify each
/// signature; the body is the binary event stream (an Anthropic `.sse` given is re-framed).
#[test]
fn a_mock_bedrock_verifies_signatures_with_the_aws_environment() {
    use llm_sse_tokio::core::aws::AwsCredentials;
    use llm_sse_tokio::core::aws::sigv4::{SignableRequest, Signer};

    let sse = fixture("anthropic", "text");
    let wire = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/bedrock/text.eventstream"),
    )
    .unwrap();
    let mock = Mock::start_in(
        &[
            "--provider",
            "bedrock",
            "--file",
            sse.to_str().unwrap(),
            "--require-aws-signature",
        ],
        Some(&AWS_ENV),
    );
    let path = "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream";
    let body = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[]}"#;
    let credentials = AwsCredentials::new(AWS_ENV[0].1, AWS_ENV[1].1, None);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let signed = Signer::new(&credentials, "sa-east-1", "bedrock")
        .sign(
            &SignableRequest::new("POST", "mock", path).payload(body.as_bytes()),
            now,
        )
        .unwrap();
    let headers: Vec<String> = signed.headers().map(|(n, v)| format!("{n}: {v}")).collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();

    let mut tcp = TcpStream::connect(mock.addr).unwrap();
    tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nhost: mock\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for header in &headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.push_str(body);
    tcp.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    tcp.read_to_end(&mut response).unwrap();
    let head_end = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&response[..head_end]).into_owned();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.contains("content-type: application/vnd.amazon.eventstream"),
        "{head}"
    );
    // The chunked body is the Bedrock fixture made of the Anthropic recording.
    let mut rest = &response[head_end..];
    let mut got = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
        if size == 0 {
            break;
        }
        got.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
        rest = &rest[line_end + 2 + size + 2..];
    }
    assert!(got == wire, "not the Bedrock fixture");
    mock.expect_log(&format!("llm-sse: POST {path} -> 200"));

    // Unsigned: AWS's refusal.
    let refused = mock.post(path, &[], body);
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    assert!(
        refused.contains("x-amzn-errortype: MissingAuthenticationTokenException"),
        "{refused}"
    );
    assert!(
        refused.ends_with(r#"{"message":"Missing Authentication Token"}"#),
        "{refused}"
    );
}

#[test]
fn require_aws_signature_needs_aws_credentials_and_a_signed_provider() {
    let file = fixture("anthropic", "text");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let out = Command::new(env!("CARGO_BIN_EXE_llm-sse"))
            .env_clear()
            .envs(env.iter().copied())
            .arg("mock")
            .args(args)
            .args(["--file", file.to_str().unwrap(), "--require-aws-signature"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    let (code, stderr) = run(&["--provider", "bedrock"], &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("llm-sse: error: --require-aws-signature: Amazon Bedrock: ")
            && stderr.contains("AWS_ACCESS_KEY_ID"),
        "{stderr}"
    );
    let (code, stderr) = run(&["--provider", "anthropic"], &AWS_ENV);
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr,
        "llm-sse: error: --require-aws-signature: anthropic requests are not signed with AWS Signature Version 4\n"
    );
}

#[test]
fn the_help_says_where_the_aws_credentials_come_from() {
    let out = Command::new(env!("CARGO_BIN_EXE_llm-sse"))
        .args(["mock", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "--require-aws-signature",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
        "bedrock",
        "vertex",
        ".eventstream",
    ] {
        assert!(help.contains(needle), "{needle} missing from\n{help}");
    }
}
