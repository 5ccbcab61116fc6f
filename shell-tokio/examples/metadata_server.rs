//! A mock Google Cloud metadata server on `127.0.0.1`, for checking it with Google's own
//! libraries (`tests/sdk/google_metadata_check.py` runs it):
//!
//! ```text
//! cargo run -p llm-sse-tokio --example metadata_server
//! 127.0.0.1:41234
//! ```
//!
//! It prints its address, then serves until its standard input closes, and then prints how
//! many token requests it answered and how many tokens it issued (`requests 2 issued 2`).

mod support;

use std::io::Write;

use llm_sse_tokio::mock::TokenEndpoint;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = TokenEndpoint::new().metadata_server().start().await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", server.addr())?;
    out.flush()?;
    support::until_stdin_closes().await?;
    writeln!(
        out,
        "requests {} issued {}",
        server.requests(),
        server.issued()
    )?;
    Ok(())
}
