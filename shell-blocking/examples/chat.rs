//! Streams a chat to standard output with the blocking client.
//!
//! ```sh
//! ANTHROPIC_API_KEY=sk-ant-... cargo run -p llm-sse-blocking --example chat -- anthropic claude-sonnet-4-5 "Why is the sky blue?"
//! OPENAI_BASE_URL=http://localhost:11434/v1 OPENAI_API_KEY=ollama \
//!     cargo run -p llm-sse-blocking --example chat -- openai llama3.2 "Hello"
//! ```
//!
//! Everything else comes from the environment as for any client: the API keys, the base URLs,
//! `LLM_SSE_CONNECT_TIMEOUT`, `LLM_SSE_RESPONSE_TIMEOUT`, `LLM_SSE_IDLE_TIMEOUT`,
//! `LLM_SSE_MAX_RETRIES`, and the proxy variables. Tokens are printed as they arrive; how the
//! stream ended goes to standard error. Exits 1 when the call or the stream failed.

use std::io::{self, Write};
use std::process::ExitCode;

use llm_sse_blocking::core::{Provider, StreamChunk};
use llm_sse_blocking::{ChatMessage, Client};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [provider, model, prompt] = &args[..] else {
        eprintln!("usage: chat anthropic|openai|gemini MODEL PROMPT");
        return ExitCode::from(2);
    };
    let provider: Provider = match provider.parse() {
        Ok(provider) => provider,
        Err(e) => {
            eprintln!("chat: {e}");
            return ExitCode::from(2);
        }
    };
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("chat: {e}");
            return ExitCode::from(2);
        }
    };

    // Blocks until the provider starts streaming (or the retries are spent).
    let stream =
        match client.stream_chat(provider, [ChatMessage::user(prompt.as_str())], model, 0.7) {
            Ok(stream) => stream,
            Err(e) => {
                eprintln!("chat: {e}");
                return ExitCode::from(1);
            }
        };
    if stream.retries() > 0 {
        eprintln!("({} retries)", stream.retries());
    }
    let mut out = io::stdout().lock();
    for chunk in stream {
        match chunk {
            StreamChunk::Token(text) => {
                let written = write!(out, "{text}").and_then(|()| out.flush());
                if written.is_err() {
                    return ExitCode::SUCCESS; // standard output was closed
                }
            }
            StreamChunk::Done(finish) => {
                let _ = writeln!(out);
                eprintln!(
                    "[{} {} {}]",
                    finish.model.as_deref().unwrap_or("?"),
                    finish.finish_reason_str(),
                    finish.usage.map_or(String::new(), |usage| format!(
                        "{} in / {} out",
                        usage.input_tokens, usage.output_tokens
                    ))
                );
                if let Some(error) = finish.error() {
                    eprintln!(
                        "chat: the stream failed: {}: {}",
                        error.error_type(),
                        error.message
                    );
                    return ExitCode::from(1);
                }
            }
            _ => {} // reasoning, tool calls: not asked for here
        }
    }
    ExitCode::SUCCESS
}
