//! Failures after the stream started end it with an error terminal chunk, keeping every chunk
//! before; dropping a stream closes its connection at once; a stream read to its end leaves its
//! connection in the pool.

use crate::client_support;
use crate::mock_support;

use std::time::Duration;

use client_support::*;
use llm_sse_tokio::core::StreamErrorKind;
use llm_sse_tokio::mock::MockProvider;
use llm_sse_tokio::{Provider, ProviderError};
use mock_support::{fixture, within};
use tokio::time::Instant;

/// The spec: the mock sees the connection closed within 100 ms of the stream being dropped.
const CLOSE_NOTICE: Duration = Duration::from_millis(100);

/// The spec's tolerance on the idle timeout.
const SLACK: Duration = Duration::from_millis(200);

#[tokio::test]
async fn a_cut_mid_stream_ends_with_connection_error_after_the_earlier_chunks() {
    for provider in Provider::ALL {
        let recording = fixture(provider, "text");
        for cut in [
            1,
            recording.len() / 3,
            recording.len() / 2,
            recording.len() - 1,
        ] {
            let server = MockProvider::new(provider, recording.clone())
                .cut_after(cut)
                .start()
                .await
                .unwrap();
            let mut stream = within(client(&server).stream(provider, hello(provider)))
                .await
                .unwrap();
            let chunks = collect(&mut stream).await;
            assert_eq!(
                terminal_error(&chunks).map(|e| e.kind.clone()),
                Some(StreamErrorKind::ConnectionError),
                "{provider}, cut after {cut}: {chunks:?}"
            );
            let expected = core_chunks_then_failure(
                provider,
                &recording[..cut],
                StreamErrorKind::ConnectionError,
            );
            assert_eq!(
                without_error_message(chunks),
                without_error_message(expected),
                "{provider}, cut after {cut}: every chunk before the cut is kept"
            );
        }
    }
}

#[tokio::test]
async fn a_stall_ends_with_idle_timeout_after_the_configured_time() {
    let recording = fixture(Provider::OpenAi, "text");
    let stall_at = recording.len() / 2;
    let server = MockProvider::new(Provider::OpenAi, recording.clone())
        .stall_after(stall_at)
        .start()
        .await
        .unwrap();
    let idle = Duration::from_millis(400);
    let settings = settings(&server).with_idle_timeout(idle);
    let started = Instant::now();
    let mut stream =
        within(client_with(settings).stream(Provider::OpenAi, hello(Provider::OpenAi)))
            .await
            .unwrap();
    let chunks = collect(&mut stream).await;
    let elapsed = started.elapsed();
    // The last bytes arrived after `started`, and the timeout counts from them.
    assert!(
        elapsed >= idle && elapsed <= idle + SLACK,
        "idle_timeout after {elapsed:?}"
    );
    let expected = core_chunks_then_failure(
        Provider::OpenAi,
        &recording[..stall_at],
        StreamErrorKind::IdleTimeout,
    );
    assert_eq!(
        without_error_message(chunks.clone()),
        without_error_message(expected)
    );
    assert_eq!(
        terminal_error(&chunks).unwrap().message,
        "no data from the provider for 0.4 s (the idle timeout)"
    );
    // The stalled connection is closed, not pooled.
    let connection = server.connections()[0].id;
    assert!(
        within(server.wait_for_connection_close(connection))
            .await
            .is_some()
    );
}

#[tokio::test]
async fn a_stall_before_the_first_byte_is_an_idle_timeout_stream_not_a_retry() {
    let server = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .stall_after(0)
        .start()
        .await
        .unwrap();
    let idle = Duration::from_millis(300);
    let settings = settings(&server).with_idle_timeout(idle);
    let started = Instant::now();
    let mut stream =
        within(client_with(settings).stream(Provider::Anthropic, hello(Provider::Anthropic)))
            .await
            .unwrap();
    let chunks = collect(&mut stream).await;
    let elapsed = started.elapsed();
    assert!(elapsed >= idle && elapsed <= idle + SLACK, "{elapsed:?}");
    assert_eq!(chunks.len(), 1);
    assert_eq!(
        terminal_error(&chunks).map(|e| e.kind.clone()),
        Some(StreamErrorKind::IdleTimeout)
    );
    assert_eq!(
        server.requests().len(),
        1,
        "a stream that started is not retried"
    );
}

#[tokio::test]
async fn a_connection_cut_before_the_first_body_byte_is_retried() {
    let server = MockProvider::new(Provider::Gemini, fixture(Provider::Gemini, "text"))
        .cut_after(0)
        .start()
        .await
        .unwrap();
    let error = within(client(&server).stream(Provider::Gemini, hello(Provider::Gemini)))
        .await
        .unwrap_err();
    let ProviderError::Connection { message } = &error else {
        panic!("{error:?}");
    };
    assert!(
        message.contains("before the first byte of the stream"),
        "{message}"
    );
    assert_eq!(server.attempts(), 3);
}

