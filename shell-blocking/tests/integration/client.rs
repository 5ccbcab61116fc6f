//! The blocking client against the mock provider (started by each test on 127.0.0.1, port 0):
//! a normal stream per provider, retries, errors before the first byte, and after it a cut, a
//! stall and a dropped iterator.

use crate::support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use llm_sse_blocking::core::request::{self, ChatMessage, ChatRequest};
use llm_sse_blocking::core::{ApiError, Normalizer, Provider, StreamChunk};
use llm_sse_blocking::{
    AnthropicStreamAdapter, AuthFailure, ChunkStream, Client, GeminiStreamAdapter,
    OpenAiStreamAdapter, ProviderAuthError, ProviderError, Settings,
};
use llm_sse_tokio::mock::MockProvider;
use support::*;

fn model(provider: Provider) -> &'static str {
    match provider {
        Provider::Anthropic => "claude-sonnet-4-5",
        Provider::OpenAi => "gpt-4o",
        Provider::Gemini => "gemini-2.5-flash",
        Provider::Bedrock => "anthropic.claude-sonnet-4-5-20250929-v1:0",
        Provider::Vertex => "claude-sonnet-4-5@20250929",
        _ => unreachable!("a provider the tests do not know"),
    }
}

fn question() -> Vec<ChatMessage> {
    vec![
        ChatMessage::system("You are terse."),
        ChatMessage::user("What are server-sent events?"),
    ]
}

/// Streams [`question`] through `provider`'s adapter, as an application would.
fn stream_chat(client: Client, provider: Provider) -> Result<ChunkStream, ProviderError> {
    let (messages, model) = (question(), model(provider));
    match provider {
        Provider::Anthropic => {
            AnthropicStreamAdapter::with_client(client).stream_chat(messages, model, 0.5)
        }
        Provider::OpenAi => {
            OpenAiStreamAdapter::with_client(client).stream_chat(messages, model, 0.5)
        }
        Provider::Gemini => {
            GeminiStreamAdapter::with_client(client).stream_chat(messages, model, 0.5)
        }
        // No adapter of their own: the client's call.
        _ => client.stream_chat(provider, messages, model, 0.5),
    }
}

/// The request [`stream_chat`] sends, as the core builds it.
fn expected_request(provider: Provider) -> request::HttpRequest {
    let chat = ChatRequest::new(model(provider), question()).with_temperature(0.5);
    request::build(provider, &chat, Some(KEY)).unwrap()
}

#[test]
fn each_provider_streams_its_recording_exactly() {
    for provider in Provider::ALL {
        let mock = Mock::start(requiring(
            MockProvider::new(provider, recording(provider, "text")),
            provider,
            KEY,
        ));
        let stream = stream_chat(mock.client(mock.settings()), provider).unwrap();
        assert_eq!((stream.provider(), stream.retries()), (provider, 0));
        let chunks: Vec<StreamChunk> = stream.collect();
        assert_eq!(
            String::from_utf8(frames(&chunks)).unwrap(),
            String::from_utf8(golden_frames(provider, "text")).unwrap(),
            "{provider}"
        );
        assert_eq!(error_type(chunks.last().unwrap()), None);

        // The request is exactly the core's: method, path, every header, the JSON body.
        let sent = mock.server().requests();
        assert_eq!(sent.len(), 1, "{provider}");
        let expected = expected_request(provider);
        assert_eq!(sent[0].method.as_str(), expected.method.as_str());
        let url = format!("http://{}{}", mock.server().addr(), sent[0].uri);
        // Vertex AI's base URL holds the project and location the settings name.
        let base = mock.settings().base_url(provider).to_owned();
        assert_eq!(url, expected.url(&base), "{provider}");
        for (name, value) in &expected.headers {
            assert_eq!(sent[0].header(name), Some(value), "{provider}: {name}");
        }
        assert_eq!(sent[0].json().unwrap(), expected.body, "{provider}");
    }
}

