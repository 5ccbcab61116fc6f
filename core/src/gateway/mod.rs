//! The pure parts of the gateway's HTTP contract: how a failure known before a stream starts is
//! answered ([`ErrorAnswer`]: status, error type, message, `Retry-After`), how the gateway ends
//! a stream itself ([`Ending`]), the headers of a stream, the keep-alive comment, where a client
//! presents the gateway's token
//! ([`presented_token`]), and which provider and model a dialect request names ([`Models`]).
//!
//! These are facts of the contract (`POST /v1/chat/stream/{provider}` in the design), not of
//! one server: every shell that serves it, and every dialect endpoint beside it, answers a
//! [`ProviderError`] the same way, so the mapping lives here, as a pure function.
//!
//! ```
//! use core::time::Duration;
//! use llm_sse_core::client::ProviderError;
//! use llm_sse_core::gateway::{ErrorAnswer, ErrorType};
//! use llm_sse_core::{ApiError, Provider};
//!
//! let error = ProviderError::RateLimited {
//!     error: ApiError::new(Provider::Anthropic, 429, "Number of request tokens has exceeded your per-minute rate limit"),
//!     retry_after: Some(Duration::from_millis(2500)),
//! };
//! let answer = ErrorAnswer::from_provider_error(Provider::Anthropic, &error);
//! assert_eq!((answer.status, answer.error_type), (429, ErrorType::RateLimited));
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
//! This table is the gateway's one answer to each failure, on every route: the OpenAI and
//! Anthropic endpoints answer with the same status and `Retry-After`, only in their own body
//! shape ([`DialectError`](crate::dialect::DialectError)), and so does a non-streaming answer
//! whose stream ended with a provider's error (the status that error's type stands for,
//! answered as below: [`upstream_answer`]).
//!
//! | status | `type` ([`ErrorType`]) | when |
//! |---|---|---|
//! | 400 | `invalid_request` | the body is not a valid [`ChatRequest`](crate::request::ChatRequest) for the provider; the message names the field |
//! | 401 | `unauthorized` | the gateway requires a token and the request has none or another (in [`TOKEN_HEADERS`]) |
//! | 404 | `not_found` | no such path, or an unknown provider |
//! | 404 | `unknown_model` | (OpenAI and Anthropic endpoints) the request's `model` names no provider's model ([`UnknownModel`]) |
//! | 405 | `method_not_allowed` | the path exists, the method does not (with `Allow`) |
//! | 408 | `request_timeout` | the request body did not arrive in time |
//! | 413 | `request_too_large` | the request body is larger than the gateway accepts |
//! | 429 | `rate_limited` | the provider rate-limited the call (`429`) and the retries are spent (with `Retry-After`: the provider's wait, else [`FALLBACK_RETRY_AFTER`]) |
//! | 400, 404, 413, 422 | `upstream_rejected` | the provider refused the request with this status (its message) |
//! | 502 | `upstream_rejected` | the provider refused the request with another status below 500 (billing `402`, conflict `409`, ...) |
//! | 502 | `upstream_auth_error` | the provider refused the gateway's API key (`401`/`403`) |
//! | 502 | `upstream_connection_error` | the provider could not be reached, or sent no response in time |
//! | 502 | `upstream_invalid_response` | the provider answered `2xx` with something that is not an event stream; (non-streaming answers) its answer is unusable or too large |
//! | 503 | `provider_not_configured` | no usable API key (the message names the environment variable), or an unusable base URL |
//! | 503 | `upstream_unavailable` | the provider is overloaded or failing (`5xx`, `529`) and the retries are spent |
//! | 404 | `not_found` | (`GET /v1/streams/{id}`) no such resumable stream: unknown, expired or dropped ([`ErrorAnswer::stream_not_found`]) |
//! | 503 | `store_unavailable` | (`GET /v1/streams/{id}`) the store of resumable streams (Redis) cannot be reached ([`ErrorAnswer::store_unavailable`]) |
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
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use core::fmt;
use core::time::Duration;

use serde::Serialize;

use crate::chunk::{Finish, Provider, StreamChunk, StreamError, StreamErrorKind};
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

