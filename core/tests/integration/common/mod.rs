//! The harness shared by the decoder tests (`decode_anthropic.rs`, `decode_openai.rs`,
//! `decode_gemini.rs`): driving a [`Decoder`] over events through the public API only, the
//! strict terminal check, frames, expected-chunk constructors, the hostile-input sweep, recorded
//! fixtures, and one stream builder per provider.

// Each test file uses part of the harness.
#![allow(dead_code)]

use llm_sse_core::sse::{EndOfInput, Event};
use llm_sse_core::{
    Decoder, Finish, Normalizer, Provider, StreamChunk, StreamError, StreamErrorKind,
    ToolCallArguments, ToolCallStart, frame,
};
use serde_json::{Value, json};

// ---- Driving a decoder ----

/// Decodes `events` (event name, data) with a new decoder for `provider`, draining after each,
/// then ends the input cleanly and drains again: every chunk, in order.
pub fn run<N: AsRef<str>, D: AsRef<str>>(
    provider: Provider,
    events: &[(N, D)],
) -> Vec<StreamChunk> {
    let mut decoder = Decoder::new(provider);
    let mut chunks = Vec::new();
    for (name, data) in events {
        decoder.decode(&Event::new(name.as_ref(), data.as_ref()));
        chunks.extend(drain(&mut decoder));
    }
    decoder.finish(EndOfInput::default());
    chunks.extend(drain(&mut decoder));
    chunks
}

/// Every chunk `decoder` has ready.
pub fn drain(decoder: &mut Decoder) -> Vec<StreamChunk> {
    std::iter::from_fn(|| decoder.next_chunk()).collect()
}

/// A recorded response body (a fixture's bytes) through a [`Normalizer`] for `provider`: every
/// chunk, in order.
pub fn run_recording(provider: Provider, body: &str) -> Vec<StreamChunk> {
    let mut normalizer = Normalizer::new(provider);
    normalizer.feed(body.as_bytes());
    normalizer.finish();
    std::iter::from_fn(|| normalizer.next_chunk()).collect()
}

// ---- Looking at the output ----

/// The normalized frames of `chunks`.
pub fn frames(chunks: &[StreamChunk]) -> String {
    let mut out = Vec::new();
    for c in chunks {
        frame::encode(c, &mut out);
    }
    String::from_utf8(out).unwrap()
}

/// The terminal chunk, after checking that there is exactly one and that it is last.
#[track_caller]
pub fn terminal(chunks: &[StreamChunk]) -> &Finish {
    assert_eq!(
        chunks.iter().filter(|c| c.is_done()).count(),
        1,
        "{chunks:#?}"
    );
    match chunks.last() {
        Some(StreamChunk::Done(fin)) => fin,
        other => panic!("last chunk is not terminal: {other:?}"),
    }
}

/// Every chunk before the terminal chunk (checked as by [`terminal`]).
#[track_caller]
pub fn content(chunks: &[StreamChunk]) -> &[StreamChunk] {
    terminal(chunks);
    &chunks[..chunks.len() - 1]
}

/// The error of a failed stream's terminal chunk.
#[track_caller]
pub fn error_of(chunks: &[StreamChunk]) -> &StreamError {
    match &terminal(chunks).outcome {
        Err(err) => err,
        Ok(reason) => panic!("expected an error terminal, got a normal finish ({reason})"),
    }
}

/// The stream failed with `invalid_event` and a message starting with `message_prefix`.
#[track_caller]
pub fn assert_invalid(chunks: &[StreamChunk], message_prefix: &str) {
    let err = error_of(chunks);
    assert_eq!(err.kind, StreamErrorKind::InvalidEvent, "{err:?}");
    assert!(
        err.message.starts_with(message_prefix),
        "message {:?} does not start with {message_prefix:?}",
        err.message
    );
}

// ---- Expected chunks ----

pub fn token(text: &str) -> StreamChunk {
    StreamChunk::Token(text.into())
}

pub fn reasoning(text: &str) -> StreamChunk {
    StreamChunk::Reasoning(text.into())
}

pub fn signature(sig: &str) -> StreamChunk {
    StreamChunk::ReasoningSignature(sig.into())
}

