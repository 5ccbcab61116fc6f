//! The gateway's own HTTP/1.x connections: request heads read with the core's
//! [`http1`](llm_sse_core::http1) reader, request bodies handed to the routes as they arrive,
//! and each response written by the connection's task itself; a stream's frames are encoded
//! straight into the connection's write buffer behind their chunk headers, and every frame
//! that is ready leaves in one write.
//!
//! hyper served these connections before. Per token it cost the task a walk through hyper's
//! dispatcher state, a `Vec` and a `Bytes` for the frame, and a copy into hyper's own write
//! buffer; with a thousand streams open each distinct piece of per-stream memory is a cache
//! miss per token, and that, not the work, was most of the gateway's CPU over a plain relay.
//! HTTP/2 connections (prior knowledge, the connection preface) still go to hyper.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri, Version};
use http_body::{Body, Frame, SizeHint};
use llm_sse_core::http1::{BodyDecoder, BodyKind, Http1Error, Piece, RequestHead};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::body::GatewayBody;
use super::routes;
use super::shared::{Phase, PhaseWatch, Shared};
use crate::deadline::Deadline;

/// How an HTTP/2 client with prior knowledge starts (RFC 9113, section 3.4).
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The read buffer's first size: a request head and a small body fit.
const READ_START: usize = 4096;

/// Buffers larger than this after a request (a large body, a large answer) are given back.
const KEEP_BUFFER: usize = 16 * 1024;

/// The most bytes of a request body read ahead of the routes.
const BODY_AHEAD: usize = 64 * 1024;

/// The most response bytes waiting to be written before the body is polled again: a slow
/// client slows the stream down.
const WRITE_AHEAD: usize = 16 * 1024;

/// Room kept before a frame for its chunk-size line (16 hex digits and CRLF).
const CHUNK_HEAD_ROOM: usize = 18;

/// What the first bytes of a connection were.
pub(super) enum Start {
    /// HTTP/1.x: served here to its end.
    Served,
    /// The HTTP/2 connection preface: the connection and the bytes read so far, for hyper.
    Http2(Rewind),
}

/// Serves an HTTP/1.x connection until it closes, the server stops, or a request head does
/// not arrive within the header read timeout; hands an HTTP/2 connection back untouched.
pub(super) async fn serve(io: TcpStream, shared: Arc<Shared>) -> Start {
    let mut conn = Connection {
        io,
        read: Vec::with_capacity(READ_START),
        write: Vec::new(),
        written: 0,
        read_closed: false,
    };
    let mut phase = PhaseWatch::new(&shared.phase);
    let mut first = true;
    loop {
        let head = match conn.read_head(&shared, &mut phase, first).await {
            Head::Request(head) => head,
            Head::Http2 => {
                return Start::Http2(Rewind {
                    prefix: Bytes::from(std::mem::take(&mut conn.read)),
                    io: conn.io,
                });
            }
            Head::Refuse(status) => {
                conn.answer_and_close(status).await;
                return Start::Served;
            }
            Head::Close => return Start::Served,
        };
        first = false;
        let Some(keep_alive) = conn.exchange(&shared, &mut phase, head).await else {
            return Start::Served;
        };
        if !keep_alive {
            let _ = poll_fn(|cx| Pin::new(&mut conn.io).poll_shutdown(cx)).await;
            return Start::Served;
        }
        conn.read.shrink_to(KEEP_BUFFER.max(conn.read.len()));
        conn.write.shrink_to(KEEP_BUFFER);
    }
}

/// What waiting for a request head ended with.
enum Head {
    Request(RequestHead),
    Http2,
    /// A head that cannot be served: answered with this status, then the connection closes.
    Refuse(StatusCode),
    /// Closed, timed out, or the server is shutting down: closed without an answer.
    Close,
}

struct Connection {
    io: TcpStream,
    /// Bytes read and not yet used.
    read: Vec<u8>,
    /// Response bytes; the first `written` have been written.
    write: Vec<u8>,
    written: usize,
    /// The client closed its side (or the connection broke).
    read_closed: bool,
}

