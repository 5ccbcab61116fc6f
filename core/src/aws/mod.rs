//! AWS credentials, configuration and request signing (Signature Version 4), sans-IO: for
//! calling Claude on Amazon Bedrock.
//!
//! Two steps, neither of which touches the environment, a file, a clock or the network
//! itself:
//!
//! 1. [`AwsConfig::from_lookup`] finds the credentials, the region and the service's
//!    endpoint the way the AWS CLI and SDKs do, from an environment lookup and a file reader
//!    the caller passes in (a shell passes `std::env::var` and `std::fs::read_to_string`).
//! 2. [`sigv4::Signer`] signs each request, with the time passed in as Unix seconds, and
//!    returns the headers to add.
//!
//! ```
//! use llm_sse_core::aws::sigv4::{uri_encode, SignableRequest, Signer};
//! use llm_sse_core::aws::{AwsConfig, ConfigSource, BEDROCK_RUNTIME};
//!
//! // A fake environment and home directory.
//! let env = |name: &str| match name {
//!     "HOME" => Some("/home/me".to_string()),
//!     "AWS_PROFILE" => Some("work".to_string()),
//!     _ => None,
//! };
//! let files = |path: &str| match path {
//!     "/home/me/.aws/credentials" => Some(
//!         "[work]\n\
//!          aws_access_key_id = AKIDEXAMPLE\n\
//!          aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
//!             .to_string(),
//!     ),
//!     "/home/me/.aws/config" => Some("[profile work]\nregion = us-west-2\n".to_string()),
//!     _ => None,
//! };
//! let config = AwsConfig::from_lookup(&BEDROCK_RUNTIME, env, files)?;
//! assert_eq!(config.region, "us-west-2");
//! assert_eq!(config.endpoint_url, "https://bedrock-runtime.us-west-2.amazonaws.com");
//! assert_eq!(
//!     config.credentials_source,
//!     ConfigSource::Profile { profile: "work".into(), file: "/home/me/.aws/credentials".into() }
//! );
//! assert!(!format!("{config:?}").contains("wJalr")); // the secret never shows
//!
//! // Sign a streaming call. The model id is one path segment: its `:` is sent as `%3A`.
//! let model = "anthropic.claude-3-5-sonnet-20241022-v2:0";
//! let url = format!(
//!     "{}/model/{}/invoke-with-response-stream",
//!     config.endpoint_url,
//!     uri_encode(model)
//! );
//! let body = br#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":256,"messages":[{"role":"user","content":"Hi"}]}"#;
//! let request = SignableRequest::from_url("POST", &url)?
//!     .header("content-type", "application/json")
//!     .payload(body);
//! let keys = config.credentials.keys().expect("keys, not a container endpoint");
//! let signer = Signer::new(keys, &config.region, BEDROCK_RUNTIME.signing_name);
//! let signed = signer.sign(&request, 1_767_225_600)?; // 2026-01-01T00:00:00Z, from the caller's clock
//! for (name, value) in signed.headers() {
//!     println!("{name}: {value}");
//! }
//! // x-amz-date: 20260101T000000Z
//! // authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-west-2/bedrock/aws4_request,
//! //     SignedHeaders=content-type;host;x-amz-date, Signature=...
//! assert_eq!(signed.amz_date(), "20260101T000000Z");
//! assert!(signed.authorization().starts_with(
//!     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-west-2/bedrock/aws4_request, \
//!      SignedHeaders=content-type;host;x-amz-date, Signature="
//! ));
//! // The canonical request encodes the path once more: `%3A` is signed as `%253A`.
//! assert!(signed.canonical_request().contains("-v2%253A0/invoke-with-response-stream"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Where each setting comes from
//!
//! The first place that has a value wins. Values are trimmed; an empty value is unset.
//!
//! | setting | looked up in order |
//! |---|---|
//! | credentials | `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`); then the profile's `aws_access_key_id` and `aws_secret_access_key` (and `aws_session_token`); then the container credentials endpoint of `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `AWS_CONTAINER_CREDENTIALS_FULL_URI` ([`container`], fetched by the client: [`AwsCredentialsFrom::Container`]) |
//! | profile | `AWS_PROFILE` (which must name a profile of one of the files); `default` |
//! | shared credentials file | `AWS_SHARED_CREDENTIALS_FILE` (a leading `~` is the home directory); `~/.aws/credentials` |
//! | shared config file | `AWS_CONFIG_FILE`; `~/.aws/config` |
//! | home directory | `HOME`; `USERPROFILE`; `HOMEDRIVE` + `HOMEPATH` |
//! | region | `AWS_REGION`; `AWS_DEFAULT_REGION`; the profile's `region` |
//! | endpoint URL | `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` ([`AwsService::endpoint_url_env`]); `AWS_ENDPOINT_URL`; `endpoint_url` under `bedrock_runtime =` in the `[services NAME]` section the profile names with `services = NAME`; the profile's `endpoint_url`; `https://bedrock-runtime.{region}.amazonaws.com` (`amazonaws.com.cn` in China, and so on for the other partitions) |
//! | ignore configured endpoints | `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`; the profile's `ignore_configured_endpoint_urls`: `true` skips every endpoint URL above but the default |
//!
//! Older names that some tools still read are not read here: `AWS_DEFAULT_PROFILE` (botocore
//! reads it before `AWS_PROFILE`), `AWS_SECURITY_TOKEN` and `aws_security_token` (the session
//! token's old names).
//!
//! A profile is the union of its section in the config file (`[profile NAME]`, or
//! `[default]`) and in the credentials file (`[NAME]`); where both set a property, the
//! credentials file wins. Keys in the environment win over any profile, even one named by
//! `AWS_PROFILE`, as in the AWS CLI. The files follow the AWS SDKs' INI dialect: comments
//! start with `#` or `;` (in a value, only after a space or tab), names of properties are
//! case-insensitive, indented lines continue a value; a line the SDKs would refuse is an
//! [`AwsConfigError::ProfileFileSyntax`] naming the file and line.
//!
//! # What is not supported
//!
//! Static keys, from the environment or a profile, and container credentials (ECS tasks, EKS
//! Pod Identity). There is no AWS IAM Identity Center (SSO) login, no assume-role (`role_arn`,
//! `source_profile`, `credential_source`), no web identity federation
//! (`web_identity_token_file`, `AWS_WEB_IDENTITY_TOKEN_FILE`), no `credential_process`, no EC2
//! instance metadata (IMDS), and no FIPS or dual-stack endpoints
//! (`AWS_USE_FIPS_ENDPOINT` and `AWS_USE_DUALSTACK_ENDPOINT` are not read; set the endpoint URL
//! instead). A setting that asks for one of these credential sources is not skipped silently.
//! A profile that uses one gets
//! [`AwsConfigError::UnsupportedCredentials`], which says how to provide the keys instead; an
//! environment without keys that points at web identity (`AWS_WEB_IDENTITY_TOKEN_FILE`, which
//! the SDKs read before container credentials) gets
//! [`AwsConfigError::UnsupportedEnvCredentials`]:
//!
//! ```text
//! AWS profile `sso-dev` gets its credentials through IAM Identity Center (SSO) (sso_session in
//! /home/me/.aws/config), which llm-sse does not support: set AWS_ACCESS_KEY_ID,
//! AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN instead, for example from
//! `aws configure export-credentials --profile sso-dev --format env`
//! ```
//!
//! On EC2, or on EKS with IAM roles for service accounts (web identity), where the AWS SDKs
//! would find credentials by themselves, pass them in the environment (Lambda already sets the
//! three variables; ECS tasks and EKS Pod Identity work as they are).

