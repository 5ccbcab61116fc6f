//! Credentials for every provider from one test key, so that a test can loop over
//! [`Provider::ALL`]: the key is the API key, Vertex AI's access token, or the secret access key
//! of Amazon Bedrock's AWS credentials (with [`AWS_ACCESS_KEY_ID`], in [`AWS_REGION`]).

use llm_sse_core::Provider;
use llm_sse_core::aws::{AwsConfig, AwsCredentials, BEDROCK_RUNTIME};
use llm_sse_core::client::Settings;
use llm_sse_core::google::Credentials;
use llm_sse_core::provider::Auth;

/// The access key id of the tests' AWS credentials.
pub const AWS_ACCESS_KEY_ID: &str = "AKIDLLMSSETEST0000000";
/// The region the tests' Bedrock calls are signed for.
pub const AWS_REGION: &str = "us-west-2";
/// The Google Cloud project of the tests' Vertex AI calls.
pub const VERTEX_PROJECT: &str = "llm-sse-test-project";
/// The Vertex AI region of the tests' calls.
pub const VERTEX_REGION: &str = "us-east5";

/// The tests' AWS credentials with `secret` as the secret access key.
pub fn aws_credentials(secret: &str) -> AwsCredentials {
    AwsCredentials::new(AWS_ACCESS_KEY_ID, secret, None)
}

/// The AWS configuration the environment `vars` gives (with no shared files), as a client
/// reads it.
pub fn aws_config(vars: &[(&str, &str)]) -> AwsConfig {
    AwsConfig::from_lookup(
        &BEDROCK_RUNTIME,
        |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        },
        |_| None,
    )
    .expect("a complete AWS configuration")
}

/// `settings` with `key` as `provider`'s credential: its API key; for Vertex AI an access
/// token given directly (and [`VERTEX_PROJECT`], [`VERTEX_REGION`]); for Amazon Bedrock the
/// secret access key of [`aws_credentials`] in [`AWS_REGION`].
pub fn with_key(settings: Settings, provider: Provider, key: &str) -> Settings {
    match provider.spec().auth {
        Auth::AwsSigV4 { .. } => settings.with_aws(aws_config(&[
            ("AWS_ACCESS_KEY_ID", AWS_ACCESS_KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", key),
            ("AWS_REGION", AWS_REGION),
        ])),
        Auth::GoogleOAuth => settings
            .with_google_credentials(Credentials::from_access_token(key).expect("a usable token"))
            .with_vertex(VERTEX_PROJECT, VERTEX_REGION),
        _ => settings.with_api_key(provider, key),
    }
}
