//! [`AccessTokens`]: the OAuth2 access tokens of the providers that take one (Vertex AI), fetched
//! and cached without I/O: the shell sends the token request it is given and hands back the
//! answer.

use alloc::format;
use alloc::string::String;

use crate::api_error::ApiError;
use crate::chunk::Provider;
use crate::google::{CredentialSource, SecureRandom, TokenError, TokenRequest, TokenSource};
use crate::provider::Auth;

use super::error::{AuthFailure, ProviderAuthError, ProviderError};
use super::settings::Settings;

/// The access tokens of a client: one [`TokenSource`] per provider that authenticates with a
/// Google OAuth2 token, built from the [`Settings`]' Google credentials. A shell keeps one per
/// client (behind a lock: calls share the cached token) and, before each call, asks for a
/// token:
///
/// ```text
/// loop {
///     match tokens.step(provider, now(), &rng)? {
///         TokenStep::NotNeeded => break Call::new(&settings, request)?,
///         TokenStep::Ready(token) => break Call::with_access_token(&settings, request, &token)?,
///         TokenStep::Fetch(fetch) => match send(fetch.http_request()) {
///             Ok((status, body)) => tokens.fetched(provider, status, &body, now())?,
///             Err(e) => return Err(tokens.fetch_failed(provider, e.to_string())),
///         },
///     }
/// }
/// ```
///
/// On [`Attempt::Reauthorize`](super::Attempt::Reauthorize) (the provider answered `401`),
/// [`invalidate`](AccessTokens::invalidate) and ask again; a token that cannot be renewed (one
/// given directly: [`is_renewable`](AccessTokens::is_renewable)) fails the call with the
/// provider's refusal.
///
/// ```
/// use llm_sse_core::Provider;
/// use llm_sse_core::client::{AccessTokens, Settings, TokenStep};
/// use llm_sse_core::google::{Credentials, SystemRandom};
///
/// let settings = Settings::new()
///     .with_google_credentials(Credentials::from_access_token("ya29.test")?)
///     .with_vertex("my-project", "us-east5");
/// let mut tokens = AccessTokens::new(&settings);
/// let rng = SystemRandom::new();
/// assert!(matches!(tokens.step(Provider::Anthropic, 0, &rng)?, TokenStep::NotNeeded));
/// let TokenStep::Ready(token) = tokens.step(Provider::Vertex, 0, &rng)? else { panic!() };
/// assert_eq!(token, "ya29.test");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AccessTokens {
    /// Vertex AI's token source, or why there is none.
    vertex: Result<TokenSource, ProviderAuthError>,
}

impl core::fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AccessTokens")
            .field("vertex", &self.vertex)
            .finish()
    }
}

/// What a call needs before it can be made: see [`AccessTokens::step`].
#[derive(Debug)]
#[must_use]
pub enum TokenStep {
    /// The provider takes no access token: [`Call::new`](super::Call::new).
    NotNeeded,
    /// This token: [`Call::with_access_token`](super::Call::with_access_token). Never log it.
    Ready(String),
    /// Fetch a token first: send this request, then [`AccessTokens::fetched`].
    Fetch(TokenFetch),
}

/// A request to a token endpoint. Its body holds credentials: `Debug` shows only the URL.
#[derive(Debug)]
pub struct TokenFetch {
    request: TokenRequest,
}

impl TokenFetch {
    /// The token endpoint's URL.
    pub fn url(&self) -> &str {
        &self.request.url
    }

    /// The form body (empty for a metadata server). It holds credentials: never log it.
    pub fn body(&self) -> &str {
        self.request.body()
    }

    /// The method: `POST` to a token endpoint, `GET` from a metadata server.
    pub fn method(&self) -> crate::request::Method {
        self.request.method
    }

    /// The request as an [`http::Request`] (`POST` with a form body, or the metadata server's
    /// `GET`).
    ///
    /// # Errors
    ///
    /// [`ProviderError::Auth`] when the token URL cannot be requested.
    #[cfg(feature = "http")]
    pub fn http_request(
        &self,
        provider: Provider,
    ) -> Result<http::Request<bytes::Bytes>, ProviderError> {
        let invalid = || {
            ProviderError::Auth(ProviderAuthError {
                provider,
                reason: AuthFailure::MissingCredentials(format!(
                    "the token URI {:.200} cannot be requested",
                    self.request.url
                )),
            })
        };
        let mut builder = http::Request::builder()
            .method(self.request.method.to_http())
            .uri(self.request.url.as_str())
            .header("user-agent", super::USER_AGENT);
        for (name, value) in &self.request.headers {
            builder = builder.header(name, value);
        }
        builder
            .body(bytes::Bytes::copy_from_slice(
                self.request.body().as_bytes(),
            ))
            .map_err(|_| invalid())
    }
}

