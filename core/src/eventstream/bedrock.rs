//! Amazon Bedrock's `InvokeModelWithResponseStream` framing, on top of the event-stream
//! messages: what each message means ([`classify`]), and how Bedrock frames an Anthropic
//! Messages stream ([`encode_chunk`], [`encode_exception`]), for mock servers and tests.
//!
//! A response body (HTTP 200, `Content-Type: application/vnd.amazon.eventstream`) is a sequence
//! of messages of three kinds, told apart by their `:message-type` header (the member names are
//! those of the `ResponseStream` union of the Bedrock Runtime service model):
//!
//! - `event`, with `:event-type` `chunk` and `:content-type` `application/json`: the payload is
//!   `{"bytes":"<base64>","p":"abcd…"}`, where `bytes` holds one Anthropic Messages stream event
//!   (the JSON that the Anthropic API sends as an SSE `data` line: `{"type":"message_start",…}`)
//!   and `p` is padding Bedrock adds so that message sizes do not reveal token lengths. The last
//!   event (`message_stop`) carries Bedrock's own counts as a member of the event JSON itself:
//!   `{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":25,
//!   "outputTokenCount":12,"invocationLatency":1032,"firstByteLatency":318}}`
//!   ([`InvocationMetrics`]).
//! - `exception`, with `:exception-type` one of [`EXCEPTION_TYPES`] (`throttlingException`,
//!   `modelStreamErrorException`...) and a JSON payload `{"message":"..."}`
//!   (`modelStreamErrorException` may add `originalStatusCode` and `originalMessage`, the
//!   model's own error).
//! - `error` (an error the service model does not describe), with `:error-code` and
//!   `:error-message` headers and no payload to speak of.
//!
//! Bedrock sends the headers of events and exceptions in the order `:event-type` (or
//! `:exception-type`), `:content-type`, `:message-type`, as recorded responses show; the
//! encoders here do the same.
//!
//! ```
//! use llm_sse_core::eventstream::bedrock::{self, InvocationMetrics, ResponseEvent};
//! use llm_sse_core::eventstream::Decoder;
//!
//! // What a mock Bedrock sends for the last two events of an Anthropic stream.
//! let mut wire = Vec::new();
//! bedrock::encode_chunk(r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":12}}"#, None, &mut wire)?;
//! let metrics = InvocationMetrics {
//!     input_token_count: Some(25),
//!     output_token_count: Some(12),
//!     ..InvocationMetrics::default()
//! };
//! bedrock::encode_chunk(r#"{"type":"message_stop"}"#, Some(&metrics), &mut wire)?;
//!
//! // What a client makes of it.
//! let mut decoder = Decoder::new();
//! decoder.feed(&wire);
//! let mut events = Vec::new();
//! while let Some(message) = decoder.next_message()? {
//!     events.push(bedrock::classify(&message)?);
//! }
//! let ResponseEvent::Chunk { event_json, metrics: got } = &events[1] else { panic!() };
//! assert_eq!(
//!     event_json,
//!     br#"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":25,"outputTokenCount":12}}"#
//! );
//! assert_eq!(got.as_ref(), Some(&metrics));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{EncodeError, Header, HeaderValue, Message, encode};

/// The `:event-type` of the events that carry model output.
pub const CHUNK: &str = "chunk";

/// The `:exception-type`s of `InvokeModelWithResponseStream` (the error members of its
/// `ResponseStream` union, in the order of the service model).
pub const EXCEPTION_TYPES: [&str; 6] = [
    "internalServerException",
    "modelStreamErrorException",
    "validationException",
    "throttlingException",
    "modelTimeoutException",
    "serviceUnavailableException",
];

/// The `firstByteLatency` a recorded Anthropic stream re-framed for a mock Bedrock carries
/// ([`Framing::frame_recording`](crate::provider::Framing::frame_recording)); fixed, so that the
/// same recording always gives the same bytes.
pub const RECORDING_FIRST_BYTE_LATENCY_MS: u64 = 250;

