//! The answer as a person reads it: one renderer for `llm-sse chat` and `replay --format
//! text`, which differ only in their [`Layout`].
//!
//! - Answer text is written as it streams, unchanged.
//! - Reasoning is written as it streams, dimmed when colours are on: `replay` quotes it above
//!   the answer, each line prefixed by `> ` ([`Layout::quoted`]); `chat` writes it to its own
//!   output, standard error, as it is ([`Layout::aside`]). It ends with a line end before
//!   anything else is written.
//! - A redacted reasoning block is the reasoning line `[redacted reasoning]`.
//! - Each tool call is one line, `[tool_call name(arguments)]` (`replay`, cyan when colours are
//!   on) or `name(arguments)` (`chat`), written once the call is complete (when the stream
//!   moves on to something else or ends), because its arguments arrive in fragments that may
//!   interleave with other calls'.
//! - Text blocks that content the stream does not carry separated (a web search the provider ran
//!   itself, say) are separate paragraphs: a [`StreamChunk::BlockBreak`] becomes a blank line
//!   before the next text.
//! - The answer ends with a line end. Colours are used only on a terminal with `NO_COLOR`
//!   unset ([`colors`]).
//!
//! The finish reason, usage and error go to standard error (see [`summary`]).

use std::fmt::Write as _;

use llm_sse_core::{Finish, StreamChunk};

const DIM: &str = "\x1b[2m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

/// Whether an output that `is_terminal` gets colours: only when `NO_COLOR` is unset too.
pub(super) fn colors(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none()
}

/// Where the reasoning goes and how tool calls look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Layout {
    /// Reasoning is quoted in the answer's output (`> ` lines) rather than written to the
    /// aside output as it is.
    quoted: bool,
    /// Reasoning is dimmed.
    dim: bool,
    /// Tool calls are cyan (only quoted: `[tool_call ...]` lines).
    cyan: bool,
}

impl Layout {
    /// `replay --format text`: one output; reasoning quoted above the answer; tool calls as
    /// `[tool_call name(arguments)]`; `color`: reasoning dimmed, tool calls cyan.
    pub(super) fn quoted(color: bool) -> Layout {
        Layout {
            quoted: true,
            dim: color,
            cyan: color,
        }
    }

    /// `chat`: the answer and tool calls (`name(arguments)`) in one output, reasoning in the
    /// aside output (standard error), dimmed when `dim`.
    pub(super) fn aside(dim: bool) -> Layout {
        Layout {
            quoted: false,
            dim,
            cyan: false,
        }
    }
}

/// Where one output stands: how many line ends it ends with (0, 1 or 2: enough to tell a
/// blank line; 2 at the start).
#[derive(Debug, Clone, Copy)]
struct Lines(u8);

impl Lines {
    fn at_line_start(self) -> bool {
        self.0 > 0
    }

    /// After writing `text`.
    fn wrote(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let ends = text
            .bytes()
            .rev()
            .take(2)
            .take_while(|&b| b == b'\n')
            .count();
        self.0 = if ends == text.len() {
            (usize::from(self.0) + ends).min(2) as u8
        } else {
            ends as u8
        };
    }
}

/// A tool call whose pieces are still arriving.
#[derive(Debug)]
struct PendingCall {
    index: u32,
    name: String,
    arguments: String,
}

/// Renders chunks as readable text into the answer's output and the aside output (the latter
/// only with [`Layout::aside`]); keeps the little state that needs (whether reasoning is open,
/// where each output's line stands, the tool calls not yet printed).
#[derive(Debug)]
pub(super) struct TextRenderer {
    layout: Layout,
    /// Reasoning is being written (and dimmed, when dimming).
    reasoning: bool,
    /// The answer's output.
    out: Lines,
    /// The aside output (reasoning, with [`Layout::aside`]).
    aside: Lines,
    /// A block break arrived after some text: the next text starts a new paragraph.
    paragraph_pending: bool,
    calls: Vec<PendingCall>,
}

impl TextRenderer {
    pub(super) fn new(layout: Layout) -> TextRenderer {
        TextRenderer {
            layout,
            reasoning: false,
            out: Lines(2),
            aside: Lines(2),
            paragraph_pending: false,
            calls: Vec::new(),
        }
    }

