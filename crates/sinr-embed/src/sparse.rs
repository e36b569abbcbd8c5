//! A row-major sparse matrix (CSR) of `f64`: the embedding matrix, words × dimensions.

use serde::{Deserialize, Serialize};

/// Compressed sparse rows: row `i` holds `indices[indptr[i]..indptr[i+1]]` (sorted, distinct
/// column ids) with the matching `values`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SparseMatrix {
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f64>,
}

impl SparseMatrix {
    /// Builds from rows of `(column, value)` pairs; each row must be sorted by column with
    /// distinct columns below `n_cols`, and zero values are dropped.
    ///
    /// # Panics
    /// If a row is unsorted or a column is out of range (internal invariants).
    pub fn from_rows(n_cols: usize, rows: impl IntoIterator<Item = Vec<(u32, f64)>>) -> Self {
        let mut indptr = vec![0];
        let mut indices = Vec::new();
        let mut values = Vec::new();
        for row in rows {
            let mut last: Option<u32> = None;
            for (c, v) in row {
                assert!((c as usize) < n_cols, "column {c} out of range {n_cols}");
                assert!(last.is_none_or(|l| l < c), "row not sorted by column");
                last = Some(c);
                if v != 0.0 {
                    indices.push(c);
                    values.push(v);
                }
            }
            indptr.push(indices.len());
        }
        Self {
            n_cols,
            indptr,
            indices,
            values,
        }
    }

    /// Builds from raw CSR arrays, checking every invariant; returns a description of the first
    /// violation (for model files).
    pub(crate) fn from_raw(
        n_cols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        values: Vec<f64>,
    ) -> Result<Self, String> {
        if indptr.first() != Some(&0) {
            return Err("row pointer does not start at 0".into());
        }
        if indptr.last() != Some(&indices.len()) || indices.len() != values.len() {
            return Err("row pointer, indices and values disagree in length".into());
        }
        for (r, w) in indptr.windows(2).enumerate() {
            if w[0] > w[1] {
                return Err(format!("row pointer decreases at row {r}"));
            }
            if w[1] > indices.len() {
                return Err(format!("row {r} ends past the non-zeros"));
            }
            let row = &indices[w[0]..w[1]];
            if row.iter().any(|&c| c as usize >= n_cols) {
                return Err(format!("row {r} has a column out of range"));
            }
            if row.windows(2).any(|p| p[0] >= p[1]) {
                return Err(format!("row {r} is not sorted by column"));
            }
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err("a value is not finite".into());
        }
        Ok(Self {
            n_cols,
            indptr,
            indices,
            values,
        })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored (non-zero) values.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// Row `i`: its columns and values.
    #[inline]
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (s, e) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[s..e], &self.values[s..e])
    }

    /// The value at `(i, j)` (0 if not stored).
    pub fn get(&self, i: usize, j: u32) -> f64 {
        let (idx, val) = self.row(i);
        idx.binary_search(&j).map_or(0.0, |k| val[k])
    }

    /// Row pointer, column indices and values.
    pub fn raw(&self) -> (&[usize], &[u32], &[f64]) {
        (&self.indptr, &self.indices, &self.values)
    }

    /// Row `i` as a dense vector.
    pub fn dense_row(&self, i: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.n_cols];
        let (idx, val) = self.row(i);
        for (&c, &v) in idx.iter().zip(val) {
            out[c as usize] = v;
        }
        out
    }

    /// Number of non-zeros of every column.
    pub fn column_nnz(&self) -> Vec<usize> {
        let mut n = vec![0; self.n_cols];
        for &c in &self.indices {
            n[c as usize] += 1;
        }
        n
    }

    /// Euclidean norm of every row.
    pub fn row_norms(&self) -> Vec<f64> {
        (0..self.n_rows())
            .map(|i| self.row(i).1.iter().map(|v| v * v).sum::<f64>().sqrt())
            .collect()
    }

    /// Column-major copy: for every column, the rows that have it and the values.
    pub fn transpose(&self) -> SparseMatrix {
        let mut counts = vec![0usize; self.n_cols + 1];
        for &c in &self.indices {
            counts[c as usize + 1] += 1;
        }
        for i in 0..self.n_cols {
            counts[i + 1] += counts[i];
        }
        let mut next = counts.clone();
        let mut indices = vec![0u32; self.nnz()];
        let mut values = vec![0.0; self.nnz()];
        for r in 0..self.n_rows() {
            let (idx, val) = self.row(r);
            for (&c, &v) in idx.iter().zip(val) {
                let k = next[c as usize];
                indices[k] = r as u32;
                values[k] = v;
                next[c as usize] += 1;
            }
        }
        SparseMatrix {
            n_cols: self.n_rows(),
            indptr: counts,
            indices,
            values,
        }
    }

    /// Keeps the entries for which `keep(row, col, value)` holds.
    pub fn filter(&self, mut keep: impl FnMut(usize, u32, f64) -> bool) -> SparseMatrix {
        let rows = (0..self.n_rows()).map(|r| {
            let (idx, val) = self.row(r);
            idx.iter()
                .zip(val)
                .filter(|&(&c, &v)| keep(r, c, v))
                .map(|(&c, &v)| (c, v))
                .collect::<Vec<_>>()
        });
        SparseMatrix::from_rows(self.n_cols, rows.collect::<Vec<_>>())
    }

    /// Maps every column `c` to `map[c]` (dropping columns mapped to `None`) and sums entries
    /// that land on the same new column. `new_cols` is the new number of columns.
    pub fn map_columns(&self, map: &[Option<u32>], new_cols: usize) -> SparseMatrix {
        assert_eq!(map.len(), self.n_cols);
        let rows: Vec<Vec<(u32, f64)>> = (0..self.n_rows())
            .map(|r| {
                let (idx, val) = self.row(r);
                let mut out: Vec<(u32, f64)> = idx
                    .iter()
                    .zip(val)
                    .filter_map(|(&c, &v)| map[c as usize].map(|n| (n, v)))
                    .collect();
                out.sort_by_key(|e| e.0);
                let mut merged: Vec<(u32, f64)> = Vec::with_capacity(out.len());
                for (c, v) in out {
                    match merged.last_mut() {
                        Some(last) if last.0 == c => last.1 += v,
                        _ => merged.push((c, v)),
                    }
                }
                merged
            })
            .collect();
        SparseMatrix::from_rows(new_cols, rows)
    }
}

