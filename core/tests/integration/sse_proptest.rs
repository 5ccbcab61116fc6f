//! Property tests for the SSE parser and writer:
//! - the parser agrees with a deliberately naive oracle written straight from the standard's text
//!   (decode everything, split into lines, interpret), on generated streams and on noise;
//! - with small limits, the parser raises the oracle's limit errors at the same point, with the
//!   same figures;
//! - any split of the input into chunks gives exactly the one-shot result (errors included);
//! - every run drives the parser three ways, which must agree: `feed` + `next_event`,
//!   `next_event_from` in place, and the two in turn;
//! - `Writer` output parses back to the same events.

use llm_sse_core::sse::{EndOfInput, Event, Limit, Limits, ParseError, Parsed, Parser, Writer};
use proptest::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    Ev(String, String, String),
    Retry(u64),
}

/// What a run produced: the outputs, then the end-of-input report or the error that stopped it.
type Outcome = (Vec<Out>, Result<EndOfInput, ParseError>);

fn run(chunks: &[&[u8]]) -> Outcome {
    run_with(Limits::DEFAULT, chunks)
}

/// Runs `chunks` through the parser with each way of driving it (which must agree): `feed` and
/// `next_event`, `next_event_from` in place, and the two in turn.
fn run_with(limits: Limits, chunks: &[&[u8]]) -> Outcome {
    let fed = run_driven(limits, chunks, |_| true);
    let in_place = run_driven(limits, chunks, |_| false);
    let mixed = run_driven(limits, chunks, |i| i % 2 == 0);
    assert_eq!(in_place, fed, "next_event_from differs from feed");
    assert_eq!(
        mixed, fed,
        "feed and next_event_from in turn differ from feed"
    );
    fed
}

/// Runs `chunks` through one parser: chunk `i` through `feed` when `feed(i)`, else in place.
fn run_driven(limits: Limits, chunks: &[&[u8]], feed: impl Fn(usize) -> bool) -> Outcome {
    let mut parser = Parser::with_limits(limits);
    let mut out = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let mut input = *chunk;
        if feed(i) {
            parser.feed(chunk);
            input = &[];
        }
        loop {
            let item = if feed(i) {
                parser.next_event()
            } else {
                parser.next_event_from(&mut input)
            };
            match item {
                Ok(Some(Parsed::Event(e))) => {
                    out.push(Out::Ev(e.event.into(), e.data.into(), e.id.into()));
                }
                Ok(Some(Parsed::Retry(ms))) => out.push(Out::Retry(ms)),
                Ok(None) => break,
                Err(err) => return (out, Err(err)),
            }
        }
        assert!(input.is_empty(), "Ok(None) before the input was used up");
    }
    (out, Ok(parser.finish()))
}

/// The standard's algorithm, as literally as possible, on the whole input at once, with the
/// limits as documented on [`Limits`]: a line (without its line end, after a leading BOM) of
/// more than `max_line_len` input bytes is an error reporting `max_line_len + 1`; a `data`
/// line that makes the event's data (values joined with LF, as UTF-8) longer than
/// `max_data_len` is an error reporting that length.
fn oracle(input: &[u8], limits: Limits) -> Outcome {
    let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    // Lines are split on the input bytes (CR and LF are ASCII, so no invalid sequence spans a
    // line end and decoding line by line equals decoding the whole).
    let mut lines: Vec<&[u8]> = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.iter().position(|&b| b == b'\r' || b == b'\n') {
        lines.push(&rest[..at]);
        let len = if rest[at..].starts_with(b"\r\n") {
            2
        } else {
            1
        };
        rest = &rest[at + len..];
    }
    let tail = rest;
    let line_error = Err(ParseError::LimitExceeded {
        limit: Limit::LineLength,
        max: limits.max_line_len,
        actual: limits.max_line_len + 1,
    });
    let (mut data, mut event_type, mut last_id) = (String::new(), String::new(), String::new());
    let mut out = Vec::new();
    for raw in lines {
        if raw.len() > limits.max_line_len {
            return (out, line_error);
        }
        let line = String::from_utf8_lossy(raw);
        if line.is_empty() {
            if data.is_empty() {
                event_type.clear();
                continue;
            }
            if data.ends_with('\n') {
                data.pop();
            }
            let ty = if event_type.is_empty() {
                "message".to_string()
            } else {
                event_type.clone()
            };
            out.push(Out::Ev(ty, std::mem::take(&mut data), last_id.clone()));
            event_type.clear();
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (&line[..], ""),
        };
        match field {
            "event" => event_type = value.to_string(),
            "data" => {
                // `data` holds each earlier value and its LF, so this is the joined size.
                let size = data.len() + value.len();
                if size > limits.max_data_len {
                    let err = ParseError::LimitExceeded {
                        limit: Limit::DataLength,
                        max: limits.max_data_len,
                        actual: size,
                    };
                    return (out, Err(err));
                }
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => last_id = value.to_string(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                let n = value
                    .parse::<u128>()
                    .map_or(u64::MAX, |n| n.min(u64::MAX as u128) as u64);
                out.push(Out::Retry(n));
            }
            _ => {}
        }
    }
    if tail.len() > limits.max_line_len {
        return (out, line_error);
    }
    let end = EndOfInput {
        partial_line_bytes: tail.len(),
        undispatched_event: !data.is_empty() || !event_type.is_empty(),
    };
    (out, Ok(end))
}

/// Small limits that generated streams reach. Lines of at least 3 bytes: a stream that ends
/// inside a BOM (its first 1 or 2 bytes) is a partial line the parser does not measure, since
/// the next bytes could complete the BOM and be stripped.
fn small_limits() -> impl Strategy<Value = Limits> {
    (3usize..40, 0usize..60)
        .prop_map(|(line, data)| Limits::DEFAULT.max_line_len(line).max_data_len(data))
}

fn line_end() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("\n"), Just("\r"), Just("\r\n")]
}

