//! The WHATWG server-sent events parser and writer.
//!
//! [`Parser`] implements the "event stream interpretation" of the HTML Living Standard
//! (§9.2.6) exactly, over bytes that arrive in chunks of any size:
//!
//! - UTF-8 is decoded with U+FFFD replacing each maximal invalid subsequence (the WHATWG decoder's
//!   rule); sequences split across chunks decode as if they had arrived whole. One leading U+FEFF
//!   (byte order mark) is stripped at the very start of the stream, never later.
//! - Lines end at CRLF, LF or CR. A CR at the end of one chunk and an LF at the start of the next
//!   are one line end.
//! - A line starting with `:` is a comment. Otherwise the line splits at its first colon into field
//!   name and value, with one leading space removed from the value; a line without a colon is a
//!   field with an empty value. Unknown fields are ignored.
//! - `data` appends the value and an LF to the data buffer; `event` sets the event type; `id` sets
//!   the last event ID unless the value contains U+0000, and the ID persists across events;
//!   `retry` sets the reconnection time when the value is all ASCII digits.
//! - A blank line dispatches: with an empty data buffer nothing is dispatched; otherwise one
//!   trailing LF is removed and the event is returned. At the end of the input an unterminated
//!   event is *not* dispatched; [`Parser::finish`] reports it instead.
//!
//! # Driving the parser
//!
//! ```
//! use llm_sse_core::sse::{Parsed, Parser};
//!
//! let mut parser = Parser::new();
//! let mut events = Vec::new();
//! for bytes in [&b"event: ping\nda"[..], b"ta: {}\r", b"\n\r\nretry: 1000\n"] {
//!     parser.feed(bytes);
//!     while let Some(item) = parser.next_event()? {
//!         match item {
//!             Parsed::Event(ev) => events.push(ev.to_owned()),
//!             Parsed::Retry(ms) => assert_eq!(ms, 1000),
//!         }
//!     }
//! }
//! let end = parser.finish();
//! assert!(end.is_clean());
//! assert_eq!(events.len(), 1);
//! assert_eq!((events[0].event.as_str(), events[0].data.as_str()), ("ping", "{}"));
//! # Ok::<(), llm_sse_core::sse::ParseError>(())
//! ```

mod parser;
mod write;

pub use parser::{EndOfInput, Limit, Limits, ParseError, Parsed, Parser};
pub use write::{WriteError, Writer};

use alloc::string::String;

/// One dispatched event, borrowed from the parser until the next call to
/// [`Parser::next_event`].
///
/// Use [`Event::to_owned`] to keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Event<'a> {
    /// The event type: the last `event` field's value, or `message` when there was none or it
    /// was empty.
    pub event: &'a str,
    /// The data: every `data` field's value joined with LF.
    pub data: &'a str,
    /// The last event ID at dispatch time (persists across events; empty when never set).
    pub id: &'a str,
}

impl<'a> Event<'a> {
    /// An event with the given type and data and an empty last event ID.
    pub const fn new(event: &'a str, data: &'a str) -> Self {
        Event {
            event,
            data,
            id: "",
        }
    }

    /// Copies the event out of the parser's buffers.
    #[allow(clippy::should_implement_trait)]
    pub fn to_owned(&self) -> OwnedEvent {
        OwnedEvent {
            event: self.event.into(),
            data: self.data.into(),
            id: self.id.into(),
        }
    }
}

/// An [`Event`] that owns its strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OwnedEvent {
    /// The event type (`message` by default).
    pub event: String,
    /// The event data.
    pub data: String,
    /// The last event ID at dispatch time.
    pub id: String,
}

impl OwnedEvent {
    /// Borrows this event as an [`Event`].
    pub fn as_event(&self) -> Event<'_> {
        Event {
            event: &self.event,
            data: &self.data,
            id: &self.id,
        }
    }
}
