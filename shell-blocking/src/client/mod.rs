//! The blocking provider client: [`Client`], the per-provider adapters, [`ChunkStream`].
//!
//! Glue around the core's [`Call`] (which request, which answer to retry, how long to wait,
//! what an error answer means) and [`ChunkReader`] (the body as chunks). This module only
//! sends, sleeps and reads, with ureq.

mod transport;

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use llm_sse_core::client::{Call, MAX_ERROR_BODY, Next};
use llm_sse_core::{Provider, StreamChunk};
use ureq::http;

pub use llm_sse_core::client::{
    AuthFailure, ProviderAuthError, ProviderError, Settings, SettingsError,
};
pub use llm_sse_core::request::{ChatMessage, ChatRequest};

use crate::ChunkReader;
use transport::{BodyRead, SendError};

/// A blocking client for every provider: [`Settings`] and one connection pool, shared by its
/// clones (cloning is cheap).
///
/// [`stream`](Client::stream) sends a request and, once a provider has answered with an event
/// stream, returns its [`ChunkStream`]. Everything that goes wrong before that is a
/// [`ProviderError`], after the retries the settings allow (connection failures, `408`, `409`,
/// `429`, `5xx`, waiting what `retry-after` asks for, up to 60 s, or backing off); everything
/// after it ends the stream with an error terminal chunk, keeping the tokens that arrived.
///
/// Connections go through the proxy the environment names (`ALL_PROXY`, `HTTPS_PROXY`,
/// `HTTP_PROXY` or their lowercase forms, except for hosts in `NO_PROXY`); see
/// [`Client::builder`] to choose in code.
///
/// ```no_run
/// use llm_sse_blocking::{ChatMessage, Client, StreamChunk};
/// use llm_sse_blocking::core::Provider;
///
/// let client = Client::from_env()?; // ANTHROPIC_API_KEY, OPENAI_API_KEY, ...
/// let stream = client.stream_chat(
///     Provider::Anthropic,
///     [ChatMessage::user("Say hello")],
///     "claude-sonnet-4-5",
///     0.7,
/// )?;
/// for chunk in stream {
///     match chunk {
///         StreamChunk::Token(text) => print!("{text}"),
///         StreamChunk::Done(finish) => println!("\n[{}]", finish.finish_reason_str()),
///         _ => {}
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Client {
    settings: Arc<Settings>,
    agent: ureq::Agent,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with `settings`, through the proxy the environment names, if any
    /// (`ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` or their lowercase forms, except the hosts in
    /// `NO_PROXY`, read now).
    pub fn new(settings: Settings) -> Client {
        Client::builder(settings).build()
    }

    /// A builder, to set a proxy other than the environment's.
    pub fn builder(settings: Settings) -> ClientBuilder {
        ClientBuilder {
            settings,
            proxy: ProxyChoice::Env,
        }
    }

    /// A client with the settings of the environment variables ([`Settings`] lists them).
    ///
    /// # Errors
    ///
    /// A timeout or retry count that is not a number, naming the variable.
    pub fn from_env() -> Result<Client, SettingsError> {
        Ok(Client::new(Settings::from_lookup(|name| {
            std::env::var(name).ok()
        })?))
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Sends `request` to `provider` and returns its stream once the provider has started it.
    ///
    /// Blocks while connecting, while waiting for the response headers and while sleeping
    /// between retries; the chunks then arrive as the iterator is advanced.
    ///
    /// # Errors
    ///
    /// [`ProviderError`]: no API key or a refused one (never retried), an invalid request or
    /// base URL (found before any network call), the provider's refusal, or the last failure
    /// once the retries are spent.
    pub fn stream(
        &self,
        provider: Provider,
        request: ChatRequest,
    ) -> Result<ChunkStream, ProviderError> {
        let mut call = Call::new(&self.settings, provider, &request)?;
        let body = call.http().body_bytes();
        loop {
            let next = match transport::send(&self.agent, &self.settings, &call, &body) {
                Err(SendError::BadUrl(reason)) => {
                    return Err(ProviderError::InvalidBaseUrl {
                        url: self.settings.base_url(provider).to_owned(),
                        reason,
                    });
                }
                Err(SendError::Retryable(message)) => call.connection_failed(message, random()),
                Ok(response) if response.status().is_success() => {
                    let content_type = response
                        .headers()
                        .get(http::header::CONTENT_TYPE)
                        .and_then(|value| value.to_str().ok());
                    call.response_started(response.status().as_u16(), content_type)?;
                    let body = BodyRead::new(response.into_body(), self.settings.idle_timeout);
                    return Ok(ChunkStream {
                        chunks: Some(
                            ChunkReader::new(body, provider).with_read_error(transport::read_error),
                        ),
                        provider,
                        retries: call.attempt() - 1,
                    });
                }
                Ok(response) => {
                    let (head, body) = response.into_parts();
                    // What arrived of the body before a failure is still the provider's message.
                    let mut error_body = Vec::new();
                    let _ = body
                        .into_reader()
                        .take(MAX_ERROR_BODY as u64)
                        .read_to_end(&mut error_body);
                    let headers = head
                        .headers
                        .iter()
                        .map(|(name, value)| (name.as_str(), value.as_bytes()));
                    call.failed_response(
                        head.status.as_u16(),
                        headers,
                        &error_body,
                        unix_now(),
                        random(),
                    )
                }
            };
            match next {
                Next::Retry { after } => std::thread::sleep(after),
                Next::Fail(error) => return Err(error),
            }
        }
    }

    /// Streams a chat: `messages` to `model` at `temperature`, everything else the provider's
    /// defaults (see [`ChatRequest`] for tools, images, reasoning and the rest).
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
    ) -> Result<ChunkStream, ProviderError> {
        let request =
            ChatRequest::new(model, messages.into_iter().collect()).with_temperature(temperature);
        self.stream(provider, request)
    }
}

