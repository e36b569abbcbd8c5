//! Sparsity statistics of an embedding: non-zeros per word and per dimension.

use crate::sparse::CsrView;

/// Summary statistics of a list of counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountStats {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// Minimum.
    pub min: usize,
    /// Maximum.
    pub max: usize,
}

fn stats(mut v: Vec<usize>) -> CountStats {
    if v.is_empty() {
        return CountStats {
            mean: 0.0,
            median: 0.0,
            min: 0,
            max: 0,
        };
    }
    v.sort_unstable();
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    };
    CountStats {
        mean: v.iter().sum::<usize>() as f64 / n as f64,
        median,
        min: v[0],
        max: v[n - 1],
    }
}

/// Sparsity of an embedding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sparsity {
    /// Non-zeros per word.
    pub per_word: CountStats,
    /// Non-zeros per dimension.
    pub per_dimension: CountStats,
    /// Share of non-zero cells.
    pub density: f64,
}

/// Sparsity statistics of `m`.
pub fn sparsity(m: CsrView<'_>) -> Sparsity {
    let per_word: Vec<usize> = (0..m.n_rows()).map(|r| m.row(r).0.len()).collect();
    let mut per_dim = vec![0usize; m.n_cols];
    for &c in m.indices {
        per_dim[c as usize] += 1;
    }
    let cells = (m.n_rows() * m.n_cols).max(1) as f64;
    Sparsity {
        per_word: stats(per_word),
        per_dimension: stats(per_dim),
        density: m.indices.len() as f64 / cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        let indptr = [0, 2, 2, 3];
        let indices = [0, 2, 2];
        let values = [1.0, 1.0, 1.0];
        let s = sparsity(CsrView {
            n_cols: 3,
            indptr: &indptr,
            indices: &indices,
            values: &values,
        });
        assert_eq!(
            (s.per_word.min, s.per_word.max, s.per_word.median),
            (0, 2, 1.0)
        );
        assert_eq!(s.per_dimension.max, 2);
        assert!((s.density - 3.0 / 9.0).abs() < 1e-15);
    }
}
