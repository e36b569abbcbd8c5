//! Errors of the map and reduce steps: each names the file or shard it is about.

use std::path::PathBuf;

/// What went wrong in a map or reduce step.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Tokenising or counting failed (the error names the corpus file and line).
    #[error(transparent)]
    Embed(#[from] sinr_embed::Error),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A counts file is unreadable, of the wrong kind, or does not fit with the others.
    #[error("{}: {message}", path.display())]
    File {
        /// The file (a shard, the vocabulary, the counts).
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The counts directory as a whole is not ready for a step (a shard missing, say).
    #[error("{}: {message}", dir.display())]
    Directory {
        /// The counts directory.
        dir: PathBuf,
        /// What is missing or wrong.
        message: String,
    },
    /// The query engine failed.
    #[error("{engine}: {message}")]
    Engine {
        /// `DataFusion` or `Ballista`.
        engine: &'static str,
        /// Its message.
        message: String,
    },
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::File {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn dir(dir: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Directory {
            dir: dir.into(),
            message: message.into(),
        }
    }
}
