//! The OpenAI Chat Completions dialect: `POST /v1/chat/completions` requests in, `chat.completion.chunk`
//! streams and `chat.completion` bodies out.
//!
//! # The stream
//!
//! [`Encoder`] writes every event as `data: <compact JSON>\n\n`. Every chunk carries the same
//! `id`, `object` (`chat.completion.chunk`), `created` and `model` (the [`ResponseMeta`]'s), and
//! one choice of `index` 0 whose `finish_reason` is `null` until the finish chunk:
//!
//! | normalized | chunk |
//! |---|---|
//! | (first output) | `"delta":{"role":"assistant","content":""}` |
//! | [`Token`](StreamChunk::Token) | `"delta":{"content":"..."}` |
//! | [`Reasoning`](StreamChunk::Reasoning) | `"delta":{"reasoning_content":"..."}` (as DeepSeek, vLLM and OpenRouter send it) |
//! | [`ToolCallStart`](StreamChunk::ToolCallStart) | `"delta":{"tool_calls":[{"index":i,"id":"...","type":"function","function":{"name":"...","arguments":"..."}}]}` |
//! | [`ToolCallArguments`](StreamChunk::ToolCallArguments) | `"delta":{"tool_calls":[{"index":i,"function":{"arguments":"..."}}]}` |
//! | signatures, redacted reasoning, block breaks | nothing (Chat Completions has no field for them) |
//! | a normal end | `"delta":{},"finish_reason":"stop"` (see the [finish-reason table](super#finish-reasons)); then, when `include_usage` was asked and the provider reported usage, a chunk with `"choices":[]` and `usage`; then `data: [DONE]` |
//! | a failed stream | a chunk with `"choices":[]` and `"error":{"message","type","param":null,"code":null}` (the type is the stream error's: `overloaded_error`, `incomplete_stream`, ...; `usage` too with `include_usage`), then `data: [DONE]` |
//!
//! Tool calls are numbered by `index` from 0 in order of first appearance; `id` and `type` come
//! on the first piece only, as the official SDK's accumulator requires (it concatenates string
//! fields). The usage chunk is the stream's last chunk, because the SDK keeps the usage of the
//! last chunk. The OpenAI SDK raises `APIError` on a chunk with an `error` key; `[DONE]` follows
//! the error anyway, so a client reading to the end always finds it.
//!
//! # The request
//!
//! [`decode_request`] reads a Chat Completions request body:
//!
//! | field | becomes |
//! |---|---|
//! | `model` (required) | [`DialectRequest::model`] |
//! | `messages` (required) | `system` and `developer` → system messages; `user` (text and `image_url` parts with `data:` URLs); `assistant` (`content` text or `text`/`refusal` parts, `tool_calls`, `reasoning_content`, `refusal`); `tool` (`tool_call_id`, text content) → tool results |
//! | `max_completion_tokens`, `max_tokens` | `max_tokens` (both given must agree) |
//! | `temperature`, `top_p`, `stop` (string or array) | the same |
//! | `tools` (`type: "function"`, `function.name`, `description`, `parameters`, `strict: false`) | `tools` |
//! | `tool_choice` (`auto`, `none`, `required`, `{"type":"function","function":{"name"}}`) | `tool_choice` |
//! | `reasoning_effort` (`none`, `minimal`, `low`, `medium`, `high`) | `reasoning.effort` |
//! | `stream`, `stream_options.include_usage` | [`DialectRequest::stream`], [`DialectRequest::include_usage`] |
//! | `n: 1`, `logprobs: false`, `modalities: ["text"]`, `stream_options.include_obfuscation: false`, `image_url.detail: "auto"` | accepted: they ask for what is done anyway |
//! | on an assistant message: `annotations` (`null` or `[]`), `audio`, `function_call`, `parsed` (`null`); on its tool calls `index`, `function.parsed_arguments` (`null`) | accepted and ignored: the official SDKs keep them on a response's message, and send them back when the application appends that message to the conversation |
//! | `frequency_penalty`, `presence_penalty`, `seed`, `logit_bias`, `user`, `parallel_tool_calls`, `response_format`, `service_tier`, `metadata`, `store`, `verbosity`, `prompt_cache_key`, `safety_identifier` | passed through to OpenAI-compatible providers ([`PASSTHROUGH`]) |
//!
//! Everything else is a `400` naming the field: unknown fields, the legacy `functions` /
//! `function_call`, `n` above 1, `logprobs`, audio, `prediction`, `web_search_options`, image
//! URLs other than `data:` URLs (the gateway fetches nothing), `strict` tools, message `name`s.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::accumulate::{AccumulateError, ContentBlock, Message};
use crate::chunk::{Finish, FinishReason, Provider, StreamChunk, StreamError, Usage};
use crate::request::{
    ChatMessage, ChatRequest, Content, Part, Reasoning, ReasoningEffort, Role, Tool, ToolChoice,
};

