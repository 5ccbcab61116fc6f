//! Everything ureq: the agents (one per proxy the settings can choose, and one direct), one
//! attempt, what its errors mean, and the body reads that tell an idle timeout from a lost
//! connection. What each outcome means for the call is the core's [`Call`]'s business.

use std::io::{self, Read as _};

use llm_sse_core::client::{Call, MAX_ERROR_BODY, ProxyUrl, Settings, USER_AGENT};
use ureq::http;
use ureq::{Agent, Body, BodyReader, Timeout};

use crate::READ_SIZE;

/// A connection pool for direct connections and one for each proxy of the settings.
pub(super) struct Agents {
    direct: Agent,
    /// Each proxy's pool, or why ureq cannot use the proxy.
    proxied: Vec<(ProxyUrl, Result<Agent, String>)>,
}

impl Agents {
    pub(super) fn new(settings: &Settings) -> Agents {
        let proxied = settings
            .proxies
            .all()
            .into_iter()
            .map(|proxy| {
                let agent = ureq_proxy(proxy).map(|p| agent(settings, Some(p)));
                (proxy.clone(), agent)
            })
            .collect();
        Agents {
            direct: agent(settings, None),
            proxied,
        }
    }

    /// Sends `call`'s request, as made at `now`, through the pool its URL goes through, and
    /// returns the response (its head read, its body not).
    pub(super) fn send(&self, settings: &Settings, call: &Call, now: u64) -> Sent {
        self.send_request(settings, call.http_request(now))
    }

    /// Sends `request` through the pool its URL goes through.
    pub(super) fn send_request(
        &self,
        settings: &Settings,
        request: http::Request<bytes::Bytes>,
    ) -> Sent {
        let uri = request.uri();
        let proxy = uri.host().and_then(|host| {
            settings
                .proxies
                .proxy_for(uri.scheme_str().unwrap_or("http"), host)
        });
        let agent = match proxy.and_then(|proxy| self.proxied.iter().find(|(p, _)| p == proxy)) {
            None => &self.direct,
            Some((_, Ok(agent))) => agent,
            Some((_, Err(e))) => return Sent::Failed(e.clone()),
        };
        // ureq sends a byte slice; `Bytes` derefs to one without a copy.
        let (head, body) = request.into_parts();
        match agent.run(http::Request::from_parts(head, &body[..])) {
            Ok(response) => Sent::Response(response),
            Err(e) => describe(e, settings, proxy),
        }
    }
}

/// ureq's proxy for `proxy`: an HTTP `CONNECT` proxy for every request of its agent.
fn ureq_proxy(proxy: &ProxyUrl) -> Result<ureq::Proxy, String> {
    let host = if proxy.host().contains(':') {
        format!("[{}]", proxy.host())
    } else {
        proxy.host().to_owned()
    };
    let mut builder = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
        .host(&host)
        .port(proxy.port());
    if let Some((user, password)) = proxy.credentials() {
        builder = builder.username(user).password(password);
    }
    builder.build().map_err(|e| {
        format!(
            "the proxy {} cannot be used: {e}",
            proxy.url_without_credentials()
        )
    })
}

/// The agent for `settings`: every phase before the body bounded by the settings' timeouts, the
/// idle timeout on every read, nothing on the whole stream.
fn agent(settings: &Settings, proxy: Option<ureq::Proxy>) -> Agent {
    Agent::config_builder()
        // Error statuses are answers to read (their body and `retry-after`), not errors.
        .http_status_as_error(false)
        // A provider does not redirect its API; following one could send the key elsewhere.
        .max_redirects(0)
        .proxy(proxy)
        .user_agent(USER_AGENT)
        .timeout_resolve(Some(settings.connect_timeout))
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_send_request(Some(settings.response_timeout))
        .timeout_send_body(Some(settings.response_timeout))
        .timeout_recv_response(Some(settings.response_timeout))
        // Restarts at every read of the socket: the longest silence, not a budget for the body.
        .timeout_per_read(Some(settings.idle_timeout))
        .build()
        .new_agent()
}

/// How an attempt's send ended.
pub(super) enum Sent {
    /// The response head arrived.
    Response(http::Response<Body>),
    /// No response head within the response timeout.
    TimedOut,
    /// No response: what failed.
    Failed(String),
}

/// What a send's error means, in words that name the timeout or the proxy at fault (the core
/// adds the host).
fn describe(error: ureq::Error, settings: &Settings, proxy: Option<&ProxyUrl>) -> Sent {
    let through = |text: String| match proxy {
        Some(proxy) => format!(
            "through the proxy {}: {text}",
            proxy.url_without_credentials()
        ),
        None => text,
    };
    Sent::Failed(match error {
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => through(format!(
            "connecting took longer than {} s",
            settings.connect_timeout.as_secs_f64()
        )),
        ureq::Error::Timeout(Timeout::PerRead) => format!(
            "nothing arrived for {} s (the idle timeout) before the response headers",
            settings.idle_timeout.as_secs_f64()
        ),
        ureq::Error::Timeout(_) => return Sent::TimedOut,
        ureq::Error::HostNotFound => "cannot resolve the host".to_owned(),
        ureq::Error::ConnectProxyFailed(e) => through(e),
        ureq::Error::Io(e) => through(e.to_string()),
        other => through(other.to_string()),
    })
}

/// The first [`MAX_ERROR_BODY`] bytes of an error answer's body (what arrived of it, when it
/// fails or takes too long: still the provider's message).
pub(super) fn error_body(body: Body) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = body
        .into_reader()
        .take(MAX_ERROR_BODY as u64)
        .read_to_end(&mut out);
    out
}

/// How waiting for the first body bytes ended.
pub(super) enum First {
    /// This many bytes arrived ([`BodyRead::read_bytes`]).
    Bytes(usize),
    /// The body ended before any byte.
    End,
    /// No byte within the idle timeout.
    Idle,
    /// The connection failed before any byte.
    Failed(String),
}

/// How one read of the body ended.
pub(super) enum Read {
    /// This many bytes arrived ([`BodyRead::read_bytes`]).
    Bytes(usize),
    /// The body ended.
    End,
    /// No byte within the idle timeout.
    Idle,
    /// The connection failed.
    Failed(String),
}

/// A response body and the buffer its reads fill.
pub(super) struct BodyRead {
    reader: BodyReader<'static>,
    buf: Box<[u8]>,
}

impl BodyRead {
    pub(super) fn new(body: Body) -> BodyRead {
        BodyRead {
            reader: body.into_reader(),
            buf: vec![0; READ_SIZE].into_boxed_slice(),
        }
    }

    /// The first read.
    pub(super) fn first_bytes(&mut self) -> First {
        match self.read() {
            Read::Bytes(n) => First::Bytes(n),
            Read::End => First::End,
            Read::Idle => First::Idle,
            Read::Failed(message) => First::Failed(message),
        }
    }

    /// One read (retrying an interrupted one).
    pub(super) fn read(&mut self) -> Read {
        loop {
            return match self.reader.read(&mut self.buf) {
                Ok(0) => Read::End,
                Ok(n) => Read::Bytes(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if is_idle_timeout(&e) => Read::Idle,
                Err(e) => Read::Failed(e.to_string()),
            };
        }
    }

    /// The `n` bytes the last read returned.
    pub(super) fn read_bytes(&self, n: usize) -> &[u8] {
        &self.buf[..n]
    }
}

/// True for ureq's per-read timeout: the idle timeout passed.
fn is_idle_timeout(e: &io::Error) -> bool {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<ureq::Error>())
        .is_some_and(|inner| matches!(inner, ureq::Error::Timeout(Timeout::PerRead)))
}
