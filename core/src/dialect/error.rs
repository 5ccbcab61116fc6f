//! [`DialectError`]: what a gateway answers, in the client's dialect, when it cannot stream.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use serde::Serialize;

use crate::accumulate::AccumulateError;
use crate::api_error::ApiError;
use crate::chunk::{Provider, StreamError, StreamErrorKind};
use crate::client::ProviderError;
use crate::gateway::{
    ErrorAnswer, ErrorType, FALLBACK_RETRY_AFTER, UnknownModel, retry_after_secs, upstream_answer,
};
use crate::provider::status_of_error_type;
use crate::request::RequestError;

use super::{Dialect, write_json};

/// An error to answer in a dialect's own shape: an HTTP status and a JSON body
/// ([`to_body`](DialectError::to_body), `Content-Type: application/json`).
///
/// | dialect | body |
/// |---|---|
/// | OpenAI | `{"error":{"message":"...","type":"invalid_request_error","param":"temperature","code":null}}` |
/// | Anthropic | `{"type":"error","error":{"type":"invalid_request_error","message":"..."}}` |
///
/// Made by the request decoders and [`DialectRequest`](super::DialectRequest) (`400`), and for
/// what fails before a stream starts by [`from_provider_error`](DialectError::from_provider_error)
/// and, for a non-streaming answer, [`from_stream_error`](DialectError::from_stream_error).
/// Its status (and `Retry-After`) is the gateway's one answer to the failure, the table in
/// [`crate::gateway`]; only the body's shape is the dialect's. Its message never contains an
/// API key.
///
/// ```
/// use llm_sse_core::dialect::{anthropic, ErrorKind};
///
/// let error = anthropic::decode_request(br#"{"model":"m","messages":[],"top_j":1}"#).unwrap_err();
/// assert_eq!((error.status, error.kind), (400, ErrorKind::UnknownField));
/// assert_eq!(error.param.as_deref(), Some("top_j"));
/// assert!(String::from_utf8(error.to_body()).unwrap().starts_with(
///     r#"{"type":"error","error":{"type":"invalid_request_error","message":"top_j: unknown field"#
/// ));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DialectError {
    /// The dialect of the body.
    pub dialect: Dialect,
    /// The HTTP status to answer with.
    pub status: u16,
    /// What went wrong.
    pub kind: ErrorKind,
    /// The dialect's error type (`invalid_request_error`, `rate_limit_error`, ...).
    pub error_type: String,
    /// What to tell the client; for request errors it starts with the field
    /// (`messages[1].content[0].cache_control: ...`).
    pub message: String,
    /// The field the error is about, as the client wrote it (OpenAI's `param`), when there is
    /// one.
    pub param: Option<String>,
    /// OpenAI's `code`, when the provider gave one (`context_length_exceeded`).
    pub code: Option<String>,
    /// How long the client should wait before retrying (a `Retry-After` header's value): with
    /// every `429`, the provider's wait or
    /// [`FALLBACK_RETRY_AFTER`](crate::gateway::FALLBACK_RETRY_AFTER).
    pub retry_after: Option<Duration>,
    /// The failure as the gateway's own answers name it (the table in [`crate::gateway`]):
    /// what a gateway's log and metrics record. `None` for a stream that failed after it
    /// started, whose error type is the stream error's (counted with its terminal chunk).
    pub gateway_error: Option<ErrorType>,
}

/// What kind of failure a [`DialectError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The body is not a JSON object.
    InvalidJson,
    /// A required field is missing.
    MissingField,
    /// A field has the wrong type or a value outside what the API allows.
    InvalidValue,
    /// A field the dialect's API does not have (a typo, or a newer API's field).
    UnknownField,
    /// A field or value of the API that the gateway cannot honour (for every provider, or for
    /// the chosen one).
    Unsupported,
    /// The request is well formed but refused by validation
    /// ([`RequestError`]).
    InvalidRequest,
    /// The provider refused or failed the call before its stream started (or the gateway
    /// could not call it).
    Upstream,
    /// The stream failed after it started (only a non-streaming answer can still report it
    /// with a status).
    Stream,
    /// The request's `model` names no provider's model (`404`): see
    /// [`Models::resolve`](crate::gateway::Models::resolve).
    UnknownModel,
    /// The gateway refused the request itself, before reading it as a request: a missing
    /// token (`401`), a method the endpoint does not take (`405`), a body too slow (`408`) or
    /// too large (`413`); see [`from_answer`](DialectError::from_answer).
    Gateway,
}

