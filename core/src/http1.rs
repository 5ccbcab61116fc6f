//! HTTP/1.1 messages ([RFC 9112]), sans-IO: responses as a client reads them (the head, then
//! the body as its framing says: a length, chunked, or until the connection closes), decoded
//! in the caller's own buffer; and request heads as a server reads them
//! ([`parse_request_head`]), whose bodies the same [`BodyDecoder`] reads.
//!
//! The tokio shell reads plain-HTTP provider connections with it: each piece of a body is a
//! range of the bytes just read, handed to the [`Streaming`](crate::client::Streaming) parser
//! where it lies, with no copy and no channel between a connection and its reader. Its
//! gateway reads HTTP/1.x requests with it.
//!
//! ```
//! use llm_sse_core::http1::{BodyDecoder, Piece, parse_response_head};
//!
//! let bytes = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
//! let (head, used) = parse_response_head(bytes)?.expect("a whole head");
//! assert_eq!(head.status, 200);
//! assert!(head.keep_alive);
//!
//! let mut decoder = BodyDecoder::new(head.body);
//! let mut rest = &bytes[used..];
//! let mut body = Vec::new();
//! loop {
//!     let (consumed, piece) = decoder.decode(rest)?;
//!     match piece {
//!         Piece::Data(range) => body.extend_from_slice(&rest[range]),
//!         Piece::End => break,
//!         Piece::NeedMore => unreachable!("the whole response is here"),
//!     }
//!     rest = &rest[consumed..];
//! }
//! assert_eq!(body, b"hello");
//! # Ok::<(), llm_sse_core::http1::Http1Error>(())
//! ```
//!
//! [RFC 9112]: https://www.rfc-editor.org/rfc/rfc9112

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

/// The longest response head read (status line and header fields): a longer one is
/// [`Http1Error::HeadTooLarge`].
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The most header fields in a head.
pub const MAX_HEADERS: usize = 128;

/// The longest chunk-size line (the size and its extensions, which are ignored).
pub const MAX_CHUNK_LINE: usize = 4096;

/// The most bytes of trailer fields after the last chunk (they are read and ignored).
pub const MAX_TRAILERS: usize = 16 * 1024;

/// A response head: the status line and the header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// The status code.
    pub status: u16,
    /// The HTTP version's minor number: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub minor_version: u8,
    /// The header fields in order, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
    /// How the body is framed.
    pub body: BodyKind,
    /// Whether the connection can carry another request once this response's body has been
    /// read to its end: HTTP/1.1, no `Connection: close`, and a body whose end is known
    /// without the connection closing.
    pub keep_alive: bool,
}

/// A request head: the request line and the header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The method, as sent (a token: case matters).
    pub method: String,
    /// The request target, as sent (usually a path and query).
    pub target: String,
    /// The HTTP version's minor number: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub minor_version: u8,
    /// The header fields in order, names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
    /// How the body is framed: [`BodyKind::Empty`], [`BodyKind::Length`] or
    /// [`BodyKind::Chunked`] (a request is never framed by the connection closing).
    pub body: BodyKind,
    /// Whether the client lets the connection carry another request after this one's
    /// response: HTTP/1.1 without `Connection: close`, or HTTP/1.0 with
    /// `Connection: keep-alive`.
    pub keep_alive: bool,
    /// The client sent `Expect: 100-continue`: it may wait for an interim `100 Continue`
    /// before it sends the body.
    pub expect_continue: bool,
}

/// How a response body is framed (RFC 9112, section 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body: a 1xx, 204 or 304 response.
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the server closes the connection.
    UntilClose,
}

/// A response that is not HTTP/1.1 as RFC 9112 has it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Http1Error {
    /// The start line or a header field is malformed, or a request's framing is not one a
    /// server can accept (the reason).
    InvalidHead(&'static str),
    /// The head is longer than its limit ([`MAX_HEAD_BYTES`] for a response, the caller's for
    /// a request), or has more than [`MAX_HEADERS`] fields.
    HeadTooLarge,
    /// `Content-Length` is not a number, or its values disagree.
    InvalidContentLength,
    /// A chunk-size line is malformed.
    InvalidChunkSize,
    /// A chunk size does not fit in 64 bits.
    ChunkTooLarge,
    /// A chunk-size line is longer than [`MAX_CHUNK_LINE`].
    ChunkLineTooLong,
    /// A chunk's data is not followed by CRLF.
    InvalidChunkEnd,
    /// The trailer fields are longer than [`MAX_TRAILERS`].
    TrailersTooLarge,
    /// The connection closed before the body's end: `received` bytes of body data had
    /// arrived.
    Incomplete {
        /// The body bytes that arrived.
        received: u64,
    },
}

