//! Provider decoders: parsed SSE [`Event`]s in, normalized [`StreamChunk`]s out.
//!
//! Each decoder follows the same driving contract ([`Decode`]): pass every event to
//! [`decode`](Decode::decode), pull chunks with [`next_chunk`](Decode::next_chunk) until `None`,
//! and call [`finish`](Decode::finish) at the end of the input (or [`fail`](Decode::fail) when
//! the transport failed). Exactly one terminal chunk ([`StreamChunk::Done`]) ends every stream;
//! nothing follows it. Provider errors inside the stream are terminal chunks, not `Err`s.

/// The [`Decode`] methods every provider decoder answers from its [`Emitter`], which must be a
/// field named `out`: `provider`, `fail`, `next_chunk` and `is_done`. Used inside
/// `impl Decode for ...`; defined before the provider modules so that they can use it.
macro_rules! decode_via_emitter {
    () => {
        fn provider(&self) -> $crate::chunk::Provider {
            self.out.provider()
        }

        fn fail(&mut self, error: $crate::chunk::StreamError) {
            self.out.fail(error);
        }

        fn next_chunk(&mut self) -> Option<$crate::chunk::StreamChunk> {
            self.out.next_chunk()
        }

        fn is_done(&self) -> bool {
            self.out.is_done()
        }
    };
}

mod anthropic;
mod gemini;
mod json;
mod openai;
#[cfg(test)]
mod test_support;

pub use anthropic::AnthropicDecoder;
pub use gemini::GeminiDecoder;
pub use openai::OpenAiDecoder;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;

use crate::chunk::{
    Finish, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, ToolCallPiece, Usage,
};
use crate::sse::Event;

/// The common interface of the provider decoders.
pub trait Decode {
    /// The provider this decoder understands.
    fn provider(&self) -> Provider;

    /// Decodes one SSE event. Events after the terminal chunk are ignored.
    fn decode(&mut self, event: &Event<'_>);

    /// Marks the end of the input. A stream that had not finished gets an `incomplete_stream`
    /// error terminal chunk.
    fn finish(&mut self);

    /// Ends the stream with `error` (a transport failure such as `connection_error` or
    /// `idle_timeout`), unless it has already ended. The terminal chunk keeps what was learned so
    /// far: id, model, usage, the provider's finish reason.
    fn fail(&mut self, error: StreamError);

    /// The next decoded chunk, or `None` until more events are decoded.
    #[must_use]
    fn next_chunk(&mut self) -> Option<StreamChunk>;

    /// True once the terminal chunk has been produced (it may still be waiting in the queue).
    fn is_done(&self) -> bool;
}

/// Any of the provider decoders, chosen at run time.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Decoder {
    /// Anthropic Messages.
    Anthropic(AnthropicDecoder),
    /// OpenAI Chat Completions and compatible servers.
    OpenAi(OpenAiDecoder),
    /// Gemini `streamGenerateContent?alt=sse`.
    Gemini(GeminiDecoder),
}

impl Decoder {
    /// A fresh decoder for `provider`.
    pub fn new(provider: Provider) -> Self {
        match provider {
            Provider::Anthropic => Decoder::Anthropic(AnthropicDecoder::new()),
            Provider::OpenAi => Decoder::OpenAi(OpenAiDecoder::new()),
            Provider::Gemini => Decoder::Gemini(GeminiDecoder::new()),
        }
    }

    fn inner(&mut self) -> &mut dyn Decode {
        match self {
            Decoder::Anthropic(d) => d,
            Decoder::OpenAi(d) => d,
            Decoder::Gemini(d) => d,
        }
    }

    fn inner_ref(&self) -> &dyn Decode {
        match self {
            Decoder::Anthropic(d) => d,
            Decoder::OpenAi(d) => d,
            Decoder::Gemini(d) => d,
        }
    }
}

impl Decode for Decoder {
    fn provider(&self) -> Provider {
        self.inner_ref().provider()
    }
    fn decode(&mut self, event: &Event<'_>) {
        self.inner().decode(event);
    }
    fn finish(&mut self) {
        self.inner().finish();
    }
    fn fail(&mut self, error: StreamError) {
        self.inner().fail(error);
    }
    fn next_chunk(&mut self) -> Option<StreamChunk> {
        self.inner().next_chunk()
    }
    fn is_done(&self) -> bool {
        self.inner_ref().is_done()
    }
}