#[test]
fn a_retry_waits_what_retry_after_asks_then_streams() {
    let provider = Provider::Anthropic;
    let mock = Mock::start(
        MockProvider::new(provider, recording(provider, "text"))
            .fail_first(1, 529)
            .retry_after(1)
            .require_api_key(KEY),
    );
    let settings = mock.settings().with_retry(quick_retries(2));
    let started = Instant::now();
    let stream = stream_chat(mock.client(settings), provider).unwrap();
    let waited = started.elapsed();
    // The backoff alone would have waited 5 ms: the second attempt waited for `retry-after: 1`.
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    assert_eq!(stream.retries(), 1);
    let chunks: Vec<_> = stream.collect();
    assert_eq!(frames(&chunks), golden_frames(provider, "text"));

    let sent = mock.server().requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        (sent[0].status.as_u16(), sent[1].status.as_u16()),
        (529, 200)
    );
    assert_eq!(sent[0].body, sent[1].body, "the same request, sent again");
    let gap = sent[1].received_at - sent[0].received_at;
    assert!(gap >= Duration::from_secs(1), "{gap:?}");
}

#[test]
fn server_errors_are_retried_per_the_policy_and_the_last_one_is_returned() {
    let provider = Provider::OpenAi;
    let mock = Mock::start(
        MockProvider::new(provider, recording(provider, "text"))
            .fail_first(2, 500)
            .require_api_key(KEY),
    );
    let stream = stream_chat(
        mock.client(mock.settings().with_retry(quick_retries(2))),
        provider,
    )
    .unwrap();
    assert_eq!(stream.retries(), 2);
    assert_eq!(mock.server().attempts(), 3);
    drop(stream);

    let mock = Mock::start(
        MockProvider::new(provider, recording(provider, "text"))
            .fail_first(3, 503)
            .error_message("The engine is currently overloaded")
            .require_api_key(KEY),
    );
    let error = stream_chat(
        mock.client(mock.settings().with_retry(quick_retries(2))),
        provider,
    )
    .unwrap_err();
    let ProviderError::Unavailable(api) = &error else {
        panic!("expected Unavailable, got {error:?}")
    };
    assert_eq!(
        api,
        &ApiError::new(provider, 503, "The engine is currently overloaded")
    );
    assert_eq!(mock.server().attempts(), 3, "1 attempt + 2 retries");
}

#[test]
fn a_rate_limit_without_retries_left_says_how_long_to_wait() {
    let provider = Provider::Gemini;
    let mock = Mock::start(
        MockProvider::new(provider, recording(provider, "text"))
            .fail_first(1, 429)
            .retry_after(7)
            .require_api_key(KEY),
    );
    let error = stream_chat(mock.client(mock.settings()), provider).unwrap_err();
    assert_eq!(
        error,
        ProviderError::RateLimited {
            error: ApiError::for_status(provider, 429),
            retry_after: Some(Duration::from_secs(7)),
        }
    );
    assert_eq!(mock.server().attempts(), 1);
}

#[test]
fn a_refused_key_is_not_retried_and_never_shown() {
    let wrong = "sk-wrong-SECRET-9f8e7d6c5b4a";
    for provider in Provider::ALL {
        let mock = Mock::start(requiring(
            MockProvider::new(provider, recording(provider, "text")),
            provider,
            KEY,
        ));
        // The default policy retries twice; an auth error must not be retried at all.
        let settings = llm_sse_tests::cloud::with_key(mock.settings(), provider, wrong)
            .with_retry(Default::default());
        let error = stream_chat(mock.client(settings), provider).unwrap_err();
        let ProviderError::Auth(ProviderAuthError {
            provider: refused_by,
            reason: AuthFailure::Rejected(api),
        }) = &error
        else {
            panic!("{provider}: expected a rejected key, got {error:?}")
        };
        // AWS refuses a signature with 403 (the mock's verification: another secret signed).
        let status = if provider == Provider::Bedrock {
            403
        } else {
            401
        };
        assert_eq!((*refused_by, api.status), (provider, status));
        assert_eq!(mock.server().requests().len(), 1, "{provider}: not retried");
        // The key was sent (Bedrock's secret only signs: it is never sent), and appears in no
        // error text.
        let sent = &mock.server().requests()[0];
        assert_eq!(
            sent.headers
                .values()
                .any(|v| v.to_str().is_ok_and(|v| v.contains(wrong))),
            provider != Provider::Bedrock,
            "{provider}: the key was sent"
        );
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(!text.contains(wrong), "{provider}: {text}");
            assert!(!text.contains("SECRET"), "{provider}: {text}");
        }
    }
}

