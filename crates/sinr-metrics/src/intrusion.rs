//! DistRatio: automatic word intrusion (Prouteau et al., after Sun et al. 2016), as the
//! reference's `dist_ratio` computes it, but seeded and with deterministic ties.
//!
//! For every dimension `d`: the top 5 words on `d`; an intruder drawn from the words that are in
//! the bottom half on `d` and in the top 10 % of some dimension; `intra` = mean cosine distance
//! between the top words (10 pairs), `inter` = mean cosine distance between the intruder and
//! each top word; `DistRatio_d = inter / intra`. The result is the mean over dimensions. A
//! higher ratio means the top words of a dimension are closer to each other than to an
//! intruder: the dimension is more coherent.
//!
//! Ties: the reference uses `argpartition`, which breaks ties arbitrarily (and most words have
//! value 0 on most dimensions). Here "top k" breaks ties by lower word id and only takes words
//! with a non-zero value (the reference pads a dimension with fewer non-zeros than 10 % of the
//! vocabulary with arbitrary zero-valued words), and the bottom half is every word whose value
//! is at most the value at the 50 % rank (so all the words tied at 0 count as bottom words).
//! Dimensions without any intruder candidate (the reference raises an exception) are skipped
//! and counted.

use crate::sparse::CsrView;

/// DistRatio parameters (the reference's defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistRatioConfig {
    /// Share of words forming the bottom of a dimension (`prctbot=50`).
    pub bottom: f64,
    /// Share of words forming the top of a dimension, whose union gives the intruder pool
    /// (`prcttop=10`).
    pub top: f64,
    /// Top words compared (`nbtopk=5`).
    pub top_k: usize,
    /// Seed of the intruder draws.
    pub seed: u64,
}

impl Default for DistRatioConfig {
    fn default() -> Self {
        Self {
            bottom: 0.5,
            top: 0.1,
            top_k: 5,
            seed: 0,
        }
    }
}

/// The outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct DistRatio {
    /// Mean over the scored dimensions (the reference's figure).
    pub mean: f64,
    /// Median over the scored dimensions (robust to the near-zero `intra` of dimensions whose
    /// top words have almost identical vectors).
    pub median: f64,
    /// Per dimension (NaN where skipped).
    pub per_dimension: Vec<f64>,
    /// Dimensions skipped (no intruder candidate, or fewer than 2 top words, or intra = 0).
    pub skipped: usize,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Columns as `(row, value)` lists sorted by value descending, then row ascending.
