//! The incremental parser. See the module docs of [`crate::sse`] for the rules it implements.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::Event;

/// Buffers that grew beyond this many bytes (for one large event) are released after use when
/// that use needed less than a quarter of them (see [`oversized`]), so a single huge event does
/// not pin its memory for the rest of a long stream.
const RETAINED_CAPACITY: usize = 64 * 1024;

/// True when a buffer of `capacity` bytes, whose last use needed `used` bytes, should be
/// released: it is larger than [`RETAINED_CAPACITY`] and more than four times what was used. A
/// stream whose events are all large keeps its buffers (no allocation per event); one huge
/// event among small ones does not pin its memory.
fn oversized(capacity: usize, used: usize) -> bool {
    capacity > RETAINED_CAPACITY && capacity / 4 > used
}

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
/// Two ways to give the parser bytes, which can be mixed and give the same results for any split
/// of the stream:
///
/// - [`next_event_from`](Parser::next_event_from) parses the caller's buffer in place: call it
///   with each piece of input as it arrives until it returns `Ok(None)`, which means the piece is
///   used up. This is the fast way, for a whole buffer as for chunks.
/// - [`feed`](Parser::feed) buffers the bytes (for callers that cannot keep them until they are
///   parsed), then [`next_event`](Parser::next_event) returns events until `Ok(None)` ("need more
///   data").
///
/// Each returned [`Event`] borrows the parser (and the input) and is valid until the next call.
/// When the input ends, call [`finish`](Parser::finish) (after draining) to learn whether the
/// stream ended inside an event; nothing more is dispatched after it.
///
/// Memory stays bounded by [`Limits`] as long as the caller drains between feeds: a line or event
/// over a limit is an error, never unbounded buffering. Each input byte is examined once by the
/// line scanner, and steady-state parsing allocates nothing: events borrow the input or reusable
/// buffers.
///
/// # How it is fast
///
/// [`next_event_from`](Parser::next_event_from) finds lines with `memchr` in the caller's buffer
/// and decodes each field value where it is (one UTF-8 validation per value, SIMD for long
/// ones): an event whose data is one `data` line (the common case) hands out that value straight
/// from the input. Only a line cut by the end of the input is copied, as raw bytes, and decoded
/// once when the next input completes it.
///
/// [`feed`](Parser::feed) decodes the bytes into a text buffer as they arrive (one bulk UTF-8
/// validation per chunk; the WHATWG decoder runs on the stream as a whole, with a sequence split
/// between two chunks held back until it completes). Lines are then found with `memchr` from a
/// remembered scan offset, and field values are *not* copied out of that buffer.
///
/// Either way, values are copied only when an event has several `data` lines, or when its lines
/// and the blank line that dispatches it arrive in different calls.
#[derive(Debug, Clone)]
pub struct Parser {
    /// The decoded input of [`feed`](Parser::feed). `buf[pos..]` has not been consumed.
    buf: String,
    /// Start of the current, incomplete line in `buf`.
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
    /// The raw bytes of a line that an input of
    /// [`next_event_from`](Parser::next_event_from) ended in; when `line_used`, the line that
    /// the last call completed, which an event that call returned may borrow.
    line: Vec<u8>,
    /// `line` was completed and parsed: what is carried to the next input is in `tail`.
    line_used: bool,
    /// Where a call of [`next_event_from`](Parser::next_event_from) puts the unfinished end of
    /// its input (`line` may still be borrowed then); it becomes `line` at the next call.
    tail: Vec<u8>,
    line_ends: LineEnds,
    state: State,
}

/// Finds line ends (LF or CR) with the widest SIMD instructions the CPU has, chosen once per
/// parser: `memchr::memchr2` chooses on every call, which costs as much as the search itself on
/// a short line or a small chunk.
#[derive(Debug, Clone, Copy)]
struct LineEnds {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::Two>,
}

impl LineEnds {
    fn new() -> Self {
        LineEnds {
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::Two::new(b'\n', b'\r'),
        }
    }

    /// The position of the first LF or CR in `haystack`.
    #[inline]
    fn find(&self, haystack: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(two) = &self.avx2 {
            return two.find(haystack);
        }
        memchr::memchr2(b'\n', b'\r', haystack)
    }
}

