//! Entry points for the fuzz targets in `fuzz/`. Not a public API.
//!
//! Each fuzz target is one line calling a function here, so the checking logic compiles (and its
//! unit tests run) in the normal test suite. Each function panics exactly when it finds a bug.
//!
//! Inputs that need split points start with a small control prefix (see [`Split`]): byte 0
//! holds the number `k` of chunk sizes that follow (low 3 bits) and flags (higher bits), the next
//! `k` bytes are chunk sizes used in turn, and the rest is the stream. With `k == 0` the stream
//! is fed one byte at a time. A corpus file is therefore `"\0"` followed by an SSE recording.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::chunk::{
    Finish, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, ToolCallPiece, Usage,
};
use crate::frame;
use crate::normalize::Normalizer;
use crate::sse::{EndOfInput, Limit, Limits, OwnedEvent, ParseError, Parsed, Parser};

/// Limits small enough that fuzz inputs reach them.
const SMALL_LIMITS: Limits = Limits {
    max_line_len: 96,
    max_data_len: 160,
};

/// Split points read from the control prefix of a fuzz input.
struct Split<'a> {
    sizes: &'a [u8],
    /// Control flag: end a decoder run with `fail` instead of `finish`.
    fail_at_end: bool,
}

impl<'a> Split<'a> {
    /// Separates the control prefix from the stream.
    fn parse(data: &'a [u8]) -> (Split<'a>, &'a [u8]) {
        let Some((&ctrl, rest)) = data.split_first() else {
            return (
                Split {
                    sizes: &[],
                    fail_at_end: false,
                },
                &[],
            );
        };
        let k = usize::from(ctrl & 0x07).min(rest.len());
        let (sizes, stream) = rest.split_at(k);
        let split = Split {
            sizes,
            fail_at_end: ctrl & 0x08 != 0,
        };
        (split, stream)
    }

    /// The chunks of `stream`: the sizes in turn (0 counts as 1), or single bytes.
    fn chunks<'s>(&self, stream: &'s [u8]) -> Vec<&'s [u8]> {
        let mut out = Vec::new();
        let mut rest = stream;
        let mut i = 0;
        while !rest.is_empty() {
            let size = match self.sizes {
                [] => 1,
                sizes => usize::from(sizes[i % sizes.len()]).max(1),
            };
            let (head, tail) = rest.split_at(size.min(rest.len()));
            out.push(head);
            rest = tail;
            i += 1;
        }
        out
    }
}

/// One output of the parser, owned so that runs can be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Output {
    Event(OwnedEvent),
    Retry(u64),
    /// A limit error; `actual` is left out because it depends on how much was buffered when
    /// the parser noticed.
    Limit(Limit, usize),
    Other(ParseError),
}

/// What one parser run produced.
#[derive(Debug, PartialEq, Eq)]
struct ParserRun {
    outputs: Vec<Output>,
    end: EndOfInput,
    last_event_id: String,
    retry: Option<u64>,
}

/// Feeds `chunks` to a parser with `limits`, draining after each, and stops at an error.
fn run_parser(chunks: &[&[u8]], limits: Limits) -> ParserRun {
    let mut parser = Parser::with_limits(limits);
    let mut outputs = Vec::new();
    'feed: for chunk in chunks {
        parser.feed(chunk);
        loop {
            match parser.next_event() {
                Ok(Some(Parsed::Event(event))) => {
                    check_event_size(&event.to_owned(), limits);
                    outputs.push(Output::Event(event.to_owned()));
                }
                Ok(Some(Parsed::Retry(ms))) => outputs.push(Output::Retry(ms)),
                Ok(None) => break,
                Err(err) => {
                    check_limit_error(&err, limits, chunks);
                    outputs.push(match err {
                        ParseError::LimitExceeded { limit, max, .. } => Output::Limit(limit, max),
                        other => Output::Other(other),
                    });
                    break 'feed;
                }
            }
        }
    }
    let end = parser.finish();
    assert!(
        matches!(parser.next_event(), Ok(None) | Err(_)),
        "nothing is dispatched after finish"
    );
    ParserRun {
        outputs,
        end,
        last_event_id: parser.last_event_id().into(),
        retry: parser.reconnection_time(),
    }
}

