//! A mock of Google's OAuth2 token endpoint, for Vertex AI's clients: [`TokenEndpoint`] answers
//! `POST /token` with access tokens that a mock Vertex AI then accepts
//! ([`MockProvider::accept_tokens_from`](super::MockProvider::accept_tokens_from)).
//!
//! It checks each request as Google does, with the core's
//! [`google::endpoint`](llm_sse_core::google::endpoint): a service account's RS256 assertion
//! against the account's public key (and its audience against this endpoint's URL), an
//! authorized user's client id, client secret and refresh token. It counts the requests, and
//! can refuse them or revoke the tokens it issued, so that a client's fetching, caching,
//! expiry and renewal after a `401` can be tested end to end.
//!
//! With [`TokenEndpoint::metadata_server`] it is also a Google Cloud machine's metadata server:
//! `GET /computeMetadata/v1/instance/service-accounts/default/token` with `Metadata-Flavor:
//! Google` gets a token (without the header: `403`, as from the real one); the account's
//! description (`.../service-accounts/default/?recursive=true`: [`METADATA_ACCOUNT_EMAIL`] and
//! its scopes), the project id ([`METADATA_PROJECT_ID`]) and the root that Google's libraries
//! ping are served too, so that google-auth's
//! `compute_engine.Credentials` work against it (`tests/sdk/google_metadata_check.py` checks
//! that). Point `GCE_METADATA_HOST` at [`TokenServer::addr`].
//!
//! ```
//! use llm_sse_tokio::mock::TokenEndpoint;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let tokens = TokenEndpoint::new()
//!     .authorized_user("client-1", "secret-1", "1//refresh-1")
//!     .expires_in(3600)
//!     .start()
//!     .await?;
//! assert_eq!(tokens.url(), format!("http://{}/token", tokens.addr()));
//! // An `authorized_user` file whose `token_uri` is `tokens.url()` gets tokens here.
//! assert_eq!((tokens.requests(), tokens.issued()), (0, 0));
//! # Ok(())
//! # }
//! ```

use std::convert::Infallible;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use llm_sse_core::google::endpoint::{self, EndpointError, Grant};
use tokio::sync::watch;
use tokio::time::Instant;

use super::MockError;
use crate::listen;

/// The largest token request the endpoint reads.
const MAX_BODY: usize = 64 * 1024;

/// Where a metadata server describes the machine's service accounts.
const METADATA_ACCOUNTS_PATH: &str = "/computeMetadata/v1/instance/service-accounts/";

/// Where a metadata server says the machine's project id.
const METADATA_PROJECT_PATH: &str = "/computeMetadata/v1/project/project-id";

/// The project id a mock metadata server says the machine is in.
pub const METADATA_PROJECT_ID: &str = "mock-project";

/// The email of the service account a mock metadata server says is attached to the machine
/// (its `default`).
pub const METADATA_ACCOUNT_EMAIL: &str = "mock-vm@mock-project.iam.gserviceaccount.com";

/// The configuration of a mock token endpoint; [`TokenEndpoint::start`] starts a
/// [`TokenServer`].
///
/// By default it listens on `127.0.0.1` on a port the system picks, knows no credentials
/// (every request is refused until some are added) and issues tokens that live an hour.
#[derive(Clone)]
pub struct TokenEndpoint {
    addr: SocketAddr,
    expires_in: u64,
    service_accounts: Vec<(String, String)>,
    users: Vec<User>,
    metadata_server: bool,
}

/// An authorized user the endpoint knows.
#[derive(Clone)]
struct User {
    client_id: String,
    client_secret: String,
    refresh_token: String,
}

impl fmt::Debug for TokenEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let emails: Vec<&str> = self
            .service_accounts
            .iter()
            .map(|(e, _)| e.as_str())
            .collect();
        let clients: Vec<&str> = self.users.iter().map(|u| u.client_id.as_str()).collect();
        f.debug_struct("TokenEndpoint")
            .field("addr", &self.addr)
            .field("expires_in", &self.expires_in)
            .field("service_accounts", &emails)
            .field("authorized_users", &clients)
            .field("metadata_server", &self.metadata_server)
            .finish()
    }
}

impl Default for TokenEndpoint {
    fn default() -> Self {
        TokenEndpoint::new()
    }
}

