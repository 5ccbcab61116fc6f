//! [`Call`]: one streaming call, from the request to the first body byte, as a state machine
//! whose states are types.

use alloc::format;
use alloc::string::String;
#[cfg(not(feature = "http"))]
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::api_error::ApiError;
use crate::chunk::{Provider, StreamChunk, StreamError, StreamErrorKind};
use crate::normalize::Normalizer;
use crate::provider::Auth;
use crate::request::{Headers, Method, RequestError, ValidRequest};
use crate::retry::{Decision, Failure, RetryHints, RetryPolicy};

use super::error::{AuthFailure, ProviderAuthError, ProviderError};
use super::settings::{ApiKey, Settings};

/// How much of an error response's body a shell reads for [`ErrorBody::finish`].
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// The `user-agent` both clients send.
pub const USER_AGENT: &str = concat!("llm-sse/", env!("CARGO_PKG_VERSION"));

/// What replaces a key found in a message.
const REDACTED: &str = "<redacted>";

/// One streaming call to a provider, up to the first byte of its stream: the sans-IO core of
/// both clients.
///
/// [`Call::new`] takes a request already validated for its provider and prepares the HTTP
/// request (URL, headers, body: nothing a shell needs to check). Then each attempt is one of
/// these paths, every step consuming the state it came from, so that a call that failed or
/// started cannot be used again:
///
/// ```text
/// Call ─ send ─┬─ no response ──────────────► no_response(message) ─┐
///              └─ response head ─► response(status, headers) ─┐     │
///     ┌───────────────────────────────────────────────────────┘     │
///     ├─ Head::Stream(Starting) ─ first body bytes ──► Streaming     │
///     │                          ├ body ended at once ► Streaming    │
///     │                          ├ idle timeout ──────► Streaming    │
///     │                          └ connection lost ───► failed ──────┤
///     ├─ Head::ErrorBody(ErrorBody) ─ read ≤ 64 KiB ─► finish ───────┤
///     └─ Head::Failed(ProviderError) (not an event stream)           │
///                                                                    ▼
///                       Attempt::Retry { call, after }: sleep, send `call` again
///                       Attempt::Failed(ProviderError): the call's error
/// ```
///
/// [`Streaming`] then owns the [`Normalizer`]: the shell feeds it the body and drains its
/// chunks; nothing after the first byte is retried. Every error message a shell passes in,
/// and every provider message, has the API key replaced by `<redacted>` (a provider or a proxy
/// may echo the key it refused).
///
/// ```
/// use core::time::Duration;
/// use llm_sse_core::client::{Attempt, Call, Head, Settings};
/// use llm_sse_core::request::{ChatMessage, ChatRequest};
/// use llm_sse_core::{Provider, StreamChunk};
///
/// let settings = Settings::new().with_api_key(Provider::Anthropic, "sk-ant-secret");
/// let request = ChatRequest::new("claude-sonnet-4-5", vec![ChatMessage::user("Hi")])
///     .validate(Provider::Anthropic)?;
/// let call = Call::new(&settings, request)?;
/// assert_eq!(call.url(), "https://api.anthropic.com/v1/messages");
///
/// // Attempt 1: overloaded, "retry after 1 s".
/// let Head::ErrorBody(body) = call.response(529, [("retry-after", "1")], 0) else { panic!() };
/// let Attempt::Retry { call, after } = body.finish(br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#, 0.5) else { panic!() };
/// assert_eq!(after, Duration::from_secs(1));
///
/// // Attempt 2: an event stream.
/// let Head::Stream(starting) = call.response(200, [("content-type", "text/event-stream")], 0) else { panic!() };
/// let mut stream = starting.first_bytes(b"event: ping\ndata: {\"type\":\"ping\"}\n\n");
/// assert_eq!(stream.retries(), 1);
/// stream.end(); // the body ended before message_stop
/// let Some(StreamChunk::Done(finish)) = stream.next_chunk() else { panic!() };
/// assert_eq!(finish.error().unwrap().error_type(), "incomplete_stream");
///
/// // A provider that echoes the key it refused does not make the client show it.
/// let call = Call::new(&settings, ChatRequest::new("m", vec![ChatMessage::user("Hi")]).validate(Provider::Anthropic)?)?;
/// let Head::ErrorBody(body) = call.response(401, [("x", "y")], 0) else { panic!() };
/// let Attempt::Failed(error) = body.finish(b"invalid x-api-key: sk-ant-secret", 0.5) else { panic!() };
/// assert_eq!(error.to_string(), "Anthropic rejected the API key: HTTP 401 authentication_error: invalid x-api-key: <redacted>");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Call {
    provider: Provider,
    /// Boxed: a call moves through every state of an attempt.
    prepared: alloc::boxed::Box<Prepared>,
    policy: RetryPolicy,
    idle_timeout: Duration,
    /// The attempt under way, from 1.
    attempt: u32,
    /// What the request authenticates with; its secrets are taken out of every message.
    credential: Credential,
}

