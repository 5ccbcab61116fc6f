//! The exact requests the mock receives from the real client, per provider, as golden files in
//! `tests/golden/requests/<provider>/<name>.http`: the request line, the headers (less `host`,
//! whose port is random, and `user-agent`, which names the crate version), and the JSON body
//! pretty-printed. Conversations go through the client both ways: a recorded tool call or
//! thinking stream is read through the client, accumulated, and sent back in the next request.
//!
//! Amazon Bedrock's requests are signed at the time they are sent: the golden files show
//! `x-amz-date` and the signature and date of `authorization` as `<time>`, `<signature>` and
//! `<date>` (the mock verified the signature itself).
//!
//! `BLESS=1 cargo test -p llm-sse-tokio --test integration client_requests::` writes the files
//! that differ; then read every changed byte against the provider's API reference.

use crate::client_support;
use crate::mock_support;

use std::path::PathBuf;

use client_support::{TEST_KEY, client, collect, model, terminal_error};
use llm_sse_tokio::core::request::{
    CacheControl, CacheTtl, Reasoning, ReasoningEffort, Tool, ToolChoice, build,
};
use llm_sse_tokio::core::{Accumulator, Message};
use llm_sse_tokio::mock::{MockProvider, RecordedRequest};
use llm_sse_tokio::{
    AnthropicStreamAdapter, ChatMessage, ChatRequest, GeminiStreamAdapter, OpenAiStreamAdapter,
    Provider, StreamChunk,
};
use mock_support::{fixture, requiring, within};
use serde_json::json;

/// Sends `request` through the client to a mock serving `provider`'s recording `serves`;
/// returns what the mock received and the reply, accumulated.
async fn exchange(
    provider: Provider,
    serves: &str,
    request: &ChatRequest,
) -> (RecordedRequest, Message) {
    let server = requiring(
        MockProvider::new(provider, fixture(provider, serves)),
        provider,
        TEST_KEY,
    )
    .start()
    .await
    .unwrap();
    let mut stream = within(client(&server).stream(provider, request.clone()))
        .await
        .unwrap_or_else(|e| panic!("{provider}: {e}"));
    let chunks = collect(&mut stream).await;
    assert!(terminal_error(&chunks).is_none(), "{chunks:?}");
    let mut accumulator = Accumulator::new();
    for chunk in chunks {
        accumulator.push_owned(chunk);
    }
    let received = server.requests().remove(0);
    // The client sends exactly the core's request: its body bytes and its headers.
    let built = build(provider, request, Some(TEST_KEY)).unwrap();
    assert_eq!(received.body, built.body_bytes(), "{provider}: body");
    for (name, value) in &built.headers {
        assert_eq!(received.header(name), Some(value), "{provider}: {name}");
    }
    (received, accumulator.finish().unwrap())
}

