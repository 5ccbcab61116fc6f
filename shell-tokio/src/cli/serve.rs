//! `llm-sse serve`: run the streaming gateway ([`llm_sse_tokio::gateway`]).
//!
//! The first line of standard output is the address it listens on; logs go to standard error
//! (one line per request; `--log-format json` for JSON lines; `RUST_LOG` filters). It serves
//! until SIGINT or SIGTERM, then shuts down gracefully (a second signal stops it at once).

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use llm_sse_core::client::Settings;
use llm_sse_core::gateway::{AliasError, ModelAlias, Models, TOKEN_ENV};
use llm_sse_tokio::gateway::{
    DEFAULT_BACKLOG, DEFAULT_RESUME_MAX_BYTES, Gateway, Recordings, ReplayUpstream, ResumeStore,
    Shutdown, Upstream,
};
use llm_sse_tokio::mock::Pacing;
use tracing_subscriber::EnvFilter;

use super::failure::Failure;
use super::mock::interrupted;

#[derive(Debug, Args)]
pub(super) struct ServeArgs {
    /// The address to listen on. Beyond loopback, set LLM_SSE_TOKEN.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// How many connections the kernel may queue before the gateway accepts them (the listen
    /// backlog), so that a burst of new clients is not dropped. Linux caps it at
    /// net.core.somaxconn; the gateway warns when it does.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BACKLOG,
          value_parser = clap::value_parser!(u32).range(1..))]
    backlog: u32,
    /// Serve recorded streams instead of calling providers (no key needed).
    ///
    /// Without a value: the recordings built in (text, a tool call and reasoning per
    /// provider). A directory: `DIR/PROVIDER/NAME.sse`, like tests/fixtures. A file:
    /// `.../PROVIDER/NAME.sse`, for that provider. A request whose "model" is a recording's
    /// NAME gets that recording, others get "text" (else the first by name).
    #[arg(long, value_name = "DIR_OR_FILE", num_args = 0..=1)]
    mock: Option<Option<PathBuf>>,
    /// With --mock: the pause between two recorded events, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 20, requires = "mock")]
    mock_delay_ms: u64,
    /// A model name for the OpenAI and Anthropic endpoints: NAME=provider/model, such as
    /// fast=gemini/gemini-2.5-flash (repeatable). GET /v1/models lists the aliases.
    #[arg(long, value_name = "NAME=PROVIDER/MODEL", value_parser = parse_alias)]
    model_alias: Vec<ModelAlias>,
    /// Allow browser pages from this origin (repeatable; `*` for any), preflight included.
    #[arg(long, value_name = "ORIGIN")]
    cors_origin: Vec<String>,
    /// The longest silence from a provider between two pieces of a stream, in seconds, before
    /// the stream ends with an idle_timeout error frame (default: LLM_SSE_IDLE_TIMEOUT, else 60).
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    idle_timeout: Option<Duration>,
    /// On SIGINT/SIGTERM, how long open streams may go on before they are ended, in seconds.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_secs)]
    shutdown_grace: Duration,
    /// Send a `: keep-alive` comment after this many seconds without a frame.
    #[arg(long, value_name = "SECS", default_value = "15", value_parser = parse_secs)]
    keep_alive: Duration,
    /// How log lines are written on standard error.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Make every stream of POST /v1/chat/stream/{provider} resumable (a request can still say
    /// llm-sse-resumable: false). Without it, only requests with llm-sse-resumable: true are.
    #[arg(long)]
    resumable: bool,
    /// Keep resumable streams in Redis (redis://HOST:PORT[/DB]; Redis 6.2 or later), so that
    /// any gateway instance sharing it resumes any stream. Default: in this process's memory.
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    /// The most bytes of resumable streams kept in memory (with the Redis store: of the live
    /// streams this instance writes). Suffixes K, M and G count KiB, MiB and GiB.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_RESUME_MAX_BYTES,
          value_parser = parse_bytes)]
    resume_max_bytes: usize,
    /// How long a resumable stream is kept after it ended, in seconds.
    #[arg(long, value_name = "SECS", default_value = "600", value_parser = parse_secs)]
    resume_ttl: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// One line of text per event.
    Text,
    /// One JSON object per line.
    Json,
}

fn parse_alias(value: &str) -> Result<ModelAlias, String> {
    value.parse().map_err(|e: AliasError| e.to_string())
}

