//! [`EventReader`]: server-sent events from a reader.

use std::fmt;
use std::io::{self, Read};

use llm_sse_core::sse::{EndOfInput, Limits, OwnedEvent, ParseError, Parsed, Parser};

use crate::READ_SIZE;

/// Why an [`EventReader`] stopped. After an error the iterator ends.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Reading failed (the transport's fault).
    Io(io::Error),
    /// The stream broke a parser limit (the peer's fault); see [`ParseError`].
    Parse(ParseError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "reading the event stream failed: {e}"),
            Error::Parse(e) => write!(f, "invalid event stream: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Parse(e) => Some(e),
        }
    }
}

/// An iterator of the server-sent events read from `R`.
///
/// Yields each dispatched event as soon as its bytes have been read, then `None` at the end of
/// the input. An unterminated last event is not dispatched (as the standard requires);
/// [`end_of_input`](EventReader::end_of_input) tells whether there was one. A read error or a
/// limit error is yielded once, after which the iterator ends. Reads interrupted by a signal
/// are retried.
///
/// ```
/// use llm_sse_blocking::EventReader;
///
/// let body: &[u8] = b"retry: 3000\nid: 7\ndata: {\"n\":1}\n\ndata: cut off";
/// let mut reader = EventReader::new(body);
/// let event = reader.next().unwrap()?;
/// assert_eq!((event.data.as_str(), event.id.as_str()), ("{\"n\":1}", "7"));
/// assert_eq!(reader.retry(), Some(3000));
/// assert!(reader.next().is_none());
/// let end = reader.end_of_input().unwrap();
/// assert_eq!(end.partial_line_bytes, 13); // "data: cut off" never ended
/// # Ok::<(), llm_sse_blocking::Error>(())
/// ```
#[derive(Debug)]
pub struct EventReader<R> {
    reader: R,
    parser: Parser,
    buf: Box<[u8]>,
    end: Option<EndOfInput>,
    stopped: bool,
}

impl<R: Read> EventReader<R> {
    /// Reads events from `reader` with the default parser [`Limits`].
    pub fn new(reader: R) -> Self {
        EventReader::with_limits(reader, Limits::DEFAULT)
    }

    /// Reads events from `reader` with the given limits.
    pub fn with_limits(reader: R, limits: Limits) -> Self {
        EventReader {
            reader,
            parser: Parser::with_limits(limits),
            buf: vec![0; READ_SIZE].into_boxed_slice(),
            end: None,
            stopped: false,
        }
    }

    /// The reconnection time set by the last valid `retry` field read so far, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.parser.reconnection_time()
    }

    /// The last event ID seen so far (empty when never set): what a client sends as
    /// `Last-Event-ID` when it reconnects.
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// What was left unterminated when the input ended; `None` until the iterator has reached
    /// the end of the input (also after an error).
    pub fn end_of_input(&self) -> Option<EndOfInput> {
        self.end
    }

    /// The underlying reader.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: Read> Iterator for EventReader<R> {
    type Item = Result<OwnedEvent, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.stopped {
            match self.parser.next_event() {
                Ok(Some(Parsed::Event(event))) => return Some(Ok(event.to_owned())),
                Ok(Some(Parsed::Retry(_))) => continue, // kept by the parser: see `retry()`
                Ok(None) => {}
                Err(e) => {
                    self.stopped = true;
                    return Some(Err(Error::Parse(e)));
                }
            }
            match self.reader.read(&mut self.buf) {
                Ok(0) => {
                    self.end = Some(self.parser.finish());
                    self.stopped = true;
                }
                Ok(n) => self.parser.feed(&self.buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.stopped = true;
                    return Some(Err(Error::Io(e)));
                }
            }
        }
        None
    }
}
