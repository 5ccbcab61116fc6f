//! [`Decoder`]: parsed SSE [`Event`]s in, normalized [`StreamChunk`]s out, for any provider.
//!
//! The provider modules hold only their protocol's rules (which JSON field is text, which event
//! ends the message, what the finish reasons mean); everything every provider shares lives here
//! and in [`Emitter`]: the output queue, the tool-call numbering, the ids of tool calls the
//! provider gave none, the terminal chunk and the one decision of how a stream ended.
//!
//! A tool call without a provider id (most Gemini calls, OpenAI's legacy `function_call`; an
//! empty id counts as none) gets [`tool_call_id`]`(response id, index)`, `call_<response
//! id>_<index>`, on its first piece when the response id is known by then (Gemini's
//! `responseId` is on the same response object as the `functionCall` part; OpenAI's chunks carry
//! `id`): the id the dialect endpoints give such a call, so a client can answer it next turn.

// One provider's stream in, chunks out (named by direction, beside `request::to_*`).
mod from_anthropic;
mod from_gemini;
mod from_openai;
mod json;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;

use serde::Deserialize;

use crate::chunk::{
    Finish, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, ToolCallArguments,
    ToolCallStart, Usage,
};
use crate::dialect::tool_call_id;
use crate::provider::Api;
use crate::sse::{EndOfInput, Event};

/// Decodes one provider's stream of parsed server-sent events into [`StreamChunk`]s.
///
/// Use it when events come from somewhere other than raw bytes (your own SSE parser, a test, a
/// log); for a response body use [`Normalizer`](crate::Normalizer), which drives a
/// [`Parser`](crate::sse::Parser) and a `Decoder` together.
///
/// # Driving contract
///
/// 1. [`decode`](Decoder::decode) each event in order. It only queues chunks.
/// 2. Pull [`next_chunk`](Decoder::next_chunk) until `None`.
/// 3. At the end of the input call [`finish`](Decoder::finish) with what the SSE parser reported
///    about the end ([`EndOfInput::default()`] when the input ended cleanly after an event), or
///    [`fail`](Decoder::fail) when the transport broke, and drain again.
///
/// Exactly one terminal chunk ([`StreamChunk::Done`]) ends every stream, always last; events,
/// `finish` and `fail` after it change nothing. A stream that ends before its provider's
/// protocol completed (no `message_stop`, no `finish_reason`, ...) or that ended inside an event
/// is an `incomplete_stream` error, never a normal finish. Provider errors inside the stream and
/// undecodable events are error terminal chunks, not `Err`s: no input makes a decoder panic.
///
/// [`is_closed`](Decoder::is_closed) turns true when the terminal chunk has been decided (it may
/// still be queued); [`is_drained`](Decoder::is_drained) when it has been pulled, after which
/// `next_chunk` always returns `None`.
///
/// ```
/// use llm_sse_core::sse::{EndOfInput, Event};
/// use llm_sse_core::{Decoder, Provider, StreamChunk, StreamErrorKind};
///
/// let mut decoder = Decoder::new(Provider::Anthropic);
/// decoder.decode(&Event::new(
///     "message_start",
///     r#"{"type":"message_start","message":{"id":"msg_01","model":"claude-sonnet-4-5"}}"#,
/// ));
/// decoder.decode(&Event::new(
///     "content_block_start",
///     r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
/// ));
/// decoder.decode(&Event::new(
///     "content_block_delta",
///     r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#,
/// ));
/// assert_eq!(decoder.next_chunk(), Some(StreamChunk::Token("Hi".into())));
/// assert_eq!(decoder.next_chunk(), None); // needs more events
///
/// decoder.finish(EndOfInput::default()); // no message_stop: the stream is incomplete
/// assert!(decoder.is_closed() && !decoder.is_drained());
/// let Some(StreamChunk::Done(finish)) = decoder.next_chunk() else { panic!("terminal chunk") };
/// assert_eq!(finish.error().unwrap().kind, StreamErrorKind::IncompleteStream);
/// assert_eq!(finish.id.as_deref(), Some("msg_01")); // what was known is kept
/// assert!(decoder.is_drained() && decoder.next_chunk().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    rules: Rules,
    out: Emitter,
}

/// One provider's protocol rules.
#[derive(Debug, Clone)]
enum Rules {
    Anthropic(from_anthropic::Anthropic),
    OpenAi(from_openai::OpenAi),
    Gemini(from_gemini::Gemini),
}

/// Where the input ended, for [`ProviderRules::verdict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// A `data: [DONE]` sentinel (OpenAI's end marker, which some proxies add to other
    /// providers' streams).
    Sentinel,
    /// The end of the input.
    EndOfInput,
}

