//! The one-call entry points: `train` (text files, as `sinr embed train`), `train_from_counts`
//! and `train_from_graph` (as `sinr embed graph`), and `tokenize` (as `sinr embed tokenize`).
//!
//! Every keyword is a config field and defaults to `None`, meaning the preset's value (the
//! reference's by default; `default_config()` shows them); `config` is a dict in the layout of
//! `SINrVectors.config`. The keyword lists are the CLI's flags, one by one.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use sinr_embed::{Corpus, write_tokenized};
use sinr_util::NoProgress;

use crate::config::{
    LouvainArgs, ModelArgs, PostprocessArgs, TokenizerArgs, as_array, base, corpus_paths, in_pool,
    thread_pool, to_python,
};
use crate::errors::{config_error, run};
use crate::model::PyModel;
use crate::pipeline::PyCooccurrence;

/// Trains SINr on text files, as `sinr embed train`: `corpus` is a path or a list of paths
/// (UTF-8 text, streamed, never held in memory).
///
/// `preset`: "reference" (the default: the Python reference's settings) or "recommended" (what
/// the experiments use); `config`: a dict in the layout of `SINrVectors.config` instead.
/// Tokenizer: `pretokenized`, `lowercase`, `min_token_len`, `stop_words` ("english", "none" or
/// a list), `unit` ("sentence" or "line"), `min_unit_tokens`, `min_freq`, `max_vocab`,
/// `invalid_utf8` ("skip" or "fail"), `max_line_bytes`, `chunk_bytes`, `web_text` (drop URLs,
/// addresses and @handles, split #hashtags). Co-occurrence: `window`.
/// PMI filter: `pmi` ("reference", "textbook", "none"), `min_pmi`. Louvain: `gamma`, `louvain`
/// ("plm" or "multilevel"), `max_iterations`, `seed`, `coarse_gamma`, `max_levels`; `level` of
/// the vectors. Post-processing: `threshold`, `sparsify`, `filter_min_nnz`, `filter_max_nnz`.
/// `n_jobs`: threads (-1 or None: every core); the result does not depend on it.
#[pyfunction]
#[pyo3(signature = (
    corpus, *, config = None, preset = None,
    pretokenized = None, lowercase = None, min_token_len = None, stop_words = None, unit = None,
    min_unit_tokens = None, min_freq = None, max_vocab = None, invalid_utf8 = None,
    max_line_bytes = None, chunk_bytes = None, web_text = None,
    window = None, pmi = None, min_pmi = None,
    gamma = None, louvain = None, max_iterations = None, seed = None, coarse_gamma = None,
    max_levels = None, level = None,
    threshold = None, sparsify = None, filter_min_nnz = None, filter_max_nnz = None,
    n_jobs = None
))]
#[allow(clippy::too_many_arguments)] // one keyword per config field, as the CLI's flags
pub fn train(
    py: Python<'_>,
    corpus: &Bound<'_, PyAny>,
    config: Option<&Bound<'_, PyDict>>,
    preset: Option<&str>,
    pretokenized: Option<bool>,
    lowercase: Option<bool>,
    min_token_len: Option<usize>,
    stop_words: Option<Py<PyAny>>,
    unit: Option<String>,
    min_unit_tokens: Option<usize>,
    min_freq: Option<u64>,
    max_vocab: Option<usize>,
    invalid_utf8: Option<String>,
    max_line_bytes: Option<usize>,
    chunk_bytes: Option<usize>,
    web_text: Option<bool>,
    window: Option<usize>,
    pmi: Option<String>,
    min_pmi: Option<f64>,
    gamma: Option<f64>,
    louvain: Option<String>,
    max_iterations: Option<usize>,
    seed: Option<u64>,
    coarse_gamma: Option<f64>,
    max_levels: Option<usize>,
    level: Option<usize>,
    threshold: Option<f64>,
    sparsify: Option<usize>,
    filter_min_nnz: Option<usize>,
    filter_max_nnz: Option<usize>,
    n_jobs: Option<i64>,
) -> PyResult<PyModel> {
    let paths = corpus_paths(corpus)?;
    let mut cfg = base(py, config, preset)?;
    TokenizerArgs {
        pretokenized,
        lowercase,
        min_token_len,
        stop_words,
        unit,
        min_unit_tokens,
        min_freq,
        max_vocab,
        invalid_utf8,
        max_line_bytes,
        chunk_bytes,
        web_text,
    }
    .apply(py, &mut cfg.tokenizer)?;
    if let Some(w) = window {
        cfg.cooccurrence.window = w;
    }
    ModelArgs {
        pmi,
        min_pmi,
        louvain: LouvainArgs {
            gamma,
            louvain,
            max_iterations,
            seed,
            coarse_gamma,
            max_levels,
        },
        level,
        postprocess: PostprocessArgs {
            threshold,
            sparsify,
            filter_min_nnz,
            filter_max_nnz,
        },
    }
    .apply(py, &mut cfg)?;
    let pool = thread_pool(py, n_jobs)?;
    let model = run(py, || {
        in_pool(pool.as_ref(), || {
            sinr_embed::train(&Corpus::new(paths), &cfg, &NoProgress)
        })
    })?;
    Ok(PyModel::new(model))
}

