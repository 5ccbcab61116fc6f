//! Resumable streams: the wire format that lets a client that lost its connection (a phone
//! changing networks, a page reload) pick a stream up where it stopped, without a second call
//! to the provider.
//!
//! A resumable stream is asked for with the request header [`RESUMABLE_HEADER`]
//! (`llm-sse-resumable: true`). Its answer names the stream in [`STREAM_ID_HEADER`]
//! (`llm-sse-stream-id: <stream id>`), and every SSE event of it (every frame, the `[DONE]`
//! sentinel included) carries an `id:` line `<stream id>:<seq>`, where `seq` counts the
//! stream's events from 1. A client that lost the stream asks for the rest with
//! `GET /v1/streams/{stream id}` ([`STREAMS_PREFIX`]) and the last id it saw, as
//! `Last-Event-ID: <stream id>:<seq>` ([`parse_last_event_id`]) or `?after=<seq>`
//! ([`parse_after`]); the answer holds the events after `seq`, byte for byte as they were
//! first sent, then follows the stream live until `[DONE]`.
//!
//! [`Sequencer`] is the sans-IO part of the writer: it turns chunks into SSE events through an
//! [`Encoding`] and stamps each event with its `id:` line. Feed a chunk with
//! [`push`](Sequencer::push), then drain the events with [`next_frame`](Sequencer::next_frame):
//!
//! ```
//! use llm_sse_core::resume::{Sequencer, parse_last_event_id};
//! use llm_sse_core::{Encoding, Finish, FinishReason, Provider, StreamChunk};
//!
//! let mut sequencer = Sequencer::new("s1", Encoding::frames()).unwrap();
//! sequencer.push(&StreamChunk::Token("Hi".into()));
//! let frame = sequencer.next_frame().unwrap();
//! assert_eq!(frame.seq, 1);
//! assert_eq!(frame.bytes, b"id: s1:1\ndata: {\"token\":\"Hi\",\"done\":false}\n\n");
//! assert!(sequencer.next_frame().is_none());
//!
//! // The terminal chunk is two events: the terminal frame and `[DONE]`.
//! sequencer.push(&StreamChunk::Done(Box::new(Finish {
//!     provider: Provider::Anthropic,
//!     id: None,
//!     model: None,
//!     outcome: Ok(FinishReason::Stop),
//!     provider_finish_reason: None,
//!     usage: None,
//! })));
//! assert_eq!(sequencer.next_frame().unwrap().seq, 2);
//! let done = sequencer.next_frame().unwrap();
//! assert_eq!(done.bytes, b"id: s1:3\ndata: [DONE]\n\n");
//!
//! // What a client that saw the first frame sends back.
//! assert_eq!(parse_last_event_id(b"s1:1", "s1"), Ok(1));
//! ```
//!
//! Keep-alive comments carry no id and are not part of the sequence: a resumed stream has its
//! own.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt;

use crate::chunk::StreamChunk;
use crate::encoding::Encoding;

/// The request header that asks for a resumable stream: `llm-sse-resumable: true` (`false`
/// asks for a plain one where the gateway makes every stream resumable). See
/// [`resumable_requested`].
pub const RESUMABLE_HEADER: &str = "llm-sse-resumable";

/// The response header that names a resumable stream: `llm-sse-stream-id: <stream id>`.
pub const STREAM_ID_HEADER: &str = "llm-sse-stream-id";

/// The route that resumes a stream: `GET /v1/streams/{stream id}`.
pub const STREAMS_PREFIX: &str = "/v1/streams/";

/// The longest stream id, in bytes.
pub const MAX_STREAM_ID: usize = 64;

/// Whether `id` can be a stream id: 1 to [`MAX_STREAM_ID`] of `A-Z a-z 0-9 - _`, so that it
/// goes into a URL path, a header and an SSE `id:` line as it is.
///
/// ```
/// use llm_sse_core::resume::is_stream_id;
///
/// assert!(is_stream_id("0f3a9c_B-7"));
/// assert!(!is_stream_id(""));
/// assert!(!is_stream_id("a:b"));
/// assert!(!is_stream_id("a/b"));
/// ```
pub fn is_stream_id(id: &str) -> bool {
    (1..=MAX_STREAM_ID).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What a [`RESUMABLE_HEADER`] value asks for: `Some(true)` for `true` or `1`, `Some(false)` for
/// `false` or `0` (ASCII case and surrounding spaces ignored), `None` for anything else (the
/// gateway's default then applies).
///
/// ```
/// use llm_sse_core::resume::resumable_requested;
///
/// assert_eq!(resumable_requested(b"true"), Some(true));
/// assert_eq!(resumable_requested(b" FALSE "), Some(false));
/// assert_eq!(resumable_requested(b"yes please"), None);
/// ```
pub fn resumable_requested(value: &[u8]) -> Option<bool> {
    let value = value.trim_ascii();
    if value.eq_ignore_ascii_case(b"true") || value == b"1" {
        Some(true)
    } else if value.eq_ignore_ascii_case(b"false") || value == b"0" {
        Some(false)
    } else {
        None
    }
}

/// Why a resume request's position cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResumeError {
    /// `Last-Event-ID` is not `<stream id>:<seq>`.
    MalformedLastEventId,
    /// `Last-Event-ID` names another stream than the path.
    OtherStream,
    /// `after` is not a number of events.
    MalformedAfter,
}

