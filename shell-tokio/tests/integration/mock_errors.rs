//! The mock's refusals and injected failures: each in the provider's own error body shape.

use crate::mock_support;

use http::StatusCode;
use llm_sse_tokio::core::{ApiError, Provider};
use llm_sse_tokio::mock::{MockError, MockProvider};
use mock_support::*;

/// The credentials header a client of `provider` sends with `key`.
fn credentials(provider: Provider, key: &str) -> (&'static str, String) {
    match provider {
        Provider::Anthropic => ("x-api-key", key.to_owned()),
        Provider::OpenAi | Provider::Vertex => ("authorization", format!("Bearer {key}")),
        Provider::Gemini => ("x-goog-api-key", key.to_owned()),
        _ => unreachable!("{provider} takes no key in a header"),
    }
}

/// The error type of an answer: AWS's `x-amzn-errortype` header for Bedrock, else the body's.
fn error_type(provider: Provider, status: u16, headers: &http::HeaderMap, body: &[u8]) -> String {
    match provider {
        Provider::Bedrock => headers["x-amzn-errortype"].to_str().unwrap().to_owned(),
        _ => ApiError::parse(provider, status, body).error_type,
    }
}

/// Posts to `uri` on a fresh connection; returns the status, the headers and the body.
async fn fetch(
    addr: std::net::SocketAddr,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, http::HeaderMap, bytes::Bytes) {
    let response = send(addr, post(addr, uri, headers, "{}")).await;
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, body(response).await.unwrap())
}

#[tokio::test]
async fn fail_first_with_retry_after_then_success_per_provider() {
    for (provider, expected_type) in [
        (Provider::Anthropic, "rate_limit_error"),
        (Provider::OpenAi, "requests"),
        (Provider::Gemini, "RESOURCE_EXHAUSTED"),
        (Provider::Bedrock, "ThrottlingException"),
        (Provider::Vertex, "RESOURCE_EXHAUSTED"),
    ] {
        let recording = fixture(provider, "text");
        let server = MockProvider::new(provider, recording.clone())
            .fail_first(1, 429)
            .retry_after(1)
            .start()
            .await
            .unwrap();

        let (status, headers, body) = fetch(server.addr(), endpoint(provider), &[]).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{provider}");
        assert_eq!(headers["retry-after"], "1", "{provider}");
        assert_eq!(headers["content-type"], "application/json", "{provider}");
        assert_eq!(
            body,
            ApiError::for_status(provider, 429).to_body(provider),
            "{provider}"
        );
        assert_eq!(
            error_type(provider, 429, &headers, &body),
            expected_type,
            "{provider}"
        );

        let (status, headers, body) = fetch(server.addr(), endpoint(provider), &[]).await;
        assert_eq!(status, StatusCode::OK, "{provider}");
        assert!(!headers.contains_key("retry-after"));
        assert_eq!(body, recording, "{provider}");

        assert_eq!(server.attempts(), 2);
        let statuses: Vec<_> = server
            .requests()
            .iter()
            .map(|r| r.status.as_u16())
            .collect();
        assert_eq!(statuses, [429, 200]);
    }
}

#[tokio::test]
async fn overloaded_twice_then_success() {
    let recording = fixture(Provider::Anthropic, "text");
    let server = MockProvider::new(Provider::Anthropic, recording.clone())
        .fail_first(2, 529)
        .start()
        .await
        .unwrap();
    for _ in 0..2 {
        let (status, headers, body) = fetch(server.addr(), "/v1/messages", &[]).await;
        assert_eq!(status.as_u16(), 529);
        assert!(
            !headers.contains_key("retry-after"),
            "none unless configured"
        );
        assert_eq!(
            body,
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
        );
    }
    let (status, _, body) = fetch(server.addr(), "/v1/messages", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, recording);
    assert_eq!(server.attempts(), 3);
}

#[tokio::test]
async fn the_configured_message_surfaces_in_each_shape() {
    let message = "max_tokens: Field required";
    for (provider, expected) in [
        (
            Provider::Anthropic,
            r#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}"#,
        ),
        (
            Provider::OpenAi,
            r#"{"error":{"message":"max_tokens: Field required","type":"invalid_request_error","param":null,"code":null}}"#,
        ),
        (
            Provider::Gemini,
            r#"{"error":{"code":400,"message":"max_tokens: Field required","status":"INVALID_ARGUMENT"}}"#,
        ),
        // The type in `x-amzn-errortype`: ValidationException.
        (
            Provider::Bedrock,
            r#"{"message":"max_tokens: Field required"}"#,
        ),
        (
            Provider::Vertex,
            r#"{"error":{"code":400,"message":"max_tokens: Field required","status":"INVALID_ARGUMENT"}}"#,
        ),
    ] {
        let server = MockProvider::new(provider, fixture(provider, "text"))
            .fail_first(usize::MAX, 400)
            .error_message(message)
            .start()
            .await
            .unwrap();
        let (status, headers, body) = fetch(server.addr(), endpoint(provider), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, expected, "{provider}");
        if provider == Provider::Bedrock {
            assert_eq!(headers["x-amzn-errortype"], "ValidationException");
        }
        assert_eq!(ApiError::parse(provider, 400, &body).message, message);
    }
}

