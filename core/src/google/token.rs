//! Access tokens: the request that obtains one ([`TokenRequest`]), the token endpoint's
//! answer ([`AccessToken`] or [`TokenError`]), and the cache that knows when to ask again
//! ([`TokenSource`]).

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use core::fmt;

use ring::rand::SecureRandom;
use serde_json::{Map, Value};

use super::credentials::{AuthorizedUser, CredentialSource, Credentials, Kind};
use super::jwt;
use super::secret::Secret;
use crate::request::{Headers, Method};

/// The OAuth scope the tokens are asked for: all of Google Cloud, which Vertex AI needs.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// How long before its expiry a token stops being used and a new one is fetched: 3 minutes 45
/// seconds, the threshold of Google's own libraries (`REFRESH_THRESHOLD` in google-auth for
/// Python, `defaultExpiryDelta` in Go's `cloud.google.com/go/auth`), chosen because the
/// shortest-lived cache in front of Google's token servers keeps a token until 4 minutes
/// before it expires.
///
/// A token that lives less than twice this long is used for the first half of its life
/// instead, so a short `expires_in` still gives a usable token.
pub const REFRESH_MARGIN_SECS: u64 = 225;

/// The lifetime assumed when a token response has no `expires_in`: one hour, what Google's
/// token endpoint grants.
pub const DEFAULT_EXPIRES_IN_SECS: u64 = 3600;

/// The largest token response body accepted: a shell reading the body can stop here (a
/// real answer is well under 4 KiB).
pub const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// The grant type a service account's request uses (RFC 7523).
pub const JWT_BEARER_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The grant type an authorized user's request uses (RFC 6749, section 6).
pub const REFRESH_TOKEN_GRANT_TYPE: &str = "refresh_token";

/// What [`TokenRequest::grant_type`] says of a request to the metadata server: it has no grant
/// and no body.
pub const METADATA_SERVER_REQUEST: &str = "metadata_server";

/// The metadata server's path for the attached service account's access token.
pub const METADATA_TOKEN_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/token";

/// The longest OAuth error code and description kept from an error answer.
const MAX_ERROR_CODE: usize = 100;
const MAX_ERROR_DESCRIPTION: usize = 1000;

/// True for a token that can be sent in an `Authorization` header: not empty, visible ASCII
/// only.
fn is_header_safe(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic())
}

/// An OAuth2 access token, with when it expires and when it stops being used.
///
/// `Debug` never shows the token: read it with [`expose`](AccessToken::expose) or
/// [`bearer`](AccessToken::bearer), for the request header only.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    token: Secret,
    /// Unix seconds at which the token expires; `None` when unknown (a token given directly).
    expires_at: Option<u64>,
    /// Unix seconds from which it is no longer used ([`REFRESH_MARGIN_SECS`] before
    /// `expires_at`).
    fresh_until: Option<u64>,
}

impl AccessToken {
    /// A token given directly: no known expiry. `None` when it is not header-safe.
    pub(crate) fn direct(token: String) -> Option<AccessToken> {
        is_header_safe(&token).then(|| AccessToken {
            token: Secret::new(token),
            expires_at: None,
            fresh_until: None,
        })
    }

    /// A token obtained at `now` that lives `expires_in` seconds (at least 1).
    fn obtained(token: String, now: u64, expires_in: u64) -> AccessToken {
        let margin = REFRESH_MARGIN_SECS.min(expires_in / 2);
        AccessToken {
            token: Secret::new(token),
            expires_at: Some(now.saturating_add(expires_in)),
            fresh_until: Some(now.saturating_add(expires_in - margin)),
        }
    }

    /// The token itself. Never log it.
    pub fn expose(&self) -> &str {
        self.token.expose()
    }

