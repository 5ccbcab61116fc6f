//! Every error answer before streaming (status, `{"error":{type,message}}`, headers), through
//! the routes, the request checks and a provider client talking to the mock provider; and
//! errors after streaming started, which end with the error terminal frame and `[DONE]`.

use crate::gateway_support;
use crate::mock_support;

use std::time::Duration;

use gateway_support::*;
use llm_sse_tokio::core::client::{AuthFailure, ProviderAuthError, ProviderError};
use llm_sse_tokio::core::{Provider, StreamError, StreamErrorKind};
use llm_sse_tokio::gateway::{Gateway, GatewayServer, MAX_REQUEST_BODY};
use llm_sse_tokio::mock::{MockProvider, MockServer};
use mock_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn answer(
    server: &GatewayServer,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, http::HeaderMap, String) {
    let request = http::Request::builder()
        .method(method)
        .uri(format!("http://{}{path}", server.addr()))
        .header("host", server.addr().to_string())
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_owned(),
        )))
        .unwrap();
    whole(send(server.addr(), request).await).await
}

fn assert_error(got: &(u16, http::HeaderMap, String), status: u16, error_type: &str, needle: &str) {
    let (s, headers, body) = got;
    assert_eq!(*s, status, "{body}");
    assert_eq!(headers["content-type"], "application/json");
    assert!(headers.contains_key("x-request-id"));
    let (t, message) = error_of(body);
    assert_eq!(t, error_type, "{body}");
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
}

async fn scripted_gateway() -> (GatewayServer, std::sync::Arc<Probe>) {
    let (upstream, probe) =
        Scripted::new(Plan::Steps(vec![token("hi"), stop(Provider::Anthropic)]));
    (start(Gateway::new(upstream)).await, probe)
}

#[tokio::test]
async fn routes_methods_and_providers() {
    let (server, probe) = scripted_gateway().await;
    let got = answer(&server, "POST", "/v1/chat/stream/mistral", &chat("m")).await;
    assert_error(
        &got,
        404,
        "not_found",
        "\"mistral\": unknown provider (expected anthropic, openai, gemini, bedrock or vertex)",
    );
    let got = answer(&server, "GET", "/nowhere", "").await;
    assert_error(&got, 404, "not_found", "no route for \"/nowhere\"");
    let got = answer(&server, "POST", "/v1/chat/stream/", &chat("m")).await;
    assert_error(&got, 404, "not_found", "unknown provider");

    let got = answer(&server, "GET", "/v1/chat/stream/anthropic", "").await;
    assert_error(
        &got,
        405,
        "method_not_allowed",
        "method GET is not allowed here (allowed: POST)",
    );
    assert_eq!(got.1["allow"], "POST");
    let got = answer(&server, "PUT", "/v1/chat/stream/openai", &chat("m")).await;
    assert_error(&got, 405, "method_not_allowed", "PUT");
    let got = answer(&server, "POST", "/healthz", "").await;
    assert_error(&got, 405, "method_not_allowed", "allowed: GET, HEAD");
    assert_eq!(got.1["allow"], "GET, HEAD");
    assert_eq!(probe.opened(), 0);
}

#[tokio::test]
async fn invalid_bodies_are_400_naming_the_field() {
    let (server, probe) = scripted_gateway().await;
    let path = stream_path(Provider::Anthropic);
    let cases = [
        ("{", "EOF while parsing"),
        (
            "\"hi\"",
            "invalid type: string \"hi\", expected struct ChatRequest",
        ),
        (
            r#"{"messages":[{"role":"user","content":"hi"}]}"#,
            "missing field `model`",
        ),
        (r#"{"model":"m","messages":[],"n":2}"#, "unknown field `n`"),
        (
            r#"{"model":"m","messages":[{"role":"bot","content":"hi"}]}"#,
            "unknown variant `bot`",
        ),
        // A value of the wrong type: serde (core's `ChatRequest::from_json`) gives its position,
        // not the field's name.
        (
            r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":-1}"#,
            "invalid value: integer `-1`, expected u32 at line 1 column 72",
        ),
        (
            r#"{"model":"m","messages":[]}"#,
            "messages: must not be empty",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":1.5}"#,
            "temperature: 1.5 is outside the range anthropic accepts (0 to 1)",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"auto"}"#,
            "tool_choice: set, but no tools are defined",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":[{"type":"image","media_type":"image/png","data":"AAAA"}]},{"role":"system","content":[{"type":"image","media_type":"image/png","data":"AAAA"}]}]}"#,
            "messages[1].content[0]",
        ),
    ];
    for (body, needle) in cases {
        let got = answer(&server, "POST", &path, body).await;
        assert_error(&got, 400, "invalid_request", needle);
    }
    // The same request is valid for OpenAI, whose temperature goes to 2.
    let body = r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":1.5}"#;
    assert_eq!(
        answer(&server, "POST", &stream_path(Provider::OpenAi), body)
            .await
            .0,
        200
    );
    assert_eq!(probe.opened(), 1);
}

