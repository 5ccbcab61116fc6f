//! The provider clients: [`Client`] and the per-provider adapters, over hyper.
//!
//! The core decides everything a call means ([`Call`]: which request, which answers to retry
//! and how long to wait, what an error answer says; [`Normalizer`](llm_sse_core::Normalizer):
//! what the body's bytes say). This module moves bytes: it opens connections (through a proxy
//! when one is configured, TLS for `https`), sends the request, sleeps between attempts, and
//! reads the body into the normalizer, with the timeouts of [`Settings`].

mod adapters;
mod connect;
mod stream;

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client as PooledClient;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use llm_sse_core::Provider;
use llm_sse_core::client::{
    AuthFailure, Call, MAX_ERROR_BODY, Next, ProviderAuthError, ProviderError, Settings,
    SettingsError,
};
use llm_sse_core::request::{ChatMessage, ChatRequest, Headers};

pub use adapters::{AnthropicStreamAdapter, GeminiStreamAdapter, OpenAiStreamAdapter};
pub use stream::ChunkStream;

use connect::{Connector, Proxies, describe, seconds};
use stream::FirstBytes;

/// How long an idle pooled connection is kept for the next call.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The `user-agent` the clients send.
const USER_AGENT_VALUE: &str = concat!("llm-sse-tokio/", env!("CARGO_PKG_VERSION"));

/// A streaming client for every provider, chosen per call.
///
/// Cheap to clone: clones share one connection pool (HTTP/1.1 and HTTP/2, TLS by rustls) and
/// the [`Settings`].
///
/// ```no_run
/// use llm_sse_tokio::{ChatMessage, Client, Provider, StreamChunk};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::from_env()?; // ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY, ...
/// let mut stream = client
///     .stream_chat(Provider::Anthropic, [ChatMessage::user("Hello")], "claude-sonnet-4-5", 0.7)
///     .await?;
/// while let Some(chunk) = stream.next_chunk().await {
///     match chunk {
///         StreamChunk::Token(text) => print!("{text}"),
///         StreamChunk::Done(finish) => println!("\n[{}]", finish.finish_reason_str()),
///         _ => {}
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    http: PooledClient<Connector, Full<Bytes>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `Settings`' Debug shows which keys are set, never the keys.
        f.debug_struct("Client")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`] with a proxy other than the environment's.
///
/// ```
/// use llm_sse_tokio::{Client, Settings};
///
/// let client = Client::builder(Settings::new())
///     .proxy("http://proxy.internal:3128")?
///     .build();
/// let direct = Client::builder(Settings::new()).no_proxy().build();
/// # Ok::<(), llm_sse_tokio::InvalidProxy>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    settings: Settings,
    proxies: Proxies,
}

impl ClientBuilder {
    /// Sends every request, loopback destinations included, through the HTTP proxy at `url`
    /// (`http://host:port`, optionally with `user:password@`, sent as `Proxy-Authorization:
    /// Basic`), as an HTTP `CONNECT` tunnel; the environment's proxy variables are then
    /// ignored.
    ///
    /// # Errors
    ///
    /// [`InvalidProxy`] when `url` is not an `http://` URL with a host (its message never
    /// repeats the URL, which may hold a password).
    pub fn proxy(mut self, url: &str) -> Result<ClientBuilder, InvalidProxy> {
        let matcher = Matcher::builder().all(url).build();
        let probe = Uri::from_static("https://example.com/");
        match matcher.intercept(&probe) {
            Some(intercept) if intercept.uri().scheme_str() == Some("http") => {
                self.proxies = Proxies::Explicit(matcher);
                Ok(self)
            }
            _ => Err(InvalidProxy(())),
        }
    }

    /// Connects directly, whatever the environment's proxy variables say.
    pub fn no_proxy(mut self) -> ClientBuilder {
        self.proxies = Proxies::None;
        self
    }

