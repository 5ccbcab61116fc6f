//! What every provider client shares, whatever its transport: [`Settings`], the errors known
//! before a stream starts ([`ProviderError`], [`ProviderAuthError`]), and [`Call`], the sans-IO
//! state machine of one streaming call with its retries.
//!
//! The shells (`llm-sse-tokio` over hyper, `llm-sse-blocking` over a blocking HTTP client) only
//! move bytes: they read the environment, open connections, sleep, and read the body. Which
//! request to send, which answer to retry and for how long to wait, and what an error answer
//! means, is decided here, the same for both.
//!
//! # A shell's loop
//!
//! ```
//! use core::time::Duration;
//! use llm_sse_core::client::{Call, Next, Settings};
//! use llm_sse_core::request::{ChatMessage, ChatRequest};
//! use llm_sse_core::Provider;
//!
//! let settings = Settings::from_lookup(|name| match name {
//!     "ANTHROPIC_API_KEY" => Some("sk-ant-test".into()),
//!     _ => None,
//! })?;
//! let request = ChatRequest::new("claude-sonnet-4-5", vec![ChatMessage::user("Hi")]);
//! let mut call = Call::new(&settings, Provider::Anthropic, &request)?;
//! assert_eq!(call.url(), "https://api.anthropic.com/v1/messages");
//!
//! // Attempt 1: the provider is overloaded and asks for 1 s.
//! let headers = [("retry-after", "1")];
//! let body = br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
//! let next = call.failed_response(529, headers, body, 1_764_086_400, 0.5);
//! assert_eq!(next, Next::Retry { after: Duration::from_secs(1) });
//!
//! // Attempt 2: a 200 event stream: hand the body to a `Normalizer`.
//! assert_eq!(call.response_started(200, Some("text/event-stream; charset=utf-8")), Ok(()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use core::fmt;
use core::time::Duration;

use crate::api_error::ApiError;
use crate::chunk::Provider;
use crate::request::{self, ChatRequest, HttpRequest, RequestError};
use crate::retry::{Decision, Failure, RetryHints, RetryPolicy};

/// An API key. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps `key` (leading and trailing whitespace removed); `None` when nothing is left.
    pub fn new(key: impl Into<String>) -> Option<ApiKey> {
        let key = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            None
        } else if trimmed.len() == key.len() {
            Some(ApiKey(key))
        } else {
            Some(ApiKey(trimmed.to_owned()))
        }
    }

    /// The key itself, for the request header. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// One provider's key and base URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ProviderSettings {
    api_key: Option<ApiKey>,
    /// The environment variable the key came from, for error messages.
    key_source: Option<&'static str>,
    base_url: Option<String>,
}

/// The environment variables for the timeouts (seconds; a decimal number is accepted).
pub const CONNECT_TIMEOUT_ENV: &str = "LLM_SSE_CONNECT_TIMEOUT";
/// See [`CONNECT_TIMEOUT_ENV`].
pub const RESPONSE_TIMEOUT_ENV: &str = "LLM_SSE_RESPONSE_TIMEOUT";
/// See [`CONNECT_TIMEOUT_ENV`].
pub const IDLE_TIMEOUT_ENV: &str = "LLM_SSE_IDLE_TIMEOUT";
/// The environment variable for [`RetryPolicy::max_retries`].
pub const MAX_RETRIES_ENV: &str = "LLM_SSE_MAX_RETRIES";

