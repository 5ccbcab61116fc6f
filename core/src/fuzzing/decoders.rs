//! Fuzz targets `anthropic_decoder`, `openai_decoder` and `gemini_decoder`: a provider's
//! decoder, whole and split, against the wire contract's stream invariants.

use alloc::vec::Vec;

use crate::chunk::{Provider, StreamChunk, StreamError, StreamErrorKind};
use crate::normalize::Normalizer;

use super::split::Split;

/// Fuzz target `anthropic_decoder`: see [`decoder`].
pub fn anthropic_decoder(data: &[u8]) {
    decoder(Provider::Anthropic, data);
}

/// Fuzz target `openai_decoder`: see [`decoder`].
pub fn openai_decoder(data: &[u8]) {
    decoder(Provider::OpenAi, data);
}

/// Fuzz target `gemini_decoder`: see [`decoder`].
pub fn gemini_decoder(data: &[u8]) {
    decoder(Provider::Gemini, data);
}

/// Runs `stream` through a [`Normalizer`], feeding `chunks` and draining after each, then ends it
/// with `finish` (or `fail`).
fn run_normalizer(provider: Provider, chunks: &[&[u8]], fail_at_end: bool) -> Vec<StreamChunk> {
    let mut normalizer = Normalizer::new(provider);
    let mut out = Vec::new();
    for chunk in chunks {
        normalizer.feed(chunk);
        while let Some(c) = normalizer.next_chunk() {
            out.push(c);
        }
    }
    if fail_at_end {
        normalizer.fail(StreamError::new(StreamErrorKind::ConnectionError, "fuzz"));
    } else {
        normalizer.finish();
    }
    while let Some(c) = normalizer.next_chunk() {
        out.push(c);
    }
    // The stream is over: more input and more calls change nothing.
    normalizer.feed(b"data: {}\n\n");
    normalizer.finish();
    assert_eq!(
        normalizer.next_chunk(),
        None,
        "a chunk after the terminal chunk"
    );
    out
}

/// A provider's decoder on arbitrary bytes, whole and at arbitrary split points.
///
/// Checks that decoding does not panic, that the split run yields exactly the chunks of the
/// one-shot run, and the wire contract's stream invariants: exactly one terminal chunk, last;
/// an error exactly when the finish reason is `error`; every non-terminal chunk carries content;
/// tool calls are numbered 0, 1, ... in order of first appearance, with the name (and the id,
/// never empty, when there is one: the provider's or `call_<response id>_<index>`) on the first
/// piece only.
pub fn decoder(provider: Provider, data: &[u8]) {
    let (split, stream) = Split::parse(data);
    let whole = run_normalizer(provider, &[stream], split.fail_at_end);
    let chunked = run_normalizer(provider, &split.chunks(stream), split.fail_at_end);
    assert_eq!(whole, chunked, "a split changed the decoded chunks");
    check_stream(provider, &whole);
}

fn check_stream(provider: Provider, chunks: &[StreamChunk]) {
    let Some((StreamChunk::Done(fin), body)) = chunks.split_last() else {
        panic!("the stream does not end with a terminal chunk: {chunks:?}");
    };
    assert_eq!(fin.provider, provider);
    let mut tool_calls = 0u32;
    let mut previous_break = true;
    for chunk in body {
        match chunk {
            StreamChunk::Done(_) => panic!("a terminal chunk before the last chunk"),
            StreamChunk::Token(t)
            | StreamChunk::Reasoning(t)
            | StreamChunk::ReasoningSignature(t)
            | StreamChunk::RedactedReasoning(t) => {
                assert!(!t.is_empty(), "a chunk without content: {chunk:?}");
            }
            StreamChunk::ToolCallStart(start) => {
                assert_eq!(
                    start.index, tool_calls,
                    "tool calls are numbered in order of first appearance: {start:?}"
                );
                assert!(
                    !start.name.is_empty(),
                    "a tool call without a name: {start:?}"
                );
                assert!(
                    start.id.as_ref().is_none_or(|id| !id.is_empty()),
                    "an empty tool call id: {start:?}"
                );
                tool_calls += 1;
            }
            StreamChunk::ToolCallArguments(args) => {
                assert!(
                    args.index < tool_calls,
                    "arguments of a tool call that was not started: {args:?}"
                );
                assert!(!args.fragment.is_empty(), "an empty fragment: {args:?}");
            }
            StreamChunk::BlockBreak => {
                assert!(
                    !previous_break,
                    "a block break at the start or after another"
                );
            }
        }
        previous_break = matches!(chunk, StreamChunk::BlockBreak);
    }
    // A successful end completes every tool call: the fragments of each concatenate to JSON.
    if fin.is_success() {
        let mut accumulator = crate::Accumulator::new();
        accumulator.extend(chunks);
        if let Err(err) = accumulator.finish() {
            // Only a call whose arguments were cut off by the provider (a length limit) or
            // that the provider streamed as invalid JSON may fail to fold.
            assert!(
                matches!(err, crate::AccumulateError::InvalidToolCall { .. }),
                "a normally ended stream did not fold: {err}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::{ToolCallArguments, ToolCallStart};
    use crate::fuzzing::bytes::Bytes;

    const ANTHROPIC: &[u8] = b"\0event: message_start\n\
data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n\
event: content_block_start\n\
data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n\
event: content_block_delta\n\
data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n\
event: message_delta\n\
data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n\
event: message_stop\n\
data: {\"type\":\"message_stop\"}\n\n";

    #[test]
    fn decoders_accept_assorted_inputs() {
        for input in [
            &b""[..],
            b"\x08",
            ANTHROPIC,
            b"\x02\x05\x11data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
            b"\x0bdata: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\"STOP\"}]}\n\n",
            b"\0data: {not json\n\nevent: error\ndata: {}\n\n",
        ] {
            anthropic_decoder(input);
            openai_decoder(input);
            gemini_decoder(input);
        }
    }

    #[test]
    #[should_panic(expected = "does not end with a terminal chunk")]
    fn check_stream_catches_a_missing_terminal_chunk() {
        check_stream(Provider::OpenAi, &[StreamChunk::Token("x".into())]);
    }

    #[test]
    #[should_panic(expected = "tool calls are numbered in order of first appearance")]
    fn check_stream_catches_misnumbered_tool_calls() {
        let start = StreamChunk::ToolCallStart(ToolCallStart {
            index: 1,
            id: None,
            name: "f".into(),
            arguments: "{}".into(),
        });
        let done = StreamChunk::Done(alloc::boxed::Box::new(Bytes(&[0, 0]).finish()));
        check_stream(Provider::Anthropic, &[start, done]);
    }

    #[test]
    #[should_panic(expected = "arguments of a tool call that was not started")]
    fn check_stream_catches_arguments_without_a_start() {
        let args = StreamChunk::ToolCallArguments(ToolCallArguments {
            index: 0,
            fragment: "{}".into(),
        });
        let done = StreamChunk::Done(alloc::boxed::Box::new(Bytes(&[0, 0]).finish()));
        check_stream(Provider::Anthropic, &[args, done]);
    }
}
