//! The clients' dialects: OpenAI Chat Completions and Anthropic Messages, spoken back to the
//! applications that already contain those SDKs, for any provider's stream.
//!
//! A gateway endpoint in either dialect is glue around this module:
//!
//! ```text
//! request body ──► Dialect::decode_request ──► DialectRequest
//!                      DialectRequest::for_provider(provider, model) ──► ValidRequest ──► client::Call
//! provider body ──► Normalizer ──► StreamChunk ──► Dialect::encoder (an Encoding) ──► SSE bytes
//!                                             └──► Accumulator ──► Dialect::non_streaming_body ──► JSON
//! any failure before the stream starts ──► DialectError ──► status + to_body()
//! ```
//!
//! ```
//! use llm_sse_core::dialect::{openai, ResponseMeta};
//! use llm_sse_core::{Finish, FinishReason, Provider, StreamChunk};
//!
//! let request = openai::decode_request(br#"{"model":"gemini/gemini-2.5-flash","stream":true,
//!     "stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}"#)?;
//! assert!(request.stream && request.include_usage);
//! // The gateway resolves the model name, then builds the provider's request from this:
//! let chat = request.for_provider(Provider::Gemini, "gemini-2.5-flash")?;
//! assert_eq!(chat.model, "gemini-2.5-flash");
//!
//! // ... and re-encodes the provider's normalized stream in the client's dialect.
//! let meta = ResponseMeta::new("chatcmpl-1", &request.model, 1_700_000_000);
//! let mut encoder = openai::Encoder::new(meta, request.include_usage);
//! let mut out = Vec::new();
//! encoder.push(&StreamChunk::Token("Hello".into()), &mut out);
//! encoder.push(&StreamChunk::Done(Box::new(Finish {
//!     provider: Provider::Gemini,
//!     id: Some("r1".into()),
//!     model: Some("gemini-2.5-flash".into()),
//!     outcome: Ok(FinishReason::Stop),
//!     provider_finish_reason: Some("STOP".into()),
//!     usage: None,
//! })), &mut out);
//! let out = String::from_utf8(out).unwrap();
//! assert!(out.starts_with(concat!(
//!     r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"#,
//!     r#""model":"gemini/gemini-2.5-flash","choices":[{"index":0,"delta":{"role":"assistant","#,
//!     r#""content":""},"finish_reason":null}]}"#,
//! )));
//! assert!(out.ends_with("data: [DONE]\n\n"));
//! # Ok::<(), llm_sse_core::dialect::DialectError>(())
//! ```
//!
//! # What a response is made of
//!
//! The normalized stream learns the provider's id, model and usage only at its end, but both
//! dialects put an id and a model on their first event. So the response's id, model and (for
//! OpenAI) `created` are the gateway's, given in a [`ResponseMeta`]: the provider's id and
//! model are not the response's (the provider's id shows only inside the ids of tool calls the
//! provider gave none, below). [`Dialect::response_id`] makes an id of the dialect's usual
//! shape (`chatcmpl-...`, `msg_...`) from anything unique.
//!
//! Tool calls keep the id of their [`ToolCallStart`](crate::ToolCallStart). The decoders already
//! give a call without a provider id [`tool_call_id`]`(provider's response id, index)`, so such
//! a call's id is the one the normalized frames carry (and it is where the provider's response
//! id reaches the client). A call that has no id even so (the response id was not known when it
//! started; an empty id counts as none) gets [`tool_call_id`]`(response id, index)` with the
//! [`ResponseMeta`]'s id: `call_{response id}_{index}`, with characters other than
//! `A-Z a-z 0-9 _ -` made `_`. Either way it is the same in both dialects, streaming or not, so
//! the client's next request can answer the call.
//!
//! # Finish reasons
//!
//! | unified | OpenAI `finish_reason` | Anthropic `stop_reason` |
//! |---|---|---|
//! | `stop` | `stop` | `end_turn` |
//! | `length` | `length` | `max_tokens` |
//! | `stop_sequence` | `stop` (OpenAI does not distinguish) | `stop_sequence` (`stop_sequence: null`: the matched sequence is not in the normalized stream) |
//! | `tool_calls` | `tool_calls` | `tool_use` |
//! | `content_filter` | `content_filter` | `refusal` |
//! | `pause_turn` | `length` (the turn is unfinished: send it back to continue) | `pause_turn` |
//! | `other` | `stop` (a value every client knows) | `end_turn` |
//!
//! A stream that came from Anthropic keeps its own `stop_reason` in the Anthropic dialect, unchanged
//! (`model_context_window_exceeded` stays itself). A failed stream has no finish reason: it ends
//! with the dialect's error event (see each encoder).
//!
//! # Usage
//!
//! The two APIs count prompt tokens differently: OpenAI's `prompt_tokens` (and Gemini's
//! `promptTokenCount`) include cached tokens, Anthropic's `input_tokens` excludes both cache
//! reads and cache writes. Each dialect gets its own convention, so a client computes the same
//! bill whatever the provider:
//!
//! | field | OpenAI dialect | Anthropic dialect |
//! |---|---|---|
//! | prompt | `prompt_tokens` = `input_tokens` (+ cache reads and writes when the stream came from Anthropic) | `input_tokens` = `input_tokens` (− cache reads when it came from OpenAI or Gemini) |
//! | cache reads | `prompt_tokens_details.cached_tokens` (when reported) | `cache_read_input_tokens` (when reported) |
//! | cache writes | (no field: dropped) | `cache_creation_input_tokens` (when reported) |
//! | output | `completion_tokens`, `total_tokens` = prompt + completion | `output_tokens` |
//! | reasoning | `completion_tokens_details.reasoning_tokens` (when reported) | (no field: counted in `output_tokens`) |
//!
//! # What each dialect cannot carry
//!
//! The round-trip property (`core/tests/integration/dialect_roundtrip.rs`) checks that decoding
//! our own output with the existing decoders gives back the encoded chunks, except for exactly
//! these:
//!
//! - both: the terminal chunk's `provider`, `id` and `model` become the dialect's and the
//!   [`ResponseMeta`]'s; a tool call without an id gets [`tool_call_id`]; a failed stream's
//!   `provider_finish_reason` is not sent; the finish reason is the table's.
//! - OpenAI: reasoning signatures, redacted reasoning and block breaks have no field (text on
//!   both sides of a block break joins); usage only with `include_usage`, cache writes dropped;
//!   an empty error type or message arrives as the decoder's stand-ins.
//! - Anthropic: the first arguments of a [`ToolCallStart`](crate::ToolCallStart) arrive as a
//!   separate `input_json_delta`; block breaks become block boundaries (two text blocks, no
//!   chunk); usage is always present (zeros when the provider reported none), reasoning tokens
//!   dropped; a stream that fails before any output is one `error` event, so no id, model or
//!   usage comes back.
//!
//! # Requests
//!
//! [`openai::decode_request`] and [`anthropic::decode_request`] read the request body of each
//! API into a [`DialectRequest`]: a [`ChatRequest`] plus the streaming options. Every field is
//! either mapped, passed through, or refused with a `400` naming it ([`DialectError`]); nothing
//! is dropped silently. See each module for its field table.
//!
//! The body is parsed whole, so memory is proportional to it: a gateway bounds the body's size
//! before decoding (JSON nesting is bounded by serde_json's recursion limit).
//!
//! **Pass-through.** A few fields the [`ChatRequest`] has no place for are passed to the
//! provider whose API the dialect is (OpenAI-compatible providers for the OpenAI dialect,
//! Anthropic for the Anthropic dialect) as `provider_options`, unchanged; sent with a model of
//! another provider they are refused by [`DialectRequest::for_provider`], naming the field.

