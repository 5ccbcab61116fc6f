//! Plain-HTTP/1.1 connections read by the task that reads their response.
//!
//! hyper-util's pooled client runs every connection as a task of its own: each piece of a
//! response body is read by that task and handed to the reader's task through a channel, so
//! every piece costs two task wakeups, and a `Bytes` and a channel slot on the way. For
//! `http://` URLs without a proxy (a model server on the same host or network, a sidecar, the
//! mock provider) this module speaks HTTP/1.1 itself, with the core's sans-IO reader
//! ([`llm_sse_core::http1`]): the request goes out in one write, the head is parsed from the
//! connection's buffer, and each piece of the body is decoded where it was read and handed to
//! the stream's parser there ([`DirectBody`]), in the reader's own task.
//!
//! A connection whose response was read to its end goes back to a small pool ([`Pool`]) for the
//! next call to the same host and port, as the pooled client's do; a connection taken from it is
//! checked first (a closed one is dropped), and one that the server closed just before the
//! request reached it (no byte of a response came back) is replaced by a new one at once. Idle
//! connections are closed after [`IDLE_TIMEOUT`](super::POOL_IDLE_TIMEOUT).
//!
//! `https` URLs and proxied ones keep the pooled client: there a connection is worth keeping
//! for its TLS handshake, and HTTP/2 carries many streams on one connection.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, Version};
use llm_sse_core::http1::{self, BodyDecoder, Piece, ResponseHead};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::POOL_IDLE_TIMEOUT;
use super::connect::{describe, seconds};

/// The read buffer's first size (one page): a provider's response head and a few pieces of a
/// body. It grows for a longer head; body bytes never wait in it.
const BUFFER: usize = 4 * 1024;

/// One HTTP/1.1 connection and the bytes read from it that are not used yet.
pub(super) struct Conn {
    tcp: TcpStream,
    /// Always initialized to its length: `buf[start..end]` are read and not used yet.
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Conn {
    fn new(tcp: TcpStream) -> Conn {
        Conn {
            tcp,
            buf: vec![0; BUFFER],
            start: 0,
            end: 0,
        }
    }

    /// The bytes read and not used yet.
    fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Marks the first `n` pending bytes used.
    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Reads more bytes after the pending ones; `Ok(0)` when the server closed the
    /// connection. The buffer grows only while a head does not fit in it (a body's bytes are
    /// used as they arrive), up to the longest head read.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else {
                let grown = (self.buf.len() * 2).min(http1::MAX_HEAD_BYTES);
                if grown <= self.buf.len() {
                    return Poll::Ready(Err(io::Error::other("response head too large")));
                }
                self.buf.resize(grown, 0);
            }
        }
        let mut read = ReadBuf::new(&mut self.buf[self.end..]);
        ready!(Pin::new(&mut self.tcp).poll_read(cx, &mut read))?;
        let n = read.filled().len();
        self.end += n;
        Poll::Ready(Ok(n))
    }

    /// Whether an idle connection can take a request: nothing unread, and the server has not
    /// closed it or sent anything since.
    fn is_usable(&self) -> bool {
        self.start == self.end
            && matches!(self.tcp.try_read(&mut [0]), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }
}

/// The body of a response on a connection of its own: decoded from the connection's buffer by
/// whoever reads it; the connection goes back to its pool when the body has been read to its
/// end (and is closed when the body is dropped before).
pub(crate) struct DirectBody {
    /// `None` once the body has ended (the connection went back to the pool, or closed) or
    /// failed.
    conn: Option<Conn>,
    decoder: BodyDecoder,
    keep_alive: bool,
    pool: Weak<Pool>,
    key: Arc<str>,
}

