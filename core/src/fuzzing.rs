//! Entry points for the fuzz targets in `fuzz/`. Not a public API.
//!
//! Each fuzz target is one line calling a function here, so the checking logic compiles (and its
//! unit tests run) in the normal test suite. Each function panics exactly when it finds a bug.
//!
//! Inputs that need split points start with a small control prefix (see `Split`): byte 0
//! holds the number `k` of chunk sizes that follow (low 3 bits) and flags (higher bits), the next
//! `k` bytes are chunk sizes used in turn, and the rest is the stream. With `k == 0` the stream
//! is fed one byte at a time. A corpus file is therefore `"\0"` followed by an SSE recording.

use alloc::string::String;
use alloc::vec::Vec;

use crate::chunk::{
    Finish, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, ToolCallArguments,
    ToolCallStart, Usage,
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
    /// A limit error, figures included: they do not depend on the split.
    Error(ParseError),
}

/// What one parser run produced.
#[derive(Debug, PartialEq, Eq)]
struct ParserRun {
    outputs: Vec<Output>,
    end: EndOfInput,
    last_event_id: String,
    retry: Option<u64>,
}

/// How [`run_parser`] gives each chunk to the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drive {
    /// `feed`, then `next_event` until `Ok(None)`.
    Feed,
    /// `next_event_from` until `Ok(None)`, which must have used up the chunk.
    InPlace,
    /// The two in turn, starting with `Feed`.
    Mixed,
}

/// Gives `chunks` to a parser with `limits` as `drive` says, draining after each, and stops at
/// an error.
fn run_parser(chunks: &[&[u8]], limits: Limits, drive: Drive) -> ParserRun {
    let mut parser = Parser::with_limits(limits);
    let mut outputs = Vec::new();
    'feed: for (i, chunk) in chunks.iter().enumerate() {
        let in_place = drive == Drive::InPlace || (drive == Drive::Mixed && i % 2 == 1);
        let mut input = *chunk;
        if !in_place {
            parser.feed(chunk);
            input = &[];
        }
        loop {
            let parsed = if in_place {
                parser.next_event_from(&mut input)
            } else {
                parser.next_event()
            };
            match parsed {
                Ok(Some(Parsed::Event(event))) => {
                    check_event_size(&event.to_owned(), limits);
                    outputs.push(Output::Event(event.to_owned()));
                }
                Ok(Some(Parsed::Retry(ms))) => outputs.push(Output::Retry(ms)),
                Ok(None) => break,
                Err(err) => {
                    check_limit_error(&err, limits, chunks);
                    outputs.push(Output::Error(err));
                    break 'feed;
                }
            }
        }
        assert!(input.is_empty(), "next_event_from left input unused");
    }
    let end = parser.finish();
    assert!(
        matches!(parser.next_event(), Ok(None) | Err(_)),
        "nothing is dispatched after finish"
    );
    assert!(
        matches!(parser.next_event_from(&mut &[][..]), Ok(None) | Err(_)),
        "nothing is dispatched after finish"
    );
    ParserRun {
        outputs,
        end,
        last_event_id: parser.last_event_id().into(),
        retry: parser.reconnection_time(),
    }
}

