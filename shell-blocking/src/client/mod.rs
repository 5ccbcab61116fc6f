//! The blocking provider client: [`Client`], the per-provider adapters, [`ChunkStream`].
//!
//! Glue around the core's [`Call`] (which request, which answer to retry, how long to wait,
//! what an error answer means) and [`ChunkReader`] (the body as chunks). This module only
//! sends, sleeps and reads, with ureq.

mod transport;

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use llm_sse_core::client::{
    AccessTokens, Attempt, Authorization, Call, Head, Streaming, TokenStep,
};
use llm_sse_core::google::SystemRandom;
use llm_sse_core::request::ValidRequest;
use llm_sse_core::{Provider, StreamChunk};

pub use llm_sse_core::client::{
    AuthFailure, InvalidProxy, ProviderAuthError, ProviderError, Proxies, Settings, SettingsError,
};
pub use llm_sse_core::request::{ChatMessage, ChatRequest};

use transport::{Agents, BodyRead, First, Sent};

/// A blocking client for every provider: [`Settings`] and one connection pool, shared by its
/// clones (cloning is cheap).
///
/// [`stream`](Client::stream) sends a request and, once a provider has answered with an event
/// stream, returns its [`ChunkStream`]. Everything that goes wrong before that is a
/// [`ProviderError`], after the retries the settings allow (connection failures, `408`, `409`,
/// `429`, `5xx`, waiting what `retry-after` asks for, up to 60 s, or backing off); everything
/// after it ends the stream with an error terminal chunk, keeping the tokens that arrived.
///
/// Connections go through the proxies the [`Settings`] name (`Settings::from_lookup` reads
/// them from the environment: see [`Proxies`] for the rule, the same in both shells); see
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
    agents: Arc<Agents>,
    /// The cached access tokens of the providers that take one (Vertex AI).
    tokens: Arc<std::sync::Mutex<AccessTokens>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with `settings`, connecting through the proxies they name
    /// ([`Settings::proxies`]: read from the environment by `Settings::from_lookup`, none by
    /// `Settings::new`).
    pub fn new(settings: Settings) -> Client {
        Client::builder(settings).build()
    }

    /// A builder, to set a proxy other than the settings'.
    pub fn builder(settings: Settings) -> ClientBuilder {
        ClientBuilder { settings }
    }

    /// A client with the settings of the environment variables ([`Settings`] lists them, the
    /// proxies' among them).
    ///
    /// # Errors
    ///
    /// A timeout, retry count or proxy that cannot be used, naming the variable.
    pub fn from_env() -> Result<Client, SettingsError> {
        settings_from_env().map(Client::new)
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
        self.stream_valid(request.validate(provider)?)
    }

    /// [`stream`](Client::stream) with a request already validated for its provider.
    ///
    /// # Errors
    ///
    /// As [`stream`](Client::stream), without [`ProviderError::InvalidRequest`].
    pub fn stream_valid(&self, request: ValidRequest) -> Result<ChunkStream, ProviderError> {
        let settings = &self.settings;
        let provider = request.provider();
        let mut call = match self.authorization(provider)? {
            Some(authorization) => Call::with_authorization(settings, request, &authorization)?,
            None => Call::new(settings, request)?,
        };
        loop {
            let attempt = match self.agents.send(settings, &call, unix_now()) {
                Sent::TimedOut => call.response_timed_out(settings.response_timeout, random()),
                Sent::Failed(message) => call.no_response(message, random()),
                Sent::Response(response) => {
                    let (head, body) = response.into_parts();
                    let headers = head.headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes()));
                    match call.response(head.status.as_u16(), headers, unix_now()) {
                        Head::Stream(starting) => {
                            let mut body = BodyRead::new(body);
                            match body.first_bytes() {
                                First::Bytes(n) => {
                                    let stream = starting.first_bytes(body.read_bytes(n));
                                    return Ok(ChunkStream::new(stream, Some(body)));
                                }
                                First::End => return Ok(ChunkStream::new(starting.ended(), None)),
                                First::Idle => {
                                    return Ok(ChunkStream::new(starting.idle_timeout(), None));
                                }
                                First::Failed(message) => starting.failed(message, random()),
                            }
                        }
                        Head::ErrorBody(error) => {
                            error.finish(&transport::error_body(body), random())
                        }
                        Head::Failed(error) => return Err(error),
                    }
                }
            };
            match attempt {
                Attempt::Retry { call: next, after } => {
                    std::thread::sleep(after);
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
                    let Some(Authorization::AccessToken(token)) = self.authorization(provider)?
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
    fn authorization(&self, provider: Provider) -> Result<Option<Authorization>, ProviderError> {
        let rng = SystemRandom::new();
        let read_file = |path: &str| std::fs::read_to_string(path).ok();
        loop {
            let fetch = match self.tokens().step(provider, unix_now(), &rng, &read_file)? {
                TokenStep::NotNeeded => return Ok(None),
                TokenStep::Ready(authorization) => return Ok(Some(authorization)),
                TokenStep::Fetch(fetch) => fetch,
            };
            let request = fetch.http_request(provider)?;
            let response = match self.agents.send_request(&self.settings, request) {
                Sent::Response(response) => response,
                Sent::TimedOut => {
                    let message = format!(
                        "no response within {} s",
                        self.settings.response_timeout.as_secs_f64()
                    );
                    return Err(self.tokens().fetch_failed(provider, message));
                }
                Sent::Failed(message) => return Err(self.tokens().fetch_failed(provider, message)),
            };
            let status = response.status().as_u16();
            let body = transport::error_body(response.into_body());
            self.tokens().fetched(provider, status, &body, unix_now())?;
        }
    }

    /// The token cache.
    fn tokens(&self) -> std::sync::MutexGuard<'_, AccessTokens> {
        // A panic while the lock was held cannot leave the cache half-written: every change
        // to it is one assignment.
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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
    stream: Streaming,
    /// The body, until it ends or fails, or the terminal chunk is out.
    body: Option<BodyRead>,
}

impl fmt::Debug for ChunkStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkStream")
            .field("provider", &self.stream.provider())
            .field("retries", &self.stream.retries())
            .field("reading", &self.body.is_some())
            .field("drained", &self.stream.is_drained())
            .finish()
    }
}