/// SINr from co-occurrence counts (a `Cooccurrence`: from `fit`, `from_corpus` or
/// `from_counts`): the PMI filter, the graph, Louvain, node recall and post-processing, with
/// `train`'s keywords for those steps (`sinr_embed::train_from_counts`, the reference's
/// `load_from_cooc_pkl`). The tokenizer and window recorded in the model's config are the
/// counts'.
#[pyfunction]
#[pyo3(signature = (
    cooc, *, config = None, preset = None, pmi = None, min_pmi = None,
    gamma = None, louvain = None, max_iterations = None, seed = None, coarse_gamma = None,
    max_levels = None, level = None,
    threshold = None, sparsify = None, filter_min_nnz = None, filter_max_nnz = None,
    n_jobs = None
))]
#[allow(clippy::too_many_arguments)] // one keyword per config field, as the CLI's flags
pub fn train_from_counts(
    py: Python<'_>,
    cooc: &PyCooccurrence,
    config: Option<&Bound<'_, PyDict>>,
    preset: Option<&str>,
    pmi: Option<String>,
    min_pmi: Option<f64>,
    gamma: Option<f64>,
    louvain: Option<String>,
    max_iterations: Option<usize>,
    seed: Option<u64>,
    coarse_gamma: Option<f64>,
    max_levels: Option<usize>,
    level: Option<usize>,
    threshold: Option<f64>,
    sparsify: Option<usize>,
    filter_min_nnz: Option<usize>,
    filter_max_nnz: Option<usize>,
    n_jobs: Option<i64>,
) -> PyResult<PyModel> {
    let counts = cooc.counts(py)?;
    let mut cfg = base(py, config, preset)?;
    cfg.tokenizer = counts.config.tokenizer.clone();
    cfg.cooccurrence = counts.config.cooccurrence.clone();
    ModelArgs {
        pmi,
        min_pmi,
        louvain: LouvainArgs {
            gamma,
            louvain,
            max_iterations,
            seed,
            coarse_gamma,
            max_levels,
        },
        level,
        postprocess: PostprocessArgs {
            threshold,
            sparsify,
            filter_min_nnz,
            filter_max_nnz,
        },
    }
    .apply(py, &mut cfg)?;
    let pool = thread_pool(py, n_jobs)?;
    let model = run(py, || {
        in_pool(pool.as_ref(), || {
            sinr_embed::train_from_counts(
                counts.vocab.clone(),
                counts.matrix.clone(),
                &cfg,
                &NoProgress,
            )
        })
    })?;
    Ok(PyModel::new(model))
}

/// SINr of any weighted undirected graph, as `sinr embed graph` (the reference's
/// `load_from_graph` and `load_from_adjacency_matrix`): node `i` is named `names[i]`; the
/// edges are `rows[i]`–`cols[i]` with weight `weights[i]` (default 1), in any order and either
/// direction (repeats summed, self-loops and zero weights dropped, a negative or non-finite
/// weight an error). No PMI filter: the graph is embedded as given, with `train`'s Louvain and
/// post-processing keywords. Isolated nodes are dropped. A scipy matrix `A` gives its edges as
/// `coo = A.tocoo(); train_from_graph(names, coo.row, coo.col, coo.data)`.
#[pyfunction]
#[pyo3(signature = (
    names, rows, cols, weights = None, *, config = None, preset = None,
    gamma = None, louvain = None, max_iterations = None, seed = None, coarse_gamma = None,
    max_levels = None, level = None,
    threshold = None, sparsify = None, filter_min_nnz = None, filter_max_nnz = None,
    n_jobs = None
))]
#[allow(clippy::too_many_arguments)] // one keyword per config field, as the CLI's flags
pub fn train_from_graph(
    py: Python<'_>,
    names: Vec<String>,
    rows: &Bound<'_, PyAny>,
    cols: &Bound<'_, PyAny>,
    weights: Option<&Bound<'_, PyAny>>,
    config: Option<&Bound<'_, PyDict>>,
    preset: Option<&str>,
    gamma: Option<f64>,
    louvain: Option<String>,
    max_iterations: Option<usize>,
    seed: Option<u64>,
    coarse_gamma: Option<f64>,
    max_levels: Option<usize>,
    level: Option<usize>,
    threshold: Option<f64>,
    sparsify: Option<usize>,
    filter_min_nnz: Option<usize>,
    filter_max_nnz: Option<usize>,
    n_jobs: Option<i64>,
) -> PyResult<PyModel> {
    let rows = as_array::<i64>(rows, "rows", "int64")?;
    let cols = as_array::<i64>(cols, "cols", "int64")?;
    let weights = match weights {
        Some(w) => as_array::<f64>(w, "weights", "float64")?
            .as_array()
            .to_vec(),
        None => vec![1.0; rows.len()?],
    };
    let (rows, cols) = (rows.as_array(), cols.as_array());
    if rows.len() != cols.len() || rows.len() != weights.len() {
        return Err(config_error(
            py,
            "rows",
            format!(
                "rows, cols and weights must have the same length, got {}, {} and {}",
                rows.len(),
                cols.len(),
                weights.len()
            ),
        ));
    }
    let mut edges = Vec::with_capacity(rows.len());
    for (i, ((&u, &v), &w)) in rows.iter().zip(cols.iter()).zip(&weights).enumerate() {
        let (Ok(u), Ok(v)) = (u32::try_from(u), u32::try_from(v)) else {
            return Err(config_error(
                py,
                "rows",
                format!("edge {i}: ({u}, {v}) is not a node index"),
            ));
        };
        edges.push((u, v, w));
    }
    let mut cfg = base(py, config, preset)?;
    ModelArgs {
        louvain: LouvainArgs {
            gamma,
            louvain,
            max_iterations,
            seed,
            coarse_gamma,
            max_levels,
        },
        level,
        postprocess: PostprocessArgs {
            threshold,
            sparsify,
            filter_min_nnz,
            filter_max_nnz,
        },
        ..Default::default()
    }
    .apply(py, &mut cfg)?;
    let pool = thread_pool(py, n_jobs)?;
    let model = run(py, || {
        in_pool(pool.as_ref(), || {
            sinr_embed::train_from_graph(names, edges, &cfg, &NoProgress)
        })
    })?;
    Ok(PyModel::new(model))
}