/// What a call authenticates with when it was fetched rather than set: see
/// [`Call::with_authorization`]. `Debug` never shows the secrets.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authorization {
    /// A Google OAuth2 access token (Vertex AI). Never log it.
    AccessToken(String),
    /// AWS credentials from a container endpoint (Amazon Bedrock in an ECS task or EKS pod).
    Aws(crate::aws::AwsCredentials),
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Authorization::AccessToken(_) => f.write_str("AccessToken(<redacted>)"),
            Authorization::Aws(credentials) => f.debug_tuple("Aws").field(credentials).finish(),
        }
    }
}

/// What a call authenticates with.
#[derive(Debug, Clone)]
enum Credential {
    /// An API key in the request's headers.
    Key(ApiKey),
    /// An OAuth2 access token in the request's headers; `renewed` once it was replaced after a
    /// `401`.
    Token { token: ApiKey, renewed: bool },
    /// AWS credentials: each attempt is signed with its own time.
    Aws {
        credentials: crate::aws::AwsCredentials,
        region: String,
        service: &'static str,
    },
}

impl Credential {
    /// The secrets that must never appear in a message.
    fn secrets(&self) -> [Option<&str>; 2] {
        match self {
            Credential::Key(key) | Credential::Token { token: key, .. } => {
                [Some(key.expose()), None]
            }
            Credential::Aws { credentials, .. } => [
                Some(credentials.secret_access_key.expose()),
                credentials.session_token.as_ref().map(|t| t.expose()),
            ],
        }
    }
}

/// The request of a call, ready to send: every part checked, so a shell only copies it.
#[derive(Clone)]
struct Prepared {
    method: Method,
    url: String,
    /// Where `host[:port]` starts and ends in `url`.
    authority: (usize, usize),
    scheme_is_https: bool,
    headers: Headers,
    body: BodyBytes,
    #[cfg(feature = "http")]
    http: HttpParts,
}

/// The body, shared by every attempt.
#[cfg(feature = "http")]
type BodyBytes = bytes::Bytes;
#[cfg(not(feature = "http"))]
type BodyBytes = Vec<u8>;

