//! A client that goes away drops the upstream at once (the spec: the upstream sees its
//! connection close within 100 ms), measured with the mock provider's close timestamps over
//! HTTP/1.1 (FIN and RST) and HTTP/2 (RST_STREAM); and a slow client holds the upstream back
//! (memory per stream stays bounded).

use crate::gateway_support;
use crate::mock_support;

use std::time::Duration;

use gateway_support::*;
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::gateway::{Gateway, GatewayServer};
use llm_sse_tokio::mock::{MockProvider, MockServer};
use mock_support::*;
use tokio::time::Instant;

/// The spec: the upstream sees its connection close within 100 ms of the client leaving.
const NOTICE: Duration = Duration::from_millis(100);

fn assert_prompt(what: &str, left: Instant, noticed: Instant) {
    let took = noticed.saturating_duration_since(left);
    eprintln!("{what}: the upstream saw its connection close {took:?} after the client left");
    assert!(took < NOTICE, "{what}: {took:?}");
}

/// A mock provider that sends its events up to the first text delta, then nothing more (its
/// connection stays open), behind a gateway.
async fn slow_upstream() -> (MockServer, GatewayServer) {
    let recording = fixture(Provider::Anthropic, "text");
    let text = String::from_utf8(recording.to_vec()).unwrap();
    let delta = text.find("text_delta").unwrap();
    let first_token_end = delta + text[delta..].find("\n\n").unwrap() + 2;
    let mock = MockProvider::new(Provider::Anthropic, recording)
        .stall_after(first_token_end)
        .start()
        .await
        .unwrap();
    let gateway = start(Gateway::new(ViaMock::new(&mock, Some("sk-test")))).await;
    (mock, gateway)
}

/// Waits for the first frame of a stream through the gateway on a raw HTTP/1.1 connection.
async fn raw_stream(gateway: &GatewayServer) -> Raw {
    let mut raw = Raw::post(
        gateway.addr(),
        &stream_path(Provider::Anthropic),
        &[],
        &chat("claude-sonnet-4-5"),
    )
    .await;
    assert_eq!(raw.head().await.status, 200);
    assert!(matches!(raw.chunk().await, Chunk::Data(_)));
    raw
}

#[tokio::test]
async fn h1_client_closing_its_socket() {
    let (mock, gateway) = slow_upstream().await;
    let raw = raw_stream(&gateway).await;
    let left = Instant::now();
    drop(raw);
    let connection = mock.requests()[0].connection;
    let closed = within(mock.wait_for_connection_close(connection))
        .await
        .unwrap();
    assert_prompt("HTTP/1.1 FIN", left, closed);
}

#[tokio::test]
async fn h1_client_resetting_its_socket() {
    let (mock, gateway) = slow_upstream().await;
    let raw = raw_stream(&gateway).await;
    // SO_LINGER 0: closing sends RST instead of FIN.
    #[allow(deprecated)]
    raw.stream.set_linger(Some(Duration::ZERO)).unwrap();
    let left = Instant::now();
    drop(raw);
    let connection = mock.requests()[0].connection;
    let closed = within(mock.wait_for_connection_close(connection))
        .await
        .unwrap();
    assert_prompt("HTTP/1.1 RST", left, closed);
}

