//! The frames over the wire: every fixture's golden frames through `--mock` (HTTP/1.1 and
//! HTTP/2), the built-in recordings, the stream headers, and frames leaving as soon as they
//! exist (the first frame reaches the client while the upstream is still sending).

use crate::gateway_support;
use crate::mock_support;

use std::time::Duration;

use gateway_support::*;
use http_body_util::BodyExt;
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::gateway::{Gateway, Recordings, ReplayUpstream};
use llm_sse_tokio::mock::{MockProvider, Pacing};
use mock_support::*;
use tokio::time::Instant;

fn unpaced(recordings: Recordings) -> ReplayUpstream {
    ReplayUpstream::new(recordings).pacing(Pacing::events())
}

#[tokio::test]
async fn every_fixture_golden_over_http1_and_http2() {
    let recordings = Recordings::load(&fixtures_root()).unwrap();
    let server = start(Gateway::new(unpaced(recordings.clone()))).await;
    let mut h2 = h2(server.addr()).await;
    let mut count = 0;
    for provider in Provider::ALL {
        for name in recordings.names(provider) {
            let expected = golden(provider, name);
            let request = post(server.addr(), &stream_path(provider), &[], &chat(name));
            let (status, headers, body) = whole(send(server.addr(), request).await).await;
            assert_eq!(status, 200, "{provider}/{name}: {body}");
            assert_eq!(headers["content-type"], "text/event-stream");
            assert_eq!(headers["cache-control"], "no-cache");
            assert_eq!(headers["x-accel-buffering"], "no");
            assert_eq!(body, expected, "{provider}/{name} over HTTP/1.1");

            let request = post(server.addr(), &stream_path(provider), &[], &chat(name));
            let response = within(h2.send_request(request)).await.unwrap();
            assert_eq!(response.version(), http::Version::HTTP_2);
            let (status, _, body) = whole(response).await;
            assert_eq!(
                (status, body.as_str()),
                (200, expected.as_str()),
                "{provider}/{name} over HTTP/2"
            );
            count += 1;
        }
    }
    let on_disk: usize = Provider::ALL.iter().map(|&p| all_fixtures(p).len()).sum();
    assert_eq!(count, on_disk);
}

#[tokio::test]
async fn built_in_recordings_are_the_fixtures_and_serve_their_goldens() {
    let bundled = Recordings::bundled();
    let fixtures = Recordings::load(&fixtures_root()).unwrap();
    let server = start(Gateway::new(unpaced(bundled.clone()))).await;
    for provider in Provider::ALL {
        for name in bundled.names(provider) {
            assert_eq!(
                bundled.pick(provider, name).unwrap().1,
                fixtures.pick(provider, name).unwrap().1,
                "recordings/{provider}/{name}.sse differs from tests/fixtures"
            );
            let request = post(server.addr(), &stream_path(provider), &[], &chat(name));
            let (_, _, body) = whole(send(server.addr(), request).await).await;
            assert_eq!(body, golden(provider, name), "{provider}/{name}");
        }
        // A model that names no recording gets `text`.
        let request = post(
            server.addr(),
            &stream_path(provider),
            &[],
            &chat("some-model"),
        );
        let (_, _, body) = whole(send(server.addr(), request).await).await;
        assert_eq!(body, golden(provider, "text"), "{provider}");
    }
}

#[tokio::test]
async fn a_recording_file_serves_its_provider_only() {
    let file = fixtures_root().join("gemini/function_call.sse");
    let recordings = Recordings::load(&file).unwrap();
    let server = start(Gateway::new(unpaced(recordings))).await;
    let request = post(
        server.addr(),
        &stream_path(Provider::Gemini),
        &[],
        &chat("gemini-2.5-flash"),
    );
    let (_, _, body) = whole(send(server.addr(), request).await).await;
    assert_eq!(body, golden(Provider::Gemini, "function_call"));

    let request = post(
        server.addr(),
        &stream_path(Provider::OpenAi),
        &[],
        &chat("gpt-4o"),
    );
    let (status, _, body) = whole(send(server.addr(), request).await).await;
    assert_eq!(status, 404);
    let (error_type, message) = error_of(&body);
    assert_eq!(error_type, "upstream_rejected");
    assert!(
        message.contains("recordings have none for openai"),
        "{message}"
    );

    let not_a_provider = fixtures_root().join("../Cargo.toml");
    let error = Recordings::load(&not_a_provider).unwrap_err();
    assert!(
        error.reason.contains("directory named after its provider"),
        "{error}"
    );
    assert!(Recordings::load(&fixtures_root().join("missing")).is_err());
}

#[tokio::test]
async fn replay_is_paced_like_a_model() {
    // 20 ms between events (the default): the 17 events of anthropic/text take at least 320 ms.
    let server = start(Gateway::new(ReplayUpstream::new(Recordings::bundled()))).await;
    let started = Instant::now();
    let request = post(
        server.addr(),
        &stream_path(Provider::Anthropic),
        &[],
        &chat("text"),
    );
    let (_, _, body) = whole(send(server.addr(), request).await).await;
    let took = started.elapsed();
    assert_eq!(body, golden(Provider::Anthropic, "text"));
    let events = fixture(Provider::Anthropic, "text")
        .windows(2)
        .filter(|w| w == b"\n\n")
        .count();
    assert!(
        took >= Duration::from_millis(20) * (events as u32 - 1),
        "{took:?}"
    );
}

#[tokio::test]
async fn the_first_frame_arrives_while_the_upstream_is_still_sending() {
    // A provider that pauses 300 ms between its 17 events: the first text comes in the third,
    // the whole body takes about 5 s.
    let mock = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .delay(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let server = start(Gateway::new(ViaMock::new(&mock, Some("sk-test")))).await;
    let mut client = h1(server.addr()).await;
    let request = post(
        server.addr(),
        &stream_path(Provider::Anthropic),
        &[],
        &chat("claude-sonnet-4-5"),
    );
    let response = within(client.send_request(request)).await.unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let first = next_data(&mut body).await.unwrap();
    assert_eq!(
        first,
        "data: {\"token\":\"Server-sent events\",\"done\":false}\n\n"
    );
    // The upstream's response is still open: it has not sent its last byte.
    let upstream = &mock.requests()[0];
    assert_eq!(upstream.response_closed_at, None);
}

#[tokio::test]
async fn a_stream_over_http2_with_prior_knowledge_sends_frames_one_by_one() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![
        token("one"),
        Step::Gate,
        token("two"),
        stop(Provider::OpenAi),
    ]));
    let server = start(Gateway::new(upstream)).await;
    let mut client = h2(server.addr()).await;
    let request = post(
        server.addr(),
        &stream_path(Provider::OpenAi),
        &[],
        &chat("gpt-4o"),
    );
    let response = within(client.send_request(request)).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();
    assert_eq!(
        next_data(&mut body).await.unwrap(),
        "data: {\"token\":\"one\",\"done\":false}\n\n"
    );
    probe.release();
    let mut rest = String::new();
    while let Some(data) = next_data(&mut body).await {
        rest.push_str(&data);
    }
    assert!(
        rest.starts_with("data: {\"token\":\"two\",\"done\":false}\n\n"),
        "{rest}"
    );
    assert!(rest.ends_with("data: [DONE]\n\n"), "{rest}");
    assert!(body.frame().await.is_none());
}