impl Connection {
    /// Reads until a whole request head is buffered (or the HTTP/2 preface on a connection's
    /// first bytes), within the header read timeout; an idle connection closes when the
    /// server starts shutting down.
    async fn read_head(&mut self, shared: &Shared, phase: &mut PhaseWatch, first: bool) -> Head {
        let config = &shared.config;
        let mut due = Deadline::after(config.header_read_timeout);
        poll_fn(|cx| {
            loop {
                if first && !self.read.is_empty() {
                    let n = self.read.len().min(HTTP2_PREFACE.len());
                    if self.read[..n] == HTTP2_PREFACE[..n] {
                        if n == HTTP2_PREFACE.len() {
                            return Poll::Ready(Head::Http2);
                        }
                    } else if let Some(head) = self.parse_head(config.max_header_size) {
                        return Poll::Ready(head);
                    }
                } else if !self.read.is_empty() {
                    if let Some(head) = self.parse_head(config.max_header_size) {
                        return Poll::Ready(head);
                    }
                }
                if self.read.is_empty() {
                    // Moves seen while a response was written were not acted on: the phase
                    // itself decides.
                    while let Poll::Ready(now) = phase.poll_change(cx) {
                        if now == Phase::Stopped {
                            return Poll::Ready(Head::Close);
                        }
                    }
                    if *shared.phase.borrow() != Phase::Running {
                        return Poll::Ready(Head::Close);
                    }
                }
                match self.poll_read_more(cx) {
                    Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => return Poll::Ready(Head::Close),
                    Poll::Ready(Ok(_)) => continue,
                    Poll::Pending => {}
                }
                if due.poll_due(cx).is_ready() {
                    return Poll::Ready(Head::Close);
                }
                return Poll::Pending;
            }
        })
        .await
    }

    /// The head at the start of the read buffer, taken out of it; `None` while incomplete.
    fn parse_head(&mut self, limit: usize) -> Option<Head> {
        match llm_sse_core::http1::parse_request_head(&self.read, limit) {
            Ok(Some((head, used))) => {
                self.read.drain(..used);
                Some(Head::Request(head))
            }
            Ok(None) => None,
            Err(Http1Error::HeadTooLarge) => {
                Some(Head::Refuse(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE))
            }
            Err(_) => Some(Head::Refuse(StatusCode::BAD_REQUEST)),
        }
    }

