//! The gateway's response bodies: a whole (error) body, or a stream pulled from the upstream
//! only when the connection asks for more, written as the normalized frames or in a client's
//! dialect.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use llm_sse_core::gateway::Ending;
use llm_sse_core::{Encoding, Provider, StreamChunk};
use tokio::time::Instant;

use super::access::Access;
use super::resume::{Read, Remote, Source};
use super::shared::Abort;
use super::upstream::UpstreamStream;
use crate::deadline::Deadline;

/// A response body of the gateway.
pub struct GatewayBody {
    kind: Kind,
}

enum Kind {
    Whole(Option<Bytes>),
    Stream(Box<FrameStream>),
    Resume(Box<ResumeReader>),
}

impl GatewayBody {
    /// A whole body, sent at once.
    pub(super) fn whole(bytes: impl Into<Bytes>) -> Self {
        GatewayBody {
            kind: Kind::Whole(Some(bytes.into())),
        }
    }

    /// An empty body.
    pub(super) fn empty() -> Self {
        GatewayBody {
            kind: Kind::Whole(None),
        }
    }

    /// The chunks of `upstream` written as `encoding` says, with a keep-alive after
    /// `keep_alive` without output, ended by `abort` with an error terminal chunk. The body
    /// owns the upstream: dropping it (the client went away) drops the upstream request.
    pub(super) fn stream(
        provider: Provider,
        upstream: Pin<Box<dyn UpstreamStream>>,
        encoding: Encoding,
        keep_alive: Duration,
        abort: Abort,
        access: Access,
    ) -> Self {
        GatewayBody {
            kind: Kind::Stream(Box::new(FrameStream {
                provider,
                encoding,
                upstream: Some(upstream),
                keep_alive,
                last_frame: Instant::now(),
                quiet: Deadline::after(keep_alive),
                abort,
                aborted: false,
                done: false,
                first_frame_noted: false,
                access,
            })),
        }
    }

    /// A reader of a resumable stream: the events of `source`, a keep-alive after
    /// `keep_alive` without output; a reader of a shared store is ended by `abort` with an
    /// error terminal frame (a stream of this process is ended by its own task). `access`
    /// (a resume request's) is logged when the body ends.
    pub(super) fn resume(
        source: Source,
        keep_alive: Duration,
        abort: Abort,
        access: Option<Access>,
    ) -> Self {
        let (provider, source) = match source {
            Source::Local { log, after } => {
                let reader = log.reader();
                (log.provider, ReaderSource::Local { log, after, reader })
            }
            Source::Remote { provider, events } => (provider, ReaderSource::Remote(events)),
        };
        GatewayBody {
            kind: Kind::Resume(Box::new(ResumeReader {
                provider,
                source,
                keep_alive,
                last_frame: Instant::now(),
                quiet: Deadline::after(keep_alive),
                abort: Some(abort),
                done: false,
                _access: access,
            })),
        }
    }
}

impl GatewayBody {
    /// Appends the next piece of the body to `out`: `Ready(true)` when it did, `Ready(false)`
    /// at the end of the body. The gateway's own HTTP/1.1 connections write a stream's frames
    /// straight into their write buffer with it.
    pub(super) fn poll_into(&mut self, cx: &mut Context<'_>, out: &mut Vec<u8>) -> Poll<bool> {
        match &mut self.kind {
            Kind::Whole(bytes) => Poll::Ready(bytes.take().is_some_and(|bytes| {
                out.extend_from_slice(&bytes);
                !bytes.is_empty()
            })),
            Kind::Stream(stream) => stream.poll_into(cx, out),
            Kind::Resume(reader) => reader.poll_into(cx, out),
        }
    }

    /// The body's length when it is known before it is read (a whole body).
    pub(super) fn known_length(&self) -> Option<usize> {
        match &self.kind {
            Kind::Whole(bytes) => Some(bytes.as_ref().map_or(0, Bytes::len)),
            Kind::Stream(_) | Kind::Resume(_) => None,
        }
    }
}

impl std::fmt::Debug for GatewayBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Whole(bytes) => f.debug_tuple("Whole").field(bytes).finish(),
            Kind::Stream(s) => f.debug_struct("Stream").field("done", &s.done).finish(),
            Kind::Resume(r) => f.debug_struct("Resume").field("done", &r.done).finish(),
        }
    }
}

