//! What every connection and request of one server shares: the settings, the upstream, the
//! metrics, and where the server is in its life (the shutdown phases).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use llm_sse_core::gateway::Models;
use prometheus_client::registry::Registry;
use tokio::sync::watch;

use super::auth::Token;
use super::cors::Cors;
use super::metrics::Metrics;
use super::resume::{Detached, ResumeStore};
use super::upstream::Upstream;

/// Where the server is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Phase {
    /// Accepting and serving.
    Running,
    /// Shutting down: no new connections or requests; open streams go on.
    Draining,
    /// The grace period is over: open streams end with an error terminal frame.
    Aborting,
    /// Everything is dropped.
    Stopped,
}

/// The settings that the connections and handlers use.
#[derive(Debug, Clone)]
pub(super) struct Config {
    pub(super) keep_alive: Duration,
    pub(super) header_read_timeout: Duration,
    pub(super) body_read_timeout: Duration,
    pub(super) max_header_size: usize,
}

/// What every connection and request of one server shares.
pub(super) struct Shared {
    pub(super) upstream: Arc<dyn Upstream>,
    /// The model names of the dialect routes.
    pub(super) models: Models,
    /// When the server started, in unix seconds (the model list's `created`).
    pub(super) started_unix: u64,
    pub(super) config: Config,
    pub(super) token: Option<Token>,
    pub(super) cors: Cors,
    pub(super) metrics: Metrics,
    pub(super) registry: Registry,
    pub(super) phase: watch::Receiver<Phase>,
    /// Where resumable streams are kept.
    pub(super) store: ResumeStore,
    /// Whether a stream is resumable when its request does not say.
    pub(super) resumable: bool,
    /// The tasks that own resumable streams' upstreams.
    pub(super) detached: Detached,
}

impl Shared {
    /// A future that resolves when the server starts aborting open streams (or stops).
    pub(super) fn abort(&self) -> Abort {
        Abort {
            aborting: *self.phase.borrow() >= Phase::Aborting,
            watch: PhaseWatch::new(&self.phase),
        }
    }
}

/// The server's phase as seen from a task that is woken often for other reasons (a connection,
/// a stream): looking again costs an atomic load and one poll of a registered waiter while the
/// phase has not moved; the task is woken when it moves.
pub(super) struct PhaseWatch {
    /// Marked as having seen the phase this watch last reported (or the one at its start).
    seen: watch::Receiver<Phase>,
    /// Resolves when the phase moves on from what `seen` has seen. Polled at every look: a
    /// look that skipped it for a task it had already registered sometimes missed a move
    /// (`gateway_cli`'s SIGTERM test, about one run in ten beside the other tests).
    next: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl PhaseWatch {
    /// Watches for moves from [`Phase::Running`]: a server past it already is reported at the
    /// first look.
    pub(super) fn new(phase: &watch::Receiver<Phase>) -> PhaseWatch {
        let mut seen = phase.clone();
        if *seen.borrow() == Phase::Running {
            seen.mark_unchanged();
        } else {
            seen.mark_changed();
        }
        PhaseWatch {
            next: Self::waiter(&seen),
            seen,
        }
    }

    fn waiter(seen: &watch::Receiver<Phase>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let mut phase = seen.clone();
        Box::pin(async move {
            // An error means the server is gone: the next look sees that.
            let _ = phase.changed().await;
        })
    }

    /// `Ready` with the phase when it has moved since the last `Ready` ([`Phase::Stopped`]
    /// when the server is gone); otherwise `Pending`, and the task is woken when it moves.
    pub(super) fn poll_change(&mut self, cx: &mut Context<'_>) -> Poll<Phase> {
        loop {
            match self.seen.has_changed() {
                Ok(true) => {
                    let now = *self.seen.borrow_and_update();
                    self.next = Self::waiter(&self.seen);
                    return Poll::Ready(now);
                }
                Err(_) => return Poll::Ready(Phase::Stopped),
                Ok(false) => {}
            }
            if self.next.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            // Moved while this looked: report it.
        }
    }
}

/// What ends an open stream from outside: resolves when the gateway's shutdown grace has run
/// out (or the server is gone). A stream looks at it every time it waits for its upstream,
/// which [`PhaseWatch`] makes cheap.
pub(super) struct Abort {
    aborting: bool,
    watch: PhaseWatch,
}

impl Future for Abort {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        while !self.aborting {
            match self.watch.poll_change(cx) {
                Poll::Ready(phase) => self.aborting = phase >= Phase::Aborting,
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(())
    }
}