/// The state both ways of driving the parser share: the event being built, and what persists.
#[derive(Debug, Clone)]
struct State {
    /// The previous line ended in CR, so an LF right after it belongs to that line end.
    after_cr: bool,
    /// Still at the start of the stream, where one BOM is stripped.
    at_start: bool,
    /// Where the current event's data is.
    data_at: Text,
    /// The data when it had to be copied (`Text::Owned`): each value plus an LF.
    data: String,
    /// Where the current event's type is.
    type_at: Text,
    /// The event type when it had to be copied (`Text::Owned`).
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
    /// `buf[start..end]`, in the consumed part of `feed`'s buffer.
    Span(usize, usize),
    /// In the parser's own string for it.
    Owned,
    /// Borrowed by the current [`Parser::next_event_from`] call ([`Held`]), from its input or
    /// from the line it completed; copied into the parser's own string before that call
    /// returns, unless it returns the event.
    Held,
}

/// The value of the current event that [`Parser::next_event_from`] borrows while it runs (valid
/// where [`Text::Held`] says so): the data, when it is one value. (The event type is copied:
/// streams repeat a few types, so that is usually no work at all.)
#[derive(Debug, Clone, Copy, Default)]
struct Held<'a> {
    data: &'a str,
}

/// The byte order mark, stripped once at the start of the stream.
const BOM: &[u8] = "\u{FEFF}".as_bytes();

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
            line: Vec::new(),
            line_used: false,
            tail: Vec::new(),
            line_ends: LineEnds::new(),
            state: State {
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
            },
        }
    }

    /// The limits this parser enforces.
    pub fn limits(&self) -> Limits {
        self.state.limits
    }

    /// Buffers `bytes`. Parsing happens in [`next_event`](Parser::next_event).
    ///
    /// Feeding after [`finish`](Parser::finish) is a bug in the caller, not something the peer
    /// can cause, so it is not a [`ParseError`]: the bytes are ignored (debug builds panic, to
    /// find the bug). [`is_finished`](Parser::is_finished) tells whether the input has ended.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.state.finished {
            debug_assert!(bytes.is_empty(), "Parser::feed called after Parser::finish");
            return;
        }
        if self.state.error.is_some() || bytes.is_empty() {
            return;
        }
        if self.state.dispatched {
            // The event handed out last can no longer be borrowed.
            self.state.dispatched = false;
            self.state.reset_event();
        }
        self.settle();
        if !self.line.is_empty() {
            // A line that `next_event_from` carried: it goes first.
            let line = core::mem::take(&mut self.line);
            self.buffer(&line);
            self.line = line;
            self.line.clear();
        }
        self.buffer(bytes);
    }

    /// Appends `bytes` to `buf`, making room by dropping what was consumed.
    fn buffer(&mut self, bytes: &[u8]) {
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
            let used = self.buf.len().max(bytes.len());
            self.buf.clear();
            self.replacements.clear();
            self.pos = 0;
            self.scan = 0;
            if oversized(self.buf.capacity(), used) {
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
            for text in [&mut self.state.data_at, &mut self.state.type_at] {
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
        if let Some(err) = &self.state.error {
            let err = err.clone();
            self.release();
            return Err(err);
        }
        if self.state.dispatched {
            self.state.dispatched = false;
            self.state.reset_event();
        }
        match self.next_buffered() {
            Ok(None | Some(LineOutcome::Nothing)) => Ok(None),
            Ok(Some(LineOutcome::Retry(ms))) => Ok(Some(Parsed::Retry(ms))),
            Ok(Some(LineOutcome::Dispatch)) => Ok(Some(Parsed::Event(self.current_event()))),
            Err(err) => {
                self.release();
                Err(err)
            }
        }
    }

    /// Parses `input` in place until an event is dispatched or a valid `retry` field is
    /// processed, advancing `input` past the bytes it used; `Ok(None)` means that all of `input`
    /// was used and more data is needed (or the input has ended).
    ///
    /// This is [`feed`](Parser::feed) and [`next_event`](Parser::next_event) in one call,
    /// without copying: complete lines are parsed where they are, and a returned [`Event`] may
    /// borrow `input` as well as the parser. Only a line cut by the end of `input` is copied
    /// into the parser (the next call's input completes it), so parsing a whole buffer at once
    /// needs no buffer at all. Any split of the stream into inputs gives the same results as
    /// one input, or as [`feed`](Parser::feed) with the same pieces; the two can be mixed, and
    /// bytes already fed are parsed before `input`.
    ///
    /// Call it until it returns `Ok(None)`; `input` is then empty. Like `feed`, giving bytes
    /// after [`finish`](Parser::finish) is a caller bug: they are ignored (debug builds panic).
    ///
    /// ```
    /// use llm_sse_core::sse::{Parsed, Parser};
    ///
    /// let mut parser = Parser::new();
    /// let mut events = Vec::new();
    /// // The stream as it arrives: the second event is cut in the middle of a line.
    /// for mut input in [&b"data: {}\n\nevent: ping\nda"[..], b"ta: 1\n\n"] {
    ///     while let Some(parsed) = parser.next_event_from(&mut input)? {
    ///         if let Parsed::Event(event) = parsed {
    ///             events.push(event.to_owned());
    ///         }
    ///     }
    ///     assert!(input.is_empty());
    /// }
    /// assert!(parser.finish().is_clean());
    /// assert_eq!((events[0].event.as_str(), events[0].data.as_str()), ("message", "{}"));
    /// assert_eq!((events[1].event.as_str(), events[1].data.as_str()), ("ping", "1"));
    /// # Ok::<(), llm_sse_core::sse::ParseError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`next_event`](Parser::next_event). How much of `input` was used when an error is
    /// returned is unspecified.
    pub fn next_event_from<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<Parsed<'s>>, ParseError> {
        if let Some(err) = &self.state.error {
            let err = err.clone();
            self.release();
            return Err(err);
        }
        if self.state.finished {
            debug_assert!(
                input.is_empty(),
                "Parser::next_event_from called with input after Parser::finish"
            );
            *input = &[];
            return Ok(None);
        }
        if self.state.dispatched {
            self.state.dispatched = false;
            self.state.reset_event();
        }
        if self.pos < self.buf.len() || self.pending_len > 0 {
            // Bytes given to `feed` come first: the input joins them (rare: only when the two
            // ways are mixed).
            self.feed(input);
            *input = &[];
            return self.next_event();
        }
        if self.state.data_at != Text::None || self.state.type_at != Text::None {
            // An event that `feed`'s buffer holds values of (equally rare).
            self.own_spans();
        }
        self.settle();
        self.next_in_place(input)
    }

    /// Makes `line` the line carried to this call (see [`Parser::line_used`]).
    fn settle(&mut self) {
        if self.line_used {
            if oversized(self.line.capacity(), self.line.len()) {
                self.line = Vec::new();
            }
            self.line.clear();
            core::mem::swap(&mut self.line, &mut self.tail);
            self.line_used = false;
        }
    }

    /// The work of [`next_event_from`](Parser::next_event_from) once only its input and the line
    /// it carries are left to parse.
    fn next_in_place<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<Parsed<'s>>, ParseError> {
        // The borrows are split: an event may borrow `line` while `tail` takes the end of the
        // input.
        let Parser {
            line,
            line_used,
            tail,
            state,
            line_ends,
            ..
        } = self;
        let max = state.limits.max_line_len;
        let mut held = Held::default();
        // First the carried line, which the first line end of the input completes. The stream's
        // first line always goes this way: it may start with a BOM, perhaps cut short.
        if !line.is_empty() || state.at_start {
            // With room for a BOM at the start of the stream: the line is measured exactly once
            // it is in `line`.
            let slack = if state.at_start { BOM.len() } else { 0 };
            let Some(end) = line_ends.find(input) else {
                if line.len() + input.len() > max.saturating_add(slack) {
                    return Err(state.line_too_long());
                }
                line.extend_from_slice(input);
                *input = &[];
                if state.at_start && first_line_len(line) > max {
                    return Err(state.line_too_long());
                }
                return Ok(None);
            };
            if line.len() + end > max.saturating_add(slack) {
                return Err(state.line_too_long());
            }
            let (rest_of_line, after) = input.split_at(end);
            line.extend_from_slice(rest_of_line);
            *input = state.after_line_end(after);
            *line_used = true;
            let line: &'s [u8] = line;
            let mut text = line;
            if state.at_start {
                state.at_start = false;
                if first_line_len(line) > max {
                    return Err(state.line_too_long());
                }
                text = line.strip_prefix(BOM).unwrap_or(line);
            }
            match state.input_line(text, text.len(), &mut held)? {
                LineOutcome::Nothing => {}
                LineOutcome::Dispatch => return Ok(Some(Parsed::Event(state.event(held)))),
                // Nothing is held: this is the call's first line.
                LineOutcome::Retry(ms) => return Ok(Some(Parsed::Retry(ms))),
            }
        }
        // Then the input, in place.
        let mut rest: &'i [u8] = input;
        if state.after_cr {
            match rest.first() {
                // Still unknown.
                None => {}
                Some(b'\n') => {
                    rest = &rest[1..];
                    state.after_cr = false;
                }
                Some(_) => state.after_cr = false,
            }
        }
        loop {
            // A blank line (every event ends with one) is found without a call into memchr.
            let end = match rest.first() {
                None => break,
                Some(b'\n' | b'\r') => 0,
                Some(_) => match line_ends.find(rest) {
                    Some(end) => end,
                    None => break,
                },
            };
            if end > max {
                return Err(state.line_too_long());
            }
            let line = rest;
            rest = state.after_line_end(&rest[end..]);
            match state.input_line(line, end, &mut held)? {
                LineOutcome::Nothing => {}
                LineOutcome::Dispatch => {
                    *input = rest;
                    return Ok(Some(Parsed::Event(state.event(held))));
                }
                LineOutcome::Retry(ms) => {
                    *input = rest;
                    state.own_held(&held);
                    return Ok(Some(Parsed::Retry(ms)));
                }
            }
        }
        // The input is used up but for an unfinished line, which is carried to the next.
        *input = &[];
        state.own_held(&held);
        if !rest.is_empty() {
            if rest.len() > max {
                return Err(state.line_too_long());
            }
            tail.clear();
            tail.extend_from_slice(rest);
            *line_used = true;
        }
        Ok(None)
    }

    /// The work of [`next_event`](Parser::next_event): parses `buf` until an event or a retry is
    /// ready (`LineOutcome::Dispatch` then means that `current_event` describes the event).
    fn next_buffered(&mut self) -> Result<Option<LineOutcome>, ParseError> {
        loop {
            if self.state.at_start {
                if self.buf.len() == self.pos {
                    // Nothing decoded yet (a BOM may still be arriving byte by byte).
                    return Ok(None);
                }
                if self.buf.as_bytes()[self.pos..].starts_with(BOM) {
                    self.pos += BOM.len();
                    self.scan = self.pos;
                }
                self.state.at_start = false;
            }
            if self.state.after_cr {
                match self.buf.as_bytes().get(self.pos) {
                    None => return Ok(None),
                    Some(b'\n') => {
                        self.pos += 1;
                        self.scan = self.pos;
                    }
                    Some(_) => {}
                }
                self.state.after_cr = false;
            }
            let bytes = self.buf.as_bytes();
            let rest = &bytes[self.scan..];
            // A blank line (every event ends with one) is found without a call into memchr.
            let found = match rest.first() {
                Some(b'\n' | b'\r') => Some(0),
                _ => self.line_ends.find(rest),
            };
            let Some(offset) = found else {
                self.scan = self.buf.len();
                // The bytes of a cut-off UTF-8 sequence belong to this line too.
                if self.fed_partial_line_bytes() > self.state.limits.max_line_len {
                    return Err(self.state.line_too_long());
                }
                return Ok(None);
            };
            let end = self.scan + offset;
            let ended_by_cr = bytes[end] == b'\r';
            let start = self.pos;
            if self.input_len(start, end) > self.state.limits.max_line_len {
                return Err(self.state.line_too_long());
            }
            self.state.after_cr = ended_by_cr;
            self.pos = end + 1;
            self.scan = self.pos;
            match self.process_line(start, end)? {
                LineOutcome::Nothing => {}
                LineOutcome::Retry(ms) => return Ok(Some(LineOutcome::Retry(ms))),
                LineOutcome::Dispatch => {
                    self.state.dispatched = true;
                    return Ok(Some(LineOutcome::Dispatch));
                }
            }
        }
    }

    /// Marks the end of the input and reports what was left unterminated.
    ///
    /// Call it after [`next_event`](Parser::next_event) or
    /// [`next_event_from`](Parser::next_event_from) returned `Ok(None)`: it discards the partial
    /// line and the undispatched event, as the standard requires, and nothing is dispatched
    /// after it. Bytes still buffered because the caller did not drain count as a partial line.
    /// Calling it again returns an all-clean report.
    pub fn finish(&mut self) -> EndOfInput {
        if self.state.error.is_some() {
            // Nothing is left after an error.
            self.release();
        }
        if self.state.dispatched {
            self.state.dispatched = false;
            self.state.reset_event();
        }
        self.settle();
        let report = EndOfInput {
            partial_line_bytes: self.partial_line_bytes(),
            undispatched_event: self.has_pending_event(),
        };
        self.state.finished = true;
        self.release();
        report
    }

    /// True once [`finish`](Parser::finish) was called.
    pub fn is_finished(&self) -> bool {
        self.state.finished
    }

    /// True when bytes of a line without a line end are buffered.
    ///
    /// Exact after [`next_event`](Parser::next_event) or
    /// [`next_event_from`](Parser::next_event_from) has returned `Ok(None)`.
    pub fn has_partial_line(&self) -> bool {
        self.state.error.is_none()
            && (self.buf.len() > self.pos || self.pending_len > 0 || !self.carried().is_empty())
    }

    /// True when fields of an event have been processed that no blank line has dispatched yet.
    pub fn has_pending_event(&self) -> bool {
        self.state.error.is_none()
            && !self.state.dispatched
            && (self.state.data_at != Text::None || !self.event_type().is_empty())
    }

    /// The last event ID (persisting across events; empty when never set).
    pub fn last_event_id(&self) -> &str {
        &self.state.last_event_id
    }

    /// The reconnection time set by the last valid `retry` field, in milliseconds.
    pub fn reconnection_time(&self) -> Option<u64> {
        self.state.reconnection_time
    }

    /// The raw line carried from the last input of [`next_event_from`](Parser::next_event_from).
    fn carried(&self) -> &[u8] {
        if self.line_used {
            &self.tail
        } else {
            &self.line
        }
    }

    /// The input bytes of the partial line, whichever way it arrived.
    fn partial_line_bytes(&self) -> usize {
        let carried = self.carried();
        // A BOM is not part of the line; the start of one that never completed is.
        let carried = if self.state.at_start && carried.starts_with(BOM) {
            carried.len() - BOM.len()
        } else {
            carried.len()
        };
        self.fed_partial_line_bytes() + carried
    }

    /// The input bytes of the partial line in `buf` (decoded replacements counted as the bytes
    /// they replaced).
    fn fed_partial_line_bytes(&self) -> usize {
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
        self.line = Vec::new();
        self.line_used = false;
        self.tail = Vec::new();
        self.state.release();
    }

    /// `buf[start..end]`; the bounds are always ASCII positions, so this never fails.
    fn text(&self, start: usize, end: usize) -> &str {
        self.buf.get(start..end).unwrap_or_default()
    }

    /// The event type set so far (empty when none), outside a call that holds values.
    fn event_type(&self) -> &str {
        match self.state.type_at {
            Text::None | Text::Held => "",
            Text::Span(start, end) => self.text(start, end),
            Text::Owned => &self.state.event_type,
        }
    }

    /// The event being dispatched by [`next_buffered`](Parser::next_buffered) (its data is
    /// never empty).
    fn current_event(&self) -> Event<'_> {
        let event = match self.event_type() {
            "" => "message",
            event => event,
        };
        let data = match self.state.data_at {
            Text::None | Text::Held => "",
            Text::Span(start, end) => self.text(start, end),
            Text::Owned => self.state.owned_data(),
        };
        Event {
            event,
            data,
            id: &self.state.last_event_id,
        }
    }

    /// The start of what `buf` must keep: the current partial line and the values of the
    /// current event that still point into `buf`.
    fn retained_from(&self) -> usize {
        let mut keep = self.pos;
        for text in [self.state.data_at, self.state.type_at] {
            if let Text::Span(start, _) = text {
                keep = keep.min(start);
            }
        }
        keep
    }

    /// Copies the values that still point into `buf` into the parser's own strings, before
    /// `buf` is cleared or compacted.
    fn own_spans(&mut self) {
        if let Text::Span(start, end) = self.state.data_at {
            self.state.data.clear();
            self.state
                .data
                .push_str(self.buf.get(start..end).unwrap_or_default());
            self.state.data.push('\n');
            self.state.data_at = Text::Owned;
        }
        if let Text::Span(start, end) = self.state.type_at {
            self.state.event_type.clear();
            self.state
                .event_type
                .push_str(self.buf.get(start..end).unwrap_or_default());
            self.state.type_at = Text::Owned;
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
        let (field, value) = split_field(&self.buf.as_bytes()[start..end]);
        let value_start = start + value;
        match field {
            Field::Blank => return Ok(self.state.blank_line()),
            Field::Data => self.push_data(value_start, end)?,
            Field::Event => {
                self.state.type_at = Text::Span(value_start, end);
            }
            Field::Id => {
                let value = self.buf.get(value_start..end).unwrap_or_default();
                if !value.contains('\0') {
                    self.state.last_event_id.clear();
                    self.state.last_event_id.push_str(value);
                }
            }
            Field::Retry => {
                if let Some(ms) = retry_ms(&self.buf.as_bytes()[value_start..end]) {
                    self.state.reconnection_time = Some(ms);
                    return Ok(LineOutcome::Retry(ms));
                }
            }
            Field::Other => {}
        }
        Ok(LineOutcome::Nothing)
    }

    /// Appends the value `buf[start..end]` and an LF to the data buffer.
    fn push_data(&mut self, start: usize, end: usize) -> Result<(), ParseError> {
        let len = self.state.data_so_far(&Held::default()) + (end - start);
        self.state.check_data_len(len)?;
        match self.state.data_at {
            // The first value stays where it is.
            Text::None => self.state.data_at = Text::Span(start, end),
            Text::Span(..) => {
                self.own_spans();
                self.append_data(start, end);
            }
            // `next_buffered` never runs while values are held.
            Text::Owned | Text::Held => self.append_data(start, end),
        }
        Ok(())
    }

    fn append_data(&mut self, start: usize, end: usize) {
        self.state
            .data
            .push_str(self.buf.get(start..end).unwrap_or_default());
        self.state.data.push('\n');
    }
}