use super::error::{ErrorKind, OpenAiErrorObject};
use super::read::{Obj, Read, Refusal, data_url, expected, item, join, parse_body, strings};
use super::{
    Dialect, DialectError, DialectRequest, FieldNames, Origin, ResponseMeta, client_tool_call_id,
    openai_prompt_tokens, write_json,
};

/// The request fields passed through unchanged to OpenAI-compatible providers (and refused for
/// the others by [`DialectRequest::for_provider`]).
pub const PASSTHROUGH: &[&str] = &[
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "logit_bias",
    "user",
    "parallel_tool_calls",
    "response_format",
    "service_tier",
    "metadata",
    "store",
    "verbosity",
    "prompt_cache_key",
    "safety_identifier",
];

/// The sentinel event that ends every stream.
const DONE: &[u8] = b"data: [DONE]\n\n";

/// The finish reason OpenAI clients get for a unified one (see the [module
/// docs](super#finish-reasons); the provider table's inverse).
pub fn finish_reason(reason: FinishReason) -> &'static str {
    Provider::OpenAi.spec().raw_finish_reason(reason)
}

// ---------------------------------------------------------------------------------------------
// The stream
// ---------------------------------------------------------------------------------------------

/// Re-encodes a normalized chunk stream as a Chat Completions stream (see the [module
/// docs](self)).
///
/// [`push`](Encoder::push) every chunk in order; the terminal chunk writes the end of the stream
/// and `data: [DONE]`. Should the chunk stream stop without its terminal chunk,
/// [`finish`](Encoder::finish) ends the output with an `incomplete_stream` error. Nothing is
/// written after the end.
///
/// ```
/// use llm_sse_core::dialect::{openai, ResponseMeta};
/// use llm_sse_core::{StreamChunk, ToolCallStart};
///
/// let mut encoder = openai::Encoder::new(ResponseMeta::new("chatcmpl-1", "m", 7), false);
/// let mut out = Vec::new();
/// encoder.push(&StreamChunk::ToolCallStart(ToolCallStart {
///     index: 0,
///     id: None,
///     name: "get_weather".into(),
///     arguments: String::new(),
/// }), &mut out);
/// let out = String::from_utf8(out).unwrap();
/// assert!(out.ends_with(concat!(
///     r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":7,"model":"m","#,
///     r#""choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_chatcmpl-1_0","#,
///     r#""type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}"#,
///     "\n\n",
/// )));
/// ```
#[derive(Debug, Clone)]
pub struct Encoder {
    meta: ResponseMeta,
    include_usage: bool,
    /// The role chunk has been written.
    started: bool,
    /// The end of the stream has been written.
    done: bool,
    /// The stream indexes of the tool calls started, in order: a call's position is its
    /// `index` on the wire.
    calls: Vec<u32>,
}

impl Encoder {
    /// An encoder for one response. `include_usage`: the client asked for
    /// `stream_options.include_usage` ([`DialectRequest::include_usage`]).
    pub fn new(meta: ResponseMeta, include_usage: bool) -> Self {
        Encoder {
            meta,
            include_usage,
            started: false,
            done: false,
            calls: Vec::new(),
        }
    }

    /// True once the end of the stream (and `data: [DONE]`) has been written.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Appends what `chunk` becomes to `out` (possibly nothing) and returns the number of bytes
    /// appended. After the end of the stream, nothing.
    pub fn push(&mut self, chunk: &StreamChunk, out: &mut Vec<u8>) -> usize {
        let start = out.len();
        if self.done {
            return 0;
        }
        match chunk {
            StreamChunk::Token(text) if !text.is_empty() => {
                self.delta(
                    Delta {
                        content: Some(text),
                        ..Delta::default()
                    },
                    out,
                );
            }
            StreamChunk::Reasoning(text) if !text.is_empty() => {
                self.delta(
                    Delta {
                        reasoning_content: Some(text),
                        ..Delta::default()
                    },
                    out,
                );
            }
            StreamChunk::ToolCallStart(call) => match self.position(call.index) {
                // A second start of one call (no decoder sends one): its arguments continue.
                Some(position) => self.arguments(position, &call.arguments, out),
                None => {
                    let position = wire_index(self.calls.len());
                    self.calls.push(call.index);
                    let id = client_tool_call_id(call.id.as_deref(), &self.meta.id, call.index);
                    let piece = ToolCallPiece {
                        index: position,
                        id: Some(&id),
                        kind: Some("function"),
                        function: FunctionPiece {
                            name: Some(&call.name),
                            arguments: &call.arguments,
                        },
                    };
                    self.delta(
                        Delta {
                            tool_calls: Some([piece]),
                            ..Delta::default()
                        },
                        out,
                    );
                }
            },
            StreamChunk::ToolCallArguments(args) => {
                // Arguments of a call never started (no decoder sends them) are not sent: no
                // client could run that call.
                if let Some(position) = self.position(args.index) {
                    self.arguments(position, &args.fragment, out);
                }
            }
            StreamChunk::Done(finish) => self.end(finish, out),
            // Empty text, signatures, redacted reasoning, block breaks: no field.
            _ => {}
        }
        out.len() - start
    }

