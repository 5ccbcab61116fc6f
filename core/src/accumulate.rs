//! [`Accumulator`]: folds a normalized chunk stream into the final [`Message`], as the official
//! SDKs' final-message helpers do. The folding rules and outcomes are documented on the types.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde_json::{Map, Value};

use crate::chunk::{Finish, FinishReason, Provider, StreamChunk, StreamError, Usage};

/// The final assistant message of a successfully finished stream.
///
/// Built by [`Accumulator::finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The provider the stream came from.
    pub provider: Provider,
    /// The provider's message / response id, when known.
    pub id: Option<String>,
    /// The model that answered, when known.
    pub model: Option<String>,
    /// The content blocks, in stream order.
    pub content: Vec<ContentBlock>,
    /// The unified finish reason.
    pub finish_reason: FinishReason,
    /// The provider's raw finish / stop reason, when it sent one.
    pub provider_finish_reason: Option<String>,
    /// Token usage, when the provider reported any.
    pub usage: Option<Usage>,
}

/// One block of a [`Message`]'s content.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentBlock {
    /// Answer text (never empty).
    Text(String),
    /// Reasoning ("thinking") text and the signature that closed it.
    Thinking {
        /// The reasoning text (empty when the provider streamed only a signature).
        thinking: String,
        /// The provider's signature, unchanged. It must be sent back with the block: Anthropic
        /// rejects a thinking block whose signature is missing or altered. `None` for
        /// reasoning that carries no signature (OpenAI-compatible servers, Gemini thoughts).
        signature: Option<String>,
    },
    /// An encrypted, redacted reasoning block.
    RedactedThinking {
        /// The opaque data, unchanged; send it back as is.
        data: String,
    },
    /// A complete tool call the client should run.
    ToolCall(ToolCall),
}

/// A complete tool call: name and arguments parsed as JSON, and the provider's id if it gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    /// The stream's tool-call index (0, 1, ... in order of first appearance).
    pub index: u32,
    /// The call's id, as its [`ToolCallStart`](crate::ToolCallStart) gave it: the provider's,
    /// or `call_<response id>_<index>` for a call the provider gave none (most Gemini models,
    /// OpenAI's legacy `function_call`). `None` only when the response id was not known yet
    /// either; such calls match results by name or order.
    pub id: Option<String>,
    /// The tool's name.
    pub name: String,
    /// The arguments parsed as JSON (`{}` when no argument text was streamed). Any JSON value is
    /// accepted; tools are normally given an object, which is what models produce.
    pub arguments: Value,
    /// The arguments exactly as streamed (the concatenated fragments).
    pub raw_arguments: String,
}

/// What was accumulated before a stream failed, ended early, or produced an unusable tool call.
///
/// Carried by every [`AccumulateError`]. The metadata fields come from the terminal chunk and are
/// `None` when none was pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialMessage {
    /// The provider, when the terminal chunk was pushed.
    pub provider: Option<Provider>,
    /// The provider's message / response id, when known.
    pub id: Option<String>,
    /// The model, when known.
    pub model: Option<String>,
    /// The unified finish reason, when the terminal chunk was pushed and reported a normal end.
    pub finish_reason: Option<FinishReason>,
    /// The provider's raw finish / stop reason, when known.
    pub provider_finish_reason: Option<String>,
    /// Token usage reported before the end, when known.
    pub usage: Option<Usage>,
    /// The content blocks, in stream order; tool calls are never parsed here.
    pub content: Vec<PartialBlock>,
}

/// One block of a [`PartialMessage`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartialBlock {
    /// Answer text.
    Text(String),
    /// Reasoning text, and its signature if one arrived.
    Thinking {
        /// The reasoning text so far.
        thinking: String,
        /// The signature, if it arrived.
        signature: Option<String>,
    },
    /// An encrypted, redacted reasoning block.
    RedactedThinking {
        /// The opaque data, unchanged.
        data: String,
    },
    /// A tool call as streamed: possibly cut off, never to be run.
    ToolCall(PartialToolCall),
}

/// A tool call as streamed, not validated: its arguments may be incomplete JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialToolCall {
    /// The stream's tool-call index.
    pub index: u32,
    /// The call id, if the provider gave one.
    pub id: Option<String>,
    /// The tool name; `None` only when argument fragments arrived for an index that no
    /// [`StreamChunk::ToolCallStart`] announced (a chunk stream no decoder produced).
    pub name: Option<String>,
    /// The argument fragments received so far, concatenated.
    pub raw_arguments: String,
}