use alloc::string::String;
use core::fmt;

mod config;
pub mod container;
mod profile_file;
pub mod sigv4;

pub use config::{
    ACCESS_KEY_ID_ENV, AwsConfig, AwsConfigError, AwsCredentialsFrom, AwsService, BEDROCK_RUNTIME,
    CONFIG_FILE_ENV, ConfigSource, DEFAULT_REGION_ENV, ENDPOINT_URL_ENV, FileStatus, FilesChecked,
    IGNORE_CONFIGURED_ENDPOINT_URLS_ENV, PROFILE_ENV, REGION_ENV, SECRET_ACCESS_KEY_ENV,
    SESSION_TOKEN_ENV, SHARED_CREDENTIALS_FILE_ENV,
};

/// A secret: a secret access key or a session token. Its `Debug` and `Display` never show
/// it.
///
/// ```
/// use llm_sse_core::aws::AwsSecret;
///
/// let secret = AwsSecret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
/// assert_eq!(format!("{secret:?} {secret}"), "AwsSecret(<redacted>) <redacted>");
/// assert_eq!(secret.expose(), "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AwsSecret(String);

impl AwsSecret {
    /// Wraps `secret`.
    pub fn new(secret: impl Into<String>) -> AwsSecret {
        AwsSecret(secret.into())
    }

    /// The secret itself, for signing. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AwsSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AwsSecret(<redacted>)")
    }
}

impl fmt::Display for AwsSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// AWS credentials: an access key id, its secret access key, and the session token of
/// temporary credentials.
///
/// `Debug` and `Display` show the access key id (which identifies, but does not grant
/// access) and never the secret access key or the session token.
///
/// ```
/// use llm_sse_core::aws::AwsCredentials;
///
/// let credentials = AwsCredentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None)
///     .with_session_token("IQoJb3JpZ2luX2VjEXAMPLE");
/// assert_eq!(credentials.to_string(), "AKIDEXAMPLE (with a session token)");
/// assert_eq!(
///     format!("{credentials:?}"),
///     r#"AwsCredentials { access_key_id: "AKIDEXAMPLE", secret_access_key: AwsSecret(<redacted>), session_token: Some(AwsSecret(<redacted>)) }"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsCredentials {
    /// The access key id (`AKIA...` for long-term keys, `ASIA...` for temporary ones).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: AwsSecret,
    /// The session token, for temporary credentials.
    pub session_token: Option<AwsSecret>,
}

impl AwsCredentials {
    /// Credentials from their parts.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> AwsCredentials {
        AwsCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key: AwsSecret::new(secret_access_key),
            session_token: session_token.map(AwsSecret::new),
        }
    }

    /// These credentials with a session token.
    #[must_use]
    pub fn with_session_token(mut self, token: impl Into<String>) -> AwsCredentials {
        self.session_token = Some(AwsSecret::new(token));
        self
    }
}

impl fmt::Display for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.access_key_id)?;
        if self.session_token.is_some() {
            f.write_str(" (with a session token)")?;
        }
        Ok(())
    }
}
