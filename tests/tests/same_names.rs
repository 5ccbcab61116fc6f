//! Both shells name their clients the same at their roots, with the same signatures where no
//! `async` tells them apart, so switching runtime is changing one import
//! (`use llm_sse_tokio::...` for `use llm_sse_blocking::...`): one list, checked for both
//! crates. A name missing from either crate fails to compile.

use std::any::TypeId;

/// The names a program using either client imports, for `$krate`; and the signatures both
/// crates share.
macro_rules! client_names {
    ($module:ident, $krate:ident) => {
        mod $module {
            pub use ::$krate::{
                AnthropicStreamAdapter, AuthFailure, ChatMessage, ChatRequest, ChunkStream, Client,
                ClientBuilder, GeminiStreamAdapter, InvalidProxy, OpenAiStreamAdapter, Provider,
                ProviderAuthError, ProviderError, Proxies, Settings, SettingsError, StreamChunk,
                core,
            };

            /// The constructors and the builder have the same signatures in both crates.
            #[allow(dead_code)]
            pub fn signatures() {
                let _: fn(Settings) -> Client = Client::new;
                let _: fn(Settings) -> ClientBuilder = Client::builder;
                let _: fn() -> Result<Client, SettingsError> = Client::from_env;
                let _: fn(&Client) -> &Settings = Client::settings;
                let _: fn(ClientBuilder, &str) -> Result<ClientBuilder, InvalidProxy> =
                    ClientBuilder::proxy;
                let _: fn(ClientBuilder) -> ClientBuilder = ClientBuilder::no_proxy;
                let _: fn(ClientBuilder) -> Client = ClientBuilder::build;
                let _: fn(&ChunkStream) -> Provider = ChunkStream::provider;
                let _: fn(&ChunkStream) -> u32 = ChunkStream::retries;
                let _: fn(&mut ChunkStream, core::StreamError) = ChunkStream::abort;
                let _: fn(Settings) -> AnthropicStreamAdapter = AnthropicStreamAdapter::new;
                let _: fn(Client) -> OpenAiStreamAdapter = OpenAiStreamAdapter::with_client;
                let _: fn() -> Result<GeminiStreamAdapter, SettingsError> =
                    GeminiStreamAdapter::from_env;
                let _: fn(&AnthropicStreamAdapter) -> &Client = AnthropicStreamAdapter::client;
            }

            /// The adapters' providers.
            pub const ADAPTERS: [Provider; 3] = [
                AnthropicStreamAdapter::PROVIDER,
                OpenAiStreamAdapter::PROVIDER,
                GeminiStreamAdapter::PROVIDER,
            ];
        }
    };
}

client_names!(tokio_names, llm_sse_tokio);
client_names!(blocking_names, llm_sse_blocking);

/// The names both crates take from the core are the core's own types, not look-alikes.
#[test]
fn the_shared_names_are_the_cores_types() {
    fn id<T: 'static>() -> TypeId {
        TypeId::of::<T>()
    }
    macro_rules! same {
        ($($name:ident = $core:path),* $(,)?) => {
            $(
                assert_eq!(id::<tokio_names::$name>(), id::<$core>(), stringify!($name));
                assert_eq!(id::<blocking_names::$name>(), id::<$core>(), stringify!($name));
            )*
        };
    }
    same!(
        AuthFailure = llm_sse_core::client::AuthFailure,
        ChatMessage = llm_sse_core::request::ChatMessage,
        ChatRequest = llm_sse_core::request::ChatRequest,
        InvalidProxy = llm_sse_core::client::InvalidProxy,
        Provider = llm_sse_core::Provider,
        ProviderAuthError = llm_sse_core::client::ProviderAuthError,
        ProviderError = llm_sse_core::client::ProviderError,
        Proxies = llm_sse_core::client::Proxies,
        Settings = llm_sse_core::client::Settings,
        SettingsError = llm_sse_core::client::SettingsError,
        StreamChunk = llm_sse_core::StreamChunk,
    );
    assert_eq!(
        id::<tokio_names::core::Normalizer>(),
        id::<blocking_names::core::Normalizer>()
    );
}

#[test]
fn the_adapters_fix_the_same_providers() {
    let providers = [
        llm_sse_core::Provider::Anthropic,
        llm_sse_core::Provider::OpenAi,
        llm_sse_core::Provider::Gemini,
    ];
    assert_eq!(tokio_names::ADAPTERS, providers);
    assert_eq!(blocking_names::ADAPTERS, providers);
}
