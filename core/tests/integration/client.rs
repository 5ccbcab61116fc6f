//! The clients' shared, sans-IO part: settings from the environment, the errors known before a
//! stream starts, and the retry loop of one call ([`Call`]).

use core::time::Duration;
use std::collections::HashMap;

use llm_sse_core::client::{
    Attempt, AuthFailure, Call, Head, ProviderError, Proxies, Settings, Streaming,
};
use llm_sse_core::request::{ChatMessage, ChatRequest};
use llm_sse_core::{ApiError, Provider};

const NOW: u64 = 1_764_086_400;

fn env(vars: &[(&str, &str)]) -> Settings {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::from_lookup(|name| map.get(name).cloned()).expect("valid settings")
}

fn request() -> ChatRequest {
    ChatRequest::new("model-x", vec![ChatMessage::user("Hi")])
}

fn valid(provider: Provider) -> llm_sse_core::request::ValidRequest {
    request().validate(provider).expect("a valid request")
}

const NO_HEADERS: [(&str, &str); 0] = [];
const SSE: [(&str, &str); 1] = [("content-type", "text/event-stream")];

/// The error body answer of one attempt.
fn answer(call: Call, status: u16, headers: &[(&str, &str)], body: &[u8], random: f64) -> Attempt {
    match call.response(status, headers.iter().copied(), NOW) {
        Head::ErrorBody(error) => {
            assert_eq!(error.status(), status);
            error.finish(body, random)
        }
        other => panic!("{status} is an error answer, not {other:?}"),
    }
}

fn retried(attempt: Attempt) -> (Call, Duration) {
    match attempt {
        Attempt::Retry { call, after } => (call, after),
        Attempt::Failed(e) => panic!("expected a retry, got {e}"),
        Attempt::Reauthorize { .. } => panic!("expected a retry, got a reauthorization"),
    }
}

fn failed(attempt: Attempt) -> ProviderError {
    match attempt {
        Attempt::Failed(e) => e,
        Attempt::Retry { after, .. } => panic!("expected a failure, got a retry after {after:?}"),
        Attempt::Reauthorize { .. } => panic!("expected a failure, got a reauthorization"),
    }
}

fn started(call: Call) -> llm_sse_core::client::Starting {
    match call.response(200, SSE, NOW) {
        Head::Stream(starting) => starting,
        other => panic!("a 200 event stream, not {other:?}"),
    }
}

fn drain(stream: &mut Streaming) -> Vec<llm_sse_core::StreamChunk> {
    std::iter::from_fn(|| stream.next_chunk()).collect()
}

#[test]
fn keys_and_base_urls_come_from_the_documented_variables() {
    let s = env(&[
        ("ANTHROPIC_API_KEY", "sk-ant-1"),
        ("OPENAI_API_KEY", "  sk-oa  "),
        ("OPENAI_BASE_URL", "http://localhost:11434/v1"),
        ("GOOGLE_API_KEY", "AIza-google"),
    ]);
    assert_eq!(s.api_key(Provider::Anthropic).unwrap().expose(), "sk-ant-1");
    assert_eq!(s.api_key(Provider::OpenAi).unwrap().expose(), "sk-oa");
    assert_eq!(s.base_url(Provider::OpenAi), "http://localhost:11434/v1");
    assert_eq!(s.base_url(Provider::Anthropic), "https://api.anthropic.com");
    // GOOGLE_API_KEY is Gemini's fallback ...
    assert_eq!(s.api_key(Provider::Gemini).unwrap().expose(), "AIza-google");
    assert_eq!(s.api_key_source(Provider::Gemini), Some("GOOGLE_API_KEY"));
    // ... and GEMINI_API_KEY wins over it.
    let s = env(&[
        ("GEMINI_API_KEY", "AIza-gemini"),
        ("GOOGLE_API_KEY", "AIza-google"),
    ]);
    assert_eq!(s.api_key(Provider::Gemini).unwrap().expose(), "AIza-gemini");
    assert_eq!(s.api_key_source(Provider::Gemini), Some("GEMINI_API_KEY"));
}

