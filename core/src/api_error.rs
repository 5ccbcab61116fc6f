//! Provider error bodies: the JSON a provider answers a failed request with (a non-2xx status),
//! built for a status and message, and read back into an [`ApiError`].
//!
//! Each provider has its own shape:
//!
//! | provider | body |
//! |---|---|
//! | Anthropic | `{"type":"error","error":{"type":"rate_limit_error","message":"..."}}` |
//! | OpenAI | `{"error":{"message":"...","type":"requests","param":null,"code":"rate_limit_exceeded"}}` |
//! | Gemini | `{"error":{"code":429,"message":"...","status":"RESOURCE_EXHAUSTED"}}` |
//!
//! [`ApiError::parse`] is tolerant: a body that is not JSON, or JSON of another shape, still gives
//! an error whose type is the status's default and whose message is a bounded excerpt of the
//! body. It never panics and its output is bounded whatever the input.
//!
//! ```
//! use llm_sse_core::{ApiError, Provider};
//!
//! let error = ApiError::new(Provider::Anthropic, 529, "Overloaded");
//! let body = error.to_body(Provider::Anthropic);
//! assert_eq!(body, r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#);
//! assert_eq!(ApiError::parse(Provider::Anthropic, 529, body.as_bytes()), error);
//!
//! let garbage = ApiError::parse(Provider::OpenAi, 502, b"<html>Bad Gateway</html>");
//! assert_eq!(garbage.error_type, "server_error");
//! assert_eq!(garbage.message, "<html>Bad Gateway</html>");
//! ```

use alloc::borrow::ToOwned;
use alloc::string::{String, ToString};
use core::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::chunk::Provider;
use crate::provider::ErrorShape;

/// The header of AWS's error answers that names the error type (`x-amzn-ErrorType`, in lower
/// case as HTTP/2 and hyper write names).
pub(crate) const AWS_ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

/// Bodies larger than this are not parsed as JSON at all (only excerpted): provider error
/// bodies are small, and this bounds the work done on a hostile one.
const MAX_JSON_BODY: usize = 256 * 1024;

/// An error a provider answered a request with: the HTTP status, the provider's error type and
/// its message.
///
/// `error_type` is the provider's own name for the error: Anthropic's `error.type`
/// (`rate_limit_error`), OpenAI's `error.type` (`invalid_request_error`, or `requests`/`tokens`
/// for rate limits), Gemini's `error.status` (`RESOURCE_EXHAUSTED`). `code` is OpenAI's
/// `error.code` (`invalid_api_key`, `rate_limit_exceeded`); the other providers' bodies have no
/// such field, and [`ApiError::to_body`] writes it for OpenAI only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status code.
    pub status: u16,
    /// The provider's error type, as described above.
    pub error_type: String,
    /// The human-readable message.
    pub message: String,
    /// OpenAI's `error.code`, when there is one.
    pub code: Option<String>,
}

impl ApiError {
    /// The longest message (and type) [`ApiError::parse`] keeps from a JSON error body, in
    /// bytes; longer ones are cut at a character boundary and end with `…`.
    pub const MAX_MESSAGE_LEN: usize = 4096;

    /// The longest excerpt [`ApiError::parse`] keeps from a body it cannot read as an error, in
    /// bytes (before UTF-8 replacement; `…` is appended when cut).
    pub const MAX_EXCERPT_LEN: usize = 512;

    /// An error of `status` with `message`, the provider's usual type for that status
    /// ([`ApiError::default_type`]) and, for OpenAI, its usual code.
    pub fn new(provider: Provider, status: u16, message: impl Into<String>) -> Self {
        ApiError {
            status,
            error_type: Self::default_type(provider, status).to_owned(),
            message: message.into(),
            code: default_code(provider, status).map(ToOwned::to_owned),
        }
    }

