//! Word-similarity benchmarks: Spearman's ρ between human scores and cosine similarities.
//!
//! Out-of-vocabulary words, as in the reference's `eval_similarity`: a word missing from the
//! vocabulary is looked up again in lowercase; if still missing, [`OovPolicy::MeanVector`] uses
//! the mean of all vectors (the reference's choice), [`OovPolicy::Skip`] drops the pair. The
//! coverage (pairs whose two words are found) is reported either way. Unlike the reference
//! (NaN, which makes ρ NaN), the cosine with a zero vector counts as 0.

use crate::rank::spearman;
use crate::significance::{Interval, bootstrap_interval};
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
    let s = score_pairs(pairs, m, lookup, policy);
    SimilarityScore {
        spearman: s.spearman(),
        pairs: pairs.len(),
        covered: s.covered,
        used: s.gold.len(),
    }
}

/// The cosine and the human score of every pair a policy uses, kept so that ρ's uncertainty
/// can be computed without the vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPairs {
    /// Cosine of each used pair.
    pub cosines: Vec<f64>,
    /// Human score of each used pair.
    pub gold: Vec<f64>,
    /// Pairs whose two words are in the vocabulary.
    pub covered: usize,
}

impl ScoredPairs {
    /// Spearman's ρ over the used pairs.
    pub fn spearman(&self) -> f64 {
        spearman(&self.cosines, &self.gold)
    }

    /// The 95 % percentile-bootstrap confidence interval of ρ: the used pairs are resampled
    /// with replacement `resamples` times (seeded) and ρ recomputed on each resample. WS353's
    /// held-out half (176 pairs) gets an interval near ±0.08, MEN's (1,500) about ±0.03.
    pub fn interval(&self, resamples: usize, seed: u64) -> Interval {
        bootstrap_interval(
            self.gold.len(),
            |idx| {
                let a: Vec<f64> = idx.iter().map(|&i| self.cosines[i]).collect();
                let b: Vec<f64> = idx.iter().map(|&i| self.gold[i]).collect();
                spearman(&a, &b)
            },
            resamples,
            0.95,
            seed,
        )
    }
}

/// The pairs of `pairs` that `policy` uses, with their cosines in `m` (what
/// [`evaluate_similarity`] ranks).
pub fn score_pairs(
    pairs: &[(String, String, f64)],
    m: CsrView<'_>,
    lookup: impl Fn(&str) -> Option<usize>,
    policy: OovPolicy,
) -> ScoredPairs {
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
    ScoredPairs {
        cosines: cos,
        gold,
        covered,
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

    /// Words on the unit circle at angles `0, 0.1, 0.2, …`: the cosine of a pair is
    /// `cos(Δθ)`, known exactly.
    fn circle(n: usize) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
        let mut indptr = vec![0usize];
        let mut indices = Vec::new();
        let mut values = Vec::new();
        for i in 0..n {
            let t = i as f64 * 0.1;
            indices.extend([0u32, 1]);
            values.extend([t.cos(), t.sin()]);
            indptr.push(indices.len());
        }
        (indptr, indices, values)
    }

    #[test]
    fn interval_brackets_rho_and_narrows_with_more_pairs() {
        let n = 30;
        let (indptr, indices, values) = circle(n);
        let m = CsrView {
            n_cols: 2,
            indptr: &indptr,
            indices: &indices,
            values: &values,
        };
        let names: Vec<String> = (0..n).map(|i| format!("w{i}")).collect();
        let lookup = |w: &str| names.iter().position(|x| x == w);
        let mut rng = sinr_util::SplitMix64::new(7);
        let pairs = |k: usize, noise: f64, rng: &mut sinr_util::SplitMix64| {
            (0..k)
                .map(|_| {
                    let (a, b) = (rng.below(n), rng.below(n));
                    let exact = ((a as f64 - b as f64) * 0.1).cos();
                    let jitter = noise * (rng.below(1000) as f64 / 1000.0 - 0.5);
                    (names[a].clone(), names[b].clone(), exact + jitter)
                })
                .collect::<Vec<_>>()
        };
        // Human scores that are the cosines (up to rounding, which may break a tie the other
        // way): ρ near 1 on every resample.
        let exact = pairs(200, 0.0, &mut rng);
        let ci = score_pairs(&exact, m, lookup, OovPolicy::Skip).interval(200, 1);
        assert!(ci.low > 0.99 && ci.high <= 1.0 + 1e-12, "{ci:?}");
        // Noisy scores: the interval holds ρ, and four times the pairs halve its width roughly.
        let few = pairs(150, 1.0, &mut rng);
        let many = pairs(600, 1.0, &mut rng);
        let rho = evaluate_similarity(&few, m, lookup, OovPolicy::Skip).spearman;
        let a = score_pairs(&few, m, lookup, OovPolicy::Skip).interval(1000, 1);
        let b = score_pairs(&many, m, lookup, OovPolicy::Skip).interval(1000, 1);
        assert!(a.low < rho && rho < a.high, "{a:?} {rho}");
        let (wa, wb) = (a.high - a.low, b.high - b.low);
        assert!(wb < 0.7 * wa && wb > 0.3 * wa, "{wa} {wb}");
        // Same seed, same interval.
        assert_eq!(
            a,
            score_pairs(&few, m, lookup, OovPolicy::Skip).interval(1000, 1)
        );
    }
}