    /// Reads what the socket has into the read buffer: `Ready(Ok(0))` at the end of the
    /// client's side.
    fn poll_read_more(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        loop {
            if self.read_closed {
                return Poll::Ready(Ok(0));
            }
            std::task::ready!(self.io.poll_read_ready(cx))?;
            if self.read.capacity() - self.read.len() < 1024 {
                self.read.reserve(READ_START);
            }
            match self.io.try_read_buf(&mut self.read) {
                Ok(0) => {
                    self.read_closed = true;
                    return Poll::Ready(Ok(0));
                }
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    self.read_closed = true;
                    return Poll::Ready(Err(e));
                }
            }
        }
    }

    /// Writes the write buffer out: `Ready(Ok)` once all of it is written.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.write.len() {
            let n = std::task::ready!(
                Pin::new(&mut self.io).poll_write(cx, &self.write[self.written..])
            )?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.write.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }

    /// Whether the client has gone away, looked at while a response is written: reads what
    /// it sent (a pipelined request waits in the read buffer) up to the head size limit.
    fn poll_client_gone(&mut self, cx: &mut Context<'_>, limit: usize) -> bool {
        while !self.read_closed && self.read.len() < limit {
            match self.poll_read_more(cx) {
                Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => return true,
                Poll::Ready(Ok(_)) => {}
                Poll::Pending => return false,
            }
        }
        false
    }

    /// Answers a head that cannot be served, and closes.
    async fn answer_and_close(&mut self, status: StatusCode) {
        let mut response = Response::new(());
        *response.status_mut() = status;
        write_head(
            &response,
            Framing::Length(0),
            Some(b"close"),
            &mut self.write,
        );
        let _ = poll_fn(|cx| self.poll_flush(cx)).await;
        let _ = poll_fn(|cx| Pin::new(&mut self.io).poll_shutdown(cx)).await;
    }

    /// One request and its response. `Some(keep)` when the response was written whole (and
    /// whether the connection can carry another request), `None` when the connection broke
    /// or the server stopped.
    async fn exchange(
        &mut self,
        shared: &Arc<Shared>,
        phase: &mut PhaseWatch,
        head: RequestHead,
    ) -> Option<bool> {
        let request = match build_request(&head) {
            Ok(request) => request,
            Err(()) => {
                self.answer_and_close(StatusCode::BAD_REQUEST).await;
                return None;
            }
        };
        let head_method = request.method() == Method::HEAD;
        let mut decoder = BodyDecoder::new(head.body);
        let channel = Arc::new(Mutex::new(Channel {
            end: decoder.is_done().then_some(Ok(())),
            ..Channel::default()
        }));
        let (parts, ()) = request.into_parts();
        let body = ConnBody {
            channel: Arc::clone(&channel),
            length: match head.body {
                BodyKind::Length(n) => Some(n),
                BodyKind::Empty => Some(0),
                BodyKind::Chunked | BodyKind::UntilClose => None,
            },
        };
        // Boxed, and dropped once answered: the connection's own state stays small.
        let mut answer = Box::pin(routes::handle(
            Arc::clone(shared),
            Request::from_parts(parts, body),
        ));
        let mut continued = !head.expect_continue || decoder.is_done();
        let limit = shared.config.max_header_size;
        let response = poll_fn(|cx| {
            loop {
                if let Poll::Ready(Ok(response)) = answer.as_mut().poll(cx) {
                    return Poll::Ready(Some(response));
                }
                while let Poll::Ready(now) = phase.poll_change(cx) {
                    if now == Phase::Stopped {
                        return Poll::Ready(None);
                    }
                }
                match self.pump_body(cx, &channel, &mut decoder, &mut continued) {
                    Pump::Progress => continue,
                    Pump::Broken => return Poll::Ready(None),
                    // With the body read, a client that goes away while its answer is worked
                    // out (a non-streaming answer being folded) drops the work at once.
                    Pump::Waiting if decoder.is_done() && self.poll_client_gone(cx, limit) => {
                        return Poll::Ready(None);
                    }
                    Pump::Waiting => return Poll::Pending,
                }
            }
        })
        .await?;
        drop(answer);
        drop(channel);
        // A request whose body was not read to its end leaves the connection unusable.
        let mut keep_alive = head.keep_alive
            && decoder.is_done()
            && !self.read_closed
            && *shared.phase.borrow() == Phase::Running;
        let (parts, mut body) = response.into_parts();
        let response = Response::from_parts(parts, ());
        keep_alive &= !closes(response.headers());
        let framing = if no_body(response.status()) {
            Framing::None
        } else if let Some(n) = body.known_length() {
            Framing::Length(n)
        } else if head.minor_version == 1 {
            Framing::Chunked
        } else {
            keep_alive = false;
            Framing::Close
        };
        let connection = match (keep_alive, head.minor_version) {
            (false, _) => Some(&b"close"[..]),
            // An HTTP/1.0 client keeps the connection only when told it is kept.
            (true, 0) => Some(&b"keep-alive"[..]),
            (true, _) => None,
        };
        write_head(&response, framing, connection, &mut self.write);
        if head_method || framing == Framing::None {
            return poll_fn(|cx| self.poll_flush(cx))
                .await
                .ok()
                .map(|()| keep_alive);
        }
        let mut ended = false;
        poll_fn(|cx| {
            loop {
                // Every frame that is ready, behind its chunk header, then one write.
                let mut full = false;
                while !ended {
                    if self.write.len() - self.written >= WRITE_AHEAD {
                        full = true;
                        break;
                    }
                    match self.poll_body(cx, &mut body, framing) {
                        Poll::Ready(true) => {}
                        Poll::Ready(false) => ended = true,
                        Poll::Pending => break,
                    }
                }
                let flushed = match self.poll_flush(cx) {
                    Poll::Ready(Ok(())) if ended => return Poll::Ready(Some(keep_alive)),
                    Poll::Ready(Ok(())) => true,
                    Poll::Ready(Err(_)) => return Poll::Ready(None),
                    Poll::Pending => false,
                };
                // The body stopped only for the buffer, which is empty now: more.
                if full && flushed {
                    continue;
                }
                if self.poll_client_gone(cx, limit) {
                    return Poll::Ready(None);
                }
                while let Poll::Ready(now) = phase.poll_change(cx) {
                    if now == Phase::Stopped {
                        return Poll::Ready(None);
                    }
                }
                return Poll::Pending;
            }
        })
        .await
    }

    /// Appends the body's next piece to the write buffer, framed: `Ready(false)` once the
    /// body has ended (the last chunk appended).
    fn poll_body(
        &mut self,
        cx: &mut Context<'_>,
        body: &mut GatewayBody,
        framing: Framing,
    ) -> Poll<bool> {
        if framing != Framing::Chunked {
            return body.poll_into(cx, &mut self.write);
        }
        let at = self.write.len();
        self.write.resize(at + CHUNK_HEAD_ROOM, 0);
        match body.poll_into(cx, &mut self.write) {
            Poll::Ready(true) => {
                let data = at + CHUNK_HEAD_ROOM;
                let len = self.write.len() - data;
                let mut line = [0u8; CHUNK_HEAD_ROOM];
                let line = chunk_size_line(len, &mut line);
                // The data moves back over the room its size line did not need.
                self.write.copy_within(data.., at + line.len());
                self.write
                    .truncate(self.write.len() - (CHUNK_HEAD_ROOM - line.len()));
                self.write[at..at + line.len()].copy_from_slice(line);
                self.write.extend_from_slice(b"\r\n");
                Poll::Ready(true)
            }
            Poll::Ready(false) => {
                self.write.truncate(at);
                self.write.extend_from_slice(b"0\r\n\r\n");
                Poll::Ready(false)
            }
            Poll::Pending => {
                self.write.truncate(at);
                Poll::Pending
            }
        }
    }

    /// Moves the request body from the connection to the routes: reads only while they want
    /// more (an `Expect: 100-continue` client is told to go on at the first ask).
    fn pump_body(
        &mut self,
        cx: &mut Context<'_>,
        channel: &Mutex<Channel>,
        decoder: &mut BodyDecoder,
        continued: &mut bool,
    ) -> Pump {
        let mut channel = channel.lock().unwrap_or_else(PoisonError::into_inner);
        if channel.end.is_some() || !channel.wanted || channel.buffered >= BODY_AHEAD {
            return Pump::Waiting;
        }
        if !*continued {
            *continued = true;
            self.write
                .extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        if self.written < self.write.len() {
            match self.poll_flush(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(_)) => return Pump::Broken,
                Poll::Pending => return Pump::Waiting,
            }
        }
        loop {
            match decoder.decode(&self.read) {
                Ok((used, Piece::Data(range))) => {
                    let data = Bytes::copy_from_slice(&self.read[range]);
                    self.read.drain(..used);
                    channel.push(data, cx);
                    return Pump::Progress;
                }
                Ok((used, Piece::End)) => {
                    self.read.drain(..used);
                    channel.finish(Ok(()), cx);
                    return Pump::Progress;
                }
                Ok((used, Piece::NeedMore)) => {
                    self.read.drain(..used);
                }
                Err(e) => {
                    channel.finish(Err(BodyError(e.to_string())), cx);
                    return Pump::Progress;
                }
            }
            match self.poll_read_more(cx) {
                Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => {
                    let why = decoder
                        .eof()
                        .err()
                        .map_or_else(|| String::from("connection closed"), |e| e.to_string());
                    channel.finish(Err(BodyError(why)), cx);
                    return Pump::Progress;
                }
                Poll::Ready(Ok(_)) => {}
                Poll::Pending => return Pump::Waiting,
            }
        }
    }
}

