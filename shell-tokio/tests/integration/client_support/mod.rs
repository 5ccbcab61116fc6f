//! What the client tests share: settings pointing at a mock, a client that ignores the
//! environment's proxies, reading a whole stream (bounded in time), and the core's own view of
//! a recording, to compare with what came through the client.

#![allow(dead_code)]

use std::time::Duration;

use llm_sse_tokio::core::retry::RetryPolicy;
use llm_sse_tokio::core::{Normalizer, StreamError, StreamErrorKind, frame};
use llm_sse_tokio::mock::MockServer;
use llm_sse_tokio::{
    ChatMessage, ChatRequest, ChunkStream, Client, Provider, Settings, StreamChunk,
};

use crate::mock_support::within;

/// The key the tests use (it appears in golden files: it is not a secret).
pub const TEST_KEY: &str = "test-key";

/// A model name per provider, for requests whose model does not matter.
pub fn model(provider: Provider) -> &'static str {
    match provider {
        Provider::Anthropic => "claude-sonnet-4-5",
        Provider::OpenAi => "gpt-4.1-mini",
        Provider::Gemini => "gemini-2.5-flash",
        Provider::Bedrock => "anthropic.claude-sonnet-4-5-20250929-v1:0",
        Provider::Vertex => "claude-sonnet-4-5@20250929",
        _ => unreachable!("a provider the tests do not know"),
    }
}

/// The default retry policy with short waits, so retry tests take milliseconds.
pub fn fast_retries(max_retries: u32) -> RetryPolicy {
    let mut policy = RetryPolicy::with_max_retries(max_retries);
    policy.initial_delay = Duration::from_millis(10);
    policy.max_delay = Duration::from_millis(20);
    policy
}

/// Settings for `provider` at `base_url` with [`TEST_KEY`] (Bedrock: as the secret of the
/// tests' AWS credentials; Vertex AI: as the access token), short timeouts and fast retries.
pub fn settings_for(provider: Provider, base_url: &str) -> Settings {
    crate::mock_support::with_key(Settings::new(), provider, TEST_KEY)
        .with_base_url(provider, base_url)
        .with_connect_timeout(Duration::from_secs(5))
        .with_response_timeout(Duration::from_secs(5))
        .with_idle_timeout(Duration::from_secs(5))
        .with_retry(fast_retries(2))
}

/// [`settings_for`] the mock's provider and base URL.
pub fn settings(server: &MockServer) -> Settings {
    settings_for(server.provider(), &server.base_url())
}

/// A client with `settings` that never uses a proxy (the tests must not depend on the
/// environment).
pub fn client_with(settings: Settings) -> Client {
    Client::builder(settings).no_proxy().build()
}

/// A client of the mock with [`settings`].
pub fn client(server: &MockServer) -> Client {
    client_with(settings(server))
}

/// A one-message request for `provider`.
pub fn hello(provider: Provider) -> ChatRequest {
    ChatRequest::new(model(provider), vec![ChatMessage::user("Hello")])
}

/// Every chunk of `stream` up to its end (which must come within the test timeout); checks
/// that exactly one terminal chunk ends it and that `None` follows.
pub async fn collect(stream: &mut ChunkStream) -> Vec<StreamChunk> {
    let chunks = within(async {
        let mut chunks = Vec::new();
        while let Some(chunk) = stream.next_chunk().await {
            chunks.push(chunk);
        }
        chunks
    })
    .await;
    assert_eq!(
        chunks.iter().filter(|c| c.is_done()).count(),
        1,
        "one terminal chunk"
    );
    assert!(
        chunks.last().is_some_and(StreamChunk::is_done),
        "terminal last"
    );
    assert!(stream.next_chunk().await.is_none(), "None after the end");
    chunks
}

/// The wire frames of `chunks`.
pub fn frames(chunks: &[StreamChunk]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in chunks {
        frame::encode(chunk, &mut out);
    }
    out
}

/// What the core makes of `bytes` of `provider` when the transport then fails with `kind`.
pub fn core_chunks_then_failure(
    provider: Provider,
    bytes: &[u8],
    kind: StreamErrorKind,
) -> Vec<StreamChunk> {
    let mut normalizer = Normalizer::new(provider);
    normalizer.feed(bytes);
    normalizer.fail(StreamError::new(kind, "the transport failed"));
    std::iter::from_fn(|| normalizer.next_chunk()).collect()
}

/// `chunks` with the terminal chunk's error message replaced (the transport's wording is not
/// under test; the kind is).
pub fn without_error_message(mut chunks: Vec<StreamChunk>) -> Vec<StreamChunk> {
    if let Some(StreamChunk::Done(finish)) = chunks.last_mut() {
        if let Err(error) = &mut finish.outcome {
            error.message = String::from("<message>");
        }
    }
    chunks
}

/// The error of the terminal chunk, if the stream failed.
pub fn terminal_error(chunks: &[StreamChunk]) -> Option<&StreamError> {
    match chunks.last() {
        Some(StreamChunk::Done(finish)) => finish.error(),
        _ => None,
    }
}

/// The text of the `Token` chunks.
pub fn text(chunks: &[StreamChunk]) -> String {
    chunks
        .iter()
        .filter_map(|c| match c {
            StreamChunk::Token(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}