/// Why a tool call of a successfully ended stream is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolCallProblem {
    /// Argument fragments arrived, but no [`StreamChunk::ToolCallStart`] named the call.
    MissingName,
    /// The concatenated arguments are not valid JSON.
    InvalidArguments {
        /// The JSON parser's description of the problem.
        message: String,
        /// The 1-based line of the problem in the raw arguments.
        line: usize,
        /// The 1-based column of the problem in the raw arguments.
        column: usize,
    },
}

impl fmt::Display for ToolCallProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolCallProblem::MissingName => f.write_str("no tool-call start named the call"),
            ToolCallProblem::InvalidArguments { message, .. } => {
                write!(f, "arguments are not valid JSON: {message}")
            }
        }
    }
}

/// Why [`Accumulator::finish`] produced no [`Message`].
///
/// Every variant carries the [`PartialMessage`] accumulated so far
/// ([`partial`](AccumulateError::partial)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccumulateError {
    /// The stream ended with an error terminal chunk.
    Stream {
        /// The error the terminal chunk carried.
        error: StreamError,
        /// What arrived before the error (metadata from the terminal chunk).
        partial: Box<PartialMessage>,
    },
    /// No terminal chunk was pushed: the stream ended early, or was not driven to its end.
    Unfinished {
        /// What arrived (no metadata: that comes with the terminal chunk).
        partial: Box<PartialMessage>,
    },
    /// The content reached more bytes than the limit of [`Accumulator::with_limit`]: the
    /// chunk that went past it, and everything after, were not kept.
    TooLarge {
        /// The limit, in bytes of content ([`StreamChunk::content_len`]).
        limit: usize,
        /// What was kept (no metadata: that comes with the terminal chunk).
        partial: Box<PartialMessage>,
    },
    /// The stream ended normally, but a tool call is not usable.
    InvalidToolCall {
        /// The call, as streamed.
        call: Box<PartialToolCall>,
        /// What is wrong with it.
        problem: ToolCallProblem,
        /// The whole message, with every tool call unparsed.
        partial: Box<PartialMessage>,
    },
}

impl AccumulateError {
    /// The message accumulated before the failure.
    pub fn partial(&self) -> &PartialMessage {
        match self {
            AccumulateError::Stream { partial, .. }
            | AccumulateError::Unfinished { partial }
            | AccumulateError::TooLarge { partial, .. }
            | AccumulateError::InvalidToolCall { partial, .. } => partial,
        }
    }

    /// Takes the message accumulated before the failure.
    pub fn into_partial(self) -> PartialMessage {
        match self {
            AccumulateError::Stream { partial, .. }
            | AccumulateError::Unfinished { partial }
            | AccumulateError::TooLarge { partial, .. }
            | AccumulateError::InvalidToolCall { partial, .. } => *partial,
        }
    }
}