impl fmt::Debug for Prepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `Headers`' Debug redacts the key; the body is not shown (it holds the conversation).
        f.debug_struct("Prepared")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Call {
    /// A call of `request` (validated for its provider) with `settings`' key, base URL, retry
    /// policy and idle timeout.
    ///
    /// # Errors
    ///
    /// [`ProviderError::Auth`] without a usable key (naming the variable to set),
    /// [`ProviderError::InvalidBaseUrl`] for a base URL that is not an `http://` or `https://`
    /// URL with a host. Nothing is sent.
    pub fn new(settings: &Settings, request: ValidRequest) -> Result<Call, ProviderError> {
        let provider = request.provider();
        let credential = match provider.spec().auth {
            Auth::Header(_) | Auth::Bearer => Credential::Key(settings.api_key(provider)?.clone()),
            Auth::AwsSigV4 { service } => {
                let aws = settings.aws()?;
                let Some(keys) = aws.credentials.keys() else {
                    return Err(ProviderError::Auth(ProviderAuthError {
                        provider,
                        reason: AuthFailure::MissingCredentials(
                            "a call with container credentials needs them fetched first \
                             (Call::with_authorization)"
                                .into(),
                        ),
                    }));
                };
                Credential::Aws {
                    credentials: keys.clone(),
                    region: aws.region.clone(),
                    service,
                }
            }
            Auth::GoogleOAuth => {
                return Err(ProviderError::Auth(ProviderAuthError {
                    provider,
                    reason: AuthFailure::MissingCredentials(
                        "a call needs a Google access token (Call::with_access_token)".into(),
                    ),
                }));
            }
        };
        Call::prepare(settings, request, credential)
    }

    /// A call of `request` that authenticates with `token`, a Google OAuth2 access token (for
    /// Vertex AI: see `AccessTokens`, feature `google-auth`, for where it comes from). For a
    /// provider that does not take one, the same as [`new`](Call::new).
    ///
    /// # Errors
    ///
    /// As [`new`](Call::new); [`AuthFailure::MalformedKey`] for a token that cannot be sent.
    pub fn with_access_token(
        settings: &Settings,
        request: ValidRequest,
        token: &str,
    ) -> Result<Call, ProviderError> {
        let provider = request.provider();
        if provider.spec().auth != Auth::GoogleOAuth {
            return Call::new(settings, request);
        }
        let token = ApiKey::new(token).ok_or(ProviderError::Auth(ProviderAuthError {
            provider,
            reason: AuthFailure::MalformedKey,
        }))?;
        let credential = Credential::Token {
            token,
            renewed: false,
        };
        Call::prepare(settings, request, credential)
    }

    /// A call of `request` that authenticates with `authorization`, fetched for its provider
    /// (see `AccessTokens`, feature `google-auth`): a Google access token (Vertex AI) or AWS
    /// credentials from a container endpoint (Amazon Bedrock). For a provider that takes
    /// neither, or an authorization of the other kind, the same as [`new`](Call::new).
    ///
    /// # Errors
    ///
    /// As [`with_access_token`](Call::with_access_token).
    pub fn with_authorization(
        settings: &Settings,
        request: ValidRequest,
        authorization: &Authorization,
    ) -> Result<Call, ProviderError> {
        match (request.provider().spec().auth, authorization) {
            (Auth::GoogleOAuth, Authorization::AccessToken(token)) => {
                Call::with_access_token(settings, request, token)
            }
            (Auth::AwsSigV4 { service }, Authorization::Aws(credentials)) => {
                let credential = Credential::Aws {
                    credentials: credentials.clone(),
                    region: settings.aws()?.region.clone(),
                    service,
                };
                Call::prepare(settings, request, credential)
            }
            _ => Call::new(settings, request),
        }
    }

    /// The call of `request` with `credential`.
    fn prepare(
        settings: &Settings,
        request: ValidRequest,
        credential: Credential,
    ) -> Result<Call, ProviderError> {
        let provider = request.provider();
        // A located endpoint (Vertex AI's) is under a project and a location: without them
        // the URL would name none.
        if let crate::provider::Endpoint::LocatedModel { .. } = provider.spec().endpoint {
            settings.vertex()?;
        }
        let key = match &credential {
            Credential::Key(key) | Credential::Token { token: key, .. } => Some(key.expose()),
            Credential::Aws { .. } => None,
        };
        let http = match request.build(key) {
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
        let invalid = |reason: &str| ProviderError::InvalidBaseUrl {
            url: base.into(),
            reason: reason.into(),
        };
        let (scheme_is_https, rest) = if let Some(rest) = strip_prefix_ignore_case(base, "https://")
        {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(base, "http://") {
            (false, rest)
        } else {
            return Err(invalid("it must start with http:// or https://"));
        };
        let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..authority_len];
        if authority.is_empty() {
            return Err(invalid("it has no host"));
        }
        if authority.contains('@') {
            return Err(invalid(
                "it holds user information (user@host), which is not sent: put credentials in \
                 the API key",
            ));
        }
        if base.contains('#') || !base.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "it holds a space, a control character, a fragment (#) or a non-ASCII character",
            ));
        }
        let url = http.url(base);
        let start = base.len() - rest.len();
        let method = http.method;
        let body = BodyBytes::from(http.body_bytes());
        let mut headers = http.headers;
        headers.insert("user-agent", USER_AGENT);
        #[cfg(feature = "http")]
        let http =
            HttpParts::new(method, &url, &headers, &body).map_err(|reason| match reason {
                HttpProblem::Url(reason) => invalid(&reason),
                HttpProblem::Header => ProviderError::Auth(ProviderAuthError {
                    provider,
                    reason: AuthFailure::MalformedKey,
                }),
            })?;
        Ok(Call {
            provider,
            prepared: alloc::boxed::Box::new(Prepared {
                method,
                url,
                authority: (start, start + authority_len),
                scheme_is_https,
                headers,
                body,
                #[cfg(feature = "http")]
                http,
            }),
            policy: settings.retry,
            idle_timeout: settings.idle_timeout,
            attempt: 1,
            credential,
        })
        .and_then(Call::check_signature)
    }

    /// Signs once at the Unix epoch, so that a request AWS's signer refuses (a malformed
    /// region or session token) fails here, not at each attempt.
    fn check_signature(self) -> Result<Call, ProviderError> {
        match self.signature(0) {
            Some(Err(e)) => Err(ProviderError::Auth(ProviderAuthError {
                provider: self.provider,
                reason: AuthFailure::MissingCredentials(format!(
                    "the request cannot be signed: {e}"
                )),
            })),
            _ => Ok(self),
        }
    }

    /// The AWS signature headers of the request sent at `now` (`None` for a provider that is
    /// not signed).
    fn signature(
        &self,
        now: u64,
    ) -> Option<Result<crate::aws::sigv4::Signed, crate::aws::sigv4::SignError>> {
        let Credential::Aws {
            credentials,
            region,
            service,
        } = &self.credential
        else {
            return None;
        };
        let prepared = &self.prepared;
        let signer = crate::aws::sigv4::Signer::new(credentials, region, service);
        let signed =
            crate::aws::sigv4::SignableRequest::from_url(prepared.method.as_str(), &prepared.url)
                .map(|request| {
                    request
                        .headers(
                            prepared
                                .headers
                                .iter()
                                .filter(|(name, _)| !crate::aws::sigv4::is_unsigned_header(name)),
                        )
                        .payload(&prepared.body)
                })
                .and_then(|request| signer.sign(&request, now));
        Some(signed)
    }

    /// The provider called.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// This call with a new access token, after [`Attempt::Reauthorize`]: its next attempt
    /// sends `token`.
    ///
    /// # Errors
    ///
    /// [`AuthFailure::MalformedKey`] for a token that cannot be sent in a header.
    pub fn reauthorize(mut self, token: &str) -> Result<Call, ProviderError> {
        let malformed = ProviderError::Auth(ProviderAuthError {
            provider: self.provider,
            reason: AuthFailure::MalformedKey,
        });
        let token = ApiKey::new(token).ok_or(malformed.clone())?;
        let header = match self.provider.spec().auth {
            Auth::Header(name) => (name, String::from(token.expose())),
            Auth::Bearer | Auth::GoogleOAuth | Auth::AwsSigV4 { .. } => {
                ("authorization", format!("Bearer {}", token.expose()))
            }
        };
        if !header
            .1
            .bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
        {
            return Err(malformed);
        }
        self.prepared.headers.insert(header.0, header.1.as_str());
        #[cfg(feature = "http")]
        {
            let mut value = http::HeaderValue::from_str(&header.1).map_err(|_| malformed)?;
            value.set_sensitive(true);
            self.prepared
                .http
                .headers
                .insert(http::HeaderName::from_static(header.0), value);
        }
        self.credential = Credential::Token {
            token,
            renewed: true,
        };
        self.attempt += 1;
        Ok(self)
    }

    /// The attempt about to be made (or under way), counted from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.prepared.method
    }

    /// The full URL.
    pub fn url(&self) -> &str {
        &self.prepared.url
    }

    /// `http` or `https`: the URL's scheme.
    pub fn scheme(&self) -> &'static str {
        if self.prepared.scheme_is_https {
            "https"
        } else {
            "http"
        }
    }

    /// The URL's `host[:port]`, for connecting, choosing a proxy and error messages (a base URL
    /// with user information is refused, so this never holds a credential).
    pub fn authority(&self) -> &str {
        let (start, end) = self.prepared.authority;
        &self.prepared.url[start..end]
    }

    /// The URL's host (an IPv6 address in brackets), without the port.
    pub fn host(&self) -> &str {
        host_of(self.authority())
    }

    /// The headers to send at `now` (Unix seconds: the time of the attempt, which an AWS
    /// signature covers): authentication, API version, content type, user agent, and for
    /// Amazon Bedrock the signature (`authorization`, `x-amz-date`, `x-amz-security-token`).
    /// Every name and value is a valid HTTP header's. `Debug` redacts the credentials.
    pub fn headers(&self, now: u64) -> Headers {
        let mut headers = self.prepared.headers.clone();
        if let Some(Ok(signed)) = self.signature(now) {
            for (name, value) in signed.headers() {
                headers.insert(name, value);
            }
        }
        headers
    }

    /// The JSON body.
    pub fn body(&self) -> &[u8] {
        &self.prepared.body
    }

    /// The request to send at `now` (Unix seconds: the time of the attempt, which an AWS
    /// signature covers) as an [`http::Request`], for any client built on the `http` crate
    /// (hyper, ureq): the body is shared, not copied, and the credentials' headers are marked
    /// sensitive.
    #[cfg(feature = "http")]
    pub fn http_request(&self, now: u64) -> http::Request<bytes::Bytes> {
        let mut request = self.prepared.http.request();
        // The signature was checked when the call was made; only a time past the year 9999
        // could fail it, and an unsigned request is then refused by the provider.
        if let Some(Ok(signed)) = self.signature(now) {
            for (name, value) in signed.headers() {
                if let Ok(mut value) = http::HeaderValue::from_str(value) {
                    value.set_sensitive(Headers::is_sensitive(name));
                    request
                        .headers_mut()
                        .insert(http::HeaderName::from_static(name), value);
                }
            }
        }
        request
    }

    /// The attempt got no response: the connection, TLS or proxy failed, or the request could
    /// not be sent. `message` says which; the error names the host before it, and the key is
    /// taken out of it. `random` is a number in `[0, 1)` for the backoff's jitter.
    pub fn no_response(self, message: impl Into<String>, random: f64) -> Attempt {
        let message = self.redact(format!("{}: {}", self.authority(), message.into()));
        self.retry_or(&Failure::Connection, random, |_| {
            ProviderError::Connection { message }
        })
    }

    /// No response head arrived within `limit` (the response timeout): retried like
    /// [`no_response`](Call::no_response).
    pub fn response_timed_out(self, limit: Duration, random: f64) -> Attempt {
        let message = format!(
            "no response within {} s (the response timeout)",
            limit.as_secs_f64()
        );
        self.no_response(message, random)
    }

    /// The attempt's response head arrived: its status and headers, and the current time (Unix
    /// seconds, for a `retry-after` date).
    ///
    /// A `2xx` with the provider's stream content type is [`Head::Stream`]; any other `2xx` is
    /// [`Head::Failed`] ([`ProviderError::NotEventStream`], never retried); an error status is
    /// [`Head::ErrorBody`]: read its body, then [`ErrorBody::finish`].
    pub fn response<I, K, V>(self, status: u16, headers: I, now_unix_secs: u64) -> Head
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        if (200..300).contains(&status) {
            let mut content_type = None;
            for (name, value) in headers {
                if name.as_ref().eq_ignore_ascii_case("content-type") {
                    content_type = Some(String::from_utf8_lossy(value.as_ref()).into_owned());
                }
            }
            let expected = self.provider.spec().stream_content_type;
            let is_stream = content_type.as_deref().is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .is_some_and(|mime| mime.trim().eq_ignore_ascii_case(expected))
            });
            if !is_stream {
                return Head::Failed(ProviderError::NotEventStream {
                    status,
                    content_type: content_type.map(|ct| format!("{ct:.100}")),
                });
            }
            return Head::Stream(Starting {
                normalizer: Normalizer::new(self.provider),
                call: self,
            });
        }
        // AWS names the error in a header (`x-amzn-ErrorType`), not in the body.
        let mut error_type = None;
        let headers = headers.into_iter().inspect(|(name, value)| {
            if name
                .as_ref()
                .eq_ignore_ascii_case(crate::api_error::AWS_ERROR_TYPE_HEADER)
            {
                let value = String::from_utf8_lossy(value.as_ref());
                error_type = ApiError::aws_error_type(self.provider, &value).map(String::from);
            }
        });
        let hints = RetryHints::from_headers(headers, now_unix_secs);
        Head::ErrorBody(ErrorBody {
            call: self,
            status,
            hints,
            error_type,
        })
    }

    /// `message` with the key replaced by `<redacted>`.
    fn redact(&self, message: String) -> String {
        redact(message, &self.credential)
    }

    /// Retries `failure` as the policy says, or gives up with `error`.
    fn retry_or(
        mut self,
        failure: &Failure,
        random: f64,
        error: impl FnOnce(&Call) -> ProviderError,
    ) -> Attempt {
        match self.policy.decide(failure, self.attempt, random) {
            Decision::Retry { after } => {
                self.attempt += 1;
                Attempt::Retry { call: self, after }
            }
            Decision::GiveUp(_) => Attempt::Failed(error(&self)),
        }
    }
}

