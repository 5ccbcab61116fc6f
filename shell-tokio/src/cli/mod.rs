//! Argument parsing and the exit-code policy shared by the subcommands.
//!
//! Exit codes: 0 success; 1 the input was bad (a parser limit was exceeded, or a replayed
//! stream ended in error); 2 usage or I/O errors (bad flags, an unreadable file, a failed read).
//! A closed standard output (for example `llm-sse parse big.sse | head`) ends the command
//! quietly with 0: whoever closed the pipe has everything it wanted.

mod input;
mod mock;
mod output;
mod parse;
mod replay;
mod text;

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use llm_sse_core::Provider;
use llm_sse_core::sse::Limits;

/// Parse server-sent events and normalize LLM provider streams.
#[derive(Debug, Parser)]
#[command(name = "llm-sse", version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse a raw SSE stream and print each event as one JSON object per line.
    ///
    /// Prints `{"event":"<type>","data":"<data>","id":"<last event id>"}` for each dispatched
    /// event and `{"retry":<ms>}` where a valid retry field is processed. Exits 0 at the end of
    /// the input (with a warning on stderr when the last event was never terminated by a blank
    /// line), 1 when a limit was exceeded, 2 on usage or I/O errors.
    Parse(ParseArgs),
    /// Replay a recorded provider response body through the normalizer.
    ///
    /// Prints the normalized gateway frames (default), one chunk JSON per line, or the answer
    /// text. Exits 0 when the stream ended normally, 1 when it ended in error (the error terminal
    /// frame is still printed), 2 on usage or I/O errors.
    Replay(ReplayArgs),
    /// Serve a recorded provider response body as a mock provider, with pacing and faults.
    ///
    /// Prints the address it listens on as the first line of standard output, logs each
    /// request on standard error, and serves until interrupted. Exits 2 on usage or I/O errors.
    Mock(mock::MockArgs),
}

/// Options shared by both subcommands.
#[derive(Debug, Args)]
struct InputArgs {
    /// Feed the bytes to the parser in chunks of exactly N bytes (the last may be shorter)
    /// instead of as they are read (at most 16 MiB).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1 << 24))]
    chunk_size: Option<u64>,
    /// Largest event data accepted, in bytes (lines may be up to 1 KiB longer); the default is
    /// 16 MiB. A larger event is an error rather than unbounded buffering.
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    max_event_size: Option<u64>,
    /// The input file; standard input when absent or `-`.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
}

impl InputArgs {
    fn limits(&self) -> Limits {
        match self.max_event_size {
            Some(n) => Limits::with_max_event_size(usize::try_from(n).unwrap_or(usize::MAX)),
            None => Limits::DEFAULT,
        }
    }

    fn chunk_size(&self) -> Option<usize> {
        self.chunk_size
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
    }
}

#[derive(Debug, Args)]
struct ParseArgs {
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Debug, Args)]
struct ReplayArgs {
    /// The provider whose streaming format the input is in.
    #[arg(long, value_enum)]
    provider: ProviderArg,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Frames)]
    format: Format,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProviderArg {
    /// Anthropic Messages API.
    Anthropic,
    /// OpenAI Chat Completions and compatible servers.
    Openai,
    /// Google Gemini `streamGenerateContent?alt=sse`.
    Gemini,
}

impl From<ProviderArg> for Provider {
    fn from(p: ProviderArg) -> Provider {
        match p {
            ProviderArg::Anthropic => Provider::Anthropic,
            ProviderArg::Openai => Provider::OpenAi,
            ProviderArg::Gemini => Provider::Gemini,
        }
    }
}

/// The output format of `replay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// The exact normalized SSE frames the gateway sends.
    Frames,
    /// One chunk as compact JSON per line (including chunks that have no frame).
    Jsonl,
    /// The answer text as it streams; reasoning and tool calls marked; summary on stderr.
    Text,
}

/// Why a subcommand stopped early.
#[derive(Debug)]
enum Failure {
    /// The input file could not be opened.
    Open(PathBuf, io::Error),
    /// Reading the input failed.
    Read(io::Error),
    /// Writing standard output failed.
    Write(io::Error),
}

impl From<output::WriteError> for Failure {
    fn from(e: output::WriteError) -> Self {
        Failure::Write(e.0)
    }
}

/// Runs the command and maps its outcome to the exit code.
pub(crate) fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Parse(args) => parse::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Mock(args) => mock::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Write(e)) => {
            eprintln!("llm-sse: error: cannot write to standard output: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Open(path, e)) => {
            eprintln!("llm-sse: error: cannot open {}: {e}", path.display());
            ExitCode::from(2)
        }
        Err(Failure::Read(e)) => {
            eprintln!("llm-sse: error: cannot read the input: {e}");
            ExitCode::from(2)
        }
    }
}