/// The state every decoder shares: the output queue, what the terminal chunk will carry, the
/// tool-call numbering, and the "nothing after the terminal chunk" rule.
#[derive(Debug, Clone)]
pub(crate) struct Emitter {
    provider: Provider,
    queue: VecDeque<StreamChunk>,
    done: bool,
    /// Tool calls announced so far; the next call gets this index.
    tool_calls: u32,
    pub(crate) id: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) usage: Option<Usage>,
    pub(crate) provider_finish_reason: Option<String>,
}

impl Emitter {
    pub(crate) fn new(provider: Provider) -> Self {
        Emitter {
            provider,
            queue: VecDeque::new(),
            done: false,
            tool_calls: 0,
            id: None,
            model: None,
            usage: None,
            provider_finish_reason: None,
        }
    }

    pub(crate) fn provider(&self) -> Provider {
        self.provider
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    pub(crate) fn next_chunk(&mut self) -> Option<StreamChunk> {
        self.queue.pop_front()
    }

    fn push(&mut self, chunk: StreamChunk) {
        if !self.done {
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

    /// The signature closing a reasoning block (empty produces nothing).
    pub(crate) fn reasoning_signature(&mut self, signature: impl Into<String> + AsRef<str>) {
        if !signature.as_ref().is_empty() {
            self.push(StreamChunk::ReasoningSignature(signature.into()));
        }
    }

    /// An encrypted redacted-reasoning block.
    pub(crate) fn redacted_reasoning(&mut self, data: impl Into<String>) {
        self.push(StreamChunk::RedactedReasoning(data.into()));
    }

    /// Announces a new tool call and returns its stream index (0, 1, ... in order of first
    /// appearance). `arguments` may be empty.
    pub(crate) fn start_tool_call(
        &mut self,
        id: impl Into<String>,
        name: impl Into<String>,
        arguments: impl Into<String>,
    ) -> u32 {
        let index = self.tool_calls;
        self.tool_calls = self.tool_calls.saturating_add(1);
        self.push(StreamChunk::ToolCall(ToolCallPiece {
            index,
            id: Some(id.into()),
            name: Some(name.into()),
            arguments: arguments.into(),
        }));
        index
    }

    /// A fragment of the arguments of the tool call `index`; an empty fragment produces nothing.
    pub(crate) fn tool_arguments(&mut self, index: u32, fragment: impl Into<String> + AsRef<str>) {
        if !fragment.as_ref().is_empty() {
            self.push(StreamChunk::ToolCall(ToolCallPiece {
                index,
                id: None,
                name: None,
                arguments: fragment.into(),
            }));
        }
    }

    /// Announces a new tool call whose provider may leave out the id or the name (Gemini's
    /// `functionCall` without an id, OpenAI's legacy `function_call`, a compatible server's first
    /// piece without a name) and returns its stream index. Absent fields are omitted from the
    /// piece; `arguments` may be empty.
    pub(crate) fn start_tool_call_parts(
        &mut self,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
    ) -> u32 {
        let index = self.tool_calls;
        self.tool_calls = self.tool_calls.saturating_add(1);
        self.push(StreamChunk::ToolCall(ToolCallPiece {
            index,
            id,
            name,
            arguments,
        }));
        index
    }

    /// A later piece of the tool call `index`: an arguments fragment, and the id or name when
    /// the call's first piece lacked them (omitted when `None`). Produces nothing when the piece
    /// carries nothing.
    pub(crate) fn tool_call_piece(
        &mut self,
        index: u32,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
    ) {
        if id.is_some() || name.is_some() || !arguments.is_empty() {
            self.push(StreamChunk::ToolCall(ToolCallPiece {
                index,
                id,
                name,
                arguments,
            }));
        }
    }

    /// Ends the stream normally with `reason`.
    pub(crate) fn finish(&mut self, reason: FinishReason) {
        self.terminate(reason, None);
    }

    /// Ends the stream with an error.
    pub(crate) fn fail(&mut self, error: StreamError) {
        self.terminate(FinishReason::Error, Some(error));
    }

    /// Ends the stream with an error of `kind`.
    pub(crate) fn fail_with(&mut self, kind: StreamErrorKind, message: impl Into<String>) {
        self.fail(StreamError::new(kind, message));
    }

    fn terminate(&mut self, finish_reason: FinishReason, error: Option<StreamError>) {
        if self.done {
            return;
        }
        let fin = Finish {
            provider: self.provider,
            id: self.id.take(),
            model: self.model.take(),
            finish_reason,
            provider_finish_reason: self.provider_finish_reason.take(),
            usage: self.usage.take(),
            error,
        };
        self.queue.push_back(StreamChunk::Done(Box::new(fin)));
        self.done = true;
    }
}
