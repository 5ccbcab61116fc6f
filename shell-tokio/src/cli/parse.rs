//! `llm-sse parse`: raw SSE in, one JSON object per event (or retry) out.

use std::process::ExitCode;

use clap::Args;
use llm_sse_core::sse::{EndOfInput, Event, ParseError, Parsed, Parser};

use super::args::InputArgs;
use super::failure::Failure;
use super::input::Input;
use super::output::{Output, WriteError};

/// `llm-sse parse`'s options.
#[derive(Debug, Args)]
pub(super) struct ParseArgs {
    #[command(flatten)]
    input: InputArgs,
}

pub(super) fn run(args: &ParseArgs) -> Result<ExitCode, Failure> {
    let mut input = Input::open(&args.input)?;
    let mut out = Output::stdout();
    let mut parser = Parser::with_limits(args.input.limits());
    let mut line = Vec::with_capacity(256);
    loop {
        let piece = match input.next_piece() {
            Ok(Some(piece)) => piece,
            Ok(None) => break,
            Err(e) => {
                out.flush()?;
                return Err(Failure::Read(e));
            }
        };
        parser.feed(piece);
        let drained = drain(&mut parser, &mut out, &mut line);
        out.flush()?;
        if let Err(err) = drained? {
            eprintln!("llm-sse: error: {err}");
            return Ok(ExitCode::from(1));
        }
    }
    warn_if_unclean(parser.finish());
    Ok(ExitCode::SUCCESS)
}

/// Prints every event the parser can produce from what it has buffered. The outer error is a
/// failed write, the inner one the parser's.
fn drain(
    parser: &mut Parser,
    out: &mut Output,
    line: &mut Vec<u8>,
) -> Result<Result<(), ParseError>, WriteError> {
    loop {
        line.clear();
        match parser.next_event() {
            Ok(Some(Parsed::Event(event))) => event_json(&event, line),
            Ok(Some(Parsed::Retry(ms))) => {
                line.extend_from_slice(b"{\"retry\":");
                line.extend_from_slice(ms.to_string().as_bytes());
                line.push(b'}');
            }
            Ok(None) => return Ok(Ok(())),
            Err(err) => return Ok(Err(err)),
        }
        line.push(b'\n');
        out.write(line)?;
    }
}

/// `{"event":"...","data":"...","id":"..."}`, strings escaped by serde_json.
fn event_json(event: &Event<'_>, line: &mut Vec<u8>) {
    for (key, value) in [
        ("{\"event\":", event.event),
        (",\"data\":", event.data),
        (",\"id\":", event.id),
    ] {
        line.extend_from_slice(key.as_bytes());
        // Serializing a `str` into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *line, value);
    }
    line.push(b'}');
}

fn warn_if_unclean(end: EndOfInput) {
    if end.is_clean() {
        return;
    }
    let what = match (end.undispatched_event, end.partial_line_bytes) {
        (true, 0) => "an event that no blank line terminated".to_string(),
        (true, n) => {
            format!("an event that no blank line terminated and {n} bytes of an unfinished line")
        }
        (false, n) => format!("{n} bytes of an unfinished line"),
    };
    eprintln!("llm-sse: warning: the input ended inside {what}; it was discarded, not dispatched");
}