#[tokio::test]
async fn other_paths_are_404_and_other_methods_405_in_the_provider_shape() {
    for (provider, not_found_type) in [
        (Provider::Anthropic, "not_found_error"),
        (Provider::OpenAi, "invalid_request_error"),
        (Provider::Gemini, "NOT_FOUND"),
        (Provider::Bedrock, "ResourceNotFoundException"),
        (Provider::Vertex, "NOT_FOUND"),
    ] {
        let server = MockProvider::new(provider, fixture(provider, "text"))
            .start()
            .await
            .unwrap();
        for uri in [
            "/",
            "/v1/complete",
            "/v1/messages/x",
            "/v1beta/models/m:generateContent",
        ] {
            let (status, headers, body) = fetch(server.addr(), uri, &[]).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{provider} {uri}");
            assert_eq!(headers["content-type"], "application/json");
            let error = ApiError::parse(provider, 404, &body);
            assert_eq!(
                error_type(provider, 404, &headers, &body),
                not_found_type,
                "{provider} {uri}"
            );
            assert_eq!(
                body,
                error.to_body(provider),
                "{provider} {uri}: exactly the shape"
            );
            assert!(error.message.contains(uri), "{provider}: {}", error.message);
        }

        let path = endpoint(provider).split('?').next().unwrap();
        let request = http::Request::get(format!("http://{}{}", server.addr(), endpoint(provider)))
            .header("host", "mock")
            .body(http_body_util::Full::default())
            .unwrap();
        let response = send(server.addr(), request).await;
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{provider}"
        );
        assert_eq!(response.headers()["allow"], "POST");
        let error = ApiError::parse(provider, 405, &body(response).await.unwrap());
        assert!(
            error.message.contains("GET"),
            "{provider} {path}: {}",
            error.message
        );
        // Refusals are not attempts.
        assert_eq!(server.attempts(), 0);
        assert!(server.requests().iter().all(|r| r.attempt.is_none()));
    }
}

#[tokio::test]
async fn a_required_api_key_is_checked_in_the_provider_header() {
    for (provider, auth_type) in [
        (Provider::Anthropic, "authentication_error"),
        (Provider::OpenAi, "invalid_request_error"),
        (Provider::Gemini, "UNAUTHENTICATED"),
        (Provider::Vertex, "UNAUTHENTICATED"),
    ] {
        let recording = fixture(provider, "text");
        let server = MockProvider::new(provider, recording.clone())
            .require_api_key("sk-right")
            .fail_first(1, 503)
            .start()
            .await
            .unwrap();
        let (name, wrong) = credentials(provider, "sk-wrong");
        let (_, right) = credentials(provider, "sk-right");

        for headers in [&[][..], &[(name, wrong.as_str())][..]] {
            let (status, _, body) = fetch(server.addr(), endpoint(provider), headers).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{provider} {headers:?}");
            let error = ApiError::parse(provider, 401, &body);
            assert_eq!(error.error_type, auth_type, "{provider}");
            assert_eq!(
                body,
                error.to_body(provider),
                "{provider}: exactly the shape"
            );
            if provider == Provider::OpenAi {
                assert_eq!(error.code.as_deref(), Some("invalid_api_key"));
            }
        }
        // 401s are not attempts: the first authorized request gets the injected 503.
        assert_eq!(server.attempts(), 0);
        let (status, _, _) = fetch(server.addr(), endpoint(provider), &[(name, &right)]).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{provider}");
        let (status, _, body) = fetch(server.addr(), endpoint(provider), &[(name, &right)]).await;
        assert_eq!(status, StatusCode::OK, "{provider}");
        assert_eq!(body, recording);
        assert_eq!(server.attempts(), 2);
    }
}

#[tokio::test]
async fn gemini_takes_the_key_in_the_query_too() {
    let server = MockProvider::new(Provider::Gemini, fixture(Provider::Gemini, "text"))
        .require_api_key("AIza-right")
        .start()
        .await
        .unwrap();
    let base = "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse";
    let (status, _, _) = fetch(server.addr(), &format!("{base}&key=AIza-right"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = fetch(server.addr(), &format!("{base}&key=AIza-wrong"), &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn gemini_without_alt_sse_is_a_400() {
    let server = MockProvider::new(Provider::Gemini, fixture(Provider::Gemini, "text"))
        .start()
        .await
        .unwrap();
    let (status, _, body) = fetch(
        server.addr(),
        "/v1beta/models/gemini-2.5-pro:streamGenerateContent",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = ApiError::parse(Provider::Gemini, 400, &body);
    assert_eq!(error.error_type, "INVALID_ARGUMENT");
    assert!(error.message.contains("alt=sse"), "{}", error.message);
}

#[tokio::test]
async fn invalid_configurations_do_not_start() {
    let mock = || MockProvider::new(Provider::Anthropic, "data: x\n\n");
    assert!(matches!(
        mock().fail_first(1, 200).start().await,
        Err(MockError::InvalidStatus(200))
    ));
    assert!(matches!(
        mock().fail_first(1, 600).start().await,
        Err(MockError::InvalidStatus(600))
    ));
    assert!(matches!(
        mock().chunk_size(0).start().await,
        Err(MockError::ZeroChunkSize)
    ));
    let taken = mock().start().await.unwrap();
    let error = mock().addr(taken.addr()).start().await.unwrap_err();
    assert!(matches!(error, MockError::Bind { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot listen on {}: ", taken.addr())),
        "{error}"
    );
}

#[test]
fn starting_outside_a_runtime_is_an_error_not_a_panic() {
    let start = MockProvider::new(Provider::OpenAi, "").start();
    // Poll it once with a no-op waker, outside any Tokio runtime.
    let mut start = std::pin::pin!(start);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match start.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Err(MockError::NoRuntime)) => {}
        other => panic!("expected NoRuntime, got {other:?}"),
    }
}
