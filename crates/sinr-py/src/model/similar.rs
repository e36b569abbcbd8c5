//! `most_similar` with an index kept across queries.
//!
//! `sinr_embed::SimilarityIndex` borrows the model, and a Python object cannot hold a borrow of
//! itself without a self-referential struct (unsafe code, which the workspace forbids, or a
//! crate whose macro expands to it). Building the index on every query cost about 230 ms on
//! `en-mix` (29 k words × 3.6 k dimensions): most of a query. So the index (the transposed
//! matrix and the row norms, from the same `SparseMatrix` methods) is built once and kept here,
//! and the query below is `SimilarityIndex::most_similar`'s, step for step: the same
//! accumulation order, so the same bits, and the same ranking (score, then lower row). The
//! tests compare it with the `sinr` binary's `embed similar` and with numpy's cosines.

use sinr_embed::SparseMatrix;

/// The transposed matrix and the row norms.
#[derive(Debug)]
pub struct CosineIndex {
    by_column: SparseMatrix,
    norms: Vec<f64>,
}

impl CosineIndex {
    pub fn new(m: &SparseMatrix) -> Self {
        Self {
            by_column: m.transpose(),
            norms: m.row_norms(),
        }
    }

    /// The `k` rows most similar to row `q` of `m` (the matrix the index was built from), by
    /// cosine, `q` excluded; best first, ties by lower row.
    pub fn most_similar(&self, m: &SparseMatrix, q: usize, k: usize) -> Vec<(u32, f64)> {
        let qn = self.norms[q];
        if qn == 0.0 || k == 0 {
            return Vec::new();
        }
        let mut dots = vec![0.0f64; m.n_rows()];
        let mut touched = Vec::new();
        let (idx, val) = m.row(q);
        for (&c, &v) in idx.iter().zip(val) {
            let (rows, vals) = self.by_column.row(c as usize);
            for (&r, &x) in rows.iter().zip(vals) {
                if dots[r as usize] == 0.0 {
                    touched.push(r);
                }
                dots[r as usize] += v * x;
            }
        }
        let mut scored: Vec<(u32, f64)> = touched
            .into_iter()
            .filter(|&r| r as usize != q)
            .map(|r| (r, dots[r as usize] / (qn * self.norms[r as usize])))
            .collect();
        let order = |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if scored.len() > k {
            // A total order, so selecting the k best first and sorting them gives the full
            // sort's first k.
            scored.select_nth_unstable_by(k - 1, order);
            scored.truncate(k);
        }
        scored.sort_by(order);
        scored
    }
}