impl ChunkStream {
    fn new(stream: Streaming, body: Option<BodyRead>) -> ChunkStream {
        ChunkStream { stream, body }
    }

    /// The provider streaming.
    pub fn provider(&self) -> Provider {
        self.stream.provider()
    }

    /// How many failed attempts were retried before this stream started.
    pub fn retries(&self) -> u32 {
        self.stream.retries()
    }

    /// Ends the stream now with `error`: the next chunk is the terminal chunk, which keeps the
    /// id, model, usage and provider finish reason that arrived. The connection is closed.
    pub fn abort(&mut self, error: llm_sse_core::StreamError) {
        self.body = None;
        self.stream.abort(error);
    }
}

impl Iterator for ChunkStream {
    type Item = StreamChunk;

    fn next(&mut self) -> Option<StreamChunk> {
        loop {
            if let Some(chunk) = self.stream.next_chunk() {
                if self.stream.is_drained() {
                    // The terminal chunk is out: let the connection go now, not when the
                    // stream is dropped.
                    self.body = None;
                }
                return Some(chunk);
            }
            if self.stream.is_closed() {
                self.body = None;
                return None;
            }
            let Some(body) = self.body.as_mut() else {
                // Unreachable: without a body the stream has ended (`is_closed`).
                self.stream.end();
                continue;
            };
            match body.read() {
                transport::Read::Bytes(n) => {
                    let bytes = body.read_bytes(n);
                    self.stream.feed(bytes);
                }
                transport::Read::End => {
                    self.body = None;
                    self.stream.end();
                }
                transport::Read::Idle => {
                    self.body = None;
                    self.stream.idle_timeout();
                }
                transport::Read::Failed(message) => {
                    self.body = None;
                    self.stream.connection_lost(&message);
                }
            }
        }
    }
}

/// Builds a [`Client`] with a proxy other than its [`Settings`]', or none.
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
        let agents = Agents::new(&self.settings);
        Client {
            tokens: Arc::new(std::sync::Mutex::new(AccessTokens::new(&self.settings))),
            settings: Arc::new(self.settings),
            agents: Arc::new(agents),
        }
    }
}

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
            .proxy("http://alice:s3cret@proxy.example:8443")
            .unwrap();
        let text = format!("{builder:?}");
        assert!(
            text.contains("proxy.example:8443") && !text.contains("s3cret"),
            "{text}"
        );
        // Both shells take HTTP CONNECT proxies only.
        for url in [
            "socks5://alice:s3cret@127.0.0.1:1080",
            "https://alice:s3cret@proxy.example:8443",
        ] {
            let error = Client::builder(Settings::new()).proxy(url).unwrap_err();
            assert!(!error.to_string().contains("s3cret"));
        }
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