    /// An error of `status` with a message like the provider's own for that status
    /// (Anthropic's 529 says `Overloaded`).
    pub fn for_status(provider: Provider, status: u16) -> Self {
        match default_message(provider, status) {
            "" => Self::new(provider, status, alloc::format!("HTTP {status}")),
            message => Self::new(provider, status, message),
        }
    }

    /// The error type the provider uses for `status`: its row of the provider table
    /// ([`ProviderSpec::error_types`](crate::provider::ProviderSpec::error_types)), such as
    /// Anthropic's `overloaded_error` for 529, OpenAI's `requests` for 429, Gemini's
    /// `RESOURCE_EXHAUSTED` for 429.
    pub fn default_type(provider: Provider, status: u16) -> &'static str {
        provider.spec().error_type(status)
    }

    /// The provider's error body for this error, as compact JSON (see the module docs for the
    /// shapes). Gemini's `code` is the HTTP status; OpenAI's `param` is `null`.
    pub fn to_body(&self, provider: Provider) -> String {
        // Serializing these plain structs into a String cannot fail; an empty body is the
        // harmless fallback should that ever change.
        let json = match provider.spec().error_shape {
            ErrorShape::Anthropic => serde_json::to_string(&AnthropicBody {
                r#type: "error",
                error: AnthropicError {
                    r#type: &self.error_type,
                    message: &self.message,
                },
            }),
            ErrorShape::OpenAi => serde_json::to_string(&OpenAiBody {
                error: OpenAiError {
                    message: &self.message,
                    r#type: &self.error_type,
                    param: None,
                    code: self.code.as_deref(),
                },
            }),
            ErrorShape::Google => serde_json::to_string(&GeminiBody {
                error: GeminiError {
                    code: self.status,
                    message: &self.message,
                    status: &self.error_type,
                },
            }),
            // The type goes in the `x-amzn-ErrorType` header ([`ApiError::aws_error_type`]).
            ErrorShape::Aws => serde_json::to_string(&AwsBody {
                message: &self.message,
            }),
        };
        json.unwrap_or_default()
    }

    /// The error type AWS sends in the `x-amzn-ErrorType` header of a failed answer (its value
    /// is `Type` or `Type:http://...`): `Some` for a provider whose error shape is AWS's and a
    /// header that names a type.
    ///
    /// ```
    /// use llm_sse_core::{ApiError, Provider};
    ///
    /// let header = "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/";
    /// assert_eq!(ApiError::aws_error_type(Provider::Bedrock, header), Some("ThrottlingException"));
    /// assert_eq!(ApiError::aws_error_type(Provider::Anthropic, header), None);
    /// ```
    pub fn aws_error_type(provider: Provider, header: &str) -> Option<&str> {
        (provider.spec().error_shape == ErrorShape::Aws)
            .then(|| aws_type(header))
            .flatten()
    }

    /// The header that carries the error's type beside the body, for a provider whose error
    /// shape puts it there (AWS's `x-amzn-errortype`): its name and value, for servers that
    /// answer as the provider does (the mock provider, the gateway's errors in a provider's
    /// shape). `None` for the other shapes, whose body holds the type.
    ///
    /// ```
    /// use llm_sse_core::{ApiError, Provider};
    ///
    /// let error = ApiError::for_status(Provider::Bedrock, 429);
    /// assert_eq!(error.type_header(Provider::Bedrock), Some(("x-amzn-errortype", "ThrottlingException")));
    /// assert_eq!(error.to_body(Provider::Bedrock), r#"{"message":"Too many requests, please wait before trying again."}"#);
    /// assert_eq!(ApiError::for_status(Provider::Anthropic, 429).type_header(Provider::Anthropic), None);
    /// ```
    pub fn type_header(&self, provider: Provider) -> Option<(&'static str, &str)> {
        (provider.spec().error_shape == ErrorShape::Aws)
            .then_some((AWS_ERROR_TYPE_HEADER, self.error_type.as_str()))
    }

    /// Reads a provider's answer to a failed request (`status`, `body`) back into an error.
    ///
    /// Understands each provider's shape (see the module docs), a one-element JSON array around
    /// it (as Gemini sometimes sends), `{"error":"message"}` and `{"message":"..."}` as some
    /// compatible servers send, and takes from any of them the fields it finds: `error.type`,
    /// then `error.status`, then a string `error.code` for the type (Gemini: `status` first),
    /// and `error.message` for the message. What is missing gets the status's default type,
    /// and the message becomes an excerpt of the body (at most [`ApiError::MAX_EXCERPT_LEN`] bytes, UTF-8
    /// with replacement, whitespace trimmed), or a description of the status when the body is
    /// empty. Messages are cut to [`ApiError::MAX_MESSAGE_LEN`] bytes.
    pub fn parse(provider: Provider, status: u16, body: &[u8]) -> Self {
        let mut error = ApiError {
            status,
            error_type: String::new(),
            message: String::new(),
            code: None,
        };
        if body.len() <= MAX_JSON_BODY {
            if let Ok(value) = serde_json::from_slice::<Value>(body) {
                read_json(provider, &value, &mut error);
            }
        }
        if error.error_type.is_empty() {
            error.error_type = Self::default_type(provider, status).to_owned();
        }
        if error.message.is_empty() {
            error.message = excerpt(body);
        }
        if error.message.is_empty() {
            error.message = alloc::format!("HTTP {status} {}", reason_phrase(status));
            error.message.truncate(error.message.trim_end().len());
        }
        error
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HTTP {} {}: {}",
            self.status, self.error_type, self.message
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ApiError {}

#[derive(Serialize)]
struct AnthropicBody<'a> {
    r#type: &'a str,
    error: AnthropicError<'a>,
}