/// A dispatched event never exceeds the limits: the data limit counts the data as dispatched.
fn check_event_size(event: &OwnedEvent, limits: Limits) {
    assert!(
        event.data.len() <= limits.max_data_len,
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
            assert_eq!(
                actual,
                max + 1,
                "the line error names the first byte over the limit"
            );
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
/// last event ID and reconnection time of a chunked run equal those of a one-shot run, and that
/// both entry points agree (`feed` + `next_event`, `next_event_from` in place, and the two in
/// turn), whole and chunked; and that memory stays within small limits: no event over the limits
/// is dispatched, and a line longer than the line limit always raises an error instead of being
/// buffered.
pub fn sse_parser(data: &[u8]) {
    let (split, stream) = Split::parse(data);
    let chunks = split.chunks(stream);
    for limits in [SMALL_LIMITS, Limits::DEFAULT] {
        let whole = run_parser(&[stream], limits, Drive::Feed);
        let chunked = run_parser(&chunks, limits, Drive::Feed);
        assert_eq!(whole, chunked, "a split changed the parser's output");
        let in_place = run_parser(&[stream], limits, Drive::InPlace);
        assert_eq!(whole, in_place, "next_event_from differs from feed");
        let chunked_in_place = run_parser(&chunks, limits, Drive::InPlace);
        assert_eq!(
            whole, chunked_in_place,
            "a split changed next_event_from's output"
        );
        let mixed = run_parser(&chunks, limits, Drive::Mixed);
        assert_eq!(
            whole, mixed,
            "feed and next_event_from in turn differ from feed"
        );
        let errored = whole
            .outputs
            .last()
            .is_some_and(|o| matches!(o, Output::Error(_)));
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
        match self.byte() % 8 {
            0 => StreamChunk::Token(self.string()),
            1 => StreamChunk::Reasoning(self.string()),
            2 => StreamChunk::ReasoningSignature(self.string()),
            3 => StreamChunk::RedactedReasoning(self.string()),
            4 => StreamChunk::ToolCallStart(ToolCallStart {
                index: u32::from(self.byte()),
                id: self.option(Self::string),
                name: self.string(),
                arguments: self.string(),
            }),
            5 => StreamChunk::ToolCallArguments(ToolCallArguments {
                index: u32::from(self.byte()),
                fragment: self.string(),
            }),
            6 => StreamChunk::BlockBreak,
            _ => StreamChunk::Done(alloc::boxed::Box::new(self.finish())),
        }
    }

    fn finish(&mut self) -> Finish {
        let provider = Provider::ALL[usize::from(self.byte()) % Provider::ALL.len()];
        let finish_reason = FINISH_REASONS[usize::from(self.byte()) % FINISH_REASONS.len()];
        Finish {
            provider,
            id: self.option(Self::string),
            model: self.option(Self::string),
            outcome: Ok(finish_reason),
            provider_finish_reason: self.option(Self::string),
            usage: self.option(|b| Usage {
                input_tokens: b.number(),
                output_tokens: b.number(),
                cache_read_input_tokens: b.option(Self::number),
                cache_creation_input_tokens: b.option(Self::number),
                reasoning_tokens: b.option(Self::number),
            }),
        }
        .failed_with(self.option(|b| {
            let kind = match b.byte() % 5 {
                0 => StreamErrorKind::Provider(b.string()),
                1 => StreamErrorKind::IncompleteStream,
                2 => StreamErrorKind::InvalidEvent,
                3 => StreamErrorKind::ConnectionError,
                _ => StreamErrorKind::IdleTimeout,
            };
            StreamError::new(kind, b.string())
        }))
    }
}

const FINISH_REASONS: [FinishReason; 7] = [
    FinishReason::Stop,
    FinishReason::Length,
    FinishReason::StopSequence,
    FinishReason::ToolCalls,
    FinishReason::ContentFilter,
    FinishReason::PauseTurn,
    FinishReason::Other,
];

impl Finish {
    fn failed_with(mut self, error: Option<StreamError>) -> Finish {
        if let Some(error) = error {
            self.outcome = Err(error);
        }
        self
    }
}

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

/// A reader of the normalized frames' JSON, written from the wire contract in DESIGN.md, so that
/// `frames_roundtrip` checks the encoder against the contract rather than against itself.
mod wire_reader {
    use alloc::boxed::Box;
    use alloc::string::String;
    use alloc::vec::Vec;
    use core::fmt;

    use serde::Deserialize;
    use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_json::Value;

    use crate::chunk::{
        Finish, Provider, StreamChunk, StreamError, StreamErrorKind, ToolCallArguments,
        ToolCallStart, Usage,
    };

    /// A JSON value whose objects keep their keys in the order they were written.
    #[derive(Debug)]
    enum Json {
        Object(Vec<(String, Json)>),
        Other(Value),
    }

    impl<'de> Deserialize<'de> for Json {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Json;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("JSON")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                    let mut entries = Vec::new();
                    while let Some(key) = map.next_key::<String>()? {
                        entries.push((key, map.next_value::<Json>()?));
                    }
                    Ok(Json::Object(entries))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                    let mut items = Vec::new();
                    while let Some(item) = seq.next_element::<Value>()? {
                        items.push(item);
                    }
                    Ok(Json::Other(Value::Array(items)))
                }
                fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
                    Ok(Json::Other(Value::Bool(v)))
                }
                fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
                    Ok(Json::Other(Value::from(v)))
                }
                fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
                    Ok(Json::Other(Value::from(v)))
                }
                fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
                    Ok(Json::Other(Value::from(v)))
                }
                fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                    Ok(Json::Other(Value::from(v)))
                }
                fn visit_unit<E>(self) -> Result<Json, E> {
                    Ok(Json::Other(Value::Null))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// The fields of an object, checked to appear in `order` (each at most once, unknown keys
    /// refused, `null` refused).
    fn fields(json: Json, what: &str, order: &[&str]) -> Vec<(String, Json)> {
        let Json::Object(entries) = json else {
            panic!("{what} is not an object: {json:?}");
        };
        let mut last = None;
        for (key, value) in &entries {
            let Some(pos) = order.iter().position(|k| k == key) else {
                panic!("{what}: unexpected key {key:?}");
            };
            assert!(
                last.is_none_or(|l| pos > l),
                "{what}: key {key:?} out of the contract's order"
            );
            last = Some(pos);
            assert!(
                !matches!(value, Json::Other(Value::Null)),
                "{what}: {key} is null"
            );
        }
        entries
    }

    fn take(entries: &mut Vec<(String, Json)>, key: &str) -> Option<Json> {
        let pos = entries.iter().position(|(k, _)| k == key)?;
        Some(entries.remove(pos).1)
    }

    fn string(json: Option<Json>, what: &str) -> Option<String> {
        match json? {
            Json::Other(Value::String(s)) => Some(s),
            other => panic!("{what} is not a string: {other:?}"),
        }
    }

    fn number(json: Option<Json>, what: &str) -> Option<u64> {
        match json? {
            Json::Other(Value::Number(n)) => Some(n.as_u64().expect("a u64")),
            other => panic!("{what} is not a number: {other:?}"),
        }
    }

    pub(super) fn error_kind(ty: &str) -> StreamErrorKind {
        match ty {
            "incomplete_stream" => StreamErrorKind::IncompleteStream,
            "invalid_event" => StreamErrorKind::InvalidEvent,
            "connection_error" => StreamErrorKind::ConnectionError,
            "idle_timeout" => StreamErrorKind::IdleTimeout,
            other => StreamErrorKind::Provider(other.into()),
        }
    }

    /// Reads one frame's JSON back into the chunk it says.
    pub(super) fn read_frame(data: &str) -> StreamChunk {
        let json: Json = match serde_json::from_str(data) {
            Ok(json) => json,
            Err(err) => panic!("a frame is not JSON ({err}): {data}"),
        };
        let order = [
            "token",
            "done",
            "reasoning",
            "reasoning_signature",
            "redacted_reasoning",
            "tool_call",
            "provider",
            "id",
            "model",
            "finish_reason",
            "provider_finish_reason",
            "usage",
            "error",
        ];
        let mut f = fields(json, "frame", &order);
        assert!(
            f.first().is_some_and(|(k, _)| k == "token")
                && f.get(1).is_some_and(|(k, _)| k == "done"),
            "a frame starts with token, done: {data}"
        );
        let token = string(take(&mut f, "token"), "token").unwrap_or_default();
        let done = match take(&mut f, "done") {
            Some(Json::Other(Value::Bool(done))) => done,
            other => panic!("done is not a boolean: {other:?}"),
        };
        if done {
            assert!(token.is_empty(), "the terminal frame has an empty token");
            return StreamChunk::Done(Box::new(read_finish(f, data)));
        }
        // At most one of the content keys; `f.is_empty()` below refuses a second one.
        let chunk = if let Some(reasoning) = string(take(&mut f, "reasoning"), "reasoning") {
            assert!(token.is_empty() && !reasoning.is_empty(), "{data}");
            StreamChunk::Reasoning(reasoning)
        } else if let Some(signature) =
            string(take(&mut f, "reasoning_signature"), "reasoning_signature")
        {
            assert!(token.is_empty() && !signature.is_empty(), "{data}");
            StreamChunk::ReasoningSignature(signature)
        } else if let Some(redacted) =
            string(take(&mut f, "redacted_reasoning"), "redacted_reasoning")
        {
            assert!(token.is_empty() && !redacted.is_empty(), "{data}");
            StreamChunk::RedactedReasoning(redacted)
        } else if let Some(call) = take(&mut f, "tool_call") {
            assert!(token.is_empty(), "{data}");
            read_tool_call(call, data)
        } else {
            assert!(!token.is_empty(), "a content frame without content: {data}");
            StreamChunk::Token(token)
        };
        assert!(
            f.is_empty(),
            "a second content key, or terminal fields, on a content frame: {data}"
        );
        chunk
    }

    fn read_tool_call(call: Json, data: &str) -> StreamChunk {
        let mut c = fields(call, "tool_call", &["index", "id", "name", "arguments"]);
        let index = number(take(&mut c, "index"), "index").expect("tool_call.index");
        let index = u32::try_from(index).expect("a u32 index");
        let id = string(take(&mut c, "id"), "tool_call.id");
        let name = string(take(&mut c, "name"), "tool_call.name");
        let arguments = string(take(&mut c, "arguments"), "arguments").expect("arguments");
        match name {
            Some(name) => StreamChunk::ToolCallStart(ToolCallStart {
                index,
                id,
                name,
                arguments,
            }),
            None => {
                assert!(id.is_none(), "a later piece carries an id: {data}");
                assert!(!arguments.is_empty(), "an empty fragment: {data}");
                StreamChunk::ToolCallArguments(ToolCallArguments {
                    index,
                    fragment: arguments,
                })
            }
        }
    }

    fn read_finish(mut f: Vec<(String, Json)>, data: &str) -> Finish {
        let provider = string(take(&mut f, "provider"), "provider").expect("provider");
        let provider: Provider = provider.parse().expect("a known provider");
        let id = string(take(&mut f, "id"), "id");
        let model = string(take(&mut f, "model"), "model");
        let reason = string(take(&mut f, "finish_reason"), "finish_reason").expect("a reason");
        let provider_finish_reason = string(
            take(&mut f, "provider_finish_reason"),
            "provider_finish_reason",
        );
        let usage = take(&mut f, "usage").map(|usage| {
            let order = [
                "input_tokens",
                "output_tokens",
                "cache_read_input_tokens",
                "cache_creation_input_tokens",
                "reasoning_tokens",
            ];
            let mut u = fields(usage, "usage", &order);
            Usage {
                input_tokens: number(take(&mut u, "input_tokens"), "input").expect("input"),
                output_tokens: number(take(&mut u, "output_tokens"), "output").expect("output"),
                cache_read_input_tokens: number(take(&mut u, "cache_read_input_tokens"), "c"),
                cache_creation_input_tokens: number(
                    take(&mut u, "cache_creation_input_tokens"),
                    "c",
                ),
                reasoning_tokens: number(take(&mut u, "reasoning_tokens"), "r"),
            }
        });
        let error = take(&mut f, "error").map(|error| {
            let mut e = fields(error, "error", &["type", "message"]);
            let ty = string(take(&mut e, "type"), "error.type").expect("error.type");
            let message = string(take(&mut e, "message"), "message").expect("error.message");
            StreamError::new(error_kind(&ty), message)
        });
        assert!(f.is_empty(), "content fields on the terminal frame: {data}");
        let outcome = match (reason.as_str(), error) {
            ("error", Some(error)) => Err(error),
            ("error", None) => panic!("finish_reason error without an error: {data}"),
            (_, Some(_)) => panic!("an error on a successful terminal frame: {data}"),
            (name, None) => Ok(super::FINISH_REASONS
                .into_iter()
                .find(|r| r.as_str() == name)
                .unwrap_or_else(|| panic!("unknown finish_reason {name:?}"))),
        };
        Finish {
            provider,
            id,
            model,
            outcome,
            provider_finish_reason,
            usage,
        }
    }
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
            // A stream cut inside a BOM (found by the fuzzer).
            b"\x03\x07\x02\x02\xEF",
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

    /// The wire reader is an independent oracle: it refuses frames that break the contract.
    #[cfg(feature = "std")]
    #[test]
    fn wire_reader_refuses_frames_that_break_the_contract() {
        let bad = [
            r#"{"done":false,"token":"x"}"#,
            r#"{"token":"x","done":false,"reasoning":null}"#,
            r#"{"token":"","done":false}"#,
            r#"{"token":"","done":false,"tool_call":{"index":0,"name":"f","id":"a","arguments":""}}"#,
            r#"{"token":"","done":false,"tool_call":{"index":0,"arguments":""}}"#,
            r#"{"token":"","done":true,"provider":"openai","finish_reason":"error"}"#,
            r#"{"token":"","done":true,"provider":"openai","finish_reason":"stop","error":{"type":"t","message":"m"}}"#,
            r#"{"token":"","done":true,"finish_reason":"stop","provider":"openai"}"#,
            r#"{"token":"","done":true,"provider":"openai","finish_reason":"stop","usage":{"output_tokens":1,"input_tokens":2}}"#,
            r#"{"token":"","done":true,"provider":"openai","finish_reason":"error","error":{"message":"m","type":"t"}}"#,
        ];
        for frame in bad {
            let caught = std::panic::catch_unwind(|| wire_reader::read_frame(frame));
            assert!(caught.is_err(), "accepted {frame}");
        }
        let good = r#"{"token":"","done":true,"provider":"gemini","id":"r","finish_reason":"error","usage":{"input_tokens":1,"output_tokens":2,"reasoning_tokens":0},"error":{"type":"idle_timeout","message":"m"}}"#;
        let StreamChunk::Done(fin) = wire_reader::read_frame(good) else {
            panic!("a terminal chunk");
        };
        assert_eq!(
            fin.error().map(StreamError::error_type),
            Some("idle_timeout")
        );
        assert_eq!(fin.usage.and_then(|u| u.reasoning_tokens), Some(0));
    }

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

    /// The checked-in seed corpora run through their targets: every target has seeds.
    #[cfg(feature = "std")]
    #[test]
    fn seed_corpora_pass() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
        // Only when the corpus directory exists (a packaged crate has none).
        if !root.exists() {
            return;
        }
        type Target = fn(&[u8]);
        let targets: [(&str, Target); 9] = [
            ("sse_parser", sse_parser),
            ("anthropic_decoder", anthropic_decoder),
            ("openai_decoder", openai_decoder),
            ("gemini_decoder", gemini_decoder),
            ("frames_roundtrip", frames_roundtrip),
            ("openai_request", openai_request),
            ("anthropic_request", anthropic_request),
            ("dialect_roundtrip", dialect_roundtrip),
            ("eventstream_decoder", eventstream_decoder),
        ];
        for (name, target) in targets {
            let dir = std::fs::read_dir(root.join(name))
                .unwrap_or_else(|e| panic!("{name}: no corpus directory: {e}"));
            let mut seeds = 0;
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
            assert!(seeds > 0, "{name}: no seed-* files in its corpus");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The clients' dialects
// ---------------------------------------------------------------------------------------------

/// Fuzz target `openai_request`: see [`dialect_request`].
pub fn openai_request(data: &[u8]) {
    dialect_request(crate::dialect::Dialect::OpenAi, data);
}

/// Fuzz target `anthropic_request`: see [`dialect_request`].
pub fn anthropic_request(data: &[u8]) {
    dialect_request(crate::dialect::Dialect::Anthropic, data);
}

/// A dialect's request decoder on arbitrary bytes.
///
/// Checks that decoding does not panic; that a refusal is a `400` of a request kind whose body
/// has the dialect's error shape and whose message starts with the field it names; and that a
/// request that decodes, for every provider, either passes validation and then builds (a
/// validated request always builds) or is refused with a `400` naming a field: a pass-through
/// field for another provider, or what validation found.
pub fn dialect_request(dialect: crate::dialect::Dialect, data: &[u8]) {
    use crate::dialect::{ErrorKind, anthropic, openai};
    let decoded = match dialect {
        crate::dialect::Dialect::OpenAi => openai::decode_request(data),
        _ => anthropic::decode_request(data),
    };
    let request = match decoded {
        Ok(request) => request,
        Err(error) => {
            assert!(
                matches!(
                    error.kind,
                    ErrorKind::InvalidJson
                        | ErrorKind::MissingField
                        | ErrorKind::InvalidValue
                        | ErrorKind::UnknownField
                        | ErrorKind::Unsupported
                ),
                "a decoding error of kind {:?}",
                error.kind
            );
            check_dialect_error(&error, dialect);
            return;
        }
    };
    assert_eq!(request.dialect, dialect);
    assert_eq!(request.chat.model, request.model);
    assert!(request.chat.provider_options.is_none());
    assert_eq!(
        request.passthrough.is_empty(),
        request.passthrough_fields().is_empty()
    );
    for provider in Provider::ALL {
        match request.for_provider(provider, "m") {
            Ok(chat) => {
                assert_eq!(chat.request().model, "m");
                assert_eq!(chat.provider(), provider);
                let built = crate::request::build(provider, chat.request(), Some("key"));
                let http = built.unwrap_or_else(|e| panic!("a validated request failed: {e}"));
                assert!(http.body.is_object());
                if provider == dialect.provider() {
                    for (key, value) in &request.passthrough {
                        assert!(http.body.get(key).is_some(), "{key} did not pass through");
                        if key != "tool_choice" {
                            assert_eq!(http.body.get(key), Some(value));
                        }
                    }
                }
                if provider.api() == crate::provider::Api::Anthropic
                    && dialect == crate::dialect::Dialect::Anthropic
                {
                    check_cache_controls(data, &http.body);
                }
            }
            Err(error) => {
                match error.kind {
                    ErrorKind::Unsupported => {
                        assert_ne!(provider, dialect.provider());
                        assert_eq!(
                            error.param.as_deref(),
                            request.passthrough_fields().first().map(String::as_str)
                        );
                    }
                    ErrorKind::InvalidRequest => {
                        let chat = request.chat.clone();
                        assert!(
                            chat.validate(provider).is_err() || !request.passthrough.is_empty(),
                            "refused a request that validates: {error}"
                        );
                    }
                    other => panic!("for_provider failed with {other:?}: {error}"),
                }
                check_dialect_error(&error, dialect);
            }
        }
    }
}

/// An Anthropic request decoded and built for Anthropic keeps every `cache_control` where it
/// was (the ones inside tool inputs and schemas are data, copied as they are), and the
/// top-level one adds at most one, on the last block.
fn check_cache_controls(client_body: &[u8], built: &serde_json::Value) {
    use serde_json::Value;
    fn count(value: &Value) -> usize {
        match value {
            Value::Object(o) => o
                .iter()
                .map(|(k, v)| usize::from(k == "cache_control" && !v.is_null()) + count(v))
                .sum(),
            Value::Array(a) => a.iter().map(count).sum(),
            _ => 0,
        }
    }
    let Ok(client) = serde_json::from_slice::<Value>(client_body) else {
        return;
    };
    let top = usize::from(client.get("cache_control").is_some_and(|c| !c.is_null()));
    let (asked, sent) = (count(&client) - top, count(built));
    assert!(
        sent >= asked && sent <= asked + top,
        "{asked} cache_control asked (and {top} at the top), {sent} sent: {built}"
    );
    assert!(built.get("cache_control").is_none());
}

/// A request error: status `400`, the dialect's body shape, a message that starts with the
/// field it names.
fn check_dialect_error(error: &crate::dialect::DialectError, dialect: crate::dialect::Dialect) {
    use serde_json::Value;
    assert_eq!(error.status, 400, "{error}");
    assert_eq!(error.dialect, dialect);
    assert!(!error.message.is_empty());
    if let Some(param) = &error.param {
        assert!(
            error.message.starts_with(param.as_str()),
            "{error} does not start with {param}"
        );
    }
    let body: Value = serde_json::from_slice(&error.to_body()).expect("an error body is JSON");
    let object = match dialect {
        crate::dialect::Dialect::OpenAi => {
            let object = &body["error"];
            let keys: Vec<&str> = object
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            assert_eq!(keys.len(), 4, "{body}");
            assert_eq!(object["param"].as_str(), error.param.as_deref());
            object
        }
        _ => {
            assert_eq!(body["type"], "error");
            &body["error"]
        }
    };
    assert_eq!(object["type"].as_str(), Some(error.error_type.as_str()));
    assert_eq!(object["message"].as_str(), Some(error.message.as_str()));
}

/// Fuzz target `dialect_roundtrip`: a well-formed chunk stream built from the fuzz bytes, run
/// through [`check_dialect_roundtrip`].
pub fn dialect_roundtrip(data: &[u8]) {
    check_dialect_roundtrip(&well_formed_stream(data));
}

/// A chunk stream as the decoders produce them (non-empty text, tool calls numbered in order of
/// first appearance with non-empty names, at most one terminal chunk, last), with a few things
/// they never produce mixed in (empty text, a repeated start, fragments of calls never
/// started), from fuzz bytes. Byte 0 bit 0 set: the stream may end without its terminal chunk.
fn well_formed_stream(data: &[u8]) -> Vec<StreamChunk> {
    let mut bytes = Bytes(data);
    let may_stop_early = bytes.byte() & 1 == 1;
    let mut chunks = Vec::new();
    let mut calls = 0u32;
    let non_empty = |s: String| if s.is_empty() { String::from("x") } else { s };
    while !bytes.0.is_empty() && chunks.len() < 64 {
        let selector = bytes.byte();
        let chunk = match selector % 10 {
            0 | 1 => StreamChunk::Token(non_empty(bytes.string())),
            2 => StreamChunk::Reasoning(non_empty(bytes.string())),
            3 => StreamChunk::ReasoningSignature(non_empty(bytes.string())),
            4 => StreamChunk::RedactedReasoning(bytes.string()),
            5 => {
                let repeat = selector & 0x80 != 0 && calls > 0;
                let index = if repeat {
                    u32::from(bytes.byte()) % calls
                } else {
                    calls += 1;
                    calls - 1
                };
                StreamChunk::ToolCallStart(ToolCallStart {
                    index,
                    id: bytes.option(Bytes::string),
                    name: non_empty(bytes.string()),
                    arguments: bytes.string(),
                })
            }
            6 | 7 => StreamChunk::ToolCallArguments(ToolCallArguments {
                // Mostly a started call; now and then one never started.
                index: u32::from(bytes.byte()) % (calls + 1),
                fragment: non_empty(bytes.string()),
            }),
            8 => match selector & 0x30 {
                0 => StreamChunk::Token(String::new()),
                _ => StreamChunk::BlockBreak,
            },
            _ => break,
        };
        chunks.push(chunk);
    }
    if !may_stop_early || !bytes.0.is_empty() {
        chunks.push(StreamChunk::Done(alloc::boxed::Box::new(bytes.finish())));
    }
    chunks
}

/// The meta every round trip encodes with.
fn roundtrip_meta() -> crate::dialect::ResponseMeta {
    crate::dialect::ResponseMeta::new("resp-1", "model-x", 1_700_000_000)
}

/// Encodes `chunks` in both dialects (OpenAI with and without `include_usage`), checks the
/// wire rules the official SDKs' accumulators rely on, decodes the output with the existing
/// decoder of that dialect's provider, and compares the result with what an oracle written from
/// the module docs of [`crate::dialect`] (the finish-reason and usage tables and the list of
/// what each dialect cannot carry) says should come back.
///
/// `chunks` should look like a decoder's output; a stream without a terminal chunk is ended with
/// the encoders' `finish`.
pub fn check_dialect_roundtrip(chunks: &[StreamChunk]) {
    use crate::dialect::{anthropic, openai};
    let meta = roundtrip_meta();
    for include_usage in [false, true] {
        let mut encoder = openai::Encoder::new(meta.clone(), include_usage);
        let mut wire = Vec::new();
        for chunk in chunks {
            let before = wire.len();
            let written = encoder.push(chunk, &mut wire);
            assert_eq!(written, wire.len() - before);
        }
        encoder.finish(&mut wire);
        assert!(encoder.is_done());
        assert_eq!(
            encoder.push(&StreamChunk::Token("late".into()), &mut wire),
            0
        );
        dialect_oracle::openai_wire_rules(&wire, &meta);
        let decoded = normalize_all(Provider::OpenAi, &wire);
        let expected = dialect_oracle::openai(chunks, &meta, include_usage);
        assert_eq!(
            decoded, expected,
            "OpenAI dialect, include_usage {include_usage}"
        );
    }
    let mut encoder = anthropic::Encoder::new(meta.clone());
    let mut wire = Vec::new();
    for chunk in chunks {
        encoder.push(chunk, &mut wire);
    }
    encoder.finish(&mut wire);
    assert!(encoder.is_done());
    assert_eq!(
        encoder.push(&StreamChunk::Token("late".into()), &mut wire),
        0
    );
    dialect_oracle::anthropic_wire_rules(&wire, &meta);
    let decoded = normalize_all(Provider::Anthropic, &wire);
    let expected = dialect_oracle::anthropic(chunks, &meta);
    assert_eq!(decoded, expected, "Anthropic dialect");
}

/// `wire` through a [`Normalizer`] for `provider`, whole.
fn normalize_all(provider: Provider, wire: &[u8]) -> Vec<StreamChunk> {
    let mut normalizer = Normalizer::new(provider);
    normalizer.feed(wire);
    normalizer.finish();
    core::iter::from_fn(|| normalizer.next_chunk()).collect()
}

/// What decoding our dialect output gives back, written from the module docs of
/// [`crate::dialect`] and the providers' documented finish reasons, not from the encoders.
mod dialect_oracle {
    use alloc::boxed::Box;
    use alloc::collections::BTreeMap;
    use alloc::string::String;
    use alloc::vec::Vec;

    use serde_json::Value;

    use crate::chunk::{
        Finish, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind,
        ToolCallArguments, ToolCallStart, Usage,
    };
    use crate::dialect::{ResponseMeta, tool_call_id};
    use crate::sse::{Parsed, Parser};

    /// The tool calls of a stream as a decoder renumbers them.
    #[derive(Default)]
    struct Calls {
        /// Stream index → (wire position, has non-empty arguments).
        seen: BTreeMap<u32, (u32, bool)>,
        order: Vec<u32>,
    }

    impl Calls {
        /// A start: `Some(position)` for a new call, `None` for a repeat.
        fn start(&mut self, index: u32, arguments: &str) -> Result<u32, u32> {
            if let Some(entry) = self.seen.get_mut(&index) {
                entry.1 |= !arguments.is_empty();
                return Err(entry.0);
            }
            let position = u32::try_from(self.order.len()).expect("few calls");
            self.seen.insert(index, (position, !arguments.is_empty()));
            self.order.push(index);
            Ok(position)
        }

        fn fragment(&mut self, index: u32, fragment: &str) -> Option<u32> {
            let entry = self.seen.get_mut(&index)?;
            entry.1 |= !fragment.is_empty();
            Some(entry.0)
        }

        /// The `{}` pieces a normal end adds for calls that streamed no arguments.
        fn complete(&self, out: &mut Vec<StreamChunk>) {
            for index in &self.order {
                let (position, has_arguments) = self.seen[index];
                if !has_arguments {
                    out.push(arguments(position, "{}"));
                }
            }
        }
    }

    fn arguments(index: u32, fragment: &str) -> StreamChunk {
        StreamChunk::ToolCallArguments(ToolCallArguments {
            index,
            fragment: fragment.into(),
        })
    }

    fn call_id(meta: &ResponseMeta, start: &ToolCallStart) -> String {
        match start.id.as_deref() {
            Some(id) if !id.is_empty() => id.into(),
            _ => tool_call_id(&meta.id, start.index),
        }
    }

    /// The stream's terminal chunk, or what the encoders' `finish` reports without one.
    fn terminal(chunks: &[StreamChunk]) -> (usize, Finish) {
        match chunks.iter().position(StreamChunk::is_done) {
            Some(at) => match &chunks[at] {
                StreamChunk::Done(fin) => (at, (**fin).clone()),
                _ => unreachable!(),
            },
            None => (
                chunks.len(),
                Finish {
                    provider: Provider::OpenAi,
                    id: None,
                    model: None,
                    outcome: Err(StreamError::new(
                        StreamErrorKind::Provider("incomplete_stream".into()),
                        "the stream ended without its terminal chunk",
                    )),
                    provider_finish_reason: None,
                    usage: None,
                },
            ),
        }
    }

    /// Unified → OpenAI, from the dialect table.
    fn openai_reason(reason: FinishReason) -> &'static str {
        match reason {
            FinishReason::Stop | FinishReason::StopSequence | FinishReason::Other => "stop",
            FinishReason::Length | FinishReason::PauseTurn => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
        }
    }

    /// OpenAI → unified, as DESIGN.md's table says.
    fn from_openai(raw: &str) -> FinishReason {
        match raw {
            "stop" => FinishReason::Stop,
            "length" => FinishReason::Length,
            "tool_calls" => FinishReason::ToolCalls,
            "content_filter" => FinishReason::ContentFilter,
            _ => FinishReason::Other,
        }
    }

    /// Unified → Anthropic, from the dialect table; the value of Anthropic's API (Claude on
    /// Anthropic, Bedrock or Vertex AI) passes.
    fn anthropic_reason(fin: &Finish, reason: FinishReason) -> String {
        if let (crate::provider::Api::Anthropic, Some(raw)) =
            (fin.provider.api(), &fin.provider_finish_reason)
        {
            return raw.clone();
        }
        String::from(match reason {
            FinishReason::Stop | FinishReason::Other => "end_turn",
            FinishReason::Length => "max_tokens",
            FinishReason::StopSequence => "stop_sequence",
            FinishReason::ToolCalls => "tool_use",
            FinishReason::ContentFilter => "refusal",
            FinishReason::PauseTurn => "pause_turn",
        })
    }

    /// Anthropic → unified, as DESIGN.md's table says.
    fn from_anthropic(raw: &str) -> FinishReason {
        match raw {
            "end_turn" => FinishReason::Stop,
            "max_tokens" | "model_context_window_exceeded" => FinishReason::Length,
            "stop_sequence" => FinishReason::StopSequence,
            "tool_use" => FinishReason::ToolCalls,
            "refusal" => FinishReason::ContentFilter,
            "pause_turn" => FinishReason::PauseTurn,
            _ => FinishReason::Other,
        }
    }

    /// The usage table, OpenAI column, read back by the OpenAI decoder.
    fn openai_usage(provider: Provider, u: &Usage) -> Usage {
        let mut prompt = u.input_tokens;
        if provider.api() == crate::provider::Api::Anthropic {
            prompt = prompt
                .saturating_add(u.cache_read_input_tokens.unwrap_or(0))
                .saturating_add(u.cache_creation_input_tokens.unwrap_or(0));
        }
        Usage {
            input_tokens: prompt,
            output_tokens: u.output_tokens,
            cache_read_input_tokens: u.cache_read_input_tokens,
            cache_creation_input_tokens: None,
            reasoning_tokens: u.reasoning_tokens,
        }
    }

    /// The usage table, Anthropic column, read back by the Anthropic decoder (zeros when none).
    fn anthropic_usage(provider: Provider, u: Option<&Usage>) -> Usage {
        let Some(u) = u else {
            return Usage::default();
        };
        let input = if provider.api() == crate::provider::Api::Anthropic {
            u.input_tokens
        } else {
            u.input_tokens
                .saturating_sub(u.cache_read_input_tokens.unwrap_or(0))
        };
        Usage {
            input_tokens: input,
            output_tokens: u.output_tokens,
            cache_read_input_tokens: u.cache_read_input_tokens,
            cache_creation_input_tokens: u.cache_creation_input_tokens,
            reasoning_tokens: None,
        }
    }

    pub(super) fn openai(
        chunks: &[StreamChunk],
        meta: &ResponseMeta,
        include_usage: bool,
    ) -> Vec<StreamChunk> {
        let (end, fin) = terminal(chunks);
        let mut out = Vec::new();
        let mut calls = Calls::default();
        for chunk in &chunks[..end] {
            match chunk {
                StreamChunk::Token(t) if !t.is_empty() => out.push(chunk.clone()),
                StreamChunk::Reasoning(t) if !t.is_empty() => out.push(chunk.clone()),
                StreamChunk::ToolCallStart(start) => {
                    match calls.start(start.index, &start.arguments) {
                        Ok(position) => out.push(StreamChunk::ToolCallStart(ToolCallStart {
                            index: position,
                            id: Some(call_id(meta, start)),
                            name: start.name.clone(),
                            arguments: start.arguments.clone(),
                        })),
                        Err(position) if !start.arguments.is_empty() => {
                            out.push(arguments(position, &start.arguments));
                        }
                        Err(_) => {}
                    }
                }
                StreamChunk::ToolCallArguments(args) if !args.fragment.is_empty() => {
                    if let Some(position) = calls.fragment(args.index, &args.fragment) {
                        out.push(arguments(position, &args.fragment));
                    }
                }
                _ => {}
            }
        }
        let usage = fin
            .usage
            .as_ref()
            .filter(|_| include_usage)
            .map(|u| openai_usage(fin.provider, u));
        let (outcome, raw) = match &fin.outcome {
            Ok(reason) => {
                calls.complete(&mut out);
                let wire = openai_reason(*reason);
                (Ok(from_openai(wire)), Some(String::from(wire)))
            }
            Err(error) => {
                // The decoder's stand-ins for an empty type or message.
                let ty = match error.error_type() {
                    "" => "api_error",
                    ty => ty,
                };
                let message = match error.message.as_str() {
                    "" => "the server reported an error without a message",
                    m => m,
                };
                let error = StreamError::new(StreamErrorKind::Provider(ty.into()), message);
                (Err(error), None)
            }
        };
        out.push(StreamChunk::Done(Box::new(Finish {
            provider: Provider::OpenAi,
            id: Some(meta.id.clone()),
            model: Some(meta.model.clone()),
            outcome,
            provider_finish_reason: raw,
            usage,
        })));
        out
    }

    pub(super) fn anthropic(chunks: &[StreamChunk], meta: &ResponseMeta) -> Vec<StreamChunk> {
        let (end, fin) = terminal(chunks);
        let started = end > 0;
        let mut out = Vec::new();
        let mut calls = Calls::default();
        for chunk in &chunks[..end] {
            match chunk {
                StreamChunk::Token(t) | StreamChunk::Reasoning(t) if !t.is_empty() => {
                    out.push(chunk.clone());
                }
                StreamChunk::ReasoningSignature(s) | StreamChunk::RedactedReasoning(s)
                    if !s.is_empty() =>
                {
                    out.push(chunk.clone());
                }
                StreamChunk::ToolCallStart(start) => {
                    let position = match calls.start(start.index, &start.arguments) {
                        Ok(position) => {
                            out.push(StreamChunk::ToolCallStart(ToolCallStart {
                                index: position,
                                id: Some(call_id(meta, start)),
                                name: start.name.clone(),
                                arguments: String::new(),
                            }));
                            position
                        }
                        Err(position) => position,
                    };
                    if !start.arguments.is_empty() {
                        out.push(arguments(position, &start.arguments));
                    }
                }
                StreamChunk::ToolCallArguments(args) if !args.fragment.is_empty() => {
                    if let Some(position) = calls.fragment(args.index, &args.fragment) {
                        out.push(arguments(position, &args.fragment));
                    }
                }
                _ => {}
            }
        }
        let (outcome, raw, usage) = match &fin.outcome {
            Ok(reason) => {
                calls.complete(&mut out);
                let wire = anthropic_reason(&fin, *reason);
                let usage = anthropic_usage(fin.provider, fin.usage.as_ref());
                (Ok(from_anthropic(&wire)), Some(wire), Some(usage))
            }
            Err(error) => {
                let error = StreamError::new(
                    StreamErrorKind::Provider(error.error_type().into()),
                    error.message.clone(),
                );
                (Err(error), None, started.then(Usage::default))
            }
        };
        let known = started || outcome.is_ok();
        out.push(StreamChunk::Done(Box::new(Finish {
            provider: Provider::Anthropic,
            id: known.then(|| meta.id.clone()),
            model: known.then(|| meta.model.clone()),
            outcome,
            provider_finish_reason: raw,
            usage,
        })));
        out
    }

    /// The events of `wire`: (event name, JSON data or `None` for `[DONE]`).
    fn events(wire: &[u8]) -> Vec<(String, Option<Value>)> {
        let mut parser = Parser::new();
        parser.feed(wire);
        let mut out = Vec::new();
        while let Some(parsed) = parser.next_event().expect("within the default limits") {
            let Parsed::Event(event) = parsed else {
                panic!("a retry field in dialect output");
            };
            let data = if event.data == "[DONE]" {
                None
            } else {
                let value: Value = serde_json::from_str(event.data)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {}", event.data));
                Some(value)
            };
            out.push((String::from(event.event), data));
        }
        assert!(
            parser.finish().is_clean(),
            "dialect output ended inside an event"
        );
        out
    }

    /// What the OpenAI SDK's stream and `ChatCompletionStreamState` rely on: every chunk has the
    /// response's `id`, `object`, `created` and `model`; the role comes once, first; every tool
    /// call piece has an `index`, the first of each index its `id` and `"type":"function"` and
    /// only the first; indexes count from 0; the stream ends with exactly one `[DONE]`.
    pub(super) fn openai_wire_rules(wire: &[u8], meta: &ResponseMeta) {
        let events = events(wire);
        let Some(((_, last), body)) = events.split_last() else {
            panic!("no events");
        };
        assert!(last.is_none(), "the stream does not end with [DONE]");
        let mut roles = 0;
        let mut seen_calls = 0u64;
        for (i, (name, data)) in body.iter().enumerate() {
            assert_eq!(name, "message");
            let chunk = data.as_ref().expect("[DONE] only at the end");
            assert_eq!(chunk["id"], meta.id.as_str());
            assert_eq!(chunk["object"], "chat.completion.chunk");
            assert_eq!(chunk["created"], meta.created);
            assert_eq!(chunk["model"], meta.model.as_str());
            let choices = chunk["choices"].as_array().expect("choices");
            if chunk.get("error").is_some() || chunk.get("usage").is_some() {
                assert!(choices.is_empty());
            }
            for choice in choices {
                assert_eq!(choice["index"], 0);
                assert!(choice.get("finish_reason").is_some(), "finish_reason: null");
                let delta = &choice["delta"];
                if delta.get("role").is_some() {
                    roles += 1;
                    assert_eq!(i, 0, "the role comes first");
                    assert_eq!(delta["role"], "assistant");
                }
                for piece in delta["tool_calls"].as_array().into_iter().flatten() {
                    let index = piece["index"].as_u64().expect("every piece has an index");
                    assert!(index <= seen_calls, "tool call indexes count from 0");
                    let first = index == seen_calls;
                    if first {
                        seen_calls += 1;
                        assert_eq!(piece["type"], "function");
                        assert!(piece["id"].as_str().is_some_and(|id| !id.is_empty()));
                        assert!(piece["function"]["name"].is_string());
                    } else {
                        assert!(piece.get("id").is_none() && piece.get("type").is_none());
                        assert!(piece["function"].get("name").is_none());
                    }
                }
            }
        }
        assert!(roles <= 1);
    }

    /// What the Anthropic SDK's `MessageStream` accumulator relies on: the event name is the
    /// JSON `type`; `message_start` first with a whole message; blocks numbered from 0 in start
    /// order, with their whole initial shape; deltas only on open blocks of their kind; on a
    /// normal end every block stopped before `message_delta` (with `usage.output_tokens`), then
    /// `message_stop`, last; an `error` event last.
    pub(super) fn anthropic_wire_rules(wire: &[u8], meta: &ResponseMeta) {
        let events = events(wire);
        let mut open: BTreeMap<u64, String> = BTreeMap::new();
        let mut next = 0u64;
        let mut started = false;
        for (i, (name, data)) in events.iter().enumerate() {
            let data = data.as_ref().expect("no [DONE] in Anthropic streams");
            assert_eq!(data["type"].as_str(), Some(name.as_str()));
            let last = i + 1 == events.len();
            match name.as_str() {
                "message_start" => {
                    assert!(!started && i == 0);
                    started = true;
                    let m = &data["message"];
                    assert_eq!(m["id"], meta.id.as_str());
                    assert_eq!(m["model"], meta.model.as_str());
                    assert_eq!(
                        (&m["type"], &m["role"]),
                        (&"message".into(), &"assistant".into())
                    );
                    assert_eq!(m["content"], Value::Array(Vec::new()));
                    assert!(m["stop_reason"].is_null() && m["stop_sequence"].is_null());
                    assert!(m["usage"]["input_tokens"].is_u64());
                    assert!(m["usage"]["output_tokens"].is_u64());
                }
                "content_block_start" => {
                    assert!(started);
                    assert_eq!(data["index"], next, "blocks are numbered in start order");
                    next += 1;
                    let block = &data["content_block"];
                    let kind = block["type"].as_str().expect("a block type");
                    match kind {
                        "text" => assert_eq!(block["text"], ""),
                        "thinking" => {
                            assert_eq!(
                                (&block["thinking"], &block["signature"]),
                                (&"".into(), &"".into())
                            );
                        }
                        "redacted_thinking" => assert!(block["data"].is_string()),
                        "tool_use" => {
                            assert!(block["id"].as_str().is_some_and(|id| !id.is_empty()));
                            assert!(block["name"].is_string());
                            assert_eq!(block["input"], Value::Object(serde_json::Map::new()));
                        }
                        other => panic!("block type {other}"),
                    }
                    open.insert(next - 1, kind.into());
                }
                "content_block_delta" => {
                    let index = data["index"].as_u64().expect("an index");
                    let kind = open.get(&index).expect("a delta on an open block");
                    let delta = data["delta"]["type"].as_str().expect("a delta type");
                    let allowed = match kind.as_str() {
                        "text" => ["text_delta", "text_delta"],
                        "thinking" => ["thinking_delta", "signature_delta"],
                        "tool_use" => ["input_json_delta", "input_json_delta"],
                        other => panic!("a delta on a {other} block"),
                    };
                    assert!(allowed.contains(&delta), "{delta} on a {kind} block");
                }
                "content_block_stop" => {
                    let index = data["index"].as_u64().expect("an index");
                    assert!(open.remove(&index).is_some(), "stop of a block not open");
                }
                "message_delta" => {
                    assert!(open.is_empty(), "a block left open at message_delta");
                    assert!(data["delta"]["stop_reason"].is_string());
                    assert!(data["delta"]["stop_sequence"].is_null());
                    assert!(data["usage"]["output_tokens"].is_u64());
                    assert!(events.get(i + 1).is_some_and(|(n, _)| n == "message_stop"));
                }
                "message_stop" => assert!(last, "message_stop is last"),
                "error" => {
                    assert!(last, "error is last");
                    assert!(
                        data["error"]["type"].is_string() && data["error"]["message"].is_string()
                    );
                }
                other => panic!("event {other}"),
            }
        }
    }
}

#[cfg(test)]
mod dialect_tests {
    use super::*;

    #[test]
    fn request_targets_accept_assorted_inputs() {
        let inputs: [&[u8]; 6] = [
            b"",
            b"{}",
            b"[1]",
            br#"{"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true}"#,
            br#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"}]}],"max_tokens":0,"seed":1,"top_k":2}"#,
            br#"{"model":"m","messages":[{"role":"assistant","content":"x"},{"role":"tool","content":"r","tool_call_id":"c"}]}"#,
        ];
        for input in inputs {
            openai_request(input);
            anthropic_request(input);
        }
    }

    #[test]
    fn roundtrip_target_accepts_assorted_inputs() {
        dialect_roundtrip(b"");
        dialect_roundtrip(b"\x01");
        dialect_roundtrip(b"\x00\x00\x03Hi\"\x05\x01\x02id\x01f\x02{}\x06\x00\x01}\x09");
        dialect_roundtrip(b"\x01\x02\x02hm\x03\x03sig\x08\x00\x01a\x04\x00\x85\x00\x00\x01g\x00");
        let all: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        dialect_roundtrip(&all);
        let rev: Vec<u8> = (0..=255u8).rev().cycle().take(4096).collect();
        dialect_roundtrip(&rev);
    }

    /// Found by `dialect_roundtrip`: a tool call whose provider id is empty went out with
    /// `"id":""`, which no client can answer; it gets the derived id like a call without one.
    #[test]
    fn an_empty_tool_call_id_is_no_id() {
        dialect_roundtrip(b"\x01\x00\x02Hi\x40\x00\x01\x01\x04\x00\x01\xff\x06\x01\x00-\x01x");
        let start = StreamChunk::ToolCallStart(ToolCallStart {
            index: 0,
            id: Some(String::new()),
            name: "f".into(),
            arguments: "{}".into(),
        });
        let done = StreamChunk::Done(alloc::boxed::Box::new(Bytes(&[0, 3]).finish()));
        check_dialect_roundtrip(&[start, done]);
    }
}

// ---------------------------------------------------------------------------------------------
// The event-stream decoder (Amazon Bedrock's framing)
// ---------------------------------------------------------------------------------------------

/// Event-stream limits small enough that fuzz inputs reach them.
const SMALL_EVENTSTREAM_LIMITS: crate::eventstream::Limits = crate::eventstream::Limits::DEFAULT
    .max_message_len(200)
    .max_headers_len(64);

/// Control flag of `eventstream_decoder` (bit 4 of byte 0): make every checksum of the stream
/// right before decoding it, so that the fuzzer reaches the headers and Bedrock's payloads
/// instead of stopping at a checksum.
const FIX_CHECKSUMS: u8 = 0x10;

/// What one event-stream run produced.
#[derive(Debug, PartialEq, Eq)]
struct EventStreamRun {
    /// Each message, and what Bedrock's framing makes of it.
    messages: Vec<(
        crate::eventstream::OwnedMessage,
        Result<
            crate::eventstream::bedrock::ResponseEvent,
            crate::eventstream::bedrock::ClassifyError,
        >,
    )>,
    error: Option<crate::eventstream::DecodeError>,
    end: crate::eventstream::EndOfInput,
}

/// Fuzz target `eventstream_decoder`: arbitrary bytes at arbitrary split points (with flag
/// `0x10`, see `FIX_CHECKSUMS`, their checksums made right first).
///
/// Checks that decoding and classifying do not panic; that the split run yields exactly the
/// messages, classifications, error and end-of-input report of the one-shot run; that memory
/// stays bounded (once drained, the decoder never holds a whole message's worth of bytes, and
/// never a message over the limits); that a limit error names a size over the limit; and that
/// every message re-encodes to exactly the bytes it was decoded from.
pub fn eventstream_decoder(data: &[u8]) {
    let (split, stream) = Split::parse(data);
    let stream = match data.first() {
        Some(&ctrl) if ctrl & FIX_CHECKSUMS != 0 => fix_checksums(stream),
        _ => stream.to_vec(),
    };
    let chunks = split.chunks(&stream);
    for limits in [
        SMALL_EVENTSTREAM_LIMITS,
        crate::eventstream::Limits::DEFAULT,
    ] {
        let whole = run_eventstream(&[&stream], limits, Some(&stream));
        let chunked = run_eventstream(&chunks, limits, None);
        assert_eq!(
            whole, chunked,
            "a split changed the event-stream decoder's output"
        );
    }
}

/// `stream` with the prelude and message checksums of each message, in turn, made right (as
/// far as the lengths say where messages are).
fn fix_checksums(stream: &[u8]) -> Vec<u8> {
    let mut out = stream.to_vec();
    let mut pos = 0;
    while out.len() - pos >= 12 {
        let word = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let total = usize::try_from(word(&out[pos..])).unwrap_or(usize::MAX);
        let crc = crc32fast::hash(&out[pos..pos + 8]);
        out[pos + 8..pos + 12].copy_from_slice(&crc.to_be_bytes());
        if total < crate::eventstream::OVERHEAD || out.len() - pos < total {
            break;
        }
        let end = pos + total;
        let crc = crc32fast::hash(&out[pos..end - 4]);
        out[end - 4..end].copy_from_slice(&crc.to_be_bytes());
        pos = end;
    }
    out
}

/// Feeds `chunks` to an event-stream decoder with `limits`, draining after each, and stops at
/// an error. With `stream` (the whole input, for a one-shot run), checks that each message
/// re-encodes to its own bytes.
fn run_eventstream(
    chunks: &[&[u8]],
    limits: crate::eventstream::Limits,
    stream: Option<&[u8]>,
) -> EventStreamRun {
    use crate::eventstream::{DecodeError, Decoder, Header, bedrock, encode};
    let mut decoder = Decoder::with_limits(limits);
    let mut messages = Vec::new();
    let mut error = None;
    'feed: for chunk in chunks {
        decoder.feed(chunk);
        loop {
            let start = decoder.bytes_consumed();
            match decoder.next_message() {
                Ok(Some(message)) => {
                    let len = message.encoded_len();
                    assert!(len <= limits.max_message_len, "a message over the limit");
                    if let Some(stream) = stream {
                        let headers: Vec<Header<'_>> = message.headers().collect();
                        let mut again = Vec::new();
                        // Names of 0 bytes and values over 32,767 bytes decode but do not
                        // encode.
                        if encode(&headers, message.payload(), &mut again).is_ok() {
                            let start = usize::try_from(start).unwrap_or(usize::MAX);
                            assert_eq!(
                                Some(&again[..]),
                                stream.get(start..start + len),
                                "a message did not re-encode to its bytes"
                            );
                        }
                    }
                    messages.push((message.to_owned(), bedrock::classify(&message)));
                }
                Ok(None) => break,
                Err(err) => {
                    if let DecodeError::LimitExceeded { max, announced, .. } = err {
                        assert!(announced > max, "a limit error within the limit: {err}");
                    }
                    assert_eq!(decoder.next_message(), Err(err.clone()), "not sticky");
                    error = Some(err);
                    break 'feed;
                }
            }
        }
        assert!(
            decoder.buffered_len() < limits.max_message_len.max(12),
            "{} bytes held, a message of at most {} allowed",
            decoder.buffered_len(),
            limits.max_message_len
        );
    }
    let end = decoder.finish();
    assert!(decoder.next_message().is_err() || decoder.next_message() == Ok(None));
    EventStreamRun {
        messages,
        error,
        end,
    }
}

