//! The OpenAI Chat Completions (and compatible servers') stream decoder: [`OpenAiDecoder`].

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use crate::chunk::{FinishReason, Provider, StreamErrorKind, Usage};
use crate::sse::Event;

use super::json::{
    self, FALLBACK_ERROR_TYPE, IndexZero, Indexed, InlineSeq, JsonText, ProviderError, Skip, Str,
    non_empty,
};
use super::{Decode, Emitter};

/// Decoder for OpenAI Chat Completions streams (`"stream": true`) and the servers that speak the
/// same format: Together, vLLM, OpenRouter, Groq, DeepSeek, Azure OpenAI, Ollama, xAI.
///
/// # What the decoder reads
///
/// Every event's data is a `chat.completion.chunk` object; the stream ends with `data: [DONE]`.
/// Only choice `index` 0 is normalized (a request with `n > 1` interleaves the other choices,
/// which are decoded and dropped).
///
/// | chunk field | normalized |
/// |---|---|
/// | `choices[0].delta.content` | text tokens |
/// | `delta.reasoning_content` (DeepSeek, vLLM) or `delta.reasoning` (OpenRouter, Groq, Ollama) | reasoning; a chunk carrying both with the same text (a server sending both names) produces it once |
/// | `delta.refusal` | text tokens; the unified finish reason becomes `content_filter` |
/// | `delta.tool_calls[]` | tool-call pieces (see below) |
/// | `delta.function_call` (legacy functions API) | one tool call without an id |
/// | `choices[0].finish_reason` | the finish reason (`null` and `""` mean none) |
/// | `usage`, `x_groq.usage` (Groq) | usage; the last report wins |
/// | `id`, `model` | the first non-empty value (Azure's first chunk has them empty) |
/// | `error` | an error terminal chunk |
///
/// **Tool calls.** Pieces are matched to calls by their `index` (parallel calls interleave). The
/// first piece of a call usually carries `id`, `function.name` and `function.arguments` (possibly
/// `""`); later pieces carry `index` and an `arguments` fragment. Some servers send a whole call in
/// one piece. Calls are numbered 0, 1, … in order of first appearance, whatever the provider's
/// `index`. For servers that leave `index` out, a piece with a known `id` continues that call, a
/// piece with a new `id` or a `name` starts a new call, and a bare `arguments` piece continues the
/// most recent call. An id or name that first arrives on a later piece is passed on with that
/// piece; repeats of an id or name already sent are dropped. `arguments` sent as a JSON value
/// instead of a string are re-written as compact JSON. A call that streamed no arguments at all
/// gets one piece with `"arguments":"{}"` just before the terminal chunk of a normal end.
///
/// **Legacy `function_call`.** The functions API streams at most one call per turn as
/// `delta.function_call` `{name, arguments}` without an id or index; it becomes one tool call
/// (name on its first piece, no id) and `finish_reason: "function_call"` maps to `tool_calls`.
///
/// **Finish reasons.** `stop` → `stop`, `length` → `length`, `tool_calls` and `function_call` →
/// `tool_calls`, `content_filter` → `content_filter`, anything else → `other`; the raw value is
/// always kept as `provider_finish_reason`. After any non-empty `refusal` delta the unified reason
/// is `content_filter`.
///
/// **Usage.** `prompt_tokens` → `input_tokens`, `completion_tokens` → `output_tokens`,
/// `prompt_tokens_details.cached_tokens` (or DeepSeek's `prompt_cache_hit_tokens` when that is
/// absent) → `cache_read_input_tokens`, `completion_tokens_details.reasoning_tokens` →
/// `reasoning_tokens`. Counts are included when reported, even when 0; `usage: null` and usage
/// objects with neither token count are ignored. Usage may come on the finish chunk (DeepSeek),
/// in a chunk with empty `choices` after it (`stream_options.include_usage`), or in Groq's
/// `x_groq.usage`; a later report replaces an earlier one (a chunk's top-level `usage` is read
/// after its `x_groq.usage`).
///
/// **When the stream ends.** The finish chunk comes before the usage chunk, so the terminal chunk
/// is produced at `data: [DONE]`, or at [`finish`](Decode::finish) when the stream ends after a
/// `finish_reason` without `[DONE]` (a normal end). `[DONE]` or the end of input before any
/// `finish_reason` is `incomplete_stream`.
///
/// **Errors.** A chunk with an `error` object (`{"error":{"message","type","code"}}`, as OpenAI,
/// Azure, Ollama and OpenRouter send mid-stream), or any event named `error`, ends the stream with
/// a provider error whose type is the error's `type`, else its `code` (a string or a number, as
/// OpenRouter sends HTTP-like codes), else its `status`, else `api_error`. So does a bare error
/// object marked `"object":"error"` (older vLLM). An `error` event whose
/// data is not an error object carries its raw data as the message. Data that is not a valid
/// chunk is `invalid_event`. Events of any other name are decoded as chunks.
///
/// ```
/// use llm_sse_core::{Normalizer, Provider};
///
/// let body = concat!(
///     "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",",
///     "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
///     "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",",
///     "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
///     "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[],",
///     "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"total_tokens\":10}}\n\n",
///     "data: [DONE]\n\n",
/// );
/// let mut normalizer = Normalizer::new(Provider::OpenAi);
/// normalizer.feed(body.as_bytes());
/// normalizer.finish();
/// let mut frames = Vec::new();
/// normalizer.write_frames(&mut frames);
/// assert_eq!(
///     String::from_utf8(frames).unwrap(),
///     concat!(
///         "data: {\"token\":\"Hi\",\"done\":false}\n\n",
///         "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"id\":\"chatcmpl-1\",",
///         "\"model\":\"gpt-4o\",\"finish_reason\":\"stop\",\"provider_finish_reason\":\"stop\",",
///         "\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}\n\n",
///         "data: [DONE]\n\n",
///     )
/// );
/// ```
#[derive(Debug, Clone)]
pub struct OpenAiDecoder {
    out: Emitter,
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

impl Default for OpenAiDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl OpenAiDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        OpenAiDecoder {
            out: Emitter::new(Provider::OpenAi),
            finish: None,
            refused: false,
            calls: Vec::new(),
            by_index: BTreeMap::new(),
        }
    }

    fn chunk(&mut self, chunk: Chunk<'_>) {
        if self.out.id.is_none() {
            self.out.id = non_empty(chunk.id).map(Str::into_string);
        }
        if self.out.model.is_none() {
            self.out.model = non_empty(chunk.model).map(Str::into_string);
        }
        if let Some(usage) = chunk.x_groq.and_then(|x| x.usage) {
            self.usage(&usage);
        }
        if let Some(usage) = chunk.usage {
            self.usage(&usage);
        }
        if let Some(error) = chunk.error {
            self.provider_error(error);
            return;
        }
        let Some(choice) = chunk.choices.0 else {
            return;
        };
        if let Some(delta) = choice.delta {
            self.delta(delta);
        }
        if let Some(raw) = non_empty(choice.finish_reason) {
            self.finish = Some(finish_reason(raw.as_str()));
            self.out.provider_finish_reason = Some(raw.into_string());
        }
    }

    fn delta(&mut self, delta: Delta<'_>) {
        let reasoning_content = delta.reasoning_content.map(|s| s.0);
        let reasoning = delta
            .reasoning
            .map(|s| s.0)
            .filter(|text| reasoning_content.as_deref() != Some(&**text));
        if let Some(text) = reasoning_content {
            self.out.reasoning(text);
        }
        if let Some(text) = reasoning {
            self.out.reasoning(text);
        }
        if let Some(text) = delta.content {
            self.out.token(text.0);
        }
        if let Some(text) = delta.refusal {
            if !text.is_empty() {
                self.refused = true;
                self.out.token(text.0);
            }
        }
        for call in delta.tool_calls {
            let (name, arguments) = match call.function {
                Some(f) => (f.name, f.arguments),
                None => (None, None),
            };
            self.tool_call(call.index.map(CallKey::Index), call.id, name, arguments);
        }
        if let Some(f) = delta.function_call {
            self.tool_call(Some(CallKey::Legacy), None, f.name, f.arguments);
        }
    }

    /// One tool-call piece; `key` is `None` when the provider sent no `index`.
    fn tool_call(
        &mut self,
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
                self.out.tool_arguments(index, arguments);
            }
            None => {
                let Some(name) = name else {
                    if id.is_some() || !arguments.is_empty() {
                        // Arguments of a call nobody named: a client could not run it, and
                        // showing them as anything else would leak tool JSON to users.
                        self.out.fail_with(
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
                let index = self.out.start_tool_call_parts(
                    id.map(Str::into_string),
                    Some(name.into_string()),
                    arguments.into_owned(),
                );
                if let CallKey::Index(provider_index) = slot.key {
                    self.by_index.insert(provider_index, self.calls.len());
                }
                self.calls.push(CallSlot { index, ..slot });
            }
        }
    }

    fn usage(&mut self, usage: &WireUsage) {
        if usage.prompt_tokens.is_none() && usage.completion_tokens.is_none() {
            return;
        }
        let cached = usage
            .prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cached_tokens)
            .or(usage.prompt_cache_hit_tokens);
        self.out.usage = Some(Usage {
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

    fn provider_error(&mut self, error: ProviderError) {
        let message = error.message_or("the server reported an error without a message");
        let kind = error
            .error_type
            .or(error.code)
            .or(error.status)
            .unwrap_or_else(|| FALLBACK_ERROR_TYPE.into());
        self.out.fail_with(StreamErrorKind::Provider(kind), message);
    }

    /// The end of the stream: `[DONE]` (`at_done`) or the end of the input.
    fn end(&mut self, at_done: bool) {
        let Some(reason) = self.finish else {
            let message = if at_done {
                "data: [DONE] arrived before any finish_reason"
            } else {
                "the stream ended before any finish_reason"
            };
            self.out
                .fail_with(StreamErrorKind::IncompleteStream, message);
            return;
        };
        for slot in &mut self.calls {
            if !slot.has_arguments {
                slot.has_arguments = true;
                self.out
                    .tool_call_piece(slot.index, None, None, String::from("{}"));
            }
        }
        let reason = if self.refused {
            FinishReason::ContentFilter
        } else {
            reason
        };
        self.out.finish(reason);
    }
}

/// The unified reason for an OpenAI `finish_reason`.
fn finish_reason(raw: &str) -> FinishReason {
    match raw {
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        "content_filter" => FinishReason::ContentFilter,
        _ => FinishReason::Other,
    }
}

impl Decode for OpenAiDecoder {
    decode_via_emitter!();

    fn decode(&mut self, event: &Event<'_>) {
        if self.out.is_done() {
            return;
        }
        if event.event == "error" {
            self.provider_error(ProviderError::from_event_data(event.data));
            return;
        }
        if event.data.trim_ascii() == "[DONE]" {
            self.end(true);
            return;
        }
        match json::decode::<Chunk<'_>>(event.data, "OpenAI chat.completion.chunk") {
            // A bare error object (`{"object":"error","message":...}`, older vLLM).
            Ok(chunk) if chunk.object.as_ref().is_some_and(|o| o.as_str() == "error") => {
                self.chunk(Chunk {
                    choices: IndexZero::default(),
                    ..chunk
                });
                self.provider_error(ProviderError::from_event_data(event.data));
            }
            Ok(chunk) => self.chunk(chunk),
            Err(message) => self.out.fail_with(StreamErrorKind::InvalidEvent, message),
        }
    }

    fn finish(&mut self) {
        if !self.out.is_done() {
            self.end(false);
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

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use serde_json::{Value, json};

    use super::*;
    use crate::chunk::{StreamChunk, StreamError};
    use crate::decode::test_support::{self, drain, frames, piece, terminal};

    fn run_events(events: &[(&str, String)]) -> Vec<StreamChunk> {
        test_support::run_events(OpenAiDecoder::new(), events)
    }

    fn run(data: &[String]) -> Vec<StreamChunk> {
        test_support::run_unnamed(OpenAiDecoder::new(), data)
    }

    /// A chunk with choice 0 carrying `delta` and `finish_reason`.
    fn chunk(delta: Value, finish_reason: Value) -> String {
        json!({
            "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o",
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason}]
        })
        .to_string()
    }

    fn text(t: &str) -> String {
        chunk(json!({ "content": t }), Value::Null)
    }

    fn stop(reason: &str) -> String {
        chunk(json!({}), json!(reason))
    }

    fn done() -> String {
        "[DONE]".to_string()
    }

    fn usage_chunk(usage: Value) -> String {
        json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-4o", "choices": [], "usage": usage})
            .to_string()
    }

    fn tool_delta(call: Value) -> String {
        chunk(json!({ "tool_calls": [call] }), Value::Null)
    }

    #[test]
    fn text_stream_with_usage_chunk_is_byte_exact() {
        let chunks = run(&[
            chunk(json!({"role": "assistant", "content": ""}), Value::Null),
            text("Hel"),
            text("lo \"you\"\n"),
            stop("stop"),
            usage_chunk(json!({"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12})),
            done(),
        ]);
        assert_eq!(
            frames(&chunks),
            concat!(
                "data: {\"token\":\"Hel\",\"done\":false}\n\n",
                "data: {\"token\":\"lo \\\"you\\\"\\n\",\"done\":false}\n\n",
                "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o\",",
                "\"finish_reason\":\"stop\",\"provider_finish_reason\":\"stop\",",
                "\"usage\":{\"input_tokens\":9,\"output_tokens\":3}}\n\n",
                "data: [DONE]\n\n"
            )
        );
    }

    #[test]
    fn terminal_waits_for_done_so_the_usage_chunk_lands_on_it() {
        let mut decoder = OpenAiDecoder::new();
        for data in [text("a"), stop("stop")] {
            decoder.decode(&Event::new("message", &data));
        }
        assert_eq!(decoder.next_chunk(), Some(StreamChunk::Token("a".into())));
        assert_eq!(decoder.next_chunk(), None);
        assert!(!decoder.is_done());
        let usage = usage_chunk(json!({"prompt_tokens": 1, "completion_tokens": 1}));
        decoder.decode(&Event::new("message", &usage));
        decoder.decode(&Event::new("message", "[DONE]"));
        assert!(decoder.is_done());
        let Some(StreamChunk::Done(fin)) = decoder.next_chunk() else {
            panic!("expected the terminal chunk")
        };
        assert_eq!(fin.usage.map(|u| u.input_tokens), Some(1));
        assert_eq!(decoder.next_chunk(), None);
    }

    #[test]
    fn reasoning_content_and_reasoning_are_reasoning() {
        let chunks = run(&[
            chunk(json!({"reasoning_content": "think "}), Value::Null),
            chunk(json!({"reasoning": "more"}), Value::Null),
            // A server sending both names with the same text: once.
            chunk(
                json!({"reasoning": "same", "reasoning_content": "same"}),
                Value::Null,
            ),
            // Different texts under both names: both, reasoning_content first.
            chunk(
                json!({"reasoning": "b", "reasoning_content": "a"}),
                Value::Null,
            ),
            chunk(
                json!({"reasoning_content": "", "content": "answer"}),
                Value::Null,
            ),
            stop("stop"),
            done(),
        ]);
        assert_eq!(
            chunks[..6],
            [
                StreamChunk::Reasoning("think ".into()),
                StreamChunk::Reasoning("more".into()),
                StreamChunk::Reasoning("same".into()),
                StreamChunk::Reasoning("a".into()),
                StreamChunk::Reasoning("b".into()),
                StreamChunk::Token("answer".into()),
            ]
        );
        assert_eq!(chunks.len(), 7);
        assert_eq!(terminal(&chunks).finish_reason, FinishReason::Stop);
    }

    #[test]
    fn parallel_tool_calls_are_numbered_in_order_of_first_appearance() {
        let chunks = run(&[
            tool_delta(
                json!({"index": 3, "id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": ""}}),
            ),
            tool_delta(json!({"index": 3, "function": {"arguments": "{\"city\":"}})),
            tool_delta(
                json!({"index": 1, "id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{\"tz\""}}),
            ),
            tool_delta(json!({"index": 3, "function": {"arguments": "\"Paris\"}"}})),
            tool_delta(json!({"index": 1, "function": {"arguments": ":\"UTC\"}"}})),
            // An empty fragment produces nothing.
            tool_delta(json!({"index": 1, "function": {"arguments": ""}})),
            stop("tool_calls"),
            done(),
        ]);
        assert_eq!(
            chunks[..5],
            [
                piece(0, Some("call_a"), Some("get_weather"), ""),
                piece(0, None, None, "{\"city\":"),
                piece(1, Some("call_b"), Some("get_time"), "{\"tz\""),
                piece(0, None, None, "\"Paris\"}"),
                piece(1, None, None, ":\"UTC\"}"),
            ]
        );
        assert_eq!(chunks.len(), 6);
        let fin = terminal(&chunks);
        assert_eq!(fin.finish_reason, FinishReason::ToolCalls);
        assert_eq!(fin.provider_finish_reason.as_deref(), Some("tool_calls"));
    }

    #[test]
    fn several_calls_in_one_delta_and_whole_calls_in_one_piece() {
        let chunks = run(&[
            chunk(
                json!({"tool_calls": [
                    {"index": 0, "id": "call_1", "type": "function", "function": {"name": "a", "arguments": "{\"x\":1}"}},
                    {"index": 1, "id": "call_2", "type": "function", "function": {"name": "b", "arguments": "{}"}}
                ]}),
                Value::Null,
            ),
            stop("tool_calls"),
        ]);
        assert_eq!(
            chunks[..2],
            [
                piece(0, Some("call_1"), Some("a"), "{\"x\":1}"),
                piece(1, Some("call_2"), Some("b"), "{}"),
            ]
        );
        assert_eq!(chunks.len(), 3);
    }

    #[test]
    fn repeated_ids_and_names_are_sent_only_on_the_first_piece() {
        let chunks = run(&[
            tool_delta(
                json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{"}}),
            ),
            tool_delta(
                json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "}"}}),
            ),
            tool_delta(
                json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": ""}}),
            ),
            // A piece with nothing in it does not start a call.
            tool_delta(json!({"index": 1, "function": {}})),
            stop("tool_calls"),
        ]);
        assert_eq!(
            chunks[..2],
            [
                piece(0, Some("call_1"), Some("f"), "{"),
                piece(0, None, None, "}")
            ]
        );
        assert_eq!(chunks.len(), 3);
    }

    #[test]
    fn a_call_whose_first_piece_has_no_name_is_invalid_event() {
        for first in [
            json!({"index": 0, "id": "call_1", "function": {"arguments": "{"}}),
            json!({"index": 3, "function": {"arguments": "{\"city\":\"Paris\"}"}}),
        ] {
            let chunks = run(&[tool_delta(first), stop("tool_calls")]);
            assert_eq!(chunks.len(), 1, "{chunks:?}");
            let fin = terminal(&chunks);
            assert_eq!(
                fin.error.as_ref().map(|e| &e.kind),
                Some(&StreamErrorKind::InvalidEvent)
            );
        }
    }

    #[test]
    fn tool_calls_without_index_are_matched_by_id_then_by_position() {
        let chunks = run(&[
            tool_delta(json!({"id": "call_1", "function": {"name": "a", "arguments": "{\"q\":"}})),
            tool_delta(json!({"function": {"arguments": "1}"}})),
            tool_delta(json!({"id": "call_2", "function": {"name": "b", "arguments": "{}"}})),
            tool_delta(json!({"id": "call_1", "function": {"arguments": ""}})),
            // Named but without id: a new call.
            tool_delta(json!({"function": {"name": "c", "arguments": "{}"}})),
            stop("tool_calls"),
        ]);
        assert_eq!(
            chunks[..4],
            [
                piece(0, Some("call_1"), Some("a"), "{\"q\":"),
                piece(0, None, None, "1}"),
                piece(1, Some("call_2"), Some("b"), "{}"),
                piece(2, None, Some("c"), "{}"),
            ]
        );
        assert_eq!(chunks.len(), 5);
    }

    #[test]
    fn a_call_without_arguments_gets_empty_object_at_the_end() {
        let events = [
            tool_delta(
                json!({"index": 0, "id": "call_1", "type": "function", "function": {"name": "now", "arguments": ""}}),
            ),
            tool_delta(
                json!({"index": 1, "id": "call_2", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}),
            ),
            tool_delta(
                json!({"index": 2, "id": "call_3", "type": "function", "function": {"name": "later"}}),
            ),
            stop("tool_calls"),
        ];
        let expect = [
            piece(0, Some("call_1"), Some("now"), ""),
            piece(1, Some("call_2"), Some("f"), "{\"a\":1}"),
            piece(2, Some("call_3"), Some("later"), ""),
            piece(0, None, None, "{}"),
            piece(2, None, None, "{}"),
        ];
        // At [DONE] ...
        let mut with_done = events.to_vec();
        with_done.push(done());
        let chunks = run(&with_done);
        assert_eq!(chunks[..5], expect);
        assert_eq!(terminal(&chunks).finish_reason, FinishReason::ToolCalls);
        assert_eq!(chunks.len(), 6);
        // ... and at the end of input without [DONE].
        let chunks = run(&events);
        assert_eq!(chunks[..5], expect);
        assert_eq!(chunks.len(), 6);
    }

    #[test]
    fn no_empty_object_piece_on_an_error_end() {
        let chunks = run(&[tool_delta(
            json!({"index": 0, "id": "call_1", "function": {"name": "now", "arguments": ""}}),
        )]);
        assert_eq!(chunks.len(), 2);
        assert_eq!(
            terminal(&chunks).error.as_ref().map(|e| e.kind.clone()),
            Some(StreamErrorKind::IncompleteStream)
        );
    }

    #[test]
    fn legacy_function_call_is_one_tool_call_without_id() {
        let chunks = run(&[
            chunk(
                json!({"role": "assistant", "content": null, "function_call": {"name": "get_weather", "arguments": ""}}),
                Value::Null,
            ),
            chunk(
                json!({"function_call": {"arguments": "{\"city\":"}}),
                Value::Null,
            ),
            chunk(
                json!({"function_call": {"arguments": "\"Oslo\"}"}}),
                Value::Null,
            ),
            stop("function_call"),
            done(),
        ]);
        assert_eq!(
            chunks[..3],
            [
                piece(0, None, Some("get_weather"), ""),
                piece(0, None, None, "{\"city\":"),
                piece(0, None, None, "\"Oslo\"}"),
            ]
        );
        let fin = terminal(&chunks);
        assert_eq!(fin.finish_reason, FinishReason::ToolCalls);
        assert_eq!(fin.provider_finish_reason.as_deref(), Some("function_call"));
        assert_eq!(chunks.len(), 4);
    }

    #[test]
    fn arguments_sent_as_an_object_become_compact_json() {
        let chunks = run(&[
            tool_delta(
                json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": {"b": 1, "a": [true, null]}}}),
            ),
            stop("tool_calls"),
        ]);
        // json! sorts keys (BTreeMap), so the server "sent" a before b.
        assert_eq!(
            chunks[0],
            piece(0, Some("call_1"), Some("f"), "{\"a\":[true,null],\"b\":1}")
        );
        let raw = r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":{ "z" : 1, "a" : 2 }}}]}}]}"#;
        let chunks = run(&[raw.into()]);
        assert_eq!(
            chunks[0],
            piece(0, Some("c"), Some("f"), "{\"z\":1,\"a\":2}")
        );
    }

    #[test]
    fn refusal_is_tokens_and_finishes_as_content_filter() {
        let chunks = run(&[
            chunk(
                json!({"role": "assistant", "content": null, "refusal": ""}),
                Value::Null,
            ),
            chunk(json!({"refusal": "I can't help"}), Value::Null),
            chunk(json!({"refusal": " with that."}), Value::Null),
            stop("stop"),
            done(),
        ]);
        assert_eq!(
            chunks[..2],
            [
                StreamChunk::Token("I can't help".into()),
                StreamChunk::Token(" with that.".into())
            ]
        );
        let fin = terminal(&chunks);
        assert_eq!(fin.finish_reason, FinishReason::ContentFilter);
        assert_eq!(fin.provider_finish_reason.as_deref(), Some("stop"));
        assert_eq!(chunks.len(), 3);
    }

    #[test]
    fn finish_reason_table() {
        for (raw, unified) in [
            ("stop", FinishReason::Stop),
            ("length", FinishReason::Length),
            ("tool_calls", FinishReason::ToolCalls),
            ("function_call", FinishReason::ToolCalls),
            ("content_filter", FinishReason::ContentFilter),
            ("eos", FinishReason::Other),
            ("error", FinishReason::Other),
        ] {
            let chunks = run(&[text("x"), stop(raw), done()]);
            let fin = terminal(&chunks);
            assert_eq!(fin.finish_reason, unified, "{raw}");
            assert_eq!(fin.provider_finish_reason.as_deref(), Some(raw));
            assert!(fin.error.is_none());
        }
    }

    #[test]
    fn null_and_empty_finish_reasons_mean_none() {
        let chunks = run(&[chunk(json!({"content": "x"}), json!("")), text("y"), done()]);
        let fin = terminal(&chunks);
        assert_eq!(fin.finish_reason, FinishReason::Error);
        assert_eq!(fin.provider_finish_reason, None);
        assert_eq!(
            fin.error,
            Some(StreamError::new(
                StreamErrorKind::IncompleteStream,
                "data: [DONE] arrived before any finish_reason"
            ))
        );
    }

    #[test]
    fn missing_done_after_a_finish_reason_is_a_normal_end() {
        let chunks = run(&[text("x"), stop("length")]);
        assert_eq!(frames(&chunks).matches("data: [DONE]").count(), 1);
        let fin = terminal(&chunks);
        assert_eq!(fin.finish_reason, FinishReason::Length);
        assert!(fin.error.is_none());
    }

    #[test]
    fn a_stream_that_ends_before_any_finish_reason_is_incomplete() {
        let chunks = run(&[text("partial")]);
        assert_eq!(chunks.len(), 2);
        assert_eq!(
            frames(&chunks[1..]),
            concat!(
                "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o\",",
                "\"finish_reason\":\"error\",\"error\":{\"type\":\"incomplete_stream\",",
                "\"message\":\"the stream ended before any finish_reason\"}}\n\n",
                "data: [DONE]\n\n"
            )
        );
        // An empty stream too.
        let chunks = run(&[]);
        assert_eq!(chunks.len(), 1);
        assert_eq!(terminal(&chunks).finish_reason, FinishReason::Error);
    }

    #[test]
    fn include_usage_details_are_mapped() {
        let chunks = run(&[
            text("x"),
            stop("stop"),
            usage_chunk(json!({
                "prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
                "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                    "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
            })),
            done(),
        ]);
        assert_eq!(
            terminal(&chunks).usage,
            Some(Usage {
                input_tokens: 1200,
                output_tokens: 300,
                cache_read_input_tokens: Some(1024),
                cache_creation_input_tokens: None,
                reasoning_tokens: Some(0),
            })
        );
    }

    #[test]
    fn usage_on_the_finish_chunk_and_deepseek_cache_hits() {
        let finish = json!({
            "id": "c", "object": "chat.completion.chunk", "model": "deepseek-reasoner",
            "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30,
                "prompt_cache_hit_tokens": 8, "prompt_cache_miss_tokens": 2,
                "completion_tokens_details": {"reasoning_tokens": 15}}
        })
        .to_string();
        let chunks = run(&[text("x"), finish, done()]);
        assert_eq!(
            terminal(&chunks).usage,
            Some(Usage {
                input_tokens: 10,
                output_tokens: 20,
                cache_read_input_tokens: Some(8),
                cache_creation_input_tokens: None,
                reasoning_tokens: Some(15),
            })
        );
    }

    #[test]
    fn groq_x_groq_usage_null_usage_and_last_report_wins() {
        let groq = json!({
            "id": "chatcmpl-g", "object": "chat.completion.chunk", "model": "llama-3.3-70b-versatile",
            "choices": [{"index": 0, "delta": {}, "logprobs": null, "finish_reason": "stop"}],
            "x_groq": {"id": "req_1", "usage": {"prompt_tokens": 40, "completion_tokens": 9, "total_tokens": 49}}
        })
        .to_string();
        let early = usage_chunk(json!({"prompt_tokens": 1, "completion_tokens": 1}));
        let null_usage =
            json!({"choices": [{"index": 0, "delta": {"content": "x"}}], "usage": null})
                .to_string();
        let empty_usage = usage_chunk(json!({}));
        let chunks = run(&[early, null_usage, groq, empty_usage, done()]);
        let fin = terminal(&chunks);
        assert_eq!(
            fin.usage,
            Some(Usage {
                input_tokens: 40,
                output_tokens: 9,
                ..Usage::default()
            })
        );
        assert_eq!(fin.id.as_deref(), Some("chatcmpl-1"));
        // The top-level usage of a chunk is read after its x_groq usage.
        let both = json!({
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "x_groq": {"usage": {"prompt_tokens": 1, "completion_tokens": 1}},
            "usage": {"prompt_tokens": 2, "completion_tokens": 2}
        })
        .to_string();
        let chunks = run(&[both]);
        assert_eq!(terminal(&chunks).usage.map(|u| u.input_tokens), Some(2));
    }

    #[test]
    fn no_usage_reported_means_no_usage_field() {
        let chunks = run(&[text("x"), stop("stop"), done()]);
        assert_eq!(terminal(&chunks).usage, None);
        assert!(!frames(&chunks).contains("usage"));
    }

    #[test]
    fn azure_empty_first_chunk_and_first_non_empty_id_model() {
        let azure_first = json!({
            "choices": [], "created": 0, "id": "", "model": "", "object": "",
            "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {"hate": {"filtered": false, "severity": "safe"}}}]
        })
        .to_string();
        let other_id = json!({
            "id": "chatcmpl-2", "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"content": "b"}, "finish_reason": null, "content_filter_results": {}}]
        })
        .to_string();
        let chunks = run(&[azure_first, text("a"), other_id, stop("stop"), done()]);
        assert_eq!(chunks.len(), 3);
        let fin = terminal(&chunks);
        assert_eq!(fin.id.as_deref(), Some("chatcmpl-1"));
        assert_eq!(fin.model.as_deref(), Some("gpt-4o"));
    }

    #[test]
    fn only_choice_zero_is_normalized() {
        let both = |a: &str, b: &str, fa: Value, fb: Value| {
            json!({"id": "c", "model": "m", "choices": [
                {"index": 1, "delta": {"content": b}, "finish_reason": fb},
                {"index": 0, "delta": {"content": a}, "finish_reason": fa}
            ]})
            .to_string()
        };
        let only_one = json!({"id": "c", "model": "m", "choices": [{"index": 1, "delta": {"content": "zzz"}, "finish_reason": null}]}).to_string();
        let chunks = run(&[
            both("A", "B", Value::Null, Value::Null),
            only_one,
            both("", "", Value::Null, json!("length")),
            both("", "", json!("stop"), Value::Null),
            done(),
        ]);
        assert_eq!(chunks[0], StreamChunk::Token("A".into()));
        let fin = terminal(&chunks);
        assert_eq!(fin.finish_reason, FinishReason::Stop);
        assert_eq!(fin.provider_finish_reason.as_deref(), Some("stop"));
        assert_eq!(chunks.len(), 2);
    }

    #[test]
    fn error_object_ends_the_stream_keeping_what_was_known() {
        let error = json!({"error": {"message": "The server had an error while processing your request.", "type": "server_error", "param": null, "code": null}}).to_string();
        let chunks = run(&[
            text("a"),
            usage_chunk(json!({"prompt_tokens": 5, "completion_tokens": 1})),
            error,
            text("ignored"),
            done(),
        ]);
        assert_eq!(chunks.len(), 2);
        assert_eq!(
            frames(&chunks[1..]),
            concat!(
                "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o\",",
                "\"finish_reason\":\"error\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1},",
                "\"error\":{\"type\":\"server_error\",\"message\":\"The server had an error while processing your request.\"}}\n\n",
                "data: [DONE]\n\n"
            )
        );
    }

    #[test]
    fn error_type_falls_back_to_code_then_status_then_api_error() {
        let kind_of = |error: Value| {
            let chunks = run(&[json!({ "error": error }).to_string()]);
            let fin = terminal(&chunks).clone();
            (
                fin.error.as_ref().unwrap().error_type().to_string(),
                fin.error.unwrap().message,
            )
        };
        assert_eq!(
            kind_of(json!({"message": "slow down", "type": null, "code": "rate_limit_exceeded"})),
            ("rate_limit_exceeded".into(), "slow down".into())
        );
        assert_eq!(
            kind_of(json!({"code": 502, "message": "Provider returned error"})),
            ("502".into(), "Provider returned error".into())
        );
        assert_eq!(
            kind_of(json!({"message": "m", "status": "UNAVAILABLE"})),
            ("UNAVAILABLE".into(), "m".into())
        );
        assert_eq!(
            kind_of(json!({"message": "m"})),
            ("api_error".into(), "m".into())
        );
        assert_eq!(
            kind_of(json!("bare string")),
            ("api_error".into(), "bare string".into())
        );
        assert_eq!(
            kind_of(json!({"type": "x"})),
            (
                "x".into(),
                "the server reported an error without a message".into()
            )
        );
    }

    #[test]
    fn openrouter_error_chunk_with_choices_is_an_error() {
        let data = json!({
            "id": "gen-1", "object": "chat.completion.chunk", "created": 1, "model": "openai/gpt-4o",
            "provider": "OpenAI",
            "error": {"code": "server_error", "message": "Provider disconnected"},
            "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]
        })
        .to_string();
        let chunks = run(&[data]);
        let fin = terminal(&chunks);
        assert_eq!(chunks.len(), 1);
        assert_eq!(fin.id.as_deref(), Some("gen-1"));
        assert_eq!(
            fin.error,
            Some(StreamError::new(
                StreamErrorKind::Provider("server_error".into()),
                "Provider disconnected"
            ))
        );
    }

    #[test]
    fn bare_vllm_error_object() {
        let data = json!({"object": "error", "message": "This model's maximum context length is 4096 tokens.", "type": "BadRequestError", "param": null, "code": 400}).to_string();
        let chunks = run(&[text("a"), data]);
        assert_eq!(
            terminal(&chunks).error,
            Some(StreamError::new(
                StreamErrorKind::Provider("BadRequestError".into()),
                "This model's maximum context length is 4096 tokens."
            ))
        );
        assert_eq!(terminal(&chunks).id.as_deref(), Some("chatcmpl-1"));
    }

    #[test]
    fn error_event_name() {
        let chunks = run_events(&[
            ("message", text("a")),
            (
                "error",
                r#"{"error":{"message":"Overloaded","type":"overloaded_error"}}"#.into(),
            ),
        ]);
        assert_eq!(
            terminal(&chunks).error,
            Some(StreamError::new(
                StreamErrorKind::Provider("overloaded_error".into()),
                "Overloaded"
            ))
        );
        let chunks = run_events(&[("error", "upstream timed out".into())]);
        assert_eq!(
            terminal(&chunks).error,
            Some(StreamError::new(
                StreamErrorKind::Provider("api_error".into()),
                "upstream timed out"
            ))
        );
    }

    #[test]
    fn undecodable_data_is_invalid_event() {
        for bad in [
            "{\"choices\":[",
            "not json",
            r#"{"choices":[{"index":0,"delta":{"content":5}}]}"#,
            r#"{"choices":{"index":0}}"#,
            r#"{"usage":{"prompt_tokens":-1}}"#,
        ] {
            let chunks = run(&[text("a"), bad.into(), text("b")]);
            assert_eq!(chunks.len(), 2, "{bad}");
            let err = terminal(&chunks).error.clone().unwrap();
            assert_eq!(err.kind, StreamErrorKind::InvalidEvent, "{bad}");
            assert!(
                err.message
                    .starts_with("undecodable OpenAI chat.completion.chunk: "),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn nothing_after_the_terminal_chunk() {
        let mut decoder = OpenAiDecoder::new();
        for data in [text("a"), stop("stop"), done(), text("late"), done()] {
            decoder.decode(&Event::new("message", &data));
        }
        decoder.finish();
        decoder.fail(StreamError::new(StreamErrorKind::ConnectionError, "x"));
        let chunks = drain(&mut decoder);
        assert_eq!(chunks.len(), 2);
        assert_eq!(terminal(&chunks).finish_reason, FinishReason::Stop);
    }

    #[test]
    fn transport_failure_keeps_id_model_usage_and_finish_reason() {
        let mut decoder = OpenAiDecoder::new();
        for data in [
            text("a"),
            chunk(json!({}), json!("stop")),
            usage_chunk(json!({"prompt_tokens": 3, "completion_tokens": 1})),
        ] {
            decoder.decode(&Event::new("message", &data));
        }
        decoder.fail(StreamError::new(
            StreamErrorKind::IdleTimeout,
            "no bytes for 60s",
        ));
        let chunks = drain(&mut decoder);
        assert_eq!(
            frames(&chunks[1..]),
            concat!(
                "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o\",",
                "\"finish_reason\":\"error\",\"provider_finish_reason\":\"stop\",",
                "\"usage\":{\"input_tokens\":3,\"output_tokens\":1},",
                "\"error\":{\"type\":\"idle_timeout\",\"message\":\"no bytes for 60s\"}}\n\n",
                "data: [DONE]\n\n"
            )
        );
    }

    #[test]
    fn events_of_other_names_are_chunks_and_done_may_have_whitespace() {
        let chunks = run_events(&[
            ("completion", text("a")),
            ("message", stop("stop")),
            ("message", " [DONE] ".into()),
        ]);
        assert_eq!(chunks[0], StreamChunk::Token("a".into()));
        assert_eq!(terminal(&chunks).finish_reason, FinishReason::Stop);
    }

    #[test]
    fn hostile_inputs_never_panic() {
        let inputs = [
            "",
            "null",
            "[]",
            "{}",
            "1",
            "\"s\"",
            "{\"choices\":null}",
            "{\"choices\":[null]}",
            "{\"choices\":[{}]}",
            "{\"choices\":[{\"delta\":null}]}",
            "{\"choices\":[{\"delta\":{\"tool_calls\":null}}]}",
            "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":-5,\"function\":{\"arguments\":\"x\"}}]}}]}",
            "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":99999999999999999999}]}}]}",
            "{\"error\":null}",
            "{\"error\":{}}",
            "{\"error\":[1,2]}",
            "{\"x_groq\":null}",
            "{\"usage\":{\"prompt_tokens\":18446744073709551615,\"completion_tokens\":1}}",
            "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\ud800\"}}]}",
        ];
        test_support::assert_one_terminal_after_each(OpenAiDecoder::new, &inputs, &text("a"));
    }
}
