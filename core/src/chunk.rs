//! The provider-normalized output: [`StreamChunk`] and the types it carries.
//!
//! `Serialize` on these types produces exactly the JSON of the wire contract (see the crate docs):
//! compact, fields in a fixed order, fields that do not apply omitted (never `null`).

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// The LLM provider a stream came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Provider {
    /// Anthropic Messages API.
    Anthropic,
    /// OpenAI Chat Completions and compatible servers.
    #[serde(rename = "openai")]
    OpenAi,
    /// Google Gemini `streamGenerateContent?alt=sse`.
    Gemini,
}

impl Provider {
    /// The provider's name as it appears on the wire: `anthropic`, `openai` or `gemini`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::Anthropic => "anthropic",
            Provider::OpenAi => "openai",
            Provider::Gemini => "gemini",
        }
    }

    /// Every provider, in a stable order.
    pub const ALL: [Provider; 3] = [Provider::Anthropic, Provider::OpenAi, Provider::Gemini];
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Provider {
    type Err = UnknownProvider;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "anthropic" => Ok(Provider::Anthropic),
            "openai" => Ok(Provider::OpenAi),
            "gemini" => Ok(Provider::Gemini),
            _ => Err(UnknownProvider),
        }
    }
}

/// Returned by `Provider::from_str` for a name other than `anthropic`, `openai` or `gemini`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownProvider;

impl fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown provider (expected anthropic, openai or gemini)")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UnknownProvider {}

/// The unified reason a stream finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FinishReason {
    /// The model finished its turn (`end_turn`, `stop`, `STOP`).
    Stop,
    /// The output token limit or the context window was reached.
    Length,
    /// A caller-supplied stop sequence was generated (Anthropic only).
    StopSequence,
    /// The model wants the client to run tool calls.
    ToolCalls,
    /// The provider refused or filtered the output.
    ContentFilter,
    /// Anthropic paused a long-running turn; send the turn back to continue.
    PauseTurn,
    /// The stream ended with an error (see [`Finish::error`]).
    Error,
    /// Anything else; the raw value is in [`Finish::provider_finish_reason`].
    Other,
}

impl FinishReason {
    /// The wire name (`stop`, `length`, `stop_sequence`, `tool_calls`, `content_filter`,
    /// `pause_turn`, `error`, `other`).
    pub const fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::StopSequence => "stop_sequence",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::PauseTurn => "pause_turn",
            FinishReason::Error => "error",
            FinishReason::Other => "other",
        }
    }
}

impl fmt::Display for FinishReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Token usage as reported by the provider.
///
/// Optional counts are present exactly when the provider reported them (a reported 0 is kept).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Usage {
    /// Prompt tokens (including cached ones where the provider counts them so).
    pub input_tokens: u64,
    /// Every billed output token, reasoning included.
    pub output_tokens: u64,
    /// Prompt tokens read from the provider's cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    /// Prompt tokens written to the provider's cache (Anthropic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    /// Output tokens spent on reasoning, when reported separately.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
}

/// What kind of failure ended a stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StreamErrorKind {
    /// An error the provider reported inside the stream; the string is its error type, such as
    /// `overloaded_error`.
    Provider(String),
    /// The stream ended before its terminal event (`incomplete_stream`).
    IncompleteStream,
    /// An event could not be decoded or broke the provider's protocol (`invalid_event`).
    InvalidEvent,
    /// The transport failed (`connection_error`).
    ConnectionError,
    /// No bytes arrived within the idle timeout (`idle_timeout`).
    IdleTimeout,
}

impl StreamErrorKind {
    /// The `type` written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            StreamErrorKind::Provider(t) => t,
            StreamErrorKind::IncompleteStream => "incomplete_stream",
            StreamErrorKind::InvalidEvent => "invalid_event",
            StreamErrorKind::ConnectionError => "connection_error",
            StreamErrorKind::IdleTimeout => "idle_timeout",
        }
    }
}

/// The error carried by a terminal chunk whose finish reason is [`FinishReason::Error`].
///
/// Serializes as `{"type":"...","message":"..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamError {
    /// What failed.
    pub kind: StreamErrorKind,
    /// A human-readable description.
    pub message: String,
}

impl StreamError {
    /// A new error of `kind` with `message`.
    pub fn new(kind: StreamErrorKind, message: impl Into<String>) -> Self {
        StreamError {
            kind,
            message: message.into(),
        }
    }

