//! The mock serves recordings exactly: every fixture byte for byte, one event (Bedrock: one
//! event-stream message) or N bytes per write, paced, at each provider's endpoint, with its
//! content type, and it records exactly what it received.

use crate::mock_support;

use std::time::Duration;

use bytes::Bytes;
use http::{StatusCode, Version};
use http_body_util::BodyExt;
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::mock::{MockProvider, Split};
use mock_support::*;
use tokio::time::Instant;

/// The content type of each provider's stream.
fn content_type(provider: Provider) -> &'static str {
    match provider {
        Provider::Bedrock => "application/vnd.amazon.eventstream",
        _ => "text/event-stream",
    }
}

#[tokio::test]
async fn every_fixture_is_served_byte_for_byte() {
    for provider in Provider::ALL {
        for (name, recording) in all_fixtures(provider) {
            let server = MockProvider::new(provider, recording.clone())
                .start()
                .await
                .unwrap();
            let response = send(
                server.addr(),
                post(server.addr(), endpoint(provider), &[], "{}"),
            )
            .await;
            assert_eq!(response.status(), StatusCode::OK, "{provider} {name}");
            let headers = response.headers();
            assert_eq!(
                headers["content-type"],
                content_type(provider),
                "{provider} {name}"
            );
            assert_eq!(headers["cache-control"], "no-cache", "{provider} {name}");
            // Bedrock names the content type of the model's events too.
            assert_eq!(
                headers
                    .get("x-amzn-bedrock-content-type")
                    .map(|v| v.to_str().unwrap()),
                (provider == Provider::Bedrock).then_some("application/json"),
                "{provider} {name}"
            );
            assert_eq!(headers["transfer-encoding"], "chunked", "{provider} {name}");
            assert_eq!(
                body(response).await.unwrap(),
                recording,
                "{provider} {name}"
            );
        }
    }
}

#[tokio::test]
async fn fixed_size_pieces_also_give_the_exact_bytes() {
    for provider in Provider::ALL {
        let recording = fixture(provider, "text");
        let server = MockProvider::new(provider, recording.clone())
            .chunk_size(7)
            .start()
            .await
            .unwrap();
        let response = send(
            server.addr(),
            post(server.addr(), endpoint(provider), &[], "{}"),
        )
        .await;
        assert_eq!(body(response).await.unwrap(), recording, "{provider}");
    }
}

#[tokio::test]
async fn http2_serves_the_same_bytes() {
    for provider in Provider::ALL {
        let recording = fixture(provider, "text");
        let server = MockProvider::new(provider, recording.clone())
            .start()
            .await
            .unwrap();
        let mut client = h2(server.addr()).await;
        let response =
            within(client.send_request(post(server.addr(), endpoint(provider), &[], "{}")))
                .await
                .unwrap();
        assert_eq!(response.version(), Version::HTTP_2);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], content_type(provider));
        assert_eq!(body(response).await.unwrap(), recording, "{provider}");
        assert_eq!(server.requests()[0].version, Version::HTTP_2);
    }
}

#[tokio::test]
async fn each_event_is_one_chunk_on_the_wire() {
    for (provider, other) in [
        (Provider::Anthropic, "crlf"),
        (Provider::OpenAi, "openrouter_comments"),
        (Provider::Gemini, "crlf"),
        (Provider::Bedrock, "tool_use"),
        (Provider::Vertex, "tool_use"),
    ] {
        for name in ["text", other] {
            let recording = fixture(provider, name);
            let server = MockProvider::new(provider, recording.clone())
                .start()
                .await
                .unwrap();
            let mut raw = Raw::post(server.addr(), endpoint(provider), &[], "{}").await;
            let head = raw.head().await;
            assert_eq!(head.status, 200);
            assert_eq!(head.header("transfer-encoding"), Some("chunked"));
            let (chunks, end) = raw.chunks().await;
            assert_eq!(end, Chunk::End, "{provider} {name}: a clean end");
            // Bedrock's pieces are its event-stream messages.
            let split = match provider {
                Provider::Bedrock => Split::Messages,
                _ => Split::Events,
            };
            let expected: Vec<Vec<u8>> = split.pieces(&recording).map(|b| b.to_vec()).collect();
            let got: Vec<Vec<u8>> = chunks.into_iter().map(|(_, data)| data).collect();
            assert!(expected.len() >= 3, "{provider} {name}: a few events");
            assert_eq!(got, expected, "{provider} {name}");
        }
    }
}

