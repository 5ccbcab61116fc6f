//! The OpenAI Chat Completions (and compatible servers') stream rules.
//!
//! OpenAI Chat Completions streams (`"stream": true`) and the servers that speak the
//! same format: Together, vLLM, OpenRouter, Groq, DeepSeek, Azure OpenAI, Ollama, xAI.
//!
//! # What the decoder reads
//!
//! Every event's data is a `chat.completion.chunk` object; the stream ends with `data: [DONE]`.
//! Only choice `index` 0 is normalized (a request with `n > 1` interleaves the other choices,
//! which are decoded and dropped).
//!
//! | chunk field | normalized |
//! |---|---|
//! | `choices[0].delta.content` | text tokens |
//! | `delta.reasoning_content` (DeepSeek, vLLM) or `delta.reasoning` (OpenRouter, Groq, Ollama) | reasoning; a chunk carrying both with the same text (a server sending both names) produces it once |
//! | `delta.refusal` | text tokens; the unified finish reason becomes `content_filter` |
//! | `delta.tool_calls[]` | tool-call pieces (see below) |
//! | `delta.function_call` (legacy functions API) | one tool call, its id made from the chunk's `id` |
//! | `choices[0].finish_reason` | the finish reason (`null` and `""` mean none) |
//! | `usage`, `x_groq.usage` (Groq) | usage; the last report wins |
//! | `id`, `model` | the first non-empty value (Azure's first chunk has them empty) |
//! | `error` | an error terminal chunk |
//!
//! **Tool calls.** Pieces are matched to calls by their `index` (parallel calls interleave). The
//! first piece of a call usually carries `id`, `function.name` and `function.arguments` (possibly
//! `""`); later pieces carry `index` and an `arguments` fragment. Some servers send a whole call in
//! one piece. Calls are numbered 0, 1, … in order of first appearance, whatever the provider's
//! `index`. For servers that leave `index` out, a piece with a known `id` continues that call, a
//! piece with a new `id` or a `name` starts a new call, and a bare `arguments` piece continues the
//! most recent call. Only the first piece of a call carries its id and name: an id or name that
//! arrives on a later piece (first or repeated) is dropped, as the wire contract puts them on the
//! first piece only, which must name the function. `arguments` sent as a JSON value
//! instead of a string are re-written as compact JSON. A call that streamed no arguments at all
//! gets one piece with `"arguments":"{}"` just before the terminal chunk of a normal end.
//!
//! **Legacy `function_call`.** The functions API streams at most one call per turn as
//! `delta.function_call` `{name, arguments}` without an id or index; it becomes one tool call
//! (name on its first piece) and `finish_reason: "function_call"` maps to `tool_calls`. Its id,
//! like that of any call a server sends without one, is `call_<chunk id>_<index>`
//! ([`tool_call_id`](crate::dialect::tool_call_id)), or none when no chunk so far had an `id`.
//!
//! **Finish reasons.** `stop` → `stop`, `length` → `length`, `tool_calls` and `function_call` →
//! `tool_calls`, `content_filter` → `content_filter`, anything else → `other`; the raw value is
//! always kept as `provider_finish_reason`. After any non-empty `refusal` delta the unified reason
//! is `content_filter`.
//!
//! **Usage.** `prompt_tokens` → `input_tokens`, `completion_tokens` → `output_tokens`,
//! `prompt_tokens_details.cached_tokens` (or DeepSeek's `prompt_cache_hit_tokens` when that is
//! absent) → `cache_read_input_tokens`, `completion_tokens_details.reasoning_tokens` →
//! `reasoning_tokens`. Counts are included when reported, even when 0; `usage: null` and usage
//! objects with neither token count are ignored. Usage may come on the finish chunk (DeepSeek),
//! in a chunk with empty `choices` after it (`stream_options.include_usage`), or in Groq's
//! `x_groq.usage`; a later report replaces an earlier one (a chunk's top-level `usage` is read
//! after its `x_groq.usage`).
//!
//! **When the stream ends.** The finish chunk comes before the usage chunk, so the terminal chunk
//! is produced at `data: [DONE]`, or at the end of the input when the stream ends after a
//! `finish_reason` without `[DONE]` (a normal end). `[DONE]` or the end of input before any
//! `finish_reason` is `incomplete_stream`.
//!
//! **Errors.** A chunk with an `error` object (`{"error":{"message","type","code"}}`, as OpenAI,
//! Azure, Ollama and OpenRouter send mid-stream), or any event named `error`, ends the stream with
//! a provider error whose type is the error's `type`, else its `code` (a string or a number, as
//! OpenRouter sends HTTP-like codes), else its `status`, else `api_error`. So does a bare error
//! object marked `"object":"error"` (older vLLM). An `error` event whose
//! data is not an error object carries its raw data as the message. Data that is not a valid
//! chunk is `invalid_event`. Events of any other name are decoded as chunks.
//!
//! ```
//! use llm_sse_core::{Normalizer, Provider};
//!
//! let body = concat!(
//!     "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",",
//!     "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
//!     "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",",
//!     "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
//!     "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[],",
//!     "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"total_tokens\":10}}\n\n",
//!     "data: [DONE]\n\n",
//! );
//! let mut normalizer = Normalizer::new(Provider::OpenAi);
//! normalizer.feed(body.as_bytes());
//! normalizer.finish();
//! let mut frames = Vec::new();
//! normalizer.write_frames(&mut frames);
//! assert_eq!(
//!     String::from_utf8(frames).unwrap(),
//!     concat!(
//!         "data: {\"token\":\"Hi\",\"done\":false}\n\n",
//!         "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"id\":\"chatcmpl-1\",",
//!         "\"model\":\"gpt-4o\",\"finish_reason\":\"stop\",\"provider_finish_reason\":\"stop\",",
//!         "\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}\n\n",
//!         "data: [DONE]\n\n",
//!     )
//! );
//! ```

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use crate::chunk::{FinishReason, StreamErrorKind, Usage};
use crate::sse::Event;

