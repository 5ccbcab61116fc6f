//! The mock's response bodies: a whole error body, or a paced recording that may end in a
//! fault (a cut connection or a stall) instead of its clean end.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::Notify;

use super::log::ResponseGuard;
use super::pacing::PacedBody;

/// How a streamed response ends instead of its clean end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fault {
    /// After this many body bytes, drop the connection (no final chunk).
    Cut(usize),
    /// After this many body bytes, send nothing more and keep the connection open.
    Stall(usize),
}

impl Fault {
    fn after(self) -> usize {
        match self {
            Fault::Cut(n) | Fault::Stall(n) => n,
        }
    }
}

/// Asks a connection to be dropped once everything written so far has been flushed.
///
/// The body arms it after its last byte; the connection's I/O fires it on the next flush that
/// follows (by then hyper has written its whole buffer, including that byte), and the task
/// serving the connection drops it. The peer sees the bytes, then the connection closing in the
/// middle of the body.
#[derive(Debug, Default)]
pub(super) struct CutSignal {
    armed: AtomicBool,
    pub(super) fired: Notify,
}

impl CutSignal {
    fn arm(&self) {
        self.armed.store(true, Ordering::Release);
    }

    /// Called by the I/O after a successful flush.
    pub(super) fn flushed(&self) {
        if self.armed.load(Ordering::Acquire) {
            self.fired.notify_one();
        }
    }
}

/// A mock response body. Dropping it (after its end, or when the connection goes away)
/// records the time on the request's log entry.
#[derive(Debug)]
pub(super) struct MockBody {
    kind: Kind,
    _guard: Option<ResponseGuard>,
}

#[derive(Debug)]
enum Kind {
    Whole(Option<Bytes>),
    Stream(StreamBody),
}

#[derive(Debug)]
struct StreamBody {
    paced: PacedBody,
    fault: Option<Fault>,
    cut: Arc<CutSignal>,
    sent: usize,
    /// The fault has happened: nothing more is ever sent.
    faulted: bool,
}

impl MockBody {
    /// A whole body sent at once (with its length).
    pub(super) fn whole(bytes: Bytes, guard: Option<ResponseGuard>) -> Self {
        MockBody {
            kind: Kind::Whole(Some(bytes)),
            _guard: guard,
        }
    }

    /// A paced recording, ending in `fault` when there is one.
    pub(super) fn stream(
        paced: PacedBody,
        fault: Option<Fault>,
        cut: Arc<CutSignal>,
        guard: Option<ResponseGuard>,
    ) -> Self {
        MockBody {
            kind: Kind::Stream(StreamBody {
                paced,
                fault,
                cut,
                sent: 0,
                faulted: false,
            }),
            _guard: guard,
        }
    }
}

impl StreamBody {
    fn fail(&mut self) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(Fault::Cut(_)) = self.fault {
            self.cut.arm();
        }
        self.faulted = true;
        // Never ready again: a stalled body stays silent until the peer goes away, and a cut
        // body's connection is about to be dropped.
        Poll::Pending
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.faulted {
            return Poll::Pending;
        }
        let limit = self.fault.map(Fault::after);
        if limit.is_some_and(|n| self.sent >= n) {
            return self.fail();
        }
        match ready!(Pin::new(&mut self.paced).poll_frame(cx)) {
            None if self.fault.is_some() => self.fail(),
            None => Poll::Ready(None),
            Some(Ok(frame)) => {
                let mut data = frame.into_data().unwrap_or_default();
                if let Some(n) = limit {
                    data.truncate(n - self.sent);
                }
                self.sent += data.len();
                Poll::Ready(Some(Ok(Frame::data(data))))
            }
        }
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut self.kind {
            Kind::Whole(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Kind::Stream(stream) => stream.poll(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Whole(bytes) => bytes.is_none(),
            Kind::Stream(stream) => stream.fault.is_none() && stream.paced.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Whole(Some(bytes)) => SizeHint::with_exact(bytes.len() as u64),
            Kind::Whole(None) => SizeHint::with_exact(0),
            // Unknown, so that HTTP/1.1 sends it chunked.
            Kind::Stream(_) => SizeHint::default(),
        }
    }
}
