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
//! [`Normalizer`] composes the first two.
//!
//! # Crate features
//!
//! - `std` (default): `std::error::Error` impls. Without it the crate is `no_std` + `alloc`.

#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

extern crate alloc;

mod accumulate;
mod chunk;
pub mod decode;
pub mod frame;
mod normalize;
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