/// What moving the request body did.
enum Pump {
    /// The routes have something new: poll them again.
    Progress,
    /// Nothing to do until the task is woken.
    Waiting,
    /// The connection broke.
    Broken,
}

/// How a response body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// No body (1xx, 204, 304).
    None,
    Length(usize),
    Chunked,
    /// Until the connection closes (an HTTP/1.0 client's stream).
    Close,
}

fn no_body(status: StatusCode) -> bool {
    status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
}

/// Whether a response's `Connection` field says to close.
fn closes(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .any(|value| {
            value
                .as_bytes()
                .split(|&b| b == b',')
                .any(|option| option.trim_ascii().eq_ignore_ascii_case(b"close"))
        })
}

/// Appends the status line and header fields of `response` to `out`, with the framing
/// fields, `Connection` when given, and `Date`.
fn write_head(
    response: &Response<impl Sized>,
    framing: Framing,
    connection: Option<&[u8]>,
    out: &mut Vec<u8>,
) {
    let status = response.status();
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in response.headers() {
        // The framing is the connection's to say.
        if name == http::header::CONTENT_LENGTH
            || name == http::header::TRANSFER_ENCODING
            || name == http::header::CONNECTION
        {
            continue;
        }
        field(out, name.as_str().as_bytes(), value.as_bytes());
    }
    match framing {
        Framing::None | Framing::Close => {}
        Framing::Length(n) => field(out, b"content-length", n.to_string().as_bytes()),
        Framing::Chunked => field(out, b"transfer-encoding", b"chunked"),
    }
    if let Some(connection) = connection {
        field(out, b"connection", connection);
    }
    field(
        out,
        b"date",
        httpdate::fmt_http_date(std::time::SystemTime::now()).as_bytes(),
    );
    out.extend_from_slice(b"\r\n");
}

