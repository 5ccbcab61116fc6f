//! The incremental parser. See the module docs of [`crate::sse`] for the rules it implements.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::Event;

/// The UTF-8 encoding of U+FEFF, stripped once at the start of a stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Buffers that grew beyond this many bytes (for one large event) are released after use, so a
/// single huge event does not pin its memory for the rest of a long stream.
const RETAINED_CAPACITY: usize = 64 * 1024;

/// Memory limits of a [`Parser`].
///
/// The parser never holds more than about `max_line_len + max_data_len` bytes plus whatever the
/// caller feeds between two drains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// The longest line accepted, in bytes, without its line end (default 16 MiB + 1 KiB).
    pub max_line_len: usize,
    /// The largest data buffer of one event, in bytes, counting the LF after each `data` value
    /// (default 16 MiB).
    pub max_data_len: usize,
}

impl Limits {
    /// The default limits: 16 MiB of data per event, lines up to 16 MiB + 1 KiB.
    pub const DEFAULT: Limits = Limits {
        max_line_len: 16 * 1024 * 1024 + 1024,
        max_data_len: 16 * 1024 * 1024,
    };

    /// Limits with `max_data_len` bytes of data per event and lines just long enough to carry it.
    pub const fn with_max_event_size(max_data_len: usize) -> Limits {
        Limits {
            max_line_len: max_data_len.saturating_add(1024),
            max_data_len,
        }
    }

    /// These limits with the longest accepted line set to `max_line_len` bytes.
    pub const fn max_line_len(mut self, max_line_len: usize) -> Limits {
        self.max_line_len = max_line_len;
        self
    }

