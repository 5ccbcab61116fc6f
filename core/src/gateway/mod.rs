//! The pure parts of the gateway's HTTP contract: how a failure known before a stream starts is
//! answered ([`ErrorAnswer`]: status, error type, message, `Retry-After`), the headers of a
//! stream, the keep-alive comment, where a client presents the gateway's token
//! ([`presented_token`]), and which provider and model a dialect request names ([`Models`]).
//!
//! These are facts of the contract (`POST /v1/chat/stream/{provider}` in the design), not of
//! one server: every shell that serves it, and every dialect endpoint beside it, answers a
//! [`ProviderError`] the same way, so the mapping lives here, as a pure function.
//!
//! ```
//! use core::time::Duration;
//! use llm_sse_core::client::ProviderError;
//! use llm_sse_core::gateway::ErrorAnswer;
//! use llm_sse_core::{ApiError, Provider};
//!
//! let error = ProviderError::RateLimited {
//!     error: ApiError::new(Provider::Anthropic, 429, "Number of request tokens has exceeded your per-minute rate limit"),
//!     retry_after: Some(Duration::from_millis(2500)),
//! };
//! let answer = ErrorAnswer::from_provider_error(Provider::Anthropic, &error);
//! assert_eq!((answer.status, answer.error_type), (429, "rate_limited"));
//! assert_eq!(answer.retry_after_secs(), Some(3)); // rounded up
//! assert!(answer.to_body().starts_with(r#"{"error":{"type":"rate_limited","message":"#));
//! ```
//!
//! # Error answers
//!
//! Every error known before streaming starts is answered with an HTTP status and the JSON body
//! `{"error":{"type":"...","message":"..."}}`. Once the stream has started, a failure is the
//! error terminal frame instead (see [`crate::frame`]).
//!
//! | status | `type` | when |
//! |---|---|---|
//! | 400 | `invalid_request` | the body is not a valid [`ChatRequest`](crate::request::ChatRequest) for the provider; the message names the field |
//! | 401 | `unauthorized` | the gateway requires a token and the request has none or another (in [`TOKEN_HEADERS`]) |
//! | 404 | `not_found` | no such path, or an unknown provider |
//! | 405 | `method_not_allowed` | the path exists, the method does not (with `Allow`) |
//! | 408 | `request_timeout` | the request body did not arrive in time |
//! | 413 | `request_too_large` | the request body is larger than the gateway accepts |
//! | 429 | `rate_limited` | the provider rate-limited the call and the retries are spent (with `Retry-After`) |
//! | 400, 404, 413, 422 | `upstream_rejected` | the provider refused the request with this status (its message) |
//! | 502 | `upstream_rejected` | the provider refused the request with another 4xx status (billing, conflict, ...) |
//! | 502 | `upstream_auth_error` | the provider refused the gateway's API key (`401`/`403`) |
//! | 502 | `upstream_connection_error` | the provider could not be reached, or sent no response in time |
//! | 502 | `upstream_invalid_response` | the provider answered `2xx` with something that is not an event stream |
//! | 503 | `provider_not_configured` | no usable API key (the message names the environment variable), or an unusable base URL |
//! | 503 | `upstream_unavailable` | the provider is overloaded or failing (`5xx`, `529`) and the retries are spent |
//!
//! # Model names (the dialect endpoints)
//!
//! [`Models::resolve`] reads a dialect request's `model`: an alias the gateway was given
//! ([`ModelAlias`]) first; else `provider/model` ([`split_model`]); else, for a name without
//! `/`, the model name as users type it, its provider told by the prefix ([`infer_provider`]):
//! `claude-*` → Anthropic, `gpt-*`, `o1*`, `o3*`, `o4*`, `chatgpt-*` → OpenAI, `gemini-*` →
//! Gemini. So SDK code that says `model="claude-sonnet-4-5"` works unchanged against the
//! gateway; any other name is an [`UnknownModel`] (`404`).
//!
//! ```
//! use llm_sse_core::gateway::Models;
//! use llm_sse_core::Provider;
//!
//! let models = Models::new();
//! assert_eq!(models.resolve("claude-sonnet-4-5"), Ok((Provider::Anthropic, "claude-sonnet-4-5")));
//! assert_eq!(models.resolve("gemini/gemini-2.5-flash"), Ok((Provider::Gemini, "gemini-2.5-flash")));
//! assert!(models.resolve("mistral-large-latest").is_err());
//! ```

