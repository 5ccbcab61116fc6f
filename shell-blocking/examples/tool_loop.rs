//! A tool-use loop with the blocking client: ask, run the tool the model calls, send the result
//! back, print the answer.
//!
//! ```sh
//! cargo run -p llm-sse-blocking --example tool_loop
//! ```
//!
//! It runs against the mock provider (`llm_sse_tokio::mock`, on a tokio runtime of its own
//! thread), which serves one recording per server: the first mock answers with a `get_weather`
//! call (`tests/fixtures/anthropic/tool_use.sse`), the second with the final text. Against the
//! real API the loop is the same with a single adapter, `AnthropicStreamAdapter::from_env()`.

use std::error::Error;
use std::io::Write;

use llm_sse_blocking::core::request::Tool;
use llm_sse_blocking::core::{Accumulator, FinishReason, Provider, StreamChunk, ToolCall};
use llm_sse_blocking::{AnthropicStreamAdapter, ChatMessage, ChatRequest, Client, Settings};
use llm_sse_tokio::mock::{MockProvider, MockServer};
use serde_json::json;

/// What the second mock answers once it has the tool's result.
const ANSWER: &str = concat!(
    "event: message_start\n",
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_02\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"usage\":{\"input_tokens\":580,\"output_tokens\":1}}}\n\n",
    "event: content_block_start\n",
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"It is 18 °C and sunny in Paris\"}}\n\n",
    "event: content_block_delta\n",
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\": a good day for a walk.\"}}\n\n",
    "event: content_block_stop\n",
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    "event: message_delta\n",
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":17}}\n\n",
    "event: message_stop\n",
    "data: {\"type\":\"message_stop\"}\n\n",
);

/// The tool, run locally.
fn get_weather(call: &ToolCall) -> String {
    let location = call.arguments["location"].as_str().unwrap_or("somewhere");
    format!("18 °C and sunny in {location}")
}

fn main() -> Result<(), Box<dyn Error>> {
    let tool_call = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/anthropic/tool_use.sse"),
    )?;
    let mocks = Mocks::start(vec![tool_call, ANSWER.as_bytes().to_vec()]);
    // One adapter per mock, sharing one client's settings.
    let adapters: Vec<AnthropicStreamAdapter> = mocks
        .servers
        .iter()
        .map(|server| {
            let settings = Settings::new()
                .with_api_key(Provider::Anthropic, "sk-ant-mock")
                .with_base_url(Provider::Anthropic, server.base_url());
            AnthropicStreamAdapter::with_client(Client::builder(settings).no_proxy().build())
        })
        .collect();

    let mut request = ChatRequest::new(
        "claude-sonnet-4-5",
        vec![ChatMessage::user("What is the weather in Paris?")],
    )
    .with_tools(vec![Tool::new(
        "get_weather",
        "The current weather at a location",
        json!({
            "type": "object",
            "properties": {"location": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["location"]
        }),
    )]);

    let mut out = std::io::stdout().lock();
    for adapter in &adapters {
        // Ask, printing the text as it streams, and fold the chunks into the whole turn.
        let mut turn = Accumulator::new();
        for chunk in adapter.stream(request.clone())? {
            if let StreamChunk::Token(text) = &chunk {
                write!(out, "{text}")?;
                out.flush()?;
            }
            turn.push_owned(chunk);
        }
        writeln!(out)?;
        let reply = turn.finish()?;
        if reply.finish_reason != FinishReason::ToolCalls {
            return Ok(()); // the answer
        }
        // Run each tool call locally, then send the turn and the results back.
        let results: Vec<ChatMessage> = reply
            .tool_calls()
            .map(|call| {
                let result = get_weather(call);
                writeln!(out, "[{}({}) -> {result}]", call.name, call.raw_arguments).ok();
                ChatMessage::tool_result(call, result)
            })
            .collect();
        request.messages.push(ChatMessage::from(reply));
        request.messages.extend(results);
    }
    Err("the model kept calling tools".into())
}

/// Mock providers serving one recording each, on a tokio runtime on a thread of their own.
struct Mocks {
    servers: Vec<MockServer>,
}

impl Mocks {
    fn start(recordings: Vec<Vec<u8>>) -> Mocks {
        let (started, servers) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                let mut servers = Vec::new();
                for recording in recordings {
                    let server = MockProvider::new(Provider::Anthropic, recording)
                        .start()
                        .await
                        .expect("the mock starts");
                    servers.push(server);
                }
                started.send(servers).expect("main waits");
                // Serve until the process ends.
                std::future::pending::<()>().await;
            });
        });
        Mocks {
            servers: servers.recv().expect("the mocks started"),
        }
    }
}
