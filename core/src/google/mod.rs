//! Google credentials and OAuth2 access tokens, for Claude on Vertex AI (feature
//! `google-auth`).
//!
//! Vertex AI wants `Authorization: Bearer <access token>`. This module finds the credentials
//! the way Google's client libraries find *application default credentials*, turns them into
//! the HTTP request that obtains an access token, reads the token endpoint's answer, and
//! caches the token until shortly before it expires. Like the rest of the crate it is sans-IO:
//! the environment, the files, the clock and the random numbers come in as arguments, and the
//! shell sends the requests.
//!
//! # Where credentials come from
//!
//! [`Credentials::from_lookup`] takes the first source that is set (empty variables count as
//! unset):
//!
//! | order | source | what it holds | tokens |
//! |---|---|---|---|
//! | 1 | `CLOUDSDK_AUTH_ACCESS_TOKEN` ([`ACCESS_TOKEN_ENV`]) | an access token (the variable the Google Cloud CLI reads one from) | used as it is, never refreshed |
//! | 2 | `GOOGLE_APPLICATION_CREDENTIALS` ([`CREDENTIALS_FILE_ENV`]) | the path of a JSON file: a service account key or authorized user credentials | fetched and refreshed |
//! | 3 | the Google Cloud CLI's well-known file ([`well_known_file`]): `$CLOUDSDK_CONFIG/application_default_credentials.json`, else `$HOME/.config/gcloud/...` (`%APPDATA%\gcloud\...` on Windows) | what `gcloud auth application-default login` writes (an `authorized_user` file) | fetched and refreshed |
//! | 4 | the metadata server: at `GCE_METADATA_HOST` ([`METADATA_HOST_ENV`]) when set, else at [`DEFAULT_METADATA_HOST`] when [`PRODUCT_NAME_FILE`] starts with `Google` (Linux on Compute Engine, GKE); off with `NO_GCE_CHECK=true` ([`NO_GCE_CHECK_ENV`]) | the machine's attached service account | fetched and refreshed: `GET http://{host}`[`METADATA_TOKEN_PATH`] with `metadata-flavor: Google` |
//!
//! Sources 2 to 4 are Google's own order; source 1 comes first because whoever sets it
//! means it. Google's libraries also probe the metadata server over the network when the
//! machine does not say it is on Google Cloud (Cloud Run, App Engine); the search here does no
//! I/O of its own, so there `GCE_METADATA_HOST=169.254.169.254` says where the server is (the
//! message of [`CredentialsError::NotFound`] says so). Whether the server answers shows at the
//! first token fetch. A token given in code ([`Credentials::from_access_token`], what
//! `AnthropicVertex(access_token=...)` does in the Anthropic SDKs) or a file's JSON given in
//! code ([`Credentials::from_json`]) skips the search.
//!
//! A source that is set but broken is an error, never skipped: a file that
//! `GOOGLE_APPLICATION_CREDENTIALS` names but that cannot be read is
//! [`CredentialsError::Unreadable`], and a file that is not valid credentials is
//! [`CredentialsError::Invalid`] with the [`CredentialsProblem`] (the field that is missing,
//! the PEM line that is not there, ...; never a secret). Nothing found at all is
//! [`CredentialsError::NotFound`], whose message says what to set.
//!
//! # The two kinds of files
//!
//! | `type` | fields read | the token request |
//! |---|---|---|
//! | `service_account` | `client_email`, `private_key` (PEM, PKCS#8), `private_key_id` (the JWT's `kid`, optional), `token_uri` (default [`DEFAULT_TOKEN_URI`]), `project_id`, `quota_project_id` | an RS256-signed JWT (`iss` = the email, `scope` = [`CLOUD_PLATFORM_SCOPE`], `aud` = the `token_uri`, `iat` = now, `exp` = now + 3600), sent as `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<jwt>` |
//! | `authorized_user` | `client_id`, `client_secret`, `refresh_token`, `token_uri` (default [`DEFAULT_TOKEN_URI`]), `quota_project_id` | `grant_type=refresh_token&client_id=..&client_secret=..&refresh_token=..` |
//!
//! The file's project ([`Credentials::project_id`], a service account's `project_id`) and
//! quota project ([`Credentials::quota_project_id`]) are there for the caller to use.
//!
//! # A token, step by step
//!
//! ```
//! use llm_sse_core::google::{CredentialKind, CredentialSource, Credentials, TokenSource};
//!
//! // The environment and the file system, as closures (a shell passes `std::env::var` and
//! // `std::fs::read_to_string`).
//! let env = |name: &str| match name {
//!     "HOME" => Some("/home/ada".to_string()),
//!     _ => None,
//! };
//! let files = |path: &str| match path {
//!     "/home/ada/.config/gcloud/application_default_credentials.json" => Some(
//!         r#"{"type": "authorized_user", "client_id": "123.apps.googleusercontent.com",
//!             "client_secret": "not-a-real-secret", "refresh_token": "1//not-a-real-token",
//!             "quota_project_id": "ada-project"}"#
//!             .to_string(),
//!     ),
//!     _ => None,
//! };
//! let credentials = Credentials::from_lookup(env, files)?;
//! assert_eq!(credentials.kind(), CredentialKind::AuthorizedUser);
//! assert!(matches!(credentials.source(), CredentialSource::WellKnownFile { .. }));
//!
//! // No token yet: the shell sends the token request...
//! let mut source = TokenSource::new(credentials);
//! let now = 1_764_086_400; // Unix seconds, from the shell's clock
//! assert!(source.needs_refresh(now));
//! let rng = ring::rand::SystemRandom::new(); // the shell's randomness (used to sign JWTs)
//! let request = source.refresh_request(now, &rng)?;
//! assert_eq!(request.url, "https://oauth2.googleapis.com/token");
//! assert_eq!(request.headers.get("content-type"), Some("application/x-www-form-urlencoded"));
//! assert!(request.body().starts_with("grant_type=refresh_token&client_id=123.apps"));
//! assert!(!format!("{request:?}").contains("not-a-real")); // Debug hides the secrets
//!
//! // ...and hands the answer back.
//! let body = br#"{"access_token": "ya29.a0-fresh", "expires_in": 3599, "token_type": "Bearer"}"#;
//! let token = source.refresh_response(200, body, now + 1)?;
//! assert_eq!(token.bearer(), "Bearer ya29.a0-fresh");
//! assert_eq!(token.expires_at(), Some(now + 1 + 3599));
//!
//! // The token is cached until 3 min 45 s before it expires.
//! assert_eq!(source.token(now + 3000).map(|t| t.expose()), Some("ya29.a0-fresh"));
//! assert!(source.token(now + 1 + 3599 - 225).is_none());
//! assert!(source.needs_refresh(now + 3500));
//!
//! // An error answer is a typed error with the endpoint's message.
//! let body = br#"{"error": "invalid_grant", "error_description": "Token has been expired or revoked."}"#;
//! let error = source.refresh_response(400, body, now + 3500).unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "the Google token endpoint refused the request (400 invalid_grant): Token has been expired or revoked."
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`TokenSource`] describes the loop a shell runs, including a `401` from Vertex AI
//! ([`TokenSource::invalidate`], then one refresh and one retry).
//!
//! # Not supported
//!
//! - Other credential files: `external_account` (workload identity federation),
//!   `external_account_authorized_user`, `impersonated_service_account`,
//!   `gdch_service_account`. They fail with [`CredentialsProblem::UnsupportedType`] naming the
//!   type: `credentials of type "external_account" are not supported (supported:
//!   "service_account", "authorized_user")`.
//! - A probe of the metadata server over the network (see source 4 above), and the
//!   metadata server's project id (Vertex AI's project is set, as for every other source).
//! - Running `gcloud` (for its configured project or `print-access-token`), domain-wide
//!   delegation (`sub`), scopes other than [`CLOUD_PLATFORM_SCOPE`], PKCS#1
//!   (`RSA PRIVATE KEY`) and encrypted keys ([`KeyProblem::UnsupportedPemLabel`]).
//!
//! # Secrets
//!
//! The private key, client secret, refresh token, access tokens and the signed assertion
//! never appear in `Debug`, `Display` or errors: [`AccessToken::expose`] and
//! [`TokenRequest::body`] are the only ways to read them, for the wire. An error answer that
//! echoes one of the request's secrets has it replaced by `<redacted>`.