pub mod anthropic;
mod error;
pub mod openai;
mod read;

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::accumulate::{AccumulateError, Message};
use crate::chunk::{Provider, Usage};
use crate::encoding::Encoding;
use crate::request::{ChatRequest, RequestError, ValidRequest};

pub use error::{DialectError, ErrorKind};

/// The `Content-Type` of a streaming response in either dialect.
pub const STREAM_CONTENT_TYPE: &str = "text/event-stream";

/// The `Content-Type` of a non-streaming response or an error body in either dialect.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// An API that applications speak through their SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// OpenAI Chat Completions (`POST /v1/chat/completions`).
    OpenAi,
    /// Anthropic Messages (`POST /v1/messages`).
    Anthropic,
}

impl Dialect {
    /// Both dialects.
    pub const ALL: [Dialect; 2] = [Dialect::OpenAi, Dialect::Anthropic];

    /// The dialect's name: `openai` or `anthropic` (as `llm-sse replay --format` spells it).
    pub const fn as_str(self) -> &'static str {
        match self {
            Dialect::OpenAi => "openai",
            Dialect::Anthropic => "anthropic",
        }
    }

    /// The provider whose API this is: the one [pass-through](self#requests) fields go to.
    pub const fn provider(self) -> Provider {
        match self {
            Dialect::OpenAi => Provider::OpenAi,
            Dialect::Anthropic => Provider::Anthropic,
        }
    }

    /// The path an SDK posts to, relative to the host (SDK base URLs end before it: OpenAI's
    /// `.../v1`, Anthropic's the host): `/v1/chat/completions` or `/v1/messages`.
    pub const fn endpoint(self) -> &'static str {
        match self {
            Dialect::OpenAi => "/v1/chat/completions",
            Dialect::Anthropic => "/v1/messages",
        }
    }

    /// A response id of the dialect's usual shape made from `unique` (anything unique to the
    /// response, such as a counter or random letters): `chatcmpl-{unique}` or `msg_{unique}`.
    ///
    /// ```
    /// use llm_sse_core::dialect::Dialect;
    ///
    /// assert_eq!(Dialect::OpenAi.response_id("42"), "chatcmpl-42");
    /// assert_eq!(Dialect::Anthropic.response_id("42"), "msg_42");
    /// ```
    pub fn response_id(self, unique: &str) -> String {
        match self {
            Dialect::OpenAi => format!("chatcmpl-{unique}"),
            Dialect::Anthropic => format!("msg_{unique}"),
        }
    }

    /// Decodes a request body written in this dialect: [`openai::decode_request`] or
    /// [`anthropic::decode_request`].
    ///
    /// # Errors
    ///
    /// A `400` [`DialectError`] naming the field, in this dialect's shape.
    ///
    /// ```
    /// use llm_sse_core::dialect::Dialect;
    ///
    /// let body = br#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}"#;
    /// let request = Dialect::Anthropic.decode_request(body)?;
    /// assert_eq!((request.model.as_str(), request.stream), ("m", false));
    /// # Ok::<(), llm_sse_core::dialect::DialectError>(())
    /// ```
    pub fn decode_request(self, body: &[u8]) -> Result<DialectRequest, DialectError> {
        match self {
            Dialect::OpenAi => openai::decode_request(body),
            Dialect::Anthropic => anthropic::decode_request(body),
        }
    }

    /// The [`Encoding`] that writes one response's stream in this dialect
    /// ([`openai::Encoder`] or [`anthropic::Encoder`]); `include_usage` is OpenAI's
    /// `stream_options.include_usage` ([`DialectRequest::include_usage`]; Anthropic's events
    /// always carry usage).
    pub fn encoder(self, meta: ResponseMeta, include_usage: bool) -> Encoding {
        Encoding::dialect(self, meta, include_usage)
    }

    /// The non-streaming response body of a folded stream in this dialect
    /// ([`openai::non_streaming_body`] or [`anthropic::non_streaming_body`]), or the error to
    /// answer instead.
    ///
    /// # Errors
    ///
    /// [`DialectError::from_accumulate_error`] when the stream folded into no message.
    pub fn non_streaming_body(
        self,
        meta: &ResponseMeta,
        result: &Result<Message, AccumulateError>,
    ) -> Result<Vec<u8>, DialectError> {
        match self {
            Dialect::OpenAi => openai::non_streaming_body(meta, result),
            Dialect::Anthropic => anthropic::non_streaming_body(meta, result),
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returned by `Dialect::from_str` for a name other than `openai` or `anthropic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownDialect;

impl fmt::Display for UnknownDialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown dialect (expected openai or anthropic)")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UnknownDialect {}

impl core::str::FromStr for Dialect {
    type Err = UnknownDialect;

    /// Parses `openai` or `anthropic`, as written by [`as_str`](Dialect::as_str).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or(UnknownDialect)
    }
}

/// What the gateway says about a response: its id, the model it names, and (OpenAI) when it
/// was created. The same for every event of one response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResponseMeta {
    /// The response id (see [`Dialect::response_id`]).
    pub id: String,
    /// The model the response names; usually the name the client asked for
    /// ([`DialectRequest::model`]).
    pub model: String,
    /// Unix seconds (OpenAI's `created`; Anthropic has no such field). The core reads no clock:
    /// the caller passes the time.
    pub created: u64,
}

impl ResponseMeta {
    /// The meta of one response.
    pub fn new(id: impl Into<String>, model: impl Into<String>, created: u64) -> Self {
        ResponseMeta {
            id: id.into(),
            model: model.into(),
            created,
        }
    }
}

/// The id given to a tool call that has none (most Gemini models), by the decoders and by the
/// dialect encoders: `call_{response_id}_{index}`,
/// where `index` is the call's stream index and every character of `response_id` other than
/// `A-Z a-z 0-9 _ -` is replaced by `_` (Anthropic accepts only those in tool-use ids).
///
/// ```
/// use llm_sse_core::dialect::tool_call_id;
///
/// assert_eq!(tool_call_id("chatcmpl-7", 1), "call_chatcmpl-7_1");
/// assert_eq!(tool_call_id("msg 7/é", 0), "call_msg_7___0");
/// ```
pub fn tool_call_id(response_id: &str, index: u32) -> String {
    let safe: String = response_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("call_{safe}_{index}")
}

/// The id a client sees for the tool call `index` whose provider id is `id`: that id, or
/// [`tool_call_id`] when the provider gave none (or an empty one, which no client could answer).
fn client_tool_call_id<'a>(
    id: Option<&'a str>,
    response_id: &str,
    index: u32,
) -> alloc::borrow::Cow<'a, str> {
    match id {
        Some(id) if !id.is_empty() => alloc::borrow::Cow::Borrowed(id),
        _ => alloc::borrow::Cow::Owned(tool_call_id(response_id, index)),
    }
}

