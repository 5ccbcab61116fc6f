//! The incremental parser. See the module docs of [`crate::sse`] for the rules it implements.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::Event;

/// Buffers that grew beyond this many bytes (for one large event) are released after use, so a
/// single huge event does not pin its memory for the rest of a long stream.
const RETAINED_CAPACITY: usize = 64 * 1024;

/// Memory limits of a [`Parser`].
///
/// The parser never holds more than about `max_line_len + max_data_len` bytes plus whatever the
/// caller feeds between two drains.
///
/// ```
/// use llm_sse_core::sse::{Limit, Limits, ParseError, Parsed, Parser};
///
/// // Data of exactly `max_data_len` bytes, as dispatched, is accepted ("1234\n5678" is 9)...
/// let mut parser = Parser::with_limits(Limits::with_max_event_size(9));
/// parser.feed(b"data: 1234\ndata: 5678\n\n");
/// assert!(matches!(parser.next_event(), Ok(Some(Parsed::Event(e))) if e.data == "1234\n5678"));
///
/// // ...one byte more is not.
/// let mut parser = Parser::with_limits(Limits::with_max_event_size(8));
/// parser.feed(b"data: 1234\ndata: 5678\n\n");
/// assert_eq!(
///     parser.next_event(),
///     Err(ParseError::LimitExceeded { limit: Limit::DataLength, max: 8, actual: 9 })
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// The longest line accepted, in input bytes, without its line end (default 16 MiB + 1 KiB).
    pub max_line_len: usize,
    /// The largest data of one event, in bytes, measured as dispatched: the `data` values joined
    /// with LF, without a trailing LF, in UTF-8 (an invalid input sequence counts as the 3 bytes
    /// of the U+FFFD that replaces it). Default 16 MiB.
    pub max_data_len: usize,
}

impl Limits {
    /// The default limits: 16 MiB of data per event, lines up to 16 MiB + 1 KiB.
    pub const DEFAULT: Limits = Limits {
        max_line_len: 16 * 1024 * 1024 + 1024,
        max_data_len: 16 * 1024 * 1024,
    };

