//! Errors: every one names the file.

use std::path::PathBuf;

/// A document could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid document of the expected kind: bad JSON, a missing or unknown
    /// field, a value of the wrong type (serde's message gives the field, line and column).
    #[error("{path}: not a valid {kind}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What it should hold (`evaluation report`, `analysis`, …).
        kind: &'static str,
        /// Why.
        source: serde_json::Error,
    },
    /// The file is a document of another format version.
    #[error("{path}: {kind} of format version {found}, this build reads version {expected}")]
    Version {
        /// The file.
        path: PathBuf,
        /// What it holds.
        kind: &'static str,
        /// Its version.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// The file could not be written.
    #[error(transparent)]
    Write(#[from] sinr_util::WriteError),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
