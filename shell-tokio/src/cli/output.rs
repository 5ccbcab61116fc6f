//! Buffered standard output that is flushed after each piece of input, so output streams.

use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};

/// A failed write to standard output.
#[derive(Debug)]
pub(super) struct WriteError(pub(super) io::Error);

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> Self {
        WriteError(e)
    }
}

/// Standard output, buffered between flushes.
pub(super) struct Output {
    out: BufWriter<StdoutLock<'static>>,
    terminal: bool,
}

impl Output {
    pub(super) fn stdout() -> Output {
        let stdout = io::stdout();
        let terminal = stdout.is_terminal();
        Output {
            out: BufWriter::with_capacity(64 * 1024, stdout.lock()),
            terminal,
        }
    }

    /// True when standard output is a terminal (and colours may be used).
    pub(super) fn is_terminal(&self) -> bool {
        self.terminal
    }

    pub(super) fn write(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        Ok(self.out.write_all(bytes)?)
    }

    /// Writes everything buffered so far; called after each piece of input is processed.
    pub(super) fn flush(&mut self) -> Result<(), WriteError> {
        Ok(self.out.flush()?)
    }
}
