//! Resumable streams: where their events are kept ([`ResumeStore`]: in memory, or Redis), the
//! task that reads the upstream to its end whoever is reading ([`pump`]), and the readers.
//!
//! A resumable stream's upstream is owned by a task of its own, which writes every event
//! (stamped by [`Sequencer`]) into the store; the client that asked for the stream is only its
//! first reader. When the last reader leaves, the task goes on to the end of the upstream, so
//! a client that comes back (`GET /v1/streams/{id}`) gets the rest without a second call.

mod ledger;
mod log;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use llm_sse_core::Provider;
use llm_sse_core::gateway::Ending;
use llm_sse_core::resume::Sequencer;
use tokio::sync::{mpsc, watch};

pub(crate) use log::{Log, Read};
use memory::MemoryStore;

use super::access::Access;
use super::shared::Abort;
use super::upstream::UpstreamStream;

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The default bound of the in-memory store: 256 MiB of events (`llm-sse serve
/// --resume-max-bytes`).
pub const DEFAULT_RESUME_MAX_BYTES: usize = 256 << 20;

/// How long a stream is kept after it ended, by default: 10 minutes (`llm-sse serve
/// --resume-ttl`).
pub const DEFAULT_RESUME_TTL: Duration = Duration::from_secs(600);

/// Where a stream's reader reads from.
pub(crate) enum Source {
    /// A stream in this process's memory, after `after` events.
    Local { log: Arc<Log>, after: u64 },
    /// A stream read from a shared store by a task of its own.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Remote {
        provider: Provider,
        events: mpsc::Receiver<Remote>,
    },
}

/// What the task reading a shared store hands its reader.
#[derive(Debug)]
pub(crate) enum Remote {
    /// The next events, whole.
    Events(bytes::Bytes),
    /// Every event was read.
    End,
    /// The stream cannot be read to its end.
    Lost(Ending),
}

/// Why a stream cannot be resumed.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// No such stream (unknown, expired or dropped).
    NotFound,
    /// The client says it has more events than the stream holds.
    Beyond { have: u64 },
    /// The store cannot be reached (the message never holds credentials).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Unavailable(String),
}

/// The two stores behind [`ResumeStore`].
pub(crate) trait Backend: Send + Sync + 'static {
    /// A new live stream `id` of `provider`: the log its writer appends to. Returns once
    /// another gateway instance could resume it. A task the store starts for the stream is
    /// counted in `detached`, so that the shutdown waits for it.
    fn create<'a>(
        &'a self,
        id: &'a str,
        provider: Provider,
        detached: &'a Detached,
    ) -> BoxFuture<'a, Arc<Log>>;
    /// Appends one event to the stream of `log`.
    fn append(&self, log: &Arc<Log>, event: &[u8]);
    /// The stream of `log` has its last event.
    fn finish(&self, log: &Arc<Log>);
    /// A reader of stream `id` after its first `after` events.
    fn open<'a>(&'a self, id: &'a str, after: u64) -> BoxFuture<'a, Result<Source, OpenError>>;
    /// What the store is, for logs (no credentials).
    fn describe(&self) -> String;
}

/// Where the gateway keeps the events of resumable streams: in this process's memory (the
/// default), or in Redis, so that any gateway instance behind a load balancer resumes any
/// stream. See [Resumable streams](super#resumable-streams).
#[derive(Clone)]
pub struct ResumeStore {
    pub(crate) backend: Arc<dyn Backend>,
}

impl fmt::Debug for ResumeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResumeStore")
            .field(&self.backend.describe())
            .finish()
    }
}

impl Default for ResumeStore {
    fn default() -> Self {
        ResumeStore::memory(DEFAULT_RESUME_MAX_BYTES, DEFAULT_RESUME_TTL)
    }
}

impl ResumeStore {
    /// Streams in memory: at most about `max_bytes` of events (and bookkeeping), each kept for
    /// `ttl` after it ended. Over the bound, finished streams are dropped first, oldest first;
    /// then live streams, largest first, whose readers end with an error frame (never a gap).
    pub fn memory(max_bytes: usize, ttl: Duration) -> ResumeStore {
        ResumeStore {
            backend: Arc::new(MemoryStore::new(max_bytes, ttl)),
        }
    }

