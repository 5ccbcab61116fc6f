//! Credentials, region and endpoint from the environment and the shared AWS files, the way
//! the AWS CLI and SDKs find them: [`AwsConfig::from_lookup`].

use alloc::borrow::ToOwned;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use core::cell::OnceCell;
use core::fmt;

use super::container::{ContainerCredentials, ContainerError};
use super::profile_file::{self, FileKind, ProfileFile};
use super::{AwsCredentials, AwsSecret};

/// `AWS_ACCESS_KEY_ID`: the access key id.
pub const ACCESS_KEY_ID_ENV: &str = "AWS_ACCESS_KEY_ID";
/// `AWS_SECRET_ACCESS_KEY`: the secret access key.
pub const SECRET_ACCESS_KEY_ENV: &str = "AWS_SECRET_ACCESS_KEY";
/// `AWS_SESSION_TOKEN`: the session token of temporary credentials.
pub const SESSION_TOKEN_ENV: &str = "AWS_SESSION_TOKEN";
/// `AWS_PROFILE`: the profile to read from the shared files (default `default`).
pub const PROFILE_ENV: &str = "AWS_PROFILE";
/// `AWS_SHARED_CREDENTIALS_FILE`: the shared credentials file (default `~/.aws/credentials`).
pub const SHARED_CREDENTIALS_FILE_ENV: &str = "AWS_SHARED_CREDENTIALS_FILE";
/// `AWS_CONFIG_FILE`: the shared config file (default `~/.aws/config`).
pub const CONFIG_FILE_ENV: &str = "AWS_CONFIG_FILE";
/// `AWS_REGION`: the region.
pub const REGION_ENV: &str = "AWS_REGION";
/// `AWS_DEFAULT_REGION`: the region, when `AWS_REGION` is not set.
pub const DEFAULT_REGION_ENV: &str = "AWS_DEFAULT_REGION";
/// `AWS_ENDPOINT_URL`: the endpoint of every service without an endpoint of its own.
pub const ENDPOINT_URL_ENV: &str = "AWS_ENDPOINT_URL";
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`: `true` ignores every configured endpoint URL.
pub const IGNORE_CONFIGURED_ENDPOINT_URLS_ENV: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

/// An AWS service's names: where its endpoint is configured, its default host, how its
/// requests are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AwsService {
    /// The service id, for messages: `Bedrock Runtime`.
    pub service_id: &'static str,
    /// Its endpoint variable: `AWS_ENDPOINT_URL_` and the service id in upper case with `_`
    /// for spaces.
    pub endpoint_url_env: &'static str,
    /// Its key in a `[services NAME]` section of the config file: the service id in lower
    /// case with `_` for spaces.
    pub config_key: &'static str,
    /// The first label of its default host: `https://{endpoint_prefix}.{region}.amazonaws.com`.
    pub endpoint_prefix: &'static str,
    /// The service name its requests are signed with ([`Signer::new`](super::sigv4::Signer::new)).
    pub signing_name: &'static str,
}

/// Amazon Bedrock Runtime (`InvokeModel`, `InvokeModelWithResponseStream`, `Converse`):
/// `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, `bedrock_runtime`, `bedrock-runtime.{region}.amazonaws.com`,
/// signed as `bedrock`.
pub const BEDROCK_RUNTIME: AwsService = AwsService {
    service_id: "Bedrock Runtime",
    endpoint_url_env: "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    config_key: "bedrock_runtime",
    endpoint_prefix: "bedrock-runtime",
    signing_name: "bedrock",
};

/// Profile settings that get credentials in ways this crate does not support, in the order
/// the SDKs consider them, each before static keys.
const UNSUPPORTED: [(&str, &str); 8] = [
    ("role_arn", "assume role"),
    ("credential_source", "assume role from a credential source"),
    ("web_identity_token_file", "web identity federation"),
    ("sso_session", "IAM Identity Center (SSO)"),
    ("sso_start_url", "IAM Identity Center (SSO)"),
    ("sso_account_id", "IAM Identity Center (SSO)"),
    ("login_session", "console sign-in (aws login)"),
    (
        "credential_process",
        "an external process (credential_process)",
    ),
];

