//! Fuzz target `http1_response`: HTTP/1.1 responses on one connection (`crate::http1`), read
//! the way a client reads them, at arbitrary split points.

use alloc::vec::Vec;

use crate::http1::{
    BodyDecoder, BodyKind, Http1Error, MAX_HEAD_BYTES, Piece, ResponseHead, parse_request_head,
    parse_response_head,
};

use super::split::Split;

/// Control flag of `http1_response` (bit 4 of byte 0): the stream starts with a chunked body
/// (no head before it), so that the fuzzer reaches the chunked decoder without first writing
/// a head.
const CHUNKED_FIRST: u8 = 0x10;

/// What the reader saw, in order. Owned, so that runs can be compared.
#[derive(Debug, PartialEq, Eq)]
enum Event {
    /// An interim (1xx) head, skipped.
    Interim(u16),
    /// A final head, and where it ended in the stream.
    Head {
        status: u16,
        body: BodyKind,
        keep_alive: bool,
        end: usize,
    },
    /// A head that is not one.
    HeadError(Http1Error),
    /// The input ended inside a head, this many bytes into it.
    HeadCut(usize),
    /// A body: its data and how it ended.
    Body { data: Vec<u8>, end: BodyEnd },
}

/// How a body ended.
#[derive(Debug, PartialEq, Eq)]
enum BodyEnd {
    /// `Piece::End`, at this offset of the stream.
    End(usize),
    /// The input ran out first: what `eof` said.
    Closed(Result<(), Http1Error>),
    /// `decode` failed.
    Failed(Http1Error),
}

/// Fuzz target `http1_response`: the control prefix (see `split.rs`; with flag `0x10`, see
/// `CHUNKED_FIRST`, a chunked body comes first), then responses on one connection.
///
/// Reads responses as a client does: parse a head (skipping interim 1xx heads), decode its
/// body, and parse the next head after it while the connection stays open, with a buffer the
/// input is appended to in the split's pieces (unused bytes stay). Checks that nothing
/// panics; that every `decode` call keeps its promises (a data range inside the bytes used,
/// the bytes used inside the input, `NeedMore` uses it all, `End` is final, errors sticky,
/// `received` the data handed out) and every head its framing rules; and that the split run
/// sees exactly what the one-shot run on the whole input sees: the same heads, the same body
/// data, the same ends at the same offsets.
pub fn http1_response(data: &[u8]) {
    let (split, stream) = Split::parse(data);
    let chunked_first = data.first().is_some_and(|&ctrl| ctrl & CHUNKED_FIRST != 0);
    let whole = read_responses(&[stream], chunked_first);
    let chunks = split.chunks(stream);
    let pieces = read_responses(&chunks, chunked_first);
    assert_eq!(whole, pieces, "a split changed what the reader saw");
    request_head(stream);
}

/// The same bytes as a request head, read as a server reads it: no panic; a head found uses
/// no more bytes than it was given or its limit allows, is found the same in its own bytes and
/// with a longer limit, and is never framed by the connection closing; a head too large for
/// the limit is too large for a shorter one.
fn request_head(stream: &[u8]) {
    const LIMIT: usize = 256;
    let found = parse_request_head(stream, LIMIT);
    if let Ok(Some((head, used))) = &found {
        assert!(*used <= stream.len() && *used <= LIMIT);
        assert_ne!(
            head.body,
            BodyKind::UntilClose,
            "a request body is never close-delimited"
        );
        assert!(!head.expect_continue || head.minor_version == 1);
        assert_eq!(parse_request_head(&stream[..*used], LIMIT), found);
        assert_eq!(parse_request_head(stream, LIMIT * 4), found);
    }
    if found == Err(Http1Error::HeadTooLarge) {
        assert_eq!(parse_request_head(stream, LIMIT / 2), found);
    }
}

/// A client's buffer: bytes read and not yet used, and the pieces still to read.
struct Connection<'a> {
    chunks: core::slice::Iter<'a, &'a [u8]>,
    buffer: Vec<u8>,
    /// Bytes of the stream used so far (the buffer starts here).
    used: usize,
}

