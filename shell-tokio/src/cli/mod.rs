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

mod args;
mod chat;
mod failure;
mod input;
mod mock;
mod output;
mod parse;
mod replay;
mod serve;
mod text;

use std::io;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use failure::Failure;
use parse::ParseArgs;
use replay::ReplayArgs;

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
    /// Serves the provider's streaming endpoint with its content type and error bodies (Amazon
    /// Bedrock: a binary .eventstream recording, or an Anthropic .sse one re-framed; errors
    /// named in x-amzn-errortype). Prints the address it listens on as the first line of
    /// standard output, logs each request on standard error, and serves until interrupted.
    /// Exits 2 on usage or I/O errors.
    Mock(mock::MockArgs),
    /// Run the streaming gateway: POST /v1/chat/stream/{anthropic|openai|gemini|bedrock|vertex}.
    ///
    /// Answers chat requests (JSON) with normalized server-sent-event frames, from the
    /// providers or, with --mock, from recordings. Prints the address it listens on as the
    /// first line of standard output, logs one line per request on standard error, and shuts
    /// down gracefully on SIGINT or SIGTERM. Keys and base URLs come from the environment
    /// (ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY, ...; Amazon Bedrock's and Vertex AI's
    /// credentials as for `chat`); LLM_SSE_TOKEN sets the token clients must send. Exits 2 on
    /// usage or I/O errors.
    Serve(serve::ServeArgs),
    /// Stream a provider's answer to a prompt to standard output.
    ///
    /// The answer is written as it arrives; each tool call as a line `name(arguments)`;
    /// reasoning (dimmed on a terminal), then the finish reason and usage, on standard error.
    /// The key comes from ANTHROPIC_API_KEY, OPENAI_API_KEY, or GEMINI_API_KEY (else
    /// GOOGLE_API_KEY); the base URL from --base-url, ANTHROPIC_BASE_URL, OPENAI_BASE_URL or
    /// GEMINI_BASE_URL. Amazon Bedrock (bedrock) signs with AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (or AWS_PROFILE's static keys in the shared
    /// files, or the container credentials of AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
    /// AWS_CONTAINER_CREDENTIALS_FULL_URI in an ECS task or EKS pod) for AWS_REGION (else AWS_DEFAULT_REGION), at AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
    /// AWS_ENDPOINT_URL or the region's endpoint. Vertex AI (vertex) calls project
    /// ANTHROPIC_VERTEX_PROJECT_ID in region CLOUD_ML_REGION (at ANTHROPIC_VERTEX_BASE_URL, up to
    /// its /v1, or the region's endpoint) with a token from CLOUDSDK_AUTH_ACCESS_TOKEN, the
    /// credentials file GOOGLE_APPLICATION_CREDENTIALS names (a service account key or an
    /// authorized_user file), gcloud's application-default credentials, or the metadata server
    /// (at GCE_METADATA_HOST, or on a Linux machine on Google Cloud; NO_GCE_CHECK=true: never).
    /// Timeouts (seconds) from LLM_SSE_CONNECT_TIMEOUT,
    /// LLM_SSE_RESPONSE_TIMEOUT, LLM_SSE_IDLE_TIMEOUT, retries from LLM_SSE_MAX_RETRIES;
    /// proxies from HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY. Exits 0 when the answer
    /// ended normally, 1 when the provider refused the call or the stream ended in error, 2 on
    /// usage errors.
    Chat(chat::ChatArgs),
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
