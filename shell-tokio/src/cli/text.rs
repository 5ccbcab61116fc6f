//! `replay --format text`: the answer as a person reads it.
//!
//! - Answer text is written as it streams, unchanged.
//! - Reasoning is written as it streams with every line prefixed by `> ` (and dimmed on a
//!   terminal), like a quotation above the answer.
//! - A redacted reasoning block is the line `> [redacted reasoning]`.
//! - Each tool call is one line `[tool_call name(arguments)]`, written once the call is complete
//!   (when the stream moves on to something else or ends), because its arguments arrive in
//!   fragments that may interleave with other calls'.
//! - Text blocks that content the stream does not carry separated (a web search the provider ran
//!   itself, say) are separate paragraphs: a [`StreamChunk::BlockBreak`] becomes a blank line
//!   before the next text.
//! - The output ends with a line end. Colours are used only when standard output is a terminal
//!   and `NO_COLOR` is unset.
//!
//! The finish reason, usage and error go to standard error (see [`summary`]).

use std::fmt::Write as _;

use llm_sse_core::{Finish, StreamChunk};

const DIM: &str = "\x1b[2m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";
const REASONING_PREFIX: &str = "> ";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Text,
    Reasoning,
}

/// A tool call whose pieces are still arriving.
#[derive(Debug)]
struct PendingCall {
    index: u32,
    name: String,
    arguments: String,
}

/// Renders chunks as readable text; keeps the little state that needs (which section is open,
/// whether the cursor is at the start of a line, the tool calls not yet printed).
#[derive(Debug)]
pub(super) struct TextRenderer {
    color: bool,
    section: Section,
    at_line_start: bool,
    /// How many line ends the output ends with (0, 1 or 2: enough to tell a blank line).
    trailing_newlines: u8,
    /// A block break arrived after some text: the next text starts a new paragraph.
    paragraph_pending: bool,
    calls: Vec<PendingCall>,
}

impl TextRenderer {
    /// A renderer; `terminal` says whether standard output is a terminal.
    pub(super) fn new(terminal: bool) -> TextRenderer {
        TextRenderer::with_color(terminal && std::env::var_os("NO_COLOR").is_none())
    }

    fn with_color(color: bool) -> TextRenderer {
        TextRenderer {
            color,
            section: Section::Text,
            at_line_start: true,
            trailing_newlines: 2,
            paragraph_pending: false,
            calls: Vec::new(),
        }
    }

