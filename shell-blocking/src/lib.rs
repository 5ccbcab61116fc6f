//! `llm-sse-core` over any [`std::io::Read`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use llm_sse_core as core;