/// A reader of a resumable stream.
struct ResumeReader {
    provider: Provider,
    source: ReaderSource,
    keep_alive: Duration,
    last_frame: Instant,
    quiet: Deadline,
    /// `None` once it has fired.
    abort: Option<Abort>,
    done: bool,
    _access: Option<Access>,
}

enum ReaderSource {
    /// A stream in this process: the events after `after`.
    Local {
        log: std::sync::Arc<super::resume::Log>,
        after: u64,
        reader: u64,
    },
    /// A stream read from a shared store by a task of its own.
    Remote(tokio::sync::mpsc::Receiver<Remote>),
}

impl Drop for ReaderSource {
    fn drop(&mut self) {
        if let ReaderSource::Local { log, reader, .. } = self {
            log.leave(*reader);
        }
    }
}

impl ResumeReader {
    /// The error terminal frame (and `[DONE]`) of a stream that cannot be read to its end.
    /// Not numbered: the stream's own events are the only ones with ids.
    fn lost(&mut self, ending: Ending, out: &mut Vec<u8>) -> Poll<bool> {
        self.done = true;
        Encoding::frames().push(&ending.terminal(self.provider), out);
        Poll::Ready(true)
    }

    /// Appends the next events to `out`: `Ready(true)` when it did, `Ready(false)` at the end.
    fn poll_into(&mut self, cx: &mut Context<'_>, out: &mut Vec<u8>) -> Poll<bool> {
        if self.done {
            return Poll::Ready(false);
        }
        let read = match &mut self.source {
            ReaderSource::Local { log, after, reader } => {
                match log.poll_read(*after, *reader, false, cx) {
                    Poll::Ready(Read::Events(bytes, last)) => {
                        *after = last;
                        Poll::Ready(Remote::Events(bytes))
                    }
                    Poll::Ready(Read::End) => Poll::Ready(Remote::End),
                    Poll::Ready(Read::Dropped(ending)) => Poll::Ready(Remote::Lost(ending)),
                    Poll::Pending => Poll::Pending,
                }
            }
            ReaderSource::Remote(events) => match events.poll_recv(cx) {
                Poll::Ready(Some(item)) => Poll::Ready(item),
                // The reading task ended without saying how: the stream is lost.
                Poll::Ready(None) => Poll::Ready(Remote::Lost(Ending::StoreLost)),
                Poll::Pending => Poll::Pending,
            },
        };
        match read {
            Poll::Ready(Remote::Events(bytes)) => {
                self.last_frame = Instant::now();
                out.extend_from_slice(&bytes);
                Poll::Ready(true)
            }
            Poll::Ready(Remote::End) => {
                self.done = true;
                Poll::Ready(false)
            }
            Poll::Ready(Remote::Lost(ending)) => self.lost(ending, out),
            Poll::Pending => {
                // A stream of this process is ended by its own task at shutdown; a stream
                // read from a shared store is ended here.
                if matches!(self.source, ReaderSource::Remote(_)) {
                    if let Some(abort) = self.abort.as_mut() {
                        if Pin::new(abort).poll(cx).is_ready() {
                            self.abort = None;
                            return self.lost(Ending::ShutDown, out);
                        }
                    }
                }
                poll_keep_alive(
                    &mut self.quiet,
                    &mut self.last_frame,
                    self.keep_alive,
                    cx,
                    || out.extend_from_slice(llm_sse_core::gateway::KEEP_ALIVE),
                )
            }
        }
    }
}

struct FrameStream {
    provider: Provider,
    encoding: Encoding,
    /// `None` once the terminal chunk was pulled: the upstream is dropped at once.
    upstream: Option<Pin<Box<dyn UpstreamStream>>>,
    keep_alive: Duration,
    /// When the last frame (or keep-alive comment) was sent.
    last_frame: Instant,
    /// Fires at the earliest moment `keep_alive` can have passed without a frame; moved on
    /// lazily, only when it fires, so a frame costs no timer update.
    quiet: Deadline,
    abort: Abort,
    /// The shutdown ended the upstream (through [`UpstreamStream::abort`]): its terminal chunk
    /// is next, and `abort` has completed (it must not be polled again).
    aborted: bool,
    /// The terminal frame was sent.
    done: bool,
    /// A chunk with a frame has been shown to `access`.
    first_frame_noted: bool,
    access: Access,
}