/// How the gateway ends a stream itself, when its upstream does not: the error of the terminal
/// frame it writes (see the wire contract's own error types).
///
/// When the upstream is still there (a shutdown), the gateway ends it *through* the upstream
/// (the shells' `abort`), so that the terminal frame keeps the id, model, usage and provider
/// finish reason that arrived; [`terminal`](Ending::terminal) is for when nothing is known
/// (the upstream's stream is over, or ignored the abort).
///
/// ```
/// use llm_sse_core::gateway::Ending;
/// use llm_sse_core::{frame, Provider};
///
/// assert_eq!(Ending::ShutDown.error().error_type(), "connection_error");
/// let mut out = Vec::new();
/// frame::encode(&Ending::UpstreamEnded.terminal(Provider::Gemini), &mut out);
/// assert_eq!(String::from_utf8(out).unwrap(), concat!(
///     r#"data: {"token":"","done":true,"provider":"gemini","finish_reason":"error","#,
///     r#""error":{"type":"incomplete_stream","message":"the upstream stream ended without a terminal chunk"}}"#,
///     "\n\ndata: [DONE]\n\n",
/// ));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ending {
    /// The upstream's stream ended without its terminal chunk (which no upstream of ours
    /// does): `incomplete_stream`, "the upstream stream ended without a terminal chunk".
    UpstreamEnded,
    /// The gateway shut down, and its grace period ran out, before the stream ended:
    /// `connection_error`, "the gateway shut down before the stream ended".
    ShutDown,
    /// A resumable stream was dropped from the gateway's store of resumable streams before it
    /// ended, to keep that store within its memory bound: `connection_error`, "the resumable
    /// stream was dropped from the gateway's store before it ended (its memory bound)". What a
    /// reader of it gets instead of a gap.
    Evicted,
    /// A resumable stream read from a shared store (Redis) was lost before it ended: the store
    /// became unreachable, or the stream's writer stopped writing to it: `connection_error`,
    /// "the resumable stream was lost from the gateway's store before it ended".
    StoreLost,
}

impl Ending {
    /// The error the terminal chunk carries.
    pub fn error(self) -> StreamError {
        match self {
            Ending::UpstreamEnded => StreamError::new(
                StreamErrorKind::IncompleteStream,
                "the upstream stream ended without a terminal chunk",
            ),
            Ending::ShutDown => StreamError::new(
                StreamErrorKind::ConnectionError,
                "the gateway shut down before the stream ended",
            ),
            Ending::Evicted => StreamError::new(
                StreamErrorKind::ConnectionError,
                "the resumable stream was dropped from the gateway's store before it ended (its \
                 memory bound)",
            ),
            Ending::StoreLost => StreamError::new(
                StreamErrorKind::ConnectionError,
                "the resumable stream was lost from the gateway's store before it ended",
            ),
        }
    }

    /// The terminal chunk of a `provider` stream that ended so, when nothing else about it is
    /// known (no id, model, usage or provider finish reason).
    pub fn terminal(self, provider: Provider) -> StreamChunk {
        StreamChunk::Done(Box::new(Finish {
            provider,
            id: None,
            model: None,
            outcome: Err(self.error()),
            provider_finish_reason: None,
            usage: None,
        }))
    }
}

/// The `Retry-After` sent with a `429` when the provider asked for no particular wait: the
/// retries were already spent with backoff, so the client may try again soon.
pub const FALLBACK_RETRY_AFTER: Duration = Duration::from_secs(1);

/// The `error.type` of the gateway's own error answers: one per row of the table in the
/// [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorType {
    /// `invalid_request` (400).
    InvalidRequest,
    /// `unauthorized` (401).
    Unauthorized,
    /// `not_found` (404).
    NotFound,
    /// `unknown_model` (404, the OpenAI and Anthropic endpoints).
    UnknownModel,
    /// `method_not_allowed` (405).
    MethodNotAllowed,
    /// `request_timeout` (408).
    RequestTimeout,
    /// `request_too_large` (413).
    RequestTooLarge,
    /// `rate_limited` (429).
    RateLimited,
    /// `upstream_rejected` (the provider's 400, 404, 413 or 422; else 502).
    UpstreamRejected,
    /// `upstream_auth_error` (502).
    UpstreamAuthError,
    /// `upstream_connection_error` (502).
    UpstreamConnectionError,
    /// `upstream_invalid_response` (502).
    UpstreamInvalidResponse,
    /// `provider_not_configured` (503).
    ProviderNotConfigured,
    /// `upstream_unavailable` (503).
    UpstreamUnavailable,
    /// `store_unavailable` (503): the store of resumable streams cannot be reached.
    StoreUnavailable,
}