/// The same as `llm-sse-tokio`'s `client_secrets` test: the redaction lives in the core's `Call`,
/// so a provider (or a proxy) that echoes the key it refused cannot make either client show it.
#[test]
fn a_key_echoed_in_the_providers_answer_is_never_shown() {
    for provider in Provider::ALL {
        for status in [401, 400, 503] {
            let mock = Mock::start(
                MockProvider::new(provider, recording(provider, "text"))
                    .fail_first(1, status)
                    .error_message(format!("invalid x-api-key: {KEY}")),
            );
            let error = stream_chat(mock.client(mock.settings()), provider).unwrap_err();
            for text in [error.to_string(), format!("{error:?}")] {
                assert!(!text.contains(KEY), "{provider} {status}: {text}");
                assert!(text.contains("invalid x-api-key: <redacted>"), "{text}");
            }
        }
    }
}

/// The same as `llm-sse-tokio`'s: a `200` event stream whose connection closes before its first
/// byte has not started, so it is retried like a refused connection, as the policy allows.
#[test]
fn a_connection_cut_before_the_first_body_byte_is_retried() {
    let mock = Mock::start(
        MockProvider::new(Provider::Gemini, recording(Provider::Gemini, "text")).cut_after(0),
    );
    let settings = mock.settings().with_retry(quick_retries(2));
    let error = stream_chat(mock.client(settings), Provider::Gemini).unwrap_err();
    let ProviderError::Connection { message } = &error else {
        panic!("{error:?}");
    };
    assert!(
        message.contains("before the first byte of the stream"),
        "{message}"
    );
    assert_eq!(mock.server().attempts(), 3);
}

#[test]
fn a_missing_key_fails_before_any_request() {
    let provider = Provider::OpenAi;
    let mock = Mock::start(MockProvider::new(provider, recording(provider, "text")));
    let settings = Settings::new().with_base_url(provider, mock.server().base_url());
    let error = stream_chat(mock.client(settings), provider).unwrap_err();
    assert_eq!(error.to_string(), "no OpenAI API key: set OPENAI_API_KEY");
    assert!(mock.server().requests().is_empty());
}

#[test]
fn a_cut_mid_stream_ends_with_connection_error_and_keeps_the_tokens() {
    for provider in Provider::ALL {
        let text = recording(provider, "text");
        let cut = halfway(provider, &text);
        let mock = Mock::start(
            requiring(MockProvider::new(provider, text.clone()), provider, KEY).cut_after(cut),
        );
        let chunks: Vec<_> = stream_chat(mock.client(mock.settings()), provider)
            .unwrap()
            .collect();

        // What the core makes of the bytes that arrived, then a lost connection.
        let mut normalizer = Normalizer::new(provider);
        normalizer.feed(&text[..cut]);
        let expected: Vec<_> = std::iter::from_fn(|| normalizer.next_chunk()).collect();
        let (terminal, tokens) = chunks.split_last().unwrap();
        assert!(
            tokens.iter().any(|c| matches!(c, StreamChunk::Token(_))),
            "{provider}: the cut is past the first tokens"
        );
        assert_eq!(
            tokens,
            &expected[..],
            "{provider}: every token that arrived"
        );
        assert_eq!(
            error_type(terminal).as_deref(),
            Some("connection_error"),
            "{provider}: {terminal:?}"
        );
        let StreamChunk::Done(finish) = terminal else {
            unreachable!()
        };
        let complete = normalize(provider, &text);
        let Some(StreamChunk::Done(complete)) = complete.last() else {
            unreachable!()
        };
        assert_eq!(finish.id, complete.id, "{provider}: what was known is kept");
    }
}

