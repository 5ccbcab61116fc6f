//! Conformance table for the WHATWG "event stream interpretation" (HTML Living Standard,
//! server-sent events). Each case is written from the standard's text and runs whole, one byte at
//! a time, and split at every single position, with the same expected result each time.

use llm_sse_core::sse::{EndOfInput, Limit, Limits, ParseError, Parsed, Parser};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    /// event type, data, last event id
    Ev(String, String, String),
    Retry(u64),
}

fn ev(event: &str, data: &str, id: &str) -> Out {
    Out::Ev(event.into(), data.into(), id.into())
}

fn msg(data: &str) -> Out {
    ev("message", data, "")
}

const CLEAN: EndOfInput = EndOfInput {
    partial_line_bytes: 0,
    undispatched_event: false,
};

fn partial(bytes: usize) -> EndOfInput {
    EndOfInput {
        partial_line_bytes: bytes,
        undispatched_event: false,
    }
}

fn pending_event(bytes: usize) -> EndOfInput {
    EndOfInput {
        partial_line_bytes: bytes,
        undispatched_event: true,
    }
}

/// How a test gives the chunks to the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drive {
    /// `feed` each chunk, then drain with `next_event`.
    Feed,
    /// `next_event_from` on each chunk, in place.
    InPlace,
    /// Chunks in turn through `feed` + `next_event` and `next_event_from`, starting with `feed`
    /// (so bytes fed are pending when `next_event_from` starts).
    Mixed,
}

const DRIVES: [Drive; 3] = [Drive::Feed, Drive::InPlace, Drive::Mixed];

fn out(item: Parsed<'_>) -> Out {
    match item {
        Parsed::Event(e) => Out::Ev(e.event.into(), e.data.into(), e.id.into()),
        Parsed::Retry(ms) => Out::Retry(ms),
    }
}

/// Gives `chunk`, the `index`-th chunk, to `parser` as `drive` says and collects the outputs
/// until the parser needs more data or fails.
fn drain(
    parser: &mut Parser,
    drive: Drive,
    index: usize,
    chunk: &[u8],
    outs: &mut Vec<Out>,
) -> Result<(), ParseError> {
    if drive == Drive::Feed || (drive == Drive::Mixed && index % 2 == 0) {
        parser.feed(chunk);
        while let Some(item) = parser.next_event()? {
            outs.push(out(item));
        }
    } else {
        let mut input = chunk;
        while let Some(item) = parser.next_event_from(&mut input)? {
            outs.push(out(item));
        }
        assert!(input.is_empty(), "Ok(None) before the input was used up");
    }
    Ok(())
}

fn run(chunks: &[&[u8]]) -> (Vec<Out>, EndOfInput) {
    let runs: Vec<_> = DRIVES.iter().map(|&d| run_driven(d, chunks)).collect();
    for (drive, result) in DRIVES.iter().zip(&runs) {
        assert_eq!(result, &runs[0], "{drive:?} differs from feed");
    }
    runs.into_iter().next().expect("three drives")
}

fn run_driven(drive: Drive, chunks: &[&[u8]]) -> (Vec<Out>, EndOfInput) {
    let mut parser = Parser::new();
    let mut outs = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        drain(&mut parser, drive, i, chunk, &mut outs).expect("no limit is reached");
    }
    (outs, parser.finish())
}

struct Case {
    name: &'static str,
    input: &'static [u8],
    expected: Vec<Out>,
    end: EndOfInput,
}

fn case(name: &'static str, input: &'static [u8], expected: Vec<Out>, end: EndOfInput) -> Case {
    Case {
        name,
        input,
        expected,
        end,
    }
}

