//! `llm-sse replay`: a recorded provider response body through the [`Normalizer`].

use std::process::ExitCode;

use llm_sse_core::{Finish, Normalizer, StreamChunk, StreamError, StreamErrorKind, frame};

use super::input::Input;
use super::output::Output;
use super::text::{TextRenderer, summary};
use super::{Failure, Format, ReplayArgs};

/// Turns chunks into output bytes in the chosen format.
enum Sink {
    Frames,
    Jsonl,
    Text(TextRenderer),
}

impl Sink {
    fn write(&mut self, chunk: &StreamChunk, buf: &mut Vec<u8>) {
        match self {
            Sink::Frames => {
                frame::encode(chunk, buf);
            }
            Sink::Jsonl => {
                frame::write_json(chunk, buf);
                buf.push(b'\n');
            }
            Sink::Text(renderer) => renderer.render(chunk, buf),
        }
    }
}

pub(super) fn run(args: &ReplayArgs) -> Result<ExitCode, Failure> {
    let mut input = Input::open(&args.input)?;
    let mut out = Output::stdout();
    let mut sink = match args.format {
        Format::Frames => Sink::Frames,
        Format::Jsonl => Sink::Jsonl,
        Format::Text => Sink::Text(TextRenderer::new(out.is_terminal())),
    };
    let mut normalizer = Normalizer::with_limits(args.provider.into(), args.input.limits());
    let mut finish: Option<Finish> = None;
    let mut read_error = None;
    let mut input_ended = false;
    let mut buf = Vec::with_capacity(64 * 1024);
    // Stops at the terminal chunk: the normalizer ignores whatever follows it.
    while finish.is_none() && !input_ended {
        match input.next_piece() {
            Ok(Some(piece)) => normalizer.feed(piece),
            Ok(None) => {
                normalizer.finish();
                input_ended = true;
            }
            Err(e) => {
                input_ended = true;
                normalizer.fail(StreamError::new(
                    StreamErrorKind::ConnectionError,
                    format!("reading the input failed: {e}"),
                ));
                read_error = Some(e);
            }
        }
        buf.clear();
        while let Some(chunk) = normalizer.next_chunk() {
            sink.write(&chunk, &mut buf);
            if let StreamChunk::Done(fin) = chunk {
                finish = Some(*fin);
            }
        }
        out.write(&buf)?;
        out.flush()?;
    }
    if let Sink::Text(_) = sink {
        if let Some(fin) = &finish {
            eprint!("{}", summary(fin));
        }
    }
    if let Some(e) = read_error {
        return Err(Failure::Read(e));
    }
    Ok(match finish {
        Some(fin) if fin.is_success() => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}
