//! What every provider client shares, whatever its transport: [`Settings`] (keys, base URLs,
//! timeouts, retries, [`Proxies`]), the errors known before a stream starts ([`ProviderError`],
//! [`ProviderAuthError`]), and [`Call`], the sans-IO state machine of one streaming call, from
//! the request to the first byte of its stream.
//!
//! The shells (`llm-sse-tokio` over hyper, `llm-sse-blocking` over ureq) only move bytes and
//! time: they open connections (through the proxy [`Proxies::proxy_for`] names), send the request
//! [`Call`] prepared, sleep between attempts, and read the body. Which answer to retry and for
//! how long to wait, what an error answer says, what to redact from it, and when a stream has
//! started is decided here, the same for both.
//!
//! # A shell's loop
//!
//! Both clients are this loop, with their own `send`, `sleep` and body reads (`random()` is a
//! number in `[0, 1)` for the backoff's jitter, `now()` the Unix time):
//!
//! ```text
//! let mut call = Call::new(&settings, request.validate(provider)?)?;
//! loop {
//!     let attempt = match send(call.http_request()) {
//!         Err(e) => call.no_response(e.to_string(), random()),
//!         Ok(response) => match call.response(status, headers, now()) {
//!             Head::Stream(starting) => match read(body) {
//!                 Read::Bytes(b) => return Ok(ChunkStream::new(starting.first_bytes(&b), body)),
//!                 Read::End => return Ok(ChunkStream::new(starting.ended(), body)),
//!                 Read::Idle => return Ok(ChunkStream::new(starting.idle_timeout(), body)),
//!                 Read::Failed(e) => starting.failed(e.to_string(), random()),
//!             },
//!             Head::ErrorBody(error) => error.finish(&read_at_most(body, MAX_ERROR_BODY), random()),
//!             Head::Failed(error) => return Err(error),
//!         },
//!     };
//!     match attempt {
//!         Attempt::Retry { call: next, after } => { sleep(after); call = next; }
//!         Attempt::Failed(error) => return Err(error),
//!     }
//! }
//! ```
//!
//! The stream ([`Streaming`]) is then fed the body: [`feed`](Streaming::feed),
//! [`end`](Streaming::end), [`connection_lost`](Streaming::connection_lost),
//! [`idle_timeout`](Streaming::idle_timeout), and drained with
//! [`next_chunk`](Streaming::next_chunk). See [`Call`] for a run of it.

mod call;
mod error;
mod proxy;
mod settings;
#[cfg(feature = "google-auth")]
mod tokens;

pub use call::{
    Attempt, Authorization, Call, ErrorBody, Head, MAX_ERROR_BODY, Starting, Streaming, USER_AGENT,
};
pub use error::{AuthFailure, ProviderAuthError, ProviderError};
pub use proxy::{EnvProxies, InvalidProxy, Proxies, ProxyUrl, is_loopback};
pub use settings::{
    ApiKey, CONNECT_TIMEOUT_ENV, IDLE_TIMEOUT_ENV, MAX_RETRIES_ENV, RESPONSE_TIMEOUT_ENV, Settings,
    SettingsError, VERTEX_PROJECT_ENV, VERTEX_REGION_ENV,
};
#[cfg(feature = "google-auth")]
pub use tokens::{AccessTokens, TokenFetch, TokenStep};