impl TokenEndpoint {
    /// An endpoint that knows no credentials yet, issuing tokens that live an hour.
    pub fn new() -> Self {
        TokenEndpoint {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            expires_in: 3600,
            service_accounts: Vec::new(),
            users: Vec::new(),
            metadata_server: false,
        }
    }

    /// Listen on `addr` instead of `127.0.0.1:0`.
    #[must_use]
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Issue tokens that live `secs` seconds (their `expires_in`; at least 1). A mock Vertex AI
    /// refuses a token once it has expired.
    #[must_use]
    pub fn expires_in(mut self, secs: u64) -> Self {
        self.expires_in = secs.max(1);
        self
    }

    /// Accept the assertions of the service account `client_email`, verified with its public
    /// key (`public_key_pem`: a PKCS#1 `RSA PUBLIC KEY` PEM block, as `openssl rsa
    /// -RSAPublicKey_out` writes it).
    #[must_use]
    pub fn service_account(
        mut self,
        client_email: impl Into<String>,
        public_key_pem: impl Into<String>,
    ) -> Self {
        self.service_accounts
            .push((client_email.into(), public_key_pem.into()));
        self
    }

    /// Accept this authorized user's refresh token.
    #[must_use]
    pub fn authorized_user(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        self.users.push(User {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: refresh_token.into(),
        });
        self
    }

    /// Also serve as a Google Cloud machine's metadata server, as google-auth's
    /// `compute_engine.Credentials` and `google.auth.default()` use one: `GET`
    /// [`METADATA_TOKEN_PATH`](llm_sse_core::google::METADATA_TOKEN_PATH) (also by the account's
    /// email, [`METADATA_ACCOUNT_EMAIL`]) with `Metadata-Flavor: Google` is answered a token,
    /// without the header `403`; the account's description
    /// (`/computeMetadata/v1/instance/service-accounts/default/`), the project id
    /// (`/computeMetadata/v1/project/project-id`: [`METADATA_PROJECT_ID`]) and the detection
    /// ping (`GET /`) are served too, every answer with `Metadata-Flavor: Google`.
    #[must_use]
    pub fn metadata_server(mut self) -> Self {
        self.metadata_server = true;
        self
    }

    /// Binds the address and starts serving on the current Tokio runtime, until the returned
    /// [`TokenServer`] is dropped.
    pub async fn start(self) -> Result<TokenServer, MockError> {
        let (runtime, listener, addr) = bind_endpoint(self.addr)?;
        let state = Arc::new(State {
            url: format!("http://{addr}/token"),
            config: self,
            book: Arc::new(TokenBook::default()),
            requests: AtomicUsize::new(0),
            refusing: AtomicBool::new(false),
        });
        let (shutdown, shutdown_rx) = watch::channel(());
        runtime.spawn(serve(listener, Arc::clone(&state), shutdown_rx));
        Ok(TokenServer {
            addr,
            state,
            _shutdown: shutdown,
        })
    }
}

/// The access tokens a mock token endpoint issued: which are still good. `Debug` shows how
/// many, not the tokens.
#[derive(Default)]
pub(crate) struct TokenBook {
    tokens: Mutex<Vec<Issued>>,
}

impl fmt::Debug for TokenBook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBook")
            .field("issued", &self.lock().len())
            .finish()
    }
}

struct Issued {
    token: String,
    expires_at: Instant,
    revoked: bool,
}

impl TokenBook {
    fn issue(&self, lifetime: Duration) -> String {
        let mut tokens = self.lock();
        let token = format!("ya29.mock-token-{}", tokens.len() + 1);
        tokens.push(Issued {
            token: token.clone(),
            expires_at: Instant::now() + lifetime,
            revoked: false,
        });
        token
    }

