//! The linear floors of the task tables, in plain Rust: multinomial logistic regression on sparse
//! features, trained with Adagrad and an L2 penalty, the epoch chosen on dev.
//!
//! * TF-IDF over words and word bigrams (sublinear tf, L2-normalised rows), the classic strong
//!   baseline for polarity;
//! * bag of communities: the mean of the text's SINr vectors (the reference library's own
//!   classifier path is mean-pooled SINr + a tree model; a linear model on the same features is
//!   the fair floor).

use std::collections::HashMap;

use sinr_util::SplitMix64;

/// A sparse feature vector.
pub type Features = Vec<(u32, f32)>;

/// A trained multinomial logistic regression.
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

fn accuracy(m: &Logistic, xs: &[Features], ys: &[usize]) -> f64 {
    let ok = xs
        .iter()
        .zip(ys)
        .filter(|(x, y)| {
            let p = m.logits(x);
            (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])) == Some(**y)
        })
        .count();
    ok as f64 / xs.len().max(1) as f64
}

/// Optimisation settings of [`train`].
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Passes over the training set.
    pub epochs: usize,
    /// L2 penalty on the weights.
    pub l2: f32,
    /// Seed of the example order.
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            epochs: 8,
            l2: 1e-6,
            seed: 1,
        }
    }
}

/// Trains on `train` (features, labels) with AdaGrad for up to `settings.epochs`,
/// keeping the weights of the best accuracy on `dev`.
pub fn train(
    n_features: usize,
    classes: usize,
    (xs, ys): (&[Features], &[usize]),
    (dev_x, dev_y): (&[Features], &[usize]),
    settings: Settings,
) -> Logistic {
    let Settings { epochs, l2, seed } = settings;
    let mut m = Logistic {
        weights: vec![0.0; n_features * classes],
        bias: vec![0.0; classes],
        classes,
    };
    let mut g2w = vec![1e-8f32; n_features * classes];
    let mut g2b = vec![1e-8f32; classes];
    let lr = 0.5f32;
    let mut best = (accuracy(&m, dev_x, dev_y), m.clone());
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let mut rng = SplitMix64::new(seed);
    for _ in 0..epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let p = m.probabilities(&xs[i]);
            for c in 0..classes {
                let g = p[c] - f32::from(u8::from(c == ys[i]));
                g2b[c] += g * g;
                m.bias[c] -= lr * g / g2b[c].sqrt();
                for &(f, v) in &xs[i] {
                    let k = f as usize * classes + c;
                    let gw = g * v + l2 * m.weights[k];
                    g2w[k] += gw * gw;
                    m.weights[k] -= lr * gw / g2w[k].sqrt();
                }
            }
        }
        let acc = accuracy(&m, dev_x, dev_y);
        if acc > best.0 {
            best = (acc, m.clone());
        }
    }
    best.1
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
    fn terms(text: &str) -> Vec<String> {
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

    #[test]
    fn separable_data_is_learned() {
        let xs: Vec<Features> = (0..200)
            .map(|i| vec![((i % 2) as u32, 1.0), (2 + (i % 7) as u32, 0.5)])
            .collect();
        let ys: Vec<usize> = (0..200).map(|i| i % 2).collect();
        let settings = Settings {
            epochs: 5,
            l2: 1e-4,
            seed: 1,
        };
        let m = train(9, 2, (&xs, &ys), (&xs, &ys), settings);
        assert_eq!(accuracy(&m, &xs, &ys), 1.0);
        let p = m.probabilities(&xs[1]);
        assert!(p[1] > 0.9, "{p:?}");
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
