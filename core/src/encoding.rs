//! [`Encoding`]: one way of writing a chunk stream, chosen at run time.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::chunk::StreamChunk;
use crate::dialect::{Dialect, ResponseMeta, anthropic, openai};
use crate::frame;
use crate::gateway::KEEP_ALIVE;

/// How a stream of [`StreamChunk`]s is written out: the normalized frames, one JSON object per
/// line, or a client's dialect (OpenAI `chat.completion.chunk`s, Anthropic Messages events).
///
/// The gateway writes every stream through one (frames on `POST /v1/chat/stream/{provider}`,
/// the dialect on the OpenAI and Anthropic endpoints), and so does `llm-sse replay --format`,
/// so what the command prints is what a client of the gateway receives.
///
/// ```
/// use llm_sse_core::dialect::{Dialect, ResponseMeta};
/// use llm_sse_core::{Encoding, StreamChunk};
///
/// let chunk = StreamChunk::Token("Hi".into());
/// let mut out = Vec::new();
/// Encoding::frames().push(&chunk, &mut out);
/// assert_eq!(out, b"data: {\"token\":\"Hi\",\"done\":false}\n\n");
///
/// out.clear();
/// Encoding::jsonl().push(&chunk, &mut out);
/// assert_eq!(out, b"{\"token\":\"Hi\",\"done\":false}\n");
///
/// out.clear();
/// let mut openai = Dialect::OpenAi.encoder(ResponseMeta::new("chatcmpl-1", "m", 0), false);
/// openai.push(&chunk, &mut out);
/// assert!(out.starts_with(b"data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\""));
///
/// // What keeps a quiet stream open, in each form.
/// out.clear();
/// Encoding::frames().keepalive(&mut out);
/// assert_eq!(out, b": keep-alive\n\n");
/// ```
#[derive(Debug, Clone)]
pub struct Encoding {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Frames,
    Jsonl,
    OpenAi(Box<openai::Encoder>),
    Anthropic(Box<anthropic::Encoder>),
}

impl Encoding {
    /// The normalized frames of the wire contract ([`frame::encode`]): what the gateway's
    /// stream route sends.
    pub const fn frames() -> Self {
        Encoding { kind: Kind::Frames }
    }

    /// Every chunk as its compact JSON ([`frame::write_json`]) and a line end, block breaks
    /// included (`llm-sse replay --format jsonl`).
    pub const fn jsonl() -> Self {
        Encoding { kind: Kind::Jsonl }
    }

    /// `dialect`'s stream for one response (also [`Dialect::encoder`]): `include_usage` is
    /// OpenAI's `stream_options.include_usage` (Anthropic's events always carry usage).
    pub fn dialect(dialect: Dialect, meta: ResponseMeta, include_usage: bool) -> Self {
        let kind = match dialect {
            Dialect::OpenAi => Kind::OpenAi(Box::new(openai::Encoder::new(meta, include_usage))),
            Dialect::Anthropic => Kind::Anthropic(Box::new(anthropic::Encoder::new(meta))),
        };
        Encoding { kind }
    }

    /// Appends what `chunk` becomes to `out` (possibly nothing: a chunk without a frame, a
    /// field the dialect does not have) and returns the number of bytes appended.
    pub fn push(&mut self, chunk: &StreamChunk, out: &mut Vec<u8>) -> usize {
        match &mut self.kind {
            Kind::Frames => frame::encode(chunk, out),
            Kind::Jsonl => {
                let start = out.len();
                frame::write_json(chunk, out);
                out.push(b'\n');
                out.len() - start
            }
            Kind::OpenAi(encoder) => encoder.push(chunk, out),
            Kind::Anthropic(encoder) => encoder.push(chunk, out),
        }
    }

    /// Appends what keeps a quiet stream open: the frames' `: keep-alive` comment
    /// ([`KEEP_ALIVE`]), OpenAI's `: ping` comment, Anthropic's `ping` event; nothing for JSON
    /// lines, or after a dialect's end.
    pub fn keepalive(&self, out: &mut Vec<u8>) {
        match &self.kind {
            Kind::Frames => out.extend_from_slice(KEEP_ALIVE),
            Kind::Jsonl => {}
            Kind::OpenAi(encoder) => encoder.keepalive(out),
            Kind::Anthropic(encoder) => encoder.keepalive(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::{Finish, FinishReason, Provider};

    fn done() -> StreamChunk {
        StreamChunk::Done(Box::new(Finish {
            provider: Provider::Anthropic,
            id: Some("msg_1".into()),
            model: Some("m".into()),
            outcome: Ok(FinishReason::Stop),
            provider_finish_reason: Some("end_turn".into()),
            usage: None,
        }))
    }

    /// Each form writes exactly what its own encoder writes.
    #[test]
    fn each_form_is_its_encoder() {
        let chunks = [
            StreamChunk::Reasoning("hm".into()),
            StreamChunk::BlockBreak,
            StreamChunk::Token("Hi".into()),
            done(),
        ];
        let meta = ResponseMeta::new("r", "m", 7);
        let mut expected = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        let mut openai = openai::Encoder::new(meta.clone(), true);
        let mut anthropic = anthropic::Encoder::new(meta.clone());
        for chunk in &chunks {
            frame::encode(chunk, &mut expected[0]);
            frame::write_json(chunk, &mut expected[1]);
            expected[1].push(b'\n');
            openai.push(chunk, &mut expected[2]);
            anthropic.push(chunk, &mut expected[3]);
        }
        let encodings = [
            Encoding::frames(),
            Encoding::jsonl(),
            Dialect::OpenAi.encoder(meta.clone(), true),
            Dialect::Anthropic.encoder(meta, true),
        ];
        for (mut encoding, expected) in encodings.into_iter().zip(expected) {
            let mut out = Vec::new();
            let mut total = 0;
            for chunk in &chunks {
                total += encoding.push(chunk, &mut out);
            }
            assert_eq!(total, out.len());
            assert_eq!(out, expected, "{encoding:?}");
        }
    }

    #[test]
    fn keepalives() {
        let meta = ResponseMeta::new("r", "m", 7);
        let cases = [
            (Encoding::frames(), &b": keep-alive\n\n"[..]),
            (Encoding::jsonl(), b""),
            (Dialect::OpenAi.encoder(meta.clone(), false), b": ping\n\n"),
            (
                Dialect::Anthropic.encoder(meta, false),
                b"event: ping\ndata: {\"type\":\"ping\"}\n\n",
            ),
        ];
        for (encoding, expected) in cases {
            let mut out = Vec::new();
            encoding.keepalive(&mut out);
            assert_eq!(out, expected, "{encoding:?}");
        }
    }
}
