//! Post-processing of the SINr matrix: the reference's 0.01 threshold, `sparsify(k)`, community
//! (dimension) filtering (Béranger et al. 2023), and coarse-level vectors from the dendrogram.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::sparse::SparseMatrix;

/// What to do to the node-recall matrix after it is computed, in this order: threshold, sparsify,
/// filter dimensions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[derive(Default)]
pub struct PostprocessConfig {
    /// Zero the values below this (reference `ThresholdedModelBuilder`: 0.01; plain
    /// `ModelBuilder`: none).
    pub threshold: Option<f64>,
    /// Keep the `k` largest values of each row (reference `sparsify(k)`, no default; its README
    /// uses 100).
    pub sparsify: Option<usize>,
    /// Drop dimensions active (non-zero) for fewer words than this.
    pub filter_min_nnz: Option<usize>,
    /// Drop dimensions active for more words than this.
    pub filter_max_nnz: Option<usize>,
}

impl PostprocessConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        if let Some(t) = self.threshold
            && !(0.0..1.0).contains(&t)
        {
            return Err(Error::config(
                "threshold",
                format!("must be in [0, 1), got {t}"),
            ));
        }
        if self.sparsify == Some(0) {
            return Err(Error::config("sparsify", "must be at least 1"));
        }
        if let (Some(lo), Some(hi)) = (self.filter_min_nnz, self.filter_max_nnz)
            && lo > hi
        {
            return Err(Error::config(
                "filter_min_nnz",
                format!("({lo}) must not exceed filter_max_nnz ({hi})"),
            ));
        }
        Ok(())
    }
}

/// Zeroes every value below `t`.
pub fn threshold(m: &SparseMatrix, t: f64) -> SparseMatrix {
    m.filter(|_, _, v| v >= t)
}

/// Keeps the `k` largest values of every row; rows with at most `k` values are unchanged. Ties
/// are broken towards the lower dimension id, so the result is deterministic (the reference's
/// `argsort` breaks them arbitrarily). No renormalisation, as in the reference.
pub fn sparsify(m: &SparseMatrix, k: usize) -> SparseMatrix {
    let rows = (0..m.n_rows()).map(|r| {
        let (idx, val) = m.row(r);
        let mut entries: Vec<(u32, f64)> = idx.iter().copied().zip(val.iter().copied()).collect();
        if entries.len() > k {
            entries.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            entries.truncate(k);
            entries.sort_by_key(|e| e.0);
        }
        entries
    });
    SparseMatrix::from_rows(m.n_cols(), rows.collect::<Vec<_>>())
}

/// Drops the dimensions whose number of non-zero values is below `min` or above `max`. Returns
/// the matrix and, for each kept new column, its old column id.
pub fn filter_dimensions(
    m: &SparseMatrix,
    min: Option<usize>,
    max: Option<usize>,
) -> (SparseMatrix, Vec<u32>) {
    let nnz = m.column_nnz();
    let mut map = vec![None; m.n_cols()];
    let mut kept = Vec::new();
    for (c, &n) in nnz.iter().enumerate() {
        let ok = min.is_none_or(|lo| n >= lo) && max.is_none_or(|hi| n <= hi);
        if ok {
            map[c] = Some(kept.len() as u32);
            kept.push(c as u32);
        }
    }
    (m.map_columns(&map, kept.len()), kept)
}

/// Vectors of a coarser level: column `c` of `m` (a community of the fine level) is added into
/// column `parent[c]`. NR is additive over communities, so this equals NR computed with the
/// coarse partition directly.
pub fn merge_levels(m: &SparseMatrix, parent: &[u32], n_coarse: usize) -> SparseMatrix {
    let map: Vec<Option<u32>> = parent.iter().map(|&p| Some(p)).collect();
    m.map_columns(&map, n_coarse)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> SparseMatrix {
        SparseMatrix::from_rows(
            4,
            vec![
                vec![(0, 0.4), (1, 0.3), (2, 0.3)],
                vec![(3, 1.0)],
                vec![(0, 0.005), (3, 0.995)],
            ],
        )
    }

    #[test]
    fn sparsify_breaks_ties_towards_lower_ids() {
        let s = sparsify(&m(), 2);
        assert_eq!(s.row(0), (&[0u32, 1][..], &[0.4, 0.3][..]));
        assert_eq!(s.row(1).0, &[3]);
        assert_eq!(s.nnz(), 5);
    }

    #[test]
    fn threshold_drops_small_values() {
        let t = threshold(&m(), 0.01);
        assert_eq!(t.row(2), (&[3u32][..], &[0.995][..]));
    }

    #[test]
    fn filter_by_column_nnz() {
        // column nnz: [2, 1, 1, 2]
        let (f, kept) = filter_dimensions(&m(), Some(2), None);
        assert_eq!(kept, vec![0, 3]);
        assert_eq!(f.n_cols(), 2);
        assert_eq!(f.row(2), (&[0u32, 1][..], &[0.005, 0.995][..]));
        let (g, kept) = filter_dimensions(&m(), None, Some(1));
        assert_eq!(kept, vec![1, 2]);
        assert_eq!(g.row(1).0.len(), 0);
    }

    #[test]
    fn merge_sums_children() {
        let c = merge_levels(&m(), &[0, 0, 1, 1], 2);
        assert_eq!(c.row(0), (&[0u32, 1][..], &[0.7, 0.3][..]));
        assert_eq!(c.row(1), (&[1u32][..], &[1.0][..]));
    }

    #[test]
    fn validate_names_fields() {
        let bad = PostprocessConfig {
            sparsify: Some(0),
            ..PostprocessConfig::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("sparsify"));
    }
}