/// Environment variables that point the AWS SDKs at credential providers this crate does not
/// have (after the environment keys and the profile, before container credentials), and what
/// they are.
const UNSUPPORTED_ENV: [(&str, &str); 1] = [(
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "web identity federation (EKS service accounts)",
)];

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigSource {
    /// An environment variable.
    Environment(&'static str),
    /// A profile in a shared file.
    Profile {
        /// The profile.
        profile: String,
        /// The file's path.
        file: String,
    },
    /// A `[services NAME]` section of the config file.
    ServicesSection {
        /// The section's name.
        section: String,
        /// The file's path.
        file: String,
    },
    /// The service's default.
    Default,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::Environment(var) => write!(f, "environment variable {var}"),
            ConfigSource::Profile { profile, file } => write!(f, "profile `{profile}` in {file}"),
            ConfigSource::ServicesSection { section, file } => {
                write!(f, "[services {section}] in {file}")
            }
            ConfigSource::Default => f.write_str("the default"),
        }
    }
}

/// What became of one shared file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileStatus {
    /// No path: neither its variable nor a home directory (`HOME`, `USERPROFILE`) is set.
    NoPath,
    /// Not found (or not readable) at this path.
    Missing(String),
    /// Read from this path.
    Read(String),
}

/// The shared files that were looked at, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesChecked {
    /// The shared credentials file.
    pub credentials: FileStatus,
    /// The shared config file.
    pub config: FileStatus,
}

impl fmt::Display for FilesChecked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let one =
            |f: &mut fmt::Formatter<'_>, what: &str, var: &str, status: &FileStatus| match status {
                FileStatus::NoPath => write!(f, "no {what} file: neither {var} nor HOME is set"),
                FileStatus::Missing(path) => write!(f, "{what} file {path} not found"),
                FileStatus::Read(path) => write!(f, "{what} file {path}"),
            };
        one(
            f,
            "credentials",
            SHARED_CREDENTIALS_FILE_ENV,
            &self.credentials,
        )?;
        f.write_str("; ")?;
        one(f, "config", CONFIG_FILE_ENV, &self.config)
    }
}

/// Why no usable credentials, region or endpoint were found. Names the variable(s), file and
/// profile to fix; never shows a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AwsConfigError {
    /// One of `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` is set, the other not.
    PartialEnvCredentials {
        /// The variable that is set.
        set: &'static str,
        /// The variable that is missing.
        missing: &'static str,
    },
    /// Neither the environment nor the profile holds credentials.
    NoCredentials {
        /// The profile looked at.
        profile: String,
        /// Whether the profile exists (in either file) without credentials.
        profile_exists: bool,
        /// The files looked at.
        files: FilesChecked,
    },
    /// `AWS_PROFILE` names a profile that is in neither shared file.
    ProfileNotFound {
        /// The profile.
        profile: String,
        /// The files looked at.
        files: FilesChecked,
    },
    /// The profile sets one of `aws_access_key_id` and `aws_secret_access_key` (or only
    /// `aws_session_token`).
    PartialProfileCredentials {
        /// The profile.
        profile: String,
        /// A setting that is there.
        set: &'static str,
        /// The setting that is missing.
        missing: &'static str,
        /// The files looked at.
        files: FilesChecked,
    },
    /// The profile gets its credentials in a way this crate does not support (assume role,
    /// web identity, SSO, `credential_process`).
    UnsupportedCredentials {
        /// The profile.
        profile: String,
        /// The setting that asks for it: `role_arn`, `credential_source`,
        /// `web_identity_token_file`, `sso_session`, `sso_start_url`, `sso_account_id`,
        /// `login_session` or `credential_process`.
        setting: &'static str,
        /// The file that sets it.
        file: String,
    },
    /// No keys in the environment or the profile, and the environment points at a credential
    /// provider this crate does not support (`AWS_WEB_IDENTITY_TOKEN_FILE`).
    UnsupportedEnvCredentials {
        /// The variable that is set.
        variable: &'static str,
    },
    /// The container credentials endpoint the environment names cannot be used
    /// ([`ContainerError::InvalidUri`](super::container::ContainerError::InvalidUri)).
    Container(ContainerError),
    /// A shared file has a line the AWS tools would refuse.
    ProfileFileSyntax {
        /// The file's path.
        file: String,
        /// The line number (from 1).
        line: usize,
        /// What is wrong.
        problem: &'static str,
    },
    /// No region anywhere.
    NoRegion {
        /// The profile looked at.
        profile: String,
        /// The files looked at.
        files: FilesChecked,
    },
    /// The region is not a region name (letters, digits and inner `-`, at most 63).
    InvalidRegion {
        /// The value as shown: its first line, at most 64 characters, `…` when cut (a value
        /// continued on further lines of a file may hold anything, a secret included).
        region: String,
        /// Where it came from.
        from: ConfigSource,
    },
    /// The endpoint URL is not `http://` or `https://` with a host.
    InvalidEndpoint {
        /// The value as shown, cut as [`InvalidRegion`](AwsConfigError::InvalidRegion)'s.
        url: String,
        /// Where it came from.
        from: ConfigSource,
    },
    /// The profile's `services` setting names a `[services NAME]` section that is missing.
    MissingServicesSection {
        /// The profile.
        profile: String,
        /// The section it names, as shown (cut as
        /// [`InvalidRegion`](AwsConfigError::InvalidRegion)'s value).
        section: String,
        /// The files looked at.
        files: FilesChecked,
    },
}

