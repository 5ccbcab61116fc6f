//! The provider-normalized output: [`StreamChunk`] and the types it carries.
//!
//! These are plain data. How they are written on the wire (the JSON keys, their order, which
//! fields are omitted) is the frame encoder's business: see [`crate::frame`].

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

pub use crate::provider::{Provider, UnknownProvider};

/// The unified reason a stream finished normally.
///
/// A stream that failed has no finish reason: its [`Finish::outcome`] is the [`StreamError`]
/// (on the wire, `"finish_reason":"error"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Anything else; the raw value is in [`Finish::provider_finish_reason`].
    Other,
}

impl FinishReason {
    /// The wire name: `stop`, `length`, `stop_sequence`, `tool_calls`, `content_filter`,
    /// `pause_turn` or `other`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::StopSequence => "stop_sequence",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::PauseTurn => "pause_turn",
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Usage {
    /// Prompt tokens (including cached ones where the provider counts them so).
    pub input_tokens: u64,
    /// Every billed output token, reasoning included.
    pub output_tokens: u64,
    /// Prompt tokens read from the provider's cache.
    pub cache_read_input_tokens: Option<u64>,
    /// Prompt tokens written to the provider's cache (Anthropic).
    pub cache_creation_input_tokens: Option<u64>,
    /// Output tokens spent on reasoning, when reported separately.
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

/// Why a stream failed: the error a failed stream's [`Finish`] carries.
///
/// On the wire: `"error":{"type":"...","message":"..."}`.
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

/// The first piece of a tool call: which tool, and the start of its JSON arguments.
///
/// Later pieces of the same call are [`ToolCallArguments`] with the same `index`; the
/// `arguments` here and every later fragment concatenate to the call's JSON arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ToolCallStart {
    /// The stream's tool calls counted from 0 in order of first appearance (not the provider's
    /// content-block or part index).
    pub index: u32,
    /// The call's id: the provider's, or, when the provider gives the call none (most Gemini
    /// models, OpenAI's legacy `function_call`) or an empty one,
    /// [`tool_call_id`](crate::dialect::tool_call_id)`(response id, index)`
    /// (`call_<response id>_<index>`, the id the dialect endpoints use), so a client can answer
    /// the call next turn. `None` only when neither the provider's id nor the response id was
    /// known when the call started.
    pub id: Option<String>,
    /// The tool's name.
    pub name: String,
    /// The first fragment of the JSON arguments (often empty; a provider that sends whole calls
    /// sends all of them here).
    pub arguments: String,
}

/// A later fragment of the JSON arguments of the tool call `index` (never empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ToolCallArguments {
    /// The stream index of the call, as given by its [`ToolCallStart`].
    pub index: u32,
    /// The next piece of the arguments' JSON text.
    pub fragment: String,
}

/// How a stream ended: exactly one per stream, carried by its last chunk.
///
/// `outcome` says whether it ended normally; everything else is what was learned on the way and
/// stays known either way (a failed stream keeps the id, model, usage so far and the provider's
/// finish reason, if they had arrived).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finish {
    /// The provider the stream came from.
    pub provider: Provider,
    /// The provider's message / response id, when known.
    pub id: Option<String>,
    /// The model that answered, when known.
    pub model: Option<String>,
    /// `Ok` with the unified finish reason for a normal end, `Err` with the error that ended
    /// the stream otherwise.
    pub outcome: Result<FinishReason, StreamError>,
    /// The provider's raw finish / stop reason, when it sent one.
    pub provider_finish_reason: Option<String>,
    /// Token usage, when the provider reported any.
    pub usage: Option<Usage>,
}

impl Finish {
    /// True when the stream ended normally.
    pub fn is_success(&self) -> bool {
        self.outcome.is_ok()
    }

    /// The unified finish reason of a normal end; `None` for a failed stream.
    pub fn finish_reason(&self) -> Option<FinishReason> {
        self.outcome.as_ref().ok().copied()
    }

    /// The error that ended a failed stream; `None` for a normal end.
    pub fn error(&self) -> Option<&StreamError> {
        self.outcome.as_ref().err()
    }

    /// The wire `finish_reason`: the unified reason's name, or `error` for a failed stream.
    pub fn finish_reason_str(&self) -> &'static str {
        match &self.outcome {
            Ok(reason) => reason.as_str(),
            Err(_) => "error",
        }
    }
}

