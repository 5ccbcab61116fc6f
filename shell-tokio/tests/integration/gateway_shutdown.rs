//! Graceful shutdown: open streams finish within the grace period; past it they end with an
//! error terminal frame and `[DONE]`; no new connections are taken meanwhile.

use crate::gateway_support;
use crate::mock_support;

use std::time::Duration;

use std::num::NonZeroUsize;

use gateway_support::*;
use llm_sse_tokio::core::gateway::Ending;
use llm_sse_tokio::core::{Normalizer, Provider};
use llm_sse_tokio::gateway::{Gateway, GatewayServer, Recordings, ReplayUpstream, Shutdown};
use llm_sse_tokio::mock::{MockProvider, Pacing};
use mock_support::*;
use tokio::time::Instant;

#[tokio::test]
async fn open_streams_finish_within_the_grace_period() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![
        token("first"),
        Step::Gate,
        token("second"),
        stop(Provider::Anthropic),
    ]));
    let server = start(Gateway::new(upstream).shutdown_grace(Duration::from_secs(10))).await;
    let addr = server.addr();
    let mut client = h1(addr).await;
    let request = post(addr, &stream_path(Provider::Anthropic), &[], &chat("m"));
    let mut body = within(client.send_request(request))
        .await
        .unwrap()
        .into_body();
    assert!(next_data(&mut body).await.unwrap().contains("first"));

    let shutdown = tokio::spawn(server.shutdown());
    // No new connections are served once shutdown has begun.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = async {
        let tcp = tokio::net::TcpStream::connect(addr).await?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                .await
                .map_err(std::io::Error::other)?;
        tokio::spawn(connection);
        let request = post(addr, "/healthz", &[], "");
        sender
            .send_request(request)
            .await
            .map_err(std::io::Error::other)
    };
    assert!(within(refused).await.is_err());
    assert!(!shutdown.is_finished());

    // The open stream goes on to its normal end.
    probe.release();
    let mut rest = String::new();
    while let Some(data) = next_data(&mut body).await {
        rest.push_str(&data);
    }
    assert!(rest.starts_with("data: {\"token\":\"second\""), "{rest}");
    assert!(rest.contains("\"finish_reason\":\"stop\""), "{rest}");
    assert!(rest.ends_with("data: [DONE]\n\n"));
    assert_eq!(within(shutdown).await.unwrap(), Shutdown::Graceful);
}

#[tokio::test]
async fn streams_past_the_grace_period_end_with_an_error_frame() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![token("first"), Step::Stall]));
    let grace = Duration::from_millis(300);
    let server = start(Gateway::new(upstream).shutdown_grace(grace)).await;
    let addr = server.addr();

    // One stream over HTTP/1.1, one over HTTP/2.
    let mut c1 = h1(addr).await;
    let request = post(addr, &stream_path(Provider::OpenAi), &[], &chat("m"));
    let mut b1 = within(c1.send_request(request)).await.unwrap().into_body();
    let mut c2 = h2(addr).await;
    let request = post(addr, &stream_path(Provider::OpenAi), &[], &chat("m"));
    let mut b2 = within(c2.send_request(request)).await.unwrap().into_body();
    for body in [&mut b1, &mut b2] {
        assert!(next_data(body).await.unwrap().contains("first"));
    }

    let started = Instant::now();
    let shutdown = tokio::spawn(server.shutdown());
    for body in [&mut b1, &mut b2] {
        let mut rest = String::new();
        while let Some(data) = next_data(body).await {
            rest.push_str(&data);
        }
        assert_eq!(
            rest,
            concat!(
                "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"finish_reason\":\"error\",",
                "\"error\":{\"type\":\"connection_error\",\"message\":\"the gateway shut down before the stream ended\"}}\n\n",
                "data: [DONE]\n\n",
            )
        );
    }
    assert!(started.elapsed() >= grace, "ended before the grace period");
    assert_eq!(within(shutdown).await.unwrap(), Shutdown::Aborted);
    // The upstream was dropped.
    probe.wait_dropped().await;
}