impl fmt::Display for AwsConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AwsConfigError::PartialEnvCredentials { set, missing } => write!(
                f,
                "{set} is set but {missing} is not: set both, or unset {set} to use a profile \
                 of the shared AWS files"
            ),
            AwsConfigError::NoCredentials {
                profile,
                profile_exists,
                files,
            } => {
                write!(
                    f,
                    "no AWS credentials: set {ACCESS_KEY_ID_ENV} and {SECRET_ACCESS_KEY_ENV}, \
                     or aws_access_key_id and aws_secret_access_key in profile `{profile}`"
                )?;
                if !profile_exists {
                    f.write_str(" (no such profile)")?;
                }
                write!(
                    f,
                    " of a shared file ({files}); {PROFILE_ENV} selects the profile"
                )
            }
            AwsConfigError::ProfileNotFound { profile, files } => write!(
                f,
                "AWS profile `{profile}` (from {PROFILE_ENV}) is in neither shared file ({files})"
            ),
            AwsConfigError::PartialProfileCredentials {
                profile,
                set,
                missing,
                files,
            } => write!(
                f,
                "AWS profile `{profile}` sets {set} but not {missing} ({files})"
            ),
            AwsConfigError::UnsupportedCredentials {
                profile,
                setting,
                file,
            } => {
                let how = UNSUPPORTED
                    .iter()
                    .find(|(s, _)| s == setting)
                    .map_or("another provider", |(_, how)| how);
                write!(
                    f,
                    "AWS profile `{profile}` gets its credentials through {how} ({setting} in \
                     {file}), which llm-sse does not support: set {ACCESS_KEY_ID_ENV}, \
                     {SECRET_ACCESS_KEY_ENV} and {SESSION_TOKEN_ENV} instead, for example from \
                     `aws configure export-credentials --profile {profile} --format env`"
                )
            }
            AwsConfigError::UnsupportedEnvCredentials { variable } => {
                let how = UNSUPPORTED_ENV
                    .iter()
                    .find(|(v, _)| v == variable)
                    .map_or("another provider", |(_, how)| how);
                write!(
                    f,
                    "no AWS keys in the environment or the shared files, and {variable} asks for \
                     {how}, which llm-sse does not support: set {ACCESS_KEY_ID_ENV}, \
                     {SECRET_ACCESS_KEY_ENV} and {SESSION_TOKEN_ENV}"
                )
            }
            AwsConfigError::Container(error) => write!(f, "AWS container credentials: {error}"),
            AwsConfigError::ProfileFileSyntax {
                file,
                line,
                problem,
            } => write!(
                f,
                "cannot read the AWS shared file {file}: line {line}: {problem}"
            ),
            AwsConfigError::NoRegion { profile, files } => write!(
                f,
                "no AWS region: set {REGION_ENV} (or {DEFAULT_REGION_ENV}), or region in \
                 profile `{profile}` of the shared config file ({files})"
            ),
            AwsConfigError::InvalidRegion { region, from } => {
                write!(
                    f,
                    "AWS region `{region}` (from {from}) is not a region name"
                )
            }
            AwsConfigError::InvalidEndpoint { url, from } => write!(
                f,
                "endpoint URL `{url}` (from {from}) is not an http:// or https:// URL with a host"
            ),
            AwsConfigError::MissingServicesSection {
                profile,
                section,
                files,
            } => write!(
                f,
                "AWS profile `{profile}` sets services = {section}, but the config file has no \
                 [services {section}] section ({files})"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AwsConfigError {}

/// Where the credentials of an [`AwsConfig`] are: keys at hand, or an endpoint to fetch them
/// from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AwsCredentialsFrom {
    /// Keys from the environment or a profile.
    Keys(AwsCredentials),
    /// A container credentials endpoint (an ECS task's, an EKS pod's with Pod Identity):
    /// temporary credentials fetched before the first call and again before they expire
    /// ([`container`](super::container)).
    Container(ContainerCredentials),
}

