//! Property tests for the SSE parser and writer:
//! - the parser agrees with a deliberately naive oracle written straight from the standard's text
//!   (decode everything, split into lines, interpret), on generated streams and on noise;
//! - any split of the input into chunks gives exactly the one-shot result;
//! - `Writer` output parses back to the same events.

use llm_sse_core::sse::{EndOfInput, Event, Parsed, Parser, Writer};
use proptest::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    Ev(String, String, String),
    Retry(u64),
}

fn run(chunks: &[&[u8]]) -> (Vec<Out>, EndOfInput) {
    let mut parser = Parser::new();
    let mut out = Vec::new();
    for chunk in chunks {
        parser.feed(chunk);
        while let Some(item) = parser.next_event().expect("within limits") {
            out.push(match item {
                Parsed::Event(e) => Out::Ev(e.event.into(), e.data.into(), e.id.into()),
                Parsed::Retry(ms) => Out::Retry(ms),
            });
        }
    }
    (out, parser.finish())
}

/// The standard's algorithm, as literally as possible, on the whole input at once.
fn oracle(input: &[u8]) -> (Vec<Out>, EndOfInput) {
    let decoded = String::from_utf8_lossy(input);
    let text = decoded.strip_prefix('\u{FEFF}').unwrap_or(&decoded);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(std::mem::take(&mut line));
            }
            '\n' => lines.push(std::mem::take(&mut line)),
            c => line.push(c),
        }
    }
    let (mut data, mut event_type, mut last_id) = (String::new(), String::new(), String::new());
    let mut out = Vec::new();
    for line in lines {
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
    let start = if input.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let after_last_line_end = input[start..]
        .iter()
        .rposition(|b| *b == b'\r' || *b == b'\n')
        .map_or(start, |p| start + p + 1);
    let end = EndOfInput {
        partial_line_bytes: input.len() - after_last_line_end,
        undispatched_event: !data.is_empty() || !event_type.is_empty(),
    };
    (out, end)
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
        prop_assert_eq!(run(&[&input]), oracle(&input));
    }

    #[test]
    fn noise_matches_the_oracle(input in noise()) {
        prop_assert_eq!(run(&[&input]), oracle(&input));
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
        let mut expected: Vec<Out> = retry.into_iter().map(Out::Retry).collect();
        expected.extend(events.iter().map(|(t, d, i)| Out::Ev(t.clone(), d.clone(), i.clone())));
        prop_assert_eq!(out, expected);
        prop_assert!(end.is_clean());
    }
}
