//! `llm-sse chat`: one prompt to a provider, the answer streamed to standard output.
//!
//! - The answer text goes to standard output as it arrives, flushed after each chunk.
//! - Each tool call is one line `name(arguments)` on standard output, once its arguments are
//!   complete (when the stream moves on to something else, or ends).
//! - Reasoning goes to standard error as it arrives, dimmed when standard error is a terminal
//!   (and `NO_COLOR` is unset), and ends with a line end before anything else is written.
//! - At the end, standard error gets the summary of [`summary`]: id, model, finish reason,
//!   usage, and the error when the stream ended in one.
//!
//! Errors before the stream starts are one line, `llm-sse: error: ...`, from
//! [`ProviderError`]'s `Display`: a missing key names the variable to set, an HTTP error shows
//! the status and the provider's message. The key itself is never printed.
//!
//! Exit codes: 0 the answer ended normally; 1 the provider refused the call, could not be
//! reached, or the stream ended in error; 2 usage errors (bad flags, a request the provider's
//! rules refuse, an unusable base URL or setting variable).

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;
use llm_sse_core::request::{ChatMessage, ChatRequest};
use llm_sse_core::{Finish, Provider, StreamChunk};
use llm_sse_tokio::{Client, ProviderError};

use super::args::parse_provider;
use super::failure::Failure;
use super::output::Output;
use super::text::{Layout, TextRenderer, colors, summary};

/// The model used when `--model` is not given. The `--model` help repeats these names (a unit
/// test keeps them in step).
pub(super) fn default_model(provider: Provider) -> &'static str {
    provider.default_model()
}

#[derive(Debug, Args)]
pub(super) struct ChatArgs {
    /// The provider: anthropic, openai (or any OpenAI-compatible server, with --base-url),
    /// gemini, bedrock (Claude on Amazon Bedrock) or vertex (Claude on Vertex AI).
    #[arg(long, value_name = "PROVIDER", value_parser = parse_provider)]
    provider: Provider,
    /// The model. Default: claude-sonnet-4-5 for anthropic, gpt-4.1-mini for openai,
    /// gemini-2.5-flash for gemini, anthropic.claude-sonnet-4-5-20250929-v1:0 for bedrock (which
    /// also takes an inference profile such as us.anthropic.claude-sonnet-4-5-20250929-v1:0),
    /// claude-sonnet-4-5@20250929 for vertex.
    #[arg(long, value_name = "M")]
    model: Option<String>,
    /// A system prompt.
    #[arg(long, value_name = "S")]
    system: Option<String>,
    /// The sampling temperature (the provider's default when absent).
    #[arg(long, value_name = "T", value_parser = parse_temperature)]
    temperature: Option<f64>,
    /// The most tokens to generate (Anthropic requires a limit: 4096 when absent).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_tokens: Option<u32>,
    /// The provider's base URL, instead of ANTHROPIC_BASE_URL, OPENAI_BASE_URL (including its
    /// /v1), GEMINI_BASE_URL, AWS_ENDPOINT_URL_BEDROCK_RUNTIME or ANTHROPIC_VERTEX_BASE_URL
    /// (including its /v1; the project and region are appended), or the provider's own.
    #[arg(long, value_name = "U")]
    base_url: Option<String>,
    /// The prompt: the user's message.
    #[arg(value_name = "PROMPT")]
    prompt: String,
}

/// `--temperature`: a finite number (each provider's range is checked with the request).
fn parse_temperature(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(t) if t.is_finite() => Ok(t),
        _ => Err("expected a number, such as 0.7".into()),
    }
}

impl ChatArgs {
    fn request(&self) -> ChatRequest {
        let mut messages = Vec::with_capacity(2);
        if let Some(system) = &self.system {
            messages.push(ChatMessage::system(system.as_str()));
        }
        messages.push(ChatMessage::user(self.prompt.as_str()));
        let model = self
            .model
            .clone()
            .unwrap_or_else(|| default_model(self.provider).to_owned());
        let mut request = ChatRequest::new(model, messages);
        if let Some(t) = self.temperature {
            request = request.with_temperature(t);
        }
        if let Some(n) = self.max_tokens {
            request = request.with_max_tokens(n);
        }
        request
    }
}

pub(super) fn run(args: &ChatArgs) -> Result<ExitCode, Failure> {
    let settings = match llm_sse_tokio::settings_from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("llm-sse: error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let settings = match &args.base_url {
        Some(url) => settings.with_base_url(args.provider, url.as_str()),
        None => settings,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("llm-sse: error: cannot start the runtime: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let client = Client::new(settings);
    runtime.block_on(chat(&client, args.provider, args.request()))
}

async fn chat(
    client: &Client,
    provider: Provider,
    request: ChatRequest,
) -> Result<ExitCode, Failure> {
    let mut stream = match client.stream(provider, request).await {
        Ok(stream) => stream,
        Err(error) => {
            eprintln!("llm-sse: error: {error}");
            let code = match error {
                ProviderError::InvalidRequest(_) | ProviderError::InvalidBaseUrl { .. } => 2,
                _ => 1,
            };
            return Ok(ExitCode::from(code));
        }
    };
    let mut out = Output::stdout();
    let stderr = io::stderr();
    let mut renderer = TextRenderer::new(Layout::aside(colors(stderr.is_terminal())));
    let (mut text, mut notes) = (Vec::new(), Vec::new());
    let mut finish: Option<Finish> = None;
    while let Some(chunk) = stream.next_chunk().await {
        renderer.render(&chunk, &mut text, &mut notes);
        if let StreamChunk::Done(fin) = chunk {
            finish = Some(*fin);
        }
        // Standard error first: what it holds (reasoning) came before this chunk's text.
        if !notes.is_empty() {
            // A closed standard error is nobody's loss; standard output still matters.
            let _ = stderr.lock().write_all(&notes);
            notes.clear();
        }
        if !text.is_empty() {
            out.write(&text)?;
            out.flush()?;
            text.clear();
        }
    }
    let Some(finish) = finish else {
        // A stream always ends with its terminal chunk; nothing to summarize otherwise.
        return Ok(ExitCode::from(1));
    };
    let _ = stderr.lock().write_all(summary(&finish).as_bytes());
    Ok(if finish.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_help_names_each_default_model() {
        let mut cli = super::super::Cli::command();
        let chat = cli.find_subcommand_mut("chat").unwrap();
        let help = chat.render_long_help().to_string();
        for provider in Provider::ALL {
            let line = format!("{} for {}", default_model(provider), provider.as_str());
            assert!(help.contains(&line), "{line:?} missing from\n{help}");
        }
    }

    #[test]
    fn temperatures() {
        assert_eq!(parse_temperature("0.7"), Ok(0.7));
        assert!(parse_temperature("hot").is_err());
        assert!(parse_temperature("NaN").is_err());
        assert!(parse_temperature("inf").is_err());
    }
}