    /// Ends the output when the chunk stream stopped without its terminal chunk: an
    /// `incomplete_stream` error, then `data: [DONE]`. Does nothing after the end. Returns the
    /// number of bytes appended.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> usize {
        if self.done {
            return 0;
        }
        let start = out.len();
        let error = StreamError::new(
            crate::chunk::StreamErrorKind::IncompleteStream,
            "the stream ended without its terminal chunk",
        );
        self.error(&error, None, out);
        out.len() - start
    }

    /// Appends an SSE comment (`: ping`), which keeps a quiet connection open and which every
    /// client ignores. Nothing after the end.
    pub fn keepalive(&self, out: &mut Vec<u8>) {
        if !self.done {
            out.extend_from_slice(b": ping\n\n");
        }
    }

    fn position(&self, index: u32) -> Option<u32> {
        self.calls.iter().position(|&i| i == index).map(wire_index)
    }

    fn arguments(&mut self, position: u32, fragment: &str, out: &mut Vec<u8>) {
        if fragment.is_empty() {
            return;
        }
        let piece = ToolCallPiece {
            index: position,
            id: None,
            kind: None,
            function: FunctionPiece {
                name: None,
                arguments: fragment,
            },
        };
        self.delta(
            Delta {
                tool_calls: Some([piece]),
                ..Delta::default()
            },
            out,
        );
    }

    /// Writes the role chunk before the first output.
    fn start(&mut self, out: &mut Vec<u8>) {
        if self.started {
            return;
        }
        self.started = true;
        let delta = Delta {
            role: Some("assistant"),
            content: Some(""),
            ..Delta::default()
        };
        self.write(&[Choice::new(delta, None)], None, None, out);
    }

    fn delta(&mut self, delta: Delta<'_>, out: &mut Vec<u8>) {
        self.start(out);
        self.write(&[Choice::new(delta, None)], None, None, out);
    }

    fn end(&mut self, finish: &Finish, out: &mut Vec<u8>) {
        let usage = if self.include_usage {
            finish
                .usage
                .as_ref()
                .map(|u| UsageOut::new(finish.provider, u))
        } else {
            None
        };
        match &finish.outcome {
            Ok(reason) => {
                self.start(out);
                let choice = Choice::new(Delta::default(), Some(finish_reason(*reason)));
                self.write(&[choice], None, None, out);
                if usage.is_some() {
                    self.write(&[], usage, None, out);
                }
                out.extend_from_slice(DONE);
                self.done = true;
            }
            Err(error) => self.error(error, usage, out),
        }
    }

    fn error(&mut self, error: &StreamError, usage: Option<UsageOut>, out: &mut Vec<u8>) {
        let object = OpenAiErrorObject {
            message: &error.message,
            kind: error.error_type(),
            param: None,
            code: None,
        };
        self.write(&[], usage, Some(object), out);
        out.extend_from_slice(DONE);
        self.done = true;
    }

    /// Writes one `data:` event.
    fn write(
        &self,
        choices: &[Choice<'_>],
        usage: Option<UsageOut>,
        error: Option<OpenAiErrorObject<'_>>,
        out: &mut Vec<u8>,
    ) {
        out.extend_from_slice(b"data: ");
        write_json(
            &ChunkOut {
                id: &self.meta.id,
                object: "chat.completion.chunk",
                created: self.meta.created,
                model: &self.meta.model,
                choices,
                usage,
                error,
            },
            out,
        );
        out.extend_from_slice(b"\n\n");
    }
}

/// A tool call's wire `index` from its position (a stream never has 2^32 calls; saturates).
fn wire_index(position: usize) -> u32 {
    u32::try_from(position).unwrap_or(u32::MAX)
}

#[derive(Serialize)]
struct ChunkOut<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: &'a [Choice<'a>],
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<UsageOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<OpenAiErrorObject<'a>>,
}

#[derive(Serialize)]
struct Choice<'a> {
    index: u32,
    delta: Delta<'a>,
    finish_reason: Option<&'static str>,
}

impl<'a> Choice<'a> {
    fn new(delta: Delta<'a>, finish_reason: Option<&'static str>) -> Self {
        Choice {
            index: 0,
            delta,
            finish_reason,
        }
    }
}

#[derive(Serialize, Default)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<[ToolCallPiece<'a>; 1]>,
}

#[derive(Serialize)]
struct ToolCallPiece<'a> {
    index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    function: FunctionPiece<'a>,
}

#[derive(Serialize)]
struct FunctionPiece<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    arguments: &'a str,
}

/// OpenAI's `usage` object (see the [usage table](super#usage)).
#[derive(Serialize, Clone, Copy)]
struct UsageOut {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt_tokens_details: Option<PromptDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Serialize, Clone, Copy)]
struct PromptDetails {
    cached_tokens: u64,
}

#[derive(Serialize, Clone, Copy)]
struct CompletionDetails {
    reasoning_tokens: u64,
}