/// A request in a client's dialect, decoded: the provider-neutral [`ChatRequest`] and what the
/// response must look like.
///
/// Made by [`openai::decode_request`] or [`anthropic::decode_request`]. The gateway resolves
/// [`model`](DialectRequest::model) to a provider and that provider's model name, then asks
/// [`for_provider`](DialectRequest::for_provider) for the request to send.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DialectRequest {
    /// The dialect it was written in.
    pub dialect: Dialect,
    /// The model as the client named it (`provider/model`, an alias, ...).
    pub model: String,
    /// The request (its `model` is [`model`](DialectRequest::model) until
    /// [`for_provider`](DialectRequest::for_provider) sets the provider's name), without the
    /// pass-through fields.
    pub chat: ChatRequest,
    /// The client asked for a streaming response (`"stream": true`).
    pub stream: bool,
    /// OpenAI `stream_options.include_usage`: end the stream with a usage chunk. Always `false`
    /// for Anthropic, whose events always carry usage.
    pub include_usage: bool,
    /// The pass-through fields as one JSON object, merged into `provider_options` for the
    /// dialect's own provider (see the [module docs](self#requests)); empty when none.
    pub passthrough: Map<String, Value>,
    /// Where each pass-through field was in the request (`top_k`,
    /// `tool_choice.disable_parallel_tool_use`), in order.
    passthrough_fields: Vec<String>,
    /// Where each message and part of `chat` came from in the client's request.
    origins: Vec<Origin>,
    /// How the client spelled our fields, for error messages.
    names: FieldNames,
}

