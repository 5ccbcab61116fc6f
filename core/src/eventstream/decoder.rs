//! The incremental decoder. See the module docs of [`crate::eventstream`] for the format.

use alloc::vec::Vec;
use core::fmt;

use super::{CRC_LEN, Message, OVERHEAD, PRELUDE_LEN, read_header};

/// A buffer that grew beyond this many bytes (for one large message) is released once it is
/// empty, so a single huge message does not pin its memory for the rest of a long stream.
const RETAINED_CAPACITY: usize = 64 * 1024;

/// Memory limits of a [`Decoder`].
///
/// The Smithy specification lets a service send payloads of up to 24 MiB (25,165,824 bytes) and
/// headers of up to 128 KiB (131,072 bytes), and tells clients not to enforce these sizes; the
/// defaults are exactly these maxima, so no conforming service trips them, while a prelude that
/// announces 4 GiB is refused before anything is allocated for it.
///
/// ```
/// use llm_sse_core::eventstream::{encode, DecodeError, Decoder, Limit, Limits};
///
/// let mut wire = Vec::new();
/// encode(&[], &[b'x'; 100], &mut wire)?; // 116 bytes on the wire
///
/// // A message of exactly `max_message_len` bytes is accepted...
/// let mut decoder = Decoder::with_limits(Limits::DEFAULT.max_message_len(116));
/// decoder.feed(&wire);
/// assert!(decoder.next_message()?.is_some());
///
/// // ...one byte more is not, and that is known from the first 12 bytes.
/// let mut decoder = Decoder::with_limits(Limits::DEFAULT.max_message_len(115));
/// decoder.feed(&wire[..12]);
/// assert_eq!(
///     decoder.next_message(),
///     Err(DecodeError::LimitExceeded { limit: Limit::MessageLength, max: 115, announced: 116 })
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// The largest message accepted, in bytes on the wire (its total length, framing included).
    /// Default: 24 MiB + 128 KiB + 16 (25,296,912 bytes).
    pub max_message_len: usize,
    /// The largest headers section accepted, in bytes. Default: 128 KiB (131,072 bytes).
    pub max_headers_len: usize,
}

impl Limits {
    /// The default limits: the specification's largest payload (24 MiB) and headers (128 KiB).
    pub const DEFAULT: Limits = Limits {
        max_message_len: 24 * 1024 * 1024 + 128 * 1024 + OVERHEAD,
        max_headers_len: 128 * 1024,
    };

    /// These limits with the largest accepted message set to `max_message_len` bytes.
    pub const fn max_message_len(mut self, max_message_len: usize) -> Limits {
        self.max_message_len = max_message_len;
        self
    }

    /// These limits with the largest accepted headers section set to `max_headers_len` bytes.
    pub const fn max_headers_len(mut self, max_headers_len: usize) -> Limits {
        self.max_headers_len = max_headers_len;
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
    /// [`Limits::max_message_len`].
    MessageLength,
    /// [`Limits::max_headers_len`].
    HeadersLength,
}

/// What is wrong with a header (in [`DecodeError::MalformedHeader`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeaderProblem {
    /// The header runs past the end of the headers section (its name, or its value, is longer
    /// than what is left).
    Truncated,
    /// The value type is not one of the ten of the specification (`0` to `9`).
    UnknownValueType(u8),
    /// The name is not valid UTF-8.
    NameNotUtf8,
    /// The value is a string (type `7`) that is not valid UTF-8.
    StringNotUtf8,
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderProblem::Truncated => f.write_str("it runs past the end of the headers"),
            HeaderProblem::UnknownValueType(code) => {
                write!(f, "its value type {code} is unknown (0 to 9 are defined)")
            }
            HeaderProblem::NameNotUtf8 => f.write_str("its name is not UTF-8"),
            HeaderProblem::StringNotUtf8 => f.write_str("its string value is not UTF-8"),
        }
    }
}