use super::json::{
    self, FALLBACK_ERROR_TYPE, IndexZero, Indexed, InlineSeq, JsonText, ProviderError, Skip, Str,
    non_empty,
};
use super::{At, Emitter, ProviderRules};

/// The OpenAI Chat Completions protocol (see the module docs).
#[derive(Debug, Clone, Default)]
pub(super) struct OpenAi {
    /// The unified reason of the last non-empty `finish_reason` seen.
    finish: Option<FinishReason>,
    /// A non-empty `refusal` delta was seen.
    refused: bool,
    /// The tool calls seen so far, in order of first appearance.
    calls: Vec<CallSlot>,
    /// Positions in `calls` by the provider's `index` (so a stream of many calls stays linear).
    by_index: BTreeMap<i64, usize>,
}

/// What identifies a tool call's pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CallKey {
    /// The provider's `index`.
    Index(i64),
    /// The call's `id` (servers that send no `index`).
    Id(String),
    /// Neither `index` nor `id`: continued by bare pieces.
    Anonymous,
    /// The legacy `delta.function_call`.
    Legacy,
}

#[derive(Debug, Clone)]
struct CallSlot {
    key: CallKey,
    /// Our stream index.
    index: u32,
    has_arguments: bool,
}

impl OpenAi {
    fn chunk(&mut self, out: &mut Emitter, chunk: Chunk<'_>) {
        if chunk.id.is_some()
            || chunk.object.is_some()
            || chunk.model.is_some()
            || chunk.choices.0.is_some()
            || chunk
                .usage
                .as_ref()
                .is_some_and(|u| u.prompt_tokens.is_some() || u.completion_tokens.is_some())
            || chunk.x_groq.is_some()
            || chunk.error.is_some()
        {
            out.recognized();
        }
        if out.id.is_none() {
            out.id = non_empty(chunk.id).map(Str::into_string);
        }
        if out.model.is_none() {
            out.model = non_empty(chunk.model).map(Str::into_string);
        }
        if let Some(usage) = chunk.x_groq.and_then(|x| x.usage) {
            self.usage(out, &usage);
        }
        if let Some(usage) = chunk.usage {
            self.usage(out, &usage);
        }
        if let Some(error) = chunk.error {
            self.provider_error(out, error);
            return;
        }
        let Some(choice) = chunk.choices.0 else {
            return;
        };
        if let Some(delta) = choice.delta {
            self.delta(out, delta);
        }
        if let Some(raw) = non_empty(choice.finish_reason) {
            self.finish = Some(finish_reason(raw.as_str()));
            out.provider_finish_reason = Some(raw.into_string());
        }
    }

