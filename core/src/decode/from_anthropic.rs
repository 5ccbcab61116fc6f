//! The Anthropic Messages stream rules.
//!
//! Anthropic streams a typed taxonomy of events: `message_start`, then for every content block a
//! `content_block_start`, any number of `content_block_delta`s and a `content_block_stop`, then
//! `message_delta` (stop reason, cumulative usage) and `message_stop`. `ping` may appear anywhere;
//! an `error` event ends the stream.
//!
//! # Dispatch
//!
//! The JSON `type` of each event's data is authoritative; the SSE event name is only a hint that
//! picks the struct to deserialize into, so the hot path (`content_block_delta`) costs one parse
//! into borrowed structs. The parsed `type` is then checked against the hint, and when they differ
//! (or the data does not fit the hinted struct) the event is re-dispatched on its JSON `type`.
//! Events named `message` (no `event:` field) or with an unknown name are probed for their `type`
//! first. The only allocation per text delta is the token's `String`: the delta's text stays raw
//! JSON (a borrowed `RawValue`) until it is unescaped straight into that `String`, so escapes
//! cost no scratch buffer either.
//!
//! # Decisions on malformed or unusual streams
//!
//! - Content (`content_block_*`, `message_delta`, `message_stop`) before `message_start` is
//!   `invalid_event`. A second `message_start` after content or with another id is
//!   `invalid_event`; an identical repeat before any content is ignored.
//! - Undecodable JSON, a missing `type` or a missing required field is `invalid_event` naming the
//!   event (`invalid content_block_delta event: ...`). Events with an unknown SSE name whose data is
//!   not an Anthropic event are ignored (forward compatibility), as are unknown JSON `type`s.
//! - A `content_block_delta` or `content_block_stop` for a block index that was never started (or
//!   a delta after its block's stop, or a second start of one index) is `invalid_event`: the
//!   decoder cannot tell whether such bytes are answer text or tool-call JSON, and guessing could
//!   show tool JSON to a user or drop text silently.
//! - A known delta type on a block of the wrong kind (`text_delta` on a `tool_use` block, ...) is
//!   `invalid_event` for the same reason. Blocks of unknown or server-executed types
//!   (`server_tool_use`, `web_search_tool_result`, `mcp_tool_use`, ...) accept every delta and
//!   produce nothing but a [`StreamChunk::BlockBreak`](crate::StreamChunk::BlockBreak) when they
//!   start after content, so text before and after them stays two paragraphs.
//!   `citations_delta` and unknown delta types produce nothing.
//! - A `tool_use` block without a `name` is `invalid_event`: no client could run it.
//! - A `tool_use` block that streamed no (non-empty) `partial_json` gets one piece with arguments
//!   `{}` at its `content_block_stop` — or the compact JSON of the block's `input` when that was a
//!   non-empty object. When `message_stop` arrives while such a block is still open, the piece is
//!   emitted before the terminal chunk (the stream completed, so the call is complete). When the
//!   stream ends in an error instead, nothing is made up: the call stays partial.
//! - `message_stop` without any `stop_reason` ends with finish reason `other` and no
//!   `provider_finish_reason`.
//! - Usage counts replace earlier ones field by field (Anthropic reports cumulative counts); a
//!   `null` count is treated as not reported.
//! - `message_delta.delta.stop_sequence` is validated but not carried: the wire contract has no
//!   field for the matched sequence (the finish reason says `stop_sequence`).
//! - An `error` event whose `error` object lacks `message` ends with an empty message; one without
//!   `error.type` is `invalid_event`.
//! - Anthropic sends no `data: [DONE]`; one from a proxy before `message_stop` ends the stream
//!   as `incomplete_stream` (the [`Decoder`](super::Decoder) handles the sentinel for every
//!   provider).

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use core::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;
use smallvec::SmallVec;

use crate::chunk::{FinishReason, StreamError, StreamErrorKind, Usage};
use crate::sse::Event;

use super::json::{compact, string_from_raw};
use super::{At, Emitter, ProviderRules};

