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

use super::output::Output;
use super::text::summary;
use super::{Failure, parse_provider};

/// The model used when `--model` is not given. The `--model` help repeats these names (a unit
/// test keeps them in step).
pub(super) fn default_model(provider: Provider) -> &'static str {
    provider.default_model()
}

#[derive(Debug, Args)]
pub(super) struct ChatArgs {
    /// The provider: anthropic, openai (or any OpenAI-compatible server, with --base-url) or
    /// gemini.
    #[arg(long, value_name = "PROVIDER", value_parser = parse_provider)]
    provider: Provider,
    /// The model [default: claude-sonnet-4-5 for anthropic, gpt-4.1-mini for openai,
    /// gemini-2.5-flash for gemini].
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
    /// /v1) or GEMINI_BASE_URL, or the provider's own.
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
    let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut renderer = ChatRenderer::new(color);
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

const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// A tool call whose arguments are still arriving.
#[derive(Debug)]
struct PendingCall {
    index: u32,
    name: String,
    arguments: String,
}

/// Renders chunks for `chat`: answer text and tool calls into `out` (standard output),
/// reasoning into `err` (standard error).
#[derive(Debug)]
pub(super) struct ChatRenderer {
    color: bool,
    /// How many line ends standard output ends with (0, 1 or 2; 2 at the start).
    out_newlines: u8,
    /// Something was written to standard output.
    out_started: bool,
    /// A block break arrived after some text: the next text starts a new paragraph.
    paragraph_pending: bool,
    /// Reasoning is being written to standard error.
    reasoning_open: bool,
    /// Standard error's reasoning ends with a line end.
    err_at_line_start: bool,
    calls: Vec<PendingCall>,
}

impl ChatRenderer {
    pub(super) fn new(color: bool) -> ChatRenderer {
        ChatRenderer {
            color,
            out_newlines: 2,
            out_started: false,
            paragraph_pending: false,
            reasoning_open: false,
            err_at_line_start: true,
            calls: Vec::new(),
        }
    }

    pub(super) fn render(&mut self, chunk: &StreamChunk, out: &mut Vec<u8>, err: &mut Vec<u8>) {
        match chunk {
            StreamChunk::Token(text) => {
                self.write_calls(out);
                self.close_reasoning(err);
                if std::mem::take(&mut self.paragraph_pending) {
                    while self.out_newlines < 2 {
                        self.write_out("\n", out);
                    }
                }
                self.write_out(text, out);
            }
            StreamChunk::Reasoning(text) => {
                self.write_calls(out);
                self.write_reasoning(text, err);
            }
            StreamChunk::RedactedReasoning(_) => {
                self.write_calls(out);
                if !self.err_at_line_start {
                    self.write_reasoning("\n", err);
                }
                self.write_reasoning("[redacted reasoning]\n", err);
            }
            StreamChunk::ToolCallStart(start) => {
                self.close_reasoning(err);
                self.calls.push(PendingCall {
                    index: start.index,
                    name: start.name.clone(),
                    arguments: start.arguments.clone(),
                });
            }
            StreamChunk::ToolCallArguments(args) => {
                if let Some(call) = self.calls.iter_mut().find(|c| c.index == args.index) {
                    call.arguments.push_str(&args.fragment);
                }
            }
            StreamChunk::BlockBreak => {
                self.paragraph_pending = self.out_started && self.out_newlines < 2;
            }
            StreamChunk::Done(_) => {
                self.write_calls(out);
                self.close_reasoning(err);
                if self.out_newlines == 0 {
                    self.write_out("\n", out);
                }
            }
            // Signatures matter to an API round trip, not to a reader.
            _ => {}
        }
    }

    fn write_out(&mut self, text: &str, out: &mut Vec<u8>) {
        if text.is_empty() {
            return;
        }
        out.extend_from_slice(text.as_bytes());
        self.out_started = true;
        let ends = text
            .bytes()
            .rev()
            .take(2)
            .take_while(|&b| b == b'\n')
            .count();
        self.out_newlines = if ends == text.len() {
            (usize::from(self.out_newlines) + ends).min(2) as u8
        } else {
            ends as u8
        };
    }

    fn write_reasoning(&mut self, text: &str, err: &mut Vec<u8>) {
        if text.is_empty() {
            return;
        }
        if !self.reasoning_open {
            self.reasoning_open = true;
            if self.color {
                err.extend_from_slice(DIM.as_bytes());
            }
        }
        err.extend_from_slice(text.as_bytes());
        self.err_at_line_start = text.ends_with('\n');
    }

    /// Ends the reasoning: colour reset, and a line end unless it ended with one.
    fn close_reasoning(&mut self, err: &mut Vec<u8>) {
        if !std::mem::take(&mut self.reasoning_open) {
            return;
        }
        if self.color {
            err.extend_from_slice(RESET.as_bytes());
        }
        if !self.err_at_line_start {
            err.push(b'\n');
            self.err_at_line_start = true;
        }
    }