fn cases() -> Vec<Case> {
    vec![
        // --- Dispatch and the data buffer -------------------------------------------------
        case("empty stream", b"", vec![], CLEAN),
        case(
            "single event",
            b"data: hello\n\n",
            vec![msg("hello")],
            CLEAN,
        ),
        case(
            "two events",
            b"data: a\n\ndata: b\n\n",
            vec![msg("a"), msg("b")],
            CLEAN,
        ),
        case(
            "multi-line data joined with LF",
            b"data: a\ndata: b\ndata: c\n\n",
            vec![msg("a\nb\nc")],
            CLEAN,
        ),
        case(
            "only one trailing LF removed",
            b"data: a\ndata:\n\n",
            vec![msg("a\n")],
            CLEAN,
        ),
        case(
            "empty data field dispatches empty data",
            b"data\n\n",
            vec![msg("")],
            CLEAN,
        ),
        case(
            "data colon no value dispatches empty data",
            b"data:\n\n",
            vec![msg("")],
            CLEAN,
        ),
        case(
            "two empty data lines give one LF",
            b"data\ndata\n\n",
            vec![msg("\n")],
            CLEAN,
        ),
        case(
            "blank line alone dispatches nothing",
            b"\n\n\n",
            vec![],
            CLEAN,
        ),
        case(
            "event without data dispatches nothing",
            b"event: foo\n\n",
            vec![],
            CLEAN,
        ),
        case(
            "event type reset after an empty dispatch",
            b"event: foo\n\ndata: x\n\n",
            vec![msg("x")],
            CLEAN,
        ),
        case(
            "id without data dispatches nothing",
            b"id: 1\n\n",
            vec![],
            CLEAN,
        ),
        case(
            "event type resets between events",
            b"event: a\ndata: 1\n\ndata: 2\n\n",
            vec![ev("a", "1", ""), msg("2")],
            CLEAN,
        ),
        case(
            "field order does not matter",
            b"data: x\nevent: late\n\n",
            vec![ev("late", "x", "")],
            CLEAN,
        ),
        // --- The colon split and the one leading space ------------------------------------
        case(
            "one leading space removed",
            b"data: x\n\n",
            vec![msg("x")],
            CLEAN,
        ),
        case("no space after colon", b"data:x\n\n", vec![msg("x")], CLEAN),
        case(
            "only one of two spaces removed",
            b"data:  x\n\n",
            vec![msg(" x")],
            CLEAN,
        ),
        case(
            "trailing spaces kept",
            b"data: x  \n\n",
            vec![msg("x  ")],
            CLEAN,
        ),
        case(
            "tab is not removed",
            b"data:\tx\n\n",
            vec![msg("\tx")],
            CLEAN,
        ),
        case(
            "split at the first colon only",
            b"data: a:b: c\n\n",
            vec![msg("a:b: c")],
            CLEAN,
        ),
        case(
            "value that is only a space",
            b"data: \n\n",
            vec![msg("")],
            CLEAN,
        ),
        case(
            "space before colon is part of the name",
            b"data : x\n\n",
            vec![],
            CLEAN,
        ),
        case(
            "field names are case-sensitive",
            b"Data: x\nDATA: y\n\n",
            vec![],
            CLEAN,
        ),
        case(
            "unknown fields are ignored",
            b"foo: bar\ndata: x\nbaz\n\n",
            vec![msg("x")],
            CLEAN,
        ),
        case(
            "leading space in name makes it unknown",
            b" data: x\n\n",
            vec![],
            CLEAN,
        ),
        // --- Comments ---------------------------------------------------------------------
        case(
            "comment ignored",
            b": hello\ndata: x\n\n",
            vec![msg("x")],
            CLEAN,
        ),
        case(
            "lone colon comment",
            b":\ndata: x\n\n",
            vec![msg("x")],
            CLEAN,
        ),
        case(
            "comment does not dispatch",
            b"data: x\n: keep-alive\n\n",
            vec![msg("x")],
            CLEAN,
        ),
        case("comment only stream", b": ping\n: ping\n", vec![], CLEAN),
        case(
            "comment between data lines",
            b"data: a\n:c\ndata: b\n\n",
            vec![msg("a\nb")],
            CLEAN,
        ),
        // --- event ------------------------------------------------------------------------
        case(
            "event sets the type",
            b"event: add\ndata: 1\n\n",
            vec![ev("add", "1", "")],
            CLEAN,
        ),
        case(
            "empty event means message",
            b"event:\ndata: 1\n\n",
            vec![msg("1")],
            CLEAN,
        ),
        case(
            "event without colon means message",
            b"event\ndata: 1\n\n",
            vec![msg("1")],
            CLEAN,
        ),
        case(
            "last event field wins",
            b"event: a\nevent: b\ndata: 1\n\n",
            vec![ev("b", "1", "")],
            CLEAN,
        ),
        case(
            "event with leading space kept",
            b"event:  a\ndata: 1\n\n",
            vec![ev(" a", "1", "")],
            CLEAN,
        ),
        // --- id ---------------------------------------------------------------------------
        case(
            "id set",
            b"id: 7\ndata: x\n\n",
            vec![ev("message", "x", "7")],
            CLEAN,
        ),
        case(
            "id persists across events",
            b"id: 7\ndata: x\n\ndata: y\n\n",
            vec![ev("message", "x", "7"), ev("message", "y", "7")],
            CLEAN,
        ),
        case(
            "empty id resets to empty",
            b"id: 7\ndata: x\n\nid\ndata: y\n\n",
            vec![ev("message", "x", "7"), ev("message", "y", "")],
            CLEAN,
        ),
        case(
            "id colon empty resets",
            b"id: 7\ndata: x\n\nid:\ndata: y\n\n",
            vec![ev("message", "x", "7"), ev("message", "y", "")],
            CLEAN,
        ),
        case(
            "id containing NUL is ignored",
            b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
            vec![ev("message", "a", "1"), ev("message", "b", "1")],
            CLEAN,
        ),
        case(
            "id set on an event that does not dispatch still persists",
            b"id: 5\n\ndata: x\n\n",
            vec![ev("message", "x", "5")],
            CLEAN,
        ),
        case(
            "id after data in the same event applies",
            b"data: x\nid: 9\n\n",
            vec![ev("message", "x", "9")],
            CLEAN,
        ),
        case(
            "id with unicode",
            "id: é→\ndata: x\n\n".as_bytes(),
            vec![ev("message", "x", "é→")],
            CLEAN,
        ),
        case("stream cut inside a BOM", b"\xEF\xBB", vec![], partial(2)),
        case("stream of a BOM alone", b"\xEF\xBB\xBF", vec![], CLEAN),
        case(
            "repeated, changed, cleared and undecodable event types",
            b"event: a\ndata: 1\n\nevent: a\ndata: 2\n\nevent: b\ndata: 3\n\ndata: 4\n\nevent: a\n\ndata: 5\n\nevent: \xFF\ndata: 6\n\nevent: \xEF\xBF\xBD\ndata: 7\n\nevent: \xFF\nevent: a\ndata: 8\n\n",
            vec![
                ev("a", "1", ""),
                ev("a", "2", ""),
                ev("b", "3", ""),
                msg("4"),
                msg("5"),
                ev("\u{FFFD}", "6", ""),
                ev("\u{FFFD}", "7", ""),
                ev("a", "8", ""),
            ],
            CLEAN,
        ),
        // --- retry ------------------------------------------------------------------------
        case(
            "retry digits",
            b"retry: 1000\n",
            vec![Out::Retry(1000)],
            CLEAN,
        ),
        case("retry zero", b"retry: 0\n", vec![Out::Retry(0)], CLEAN),
        case(
            "retry with leading zeros",
            b"retry: 007\n",
            vec![Out::Retry(7)],
            CLEAN,
        ),
        case("retry non-digit ignored", b"retry: 10a\n", vec![], CLEAN),
        case("retry negative ignored", b"retry: -1\n", vec![], CLEAN),
        case("retry decimal ignored", b"retry: 1.5\n", vec![], CLEAN),
        case("retry empty ignored", b"retry:\nretry\n", vec![], CLEAN),
        case(
            "retry with two spaces ignored",
            b"retry:  5\n",
            vec![],
            CLEAN,
        ),
        case(
            "retry trailing space ignored",
            b"retry: 5 \n",
            vec![],
            CLEAN,
        ),
        case(
            "retry beyond 32 bits kept",
            b"retry: 5000000000\n",
            vec![Out::Retry(5_000_000_000)],
            CLEAN,
        ),
        case(
            "retry beyond 64 bits saturates",
            b"retry: 99999999999999999999999\n",
            vec![Out::Retry(u64::MAX)],
            CLEAN,
        ),
        case(
            "retry full-width digits ignored",
            "retry: １\n".as_bytes(),
            vec![],
            CLEAN,
        ),
        case(
            "retry reported in stream order",
            b"data: a\nretry: 5\n\ndata: b\n\n",
            vec![Out::Retry(5), msg("a"), msg("b")],
            CLEAN,
        ),
        // --- Line ends --------------------------------------------------------------------
        case(
            "CRLF line ends",
            b"data: a\r\ndata: b\r\n\r\n",
            vec![msg("a\nb")],
            CLEAN,
        ),
        case(
            "CR-only line ends",
            b"data: a\rdata: b\r\r",
            vec![msg("a\nb")],
            CLEAN,
        ),
        case(
            "mixed line ends",
            b"data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r",
            vec![msg("a\nb\nc"), msg("d")],
            CLEAN,
        ),
        case(
            "LF CR is two line ends",
            b"data: a\n\r",
            vec![msg("a")],
            CLEAN,
        ),
        case(
            "CR CR LF is a blank line then",
            b"data: a\r\r\n",
            vec![msg("a")],
            CLEAN,
        ),
        case(
            "CRLFCRLF dispatches once",
            b"data: a\r\n\r\n\r\n",
            vec![msg("a")],
            CLEAN,
        ),
        case(
            "CR in the middle splits the line",
            b"data: a\rb\n\n",
            vec![msg("a")],
            CLEAN,
        ),
        // --- UTF-8 and BOM ----------------------------------------------------------------
        case(
            "unicode data",
            "data: héllo ✓ 😀\n\n".as_bytes(),
            vec![msg("héllo ✓ 😀")],
            CLEAN,
        ),
        case(
            "leading BOM stripped",
            b"\xEF\xBB\xBFdata: x\n\n",
            vec![msg("x")],
            CLEAN,
        ),
        case(
            "only one leading BOM stripped",
            b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n",
            vec![],
            CLEAN,
        ),
        case(
            "BOM later in the stream is data",
            b"data: x\n\n\xEF\xBB\xBFdata: y\n\n",
            vec![msg("x")],
            CLEAN,
        ),
        case(
            "BOM inside a value kept",
            b"data: \xEF\xBB\xBFx\n\n",
            vec![msg("\u{FEFF}x")],
            CLEAN,
        ),
        case(
            "BOM then blank line",
            b"\xEF\xBB\xBF\ndata: x\n\n",
            vec![msg("x")],
            CLEAN,
        ),
        case(
            "truncated BOM is not a BOM",
            b"\xEF\xBBdata: x\n\n",
            vec![],
            CLEAN,
        ),
        case(
            "invalid byte replaced",
            b"data: a\xFFb\n\n",
            vec![msg("a\u{FFFD}b")],
            CLEAN,
        ),
        case(
            "truncated sequence before line end is one replacement",
            b"data: \xE2\x82\n\n",
            vec![msg("\u{FFFD}")],
            CLEAN,
        ),
        case(
            "each maximal subpart replaced once",
            b"data: \xF0\x9F\x98\xE2\x82x\n\n",
            vec![msg("\u{FFFD}\u{FFFD}x")],
            CLEAN,
        ),
        case(
            "surrogate encoding replaced per byte",
            b"data: \xED\xA0\x80\n\n",
            vec![msg("\u{FFFD}\u{FFFD}\u{FFFD}")],
            CLEAN,
        ),
        case(
            "overlong encoding replaced per byte",
            b"data: \xC0\xAF\n\n",
            vec![msg("\u{FFFD}\u{FFFD}")],
            CLEAN,
        ),
        case(
            "invalid bytes in the field name make it unknown",
            b"dat\xE1: x\ndata: y\n\n",
            vec![msg("y")],
            CLEAN,
        ),
        case(
            "NUL in data kept",
            b"data: a\x00b\n\n",
            vec![msg("a\0b")],
            CLEAN,
        ),
        // --- End of input -----------------------------------------------------------------
        case(
            "unterminated event not dispatched",
            b"data: x\n",
            vec![],
            pending_event(0),
        ),
        case(
            "partial last line not processed",
            b"data: x",
            vec![],
            partial(7),
        ),
        case(
            "event then partial line",
            b"data: a\n\ndata: b",
            vec![msg("a")],
            partial(7),
        ),
        case(
            "partial retry line not applied",
            b"retry: 10",
            vec![],
            partial(9),
        ),
        case(
            "unterminated event type only",
            b"event: x\n",
            vec![],
            pending_event(0),
        ),
        case(
            "pending data and a partial line",
            b"data: a\ndata: b",
            vec![],
            pending_event(7),
        ),
        case(
            "final CR ends the line",
            b"data: x\r\r",
            vec![msg("x")],
            CLEAN,
        ),
        case(
            "partial comment",
            b"data: a\n\n: ke",
            vec![msg("a")],
            partial(4),
        ),
    ]
}

