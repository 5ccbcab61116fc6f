//! The frame encoder: [`StreamChunk`]s to the bytes of the normalized wire contract.
//!
//! Every frame is `data: <compact JSON>\n\n`; the terminal chunk is followed by the sentinel frame
//! `data: [DONE]\n\n`. A block break carries no wire content and a chunk whose content is empty
//! has nothing to say, so neither produces bytes ([`StreamChunk::has_frame`]): every non-terminal
//! frame carries content.
//!
//! ```
//! use llm_sse_core::{frame, StreamChunk};
//!
//! let mut out = Vec::new();
//! frame::encode(&StreamChunk::Token("Hel".into()), &mut out);
//! assert_eq!(out, b"data: {\"token\":\"Hel\",\"done\":false}\n\n");
//!
//! // A reasoning signature (and redacted reasoning) has its frame, so a frontend that keeps the
//! // history can send a turn that used thinking back to the provider.
//! out.clear();
//! frame::encode(&StreamChunk::ReasoningSignature("EqQB".into()), &mut out);
//! assert_eq!(out, b"data: {\"token\":\"\",\"done\":false,\"reasoning_signature\":\"EqQB\"}\n\n");
//!
//! // No frame for a block break, nor for empty content.
//! out.clear();
//! frame::encode(&StreamChunk::BlockBreak, &mut out);
//! frame::encode(&StreamChunk::RedactedReasoning(String::new()), &mut out);
//! assert!(out.is_empty());
//! ```
//!
//! # The JSON
//!
//! This module owns the wire JSON: the `Serialize` impls of [`StreamChunk`] and the types it
//! carries live here, so the key order of the contract is written down in one place:
//!
//! - every chunk: `token`, `done`, then one of `reasoning`, `reasoning_signature`,
//!   `redacted_reasoning` or `tool_call` (or, for a block break, which has no frame,
//!   `block_break`, which [`write_json`] still writes, for logs and `llm-sse replay --format
//!   jsonl`);
//! - the terminal chunk: `provider`, `id`, `model`, `finish_reason`, `provider_finish_reason`,
//!   `usage`, `error`;
//! - `usage`: `input_tokens`, `output_tokens`, `cache_read_input_tokens`,
//!   `cache_creation_input_tokens`, `reasoning_tokens`;
//! - `tool_call`: `index`, `id`, `name`, `arguments` (a first piece) or `index`, `arguments` (a
//!   later fragment);
//! - `error`: `type`, `message`.
//!
//! Fields that do not apply are omitted, never `null`.

use alloc::vec::Vec;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::chunk::{
    Finish, FinishReason, Provider, StreamChunk, StreamError, ToolCallArguments, ToolCallStart,
    Usage,
};

/// The sentinel frame that follows the terminal frame.
pub const DONE_FRAME: &[u8] = b"data: [DONE]\n\n";

/// Appends the frame(s) for `chunk` to `out`: nothing for a chunk without a frame (a block break,
/// empty content: see [`StreamChunk::has_frame`]), one frame for content, and the terminal frame
/// followed by [`DONE_FRAME`] for the terminal chunk.
///
/// Returns the number of bytes appended.
pub fn encode(chunk: &StreamChunk, out: &mut Vec<u8>) -> usize {
    if !chunk.has_frame() {
        return 0;
    }
    let start = out.len();
    out.extend_from_slice(b"data: ");
    write_json(chunk, out);
    out.extend_from_slice(b"\n\n");
    if chunk.is_done() {
        out.extend_from_slice(DONE_FRAME);
    }
    out.len() - start
}

/// Appends the compact JSON of `chunk` (no frame around it) to `out`.
///
/// Serializing cannot fail: the chunk types hold only strings, integers and booleans, and every
/// map key is a string.
pub fn write_json(chunk: &StreamChunk, out: &mut Vec<u8>) {
    #[cfg(feature = "std")]
    let result = chunk.serialize(&mut serde_json::Serializer::new(out));
    // Without `std`, serde_json can only serialize into a fresh Vec.
    #[cfg(not(feature = "std"))]
    let result = serde_json::to_vec(chunk).map(|json| out.extend_from_slice(&json));
    debug_assert!(result.is_ok(), "serializing a StreamChunk cannot fail");
}

/// The chunk's wire JSON (see the [module docs](self) for the key order).
impl Serialize for StreamChunk {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        let token = match self {
            StreamChunk::Token(t) => t.as_str(),
            _ => "",
        };
        map.serialize_entry("token", token)?;
        map.serialize_entry("done", &self.is_done())?;
        match self {
            StreamChunk::Token(_) => {}
            StreamChunk::Reasoning(r) => map.serialize_entry("reasoning", r)?,
            StreamChunk::ReasoningSignature(sig) => {
                map.serialize_entry("reasoning_signature", sig)?;
            }
            StreamChunk::RedactedReasoning(data) => {
                map.serialize_entry("redacted_reasoning", data)?;
            }
            StreamChunk::ToolCallStart(start) => map.serialize_entry("tool_call", start)?,
            StreamChunk::ToolCallArguments(args) => map.serialize_entry("tool_call", args)?,
            StreamChunk::BlockBreak => map.serialize_entry("block_break", &true)?,
            StreamChunk::Done(fin) => serialize_finish(fin, &mut map)?,
        }
        map.end()
    }
}

fn serialize_finish<M: SerializeMap>(fin: &Finish, map: &mut M) -> Result<(), M::Error> {
    map.serialize_entry("provider", &fin.provider)?;
    if let Some(id) = &fin.id {
        map.serialize_entry("id", id)?;
    }
    if let Some(model) = &fin.model {
        map.serialize_entry("model", model)?;
    }
    map.serialize_entry("finish_reason", fin.finish_reason_str())?;
    if let Some(raw) = &fin.provider_finish_reason {
        map.serialize_entry("provider_finish_reason", raw)?;
    }
    if let Some(usage) = &fin.usage {
        map.serialize_entry("usage", usage)?;
    }
    if let Err(err) = &fin.outcome {
        map.serialize_entry("error", err)?;
    }
    Ok(())
}

/// `{"index":0,"id":"toolu_1","name":"get_weather","arguments":""}` (`id` omitted when absent).
impl Serialize for ToolCallStart {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("index", &self.index)?;
        if let Some(id) = &self.id {
            map.serialize_entry("id", id)?;
        }
        map.serialize_entry("name", &self.name)?;
        map.serialize_entry("arguments", &self.arguments)?;
        map.end()
    }
}

/// `{"index":0,"arguments":"{\"city\":"}`.
impl Serialize for ToolCallArguments {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("index", &self.index)?;
        map.serialize_entry("arguments", &self.fragment)?;
        map.end()
    }
}

/// The counts in the contract's order; optional counts only when reported.
impl Serialize for Usage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("input_tokens", &self.input_tokens)?;
        map.serialize_entry("output_tokens", &self.output_tokens)?;
        let optional = [
            ("cache_read_input_tokens", self.cache_read_input_tokens),
            (
                "cache_creation_input_tokens",
                self.cache_creation_input_tokens,
            ),
            ("reasoning_tokens", self.reasoning_tokens),
        ];
        for (key, count) in optional {
            if let Some(count) = count {
                map.serialize_entry(key, &count)?;
            }
        }
        map.end()
    }
}

/// `{"type":"...","message":"..."}`.
impl Serialize for StreamError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("type", self.error_type())?;
        map.serialize_entry("message", &self.message)?;
        map.end()
    }
}

/// The wire name (`anthropic`, `openai`, `gemini`).
impl Serialize for Provider {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The wire name (`stop`, `length`, ...).
impl Serialize for FinishReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