impl UsageOut {
    fn new(provider: Provider, usage: &Usage) -> Self {
        let prompt = openai_prompt_tokens(provider, usage);
        UsageOut {
            prompt_tokens: prompt,
            completion_tokens: usage.output_tokens,
            total_tokens: prompt.saturating_add(usage.output_tokens),
            prompt_tokens_details: usage
                .cache_read_input_tokens
                .map(|cached_tokens| PromptDetails { cached_tokens }),
            completion_tokens_details: usage
                .reasoning_tokens
                .map(|reasoning_tokens| CompletionDetails { reasoning_tokens }),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The non-streaming body
// ---------------------------------------------------------------------------------------------

/// The `chat.completion` body of a finished stream (folded by the
/// [`Accumulator`](crate::Accumulator)), or the error to answer instead.
///
/// The message's text blocks are joined into `content` (`null` when there is none), its
/// reasoning into `reasoning_content`, its tool calls into `tool_calls` (arguments as streamed;
/// a call without an id gets [`tool_call_id`](super::tool_call_id)); usage as in the stream, when reported.
///
/// # Errors
///
/// [`DialectError::from_accumulate_error`]: for a failed stream the status its error stands for.
pub fn non_streaming_body(
    meta: &ResponseMeta,
    result: &Result<Message, AccumulateError>,
) -> Result<Vec<u8>, DialectError> {
    let message = match result {
        Ok(message) => message,
        Err(error) => return Err(DialectError::from_accumulate_error(Dialect::OpenAi, error)),
    };
    let mut content: Option<String> = None;
    let mut reasoning: Option<String> = None;
    let mut calls = Vec::new();
    for block in &message.content {
        match block {
            ContentBlock::Text(text) => content.get_or_insert_with(String::new).push_str(text),
            ContentBlock::Thinking { thinking, .. } if !thinking.is_empty() => {
                reasoning.get_or_insert_with(String::new).push_str(thinking);
            }
            ContentBlock::ToolCall(call) => calls.push(call),
            _ => {}
        }
    }
    let ids: Vec<_> = calls
        .iter()
        .map(|call| client_tool_call_id(call.id.as_deref(), &meta.id, call.index))
        .collect();
    let tool_calls: Vec<ToolCallOut<'_>> = calls
        .iter()
        .zip(&ids)
        .map(|(call, id)| ToolCallOut {
            id,
            kind: "function",
            function: FunctionOut {
                name: &call.name,
                arguments: if call.raw_arguments.is_empty() {
                    "{}"
                } else {
                    &call.raw_arguments
                },
            },
        })
        .collect();
    let body = CompletionOut {
        id: &meta.id,
        object: "chat.completion",
        created: meta.created,
        model: &meta.model,
        choices: [CompletionChoice {
            index: 0,
            message: MessageOut {
                role: "assistant",
                content: content.as_deref(),
                reasoning_content: reasoning.as_deref(),
                tool_calls: (!tool_calls.is_empty()).then_some(tool_calls.as_slice()),
            },
            finish_reason: finish_reason(message.finish_reason),
        }],
        usage: message
            .usage
            .as_ref()
            .map(|u| UsageOut::new(message.provider, u)),
    };
    let mut out = Vec::new();
    write_json(&body, &mut out);
    Ok(out)
}

#[derive(Serialize)]
struct CompletionOut<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: [CompletionChoice<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<UsageOut>,
}

#[derive(Serialize)]
struct CompletionChoice<'a> {
    index: u32,
    message: MessageOut<'a>,
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct MessageOut<'a> {
    role: &'static str,
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<&'a [ToolCallOut<'a>]>,
}

#[derive(Serialize)]
struct ToolCallOut<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: FunctionOut<'a>,
}

#[derive(Serialize)]
struct FunctionOut<'a> {
    name: &'a str,
    arguments: &'a str,
}

// ---------------------------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------------------------

/// The request fields the decoder reads (the [`PASSTHROUGH`] ones are known too).
const TOP_LEVEL: &[&str] = &[
    "model",
    "messages",
    "stream",
    "stream_options",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "stop",
    "tools",
    "tool_choice",
    "reasoning_effort",
    "n",
    "logprobs",
    "modalities",
];

const UNSUPPORTED_TOP_LEVEL: &[(&str, &str)] = &[
    (
        "functions",
        "the legacy functions API is not supported: use tools",
    ),
    (
        "function_call",
        "the legacy functions API is not supported: use tool_choice",
    ),
    ("top_logprobs", "log probabilities are not returned"),
    ("audio", "audio output is not supported"),
    ("prediction", "predicted outputs are not supported"),
    ("web_search_options", "web search is not supported"),
];