#[tokio::test]
async fn bodies_over_one_mib_are_413() {
    let (server, probe) = scripted_gateway().await;
    let path = stream_path(Provider::Anthropic);
    // Declared too large: refused before reading.
    let mut tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: gw\r\ncontent-length: {}\r\n\r\n",
        MAX_REQUEST_BODY + 1
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = within(tcp.read(&mut buf)).await.unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("request_too_large"), "{text}");

    // Chunked, with no length: refused when the limit is crossed.
    let padding = " ".repeat(MAX_REQUEST_BODY);
    let body = format!("{}{padding}", chat("m"));
    let got = answer(&server, "POST", &path, &body).await;
    assert_error(&got, 413, "request_too_large", "larger than 1048576 bytes");

    // Exactly the limit is accepted.
    let small = chat("m");
    let body = format!("{small}{}", " ".repeat(MAX_REQUEST_BODY - small.len()));
    assert_eq!(answer(&server, "POST", &path, &body).await.0, 200);
    assert_eq!(probe.opened(), 1);
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_408() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![stop(Provider::Anthropic)]));
    let server = start(Gateway::new(upstream).body_read_timeout(Duration::from_millis(300))).await;
    let mut tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let head = "POST /v1/chat/stream/anthropic HTTP/1.1\r\nhost: gw\r\ncontent-length: 100\r\n\r\n{\"model\":";
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = within(tcp.read(&mut buf)).await.unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains(r#""type":"request_timeout""#), "{text}");
    assert_eq!(probe.opened(), 0);
}

/// A gateway calling `mock` through a real HTTP client, with `key`.
async fn via(mock: &MockServer, key: Option<&str>) -> GatewayServer {
    start(Gateway::new(ViaMock::new(mock, key))).await
}

async fn ask(server: &GatewayServer, provider: Provider) -> (u16, http::HeaderMap, String) {
    answer(server, "POST", &stream_path(provider), &chat("model-1")).await
}

#[tokio::test]
async fn provider_failures_before_the_stream() {
    let text = |p| fixture(p, "text");

    // No key: 503, naming the variable to set.
    let mock = MockProvider::new(Provider::Gemini, text(Provider::Gemini))
        .start()
        .await
        .unwrap();
    let got = ask(&via(&mock, None).await, Provider::Gemini).await;
    assert_error(
        &got,
        503,
        "provider_not_configured",
        "no Gemini API key: set GEMINI_API_KEY or GOOGLE_API_KEY",
    );
    assert_eq!(mock.requests().len(), 0);

    // The provider refuses the key: 502.
    let mock = MockProvider::new(Provider::Anthropic, text(Provider::Anthropic))
        .require_api_key("sk-right")
        .start()
        .await
        .unwrap();
    let got = ask(&via(&mock, Some("sk-wrong")).await, Provider::Anthropic).await;
    assert_error(
        &got,
        502,
        "upstream_auth_error",
        "Anthropic rejected the API key: HTTP 401 authentication_error: invalid x-api-key",
    );
    assert!(!got.2.contains("sk-wrong") && !got.2.contains("sk-right"));

    // Rate limited after the retries: 429 with the provider's Retry-After.
    let mock = MockProvider::new(Provider::OpenAi, text(Provider::OpenAi))
        .fail_first(1, 429)
        .retry_after(7)
        .start()
        .await
        .unwrap();
    let got = ask(&via(&mock, Some("sk-test")).await, Provider::OpenAi).await;
    assert_error(&got, 429, "rate_limited", "OpenAI: HTTP 429");
    assert_eq!(got.1["retry-after"], "7");

    // Overloaded: 503.
    let mock = MockProvider::new(Provider::Anthropic, text(Provider::Anthropic))
        .fail_first(1, 529)
        .start()
        .await
        .unwrap();
    let got = ask(&via(&mock, Some("sk-test")).await, Provider::Anthropic).await;
    assert_error(
        &got,
        503,
        "upstream_unavailable",
        "Anthropic: HTTP 529 overloaded_error: Overloaded",
    );
    assert!(!got.1.contains_key("retry-after"));

    // The provider refuses the request: its status, its message.
    let mock = MockProvider::new(Provider::Gemini, text(Provider::Gemini))
        .fail_first(1, 400)
        .error_message("model-1 is not a model")
        .start()
        .await
        .unwrap();
    let got = ask(&via(&mock, Some("AIza-test")).await, Provider::Gemini).await;
    assert_error(&got, 400, "upstream_rejected", "model-1 is not a model");

    // Unreachable: 502.
    let mock = MockProvider::new(Provider::OpenAi, text(Provider::OpenAi))
        .start()
        .await
        .unwrap();
    let gateway = Gateway::new(ViaMock::new(&mock, Some("sk-test")));
    drop(mock);
    let server = start(gateway).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let got = ask(&server, Provider::OpenAi).await;
    assert_error(
        &got,
        502,
        "upstream_connection_error",
        "OpenAI: connection failed",
    );
}

