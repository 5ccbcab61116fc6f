//! The provider client ([`Client`]) as the gateway's upstream (`llm-sse serve` without
//! `--mock`).
//!
//! The client keeps the [`Upstream`] contract by construction: `Client::stream` returns
//! `Err(ProviderError)` for every failure before the first body byte (after its retries), its
//! `ChunkStream` reads the response body only when polled, and dropping it drops the
//! response and its connection; its `abort` ends it keeping what arrived.

use std::pin::Pin;

use llm_sse_core::StreamError;
use llm_sse_core::request::ValidRequest;

use super::upstream::{OpenFuture, Upstream, UpstreamStream, Upstreamed};
use crate::{ChunkStream, Client};

impl Upstream for Client {
    fn open(&self, request: ValidRequest) -> OpenFuture<'_> {
        Box::pin(async move {
            let stream = self.stream_valid(request).await?;
            let retries = stream.retries();
            Ok(Upstreamed::new(stream).with_retries(retries))
        })
    }
}

impl UpstreamStream for ChunkStream {
    fn abort(self: Pin<&mut Self>, error: StreamError) {
        ChunkStream::abort(self.get_mut(), error);
    }
}
