//! The provider client, [`Client`], over hyper (the per-provider adapters, in
//! `crate::adapters`, are a `Client` with the provider fixed).
//!
//! The core decides everything a call means ([`Call`]: which request, which answers to retry
//! and how long to wait, what an error answer says; [`Normalizer`](llm_sse_core::Normalizer):
//! what the body's bytes say). This module moves bytes: it opens connections (through a proxy
//! when one is configured, TLS for `https`), sends the request, sleeps between attempts, and
//! reads the body into the normalizer, with the timeouts of [`Settings`]. Plain `http://` calls
//! without a proxy skip hyper-util's pool for connections of their own (`direct`), driven by
//! whoever reads the body (`body`).

mod body;
mod connect;
mod direct;
mod stream;

use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, poll_fn};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client as PooledClient;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use llm_sse_core::Provider;
use llm_sse_core::client::{
    AccessTokens, Attempt, Authorization, Call, Head, InvalidProxy, MAX_ERROR_BODY, ProviderError,
    Proxies, Settings, SettingsError, TokenStep,
};
use llm_sse_core::google::SystemRandom;
use llm_sse_core::request::{ChatMessage, ChatRequest, ValidRequest};

pub use stream::ChunkStream;

use body::ResponseBody;
use connect::{Connector, describe};
use stream::First;

/// How long an idle pooled connection is kept for the next call.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// A streaming client for every provider, chosen per call.
///
/// Cheap to clone: clones share the connection pools and the [`Settings`]. An `https` URL, or
/// one reached through a proxy, goes through hyper-util's pool (HTTP/1.1 and HTTP/2, TLS by
/// rustls); a plain `http://` URL without a proxy (a model server nearby, a sidecar) goes on an
/// HTTP/1.1 connection that the task reading the stream drives itself, with no task of its own,
/// kept for the next call once its response was read to its end.
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
    /// Plain-HTTP/1.1 connections without a proxy, each driven by its response's reader.
    direct: Arc<direct::Pool>,
    /// The cached access tokens of the providers that take one (Vertex AI).
    tokens: Mutex<AccessTokens>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `Settings`' Debug shows which keys are set, never the keys.
        f.debug_struct("Client")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`] with a proxy other than its [`Settings`]' (which `Settings::from_env`
/// reads from the environment: see [`Proxies`] for the rule, the same in both shells).
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
}

impl ClientBuilder {
    /// Sends every request, loopback destinations included, through the HTTP proxy at `url`
    /// (`http://host:port`, optionally with `user:password@`, sent as `Proxy-Authorization:
    /// Basic`), as an HTTP `CONNECT` tunnel.
    ///
    /// # Errors
    ///
    /// [`InvalidProxy`] when `url` is not an `http://` URL with a host (its message never
    /// repeats the URL, which may hold a password).
    pub fn proxy(mut self, url: &str) -> Result<ClientBuilder, InvalidProxy> {
        self.settings.proxies = Proxies::explicit(url)?;
        Ok(self)
    }

    /// Connects directly, whatever the settings' proxies say.
    pub fn no_proxy(mut self) -> ClientBuilder {
        self.settings.proxies = Proxies::None;
        self
    }

    /// The client.
    pub fn build(self) -> Client {
        let connector =
            Connector::new(self.settings.proxies.clone(), self.settings.connect_timeout);
        let http = PooledClient::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(connector);
        let direct = Arc::new(direct::Pool::new(self.settings.connect_timeout));
        Client {
            inner: Arc::new(Inner {
                tokens: Mutex::new(AccessTokens::new(&self.settings)),
                settings: self.settings,
                http,
                direct,
            }),
        }
    }
}

impl Client {
    /// A client with `settings`, connecting through the proxies they name
    /// ([`Settings::proxies`]: read from the environment by `Settings::from_lookup`, none by
    /// `Settings::new`).
    ///
    /// Needs no runtime; calls need a Tokio runtime with its I/O and time drivers.
    pub fn new(settings: Settings) -> Client {
        Client::builder(settings).build()
    }

    /// A builder, to set a proxy other than the settings'.
    pub fn builder(settings: Settings) -> ClientBuilder {
        ClientBuilder { settings }
    }

    /// A client with [`Settings`] from the environment (see [`Settings`] for the variables,
    /// the proxies' among them).
    ///
    /// # Errors
    ///
    /// [`SettingsError`] for a timeout or retry count that is not a number, naming the
    /// variable. A missing key is not an error here: a call to that provider fails with
    /// [`ProviderAuthError`](crate::ProviderAuthError) naming the variable to set.
    pub fn from_env() -> Result<Client, SettingsError> {
        settings_from_env().map(Client::new)
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
        self.stream_valid(request.validate(provider)?).await
    }