#[cfg(test)]
mod eventstream_tests {
    use super::*;
    use crate::eventstream::{HeaderValue, OVERHEAD, bedrock, encode};

    #[test]
    fn fix_checksums_makes_messages_decode() {
        let mut wire = Vec::new();
        encode(
            &[crate::eventstream::Header::new(
                "n",
                HeaderValue::Integer(1),
            )],
            b"payload",
            &mut wire,
        )
        .unwrap();
        let good = wire.clone();
        wire.extend_from_slice(&good);
        // Break both checksums of both messages, and append a prelude of a cut message.
        let len = good.len();
        for at in [8, len - 1, len + 9, 2 * len - 2] {
            wire[at] ^= 0xff;
        }
        wire.extend_from_slice(&[0, 0, 0, 40, 0, 0, 0, 0, 1, 2, 3, 4, 5]);
        let fixed = fix_checksums(&wire);
        assert_eq!(&fixed[..2 * len], [&good[..], &good[..]].concat());
        assert_eq!(
            &fixed[2 * len + 8..2 * len + 12],
            crc32fast::hash(&[0, 0, 0, 40, 0, 0, 0, 0]).to_be_bytes()
        );
        let run = run_eventstream(&[&fixed], crate::eventstream::Limits::DEFAULT, Some(&fixed));
        assert_eq!(run.messages.len(), 2);
        assert_eq!(run.end.partial_message_bytes, 13);
        // Lengths too small to be a message are left alone.
        assert_eq!(fix_checksums(&[0; 11]), [0; 11]);
        assert_eq!(fix_checksums(&[0; OVERHEAD])[..8], [0; 8]);
    }

