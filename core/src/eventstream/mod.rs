//! The AWS event-stream encoding (`application/vnd.amazon.eventstream`): a sans-IO decoder, an
//! encoder, and Amazon Bedrock's framing on top ([`bedrock`]).
//!
//! Amazon Bedrock's `InvokeModelWithResponseStream` answers with this binary encoding instead of
//! server-sent events. It is a sequence of self-delimiting messages, each protected by two CRC-32
//! checksums (the polynomial of zlib and gzip), all integers big-endian:
//!
//! ```text
//! 0                4                8               12
//! ┌────────────────┬────────────────┬───────────────┬──────────────────┬────────────┬───────────────┐
//! │  total length  │ headers length │  prelude CRC  │     headers      │  payload   │  message CRC  │
//! │   u32, bytes   │   u32, bytes   │ of bytes 0..8 │ (headers length) │ (the rest) │ of all before │
//! └────────────────┴────────────────┴───────────────┴──────────────────┴────────────┴───────────────┘
//! └────────────── prelude (12 bytes) ───────────────┘                                  (4 bytes)
//!
//! one header:
//! ┌──────────┬──────────────────┬────────────┬──────────────────────────────────────────┐
//! │ name len │       name       │ value type │   value: none, 1, 2, 4, 8 or 16 bytes,   │
//! │    u8    │ UTF-8, name len  │     u8     │   or a u16 length and that many bytes    │
//! └──────────┴──────────────────┴────────────┴──────────────────────────────────────────┘
//! ```
//!
//! The total length counts the whole message, prelude and both checksums included, so the
//! smallest message (no headers, empty payload) is 16 bytes. The value types are those of
//! [`HeaderValue`]: `0` true, `1` false, `2` byte (`i8`), `3` short (`i16`), `4` integer (`i32`),
//! `5` long (`i64`), `6` byte array and `7` string (each a `u16` length, then the bytes; strings
//! are UTF-8), `8` timestamp (`i64` milliseconds since the Unix epoch), `9` UUID (16 bytes).
//! The specification is the Smithy "Amazon Event Stream Specification"
//! (`smithy.io/2.0/aws/amazon-eventstream.html`).
//!
//! # Decoding
//!
//! [`Decoder`] has the shape of [`sse::Parser`](crate::sse::Parser): [`feed`](Decoder::feed)
//! only buffers, [`next_message`](Decoder::next_message) returns the next complete message or
//! `Ok(None)` ("need more data"), and [`finish`](Decoder::finish) says whether the input ended
//! between two messages or inside one. A [`Message`] borrows its headers and payload from the
//! decoder's buffer until the next call; any split of the input gives the same messages.
//!
//! ```
//! use llm_sse_core::eventstream::{encode, Decoder, Header, HeaderValue};
//!
//! // Two messages, as a server would send them.
//! let mut wire = Vec::new();
//! let headers = [
//!     Header::new(":message-type", HeaderValue::String("event")),
//!     Header::new(":event-type", HeaderValue::String("chunk")),
//! ];
//! encode(&headers, br#"{"n":1}"#, &mut wire)?;
//! encode(&headers, br#"{"n":2}"#, &mut wire)?;
//!
//! // They arrive cut at arbitrary places.
//! let mut decoder = Decoder::new();
//! let mut payloads = Vec::new();
//! for piece in [&wire[..5], &wire[5..40], &wire[40..]] {
//!     decoder.feed(piece);
//!     while let Some(message) = decoder.next_message()? {
//!         assert_eq!(message.event_type(), Some("chunk"));
//!         payloads.push(message.payload().to_vec());
//!     }
//! }
//! assert!(decoder.finish().is_clean());
//! assert_eq!(payloads, [br#"{"n":1}"#, br#"{"n":2}"#]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Limits
//!
//! A prelude is checked as soon as its 12 bytes are there, and its checksum before its lengths
//! are trusted: a message announcing more than [`Limits::max_message_len`] bytes (default: the
//! largest message the specification lets a service send, a 24 MiB payload, 128 KiB of headers
//! and the 16 bytes of framing) or more than [`Limits::max_headers_len`] bytes of headers
//! (default 128 KiB) is an error at once, never an allocation. The decoder holds at most one
//! message plus what the caller feeds between two drains.
//!
//! # Errors
//!
//! Every [`DecodeError`] is final (the stream cannot be resynchronized after it) and sticky:
//!
//! - [`PreludeCrcMismatch`](DecodeError::PreludeCrcMismatch) and
//!   [`MessageCrcMismatch`](DecodeError::MessageCrcMismatch): corrupted bytes, or a body that is
//!   not an event stream;
//! - [`MessageTooShort`](DecodeError::MessageTooShort): a total length below 16;
//! - [`HeadersLengthInvalid`](DecodeError::HeadersLengthInvalid): headers that do not fit in the
//!   message;
//! - [`LimitExceeded`](DecodeError::LimitExceeded): a message or its headers larger than the
//!   [`Limits`];
//! - [`MalformedHeader`](DecodeError::MalformedHeader): a header cut short, of an unknown value
//!   type, or with a name or string value that is not UTF-8 ([`HeaderProblem`]).
//!
//! # Encoding
//!
//! [`encode`] appends one message to a buffer (for tests, mock servers and benchmarks);
//! [`bedrock::encode_chunk`] and [`bedrock::encode_exception`] frame Anthropic events and errors
//! as Bedrock does.