/// The first piece of tool call `index`.
pub fn call_start(index: u32, id: Option<&str>, name: &str, arguments: &str) -> StreamChunk {
    StreamChunk::ToolCallStart(ToolCallStart {
        index,
        id: id.map(Into::into),
        name: name.into(),
        arguments: arguments.into(),
    })
}

/// A later arguments fragment of tool call `index`.
pub fn call_args(index: u32, fragment: &str) -> StreamChunk {
    StreamChunk::ToolCallArguments(ToolCallArguments {
        index,
        fragment: fragment.into(),
    })
}

// ---- Hostile input ----

/// Each of `inputs`, as an event named `message` and as one named `error`, followed by the valid
/// event data `then`, ends in exactly one terminal chunk, last (and does not panic).
#[track_caller]
pub fn assert_one_terminal_after_each(provider: Provider, inputs: &[&str], then: &str) {
    for input in inputs {
        for name in ["message", "error"] {
            let chunks = run(provider, &[(name, *input), ("message", then)]);
            let terminals = chunks.iter().filter(|c| c.is_done()).count();
            assert!(
                terminals == 1 && chunks.last().is_some_and(StreamChunk::is_done),
                "{name}: {input}: {chunks:#?}"
            );
        }
    }
}

// ---- Stream builders ----

/// (event name, data) pairs, as the SSE parser would dispatch them.
pub type Events = Vec<(String, String)>;

/// Builds an Anthropic Messages stream event by event, with the real event names:
///
/// ```ignore
/// AnthropicStream::new()
///     .message_start()
///     .text_block(0, ["Hel", "lo"])
///     .tool_block(1, "toolu_01", "get_weather", ["{\"city\":", "\"Paris\"}"])
///     .message_delta("tool_use", r#"{"output_tokens":12}"#)
///     .message_stop()
///     .run();
/// ```
#[derive(Debug, Clone, Default)]
pub struct AnthropicStream {
    events: Events,
}

impl AnthropicStream {
    /// The data of [`message_start`](Self::message_start): id `msg_01`, model
    /// `claude-sonnet-4-5`, usage 25 in / 1 out.
    pub const MESSAGE_START: &'static str = r#"{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"#;
    /// The data of [`message_stop`](Self::message_stop).
    pub const MESSAGE_STOP: &'static str = r#"{"type":"message_stop"}"#;

    pub fn new() -> Self {
        Self::default()
    }

    /// Any event.
    pub fn event(mut self, name: &str, data: impl Into<String>) -> Self {
        self.events.push((name.into(), data.into()));
        self
    }

    /// Sends the last event under the SSE event name `name` instead (its data unchanged).
    pub fn renamed(mut self, name: &str) -> Self {
        self.events.last_mut().expect("an event to rename").0 = name.into();
        self
    }

    /// The standard `message_start` ([`MESSAGE_START`](Self::MESSAGE_START)).
    pub fn message_start(self) -> Self {
        self.event("message_start", Self::MESSAGE_START)
    }