/// The Anthropic Messages protocol (see the module docs).
#[derive(Debug, Clone, Default)]
pub(super) struct Anthropic {
    /// `message_start` has been seen.
    started: bool,
    /// Some content event has been seen since `message_start`.
    content_seen: bool,
    /// The content blocks started so far, in order; the first two (a text block, or thinking
    /// and then text) inside the decoder, not in a heap buffer looked at on every delta.
    blocks: SmallVec<[Block; 2]>,
}

/// One content block of the message, by the provider's block index.
#[derive(Debug, Clone)]
struct Block {
    index: u32,
    kind: BlockKind,
    open: bool,
}

#[derive(Debug, Clone)]
enum BlockKind {
    Text,
    Thinking,
    RedactedThinking,
    Tool {
        /// The stream's tool-call index.
        call: u32,
        /// A non-empty `partial_json` fragment has been emitted.
        streamed: bool,
        /// The compact JSON of a non-empty `input` object from `content_block_start`.
        input: Option<String>,
    },
    /// Server-executed tool blocks and their results, and unknown block types: no output.
    Ignored,
}

/// The Anthropic event types this decoder understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    MessageStart,
    ContentBlockStart,
    ContentBlockDelta,
    ContentBlockStop,
    MessageDelta,
    MessageStop,
    Ping,
    Error,
}

impl Kind {
    fn from_name(name: &str) -> Option<Kind> {
        Some(match name {
            "content_block_delta" => Kind::ContentBlockDelta,
            "message_start" => Kind::MessageStart,
            "content_block_start" => Kind::ContentBlockStart,
            "content_block_stop" => Kind::ContentBlockStop,
            "message_delta" => Kind::MessageDelta,
            "message_stop" => Kind::MessageStop,
            "ping" => Kind::Ping,
            "error" => Kind::Error,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Kind::MessageStart => "message_start",
            Kind::ContentBlockStart => "content_block_start",
            Kind::ContentBlockDelta => "content_block_delta",
            Kind::ContentBlockStop => "content_block_stop",
            Kind::MessageDelta => "message_delta",
            Kind::MessageStop => "message_stop",
            Kind::Ping => "ping",
            Kind::Error => "error",
        }
    }

    /// Events that carry or end the message's content and so require `message_start` first.
    fn is_content(self) -> bool {
        !matches!(self, Kind::MessageStart | Kind::Ping | Kind::Error)
    }
}

/// How an event's kind was determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// From the SSE event name: the JSON `type` still has to be checked.
    Hint,
    /// From the JSON `type` itself.
    Type,
}

// ---- wire structs (borrowed; `Cow` because JSON strings with escapes must be unescaped) ----

#[derive(Deserialize)]
struct TypeOnly<'a> {
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
}

#[derive(Deserialize)]
struct MessageStartEvent<'a> {
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
    #[serde(borrow)]
    message: MessageStartBody<'a>,
}

#[derive(Deserialize)]
struct MessageStartBody<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    model: Cow<'a, str>,
    #[serde(default)]
    usage: Option<UsageIn>,
}

#[derive(Deserialize, Default)]
struct UsageIn {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

/// `content_block_start`, first parsed with only the block's type, then again with the fields
/// of that type (so an unknown block type with unexpected fields never fails).
#[derive(Deserialize)]
struct BlockStartEvent<B> {
    #[serde(rename = "type")]
    ty: String,
    index: u32,
    content_block: B,
}

#[derive(Deserialize)]
struct BlockTypeOnly<'a> {
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
}

#[derive(Deserialize)]
struct TextBlock<'a> {
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ThinkingBlock<'a> {
    #[serde(borrow, default)]
    thinking: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    signature: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RedactedThinkingBlock<'a> {
    #[serde(borrow)]
    data: Cow<'a, str>,
}

#[derive(Deserialize)]
struct ToolUseBlock<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    input: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct BlockDeltaEvent<'a> {
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
    index: u32,
    #[serde(borrow)]
    delta: Delta<'a>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
    // The hot fields stay raw JSON: `string_from_raw` unescapes them straight into the chunk's
    // String.
    #[serde(borrow, default)]
    text: Option<&'a RawValue>,
    #[serde(borrow, default)]
    partial_json: Option<&'a RawValue>,
    #[serde(borrow, default)]
    thinking: Option<&'a RawValue>,
    #[serde(borrow, default)]
    signature: Option<Cow<'a, str>>,
}

