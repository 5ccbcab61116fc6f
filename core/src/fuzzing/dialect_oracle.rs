//! What decoding our dialect output gives back, written from the module docs of
//! [`crate::dialect`] and the providers' documented finish reasons, not from the encoders.
//!
//! The second of the two oracles (the first is [`super::wire_reader`]), used by
//! `dialect_roundtrip` and `check_dialect_roundtrip`.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::Value;

use crate::chunk::{
    Finish, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, ToolCallArguments,
    ToolCallStart, Usage,
};
use crate::dialect::{ResponseMeta, tool_call_id};
use crate::sse::{Parsed, Parser};

/// The tool calls of a stream as a decoder renumbers them.
#[derive(Default)]
struct Calls {
    /// Stream index → (wire position, has non-empty arguments).
    seen: BTreeMap<u32, (u32, bool)>,
    order: Vec<u32>,
}

impl Calls {
    /// A start: `Some(position)` for a new call, `None` for a repeat.
    fn start(&mut self, index: u32, arguments: &str) -> Result<u32, u32> {
        if let Some(entry) = self.seen.get_mut(&index) {
            entry.1 |= !arguments.is_empty();
            return Err(entry.0);
        }
        let position = u32::try_from(self.order.len()).expect("few calls");
        self.seen.insert(index, (position, !arguments.is_empty()));
        self.order.push(index);
        Ok(position)
    }

    fn fragment(&mut self, index: u32, fragment: &str) -> Option<u32> {
        let entry = self.seen.get_mut(&index)?;
        entry.1 |= !fragment.is_empty();
        Some(entry.0)
    }

    /// The `{}` pieces a normal end adds for calls that streamed no arguments.
    fn complete(&self, out: &mut Vec<StreamChunk>) {
        for index in &self.order {
            let (position, has_arguments) = self.seen[index];
            if !has_arguments {
                out.push(arguments(position, "{}"));
            }
        }
    }
}

fn arguments(index: u32, fragment: &str) -> StreamChunk {
    StreamChunk::ToolCallArguments(ToolCallArguments {
        index,
        fragment: fragment.into(),
    })
}

fn call_id(meta: &ResponseMeta, start: &ToolCallStart) -> String {
    match start.id.as_deref() {
        Some(id) if !id.is_empty() => id.into(),
        _ => tool_call_id(&meta.id, start.index),
    }
}

/// The stream's terminal chunk, or what the encoders' `finish` reports without one.
fn terminal(chunks: &[StreamChunk]) -> (usize, Finish) {
    match chunks.iter().position(StreamChunk::is_done) {
        Some(at) => match &chunks[at] {
            StreamChunk::Done(fin) => (at, (**fin).clone()),
            _ => unreachable!(),
        },
        None => (
            chunks.len(),
            Finish {
                provider: Provider::OpenAi,
                id: None,
                model: None,
                outcome: Err(StreamError::new(
                    StreamErrorKind::Provider("incomplete_stream".into()),
                    "the stream ended without its terminal chunk",
                )),
                provider_finish_reason: None,
                usage: None,
            },
        ),
    }
}

/// Unified → OpenAI, from the dialect table.
fn openai_reason(reason: FinishReason) -> &'static str {
    match reason {
        FinishReason::Stop | FinishReason::StopSequence | FinishReason::Other => "stop",
        FinishReason::Length | FinishReason::PauseTurn => "length",
        FinishReason::ToolCalls => "tool_calls",
        FinishReason::ContentFilter => "content_filter",
    }
}

/// OpenAI → unified, as DESIGN.md's table says.
fn from_openai(raw: &str) -> FinishReason {
    match raw {
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        "tool_calls" => FinishReason::ToolCalls,
        "content_filter" => FinishReason::ContentFilter,
        _ => FinishReason::Other,
    }
}

/// Unified → Anthropic, from the dialect table; Anthropic's own value passes.
fn anthropic_reason(fin: &Finish, reason: FinishReason) -> String {
    if let (crate::provider::Api::Anthropic, Some(raw)) =
        (fin.provider.api(), &fin.provider_finish_reason)
    {
        return raw.clone();
    }
    String::from(match reason {
        FinishReason::Stop | FinishReason::Other => "end_turn",
        FinishReason::Length => "max_tokens",
        FinishReason::StopSequence => "stop_sequence",
        FinishReason::ToolCalls => "tool_use",
        FinishReason::ContentFilter => "refusal",
        FinishReason::PauseTurn => "pause_turn",
    })
}

