//! Replays a recorded provider stream (a `.sse` file, the raw response body as the provider sent
//! it) through `ChunkReader`, and prints the answer as a person would read it.
//!
//! ```sh
//! cargo run -p llm-sse-blocking --example replay -- anthropic tests/fixtures/anthropic/tool_use.sse
//! ```
//!
//! The answer goes to standard output as it is decoded; reasoning lines start with `> `, each
//! tool call is one line once its arguments are complete, and how the stream ended goes to
//! standard error. Exits 1 when the stream ended in error.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::process::ExitCode;

use llm_sse_blocking::ChunkReader;
use llm_sse_blocking::core::{Provider, StreamChunk};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [provider, path] = &args[..] else {
        eprintln!("usage: replay anthropic|openai|gemini FILE.sse");
        return ExitCode::from(2);
    };
    let provider: Provider = match provider.parse() {
        Ok(provider) => provider,
        Err(e) => {
            eprintln!("replay: {e}");
            return ExitCode::from(2);
        }
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("replay: {path}: {e}");
            return ExitCode::from(2);
        }
    };

    let mut out = io::stdout().lock();
    // Tool calls by stream index: (name, arguments so far).
    let mut calls: BTreeMap<u32, (String, String)> = BTreeMap::new();
    let mut reasoning = false;
    for chunk in ChunkReader::new(file, provider) {
        let written = match chunk {
            StreamChunk::Token(text) => {
                if std::mem::take(&mut reasoning) {
                    let _ = writeln!(out);
                }
                write!(out, "{text}")
            }
            StreamChunk::Reasoning(text) => {
                let prefix = if std::mem::replace(&mut reasoning, true) {
                    ""
                } else {
                    "> "
                };
                write!(out, "{prefix}{text}")
            }
            StreamChunk::ToolCallStart(start) => {
                calls.insert(start.index, (start.name, start.arguments));
                Ok(())
            }
            StreamChunk::ToolCallArguments(more) => {
                if let Some((_, arguments)) = calls.get_mut(&more.index) {
                    arguments.push_str(&more.fragment);
                }
                Ok(())
            }
            StreamChunk::Done(finish) => {
                let _ = writeln!(out);
                for (name, arguments) in calls.values() {
                    let _ = writeln!(out, "[tool_call {name}({arguments})]");
                }
                let _ = out.flush();
                eprintln!(
                    "finish: {} (provider: {})",
                    finish.finish_reason_str(),
                    finish.provider_finish_reason.as_deref().unwrap_or("-")
                );
                if let Some(usage) = &finish.usage {
                    eprintln!(
                        "usage: input_tokens={} output_tokens={}",
                        usage.input_tokens, usage.output_tokens
                    );
                }
                if let Some(error) = finish.error() {
                    eprintln!("error: {}: {}", error.error_type(), error.message);
                    return ExitCode::from(1);
                }
                return ExitCode::SUCCESS;
            }
            _ => Ok(()), // signatures and block breaks carry nothing to print
        };
        if written.and_then(|()| out.flush()).is_err() {
            return ExitCode::SUCCESS; // standard output was closed: stop quietly
        }
    }
    ExitCode::SUCCESS
}
