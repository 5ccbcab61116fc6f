//! The mock's server: the accept loop, one task per connection, and the request handler.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use llm_sse_core::{ApiError, Provider};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;

use super::body::{CutSignal, Fault, MockBody};
use super::log::{ConnectionId, ConnectionInfo, Log, MAX_LOGGED, RecordedRequest, ResponseGuard};
use super::pacing::{PacedBody, Pacing};
use super::routes::{self, Rejection};
use crate::listen;

/// The largest request body the mock reads; a larger one is answered 413.
pub(super) const MAX_REQUEST_BODY: usize = 16 << 20;

/// What the mock serves, validated.
#[derive(Debug)]
pub(super) struct Config {
    pub(super) provider: Provider,
    pub(super) recording: Bytes,
    pub(super) pacing: Pacing,
    pub(super) fail_first: usize,
    pub(super) fail_status: StatusCode,
    pub(super) retry_after: Option<HeaderValue>,
    pub(super) error_message: Option<String>,
    pub(super) fault: Option<Fault>,
    pub(super) credentials: routes::Credentials,
}

/// State shared by the server's tasks and its [`super::MockServer`] handle.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) config: Config,
    pub(super) log: watch::Sender<Log>,
}

/// Accepts connections until `shutdown`'s sender is dropped: on each wakeup every connection
/// that is ready (up to [`ACCEPT_BATCH`]), outside Tokio's cooperative budget, as the
/// gateway's accept loop does.
pub(super) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<()>,
) {
    tokio::task::unconstrained(accept_connections(listener, shared, shutdown)).await;
}

/// The most connections the accept loop takes in one go before it yields.
const ACCEPT_BATCH: usize = 1024;

async fn accept_connections(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<()>,
) {
    let builder = auto::Builder::new(TokioExecutor::new());
    loop {
        let first = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let mut accepted = Some(first);
        let mut taken = 0;
        while let Some(result) = accepted {
            match result {
                Ok((stream, peer)) => {
                    // Each write of a paced body should leave at once, not wait for Nagle.
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve_connection(
                        builder.clone(),
                        stream,
                        peer,
                        Arc::clone(&shared),
                        shutdown.clone(),
                    ));
                }
                // Out of file descriptors and the like: the peer's connection is lost; wait a
                // moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    break;
                }
            }
            taken += 1;
            if taken == ACCEPT_BATCH {
                tokio::task::yield_now().await;
                break;
            }
            accepted = listen::accept_ready(&listener).await;
        }
    }
}

/// Serves one connection until the peer closes it, a cut fault drops it, or the server shuts
/// down; then records when it closed.
async fn serve_connection(
    builder: auto::Builder<TokioExecutor>,
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<()>,
) {
    let opened_at = Instant::now();
    let mut id = ConnectionId(0);
    shared.log.send_modify(|log| {
        id = ConnectionId(log.connection_count);
        log.connection_count += 1;
        if log.connections.len() == MAX_LOGGED {
            log.connections.pop_front();
        }
        log.connections.push_back(ConnectionInfo {
            id,
            peer,
            opened_at,
            closed_at: None,
        });
    });
    let cut = Arc::new(CutSignal::default());
    {
        let io = TokioIo::new(CutIo {
            inner: stream,
            cut: Arc::clone(&cut),
        });
        let service_shared = Arc::clone(&shared);
        let service_cut = Arc::clone(&cut);
        let service = service_fn(move |request| {
            handle(
                Arc::clone(&service_shared),
                id,
                Arc::clone(&service_cut),
                request,
            )
        });
        let mut connection = pin!(builder.serve_connection(io, service));
        tokio::select! {
            // Ends when the peer closes the connection, including in the middle of a response
            // (hyper reads the socket while the response body is pending and sees the EOF).
            _ = connection.as_mut() => {}
            () = cut.fired.notified() => {}
            _ = shutdown.changed() => {}
        }
        // The connection, and with it the socket, is dropped here.
    }
    let closed_at = Instant::now();
    shared.log.send_modify(|log| {
        if let Some(connection) = log.connection_mut(id) {
            connection.closed_at = Some(closed_at);
        }
    });
}

/// What the mock answers a request with.
enum Plan {
    Error {
        status: StatusCode,
        error: ApiError,
        retry_after: bool,
    },
    Stream,
}

impl Plan {
    fn status(&self) -> StatusCode {
        match self {
            Plan::Error { status, .. } => *status,
            Plan::Stream => StatusCode::OK,
        }
    }
}

