//! NBSVM (Wang & Manning 2012, "Baselines and Bigrams"): a linear SVM over binarised n-gram
//! features scaled by their naive-Bayes log-count ratios, its weights interpolated with their
//! mean magnitude. With uni- and bigrams ("NBSVM-bi") it is the classic strong baseline of
//! sentence and review polarity (91.2 on IMDB's official test, 79.4 on MR).
//!
//! As in the paper: `r = log((p / ‖p‖₁) / (q / ‖q‖₁))` with `p = α + Σ_{y=+1} f`,
//! `q = α + Σ_{y=−1} f`, `α = 1`; features `x = r ∘ f` with `f` binary; an L2-regularised
//! squared-hinge SVM (`C = 1`, solved by dual coordinate descent, Hsieh et al. 2008, as
//! liblinear, with a bias feature); `w' = (1 − β) w̄ + β w`, `w̄ = ‖w‖₁ / |V|`, `β = 0.25`.
//! More than two classes: one against the rest, the largest score wins.

use sinr_util::SplitMix64;

use super::Features;

/// The paper's settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Naive-Bayes smoothing `α`.
    pub alpha: f64,
    /// SVM regularisation `C`.
    pub c: f64,
    /// Interpolation `β`.
    pub beta: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            c: 1.0,
            beta: 0.25,
        }
    }
}

/// One binary NBSVM: its log-count ratios and interpolated weights (the last one the bias).
#[derive(Debug, Clone)]
struct Binary {
    r: Vec<f64>,
    w: Vec<f64>,
}

impl Binary {
    fn score(&self, f: &Features) -> f64 {
        let d = self.r.len();
        f.iter()
            .map(|&(j, _)| self.r[j as usize] * self.w[j as usize])
            .sum::<f64>()
            + self.w[d]
    }
}

/// A trained NBSVM.
#[derive(Debug, Clone)]
pub struct Nbsvm {
    /// Binary: one model for class 1; otherwise one per class.
    models: Vec<Binary>,
    classes: usize,
}

impl Nbsvm {
    /// The decision score of every class (binary: `[−s, s]`).
    pub fn scores(&self, f: &Features) -> Vec<f64> {
        if self.classes == 2 {
            let s = self.models[0].score(f);
            vec![-s, s]
        } else {
            self.models.iter().map(|m| m.score(f)).collect()
        }
    }

    /// Scores as probabilities for ROC-AUC and reports: the logistic of the binary score
    /// (`σ(2s)` over the two classes' `±s`, a monotone map, so rankings are the SVM's), the
    /// softmax of the one-against-the-rest scores beyond.
    pub fn probabilities(&self, f: &Features) -> Vec<f64> {
        let s = self.scores(f);
        sinr_util::softmax(&s.iter().map(|&v| v as f32).collect::<Vec<_>>())
    }
}

/// Trains on binary features `fs` (each present term once, value ignored) with labels `ys`.
pub fn train(
    n_features: usize,
    classes: usize,
    fs: &[Features],
    ys: &[usize],
    s: Settings,
) -> Nbsvm {
    let positives: Vec<usize> = if classes == 2 {
        vec![1]
    } else {
        (0..classes).collect()
    };
    let models = positives
        .into_iter()
        .map(|pos| {
            let y: Vec<f64> = ys
                .iter()
                .map(|&c| if c == pos { 1.0 } else { -1.0 })
                .collect();
            train_binary(n_features, fs, &y, s)
        })
        .collect();
    Nbsvm { models, classes }
}

fn train_binary(d: usize, fs: &[Features], y: &[f64], s: Settings) -> Binary {
    // Naive-Bayes log-count ratios.
    let (mut p, mut q) = (vec![s.alpha; d], vec![s.alpha; d]);
    for (f, &yi) in fs.iter().zip(y) {
        let side = if yi > 0.0 { &mut p } else { &mut q };
        for &(j, _) in f {
            side[j as usize] += 1.0;
        }
    }
    let (np, nq) = (p.iter().sum::<f64>(), q.iter().sum::<f64>());
    let r: Vec<f64> = (0..d).map(|j| ((p[j] / np) / (q[j] / nq)).ln()).collect();
    // Scaled features, with the bias feature (index d, value 1).
    let xs: Vec<Vec<(usize, f64)>> = fs
        .iter()
        .map(|f| {
            let mut x: Vec<(usize, f64)> = f
                .iter()
                .map(|&(j, _)| (j as usize, r[j as usize]))
                .collect();
            x.push((d, 1.0));
            x
        })
        .collect();
    let w = dual_cd(d + 1, &xs, y, s.c);
    // Interpolation with the mean magnitude (of the feature weights, not the bias).
    let mean = w[..d].iter().map(|v| v.abs()).sum::<f64>() / d.max(1) as f64;
    let mut wi: Vec<f64> = w[..d]
        .iter()
        .map(|v| (1.0 - s.beta) * mean + s.beta * v)
        .collect();
    wi.push(w[d]);
    Binary { r, w: wi }
}