/// What a provider module implements: its protocol, nothing else.
trait ProviderRules {
    /// Decodes one event. Never called with the `[DONE]` sentinel or after the stream closed.
    /// The rules end the stream themselves when the protocol says so in-band (Anthropic's
    /// `message_stop`, an error event, an undecodable event): [`Emitter::finish`] or
    /// [`Emitter::fail`].
    fn event(&mut self, event: &Event<'_>, out: &mut Emitter);

    /// Whether the protocol had completed when the input ended at `at`: the finish reason, or
    /// why the stream is incomplete.
    fn verdict(&self, at: At) -> Result<FinishReason, &'static str>;

    /// Completes what a normal end completes, just before the terminal chunk: a tool call that
    /// streamed no arguments gets `{}`. Not called when the stream fails.
    fn complete(&mut self, out: &mut Emitter);
}

impl Rules {
    fn get(&mut self) -> &mut dyn ProviderRules {
        match self {
            Rules::Anthropic(r) => r,
            Rules::OpenAi(r) => r,
            Rules::Gemini(r) => r,
        }
    }
}

impl Decoder {
    /// Usage the platform reported beside the provider's events (Bedrock's invocation
    /// metrics): kept when the stream itself reports none.
    pub(crate) fn usage_fallback(&mut self, usage: Usage) {
        if self.out.usage.is_none() {
            self.out.usage = Some(usage);
        }
    }

    /// A decoder for `provider` at the start of a stream.
    pub fn new(provider: Provider) -> Self {
        let rules = match provider.api() {
            Api::Anthropic => Rules::Anthropic(from_anthropic::Anthropic::default()),
            Api::OpenAi => Rules::OpenAi(from_openai::OpenAi::default()),
            Api::Gemini => Rules::Gemini(from_gemini::Gemini::default()),
        };
        Decoder {
            rules,
            out: Emitter::new(provider),
        }
    }

    /// The provider whose protocol this decoder follows.
    pub fn provider(&self) -> Provider {
        self.out.provider
    }

    /// Decodes one event (any number of chunks may become available). Ignored once the stream
    /// is closed.
    pub fn decode(&mut self, event: &Event<'_>) {
        if self.out.closed {
            return;
        }
        self.out.events = self.out.events.saturating_add(1);
        if event.data.trim_ascii() == "[DONE]" {
            return self.end(At::Sentinel, EndOfInput::default());
        }
        if !self.out.recognized && self.out.looks_like.is_none() {
            // Until an event is recognized (normally the first one), remember what the events
            // look like, for the wrong-provider hint: the rules may end the stream right away.
            self.out.looks_like = sniff(event);
        }
        self.rules.get().event(event, &mut self.out);
    }

    /// Marks the end of the input. `end` is what the SSE parser reported
    /// ([`Parser::finish`](crate::sse::Parser::finish)); pass [`EndOfInput::default()`] when
    /// the input ended cleanly. Unless the stream already closed, this decides how it ended: a
    /// normal finish when the provider's protocol had completed and the input did not end inside
    /// an event, `incomplete_stream` otherwise.
    pub fn finish(&mut self, end: EndOfInput) {
        self.end(At::EndOfInput, end);
    }

    /// Ends the stream with `error` (a transport failure such as `connection_error` or
    /// `idle_timeout`), unless it has already closed. The terminal chunk keeps what was learned:
    /// id, model, usage so far, the provider's finish reason. Nothing is made up for unfinished
    /// content (a tool call cut off stays cut off).
    pub fn fail(&mut self, error: StreamError) {
        self.out.fail(error);
    }

    /// The next chunk, or `None` until more events are decoded (or after the terminal chunk).
    #[must_use]
    pub fn next_chunk(&mut self) -> Option<StreamChunk> {
        let chunk = self.out.queue.pop_front();
        if chunk.as_ref().is_some_and(StreamChunk::is_done) {
            self.out.drained = true;
        }
        chunk
    }

    /// True once the terminal chunk has been decided: no later event changes anything. It may
    /// still be waiting in the queue; see [`is_drained`](Decoder::is_drained).
    pub fn is_closed(&self) -> bool {
        self.out.closed
    }

    /// True once the terminal chunk has been pulled: [`next_chunk`](Decoder::next_chunk) will
    /// never return anything again.
    pub fn is_drained(&self) -> bool {
        self.out.drained
    }