/// The fallback parse of a `content_block_delta` whose delta did not fit [`Delta`]: only the
/// delta's type, to tell an unknown delta type (ignored) from a broken known one.
#[derive(Deserialize)]
struct BlockDeltaTypeOnly<'a> {
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
    index: u32,
    #[serde(borrow)]
    delta: BlockTypeOnly<'a>,
}

#[derive(Deserialize)]
struct BlockStopEvent<'a> {
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
    index: u32,
}

#[derive(Deserialize)]
struct MessageDeltaEvent<'a> {
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
    #[serde(borrow)]
    delta: MessageDeltaBody<'a>,
    #[serde(default)]
    usage: Option<UsageIn>,
}

#[derive(Deserialize)]
struct MessageDeltaBody<'a> {
    #[serde(borrow, default)]
    stop_reason: Option<Cow<'a, str>>,
    // Parsed to validate it; the wire contract has no field for the matched sequence.
    #[serde(borrow, default)]
    #[allow(dead_code)]
    stop_sequence: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ErrorEvent<'a> {
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
    #[serde(borrow)]
    error: ErrorBody<'a>,
}

#[derive(Deserialize)]
struct ErrorBody<'a> {
    #[serde(borrow, rename = "type")]
    ty: Cow<'a, str>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

/// Types whose JSON `type` field is checked against the dispatch hint.
trait Typed {
    fn ty(&self) -> &str;
}

macro_rules! typed {
    ($($t:ident),*) => {$(
        impl Typed for $t<'_> {
            fn ty(&self) -> &str {
                &self.ty
            }
        }
    )*};
}
typed!(
    TypeOnly,
    MessageStartEvent,
    BlockDeltaEvent,
    BlockStopEvent,
    MessageDeltaEvent,
    ErrorEvent
);

impl<B> Typed for BlockStartEvent<B> {
    fn ty(&self) -> &str {
        &self.ty
    }
}

/// Maps Anthropic's `stop_reason` to the unified finish reason (the provider table's).
fn finish_reason(stop_reason: &str) -> FinishReason {
    crate::Provider::Anthropic.spec().finish_reason(stop_reason)
}

impl Anthropic {
    /// Ends the stream with `invalid_event`, naming the event.
    fn invalid(&mut self, out: &mut Emitter, kind: &str, detail: impl fmt::Display) {
        out.fail_with(
            StreamErrorKind::InvalidEvent,
            format!("invalid {kind} event: {detail}"),
        );
    }

    /// Decodes `data` as an event of `kind`.
    fn decode_kind(&mut self, out: &mut Emitter, kind: Kind, data: &str, source: Source) {
        if kind.is_content() && !self.started {
            // Only when the JSON agrees that this is content (a hint alone is not enough).
            if source == Source::Type || probe_type(data).as_deref() == Some(kind.name()) {
                self.invalid(out, kind.name(), "received before message_start");
            } else {
                self.redispatch(out, kind, data, None);
            }
            return;
        }
        match kind {
            Kind::ContentBlockDelta => self.on_block_delta(out, data, source),
            Kind::MessageStart => self.on_message_start(out, data, source),
            Kind::ContentBlockStart => self.on_block_start(out, data, source),
            Kind::ContentBlockStop => self.on_block_stop(out, data, source),
            Kind::MessageDelta => self.on_message_delta(out, data, source),
            Kind::MessageStop => self.on_message_stop(out, data, source),
            Kind::Ping => {
                let _ = self.parse::<TypeOnly<'_>>(out, Kind::Ping, data, source);
            }
            Kind::Error => self.on_error(out, data, source),
        }
    }

