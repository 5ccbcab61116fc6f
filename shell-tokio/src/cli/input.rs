//! Reading the input in the pieces that are fed to the core.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::args::InputArgs;
use super::failure::Failure;

/// How many bytes one read asks for when no chunk size is given.
const READ_SIZE: usize = 64 * 1024;

/// The input file or standard input, read piece by piece (never all at once).
pub(super) struct Input {
    reader: Box<dyn Read>,
    buf: Vec<u8>,
    /// Feed pieces of exactly `buf.len()` bytes (the last may be shorter) rather than whatever
    /// one read returns.
    exact: bool,
    /// A read error that arrived after some bytes of a piece: reported after that piece.
    pending_error: Option<io::Error>,
}

impl Input {
    /// Opens the file named in `args`, or standard input for none or `-`.
    pub(super) fn open(args: &InputArgs) -> Result<Input, Failure> {
        let reader: Box<dyn Read> = match args.file.as_deref() {
            None => Box::new(io::stdin()),
            Some(path) if path == Path::new("-") => Box::new(io::stdin()),
            Some(path) => {
                Box::new(File::open(path).map_err(|e| Failure::Open(path.to_path_buf(), e))?)
            }
        };
        let (size, exact) = match args.chunk_size() {
            Some(n) => (n, true),
            None => (READ_SIZE, false),
        };
        Ok(Input {
            reader,
            buf: vec![0; size],
            exact,
            pending_error: None,
        })
    }

    /// The next piece of input; `Ok(None)` at the end.
    pub(super) fn next_piece(&mut self) -> io::Result<Option<&[u8]>> {
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        let mut filled = 0;
        while filled < self.buf.len() {
            match self.reader.read(&mut self.buf[filled..]) {
                Ok(0) => break,
                Ok(n) => {
                    filled += n;
                    if !self.exact {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if filled == 0 => return Err(e),
                Err(e) => {
                    self.pending_error = Some(e);
                    break;
                }
            }
        }
        Ok((filled > 0).then(|| &self.buf[..filled]))
    }
}
