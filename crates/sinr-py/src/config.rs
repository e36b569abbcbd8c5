//! Keyword arguments → `sinr_embed` configs.
//!
//! Every keyword defaults to `None`, which means "the Rust default" (`SinrConfig::default()`,
//! shown by `sinr_rs.default_config()`), so that no default is spelled twice. A `config` dict
//! in the model file's layout (`SINrVectors.config`) may give any part of the config; keywords
//! override it, as flags override `--config` in `sinr embed train`.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use sinr_embed::{
    InvalidUtf8, LouvainConfig, LouvainMode, PmiConfig, PmiConvention, PostprocessConfig,
    SinrConfig, StopWords, TokenizerConfig, Unit,
};

use crate::errors::config_error;

/// A Python object (dict, list, number…) as JSON text, through the `json` module.
pub fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    let json = obj.py().import("json")?;
    json.call_method1("dumps", (obj,))?.extract()
}

/// JSON text as a Python object.
pub fn from_json<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

/// A serde value as a Python object (dicts, lists, numbers, strings).
pub fn to_python<'py>(py: Python<'py>, v: &impl serde::Serialize) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(v).map_err(|e| config_error(py, "config", e))?;
    from_json(py, &text)
}

/// The starting config: a preset ("reference", the default, or "recommended": what the
/// experiments use, as `--preset` of `sinr embed train`), or a dict in the model file's layout
/// (its missing fields are the reference's), not both.
pub fn base(
    py: Python<'_>,
    config: Option<&Bound<'_, PyDict>>,
    preset: Option<&str>,
) -> PyResult<SinrConfig> {
    match (config, preset) {
        (Some(_), Some(_)) => Err(config_error(
            py,
            "preset",
            "and `config` cannot both be given (a config dict is complete)",
        )),
        (Some(d), None) => serde_json::from_str(&to_json(d.as_any())?)
            .map_err(|e| config_error(py, "config", format!("(the dict) is not valid: {e}"))),
        (None, None | Some("reference")) => Ok(SinrConfig::default()),
        (None, Some("recommended")) => Ok(SinrConfig::recommended()),
        (None, Some(other)) => Err(config_error(
            py,
            "preset",
            format!("must be \"reference\" or \"recommended\", got {other:?}"),
        )),
    }
}

/// Any sequence of numbers (a list, an array of another numeric type) as a 1-D array of `T`,
/// through `numpy.asarray(obj, dtype)`.
pub fn as_array<'py, T: numpy::Element>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    dtype: &str,
) -> PyResult<numpy::PyReadonlyArray1<'py, T>> {
    let py = obj.py();
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", dtype)?;
    let arr = py
        .import("numpy")?
        .call_method("asarray", (obj,), Some(&kwargs))
        .map_err(|e| config_error(py, name, format!("is not a sequence of {dtype}: {e}")))?;
    arr.extract::<numpy::PyReadonlyArray1<'py, T>>()
        .map_err(|_| config_error(py, name, "must be a 1-D sequence of numbers"))
}

/// The corpus argument: one path (str or `os.PathLike`) or a list of them.
pub fn corpus_paths(corpus: &Bound<'_, PyAny>) -> PyResult<Vec<PathBuf>> {
    if let Ok(p) = corpus.extract::<PathBuf>() {
        return Ok(vec![p]);
    }
    if corpus.is_instance_of::<PyString>() {
        return Err(config_error(corpus.py(), "corpus", "is not a valid path"));
    }
    corpus.extract::<Vec<PathBuf>>().map_err(|_| {
        config_error(
            corpus.py(),
            "corpus",
            "must be a path (str or os.PathLike) or a list of paths",
        )
    })
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *field = v;
    }
}

/// The tokenizer keywords (`sinr embed train`'s tokenizer flags).
#[derive(Debug, Default)]
pub struct TokenizerArgs {
    pub pretokenized: Option<bool>,
    pub lowercase: Option<bool>,
    pub min_token_len: Option<usize>,
    pub stop_words: Option<Py<PyAny>>,
    pub unit: Option<String>,
    pub min_unit_tokens: Option<usize>,
    pub min_freq: Option<u64>,
    pub max_vocab: Option<usize>,
    pub invalid_utf8: Option<String>,
    pub max_line_bytes: Option<usize>,
    pub chunk_bytes: Option<usize>,
    pub web_text: Option<bool>,
}

