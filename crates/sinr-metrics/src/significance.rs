//! How sure a test score is, and whether two systems differ: a percentile bootstrap confidence
//! interval over the test examples (Efron & Tibshirani 1993), and a paired approximate
//! randomisation test (Noreen 1989; as Riezler & Maxwell 2005 use it for NLP metrics).
//!
//! Both work for any metric computed from per-example outcomes (accuracy, macro-F1, ROC-AUC,
//! span F1 from per-sentence counts): the metric is a function of a set of example indices,
//! which may repeat (a bootstrap resample). Everything is seeded.

use sinr_util::SplitMix64;

/// A confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// The percentile bootstrap confidence interval at `level` (e.g. 0.95) of `metric` over `n`
/// examples: `resamples` times, `n` indices drawn with replacement (seeded), the metric of each
/// resample; the interval is the `(1 − level)/2` and `(1 + level)/2` quantiles of those values
/// (nearest rank). Resamples whose metric is not finite (a ROC-AUC without a positive) are left
/// out.
///
/// # Panics
/// If `level` is not in `(0, 1)`.
pub fn bootstrap_interval(
    n: usize,
    metric: impl Fn(&[usize]) -> f64,
    resamples: usize,
    level: f64,
    seed: u64,
) -> Interval {
    assert!(level > 0.0 && level < 1.0, "a level in (0, 1)");
    let mut rng = SplitMix64::new(seed);
    let mut idx = vec![0usize; n];
    let mut values: Vec<f64> = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for i in &mut idx {
            *i = rng.below(n.max(1));
        }
        let v = metric(&idx);
        if v.is_finite() {
            values.push(v);
        }
    }
    if values.is_empty() {
        return Interval {
            low: f64::NAN,
            high: f64::NAN,
        };
    }
    values.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let k = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
        values[k - 1]
    };
    Interval {
        low: q((1.0 - level) / 2.0),
        high: q((1.0 + level) / 2.0),
    }
}

/// The two-sided p-value of a paired approximate randomisation test that systems A and B score
/// the same: the observed difference `metric(A) − metric(B)` over all `n` examples, against
/// `rounds` random relabellings that swap A's and B's outcomes on each example with probability
/// 1/2; `p = (1 + #{|shuffled difference| ≥ |observed|}) / (1 + rounds)`.
///
/// `difference(swapped)` is the difference of the two systems' metric over the `n` examples
/// when the outcomes of every example `i` with `swapped[i]` are exchanged between them.
pub fn approximate_randomisation(
    n: usize,
    difference: impl Fn(&[bool]) -> f64,
    rounds: usize,
    seed: u64,
) -> f64 {
    let observed = difference(&vec![false; n]).abs();
    let mut rng = SplitMix64::new(seed);
    let mut swapped = vec![false; n];
    let mut at_least = 0usize;
    for _ in 0..rounds {
        for s in &mut swapped {
            *s = rng.next_u64() & 1 == 1;
        }
        // A tolerance for float noise: a shuffle that gives the observed difference counts.
        if difference(&swapped).abs() >= observed - 1e-12 {
            at_least += 1;
        }
    }
    (1 + at_least) as f64 / (1 + rounds) as f64
}

/// What a paired test says of A against B at the 5 % level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A scores significantly higher.
    Above,
    /// A scores significantly lower.
    Below,
    /// The difference is within the noise.
    NotDifferent,
}

impl Verdict {
    /// The verdict of a difference `a − b` with p-value `p` at level `alpha`.
    pub fn of(difference: f64, p: f64, alpha: f64) -> Self {
        if p >= alpha || difference == 0.0 {
            Verdict::NotDifferent
        } else if difference > 0.0 {
            Verdict::Above
        } else {
            Verdict::Below
        }
    }

