//! Shared harness for the gateway's tests: upstreams the tests control (scripted chunks and
//! failures with a probe that records pulls and drops, and the real provider client pointed at
//! the mock provider), request bodies, and response readers. The HTTP clients and
//! bounded waits come from `mock_support`.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_core::Stream;
use http::Response;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use llm_sse_tokio::Client;
use llm_sse_tokio::core::client::{ProviderError, Settings};
use llm_sse_tokio::core::request::ValidRequest;
use llm_sse_tokio::core::retry::RetryPolicy;
use llm_sse_tokio::core::{Finish, FinishReason, Provider, StreamChunk, StreamError, Usage};
use llm_sse_tokio::gateway::{
    Gateway, GatewayServer, OpenFuture, Upstream, UpstreamStream, Upstreamed,
};
use llm_sse_tokio::mock::MockServer;
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};

use crate::mock_support::within;

/// The seed's request body for `model`, with a message whose text is `MESSAGE`.
pub fn chat(model: &str) -> String {
    format!(
        r#"{{"messages":[{{"role":"system","content":"Be brief."}},{{"role":"user","content":"{MESSAGE}"}}],"model":"{model}","temperature":0.7,"max_tokens":1024}}"#
    )
}

/// The user's message in [`chat`]: it must never appear in a log line.
pub const MESSAGE: &str = "What is the secret word? PRIVATE-CONTENT-7f3a";

/// `POST /v1/chat/stream/{provider}`.
pub fn stream_path(provider: Provider) -> String {
    format!("/v1/chat/stream/{provider}")
}