/// The `invocationLatency` of a re-framed recording: see [`RECORDING_FIRST_BYTE_LATENCY_MS`].
pub const RECORDING_INVOCATION_LATENCY_MS: u64 = 1000;

/// The member of a chunk's event JSON that carries [`InvocationMetrics`].
pub const METRICS_MEMBER: &str = "amazon-bedrock-invocationMetrics";

/// Bedrock's `p` padding is a prefix of this.
const PADDING: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Standard base64, with or without its `=` padding (Bedrock pads; being lenient costs
/// nothing).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The counts Bedrock adds to the last event of a stream, as the member
/// `amazon-bedrock-invocationMetrics` of the event's JSON. Each is present exactly when Bedrock
/// sent it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationMetrics {
    /// `inputTokenCount`: prompt tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_token_count: Option<u64>,
    /// `outputTokenCount`: generated tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_token_count: Option<u64>,
    /// `invocationLatency`: milliseconds from the request to the last token.
    #[serde(rename = "invocationLatency", skip_serializing_if = "Option::is_none")]
    pub invocation_latency_ms: Option<u64>,
    /// `firstByteLatency`: milliseconds from the request to the first token.
    #[serde(rename = "firstByteLatency", skip_serializing_if = "Option::is_none")]
    pub first_byte_latency_ms: Option<u64>,
    /// `cacheReadInputTokenCount`: prompt tokens read from the prompt cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_input_token_count: Option<u64>,
    /// `cacheWriteInputTokenCount`: prompt tokens written to the prompt cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_input_token_count: Option<u64>,
}

/// What one message of a Bedrock response stream means (from [`classify`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseEvent {
    /// Model output: one Anthropic Messages stream event.
    Chunk {
        /// The event's JSON, base64-decoded from the payload's `bytes`, exactly as sent
        /// (including the metrics member, when there is one; it is not checked to be JSON).
        event_json: Vec<u8>,
        /// Bedrock's counts, when the event carries them (the last event of a stream).
        metrics: Option<InvocationMetrics>,
    },
    /// A modeled error (`:message-type` `exception`): the stream ends with it.
    Exception {
        /// The `:exception-type`, such as `throttlingException` (see [`EXCEPTION_TYPES`]).
        exception_type: String,
        /// The payload's `message` (empty when it has none).
        message: String,
        /// `originalStatusCode` (`modelStreamErrorException`): the model's own HTTP status.
        original_status_code: Option<u16>,
        /// `originalMessage` (`modelStreamErrorException`): the model's own error message.
        original_message: Option<String>,
    },
    /// An unmodeled error (`:message-type` `error`): the stream ends with it.
    Error {
        /// The `:error-code` header.
        code: String,
        /// The `:error-message` header (empty when absent).
        message: String,
    },
    /// An event of another `:event-type` than `chunk` (none is defined today; a client should
    /// skip it).
    Other {
        /// Its `:event-type`.
        event_type: String,
    },
}

/// Why a message could not be read as part of a Bedrock response stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClassifyError {
    /// A required header is absent: `:message-type`, then `:event-type`, `:exception-type` or
    /// `:error-code` as the message type requires.
    MissingHeader {
        /// The header's name.
        name: &'static str,
    },
    /// A header that must be a string has a value of another type.
    NotAString {
        /// The header's name.
        name: &'static str,
        /// The value's type, as the specification names it (`integer`, `byte_array`...).
        found: &'static str,
    },
    /// `:message-type` is not `event`, `exception` or `error`.
    UnknownMessageType(String),
    /// A payload is not the JSON object it must be.
    InvalidJson {
        /// Whose: `chunk` or `exception` (the `:event-type` or `:message-type`).
        what: &'static str,
        /// serde_json's description, with line and column.
        error: String,
    },
    /// A chunk's payload has no `bytes` member.
    MissingBytes,
    /// A chunk's `bytes` is not base64.
    InvalidBase64 {
        /// The base64 decoder's description.
        error: String,
    },
    /// A chunk's event JSON has an `amazon-bedrock-invocationMetrics` member that is not an
    /// object of counts.
    InvalidMetrics {
        /// serde_json's description.
        error: String,
    },
}

