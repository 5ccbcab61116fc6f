//! The client's own plain-HTTP/1.1 connections (an `http://` URL without a proxy): what goes on
//! the wire, and when a connection is kept for the next call, against a hand-written server on
//! 127.0.0.1 that counts the connections it accepts.
//!
//! - A response read to its end leaves its connection for the next call.
//! - A stream dropped before its body ended closes its connection: the next call opens another.
//! - A connection the server closed while it was idle is not used: the next call opens another
//!   at once, and its request is sent once (no failed attempt, no retry).
//! - The request goes in origin form with one `Host` header naming the URL's host and port.
//! - A chunked body in pieces of a few bytes, with chunk extensions and trailers, after an
//!   interim `100 Continue`, is read whole, and its connection kept.
//! - A body whose chunked framing breaks ends the stream with `connection_error` after the
//!   chunks before it, and its connection is not used again; a malformed head fails the call
//!   with a message that says so.

use crate::client_support;
use crate::mock_support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use client_support::*;
use llm_sse_tokio::Provider;
use llm_sse_tokio::core::StreamErrorKind;
use mock_support::{fixture, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the server answers a request.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Answer {
    /// The whole recording with a `content-length`; the connection is kept open.
    Whole,
    /// The whole recording, then the server closes the connection (as a server closes an idle
    /// keep-alive connection; no `connection: close` header says so beforehand).
    WholeThenClose,
    /// The recording's first event in one chunk of a chunked body, then nothing: the server
    /// waits for the client to close the connection.
    FirstEventThenWait,
    /// `100 Continue`, then the whole recording chunked in pieces of 7 bytes (some with
    /// extensions), each piece a write of its own, then trailer fields.
    InterimThenSmallChunks,
    /// The first event in a chunk, then a chunk-size line that is not hex.
    FirstEventThenBadChunk,
    /// Not HTTP at all.
    NotHttp,
}

/// What the server saw.
#[derive(Debug, Default)]
struct Seen {
    /// Connections accepted.
    accepted: usize,
    /// Each request's head (request line and headers), with the connection it came on.
    requests: Vec<(usize, String)>,
    /// The connections the client closed (the server read the end of its stream).
    closed_by_client: Vec<usize>,
}

struct Server {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
}

impl Server {
    /// A server that answers the `n`th request (from 0) as `answers[n]` (the last one for
    /// every later request).
    async fn start(answers: Vec<Answer>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let shared = Arc::clone(&seen);
        let answers = Arc::new(answers);
        tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                let connection = {
                    let mut seen = shared.lock().unwrap();
                    seen.accepted += 1;
                    seen.accepted - 1
                };
                tokio::spawn(serve(
                    socket,
                    connection,
                    Arc::clone(&shared),
                    Arc::clone(&answers),
                ));
            }
        });
        Server { addr, seen }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn accepted(&self) -> usize {
        self.seen.lock().unwrap().accepted
    }

    fn requests(&self) -> Vec<(usize, String)> {
        self.seen.lock().unwrap().requests.clone()
    }

    /// Waits until the client has closed `connection`.
    async fn wait_for_close(&self, connection: usize) {
        within(async {
            while !self
                .seen
                .lock()
                .unwrap()
                .closed_by_client
                .contains(&connection)
            {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
        .await;
    }
}

/// Reads a request head and its `content-length` body; `None` when the client closed the
/// connection first.
async fn read_request(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<String> {
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let mut piece = [0u8; 4096];
        let n = socket.read(&mut piece).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&piece[..n]);
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).unwrap();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().unwrap())
        })
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let mut piece = [0u8; 4096];
        let n = socket.read(&mut piece).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&piece[..n]);
    }
    buffer.drain(..head_end + length);
    Some(head)
}

