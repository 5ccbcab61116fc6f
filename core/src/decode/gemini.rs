//! Placeholder: being implemented.

use crate::chunk::{Provider, StreamChunk, StreamError};
use crate::sse::Event;

use super::{Decode, Emitter};

/// Decoder for the Gemini streaming format.
#[derive(Debug, Clone)]
pub struct GeminiDecoder {
    out: Emitter,
}

impl Default for GeminiDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl GeminiDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        GeminiDecoder {
            out: Emitter::new(Provider::Gemini),
        }
    }
}

impl Decode for GeminiDecoder {
    fn provider(&self) -> Provider {
        self.out.provider()
    }
    fn decode(&mut self, _event: &Event<'_>) {}
    fn finish(&mut self) {
        self.out.fail_with(
            crate::chunk::StreamErrorKind::IncompleteStream,
            "stream ended before its terminal event",
        );
    }
    fn fail(&mut self, error: StreamError) {
        self.out.fail(error);
    }
    fn next_chunk(&mut self) -> Option<StreamChunk> {
        self.out.next_chunk()
    }
    fn is_done(&self) -> bool {
        self.out.is_done()
    }
}