    /// Parses `data` as `T` for an event of `kind`. Returns `None` when the event was handled
    /// otherwise: re-dispatched on its JSON `type`, ignored as an unknown type, or reported as
    /// `invalid_event`.
    fn parse<'a, T: Deserialize<'a> + Typed>(
        &mut self,
        out: &mut Emitter,
        kind: Kind,
        data: &'a str,
        source: Source,
    ) -> Option<T> {
        match serde_json::from_str::<T>(data) {
            Ok(parsed) if parsed.ty() == kind.name() => {
                out.recognized();
                Some(parsed)
            }
            Ok(_) if source == Source::Type => {
                self.invalid(out, kind.name(), "conflicting `type`");
                None
            }
            Ok(parsed) => {
                // The JSON type disagrees with the SSE event name: the JSON wins.
                let ty = String::from(parsed.ty());
                self.redispatch(out, kind, data, Some(&ty));
                None
            }
            Err(err) => {
                if source == Source::Hint {
                    match probe_type(data) {
                        Some(ty) if ty != kind.name() => {
                            self.redispatch(out, kind, data, Some(&ty));
                            return None;
                        }
                        _ => {}
                    }
                }
                self.invalid(out, kind.name(), err);
                None
            }
        }
    }

    /// Dispatches `data` on its JSON `type` (`ty`, or probed when `None`) after the hint `kind`
    /// turned out wrong.
    fn redispatch(&mut self, out: &mut Emitter, kind: Kind, data: &str, ty: Option<&str>) {
        let probed;
        let ty = match ty {
            Some(ty) => ty,
            None => match probe_type(data) {
                Some(t) => {
                    probed = t;
                    &probed
                }
                None => return self.invalid(out, kind.name(), type_error(data)),
            },
        };
        match Kind::from_name(ty) {
            Some(actual) if actual != kind => self.decode_kind(out, actual, data, Source::Type),
            Some(_) => self.invalid(out, kind.name(), "malformed event"),
            // An unknown event type, whatever the SSE name said: ignored.
            None => {}
        }
    }

    fn on_message_start(&mut self, out: &mut Emitter, data: &str, source: Source) {
        let Some(ev) = self.parse::<MessageStartEvent<'_>>(out, Kind::MessageStart, data, source)
        else {
            return;
        };
        let msg = ev.message;
        if self.started {
            if self.content_seen {
                return self.invalid(out, "message_start", "a second message_start after content");
            }
            if out.id.as_deref() != Some(&*msg.id) {
                return self.invalid(
                    out,
                    "message_start",
                    format_args!("a second message_start with another id ({})", msg.id),
                );
            }
            // An identical repeat before any content: ignored.
            return;
        }
        self.started = true;
        out.id = Some(msg.id.into_owned());
        out.model = Some(msg.model.into_owned());
        if let Some(usage) = msg.usage {
            self.merge_usage(out, usage);
        }
    }

