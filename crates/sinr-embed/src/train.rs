//! The whole pipeline, corpus to model: tokenise → count → PMI filter → graph → Louvain → node
//! recall → post-process.

use std::time::Instant;

use crate::config::{SinrConfig, StageTimes, TrainReport};
use crate::cooccurrence::{CooccurrenceMatrix, KEEP_IDS_BYTES, count_words_and_cooccurrences};
use crate::error::{Error, Result};
use crate::graph::{CsrGraph, WordGraph, build_graph};
use crate::louvain::detect_communities;
use crate::model::SinrModel;
use crate::node_recall::node_recall;
use crate::pmi::filter_pmi;
use crate::postprocess::{filter_dimensions, merge_levels, sparsify, threshold};
use crate::tokenize::Corpus;
use crate::vocab::Vocabulary;
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

    let (vocab, cooc, stats, [first, second]) = count_words_and_cooccurrences(
        corpus,
        &cfg.tokenizer,
        &cfg.cooccurrence,
        KEEP_IDS_BYTES,
        progress,
    )?;
    times.vocabulary = first;
    times.cooccurrence = second;
    report.bytes = stats.bytes;
    report.lines = stats.lines;
    report.skipped_lines = stats.skipped_lines;
    report.tokens = stats.tokens;
    from_counts(vocab, cooc, cfg, report, times, progress)
}

/// SINr from co-occurrence counts someone else made (the reference's
/// `load_from_cooc_pkl`): `counts` over the words of `vocab` (ids are its rows), then the PMI
/// filter, the graph, Louvain and node recall of `cfg` (its tokenizer and window unused).
///
/// # Errors
/// As [`train`]: an invalid config, or counts that leave no edge.
pub fn train_from_counts(
    vocab: Vocabulary,
    counts: CooccurrenceMatrix,
    cfg: &SinrConfig,
    progress: &dyn Progress,
) -> Result<SinrModel> {
    // No text statistics: the report's text fields stay zero.
    train_from_corpus_counts(
        vocab,
        counts,
        &crate::tokenize::CorpusStats::default(),
        cfg,
        progress,
    )
}

/// SINr from the counts of a corpus made elsewhere, by the map and reduce steps of
/// `sinr-scale`: the same model as [`train`] on that corpus with `cfg` (whose tokenizer and
/// window must be the ones the counts were made with), its report filled from `stats`.
///
/// # Errors
/// As [`train_from_counts`].
pub fn train_from_corpus_counts(
    vocab: Vocabulary,
    counts: CooccurrenceMatrix,
    stats: &crate::tokenize::CorpusStats,
    cfg: &SinrConfig,
    progress: &dyn Progress,
) -> Result<SinrModel> {
    cfg.validate()?;
    if counts.n_words() != vocab.len() {
        return Err(Error::config(
            "counts",
            format!(
                "are over {} words, the vocabulary has {}",
                counts.n_words(),
                vocab.len()
            ),
        ));
    }
    let report = TrainReport {
        bytes: stats.bytes,
        lines: stats.lines,
        skipped_lines: stats.skipped_lines,
        tokens: stats.tokens,
        ..TrainReport::default()
    };
    from_counts(vocab, counts, cfg, report, StageTimes::default(), progress)
}

