//! [`Credentials`]: where they come from (the application-default sources), what the JSON
//! files hold, and what is wrong with a file that cannot be used ([`CredentialsError`]).

use alloc::borrow::ToOwned;
use alloc::string::String;
use core::fmt;

use serde_json::{Map, Value};

use super::secret::{Secret, SecretBytes};
use super::token::AccessToken;

/// The environment variable holding an access token to use as it is (never refreshed).
///
/// This is the Google Cloud CLI's variable: `gcloud` uses the token it holds instead of its
/// stored credentials. Google's client libraries do not read it, but whoever sets it (a CI
/// job, a vault handing out short-lived tokens) means every tool to use that token, and it is
/// the one widely known name for it. The Anthropic SDKs take such a token only in code
/// (`AnthropicVertex(access_token=...)`): that is [`Credentials::from_access_token`].
pub const ACCESS_TOKEN_ENV: &str = "CLOUDSDK_AUTH_ACCESS_TOKEN";

/// The environment variable naming a credentials JSON file (a service account key or
/// authorized user credentials), as in every Google client library.
pub const CREDENTIALS_FILE_ENV: &str = "GOOGLE_APPLICATION_CREDENTIALS";

/// The environment variable naming the Google Cloud CLI's configuration directory, which holds
/// the well-known file (default: `$HOME/.config/gcloud`, `%APPDATA%\gcloud` on Windows).
pub const CLOUDSDK_CONFIG_ENV: &str = "CLOUDSDK_CONFIG";

/// The name of the well-known file `gcloud auth application-default login` writes in the
/// Google Cloud CLI's configuration directory.
pub const WELL_KNOWN_FILE_NAME: &str = "application_default_credentials.json";

/// Google's OAuth 2.0 token endpoint, for files that do not name one.
pub const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// The environment variable naming the metadata server (`host` or `host:port`), as in Google's
/// client libraries; also how an emulator of the metadata server is used. When it is set, the
/// metadata server is the last source of credentials ([`Credentials::from_lookup`]).
pub const METADATA_HOST_ENV: &str = "GCE_METADATA_HOST";

/// The metadata server of Compute Engine, GKE, Cloud Run and the other Google Cloud runtimes:
/// a link-local address (what Google's libraries use to reach it without DNS).
pub const DEFAULT_METADATA_HOST: &str = "169.254.169.254";

/// The file that tells a Linux machine on Google Cloud (Compute Engine, GKE nodes): its
/// product name starts with `Google` (`Google Compute Engine`).
pub const PRODUCT_NAME_FILE: &str = "/sys/class/dmi/id/product_name";

/// The environment variable that turns the metadata server off as a source of credentials
/// (`true`, `1`, any case): Google's client libraries read it too.
pub const NO_GCE_CHECK_ENV: &str = "NO_GCE_CHECK";

/// The longest `type` value an error repeats (a file's `type` is not a secret, but it is
/// input).
const MAX_TYPE_IN_ERROR: usize = 64;

/// Which operating system's conventions locate the well-known file.
///
/// [`Credentials::from_lookup`] uses [`Platform::current`]; tests (and tools that inspect
/// another machine's settings) name one with [`Credentials::from_lookup_on`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Platform {
    /// Linux, macOS and other Unix systems: `$HOME/.config/gcloud`, paths joined with `/`.
    Unix,
    /// Windows: `%APPDATA%\gcloud` (else `%SystemDrive%\gcloud`, else `C:\gcloud`), paths
    /// joined with `\`.
    Windows,
}

impl Platform {
    /// The platform this crate was compiled for.
    pub const fn current() -> Platform {
        if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Unix
        }
    }

    const fn separator(self) -> char {
        match self {
            Platform::Unix => '/',
            Platform::Windows => '\\',
        }
    }
}

/// `dir` joined with `name` by `platform`'s separator (a trailing separator on `dir` is not
/// doubled).
fn join(platform: Platform, dir: &str, name: &str) -> String {
    let dir = match platform {
        Platform::Unix => dir.trim_end_matches('/'),
        Platform::Windows => dir.trim_end_matches(['\\', '/']),
    };
    let mut path = String::with_capacity(dir.len() + 1 + name.len());
    path.push_str(dir);
    path.push(platform.separator());
    path.push_str(name);
    path
}