pub mod bedrock;
mod decoder;
mod encode;

pub use decoder::{DecodeError, Decoder, EndOfInput, HeaderProblem, Limit, Limits};
pub use encode::{EncodeError, encode};

use alloc::vec::Vec;
use core::fmt;

/// The bytes of a message beyond its headers and payload: the 12-byte prelude (two lengths and
/// the prelude checksum) and the 4-byte message checksum. Also the smallest valid total length.
pub const OVERHEAD: usize = PRELUDE_LEN + CRC_LEN;

/// The total length of the message that starts `bytes`, read from its prelude: `Some` when
/// the 12-byte prelude is there, its checksum is right and the length is at least
/// [`OVERHEAD`] (the message itself may not have arrived yet, nor be valid); `None` otherwise.
///
/// For cutting a recorded stream into its messages (a mock server's pacing), and for telling
/// an event stream from other bytes: text such as a recorded SSE stream never has a valid
/// prelude checksum by accident but once in 2³².
///
/// ```
/// use llm_sse_core::eventstream::{encode, message_len, Header, HeaderValue};
///
/// let mut wire = Vec::new();
/// let n = encode(&[Header::new(":message-type", HeaderValue::String("event"))], b"{}", &mut wire)?;
/// assert_eq!(message_len(&wire), Some(n));
/// assert_eq!(message_len(&wire[..11]), None);
/// assert_eq!(message_len(b"event: ping\ndata: {}\n\n"), None);
/// # Ok::<(), llm_sse_core::eventstream::EncodeError>(())
/// ```
pub fn message_len(bytes: &[u8]) -> Option<usize> {
    let prelude = bytes.get(..PRELUDE_LEN)?;
    let word = |at: usize| {
        u32::from_be_bytes([
            prelude[at],
            prelude[at + 1],
            prelude[at + 2],
            prelude[at + 3],
        ])
    };
    if crc32fast::hash(&prelude[..8]) != word(8) {
        return None;
    }
    let total = usize::try_from(word(0)).ok()?;
    (total >= OVERHEAD).then_some(total)
}

/// The length of the prelude: total length, headers length, prelude checksum.
const PRELUDE_LEN: usize = 12;
/// The length of a checksum.
const CRC_LEN: usize = 4;

/// The value type codes of the wire format.
mod code {
    pub(super) const TRUE: u8 = 0;
    pub(super) const FALSE: u8 = 1;
    pub(super) const BYTE: u8 = 2;
    pub(super) const SHORT: u8 = 3;
    pub(super) const INTEGER: u8 = 4;
    pub(super) const LONG: u8 = 5;
    pub(super) const BYTE_ARRAY: u8 = 6;
    pub(super) const STRING: u8 = 7;
    pub(super) const TIMESTAMP: u8 = 8;
    pub(super) const UUID: u8 = 9;
}