#[tokio::test]
async fn every_provider_error_maps_through_the_seam() {
    let missing_key = ProviderError::Auth(ProviderAuthError {
        provider: Provider::OpenAi,
        reason: AuthFailure::MissingKey,
    });
    let cases = [
        (missing_key, 503, "provider_not_configured"),
        (
            ProviderError::NotEventStream {
                status: 200,
                content_type: Some("text/html".into()),
            },
            502,
            "upstream_invalid_response",
        ),
        (
            ProviderError::InvalidBaseUrl {
                url: "ftp://user:hunter2@host".into(),
                reason: "it must start with http:// or https://".into(),
            },
            503,
            "provider_not_configured",
        ),
    ];
    for (error, status, error_type) in cases {
        let (upstream, _) = Scripted::new(Plan::Fail(error.clone()));
        let server = start(Gateway::new(upstream)).await;
        let got = ask(&server, Provider::OpenAi).await;
        assert_error(&got, status, error_type, "");
        assert!(!got.2.contains("hunter2"), "{}", got.2);
    }
}

#[tokio::test]
async fn errors_after_the_stream_started_are_terminal_frames() {
    // The provider cuts the connection mid-stream.
    let recording = fixture(Provider::Anthropic, "text");
    let mock = MockProvider::new(Provider::Anthropic, recording.clone())
        .cut_after(recording.len() / 2)
        .start()
        .await
        .unwrap();
    let got = ask(&via(&mock, Some("sk-test")).await, Provider::Anthropic).await;
    assert_eq!(got.0, 200);
    let (body, terminal) = split_terminal(&got.2);
    assert!(
        body.starts_with("data: {\"token\":\"Server-sent events\""),
        "{body}"
    );
    let terminal: serde_json::Value = serde_json::from_str(terminal).unwrap();
    assert_eq!(terminal["finish_reason"], "error");
    assert_eq!(terminal["error"]["type"], "connection_error");
    assert_eq!(terminal["id"], "msg_01XFDUDYJgAACzvnptvVoYEL");

    // An upstream error chunk after some tokens.
    let error = StreamError::new(
        StreamErrorKind::Provider("overloaded_error".into()),
        "Overloaded",
    );
    let (upstream, _) = Scripted::new(Plan::Steps(vec![
        token("partial"),
        Step::Chunk(done(Provider::Anthropic, Err(error))),
    ]));
    let got = ask(&start(Gateway::new(upstream)).await, Provider::Anthropic).await;
    assert_eq!(
        got.2,
        concat!(
            "data: {\"token\":\"partial\",\"done\":false}\n\n",
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"anthropic\",\"id\":\"msg_test\",\"model\":\"test-model\",",
            "\"finish_reason\":\"error\",\"usage\":{\"input_tokens\":11,\"output_tokens\":7},",
            "\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
            "data: [DONE]\n\n",
        )
    );

    // An upstream that ends without a terminal chunk: the gateway ends it.
    let (upstream, _) = Scripted::new(Plan::Steps(vec![token("cut")]));
    let got = ask(&start(Gateway::new(upstream)).await, Provider::Gemini).await;
    assert_eq!(
        got.2,
        concat!(
            "data: {\"token\":\"cut\",\"done\":false}\n\n",
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"finish_reason\":\"error\",",
            "\"error\":{\"type\":\"incomplete_stream\",\"message\":\"the upstream stream ended without a terminal chunk\"}}\n\n",
            "data: [DONE]\n\n",
        )
    );
}

/// The frames before the terminal frame, and the terminal frame's JSON; checks `[DONE]` last.
fn split_terminal(body: &str) -> (&str, &str) {
    let body = body
        .strip_suffix("data: [DONE]\n\n")
        .expect("ends with [DONE]");
    let body = body.strip_suffix("\n\n").unwrap();
    let at = body.rfind("data: ").unwrap();
    (&body[..at], &body[at + "data: ".len()..])
}
