//! The Anthropic Messages dialect: `POST /v1/messages` requests in, Messages event streams and
//! `message` bodies out.
//!
//! # The stream
//!
//! [`Encoder`] writes every event as `event: <type>\ndata: <compact JSON>\n\n`, the event name
//! repeating the JSON `type`, as Anthropic does:
//!
//! | normalized | events |
//! |---|---|
//! | (first output) | `message_start` with a whole `message`: `id`, `"type":"message"`, `"role":"assistant"`, `model`, `"content":[]`, `"stop_reason":null`, `"stop_sequence":null`, `"usage":{"input_tokens":0,"output_tokens":0}` (the normalized stream reports usage only at its end: the counts come in `message_delta`) |
//! | [`Token`](StreamChunk::Token) | a `text` block (`{"type":"text","text":""}`) and its `text_delta`s |
//! | [`Reasoning`](StreamChunk::Reasoning) | a `thinking` block (`{"type":"thinking","thinking":"","signature":""}`) and its `thinking_delta`s |
//! | [`ReasoningSignature`](StreamChunk::ReasoningSignature) | a `signature_delta` that closes the thinking block (after other content, a thinking block of its own with no thinking text) |
//! | [`RedactedReasoning`](StreamChunk::RedactedReasoning) | a `redacted_thinking` block with its `data`, stopped at once |
//! | [`ToolCallStart`](StreamChunk::ToolCallStart) | a `tool_use` block (`id`, `name`, `"input":{}`); its first arguments, if any, in an `input_json_delta` |
//! | [`ToolCallArguments`](StreamChunk::ToolCallArguments) | an `input_json_delta` on the call's block |
//! | [`BlockBreak`](StreamChunk::BlockBreak) | the open text or thinking block stops: what follows is a new block |
//! | a normal end | every open block's `content_block_stop`, then `message_delta` (`stop_reason` from the [finish-reason table](super#finish-reasons), `"stop_sequence":null`, cumulative `usage`: `input_tokens`, `cache_creation_input_tokens` and `cache_read_input_tokens` when reported, `output_tokens`), then `message_stop` |
//! | a failed stream | `event: error` with `{"type":"error","error":{"type":"...","message":"..."}}` (the stream error's type: `overloaded_error`, `incomplete_stream`, ...), and nothing after it |
//!
//! Blocks are numbered from 0 in the order they start, as the official SDK's accumulator
//! requires (it finds a delta's block by position). A text or thinking block stops when any
//! other block starts; `tool_use` blocks stay open until the message ends, because the
//! normalized stream may interleave the arguments of parallel calls (OpenAI-compatible
//! sources do).
//!
//! # The request
//!
//! [`decode_request`] reads a Messages request body:
//!
//! | field | becomes |
//! |---|---|
//! | `model` (required), `messages` (required) | [`DialectRequest::model`]; `user` turns (text, `base64` images, `tool_result`s, which become tool messages), `assistant` turns (text, `thinking`, `redacted_thinking`, `tool_use`) |
//! | `system` (string or text blocks) | a system message |
//! | `max_tokens` (optional here: the provider's default when absent) | `max_tokens` |
//! | `temperature`, `top_p`, `stop_sequences` | `temperature`, `top_p`, `stop` |
//! | `tools` (custom tools: `name`, `description`, `input_schema`) | `tools` |
//! | `tool_choice` (`auto`, `any`, `none`, `tool` + `name`) | `tool_choice` (`any` → `required`) |
//! | `thinking` `enabled` + `budget_tokens` / `disabled` / `adaptive` (+ `output_config.effort` `low`, `medium`, `high`) | `reasoning`: the budget / a budget of 0 / the effort (`high` when not given) |
//! | `stream` | [`DialectRequest::stream`] |
//! | `cache_control` (`{"type": "ephemeral"}`, optional `ttl` `5m` or `1h`) on `system` text blocks, on user and assistant `text`, `image`, `tool_use` and `tool_result` blocks (and the text and image blocks inside a `tool_result`), on `tools` | the part's or tool's `cache` |
//! | `cache_control` at the top (automatic caching) | the request's `cache`: a breakpoint on the last block that can take one, the block Anthropic would pick |
//! | `top_k`, `metadata`, `service_tier`, `tool_choice.disable_parallel_tool_use: true` | passed through to Anthropic ([`PASSTHROUGH`]) |
//!
//! Everything else is a `400` naming the field: unknown fields, a `cache_control` of another
//! `type` or `ttl`, or on a thinking block (Anthropic refuses it there too), citations,
//! documents, image URLs and files, server tools and their blocks, `output_config.format`,
//! `container`, `mcp_servers`. A `thinking` block's empty `signature` means none. Cache
//! breakpoints reach Anthropic as `cache_control` (validation checks its limit of 4 and that a
//! `1h` one does not follow a `5m` one); OpenAI and Gemini models ignore them, as they cache
//! prompts by themselves.

use alloc::borrow::ToOwned;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::accumulate::{AccumulateError, ContentBlock, Message};
use crate::chunk::{
    Finish, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, Usage,
};
use crate::request::{
    CacheControl, CacheTtl, ChatMessage, ChatRequest, Content, Part, Reasoning, ReasoningEffort,
    Role, Tool, ToolChoice,
};