async fn serve(
    mut socket: TcpStream,
    connection: usize,
    seen: Arc<Mutex<Seen>>,
    answers: Arc<Vec<Answer>>,
) {
    let recording = fixture(Provider::Anthropic, "text");
    let mut buffer = Vec::new();
    loop {
        let Some(head) = read_request(&mut socket, &mut buffer).await else {
            seen.lock().unwrap().closed_by_client.push(connection);
            return;
        };
        let answer = {
            let mut seen = seen.lock().unwrap();
            seen.requests.push((connection, head));
            let n = seen.requests.len() - 1;
            answers[n.min(answers.len() - 1)]
        };
        match answer {
            Answer::Whole | Answer::WholeThenClose => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\r\n",
                    recording.len()
                );
                socket.write_all(head.as_bytes()).await.unwrap();
                socket.write_all(&recording).await.unwrap();
                if answer == Answer::WholeThenClose {
                    return;
                }
            }
            Answer::InterimThenSmallChunks => {
                socket
                    .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                    .await
                    .unwrap();
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
                    .await
                    .unwrap();
                for (i, piece) in recording.chunks(7).enumerate() {
                    let size = if i % 3 == 0 {
                        format!("{:X};piece={i}\r\n", piece.len())
                    } else {
                        format!("{:x}\r\n", piece.len())
                    };
                    socket.write_all(size.as_bytes()).await.unwrap();
                    socket.write_all(piece).await.unwrap();
                    socket.write_all(b"\r\n").await.unwrap();
                }
                socket
                    .write_all(b"0\r\nx-checksum: none\r\n\r\n")
                    .await
                    .unwrap();
            }
            Answer::FirstEventThenBadChunk => {
                first_chunk_then(&mut socket, &recording, b"zz\r\n").await;
                seen.lock().unwrap().closed_by_client.push(connection);
                return;
            }
            Answer::NotHttp => {
                socket
                    .write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
                    .await
                    .unwrap();
                return;
            }
            Answer::FirstEventThenWait => {
                first_chunk_then(&mut socket, &recording, b"").await;
                seen.lock().unwrap().closed_by_client.push(connection);
                return;
            }
        }
    }
}

/// The first SSE event of `recording`, with its blank line.
/// A chunked `200` whose first chunk is the recording's first event, then `after`; waits for
/// the client to close the connection.
async fn first_chunk_then(socket: &mut TcpStream, recording: &Bytes, after: &[u8]) {
    let first = first_event(recording);
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n",
        first.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&first).await.unwrap();
    socket.write_all(b"\r\n").await.unwrap();
    socket.write_all(after).await.unwrap();
    let mut piece = [0u8; 1024];
    while matches!(socket.read(&mut piece).await, Ok(n) if n > 0) {}
}

fn first_event(recording: &Bytes) -> Bytes {
    let end = recording
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("an event")
        + 2;
    recording.slice(..end)
}

fn direct_client(server: &Server) -> llm_sse_tokio::Client {
    client_with(settings_for(Provider::Anthropic, &server.base_url()))
}

/// Streams one call to its end, checking that it ended normally without a retry.
async fn call_to_the_end(client: &llm_sse_tokio::Client) {
    let mut stream = within(client.stream(Provider::Anthropic, hello(Provider::Anthropic)))
        .await
        .unwrap();
    assert_eq!(stream.retries(), 0);
    let chunks = collect(&mut stream).await;
    assert!(terminal_error(&chunks).is_none(), "{chunks:?}");
}

#[tokio::test]
async fn a_response_read_to_its_end_leaves_its_connection_for_the_next_call() {
    let server = Server::start(vec![Answer::Whole]).await;
    let client = direct_client(&server);
    for _ in 0..3 {
        call_to_the_end(&client).await;
    }
    assert_eq!(server.accepted(), 1);
    let connections: Vec<usize> = server.requests().iter().map(|(c, _)| *c).collect();
    assert_eq!(connections, [0, 0, 0]);
}

#[tokio::test]
async fn a_stream_dropped_before_its_body_ended_closes_its_connection() {
    let server = Server::start(vec![Answer::FirstEventThenWait, Answer::Whole]).await;
    let client = direct_client(&server);
    let stream = within(client.stream(Provider::Anthropic, hello(Provider::Anthropic)))
        .await
        .unwrap();
    drop(stream);
    server.wait_for_close(0).await;
    call_to_the_end(&client).await;
    assert_eq!(server.accepted(), 2);
    let connections: Vec<usize> = server.requests().iter().map(|(c, _)| *c).collect();
    assert_eq!(connections, [0, 1]);
}

