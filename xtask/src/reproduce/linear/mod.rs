//! The linear baselines of the task tables, in plain Rust, trained as the field trains them:
//!
//! * L2-regularised logistic regression solved to convergence (L-BFGS, [`lbfgs`]) on the
//!   objective of scikit-learn's `LogisticRegression` (`C · Σ log-loss + ½ ‖w‖²`, the bias not
//!   penalised; binary for two classes, multinomial beyond), `C` chosen on dev
//!   ([`tune_logistic`]), over
//!   * TF-IDF of words and word bigrams (sublinear tf, smoothed IDF, L2-normalised rows, as
//!     `TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)`), and
//!   * bag of communities: the mean of the text's SINr vectors (the reference library's own
//!     classifier path is mean-pooled SINr and a tree model; a linear model on the same features
//!     is the fair floor);
//! * NBSVM-bi (Wang & Manning 2012, [`nbsvm`]): an SVM over binarised uni- and bigrams scaled
//!   by their naive-Bayes log-count ratios, interpolated with its mean weight.

pub mod lbfgs;
pub mod nbsvm;

use std::collections::HashMap;

/// A sparse feature vector.
pub type Features = Vec<(u32, f32)>;

/// A trained linear classifier (logistic regression: its logits' softmax is its probability).
#[derive(Debug, Clone)]
pub struct Logistic {
    /// `[features][classes]`.
    pub weights: Vec<f32>,
    /// `[classes]`.
    pub bias: Vec<f32>,
    classes: usize,
}

impl Logistic {
    /// Class scores (logits) of one example.
    pub fn logits(&self, x: &Features) -> Vec<f32> {
        let mut z = self.bias.clone();
        for &(f, v) in x {
            let row = &self.weights[f as usize * self.classes..(f as usize + 1) * self.classes];
            for (zc, w) in z.iter_mut().zip(row) {
                *zc += v * w;
            }
        }
        z
    }

    /// Probabilities.
    pub fn probabilities(&self, x: &Features) -> Vec<f32> {
        sinr_util::softmax_f32(&self.logits(x))
    }
}

/// Logits of one example under flat parameters (`[features][k]` weights, then `k` biases).
fn logits_of(params: &[f64], x: &Features, k: usize, n_features: usize) -> Vec<f64> {
    let mut z: Vec<f64> = params[n_features * k..].to_vec();
    for &(f, v) in x {
        for (c, zc) in z.iter_mut().enumerate() {
            *zc += f64::from(v) * params[f as usize * k + c];
        }
    }
    z
}

/// L2-regularised logistic regression on `(xs, ys)`, solved to convergence: the minimiser of
/// `C Σ_i log-loss_i + ½ ‖W‖²` (biases not penalised), binary (one weight vector) for two
/// classes as scikit-learn's, multinomial beyond. `start`: parameters to start from (a warm
/// start along a path of `C`).
pub fn fit_logistic(
    n_features: usize,
    classes: usize,
    (xs, ys): (&[Features], &[usize]),
    c: f64,
    start: Option<&Logistic>,
) -> Logistic {
    // Binary: one score, class 1's (class 0's is 0).
    let k = if classes == 2 { 1 } else { classes };
    let mut x0 = vec![0.0; (n_features + 1) * k];
    if let Some(m) = start {
        for f in 0..n_features {
            for j in 0..k {
                let col = if k == 1 { 1 } else { j };
                x0[f * k + j] = f64::from(m.weights[f * classes + col]);
            }
        }
        for j in 0..k {
            let col = if k == 1 { 1 } else { j };
            x0[n_features * k + j] = f64::from(m.bias[col]);
        }
    }
    let objective = |p: &[f64], g: &mut [f64]| -> f64 {
        g.fill(0.0);
        let mut loss = 0.0;
        for (x, &y) in xs.iter().zip(ys) {
            let z = logits_of(p, x, k, n_features);
            // d loss / d z, and the loss.
            let dz: Vec<f64> = if k == 1 {
                let t = f64::from(u8::from(y == 1));
                let z0 = z[0];
                // log(1 + e^z) − t z, stably.
                loss += z0.max(0.0) + (-z0.abs()).exp().ln_1p() - t * z0;
                vec![1.0 / (1.0 + (-z0).exp()) - t]
            } else {
                let m = z.iter().fold(f64::MIN, |a, b| a.max(*b));
                let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
                let s: f64 = e.iter().sum();
                loss += m + s.ln() - z[y];
                e.iter()
                    .enumerate()
                    .map(|(j, v)| v / s - f64::from(u8::from(j == y)))
                    .collect()
            };
            for &(f, v) in x {
                for (j, d) in dz.iter().enumerate() {
                    g[f as usize * k + j] += c * f64::from(v) * d;
                }
            }
            for (j, d) in dz.iter().enumerate() {
                g[n_features * k + j] += c * d;
            }
        }
        let mut penalty = 0.0;
        for (i, w) in p[..n_features * k].iter().enumerate() {
            penalty += w * w;
            g[i] += w;
        }
        c * loss + 0.5 * penalty
    };
    let p = lbfgs::minimise(x0, objective, 1e-6, 1000);
    let mut weights = vec![0f32; n_features * classes];
    let mut bias = vec![0f32; classes];
    for f in 0..n_features {
        for j in 0..k {
            let col = if k == 1 { 1 } else { j };
            weights[f * classes + col] = p[f * k + j] as f32;
        }
    }
    for j in 0..k {
        let col = if k == 1 { 1 } else { j };
        bias[col] = p[n_features * k + j] as f32;
    }
    Logistic {
        weights,
        bias,
        classes,
    }
}