impl FrameStream {
    /// Appends the bytes for `chunk` to `out` (none for chunks that are not written); true
    /// when it appended some.
    fn encode(&mut self, chunk: &StreamChunk, out: &mut Vec<u8>) -> bool {
        // The access log records the first frame and the terminal chunk: once it has the
        // first, the chunks between are not shown to it (its state is one more piece of the
        // stream's memory to miss in the cache per token).
        if !self.first_frame_noted || chunk.is_done() {
            self.access.chunk(chunk);
            self.first_frame_noted |= chunk.has_frame();
        }
        let before = out.len();
        self.encoding.push(chunk, out);
        if chunk.is_done() {
            self.done = true;
            self.upstream = None;
        }
        out.len() > before
    }

    /// Appends the next frame to `out`: `Ready(true)` when it did, `Ready(false)` at the end.
    fn poll_into(&mut self, cx: &mut Context<'_>, out: &mut Vec<u8>) -> Poll<bool> {
        if self.done {
            return Poll::Ready(false);
        }
        loop {
            let Some(upstream) = self.upstream.as_mut() else {
                return Poll::Ready(false);
            };
            match upstream.as_mut().poll_next(cx) {
                Poll::Ready(Some(chunk)) => {
                    if !self.encode(&chunk, out) {
                        continue;
                    }
                    self.last_frame = Instant::now();
                    return Poll::Ready(true);
                }
                Poll::Ready(None) => {
                    // The upstream broke its contract (or ignored the abort): the gateway writes
                    // the terminal frame itself.
                    let ending = if self.aborted {
                        Ending::ShutDown
                    } else {
                        Ending::UpstreamEnded
                    };
                    let chunk = ending.terminal(self.provider);
                    return Poll::Ready(self.encode(&chunk, out));
                }
                Poll::Pending if self.aborted => {
                    // An upstream that does not end when aborted is not waited for.
                    let chunk = Ending::ShutDown.terminal(self.provider);
                    return Poll::Ready(self.encode(&chunk, out));
                }
                // Waiting for the upstream: the moment to look at the shutdown deadline and the
                // keep-alive timer (an upstream that streams keeps returning here between its
                // pieces, so neither costs anything per frame).
                Poll::Pending => {
                    if Pin::new(&mut self.abort).poll(cx).is_ready() {
                        // Ended through the upstream, so that its terminal chunk keeps the id,
                        // model, usage and finish reason that arrived.
                        self.aborted = true;
                        upstream.as_mut().abort(Ending::ShutDown.error());
                        continue;
                    }
                    let encoding = &self.encoding;
                    return poll_keep_alive(
                        &mut self.quiet,
                        &mut self.last_frame,
                        self.keep_alive,
                        cx,
                        || encoding.keepalive(out),
                    );
                }
            }
        }
    }
}

/// A keep-alive comment (appended by `write`) when `keep_alive` has passed since `last_frame`;
/// otherwise `Pending`, with the timer `quiet` set for the earliest moment it can pass.
fn poll_keep_alive(
    quiet: &mut Deadline,
    last_frame: &mut Instant,
    keep_alive: Duration,
    cx: &mut Context<'_>,
    write: impl FnOnce(),
) -> Poll<bool> {
    loop {
        if quiet.poll_due(cx).is_pending() {
            return Poll::Pending;
        }
        let now = Instant::now();
        let due = *last_frame + keep_alive;
        if now >= due {
            *last_frame = now;
            quiet.reset(now + keep_alive);
            write();
            return Poll::Ready(true);
        }
        // Frames went out since the timer was set: wait for the new deadline.
        quiet.reset(due);
    }
}

impl Body for GatewayBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Kind::Whole(bytes) = &mut self.kind {
            return Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b))));
        }
        let mut out = Vec::new();
        self.poll_into(cx, &mut out)
            .map(|more| more.then(|| Ok(Frame::data(Bytes::from(out)))))
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Whole(bytes) => bytes.is_none(),
            Kind::Stream(stream) => stream.done,
            Kind::Resume(reader) => reader.done,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Whole(Some(bytes)) => SizeHint::with_exact(bytes.len() as u64),
            Kind::Whole(None) => SizeHint::with_exact(0),
            Kind::Stream(_) | Kind::Resume(_) => SizeHint::default(),
        }
    }
}