/// The text form of a received request.
fn render(request: &RecordedRequest) -> String {
    let mut out = format!("{} {} {:?}\n", request.method, request.uri, request.version);
    for (name, value) in &request.headers {
        if name == "host" || name == "user-agent" {
            continue;
        }
        let value = value.to_str().unwrap();
        // A SigV4 signature and its time change with the clock.
        let value = match name.as_str() {
            "x-amz-date" => "<time>".to_owned(),
            "authorization" if value.starts_with("AWS4-HMAC-SHA256 ") => {
                let (head, _) = value.split_once("Signature=").unwrap();
                let mut parts: Vec<String> = head.split('/').map(str::to_owned).collect();
                parts[1] = "<date>".to_owned();
                format!("{}Signature=<signature>", parts.join("/"))
            }
            _ => value.to_owned(),
        };
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    out.push_str(&serde_json::to_string_pretty(&request.json().unwrap()).unwrap());
    out.push('\n');
    out
}

/// Compares the received request with its golden file (writes it with `BLESS=1`).
fn golden(provider: Provider, name: &str, request: &RecordedRequest) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/requests")
        .join(provider.as_str())
        .join(format!("{name}.http"));
    let actual = render(request);
    if std::env::var_os("BLESS").is_some()
        && std::fs::read_to_string(&path).ok().as_deref() != Some(actual.as_str())
    {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        eprintln!("blessed {}", path.display());
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with BLESS=1 to create it)", path.display()));
    assert!(
        expected == actual,
        "{} differs\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

fn weather_tool() -> Tool {
    Tool::new(
        "get_weather",
        "Current weather for a city",
        json!({"type": "object", "properties": {"location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]}),
    )
}

/// The recording with a tool call, and the one with reasoning, per provider.
fn recordings(provider: Provider) -> (&'static str, &'static str) {
    match provider {
        Provider::Anthropic => ("tool_use", "thinking"),
        Provider::OpenAi => ("parallel_tool_calls", "reasoning_content"),
        Provider::Gemini => ("function_call", "thoughts"),
        // Claude on the cloud platforms: Anthropic's recordings.
        Provider::Bedrock | Provider::Vertex => ("tool_use", "thinking"),
        _ => unreachable!("a provider the tests do not know"),
    }
}

fn reasoning(provider: Provider) -> Reasoning {
    match provider {
        Provider::OpenAi => Reasoning::effort(ReasoningEffort::Low),
        _ => Reasoning::budget(2048),
    }
}

/// System messages, tools and a tool choice; then the reply's tool calls answered.
async fn tools_and_tool_results(provider: Provider) {
    let (tool_recording, _) = recordings(provider);
    let request = ChatRequest::new(
        model(provider),
        vec![
            ChatMessage::system("You are a weather bot."),
            ChatMessage::system("Use Celsius."),
            ChatMessage::user("What's the weather in Paris?"),
        ],
    )
    .with_tools(vec![weather_tool()])
    .with_tool_choice(ToolChoice::Auto)
    .with_max_tokens(1024)
    .with_temperature(0.5);
    let (received, reply) = exchange(provider, tool_recording, &request).await;
    golden(provider, "system_and_tools", &received);

    let calls: Vec<_> = reply.tool_calls().cloned().collect();
    assert!(!calls.is_empty(), "{provider}: the recording calls a tool");
    let mut next = request.clone();
    next.messages.push(ChatMessage::from(reply));
    for (i, call) in calls.iter().enumerate() {
        next.messages.push(if i == 0 {
            ChatMessage::tool_result(call, "18 °C, light rain")
        } else {
            ChatMessage::tool_error(call, "weather service unavailable")
        });
    }
    let (received, _) = exchange(provider, "text", &next).await;
    golden(provider, "tool_results", &received);
}

/// Reasoning asked for; then the reply, reasoning and signature included, sent back.
async fn thinking_round_trip(provider: Provider) {
    let (_, thinking_recording) = recordings(provider);
    let question = ChatMessage::user("What is 27 × 453?");
    let request = ChatRequest::new(model(provider), vec![question.clone()])
        .with_max_tokens(4096)
        .with_reasoning(reasoning(provider));
    let (received, reply) = exchange(provider, thinking_recording, &request).await;
    golden(provider, "thinking", &received);

    let next = ChatRequest::new(
        model(provider),
        vec![
            question,
            ChatMessage::from(reply),
            ChatMessage::user("And 28 × 453?"),
        ],
    )
    .with_max_tokens(4096)
    .with_reasoning(reasoning(provider));
    let (received, _) = exchange(provider, "text", &next).await;
    golden(provider, "thinking_round_trip", &received);
}

#[tokio::test]
async fn anthropic_requests() {
    tools_and_tool_results(Provider::Anthropic).await;
    thinking_round_trip(Provider::Anthropic).await;
}

#[tokio::test]
async fn openai_requests() {
    tools_and_tool_results(Provider::OpenAi).await;
    thinking_round_trip(Provider::OpenAi).await;
}

#[tokio::test]
async fn gemini_requests() {
    tools_and_tool_results(Provider::Gemini).await;
    thinking_round_trip(Provider::Gemini).await;
}

#[tokio::test]
async fn bedrock_requests() {
    tools_and_tool_results(Provider::Bedrock).await;
    thinking_round_trip(Provider::Bedrock).await;
}

#[tokio::test]
async fn vertex_requests() {
    tools_and_tool_results(Provider::Vertex).await;
    thinking_round_trip(Provider::Vertex).await;
}

/// Prompt caching end to end: a request whose system prompt is cached for an hour and whose
/// conversation is cached up to its last block (the request's own breakpoint) goes out with
/// `cache_control` exactly there; the recorded answer read the system prompt from the cache and
/// wrote the rest, and its terminal chunk reports both counts.
#[tokio::test]
async fn prompt_cache_breakpoints_go_out_and_cache_usage_comes_back() {
    let provider = Provider::Anthropic;
    let contract =
        "<contract>... 7. Termination: either party, with 30 days' written notice ...</contract>";
    let request = ChatRequest::new(
        model(provider),
        vec![
            ChatMessage::system("You answer questions about the contract below."),
            ChatMessage::system(contract)
                .with_cache(CacheControl::new().with_ttl(CacheTtl::OneHour)),
            ChatMessage::user("Can I terminate with a notice dated today?"),
        ],
    )
    .with_cache(CacheControl::new())
    .with_max_tokens(1024);
    let server = MockProvider::new(provider, fixture(provider, "prompt_cache"))
        .require_api_key(TEST_KEY)
        .start()
        .await
        .unwrap();
    let mut stream = within(client(&server).stream(provider, request.clone()))
        .await
        .unwrap();
    let chunks = collect(&mut stream).await;

    let received = server.requests().remove(0);
    golden(provider, "prompt_cache", &received);
    let built = build(provider, &request, Some(TEST_KEY)).unwrap();
    assert_eq!(received.body, built.body_bytes());
    let body = received.json().unwrap();
    assert_eq!(
        body["system"],
        json!([
            {"type": "text", "text": "You answer questions about the contract below."},
            {"type": "text", "text": contract, "cache_control": {"type": "ephemeral", "ttl": "1h"}}
        ])
    );
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": [
            {"type": "text", "text": "Can I terminate with a notice dated today?", "cache_control": {"type": "ephemeral"}}
        ]}])
    );
    let text = String::from_utf8_lossy(&received.body).into_owned();
    assert_eq!(text.matches("cache_control").count(), 2, "{text}");

    let Some(StreamChunk::Done(finish)) = chunks.last() else {
        panic!("{chunks:?}")
    };
    assert!(finish.is_success(), "{finish:?}");
    let usage = finish.usage.as_ref().expect("usage");
    assert_eq!((usage.input_tokens, usage.output_tokens), (3, 29));
    assert_eq!(usage.cache_read_input_tokens, Some(1800));
    assert_eq!(usage.cache_creation_input_tokens, Some(248));
}