#[tokio::test]
async fn idle_connections_close_and_http2_clients_are_told_to_go_away() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![token("x"), Step::Stall]));
    let server = start(Gateway::new(upstream).shutdown_grace(Duration::from_secs(5))).await;
    let addr = server.addr();
    // An idle keep-alive connection, and an HTTP/2 connection with an open stream.
    let mut idle = h1(addr).await;
    let request = post(addr, "/healthz", &[], "");
    let request = http::Request::get(request.uri().clone())
        .body(Default::default())
        .unwrap();
    assert_eq!(
        within(idle.send_request(request)).await.unwrap().status(),
        200
    );
    let mut c2 = h2(addr).await;
    let request = post(addr, &stream_path(Provider::Gemini), &[], &chat("m"));
    let mut body = within(c2.send_request(request)).await.unwrap().into_body();
    assert!(next_data(&mut body).await.is_some());

    let shutdown = tokio::spawn(server.shutdown());
    // The idle connection is closed.
    within(async {
        while !idle.is_closed() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    // The HTTP/2 connection is told to go away: new streams are refused, the open one goes on.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let request = post(addr, "/healthz", &[], "");
    let request = http::Request::get(request.uri().clone())
        .body(Default::default())
        .unwrap();
    assert!(within(c2.send_request(request)).await.is_err());
    assert!(!shutdown.is_finished());
    drop(body);
    probe.wait_dropped().await;
    assert_eq!(within(shutdown).await.unwrap(), Shutdown::Graceful);
}

/// The bytes of `tests/fixtures/anthropic/text.sse` up to the end of its first text delta
/// (after `message_start`, which says the id, the model and the input tokens).
fn through_the_first_token(recording: &[u8]) -> usize {
    let marker = b"\"text\":\"Server-sent events\"}}\n\n";
    let at = recording
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap();
    at + marker.len()
}

/// What the core makes of `bytes` of `provider`'s stream ended by the gateway's shutdown: the
/// frames a stream cut there must end with.
fn frames_ended_by_the_shutdown(provider: Provider, bytes: &[u8]) -> String {
    let mut normalizer = Normalizer::new(provider);
    normalizer.feed(bytes);
    normalizer.fail(Ending::ShutDown.error());
    let mut out = Vec::new();
    normalizer.write_frames(&mut out);
    String::from_utf8(out).unwrap()
}

/// The terminal frame of the cut `text.sse`: the id, model and usage of its `message_start`.
const KEPT: &str = concat!(
    r#""id":"msg_01XFDUDYJgAACzvnptvVoYEL","model":"claude-sonnet-4-5","finish_reason":"error","#,
    r#""usage":{"input_tokens":25,"output_tokens":1},"#,
    r#""error":{"type":"connection_error","message":"the gateway shut down before the stream ended"}}"#,
);

/// Reads a stream route's frames until the first token, shuts the server down, and returns
/// every frame.
async fn frames_across_a_shutdown(server: GatewayServer, path: &str, body: &str) -> String {
    let addr = server.addr();
    let mut client = h1(addr).await;
    let request = post(addr, path, &[], body);
    let mut response = within(client.send_request(request))
        .await
        .unwrap()
        .into_body();
    let mut got = String::new();
    while !got.contains("Server-sent events") {
        got.push_str(&next_data(&mut response).await.unwrap());
    }
    let shutdown = tokio::spawn(server.shutdown());
    while let Some(data) = next_data(&mut response).await {
        got.push_str(&data);
    }
    assert_eq!(within(shutdown).await.unwrap(), Shutdown::Aborted);
    got
}

#[tokio::test]
async fn the_shutdown_ends_a_client_stream_keeping_what_arrived() {
    let recording = fixture(Provider::Anthropic, "text");
    let cut = through_the_first_token(&recording);
    let mock = MockProvider::new(Provider::Anthropic, recording.clone())
        .stall_after(cut)
        .start()
        .await
        .unwrap();
    let gateway = Gateway::new(ViaMock::new(&mock, Some("sk-test")))
        .shutdown_grace(Duration::from_millis(200));
    let got = frames_across_a_shutdown(
        start(gateway).await,
        &stream_path(Provider::Anthropic),
        &chat("claude-sonnet-4-5"),
    )
    .await;
    assert_eq!(
        got,
        frames_ended_by_the_shutdown(Provider::Anthropic, &recording[..cut])
    );
    assert!(got.contains(KEPT), "{got}");
    assert!(got.ends_with("data: [DONE]\n\n"));
}

#[tokio::test]
async fn the_shutdown_ends_a_replayed_stream_keeping_what_arrived() {
    let recording = fixture(Provider::Anthropic, "text");
    let cut = through_the_first_token(&recording);
    // The first piece is the recording through its first token; the next comes after a minute.
    let pacing = Pacing::bytes(NonZeroUsize::new(cut).unwrap()).delay(Duration::from_secs(60));
    let gateway = || {
        let upstream = ReplayUpstream::new(Recordings::bundled()).pacing(pacing);
        Gateway::new(upstream).shutdown_grace(Duration::from_millis(200))
    };

    // The stream route: the frames the core makes of the bytes that arrived.
    let got = frames_across_a_shutdown(
        start(gateway()).await,
        &stream_path(Provider::Anthropic),
        &chat("text"),
    )
    .await;
    assert_eq!(
        got,
        frames_ended_by_the_shutdown(Provider::Anthropic, &recording[..cut])
    );
    assert!(got.contains(KEPT), "{got}");

    // The OpenAI endpoint, streamed with usage: the error chunk carries the usage.
    let body = r#"{"model":"anthropic/text","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}"#;
    let got = frames_across_a_shutdown(start(gateway()).await, "/v1/chat/completions", body).await;
    let events: Vec<&str> = got.split_terminator("\n\n").collect();
    assert_eq!(events.last(), Some(&"data: [DONE]"), "{got}");
    let error: serde_json::Value =
        serde_json::from_str(events[events.len() - 2].strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(error["error"]["type"], "connection_error", "{got}");
    assert_eq!(error["usage"]["prompt_tokens"], 25, "{got}");
    assert_eq!(error["usage"]["completion_tokens"], 1, "{got}");
}