impl Connection<'_> {
    /// Appends the next piece read; false once the input has ended.
    fn read(&mut self) -> bool {
        match self.chunks.next() {
            Some(chunk) => {
                self.buffer.extend_from_slice(chunk);
                true
            }
            None => false,
        }
    }

    fn consume(&mut self, n: usize) {
        self.buffer.drain(..n);
        self.used += n;
    }
}

/// Reads the responses in `chunks` (a chunked body first with `chunked_first`).
fn read_responses(chunks: &[&[u8]], chunked_first: bool) -> Vec<Event> {
    let mut conn = Connection {
        chunks: chunks.iter(),
        buffer: Vec::new(),
        used: 0,
    };
    let mut events = Vec::new();
    if chunked_first && !read_body(&mut conn, BodyKind::Chunked, &mut events) {
        return events;
    }
    loop {
        let Some(head) = read_head(&mut conn, &mut events) else {
            return events;
        };
        if !read_body(&mut conn, head.body, &mut events) || !head.keep_alive {
            return events;
        }
    }
}

/// Reads a final head, skipping interim ones; `None` when the input ended or was no head.
fn read_head(conn: &mut Connection<'_>, events: &mut Vec<Event>) -> Option<ResponseHead> {
    loop {
        match parse_response_head(&conn.buffer) {
            Ok(Some((head, used))) => {
                check_head(&conn.buffer, &head, used);
                conn.consume(used);
                if (100..200).contains(&head.status) {
                    events.push(Event::Interim(head.status));
                    continue;
                }
                events.push(Event::Head {
                    status: head.status,
                    body: head.body,
                    keep_alive: head.keep_alive,
                    end: conn.used,
                });
                return Some(head);
            }
            Ok(None) => {
                assert!(
                    conn.buffer.len() < MAX_HEAD_BYTES,
                    "a head over the limit waits"
                );
                if !conn.read() {
                    if !conn.buffer.is_empty() {
                        events.push(Event::HeadCut(conn.buffer.len()));
                    }
                    return None;
                }
            }
            Err(error) => {
                events.push(Event::HeadError(error));
                return None;
            }
        }
    }
}

/// The rules every parsed head keeps.
fn check_head(bytes: &[u8], head: &ResponseHead, used: usize) {
    assert!(0 < used && used <= bytes.len() && used <= MAX_HEAD_BYTES);
    // The head is its own bytes: none before or after them change it.
    assert_eq!(
        parse_response_head(&bytes[..used]),
        Ok(Some((head.clone(), used)))
    );
    assert!(head.minor_version <= 1 && head.status <= 999);
    let no_body = (100..200).contains(&head.status) || head.status == 204 || head.status == 304;
    assert_eq!(no_body, head.body == BodyKind::Empty, "{head:?}");
    if head.keep_alive {
        assert_eq!(head.minor_version, 1, "{head:?}");
        assert_ne!(head.body, BodyKind::UntilClose, "{head:?}");
    }
}

/// Reads a body of kind `kind`; true when it ended with `Piece::End`.
fn read_body(conn: &mut Connection<'_>, kind: BodyKind, events: &mut Vec<Event>) -> bool {
    let mut decoder = BodyDecoder::new(kind);
    let mut data = Vec::new();
    let end = loop {
        let (used, piece) = match decode_checked(&mut decoder, &conn.buffer) {
            Ok(step) => step,
            Err(error) => break BodyEnd::Failed(error),
        };
        match piece {
            Piece::Data(range) => data.extend_from_slice(&conn.buffer[range]),
            Piece::NeedMore => {
                conn.consume(used);
                if !conn.read() {
                    let eof = decoder.eof();
                    if let Err(Http1Error::Incomplete { received }) = eof {
                        assert_eq!(received, data.len() as u64);
                    }
                    break BodyEnd::Closed(eof);
                }
                continue;
            }
            Piece::End => {
                conn.consume(used);
                break BodyEnd::End(conn.used);
            }
        }
        conn.consume(used);
    };
    assert_eq!(
        decoder.received(),
        data.len() as u64,
        "received() is the data handed out"
    );
    let ended = matches!(end, BodyEnd::End(_));
    events.push(Event::Body { data, end });
    ended
}

