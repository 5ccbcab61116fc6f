//! Fuzz bytes read as chunks (for the targets whose input is a chunk stream, not wire bytes).

use alloc::string::String;

use crate::chunk::{
    Finish, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, ToolCallArguments,
    ToolCallStart, Usage,
};

/// Reads fuzz bytes as the fields of chunks.
pub(super) struct Bytes<'a>(pub(super) &'a [u8]);

impl Bytes<'_> {
    pub(super) fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn number(&mut self) -> u64 {
        let mut n = 0u64;
        for _ in 0..(self.byte() % 9) {
            n = (n << 8) | u64::from(self.byte());
        }
        n
    }

    /// A string of up to 255 bytes, decoded lossily (so it may hold any character, including
    /// controls, quotes, backslashes and U+FFFD).
    pub(super) fn string(&mut self) -> String {
        let len = usize::from(self.byte()).min(self.0.len());
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8_lossy(s).into_owned()
    }

    pub(super) fn option<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        (self.byte() & 1 == 1).then(|| f(self))
    }

    pub(super) fn chunk(&mut self) -> StreamChunk {
        match self.byte() % 8 {
            0 => StreamChunk::Token(self.string()),
            1 => StreamChunk::Reasoning(self.string()),
            2 => StreamChunk::ReasoningSignature(self.string()),
            3 => StreamChunk::RedactedReasoning(self.string()),
            4 => StreamChunk::ToolCallStart(ToolCallStart {
                index: u32::from(self.byte()),
                id: self.option(Self::string),
                name: self.string(),
                arguments: self.string(),
            }),
            5 => StreamChunk::ToolCallArguments(ToolCallArguments {
                index: u32::from(self.byte()),
                fragment: self.string(),
            }),
            6 => StreamChunk::BlockBreak,
            _ => StreamChunk::Done(alloc::boxed::Box::new(self.finish())),
        }
    }

    pub(super) fn finish(&mut self) -> Finish {
        let provider = Provider::ALL[usize::from(self.byte()) % Provider::ALL.len()];
        let finish_reason = FINISH_REASONS[usize::from(self.byte()) % FINISH_REASONS.len()];
        Finish {
            provider,
            id: self.option(Self::string),
            model: self.option(Self::string),
            outcome: Ok(finish_reason),
            provider_finish_reason: self.option(Self::string),
            usage: self.option(|b| Usage {
                input_tokens: b.number(),
                output_tokens: b.number(),
                cache_read_input_tokens: b.option(Self::number),
                cache_creation_input_tokens: b.option(Self::number),
                reasoning_tokens: b.option(Self::number),
            }),
        }
        .failed_with(self.option(|b| {
            let kind = match b.byte() % 5 {
                0 => StreamErrorKind::Provider(b.string()),
                1 => StreamErrorKind::IncompleteStream,
                2 => StreamErrorKind::InvalidEvent,
                3 => StreamErrorKind::ConnectionError,
                _ => StreamErrorKind::IdleTimeout,
            };
            StreamError::new(kind, b.string())
        }))
    }
}

pub(super) const FINISH_REASONS: [FinishReason; 7] = [
    FinishReason::Stop,
    FinishReason::Length,
    FinishReason::StopSequence,
    FinishReason::ToolCalls,
    FinishReason::ContentFilter,
    FinishReason::PauseTurn,
    FinishReason::Other,
];

impl Finish {
    fn failed_with(mut self, error: Option<StreamError>) -> Finish {
        if let Some(error) = error {
            self.outcome = Err(error);
        }
        self
    }
}