impl ErrorType {
    /// Every type, in the order of the table.
    pub const ALL: [ErrorType; 15] = [
        ErrorType::InvalidRequest,
        ErrorType::Unauthorized,
        ErrorType::NotFound,
        ErrorType::UnknownModel,
        ErrorType::MethodNotAllowed,
        ErrorType::RequestTimeout,
        ErrorType::RequestTooLarge,
        ErrorType::RateLimited,
        ErrorType::UpstreamRejected,
        ErrorType::UpstreamAuthError,
        ErrorType::UpstreamConnectionError,
        ErrorType::UpstreamInvalidResponse,
        ErrorType::ProviderNotConfigured,
        ErrorType::UpstreamUnavailable,
        ErrorType::StoreUnavailable,
    ];

    /// The type as the body, the log and the metrics write it: `invalid_request`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorType::InvalidRequest => "invalid_request",
            ErrorType::Unauthorized => "unauthorized",
            ErrorType::NotFound => "not_found",
            ErrorType::UnknownModel => "unknown_model",
            ErrorType::MethodNotAllowed => "method_not_allowed",
            ErrorType::RequestTimeout => "request_timeout",
            ErrorType::RequestTooLarge => "request_too_large",
            ErrorType::RateLimited => "rate_limited",
            ErrorType::UpstreamRejected => "upstream_rejected",
            ErrorType::UpstreamAuthError => "upstream_auth_error",
            ErrorType::UpstreamConnectionError => "upstream_connection_error",
            ErrorType::UpstreamInvalidResponse => "upstream_invalid_response",
            ErrorType::ProviderNotConfigured => "provider_not_configured",
            ErrorType::UpstreamUnavailable => "upstream_unavailable",
            ErrorType::StoreUnavailable => "store_unavailable",
        }
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The gateway's status and type for a provider error that stands for the HTTP status
/// `status` (the table in the [module docs](self)): `401`/`403` are `502 upstream_auth_error`,
/// `429` is `429 rate_limited`, `5xx` (and `529`) `503 upstream_unavailable`, `400`, `404`, `413`
/// and `422` themselves and anything else `502` as `upstream_rejected`.
///
/// It is what [`ErrorAnswer::from_provider_error`] answers for the error a provider's answer
/// with that status becomes, and what a non-streaming dialect answer gives a provider's error
/// that arrived in the stream ([`DialectError::from_stream_error`](crate::dialect::DialectError::from_stream_error),
/// with the status its type stands for: [`status_of_error_type`](crate::provider::status_of_error_type)).
///
/// ```
/// use llm_sse_core::gateway::{upstream_answer, ErrorType};
///
/// assert_eq!(upstream_answer(529), (503, ErrorType::UpstreamUnavailable));
/// assert_eq!(upstream_answer(402), (502, ErrorType::UpstreamRejected));
/// assert_eq!(upstream_answer(404), (404, ErrorType::UpstreamRejected));
/// ```
pub const fn upstream_answer(status: u16) -> (u16, ErrorType) {
    match status {
        401 | 403 => (502, ErrorType::UpstreamAuthError),
        429 => (429, ErrorType::RateLimited),
        500.. => (503, ErrorType::UpstreamUnavailable),
        _ => (rejected_status(status), ErrorType::UpstreamRejected),
    }
}

/// The status a provider's refusal with `status` is answered with: `400`, `404`, `413` and
/// `422` as they are (the client can act on them), anything else `502`.
const fn rejected_status(status: u16) -> u16 {
    match status {
        400 | 404 | 413 | 422 => status,
        _ => 502,
    }
}