/// Starts a stream, reads `chunks` chunks (none: only the first bytes arrived, which `stream`
/// waits for), drops it, and checks how soon the mock saw its connection close.
async fn assert_dropping_closes(
    server: &llm_sse_tokio::mock::MockServer,
    provider: Provider,
    chunks: usize,
) {
    let mut stream = within(client(server).stream(provider, hello(provider)))
        .await
        .unwrap();
    for _ in 0..chunks {
        let chunk = within(stream.next_chunk()).await.unwrap();
        assert!(!chunk.is_done(), "{chunk:?}");
    }
    let request = server.requests()[0].clone();
    assert!(request.response_closed_at.is_none());

    let dropped = Instant::now();
    drop(stream);
    let closed = within(server.wait_for_connection_close(request.connection))
        .await
        .unwrap();
    let took = closed.saturating_duration_since(dropped);
    assert!(took < CLOSE_NOTICE, "the mock noticed after {took:?}");
    let response_closed = within(server.wait_for_response_close(request.index))
        .await
        .unwrap();
    assert!(response_closed.saturating_duration_since(dropped) < CLOSE_NOTICE);
}

#[tokio::test]
async fn dropping_a_stream_between_paced_events_closes_its_connection_at_once() {
    let server = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .delay(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    // The first event (message_start) came; the next is a minute away.
    assert_dropping_closes(&server, Provider::Anthropic, 0).await;
}

#[tokio::test]
async fn dropping_a_stream_while_bytes_flow_closes_its_connection_at_once() {
    // A long recording served in small, quick pieces: the body is busy when it is dropped.
    let one = fixture(Provider::OpenAi, "text");
    let body_start = one.len() / 2;
    let mut recording = one[..body_start].to_vec();
    for _ in 0..2000 {
        recording.extend_from_slice(b"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n");
    }
    let server = MockProvider::new(Provider::OpenAi, recording)
        .delay(Duration::from_millis(5))
        .start()
        .await
        .unwrap();
    assert_dropping_closes(&server, Provider::OpenAi, 3).await;
}

#[tokio::test]
async fn a_stream_read_to_its_end_leaves_its_connection_for_the_next_call() {
    for provider in Provider::ALL {
        let server = MockProvider::new(provider, fixture(provider, "text"))
            .start()
            .await
            .unwrap();
        let client = client(&server);
        for _ in 0..3 {
            let mut stream = within(client.stream(provider, hello(provider)))
                .await
                .unwrap();
            let chunks = collect(&mut stream).await;
            assert!(terminal_error(&chunks).is_none(), "{provider}");
            // The connection goes back to the pool when hyper has seen the body's end.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let requests = server.requests();
        assert_eq!(requests.len(), 3);
        assert!(
            requests
                .iter()
                .all(|r| r.connection == requests[0].connection),
            "{provider}: {:?}",
            requests.iter().map(|r| r.connection).collect::<Vec<_>>()
        );
        assert_eq!(server.connections().len(), 1);
    }
}

#[tokio::test]
async fn clones_of_a_client_share_one_pool() {
    let server = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .start()
        .await
        .unwrap();
    let client = client(&server);
    let clone = client.clone();
    let mut stream = client
        .stream(Provider::Anthropic, hello(Provider::Anthropic))
        .await
        .unwrap();
    collect(&mut stream).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut stream = clone
        .stream(Provider::Anthropic, hello(Provider::Anthropic))
        .await
        .unwrap();
    collect(&mut stream).await;
    assert_eq!(server.connections().len(), 1);
}

#[tokio::test]
async fn concurrent_streams_use_separate_connections_and_do_not_mix() {
    let server = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .delay(Duration::from_millis(2))
        .start()
        .await
        .unwrap();
    let client = client(&server);
    let (a, b) = tokio::join!(
        client.stream(Provider::Anthropic, hello(Provider::Anthropic)),
        client.stream(Provider::Anthropic, hello(Provider::Anthropic)),
    );
    let (mut a, mut b) = (a.unwrap(), b.unwrap());
    let (a, b) = tokio::join!(collect(&mut a), collect(&mut b));
    let golden =
        std::fs::read(mock_support::fixtures_dir(Provider::Anthropic).join("text.frames")).unwrap();
    assert_eq!(frames(&a), golden);
    assert_eq!(frames(&b), golden);
    assert_eq!(server.connections().len(), 2);
}

#[tokio::test]
async fn a_body_that_goes_on_after_the_terminal_event_is_drained_into_the_pool() {
    // After message_stop, two more events arrive 20 ms apart, then the body ends: the stream
    // ends at message_stop, and the rest is read in the background so the connection is kept.
    let mut recording = fixture(Provider::Anthropic, "text").to_vec();
    recording.extend_from_slice(
        b"event: ping\ndata: {\"type\": \"ping\"}\n\n"
            .repeat(2)
            .as_slice(),
    );
    let server = MockProvider::new(Provider::Anthropic, recording)
        .delay(Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    let client = client(&server);
    for _ in 0..2 {
        let mut stream = within(client.stream(Provider::Anthropic, hello(Provider::Anthropic)))
            .await
            .unwrap();
        let chunks = collect(&mut stream).await;
        assert!(terminal_error(&chunks).is_none());
        drop(stream);
        let request = server.requests().last().unwrap().index;
        within(server.wait_for_response_close(request))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.connections().len(), 1);
}
