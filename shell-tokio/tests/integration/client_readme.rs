//! The client example of the repository's README is the one in this crate's README, where it is
//! compiled (as a `no_run` doctest; the repository README's examples are compiled by
//! `llm-sse-blocking`, which has no tokio, so there it is `ignore`).

use std::path::Path;

/// The first code block after the line `opening`.
fn block<'a>(text: &'a str, opening: &str) -> &'a str {
    let start = text
        .find(&format!("{opening}\n"))
        .unwrap_or_else(|| panic!("no {opening} block"))
        + opening.len()
        + 1;
    let len = text[start..].find("```").expect("a closed block");
    &text[start..start + len]
}

#[test]
fn the_readme_client_example_is_the_compiled_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repository = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let crate_readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let shown = block(&repository, "```rust,ignore");
    let compiled = block(&crate_readme, "```rust,no_run");
    assert!(shown.contains("Client::from_env()"), "{shown}");
    assert_eq!(shown, compiled);
}
