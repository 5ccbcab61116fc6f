//! [`ChunkReader`]: normalized chunks from a reader of a provider's response body.

use std::io::{self, Read};

use llm_sse_core::sse::Limits;
use llm_sse_core::{Normalizer, Provider, StreamChunk, StreamError, StreamErrorKind};

use crate::READ_SIZE;

/// An iterator of the [`StreamChunk`]s of a provider's streaming response body read from `R`.
///
/// Every stream ends with exactly one terminal chunk ([`StreamChunk::Done`]), then `None`: a
/// body that ends early gets an `incomplete_stream` error terminal chunk, and a read error a
/// `connection_error` one (the [`io::Error`] itself is kept: see
/// [`take_io_error`](ChunkReader::take_io_error)). Nothing is read after the terminal chunk.
///
/// ```
/// use std::io::{self, Read};
/// use llm_sse_blocking::ChunkReader;
/// use llm_sse_core::{Provider, StreamChunk};
///
/// /// A connection that drops after a few bytes.
/// struct Dropped(usize);
/// impl Read for Dropped {
///     fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
///         self.0 += 1;
///         match self.0 {
///             1 => { buf[..6].copy_from_slice(b": ping"); Ok(6) }
///             _ => Err(io::ErrorKind::ConnectionReset.into()),
///         }
///     }
/// }
///
/// let mut chunks = ChunkReader::new(Dropped(0), Provider::OpenAi);
/// let Some(StreamChunk::Done(finish)) = chunks.next() else { panic!("a terminal chunk") };
/// assert_eq!(finish.error().unwrap().error_type(), "connection_error");
/// assert!(chunks.next().is_none());
/// assert_eq!(chunks.take_io_error().unwrap().kind(), io::ErrorKind::ConnectionReset);
/// ```
///
/// Replaying a recording:
///
/// ```no_run
/// use llm_sse_blocking::ChunkReader;
/// use llm_sse_core::{Provider, StreamChunk};
///
/// let file = std::fs::File::open("tests/fixtures/anthropic/text.sse")?;
/// for chunk in ChunkReader::new(file, Provider::Anthropic) {
///     match chunk {
///         StreamChunk::Token(text) => print!("{text}"),
///         StreamChunk::Done(finish) => println!("\n[{}]", finish.finish_reason_str()),
///         _ => {}
///     }
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct ChunkReader<R> {
    reader: R,
    normalizer: Normalizer,
    buf: Box<[u8]>,
    io_error: Option<io::Error>,
}

/// A read error ends the stream with `connection_error`.
fn connection_error(e: &io::Error) -> StreamError {
    StreamError::new(
        StreamErrorKind::ConnectionError,
        format!("reading the response body failed: {e}"),
    )
}

impl<R: Read> ChunkReader<R> {
    /// Reads `provider`'s stream format from `reader` with the default parser [`Limits`].
    pub fn new(reader: R, provider: Provider) -> Self {
        ChunkReader::with_limits(reader, provider, Limits::DEFAULT)
    }

    /// Reads `provider`'s stream format from `reader` with the given parser limits.
    pub fn with_limits(reader: R, provider: Provider, limits: Limits) -> Self {
        ChunkReader {
            reader,
            normalizer: Normalizer::with_limits(provider, limits),
            buf: vec![0; READ_SIZE].into_boxed_slice(),
            io_error: None,
        }
    }

    /// Reads up to `size` bytes at a time (at least 1; the default is 16 KiB). Each read is fed
    /// to the normalizer as it is, so a reader that returns pieces of exactly N bytes has them
    /// fed as pieces of N bytes when `size >= N`.
    #[must_use]
    pub fn with_read_size(mut self, size: usize) -> Self {
        self.buf = vec![0; size.max(1)].into_boxed_slice();
        self
    }

    /// The next chunk that can be produced from the bytes already read, without reading:
    /// `None` means that [`next`](Iterator::next) would have to read (or that the stream is
    /// over). A relay drains this, flushes its output, and only then blocks on the next read.
    pub fn next_buffered(&mut self) -> Option<StreamChunk> {
        self.normalizer.next_chunk()
    }

    /// True once the terminal chunk has been handed out: the iterator is over.
    pub fn is_drained(&self) -> bool {
        self.normalizer.is_drained()
    }

    /// The read error that ended the stream with `connection_error`, if any (taken once).
    pub fn take_io_error(&mut self) -> Option<io::Error> {
        self.io_error.take()
    }

    /// The underlying reader.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: Read> Iterator for ChunkReader<R> {
    type Item = StreamChunk;

    fn next(&mut self) -> Option<StreamChunk> {
        loop {
            if let Some(chunk) = self.normalizer.next_chunk() {
                return Some(chunk);
            }
            if self.normalizer.is_closed() {
                return None;
            }
            match self.reader.read(&mut self.buf) {
                Ok(0) => self.normalizer.finish(),
                Ok(n) => self.normalizer.feed(&self.buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.normalizer.fail(connection_error(&e));
                    self.io_error = Some(e);
                }
            }
        }
    }
}
