//! Plain-HTTP/1.1 connections driven by the task that reads their response.
//!
//! hyper-util's pooled client runs every connection as a task of its own: each piece of a
//! response body is read by that task and handed to the reader's task through a channel, so
//! every piece costs two task wakeups. For `http://` URLs without a proxy (a model server on
//! the same host or network, a sidecar, the mock provider) this module opens the connection
//! with hyper's connection API instead and polls it from the response body
//! ([`ResponseBody`](super::body::ResponseBody)): whoever reads the body drives the
//! connection, in its own task.
//!
//! A connection whose response was read to its end goes back to a small pool ([`Pool`]) for the
//! next call to the same host and port, as the pooled client's do; a connection taken from it is
//! checked first (a closed one is dropped), and one that the server closed just before the
//! request went out is replaced by a new one at once. Idle connections are closed after
//! [`IDLE_TIMEOUT`](super::POOL_IDLE_TIMEOUT).
//!
//! `https` URLs and proxied ones keep the pooled client: there a connection is worth keeping
//! for its TLS handshake, and HTTP/2 carries many streams on one connection.

use std::future::poll_fn;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::HOST;
use http::{HeaderValue, Request, Response, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::POOL_IDLE_TIMEOUT;
use super::connect::{describe, seconds};

/// The sending half of a connection.
type Sender = http1::SendRequest<Full<Bytes>>;

/// The connection itself: reads responses, writes requests, when polled.
type Driver = http1::Connection<TokioIo<TcpStream>, Full<Bytes>>;

/// One HTTP/1.1 connection: the handle that sends requests, and the connection that must be
/// polled for anything to happen.
pub(super) struct Conn {
    sender: Sender,
    /// `None` once the connection has ended (closed, or failed).
    driver: Option<Driver>,
}

impl Conn {
    /// Lets the connection make progress: read the socket, hand body bytes over, write. Must
    /// be called whenever the task is woken, before looking at what the connection produces.
    pub(super) fn drive(&mut self, cx: &mut Context<'_>) {
        if let Some(driver) = self.driver.as_mut() {
            if Pin::new(driver).poll(cx).is_ready() {
                // Closed or failed: the response body, if any, says how.
                self.driver = None;
            }
        }
    }

    /// Whether a request can be sent now (the connection is open and idle). Drives it first,
    /// so that a close by the server is noticed.
    fn ready(&mut self, cx: &mut Context<'_>) -> bool {
        self.drive(cx);
        self.driver.is_some() && matches!(self.sender.poll_ready(cx), Poll::Ready(Ok(())))
    }
}

/// A connection lent to one response, which goes back to its pool when the response has been
/// read to its end.
pub(super) struct Leased {
    pub(super) conn: Conn,
    pool: Weak<Pool>,
    key: Arc<str>,
}

impl Leased {
    /// The response was read to its end: the connection goes back to the pool, unless it has
    /// ended or the pool is gone.
    pub(super) fn release(self) {
        if self.conn.driver.is_none() || self.conn.sender.is_closed() {
            return;
        }
        if let Some(pool) = self.pool.upgrade() {
            pool.put(self.key, self.conn);
        }
    }
}

/// An idle connection in the pool.
struct Idle {
    key: Arc<str>,
    conn: Conn,
    since: Instant,
}

/// The idle plain-HTTP/1.1 connections of a client (and its clones), by `host:port`.
pub(super) struct Pool {
    idle: Mutex<Vec<Idle>>,
    connect_timeout: Duration,
    /// The task that closes idle connections after [`POOL_IDLE_TIMEOUT`], once started (it ends
    /// when the pool is empty, or with its runtime).
    reaper: Mutex<Option<JoinHandle<()>>>,
}

impl Pool {
    pub(super) fn new(connect_timeout: Duration) -> Pool {
        Pool {
            idle: Mutex::new(Vec::new()),
            connect_timeout,
            reaper: Mutex::new(None),
        }
    }

    /// Sends `request` (an absolute `http://` URL) on an idle connection to its host, or a new
    /// one. The response's body drives the connection; see the module docs.
    pub(super) async fn send(
        self: &Arc<Pool>,
        request: Request<Bytes>,
    ) -> Result<Response<(Incoming, Leased)>, String> {
        let (mut parts, body) = request.into_parts();
        let uri = parts.uri.clone();
        let host = uri.host().ok_or("the URL has no host")?;
        let port = uri.port_u16().unwrap_or(80);
        let key: Arc<str> = Arc::from(format!("{host}:{port}"));
        if !parts.headers.contains_key(HOST) {
            let value = match uri.port_u16() {
                Some(port) if port != 80 => HeaderValue::from_str(&format!("{host}:{port}")),
                _ => HeaderValue::from_str(host),
            };
            parts.headers.insert(HOST, value.map_err(|e| describe(&e))?);
        }
        parts.uri = origin_form(&uri);
        let mut request = Request::from_parts(parts, Full::new(body));
        loop {
            let (mut conn, reused) = match self.take(&key).await {
                Some(conn) => (conn, true),
                None => (self.connect(host, port).await?, false),
            };
            match send_on(&mut conn, request).await {
                Ok(response) => {
                    let pool = Arc::downgrade(self);
                    return Ok(response.map(|body| {
                        (
                            body,
                            Leased {
                                conn,
                                pool,
                                key: Arc::clone(&key),
                            },
                        )
                    }));
                }
                Err(mut e) => match e.take_message() {
                    // The server closed an idle connection as the request went out, before any
                    // of it was written: a new connection, at once.
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(describe(&e.into_error())),
                },
            }
        }
    }

    /// An idle connection to `key` that can take a request now; the closed ones found on the
    /// way are dropped.
    async fn take(&self, key: &str) -> Option<Conn> {
        loop {
            let mut idle = {
                let mut list = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                let i = list.iter().rposition(|idle| &*idle.key == key)?;
                list.swap_remove(i)
            };
            if idle.since.elapsed() >= POOL_IDLE_TIMEOUT {
                continue;
            }
            if poll_fn(|cx| Poll::Ready(idle.conn.ready(cx))).await {
                return Some(idle.conn);
            }
        }
    }

    /// Puts `conn` back for the next request to `key`.
    fn put(self: &Arc<Pool>, key: Arc<str>, conn: Conn) {
        let now = Instant::now();
        {
            let mut list = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            list.retain(|idle| now.duration_since(idle.since) < POOL_IDLE_TIMEOUT);
            list.push(Idle {
                key,
                conn,
                since: now,
            });
        }
        self.reap_later();
    }

    /// Starts the task that closes idle connections once they have been idle for
    /// [`POOL_IDLE_TIMEOUT`], unless it runs already (or there is no runtime to run it: then
    /// they are closed when the pool is next used, or dropped).
    fn reap_later(self: &Arc<Pool>) {
        let mut reaper = self.reaper.lock().unwrap_or_else(|e| e.into_inner());
        if reaper.as_ref().is_some_and(|task| !task.is_finished()) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        *reaper = Some(runtime.spawn(reap(Arc::downgrade(self))));
    }

    /// A new connection to `host`:`port`, within the connect timeout.
    async fn connect(&self, host: &str, port: u16) -> Result<Conn, String> {
        // An IPv6 address comes in brackets in a URL, not in a socket address.
        let name = host.trim_start_matches('[').trim_end_matches(']');
        let connecting = TcpStream::connect((name, port));
        let tcp = match tokio::time::timeout(self.connect_timeout, connecting).await {
            Ok(Ok(tcp)) => tcp,
            Ok(Err(e)) => return Err(format!("tcp connect error: {}", describe(&e))),
            Err(_) => {
                return Err(format!(
                    "connecting took longer than {}",
                    seconds(self.connect_timeout)
                ));
            }
        };
        // Each request and each read should go at once, not wait for Nagle.
        tcp.set_nodelay(true).map_err(|e| describe(&e))?;
        let (sender, driver) = http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(|e| describe(&e))?;
        Ok(Conn {
            sender,
            driver: Some(driver),
        })
    }
}

/// Sends `request` on `conn`, driving the connection until the response head arrives.
async fn send_on(
    conn: &mut Conn,
    request: Request<Full<Bytes>>,
) -> Result<Response<Incoming>, hyper::client::conn::TrySendError<Request<Full<Bytes>>>> {
    let mut sending = pin!(conn.sender.try_send_request(request));
    poll_fn(|cx| {
        conn.drive(cx);
        sending.as_mut().poll(cx)
    })
    .await
}

/// The request target of `uri` as sent to the server itself: its path and query.
fn origin_form(uri: &Uri) -> Uri {
    match uri.path_and_query() {
        Some(path) if path.as_str() != "/" => {
            let mut parts = http::uri::Parts::default();
            parts.path_and_query = Some(path.clone());
            Uri::from_parts(parts).unwrap_or_default()
        }
        _ => Uri::default(),
    }
}

/// Closes the pool's connections that have been idle for [`POOL_IDLE_TIMEOUT`]; ends when the
/// pool is empty or gone.
async fn reap(pool: Weak<Pool>) {
    loop {
        tokio::time::sleep(POOL_IDLE_TIMEOUT / 3).await;
        let Some(pool) = pool.upgrade() else {
            return;
        };
        let now = Instant::now();
        let mut list = pool.idle.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|idle| {
            now.duration_since(idle.since) < POOL_IDLE_TIMEOUT && !idle.conn.sender.is_closed()
        });
        if list.is_empty() {
            // Forgotten while the list is locked, so that a connection put back from now on
            // starts a new task.
            *pool.reaper.lock().unwrap_or_else(|e| e.into_inner()) = None;
            return;
        }
    }
}