use super::error::AnthropicErrorObject;
use super::read::{Obj, Read, Refusal, expected, item, parse_body, strings};
use super::{
    Dialect, DialectError, DialectRequest, EmptyArray, EmptyObject, ErrorKind, FieldNames, Origin,
    ResponseMeta, anthropic_input_tokens, client_tool_call_id, write_json,
};

/// The request fields passed through unchanged to Anthropic (and refused for other providers
/// by [`DialectRequest::for_provider`]); `tool_choice.disable_parallel_tool_use` passes too when
/// `true`.
pub const PASSTHROUGH: &[&str] = &["top_k", "metadata", "service_tier"];

/// The `stop_reason` Anthropic clients get for a unified finish reason (see the [module
/// docs](super#finish-reasons); the provider table's inverse). A stream that came from Anthropic
/// keeps its own.
pub fn stop_reason(reason: FinishReason) -> &'static str {
    Provider::Anthropic.spec().raw_finish_reason(reason)
}

/// The `stop_reason` of a finished stream: Anthropic's own when it came from Anthropic's API
/// (Claude on Anthropic, Bedrock or Vertex AI).
fn stop_reason_of(provider: Provider, raw: Option<&str>, reason: FinishReason) -> &str {
    match raw {
        Some(raw) if provider.api() == crate::provider::Api::Anthropic => raw,
        _ => stop_reason(reason),
    }
}

// ---------------------------------------------------------------------------------------------
// The stream
// ---------------------------------------------------------------------------------------------

/// Re-encodes a normalized chunk stream as an Anthropic Messages event stream (see the [module
/// docs](self)).
///
/// [`push`](Encoder::push) every chunk in order; the terminal chunk writes the end of the
/// stream. Should the chunk stream stop without its terminal chunk, [`finish`](Encoder::finish)
/// ends the output with an `incomplete_stream` error event. Nothing is written after the end.
///
/// ```
/// use llm_sse_core::dialect::{anthropic, ResponseMeta};
/// use llm_sse_core::StreamChunk;
///
/// let mut encoder = anthropic::Encoder::new(ResponseMeta::new("msg_1", "claude-sonnet-4-5", 0));
/// let mut out = Vec::new();
/// encoder.push(&StreamChunk::Token("Hi".into()), &mut out);
/// assert_eq!(String::from_utf8(out).unwrap(), concat!(
///     "event: message_start\n",
///     r#"data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","#,
///     r#""model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"#,
///     r#""usage":{"input_tokens":0,"output_tokens":0}}}"#, "\n\n",
///     "event: content_block_start\n",
///     r#"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#, "\n\n",
///     "event: content_block_delta\n",
///     r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#, "\n\n",
/// ));
/// ```
#[derive(Debug, Clone)]
pub struct Encoder {
    meta: ResponseMeta,
    /// `message_start` has been written.
    started: bool,
    /// The end of the stream has been written.
    done: bool,
    /// The index the next block gets.
    next_block: u32,
    /// The open text or thinking block.
    open: Option<(u32, Open)>,
    /// Tool-call stream index → its `tool_use` block (open until the message ends).
    tools: BTreeMap<u32, u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Text,
    Thinking,
}

impl Encoder {
    /// An encoder for one response (Anthropic has no `created`: [`ResponseMeta::created`] is not
    /// used).
    pub fn new(meta: ResponseMeta) -> Self {
        Encoder {
            meta,
            started: false,
            done: false,
            next_block: 0,
            open: None,
            tools: BTreeMap::new(),
        }
    }

    /// True once the end of the stream has been written.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Appends what `chunk` becomes to `out` (possibly nothing) and returns the number of bytes
    /// appended. After the end of the stream, nothing.
    pub fn push(&mut self, chunk: &StreamChunk, out: &mut Vec<u8>) -> usize {
        if self.done {
            return 0;
        }
        let start = out.len();
        match chunk {
            StreamChunk::Done(finish) => {
                self.end(finish, out);
                return out.len() - start;
            }
            _ => self.start(out),
        }
        match chunk {
            StreamChunk::Token(text) if !text.is_empty() => {
                let index = self.open_block(Open::Text, out);
                self.delta(index, BlockDelta::Text { text }, out);
            }
            StreamChunk::Reasoning(text) if !text.is_empty() => {
                let index = self.open_block(Open::Thinking, out);
                self.delta(index, BlockDelta::Thinking { thinking: text }, out);
            }
            StreamChunk::ReasoningSignature(signature) if !signature.is_empty() => {
                let index = self.open_block(Open::Thinking, out);
                self.delta(index, BlockDelta::Signature { signature }, out);
                self.close_open(out);
            }
            StreamChunk::RedactedReasoning(data) if !data.is_empty() => {
                let index = self.new_block(BlockStart::RedactedThinking { data }, out);
                stop(index, out);
            }
            StreamChunk::ToolCallStart(call) => {
                let index = match self.tools.get(&call.index) {
                    // A second start of one call (no decoder sends one): its arguments continue.
                    Some(&index) => index,
                    None => {
                        let id = client_tool_call_id(call.id.as_deref(), &self.meta.id, call.index);
                        let block = BlockStart::ToolUse {
                            id: &id,
                            name: &call.name,
                            input: EmptyObject,
                        };
                        let index = self.new_block(block, out);
                        self.tools.insert(call.index, index);
                        index
                    }
                };
                self.arguments(index, &call.arguments, out);
            }
            StreamChunk::ToolCallArguments(args) => {
                // Arguments of a call never started (no decoder sends them) are not sent: no
                // client could run that call.
                if let Some(&index) = self.tools.get(&args.index) {
                    self.arguments(index, &args.fragment, out);
                }
            }
            StreamChunk::BlockBreak => self.close_open(out),
            // Empty text, signatures or redacted reasoning.
            _ => {}
        }
        out.len() - start
    }