/// What a failed attempt leads to.
#[derive(Debug)]
#[must_use]
pub enum Attempt {
    /// Sleep `after`, then send `call` again.
    Retry {
        /// The call, at its next attempt.
        call: Call,
        /// The wait.
        after: Duration,
    },
    /// The provider refused the call's access token (`401`) the first time: renew the token
    /// (`AccessTokens::invalidate`, then a new one) and send
    /// [`call.reauthorize(token)`](Call::reauthorize) at once. A second refusal is
    /// [`Failed`](Attempt::Failed). When the token cannot be renewed (one given directly:
    /// `AccessTokens::is_renewable`), the call fails with
    /// `refused`.
    Reauthorize {
        /// The call, at its next attempt.
        call: Call,
        /// The provider's refusal, as the call's error (its message redacted).
        refused: ProviderError,
    },
    /// The call failed.
    Failed(ProviderError),
}

/// What a response head means: see [`Call::response`].
#[derive(Debug)]
#[must_use]
// Made once per attempt and matched at once: boxing the stream's state would only add an
// allocation.
#[allow(clippy::large_enum_variant)]
pub enum Head {
    /// An event stream: read its first bytes.
    Stream(Starting),
    /// An error status: read (at most [`MAX_ERROR_BODY`] bytes of) the body, then
    /// [`ErrorBody::finish`].
    ErrorBody(ErrorBody),
    /// A `2xx` that is not the provider's stream: the call failed (never retried).
    Failed(ProviderError),
}