    /// Appends the text for `chunk`: to `out`, and reasoning to `aside` with
    /// [`Layout::aside`] (with [`Layout::quoted`], `aside` is not written).
    pub(super) fn render(&mut self, chunk: &StreamChunk, out: &mut Vec<u8>, aside: &mut Vec<u8>) {
        match chunk {
            StreamChunk::Token(text) => {
                self.write_calls(out);
                self.close_reasoning(out, aside);
                if std::mem::take(&mut self.paragraph_pending) {
                    while self.out.0 < 2 {
                        write(&mut self.out, "\n", out);
                    }
                }
                write(&mut self.out, text, out);
            }
            StreamChunk::BlockBreak => {
                self.paragraph_pending = self.out.0 < 2;
            }
            StreamChunk::Reasoning(text) if !text.is_empty() => {
                self.write_calls(out);
                self.write_reasoning(text, out, aside);
            }
            StreamChunk::RedactedReasoning(_) => {
                self.write_calls(out);
                self.open_reasoning(out, aside);
                let (lines, buf) = self.reasoning_output(out, aside);
                if !lines.at_line_start() {
                    write(lines, "\n", buf);
                }
                self.write_reasoning("[redacted reasoning]\n", out, aside);
            }
            StreamChunk::ToolCallStart(start) => {
                self.close_reasoning(out, aside);
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
                self.close_reasoning(out, aside);
                if !self.out.at_line_start() {
                    write(&mut self.out, "\n", out);
                }
            }
            // Signatures matter to an API round trip, not to a reader; empty reasoning says
            // nothing.
            StreamChunk::ReasoningSignature(_) | StreamChunk::Reasoning(_) => {}
            // A chunk of a later version: nothing to show.
            _ => {}
        }
    }

    /// The output reasoning goes to, and where its line stands.
    fn reasoning_output<'a>(
        &'a mut self,
        out: &'a mut Vec<u8>,
        aside: &'a mut Vec<u8>,
    ) -> (&'a mut Lines, &'a mut Vec<u8>) {
        if self.layout.quoted {
            (&mut self.out, out)
        } else {
            (&mut self.aside, aside)
        }
    }

    /// Starts the reasoning (on a line of its own, dimmed) unless it is open.
    fn open_reasoning(&mut self, out: &mut Vec<u8>, aside: &mut Vec<u8>) {
        if std::mem::replace(&mut self.reasoning, true) {
            return;
        }
        let dim = self.layout.dim;
        let (lines, buf) = self.reasoning_output(out, aside);
        if !lines.at_line_start() {
            write(lines, "\n", buf);
        }
        if dim {
            buf.extend_from_slice(DIM.as_bytes());
        }
    }

    /// Ends the reasoning: colour reset, and a line end unless it ended with one.
    fn close_reasoning(&mut self, out: &mut Vec<u8>, aside: &mut Vec<u8>) {
        if !std::mem::take(&mut self.reasoning) {
            return;
        }
        let dim = self.layout.dim;
        let (lines, buf) = self.reasoning_output(out, aside);
        if dim {
            buf.extend_from_slice(RESET.as_bytes());
        }
        if !lines.at_line_start() {
            write(lines, "\n", buf);
        }
    }

    fn write_reasoning(&mut self, text: &str, out: &mut Vec<u8>, aside: &mut Vec<u8>) {
        self.open_reasoning(out, aside);
        let prefix = if self.layout.quoted { "> " } else { "" };
        let (lines, buf) = self.reasoning_output(out, aside);
        for line in text.split_inclusive('\n') {
            if lines.at_line_start() {
                buf.extend_from_slice(prefix.as_bytes());
            }
            write(lines, line, buf);
        }
    }

    /// Writes the complete tool calls, one line each, on lines of their own.
    fn write_calls(&mut self, out: &mut Vec<u8>) {
        if self.calls.is_empty() {
            return;
        }
        if !self.out.at_line_start() {
            write(&mut self.out, "\n", out);
        }
        for call in std::mem::take(&mut self.calls) {
            if !self.layout.quoted {
                write(
                    &mut self.out,
                    &format!("{}({})\n", call.name, call.arguments),
                    out,
                );
                continue;
            }
            let line = format!("[tool_call {}({})]", call.name, call.arguments);
            if self.layout.cyan {
                out.extend_from_slice(CYAN.as_bytes());
                out.extend_from_slice(line.as_bytes());
                out.extend_from_slice(RESET.as_bytes());
            } else {
                out.extend_from_slice(line.as_bytes());
            }
            out.push(b'\n');
            self.out = Lines(1);
        }
    }
}