/// Reads a Chat Completions request body (see the [module docs](self) for the fields).
///
/// # Errors
///
/// A `400` [`DialectError`] naming the field: [`ErrorKind::InvalidJson`],
/// [`ErrorKind::MissingField`], [`ErrorKind::InvalidValue`], [`ErrorKind::UnknownField`] or
/// [`ErrorKind::Unsupported`].
///
/// ```
/// use llm_sse_core::dialect::{openai, ErrorKind};
/// use llm_sse_core::request::{ReasoningEffort, ToolChoice};
///
/// let request = openai::decode_request(br#"{
///     "model": "anthropic/claude-sonnet-4-5",
///     "messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
///     "max_completion_tokens": 512,
///     "reasoning_effort": "low",
///     "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
///     "tool_choice": "required",
///     "seed": 7
/// }"#)?;
/// assert_eq!(request.chat.max_tokens, Some(512));
/// assert_eq!(request.chat.reasoning.and_then(|r| r.effort), Some(ReasoningEffort::Low));
/// assert_eq!(request.chat.tool_choice, Some(ToolChoice::Required));
/// assert_eq!(request.passthrough_fields(), ["seed"]);
/// assert!(!request.stream);
///
/// let error = openai::decode_request(br#"{"model":"m","messages":[],"functions":[]}"#).unwrap_err();
/// assert_eq!((error.status, error.kind), (400, ErrorKind::Unsupported));
/// assert_eq!(error.param.as_deref(), Some("functions"));
/// # Ok::<(), llm_sse_core::dialect::DialectError>(())
/// ```
pub fn decode_request(body: &[u8]) -> Result<DialectRequest, DialectError> {
    decode(body).map_err(|r| r.into_error(Dialect::OpenAi))
}

fn decode(body: &[u8]) -> Read<DialectRequest> {
    let root = parse_body(body)?;
    let top = Obj::of(&root, "")?;
    top.only_in(&[TOP_LEVEL, PASSTHROUGH], UNSUPPORTED_TOP_LEVEL)?;
    let model = top.required_string("model")?;

    let stream = top.boolean("stream")?.unwrap_or(false);
    let mut include_usage = false;
    if let Some(options) = top.get("stream_options") {
        if !stream {
            return Err(Refusal::invalid(
                "stream_options",
                "only allowed when stream is true",
            ));
        }
        let options = Obj::of(options, "stream_options")?;
        options.only(&["include_usage", "include_obfuscation"], &[])?;
        include_usage = options.boolean("include_usage")?.unwrap_or(false);
        if options.boolean("include_obfuscation")? == Some(true) {
            return Err(Refusal::unsupported(
                "stream_options.include_obfuscation",
                "the gateway does not pad its deltas (only false is accepted)",
            ));
        }
    }
    if top.count("n")?.is_some_and(|n| n != 1) {
        return Err(Refusal::unsupported(
            "n",
            "only one choice is generated (only 1 is accepted)",
        ));
    }
    if top.boolean("logprobs")? == Some(true) {
        return Err(Refusal::unsupported(
            "logprobs",
            "log probabilities are not returned (only false is accepted)",
        ));
    }
    if let Some(modalities) = top.get("modalities") {
        let modalities = strings(modalities, "modalities", false)?;
        if modalities != ["text"] {
            return Err(Refusal::unsupported(
                "modalities",
                "only text output is supported (only [\"text\"] is accepted)",
            ));
        }
    }

    let messages = top.array("messages")?;
    let messages = messages.ok_or_else(|| {
        Refusal::new(
            ErrorKind::MissingField,
            "messages",
            "missing required field",
        )
    })?;
    let mut out = Messages::default();
    for (i, value) in messages.iter().enumerate() {
        out.message(value, i)?;
    }

    let mut chat = ChatRequest::new(model, out.messages);
    let max_completion = top.count("max_completion_tokens")?;
    let max_legacy = top.count("max_tokens")?;
    let max_tokens_name = match (max_completion, max_legacy) {
        (Some(a), Some(b)) if a != b => {
            return Err(Refusal::invalid(
                "max_tokens",
                "differs from max_completion_tokens (set one of them)",
            ));
        }
        (None, Some(_)) => "max_tokens",
        _ => "max_completion_tokens",
    };
    chat.max_tokens = max_completion.or(max_legacy);
    chat.temperature = top.number("temperature")?;
    chat.top_p = top.number("top_p")?;
    if let Some(stop) = top.get("stop") {
        chat.stop = strings(stop, "stop", true)?;
    }
    if let Some(tools) = top.array("tools")? {
        chat.tools = tools
            .iter()
            .enumerate()
            .map(|(i, tool)| read_tool(tool, &item("tools", i)))
            .collect::<Read<_>>()?;
    }
    if let Some(choice) = top.get("tool_choice") {
        chat.tool_choice = Some(read_tool_choice(choice)?);
    }
    if let Some(effort) = top.string("reasoning_effort")? {
        let effort = match effort {
            "none" => ReasoningEffort::None,
            "minimal" => ReasoningEffort::Minimal,
            "low" => ReasoningEffort::Low,
            "medium" => ReasoningEffort::Medium,
            "high" => ReasoningEffort::High,
            other => {
                return Err(Refusal::invalid(
                    "reasoning_effort",
                    format_args!(
                        "{other:?} is not supported (expected none, minimal, low, medium or high)"
                    ),
                ));
            }
        };
        chat.reasoning = Some(Reasoning::effort(effort));
    }

    let mut passthrough = Map::new();
    let mut passthrough_fields = Vec::new();
    for &key in PASSTHROUGH {
        if let Some(value) = top.get(key) {
            passthrough.insert(key.into(), value.clone());
            passthrough_fields.push(key.into());
        }
    }

    Ok(DialectRequest {
        dialect: Dialect::OpenAi,
        model: model.into(),
        chat,
        stream,
        include_usage,
        passthrough,
        passthrough_fields,
        origins: out.origins,
        names: FieldNames {
            max_tokens: max_tokens_name,
            stop: "stop",
            reasoning: "reasoning_effort",
            budget: "reasoning_effort",
        },
    })
}

