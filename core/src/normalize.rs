//! [`Normalizer`]: the SSE parser and a provider decoder composed: bytes in, chunks out.

use alloc::format;
use alloc::vec::Vec;

use alloc::string::String;

use crate::chunk::{Provider, StreamChunk, StreamError, StreamErrorKind, Usage};
use crate::decode::Decoder;
use crate::eventstream::{self, bedrock};
use crate::frame;
use crate::provider::Framing;
use crate::sse::{EndOfInput, Event, Limits, Parsed, Parser};

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
    framer: Framer,
    decoder: Decoder,
    /// `finish` or `fail` was called: no more bytes are accepted.
    input_ended: bool,
}

impl Normalizer {
    /// A normalizer for `provider` with the default parser [`Limits`].
    pub fn new(provider: Provider) -> Self {
        Normalizer::with_limits(provider, Limits::DEFAULT)
    }

    /// A normalizer for `provider` whose SSE parser enforces `limits` (a provider whose stream
    /// is not SSE, Amazon Bedrock's event stream, gets its decoder's default limits).
    pub fn with_limits(provider: Provider, limits: Limits) -> Self {
        let framer = match provider.spec().framing {
            Framing::Sse => Framer::Sse(Parser::with_limits(limits)),
            Framing::BedrockEventStream => Framer::Bedrock(eventstream::Decoder::new()),
        };
        Normalizer {
            framer,
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
            match &mut self.framer {
                Framer::Sse(parser) => parser.feed(bytes),
                Framer::Bedrock(decoder) => decoder.feed(bytes),
            }
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
            let end = match &mut self.framer {
                Framer::Sse(parser) => parser.finish(),
                // A message cut short is an event cut short.
                Framer::Bedrock(decoder) => EndOfInput {
                    partial_line_bytes: decoder.finish().partial_message_bytes,
                    undispatched_event: false,
                },
            };
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

    /// Decodes one framed event; false when the framer needs more data (an error of the framer
    /// ends the stream with [`malformed`]).
    fn step_parser(&mut self) -> bool {
        match &mut self.framer {
            Framer::Sse(parser) => match parser.next_event() {
                Ok(Some(Parsed::Event(event))) => {
                    self.decoder.decode(&event);
                    true
                }
                Ok(Some(Parsed::Retry(_))) => true,
                Ok(None) => false,
                Err(err) => {
                    self.decoder.fail(malformed(&err));
                    true
                }
            },
            Framer::Bedrock(framer) => match framer.next_message() {
                Ok(Some(message)) => {
                    let event = bedrock::classify(&message);
                    bedrock_event(&mut self.decoder, event);
                    true
                }
                Ok(None) => false,
                Err(err) => {
                    self.decoder.fail(malformed(&err));
                    true
                }
            },
        }
    }
}

/// How a body is cut into events.
// One per normalizer, chosen once: boxing the larger parser would only add an allocation per
// stream.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Framer {
    /// Server-sent events.
    Sse(Parser),
    /// AWS event-stream messages carrying Bedrock's chunks.
    Bedrock(eventstream::Decoder),
}

/// The error that ends a stream whose framing (SSE or event stream) is broken.
fn malformed(err: &dyn core::fmt::Display) -> StreamError {
    StreamError::new(
        StreamErrorKind::InvalidEvent,
        format!("malformed event stream: {err}"),
    )
}

/// Decodes one message of a Bedrock stream: a chunk is an event of the API (with Bedrock's usage
/// as a fallback), an exception or an error ends the stream with its type.
fn bedrock_event(
    decoder: &mut Decoder,
    event: Result<bedrock::ResponseEvent, bedrock::ClassifyError>,
) {
    match event {
        Ok(bedrock::ResponseEvent::Chunk {
            event_json,
            metrics,
        }) => {
            if let Some(metrics) = metrics {
                if metrics.input_token_count.is_some() || metrics.output_token_count.is_some() {
                    decoder.usage_fallback(Usage {
                        input_tokens: metrics.input_token_count.unwrap_or(0),
                        output_tokens: metrics.output_token_count.unwrap_or(0),
                        cache_read_input_tokens: metrics.cache_read_input_token_count,
                        cache_creation_input_tokens: metrics.cache_write_input_token_count,
                        reasoning_tokens: None,
                    });
                }
            }
            match core::str::from_utf8(&event_json) {
                Ok(data) => decoder.decode(&Event::new("message", data)),
                Err(_) => decoder.fail(StreamError::new(
                    StreamErrorKind::InvalidEvent,
                    "a Bedrock chunk is not UTF-8",
                )),
            }
        }
        Ok(bedrock::ResponseEvent::Exception {
            exception_type,
            message,
            original_message,
            ..
        }) => {
            let message: String = match original_message {
                Some(original) if message.is_empty() => original,
                Some(original) => format!("{message} ({original})"),
                None => message,
            };
            decoder.fail(StreamError::new(
                StreamErrorKind::Provider(exception_type),
                message,
            ));
        }
        Ok(bedrock::ResponseEvent::Error { code, message }) => {
            decoder.fail(StreamError::new(StreamErrorKind::Provider(code), message));
        }
        // No other event type is defined: skipped, as unknown SSE events are.
        Ok(bedrock::ResponseEvent::Other { .. }) => {}
        Err(err) => decoder.fail(StreamError::new(
            StreamErrorKind::InvalidEvent,
            format!("an unreadable Bedrock message: {err}"),
        )),
    }
}