impl DialectError {
    /// A `400` about the client's request.
    pub(crate) fn request(
        dialect: Dialect,
        kind: ErrorKind,
        param: String,
        message: String,
    ) -> DialectError {
        DialectError {
            dialect,
            status: 400,
            kind,
            error_type: default_type(dialect, 400).into(),
            message,
            param: (!param.is_empty()).then_some(param),
            code: None,
            retry_after: None,
            gateway_error: Some(ErrorType::InvalidRequest),
        }
    }

    /// A `400` for a validation error of a [`ChatRequest`](crate::request::ChatRequest) the
    /// caller built itself, worded as [`RequestError`] words it. For a decoded request, prefer
    /// [`DialectRequest::explain`](super::DialectRequest::explain), which names the field as
    /// the client wrote it.
    pub fn from_request_error(dialect: Dialect, error: &RequestError) -> DialectError {
        let message = error.to_string();
        let param = message
            .split_once(": ")
            .map(|(field, _)| field.to_owned())
            .unwrap_or_default();
        DialectError::request(dialect, ErrorKind::InvalidRequest, param, message)
    }

    /// `404` for a request whose `model` names no provider's model, in the shape of the
    /// providers' own answer to an unknown model: OpenAI `invalid_request_error` with
    /// `"param":"model"` and `"code":"model_not_found"`, Anthropic `not_found_error`. The
    /// message is the [`UnknownModel`]'s (what a model name looks like, and the aliases).
    ///
    /// ```
    /// use llm_sse_core::dialect::{Dialect, DialectError};
    /// use llm_sse_core::gateway::Models;
    ///
    /// let unknown = Models::new().resolve("mistral-large-latest").unwrap_err();
    /// let error = DialectError::unknown_model(Dialect::OpenAi, &unknown);
    /// assert_eq!(error.status, 404);
    /// assert!(String::from_utf8(error.to_body()).unwrap().ends_with(
    ///     r#""type":"invalid_request_error","param":"model","code":"model_not_found"}}"#));
    /// ```
    pub fn unknown_model(dialect: Dialect, error: &UnknownModel) -> DialectError {
        DialectError {
            dialect,
            status: 404,
            kind: ErrorKind::UnknownModel,
            error_type: default_type(dialect, 404).into(),
            message: error.to_string(),
            param: Some("model".into()),
            code: (dialect == Dialect::OpenAi).then(|| "model_not_found".into()),
            retry_after: None,
            gateway_error: Some(ErrorType::UnknownModel),
        }
    }

    /// The gateway's own [`ErrorAnswer`] (`401`, `405`, `408`, `413`, ...) in `dialect`'s
    /// shape: the same status, message and `Retry-After`, the dialect's error type for the
    /// status (`401`: OpenAI `invalid_request_error` with `"code":"invalid_api_key"`, as
    /// OpenAI answers a wrong key; Anthropic `authentication_error`).
    ///
    /// ```
    /// use llm_sse_core::dialect::{Dialect, DialectError};
    /// use llm_sse_core::gateway::ErrorAnswer;
    ///
    /// let error = DialectError::from_answer(Dialect::Anthropic, &ErrorAnswer::unauthorized());
    /// assert_eq!((error.status, error.error_type.as_str()), (401, "authentication_error"));
    /// ```
    pub fn from_answer(dialect: Dialect, answer: &ErrorAnswer) -> DialectError {
        DialectError {
            dialect,
            status: answer.status,
            kind: ErrorKind::Gateway,
            error_type: default_type(dialect, answer.status).into(),
            message: answer.message.clone(),
            param: None,
            code: (dialect == Dialect::OpenAi && answer.status == 401)
                .then(|| "invalid_api_key".into()),
            retry_after: answer.retry_after,
            gateway_error: Some(answer.error_type),
        }
    }

