//! The server-sent events writer: the inverse of the parser.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::Event;

/// Why an event cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WriteError {
    /// The event type contains CR or LF, which no SSE line can carry.
    LineEndInEventType,
    /// The ID contains CR or LF, which no SSE line can carry.
    LineEndInId,
    /// The ID contains U+0000, which the parser ignores.
    NulInId,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WriteError::LineEndInEventType => "event type contains a line end",
            WriteError::LineEndInId => "event id contains a line end",
            WriteError::NulInId => "event id contains U+0000",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for WriteError {}

/// Encodes events so that the [`Parser`](super::Parser) reads back exactly the same events.
///
/// The writer remembers the last event ID it wrote and writes an `id` field only when an event's
/// ID differs from it. Data is split into one `data` line per line; CR, LF and CRLF in data all
/// become line breaks (SSE data cannot carry a CR), and nothing else is escaped.
///
/// ```
/// use llm_sse_core::sse::{Event, Writer};
///
/// let mut out = Vec::new();
/// Writer::new().write(&Event::new("delta", "a\nb"), &mut out)?;
/// assert_eq!(out, b"event: delta\ndata: a\ndata: b\n\n");
/// # Ok::<(), llm_sse_core::sse::WriteError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Writer {
    last_id: String,
}

impl Writer {
    /// A writer at the start of a stream (last event ID empty).
    pub fn new() -> Self {
        Writer::default()
    }

    /// Appends `event` to `out`, ended by a blank line.
    ///
    /// # Errors
    ///
    /// When the event type or ID cannot be represented; nothing is written then.
    pub fn write(&mut self, event: &Event<'_>, out: &mut Vec<u8>) -> Result<(), WriteError> {
        if has_line_end(event.event) {
            return Err(WriteError::LineEndInEventType);
        }
        if has_line_end(event.id) {
            return Err(WriteError::LineEndInId);
        }
        if event.id.contains('\0') {
            return Err(WriteError::NulInId);
        }
        if event.event != "message" {
            write_field(out, "event", event.event);
        }
        if event.id != self.last_id {
            write_field(out, "id", event.id);
            self.last_id.clear();
            self.last_id.push_str(event.id);
        }
        let mut rest = event.data;
        loop {
            match rest.find(['\r', '\n']) {
                Some(i) => {
                    write_field(out, "data", &rest[..i]);
                    let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                    rest = &rest[i + skip..];
                }
                None => {
                    write_field(out, "data", rest);
                    break;
                }
            }
        }
        out.push(b'\n');
        Ok(())
    }

    /// Appends a `retry` field (it takes effect without dispatching an event).
    pub fn write_retry(&mut self, millis: u64, out: &mut Vec<u8>) {
        out.extend_from_slice(b"retry: ");
        let mut digits = [0u8; 20];
        let mut n = millis;
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[i..]);
        out.push(b'\n');
    }

    /// Appends a comment line (`: text`), for example as a keep-alive. Line ends in `text` start
    /// further comment lines.
    pub fn write_comment(&mut self, text: &str, out: &mut Vec<u8>) {
        for line in text.split(['\r', '\n']) {
            out.extend_from_slice(b": ");
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
}

fn has_line_end(s: &str) -> bool {
    s.bytes().any(|b| b == b'\r' || b == b'\n')
}

fn write_field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    if value.is_empty() {
        out.push(b':');
    } else {
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
    }
    out.push(b'\n');
}