/// Appends `text` to `buf`, whose line stands at `lines`.
fn write(lines: &mut Lines, text: &str, buf: &mut Vec<u8>) {
    buf.extend_from_slice(text.as_bytes());
    lines.wrote(text);
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

    /// `replay --format text`: one output (nothing goes aside).
    fn render(color: bool, chunks: &[StreamChunk]) -> String {
        let mut r = TextRenderer::new(Layout::quoted(color));
        let (mut out, mut aside) = (Vec::new(), Vec::new());
        for c in chunks {
            r.render(c, &mut out, &mut aside);
        }
        assert!(aside.is_empty());
        String::from_utf8(out).unwrap()
    }

    /// `chat`: the answer's output and the aside output.
    fn render_aside(color: bool, chunks: &[StreamChunk]) -> (String, String) {
        let mut renderer = TextRenderer::new(Layout::aside(color));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        for chunk in chunks {
            renderer.render(chunk, &mut out, &mut err);
        }
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
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
        for layout in [Layout::quoted(false), Layout::aside(false)] {
            let mut r = TextRenderer::new(layout);
            let mut out = Vec::new();
            r.render(&StreamChunk::Token("Hi".into()), &mut out, &mut Vec::new());
            assert_eq!(out, b"Hi");
        }
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

    // `chat`'s layout.

    fn done_ok() -> StreamChunk {
        done(FinishReason::Stop)
    }

    fn call(index: u32, name: Option<&str>, arguments: &str) -> StreamChunk {
        piece(index, name, arguments)
    }

    #[test]
    fn aside_text_is_written_unchanged_and_ends_with_a_line_end() {
        let chunks = [
            StreamChunk::Token("Hel".into()),
            StreamChunk::Token("lo\n\nwörld".into()),
            done_ok(),
        ];
        assert_eq!(
            render_aside(false, &chunks),
            ("Hello\n\nwörld\n".into(), "".into())
        );
        let chunks = [StreamChunk::Token("line\n".into()), done_ok()];
        assert_eq!(render_aside(false, &chunks).0, "line\n");
        assert_eq!(
            render_aside(false, &[done_ok()]).0,
            "",
            "no answer, no output"
        );
    }

    #[test]
    fn aside_reasoning_goes_to_its_own_output_dimmed_on_a_terminal() {
        let chunks = [
            StreamChunk::Reasoning("Let me".into()),
            StreamChunk::Reasoning(" think.".into()),
            StreamChunk::ReasoningSignature("sig".into()),
            StreamChunk::Token("Answer".into()),
            done_ok(),
        ];
        assert_eq!(
            render_aside(false, &chunks),
            ("Answer\n".into(), "Let me think.\n".into())
        );
        assert_eq!(
            render_aside(true, &chunks),
            ("Answer\n".into(), "\x1b[2mLet me think.\x1b[0m\n".into())
        );
        let chunks = [
            StreamChunk::RedactedReasoning("EmwK".into()),
            StreamChunk::Token("A".into()),
        ];
        assert_eq!(render_aside(false, &chunks).1, "[redacted reasoning]\n");
        let chunks = [
            StreamChunk::Reasoning("Hm".into()),
            StreamChunk::RedactedReasoning("EmwK".into()),
            StreamChunk::Token("A".into()),
        ];
        assert_eq!(
            render_aside(true, &chunks).1,
            "\x1b[2mHm\n[redacted reasoning]\n\x1b[0m"
        );
    }

    #[test]
    fn aside_tool_calls_are_lines_once_complete() {
        let chunks = [
            StreamChunk::Token("Checking.".into()),
            call(0, Some("get_weather"), ""),
            call(1, Some("get_time"), "{\"tz\":"),
            call(0, None, "{\"city\":\"Paris\"}"),
            call(1, None, "\"CET\"}"),
            done_ok(),
        ];
        assert_eq!(
            render_aside(true, &chunks).0,
            "Checking.\nget_weather({\"city\":\"Paris\"})\nget_time({\"tz\":\"CET\"})\n"
        );
        assert_eq!(
            render_aside(false, &chunks[..5]).0,
            "Checking.",
            "held until complete"
        );
        let chunks = [
            call(0, Some("f"), "{}"),
            StreamChunk::Token("after".into()),
            done_ok(),
        ];
        assert_eq!(render_aside(false, &chunks).0, "f({})\nafter\n");
    }

    #[test]
    fn aside_block_breaks_separate_paragraphs() {
        let chunks = [
            StreamChunk::Token("I'll search.".into()),
            StreamChunk::BlockBreak,
            StreamChunk::Token("Found it.".into()),
            done_ok(),
        ];
        assert_eq!(
            render_aside(false, &chunks).0,
            "I'll search.\n\nFound it.\n"
        );
        let chunks = [StreamChunk::BlockBreak, StreamChunk::Token("A".into())];
        assert_eq!(render_aside(false, &chunks).0, "A");
        // Reasoning in between does not make a paragraph of the answer (it went aside).
        let chunks = [
            StreamChunk::Reasoning("hm".into()),
            StreamChunk::BlockBreak,
            StreamChunk::Token("A".into()),
        ];
        assert_eq!(render_aside(false, &chunks), ("A".into(), "hm\n".into()));
    }

    #[test]
    fn aside_an_error_end_still_ends_the_line() {
        let error = StreamError::new(StreamErrorKind::ConnectionError, "reset");
        let chunks = [StreamChunk::Token("partial".into()), finish(Err(error))];
        assert_eq!(render_aside(false, &chunks).0, "partial\n");
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