/// A response with an error status, waiting for its body.
#[derive(Debug)]
#[must_use]
pub struct ErrorBody {
    call: Call,
    status: u16,
    hints: RetryHints,
    /// The error type the head named (AWS's `x-amzn-ErrorType`).
    error_type: Option<String>,
}

impl ErrorBody {
    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body arrived (what arrived of it, when it failed or took too long: at most
    /// [`MAX_ERROR_BODY`] bytes are read): retry as the policy says (`408`, `409`, `429`, `5xx`,
    /// honouring `retry-after`), or fail with the provider's error, the key taken out of its
    /// message. `random` is a number in `[0, 1)` for the jitter.
    pub fn finish(self, body: &[u8], random: f64) -> Attempt {
        let ErrorBody {
            call,
            status,
            hints,
            error_type,
        } = self;
        let error = |call: &Call| {
            let body = body.get(..MAX_ERROR_BODY).unwrap_or(body);
            let mut error = ApiError::parse(call.provider, status, body);
            if let Some(error_type) = &error_type {
                error.error_type = error_type.clone();
            }
            error.message = call.redact(core::mem::take(&mut error.message));
            ProviderError::from_status(call.provider, error, hints)
        };
        // A Google access token may have been revoked, or the clock be off: fetch a new one
        // and try once more (Google's libraries do the same).
        if status == 401 {
            if let Credential::Token { renewed: false, .. } = call.credential {
                let refused = error(&call);
                return Attempt::Reauthorize { call, refused };
            }
        }
        let failure = Failure::Status { status, hints };
        call.retry_or(&failure, random, error)
    }
}

/// A `2xx` event stream whose first body bytes have not arrived yet. A failure now may still be
/// retried: the provider has not started.
#[derive(Debug)]
#[must_use]
pub struct Starting {
    call: Call,
    normalizer: Normalizer,
}

impl Starting {
    /// The first bytes of the body (not empty): the stream has started.
    pub fn first_bytes(mut self, bytes: &[u8]) -> Streaming {
        self.normalizer.feed(bytes);
        self.into_streaming()
    }