/// Anthropic → unified, as DESIGN.md's table says.
fn from_anthropic(raw: &str) -> FinishReason {
    match raw {
        "end_turn" => FinishReason::Stop,
        "max_tokens" | "model_context_window_exceeded" => FinishReason::Length,
        "stop_sequence" => FinishReason::StopSequence,
        "tool_use" => FinishReason::ToolCalls,
        "refusal" => FinishReason::ContentFilter,
        "pause_turn" => FinishReason::PauseTurn,
        _ => FinishReason::Other,
    }
}

/// The usage table, OpenAI column, read back by the OpenAI decoder.
fn openai_usage(provider: Provider, u: &Usage) -> Usage {
    let mut prompt = u.input_tokens;
    if provider.api() == crate::provider::Api::Anthropic {
        prompt = prompt
            .saturating_add(u.cache_read_input_tokens.unwrap_or(0))
            .saturating_add(u.cache_creation_input_tokens.unwrap_or(0));
    }
    Usage {
        input_tokens: prompt,
        output_tokens: u.output_tokens,
        cache_read_input_tokens: u.cache_read_input_tokens,
        cache_creation_input_tokens: None,
        reasoning_tokens: u.reasoning_tokens,
    }
}

/// The usage table, Anthropic column, read back by the Anthropic decoder (zeros when none).
fn anthropic_usage(provider: Provider, u: Option<&Usage>) -> Usage {
    let Some(u) = u else {
        return Usage::default();
    };
    let input = if provider.api() == crate::provider::Api::Anthropic {
        u.input_tokens
    } else {
        u.input_tokens
            .saturating_sub(u.cache_read_input_tokens.unwrap_or(0))
    };
    Usage {
        input_tokens: input,
        output_tokens: u.output_tokens,
        cache_read_input_tokens: u.cache_read_input_tokens,
        cache_creation_input_tokens: u.cache_creation_input_tokens,
        reasoning_tokens: None,
    }
}

pub(super) fn openai(
    chunks: &[StreamChunk],
    meta: &ResponseMeta,
    include_usage: bool,
) -> Vec<StreamChunk> {
    let (end, fin) = terminal(chunks);
    let mut out = Vec::new();
    let mut calls = Calls::default();
    for chunk in &chunks[..end] {
        match chunk {
            StreamChunk::Token(t) if !t.is_empty() => out.push(chunk.clone()),
            StreamChunk::Reasoning(t) if !t.is_empty() => out.push(chunk.clone()),
            StreamChunk::ToolCallStart(start) => match calls.start(start.index, &start.arguments) {
                Ok(position) => out.push(StreamChunk::ToolCallStart(ToolCallStart {
                    index: position,
                    id: Some(call_id(meta, start)),
                    name: start.name.clone(),
                    arguments: start.arguments.clone(),
                })),
                Err(position) if !start.arguments.is_empty() => {
                    out.push(arguments(position, &start.arguments));
                }
                Err(_) => {}
            },
            StreamChunk::ToolCallArguments(args) if !args.fragment.is_empty() => {
                if let Some(position) = calls.fragment(args.index, &args.fragment) {
                    out.push(arguments(position, &args.fragment));
                }
            }
            _ => {}
        }
    }
    let usage = fin
        .usage
        .as_ref()
        .filter(|_| include_usage)
        .map(|u| openai_usage(fin.provider, u));
    let (outcome, raw) = match &fin.outcome {
        Ok(reason) => {
            calls.complete(&mut out);
            let wire = openai_reason(*reason);
            (Ok(from_openai(wire)), Some(String::from(wire)))
        }
        Err(error) => {
            // The decoder's stand-ins for an empty type or message.
            let ty = match error.error_type() {
                "" => "api_error",
                ty => ty,
            };
            let message = match error.message.as_str() {
                "" => "the server reported an error without a message",
                m => m,
            };
            let error = StreamError::new(StreamErrorKind::Provider(ty.into()), message);
            (Err(error), None)
        }
    };
    out.push(StreamChunk::Done(Box::new(Finish {
        provider: Provider::OpenAi,
        id: Some(meta.id.clone()),
        model: Some(meta.model.clone()),
        outcome,
        provider_finish_reason: raw,
        usage,
    })));
    out
}