mod models;

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use core::time::Duration;

use serde::Serialize;

use crate::chunk::Provider;
use crate::client::{AuthFailure, ProviderError};
use crate::request::RequestError;

pub use models::{AliasError, ModelAlias, Models, UnknownModel, infer_provider, split_model};

/// The environment variable holding the token the gateway requires (unset or empty: none), as
/// `Authorization: Bearer <token>` or `x-api-key: <token>` (see [`TOKEN_HEADERS`]).
pub const TOKEN_ENV: &str = "LLM_SSE_TOKEN";

/// The request headers a client may present the gateway's token in: `authorization` as
/// `Bearer <token>` (curl, browsers, the OpenAI SDKs, which send their API key so) and
/// `x-api-key` as the token itself (the Anthropic SDKs). A request is admitted when either
/// holds the token.
pub const TOKEN_HEADERS: [&str; 2] = ["authorization", "x-api-key"];

/// The token presented in the request header `name` (lowercase, one of [`TOKEN_HEADERS`])
/// whose value is `value`: the token of `Authorization: Bearer <token>` (the scheme in any
/// case), the whole value of `x-api-key`, without surrounding whitespace; `None` for another
/// header or scheme.
///
/// ```
/// use llm_sse_core::gateway::presented_token;
///
/// assert_eq!(presented_token("authorization", b"Bearer t0k"), Some(&b"t0k"[..]));
/// assert_eq!(presented_token("authorization", b"bearer  t0k "), Some(&b"t0k"[..]));
/// assert_eq!(presented_token("authorization", b"Basic t0k"), None);
/// assert_eq!(presented_token("x-api-key", b"t0k"), Some(&b"t0k"[..]));
/// assert_eq!(presented_token("cookie", b"t0k"), None);
/// ```
pub fn presented_token<'a>(name: &str, value: &'a [u8]) -> Option<&'a [u8]> {
    match name {
        "authorization" => {
            let (scheme, token) = value.split_at_checked(7)?;
            scheme
                .eq_ignore_ascii_case(b"bearer ")
                .then(|| token.trim_ascii())
        }
        "x-api-key" => Some(value.trim_ascii()),
        _ => None,
    }
}

/// The comment a stream sends after a quiet spell, so that proxies and browsers keep it open.
/// Not a frame: SSE parsers ignore comments.
pub const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// The headers of a stream's `200` answer: the event-stream content type, no caching, and no
/// buffering in nginx-style proxies (`X-Accel-Buffering: no`), so each frame reaches the client
/// as it is written.
pub const STREAM_HEADERS: [(&str, &str); 3] = [
    ("content-type", "text/event-stream"),
    ("cache-control", "no-cache"),
    ("x-accel-buffering", "no"),
];

/// The `Retry-After` sent with a `429` when the provider asked for no particular wait: the
/// retries were already spent with backoff, so the client may try again soon.
pub const FALLBACK_RETRY_AFTER: Duration = Duration::from_secs(1);

/// How a failure known before a stream starts is answered: see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The `error.type` of the body, from the table in the [module docs](self).
    pub error_type: &'static str,
    /// The `error.message` of the body. Never holds an API key or message contents.
    pub message: String,
    /// The wait to send as `Retry-After` (only with `429`).
    pub retry_after: Option<Duration>,
}

impl ErrorAnswer {
    /// An answer with `status`, `error_type` and `message`, no `Retry-After`.
    pub fn new(status: u16, error_type: &'static str, message: impl Into<String>) -> Self {
        ErrorAnswer {
            status,
            error_type,
            message: message.into(),
            retry_after: None,
        }
    }