/// Where one message of the [`ChatRequest`] came from in the client's request.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    /// The message: `messages[2]`, or `system` (Anthropic's top-level system prompt).
    message: String,
    /// Its content: `messages[2].content`, or `system`.
    content: String,
    /// Each part, in order: `messages[2].content[1]`, `messages[2].tool_calls[0]`, ...
    parts: Vec<String>,
}

/// How a dialect names the [`ChatRequest`] fields that validation talks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FieldNames {
    max_tokens: &'static str,
    stop: &'static str,
    reasoning: &'static str,
    budget: &'static str,
}

impl DialectRequest {
    /// The request to send to `provider` as `model` (the provider's own model name): the
    /// [`ChatRequest`] with that model and, for the dialect's own provider, the pass-through
    /// fields as `provider_options`; validated for `provider`.
    ///
    /// # Errors
    ///
    /// A `400` [`DialectError`]: [`ErrorKind::Unsupported`] naming the first pass-through field
    /// when `provider` is not the dialect's own, or [`ErrorKind::InvalidRequest`] for what
    /// [`ChatRequest::validate`] refuses, naming the field as the client wrote it
    /// (see [`explain`](DialectRequest::explain)).
    pub fn for_provider(
        &self,
        provider: Provider,
        model: &str,
    ) -> Result<ValidRequest, DialectError> {
        let mut chat = self.chat.clone();
        model.clone_into(&mut chat.model);
        if !self.passthrough.is_empty() {
            if provider != self.dialect.provider() {
                let field = self.passthrough_fields.first().cloned().unwrap_or_default();
                let message = format!(
                    "{field}: is passed only to {} models, not to {} (model {model})",
                    self.dialect.provider().display_name(),
                    provider.display_name(),
                );
                return Err(DialectError::request(
                    self.dialect,
                    ErrorKind::Unsupported,
                    field,
                    message,
                ));
            }
            chat.provider_options = Some(Value::Object(self.passthrough.clone()));
        }
        chat.validate(provider).map_err(|e| self.explain(&e))
    }

