//! Helpers shared by the provider decoders' unit tests: driving a decoder over events, the
//! terminal chunk, frames, and tool-call pieces.

use alloc::string::String;
use alloc::vec::Vec;

use super::Decode;
use crate::chunk::{Finish, StreamChunk, ToolCallPiece};
use crate::frame;
use crate::sse::Event;

/// Decodes `events` (event name, data) with `decoder`, then ends the input, and returns every
/// chunk in order.
pub(super) fn run_events<N: AsRef<str>, D: AsRef<str>>(
    mut decoder: impl Decode,
    events: &[(N, D)],
) -> Vec<StreamChunk> {
    let mut chunks = Vec::new();
    for (name, data) in events {
        decoder.decode(&Event::new(name.as_ref(), data.as_ref()));
        chunks.extend(drain(&mut decoder));
    }
    decoder.finish();
    chunks.extend(drain(&mut decoder));
    chunks
}

/// Every chunk `decoder` has ready.
pub(super) fn drain(decoder: &mut impl Decode) -> Vec<StreamChunk> {
    core::iter::from_fn(|| decoder.next_chunk()).collect()
}

/// [`run_events`] with events that have no `event:` field (named `message`).
pub(super) fn run_unnamed(decoder: impl Decode, data: &[String]) -> Vec<StreamChunk> {
    let events: Vec<(&str, &str)> = data.iter().map(|d| ("message", d.as_str())).collect();
    run_events(decoder, &events)
}

/// The normalized frames of `chunks`.
pub(super) fn frames(chunks: &[StreamChunk]) -> String {
    let mut out = Vec::new();
    for c in chunks {
        frame::encode(c, &mut out);
    }
    String::from_utf8(out).unwrap()
}

/// The terminal chunk, after checking that there is exactly one and that it is last.
pub(super) fn terminal(chunks: &[StreamChunk]) -> &Finish {
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

/// A tool-call piece.
pub(super) fn piece(
    index: u32,
    id: Option<&str>,
    name: Option<&str>,
    arguments: &str,
) -> StreamChunk {
    StreamChunk::ToolCall(ToolCallPiece {
        index,
        id: id.map(Into::into),
        name: name.map(Into::into),
        arguments: arguments.into(),
    })
}

/// Each of `inputs`, as an event named `message` and as one named `error`, followed by the valid
/// event data `then`, ends in exactly one terminal chunk, last (and does not panic).
pub(super) fn assert_one_terminal_after_each<D: Decode>(
    new: impl Fn() -> D,
    inputs: &[&str],
    then: &str,
) {
    for input in inputs {
        for name in ["message", "error"] {
            let chunks = run_events(new(), &[(name, *input), ("message", then)]);
            let terminals = chunks.iter().filter(|c| c.is_done()).count();
            assert!(
                terminals == 1 && chunks.last().is_some_and(StreamChunk::is_done),
                "{name}: {input}: {chunks:#?}"
            );
        }
    }
}
