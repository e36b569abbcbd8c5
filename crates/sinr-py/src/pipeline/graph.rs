//! `SINr`: the word graph, Louvain, node recall and node predominance, and `build`.

use std::time::Instant;

use numpy::PyArray1;
use pyo3::prelude::*;

use sinr_embed::{
    Dendrogram, SinrConfig, SinrModel, SparseMatrix, TrainReport, WordGraph, build_graph,
    detect_communities, merge_levels, node_predominance, node_recall,
};

use super::PyCooccurrence;
use super::postprocess;
use crate::config::{LouvainArgs, PostprocessArgs, in_pool, thread_pool, to_python};
use crate::errors::{config_error, run};
use crate::model::{PyModel, csr_arrays, to_scipy};

/// The word graph and what is computed on it: the reference's `SINr` object. Made by
/// `SINr.load_from_cooc` (isolated words are dropped, as the reference does).
#[pyclass(module = "sinr_rs", name = "SINr")]
#[derive(Debug)]
pub struct PyGraph {
    graph: WordGraph,
    config: SinrConfig,
    report: TrainReport,
    dendrogram: Option<Dendrogram>,
    /// Node recall at `config.level` before post-processing, and node predominance.
    nr: Option<SparseMatrix>,
    np: Option<SparseMatrix>,
}

impl PyGraph {
    fn dendrogram(&self, py: Python<'_>) -> PyResult<&Dendrogram> {
        self.dendrogram.as_ref().ok_or_else(|| {
            config_error(
                py,
                "communities",
                "are not detected yet: call detect_communities() first",
            )
        })
    }

    fn embeddings(&self, py: Python<'_>) -> PyResult<(&SparseMatrix, &SparseMatrix)> {
        match (&self.nr, &self.np) {
            (Some(nr), Some(np)) => Ok((nr, np)),
            _ => Err(config_error(
                py,
                "embeddings",
                "are not extracted yet: call extract_embeddings() first",
            )),
        }
    }

    fn out<'py>(py: Python<'py>, m: &SparseMatrix, scipy: bool) -> PyResult<Bound<'py, PyAny>> {
        if scipy {
            to_scipy(py, m)
        } else {
            Ok(csr_arrays(py, m).into_pyobject(py)?.into_any())
        }
    }
}

#[pymethods]
impl PyGraph {
    /// The graph of (PMI-filtered) counts: nodes are the words with at least one pair, edge
    /// weights the counts.
    #[staticmethod]
    fn load_from_cooc(py: Python<'_>, cooc: &PyCooccurrence) -> PyResult<Self> {
        let c = cooc.counts(py)?;
        let (graph, secs) = run(py, || {
            let t = Instant::now();
            Ok((build_graph(&c.matrix, &c.vocab)?, t.elapsed().as_secs_f64()))
        })?;
        let mut report = c.report.clone();
        report.nodes = graph.node_count();
        if report.edges == 0 {
            report.edges = c.matrix.nnz();
        }
        report.times.graph = secs;
        Ok(Self {
            graph,
            config: c.config.clone(),
            report,
            dendrogram: None,
            nr: None,
            np: None,
        })
    }