impl fmt::Display for ClassifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClassifyError::MissingHeader { name } => {
                write!(f, "Bedrock stream message without a {name} header")
            }
            ClassifyError::NotAString { name, found } => write!(
                f,
                "Bedrock stream message whose {name} header is a {found}, not a string"
            ),
            ClassifyError::UnknownMessageType(ty) => write!(
                f,
                "Bedrock stream message of unknown :message-type {ty:?} (event, exception or error expected)"
            ),
            ClassifyError::InvalidJson { what, error } => {
                write!(f, "Bedrock {what} payload is not a JSON object: {error}")
            }
            ClassifyError::MissingBytes => {
                f.write_str("Bedrock chunk payload without a \"bytes\" member")
            }
            ClassifyError::InvalidBase64 { error } => {
                write!(f, "Bedrock chunk \"bytes\" is not base64: {error}")
            }
            ClassifyError::InvalidMetrics { error } => write!(
                f,
                "Bedrock chunk with a malformed \"{METRICS_MEMBER}\" member: {error}"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ClassifyError {}

/// A chunk's payload (`PayloadPart`); `p` and anything else is ignored.
#[derive(Deserialize)]
struct PayloadPart<'a> {
    #[serde(borrow)]
    bytes: Option<Cow<'a, str>>,
}

/// An exception's payload.
#[derive(Deserialize)]
struct ExceptionPayload<'a> {
    #[serde(borrow, alias = "Message")]
    message: Option<Cow<'a, str>>,
    #[serde(rename = "originalStatusCode")]
    original_status_code: Option<u16>,
    #[serde(borrow, rename = "originalMessage")]
    original_message: Option<Cow<'a, str>>,
}

/// Where the metrics are in an event.
#[derive(Deserialize)]
struct EventMetrics<'a> {
    #[serde(borrow, rename = "amazon-bedrock-invocationMetrics")]
    metrics: Option<&'a RawValue>,
}

/// Reads a decoded message as part of a Bedrock `InvokeModelWithResponseStream` response.
///
/// A chunk's event JSON is base64-decoded but otherwise passed on as it is: a decoder for
/// Anthropic events checks it. Only when it contains `amazon-bedrock-invocationMetrics` is it
/// parsed here, for the metrics (an event that is not JSON at all yields no metrics, and no
/// error here).
pub fn classify(message: &Message<'_>) -> Result<ResponseEvent, ClassifyError> {
    match required_string(message, ":message-type")? {
        "event" => {
            let event_type = required_string(message, ":event-type")?;
            if event_type != CHUNK {
                return Ok(ResponseEvent::Other {
                    event_type: event_type.into(),
                });
            }
            let event_json = chunk_event(message.payload())?;
            let metrics = metrics_of(&event_json)?;
            Ok(ResponseEvent::Chunk {
                event_json,
                metrics,
            })
        }
        "exception" => {
            let exception_type = required_string(message, ":exception-type")?;
            let payload = message.payload();
            let parsed = if payload.iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                Some(
                    serde_json::from_slice::<ExceptionPayload<'_>>(payload).map_err(|e| {
                        ClassifyError::InvalidJson {
                            what: "exception",
                            error: e.to_string(),
                        }
                    })?,
                )
            };
            let (message, original_status_code, original_message) = match parsed {
                Some(p) => (
                    p.message.map(Cow::into_owned).unwrap_or_default(),
                    p.original_status_code,
                    p.original_message.map(Cow::into_owned),
                ),
                None => (String::new(), None, None),
            };
            Ok(ResponseEvent::Exception {
                exception_type: exception_type.into(),
                message,
                original_status_code,
                original_message,
            })
        }
        "error" => Ok(ResponseEvent::Error {
            code: required_string(message, ":error-code")?.into(),
            message: optional_string(message, ":error-message")?
                .unwrap_or_default()
                .into(),
        }),
        other => Err(ClassifyError::UnknownMessageType(other.into())),
    }
}