    fn delta(&mut self, out: &mut Emitter, delta: Delta<'_>) {
        let reasoning_content = delta.reasoning_content.map(|s| s.0);
        let reasoning = delta
            .reasoning
            .map(|s| s.0)
            .filter(|text| reasoning_content.as_deref() != Some(&**text));
        if let Some(text) = reasoning_content {
            out.reasoning(text);
        }
        if let Some(text) = reasoning {
            out.reasoning(text);
        }
        if let Some(text) = delta.content {
            out.token(text.0);
        }
        if let Some(text) = delta.refusal {
            if !text.is_empty() {
                self.refused = true;
                out.token(text.0);
            }
        }
        for call in delta.tool_calls {
            let (name, arguments) = match call.function {
                Some(f) => (f.name, f.arguments),
                None => (None, None),
            };
            self.tool_call(
                out,
                call.index.map(CallKey::Index),
                call.id,
                name,
                arguments,
            );
        }
        if let Some(f) = delta.function_call {
            self.tool_call(out, Some(CallKey::Legacy), None, f.name, f.arguments);
        }
    }

    /// One tool-call piece; `key` is `None` when the provider sent no `index`.
    fn tool_call(
        &mut self,
        out: &mut Emitter,
        key: Option<CallKey>,
        id: Option<Str<'_>>,
        name: Option<Str<'_>>,
        arguments: Option<JsonText<'_>>,
    ) {
        let id = non_empty(id);
        let name = non_empty(name);
        let arguments = arguments.map(|a| a.0).unwrap_or(Cow::Borrowed(""));
        let found = match &key {
            Some(CallKey::Index(index)) => self.by_index.get(index).copied(),
            Some(key) => self.calls.iter().position(|c| c.key == *key),
            None => match &id {
                Some(id) => self
                    .calls
                    .iter()
                    .position(|c| matches!(&c.key, CallKey::Id(k) if k == id.as_str())),
                // A bare piece continues the most recent call; a named one starts a new call.
                None if name.is_none() => self.calls.len().checked_sub(1),
                None => None,
            },
        };
        match found.and_then(|pos| self.calls.get_mut(pos)) {
            Some(slot) => {
                // Later pieces carry only arguments: the contract puts `id` and `name` on the
                // first piece, so a repeated or late id or name is not passed on.
                slot.has_arguments |= !arguments.is_empty();
                let index = slot.index;
                out.tool_arguments(index, arguments);
            }
            None => {
                let Some(name) = name else {
                    if id.is_some() || !arguments.is_empty() {
                        // Arguments of a call nobody named: a client could not run it, and
                        // showing them as anything else would leak tool JSON to users.
                        out.fail_with(
                            StreamErrorKind::InvalidEvent,
                            "invalid chunk: a tool call's first piece has no function name",
                        );
                    }
                    // Otherwise there is nothing to announce yet.
                    return;
                };
                let key = match key {
                    Some(key) => key,
                    None => match &id {
                        Some(id) => CallKey::Id(id.as_str().into()),
                        None => CallKey::Anonymous,
                    },
                };
                let slot = CallSlot {
                    key,
                    index: 0,
                    has_arguments: !arguments.is_empty(),
                };
                let index = out.start_tool_call(
                    id.map(Str::into_string),
                    name.into_string(),
                    arguments.into_owned(),
                );
                if let CallKey::Index(provider_index) = slot.key {
                    self.by_index.insert(provider_index, self.calls.len());
                }
                self.calls.push(CallSlot { index, ..slot });
            }
        }
    }

    fn usage(&mut self, out: &mut Emitter, usage: &WireUsage) {
        if usage.prompt_tokens.is_none() && usage.completion_tokens.is_none() {
            return;
        }
        let cached = usage
            .prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cached_tokens)
            .or(usage.prompt_cache_hit_tokens);
        out.usage = Some(Usage {
            input_tokens: usage.prompt_tokens.unwrap_or(0),
            output_tokens: usage.completion_tokens.unwrap_or(0),
            cache_read_input_tokens: cached,
            cache_creation_input_tokens: None,
            reasoning_tokens: usage
                .completion_tokens_details
                .as_ref()
                .and_then(|d| d.reasoning_tokens),
        });
    }

    fn provider_error(&mut self, out: &mut Emitter, error: ProviderError) {
        let message = error.message_or("the server reported an error without a message");
        let kind = error
            .error_type
            .or(error.code)
            .or(error.status)
            .unwrap_or_else(|| FALLBACK_ERROR_TYPE.into());
        out.fail_with(StreamErrorKind::Provider(kind), message);
    }
}

/// The unified reason for an OpenAI `finish_reason` (the provider table's).
fn finish_reason(raw: &str) -> FinishReason {
    crate::Provider::OpenAi.spec().finish_reason(raw)
}

