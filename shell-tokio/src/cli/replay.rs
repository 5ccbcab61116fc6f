//! `llm-sse replay`: a recorded provider response body fed to the core's [`Normalizer`] piece
//! by piece, its chunks written through the core's [`Encoding`] (what the gateway sends) or
//! the [`TextRenderer`].

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use llm_sse_core::dialect::{Dialect, ResponseMeta};
use llm_sse_core::{
    Encoding, Finish, Normalizer, Provider, StreamChunk, StreamError, StreamErrorKind,
};

use super::args::{InputArgs, parse_provider};
use super::failure::Failure;
use super::input::Input;
use super::output::Output;
use super::text::{Layout, TextRenderer, colors, summary};

/// `llm-sse replay`'s options.
#[derive(Debug, Args)]
pub(super) struct ReplayArgs {
    /// The provider whose streaming format the input is in: anthropic, openai or gemini.
    #[arg(long, value_name = "PROVIDER", value_parser = parse_provider)]
    provider: Provider,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Frames)]
    format: Format,
    #[command(flatten)]
    input: InputArgs,
}

/// What `replay` prints (`--format`).
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

/// Turns chunks into output bytes in the chosen format: the core's [`Encoding`] (what the
/// gateway writes), or the text a person reads.
enum Sink {
    Encoded(Encoding),
    Text(TextRenderer),
}

impl Sink {
    fn write(&mut self, chunk: &StreamChunk, buf: &mut Vec<u8>) {
        match self {
            Sink::Encoded(encoding) => {
                encoding.push(chunk, buf);
            }
            // The quoted layout writes nothing aside.
            Sink::Text(renderer) => renderer.render(chunk, buf, &mut Vec::new()),
        }
    }
}

/// A recording replayed in `dialect`, with usage, says about itself: the dialect's id shape
/// made from `replay`, the provider's name as the model, and `created` 0 (a recording has no
/// time).
fn replay_encoding(dialect: Dialect, provider: Provider) -> Encoding {
    let meta = ResponseMeta::new(dialect.response_id("replay"), provider.as_str(), 0);
    dialect.encoder(meta, true)
}

pub(super) fn run(args: &ReplayArgs) -> Result<ExitCode, Failure> {
    let mut input = Input::open(&args.input)?;
    let mut normalizer = Normalizer::with_limits(args.provider, args.input.limits());
    let mut out = Output::stdout();
    let mut sink = match args.format {
        Format::Frames => Sink::Encoded(Encoding::frames()),
        Format::Jsonl => Sink::Encoded(Encoding::jsonl()),
        Format::Text => Sink::Text(TextRenderer::new(Layout::quoted(colors(out.is_terminal())))),
        Format::OpenAi => Sink::Encoded(replay_encoding(Dialect::OpenAi, args.provider)),
        Format::Anthropic => Sink::Encoded(replay_encoding(Dialect::Anthropic, args.provider)),
    };
    let mut finish: Option<Finish> = None;
    let mut read_error = None;
    let mut buf = Vec::with_capacity(64 * 1024);
    // Write what the pieces read so far produce, flush, and only then block on the next read.
    // Reading stops at the terminal chunk: whatever follows it is never read.
    loop {
        buf.clear();
        while let Some(chunk) = normalizer.next_chunk() {
            sink.write(&chunk, &mut buf);
            if let StreamChunk::Done(fin) = chunk {
                finish = Some(*fin);
            }
        }
        out.write(&buf)?;
        out.flush()?;
        if normalizer.is_drained() {
            break;
        }
        match input.next_piece() {
            Ok(Some(piece)) => normalizer.feed(piece),
            Ok(None) => normalizer.finish(),
            // The stream ends with `connection_error`, as a client's does; the command then
            // reports the read error (exit 2).
            Err(e) => {
                normalizer.fail(StreamError::new(
                    StreamErrorKind::ConnectionError,
                    format!("reading the response body failed: {e}"),
                ));
                read_error = Some(e);
            }
        }
    }
    if let (Sink::Text(_), Some(fin)) = (&sink, &finish) {
        eprint!("{}", summary(fin));
    }
    if let Some(e) = read_error {
        return Err(Failure::Read(e));
    }
    Ok(match finish {
        Some(fin) if fin.is_success() => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}