fn sorted_columns(m: CsrView<'_>) -> Vec<Vec<(u32, f64)>> {
    let mut cols = vec![Vec::new(); m.n_cols];
    for r in 0..m.n_rows() {
        let (idx, val) = m.row(r);
        for (&c, &v) in idx.iter().zip(val) {
            if v != 0.0 {
                cols[c as usize].push((r as u32, v));
            }
        }
    }
    for c in &mut cols {
        c.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    cols
}

/// The top `k` rows of a column, among its non-zero values.
fn top_rows(col: &[(u32, f64)], k: usize) -> Vec<u32> {
    col.iter().take(k).map(|e| e.0).collect()
}

/// DistRatio of every dimension of `m`, rows being words.
pub fn dist_ratio(m: CsrView<'_>, cfg: &DistRatioConfig) -> DistRatio {
    dist_ratio_inner(m, cfg, None)
}

/// DistRatio with given top words: `labels[d]` (word rows, the first `cfg.top_k` of them
/// compared) stand for dimension `d` instead of its highest values, so that the words a
/// dimension is read by are tested for intrusion. The intruder is drawn as in [`dist_ratio`].
pub fn dist_ratio_of_labels(
    m: CsrView<'_>,
    labels: &[Vec<u32>],
    cfg: &DistRatioConfig,
) -> DistRatio {
    assert_eq!(labels.len(), m.n_cols, "one label per dimension");
    dist_ratio_inner(m, cfg, Some(labels))
}

fn dist_ratio_inner(
    m: CsrView<'_>,
    cfg: &DistRatioConfig,
    labels: Option<&[Vec<u32>]>,
) -> DistRatio {
    let n = m.n_rows();
    let cols = sorted_columns(m);
    let top_n = ((cfg.top * n as f64).round() as usize).max(1);
    let bottom_n = ((cfg.bottom * n as f64).round() as usize).max(1);
    let mut in_union = vec![false; n];
    for col in &cols {
        for r in top_rows(col, top_n) {
            in_union[r as usize] = true;
        }
    }
    let union: Vec<u32> = (0..n as u32).filter(|&r| in_union[r as usize]).collect();
    let norms: Vec<f64> = (0..n).map(|r| m.norm(r)).collect();
    let dist = |a: u32, b: u32| {
        let d = norms[a as usize] * norms[b as usize];
        if d > 0.0 {
            1.0 - m.dot(a as usize, b as usize) / d
        } else {
            1.0
        }
    };
    let mut stamp = vec![usize::MAX; n];
    let mut state = cfg.seed;
    let mut per = Vec::with_capacity(m.n_cols);
    let mut skipped = 0;
    for (d, col) in cols.iter().enumerate() {
        for e in col {
            stamp[e.0 as usize] = d;
        }
        // Bottom half: the words ranked in the lowest `bottom_n` values, ties at the threshold
        // included. Values ascending: the zeros (n − nnz of them) come first.
        let zeros = n - col.len();
        let thr = if zeros >= bottom_n {
            0.0
        } else {
            col[col.len() - (bottom_n - zeros)].1
        };
        let mut candidates: Vec<u32> = union
            .iter()
            .copied()
            .filter(|&r| stamp[r as usize] != d)
            .collect();
        if thr > 0.0 {
            candidates.extend(
                col.iter()
                    .filter(|e| e.1 <= thr && in_union[e.0 as usize])
                    .map(|e| e.0),
            );
            candidates.sort_unstable();
        }
        let top: Vec<u32> = match labels {
            Some(l) => {
                let top: Vec<u32> = l[d].iter().take(cfg.top_k).copied().collect();
                candidates.retain(|r| !top.contains(r));
                top
            }
            None => top_rows(col, cfg.top_k),
        };
        if candidates.is_empty() || top.len() < 2 {
            per.push(f64::NAN);
            skipped += 1;
            continue;
        }
        let pick = ((u128::from(splitmix(&mut state)) * candidates.len() as u128) >> 64) as usize;
        let intruder = candidates[pick];
        let mut intra = 0.0;
        let mut pairs = 0;
        for i in 0..top.len() {
            for j in i + 1..top.len() {
                intra += dist(top[i], top[j]);
                pairs += 1;
            }
        }
        let intra = intra / pairs as f64;
        let inter = top.iter().map(|&t| dist(intruder, t)).sum::<f64>() / top.len() as f64;
        if intra <= 0.0 {
            per.push(f64::NAN);
            skipped += 1;
            continue;
        }
        per.push(inter / intra);
    }
    let mut scored: Vec<f64> = per.iter().copied().filter(|v| v.is_finite()).collect();
    let mean = if scored.is_empty() {
        f64::NAN
    } else {
        scored.iter().sum::<f64>() / scored.len() as f64
    };
    scored.sort_by(f64::total_cmp);
    let median = if scored.is_empty() {
        f64::NAN
    } else {
        scored[scored.len() / 2]
    };
    DistRatio {
        mean,
        median,
        per_dimension: per,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_labels_replace_the_top_words() {
        // 12 words on 2 dimensions as below; labelling dimension 0 by its own top words gives
        // dist_ratio's figure, labelling it by words of dimension 1 gives a ratio below 1.
        let t = two_topics();
        let m = t.view();
        let cfg = DistRatioConfig::default();
        let own = dist_ratio(m, &cfg);
        let same = dist_ratio_of_labels(m, &[vec![0, 1, 2, 3, 4], vec![6, 7, 8, 9, 10]], &cfg);
        assert_eq!(own.per_dimension, same.per_dimension);
        let wrong = dist_ratio_of_labels(m, &[vec![0, 1, 8, 9, 10], vec![6, 7, 8, 9, 10]], &cfg);
        assert!(
            wrong.per_dimension[0] < 1.0 && own.per_dimension[0] > 1.0,
            "{wrong:?}"
        );
    }

    /// A matrix's arrays, owned.
    struct Owned(Vec<usize>, Vec<u32>, Vec<f64>);

    impl Owned {
        fn view(&self) -> CsrView<'_> {
            CsrView {
                n_cols: 2,
                indptr: &self.0,
                indices: &self.1,
                values: &self.2,
            }
        }
    }

    /// 12 words, 2 dimensions; words 0–5 live on dim 0 with slight spread, 6–11 on dim 1.
    fn two_topics() -> Owned {
        let mut indptr = vec![0];
        let mut indices = Vec::new();
        let mut values = Vec::new();
        for w in 0..12u32 {
            let (main, other) = if w < 6 { (0, 1) } else { (1, 0) };
            let (a, b) = (1.0 - 0.02 * f64::from(w % 6), 0.02 * f64::from(w % 6));
            let mut row = vec![(main, a), (other, b)];
            row.sort_by_key(|e| e.0);
            for (c, v) in row {
                if v != 0.0 {
                    indices.push(c);
                    values.push(v);
                }
            }
            indptr.push(indices.len());
        }
        Owned(indptr, indices, values)
    }

    #[test]
    fn coherent_dimensions_score_above_one() {
        let t = two_topics();
        let m = t.view();
        let cfg = DistRatioConfig {
            top: 0.5,
            ..DistRatioConfig::default()
        };
        let r = dist_ratio(m, &cfg);
        assert_eq!(r.skipped, 0);
        assert!(r.mean > 10.0, "{r:?}");
        assert_eq!(r, dist_ratio(m, &cfg), "seeded: the same result twice");
    }
}