/// Every single split point of the input into two chunks.
fn two_way_splits(input: &[u8]) -> impl Iterator<Item = [&[u8]; 2]> {
    (0..=input.len()).map(move |i| [&input[..i], &input[i..]])
}

#[test]
fn table_has_at_least_sixty_cases() {
    assert!(cases().len() >= 60, "{} cases", cases().len());
}

#[test]
fn conformance_whole() {
    for c in cases() {
        let (out, end) = run(&[c.input]);
        assert_eq!(out, c.expected, "case {:?}", c.name);
        assert_eq!(end, c.end, "end of case {:?}", c.name);
    }
}

#[test]
fn conformance_byte_by_byte() {
    for c in cases() {
        let chunks: Vec<&[u8]> = c.input.chunks(1).collect();
        let (out, end) = run(&chunks);
        assert_eq!(out, c.expected, "case {:?} byte by byte", c.name);
        assert_eq!(end, c.end, "end of case {:?} byte by byte", c.name);
    }
}

#[test]
fn conformance_every_split_point() {
    for c in cases() {
        for split in two_way_splits(c.input) {
            let (out, end) = run(&split);
            assert_eq!(out, c.expected, "case {:?} split {:?}", c.name, split);
            assert_eq!(end, c.end, "end of case {:?} split {:?}", c.name, split);
        }
    }
}

