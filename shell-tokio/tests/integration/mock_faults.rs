//! Injected stream faults: a cut connection is an incomplete body for the client (never a clean
//! end), and a stall sends nothing more while keeping the connection open.

use crate::mock_support;

use std::time::Duration;

use http::StatusCode;
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::mock::MockProvider;
use mock_support::*;
use tokio::time::Instant;

#[tokio::test]
async fn cut_after_sends_exactly_n_bytes_then_closes_without_the_final_chunk() {
    let recording = fixture(Provider::Anthropic, "text");
    let len = recording.len();
    for n in [0, 1, 100, 257, len - 1, len, len + 10] {
        for delay in [Duration::ZERO, Duration::from_millis(2)] {
            let server = MockProvider::new(Provider::Anthropic, recording.clone())
                .delay(delay)
                .cut_after(n)
                .start()
                .await
                .unwrap();
            let mut raw = Raw::post(server.addr(), "/v1/messages", &[], "{}").await;
            let head = raw.head().await;
            assert_eq!(head.status, 200);
            assert_eq!(head.header("transfer-encoding"), Some("chunked"));
            let (chunks, end) = raw.chunks().await;
            assert_eq!(
                end,
                Chunk::Eof,
                "cut after {n}: the connection closes, no final chunk"
            );
            let received: Vec<u8> = chunks.into_iter().flat_map(|(_, data)| data).collect();
            assert_eq!(received, recording[..n.min(len)], "cut after {n}");
            let closed = within(server.wait_for_connection_close(server.connections()[0].id)).await;
            assert!(closed.is_some());
        }
    }
}

#[tokio::test]
async fn a_cut_is_a_body_error_for_an_http_client() {
    for provider in Provider::ALL {
        let server = MockProvider::new(provider, fixture(provider, "text"))
            .cut_after(150)
            .start()
            .await
            .unwrap();
        let response = send(
            server.addr(),
            post(server.addr(), endpoint(provider), &[], "{}"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        let error = body(response)
            .await
            .expect_err("an incomplete body, not a clean end");
        // hyper calls it an unexpected EOF inside the chunked body.
        let eof = std::error::Error::source(&error)
            .and_then(|e| e.downcast_ref::<std::io::Error>())
            .is_some_and(|e| e.kind() == std::io::ErrorKind::UnexpectedEof);
        assert!(
            eof || error.is_incomplete_message(),
            "{provider}: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_cut_on_http2_is_a_stream_error() {
    let recording = fixture(Provider::OpenAi, "text");
    let server = MockProvider::new(Provider::OpenAi, recording.clone())
        .cut_after(120)
        .start()
        .await
        .unwrap();
    let mut client = h2(server.addr()).await;
    let response =
        within(client.send_request(post(server.addr(), endpoint(Provider::OpenAi), &[], "{}")))
            .await
            .unwrap();
    let mut body = response.into_body();
    let mut received = Vec::new();
    let error = loop {
        match within(http_body_util::BodyExt::frame(&mut body)).await {
            Some(Ok(frame)) => received.extend_from_slice(&frame.into_data().unwrap()),
            Some(Err(e)) => break e,
            None => panic!("a clean end after {} bytes", received.len()),
        }
    };
    assert!(
        received.len() <= 120 && recording.starts_with(&received),
        "{error:?}"
    );
}

#[tokio::test]
async fn stall_after_sends_n_bytes_then_nothing_and_keeps_the_connection_open() {
    let recording = fixture(Provider::Gemini, "text");
    let server = MockProvider::new(Provider::Gemini, recording.clone())
        .stall_after(100)
        .start()
        .await
        .unwrap();
    let mut raw = Raw::post(server.addr(), endpoint(Provider::Gemini), &[], "{}").await;
    assert_eq!(raw.head().await.status, 200);
    let mut received = Vec::new();
    while received.len() < 100 {
        match raw.chunk().await {
            Chunk::Data(data) => received.extend_from_slice(&data),
            other => panic!("{other:?} after {} bytes", received.len()),
        }
    }
    assert_eq!(received, recording[..100]);

    // Nothing more arrives, and the connection stays open: a client's idle timeout fires.
    let more = tokio::time::timeout(Duration::from_millis(300), raw.chunk()).await;
    assert!(more.is_err(), "nothing after the stall, got {more:?}");
    let connection = server.connections()[0].clone();
    assert_eq!(connection.closed_at, None);
    assert_eq!(server.requests()[0].response_closed_at, None);

    // Until the client gives up.
    let dropped = Instant::now();
    drop(raw);
    let closed = within(server.wait_for_connection_close(connection.id))
        .await
        .unwrap();
    assert!(closed >= dropped);
}

#[tokio::test]
async fn a_stall_fires_an_http_clients_idle_timeout() {
    let server = MockProvider::new(Provider::OpenAi, fixture(Provider::OpenAi, "text"))
        .stall_after(0)
        .start()
        .await
        .unwrap();
    let response = send(
        server.addr(),
        post(server.addr(), endpoint(Provider::OpenAi), &[], "{}"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let idle = tokio::time::timeout(
        Duration::from_millis(200),
        http_body_util::BodyExt::frame(&mut body),
    )
    .await;
    assert!(idle.is_err(), "the idle timeout fires: {idle:?}");
}
