//! Fuzz target `frames_roundtrip`: chunks encoded as frames and read back with the wire
//! contract's own reader ([`super::wire_reader`]).

use alloc::vec::Vec;

use crate::chunk::StreamChunk;
use crate::frame;
use crate::sse::{Parsed, Parser};

use super::bytes::Bytes;
use super::wire_reader;

/// Fuzz target `frames_roundtrip`: chunks built from the fuzz bytes, encoded as frames and read
/// back with the SSE parser and an independent reader of the wire contract.
///
/// Checks that each chunk with a frame comes back as exactly one `message` event whose JSON the
/// reader (written from DESIGN.md's contract, not from the encoder: keys in the contract's
/// order, no `null`, the terminal frame's `error` exactly when `finish_reason` is `error`) turns
/// back into the same chunk; that a terminal chunk is followed by a `[DONE]` event; that chunks
/// without a frame produce no bytes; and that the frames end cleanly.
pub fn frames_roundtrip(data: &[u8]) {
    let mut bytes = Bytes(data);
    let mut chunks = Vec::new();
    while !bytes.0.is_empty() && chunks.len() < 64 {
        chunks.push(bytes.chunk());
    }
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for chunk in &chunks {
        let before = wire.len();
        let written = frame::encode(chunk, &mut wire);
        assert_eq!(written, wire.len() - before);
        if !chunk.has_frame() {
            assert_eq!(written, 0, "a chunk without a frame wrote bytes");
            continue;
        }
        expected.push(Some(canonical(chunk.clone())));
        if chunk.is_done() {
            expected.push(None);
        }
    }
    let mut parser = Parser::new();
    parser.feed(&wire);
    let mut read = Vec::new();
    loop {
        match parser.next_event() {
            Ok(Some(Parsed::Event(event))) => {
                assert_eq!((event.event, event.id), ("message", ""));
                read.push(if event.data == "[DONE]" {
                    None
                } else {
                    Some(canonical(wire_reader::read_frame(event.data)))
                });
            }
            Ok(Some(Parsed::Retry(_))) => panic!("a frame set a retry"),
            Ok(None) => break,
            Err(err) => panic!("frames failed to parse: {err}"),
        }
    }
    assert!(parser.finish().is_clean(), "frames ended inside an event");
    assert_eq!(read, expected);
}

/// `chunk` with a provider error type that names one of our own error types read as ours (the
/// wire cannot tell them apart).
fn canonical(mut chunk: StreamChunk) -> StreamChunk {
    if let StreamChunk::Done(fin) = &mut chunk {
        if let Err(err) = &mut fin.outcome {
            err.kind = wire_reader::error_kind(err.error_type());
        }
    }
    chunk
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn frames_roundtrip_accepts_assorted_inputs() {
        frames_roundtrip(b"");
        // An empty token, reasoning and arguments fragment: no frame (found by fuzzing, when
        // the encoder still wrote `{"token":"","done":false}`).
        frames_roundtrip(b"\x00\x00");
        frames_roundtrip(b"\x01\x00\x05\x00\x00");
        frames_roundtrip(b"\x00\x05Hel\"o");
        frames_roundtrip(b"\x01\x03\n\r\0\x02\x01s\x03\x01\x00");
        frames_roundtrip(b"\x04\x07\x01\x02id\x01\x04name\x05{\"a\"");
        frames_roundtrip(b"\x05\x01\x06\x01\x02id\x01\x01m\x01\x03raw\x01\x08\xff\xff\xff\xff\xff\xff\xff\xff\x01\x01\x01\x00\x01\x00\x01\x02\x00\x05\xe2\x80\xa8x\x00");
        let all: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        frames_roundtrip(&all);
    }
}