/// How the clients reach each provider: API keys, base URLs, timeouts and the retry policy.
///
/// Built from the environment ([`from_lookup`](Settings::from_lookup), which the shells call
/// with their process environment as `Settings::from_env()`), or in code:
///
/// | setting | environment variable | default |
/// |---|---|---|
/// | API keys | `ANTHROPIC_API_KEY`, `OPENAI_API_KEY`, `GEMINI_API_KEY` (else `GOOGLE_API_KEY`) | none: a call fails with [`ProviderAuthError`] naming the variable |
/// | base URLs | `ANTHROPIC_BASE_URL`, `OPENAI_BASE_URL` (including `/v1`), `GEMINI_BASE_URL` | [`Provider::default_base_url`] |
/// | connect timeout | `LLM_SSE_CONNECT_TIMEOUT` (seconds) | 10 s |
/// | response headers timeout | `LLM_SSE_RESPONSE_TIMEOUT` | 60 s |
/// | idle timeout between body bytes | `LLM_SSE_IDLE_TIMEOUT` | 60 s |
/// | retries | `LLM_SSE_MAX_RETRIES` | 2 ([`RetryPolicy::DEFAULT`]) |
///
/// There is no timeout on a whole stream: a long answer that keeps arriving is never cut.
/// `Debug` shows which keys are set, never the keys.
///
/// ```
/// use core::time::Duration;
/// use llm_sse_core::client::Settings;
/// use llm_sse_core::Provider;
///
/// let settings = Settings::new()
///     .with_api_key(Provider::OpenAi, "sk-test")
///     .with_base_url(Provider::OpenAi, "http://localhost:11434/v1")
///     .with_idle_timeout(Duration::from_secs(30));
/// assert_eq!(settings.base_url(Provider::OpenAi), "http://localhost:11434/v1");
/// assert!(settings.api_key(Provider::Anthropic).is_err());
/// assert!(!format!("{settings:?}").contains("sk-test"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    providers: [ProviderSettings; 3],
    /// The longest wait for a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// The longest wait for the response headers once the request is sent.
    pub response_timeout: Duration,
    /// The longest silence between two pieces of the response body; a stream that stalls
    /// longer ends with an `idle_timeout` error terminal chunk.
    pub idle_timeout: Duration,
    /// Which failures before the first body byte are retried, and the waits.
    pub retry: RetryPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::new()
    }
}

fn slot(provider: Provider) -> usize {
    match provider {
        Provider::Anthropic => 0,
        Provider::OpenAi => 1,
        Provider::Gemini => 2,
    }
}

impl Settings {
    /// No keys, the default base URLs, timeouts and retry policy.
    pub fn new() -> Settings {
        Settings {
            providers: Default::default(),
            connect_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            retry: RetryPolicy::DEFAULT,
        }
    }

    /// Settings from environment variables, read through `lookup` (the shells pass
    /// `std::env::var`); see the table above. Empty variables count as unset.
    ///
    /// # Errors
    ///
    /// A timeout or retry count that is not a number, naming the variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let mut settings = Settings::new();
        for provider in Provider::ALL {
            let entry = &mut settings.providers[slot(provider)];
            for &var in provider.api_key_env_vars() {
                if let Some(key) = lookup(var).and_then(ApiKey::new) {
                    entry.api_key = Some(key);
                    entry.key_source = Some(var);
                    break;
                }
            }
            entry.base_url = lookup(provider.base_url_env_var())
                .map(|url| url.trim().to_owned())
                .filter(|url| !url.is_empty());
        }
        let seconds = |var: &'static str| -> Result<Option<Duration>, SettingsError> {
            let Some(value) = lookup(var).filter(|v| !v.trim().is_empty()) else {
                return Ok(None);
            };
            value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0)
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .map(Some)
                .ok_or(SettingsError {
                    variable: var,
                    expected: "a positive number of seconds",
                })
        };
        if let Some(t) = seconds(CONNECT_TIMEOUT_ENV)? {
            settings.connect_timeout = t;
        }
        if let Some(t) = seconds(RESPONSE_TIMEOUT_ENV)? {
            settings.response_timeout = t;
        }
        if let Some(t) = seconds(IDLE_TIMEOUT_ENV)? {
            settings.idle_timeout = t;
        }
        if let Some(value) = lookup(MAX_RETRIES_ENV).filter(|v| !v.trim().is_empty()) {
            let retries = value.trim().parse::<u32>().map_err(|_| SettingsError {
                variable: MAX_RETRIES_ENV,
                expected: "a whole number of retries",
            })?;
            settings.retry = RetryPolicy::with_max_retries(retries);
        }
        Ok(settings)
    }

    /// These settings with `key` as `provider`'s API key (an empty key counts as none).
    #[must_use]
    pub fn with_api_key(mut self, provider: Provider, key: impl Into<String>) -> Settings {
        let entry = &mut self.providers[slot(provider)];
        entry.api_key = ApiKey::new(key);
        entry.key_source = None;
        self
    }

    /// These settings with `url` as `provider`'s base URL (the request path is appended to it;
    /// for OpenAI-compatible servers it includes the version, such as `http://host/v1`).
    #[must_use]
    pub fn with_base_url(mut self, provider: Provider, url: impl Into<String>) -> Settings {
        self.providers[slot(provider)].base_url = Some(url.into());
        self
    }

    /// These settings with the connect timeout.
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Settings {
        self.connect_timeout = timeout;
        self
    }

    /// These settings with the response headers timeout.
    #[must_use]
    pub fn with_response_timeout(mut self, timeout: Duration) -> Settings {
        self.response_timeout = timeout;
        self
    }

    /// These settings with the idle timeout between body bytes.
    #[must_use]
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Settings {
        self.idle_timeout = timeout;
        self
    }

    /// These settings with the retry policy.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Settings {
        self.retry = retry;
        self
    }

    /// `provider`'s API key.
    ///
    /// # Errors
    ///
    /// [`ProviderAuthError`] naming the environment variable(s) to set when there is none.
    pub fn api_key(&self, provider: Provider) -> Result<&ApiKey, ProviderAuthError> {
        self.providers[slot(provider)]
            .api_key
            .as_ref()
            .ok_or(ProviderAuthError {
                provider,
                reason: AuthFailure::MissingKey,
            })
    }

    /// Where `provider`'s key came from: the environment variable, or `None` when it was set
    /// in code or is missing.
    pub fn api_key_source(&self, provider: Provider) -> Option<&'static str> {
        self.providers[slot(provider)].key_source
    }

    /// `provider`'s base URL: the configured one, else [`Provider::default_base_url`].
    pub fn base_url(&self, provider: Provider) -> &str {
        self.providers[slot(provider)]
            .base_url
            .as_deref()
            .unwrap_or(provider.default_base_url())
    }
}