impl State {
    /// Fails because a line is longer than the limit. The error reports `max + 1`, not the
    /// line's length: how much of it had arrived depends on the chunking.
    fn line_too_long(&mut self) -> ParseError {
        let max = self.limits.max_line_len;
        self.fail(Limit::LineLength, max, max.saturating_add(1))
    }

    /// Records a (sticky) error. The parser's buffers are released by the next call.
    fn fail(&mut self, limit: Limit, max: usize, actual: usize) -> ParseError {
        let err = ParseError::LimitExceeded { limit, max, actual };
        self.error = Some(err.clone());
        err
    }

    /// Frees the event's buffers (after the end of input or an error).
    fn release(&mut self) {
        self.data_at = Text::None;
        self.data = String::new();
        self.type_at = Text::None;
        self.event_type = String::new();
    }

    fn reset_event(&mut self) {
        self.data_at = Text::None;
        if oversized(self.data.capacity(), self.data.len()) {
            self.data = String::new();
        }
        self.data.clear();
        self.type_at = Text::None;
        // The type's text stays, for `input_line` to recognize it when it comes again.
        if oversized(self.event_type.capacity(), 0) {
            self.event_type = String::new();
        }
    }

    /// The copied data, without the LF after the last value.
    fn owned_data(&self) -> &str {
        self.data
            .get(..self.data.len().saturating_sub(1))
            .unwrap_or_default()
    }

