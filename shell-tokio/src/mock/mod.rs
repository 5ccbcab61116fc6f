//! A fault-injecting mock LLM provider: serves a recorded response body (a `.sse` file, or a
//! binary `.eventstream` for Amazon Bedrock) at a provider's streaming endpoint, paced like a
//! live model, with the failures real providers produce, and records every request and
//! connection so tests can check what a client sent and when it went away. Beside it, a mock of
//! Google's token endpoint ([`TokenEndpoint`]) issues the access tokens a mock Vertex AI takes.
//!
//! ```
//! use std::time::Duration;
//! use llm_sse_tokio::core::Provider;
//! use llm_sse_tokio::mock::MockProvider;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let recording = "event: ping\ndata: {\"type\":\"ping\"}\n\n";
//! let server = MockProvider::new(Provider::Anthropic, recording)
//!     .delay(Duration::from_millis(10))
//!     .fail_first(1, 529)
//!     .retry_after(1)
//!     .start()
//!     .await?;
//! assert_eq!(server.base_url(), format!("http://{}", server.addr()));
//!
//! // Any HTTP client will do; a hand-written HTTP/1.1 request keeps the example short.
//! let request = "POST /v1/messages HTTP/1.1\r\nhost: mock\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
//! let fetch = || async {
//!     let mut tcp = tokio::net::TcpStream::connect(server.addr()).await?;
//!     tcp.write_all(request.as_bytes()).await?;
//!     let mut response = String::new();
//!     tcp.read_to_string(&mut response).await?;
//!     std::io::Result::Ok(response)
//! };
//! let first = fetch().await?;
//! assert!(first.starts_with("HTTP/1.1 529"));
//! assert!(first.contains("retry-after: 1"));
//! assert!(first.ends_with(r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#));
//!
//! let second = fetch().await?;
//! assert!(second.starts_with("HTTP/1.1 200"));
//! assert!(second.contains("content-type: text/event-stream"));
//! assert!(second.contains(recording));
//!
//! let requests = server.requests();
//! assert_eq!(requests.len(), 2);
//! assert_eq!((requests[1].uri.as_str(), &requests[1].body[..]), ("/v1/messages", &b"{}"[..]));
//! assert_eq!(server.attempts(), 2);
//! # Ok(())
//! # }
//! ```
//!
//! # What it serves
//!
//! Everything a provider's mock serves comes from the provider table
//! ([`ProviderSpec`](crate::core::provider::ProviderSpec)): the endpoint under the path of the
//! provider's base URL, the credentials as its clients send them, its error bodies and
//! messages. So every provider of the table has a mock:
//!
//! | provider | endpoint | credentials ([`MockProvider::require_api_key`]) | [`MockServer::base_url`] |
//! |---|---|---|---|
//! | Anthropic | `POST /v1/messages` | `x-api-key: KEY` | `http://ADDR` |
//! | OpenAI | `POST /v1/chat/completions` | `Authorization: Bearer KEY` | `http://ADDR/v1` |
//! | Gemini | `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` (any model) | `x-goog-api-key: KEY` or `?key=KEY` | `http://ADDR` |
//! | Amazon Bedrock | `POST /model/{model}/invoke-with-response-stream` (any model id, URL-encoded) | a SigV4 signature: [`MockProvider::require_aws_signature`] verifies it; `require_api_key(KEY)` only checks that access key id `KEY` signed | `http://ADDR` |
//! | Vertex AI | `POST /v1/projects/{project}/locations/{region}/publishers/anthropic/models/{model}:streamRawPredict` (any project, region, model) | `Authorization: Bearer KEY`, or a token of a [`TokenEndpoint`] ([`MockProvider::accept_tokens_from`]) | `http://ADDR/v1` |
//!
//! A mock Bedrock answers with `content-type: application/vnd.amazon.eventstream`, paces its
//! recording one event-stream message per write ([`Split::Messages`]), and names its errors
//! as AWS does: the type in an `x-amzn-errortype` header (`ThrottlingException` for `429`,
//! `ServiceUnavailableException` for `503`...), the body `{"message":"..."}`. Given an Anthropic
//! `.sse` recording, it serves it re-framed. A mock Vertex AI serves Anthropic's events as SSE
//! and answers errors in Google's shape.
//!
//! A request is checked in this order, and the first failure answers it, always with the
//! provider's own error body ([`ApiError`](crate::core::ApiError)) and `content-type:
//! application/json`:
//!
//! 1. a request body over 16 MiB: 413;
//! 2. another path: 404; another method on the endpoint: 405 (with `allow: POST`);
//! 3. missing or wrong credentials, when required: 401 (Bedrock: 403, with AWS's error type);
//! 4. the first `k` requests that got this far ([`MockProvider::fail_first`]): the configured
//!    status, with `retry-after` when configured; these count as [attempts](MockServer::attempts);
//! 5. without the endpoint's own query (Gemini's `alt=sse`): 400 (the mock serves only the
//!    SSE form);
//!
//! and otherwise `200` with the provider's stream content type (`text/event-stream`, Bedrock's
//! `application/vnd.amazon.eventstream`), `cache-control: no-cache` and
//! the recording as the body (chunked on HTTP/1.1), paced by [`Pacing`] and ended by the
//! configured fault, if any.
//!
//! # Faults
//!
//! - [`cut_after(n)`](MockProvider::cut_after): after `n` body bytes (or the whole recording
//!   when it is shorter) the connection is dropped once those bytes are flushed. (Cut at a
//!   message boundary of an event stream to drop the connection between two messages, inside
//!   one to leave a message cut short.) On HTTP/1.1
//!   the final zero-length chunk is never sent, so a client sees an incomplete body, not a
//!   clean end. (On HTTP/2 the whole connection is dropped too; the client sees a stream
//!   error.)
//! - [`stall_after(n)`](MockProvider::stall_after): after `n` body bytes nothing more is sent,
//!   and the connection stays open until the client closes it (so its idle timeout fires).
//!
//! # Noticing that the client went away
//!
//! The mock notices within milliseconds when a client closes its connection in the middle of
//! a response, even while the body is idle (between paced pieces, or stalled), and records the
//! time ([`ConnectionInfo::closed_at`], [`RecordedRequest::response_closed_at`]). hyper does
//! this itself: on HTTP/1.1, once the request body has been read to its end, the server's
//! connection keeps reading the socket while the response body is pending, and an EOF there
//! ends the connection with an error, which drops the response body. On HTTP/2 the stream
//! task watches for `RST_STREAM` while it waits for the body. The mock reads every request
//! body to its end for that reason.
//!
//! # Pacing elsewhere
//!
//! [`PacedBody`] and [`Pacing`] do not depend on the mock: a gateway can serve a recording
//! paced like a real model with them.