/// The messages read so far and where each came from.
#[derive(Default)]
struct Messages {
    messages: Vec<ChatMessage>,
    origins: Vec<Origin>,
}

impl Messages {
    fn push(&mut self, message: ChatMessage, path: String, parts: Vec<String>) {
        self.origins.push(Origin {
            content: join(&path, "content"),
            message: path,
            parts,
        });
        self.messages.push(message);
    }

    fn message(&mut self, value: &Value, i: usize) -> Read<()> {
        let path = item("messages", i);
        let obj = Obj::of(value, &path)?;
        let role = obj.required_string("role")?;
        let name = ("name", "message names are not supported");
        match role {
            "system" | "developer" => {
                obj.only(&["role", "content"], &[name])?;
                let (content, parts) = read_content(&obj, Role::System)?;
                self.push(ChatMessage::new(Role::System, content), path, parts);
            }
            "user" => {
                obj.only(&["role", "content"], &[name])?;
                let (content, parts) = read_content(&obj, Role::User)?;
                self.push(ChatMessage::new(Role::User, content), path, parts);
            }
            "assistant" => {
                obj.only(
                    &[
                        "role",
                        "content",
                        "tool_calls",
                        "reasoning_content",
                        "refusal",
                        ANNOTATIONS.0,
                    ],
                    &[
                        name,
                        (
                            "function_call",
                            "the legacy functions API is not supported: use tool_calls",
                        ),
                        ("audio", "audio is not supported"),
                        // What the SDKs put on a response's message, sent back as it is when
                        // an application appends that message to the conversation: accepted
                        // when they say nothing (`null`; `annotations` also empty, below).
                        (
                            "parsed",
                            "a parsed structured output cannot be sent back (send its content)",
                        ),
                    ],
                )?;
                if obj.array("annotations")?.is_some_and(|a| !a.is_empty()) {
                    return Err(Refusal::unsupported(
                        &obj.path_of("annotations"),
                        ANNOTATIONS.1,
                    ));
                }
                let (parts, paths) = read_assistant(&obj)?;
                self.push(ChatMessage::assistant(Content::Parts(parts)), path, paths);
            }
            "tool" => {
                obj.only(&["role", "content", "tool_call_id"], &[])?;
                let call_id = obj.required_string("tool_call_id")?;
                let (content, _) = read_content(&obj, Role::Tool)?;
                let result = Part::ToolResult {
                    call_id: Some(call_id.into()),
                    name: None,
                    content,
                    is_error: false,
                    cache: None,
                };
                let parts = alloc::vec![join(&path, "tool_call_id")];
                self.push(
                    ChatMessage::new(Role::Tool, alloc::vec![result]),
                    path,
                    parts,
                );
            }
            "function" => {
                return Err(Refusal::unsupported(
                    &join(&path, "role"),
                    "function messages (the legacy functions API) are not supported: use tool",
                ));
            }
            other => {
                return Err(Refusal::invalid(
                    &join(&path, "role"),
                    format_args!(
                        "unknown role {other:?} (expected system, developer, user, assistant or tool)"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The `content` of a system, user or tool message: a string, or an array of parts (text, and
/// for users `image_url`). Returns the content and the path of each part.
fn read_content(obj: &Obj<'_, '_>, role: Role) -> Read<(Content, Vec<String>)> {
    let path = obj.path_of("content");
    match obj.required("content")? {
        Value::String(text) => Ok((Content::Text(text.clone()), alloc::vec![path])),
        Value::Array(items) => {
            let mut parts = Vec::with_capacity(items.len());
            let mut paths = Vec::with_capacity(items.len());
            for (j, value) in items.iter().enumerate() {
                let part_path = item(&path, j);
                parts.push(read_part(value, &part_path, role)?);
                paths.push(part_path);
            }
            Ok((Content::Parts(parts), paths))
        }
        other => Err(expected(
            &path,
            "a string or an array of content parts",
            other,
        )),
    }
}

/// One content part of a system, user or tool message.
fn read_part(value: &Value, path: &str, role: Role) -> Read<Part> {
    let part = Obj::of(value, path)?;
    let kind = part.required_string("type")?;
    match kind {
        "text" => {
            part.only(&["type", "text"], &[])?;
            Ok(Part::text(part.required_string("text")?))
        }
        "image_url" if role == Role::User => {
            part.only(&["type", "image_url"], &[])?;
            let image_path = part.path_of("image_url");
            let image = Obj::of(part.required("image_url")?, &image_path)?;
            image.only(&["url", "detail"], &[])?;
            if let Some(detail) = image.string("detail")? {
                if detail != "auto" {
                    return Err(Refusal::unsupported(
                        &image.path_of("detail"),
                        "image detail levels are not supported (only \"auto\" is accepted)",
                    ));
                }
            }
            let url = image.required_string("url")?;
            match data_url(url) {
                Some((media_type, data)) => Ok(Part::image(media_type, data)),
                None => Err(Refusal::unsupported(
                    &image.path_of("url"),
                    "only data: URLs with base64 data are supported (the gateway fetches nothing)",
                )),
            }
        }
        "input_audio" | "file" if role == Role::User => Err(Refusal::unsupported(
            &join(path, "type"),
            format_args!("{kind} parts are not supported"),
        )),
        other => Err(Refusal::invalid(
            &join(path, "type"),
            format_args!("{other:?} parts are not accepted in {role} messages"),
        )),
    }
}

/// An assistant message's parts: reasoning, text, tool calls (in that order), and their paths.
fn read_assistant(obj: &Obj<'_, '_>) -> Read<(Vec<Part>, Vec<String>)> {
    let mut parts = Vec::new();
    let mut paths = Vec::new();
    if let Some(thinking) = obj.string("reasoning_content")? {
        if !thinking.is_empty() {
            parts.push(Part::Thinking {
                thinking: thinking.into(),
                signature: None,
                provider: None,
            });
            paths.push(obj.path_of("reasoning_content"));
        }
    }
    let content_path = obj.path_of("content");
    match obj.get("content") {
        None => {}
        Some(Value::String(text)) if !text.is_empty() => {
            parts.push(Part::text(text.as_str()));
            paths.push(content_path);
        }
        Some(Value::String(_)) => {}
        Some(Value::Array(items)) => {
            for (j, value) in items.iter().enumerate() {
                let part_path = item(&content_path, j);
                let part = Obj::of(value, &part_path)?;
                let kind = part.required_string("type")?;
                let text = match kind {
                    "text" => {
                        part.only(&["type", "text"], &[])?;
                        part.required_string("text")?
                    }
                    "refusal" => {
                        part.only(&["type", "refusal"], &[])?;
                        part.required_string("refusal")?
                    }
                    other => {
                        return Err(Refusal::invalid(
                            &join(&part_path, "type"),
                            format_args!("{other:?} parts are not accepted in assistant messages"),
                        ));
                    }
                };
                parts.push(Part::text(text));
                paths.push(part_path);
            }
        }
        Some(other) => {
            return Err(expected(
                &content_path,
                "a string, an array of content parts or null",
                other,
            ));
        }
    }
    if let Some(refusal) = obj.string("refusal")? {
        if !refusal.is_empty() {
            parts.push(Part::text(refusal));
            paths.push(obj.path_of("refusal"));
        }
    }
    if let Some(calls) = obj.array("tool_calls")? {
        let calls_path = obj.path_of("tool_calls");
        for (k, value) in calls.iter().enumerate() {
            let call_path = item(&calls_path, k);
            parts.push(read_tool_call(value, &call_path)?);
            paths.push(call_path);
        }
    }
    Ok((parts, paths))
}

/// `annotations` on an assistant message: accepted when `null` or empty.
const ANNOTATIONS: (&str, &str) = (
    "annotations",
    "annotations (citations) cannot be sent back: send the message without them",
);

/// One of an assistant message's `tool_calls`.
fn read_tool_call(value: &Value, path: &str) -> Read<Part> {
    let call = Obj::of(value, path)?;
    check_function_type(&call)?;
    // `index`: the call's position in the stream it came from, which the official SDKs'
    // stream accumulators keep on the message; it says nothing here.
    call.only(&["id", "type", "function", "index"], &[])?;
    call.count("index")?;
    let id = call.required_string("id")?;
    let function_path = call.path_of("function");
    let function = Obj::of(call.required("function")?, &function_path)?;
    // `parsed_arguments`: the OpenAI SDK's parse of `arguments` for strict tools (`null`
    // otherwise), sent back with the message.
    function.only(
        &["name", "arguments"],
        &[(
            "parsed_arguments",
            "parsed arguments cannot be sent back (send arguments)",
        )],
    )?;
    let name = function.required_string("name")?;
    let arguments_path = function.path_of("arguments");
    let arguments = match function.string("arguments")? {
        None | Some("") => Value::Object(Map::new()),
        Some(text) => serde_json::from_str::<Value>(text)
            .map_err(|e| Refusal::invalid(&arguments_path, format_args!("not valid JSON: {e}")))?,
    };
    Ok(Part::tool_call(Some(id.into()), name, arguments))
}

/// `type` of a tool or tool call: `function` (or absent).
fn check_function_type(obj: &Obj<'_, '_>) -> Read<()> {
    match obj.string("type")? {
        None | Some("function") => Ok(()),
        Some(other) => Err(Refusal::unsupported(
            &obj.path_of("type"),
            format_args!("{other:?} tools are not supported (only function tools)"),
        )),
    }
}

/// One of `tools`.
fn read_tool(value: &Value, path: &str) -> Read<Tool> {
    let tool = Obj::of(value, path)?;
    check_function_type(&tool)?;
    tool.only(&["type", "function"], &[])?;
    let function_path = tool.path_of("function");
    let function = Obj::of(tool.required("function")?, &function_path)?;
    function.only(&["name", "description", "parameters", "strict"], &[])?;
    if function.boolean("strict")? == Some(true) {
        return Err(Refusal::unsupported(
            &function.path_of("strict"),
            "strict schema adherence cannot be guaranteed for every provider (only false is \
             accepted)",
        ));
    }
    Ok(Tool {
        name: function.required_string("name")?.into(),
        description: function.string("description")?.map(ToOwned::to_owned),
        parameters: match function.get("parameters") {
            Some(schema) => schema.clone(),
            None => super::empty_object_schema(),
        },
        cache: None,
    })
}

/// `tool_choice`.
fn read_tool_choice(value: &Value) -> Read<ToolChoice> {
    let path = "tool_choice";
    match value {
        Value::String(s) => match s.as_str() {
            "auto" => Ok(ToolChoice::Auto),
            "none" => Ok(ToolChoice::None),
            "required" => Ok(ToolChoice::Required),
            other => Err(Refusal::invalid(
                path,
                format_args!("{other:?} is not a tool choice (expected auto, none or required)"),
            )),
        },
        Value::Object(_) => {
            let choice = Obj::of(value, path)?;
            match choice.required_string("type")? {
                "function" => {}
                other => {
                    return Err(Refusal::unsupported(
                        "tool_choice.type",
                        format_args!("{other:?} tool choices are not supported"),
                    ));
                }
            }
            choice.only(&["type", "function"], &[])?;
            let function = Obj::of(choice.required("function")?, "tool_choice.function")?;
            function.only(&["name"], &[])?;
            Ok(ToolChoice::Tool(function.required_string("name")?.into()))
        }
        other => Err(expected(path, "a string or an object", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_reasons_every_client_knows() {
        let table = [
            (FinishReason::Stop, "stop"),
            (FinishReason::Length, "length"),
            (FinishReason::StopSequence, "stop"),
            (FinishReason::ToolCalls, "tool_calls"),
            (FinishReason::ContentFilter, "content_filter"),
            (FinishReason::PauseTurn, "length"),
            (FinishReason::Other, "stop"),
        ];
        for (unified, wire) in table {
            assert_eq!(finish_reason(unified), wire, "{unified}");
        }
    }

    /// The assistant message exactly as the official Python SDK (3.57) sends back a message
    /// its stream helper returned.
    #[test]
    fn a_response_message_sent_back_as_the_sdk_serializes_it() {
        let body = br#"{"model":"m","messages":[
            {"role":"user","content":"Weather?"},
            {"content":"","refusal":null,"role":"assistant","annotations":null,"audio":null,
             "function_call":null,"parsed":null,"tool_calls":[{"id":"call_1","function":
             {"arguments":"{\"location\": \"Paris\"}","name":"get_weather","parsed_arguments":null},
             "type":"function","index":0}]},
            {"role":"tool","tool_call_id":"call_1","content":"18 C"}]}"#;
        let request = decode_request(body).unwrap();
        let Content::Parts(parts) = &request.chat.messages[1].content else {
            panic!("parts")
        };
        assert_eq!(
            parts.last(),
            Some(&Part::tool_call(
                Some("call_1".into()),
                "get_weather",
                serde_json::json!({"location": "Paris"})
            ))
        );
        // Empty annotations (a non-streaming response's) are nothing to send either.
        let empty = br#"{"model":"m","messages":[{"role":"user","content":"Hi"},
            {"role":"assistant","content":"Hello","annotations":[]}]}"#;
        assert!(decode_request(empty).is_ok());
        // Anything they would carry is refused, naming the field.
        let refused = [
            (
                r#"{"role":"assistant","content":"x","annotations":[{"type":"url_citation"}]}"#,
                "messages[1].annotations",
            ),
            (
                r#"{"role":"assistant","content":"x","parsed":{"a":1}}"#,
                "messages[1].parsed",
            ),
            (
                r#"{"role":"assistant","tool_calls":[{"id":"c","type":"function","index":-1,"function":{"name":"f","arguments":"{}"}}]}"#,
                "messages[1].tool_calls[0].index",
            ),
            (
                r#"{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}","parsed_arguments":{}}}]}"#,
                "messages[1].tool_calls[0].function.parsed_arguments",
            ),
        ];
        for (message, param) in refused {
            let body = format!(
                r#"{{"model":"m","messages":[{{"role":"user","content":"Hi"}},{message}]}}"#
            );
            let error = decode_request(body.as_bytes()).unwrap_err();
            assert_eq!(error.param.as_deref(), Some(param), "{message}: {error}");
        }
    }

    #[test]
    fn wire_indexes_saturate() {
        assert_eq!(wire_index(3), 3);
        assert_eq!(wire_index(usize::MAX), u32::MAX);
    }
}