impl ProviderRules for OpenAi {
    fn event(&mut self, event: &Event<'_>, out: &mut Emitter) {
        if event.event == "error" {
            out.recognized();
            self.provider_error(out, ProviderError::from_event_data(event.data));
            return;
        }
        match json::decode::<Chunk<'_>>(event.data, "OpenAI chat.completion.chunk") {
            // A bare error object (`{"object":"error","message":...}`, older vLLM).
            Ok(chunk) if chunk.object.as_ref().is_some_and(|o| o.as_str() == "error") => {
                out.recognized();
                self.chunk(
                    out,
                    Chunk {
                        choices: IndexZero::default(),
                        ..chunk
                    },
                );
                self.provider_error(out, ProviderError::from_event_data(event.data));
            }
            Ok(chunk) => self.chunk(out, chunk),
            Err(message) => out.fail_with(StreamErrorKind::InvalidEvent, message),
        }
    }

    fn verdict(&self, at: At) -> Result<FinishReason, &'static str> {
        match self.finish {
            Some(_) if self.refused => Ok(FinishReason::ContentFilter),
            Some(reason) => Ok(reason),
            None if at == At::Sentinel => Err("data: [DONE] arrived before any finish_reason"),
            None => Err("the stream ended before any finish_reason"),
        }
    }

    fn complete(&mut self, out: &mut Emitter) {
        for slot in &mut self.calls {
            if !slot.has_arguments {
                slot.has_arguments = true;
                out.tool_arguments(slot.index, "{}");
            }
        }
    }
}

// ---- Wire types (borrowing from the event's data; unknown fields ignored) ----
//
// Fields that are never read but nest two deep are declared as `Skip`: serde_json's `IgnoredAny`,
// which handles undeclared fields, allocates for such values on every event.

#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(borrow, default)]
    id: Option<Str<'a>>,
    #[serde(borrow, default)]
    object: Option<Str<'a>>,
    #[serde(borrow, default)]
    model: Option<Str<'a>>,
    #[serde(borrow, default)]
    choices: IndexZero<Choice<'a>>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    x_groq: Option<XGroq>,
    #[serde(default)]
    error: Option<ProviderError>,
    /// Azure's prompt filter results (first chunk).
    #[serde(default, rename = "prompt_filter_results")]
    _prompt_filter_results: Skip,
}

#[derive(Deserialize)]
struct Choice<'a> {
    #[serde(default)]
    index: Option<u64>,
    #[serde(borrow, default)]
    delta: Option<Delta<'a>>,
    #[serde(borrow, default)]
    finish_reason: Option<Str<'a>>,
    #[serde(default, rename = "logprobs")]
    _logprobs: Skip,
    /// Azure's per-chunk content filter results.
    #[serde(default, rename = "content_filter_results")]
    _content_filter_results: Skip,
}

impl Indexed for Choice<'_> {
    fn index(&self) -> Option<u64> {
        self.index
    }
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow, default)]
    content: Option<Str<'a>>,
    #[serde(borrow, default)]
    reasoning_content: Option<Str<'a>>,
    #[serde(borrow, default)]
    reasoning: Option<Str<'a>>,
    #[serde(borrow, default)]
    refusal: Option<Str<'a>>,
    #[serde(borrow, default)]
    tool_calls: InlineSeq<ToolCallDelta<'a>>,
    #[serde(borrow, default)]
    function_call: Option<FunctionDelta<'a>>,
    /// OpenRouter's structured copy of the reasoning text.
    #[serde(default, rename = "reasoning_details")]
    _reasoning_details: Skip,
    #[serde(default, rename = "annotations")]
    _annotations: Skip,
}

#[derive(Deserialize)]
struct ToolCallDelta<'a> {
    #[serde(default)]
    index: Option<i64>,
    #[serde(borrow, default)]
    id: Option<Str<'a>>,
    #[serde(borrow, default)]
    function: Option<FunctionDelta<'a>>,
}

#[derive(Deserialize)]
struct FunctionDelta<'a> {
    #[serde(borrow, default)]
    name: Option<Str<'a>>,
    #[serde(borrow, default)]
    arguments: Option<JsonText<'a>>,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    completion_tokens_details: Option<CompletionDetails>,
    /// DeepSeek's name for cached prompt tokens.
    #[serde(default)]
    prompt_cache_hit_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct CompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct XGroq {
    #[serde(default)]
    usage: Option<WireUsage>,
}
