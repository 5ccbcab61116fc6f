//! [`Normalizer`]: the SSE parser and a provider decoder composed: bytes in, chunks out.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::chunk::{FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind};
use crate::decode::{Decode, Decoder};
use crate::frame;
use crate::sse::{Limits, Parsed, Parser};

/// Turns a provider's raw streaming response body into normalized [`StreamChunk`]s.
///
/// # Driving contract
///
/// 1. [`feed`](Normalizer::feed) the body's bytes as they arrive (any split works).
/// 2. Pull [`next_chunk`](Normalizer::next_chunk) until `None` (or let
///    [`write_frames`](Normalizer::write_frames) drain them as wire frames).
/// 3. At the end of the body call [`finish`](Normalizer::finish), or [`fail`](Normalizer::fail)
///    when the transport broke, and drain again: the last chunk is always the one terminal chunk.
///
/// ```
/// use llm_sse_core::{Normalizer, Provider, StreamChunk};
///
/// let body = concat!(
///     "event: message_start\n",
///     "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n",
///     "event: content_block_start\n",
///     "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
///     "event: content_block_delta\n",
///     "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
///     "event: content_block_stop\n",
///     "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
///     "event: message_delta\n",
///     "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n",
///     "event: message_stop\n",
///     "data: {\"type\":\"message_stop\"}\n\n",
/// );
/// let mut normalizer = Normalizer::new(Provider::Anthropic);
/// normalizer.feed(body.as_bytes());
/// normalizer.finish();
/// let mut frames = Vec::new();
/// normalizer.write_frames(&mut frames);
/// assert_eq!(
///     String::from_utf8(frames).unwrap(),
///     concat!(
///         "data: {\"token\":\"Hi\",\"done\":false}\n\n",
///         "data: {\"token\":\"\",\"done\":true,\"provider\":\"anthropic\",\"id\":\"msg_1\",",
///         "\"model\":\"claude-sonnet-4-5\",\"finish_reason\":\"stop\",",
///         "\"provider_finish_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,\"output_tokens\":2}}\n\n",
///         "data: [DONE]\n\n",
///     )
/// );
/// ```
#[derive(Debug, Clone)]
pub struct Normalizer {
    parser: Parser,
    decoder: Decoder,
    input_ended: bool,
    /// Set when the body ended inside an event: why the stream cannot have ended normally.
    truncated: Option<String>,
}

impl Normalizer {
    /// A normalizer for `provider` with the default parser [`Limits`].
    pub fn new(provider: Provider) -> Self {
        Normalizer::with_limits(provider, Limits::DEFAULT)
    }

    /// A normalizer for `provider` whose SSE parser enforces `limits`.
    pub fn with_limits(provider: Provider, limits: Limits) -> Self {
        Normalizer {
            parser: Parser::with_limits(limits),
            decoder: Decoder::new(provider),
            input_ended: false,
            truncated: None,
        }
    }

    /// The provider this normalizer decodes.
    pub fn provider(&self) -> Provider {
        self.decoder.provider()
    }

    /// Buffers bytes of the response body. Bytes after the stream's terminal event are ignored.
    pub fn feed(&mut self, bytes: &[u8]) {
        if !self.decoder.is_done() && !self.input_ended {
            self.parser.feed(bytes);
        }
    }

    /// Marks the end of the response body. A stream that had not finished ends with an
    /// `incomplete_stream` error terminal chunk.
    pub fn finish(&mut self) {
        self.input_ended = true;
    }

    /// Ends the stream with `error` (for example `connection_error` or `idle_timeout`) unless it
    /// has already ended; events already buffered are decoded first.
    pub fn fail(&mut self, error: StreamError) {
        self.input_ended = true;
        self.drain_events();
        self.decoder.fail(error);
    }

    /// True once the terminal chunk has been produced (it may still be waiting to be pulled).
    pub fn is_done(&self) -> bool {
        self.decoder.is_done()
    }

    /// The next chunk, or `None` when more bytes are needed (or the stream is over).
    #[must_use]
    pub fn next_chunk(&mut self) -> Option<StreamChunk> {
        loop {
            if let Some(mut chunk) = self.decoder.next_chunk() {
                if let (Some(detail), StreamChunk::Done(fin)) = (&self.truncated, &mut chunk) {
                    if fin.is_success() {
                        // The provider had already sent its finish reason (Gemini and OpenAI
                        // streams may end without an end marker), but whatever the cut event
                        // carried, such as the usage, is lost: that is not a normal end.
                        fin.finish_reason = FinishReason::Error;
                        fin.error = Some(StreamError::new(
                            StreamErrorKind::IncompleteStream,
                            detail.clone(),
                        ));
                    }
                }
                return Some(chunk);
            }
            if self.decoder.is_done() {
                return None;
            }
            if !self.step() {
                return None;
            }
        }
    }

    /// Drains every available chunk into `out` as wire frames (see [`crate::frame`]) and returns
    /// the number of bytes appended.
    pub fn write_frames(&mut self, out: &mut Vec<u8>) -> usize {
        let start = out.len();
        while let Some(chunk) = self.next_chunk() {
            frame::encode(&chunk, out);
        }
        out.len() - start
    }

    /// Feeds the decoder every event the parser can produce from the buffered bytes.
    fn drain_events(&mut self) {
        while !self.decoder.is_done() && self.step_parser() {}
    }

    /// Advances by one parser output. Returns false when nothing more can happen until more
    /// input arrives.
    fn step(&mut self) -> bool {
        if self.step_parser() {
            return true;
        }
        if self.input_ended {
            // An unterminated last event is discarded, as the SSE standard requires. A decoder
            // that saw no terminal event reports `incomplete_stream` itself; one that would end
            // normally is overruled in `next_chunk`, since the cut event's content is lost.
            let end = self.parser.finish();
            if !end.is_clean() {
                self.truncated = Some(if end.partial_line_bytes > 0 {
                    format!(
                        "stream ended inside an event ({} bytes of an unfinished line)",
                        end.partial_line_bytes
                    )
                } else {
                    String::from("stream ended inside an event (no blank line ended it)")
                });
            }
            self.decoder.finish();
            return true;
        }
        false
    }

    /// Decodes one parser output; false when the parser needs more data.
    fn step_parser(&mut self) -> bool {
        match self.parser.next_event() {
            Ok(Some(Parsed::Event(event))) => {
                self.decoder.decode(&event);
                true
            }
            Ok(Some(Parsed::Retry(_))) => true,
            Ok(None) => false,
            Err(err) => {
                self.decoder.fail(StreamError::new(
                    StreamErrorKind::InvalidEvent,
                    format!("malformed event stream: {err}"),
                ));
                true
            }
        }
    }
}