    /// The `Authorization` header's value: `Bearer <token>`. Never log it.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token.expose())
    }

    /// When the token expires (Unix seconds); `None` for a token given directly, whose expiry
    /// is unknown.
    pub fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }

    /// From when (Unix seconds) the token is no longer used: [`REFRESH_MARGIN_SECS`] before
    /// it expires (half its lifetime for a short-lived one); `None` for a token given
    /// directly.
    pub fn fresh_until(&self) -> Option<u64> {
        self.fresh_until
    }

    /// True when the token is used at `now` (Unix seconds): `now` is before
    /// [`fresh_until`](AccessToken::fresh_until).
    pub fn is_fresh(&self, now: u64) -> bool {
        self.fresh_until.is_none_or(|until| now < until)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &self.token)
            .field("expires_at", &self.expires_at)
            .field("fresh_until", &self.fresh_until)
            .finish()
    }
}

/// The HTTP request that obtains an access token: a form `POST` to the credentials' token
/// endpoint, or a `GET` from the metadata server (`metadata-flavor: Google`, no body).
///
/// The body carries the credentials (a signed assertion, or a client secret and refresh
/// token): it is read with [`body`](TokenRequest::body), and `Debug` shows only its grant
/// type.
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct TokenRequest {
    /// The method: `POST` (`GET` from the metadata server).
    pub method: Method,
    /// The token endpoint: the file's `token_uri`, else
    /// [`DEFAULT_TOKEN_URI`](super::DEFAULT_TOKEN_URI); or the metadata server's
    /// `http://{host}`[`METADATA_TOKEN_PATH`].
    pub url: String,
    /// `content-type: application/x-www-form-urlencoded` (`metadata-flavor: Google` for the
    /// metadata server).
    pub headers: Headers,
    /// The `grant_type` in the body ([`JWT_BEARER_GRANT_TYPE`] or
    /// [`REFRESH_TOKEN_GRANT_TYPE`]), or [`METADATA_SERVER_REQUEST`].
    pub grant_type: &'static str,
    body: Secret,
}

impl TokenRequest {
    fn new(url: &str, grant_type: &'static str, body: String) -> TokenRequest {
        let mut headers = Headers::new();
        headers.insert("content-type", "application/x-www-form-urlencoded");
        TokenRequest {
            method: Method::Post,
            url: url.to_owned(),
            headers,
            grant_type,
            body: Secret::new(body),
        }
    }

    /// The metadata server's token request: `GET http://{host}/computeMetadata/v1/instance/
    /// service-accounts/default/token` with `metadata-flavor: Google` (which the server
    /// requires), no body.
    fn metadata(host: &str) -> TokenRequest {
        let mut headers = Headers::new();
        headers.insert("metadata-flavor", "Google");
        TokenRequest {
            method: Method::Get,
            url: format!("http://{host}{METADATA_TOKEN_PATH}"),
            headers,
            grant_type: METADATA_SERVER_REQUEST,
            body: Secret::new(String::new()),
        }
    }

    /// The form body (`application/x-www-form-urlencoded`; empty for the metadata server). It
    /// holds credentials: never log it.
    pub fn body(&self) -> &str {
        self.body.expose()
    }
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("grant_type", &self.grant_type)
            .field("body", &self.body)
            .finish()
    }
}

/// Appends `name=value` to a form body, `&`-separated, percent-encoding every byte but
/// letters, digits and `-._~` (`application/x-www-form-urlencoded`).
fn push_form_pair(body: &mut String, name: &str, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if !body.is_empty() {
        body.push('&');
    }
    for (i, part) in [name, value].into_iter().enumerate() {
        if i == 1 {
            body.push('=');
        }
        for b in part.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                body.push(char::from(b));
            } else {
                body.push('%');
                body.push(char::from(HEX[usize::from(b >> 4)]));
                body.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
    }
}

fn authorized_user_request(user: &AuthorizedUser) -> TokenRequest {
    let mut body = String::new();
    push_form_pair(&mut body, "grant_type", REFRESH_TOKEN_GRANT_TYPE);
    push_form_pair(&mut body, "client_id", &user.client_id);
    push_form_pair(&mut body, "client_secret", user.client_secret.expose());
    push_form_pair(&mut body, "refresh_token", user.refresh_token.expose());
    TokenRequest::new(&user.token_uri, REFRESH_TOKEN_GRANT_TYPE, body)
}