    /// The event being dispatched by [`Parser::next_in_place`], with the values it `held` (no
    /// value of it is in `feed`'s buffer).
    fn event<'a>(&'a mut self, held: Held<'a>) -> Event<'a> {
        self.dispatched = true;
        let event = match self.type_at {
            Text::Owned => &self.event_type,
            Text::None | Text::Span(..) | Text::Held => "",
        };
        let data = match self.data_at {
            Text::Held => held.data,
            Text::Owned => self.owned_data(),
            Text::None | Text::Span(..) => "",
        };
        Event {
            event: if event.is_empty() { "message" } else { event },
            data,
            id: &self.last_event_id,
        }
    }

    /// `after` with the line end it starts with skipped: CRLF, LF, or CR (a CR at the very end
    /// may be the first half of a CRLF that the next input completes).
    #[inline]
    fn after_line_end<'i>(&mut self, after: &'i [u8]) -> &'i [u8] {
        match after {
            [b'\r', b'\n', more @ ..] => more,
            [b'\r'] => {
                self.after_cr = true;
                &[]
            }
            [_, more @ ..] => more,
            [] => &[],
        }
    }

    /// Applies the line `bytes[..end]` (without its line end), a line that
    /// [`next_event_from`](Parser::next_event_from) parses in place; values are borrowed in
    /// `held`. The rules are those of [`Parser::process_line`], on the raw bytes: each value is
    /// decoded alone, which gives the same text as decoding the stream as a whole, since no UTF-8
    /// sequence spans the ASCII colon, space or line end around it. What follows the line in
    /// `bytes` only speeds up decoding (see [`value_text`]).
    #[inline]
    fn input_line<'i>(
        &mut self,
        bytes: &'i [u8],
        end: usize,
        held: &mut Held<'i>,
    ) -> Result<LineOutcome, ParseError> {
        let (field, value) = split_field(&bytes[..end]);
        let (window, len) = (&bytes[value..], end - value);
        let value = &window[..len];
        match field {
            Field::Blank => return Ok(self.blank_line()),
            Field::Data => self.push_input_data(window, len, held)?,
            Field::Event => {
                // Streams repeat a few event types: one equal to the last type decoded is
                // neither decoded nor copied again (bytes equal to valid text are that text).
                if value != self.event_type.as_bytes() {
                    self.event_type.clear();
                    match value_text(window, len) {
                        Some(text) => self.event_type.push_str(text),
                        None => push_lossy(&mut self.event_type, value),
                    }
                }
                self.type_at = Text::Owned;
            }
            Field::Id => {
                if !value.contains(&0) {
                    self.last_event_id.clear();
                    match utf8(value) {
                        Some(text) => self.last_event_id.push_str(text),
                        None => push_lossy(&mut self.last_event_id, value),
                    }
                }
            }
            Field::Retry => {
                if let Some(ms) = retry_ms(value) {
                    self.reconnection_time = Some(ms);
                    return Ok(LineOutcome::Retry(ms));
                }
            }
            Field::Other => {}
        }
        Ok(LineOutcome::Nothing)
    }

    /// A blank line: dispatches when there is data, else forgets the event type.
    fn blank_line(&mut self) -> LineOutcome {
        if self.data_at == Text::None {
            self.type_at = Text::None;
            return LineOutcome::Nothing;
        }
        LineOutcome::Dispatch
    }

    /// The size of the data as it would be dispatched now, plus an LF when there is data: what
    /// a next value is added to.
    fn data_so_far(&self, held: &Held<'_>) -> usize {
        match self.data_at {
            Text::None => 0,
            Text::Span(start, end) => end - start + 1,
            Text::Held => held.data.len() + 1,
            Text::Owned => self.data.len(),
        }
    }

    /// Fails unless data of `len` bytes is within the limit.
    fn check_data_len(&mut self, len: usize) -> Result<(), ParseError> {
        let max = self.limits.max_data_len;
        if len > max {
            return Err(self.fail(Limit::DataLength, max, len));
        }
        Ok(())
    }

    /// Appends the raw value `window[..len]` and an LF to the data: a first value is only held.
    fn push_input_data<'i>(
        &mut self,
        window: &'i [u8],
        len: usize,
        held: &mut Held<'i>,
    ) -> Result<(), ParseError> {
        let so_far = self.data_so_far(held);
        let value = &window[..len];
        let text = value_text(window, len);
        let len = match text {
            Some(text) => text.len(),
            None => lossy_len(value),
        };
        self.check_data_len(so_far + len)?;
        match (self.data_at, text) {
            (Text::None, Some(text)) => {
                held.data = text;
                self.data_at = Text::Held;
                return Ok(());
            }
            (Text::Held, _) => self.own_held(held),
            // `next_event_from` owns values of `feed`'s buffer before it parses.
            (Text::None | Text::Span(..) | Text::Owned, _) => {}
        }
        match text {
            Some(text) => self.data.push_str(text),
            None => push_lossy(&mut self.data, value),
        }
        self.data.push('\n');
        self.data_at = Text::Owned;
        Ok(())
    }

    /// Copies the values held from the input into the parser's own strings, before the input
    /// is gone.
    fn own_held(&mut self, held: &Held<'_>) {
        if self.data_at == Text::Held {
            self.data.clear();
            self.data.push_str(held.data);
            self.data.push('\n');
            self.data_at = Text::Owned;
        }
    }
}

