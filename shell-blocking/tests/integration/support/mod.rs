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
use llm_sse_tokio::mock::{
    CredentialsEndpoint, CredentialsServer, MockProvider, MockServer, TokenEndpoint, TokenServer,
};
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

    /// Settings for the mock's provider: [`KEY`] (Bedrock: as the secret of the tests' AWS
    /// credentials; Vertex AI: as the access token), its base URL, timeouts short enough for a
    /// test, no retries.
    pub fn settings(&self) -> Settings {
        let provider = self.server().provider();
        llm_sse_tests::cloud::with_key(Settings::new(), provider, KEY)
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

/// A running mock endpoint of the tokio crate (`TokenEndpoint`, `CredentialsEndpoint`), served
/// like [`Mock`] by a tokio runtime on a thread of its own until dropped.
pub struct Served<S> {
    server: Option<S>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// A running mock token endpoint.
pub type Tokens = Served<TokenServer>;

impl<S: Send + 'static> Served<S> {
    /// Starts what `start` starts, on a runtime of its own.
    fn spawn<F, Fut>(start: F) -> Served<S>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = S>,
    {
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                started_tx.send(start().await).expect("the test waits");
                let _ = stopped.await;
            });
        });
        let server = started_rx
            .recv_timeout(TIMEOUT)
            .expect("the endpoint started in time");
        Served {
            server: Some(server),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn server(&self) -> &S {
        self.server.as_ref().expect("running")
    }
}

impl Served<TokenServer> {
    pub fn start(config: TokenEndpoint) -> Tokens {
        Served::spawn(
            move || async move { config.start().await.expect("the token endpoint starts") },
        )
    }
}

impl Served<CredentialsServer> {
    pub fn start(config: CredentialsEndpoint) -> Served<CredentialsServer> {
        Served::spawn(move || async move {
            config
                .start()
                .await
                .expect("the credentials endpoint starts")
        })
    }
}

impl<S> Drop for Served<S> {
    fn drop(&mut self) {
        drop(self.server.take());
        drop(self.stop.take());
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

/// `mock` requiring `key` as `provider`'s credential, as [`Mock::settings`] sends it: the API
/// key or Vertex AI's token, or for Bedrock a signature of the tests' AWS credentials with `key`
/// as their secret (verified).
pub fn requiring(mock: MockProvider, provider: Provider, key: &str) -> MockProvider {
    use llm_sse_blocking::core::provider::Auth;
    match provider.spec().auth {
        Auth::AwsSigV4 { .. } => mock.require_aws_signature(
            llm_sse_tests::cloud::aws_credentials(key),
            llm_sse_tests::cloud::AWS_REGION,
        ),
        _ => mock.require_api_key(key),
    }
}

/// `tests/fixtures/<provider>/<name>.sse` (Bedrock's: `.eventstream`).
pub fn recording(provider: Provider, name: &str) -> Vec<u8> {
    let path = fixture_path(provider, name, provider.spec().framing.file_extension());
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

/// The length of the first `events` events of `provider`'s recording: SSE events, or Bedrock's
/// event-stream messages (the mock's pieces).
pub fn event_prefix_len(provider: Provider, recording: &[u8], events: usize) -> usize {
    let split = llm_sse_tokio::mock::Split::events_of(provider.spec().framing);
    let pieces: Vec<usize> = split
        .pieces(&recording.to_vec().into())
        .map(|piece| piece.len())
        .collect();
    assert!(pieces.len() >= events, "enough events");
    pieces[..events].iter().sum()
}

/// The length of the first half of `recording`'s events (at least one): where the tests cut
/// or stall a stream, past its first tokens and before its end.
pub fn halfway(provider: Provider, recording: &[u8]) -> usize {
    let split = llm_sse_tokio::mock::Split::events_of(provider.spec().framing);
    let events = split.pieces(&recording.to_vec().into()).count();
    event_prefix_len(provider, recording, (events / 2).max(1))
}

/// The wire `type` of a terminal chunk's error, or `None` when it ended normally.
pub fn error_type(chunk: &StreamChunk) -> Option<String> {
    match chunk {
        StreamChunk::Done(finish) => finish.error().map(|e| e.error_type().to_owned()),
        other => panic!("expected the terminal chunk, got {other:?}"),
    }
}
