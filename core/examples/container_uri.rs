//! Whether `llm_sse_core::aws::container` calls each URL given as an argument when
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` names it: one line per URL, `ok URL` or `refused URL`.
//! `tests/sdk/aws_container_check.py` compares these lines with botocore's own rule.
//!
//! ```text
//! cargo run -p llm-sse-core --example container_uri -- http://127.0.0.1/x http://example.com/x
//! ok http://127.0.0.1/x
//! refused http://example.com/x
//! ```

use llm_sse_core::aws::container::{ContainerCredentials, FULL_URI_ENV};

fn main() {
    for url in std::env::args().skip(1) {
        let lookup = |name: &str| (name == FULL_URI_ENV).then(|| url.clone());
        let verdict = match ContainerCredentials::from_lookup(lookup) {
            Some(Ok(_)) => "ok",
            _ => "refused",
        };
        println!("{verdict} {url}");
    }
}