/// A variable's value with surrounding whitespace removed; `None` when unset or blank.
fn variable(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    let value = lookup(name)?;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == value.len() {
        Some(value)
    } else {
        Some(trimmed.to_owned())
    }
}

/// The metadata server's host when it is a source of credentials: [`METADATA_HOST_ENV`] when
/// set, else [`DEFAULT_METADATA_HOST`] on a Linux machine whose [`PRODUCT_NAME_FILE`] starts
/// with `Google`; never when [`NO_GCE_CHECK_ENV`] is `true` or `1`.
fn metadata_host(
    platform: Platform,
    lookup: &impl Fn(&str) -> Option<String>,
    read_file: &impl Fn(&str) -> Option<String>,
) -> Option<String> {
    if variable(lookup, NO_GCE_CHECK_ENV)
        .is_some_and(|off| off.eq_ignore_ascii_case("true") || off == "1")
    {
        return None;
    }
    if let Some(host) = variable(lookup, METADATA_HOST_ENV) {
        return Some(host);
    }
    let on_google_cloud = platform == Platform::Unix
        && read_file(PRODUCT_NAME_FILE).is_some_and(|name| name.trim_start().starts_with("Google"));
    on_google_cloud.then(|| DEFAULT_METADATA_HOST.to_owned())
}

/// Where the Google Cloud CLI's well-known credentials file is, from the environment:
/// `$CLOUDSDK_CONFIG/application_default_credentials.json` when [`CLOUDSDK_CONFIG_ENV`] is
/// set, else `$HOME/.config/gcloud/application_default_credentials.json` (Unix) or
/// `%APPDATA%\gcloud\application_default_credentials.json` (Windows; without `APPDATA`,
/// `%SystemDrive%\gcloud\...`, else `C:\gcloud\...`, as Google's libraries do).
///
/// `None` on Unix when `HOME` is not set (the path cannot be known without it).
///
/// ```
/// use llm_sse_core::google::{well_known_file, Platform};
///
/// let env = |name: &str| match name {
///     "HOME" => Some("/home/ada".to_string()),
///     "APPDATA" => Some(r"C:\Users\ada\AppData\Roaming".to_string()),
///     _ => None,
/// };
/// assert_eq!(
///     well_known_file(Platform::Unix, env).as_deref(),
///     Some("/home/ada/.config/gcloud/application_default_credentials.json")
/// );
/// assert_eq!(
///     well_known_file(Platform::Windows, env).as_deref(),
///     Some(r"C:\Users\ada\AppData\Roaming\gcloud\application_default_credentials.json")
/// );
/// ```
pub fn well_known_file(
    platform: Platform,
    lookup: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    if let Some(dir) = variable(&lookup, CLOUDSDK_CONFIG_ENV) {
        return Some(join(platform, &dir, WELL_KNOWN_FILE_NAME));
    }
    let dir = match platform {
        Platform::Unix => {
            let home = variable(&lookup, "HOME")?;
            join(platform, &join(platform, &home, ".config"), "gcloud")
        }
        Platform::Windows => match variable(&lookup, "APPDATA") {
            Some(appdata) => join(platform, &appdata, "gcloud"),
            None => {
                let drive = variable(&lookup, "SystemDrive").unwrap_or_else(|| "C:".to_owned());
                join(platform, &drive, "gcloud")
            }
        },
    };
    Some(join(platform, &dir, WELL_KNOWN_FILE_NAME))
}

/// Where a [`Credentials`] came from (for messages: it never holds a secret).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialSource {
    /// Given in code ([`Credentials::from_access_token`], [`Credentials::from_json`]).
    Code,
    /// The access token in an environment variable ([`ACCESS_TOKEN_ENV`]).
    Environment(&'static str),
    /// The file [`CREDENTIALS_FILE_ENV`] names.
    CredentialsFile {
        /// The file's path.
        path: String,
    },
    /// The Google Cloud CLI's well-known file ([`well_known_file`]).
    WellKnownFile {
        /// The file's path.
        path: String,
    },
    /// The metadata server of the Google Cloud machine this runs on: [`METADATA_HOST_ENV`]
    /// names it, or [`PRODUCT_NAME_FILE`] says the machine is on Google Cloud.
    MetadataServer {
        /// Its host (and port): [`METADATA_HOST_ENV`], else [`DEFAULT_METADATA_HOST`].
        host: String,
    },
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Code => f.write_str("the credentials given in code"),
            CredentialSource::Environment(variable) => write!(f, "{variable}"),
            CredentialSource::CredentialsFile { path } => {
                write!(
                    f,
                    "the credentials file {path} (from {CREDENTIALS_FILE_ENV})"
                )
            }
            CredentialSource::WellKnownFile { path } => {
                write!(f, "the gcloud application default credentials file {path}")
            }
            CredentialSource::MetadataServer { host } => {
                write!(f, "the metadata server at {host}")
            }
        }
    }
}