/// One call of `decode`, with the promises every call keeps checked.
fn decode_checked(decoder: &mut BodyDecoder, input: &[u8]) -> Result<(usize, Piece), Http1Error> {
    let result = decoder.decode(input);
    match &result {
        Ok((used, piece)) => {
            assert!(*used <= input.len(), "used {used} of {} bytes", input.len());
            match piece {
                Piece::Data(range) => assert!(
                    range.start < range.end && range.end <= *used,
                    "data {range:?} with {used} bytes used"
                ),
                Piece::NeedMore => {
                    assert_eq!(*used, input.len(), "NeedMore left bytes unused");
                    assert!(!decoder.is_done());
                }
                Piece::End => {
                    assert!(decoder.is_done());
                    assert_eq!(decoder.eof(), Ok(()));
                    let mut again = decoder.clone();
                    assert_eq!(again.decode(&input[*used..]), Ok((0, Piece::End)));
                }
            }
        }
        Err(error) => {
            let mut again = decoder.clone();
            assert_eq!(again.decode(input), Err(error.clone()), "not sticky");
            assert_eq!(again.decode(b""), Err(error.clone()), "not sticky");
            assert_eq!(again.eof(), Err(error.clone()), "not sticky");
            assert!(!decoder.is_done());
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_prefix(prefix: &[u8], stream: &[u8]) -> Vec<u8> {
        let mut input = prefix.to_vec();
        input.extend_from_slice(stream);
        input
    }

    #[test]
    fn a_client_reads_responses_on_one_connection() {
        let stream = b"HTTP/1.1 100 Continue\r\n\r\n\
            HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n\
            5;x=y\r\nhello\r\n0\r\nx-t: 1\r\n\r\n\
            HTTP/1.1 204 No Content\r\n\r\n\
            HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc\
            HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end";
        let events = read_responses(&[stream], false);
        let head = |status, body, keep_alive, end| Event::Head {
            status,
            body,
            keep_alive,
            end,
        };
        let body = |data: &[u8], end| Event::Body {
            data: data.to_vec(),
            end,
        };
        assert_eq!(
            events,
            [
                Event::Interim(100),
                head(200, BodyKind::Chunked, true, 72),
                body(b"hello", BodyEnd::End(99)),
                head(204, BodyKind::Empty, true, 126),
                body(b"", BodyEnd::End(126)),
                head(200, BodyKind::Length(3), true, 164),
                body(b"abc", BodyEnd::End(167)),
                head(200, BodyKind::UntilClose, false, 205),
                body(b"until the end", BodyEnd::Closed(Ok(()))),
            ]
        );
        // Every split sees the same.
        for size in 1..8u8 {
            http1_response(&with_prefix(&[1, size], stream));
        }
        http1_response(&with_prefix(b"\0", stream));
    }

    #[test]
    fn cut_and_broken_responses() {
        let cut_head = read_responses(&[b"HTTP/1.1 200 OK\r\ncontent-"], false);
        assert_eq!(cut_head, [Event::HeadCut(25)]);
        let bad_head = read_responses(&[b"HTTP/2 200 OK\r\n\r\n"], false);
        assert!(matches!(bad_head[..], [Event::HeadError(_)]));
        let cut_body = read_responses(&[b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nabc"], false);
        assert_eq!(
            cut_body[1],
            Event::Body {
                data: b"abc".to_vec(),
                end: BodyEnd::Closed(Err(Http1Error::Incomplete { received: 3 })),
            }
        );
        // A chunked body first (flag 0x10), broken after its data.
        let events = read_responses(&[b"3\r\nabcX"], true);
        assert_eq!(
            events,
            [Event::Body {
                data: b"abc".to_vec(),
                end: BodyEnd::Failed(Http1Error::InvalidChunkEnd),
            }]
        );
        // A closing response ends the reading, whatever follows.
        let events = read_responses(
            &[b"HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\naHTTP/1.1 200 OK\r\n\r\n"],
            false,
        );
        assert_eq!(events.len(), 2);
        for input in [
            &b""[..],
            b"\x10",
            b"\x12\x03\x05",
            b"\x10ffffffffffffffff\r\nab",
            b"\x00HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999\r\n\r\n",
            b"\x11\x02HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\n\r\n",
        ] {
            http1_response(input);
        }
        let all: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        http1_response(&all);
    }
}