fn field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// The chunk-size line for `len` bytes of data (lowercase hex, CRLF), written into `room`.
fn chunk_size_line(len: usize, room: &mut [u8; CHUNK_HEAD_ROOM]) -> &[u8] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = 1;
    while digits < 16 && len >> (4 * digits) != 0 {
        digits += 1;
    }
    for i in 0..digits {
        room[digits - 1 - i] = HEX[(len >> (4 * i)) & 0xf];
    }
    room[digits] = b'\r';
    room[digits + 1] = b'\n';
    &room[..digits + 2]
}

/// The `http::Request` for a head (its body comes separately); `Err` when a part of it is not
/// valid for the `http` crate.
fn build_request(head: &RequestHead) -> Result<Request<()>, ()> {
    let method = Method::from_bytes(head.method.as_bytes()).map_err(|_| ())?;
    let uri: Uri = head.target.parse().map_err(|_| ())?;
    let version = if head.minor_version == 0 {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    };
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .version(version)
        .body(())
        .map_err(|_| ())?;
    let headers = request.headers_mut();
    headers.reserve(head.headers.len());
    for (name, value) in &head.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| ())?;
        let value = HeaderValue::from_bytes(value).map_err(|_| ())?;
        headers.append(name, value);
    }
    Ok(request)
}

/// The request body between the connection, which reads it, and the routes.
#[derive(Default)]
struct Channel {
    data: std::collections::VecDeque<Bytes>,
    buffered: usize,
    /// How the body ended, once it has.
    end: Option<Result<(), BodyError>>,
    /// The routes have asked for the body.
    wanted: bool,
    /// The routes' waker, while they wait.
    waker: Option<Waker>,
}

impl Channel {
    fn push(&mut self, data: Bytes, cx: &Context<'_>) {
        self.buffered += data.len();
        self.data.push_back(data);
        self.wake(cx);
    }

    fn finish(&mut self, end: Result<(), BodyError>, cx: &Context<'_>) {
        self.end = Some(end);
        self.wake(cx);
    }

    /// Wakes the routes when they wait in another task (in the connection's own task they
    /// are polled again at once).
    fn wake(&mut self, cx: &Context<'_>) {
        if let Some(waker) = self.waker.take() {
            if !waker.will_wake(cx.waker()) {
                waker.wake();
            }
        }
    }
}

/// A request body on one of the gateway's own HTTP/1.x connections.
pub(crate) struct ConnBody {
    channel: Arc<Mutex<Channel>>,
    /// The length the head declared.
    length: Option<u64>,
}

/// A request body that could not be read to its end: the connection closed or its framing
/// broke.
#[derive(Debug, Clone)]
pub(crate) struct BodyError(String);

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request body cut short: {}", self.0)
    }
}

impl std::error::Error for BodyError {}

impl Body for ConnBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let mut channel = self.channel.lock().unwrap_or_else(PoisonError::into_inner);
        channel.wanted = true;
        if let Some(data) = channel.data.pop_front() {
            channel.buffered -= data.len();
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        match &channel.end {
            Some(Ok(())) => Poll::Ready(None),
            Some(Err(e)) => Poll::Ready(Some(Err(e.clone()))),
            None => {
                channel.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        let channel = self.channel.lock().unwrap_or_else(PoisonError::into_inner);
        channel.data.is_empty() && matches!(channel.end, Some(Ok(()))) || self.length == Some(0)
    }

    fn size_hint(&self) -> SizeHint {
        self.length
            .map_or_else(SizeHint::default, SizeHint::with_exact)
    }
}

/// A connection whose first bytes were already read: they are read again first.
pub(super) struct Rewind {
    prefix: Bytes,
    io: TcpStream,
}

impl AsyncRead for Rewind {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix.split_to(n));
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_size_lines() {
        let mut room = [0u8; CHUNK_HEAD_ROOM];
        for (len, line) in [
            (0, &b"0\r\n"[..]),
            (9, b"9\r\n"),
            (0x2f, b"2f\r\n"),
            (0x100, b"100\r\n"),
            (usize::MAX, b"ffffffffffffffff\r\n"),
        ] {
            assert_eq!(chunk_size_line(len, &mut room), line, "{len}");
        }
    }
}