impl fmt::Display for AccumulateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccumulateError::Stream { error, .. } => {
                write!(f, "stream ended with an error: {error}")
            }
            AccumulateError::Unfinished { .. } => {
                f.write_str("stream ended without its terminal chunk")
            }
            AccumulateError::TooLarge { limit, .. } => {
                write!(f, "the message is larger than {limit} bytes")
            }
            AccumulateError::InvalidToolCall { call, problem, .. } => {
                write!(f, "tool call {}", call.index)?;
                match (&call.id, &call.name) {
                    (Some(id), Some(name)) => write!(f, " (id {id}, name {name})")?,
                    (Some(id), None) => write!(f, " (id {id})")?,
                    (None, Some(name)) => write!(f, " (name {name})")?,
                    (None, None) => {}
                }
                write!(f, ": {problem}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AccumulateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AccumulateError::Stream { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Which block the next chunk of the same kind extends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Open {
    #[default]
    Nothing,
    Text,
    Thinking,
}

/// Folds a stream of [`StreamChunk`]s into the final [`Message`].
///
/// Push every chunk in order ([`push`](Accumulator::push) or
/// [`push_owned`](Accumulator::push_owned), or `extend`), then call
/// [`finish`](Accumulator::finish). Driven by a [`Normalizer`](crate::Normalizer), push every
/// chunk its `next_chunk` yields, and call `finish` after the terminal chunk (which it always
/// produces once finished or failed).
///
/// ```
/// use llm_sse_core::{
///     Accumulator, ContentBlock, Finish, FinishReason, Provider, StreamChunk, ToolCallArguments,
///     ToolCallStart,
/// };
///
/// let chunks = [
///     StreamChunk::Reasoning("Need the ".into()),
///     StreamChunk::Reasoning("weather.".into()),
///     StreamChunk::ReasoningSignature("sig-1".into()),
///     StreamChunk::Token("Let me ".into()),
///     StreamChunk::Token("check.".into()),
///     StreamChunk::ToolCallStart(ToolCallStart {
///         index: 0,
///         id: Some("toolu_1".into()),
///         name: "get_weather".into(),
///         arguments: String::new(),
///     }),
///     StreamChunk::ToolCallArguments(ToolCallArguments {
///         index: 0,
///         fragment: "{\"city\":\"Paris\"}".into(),
///     }),
///     StreamChunk::Done(Box::new(Finish {
///         provider: Provider::Anthropic,
///         id: Some("msg_1".into()),
///         model: Some("claude-sonnet-4-5".into()),
///         outcome: Ok(FinishReason::ToolCalls),
///         provider_finish_reason: Some("tool_use".into()),
///         usage: None,
///     })),
/// ];
/// let mut acc = Accumulator::new();
/// acc.extend(&chunks);
/// let message = acc.finish()?;
///
/// assert_eq!(message.finish_reason, FinishReason::ToolCalls);
/// assert_eq!(message.text(), "Let me check.");
/// assert_eq!(
///     message.content[0],
///     ContentBlock::Thinking {
///         thinking: "Need the weather.".into(),
///         signature: Some("sig-1".into()),
///     }
/// );
/// let call = message.tool_calls().next().unwrap();
/// assert_eq!((call.id.as_deref(), call.name.as_str()), (Some("toolu_1"), "get_weather"));
/// assert_eq!(call.arguments["city"], "Paris");
/// # Ok::<(), llm_sse_core::AccumulateError>(())
/// ```
///
/// # Folding rules
///
/// - Consecutive `Token`s form one text block; any other content chunk, and a
///   [`BlockBreak`](StreamChunk::BlockBreak), ends it: the next token starts a new block.
/// - Consecutive `Reasoning` chunks form one thinking block, which the `ReasoningSignature` that
///   follows closes: the signature is stored unchanged in that block. A signature with no open
///   thinking block (a thinking block whose text was empty) becomes a thinking block with empty
///   text, so no signature is lost. Reasoning that no signature closes (OpenAI-compatible
///   `reasoning_content`, Gemini thoughts) gives a block whose `signature` is `None`.
/// - Each `RedactedReasoning` is its own block, its data unchanged.
/// - A `ToolCallStart` opens a tool-call block at its position; the `ToolCallArguments` of its
///   index append to its raw arguments, in order (parallel calls may interleave). The arguments
///   are parsed as JSON only by [`finish`](Accumulator::finish), and only for a stream that
///   ended normally.
/// - Empty `Token` and `Reasoning` chunks (which the decoders never produce) are ignored: they
///   would create empty blocks, which Anthropic rejects when the turn is sent back.
/// - The terminal chunk supplies provider, id, model, finish reasons and usage. Chunks pushed
///   after it are ignored ([`push`](Accumulator::push) returns `false`), as the decoders
///   themselves never produce any.
#[derive(Debug, Clone, Default)]
pub struct Accumulator {
    content: Vec<PartialBlock>,
    /// Tool-call index → position of its block in `content`.
    calls: BTreeMap<u32, usize>,
    open: Open,
    finish: Option<Box<Finish>>,
    /// The most bytes of content kept ([`Accumulator::with_limit`]).
    limit: Option<usize>,
    /// The bytes of content kept so far.
    size: usize,
    /// A chunk went past the limit: nothing more is kept.
    too_large: bool,
}

impl Accumulator {
    /// An empty accumulator, at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty accumulator that keeps at most `max_bytes` bytes of content (the
    /// [`content_len`](StreamChunk::content_len) of the chunks: text, reasoning, signatures,
    /// redacted data, tool-call ids, names and arguments), so memory stays bounded whatever
    /// the stream. The chunk that would go past it ends accumulation
    /// ([`is_closed`](Accumulator::is_closed)), and [`finish`](Accumulator::finish) is then
    /// [`AccumulateError::TooLarge`].
    ///
    /// ```
    /// use llm_sse_core::{AccumulateError, Accumulator, StreamChunk};
    ///
    /// let mut acc = Accumulator::with_limit(8);
    /// assert!(acc.push(&StreamChunk::Token("Hello".into())));
    /// assert!(!acc.push(&StreamChunk::Token(", world".into()))); // 12 bytes: over
    /// assert!(acc.is_closed());
    /// let Err(AccumulateError::TooLarge { limit, partial }) = acc.finish() else { panic!() };
    /// assert_eq!((limit, partial.content.len()), (8, 1));
    /// ```
    pub fn with_limit(max_bytes: usize) -> Self {
        Accumulator {
            limit: Some(max_bytes),
            ..Self::default()
        }
    }

    /// True once the terminal chunk has been pushed.
    pub fn is_done(&self) -> bool {
        self.finish.is_some()
    }

    /// True once no more chunks are used: the terminal chunk was pushed, or the content went
    /// past the limit of [`with_limit`](Accumulator::with_limit). A caller reading a stream
    /// stops here and calls [`finish`](Accumulator::finish).
    pub fn is_closed(&self) -> bool {
        self.finish.is_some() || self.too_large
    }

    /// Counts `chunk` against the limit; false when it goes past it (which closes the
    /// accumulator) or the accumulator is closed.
    fn admit(&mut self, chunk: &StreamChunk) -> bool {
        if self.is_closed() {
            return false;
        }
        let size = self.size.saturating_add(chunk.content_len());
        if self.limit.is_some_and(|limit| size > limit) {
            self.too_large = true;
            return false;
        }
        self.size = size;
        true
    }

    /// Folds in one chunk. Returns `false` (and keeps nothing of it) when the accumulator is
    /// closed ([`is_closed`](Accumulator::is_closed): the terminal chunk was already pushed),
    /// or when the chunk would take the content past the limit, which closes it.
    pub fn push(&mut self, chunk: &StreamChunk) -> bool {
        if !self.admit(chunk) {
            return false;
        }
        match chunk {
            StreamChunk::Token(text) => self.text(text.as_str()),
            StreamChunk::Reasoning(text) => self.reasoning(text.as_str()),
            StreamChunk::ReasoningSignature(sig) => self.signature(sig.as_str()),
            StreamChunk::RedactedReasoning(data) => self.redacted(data.as_str()),
            StreamChunk::ToolCallStart(start) => self.start_call(
                start.index,
                start.id.as_deref(),
                start.name.as_str(),
                start.arguments.as_str(),
            ),
            StreamChunk::ToolCallArguments(args) => self.arguments(args.index, &args.fragment),
            StreamChunk::BlockBreak => self.open = Open::Nothing,
            StreamChunk::Done(fin) => self.finish = Some(fin.clone()),
        }
        true
    }

    /// Like [`push`](Accumulator::push), taking the chunk by value (moves its strings instead of
    /// copying them where a new block starts).
    pub fn push_owned(&mut self, chunk: StreamChunk) -> bool {
        if !self.admit(&chunk) {
            return false;
        }
        match chunk {
            StreamChunk::Token(text) => self.text(text),
            StreamChunk::Reasoning(text) => self.reasoning(text),
            StreamChunk::ReasoningSignature(sig) => self.signature(sig),
            StreamChunk::RedactedReasoning(data) => self.redacted(data),
            StreamChunk::ToolCallStart(start) => {
                self.start_call(start.index, start.id, start.name, start.arguments);
            }
            StreamChunk::ToolCallArguments(args) => self.arguments(args.index, &args.fragment),
            StreamChunk::BlockBreak => self.open = Open::Nothing,
            StreamChunk::Done(fin) => self.finish = Some(fin),
        }
        true
    }

    fn text<S: AsRef<str> + Into<String>>(&mut self, text: S) {
        if text.as_ref().is_empty() {
            return;
        }
        if self.open == Open::Text {
            if let Some(PartialBlock::Text(buf)) = self.content.last_mut() {
                buf.push_str(text.as_ref());
                return;
            }
        }
        self.content.push(PartialBlock::Text(text.into()));
        self.open = Open::Text;
    }

    fn reasoning<S: AsRef<str> + Into<String>>(&mut self, text: S) {
        if text.as_ref().is_empty() {
            return;
        }
        if self.open == Open::Thinking {
            if let Some(PartialBlock::Thinking { thinking, .. }) = self.content.last_mut() {
                thinking.push_str(text.as_ref());
                return;
            }
        }
        self.content.push(PartialBlock::Thinking {
            thinking: text.into(),
            signature: None,
        });
        self.open = Open::Thinking;
    }

    fn signature<S: Into<String>>(&mut self, sig: S) {
        let open = core::mem::take(&mut self.open);
        if open == Open::Thinking {
            if let Some(PartialBlock::Thinking { signature, .. }) = self.content.last_mut() {
                *signature = Some(sig.into());
                return;
            }
        }
        self.content.push(PartialBlock::Thinking {
            thinking: String::new(),
            signature: Some(sig.into()),
        });
    }

    fn redacted<S: Into<String>>(&mut self, data: S) {
        self.open = Open::Nothing;
        self.content
            .push(PartialBlock::RedactedThinking { data: data.into() });
    }

    fn start_call<S: AsRef<str> + Into<String>>(
        &mut self,
        index: u32,
        id: Option<S>,
        name: S,
        arguments: S,
    ) {
        self.open = Open::Nothing;
        if let Some(call) = self.call_mut(index) {
            // A second start of one index (no decoder sends one): the first id and name win,
            // the arguments continue.
            if call.name.is_none() {
                call.name = Some(name.into());
                call.id = id.map(Into::into);
            }
            call.raw_arguments.push_str(arguments.as_ref());
            return;
        }
        self.calls.insert(index, self.content.len());
        self.content.push(PartialBlock::ToolCall(PartialToolCall {
            index,
            id: id.map(Into::into),
            name: Some(name.into()),
            raw_arguments: arguments.into(),
        }));
    }

    fn call_mut(&mut self, index: u32) -> Option<&mut PartialToolCall> {
        let pos = *self.calls.get(&index)?;
        match self.content.get_mut(pos) {
            Some(PartialBlock::ToolCall(call)) => Some(call),
            _ => None,
        }
    }

    fn arguments(&mut self, index: u32, fragment: &str) {
        self.open = Open::Nothing;
        match self.call_mut(index) {
            Some(call) => call.raw_arguments.push_str(fragment),
            None => {
                // Fragments of a call nothing started: kept (and reported by `finish`), never
                // dropped.
                self.calls.insert(index, self.content.len());
                self.content.push(PartialBlock::ToolCall(PartialToolCall {
                    index,
                    id: None,
                    name: None,
                    raw_arguments: fragment.into(),
                }));
            }
        }
    }

    /// Ends accumulation: the final message, or why there is none (with the partial message).
    ///
    /// - `Ok(Message)`: the terminal chunk was pushed, the stream ended normally, and every tool
    ///   call is complete: a [`ToolCallStart`](StreamChunk::ToolCallStart) named it and its
    ///   arguments parse as JSON (empty arguments mean `{}`, as in Anthropic's SDK, where a
    ///   `tool_use` block that streamed no JSON keeps its empty input). A call without a
    ///   provider id is complete: its [`ToolCall::id`] is the one the stream derived, or `None`.
    /// - [`AccumulateError::Stream`]: the stream ended with an error.
    /// - [`AccumulateError::TooLarge`]: the content went past the limit of
    ///   [`with_limit`](Accumulator::with_limit) (whatever came after).
    /// - [`AccumulateError::Unfinished`]: no terminal chunk was pushed.
    /// - [`AccumulateError::InvalidToolCall`]: the first tool call, in content order, that no
    ///   start named or whose arguments do not parse (for example cut off by the output token
    ///   limit: the partial message then has finish reason [`FinishReason::Length`]).
    ///
    /// Every error carries the [`PartialMessage`], in which no tool call is parsed.
    pub fn finish(self) -> Result<Message, AccumulateError> {
        if let (true, Some(limit)) = (self.too_large, self.limit) {
            return Err(AccumulateError::TooLarge {
                limit,
                partial: Box::new(PartialMessage::unended(self.content)),
            });
        }
        let Some(fin) = self.finish else {
            return Err(AccumulateError::Unfinished {
                partial: Box::new(PartialMessage::unended(self.content)),
            });
        };
        let fin = *fin;
        let finish_reason = match fin.outcome {
            Ok(reason) => reason,
            Err(ref error) => {
                let error = error.clone();
                return Err(AccumulateError::Stream {
                    error,
                    partial: PartialMessage::ended(fin, self.content),
                });
            }
        };

        // Validate every call before moving anything, so an error can hand back all content.
        let mut parsed = Vec::new();
        for block in &self.content {
            if let PartialBlock::ToolCall(call) = block {
                match complete_arguments(call) {
                    Ok(value) => parsed.push(value),
                    Err(problem) => {
                        return Err(AccumulateError::InvalidToolCall {
                            call: Box::new(call.clone()),
                            problem,
                            partial: PartialMessage::ended(fin, self.content),
                        });
                    }
                }
            }
        }

        let mut parsed = parsed.into_iter();
        let mut content = Vec::with_capacity(self.content.len());
        for block in self.content {
            content.push(match block {
                PartialBlock::Text(text) => ContentBlock::Text(text),
                PartialBlock::Thinking {
                    thinking,
                    signature,
                } => ContentBlock::Thinking {
                    thinking,
                    signature,
                },
                PartialBlock::RedactedThinking { data } => ContentBlock::RedactedThinking { data },
                PartialBlock::ToolCall(call) => ContentBlock::ToolCall(ToolCall {
                    index: call.index,
                    id: call.id,
                    // Checked above: the name is present and the arguments parsed.
                    name: call.name.unwrap_or_default(),
                    arguments: parsed.next().unwrap_or_default(),
                    raw_arguments: call.raw_arguments,
                }),
            });
        }
        Ok(Message {
            provider: fin.provider,
            id: fin.id,
            model: fin.model,
            content,
            finish_reason,
            provider_finish_reason: fin.provider_finish_reason,
            usage: fin.usage,
        })
    }
}

/// Checks a call of a normally ended stream and parses its arguments.
fn complete_arguments(call: &PartialToolCall) -> Result<Value, ToolCallProblem> {
    if call.name.is_none() {
        return Err(ToolCallProblem::MissingName);
    }
    if call.raw_arguments.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_str(&call.raw_arguments).map_err(|e| ToolCallProblem::InvalidArguments {
        message: e.to_string(),
        line: e.line(),
        column: e.column(),
    })
}

impl Extend<StreamChunk> for Accumulator {
    fn extend<I: IntoIterator<Item = StreamChunk>>(&mut self, chunks: I) {
        for chunk in chunks {
            self.push_owned(chunk);
        }
    }
}

impl<'a> Extend<&'a StreamChunk> for Accumulator {
    fn extend<I: IntoIterator<Item = &'a StreamChunk>>(&mut self, chunks: I) {
        for chunk in chunks {
            self.push(chunk);
        }
    }
}

