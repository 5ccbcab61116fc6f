//! Shared harness for the mock provider's tests: fixtures, plain HTTP clients (hyper's
//! HTTP/1.1 and HTTP/2 client connections, and a hand-written HTTP/1.1 client that shows the
//! chunked framing), and bounded waits.

#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use llm_sse_tokio::core::Provider;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// The bound on every wait in these tests, so that a bug fails a test instead of hanging it.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Awaits `future`, failing the test after [`TIMEOUT`].
pub async fn within<F: Future>(future: F) -> F::Output {
    match tokio::time::timeout(TIMEOUT, future).await {
        Ok(output) => output,
        Err(_) => panic!("timed out after {TIMEOUT:?}"),
    }
}

pub fn fixtures_dir(provider: Provider) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(provider.as_str())
}

/// `tests/fixtures/<provider>/<name>.sse` (Bedrock's: `.eventstream`).
pub fn fixture(provider: Provider, name: &str) -> Bytes {
    let extension = provider.spec().framing.file_extension();
    let path = fixtures_dir(provider).join(format!("{name}.{extension}"));
    Bytes::from(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Every recorded fixture of `provider` (`.sse`, Bedrock's `.eventstream`), by name, sorted.
pub fn all_fixtures(provider: Provider) -> Vec<(String, Bytes)> {
    let extension = provider.spec().framing.file_extension();
    let mut all: Vec<(String, Bytes)> = std::fs::read_dir(fixtures_dir(provider))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, Bytes::from(std::fs::read(&path).unwrap()))
        })
        .collect();
    all.sort();
    assert!(!all.is_empty(), "no fixtures for {provider}");
    all
}

/// The path and query a client of `provider` posts to.
pub fn endpoint(provider: Provider) -> &'static str {
    match provider {
        Provider::Anthropic => "/v1/messages",
        Provider::OpenAi => "/v1/chat/completions",
        Provider::Gemini => "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        Provider::Bedrock => {
            "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream"
        }
        Provider::Vertex => {
            "/v1/projects/llm-sse-test-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"
        }
        _ => unreachable!("a provider the tests do not know"),
    }
}

/// `settings` with `key` as `provider`'s credential (`llm_sse_tests::cloud::with_key`).
pub fn with_key(
    settings: llm_sse_tokio::Settings,
    provider: Provider,
    key: &str,
) -> llm_sse_tokio::Settings {
    llm_sse_tests::cloud::with_key(settings, provider, key)
}

/// `mock` requiring `key` as `provider`'s credential, as [`with_key`] sends it: the API key or
/// Vertex AI's token, or for Bedrock a signature of the tests' AWS credentials with `key` as
/// their secret (verified).
pub fn requiring(
    mock: llm_sse_tokio::mock::MockProvider,
    provider: Provider,
    key: &str,
) -> llm_sse_tokio::mock::MockProvider {
    use llm_sse_tokio::core::provider::Auth;
    match provider.spec().auth {
        Auth::AwsSigV4 { .. } => mock.require_aws_signature(
            llm_sse_tests::cloud::aws_credentials(key),
            llm_sse_tests::cloud::AWS_REGION,
        ),
        _ => mock.require_api_key(key),
    }
}

/// The length of the first `events` events of `provider`'s recording: SSE events, or Bedrock's
/// event-stream messages.
pub fn events_len(provider: Provider, recording: &[u8], events: usize) -> usize {
    use llm_sse_tokio::mock::Split;
    let split = Split::events_of(provider.spec().framing);
    split
        .pieces(&Bytes::copy_from_slice(recording))
        .take(events)
        .map(|piece| piece.len())
        .sum()
}

/// The number of events (SSE events or event-stream messages) of `provider`'s recording.
pub fn event_count(provider: Provider, recording: &[u8]) -> usize {
    use llm_sse_tokio::mock::Split;
    Split::events_of(provider.spec().framing)
        .pieces(&Bytes::copy_from_slice(recording))
        .count()
}