    /// Ends the output when the chunk stream stopped without its terminal chunk: an
    /// `incomplete_stream` error event. Does nothing after the end. Returns the number of bytes
    /// appended.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> usize {
        if self.done {
            return 0;
        }
        let start = out.len();
        self.error(
            &StreamError::new(
                StreamErrorKind::IncompleteStream,
                "the stream ended without its terminal chunk",
            ),
            out,
        );
        out.len() - start
    }

    /// Appends a `ping` event, which keeps a quiet connection open and which clients ignore.
    /// Nothing after the end.
    pub fn keepalive(&self, out: &mut Vec<u8>) {
        if !self.done {
            event("ping", &Event::Ping, out);
        }
    }

    fn start(&mut self, out: &mut Vec<u8>) {
        if self.started {
            return;
        }
        self.started = true;
        let message = StartMessage {
            id: &self.meta.id,
            kind: "message",
            role: "assistant",
            model: &self.meta.model,
            content: EmptyArray,
            stop_reason: None,
            stop_sequence: None,
            usage: UsageOut {
                input_tokens: 0,
                cache_creation_input_tokens: None,
                cache_read_input_tokens: None,
                output_tokens: 0,
            },
        };
        event("message_start", &Event::MessageStart { message }, out);
    }

    /// The open block of `kind`, started when another (or none) is open.
    fn open_block(&mut self, kind: Open, out: &mut Vec<u8>) -> u32 {
        match self.open {
            Some((index, open)) if open == kind => index,
            _ => {
                self.close_open(out);
                let block = match kind {
                    Open::Text => BlockStart::Text { text: "" },
                    Open::Thinking => BlockStart::Thinking {
                        thinking: "",
                        signature: "",
                    },
                };
                let index = self.new_block(block, out);
                self.open = Some((index, kind));
                index
            }
        }
    }

    /// Starts a block (stopping the open text or thinking block first).
    fn new_block(&mut self, block: BlockStart<'_>, out: &mut Vec<u8>) -> u32 {
        self.close_open(out);
        let index = self.next_block;
        self.next_block = self.next_block.saturating_add(1);
        event(
            "content_block_start",
            &Event::ContentBlockStart {
                index,
                content_block: block,
            },
            out,
        );
        index
    }

    fn close_open(&mut self, out: &mut Vec<u8>) {
        if let Some((index, _)) = self.open.take() {
            stop(index, out);
        }
    }

    fn delta(&self, index: u32, delta: BlockDelta<'_>, out: &mut Vec<u8>) {
        event(
            "content_block_delta",
            &Event::ContentBlockDelta { index, delta },
            out,
        );
    }

    fn arguments(&self, index: u32, fragment: &str, out: &mut Vec<u8>) {
        if !fragment.is_empty() {
            let delta = BlockDelta::InputJson {
                partial_json: fragment,
            };
            self.delta(index, delta, out);
        }
    }

    fn end(&mut self, finish: &Finish, out: &mut Vec<u8>) {
        let reason = match &finish.outcome {
            Ok(reason) => *reason,
            Err(error) => return self.error(error, out),
        };
        self.start(out);
        self.close_open(out);
        let mut tools: Vec<u32> = self.tools.values().copied().collect();
        tools.sort_unstable();
        for index in tools {
            stop(index, out);
        }
        self.tools.clear();
        let stop_reason = stop_reason_of(
            finish.provider,
            finish.provider_finish_reason.as_deref(),
            reason,
        );
        let delta = MessageDeltaOut {
            stop_reason,
            stop_sequence: None,
        };
        let usage = UsageOut::new(finish.provider, finish.usage.as_ref());
        event("message_delta", &Event::MessageDelta { delta, usage }, out);
        event("message_stop", &Event::MessageStop, out);
        self.done = true;
    }

    fn error(&mut self, error: &StreamError, out: &mut Vec<u8>) {
        let error = AnthropicErrorObject {
            kind: error.error_type(),
            message: &error.message,
        };
        event("error", &Event::Error { error }, out);
        self.done = true;
    }
}

fn stop(index: u32, out: &mut Vec<u8>) {
    event(
        "content_block_stop",
        &Event::ContentBlockStop { index },
        out,
    );
}

