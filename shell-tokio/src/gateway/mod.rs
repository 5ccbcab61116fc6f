//! The streaming gateway: an HTTP/1.1 and HTTP/2 server (hyper 1) that answers
//! `POST /v1/chat/stream/{anthropic|openai|gemini}` with the normalized frames of the design's
//! wire contract, written as each chunk exists. `llm-sse serve` runs it.
//!
//! ```
//! use llm_sse_tokio::gateway::{Gateway, Recordings, ReplayUpstream};
//! use llm_sse_tokio::mock::Pacing;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Recorded streams instead of a provider (`llm-sse serve --mock`), not paced here.
//! let upstream = ReplayUpstream::new(Recordings::bundled()).pacing(Pacing::events());
//! let server = Gateway::new(upstream).start().await?; // 127.0.0.1, a free port
//!
//! let body = r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}]}"#;
//! let request = format!(
//!     "POST /v1/chat/stream/anthropic HTTP/1.1\r\nhost: gw\r\ncontent-length: {}\r\n\
//!      connection: close\r\n\r\n{body}",
//!     body.len()
//! );
//! let mut tcp = tokio::net::TcpStream::connect(server.addr()).await?;
//! tcp.write_all(request.as_bytes()).await?;
//! let mut response = String::new();
//! tcp.read_to_string(&mut response).await?;
//! assert!(response.starts_with("HTTP/1.1 200 OK"));
//! assert!(response.contains("content-type: text/event-stream"));
//! assert!(response.contains(r#"data: {"token":"Server-sent events","done":false}"#));
//! assert!(response.contains("data: [DONE]"));
//!
//! server.shutdown().await; // graceful: see below
//! # Ok(())
//! # }
//! ```
//!
//! # Routes
//!
//! | route | answer |
//! |---|---|
//! | `POST /v1/chat/stream/{provider}` | `200 text/event-stream` with the frames, or an error answer (below) |
//! | `POST /v1/chat/completions` | OpenAI Chat Completions for any provider's model (below) |
//! | `POST /v1/messages` | Anthropic Messages for any provider's model (below) |
//! | `GET /v1/models` | the model list in OpenAI's shape ([`Models::list_body`](crate::core::gateway::Models::list_body)) |
//! | `GET /healthz` | `200 {"status":"ok"}` |
//! | `GET /metrics` | the metrics, in the Prometheus (OpenMetrics) text format |
//! | `GET /` | a page about the gateway |
//!
//! The body of a stream request is the core's
//! [`ChatRequest`](crate::core::request::ChatRequest) as JSON (at most [`MAX_REQUEST_BODY`]
//! bytes), validated for the provider before any upstream call. Errors known before streaming
//! are answered with a status and `{"error":{"type":...,"message":...}}`, as
//! [`ErrorAnswer`](crate::core::gateway::ErrorAnswer) documents; errors after the stream
//! started end it with the error terminal frame and `data: [DONE]`.
//!
//! # The OpenAI and Anthropic endpoints
//!
//! Glue around [`llm_sse_core::dialect`](crate::core::dialect): the body is decoded in the
//! client's dialect, its `model` resolved by the gateway's [`models`](Gateway::models)
//! (`provider/model` or an alias), the request built for that provider and opened on the same
//! [`Upstream`] as the stream route. A streaming request (`"stream": true`) is answered by the
//! dialect's encoder, chunk by chunk, with everything below (keep-alive in the dialect's form);
//! a non-streaming one is folded by the core's accumulator into the dialect's body (at most
//! [`MAX_NON_STREAMING_ANSWER`] bytes of answer). The response's id is new (the request ids'
//! generator), `created` the current time, and the model the name the client asked for. Every
//! error has the status and `Retry-After` of the stream route's answer (the table of
//! [`ErrorAnswer`](crate::core::gateway::ErrorAnswer)) in the dialect's shape
//! ([`DialectError`](crate::core::dialect::DialectError)); the token is accepted in either
//! SDK's header.
//!
//! # Streams
//!
//! - Each chunk is written as soon as the upstream yields it, with `Content-Type:
//!   text/event-stream`, `Cache-Control: no-cache` and `X-Accel-Buffering: no`; after
//!   [`keep_alive`](Gateway::keep_alive) (15 s) without a frame, a `: keep-alive` comment.
//! - The response body owns the upstream stream, which reads the upstream only when polled:
//!   hyper polls the body only when the client's connection can take more, so a slow client
//!   slows the upstream down, and memory per stream stays bounded (one upstream read, one
//!   frame, hyper's write buffer).
//! - When the client goes away, hyper drops the body at once (HTTP/1.1: it keeps reading the
//!   socket once the request body is finished, which the gateway always reads whole; HTTP/2: a
//!   `RST_STREAM`), and with it the upstream request.
//!
//! # Protection
//!
//! Request heads must arrive within [`header_read_timeout`](Gateway::header_read_timeout)
//! (10 s; also the limit for the first bytes of a connection) and be at most
//! [`max_header_size`](Gateway::max_header_size) (16 KiB; larger: `431`); bodies within
//! [`body_read_timeout`](Gateway::body_read_timeout) (30 s; else `408`). Malformed HTTP is
//! refused by hyper. None of these reach the upstream. With a [`token`](Gateway::token),
//! `/v1/...` and `/metrics` need `Authorization: Bearer <token>` or `x-api-key: <token>`
//! (compared in constant time) or get `401`.
//!
//! # Bursts
//!
//! A thousand clients may connect in the same millisecond (a page load, a batch job, clients
//! reconnecting after a restart). The kernel completes their handshakes and queues them until
//! the gateway accepts them; the queue's length is the listen backlog,
//! [`backlog`](Gateway::backlog) ([`DEFAULT_BACKLOG`], 4096; `llm-sse serve --backlog N`). A
//! connection that finds the queue full is dropped, and its client tries again only after its
//! SYN timeout (1 s, then 2 s, 4 s): with the backlog of 128 that `TcpListener::bind` uses, a
//! burst of 1,000 streams had a p99 time to first token of 1.4 s. Linux caps the backlog at
//! `net.core.somaxconn` (4096 by default since Linux 5.4, 128 before): the gateway logs a
//! warning when the cap applies, [`GatewayServer::backlog`] says what it got, and
//! `sysctl -w net.core.somaxconn=N` raises the cap. `nstat -az TcpExtListenOverflows` counts
//! the connections dropped this way; `ss -ltn` shows a listener's backlog as its `Send-Q`.
//!
//! The accept loop takes every connection that is ready on each wakeup (outside Tokio's
//! cooperative budget, up to 1,024 before it yields), sets `TCP_NODELAY` and hands each one to
//! a task of its own at once: a burst leaves the queue in one pass, not one connection per trip
//! through the scheduler behind the open streams.
//!
//! # Shutdown
//!
//! [`GatewayServer::shutdown`] stops accepting, lets open streams finish for
//! [`shutdown_grace`](Gateway::shutdown_grace) (30 s), then ends the rest with an error
//! terminal frame (`connection_error`, "the gateway shut down before the stream ended") and
//! `data: [DONE]`. The gateway ends them through their upstream
//! ([`UpstreamStream::abort`]), so the terminal frame keeps the id, model, usage and provider
//! finish reason that arrived (a non-streaming answer's log line keeps the usage). Dropping
//! the [`GatewayServer`] stops everything at once.
//!
//! # Logs and metrics
//!
//! Each request ends with one `tracing` event (target `llm_sse::gateway`, message `request`)
//! with `request_id`, `method`, `path`, `provider`, `model`, `status`, `duration_ms`,
//! `ttft_ms`, `input_tokens`, `output_tokens`, `finish_reason`, `error_type`, `retries` and
//! `client_went_away`; never a key or message contents. The request id is the request's
//! `x-request-id` (when it is 1 to 128 of `A-Z a-z 0-9 - _ . : / + = @`) or a new one, and is
//! echoed as `x-request-id`.
//!
//! Metrics (prefix `llm_sse_`): `streams_open`, `requests_total{provider,status}`,
//! `tokens_total{provider,kind}`, `finish_reasons_total{provider,finish_reason}`,
//! `errors_total{provider,type}`, `upstream_retries_total{provider}`,
//! `streams_cancelled_total{provider}`, and the histograms
//! `time_to_first_token_seconds{provider}` and `stream_duration_seconds{provider}`.

