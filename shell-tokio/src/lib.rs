//! Tokio transport for `llm-sse-core`: [`gateway`], the streaming gateway server (`llm-sse
//! serve`), and [`mock`], a fault-injecting mock provider for tests and for trying frontends
//! without a key.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use llm_sse_core as core;

pub mod gateway;
pub mod mock;
