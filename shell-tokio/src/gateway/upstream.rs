//! The seam between the gateway and whatever produces chunks: [`Upstream`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use futures_core::Stream;
use llm_sse_core::client::ProviderError;
use llm_sse_core::request::ValidRequest;
use llm_sse_core::{StreamChunk, StreamError};

/// The normalized stream of one upstream call: [`StreamChunk`]s as they are decoded, ending
/// with exactly one [`StreamChunk::Done`], which the gateway can end early, keeping what
/// arrived.
///
/// The provider client's [`ChunkStream`](crate::ChunkStream) is one; so is the stream of a
/// [`ReplayUpstream`](super::ReplayUpstream), and any `Pin<Box<S>>` of one.
pub trait UpstreamStream: Stream<Item = StreamChunk> + Send {
    /// Ends the stream now with `error` (the gateway is shutting down): the next items are the
    /// chunks already decoded, then the terminal chunk, carrying `error` and the id, model,
    /// usage and provider finish reason known so far; then `None`. The upstream connection is
    /// closed. Nothing happens once the terminal chunk has been yielded.
    ///
    /// Should a stream yield nothing more after `abort` (or `None` without a terminal chunk),
    /// the gateway writes the terminal frame itself, with only `error`.
    fn abort(self: Pin<&mut Self>, error: StreamError);
}

impl<S: UpstreamStream + ?Sized> UpstreamStream for Pin<Box<S>> {
    fn abort(self: Pin<&mut Self>, error: StreamError) {
        self.get_mut().as_mut().abort(error);
    }
}

/// What [`Upstream::open`] returns.
pub type OpenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Upstreamed, ProviderError>> + Send + 'a>>;

/// Where the gateway's chunks come from: the provider client, recordings (`--mock`), or a test's
/// own source.
///
/// The gateway calls [`open`](Upstream::open) once per request, after it has parsed and
/// validated the body (a [`ValidRequest`] says so by its type). An implementation must keep this contract, on which the gateway's
/// guarantees rest:
///
/// - **Errors before the stream** are `Err(ProviderError)`, which the gateway answers with an
///   HTTP status ([`ErrorAnswer`](crate::core::gateway::ErrorAnswer)). Once `Ok` is returned,
///   every failure is an error terminal chunk in the stream.
/// - **Pulled, not pushed**: the stream reads the upstream only when it is polled, and holds at
///   most one read's worth of bytes, so a slow client slows the upstream down instead of
///   filling memory. (The gateway polls it only when the client's connection can take more.)
/// - **Dropping it cancels**: dropping the stream (or the future of `open`) drops the upstream
///   request and its connection at once. The gateway drops it as soon as the client goes away.
/// - **It ends with one terminal chunk**: the gateway stops polling after it. A stream that ends
///   without one is ended by the gateway with an `incomplete_stream` error terminal frame
///   ([`Ending::UpstreamEnded`](crate::core::gateway::Ending)).
/// - **It can be ended early** ([`UpstreamStream::abort`]): at shutdown the gateway ends open
///   streams through it, so that their terminal frames keep what arrived.
///
/// ```
/// use futures_core::Stream;
/// use llm_sse_tokio::core::request::ValidRequest;
/// use llm_sse_tokio::core::{Finish, FinishReason, StreamChunk, StreamError};
/// use llm_sse_tokio::gateway::{OpenFuture, Upstream, UpstreamStream, Upstreamed};
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
///
/// /// Answers every request with the model's name, then a normal end.
/// struct Echo;
///
/// struct Chunks(Vec<StreamChunk>);
///
/// impl Stream for Chunks {
///     type Item = StreamChunk;
///     fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<StreamChunk>> {
///         Poll::Ready(if self.0.is_empty() { None } else { Some(self.0.remove(0)) })
///     }
/// }
///
/// impl UpstreamStream for Chunks {
///     fn abort(mut self: Pin<&mut Self>, error: StreamError) {
///         // Everything is already here: the terminal chunk becomes the error.
///         if let Some(StreamChunk::Done(finish)) = self.0.last_mut() {
///             finish.outcome = Err(error);
///         }
///     }
/// }
///
/// impl Upstream for Echo {
///     fn open(&self, request: ValidRequest) -> OpenFuture<'_> {
///         Box::pin(async move {
///             let done = Finish {
///                 provider: request.provider(),
///                 id: None,
///                 model: Some(request.model.clone()),
///                 outcome: Ok(FinishReason::Stop),
///                 provider_finish_reason: None,
///                 usage: None,
///             };
///             let chunks = vec![StreamChunk::Token(request.model.clone()), StreamChunk::Done(Box::new(done))];
///             Ok(Upstreamed::new(Chunks(chunks)))
///         })
///     }
/// }
/// ```
pub trait Upstream: Send + Sync + 'static {
    /// Starts a streaming call of `request` (validated for its provider).
    fn open(&self, request: ValidRequest) -> OpenFuture<'_>;
}

/// A call whose stream has started: its chunks, and how many retries it took to start.
#[non_exhaustive]
pub struct Upstreamed {
    /// The chunks.
    pub chunks: Pin<Box<dyn UpstreamStream>>,
    /// How many times the request was retried before this stream started (counted in the
    /// `llm_sse_upstream_retries_total` metric).
    pub retries: u32,
}

impl Upstreamed {
    /// A started stream that took no retries.
    pub fn new(chunks: impl UpstreamStream + 'static) -> Self {
        Upstreamed {
            chunks: Box::pin(chunks),
            retries: 0,
        }
    }

    /// The same stream, having taken `retries` retries to start.
    #[must_use]
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }
}

impl fmt::Debug for Upstreamed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstreamed")
            .field("retries", &self.retries)
            .finish_non_exhaustive()
    }
}
