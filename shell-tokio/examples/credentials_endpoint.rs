//! A mock container credentials endpoint (an ECS task's or EKS pod's) on `127.0.0.1`, for
//! checking it with AWS's own SDK (`tests/sdk/aws_container_check.py` runs it):
//!
//! ```text
//! cargo run -p llm-sse-tokio --example credentials_endpoint -- TOKEN
//! http://127.0.0.1:41234/v1/credentials
//! ```
//!
//! It hands out the access key id `ASIAMOCKCONTAINER000`, the secret access key
//! `mock/container/secret` and the session token `mock-container-session`, to requests with
//! `Authorization: TOKEN` (any request without a `TOKEN` argument), and says they expire in six
//! hours. It prints its URL, serves until its standard input closes, then prints how many
//! requests it answered (`requests 3`).

mod support;

use std::io::Write;

use llm_sse_tokio::core::aws::AwsCredentials;
use llm_sse_tokio::mock::CredentialsEndpoint;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = AwsCredentials::new(
        "ASIAMOCKCONTAINER000",
        "mock/container/secret",
        Some("mock-container-session".into()),
    );
    let mut endpoint = CredentialsEndpoint::new(credentials);
    if let Some(token) = std::env::args().nth(1) {
        endpoint = endpoint.require_authorization(token);
    }
    let server = endpoint.start().await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", server.url())?;
    out.flush()?;
    support::until_stdin_closes().await?;
    writeln!(out, "requests {}", server.requests())?;
    Ok(())
}