    /// True for a token this endpoint issued that has not expired and was not revoked.
    pub(crate) fn is_valid(&self, token: &str) -> bool {
        let now = Instant::now();
        self.lock()
            .iter()
            .any(|t| t.token == token && !t.revoked && now < t.expires_at)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Issued>> {
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

struct State {
    config: TokenEndpoint,
    url: String,
    book: Arc<TokenBook>,
    requests: AtomicUsize,
    refusing: AtomicBool,
}

/// A running mock token endpoint. Dropping it stops the server.
pub struct TokenServer {
    addr: SocketAddr,
    state: Arc<State>,
    _shutdown: watch::Sender<()>,
}

impl fmt::Debug for TokenServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenServer")
            .field("addr", &self.addr)
            .field("requests", &self.requests())
            .field("issued", &self.issued())
            .finish_non_exhaustive()
    }
}

impl TokenServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The token endpoint's URL, `http://ADDR/token`: the `token_uri` of the credentials files
    /// that should get their tokens here (a service account's assertion must name it as its
    /// audience).
    pub fn url(&self) -> String {
        self.state.url.clone()
    }

    /// How many token requests arrived (answered or refused).
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// How many tokens it issued.
    pub fn issued(&self) -> usize {
        self.state.book.lock().len()
    }

    /// Revokes every token issued so far: a mock Vertex AI answers them `401` from now on
    /// (what a client sees when a token is revoked, or its clock is off).
    pub fn revoke_all(&self) {
        for token in self.state.book.lock().iter_mut() {
            token.revoked = true;
        }
    }

    /// While `on`, refuse every token request with `400 invalid_grant` ("Token has been
    /// expired or revoked.", what Google answers a revoked refresh token); as a metadata
    /// server, with `503`.
    pub fn refuse(&self, on: bool) {
        self.state.refusing.store(on, Ordering::SeqCst);
    }

    /// The book of issued tokens, for a mock provider that accepts them.
    pub(crate) fn book(&self) -> Arc<TokenBook> {
        Arc::clone(&self.state.book)
    }
}

/// The runtime a small mock endpoint runs on (the current one), and its listener on `addr`
/// with the address it got.
pub(super) fn bind_endpoint(
    addr: SocketAddr,
) -> Result<(tokio::runtime::Handle, tokio::net::TcpListener, SocketAddr), MockError> {
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| MockError::NoRuntime)?;
    let bind_error = |source| MockError::Bind { addr, source };
    let listening = listen::bind(addr, 128).map_err(bind_error)?;
    let bound = listening.listener.local_addr().map_err(bind_error)?;
    Ok((runtime, listening.listener, bound))
}

async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    shutdown: watch::Receiver<()>,
) {
    serve_with(listener, shutdown, move |request| {
        answer(Arc::clone(&state), request)
    })
    .await;
}

/// Serves HTTP/1.1 and HTTP/2 connections on `listener` with `answer` until `shutdown` changes
/// (or its sender is dropped): the small mock endpoints' loop.
pub(super) async fn serve_with<F, Fut>(
    listener: tokio::net::TcpListener,
    mut shutdown: watch::Receiver<()>,
    answer: F,
) where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send + 'static,
{
    let builder = auto::Builder::new(TokioExecutor::new());
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let answer = answer.clone();
        let builder = builder.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let connection = builder.serve_connection(TokioIo::new(stream), service_fn(answer));
            tokio::select! {
                _ = connection => {}
                _ = shutdown.changed() => {}
            }
        });
    }
}

async fn answer(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    if state.config.metadata_server && parts.method == Method::GET {
        if let Some(response) = metadata(&state, parts.uri.path(), &parts.headers) {
            return Ok(response);
        }
    }
    if parts.uri.path() != "/token" || parts.method != Method::POST {
        let error = EndpointError {
            status: 404,
            error: "invalid_request",
            description: format!(
                "this mock serves POST /token, not {} {}",
                parts.method,
                parts.uri.path()
            ),
        };
        return Ok(json(StatusCode::NOT_FOUND, error.to_body()));
    }
    state.requests.fetch_add(1, Ordering::SeqCst);
    let outcome = if state.refusing.load(Ordering::SeqCst) {
        Err(EndpointError::invalid_grant(
            "Token has been expired or revoked.",
        ))
    } else {
        check(&state, &body)
    };
    Ok(match outcome {
        Ok(()) => {
            let lifetime = Duration::from_secs(state.config.expires_in);
            let token = state.book.issue(lifetime);
            json(
                StatusCode::OK,
                endpoint::token_response(&token, state.config.expires_in),
            )
        }
        Err(error) => json(
            StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST),
            error.to_body(),
        ),
    })
}

