//! Interpretability metrics over plain slices: how complete, faithful, compact, stable, plausible
//! an explanation is, and how different importance methods agree. Each function's doc gives its
//! definition and source.

/// Completeness of an additive decomposition: `|logit − Σ contributions|` (Sundararajan et al.
/// 2017 call it completeness; Mickus et al. 2022 build on it). Must be ~0 for an exact split.
pub fn completeness_error(logit: f64, contributions: &[f64]) -> f64 {
    (logit - contributions.iter().sum::<f64>()).abs()
}

/// The indices of `scores` from most to least important (ties: lower index first).
pub fn ranking(scores: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    idx
}

/// How many tokens make `fraction` of `n` (at least 1, at most `n`): `ceil(fraction · n)`.
pub fn top_count(n: usize, fraction: f64) -> usize {
    ((fraction * n as f64).ceil() as usize).clamp(1.min(n), n)
}

/// ERASER comprehensiveness at one fraction (DeYoung et al. 2020): the drop of the predicted
/// class's probability when the top-`fraction` tokens are removed, `p(x) − p(x ∖ top)`.
/// `predict(kept)` returns the probability of the originally predicted class for the text made
/// of the tokens whose mask entry is true.
pub fn comprehensiveness(
    scores: &[f64],
    fraction: f64,
    predict: &mut dyn FnMut(&[bool]) -> f64,
) -> f64 {
    let n = scores.len();
    let full = predict(&vec![true; n]);
    let mut keep = vec![true; n];
    for &i in ranking(scores).iter().take(top_count(n, fraction)) {
        keep[i] = false;
    }
    full - predict(&keep)
}

/// ERASER sufficiency at one fraction: `p(x) − p(top only)` (lower is better).
pub fn sufficiency(scores: &[f64], fraction: f64, predict: &mut dyn FnMut(&[bool]) -> f64) -> f64 {
    let n = scores.len();
    let full = predict(&vec![true; n]);
    let mut keep = vec![false; n];
    for &i in ranking(scores).iter().take(top_count(n, fraction)) {
        keep[i] = true;
    }
    full - predict(&keep)
}

/// The token fractions of the ERASER curves.
pub const ERASER_FRACTIONS: [f64; 5] = [0.01, 0.05, 0.10, 0.20, 0.50];

