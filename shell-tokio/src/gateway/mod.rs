//! The streaming gateway: an HTTP/1.1 and HTTP/2 server (HTTP/1.x on its own connections
//! read with the core's [`http1`](crate::core::http1), HTTP/2 through hyper 1) that answers
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
//! | `GET /v1/streams/{stream id}` | the rest of a resumable stream ([below](#resumable-streams)) |
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
//!   the connection polls it only while the client's connection takes what was written (at
//!   most 16 KiB waiting), so a slow client slows the upstream down, and memory per stream
//!   stays bounded (one upstream read, the frames not yet written). Over HTTP/1.1 each frame
//!   is encoded straight into the connection's write buffer as a chunk of its own, and the
//!   frames that are ready together leave in one write.
//! - When the client goes away, the body is dropped at once (HTTP/1.1: the connection watches
//!   the socket once the request body is finished, which the gateway always reads whole, also
//!   while a non-streaming answer is being folded; HTTP/2: a `RST_STREAM`), and with it the
//!   upstream request.
//!
//! # Resumable streams
//!
//! A dropped connection (a phone changing networks, a page reload) need not lose the answer,
//! nor make the user pay for a second one. A stream of `POST /v1/chat/stream/{provider}` is
//! resumable when its request says `llm-sse-resumable: true`, or always with
//! [`resumable(true)`](Gateway::resumable) (`llm-sse serve --resumable`; a request can then
//! say `llm-sse-resumable: false`). The dialect routes' streams are not resumable (their SDKs
//! would not resume them; the writer, [`Sequencer`](crate::core::resume::Sequencer), would
//! serve them as they are).
//!
//! - The answer has the header `llm-sse-stream-id: <stream id>` (32 hex digits from the
//!   system's random numbers: whoever has the id, and the gateway's token, can read the
//!   stream), and every event of the stream, the `[DONE]` sentinel included, an SSE `id:` line
//!   `<stream id>:<seq>`, `seq` counting the events from 1:
//!
//!   ```text
//!   id: 5f0c...e1:1
//!   data: {"token":"Hel","done":false}
//!
//!   ```
//!   Keep-alive comments carry no id.
//! - `GET /v1/streams/{stream id}` with `Last-Event-ID: <stream id>:<seq>` (what an
//!   `EventSource` sends by itself when it reconnects) or `?after=<seq>` (the header wins when
//!   both are there) answers `200 text/event-stream` with the events after `seq`, byte for
//!   byte as first sent, then follows the stream live until `[DONE]`. Without either, the
//!   whole stream. Any number of readers may read one stream at once.
//! - Unknown, expired or dropped stream: `404` `not_found`; a `Last-Event-ID` that is not
//!   `<this stream id>:<seq>`, or a `seq` beyond what the stream has sent: `400`
//!   `invalid_request`; the store (Redis) unreachable: `503` `store_unavailable`; all in the
//!   gateway's error shape.
//! - A stream that cannot be given to a reader to its end (dropped from the store, its Redis
//!   copy lost) ends for that reader with an error terminal frame (`connection_error`) and
//!   `data: [DONE]`, neither with an `id:` line: never with a gap.
//!
//! A task of its own owns a resumable stream's upstream and writes each event into the store;
//! the client that asked is only its first reader. So when the last reader leaves, the
//! upstream is read to its end (a plain stream's upstream is dropped at once), and the
//! request's log line is written when the upstream ends. Memory per stream is its events:
//! the task reads the upstream as fast as it comes, whatever the readers' pace. At shutdown,
//! these tasks are waited for and ended like the connections.
//!
//! Where the events are kept, [`resume_store`](Gateway::resume_store):
//!
//! - [`ResumeStore::memory`] (the default): bounded (`--resume-max-bytes`, default
//!   [`DEFAULT_RESUME_MAX_BYTES`]); each stream kept [`--resume-ttl`](DEFAULT_RESUME_TTL)
//!   (10 minutes) after it ended. Over the bound, finished streams go first, oldest first;
//!   then live streams, largest first, whose readers get the error frame above (and whose
//!   upstream is dropped).
//! - [`ResumeStore::redis`] (`--store redis://HOST:PORT[/DB]`, Redis 6.2 or later): every
//!   event also goes to a Redis stream (`XADD`, key `llm-sse:stream:{id}`, expiring the TTL
//!   after the end), so any gateway instance sharing the Redis server resumes any stream. The
//!   instance that writes a stream serves its own readers from memory, so a Redis lost in the
//!   middle of a stream costs its live readers nothing; resumes elsewhere then get the `503`
//!   (or, once the key is gone, the `404`), and the gateway goes on serving. A Redis
//!   unreachable at start is an error ([`StoreError`]; `llm-sse serve` exits with 2). Bound
//!   Redis's own memory with its `maxmemory`: a stream it evicts is whole gone, and its
//!   readers get the error frame.
//!
//! # Mounting the gateway
//!
//! [`Gateway::into_service`] makes the gateway a [`GatewayService`]: a `tower` service (and a
//! hyper service) that an application's own server runs, beside its other routes. It takes
//! any request body and answers every route of the table above; the listener and its limits
//! (header size and timeout, HTTP/2 settings, TLS) are the application's. It routes on the
//! request's path as it receives it: mounted under a prefix, hand it the path without the
//! prefix (axum's `Router::nest_service` does), and tell the browser pages the prefix.
//!
//! ```
//! use llm_sse_tokio::gateway::{Gateway, Recordings, ReplayUpstream};
//! use llm_sse_tokio::mock::Pacing;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let upstream = ReplayUpstream::new(Recordings::bundled()).pacing(Pacing::events());
//! let gateway = Gateway::new(upstream).resumable(true).into_service()?;
//!
//! // axum: `Router::new().route("/", get(home)).nest_service("/llm", gateway.clone())`.
//! // Here, hyper's own server, one connection:
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! let service = gateway.clone();
//! tokio::spawn(async move {
//!     let (tcp, _) = listener.accept().await.unwrap();
//!     let io = hyper_util::rt::TokioIo::new(tcp);
//!     let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
//! });
//!
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! let mut tcp = tokio::net::TcpStream::connect(addr).await?;
//! tcp.write_all(b"GET /healthz HTTP/1.1\r\nhost: app\r\nconnection: close\r\n\r\n").await?;
//! let mut response = String::new();
//! tcp.read_to_string(&mut response).await?;
//! assert!(response.starts_with("HTTP/1.1 200 OK"));
//!
//! gateway.shutdown().await; // when the application stops: see GatewayService::shutdown
//! # Ok(())
//! # }
//! ```
//!
//! `shell-tokio/examples/mount_axum.rs` mounts it in an axum router under `/llm`.
//!
//! # Protection
//!
//! Request heads must arrive within [`header_read_timeout`](Gateway::header_read_timeout)
//! (10 s; also the limit for the first bytes of a connection) and be at most
//! [`max_header_size`](Gateway::max_header_size) (16 KiB; larger: `431`); bodies within
//! [`body_read_timeout`](Gateway::body_read_timeout) (30 s; else `408`); a kept-alive
//! connection's next head within the header read timeout too. Malformed HTTP is answered `400`
//! and the connection closed, as is a request whose body could be read two ways (both
//! `Transfer-Encoding` and `Content-Length`, a transfer coding other than a final `chunked`).
//! None of these reach the upstream. With a [`token`](Gateway::token),
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
//! [`GatewayServer::shutdown`] stops accepting, lets open streams (resumable streams whose
//! readers left included) finish for
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
mod h1;
mod metrics;
mod replay;
mod resume;
mod routes;
mod server;
mod service;
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
pub use resume::{DEFAULT_RESUME_MAX_BYTES, DEFAULT_RESUME_TTL, ResumeStore, StoreError};
pub use routes::{MAX_NON_STREAMING_ANSWER, MAX_REQUEST_BODY};
pub use service::{GatewayService, ServiceFuture};
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
    store: Option<ResumeStore>,
    resumable: bool,
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
            .field("store", &self.store)
            .field("resumable", &self.resumable)
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
            store: None,
            resumable: false,
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

    /// Make every stream of `POST /v1/chat/stream/{provider}` resumable, unless its request
    /// says `llm-sse-resumable: false` (`llm-sse serve --resumable`). By default only the
    /// requests that say `llm-sse-resumable: true` are. See
    /// [Resumable streams](self#resumable-streams).
    #[must_use]
    pub fn resumable(mut self, all: bool) -> Self {
        self.resumable = all;
        self
    }

    /// Where resumable streams are kept (default: [`ResumeStore::memory`] with
    /// [`DEFAULT_RESUME_MAX_BYTES`] and [`DEFAULT_RESUME_TTL`]).
    #[must_use]
    pub fn resume_store(mut self, store: ResumeStore) -> Self {
        self.store = Some(store);
        self
    }

    /// The state every request shares, and the sender of the server's phase.
    fn build(self) -> Result<(Arc<Shared>, watch::Sender<Phase>), GatewayError> {
        let cors = Cors::new(&self.cors_origins).map_err(GatewayError::InvalidOrigin)?;
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
            store: self.store.unwrap_or_default(),
            resumable: self.resumable,
            detached: resume::Detached::new(),
        });
        Ok((shared, phase))
    }

    /// The gateway as a service, to mount in an application's own server (axum, hyper, any
    /// `tower` stack) instead of [`start`](Self::start)ing a listener of its own: see
    /// [Mounting the gateway](self#mounting-the-gateway). The listener's settings
    /// ([`addr`](Self::addr), [`backlog`](Self::backlog),
    /// [`header_read_timeout`](Self::header_read_timeout),
    /// [`max_header_size`](Self::max_header_size)) are then the application server's.
    ///
    /// # Errors
    ///
    /// When a CORS origin is invalid.
    pub fn into_service(self) -> Result<GatewayService, GatewayError> {
        let grace = self.shutdown_grace;
        let (shared, phase) = self.build()?;
        Ok(GatewayService::new(shared, phase, grace))
    }

    /// Binds the address and starts serving on the current Tokio runtime (which needs its I/O
    /// and time drivers). The server runs until [`GatewayServer::shutdown`], or until the
    /// [`GatewayServer`] is dropped.
    pub async fn start(self) -> Result<GatewayServer, GatewayError> {
        // An invalid origin is reported before the address is taken.
        Cors::new(&self.cors_origins).map_err(GatewayError::InvalidOrigin)?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| GatewayError::NoRuntime)?;
        let requested = self.addr;
        let bind_error = |source| GatewayError::Bind {
            addr: requested,
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
        let grace = self.shutdown_grace;
        let (shared, phase) = self.build()?;
        let detached = shared.detached.subscribe();
        let (alive, alive_rx) = mpsc::channel(1);
        runtime.spawn(server::accept_loop(listening.listener, shared, alive));
        Ok(GatewayServer {
            addr,
            backlog,
            grace,
            phase,
            alive: alive_rx,
            detached,
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
    /// How many resumable streams' tasks are running.
    detached: watch::Receiver<usize>,
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
        // `recv` returns `None` once every task holding a sender has ended; resumable streams
        // whose readers left are waited for too.
        let mut detached = self.detached.clone();
        let everything = async {
            self.alive.recv().await;
            let _ = detached.wait_for(|n| *n == 0).await;
        };
        if tokio::time::timeout(self.grace, everything).await.is_ok() {
            self.phase.send_replace(Phase::Stopped);
            return Shutdown::Graceful;
        }
        self.phase.send_replace(Phase::Aborting);
        let mut detached = self.detached.clone();
        let everything = async {
            self.alive.recv().await;
            let _ = detached.wait_for(|n| *n == 0).await;
        };
        let _ = tokio::time::timeout(ABORT_FLUSH, everything).await;
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