    /// The field names of the client's request that pass through (see
    /// [`passthrough`](DialectRequest::passthrough)), in order.
    pub fn passthrough_fields(&self) -> &[String] {
        &self.passthrough_fields
    }

    /// `error` (found by validating [`chat`](DialectRequest::chat) or a request made from it) as
    /// a `400` in the client's terms: the field it names is where the client wrote it
    /// (`messages[3].content[1]`, `stop_sequences[0]`, `thinking.budget_tokens`), which differs
    /// from the [`ChatRequest`]'s own indexes when system prompts or tool results moved.
    pub fn explain(&self, error: &RequestError) -> DialectError {
        let text = alloc::string::ToString::to_string(error);
        // Every RequestError message is "<field>: <detail>".
        let detail = text.split_once(": ").map_or(text.as_str(), |(_, d)| d);
        let origin = |i: usize| self.origins.get(i);
        let names = self.names;
        let param: String = match error {
            RequestError::InvalidPart { message, part, .. } => origin(*message)
                .and_then(|o| o.parts.get(*part).cloned())
                .unwrap_or_else(|| format!("messages[{message}].content[{part}]")),
            RequestError::EmptyContent { message } => origin(*message).map_or_else(
                || format!("messages[{message}].content"),
                |o| o.content.clone(),
            ),
            RequestError::FirstMessageNotUser { message, .. } => origin(*message).map_or_else(
                || format!("messages[{message}].role"),
                |o| format!("{}.role", o.message),
            ),
            RequestError::MaxTokensZero => names.max_tokens.into(),
            RequestError::TooManyStopSequences { .. } => names.stop.into(),
            RequestError::EmptyStopSequence { index } => format!("{}[{index}]", names.stop),
            RequestError::EmptyReasoning => names.reasoning.into(),
            RequestError::ReasoningBudgetTooSmall { .. }
            | RequestError::ReasoningBudgetNotBelowMaxTokens { .. } => names.budget.into(),
            RequestError::ConflictsWithThinking { field, .. } => (*field).into(),
            RequestError::TemperatureOutOfRange { .. } => "temperature".into(),
            RequestError::TopPOutOfRange { .. } => "top_p".into(),
            RequestError::InvalidTool { tool, .. } => format!("tools[{tool}]"),
            RequestError::ToolChoiceWithoutTools | RequestError::UnknownToolChoice { .. } => {
                "tool_choice".into()
            }
            RequestError::ToolHistoryWithoutTools { .. } => "tools".into(),
            RequestError::EmptyModel | RequestError::InvalidModel { .. } => "model".into(),
            RequestError::NoMessages | RequestError::NoConversation => "messages".into(),
            // Only the Anthropic dialect has a top-level breakpoint.
            RequestError::InvalidCache { .. } => "cache_control".into(),
            // Not reachable from a decoded request (no JSON of ours, no key, no options of the
            // client's own): the message as it is.
            _ => {
                return DialectError::request(
                    self.dialect,
                    ErrorKind::InvalidRequest,
                    String::new(),
                    text.clone(),
                );
            }
        };
        let message = format!("{param}: {detail}");
        DialectError::request(self.dialect, ErrorKind::InvalidRequest, param, message)
    }
}

