//! The one error type of `sinr-embed`.
//!
//! Every variant that comes from user input names what was wrong and where: the file, the line,
//! the config field. Panics are kept for broken internal invariants only.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while building, saving or loading SINr embeddings.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value is out of its domain.
    #[error("invalid config: `{field}` {reason}")]
    Config {
        /// The config field, as spelled in the config file and the CLI flag.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A file could not be opened, read or written.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error (shown in the message, so not repeated as a source).
        cause: std::io::Error,
    },

    /// A corpus line is not valid UTF-8 and the policy says to fail.
    #[error("{}:{line}: invalid UTF-8 at byte {byte} of the line (use --invalid-utf8 skip to skip such lines)", path.display())]
    InvalidUtf8 {
        /// The corpus file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// 0-based byte offset of the first invalid byte in the line.
        byte: usize,
    },

    /// A corpus line is longer than the configured limit.
    #[error("{}:{line}: line longer than {limit} bytes (raise --max-line-bytes or split the file)", path.display())]
    LineTooLong {
        /// The corpus file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The limit in bytes.
        limit: usize,
    },

    /// Nothing is left to embed: the corpus is empty, or the filters removed every word or edge.
    #[error("empty input: {0}")]
    Empty(String),

    /// A model file is truncated, corrupted, of another version or not a model at all.
    #[error("{}: not a valid SINr model file: {reason}", path.display())]
    BadModel {
        /// The model file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// A line of a word-vectors file is malformed.
    #[error("{}:{line}: {reason}", path.display())]
    BadVectors {
        /// The vectors file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },

    /// A word was asked for that the model does not know.
    #[error("word `{0}` is not in the vocabulary")]
    UnknownWord(String),

    /// A dimension or level index is out of range.
    #[error("{what} {index} is out of range (there are {len})")]
    OutOfRange {
        /// What was indexed ("dimension", "level").
        what: &'static str,
        /// The index asked for.
        index: usize,
        /// How many there are.
        len: usize,
    },
}

impl Error {
    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Config {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            cause,
        }
    }
}