mod body;
mod container;
mod log;
mod pacing;
mod routes;
mod server;
mod token;

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use llm_sse_core::Provider;
use llm_sse_core::aws::AwsCredentials;
use tokio::sync::watch;
use tokio::time::Instant;

pub use crate::listen::DEFAULT_BACKLOG;
pub use container::{CredentialsEndpoint, CredentialsServer};
pub use log::{ConnectionId, ConnectionInfo, RecordedRequest};
pub use pacing::{PacedBody, Pacing, Pieces, Split};
pub use token::{METADATA_ACCOUNT_EMAIL, METADATA_PROJECT_ID, TokenEndpoint, TokenServer};

use crate::listen;
use body::Fault;
use log::Log;
use server::{Config, Shared};

/// The configuration of a mock provider: what it serves and how it misbehaves.
/// [`MockProvider::start`] starts a [`MockServer`] with it.
///
/// By default it listens on `127.0.0.1` on a port the system picks, serves the recording one
/// event per write with no pause, fails nothing and requires no credentials.
#[derive(Debug, Clone)]
pub struct MockProvider {
    provider: Provider,
    recording: Bytes,
    addr: SocketAddr,
    backlog: u32,
    delay: Duration,
    chunk_size: Option<usize>,
    fail_first: usize,
    fail_status: u16,
    retry_after: Option<u64>,
    error_message: Option<String>,
    fault: Option<Fault>,
    credentials: routes::Credentials,
}

impl MockProvider {
    /// A mock of `provider` serving `recording`: a raw response body as the provider streams it,
    /// such as `tests/fixtures/anthropic/text.sse` or `tests/fixtures/bedrock/text.eventstream`.
    /// A mock Bedrock given an Anthropic SSE recording serves it re-framed as Bedrock's event
    /// stream ([`Framing::frame_recording`](crate::core::provider::Framing::frame_recording)).
    pub fn new(provider: Provider, recording: impl Into<Bytes>) -> Self {
        MockProvider {
            provider,
            recording: recording.into(),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            backlog: DEFAULT_BACKLOG,
            delay: Duration::ZERO,
            chunk_size: None,
            fail_first: 0,
            fail_status: 500,
            retry_after: None,
            error_message: None,
            fault: None,
            credentials: routes::Credentials::default(),
        }
    }

    /// Listen on `addr` instead of `127.0.0.1:0` (port 0: the system picks a free port).
    #[must_use]
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// How many connections the kernel may hold for the mock before it accepts them (the
    /// listen backlog; default [`DEFAULT_BACKLOG`], at least 1), so that a burst of clients
    /// is not dropped; Linux caps it at `net.core.somaxconn` ([`MockServer::backlog`] says what
    /// it got).
    #[must_use]
    pub fn backlog(mut self, backlog: u32) -> Self {
        self.backlog = backlog;
        self
    }