#[derive(Serialize)]
struct AnthropicError<'a> {
    r#type: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct OpenAiBody<'a> {
    error: OpenAiError<'a>,
}

#[derive(Serialize)]
struct OpenAiError<'a> {
    message: &'a str,
    r#type: &'a str,
    param: Option<&'a str>,
    code: Option<&'a str>,
}

#[derive(Serialize)]
struct AwsBody<'a> {
    message: &'a str,
}

#[derive(Serialize)]
struct GeminiBody<'a> {
    error: GeminiError<'a>,
}

#[derive(Serialize)]
struct GeminiError<'a> {
    code: u16,
    message: &'a str,
    status: &'a str,
}

/// The provider's usual `error.code` for a status (OpenAI's), from the provider table.
fn default_code(provider: Provider, status: u16) -> Option<&'static str> {
    let spec = provider.spec();
    spec.error_codes
        .iter()
        .find(|(s, _)| *s == status)
        .map(|(_, code)| *code)
}

/// A message like the one the provider sends with `status`, from the provider table; the
/// status's reason phrase otherwise.
fn default_message(provider: Provider, status: u16) -> &'static str {
    let spec = provider.spec();
    spec.error_messages
        .iter()
        .find(|(s, _)| *s == status)
        .map_or_else(|| reason_phrase(status), |(_, message)| *message)
}

/// The standard reason phrase of a status, or `""`.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        529 => "Overloaded",
        _ => "",
    }
}