/// `tests/fixtures`.
pub fn fixtures_root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// The golden frames of `tests/fixtures/<provider>/<name>.frames`.
pub fn golden(provider: Provider, name: &str) -> String {
    let path = fixtures_root()
        .join(provider.as_str())
        .join(format!("{name}.frames"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A terminal chunk.
pub fn done(provider: Provider, outcome: Result<FinishReason, StreamError>) -> StreamChunk {
    StreamChunk::Done(Box::new(Finish {
        provider,
        id: Some("msg_test".into()),
        model: Some("test-model".into()),
        outcome,
        provider_finish_reason: None,
        usage: Some(Usage {
            input_tokens: 11,
            output_tokens: 7,
            ..Usage::default()
        }),
    }))
}

pub fn token(text: &str) -> Step {
    Step::Chunk(StreamChunk::Token(text.into()))
}

pub fn stop(provider: Provider) -> Step {
    Step::Chunk(done(provider, Ok(FinishReason::Stop)))
}

/// What a [`Scripted`] upstream's stream does, step by step.
#[derive(Debug, Clone)]
pub enum Step {
    /// Yield this chunk.
    Chunk(StreamChunk),
    /// Pause.
    Sleep(Duration),
    /// Never yield again.
    Stall,
    /// Wait until [`Probe::release`] is called.
    Gate,
}

/// What a [`Scripted`] upstream does when opened.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Fail before the stream with this error.
    Fail(ProviderError),
    /// Stream these steps; the stream ends (`None`) after the last.
    Steps(Vec<Step>),
    /// Yield `Token`s of this many bytes forever, as fast as it is polled.
    Endless(usize),
    /// Never answer (a provider that takes its time, or retries that sleep); dropping the
    /// pending call counts as a drop.
    Hang,
}

/// What the tests observe of a [`Scripted`] upstream.
#[derive(Debug)]
pub struct Probe {
    /// Calls of `open`.
    pub opened: AtomicUsize,
    /// Bytes of token text yielded so far.
    pub pulled: AtomicUsize,
    /// When the last stream was dropped.
    pub dropped: watch::Sender<Option<Instant>>,
    /// Opens the [`Step::Gate`]s.
    gate: watch::Sender<bool>,
}

impl Probe {
    pub fn opened(&self) -> usize {
        self.opened.load(Ordering::SeqCst)
    }

    pub fn pulled(&self) -> usize {
        self.pulled.load(Ordering::SeqCst)
    }

    pub fn release(&self) {
        self.gate.send_replace(true);
    }

    /// Waits until a stream was dropped and returns when.
    pub async fn wait_dropped(&self) -> Instant {
        let mut rx = self.dropped.subscribe();
        let at = within(rx.wait_for(Option::is_some)).await.unwrap();
        at.unwrap()
    }
}

/// An upstream the test scripts.
pub struct Scripted {
    plan: Plan,
    probe: Arc<Probe>,
}

impl Scripted {
    pub fn new(plan: Plan) -> (Scripted, Arc<Probe>) {
        let probe = Arc::new(Probe {
            opened: AtomicUsize::new(0),
            pulled: AtomicUsize::new(0),
            dropped: watch::Sender::new(None),
            gate: watch::Sender::new(false),
        });
        (
            Scripted {
                plan,
                probe: Arc::clone(&probe),
            },
            probe,
        )
    }
}

impl Upstream for Scripted {
    fn open(&self, request: ValidRequest) -> OpenFuture<'_> {
        let provider = request.provider();
        self.probe.opened.fetch_add(1, Ordering::SeqCst);
        let plan = self.plan.clone();
        let probe = Arc::clone(&self.probe);
        Box::pin(async move {
            let (steps, endless) = match plan {
                Plan::Fail(e) => return Err(e),
                Plan::Steps(steps) => (steps.into(), None),
                Plan::Endless(n) => (VecDeque::new(), Some(n)),
                Plan::Hang => {
                    let _dropped = DropProbe(probe);
                    std::future::pending::<()>().await;
                    unreachable!()
                }
            };
            let gate = probe.gate.subscribe();
            Ok(Upstreamed::new(ScriptStream {
                provider,
                steps,
                endless,
                sleep: None,
                gate,
                gate_wait: None,
                aborted: None,
                probe,
            }))
        })
    }
}

struct DropProbe(Arc<Probe>);

impl Drop for DropProbe {
    fn drop(&mut self) {
        self.0.dropped.send_replace(Some(Instant::now()));
    }
}

struct ScriptStream {
    provider: Provider,
    steps: VecDeque<Step>,
    endless: Option<usize>,
    sleep: Option<Pin<Box<Sleep>>>,
    gate: watch::Receiver<bool>,
    gate_wait: Option<Pin<Box<dyn std::future::Future<Output = ()> + Send>>>,
    /// The error `abort` ended it with: its terminal chunk is next (with nothing else known).
    aborted: Option<StreamError>,
    probe: Arc<Probe>,
}

impl UpstreamStream for ScriptStream {
    fn abort(self: Pin<&mut Self>, error: StreamError) {
        let this = self.get_mut();
        this.steps.clear();
        this.endless = None;
        this.aborted = Some(error);
    }
}

impl Stream for ScriptStream {
    type Item = StreamChunk;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<StreamChunk>> {
        let this = &mut *self;
        if let Some(error) = this.aborted.take() {
            return Poll::Ready(Some(StreamChunk::Done(Box::new(Finish {
                provider: this.provider,
                id: None,
                model: None,
                outcome: Err(error),
                provider_finish_reason: None,
                usage: None,
            }))));
        }
        if let Some(n) = this.endless {
            this.probe.pulled.fetch_add(n, Ordering::SeqCst);
            return Poll::Ready(Some(StreamChunk::Token("x".repeat(n))));
        }
        loop {
            if let Some(sleep) = this.sleep.as_mut() {
                ready!(sleep.as_mut().poll(cx));
                this.sleep = None;
            }
            if let Some(wait) = this.gate_wait.as_mut() {
                ready!(wait.as_mut().poll(cx));
                this.gate_wait = None;
            }
            match this.steps.pop_front() {
                None => return Poll::Ready(None),
                Some(Step::Chunk(chunk)) => {
                    if let StreamChunk::Token(t) = &chunk {
                        this.probe.pulled.fetch_add(t.len(), Ordering::SeqCst);
                    }
                    return Poll::Ready(Some(chunk));
                }
                Some(Step::Sleep(d)) => this.sleep = Some(Box::pin(tokio::time::sleep(d))),
                Some(Step::Stall) => {
                    this.steps.push_front(Step::Stall);
                    return Poll::Pending;
                }
                Some(Step::Gate) => {
                    let mut gate = this.gate.clone();
                    this.gate_wait = Some(Box::pin(async move {
                        let _ = gate.wait_for(|open| *open).await;
                    }));
                }
            }
        }
    }
}

impl Drop for ScriptStream {
    fn drop(&mut self) {
        self.probe.dropped.send_replace(Some(Instant::now()));
    }
}

/// The gateway's real upstream, the provider client ([`Client`]), pointed at a [`MockServer`]
/// with one attempt per call (no retries), so the tests see each failure as it happens.
pub struct ViaMock {
    client: Client,
}

impl ViaMock {
    /// A client of `mock` using `key` (none: a missing key).
    pub fn new(mock: &MockServer, key: Option<&str>) -> ViaMock {
        let mut settings = Settings::new()
            .with_base_url(mock.provider(), mock.base_url())
            .with_retry(RetryPolicy::NEVER);
        if let Some(key) = key {
            settings = crate::mock_support::with_key(settings, mock.provider(), key);
        }
        ViaMock {
            client: Client::builder(settings).no_proxy().build(),
        }
    }
}

impl Upstream for ViaMock {
    fn open(&self, request: ValidRequest) -> OpenFuture<'_> {
        self.client.open(request)
    }
}

/// Starts `gateway` (with its defaults for everything the test does not set).
pub async fn start(gateway: Gateway) -> GatewayServer {
    within(gateway.start()).await.unwrap()
}

/// A response's status, headers (lowercase names) and whole body as text.
pub async fn whole(response: Response<Incoming>) -> (u16, http::HeaderMap, String) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = within(response.into_body().collect())
        .await
        .unwrap()
        .to_bytes();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

/// The `{"error":{"type","message"}}` of an error body.
pub fn error_of(body: &str) -> (String, String) {
    let json: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let error = &json["error"];
    assert_eq!(
        json.as_object().map(|o| o.len()),
        Some(1),
        "only `error`: {body}"
    );
    (
        error["type"].as_str().unwrap().to_owned(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

/// Reads the next data frame of a streaming response body as text; `None` at its end.
pub async fn next_data(body: &mut Incoming) -> Option<String> {
    loop {
        match within(body.frame()).await? {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    return Some(String::from_utf8(data.to_vec()).unwrap());
                }
            }
            Err(e) => panic!("body error: {e}"),
        }
    }
}