impl fmt::Display for ResumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResumeError::MalformedLastEventId => {
                "Last-Event-ID must be <stream id>:<seq>, as the stream's id: lines say"
            }
            ResumeError::OtherStream => "Last-Event-ID names another stream than the path",
            ResumeError::MalformedAfter => {
                "after must be the number of events already received (0 or more)"
            }
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ResumeError {}

/// The `seq` of a `Last-Event-ID: <stream id>:<seq>` value for the stream `stream_id`.
///
/// ```
/// use llm_sse_core::resume::{parse_last_event_id, ResumeError};
///
/// assert_eq!(parse_last_event_id(b"abc:12", "abc"), Ok(12));
/// assert_eq!(parse_last_event_id(b"abc:0", "abc"), Ok(0));
/// assert_eq!(parse_last_event_id(b"xyz:12", "abc"), Err(ResumeError::OtherStream));
/// assert_eq!(parse_last_event_id(b"abc", "abc"), Err(ResumeError::MalformedLastEventId));
/// assert_eq!(parse_last_event_id(b"abc:-1", "abc"), Err(ResumeError::MalformedLastEventId));
/// ```
pub fn parse_last_event_id(value: &[u8], stream_id: &str) -> Result<u64, ResumeError> {
    let colon = value
        .iter()
        .rposition(|&b| b == b':')
        .ok_or(ResumeError::MalformedLastEventId)?;
    let (id, seq) = (&value[..colon], &value[colon + 1..]);
    let seq = parse_seq(seq).ok_or(ResumeError::MalformedLastEventId)?;
    if id != stream_id.as_bytes() {
        return Err(ResumeError::OtherStream);
    }
    Ok(seq)
}

/// The `after` parameter of a resume request's query (`after=<seq>`, the rest of the query
/// ignored); `0` (the whole stream) when there is none.
///
/// ```
/// use llm_sse_core::resume::{parse_after, ResumeError};
///
/// assert_eq!(parse_after(None), Ok(0));
/// assert_eq!(parse_after(Some("after=7")), Ok(7));
/// assert_eq!(parse_after(Some("x=1&after=7")), Ok(7));
/// assert_eq!(parse_after(Some("after=seven")), Err(ResumeError::MalformedAfter));
/// ```
pub fn parse_after(query: Option<&str>) -> Result<u64, ResumeError> {
    let Some(query) = query else { return Ok(0) };
    let mut after = 0;
    for pair in query.split('&') {
        if let Some(value) = pair.strip_prefix("after=") {
            after = parse_seq(value.as_bytes()).ok_or(ResumeError::MalformedAfter)?;
        }
    }
    Ok(after)
}

/// A decimal `seq`: 1 to 19 ASCII digits (so it fits a `u64`).
fn parse_seq(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')),
    )
}

/// One event of a resumable stream: its `seq` and its bytes, `id:` line included.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeqFrame {
    /// Its number in the stream, from 1.
    pub seq: u64,
    /// The SSE event, `id: <stream id>:<seq>\n` first, ended by its blank line.
    pub bytes: Vec<u8>,
}