impl fmt::Display for Http1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Http1Error::InvalidHead(why) => write!(f, "malformed head: {why}"),
            Http1Error::HeadTooLarge => write!(f, "head too large (bytes or fields)"),
            Http1Error::InvalidContentLength => write!(f, "invalid content-length"),
            Http1Error::InvalidChunkSize => write!(f, "invalid chunk size line"),
            Http1Error::ChunkTooLarge => write!(f, "chunk size does not fit in 64 bits"),
            Http1Error::ChunkLineTooLong => {
                write!(f, "chunk size line longer than {MAX_CHUNK_LINE} bytes")
            }
            Http1Error::InvalidChunkEnd => write!(f, "chunk data not followed by CRLF"),
            Http1Error::TrailersTooLarge => {
                write!(f, "trailer fields longer than {MAX_TRAILERS} bytes")
            }
            Http1Error::Incomplete { received } => write!(
                f,
                "connection closed before the end of the body ({received} bytes received)"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Http1Error {}

/// Parses the response head at the start of `bytes`: `Ok(None)` while it is incomplete (read
/// more and call again with everything read so far), else the head and its length in bytes
/// (the body starts after it).
///
/// Interim (1xx) responses come back like any other: a client that sent no `Expect` and asked
/// for no upgrade skips them and parses the next head.
///
/// # Errors
///
/// A malformed head, one longer than [`MAX_HEAD_BYTES`] (also while incomplete) or with more
/// than [`MAX_HEADERS`] fields, and a `Content-Length` that is not one number.
pub fn parse_response_head(bytes: &[u8]) -> Result<Option<(ResponseHead, usize)>, Http1Error> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut fields);
    let parsed = response.parse(bytes);
    let Some(used) = head_length(parsed, bytes.len(), MAX_HEAD_BYTES)? else {
        return Ok(None);
    };
    let status = response.code.unwrap_or_default();
    let minor_version = response.version.unwrap_or_default();
    let headers = owned_fields(response.headers);
    let Fields {
        chunked,
        length,
        close,
        ..
    } = Fields::of(&headers)?;
    let mut close = close || minor_version == 0;
    let body = if (100..200).contains(&status) || status == 204 || status == 304 {
        BodyKind::Empty
    } else if let Some(chunked) = chunked {
        // Transfer-Encoding overrides Content-Length; a server sending both may be
        // smuggling, so the connection is not used again.
        close |= length.is_some();
        if chunked {
            BodyKind::Chunked
        } else {
            BodyKind::UntilClose
        }
    } else if let Some(length) = length {
        BodyKind::Length(length)
    } else {
        BodyKind::UntilClose
    };
    let keep_alive = !close && body != BodyKind::UntilClose;
    Ok(Some((
        ResponseHead {
            status,
            minor_version,
            headers,
            body,
            keep_alive,
        },
        used,
    )))
}

