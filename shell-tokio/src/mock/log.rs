//! What the mock saw: each connection and request ([`ConnectionInfo`], [`RecordedRequest`],
//! public through [`super`]), kept in a bounded [`Log`], and the [`ResponseGuard`] that
//! records when a response ended.

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, Version};
use tokio::sync::watch;
use tokio::time::Instant;

/// How many requests and connections the log keeps (the most recent ones).
pub(super) const MAX_LOGGED: usize = 1024;

/// Identifies one TCP connection the mock accepted: the first is 0, then 1, 2, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectionId(pub u64);

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One connection the mock accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// Its id.
    pub id: ConnectionId,
    /// The client's address.
    pub peer: SocketAddr,
    /// When it was accepted.
    pub opened_at: Instant,
    /// When the mock noticed it closed (the client closed it, a cut dropped it, or the server
    /// stopped); `None` while open.
    pub closed_at: Option<Instant>,
}

/// One request the mock received, exactly as received, and what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// Its position among all requests the server received, from 0.
    pub index: usize,
    /// The connection it came on.
    pub connection: ConnectionId,
    /// The HTTP version.
    pub version: Version,
    /// The method.
    pub method: Method,
    /// The path and query, as sent: `/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`.
    pub uri: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// When its head arrived.
    pub received_at: Instant,
    /// Its attempt number (from 1) when it reached the endpoint with valid credentials, the
    /// count [`MockProvider::fail_first`](super::MockProvider::fail_first) applies to; `None` when it was refused before.
    pub attempt: Option<usize>,
    /// The status the mock answered.
    pub status: StatusCode,
    /// When the response body was dropped: after its last byte was handed to the connection,
    /// or when the client went away in the middle of it. `None` while it is being sent.
    pub response_closed_at: Option<Instant>,
}

impl RecordedRequest {
    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.uri.split_once('?').map_or(&self.uri, |(path, _)| path)
    }

    /// The query, without the `?`; `None` when there is none.
    pub fn query(&self) -> Option<&str> {
        self.uri.split_once('?').map(|(_, query)| query)
    }

    /// The value of the header `name`, when there is one and it is UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
    }
}

/// Everything the mock saw, newest last, at most [`MAX_LOGGED`] of each.
#[derive(Debug, Default)]
pub(super) struct Log {
    pub(super) requests: VecDeque<RecordedRequest>,
    /// Requests ever received (also the index of the next one).
    pub(super) request_count: usize,
    pub(super) connections: VecDeque<ConnectionInfo>,
    /// Connections ever accepted (also the id of the next one).
    pub(super) connection_count: u64,
    pub(super) attempts: usize,
}

impl Log {
    /// The request with this index, or `None` when it was never received or no longer logged.
    pub(super) fn request(&self, index: usize) -> Option<&RecordedRequest> {
        let first = self.request_count - self.requests.len();
        self.requests.get(index.checked_sub(first)?)
    }

    fn request_mut(&mut self, index: usize) -> Option<&mut RecordedRequest> {
        let first = self.request_count - self.requests.len();
        self.requests.get_mut(index.checked_sub(first)?)
    }

    /// Whether the request with this index was received but is no longer logged.
    pub(super) fn request_evicted(&self, index: usize) -> bool {
        index < self.request_count - self.requests.len()
    }

    pub(super) fn connection(&self, id: ConnectionId) -> Option<&ConnectionInfo> {
        let first = self.connection_count - self.connections.len() as u64;
        let offset = id.0.checked_sub(first)?;
        self.connections.get(usize::try_from(offset).ok()?)
    }

    pub(super) fn connection_mut(&mut self, id: ConnectionId) -> Option<&mut ConnectionInfo> {
        let first = self.connection_count - self.connections.len() as u64;
        let offset = id.0.checked_sub(first)?;
        self.connections.get_mut(usize::try_from(offset).ok()?)
    }

    /// Whether the connection with this id was accepted but is no longer logged.
    pub(super) fn connection_evicted(&self, id: ConnectionId) -> bool {
        id.0 < self.connection_count - self.connections.len() as u64
    }
}

/// Records the time a response body was dropped (after its end, or when its connection went
/// away) on its request's log entry.
#[derive(Debug)]
pub(super) struct ResponseGuard {
    log: watch::Sender<Log>,
    index: usize,
}

impl ResponseGuard {
    /// The guard of the response to request `index` of `log`.
    pub(super) fn new(log: watch::Sender<Log>, index: usize) -> Self {
        ResponseGuard { log, index }
    }
}

impl Drop for ResponseGuard {
    fn drop(&mut self) {
        let now = Instant::now();
        self.log.send_modify(|log| {
            if let Some(request) = log.request_mut(self.index) {
                request.response_closed_at = Some(now);
            }
        });
    }
}