    /// [`stream`](Client::stream) with a request already validated for its provider.
    ///
    /// # Errors
    ///
    /// As [`stream`](Client::stream), without [`ProviderError::InvalidRequest`].
    pub async fn stream_valid(&self, request: ValidRequest) -> Result<ChunkStream, ProviderError> {
        let settings = &self.inner.settings;
        let provider = request.provider();
        let mut call = match self.authorization(provider).await? {
            Some(authorization) => Call::with_authorization(settings, request, &authorization)?,
            None => Call::new(settings, request)?,
        };
        loop {
            let sending = self.inner.send(call.http_request(now_unix_secs()));
            let attempt = match tokio::time::timeout(settings.response_timeout, sending).await {
                Err(_) => call.response_timed_out(settings.response_timeout, random()),
                Ok(Err(message)) => call.no_response(message, random()),
                Ok(Ok(response)) => {
                    let (head, body) = response.into_parts();
                    let headers = head.headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes()));
                    match call.response(head.status.as_u16(), headers, now_unix_secs()) {
                        Head::Stream(starting) => {
                            match stream::first_bytes(body, settings.idle_timeout).await {
                                First::Bytes(bytes, body) => {
                                    let streaming = starting.first_bytes(&bytes);
                                    return Ok(ChunkStream::new(streaming, Some(body)));
                                }
                                First::End => return Ok(ChunkStream::new(starting.ended(), None)),
                                First::Idle => {
                                    return Ok(ChunkStream::new(starting.idle_timeout(), None));
                                }
                                First::Failed(message) => starting.failed(message, random()),
                            }
                        }
                        Head::ErrorBody(error) => {
                            let body = read_error_body(body, settings.response_timeout).await;
                            error.finish(&body, random())
                        }
                        Head::Failed(error) => return Err(error),
                    }
                }
            };
            match attempt {
                Attempt::Retry { call: next, after } => {
                    tokio::time::sleep(after).await;
                    call = next;
                }
                Attempt::Reauthorize {
                    call: next,
                    refused,
                } => {
                    if !self.tokens().is_renewable(provider) {
                        return Err(refused);
                    }
                    self.tokens().invalidate(provider);
                    let Some(Authorization::AccessToken(token)) =
                        self.authorization(provider).await?
                    else {
                        return Err(refused);
                    };
                    call = next.reauthorize(&token)?;
                }
                Attempt::Failed(error) => return Err(error),
            }
        }
    }

    /// What a call of `provider` needs fetched (Vertex AI's access token, Bedrock's container
    /// credentials), fetched when none is cached; `None` for a provider that needs nothing.
    async fn authorization(
        &self,
        provider: Provider,
    ) -> Result<Option<Authorization>, ProviderError> {
        let settings = &self.inner.settings;
        let rng = SystemRandom::new();
        let read_file = |path: &str| std::fs::read_to_string(path).ok();
        loop {
            let fetch = match self
                .tokens()
                .step(provider, now_unix_secs(), &rng, &read_file)?
            {
                TokenStep::NotNeeded => return Ok(None),
                TokenStep::Ready(authorization) => return Ok(Some(authorization)),
                TokenStep::Fetch(fetch) => fetch,
            };
            let sending = self.inner.send(fetch.http_request(provider)?);
            let response = match tokio::time::timeout(settings.response_timeout, sending).await {
                Err(_) => {
                    let message = format!(
                        "no response within {} s",
                        settings.response_timeout.as_secs_f64()
                    );
                    return Err(self.tokens().fetch_failed(provider, message));
                }
                Ok(Err(message)) => return Err(self.tokens().fetch_failed(provider, message)),
                Ok(Ok(response)) => response,
            };
            let status = response.status().as_u16();
            let body = read_error_body(response.into_body(), settings.response_timeout).await;
            self.tokens()
                .fetched(provider, status, &body, now_unix_secs())?;
        }
    }

    /// The token cache (never held across an `await`).
    fn tokens(&self) -> std::sync::MutexGuard<'_, AccessTokens> {
        // A panic while the lock was held cannot leave the cache half-written: every change
        // to it is one assignment.
        self.inner
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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
}

impl Inner {
    /// Sends `request`: on a connection of its own, driven by the response's reader, for a
    /// plain `http://` URL without a proxy; on the pooled client's for anything else (TLS,
    /// HTTP/2, proxies). The error says what failed.
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<ResponseBody>, String> {
        let uri = request.uri();
        let direct = uri.scheme_str() == Some("http")
            && uri
                .host()
                .is_some_and(|host| self.settings.proxies.proxy_for("http", host).is_none());
        if direct {
            let response = self.direct.send(request).await?;
            Ok(response.map(|body| ResponseBody::Direct(Box::new(body))))
        } else {
            match self.http.request(request.map(Full::new)).await {
                Ok(response) => Ok(response.map(ResponseBody::pooled)),
                Err(e) => Err(cause(&e)),
            }
        }
    }
}

/// [`Settings`] from this process's environment variables ([`Settings`] lists them) and the
/// credential files they name (AWS's shared `credentials` and `config` files, Google's
/// application-default credentials): what [`Client::from_env`] uses.
///
/// # Errors
///
/// [`SettingsError`] for a timeout, retry count or proxy that cannot be used, naming the
/// variable.
pub fn settings_from_env() -> Result<Settings, SettingsError> {
    Settings::from_lookup_and_files(
        |name| std::env::var(name).ok(),
        |path| std::fs::read_to_string(path).ok(),
    )
}

/// What a failed send says: the transport's error and its sources, the cause of a failed
/// connection first.
fn cause(e: &hyper_util::client::legacy::Error) -> String {
    if e.is_connect() {
        e.source().map(describe).unwrap_or_else(|| describe(e))
    } else {
        describe(e)
    }
}

/// The first [`MAX_ERROR_BODY`] bytes of an error answer's body, read within `limit`; what
/// arrived is kept when the body fails or takes too long.
async fn read_error_body(mut body: ResponseBody, limit: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    let reading = async {
        while out.len() < MAX_ERROR_BODY {
            let mut keep = |data: &[u8]| {
                let room = MAX_ERROR_BODY - out.len();
                out.extend_from_slice(data.get(..room).unwrap_or(data));
            };
            match poll_fn(|cx| body.poll_feed(cx, &mut keep)).await {
                Some(Ok(())) => {}
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
