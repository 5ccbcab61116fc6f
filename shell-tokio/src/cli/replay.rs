//! `llm-sse replay`: a recorded provider response body through the normalizer, read by
//! `llm-sse-blocking`'s [`ChunkReader`].

use std::io::{self, Read};
use std::process::ExitCode;

use llm_sse_blocking::ChunkReader;
use llm_sse_core::dialect::{Dialect, ResponseMeta};
use llm_sse_core::{Encoding, Finish, Provider, StreamChunk};

use super::input::Input;
use super::output::Output;
use super::text::{TextRenderer, summary};
use super::{Failure, Format, ReplayArgs};

/// Turns chunks into output bytes in the chosen format: the core's [`Encoding`] (what the
/// gateway writes), or the text a person reads.
enum Sink {
    Encoded(Encoding),
    Text(TextRenderer),
}

impl Sink {
    fn write(&mut self, chunk: &StreamChunk, buf: &mut Vec<u8>) {
        match self {
            Sink::Encoded(encoding) => {
                encoding.push(chunk, buf);
            }
            Sink::Text(renderer) => renderer.render(chunk, buf),
        }
    }
}

/// A recording replayed in `dialect`, with usage, says about itself: the dialect's id shape
/// made from `replay`, the provider's name as the model, and `created` 0 (a recording has no
/// time).
fn replay_encoding(dialect: Dialect, provider: Provider) -> Encoding {
    let meta = ResponseMeta::new(dialect.response_id("replay"), provider.as_str(), 0);
    dialect.encoder(meta, true)
}

/// The input as a [`Read`] whose reads return the pieces [`Input`] cuts (exactly
/// `--chunk-size` bytes when given).
struct Pieces {
    input: Input,
    piece: Vec<u8>,
    at: usize,
}

impl Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.piece.len() {
            self.piece.clear();
            self.at = 0;
            match self.input.next_piece()? {
                Some(piece) => self.piece.extend_from_slice(piece),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.piece.len() - self.at);
        buf[..n].copy_from_slice(&self.piece[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

pub(super) fn run(args: &ReplayArgs) -> Result<ExitCode, Failure> {
    let input = Input::open(&args.input)?;
    let read_size = input.piece_size();
    let pieces = Pieces {
        input,
        piece: Vec::new(),
        at: 0,
    };
    let mut chunks = ChunkReader::with_limits(pieces, args.provider, args.input.limits())
        .with_read_size(read_size);
    let mut out = Output::stdout();
    let mut sink = match args.format {
        Format::Frames => Sink::Encoded(Encoding::frames()),
        Format::Jsonl => Sink::Encoded(Encoding::jsonl()),
        Format::Text => Sink::Text(TextRenderer::new(out.is_terminal())),
        Format::OpenAi => Sink::Encoded(replay_encoding(Dialect::OpenAi, args.provider)),
        Format::Anthropic => Sink::Encoded(replay_encoding(Dialect::Anthropic, args.provider)),
    };
    let mut finish: Option<Finish> = None;
    let mut buf = Vec::with_capacity(64 * 1024);
    // Write what the bytes read so far produce, flush, and only then block on the next read.
    // The reader stops at the terminal chunk: whatever follows it is never read.
    while !chunks.is_drained() {
        buf.clear();
        let mut next = chunks.next_buffered();
        if next.is_none() {
            out.flush()?;
            next = chunks.next();
        }
        while let Some(chunk) = next {
            sink.write(&chunk, &mut buf);
            if let StreamChunk::Done(fin) = chunk {
                finish = Some(*fin);
            }
            next = chunks.next_buffered();
        }
        out.write(&buf)?;
    }
    out.flush()?;
    if let (Sink::Text(_), Some(fin)) = (&sink, &finish) {
        eprint!("{}", summary(fin));
    }
    if let Some(e) = chunks.take_io_error() {
        return Err(Failure::Read(e));
    }
    Ok(match finish {
        Some(fin) if fin.is_success() => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}
