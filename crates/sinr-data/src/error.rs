//! The one error type of `sinr-data`. User-caused errors name the file, the line and the field.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with the manifest, fetching, the cache and the readers.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The manifest is not valid TOML or does not follow the schema.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong (naming the dataset and field).
        message: String,
    },

    /// A dataset name that the manifest does not have.
    #[error("unknown dataset `{name}` (known: {})", known.join(", "))]
    UnknownDataset {
        /// The name asked for.
        name: String,
        /// Every name the manifest has.
        known: Vec<String>,
    },

    /// Data that is neither a file nor a built-in task.
    #[error("`{name}`: no such file, and not a built-in data set ({})", known.join(", "))]
    UnknownData {
        /// What was asked for.
        name: String,
        /// The built-in tasks.
        known: Vec<String>,
    },

    /// A file name that the dataset does not have.
    #[error("dataset `{dataset}` has no file `{file}`")]
    UnknownFile {
        /// The dataset.
        dataset: String,
        /// The file asked for.
        file: String,
    },

    /// A download client is not installed.
    #[error("`{client}` is not available ({hint})")]
    ClientMissing {
        /// The program that was not found.
        client: String,
        /// How to get it.
        hint: String,
    },

    /// A download client ran and failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    ClientFailed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// The end of what it printed on stderr.
        stderr: String,
    },

    /// A file does not have the checksum the manifest gives.
    #[error("{dataset}/{file}: checksum mismatch for {} (expected sha256 {expected}, got {got})", path.display())]
    Checksum {
        /// The dataset.
        dataset: String,
        /// The file.
        file: String,
        /// Where the bad bytes are (or were, before they were removed).
        path: PathBuf,
        /// The manifest's sha256.
        expected: String,
        /// The sha256 found.
        got: String,
    },

    /// An archive does not contain a member the manifest names.
    #[error("{}: no member matches `{member}`", archive.display())]
    MemberMissing {
        /// The archive.
        archive: PathBuf,
        /// The member path or pattern.
        member: String,
    },

    /// An archive cannot be read.
    #[error("{}: {reason}", path.display())]
    Archive {
        /// The archive.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },

    /// Every source of a dataset failed.
    #[error("could not fetch `{dataset}` from any source:\n  {}", errors.join("\n  "))]
    AllSourcesFailed {
        /// The dataset.
        dataset: String,
        /// One message per source tried.
        errors: Vec<String>,
    },

    /// A data file has a malformed record.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The data file.
        path: PathBuf,
        /// 1-based line (or record) number.
        line: usize,
        /// What is wrong, naming the field.
        message: String,
    },

    /// A file could not be read or written.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        cause: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            cause,
        }
    }
}