/// The length of the stream's first line as the limits count it: without a leading BOM, and
/// nothing while it could still be the start of one.
fn first_line_len(line: &[u8]) -> usize {
    if line.starts_with(BOM) {
        line.len() - BOM.len()
    } else if BOM.starts_with(line) {
        0
    } else {
        line.len()
    }
}

/// The field of a line, as far as the parser cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// An empty line: dispatch.
    Blank,
    Data,
    Event,
    Id,
    Retry,
    /// A comment or an unknown field.
    Other,
}

/// The field of `line` (without its line end) and where its value starts: after the first colon
/// and one space after it, or at the end when there is no colon.
///
/// Comparing bytes is exact on raw input as on decoded text: the names are ASCII, and neither an
/// invalid byte nor the U+FFFD that replaces it matches a name.
#[inline]
fn split_field(line: &[u8]) -> (Field, usize) {
    // The usual lines first: `data:` and `event:` (the first colon is then the one after the
    // name).
    let (field, colon_end) = if line.starts_with(b"data:") {
        (Field::Data, 5)
    } else if line.is_empty() {
        return (Field::Blank, 0);
    } else if line.starts_with(b"event:") {
        (Field::Event, 6)
    } else {
        match memchr::memchr(b':', line) {
            // A comment.
            Some(0) => return (Field::Other, 0),
            Some(colon) => (field_named(&line[..colon]), colon + 1),
            // A field name alone: the value is empty.
            None => return (field_named(line), line.len()),
        }
    };
    match line.get(colon_end) {
        Some(b' ') => (field, colon_end + 1),
        _ => (field, colon_end),
    }
}

