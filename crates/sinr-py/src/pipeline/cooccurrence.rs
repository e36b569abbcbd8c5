//! `Cooccurrence` (counts from units in memory, from text files, or from elsewhere) and
//! `pmi_filter`.

use std::collections::BTreeMap;
use std::time::Instant;

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use sinr_embed::{
    CooccurrenceMatrix, Corpus, SinrConfig, TrainReport, Vocabulary, WordId, count_cooccurrences,
    count_units, count_words, filter_pmi,
};
use sinr_util::NoProgress;

use crate::config::{TokenizerArgs, as_array, corpus_paths, in_pool, pmi, thread_pool};
use crate::errors::{config_error, run};

/// `(rows, cols, counts)` of the upper triangle.
type Coo<'py> = (
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<u64>>,
);

/// Symmetric co-occurrence counts (upper triangle) and their vocabulary: the reference's
/// `Cooccurrence`. Made by `fit` (units in memory, as the reference), `from_corpus` (text files,
/// as `train`) or `from_counts` (counts computed elsewhere).
#[pyclass(module = "sinr_rs", name = "Cooccurrence")]
#[derive(Debug, Default)]
pub struct PyCooccurrence {
    state: Option<Counts>,
}

#[derive(Debug, Clone)]
pub(crate) struct Counts {
    pub(crate) matrix: CooccurrenceMatrix,
    pub(crate) vocab: Vocabulary,
    pub(crate) config: SinrConfig,
    pub(crate) report: TrainReport,
}

impl PyCooccurrence {
    pub(crate) fn counts(&self, py: Python<'_>) -> PyResult<&Counts> {
        self.state.as_ref().ok_or_else(|| {
            config_error(
                py,
                "Cooccurrence",
                "is empty: call fit(units) first, or use from_corpus / from_counts",
            )
        })
    }
}

#[pymethods]
impl PyCooccurrence {
    /// An empty object; `fit` fills it (the reference's `Cooccurrence(); c.fit(units, window)`).
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Counts the co-occurrences of tokenised units (a list of lists of words) within `window`
    /// (default: the Rust default, 5). Windows never cross units; a word with itself is not
    /// counted. Counts are the reference's halved (it adds 2 per pair); the PMI filter and the
    /// vectors do not depend on that factor.
    #[pyo3(signature = (units, window = None))]
    fn fit(
        &mut self,
        py: Python<'_>,
        units: Vec<Vec<String>>,
        window: Option<usize>,
    ) -> PyResult<()> {
        let mut config = SinrConfig::default();
        config.tokenizer.pretokenized = true;
        config.tokenizer.min_freq = 1;
        config.tokenizer.min_unit_tokens = 0;
        if let Some(w) = window {
            config.cooccurrence.window = w;
        }
        let counts = run(py, || {
            let t = Instant::now();
            let mut freq: BTreeMap<&str, u64> = BTreeMap::new();
            for w in units.iter().flatten() {
                *freq.entry(w.as_str()).or_insert(0) += 1;
            }
            let vocab =
                Vocabulary::from_counts(freq.into_iter().map(|(w, c)| (w.to_owned(), c)).collect());
            let ids: Vec<Vec<WordId>> = units
                .iter()
                .map(|u| u.iter().filter_map(|w| vocab.id(w)).collect())
                .collect();
            let matrix = count_units(
                vocab.len(),
                ids.iter().map(Vec::as_slice),
                &config.cooccurrence,
            )?;
            let mut report = TrainReport {
                tokens: vocab.total_count(),
                vocabulary: vocab.len(),
                pairs: matrix.nnz(),
                ..Default::default()
            };
            report.times.cooccurrence = t.elapsed().as_secs_f64();
            Ok(Counts {
                matrix,
                vocab,
                config,
                report,
            })
        })?;
        self.state = Some(counts);
        Ok(())
    }

    /// Reads text files as `train` does (the same tokenizer keywords, `window`, `n_jobs`) and
    /// counts their co-occurrences.
    #[staticmethod]
    #[pyo3(signature = (
        corpus, *, config = None, preset = None, window = None, pretokenized = None,
        lowercase = None,
        min_token_len = None, stop_words = None, unit = None, min_unit_tokens = None,
        min_freq = None, max_vocab = None, invalid_utf8 = None, max_line_bytes = None,
        chunk_bytes = None, web_text = None, n_jobs = None
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword per config field, as the CLI's flags
    fn from_corpus(
        py: Python<'_>,
        corpus: &Bound<'_, PyAny>,
        config: Option<&Bound<'_, PyDict>>,
        preset: Option<&str>,
        window: Option<usize>,
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
        n_jobs: Option<i64>,
    ) -> PyResult<Self> {
        let paths = corpus_paths(corpus)?;
        let mut cfg = crate::config::base(py, config, preset)?;
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
        let pool = thread_pool(py, n_jobs)?;
        let counts = run(py, || {
            in_pool(pool.as_ref(), || count_corpus(&Corpus::new(paths), cfg))
        })?;
        Ok(Self {
            state: Some(counts),
        })
    }

