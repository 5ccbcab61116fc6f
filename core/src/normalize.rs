//! [`Normalizer`]: the SSE parser and a provider decoder composed: bytes in, chunks out.

use alloc::format;
use alloc::vec::Vec;

use crate::chunk::{Provider, StreamChunk, StreamError, StreamErrorKind};
use crate::decode::Decoder;
use crate::frame;
use crate::sse::{Limits, Parsed, Parser};

/// Turns a provider's raw streaming response body into normalized [`StreamChunk`]s.
///
/// # Driving contract
///
/// 1. [`feed`](Normalizer::feed) the body's bytes as they arrive (any split works). It only
///    buffers them.
/// 2. Pull [`next_chunk`](Normalizer::next_chunk) until `None` ("need more bytes"), or let
///    [`write_frames`](Normalizer::write_frames) drain them as wire frames. Parsing and decoding
///    happen here, so memory stays bounded by the parser's [`Limits`] as long as you drain
///    between feeds.
/// 3. At the end of the body call [`finish`](Normalizer::finish), or [`fail`](Normalizer::fail)
///    when the transport broke (a read error, an idle timeout), and drain again.
///
/// Every stream ends with exactly one terminal chunk ([`StreamChunk::Done`]), always last, and
/// then `None` forever. A body that ends before the provider's protocol completed, or inside an
/// event, ends with an `incomplete_stream` error terminal chunk, never a normal finish; a parser
/// limit or an undecodable event ends it with `invalid_event`. No input makes it panic.
///
/// [`is_closed`](Normalizer::is_closed) tells that no more input will be used (the input ended,
/// or the terminal chunk is decided); [`is_drained`](Normalizer::is_drained) that the terminal
/// chunk has been pulled: a run loop reads until it is drained.
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
    /// `finish` or `fail` was called: no more bytes are accepted.
    input_ended: bool,
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
        }
    }

    /// The provider this normalizer decodes.
    pub fn provider(&self) -> Provider {
        self.decoder.provider()
    }

    /// Buffers bytes of the response body. Bytes after [`finish`](Normalizer::finish) or
    /// [`fail`](Normalizer::fail), or after the stream's terminal event, are ignored.
    pub fn feed(&mut self, bytes: &[u8]) {
        if !self.is_closed() {
            self.parser.feed(bytes);
        }
    }

    /// Marks the end of the response body. The terminal chunk is decided when the buffered
    /// bytes have been decoded (by the next [`next_chunk`](Normalizer::next_chunk)).
    pub fn finish(&mut self) {
        self.input_ended = true;
    }

    /// Ends the stream with `error` (for example `connection_error` or `idle_timeout`) unless it
    /// has already ended. Complete events already buffered are decoded first, so no token that
    /// arrived is lost.
    pub fn fail(&mut self, error: StreamError) {
        self.input_ended = true;
        while !self.decoder.is_closed() && self.step_parser() {}
        self.decoder.fail(error);
    }

    /// True once no more input will be used: the body ended ([`finish`](Normalizer::finish),
    /// [`fail`](Normalizer::fail)) or the stream's terminal chunk has been decided. Chunks may
    /// still be waiting to be pulled.
    pub fn is_closed(&self) -> bool {
        self.input_ended || self.decoder.is_closed()
    }

    /// True once the terminal chunk has been pulled: nothing more will ever come out.
    pub fn is_drained(&self) -> bool {
        self.decoder.is_drained()
    }

    /// The next chunk, or `None` when more bytes are needed (or the stream is over).
    #[must_use]
    pub fn next_chunk(&mut self) -> Option<StreamChunk> {
        loop {
            if let Some(chunk) = self.decoder.next_chunk() {
                return Some(chunk);
            }
            if self.decoder.is_closed() {
                return None;
            }
            if self.step_parser() {
                continue;
            }
            if !self.input_ended {
                return None;
            }
            // The body ended: an unterminated last event is discarded, as the SSE standard
            // requires, and the decoder learns that it was there.
            let end = self.parser.finish();
            self.decoder.finish(end);
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