/// A wait as a `Retry-After` header's whole seconds: rounded up, at least 1.
///
/// ```
/// use core::time::Duration;
/// use llm_sse_core::gateway::retry_after_secs;
///
/// assert_eq!(retry_after_secs(Duration::from_millis(2500)), 3);
/// assert_eq!(retry_after_secs(Duration::ZERO), 1);
/// ```
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

/// How a failure known before a stream starts is answered: see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The `error.type` of the body, from the table in the [module docs](self).
    pub error_type: ErrorType,
    /// The `error.message` of the body. Never holds an API key or message contents.
    pub message: String,
    /// The wait to send as `Retry-After` (only with `429`).
    pub retry_after: Option<Duration>,
}

impl ErrorAnswer {
    /// An answer with `status`, `error_type` and `message`, no `Retry-After`.
    pub fn new(status: u16, error_type: ErrorType, message: impl Into<String>) -> Self {
        ErrorAnswer {
            status,
            error_type,
            message: message.into(),
            retry_after: None,
        }
    }

    /// `400 invalid_request`: the request is not valid; the message names the field.
    pub fn invalid_request(error: &RequestError) -> Self {
        ErrorAnswer::new(400, ErrorType::InvalidRequest, format!("{error}"))
    }

    /// `400 invalid_request`: the request body stopped before its end (the client went away
    /// in the middle of it).
    pub fn body_cut_short() -> Self {
        ErrorAnswer::new(
            400,
            ErrorType::InvalidRequest,
            "the request body was cut short",
        )
    }

    /// `401 unauthorized`.
    pub fn unauthorized() -> Self {
        ErrorAnswer::new(
            401,
            ErrorType::Unauthorized,
            "this gateway requires its token, as Authorization: Bearer <token> or x-api-key: <token>",
        )
    }