/// Why no access token was obtained.
///
/// Never contains a secret: the token endpoint's own error code and message are kept
/// (shortened), with any of the request's secrets it echoed replaced by `<redacted>`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// The token endpoint refused the request with an OAuth error (`{"error":"invalid_grant",
    /// "error_description":"..."}`) or a Google JSON error (`{"error":{"code":..,
    /// "message":"..","status":".."}}`): for example an expired or revoked refresh token, a
    /// deleted service account key, a wrong clock.
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The OAuth error code (`invalid_grant`, `invalid_client`, ...), or a Google error's
        /// `status` (`INVALID_ARGUMENT`, ...).
        error: String,
        /// The endpoint's explanation (`error_description`, or a Google error's `message`).
        description: Option<String>,
    },
    /// A failing status without an error body this crate recognizes.
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// A success status with a body that is not a usable token response.
    InvalidResponse {
        /// The HTTP status.
        status: u16,
        /// What is wrong with the body.
        problem: ResponseProblem,
    },
    /// The credentials are an access token given directly, which cannot be renewed: it
    /// expired or was rejected, and a new one must be set.
    NotRefreshable {
        /// Where the token came from.
        source: CredentialSource,
    },
    /// Signing the service account's assertion failed (the key was checked when the file was
    /// read, so this means the random number generator failed).
    Signing,
}

impl TokenError {
    /// True when trying again later may succeed: `408`, `429` and `5xx` answers (Google's
    /// libraries retry these), whether or not they carried an error body.
    pub fn is_transient(&self) -> bool {
        let status = match self {
            TokenError::Rejected { status, .. } | TokenError::Status { status } => *status,
            _ => return false,
        };
        status == 408 || status == 429 || (500..600).contains(&status)
    }

    /// Replaces every occurrence of a secret in the messages kept from the endpoint.
    fn redact(&mut self, secrets: &[&str]) {
        if let TokenError::Rejected {
            error, description, ..
        } = self
        {
            for secret in secrets.iter().filter(|s| !s.is_empty()) {
                for text in core::iter::once(&mut *error).chain(description.as_mut()) {
                    if text.contains(secret) {
                        *text = text.replace(secret, "<redacted>");
                    }
                }
            }
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Rejected {
                status,
                error,
                description,
            } => {
                write!(
                    f,
                    "the Google token endpoint refused the request ({status} {error})"
                )?;
                match description {
                    Some(description) => write!(f, ": {description}"),
                    None => Ok(()),
                }
            }
            TokenError::Status { status } => {
                write!(f, "the Google token endpoint answered {status}")
            }
            TokenError::InvalidResponse { status, problem } => write!(
                f,
                "the Google token endpoint's answer ({status}) is not a usable token: {problem}"
            ),
            TokenError::NotRefreshable { source } => write!(
                f,
                "the Google access token from {source} expired or was rejected, and cannot be \
                 renewed: set a new one"
            ),
            TokenError::Signing => {
                f.write_str("signing the service account's token request failed")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TokenError {}

/// What is wrong with a success answer ([`TokenError::InvalidResponse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseProblem {
    /// The body is larger than [`MAX_TOKEN_RESPONSE_BYTES`].
    TooLarge,
    /// The body is not a JSON object.
    NotJson,
    /// No `access_token`.
    MissingAccessToken,
    /// The `access_token` is not a string of visible ASCII characters.
    MalformedAccessToken,
    /// `expires_in` is not a positive whole number of seconds.
    InvalidExpiresIn,
    /// A `token_type` other than `Bearer` (shortened when long).
    UnsupportedTokenType(String),
}

impl fmt::Display for ResponseProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseProblem::TooLarge => write!(
                f,
                "the body is larger than {MAX_TOKEN_RESPONSE_BYTES} bytes"
            ),
            ResponseProblem::NotJson => f.write_str("the body is not a JSON object"),
            ResponseProblem::MissingAccessToken => f.write_str("no \"access_token\""),
            ResponseProblem::MalformedAccessToken => {
                f.write_str("the \"access_token\" cannot be sent in a header")
            }
            ResponseProblem::InvalidExpiresIn => {
                f.write_str("\"expires_in\" is not a positive number of seconds")
            }
            ResponseProblem::UnsupportedTokenType(kind) => {
                write!(f, "the token type {kind:?} is not \"Bearer\"")
            }
        }
    }
}