/// A dispatched event never exceeds the limits.
fn check_event_size(event: &OwnedEvent, limits: Limits) {
    // The data buffer holds the data plus the LF that dispatch removes.
    // The limit counts input bytes; decoding turns each invalid byte into U+FFFD (3 bytes).
    assert!(
        event.data.len() < limits.max_data_len.saturating_mul(3),
        "event data over the limit"
    );
    assert!(event.event.len() <= limits.max_line_len.saturating_mul(3));
    assert!(event.id.len() <= limits.max_line_len.saturating_mul(3));
}

/// A limit error names a size over the limit, and a line-length error a line that exists.
fn check_limit_error(err: &ParseError, limits: Limits, chunks: &[&[u8]]) {
    match *err {
        ParseError::LimitExceeded {
            limit: Limit::LineLength,
            max,
            actual,
        } => {
            assert_eq!(max, limits.max_line_len);
            assert!(actual > max);
            let stream: Vec<u8> = chunks.concat();
            // The parser may count a line's bytes before or after UTF-8 decoding, which turns
            // each invalid byte into U+FFFD (3 bytes).
            assert!(
                longest_line(&stream).saturating_mul(3) >= actual,
                "line-length error without a long line"
            );
        }
        ParseError::LimitExceeded {
            limit: Limit::DataLength,
            max,
            actual,
        } => {
            assert_eq!(max, limits.max_data_len);
            assert!(actual > max);
        }
        ref other => panic!("unexpected parser error {other:?}"),
    }
}

/// The longest line of `stream`, counting CR and LF each as a line end (a naive oracle: CRLF
/// adds an empty line, which does not change the maximum).
fn longest_line(stream: &[u8]) -> usize {
    stream
        .split(|&b| b == b'\n' || b == b'\r')
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0)
}

/// Fuzz target `sse_parser`: arbitrary bytes at arbitrary split points.
///
/// Checks that the parser does not panic; that the events, retries, errors, end-of-input report,
/// last event ID and reconnection time of a chunked run equal those of a one-shot run; and that
/// memory stays within small limits: no event over the limits is dispatched, and a line longer
/// than the line limit always raises an error instead of being buffered.
pub fn sse_parser(data: &[u8]) {
    let (split, stream) = Split::parse(data);
    let chunks = split.chunks(stream);
    for limits in [SMALL_LIMITS, Limits::DEFAULT] {
        let whole = run_parser(&[stream], limits);
        let chunked = run_parser(&chunks, limits);
        assert_eq!(whole, chunked, "a split changed the parser's output");
        let errored = whole
            .outputs
            .last()
            .is_some_and(|o| matches!(o, Output::Limit(..) | Output::Other(_)));
        // Three bytes of slack: a leading BOM is stripped from the first line.
        if longest_line(stream) > limits.max_line_len + 3 {
            assert!(
                errored,
                "a line over the limit was buffered without an error"
            );
        }
    }
}

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
/// when the provider gives one) on the first piece only.
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
    assert_eq!(
        fin.finish_reason == FinishReason::Error,
        fin.error.is_some(),
        "error present exactly when the finish reason is error"
    );
    let mut tool_calls = 0u32;
    for chunk in body {
        match chunk {
            StreamChunk::Done(_) => panic!("a terminal chunk before the last chunk"),
            StreamChunk::Token(t) | StreamChunk::Reasoning(t) => {
                assert!(!t.is_empty(), "a chunk without content: {chunk:?}");
            }
            StreamChunk::ToolCall(piece) if piece.index == tool_calls => {
                // `id` may be absent: Gemini's function calls have none.
                assert!(
                    piece.name.is_some(),
                    "the first piece of a tool call has its name: {piece:?}"
                );
                tool_calls += 1;
            }
            StreamChunk::ToolCall(piece) => {
                assert!(
                    piece.index < tool_calls,
                    "tool call index out of order: {piece:?}"
                );
                assert!(
                    piece.id.is_none() && piece.name.is_none() && !piece.arguments.is_empty(),
                    "a later piece of a tool call carries only arguments: {piece:?}"
                );
            }
            StreamChunk::ReasoningSignature(_) | StreamChunk::RedactedReasoning(_) => {}
        }
    }
}

