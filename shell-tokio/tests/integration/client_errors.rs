//! Failures before the stream starts: which are retried and how long the client waits, and the
//! typed error each one ends in (with the provider's own message).

use crate::client_support;
use crate::mock_support;

use std::time::Duration;

use client_support::*;
use llm_sse_tokio::core::ApiError;
use llm_sse_tokio::core::retry::RetryPolicy;
use llm_sse_tokio::mock::MockProvider;
use llm_sse_tokio::{
    AuthFailure, ChatRequest, Provider, ProviderAuthError, ProviderError, Settings,
};
use mock_support::{fixture, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// The spec's tolerance on waits.
const SLACK: Duration = Duration::from_millis(200);

#[tokio::test]
async fn a_429_with_retry_after_is_retried_after_that_wait() {
    let server = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .fail_first(1, 429)
        .retry_after(1)
        .start()
        .await
        .unwrap();
    // The default policy: its backoff would be at most 0.5 s, so a wait of 1 s is retry-after's.
    let settings = settings(&server).with_retry(RetryPolicy::DEFAULT);
    let client = client_with(settings);
    let mut stream = within(client.stream(Provider::Anthropic, hello(Provider::Anthropic)))
        .await
        .unwrap();
    assert_eq!(stream.retries(), 1);
    let chunks = collect(&mut stream).await;
    assert_eq!(
        frames(&chunks),
        std::fs::read(mock_support::fixtures_dir(Provider::Anthropic).join("text.frames")).unwrap()
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].status.as_u16(), 429);
    assert_eq!(requests[1].status.as_u16(), 200);
    let waited = requests[1].received_at - requests[0].received_at;
    assert!(
        waited >= Duration::from_secs(1) && waited <= Duration::from_secs(1) + SLACK,
        "waited {waited:?}"
    );
}

#[tokio::test]
async fn a_529_twice_then_success_streams_after_two_retries() {
    let server = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .fail_first(2, 529)
        .start()
        .await
        .unwrap();
    let client = client(&server);
    let mut stream = within(client.stream(Provider::Anthropic, hello(Provider::Anthropic)))
        .await
        .unwrap();
    assert_eq!(stream.retries(), 2);
    let chunks = collect(&mut stream).await;
    assert!(terminal_error(&chunks).is_none());
    assert!(text(&chunks).starts_with("Server-sent events"));
    let statuses: Vec<u16> = server
        .requests()
        .iter()
        .map(|r| r.status.as_u16())
        .collect();
    assert_eq!(statuses, [529, 529, 200]);
    // Every attempt sends the same request.
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.body == requests[0].body));
}

#[tokio::test]
async fn overload_past_the_retries_is_unavailable_with_the_providers_error() {
    let server = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .fail_first(10, 529)
        .start()
        .await
        .unwrap();
    let error = within(client(&server).stream(Provider::Anthropic, hello(Provider::Anthropic)))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ProviderError::Unavailable(ApiError::new(Provider::Anthropic, 529, "Overloaded"))
    );
    assert_eq!(server.attempts(), 3, "the first attempt and 2 retries");
}

#[tokio::test]
async fn a_rate_limit_past_the_retries_carries_the_providers_retry_after() {
    let server = MockProvider::new(Provider::OpenAi, fixture(Provider::OpenAi, "text"))
        .fail_first(10, 429)
        .retry_after(7)
        .error_message("Rate limit reached for gpt-4.1-mini")
        .start()
        .await
        .unwrap();
    let settings = settings(&server).with_retry(RetryPolicy::NEVER);
    let error = within(client_with(settings).stream(Provider::OpenAi, hello(Provider::OpenAi)))
        .await
        .unwrap_err();
    let ProviderError::RateLimited { error, retry_after } = error else {
        panic!("{error:?}");
    };
    assert_eq!(retry_after, Some(Duration::from_secs(7)));
    assert_eq!(error.status, 429);
    assert_eq!(error.message, "Rate limit reached for gpt-4.1-mini");
    assert_eq!(server.attempts(), 1);
}

#[tokio::test]
async fn a_401_is_an_auth_error_with_the_providers_message_and_is_not_retried() {
    for (provider, message) in [
        (Provider::Anthropic, "invalid x-api-key"),
        (Provider::OpenAi, "Incorrect API key provided."),
        (
            Provider::Gemini,
            "API key not valid. Please pass a valid API key.",
        ),
    ] {
        let server = MockProvider::new(provider, fixture(provider, "text"))
            .require_api_key("the-right-key")
            .start()
            .await
            .unwrap();
        let error = within(client(&server).stream(provider, hello(provider)))
            .await
            .unwrap_err();
        assert_eq!(
            error,
            ProviderError::Auth(ProviderAuthError {
                provider,
                reason: AuthFailure::Rejected(ApiError::new(provider, 401, message)),
            })
        );
        assert_eq!(server.requests().len(), 1, "{provider}: not retried");
        let shown = error.to_string();
        assert!(shown.contains("401") && shown.contains(message), "{shown}");
    }
}