/// The current time in seconds since 1970, for a `retry-after` date.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// A number in `[0, 1)` for the backoff's jitter: the standard library's randomly keyed hasher
/// (a new key each call), which is random enough to spread retries apart.
fn random() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A provider's stream as it arrives: an iterator of [`StreamChunk`]s ending in exactly one
/// terminal chunk ([`StreamChunk::Done`]), then `None`.
///
/// `next` blocks until the next chunk is decoded. A lost connection ends the stream with a
/// `connection_error` terminal chunk, a silence longer than the idle timeout with an
/// `idle_timeout` one; the tokens before stay yours. There is no limit on the whole stream.
///
/// Dropping it closes the connection at once (the provider stops generating); so does
/// reaching the terminal chunk, unless the body had ended and the connection can serve the
/// next request.
pub struct ChunkStream {
    /// `None` once the terminal chunk is out.
    chunks: Option<ChunkReader<BodyRead>>,
    provider: Provider,
    retries: u32,
}

impl fmt::Debug for ChunkStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkStream")
            .field("provider", &self.provider)
            .field("retries", &self.retries)
            .field("finished", &self.chunks.is_none())
            .finish()
    }
}

impl ChunkStream {
    /// The provider streaming.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// How many failed attempts were retried before this stream started.
    pub fn retries(&self) -> u32 {
        self.retries
    }
}

impl Iterator for ChunkStream {
    type Item = StreamChunk;

    fn next(&mut self) -> Option<StreamChunk> {
        let chunks = self.chunks.as_mut()?;
        let chunk = chunks.next();
        if chunks.is_drained() {
            // The terminal chunk is out: let the connection go now, not when the stream is
            // dropped.
            self.chunks = None;
        }
        chunk
    }
}