impl AwsCredentialsFrom {
    /// The keys, when they are at hand (not for a container endpoint).
    pub fn keys(&self) -> Option<&AwsCredentials> {
        match self {
            AwsCredentialsFrom::Keys(keys) => Some(keys),
            AwsCredentialsFrom::Container(_) => None,
        }
    }
}

/// Credentials, region and endpoint for one AWS service, with where each came from.
///
/// `Debug` never shows the secret access key or the session token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AwsConfig {
    /// The profile of the shared files that was (or would have been) read: `AWS_PROFILE`,
    /// else `default`.
    pub profile: String,
    /// The credentials: keys, or the container endpoint that gives them.
    pub credentials: AwsCredentialsFrom,
    /// Where they came from.
    pub credentials_source: ConfigSource,
    /// The region.
    pub region: String,
    /// Where it came from.
    pub region_source: ConfigSource,
    /// The endpoint URL, without a trailing `/`: the request path is appended to it.
    pub endpoint_url: String,
    /// Where it came from.
    pub endpoint_source: ConfigSource,
}

impl AwsConfig {
    /// Resolves credentials, region and `service`'s endpoint URL from the environment,
    /// read through `lookup` (the shells pass `std::env::var`), and the shared files, read
    /// through `read_file` (the shells pass `std::fs::read_to_string`; `None` for a missing
    /// or unreadable file). See the [module documentation](super) for the rules. Values are
    /// trimmed, and an empty value counts as unset. Each shared file is read at most once.
    ///
    /// # Errors
    ///
    /// [`AwsConfigError`], naming what to set.
    pub fn from_lookup(
        service: &AwsService,
        lookup: impl Fn(&str) -> Option<String>,
        read_file: impl Fn(&str) -> Option<String>,
    ) -> Result<AwsConfig, AwsConfigError> {
        let env = |name: &str| -> Option<String> {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let shared = SharedFiles::new(&env, &read_file);

        // Credentials: the environment, else the profile.
        let (credentials, credentials_source) =
            match (env(ACCESS_KEY_ID_ENV), env(SECRET_ACCESS_KEY_ENV)) {
                (Some(id), Some(secret)) => {
                    let mut credentials = AwsCredentials::new(id, secret, None);
                    credentials.session_token = env(SESSION_TOKEN_ENV).map(AwsSecret::new);
                    (
                        AwsCredentialsFrom::Keys(credentials),
                        ConfigSource::Environment(ACCESS_KEY_ID_ENV),
                    )
                }
                (Some(_), None) => {
                    return Err(AwsConfigError::PartialEnvCredentials {
                        set: ACCESS_KEY_ID_ENV,
                        missing: SECRET_ACCESS_KEY_ENV,
                    });
                }
                (None, Some(_)) => {
                    return Err(AwsConfigError::PartialEnvCredentials {
                        set: SECRET_ACCESS_KEY_ENV,
                        missing: ACCESS_KEY_ID_ENV,
                    });
                }
                // Then, as the SDKs: web identity (not supported: say so), then container
                // credentials.
                (None, None) => match shared.credentials() {
                    Err(e @ AwsConfigError::NoCredentials { .. }) => {
                        if let Some(&(variable, _)) =
                            UNSUPPORTED_ENV.iter().find(|(var, _)| env(var).is_some())
                        {
                            return Err(AwsConfigError::UnsupportedEnvCredentials { variable });
                        }
                        match ContainerCredentials::from_lookup(env) {
                            Some(Ok(container)) => {
                                let from = ConfigSource::Environment(container.from());
                                (AwsCredentialsFrom::Container(container), from)
                            }
                            Some(Err(error)) => return Err(AwsConfigError::Container(error)),
                            None => return Err(e),
                        }
                    }
                    result => {
                        let (keys, from) = result?;
                        (AwsCredentialsFrom::Keys(keys), from)
                    }
                },
            };

        // Region: AWS_REGION, AWS_DEFAULT_REGION, the profile.
        let (region, region_source) = match env(REGION_ENV) {
            Some(region) => (region, ConfigSource::Environment(REGION_ENV)),
            None => match env(DEFAULT_REGION_ENV) {
                Some(region) => (region, ConfigSource::Environment(DEFAULT_REGION_ENV)),
                None => match shared.setting("region")? {
                    Some((region, from)) => (region, from),
                    None => {
                        return Err(AwsConfigError::NoRegion {
                            profile: shared.profile.clone(),
                            files: shared.checked(),
                        });
                    }
                },
            },
        };
        if !is_region_name(&region) {
            return Err(AwsConfigError::InvalidRegion {
                region: shown_value(&region),
                from: region_source,
            });
        }

        // Endpoint: the service's variable, AWS_ENDPOINT_URL, the services section, the
        // profile's endpoint_url, the default; the first four unless ignored.
        let ignore = match env(IGNORE_CONFIGURED_ENDPOINT_URLS_ENV) {
            Some(value) => value.eq_ignore_ascii_case("true"),
            None => shared
                .setting("ignore_configured_endpoint_urls")?
                .is_some_and(|(value, _)| value.eq_ignore_ascii_case("true")),
        };
        let configured = if ignore {
            None
        } else if let Some(url) = env(service.endpoint_url_env) {
            Some((url, ConfigSource::Environment(service.endpoint_url_env)))
        } else if let Some(url) = env(ENDPOINT_URL_ENV) {
            Some((url, ConfigSource::Environment(ENDPOINT_URL_ENV)))
        } else if let Some(found) = shared.service_endpoint(service)? {
            Some(found)
        } else {
            shared.setting("endpoint_url")?
        };
        let (endpoint_url, endpoint_source) = match configured {
            Some((url, from)) => match checked_endpoint(&url) {
                Some(trimmed) => (trimmed.to_owned(), from),
                None => {
                    return Err(AwsConfigError::InvalidEndpoint {
                        url: shown_value(&url),
                        from,
                    });
                }
            },
            None => (
                format!(
                    "https://{}.{}.{}",
                    service.endpoint_prefix,
                    region,
                    dns_suffix(&region)
                ),
                ConfigSource::Default,
            ),
        };

        Ok(AwsConfig {
            profile: shared.profile.clone(),
            credentials,
            credentials_source,
            region,
            region_source,
            endpoint_url,
            endpoint_source,
        })
    }
}

/// A property of the selected profile, with the file it came from.
type Merged = BTreeMap<String, (String, FileKind)>;

struct Loaded {
    credentials: Option<ProfileFile>,
    config: Option<ProfileFile>,
    /// The selected profile, config properties overridden by credentials properties; `None`
    /// when it is in neither file.
    profile: Option<Merged>,
}

/// The two shared files, read and parsed on first use.
struct SharedFiles<'r, R> {
    read_file: &'r R,
    profile: String,
    /// Whether `AWS_PROFILE` named the profile.
    explicit: bool,
    credentials_path: Option<String>,
    config_path: Option<String>,
    loaded: OnceCell<Result<Loaded, AwsConfigError>>,
}

