//! The errors of a call before its stream starts: [`ProviderError`], [`ProviderAuthError`].

use alloc::string::String;
use core::fmt;
use core::time::Duration;

use crate::api_error::ApiError;
use crate::chunk::Provider;
use crate::provider::Auth;
use crate::request::RequestError;
use crate::retry::RetryHints;

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
    /// The cloud platform's credentials (AWS for Bedrock, Google for Vertex AI), or its
    /// project or region, are missing or unusable: what to set.
    MissingCredentials(String),
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
            AuthFailure::Rejected(error) => match self.provider.spec().auth {
                Auth::Header(_) | Auth::Bearer => {
                    write!(f, "{provider} rejected the API key: {error}")
                }
                Auth::AwsSigV4 { .. } | Auth::GoogleOAuth => {
                    write!(f, "{provider} rejected the credentials: {error}")
                }
            },
            AuthFailure::MissingCredentials(message) => write!(f, "{provider}: {message}"),
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