    /// Pause `delay` between two writes of the body (none before the first).
    #[must_use]
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Write the body in pieces of `n` bytes instead of one event (or event-stream message) per
    /// write. `n` must not be 0.
    #[must_use]
    pub fn chunk_size(mut self, n: usize) -> Self {
        self.chunk_size = Some(n);
        self
    }

    /// Answer the first `k` requests that reach the endpoint with valid credentials with
    /// `status` (400 to 599) and the provider's error body for it; later ones succeed.
    #[must_use]
    pub fn fail_first(mut self, k: usize, status: u16) -> Self {
        self.fail_first = k;
        self.fail_status = status;
        self
    }

    /// Send `retry-after: SECS` with the [`fail_first`](Self::fail_first) answers.
    #[must_use]
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The message in the [`fail_first`](Self::fail_first) error bodies, instead of one like
    /// the provider's own for that status.
    #[must_use]
    pub fn error_message(mut self, message: impl Into<String>) -> Self {
        self.error_message = Some(message.into());
        self
    }

    /// After `n` body bytes, drop the connection (see [Faults](self#faults)). Replaces a
    /// [`stall_after`](Self::stall_after).
    #[must_use]
    pub fn cut_after(mut self, n: usize) -> Self {
        self.fault = Some(Fault::Cut(n));
        self
    }

    /// After `n` body bytes, send nothing more but keep the connection open (see
    /// [Faults](self#faults)). Replaces a [`cut_after`](Self::cut_after).
    #[must_use]
    pub fn stall_after(mut self, n: usize) -> Self {
        self.fault = Some(Fault::Stall(n));
        self
    }

    /// Require the provider's credentials to carry `key` (see [What it serves](self#what-it-serves)):
    /// the API key, or the bearer token (Vertex AI), or for Amazon Bedrock the access key id
    /// that signed (the signature itself unchecked: see
    /// [`require_aws_signature`](Self::require_aws_signature)). Requests without it get the
    /// provider's refusal: `401`, or for Bedrock `403`.
    #[must_use]
    pub fn require_api_key(mut self, key: impl Into<String>) -> Self {
        self.credentials.api_key = Some(key.into());
        self
    }

    /// For a provider whose requests are signed with AWS Signature Version 4 (Amazon Bedrock):
    /// require every request to be signed by `credentials` (their session token included, when
    /// they have one) for `region`, checked as AWS does
    /// ([`Signer::verify`](crate::core::aws::sigv4::Signer::verify): the method, `Host`, path,
    /// query, the signed headers, the body, and a time within 5 minutes of the mock's clock).
    /// A refused request gets `403` with AWS's error type in `x-amzn-errortype`
    /// (`MissingAuthenticationTokenException`, `IncompleteSignatureException`,
    /// `UnrecognizedClientException`, `InvalidSignatureException`) and its message.
    #[must_use]
    pub fn require_aws_signature(
        mut self,
        credentials: AwsCredentials,
        region: impl Into<String>,
    ) -> Self {
        self.credentials.aws = Some((credentials, region.into()));
        self
    }

    /// Accept the access tokens `tokens` issues (and no others, but a
    /// [`require_api_key`](Self::require_api_key) token): a bearer token that `tokens` did
    /// not issue, that expired or that it revoked ([`TokenServer::revoke_all`]) gets `401`.
    /// For Vertex AI's clients, whose credentials files name `tokens.url()`.
    #[must_use]
    pub fn accept_tokens_from(mut self, tokens: &TokenServer) -> Self {
        self.credentials.tokens = Some(tokens.book());
        self
    }

    /// Binds the address and starts serving on the current Tokio runtime (which needs its I/O
    /// and time drivers enabled). The server runs until the returned [`MockServer`] is dropped.
    pub async fn start(self) -> Result<MockServer, MockError> {
        let config = self.config()?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| MockError::NoRuntime)?;
        let bind_error = |source| MockError::Bind {
            addr: self.addr,
            source,
        };
        let listening = listen::bind(self.addr, self.backlog).map_err(bind_error)?;
        let addr = listening.listener.local_addr().map_err(bind_error)?;
        let shared = Arc::new(Shared {
            config,
            log: watch::Sender::new(Log::default()),
        });
        let (shutdown, shutdown_rx) = watch::channel(());
        runtime.spawn(server::accept_loop(
            listening.listener,
            Arc::clone(&shared),
            shutdown_rx,
        ));
        Ok(MockServer {
            provider: self.provider,
            addr,
            backlog: listening.backlog,
            shared,
            _shutdown: shutdown,
        })
    }

    fn config(&self) -> Result<Config, MockError> {
        let fail_status = StatusCode::from_u16(self.fail_status)
            .ok()
            .filter(|s| s.is_client_error() || s.is_server_error())
            .ok_or(MockError::InvalidStatus(self.fail_status))?;
        let framing = self.provider.spec().framing;
        let split = match self.chunk_size {
            None => Split::events_of(framing),
            Some(n) => Split::Bytes(NonZeroUsize::new(n).ok_or(MockError::ZeroChunkSize)?),
        };
        // An Anthropic SSE recording given to a mock Bedrock is served re-framed.
        let recording = match framing.frame_recording(&self.recording) {
            Some(framed) => Bytes::from(framed),
            None => self.recording.clone(),
        };
        Ok(Config {
            provider: self.provider,
            recording,
            pacing: Pacing {
                split,
                delay: self.delay,
            },
            fail_first: self.fail_first,
            fail_status,
            retry_after: self.retry_after.map(HeaderValue::from),
            error_message: self.error_message.clone(),
            fault: self.fault,
            credentials: self.credentials.clone(),
        })
    }
}