#[test]
fn a_stall_ends_with_idle_timeout_after_the_idle_timeout() {
    const IDLE: Duration = Duration::from_millis(600);
    for provider in Provider::ALL {
        let text = recording(provider, "text");
        let mock = Mock::start(
            requiring(MockProvider::new(provider, text.clone()), provider, KEY)
                .stall_after(halfway(provider, &text)),
        );
        let settings = mock.settings().with_idle_timeout(IDLE);
        let client = mock.client(settings);
        // Bounded: without an idle timeout this would wait for the stalled mock forever.
        let (mut stream, terminal, tokens, last) = bounded(move || {
            let mut stream = stream_chat(client, provider).unwrap();
            let mut last = Instant::now();
            let mut tokens = 0;
            let terminal = loop {
                let chunk = stream.next().expect("a terminal chunk");
                if chunk.is_done() {
                    break chunk;
                }
                tokens += usize::from(matches!(chunk, StreamChunk::Token(_)));
                last = Instant::now();
            };
            (stream, terminal, tokens, last)
        });
        let silence = last.elapsed();
        eprintln!("{provider}: idle_timeout after {silence:?} of silence");
        assert!(tokens > 0, "{provider}");
        assert_eq!(error_type(&terminal).as_deref(), Some("idle_timeout"));
        let StreamChunk::Done(finish) = &terminal else {
            unreachable!()
        };
        assert_eq!(
            finish.error().unwrap().message,
            "no data from the provider for 0.6 s (the idle timeout)"
        );
        // The spec: within 200 ms of the setting.
        assert!(
            silence + Duration::from_millis(200) >= IDLE
                && silence <= IDLE + Duration::from_millis(200),
            "{provider}: the idle timeout fired after {silence:?}"
        );
        assert!(stream.next().is_none());
        // The stream is over, so the connection is closed.
        let connection = mock.server().requests()[0].connection;
        assert!(
            mock.wait(mock.server().wait_for_connection_close(connection))
                .is_some()
        );
    }
}

#[test]
fn a_slow_stream_is_never_cut_while_bytes_keep_coming() {
    let provider = Provider::Anthropic;
    let text = recording(provider, "text");
    // Each gap is well under the idle timeout; the whole stream lasts several times it.
    let mock = Mock::start(
        MockProvider::new(provider, text)
            .delay(Duration::from_millis(80))
            .require_api_key(KEY),
    );
    let settings = mock
        .settings()
        .with_idle_timeout(Duration::from_millis(400));
    let started = Instant::now();
    let chunks: Vec<_> = stream_chat(mock.client(settings), provider)
        .unwrap()
        .collect();
    let took = started.elapsed();
    assert!(took > Duration::from_millis(800), "{took:?}");
    assert_eq!(frames(&chunks), golden_frames(provider, "text"));
}

#[test]
fn dropping_the_stream_mid_way_closes_the_connection_at_once() {
    let provider = Provider::OpenAi;
    let text = recording(provider, "text");
    // The mock sends a few events, then nothing, and keeps the connection open until we go.
    let mock = Mock::start(
        MockProvider::new(provider, text.clone())
            .stall_after(event_prefix_len(provider, &text, 3))
            .require_api_key(KEY),
    );
    let mut stream = stream_chat(mock.client(mock.settings()), provider).unwrap();
    assert!(matches!(stream.next(), Some(StreamChunk::Token(_))));
    let connection = mock.server().requests()[0].connection;
    assert_eq!(mock.server().connections()[0].closed_at, None);

    let dropped = Instant::now();
    drop(stream);
    let closed = mock
        .wait(mock.server().wait_for_connection_close(connection))
        .expect("logged");
    let took = std_instant(closed).saturating_duration_since(dropped);
    eprintln!("the mock saw the connection close {took:?} after the drop");
    // The mock's own disconnect tests hold hyper to 100 ms; it takes a few.
    assert!(took < Duration::from_millis(100), "noticed after {took:?}");
    let response_closed = mock.wait(mock.server().wait_for_response_close(0)).unwrap();
    assert!(
        std_instant(response_closed).saturating_duration_since(dropped)
            < Duration::from_millis(100)
    );
}

#[test]
fn a_finished_body_leaves_its_connection_for_the_next_request() {
    // Gemini streams end with the body (no terminal event), so the whole body is read.
    let provider = Provider::Gemini;
    let mock = Mock::start(requiring(
        MockProvider::new(provider, recording(provider, "text")),
        provider,
        KEY,
    ));
    let client = mock.client(mock.settings());
    for _ in 0..3 {
        let chunks: Vec<_> = stream_chat(client.clone(), provider).unwrap().collect();
        assert_eq!(frames(&chunks), golden_frames(provider, "text"));
    }
    assert_eq!(mock.server().requests().len(), 3);
    assert_eq!(
        mock.server().connections().len(),
        1,
        "one pooled connection"
    );
}

