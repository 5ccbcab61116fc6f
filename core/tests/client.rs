//! The clients' shared, sans-IO part: settings from the environment, the errors known before a
//! stream starts, and the retry loop of one call ([`Call`]).

use core::time::Duration;
use std::collections::HashMap;

use llm_sse_core::client::{AuthFailure, Call, Next, ProviderError, Settings};
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
    let err = Call::new(&s, Provider::OpenAi, &request()).unwrap_err();
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
    let call = Call::new(&s, Provider::Anthropic, &request()).unwrap();
    assert!(!format!("{call:?}").contains(key), "{call:?}");
    // The header does carry it: that is what is sent.
    assert_eq!(call.http().headers.get("x-api-key"), Some(key));
    let mut call = call;
    let body = br#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#;
    let Next::Fail(err) = call.failed_response(401, [("x", "y")], body, NOW, 0.5) else {
        panic!("401 is not retried");
    };
    assert!(!err.to_string().contains(key));
    assert!(!format!("{err:?}").contains(key));
}

#[test]
fn a_malformed_key_is_an_auth_error_without_the_key() {
    let s = Settings::new().with_api_key(Provider::OpenAi, "sk-\nbad");
    let err = Call::new(&s, Provider::OpenAi, &request()).unwrap_err();
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
    let call = Call::new(&s, Provider::Gemini, &request()).unwrap();
    assert_eq!(
        call.url(),
        "http://127.0.0.1:9/v1beta/models/model-x:streamGenerateContent?alt=sse"
    );
    let s = s.with_base_url(Provider::Gemini, "ftp://example");
    assert!(matches!(
        Call::new(&s, Provider::Gemini, &request()),
        Err(ProviderError::InvalidBaseUrl { .. })
    ));
}

#[test]
fn an_invalid_request_fails_before_any_attempt() {
    let s = Settings::new().with_api_key(Provider::Anthropic, "k");
    let bad = request().with_temperature(1.5);
    assert!(matches!(
        Call::new(&s, Provider::Anthropic, &bad),
        Err(ProviderError::InvalidRequest(_))
    ));
}

fn anthropic_call() -> Call {
    let s = Settings::new().with_api_key(Provider::Anthropic, "k");
    Call::new(&s, Provider::Anthropic, &request()).unwrap()
}

#[test]
fn overload_is_retried_twice_then_reported_with_the_providers_message() {
    let mut call = anthropic_call();
    let body = ApiError::new(Provider::Anthropic, 529, "Overloaded").to_body(Provider::Anthropic);
    let no_headers: [(&str, &str); 0] = [];
    assert_eq!(call.attempt(), 1);
    assert!(matches!(
        call.failed_response(529, no_headers, body.as_bytes(), NOW, 0.0),
        Next::Retry { after } if after == Duration::from_millis(500)
    ));
    assert_eq!(call.attempt(), 2);
    assert!(matches!(
        call.failed_response(529, no_headers, body.as_bytes(), NOW, 0.0),
        Next::Retry { after } if after == Duration::from_secs(1)
    ));
    let Next::Fail(ProviderError::Unavailable(error)) =
        call.failed_response(529, no_headers, body.as_bytes(), NOW, 0.0)
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
    let mut call = Call::new(&s, Provider::OpenAi, &request()).unwrap();
    let body = ApiError::new(Provider::OpenAi, 429, "Slow down").to_body(Provider::OpenAi);
    assert_eq!(
        call.failed_response(429, [("retry-after", "1")], body.as_bytes(), NOW, 0.9),
        Next::Retry {
            after: Duration::from_secs(1)
        }
    );
    let Next::Fail(err) =
        call.failed_response(429, [("retry-after", "3")], body.as_bytes(), NOW, 0.9)
    else {
        panic!("one retry only");
    };
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
    for (status, expect_auth) in [(401, true), (403, true), (400, false), (404, false)] {
        let mut call = anthropic_call();
        let body = ApiError::new(Provider::Anthropic, status, "the provider says no")
            .to_body(Provider::Anthropic);
        let no_headers: [(&str, &str); 0] = [];
        let Next::Fail(err) = call.failed_response(status, no_headers, body.as_bytes(), NOW, 0.5)
        else {
            panic!("{status} is not retried");
        };
        assert_eq!(
            matches!(err, ProviderError::Auth(_)),
            expect_auth,
            "{status}: {err:?}"
        );
        assert!(err.to_string().contains("the provider says no"), "{err}");
    }
}

#[test]
fn connection_failures_are_retried_then_reported() {
    let mut call = anthropic_call();
    assert!(matches!(
        call.connection_failed("refused", 0.5),
        Next::Retry { .. }
    ));
    assert!(matches!(
        call.connection_failed("refused", 0.5),
        Next::Retry { .. }
    ));
    assert_eq!(
        call.connection_failed("connection refused", 0.5),
        Next::Fail(ProviderError::Connection {
            message: "connection refused".into()
        })
    );
}

#[test]
fn a_200_must_be_an_event_stream() {
    let call = anthropic_call();
    assert_eq!(
        call.response_started(200, Some("text/event-stream")),
        Ok(())
    );
    assert_eq!(
        call.response_started(200, Some("Text/Event-Stream; charset=utf-8")),
        Ok(())
    );
    assert_eq!(
        call.response_started(200, Some("application/json")),
        Err(ProviderError::NotEventStream {
            status: 200,
            content_type: Some("application/json".into())
        })
    );
    assert!(call.response_started(200, None).is_err());
}