/// AOPC (Samek et al. 2017; ERASER's aggregate): the mean of a measure over the fractions.
pub fn aopc(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

/// A seeded random importance (the calibration baseline of faithfulness).
pub fn random_scores(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = sinr_util::SplitMix64::new(seed ^ 0x2545_f491_4f6c_dd1d);
    (0..n).map(|_| rng.unit()).collect()
}

/// Kendall's τ-b between two score vectors (ties handled as in scipy's default). NaN when one
/// side is constant.
pub fn kendall_tau(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let n = a.len();
    let (mut conc, mut disc, mut ta, mut tb) = (0f64, 0f64, 0f64, 0f64);
    for i in 0..n {
        for j in i + 1..n {
            let da = a[i] - a[j];
            let db = b[i] - b[j];
            if da == 0.0 && db == 0.0 {
                continue;
            } else if da == 0.0 {
                ta += 1.0;
            } else if db == 0.0 {
                tb += 1.0;
            } else if da.signum() == db.signum() {
                conc += 1.0;
            } else {
                disc += 1.0;
            }
        }
    }
    let denom = ((conc + disc + ta) * (conc + disc + tb)).sqrt();
    if denom == 0.0 {
        f64::NAN
    } else {
        (conc - disc) / denom
    }
}

/// Overlap of the top-`k` items of two rankings: `|top_k(a) ∩ top_k(b)| / k`.
pub fn top_k_overlap(a: &[f64], b: &[f64], k: usize) -> f64 {
    let k = k.min(a.len()).min(b.len());
    if k == 0 {
        return f64::NAN;
    }
    let ta: std::collections::HashSet<usize> = ranking(a).into_iter().take(k).collect();
    ranking(b)
        .into_iter()
        .take(k)
        .filter(|i| ta.contains(i))
        .count() as f64
        / k as f64
}

/// Overlap of two sets of item ids (e.g. the top communities of two seeds): Jaccard.
pub fn jaccard<T: std::hash::Hash + Eq>(a: &[T], b: &[T]) -> f64 {
    let sa: std::collections::HashSet<&T> = a.iter().collect();
    let sb: std::collections::HashSet<&T> = b.iter().collect();
    let union = sa.union(&sb).count();
    if union == 0 {
        1.0
    } else {
        sa.intersection(&sb).count() as f64 / union as f64
    }
}

/// Compactness: how many terms (largest absolute first) cover `share` of the total absolute mass
/// of `contributions` (e.g. 0.9). 0 for an all-zero vector.
pub fn terms_to_cover(contributions: &[f64], share: f64) -> usize {
    let mut v: Vec<f64> = contributions.iter().map(|x| x.abs()).collect();
    let total: f64 = v.iter().sum();
    if total == 0.0 {
        return 0;
    }
    v.sort_by(|a, b| b.total_cmp(a));
    let mut acc = 0.0;
    for (i, x) in v.iter().enumerate() {
        acc += x;
        if acc >= share * total - 1e-12 {
            return i + 1;
        }
    }
    v.len()
}

/// Area under the precision–recall curve (average precision, as scikit-learn's
/// `average_precision_score`): `Σ_k (R_k − R_{k−1}) P_k` over the ranking by score. NaN with no
/// positive.
pub fn average_precision(relevant: &[bool], scores: &[f64]) -> f64 {
    let n_pos = relevant.iter().filter(|&&r| r).count();
    if n_pos == 0 {
        return f64::NAN;
    }
    let order = ranking(scores);
    let (mut tp, mut ap, mut i) = (0usize, 0.0, 0usize);
    while i < order.len() {
        // Group tied scores (a threshold includes all of them).
        let mut j = i;
        while j < order.len() && scores[order[j]] == scores[order[i]] {
            j += 1;
        }
        let before = tp;
        tp += order[i..j].iter().filter(|&&k| relevant[k]).count();
        if tp > before {
            ap += (tp - before) as f64 / n_pos as f64 * (tp as f64 / j as f64);
        }
        i = j;
    }
    ap
}

/// Token-level F1 of the top-`k` tokens against a set of relevant tokens (plausibility against a
/// human resource, ERASER's token F1).
pub fn token_f1(relevant: &[bool], scores: &[f64], k: usize) -> f64 {
    let top: Vec<usize> = ranking(scores).into_iter().take(k).collect();
    let tp = top.iter().filter(|&&i| relevant[i]).count() as f64;
    let p = if top.is_empty() {
        0.0
    } else {
        tp / top.len() as f64
    };
    let n_rel = relevant.iter().filter(|&&r| r).count() as f64;
    let r = if n_rel == 0.0 { 0.0 } else { tp / n_rel };
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Shannon entropy (nats) of an attention distribution (Clark et al. 2019 use it to tell broad
/// from focused heads).
pub fn entropy(p: &[f64]) -> f64 {
    -p.iter()
        .filter(|&&x| x > 0.0)
        .map(|&x| x * x.ln())
        .sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completeness_and_ranking() {
        assert_eq!(completeness_error(1.5, &[1.0, 0.25, 0.25]), 0.0);
        assert!((completeness_error(1.0, &[0.5]) - 0.5).abs() < 1e-15);
        assert_eq!(
            ranking(&[0.1, 0.5, 0.5, -1.0]),
            vec![1, 2, 0, 3],
            "ties: lower index first"
        );
        assert_eq!(top_count(10, 0.01), 1);
        assert_eq!(top_count(10, 0.2), 2);
        assert_eq!(top_count(1, 0.5), 1);
        assert_eq!(top_count(0, 0.5), 0);
    }

    #[test]
    fn eraser_by_hand() {
        // A "model" whose probability is 0.2 + 0.6 · [token 2 kept] + 0.2 · [token 0 kept].
        let mut predict = |keep: &[bool]| {
            0.2 * f64::from(u8::from(keep[0])) + 0.6 * f64::from(u8::from(keep[2])) + 0.2
        };
        let good = [0.2, 0.0, 0.9, 0.1];
        // Removing the top 1 (token 2) drops 0.6; keeping only it loses 0.2.
        assert!((comprehensiveness(&good, 0.25, &mut predict) - 0.6).abs() < 1e-12);
        assert!((sufficiency(&good, 0.25, &mut predict) - 0.2).abs() < 1e-12);
        let bad = [0.0, 0.9, 0.1, 0.2];
        assert!(comprehensiveness(&bad, 0.25, &mut predict).abs() < 1e-12);
        assert!((aopc(&[0.6, 0.2]) - 0.4).abs() < 1e-12);
        // One token: the only fraction is the whole text.
        let mut one = |keep: &[bool]| if keep[0] { 0.9 } else { 0.5 };
        assert!((comprehensiveness(&[1.0], 0.01, &mut one) - 0.4).abs() < 1e-12);
        // All-equal scores: ties broken by position, deterministically.
        assert_eq!(
            comprehensiveness(&[1.0, 1.0, 1.0, 1.0], 0.25, &mut predict),
            comprehensiveness(&[1.0, 0.0, 0.0, 0.0], 0.25, &mut predict)
        );
        let r = random_scores(5, 3);
        assert_eq!(r, random_scores(5, 3));
        assert!(r.iter().all(|x| (0.0..1.0).contains(x)));
    }

    #[test]
    fn agreement_by_hand() {
        assert!((kendall_tau(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]) - 1.0).abs() < 1e-12);
        assert!((kendall_tau(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        // 5 concordant pairs, one tie in `a` only: τ_b = 5 / √(6·5) (scipy: 0.9128709291752769).
        assert!(
            (kendall_tau(&[1.0, 2.0, 2.0, 3.0], &[1.0, 3.0, 2.0, 4.0]) - 0.912_870_929_175_276_9)
                .abs()
                < 1e-12
        );
        assert!(kendall_tau(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
        assert_eq!(top_k_overlap(&[3.0, 2.0, 1.0], &[1.0, 2.0, 3.0], 1), 0.0);
        assert_eq!(top_k_overlap(&[3.0, 2.0, 1.0], &[3.0, 1.0, 2.0], 2), 0.5);
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
    }

    #[test]
    fn compactness_and_plausibility_by_hand() {
        assert_eq!(terms_to_cover(&[0.5, -0.3, 0.1, 0.1], 0.9), 3);
        assert_eq!(terms_to_cover(&[1.0], 0.9), 1);
        assert_eq!(terms_to_cover(&[0.0, 0.0], 0.9), 0);
        assert_eq!(terms_to_cover(&[1.0, 1.0], 0.5), 1, "ties");
        // Ranking: t0 (rel), t1, t2 (rel): AP = (1/2)(1/1) + (1/2)(2/3) = 0.8333…
        let ap = average_precision(&[true, false, true], &[0.9, 0.5, 0.1]);
        assert!((ap - (0.5 + 1.0 / 3.0)).abs() < 1e-12, "{ap}");
        assert!(average_precision(&[false, false], &[0.1, 0.2]).is_nan());
        // All tied: precision = share of relevant.
        assert!((average_precision(&[true, false], &[0.5, 0.5]) - 0.5).abs() < 1e-12);
        assert!((token_f1(&[true, false, true], &[0.9, 0.5, 0.1], 1) - 2.0 / 3.0).abs() < 1e-12);
        assert!((entropy(&[0.5, 0.5]) - 2f64.ln()).abs() < 1e-12);
        assert_eq!(entropy(&[1.0, 0.0]), 0.0);
    }
}