/// Values: unicode text without line ends, sometimes with colons, spaces, NULs.
fn value() -> impl Strategy<Value = String> {
    prop_oneof!["[^\r\n]{0,12}", "[ :a-z0-9\u{0}é😀]{0,8}", "[0-9]{1,25}",]
}

fn line() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        4 => Just("data"),
        2 => Just("event"),
        1 => Just("id"),
        1 => Just("retry"),
        1 => Just("bogus"),
        1 => Just(""),
    ];
    prop_oneof![
        6 => (field, prop_oneof![Just(": "), Just(":"), Just(":  "), Just("")], value())
            .prop_map(|(f, sep, v)| if sep.is_empty() { f.to_string() } else { format!("{f}{sep}{v}") }),
        3 => Just(String::new()),
        1 => value().prop_map(|v| format!(":{v}")),
    ]
}

/// A generated event stream: optional BOM, lines with random line ends, maybe a partial tail.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop::collection::vec((line(), line_end()), 0..24),
        prop_oneof![3 => Just(String::new()), 1 => line()],
    )
        .prop_map(|(bom, lines, tail)| {
            let mut bytes = Vec::new();
            if bom {
                bytes.extend_from_slice(b"\xEF\xBB\xBF");
            }
            for (line, end) in lines {
                bytes.extend_from_slice(line.as_bytes());
                bytes.extend_from_slice(end.as_bytes());
            }
            bytes.extend_from_slice(tail.as_bytes());
            bytes
        })
}

/// Noise biased towards the bytes that matter: line ends, colons, spaces, field names, BOM and
/// invalid UTF-8.
fn noise() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b":".to_vec()),
        Just(b" ".to_vec()),
        Just(b"data".to_vec()),
        Just(b"event".to_vec()),
        Just(b"id".to_vec()),
        Just(b"retry".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\xF0\x9F".to_vec()),
        Just(b"\x00".to_vec()),
        any::<u8>().prop_map(|b| vec![b]),
        "[0-9a-zé]{1,3}".prop_map(String::into_bytes),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

/// Split points as fractions, turned into sorted cut positions.
fn cut(input: &[u8], cuts: &[prop::sample::Index]) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut prev = 0;
    for p in points {
        chunks.push(input[prev..p].to_vec());
        prev = p;
    }
    chunks.push(input[prev..].to_vec());
    chunks
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_streams_match_the_oracle(input in stream()) {
        prop_assert_eq!(run(&[&input]), oracle(&input, Limits::DEFAULT));
    }

    #[test]
    fn noise_matches_the_oracle(input in noise()) {
        prop_assert_eq!(run(&[&input]), oracle(&input, Limits::DEFAULT));
    }

    #[test]
    fn limits_match_the_oracle(input in prop_oneof![stream(), noise()], limits in small_limits()) {
        prop_assert_eq!(run_with(limits, &[&input]), oracle(&input, limits));
    }

    #[test]
    fn any_split_gives_the_one_shot_result_and_error_under_small_limits(
        input in prop_oneof![stream(), noise()],
        limits in small_limits(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let chunks = cut(&input, &cuts);
        let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        prop_assert_eq!(run_with(limits, &refs), run_with(limits, &[&input]));
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(run_with(limits, &bytes), run_with(limits, &[&input]));
    }

    #[test]
    fn any_split_gives_the_one_shot_result(
        input in prop_oneof![stream(), noise()],
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let chunks = cut(&input, &cuts);
        let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        prop_assert_eq!(run(&refs), run(&[&input]));
    }

    #[test]
    fn byte_by_byte_gives_the_one_shot_result(input in prop_oneof![stream(), noise()]) {
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(run(&chunks), run(&[&input]));
    }

    #[test]
    fn written_events_parse_back_unchanged(
        events in prop::collection::vec(
            ("[^\r\n]{1,10}", "[^\r]{0,30}", "[^\r\n\u{0}]{0,6}"),
            0..10,
        ),
        retry in proptest::option::of(any::<u64>()),
    ) {
        let mut writer = Writer::new();
        let mut bytes = Vec::new();
        if let Some(ms) = retry {
            writer.write_retry(ms, &mut bytes);
        }
        writer.write_comment("keep-alive", &mut bytes);
        for (ty, data, id) in &events {
            writer.write(&Event { event: ty, data, id }, &mut bytes).unwrap();
        }
        let (out, end) = run(&[&bytes]);
        let end = end.expect("within the default limits");
        let mut expected: Vec<Out> = retry.into_iter().map(Out::Retry).collect();
        expected.extend(events.iter().map(|(t, d, i)| Out::Ev(t.clone(), d.clone(), i.clone())));
        prop_assert_eq!(out, expected);
        prop_assert!(end.is_clean());
    }
}