    /// Counts computed elsewhere: `words` (distinct), and one entry per pair: `rows[i]`,
    /// `cols[i]` (indices into `words`, in either order, never equal) and `counts[i]` (summed
    /// over repeated pairs). `word_counts` (corpus count of every word) is what the
    /// "representative" labels weigh words by; default: each word's co-occurrence degree.
    #[staticmethod]
    #[pyo3(signature = (words, rows, cols, counts, word_counts = None))]
    fn from_counts(
        py: Python<'_>,
        words: Vec<String>,
        rows: &Bound<'_, PyAny>,
        cols: &Bound<'_, PyAny>,
        counts: &Bound<'_, PyAny>,
        word_counts: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let rows = as_array::<i64>(rows, "rows", "int64")?;
        let cols = as_array::<i64>(cols, "cols", "int64")?;
        let counts = as_array::<u64>(counts, "counts", "uint64")?;
        let word_counts = match word_counts {
            Some(w) => Some(as_array::<u64>(w, "word_counts", "uint64")?),
            None => None,
        };
        let (rows, cols, counts) = (rows.as_array(), cols.as_array(), counts.as_array());
        let n = words.len();
        if rows.len() != cols.len() || rows.len() != counts.len() {
            return Err(config_error(
                py,
                "rows",
                format!(
                    "rows, cols and counts must have the same length, got {}, {} and {}",
                    rows.len(),
                    cols.len(),
                    counts.len()
                ),
            ));
        }
        let mut sorted: Vec<&str> = words.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(config_error(py, "words", format!("has `{}` twice", w[0])));
        }
        let mut entries = Vec::with_capacity(rows.len());
        for (i, ((&a, &b), &c)) in rows.iter().zip(cols.iter()).zip(counts.iter()).enumerate() {
            let (Ok(a), Ok(b)) = (usize::try_from(a), usize::try_from(b)) else {
                return Err(config_error(
                    py,
                    "rows",
                    format!("entry {i}: negative index"),
                ));
            };
            if a >= n || b >= n {
                return Err(config_error(
                    py,
                    "rows",
                    format!("entry {i}: index ({a}, {b}) out of range for {n} words"),
                ));
            }
            if a == b {
                return Err(config_error(
                    py,
                    "rows",
                    format!("entry {i}: a word with itself ({a}, {a}); the diagonal must be empty"),
                ));
            }
            entries.push((a, b, c));
        }
        let word_counts: Option<Vec<u64>> = match word_counts {
            Some(wc) if wc.len()? != n => {
                return Err(config_error(
                    py,
                    "word_counts",
                    format!("has {} values for {n} words", wc.len()?),
                ));
            }
            Some(wc) => Some(wc.as_array().to_vec()),
            None => None,
        };
        let counts = run(py, || {
            let wc = word_counts.unwrap_or_else(|| {
                let mut d = vec![0u64; n];
                for &(a, b, c) in &entries {
                    d[a] = d[a].saturating_add(c);
                    d[b] = d[b].saturating_add(c);
                }
                d
            });
            let vocab = Vocabulary::from_counts(words.iter().cloned().zip(wc).collect());
            // The vocabulary sorts the words; map the caller's indices to its ids.
            let id: Vec<WordId> = words.iter().filter_map(|w| vocab.id(w)).collect();
            let matrix = CooccurrenceMatrix::from_entries(
                n,
                entries.iter().map(|&(a, b, c)| (id[a], id[b], c)),
            );
            let mut config = SinrConfig::default();
            config.tokenizer.pretokenized = true;
            config.tokenizer.min_freq = 1;
            config.tokenizer.min_unit_tokens = 0;
            let report = TrainReport {
                vocabulary: n,
                pairs: matrix.nnz(),
                ..Default::default()
            };
            Ok(Counts {
                matrix,
                vocab,
                config,
                report,
            })
        })?;
        Ok(Self {
            state: Some(counts),
        })
    }

    /// The words, in id order (lexicographic).
    #[getter]
    fn vocab(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        Ok(self.counts(py)?.vocab.words().to_vec())
    }

    /// Word → id (the reference's attribute).
    #[getter]
    fn dictionary(&self, py: Python<'_>) -> PyResult<BTreeMap<String, usize>> {
        let v = &self.counts(py)?.vocab;
        Ok(v.words().iter().cloned().zip(0..).collect())
    }

    /// Corpus count of every word.
    #[getter]
    fn word_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u64>>> {
        Ok(PyArray1::from_slice(py, self.counts(py)?.vocab.counts()))
    }

    /// Number of stored pairs.
    #[getter]
    fn nnz(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.counts(py)?.matrix.nnz())
    }

    /// The window the counts were made with.
    #[getter]
    fn window(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.counts(py)?.config.cooccurrence.window)
    }

    /// The upper triangle as `(rows, cols, counts)` arrays (rows < cols, row-major order).
    fn to_coo<'py>(&self, py: Python<'py>) -> PyResult<Coo<'py>> {
        let m = &self.counts(py)?.matrix;
        let (mut r, mut c, mut v) = (Vec::new(), Vec::new(), Vec::new());
        for (a, b, n) in m.iter() {
            r.push(i64::from(a.0));
            c.push(i64::from(b.0));
            v.push(n);
        }
        Ok((
            PyArray1::from_vec(py, r),
            PyArray1::from_vec(py, c),
            PyArray1::from_vec(py, v),
        ))
    }

    /// The upper triangle as a float64 `scipy.sparse.coo_matrix` (needs scipy), the reference's
    /// `Cooccurrence.matrix` (whose counts are twice these).
    fn to_scipy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let n = self.counts(py)?.vocab.len();
        let (r, c, v) = self.to_coo(py)?;
        let v = v.call_method1("astype", ("float64",))?;
        py.import("scipy.sparse")?
            .call_method1("coo_matrix", ((v, (r, c)), (n, n)))
    }

    fn __repr__(&self) -> String {
        match &self.state {
            None => "Cooccurrence(empty)".into(),
            Some(c) => format!(
                "Cooccurrence({} words, {} pairs, window {})",
                c.vocab.len(),
                c.matrix.nnz(),
                c.config.cooccurrence.window
            ),
        }
    }
}