/// A number of bytes, with an optional suffix K, M or G (KiB, MiB, GiB).
fn parse_bytes(value: &str) -> Result<usize, String> {
    let value = value.trim();
    let (digits, shift) = match value.as_bytes().last().map(u8::to_ascii_uppercase) {
        Some(b'K') => (&value[..value.len() - 1], 10),
        Some(b'M') => (&value[..value.len() - 1], 20),
        Some(b'G') => (&value[..value.len() - 1], 30),
        _ => (value, 0),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| "expected a number of bytes, such as 268435456 or 256M".into())
}

/// A positive number of seconds (a decimal number is accepted).
fn parse_secs(value: &str) -> Result<Duration, String> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| "expected a positive number of seconds".into())
}

pub(super) fn run(args: &ServeArgs) -> Result<ExitCode, Failure> {
    init_logs(args.log_format);
    let mut settings = match llm_sse_tokio::settings_from_env() {
        Ok(settings) => settings,
        Err(e) => return Ok(usage(&e)),
    };
    if let Some(idle) = args.idle_timeout {
        settings = settings.with_idle_timeout(idle);
    }
    let upstream = match upstream(args, settings) {
        Ok(upstream) => upstream,
        Err(message) => return Ok(usage(&message)),
    };
    let mut models = Models::new();
    for alias in &args.model_alias {
        if let Err(e) = models.add(alias.clone()) {
            return Ok(usage(&format!("--model-alias: {e}")));
        }
    }
    let mut gateway = Gateway::with_upstream(upstream)
        .models(models)
        .addr(args.addr)
        .backlog(args.backlog)
        .keep_alive(args.keep_alive)
        .shutdown_grace(args.shutdown_grace);
    if let Ok(token) = std::env::var(TOKEN_ENV) {
        gateway = gateway.token(&token);
    }
    for origin in &args.cors_origin {
        gateway = gateway.cors_origin(origin.clone());
    }
    gateway = gateway.resumable(args.resumable);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return Ok(usage(&format!("cannot start the runtime: {e}"))),
    };
    runtime.block_on(async {
        let store = match &args.store {
            None => ResumeStore::memory(args.resume_max_bytes, args.resume_ttl),
            Some(url) => {
                match ResumeStore::redis(url, args.resume_ttl, args.resume_max_bytes).await {
                    Ok(store) => store,
                    Err(e) => return Ok(usage(&e)),
                }
            }
        };
        serve(gateway.resume_store(store)).await
    })
}

/// Where the chunks come from: recordings with `--mock`, else the providers.
fn upstream(args: &ServeArgs, settings: Settings) -> Result<Arc<dyn Upstream>, String> {
    let Some(mock) = &args.mock else {
        return Ok(Arc::new(llm_sse_tokio::Client::new(settings)));
    };
    let recordings = match mock {
        None => Recordings::bundled(),
        Some(path) => Recordings::load(path).map_err(|e| e.to_string())?,
    };
    let pacing = Pacing::events().delay(Duration::from_millis(args.mock_delay_ms));
    Ok(Arc::new(ReplayUpstream::new(recordings).pacing(pacing)))
}

fn usage(message: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("llm-sse: error: {message}");
    ExitCode::from(2)
}

fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr);
    // Only fails when a subscriber is already set, which this command never does.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
}

async fn serve(gateway: Gateway) -> Result<ExitCode, Failure> {
    let server = match gateway.start().await {
        Ok(server) => server,
        Err(e) => return Ok(usage(&e)),
    };
    // Before the address is announced: see `interrupted`.
    let first_signal = interrupted();
    {
        let mut out = io::stdout().lock();
        writeln!(out, "{}", server.addr())
            .and_then(|()| out.flush())
            .map_err(Failure::Write)?;
    }
    tracing::info!(target: "llm_sse::gateway", addr = %server.addr(), "listening");
    first_signal.await;
    tracing::info!(target: "llm_sse::gateway", "shutting down");
    tokio::select! {
        how = server.shutdown() => {
            if how == Shutdown::Aborted {
                tracing::warn!(
                    target: "llm_sse::gateway",
                    "the shutdown grace ran out: open streams were ended with an error frame"
                );
            }
        }
        () = interrupted() => {
            tracing::warn!(target: "llm_sse::gateway", "interrupted again: stopping at once");
        }
    }
    Ok(ExitCode::SUCCESS)
}