/// The seed's call, `stream_chat(messages, model, temperature)`, through each adapter.
#[tokio::test]
async fn stream_chat_through_each_adapter() {
    let messages = || {
        [
            ChatMessage::system("Answer in French."),
            ChatMessage::user("Hello"),
        ]
    };
    for provider in Provider::ALL {
        let server = requiring(
            MockProvider::new(provider, fixture(provider, "text")),
            provider,
            TEST_KEY,
        )
        .start()
        .await
        .unwrap();
        let client = client(&server);
        let started = match provider {
            Provider::Anthropic => {
                AnthropicStreamAdapter::with_client(client)
                    .stream_chat(messages(), model(provider), 0.7)
                    .await
            }
            Provider::OpenAi => {
                OpenAiStreamAdapter::with_client(client)
                    .stream_chat(messages(), model(provider), 0.7)
                    .await
            }
            Provider::Gemini => {
                GeminiStreamAdapter::with_client(client)
                    .stream_chat(messages(), model(provider), 0.7)
                    .await
            }
            // No adapter of their own: the client's call.
            _ => {
                client
                    .stream_chat(provider, messages(), model(provider), 0.7)
                    .await
            }
        };
        let mut stream = started.unwrap();
        let chunks = collect(&mut stream).await;
        assert!(matches!(chunks.last(), Some(StreamChunk::Done(f)) if f.is_success()));
        let received = server.requests().remove(0);
        golden(provider, "stream_chat", &received);
        // Streaming is on: a body field, or the streaming method (Gemini's in SSE form).
        let body = received.json().unwrap();
        match provider {
            Provider::Gemini => {
                assert!(body.get("stream").is_none());
                assert!(received.uri.ends_with(":streamGenerateContent?alt=sse"));
            }
            Provider::Bedrock => {
                assert!(body.get("stream").is_none());
                assert!(received.uri.ends_with("/invoke-with-response-stream"));
            }
            // Vertex AI's raw predict takes Anthropic's body, `stream` included.
            Provider::Vertex => {
                assert_eq!(body["stream"], true);
                assert!(received.uri.ends_with(":streamRawPredict"));
            }
            _ => assert_eq!(body["stream"], true),
        }
        let agent = received.header("user-agent").unwrap();
        assert_eq!(agent, llm_sse_tokio::core::client::USER_AGENT);
        assert_eq!(
            received.header("host"),
            Some(server.addr().to_string().as_str())
        );
    }
}