impl<'r, R: Fn(&str) -> Option<String>> SharedFiles<'r, R> {
    fn new(env: &impl Fn(&str) -> Option<String>, read_file: &'r R) -> Self {
        let home = env("HOME").or_else(|| env("USERPROFILE")).or_else(|| {
            match (env("HOMEDRIVE"), env("HOMEPATH")) {
                (Some(drive), Some(path)) => Some(drive + &path),
                _ => None,
            }
        });
        let path = |var: &str, name: &str| -> Option<String> {
            match env(var) {
                Some(path) => Some(expand_tilde(&path, home.as_deref())),
                None => home.as_deref().map(|home| home_file(home, name)),
            }
        };
        let (profile, explicit) = match env(PROFILE_ENV) {
            Some(profile) => (profile, true),
            None => ("default".to_owned(), false),
        };
        SharedFiles {
            read_file,
            profile,
            explicit,
            credentials_path: path(SHARED_CREDENTIALS_FILE_ENV, "credentials"),
            config_path: path(CONFIG_FILE_ENV, "config"),
            loaded: OnceCell::new(),
        }
    }

    fn load(&self) -> Result<&Loaded, AwsConfigError> {
        let loaded = self.loaded.get_or_init(|| {
            let read =
                |path: &Option<String>, kind| -> Result<Option<ProfileFile>, AwsConfigError> {
                    let Some(path) = path else { return Ok(None) };
                    let Some(text) = (self.read_file)(path) else {
                        return Ok(None);
                    };
                    profile_file::parse(&text, kind).map(Some).map_err(|e| {
                        AwsConfigError::ProfileFileSyntax {
                            file: path.clone(),
                            line: e.line,
                            problem: e.problem,
                        }
                    })
                };
            let config = read(&self.config_path, FileKind::Config)?;
            let credentials = read(&self.credentials_path, FileKind::Credentials)?;
            let mut merged: Option<Merged> = None;
            for (file, kind) in [
                (&config, FileKind::Config),
                (&credentials, FileKind::Credentials),
            ] {
                if let Some(props) = file.as_ref().and_then(|f| f.profiles.get(&self.profile)) {
                    let merged = merged.get_or_insert_with(Merged::new);
                    for (name, value) in props {
                        merged.insert(name.clone(), (value.clone(), kind));
                    }
                }
            }
            Ok(Loaded {
                credentials,
                config,
                profile: merged,
            })
        });
        loaded.as_ref().map_err(Clone::clone)
    }