/// Why the decoder stopped.
///
/// Every error is final: after one, the stream's message boundaries are lost. Errors are sticky:
/// once returned, every later call to [`Decoder::next_message`] returns the same error. The
/// error does not depend on how the input was split into chunks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeError {
    /// The checksum of a prelude (its first 8 bytes) is wrong: the lengths cannot be trusted.
    PreludeCrcMismatch {
        /// The checksum of the 8 bytes received.
        computed: u32,
        /// The checksum the prelude carries.
        received: u32,
    },
    /// A prelude announces a total length below the 16 bytes of framing every message has.
    MessageTooShort {
        /// The announced total length.
        total_len: u32,
    },
    /// A prelude announces more headers than its total length leaves room for.
    HeadersLengthInvalid {
        /// The announced headers length.
        headers_len: u32,
        /// The announced total length (room for `total_len - 16` bytes of headers).
        total_len: u32,
    },
    /// A prelude announces a message or headers larger than the [`Limits`] allow. Reported as
    /// soon as the prelude is read (after its checksum is checked): nothing is buffered for it.
    LimitExceeded {
        /// The limit.
        limit: Limit,
        /// The configured maximum, in bytes.
        max: usize,
        /// The size the prelude announced, in bytes.
        announced: usize,
    },
    /// The checksum of a whole message is wrong.
    MessageCrcMismatch {
        /// The checksum of the message's bytes received.
        computed: u32,
        /// The checksum the message carries.
        received: u32,
    },
    /// A header of a message (whose checksums are right) is malformed.
    MalformedHeader {
        /// Which header: 0 for the first.
        index: usize,
        /// Where the header starts, in bytes from the start of the message (the first header
        /// is at 12).
        at: usize,
        /// What is wrong with it.
        problem: HeaderProblem,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::PreludeCrcMismatch { computed, received } => write!(
                f,
                "event-stream prelude checksum mismatch: the prelude says {received:#010x}, its bytes give {computed:#010x} (corrupted, or not an event stream)"
            ),
            DecodeError::MessageTooShort { total_len } => write!(
                f,
                "event-stream message length {total_len} is below the minimum of {OVERHEAD} bytes"
            ),
            DecodeError::HeadersLengthInvalid {
                headers_len,
                total_len,
            } => write!(
                f,
                "event-stream headers length {headers_len} does not fit in a message of {total_len} bytes (at most {} bytes of headers)",
                total_len.saturating_sub(OVERHEAD as u32)
            ),
            DecodeError::LimitExceeded {
                limit: Limit::MessageLength,
                max,
                announced,
            } => write!(
                f,
                "event-stream message size limit exceeded: a message of {announced} bytes, at most {max} allowed"
            ),
            DecodeError::LimitExceeded {
                limit: Limit::HeadersLength,
                max,
                announced,
            } => write!(
                f,
                "event-stream headers size limit exceeded: {announced} bytes of headers, at most {max} allowed"
            ),
            DecodeError::MessageCrcMismatch { computed, received } => write!(
                f,
                "event-stream message checksum mismatch: the message says {received:#010x}, its bytes give {computed:#010x} (corrupted)"
            ),
            DecodeError::MalformedHeader { index, at, problem } => write!(
                f,
                "malformed event-stream header #{index} (at byte {at} of its message): {problem}"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {}

/// What was left unfinished when the input ended (returned by [`Decoder::finish`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[must_use]
pub struct EndOfInput {
    /// Bytes of a message that never completed (discarded).
    pub partial_message_bytes: usize,
    /// The total length that message's prelude announced, when its 12-byte prelude had arrived.
    pub announced_len: Option<usize>,
}

impl EndOfInput {
    /// True when the input ended exactly after a complete message (or was empty).
    pub fn is_clean(&self) -> bool {
        self.partial_message_bytes == 0
    }
}

/// A checked prelude: the message at the front of the buffer.
#[derive(Debug, Clone)]
struct Prelude {
    /// The total length, at least [`OVERHEAD`], at most the limit.
    total: usize,
    /// The headers length, at most `total - OVERHEAD`.
    headers: usize,
    /// The message checksum's state after the prelude's first 8 bytes (the bytes that the
    /// prelude checksum covers), so no byte is hashed twice.
    crc: crc32fast::Hasher,
}

/// An incremental, sans-IO decoder of AWS event-stream messages.
///
/// # Driving contract
///
/// 1. [`feed`](Decoder::feed) the bytes as they arrive; it only buffers them.
/// 2. Call [`next_message`](Decoder::next_message) until it returns `Ok(None)` ("need more
///    data"). Each returned [`Message`] borrows the decoder and is valid until the next call.
/// 3. Repeat. When the input ends, call [`finish`](Decoder::finish) (after draining) to learn
///    whether it ended inside a message.
///
/// # How it works
///
/// A message is handed out once it has arrived whole: its length is known from its prelude, so
/// "has it all arrived?" is one comparison per call, never a scan. Each byte is hashed once (the
/// message checksum continues from the prelude checksum's state) and each header parsed once to
/// validate it. The buffer is compacted in place, not reallocated, as messages are consumed; it
/// holds at most one message plus what the caller feeds between two drains.
#[derive(Debug, Clone)]
pub struct Decoder {
    /// The input. `buf[pos..]` has not been consumed.
    buf: Vec<u8>,
    pos: usize,
    /// The prelude of the message at `pos`, once read and checked.
    prelude: Option<Prelude>,
    /// The message at `pos` was handed out; it is consumed on the next call.
    handed_out: bool,
    /// Input bytes consumed so far (whole messages handed out).
    consumed: u64,
    finished: bool,
    error: Option<DecodeError>,
    limits: Limits,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder with the default [`Limits`].
    pub fn new() -> Self {
        Decoder::with_limits(Limits::DEFAULT)
    }

    /// A decoder with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Decoder {
            buf: Vec::new(),
            pos: 0,
            prelude: None,
            handed_out: false,
            consumed: 0,
            finished: false,
            error: None,
            limits,
        }
    }

    /// The limits this decoder enforces.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Buffers `bytes`. Decoding happens in [`next_message`](Decoder::next_message).
    ///
    /// Feeding after [`finish`](Decoder::finish) is a bug in the caller, not something the peer
    /// can cause, so it is not a [`DecodeError`]: the bytes are ignored (debug builds panic, to
    /// find the bug). After an error, fed bytes are ignored.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.finished {
            debug_assert!(
                bytes.is_empty(),
                "Decoder::feed called after Decoder::finish"
            );
            return;
        }
        if self.error.is_some() || bytes.is_empty() {
            return;
        }
        self.consume_handed_out();
        if self.pos > 0 && self.pos >= self.buf.len() - self.pos {
            // At least as many bytes were consumed as are left: moving the rest to the front
            // costs no more than consuming did, so compaction stays linear overall.
            self.compact();
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Returns the next complete message, `Ok(None)` when more input is needed, or the error
    /// that stopped the decoder (again and again: errors are sticky).
    pub fn next_message(&mut self) -> Result<Option<Message<'_>>, DecodeError> {
        if let Some(err) = &self.error {
            return Err(err.clone());
        }
        self.consume_handed_out();
        let available = self.buf.len() - self.pos;
        let (total, headers_len) = match &self.prelude {
            Some(prelude) => (prelude.total, prelude.headers),
            None => {
                if available < PRELUDE_LEN {
                    return Ok(None);
                }
                let prelude = self.read_prelude().map_err(|err| self.fail(err))?;
                let sizes = (prelude.total, prelude.headers);
                self.prelude = Some(prelude);
                sizes
            }
        };
        if available < total {
            return Ok(None);
        }
        self.check_message(total, headers_len)
            .map_err(|err| self.fail(err))?;
        self.handed_out = true;
        let start = self.pos + PRELUDE_LEN;
        Ok(Some(Message {
            headers: &self.buf[start..start + headers_len],
            payload: &self.buf[start + headers_len..self.pos + total - CRC_LEN],
        }))
    }

    /// Marks the end of the input and reports whether it ended inside a message.
    ///
    /// Call it after [`next_message`](Decoder::next_message) returned `Ok(None)`: bytes still
    /// buffered count as a partial message, even when they hold whole messages the caller did
    /// not drain. Nothing is decoded after it, and the buffer is released. After an error, and
    /// when called again, it returns an all-clean report.
    pub fn finish(&mut self) -> EndOfInput {
        self.consume_handed_out();
        let report = EndOfInput {
            partial_message_bytes: self.buf.len() - self.pos,
            announced_len: self.prelude.as_ref().map(|p| p.total),
        };
        self.finished = true;
        self.release();
        report
    }

    /// True once [`finish`](Decoder::finish) was called.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The number of buffered bytes not yet handed out as messages: the part of the next
    /// message that has arrived (plus any whole messages not drained yet).
    pub fn buffered_len(&self) -> usize {
        let handed_out = match (&self.prelude, self.handed_out) {
            (Some(prelude), true) => prelude.total,
            _ => 0,
        };
        self.buf.len() - self.pos - handed_out
    }

    /// The number of input bytes consumed so far: the total length of the messages handed out.
    /// When [`next_message`](Decoder::next_message) fails, this is where the bad message starts
    /// in the stream.
    pub fn bytes_consumed(&self) -> u64 {
        let handed_out = match (&self.prelude, self.handed_out) {
            (Some(prelude), true) => prelude.total as u64,
            _ => 0,
        };
        self.consumed + handed_out
    }

    /// Reads and checks the prelude at `pos` (at least 12 bytes are there).
    fn read_prelude(&self) -> Result<Prelude, DecodeError> {
        let bytes = &self.buf[self.pos..self.pos + PRELUDE_LEN];
        let word =
            |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let (total_len, headers_len, received) = (word(0), word(4), word(8));
        let mut crc = crc32fast::Hasher::new();
        crc.update(&bytes[..8]);
        let computed = crc.clone().finalize();
        // The checksum first: until it matches, the lengths mean nothing.
        if computed != received {
            return Err(DecodeError::PreludeCrcMismatch { computed, received });
        }
        // u32 to usize cannot fail on the 32- and 64-bit targets this crate runs on; were it
        // to, the length would be over any limit.
        let total = usize::try_from(total_len).unwrap_or(usize::MAX);
        let headers = usize::try_from(headers_len).unwrap_or(usize::MAX);
        if total < OVERHEAD {
            return Err(DecodeError::MessageTooShort { total_len });
        }
        if headers > total - OVERHEAD {
            return Err(DecodeError::HeadersLengthInvalid {
                headers_len,
                total_len,
            });
        }
        if total > self.limits.max_message_len {
            return Err(DecodeError::LimitExceeded {
                limit: Limit::MessageLength,
                max: self.limits.max_message_len,
                announced: total,
            });
        }
        if headers > self.limits.max_headers_len {
            return Err(DecodeError::LimitExceeded {
                limit: Limit::HeadersLength,
                max: self.limits.max_headers_len,
                announced: headers,
            });
        }
        Ok(Prelude {
            total,
            headers,
            crc,
        })
    }

    /// Checks the message checksum and the headers of the whole message at `pos`.
    fn check_message(&self, total: usize, headers_len: usize) -> Result<(), DecodeError> {
        let message = &self.buf[self.pos..self.pos + total];
        let mut crc = match &self.prelude {
            Some(prelude) => prelude.crc.clone(),
            None => crc32fast::Hasher::new(),
        };
        let (body, trailer) = message.split_at(total - CRC_LEN);
        crc.update(&body[8..]);
        let computed = crc.finalize();
        let received = u32::from_be_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        if computed != received {
            return Err(DecodeError::MessageCrcMismatch { computed, received });
        }
        let block = &body[PRELUDE_LEN..PRELUDE_LEN + headers_len];
        let (mut pos, mut index) = (0, 0);
        while pos < block.len() {
            let at = pos;
            read_header(block, &mut pos).map_err(|problem| DecodeError::MalformedHeader {
                index,
                at: PRELUDE_LEN + at,
                problem,
            })?;
            index += 1;
        }
        Ok(())
    }

    /// Consumes the message handed out by the last call.
    fn consume_handed_out(&mut self) {
        if !self.handed_out {
            return;
        }
        self.handed_out = false;
        if let Some(prelude) = self.prelude.take() {
            self.pos += prelude.total;
            self.consumed += prelude.total as u64;
        }
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if self.buf.capacity() > RETAINED_CAPACITY {
                self.buf = Vec::new();
            }
        }
    }

    /// Moves the unconsumed bytes to the front of the buffer.
    fn compact(&mut self) {
        self.buf.copy_within(self.pos.., 0);
        self.buf.truncate(self.buf.len() - self.pos);
        self.pos = 0;
    }

    /// Records `err` (sticky) and releases the memory: nothing will be decoded any more.
    fn fail(&mut self, err: DecodeError) -> DecodeError {
        self.error = Some(err.clone());
        self.release();
        err
    }

    fn release(&mut self) {
        self.buf = Vec::new();
        self.pos = 0;
        self.prelude = None;
        self.handed_out = false;
    }
}
