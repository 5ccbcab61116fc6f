//! Hostile HTTP is refused without touching a provider: slow request heads (slowloris), a
//! connection that sends nothing, oversized heads, malformed requests.

use crate::gateway_support;
use crate::mock_support;

use std::sync::Arc;
use std::time::Duration;

use gateway_support::*;
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::gateway::{Gateway, GatewayServer};
use mock_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

const HEAD_TIMEOUT: Duration = Duration::from_millis(300);

async fn gateway() -> (GatewayServer, Arc<Probe>) {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![token("x"), stop(Provider::Anthropic)]));
    let server = start(Gateway::new(upstream).header_read_timeout(HEAD_TIMEOUT)).await;
    (server, probe)
}

/// Reads until the server closes the connection; returns what it sent and when it closed.
async fn read_to_close(tcp: &mut TcpStream) -> (String, Instant) {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match within(tcp.read(&mut buf)).await {
            Ok(0) | Err(_) => return (String::from_utf8_lossy(&all).into_owned(), Instant::now()),
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn a_slow_request_head_is_cut_off() {
    let (server, probe) = gateway().await;
    let tcp = TcpStream::connect(server.addr()).await.unwrap();
    let started = Instant::now();
    let (mut read, mut write) = tcp.into_split();
    // The request line, then one header byte at a time, slowly: the head never completes in
    // time.
    let trickle = tokio::spawn(async move {
        let head = b"POST /v1/chat/stream/anthropic HTTP/1.1\r\nhost: gw\r\n";
        if write.write_all(head).await.is_err() {
            return;
        }
        for b in b"x-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if write.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let mut buf = [0u8; 1024];
    let sent = within(read.read(&mut buf)).await.unwrap_or(0);
    let closed = Instant::now();
    trickle.abort();
    assert_eq!(sent, 0, "{:?}", String::from_utf8_lossy(&buf[..sent]));
    let took = closed - started;
    assert!(took >= HEAD_TIMEOUT, "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(probe.opened(), 0);
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let (server, _) = gateway().await;
    for preface in [&b""[..], b"PRI * HTTP/2.0\r\n"] {
        let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
        let started = Instant::now();
        tcp.write_all(preface).await.unwrap();
        let (sent, closed) = read_to_close(&mut tcp).await;
        assert_eq!(sent, "", "{preface:?}");
        let took = closed - started;
        assert!(took >= HEAD_TIMEOUT - Duration::from_millis(20), "{took:?}");
    }
}

#[tokio::test]
async fn an_http2_client_that_never_sends_a_request_is_closed() {
    let (server, _) = gateway().await;
    let tcp = TcpStream::connect(server.addr()).await.unwrap();
    let (client, connection) =
        hyper::client::conn::http2::handshake::<_, _, http_body_util::Full<bytes::Bytes>>(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(tcp),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let ended = within(connection).await;
    assert!(started.elapsed() < HEAD_TIMEOUT * 4 + Duration::from_secs(1));
    drop((client, ended));
}

#[tokio::test]
async fn an_oversized_head_is_431() {
    let (server, probe) = gateway().await;
    let big = "a".repeat(32 << 10);
    let request = post(
        server.addr(),
        &stream_path(Provider::Anthropic),
        &[("x-big", &big)],
        &chat("m"),
    );
    let (status, _, _) = whole(send(server.addr(), request).await).await;
    assert_eq!(status, 431);

    // Over HTTP/2 the stream is refused.
    let mut client = h2(server.addr()).await;
    let request = post(
        server.addr(),
        &stream_path(Provider::Anthropic),
        &[("x-big", &big)],
        &chat("m"),
    );
    let refused = within(client.send_request(request)).await;
    assert!(refused.is_err() || refused.unwrap().status() == 431);
    assert_eq!(probe.opened(), 0);

    // Heads under the limit are fine.
    let fine = "a".repeat(8 << 10);
    let request = post(
        server.addr(),
        &stream_path(Provider::Anthropic),
        &[("x-big", &fine)],
        &chat("m"),
    );
    assert_eq!(whole(send(server.addr(), request).await).await.0, 200);
}

#[tokio::test]
async fn malformed_requests_are_refused() {
    let (server, probe) = gateway().await;
    for request in [
        &b"POST /v1/chat/stream/anthropic HTTP/1.1\r\nhost gw\r\n\r\n"[..],
        b"POST /v1/chat/stream/anthropic HTTP/9.9\r\nhost: gw\r\n\r\n",
        b"POST\r\n\r\n",
        b"\x00\x01\x02\x03 garbage\r\n\r\n",
        b"POST /v1/chat/stream/anthropic HTTP/1.1\r\nhost: gw\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello",
        b"POST /v1/chat/stream/anthropic HTTP/1.1\r\nhost: gw\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
    ] {
        let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
        tcp.write_all(request).await.unwrap();
        let (sent, _) = read_to_close(&mut tcp).await;
        assert!(
            sent.is_empty() || sent.starts_with("HTTP/1.1 400"),
            "{request:?}: {sent}"
        );
    }
    assert_eq!(probe.opened(), 0);
}