/// `text`, cut to `max` characters (with `…` when cut).
fn shortened(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// The OAuth or Google error in an error body, if it has one.
fn error_in(object: &Map<String, Value>, status: u16) -> Option<TokenError> {
    match object.get("error")? {
        // RFC 6749, section 5.2: {"error": "invalid_grant", "error_description": "..."}.
        Value::String(code) => Some(TokenError::Rejected {
            status,
            error: shortened(code, MAX_ERROR_CODE),
            description: object
                .get("error_description")
                .and_then(Value::as_str)
                .map(|d| shortened(d, MAX_ERROR_DESCRIPTION)),
        }),
        // Google's JSON errors: {"error": {"code": 400, "message": "...", "status": "..."}}.
        Value::Object(error) => {
            let code = error
                .get("status")
                .and_then(Value::as_str)
                .map(|s| shortened(s, MAX_ERROR_CODE))
                .or_else(|| {
                    error
                        .get("code")
                        .and_then(Value::as_u64)
                        .map(|c| format!("{c}"))
                })
                .unwrap_or_else(|| "error".to_owned());
            Some(TokenError::Rejected {
                status,
                error: code,
                description: error
                    .get("message")
                    .and_then(Value::as_str)
                    .map(|m| shortened(m, MAX_ERROR_DESCRIPTION)),
            })
        }
        _ => None,
    }
}

/// `expires_in` as seconds: a positive whole number, or a string of one (some servers send
/// `"3599"`); absent or `null` means [`DEFAULT_EXPIRES_IN_SECS`].
fn expires_in(value: Option<&Value>) -> Result<u64, ResponseProblem> {
    let seconds = match value {
        None | Some(Value::Null) => Some(DEFAULT_EXPIRES_IN_SECS),
        Some(Value::Number(n)) => n.as_u64().or_else(|| {
            // A whole number written as a float (`3599.0`); `f64::fract` is not in `core`.
            n.as_f64()
                .filter(|s| (1.0..=1e15).contains(s))
                .map(|s| (s as u64, s))
                .filter(|&(whole, s)| whole as f64 == s)
                .map(|(whole, _)| whole)
        }),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(_) => None,
    };
    seconds
        .filter(|&s| s > 0)
        .ok_or(ResponseProblem::InvalidExpiresIn)
}

/// Reads the token endpoint's answer: the access token of a success answer, else the error.
///
/// `now` (Unix seconds) is when the answer arrived: the token expires `expires_in` seconds
/// later (the few seconds the request took are well inside [`REFRESH_MARGIN_SECS`]).
///
/// # Errors
///
/// [`TokenError::Rejected`] for an OAuth or Google error body (whatever the status),
/// [`TokenError::Status`] for another failing status, [`TokenError::InvalidResponse`] for a
/// success answer without a usable token.
pub fn parse_token_response(status: u16, body: &[u8], now: u64) -> Result<AccessToken, TokenError> {
    let success = (200..300).contains(&status);
    let invalid = |problem| TokenError::InvalidResponse { status, problem };
    if body.len() > MAX_TOKEN_RESPONSE_BYTES {
        return Err(if success {
            invalid(ResponseProblem::TooLarge)
        } else {
            TokenError::Status { status }
        });
    }
    let object = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    };
    let Some(object) = object else {
        return Err(if success {
            invalid(ResponseProblem::NotJson)
        } else {
            TokenError::Status { status }
        });
    };
    if !success || !object.contains_key("access_token") {
        if let Some(error) = error_in(&object, status) {
            return Err(error);
        }
        if !success {
            return Err(TokenError::Status { status });
        }
    }
    let token = match object.get("access_token") {
        None | Some(Value::Null) => return Err(invalid(ResponseProblem::MissingAccessToken)),
        Some(Value::String(token)) if is_header_safe(token) => token,
        Some(_) => return Err(invalid(ResponseProblem::MalformedAccessToken)),
    };
    match object.get("token_type") {
        None | Some(Value::Null) => {}
        Some(Value::String(kind)) if kind.eq_ignore_ascii_case("bearer") => {}
        Some(other) => {
            let kind = other
                .as_str()
                .map_or_else(|| format!("{other}"), str::to_owned);
            return Err(invalid(ResponseProblem::UnsupportedTokenType(shortened(
                &kind, 40,
            ))));
        }
    }
    let expires_in = expires_in(object.get("expires_in")).map_err(invalid)?;
    Ok(AccessToken::obtained(token.clone(), now, expires_in))
}