    /// What a failed call of `upstream` (before its stream started) answers in `dialect`: the
    /// status and `Retry-After` of the gateway's own answer
    /// ([`ErrorAnswer::from_provider_error`], the table in [`crate::gateway`]: `400` for an
    /// invalid request, the provider's `400`, `404`, `413` or `422`, `429` with `Retry-After`,
    /// `502` for another refusal or a refused key, a lost connection or an answer that is not
    /// an event stream, `503` when the provider is overloaded or failing or the gateway cannot
    /// call it).
    ///
    /// When `upstream` is the dialect's own provider, its error type, code and message are
    /// passed on unchanged; otherwise the type is the dialect's for the status and the message
    /// names the provider.
    ///
    /// ```
    /// use llm_sse_core::client::ProviderError;
    /// use llm_sse_core::dialect::{Dialect, DialectError};
    /// use llm_sse_core::{ApiError, Provider};
    ///
    /// let overloaded = ProviderError::Unavailable(ApiError::new(Provider::Anthropic, 529, "Overloaded"));
    /// let error = DialectError::from_provider_error(Dialect::Anthropic, Provider::Anthropic, &overloaded);
    /// assert_eq!((error.status, error.error_type.as_str()), (503, "overloaded_error"));
    /// ```
    pub fn from_provider_error(
        dialect: Dialect,
        upstream: Provider,
        error: &ProviderError,
    ) -> DialectError {
        let answer = ErrorAnswer::from_provider_error(upstream, error);
        let mut out = match error {
            ProviderError::InvalidRequest(e) => DialectError::from_request_error(dialect, e),
            ProviderError::Rejected(api)
            | ProviderError::Unavailable(api)
            | ProviderError::RateLimited { error: api, .. } => {
                from_api_error(dialect, upstream, api, answer.status)
            }
            ProviderError::Auth(auth) => upstream_error(dialect, answer.status, auth.to_string()),
            ProviderError::Connection { .. } | ProviderError::NotEventStream { .. } => {
                upstream_error(dialect, answer.status, error.to_string())
            }
            ProviderError::InvalidBaseUrl { .. } => {
                upstream_error(dialect, answer.status, answer.message)
            }
        };
        out.retry_after = answer.retry_after;
        out.gateway_error = Some(answer.error_type);
        out
    }

    /// What a stream that failed after it started (`error`, from a stream of `upstream`)
    /// answers in `dialect` when the response is not streamed: `502` for a broken stream
    /// (`incomplete_stream`, `invalid_event`, `connection_error`), `504` for `idle_timeout`, and
    /// for the provider's own error the gateway's answer ([`upstream_answer`]) to the status its
    /// type stands for ([`status_of_error_type`](crate::provider::status_of_error_type)):
    /// `overloaded_error` (`529`) and `UNAVAILABLE` `503`, `rate_limit_error` and
    /// `RESOURCE_EXHAUSTED` `429` (with `Retry-After`), `invalid_request_error` `400`, ...;
    /// `502` for a type no provider table lists.
    pub fn from_stream_error(
        dialect: Dialect,
        upstream: Option<Provider>,
        error: &StreamError,
    ) -> DialectError {
        let status = match &error.kind {
            StreamErrorKind::Provider(ty) => status_of_error_type(ty).map_or(502, |status| {
                let (status, _) = upstream_answer(status);
                status
            }),
            StreamErrorKind::IdleTimeout => 504,
            _ => 502,
        };
        // The provider's own error, reported to a client of the same API: passed on as it is.
        // So is an error of the same API from another provider when the dialect knows its type
        // (Claude on Vertex AI streams Anthropic's `overloaded_error`; Bedrock's exceptions are
        // its own).
        let native = match (&error.kind, upstream) {
            (StreamErrorKind::Provider(ty), Some(upstream)) if !ty.is_empty() => {
                let own = dialect.provider();
                upstream == own
                    || (upstream.api() == own.api()
                        && own.spec().error_types.iter().any(|(_, t)| t == ty))
            }
            _ => false,
        };
        let (error_type, message) = if native {
            (error.error_type().into(), error.message.clone())
        } else {
            (
                default_type(dialect, status).into(),
                format!("{}: {}", error.error_type(), error.message),
            )
        };
        DialectError {
            dialect,
            status,
            kind: ErrorKind::Stream,
            error_type,
            message,
            param: None,
            code: None,
            retry_after: (status == 429).then_some(FALLBACK_RETRY_AFTER),
            gateway_error: None,
        }
    }