impl Message {
    /// All answer text, the text blocks concatenated.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for block in &self.content {
            if let ContentBlock::Text(text) = block {
                out.push_str(text);
            }
        }
        out
    }

    /// The tool calls, in content order.
    pub fn tool_calls(&self) -> impl Iterator<Item = &ToolCall> {
        self.content.iter().filter_map(|block| match block {
            ContentBlock::ToolCall(call) => Some(call),
            _ => None,
        })
    }
}

impl PartialMessage {
    /// The partial message of a stream whose terminal chunk was not pushed: no metadata.
    fn unended(content: Vec<PartialBlock>) -> Self {
        PartialMessage {
            provider: None,
            id: None,
            model: None,
            finish_reason: None,
            provider_finish_reason: None,
            usage: None,
            content,
        }
    }

    /// The partial message of a stream that did end: metadata from its terminal chunk.
    fn ended(fin: Finish, content: Vec<PartialBlock>) -> Box<Self> {
        Box::new(PartialMessage {
            finish_reason: fin.finish_reason(),
            provider: Some(fin.provider),
            id: fin.id,
            model: fin.model,
            provider_finish_reason: fin.provider_finish_reason,
            usage: fin.usage,
            content,
        })
    }

    /// All answer text received, the text blocks concatenated.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for block in &self.content {
            if let PartialBlock::Text(text) = block {
                out.push_str(text);
            }
        }
        out
    }

    /// The tool calls as streamed (never to be run), in content order.
    pub fn tool_calls(&self) -> impl Iterator<Item = &PartialToolCall> {
        self.content.iter().filter_map(|block| match block {
            PartialBlock::ToolCall(call) => Some(call),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::{ToolCallArguments, ToolCallStart};

    fn start(index: u32, id: &str, name: &str, args: &str) -> StreamChunk {
        StreamChunk::ToolCallStart(ToolCallStart {
            index,
            id: Some(id.into()),
            name: name.into(),
            arguments: args.into(),
        })
    }

    fn fragment(index: u32, args: &str) -> StreamChunk {
        StreamChunk::ToolCallArguments(ToolCallArguments {
            index,
            fragment: args.into(),
        })
    }

    #[test]
    fn tool_call_positions_point_at_their_blocks() {
        let mut acc = Accumulator::new();
        acc.push(&StreamChunk::Token("t".into()));
        acc.push(&start(4, "a", "f", "{"));
        acc.push(&StreamChunk::Reasoning("r".into()));
        acc.push(&start(2, "b", "g", "["));
        acc.push(&fragment(4, "}"));
        assert_eq!(acc.calls.get(&4), Some(&1));
        assert_eq!(acc.calls.get(&2), Some(&3));
        assert_eq!(acc.calls.len(), 2);
        assert_eq!(
            acc.content[1],
            PartialBlock::ToolCall(PartialToolCall {
                index: 4,
                id: Some("a".into()),
                name: Some("f".into()),
                raw_arguments: "{}".into(),
            })
        );
        assert_eq!(acc.open, Open::Nothing);
    }

    #[test]
    fn open_block_state_follows_the_last_content_chunk() {
        let mut acc = Accumulator::new();
        assert_eq!(acc.open, Open::Nothing);
        acc.push(&StreamChunk::Token("a".into()));
        assert_eq!(acc.open, Open::Text);
        acc.push(&StreamChunk::Token(String::new()));
        assert_eq!(acc.open, Open::Text);
        acc.push(&StreamChunk::Reasoning("b".into()));
        assert_eq!(acc.open, Open::Thinking);
        acc.push(&StreamChunk::ReasoningSignature("s".into()));
        assert_eq!(acc.open, Open::Nothing);
        acc.push(&StreamChunk::Reasoning("c".into()));
        acc.push(&StreamChunk::RedactedReasoning("d".into()));
        assert_eq!(acc.open, Open::Nothing);
        assert_eq!(acc.content.len(), 4);
        acc.push(&StreamChunk::Token("e".into()));
        acc.push(&StreamChunk::BlockBreak);
        assert_eq!(acc.open, Open::Nothing);
        acc.push(&StreamChunk::Token("f".into()));
        assert_eq!(acc.content.len(), 6);
    }

    #[test]
    fn problem_and_error_display() {
        assert_eq!(
            ToolCallProblem::MissingName.to_string(),
            "no tool-call start named the call"
        );
        let problem = ToolCallProblem::InvalidArguments {
            message: "trailing characters at line 1 column 3".into(),
            line: 1,
            column: 3,
        };
        let call = |id: Option<&str>, name: Option<&str>| AccumulateError::InvalidToolCall {
            call: Box::new(PartialToolCall {
                index: 7,
                id: id.map(Into::into),
                name: name.map(Into::into),
                raw_arguments: "{}x".into(),
            }),
            problem: problem.clone(),
            partial: Box::new(PartialMessage {
                provider: None,
                id: None,
                model: None,
                finish_reason: None,
                provider_finish_reason: None,
                usage: None,
                content: Vec::new(),
            }),
        };
        assert_eq!(
            call(None, Some("f")).to_string(),
            "tool call 7 (name f): arguments are not valid JSON: \
             trailing characters at line 1 column 3"
        );
        assert_eq!(
            call(None, None).to_string(),
            "tool call 7: arguments are not valid JSON: trailing characters at line 1 column 3"
        );
    }

    #[test]
    fn complete_arguments_parses_and_reports_position() {
        let call = |raw: &str| PartialToolCall {
            index: 0,
            id: Some("i".into()),
            name: Some("n".into()),
            raw_arguments: raw.into(),
        };
        assert_eq!(complete_arguments(&call("")), Ok(Value::Object(Map::new())));
        assert_eq!(complete_arguments(&call(" 42 ")), Ok(Value::from(42)));
        assert_eq!(
            complete_arguments(&call("{\n\"a\" 1}")),
            Err(ToolCallProblem::InvalidArguments {
                message: "expected `:` at line 2 column 5".into(),
                line: 2,
                column: 5,
            })
        );
    }
}