    /// `404 not_found` with `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        ErrorAnswer::new(404, ErrorType::NotFound, message)
    }

    /// `404 not_found` for `GET /v1/streams/{stream_id}`: no such resumable stream (unknown,
    /// expired or dropped).
    pub fn stream_not_found(stream_id: &str) -> Self {
        ErrorAnswer::not_found(format!(
            "no resumable stream {stream_id:?}: unknown, expired or dropped"
        ))
    }

    /// `503 store_unavailable`: the store of resumable streams (Redis) cannot be reached;
    /// `reason` says why (never with credentials).
    pub fn store_unavailable(reason: &str) -> Self {
        ErrorAnswer::new(
            503,
            ErrorType::StoreUnavailable,
            format!("the store of resumable streams cannot be reached: {reason}"),
        )
    }

    /// `405 method_not_allowed`: `method` is not one of `allowed` (send `allowed` as `Allow`).
    pub fn method_not_allowed(method: &str, allowed: &str) -> Self {
        ErrorAnswer::new(
            405,
            ErrorType::MethodNotAllowed,
            format!("method {method} is not allowed here (allowed: {allowed})"),
        )
    }

    /// `408 request_timeout`: the request body did not arrive within `limit`.
    pub fn request_timeout(limit: Duration) -> Self {
        ErrorAnswer::new(
            408,
            ErrorType::RequestTimeout,
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
            ErrorType::RequestTooLarge,
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
                    ErrorAnswer::new(503, ErrorType::ProviderNotConfigured, format!("{auth}"))
                }
                AuthFailure::Rejected(_) => {
                    ErrorAnswer::new(502, ErrorType::UpstreamAuthError, format!("{auth}"))
                }
            },
            ProviderError::InvalidRequest(e) => ErrorAnswer::invalid_request(e),
            ProviderError::Rejected(api) => ErrorAnswer::new(
                rejected_status(api.status),
                ErrorType::UpstreamRejected,
                format!("{name}: {api}"),
            ),
            ProviderError::RateLimited { error, retry_after } => ErrorAnswer {
                retry_after: Some(retry_after.unwrap_or(FALLBACK_RETRY_AFTER)),
                ..ErrorAnswer::new(429, ErrorType::RateLimited, format!("{name}: {error}"))
            },
            ProviderError::Unavailable(api) => ErrorAnswer::new(
                503,
                ErrorType::UpstreamUnavailable,
                format!("{name}: {api}"),
            ),
            ProviderError::Connection { message } => ErrorAnswer::new(
                502,
                ErrorType::UpstreamConnectionError,
                format!("{name}: connection failed: {message}"),
            ),
            ProviderError::NotEventStream { .. } => ErrorAnswer::new(
                502,
                ErrorType::UpstreamInvalidResponse,
                format!("{name}: {error}"),
            ),
            // The URL itself is not shown: a base URL may carry credentials.
            ProviderError::InvalidBaseUrl { reason, .. } => ErrorAnswer::new(
                503,
                ErrorType::ProviderNotConfigured,
                format!("the {name} base URL cannot be used: {reason}"),
            ),
        }
    }

    /// `Retry-After` in whole seconds, rounded up (at least 1), when there is one
    /// ([`retry_after_secs`]).
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after.map(retry_after_secs)
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
                r#type: self.error_type.as_str(),
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
                ErrorType::ProviderNotConfigured,
            ),
            (
                auth(AuthFailure::MalformedKey),
                503,
                ErrorType::ProviderNotConfigured,
            ),
            (
                auth(AuthFailure::Rejected(api(401))),
                502,
                ErrorType::UpstreamAuthError,
            ),
            (
                ProviderError::InvalidRequest(RequestError::NoMessages),
                400,
                ErrorType::InvalidRequest,
            ),
            (
                ProviderError::Rejected(api(400)),
                400,
                ErrorType::UpstreamRejected,
            ),
            (
                ProviderError::Rejected(api(404)),
                404,
                ErrorType::UpstreamRejected,
            ),
            (
                ProviderError::Rejected(api(413)),
                413,
                ErrorType::UpstreamRejected,
            ),
            (
                ProviderError::Rejected(api(422)),
                422,
                ErrorType::UpstreamRejected,
            ),
            (
                ProviderError::Rejected(api(402)),
                502,
                ErrorType::UpstreamRejected,
            ),
            (
                ProviderError::RateLimited {
                    error: api(429),
                    retry_after: None,
                },
                429,
                ErrorType::RateLimited,
            ),
            (
                ProviderError::Unavailable(api(529)),
                503,
                ErrorType::UpstreamUnavailable,
            ),
            (
                ProviderError::Connection {
                    message: "connect timed out".into(),
                },
                502,
                ErrorType::UpstreamConnectionError,
            ),
            (
                ProviderError::NotEventStream {
                    status: 200,
                    content_type: Some("text/html".into()),
                },
                502,
                ErrorType::UpstreamInvalidResponse,
            ),
            (
                ProviderError::InvalidBaseUrl {
                    url: "ftp://user:secret@host".into(),
                    reason: "it must start with http:// or https://".into(),
                },
                503,
                ErrorType::ProviderNotConfigured,
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

    /// The one table: a provider's answer with any status, made into the error the client
    /// makes of it, is answered as `upstream_answer` says for that status.
    #[test]
    fn upstream_answer_is_the_answer_to_every_status() {
        for status in (0..=1000).chain([u16::MAX]) {
            let error = ProviderError::from_status(
                Provider::OpenAi,
                ApiError::for_status(Provider::OpenAi, status),
                crate::retry::RetryHints::default(),
            );
            let answer = answer(error);
            assert_eq!(
                (answer.status, answer.error_type),
                upstream_answer(status),
                "{status}"
            );
        }
    }

    #[test]
    fn error_type_names() {
        for (i, ty) in ErrorType::ALL.into_iter().enumerate() {
            assert_eq!(ty.to_string(), ty.as_str());
            assert!(
                ErrorType::ALL[..i]
                    .iter()
                    .all(|t| t.as_str() != ty.as_str()),
                "{ty}"
            );
        }
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
        let answer = ErrorAnswer::new(404, ErrorType::NotFound, "no route \"/x\"");
        assert_eq!(
            answer.to_body(),
            r#"{"error":{"type":"not_found","message":"no route \"/x\""}}"#
        );
    }
}