/// A POST of `body` to `uri` (a path and query) with `headers`, for either client.
pub fn post(
    addr: SocketAddr,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Request<Full<Bytes>> {
    let mut builder = Request::post(format!("http://{addr}{uri}"))
        .header("host", addr.to_string())
        .header("content-type", "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap()
}

/// An HTTP/1.1 client connection to `addr`; its connection task runs in the background and
/// ends (closing the socket) when the sender and every response body are dropped.
pub async fn h1(addr: SocketAddr) -> http1::SendRequest<Full<Bytes>> {
    let tcp = within(TcpStream::connect(addr)).await.unwrap();
    let (sender, connection) = http1::handshake(TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(connection);
    sender
}

/// An HTTP/2 (prior knowledge) client connection to `addr`.
pub async fn h2(addr: SocketAddr) -> http2::SendRequest<Full<Bytes>> {
    let tcp = within(TcpStream::connect(addr)).await.unwrap();
    // A request's DATA frame leaves at once instead of waiting for the ACK of its HEADERS
    // (Nagle against delayed ACK costs 40 ms a request).
    tcp.set_nodelay(true).unwrap();
    let (sender, connection) = http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender
}

/// Sends one request on a fresh HTTP/1.1 connection.
pub async fn send(addr: SocketAddr, request: Request<Full<Bytes>>) -> Response<Incoming> {
    let mut sender = h1(addr).await;
    within(sender.send_request(request)).await.unwrap()
}

/// The whole body of `response`, or the error that ended it.
pub async fn body(response: Response<Incoming>) -> Result<Bytes, hyper::Error> {
    within(response.into_body().collect())
        .await
        .map(|c| c.to_bytes())
}

/// A hand-written HTTP/1.1 client: sends one request, then reads the response head and the
/// chunks of a chunked body one by one, as they arrive.
pub struct Raw {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

/// A response head.
#[derive(Debug)]
pub struct Head {
    pub status: u16,
    /// Names in lowercase, in order.
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How reading the next chunk ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk {
    /// A chunk's data.
    Data(Vec<u8>),
    /// The final zero-length chunk: the body ended cleanly.
    End,
    /// The connection closed before the body ended.
    Eof,
}

impl Raw {
    /// Connects to `addr` and posts `body` to `uri` with `headers`.
    pub async fn post(addr: SocketAddr, uri: &str, headers: &[(&str, &str)], body: &str) -> Raw {
        let mut stream = within(TcpStream::connect(addr)).await.unwrap();
        let mut request = format!(
            "POST {uri} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).await.unwrap();
        Raw {
            stream,
            buf: Vec::new(),
        }
    }

    /// Reads more bytes into the buffer; false at EOF.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 8192];
        let n = within(self.stream.read(&mut chunk)).await.unwrap_or(0);
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    /// Reads through the next CRLF and returns the line without it; `None` at EOF.
    async fn line(&mut self) -> Option<String> {
        loop {
            if let Some(at) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8(self.buf[..at].to_vec()).unwrap();
                self.buf.drain(..at + 2);
                return Some(line);
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    pub async fn head(&mut self) -> Head {
        let status_line = self.line().await.expect("a status line");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let mut headers = Vec::new();
        loop {
            let line = self.line().await.expect("a header line");
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("a header");
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
        Head { status, headers }
    }

    /// The next chunk of a chunked body.
    pub async fn chunk(&mut self) -> Chunk {
        let Some(size_line) = self.line().await else {
            return Chunk::Eof;
        };
        let size = usize::from_str_radix(size_line.split(';').next().unwrap().trim(), 16)
            .unwrap_or_else(|_| panic!("bad chunk size line {size_line:?}"));
        while self.buf.len() < size + 2 {
            if !self.fill().await {
                return Chunk::Eof;
            }
        }
        let data: Vec<u8> = self.buf.drain(..size).collect();
        assert_eq!(
            self.buf.drain(..2).as_slice(),
            b"\r\n",
            "chunk not ended by CRLF"
        );
        if size == 0 {
            Chunk::End
        } else {
            Chunk::Data(data)
        }
    }

    /// Every chunk until the body ends, with the time each arrived, and how it ended.
    pub async fn chunks(&mut self) -> (Vec<(Instant, Vec<u8>)>, Chunk) {
        let mut chunks = Vec::new();
        loop {
            match self.chunk().await {
                Chunk::Data(data) => chunks.push((Instant::now(), data)),
                end => return (chunks, end),
            }
        }
    }

    /// The body of a response with a `content-length`.
    pub async fn sized_body(&mut self, head: &Head) -> Vec<u8> {
        let len: usize = head
            .header("content-length")
            .expect("content-length")
            .parse()
            .unwrap();
        while self.buf.len() < len {
            assert!(self.fill().await, "EOF inside a sized body");
        }
        self.buf.drain(..len).collect()
    }
}