/// The event a chunk's payload carries, base64-decoded.
fn chunk_event(payload: &[u8]) -> Result<Vec<u8>, ClassifyError> {
    // The fast path. When the string decodes, it is all base64 letters, which JSON reads as
    // they are: serde_json would have found the same bytes.
    if let Some(Ok(event)) = bedrock_shaped_bytes(payload).map(|bytes| BASE64.decode(bytes)) {
        return Ok(event);
    }
    let part: PayloadPart<'_> =
        serde_json::from_slice(payload).map_err(|e| ClassifyError::InvalidJson {
            what: "chunk",
            error: e.to_string(),
        })?;
    BASE64
        .decode(part.bytes.ok_or(ClassifyError::MissingBytes)?.as_bytes())
        .map_err(|e| ClassifyError::InvalidBase64 {
            error: e.to_string(),
        })
}

/// The `bytes` string of a payload of exactly the shape Bedrock sends, `{"bytes":"…"}` or
/// `{"bytes":"…","p":"<letters and digits>"}`, when it has no escape. Anything else, and any
/// string that then does not decode, goes through serde_json, which reads these shapes the same
/// way and describes what is wrong.
fn bedrock_shaped_bytes(payload: &[u8]) -> Option<&[u8]> {
    let rest = payload.strip_prefix(b"{\"bytes\":\"")?;
    let end = memchr::memchr2(b'"', b'\\', rest)?;
    if rest[end] != b'"' {
        return None;
    }
    let (bytes, tail) = (&rest[..end], &rest[end + 1..]);
    let padding = |tail: &[u8]| {
        tail.strip_prefix(b",\"p\":\"")
            .and_then(|p| p.strip_suffix(b"\"}"))
            .is_some_and(|p| p.iter().all(u8::is_ascii_alphanumeric))
    };
    (tail == b"}" || padding(tail)).then_some(bytes)
}

/// True when `event` contains the metrics member's name (found from its first `-`, with
/// `memchr`: no searcher to build per event).
fn mentions_metrics(event: &[u8]) -> bool {
    const FIRST_DASH: usize = 6; // amazon-
    memchr::memchr_iter(b'-', event)
        .any(|i| i >= FIRST_DASH && event[i - FIRST_DASH..].starts_with(METRICS_MEMBER.as_bytes()))
}

/// The metrics member of a chunk's event, when it has one.
fn metrics_of(event_json: &[u8]) -> Result<Option<InvocationMetrics>, ClassifyError> {
    // Most events do not mention the member: no need to parse them here.
    if !mentions_metrics(event_json) {
        return Ok(None);
    }
    let Ok(EventMetrics { metrics: Some(raw) }) = serde_json::from_slice(event_json) else {
        // Not JSON (the event's decoder reports that), or the name was only mentioned.
        return Ok(None);
    };
    serde_json::from_str(raw.get())
        .map(Some)
        .map_err(|e| ClassifyError::InvalidMetrics {
            error: e.to_string(),
        })
}

fn optional_string<'a>(
    message: &Message<'a>,
    name: &'static str,
) -> Result<Option<&'a str>, ClassifyError> {
    match message.header(name) {
        None => Ok(None),
        Some(HeaderValue::String(s)) => Ok(Some(s)),
        Some(other) => Err(ClassifyError::NotAString {
            name,
            found: other.type_name(),
        }),
    }
}

fn required_string<'a>(
    message: &Message<'a>,
    name: &'static str,
) -> Result<&'a str, ClassifyError> {
    optional_string(message, name)?.ok_or(ClassifyError::MissingHeader { name })
}