    /// Writes the complete tool calls, one line each.
    fn write_calls(&mut self, out: &mut Vec<u8>) {
        if self.calls.is_empty() {
            return;
        }
        if self.out_newlines == 0 {
            self.write_out("\n", out);
        }
        for call in std::mem::take(&mut self.calls) {
            let line = format!("{}({})\n", call.name, call.arguments);
            self.write_out(&line, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use llm_sse_core::{
        FinishReason, StreamError, StreamErrorKind, ToolCallArguments, ToolCallStart,
    };

    fn done() -> StreamChunk {
        StreamChunk::Done(Box::new(Finish {
            provider: Provider::Anthropic,
            id: None,
            model: None,
            outcome: Ok(FinishReason::Stop),
            provider_finish_reason: None,
            usage: None,
        }))
    }

    fn render(color: bool, chunks: &[StreamChunk]) -> (String, String) {
        let mut renderer = ChatRenderer::new(color);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        for chunk in chunks {
            renderer.render(chunk, &mut out, &mut err);
        }
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn call(index: u32, name: Option<&str>, arguments: &str) -> StreamChunk {
        match name {
            Some(name) => StreamChunk::ToolCallStart(ToolCallStart {
                index,
                id: None,
                name: name.into(),
                arguments: arguments.into(),
            }),
            None => StreamChunk::ToolCallArguments(ToolCallArguments {
                index,
                fragment: arguments.into(),
            }),
        }
    }

    #[test]
    fn text_is_written_unchanged_and_ends_with_a_line_end() {
        let chunks = [
            StreamChunk::Token("Hel".into()),
            StreamChunk::Token("lo\n\nwörld".into()),
            done(),
        ];
        assert_eq!(
            render(false, &chunks),
            ("Hello\n\nwörld\n".into(), "".into())
        );
        let chunks = [StreamChunk::Token("line\n".into()), done()];
        assert_eq!(render(false, &chunks).0, "line\n");
        assert_eq!(render(false, &[done()]).0, "", "no answer, no output");
    }

    #[test]
    fn reasoning_goes_to_stderr_dimmed_on_a_terminal() {
        let chunks = [
            StreamChunk::Reasoning("Let me".into()),
            StreamChunk::Reasoning(" think.".into()),
            StreamChunk::ReasoningSignature("sig".into()),
            StreamChunk::Token("Answer".into()),
            done(),
        ];
        assert_eq!(
            render(false, &chunks),
            ("Answer\n".into(), "Let me think.\n".into())
        );
        assert_eq!(
            render(true, &chunks),
            ("Answer\n".into(), "\x1b[2mLet me think.\x1b[0m\n".into())
        );
        let chunks = [
            StreamChunk::RedactedReasoning("EmwK".into()),
            StreamChunk::Token("A".into()),
        ];
        assert_eq!(render(false, &chunks).1, "[redacted reasoning]\n");
    }

    #[test]
    fn tool_calls_are_lines_once_complete() {
        let chunks = [
            StreamChunk::Token("Checking.".into()),
            call(0, Some("get_weather"), ""),
            call(1, Some("get_time"), "{\"tz\":"),
            call(0, None, "{\"city\":\"Paris\"}"),
            call(1, None, "\"CET\"}"),
            done(),
        ];
        assert_eq!(
            render(false, &chunks).0,
            "Checking.\nget_weather({\"city\":\"Paris\"})\nget_time({\"tz\":\"CET\"})\n"
        );
        assert_eq!(
            render(false, &chunks[..5]).0,
            "Checking.",
            "held until complete"
        );
        let chunks = [
            call(0, Some("f"), "{}"),
            StreamChunk::Token("after".into()),
            done(),
        ];
        assert_eq!(render(false, &chunks).0, "f({})\nafter\n");
    }

    #[test]
    fn block_breaks_separate_paragraphs() {
        let chunks = [
            StreamChunk::Token("I'll search.".into()),
            StreamChunk::BlockBreak,
            StreamChunk::Token("Found it.".into()),
            done(),
        ];
        assert_eq!(render(false, &chunks).0, "I'll search.\n\nFound it.\n");
        let chunks = [StreamChunk::BlockBreak, StreamChunk::Token("A".into())];
        assert_eq!(render(false, &chunks).0, "A");
    }

    #[test]
    fn an_error_end_still_ends_the_line() {
        let error = StreamError::new(StreamErrorKind::ConnectionError, "reset");
        let chunks = [
            StreamChunk::Token("partial".into()),
            StreamChunk::Done(Box::new(Finish {
                provider: Provider::OpenAi,
                id: None,
                model: None,
                outcome: Err(error),
                provider_finish_reason: None,
                usage: None,
            })),
        ];
        assert_eq!(render(false, &chunks).0, "partial\n");
    }

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
