//! The stream: chunks out as a `chat.completion.chunk` stream ([`Encoder`]).

use alloc::vec::Vec;

use serde::Serialize;

use crate::chunk::{Finish, StreamChunk, StreamError};

#[cfg(doc)]
use crate::dialect::DialectRequest;
use crate::dialect::error::OpenAiErrorObject;
use crate::dialect::{ResponseMeta, client_tool_call_id, write_json};

use super::{UsageOut, finish_reason};

/// The sentinel event that ends every stream.
const DONE: &[u8] = b"data: [DONE]\n\n";

/// Re-encodes a normalized chunk stream as a Chat Completions stream (see the [module
/// docs](super)).
///
/// [`push`](Encoder::push) every chunk in order; the terminal chunk writes the end of the stream
/// and `data: [DONE]`. Should the chunk stream stop without its terminal chunk,
/// [`finish`](Encoder::finish) ends the output with an `incomplete_stream` error. Nothing is
/// written after the end.
///
/// ```
/// use llm_sse_core::dialect::{openai, ResponseMeta};
/// use llm_sse_core::{StreamChunk, ToolCallStart};
///
/// let mut encoder = openai::Encoder::new(ResponseMeta::new("chatcmpl-1", "m", 7), false);
/// let mut out = Vec::new();
/// encoder.push(&StreamChunk::ToolCallStart(ToolCallStart {
///     index: 0,
///     id: None,
///     name: "get_weather".into(),
///     arguments: String::new(),
/// }), &mut out);
/// let out = String::from_utf8(out).unwrap();
/// assert!(out.ends_with(concat!(
///     r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":7,"model":"m","#,
///     r#""choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_chatcmpl-1_0","#,
///     r#""type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}"#,
///     "\n\n",
/// )));
/// ```
#[derive(Debug, Clone)]
pub struct Encoder {
    meta: ResponseMeta,
    include_usage: bool,
    /// The role chunk has been written.
    started: bool,
    /// The end of the stream has been written.
    done: bool,
    /// The stream indexes of the tool calls started, in order: a call's position is its
    /// `index` on the wire.
    calls: Vec<u32>,
}

impl Encoder {
    /// An encoder for one response. `include_usage`: the client asked for
    /// `stream_options.include_usage` ([`DialectRequest::include_usage`]).
    pub fn new(meta: ResponseMeta, include_usage: bool) -> Self {
        Encoder {
            meta,
            include_usage,
            started: false,
            done: false,
            calls: Vec::new(),
        }
    }

    /// True once the end of the stream (and `data: [DONE]`) has been written.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Appends what `chunk` becomes to `out` (possibly nothing) and returns the number of bytes
    /// appended. After the end of the stream, nothing.
    pub fn push(&mut self, chunk: &StreamChunk, out: &mut Vec<u8>) -> usize {
        let start = out.len();
        if self.done {
            return 0;
        }
        match chunk {
            StreamChunk::Token(text) if !text.is_empty() => {
                self.delta(
                    Delta {
                        content: Some(text),
                        ..Delta::default()
                    },
                    out,
                );
            }
            StreamChunk::Reasoning(text) if !text.is_empty() => {
                self.delta(
                    Delta {
                        reasoning_content: Some(text),
                        ..Delta::default()
                    },
                    out,
                );
            }
            StreamChunk::ToolCallStart(call) => match self.position(call.index) {
                // A second start of one call (no decoder sends one): its arguments continue.
                Some(position) => self.arguments(position, &call.arguments, out),
                None => {
                    let position = wire_index(self.calls.len());
                    self.calls.push(call.index);
                    let id = client_tool_call_id(call.id.as_deref(), &self.meta.id, call.index);
                    let piece = ToolCallPiece {
                        index: position,
                        id: Some(&id),
                        kind: Some("function"),
                        function: FunctionPiece {
                            name: Some(&call.name),
                            arguments: &call.arguments,
                        },
                    };
                    self.delta(
                        Delta {
                            tool_calls: Some([piece]),
                            ..Delta::default()
                        },
                        out,
                    );
                }
            },
            StreamChunk::ToolCallArguments(args) => {
                // Arguments of a call never started (no decoder sends them) are not sent: no
                // client could run that call.
                if let Some(position) = self.position(args.index) {
                    self.arguments(position, &args.fragment, out);
                }
            }
            StreamChunk::Done(finish) => self.end(finish, out),
            // Empty text, signatures, redacted reasoning, block breaks: no field.
            _ => {}
        }
        out.len() - start
    }