#[test]
fn a_missing_or_empty_key_names_the_variable() {
    let s = env(&[("ANTHROPIC_API_KEY", "   "), ("GEMINI_API_KEY", "")]);
    let err = s.api_key(Provider::Anthropic).unwrap_err();
    assert_eq!(err.reason, AuthFailure::MissingKey);
    assert_eq!(
        err.to_string(),
        "no Anthropic API key: set ANTHROPIC_API_KEY"
    );
    assert_eq!(
        s.api_key(Provider::Gemini).unwrap_err().to_string(),
        "no Gemini API key: set GEMINI_API_KEY or GOOGLE_API_KEY"
    );
    // Call::new reports it before anything is sent.
    let err = Call::new(&s, valid(Provider::OpenAi)).unwrap_err();
    assert_eq!(err.to_string(), "no OpenAI API key: set OPENAI_API_KEY");
}

#[test]
fn timeouts_and_retries_from_the_environment_and_bad_values_name_the_variable() {
    let s = env(&[
        ("LLM_SSE_CONNECT_TIMEOUT", "2.5"),
        ("LLM_SSE_RESPONSE_TIMEOUT", "30"),
        ("LLM_SSE_IDLE_TIMEOUT", "0.2"),
        ("LLM_SSE_MAX_RETRIES", "0"),
    ]);
    assert_eq!(s.connect_timeout, Duration::from_millis(2500));
    assert_eq!(s.response_timeout, Duration::from_secs(30));
    assert_eq!(s.idle_timeout, Duration::from_millis(200));
    assert_eq!(s.retry.max_retries, 0);
    let defaults = Settings::new();
    assert_eq!(defaults.idle_timeout, Duration::from_secs(60));
    assert_eq!(defaults.retry.max_retries, 2);
    for (var, value) in [
        ("LLM_SSE_IDLE_TIMEOUT", "soon"),
        ("LLM_SSE_IDLE_TIMEOUT", "-1"),
        ("LLM_SSE_CONNECT_TIMEOUT", "0"),
        ("LLM_SSE_MAX_RETRIES", "2.5"),
    ] {
        let err =
            Settings::from_lookup(|name| (name == var).then(|| value.to_string())).unwrap_err();
        assert_eq!(err.variable, var);
        assert!(err.to_string().starts_with(var), "{err}");
    }
}

#[test]
fn keys_never_appear_in_debug_display_or_errors() {
    let key = "sk-secret-0123456789";
    let s = Settings::new().with_api_key(Provider::Anthropic, key);
    assert!(!format!("{s:?}").contains(key));
    assert_eq!(
        s.api_key(Provider::Anthropic).unwrap().to_string(),
        "<redacted>"
    );
    let call = Call::new(&s, valid(Provider::Anthropic)).unwrap();
    assert!(!format!("{call:?}").contains(key), "{call:?}");
    // The header does carry it: that is what is sent.
    assert_eq!(call.headers(NOW).get("x-api-key"), Some(key));
    let body = br#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#;
    let err = failed(answer(call, 401, &[("x", "y")], body, 0.5));
    assert!(!err.to_string().contains(key));
    assert!(!format!("{err:?}").contains(key));
}