/// Builds a [`Client`] with a proxy other than the environment's, or none.
///
/// ```
/// use llm_sse_blocking::{Client, Settings};
///
/// let proxied = Client::builder(Settings::new())
///     .proxy("http://user:secret@proxy.internal:3128")?
///     .build();
/// assert!(!format!("{proxied:?}").contains("secret"));
/// let direct = Client::builder(Settings::new()).no_proxy().build();
/// # Ok::<(), llm_sse_blocking::InvalidProxy>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    settings: Settings,
    proxy: ProxyChoice,
}

/// Where a client's connections go.
#[derive(Clone)]
enum ProxyChoice {
    /// The environment's proxy, if any.
    Env,
    /// This proxy, for every destination.
    Explicit(ureq::Proxy),
    /// Direct connections.
    None,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proxy = match &self.proxy {
            ProxyChoice::Env => String::from("from the environment"),
            ProxyChoice::Explicit(p) => format!("{}:{}", p.host(), p.port()),
            ProxyChoice::None => String::from("none"),
        };
        f.debug_struct("ClientBuilder")
            .field("settings", &self.settings)
            .field("proxy", &proxy)
            .finish()
    }
}

impl ClientBuilder {
    /// Sends every request through the proxy at `url`: `http://host:port` or
    /// `https://host:port`, with `user:password@` (percent-encoded) when it needs credentials;
    /// without a scheme, `http://` is assumed. The environment's proxy variables are then
    /// ignored.
    ///
    /// # Errors
    ///
    /// [`InvalidProxy`] for a URL that cannot be parsed or another protocol (SOCKS is not
    /// supported); its message never repeats the URL, which may hold a password.
    pub fn proxy(mut self, url: &str) -> Result<ClientBuilder, InvalidProxy> {
        let proxy = ureq::Proxy::new(url).map_err(|_| InvalidProxy(()))?;
        match proxy.protocol() {
            ureq::ProxyProtocol::Http | ureq::ProxyProtocol::Https => {
                self.proxy = ProxyChoice::Explicit(proxy);
                Ok(self)
            }
            _ => Err(InvalidProxy(())),
        }
    }

    /// Connects directly, whatever the environment's proxy variables say.
    pub fn no_proxy(mut self) -> ClientBuilder {
        self.proxy = ProxyChoice::None;
        self
    }

    /// The client.
    pub fn build(self) -> Client {
        let proxy = match self.proxy {
            ProxyChoice::Env => ureq::Proxy::try_from_env(),
            ProxyChoice::Explicit(proxy) => Some(proxy),
            ProxyChoice::None => None,
        };
        let agent = transport::agent(&self.settings, proxy);
        Client {
            settings: Arc::new(self.settings),
            agent,
        }
    }
}

/// A proxy URL that [`ClientBuilder::proxy`] cannot use (it is not shown: it may hold a
/// password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidProxy(());

impl fmt::Display for InvalidProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid proxy URL: expected http://host:port or https://host:port")
    }
}

impl std::error::Error for InvalidProxy {}

