//! The core's integration tests: one module per topic (each module's own docs say what it checks),
//! compiled into one test binary so the suite links once. Run one topic with
//! `cargo test -p llm-sse-core --test integration <module>::`; see DEVELOPERS.md.

mod common;
mod request_support;

mod accumulate;
mod aws_config;
mod aws_sigv4;
mod client;
mod client_cloud;
mod decode_anthropic;
mod decode_bedrock;
mod decode_gemini;
mod decode_openai;
mod dialect_anthropic_request;
mod dialect_encode;
mod dialect_openai_request;
mod dialect_roundtrip;
mod eventstream;
mod eventstream_bedrock;
mod eventstream_proptest;
mod frames;
mod google_credentials;
mod google_endpoint;
mod google_token;
mod http1_proptest;
mod normalizer;
mod request_anthropic;
mod request_gemini;
mod request_openai;
mod request_proptest;
mod request_validation;
mod retry;
mod sse_conformance;
mod sse_proptest;