/// L2-regularised squared-hinge SVM, dual coordinate descent (liblinear's `-s 1`): minimises
/// `½ ‖w‖² + C Σ max(0, 1 − y w·x)²`. Stops when the projected gradient's range is below 1e-3
/// or after 1,000 passes.
fn dual_cd(dims: usize, xs: &[Vec<(usize, f64)>], y: &[f64], c: f64) -> Vec<f64> {
    let n = xs.len();
    let diag = 1.0 / (2.0 * c);
    let qii: Vec<f64> = xs
        .iter()
        .map(|x| x.iter().map(|e| e.1 * e.1).sum::<f64>() + diag)
        .collect();
    let mut alpha = vec![0.0; n];
    let mut w = vec![0.0; dims];
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64::new(1);
    for _ in 0..1000 {
        rng.shuffle(&mut order);
        let (mut max_pg, mut min_pg) = (f64::MIN, f64::MAX);
        for &i in &order {
            let wx: f64 = xs[i].iter().map(|&(j, v)| w[j] * v).sum();
            let g = y[i] * wx - 1.0 + diag * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            max_pg = max_pg.max(pg);
            min_pg = min_pg.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (alpha[i] - g / qii[i]).max(0.0);
                let delta = (alpha[i] - old) * y[i];
                for &(j, v) in &xs[i] {
                    w[j] += delta * v;
                }
            }
        }
        if max_pg - min_pg < 1e-3 {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_count_ratios_and_a_separable_task() {
        // Term 0 only in positives, term 1 only in negatives, term 2 in both.
        let fs: Vec<Features> = (0..40)
            .map(|i| {
                if i % 2 == 1 {
                    vec![(0, 1.0), (2, 1.0)]
                } else {
                    vec![(1, 1.0), (2, 1.0)]
                }
            })
            .collect();
        let ys: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let m = train(3, 2, &fs, &ys, Settings::default());
        let r = &m.models[0].r;
        // p = (21, 1, 21) / 43, q = (1, 21, 21) / 43: r = (ln 21, −ln 21, 0).
        assert!((r[0] - 21f64.ln()).abs() < 1e-12 && (r[1] + 21f64.ln()).abs() < 1e-12);
        assert!(r[2].abs() < 1e-12);
        for (f, &y) in fs.iter().zip(&ys) {
            let p = m.probabilities(f);
            assert_eq!(sinr_metrics::task::argmax(&p), y, "{p:?}");
        }
        // Three classes, one against the rest.
        let fs: Vec<Features> = (0..60)
            .map(|i| vec![((i % 3) as u32, 1.0), (3, 1.0)])
            .collect();
        let ys: Vec<usize> = (0..60).map(|i| i % 3).collect();
        let m = train(4, 3, &fs, &ys, Settings::default());
        for (f, &y) in fs.iter().zip(&ys) {
            assert_eq!(sinr_metrics::task::argmax(&m.scores(f)), y);
        }
    }

    #[test]
    fn the_svm_solves_a_one_dimensional_margin() {
        // x = ±1 with labels ±1: w·x ≥ 1 at the optimum of ½w² + C Σ (1 − y w x)²₊ with C
        // large, so w → 1 (plus a bias near 0).
        let xs: Vec<Vec<(usize, f64)>> = (0..20)
            .map(|i| vec![(0, if i % 2 == 0 { 1.0 } else { -1.0 }), (1, 1.0)])
            .collect();
        let y: Vec<f64> = (0..20)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let w = dual_cd(2, &xs, &y, 1e4);
        assert!((w[0] - 1.0).abs() < 1e-2 && w[1].abs() < 1e-2, "{w:?}");
    }
}