mod access;
mod auth;
mod body;
mod client;
mod cors;
mod metrics;
mod replay;
mod routes;
mod server;
mod shared;
mod upstream;

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use llm_sse_core::gateway::Models;
use prometheus_client::registry::Registry;
use tokio::sync::{mpsc, watch};

pub use crate::listen::DEFAULT_BACKLOG;
pub use body::GatewayBody;
pub use replay::{Recordings, RecordingsError, ReplayUpstream};
pub use routes::{MAX_NON_STREAMING_ANSWER, MAX_REQUEST_BODY};
pub use upstream::{OpenFuture, Upstream, UpstreamStream, Upstreamed};

use crate::listen;
use auth::Token;
use cors::Cors;
use shared::{Config, Phase, Shared};

/// How long aborted streams get to send their error terminal frame before the connections are
/// dropped.
const ABORT_FLUSH: Duration = Duration::from_secs(2);

/// The configuration of a gateway. [`Gateway::start`] starts a [`GatewayServer`] with it.
///
/// By default it listens on `127.0.0.1` on a port the system picks, needs no token and allows
/// no cross-origin callers.
pub struct Gateway {
    upstream: Arc<dyn Upstream>,
    models: Models,
    addr: SocketAddr,
    backlog: u32,
    token: Option<Token>,
    cors_origins: Vec<String>,
    keep_alive: Duration,
    shutdown_grace: Duration,
    config: Config,
}

