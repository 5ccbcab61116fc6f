//! Every recorded fixture, served by the mock and read through the real client, gives exactly
//! its golden frames (`tests/fixtures/<provider>/<name>.frames`): served one event (Bedrock: one
//! event-stream message) per write, and in 7-byte pieces that split events, lines, messages and
//! UTF-8 characters.

use crate::client_support;
use crate::mock_support;

use client_support::{client, collect, frames, hello};
use llm_sse_tokio::Provider;
use llm_sse_tokio::mock::MockProvider;
use mock_support::{all_fixtures, fixtures_dir};

async fn check_provider(provider: Provider) {
    let fixtures = all_fixtures(provider);
    for (name, recording) in fixtures {
        let golden_path = fixtures_dir(provider).join(format!("{name}.frames"));
        let golden = std::fs::read(&golden_path)
            .unwrap_or_else(|e| panic!("{}: {e}", golden_path.display()));
        for pieces in [None, Some(7)] {
            let mut mock = MockProvider::new(provider, recording.clone());
            if let Some(n) = pieces {
                mock = mock.chunk_size(n);
            }
            let server = mock.start().await.unwrap();
            let client = client(&server);
            let mut stream = client
                .stream(provider, hello(provider))
                .await
                .unwrap_or_else(|e| panic!("{provider}/{name}: {e}"));
            assert_eq!(stream.provider(), provider);
            assert_eq!(stream.retries(), 0);
            let chunks = collect(&mut stream).await;
            let actual = frames(&chunks);
            assert!(
                actual == golden,
                "{provider}/{name} (pieces {pieces:?}) differs from {}\n--- expected\n{}\n--- actual\n{}",
                golden_path.display(),
                String::from_utf8_lossy(&golden),
                String::from_utf8_lossy(&actual),
            );
        }
    }
}

#[tokio::test]
async fn anthropic_fixtures_through_the_client_give_their_golden_frames() {
    check_provider(Provider::Anthropic).await;
}

#[tokio::test]
async fn openai_fixtures_through_the_client_give_their_golden_frames() {
    check_provider(Provider::OpenAi).await;
}

#[tokio::test]
async fn gemini_fixtures_through_the_client_give_their_golden_frames() {
    check_provider(Provider::Gemini).await;
}

#[tokio::test]
async fn bedrock_fixtures_through_the_client_give_their_golden_frames() {
    check_provider(Provider::Bedrock).await;
}

#[tokio::test]
async fn vertex_fixtures_through_the_client_give_their_golden_frames() {
    check_provider(Provider::Vertex).await;
}