    /// The body ended before any byte: a stream with nothing in it, ending `incomplete_stream`
    /// (the provider answered; sending again would not help).
    pub fn ended(self) -> Streaming {
        let mut stream = self.into_streaming();
        stream.end();
        stream
    }

    /// No byte arrived within the idle timeout: a stream ending `idle_timeout` (not retried:
    /// the provider may be generating).
    pub fn idle_timeout(self) -> Streaming {
        let mut stream = self.into_streaming();
        stream.idle_timeout();
        stream
    }

    /// The connection failed before the first byte: retried like a connection failure (the
    /// key is taken out of `message`).
    pub fn failed(self, message: impl Into<String>, random: f64) -> Attempt {
        let call = self.call;
        let message = call.redact(format!(
            "{}: the connection failed before the first byte of the stream: {}",
            call.authority(),
            message.into()
        ));
        call.retry_or(&Failure::Connection, random, |_| {
            ProviderError::Connection { message }
        })
    }

    fn into_streaming(self) -> Streaming {
        Streaming {
            provider: self.call.provider,
            retries: self.call.attempt - 1,
            idle_timeout: self.call.idle_timeout,
            credential: self.call.credential,
            normalizer: self.normalizer,
        }
    }
}

/// A started stream: the body's bytes in, [`StreamChunk`]s out, ending with exactly one
/// terminal chunk. Nothing is retried any more: every failure ends the stream with an error
/// terminal chunk, after every chunk before it.
///
/// The same loop as a [`Normalizer`]'s: [`feed`](Streaming::feed) what arrives, drain
/// [`next_chunk`](Streaming::next_chunk); at the end of the body [`end`](Streaming::end), when
/// the connection breaks [`connection_lost`](Streaming::connection_lost), when the idle timeout
/// passes [`idle_timeout`](Streaming::idle_timeout).
#[derive(Debug)]
pub struct Streaming {
    provider: Provider,
    retries: u32,
    idle_timeout: Duration,
    credential: Credential,
    normalizer: Normalizer,
}

impl Streaming {
    /// The provider streaming.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// How many failed attempts were retried before this stream started.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The idle timeout the shell enforces between body bytes.
    pub fn idle_timeout_limit(&self) -> Duration {
        self.idle_timeout
    }