impl fmt::Debug for Gateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gateway")
            .field("addr", &self.addr)
            .field("backlog", &self.backlog)
            .field("models", &self.models)
            .field("token", &self.token)
            .field("cors_origins", &self.cors_origins)
            .field("keep_alive", &self.keep_alive)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// A gateway serving chunks from `upstream`.
    pub fn new(upstream: impl Upstream) -> Self {
        Gateway::with_upstream(Arc::new(upstream))
    }

    /// A gateway serving chunks from a shared `upstream`.
    pub fn with_upstream(upstream: Arc<dyn Upstream>) -> Self {
        Gateway {
            upstream,
            models: Models::new(),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            backlog: DEFAULT_BACKLOG,
            token: None,
            cors_origins: Vec::new(),
            keep_alive: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(30),
            config: Config {
                keep_alive: Duration::from_secs(15),
                header_read_timeout: Duration::from_secs(10),
                body_read_timeout: Duration::from_secs(30),
                max_header_size: 16 << 10,
            },
        }
    }

    /// Listen on `addr` instead of `127.0.0.1:0`. Binding an address other than loopback
    /// without a [`token`](Self::token) logs a warning.
    #[must_use]
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// How many connections the kernel may hold for the gateway before it accepts them (the
    /// listen backlog; default [`DEFAULT_BACKLOG`], at least 1). Linux caps it at
    /// `net.core.somaxconn` ([`GatewayServer::backlog`] says what it got, and the gateway logs a
    /// warning when the cap applies): see [Bursts](self#bursts).
    #[must_use]
    pub fn backlog(mut self, backlog: u32) -> Self {
        self.backlog = backlog;
        self
    }

    /// The model names the dialect routes accept besides `provider/model`: their aliases
    /// (`llm-sse serve --model-alias NAME=provider/model`), also listed by `GET /v1/models`.
    #[must_use]
    pub fn models(mut self, models: Models) -> Self {
        self.models = models;
        self
    }

    /// Require the token, as `Authorization: Bearer <token>` or `x-api-key: <token>`
    /// (`llm-sse serve` takes it from `LLM_SSE_TOKEN`). An empty or blank token requires none.
    #[must_use]
    pub fn token(mut self, token: &str) -> Self {
        self.token = Token::new(token);
        self
    }

    /// Allow browser pages from `origin` (`https://app.example.com`; `*` for any) to call the
    /// gateway, preflight included.
    #[must_use]
    pub fn cors_origin(mut self, origin: impl Into<String>) -> Self {
        self.cors_origins.push(origin.into());
        self
    }

    /// Send a `: keep-alive` comment after this long without a frame (default 15 s).
    #[must_use]
    pub fn keep_alive(mut self, after: Duration) -> Self {
        self.keep_alive = after;
        self
    }

    /// How long [`GatewayServer::shutdown`] lets open streams finish (default 30 s).
    #[must_use]
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// The longest wait for a request head, and for the first bytes of a connection (default
    /// 10 s); a slower client's connection is closed.
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.header_read_timeout = timeout;
        self
    }

    /// The longest wait for a request body (default 30 s); a slower one is answered `408`.
    #[must_use]
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.body_read_timeout = timeout;
        self
    }

    /// The largest request head (request line and headers), in bytes, at least 8192 (default
    /// 16 KiB); a larger one is answered `431` on HTTP/1.1 and refused on HTTP/2.
    #[must_use]
    pub fn max_header_size(mut self, bytes: usize) -> Self {
        self.config.max_header_size = bytes.max(8192);
        self
    }

    /// Binds the address and starts serving on the current Tokio runtime (which needs its I/O
    /// and time drivers). The server runs until [`GatewayServer::shutdown`], or until the
    /// [`GatewayServer`] is dropped.
    pub async fn start(self) -> Result<GatewayServer, GatewayError> {
        let cors = Cors::new(&self.cors_origins).map_err(GatewayError::InvalidOrigin)?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| GatewayError::NoRuntime)?;
        let bind_error = |source| GatewayError::Bind {
            addr: self.addr,
            source,
        };
        let listening = listen::bind(self.addr, self.backlog).map_err(bind_error)?;
        let addr = listening.listener.local_addr().map_err(bind_error)?;
        if listening.capped() {
            tracing::warn!(
                target: "llm_sse::gateway",
                requested = listening.requested,
                backlog = listening.backlog,
                "the kernel caps the listen backlog (net.core.somaxconn): a burst of more new \
                 connections than this may wait for the clients' SYN timeout (1 s); raise it \
                 with `sysctl -w net.core.somaxconn=N`"
            );
        }
        let backlog = listening.backlog;
        if self.token.is_none() && !addr.ip().is_loopback() {
            tracing::warn!(
                target: "llm_sse::gateway",
                %addr,
                "listening beyond loopback without a token: anyone who can reach this address \
                 can spend the providers' keys (set LLM_SSE_TOKEN)"
            );
        }
        let mut registry = Registry::default();
        let metrics = metrics::Metrics::register(&mut registry);
        let (phase, phase_rx) = watch::channel(Phase::Running);
        let started_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let shared = Arc::new(Shared {
            upstream: self.upstream,
            models: self.models,
            started_unix,
            config: Config {
                keep_alive: self.keep_alive,
                ..self.config
            },
            token: self.token,
            cors,
            metrics,
            registry,
            phase: phase_rx,
        });
        let (alive, alive_rx) = mpsc::channel(1);
        runtime.spawn(server::accept_loop(listening.listener, shared, alive));
        Ok(GatewayServer {
            addr,
            backlog,
            grace: self.shutdown_grace,
            phase,
            alive: alive_rx,
        })
    }
}

