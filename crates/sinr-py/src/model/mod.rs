//! `SINrVectors`: a trained model (`sinr_embed::SinrModel`) and how to read it from Python.
//!
//! Method names follow the reference's `SINrVectors` where they mean the same
//! (`get_my_vector`, `most_similar`, `get_obj_stereotypes`, …); `docs/python.md` has the table.
//! A word argument (`obj`) is a word or its row index, as in the reference.
//!
//! The methods stay in this one file: PyO3 takes one `#[pymethods]` block per class (more
//! would need its `multiple-pymethods` feature and the `inventory` crate). Conversions are in
//! `convert.rs`.

mod convert;

pub use convert::{csr_arrays, to_scipy};

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::OnceLock;

use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use sinr_embed::{LabelRanking, SinrModel, SparseMatrix, WordId};

use crate::config::to_python;
use crate::errors::{config_error, guard, out_of_range, run, unknown_word};
use convert::{Csr, SparseVector, count, pairs, to_dense, value_word};

/// SINr word vectors: words × dimensions, each dimension a Louvain community, with every level
/// of the dendrogram, the config that made them and the training report.
#[pyclass(frozen, module = "sinr_rs", name = "SINrVectors")]
#[derive(Debug)]
pub struct PyModel {
    pub model: SinrModel,
    /// Built by the first `most_similar`.
    index: OnceLock<sinr_embed::CosineIndex>,
}

impl PyModel {
    pub fn new(model: SinrModel) -> Self {
        Self {
            model,
            index: OnceLock::new(),
        }
    }

    /// The row of a word or a row index.
    fn row(&self, obj: &Bound<'_, PyAny>) -> PyResult<usize> {
        let py = obj.py();
        if let Ok(word) = obj.extract::<String>() {
            return self
                .model
                .vocab
                .id(&word)
                .map(WordId::index)
                .ok_or_else(|| unknown_word(py, &word));
        }
        let i: i64 = obj
            .extract()
            .map_err(|_| config_error(py, "obj", "must be a word (str) or a row index (int)"))?;
        let n = self.model.vocab.len();
        match usize::try_from(i) {
            Ok(r) if r < n => Ok(r),
            Ok(r) => Err(out_of_range(py, "row", r, n)),
            Err(_) => Err(config_error(
                py,
                "obj",
                format!("is a negative row index ({i})"),
            )),
        }
    }

    fn word(&self, row: usize) -> &str {
        self.model.vocab.word(WordId(row as u32))
    }

    fn check_dim(&self, py: Python<'_>, dim: usize) -> PyResult<()> {
        let n = self.model.dimensions();
        if dim >= n {
            return Err(out_of_range(py, "dimension", dim, n));
        }
        Ok(())
    }

    /// The vectors at `level` (the model's own matrix when it is the model's level).
    fn matrix_at(&self, py: Python<'_>, level: Option<usize>) -> PyResult<Cow<'_, SparseMatrix>> {
        match level {
            None => Ok(Cow::Borrowed(&self.model.matrix)),
            Some(l) if l == self.model.level => Ok(Cow::Borrowed(&self.model.matrix)),
            Some(l) => run(py, || self.model.at_level(l)).map(Cow::Owned),
        }
    }

    /// The `topk` strongest dimensions of a row (non-zero ones only), strongest first.
    fn top_dims(&self, row: usize, topk: usize) -> Vec<(usize, f64)> {
        let (idx, val) = self.model.matrix.row(row);
        let mut dims: Vec<(usize, f64)> = idx
            .iter()
            .map(|&c| c as usize)
            .zip(val.iter().copied())
            .collect();
        dims.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        dims.truncate(topk);
        dims
    }
}

#[pymethods]
impl PyModel {
    /// Loads a model file written by `save` or by `sinr embed train`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        run(py, || SinrModel::load(&path)).map(Self::new)
    }