    /// Body bytes arrived (only buffers).
    pub fn feed(&mut self, bytes: &[u8]) {
        self.normalizer.feed(bytes);
    }

    /// The body ended.
    pub fn end(&mut self) {
        self.normalizer.finish();
    }

    /// The connection broke (`message` says how; the key is taken out of it): the stream ends
    /// `connection_error`.
    pub fn connection_lost(&mut self, message: &str) {
        let message = redact(
            format!("the connection to the provider failed: {message}"),
            &self.credential,
        );
        self.normalizer
            .fail(StreamError::new(StreamErrorKind::ConnectionError, message));
    }

    /// No byte arrived for the idle timeout: the stream ends `idle_timeout`.
    pub fn idle_timeout(&mut self) {
        let message = format!(
            "no data from the provider for {} s (the idle timeout)",
            self.idle_timeout.as_secs_f64()
        );
        self.normalizer
            .fail(StreamError::new(StreamErrorKind::IdleTimeout, message));
    }

    /// Ends the stream with `error` now (the caller gives up on it: a gateway shutting down),
    /// keeping what was known: the terminal chunk still carries the id, model, usage and
    /// provider finish reason that arrived.
    pub fn abort(&mut self, error: StreamError) {
        self.normalizer.fail(error);
    }

    /// The next chunk; `None` when more bytes are needed, or after the terminal chunk.
    pub fn next_chunk(&mut self) -> Option<StreamChunk> {
        self.normalizer.next_chunk()
    }