    /// A `message_start` whose `message` object is `message_json`.
    pub fn message_start_with(self, message_json: &str) -> Self {
        self.event(
            "message_start",
            format!(r#"{{"type":"message_start","message":{message_json}}}"#),
        )
    }

    /// A `content_block_start` for block `index` with `content_block` as raw JSON.
    pub fn block_start(self, index: u32, content_block: &str) -> Self {
        self.event(
            "content_block_start",
            format!(
                r#"{{"type":"content_block_start","index":{index},"content_block":{content_block}}}"#
            ),
        )
    }

    /// Starts an empty text block.
    pub fn text_start(self, index: u32) -> Self {
        self.block_start(index, r#"{"type":"text","text":""}"#)
    }

    /// Starts a `tool_use` block; `id` and `name` are written as is, `input` is raw JSON.
    pub fn tool_start(self, index: u32, id: &str, name: &str, input: &str) -> Self {
        self.block_start(
            index,
            &format!(r#"{{"type":"tool_use","id":"{id}","name":"{name}","input":{input}}}"#),
        )
    }

    /// A `content_block_delta` for block `index` with `delta` as raw JSON.
    pub fn delta(self, index: u32, delta: &str) -> Self {
        self.event(
            "content_block_delta",
            format!(r#"{{"type":"content_block_delta","index":{index},"delta":{delta}}}"#),
        )
    }

    pub fn text_delta(self, index: u32, text: &str) -> Self {
        self.delta(
            index,
            &format!(r#"{{"type":"text_delta","text":{}}}"#, json_string(text)),
        )
    }

    pub fn json_delta(self, index: u32, partial_json: &str) -> Self {
        self.delta(
            index,
            &format!(
                r#"{{"type":"input_json_delta","partial_json":{}}}"#,
                json_string(partial_json)
            ),
        )
    }

    pub fn thinking_delta(self, index: u32, thinking: &str) -> Self {
        self.delta(
            index,
            &format!(
                r#"{{"type":"thinking_delta","thinking":{}}}"#,
                json_string(thinking)
            ),
        )
    }

    pub fn signature_delta(self, index: u32, signature: &str) -> Self {
        self.delta(
            index,
            &format!(
                r#"{{"type":"signature_delta","signature":{}}}"#,
                json_string(signature)
            ),
        )
    }

    pub fn block_stop(self, index: u32) -> Self {
        self.event(
            "content_block_stop",
            format!(r#"{{"type":"content_block_stop","index":{index}}}"#),
        )
    }

    /// A whole text block: start, one `text_delta` per piece, stop.
    pub fn text_block<'a>(self, index: u32, pieces: impl IntoIterator<Item = &'a str>) -> Self {
        let mut s = self.text_start(index);
        for piece in pieces {
            s = s.text_delta(index, piece);
        }
        s.block_stop(index)
    }

    /// A whole `tool_use` block: start with `"input":{}`, one `input_json_delta` per fragment,
    /// stop.
    pub fn tool_block<'a>(
        self,
        index: u32,
        id: &str,
        name: &str,
        fragments: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut s = self.tool_start(index, id, name, "{}");
        for fragment in fragments {
            s = s.json_delta(index, fragment);
        }
        s.block_stop(index)
    }

    /// A `message_delta` with `stop_reason` and `usage` as raw JSON.
    pub fn message_delta(self, stop_reason: &str, usage: &str) -> Self {
        self.event(
            "message_delta",
            format!(
                r#"{{"type":"message_delta","delta":{{"stop_reason":"{stop_reason}","stop_sequence":null}},"usage":{usage}}}"#
            ),
        )
    }

    pub fn message_stop(self) -> Self {
        self.event("message_stop", Self::MESSAGE_STOP)
    }

    /// An `error` event.
    pub fn error(self, error_type: &str, message: &str) -> Self {
        self.event(
            "error",
            format!(
                r#"{{"type":"error","error":{{"type":{},"message":{}}}}}"#,
                json_string(error_type),
                json_string(message)
            ),
        )
    }

    pub fn events(&self) -> Events {
        self.events.clone()
    }

    /// The data of every event, in order.
    pub fn data(&self) -> Vec<String> {
        self.events.iter().map(|(_, d)| d.clone()).collect()
    }

    /// Runs the events through an Anthropic decoder (see [`run`]).
    pub fn run(&self) -> Vec<StreamChunk> {
        run(Provider::Anthropic, &self.events)
    }
}

/// Builds an OpenAI Chat Completions stream: unnamed events, one `chat.completion.chunk` each
/// (id `chatcmpl-1`, model `gpt-4o`; choice 0 unless the chunk is written raw).
#[derive(Debug, Clone, Default)]
pub struct OpenAiStream {
    events: Events,
}

impl OpenAiStream {
    pub fn new() -> Self {
        Self::default()
    }

    /// Any event.
    pub fn event(mut self, name: &str, data: impl Into<String>) -> Self {
        self.events.push((name.into(), data.into()));
        self
    }

    /// An unnamed event with `data` as is.
    pub fn raw(self, data: impl Into<String>) -> Self {
        self.event("message", data)
    }

    /// Sends the last event under the SSE event name `name` instead (its data unchanged).
    pub fn renamed(mut self, name: &str) -> Self {
        self.events.last_mut().expect("an event to rename").0 = name.into();
        self
    }

    /// A chunk whose choice 0 carries `delta` and `finish_reason`.
    pub fn chunk(self, delta: Value, finish_reason: Value) -> Self {
        self.raw(
            json!({
                "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o",
                "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason}]
            })
            .to_string(),
        )
    }

    /// A chunk with `content` text.
    pub fn text(self, text: &str) -> Self {
        self.chunk(json!({ "content": text }), Value::Null)
    }

    /// A chunk with one `tool_calls` entry.
    pub fn tool_call(self, call: Value) -> Self {
        self.chunk(json!({ "tool_calls": [call] }), Value::Null)
    }

    /// The finish chunk: an empty delta and `finish_reason`.
    pub fn finish(self, reason: &str) -> Self {
        self.chunk(json!({}), json!(reason))
    }

    /// A usage chunk (`stream_options.include_usage`): empty `choices` and `usage`.
    pub fn usage(self, usage: Value) -> Self {
        self.raw(
            json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-4o", "choices": [], "usage": usage})
                .to_string(),
        )
    }

    /// `data: [DONE]`.
    pub fn done(self) -> Self {
        self.raw("[DONE]")
    }

    pub fn events(&self) -> Events {
        self.events.clone()
    }

    /// The data of every event, in order.
    pub fn data(&self) -> Vec<String> {
        self.events.iter().map(|(_, d)| d.clone()).collect()
    }

    /// Runs the events through an OpenAI decoder (see [`run`]).
    pub fn run(&self) -> Vec<StreamChunk> {
        run(Provider::OpenAi, &self.events)
    }
}

/// Builds a Gemini stream: unnamed events, one `GenerateContentResponse` each (response id
/// `resp-1`, model `gemini-2.5-flash`, candidate 0 unless written raw).
#[derive(Debug, Clone, Default)]
pub struct GeminiStream {
    events: Events,
}

impl GeminiStream {
    pub fn new() -> Self {
        Self::default()
    }

    /// Any event.
    pub fn event(mut self, name: &str, data: impl Into<String>) -> Self {
        self.events.push((name.into(), data.into()));
        self
    }

    /// An unnamed event with `data` as is.
    pub fn raw(self, data: impl Into<String>) -> Self {
        self.event("message", data)
    }

    /// Sends the last event under the SSE event name `name` instead (its data unchanged).
    pub fn renamed(mut self, name: &str) -> Self {
        self.events.last_mut().expect("an event to rename").0 = name.into();
        self
    }

    /// A response whose candidate 0 has `parts` and `finish` (`null` for no `finishReason`).
    pub fn response(self, parts: Value, finish: Value) -> Self {
        let mut candidate = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
        if !finish.is_null() {
            candidate["finishReason"] = finish;
        }
        self.raw(
            json!({"candidates": [candidate], "modelVersion": "gemini-2.5-flash", "responseId": "resp-1"})
                .to_string(),
        )
    }

    /// A response with one text part and no finish reason.
    pub fn text(self, text: &str) -> Self {
        self.response(json!([{ "text": text }]), Value::Null)
    }

    /// Sets `usageMetadata` on the last response.
    pub fn usage(mut self, usage: Value) -> Self {
        let (_, data) = self.events.last_mut().expect("a response to add usage to");
        let mut v: Value = serde_json::from_str(data).unwrap();
        v["usageMetadata"] = usage;
        *data = v.to_string();
        self
    }

    /// `data: [DONE]` (which some proxies add).
    pub fn done(self) -> Self {
        self.raw("[DONE]")
    }

    pub fn events(&self) -> Events {
        self.events.clone()
    }

    /// The data of every event, in order.
    pub fn data(&self) -> Vec<String> {
        self.events.iter().map(|(_, d)| d.clone()).collect()
    }

    /// Runs the events through a Gemini decoder (see [`run`]).
    pub fn run(&self) -> Vec<StreamChunk> {
        run(Provider::Gemini, &self.events)
    }
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}