    /// Saves the model (the `.sinr` format of `sinr embed train`), atomically.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        run(py, || self.model.save(&path))
    }

    /// Writes the vectors in the word2vec text format (as `sinr embed export`).
    fn export_word2vec(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        run(py, || self.model.export_word2vec(&path))
    }

    fn __repr__(&self) -> String {
        format!(
            "SINrVectors({} words × {} dimensions, {} non-zeros, level {} of {})",
            self.model.vocab.len(),
            self.model.dimensions(),
            self.model.matrix.nnz(),
            self.model.level,
            self.model.dendrogram.levels.len()
        )
    }

    fn __len__(&self) -> usize {
        self.model.vocab.len()
    }

    fn __contains__(&self, word: &str) -> bool {
        self.model.vocab.id(word).is_some()
    }

    /// The words, in row order (lexicographic).
    #[getter]
    fn vocab(&self) -> Vec<String> {
        self.model.vocab.words().to_vec()
    }

    /// Corpus count of every word, in row order.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        PyArray1::from_slice(py, self.model.vocab.counts())
    }

    /// `(words, dimensions)`.
    #[getter]
    fn shape(&self) -> (usize, usize) {
        (self.model.vocab.len(), self.model.dimensions())
    }

    /// The Louvain level the dimensions belong to (0 = finest).
    #[getter]
    fn level(&self) -> usize {
        self.model.level
    }

    /// Number of Louvain levels in the dendrogram.
    #[getter]
    fn n_levels(&self) -> usize {
        self.model.dendrogram.levels.len()
    }

    /// For every dimension, the community of the model's level it stands for.
    #[getter]
    fn columns<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        PyArray1::from_slice(py, &self.model.columns)
    }

    /// Every level: communities, `Q_γ` (modularity), standard modularity, γ, passes.
    #[getter]
    fn levels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for l in &self.model.dendrogram.levels {
            let d = PyDict::new(py);
            d.set_item("communities", l.n_communities)?;
            d.set_item("modularity", l.modularity)?;
            d.set_item("standard_modularity", l.standard_modularity)?;
            d.set_item("resolution", l.resolution)?;
            d.set_item("passes", l.passes)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The config that made the model, as a dict (it can be passed back as `config=`).
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.model.config)
    }

    /// The training report (counts and per-stage times), as a dict.
    #[getter]
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.model.report)
    }

    /// Number of words (reference name).
    fn get_vocabulary_size(&self) -> usize {
        self.model.vocab.len()
    }

    /// Number of dimensions (reference name).
    fn get_number_of_dimensions(&self) -> usize {
        self.model.dimensions()
    }

    /// Number of non-zero values (reference name).
    fn get_nnz(&self) -> usize {
        self.model.matrix.nnz()
    }

    /// The row index of a word.
    fn get_index(&self, obj: &Bound<'_, PyAny>) -> PyResult<usize> {
        self.row(obj)
    }

    /// The dense vector of a word (a float64 array with one value per dimension).
    fn get_vector<'py>(&self, obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let r = self.row(obj)?;
        Ok(PyArray1::from_vec(obj.py(), self.model.matrix.dense_row(r)))
    }

    /// The dense vector of a word (reference name; `row=False` gives a dimension's column).
    #[pyo3(signature = (obj, row = true))]
    fn get_my_vector<'py>(
        &self,
        obj: &Bound<'py, PyAny>,
        row: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        if row {
            return self.get_vector(obj);
        }
        let py = obj.py();
        let dim: usize = obj
            .extract()
            .map_err(|_| config_error(py, "obj", "must be a dimension index with row=False"))?;
        self.check_dim(py, dim)?;
        let m = &self.model.matrix;
        let col = (0..m.n_rows()).map(|r| m.get(r, dim as u32)).collect();
        Ok(PyArray1::from_vec(py, col))
    }

    /// The sparse vector of a word: `(dimensions, values)`, dimensions increasing.
    fn get_sparse_vector<'py>(&self, obj: &Bound<'py, PyAny>) -> PyResult<SparseVector<'py>> {
        let py = obj.py();
        let (idx, val) = self.model.matrix.row(self.row(obj)?);
        Ok((
            PyArray1::from_vec(py, idx.iter().map(|&c| i64::from(c)).collect()),
            PyArray1::from_slice(py, val),
        ))
    }

    /// The matrix as `(data, indices, indptr)` numpy arrays, the order
    /// `scipy.sparse.csr_matrix((data, indices, indptr), shape=…)` takes. `level`: a coarser
    /// Louvain level (its vectors are sums of the model's columns); default the model's.
    #[pyo3(signature = (level = None))]
    fn to_csr<'py>(&self, py: Python<'py>, level: Option<usize>) -> PyResult<Csr<'py>> {
        Ok(csr_arrays(py, &*self.matrix_at(py, level)?))
    }

    /// The matrix as a `scipy.sparse.csr_matrix` (needs scipy).
    #[pyo3(signature = (level = None))]
    fn to_scipy<'py>(&self, py: Python<'py>, level: Option<usize>) -> PyResult<Bound<'py, PyAny>> {
        to_scipy(py, &*self.matrix_at(py, level)?)
    }

    /// The matrix as a dense 2-D float64 array (words × dimensions; mind the memory).
    #[pyo3(signature = (level = None))]
    fn to_dense<'py>(
        &self,
        py: Python<'py>,
        level: Option<usize>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        to_dense(py, &*self.matrix_at(py, level)?)
    }

    /// The community of every word at `level` (an array aligned with `vocab`).
    #[pyo3(signature = (level = 0))]
    fn partition<'py>(&self, py: Python<'py>, level: usize) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let l = run(py, || self.model.dendrogram.level(level).cloned())?;
        Ok(PyArray1::from_vec(py, l.partition))
    }

    /// The members of every community at `level`, as lists of words.
    #[pyo3(signature = (level = 0))]
    fn communities(&self, py: Python<'_>, level: usize) -> PyResult<Vec<Vec<String>>> {
        let l = run(py, || self.model.dendrogram.level(level).cloned())?;
        Ok(l.members()
            .into_iter()
            .map(|ws| {
                ws.into_iter()
                    .map(|w| self.word(w as usize).to_owned())
                    .collect()
            })
            .collect())
    }

    /// The community of a word at the model's level (reference name).
    fn get_community_membership(&self, obj: &Bound<'_, PyAny>) -> PyResult<u32> {
        let r = self.row(obj)?;
        Ok(self.model.dendrogram.levels[self.model.level].partition[r])
    }

    /// The row indices of the members of community `idx` at `level` (default: the model's).
    #[pyo3(signature = (idx, level = None))]
    fn get_community_sets(
        &self,
        py: Python<'_>,
        idx: usize,
        level: Option<usize>,
    ) -> PyResult<Vec<usize>> {
        let level = level.unwrap_or(self.model.level);
        let l = run(py, || self.model.dendrogram.level(level).cloned())?;
        if idx >= l.n_communities {
            return Err(out_of_range(py, "community", idx, l.n_communities));
        }
        Ok(l.partition
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c as usize == idx)
            .map(|(w, _)| w)
            .collect())
    }

    /// The `k` words closest to `obj` by cosine similarity, itself excluded, most similar
    /// first (ties: lower row first), as `(word, similarity)` pairs.
    #[pyo3(signature = (obj, k = 10))]
    fn most_similar(&self, obj: &Bound<'_, PyAny>, k: usize) -> PyResult<Vec<(String, f64)>> {
        let q = self.row(obj)?;
        let m = &self.model.matrix;
        let best = run(obj.py(), || {
            let index = self.index.get_or_init(|| sinr_embed::CosineIndex::new(m));
            Ok(index.most_similar(m, q, k))
        })?;
        Ok(best
            .into_iter()
            .map(|(r, s)| (self.word(r as usize).to_owned(), s))
            .collect())
    }

    /// Cosine similarity of two words (0 when a vector is zero; reference name).
    fn cosine_sim(&self, obj1: &Bound<'_, PyAny>, obj2: &Bound<'_, PyAny>) -> PyResult<f64> {
        let (a, b) = (self.row(obj1)?, self.row(obj2)?);
        Ok(
            sinr_util::sparse_cosine(self.model.matrix.row(a), self.model.matrix.row(b))
                .unwrap_or(0.0),
        )
    }

    /// The `topk` dimensions with the highest values of a word, strongest first (only its
    /// non-zero dimensions; reference name).
    #[pyo3(signature = (obj, topk = 5))]
    fn get_topk_dims(&self, obj: &Bound<'_, PyAny>, topk: usize) -> PyResult<Vec<usize>> {
        Ok(self
            .top_dims(self.row(obj)?, topk)
            .into_iter()
            .map(|d| d.0)
            .collect())
    }

    /// A word's `dims` strongest dimensions, each as a dict: `dimension`, `community`, `value`
    /// (the word's), `label` (common words typical of the community, as `sinr embed describe`),
    /// `stereotypes` (the words with the highest values on the dimension) and `descriptors` (the
    /// community's members with the highest values), both as `(word, value)` pairs.
    #[pyo3(signature = (word, dims = 5, words = 8))]
    fn describe<'py>(
        &self,
        py: Python<'py>,
        word: &str,
        dims: usize,
        words: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let m = &self.model;
        let (views, labels) = run(py, || {
            let views = m.describe(word, dims, words)?;
            let labels = m.label_words(m.level, words, LabelRanking::default())?;
            Ok((views, labels))
        })?;
        let list = PyList::empty(py);
        for v in views {
            let d = PyDict::new(py);
            d.set_item("dimension", v.dimension)?;
            d.set_item("community", v.community)?;
            d.set_item("value", v.value)?;
            d.set_item("label", &labels[v.dimension])?;
            d.set_item("stereotypes", pairs(v.stereotypes))?;
            d.set_item("descriptors", pairs(v.descriptors))?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The `topk` words with the highest values on dimension `idx`, as `(value, word)` pairs
    /// (reference name and order).
    #[pyo3(signature = (idx, topk = 5))]
    fn get_dimension_stereotypes_idx(
        &self,
        py: Python<'_>,
        idx: usize,
        topk: i64,
    ) -> PyResult<Vec<(f64, String)>> {
        self.check_dim(py, idx)?;
        run(py, || self.model.stereotypes(idx, count(topk))).map(value_word)
    }

    /// The members of dimension `idx`'s community with the highest values on it, as
    /// `(value, word)` pairs; `topk=-1`: all of them (reference name and order).
    #[pyo3(signature = (idx, topk = -1))]
    fn get_dimension_descriptors_idx(
        &self,
        py: Python<'_>,
        idx: usize,
        topk: i64,
    ) -> PyResult<Vec<(f64, String)>> {
        self.check_dim(py, idx)?;
        run(py, || self.model.descriptors(idx, count(topk))).map(value_word)
    }

    /// For each of the word's `topk_dim` strongest dimensions: `{"dimension", "value",
    /// "stereotypes": [(value, word)…]}` with `topk_val` stereotypes (reference name; `value` is
    /// the word's value on the dimension, where the reference puts `True`).
    #[pyo3(signature = (obj, topk_dim = 5, topk_val = 3))]
    fn get_obj_stereotypes<'py>(
        &self,
        obj: &Bound<'py, PyAny>,
        topk_dim: usize,
        topk_val: i64,
    ) -> PyResult<Bound<'py, PyList>> {
        self.obj_views(obj, topk_dim, topk_val, true, false)
    }

    /// As `get_obj_stereotypes` with the community's members (`"descriptors"`); `topk_val=-1`:
    /// all members (reference name).
    #[pyo3(signature = (obj, topk_dim = 5, topk_val = -1))]
    fn get_obj_descriptors<'py>(
        &self,
        obj: &Bound<'py, PyAny>,
        topk_dim: usize,
        topk_val: i64,
    ) -> PyResult<Bound<'py, PyList>> {
        self.obj_views(obj, topk_dim, topk_val, false, true)
    }

    /// Both lists in one dict per dimension (reference name).
    #[pyo3(signature = (obj, topk_dim = 5, topk_val = 3))]
    fn get_obj_stereotypes_and_descriptors<'py>(
        &self,
        obj: &Bound<'py, PyAny>,
        topk_dim: usize,
        topk_val: i64,
    ) -> PyResult<Bound<'py, PyList>> {
        self.obj_views(obj, topk_dim, topk_val, true, true)
    }

    /// The `n` label words of every dimension at `level` (default: the model's), ranked by
    /// `ranking`: "representative" (value × ln count, the default of `sinr embed describe`),
    /// "node-recall" (the reference's descriptors), "count", "floor-N" or "coherent-N" (the
    /// most representative members, ordered so that words seen together come together, N
    /// hundredths of weight on the word's value).
    #[pyo3(signature = (level = None, n = 5, ranking = "representative"))]
    fn labels(
        &self,
        py: Python<'_>,
        level: Option<usize>,
        n: usize,
        ranking: &str,
    ) -> PyResult<Vec<Vec<String>>> {
        let r = convert::ranking(py, ranking)?;
        let level = level.unwrap_or(self.model.level);
        run(py, || self.model.label_words(level, n, r))
    }
}

impl PyModel {
    fn obj_views<'py>(
        &self,
        obj: &Bound<'py, PyAny>,
        topk_dim: usize,
        topk_val: i64,
        stereotypes: bool,
        descriptors: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let py = obj.py();
        let row = self.row(obj)?;
        guard(|| {
            let list = PyList::empty(py);
            for (dim, value) in self.top_dims(row, topk_dim) {
                let d = PyDict::new(py);
                d.set_item("dimension", dim)?;
                d.set_item("value", value)?;
                if stereotypes {
                    let s = run(py, || self.model.stereotypes(dim, count(topk_val)))?;
                    d.set_item("stereotypes", value_word(s))?;
                }
                if descriptors {
                    let s = run(py, || self.model.descriptors(dim, count(topk_val)))?;
                    d.set_item("descriptors", value_word(s))?;
                }
                list.append(d)?;
            }
            Ok(list)
        })
    }
}
