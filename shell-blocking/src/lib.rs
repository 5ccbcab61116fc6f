//! `llm-sse-core` without an async runtime: blocking iterators of SSE events and of normalized
//! chunks over any [`std::io::Read`], and a blocking client for Anthropic, OpenAI-compatible and
//! Gemini streams, for command-line tools, scripts, threads of synchronous servers and FFI
//! hosts.
//!
//! Everything here is thin glue: it reads bytes, feeds them to the core's sans-IO state machines
//! and hands out what those produce. Reads are forwarded as they come (a read that returns 10
//! bytes feeds 10 bytes), so a slow network stream yields each event as soon as it is complete.
//!
//! - [`EventReader`]: raw server-sent events ([`OwnedEvent`]), plus the reconnection time, the
//!   last event ID and the end-of-input report of the [`Parser`](llm_sse_core::sse::Parser).
//! - [`ChunkReader`]: a provider's response body through the [`Normalizer`], as
//!   [`StreamChunk`]s ending in exactly one terminal chunk, even when the reader fails.
//! - `Client` and the adapters `AnthropicStreamAdapter`, `OpenAiStreamAdapter`,
//!   `GeminiStreamAdapter` (feature `client`, on by default): send a chat request, retry as the
//!   core's policy says, and return a `ChunkStream` of the answer. The same names and
//!   signatures as in `llm-sse-tokio`, without `async`: switching runtime is changing one
//!   import.
//!
//! ```
//! use llm_sse_blocking::EventReader;
//!
//! let body: &[u8] = b"event: greeting\ndata: hello\n\ndata: world\n\n";
//! let events: Vec<_> = EventReader::new(body).collect::<Result<_, _>>()?;
//! assert_eq!((events[0].event.as_str(), events[0].data.as_str()), ("greeting", "hello"));
//! assert_eq!((events[1].event.as_str(), events[1].data.as_str()), ("message", "world"));
//! # Ok::<(), llm_sse_blocking::Error>(())
//! ```

//!
//! # Crate features
//!
//! - `client` (default): the blocking client, over [ureq](https://docs.rs/ureq) with rustls and
//!   the `ring` provider. Without it the crate depends on nothing but the core.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod chunks;
#[cfg(feature = "client")]
mod client;
mod events;

pub use chunks::ChunkReader;
#[cfg(feature = "client")]
pub use client::{
    AnthropicStreamAdapter, AuthFailure, ChatMessage, ChatRequest, ChunkStream, Client,
    ClientBuilder, GeminiStreamAdapter, InvalidProxy, OpenAiStreamAdapter, ProviderAuthError,
    ProviderError, Proxies, Settings, SettingsError, settings_from_env,
};
pub use events::{Error, EventReader};
pub use llm_sse_core as core;

#[doc(no_inline)]
pub use llm_sse_core::sse::{EndOfInput, OwnedEvent};
#[doc(no_inline)]
pub use llm_sse_core::{Normalizer, Provider, StreamChunk};

/// The repository README's Rust examples (the tutorial), compiled and run as doctests here,
/// the one crate that depends on both the core and a client.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// This crate's README (its crates.io page): the examples are doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;

/// How many bytes one read asks for.
const READ_SIZE: usize = 16 * 1024;