    /// True once the terminal chunk has been decided: no more bytes are needed.
    pub fn is_closed(&self) -> bool {
        self.normalizer.is_closed()
    }

    /// True once the terminal chunk has been pulled: nothing more comes.
    pub fn is_drained(&self) -> bool {
        self.normalizer.is_drained()
    }
}

/// `message` with every secret of `credential` replaced by `<redacted>`.
fn redact(mut message: String, credential: &Credential) -> String {
    for secret in credential.secrets().into_iter().flatten() {
        if !secret.is_empty() && message.contains(secret) {
            message = message.replace(secret, REDACTED);
        }
    }
    message
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// The host of `host[:port]` (an IPv6 address keeps its brackets).
fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority
            .find(']')
            .map_or(authority, |end| &authority[..=end]);
    }
    authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host)
}

/// The request in the `http` crate's types, built once.
#[cfg(feature = "http")]
#[derive(Clone)]
struct HttpParts {
    method: http::Method,
    uri: http::Uri,
    headers: http::HeaderMap,
    body: bytes::Bytes,
}

#[cfg(feature = "http")]
enum HttpProblem {
    Url(String),
    Header,
}

#[cfg(feature = "http")]
impl HttpParts {
    fn new(
        method: Method,
        url: &str,
        headers: &Headers,
        body: &bytes::Bytes,
    ) -> Result<HttpParts, HttpProblem> {
        let uri: http::Uri = url.parse().map_err(|e: http::uri::InvalidUri| {
            HttpProblem::Url(alloc::string::ToString::to_string(&e))
        })?;
        let mut map = http::HeaderMap::with_capacity(headers.len());
        for (name, value) in headers {
            let name =
                http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| HttpProblem::Header)?;
            let mut value = http::HeaderValue::from_str(value).map_err(|_| HttpProblem::Header)?;
            value.set_sensitive(Headers::is_sensitive(name.as_str()));
            map.append(name, value);
        }
        Ok(HttpParts {
            method: method.to_http(),
            uri,
            headers: map,
            body: body.clone(),
        })
    }

    fn request(&self) -> http::Request<bytes::Bytes> {
        let mut request = http::Request::new(self.body.clone());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }
}