fn field_named(name: &[u8]) -> Field {
    match name {
        b"data" => Field::Data,
        b"event" => Field::Event,
        b"id" => Field::Id,
        b"retry" => Field::Retry,
        _ => Field::Other,
    }
}

/// The milliseconds of a valid `retry` value (ASCII digits only), saturating at `u64::MAX`.
fn retry_ms(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(value.iter().fold(0u64, |acc, d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

/// `bytes` as text, when they are valid UTF-8.
#[inline]
fn utf8(bytes: &[u8]) -> Option<&str> {
    simdutf8::basic::from_utf8(bytes).ok()
}

/// The value `window[..len]` as text, when it is valid UTF-8; `window` goes on past the value
/// (with its line end and whatever follows it in the input).
///
/// The SIMD validator works on 64-byte blocks and copies the end of an input that is not a
/// whole number of blocks into a block first, which costs more than the check itself on the
/// short values that most events carry. So a short value is checked together with the bytes
/// after it up to the end of its last block: when they are valid too (the usual case; what
/// follows the value is its ASCII line end and the next lines), the value's text is the front
/// of their text, since it ends at an ASCII line end, a character boundary. Otherwise the value
/// is checked alone. Either way the line scanner does not look at the bytes again.
#[inline]
fn value_text(window: &[u8], len: usize) -> Option<&str> {
    const BLOCK: usize = 64;
    let whole = len.next_multiple_of(BLOCK);
    if len < 4 * BLOCK && whole != len && whole <= window.len() {
        if let Ok(text) = simdutf8::basic::from_utf8(&window[..whole]) {
            return text.get(..len);
        }
    }
    utf8(&window[..len])
}

/// The length of `bytes` decoded with each maximal invalid subsequence replaced by U+FFFD.
fn lossy_len(bytes: &[u8]) -> usize {
    bytes
        .utf8_chunks()
        .map(|chunk| match chunk.invalid() {
            [] => chunk.valid().len(),
            _ => chunk.valid().len() + char::REPLACEMENT_CHARACTER.len_utf8(),
        })
        .sum()
}

/// Appends `bytes` to `out`, decoded with each maximal invalid subsequence replaced by U+FFFD
/// (the WHATWG decoder's rule).
fn push_lossy(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            out.push(char::REPLACEMENT_CHARACTER);
        }
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
