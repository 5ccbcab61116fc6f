//! [`Settings`]: keys, base URLs, timeouts, retries and proxies, from the environment or in code.

use alloc::borrow::ToOwned;
use alloc::string::String;
use core::fmt;
use core::time::Duration;

use crate::chunk::Provider;
use crate::retry::RetryPolicy;

use crate::aws::{AwsConfig, AwsConfigError, BEDROCK_RUNTIME};
use crate::provider::Auth;

use super::error::{AuthFailure, ProviderAuthError};
use super::proxy::Proxies;

/// The environment variable naming the Google Cloud project of Vertex AI calls (as Anthropic's
/// SDKs read it); else the project of the Google credentials file.
pub const VERTEX_PROJECT_ENV: &str = "ANTHROPIC_VERTEX_PROJECT_ID";
/// The environment variable naming the Vertex AI location (region), such as `us-east5` or
/// `global` (as Anthropic's SDKs read it).
pub const VERTEX_REGION_ENV: &str = "CLOUD_ML_REGION";

/// What the cloud platforms' providers need besides a key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Cloud {
    /// Amazon Bedrock: credentials, region and endpoint, or why there are none (`None`: not
    /// looked up).
    aws: Option<Result<AwsConfig, AwsConfigError>>,
    /// Vertex AI: Google credentials, or why there are none (`None`: not looked up).
    #[cfg(feature = "google-auth")]
    google: Option<Result<crate::google::Credentials, crate::google::CredentialsError>>,
    /// Vertex AI's project and location.
    vertex_project: Option<String>,
    vertex_region: Option<String>,
    /// Vertex AI's base URL: the API base (with `/v1`) and `/projects/{p}/locations/{r}`,
    /// when both are known.
    vertex_base: Option<String>,
}

/// An API key. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps `key` (leading and trailing whitespace removed); `None` when nothing is left.
    pub fn new(key: impl Into<String>) -> Option<ApiKey> {
        let key = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            None
        } else if trimmed.len() == key.len() {
            Some(ApiKey(key))
        } else {
            Some(ApiKey(trimmed.to_owned()))
        }
    }

    /// The key itself, for the request header. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// One provider's key and base URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ProviderSettings {
    api_key: Option<ApiKey>,
    /// The environment variable the key came from, for error messages.
    key_source: Option<&'static str>,
    base_url: Option<String>,
}

/// The environment variables for the timeouts (seconds; a decimal number is accepted).
pub const CONNECT_TIMEOUT_ENV: &str = "LLM_SSE_CONNECT_TIMEOUT";
/// See [`CONNECT_TIMEOUT_ENV`].
pub const RESPONSE_TIMEOUT_ENV: &str = "LLM_SSE_RESPONSE_TIMEOUT";
/// See [`CONNECT_TIMEOUT_ENV`].
pub const IDLE_TIMEOUT_ENV: &str = "LLM_SSE_IDLE_TIMEOUT";
/// The environment variable for [`RetryPolicy::max_retries`].
pub const MAX_RETRIES_ENV: &str = "LLM_SSE_MAX_RETRIES";

/// How the clients reach each provider: API keys, base URLs, timeouts, the retry policy and
/// the proxies.
///
/// Built from the environment ([`from_lookup`](Settings::from_lookup), which the shells call
/// with their process environment as `Settings::from_env()`), or in code:
///
/// | setting | environment variable | default |
/// |---|---|---|
/// | API keys | `ANTHROPIC_API_KEY`, `OPENAI_API_KEY`, `GEMINI_API_KEY` (else `GOOGLE_API_KEY`) | none: a call fails with [`ProviderAuthError`] naming the variable |
/// | base URLs | `ANTHROPIC_BASE_URL`, `OPENAI_BASE_URL` (including `/v1`), `GEMINI_BASE_URL` | [`Provider::default_base_url`] |
/// | connect timeout | `LLM_SSE_CONNECT_TIMEOUT` (seconds) | 10 s |
/// | response headers timeout | `LLM_SSE_RESPONSE_TIMEOUT` | 60 s |
/// | idle timeout between body bytes | `LLM_SSE_IDLE_TIMEOUT` | 60 s |
/// | retries | `LLM_SSE_MAX_RETRIES` | 2 ([`RetryPolicy::DEFAULT`]) |
/// | proxies | `https_proxy`, `http_proxy`, `all_proxy`, `no_proxy` (or upper case): see [`Proxies`] | direct connections |
///
/// There is no timeout on a whole stream: a long answer that keeps arriving is never cut.
/// `Debug` shows which keys are set, never the keys.
///
/// ```
/// use core::time::Duration;
/// use llm_sse_core::client::Settings;
/// use llm_sse_core::Provider;
///
/// let settings = Settings::new()
///     .with_api_key(Provider::OpenAi, "sk-test")
///     .with_base_url(Provider::OpenAi, "http://localhost:11434/v1")
///     .with_idle_timeout(Duration::from_secs(30));
/// assert_eq!(settings.base_url(Provider::OpenAi), "http://localhost:11434/v1");
/// assert!(settings.api_key(Provider::Anthropic).is_err());
/// assert!(!format!("{settings:?}").contains("sk-test"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    providers: [ProviderSettings; Provider::ALL.len()],
    /// The longest wait for a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// The longest wait for the response headers once the request is sent.
    pub response_timeout: Duration,
    /// The longest silence between two pieces of the response body; a stream that stalls
    /// longer ends with an `idle_timeout` error terminal chunk.
    pub idle_timeout: Duration,
    /// Which failures before the first body byte are retried, and the waits.
    pub retry: RetryPolicy,
    /// Which HTTP proxy each provider URL is reached through, if any.
    pub proxies: Proxies,
    cloud: Cloud,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::new()
    }
}

