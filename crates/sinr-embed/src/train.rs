//! The whole pipeline, corpus to model: tokenise → count → PMI filter → graph → Louvain → node
//! recall → post-process.

use std::time::Instant;

use crate::config::{SinrConfig, StageTimes, TrainReport};
use crate::cooccurrence::count_cooccurrences;
use crate::error::{Error, Result};
use crate::graph::build_graph;
use crate::louvain::detect_communities;
use crate::model::SinrModel;
use crate::node_recall::node_recall;
use crate::pmi::filter_pmi;
use crate::postprocess::{filter_dimensions, merge_levels, sparsify, threshold};
use crate::tokenize::{Corpus, count_words};
use sinr_util::{Progress, ProgressUnit};

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
    let csr = &graph.graph;
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
    let dendrogram = detect_communities(csr, &cfg.louvain)?;
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
    let mut matrix = node_recall(csr, &fine.partition, fine.n_communities);
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
