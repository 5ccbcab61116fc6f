//! Fuzz target `sse_parser`: the SSE parser at arbitrary split points, through both entry points.

use alloc::string::String;
use alloc::vec::Vec;

use crate::sse::{EndOfInput, Limit, Limits, OwnedEvent, ParseError, Parsed, Parser};

use super::split::Split;

/// Limits small enough that fuzz inputs reach them.
const SMALL_LIMITS: Limits = Limits {
    max_line_len: 96,
    max_data_len: 160,
};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
