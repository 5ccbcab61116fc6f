//! The tokio shell's tests against real sockets, the mock provider and the `llm-sse` command: one
//! module per topic (each module's own docs say what it checks), compiled into one test binary so
//! the suite links once. Run one topic with `cargo test -p llm-sse-tokio --test integration
//! <module>::`. `accept_burst.rs` stays a binary of its own: it raises the process's file limit
//! and times a burst of 1,000 connections, which other tests running beside it would disturb.
//! See DEVELOPERS.md.

mod client_support;
mod common;
mod gateway_support;
mod mock_support;

mod cli_chat;
mod cli_docs;
mod cli_parse;
mod cli_replay;
mod cli_usage;
mod client_cloud;
mod client_direct;
mod client_errors;
mod client_faults;
mod client_fixtures;
mod client_proxy;
mod client_readme;
mod client_requests;
mod client_secrets;
mod demo_page;
mod gateway_cli;
mod gateway_dialects;
mod gateway_disconnect;
mod gateway_errors;
mod gateway_frames;
mod gateway_http;
mod gateway_limits;
mod gateway_logs;
mod gateway_metrics;
mod gateway_resume;
mod gateway_resume_redis;
mod gateway_shutdown;
mod gateway_wire;
mod mock_cli;
mod mock_disconnect;
mod mock_errors;
mod mock_faults;
mod mock_serve;
mod mock_signature;
mod mock_tokens;
mod nginx_proxy;