impl AccessTokens {
    /// The token sources of `settings`' Google credentials (for Vertex AI, when its project and
    /// region are set too: else [`step`](AccessTokens::step) fails saying which to set).
    pub fn new(settings: &Settings) -> AccessTokens {
        AccessTokens {
            // No token is fetched for a call that could not be made: the project and region
            // are needed too.
            vertex: settings.google_credentials().and_then(|credentials| {
                settings.vertex()?;
                Ok(TokenSource::new(credentials.clone()))
            }),
        }
    }

    /// What a call of `provider` at `now` (Unix seconds) needs: nothing, the cached token, or a
    /// token request. `rng` signs a service account's assertion (ring's RSA signing uses it for
    /// blinding): the shells pass [`SystemRandom`](crate::google::SystemRandom).
    ///
    /// # Errors
    ///
    /// [`ProviderError::Auth`] without usable Google credentials (saying what to set), or a
    /// token given directly that was refused.
    pub fn step(
        &mut self,
        provider: Provider,
        now: u64,
        rng: &dyn SecureRandom,
    ) -> Result<TokenStep, ProviderError> {
        let source = match provider.spec().auth {
            Auth::GoogleOAuth => self.source(provider)?,
            Auth::Header(_) | Auth::Bearer | Auth::AwsSigV4 { .. } => {
                return Ok(TokenStep::NotNeeded);
            }
        };
        if let Some(token) = source.token(now) {
            return Ok(TokenStep::Ready(token.expose().into()));
        }
        match source.refresh_request(now, rng) {
            Ok(request) => Ok(TokenStep::Fetch(TokenFetch { request })),
            Err(e) => Err(token_error(provider, e)),
        }
    }

    /// The token endpoint answered [`TokenStep::Fetch`]'s request (`status`, the first
    /// [`MAX_TOKEN_RESPONSE_BYTES`](crate::google::MAX_TOKEN_RESPONSE_BYTES) of its body) at
    /// `now`: the token is cached for the next [`step`](AccessTokens::step).
    ///
    /// # Errors
    ///
    /// The endpoint refused the credentials: [`ProviderError::Auth`] with its message; it
    /// failed (`408`, `429`, `5xx`): [`ProviderError::Unavailable`]; an unreadable answer:
    /// [`ProviderError::Auth`].
    pub fn fetched(
        &mut self,
        provider: Provider,
        status: u16,
        body: &[u8],
        now: u64,
    ) -> Result<(), ProviderError> {
        let source = self.source(provider)?;
        source
            .refresh_response(status, body, now)
            .map(|_| ())
            .map_err(|e| token_error(provider, e))
    }

    /// The token request got no answer (`message` says why): the call fails with
    /// [`ProviderError::Connection`].
    pub fn fetch_failed(&self, provider: Provider, message: impl Into<String>) -> ProviderError {
        let message = message.into();
        let message = match (provider.spec().auth, &self.vertex) {
            (Auth::GoogleOAuth, Ok(source)) => match source.credentials().source() {
                // Set by the environment, or read off the machine: the name says which server.
                origin @ CredentialSource::MetadataServer { .. } => format!("{origin}: {message}"),
                _ => match source.credentials().token_uri() {
                    Some(uri) => format!("the token endpoint {uri:.200}: {message}"),
                    None => format!("the token endpoint: {message}"),
                },
            },
            _ => format!("the token endpoint: {message}"),
        };
        ProviderError::Connection { message }
    }

    /// Whether `provider`'s token can be renewed after the provider refused it: true for
    /// credentials that fetch tokens (a service account, an authorized user), false for a token
    /// given directly or no credentials (the refusal is then the call's error).
    pub fn is_renewable(&self, provider: Provider) -> bool {
        match (provider.spec().auth, &self.vertex) {
            (Auth::GoogleOAuth, Ok(source)) => source.credentials().is_refreshable(),
            _ => false,
        }
    }

    /// Forgets `provider`'s cached token (the provider answered `401`): the next
    /// [`step`](AccessTokens::step) fetches a new one.
    pub fn invalidate(&mut self, provider: Provider) {
        if let (Auth::GoogleOAuth, Ok(source)) = (provider.spec().auth, &mut self.vertex) {
            source.invalidate();
        }
    }

    fn source(&mut self, provider: Provider) -> Result<&mut TokenSource, ProviderError> {
        let _ = provider;
        self.vertex
            .as_mut()
            .map_err(|e| ProviderError::Auth(e.clone()))
    }
}

/// A token endpoint's failure as the call's error.
fn token_error(provider: Provider, error: TokenError) -> ProviderError {
    let transient = error.is_transient();
    let status = match &error {
        TokenError::Rejected { status, .. }
        | TokenError::Status { status }
        | TokenError::InvalidResponse { status, .. } => *status,
        TokenError::NotRefreshable { .. } | TokenError::Signing => 401,
    };
    let message = format!("the Google token endpoint: {error}");
    if transient {
        let mut api = ApiError::new(provider, status, message);
        api.error_type = "token_endpoint_unavailable".into();
        return ProviderError::Unavailable(api);
    }
    ProviderError::Auth(ProviderAuthError {
        provider,
        reason: AuthFailure::MissingCredentials(message),
    })
}
