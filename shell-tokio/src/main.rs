//! The `llm-sse` command: parse raw server-sent events, or replay a recorded provider stream
//! through the normalizer. See `llm-sse --help`.
//!
//! The command is a thin shell around `llm-sse-core`: it reads bytes, feeds them to the core,
//! and writes what the core produces. It knows no provider's event names or JSON fields.

#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