    fn status(&self, path: &Option<String>, found: bool) -> FileStatus {
        match path {
            None => FileStatus::NoPath,
            Some(path) if found => FileStatus::Read(path.clone()),
            Some(path) => FileStatus::Missing(path.clone()),
        }
    }

    fn checked(&self) -> FilesChecked {
        let _ = self.load();
        let (credentials, config) = match self.loaded.get() {
            Some(Ok(loaded)) => (loaded.credentials.is_some(), loaded.config.is_some()),
            _ => (false, false),
        };
        FilesChecked {
            credentials: self.status(&self.credentials_path, credentials),
            config: self.status(&self.config_path, config),
        }
    }

    fn path_of(&self, kind: FileKind) -> String {
        let path = match kind {
            FileKind::Config => &self.config_path,
            FileKind::Credentials => &self.credentials_path,
        };
        path.clone().unwrap_or_default()
    }

    /// The selected profile, or `None` when it is missing and was not named explicitly.
    fn selected(&self) -> Result<Option<&Merged>, AwsConfigError> {
        let loaded = self.load()?;
        match &loaded.profile {
            Some(profile) => Ok(Some(profile)),
            None if self.explicit => Err(AwsConfigError::ProfileNotFound {
                profile: self.profile.clone(),
                files: self.checked(),
            }),
            None => Ok(None),
        }
    }

    /// A non-empty setting of the selected profile.
    fn setting(&self, name: &str) -> Result<Option<(String, ConfigSource)>, AwsConfigError> {
        Ok(self.selected()?.and_then(|profile| {
            profile
                .get(name)
                .filter(|(value, _)| !value.is_empty())
                .map(|(value, kind)| {
                    (
                        value.clone(),
                        ConfigSource::Profile {
                            profile: self.profile.clone(),
                            file: self.path_of(*kind),
                        },
                    )
                })
        }))
    }

    fn credentials(&self) -> Result<(AwsCredentials, ConfigSource), AwsConfigError> {
        let Some(profile) = self.selected()? else {
            return Err(AwsConfigError::NoCredentials {
                profile: self.profile.clone(),
                profile_exists: false,
                files: self.checked(),
            });
        };
        let get = |name: &str| profile.get(name).filter(|(value, _)| !value.is_empty());
        for (setting, _) in UNSUPPORTED {
            if let Some((_, kind)) = get(setting) {
                return Err(AwsConfigError::UnsupportedCredentials {
                    profile: self.profile.clone(),
                    setting,
                    file: self.path_of(*kind),
                });
            }
        }
        const ID: &str = "aws_access_key_id";
        const SECRET: &str = "aws_secret_access_key";
        const TOKEN: &str = "aws_session_token";
        match (get(ID), get(SECRET)) {
            (Some((id, kind)), Some((secret, _))) => {
                let mut credentials = AwsCredentials::new(id.clone(), secret.clone(), None);
                credentials.session_token =
                    get(TOKEN).map(|(token, _)| AwsSecret::new(token.clone()));
                Ok((
                    credentials,
                    ConfigSource::Profile {
                        profile: self.profile.clone(),
                        file: self.path_of(*kind),
                    },
                ))
            }
            (None, None) if get(TOKEN).is_none() => Err(AwsConfigError::NoCredentials {
                profile: self.profile.clone(),
                profile_exists: true,
                files: self.checked(),
            }),
            (id, _) => {
                let (set, missing) = match id {
                    Some(_) => (ID, SECRET),
                    None if get(SECRET).is_some() => (SECRET, ID),
                    None => (TOKEN, ID),
                };
                Err(AwsConfigError::PartialProfileCredentials {
                    profile: self.profile.clone(),
                    set,
                    missing,
                    files: self.checked(),
                })
            }
        }
    }