/// Reads fuzz bytes as the fields of chunks.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn number(&mut self) -> u64 {
        let mut n = 0u64;
        for _ in 0..(self.byte() % 9) {
            n = (n << 8) | u64::from(self.byte());
        }
        n
    }

    /// A string of up to 255 bytes, decoded lossily (so it may hold any character, including
    /// controls, quotes, backslashes and U+FFFD).
    fn string(&mut self) -> String {
        let len = usize::from(self.byte()).min(self.0.len());
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8_lossy(s).into_owned()
    }

    fn option<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        (self.byte() & 1 == 1).then(|| f(self))
    }

    fn chunk(&mut self) -> StreamChunk {
        match self.byte() % 6 {
            0 => StreamChunk::Token(self.string()),
            1 => StreamChunk::Reasoning(self.string()),
            2 => StreamChunk::ReasoningSignature(self.string()),
            3 => StreamChunk::RedactedReasoning(self.string()),
            4 => StreamChunk::ToolCall(ToolCallPiece {
                index: u32::from(self.byte()),
                id: self.option(Self::string),
                name: self.option(Self::string),
                arguments: self.string(),
            }),
            _ => StreamChunk::Done(alloc::boxed::Box::new(self.finish())),
        }
    }

    fn finish(&mut self) -> Finish {
        let provider = Provider::ALL[usize::from(self.byte()) % Provider::ALL.len()];
        let finish_reason = [
            FinishReason::Stop,
            FinishReason::Length,
            FinishReason::StopSequence,
            FinishReason::ToolCalls,
            FinishReason::ContentFilter,
            FinishReason::PauseTurn,
            FinishReason::Error,
            FinishReason::Other,
        ][usize::from(self.byte() % 8)];
        Finish {
            provider,
            id: self.option(Self::string),
            model: self.option(Self::string),
            finish_reason,
            provider_finish_reason: self.option(Self::string),
            usage: self.option(|b| Usage {
                input_tokens: b.number(),
                output_tokens: b.number(),
                cache_read_input_tokens: b.option(Self::number),
                cache_creation_input_tokens: b.option(Self::number),
                reasoning_tokens: b.option(Self::number),
            }),
            error: self.option(|b| {
                let kind = match b.byte() % 5 {
                    0 => StreamErrorKind::Provider(b.string()),
                    1 => StreamErrorKind::IncompleteStream,
                    2 => StreamErrorKind::InvalidEvent,
                    3 => StreamErrorKind::ConnectionError,
                    _ => StreamErrorKind::IdleTimeout,
                };
                StreamError::new(kind, b.string())
            }),
        }
    }
}

