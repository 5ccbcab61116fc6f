//! Why a subcommand stopped early (mapped to exit code 2, or 0 for a closed pipe, by
//! [`super`]).

use std::io;
use std::path::PathBuf;

use super::output::WriteError;

/// Why a subcommand stopped early.
#[derive(Debug)]
pub(super) enum Failure {
    /// The input file could not be opened.
    Open(PathBuf, io::Error),
    /// Reading the input failed.
    Read(io::Error),
    /// Writing standard output failed.
    Write(io::Error),
}

impl From<WriteError> for Failure {
    fn from(e: WriteError) -> Self {
        Failure::Write(e.0)
    }
}