/// Parses the request head at the start of `bytes`, as a server reads it: `Ok(None)` while it
/// is incomplete (read more and call again with everything read so far), else the head and its
/// length in bytes (the body, read with a [`BodyDecoder`] for [`RequestHead::body`], starts
/// after it). Empty lines before the request line are skipped, as RFC 9112 (section 2.2)
/// asks of a server.
///
/// ```
/// use llm_sse_core::http1::{BodyKind, parse_request_head};
///
/// let bytes = b"POST /v1/messages HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\n{}";
/// let (head, used) = parse_request_head(bytes, 8192)?.expect("a whole head");
/// assert_eq!((head.method.as_str(), head.target.as_str()), ("POST", "/v1/messages"));
/// assert_eq!(head.body, BodyKind::Length(2));
/// assert!(head.keep_alive);
/// assert_eq!(&bytes[used..], b"{}");
/// # Ok::<(), llm_sse_core::http1::Http1Error>(())
/// ```
///
/// # Errors
///
/// A malformed head; one longer than `limit` bytes (also while incomplete) or with more than
/// [`MAX_HEADERS`] fields ([`Http1Error::HeadTooLarge`]); a `Content-Length` that is not one
/// number; and framing a server must refuse (RFC 9112, section 6): a transfer coding other
/// than a final `chunked`, `Transfer-Encoding` in an HTTP/1.0 request, or both
/// `Transfer-Encoding` and `Content-Length` (a request that could be read two ways is
/// refused rather than guessed at).
pub fn parse_request_head(
    bytes: &[u8],
    limit: usize,
) -> Result<Option<(RequestHead, usize)>, Http1Error> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut fields);
    let parsed = request.parse(bytes);
    let Some(used) = head_length(parsed, bytes.len(), limit)? else {
        return Ok(None);
    };
    let minor_version = request.version.unwrap_or_default();
    let headers = owned_fields(request.headers);
    let fields = Fields::of(&headers)?;
    if fields.empty_coding {
        return Err(Http1Error::InvalidHead("empty transfer-encoding"));
    }
    let Fields {
        chunked,
        length,
        close,
        keep_alive_asked,
        expect_continue,
        ..
    } = fields;
    let body = match (chunked, length) {
        (Some(_), _) if minor_version == 0 => {
            return Err(Http1Error::InvalidHead(
                "transfer-encoding in an HTTP/1.0 request",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(Http1Error::InvalidHead(
                "both transfer-encoding and content-length",
            ));
        }
        (Some(true), None) => BodyKind::Chunked,
        (Some(false), None) => {
            return Err(Http1Error::InvalidHead(
                "transfer coding other than chunked",
            ));
        }
        (None, Some(0) | None) => BodyKind::Empty,
        (None, Some(n)) => BodyKind::Length(n),
    };
    let keep_alive = !close && (minor_version == 1 || keep_alive_asked);
    Ok(Some((
        RequestHead {
            method: String::from(request.method.unwrap_or_default()),
            target: String::from(request.path.unwrap_or_default()),
            minor_version,
            headers,
            body,
            keep_alive,
            expect_continue: expect_continue && minor_version == 1,
        },
        used,
    )))
}

/// The length of a whole head from httparse's answer, `None` while it is incomplete; a head
/// (whole or not) over `limit` bytes or [`MAX_HEADERS`] fields is too large.
fn head_length(
    parsed: Result<httparse::Status<usize>, httparse::Error>,
    read: usize,
    limit: usize,
) -> Result<Option<usize>, Http1Error> {
    match parsed {
        Ok(httparse::Status::Complete(used)) if used <= limit => Ok(Some(used)),
        Ok(httparse::Status::Complete(_)) | Err(httparse::Error::TooManyHeaders) => {
            Err(Http1Error::HeadTooLarge)
        }
        Ok(httparse::Status::Partial) if read >= limit => Err(Http1Error::HeadTooLarge),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(e) => Err(Http1Error::InvalidHead(head_error(e))),
    }
}

fn owned_fields(fields: &[httparse::Header<'_>]) -> Vec<(String, Vec<u8>)> {
    fields
        .iter()
        .map(|field| (String::from(field.name), field.value.to_vec()))
        .collect()
}

/// What a head's fields say about its body's framing and its connection.
#[derive(Debug, Default)]
struct Fields {
    /// `Transfer-Encoding` was sent: whether its last coding is `chunked` (`false` for a field
    /// with no coding in it).
    chunked: Option<bool>,
    /// A `Transfer-Encoding` field line had no coding in it.
    empty_coding: bool,
    /// The one `Content-Length`.
    length: Option<u64>,
    /// `Connection: close`.
    close: bool,
    /// `Connection: keep-alive`.
    keep_alive_asked: bool,
    /// `Expect: 100-continue`.
    expect_continue: bool,
}

impl Fields {
    /// Reads the fields; a `Content-Length` that is not one number is an error.
    fn of(headers: &[(String, Vec<u8>)]) -> Result<Fields, Http1Error> {
        let mut fields = Fields::default();
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("transfer-encoding") {
                // The codings of every field line, in order: the body is chunked when the
                // last one is `chunked`.
                for coding in tokens(value) {
                    fields.chunked = Some(coding.eq_ignore_ascii_case(b"chunked"));
                }
                if tokens(value).next().is_none() {
                    // A field with no coding still says the body is not framed by its
                    // `Content-Length`, and names no `chunked` as the last coding.
                    fields.empty_coding = true;
                    fields.chunked.get_or_insert(false);
                }
            } else if name.eq_ignore_ascii_case("content-length") {
                // `42`, or a list of one value repeated (`42, 42`), possibly over several
                // lines; a field without a number is as invalid as one with a wrong one.
                if tokens(value).next().is_none() {
                    return Err(Http1Error::InvalidContentLength);
                }
                for item in tokens(value) {
                    let n = decimal(item).ok_or(Http1Error::InvalidContentLength)?;
                    if fields.length.is_some_and(|seen| seen != n) {
                        return Err(Http1Error::InvalidContentLength);
                    }
                    fields.length = Some(n);
                }
            } else if name.eq_ignore_ascii_case("connection") {
                for option in tokens(value) {
                    fields.close |= option.eq_ignore_ascii_case(b"close");
                    fields.keep_alive_asked |= option.eq_ignore_ascii_case(b"keep-alive");
                }
            } else if name.eq_ignore_ascii_case("expect") {
                fields.expect_continue |= value.trim_ascii().eq_ignore_ascii_case(b"100-continue");
            }
        }
        Ok(fields)
    }
}

fn head_error(e: httparse::Error) -> &'static str {
    match e {
        httparse::Error::HeaderName => "invalid header name",
        httparse::Error::HeaderValue => "invalid header value",
        httparse::Error::NewLine => "invalid line ending",
        httparse::Error::Status => "invalid status code",
        httparse::Error::Token => "invalid token",
        httparse::Error::Version => "not HTTP/1.x",
        _ => "invalid head",
    }
}