impl SeqFrame {
    /// The event without its `id:` line: what a store keeps, since [`write_id_line`] writes
    /// that line again from the stream id and `seq`, byte for byte.
    ///
    /// ```
    /// use llm_sse_core::resume::{Sequencer, write_id_line};
    /// use llm_sse_core::{Encoding, StreamChunk};
    ///
    /// let mut sequencer = Sequencer::new("s", Encoding::frames()).unwrap();
    /// sequencer.push(&StreamChunk::Token("Hi".into()));
    /// let frame = sequencer.next_frame().unwrap();
    /// assert_eq!(frame.event(), b"data: {\"token\":\"Hi\",\"done\":false}\n\n");
    /// let mut again = Vec::new();
    /// write_id_line("s", frame.seq, &mut again);
    /// again.extend_from_slice(frame.event());
    /// assert_eq!(again, frame.bytes);
    /// ```
    pub fn event(&self) -> &[u8] {
        let line_end = self
            .bytes
            .iter()
            .position(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        &self.bytes[line_end..]
    }
}

/// Appends a resumable stream's `id:` line for event `seq`: `id: <stream id>:<seq>\n`.
pub fn write_id_line(stream_id: &str, seq: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(b"id: ");
    out.extend_from_slice(stream_id.as_bytes());
    out.push(b':');
    push_decimal(out, seq);
    out.push(b'\n');
}

/// Writes a resumable stream's events: each chunk through an [`Encoding`] (the normalized
/// frames, or any SSE encoding), each resulting SSE event stamped with `id: <stream id>:<seq>`,
/// `seq` counting the events from 1. See the [module docs](self).
///
/// The encoding must write SSE events (each ended by a blank line, none containing one): the
/// frames and the dialects do; JSON lines do not.
#[derive(Debug, Clone)]
pub struct Sequencer {
    /// `id: <stream id>:`.
    prefix: Vec<u8>,
    /// The last `seq` handed out.
    seq: u64,
    encoding: Encoding,
    scratch: Vec<u8>,
    ready: VecDeque<SeqFrame>,
}

/// [`Sequencer::new`] was given something that is not a stream id ([`is_stream_id`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidStreamId;

impl fmt::Display for InvalidStreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a stream id is 1 to {MAX_STREAM_ID} of A-Z a-z 0-9 - _")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for InvalidStreamId {}

impl Sequencer {
    /// The writer of stream `stream_id`, its chunks written by `encoding`.
    ///
    /// # Errors
    ///
    /// When `stream_id` is not a stream id ([`is_stream_id`]).
    pub fn new(stream_id: &str, encoding: Encoding) -> Result<Self, InvalidStreamId> {
        if !is_stream_id(stream_id) {
            return Err(InvalidStreamId);
        }
        let mut prefix = Vec::with_capacity(stream_id.len() + 5);
        prefix.extend_from_slice(b"id: ");
        prefix.extend_from_slice(stream_id.as_bytes());
        prefix.push(b':');
        Ok(Sequencer {
            prefix,
            seq: 0,
            encoding,
            scratch: Vec::new(),
            ready: VecDeque::new(),
        })
    }

    /// Encodes `chunk`; its events (none, one, or two for the terminal chunk and `[DONE]`)
    /// are then ready for [`next_frame`](Self::next_frame). Returns how many.
    pub fn push(&mut self, chunk: &StreamChunk) -> usize {
        self.scratch.clear();
        self.encoding.push(chunk, &mut self.scratch);
        let mut count = 0;
        let mut rest = &self.scratch[..];
        while !rest.is_empty() {
            let end = memchr::memmem::find(rest, b"\n\n").map_or(rest.len(), |i| i + 2);
            let (event, after) = rest.split_at(end);
            rest = after;
            self.seq += 1;
            let mut bytes = Vec::with_capacity(self.prefix.len() + 21 + event.len());
            bytes.extend_from_slice(&self.prefix);
            push_decimal(&mut bytes, self.seq);
            bytes.push(b'\n');
            bytes.extend_from_slice(event);
            self.ready.push_back(SeqFrame {
                seq: self.seq,
                bytes,
            });
            count += 1;
        }
        count
    }

    /// The next event to send, oldest first; `None` until the next [`push`](Self::push).
    pub fn next_frame(&mut self) -> Option<SeqFrame> {
        self.ready.pop_front()
    }

    /// How many events have been numbered so far (the `seq` of the last one).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// What keeps a quiet stream open (the encoding's keep-alive comment; not numbered).
    pub fn keepalive(&self, out: &mut Vec<u8>) {
        self.encoding.keepalive(out);
    }
}

fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::{Finish, FinishReason, Provider, ToolCallArguments, ToolCallStart};
    use crate::dialect::{Dialect, ResponseMeta};
    use alloc::boxed::Box;
    use alloc::string::String;

    fn done() -> StreamChunk {
        StreamChunk::Done(Box::new(Finish {
            provider: Provider::OpenAi,
            id: Some("c1".into()),
            model: Some("m".into()),
            outcome: Ok(FinishReason::Stop),
            provider_finish_reason: Some("stop".into()),
            usage: None,
        }))
    }

    fn chunks() -> Vec<StreamChunk> {
        vec![
            StreamChunk::Reasoning("hm".into()),
            StreamChunk::BlockBreak,
            StreamChunk::Token(String::new()),
            StreamChunk::Token("a\n\nb".into()),
            StreamChunk::ToolCallStart(ToolCallStart {
                index: 0,
                id: Some("t".into()),
                name: "f".into(),
                arguments: "{".into(),
            }),
            StreamChunk::ToolCallArguments(ToolCallArguments {
                index: 0,
                fragment: "}".into(),
            }),
            done(),
        ]
    }

