//! The options and values more than one subcommand takes: the input options, `--provider`.

use std::path::PathBuf;

use clap::Args;
use llm_sse_core::Provider;
use llm_sse_core::sse::Limits;

/// The largest `--chunk-size`: the command holds one chunk in memory at a time.
const MAX_CHUNK_SIZE: u64 = 16 * 1024 * 1024;

/// Options shared by `parse` and `replay`.
#[derive(Debug, Args)]
pub(super) struct InputArgs {
    /// Feed the input to the parser in chunks of exactly N bytes, N from 1 to 16 MiB.
    ///
    /// The last chunk may be shorter. Without this option the input is fed as it is read. N is
    /// at most 16777216 (16 MiB): the command holds one chunk in memory.
    #[arg(long, value_name = "N", value_parser = parse_chunk_size)]
    chunk_size: Option<u64>,
    /// Largest event data accepted, in bytes (default 16 MiB).
    ///
    /// An event's data as dispatched (its data values joined with LF, in UTF-8) may be at most
    /// BYTES bytes, and BYTES is at least 1; lines may be up to 1 KiB longer. A larger event or
    /// line is an error (exit 1), not unbounded buffering.
    #[arg(long, value_name = "BYTES", value_parser = parse_max_event_size)]
    max_event_size: Option<u64>,
    /// The input file; standard input when absent or `-`.
    #[arg(value_name = "FILE")]
    pub(super) file: Option<PathBuf>,
}

/// Parses a `--chunk-size` value, with a message a person can act on.
fn parse_chunk_size(value: &str) -> Result<u64, String> {
    match parse_byte_count(value)? {
        0 => Err("must be at least 1".into()),
        n if n > MAX_CHUNK_SIZE => Err(format!("must be at most {MAX_CHUNK_SIZE} (16 MiB)")),
        n => Ok(n),
    }
}

/// Parses a `--max-event-size` value, with a message a person can act on.
fn parse_max_event_size(value: &str) -> Result<u64, String> {
    match parse_byte_count(value)? {
        0 => Err("must be at least 1".into()),
        n => Ok(n),
    }
}

/// A number of bytes: decimal digits only.
fn parse_byte_count(value: &str) -> Result<u64, String> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected a number of bytes (decimal digits only)".into());
    }
    value
        .parse()
        .map_err(|_| format!("must be at most {}", u64::MAX))
}

impl InputArgs {
    /// The parser's limits (`--max-event-size`).
    pub(super) fn limits(&self) -> Limits {
        match self.max_event_size {
            Some(n) => Limits::with_max_event_size(usize::try_from(n).unwrap_or(usize::MAX)),
            None => Limits::DEFAULT,
        }
    }

    /// `--chunk-size`, when given.
    pub(super) fn chunk_size(&self) -> Option<usize> {
        self.chunk_size
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
    }
}

/// `--provider`: the core's own names (`anthropic`, `openai`, `gemini`).
pub(super) fn parse_provider(name: &str) -> Result<Provider, String> {
    name.parse::<Provider>().map_err(|e| e.to_string())
}