#[test]
fn conformance_with_trailing_partial_data() {
    // Appending the start of another event must not change what the complete part yields.
    for c in cases() {
        if c.end != CLEAN {
            continue;
        }
        let mut input = c.input.to_vec();
        input.extend_from_slice(b"data: never dispatched");
        let (out, end) = run(&[&input]);
        assert_eq!(
            out, c.expected,
            "case {:?} with trailing partial data",
            c.name
        );
        assert!(
            !end.is_clean(),
            "case {:?}: truncation must be reported",
            c.name
        );
    }
}

#[test]
fn conformance_after_a_first_line() {
    // The stream's first line is always buffered (it may start with a BOM); after it,
    // `next_event_from` parses complete lines in place. A comment line first puts every line of
    // the case on that path (and cannot change the outcome, except for a case that starts with
    // a BOM, which is then no longer at the start of the stream).
    for c in cases() {
        if c.input.first() == Some(&0xEF) {
            continue;
        }
        let mut all = vec![vec![&b":\n"[..], c.input]];
        all.push([&[&b":\n"[..]][..], &c.input.chunks(1).collect::<Vec<_>>()].concat());
        all.extend(two_way_splits(c.input).map(|[a, b]| vec![&b":\n"[..], a, b]));
        for chunks in all {
            let (out, end) = run(&chunks);
            assert_eq!(out, c.expected, "case {:?} in {:?}", c.name, chunks);
            assert_eq!(end, c.end, "end of case {:?} in {:?}", c.name, chunks);
        }
    }
}

