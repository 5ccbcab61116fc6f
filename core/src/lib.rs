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
//! bytes ──► sse::Parser ──► sse::Event ──► decode::Decoder ──► StreamChunk ──► frame::encode ──► bytes
//!           (WHATWG SSE)                   (anthropic/openai/gemini)                (normalized frames)
//! ```
//!
//! Each layer is usable alone ([`sse::Parser`], [`decode::Decoder`], [`frame::encode`]);
//! [`Normalizer`] composes the first two, and [`Accumulator`] folds the chunks into the final
//! message (text, thinking with signatures, parsed tool calls, usage).
//!
//! The request side is pure too: [`request::build`] turns a provider-neutral
//! [`request::ChatRequest`] into the provider's HTTP request (method, path, headers, JSON body),
//! validating it first, and the final [`Message`] converts into the next request's assistant
//! message; [`retry::RetryPolicy`] decides whether and when to retry a failed attempt, from the
//! failure, the response headers, the attempt number and a random number the caller supplies.
//!
//! # The run loop
//!
//! Every layer has the same shape: inputs are pushed in (`feed`), outputs are pulled
//! (`next_event` / `next_chunk`) until they say "need more data", and the end of the input is
//! an explicit call (`finish`, or `fail` when the transport broke). A shell is this loop:
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use llm_sse_core::{Normalizer, Provider, StreamError, StreamErrorKind};
//!
//! fn relay(mut body: impl Read, mut client: impl Write) -> std::io::Result<()> {
//!     let mut normalizer = Normalizer::new(Provider::Anthropic);
//!     let mut buf = [0u8; 16 * 1024];
//!     let mut frames = Vec::new();
//!     loop {
//!         match body.read(&mut buf) {
//!             Ok(0) => normalizer.finish(),
//!             Ok(n) => normalizer.feed(&buf[..n]),
//!             Err(e) => normalizer.fail(StreamError::new(StreamErrorKind::ConnectionError, e.to_string())),
//!         }
//!         frames.clear();
//!         normalizer.write_frames(&mut frames);
//!         client.write_all(&frames)?;
//!         if normalizer.is_done() {
//!             return Ok(()); // the terminal frame and `data: [DONE]` were written
//!         }
//!     }
//! }
//! ```
//!
//! Nothing here reads a clock or a socket: an idle timeout is the shell's timer calling
//! `fail(StreamError::new(StreamErrorKind::IdleTimeout, ..))`. Input never panics: bad input
//! becomes a typed error, or an error terminal chunk (`invalid_event`, `incomplete_stream`,
//! the provider's own error), and memory is bounded by [`sse::Limits`].
//!
//! # Crate features
//!
//! - `std` (default): `std::error::Error` impls and SIMD UTF-8 validation. Without it the crate
//!   is `no_std` + `alloc`.

#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

extern crate alloc;

mod accumulate;
mod chunk;
pub mod decode;
pub mod frame;
mod normalize;
pub mod request;
pub mod retry;
pub mod sse;

#[doc(hidden)]
pub mod fuzzing;

pub use accumulate::{
    AccumulateError, Accumulator, ContentBlock, Message, PartialBlock, PartialMessage,
    PartialToolCall, ToolCall, ToolCallProblem,
};
pub use chunk::{
    Finish, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, ToolCallPiece,
    UnknownProvider, Usage,
};
pub use normalize::Normalizer;