/// Access tokens for one set of [`Credentials`], cached until shortly before they expire: a
/// sans-IO state machine, with the time (Unix seconds) and randomness as arguments.
///
/// The driving loop, before each Vertex AI request:
///
/// 1. [`token(now)`](TokenSource::token): a fresh token, to send as
///    `Authorization: Bearer ...` ([`AccessToken::bearer`]); else
/// 2. [`refresh_request(now, rng)`](TokenSource::refresh_request): send the [`TokenRequest`],
///    and hand its answer to [`refresh_response(status, body, now)`](TokenSource::refresh_response),
///    which caches and returns the new token.
///
/// When Vertex AI answers `401`, call [`invalidate`](TokenSource::invalidate), fetch a new
/// token and retry the request once. A token given directly ([`CredentialKind::AccessToken`](super::CredentialKind::AccessToken))
/// is used until it is invalidated and is never refreshed: after a `401`, `refresh_request`
/// fails with [`TokenError::NotRefreshable`], an authentication error for the caller.
///
/// A failed refresh changes nothing: the shell may retry it later ([`TokenError::is_transient`]).
/// Concurrent callers should share one `TokenSource` behind a lock and let one of them
/// refresh.
///
/// ```
/// use llm_sse_core::google::{Credentials, TokenSource};
///
/// let credentials = Credentials::from_access_token("ya29.a0-direct-token")?;
/// let mut source = TokenSource::new(credentials);
/// let now = 1_764_086_400;
/// assert_eq!(source.token(now).map(|t| t.bearer()).as_deref(), Some("Bearer ya29.a0-direct-token"));
/// assert!(!source.needs_refresh(now + 86_400)); // a direct token is never refreshed
///
/// source.invalidate(); // Vertex AI answered 401
/// assert!(source.token(now).is_none());
/// let rng = ring::rand::SystemRandom::new();
/// assert!(source.refresh_request(now, &rng).is_err()); // NotRefreshable: an auth error
/// # Ok::<(), llm_sse_core::google::CredentialsError>(())
/// ```
pub struct TokenSource {
    credentials: Credentials,
    token: Option<AccessToken>,
    /// The assertion of the request in flight, to redact should the endpoint echo it.
    pending_assertion: Option<Secret>,
}