/// One item of the normalized stream.
///
/// Every variant but [`BlockBreak`] becomes one wire frame (see [`crate::frame`]), unless its
/// content is empty: every non-terminal frame carries content. [`BlockBreak`] has no frame: it
/// marks where content the stream does not carry separated two blocks.
///
/// [`ReasoningSignature`] and [`RedactedReasoning`] carry what an assistant turn needs when it
/// is sent back to the provider; they have frames since the wire-contract revision of
/// 2026-12-06 (before it they had none).
///
/// [`ReasoningSignature`]: StreamChunk::ReasoningSignature
/// [`RedactedReasoning`]: StreamChunk::RedactedReasoning
/// [`BlockBreak`]: StreamChunk::BlockBreak
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StreamChunk {
    /// Answer text (never empty).
    Token(String),
    /// Reasoning ("thinking") text (never empty).
    Reasoning(String),
    /// The signature that closes a reasoning block (Anthropic `signature_delta`, Gemini
    /// `thoughtSignature`; never empty).
    ReasoningSignature(String),
    /// An encrypted, redacted reasoning block (Anthropic `redacted_thinking`; never empty).
    RedactedReasoning(String),
    /// The first piece of a tool call.
    ToolCallStart(ToolCallStart),
    /// A later fragment of a tool call's arguments.
    ToolCallArguments(ToolCallArguments),
    /// Content the normalized stream does not carry came here, such as a tool the provider ran
    /// itself (Anthropic's `server_tool_use` web search and its result, Gemini's
    /// `executableCode`): what comes before and after belongs to separate blocks, so text on
    /// either side is two paragraphs, not one (no frame).
    BlockBreak,
    /// The end of the stream: exactly one per stream, always last.
    Done(Box<Finish>),
}

impl StreamChunk {
    /// True for the terminal chunk.
    pub fn is_done(&self) -> bool {
        matches!(self, StreamChunk::Done(_))
    }

    /// True when this chunk is sent as a frame on the wire: every chunk but block breaks (which
    /// carry no wire content) and the ones whose content is empty (an empty token, reasoning,
    /// signature, redacted reasoning or arguments fragment, which the decoders never produce):
    /// every non-terminal frame carries content.
    ///
    /// ```
    /// use llm_sse_core::StreamChunk;
    ///
    /// assert!(StreamChunk::ReasoningSignature("EqQB".into()).has_frame());
    /// assert!(!StreamChunk::RedactedReasoning(String::new()).has_frame());
    /// assert!(!StreamChunk::BlockBreak.has_frame());
    /// ```
    pub fn has_frame(&self) -> bool {
        match self {
            StreamChunk::Token(text)
            | StreamChunk::Reasoning(text)
            | StreamChunk::ReasoningSignature(text)
            | StreamChunk::RedactedReasoning(text) => !text.is_empty(),
            StreamChunk::ToolCallArguments(args) => !args.fragment.is_empty(),
            StreamChunk::ToolCallStart(_) | StreamChunk::Done(_) => true,
            StreamChunk::BlockBreak => false,
        }
    }

    /// The bytes of content this chunk adds to a folded message: its text, reasoning,
    /// signature or redacted data, a tool call's id, name and arguments, an arguments
    /// fragment; `0` for a block break and the terminal chunk (whose metadata is bounded by
    /// the decoders). What [`Accumulator::with_limit`](crate::Accumulator::with_limit) counts.
    ///
    /// ```
    /// use llm_sse_core::{StreamChunk, ToolCallStart};
    ///
    /// assert_eq!(StreamChunk::Token("Hi".into()).content_len(), 2);
    /// let start = ToolCallStart { index: 0, id: Some("t1".into()), name: "f".into(), arguments: "{}".into() };
    /// assert_eq!(StreamChunk::ToolCallStart(start).content_len(), 5);
    /// ```
    pub fn content_len(&self) -> usize {
        match self {
            StreamChunk::Token(text)
            | StreamChunk::Reasoning(text)
            | StreamChunk::ReasoningSignature(text)
            | StreamChunk::RedactedReasoning(text) => text.len(),
            StreamChunk::ToolCallStart(call) => call
                .id
                .as_ref()
                .map_or(0, String::len)
                .saturating_add(call.name.len())
                .saturating_add(call.arguments.len()),
            StreamChunk::ToolCallArguments(args) => args.fragment.len(),
            StreamChunk::BlockBreak | StreamChunk::Done(_) => 0,
        }
    }
}