    /// Ends the output when the chunk stream stopped without its terminal chunk: an
    /// `incomplete_stream` error, then `data: [DONE]`. Does nothing after the end. Returns the
    /// number of bytes appended.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> usize {
        if self.done {
            return 0;
        }
        let start = out.len();
        let error = StreamError::new(
            crate::chunk::StreamErrorKind::IncompleteStream,
            "the stream ended without its terminal chunk",
        );
        self.error(&error, None, out);
        out.len() - start
    }

    /// Appends an SSE comment (`: ping`), which keeps a quiet connection open and which every
    /// client ignores. Nothing after the end.
    pub fn keepalive(&self, out: &mut Vec<u8>) {
        if !self.done {
            out.extend_from_slice(b": ping\n\n");
        }
    }

    fn position(&self, index: u32) -> Option<u32> {
        self.calls.iter().position(|&i| i == index).map(wire_index)
    }

    fn arguments(&mut self, position: u32, fragment: &str, out: &mut Vec<u8>) {
        if fragment.is_empty() {
            return;
        }
        let piece = ToolCallPiece {
            index: position,
            id: None,
            kind: None,
            function: FunctionPiece {
                name: None,
                arguments: fragment,
            },
        };
        self.delta(
            Delta {
                tool_calls: Some([piece]),
                ..Delta::default()
            },
            out,
        );
    }

    /// Writes the role chunk before the first output.
    fn start(&mut self, out: &mut Vec<u8>) {
        if self.started {
            return;
        }
        self.started = true;
        let delta = Delta {
            role: Some("assistant"),
            content: Some(""),
            ..Delta::default()
        };
        self.write(&[Choice::new(delta, None)], None, None, out);
    }

    fn delta(&mut self, delta: Delta<'_>, out: &mut Vec<u8>) {
        self.start(out);
        self.write(&[Choice::new(delta, None)], None, None, out);
    }

    fn end(&mut self, finish: &Finish, out: &mut Vec<u8>) {
        let usage = if self.include_usage {
            finish
                .usage
                .as_ref()
                .map(|u| UsageOut::new(finish.provider, u))
        } else {
            None
        };
        match &finish.outcome {
            Ok(reason) => {
                self.start(out);
                let choice = Choice::new(Delta::default(), Some(finish_reason(*reason)));
                self.write(&[choice], None, None, out);
                if usage.is_some() {
                    self.write(&[], usage, None, out);
                }
                out.extend_from_slice(DONE);
                self.done = true;
            }
            Err(error) => self.error(error, usage, out),
        }
    }

    fn error(&mut self, error: &StreamError, usage: Option<UsageOut>, out: &mut Vec<u8>) {
        let object = OpenAiErrorObject {
            message: &error.message,
            kind: error.error_type(),
            param: None,
            code: None,
        };
        self.write(&[], usage, Some(object), out);
        out.extend_from_slice(DONE);
        self.done = true;
    }

    /// Writes one `data:` event.
    fn write(
        &self,
        choices: &[Choice<'_>],
        usage: Option<UsageOut>,
        error: Option<OpenAiErrorObject<'_>>,
        out: &mut Vec<u8>,
    ) {
        out.extend_from_slice(b"data: ");
        write_json(
            &ChunkOut {
                id: &self.meta.id,
                object: "chat.completion.chunk",
                created: self.meta.created,
                model: &self.meta.model,
                choices,
                usage,
                error,
            },
            out,
        );
        out.extend_from_slice(b"\n\n");
    }
}

/// A tool call's wire `index` from its position (a stream never has 2^32 calls; saturates).
fn wire_index(position: usize) -> u32 {
    u32::try_from(position).unwrap_or(u32::MAX)
}

#[derive(Serialize)]
struct ChunkOut<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: &'a [Choice<'a>],
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<UsageOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<OpenAiErrorObject<'a>>,
}

#[derive(Serialize)]
struct Choice<'a> {
    index: u32,
    delta: Delta<'a>,
    finish_reason: Option<&'static str>,
}

impl<'a> Choice<'a> {
    fn new(delta: Delta<'a>, finish_reason: Option<&'static str>) -> Self {
        Choice {
            index: 0,
            delta,
            finish_reason,
        }
    }
}

#[derive(Serialize, Default)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<[ToolCallPiece<'a>; 1]>,
}

#[derive(Serialize)]
struct ToolCallPiece<'a> {
    index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    function: FunctionPiece<'a>,
}

#[derive(Serialize)]
struct FunctionPiece<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    arguments: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_indexes_saturate() {
        assert_eq!(wire_index(3), 3);
        assert_eq!(wire_index(usize::MAX), u32::MAX);
    }
}