/// SINr of any weighted undirected graph (the reference's `load_from_graph` and
/// `load_from_adjacency_matrix`): node `i` is named `names[i]`; `edges` are `(u, v, weight)`
/// in any order and either direction (repeats summed, self-loops and zero weights dropped,
/// a negative or non-finite weight an error). No PMI filter: the graph is embedded as given,
/// by the Louvain and node-recall settings of `cfg`. Isolated nodes are dropped, as words
/// without an edge are; a node's "count" (used to rank a community's labels) is its degree.
///
/// # Errors
/// An invalid config, a repeated name, an edge naming a node out of range, a bad weight, or a
/// graph without any edge.
pub fn train_from_graph(
    names: Vec<String>,
    edges: impl IntoIterator<Item = (u32, u32, f64)>,
    cfg: &SinrConfig,
    progress: &dyn Progress,
) -> Result<SinrModel> {
    cfg.validate()?;
    let n = names.len();
    let mut upper: Vec<(u32, u32, f64)> = Vec::new();
    for (u, v, w) in edges {
        if u as usize >= n || v as usize >= n {
            return Err(Error::config(
                "edges",
                format!("edge ({u}, {v}) names a node beyond the {n} given"),
            ));
        }
        if !(w.is_finite() && w >= 0.0) {
            return Err(Error::config(
                "edges",
                format!("edge ({u}, {v}) has weight {w}: weights must be finite and ≥ 0"),
            ));
        }
        if u != v && w > 0.0 {
            upper.push((u.min(v), u.max(v), w));
        }
    }
    upper.sort_unstable_by_key(|a| (a.0, a.1));
    upper.dedup_by(|next, kept| {
        let same = (next.0, next.1) == (kept.0, kept.1);
        if same {
            kept.2 += next.2;
        }
        same
    });
    // Node order: the names sorted (the vocabulary's order), isolated nodes dropped.
    let mut degree = vec![0u64; n];
    for &(u, v, _) in &upper {
        degree[u as usize] += 1;
        degree[v as usize] += 1;
    }
    let mut order: Vec<usize> = (0..n).filter(|&i| degree[i] > 0).collect();
    if order.is_empty() {
        return Err(Error::Empty("the graph has no edge".into()));
    }
    order.sort_unstable_by(|&a, &b| names[a].cmp(&names[b]));
    for w in order.windows(2) {
        if names[w[0]] == names[w[1]] {
            return Err(Error::config(
                "names",
                format!("node name `{}` is given twice", names[w[0]]),
            ));
        }
    }
    let mut new_id = vec![u32::MAX; n];
    for (i, &old) in order.iter().enumerate() {
        new_id[old] = i as u32;
    }
    let mut edges: Vec<(u32, u32, f64)> = upper
        .into_iter()
        .map(|(u, v, w)| {
            let (a, b) = (new_id[u as usize], new_id[v as usize]);
            (a.min(b), a.max(b), w)
        })
        .collect();
    edges.sort_unstable_by_key(|a| (a.0, a.1));
    let vocab = Vocabulary::from_sorted(
        order.iter().map(|&i| names[i].clone()).collect(),
        order.iter().map(|&i| degree[i]).collect(),
    );
    let mut report = TrainReport {
        vocabulary: n,
        pairs: edges.len(),
        edges: edges.len(),
        ..TrainReport::default()
    };
    let graph = WordGraph {
        graph: CsrGraph::from_sorted_upper(vocab.len(), || edges.iter().copied()),
        vocab,
    };
    report.nodes = graph.node_count();
    embed_graph(graph, cfg, report, StageTimes::default(), progress)
}

/// From counts on: the PMI filter and the graph, then [`embed_graph`].
fn from_counts(
    vocab: Vocabulary,
    cooc: CooccurrenceMatrix,
    cfg: &SinrConfig,
    mut report: TrainReport,
    mut times: StageTimes,
    progress: &dyn Progress,
) -> Result<SinrModel> {
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
    report.nodes = graph.node_count();
    progress.finish(&format!(
        "{} nodes ({} isolated words dropped), {} edges",
        report.nodes,
        vocab.len() - report.nodes,
        graph.edge_count()
    ));
    times.graph = t.elapsed().as_secs_f64();
    embed_graph(graph, cfg, report, times, progress)
}

/// The graph on: Louvain, node recall, post-processing.
fn embed_graph(
    graph: WordGraph,
    cfg: &SinrConfig,
    mut report: TrainReport,
    mut times: StageTimes,
    progress: &dyn Progress,
) -> Result<SinrModel> {
    let csr = &graph.graph;

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