/// Why a mock provider could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum MockError {
    /// Listening on the address failed.
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// [`MockProvider::fail_first`] was given a status that is not an error status (400-599).
    InvalidStatus(u16),
    /// [`MockProvider::chunk_size`] was given 0.
    ZeroChunkSize,
    /// [`MockProvider::start`] was called outside a Tokio runtime.
    NoRuntime,
}

impl fmt::Display for MockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MockError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            MockError::InvalidStatus(status) => {
                write!(f, "{status} is not an error status (400 to 599)")
            }
            MockError::ZeroChunkSize => f.write_str("the chunk size must be at least 1 byte"),
            MockError::NoRuntime => f.write_str("the mock provider needs a Tokio runtime"),
        }
    }
}

impl std::error::Error for MockError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MockError::Bind { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A running mock provider. Dropping it stops the server: it stops accepting and closes every
/// open connection.
#[derive(Debug)]
pub struct MockServer {
    provider: Provider,
    addr: SocketAddr,
    backlog: u32,
    shared: Arc<Shared>,
    /// Dropping it tells every task of the server to stop.
    _shutdown: watch::Sender<()>,
}

impl MockServer {
    /// The provider it mocks.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The address it listens on, such as `127.0.0.1:41234`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The listen backlog in effect: what [`MockProvider::backlog`] asked for, capped by the
    /// kernel's `net.core.somaxconn` on Linux.
    pub fn backlog(&self) -> u32 {
        self.backlog
    }

    /// The base URL a client of the provider should use: `http://ADDR` and the path of the
    /// provider's own base URL ([`ProviderSpec::base_path`](crate::core::provider::ProviderSpec::base_path)):
    /// `http://ADDR` for Anthropic and Gemini, `http://ADDR/v1` for OpenAI (whose base URL
    /// includes `/v1`, like `OPENAI_BASE_URL`).
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, self.provider.spec().base_path())
    }

    /// Every request received so far, oldest first (at most the 1024 most recent).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.borrow().requests.iter().cloned().collect()
    }

    /// Every connection accepted so far, oldest first (at most the 1024 most recent).
    pub fn connections(&self) -> Vec<ConnectionInfo> {
        self.shared
            .log
            .borrow()
            .connections
            .iter()
            .cloned()
            .collect()
    }

    /// How many requests reached the endpoint with valid credentials (including those
    /// answered by [`MockProvider::fail_first`]).
    pub fn attempts(&self) -> usize {
        self.shared.log.borrow().attempts
    }

    /// Waits until at least `n` requests were received, then returns [`requests`](Self::requests).
    pub async fn wait_for_requests(&self, n: usize) -> Vec<RecordedRequest> {
        let mut log = self.shared.log.subscribe();
        // The sender lives in `self.shared`, so waiting cannot fail while `self` exists.
        let _ = log.wait_for(|log| log.request_count >= n).await;
        self.requests()
    }

    /// Waits until connection `id` closes and returns when the mock noticed; `None` when it is
    /// no longer logged.
    pub async fn wait_for_connection_close(&self, id: ConnectionId) -> Option<Instant> {
        let mut log = self.shared.log.subscribe();
        let log = log
            .wait_for(|log| {
                log.connection_evicted(id)
                    || log.connection(id).is_some_and(|c| c.closed_at.is_some())
            })
            .await
            .ok()?;
        log.connection(id)?.closed_at
    }

    /// Waits until the response to request `index` is dropped (see
    /// [`RecordedRequest::response_closed_at`]) and returns when; `None` when it is no longer
    /// logged.
    pub async fn wait_for_response_close(&self, index: usize) -> Option<Instant> {
        let mut log = self.shared.log.subscribe();
        let log = log
            .wait_for(|log| {
                log.request_evicted(index)
                    || log
                        .request(index)
                        .is_some_and(|r| r.response_closed_at.is_some())
            })
            .await
            .ok()?;
        log.request(index)?.response_closed_at
    }
}