    /// Without the `id:` lines, the events are exactly what the encoding writes; the ids count
    /// from 1 without a gap.
    #[test]
    fn the_events_are_the_encoding_with_ids() {
        let meta = ResponseMeta::new("r", "m", 7);
        for encoding in [
            Encoding::frames(),
            Dialect::OpenAi.encoder(meta.clone(), true),
            Dialect::Anthropic.encoder(meta, true),
        ] {
            let mut plain = Vec::new();
            let mut reference = encoding.clone();
            let mut sequencer = Sequencer::new("abc_9", encoding).unwrap();
            let mut stripped = Vec::new();
            let mut expected_seq = 0;
            for chunk in chunks() {
                reference.push(&chunk, &mut plain);
                let n = sequencer.push(&chunk);
                for _ in 0..n {
                    let frame = sequencer.next_frame().unwrap();
                    expected_seq += 1;
                    assert_eq!(frame.seq, expected_seq);
                    let line = alloc::format!("id: abc_9:{expected_seq}\n");
                    assert!(frame.bytes.starts_with(line.as_bytes()));
                    assert!(frame.bytes.ends_with(b"\n\n"));
                    let event = &frame.bytes[line.len()..];
                    assert_eq!(memchr::memmem::find(event, b"\n\n"), Some(event.len() - 2));
                    stripped.extend_from_slice(event);
                }
                assert!(sequencer.next_frame().is_none());
            }
            assert_eq!(stripped, plain);
            assert_eq!(sequencer.seq(), expected_seq);
        }
    }

    #[test]
    fn frames_and_done() {
        let mut sequencer = Sequencer::new("s", Encoding::frames()).unwrap();
        assert_eq!(sequencer.push(&StreamChunk::BlockBreak), 0);
        assert_eq!(sequencer.push(&done()), 2);
        let terminal = sequencer.next_frame().unwrap();
        assert!(
            terminal
                .bytes
                .starts_with(b"id: s:1\ndata: {\"token\":\"\",\"done\":true")
        );
        assert_eq!(
            sequencer.next_frame().unwrap().bytes,
            b"id: s:2\ndata: [DONE]\n\n"
        );
        let mut out = Vec::new();
        sequencer.keepalive(&mut out);
        assert_eq!(out, b": keep-alive\n\n");
    }

    #[test]
    fn stream_ids() {
        assert!(Sequencer::new("", Encoding::frames()).is_err());
        assert!(Sequencer::new("a:b", Encoding::frames()).is_err());
        assert!(Sequencer::new(&"a".repeat(64), Encoding::frames()).is_ok());
        assert!(Sequencer::new(&"a".repeat(65), Encoding::frames()).is_err());
        assert!(!is_stream_id("é"));
        assert!(!is_stream_id("a b"));
    }

    #[test]
    fn last_event_ids() {
        let cases: [(&[u8], Result<u64, ResumeError>); 9] = [
            (b"s:1", Ok(1)),
            (
                b"s:18446744073709551615",
                Err(ResumeError::MalformedLastEventId),
            ),
            (b"s:1234567890123456789", Ok(1_234_567_890_123_456_789)),
            (b"s:", Err(ResumeError::MalformedLastEventId)),
            (b":1", Err(ResumeError::OtherStream)),
            (b"t:1", Err(ResumeError::OtherStream)),
            (b"s:1 ", Err(ResumeError::MalformedLastEventId)),
            (b"s:+1", Err(ResumeError::MalformedLastEventId)),
            (b"", Err(ResumeError::MalformedLastEventId)),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_last_event_id(value, "s"), expected, "{value:?}");
        }
    }

    #[test]
    fn after_parameters() {
        assert_eq!(parse_after(Some("")), Ok(0));
        assert_eq!(parse_after(Some("after=0")), Ok(0));
        assert_eq!(
            parse_after(Some("after=")),
            Err(ResumeError::MalformedAfter)
        );
        assert_eq!(
            parse_after(Some("after=-1")),
            Err(ResumeError::MalformedAfter)
        );
        assert_eq!(parse_after(Some("safter=3")), Ok(0));
    }

    #[test]
    fn resumable_values() {
        for (value, expected) in [
            (&b"true"[..], Some(true)),
            (b"True", Some(true)),
            (b"1", Some(true)),
            (b"0", Some(false)),
            (b"false", Some(false)),
            (b"", None),
            (b"truee", None),
        ] {
            assert_eq!(resumable_requested(value), expected, "{value:?}");
        }
    }
}
