//! Rust values as Python ones: matrices as numpy arrays (or scipy), scored words as tuples,
//! and the few string options of the `SINrVectors` methods.

use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;

use sinr_embed::{LabelRanking, Scored, SparseMatrix};

use crate::errors::config_error;

/// `(data, indices, indptr)` of a CSR matrix, in the order `scipy.sparse.csr_matrix` takes.
pub type Csr<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
);

/// A sparse vector: `(dimensions, values)`.
pub type SparseVector<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>);

pub fn csr_arrays<'py>(py: Python<'py>, m: &SparseMatrix) -> Csr<'py> {
    let (indptr, indices, values) = m.raw();
    (
        PyArray1::from_slice(py, values),
        PyArray1::from_vec(py, indices.iter().map(|&c| i64::from(c)).collect()),
        PyArray1::from_vec(py, indptr.iter().map(|&p| p as i64).collect()),
    )
}

/// `scipy.sparse.csr_matrix` of `m` (scipy is imported only here).
pub fn to_scipy<'py>(py: Python<'py>, m: &SparseMatrix) -> PyResult<Bound<'py, PyAny>> {
    let sparse = py.import("scipy.sparse")?;
    let arrays = csr_arrays(py, m);
    sparse.call_method1("csr_matrix", (arrays, (m.n_rows(), m.n_cols())))
}

/// `m` as a dense 2-D array.
pub fn to_dense<'py>(py: Python<'py>, m: &SparseMatrix) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (rows, cols) = (m.n_rows(), m.n_cols());
    let mut out = vec![0.0f64; rows * cols];
    for r in 0..rows {
        let (idx, val) = m.row(r);
        for (&c, &v) in idx.iter().zip(val) {
            out[r * cols + c as usize] = v;
        }
    }
    PyArray1::from_vec(py, out).reshape([rows, cols])
}

pub fn pairs(xs: Vec<Scored>) -> Vec<(String, f64)> {
    xs.into_iter().map(|s| (s.word, s.score)).collect()
}

/// The reference's `(value, word)` order.
pub fn value_word(xs: Vec<Scored>) -> Vec<(f64, String)> {
    xs.into_iter().map(|s| (s.score, s.word)).collect()
}

pub fn ranking(py: Python<'_>, name: &str) -> PyResult<LabelRanking> {
    Ok(match name {
        "representative" => LabelRanking::Representative,
        "node-recall" => LabelRanking::NodeRecall,
        "count" => LabelRanking::Count,
        _ => match (
            name.strip_prefix("floor-").and_then(|n| n.parse().ok()),
            name.strip_prefix("coherent-").and_then(|n| n.parse().ok()),
        ) {
            (Some(f), _) => LabelRanking::Floor(f),
            (_, Some(w)) => LabelRanking::Coherent(w),
            _ => {
                return Err(config_error(
                    py,
                    "ranking",
                    format!(
                        "must be \"representative\", \"node-recall\", \"count\", \"floor-N\" or \"coherent-N\", got {name:?}"
                    ),
                ));
            }
        },
    })
}

/// A negative count means "all" (the reference's `topk=-1`).
pub fn count(k: i64) -> usize {
    usize::try_from(k).unwrap_or(usize::MAX)
}