/// Why a gateway could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum GatewayError {
    /// Listening on the address failed.
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// A CORS origin cannot be a header value.
    InvalidOrigin(String),
    /// [`Gateway::start`] was called outside a Tokio runtime.
    NoRuntime,
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GatewayError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            GatewayError::InvalidOrigin(reason) => write!(f, "invalid CORS origin: {reason}"),
            GatewayError::NoRuntime => f.write_str("the gateway needs a Tokio runtime"),
        }
    }
}

impl std::error::Error for GatewayError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GatewayError::Bind { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A running gateway. Dropping it stops the server at once: it stops accepting and closes
/// every connection; [`shutdown`](Self::shutdown) stops it gracefully.
#[derive(Debug)]
pub struct GatewayServer {
    addr: SocketAddr,
    backlog: u32,
    grace: Duration,
    phase: watch::Sender<Phase>,
    /// Closed when the accept loop and every connection task have ended.
    alive: mpsc::Receiver<()>,
}

/// How a [`GatewayServer::shutdown`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shutdown {
    /// Every connection finished within the grace period.
    Graceful,
    /// The grace period ran out: open streams were ended with an error terminal frame.
    Aborted,
}

impl GatewayServer {
    /// The address it listens on, such as `127.0.0.1:41234`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The listen backlog in effect: what [`Gateway::backlog`] asked for, capped by the
    /// kernel's `net.core.somaxconn` on Linux.
    pub fn backlog(&self) -> u32 {
        self.backlog
    }

    /// Stops gracefully: stops accepting connections and requests (idle connections close,
    /// HTTP/2 clients get `GOAWAY`), lets open streams finish within the grace period, then
    /// ends those still open with an error terminal frame and `data: [DONE]`, gives them a
    /// moment to be sent, and closes every connection.
    pub async fn shutdown(mut self) -> Shutdown {
        self.phase.send_replace(Phase::Draining);
        // `recv` returns `None` once every task holding a sender has ended.
        if tokio::time::timeout(self.grace, self.alive.recv())
            .await
            .is_ok()
        {
            self.phase.send_replace(Phase::Stopped);
            return Shutdown::Graceful;
        }
        self.phase.send_replace(Phase::Aborting);
        let _ = tokio::time::timeout(ABORT_FLUSH, self.alive.recv()).await;
        self.phase.send_replace(Phase::Stopped);
        let _ = tokio::time::timeout(Duration::from_millis(100), self.alive.recv()).await;
        Shutdown::Aborted
    }
}

impl Drop for GatewayServer {
    fn drop(&mut self) {
        self.phase.send_replace(Phase::Stopped);
    }
}