#[test]
fn a_key_echoed_by_the_provider_or_the_transport_is_redacted_everywhere() {
    let key = "sk-ant-api03-ECHOED";
    let s = Settings::new()
        .with_api_key(Provider::Anthropic, key)
        .with_retry(llm_sse_core::retry::RetryPolicy::NEVER);
    // In an error answer's message, whatever its shape and status.
    for (status, body) in [
        (401, format!("invalid x-api-key: {key}")),
        (
            400,
            format!(
                r#"{{"type":"error","error":{{"type":"invalid_request_error","message":"bad key {key}"}}}}"#
            ),
        ),
        (
            429,
            format!(r#"{{"error":{{"message":"{key} is rate limited"}}}}"#),
        ),
        (503, format!("{key}{key}")),
    ] {
        let call = Call::new(&s, valid(Provider::Anthropic)).unwrap();
        let err = failed(answer(call, status, &[], body.as_bytes(), 0.5));
        let text = format!("{err} {err:?}");
        assert!(!text.contains(key), "{status}: {text}");
        assert!(text.contains("<redacted>"), "{status}: {text}");
    }
    // In a connection failure's message, before and after the head.
    let call = Call::new(&s, valid(Provider::Anthropic)).unwrap();
    let err = failed(call.no_response(format!("proxy said {key}"), 0.5));
    assert!(!err.to_string().contains(key), "{err}");
    let call = Call::new(&s, valid(Provider::Anthropic)).unwrap();
    let err = failed(started(call).failed(format!("reset by {key}"), 0.5));
    assert!(!err.to_string().contains(key), "{err}");
    // In a stream's connection error.
    let call = Call::new(&s, valid(Provider::Anthropic)).unwrap();
    let mut stream = started(call).first_bytes(b": hi\n\n");
    stream.connection_lost(&format!("lost {key}"));
    let chunks = drain(&mut stream);
    let text = format!("{chunks:?}");
    assert!(!text.contains(key) && text.contains("<redacted>"), "{text}");
}

#[test]
fn a_malformed_key_is_an_auth_error_without_the_key() {
    let s = Settings::new().with_api_key(Provider::OpenAi, "sk-\nbad");
    let err = Call::new(&s, valid(Provider::OpenAi)).unwrap_err();
    match &err {
        ProviderError::Auth(auth) => assert_eq!(auth.reason, AuthFailure::MalformedKey),
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains("bad"));
}

#[test]
fn urls_join_the_base_url_and_bad_base_urls_are_refused() {
    let s = Settings::new()
        .with_api_key(Provider::Gemini, "k")
        .with_base_url(Provider::Gemini, "http://127.0.0.1:9/");
    let call = Call::new(&s, valid(Provider::Gemini)).unwrap();
    assert_eq!(
        call.url(),
        "http://127.0.0.1:9/v1beta/models/model-x:streamGenerateContent?alt=sse"
    );
    assert_eq!(
        (call.scheme(), call.authority(), call.host()),
        ("http", "127.0.0.1:9", "127.0.0.1")
    );
    let call = Call::new(
        &s.clone()
            .with_base_url(Provider::Gemini, "HTTPS://[::1]:8443"),
        valid(Provider::Gemini),
    )
    .unwrap();
    assert_eq!(
        (call.scheme(), call.authority(), call.host()),
        ("https", "[::1]:8443", "[::1]")
    );
    for (base, reason) in [
        ("ftp://example", "it must start with http:// or https://"),
        ("example.com", "it must start with http:// or https://"),
        ("http://", "it has no host"),
        ("http:///v1", "it has no host"),
        (
            "https://user:secret@example.com",
            "it holds user information",
        ),
        ("http://exa mple.com", "it holds a space"),
        ("http://example.com/v1#x", "it holds a space"),
        ("http://exämple.com", "it holds a space"),
    ] {
        let s = s.clone().with_base_url(Provider::Gemini, base);
        match Call::new(&s, valid(Provider::Gemini)) {
            Err(ProviderError::InvalidBaseUrl { reason: r, .. }) => {
                assert!(r.starts_with(reason), "{base}: {r}");
            }
            other => panic!("{base}: {other:?}"),
        }
    }
}

#[test]
fn the_request_is_prepared_whole() {
    let s = Settings::new().with_api_key(Provider::OpenAi, "sk-1");
    let call = Call::new(&s, valid(Provider::OpenAi)).unwrap();
    assert_eq!(call.method().as_str(), "POST");
    let headers = call.headers(NOW);
    let headers: Vec<(&str, &str)> = headers.iter().collect();
    assert_eq!(
        headers,
        [
            ("content-type", "application/json"),
            ("authorization", "Bearer sk-1"),
            ("user-agent", llm_sse_core::client::USER_AGENT),
        ]
    );
    let body: serde_json::Value = serde_json::from_slice(call.body()).unwrap();
    assert_eq!(body["model"], "model-x");
    assert_eq!(body["stream"], true);
}

#[test]
fn overload_is_retried_twice_then_reported_with_the_providers_message() {
    let s = Settings::new().with_api_key(Provider::Anthropic, "k");
    let call = Call::new(&s, valid(Provider::Anthropic)).unwrap();
    let body = ApiError::new(Provider::Anthropic, 529, "Overloaded").to_body(Provider::Anthropic);
    assert_eq!(call.attempt(), 1);
    let (call, after) = retried(answer(call, 529, &[], body.as_bytes(), 0.0));
    assert_eq!((after, call.attempt()), (Duration::from_millis(500), 2));
    let (call, after) = retried(answer(call, 529, &[], body.as_bytes(), 0.0));
    assert_eq!((after, call.attempt()), (Duration::from_secs(1), 3));
    let ProviderError::Unavailable(error) = failed(answer(call, 529, &[], body.as_bytes(), 0.0))
    else {
        panic!("the retries are spent");
    };
    assert_eq!(
        (error.status, error.error_type.as_str()),
        (529, "overloaded_error")
    );
    assert_eq!(error.message, "Overloaded");
}

#[test]
fn retry_after_is_honoured_and_a_final_429_reports_it() {
    let s = Settings::new()
        .with_api_key(Provider::OpenAi, "k")
        .with_retry(llm_sse_core::retry::RetryPolicy::with_max_retries(1));
    let call = Call::new(&s, valid(Provider::OpenAi)).unwrap();
    let body = ApiError::new(Provider::OpenAi, 429, "Slow down").to_body(Provider::OpenAi);
    let (call, after) = retried(answer(
        call,
        429,
        &[("retry-after", "1")],
        body.as_bytes(),
        0.9,
    ));
    assert_eq!(after, Duration::from_secs(1));
    let err = failed(answer(
        call,
        429,
        &[("Retry-After", "3")],
        body.as_bytes(),
        0.9,
    ));
    assert_eq!(
        err,
        ProviderError::RateLimited {
            error: ApiError::parse(Provider::OpenAi, 429, body.as_bytes()),
            retry_after: Some(Duration::from_secs(3)),
        }
    );
    assert!(err.to_string().contains("Slow down"), "{err}");
}

#[test]
fn auth_and_bad_requests_are_not_retried_and_carry_the_providers_message() {
    let s = Settings::new().with_api_key(Provider::Anthropic, "k");
    for (status, expect_auth) in [(401, true), (403, true), (400, false), (404, false)] {
        let call = Call::new(&s, valid(Provider::Anthropic)).unwrap();
        let body = ApiError::new(Provider::Anthropic, status, "the provider says no")
            .to_body(Provider::Anthropic);
        let err = failed(answer(call, status, &[], body.as_bytes(), 0.5));
        assert_eq!(
            matches!(err, ProviderError::Auth(_)),
            expect_auth,
            "{status}: {err:?}"
        );
        assert!(err.to_string().contains("the provider says no"), "{err}");
    }
}

#[test]
fn connection_failures_are_retried_then_reported_with_the_host() {
    let s = Settings::new()
        .with_api_key(Provider::Anthropic, "k")
        .with_base_url(Provider::Anthropic, "http://127.0.0.1:9");
    let call = Call::new(&s, valid(Provider::Anthropic)).unwrap();
    let (call, _) = retried(call.no_response("refused", 0.5));
    let (call, _) = retried(call.response_timed_out(Duration::from_secs(60), 0.5));
    assert_eq!(
        failed(call.no_response("connection refused", 0.5)),
        ProviderError::Connection {
            message: "127.0.0.1:9: connection refused".into()
        }
    );
}

#[test]
fn a_200_must_be_an_event_stream() {
    let s = Settings::new().with_api_key(Provider::Anthropic, "k");
    let call = || Call::new(&s, valid(Provider::Anthropic)).unwrap();
    assert!(matches!(call().response(200, SSE, NOW), Head::Stream(_)));
    let charset = [("Content-Type", "Text/Event-Stream; charset=utf-8")];
    assert!(matches!(
        call().response(200, charset, NOW),
        Head::Stream(_)
    ));
    let Head::Failed(err) = call().response(200, [("content-type", "application/json")], NOW)
    else {
        panic!("not an event stream");
    };
    assert_eq!(
        err,
        ProviderError::NotEventStream {
            status: 200,
            content_type: Some("application/json".into())
        }
    );
    assert!(matches!(
        call().response(204, NO_HEADERS, NOW),
        Head::Failed(_)
    ));
}

#[test]
fn a_stream_that_breaks_before_its_first_byte_is_retried_and_one_that_starts_is_not() {
    let s = Settings::new().with_api_key(Provider::Anthropic, "k");
    let call = Call::new(&s, valid(Provider::Anthropic)).unwrap();
    // The connection breaks after the 200 head, before any byte: a new attempt.
    let (call, _) = retried(started(call).failed("connection reset", 0.5));
    assert_eq!(call.attempt(), 2);
    // The second attempt's body starts: a stream, which counts the retry.
    let mut stream = started(call).first_bytes(b"event: ping\ndata: {\"type\":\"ping\"}\n\n");
    assert_eq!(
        (stream.retries(), stream.provider()),
        (1, Provider::Anthropic)
    );
    assert!(drain(&mut stream).is_empty());
    stream.connection_lost("reset");
    let chunks = drain(&mut stream);
    let [llm_sse_core::StreamChunk::Done(finish)] = chunks.as_slice() else {
        panic!("{chunks:?}")
    };
    assert_eq!(finish.error().unwrap().error_type(), "connection_error");
    assert!(stream.is_drained());

    // A body that ends before any byte is a stream that ends incomplete (not retried) ...
    let call = Call::new(&s, valid(Provider::Anthropic)).unwrap();
    let mut stream = started(call).ended();
    let chunks = drain(&mut stream);
    let [llm_sse_core::StreamChunk::Done(finish)] = chunks.as_slice() else {
        panic!("{chunks:?}")
    };
    assert_eq!(finish.error().unwrap().error_type(), "incomplete_stream");
    // ... and so is a silence as long as the idle timeout.
    let s = s.with_idle_timeout(Duration::from_millis(1500));
    let call = Call::new(&s, valid(Provider::Anthropic)).unwrap();
    let mut stream = started(call).idle_timeout();
    let chunks = drain(&mut stream);
    let [llm_sse_core::StreamChunk::Done(finish)] = chunks.as_slice() else {
        panic!("{chunks:?}")
    };
    let error = finish.error().unwrap();
    assert_eq!(error.error_type(), "idle_timeout");
    assert_eq!(
        error.message,
        "no data from the provider for 1.5 s (the idle timeout)"
    );
}

#[test]
fn an_aborted_stream_keeps_what_was_known() {
    let s = Settings::new().with_api_key(Provider::Anthropic, "k");
    let call = Call::new(&s, valid(Provider::Anthropic)).unwrap();
    let start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_9\",\"model\":\"claude-x\",\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}\n\n";
    let mut stream = started(call).first_bytes(start.as_bytes());
    assert!(drain(&mut stream).is_empty());
    stream.abort(llm_sse_core::StreamError::new(
        llm_sse_core::StreamErrorKind::ConnectionError,
        "the gateway shut down before the stream ended",
    ));
    let chunks = drain(&mut stream);
    let [llm_sse_core::StreamChunk::Done(finish)] = chunks.as_slice() else {
        panic!("{chunks:?}")
    };
    assert_eq!(
        (finish.id.as_deref(), finish.model.as_deref()),
        (Some("msg_9"), Some("claude-x"))
    );
    assert_eq!(finish.usage.unwrap().input_tokens, 7);
}

#[test]
fn proxies_come_from_the_settings() {
    let s = env(&[
        ("HTTPS_PROXY", "http://proxy.internal:3128"),
        ("NO_PROXY", "example.com"),
    ]);
    assert_eq!(
        s.proxies
            .proxy_for("https", "api.openai.com")
            .map(|p| p.authority()),
        Some("proxy.internal:3128".into())
    );
    assert!(s.proxies.proxy_for("https", "llm.example.com").is_none());
    let s = s.with_proxies(Proxies::None);
    assert!(s.proxies.proxy_for("https", "api.openai.com").is_none());
    let err = Settings::from_lookup(|name| (name == "ALL_PROXY").then(|| "socks5://p:1080".into()))
        .unwrap_err();
    assert_eq!(err.variable, "ALL_PROXY");
}
