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

/// Dot product of two sorted sparse vectors.
pub fn sparse_dot(a: (&[u32], &[f64]), b: (&[u32], &[f64])) -> f64 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.0.len() && j < b.0.len() {
        match a.0[i].cmp(&b.0[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a.1[i] * b.1[j];
                i += 1;
                j += 1;
            }
        }
    }
    s
}

/// Cosine of two sparse vectors; `None` if either is zero (scipy returns NaN there).
pub fn sparse_cosine(a: (&[u32], &[f64]), b: (&[u32], &[f64])) -> Option<f64> {
    let na = a.1.iter().map(|v| v * v).sum::<f64>().sqrt();
    let nb = b.1.iter().map(|v| v * v).sum::<f64>().sqrt();
    (na > 0.0 && nb > 0.0).then(|| sparse_dot(a, b) / (na * nb))
}
