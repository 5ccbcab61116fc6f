//! [`AccessTokens`]: what a call needs fetched before it can be made (Vertex AI's OAuth2 access
//! token, Amazon Bedrock's container credentials), fetched and cached without I/O: the shell
//! sends the request it is given and hands back the answer.

use alloc::format;
use alloc::string::String;

use crate::api_error::ApiError;
use crate::aws::AwsCredentialsFrom;
use crate::aws::container::{
    CachedCredentials, ContainerCredentials, ContainerError, CredentialsRequest,
};
use crate::chunk::Provider;
use crate::google::{CredentialSource, SecureRandom, TokenError, TokenRequest, TokenSource};
use crate::provider::Auth;

use super::call::Authorization;
use super::error::{AuthFailure, ProviderAuthError, ProviderError};
use super::settings::Settings;

/// The fetched credentials of a client: a [`TokenSource`] for the provider that authenticates
/// with a Google OAuth2 token (Vertex AI), built from the [`Settings`]' Google credentials, and
/// the cached container credentials of Amazon Bedrock when the [`Settings`]' AWS credentials
/// come from a container endpoint. A shell keeps one per client (behind a lock: calls share
/// what was fetched) and, before each call, asks what the call needs:
///
/// ```text
/// loop {
///     match tokens.step(provider, now(), &rng, &read_file)? {
///         TokenStep::NotNeeded => break Call::new(&settings, request)?,
///         TokenStep::Ready(authorization) => {
///             break Call::with_authorization(&settings, request, &authorization)?
///         }
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
/// use llm_sse_core::client::{AccessTokens, Authorization, Settings, TokenStep};
/// use llm_sse_core::google::{Credentials, SystemRandom};
///
/// let settings = Settings::new()
///     .with_google_credentials(Credentials::from_access_token("ya29.test")?)
///     .with_vertex("my-project", "us-east5");
/// let mut tokens = AccessTokens::new(&settings);
/// let rng = SystemRandom::new();
/// let read_file = |path: &str| std::fs::read_to_string(path).ok();
/// assert!(matches!(tokens.step(Provider::Anthropic, 0, &rng, &read_file)?, TokenStep::NotNeeded));
/// let TokenStep::Ready(Authorization::AccessToken(token)) =
///     tokens.step(Provider::Vertex, 0, &rng, &read_file)?
/// else {
///     panic!()
/// };
/// assert_eq!(token, "ya29.test");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AccessTokens {
    /// Vertex AI's token source, or why there is none.
    vertex: Result<TokenSource, ProviderAuthError>,
    /// Amazon Bedrock's container endpoint and what it gave, when its credentials come from one.
    bedrock: Option<(ContainerCredentials, CachedCredentials)>,
}

impl core::fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AccessTokens")
            .field("vertex", &self.vertex)
            .field("bedrock", &self.bedrock)
            .finish()
    }
}

/// What a call needs before it can be made: see [`AccessTokens::step`].
#[derive(Debug)]
#[must_use]
pub enum TokenStep {
    /// The provider needs nothing fetched: [`Call::new`](super::Call::new).
    NotNeeded,
    /// This token or these credentials:
    /// [`Call::with_authorization`](super::Call::with_authorization). Never log them.
    Ready(Authorization),
    /// Fetch them first: send this request, then [`AccessTokens::fetched`].
    Fetch(TokenFetch),
}

/// A request to a token endpoint, a metadata server or a container credentials endpoint. Its
/// body or headers may hold credentials: `Debug` shows only the URL and the header names.
#[derive(Debug)]
pub struct TokenFetch {
    request: FetchRequest,
}

#[derive(Debug)]
enum FetchRequest {
    Google(TokenRequest),
    Container(CredentialsRequest),
}

impl TokenFetch {
    /// The URL.
    pub fn url(&self) -> &str {
        match &self.request {
            FetchRequest::Google(request) => &request.url,
            FetchRequest::Container(request) => &request.url,
        }
    }

    /// The form body (empty for a metadata server and a container endpoint). It holds
    /// credentials: never log it.
    pub fn body(&self) -> &str {
        match &self.request {
            FetchRequest::Google(request) => request.body(),
            FetchRequest::Container(_) => "",
        }
    }

    /// The method: `POST` to a token endpoint, `GET` from a metadata server or a container
    /// endpoint.
    pub fn method(&self) -> crate::request::Method {
        match &self.request {
            FetchRequest::Google(request) => request.method,
            FetchRequest::Container(_) => crate::request::Method::Get,
        }
    }

    /// The headers to send besides `user-agent`: `content-type` of a token endpoint's form,
    /// `metadata-flavor: Google` to a metadata server, `accept` and `authorization` to a
    /// container endpoint (an `authorization` is a secret: never log it).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        let (google, container) = match &self.request {
            FetchRequest::Google(request) => (Some(request), None),
            FetchRequest::Container(request) => (None, Some(request)),
        };
        let google = google.into_iter().flat_map(|r| r.headers.iter());
        let container = container
            .into_iter()
            .flat_map(|r| r.headers.iter().map(|(n, v)| (*n, v.as_str())));
        google.chain(container)
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
                    self.url()
                )),
            })
        };
        let mut builder = http::Request::builder()
            .method(self.method().to_http())
            .uri(self.url())
            .header("user-agent", super::USER_AGENT);
        for (name, value) in self.headers() {
            let mut value = http::HeaderValue::from_str(value).map_err(|_| invalid())?;
            value.set_sensitive(name.eq_ignore_ascii_case("authorization"));
            builder = builder.header(name, value);
        }
        builder
            .body(bytes::Bytes::copy_from_slice(self.body().as_bytes()))
            .map_err(|_| invalid())
    }
}

