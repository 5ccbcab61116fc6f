//! Prints the signed JWT (the assertion) a service account's token request carries, for the
//! independent check against Google's own library (`tests/sdk/google_jwt_check.py`).
//!
//! ```sh
//! cargo run -q -p llm-sse-core --features google-auth --example google_jwt -- \
//!     core/tests/fixtures/google/service_account.json 1700000000
//! ```
//!
//! Use it only with test keys: it prints a credential.

use llm_sse_core::google::{Credentials, SystemRandom, TokenSource};

// A program is a shell: it owns the randomness the core takes as an argument.
#[allow(clippy::disallowed_methods)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(now)) = (args.next(), args.next()) else {
        return Err("usage: google_jwt <service account JSON file> <unix seconds>".into());
    };
    let now: u64 = now.parse()?;
    let credentials = Credentials::from_json(&std::fs::read_to_string(&path)?)?;
    let mut source = TokenSource::new(credentials);
    let request = source.refresh_request(now, &SystemRandom::new())?;
    let assertion = request
        .body()
        .split('&')
        .find_map(|pair| pair.strip_prefix("assertion="))
        .ok_or("the token request has no assertion (not a service account?)")?;
    println!("{assertion}");
    Ok(())
}