impl TokenizerArgs {
    pub fn apply(self, py: Python<'_>, t: &mut TokenizerConfig) -> PyResult<()> {
        set(&mut t.pretokenized, self.pretokenized);
        set(&mut t.lowercase, self.lowercase);
        set(&mut t.min_token_len, self.min_token_len);
        if let Some(s) = self.stop_words {
            let s = s.bind(py);
            t.stop_words = if let Ok(name) = s.extract::<String>() {
                match name.as_str() {
                    "english" => StopWords::English,
                    "none" => StopWords::None,
                    other => {
                        return Err(config_error(
                            py,
                            "stop_words",
                            format!(
                                "must be \"english\", \"none\" or a list of words, got {other:?}"
                            ),
                        ));
                    }
                }
            } else if s.is_instance_of::<PyList>() || s.is_instance_of::<pyo3::types::PyTuple>() {
                StopWords::List(
                    s.extract()
                        .map_err(|_| config_error(py, "stop_words", "must be a list of strings"))?,
                )
            } else {
                return Err(config_error(
                    py,
                    "stop_words",
                    "must be \"english\", \"none\" or a list of words",
                ));
            };
        }
        if let Some(u) = self.unit {
            t.unit = match u.as_str() {
                "line" => Unit::Line,
                "sentence" => Unit::Sentence,
                _ => {
                    return Err(config_error(
                        py,
                        "unit",
                        format!("must be \"line\" or \"sentence\", got {u:?}"),
                    ));
                }
            };
        }
        set(&mut t.min_unit_tokens, self.min_unit_tokens);
        set(&mut t.min_freq, self.min_freq);
        if self.max_vocab.is_some() {
            t.max_vocab = self.max_vocab;
        }
        if let Some(p) = self.invalid_utf8 {
            t.invalid_utf8 = match p.as_str() {
                "skip" => InvalidUtf8::Skip,
                "fail" => InvalidUtf8::Fail,
                _ => {
                    return Err(config_error(
                        py,
                        "invalid_utf8",
                        format!("must be \"skip\" or \"fail\", got {p:?}"),
                    ));
                }
            };
        }
        set(&mut t.max_line_bytes, self.max_line_bytes);
        set(&mut t.chunk_bytes, self.chunk_bytes);
        set(&mut t.web_text, self.web_text);
        Ok(())
    }
}

/// The PMI filter keywords.
pub fn pmi(
    py: Python<'_>,
    p: &mut PmiConfig,
    convention: Option<&str>,
    min_pmi: Option<f64>,
) -> PyResult<()> {
    if let Some(c) = convention {
        p.convention = match c {
            "reference" => PmiConvention::Reference,
            "textbook" => PmiConvention::Textbook,
            "none" => PmiConvention::None,
            _ => {
                return Err(config_error(
                    py,
                    "pmi",
                    format!("must be \"reference\", \"textbook\" or \"none\", got {c:?}"),
                ));
            }
        };
    }
    set(&mut p.min_pmi, min_pmi);
    Ok(())
}

/// The Louvain keywords.
#[derive(Debug, Default)]
pub struct LouvainArgs {
    pub gamma: Option<f64>,
    pub louvain: Option<String>,
    pub max_iterations: Option<usize>,
    pub seed: Option<u64>,
    pub coarse_gamma: Option<f64>,
    pub max_levels: Option<usize>,
}

impl LouvainArgs {
    pub fn apply(self, py: Python<'_>, l: &mut LouvainConfig) -> PyResult<()> {
        set(&mut l.resolution, self.gamma);
        if let Some(m) = self.louvain {
            l.mode = match m.as_str() {
                "plm" => LouvainMode::Plm,
                "multilevel" => LouvainMode::Multilevel,
                _ => {
                    return Err(config_error(
                        py,
                        "louvain",
                        format!("must be \"plm\" or \"multilevel\", got {m:?}"),
                    ));
                }
            };
        }
        set(&mut l.max_iterations, self.max_iterations);
        if self.seed.is_some() {
            l.seed = self.seed;
        }
        if self.coarse_gamma.is_some() {
            l.coarse_resolution = self.coarse_gamma;
        }
        set(&mut l.max_levels, self.max_levels);
        Ok(())
    }
}

/// The post-processing keywords.
#[derive(Debug, Default)]
pub struct PostprocessArgs {
    pub threshold: Option<f64>,
    pub sparsify: Option<usize>,
    pub filter_min_nnz: Option<usize>,
    pub filter_max_nnz: Option<usize>,
}

impl PostprocessArgs {
    pub fn apply(self, p: &mut PostprocessConfig) {
        if self.threshold.is_some() {
            p.threshold = self.threshold;
        }
        if self.sparsify.is_some() {
            p.sparsify = self.sparsify;
        }
        if self.filter_min_nnz.is_some() {
            p.filter_min_nnz = self.filter_min_nnz;
        }
        if self.filter_max_nnz.is_some() {
            p.filter_max_nnz = self.filter_max_nnz;
        }
    }
}

/// The keywords of every training entry point after the counts: PMI filter, Louvain, level,
/// post-processing.
#[derive(Debug, Default)]
pub struct ModelArgs {
    pub pmi: Option<String>,
    pub min_pmi: Option<f64>,
    pub louvain: LouvainArgs,
    pub level: Option<usize>,
    pub postprocess: PostprocessArgs,
}

impl ModelArgs {
    pub fn apply(self, py: Python<'_>, cfg: &mut SinrConfig) -> PyResult<()> {
        pmi(py, &mut cfg.pmi, self.pmi.as_deref(), self.min_pmi)?;
        self.louvain.apply(py, &mut cfg.louvain)?;
        set(&mut cfg.level, self.level);
        self.postprocess.apply(&mut cfg.postprocess);
        Ok(())
    }
}

/// Threads: `None` or `-1` for rayon's global pool (every core, or `RAYON_NUM_THREADS`), `n > 0`
/// for a pool of `n` threads. Results do not depend on it.
pub fn thread_pool(py: Python<'_>, n_jobs: Option<i64>) -> PyResult<Option<rayon::ThreadPool>> {
    match n_jobs {
        None | Some(-1) => Ok(None),
        Some(n) if n > 0 => rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build()
            .map(Some)
            .map_err(|e| config_error(py, "n_jobs", e)),
        Some(n) => Err(config_error(
            py,
            "n_jobs",
            format!("must be -1 (every core) or at least 1, got {n}"),
        )),
    }
}

/// Runs `f` in `pool` if there is one.
pub fn in_pool<T: Send>(pool: Option<&rayon::ThreadPool>, f: impl FnOnce() -> T + Send) -> T {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}