    /// Louvain with every keyword of `train` (`gamma`, `louvain` = "plm" | "multilevel",
    /// `max_iterations`, `seed`, `coarse_gamma`, `max_levels`, `n_jobs`); keeps every level and
    /// returns the partition of the finest (the community of every word, aligned with
    /// `get_vocabulary()`).
    #[pyo3(signature = (
        gamma = None, *, louvain = None, max_iterations = None, seed = None,
        coarse_gamma = None, max_levels = None, n_jobs = None
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword per config field, as the CLI's flags
    fn detect_communities<'py>(
        &mut self,
        py: Python<'py>,
        gamma: Option<f64>,
        louvain: Option<String>,
        max_iterations: Option<usize>,
        seed: Option<u64>,
        coarse_gamma: Option<f64>,
        max_levels: Option<usize>,
        n_jobs: Option<i64>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let mut config = self.config.clone();
        LouvainArgs {
            gamma,
            louvain,
            max_iterations,
            seed,
            coarse_gamma,
            max_levels,
        }
        .apply(py, &mut config.louvain)?;
        let pool = thread_pool(py, n_jobs)?;
        let graph = &self.graph.graph;
        let (d, secs) = run(py, || {
            in_pool(pool.as_ref(), || {
                let t = Instant::now();
                Ok((
                    detect_communities(graph, &config.louvain)?,
                    t.elapsed().as_secs_f64(),
                ))
            })
        })?;
        self.report.communities = d.levels.iter().map(|l| l.n_communities).collect();
        self.report.modularity = d.levels.iter().map(|l| l.modularity).collect();
        self.report.times.louvain = secs;
        let fine = PyArray1::from_slice(py, &d.levels[0].partition);
        self.config = config;
        self.dendrogram = Some(d);
        self.nr = None;
        self.np = None;
        Ok(fine)
    }

    /// Node recall (the vectors) and node predominance of the communities of `level` (0 =
    /// finest). Node recall at a coarser level is the sum of the finest level's columns, as in
    /// `train`.
    #[pyo3(signature = (level = 0, n_jobs = None))]
    fn extract_embeddings(
        &mut self,
        py: Python<'_>,
        level: usize,
        n_jobs: Option<i64>,
    ) -> PyResult<()> {
        let d = self.dendrogram(py)?;
        let pool = thread_pool(py, n_jobs)?;
        let g = &self.graph.graph;
        let (nr, np, secs) = run(py, || {
            in_pool(pool.as_ref(), || {
                let t = Instant::now();
                let lvl = d.level(level)?;
                let fine = &d.levels[0];
                let mut nr = node_recall(g, &fine.partition, fine.n_communities);
                for l in 0..level {
                    nr = merge_levels(&nr, &d.parents(l)?, d.levels[l + 1].n_communities);
                }
                let np = node_predominance(g, &lvl.partition, lvl.n_communities);
                Ok((nr, np, t.elapsed().as_secs_f64()))
            })
        })?;
        self.config.level = level;
        self.report.times.node_recall = secs;
        self.nr = Some(nr);
        self.np = Some(np);
        Ok(())
    }

    /// Node recall, words × communities (rows sum to 1), as `(data, indices, indptr)` arrays,
    /// or a `scipy.sparse.csr_matrix` with `scipy=True`.
    #[pyo3(signature = (scipy = false))]
    fn get_nr<'py>(&self, py: Python<'py>, scipy: bool) -> PyResult<Bound<'py, PyAny>> {
        Self::out(py, self.embeddings(py)?.0, scipy)
    }

    /// Node predominance, words × communities (columns sum to 1), as `get_nr`.
    #[pyo3(signature = (scipy = false))]
    fn get_np<'py>(&self, py: Python<'py>, scipy: bool) -> PyResult<Bound<'py, PyAny>> {
        Self::out(py, self.embeddings(py)?.1, scipy)
    }

    /// The community of every word at `level`.
    #[pyo3(signature = (level = 0))]
    fn get_communities<'py>(
        &self,
        py: Python<'py>,
        level: usize,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let d = self.dendrogram(py)?;
        let l = run(py, || d.level(level).cloned())?;
        Ok(PyArray1::from_vec(py, l.partition))
    }

    /// Number of Louvain levels detected.
    #[getter]
    fn n_levels(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.dendrogram(py)?.levels.len())
    }

    /// The words that are nodes, in id order.
    fn get_vocabulary(&self) -> Vec<String> {
        self.graph.vocab.words().to_vec()
    }

    /// Number of nodes (words with at least one edge).
    #[getter]
    fn number_of_nodes(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of edges.
    #[getter]
    fn number_of_edges(&self) -> usize {
        self.graph.edge_count()
    }

    /// The config so far, as a dict.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.config)
    }

    /// The vectors as a `SINrVectors` (the reference's `ModelBuilder(...).build()`), after the
    /// post-processing keywords of `train` (`threshold`, `sparsify`, `filter_min_nnz`,
    /// `filter_max_nnz`), in `train`'s order.
    #[pyo3(signature = (*, threshold = None, sparsify = None, filter_min_nnz = None, filter_max_nnz = None))]
    fn build(
        &self,
        py: Python<'_>,
        threshold: Option<f64>,
        sparsify: Option<usize>,
        filter_min_nnz: Option<usize>,
        filter_max_nnz: Option<usize>,
    ) -> PyResult<PyModel> {
        let d = self.dendrogram(py)?;
        let (nr, _) = self.embeddings(py)?;
        let mut config = self.config.clone();
        PostprocessArgs {
            threshold,
            sparsify,
            filter_min_nnz,
            filter_max_nnz,
        }
        .apply(&mut config.postprocess);
        let model = run(py, || {
            config.validate()?;
            let n = d.level(config.level)?.n_communities;
            let t = Instant::now();
            let (matrix, columns) = postprocess(nr.clone(), n, &config.postprocess);
            let mut report = self.report.clone();
            report.times.node_recall += t.elapsed().as_secs_f64();
            report.dimensions = matrix.n_cols();
            report.nnz = matrix.nnz();
            let level = config.level;
            Ok(SinrModel::new(
                config,
                self.graph.vocab.clone(),
                d.clone(),
                level,
                columns,
                matrix,
                report,
            ))
        })?;
        Ok(PyModel::new(model))
    }

    fn __repr__(&self) -> String {
        format!(
            "SINr({} nodes, {} edges, {})",
            self.graph.node_count(),
            self.graph.edge_count(),
            match &self.dendrogram {
                None => "no communities yet".to_owned(),
                Some(d) => format!(
                    "communities per level {:?}",
                    d.levels.iter().map(|l| l.n_communities).collect::<Vec<_>>()
                ),
            }
        )
    }
}