#[tokio::test]
async fn a_connection_the_server_closed_while_idle_is_replaced_without_a_failed_attempt() {
    let server = Server::start(vec![Answer::WholeThenClose]).await;
    let client = direct_client(&server);
    for _ in 0..3 {
        call_to_the_end(&client).await;
        // The server's close reaches the client while its connection is idle in the pool.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Each call found the previous connection closed and opened a new one; every request
    // was sent once (`call_to_the_end` checks that no call was retried).
    assert_eq!(server.accepted(), 3);
    let connections: Vec<usize> = server.requests().iter().map(|(c, _)| *c).collect();
    assert_eq!(connections, [0, 1, 2]);
}

#[tokio::test]
async fn the_request_goes_in_origin_form_with_one_host_header() {
    let server = Server::start(vec![Answer::Whole]).await;
    for (base, target) in [
        (server.base_url(), "/v1/messages"),
        (
            format!("{}/prefix", server.base_url()),
            "/prefix/v1/messages",
        ),
    ] {
        let client = client_with(settings_for(Provider::Anthropic, &base));
        call_to_the_end(&client).await;
        let (_, head) = server.requests().pop().unwrap();
        let mut lines = head.lines();
        assert_eq!(lines.next(), Some(&*format!("POST {target} HTTP/1.1")));
        let hosts: Vec<&str> = lines
            .filter_map(|line| line.split_once(':'))
            .filter(|(name, _)| name.eq_ignore_ascii_case("host"))
            .map(|(_, value)| value.trim())
            .collect();
        assert_eq!(hosts, [server.addr.to_string()], "{head}");
    }
}

#[tokio::test]
async fn a_chunked_body_in_small_pieces_after_an_interim_answer_is_read_whole() {
    let server = Server::start(vec![Answer::InterimThenSmallChunks]).await;
    let client = direct_client(&server);
    let recording = fixture(Provider::Anthropic, "text");
    let mut normalizer = llm_sse_tokio::core::Normalizer::new(Provider::Anthropic);
    normalizer.feed(&recording);
    normalizer.finish();
    let expected: Vec<_> = std::iter::from_fn(|| normalizer.next_chunk()).collect();
    assert!(terminal_error(&expected).is_none());
    for _ in 0..2 {
        let mut stream = within(client.stream(Provider::Anthropic, hello(Provider::Anthropic)))
            .await
            .unwrap();
        assert_eq!(stream.retries(), 0);
        assert_eq!(collect(&mut stream).await, expected);
    }
    // The body's end was known (the last chunk and the trailers): the connection was kept.
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn broken_chunked_framing_ends_the_stream_after_the_chunks_before_it() {
    let server = Server::start(vec![Answer::FirstEventThenBadChunk, Answer::Whole]).await;
    let client = direct_client(&server);
    let mut stream = within(client.stream(Provider::Anthropic, hello(Provider::Anthropic)))
        .await
        .unwrap();
    let chunks = collect(&mut stream).await;
    let recording = fixture(Provider::Anthropic, "text");
    let expected = core_chunks_then_failure(
        Provider::Anthropic,
        &first_event(&recording),
        StreamErrorKind::ConnectionError,
    );
    assert_eq!(
        without_error_message(chunks.clone()),
        without_error_message(expected)
    );
    let error = terminal_error(&chunks).unwrap();
    assert!(error.message.contains("invalid chunk size"), "{error:?}");
    // That connection is closed, not kept: the next call opens another.
    server.wait_for_close(0).await;
    call_to_the_end(&client).await;
    assert_eq!(server.accepted(), 2);
}

#[tokio::test]
async fn a_malformed_head_fails_the_call_and_says_so() {
    let server = Server::start(vec![Answer::NotHttp]).await;
    let mut settings = settings_for(Provider::Anthropic, &server.base_url());
    settings.retry = fast_retries(1);
    let client = client_with(settings);
    let error = within(client.stream(Provider::Anthropic, hello(Provider::Anthropic)))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("response: malformed head"),
        "{error}"
    );
}
