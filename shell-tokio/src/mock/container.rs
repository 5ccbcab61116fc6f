//! A mock of the container credentials endpoint that gives an ECS task or an EKS pod its
//! temporary AWS credentials: [`CredentialsEndpoint`] answers `GET` with the credentials it was
//! given, as ECS's and EKS Pod Identity's agents do (`AccessKeyId`, `SecretAccessKey`, `Token`,
//! `Expiration`, `RoleArn`), after checking the `Authorization` header when it requires one. A
//! mock Bedrock that [`require_aws_signature`](super::MockProvider::require_aws_signature)s
//! those credentials then checks that a client signs with them.
//!
//! ```
//! use llm_sse_tokio::core::aws::AwsCredentials;
//! use llm_sse_tokio::mock::CredentialsEndpoint;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let credentials = AwsCredentials::new("ASIAMOCK", "mock-secret", Some("mock-session".into()));
//! let endpoint = CredentialsEndpoint::new(credentials)
//!     .require_authorization("pod-identity-token")
//!     .start()
//!     .await?;
//! // AWS_CONTAINER_CREDENTIALS_FULL_URI=<endpoint.url()>,
//! // AWS_CONTAINER_AUTHORIZATION_TOKEN=pod-identity-token
//! assert_eq!(endpoint.url(), format!("http://{}/v1/credentials", endpoint.addr()));
//! assert_eq!(endpoint.requests(), 0);
//! # Ok(())
//! # }
//! ```

use std::convert::Infallible;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use llm_sse_core::aws::AwsCredentials;
use llm_sse_core::aws::container::format_expiration;
use tokio::sync::watch;

use super::MockError;
use super::token::{bind_endpoint, json, serve_with};

/// The configuration of a mock container credentials endpoint; [`CredentialsEndpoint::start`]
/// starts a [`CredentialsServer`]. By default it listens on `127.0.0.1` on a port the system
/// picks, requires no `Authorization` and says the credentials expire in six hours.
#[derive(Clone)]
pub struct CredentialsEndpoint {
    addr: SocketAddr,
    credentials: AwsCredentials,
    authorization: Option<String>,
    expires_in: u64,
}

impl fmt::Debug for CredentialsEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsEndpoint")
            .field("addr", &self.addr)
            .field("credentials", &self.credentials)
            .field("requires_authorization", &self.authorization.is_some())
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl CredentialsEndpoint {
    /// An endpoint that hands out `credentials`.
    pub fn new(credentials: AwsCredentials) -> Self {
        CredentialsEndpoint {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            credentials,
            authorization: None,
            expires_in: 6 * 3600,
        }
    }

    /// Listen on `addr` instead of `127.0.0.1:0`.
    #[must_use]
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Require `Authorization: TOKEN` (what `AWS_CONTAINER_AUTHORIZATION_TOKEN` or the file of
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` holds); other requests get `401`.
    #[must_use]
    pub fn require_authorization(mut self, token: impl Into<String>) -> Self {
        self.authorization = Some(token.into());
        self
    }

    /// Say the credentials expire `secs` seconds after each answer.
    #[must_use]
    pub fn expires_in(mut self, secs: u64) -> Self {
        self.expires_in = secs;
        self
    }

    /// Binds the address and starts serving on the current Tokio runtime, until the returned
    /// [`CredentialsServer`] is dropped.
    pub async fn start(self) -> Result<CredentialsServer, MockError> {
        let (runtime, listener, addr) = bind_endpoint(self.addr)?;
        let state = Arc::new(State {
            config: self,
            requests: AtomicUsize::new(0),
            failing: AtomicBool::new(false),
        });
        let (shutdown, shutdown_rx) = watch::channel(());
        let served = Arc::clone(&state);
        runtime.spawn(serve_with(listener, shutdown_rx, move |request| {
            answer(Arc::clone(&served), request)
        }));
        Ok(CredentialsServer {
            addr,
            state,
            _shutdown: shutdown,
        })
    }
}

struct State {
    config: CredentialsEndpoint,
    requests: AtomicUsize,
    failing: AtomicBool,
}

/// A running mock container credentials endpoint. Dropping it stops the server.
pub struct CredentialsServer {
    addr: SocketAddr,
    state: Arc<State>,
    _shutdown: watch::Sender<()>,
}

impl fmt::Debug for CredentialsServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsServer")
            .field("addr", &self.addr)
            .field("requests", &self.requests())
            .finish_non_exhaustive()
    }
}

impl CredentialsServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its URL, `http://ADDR/v1/credentials` (any path is served): what
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` should say.
    pub fn url(&self) -> String {
        format!("http://{}/v1/credentials", self.addr)
    }

    /// How many requests arrived (answered or refused).
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// While `on`, answer every request `500` (as an agent that cannot reach AWS).
    pub fn fail(&self, on: bool) {
        self.state.failing.store(on, Ordering::SeqCst);
    }
}

async fn answer(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let error = |status: StatusCode, code: &str, message: &str| {
        let body = serde_json::json!({"code": code, "message": message});
        Ok(json(status, body.to_string()))
    };
    if request.method() != Method::GET {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "InvalidRequest",
            "only GET is served",
        );
    }
    if let Some(expected) = &state.config.authorization {
        let given = request.headers().get(http::header::AUTHORIZATION);
        if given.is_none_or(|v| v.as_bytes() != expected.as_bytes()) {
            return error(
                StatusCode::UNAUTHORIZED,
                "AccessDeniedException",
                "The authorization token is missing or not valid",
            );
        }
    }
    if state.failing.load(Ordering::SeqCst) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServerException",
            "the agent could not get credentials",
        );
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let credentials = &state.config.credentials;
    let body = serde_json::json!({
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key.expose(),
        "Token": credentials.session_token.as_ref().map_or("", |t| t.expose()),
        "Expiration": format_expiration(now.saturating_add(state.config.expires_in)),
        "RoleArn": "arn:aws:iam::123456789012:role/mock-task",
    });
    Ok(json(StatusCode::OK, body.to_string()))
}