// --- Named chunk-boundary edge cases ------------------------------------------------------

#[test]
fn cr_at_chunk_end_and_lf_at_next_start_are_one_line_end() {
    // Were they two line ends, the LF would be a blank line and dispatch "a" early, splitting
    // the event in two.
    let (out, _) = run(&[b"data: a\r", b"\ndata: b\r\n\r\n"]);
    assert_eq!(out, vec![msg("a\nb")]);
}

#[test]
fn cr_at_chunk_end_followed_by_blank_line_dispatches() {
    let (out, _) = run(&[b"data: a\r", b"\r"]);
    assert_eq!(out, vec![msg("a")]);
}

#[test]
fn bom_split_across_chunks_is_stripped() {
    let (out, _) = run(&[b"\xEF", b"\xBB", b"\xBFdata: x\n\n"]);
    assert_eq!(out, vec![msg("x")]);
}

#[test]
fn bom_in_second_chunk_is_not_stripped() {
    let (out, _) = run(&[b"data: x\n\n", b"\xEF\xBB\xBFdata: y\n\n"]);
    assert_eq!(out, vec![msg("x")]);
}

#[test]
fn utf8_sequence_split_across_chunks_decodes_whole() {
    let bytes = "data: 😀é\n\n".as_bytes();
    for i in 0..bytes.len() {
        let (out, _) = run(&[&bytes[..i], &bytes[i..]]);
        assert_eq!(out, vec![msg("😀é")], "split at {i}");
    }
}

#[test]
fn events_borrow_reused_buffers_and_reset_between_events() {
    let mut parser = Parser::new();
    parser.feed(b"event: a\ndata: long data value\n\ndata: b\n\n");
    let Some(Parsed::Event(first)) = parser.next_event().unwrap() else {
        panic!("expected an event");
    };
    assert_eq!((first.event, first.data), ("a", "long data value"));
    let Some(Parsed::Event(second)) = parser.next_event().unwrap() else {
        panic!("expected an event");
    };
    assert_eq!((second.event, second.data), ("message", "b"));
    assert_eq!(parser.next_event().unwrap(), None);
}

#[test]
fn state_queries_report_partial_line_and_pending_event() {
    let mut parser = Parser::new();
    parser.feed(b"id: 3\nretry: 25\ndata: x\nda");
    assert_eq!(parser.next_event().unwrap(), Some(Parsed::Retry(25)));
    assert_eq!(parser.next_event().unwrap(), None);
    assert!(parser.has_partial_line());
    assert!(parser.has_pending_event());
    assert_eq!(parser.last_event_id(), "3");
    assert_eq!(parser.reconnection_time(), Some(25));
    parser.feed(b"ta: y\n\n");
    let Some(Parsed::Event(e)) = parser.next_event().unwrap() else {
        panic!("expected an event");
    };
    assert_eq!((e.data, e.id), ("x\ny", "3"));
    assert_eq!(parser.next_event().unwrap(), None);
    assert!(!parser.has_partial_line());
    assert!(!parser.has_pending_event());
    assert!(parser.finish().is_clean());
}