    /// What a non-streaming answer gives for a stream that folded into no message: a failed
    /// stream as [`from_stream_error`](DialectError::from_stream_error); a tool call whose
    /// arguments are not JSON, or an answer larger than the accumulator's limit, `502` (the
    /// provider's output is unusable; `upstream_invalid_response`); a stream that never
    /// reached its terminal chunk `500` (the caller stopped early).
    pub fn from_accumulate_error(dialect: Dialect, error: &AccumulateError) -> DialectError {
        match error {
            AccumulateError::Stream { error, partial } => {
                DialectError::from_stream_error(dialect, partial.provider, error)
            }
            AccumulateError::TooLarge { limit, .. } => {
                let mut e = upstream_error(
                    dialect,
                    502,
                    format!(
                        "the answer is larger than the {limit} bytes the gateway keeps for a \
                         non-streaming response; ask for it with \"stream\": true"
                    ),
                );
                e.kind = ErrorKind::Stream;
                e.gateway_error = Some(ErrorType::UpstreamInvalidResponse);
                e
            }
            AccumulateError::Unfinished { .. } => {
                let mut e = DialectError::from_stream_error(
                    dialect,
                    None,
                    &StreamError::new(
                        StreamErrorKind::IncompleteStream,
                        "the stream ended without its terminal chunk",
                    ),
                );
                e.status = 500;
                e.error_type = default_type(dialect, 500).into();
                e.gateway_error = Some(ErrorType::UpstreamInvalidResponse);
                e
            }
            other => {
                let mut e = DialectError::from_stream_error(
                    dialect,
                    None,
                    &StreamError::new(StreamErrorKind::InvalidEvent, other.to_string()),
                );
                e.gateway_error = Some(ErrorType::UpstreamInvalidResponse);
                e
            }
        }
    }

    /// [`retry_after`](DialectError::retry_after) in whole seconds for a `Retry-After` header,
    /// rounded up (at least 1), when there is one ([`retry_after_secs`]).
    ///
    /// ```
    /// use core::time::Duration;
    /// use llm_sse_core::dialect::{Dialect, DialectError};
    /// use llm_sse_core::gateway::{ErrorAnswer, ErrorType};
    ///
    /// let mut answer = ErrorAnswer::new(429, ErrorType::RateLimited, "slow down");
    /// answer.retry_after = Some(Duration::from_millis(1500));
    /// assert_eq!(DialectError::from_answer(Dialect::OpenAi, &answer).retry_after_secs(), Some(2));
    /// ```
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after.map(retry_after_secs)
    }

    /// The error body in the dialect's shape (see the type's docs), as compact JSON.
    pub fn to_body(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self.dialect {
            Dialect::OpenAi => write_json(
                &OpenAiBody {
                    error: OpenAiErrorObject {
                        message: &self.message,
                        kind: &self.error_type,
                        param: self.param.as_deref(),
                        code: self.code.as_deref(),
                    },
                },
                &mut out,
            ),
            Dialect::Anthropic => write_json(
                &AnthropicBody {
                    kind: "error",
                    error: AnthropicErrorObject {
                        kind: &self.error_type,
                        message: &self.message,
                    },
                },
                &mut out,
            ),
        }
        out
    }
}

impl fmt::Display for DialectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HTTP {} {}: {}",
            self.status, self.error_type, self.message
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DialectError {}

/// The dialect's error type for `status` (Anthropic: `invalid_request_error`,
/// `authentication_error`, ..., `overloaded_error`; OpenAI: `invalid_request_error`, `requests`,
/// `server_error`).
pub(super) fn default_type(dialect: Dialect, status: u16) -> &'static str {
    ApiError::default_type(dialect.provider(), status)
}

