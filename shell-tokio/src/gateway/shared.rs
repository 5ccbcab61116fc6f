//! What every connection and request of one server shares: the settings, the upstream, the
//! metrics, and where the server is in its life (the shutdown phases).

use std::sync::Arc;
use std::time::Duration;

use llm_sse_core::gateway::Models;
use prometheus_client::registry::Registry;
use tokio::sync::watch;

use super::auth::Token;
use super::body::Abort;
use super::cors::Cors;
use super::metrics::Metrics;
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
}

impl Shared {
    /// A future that resolves when the server starts aborting open streams (or stops).
    pub(super) fn abort(&self) -> Abort {
        let mut phase = self.phase.clone();
        Box::pin(async move {
            // An error means the server is gone: abort too.
            let _ = phase.wait_for(|p| *p >= Phase::Aborting).await;
        })
    }
}
