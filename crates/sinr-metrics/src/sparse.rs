//! A borrowed view of a row-major sparse matrix (CSR), so metrics take any embedding without
//! depending on the crate that made it.

/// Words × dimensions in CSR form: row `i` is `indices[indptr[i]..indptr[i+1]]` (sorted) with
/// the matching `values`.
#[derive(Debug, Clone, Copy)]
pub struct CsrView<'a> {
    /// Number of columns (dimensions).
    pub n_cols: usize,
    /// Row pointer, length rows + 1.
    pub indptr: &'a [usize],
    /// Column of every value.
    pub indices: &'a [u32],
    /// The values.
    pub values: &'a [f64],
}

impl<'a> CsrView<'a> {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> (&'a [u32], &'a [f64]) {
        let (s, e) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[s..e], &self.values[s..e])
    }

    /// Dot product of rows `a` and `b`.
    pub fn dot(&self, a: usize, b: usize) -> f64 {
        sparse_dot(self.row(a), self.row(b))
    }

    /// Euclidean norm of row `i`.
    pub fn norm(&self, i: usize) -> f64 {
        self.row(i).1.iter().map(|v| v * v).sum::<f64>().sqrt()
    }
}

pub use sinr_util::{sparse_cosine, sparse_dot};