/// Tokenises text files into `out` as `sinr embed tokenize` does: one unit per line, tokens
/// separated by one space, with the tokenizer keywords of `train` (all but `min_freq`, which
/// needs the whole corpus). The result can be read back with `pretokenized=True`, or split into
/// the lists of words the reference's `Cooccurrence.fit` takes. Returns the counts read
/// (`bytes`, `lines`, `skipped_lines`, `units`, `tokens`).
#[pyfunction]
#[pyo3(signature = (
    corpus, out, *, config = None, preset = None, pretokenized = None, lowercase = None,
    min_token_len = None, stop_words = None, unit = None, min_unit_tokens = None,
    invalid_utf8 = None, max_line_bytes = None, chunk_bytes = None, web_text = None, n_jobs = None
))]
#[allow(clippy::too_many_arguments)] // one keyword per config field, as the CLI's flags
pub fn tokenize<'py>(
    py: Python<'py>,
    corpus: &Bound<'_, PyAny>,
    out: PathBuf,
    config: Option<&Bound<'_, PyDict>>,
    preset: Option<&str>,
    pretokenized: Option<bool>,
    lowercase: Option<bool>,
    min_token_len: Option<usize>,
    stop_words: Option<Py<PyAny>>,
    unit: Option<String>,
    min_unit_tokens: Option<usize>,
    invalid_utf8: Option<String>,
    max_line_bytes: Option<usize>,
    chunk_bytes: Option<usize>,
    web_text: Option<bool>,
    n_jobs: Option<i64>,
) -> PyResult<Bound<'py, PyAny>> {
    let paths = corpus_paths(corpus)?;
    let mut cfg = base(py, config, preset)?.tokenizer;
    TokenizerArgs {
        pretokenized,
        lowercase,
        min_token_len,
        stop_words,
        unit,
        min_unit_tokens,
        invalid_utf8,
        max_line_bytes,
        chunk_bytes,
        web_text,
        ..Default::default()
    }
    .apply(py, &mut cfg)?;
    let pool = thread_pool(py, n_jobs)?;
    let stats = run(py, || {
        in_pool(pool.as_ref(), || {
            cfg.validate()?;
            let corpus = Corpus::new(paths);
            corpus.check()?;
            // The tokenizer's own error, kept apart from the writer's I/O errors.
            let mut inner = None;
            let mut stats = None;
            let written = sinr_util::write_atomically(&out, |w| {
                match write_tokenized(&corpus, &cfg, w, &NoProgress) {
                    Ok(s) => stats = Some(s),
                    Err(e) => inner = Some(e),
                }
                match inner {
                    Some(_) => Err(std::io::Error::other("tokenising failed")),
                    None => Ok(()),
                }
            });
            if let Some(e) = inner {
                return Err(e);
            }
            written.map_err(|e| sinr_embed::Error::Io {
                path: e.path,
                cause: e.source,
            })?;
            Ok(stats.unwrap_or_default())
        })
    })?;
    to_python(py, &stats)
}