    /// The client.
    pub fn build(self) -> Client {
        let connector = Connector::new(self.proxies, self.settings.connect_timeout);
        let http = PooledClient::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(connector);
        Client {
            inner: Arc::new(Inner {
                settings: self.settings,
                http,
            }),
        }
    }
}

/// A proxy URL that [`ClientBuilder::proxy`] cannot use: it must be `http://host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidProxy(());

impl fmt::Display for InvalidProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid proxy URL: expected http://host:port (an HTTP CONNECT proxy)")
    }
}

impl StdError for InvalidProxy {}

impl Client {
    /// A client with `settings`, using the proxy named by the environment (`HTTPS_PROXY`,
    /// `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, or their lower-case forms, read now), except for
    /// loopback destinations, which are always reached directly.
    ///
    /// Needs no runtime; calls need a Tokio runtime with its I/O and time drivers.
    pub fn new(settings: Settings) -> Client {
        Client::builder(settings).build()
    }

    /// A builder, to set a proxy other than the environment's.
    pub fn builder(settings: Settings) -> ClientBuilder {
        ClientBuilder {
            settings,
            proxies: Proxies::Env(Matcher::from_env()),
        }
    }

    /// A client with [`Settings`] from the environment (see [`Settings`] for the variables).
    ///
    /// # Errors
    ///
    /// [`SettingsError`] for a timeout or retry count that is not a number, naming the
    /// variable. A missing key is not an error here: a call to that provider fails with
    /// [`ProviderAuthError`] naming the variable to set.
    pub fn from_env() -> Result<Client, SettingsError> {
        Settings::from_lookup(|name| std::env::var(name).ok()).map(Client::new)
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Starts a streaming call of `provider` with `request`.
    ///
    /// Returns once the provider has answered `200` with an event stream and its first bytes
    /// have arrived. Failures before that are retried as the [`Settings::retry`] policy says
    /// (connection failures, `408`, `409`, `429`, `5xx`; waiting what the provider asks for in
    /// `retry-after`), and the final one is the `Err`.
    ///
    /// # Errors
    ///
    /// - [`ProviderError::Auth`]: no key for `provider` (naming the variable to set; no
    ///   request is sent), or the provider answered `401`/`403` (with its message; never
    ///   retried).
    /// - [`ProviderError::InvalidRequest`]: the request breaks the provider's rules (nothing
    ///   is sent).
    /// - [`ProviderError::Rejected`]: the provider refused the request (`400`, `404`, ...), with
    ///   its own message.
    /// - [`ProviderError::RateLimited`], [`ProviderError::Unavailable`],
    ///   [`ProviderError::Connection`]: `429`, `5xx` or no connection, once the retries are
    ///   spent.
    /// - [`ProviderError::NotEventStream`]: a `200` that is not `text/event-stream`.
    /// - [`ProviderError::InvalidBaseUrl`]: the base URL is not an `http(s)://` URL.
    pub async fn stream(
        &self,
        provider: Provider,
        request: ChatRequest,
    ) -> Result<ChunkStream, ProviderError> {
        let settings = &self.inner.settings;
        let mut call = Call::new(settings, provider, &request)?;
        drop(request);
        let prepared = Prepared::new(&call, settings.base_url(provider))?;
        loop {
            let next = match self.attempt(&call, &prepared).await {
                Attempt::Stream(stream) => return Ok(stream),
                Attempt::Refused(error) => return Err(error),
                Attempt::ConnectionFailed(message) => call.connection_failed(message, random()),
                Attempt::Failed {
                    status,
                    headers,
                    body,
                } => call.failed_response(
                    status,
                    headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
                    &body,
                    now_unix_secs(),
                    random(),
                ),
            };
            match next {
                Next::Retry { after } => tokio::time::sleep(after).await,
                Next::Fail(error) => return Err(without_key(error, settings, provider)),
            }
        }
    }

    /// [`stream`](Client::stream) with a request of `messages`, `model` and `temperature`
    /// (the provider's defaults for everything else).
    ///
    /// The messages are collected before the returned future is first polled, so it is `Send`
    /// whatever the iterator.
    ///
    /// # Errors
    ///
    /// As [`stream`](Client::stream).
    pub fn stream_chat(
        &self,
        provider: Provider,
        messages: impl IntoIterator<Item = ChatMessage>,
        model: &str,
        temperature: f64,
    ) -> impl Future<Output = Result<ChunkStream, ProviderError>> + Send + '_ {
        let request =
            ChatRequest::new(model, messages.into_iter().collect()).with_temperature(temperature);
        self.stream(provider, request)
    }