/// Cuts the rows of a CSR structure with row offsets `offsets` (`n + 1` of them) into
/// consecutive ranges of about the same number of entries, four per thread, for row-parallel
/// work: returns the bounds, from 0 to `n`, every range but the last holding at least its share.
pub(crate) fn balanced_row_bounds(offsets: &[usize]) -> Vec<usize> {
    let n = offsets.len() - 1;
    let per = offsets[n].div_ceil(4 * rayon::current_num_threads()).max(1);
    let mut bounds = vec![0];
    for a in 1..n {
        if offsets[a] - offsets[*bounds.last().expect("non-empty")] >= per {
            bounds.push(a);
        }
    }
    if n > 0 {
        bounds.push(n);
    }
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> SparseMatrix {
        SparseMatrix::from_rows(
            3,
            vec![vec![(0, 1.0), (2, 2.0)], vec![], vec![(1, 3.0), (2, 0.0)]],
        )
    }

    #[test]
    fn basic_access() {
        let m = m();
        assert_eq!((m.n_rows(), m.n_cols(), m.nnz()), (3, 3, 3));
        assert_eq!(m.get(0, 2), 2.0);
        assert_eq!(m.get(1, 0), 0.0);
        assert_eq!(m.dense_row(2), vec![0.0, 3.0, 0.0]);
        assert_eq!(m.column_nnz(), vec![1, 1, 1]);
    }

    #[test]
    fn transpose_twice_is_identity() {
        let m = m();
        assert_eq!(m.transpose().transpose(), m);
        assert_eq!(m.transpose().row(2), (&[0u32][..], &[2.0][..]));
    }

    #[test]
    fn map_columns_sums_merged() {
        let m = m();
        let s = m.map_columns(&[Some(0), Some(1), Some(0)], 2);
        assert_eq!(s.row(0), (&[0u32][..], &[3.0][..]));
        let d = m.map_columns(&[None, Some(0), Some(1)], 2);
        assert_eq!(d.row(0), (&[1u32][..], &[2.0][..]));
    }

    #[test]
    fn raw_is_validated() {
        assert!(SparseMatrix::from_raw(2, vec![0, 2], vec![1, 0], vec![1.0, 1.0]).is_err());
        assert!(SparseMatrix::from_raw(2, vec![0, 1], vec![5], vec![1.0]).is_err());
        assert!(SparseMatrix::from_raw(2, vec![1, 1], vec![0], vec![1.0]).is_err());
        assert!(SparseMatrix::from_raw(2, vec![0, 1], vec![1], vec![1.0]).is_ok());
    }
}