/// The regularisation strengths tried on dev, weakest penalty last (a warm-started path).
pub const C_GRID: [f64; 7] = [0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0];

/// [`fit_logistic`] for every `C` of [`C_GRID`]; the model of the best dev macro-F1 (the
/// trained models' early-stopping criterion) and its `C`.
pub fn tune_logistic(
    n_features: usize,
    classes: usize,
    train: (&[Features], &[usize]),
    (dev_x, dev_y): (&[Features], &[usize]),
) -> (Logistic, f64) {
    let mut best: Option<(f64, Logistic, f64)> = None;
    let mut previous: Option<Logistic> = None;
    for c in C_GRID {
        let m = fit_logistic(n_features, classes, train, c, previous.as_ref());
        let pred: Vec<usize> = dev_x
            .iter()
            .map(|x| sinr_metrics::task::argmax(&m.logits(x)))
            .collect();
        let score = sinr_metrics::task::macro_f1(dev_y, &pred, classes);
        if best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, m.clone(), c));
        }
        previous = Some(m);
    }
    let (_, m, c) = best.expect("a non-empty grid");
    (m, c)
}

/// Lowercased word tokens (letters and digits), as a simple TF-IDF tokenizer.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A TF-IDF vectoriser over words and bigrams seen in at least `min_df` training texts.
#[derive(Debug, Clone)]
pub struct Tfidf {
    vocab: HashMap<String, u32>,
    idf: Vec<f32>,
}

impl Tfidf {
    /// The text's words and word bigrams, in order.
    pub fn terms(text: &str) -> Vec<String> {
        let w = words(text);
        let mut t: Vec<String> = w.clone();
        t.extend(w.windows(2).map(|p| format!("{} {}", p[0], p[1])));
        t
    }

    /// Fits on training texts.
    pub fn fit(texts: &[&str], min_df: usize) -> Self {
        let mut df: HashMap<String, usize> = HashMap::new();
        for t in texts {
            let mut terms = Self::terms(t);
            terms.sort();
            terms.dedup();
            for term in terms {
                *df.entry(term).or_default() += 1;
            }
        }
        let mut kept: Vec<(String, usize)> = df.into_iter().filter(|(_, d)| *d >= min_df).collect();
        kept.sort();
        let idf = kept
            .iter()
            .map(|(_, d)| sinr_util::smoothed_idf(texts.len(), *d) as f32)
            .collect();
        let vocab = kept
            .into_iter()
            .enumerate()
            .map(|(i, (t, _))| (t, i as u32))
            .collect();
        Self { vocab, idf }
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.idf.len()
    }

    /// The index of a term, if it is in the vocabulary.
    pub fn index(&self, term: &str) -> Option<u32> {
        self.vocab.get(term).copied()
    }

    /// The binary vector of a text: each of its vocabulary terms once, value 1 (NBSVM's `f`).
    pub fn binary(&self, text: &str) -> Features {
        let mut v: Vec<u32> = Self::terms(text)
            .iter()
            .filter_map(|t| self.index(t))
            .collect();
        v.sort_unstable();
        v.dedup();
        v.into_iter().map(|i| (i, 1.0)).collect()
    }