#[tokio::test]
async fn chunk_size_cuts_n_byte_pieces() {
    let recording = fixture(Provider::OpenAi, "text");
    let server = MockProvider::new(Provider::OpenAi, recording.clone())
        .chunk_size(10)
        .start()
        .await
        .unwrap();
    let mut raw = Raw::post(server.addr(), endpoint(Provider::OpenAi), &[], "{}").await;
    raw.head().await;
    let (chunks, end) = raw.chunks().await;
    assert_eq!(end, Chunk::End);
    let (last, full) = chunks.split_last().unwrap();
    assert!(full.iter().all(|(_, data)| data.len() == 10));
    assert!(!last.1.is_empty() && last.1.len() <= 10);
    let joined: Vec<u8> = chunks.iter().flat_map(|(_, d)| d.clone()).collect();
    assert_eq!(joined, recording);
}

#[tokio::test]
async fn delay_paces_the_writes() {
    // Four events, 40 ms apart: the last cannot arrive before 3 × 40 ms after the request.
    // (Only lower bounds: a loaded machine may deliver late, never early.)
    let recording = Bytes::from_static(b"data: 1\n\ndata: 2\n\ndata: 3\n\ndata: [DONE]\n\n");
    let delay = Duration::from_millis(40);
    let server = MockProvider::new(Provider::OpenAi, recording.clone())
        .delay(delay)
        .start()
        .await
        .unwrap();
    let sent = Instant::now();
    let mut raw = Raw::post(server.addr(), endpoint(Provider::OpenAi), &[], "{}").await;
    raw.head().await;
    let (chunks, end) = raw.chunks().await;
    assert_eq!(end, Chunk::End);
    assert_eq!(chunks.len(), 4, "each event arrives as its own write");
    let (last_at, _) = chunks.last().unwrap();
    assert!(
        last_at.duration_since(sent) >= 3 * delay,
        "the last event came {:?} after the request",
        last_at.duration_since(sent)
    );
}

#[tokio::test]
async fn records_the_exact_request_per_provider() {
    let body = r#"{"model":"m","messages":[{"role":"user","content":"Hi ✨"}],"stream":true}"#;
    for provider in Provider::ALL {
        let server = MockProvider::new(provider, fixture(provider, "text"))
            .start()
            .await
            .unwrap();
        let before = Instant::now();
        let request = post(
            server.addr(),
            endpoint(provider),
            &[
                ("x-custom", "one"),
                ("x-custom", "two"),
                ("anthropic-version", "2023-06-01"),
            ],
            body,
        );
        let response = send(server.addr(), request).await;
        response.into_body().collect().await.unwrap();
        let after = Instant::now();

        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        let r = &requests[0];
        assert_eq!(r.index, 0);
        assert_eq!(r.method, http::Method::POST);
        assert_eq!(r.version, Version::HTTP_11);
        assert_eq!(r.uri, endpoint(provider));
        assert_eq!(r.path(), endpoint(provider).split('?').next().unwrap());
        assert_eq!(
            r.query(),
            endpoint(provider).split_once('?').map(|(_, q)| q)
        );
        assert_eq!(r.header("host"), Some(server.addr().to_string().as_str()));
        assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
        let customs: Vec<_> = r.headers.get_all("x-custom").iter().collect();
        assert_eq!(customs, ["one", "two"]);
        assert_eq!(
            r.header("content-length"),
            Some(body.len().to_string().as_str())
        );
        assert_eq!(&r.body[..], body.as_bytes());
        assert_eq!(
            r.json().unwrap(),
            serde_json::from_str::<serde_json::Value>(body).unwrap()
        );
        assert_eq!(r.attempt, Some(1));
        assert_eq!(r.status, StatusCode::OK);
        assert!(before <= r.received_at && r.received_at <= after);
        let closed = r.response_closed_at.expect("the whole response was sent");
        assert!(r.received_at <= closed && closed <= after);
        assert_eq!(server.connections()[0].id, r.connection);
        assert_eq!(server.attempts(), 1);
    }
}