/// What kind of credentials a [`Credentials`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialKind {
    /// An access token used as it is: never refreshed, so it works until it expires.
    AccessToken,
    /// A service account key (`"type": "service_account"`): a signed JWT is exchanged for
    /// tokens.
    ServiceAccount,
    /// A user's refresh token (`"type": "authorized_user"`, what `gcloud auth
    /// application-default login` writes): exchanged for tokens.
    AuthorizedUser,
    /// The attached service account of the Google Cloud machine this runs on: its tokens come
    /// from the metadata server.
    MetadataServer,
}

impl CredentialKind {
    /// The kind's name: `access_token`, the file's `type` (`service_account`,
    /// `authorized_user`), or `metadata_server`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CredentialKind::AccessToken => "access_token",
            CredentialKind::ServiceAccount => "service_account",
            CredentialKind::AuthorizedUser => "authorized_user",
            CredentialKind::MetadataServer => "metadata_server",
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service account key file's contents.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ServiceAccount {
    pub(crate) client_email: String,
    /// The PKCS#8 DER of the RSA key (checked by ring when the file was read).
    pub(crate) private_key: SecretBytes,
    pub(crate) private_key_id: Option<String>,
    pub(crate) token_uri: String,
    pub(crate) project_id: Option<String>,
    pub(crate) quota_project_id: Option<String>,
}

/// An authorized user file's contents.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct AuthorizedUser {
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) refresh_token: Secret,
    pub(crate) token_uri: String,
    pub(crate) quota_project_id: Option<String>,
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    AccessToken(AccessToken),
    ServiceAccount(ServiceAccount),
    AuthorizedUser(AuthorizedUser),
    /// The metadata server at this host.
    MetadataServer(String),
}

/// Google credentials: an access token, a service account key, or authorized user
/// credentials, with where they came from.
///
/// Resolved from the environment the way Google's client libraries resolve application
/// default credentials ([`from_lookup`](Credentials::from_lookup)), or given in code. A
/// [`TokenSource`](super::TokenSource) turns them into access tokens.
///
/// `Debug` shows the kind, the source, the service account's email and the project ids; never
/// a private key, client secret, refresh token or access token.
///
/// ```
/// use llm_sse_core::google::{CredentialKind, Credentials};
///
/// let credentials = Credentials::from_json(r#"{
///     "type": "authorized_user",
///     "client_id": "123.apps.googleusercontent.com",
///     "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty",
///     "refresh_token": "1//0gNOTREAL",
///     "quota_project_id": "my-project"
/// }"#)?;
/// assert_eq!(credentials.kind(), CredentialKind::AuthorizedUser);
/// assert_eq!(credentials.quota_project_id(), Some("my-project"));
/// let debug = format!("{credentials:?}");
/// assert!(!debug.contains("d-FL95Q19q7MQmFpd7hHD0Ty") && !debug.contains("1//0gNOTREAL"));
/// # Ok::<(), llm_sse_core::google::CredentialsError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub(crate) kind: Kind,
    source: CredentialSource,
}

impl Credentials {
    /// An access token to use as it is, given in code (what `AnthropicVertex(access_token=...)`
    /// does). It is never refreshed: once Vertex AI rejects it, calls fail with an
    /// authentication error.
    ///
    /// # Errors
    ///
    /// [`CredentialsProblem::MalformedAccessToken`] when the token is empty or holds anything
    /// but visible ASCII (it could not be sent in a header).
    pub fn from_access_token(token: impl Into<String>) -> Result<Credentials, CredentialsError> {
        Credentials::access_token(token.into(), CredentialSource::Code)
    }

