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
                    outputs.push(Output::Error(err));
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
    let mut tool_calls = 0u32;
    let mut previous_break = true;
    for chunk in body {
        match chunk {
            StreamChunk::Done(_) => panic!("a terminal chunk before the last chunk"),
            StreamChunk::Token(t) | StreamChunk::Reasoning(t) => {
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
            StreamChunk::ReasoningSignature(_) | StreamChunk::RedactedReasoning(_) => {}
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
        let chunk = if let Some(reasoning) = string(take(&mut f, "reasoning"), "reasoning") {
            assert!(token.is_empty() && !reasoning.is_empty(), "{data}");
            StreamChunk::Reasoning(reasoning)
        } else if let Some(call) = take(&mut f, "tool_call") {
            assert!(token.is_empty(), "{data}");
            read_tool_call(call, data)
        } else {
            assert!(!token.is_empty(), "a content frame without content: {data}");
            StreamChunk::Token(token)
        };
        assert!(f.is_empty(), "terminal fields on a content frame: {data}");
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
