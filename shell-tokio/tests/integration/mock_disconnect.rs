//! How promptly a hyper 1 server notices that its client went away while it streams a response
//! whose body is idle (between paced writes, or stalled), measured with the mock's own close
//! timestamps against the moment the client let go. The spec is 100 ms; it takes a few.
//!
//! Findings (the gateway needs the same):
//!
//! - HTTP/1.1: hyper notices by itself. Once the request body has been read to its end, the
//!   server connection keeps a read pending on the socket while the response body is pending;
//!   an EOF (or a reset) there ends the connection future with an error at once, which drops
//!   the response body. Nothing needs to be written. The precondition: the request body must be
//!   finished. When the handler drops an unfinished request body, hyper stops reading the socket
//!   and sees nothing until its next write fails (the last test shows both cases).
//! - HTTP/2: hyper's stream task waits for `RST_STREAM` while it waits for the body, so a client
//!   that drops one response (the stream is reset) has that response body dropped at once, and
//!   a client that closes the connection has the whole connection end at once.

use crate::mock_support;

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::mock::{MockProvider, MockServer};
use mock_support::*;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::Instant;

/// The spec: the mock sees the connection closed within 100 ms of the client dropping it.
const NOTICE: Duration = Duration::from_millis(100);

fn assert_prompt(what: &str, dropped: Instant, noticed: Instant) {
    let took = noticed.saturating_duration_since(dropped);
    eprintln!("{what}: noticed after {took:?}");
    assert!(took < NOTICE, "{what}: noticed after {took:?}");
}