    fn on_block_start(&mut self, out: &mut Emitter, data: &str, source: Source) {
        let Some(head) = self.parse::<BlockStartEvent<BlockTypeOnly<'_>>>(
            out,
            Kind::ContentBlockStart,
            data,
            source,
        ) else {
            return;
        };
        self.content_seen = true;
        let index = head.index;
        if self.block_pos(index).is_some() {
            return self.invalid(
                out,
                "content_block_start",
                format_args!("block index {index} was already started"),
            );
        }
        let kind = match &*head.content_block.ty {
            "text" => {
                let Some(ev) = self.parse_block::<TextBlock<'_>>(out, data) else {
                    return;
                };
                if let Some(text) = ev.text {
                    out.token(text);
                }
                BlockKind::Text
            }
            "tool_use" => {
                let Some(ev) = self.parse_block::<ToolUseBlock<'_>>(out, data) else {
                    return;
                };
                if ev.name.is_empty() {
                    // A client cannot run a tool without a name, and its arguments must not be
                    // shown as anything else.
                    return self.invalid(out, "content_block_start", "tool_use without a name");
                }
                let input = match ev.input.map(compact).transpose() {
                    Err(err) => return self.invalid(out, "content_block_start", err),
                    Ok(None) => None,
                    Ok(Some(json)) if json == "{}" || json == "null" => None,
                    Ok(Some(json)) if json.starts_with('{') => Some(json),
                    Ok(Some(_)) => {
                        return self.invalid(
                            out,
                            "content_block_start",
                            "tool_use input is not an object",
                        );
                    }
                };
                let call = out.start_tool_call(
                    Some(ev.id.into_owned()),
                    ev.name.into_owned(),
                    String::new(),
                );
                BlockKind::Tool {
                    call,
                    streamed: false,
                    input,
                }
            }
            "thinking" => {
                let Some(ev) = self.parse_block::<ThinkingBlock<'_>>(out, data) else {
                    return;
                };
                if let Some(thinking) = ev.thinking {
                    out.reasoning(thinking);
                }
                if let Some(signature) = ev.signature {
                    out.reasoning_signature(signature);
                }
                BlockKind::Thinking
            }
            "redacted_thinking" => {
                let Some(ev) = self.parse_block::<RedactedThinkingBlock<'_>>(out, data) else {
                    return;
                };
                out.redacted_reasoning(ev.data);
                BlockKind::RedactedThinking
            }
            // `server_tool_use`, `web_search_tool_result`, `web_fetch_tool_result`,
            // `code_execution_tool_result`, `mcp_tool_use`, `mcp_tool_result`, ... are run by
            // the provider: the client must not run them, so they produce nothing. Unknown
            // block types are ignored the same way. Text before and after them is two
            // paragraphs, though: a block break says so.
            _ => {
                out.block_break();
                BlockKind::Ignored
            }
        };
        self.blocks.push(Block {
            index,
            kind,
            open: true,
        });
    }

    /// Parses a `content_block_start` again with the fields of its block type.
    fn parse_block<'a, B: Deserialize<'a>>(
        &mut self,
        out: &mut Emitter,
        data: &'a str,
    ) -> Option<B> {
        match serde_json::from_str::<BlockStartEvent<B>>(data) {
            Ok(ev) => Some(ev.content_block),
            Err(err) => {
                self.invalid(out, "content_block_start", err);
                None
            }
        }
    }

    fn on_block_delta(&mut self, out: &mut Emitter, data: &str, source: Source) {
        let ev = match serde_json::from_str::<BlockDeltaEvent<'_>>(data) {
            Ok(ev) if ev.ty == "content_block_delta" => ev,
            _ => return self.on_block_delta_slow(out, data, source),
        };
        out.recognized();
        self.content_seen = true;
        let index = ev.index;
        let Some(pos) = self.open_block(out, "content_block_delta", index) else {
            return;
        };
        let block = &mut self.blocks[pos];
        let delta = ev.delta;
        let missing = match (&*delta.ty, &mut block.kind) {
            ("text_delta", BlockKind::Text) => match delta.text.map(string_from_raw) {
                Some(Ok(text)) => return out.token(text),
                Some(Err(err)) => return self.invalid(out, "content_block_delta", err),
                None => "text",
            },
            ("input_json_delta", BlockKind::Tool { call, streamed, .. }) => {
                match delta.partial_json.map(string_from_raw) {
                    Some(Ok(json)) => {
                        // An empty fragment produces no frame and does not count as streamed.
                        if !json.is_empty() {
                            *streamed = true;
                            let call = *call;
                            out.tool_arguments(call, json);
                        }
                        return;
                    }
                    Some(Err(err)) => return self.invalid(out, "content_block_delta", err),
                    None => "partial_json",
                }
            }
            ("thinking_delta", BlockKind::Thinking) => match delta.thinking.map(string_from_raw) {
                Some(Ok(thinking)) => return out.reasoning(thinking),
                Some(Err(err)) => return self.invalid(out, "content_block_delta", err),
                None => "thinking",
            },
            ("signature_delta", BlockKind::Thinking) => match delta.signature {
                Some(signature) => return out.reasoning_signature(signature),
                None => "signature",
            },
            // Server-executed and unknown blocks: every delta is ignored.
            (_, BlockKind::Ignored) => return,
            (ty, kind) if is_known_delta(ty) => {
                let kind = kind.name();
                return self.invalid(
                    out,
                    "content_block_delta",
                    format_args!("{ty} on {kind} block index {index}"),
                );
            }
            // `citations_delta` (citation metadata for a text block) and unknown delta types.
            _ => return,
        };
        self.invalid(
            out,
            "content_block_delta",
            format_args!("{} without `{missing}`", delta.ty),
        );
    }

    /// A `content_block_delta` that did not parse as [`BlockDeltaEvent`] (or whose JSON `type` is
    /// something else): an unknown delta type whose fields differ from ours is ignored; anything
    /// else is re-dispatched or reported by [`parse`](Self::parse).
    #[cold]
    fn on_block_delta_slow(&mut self, out: &mut Emitter, data: &str, source: Source) {
        if let Ok(probe) = serde_json::from_str::<BlockDeltaTypeOnly<'_>>(data) {
            if probe.ty == "content_block_delta" && !is_known_delta(&probe.delta.ty) {
                // Ignored like every unknown delta type, once its block index checks out.
                out.recognized();
                self.content_seen = true;
                let _ = self.open_block(out, "content_block_delta", probe.index);
                return;
            }
        }
        let _ = self.parse::<BlockDeltaEvent<'_>>(out, Kind::ContentBlockDelta, data, source);
    }

    fn on_block_stop(&mut self, out: &mut Emitter, data: &str, source: Source) {
        let Some(ev) = self.parse::<BlockStopEvent<'_>>(out, Kind::ContentBlockStop, data, source)
        else {
            return;
        };
        self.content_seen = true;
        if let Some(pos) = self.open_block(out, "content_block_stop", ev.index) {
            self.close_block(out, pos);
        }
    }

    /// The position of the open block `index`; reports `invalid_event` for `event` when that
    /// block was never started or has already stopped.
    fn open_block(&mut self, out: &mut Emitter, event: &str, index: u32) -> Option<usize> {
        match self.block_pos(index) {
            Some(pos) if self.blocks[pos].open => Some(pos),
            Some(_) => {
                self.invalid(
                    out,
                    event,
                    format_args!("block index {index} has already stopped"),
                );
                None
            }
            None => {
                self.invalid(
                    out,
                    event,
                    format_args!("block index {index} was never started"),
                );
                None
            }
        }
    }

    /// Marks the block at `pos` stopped; a tool call that streamed no JSON gets its arguments.
    fn close_block(&mut self, out: &mut Emitter, pos: usize) {
        let block = &mut self.blocks[pos];
        block.open = false;
        if let BlockKind::Tool {
            call,
            streamed: false,
            input,
        } = &mut block.kind
        {
            let call = *call;
            match input.take() {
                Some(json) => out.tool_arguments(call, json),
                None => out.tool_arguments(call, "{}"),
            }
        }
    }

    fn on_message_delta(&mut self, out: &mut Emitter, data: &str, source: Source) {
        let Some(ev) = self.parse::<MessageDeltaEvent<'_>>(out, Kind::MessageDelta, data, source)
        else {
            return;
        };
        self.content_seen = true;
        if let Some(reason) = ev.delta.stop_reason {
            out.provider_finish_reason = Some(reason.into_owned());
        }
        if let Some(usage) = ev.usage {
            self.merge_usage(out, usage);
        }
    }

    fn on_message_stop(&mut self, out: &mut Emitter, data: &str, source: Source) {
        if self
            .parse::<TypeOnly<'_>>(out, Kind::MessageStop, data, source)
            .is_none()
        {
            return;
        }
        self.complete(out);
        let reason = match out.provider_finish_reason.as_deref() {
            Some(raw) => finish_reason(raw),
            None => FinishReason::Other,
        };
        out.finish(reason);
    }

    fn on_error(&mut self, out: &mut Emitter, data: &str, source: Source) {
        let Some(ev) = self.parse::<ErrorEvent<'_>>(out, Kind::Error, data, source) else {
            return;
        };
        let message = ev.error.message.map(Cow::into_owned).unwrap_or_default();
        out.fail(StreamError::new(
            StreamErrorKind::Provider(ev.error.ty.into_owned()),
            message,
        ));
    }

    /// Replaces every count `usage` reports.
    fn merge_usage(&mut self, out: &mut Emitter, usage: UsageIn) {
        let UsageIn {
            input_tokens,
            output_tokens,
            cache_creation_input_tokens,
            cache_read_input_tokens,
        } = usage;
        if input_tokens.is_none()
            && output_tokens.is_none()
            && cache_creation_input_tokens.is_none()
            && cache_read_input_tokens.is_none()
        {
            return;
        }
        let total = out.usage.get_or_insert_with(Usage::default);
        if let Some(n) = input_tokens {
            total.input_tokens = n;
        }
        if let Some(n) = output_tokens {
            total.output_tokens = n;
        }
        if cache_creation_input_tokens.is_some() {
            total.cache_creation_input_tokens = cache_creation_input_tokens;
        }
        if cache_read_input_tokens.is_some() {
            total.cache_read_input_tokens = cache_read_input_tokens;
        }
    }

    /// The position in `blocks` of the block with provider index `index`.
    fn block_pos(&self, index: u32) -> Option<usize> {
        // Blocks are normally numbered 0, 1, 2, ...: try the direct position first.
        let direct = usize::try_from(index).ok()?;
        if self.blocks.get(direct).is_some_and(|b| b.index == index) {
            return Some(direct);
        }
        self.blocks.iter().rposition(|b| b.index == index)
    }
}