    /// Appends the text for `chunk` to `out`.
    pub(super) fn render(&mut self, chunk: &StreamChunk, out: &mut Vec<u8>) {
        match chunk {
            StreamChunk::Token(text) => {
                self.write_calls(out);
                self.enter(Section::Text, out);
                if std::mem::take(&mut self.paragraph_pending) {
                    while self.trailing_newlines < 2 {
                        self.write_raw("\n", out);
                    }
                }
                self.write_raw(text, out);
            }
            StreamChunk::BlockBreak => {
                self.paragraph_pending = self.trailing_newlines < 2;
            }
            StreamChunk::Reasoning(text) => {
                self.write_calls(out);
                self.enter(Section::Reasoning, out);
                self.write_reasoning(text, out);
            }
            StreamChunk::RedactedReasoning(_) => {
                self.write_calls(out);
                self.enter(Section::Reasoning, out);
                self.end_line(out);
                self.write_reasoning("[redacted reasoning]\n", out);
            }
            StreamChunk::ToolCallStart(start) => {
                self.enter(Section::Text, out);
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
            StreamChunk::Done(_) => {
                self.write_calls(out);
                self.enter(Section::Text, out);
                self.end_line(out);
            }
            // Signatures matter to an API round trip, not to a reader.
            StreamChunk::ReasoningSignature(_) => {}
            _ => {}
        }
    }

    /// Switches to `section`, closing the reasoning block when leaving it.
    fn enter(&mut self, section: Section, out: &mut Vec<u8>) {
        if self.section == section {
            return;
        }
        if self.section == Section::Reasoning {
            if self.color {
                out.extend_from_slice(RESET.as_bytes());
            }
            self.end_line(out);
        } else {
            self.end_line(out);
            if self.color {
                out.extend_from_slice(DIM.as_bytes());
            }
        }
        self.section = section;
    }

    fn end_line(&mut self, out: &mut Vec<u8>) {
        if !self.at_line_start {
            self.write_raw("\n", out);
        }
    }

    fn write_raw(&mut self, text: &str, out: &mut Vec<u8>) {
        let bytes = text.as_bytes();
        if let Some(&last) = bytes.last() {
            out.extend_from_slice(bytes);
            self.at_line_start = last == b'\n';
            let ends = bytes
                .iter()
                .rev()
                .take(2)
                .take_while(|&&b| b == b'\n')
                .count();
            self.trailing_newlines = if ends == bytes.len() {
                (usize::from(self.trailing_newlines) + ends).min(2) as u8
            } else {
                ends as u8
            };
        }
    }

    fn write_reasoning(&mut self, text: &str, out: &mut Vec<u8>) {
        for line in text.split_inclusive('\n') {
            if self.at_line_start {
                out.extend_from_slice(REASONING_PREFIX.as_bytes());
            }
            self.write_raw(line, out);
        }
    }

    fn write_calls(&mut self, out: &mut Vec<u8>) {
        if self.calls.is_empty() {
            return;
        }
        self.end_line(out);
        for call in self.calls.drain(..) {
            let line = format!("[tool_call {}({})]", call.name, call.arguments);
            if self.color {
                out.extend_from_slice(CYAN.as_bytes());
                out.extend_from_slice(line.as_bytes());
                out.extend_from_slice(RESET.as_bytes());
            } else {
                out.extend_from_slice(line.as_bytes());
            }
            out.push(b'\n');
            self.at_line_start = true;
            self.trailing_newlines = 1;
        }
    }
}

/// The lines written to standard error at the end of a text replay:
///
/// ```text
/// id: msg_01
/// model: claude-sonnet-4-5
/// finish: stop (provider: end_turn)
/// usage: input_tokens=25 output_tokens=12
/// error: overloaded_error: Overloaded
/// ```
///
/// Lines for what the stream did not report are left out.
pub(super) fn summary(fin: &Finish) -> String {
    let mut s = String::new();
    if let Some(id) = &fin.id {
        let _ = writeln!(s, "id: {id}");
    }
    if let Some(model) = &fin.model {
        let _ = writeln!(s, "model: {model}");
    }
    let _ = write!(s, "finish: {}", fin.finish_reason_str());
    if let Some(raw) = &fin.provider_finish_reason {
        let _ = write!(s, " (provider: {raw})");
    }
    s.push('\n');
    if let Some(u) = &fin.usage {
        let _ = write!(
            s,
            "usage: input_tokens={} output_tokens={}",
            u.input_tokens, u.output_tokens
        );
        for (name, count) in [
            ("cache_read_input_tokens", u.cache_read_input_tokens),
            ("cache_creation_input_tokens", u.cache_creation_input_tokens),
            ("reasoning_tokens", u.reasoning_tokens),
        ] {
            if let Some(n) = count {
                let _ = write!(s, " {name}={n}");
            }
        }
        s.push('\n');
    }
    if let Some(err) = fin.error() {
        let _ = writeln!(s, "error: {err}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use llm_sse_core::{
        FinishReason, Provider, StreamError, StreamErrorKind, ToolCallArguments, ToolCallStart,
        Usage,
    };

    fn finish(outcome: Result<FinishReason, StreamError>) -> StreamChunk {
        StreamChunk::Done(Box::new(Finish {
            provider: Provider::Anthropic,
            id: None,
            model: None,
            outcome,
            provider_finish_reason: None,
            usage: None,
        }))
    }

    fn done(reason: FinishReason) -> StreamChunk {
        finish(Ok(reason))
    }

    fn piece(index: u32, name: Option<&str>, arguments: &str) -> StreamChunk {
        match name {
            Some(name) => StreamChunk::ToolCallStart(ToolCallStart {
                index,
                id: Some(format!("call_{index}")),
                name: name.into(),
                arguments: arguments.into(),
            }),
            None => StreamChunk::ToolCallArguments(ToolCallArguments {
                index,
                fragment: arguments.into(),
            }),
        }
    }

    fn render(color: bool, chunks: &[StreamChunk]) -> String {
        let mut r = TextRenderer::with_color(color);
        let mut out = Vec::new();
        for c in chunks {
            r.render(c, &mut out);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn tokens_stream_unchanged_and_end_with_a_line_end() {
        let chunks = [
            StreamChunk::Token("Hel".into()),
            StreamChunk::Token("lo\n\nwörld".into()),
            done(FinishReason::Stop),
        ];
        assert_eq!(render(false, &chunks), "Hello\n\nwörld\n");
    }

    #[test]
    fn each_token_is_written_when_rendered() {
        let mut r = TextRenderer::with_color(false);
        let mut out = Vec::new();
        r.render(&StreamChunk::Token("Hi".into()), &mut out);
        assert_eq!(out, b"Hi");
    }

    #[test]
    fn reasoning_lines_are_prefixed_then_the_answer_starts_on_a_new_line() {
        let chunks = [
            StreamChunk::Reasoning("Let me".into()),
            StreamChunk::Reasoning(" think.\nOK".into()),
            StreamChunk::ReasoningSignature("sig".into()),
            StreamChunk::Token("Answer".into()),
            done(FinishReason::Stop),
        ];
        assert_eq!(render(false, &chunks), "> Let me think.\n> OK\nAnswer\n");
    }

    #[test]
    fn reasoning_is_dimmed_on_a_terminal() {
        let chunks = [
            StreamChunk::Reasoning("hm".into()),
            StreamChunk::Token("A".into()),
            done(FinishReason::Stop),
        ];
        assert_eq!(render(true, &chunks), "\x1b[2m> hm\x1b[0m\nA\n");
    }

    #[test]
    fn redacted_reasoning_is_marked() {
        let chunks = [
            StreamChunk::RedactedReasoning("EmwKAhgB".into()),
            StreamChunk::Token("A".into()),
            done(FinishReason::Stop),
        ];
        assert_eq!(render(false, &chunks), "> [redacted reasoning]\nA\n");
    }

    #[test]
    fn interleaved_tool_calls_are_printed_whole_on_their_own_lines() {
        let chunks = [
            StreamChunk::Token("Checking.".into()),
            piece(0, Some("get_weather"), ""),
            piece(1, Some("get_time"), "{\"tz\":"),
            piece(0, None, "{\"city\":"),
            piece(0, None, "\"Paris\"}"),
            piece(1, None, "\"CET\"}"),
            done(FinishReason::ToolCalls),
        ];
        assert_eq!(
            render(false, &chunks),
            "Checking.\n[tool_call get_weather({\"city\":\"Paris\"})]\n[tool_call get_time({\"tz\":\"CET\"})]\n"
        );
        assert_eq!(
            render(true, &chunks[1..3]),
            "",
            "calls are held until complete"
        );
    }

    #[test]
    fn a_tool_call_is_printed_before_the_text_that_follows_it() {
        let chunks = [
            piece(0, Some("f"), "{}"),
            StreamChunk::Token("after".into()),
            done(FinishReason::Stop),
        ];
        assert_eq!(render(false, &chunks), "[tool_call f({})]\nafter\n");
    }

    #[test]
    fn an_empty_stream_renders_nothing() {
        let error = StreamError::new(StreamErrorKind::IncompleteStream, "x");
        assert_eq!(render(false, &[finish(Err(error))]), "");
    }

    #[test]
    fn text_blocks_separated_by_a_block_break_are_paragraphs() {
        let chunks = [
            StreamChunk::Token("I'll search for that.".into()),
            StreamChunk::BlockBreak,
            StreamChunk::Token("Here's the forecast.".into()),
            done(FinishReason::Stop),
        ];
        assert_eq!(
            render(false, &chunks),
            "I'll search for that.\n\nHere's the forecast.\n"
        );
        // Text that already ends a paragraph gets no extra blank line; one line end gets one.
        let chunks = [
            StreamChunk::Token("Done.\n\n".into()),
            StreamChunk::BlockBreak,
            StreamChunk::Token("Next".into()),
            StreamChunk::Token(" line\n".into()),
            StreamChunk::BlockBreak,
            StreamChunk::Token("Last".into()),
        ];
        assert_eq!(render(false, &chunks), "Done.\n\nNext line\n\nLast");
        // A break before any text adds nothing.
        let chunks = [StreamChunk::BlockBreak, StreamChunk::Token("A".into())];
        assert_eq!(render(false, &chunks), "A");
    }

    #[test]
    fn summary_lists_what_is_known() {
        let fin = Finish {
            provider: Provider::Anthropic,
            id: Some("msg_01".into()),
            model: Some("claude-sonnet-4-5".into()),
            outcome: Err(StreamError::new(
                StreamErrorKind::Provider("overloaded_error".into()),
                "Overloaded",
            )),
            provider_finish_reason: Some("end_turn".into()),
            usage: Some(Usage {
                input_tokens: 25,
                output_tokens: 12,
                cache_read_input_tokens: Some(0),
                cache_creation_input_tokens: None,
                reasoning_tokens: Some(3),
            }),
        };
        assert_eq!(
            summary(&fin),
            "id: msg_01\nmodel: claude-sonnet-4-5\nfinish: error (provider: end_turn)\n\
             usage: input_tokens=25 output_tokens=12 cache_read_input_tokens=0 reasoning_tokens=3\n\
             error: overloaded_error: Overloaded\n"
        );
        let bare = Finish {
            provider: Provider::OpenAi,
            id: None,
            model: None,
            outcome: Ok(FinishReason::Stop),
            provider_finish_reason: None,
            usage: None,
        };
        assert_eq!(summary(&bare), "finish: stop\n");
    }
}