impl AccessTokens {
    /// The token sources of `settings`' Google credentials (for Vertex AI, when its project and
    /// region are set too: else [`step`](AccessTokens::step) fails saying which to set), and
    /// the container endpoint of its AWS credentials when they come from one.
    pub fn new(settings: &Settings) -> AccessTokens {
        let bedrock = match settings.aws() {
            Ok(config) => match &config.credentials {
                AwsCredentialsFrom::Container(container) => {
                    Some((container.clone(), CachedCredentials::new()))
                }
                _ => None,
            },
            Err(_) => None,
        };
        AccessTokens {
            // No token is fetched for a call that could not be made: the project and region
            // are needed too.
            vertex: settings.google_credentials().and_then(|credentials| {
                settings.vertex()?;
                Ok(TokenSource::new(credentials.clone()))
            }),
            bedrock,
        }
    }

    /// What a call of `provider` at `now` (Unix seconds) needs: nothing, the cached token or
    /// credentials, or a request to fetch them. `rng` signs a service account's assertion
    /// (ring's RSA signing uses it for blinding): the shells pass
    /// [`SystemRandom`](crate::google::SystemRandom). `read_file` reads a container endpoint's
    /// authorization token file (read again at every fetch: EKS rotates it): the shells pass
    /// `std::fs::read_to_string`.
    ///
    /// # Errors
    ///
    /// [`ProviderError::Auth`] without usable Google credentials (saying what to set), a
    /// token given directly that was refused, or a container token file that cannot be read.
    pub fn step(
        &mut self,
        provider: Provider,
        now: u64,
        rng: &dyn SecureRandom,
        read_file: &dyn Fn(&str) -> Option<String>,
    ) -> Result<TokenStep, ProviderError> {
        let source = match provider.spec().auth {
            Auth::GoogleOAuth => self.source(provider)?,
            Auth::AwsSigV4 { .. } => {
                let Some((container, cache)) = &self.bedrock else {
                    return Ok(TokenStep::NotNeeded);
                };
                if let Some(credentials) = cache.get(now) {
                    return Ok(TokenStep::Ready(Authorization::Aws(credentials.clone())));
                }
                return match container.request(read_file) {
                    Ok(request) => Ok(TokenStep::Fetch(TokenFetch {
                        request: FetchRequest::Container(request),
                    })),
                    Err(e) => Err(container_error(provider, container, e)),
                };
            }
            Auth::Header(_) | Auth::Bearer => return Ok(TokenStep::NotNeeded),
        };
        if let Some(token) = source.token(now) {
            return Ok(TokenStep::Ready(Authorization::AccessToken(
                token.expose().into(),
            )));
        }
        match source.refresh_request(now, rng) {
            Ok(request) => Ok(TokenStep::Fetch(TokenFetch {
                request: FetchRequest::Google(request),
            })),
            Err(e) => Err(token_error(provider, e)),
        }
    }

    /// The endpoint answered [`TokenStep::Fetch`]'s request (`status`, the first
    /// [`MAX_TOKEN_RESPONSE_BYTES`](crate::google::MAX_TOKEN_RESPONSE_BYTES) of its body) at
    /// `now`: the token or credentials are cached for the next [`step`](AccessTokens::step).
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
        if let (Auth::AwsSigV4 { .. }, Some((container, cache))) =
            (provider.spec().auth, &mut self.bedrock)
        {
            let fetched = crate::aws::container::parse_response(status, body)
                .map_err(|e| container_error(provider, container, e))?;
            cache.put(fetched, now);
            return Ok(());
        }
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
        if let (Auth::AwsSigV4 { .. }, Some((container, _))) = (provider.spec().auth, &self.bedrock)
        {
            return ProviderError::Connection {
                message: format!("{container}: {message}"),
            };
        }
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

    /// Forgets `provider`'s cached token or credentials (the provider refused them): the next
    /// [`step`](AccessTokens::step) fetches new ones.
    pub fn invalidate(&mut self, provider: Provider) {
        match (provider.spec().auth, &mut self.vertex, &mut self.bedrock) {
            (Auth::GoogleOAuth, Ok(source), _) => source.invalidate(),
            (Auth::AwsSigV4 { .. }, _, Some((_, cache))) => cache.clear(),
            _ => {}
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

/// A container endpoint's failure as the call's error: `Unavailable` when it failed (`429`,
/// `5xx`), else `Auth`, naming the endpoint.
fn container_error(
    provider: Provider,
    container: &ContainerCredentials,
    error: ContainerError,
) -> ProviderError {
    let message = format!("{container}: {error}");
    if let ContainerError::Status { status, .. } = error {
        if error.is_transient() {
            let mut api = ApiError::new(provider, status, message);
            api.error_type = "credentials_endpoint_unavailable".into();
            return ProviderError::Unavailable(api);
        }
    }
    ProviderError::Auth(ProviderAuthError {
        provider,
        reason: AuthFailure::MissingCredentials(message),
    })
}