/// A mock whose body never finishes on its own: one event, then a minute's pause.
async fn slow_mock() -> MockServer {
    MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .delay(Duration::from_secs(60))
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn h1_client_closing_its_socket_between_paced_writes() {
    let server = slow_mock().await;
    let mut raw = Raw::post(server.addr(), "/v1/messages", &[], "{}").await;
    raw.head().await;
    assert!(matches!(raw.chunk().await, Chunk::Data(_)));

    let dropped = Instant::now();
    drop(raw);
    let request = &server.requests()[0];
    let closed = within(server.wait_for_connection_close(request.connection))
        .await
        .unwrap();
    assert_prompt("connection close", dropped, closed);
    let response_closed = within(server.wait_for_response_close(request.index))
        .await
        .unwrap();
    assert_prompt("response body dropped", dropped, response_closed);
}

#[tokio::test]
async fn h1_client_closing_its_socket_during_a_stall() {
    let server = MockProvider::new(Provider::OpenAi, fixture(Provider::OpenAi, "text"))
        .stall_after(0)
        .start()
        .await
        .unwrap();
    let mut raw = Raw::post(server.addr(), endpoint(Provider::OpenAi), &[], "{}").await;
    assert_eq!(raw.head().await.status, 200);

    let dropped = Instant::now();
    drop(raw);
    let closed = within(server.wait_for_connection_close(server.requests()[0].connection))
        .await
        .unwrap();
    assert_prompt("connection close", dropped, closed);
}

#[tokio::test]
async fn h1_client_resetting_its_socket() {
    let server = slow_mock().await;
    let mut raw = Raw::post(server.addr(), "/v1/messages", &[], "{}").await;
    raw.head().await;
    assert!(matches!(raw.chunk().await, Chunk::Data(_)));

    // SO_LINGER 0: closing sends RST instead of FIN.
    #[allow(deprecated)]
    raw.stream.set_linger(Some(Duration::ZERO)).unwrap();
    let dropped = Instant::now();
    drop(raw);
    let closed = within(server.wait_for_connection_close(server.requests()[0].connection))
        .await
        .unwrap();
    assert_prompt("connection close after RST", dropped, closed);
}

#[tokio::test]
async fn hyper_h1_client_dropping_the_response_stream() {
    let server = slow_mock().await;
    let mut client = h1(server.addr()).await;
    let response = within(client.send_request(post(server.addr(), "/v1/messages", &[], "{}")))
        .await
        .unwrap();
    let mut body = response.into_body();
    assert!(within(body.frame()).await.unwrap().unwrap().is_data());

    // Dropping the body (and the sender) ends hyper's client connection, which closes the socket.
    let dropped = Instant::now();
    drop(body);
    drop(client);
    let closed = within(server.wait_for_connection_close(server.requests()[0].connection))
        .await
        .unwrap();
    assert_prompt("connection close", dropped, closed);
}

#[tokio::test]
async fn h2_client_dropping_one_response_resets_only_that_stream() {
    let server = slow_mock().await;
    let mut client = h2(server.addr()).await;
    let response = within(client.send_request(post(server.addr(), "/v1/messages", &[], "{}")))
        .await
        .unwrap();
    let mut body = response.into_body();
    assert!(within(body.frame()).await.unwrap().unwrap().is_data());

    let dropped = Instant::now();
    drop(body); // hyper's client sends RST_STREAM(CANCEL)
    let response_closed = within(server.wait_for_response_close(0)).await.unwrap();
    assert_prompt(
        "response body dropped after RST_STREAM",
        dropped,
        response_closed,
    );

    // The connection itself stays open and serves the next request.
    assert_eq!(server.connections()[0].closed_at, None);
    let response = within(client.send_request(post(server.addr(), "/v1/messages", &[], "{}")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(server.connections().len(), 1);
}

#[tokio::test]
async fn h2_client_closing_the_connection() {
    let server = slow_mock().await;
    // hyper's HTTP/2 client runs the connection in a task of its own that outlives the handles
    // while a stream is open, so close the socket underneath it: shutting a duplicate of the
    // socket down sends the FIN.
    let std_tcp = std::net::TcpStream::connect(server.addr()).unwrap();
    std_tcp.set_nonblocking(true).unwrap();
    let socket = std_tcp.try_clone().unwrap();
    let tcp = TcpStream::from_std(std_tcp).unwrap();
    let (mut client, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(connection);
    let response = within(client.send_request(post(server.addr(), "/v1/messages", &[], "{}")))
        .await
        .unwrap();
    let mut body = response.into_body();
    assert!(within(body.frame()).await.unwrap().unwrap().is_data());

    let dropped = Instant::now();
    socket.shutdown(std::net::Shutdown::Both).unwrap();
    let closed = within(server.wait_for_connection_close(server.requests()[0].connection))
        .await
        .unwrap();
    assert_prompt("connection close", dropped, closed);
    let response_closed = within(server.wait_for_response_close(0)).await.unwrap();
    assert_prompt("response body dropped", dropped, response_closed);
}

/// A response body that never yields, and reports when it is dropped.
struct Forever(Option<oneshot::Sender<Instant>>);

impl Body for Forever {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Pending
    }
}

impl Drop for Forever {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(Instant::now());
        }
    }
}

/// A bare hyper 1 HTTP/1.1 server for one connection whose handler never reads the request
/// body and answers with [`Forever`]; returns its address and when the body was dropped.
async fn bare_server_ignoring_the_request_body()
-> (std::net::SocketAddr, oneshot::Receiver<Instant>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let tx = std::sync::Mutex::new(Some(tx));
        let service = service_fn(move |request: Request<Incoming>| {
            drop(request); // the request body is never read
            let body = Forever(tx.lock().unwrap().take());
            async move { Ok::<_, Infallible>(Response::new(body)) }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(tcp), service)
            .await;
    });
    (addr, rx)
}

#[tokio::test]
async fn bare_hyper_h1_needs_the_request_body_finished_to_notice() {
    // A request whose body was sent whole: hyper drains it after the handler dropped it, keeps
    // reading the socket, and sees the EOF at once.
    let (addr, dropped_rx) = bare_server_ignoring_the_request_body().await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await; // let the response start
    let dropped = Instant::now();
    drop(tcp);
    let body_dropped = within(dropped_rx).await.unwrap();
    assert_prompt("bare hyper, request body complete", dropped, body_dropped);

    // A request whose body is unfinished when the handler drops it: hyper stops reading the
    // socket (it cannot drain what has not arrived), so the client going away goes unnoticed
    // until a write fails, and this response body never writes.
    let (addr, mut dropped_rx) = bare_server_ignoring_the_request_body().await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{\"partial\":")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(tcp);
    let noticed = tokio::time::timeout(Duration::from_millis(500), &mut dropped_rx).await;
    assert!(
        noticed.is_err(),
        "hyper now notices this case too ({noticed:?}): update the findings above"
    );
}