    fn end(&mut self, at: At, end: EndOfInput) {
        if self.out.closed {
            return;
        }
        let rules = self.rules.get();
        match rules.verdict(at) {
            Ok(_) if !end.is_clean() => {
                // The protocol had finished (OpenAI streams may end without `[DONE]`, Gemini
                // streams have no end marker), but whatever the cut event carried, such as the
                // usage, is lost: that is not a normal end.
                let detail = if end.partial_line_bytes > 0 {
                    format!(
                        "stream ended inside an event ({} bytes of an unfinished line)",
                        end.partial_line_bytes
                    )
                } else {
                    String::from("stream ended inside an event (no blank line ended it)")
                };
                self.out
                    .fail(StreamError::new(StreamErrorKind::IncompleteStream, detail));
            }
            Ok(reason) => {
                rules.complete(&mut self.out);
                self.out.finish(reason);
            }
            Err(missing) => self
                .out
                .fail(StreamError::new(StreamErrorKind::IncompleteStream, missing)),
        }
    }
}

/// The chunks decoded and not yet pulled, oldest first.
///
/// An event usually makes one chunk, pulled before the next event is decoded: that chunk is
/// kept in the first slot, inside the decoder, so a stream's steady state touches no buffer
/// elsewhere on the heap (with many streams open, each such buffer is a cache miss per token).
#[derive(Debug, Clone, Default)]
struct Queue {
    /// The oldest chunk, when `rest` was empty as it was queued.
    first: Option<StreamChunk>,
    rest: VecDeque<StreamChunk>,
}

impl Queue {
    fn push_back(&mut self, chunk: StreamChunk) {
        if self.first.is_none() && self.rest.is_empty() {
            self.first = Some(chunk);
        } else {
            self.rest.push_back(chunk);
        }
    }

    fn pop_front(&mut self) -> Option<StreamChunk> {
        self.first.take().or_else(|| self.rest.pop_front())
    }
}

/// The state every provider's rules write to: the output queue, what the terminal chunk will
/// carry, the tool-call numbering, and the "nothing after the terminal chunk" rule.
#[derive(Debug, Clone)]
pub(crate) struct Emitter {
    provider: Provider,
    queue: Queue,
    /// The terminal chunk has been queued.
    closed: bool,
    /// The terminal chunk has been pulled.
    drained: bool,
    /// Tool calls announced so far; the next call gets this index.
    tool_calls: u32,
    /// The last chunk queued was a [`StreamChunk::BlockBreak`], or nothing was queued yet.
    at_break: bool,
    /// Events decoded so far.
    events: u64,
    /// Some event was recognized as this provider's.
    recognized: bool,
    /// The provider an unrecognized event looked like.
    looks_like: Option<Provider>,
    pub(crate) id: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) usage: Option<Usage>,
    pub(crate) provider_finish_reason: Option<String>,
}

impl Emitter {
    fn new(provider: Provider) -> Self {
        Emitter {
            provider,
            queue: Queue::default(),
            closed: false,
            drained: false,
            tool_calls: 0,
            at_break: true,
            events: 0,
            recognized: false,
            looks_like: None,
            id: None,
            model: None,
            usage: None,
            provider_finish_reason: None,
        }
    }

    /// Marks the current event as one of this provider's (for the wrong-provider hint).
    pub(crate) fn recognized(&mut self) {
        self.recognized = true;
    }

    fn push(&mut self, chunk: StreamChunk) {
        if !self.closed {
            self.at_break = matches!(chunk, StreamChunk::BlockBreak);
            self.queue.push_back(chunk);
        }
    }

    /// Answer text; empty text produces nothing.
    pub(crate) fn token(&mut self, text: impl Into<String> + AsRef<str>) {
        if !text.as_ref().is_empty() {
            self.push(StreamChunk::Token(text.into()));
        }
    }

    /// Reasoning text; empty text produces nothing.
    pub(crate) fn reasoning(&mut self, text: impl Into<String> + AsRef<str>) {
        if !text.as_ref().is_empty() {
            self.push(StreamChunk::Reasoning(text.into()));
        }
    }

    /// The signature closing a reasoning block; empty produces nothing.
    pub(crate) fn reasoning_signature(&mut self, signature: impl Into<String> + AsRef<str>) {
        if !signature.as_ref().is_empty() {
            self.push(StreamChunk::ReasoningSignature(signature.into()));
        }
    }

    /// An encrypted redacted-reasoning block; empty data produces nothing.
    pub(crate) fn redacted_reasoning(&mut self, data: impl Into<String> + AsRef<str>) {
        if !data.as_ref().is_empty() {
            self.push(StreamChunk::RedactedReasoning(data.into()));
        }
    }

    /// Content the stream does not carry separates what came before from what follows. Produces
    /// nothing at the start or right after another break.
    pub(crate) fn block_break(&mut self) {
        if !self.at_break {
            self.push(StreamChunk::BlockBreak);
        }
    }