    /// The L2-normalised TF-IDF vector of a text (sublinear tf).
    pub fn transform(&self, text: &str) -> Features {
        let mut tf: HashMap<u32, f32> = HashMap::new();
        for t in Self::terms(text) {
            if let Some(&i) = self.vocab.get(&t) {
                *tf.entry(i).or_default() += 1.0;
            }
        }
        let mut v: Features = tf
            .into_iter()
            .map(|(i, c)| (i, (1.0 + c.ln()) * self.idf[i as usize]))
            .collect();
        v.sort_by_key(|e| e.0);
        let norm = v.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
        if norm > 0.0 {
            for e in &mut v {
                e.1 /= norm;
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accuracy(m: &Logistic, xs: &[Features], ys: &[usize]) -> f64 {
        let ok = xs
            .iter()
            .zip(ys)
            .filter(|(x, y)| sinr_metrics::task::argmax(&m.logits(x)) == **y)
            .count();
        ok as f64 / xs.len() as f64
    }

    #[test]
    fn separable_data_is_learned_binary_and_multinomial() {
        for classes in [2usize, 3] {
            let xs: Vec<Features> = (0..300)
                .map(|i| vec![((i % classes) as u32, 1.0), (3 + (i % 7) as u32, 0.5)])
                .collect();
            let ys: Vec<usize> = (0..300).map(|i| i % classes).collect();
            let m = fit_logistic(10, classes, (&xs, &ys), 10.0, None);
            assert_eq!(accuracy(&m, &xs, &ys), 1.0);
            let p = m.probabilities(&xs[1]);
            assert!(p[1] > 0.9, "{p:?}");
            let (t, c) = tune_logistic(10, classes, (&xs, &ys), (&xs, &ys));
            assert_eq!(accuracy(&t, &xs, &ys), 1.0);
            assert!(C_GRID.contains(&c));
        }
    }

    #[test]
    fn the_optimum_has_a_zero_gradient() {
        // One feature, labels 1 on x = 1 two times in three: the optimum of
        // C Σ log-loss + ½ w² (C large) gives p(x = 1) → 2/3 and p(x = 0) → the bias's.
        let xs: Vec<Features> = vec![vec![(0, 1.0)], vec![(0, 1.0)], vec![(0, 1.0)], vec![]];
        let ys = [1, 1, 0, 0];
        let m = fit_logistic(1, 2, (&xs, &ys), 1e6, None);
        let p1 = f64::from(m.probabilities(&xs[0])[1]);
        assert!((p1 - 2.0 / 3.0).abs() < 1e-3, "{p1}");
        let p0 = f64::from(m.probabilities(&xs[3])[1]);
        assert!(p0 < 1e-2, "{p0}");
    }

    /// The TF-IDF + LR floor against scikit-learn's on the same synthetic split
    /// (`tests/fixtures/tfidf_lr`, made by `xtask/python/make_tfidf_lr_fixture.py`): the same
    /// vocabulary, and, both solved to convergence at `C = 1`, the same test probabilities.
    #[test]
    fn tfidf_and_logistic_regression_agree_with_scikit_learn() {
        let dir = crate::util::root().join("xtask/tests/fixtures/tfidf_lr");
        let read = |name: &str| -> Vec<(usize, String)> {
            std::fs::read_to_string(dir.join(name))
                .unwrap()
                .lines()
                .map(|l| {
                    let (y, t) = l.split_once('\t').unwrap();
                    (y.parse().unwrap(), t.to_owned())
                })
                .collect()
        };
        let (train, test) = (read("train.tsv"), read("test.tsv"));
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let texts: Vec<&str> = train.iter().map(|x| x.1.as_str()).collect();
        let tf = Tfidf::fit(&texts, 2);
        assert_eq!(tf.len() as u64, expected["features"].as_u64().unwrap());
        let xs: Vec<Features> = train.iter().map(|x| tf.transform(&x.1)).collect();
        let ys: Vec<usize> = train.iter().map(|x| x.0).collect();
        let m = fit_logistic(tf.len(), 2, (&xs, &ys), 1.0, None);
        let theirs: Vec<f64> = expected["test_probability_1"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let mut worst = 0f64;
        let mut right = 0;
        for ((y, t), p) in test.iter().zip(&theirs) {
            let ours = f64::from(m.probabilities(&tf.transform(t))[1]);
            worst = worst.max((ours - p).abs());
            right += usize::from((ours > 0.5) == (*y == 1));
        }
        assert!(worst < 1e-4, "largest probability difference {worst}");
        let acc = right as f64 / test.len() as f64;
        let theirs_acc = expected["test_accuracy"].as_f64().unwrap();
        assert!((acc - theirs_acc).abs() < 0.005, "{acc} vs {theirs_acc}");
    }

    #[test]
    fn tfidf_vectors_are_unit_norm() {
        let t = Tfidf::fit(&["good film", "bad film", "good good plot"], 1);
        let v = t.transform("good film");
        let n: f32 = v.iter().map(|e| e.1 * e.1).sum();
        assert!((n - 1.0).abs() < 1e-5);
        assert!(t.len() >= 5, "words and bigrams");
        assert!(t.transform("unseen words").is_empty());
    }
}