    /// `service`'s `endpoint_url` in the `[services NAME]` section the profile names.
    fn service_endpoint(
        &self,
        service: &AwsService,
    ) -> Result<Option<(String, ConfigSource)>, AwsConfigError> {
        let Some((section, _)) = self.setting("services")? else {
            return Ok(None);
        };
        let loaded = self.load()?;
        let Some(services) = loaded
            .config
            .as_ref()
            .and_then(|c| c.services.get(&section))
        else {
            return Err(AwsConfigError::MissingServicesSection {
                profile: self.profile.clone(),
                section: shown_value(&section),
                files: self.checked(),
            });
        };
        let url = services
            .get(service.config_key)
            .map(|value| profile_file::sub_properties(value))
            .and_then(|mut sub| sub.remove("endpoint_url"))
            .filter(|url| !url.is_empty());
        Ok(url.map(|url| {
            (
                url,
                ConfigSource::ServicesSection {
                    section,
                    file: self.path_of(FileKind::Config),
                },
            )
        }))
    }
}

/// `~` or `~/...` (or `~\...`) with the home directory for `~`.
fn expand_tilde(path: &str, home: Option<&str>) -> String {
    match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with(['/', '\\']) => {
            let mut out = String::from(home.trim_end_matches(['/', '\\']));
            out.push_str(rest);
            out
        }
        _ => path.to_owned(),
    }
}

/// `{home}/.aws/{name}`, with `\` when the home directory is written with `\` only.
fn home_file(home: &str, name: &str) -> String {
    let sep = if home.contains('\\') && !home.contains('/') {
        '\\'
    } else {
        '/'
    };
    let mut out = String::from(home.trim_end_matches(['/', '\\']));
    out.push(sep);
    out.push_str(".aws");
    out.push(sep);
    out.push_str(name);
    out
}

/// A setting's value as an error shows it: up to its first control character (a line break
/// starts a continuation line, which may hold anything, a secret included), at most 64
/// characters, with `…` when cut.
fn shown_value(value: &str) -> String {
    const MAX: usize = 64;
    let line = value.split(char::is_control).next().unwrap_or_default();
    let mut shown: String = line.chars().take(MAX).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    shown
}

/// A region name as botocore accepts one: letters, digits and `-`, at most 63, starting and
/// ending with a letter or digit.
fn is_region_name(region: &str) -> bool {
    let bytes = region.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// The DNS suffix of a region's partition.
fn dns_suffix(region: &str) -> &'static str {
    const PARTITIONS: [(&str, &str); 6] = [
        ("cn-", "amazonaws.com.cn"),
        ("eusc-", "amazonaws.eu"),
        ("us-isob-", "sc2s.sgov.gov"),
        ("us-isof-", "csp.hci.ic.gov"),
        ("us-iso-", "c2s.ic.gov"),
        ("eu-isoe-", "cloud.adc-e.uk"),
    ];
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("amazonaws.com", |(_, suffix)| suffix)
}

/// `url` without trailing `/`, when it is `http(s)://` with a host and no whitespace,
/// control character, query or fragment.
fn checked_endpoint(url: &str) -> Option<&str> {
    let trimmed = url.trim_end_matches('/');
    let lower_starts = |prefix: &str| {
        trimmed
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    let rest = if lower_starts("https://") {
        &trimmed[8..]
    } else if lower_starts("http://") {
        &trimmed[7..]
    } else {
        return None;
    };
    let host = rest.split('/').next().unwrap_or_default();
    let ok = !host.is_empty()
        && !host.starts_with(':')
        && trimmed
            .bytes()
            .all(|b| b > 0x20 && b != 0x7f && b != b'?' && b != b'#');
    ok.then_some(trimmed)
}
