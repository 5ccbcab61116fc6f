//! One adapter per provider: a [`Client`] with the provider fixed.

use std::future::Future;

use llm_sse_core::Provider;
use llm_sse_core::client::{ProviderError, Settings, SettingsError};
use llm_sse_core::request::{ChatMessage, ChatRequest};

use crate::client::{ChunkStream, Client};

macro_rules! adapter {
    ($(#[$doc:meta])* $name:ident, $provider:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            client: Client,
        }

        impl $name {
            /// The provider this adapter calls.
            pub const PROVIDER: Provider = $provider;

            /// An adapter with its own [`Client`] using `settings`.
            pub fn new(settings: Settings) -> Self {
                Self::with_client(Client::new(settings))
            }

            /// An adapter with [`Settings`] from the environment ([`Client::from_env`]).
            ///
            /// # Errors
            ///
            /// [`SettingsError`] for a timeout or retry count that is not a number.
            pub fn from_env() -> Result<Self, SettingsError> {
                Client::from_env().map(Self::with_client)
            }

            /// An adapter sharing `client`'s connection pool and settings.
            pub fn with_client(client: Client) -> Self {
                $name { client }
            }

            /// The client it uses.
            pub fn client(&self) -> &Client {
                &self.client
            }

            /// Streams the answer to `messages` from `model` at `temperature`: see
            /// [`Client::stream_chat`].
            ///
            /// # Errors
            ///
            /// As [`Client::stream`].
            pub fn stream_chat(
                &self,
                messages: impl IntoIterator<Item = ChatMessage>,
                model: &str,
                temperature: f64,
            ) -> impl Future<Output = Result<ChunkStream, ProviderError>> + Send + '_ {
                self.client
                    .stream_chat(Self::PROVIDER, messages, model, temperature)
            }

            /// Streams the answer to `request`: see [`Client::stream`].
            ///
            /// # Errors
            ///
            /// As [`Client::stream`].
            pub async fn stream(&self, request: ChatRequest) -> Result<ChunkStream, ProviderError> {
                self.client.stream(Self::PROVIDER, request).await
            }
        }
    };
}

adapter!(
    /// Streams from Anthropic's Messages API (`POST {base}/v1/messages`, key in `x-api-key`,
    /// base URL `ANTHROPIC_BASE_URL` or `https://api.anthropic.com`).
    ///
    /// ```no_run
    /// use llm_sse_tokio::{AnthropicStreamAdapter, ChatMessage};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let adapter = AnthropicStreamAdapter::from_env()?; // ANTHROPIC_API_KEY
    /// let messages = [ChatMessage::system("Be brief."), ChatMessage::user("Hi")];
    /// let mut stream = adapter.stream_chat(messages, "claude-sonnet-4-5", 0.7).await?;
    /// while let Some(chunk) = stream.next_chunk().await {
    ///     println!("{chunk:?}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    AnthropicStreamAdapter,
    Provider::Anthropic
);

adapter!(
    /// Streams from an OpenAI-compatible Chat Completions API (`POST {base}/chat/completions`,
    /// key as `Authorization: Bearer`, base URL `OPENAI_BASE_URL` or
    /// `https://api.openai.com/v1`): OpenAI itself, or any server that copies it (Together.ai,
    /// Groq, vLLM, Ollama: set the base URL, including its `/v1`).
    ///
    /// ```no_run
    /// use llm_sse_tokio::{ChatMessage, OpenAiStreamAdapter, Provider, Settings};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// // A local Ollama server; it ignores the key, but a call needs one set.
    /// let settings = Settings::new()
    ///     .with_base_url(Provider::OpenAi, "http://localhost:11434/v1")
    ///     .with_api_key(Provider::OpenAi, "ollama");
    /// let adapter = OpenAiStreamAdapter::new(settings);
    /// let mut stream = adapter.stream_chat([ChatMessage::user("Hi")], "llama3.2", 0.2).await?;
    /// while let Some(chunk) = stream.next_chunk().await {
    ///     println!("{chunk:?}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    OpenAiStreamAdapter,
    Provider::OpenAi
);

adapter!(
    /// Streams from Gemini's `streamGenerateContent` (`POST
    /// {base}/v1beta/models/{model}:streamGenerateContent?alt=sse`, key in `x-goog-api-key`,
    /// base URL `GEMINI_BASE_URL` or `https://generativelanguage.googleapis.com`).
    ///
    /// ```no_run
    /// use llm_sse_tokio::{ChatMessage, GeminiStreamAdapter};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let adapter = GeminiStreamAdapter::from_env()?; // GEMINI_API_KEY or GOOGLE_API_KEY
    /// let mut stream = adapter.stream_chat([ChatMessage::user("Hi")], "gemini-2.5-flash", 1.0).await?;
    /// while let Some(chunk) = stream.next_chunk().await {
    ///     println!("{chunk:?}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    GeminiStreamAdapter,
    Provider::Gemini
);