/// The value of a header, borrowed from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeaderValue<'a> {
    /// Type `0` (true) or `1` (false): no value bytes.
    Bool(bool),
    /// Type `2`: a signed byte.
    Byte(i8),
    /// Type `3`: a 16-bit signed integer.
    Short(i16),
    /// Type `4`: a 32-bit signed integer.
    Integer(i32),
    /// Type `5`: a 64-bit signed integer.
    Long(i64),
    /// Type `6`: bytes (at most 65,535 decoded; the specification allows 32,767).
    ByteArray(&'a [u8]),
    /// Type `7`: a UTF-8 string (at most 65,535 bytes decoded; the specification allows 32,767).
    String(&'a str),
    /// Type `8`: milliseconds since 1970-01-01T00:00:00Z.
    Timestamp(i64),
    /// Type `9`: a UUID, its 16 bytes in wire (RFC 9562) order.
    Uuid([u8; 16]),
}

impl<'a> HeaderValue<'a> {
    /// The string, when this is a [`String`](HeaderValue::String) value.
    pub fn as_str(&self) -> Option<&'a str> {
        match *self {
            HeaderValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The wire code of this value's type (`0` to `9`; a [`Bool`](HeaderValue::Bool) is `0` when
    /// true, `1` when false).
    pub fn type_code(&self) -> u8 {
        match self {
            HeaderValue::Bool(true) => code::TRUE,
            HeaderValue::Bool(false) => code::FALSE,
            HeaderValue::Byte(_) => code::BYTE,
            HeaderValue::Short(_) => code::SHORT,
            HeaderValue::Integer(_) => code::INTEGER,
            HeaderValue::Long(_) => code::LONG,
            HeaderValue::ByteArray(_) => code::BYTE_ARRAY,
            HeaderValue::String(_) => code::STRING,
            HeaderValue::Timestamp(_) => code::TIMESTAMP,
            HeaderValue::Uuid(_) => code::UUID,
        }
    }

    /// The name of this value's type, as the specification spells it (`string`, `timestamp`...).
    pub fn type_name(&self) -> &'static str {
        match self {
            HeaderValue::Bool(_) => "boolean",
            HeaderValue::Byte(_) => "byte",
            HeaderValue::Short(_) => "short",
            HeaderValue::Integer(_) => "integer",
            HeaderValue::Long(_) => "long",
            HeaderValue::ByteArray(_) => "byte_array",
            HeaderValue::String(_) => "string",
            HeaderValue::Timestamp(_) => "timestamp",
            HeaderValue::Uuid(_) => "uuid",
        }
    }
}

/// One header of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header<'a> {
    /// The name (the specification requires 1 to 255 bytes; the decoder also accepts an empty
    /// name, as AWS's own decoders do).
    pub name: &'a str,
    /// The value.
    pub value: HeaderValue<'a>,
}

impl<'a> Header<'a> {
    /// A header with this name and value.
    pub const fn new(name: &'a str, value: HeaderValue<'a>) -> Self {
        Header { name, value }
    }
}