    /// Announces a new tool call and returns its stream index (0, 1, ... in order of first
    /// appearance). `arguments` may be empty.
    ///
    /// A call without a provider id (or with an empty one) gets
    /// [`tool_call_id`]`(response id, index)` when the response id is known by now (the rules
    /// read an event's id before its content), so a client can answer it next turn.
    pub(crate) fn start_tool_call(
        &mut self,
        id: Option<String>,
        name: String,
        arguments: String,
    ) -> u32 {
        let index = self.tool_calls;
        self.tool_calls = self.tool_calls.saturating_add(1);
        let id = id
            .filter(|id| !id.is_empty())
            .or_else(|| self.id.as_deref().map(|rid| tool_call_id(rid, index)));
        self.push(StreamChunk::ToolCallStart(ToolCallStart {
            index,
            id,
            name,
            arguments,
        }));
        index
    }

    /// A fragment of the arguments of the tool call `index`; an empty fragment produces nothing.
    pub(crate) fn tool_arguments(&mut self, index: u32, fragment: impl Into<String> + AsRef<str>) {
        if !fragment.as_ref().is_empty() {
            self.push(StreamChunk::ToolCallArguments(ToolCallArguments {
                index,
                fragment: fragment.into(),
            }));
        }
    }

    /// Ends the stream normally with `reason` (the protocol's in-band end).
    pub(crate) fn finish(&mut self, reason: FinishReason) {
        self.terminate(Ok(reason));
    }

    /// Ends the stream with `error`.
    pub(crate) fn fail(&mut self, error: StreamError) {
        self.terminate(Err(error));
    }

    /// Ends the stream with an error of `kind`.
    pub(crate) fn fail_with(&mut self, kind: StreamErrorKind, message: impl Into<String>) {
        self.fail(StreamError::new(kind, message));
    }

    fn terminate(&mut self, outcome: Result<FinishReason, StreamError>) {
        if self.closed {
            return;
        }
        let outcome = outcome.map_err(|error| self.with_provider_hint(error));
        let finish = Finish {
            provider: self.provider,
            id: self.id.take(),
            model: self.model.take(),
            outcome,
            provider_finish_reason: self.provider_finish_reason.take(),
            usage: self.usage.take(),
        };
        self.queue.push_back(StreamChunk::Done(Box::new(finish)));
        self.closed = true;
    }

    /// When not one event was recognized as this provider's, says so: the usual cause is a
    /// recording replayed (or an endpoint configured) with the wrong provider.
    fn with_provider_hint(&self, mut error: StreamError) -> StreamError {
        if self.recognized || self.events == 0 {
            return error;
        }
        let other = self
            .looks_like
            .filter(|&p| p != self.provider)
            .map(|p| format!("; they look like {} events", p.display_name()));
        match error.kind {
            StreamErrorKind::IncompleteStream => {
                let events = if self.events == 1 { "event" } else { "events" };
                error.message = format!(
                    "none of the {} {events} looked like {} stream events{}",
                    self.events,
                    self.provider.display_name(),
                    other.as_deref().unwrap_or_default(),
                );
            }
            StreamErrorKind::InvalidEvent => {
                if let Some(other) = other {
                    error.message = format!(
                        "{} (not one {} event was recognized{other})",
                        error.message,
                        self.provider.display_name()
                    );
                }
            }
            _ => {}
        }
        error
    }
}

/// Guesses which provider's stream `event` belongs to, from a few tell-tale fields.
fn sniff(event: &Event<'_>) -> Option<Provider> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Probe<'a> {
        #[serde(borrow, default, rename = "type")]
        ty: Option<json::Str<'a>>,
        #[serde(borrow, default)]
        object: Option<json::Str<'a>>,
        #[serde(default)]
        choices: Option<json::Skip>,
        #[serde(default)]
        candidates: Option<json::Skip>,
        #[serde(default)]
        usage_metadata: Option<json::Skip>,
        #[serde(default)]
        prompt_feedback: Option<json::Skip>,
    }
    let probe: Probe<'_> = serde_json::from_str(event.data).ok()?;
    if probe
        .ty
        .as_ref()
        .is_some_and(|t| from_anthropic::is_event_type(t.as_str()))
    {
        Some(Provider::Anthropic)
    } else if probe.choices.is_some()
        || probe
            .object
            .as_ref()
            .is_some_and(|o| o.as_str().starts_with("chat.completion"))
    {
        Some(Provider::OpenAi)
    } else if probe.candidates.is_some()
        || probe.usage_metadata.is_some()
        || probe.prompt_feedback.is_some()
    {
        Some(Provider::Gemini)
    } else {
        None
    }
}