/// The comma-separated items of a field value, trimmed, empty ones skipped.
fn tokens(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(<[u8]>::trim_ascii)
        .filter(|item| !item.is_empty())
}

/// A non-negative decimal number of at most 19 digits (any `u64` a body can have).
fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')))
}

/// What [`BodyDecoder::decode`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Body data: these bytes of the input.
    Data(Range<usize>),
    /// Every byte of the input was used and the body goes on: read more.
    NeedMore,
    /// The body is complete; the input after the bytes used is not part of it.
    End,
}

/// Decodes a response body from the bytes after its head, as they are read.
///
/// Errors are sticky: after one, every call of [`decode`](BodyDecoder::decode) and
/// [`eof`](BodyDecoder::eof) returns it again.
#[derive(Debug, Clone)]
pub struct BodyDecoder {
    state: State,
    /// Body data bytes handed out so far.
    received: u64,
    /// The error that stopped the decoder (sticky).
    error: Option<Http1Error>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// This many bytes to go (`Content-Length`).
    Length(u64),
    /// Data until the connection closes.
    UntilClose,
    /// In a chunk-size line: the size so far and its digits.
    Size { size: u64, digits: u8 },
    /// After the size, before an extension or the line's end (whitespace allowed).
    SizeSpace { size: u64 },
    /// In the chunk extensions (ignored): the line's length so far.
    Extension { size: u64, line: usize },
    /// Expecting the LF of a chunk-size line.
    SizeLf { size: u64 },
    /// This many bytes of chunk data to go.
    Data(u64),
    /// Expecting the CR (or LF) after chunk data.
    DataCr,
    /// Expecting the LF after chunk data.
    DataLf,
    /// At the start of a trailer line, after `total` bytes of trailers.
    TrailerStart { total: usize },
    /// In a trailer field line.
    Trailer { total: usize },
    /// Expecting the LF of the empty line that ends the body.
    EndLf,
    /// The body is complete.
    Done,
}

impl BodyDecoder {
    /// A decoder for a body framed as `kind` says.
    pub fn new(kind: BodyKind) -> BodyDecoder {
        let state = match kind {
            BodyKind::Empty | BodyKind::Length(0) => State::Done,
            BodyKind::Length(n) => State::Length(n),
            BodyKind::Chunked => State::Size { size: 0, digits: 0 },
            BodyKind::UntilClose => State::UntilClose,
        };
        BodyDecoder {
            state,
            received: 0,
            error: None,
        }
    }