/// Writes one event: `event: <name>\ndata: <json>\n\n`.
fn event(name: &str, data: &Event<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    write_json(data, out);
    out.extend_from_slice(b"\n\n");
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Event<'a> {
    MessageStart {
        message: StartMessage<'a>,
    },
    ContentBlockStart {
        index: u32,
        content_block: BlockStart<'a>,
    },
    ContentBlockDelta {
        index: u32,
        delta: BlockDelta<'a>,
    },
    ContentBlockStop {
        index: u32,
    },
    MessageDelta {
        delta: MessageDeltaOut<'a>,
        usage: UsageOut,
    },
    MessageStop,
    Ping,
    Error {
        error: AnthropicErrorObject<'a>,
    },
}

#[derive(Serialize)]
struct StartMessage<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    role: &'static str,
    model: &'a str,
    content: EmptyArray,
    stop_reason: Option<&'a str>,
    stop_sequence: Option<&'a str>,
    usage: UsageOut,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockStart<'a> {
    Text {
        text: &'a str,
    },
    Thinking {
        thinking: &'a str,
        signature: &'a str,
    },
    RedactedThinking {
        data: &'a str,
    },
    ToolUse {
        id: &'a str,
        name: &'a str,
        input: EmptyObject,
    },
}

/// A `content_block_delta`'s `delta` (`text_delta`, `thinking_delta`, `signature_delta`,
/// `input_json_delta`).
#[derive(Serialize)]
#[serde(tag = "type")]
enum BlockDelta<'a> {
    #[serde(rename = "text_delta")]
    Text { text: &'a str },
    #[serde(rename = "thinking_delta")]
    Thinking { thinking: &'a str },
    #[serde(rename = "signature_delta")]
    Signature { signature: &'a str },
    #[serde(rename = "input_json_delta")]
    InputJson { partial_json: &'a str },
}

#[derive(Serialize)]
struct MessageDeltaOut<'a> {
    stop_reason: &'a str,
    stop_sequence: Option<&'a str>,
}

/// Anthropic's `usage` object (see the [usage table](super#usage)).
#[derive(Serialize, Clone, Copy)]
struct UsageOut {
    input_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_creation_input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_read_input_tokens: Option<u64>,
    output_tokens: u64,
}

impl UsageOut {
    /// The counts of `usage`, or zeros when the provider reported none (the field is required).
    fn new(provider: Provider, usage: Option<&Usage>) -> Self {
        match usage {
            Some(usage) => UsageOut {
                input_tokens: anthropic_input_tokens(provider, usage),
                cache_creation_input_tokens: usage.cache_creation_input_tokens,
                cache_read_input_tokens: usage.cache_read_input_tokens,
                output_tokens: usage.output_tokens,
            },
            None => UsageOut {
                input_tokens: 0,
                cache_creation_input_tokens: None,
                cache_read_input_tokens: None,
                output_tokens: 0,
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The non-streaming body
// ---------------------------------------------------------------------------------------------

/// The `message` body of a finished stream (folded by the [`Accumulator`](crate::Accumulator)),
/// or the error to answer instead.
///
/// The message's blocks in order: `text`, `thinking` (`signature` `""` when the reasoning
/// carries none), `redacted_thinking`, `tool_use` (`input` the parsed arguments; a call without
/// a (non-empty) id gets [`tool_call_id`](super::tool_call_id)); `stop_reason` and `usage` as in
/// the stream.
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
        Err(error) => {
            return Err(DialectError::from_accumulate_error(
                Dialect::Anthropic,
                error,
            ));
        }
    };
    let ids: Vec<_> = message
        .content
        .iter()
        .map(|block| match block {
            ContentBlock::ToolCall(call) => {
                client_tool_call_id(call.id.as_deref(), &meta.id, call.index)
            }
            _ => alloc::borrow::Cow::Borrowed(""),
        })
        .collect();
    let content: Vec<BlockOut<'_>> = message
        .content
        .iter()
        .zip(&ids)
        .map(|(block, id)| match block {
            ContentBlock::Text(text) => BlockOut::Text { text },
            ContentBlock::Thinking {
                thinking,
                signature,
            } => BlockOut::Thinking {
                thinking,
                signature: signature.as_deref().unwrap_or(""),
            },
            ContentBlock::RedactedThinking { data } => BlockOut::RedactedThinking { data },
            ContentBlock::ToolCall(call) => BlockOut::ToolUse {
                id,
                name: &call.name,
                input: &call.arguments,
            },
        })
        .collect();
    let body = MessageOut {
        id: &meta.id,
        kind: "message",
        role: "assistant",
        model: &meta.model,
        content: &content,
        stop_reason: stop_reason_of(
            message.provider,
            message.provider_finish_reason.as_deref(),
            message.finish_reason,
        ),
        stop_sequence: None,
        usage: UsageOut::new(message.provider, message.usage.as_ref()),
    };
    let mut out = Vec::new();
    write_json(&body, &mut out);
    Ok(out)
}

#[derive(Serialize)]
struct MessageOut<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    role: &'static str,
    model: &'a str,
    content: &'a [BlockOut<'a>],
    stop_reason: &'a str,
    stop_sequence: Option<&'a str>,
    usage: UsageOut,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum BlockOut<'a> {
    Text {
        text: &'a str,
    },
    Thinking {
        thinking: &'a str,
        signature: &'a str,
    },
    RedactedThinking {
        data: &'a str,
    },
    ToolUse {
        id: &'a str,
        name: &'a str,
        input: &'a Value,
    },
}

// ---------------------------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------------------------

/// The request fields the decoder reads (the [`PASSTHROUGH`] ones are known too).
const TOP_LEVEL: &[&str] = &[
    "model",
    "messages",
    "max_tokens",
    "system",
    "stop_sequences",
    "stream",
    "temperature",
    "top_p",
    "tools",
    "tool_choice",
    "thinking",
    "output_config",
    "cache_control",
];

const UNSUPPORTED_TOP_LEVEL: &[(&str, &str)] = &[
    ("container", "code execution containers are not supported"),
    ("mcp_servers", "MCP servers are not supported"),
    ("context_management", "context management is not supported"),
];

/// Block types of the API that the gateway does not take.
const UNSUPPORTED_BLOCKS: &[&str] = &[
    "document",
    "search_result",
    "container_upload",
    "server_tool_use",
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
    "tool_search_tool_result",
    "mcp_tool_use",
    "mcp_tool_result",
];

/// Reads a Messages request body (see the [module docs](self) for the fields).
///
/// # Errors
///
/// A `400` [`DialectError`] naming the field: [`ErrorKind::InvalidJson`],
/// [`ErrorKind::MissingField`], [`ErrorKind::InvalidValue`], [`ErrorKind::UnknownField`] or
/// [`ErrorKind::Unsupported`].
///
/// ```
/// use llm_sse_core::dialect::{anthropic, ErrorKind};
/// use llm_sse_core::request::{Part, Role};
///
/// let request = anthropic::decode_request(br#"{
///     "model": "openai/gpt-4o",
///     "max_tokens": 1024,
///     "system": "Be brief.",
///     "messages": [
///         {"role": "user", "content": "Weather in Paris?"},
///         {"role": "assistant", "content": [
///             {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
///         {"role": "user", "content": [
///             {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18 C"},
///             {"type": "text", "text": "And tomorrow?"}]}
///     ],
///     "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
///     "stream": true
/// }"#)?;
/// let roles: Vec<Role> = request.chat.messages.iter().map(|m| m.role).collect();
/// assert_eq!(roles, [Role::System, Role::User, Role::Assistant, Role::Tool, Role::User]);
/// assert!(request.stream);
///
/// let error = anthropic::decode_request(br#"{"model":"m","messages":[{"role":"user",
///     "content":[{"type":"text","text":"Hi","cache_control":{"type":"ephemeral","ttl":"1d"}}]}]}"#).unwrap_err();
/// assert_eq!(error.kind, ErrorKind::InvalidValue);
/// assert_eq!(error.param.as_deref(), Some("messages[0].content[0].cache_control.ttl"));
/// # Ok::<(), llm_sse_core::dialect::DialectError>(())
/// ```
pub fn decode_request(body: &[u8]) -> Result<DialectRequest, DialectError> {
    decode(body).map_err(|r| r.into_error(Dialect::Anthropic))
}

fn decode(body: &[u8]) -> Read<DialectRequest> {
    let root = parse_body(body)?;
    let top = Obj::of(&root, "")?;
    top.only_in(&[TOP_LEVEL, PASSTHROUGH], UNSUPPORTED_TOP_LEVEL)?;
    let model = top.required_string("model")?;
    let stream = top.boolean("stream")?.unwrap_or(false);

    let mut out = Messages::default();
    if let Some(system) = top.get("system") {
        read_system(system, &mut out)?;
    }
    let messages = top.array("messages")?.ok_or_else(|| {
        Refusal::new(
            ErrorKind::MissingField,
            "messages",
            "missing required field",
        )
    })?;
    for (i, value) in messages.iter().enumerate() {
        read_message(value, i, &mut out)?;
    }

    let mut chat = ChatRequest::new(model, out.messages);
    chat.max_tokens = top.count("max_tokens")?;
    chat.temperature = top.number("temperature")?;
    chat.top_p = top.number("top_p")?;
    if let Some(stop) = top.get("stop_sequences") {
        chat.stop = strings(stop, "stop_sequences", false)?;
    }
    if let Some(tools) = top.array("tools")? {
        chat.tools = tools
            .iter()
            .enumerate()
            .map(|(i, tool)| read_tool(tool, &item("tools", i)))
            .collect::<Read<_>>()?;
    }

    let mut passthrough = Map::new();
    let mut passthrough_fields = Vec::new();
    for &key in PASSTHROUGH {
        if let Some(value) = top.get(key) {
            passthrough.insert(key.into(), value.clone());
            passthrough_fields.push(key.into());
        }
    }
    if let Some(choice) = top.get("tool_choice") {
        let (choice, disable_parallel) = read_tool_choice(choice)?;
        chat.tool_choice = Some(choice);
        if disable_parallel {
            let mut patch = Map::new();
            patch.insert("disable_parallel_tool_use".into(), Value::Bool(true));
            passthrough.insert("tool_choice".into(), Value::Object(patch));
            passthrough_fields.push("tool_choice.disable_parallel_tool_use".into());
        }
    }
    chat.reasoning = read_reasoning(&top)?;
    chat.cache = read_cache(&top)?;

    Ok(DialectRequest {
        dialect: Dialect::Anthropic,
        model: model.into(),
        chat,
        stream,
        include_usage: false,
        passthrough,
        passthrough_fields,
        origins: out.origins,
        names: FieldNames {
            max_tokens: "max_tokens",
            stop: "stop_sequences",
            reasoning: "thinking",
            budget: "thinking.budget_tokens",
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
    fn push(&mut self, role: Role, content: Content, origin: Origin) {
        self.messages.push(ChatMessage::new(role, content));
        self.origins.push(origin);
    }
}

/// `system`: a string or an array of text blocks.
fn read_system(value: &Value, out: &mut Messages) -> Read<()> {
    let path = "system";
    let (content, parts) = match value {
        Value::String(text) => (Content::Text(text.clone()), alloc::vec![path.into()]),
        Value::Array(blocks) => {
            let mut parts = Vec::with_capacity(blocks.len());
            let mut paths = Vec::with_capacity(blocks.len());
            for (k, block) in blocks.iter().enumerate() {
                let block_path = item(path, k);
                let obj = Obj::of(block, &block_path)?;
                match obj.required_string("type")? {
                    "text" => parts.push(read_text(&obj)?),
                    other => {
                        return Err(Refusal::invalid(
                            &obj.path_of("type"),
                            format_args!("{other:?} blocks are not accepted in system"),
                        ));
                    }
                }
                paths.push(block_path);
            }
            (Content::Parts(parts), paths)
        }
        other => return Err(expected(path, "a string or an array of text blocks", other)),
    };
    let origin = Origin {
        message: path.into(),
        content: path.into(),
        parts,
    };
    out.push(Role::System, content, origin);
    Ok(())
}

/// One of `messages`: a user turn (split into tool results and the rest, in order) or an
/// assistant turn.
fn read_message(value: &Value, i: usize, out: &mut Messages) -> Read<()> {
    let path = item("messages", i);
    let obj = Obj::of(value, &path)?;
    obj.only(&["role", "content"], &[])?;
    let role = match obj.required_string("role")? {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        other => {
            return Err(Refusal::invalid(
                &obj.path_of("role"),
                format_args!("unknown role {other:?} (expected user or assistant)"),
            ));
        }
    };
    let content_path = obj.path_of("content");
    let blocks = match obj.required("content")? {
        Value::String(text) => {
            let origin = Origin {
                message: path,
                content: content_path.clone(),
                parts: alloc::vec![content_path],
            };
            out.push(role, Content::Text(text.clone()), origin);
            return Ok(());
        }
        Value::Array(blocks) => blocks,
        other => {
            return Err(expected(
                &content_path,
                "a string or an array of blocks",
                other,
            ));
        }
    };
    if blocks.is_empty() {
        // Validation refuses it, naming this message.
        let origin = Origin {
            message: path,
            content: content_path,
            parts: Vec::new(),
        };
        out.push(role, Content::Parts(Vec::new()), origin);
        return Ok(());
    }
    // Consecutive blocks of one kind (tool results, or the rest) make one message.
    let mut run: Option<(Role, Vec<Part>, Vec<String>)> = None;
    for (j, block) in blocks.iter().enumerate() {
        let block_path = item(&content_path, j);
        let (part_role, part) = read_block(block, &block_path, role)?;
        match &mut run {
            Some((r, parts, paths)) if *r == part_role => {
                parts.push(part);
                paths.push(block_path);
            }
            _ => {
                if let Some((r, parts, paths)) = run.take() {
                    out.push(
                        r,
                        Content::Parts(parts),
                        origin(&path, &content_path, paths),
                    );
                }
                run = Some((part_role, alloc::vec![part], alloc::vec![block_path]));
            }
        }
    }
    if let Some((r, parts, paths)) = run {
        out.push(
            r,
            Content::Parts(parts),
            origin(&path, &content_path, paths),
        );
    }
    Ok(())
}

fn origin(message: &str, content: &str, parts: Vec<String>) -> Origin {
    Origin {
        message: message.into(),
        content: content.into(),
        parts,
    }
}

/// One content block of a turn of `role`, and the role of the message it goes to (a user's
/// `tool_result` goes to a tool message).
fn read_block(value: &Value, path: &str, role: Role) -> Read<(Role, Part)> {
    let block = Obj::of(value, path)?;
    let kind = block.required_string("type")?;
    let part = match (role, kind) {
        (_, "text") => read_text(&block)?,
        (Role::User, "image") => read_image(&block)?,
        (Role::User, "tool_result") => return Ok((Role::Tool, read_tool_result(&block)?)),
        (Role::Assistant, "tool_use") => {
            block.only(&["type", "id", "name", "input", "cache_control"], &[])?;
            let input = match block.get("input") {
                Some(input) => input.clone(),
                None => Value::Object(Map::new()),
            };
            let call = Part::tool_call(
                Some(block.required_string("id")?.into()),
                block.required_string("name")?,
                input,
            );
            with_cache(call, read_cache(&block)?)
        }
        (Role::Assistant, "thinking") => {
            block.only(&["type", "thinking", "signature"], &[NO_CACHE_ON_THINKING])?;
            Part::Thinking {
                thinking: block.required_string("thinking")?.into(),
                signature: block
                    .string("signature")?
                    .filter(|s| !s.is_empty())
                    .map(ToOwned::to_owned),
                provider: None,
            }
        }
        (Role::Assistant, "redacted_thinking") => {
            block.only(&["type", "data"], &[NO_CACHE_ON_THINKING])?;
            Part::RedactedThinking {
                data: block.required_string("data")?.into(),
                provider: None,
            }
        }
        (_, kind) if UNSUPPORTED_BLOCKS.contains(&kind) => {
            return Err(Refusal::unsupported(
                &block.path_of("type"),
                format_args!("{kind} blocks are not supported in {role} turns"),
            ));
        }
        (_, other) => {
            return Err(Refusal::invalid(
                &block.path_of("type"),
                format_args!("{other:?} blocks are not accepted in {role} turns"),
            ));
        }
    };
    Ok((role, part))
}

/// A `text` block.
fn read_text(block: &Obj<'_, '_>) -> Read<Part> {
    block.only(
        &["type", "text", "cache_control"],
        &[("citations", "citations are not supported")],
    )?;
    let text = Part::text(block.required_string("text")?);
    Ok(with_cache(text, read_cache(block)?))
}

/// Thinking blocks take no `cache_control`.
const NO_CACHE_ON_THINKING: (&str, &str) = (
    "cache_control",
    "thinking blocks cannot take a cache breakpoint (put it on a later block)",
);

/// The `cache_control` of `obj`: `{"type": "ephemeral"}`, with an optional `ttl` of `5m` or
/// `1h`.
fn read_cache(obj: &Obj<'_, '_>) -> Read<Option<CacheControl>> {
    let Some(value) = obj.get("cache_control") else {
        return Ok(None);
    };
    let path = obj.path_of("cache_control");
    let control = Obj::of(value, &path)?;
    control.only(&["type", "ttl"], &[])?;
    match control.required_string("type")? {
        "ephemeral" => {}
        other => {
            return Err(Refusal::invalid(
                &control.path_of("type"),
                format_args!("{other:?} is not a cache type (expected ephemeral)"),
            ));
        }
    }
    let cache = CacheControl::new();
    Ok(Some(match control.string("ttl")? {
        None => cache,
        Some("5m") => cache.with_ttl(CacheTtl::FiveMinutes),
        Some("1h") => cache.with_ttl(CacheTtl::OneHour),
        Some(other) => {
            return Err(Refusal::invalid(
                &control.path_of("ttl"),
                format_args!("{other:?} is not a cache lifetime (expected 5m or 1h)"),
            ));
        }
    }))
}

/// `part` with the breakpoint `cache`, if any.
fn with_cache(part: Part, cache: Option<CacheControl>) -> Part {
    match cache {
        Some(cache) => part.with_cache(cache),
        None => part,
    }
}

/// An `image` block with a `base64` source.
fn read_image(block: &Obj<'_, '_>) -> Read<Part> {
    block.only(&["type", "source", "cache_control"], &[])?;
    let source_path = block.path_of("source");
    let source = Obj::of(block.required("source")?, &source_path)?;
    match source.required_string("type")? {
        "base64" => {}
        other => {
            return Err(Refusal::unsupported(
                &source.path_of("type"),
                format_args!(
                    "{other:?} image sources are not supported (only base64: the gateway fetches \
                     nothing)"
                ),
            ));
        }
    }
    source.only(&["type", "media_type", "data"], &[])?;
    let image = Part::image(
        source.required_string("media_type")?,
        source.required_string("data")?,
    );
    Ok(with_cache(image, read_cache(block)?))
}

/// A `tool_result` block.
fn read_tool_result(block: &Obj<'_, '_>) -> Read<Part> {
    block.only(
        &[
            "type",
            "tool_use_id",
            "content",
            "is_error",
            "cache_control",
        ],
        &[],
    )?;
    let call_id = block.required_string("tool_use_id")?;
    let content_path = block.path_of("content");
    let content = match block.get("content") {
        None => Content::Text(String::new()),
        Some(Value::String(text)) => Content::Text(text.clone()),
        Some(Value::Array(items)) => {
            let mut parts = Vec::with_capacity(items.len());
            for (k, value) in items.iter().enumerate() {
                let inner_path = item(&content_path, k);
                let inner = Obj::of(value, &inner_path)?;
                parts.push(match inner.required_string("type")? {
                    "text" => read_text(&inner)?,
                    "image" => read_image(&inner)?,
                    other => {
                        return Err(Refusal::unsupported(
                            &inner.path_of("type"),
                            format_args!(
                                "{other:?} blocks are not supported in tool results (only text \
                                 and image)"
                            ),
                        ));
                    }
                });
            }
            Content::Parts(parts)
        }
        Some(other) => {
            return Err(expected(
                &content_path,
                "a string or an array of blocks",
                other,
            ));
        }
    };
    Ok(Part::ToolResult {
        call_id: Some(call_id.into()),
        name: None,
        content,
        is_error: block.boolean("is_error")?.unwrap_or(false),
        cache: read_cache(block)?,
    })
}

/// One of `tools`: a custom tool (server tools are refused).
fn read_tool(value: &Value, path: &str) -> Read<Tool> {
    let tool = Obj::of(value, path)?;
    match tool.string("type")? {
        None | Some("custom") => {}
        Some(other) => {
            return Err(Refusal::unsupported(
                &tool.path_of("type"),
                format_args!(
                    "{other:?} tools are not supported (server tools run at Anthropic; only \
                     custom tools are)"
                ),
            ));
        }
    }
    tool.only(
        &[
            "type",
            "name",
            "description",
            "input_schema",
            "cache_control",
        ],
        &[],
    )?;
    Ok(Tool {
        name: tool.required_string("name")?.into(),
        description: tool.string("description")?.map(ToOwned::to_owned),
        parameters: tool.required("input_schema")?.clone(),
        cache: read_cache(&tool)?,
    })
}

/// `tool_choice`, and whether it disables parallel tool use.
fn read_tool_choice(value: &Value) -> Read<(ToolChoice, bool)> {
    let choice = Obj::of(value, "tool_choice")?;
    choice.only(&["type", "name", "disable_parallel_tool_use"], &[])?;
    let disable = choice
        .boolean("disable_parallel_tool_use")?
        .unwrap_or(false);
    let name = choice.string("name")?;
    let kind = choice.required_string("type")?;
    let parsed = match kind {
        "auto" => ToolChoice::Auto,
        "any" => ToolChoice::Required,
        "none" => ToolChoice::None,
        "tool" => match name {
            Some(name) => return Ok((ToolChoice::Tool(name.into()), disable)),
            None => {
                return Err(Refusal::new(
                    ErrorKind::MissingField,
                    "tool_choice.name",
                    "missing required field",
                ));
            }
        },
        other => {
            return Err(Refusal::invalid(
                "tool_choice.type",
                format_args!("{other:?} is not a tool choice (expected auto, any, none or tool)"),
            ));
        }
    };
    if name.is_some() {
        return Err(Refusal::invalid(
            "tool_choice.name",
            format_args!("only allowed with type \"tool\", not {kind:?}"),
        ));
    }
    Ok((parsed, disable))
}

/// `thinking` and `output_config`.
fn read_reasoning(top: &Obj<'_, '_>) -> Read<Option<Reasoning>> {
    let effort = match top.get("output_config") {
        None => None,
        Some(config) => {
            let config = Obj::of(config, "output_config")?;
            config.only(
                &["effort"],
                &[("format", "structured outputs are not supported")],
            )?;
            match config.string("effort")? {
                None => None,
                Some("low") => Some(ReasoningEffort::Low),
                Some("medium") => Some(ReasoningEffort::Medium),
                Some("high") => Some(ReasoningEffort::High),
                Some(other) => {
                    return Err(Refusal::unsupported(
                        "output_config.effort",
                        format_args!("{other:?} is not supported (expected low, medium or high)"),
                    ));
                }
            }
        }
    };
    let Some(thinking) = top.get("thinking") else {
        return match effort {
            None => Ok(None),
            Some(_) => Err(Refusal::unsupported(
                "output_config.effort",
                "only supported with thinking {\"type\": \"adaptive\"}",
            )),
        };
    };
    let thinking = Obj::of(thinking, "thinking")?;
    let kind = thinking.required_string("type")?;
    let reasoning = match kind {
        "enabled" => {
            thinking.only(&["type", "budget_tokens"], &[])?;
            let budget = thinking.count("budget_tokens")?.ok_or_else(|| {
                Refusal::new(
                    ErrorKind::MissingField,
                    "thinking.budget_tokens",
                    "missing required field",
                )
            })?;
            Reasoning::budget(budget)
        }
        "disabled" => {
            thinking.only(&["type"], &[])?;
            Reasoning::budget(0)
        }
        "adaptive" => {
            thinking.only(&["type"], &[])?;
            return Ok(Some(Reasoning::effort(
                effort.unwrap_or(ReasoningEffort::High),
            )));
        }
        other => {
            return Err(Refusal::invalid(
                "thinking.type",
                format_args!(
                    "{other:?} is not a thinking type (expected enabled, disabled or adaptive)"
                ),
            ));
        }
    };
    if effort.is_some() {
        return Err(Refusal::unsupported(
            "output_config.effort",
            format_args!("only supported with thinking {{\"type\": \"adaptive\"}}, not {kind:?}"),
        ));
    }
    Ok(Some(reasoning))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_reasons() {
        let table = [
            (FinishReason::Stop, "end_turn"),
            (FinishReason::Length, "max_tokens"),
            (FinishReason::StopSequence, "stop_sequence"),
            (FinishReason::ToolCalls, "tool_use"),
            (FinishReason::ContentFilter, "refusal"),
            (FinishReason::PauseTurn, "pause_turn"),
            (FinishReason::Other, "end_turn"),
        ];
        for (unified, wire) in table {
            assert_eq!(stop_reason(unified), wire, "{unified}");
        }
        let raw = Some("model_context_window_exceeded");
        assert_eq!(
            stop_reason_of(Provider::Anthropic, raw, FinishReason::Length),
            "model_context_window_exceeded"
        );
        assert_eq!(
            stop_reason_of(Provider::Gemini, Some("MAX_TOKENS"), FinishReason::Length),
            "max_tokens"
        );
        assert_eq!(
            stop_reason_of(Provider::Anthropic, None, FinishReason::Other),
            "end_turn"
        );
    }
}
