//! The gateway's HTTP/1.x as bytes on the wire: each frame in a chunk of its own, pipelined
//! requests, `Expect: 100-continue` with a chunked request body, HTTP/1.0 clients (a stream
//! until the connection closes, a connection kept only when asked), framing a server must
//! refuse, and a client that goes away while its answer is still being worked out.

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

/// The two-token stream as the gateway writes it: one chunk per token, then the terminal frame
/// and `[DONE]` together.
const STREAM_CHUNKS: [&str; 3] = [
    "data: {\"token\":\"a\",\"done\":false}\n\n",
    "data: {\"token\":\"b\",\"done\":false}\n\n",
    "data: {\"token\":\"\",\"done\":true,\"provider\":\"anthropic\",\"id\":\"msg_test\",\
     \"model\":\"test-model\",\"finish_reason\":\"stop\",\"usage\":{\"input_tokens\":11,\
     \"output_tokens\":7}}\n\ndata: [DONE]\n\n",
];

async fn gateway(plan: Plan) -> (GatewayServer, Arc<Probe>) {
    let (upstream, probe) = Scripted::new(plan);
    (start(Gateway::new(upstream)).await, probe)
}

fn two_tokens() -> Plan {
    Plan::Steps(vec![token("a"), token("b"), stop(Provider::Anthropic)])
}

/// Reads until the server closes the connection.
async fn read_to_close(tcp: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    within(tcp.read_to_end(&mut all)).await.unwrap();
    all
}

/// Reads until `needle` has arrived; returns everything read.
async fn read_until(tcp: &mut TcpStream, needle: &[u8]) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    while !all.windows(needle.len()).any(|w| w == needle) {
        let n = within(tcp.read(&mut buf)).await.unwrap();
        assert!(
            n > 0,
            "closed before {needle:?}: {}",
            String::from_utf8_lossy(&all)
        );
        all.extend_from_slice(&buf[..n]);
    }
    all
}

/// Splits a response into its head (lowercased) and body.
fn split(response: &[u8]) -> (String, &[u8]) {
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a whole head")
        + 4;
    (
        String::from_utf8(response[..end].to_vec())
            .unwrap()
            .to_ascii_lowercase(),
        &response[end..],
    )
}

/// The chunks of a chunked body, checked byte by byte: size lines in lowercase hex without
/// extensions, CRLF after each chunk's data, the last chunk and nothing after it.
fn chunks(mut body: &[u8]) -> Vec<String> {
    let mut chunks = Vec::new();
    loop {
        let line = body.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = std::str::from_utf8(&body[..line]).unwrap();
        assert!(
            size.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{size:?}"
        );
        let size = usize::from_str_radix(size, 16).unwrap();
        body = &body[line + 2..];
        if size == 0 {
            assert_eq!(body, b"\r\n", "the last chunk ends the body");
            return chunks;
        }
        chunks.push(String::from_utf8(body[..size].to_vec()).unwrap());
        assert_eq!(&body[size..size + 2], b"\r\n");
        body = &body[size + 2..];
    }
}

fn stream_request(version: &str, headers: &str, body: &str) -> String {
    format!(
        "POST {} HTTP/{version}\r\nhost: gw\r\ncontent-length: {}\r\n{headers}\r\n{body}",
        stream_path(Provider::Anthropic),
        body.len()
    )
}

