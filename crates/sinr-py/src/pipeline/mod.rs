//! The pipeline from Python, in one call (`train`) or step by step as the reference is used
//! (`Cooccurrence` → `pmi_filter` → `SINr.load_from_cooc` → `detect_communities` →
//! `extract_embeddings` → `build`). The steps call the same `sinr_embed` functions as
//! `sinr_embed::train`, in the same order, so both paths give the same model bit for bit
//! (tested in `tests/test_sinr.py`); the steps also give co-occurrence counts from memory and
//! node predominance, which the one-call path does not keep.

mod cooccurrence;
mod graph;

pub use cooccurrence::{PyCooccurrence, pmi_filter};
pub use graph::PyGraph;

use sinr_embed::{PostprocessConfig, SparseMatrix, filter_dimensions, sparsify, threshold};

/// Threshold, sparsify and filter the node-recall matrix of `n` communities, in
/// `sinr_embed::train`'s order; returns the matrix and the community of every kept column.
pub fn postprocess(
    mut matrix: SparseMatrix,
    n: usize,
    pp: &PostprocessConfig,
) -> (SparseMatrix, Vec<u32>) {
    let mut columns: Vec<u32> = (0..n as u32).collect();
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
    (matrix, columns)
}