/// Appends the Bedrock message that carries one Anthropic Messages stream event (its JSON, as
/// the Anthropic API sends it in an SSE `data` line) to `out`; returns the number of bytes
/// appended.
///
/// With `metrics`, they are added as the last member of the event's JSON object
/// (`amazon-bedrock-invocationMetrics`, only the counts that are `Some`), as Bedrock does on the
/// `message_stop` event; the event must then be a JSON object
/// ([`EncodeError::EventNotAnObject`] otherwise). Without, the event's bytes are carried as
/// they are, even when they are not JSON (for mocks that replay a broken stream).
///
/// The headers are `:event-type` `chunk`, `:content-type` `application/json`, `:message-type`
/// `event`, in that order, and the payload is `{"bytes":"<base64>","p":"<padding>"}`. The
/// padding's length varies with the event's, deterministically (Bedrock's varies at random).
pub fn encode_chunk(
    event_json: &str,
    metrics: Option<&InvocationMetrics>,
    out: &mut Vec<u8>,
) -> Result<usize, EncodeError> {
    let with_metrics;
    let event = match metrics {
        None => event_json,
        Some(metrics) => {
            with_metrics = add_metrics(event_json, metrics)?;
            &with_metrics
        }
    };
    let mut payload = Vec::with_capacity(event.len() * 4 / 3 + 96);
    payload.extend_from_slice(b"{\"bytes\":\"");
    let start = payload.len();
    payload.resize(
        start + base64::encoded_len(event.len(), true).unwrap_or(0),
        0,
    );
    let written = BASE64
        .encode_slice(event.as_bytes(), &mut payload[start..])
        .unwrap_or(0);
    payload.truncate(start + written);
    payload.extend_from_slice(b"\",\"p\":\"");
    let padding = 1 + event.len() % PADDING.len();
    payload.extend_from_slice(&PADDING.as_bytes()[..padding]);
    payload.extend_from_slice(b"\"}");
    encode(
        &[
            Header::new(":event-type", HeaderValue::String(CHUNK)),
            Header::new(":content-type", HeaderValue::String("application/json")),
            Header::new(":message-type", HeaderValue::String("event")),
        ],
        &payload,
        out,
    )
}

/// `event_json` with `"amazon-bedrock-invocationMetrics":{...}` as its last member.
fn add_metrics(event_json: &str, metrics: &InvocationMetrics) -> Result<String, EncodeError> {
    let trimmed = event_json.trim_end_matches([' ', '\t', '\n', '\r']);
    let is_object = trimmed.trim_start().starts_with('{')
        && trimmed.ends_with('}')
        && serde_json::from_str::<serde::de::IgnoredAny>(trimmed).is_ok();
    if !is_object {
        return Err(EncodeError::EventNotAnObject);
    }
    let body = &trimmed[..trimmed.len() - 1];
    let empty = body
        .trim_start()
        .strip_prefix('{')
        .is_some_and(|inside| inside.trim().is_empty());
    let metrics_json = serde_json::to_string(metrics).unwrap_or_default();
    let mut out =
        String::with_capacity(trimmed.len() + METRICS_MEMBER.len() + metrics_json.len() + 8);
    out.push_str(body.trim_end_matches([' ', '\t', '\n', '\r']));
    if !empty {
        out.push(',');
    }
    out.push('"');
    out.push_str(METRICS_MEMBER);
    out.push_str("\":");
    out.push_str(&metrics_json);
    out.push('}');
    Ok(out)
}

/// Appends the Bedrock message for an exception (`:message-type` `exception`) to `out`;
/// returns the number of bytes appended.
///
/// The headers are `:exception-type`, `:content-type` `application/json`, `:message-type`
/// `exception`, in that order, and the payload is `{"message":"..."}`.
pub fn encode_exception(
    exception_type: &str,
    message: &str,
    out: &mut Vec<u8>,
) -> Result<usize, EncodeError> {
    let mut payload = Vec::with_capacity(message.len() + 16);
    payload.extend_from_slice(b"{\"message\":");
    payload.extend_from_slice(
        serde_json::to_string(message)
            .unwrap_or_default()
            .as_bytes(),
    );
    payload.push(b'}');
    encode(
        &[
            Header::new(":exception-type", HeaderValue::String(exception_type)),
            Header::new(":content-type", HeaderValue::String("application/json")),
            Header::new(":message-type", HeaderValue::String("exception")),
        ],
        &payload,
        out,
    )
}

