//! [`ChunkStream`]: a provider's response body, read as it arrives and normalized.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use llm_sse_core::client::Streaming;
use llm_sse_core::{Provider, StreamChunk, StreamError};
use tokio::time::Instant;

use super::body::ResponseBody;
use crate::deadline::Deadline;

/// After the terminal chunk, the rest of a body (normally just its end) is read in the
/// background for at most this long, so that its connection can go back to the pool.
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// ... and at most this many bytes of it.
const DRAIN_BYTES: usize = 64 * 1024;

/// The normalized stream of one call: [`StreamChunk`]s as the provider's bytes arrive, ending
/// with exactly one terminal chunk ([`StreamChunk::Done`]), then `None`.
///
/// Returned by [`Client::stream`](crate::Client::stream) once the provider has answered `200`
/// with an event stream and sent its first bytes. Every failure from then on ends the stream
/// with an error terminal chunk, after every chunk that arrived before it:
///
/// - the connection breaks: `connection_error`;
/// - no bytes arrive for the idle timeout ([`Settings::idle_timeout`](crate::Settings)):
///   `idle_timeout`;
/// - the provider reports an error in the stream (Anthropic's `error` event, say): its own
///   error type, such as `overloaded_error`;
/// - the body ends before the provider's protocol completed: `incomplete_stream`.
///
/// It is a [`futures_core::Stream`] (`Unpin` and `Send`), and
/// [`next_chunk`](ChunkStream::next_chunk) reads it without any stream extension trait.
///
/// Dropping it before its end closes the provider connection at once (on HTTP/2, resets the
/// stream), so the provider stops generating; a connection is never returned to the pool in
/// the middle of a body. After the terminal chunk, the rest of the body (normally just its end)
/// is read in the background for up to a second, so that the connection can be reused.
pub struct ChunkStream {
    /// The core's stream: what the bytes mean, and every ending's message.
    stream: Streaming,
    /// The response body until it ends, fails or times out.
    body: Option<ResponseBody>,
    /// When body bytes last arrived.
    last_bytes: Instant,
    /// The earliest moment the idle timeout can have passed; moved on lazily, only when it
    /// comes, so receiving bytes costs no timer update.
    idle: Deadline,
}

impl fmt::Debug for ChunkStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkStream")
            .field("provider", &self.stream.provider())
            .field("retries", &self.stream.retries())
            .field("reading", &self.body.is_some())
            .field("drained", &self.stream.is_drained())
            .finish_non_exhaustive()
    }
}

/// How waiting for the first body bytes ended.
pub(super) enum First {
    /// Bytes arrived; the body goes on.
    Bytes(Vec<u8>, ResponseBody),
    /// The body ended before any byte.
    End,
    /// No byte within the idle timeout.
    Idle,
    /// The connection failed before any byte of the body.
    Failed(String),
}

/// Waits for the first bytes of `body`, within `idle_timeout`.
pub(super) async fn first_bytes(mut body: ResponseBody, idle_timeout: Duration) -> First {
    let mut first = Vec::new();
    let waiting = async {
        while first.is_empty() {
            let mut keep = |data: &[u8]| first.extend_from_slice(data);
            match poll_fn(|cx| body.poll_feed(cx, &mut keep)).await {
                Some(Ok(())) => {}
                Some(Err(message)) => return Err(message),
                None => return Ok(false),
            }
        }
        Ok(true)
    };
    match tokio::time::timeout(idle_timeout, waiting).await {
        Err(_) => First::Idle,
        Ok(Ok(true)) => First::Bytes(first, body),
        Ok(Ok(false)) => First::End,
        Ok(Err(message)) => First::Failed(message),
    }
}

impl ChunkStream {
    /// A started stream over the rest of `body` (`None`: the stream has already ended).
    pub(super) fn new(stream: Streaming, body: Option<ResponseBody>) -> ChunkStream {
        let now = Instant::now();
        let idle_timeout = stream.idle_timeout_limit();
        ChunkStream {
            stream,
            body,
            last_bytes: now,
            idle: Deadline::new(deadline(now, idle_timeout)),
        }
    }