/// The metadata server's answer to `GET path`, or `None` for a path it does not serve: the
/// root (what Google's libraries ping to detect the server), the attached service account's
/// description (`.../service-accounts/default/`, or by its email; its `email` and `scopes`,
/// which google-auth reads before asking for a token) and its token (`.../token`). Every
/// answer carries `Metadata-Flavor: Google`; under `/computeMetadata/v1/` a request without
/// that header is refused `403` with the real server's text.
fn metadata(state: &State, path: &str, headers: &http::HeaderMap) -> Option<Response<Full<Bytes>>> {
    enum Served {
        Root,
        Project,
        Account,
        Token,
    }
    let served = if path == "/" {
        Served::Root
    } else if path == METADATA_PROJECT_PATH {
        Served::Project
    } else {
        let rest = path.strip_prefix(METADATA_ACCOUNTS_PATH)?;
        let (account, served) = match rest.strip_suffix("/token") {
            Some(account) => (account, Served::Token),
            None => (rest.strip_suffix('/')?, Served::Account),
        };
        if account != "default" && account != METADATA_ACCOUNT_EMAIL {
            return None;
        }
        served
    };
    if matches!(served, Served::Token) {
        // Counted whether answered or refused.
        state.requests.fetch_add(1, Ordering::SeqCst);
    }
    let flavored = headers
        .get("metadata-flavor")
        .is_some_and(|v| v.as_bytes() == b"Google");
    let text = |status: StatusCode, body: &'static str| {
        let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/text"),
        );
        response
    };
    let mut response = match served {
        Served::Root => text(StatusCode::OK, "computeMetadata/\n"),
        _ if !flavored => text(
            StatusCode::FORBIDDEN,
            "Missing required header \"Metadata-Flavor\": \"Google\"\n",
        ),
        Served::Project => text(StatusCode::OK, METADATA_PROJECT_ID),
        Served::Account => {
            let info = serde_json::json!({
                "aliases": ["default"],
                "email": METADATA_ACCOUNT_EMAIL,
                "scopes": [llm_sse_core::google::CLOUD_PLATFORM_SCOPE],
            });
            json(StatusCode::OK, info.to_string())
        }
        Served::Token => {
            if state.refusing.load(Ordering::SeqCst) {
                text(StatusCode::SERVICE_UNAVAILABLE, "")
            } else {
                let lifetime = Duration::from_secs(state.config.expires_in);
                let token = state.book.issue(lifetime);
                json(
                    StatusCode::OK,
                    endpoint::token_response(&token, state.config.expires_in),
                )
            }
        }
    };
    response
        .headers_mut()
        .insert("metadata-flavor", HeaderValue::from_static("Google"));
    Some(response)
}

/// Whether the request's grant is one of the known credentials'.
fn check(state: &State, body: &[u8]) -> Result<(), EndpointError> {
    let form = std::str::from_utf8(body)
        .map_err(|_| EndpointError::invalid_grant("The request body is not UTF-8."))?;
    match endpoint::read_grant(form)? {
        Grant::JwtBearer { assertion } => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let mut first_error = None;
            for (email, key) in &state.config.service_accounts {
                match endpoint::verify_assertion(&assertion, key, now) {
                    Ok(claims) if claims.iss == *email && claims.aud == state.url => return Ok(()),
                    Ok(claims) if claims.iss == *email => {
                        return Err(EndpointError::invalid_grant(format!(
                            "Invalid JWT: the audience is not this token endpoint ({})",
                            state.url
                        )));
                    }
                    Ok(_) => {}
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            Err(first_error.unwrap_or_else(EndpointError::invalid_signature))
        }
        Grant::RefreshToken {
            client_id,
            client_secret,
            refresh_token,
        } => {
            let user = state
                .config
                .users
                .iter()
                .find(|u| u.client_id == client_id && u.client_secret == client_secret)
                .ok_or_else(EndpointError::unknown_client)?;
            if user.refresh_token == refresh_token {
                Ok(())
            } else {
                Err(EndpointError::bad_refresh_token())
            }
        }
        _ => Err(EndpointError::invalid_grant("Unsupported grant.")),
    }
}

pub(super) fn json(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_path_is_under_the_accounts_path() {
        assert_eq!(
            format!("{METADATA_ACCOUNTS_PATH}default/token"),
            llm_sse_core::google::METADATA_TOKEN_PATH
        );
    }
}