/// A one-shot HTTP server on 127.0.0.1: reads one request head, answers `response` (nothing
/// when `None`, holding the connection for `hold`), and hands back the request head.
fn one_shot(
    response: Option<&'static str>,
    hold: Duration,
) -> (SocketAddr, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok((mut socket, _)) = listener.accept() else {
            return;
        };
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && socket.read(&mut byte).is_ok_and(|n| n == 1) {
            head.push(byte[0]);
        }
        let _ = tx.send(String::from_utf8_lossy(&head).into_owned());
        match response {
            Some(response) => {
                let _ = socket.write_all(response.as_bytes());
            }
            None => std::thread::sleep(hold),
        }
    });
    (addr, rx)
}

fn local_settings(provider: Provider, addr: SocketAddr) -> Settings {
    Settings::new()
        .with_api_key(provider, KEY)
        .with_base_url(provider, format!("http://{addr}"))
        .with_retry(llm_sse_blocking::core::retry::RetryPolicy::NEVER)
}

#[test]
fn a_success_that_is_not_an_event_stream_is_an_error() {
    let (addr, _) = one_shot(
        Some("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"),
        Duration::ZERO,
    );
    let error = stream_chat(
        Client::builder(local_settings(Provider::Anthropic, addr))
            .no_proxy()
            .build(),
        Provider::Anthropic,
    )
    .unwrap_err();
    assert_eq!(
        error,
        ProviderError::NotEventStream {
            status: 200,
            content_type: Some("application/json".into())
        }
    );
}

#[test]
fn no_response_headers_within_the_response_timeout_is_a_connection_error() {
    let (addr, _) = one_shot(None, Duration::from_secs(5));
    let settings = local_settings(Provider::Anthropic, addr)
        .with_response_timeout(Duration::from_millis(300))
        .with_idle_timeout(Duration::from_secs(5));
    let started = Instant::now();
    let error = stream_chat(
        Client::builder(settings).no_proxy().build(),
        Provider::Anthropic,
    )
    .unwrap_err();
    let took = started.elapsed();
    assert_eq!(
        error,
        ProviderError::Connection {
            message: format!("{addr}: no response within 0.3 s (the response timeout)")
        }
    );
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[test]
fn a_refused_connection_is_retried_then_reported() {
    let addr = {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.local_addr().unwrap()
    }; // closed: connecting is refused
    let settings = local_settings(Provider::OpenAi, addr).with_retry(quick_retries(2));
    let error = stream_chat(
        Client::builder(settings).no_proxy().build(),
        Provider::OpenAi,
    )
    .unwrap_err();
    let ProviderError::Connection { message } = &error else {
        panic!("expected a connection error, got {error:?}")
    };
    assert!(message.starts_with(&format!("{addr}: ")), "{message}");
}

#[test]
fn an_unusable_base_url_is_reported_without_a_request() {
    let settings = Settings::new()
        .with_api_key(Provider::Anthropic, KEY)
        .with_base_url(Provider::Anthropic, "http://exa mple.com");
    let error = stream_chat(
        Client::builder(settings).no_proxy().build(),
        Provider::Anthropic,
    )
    .unwrap_err();
    assert!(
        matches!(&error, ProviderError::InvalidBaseUrl { url, .. } if url == "http://exa mple.com"),
        "{error:?}"
    );
}

#[test]
fn an_explicit_proxy_is_asked_to_connect_to_the_provider() {
    let (proxy, heads) = one_shot(
        Some("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n"),
        Duration::ZERO,
    );
    // The provider's address: nothing listens there, only the proxy is ever contacted.
    let target: SocketAddr = (Ipv4Addr::LOCALHOST, 9).into();
    let client = Client::builder(local_settings(Provider::Anthropic, target))
        .proxy(&format!("http://{proxy}"))
        .unwrap()
        .build();
    let error = stream_chat(client, Provider::Anthropic).unwrap_err();
    assert!(
        matches!(error, ProviderError::Connection { .. }),
        "{error:?}"
    );
    let head = heads.recv_timeout(TIMEOUT).unwrap();
    assert!(
        head.starts_with("CONNECT 127.0.0.1:9 HTTP/1.1\r\n"),
        "{head}"
    );
}
