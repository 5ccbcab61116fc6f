//! [`ChunkStream`]: a provider's response body, read as it arrives and normalized.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use http_body::Body;
use hyper::body::Incoming;
use llm_sse_core::{Normalizer, Provider, StreamChunk, StreamError, StreamErrorKind};
use tokio::time::{Instant, Sleep};

use super::connect::{describe, seconds};

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
    provider: Provider,
    retries: u32,
    normalizer: Normalizer,
    /// The response body until it ends, fails or times out.
    body: Option<Incoming>,
    idle_timeout: Duration,
    /// When body bytes last arrived.
    last_bytes: Instant,
    /// Fires at the earliest moment the idle timeout can have passed; moved on lazily, only
    /// when it fires, so receiving bytes costs no timer update.
    idle: Pin<Box<Sleep>>,
}

impl fmt::Debug for ChunkStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkStream")
            .field("provider", &self.provider)
            .field("retries", &self.retries)
            .field("reading", &self.body.is_some())
            .field("drained", &self.normalizer.is_drained())
            .finish_non_exhaustive()
    }
}

/// How waiting for the first body bytes ended.
// Made once per attempt and moved once: boxing the stream would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub(super) enum FirstBytes {
    /// Bytes arrived (or the body ended, or the idle timeout passed: the stream says so).
    Stream(ChunkStream),
    /// The connection failed before any byte of the body: the attempt may be retried.
    Failed(String),
}

impl ChunkStream {
    /// A stream over `body` of `provider`'s response.
    pub(super) fn new(
        provider: Provider,
        retries: u32,
        body: Incoming,
        idle_timeout: Duration,
    ) -> ChunkStream {
        let now = Instant::now();
        ChunkStream {
            provider,
            retries,
            normalizer: Normalizer::new(provider),
            body: Some(body),
            idle_timeout,
            last_bytes: now,
            idle: Box::pin(tokio::time::sleep_until(deadline(now, idle_timeout))),
        }
    }

    /// Waits for the first bytes of the body (within the idle timeout). A failure before them
    /// is [`FirstBytes::Failed`], which the caller may retry; anything else is the stream.
    pub(super) async fn first_bytes(mut self) -> FirstBytes {
        let failed = poll_fn(|cx| {
            loop {
                let Some(body) = self.body.as_mut() else {
                    return Poll::Ready(None);
                };
                match Pin::new(body).poll_frame(cx) {
                    Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(describe(&e))),
                    Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                        Ok(data) if !data.is_empty() => {
                            self.normalizer.feed(&data);
                            self.last_bytes = Instant::now();
                            return Poll::Ready(None);
                        }
                        // An empty data frame, or trailers: keep waiting.
                        _ => {}
                    },
                    Poll::Ready(None) => {
                        self.end();
                        return Poll::Ready(None);
                    }
                    Poll::Pending => {
                        self.poll_idle(cx);
                        return if self.normalizer.is_closed() {
                            Poll::Ready(None)
                        } else {
                            Poll::Pending
                        };
                    }
                }
            }
        })
        .await;
        match failed {
            Some(message) => FirstBytes::Failed(message),
            None => FirstBytes::Stream(self),
        }
    }

    /// The provider this stream comes from.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// How many times the request was retried before this stream started (0 when the first
    /// attempt succeeded).
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The next chunk; `None` after the terminal chunk.
    pub async fn next_chunk(&mut self) -> Option<StreamChunk> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The body ended cleanly.
    fn end(&mut self) {
        self.body = None;
        self.normalizer.finish();
    }

    /// The stream fails with `kind`; the connection is closed (the body dropped mid-way).
    fn fail(&mut self, kind: StreamErrorKind, message: String) {
        self.body = None;
        self.normalizer.fail(StreamError::new(kind, message));
    }

    /// Checks the idle timer (registering the waker when it has not fired), and fails the
    /// stream when the idle timeout has passed since the last bytes.
    fn poll_idle(&mut self, cx: &mut Context<'_>) {
        loop {
            if self.idle.as_mut().poll(cx).is_pending() {
                return;
            }
            let due = deadline(self.last_bytes, self.idle_timeout);
            if Instant::now() >= due {
                let message = format!(
                    "no data from the provider for {}",
                    seconds(self.idle_timeout)
                );
                self.fail(StreamErrorKind::IdleTimeout, message);
                return;
            }
            // Bytes arrived since the timer was set: wait for the new deadline.
            self.idle.as_mut().reset(due);
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
async fn drain(mut body: Incoming) {
    let reading = async {
        let mut read = 0usize;
        while read <= DRAIN_BYTES {
            match poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
                Some(Ok(frame)) => {
                    read += frame.data_ref().map_or(0, |d| d.len());
                }
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
            if let Some(chunk) = this.normalizer.next_chunk() {
                if chunk.is_done() {
                    this.release_body();
                }
                return Poll::Ready(Some(chunk));
            }
            if this.normalizer.is_closed() {
                // The terminal chunk has been handed out: nothing follows it.
                this.release_body();
                return Poll::Ready(None);
            }
            let Some(body) = this.body.as_mut() else {
                // Unreachable: without a body the input has ended (`is_closed`).
                this.normalizer.finish();
                continue;
            };
            match Pin::new(body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        this.normalizer.feed(&data);
                        this.last_bytes = Instant::now();
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    let message =
                        format!("the connection to the provider failed: {}", describe(&e));
                    this.fail(StreamErrorKind::ConnectionError, message);
                }
                Poll::Ready(None) => this.end(),
                Poll::Pending => {
                    this.poll_idle(cx);
                    if !this.normalizer.is_closed() {
                        return Poll::Pending;
                    }
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.normalizer.is_drained() {
            (0, Some(0))
        } else {
            (1, None)
        }
    }
}