    /// These limits with the largest accepted event data set to `max_data_len` bytes.
    pub const fn max_data_len(mut self, max_data_len: usize) -> Limits {
        self.max_data_len = max_data_len;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Which of the [`Limits`] was exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_line_len`].
    LineLength,
    /// [`Limits::max_data_len`].
    DataLength,
}

/// Why the parser stopped.
///
/// Errors are sticky: once returned, every later call to [`Parser::next_event`] returns the same
/// error.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseError {
    /// The peer sent more than a limit allows.
    LimitExceeded {
        /// The limit.
        limit: Limit,
        /// The configured maximum, in bytes.
        max: usize,
        /// How many bytes the line or event had reached when the parser gave up.
        actual: usize,
    },
    /// API misuse: [`Parser::feed`] was called after [`Parser::finish`].
    FedAfterFinish,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::LimitExceeded { limit, max, actual } => {
                let what = match limit {
                    Limit::LineLength => "line length",
                    Limit::DataLength => "event data size",
                };
                write!(
                    f,
                    "{what} limit exceeded: {actual} bytes, at most {max} allowed"
                )
            }
            ParseError::FedAfterFinish => f.write_str("bytes were fed after the end of input"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ParseError {}

/// One output of [`Parser::next_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
pub enum Parsed<'a> {
    /// A dispatched event.
    Event(Event<'a>),
    /// A valid `retry` field set the reconnection time to this many milliseconds. Values that do
    /// not fit in a `u64` saturate at `u64::MAX`.
    Retry(u64),
}

/// What was left unfinished when the input ended (returned by [`Parser::finish`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[must_use]
pub struct EndOfInput {
    /// Bytes of a last line that had no line end (discarded, as the standard requires).
    pub partial_line_bytes: usize,
    /// True when fields of an event had been processed but no blank line dispatched it (the
    /// event is discarded, as the standard requires).
    pub undispatched_event: bool,
}

impl EndOfInput {
    /// True when the stream ended exactly after a complete event (or was empty).
    pub fn is_clean(&self) -> bool {
        self.partial_line_bytes == 0 && !self.undispatched_event
    }
}

/// An incremental, sans-IO server-sent events parser.
///
/// # Driving contract
///
/// 1. [`feed`](Parser::feed) the bytes as they arrive; it only buffers them.
/// 2. Call [`next_event`](Parser::next_event) until it returns `Ok(None)` ("need more data").
///    Each returned [`Event`] borrows the parser and is valid until the next call.
/// 3. Repeat. When the input ends, call [`finish`](Parser::finish) (after draining) to learn
///    whether the stream ended inside an event; nothing more is dispatched after it.
///
/// Memory stays bounded by [`Limits`] as long as the caller drains between feeds: a line or event
/// over a limit is an error, never unbounded buffering. Each input byte is examined once by the
/// line scanner, and steady-state parsing allocates nothing: events borrow reusable buffers.
#[derive(Debug, Clone)]
pub struct Parser {
    /// Buffered input. `buf[pos..]` has not been consumed.
    buf: Vec<u8>,
    /// Start of the current, incomplete line.
    pos: usize,
    /// `buf[pos..scan]` is known to contain no line end: scanning resumes at `scan`.
    scan: usize,
    /// The previous line ended in CR, so an LF right after it belongs to that line end.
    after_cr: bool,
    /// Still at the start of the stream, where one BOM is stripped.
    at_start: bool,
    data: String,
    event_type: String,
    last_event_id: String,
    reconnection_time: Option<u64>,
    /// An event was handed out; its buffers are cleared on the next call.
    dispatched: bool,
    finished: bool,
    error: Option<ParseError>,
    limits: Limits,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

/// What processing one line produced.
enum LineOutcome {
    Nothing,
    Dispatch,
    Retry(u64),
}

impl Parser {
    /// A parser with the default [`Limits`].
    pub fn new() -> Self {
        Parser::with_limits(Limits::DEFAULT)
    }

    /// A parser with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Parser {
            buf: Vec::new(),
            pos: 0,
            scan: 0,
            after_cr: false,
            at_start: true,
            data: String::new(),
            event_type: String::new(),
            last_event_id: String::new(),
            reconnection_time: None,
            dispatched: false,
            finished: false,
            error: None,
            limits,
        }
    }

    /// The limits this parser enforces.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Buffers `bytes`. Parsing happens in [`next_event`](Parser::next_event).
    ///
    /// Feeding after [`finish`](Parser::finish) is a usage error that `next_event` reports.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.finished {
            if !bytes.is_empty() && self.error.is_none() {
                self.error = Some(ParseError::FedAfterFinish);
            }
            return;
        }
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            self.scan = 0;
            if self.buf.capacity() > RETAINED_CAPACITY && bytes.len() <= RETAINED_CAPACITY {
                self.buf.shrink_to(RETAINED_CAPACITY);
            }
        } else if self.pos > 0 && self.pos >= self.buf.len() - self.pos {
            // Move the partial line to the front only when what is dropped is at least as long as
            // what is moved, so each byte is moved O(1) times in total.
            self.buf.drain(..self.pos);
            self.scan -= self.pos;
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Parses buffered bytes until an event is dispatched or a valid `retry` field is processed,
    /// and returns it; `Ok(None)` means more data is needed (or the input has ended).
    ///
    /// # Errors
    ///
    /// [`ParseError::LimitExceeded`] when a line or an event's data exceeds the [`Limits`], and
    /// [`ParseError::FedAfterFinish`] after misuse. Errors are sticky.
    pub fn next_event(&mut self) -> Result<Option<Parsed<'_>>, ParseError> {
        if let Some(err) = &self.error {
            return Err(err.clone());
        }
        if self.dispatched {
            self.dispatched = false;
            self.reset_event();
        }
        loop {
            if self.at_start {
                let head = &self.buf[self.pos..];
                if head.len() < BOM.len() && BOM.starts_with(head) && !self.finished {
                    // Could still become a BOM: wait for more bytes.
                    return Ok(None);
                }
                if head.starts_with(BOM) {
                    self.pos += BOM.len();
                    self.scan = self.pos;
                }
                self.at_start = false;
            }
            if self.after_cr {
                match self.buf.get(self.pos) {
                    None => return Ok(None),
                    Some(b'\n') => {
                        self.pos += 1;
                        self.scan = self.pos;
                    }
                    Some(_) => {}
                }
                self.after_cr = false;
            }
            let Some(offset) = memchr::memchr2(b'\n', b'\r', &self.buf[self.scan..]) else {
                self.scan = self.buf.len();
                return match self.check_line_len(self.scan - self.pos) {
                    Ok(()) => Ok(None),
                    Err(err) => Err(err),
                };
            };
            let end = self.scan + offset;
            let start = self.pos;
            self.check_line_len(end - start)?;
            self.after_cr = self.buf[end] == b'\r';
            self.pos = end + 1;
            self.scan = self.pos;
            match self.process_line(start, end)? {
                LineOutcome::Nothing => {}
                LineOutcome::Retry(ms) => return Ok(Some(Parsed::Retry(ms))),
                LineOutcome::Dispatch => {
                    self.dispatched = true;
                    let event = if self.event_type.is_empty() {
                        "message"
                    } else {
                        self.event_type.as_str()
                    };
                    return Ok(Some(Parsed::Event(Event {
                        event,
                        data: &self.data,
                        id: &self.last_event_id,
                    })));
                }
            }
        }
    }

    /// Marks the end of the input and reports what was left unterminated.
    ///
    /// Call it after [`next_event`](Parser::next_event) returned `Ok(None)`: it discards the
    /// partial line and the undispatched event, as the standard requires, and nothing is
    /// dispatched after it. Bytes still buffered because the caller did not drain count as a
    /// partial line. Calling it again returns an all-clean report.
    pub fn finish(&mut self) -> EndOfInput {
        if self.dispatched {
            self.dispatched = false;
            self.reset_event();
        }
        let report = EndOfInput {
            partial_line_bytes: self.buf.len() - self.pos,
            undispatched_event: !self.data.is_empty() || !self.event_type.is_empty(),
        };
        self.finished = true;
        self.buf = Vec::new();
        self.pos = 0;
        self.scan = 0;
        self.data = String::new();
        self.event_type = String::new();
        report
    }

    /// True once [`finish`](Parser::finish) was called.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// True when bytes of a line without a line end are buffered.
    ///
    /// Exact after [`next_event`](Parser::next_event) has returned `Ok(None)`.
    pub fn has_partial_line(&self) -> bool {
        self.buf.len() > self.pos
    }

    /// True when fields of an event have been processed that no blank line has dispatched yet.
    pub fn has_pending_event(&self) -> bool {
        !self.dispatched && (!self.data.is_empty() || !self.event_type.is_empty())
    }

    /// The last event ID (persisting across events; empty when never set).
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The reconnection time set by the last valid `retry` field, in milliseconds.
    pub fn reconnection_time(&self) -> Option<u64> {
        self.reconnection_time
    }

    fn check_line_len(&mut self, len: usize) -> Result<(), ParseError> {
        if len > self.limits.max_line_len {
            return Err(self.fail(Limit::LineLength, self.limits.max_line_len, len));
        }
        Ok(())
    }

    fn fail(&mut self, limit: Limit, max: usize, actual: usize) -> ParseError {
        let err = ParseError::LimitExceeded { limit, max, actual };
        self.error = Some(err.clone());
        // Nothing will be parsed any more: release the memory.
        self.buf = Vec::new();
        self.pos = 0;
        self.scan = 0;
        self.data = String::new();
        self.event_type = String::new();
        err
    }

    fn reset_event(&mut self) {
        self.data.clear();
        self.event_type.clear();
        if self.data.capacity() > RETAINED_CAPACITY {
            self.data = String::new();
        }
    }

    /// Applies the line `buf[start..end]` (without its line end).
    fn process_line(&mut self, start: usize, end: usize) -> Result<LineOutcome, ParseError> {
        let line = &self.buf[start..end];
        let (name, value) = match memchr::memchr(b':', line) {
            // A blank line dispatches.
            None if line.is_empty() => {
                if self.data.is_empty() {
                    self.event_type.clear();
                    return Ok(LineOutcome::Nothing);
                }
                self.data.pop(); // the LF after the last value
                return Ok(LineOutcome::Dispatch);
            }
            // A comment.
            Some(0) => return Ok(LineOutcome::Nothing),
            Some(colon) => {
                let value = &line[colon + 1..];
                let value = value.strip_prefix(b" ").unwrap_or(value);
                (&line[..colon], value)
            }
            // A field name alone: the value is empty.
            None => (line, &b""[..]),
        };
        // Comparing bytes is exact: the names are ASCII, and invalid UTF-8 in a name decodes to
        // U+FFFD, which matches no name either.
        match name {
            b"data" => {
                let len = self.data.len() + value.len() + 1;
                if len > self.limits.max_data_len {
                    return Err(self.fail(Limit::DataLength, self.limits.max_data_len, len));
                }
                push_utf8_lossy(&mut self.data, value);
                self.data.push('\n');
            }
            b"event" => {
                self.event_type.clear();
                push_utf8_lossy(&mut self.event_type, value);
            }
            // U+0000 in the decoded value is exactly a 0x00 byte in the UTF-8 input.
            b"id" if !value.contains(&0) => {
                self.last_event_id.clear();
                push_utf8_lossy(&mut self.last_event_id, value);
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let ms = value.iter().fold(0u64, |acc, d| {
                    acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                });
                self.reconnection_time = Some(ms);
                return Ok(LineOutcome::Retry(ms));
            }
            _ => {}
        }
        Ok(LineOutcome::Nothing)
    }
}

/// Appends `bytes` decoded as UTF-8, each maximal invalid subsequence replaced by U+FFFD (the
/// WHATWG decoder's rule). Line ends and `:` are ASCII, so decoding line by line and field by field
/// gives the same text as decoding the whole stream at once.
fn push_utf8_lossy(dst: &mut String, bytes: &[u8]) {
    match core::str::from_utf8(bytes) {
        Ok(s) => dst.push_str(s),
        Err(_) => {
            for chunk in bytes.utf8_chunks() {
                dst.push_str(chunk.valid());
                if !chunk.invalid().is_empty() {
                    dst.push(char::REPLACEMENT_CHARACTER);
                }
            }
        }
    }
}