    #[test]
    fn eventstream_decoder_accepts_assorted_inputs() {
        let mut bedrock_stream = Vec::new();
        bedrock::encode_chunk(r#"{"type":"message_start"}"#, None, &mut bedrock_stream).unwrap();
        bedrock::encode_exception("throttlingException", "slow down", &mut bedrock_stream).unwrap();
        bedrock::encode_error("InternalError", "oops", &mut bedrock_stream).unwrap();
        let with_prefix = |prefix: &[u8], stream: &[u8]| {
            let mut input = prefix.to_vec();
            input.extend_from_slice(stream);
            eventstream_decoder(&input);
        };
        with_prefix(b"", b"");
        with_prefix(b"\0", &bedrock_stream);
        with_prefix(b"\x03\x01\x07\x40", &bedrock_stream);
        with_prefix(b"\0", &bedrock_stream[..bedrock_stream.len() - 3]);
        // With the checksums fixed: an unknown header type, a cut name, a huge prelude.
        with_prefix(
            b"\x10",
            &[
                0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 0, 1, b'x', 10, 0, 0, 0, 0, 0,
            ],
        );
        with_prefix(
            b"\x11\x05",
            &[
                0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 0, 9, b'x', 1, 0, 0, 0, 0, 0,
            ],
        );
        with_prefix(b"\x10", &[0xff; 40]);
        let all: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        eventstream_decoder(&all);
    }
}