/// Appends `value` as compact JSON (serializing our own output types cannot fail).
fn write_json<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    #[cfg(feature = "std")]
    let result = value.serialize(&mut serde_json::Serializer::new(out));
    // Without `std`, serde_json can only serialize into a fresh Vec.
    #[cfg(not(feature = "std"))]
    let result = serde_json::to_vec(value).map(|json| out.extend_from_slice(&json));
    debug_assert!(result.is_ok(), "serializing dialect output cannot fail");
}

/// Prompt tokens counted the OpenAI way: cached tokens included. Anthropic's API (Claude on
/// Anthropic, Bedrock or Vertex AI) counts them apart.
fn openai_prompt_tokens(provider: Provider, usage: &Usage) -> u64 {
    match provider.api() {
        crate::provider::Api::Anthropic => usage
            .input_tokens
            .saturating_add(usage.cache_read_input_tokens.unwrap_or(0))
            .saturating_add(usage.cache_creation_input_tokens.unwrap_or(0)),
        _ => usage.input_tokens,
    }
}

/// Prompt tokens counted the Anthropic way: cache reads (and writes) excluded, as Anthropic's
/// API (on Anthropic, Bedrock or Vertex AI) counts them already.
fn anthropic_input_tokens(provider: Provider, usage: &Usage) -> u64 {
    match provider.api() {
        crate::provider::Api::Anthropic => usage.input_tokens,
        _ => usage
            .input_tokens
            .saturating_sub(usage.cache_read_input_tokens.unwrap_or(0)),
    }
}

/// `{"type": "object", "properties": {}}`: the schema of a tool that takes no arguments.
fn empty_object_schema() -> Value {
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(Map::new()));
    Value::Object(schema)
}

/// An empty JSON object: `{}`.
struct EmptyObject;

impl Serialize for EmptyObject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        s.serialize_map(Some(0))?.end()
    }
}

/// An empty JSON array: `[]`.
struct EmptyArray;

impl Serialize for EmptyArray {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        s.serialize_seq(Some(0))?.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_names_round_trip() {
        for dialect in Dialect::ALL {
            assert_eq!(dialect.as_str().parse::<Dialect>(), Ok(dialect));
        }
        assert_eq!("gemini".parse::<Dialect>(), Err(UnknownDialect));
    }

    #[test]
    fn usage_conventions() {
        let usage = Usage {
            input_tokens: 100,
            output_tokens: 7,
            cache_read_input_tokens: Some(30),
            cache_creation_input_tokens: Some(5),
            reasoning_tokens: None,
        };
        assert_eq!(openai_prompt_tokens(Provider::Anthropic, &usage), 135);
        assert_eq!(openai_prompt_tokens(Provider::Gemini, &usage), 100);
        assert_eq!(anthropic_input_tokens(Provider::Anthropic, &usage), 100);
        assert_eq!(anthropic_input_tokens(Provider::OpenAi, &usage), 70);
        let odd = Usage {
            input_tokens: 1,
            cache_read_input_tokens: Some(u64::MAX),
            cache_creation_input_tokens: Some(u64::MAX),
            ..usage
        };
        assert_eq!(openai_prompt_tokens(Provider::Anthropic, &odd), u64::MAX);
        assert_eq!(anthropic_input_tokens(Provider::OpenAi, &odd), 0);
    }
}