#[test]
fn next_event_from_hands_out_values_from_the_input_without_copying() {
    let input = b":\nevent: a\ndata: one\n\ndata: x\ndata: y\n\n";
    let within = |s: &str| input.as_ptr_range().contains(&s.as_ptr());
    let mut parser = Parser::new();
    let mut rest = &input[..];
    let Some(Parsed::Event(e)) = parser.next_event_from(&mut rest).unwrap() else {
        panic!("expected an event");
    };
    assert_eq!((e.event, e.data), ("a", "one"));
    assert!(within(e.data), "data copied");
    // Data lines joined with LF have to be copied.
    let Some(Parsed::Event(e)) = parser.next_event_from(&mut rest).unwrap() else {
        panic!("expected an event");
    };
    assert_eq!((e.event, e.data), ("message", "x\ny"));
    assert!(!within(e.data));
    assert_eq!(parser.next_event_from(&mut rest).unwrap(), None);
    assert!(rest.is_empty());
    assert!(parser.finish().is_clean());
}

#[test]
fn next_event_from_keeps_an_unfinished_event_when_the_input_is_reused() {
    let mut parser = Parser::new();
    let mut outs = Vec::new();
    // One read buffer, overwritten by each read, as a reader loop does.
    let mut read = Vec::new();
    for piece in [
        &b":\nid: 7\nevent: a\ndata: x\n"[..],
        b"retry: 5\ndata: y\nda",
        b"ta: z\n\nevent: b\r",
        b"\ndata: w\r",
        b"\r",
    ] {
        read.clear();
        read.extend_from_slice(piece);
        let mut input = &read[..];
        while let Some(item) = parser.next_event_from(&mut input).unwrap() {
            outs.push(out(item));
        }
        assert!(input.is_empty());
        if piece.ends_with(b"da") {
            assert!(parser.has_partial_line());
            assert!(parser.has_pending_event());
        }
    }
    assert_eq!(
        outs,
        vec![Out::Retry(5), ev("a", "x\ny\nz", "7"), ev("b", "w", "7")]
    );
    assert!(parser.finish().is_clean());
}

// --- Limits -------------------------------------------------------------------------------

/// Runs `chunks` through a parser with `limits`, stopping at the first error, with each way of
/// driving the parser (which must agree).
fn run_limited(limits: Limits, chunks: &[&[u8]]) -> (Vec<Out>, Result<EndOfInput, ParseError>) {
    let runs: Vec<_> = DRIVES
        .iter()
        .map(|&d| run_limited_driven(d, limits, chunks))
        .collect();
    for (drive, result) in DRIVES.iter().zip(&runs) {
        assert_eq!(result, &runs[0], "{drive:?} differs from feed");
    }
    runs.into_iter().next().expect("three drives")
}

fn run_limited_driven(
    drive: Drive,
    limits: Limits,
    chunks: &[&[u8]],
) -> (Vec<Out>, Result<EndOfInput, ParseError>) {
    let mut parser = Parser::with_limits(limits);
    let mut outs = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        if let Err(err) = drain(&mut parser, drive, i, chunk, &mut outs) {
            // Sticky, and the same error again, through either entry point.
            assert_eq!(parser.next_event(), Err(err.clone()));
            assert_eq!(
                parser.next_event_from(&mut &b"data: x\n\n"[..]),
                Err(err.clone())
            );
            return (outs, Err(err));
        }
    }
    (outs, Ok(parser.finish()))
}

/// `input` whole, one byte at a time, split at every single position, and in pseudo-random
/// pieces (a fixed-seed generator, so failures reproduce).
fn splits(input: &[u8]) -> Vec<Vec<&[u8]>> {
    let mut all = vec![vec![input], input.chunks(1).collect()];
    for at in 1..input.len().min(300) {
        all.push(vec![&input[..at], &input[at..]]);
    }
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..20 {
        let mut pieces = Vec::new();
        let mut rest = input;
        while !rest.is_empty() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let size = (state % 700) as usize + 1;
            let (head, tail) = rest.split_at(size.min(rest.len()));
            pieces.push(head);
            rest = tail;
        }
        all.push(pieces);
    }
    all
}