#[tokio::test]
async fn each_piece_of_a_stream_is_a_chunk_of_its_own() {
    let (server, _) = gateway(two_tokens()).await;
    let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
    let request = stream_request("1.1", "connection: close\r\n", &chat("m"));
    tcp.write_all(request.as_bytes()).await.unwrap();
    let response = read_to_close(&mut tcp).await;
    let (head, body) = split(&response);
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    for field in [
        "content-type: text/event-stream",
        "transfer-encoding: chunked",
        "connection: close",
        "date: ",
    ] {
        assert!(head.contains(field), "{field}: {head}");
    }
    assert!(!head.contains("content-length"), "{head}");
    assert_eq!(chunks(body), STREAM_CHUNKS);
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order_on_one_connection() {
    let (server, _) = gateway(two_tokens()).await;
    let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
    let stream = stream_request("1.1", "", &chat("m"));
    let requests = format!(
        "GET /healthz HTTP/1.1\r\nhost: gw\r\n\r\n{stream}GET /healthz HTTP/1.1\r\nhost: gw\r\n\
         connection: close\r\n\r\n"
    );
    // All three at once, in one write.
    tcp.write_all(requests.as_bytes()).await.unwrap();
    let all = read_to_close(&mut tcp).await;

    let (head, rest) = split(&all);
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    assert!(head.contains("content-length: 15\r\n"), "{head}");
    assert!(!head.contains("connection:"), "kept: {head}");
    assert_eq!(&rest[..15], br#"{"status":"ok"}"#);

    let (head, rest) = split(&rest[15..]);
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    let end = rest.windows(5).position(|w| w == b"0\r\n\r\n").unwrap() + 5;
    assert_eq!(chunks(&rest[..end]), STREAM_CHUNKS);

    let (head, rest) = split(&rest[end..]);
    assert!(head.contains("connection: close"), "{head}");
    assert_eq!(rest, br#"{"status":"ok"}"#);
}

#[tokio::test]
async fn a_chunked_body_after_100_continue() {
    let (server, probe) = gateway(two_tokens()).await;
    let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nhost: gw\r\ntransfer-encoding: chunked\r\n\
         expect: 100-continue\r\nconnection: close\r\n\r\n",
        stream_path(Provider::Anthropic)
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    // The gateway asks for the body before anything else.
    let interim = read_until(&mut tcp, b"\r\n\r\n").await;
    assert_eq!(interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    assert_eq!(probe.opened(), 0);

    // The body in three chunks (one with an extension), written apart.
    let body = chat("m");
    let (one, rest) = body.split_at(5);
    let (two, three) = rest.split_at(rest.len() / 2);
    for (i, piece) in [one, two, three].into_iter().enumerate() {
        let ext = if i == 1 { ";x=y" } else { "" };
        let chunk = format!("{:x}{ext}\r\n{piece}\r\n", piece.len());
        tcp.write_all(chunk.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tcp.write_all(b"0\r\n\r\n").await.unwrap();

    let response = read_to_close(&mut tcp).await;
    let (head, body) = split(&response);
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    assert_eq!(chunks(body), STREAM_CHUNKS);
    assert_eq!(probe.opened(), 1);
}

#[tokio::test]
async fn an_http10_client_gets_its_stream_until_the_connection_closes() {
    let (server, _) = gateway(two_tokens()).await;
    let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
    tcp.write_all(stream_request("1.0", "", &chat("m")).as_bytes())
        .await
        .unwrap();
    let response = read_to_close(&mut tcp).await;
    let (head, body) = split(&response);
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(!head.contains("transfer-encoding"), "{head}");
    assert!(!head.contains("content-length"), "{head}");
    assert_eq!(
        String::from_utf8(body.to_vec()).unwrap(),
        STREAM_CHUNKS.concat()
    );
}

#[tokio::test]
async fn an_http10_connection_is_kept_only_when_asked() {
    let (server, _) = gateway(two_tokens()).await;
    let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.0\r\nconnection: keep-alive\r\n\r\n")
        .await
        .unwrap();
    let first = read_until(&mut tcp, br#"{"status":"ok"}"#).await;
    let (head, body) = split(&first);
    assert!(head.contains("connection: keep-alive\r\n"), "{head}");
    assert!(head.contains("content-length: 15\r\n"), "{head}");
    assert_eq!(body, br#"{"status":"ok"}"#);

    tcp.write_all(b"GET /healthz HTTP/1.0\r\n\r\n")
        .await
        .unwrap();
    let second = read_to_close(&mut tcp).await;
    let (head, body) = split(&second);
    assert!(head.contains("connection: close\r\n"), "{head}");
    assert_eq!(body, br#"{"status":"ok"}"#);
}

#[tokio::test]
async fn ambiguous_request_framing_is_refused() {
    let (server, probe) = gateway(two_tokens()).await;
    let body = chat("m");
    for framing in [
        format!(
            "transfer-encoding: chunked\r\ncontent-length: {}\r\n",
            body.len()
        ),
        "transfer-encoding: gzip\r\n".to_string(),
        "transfer-encoding: chunked, gzip\r\n".to_string(),
    ] {
        let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
        let request = format!(
            "POST {} HTTP/1.1\r\nhost: gw\r\n{framing}\r\n{body}",
            stream_path(Provider::Anthropic)
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        let response = read_to_close(&mut tcp).await;
        let (head, _) = split(&response);
        assert!(
            head.starts_with("http/1.1 400 bad request\r\n"),
            "{framing}: {head}"
        );
        assert!(head.contains("connection: close"), "{head}");
    }
    assert_eq!(probe.opened(), 0);
}

#[tokio::test]
async fn a_client_leaving_before_its_first_frame_drops_the_upstream() {
    // The provider has not answered yet when the client goes away.
    let (server, probe) = gateway(Plan::Hang).await;
    let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
    tcp.write_all(stream_request("1.1", "", &chat("m")).as_bytes())
        .await
        .unwrap();
    while probe.opened() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let left = tokio::time::Instant::now();
    drop(tcp);
    let dropped = probe.wait_dropped().await;
    assert!(
        dropped - left < Duration::from_secs(1),
        "{:?}",
        dropped - left
    );
}
