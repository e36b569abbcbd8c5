//! Word-similarity benchmarks: Spearman's ρ between human scores and cosine similarities.
//!
//! Out-of-vocabulary words, as in the reference's `eval_similarity`: a word missing from the
//! vocabulary is looked up again in lowercase; if still missing, [`OovPolicy::MeanVector`] uses
//! the mean of all vectors (the reference's choice), [`OovPolicy::Skip`] drops the pair. The
//! coverage (pairs whose two words are found) is reported either way. Unlike the reference
//! (NaN, which makes ρ NaN), the cosine with a zero vector counts as 0.

use crate::rank::spearman;
use crate::sparse::{CsrView, sparse_cosine};

/// What to do with a pair that has a word outside the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OovPolicy {
    /// Use the mean vector for the missing word (reference).
    MeanVector,
    /// Leave the pair out.
    Skip,
}

/// The result on one benchmark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimilarityScore {
    /// Spearman's ρ over the pairs used.
    pub spearman: f64,
    /// Pairs in the benchmark.
    pub pairs: usize,
    /// Pairs whose two words are in the vocabulary.
    pub covered: usize,
    /// Pairs used for ρ.
    pub used: usize,
}

impl SimilarityScore {
    /// `covered / pairs`.
    pub fn coverage(&self) -> f64 {
        if self.pairs == 0 {
            0.0
        } else {
            self.covered as f64 / self.pairs as f64
        }
    }
}

/// Evaluates `m` on `pairs` (`word1, word2, human score`); `lookup` gives a word's row.
pub fn evaluate_similarity(
    pairs: &[(String, String, f64)],
    m: CsrView<'_>,
    lookup: impl Fn(&str) -> Option<usize>,
    policy: OovPolicy,
) -> SimilarityScore {
    let find = |w: &str| lookup(w).or_else(|| lookup(&w.to_lowercase()));
    let mean: Vec<(u32, f64)> = if policy == OovPolicy::MeanVector {
        let mut dense = vec![0.0; m.n_cols];
        for i in 0..m.n_rows() {
            let (idx, val) = m.row(i);
            for (&c, &v) in idx.iter().zip(val) {
                dense[c as usize] += v;
            }
        }
        let n = m.n_rows().max(1) as f64;
        dense
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(c, v)| (c as u32, v / n))
            .collect()
    } else {
        Vec::new()
    };
    let (mi, mv): (Vec<u32>, Vec<f64>) = mean.into_iter().unzip();
    let mut gold = Vec::new();
    let mut cos = Vec::new();
    let mut covered = 0;
    for (a, b, s) in pairs {
        let (ra, rb) = (find(a), find(b));
        if ra.is_some() && rb.is_some() {
            covered += 1;
        } else if policy == OovPolicy::Skip {
            continue;
        }
        let va = ra.map_or((&mi[..], &mv[..]), |r| m.row(r));
        let vb = rb.map_or((&mi[..], &mv[..]), |r| m.row(r));
        gold.push(*s);
        cos.push(sparse_cosine(va, vb).unwrap_or(0.0));
    }
    SimilarityScore {
        spearman: spearman(&cos, &gold),
        pairs: pairs.len(),
        covered,
        used: gold.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_and_coverage() {
        // rows: a=(1,0), b=(1,1), c=(0,1)
        let indptr = [0, 1, 3, 4];
        let indices = [0, 0, 1, 1];
        let values = [1.0, 1.0, 1.0, 1.0];
        let m = CsrView {
            n_cols: 2,
            indptr: &indptr,
            indices: &indices,
            values: &values,
        };
        let lookup = |w: &str| ["a", "b", "c"].iter().position(|x| *x == w);
        let pairs: Vec<(String, String, f64)> = [
            ("a", "b", 5.0),
            ("a", "c", 1.0),
            ("b", "c", 4.0),
            ("A", "zzz", 2.0),
        ]
        .iter()
        .map(|(x, y, s)| (x.to_string(), y.to_string(), *s))
        .collect();
        let skip = evaluate_similarity(&pairs, m, lookup, OovPolicy::Skip);
        assert_eq!((skip.pairs, skip.covered, skip.used), (4, 3, 3));
        // cos: ab 0.707, ac 0, bc 0.707 vs gold 5, 1, 4 → ranks (2.5,1,2.5) vs (3,1,2): ρ = 0.866
        assert!(
            (skip.spearman - 0.866_025_403_784_438_6).abs() < 1e-12,
            "{}",
            skip.spearman
        );
        let mean = evaluate_similarity(&pairs, m, lookup, OovPolicy::MeanVector);
        assert_eq!((mean.covered, mean.used), (3, 4));
        assert!((skip.coverage() - 0.75).abs() < 1e-15);
    }
}