/// Appends an unmodeled error message (`:message-type` `error`) to `out`; returns the number of
/// bytes appended.
///
/// The headers are `:error-code`, `:error-message`, `:message-type` `error` (the order of
/// Bedrock's other messages: no recording of this rare kind was at hand), and the payload is
/// empty.
pub fn encode_error(code: &str, message: &str, out: &mut Vec<u8>) -> Result<usize, EncodeError> {
    encode(
        &[
            Header::new(":error-code", HeaderValue::String(code)),
            Header::new(":error-message", HeaderValue::String(message)),
            Header::new(":message-type", HeaderValue::String("error")),
        ],
        &[],
        out,
    )
}

/// Re-frames a recorded Anthropic Messages SSE stream as Bedrock's event stream would carry it,
/// for mock servers and tests: each dispatched event becomes a `chunk` whose `bytes` are the
/// event's `data` unchanged (invalid JSON included), except that
///
/// - `message_stop` gets Bedrock's [`InvocationMetrics`] (the input tokens of `message_start`,
///   the output tokens of the last `message_delta`, and the two latencies given) when it
///   is a JSON object;
/// - an `error` event becomes a `modelStreamErrorException` with the error's message (how
///   Bedrock reports an error of the model mid-stream), which ends the stream.
///
/// An event the SSE stream left unterminated is not re-framed (a client would not have seen
/// it): the Bedrock stream then ends between two messages, without `message_stop`. Input the
/// SSE parser refuses (beyond its default limits) ends the re-framing there.
///
/// ```
/// use llm_sse_core::eventstream::bedrock;
/// use llm_sse_core::{Normalizer, Provider, StreamChunk};
///
/// let sse = concat!(
///     "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n",
///     "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
/// );
/// let wire = bedrock::reframe_sse(sse.as_bytes(), 250, 1000);
/// let mut normalizer = Normalizer::new(Provider::Bedrock);
/// normalizer.feed(&wire);
/// normalizer.finish();
/// let Some(StreamChunk::Done(finish)) = normalizer.next_chunk() else { panic!() };
/// assert_eq!(finish.error().unwrap().error_type(), "modelStreamErrorException");
/// ```
pub fn reframe_sse(sse: &[u8], first_byte_latency_ms: u64, invocation_latency_ms: u64) -> Vec<u8> {
    use crate::sse::{Parsed, Parser};
    use serde_json::Value;

    let mut parser = Parser::new();
    parser.feed(sse);
    let mut out = Vec::with_capacity(sse.len() * 3 / 2);
    let (mut input_tokens, mut output_tokens) = (0, 0);
    while let Ok(Some(item)) = parser.next_event() {
        let Parsed::Event(event) = item else { continue };
        let json: Option<Value> = serde_json::from_str(event.data).ok();
        let ty = json
            .as_ref()
            .and_then(|j| j["type"].as_str())
            .unwrap_or(event.event);
        match ty {
            "message_start" => {
                let usage = json.as_ref().map(|j| &j["message"]["usage"]);
                input_tokens = usage.and_then(|u| u["input_tokens"].as_u64()).unwrap_or(0);
                output_tokens = usage.and_then(|u| u["output_tokens"].as_u64()).unwrap_or(0);
            }
            "message_delta" => {
                let usage = json.as_ref().map(|j| &j["usage"]);
                if let Some(n) = usage.and_then(|u| u["output_tokens"].as_u64()) {
                    output_tokens = n;
                }
                if let Some(n) = usage.and_then(|u| u["input_tokens"].as_u64()) {
                    input_tokens = n;
                }
            }
            "error" => {
                let message = json
                    .as_ref()
                    .and_then(|j| j["error"]["message"].as_str())
                    .unwrap_or(event.data);
                // A short message always encodes.
                let _ = encode_exception("modelStreamErrorException", message, &mut out);
                return out;
            }
            _ => {}
        }
        let metrics =
            (ty == "message_stop" && json.as_ref().is_some_and(Value::is_object)).then(|| {
                InvocationMetrics {
                    input_token_count: Some(input_tokens),
                    output_token_count: Some(output_tokens),
                    invocation_latency_ms: Some(invocation_latency_ms),
                    first_byte_latency_ms: Some(first_byte_latency_ms),
                    ..InvocationMetrics::default()
                }
            });
        // An event within the SSE parser's limits is within the event stream's.
        let _ = encode_chunk(event.data, metrics.as_ref(), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The serde_json path alone.
    fn slow(payload: &[u8]) -> Result<Vec<u8>, ClassifyError> {
        let part: PayloadPart<'_> =
            serde_json::from_slice(payload).map_err(|e| ClassifyError::InvalidJson {
                what: "chunk",
                error: e.to_string(),
            })?;
        BASE64
            .decode(part.bytes.ok_or(ClassifyError::MissingBytes)?.as_bytes())
            .map_err(|e| ClassifyError::InvalidBase64 {
                error: e.to_string(),
            })
    }

    #[test]
    fn the_fast_path_reads_payloads_as_serde_json_does() {
        let payloads: [&[u8]; 16] = [
            br#"{"bytes":"eyJhIjoxfQ=="}"#,
            br#"{"bytes":"eyJhIjoxfQ==","p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJK"}"#,
            br#"{"bytes":"eyJhIjoxfQ==","p":""}"#,
            br#"{"bytes":"","p":"a"}"#,
            br#"{"bytes":"not base64!","p":"a"}"#,
            br#"{"bytes":"eyJhIjoxfQ\u003d\u003d","p":"a"}"#,
            br#"{"bytes":"eyJhIjox\/Q==","p":"a"}"#,
            b"{\"bytes\":\"eyJh\tIjoxfQ==\",\"p\":\"a\"}",
            br#"{"bytes":"eyJhIjoxfQ==","p":"a-b"}"#,
            br#"{"bytes":"eyJhIjoxfQ==","p":"a"} "#,
            br#"{"bytes":"eyJhIjoxfQ==","p":"a"}}"#,
            br#"{"bytes":"eyJhIjoxfQ==" }"#,
            br#"{"p":"a","bytes":"eyJhIjoxfQ=="}"#,
            br#"{"bytes":"eyJhIjoxfQ==","p":"a","bytes":"e30="}"#,
            br#"{"bytes":"eyJhIjoxfQ==","#,
            br#"{"bytes":"#,
        ];
        for payload in payloads {
            assert_eq!(
                chunk_event(payload),
                slow(payload),
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
        // The shapes Bedrock sends take the fast path.
        assert!(bedrock_shaped_bytes(payloads[0]).is_some());
        assert!(bedrock_shaped_bytes(payloads[1]).is_some());
        assert!(bedrock_shaped_bytes(payloads[5]).is_none());
        assert!(
            bedrock_shaped_bytes(payloads[7]).is_some(),
            "then falls back: a tab"
        );
    }

    #[test]
    fn the_metrics_name_is_found_anywhere() {
        for (event, found) in [
            (&br#"{"amazon-bedrock-invocationMetrics":{}}"#[..], true),
            (br#"{"a":"-","amazon-bedrock-invocationMetrics":1}"#, true),
            (b"amazon-bedrock-invocationMetrics", true),
            (b"mazon-bedrock-invocationMetrics", false),
            (b"amazon-bedrock-invocationMetric", false),
            (b"-amazon-bedrock", false),
            (b"", false),
        ] {
            assert_eq!(
                mentions_metrics(event),
                found,
                "{}",
                String::from_utf8_lossy(event)
            );
        }
    }
}
