//! `sinr embed train --report`: what training SINr embeddings did and cost.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sinr_embed::TrainReport;

use crate::file::{Document, required};

/// Format version of [`EmbeddingRun`].
pub const EMBEDDING_RUN_VERSION: u32 = 1;

/// One training of SINr embeddings: the pipeline's report and its cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddingRun {
    /// [`EMBEDDING_RUN_VERSION`].
    pub version: u32,
    /// The corpus files.
    pub corpus: Vec<PathBuf>,
    /// The model file written.
    pub out: PathBuf,
    /// Counts and timings of every stage (tokens, vocabulary, edges, communities per level,
    /// modularity, seconds).
    pub report: TrainReport,
    /// Seconds to save the model.
    pub save_s: f64,
    /// Seconds of the whole run.
    pub total_s: f64,
    /// Peak resident memory, KiB (`null` where the system does not say).
    #[serde(deserialize_with = "required")]
    pub peak_rss_kib: Option<u64>,
    /// Worker threads.
    pub threads: usize,
}

impl Document for EmbeddingRun {
    const KIND: &'static str = "embedding training report";
    const VERSION: u32 = EMBEDDING_RUN_VERSION;
    fn version(&self) -> u32 {
        self.version
    }
}
