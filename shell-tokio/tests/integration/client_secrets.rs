//! API keys never show: not in any `Debug` or `Display` of the client's types, not in any error
//! (even when the provider echoes the key back in its message). The same for Amazon Bedrock's
//! secret access key and Vertex AI's access token, which stand in the key's place here.

use crate::client_support;
use crate::mock_support;

use client_support::*;
use llm_sse_tokio::mock::MockProvider;
use llm_sse_tokio::{
    AnthropicStreamAdapter, Client, GeminiStreamAdapter, OpenAiStreamAdapter, Provider,
    ProviderError, Settings,
};
use mock_support::{fixture, within};

const SECRET: &str = "sk-live-9f3c1a7e5b2d4c6e8a0b";

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} shows the key: {text}");
    assert!(
        !text.contains(&SECRET[8..]),
        "{what} shows part of the key: {text}"
    );
}

fn secret_settings(base_url: &str) -> Settings {
    let mut settings = Settings::new();
    for provider in Provider::ALL {
        settings =
            mock_support::with_key(settings, provider, SECRET).with_base_url(provider, base_url);
    }
    settings
}

#[tokio::test]
async fn no_debug_or_display_shows_the_key() {
    let server = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .start()
        .await
        .unwrap();
    let settings = secret_settings(&server.base_url());
    assert_hidden("Settings", &format!("{settings:?}"));
    let client = client_with(settings.clone());
    assert_hidden("Client", &format!("{client:?}"));
    assert_hidden(
        "ClientBuilder",
        &format!("{:?}", Client::builder(settings.clone())),
    );
    assert_hidden(
        "adapters",
        &format!(
            "{:?} {:?} {:?}",
            AnthropicStreamAdapter::with_client(client.clone()),
            OpenAiStreamAdapter::new(settings.clone()),
            GeminiStreamAdapter::new(settings.clone())
        ),
    );
    let mut stream = within(client.stream(Provider::Anthropic, hello(Provider::Anthropic)))
        .await
        .unwrap();
    assert_hidden("ChunkStream", &format!("{stream:?}"));
    let chunks = collect(&mut stream).await;
    assert_hidden("chunks", &format!("{chunks:?}"));
    // The key did go out, in its header.
    assert_eq!(server.requests()[0].header("x-api-key"), Some(SECRET));
}

#[tokio::test]
async fn errors_never_show_the_key() {
    for provider in Provider::ALL {
        // The provider refuses the key, and its message echoes the key back.
        let server = MockProvider::new(provider, fixture(provider, "text"))
            .fail_first(1, 401)
            .error_message(format!("Incorrect API key provided: {SECRET}."))
            .start()
            .await
            .unwrap();
        let client = client_with(secret_settings(&server.base_url()));
        let error = within(client.stream(provider, hello(provider)))
            .await
            .unwrap_err();
        assert!(matches!(error, ProviderError::Auth(_)), "{error:?}");
        assert_hidden("Display", &error.to_string());
        assert_hidden("Debug", &format!("{error:?}"));
        assert!(
            error
                .to_string()
                .ends_with("Incorrect API key provided: <redacted>."),
            "{error}"
        );

        // Other statuses too.
        let server = MockProvider::new(provider, fixture(provider, "text"))
            .fail_first(1, 400)
            .error_message(format!("bad request from {SECRET}"))
            .start()
            .await
            .unwrap();
        let client = client_with(secret_settings(&server.base_url()));
        let error = within(client.stream(provider, hello(provider)))
            .await
            .unwrap_err();
        assert_hidden("Display", &error.to_string());
        assert_hidden("Debug", &format!("{error:?}"));
    }
}

#[tokio::test]
async fn a_key_that_cannot_be_sent_is_refused_without_showing_it() {
    let key = format!("{SECRET}\r\nx-injected: 1");
    let settings = Settings::new()
        .with_api_key(Provider::OpenAi, key.clone())
        .with_base_url(Provider::OpenAi, "http://127.0.0.1:9/v1");
    let error = client_with(settings)
        .stream(Provider::OpenAi, hello(Provider::OpenAi))
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::Auth(_)), "{error:?}");
    assert_hidden("Display", &error.to_string());
    assert_hidden("Debug", &format!("{error:?}"));
}