    fn access_token(
        token: String,
        source: CredentialSource,
    ) -> Result<Credentials, CredentialsError> {
        match AccessToken::direct(token) {
            Some(token) => Ok(Credentials {
                kind: Kind::AccessToken(token),
                source,
            }),
            None => Err(CredentialsError::Invalid {
                origin: source,
                problem: CredentialsProblem::MalformedAccessToken,
            }),
        }
    }

    /// Credentials from the text of a JSON credentials file (a service account key or
    /// authorized user credentials), given in code.
    ///
    /// # Errors
    ///
    /// [`CredentialsError::Invalid`] with what is wrong with the file: not JSON, no `type`,
    /// a type that is not supported, a missing field, an unusable private key.
    pub fn from_json(json: &str) -> Result<Credentials, CredentialsError> {
        Credentials::parse_file(json, CredentialSource::Code)
    }

    /// Application default credentials, resolved from the environment as Google's client
    /// libraries do, for the platform this crate was compiled for. `lookup` reads an
    /// environment variable (the shells pass `std::env::var(name).ok()`), `read_file` reads a
    /// whole file as UTF-8 (`std::fs::read_to_string(path).ok()`); both are called only as
    /// needed.
    ///
    /// The first source that is set wins (empty variables count as unset):
    ///
    /// 1. [`ACCESS_TOKEN_ENV`] (`CLOUDSDK_AUTH_ACCESS_TOKEN`): an access token, used as it is;
    /// 2. [`CREDENTIALS_FILE_ENV`] (`GOOGLE_APPLICATION_CREDENTIALS`): the path of a JSON file;
    /// 3. the Google Cloud CLI's well-known file ([`well_known_file`]), when it exists;
    /// 4. the metadata server: at [`METADATA_HOST_ENV`] (`GCE_METADATA_HOST`) when it is set,
    ///    else at [`DEFAULT_METADATA_HOST`] when [`PRODUCT_NAME_FILE`] says the machine is on
    ///    Google Cloud (Linux: Compute Engine, GKE). [`NO_GCE_CHECK_ENV`] (`NO_GCE_CHECK=true`)
    ///    turns this source off. The server is not asked here: whether it answers shows when
    ///    the first token is fetched.
    ///
    /// A source that is set but broken is an error, never skipped: a file that
    /// `GOOGLE_APPLICATION_CREDENTIALS` names but that cannot be read, a file that is not
    /// valid credentials. Only the well-known file may be absent (`read_file` answers `None`).
    ///
    /// # Errors
    ///
    /// [`CredentialsError::NotFound`] when no source is set;
    /// [`CredentialsError::Unreadable`] and [`CredentialsError::Invalid`] as above.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        read_file: impl Fn(&str) -> Option<String>,
    ) -> Result<Credentials, CredentialsError> {
        Credentials::from_lookup_on(Platform::current(), lookup, read_file)
    }

    /// [`from_lookup`](Credentials::from_lookup) with `platform`'s conventions for the
    /// well-known file.
    ///
    /// # Errors
    ///
    /// As [`from_lookup`](Credentials::from_lookup).
    pub fn from_lookup_on(
        platform: Platform,
        lookup: impl Fn(&str) -> Option<String>,
        read_file: impl Fn(&str) -> Option<String>,
    ) -> Result<Credentials, CredentialsError> {
        if let Some(token) = variable(&lookup, ACCESS_TOKEN_ENV) {
            return Credentials::access_token(
                token,
                CredentialSource::Environment(ACCESS_TOKEN_ENV),
            );
        }
        if let Some(path) = variable(&lookup, CREDENTIALS_FILE_ENV) {
            let Some(text) = read_file(&path) else {
                return Err(CredentialsError::Unreadable { path });
            };
            return Credentials::parse_file(&text, CredentialSource::CredentialsFile { path });
        }
        let well_known = well_known_file(platform, &lookup);
        if let Some(path) = well_known.as_deref() {
            if let Some(text) = read_file(path) {
                return Credentials::parse_file(
                    &text,
                    CredentialSource::WellKnownFile {
                        path: path.to_owned(),
                    },
                );
            }
        }
        if let Some(host) = metadata_host(platform, &lookup, &read_file) {
            return Ok(Credentials::metadata_server(host));
        }
        Err(CredentialsError::NotFound {
            well_known_file: well_known,
        })
    }

    /// The attached service account of the Google Cloud machine whose metadata server is at
    /// `host` (`host` or `host:port`, e.g. [`DEFAULT_METADATA_HOST`]), given in code: its
    /// tokens are fetched from `http://{host}/computeMetadata/v1/...`.
    pub fn from_metadata_server(host: impl Into<String>) -> Credentials {
        Credentials::metadata_server(host.into())
    }

    fn metadata_server(host: String) -> Credentials {
        Credentials {
            kind: Kind::MetadataServer(host.clone()),
            source: CredentialSource::MetadataServer { host },
        }
    }

    fn parse_file(text: &str, source: CredentialSource) -> Result<Credentials, CredentialsError> {
        match parse_kind(text) {
            Ok(kind) => Ok(Credentials { kind, source }),
            Err(problem) => Err(CredentialsError::Invalid {
                origin: source,
                problem,
            }),
        }
    }

    /// What kind of credentials these are.
    pub fn kind(&self) -> CredentialKind {
        match self.kind {
            Kind::AccessToken(_) => CredentialKind::AccessToken,
            Kind::ServiceAccount(_) => CredentialKind::ServiceAccount,
            Kind::AuthorizedUser(_) => CredentialKind::AuthorizedUser,
            Kind::MetadataServer(_) => CredentialKind::MetadataServer,
        }
    }

    /// Where they came from.
    pub fn source(&self) -> &CredentialSource {
        &self.source
    }

    /// The project the file names: a service account key's `project_id` (the project the
    /// account belongs to, which Google's libraries return as the default project). `None`
    /// for the other kinds: authorized user files name no project, only a quota project.
    pub fn project_id(&self) -> Option<&str> {
        match &self.kind {
            Kind::ServiceAccount(account) => account.project_id.as_deref(),
            _ => None,
        }
    }

    /// The file's `quota_project_id`: the project billed for the calls, which Google's
    /// libraries send as the `x-goog-user-project` header. `gcloud auth application-default
    /// login` writes it into authorized user files; service account keys seldom have one.
    pub fn quota_project_id(&self) -> Option<&str> {
        match &self.kind {
            Kind::ServiceAccount(account) => account.quota_project_id.as_deref(),
            Kind::AuthorizedUser(user) => user.quota_project_id.as_deref(),
            Kind::AccessToken(_) | Kind::MetadataServer(_) => None,
        }
    }

    /// A service account's email (`client_email`), the identity its tokens carry.
    pub fn client_email(&self) -> Option<&str> {
        match &self.kind {
            Kind::ServiceAccount(account) => Some(&account.client_email),
            _ => None,
        }
    }

    /// The token endpoint the credentials are exchanged at (the file's `token_uri`, else
    /// [`DEFAULT_TOKEN_URI`]); `None` for an access token, which is never exchanged, and for
    /// the metadata server, which hands out tokens without an exchange.
    pub fn token_uri(&self) -> Option<&str> {
        match &self.kind {
            Kind::ServiceAccount(account) => Some(&account.token_uri),
            Kind::AuthorizedUser(user) => Some(&user.token_uri),
            Kind::AccessToken(_) | Kind::MetadataServer(_) => None,
        }
    }

    /// True when new tokens can be obtained (every kind but an access token).
    pub fn is_refreshable(&self) -> bool {
        !matches!(self.kind, Kind::AccessToken(_))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Credentials");
        s.field("kind", &self.kind()).field("source", &self.source);
        match &self.kind {
            Kind::AccessToken(_) | Kind::MetadataServer(_) => {}
            Kind::ServiceAccount(account) => {
                s.field("client_email", &account.client_email)
                    .field("private_key_id", &account.private_key_id)
                    .field("private_key", &account.private_key)
                    .field("token_uri", &account.token_uri)
                    .field("project_id", &account.project_id)
                    .field("quota_project_id", &account.quota_project_id);
            }
            Kind::AuthorizedUser(user) => {
                s.field("client_id", &user.client_id)
                    .field("client_secret", &user.client_secret)
                    .field("refresh_token", &user.refresh_token)
                    .field("token_uri", &user.token_uri)
                    .field("quota_project_id", &user.quota_project_id);
            }
        }
        s.finish_non_exhaustive()
    }
}

