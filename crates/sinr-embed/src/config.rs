//! The configuration of a SINr run and the report of what it did: the types the model file
//! stores next to the vectors. They sit apart from [`crate::train`] (which produces them) and
//! [`crate::model`] (which keeps them), so that neither of those depends on the other for them.

use serde::{Deserialize, Serialize};

use crate::cooccurrence::CooccurrenceConfig;
use crate::error::{Error, Result};
use crate::louvain::{LouvainConfig, LouvainMode};
use crate::pmi::PmiConfig;
use crate::postprocess::PostprocessConfig;
use crate::tokenize::TokenizerConfig;

/// Every parameter of a SINr run; saved in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SinrConfig {
    /// Corpus → tokens.
    pub tokenizer: TokenizerConfig,
    /// Tokens → co-occurrence counts.
    pub cooccurrence: CooccurrenceConfig,
    /// Counts → kept edges.
    pub pmi: PmiConfig,
    /// Graph → communities.
    pub louvain: LouvainConfig,
    /// Which Louvain level the vectors use (0 = finest, the reference's).
    pub level: usize,
    /// Node recall → final vectors.
    pub postprocess: PostprocessConfig,
}

impl SinrConfig {
    /// The settings every experiment of the classifiers uses (`sinr embed train --preset
    /// recommended`, `sinr embed pretrained`): tokens of two letters or more, words seen five
    /// times, fine communities at γ = 50 (chosen on the word-similarity dev halves) under two
    /// coarse levels at γ = 5 (multilevel Louvain, which the transformer and the hierarchical
    /// model read). [`SinrConfig::default`] is the reference's settings instead.
    pub fn recommended() -> Self {
        let mut c = Self::default();
        c.tokenizer.min_token_len = 2;
        c.tokenizer.min_freq = 5;
        c.louvain.resolution = 50.0;
        c.louvain.mode = LouvainMode::Multilevel;
        c.louvain.coarse_resolution = Some(5.0);
        c.louvain.max_levels = 3;
        c
    }

    /// Checks every field of every step.
    pub fn validate(&self) -> Result<()> {
        self.tokenizer.validate()?;
        self.cooccurrence.validate()?;
        self.pmi.validate()?;
        self.louvain.validate()?;
        self.postprocess.validate()?;
        if self.level > 0 && self.louvain.mode == LouvainMode::Plm {
            return Err(Error::config(
                "level",
                "levels above 0 need louvain.mode = \"multilevel\"",
            ));
        }
        Ok(())
    }
}

/// Time spent in each stage, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageTimes {
    /// First pass: counting words.
    pub vocabulary: f64,
    /// Second pass: counting co-occurrences.
    pub cooccurrence: f64,
    /// PMI filter.
    pub pmi: f64,
    /// Building the graph.
    pub graph: f64,
    /// Louvain, every level.
    pub louvain: f64,
    /// Node recall and post-processing.
    pub node_recall: f64,
}

impl StageTimes {
    /// Sum of all stages.
    pub fn total(&self) -> f64 {
        self.vocabulary
            + self.cooccurrence
            + self.pmi
            + self.graph
            + self.louvain
            + self.node_recall
    }
}

/// What a run saw and made: the numbers of the summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// Bytes of text read (one pass).
    pub bytes: u64,
    /// Lines read.
    pub lines: u64,
    /// Lines skipped as invalid UTF-8.
    pub skipped_lines: u64,
    /// Tokens kept by the tokenizer, before the frequency filter.
    pub tokens: u64,
    /// Distinct words kept by `min_freq`.
    pub vocabulary: usize,
    /// Distinct co-occurring pairs.
    pub pairs: usize,
    /// Pairs kept by the PMI filter.
    pub edges: usize,
    /// Words with at least one edge (the embedded words).
    pub nodes: usize,
    /// Communities of every level.
    pub communities: Vec<usize>,
    /// `Q_γ` of every level.
    pub modularity: Vec<f64>,
    /// Dimensions of the final matrix.
    pub dimensions: usize,
    /// Non-zeros of the final matrix.
    pub nnz: usize,
    /// Time per stage.
    pub times: StageTimes,
}