    /// Decodes from `input`, the body bytes read and not yet used: returns how many bytes of
    /// it were used, and what they were. Framing bytes are used silently; at most one range
    /// of data is returned per call (call again with the rest).
    ///
    /// # Errors
    ///
    /// Malformed chunked framing, or a chunk-size line or trailers over their limits. After
    /// an error the body cannot be read further: every later call returns the same error.
    pub fn decode(&mut self, input: &[u8]) -> Result<(usize, Piece), Http1Error> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let mut at = 0;
        loop {
            match self.state {
                State::Done => return Ok((at, Piece::End)),
                State::Length(left) | State::Data(left) => {
                    let n = usize::try_from(left)
                        .map_or(input.len() - at, |left| left.min(input.len() - at));
                    if n == 0 {
                        return Ok((at, Piece::NeedMore));
                    }
                    let left = left - n as u64;
                    self.state = match self.state {
                        State::Length(_) if left == 0 => State::Done,
                        State::Length(_) => State::Length(left),
                        _ if left == 0 => State::DataCr,
                        _ => State::Data(left),
                    };
                    self.received += n as u64;
                    return Ok((at + n, Piece::Data(at..at + n)));
                }
                State::UntilClose => {
                    if at == input.len() {
                        return Ok((at, Piece::NeedMore));
                    }
                    self.received += (input.len() - at) as u64;
                    return Ok((input.len(), Piece::Data(at..input.len())));
                }
                _ => {
                    let Some(&byte) = input.get(at) else {
                        return Ok((at, Piece::NeedMore));
                    };
                    at += 1;
                    match self.framing(byte) {
                        Ok(state) => self.state = state,
                        Err(error) => {
                            self.error = Some(error.clone());
                            return Err(error);
                        }
                    }
                }
            }
        }
    }

    /// The state after one byte of chunked framing.
    fn framing(&self, byte: u8) -> Result<State, Http1Error> {
        Ok(match self.state {
            State::Size { size, digits } => match byte {
                b';' | b' ' | b'\t' | b'\r' | b'\n' if digits == 0 => {
                    return Err(Http1Error::InvalidChunkSize);
                }
                b';' => State::Extension {
                    size,
                    line: usize::from(digits) + 1,
                },
                b' ' | b'\t' => State::SizeSpace { size },
                b'\r' => State::SizeLf { size },
                b'\n' => after_size(size),
                _ => {
                    let digit = hex(byte).ok_or(Http1Error::InvalidChunkSize)?;
                    if size >> 60 != 0 {
                        return Err(Http1Error::ChunkTooLarge);
                    }
                    State::Size {
                        size: size << 4 | u64::from(digit),
                        digits: digits.saturating_add(1),
                    }
                }
            },
            State::SizeSpace { size } => match byte {
                b' ' | b'\t' => State::SizeSpace { size },
                b';' => State::Extension { size, line: 0 },
                b'\r' => State::SizeLf { size },
                b'\n' => after_size(size),
                _ => return Err(Http1Error::InvalidChunkSize),
            },
            State::Extension { size, line } => match byte {
                b'\r' => State::SizeLf { size },
                b'\n' => after_size(size),
                _ if line >= MAX_CHUNK_LINE => return Err(Http1Error::ChunkLineTooLong),
                _ => State::Extension {
                    size,
                    line: line + 1,
                },
            },
            State::SizeLf { size } => match byte {
                b'\n' => after_size(size),
                _ => return Err(Http1Error::InvalidChunkSize),
            },
            State::DataCr => match byte {
                b'\r' => State::DataLf,
                b'\n' => State::Size { size: 0, digits: 0 },
                _ => return Err(Http1Error::InvalidChunkEnd),
            },
            State::DataLf => match byte {
                b'\n' => State::Size { size: 0, digits: 0 },
                _ => return Err(Http1Error::InvalidChunkEnd),
            },
            State::TrailerStart { total } => match byte {
                b'\r' => State::EndLf,
                b'\n' => State::Done,
                _ => trailer_byte(total)?,
            },
            State::Trailer { total } => match byte {
                b'\n' => State::TrailerStart { total: total + 1 },
                _ => trailer_byte(total)?,
            },
            State::EndLf => match byte {
                b'\n' => State::Done,
                _ => return Err(Http1Error::InvalidChunkEnd),
            },
            // Not framing states: `decode` handles them.
            State::Length(_) | State::UntilClose | State::Data(_) | State::Done => self.state,
        })
    }

    /// Whether the body has been read to its end.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The body data bytes handed out so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The connection closed: `Ok` when that ends the body (a body read until the close, or
    /// one already complete).
    ///
    /// # Errors
    ///
    /// [`Http1Error::Incomplete`] when the body's framing says more was to come, and the
    /// error that stopped [`decode`](BodyDecoder::decode), if one did.
    pub fn eof(&self) -> Result<(), Http1Error> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        match self.state {
            State::Done | State::UntilClose => Ok(()),
            _ => Err(Http1Error::Incomplete {
                received: self.received,
            }),
        }
    }
}

/// The state after a chunk-size line: the chunk's data, or the trailers after the last chunk.
fn after_size(size: u64) -> State {
    if size == 0 {
        State::TrailerStart { total: 0 }
    } else {
        State::Data(size)
    }
}

/// The state after one byte of a trailer line, `total` bytes of trailers before it.
fn trailer_byte(total: usize) -> Result<State, Http1Error> {
    if total >= MAX_TRAILERS {
        return Err(Http1Error::TrailersTooLarge);
    }
    Ok(State::Trailer { total: total + 1 })
}