#[tokio::test]
async fn a_400_surfaces_the_providers_message_and_is_not_retried() {
    let message = "messages.0.content: Input should be a valid list";
    let server = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .fail_first(1, 400)
        .error_message(message)
        .start()
        .await
        .unwrap();
    let error = within(client(&server).stream(Provider::Anthropic, hello(Provider::Anthropic)))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ProviderError::Rejected(ApiError::new(Provider::Anthropic, 400, message))
    );
    assert_eq!(
        error.to_string(),
        format!("the provider refused the request: HTTP 400 invalid_request_error: {message}")
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_missing_key_names_the_variable_and_sends_nothing() {
    for (provider, variables) in [
        (Provider::Anthropic, "ANTHROPIC_API_KEY"),
        (Provider::OpenAi, "OPENAI_API_KEY"),
        (Provider::Gemini, "GEMINI_API_KEY or GOOGLE_API_KEY"),
    ] {
        let server = MockProvider::new(provider, fixture(provider, "text"))
            .start()
            .await
            .unwrap();
        let settings = Settings::new().with_base_url(provider, server.base_url());
        let error = client_with(settings)
            .stream(provider, hello(provider))
            .await
            .unwrap_err();
        assert_eq!(
            error,
            ProviderError::Auth(ProviderAuthError {
                provider,
                reason: AuthFailure::MissingKey
            })
        );
        assert_eq!(
            error.to_string(),
            format!("no {} API key: set {variables}", provider.display_name())
        );
        assert!(server.connections().is_empty());
    }
}

#[tokio::test]
async fn an_invalid_request_is_refused_before_connecting() {
    let server = MockProvider::new(Provider::OpenAi, fixture(Provider::OpenAi, "text"))
        .start()
        .await
        .unwrap();
    let request = ChatRequest::new("gpt-4.1-mini", Vec::new());
    let error = client(&server)
        .stream(Provider::OpenAi, request)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::InvalidRequest(_)),
        "{error:?}"
    );
    assert!(server.connections().is_empty());
}

#[tokio::test]
async fn a_base_url_that_is_not_http_is_refused() {
    let settings = settings_for(Provider::Anthropic, "ftp://127.0.0.1:9");
    let error = client_with(settings)
        .stream(Provider::Anthropic, hello(Provider::Anthropic))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ProviderError::InvalidBaseUrl { url, .. } if url == "ftp://127.0.0.1:9"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_a_connection_error() {
    // A port nobody listens on: bind one, note it, close it.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let settings = settings_for(Provider::Anthropic, &format!("http://127.0.0.1:{port}"));
    let started = Instant::now();
    let error =
        within(client_with(settings).stream(Provider::Anthropic, hello(Provider::Anthropic)))
            .await
            .unwrap_err();
    let ProviderError::Connection { message } = &error else {
        panic!("{error:?}");
    };
    assert!(
        message.starts_with(&format!("127.0.0.1:{port}: ")),
        "{message}"
    );
    // Two backoffs of 10 to 20 ms happened.
    assert!(started.elapsed() >= Duration::from_millis(15));
}

/// A server that accepts connections, reads, and never answers; counts the connections.
async fn silent_server() -> (std::net::SocketAddr, tokio::sync::watch::Receiver<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (count_tx, count_rx) = tokio::sync::watch::channel(0);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count_tx.send_modify(|n| *n += 1);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    (addr, count_rx)
}

#[tokio::test]
async fn no_response_headers_within_the_timeout_is_a_connection_failure() {
    let (addr, connections) = silent_server().await;
    let timeout = Duration::from_millis(300);
    let settings = settings_for(Provider::Gemini, &format!("http://{addr}"))
        .with_response_timeout(timeout)
        .with_retry(fast_retries(1));
    let started = Instant::now();
    let error = within(client_with(settings).stream(Provider::Gemini, hello(Provider::Gemini)))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(
        error,
        ProviderError::Connection {
            message: format!("{addr}: no response within 0.3 s (the response timeout)")
        }
    );
    // Two attempts of 300 ms each, and a backoff of 10 to 20 ms.
    assert!(
        elapsed >= 2 * timeout && elapsed <= 2 * timeout + SLACK,
        "{elapsed:?}"
    );
    assert_eq!(
        *connections.borrow(),
        2,
        "a timed-out connection is not reused"
    );
}

/// A server that answers every request with `response` and closes.
async fn fixed_server(response: &'static str) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                // Read the head and the body (its length is in the head; a few KiB at most).
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                    if let Some(head_end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&got[..head_end]).to_ascii_lowercase();
                        let length: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        if got.len() >= head_end + 4 + length {
                            break;
                        }
                    }
                }
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_200_that_is_not_an_event_stream_is_refused_without_retrying() {
    let addr = fixed_server(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
    )
    .await;
    let settings = settings_for(Provider::OpenAi, &format!("http://{addr}/v1"));
    let error = within(client_with(settings).stream(Provider::OpenAi, hello(Provider::OpenAi)))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ProviderError::NotEventStream {
            status: 200,
            content_type: Some("application/json".into())
        }
    );
}

#[tokio::test]
async fn an_error_answer_that_is_not_json_keeps_an_excerpt_and_the_status() {
    let addr = fixed_server(
        "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: 24\r\nconnection: close\r\n\r\n<html>Bad Gateway</html>",
    )
    .await;
    let settings =
        settings_for(Provider::OpenAi, &format!("http://{addr}/v1")).with_retry(RetryPolicy::NEVER);
    let error = within(client_with(settings).stream(Provider::OpenAi, hello(Provider::OpenAi)))
        .await
        .unwrap_err();
    let ProviderError::Unavailable(api) = error else {
        panic!("{error:?}");
    };
    assert_eq!(
        (api.status, api.message.as_str()),
        (502, "<html>Bad Gateway</html>")
    );
}