/// Reads a credentials file's JSON into its kind.
fn parse_kind(text: &str) -> Result<Kind, CredentialsProblem> {
    let value: Value = serde_json::from_str(text).map_err(|e| CredentialsProblem::NotJson {
        line: e.line(),
        column: e.column(),
    })?;
    let Value::Object(object) = value else {
        return Err(CredentialsProblem::NotAnObject);
    };
    let kind = match object.get("type") {
        None | Some(Value::Null) => return Err(CredentialsProblem::MissingType),
        Some(Value::String(kind)) => kind.as_str(),
        Some(_) => {
            return Err(CredentialsProblem::InvalidField {
                field: "type",
                expected: "a string",
            });
        }
    };
    match kind {
        "service_account" => service_account(&object).map(Kind::ServiceAccount),
        "authorized_user" => authorized_user(&object).map(Kind::AuthorizedUser),
        other => {
            let mut name: String = other.chars().take(MAX_TYPE_IN_ERROR).collect();
            if name.len() < other.len() {
                name.push('…');
            }
            Err(CredentialsProblem::UnsupportedType(name))
        }
    }
}

/// An optional string field (`None` when absent, `null` or empty).
fn optional(
    object: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>, CredentialsProblem> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(CredentialsProblem::InvalidField {
            field,
            expected: "a string",
        }),
    }
}

