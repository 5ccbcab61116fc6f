//! Serving a recorded response body the way a live model streams it: in pieces (one
//! server-sent event or one AWS event-stream message at a time, or fixed-size pieces), with a
//! pause between pieces.
//!
//! Public through [`super`]: [`Pacing`], [`Split`], [`PacedBody`].

use std::convert::Infallible;
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame};
use llm_sse_core::eventstream::message_len;
use llm_sse_core::provider::Framing;
use tokio::time::{Instant, Sleep};

/// How a recording is cut into pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Split {
    /// One server-sent event per piece: the recording is cut after each blank line (a line
    /// end right after another line end, with `\n`, `\r\n` or `\r` line ends), so every piece
    /// ends with its event's blank line and the pieces concatenate to the recording exactly.
    /// Comments (`: ping`) and other blank-line-terminated blocks are pieces of their own; bytes
    /// after the last blank line are the last piece.
    #[default]
    Events,
    /// One AWS event-stream message per piece (Amazon Bedrock's framing), each as long as its
    /// prelude says ([`message_len`]). Bytes that do not start a message (a broken
    /// recording), and a last message cut short, are the last piece.
    Messages,
    /// Pieces of exactly this many bytes (the last may be shorter), wherever they fall.
    Bytes(NonZeroUsize),
}

impl Split {
    /// The pieces of `recording`, in order, as cheap slices of it (no copy).
    pub fn pieces(self, recording: &Bytes) -> Pieces {
        Pieces {
            recording: recording.clone(),
            pos: 0,
            split: self,
        }
    }

    /// One event per piece in `framing`: [`Events`](Split::Events) for server-sent events,
    /// [`Messages`](Split::Messages) for an event stream.
    pub fn events_of(framing: Framing) -> Split {
        match framing {
            Framing::BedrockEventStream => Split::Messages,
            _ => Split::Events,
        }
    }

    /// The length of the piece that starts `rest` (0 only when `rest` is empty).
    fn next_len(self, rest: &[u8]) -> usize {
        match self {
            Split::Events => event_len(rest),
            Split::Messages => message_len(rest).map_or(rest.len(), |n| n.min(rest.len())),
            Split::Bytes(n) => n.get().min(rest.len()),
        }
    }
}

/// The pieces of a recording: see [`Split::pieces`].
#[derive(Debug, Clone)]
pub struct Pieces {
    recording: Bytes,
    pos: usize,
    split: Split,
}

impl Iterator for Pieces {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let rest = self.recording.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let len = self.split.next_len(rest);
        let piece = self.recording.slice(self.pos..self.pos + len);
        self.pos += len;
        Some(piece)
    }
}

/// The length of the first server-sent event in `bytes`, including the blank line that ends it;
/// all of `bytes` when no blank line ends it.
///
/// A blank line is a line end at the start of a line (`bytes` starts at a line start). A `\r`
/// followed by `\n` is one line end, so `\r\n\r\n` ends an event after its fourth byte.
fn event_len(bytes: &[u8]) -> usize {
    let mut at_line_start = true;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        match b {
            b'\n' | b'\r' => {
                if b == b'\r' && bytes.get(i) == Some(&b'\n') {
                    i += 1;
                }
                if at_line_start {
                    return i;
                }
                at_line_start = true;
            }
            _ => at_line_start = false,
        }
    }
    bytes.len()
}

/// How to pace a recording: how it is cut ([`Split`]) and the pause between pieces.
///
/// The default is one event per piece with no pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pacing {
    /// How the recording is cut into pieces.
    pub split: Split,
    /// The pause between two pieces (none before the first).
    pub delay: Duration,
}

impl Pacing {
    /// One event per piece, no pause.
    pub fn events() -> Self {
        Pacing::default()
    }

    /// Pieces of `n` bytes, no pause.
    pub fn bytes(n: NonZeroUsize) -> Self {
        Pacing {
            split: Split::Bytes(n),
            delay: Duration::ZERO,
        }
    }

    /// The same pacing with a pause of `delay` between pieces.
    #[must_use]
    pub fn delay(self, delay: Duration) -> Self {
        Pacing { delay, ..self }
    }

    /// The same pacing for a recording in `framing`: one event per piece means one
    /// event-stream message per piece for Bedrock's framing ([`Split::events_of`]); pieces of
    /// a fixed size stay so.
    #[must_use]
    pub fn for_framing(self, framing: Framing) -> Self {
        match self.split {
            Split::Events | Split::Messages => Pacing {
                split: Split::events_of(framing),
                ..self
            },
            Split::Bytes(_) => self,
        }
    }
}

/// A response body that yields a recording piece by piece, pausing between pieces
/// ([`Pacing`]). Each piece is one data frame, which hyper writes as one HTTP/1.1 chunk or
/// HTTP/2 DATA frame, so a client sees the pieces arrive separately.
///
/// The body never reports an exact size, so HTTP/1.1 servers send it chunked, as providers
/// do. Its pauses use the Tokio timer: poll it inside a Tokio runtime with time enabled.
///
/// It does not depend on the mock server: a gateway can serve a recording paced like a real
/// model with it, or feed a paced recording to a normalizer.
///
/// ```
/// use std::time::Duration;
/// use bytes::Bytes;
/// use http_body_util::BodyExt;
/// use llm_sse_tokio::mock::{PacedBody, Pacing};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let recording = Bytes::from_static(b"event: a\ndata: 1\n\n: ping\n\ndata: 2\n\n");
/// let mut body = PacedBody::new(recording, Pacing::events().delay(Duration::from_millis(5)));
/// let mut pieces = Vec::new();
/// while let Some(frame) = body.frame().await {
///     pieces.push(frame.unwrap().into_data().unwrap());
/// }
/// assert_eq!(pieces, ["event: a\ndata: 1\n\n", ": ping\n\n", "data: 2\n\n"]);
/// # }
/// ```
#[derive(Debug)]
pub struct PacedBody {
    pieces: Pieces,
    delay: Duration,
    /// The pause before the next piece; `None` before the first piece, or with no delay.
    sleep: Option<Pin<Box<Sleep>>>,
    waiting: bool,
}