/// Checks that every split of `input` gives `expected` under `limits`.
#[track_caller]
fn assert_limited(
    limits: Limits,
    input: &[u8],
    expected: (Vec<Out>, Result<EndOfInput, ParseError>),
) {
    for chunks in splits(input) {
        assert_eq!(
            run_limited(limits, &chunks),
            expected,
            "split into {} pieces",
            chunks.len()
        );
    }
}

fn data_error(max: usize, actual: usize) -> Result<EndOfInput, ParseError> {
    Err(ParseError::LimitExceeded {
        limit: Limit::DataLength,
        max,
        actual,
    })
}

fn line_error(max: usize) -> Result<EndOfInput, ParseError> {
    Err(ParseError::LimitExceeded {
        limit: Limit::LineLength,
        max,
        actual: max + 1,
    })
}

#[test]
fn one_data_line_of_exactly_the_limit_is_accepted_and_one_byte_more_is_not() {
    let input = b"data: 0123456789\n\ndata: after\n\n";
    assert_limited(
        Limits::with_max_event_size(10),
        input,
        (vec![msg("0123456789"), msg("after")], Ok(CLEAN)),
    );
    assert_limited(
        Limits::with_max_event_size(9),
        input,
        (vec![], data_error(9, 10)),
    );
}

#[test]
fn several_data_lines_count_as_joined_with_lf_without_a_trailing_lf() {
    // "12345\n6789" is 10 bytes.
    let input = b"data: 12345\ndata: 6789\n\n";
    assert_limited(
        Limits::with_max_event_size(10),
        input,
        (vec![msg("12345\n6789")], Ok(CLEAN)),
    );
    assert_limited(
        Limits::with_max_event_size(9),
        input,
        (vec![], data_error(9, 10)),
    );
    // Empty values count only their separating LF: "\na\n" is 3 bytes.
    let input = b"data\ndata: a\ndata:\n\n";
    assert_limited(
        Limits::with_max_event_size(3),
        input,
        (vec![msg("\na\n")], Ok(CLEAN)),
    );
    assert_limited(
        Limits::with_max_event_size(2),
        input,
        (vec![], data_error(2, 3)),
    );
    // One empty value is an event with empty data, of size 0.
    assert_limited(
        Limits::with_max_event_size(0),
        b"data\n\n",
        (vec![msg("")], Ok(CLEAN)),
    );
}

#[test]
fn the_data_error_reports_the_size_after_the_line_that_crossed_the_limit() {
    let input = b"data: ok\n\ndata: 12345\ndata: 67890\ndata: never read\n\n";
    assert_limited(
        Limits::with_max_event_size(10),
        input,
        (vec![msg("ok")], data_error(10, 11)),
    );
}

#[test]
fn the_data_limit_counts_the_data_as_dispatched_in_utf8() {
    // "é" is 2 bytes; an invalid byte is dispatched as U+FFFD, 3 bytes.
    let input = b"data: \xC3\xA9\xFF\n\n";
    assert_limited(
        Limits::with_max_event_size(5),
        input,
        (vec![msg("é\u{FFFD}")], Ok(CLEAN)),
    );
    assert_limited(
        Limits::with_max_event_size(4),
        input,
        (vec![], data_error(4, 5)),
    );
    // The same after a first line, where `next_event_from` decodes the value in place.
    let input = b":\ndata: \xC3\xA9\xFF\n\n";
    assert_limited(
        Limits::with_max_event_size(5),
        input,
        (vec![msg("é\u{FFFD}")], Ok(CLEAN)),
    );
    assert_limited(
        Limits::with_max_event_size(4),
        input,
        (vec![], data_error(4, 5)),
    );
}

#[test]
fn a_line_of_exactly_the_line_limit_is_accepted_and_one_byte_more_is_not() {
    let limits = Limits::DEFAULT.max_line_len(10);
    // "data: 1234" is 10 bytes; the line end does not count.
    for end in [&b"\n"[..], b"\r", b"\r\n"] {
        let input = [&b"data: 1234"[..], end, end].concat();
        assert_limited(limits, &input, (vec![msg("1234")], Ok(CLEAN)));
        let input = [&b"data: 12345"[..], end, end].concat();
        assert_limited(limits, &input, (vec![], line_error(10)));
    }
    // Without a line end: exactly the limit waits for more, one byte more is an error.
    assert_limited(limits, b"data: 1234", (vec![], Ok(partial(10))));
    assert_limited(limits, b"data: 12345", (vec![], line_error(10)));
    // A BOM is not a line: it fits a limit of 0, however it is split.
    assert_limited(
        Limits::DEFAULT.max_line_len(0),
        b"\xEF\xBB\xBF\n\n",
        (vec![], Ok(CLEAN)),
    );
    // Line lengths are input bytes: an invalid byte is 1, a BOM at the start is not counted.
    assert_limited(
        limits,
        b"\xEF\xBB\xBFdata: 12\xFF4\n\n",
        (vec![msg("12\u{FFFD}4")], Ok(CLEAN)),
    );
}

