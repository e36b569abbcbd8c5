//! The one error type of `sinr-models`.

use std::path::PathBuf;

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong when building, training, saving, loading or explaining a model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A config value is out of its domain.
    #[error("invalid config: `{field}` {reason}")]
    Config {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A device that this build does not have.
    #[error("device `{name}` is not available: {reason}")]
    Device {
        /// The name asked for.
        name: String,
        /// Why.
        reason: String,
    },
    /// The embeddings do not match what the run was trained with.
    #[error("the embeddings do not match the run: {0}")]
    Mismatch(String),
    /// A label the model does not know.
    #[error("label `{label}` is not one of the model's labels ({known})")]
    UnknownLabel {
        /// The label.
        label: String,
        /// The known labels.
        known: String,
    },
    /// Nothing to work with (empty data, empty text).
    #[error("empty input: {0}")]
    Empty(String),
    /// A run directory is incomplete or corrupted.
    #[error("{}: {reason}", path.display())]
    Run {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// File input/output.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// An error about one item of the input (`line 12`, `sentence at line 40`).
    #[error("{what}")]
    In {
        /// Which item.
        what: String,
        /// The error.
        #[source]
        source: Box<Error>,
    },
    /// From the embedding crate.
    #[error(transparent)]
    Embed(#[from] sinr_embed::Error),
    /// From the data crate.
    #[error(transparent)]
    Data(#[from] sinr_data::Error),
    /// From the schema crate (reading or writing a report).
    #[error(transparent)]
    Schema(#[from] sinr_schema::Error),
}

impl Error {
    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Config {
            field,
            reason: reason.into(),
        }
    }
    /// A config error of a nested configuration, named by the field that holds it
    /// ("`fine_path` (its `sparsify`) must be at least 1"); other errors are kept.
    pub(crate) fn within(self, holder: &'static str) -> Self {
        match self {
            Self::Config { field, reason } => Self::Config {
                field: holder,
                reason: format!("(its `{field}`) {reason}"),
            },
            other => other,
        }
    }
    /// This error, about one item of the input.
    pub(crate) fn at(self, what: impl Into<String>) -> Self {
        Self::In {
            what: what.into(),
            source: Box::new(self),
        }
    }
    pub(crate) fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            cause,
        }
    }
}
