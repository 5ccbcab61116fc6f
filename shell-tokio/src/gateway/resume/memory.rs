//! The in-memory store: every stream in this process, bounded in bytes, each kept for the
//! TTL after it ended ([`super::ledger`] decides).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use llm_sse_core::Provider;
use llm_sse_core::gateway::Ending;
use tokio::time::Instant;

use super::ledger::{FRAME_OVERHEAD, Ledger, STREAM_OVERHEAD};
use super::log::Log;
use super::{Backend, BoxFuture, Detached, OpenError, Source};

/// See the [module docs](self).
#[derive(Debug)]
pub(crate) struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
    ttl: Duration,
    /// Whether the task that drops expired streams runs.
    janitor: std::sync::OnceLock<()>,
}

#[derive(Debug)]
struct Inner {
    logs: HashMap<String, Arc<Log>>,
    ledger: Ledger<String>,
    /// The origin of the ledger's times.
    origin: Option<Instant>,
}

impl Inner {
    fn now(&mut self) -> Duration {
        let origin = *self.origin.get_or_insert_with(Instant::now);
        origin.elapsed()
    }

    /// Forgets the streams the ledger dropped; live ones end their readers with `ending`.
    fn drop_streams(&mut self, ids: Vec<String>, ending: Ending) {
        for id in ids {
            if let Some(log) = self.logs.remove(&id) {
                log.drop_with(ending);
            }
        }
    }

    fn expire(&mut self) {
        let now = self.now();
        let gone = self.ledger.expire(now);
        self.drop_streams(gone, Ending::Evicted);
    }
}

impl MemoryStore {
    /// A store of at most about `max_bytes` bytes of events (and bookkeeping), keeping each
    /// stream for `ttl` after it ended (`ZERO`: forgotten once ended).
    pub(crate) fn new(max_bytes: usize, ttl: Duration) -> MemoryStore {
        MemoryStore {
            inner: Arc::new(Mutex::new(Inner {
                logs: HashMap::new(),
                ledger: Ledger::new(max_bytes, ttl),
                origin: None,
            })),
            ttl,
            janitor: std::sync::OnceLock::new(),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        lock(&self.inner)
    }

    /// Starts the task that drops expired streams (once, from a runtime).
    fn start_janitor(&self) {
        if self.ttl.is_zero() {
            return;
        }
        self.janitor.get_or_init(|| {
            let inner = Arc::downgrade(&self.inner);
            let period = (self.ttl / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
            tokio::spawn(janitor(inner, period));
        });
    }

    /// A new live stream.
    pub(crate) fn create_now(&self, id: &str, provider: Provider) -> Arc<Log> {
        self.start_janitor();
        let log = Arc::new(Log::new(id.to_owned(), provider));
        let mut inner = self.inner();
        inner.expire();
        inner.logs.insert(id.to_owned(), Arc::clone(&log));
        let dropped = inner.ledger.open(id.to_owned());
        inner.drop_streams(dropped, Ending::Evicted);
        log
    }

    /// The live or finished stream `id`, when kept.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Log>> {
        let mut inner = self.inner();
        inner.expire();
        inner.logs.get(id).cloned()
    }
}

async fn janitor(inner: Weak<Mutex<Inner>>, period: Duration) {
    loop {
        tokio::time::sleep(period).await;
        let Some(inner) = inner.upgrade() else { return };
        lock(&inner).expire();
    }
}

fn lock(inner: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    inner.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Backend for MemoryStore {
    fn create<'a>(
        &'a self,
        id: &'a str,
        provider: Provider,
        _: &'a Detached,
    ) -> BoxFuture<'a, Arc<Log>> {
        let log = self.create_now(id, provider);
        Box::pin(async move { log })
    }

    fn append(&self, log: &Arc<Log>, event: &[u8]) {
        log.push(event);
        let mut inner = self.inner();
        let dropped = inner.ledger.grow(&log.id, event.len() + FRAME_OVERHEAD);
        inner.drop_streams(dropped, Ending::Evicted);
    }

    fn finish(&self, log: &Arc<Log>) {
        let bytes = log.finish();
        let mut inner = self.inner();
        if self.ttl.is_zero() {
            inner.ledger.remove(&log.id);
            inner.logs.remove(&log.id);
            return;
        }
        let now = inner.now();
        inner.ledger.finish(&log.id, bytes + STREAM_OVERHEAD, now);
    }

    fn open<'a>(&'a self, id: &'a str, after: u64) -> BoxFuture<'a, Result<Source, OpenError>> {
        let found = self.get(id);
        Box::pin(async move {
            let log = found.ok_or(OpenError::NotFound)?;
            let have = log.len();
            if after > have {
                return Err(OpenError::Beyond { have });
            }
            Ok(Source::Local { log, after })
        })
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}