    /// The wire `type` of this error.
    pub fn error_type(&self) -> &str {
        self.kind.as_str()
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type(), self.message)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for StreamError {}

impl Serialize for StreamError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("type", self.error_type())?;
        map.serialize_entry("message", &self.message)?;
        map.end()
    }
}

/// One piece of a streamed tool call.
///
/// The first piece of each call carries `id` and `name`; the `arguments` fragments of one
/// `index` concatenate to the call's JSON arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ToolCallPiece {
    /// The stream's tool calls counted from 0 in order of first appearance.
    pub index: u32,
    /// The provider's call id (first piece only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The tool's name (first piece only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A fragment of the JSON arguments (possibly empty on the first piece).
    pub arguments: String,
}

/// The terminal chunk's content: how and why the stream ended, and what was learned on the way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finish {
    /// The provider the stream came from.
    pub provider: Provider,
    /// The provider's message / response id, when known.
    pub id: Option<String>,
    /// The model that answered, when known.
    pub model: Option<String>,
    /// The unified finish reason.
    pub finish_reason: FinishReason,
    /// The provider's raw finish / stop reason, when it sent one.
    pub provider_finish_reason: Option<String>,
    /// Token usage, when the provider reported any.
    pub usage: Option<Usage>,
    /// Present exactly when `finish_reason` is [`FinishReason::Error`].
    pub error: Option<StreamError>,
}

impl Finish {
    /// True when the stream ended normally (any finish reason but [`FinishReason::Error`]).
    pub fn is_success(&self) -> bool {
        self.finish_reason != FinishReason::Error
    }
}

/// One item of the normalized stream.
///
/// Most variants become one wire frame (see [`crate::frame`]); [`StreamChunk::ReasoningSignature`]
/// and [`StreamChunk::RedactedReasoning`] carry data that an assistant turn needs when it is sent
/// back to the provider, and produce no frame.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StreamChunk {
    /// Answer text.
    Token(String),
    /// Reasoning ("thinking") text.
    Reasoning(String),
    /// The signature that closes a reasoning block (no frame).
    ReasoningSignature(String),
    /// An encrypted, redacted reasoning block (no frame).
    RedactedReasoning(String),
    /// A piece of a tool call.
    ToolCall(ToolCallPiece),
    /// The end of the stream: exactly one per stream, always last.
    Done(Box<Finish>),
}

impl StreamChunk {
    /// True for the terminal chunk.
    pub fn is_done(&self) -> bool {
        matches!(self, StreamChunk::Done(_))
    }

    /// True when this chunk is sent as a frame on the wire.
    pub fn has_frame(&self) -> bool {
        !matches!(
            self,
            StreamChunk::ReasoningSignature(_) | StreamChunk::RedactedReasoning(_)
        )
    }
}

impl Serialize for StreamChunk {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        match self {
            StreamChunk::Token(t) => {
                map.serialize_entry("token", t)?;
                map.serialize_entry("done", &false)?;
            }
            StreamChunk::Reasoning(r) => {
                map.serialize_entry("token", "")?;
                map.serialize_entry("done", &false)?;
                map.serialize_entry("reasoning", r)?;
            }
            StreamChunk::ReasoningSignature(sig) => {
                map.serialize_entry("token", "")?;
                map.serialize_entry("done", &false)?;
                map.serialize_entry("reasoning_signature", sig)?;
            }
            StreamChunk::RedactedReasoning(data) => {
                map.serialize_entry("token", "")?;
                map.serialize_entry("done", &false)?;
                map.serialize_entry("redacted_reasoning", data)?;
            }
            StreamChunk::ToolCall(piece) => {
                map.serialize_entry("token", "")?;
                map.serialize_entry("done", &false)?;
                map.serialize_entry("tool_call", piece)?;
            }
            StreamChunk::Done(fin) => {
                map.serialize_entry("token", "")?;
                map.serialize_entry("done", &true)?;
                map.serialize_entry("provider", &fin.provider)?;
                if let Some(id) = &fin.id {
                    map.serialize_entry("id", id)?;
                }
                if let Some(model) = &fin.model {
                    map.serialize_entry("model", model)?;
                }
                map.serialize_entry("finish_reason", &fin.finish_reason)?;
                if let Some(raw) = &fin.provider_finish_reason {
                    map.serialize_entry("provider_finish_reason", raw)?;
                }
                if let Some(usage) = &fin.usage {
                    map.serialize_entry("usage", usage)?;
                }
                if let Some(err) = &fin.error {
                    map.serialize_entry("error", err)?;
                }
            }
        }
        map.end()
    }
}
