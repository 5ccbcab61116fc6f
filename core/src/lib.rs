//! # llm-sse-core
//!
//! A sans-IO state machine that turns LLM providers' streaming responses (Anthropic Messages,
//! OpenAI Chat Completions and compatible servers, Gemini) into one provider-normalized stream of
//! [`StreamChunk`]s, and encodes those as server-sent-event frames a browser can read token by
//! token.
//!
//! It is fully deterministic and has no networking, async, threads or clock: bytes go in, chunks
//! and frames come out, so it runs under any runtime, can be fuzzed, and replays recorded streams
//! through exactly the code that serves production traffic.
//!
//! ```text
//! bytes ──► sse::Parser ──► sse::Event ──► Decoder ──► StreamChunk ──► frame::encode ──► bytes
//!           (WHATWG SSE)                   (anthropic/openai/gemini)     (normalized frames)
//!           └────────────── Normalizer ───────────────┘        └──► Accumulator ──► Message
//! ```
//!
//! # The API on one screen
//!
//! | item | what it does |
//! |---|---|
//! | [`Normalizer`] | bytes of a provider's response body in, [`StreamChunk`]s out (a [`sse::Parser`] and a [`Decoder`] composed) |
//! | [`Decoder`] | parsed [`sse::Event`]s in, [`StreamChunk`]s out, for any [`Provider`] |
//! | [`sse::Parser`], [`sse::Event`], [`sse::Limits`], [`sse::ParseError`], [`sse::EndOfInput`] | the WHATWG server-sent events parser, its bounds and its end-of-input report |
//! | [`sse::Writer`] | writes events as server-sent events |
//! | [`eventstream::Decoder`], [`eventstream::Message`], [`eventstream::encode`], [`eventstream::bedrock`] | the AWS event-stream encoding (`application/vnd.amazon.eventstream`, Amazon Bedrock's streaming responses): decoder, bounds ([`eventstream::Limits`]), errors, encoder, and Bedrock's chunk and exception framing |
//! | [`StreamChunk`] | one normalized item: [`Token`](StreamChunk::Token), [`Reasoning`](StreamChunk::Reasoning), [`ToolCallStart`], [`ToolCallArguments`], ..., and the terminal [`Done`](StreamChunk::Done)([`Finish`]) |
//! | [`Finish`] | how the stream ended: `outcome` ([`FinishReason`] or [`StreamError`]), id, model, [`Usage`] |
//! | [`frame::encode`] | a chunk as the wire frame of the normalized contract |
//! | [`Encoding`] | one way of writing a chunk stream, chosen at run time: the frames, JSON lines, or a client's dialect ([`dialect::Dialect::encoder`]) |
//! | [`Accumulator`] | folds chunks into the final [`Message`] (text, thinking with signatures, parsed [`ToolCall`]s), or an [`AccumulateError`] with the [`PartialMessage`]; [`Accumulator::with_limit`] bounds its memory |
//! | [`request::ChatRequest`], [`request::build`] | one provider-neutral request (messages, tools, images, reasoning, `provider_options`), validated and built into each provider's HTTP request; [`request::ChatMessage::from`] a final [`Message`] is the next turn |
//! | [`retry::RetryPolicy`] | when to retry a failed attempt and how long to wait, as the official SDKs do |
//! | [`client::Settings`], [`client::Call`], [`client::ProviderError`] | what both shells' clients share: keys and timeouts from the environment, one call's attempts, the errors before a stream starts |
//! | [`ApiError`] | a provider's error body, built and parsed in its own shape |
//! | [`gateway::ErrorAnswer`], [`gateway::ErrorType`], [`gateway::Ending`] | the gateway's one answer (status, error type, `Retry-After`) to each failure before a stream starts, on every route and in both dialects; how it ends a stream itself |
//! | [`resume::Sequencer`] | a resumable stream's events: each stamped with `id: <stream id>:<seq>`, and the `Last-Event-ID` / `?after=` a client resumes with |
//! | [`provider::ProviderSpec`] | every fact about a provider that is not its stream protocol or request body: names, variables, URLs, auth, endpoint, error and finish-reason tables ([`Provider::spec`]) |
//! | [`gateway::Models`], [`gateway::ModelAlias`] | which provider and model a dialect request's `model` names (`provider/model` or an alias), and the model list |
//! | [`aws::AwsConfig`], [`aws::sigv4::Signer`] | AWS credentials, region and endpoint found as the AWS CLI finds them (environment, `~/.aws/credentials`, `~/.aws/config`), and Signature Version 4 request signing, for Claude on Amazon Bedrock |
//! | [`dialect::Dialect`], [`dialect::openai`], [`dialect::anthropic`] | the clients' dialects: their request bodies decoded into a [`request::ChatRequest`] ([`dialect::Dialect::decode_request`]), any provider's chunks re-encoded as their streams ([`dialect::Dialect::encoder`]) and bodies ([`dialect::Dialect::non_streaming_body`]), errors in their shape ([`dialect::DialectError`]) |
#![cfg_attr(
    feature = "google-auth",
    doc = "| [`google::Credentials`], [`google::TokenSource`] | Google application default credentials (`CLOUDSDK_AUTH_ACCESS_TOKEN`, `GOOGLE_APPLICATION_CREDENTIALS`, gcloud's file, the metadata server), and OAuth2 access tokens for Vertex AI fetched and cached (feature `google-auth`) |"
)]
#![cfg_attr(
    not(feature = "google-auth"),
    doc = "| `google::Credentials`, `google::TokenSource` | Google application default credentials and OAuth2 access tokens for Vertex AI (feature `google-auth`, off) |"
)]
//!
//! The request side is pure too: [`request::build`] turns a provider-neutral
//! [`request::ChatRequest`] into the provider's HTTP request (method, path, headers, JSON body),
//! validating it first, and the final [`Message`] converts into the next request's assistant
//! message; [`retry::RetryPolicy`] decides whether and when to retry a failed attempt, from the
//! failure, the response headers, the attempt number and a random number the caller supplies.
//!
//! # The run loop
//!
//! Every layer has the same shape: inputs are pushed in (`feed`, which only buffers), outputs
//! are pulled (`next_event` / `next_chunk`) until they say "need more data" (`None`), and the end
//! of the input is an explicit call (`finish`, or `fail` when the transport broke). Exactly one
//! terminal chunk ends every stream; after it, nothing. A shell is this loop:
//!
//! ```
//! use std::io::{ErrorKind, Read, Write};
//! use llm_sse_core::{Normalizer, Provider, StreamError, StreamErrorKind};
//!
//! /// Relays a provider's response body (any transport) to a client as normalized frames.
//! fn relay(mut body: impl Read, client: &mut impl Write) -> std::io::Result<()> {
//!     let mut normalizer = Normalizer::new(Provider::Anthropic);
//!     let mut buf = [0u8; 16 * 1024];
//!     let mut frames = Vec::new();
//!     while !normalizer.is_drained() {
//!         match body.read(&mut buf) {
//!             Ok(0) => normalizer.finish(),            // the end of the body
//!             Ok(n) => normalizer.feed(&buf[..n]),     // only buffers
//!             Err(e) if e.kind() == ErrorKind::Interrupted => continue,
//!             Err(e) => normalizer.fail(StreamError::new(StreamErrorKind::ConnectionError, e.to_string())),
//!         }
//!         frames.clear();
//!         normalizer.write_frames(&mut frames); // drains until "need more data"
//!         client.write_all(&frames)?;
//!     }
//!     Ok(()) // the terminal frame and `data: [DONE]` were written
//! }
//!
//! // A body that ends before its terminal event still ends with a terminal frame and [DONE].
//! let mut client = Vec::new();
//! relay(&b": keep-alive\n\n"[..], &mut client)?;
//! assert!(client.starts_with(b"data: {\"token\":\"\",\"done\":true,\"provider\":\"anthropic\""));
//! assert!(client.ends_with(b"data: [DONE]\n\n"));
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Nothing here reads a clock or a socket: an idle timeout is the shell's timer calling
//! `fail(StreamError::new(StreamErrorKind::IdleTimeout, ..))`. Input never panics: bad input
//! becomes a typed error, or an error terminal chunk (`invalid_event`, `incomplete_stream`, the
//! provider's own error), and memory is bounded by [`sse::Limits`].
//!
//! # Crate features
//!
//! - `std` (default): `std::error::Error` impls and SIMD UTF-8 validation. Without it the crate
//!   is `no_std` + `alloc`.
//! - `google-auth` (off): the `google` module, Google credentials and access tokens for Vertex
//!   AI, which signs service account JWTs with `ring` (`no_std` + `alloc` too).

#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

extern crate alloc;

mod accumulate;
mod api_error;
pub mod aws;
mod chunk;
pub mod client;
mod decode;
pub mod dialect;
mod encoding;
pub mod eventstream;
pub mod frame;
pub mod gateway;
#[cfg(feature = "google-auth")]
pub mod google;
pub mod http1;
mod normalize;
pub mod provider;
pub mod request;
pub mod resume;
pub mod retry;
pub mod sse;

#[doc(hidden)]
pub mod fuzzing;

/// This crate's README (its crates.io page): its examples are doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use accumulate::{
    AccumulateError, Accumulator, ContentBlock, Message, PartialBlock, PartialMessage,
    PartialToolCall, ToolCall, ToolCallProblem,
};
pub use api_error::ApiError;
pub use chunk::{
    Finish, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, ToolCallArguments,
    ToolCallStart, UnknownProvider, Usage,
};
pub use decode::Decoder;
pub use encoding::Encoding;
pub use normalize::Normalizer;