/// One decoded message, borrowed from the [`Decoder`] until its next call (or from an
/// [`OwnedMessage`]).
///
/// Its headers were validated when it was decoded; [`headers`](Message::headers) reads them
/// from the message's bytes as it goes (a few dozen bytes per message: nothing is copied).
///
/// ```
/// use llm_sse_core::eventstream::{encode, Decoder, Header, HeaderValue};
///
/// let mut wire = Vec::new();
/// encode(
///     &[
///         Header::new(":message-type", HeaderValue::String("exception")),
///         Header::new(":exception-type", HeaderValue::String("throttlingException")),
///         Header::new("retry", HeaderValue::Integer(3)),
///     ],
///     br#"{"message":"Too many requests"}"#,
///     &mut wire,
/// )?;
/// let mut decoder = Decoder::new();
/// decoder.feed(&wire);
/// let message = decoder.next_message()?.expect("a whole message");
/// assert_eq!(message.message_type(), Some("exception"));
/// assert_eq!(message.exception_type(), Some("throttlingException"));
/// assert_eq!(message.header("retry"), Some(HeaderValue::Integer(3)));
/// assert_eq!(message.headers().count(), 3);
/// assert_eq!(message.payload(), br#"{"message":"Too many requests"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Message<'a> {
    /// The headers section, validated.
    headers: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Message<'a> {
    /// The headers, in wire order.
    pub fn headers(&self) -> Headers<'a> {
        Headers {
            block: self.headers,
            pos: 0,
        }
    }

    /// The value of the first header named `name`.
    ///
    /// The specification forbids a name to appear twice; when it does anyway, later ones are
    /// only seen by [`headers`](Message::headers).
    pub fn header(&self, name: &str) -> Option<HeaderValue<'a>> {
        // Names are compared as bytes, and only the value found is decoded.
        let block = self.headers;
        let mut pos = 0;
        while pos < block.len() {
            let name_len = usize::from(block[pos]);
            if block.get(pos + 1..pos + 1 + name_len) == Some(name.as_bytes()) {
                return read_header(block, &mut pos).ok().map(|h| h.value);
            }
            pos += header_len_at(block, pos)?;
        }
        None
    }

    /// The value of the string header `name` (`None` when it is absent or not a string).
    pub fn string_header(&self, name: &str) -> Option<&'a str> {
        self.header(name).and_then(|v| v.as_str())
    }

    /// The payload.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The `:message-type` header: `event`, `exception` or `error`.
    pub fn message_type(&self) -> Option<&'a str> {
        self.string_header(":message-type")
    }

    /// The `:event-type` header of an `event` message (Bedrock: `chunk`).
    pub fn event_type(&self) -> Option<&'a str> {
        self.string_header(":event-type")
    }

    /// The `:exception-type` header of an `exception` message (Bedrock:
    /// `throttlingException`, `modelStreamErrorException`...).
    pub fn exception_type(&self) -> Option<&'a str> {
        self.string_header(":exception-type")
    }

    /// The `:content-type` header: the media type of the payload (Bedrock: `application/json`).
    pub fn content_type(&self) -> Option<&'a str> {
        self.string_header(":content-type")
    }

    /// The length of this message on the wire (its headers and payload plus [`OVERHEAD`]).
    pub fn encoded_len(&self) -> usize {
        OVERHEAD + self.headers.len() + self.payload.len()
    }

    /// Copies the message out of the decoder's buffer.
    #[allow(clippy::should_implement_trait)]
    pub fn to_owned(&self) -> OwnedMessage {
        OwnedMessage {
            headers: self.headers.to_vec(),
            payload: self.payload.to_vec(),
        }
    }
}

impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct List<'a>(Headers<'a>);
        impl fmt::Debug for List<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.clone().map(|h| (h.name, h.value)))
                    .finish()
            }
        }
        struct Payload<'a>(&'a [u8]);
        impl fmt::Debug for Payload<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match core::str::from_utf8(self.0) {
                    Ok(text) => fmt::Debug::fmt(text, f),
                    Err(_) => fmt::Debug::fmt(self.0, f),
                }
            }
        }
        f.debug_struct("Message")
            .field("headers", &List(self.headers()))
            .field("payload", &Payload(self.payload))
            .finish()
    }
}

/// A [`Message`] that owns its bytes (from [`Message::to_owned`]).
///
/// Two owned messages are equal when their headers (names, types, values, order) and payloads
/// are.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OwnedMessage {
    headers: Vec<u8>,
    payload: Vec<u8>,
}

impl OwnedMessage {
    /// Borrows this message as a [`Message`].
    pub fn as_message(&self) -> Message<'_> {
        Message {
            headers: &self.headers,
            payload: &self.payload,
        }
    }
}

impl fmt::Debug for OwnedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.as_message(), f)
    }
}

