//! The frame encoder: [`StreamChunk`]s to the bytes of the normalized wire contract.
//!
//! Every frame is `data: <compact JSON>\n\n`; the terminal chunk is followed by the sentinel frame
//! `data: [DONE]\n\n`. Chunks that carry no wire content (reasoning signatures, redacted reasoning)
//! produce no bytes.
//!
//! ```
//! use llm_sse_core::{frame, StreamChunk};
//!
//! let mut out = Vec::new();
//! frame::encode(&StreamChunk::Token("Hel".into()), &mut out);
//! assert_eq!(out, b"data: {\"token\":\"Hel\",\"done\":false}\n\n");
//! ```

use alloc::vec::Vec;

#[cfg(feature = "std")]
use serde::Serialize;

use crate::chunk::StreamChunk;

/// The sentinel frame that follows the terminal frame.
pub const DONE_FRAME: &[u8] = b"data: [DONE]\n\n";

/// Appends the frame(s) for `chunk` to `out`: nothing for a chunk without wire content, one frame
/// for content, and the terminal frame followed by [`DONE_FRAME`] for the terminal chunk.
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
