//! Tokio transport for [`llm-sse-core`](llm_sse_core): streaming clients for Anthropic,
//! OpenAI-compatible servers and Gemini that yield one normalized stream of
//! [`StreamChunk`]s, [`gateway`], the streaming gateway server (`llm-sse serve`), and [`mock`],
//! a fault-injecting mock provider for tests and for trying frontends without a key.
//!
//! # The clients on one screen
//!
//! | item | what it does |
//! |---|---|
//! | [`Client`] | one pooled HTTP client (HTTP/1.1 and HTTP/2, rustls) for every provider, chosen per call: [`Client::stream`] a [`ChatRequest`], [`Client::stream_chat`] messages, a model and a temperature |
//! | [`AnthropicStreamAdapter`], [`OpenAiStreamAdapter`], [`GeminiStreamAdapter`] | the same with the provider fixed: `stream_chat(messages, model, temperature)`, `stream(request)` |
//! | [`ChunkStream`] | the normalized stream of one call: [`StreamChunk`]s, exactly one terminal chunk, then `None`; a [`futures_core::Stream`] |
//! | [`Settings`] | keys, base URLs, timeouts and retries, from the environment or built in code |
//! | [`ProviderError`], [`ProviderAuthError`] | why a call failed before its stream started |
//! | [`ClientBuilder`] | a client with an explicit proxy, or none |
//!
//! ```no_run
//! use llm_sse_tokio::{ChatMessage, ChatRequest, Client, Provider, ProviderError, StreamChunk};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?;
//! let request = ChatRequest::new("claude-sonnet-4-5", vec![
//!     ChatMessage::system("Answer in one sentence."),
//!     ChatMessage::user("What is server-sent events?"),
//! ])
//! .with_max_tokens(200);
//! let mut stream = match client.stream(Provider::Anthropic, request).await {
//!     Ok(stream) => stream,
//!     Err(ProviderError::Auth(e)) => return Err(e.into()), // "no Anthropic API key: set ANTHROPIC_API_KEY"
//!     Err(e) => return Err(e.into()),
//! };
//! while let Some(chunk) = stream.next_chunk().await {
//!     match chunk {
//!         StreamChunk::Token(text) => print!("{text}"),
//!         StreamChunk::Done(finish) => match finish.error() {
//!             None => println!("\n[{}]", finish.finish_reason_str()),
//!             Some(error) => eprintln!("\n[stream failed: {error}]"), // tokens so far were kept
//!         },
//!         _ => {}
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Errors: before the first byte, and after
//!
//! What is known before the stream starts is an `Err` from `stream`: a missing or refused key
//! ([`ProviderError::Auth`], naming the variable to set, or with the provider's message for a
//! `401`/`403`), an invalid request (with the provider's own message for a `400`), a rate limit
//! or an overload once the retries are spent (with the provider's `retry-after`), a failed
//! connection, a `200` that is not an event stream. Retries follow the official SDKs:
//! connection failures, `408`, `409`, `429` and `5xx` are retried twice by default, honouring
//! `retry-after`. Once the first bytes of the body have arrived, nothing is retried: every
//! failure ends the stream with an error terminal chunk (`connection_error`, `idle_timeout`, a
//! provider `error` event), after every token that arrived before it.
//!
//! # Transport
//!
//! - `https`: hyper 1 with hyper-util's pooled client; TLS by rustls with the `ring` provider
//!   and the Mozilla roots compiled in (webpki-roots); HTTP/2 or HTTP/1.1 by ALPN.
//! - `http://` base URLs without a proxy (a local Ollama or vLLM server, a sidecar): HTTP/1.1
//!   read with the core's sans-IO reader ([`core::http1`]) on connections
//!   the stream's own task reads, kept for the next call once a response was read to its end.
//!   Proxied `http://` calls go through hyper-util's pool.
//! - Proxies from `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` and `NO_PROXY` (or their lower-case
//!   forms) through hyper-util's matcher, as HTTP `CONNECT` tunnels (`http://` proxies,
//!   `user:password@` sent as basic `Proxy-Authorization`); loopback destinations never go
//!   through an environment proxy. [`Client::builder`] sets one explicitly, or none.
//! - Timeouts ([`Settings`]): connecting (TCP, proxy tunnel and TLS together), the response
//!   headers (from sending, connecting included), and the silence between two pieces of the body
//!   (60 s by default); none on a whole stream.
//! - Dropping a [`ChunkStream`] before its end closes that connection at once (HTTP/2: resets
//!   the stream), so the provider stops generating; a connection goes back to the pool only
//!   after its body was read to the end.
//! - API keys never appear in `Debug`, `Display`, errors or logs; their header values are
//!   marked sensitive for hyper.

//!
//! # Crate features
//!
//! - `cli` (default): the `llm-sse` command; turns on `gateway`, `redis` and `mock`.
//! - `redis`: the gateway's Redis store of resumable streams
//!   ([`ResumeStore::redis`](gateway::ResumeStore::redis)); turns on `gateway`.
//! - `gateway`: [`gateway`], the streaming gateway (its own HTTP/1.1 connections, hyper's
//!   HTTP/2 server, `tracing`, Prometheus metrics); turns on `mock`, whose [`Pacing`](mock::Pacing) its `--mock` upstream uses.
//! - `mock`: [`mock`], the fault-injecting mock provider.
//!
//! With `default-features = false` the crate is the client alone: hyper's client, rustls and
//! tokio, and none of the command's or the servers' dependencies.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use llm_sse_core as core;

#[cfg(feature = "gateway")]
pub mod gateway;
pub use llm_sse_core::client::{
    AuthFailure, InvalidProxy, ProviderAuthError, ProviderError, Proxies, Settings, SettingsError,
};
pub use llm_sse_core::request::{ChatMessage, ChatRequest};
pub use llm_sse_core::{Provider, StreamChunk};

mod adapters;
mod client;
mod deadline;
#[cfg(feature = "mock")]
mod listen;
#[cfg(feature = "mock")]
pub mod mock;

/// This crate's README (its crates.io page): its examples are doctests.
#[cfg(all(doctest, feature = "cli"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The manuals in `docs/` (part of this crate): any Rust example in them is a doctest too.
#[cfg(all(doctest, feature = "cli"))]
#[doc = include_str!("../docs/cli.md")]
#[doc = include_str!("../docs/gateway.md")]
#[doc = include_str!("../docs/frames.md")]
#[doc = include_str!("../docs/sdk-endpoints.md")]
#[doc = include_str!("../docs/frontend.md")]
#[doc = include_str!("../docs/resumable-streams.md")]
#[doc = include_str!("../docs/providers.md")]
struct ManualDoctests;

pub use adapters::{AnthropicStreamAdapter, GeminiStreamAdapter, OpenAiStreamAdapter};
pub use client::{ChunkStream, Client, ClientBuilder, settings_from_env};