pub(super) fn anthropic(chunks: &[StreamChunk], meta: &ResponseMeta) -> Vec<StreamChunk> {
    let (end, fin) = terminal(chunks);
    let started = end > 0;
    let mut out = Vec::new();
    let mut calls = Calls::default();
    for chunk in &chunks[..end] {
        match chunk {
            StreamChunk::Token(t) | StreamChunk::Reasoning(t) if !t.is_empty() => {
                out.push(chunk.clone());
            }
            StreamChunk::ReasoningSignature(s) | StreamChunk::RedactedReasoning(s)
                if !s.is_empty() =>
            {
                out.push(chunk.clone());
            }
            StreamChunk::ToolCallStart(start) => {
                let position = match calls.start(start.index, &start.arguments) {
                    Ok(position) => {
                        out.push(StreamChunk::ToolCallStart(ToolCallStart {
                            index: position,
                            id: Some(call_id(meta, start)),
                            name: start.name.clone(),
                            arguments: String::new(),
                        }));
                        position
                    }
                    Err(position) => position,
                };
                if !start.arguments.is_empty() {
                    out.push(arguments(position, &start.arguments));
                }
            }
            StreamChunk::ToolCallArguments(args) if !args.fragment.is_empty() => {
                if let Some(position) = calls.fragment(args.index, &args.fragment) {
                    out.push(arguments(position, &args.fragment));
                }
            }
            _ => {}
        }
    }
    let (outcome, raw, usage) = match &fin.outcome {
        Ok(reason) => {
            calls.complete(&mut out);
            let wire = anthropic_reason(&fin, *reason);
            let usage = anthropic_usage(fin.provider, fin.usage.as_ref());
            (Ok(from_anthropic(&wire)), Some(wire), Some(usage))
        }
        Err(error) => {
            let error = StreamError::new(
                StreamErrorKind::Provider(error.error_type().into()),
                error.message.clone(),
            );
            (Err(error), None, started.then(Usage::default))
        }
    };
    let known = started || outcome.is_ok();
    out.push(StreamChunk::Done(Box::new(Finish {
        provider: Provider::Anthropic,
        id: known.then(|| meta.id.clone()),
        model: known.then(|| meta.model.clone()),
        outcome,
        provider_finish_reason: raw,
        usage,
    })));
    out
}

/// The events of `wire`: (event name, JSON data or `None` for `[DONE]`).
fn events(wire: &[u8]) -> Vec<(String, Option<Value>)> {
    let mut parser = Parser::new();
    parser.feed(wire);
    let mut out = Vec::new();
    while let Some(parsed) = parser.next_event().expect("within the default limits") {
        let Parsed::Event(event) = parsed else {
            panic!("a retry field in dialect output");
        };
        let data = if event.data == "[DONE]" {
            None
        } else {
            let value: Value = serde_json::from_str(event.data)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", event.data));
            Some(value)
        };
        out.push((String::from(event.event), data));
    }
    assert!(
        parser.finish().is_clean(),
        "dialect output ended inside an event"
    );
    out
}

/// What the OpenAI SDK's stream and `ChatCompletionStreamState` rely on: every chunk has the
/// response's `id`, `object`, `created` and `model`; the role comes once, first; every tool
/// call piece has an `index`, the first of each index its `id` and `"type":"function"` and
/// only the first; indexes count from 0; the stream ends with exactly one `[DONE]`.
pub(super) fn openai_wire_rules(wire: &[u8], meta: &ResponseMeta) {
    let events = events(wire);
    let Some(((_, last), body)) = events.split_last() else {
        panic!("no events");
    };
    assert!(last.is_none(), "the stream does not end with [DONE]");
    let mut roles = 0;
    let mut seen_calls = 0u64;
    for (i, (name, data)) in body.iter().enumerate() {
        assert_eq!(name, "message");
        let chunk = data.as_ref().expect("[DONE] only at the end");
        assert_eq!(chunk["id"], meta.id.as_str());
        assert_eq!(chunk["object"], "chat.completion.chunk");
        assert_eq!(chunk["created"], meta.created);
        assert_eq!(chunk["model"], meta.model.as_str());
        let choices = chunk["choices"].as_array().expect("choices");
        if chunk.get("error").is_some() || chunk.get("usage").is_some() {
            assert!(choices.is_empty());
        }
        for choice in choices {
            assert_eq!(choice["index"], 0);
            assert!(choice.get("finish_reason").is_some(), "finish_reason: null");
            let delta = &choice["delta"];
            if delta.get("role").is_some() {
                roles += 1;
                assert_eq!(i, 0, "the role comes first");
                assert_eq!(delta["role"], "assistant");
            }
            for piece in delta["tool_calls"].as_array().into_iter().flatten() {
                let index = piece["index"].as_u64().expect("every piece has an index");
                assert!(index <= seen_calls, "tool call indexes count from 0");
                let first = index == seen_calls;
                if first {
                    seen_calls += 1;
                    assert_eq!(piece["type"], "function");
                    assert!(piece["id"].as_str().is_some_and(|id| !id.is_empty()));
                    assert!(piece["function"]["name"].is_string());
                } else {
                    assert!(piece.get("id").is_none() && piece.get("type").is_none());
                    assert!(piece["function"].get("name").is_none());
                }
            }
        }
    }
    assert!(roles <= 1);
}