/// The headers of a [`Message`], in wire order (from [`Message::headers`]).
#[derive(Debug, Clone)]
pub struct Headers<'a> {
    block: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Headers<'a> {
    type Item = Header<'a>;

    fn next(&mut self) -> Option<Header<'a>> {
        if self.pos >= self.block.len() {
            return None;
        }
        match read_header(self.block, &mut self.pos) {
            Ok(header) => Some(header),
            // Unreachable: a message's headers were validated when it was decoded.
            Err(_) => {
                self.pos = self.block.len();
                None
            }
        }
    }
}

impl core::iter::FusedIterator for Headers<'_> {}

/// Reads the header that starts at `block[*pos]` and moves `pos` past it. The one header parser,
/// used to validate a message's headers and to iterate over them.
fn read_header<'a>(block: &'a [u8], pos: &mut usize) -> Result<Header<'a>, HeaderProblem> {
    let rest = block.get(*pos..).unwrap_or_default();
    let (&name_len, rest) = rest.split_first().ok_or(HeaderProblem::Truncated)?;
    let name_len = usize::from(name_len);
    let name = rest.get(..name_len).ok_or(HeaderProblem::Truncated)?;
    let name = core::str::from_utf8(name).map_err(|_| HeaderProblem::NameNotUtf8)?;
    let rest = &rest[name_len..];
    let (&type_code, rest) = rest.split_first().ok_or(HeaderProblem::Truncated)?;
    let (value, value_len) = match type_code {
        code::TRUE => (HeaderValue::Bool(true), 0),
        code::FALSE => (HeaderValue::Bool(false), 0),
        code::BYTE => (HeaderValue::Byte(i8::from_be_bytes(take(rest)?)), 1),
        code::SHORT => (HeaderValue::Short(i16::from_be_bytes(take(rest)?)), 2),
        code::INTEGER => (HeaderValue::Integer(i32::from_be_bytes(take(rest)?)), 4),
        code::LONG => (HeaderValue::Long(i64::from_be_bytes(take(rest)?)), 8),
        code::BYTE_ARRAY | code::STRING => {
            let len = usize::from(u16::from_be_bytes(take(rest)?));
            let data = rest.get(2..2 + len).ok_or(HeaderProblem::Truncated)?;
            let value = if type_code == code::STRING {
                HeaderValue::String(
                    core::str::from_utf8(data).map_err(|_| HeaderProblem::StringNotUtf8)?,
                )
            } else {
                HeaderValue::ByteArray(data)
            };
            (value, 2 + len)
        }
        code::TIMESTAMP => (HeaderValue::Timestamp(i64::from_be_bytes(take(rest)?)), 8),
        code::UUID => (HeaderValue::Uuid(take(rest)?), 16),
        other => return Err(HeaderProblem::UnknownValueType(other)),
    };
    *pos += 1 + name_len + 1 + value_len;
    Ok(Header { name, value })
}

/// The length of the header that starts at `block[pos]`, in a block [`read_header`] validated
/// (`None`, never reached, otherwise): how [`Message::header`] skips the headers it does not look
/// for.
fn header_len_at(block: &[u8], pos: usize) -> Option<usize> {
    let name_len = usize::from(*block.get(pos)?);
    let type_at = pos + 1 + name_len;
    let value_len = match *block.get(type_at)? {
        code::TRUE | code::FALSE => 0,
        code::BYTE => 1,
        code::SHORT => 2,
        code::INTEGER => 4,
        code::LONG | code::TIMESTAMP => 8,
        code::UUID => 16,
        code::BYTE_ARRAY | code::STRING => {
            2 + usize::from(u16::from_be_bytes(take(block.get(type_at + 1..)?).ok()?))
        }
        _ => return None,
    };
    Some(1 + name_len + 1 + value_len)
}

/// The first `N` bytes of `bytes`.
fn take<const N: usize>(bytes: &[u8]) -> Result<[u8; N], HeaderProblem> {
    bytes
        .get(..N)
        .and_then(|b| <[u8; N]>::try_from(b).ok())
        .ok_or(HeaderProblem::Truncated)
}