fn hex(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn request(bytes: &[u8]) -> Result<Option<(RequestHead, usize)>, Http1Error> {
        parse_request_head(bytes, 1024)
    }

    #[test]
    fn request_heads_and_their_framing() {
        let bytes = b"\r\nGET /healthz?x=1 HTTP/1.1\r\nHost: a\r\n\r\nrest";
        let (head, used) = request(bytes).unwrap().unwrap();
        assert_eq!(head.method, "GET");
        assert_eq!(head.target, "/healthz?x=1");
        assert_eq!(head.minor_version, 1);
        assert_eq!(head.headers, vec![(String::from("Host"), b"a".to_vec())]);
        assert_eq!(
            (head.body, head.keep_alive, head.expect_continue),
            (BodyKind::Empty, true, false)
        );
        assert_eq!(
            &bytes[used..],
            b"rest",
            "through the empty line, not into the next bytes"
        );

        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\nExpect: 100-Continue\r\n\r\n";
        let (head, _) = request(chunked).unwrap().unwrap();
        assert_eq!(
            (head.body, head.keep_alive, head.expect_continue),
            (BodyKind::Chunked, false, true)
        );

        let length = b"POST / HTTP/1.0\r\nContent-Length: 12, 12\r\nConnection: Keep-Alive\r\n\r\n";
        let (head, _) = request(length).unwrap().unwrap();
        assert_eq!((head.body, head.keep_alive), (BodyKind::Length(12), true));
        let (head, _) = request(b"GET / HTTP/1.0\r\n\r\n").unwrap().unwrap();
        assert!(
            !head.keep_alive,
            "HTTP/1.0 closes unless asked to keep the connection"
        );
        let zero = b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(request(zero).unwrap().unwrap().0.body, BodyKind::Empty);
    }

    #[test]
    fn request_heads_refused() {
        assert_eq!(request(b"GET / HTTP/1.1\r\nHost: a\r\n"), Ok(None));
        assert_eq!(
            request(&[b'a'; 1024]),
            Err(Http1Error::HeadTooLarge),
            "too long while incomplete"
        );
        let mut long = b"GET / HTTP/1.1\r\nx: ".to_vec();
        long.resize(1030, b'y');
        long.extend_from_slice(b"\r\n\r\n");
        assert_eq!(request(&long), Err(Http1Error::HeadTooLarge));
        let refused: [(&[u8], Http1Error); 7] = [
            (
                b"GET / HTTP/2.0\r\n\r\n",
                Http1Error::InvalidHead("not HTTP/1.x"),
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
                Http1Error::InvalidContentLength,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                Http1Error::InvalidContentLength,
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n",
                Http1Error::InvalidHead("both transfer-encoding and content-length"),
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                Http1Error::InvalidHead("transfer coding other than chunked"),
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n",
                Http1Error::InvalidHead("empty transfer-encoding"),
            ),
            (
                b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                Http1Error::InvalidHead("transfer-encoding in an HTTP/1.0 request"),
            ),
        ];
        for (bytes, error) in refused {
            assert_eq!(
                request(bytes),
                Err(error),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    /// The body of `bytes` (after a head of kind `kind`) fed in pieces of `split` bytes, as
    /// a reader with a buffer would: unused bytes stay and more are appended.
    fn decode_in_pieces(kind: BodyKind, bytes: &[u8], split: usize) -> Result<Vec<u8>, Http1Error> {
        let mut decoder = BodyDecoder::new(kind);
        let mut pending: Vec<u8> = Vec::new();
        let mut body = Vec::new();
        let mut fed = 0;
        loop {
            let (used, piece) = decoder.decode(&pending)?;
            match piece {
                Piece::Data(range) => body.extend_from_slice(&pending[range]),
                Piece::End => return Ok(body),
                Piece::NeedMore => {
                    assert_eq!(used, pending.len(), "NeedMore uses everything");
                    if fed == bytes.len() {
                        decoder.eof()?;
                        return Ok(body);
                    }
                    let next = (fed + split).min(bytes.len());
                    pending.drain(..used);
                    pending.extend_from_slice(&bytes[fed..next]);
                    fed = next;
                    continue;
                }
            }
            pending.drain(..used);
        }
    }

    fn every_split(kind: BodyKind, bytes: &[u8]) -> Result<Vec<u8>, Http1Error> {
        let whole = decode_in_pieces(kind, bytes, bytes.len().max(1));
        for split in 1..bytes.len() {
            assert_eq!(decode_in_pieces(kind, bytes, split), whole, "split {split}");
        }
        whole
    }

    fn head(text: &str) -> Result<Option<(ResponseHead, usize)>, Http1Error> {
        parse_response_head(text.as_bytes())
    }

    #[test]
    fn chunked_bodies_at_every_split() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
            (b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"hello world"),
            // Upper- and lower-case hex, leading zeros, extensions, whitespace before them.
            (b"000A\r\n0123456789\r\n0\r\n\r\n", b"0123456789"),
            (
                b"a;name=value\r\n0123456789\r\n0;last\r\n\r\n",
                b"0123456789",
            ),
            (b"3 ;x=\"y\"\r\nabc\r\n0 \r\n\r\n", b"abc"),
            // Trailer fields, read and dropped.
            (
                b"3\r\nabc\r\n0\r\nx-checksum: 1\r\nx-more: 2\r\n\r\n",
                b"abc",
            ),
            // Bare LF as line terminator (RFC 9112, section 2.2).
            (b"3\nabc\n0\n\n", b"abc"),
            (b"0\r\n\r\n", b""),
        ];
        for (bytes, body) in cases {
            assert_eq!(
                every_split(BodyKind::Chunked, bytes).as_deref(),
                Ok(*body),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn the_end_of_a_chunked_body_leaves_what_follows() {
        let bytes = b"2\r\nhi\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n";
        let mut decoder = BodyDecoder::new(BodyKind::Chunked);
        assert_eq!(decoder.decode(bytes), Ok((5, Piece::Data(3..5))));
        assert_eq!(decoder.decode(&bytes[5..]), Ok((7, Piece::End)));
        assert!(decoder.is_done());
        assert_eq!(decoder.received(), 2);
        assert_eq!(decoder.decode(b"more"), Ok((0, Piece::End)));
    }

    #[test]
    fn malformed_chunked_framing_is_an_error() {
        let cases: &[(&[u8], Http1Error)] = &[
            (b"x\r\n", Http1Error::InvalidChunkSize),
            (b"\r\n", Http1Error::InvalidChunkSize),
            (b";ext\r\n", Http1Error::InvalidChunkSize),
            (b"5 5\r\n", Http1Error::InvalidChunkSize),
            (b"5\rx", Http1Error::InvalidChunkSize),
            (b"-1\r\n", Http1Error::InvalidChunkSize),
            (b"3\r\nabcd", Http1Error::InvalidChunkEnd),
            (b"3\r\nabc\rx", Http1Error::InvalidChunkEnd),
            (b"0\r\n\rx", Http1Error::InvalidChunkEnd),
            (b"10000000000000000\r\n", Http1Error::ChunkTooLarge),
        ];
        for (bytes, error) in cases {
            assert_eq!(
                every_split(BodyKind::Chunked, bytes).as_ref(),
                Err(error),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
        // The largest size that fits is fine (and waits for its data).
        let mut decoder = BodyDecoder::new(BodyKind::Chunked);
        assert_eq!(
            decoder.decode(b"ffffffffffffffff\r\nab"),
            Ok((20, Piece::Data(18..20)))
        );
    }

    /// Found by `core/tests/integration/http1_proptest.rs`: after an error, a later call decoded
    /// on from the state before the bad byte (`0` then `NeedMore` on no input).
    #[test]
    fn errors_are_sticky() {
        for (kind, bytes, error) in [
            (BodyKind::Chunked, &b"\0"[..], Http1Error::InvalidChunkSize),
            (BodyKind::Chunked, b"2\r\nhix", Http1Error::InvalidChunkEnd),
            (BodyKind::Chunked, b"0\r\n\rx", Http1Error::InvalidChunkEnd),
        ] {
            let mut decoder = BodyDecoder::new(kind);
            let mut rest = bytes;
            let err = loop {
                match decoder.decode(rest) {
                    Ok((used, _)) => rest = &rest[used..],
                    Err(err) => break err,
                }
            };
            assert_eq!(err, error);
            for again in [rest, b"", b"0\r\n\r\n", b"abc"] {
                assert_eq!(decoder.decode(again), Err(error.clone()));
            }
            assert_eq!(decoder.eof(), Err(error.clone()));
            assert!(!decoder.is_done());
        }
    }

    #[test]
    fn limits_on_extensions_and_trailers() {
        let mut line = vec![b'1', b';'];
        line.resize(MAX_CHUNK_LINE + 10, b'x');
        assert_eq!(
            BodyDecoder::new(BodyKind::Chunked)
                .decode(&line)
                .map(|_| ()),
            Err(Http1Error::ChunkLineTooLong)
        );
        let mut trailers = b"0\r\nx: ".to_vec();
        trailers.resize(MAX_TRAILERS + 10, b'y');
        assert_eq!(
            BodyDecoder::new(BodyKind::Chunked)
                .decode(&trailers)
                .map(|_| ()),
            Err(Http1Error::TrailersTooLarge)
        );
    }

    #[test]
    fn a_cut_body_is_incomplete_and_says_how_much_arrived() {
        for (kind, bytes) in [
            (BodyKind::Chunked, &b"5\r\nhello\r\n3\r\nab"[..]),
            (BodyKind::Chunked, b"5\r\nhello\r\n"),
            (BodyKind::Chunked, b"5\r\nhello\r\n0\r\n"),
            (BodyKind::Length(10), b"hello"),
        ] {
            let received = if bytes.ends_with(b"ab") { 7 } else { 5 };
            assert_eq!(
                every_split(kind, bytes),
                Err(Http1Error::Incomplete { received }),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
        // A body read until the close ends with it.
        assert_eq!(
            every_split(BodyKind::UntilClose, b"all of it"),
            Ok(b"all of it".to_vec())
        );
    }

    #[test]
    fn length_bodies() {
        assert_eq!(
            every_split(BodyKind::Length(5), b"hello"),
            Ok(b"hello".to_vec())
        );
        let mut decoder = BodyDecoder::new(BodyKind::Length(3));
        assert_eq!(decoder.decode(b"abcdef"), Ok((3, Piece::Data(0..3))));
        assert_eq!(decoder.decode(b"def"), Ok((0, Piece::End)));
        assert!(BodyDecoder::new(BodyKind::Length(0)).is_done());
        assert!(BodyDecoder::new(BodyKind::Empty).is_done());
        assert_eq!(BodyDecoder::new(BodyKind::Empty).eof(), Ok(()));
    }

    #[test]
    fn heads_and_their_framing() {
        let (h, used) = head("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\nrest")
            .unwrap()
            .unwrap();
        assert_eq!(used, 80);
        assert_eq!(
            (h.status, h.minor_version, h.body, h.keep_alive),
            (200, 1, BodyKind::Chunked, true)
        );
        assert_eq!(
            h.headers[0],
            (String::from("content-type"), b"text/event-stream".to_vec())
        );

        let framing = |text: &str| {
            let (h, _) = head(text).unwrap().unwrap();
            (h.body, h.keep_alive)
        };
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"),
            (BodyKind::Length(42), true)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\ncontent-length: 42, 42\r\ncontent-length: 42\r\n\r\n"),
            (BodyKind::Length(42), true)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\n\r\n"),
            (BodyKind::UntilClose, false)
        );
        assert_eq!(
            framing(
                "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\ncontent-length: 1\r\n\r\n"
            ),
            (BodyKind::Length(1), false)
        );
        assert_eq!(
            framing("HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\n"),
            (BodyKind::Length(1), false)
        );
        // Transfer-Encoding wins over Content-Length, and the connection is not reused.
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n"),
            (BodyKind::Chunked, false)
        );
        // Chunked only when it is the last coding.
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n"),
            (BodyKind::Chunked, true)
        );
        assert_eq!(
            framing(
                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntransfer-encoding: gzip\r\n\r\n"
            ),
            (BodyKind::UntilClose, false)
        );
        // A Transfer-Encoding with no coding in it: the body is still not framed by its
        // Content-Length, and chunked is not its last coding (RFC 9112, section 6.3, item 4).
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\ntransfer-encoding:\r\ncontent-length: 5\r\n\r\n"),
            (BodyKind::UntilClose, false)
        );
        assert_eq!(
            framing(
                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntransfer-encoding: ,\r\n\r\n"
            ),
            (BodyKind::Chunked, true)
        );
        for no_body in [
            "HTTP/1.1 204 No Content\r\n\r\n",
            "HTTP/1.1 304 Not Modified\r\ncontent-length: 9\r\n\r\n",
            "HTTP/1.1 100 Continue\r\n\r\n",
        ] {
            assert_eq!(framing(no_body), (BodyKind::Empty, true), "{no_body}");
        }
    }

    #[test]
    fn incomplete_heads_wait_and_bad_ones_are_errors() {
        let whole = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        for end in 0..whole.len() {
            assert_eq!(head(&whole[..end]), Ok(None), "{end}");
        }
        assert!(matches!(head(whole), Ok(Some(_))));

        for bad in [
            "HTTP/2 200 OK\r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n",
            "SSH-2.0-OpenSSH\r\n\r\n",
            "HTTP/1.1 200 OK\r\nbad name: x\r\n\r\n",
        ] {
            assert!(
                matches!(head(bad), Err(Http1Error::InvalidHead(_))),
                "{bad}"
            );
        }
        for bad in [
            "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999\r\n\r\n",
            // Found by `core/tests/integration/http1_proptest.rs`: a field with no number in it
            // was skipped, so the body was read until the close (RFC 9112, section 6.3, item 5:
            // an invalid Content-Length is an unrecoverable error).
            "HTTP/1.1 200 OK\r\ncontent-length: \r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: , \r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length:\r\n\r\n",
        ] {
            assert_eq!(head(bad), Err(Http1Error::InvalidContentLength), "{bad}");
        }

        let mut long = String::from("HTTP/1.1 200 OK\r\nx: ");
        while long.len() < MAX_HEAD_BYTES {
            long.push('y');
        }
        assert_eq!(head(&long), Err(Http1Error::HeadTooLarge));
        let mut many = String::from("HTTP/1.1 200 OK\r\n");
        for i in 0..=MAX_HEADERS {
            many.push_str(&alloc::format!("x-{i}: 1\r\n"));
        }
        many.push_str("\r\n");
        assert_eq!(head(&many), Err(Http1Error::HeadTooLarge));
    }
}