impl Settings {
    /// No keys, the default base URLs, timeouts and retry policy.
    pub fn new() -> Settings {
        Settings {
            providers: Default::default(),
            connect_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            retry: RetryPolicy::DEFAULT,
            proxies: Proxies::None,
            cloud: Cloud::default(),
        }
    }

    /// Settings from environment variables, read through `lookup` (the shells pass
    /// `std::env::var`); see the table above. Empty variables count as unset.
    ///
    /// # Errors
    ///
    /// A timeout or retry count that is not a number, naming the variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let mut settings = Settings::new();
        for provider in Provider::ALL {
            let entry = &mut settings.providers[provider.index()];
            for &var in provider.api_key_env_vars() {
                if let Some(key) = lookup(var).and_then(ApiKey::new) {
                    entry.api_key = Some(key);
                    entry.key_source = Some(var);
                    break;
                }
            }
            entry.base_url = lookup(provider.base_url_env_var())
                .map(|url| url.trim().to_owned())
                .filter(|url| !url.is_empty());
        }
        let seconds = |var: &'static str| -> Result<Option<Duration>, SettingsError> {
            let Some(value) = lookup(var).filter(|v| !v.trim().is_empty()) else {
                return Ok(None);
            };
            value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0)
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .map(Some)
                .ok_or(SettingsError {
                    variable: var,
                    expected: "a positive number of seconds",
                })
        };
        if let Some(t) = seconds(CONNECT_TIMEOUT_ENV)? {
            settings.connect_timeout = t;
        }
        if let Some(t) = seconds(RESPONSE_TIMEOUT_ENV)? {
            settings.response_timeout = t;
        }
        if let Some(t) = seconds(IDLE_TIMEOUT_ENV)? {
            settings.idle_timeout = t;
        }
        if let Some(value) = lookup(MAX_RETRIES_ENV).filter(|v| !v.trim().is_empty()) {
            let retries = value.trim().parse::<u32>().map_err(|_| SettingsError {
                variable: MAX_RETRIES_ENV,
                expected: "a whole number of retries",
            })?;
            settings.retry = RetryPolicy::with_max_retries(retries);
        }
        settings.proxies = Proxies::from_lookup(&lookup)?;
        settings.read_cloud(&lookup, &|_: &str| None);
        Ok(settings)
    }

    /// [`from_lookup`](Settings::from_lookup), and the credentials the cloud platforms keep in
    /// files, read through `read_file` (the shells pass `std::fs::read_to_string`): AWS's shared
    /// `credentials` and `config` files for Amazon Bedrock (`AWS_PROFILE`), Google's
    /// application-default credentials for Vertex AI (`GOOGLE_APPLICATION_CREDENTIALS`, gcloud's
    /// file). A platform's missing or broken credentials are not an error here: a call to
    /// that provider fails with [`ProviderAuthError`] saying what to set.
    ///
    /// # Errors
    ///
    /// As [`from_lookup`](Settings::from_lookup).
    pub fn from_lookup_and_files(
        lookup: impl Fn(&str) -> Option<String>,
        read_file: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, SettingsError> {
        let mut settings = Settings::from_lookup(&lookup)?;
        settings.read_cloud(&lookup, &read_file);
        Ok(settings)
    }

    /// Reads the cloud platforms' credentials, region, project and endpoints.
    fn read_cloud(
        &mut self,
        lookup: &impl Fn(&str) -> Option<String>,
        read_file: &impl Fn(&str) -> Option<String>,
    ) {
        self.cloud.aws = Some(AwsConfig::from_lookup(&BEDROCK_RUNTIME, lookup, read_file));
        #[cfg(feature = "google-auth")]
        {
            self.cloud.google = Some(crate::google::Credentials::from_lookup(lookup, read_file));
        }
        let var = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        self.cloud.vertex_project = var(VERTEX_PROJECT_ENV);
        self.cloud.vertex_region = var(VERTEX_REGION_ENV);
        self.update_vertex_base();
    }

    /// These settings with `config`'s AWS credentials, region and endpoint for Amazon Bedrock
    /// (`AwsConfig::from_lookup`, or built in code).
    #[must_use]
    pub fn with_aws(mut self, config: AwsConfig) -> Settings {
        self.cloud.aws = Some(Ok(config));
        self
    }

    /// These settings with Google credentials for Vertex AI (a service account or
    /// `authorized_user` file's contents, or an access token:
    /// [`Credentials`](crate::google::Credentials)).
    #[cfg(feature = "google-auth")]
    #[must_use]
    pub fn with_google_credentials(mut self, credentials: crate::google::Credentials) -> Settings {
        self.cloud.google = Some(Ok(credentials));
        self.update_vertex_base();
        self
    }

    /// These settings with Vertex AI's Google Cloud `project` and `region` (location, such as
    /// `us-east5` or `global`).
    #[must_use]
    pub fn with_vertex(
        mut self,
        project: impl Into<String>,
        region: impl Into<String>,
    ) -> Settings {
        self.cloud.vertex_project = Some(project.into());
        self.cloud.vertex_region = Some(region.into());
        self.update_vertex_base();
        self
    }

    /// Amazon Bedrock's AWS configuration, or why there is none.
    ///
    /// # Errors
    ///
    /// [`ProviderAuthError`] saying what to set.
    pub fn aws(&self) -> Result<&AwsConfig, ProviderAuthError> {
        let failure = |message: String| ProviderAuthError {
            provider: Provider::Bedrock,
            reason: AuthFailure::MissingCredentials(message),
        };
        match &self.cloud.aws {
            Some(Ok(config)) => Ok(config),
            Some(Err(e)) => Err(failure(alloc::format!("{e}"))),
            None => Err(failure(
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or \
                 AWS_PROFILE) and AWS_REGION"
                    .into(),
            )),
        }
    }

    /// Vertex AI's Google credentials, or why there are none.
    ///
    /// # Errors
    ///
    /// [`ProviderAuthError`] saying what to set.
    #[cfg(feature = "google-auth")]
    pub fn google_credentials(&self) -> Result<&crate::google::Credentials, ProviderAuthError> {
        let failure = |message: String| ProviderAuthError {
            provider: Provider::Vertex,
            reason: AuthFailure::MissingCredentials(message),
        };
        match &self.cloud.google {
            Some(Ok(credentials)) => Ok(credentials),
            Some(Err(e)) => Err(failure(alloc::format!("{e}"))),
            None => Err(failure(
                "no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS to a service account \
                 key file, or run `gcloud auth application-default login`; on Google Cloud, \
                 GCE_METADATA_HOST=169.254.169.254 uses the machine's metadata server"
                    .into(),
            )),
        }
    }

    /// Vertex AI's project and region.
    ///
    /// # Errors
    ///
    /// [`ProviderAuthError`] naming the variable to set.
    pub fn vertex(&self) -> Result<(&str, &str), ProviderAuthError> {
        let missing = |variable: &str| ProviderAuthError {
            provider: Provider::Vertex,
            reason: AuthFailure::MissingCredentials(alloc::format!(
                "no Vertex AI {}: set {variable}",
                if variable == VERTEX_PROJECT_ENV {
                    "project"
                } else {
                    "region"
                }
            )),
        };
        let project = self
            .vertex_project()
            .ok_or_else(|| missing(VERTEX_PROJECT_ENV))?;
        let region = self
            .cloud
            .vertex_region
            .as_deref()
            .ok_or_else(|| missing(VERTEX_REGION_ENV))?;
        Ok((project, region))
    }

    /// The Vertex project: set, else the Google credentials' own.
    fn vertex_project(&self) -> Option<&str> {
        if let Some(project) = self.cloud.vertex_project.as_deref() {
            return Some(project);
        }
        #[cfg(feature = "google-auth")]
        if let Some(Ok(credentials)) = &self.cloud.google {
            return credentials.project_id();
        }
        None
    }

    /// Recomputes Vertex AI's base URL from its API base, project and region.
    fn update_vertex_base(&mut self) {
        let api_base = self.providers[Provider::Vertex.index()].base_url.clone();
        let project = self.vertex_project().map(ToOwned::to_owned);
        let region = self.cloud.vertex_region.clone();
        self.cloud.vertex_base = match (project, region) {
            (Some(project), Some(region)) => {
                let api_base = api_base.unwrap_or_else(|| match region.as_str() {
                    "global" => Provider::Vertex.default_base_url().into(),
                    region => alloc::format!("https://{region}-aiplatform.googleapis.com/v1"),
                });
                Some(alloc::format!(
                    "{}/projects/{project}/locations/{region}",
                    api_base.trim_end_matches('/')
                ))
            }
            _ => None,
        };
    }

    /// These settings with `key` as `provider`'s API key (an empty key counts as none).
    #[must_use]
    pub fn with_api_key(mut self, provider: Provider, key: impl Into<String>) -> Settings {
        let entry = &mut self.providers[provider.index()];
        entry.api_key = ApiKey::new(key);
        entry.key_source = None;
        self
    }

    /// These settings with `url` as `provider`'s base URL (the request path is appended to it;
    /// for OpenAI-compatible servers it includes the version, such as `http://host/v1`).
    #[must_use]
    ///
    /// For Vertex AI it is the API's base, up to and including `/v1` (as
    /// `ANTHROPIC_VERTEX_BASE_URL` is for Anthropic's SDKs): the project and location
    /// ([`with_vertex`](Settings::with_vertex)) are appended to it.
    pub fn with_base_url(mut self, provider: Provider, url: impl Into<String>) -> Settings {
        self.providers[provider.index()].base_url = Some(url.into());
        self.update_vertex_base();
        self
    }

    /// These settings with the connect timeout.
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Settings {
        self.connect_timeout = timeout;
        self
    }

    /// These settings with the response headers timeout.
    #[must_use]
    pub fn with_response_timeout(mut self, timeout: Duration) -> Settings {
        self.response_timeout = timeout;
        self
    }

    /// These settings with the idle timeout between body bytes.
    #[must_use]
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Settings {
        self.idle_timeout = timeout;
        self
    }

    /// These settings with the proxies ([`Proxies::explicit`] for one proxy for every URL,
    /// [`Proxies::None`] for direct connections).
    #[must_use]
    pub fn with_proxies(mut self, proxies: Proxies) -> Settings {
        self.proxies = proxies;
        self
    }

    /// These settings with the retry policy.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Settings {
        self.retry = retry;
        self
    }

    /// `provider`'s API key.
    ///
    /// # Errors
    ///
    /// [`ProviderAuthError`] naming the environment variable(s) to set when there is none.
    pub fn api_key(&self, provider: Provider) -> Result<&ApiKey, ProviderAuthError> {
        self.providers[provider.index()]
            .api_key
            .as_ref()
            .ok_or(ProviderAuthError {
                provider,
                reason: AuthFailure::MissingKey,
            })
    }

    /// Where `provider`'s key came from: the environment variable, or `None` when it was set
    /// in code or is missing.
    pub fn api_key_source(&self, provider: Provider) -> Option<&'static str> {
        self.providers[provider.index()].key_source
    }

    /// `provider`'s base URL: the configured one, else [`Provider::default_base_url`].
    ///
    /// Amazon Bedrock's is the AWS configuration's endpoint (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`,
    /// `AWS_ENDPOINT_URL`, else the region's); Vertex AI's ends with
    /// `/projects/{project}/locations/{region}`.
    pub fn base_url(&self, provider: Provider) -> &str {
        let configured = self.providers[provider.index()].base_url.as_deref();
        let derived = match provider.spec().auth {
            Auth::AwsSigV4 { .. } => match &self.cloud.aws {
                Some(Ok(config)) => Some(config.endpoint_url.as_str()),
                _ => None,
            },
            Auth::GoogleOAuth => self.cloud.vertex_base.as_deref(),
            Auth::Header(_) | Auth::Bearer => None,
        };
        match provider.spec().auth {
            // The project and location are appended to the configured API base.
            Auth::GoogleOAuth => derived.or(configured),
            _ => configured.or(derived),
        }
        .unwrap_or(provider.default_base_url())
    }
}

/// An environment variable with a value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The variable.
    pub variable: &'static str,
    /// What it should hold.
    pub expected: &'static str,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} must be {}", self.variable, self.expected)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SettingsError {}