impl DirectBody {
    /// Hands every body byte that can be had now to `sink`, reading the connection when none is
    /// pending. `Ready(Some(Ok(())))`: bytes went to `sink` (the body may have ended or failed
    /// right after them: the next call says); `Ready(None)`: the body has ended;
    /// `Ready(Some(Err(_)))`: the connection failed or broke HTTP/1.1 (with no bytes handed
    /// over in this call).
    pub(super) fn poll_feed(
        &mut self,
        cx: &mut Context<'_>,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Poll<Option<Result<(), String>>> {
        let mut fed = false;
        loop {
            let Some(conn) = self.conn.as_mut() else {
                return Poll::Ready(fed.then_some(Ok(())));
            };
            match self.decoder.decode(conn.pending()) {
                Ok((used, Piece::Data(range))) => {
                    let at = conn.start;
                    sink(&conn.buf[at + range.start..at + range.end]);
                    conn.consume(used);
                    fed = true;
                    continue;
                }
                Ok((used, Piece::End)) => {
                    conn.consume(used);
                    self.release();
                    return Poll::Ready(fed.then_some(Ok(())));
                }
                Ok((used, Piece::NeedMore)) => conn.consume(used),
                // The bytes before the error go first, on their own (the decoder's errors are
                // sticky: the next call reports it), so that a reader sees that the body
                // started before it sees it fail.
                Err(_) if fed => return Poll::Ready(Some(Ok(()))),
                Err(e) => {
                    self.conn = None;
                    return Poll::Ready(Some(Err(e.to_string())));
                }
            }
            if fed {
                return Poll::Ready(Some(Ok(())));
            }
            match ready!(conn.poll_fill(cx)) {
                Ok(0) => {
                    self.conn = None;
                    return Poll::Ready(match self.decoder.eof() {
                        Ok(()) => None,
                        Err(e) => Some(Err(e.to_string())),
                    });
                }
                Ok(_) => {}
                Err(e) => {
                    self.conn = None;
                    return Poll::Ready(Some(Err(describe(&e))));
                }
            }
        }
    }

    /// Whether the body has been read to its end.
    pub(super) fn is_end_stream(&self) -> bool {
        self.decoder.is_done()
    }