    /// One attempt: send, and read the answer as far as needed to decide.
    async fn attempt(&self, call: &Call, prepared: &Prepared) -> Attempt {
        let settings = &self.inner.settings;
        let sending = self.inner.http.request(prepared.request());
        let response = match tokio::time::timeout(settings.response_timeout, sending).await {
            Err(_) => {
                return Attempt::ConnectionFailed(format!(
                    "no response from {} within {}",
                    prepared.host,
                    seconds(settings.response_timeout)
                ));
            }
            Ok(Err(e)) => {
                let cause = if e.is_connect() {
                    e.source().map(describe).unwrap_or_else(|| describe(&e))
                } else {
                    describe(&e)
                };
                return Attempt::ConnectionFailed(format!("{}: {cause}", prepared.host));
            }
            Ok(Ok(response)) => response,
        };
        let (head, body) = response.into_parts();
        let status = head.status.as_u16();
        if !head.status.is_success() {
            let body = read_error_body(body, settings.response_timeout).await;
            return Attempt::Failed {
                status,
                headers: head.headers,
                body,
            };
        }
        let content_type = head.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        if let Err(error) = call.response_started(status, content_type) {
            return Attempt::Refused(error);
        }
        let retries = call.attempt().saturating_sub(1);
        let stream = ChunkStream::new(call.provider(), retries, body, settings.idle_timeout);
        match stream.first_bytes().await {
            FirstBytes::Stream(stream) => Attempt::Stream(stream),
            FirstBytes::Failed(cause) => Attempt::ConnectionFailed(format!(
                "{}: the connection failed before the first byte of the stream: {cause}",
                prepared.host
            )),
        }
    }
}

/// How one attempt ended.
// Made once per attempt and moved once: boxing the stream would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Attempt {
    Stream(ChunkStream),
    /// A `200` that is not an event stream: never retried.
    Refused(ProviderError),
    ConnectionFailed(String),
    Failed {
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
    },
}

/// The request of a call as hyper sends it; each attempt clones it (cheaply: the body is
/// shared).
struct Prepared {
    method: http::Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    /// `host:port`, for error messages (never the URL's user information).
    host: String,
}