#[tokio::test]
async fn h2_client_dropping_one_stream() {
    let (mock, gateway) = slow_upstream().await;
    let mut client = h2(gateway.addr()).await;
    let request = post(
        gateway.addr(),
        &stream_path(Provider::Anthropic),
        &[],
        &chat("m"),
    );
    let response = within(client.send_request(request)).await.unwrap();
    let mut body = response.into_body();
    assert!(next_data(&mut body).await.is_some());
    let left = Instant::now();
    drop(body); // RST_STREAM(CANCEL)
    let connection = mock.requests()[0].connection;
    let closed = within(mock.wait_for_connection_close(connection))
        .await
        .unwrap();
    assert_prompt("HTTP/2 RST_STREAM", left, closed);

    // The client's connection to the gateway is still good.
    let request = post(gateway.addr(), "/healthz", &[], "");
    let request = http::Request::get(request.uri().clone())
        .body(Default::default())
        .unwrap();
    assert_eq!(
        within(client.send_request(request)).await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn a_client_leaving_before_the_first_frame_drops_the_call() {
    // The provider answers with its headers, then sends nothing; the client leaves. (The client
    // returns a stream only once its first bytes arrive, so the gateway is still waiting for the
    // call to open: no head has been sent yet.)
    let mock = MockProvider::new(Provider::OpenAi, fixture(Provider::OpenAi, "text"))
        .stall_after(0)
        .start()
        .await
        .unwrap();
    let gateway = start(Gateway::new(ViaMock::new(&mock, Some("sk-test")))).await;
    let raw = Raw::post(
        gateway.addr(),
        &stream_path(Provider::OpenAi),
        &[],
        &chat("m"),
    )
    .await;
    within(mock.wait_for_requests(1)).await;
    let left = Instant::now();
    drop(raw);
    let closed = within(mock.wait_for_connection_close(mock.requests()[0].connection))
        .await
        .unwrap();
    assert_prompt("before the first frame", left, closed);
}

#[tokio::test]
async fn a_client_leaving_before_the_upstream_answered_drops_the_pending_call() {
    for version in ["HTTP/1.1", "HTTP/2"] {
        let (upstream, probe) = Scripted::new(Plan::Hang);
        let gateway = start(Gateway::new(upstream)).await;
        let left = if version == "HTTP/1.1" {
            let raw = Raw::post(
                gateway.addr(),
                &stream_path(Provider::Anthropic),
                &[],
                &chat("m"),
            )
            .await;
            while probe.opened() == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let left = Instant::now();
            drop(raw);
            left
        } else {
            let mut client = h2(gateway.addr()).await;
            let request = post(
                gateway.addr(),
                &stream_path(Provider::Anthropic),
                &[],
                &chat("m"),
            );
            let pending = tokio::spawn(async move { client.send_request(request).await });
            while probe.opened() == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let left = Instant::now();
            pending.abort(); // drops the response future: RST_STREAM
            left
        };
        assert_prompt(version, left, probe.wait_dropped().await);
    }
}

#[tokio::test]
async fn the_upstream_stream_is_dropped_with_the_response() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![token("a"), Step::Stall]));
    let gateway = start(Gateway::new(upstream)).await;
    let raw = raw_stream_provider(&gateway, Provider::Gemini).await;
    let left = Instant::now();
    drop(raw);
    assert_prompt("stream dropped", left, probe.wait_dropped().await);
}

async fn raw_stream_provider(gateway: &GatewayServer, provider: Provider) -> Raw {
    let mut raw = Raw::post(gateway.addr(), &stream_path(provider), &[], &chat("m")).await;
    assert_eq!(raw.head().await.status, 200);
    assert!(matches!(raw.chunk().await, Chunk::Data(_)));
    raw
}

#[tokio::test]
async fn a_client_that_does_not_read_holds_the_upstream_back() {
    // An upstream that would yield 1 KiB tokens forever, as fast as it is pulled.
    let (upstream, probe) = Scripted::new(Plan::Endless(1024));
    let gateway = start(Gateway::new(upstream)).await;
    let raw = raw_stream_provider(&gateway, Provider::OpenAi).await;
    // The client reads nothing more. Once the socket buffers and hyper's buffer are full, the
    // gateway stops pulling.
    let mut last = probe.pulled();
    let mut stable_for = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = probe.pulled();
        if now == last {
            stable_for += 1;
            if stable_for == 4 {
                break;
            }
        } else {
            stable_for = 0;
            last = now;
        }
    }
    eprintln!("pulled {last} bytes while the client read nothing");
    assert_eq!(
        stable_for, 4,
        "the upstream kept being pulled: {last} bytes"
    );
    // Kernel socket buffers on loopback can hold a few MiB; the gateway itself holds one
    // frame and hyper's write buffer. Without backpressure this would be gigabytes.
    assert!(last < 32 << 20, "{last} bytes pulled");
    drop(raw);
    probe.wait_dropped().await;
}
