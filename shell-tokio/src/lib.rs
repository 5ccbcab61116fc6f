//! Tokio transport for `llm-sse-core`. The provider clients and the gateway server live here,
//! and [`mock`], a fault-injecting mock provider for tests.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use llm_sse_core as core;

pub mod mock;