    /// Streams in Redis at `url` (`redis://HOST:PORT[/DB]`, a password as
    /// `redis://:PASSWORD@HOST:PORT`; Redis 6.2 or later), each kept for `ttl` after it ended.
    /// The streams this instance writes are also held in its memory while they are live (at
    /// most about `max_live_bytes`), so that their readers here never wait for Redis.
    ///
    /// Connects and checks the server with `PING`.
    ///
    /// # Errors
    ///
    /// When the URL is not a Redis URL or the server cannot be reached.
    #[cfg(feature = "redis")]
    pub async fn redis(
        url: &str,
        ttl: Duration,
        max_live_bytes: usize,
    ) -> Result<ResumeStore, StoreError> {
        let store = redis::RedisStore::connect(url, ttl, max_live_bytes).await?;
        Ok(ResumeStore {
            backend: Arc::new(Arc::new(store)),
        })
    }
}

/// Why a [`ResumeStore`] could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    /// The store, credentials left out: `redis://127.0.0.1:6379/0`.
    pub store: String,
    /// Why.
    pub reason: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot use the stream store {}: {}",
            self.store, self.reason
        )
    }
}

impl std::error::Error for StoreError {}

/// A new stream id: 32 hex digits from the system's random numbers (a stream id is all it
/// takes to read a stream, so it must not be guessable).
pub(crate) fn new_stream_id() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        // The system has no random numbers to give: fall back on the request ids' generator.
        return super::access::unique_id();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Counts the tasks that own a resumable stream's upstream, so that the shutdown waits for
/// them as it waits for connections.
#[derive(Debug, Clone)]
pub(crate) struct Detached(watch::Sender<usize>);

impl Detached {
    pub(crate) fn new() -> Detached {
        Detached(watch::Sender::new(0))
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<usize> {
        self.0.subscribe()
    }

    pub(crate) fn enter(&self) -> DetachedGuard {
        self.0.send_modify(|n| *n += 1);
        DetachedGuard(self.0.clone())
    }
}

/// One counted task; dropped when it ends.
pub(crate) struct DetachedGuard(watch::Sender<usize>);

impl Drop for DetachedGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Everything the task of one resumable stream needs.
pub(crate) struct Pump {
    pub(crate) store: Arc<dyn Backend>,
    pub(crate) log: Arc<Log>,
    pub(crate) upstream: Pin<Box<dyn UpstreamStream>>,
    pub(crate) sequencer: Sequencer,
    pub(crate) abort: Abort,
    pub(crate) access: Access,
}

impl Pump {
    /// Runs the task on the current runtime.
    pub(crate) fn spawn(self, detached: &Detached) {
        let guard = detached.enter();
        tokio::spawn(async move {
            self.run().await;
            drop(guard);
        });
    }

    /// Reads the upstream to its end, writing each event into the store; ends it early (through
    /// the upstream, keeping what arrived) when the gateway's shutdown grace runs out, and
    /// drops it when the store dropped the stream.
    async fn run(mut self) {
        let provider = self.log.provider;
        let mut aborted = false;
        let mut since_yield = 0u32;
        loop {
            // An upstream that is always ready (a replay, a fast local server) would keep this
            // task from ever letting others run.
            since_yield += 1;
            if since_yield == 64 {
                since_yield = 0;
                tokio::task::yield_now().await;
            }
            if self.log.is_dropped() {
                return; // dropped from the store: nobody can read it any more
            }
            let upstream = &mut self.upstream;
            let next = if aborted {
                // What the upstream has decoded, then its terminal chunk; an upstream that does
                // not end when aborted is not waited for.
                poll_fn(|cx| match upstream.as_mut().poll_next(cx) {
                    Poll::Pending => Poll::Ready(Some(Ending::ShutDown.terminal(provider))),
                    ready => ready,
                })
                .await
            } else {
                tokio::select! {
                    next = poll_fn(|cx| upstream.as_mut().poll_next(cx)) => next,
                    () = &mut self.abort => {
                        aborted = true;
                        upstream.as_mut().abort(Ending::ShutDown.error());
                        continue;
                    }
                }
            };
            let chunk = next.unwrap_or_else(|| {
                if aborted {
                    Ending::ShutDown.terminal(provider)
                } else {
                    Ending::UpstreamEnded.terminal(provider)
                }
            });
            self.access.chunk(&chunk);
            self.sequencer.push(&chunk);
            while let Some(frame) = self.sequencer.next_frame() {
                self.store.append(&self.log, frame.event());
            }
            if chunk.is_done() {
                self.store.finish(&self.log);
                return;
            }
        }
    }
}