/// What the Anthropic SDK's `MessageStream` accumulator relies on: the event name is the
/// JSON `type`; `message_start` first with a whole message; blocks numbered from 0 in start
/// order, with their whole initial shape; deltas only on open blocks of their kind; on a
/// normal end every block stopped before `message_delta` (with `usage.output_tokens`), then
/// `message_stop`, last; an `error` event last.
pub(super) fn anthropic_wire_rules(wire: &[u8], meta: &ResponseMeta) {
    let events = events(wire);
    let mut open: BTreeMap<u64, String> = BTreeMap::new();
    let mut next = 0u64;
    let mut started = false;
    for (i, (name, data)) in events.iter().enumerate() {
        let data = data.as_ref().expect("no [DONE] in Anthropic streams");
        assert_eq!(data["type"].as_str(), Some(name.as_str()));
        let last = i + 1 == events.len();
        match name.as_str() {
            "message_start" => {
                assert!(!started && i == 0);
                started = true;
                let m = &data["message"];
                assert_eq!(m["id"], meta.id.as_str());
                assert_eq!(m["model"], meta.model.as_str());
                assert_eq!(
                    (&m["type"], &m["role"]),
                    (&"message".into(), &"assistant".into())
                );
                assert_eq!(m["content"], Value::Array(Vec::new()));
                assert!(m["stop_reason"].is_null() && m["stop_sequence"].is_null());
                assert!(m["usage"]["input_tokens"].is_u64());
                assert!(m["usage"]["output_tokens"].is_u64());
            }
            "content_block_start" => {
                assert!(started);
                assert_eq!(data["index"], next, "blocks are numbered in start order");
                next += 1;
                let block = &data["content_block"];
                let kind = block["type"].as_str().expect("a block type");
                match kind {
                    "text" => assert_eq!(block["text"], ""),
                    "thinking" => {
                        assert_eq!(
                            (&block["thinking"], &block["signature"]),
                            (&"".into(), &"".into())
                        );
                    }
                    "redacted_thinking" => assert!(block["data"].is_string()),
                    "tool_use" => {
                        assert!(block["id"].as_str().is_some_and(|id| !id.is_empty()));
                        assert!(block["name"].is_string());
                        assert_eq!(block["input"], Value::Object(serde_json::Map::new()));
                    }
                    other => panic!("block type {other}"),
                }
                open.insert(next - 1, kind.into());
            }
            "content_block_delta" => {
                let index = data["index"].as_u64().expect("an index");
                let kind = open.get(&index).expect("a delta on an open block");
                let delta = data["delta"]["type"].as_str().expect("a delta type");
                let allowed = match kind.as_str() {
                    "text" => ["text_delta", "text_delta"],
                    "thinking" => ["thinking_delta", "signature_delta"],
                    "tool_use" => ["input_json_delta", "input_json_delta"],
                    other => panic!("a delta on a {other} block"),
                };
                assert!(allowed.contains(&delta), "{delta} on a {kind} block");
            }
            "content_block_stop" => {
                let index = data["index"].as_u64().expect("an index");
                assert!(open.remove(&index).is_some(), "stop of a block not open");
            }
            "message_delta" => {
                assert!(open.is_empty(), "a block left open at message_delta");
                assert!(data["delta"]["stop_reason"].is_string());
                assert!(data["delta"]["stop_sequence"].is_null());
                assert!(data["usage"]["output_tokens"].is_u64());
                assert!(events.get(i + 1).is_some_and(|(n, _)| n == "message_stop"));
            }
            "message_stop" => assert!(last, "message_stop is last"),
            "error" => {
                assert!(last, "error is last");
                assert!(data["error"]["type"].is_string() && data["error"]["message"].is_string());
            }
            other => panic!("event {other}"),
        }
    }
}
