//! Uncertainty of the test scores: bootstrap confidence intervals of a model's score (the mean
//! over its seeds) and a paired approximate randomisation test between two systems, over the
//! test examples both scored (`sinr_metrics::significance`).

use sinr_metrics::{Interval, Verdict, approximate_randomisation, bootstrap_interval};
use sinr_schema::{Metric, Scores};

/// Resamples and randomisation rounds (1,000 each, as is usual for test sets of this size).
const ROUNDS: usize = 1000;
/// The seed of every resampling, fixed so that the tables are reproducible.
const SEED: u64 = 2026;

/// `metric` of a system (the mean over its seeds' reports) on examples `idx`.
fn seed_mean(seeds: &[&Scores], metric: Metric, idx: &[usize]) -> f64 {
    seeds.iter().map(|s| s.metric_on(metric, idx)).sum::<f64>() / seeds.len().max(1) as f64
}

/// The 95 % bootstrap confidence interval of a system's score, the mean over its seeds: each
/// resample draws the test examples once, and every seed is scored on it.
pub fn interval(seeds: &[&Scores], metric: Metric) -> Interval {
    let n = seeds.first().map_or(0, |s| s.len());
    bootstrap_interval(n, |idx| seed_mean(seeds, metric, idx), ROUNDS, 0.95, SEED)
}

/// A system's score when the examples marked in `swapped` take the other system's outcomes
/// (seed `s` of this system takes seed `s` of the other, cycling over the other's seeds).
fn mixed(own: &[&Scores], other: &[&Scores], swapped: &[bool], metric: Metric) -> f64 {
    let total: f64 = own
        .iter()
        .enumerate()
        .map(|(s, scores)| {
            let theirs = other[s % other.len()];
            let parts: Vec<(&Scores, usize)> = swapped
                .iter()
                .enumerate()
                .map(|(i, &sw)| (if sw { theirs } else { *scores }, i))
                .collect();
            Scores::metric_of_mixed(metric, &parts)
        })
        .sum();
    total / own.len().max(1) as f64
}

/// The paired test of A against B on the same test examples: the difference of their scores
/// (means over seeds) and its two-sided p-value by approximate randomisation.
pub fn paired(a: &[&Scores], b: &[&Scores], metric: Metric) -> (f64, f64) {
    let n = a.first().map_or(0, |s| s.len());
    if n == 0 || b.iter().chain(a).any(|s| s.len() != n) {
        // Nothing to pair (reports without outcomes, or of different splits).
        return (f64::NAN, f64::NAN);
    }
    let difference = |swapped: &[bool]| mixed(a, b, swapped, metric) - mixed(b, a, swapped, metric);
    let observed = difference(&vec![false; n]);
    let p = approximate_randomisation(n, difference, ROUNDS, SEED);
    (observed, p)
}

/// The verdict of [`paired`] at the 5 % level, in words, with the difference and p-value.
pub fn verdict_words(difference: f64, p: f64) -> String {
    if !(difference.is_finite() && p.is_finite()) {
        return "–".into();
    }
    format!(
        "{:+.1}, {} (p {})",
        difference * 100.0,
        Verdict::of(difference, p, 0.05).words(),
        if p < 0.001 {
            "< 0.001".to_owned()
        } else {
            format!("= {p:.3}")
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sinr_schema::ClassificationScores;

    fn scores(gold: &[usize], correct: &[bool]) -> Scores {
        let labels = vec!["0".to_owned(), "1".to_owned()];
        let probs: Vec<Vec<f64>> = gold
            .iter()
            .zip(correct)
            .map(|(&g, &ok)| {
                let p1 = if (g == 1) == ok { 0.9 } else { 0.1 };
                vec![1.0 - p1, p1]
            })
            .collect();
        Scores::Classify(ClassificationScores::compute(gold, &probs, &labels, 0))
    }

    #[test]
    fn a_clearly_better_system_is_above_and_a_copy_is_not_different() {
        let gold: Vec<usize> = (0..200).map(|i| i % 2).collect();
        let good = scores(&gold, &[true; 200]);
        let half: Vec<bool> = (0..200).map(|i| i % 4 < 2).collect();
        let coin = scores(&gold, &half);
        let (d, p) = paired(&[&good], &[&coin], Metric::Accuracy);
        assert!((d - 0.5).abs() < 1e-12 && p < 0.01, "{d} {p}");
        assert!(verdict_words(d, p).contains("above"));
        let (d, p) = paired(&[&coin], &[&coin], Metric::Accuracy);
        assert_eq!((d, p), (0.0, 1.0));
        assert!(verdict_words(d, p).contains("not significantly different"));
        // Reports of different lengths (or without outcomes) are not compared.
        let short = scores(&gold[..10], &[true; 10]);
        let (d, p) = paired(&[&good], &[&short], Metric::Accuracy);
        assert!(d.is_nan() && p.is_nan());
        assert_eq!(verdict_words(d, p), "–");
        // Several seeds: the interval of the mean lies around it.
        let ci = interval(&[&good, &coin], Metric::Accuracy);
        assert!(ci.low < 0.75 && 0.75 < ci.high, "{ci:?}");
    }
}