/// An upstream failure in the dialect's type for `status` (the caller sets `retry_after` and
/// `gateway_error`).
fn upstream_error(dialect: Dialect, status: u16, message: String) -> DialectError {
    DialectError {
        dialect,
        status,
        kind: ErrorKind::Upstream,
        error_type: default_type(dialect, status).into(),
        message,
        param: None,
        code: None,
        retry_after: None,
        gateway_error: None,
    }
}

fn from_api_error(
    dialect: Dialect,
    upstream: Provider,
    api: &ApiError,
    status: u16,
) -> DialectError {
    if upstream == dialect.provider() {
        return DialectError {
            dialect,
            status,
            kind: ErrorKind::Upstream,
            error_type: api.error_type.clone(),
            message: api.message.clone(),
            param: None,
            code: api.code.clone(),
            retry_after: None,
            gateway_error: None,
        };
    }
    let message = format!(
        "{} {}: {}",
        upstream.display_name(),
        api.error_type,
        api.message
    );
    upstream_error(dialect, status, message)
}

#[derive(Serialize)]
struct OpenAiBody<'a> {
    error: OpenAiErrorObject<'a>,
}

/// `{"message","type","param","code"}`: OpenAI's error object (`param` and `code` are `null`
/// when absent).
#[derive(Serialize)]
pub(super) struct OpenAiErrorObject<'a> {
    pub(super) message: &'a str,
    #[serde(rename = "type")]
    pub(super) kind: &'a str,
    pub(super) param: Option<&'a str>,
    pub(super) code: Option<&'a str>,
}

#[derive(Serialize)]
struct AnthropicBody<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    error: AnthropicErrorObject<'a>,
}