/// An environment variable with a value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The variable.
    pub variable: &'static str,
    /// What it should hold.
    pub expected: &'static str,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} must be {}", self.variable, self.expected)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SettingsError {}

/// A provider could not be called for lack of a usable API key, or it refused the key.
///
/// Never contains the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAuthError {
    /// The provider.
    pub provider: Provider,
    /// What is wrong with the key.
    pub reason: AuthFailure,
}

/// Why a provider's API key did not work.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthFailure {
    /// No key is set: [`Provider::api_key_env_vars`] names the variables to set.
    MissingKey,
    /// The key cannot be sent in a header (a control character, a line end, non-ASCII).
    MalformedKey,
    /// The provider answered `401` or `403`: its error type and message.
    Rejected(ApiError),
}

impl fmt::Display for ProviderAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let provider = self.provider.display_name();
        match &self.reason {
            AuthFailure::MissingKey => {
                write!(f, "no {provider} API key: set ")?;
                let vars = self.provider.api_key_env_vars();
                for (i, var) in vars.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" or ")?;
                    }
                    f.write_str(var)?;
                }
                Ok(())
            }
            AuthFailure::MalformedKey => write!(
                f,
                "the {provider} API key cannot be sent (it holds a control character, a line \
                 end or a non-ASCII character)"
            ),
            AuthFailure::Rejected(error) => write!(f, "{provider} rejected the API key: {error}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ProviderAuthError {}

/// Why a streaming call failed before its stream started.
///
/// Once the first body byte has arrived, failures are no longer `Err`s: the stream ends with
/// an error terminal chunk (`connection_error`, `idle_timeout`, the provider's `error` event),
/// keeping every token that arrived before.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ProviderError {
    /// No usable API key, or the provider refused it (`401`/`403`, never retried).
    Auth(ProviderAuthError),
    /// The request is invalid: found before any network call.
    InvalidRequest(RequestError),
    /// The provider refused the request (`400`, `404`, `413`, `422`, ...) with its own message.
    Rejected(ApiError),
    /// The provider rate-limited the call (`429`) and the retries are spent: wait
    /// `retry_after` (when it said) before trying again.
    RateLimited {
        /// The provider's error.
        error: ApiError,
        /// The wait the provider asked for in its last answer.
        retry_after: Option<Duration>,
    },
    /// The provider is overloaded or failing (`5xx`, `529`) and the retries are spent.
    Unavailable(ApiError),
    /// No response: the connection, TLS or proxy failed, or no response headers arrived in
    /// time, and the retries are spent.
    Connection {
        /// What failed.
        message: String,
    },
    /// The provider answered `200` with something that is not an event stream.
    NotEventStream {
        /// The status.
        status: u16,
        /// The `Content-Type` it sent, if any.
        content_type: Option<String>,
    },
    /// The configured base URL cannot be used.
    InvalidBaseUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

impl ProviderError {
    /// The error for a final failed response (after the retries, or one never retried):
    /// `401`/`403` are [`Auth`](ProviderError::Auth), `429`
    /// [`RateLimited`](ProviderError::RateLimited), `5xx`
    /// [`Unavailable`](ProviderError::Unavailable), anything else
    /// [`Rejected`](ProviderError::Rejected).
    pub fn from_status(provider: Provider, error: ApiError, hints: RetryHints) -> ProviderError {
        match error.status {
            401 | 403 => ProviderError::Auth(ProviderAuthError {
                provider,
                reason: AuthFailure::Rejected(error),
            }),
            429 => ProviderError::RateLimited {
                error,
                retry_after: hints.retry_after,
            },
            status if status >= 500 => ProviderError::Unavailable(error),
            _ => ProviderError::Rejected(error),
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderError::Auth(e) => write!(f, "{e}"),
            ProviderError::InvalidRequest(e) => write!(f, "invalid request: {e}"),
            ProviderError::Rejected(e) => write!(f, "the provider refused the request: {e}"),
            ProviderError::RateLimited { error, retry_after } => {
                write!(f, "rate limited: {error}")?;
                if let Some(wait) = retry_after {
                    write!(f, " (retry after {} s)", wait.as_secs_f64())?;
                }
                Ok(())
            }
            ProviderError::Unavailable(e) => write!(f, "the provider is unavailable: {e}"),
            ProviderError::Connection { message } => write!(f, "connection failed: {message}"),
            ProviderError::NotEventStream {
                status,
                content_type,
            } => write!(
                f,
                "the provider answered {status} with {}, not an event stream",
                content_type.as_deref().unwrap_or("no content type")
            ),
            ProviderError::InvalidBaseUrl { url, reason } => {
                write!(f, "invalid base URL {url:?}: {reason}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ProviderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProviderError::Auth(e) => Some(e),
            ProviderError::InvalidRequest(e) => Some(e),
            ProviderError::Rejected(e) | ProviderError::Unavailable(e) => Some(e),
            ProviderError::RateLimited { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl From<ProviderAuthError> for ProviderError {
    fn from(e: ProviderAuthError) -> Self {
        ProviderError::Auth(e)
    }
}

impl From<RequestError> for ProviderError {
    fn from(e: RequestError) -> Self {
        ProviderError::InvalidRequest(e)
    }
}

/// What the shell does next in a [`Call`].
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Next {
    /// Sleep this long, then send the request again (a new attempt).
    Retry {
        /// The wait.
        after: Duration,
    },
    /// Give up: the call failed.
    Fail(ProviderError),
}

/// One streaming call to a provider, with its retries: the sans-IO core of a client.
///
/// [`new`](Call::new) validates the request and builds it (no network call happens for an
/// invalid request or a missing key). Then, for each attempt, the shell sends
/// [`http`](Call::http) to [`url`](Call::url) and reports what happened:
///
/// - the connection failed or the response headers did not arrive in time:
///   [`connection_failed`](Call::connection_failed);
/// - a non-2xx status: read the body (up to [`MAX_ERROR_BODY`] bytes) and call
///   [`failed_response`](Call::failed_response);
/// - a 2xx status: [`response_started`](Call::response_started) checks that it is an event
///   stream; the body then goes to a [`Normalizer`](crate::Normalizer) and is never retried.
///
/// Each failure answers [`Next::Retry`] (sleep, send again) or [`Next::Fail`].
#[derive(Debug, Clone)]
pub struct Call {
    provider: Provider,
    http: HttpRequest,
    url: String,
    policy: RetryPolicy,
    /// The attempt under way, from 1.
    attempt: u32,
}

/// How much of an error response's body a shell reads for [`Call::failed_response`].
pub const MAX_ERROR_BODY: usize = 64 * 1024;

impl Call {
    /// A call of `provider` with `request`, using `settings`' key, base URL and retry policy.
    ///
    /// # Errors
    ///
    /// [`ProviderError::Auth`] without a usable key, [`ProviderError::InvalidRequest`] for a
    /// request the provider would refuse, [`ProviderError::InvalidBaseUrl`] for a base URL that
    /// is not `http://` or `https://`.
    pub fn new(
        settings: &Settings,
        provider: Provider,
        request: &ChatRequest,
    ) -> Result<Call, ProviderError> {
        let key = settings.api_key(provider)?;
        let http = match request::build(provider, request, Some(key.expose())) {
            Ok(http) => http,
            Err(RequestError::InvalidApiKey) => {
                return Err(ProviderError::Auth(ProviderAuthError {
                    provider,
                    reason: AuthFailure::MalformedKey,
                }));
            }
            Err(e) => return Err(e.into()),
        };
        let base = settings.base_url(provider);
        let scheme_ok = ["http://", "https://"].iter().any(|scheme| {
            base.len() > scheme.len()
                && base
                    .get(..scheme.len())
                    .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
        });
        if !scheme_ok {
            return Err(ProviderError::InvalidBaseUrl {
                url: base.into(),
                reason: "it must start with http:// or https://".into(),
            });
        }
        let url = http.url(base);
        Ok(Call {
            provider,
            http,
            url,
            policy: settings.retry,
            attempt: 1,
        })
    }

    /// The provider called.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The request to send (method, headers, JSON body; `Debug` hides the key).
    pub fn http(&self) -> &HttpRequest {
        &self.http
    }

    /// The full URL to send it to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The attempt under way, counted from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The attempt failed without a response (connect, TLS, proxy, send, or no response
    /// headers in time): retry or give up with [`ProviderError::Connection`]. `random` is a
    /// number in `[0, 1)` for the backoff's jitter.
    pub fn connection_failed(&mut self, message: impl Into<String>, random: f64) -> Next {
        match self
            .policy
            .decide(&Failure::Connection, self.attempt, random)
        {
            Decision::Retry { after } => {
                self.attempt += 1;
                Next::Retry { after }
            }
            Decision::GiveUp(_) => Next::Fail(ProviderError::Connection {
                message: message.into(),
            }),
        }
    }

    /// The attempt got a non-2xx answer: its status, headers and (the first
    /// [`MAX_ERROR_BODY`] bytes of) its body. `now_unix_secs` is the current time, for a
    /// `retry-after` date; `random` a number in `[0, 1)` for the jitter.
    pub fn failed_response<I, K, V>(
        &mut self,
        status: u16,
        headers: I,
        body: &[u8],
        now_unix_secs: u64,
        random: f64,
    ) -> Next
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        let hints = RetryHints::from_headers(headers, now_unix_secs);
        let failure = Failure::Status { status, hints };
        match self.policy.decide(&failure, self.attempt, random) {
            Decision::Retry { after } => {
                self.attempt += 1;
                Next::Retry { after }
            }
            Decision::GiveUp(_) => {
                let body = body.get(..MAX_ERROR_BODY).unwrap_or(body);
                let error = ApiError::parse(self.provider, status, body);
                Next::Fail(ProviderError::from_status(self.provider, error, hints))
            }
        }
    }

    /// The attempt got a 2xx answer with `content_type`: `Ok` when it is an event stream
    /// (`text/event-stream`), whose body then belongs to a
    /// [`Normalizer`](crate::Normalizer); otherwise [`ProviderError::NotEventStream`].
    ///
    /// # Errors
    ///
    /// [`ProviderError::NotEventStream`], never retried.
    pub fn response_started(
        &self,
        status: u16,
        content_type: Option<&str>,
    ) -> Result<(), ProviderError> {
        let is_sse = content_type.is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/event-stream"))
        });
        if is_sse {
            Ok(())
        } else {
            Err(ProviderError::NotEventStream {
                status,
                content_type: content_type.map(|ct| format!("{ct:.100}")),
            })
        }
    }
}