async fn handle(
    shared: Arc<Shared>,
    connection: ConnectionId,
    cut: Arc<CutSignal>,
    request: Request<Incoming>,
) -> Result<Response<MockBody>, Infallible> {
    let received_at = Instant::now();
    let (parts, body) = request.into_parts();
    // Reading the whole request body also matters for noticing a client that goes away later:
    // hyper only watches the socket for EOF once the request body is finished.
    let (body, too_large) = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => (collected.to_bytes(), false),
        Err(e) if e.is::<LengthLimitError>() => (Bytes::new(), true),
        // The client went away in the middle of its request: nobody reads the answer.
        Err(_) => return Ok(bare(StatusCode::BAD_REQUEST)),
    };
    let config = &shared.config;
    let provider = config.provider;
    let uri = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let query = parts.uri.query().unwrap_or("");
    let checked = if too_large {
        Err(Rejection::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request exceeds the maximum allowed number of bytes ({MAX_REQUEST_BODY})."),
        ))
    } else {
        // The `Host` header as sent (HTTP/2: the `:authority`), which a signature covers.
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or("");
        routes::check(
            provider,
            &config.credentials,
            &routes::Received {
                method: &parts.method,
                host,
                path: parts.uri.path(),
                query,
                headers: &parts.headers,
                body: &body,
            },
        )
    };

    let mut plan = Plan::Stream;
    let mut index = 0;
    shared.log.send_modify(|log| {
        let mut attempt = None;
        plan = match checked {
            Err(rejection) => {
                let mut error =
                    ApiError::new(provider, rejection.status.as_u16(), rejection.message);
                if let Some(error_type) = rejection.error_type {
                    error.error_type = error_type.to_owned();
                }
                Plan::Error {
                    status: rejection.status,
                    error,
                    retry_after: false,
                }
            }
            Ok(()) => {
                log.attempts += 1;
                attempt = Some(log.attempts);
                decide(config, log.attempts, query)
            }
        };
        index = log.request_count;
        log.request_count += 1;
        if log.requests.len() == MAX_LOGGED {
            log.requests.pop_front();
        }
        log.requests.push_back(RecordedRequest {
            index,
            connection,
            version: parts.version,
            method: parts.method.clone(),
            uri: uri.clone(),
            headers: parts.headers.clone(),
            body: body.clone(),
            received_at,
            attempt,
            status: plan.status(),
            response_closed_at: None,
        });
    });

    let guard = Some(ResponseGuard::new(shared.log.clone(), index));
    let response = match plan {
        Plan::Error {
            status,
            error,
            retry_after,
        } => {
            let mut response =
                Response::new(MockBody::whole(Bytes::from(error.to_body(provider)), guard));
            *response.status_mut() = status;
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            if status == StatusCode::METHOD_NOT_ALLOWED {
                headers.insert(header::ALLOW, HeaderValue::from_static("POST"));
            }
            if let (true, Some(value)) = (retry_after, &config.retry_after) {
                headers.insert(header::RETRY_AFTER, value.clone());
            }
            // AWS names the error in a header.
            if let Some((name, value)) = error.type_header(provider) {
                if let Ok(value) = HeaderValue::from_str(value) {
                    headers.insert(name, value);
                }
            }
            response
        }
        Plan::Stream => {
            let paced = PacedBody::new(config.recording.clone(), config.pacing);
            let mut response = Response::new(MockBody::stream(paced, config.fault, cut, guard));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(provider.spec().stream_content_type),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            for (name, value) in provider.spec().stream_headers {
                headers.insert(*name, HeaderValue::from_static(value));
            }
            response
        }
    };
    Ok(response)
}

/// The answer to an attempt that reached the endpoint with valid credentials.
fn decide(config: &Config, attempt: usize, query: &str) -> Plan {
    let provider = config.provider;
    if attempt <= config.fail_first {
        let status = config.fail_status;
        let error = match &config.error_message {
            Some(message) => ApiError::new(provider, status.as_u16(), message.clone()),
            None => ApiError::for_status(provider, status.as_u16()),
        };
        return Plan::Error {
            status,
            error,
            retry_after: true,
        };
    }
    if let Some(required) = routes::missing_query(provider.spec(), query) {
        let message = format!(
            "This mock serves {} only: add ?{required}",
            routes::endpoint(provider)
        );
        return Plan::Error {
            status: StatusCode::BAD_REQUEST,
            error: ApiError::new(provider, 400, message),
            retry_after: false,
        };
    }
    Plan::Stream
}

fn bare(status: StatusCode) -> Response<MockBody> {
    let mut response = Response::new(MockBody::whole(Bytes::new(), None));
    *response.status_mut() = status;
    response
}

/// The connection's socket, telling the cut signal about each completed flush.
struct CutIo {
    inner: TcpStream,
    cut: Arc<CutSignal>,
}

impl AsyncRead for CutIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CutIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = Pin::new(&mut self.inner).poll_flush(cx);
        if let Poll::Ready(Ok(())) = flushed {
            self.cut.flushed();
        }
        flushed
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
