//! The blocking shell's tests: one module per topic (each module's own docs say what it checks),
//! compiled into one test binary so the suite links once. Run one topic with
//! `cargo test -p llm-sse-blocking --test integration <module>::`; see DEVELOPERS.md.

// The client's tests and their harness need the `client` feature (the default).
#[cfg(feature = "client")]
mod support;

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod client_cloud;
mod fixtures;
mod readers;