impl BlockKind {
    fn name(&self) -> &'static str {
        match self {
            BlockKind::Text => "text",
            BlockKind::Thinking => "thinking",
            BlockKind::RedactedThinking => "redacted_thinking",
            BlockKind::Tool { .. } => "tool_use",
            BlockKind::Ignored => "ignored",
        }
    }
}

fn is_known_delta(ty: &str) -> bool {
    matches!(
        ty,
        "text_delta" | "input_json_delta" | "thinking_delta" | "signature_delta"
    )
}

/// The JSON `type` of `data`, if it is a JSON object with a string `type`.
fn probe_type(data: &str) -> Option<String> {
    serde_json::from_str::<TypeOnly<'_>>(data)
        .ok()
        .map(|t| t.ty.into_owned())
}

/// Why `data` has no JSON `type` (for error messages).
fn type_error(data: &str) -> String {
    match serde_json::from_str::<TypeOnly<'_>>(data) {
        Err(err) => format!("{err}"),
        Ok(_) => String::from("malformed event"),
    }
}

impl ProviderRules for Anthropic {
    fn event(&mut self, event: &Event<'_>, out: &mut Emitter) {
        if let Some(kind) = Kind::from_name(event.event) {
            return self.decode_kind(out, kind, event.data, Source::Hint);
        }
        // No usable hint: the event is named `message` (no `event:` field) or something unknown.
        match probe_type(event.data) {
            Some(ty) => {
                if let Some(kind) = Kind::from_name(&ty) {
                    self.decode_kind(out, kind, event.data, Source::Type);
                }
                // An unknown type: ignored.
            }
            None if event.event == "message" => {
                self.invalid(out, "message", type_error(event.data));
            }
            // Some other provider's or proxy's event that is not an Anthropic event: ignored.
            None => {}
        }
    }

    fn verdict(&self, at: At) -> Result<FinishReason, &'static str> {
        // `message_stop` ends the stream in-band: at any other end, it is missing.
        Err(match (at, self.started) {
            (At::EndOfInput, true) => "stream ended before message_stop",
            (At::EndOfInput, false) => "stream ended before message_start",
            (At::Sentinel, true) => "data: [DONE] arrived before message_stop",
            (At::Sentinel, false) => "data: [DONE] arrived before message_start",
        })
    }

    fn complete(&mut self, out: &mut Emitter) {
        // Blocks left open when the message is complete are closed, so a tool call that
        // streamed nothing still gets valid JSON arguments.
        for pos in 0..self.blocks.len() {
            if self.blocks[pos].open {
                self.close_block(out, pos);
            }
        }
    }
}

/// True for the JSON `type`s of Anthropic's stream events.
pub(super) fn is_event_type(ty: &str) -> bool {
    Kind::from_name(ty).is_some()
}