impl PacedBody {
    /// A body that yields `recording` with `pacing`.
    pub fn new(recording: Bytes, pacing: Pacing) -> Self {
        PacedBody {
            pieces: pacing.split.pieces(&recording),
            delay: pacing.delay,
            sleep: None,
            waiting: false,
        }
    }
}

impl Body for PacedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        if this.waiting {
            if let Some(sleep) = this.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
            }
            this.waiting = false;
        }
        let Some(piece) = this.pieces.next() else {
            return Poll::Ready(None);
        };
        if !this.delay.is_zero() {
            let deadline = Instant::now() + this.delay;
            match this.sleep.as_mut() {
                Some(sleep) => sleep.as_mut().reset(deadline),
                None => this.sleep = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
            this.waiting = true;
        }
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.pieces.pos >= self.pieces.recording.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(s: &str) -> Vec<String> {
        Split::Events
            .pieces(&Bytes::copy_from_slice(s.as_bytes()))
            .map(|b| String::from_utf8(b.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn splits_after_each_blank_line_with_any_line_end() {
        assert_eq!(
            events("data: a\n\ndata: b\n\n"),
            ["data: a\n\n", "data: b\n\n"]
        );
        assert_eq!(
            events("data: a\r\n\r\ndata: b\r\n\r\n"),
            ["data: a\r\n\r\n", "data: b\r\n\r\n"]
        );
        assert_eq!(
            events("data: a\r\rdata: b\r\r"),
            ["data: a\r\r", "data: b\r\r"]
        );
        assert_eq!(events("data: a\n\r\ndata: b"), ["data: a\n\r\n", "data: b"]);
        assert_eq!(
            events("event: x\ndata: 1\ndata: 2\n\n"),
            ["event: x\ndata: 1\ndata: 2\n\n"]
        );
    }

    #[test]
    fn comments_leading_blank_lines_and_trailing_bytes_are_pieces() {
        assert_eq!(
            events(": ping\n\ndata: a\n\n"),
            [": ping\n\n", "data: a\n\n"]
        );
        assert_eq!(events("\n\ndata: a\n\n"), ["\n", "\n", "data: a\n\n"]);
        assert_eq!(events("data: a\n\ndata: b\n"), ["data: a\n\n", "data: b\n"]);
        assert_eq!(events(""), Vec::<String>::new());
    }

    #[test]
    fn pieces_concatenate_to_the_recording() {
        let recording = "data: a\r\n\r\n\r\n: c\r\rdata: é\n\n\ndata";
        for split in [
            Split::Events,
            Split::Bytes(NonZeroUsize::new(1).unwrap()),
            Split::Bytes(NonZeroUsize::new(7).unwrap()),
        ] {
            let joined: Vec<u8> = split
                .pieces(&Bytes::from(recording))
                .flat_map(|b| b.to_vec())
                .collect();
            assert_eq!(joined, recording.as_bytes(), "{split:?}");
        }
    }

    #[test]
    fn one_message_per_piece() {
        use llm_sse_core::eventstream::bedrock;
        let mut wire = Vec::new();
        let mut lens = Vec::new();
        for event in [r#"{"type":"ping"}"#, r#"{"type":"message_stop"}"#] {
            lens.push(bedrock::encode_chunk(event, None, &mut wire).unwrap());
        }
        lens.push(
            bedrock::encode_exception("throttlingException", "slow down", &mut wire).unwrap(),
        );
        let wire = Bytes::from(wire);
        let got: Vec<usize> = Split::Messages.pieces(&wire).map(|p| p.len()).collect();
        assert_eq!(got, lens);
        // A message cut short, and bytes that are no message, end as one piece.
        let cut = wire.slice(..lens[0] + 20);
        let got: Vec<usize> = Split::Messages.pieces(&cut).map(|p| p.len()).collect();
        assert_eq!(got, [lens[0], 20]);
        let text = Bytes::from_static(b"data: a\n\ndata: b\n\n");
        assert_eq!(Split::Messages.pieces(&text).count(), 1);
        assert_eq!(
            Split::events_of(Framing::BedrockEventStream),
            Split::Messages
        );
        assert_eq!(Split::events_of(Framing::Sse), Split::Events);
        let bytes = Pacing::bytes(NonZeroUsize::new(3).unwrap());
        assert_eq!(bytes.for_framing(Framing::BedrockEventStream), bytes);
        assert_eq!(
            Pacing::events()
                .for_framing(Framing::BedrockEventStream)
                .split,
            Split::Messages
        );
    }

    #[test]
    fn fixed_size_pieces() {
        let pieces: Vec<Bytes> = Split::Bytes(NonZeroUsize::new(4).unwrap())
            .pieces(&Bytes::from_static(b"0123456789"))
            .collect();
        assert_eq!(pieces, ["0123", "4567", "89"]);
    }
}
