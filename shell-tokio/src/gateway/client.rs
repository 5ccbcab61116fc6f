//! The provider client ([`Client`]) as the gateway's upstream (`llm-sse serve` without
//! `--mock`).
//!
//! The client keeps the [`Upstream`] contract by construction: `Client::stream` returns
//! `Err(ProviderError)` for every failure before the first body byte (after its retries), its
//! `ChunkStream` reads the response body only when polled, and dropping it drops the
//! response and its connection.

use llm_sse_core::request::ValidRequest;

use super::upstream::{OpenFuture, Upstream, Upstreamed};
use crate::Client;

impl Upstream for Client {
    fn open(&self, request: ValidRequest) -> OpenFuture<'_> {
        Box::pin(async move {
            let stream = self.stream_valid(request).await?;
            let retries = stream.retries();
            Ok(Upstreamed::new(Box::pin(stream)).with_retries(retries))
        })
    }
}