mod credentials;
pub mod endpoint;
mod jwt;
mod secret;
mod token;

pub use credentials::{
    ACCESS_TOKEN_ENV, CLOUDSDK_CONFIG_ENV, CREDENTIALS_FILE_ENV, CredentialKind, CredentialSource,
    Credentials, CredentialsError, CredentialsProblem, DEFAULT_METADATA_HOST, DEFAULT_TOKEN_URI,
    KeyProblem, METADATA_HOST_ENV, NO_GCE_CHECK_ENV, PRODUCT_NAME_FILE, Platform,
    WELL_KNOWN_FILE_NAME, well_known_file,
};
pub use jwt::ASSERTION_LIFETIME_SECS;
pub use token::{
    AccessToken, CLOUD_PLATFORM_SCOPE, DEFAULT_EXPIRES_IN_SECS, JWT_BEARER_GRANT_TYPE,
    MAX_TOKEN_RESPONSE_BYTES, METADATA_SERVER_REQUEST, METADATA_TOKEN_PATH, REFRESH_MARGIN_SECS,
    REFRESH_TOKEN_GRANT_TYPE, ResponseProblem, TokenError, TokenRequest, TokenSource,
    parse_token_response,
};

/// ring's randomness trait, which [`TokenSource::refresh_request`] takes.
pub use ring::rand::SecureRandom;
/// ring's operating-system random number generator: what a shell passes to
/// [`TokenSource::refresh_request`] (`SystemRandom::new()`). The core never creates one.
pub use ring::rand::SystemRandom;