/// A string field that must be there and not empty.
fn required(
    object: &Map<String, Value>,
    field: &'static str,
) -> Result<String, CredentialsProblem> {
    optional(object, field)?.ok_or(CredentialsProblem::MissingField(field))
}

/// The `token_uri` field, else [`DEFAULT_TOKEN_URI`]; it must be an `https://` or `http://`
/// URL.
fn token_uri(object: &Map<String, Value>) -> Result<String, CredentialsProblem> {
    let uri = optional(object, "token_uri")?.unwrap_or_else(|| DEFAULT_TOKEN_URI.to_owned());
    let lower = uri
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let has_host = |scheme_len: usize| uri.len() > scheme_len;
    let well_formed = (lower.starts_with("https://") && has_host(8))
        || (lower.starts_with("http://") && has_host(7));
    if well_formed && !uri.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        Ok(uri)
    } else {
        Err(CredentialsProblem::InvalidField {
            field: "token_uri",
            expected: "an https:// URL",
        })
    }
}

fn service_account(object: &Map<String, Value>) -> Result<ServiceAccount, CredentialsProblem> {
    let client_email = required(object, "client_email")?;
    let pem = Secret::new(required(object, "private_key")?);
    let private_key =
        super::jwt::pkcs8_from_pem(pem.expose()).map_err(CredentialsProblem::InvalidPrivateKey)?;
    Ok(ServiceAccount {
        client_email,
        private_key,
        private_key_id: optional(object, "private_key_id")?,
        token_uri: token_uri(object)?,
        project_id: optional(object, "project_id")?,
        quota_project_id: optional(object, "quota_project_id")?,
    })
}

fn authorized_user(object: &Map<String, Value>) -> Result<AuthorizedUser, CredentialsProblem> {
    Ok(AuthorizedUser {
        client_id: required(object, "client_id")?,
        client_secret: Secret::new(required(object, "client_secret")?),
        refresh_token: Secret::new(required(object, "refresh_token")?),
        token_uri: token_uri(object)?,
        quota_project_id: optional(object, "quota_project_id")?,
    })
}