    /// The body was read to its end: the connection goes back to the pool when it can carry
    /// another request (and nothing follows the body), else it closes.
    fn release(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if self.keep_alive && conn.start == conn.end {
            if let Some(pool) = self.pool.upgrade() {
                pool.put(Arc::clone(&self.key), conn);
            }
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

/// How an exchange on a connection failed.
enum Failure {
    /// The connection closed (or was reset) before any byte of a response: on a connection
    /// from the pool, the server closed it as the request went out.
    Closed(String),
    /// Anything else.
    Other(String),
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
    /// one, and reads the response's head; the body is read by whoever reads it (see the
    /// module docs).
    pub(super) async fn send(
        self: &Arc<Pool>,
        request: Request<Bytes>,
    ) -> Result<Response<DirectBody>, String> {
        let uri = request.uri();
        let host = uri.host().ok_or("the URL has no host")?;
        let port = uri.port_u16().unwrap_or(80);
        let key: Arc<str> = Arc::from(format!("{host}:{port}"));
        let bytes = serialize(&request)?;
        loop {
            let (mut conn, reused) = match self.take(&key) {
                Some(conn) => (conn, true),
                None => (self.connect(host, port).await?, false),
            };
            match exchange(&mut conn, &bytes).await {
                Ok(head) => return response(head, conn, Arc::downgrade(self), key),
                // The server closed an idle connection as the request went out: a new
                // connection, at once. (A server that read the request answers it, or fails
                // after a byte of its answer; one closing without a byte did not take it.)
                Err(Failure::Closed(_)) if reused => {}
                Err(Failure::Closed(message) | Failure::Other(message)) => return Err(message),
            }
        }
    }

    /// An idle connection to `key` that can take a request now; the closed ones found on the
    /// way are dropped.
    fn take(&self, key: &str) -> Option<Conn> {
        let mut list = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let i = list.iter().rposition(|idle| &*idle.key == key)?;
            let idle = list.swap_remove(i);
            if idle.since.elapsed() < POOL_IDLE_TIMEOUT && idle.conn.is_usable() {
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
        Ok(Conn::new(tcp))
    }
}

/// The request as HTTP/1.1 sends it: the request line with the target in origin form, a
/// `Host` header unless the request has one, its headers, a `Content-Length` unless it has
/// one, and the body.
fn serialize(request: &Request<Bytes>) -> Result<Vec<u8>, String> {
    let uri = request.uri();
    let body = request.body();
    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(request.method().as_str().as_bytes());
    out.push(b' ');
    match uri.path_and_query() {
        Some(target) if !target.as_str().is_empty() => {
            out.extend_from_slice(target.as_str().as_bytes());
        }
        _ => out.push(b'/'),
    }
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let headers = request.headers();
    if !headers.contains_key(HOST) {
        let host = uri.host().ok_or("the URL has no host")?;
        out.extend_from_slice(b"host: ");
        out.extend_from_slice(host.as_bytes());
        if let Some(port) = uri.port_u16().filter(|&port| port != 80) {
            out.extend_from_slice(format!(":{port}").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    }
    for (name, value) in headers {
        header_line(&mut out, name, value);
    }
    let sends_body = !body.is_empty() || !matches!(*request.method(), Method::GET | Method::HEAD);
    if sends_body
        && !headers.contains_key(CONTENT_LENGTH)
        && !headers.contains_key(TRANSFER_ENCODING)
    {
        header_line(&mut out, &CONTENT_LENGTH, &HeaderValue::from(body.len()));
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    Ok(out)
}

fn header_line(out: &mut Vec<u8>, name: &HeaderName, value: &HeaderValue) {
    out.extend_from_slice(name.as_str().as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Writes `request` on `conn` and reads the response's head (interim 1xx responses are
/// skipped), leaving the body's first bytes in the connection's buffer.
async fn exchange(conn: &mut Conn, request: &[u8]) -> Result<ResponseHead, Failure> {
    let closed = |e: &io::Error| {
        matches!(
            e.kind(),
            io::ErrorKind::BrokenPipe
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
        )
    };
    if let Err(e) = write_all(&mut conn.tcp, request).await {
        return Err(if closed(&e) {
            Failure::Closed(describe(&e))
        } else {
            Failure::Other(describe(&e))
        });
    }
    let mut received = false;
    loop {
        match http1::parse_response_head(conn.pending()) {
            Ok(Some((head, used))) => {
                conn.consume(used);
                if head.status < 200 && head.status != 101 {
                    continue;
                }
                return Ok(head);
            }
            Ok(None) => {}
            Err(e) => return Err(Failure::Other(format!("response: {e}"))),
        }
        match poll_fn(|cx| conn.poll_fill(cx)).await {
            Ok(0) if !received => {
                return Err(Failure::Closed(String::from(
                    "connection closed before the response",
                )));
            }
            Ok(0) => {
                return Err(Failure::Other(String::from(
                    "connection closed in the middle of the response head",
                )));
            }
            Ok(_) => received = true,
            Err(e) if closed(&e) && !received => return Err(Failure::Closed(describe(&e))),
            Err(e) => return Err(Failure::Other(describe(&e))),
        }
    }
}

/// Writes all of `bytes`.
async fn write_all(tcp: &mut TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match poll_fn(|cx| Pin::new(&mut *tcp).poll_write(cx, bytes)).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => bytes = &bytes[n..],
        }
    }
    Ok(())
}

/// The response of `head`, its body read from `conn`.
fn response(
    head: ResponseHead,
    conn: Conn,
    pool: Weak<Pool>,
    key: Arc<str>,
) -> Result<Response<DirectBody>, String> {
    let mut response = Response::new(DirectBody {
        conn: Some(conn),
        decoder: BodyDecoder::new(head.body),
        keep_alive: head.keep_alive,
        pool,
        key,
    });
    *response.status_mut() = StatusCode::from_u16(head.status).map_err(|e| describe(&e))?;
    *response.version_mut() = if head.minor_version == 0 {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    };
    let headers = response.headers_mut();
    headers.reserve(head.headers.len());
    for (name, value) in head.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| describe(&e))?;
        let value = HeaderValue::from_bytes(&value).map_err(|e| describe(&e))?;
        headers.append(name, value);
    }
    Ok(response)
}

/// Closes the pool's connections that have been idle for [`POOL_IDLE_TIMEOUT`] or were closed
/// by the server; ends when the pool is empty or gone.
async fn reap(pool: Weak<Pool>) {
    loop {
        tokio::time::sleep(POOL_IDLE_TIMEOUT / 3).await;
        let Some(pool) = pool.upgrade() else {
            return;
        };
        let now = Instant::now();
        let mut list = pool.idle.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|idle| {
            now.duration_since(idle.since) < POOL_IDLE_TIMEOUT && idle.conn.is_usable()
        });
        if list.is_empty() {
            // Forgotten while the list is locked, so that a connection put back from now on
            // starts a new task.
            *pool.reaper.lock().unwrap_or_else(|e| e.into_inner()) = None;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(request: Request<Bytes>) -> String {
        String::from_utf8(serialize(&request).unwrap()).unwrap()
    }

    #[test]
    fn requests_in_origin_form_with_host_and_length() {
        let request = Request::post("http://127.0.0.1:8080/v1/messages?beta=true")
            .header("content-type", "application/json")
            .header("x-api-key", "k")
            .body(Bytes::from_static(b"{\"a\":1}"))
            .unwrap();
        assert_eq!(
            text(request),
            "POST /v1/messages?beta=true HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n\
             content-type: application/json\r\nx-api-key: k\r\ncontent-length: 7\r\n\r\n{\"a\":1}"
        );
        // Port 80 is left out; a Host header of the request's own is kept; GET has no length.
        let request = Request::get("http://model.internal/")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(
            text(request),
            "GET / HTTP/1.1\r\nhost: model.internal\r\n\r\n"
        );
        let request = Request::post("http://[::1]:9000")
            .header("host", "example")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(
            text(request),
            "POST / HTTP/1.1\r\nhost: example\r\ncontent-length: 0\r\n\r\n"
        );
    }
}