    /// `400 invalid_request`: the request is not valid; the message names the field.
    pub fn invalid_request(error: &RequestError) -> Self {
        ErrorAnswer::new(400, "invalid_request", format!("{error}"))
    }

    /// `401 unauthorized`.
    pub fn unauthorized() -> Self {
        ErrorAnswer::new(
            401,
            "unauthorized",
            "this gateway requires its token, as Authorization: Bearer <token> or x-api-key: <token>",
        )
    }

    /// `404 not_found` with `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        ErrorAnswer::new(404, "not_found", message)
    }

    /// `405 method_not_allowed`: `method` is not one of `allowed` (send `allowed` as `Allow`).
    pub fn method_not_allowed(method: &str, allowed: &str) -> Self {
        ErrorAnswer::new(
            405,
            "method_not_allowed",
            format!("method {method} is not allowed here (allowed: {allowed})"),
        )
    }

    /// `408 request_timeout`: the request body did not arrive within `limit`.
    pub fn request_timeout(limit: Duration) -> Self {
        ErrorAnswer::new(
            408,
            "request_timeout",
            format!(
                "the request body did not arrive within {} s",
                limit.as_secs_f64()
            ),
        )
    }

    /// `413 request_too_large`: the body is over `max` bytes.
    pub fn request_too_large(max: usize) -> Self {
        ErrorAnswer::new(
            413,
            "request_too_large",
            format!("the request body is larger than {max} bytes"),
        )
    }

    /// The answer to a call of `provider` that failed before its stream started (see the
    /// table in the [module docs](self)).
    pub fn from_provider_error(provider: Provider, error: &ProviderError) -> Self {
        let name = provider.display_name();
        match error {
            ProviderError::Auth(auth) => match &auth.reason {
                AuthFailure::MissingKey
                | AuthFailure::MalformedKey
                | AuthFailure::MissingCredentials(_) => {
                    ErrorAnswer::new(503, "provider_not_configured", format!("{auth}"))
                }
                AuthFailure::Rejected(_) => {
                    ErrorAnswer::new(502, "upstream_auth_error", format!("{auth}"))
                }
            },
            ProviderError::InvalidRequest(e) => ErrorAnswer::invalid_request(e),
            ProviderError::Rejected(api) => {
                let status = match api.status {
                    400 | 404 | 413 | 422 => api.status,
                    _ => 502,
                };
                ErrorAnswer::new(status, "upstream_rejected", format!("{name}: {api}"))
            }
            ProviderError::RateLimited { error, retry_after } => ErrorAnswer {
                retry_after: Some(retry_after.unwrap_or(FALLBACK_RETRY_AFTER)),
                ..ErrorAnswer::new(429, "rate_limited", format!("{name}: {error}"))
            },
            ProviderError::Unavailable(api) => {
                ErrorAnswer::new(503, "upstream_unavailable", format!("{name}: {api}"))
            }
            ProviderError::Connection { message } => ErrorAnswer::new(
                502,
                "upstream_connection_error",
                format!("{name}: connection failed: {message}"),
            ),
            ProviderError::NotEventStream { .. } => {
                ErrorAnswer::new(502, "upstream_invalid_response", format!("{name}: {error}"))
            }
            // The URL itself is not shown: a base URL may carry credentials.
            ProviderError::InvalidBaseUrl { reason, .. } => ErrorAnswer::new(
                503,
                "provider_not_configured",
                format!("the {name} base URL cannot be used: {reason}"),
            ),
        }
    }

    /// `Retry-After` in whole seconds, rounded up (at least 1), when there is one.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after.map(|wait| {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            secs.max(1)
        })
    }

    /// The JSON body: `{"error":{"type":"...","message":"..."}}`.
    pub fn to_body(&self) -> String {
        #[derive(Serialize)]
        struct Body<'a> {
            error: Inner<'a>,
        }
        #[derive(Serialize)]
        struct Inner<'a> {
            r#type: &'a str,
            message: &'a str,
        }
        // Serializing two strings cannot fail; the fallback is never used.
        serde_json::to_string(&Body {
            error: Inner {
                r#type: self.error_type,
                message: &self.message,
            },
        })
        .unwrap_or_else(|_| "{}".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_error::ApiError;
    use crate::client::ProviderAuthError;

    fn answer(error: ProviderError) -> ErrorAnswer {
        ErrorAnswer::from_provider_error(Provider::Anthropic, &error)
    }

    fn api(status: u16) -> ApiError {
        ApiError::for_status(Provider::Anthropic, status)
    }

    #[test]
    fn statuses_and_types() {
        let auth = |reason| {
            ProviderError::Auth(ProviderAuthError {
                provider: Provider::Anthropic,
                reason,
            })
        };
        let cases = [
            (
                auth(AuthFailure::MissingKey),
                503,
                "provider_not_configured",
            ),
            (
                auth(AuthFailure::MalformedKey),
                503,
                "provider_not_configured",
            ),
            (
                auth(AuthFailure::Rejected(api(401))),
                502,
                "upstream_auth_error",
            ),
            (
                ProviderError::InvalidRequest(RequestError::NoMessages),
                400,
                "invalid_request",
            ),
            (ProviderError::Rejected(api(400)), 400, "upstream_rejected"),
            (ProviderError::Rejected(api(404)), 404, "upstream_rejected"),
            (ProviderError::Rejected(api(413)), 413, "upstream_rejected"),
            (ProviderError::Rejected(api(422)), 422, "upstream_rejected"),
            (ProviderError::Rejected(api(402)), 502, "upstream_rejected"),
            (
                ProviderError::RateLimited {
                    error: api(429),
                    retry_after: None,
                },
                429,
                "rate_limited",
            ),
            (
                ProviderError::Unavailable(api(529)),
                503,
                "upstream_unavailable",
            ),
            (
                ProviderError::Connection {
                    message: "connect timed out".into(),
                },
                502,
                "upstream_connection_error",
            ),
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
                    url: "ftp://user:secret@host".into(),
                    reason: "it must start with http:// or https://".into(),
                },
                503,
                "provider_not_configured",
            ),
        ];
        for (error, status, error_type) in cases {
            let answer = answer(error.clone());
            assert_eq!(
                (answer.status, answer.error_type),
                (status, error_type),
                "{error:?}"
            );
            assert_eq!(answer.retry_after.is_some(), status == 429, "{error:?}");
            assert!(!answer.message.contains("secret"), "{}", answer.message);
        }
    }

    #[test]
    fn messages_name_what_to_fix() {
        let missing = answer(ProviderError::Auth(ProviderAuthError {
            provider: Provider::Anthropic,
            reason: AuthFailure::MissingKey,
        }));
        assert_eq!(
            missing.message,
            "no Anthropic API key: set ANTHROPIC_API_KEY"
        );
        let invalid = answer(ProviderError::InvalidRequest(RequestError::MaxTokensZero));
        assert_eq!(invalid.message, "max_tokens: must be at least 1");
        let overloaded = answer(ProviderError::Unavailable(api(529)));
        assert_eq!(
            overloaded.message,
            "Anthropic: HTTP 529 overloaded_error: Overloaded"
        );
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let with = |wait| {
            answer(ProviderError::RateLimited {
                error: api(429),
                retry_after: wait,
            })
            .retry_after_secs()
        };
        assert_eq!(with(None), Some(1));
        assert_eq!(with(Some(Duration::from_secs(7))), Some(7));
        assert_eq!(with(Some(Duration::from_millis(7001))), Some(8));
        assert_eq!(with(Some(Duration::from_millis(10))), Some(1));
        assert_eq!(with(Some(Duration::ZERO)), Some(1));
        assert_eq!(ErrorAnswer::not_found("x").retry_after_secs(), None);
    }

    #[test]
    fn body_shape() {
        let answer = ErrorAnswer::new(404, "not_found", "no route \"/x\"");
        assert_eq!(
            answer.to_body(),
            r#"{"error":{"type":"not_found","message":"no route \"/x\""}}"#
        );
    }
}