/// `{"type","message"}`: Anthropic's error object.
#[derive(Serialize)]
pub(super) struct AnthropicErrorObject<'a> {
    #[serde(rename = "type")]
    pub(super) kind: &'a str,
    pub(super) message: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{AuthFailure, ProviderAuthError};

    fn body(e: &DialectError) -> String {
        String::from_utf8(e.to_body()).unwrap()
    }

    #[test]
    fn request_errors_in_both_shapes() {
        let e = DialectError::request(
            Dialect::OpenAi,
            ErrorKind::UnknownField,
            "foo".into(),
            "foo: unknown field".into(),
        );
        assert_eq!(
            body(&e),
            r#"{"error":{"message":"foo: unknown field","type":"invalid_request_error","param":"foo","code":null}}"#
        );
        let e = DialectError::request(
            Dialect::Anthropic,
            ErrorKind::InvalidJson,
            String::new(),
            "not JSON".into(),
        );
        assert_eq!(e.param, None);
        assert_eq!(
            body(&e),
            r#"{"type":"error","error":{"type":"invalid_request_error","message":"not JSON"}}"#
        );
    }

    #[test]
    fn provider_errors_take_the_gateways_status_and_keep_the_native_type() {
        let overloaded = ApiError::new(Provider::Anthropic, 529, "Overloaded");
        let pe = ProviderError::Unavailable(overloaded);
        let same = DialectError::from_provider_error(Dialect::Anthropic, Provider::Anthropic, &pe);
        assert_eq!(
            (same.status, same.error_type.as_str()),
            (503, "overloaded_error")
        );
        assert_eq!(same.message, "Overloaded");
        assert_eq!(same.gateway_error, Some(ErrorType::UpstreamUnavailable));
        let other = DialectError::from_provider_error(Dialect::OpenAi, Provider::Anthropic, &pe);
        assert_eq!(
            (other.status, other.error_type.as_str()),
            (503, "server_error")
        );
        assert_eq!(other.message, "Anthropic overloaded_error: Overloaded");
        assert_eq!(other.kind, ErrorKind::Upstream);

        let billing = ProviderError::Rejected(ApiError::new(Provider::Anthropic, 402, "No credit"));
        let e =
            DialectError::from_provider_error(Dialect::Anthropic, Provider::Anthropic, &billing);
        assert_eq!((e.status, e.error_type.as_str()), (502, "billing_error"));

        let limited = ProviderError::RateLimited {
            error: ApiError::new(Provider::OpenAi, 429, "slow down"),
            retry_after: Some(Duration::from_secs(3)),
        };
        let e = DialectError::from_provider_error(Dialect::OpenAi, Provider::OpenAi, &limited);
        assert_eq!(e.status, 429);
        assert_eq!(e.code.as_deref(), Some("rate_limit_exceeded"));
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
        let e = DialectError::from_provider_error(Dialect::Anthropic, Provider::OpenAi, &limited);
        assert_eq!((e.status, e.error_type.as_str()), (429, "rate_limit_error"));
        assert_eq!(e.code, None);
        // Without the provider's wait, the gateway's fallback, as on the native route.
        let limited = ProviderError::RateLimited {
            error: ApiError::new(Provider::OpenAi, 429, "slow down"),
            retry_after: None,
        };
        let e = DialectError::from_provider_error(Dialect::Anthropic, Provider::OpenAi, &limited);
        assert_eq!(e.retry_after_secs(), Some(1));
    }

    /// Every failure, for every upstream and dialect, has the native route's status,
    /// `Retry-After` and gateway error type.
    #[test]
    fn provider_errors_are_answered_as_on_the_native_route() {
        let mut errors = Vec::new();
        for provider in Provider::ALL {
            for status in [
                400, 401, 402, 403, 404, 409, 413, 422, 429, 500, 503, 529, 599,
            ] {
                let hints = crate::retry::RetryHints::default();
                let api = ApiError::for_status(provider, status);
                errors.push((provider, ProviderError::from_status(provider, api, hints)));
            }
            let auth = |reason| ProviderError::Auth(ProviderAuthError { provider, reason });
            errors.push((provider, auth(AuthFailure::MissingKey)));
            errors.push((provider, auth(AuthFailure::MalformedKey)));
            errors.push((
                provider,
                ProviderError::InvalidRequest(crate::request::RequestError::NoMessages),
            ));
            errors.push((
                provider,
                ProviderError::Connection {
                    message: "reset".into(),
                },
            ));
            errors.push((
                provider,
                ProviderError::NotEventStream {
                    status: 200,
                    content_type: None,
                },
            ));
            errors.push((
                provider,
                ProviderError::InvalidBaseUrl {
                    url: "x".into(),
                    reason: "bad".into(),
                },
            ));
        }
        for (upstream, error) in &errors {
            let answer = ErrorAnswer::from_provider_error(*upstream, error);
            for dialect in Dialect::ALL {
                let e = DialectError::from_provider_error(dialect, *upstream, error);
                assert_eq!(e.status, answer.status, "{dialect} {upstream} {error:?}");
                assert_eq!(e.retry_after, answer.retry_after, "{error:?}");
                assert_eq!(e.gateway_error, Some(answer.error_type), "{error:?}");
            }
        }
    }

    #[test]
    fn gateway_side_failures() {
        let missing = ProviderError::Auth(ProviderAuthError {
            provider: Provider::Gemini,
            reason: AuthFailure::MissingKey,
        });
        let e = DialectError::from_provider_error(Dialect::OpenAi, Provider::Gemini, &missing);
        assert_eq!(e.status, 503);
        assert!(e.message.contains("GEMINI_API_KEY"), "{}", e.message);
        let refused = ProviderError::Auth(ProviderAuthError {
            provider: Provider::Anthropic,
            reason: AuthFailure::Rejected(ApiError::new(Provider::Anthropic, 401, "bad key")),
        });
        let e =
            DialectError::from_provider_error(Dialect::Anthropic, Provider::Anthropic, &refused);
        assert_eq!((e.status, e.error_type.as_str()), (502, "api_error"));
        let cut = ProviderError::Connection {
            message: "reset".into(),
        };
        let e = DialectError::from_provider_error(Dialect::Anthropic, Provider::OpenAi, &cut);
        assert_eq!((e.status, e.kind), (502, ErrorKind::Upstream));
    }

    #[test]
    fn the_gateways_own_refusals() {
        let unauthorized = ErrorAnswer::unauthorized();
        let e = DialectError::from_answer(Dialect::OpenAi, &unauthorized);
        assert_eq!(e.kind, ErrorKind::Gateway);
        assert_eq!(
            body(&e),
            format!(
                r#"{{"error":{{"message":"{}","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}}}"#,
                unauthorized.message
            )
        );
        let e = DialectError::from_answer(Dialect::Anthropic, &unauthorized);
        assert_eq!(
            body(&e),
            format!(
                r#"{{"type":"error","error":{{"type":"authentication_error","message":"{}"}}}}"#,
                unauthorized.message
            )
        );
        let large = ErrorAnswer::request_too_large(10);
        let e = DialectError::from_answer(Dialect::Anthropic, &large);
        assert_eq!(
            (e.status, e.error_type.as_str()),
            (413, "request_too_large")
        );
        let e = DialectError::from_answer(Dialect::OpenAi, &large);
        assert_eq!((e.status, e.code), (413, None));

        let unknown = crate::gateway::Models::new().resolve("x").unwrap_err();
        let e = DialectError::unknown_model(Dialect::Anthropic, &unknown);
        assert_eq!((e.status, e.error_type.as_str()), (404, "not_found_error"));
        assert_eq!((e.param.as_deref(), e.code), (Some("model"), None));
        assert!(
            e.message.starts_with("model: \"x\" names no provider"),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_answer_over_the_limit() {
        let mut acc = crate::Accumulator::with_limit(3);
        acc.push(&crate::StreamChunk::Token("Hello".into()));
        let e = DialectError::from_accumulate_error(Dialect::OpenAi, &acc.finish().unwrap_err());
        assert_eq!(
            (e.status, e.gateway_error),
            (502, Some(ErrorType::UpstreamInvalidResponse))
        );
        assert_eq!(
            body(&e),
            r#"{"error":{"message":"the answer is larger than the 3 bytes the gateway keeps for a non-streaming response; ask for it with \"stream\": true","type":"server_error","param":null,"code":null}}"#
        );
    }

    #[test]
    fn stream_errors_map_their_type_to_a_status() {
        let cases = [
            (StreamErrorKind::Provider("overloaded_error".into()), 503),
            (StreamErrorKind::Provider("api_error".into()), 503),
            (StreamErrorKind::Provider("rate_limit_error".into()), 429),
            (StreamErrorKind::Provider("RESOURCE_EXHAUSTED".into()), 429),
            (StreamErrorKind::Provider("UNAVAILABLE".into()), 503),
            (
                StreamErrorKind::Provider("invalid_request_error".into()),
                400,
            ),
            (StreamErrorKind::Provider("billing_error".into()), 502),
            (
                StreamErrorKind::Provider("authentication_error".into()),
                502,
            ),
            (StreamErrorKind::Provider("something_new".into()), 502),
            (StreamErrorKind::IncompleteStream, 502),
            (StreamErrorKind::InvalidEvent, 502),
            (StreamErrorKind::ConnectionError, 502),
            (StreamErrorKind::IdleTimeout, 504),
        ];
        for (kind, status) in cases {
            let error = StreamError::new(kind, "m");
            let e = DialectError::from_stream_error(Dialect::Anthropic, None, &error);
            assert_eq!(e.status, status, "{error}");
            assert_eq!(e.kind, ErrorKind::Stream);
            assert_eq!(e.gateway_error, None);
            assert_eq!(e.retry_after_secs().is_some(), status == 429, "{error}");
        }
        let error = StreamError::new(StreamErrorKind::Provider("overloaded_error".into()), "O");
        let same =
            DialectError::from_stream_error(Dialect::Anthropic, Some(Provider::Anthropic), &error);
        assert_eq!(
            body(&same),
            r#"{"type":"error","error":{"type":"overloaded_error","message":"O"}}"#
        );
        let other =
            DialectError::from_stream_error(Dialect::OpenAi, Some(Provider::Anthropic), &error);
        assert_eq!(
            body(&other),
            r#"{"error":{"message":"overloaded_error: O","type":"server_error","param":null,"code":null}}"#
        );
    }
}