fn count_corpus(corpus: &Corpus, config: SinrConfig) -> sinr_embed::Result<Counts> {
    config.validate()?;
    let mut report = TrainReport::default();
    let t = Instant::now();
    let (vocab, _) = count_words(corpus, &config.tokenizer, &NoProgress)?;
    report.times.vocabulary = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (matrix, stats) = count_cooccurrences(
        corpus,
        &config.tokenizer,
        &vocab,
        &config.cooccurrence,
        &NoProgress,
    )?;
    report.times.cooccurrence = t.elapsed().as_secs_f64();
    report.bytes = stats.bytes;
    report.lines = stats.lines;
    report.skipped_lines = stats.skipped_lines;
    report.tokens = stats.tokens;
    report.vocabulary = vocab.len();
    report.pairs = matrix.nnz();
    Ok(Counts {
        matrix,
        vocab,
        config,
        report,
    })
}

/// Keeps the pairs with a positive PMI (and at least `min_pmi`); the kept values stay the raw
/// counts, as the reference's `pmi_filter`. `convention`: "reference" (PMI − ln 2, the
/// default), "textbook" or "none".
#[pyfunction]
#[pyo3(signature = (cooc, *, min_pmi = None, convention = None))]
pub fn pmi_filter(
    py: Python<'_>,
    cooc: &PyCooccurrence,
    min_pmi: Option<f64>,
    convention: Option<&str>,
) -> PyResult<PyCooccurrence> {
    let c = cooc.counts(py)?;
    let mut config = c.config.clone();
    pmi(py, &mut config.pmi, convention, min_pmi)?;
    let (matrix, secs) = run(py, || {
        let t = Instant::now();
        Ok((
            filter_pmi(&c.matrix, &config.pmi)?,
            t.elapsed().as_secs_f64(),
        ))
    })?;
    let mut report = c.report.clone();
    report.edges = matrix.nnz();
    report.times.pmi = secs;
    Ok(PyCooccurrence {
        state: Some(Counts {
            matrix,
            vocab: c.vocab.clone(),
            config,
            report,
        }),
    })
}