impl TokenSource {
    /// A source for `credentials`; a direct access token is cached at once.
    pub fn new(credentials: Credentials) -> TokenSource {
        let token = match &credentials.kind {
            Kind::AccessToken(token) => Some(token.clone()),
            _ => None,
        };
        TokenSource {
            credentials,
            token,
            pending_assertion: None,
        }
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The cached token, when it is fresh at `now` ([`AccessToken::is_fresh`]); `None` when
    /// there is none yet, it is within [`REFRESH_MARGIN_SECS`] of its expiry, or it was
    /// invalidated.
    pub fn token(&self, now: u64) -> Option<&AccessToken> {
        self.token.as_ref().filter(|t| t.is_fresh(now))
    }

    /// True when a token must be fetched before the next request: there is no fresh one and
    /// the credentials can be exchanged for one. Always false for a direct access token.
    pub fn needs_refresh(&self, now: u64) -> bool {
        self.credentials.is_refreshable() && self.token(now).is_none()
    }

    /// The request that fetches a new token, made at `now` (a service account's assertion is
    /// issued at `now` and valid for an hour). `rng` is used by ring's RSA signing (blinding);
    /// the shells pass `ring::rand::SystemRandom::new()` ([`SystemRandom`](super::SystemRandom)).
    ///
    /// # Errors
    ///
    /// [`TokenError::NotRefreshable`] for a direct access token; [`TokenError::Signing`] when
    /// `rng` fails.
    pub fn refresh_request(
        &mut self,
        now: u64,
        rng: &dyn SecureRandom,
    ) -> Result<TokenRequest, TokenError> {
        match &self.credentials.kind {
            Kind::AccessToken(_) => Err(TokenError::NotRefreshable {
                source: self.credentials.source().clone(),
            }),
            Kind::AuthorizedUser(user) => Ok(authorized_user_request(user)),
            Kind::MetadataServer(host) => Ok(TokenRequest::metadata(host)),
            Kind::ServiceAccount(account) => {
                let assertion = jwt::assertion(account, now, rng)?;
                let mut body = String::new();
                push_form_pair(&mut body, "grant_type", JWT_BEARER_GRANT_TYPE);
                push_form_pair(&mut body, "assertion", assertion.expose());
                self.pending_assertion = Some(assertion);
                Ok(TokenRequest::new(
                    &account.token_uri,
                    JWT_BEARER_GRANT_TYPE,
                    body,
                ))
            }
        }
    }

    /// Reads the token endpoint's answer to [`refresh_request`](TokenSource::refresh_request),
    /// which arrived at `now`, caches its token and returns it. The token is then
    /// [`token(now)`](TokenSource::token) until shortly before it expires.
    ///
    /// # Errors
    ///
    /// As [`parse_token_response`], the cache unchanged; [`TokenError::NotRefreshable`] for a
    /// direct access token.
    pub fn refresh_response(
        &mut self,
        status: u16,
        body: &[u8],
        now: u64,
    ) -> Result<&AccessToken, TokenError> {
        let assertion = self.pending_assertion.take();
        let secrets: [&str; 3] = match &self.credentials.kind {
            Kind::AccessToken(_) => {
                return Err(TokenError::NotRefreshable {
                    source: self.credentials.source().clone(),
                });
            }
            Kind::AuthorizedUser(user) => {
                [user.client_secret.expose(), user.refresh_token.expose(), ""]
            }
            Kind::ServiceAccount(_) => ["", "", assertion.as_ref().map_or("", Secret::expose)],
            Kind::MetadataServer(_) => ["", "", ""],
        };
        match parse_token_response(status, body, now) {
            Ok(token) => Ok(self.token.insert(token)),
            Err(mut error) => {
                error.redact(&secrets);
                Err(error)
            }
        }
    }

    /// Forgets the cached token: Vertex AI answered `401` (the token was revoked or the
    /// clock is off). The next [`token`](TokenSource::token) is `None`; refreshable
    /// credentials then fetch a new one, a direct token fails with
    /// [`TokenError::NotRefreshable`].
    pub fn invalidate(&mut self) {
        self.token = None;
    }
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("credentials", &self.credentials)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_are_percent_encoded() {
        let mut body = String::new();
        push_form_pair(&mut body, "grant_type", JWT_BEARER_GRANT_TYPE);
        push_form_pair(&mut body, "x y", "a+b/c=d&e~f.g_h-i é");
        assert_eq!(
            body,
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer\
             &x%20y=a%2Bb%2Fc%3Dd%26e~f.g_h-i%20%C3%A9"
        );
    }

    #[test]
    fn margin_is_half_the_lifetime_of_a_short_token() {
        for (expires_in, fresh_for) in [
            (3600, 3600 - 225),
            (450, 225),
            (449, 225),
            (300, 150),
            (60, 30),
            (3, 2),
            (1, 1),
            (u64::MAX, u64::MAX - 225),
        ] {
            let token = AccessToken::obtained("t".to_owned(), 0, expires_in);
            assert_eq!(
                token.fresh_until(),
                Some(fresh_for),
                "expires_in {expires_in}"
            );
            assert_eq!(token.expires_at(), Some(expires_in));
        }
    }
}