impl Prepared {
    fn new(call: &Call, base_url: &str) -> Result<Prepared, ProviderError> {
        let invalid = |reason: String| ProviderError::InvalidBaseUrl {
            url: base_url.into(),
            reason,
        };
        let uri: Uri = call
            .url()
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(e.to_string()))?;
        let host = match (uri.host(), uri.port_u16()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(invalid("it has no host".into())),
        };
        let http = call.http();
        let method = http::Method::from_bytes(http.method.as_str().as_bytes())
            .map_err(|_| invalid("unsupported method".into()))?;
        let mut headers = HeaderMap::with_capacity(http.headers.len() + 1);
        for (name, value) in &http.headers {
            let sensitive = Headers::is_sensitive(name);
            let header = HeaderName::from_bytes(name.as_bytes())
                .ok()
                .zip(HeaderValue::from_str(value).ok());
            let Some((name, mut value)) = header else {
                // The builders write only valid headers and check the key; should a key still
                // not fit in a header, say so without showing it.
                return Err(ProviderError::Auth(ProviderAuthError {
                    provider: call.provider(),
                    reason: AuthFailure::MalformedKey,
                }));
            };
            value.set_sensitive(sensitive);
            headers.append(name, value);
        }
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        Ok(Prepared {
            method,
            uri,
            headers,
            body: Bytes::from(http.body_bytes()),
            host,
        })
    }

    fn request(&self) -> Request<Full<Bytes>> {
        let mut request = Request::new(Full::new(self.body.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }
}

/// `error` with every occurrence of `provider`'s key in the provider's message replaced by
/// `<redacted>`: a provider (or a proxy in front of it) that echoes the key it refused must not
/// make the client show it.
fn without_key(mut error: ProviderError, settings: &Settings, provider: Provider) -> ProviderError {
    let Ok(key) = settings.api_key(provider) else {
        return error;
    };
    let key = key.expose();
    let message = match &mut error {
        ProviderError::Auth(ProviderAuthError {
            reason: AuthFailure::Rejected(api),
            ..
        })
        | ProviderError::Rejected(api)
        | ProviderError::Unavailable(api)
        | ProviderError::RateLimited { error: api, .. } => Some(&mut api.message),
        ProviderError::Connection { message } => Some(message),
        _ => None,
    };
    if let Some(message) = message {
        if message.contains(key) {
            *message = message.replace(key, "<redacted>");
        }
    }
    error
}

/// The first [`MAX_ERROR_BODY`] bytes of an error answer's body, read within `limit`; what
/// arrived is kept when the body fails or takes too long.
async fn read_error_body(mut body: Incoming, limit: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    let reading = async {
        while out.len() < MAX_ERROR_BODY {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        let room = MAX_ERROR_BODY - out.len();
                        out.extend_from_slice(data.get(..room).unwrap_or(&data));
                    }
                }
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout(limit, reading).await;
    out
}

/// A number in `[0, 1)` for the retry jitter, from the standard library's randomly keyed
/// hasher (each `RandomState` has new keys).
fn random() -> f64 {
    let bits = RandomState::new().hash_one(0x5eed_u32);
    // The top 53 bits, as the mantissa of a number in [0, 1).
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// The current time in seconds since the Unix epoch (0 for a clock before it).
fn now_unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_numbers_are_in_range_and_vary() {
        let numbers: Vec<f64> = (0..1000).map(|_| random()).collect();
        assert!(numbers.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = numbers.iter().sum::<f64>() / numbers.len() as f64;
        assert!((0.4..0.6).contains(&mean), "mean {mean}");
        let mut distinct = numbers.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert!(distinct.len() > 990);
    }

    #[test]
    fn proxy_urls() {
        let builder = || Client::builder(Settings::new());
        assert!(builder().proxy("http://proxy.internal:3128").is_ok());
        assert!(
            builder().proxy("proxy.internal:3128").is_ok(),
            "http:// is assumed"
        );
        assert!(
            builder()
                .proxy("http://user:pw@proxy.internal:3128")
                .is_ok()
        );
        for bad in [
            "",
            "https://proxy.internal",
            "socks5://proxy:1080",
            "http://",
        ] {
            let e = builder().proxy(bad).unwrap_err();
            assert!(!e.to_string().contains("proxy.internal"));
        }
        let e = builder().proxy("ftp://user:secret@proxy").unwrap_err();
        assert!(!e.to_string().contains("secret"));
    }

    #[test]
    fn futures_are_send() {
        fn send<T: Send>(_: &T) {}
        let client = Client::new(Settings::new());
        let future = client.stream(Provider::Anthropic, ChatRequest::new("m", Vec::new()));
        send(&future);
        let not_send = std::rc::Rc::new(());
        let messages = std::iter::once(ChatMessage::user("hi")).inspect(move |_| {
            let _ = &not_send;
        });
        let future = client.stream_chat(Provider::OpenAi, messages, "m", 0.5);
        send(&future);
        fn stream_traits<T: futures_core::Stream + Send + Unpin>() {}
        stream_traits::<ChunkStream>();
    }
}
