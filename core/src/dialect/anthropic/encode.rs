//! The stream: chunks out as a Messages event stream ([`Encoder`]).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use serde::Serialize;

use crate::chunk::{Finish, StreamChunk, StreamError, StreamErrorKind};

use crate::dialect::error::AnthropicErrorObject;
use crate::dialect::{EmptyArray, EmptyObject, ResponseMeta, client_tool_call_id, write_json};

use super::{UsageOut, stop_reason_of};

/// Re-encodes a normalized chunk stream as an Anthropic Messages event stream (see the [module
/// docs](super)).
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