/// Fuzz target `frames_roundtrip`: chunks built from the fuzz bytes, encoded as frames and read
/// back with the SSE parser.
///
/// Checks that each chunk with a frame comes back as exactly one `message` event whose data is
/// the chunk's compact JSON (as `serde_json` writes it), that a terminal chunk is followed by a
/// `[DONE]` event, that chunks without a frame produce no bytes, and that the frames end cleanly.
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
        let json = match serde_json::to_string(chunk) {
            Ok(json) => json,
            Err(err) => panic!("a chunk did not serialize: {err}"),
        };
        let mut written_json = Vec::new();
        frame::write_json(chunk, &mut written_json);
        assert_eq!(written_json, json.as_bytes());
        assert_eq!(
            &wire[before..before + 6 + json.len() + 2],
            format!("data: {json}\n\n").as_bytes()
        );
        expected.push(json);
        if chunk.is_done() {
            expected.push(String::from("[DONE]"));
        }
    }
    let mut parser = Parser::new();
    parser.feed(&wire);
    let mut events = Vec::new();
    loop {
        match parser.next_event() {
            Ok(Some(Parsed::Event(event))) => {
                assert_eq!((event.event, event.id), ("message", ""));
                events.push(String::from(event.data));
            }
            Ok(Some(Parsed::Retry(_))) => panic!("a frame set a retry"),
            Ok(None) => break,
            Err(err) => panic!("frames failed to parse: {err}"),
        }
    }
    assert!(parser.finish().is_clean(), "frames ended inside an event");
    assert_eq!(events, expected);
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn split_reads_the_control_prefix() {
        let (split, stream) = Split::parse(b"\x0a\x02\x03abcdefgh");
        assert!(split.fail_at_end);
        assert_eq!(stream, b"abcdefgh");
        assert_eq!(split.chunks(stream), [&b"ab"[..], b"cde", b"fg", b"h"]);
        let (split, stream) = Split::parse(b"\0xyz");
        assert_eq!(split.chunks(stream), [&b"x"[..], b"y", b"z"]);
        let (split, stream) = Split::parse(b"\x07\x00");
        assert_eq!((split.sizes, stream), (&b"\0"[..], &b""[..]));
        assert!(Split::parse(b"").1.is_empty());
    }

    #[test]
    fn sse_parser_accepts_assorted_inputs() {
        for input in [
            &b""[..],
            b"\0",
            b"\0\xEF\xBB\xBFdata: a\r\n\r\n",
            b"\x03\x01\x02\x05id: 1\rretry: 10\r\rdata: \xFF\xC3\n\n: c\ndata",
            b"\x01\x07data: 0123456789012345678901234567890123456789012345678901234567890123456789\ndata: 0123456789012345678901234567890123456789012345678901234567890123456789\ndata: 0123\n\n",
        ] {
            sse_parser(input);
        }
        // Invalid UTF-8 makes the decoded line longer than the raw one.
        let mut invalid = b"\x01\x40data: \xC2".to_vec();
        invalid.extend([b'x'; 200]);
        invalid.extend(b"\n\n");
        sse_parser(&invalid);
        let mut long = b"\x02\x10\x03data: ok\n\n".to_vec();
        long.extend([b'x'; 300]);
        sse_parser(&long);
    }

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
    #[should_panic(expected = "tool call index out of order")]
    fn check_stream_catches_misnumbered_tool_calls() {
        let piece = |index| {
            StreamChunk::ToolCall(ToolCallPiece {
                index,
                id: None,
                name: None,
                arguments: "{}".into(),
            })
        };
        let done = StreamChunk::Done(alloc::boxed::Box::new(Bytes(&[0, 0]).finish()));
        check_stream(Provider::Anthropic, &[piece(1), done]);
    }

    #[test]
    fn frames_roundtrip_accepts_assorted_inputs() {
        frames_roundtrip(b"");
        frames_roundtrip(b"\x00\x05Hel\"o");
        frames_roundtrip(b"\x01\x03\n\r\0\x02\x01s\x03\x01\x00");
        frames_roundtrip(b"\x04\x07\x01\x02id\x01\x04name\x05{\"a\"");
        frames_roundtrip(b"\x05\x01\x06\x01\x02id\x01\x01m\x01\x03raw\x01\x08\xff\xff\xff\xff\xff\xff\xff\xff\x01\x01\x01\x00\x01\x00\x01\x02\x00\x05\xe2\x80\xa8x\x00");
        let all: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        frames_roundtrip(&all);
    }

    /// The checked-in seed corpora run through their targets.
    #[cfg(feature = "std")]
    #[test]
    fn seed_corpora_pass() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
        type Target = fn(&[u8]);
        let targets: [(&str, Target); 5] = [
            ("sse_parser", sse_parser),
            ("anthropic_decoder", anthropic_decoder),
            ("openai_decoder", openai_decoder),
            ("gemini_decoder", gemini_decoder),
            ("frames_roundtrip", frames_roundtrip),
        ];
        let mut seeds = 0;
        for (name, target) in targets {
            let Ok(dir) = std::fs::read_dir(root.join(name)) else {
                continue;
            };
            for entry in dir {
                let path = entry.unwrap().path();
                if path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("seed-")
                {
                    target(&std::fs::read(&path).unwrap());
                    seeds += 1;
                }
            }
        }
        // Only when the corpus directory exists (a packaged crate has none).
        if root.exists() {
            assert!(seeds >= 5, "expected seeds in {}", root.display());
        }
    }
}
