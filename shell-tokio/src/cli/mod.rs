//! Argument parsing and the exit-code policy shared by the subcommands.
//!
//! Exit codes: 0 success; 1 the input was bad (a parser limit was exceeded, or a replayed
//! stream ended in error), or for `chat` the provider call failed or its stream ended in error;
//! 2 usage or I/O errors (bad flags, an unreadable file, a failed read).
//! A closed standard output (for example `llm-sse parse big.sse | head`) ends the command
//! quietly with 0: whoever closed the pipe has everything it wanted.
//!
//! Every error message on standard error starts with `llm-sse: error: `, usage errors included
//! (clap's own messages are prefixed, keeping their context and usage line).

mod chat;
mod input;
mod mock;
mod output;
mod parse;
mod replay;
mod serve;
mod text;

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind;
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
    /// Prints the normalized gateway frames (default), one chunk JSON per line, the answer
    /// text, or the stream in a client's dialect (OpenAI chunks or Anthropic events, with the id
    /// `chatcmpl-replay` / `msg_replay`, the provider's name as the model and `created` 0). Exits 0 when the stream ended normally, 1 when it ended in error (the error terminal
    /// frame is still printed), 2 on usage or I/O errors.
    Replay(ReplayArgs),
    /// Serve a recorded provider response body as a mock provider, with pacing and faults.
    ///
    /// Prints the address it listens on as the first line of standard output, logs each
    /// request on standard error, and serves until interrupted. Exits 2 on usage or I/O errors.
    Mock(mock::MockArgs),
    /// Run the streaming gateway: POST /v1/chat/stream/{anthropic|openai|gemini}.
    ///
    /// Answers chat requests (JSON) with normalized server-sent-event frames, from the
    /// providers or, with --mock, from recordings. Prints the address it listens on as the
    /// first line of standard output, logs one line per request on standard error, and shuts
    /// down gracefully on SIGINT or SIGTERM. Keys and base URLs come from the environment
    /// (ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY, ...); LLM_SSE_TOKEN sets the token
    /// clients must send. Exits 2 on usage or I/O errors.
    Serve(serve::ServeArgs),
    /// Stream a provider's answer to a prompt to standard output.
    ///
    /// The answer is written as it arrives; each tool call as a line `name(arguments)`;
    /// reasoning (dimmed on a terminal), then the finish reason and usage, on standard error.
    /// The key comes from ANTHROPIC_API_KEY, OPENAI_API_KEY, or GEMINI_API_KEY (else
    /// GOOGLE_API_KEY); the base URL from --base-url, ANTHROPIC_BASE_URL, OPENAI_BASE_URL or
    /// GEMINI_BASE_URL; timeouts (seconds) from LLM_SSE_CONNECT_TIMEOUT,
    /// LLM_SSE_RESPONSE_TIMEOUT, LLM_SSE_IDLE_TIMEOUT, retries from LLM_SSE_MAX_RETRIES;
    /// proxies from HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY. Exits 0 when the answer
    /// ended normally, 1 when the provider refused the call or the stream ended in error, 2 on
    /// usage errors.
    Chat(chat::ChatArgs),
}

/// The largest `--chunk-size`: the command holds one chunk in memory at a time.
const MAX_CHUNK_SIZE: u64 = 16 * 1024 * 1024;

/// Options shared by both subcommands.
#[derive(Debug, Args)]
struct InputArgs {
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
    file: Option<PathBuf>,
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
    /// The provider whose streaming format the input is in: anthropic, openai or gemini.
    #[arg(long, value_name = "PROVIDER", value_parser = parse_provider)]
    provider: Provider,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Frames)]
    format: Format,
    #[command(flatten)]
    input: InputArgs,
}

/// `--provider`: the core's own names (`anthropic`, `openai`, `gemini`).
fn parse_provider(name: &str) -> Result<Provider, String> {
    name.parse::<Provider>().map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// The exact normalized SSE frames the gateway sends.
    Frames,
    /// One chunk as compact JSON per line (including chunks that have no frame).
    Jsonl,
    /// The answer text as it streams; reasoning and tool calls marked; summary on stderr.
    Text,
    /// The stream an OpenAI Chat Completions client gets from the gateway (usage included).
    #[value(name = "openai")]
    OpenAi,
    /// The stream an Anthropic Messages client gets from the gateway.
    Anthropic,
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

/// The whole command: parses the arguments, runs the subcommand and returns the exit code.
pub(crate) fn main() -> ExitCode {
    match Cli::try_parse() {
        Ok(cli) => run(cli),
        Err(err) => usage_error(&err),
    }
}

/// Prints what clap stopped with. `--help` and `--version` go to standard output with exit
/// code 0; usage errors go to standard error as `llm-sse: error: ...` with exit code 2.
fn usage_error(err: &clap::Error) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // A closed standard output is not worth reporting here.
            let _ = err.print();
            ExitCode::SUCCESS
        }
        // No subcommand at all: clap renders the help; say why it is shown.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!(
                "llm-sse: error: a subcommand is required\n\n{}",
                err.render()
            );
            ExitCode::from(2)
        }
        _ => {
            let text = err.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            eprint!("llm-sse: error: {text}");
            ExitCode::from(2)
        }
    }
}

/// Runs the command and maps its outcome to the exit code.
fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Parse(args) => parse::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Mock(args) => mock::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Chat(args) => chat::run(&args),
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
