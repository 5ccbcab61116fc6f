//! Everything ureq: the agent's configuration, one attempt, what its errors mean, and the body
//! reader that tells an idle timeout from a lost connection.

use std::fmt;
use std::io::{self, Read};
use std::time::Duration;

use llm_sse_core::client::{Call, Settings};
use llm_sse_core::request::Headers;
use llm_sse_core::{StreamError, StreamErrorKind};
use ureq::http::{self, HeaderValue};
use ureq::{Agent, Body, BodyReader, Timeout};

/// The agent for `settings`: every phase before the body bounded by the settings' timeouts, the
/// idle timeout on every read, nothing on the whole stream.
pub(super) fn agent(settings: &Settings, proxy: Option<ureq::Proxy>) -> Agent {
    Agent::config_builder()
        // Error statuses are answers to read (their body and `retry-after`), not errors.
        .http_status_as_error(false)
        // A provider does not redirect its API; following one could send the key elsewhere.
        .max_redirects(0)
        .proxy(proxy)
        .user_agent(concat!("llm-sse-blocking/", env!("CARGO_PKG_VERSION")))
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

/// Why an attempt got no response.
pub(super) enum SendError {
    /// Worth another attempt (per the retry policy): the connection, TLS, proxy or a timeout.
    Retryable(String),
    /// Never: the URL cannot be requested.
    BadUrl(String),
}

/// Sends `call`'s request with `body` and returns the response (its headers read, its body not).
pub(super) fn send(
    agent: &Agent,
    settings: &Settings,
    call: &Call,
    body: &[u8],
) -> Result<http::Response<Body>, SendError> {
    let http = call.http();
    let uri: http::Uri = call
        .url()
        .parse()
        .map_err(|e: http::uri::InvalidUri| SendError::BadUrl(e.to_string()))?;
    let host = host(&uri);
    let mut request = http::Request::builder()
        .method(http.method.as_str())
        .uri(uri)
        .body(body)
        .map_err(|e| SendError::BadUrl(e.to_string()))?;
    insert_headers(request.headers_mut(), &http.headers);
    agent.run(request).map_err(|e| describe(e, settings, &host))
}

/// The core's headers, credentials marked sensitive. The core built them from checked values,
/// so a header that does not convert cannot happen; it would be left out, and the provider's
/// answer would say what is missing.
fn insert_headers(map: &mut http::HeaderMap, headers: &Headers) {
    for (name, value) in headers {
        let (Ok(name), Ok(mut value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            continue;
        };
        value.set_sensitive(Headers::is_sensitive(name.as_str()));
        map.insert(name, value);
    }
}

/// `host:port` of `uri`, never its user information.
fn host(uri: &http::Uri) -> String {
    let host = uri.host().unwrap_or("the provider");
    match uri.port_u16() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

fn secs(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

/// What an attempt's failure means, in words that name the host and the timeout at fault.
fn describe(error: ureq::Error, settings: &Settings, host: &str) -> SendError {
    let message = match error {
        ureq::Error::BadUri(reason) => return SendError::BadUrl(reason),
        ureq::Error::Http(e) => return SendError::BadUrl(e.to_string()),
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => format!(
            "connecting to {host} took longer than {} s",
            secs(settings.connect_timeout)
        ),
        ureq::Error::Timeout(Timeout::PerRead) => format!(
            "{host} sent nothing for {} s (the idle timeout) before its response headers",
            secs(settings.idle_timeout)
        ),
        ureq::Error::Timeout(_) => format!(
            "no response headers from {host} within {} s",
            secs(settings.response_timeout)
        ),
        ureq::Error::HostNotFound => format!("cannot resolve {host}"),
        ureq::Error::Io(e) => format!("{host}: {e}"),
        other => format!("{host}: {other}"),
    };
    SendError::Retryable(message)
}

/// The response body, with ureq's per-read timeout turned into an [`IdleTimeout`] error.
pub(super) struct BodyRead {
    reader: BodyReader<'static>,
    idle_timeout: Duration,
}

impl BodyRead {
    pub(super) fn new(body: Body, idle_timeout: Duration) -> BodyRead {
        BodyRead {
            reader: body.into_reader(),
            idle_timeout,
        }
    }
}

impl Read for BodyRead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf).map_err(|e| {
            let per_read_timeout = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<ureq::Error>())
                .is_some_and(|inner| matches!(inner, ureq::Error::Timeout(Timeout::PerRead)));
            if per_read_timeout {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    IdleTimeout {
                        after: self.idle_timeout,
                    },
                )
            } else {
                e
            }
        })
    }
}

/// No body byte arrived within the idle timeout.
#[derive(Debug)]
struct IdleTimeout {
    after: Duration,
}

impl fmt::Display for IdleTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no data from the provider for {} s (the idle timeout)",
            secs(self.after)
        )
    }
}

impl std::error::Error for IdleTimeout {}

/// How a body read error ends the stream: `idle_timeout` for [`IdleTimeout`], otherwise
/// `connection_error`.
pub(super) fn read_error(e: &io::Error) -> StreamError {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<IdleTimeout>())
    {
        Some(idle) => StreamError::new(StreamErrorKind::IdleTimeout, idle.to_string()),
        None => crate::chunks::connection_error(e),
    }
}