    /// In words, for tables.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Above => "above",
            Verdict::Below => "below",
            Verdict::NotDifferent => "not significantly different",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accuracy(correct: &[bool]) -> impl Fn(&[usize]) -> f64 + '_ {
        |idx: &[usize]| idx.iter().filter(|&&i| correct[i]).count() as f64 / idx.len() as f64
    }

    #[test]
    fn bootstrap_interval_of_an_accuracy_matches_the_normal_approximation() {
        // 1,000 examples, 75 % correct: the standard error is sqrt(.75 · .25 / 1000) = 0.0137,
        // so the 95 % interval is about 0.75 ± 0.027.
        let correct: Vec<bool> = (0..1000).map(|i| i % 4 != 0).collect();
        let ci = bootstrap_interval(1000, accuracy(&correct), 2000, 0.95, 1);
        assert!((ci.low - (0.75 - 0.0268)).abs() < 0.006, "{ci:?}");
        assert!((ci.high - (0.75 + 0.0268)).abs() < 0.006, "{ci:?}");
        // Seeded: the same interval again; another seed, nearly the same.
        assert_eq!(
            ci,
            bootstrap_interval(1000, accuracy(&correct), 2000, 0.95, 1)
        );
        let other = bootstrap_interval(1000, accuracy(&correct), 2000, 0.95, 2);
        assert!((other.low - ci.low).abs() < 0.005);
    }

    #[test]
    fn bootstrap_interval_by_hand() {
        // Every example alike: every resample has the same metric, the interval is a point.
        let ci = bootstrap_interval(5, accuracy(&[true; 5]), 100, 0.95, 3);
        assert_eq!((ci.low, ci.high), (1.0, 1.0));
        // A metric that is never finite: no interval.
        let ci = bootstrap_interval(5, |_| f64::NAN, 10, 0.95, 3);
        assert!(ci.low.is_nan() && ci.high.is_nan());
    }

    /// The difference of accuracy between A and B, with some examples' outcomes swapped.
    fn accuracy_difference<'a>(a: &'a [bool], b: &'a [bool]) -> impl Fn(&[bool]) -> f64 + 'a {
        move |swapped: &[bool]| {
            let n = a.len() as f64;
            let (mut x, mut y) = (0.0, 0.0);
            for i in 0..a.len() {
                let (ai, bi) = if swapped[i] {
                    (b[i], a[i])
                } else {
                    (a[i], b[i])
                };
                x += f64::from(u8::from(ai));
                y += f64::from(u8::from(bi));
            }
            (x - y) / n
        }
    }

    #[test]
    fn randomisation_test_on_worked_examples() {
        // Identical systems: every shuffle gives the observed difference (0): p = 1.
        let a = [true, false, true, true];
        assert_eq!(
            approximate_randomisation(4, accuracy_difference(&a, &a), 99, 1),
            1.0
        );
        // A right on all 40 examples, B on none: only the all-unswapped or all-swapped
        // relabelling reaches |difference| = 1 (probability 2^-39), so p = 1 / (1 + rounds).
        let a = [true; 40];
        let b = [false; 40];
        let p = approximate_randomisation(40, accuracy_difference(&a, &b), 999, 1);
        assert_eq!(p, 1.0 / 1000.0);
        assert_eq!(Verdict::of(1.0, p, 0.05), Verdict::Above);
        assert_eq!(Verdict::of(-1.0, p, 0.05), Verdict::Below);
        // A and B differ on 2 examples of 4 (A right on one, B on the other): the observed
        // difference is 0, every shuffle reaches it: p = 1.
        let a = [true, false, true, true];
        let b = [false, true, true, true];
        assert_eq!(
            approximate_randomisation(4, accuracy_difference(&a, &b), 99, 1),
            1.0
        );
        // A right where B is wrong on 1 example of 4: |d| = 1/4 is reached whenever that
        // example is swapped or not (the others agree), so every shuffle reaches it: p = 1.
        let a = [true, true, true, true];
        let b = [false, true, true, true];
        let p = approximate_randomisation(4, accuracy_difference(&a, &b), 99, 1);
        assert_eq!(p, 1.0);
        assert_eq!(Verdict::of(0.25, p, 0.05), Verdict::NotDifferent);
        // 10 disagreements of 100 all in A's favour: |d| is reached only when all 10 land on
        // one side, probability 2 · 2^-10 ≈ 0.002; the estimate is close.
        let a = [true; 100];
        let b: Vec<bool> = (0..100).map(|i| i >= 10).collect();
        let p = approximate_randomisation(100, accuracy_difference(&a, &b), 20_000, 7);
        assert!((p - 2.0 / 1024.0).abs() < 0.001, "{p}");
    }
}