/// Fills `error` from whatever error fields `value` has.
fn read_json(provider: Provider, value: &Value, error: &mut ApiError) {
    let value = match value {
        Value::Array(items) => match items.first() {
            Some(first) => first,
            None => return,
        },
        other => other,
    };
    let Value::Object(top) = value else { return };
    match top.get("error") {
        Some(Value::Object(inner)) => {
            let string = |key: &str| {
                inner
                    .get(key)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            };
            let code = match inner.get("code") {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            let error_type = match provider.spec().error_shape {
                ErrorShape::Google => string("status").or_else(|| string("type")),
                ErrorShape::Anthropic | ErrorShape::OpenAi | ErrorShape::Aws => {
                    string("type").or_else(|| string("status"))
                }
            };
            // A string code names the error when nothing else does (some OpenAI-compatible
            // servers send only `code`); a numeric one is Gemini's copy of the HTTP status.
            let error_type = error_type.or_else(|| match inner.get("code") {
                Some(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
                _ => None,
            });
            if let Some(t) = error_type {
                error.error_type = bounded(t, ApiError::MAX_MESSAGE_LEN);
            }
            if let Some(m) = string("message") {
                error.message = bounded(m, ApiError::MAX_MESSAGE_LEN);
            }
            if provider.spec().error_shape == ErrorShape::OpenAi {
                error.code = code.map(|c| bounded(&c, ApiError::MAX_MESSAGE_LEN));
            }
        }
        Some(Value::String(message)) if !message.is_empty() => {
            error.message = bounded(message, ApiError::MAX_MESSAGE_LEN);
        }
        _ => {
            // `message` (AWS's JSON protocols and some compatible servers), or `Message`.
            let message = ["message", "Message"]
                .iter()
                .find_map(|key| top.get(*key).and_then(Value::as_str));
            if let Some(message) = message.filter(|m| !m.is_empty()) {
                error.message = bounded(message, ApiError::MAX_MESSAGE_LEN);
            }
            // AWS's JSON protocols may also name the error in the body: `__type`, optionally
            // namespaced (`com.amazon.coral.service#ThrottlingException`).
            if let Some(ty) = top.get("__type").and_then(Value::as_str) {
                if let Some(ty) = aws_type(ty) {
                    error.error_type = bounded(ty, ApiError::MAX_MESSAGE_LEN);
                }
            }
        }
    }
}

/// The error type of an AWS `x-amzn-ErrorType` header value or `__type` field: the part after a
/// `#` namespace and before a `:` URL (`ThrottlingException:http://internal.amazon.com/coral/`).
fn aws_type(value: &str) -> Option<&str> {
    let value = value.rsplit_once('#').map_or(value, |(_, ty)| ty);
    let ty = value.split_once(':').map_or(value, |(ty, _)| ty).trim();
    (!ty.is_empty()).then_some(ty)
}

/// `s` cut to at most `max` bytes at a character boundary, with `…` appended when cut.
fn bounded(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + '…'.len_utf8());
    out.push_str(&s[..end]);
    out.push('…');
    out
}

/// A short, trimmed, UTF-8-lossy excerpt of a body that is not a readable error.
fn excerpt(body: &[u8]) -> String {
    let cut = body.len() > ApiError::MAX_EXCERPT_LEN;
    let head = &body[..body.len().min(ApiError::MAX_EXCERPT_LEN)];
    let mut out = String::from_utf8_lossy(head).trim().to_owned();
    if cut && !out.is_empty() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    const STATUSES: [u16; 12] = [400, 401, 403, 404, 409, 413, 422, 429, 500, 503, 504, 529];

    #[test]
    fn anthropic_body_shape() {
        let e = ApiError::new(Provider::Anthropic, 429, "slow down");
        assert_eq!(
            e.to_body(Provider::Anthropic),
            r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#
        );
    }

    #[test]
    fn openai_body_shape() {
        let e = ApiError::new(Provider::OpenAi, 401, "Incorrect API key provided.");
        assert_eq!(
            e.to_body(Provider::OpenAi),
            r#"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#
        );
        let e = ApiError::new(Provider::OpenAi, 500, "boom");
        assert_eq!(
            e.to_body(Provider::OpenAi),
            r#"{"error":{"message":"boom","type":"server_error","param":null,"code":null}}"#
        );
    }

    #[test]
    fn gemini_body_shape() {
        let e = ApiError::new(Provider::Gemini, 429, "quota");
        assert_eq!(
            e.to_body(Provider::Gemini),
            r#"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}"#
        );
    }

    #[test]
    fn anthropic_types_per_status() {
        let expected = [
            (400, "invalid_request_error"),
            (401, "authentication_error"),
            (402, "billing_error"),
            (403, "permission_error"),
            (404, "not_found_error"),
            (409, "conflict_error"),
            (413, "request_too_large"),
            (418, "invalid_request_error"),
            (429, "rate_limit_error"),
            (500, "api_error"),
            (503, "api_error"),
            (529, "overloaded_error"),
        ];
        for (status, t) in expected {
            assert_eq!(
                ApiError::default_type(Provider::Anthropic, status),
                t,
                "{status}"
            );
        }
    }

    #[test]
    fn gemini_types_per_status() {
        let expected = [
            (400, "INVALID_ARGUMENT"),
            (401, "UNAUTHENTICATED"),
            (403, "PERMISSION_DENIED"),
            (404, "NOT_FOUND"),
            (412, "FAILED_PRECONDITION"),
            (429, "RESOURCE_EXHAUSTED"),
            (500, "INTERNAL"),
            (503, "UNAVAILABLE"),
            (504, "DEADLINE_EXCEEDED"),
            (529, "UNAVAILABLE"),
            (502, "UNKNOWN"),
        ];
        for (status, t) in expected {
            assert_eq!(
                ApiError::default_type(Provider::Gemini, status),
                t,
                "{status}"
            );
        }
    }

    #[test]
    fn round_trips_for_every_provider_and_status() {
        for provider in Provider::ALL {
            for status in STATUSES {
                for message in ["", "plain", "quotes \" and \\ and\nnewlines", "ünïcødé ✨"] {
                    let mut e = ApiError::for_status(provider, status);
                    if !message.is_empty() {
                        e.message = message.to_owned();
                    }
                    let body = e.to_body(provider);
                    assert_eq!(
                        ApiError::parse(provider, status, body.as_bytes()),
                        e,
                        "{provider} {status} {body}"
                    );
                }
            }
        }
    }

    #[test]
    fn parses_real_bodies() {
        let e = ApiError::parse(
            Provider::OpenAi,
            429,
            br#"{"error":{"message":"Rate limit reached for gpt-4o on tokens per min (TPM)","type":"tokens","param":null,"code":"rate_limit_exceeded"}}"#,
        );
        assert_eq!(e.error_type, "tokens");
        assert_eq!(e.code.as_deref(), Some("rate_limit_exceeded"));
        assert_eq!(
            e.message,
            "Rate limit reached for gpt-4o on tokens per min (TPM)"
        );

        let e = ApiError::parse(
            Provider::Gemini,
            400,
            br#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}"#,
        );
        assert_eq!(e.error_type, "INVALID_ARGUMENT");
        assert_eq!(e.message, "API key not valid. Please pass a valid API key.");
        assert_eq!(e.code, None);

        let e = ApiError::parse(
            Provider::Anthropic,
            404,
            br#"{"type":"error","error":{"type":"not_found_error","message":"model: claude-x"},"request_id":"req_011"}"#,
        );
        assert_eq!(
            (e.error_type.as_str(), e.message.as_str()),
            ("not_found_error", "model: claude-x")
        );
    }

    #[test]
    fn tolerates_other_shapes() {
        // Gemini wraps errors in an array on some endpoints.
        let e = ApiError::parse(
            Provider::Gemini,
            503,
            br#"[{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}]"#,
        );
        assert_eq!(
            (e.error_type.as_str(), e.message.as_str()),
            ("UNAVAILABLE", "The model is overloaded.")
        );
        // Compatible servers: a bare string, a top-level message, only a code.
        let e = ApiError::parse(Provider::OpenAi, 400, br#"{"error":"model not loaded"}"#);
        assert_eq!(
            (e.error_type.as_str(), e.message.as_str()),
            ("invalid_request_error", "model not loaded")
        );
        let e = ApiError::parse(
            Provider::OpenAi,
            404,
            br#"{"object":"error","message":"no such model"}"#,
        );
        assert_eq!(e.message, "no such model");
        let e = ApiError::parse(
            Provider::OpenAi,
            429,
            br#"{"error":{"message":"wait","code":"rate_limited"}}"#,
        );
        assert_eq!(
            (e.error_type.as_str(), e.code.as_deref()),
            ("rate_limited", Some("rate_limited"))
        );
        let e = ApiError::parse(
            Provider::OpenAi,
            400,
            br#"{"error":{"message":"bad","code":400}}"#,
        );
        assert_eq!(
            (e.error_type.as_str(), e.code.as_deref()),
            ("invalid_request_error", Some("400"))
        );
        // Fields of the wrong type are ignored, not trusted.
        let e = ApiError::parse(
            Provider::Anthropic,
            500,
            br#"{"error":{"type":7,"message":["x"]}}"#,
        );
        assert_eq!(e.error_type, "api_error");
        assert_eq!(e.message, r#"{"error":{"type":7,"message":["x"]}}"#);
    }

    #[test]
    fn non_json_bodies_give_a_bounded_lossy_excerpt() {
        let e = ApiError::parse(Provider::Anthropic, 502, b"  <html>Bad Gateway</html>\n");
        assert_eq!(e.error_type, "api_error");
        assert_eq!(e.message, "<html>Bad Gateway</html>");

        let e = ApiError::parse(Provider::Gemini, 500, b"\xff\xfeoops");
        assert_eq!(e.message, "\u{fffd}\u{fffd}oops");

        let big = vec![b'x'; 100_000];
        let e = ApiError::parse(Provider::OpenAi, 500, &big);
        assert_eq!(e.message.len(), ApiError::MAX_EXCERPT_LEN + '…'.len_utf8());
        assert!(e.message.ends_with('…'));
    }

    #[test]
    fn empty_bodies_describe_the_status() {
        assert_eq!(
            ApiError::parse(Provider::OpenAi, 503, b"").message,
            "HTTP 503 Service Unavailable"
        );
        assert_eq!(
            ApiError::parse(Provider::OpenAi, 599, b"  ").message,
            "HTTP 599"
        );
    }

    #[test]
    fn long_messages_are_cut_at_a_char_boundary() {
        let long: String = core::iter::repeat_n('é', ApiError::MAX_MESSAGE_LEN).collect();
        let body = ApiError::new(Provider::Anthropic, 400, long).to_body(Provider::Anthropic);
        let e = ApiError::parse(Provider::Anthropic, 400, body.as_bytes());
        assert!(e.message.len() <= ApiError::MAX_MESSAGE_LEN);
        assert!(e.message.ends_with('…'));
    }

    #[test]
    fn never_panics_on_hostile_input() {
        let mut inputs: Vec<Vec<u8>> = vec![
            b"{".to_vec(),
            b"[]".to_vec(),
            b"null".to_vec(),
            br#"{"error":null}"#.to_vec(),
            br#"{"error":{}}"#.to_vec(),
            br#"[[[[{"error":{}}]]]]"#.to_vec(),
        ];
        inputs.push([b'['; 10_000].to_vec()); // deeper than serde_json's recursion limit
        let mut nested = Vec::new();
        for _ in 0..5000 {
            nested.extend_from_slice(br#"{"error":"#);
        }
        inputs.push(nested);
        for input in &inputs {
            for provider in Provider::ALL {
                let e = ApiError::parse(provider, 500, input);
                assert!(!e.error_type.is_empty() && !e.message.is_empty());
                assert!(e.message.len() <= ApiError::MAX_MESSAGE_LEN);
            }
        }
    }

    #[test]
    fn display() {
        let e = ApiError::new(Provider::Anthropic, 529, "Overloaded");
        assert_eq!(e.to_string(), "HTTP 529 overloaded_error: Overloaded");
    }
}