    /// Limits with at most `max_data_len` bytes of data per event, and lines up to 1 KiB longer
    /// (room for the field name and other fields).
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
    ///
    /// The error does not depend on how the input was split into chunks: the same input gives
    /// the same error (with the same figures), whole or fed one byte at a time.
    LimitExceeded {
        /// The limit.
        limit: Limit,
        /// The configured maximum, in bytes.
        max: usize,
        /// For [`Limit::DataLength`], the event's data size (as [`Limits::max_data_len`]
        /// measures it) after the `data` line that crossed the limit. For
        /// [`Limit::LineLength`], always `max + 1`: the parser stops as soon as a line is known
        /// to be longer than the limit and never reads the rest of it, so its full length is
        /// unknown (and how much of it was buffered at that moment depends on the chunking).
        actual: usize,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::LimitExceeded {
                limit: Limit::LineLength,
                max,
                ..
            } => write!(
                f,
                "line length limit exceeded: a line of more than {max} bytes"
            ),
            ParseError::LimitExceeded {
                limit: Limit::DataLength,
                max,
                actual,
            } => write!(
                f,
                "event data size limit exceeded: {actual} bytes, at most {max} allowed"
            ),
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
///
/// # How it is fast
///
/// [`feed`](Parser::feed) decodes the bytes into a text buffer as they arrive (one bulk UTF-8
/// validation per chunk; the WHATWG decoder runs on the stream as a whole, with a sequence split
/// between two chunks held back until it completes). Lines are then found with `memchr` from a
/// remembered scan offset, and field values are *not* copied: an event whose data is one `data`
/// line (the common case) hands out that line's value straight from the input buffer. Values are
/// copied only when an event has several `data` lines, or when a later `feed` has to reclaim the
/// buffer space an undispatched event still points into.
#[derive(Debug, Clone)]
pub struct Parser {
    /// The decoded input. `buf[pos..]` has not been consumed.
    buf: String,
    /// Start of the current, incomplete line.
    pos: usize,
    /// `buf[pos..scan]` is known to contain no line end: scanning resumes at `scan`.
    scan: usize,
    /// The bytes of a UTF-8 sequence split by the end of the last chunk (`pending[..pending_len]`).
    pending: [u8; 4],
    pending_len: u8,
    /// Where invalid input was replaced by U+FFFD in `buf`, each with the number of bytes by
    /// which the replacements up to and including it are longer than the input they replaced,
    /// so line lengths are measured (and reported) in input bytes. Sorted by position; empty
    /// unless the input contained invalid UTF-8.
    replacements: Vec<(usize, usize)>,
    /// The previous line ended in CR, so an LF right after it belongs to that line end.
    after_cr: bool,
    /// Still at the start of the stream, where one BOM is stripped.
    at_start: bool,
    /// Where the current event's data is.
    data_at: Text,
    /// The data when it had to be copied out of `buf` (`Text::Owned`): each value plus an LF.
    data: String,
    /// Where the current event's type is.
    type_at: Text,
    /// The event type when it had to be copied out of `buf` (`Text::Owned`).
    event_type: String,
    last_event_id: String,
    reconnection_time: Option<u64>,
    /// An event was handed out; its buffers are cleared on the next call.
    dispatched: bool,
    finished: bool,
    error: Option<ParseError>,
    limits: Limits,
}

/// Where a field value of the current event lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    /// Not set.
    None,
    /// `buf[start..end]`, in the consumed part of the input buffer.
    Span(usize, usize),
    /// In the parser's own string for it.
    Owned,
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
            buf: String::new(),
            pos: 0,
            scan: 0,
            pending: [0; 4],
            pending_len: 0,
            replacements: Vec::new(),
            after_cr: false,
            at_start: true,
            data_at: Text::None,
            data: String::new(),
            type_at: Text::None,
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
    /// Feeding after [`finish`](Parser::finish) is a bug in the caller, not something the peer
    /// can cause, so it is not a [`ParseError`]: the bytes are ignored (debug builds panic, to
    /// find the bug). [`is_finished`](Parser::is_finished) tells whether the input has ended.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.finished {
            debug_assert!(bytes.is_empty(), "Parser::feed called after Parser::finish");
            return;
        }
        if self.error.is_some() || bytes.is_empty() {
            return;
        }
        if self.dispatched {
            // The event handed out last can no longer be borrowed.
            self.dispatched = false;
            self.reset_event();
        }
        // Keep what the current event still points into (usually nothing, or its one `data`
        // line and its `event` line), unless that has grown large (say, many comment lines
        // after a `data` line): then copy those values out and keep only the partial line.
        let mut keep = self.retained_from();
        if self.buf.len() - keep > RETAINED_CAPACITY && keep < self.pos {
            self.own_spans();
            keep = self.pos;
        }
        if keep == self.buf.len() {
            // Everything was consumed: start over at the front of the buffer.
            self.buf.clear();
            self.replacements.clear();
            self.pos = 0;
            self.scan = 0;
            if self.buf.capacity() > RETAINED_CAPACITY && bytes.len() <= RETAINED_CAPACITY {
                self.buf.shrink_to(RETAINED_CAPACITY);
            }
        } else if keep > 0
            && self.buf.len() + bytes.len() > self.buf.capacity()
            && (self.buf.len() - keep) * 2 <= self.buf.capacity()
        {
            // Move what is kept to the front instead of growing the buffer, but only while it
            // fills at most half the buffer: the buffer is then full again only after at least
            // as many new bytes as are moved now, so each byte is moved O(1) times in total, and
            // the capacity settles (no allocation in steady state).
            self.buf.drain(..keep);
            let dropped = self.extra_before(keep);
            self.replacements.retain(|&(at, _)| at >= keep);
            for r in &mut self.replacements {
                r.0 -= keep;
                r.1 -= dropped;
            }
            self.pos -= keep;
            self.scan -= keep;
            for text in [&mut self.data_at, &mut self.type_at] {
                if let Text::Span(start, end) = text {
                    *text = Text::Span(*start - keep, *end - keep);
                }
            }
        }
        self.push_decoded(bytes);
    }

    /// Parses buffered bytes until an event is dispatched or a valid `retry` field is processed,
    /// and returns it; `Ok(None)` means more data is needed (or the input has ended).
    ///
    /// # Errors
    ///
    /// [`ParseError::LimitExceeded`] when a line or an event's data exceeds the [`Limits`] (the
    /// peer's fault; local misuse is never a `ParseError`). Errors are sticky.
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
                if self.buf.len() == self.pos {
                    // Nothing decoded yet (a BOM may still be arriving byte by byte).
                    return Ok(None);
                }
                if self.buf.as_bytes()[self.pos..].starts_with("\u{FEFF}".as_bytes()) {
                    self.pos += '\u{FEFF}'.len_utf8();
                    self.scan = self.pos;
                }
                self.at_start = false;
            }
            if self.after_cr {
                match self.buf.as_bytes().get(self.pos) {
                    None => return Ok(None),
                    Some(b'\n') => {
                        self.pos += 1;
                        self.scan = self.pos;
                    }
                    Some(_) => {}
                }
                self.after_cr = false;
            }
            let bytes = self.buf.as_bytes();
            let rest = &bytes[self.scan..];
            // A blank line (every event ends with one) is found without a call into memchr.
            let found = match rest.first() {
                Some(b'\n' | b'\r') => Some(0),
                _ => memchr::memchr2(b'\n', b'\r', rest),
            };
            let Some(offset) = found else {
                self.scan = self.buf.len();
                // The bytes of a cut-off UTF-8 sequence belong to this line too.
                let len = self.input_len(self.pos, self.scan) + usize::from(self.pending_len);
                return match self.check_line_len(len) {
                    Ok(()) => Ok(None),
                    Err(err) => Err(err),
                };
            };
            let end = self.scan + offset;
            let ended_by_cr = bytes[end] == b'\r';
            let start = self.pos;
            self.check_line_len(self.input_len(start, end))?;
            self.after_cr = ended_by_cr;
            self.pos = end + 1;
            self.scan = self.pos;
            match self.process_line(start, end)? {
                LineOutcome::Nothing => {}
                LineOutcome::Retry(ms) => return Ok(Some(Parsed::Retry(ms))),
                LineOutcome::Dispatch => {
                    self.dispatched = true;
                    return Ok(Some(Parsed::Event(self.current_event())));
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
            partial_line_bytes: self.partial_line_bytes(),
            undispatched_event: self.has_pending_event(),
        };
        self.finished = true;
        self.release();
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
        self.buf.len() > self.pos || self.pending_len > 0
    }

    /// True when fields of an event have been processed that no blank line has dispatched yet.
    pub fn has_pending_event(&self) -> bool {
        !self.dispatched && (self.data_at != Text::None || !self.event_type().is_empty())
    }

    /// The last event ID (persisting across events; empty when never set).
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The reconnection time set by the last valid `retry` field, in milliseconds.
    pub fn reconnection_time(&self) -> Option<u64> {
        self.reconnection_time
    }

    /// The input bytes of the partial line (decoded replacements counted as the bytes they
    /// replaced).
    fn partial_line_bytes(&self) -> usize {
        self.input_len(self.pos, self.buf.len()) + usize::from(self.pending_len)
    }

    /// How many bytes longer than their input the replacements before `at` in `buf` are.
    fn extra_before(&self, at: usize) -> usize {
        match self.replacements.partition_point(|&(r, _)| r < at) {
            0 => 0,
            n => self.replacements[n - 1].1,
        }
    }

    /// The number of input bytes that decoded to `buf[start..end]`.
    fn input_len(&self, start: usize, end: usize) -> usize {
        if self.replacements.is_empty() {
            return end - start;
        }
        let extra = self.extra_before(end) - self.extra_before(start);
        (end - start).saturating_sub(extra)
    }

    /// Frees every buffer (after the end of input or an error).
    fn release(&mut self) {
        self.buf = String::new();
        self.pos = 0;
        self.scan = 0;
        self.pending_len = 0;
        self.replacements = Vec::new();
        self.data_at = Text::None;
        self.data = String::new();
        self.type_at = Text::None;
        self.event_type = String::new();
    }

    /// Fails when a line (complete or not) of `len` input bytes is over the limit. The error
    /// reports `max + 1`, not `len`: `len` depends on how much of the line had arrived.
    fn check_line_len(&mut self, len: usize) -> Result<(), ParseError> {
        let max = self.limits.max_line_len;
        if len > max {
            return Err(self.fail(Limit::LineLength, max, max.saturating_add(1)));
        }
        Ok(())
    }

    fn fail(&mut self, limit: Limit, max: usize, actual: usize) -> ParseError {
        let err = ParseError::LimitExceeded { limit, max, actual };
        self.error = Some(err.clone());
        // Nothing will be parsed any more: release the memory.
        self.release();
        err
    }

    fn reset_event(&mut self) {
        self.data_at = Text::None;
        self.data.clear();
        if self.data.capacity() > RETAINED_CAPACITY {
            self.data = String::new();
        }
        self.type_at = Text::None;
        self.event_type.clear();
    }

    /// `buf[start..end]`; the bounds are always ASCII positions, so this never fails.
    fn text(&self, start: usize, end: usize) -> &str {
        self.buf.get(start..end).unwrap_or_default()
    }

    /// The event type set so far (empty when none).
    fn event_type(&self) -> &str {
        match self.type_at {
            Text::None => "",
            Text::Span(start, end) => self.text(start, end),
            Text::Owned => &self.event_type,
        }
    }

    /// The event being dispatched (its data is never empty).
    fn current_event(&self) -> Event<'_> {
        let event = match self.event_type() {
            "" => "message",
            event => event,
        };
        let data = match self.data_at {
            Text::None => "",
            Text::Span(start, end) => self.text(start, end),
            // Without the LF after the last value.
            Text::Owned => self
                .data
                .get(..self.data.len().saturating_sub(1))
                .unwrap_or_default(),
        };
        Event {
            event,
            data,
            id: &self.last_event_id,
        }
    }

    /// The start of what `buf` must keep: the current partial line and the values of the
    /// current event that still point into `buf`.
    fn retained_from(&self) -> usize {
        let mut keep = self.pos;
        for text in [self.data_at, self.type_at] {
            if let Text::Span(start, _) = text {
                keep = keep.min(start);
            }
        }
        keep
    }

    /// Copies the values that still point into `buf` into the parser's own strings, before
    /// `buf` is cleared or compacted.
    fn own_spans(&mut self) {
        if let Text::Span(start, end) = self.data_at {
            self.data.clear();
            self.data
                .push_str(self.buf.get(start..end).unwrap_or_default());
            self.data.push('\n');
            self.data_at = Text::Owned;
        }
        if let Text::Span(start, end) = self.type_at {
            self.event_type.clear();
            self.event_type
                .push_str(self.buf.get(start..end).unwrap_or_default());
            self.type_at = Text::Owned;
        }
    }

    /// Decodes `bytes` as UTF-8 onto the end of `buf`, each maximal invalid subsequence replaced
    /// by U+FFFD (the WHATWG decoder's rule), keeping a sequence cut off by the end of `bytes` in
    /// `pending` until the next chunk completes or breaks it.
    fn push_decoded(&mut self, mut bytes: &[u8]) {
        while self.pending_len > 0 {
            let Some((&byte, rest)) = bytes.split_first() else {
                return;
            };
            let len = usize::from(self.pending_len);
            self.pending[len] = byte;
            match core::str::from_utf8(&self.pending[..=len]) {
                Ok(text) => {
                    self.buf.push_str(text);
                    self.pending_len = 0;
                    bytes = rest;
                }
                Err(err) if err.error_len().is_none() => {
                    self.pending_len += 1;
                    bytes = rest;
                }
                Err(_) => {
                    // The byte does not continue the sequence: the sequence is one error, and
                    // the byte is decoded afresh.
                    self.push_replacement(len);
                    self.pending_len = 0;
                }
            }
        }
        // Validate in bulk all but a sequence cut off by the end of the chunk, which is common
        // with multi-byte text and small chunks, and would otherwise send the whole chunk down
        // the slow path.
        let (body, tail) = bytes.split_at(complete_prefix_len(bytes));
        match simdutf8::basic::from_utf8(body) {
            Ok(text) => {
                self.buf.push_str(text);
                if !tail.is_empty() {
                    self.push_lossy(tail);
                }
            }
            Err(_) => self.push_lossy(bytes),
        }
    }

    /// The slow path of [`push_decoded`](Parser::push_decoded), for invalid input or a cut-off
    /// sequence (never called with bytes pending).
    fn push_lossy(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            self.buf.push_str(chunk.valid());
            let invalid = chunk.invalid();
            if invalid.is_empty() {
                continue;
            }
            let cut_off = chunks.peek().is_none()
                && matches!(core::str::from_utf8(invalid), Err(err) if err.error_len().is_none());
            if cut_off {
                // At most 3 bytes: the start of a sequence that the next chunk may complete.
                self.pending[..invalid.len()].copy_from_slice(invalid);
                self.pending_len = invalid.len() as u8;
            } else {
                self.push_replacement(invalid.len());
            }
        }
    }

    /// Appends U+FFFD for `replaced` invalid input bytes.
    fn push_replacement(&mut self, replaced: usize) {
        let extra = char::REPLACEMENT_CHARACTER
            .len_utf8()
            .saturating_sub(replaced);
        if extra > 0 {
            let total = self.replacements.last().map_or(0, |&(_, total)| total) + extra;
            self.replacements.push((self.buf.len(), total));
        }
        self.buf.push(char::REPLACEMENT_CHARACTER);
    }

    /// Applies the line `buf[start..end]` (without its line end).
    fn process_line(&mut self, start: usize, end: usize) -> Result<LineOutcome, ParseError> {
        let line = &self.buf.as_bytes()[start..end];
        // The usual line first: `data:` (the first colon is then the one after `data`).
        let (name, value_start) = if line.starts_with(b"data:") {
            (&b"data"[..], start + 5)
        } else if line.starts_with(b"event:") {
            (&b"event"[..], start + 6)
        } else {
            match memchr::memchr(b':', line) {
                // A blank line dispatches.
                None if line.is_empty() => {
                    if self.data_at == Text::None {
                        self.type_at = Text::None;
                        self.event_type.clear();
                        return Ok(LineOutcome::Nothing);
                    }
                    return Ok(LineOutcome::Dispatch);
                }
                // A comment.
                Some(0) => return Ok(LineOutcome::Nothing),
                Some(colon) => (&line[..colon], start + colon + 1),
                // A field name alone: the value is empty.
                None => (line, end),
            }
        };
        let value_start =
            if self.buf.as_bytes().get(value_start) == Some(&b' ') && value_start < end {
                value_start + 1
            } else {
                value_start
            };
        // Comparing bytes is exact: the names are ASCII, and U+FFFD in a name matches no name.
        match name {
            b"data" => self.push_data(value_start, end)?,
            b"event" => {
                self.type_at = Text::Span(value_start, end);
                self.event_type.clear();
            }
            b"id" => {
                let value = self.text(value_start, end);
                if !value.contains('\0') {
                    self.last_event_id.clear();
                    self.last_event_id
                        .push_str(self.buf.get(value_start..end).unwrap_or_default());
                }
            }
            b"retry" => {
                let value = &self.buf.as_bytes()[value_start..end];
                if !value.is_empty() && value.iter().all(u8::is_ascii_digit) {
                    let ms = value.iter().fold(0u64, |acc, d| {
                        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                    });
                    self.reconnection_time = Some(ms);
                    return Ok(LineOutcome::Retry(ms));
                }
            }
            _ => {}
        }
        Ok(LineOutcome::Nothing)
    }

    /// Appends the value `buf[start..end]` and an LF to the data buffer.
    fn push_data(&mut self, start: usize, end: usize) -> Result<(), ParseError> {
        // The data as it would be dispatched now: what is held (each earlier value and the LF
        // that separates it from the next) plus this value, without its trailing LF.
        let held = match self.data_at {
            Text::None => 0,
            Text::Span(s, e) => e - s + 1,
            Text::Owned => self.data.len(),
        };
        let len = held + (end - start);
        if len > self.limits.max_data_len {
            return Err(self.fail(Limit::DataLength, self.limits.max_data_len, len));
        }
        match self.data_at {
            // The first value stays where it is.
            Text::None => self.data_at = Text::Span(start, end),
            Text::Span(..) => {
                self.own_spans();
                self.append_data(start, end);
            }
            Text::Owned => self.append_data(start, end),
        }
        Ok(())
    }

    fn append_data(&mut self, start: usize, end: usize) {
        self.data
            .push_str(self.buf.get(start..end).unwrap_or_default());
        self.data.push('\n');
    }
}

/// The length of `bytes` without a trailing UTF-8 sequence that is cut short (an incomplete
/// sequence can only be the last 1 to 3 bytes: a lead byte and fewer continuation bytes than it
/// announces).
fn complete_prefix_len(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=len.min(3) {
        let byte = bytes[len - back];
        if byte & 0xC0 == 0x80 {
            // A continuation byte: its lead byte is further back.
            continue;
        }
        let needed = match byte {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if needed > back { len - back } else { len };
    }
    len
}