macro_rules! adapter {
    ($name:ident, $provider:expr, $display:literal, $model:literal, $key:literal) => {
        #[doc = concat!("A blocking streaming client of ", $display, ": a [`Client`] bound to one provider.")]
        ///
        /// Clones share the client (and its connections); [`with_client`](Self::with_client)
        /// shares one client between adapters of several providers.
        ///
        /// ```
        #[doc = concat!("use llm_sse_blocking::{", stringify!($name), ", ChatMessage, ProviderError, Settings};")]
        ///
        #[doc = concat!("let adapter = ", stringify!($name), "::new(Settings::new()); // no API key")]
        #[doc = concat!("let error = adapter.stream_chat([ChatMessage::user(\"Hi\")], \"", $model, "\", 0.5).unwrap_err();")]
        /// assert!(matches!(error, ProviderError::Auth(_))); // found before any network call
        #[doc = concat!("assert!(error.to_string().contains(\"", $key, "\"));")]
        /// ```
        #[derive(Debug, Clone)]
        pub struct $name {
            client: Client,
        }

        impl $name {
            /// The provider this adapter calls.
            pub const PROVIDER: Provider = $provider;

            /// An adapter with a client of its own for `settings`, through the proxy the
            /// environment names, if any.
            pub fn new(settings: Settings) -> Self {
                Self::with_client(Client::new(settings))
            }

            /// An adapter with the settings of the environment variables ([`Settings`] lists
            /// them).
            ///
            /// # Errors
            ///
            /// A timeout or retry count that is not a number, naming the variable.
            pub fn from_env() -> Result<Self, SettingsError> {
                Client::from_env().map(Self::with_client)
            }

            /// An adapter that uses `client` (its settings and connections).
            pub fn with_client(client: Client) -> Self {
                $name { client }
            }

            /// The client this adapter uses.
            pub fn client(&self) -> &Client {
                &self.client
            }

            /// Streams a chat: `messages` to `model` at `temperature`.
            ///
            /// # Errors
            ///
            /// As [`Client::stream`].
            pub fn stream_chat(
                &self,
                messages: impl IntoIterator<Item = ChatMessage>,
                model: &str,
                temperature: f64,
            ) -> Result<ChunkStream, ProviderError> {
                self.client
                    .stream_chat($provider, messages, model, temperature)
            }

            /// Streams `request`.
            ///
            /// # Errors
            ///
            /// As [`Client::stream`].
            pub fn stream(&self, request: ChatRequest) -> Result<ChunkStream, ProviderError> {
                self.client.stream($provider, request)
            }
        }
    };
}

adapter!(
    AnthropicStreamAdapter,
    Provider::Anthropic,
    "Anthropic's Messages API",
    "claude-sonnet-4-5",
    "ANTHROPIC_API_KEY"
);
adapter!(
    OpenAiStreamAdapter,
    Provider::OpenAi,
    "OpenAI's Chat Completions API and compatible servers",
    "gpt-4o",
    "OPENAI_API_KEY"
);
adapter!(
    GeminiStreamAdapter,
    Provider::Gemini,
    "Gemini's `streamGenerateContent`",
    "gemini-2.5-flash",
    "GEMINI_API_KEY"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_numbers_are_in_the_unit_interval_and_vary() {
        let numbers: Vec<f64> = (0..64).map(|_| random()).collect();
        assert!(numbers.iter().all(|n| (0.0..1.0).contains(n)));
        let mut distinct = numbers.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert!(distinct.len() > 60, "{numbers:?}");
    }

    #[test]
    fn a_proxy_never_shows_its_credentials() {
        let builder = Client::builder(Settings::new())
            .proxy("https://alice:s3cret@proxy.example:8443")
            .unwrap();
        let text = format!("{builder:?}");
        assert!(
            text.contains("proxy.example:8443") && !text.contains("s3cret"),
            "{text}"
        );
        let error = Client::builder(Settings::new())
            .proxy("socks5://alice:s3cret@127.0.0.1:1080")
            .unwrap_err();
        assert!(!error.to_string().contains("s3cret"));
        assert!(
            Client::builder(Settings::new())
                .proxy("http://[::1")
                .is_err()
        );
    }

    #[test]
    fn debug_output_never_shows_a_key() {
        let settings = Settings::new().with_api_key(Provider::Gemini, "AIza-SECRET-key");
        let client = Client::builder(settings).no_proxy().build();
        let adapter = GeminiStreamAdapter::with_client(client.clone());
        for text in [format!("{client:?}"), format!("{adapter:?}")] {
            assert!(!text.contains("SECRET"), "{text}");
            assert!(text.contains("Client"), "{text}");
        }
    }

    #[test]
    fn the_client_and_its_stream_can_move_to_another_thread() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_sync::<Client>();
        send_sync::<AnthropicStreamAdapter>();
        send::<ChunkStream>();
    }
}