    /// The provider this stream comes from.
    pub fn provider(&self) -> Provider {
        self.stream.provider()
    }

    /// How many times the request was retried before this stream started (0 when the first
    /// attempt succeeded).
    pub fn retries(&self) -> u32 {
        self.stream.retries()
    }

    /// The next chunk; `None` after the terminal chunk.
    pub async fn next_chunk(&mut self) -> Option<StreamChunk> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Ends the stream now with `error` (the caller gives up on it, as a gateway shutting
    /// down does): the next chunk is the terminal chunk, which keeps the id, model, usage and
    /// provider finish reason that arrived. The connection is closed.
    pub fn abort(&mut self, error: StreamError) {
        self.body = None;
        self.stream.abort(error);
    }

    /// The body ended cleanly.
    fn end(&mut self) {
        self.body = None;
        self.stream.end();
    }

    /// Checks the idle timer (registering the waker when it has not fired), and fails the
    /// stream when the idle timeout has passed since the last bytes.
    fn poll_idle(&mut self, cx: &mut Context<'_>) {
        loop {
            if self.idle.poll_due(cx).is_pending() {
                return;
            }
            let due = deadline(self.last_bytes, self.stream.idle_timeout_limit());
            if Instant::now() >= due {
                self.body = None;
                self.stream.idle_timeout();
                return;
            }
            // Bytes arrived since the timer was set: wait for the new deadline.
            self.idle.reset(due);
        }
    }

    /// After the terminal chunk: hands the rest of the body to a background task that reads it
    /// to its end (bounded), so the connection can be reused; or drops it when there is no
    /// runtime to run that task.
    fn release_body(&mut self) {
        let Some(body) = self.body.take() else {
            return;
        };
        if body.is_end_stream() {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(drain(body));
        }
    }
}

/// `from + timeout`, or far in the future when that overflows.
fn deadline(from: Instant, timeout: Duration) -> Instant {
    from.checked_add(timeout)
        .unwrap_or_else(|| from + Duration::from_secs(86_400 * 365 * 30))
}

/// Reads what is left of a body after its stream ended, at most [`DRAIN_BYTES`] within
/// [`DRAIN_TIME`]; the body is dropped after, which returns a finished connection to the pool
/// and closes any other.
async fn drain(mut body: ResponseBody) {
    let reading = async {
        let mut read = 0usize;
        while read <= DRAIN_BYTES {
            let mut count = |data: &[u8]| read += data.len();
            match poll_fn(|cx| body.poll_feed(cx, &mut count)).await {
                Some(Ok(())) => {}
                _ => return,
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, reading).await;
}

impl Stream for ChunkStream {
    type Item = StreamChunk;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<StreamChunk>> {
        let this = &mut *self;
        loop {
            if let Some(chunk) = this.stream.next_chunk() {
                if chunk.is_done() {
                    this.release_body();
                }
                return Poll::Ready(Some(chunk));
            }
            if this.stream.is_closed() {
                // The terminal chunk has been handed out: nothing follows it.
                this.release_body();
                return Poll::Ready(None);
            }
            let Some(body) = this.body.as_mut() else {
                // Unreachable: without a body the input has ended (`is_closed`).
                this.stream.end();
                continue;
            };
            let stream = &mut this.stream;
            match body.poll_feed(cx, &mut |data| stream.feed(data)) {
                Poll::Ready(Some(Ok(()))) => this.last_bytes = Instant::now(),
                Poll::Ready(Some(Err(message))) => {
                    this.body = None;
                    this.stream.connection_lost(&message);
                }
                Poll::Ready(None) => this.end(),
                Poll::Pending => {
                    this.poll_idle(cx);
                    if !this.stream.is_closed() {
                        return Poll::Pending;
                    }
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.stream.is_drained() {
            (0, Some(0))
        } else {
            (1, None)
        }
    }
}