#[test]
fn an_over_long_line_gives_the_same_error_however_the_input_is_split() {
    let limits = Limits::DEFAULT.max_line_len(1024);
    let long = vec![b'a'; 5000];
    // Never ended, ended, and followed by more events: the same error every time, at the same
    // point (after the events before the line).
    let never_ended = [&b"data: before\n\n"[..], &long].concat();
    let ended = [&b"data: before\n\n"[..], &long, b"\n\ndata: after\n\n"].concat();
    let expected = (vec![msg("before")], line_error(1024));
    assert_limited(limits, &never_ended, expected.clone());
    assert_limited(limits, &ended, expected.clone());
    // Fed in large pieces too (the whole line at once, with its line end).
    let chunks: Vec<&[u8]> = ended.chunks(4096).collect();
    assert_eq!(run_limited(limits, &chunks), expected);
    let Err(err) = expected.1 else { unreachable!() };
    assert_eq!(
        err.to_string(),
        "line length limit exceeded: a line of more than 1024 bytes"
    );
}

#[test]
fn line_without_newline_hits_the_line_limit_not_memory() {
    let limits = Limits::DEFAULT.max_line_len(1024);
    let mut parser = Parser::with_limits(limits);
    let chunk = [b'a'; 100];
    let mut fed = 0;
    let error = loop {
        assert!(fed <= 1100, "1100 bytes buffered without an error");
        parser.feed(&chunk);
        fed += chunk.len();
        match parser.next_event() {
            Ok(None) => {}
            Ok(Some(_)) => panic!("no event expected"),
            Err(e) => break e,
        }
    };
    assert_eq!(
        error,
        ParseError::LimitExceeded {
            limit: Limit::LineLength,
            max: 1024,
            actual: 1025,
        }
    );
    // Sticky.
    assert_eq!(parser.next_event(), Err(error));
}

#[test]
fn limit_error_messages_name_the_limit_and_sizes() {
    let err = ParseError::LimitExceeded {
        limit: Limit::DataLength,
        max: 10,
        actual: 11,
    };
    assert_eq!(
        err.to_string(),
        "event data size limit exceeded: 11 bytes, at most 10 allowed"
    );
    let err = ParseError::LimitExceeded {
        limit: Limit::LineLength,
        max: 10,
        actual: 11,
    };
    assert_eq!(
        err.to_string(),
        "line length limit exceeded: a line of more than 10 bytes"
    );
}

/// Feeding after `finish` is the caller's bug, not a peer fault: it is no `ParseError`. Debug
/// builds panic to find the bug; release builds ignore the bytes.
#[test]
fn feeding_after_finish_is_a_caller_bug_not_a_parse_error() {
    let mut parser = Parser::new();
    assert!(parser.finish().is_clean());
    assert!(parser.is_finished());
    parser.feed(b""); // nothing: fine
    let fed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parser.feed(b"data: x\n\n");
    }));
    assert_eq!(fed.is_err(), cfg!(debug_assertions));
    assert_eq!(parser.next_event(), Ok(None));
    let mut input = &b"data: x\n\n"[..];
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parser.next_event_from(&mut input).map(|p| p.is_some())
    }));
    assert_eq!(parsed.is_err(), cfg!(debug_assertions));
    if let Ok(parsed) = parsed {
        assert_eq!(parsed, Ok(false));
        assert!(input.is_empty(), "the bytes are ignored");
    }
    assert_eq!(parser.next_event_from(&mut &b""[..]), Ok(None));
}

#[test]
fn many_events_in_one_feed_and_tiny_feeds_agree() {
    let mut input = Vec::new();
    for i in 0..500 {
        input.extend_from_slice(
            format!(
                "id: {i}\nevent: e{}\ndata: line {i}\ndata: more\r\n\r",
                i % 7
            )
            .as_bytes(),
        );
    }
    let whole = run(&[&input]);
    let chunks: Vec<&[u8]> = input.chunks(3).collect();
    assert_eq!(run(&chunks), whole);
    assert_eq!(whole.0.len(), 500);
    assert_eq!(whole.0[499], ev("e2", "line 499\nmore", "499"));
}
