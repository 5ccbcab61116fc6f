//! The client tests' harness: the mock provider (`llm_sse_tokio::mock`) on a tokio runtime of its
//! own thread, settings and clients that point at it, fixtures, and bounded waits.

#![allow(dead_code)]

use std::future::Future;
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use llm_sse_blocking::core::retry::RetryPolicy;
use llm_sse_blocking::core::{Normalizer, Provider, StreamChunk, frame};
use llm_sse_blocking::{Client, Settings};
use llm_sse_tokio::mock::{MockProvider, MockServer};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// The bound on every wait for the mock, so that a bug fails a test instead of hanging it.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The API key the tests use.
pub const KEY: &str = "sk-test-0123456789abcdef";

/// A running mock provider, served by a current-thread tokio runtime on a thread of its own
/// (the client under test blocks, so it must not share a thread with the server).
pub struct Mock {
    server: Option<MockServer>,
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Mock {
    /// Starts `config` (which should end in `.require_api_key(KEY)` where credentials matter).
    pub fn start(config: MockProvider) -> Mock {
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                let server = config.start().await.expect("the mock starts");
                started_tx
                    .send((server, Handle::current()))
                    .expect("the test waits");
                // Serve (this thread drives the runtime's I/O and timers) until the test ends.
                let _ = stopped.await;
            });
        });
        let (server, handle) = started_rx
            .recv_timeout(TIMEOUT)
            .expect("the mock started in time");
        Mock {
            server: Some(server),
            handle,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn server(&self) -> &MockServer {
        self.server.as_ref().expect("running")
    }

    /// Waits for `future` (one of the mock's `wait_for_*`), at most [`TIMEOUT`].
    pub fn wait<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(async {
            tokio::time::timeout(TIMEOUT, future)
                .await
                .expect("the mock saw it in time")
        })
    }

    /// Settings for the mock's provider: [`KEY`], its base URL, timeouts short enough for a
    /// test, no retries.
    pub fn settings(&self) -> Settings {
        let provider = self.server().provider();
        Settings::new()
            .with_api_key(provider, KEY)
            .with_base_url(provider, self.server().base_url())
            .with_connect_timeout(Duration::from_secs(5))
            .with_response_timeout(Duration::from_secs(5))
            .with_idle_timeout(Duration::from_secs(5))
            .with_retry(RetryPolicy::NEVER)
    }

    /// A client with `settings` that connects directly (whatever proxy the environment names).
    pub fn client(&self, settings: Settings) -> Client {
        Client::builder(settings).no_proxy().build()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        drop(self.server.take()); // stops accepting and closes its connections
        drop(self.stop.take()); // ends the runtime's thread
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs `f` on a thread of its own and returns what it returns, failing the test when that
/// takes longer than [`TIMEOUT`] (a blocking call that never returns is a bug, not a hang).
pub fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(f());
    });
    match result.recv_timeout(TIMEOUT) {
        Ok(value) => value,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("took longer than {TIMEOUT:?}"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("the call panicked"),
    }
}

/// A retry policy with `retries` retries and backoffs of a few milliseconds.
pub fn quick_retries(retries: u32) -> RetryPolicy {
    let mut policy = RetryPolicy::with_max_retries(retries);
    policy.initial_delay = Duration::from_millis(5);
    policy.max_delay = Duration::from_millis(20);
    policy
}

/// The mock's clock (tokio's `Instant`) as the standard library's.
pub fn std_instant(at: tokio::time::Instant) -> Instant {
    at.into_std()
}

pub fn fixture_path(provider: Provider, name: &str, extension: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(provider.as_str())
        .join(format!("{name}.{extension}"))
}

/// `tests/fixtures/<provider>/<name>.sse`.
pub fn recording(provider: Provider, name: &str) -> Vec<u8> {
    let path = fixture_path(provider, name, "sse");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `tests/fixtures/<provider>/<name>.frames`, the golden frames of the recording.
pub fn golden_frames(provider: Provider, name: &str) -> Vec<u8> {
    let path = fixture_path(provider, name, "frames");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The wire frames of `chunks`.
pub fn frames(chunks: &[StreamChunk]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in chunks {
        frame::encode(chunk, &mut out);
    }
    out
}

/// What the core makes of `bytes` as a whole body.
pub fn normalize(provider: Provider, bytes: &[u8]) -> Vec<StreamChunk> {
    let mut normalizer = Normalizer::new(provider);
    normalizer.feed(bytes);
    normalizer.finish();
    std::iter::from_fn(|| normalizer.next_chunk()).collect()
}

/// The length of the first `events` events of an SSE recording (each ends with a blank line;
/// the fixtures use LF or CRLF).
pub fn event_prefix_len(recording: &[u8], events: usize) -> usize {
    let mut end = 0;
    for _ in 0..events {
        let rest = &recording[end..];
        let lf = rest.windows(2).position(|w| w == b"\n\n").map(|at| at + 2);
        let crlf = rest
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|at| at + 4);
        end += match (lf, crlf) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).expect("enough events"),
        };
    }
    end
}

/// The length of the first half of `recording`'s events (at least one): where the tests cut
/// or stall a stream, past its first tokens and before its end.
pub fn halfway(recording: &[u8]) -> usize {
    let events = recording
        .split(|&b| b == b'\n')
        .filter(|line| line.starts_with(b"data:"))
        .count();
    event_prefix_len(recording, (events / 2).max(1))
}

/// The wire `type` of a terminal chunk's error, or `None` when it ended normally.
pub fn error_type(chunk: &StreamChunk) -> Option<String> {
    match chunk {
        StreamChunk::Done(finish) => finish.error().map(|e| e.error_type().to_owned()),
        other => panic!("expected the terminal chunk, got {other:?}"),
    }
}