#[tokio::test]
async fn base_url_per_provider() {
    for (provider, suffix) in [
        (Provider::Anthropic, ""),
        (Provider::OpenAi, "/v1"),
        (Provider::Gemini, ""),
        (Provider::Bedrock, ""),
        // Up to the API version: clients append `/projects/{p}/locations/{r}`.
        (Provider::Vertex, "/v1"),
    ] {
        let server = MockProvider::new(provider, "").start().await.unwrap();
        assert_eq!(
            server.base_url(),
            format!("http://{}{suffix}", server.addr())
        );
        assert_eq!(server.addr().ip(), std::net::Ipv4Addr::LOCALHOST);
        assert_ne!(server.addr().port(), 0);
    }
}

#[tokio::test]
async fn gemini_accepts_any_model_and_keeps_the_query() {
    let recording = fixture(Provider::Gemini, "text");
    let server = MockProvider::new(Provider::Gemini, recording.clone())
        .start()
        .await
        .unwrap();
    let uri = "/v1beta/models/gemini-2.0-flash-001:streamGenerateContent?alt=sse&x=1";
    let response = send(server.addr(), post(server.addr(), uri, &[], "{}")).await;
    assert_eq!(body(response).await.unwrap(), recording);
    assert_eq!(server.requests()[0].uri, uri);
}

#[tokio::test]
async fn several_requests_on_one_keep_alive_connection() {
    let recording = fixture(Provider::Anthropic, "text");
    let server = MockProvider::new(Provider::Anthropic, recording.clone())
        .start()
        .await
        .unwrap();
    let mut client = h1(server.addr()).await;
    for _ in 0..3 {
        within(client.ready()).await.unwrap();
        let response = within(client.send_request(post(
            server.addr(),
            endpoint(Provider::Anthropic),
            &[],
            "{}",
        )))
        .await
        .unwrap();
        assert_eq!(body(response).await.unwrap(), recording);
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.connection == requests[0].connection)
    );
    assert_eq!(
        requests.iter().map(|r| r.attempt).collect::<Vec<_>>(),
        [Some(1), Some(2), Some(3)]
    );
    assert_eq!(server.connections().len(), 1);
}

#[tokio::test]
async fn dropping_the_server_closes_its_connections() {
    let server = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .stall_after(10)
        .start()
        .await
        .unwrap();
    let addr = server.addr();
    let mut raw = Raw::post(addr, endpoint(Provider::Anthropic), &[], "{}").await;
    raw.head().await;
    assert!(matches!(raw.chunk().await, Chunk::Data(_)));
    drop(server);
    assert_eq!(raw.chunk().await, Chunk::Eof);
    // Nothing listens any more.
    let refused = tokio::net::TcpStream::connect(addr).await;
    assert!(refused.is_err());
}

/// Given an Anthropic SSE recording, a mock Bedrock serves it as Bedrock's event stream: the
/// Bedrock fixture made of it, message by message.
#[tokio::test]
async fn a_mock_bedrock_serves_an_anthropic_recording_reframed() {
    let sse = fixture(Provider::Anthropic, "tool_use");
    let framed = fixture(Provider::Bedrock, "tool_use");
    let server = MockProvider::new(Provider::Bedrock, sse)
        .start()
        .await
        .unwrap();
    let mut raw = Raw::post(server.addr(), endpoint(Provider::Bedrock), &[], "{}").await;
    let head = raw.head().await;
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-type"),
        Some("application/vnd.amazon.eventstream")
    );
    let (chunks, end) = raw.chunks().await;
    assert_eq!(end, Chunk::End);
    let expected: Vec<Vec<u8>> = Split::Messages
        .pieces(&framed)
        .map(|b| b.to_vec())
        .collect();
    let got: Vec<Vec<u8>> = chunks.into_iter().map(|(_, data)| data).collect();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn vertex_accepts_any_project_region_and_model() {
    let recording = fixture(Provider::Vertex, "text");
    let server = MockProvider::new(Provider::Vertex, recording.clone())
        .start()
        .await
        .unwrap();
    let uri = "/v1/projects/p-1/locations/global/publishers/anthropic/models/claude-opus-4-1@20250805:streamRawPredict";
    let response = send(server.addr(), post(server.addr(), uri, &[], "{}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(response).await.unwrap(), recording);
    // Not under /v1, or another method of the model: not the endpoint.
    for uri in [
        "/projects/p-1/locations/global/publishers/anthropic/models/m:streamRawPredict",
        "/v1/projects/p-1/locations/global/publishers/anthropic/models/m:rawPredict",
        "/v1/projects/p-1/locations/global/publishers/google/models/m:streamRawPredict",
    ] {
        let response = send(server.addr(), post(server.addr(), uri, &[], "{}")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri}");
    }
}