/// No usable credentials: none were found, a file could not be read, or what was found is
/// not valid.
///
/// Never contains a secret: file problems name the field, not its value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsError {
    /// No source is set: neither variable, and no well-known file.
    NotFound {
        /// Where the well-known file was looked for (`None` when its directory is unknown:
        /// `HOME` unset).
        well_known_file: Option<String>,
    },
    /// The file [`CREDENTIALS_FILE_ENV`] names cannot be read (missing, unreadable, not
    /// UTF-8).
    Unreadable {
        /// The path the variable holds.
        path: String,
    },
    /// What was found is not usable credentials.
    Invalid {
        /// Where it came from.
        origin: CredentialSource,
        /// What is wrong with it.
        problem: CredentialsProblem,
    },
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::NotFound { well_known_file } => {
                write!(
                    f,
                    "no Google credentials: set {ACCESS_TOKEN_ENV} to an access token or \
                     {CREDENTIALS_FILE_ENV} to a credentials file, or run `gcloud auth \
                     application-default login`"
                )?;
                match well_known_file {
                    Some(path) => write!(f, " (which writes {path})"),
                    None => write!(
                        f,
                        " (the gcloud credentials file was not looked for: HOME is not set)"
                    ),
                }?;
                write!(
                    f,
                    "; on Google Cloud, {METADATA_HOST_ENV}={DEFAULT_METADATA_HOST} uses the \
                     machine's metadata server"
                )
            }
            CredentialsError::Unreadable { path } => write!(
                f,
                "cannot read the credentials file {path} that {CREDENTIALS_FILE_ENV} names"
            ),
            CredentialsError::Invalid { origin, problem } => write!(f, "{origin}: {problem}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CredentialsError {}

/// What is wrong with credentials that were found ([`CredentialsError::Invalid`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsProblem {
    /// The file is not JSON (where the parser stopped).
    NotJson {
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
    },
    /// The JSON is not an object.
    NotAnObject,
    /// The object has no `type`.
    MissingType,
    /// A `type` this crate does not support: `external_account` (workload identity
    /// federation), `external_account_authorized_user`, `impersonated_service_account`,
    /// `gdch_service_account`, ... (the type, shortened when long).
    UnsupportedType(String),
    /// A field the type needs is missing or empty.
    MissingField(&'static str),
    /// A field holds the wrong kind of value.
    InvalidField {
        /// The field.
        field: &'static str,
        /// What it should hold.
        expected: &'static str,
    },
    /// The service account's `private_key` cannot be used.
    InvalidPrivateKey(KeyProblem),
    /// The access token is empty or holds something other than visible ASCII.
    MalformedAccessToken,
}

impl fmt::Display for CredentialsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsProblem::NotJson { line, column } => {
                write!(f, "not valid JSON (at line {line}, column {column})")
            }
            CredentialsProblem::NotAnObject => f.write_str("not a JSON object"),
            CredentialsProblem::MissingType => f.write_str("no \"type\" field"),
            CredentialsProblem::UnsupportedType(kind) => write!(
                f,
                "credentials of type {kind:?} are not supported (supported: \
                 \"service_account\", \"authorized_user\")"
            ),
            CredentialsProblem::MissingField(field) => write!(f, "no {field:?} field"),
            CredentialsProblem::InvalidField { field, expected } => {
                write!(f, "{field:?} must be {expected}")
            }
            CredentialsProblem::InvalidPrivateKey(problem) => {
                write!(f, "the \"private_key\" cannot be used: {problem}")
            }
            CredentialsProblem::MalformedAccessToken => f.write_str(
                "the access token is empty or holds a character that cannot be sent in a header",
            ),
        }
    }
}

/// Why a service account's `private_key` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyProblem {
    /// No `-----BEGIN ...-----` line.
    NoPemBlock,
    /// A PEM block of another kind than `PRIVATE KEY` (PKCS#8, what Google's files hold):
    /// such as `RSA PRIVATE KEY` (PKCS#1) or `ENCRYPTED PRIVATE KEY`.
    UnsupportedPemLabel(String),
    /// No `-----END PRIVATE KEY-----` line after the `BEGIN` line.
    MissingEndLine,
    /// The text between the lines is not base64.
    InvalidBase64,
    /// The bytes are not an RSA key in PKCS#8 that can sign (ring's reason, such as
    /// `InvalidEncoding` or `WrongAlgorithm`).
    Rejected(String),
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyProblem::NoPemBlock => f.write_str("no \"-----BEGIN PRIVATE KEY-----\" line"),
            KeyProblem::UnsupportedPemLabel(label) => write!(
                f,
                "a {label:?} PEM block, not \"PRIVATE KEY\" (an unencrypted PKCS#8 key)"
            ),
            KeyProblem::MissingEndLine => f.write_str("no \"-----END PRIVATE KEY-----\" line"),
            KeyProblem::InvalidBase64 => f.write_str("the key's PEM body is not base64"),
            KeyProblem::Rejected(reason) => write!(f, "not a usable RSA key ({reason})"),
        }
    }
}
