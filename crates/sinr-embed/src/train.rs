//! The whole pipeline, corpus to model: tokenise → count → PMI filter → graph → Louvain → node
//! recall → post-process.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::cooccurrence::{CooccurrenceConfig, count_cooccurrences};
use crate::error::{Error, Result};
use crate::graph::build_graph;
use crate::louvain::{LouvainConfig, detect_communities};
use crate::model::SinrModel;
use crate::node_recall::node_recall;
use crate::pmi::{PmiConfig, filter_pmi};
use crate::postprocess::{PostprocessConfig, filter_dimensions, merge_levels, sparsify, threshold};
use crate::tokenize::{Corpus, TokenizerConfig, count_words};
use sinr_util::{Progress, ProgressUnit};

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
    /// Checks every field of every step.
    pub fn validate(&self) -> Result<()> {
        self.tokenizer.validate()?;
        self.cooccurrence.validate()?;
        self.pmi.validate()?;
        self.louvain.validate()?;
        self.postprocess.validate()?;
        if self.level > 0 && self.louvain.mode == crate::louvain::LouvainMode::Plm {
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

/// Runs the pipeline on `corpus`.
///
/// # Errors
/// An invalid config (naming the field), an unreadable corpus (naming the file and line), or an
/// input that leaves nothing to embed.
pub fn train(corpus: &Corpus, cfg: &SinrConfig, progress: &dyn Progress) -> Result<SinrModel> {
    cfg.validate()?;
    let mut report = TrainReport::default();
    let mut times = StageTimes::default();

    let t = Instant::now();
    let (vocab, _) = count_words(corpus, &cfg.tokenizer, progress)?;
    times.vocabulary = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let (cooc, stats) =
        count_cooccurrences(corpus, &cfg.tokenizer, &vocab, &cfg.cooccurrence, progress)?;
    times.cooccurrence = t.elapsed().as_secs_f64();
    report.bytes = stats.bytes;
    report.lines = stats.lines;
    report.skipped_lines = stats.skipped_lines;
    report.tokens = stats.tokens;
    report.vocabulary = vocab.len();
    report.pairs = cooc.nnz();

    let t = Instant::now();
    progress.start("PMI filter", None, ProgressUnit::Items("steps"));
    let kept = filter_pmi(&cooc, &cfg.pmi)?;
    drop(cooc);
    report.edges = kept.nnz();
    progress.finish(&format!("{} of {} pairs kept", report.edges, report.pairs));
    times.pmi = t.elapsed().as_secs_f64();

    let t = Instant::now();
    progress.start("building the graph", None, ProgressUnit::Items("steps"));
    let graph = build_graph(&kept, &vocab)?;
    drop(kept);
    let csr = graph.to_csr();
    report.nodes = graph.node_count();
    progress.finish(&format!(
        "{} nodes ({} isolated words dropped), {} edges",
        report.nodes,
        vocab.len() - report.nodes,
        graph.edge_count()
    ));
    times.graph = t.elapsed().as_secs_f64();

    let t = Instant::now();
    progress.start("Louvain", None, ProgressUnit::Items("steps"));
    let dendrogram = detect_communities(&csr, &cfg.louvain)?;
    report.communities = dendrogram.levels.iter().map(|l| l.n_communities).collect();
    report.modularity = dendrogram.levels.iter().map(|l| l.modularity).collect();
    progress.finish(&format!(
        "{} level(s), communities {:?}",
        dendrogram.levels.len(),
        report.communities
    ));
    times.louvain = t.elapsed().as_secs_f64();

    let t = Instant::now();
    progress.start("node recall", None, ProgressUnit::Items("steps"));
    let level = dendrogram.level(cfg.level).map_err(|_| {
        Error::config(
            "level",
            format!(
                "is {}, but Louvain found only {} level(s)",
                cfg.level,
                dendrogram.levels.len()
            ),
        )
    })?;
    let fine = &dendrogram.levels[0];
    let mut matrix = node_recall(&csr, &fine.partition, fine.n_communities);
    for l in 0..cfg.level {
        let parent = dendrogram.parents(l)?;
        matrix = merge_levels(&matrix, &parent, dendrogram.levels[l + 1].n_communities);
    }
    let mut columns: Vec<u32> = (0..level.n_communities as u32).collect();
    let pp = &cfg.postprocess;
    if let Some(t) = pp.threshold {
        matrix = threshold(&matrix, t);
    }
    if let Some(k) = pp.sparsify {
        matrix = sparsify(&matrix, k);
    }
    if pp.filter_min_nnz.is_some() || pp.filter_max_nnz.is_some() {
        let (m, kept) = filter_dimensions(&matrix, pp.filter_min_nnz, pp.filter_max_nnz);
        matrix = m;
        columns = kept;
    }
    report.dimensions = matrix.n_cols();
    report.nnz = matrix.nnz();
    progress.finish(&format!(
        "{} words × {} dimensions, {} non-zeros",
        matrix.n_rows(),
        matrix.n_cols(),
        matrix.nnz()
    ));
    times.node_recall = t.elapsed().as_secs_f64();
    report.times = times;

    Ok(SinrModel::new(
        cfg.clone(),
        graph.vocab,
        dendrogram,
        cfg.level,
        columns,
        matrix,
        report,
    ))
}
