//! The task-vector attention classifier (Bahdanau et al. 2014; Yang et al. 2016's context
//! vector) over the frozen SINr vectors of a text:
//!
//! `α = softmax_t ⟨q, x_t⟩`, `d = Σ_t α_t x_t`, `logits = d W + b`,
//!
//! optionally beside a read-out of the mean of the vectors (`+ m M`, every token weighing the
//! same), a weight of every word (`+ 1/T Σ_t U[w_t]`) and hashed n-gram weights
//! (`+ Σ_f v_f s N[h(f)]`, [`LexicalConfig`]). With `α` fixed by the example, the logits are
//! linear in the token vectors, so they split exactly:
//! `logit_c = Σ_t (Σ_k (α_t W_kc + M_kc / T) x_tk + U[w_t]_c / T + Σ_{f ∈ F(t)} v_f s N[h(f)]_c) + b_c`.

use burn::module::Param;
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use sinr_embed::SinrModel;
use sinr_metrics::task::argmax;
use sinr_nn::{
    InitRng, PaddedRows, Readout, ReadoutConfig, SinrEmbedding, TaskAttention, TaskAttentionConfig,
    to_vec, to_vec_int,
};
use sinr_schema::{Component, ComponentKind, OutputExplanation};

use super::{Classifier, Config, ExactTerms, Model, check, sparse_gradient_times_input};
use crate::data::{Batch, Example, LexicalBatch};
use crate::error::{Error, Result};
use crate::explain::{readout_host, top_terms};
use crate::input::embedding_rows;
use crate::run::RunSpec;

/// The name of the word-weights dimension (after the communities).
pub const WORD_WEIGHTS: &str = "word weights (the words themselves)";

/// The name of the n-gram-weights dimension (after the word weights').
pub const NGRAM_WEIGHTS: &str = "n-gram weights (bigrams, character n-grams)";

// --- Configuration ---------------------------------------------------------------------------

/// The task-vector attention classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttentionConfig {
    /// Louvain level of the input space (0 = finest).
    pub level: usize,
    /// Keep the `k` largest values of each word vector (`None`: all).
    pub sparsify: Option<usize>,
    /// Non-negative read-out weights.
    pub non_negative: bool,
    /// L1 penalty on the read-out weights (the mean's and the word weights too, when present).
    pub l1: f64,
    /// Also read the mean of the token vectors through a read-out of its own (every token
    /// weighs the same there; the task attention picks a few): `logits = d W + m M + b`. The
    /// split stays exact: token `t` contributes `α_t x_t W + x_t M / T`.
    pub mean_pooling: bool,
    /// Also give every word of the vocabulary a weight per class of its own, read through the
    /// mean over the text's tokens: `logits += 1/T Σ_t U[w_t]`. The word's identity beside its
    /// communities, where words of one community (often antonyms: "good", "bad") share a
    /// vector. The split stays exact: token `t` contributes `U[w_t] / T` more, and the
    /// decision's split gets one more named dimension ("word weights") after the communities.
    pub word_weights: bool,
    /// Also give hashed lexical features of every token a weight per class, read through the
    /// same mean (see [`LexicalConfig`]): `logits += 1/T Σ_t Σ_{f ∈ F(t)} N[f]`. The split
    /// stays exact: token `t` contributes `Σ_f N[f] / T` more, and the decision's split gets one
    /// more named dimension ("n-gram weights").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ngrams: Option<LexicalConfig>,
    /// Read the tokens' SINr vectors (through the task attention, and the mean with
    /// `mean_pooling`). `false` leaves the word and n-gram weights alone (and the bias): the
    /// ablation that says what the communities bring. Written only when `false`.
    #[serde(skip_serializing_if = "is_true")]
    pub communities: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

/// Hashed lexical features of a token, for the attention classifier's n-gram weights: what a
/// word's communities and its own weight cannot say. Each feature belongs to exactly one token
/// of the model's input, so contributions stay per token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LexicalConfig {
    /// The token's word itself (hashed, so unknown words have one too).
    pub unigrams: bool,
    /// The token with the word just before it in the raw text, stop words and short or unknown
    /// words included (`not good` is a feature of `good`, where SINr keeps only `good`).
    pub bigrams: bool,
    /// Character n-grams of the token (inside `<` and `>` word boundaries), of lengths
    /// `chars[0]..=chars[1]` (spelling variants and misspellings share them).
    pub chars: Option<[usize; 2]>,
    /// Keep words the embeddings do not know in the model's input (a zero vector: they carry
    /// no community, the attention and the mean of vectors skip them), so that their character
    /// n-grams and bigrams count; each counts in `T`.
    pub unknown_words: bool,
    /// Weigh the features of a text by TF-IDF (sublinear term frequency `1 + ln tf`, smoothed
    /// inverse document frequency `1 + ln((1 + n) / (1 + df))` over the `n` training texts,
    /// each text's vector scaled to unit Euclidean norm, as scikit-learn's `TfidfVectorizer`
    /// with `sublinear_tf`) instead of the mean's `1/T` each. The weights are fixed by the text
    /// (the IDF is fitted once on the training texts and saved with the model), so the split
    /// stays exact.
    pub tfidf: bool,
    /// Hash buckets (each feature is hashed, FNV-1a, to one of them; one weight per class each).
    pub buckets: usize,
    /// The features' weights are `scale · N` with `N` the trained parameter: under Adam, whose
    /// steps do not depend on a gradient's size, this is the n-gram weights' own learning rate,
    /// `scale` times the model's (most features are rare: at the full rate one text moves them
    /// far, and they learn the training set by heart).
    pub scale: f64,
    /// L2 penalty `l2 · Σ (scale · N)²` on the features' weights, against the loss summed over
    /// the training texts (each batch's mean loss gets `l2 Σ (scale · N)² / n` for `n` training
    /// texts, as every penalty here), so `l2 = 1 / (2C)` of a logistic regression's `C`: most
    /// features are rare, and without it the weights learn the training texts by heart.
    pub l2: f64,
    /// Also scale each feature by the size of its naive-Bayes log-count ratio over the
    /// training texts, `max_c |ln((p_c / ‖p_c‖₁) / (q_c / ‖q_c‖₁))|` with `p_c = 1 + ` the
    /// number of training texts of class `c` that have it and `q_c = 1 + ` the number of the
    /// others' (Wang & Manning 2012's NBSVM ratios, over the buckets): a feature that splits
    /// the classes weighs more from the start, one spread evenly over them (`the`, `film`) less.
    /// Fixed by the training texts like the IDF (saved with the model), so the split stays
    /// exact. Sequence tasks only. Written only when true.
    #[serde(skip_serializing_if = "crate::config::is_default")]
    pub naive_bayes: bool,
}

impl Default for LexicalConfig {
    fn default() -> Self {
        Self {
            unigrams: true,
            bigrams: true,
            chars: None,
            unknown_words: false,
            tfidf: true,
            buckets: 1 << 20,
            scale: 1.0,
            l2: 0.0,
            naive_bayes: false,
        }
    }
}

impl Default for AttentionConfig {
    fn default() -> Self {
        Self {
            level: 0,
            sparsify: Some(100),
            non_negative: false,
            l1: 0.0,
            mean_pooling: false,
            word_weights: false,
            ngrams: None,
            communities: true,
        }
    }
}

impl Config for AttentionConfig {
    fn validate(&self) -> Result<()> {
        check::non_negative(self.l1, "l1")?;
        if !self.communities && self.ngrams.is_none() && !self.word_weights {
            return Err(Error::config(
                "communities",
                "false leaves nothing to read: give `ngrams` or `word_weights`",
            ));
        }
        if self.sparsify == Some(0) {
            return Err(Error::config("sparsify", "must be at least 1"));
        }
        if let Some(n) = &self.ngrams {
            check::positive(n.buckets, "ngrams.buckets")?;
            check::non_negative(n.l2, "ngrams.l2")?;
            if !(n.scale.is_finite() && n.scale > 0.0) {
                return Err(Error::config(
                    "ngrams.scale",
                    format!("must be a finite number > 0, got {}", n.scale),
                ));
            }
            if n.buckets > 1 << 24 {
                return Err(Error::config(
                    "ngrams.buckets",
                    format!("must be at most 2^24 (16,777,216), got {}", n.buckets),
                ));
            }
            if let Some([lo, hi]) = n.chars
                && !(1 <= lo && lo <= hi && hi <= 12)
            {
                return Err(Error::config(
                    "ngrams.chars",
                    format!("must be [min, max] with 1 ≤ min ≤ max ≤ 12, got [{lo}, {hi}]"),
                ));
            }
            if !n.unigrams && !n.bigrams && n.chars.is_none() {
                return Err(Error::config(
                    "ngrams",
                    "has no feature: set `unigrams` or `bigrams` to true, or give `chars`",
                ));
            }
        }
        Ok(())
    }

    fn input_level(&self) -> usize {
        self.level
    }

    fn lexical(&self) -> Option<&LexicalConfig> {
        self.ngrams.as_ref()
    }
}

/// The size of every bucket's naive-Bayes log-count ratio from `counts[c][b]` (texts of class
/// `c` with bucket `b`): `max_c |ln((p_c / ‖p_c‖₁) / (q_c / ‖q_c‖₁))|`, `p_c = 1 + counts[c]`,
/// `q_c = 1 + Σ_{c' ≠ c} counts[c']` (with two classes both give the same size).
pub fn naive_bayes_sizes(counts: &[Vec<u32>]) -> Vec<f32> {
    let buckets = counts.first().map_or(0, Vec::len);
    let total: Vec<f64> = (0..buckets)
        .map(|b| counts.iter().map(|c| f64::from(c[b])).sum())
        .collect();
    let mut out = vec![0f32; buckets];
    for class in counts {
        let p: Vec<f64> = class.iter().map(|&x| 1.0 + f64::from(x)).collect();
        let q: Vec<f64> = class
            .iter()
            .zip(&total)
            .map(|(&x, &t)| 1.0 + t - f64::from(x))
            .collect();
        let (np, nq) = (p.iter().sum::<f64>(), q.iter().sum::<f64>());
        for (o, (pb, qb)) in out.iter_mut().zip(p.iter().zip(&q)) {
            let r = ((pb / np) / (qb / nq)).ln().abs() as f32;
            *o = o.max(r);
        }
    }
    out
}

/// `counts[g][b]`: the training texts of group `group(text)` (one of `groups`) whose lexical
/// features include bucket `b`, each text counted once per bucket (the document frequency of
/// the IDF with one group; per class for the naive-Bayes ratios).
fn texts_per_bucket(
    train: &[crate::data::Example],
    buckets: usize,
    groups: usize,
    group: impl Fn(&crate::data::Example) -> usize,
) -> Vec<Vec<u32>> {
    let mut counts = vec![vec![0u32; buckets]; groups];
    let mut seen: Vec<u32> = Vec::new();
    for e in train {
        let g = group(e);
        seen.clear();
        seen.extend(e.lexical.iter().map(|f| f.1));
        seen.sort_unstable();
        seen.dedup();
        for &b in &seen {
            counts[g][b as usize] += 1;
        }
    }
    counts
}

/// A vector fitted on the training texts, saved with the model and not trained.
fn fixed_vector(values: Vec<f32>, device: &Device) -> Param<Tensor<1>> {
    let n = values.len();
    Param::from_tensor(Tensor::from_data(TensorData::new(values, [n]), device))
        .set_require_grad(false)
}

// --- The model -------------------------------------------------------------------------------

/// Task-vector attention classifier, optionally beside a mean-pooled path:
/// `logits = (Σ_t α_t x_t) W + (1/T Σ_t x_t) M + b`.
#[derive(Module, Debug)]
pub struct AttentionClassifier {
    /// Frozen token vectors.
    pub embedding: SinrEmbedding,
    /// The task vector.
    pub attention: TaskAttention,
    /// Read-out to classes.
    pub readout: Readout,
    /// `[K, C]` read-out of the mean of the token vectors (no bias of its own), if any: every
    /// token weighs the same there, where the task attention picks a few (long texts carry
    /// many cues).
    pub mean_readout: Option<Param<Tensor<2>>>,
    /// `[V, C]` a weight of every word of the vocabulary for every class, read through the mean
    /// over the text's tokens (no bias of its own), if any: the word's own identity beside its
    /// communities (words of one community, "good" and "bad" say, share a vector there).
    pub word_readout: Option<Param<Tensor<2>>>,
    /// `[N, C]` a weight of every bucket of hashed lexical features for every class, read
    /// through the same mean (no bias of its own), if any: bigrams with the raw word before a
    /// token, character n-grams (see [`crate::LexicalConfig`]).
    pub ngram_readout: Option<Param<Tensor<2>>>,
    /// `[N]` the inverse document frequency of every bucket over the training texts (fixed, not
    /// trained; saved with the model), if the n-gram features are weighed by TF-IDF.
    pub ngram_idf: Option<Param<Tensor<1>>>,
    /// `[N]` the size of every bucket's naive-Bayes log-count ratio over the training texts
    /// (fixed, not trained; saved with the model), if the features are scaled by it
    /// ([`LexicalConfig::naive_bayes`]).
    pub ngram_nb: Option<Param<Tensor<1>>>,
    /// The n-gram weights are `ngram_scale · N` (`N`: [`AttentionClassifier::ngram_readout`]).
    #[module(skip)]
    pub ngram_scale: f32,
    /// L2 penalty on the n-gram weights (`l2 · Σ (scale · N)²`).
    #[module(skip)]
    pub ngram_l2: f64,
    /// L1 weight of the read-out.
    #[module(skip)]
    pub l1: f64,
    /// Whether the SINr vectors are read (see [`AttentionConfig::communities`]).
    #[module(skip)]
    pub communities: bool,
}

impl AttentionClassifier {
    /// Builds the model over `rows` for `classes` classes.
    pub fn new(
        rows: &PaddedRows,
        classes: usize,
        non_negative: bool,
        l1: f64,
        seed: u64,
        device: &Device,
    ) -> Self {
        let mut rng = InitRng::new(seed);
        Self {
            embedding: SinrEmbedding::new(rows, device),
            attention: TaskAttentionConfig::new(rows.dims).init(device, &mut rng),
            readout: ReadoutConfig::new(rows.dims, classes)
                .with_non_negative(non_negative)
                .init(device, &mut rng),
            mean_readout: None,
            word_readout: None,
            ngram_readout: None,
            ngram_idf: None,
            ngram_nb: None,
            ngram_scale: 1.0,
            ngram_l2: 0.0,
            l1,
            communities: true,
        }
    }

    /// Adds the word weights, at zero (the model starts without them):
    /// `logits += 1/T Σ_t U[w_t]`; token `t` contributes `U[w_t] / T`.
    #[must_use]
    pub fn with_word_weights(mut self) -> Self {
        let c = self.readout.weight.dims()[1];
        let v = self.embedding.vocab_size();
        let device = self.readout.weight.device();
        self.word_readout = Some(Param::from_tensor(Tensor::zeros([v, c], &device)));
        self
    }

    /// Each token's term of the word weights, `[B, T, C]`: its row of `U` over the text's real
    /// tokens (`U[w_t] / T`; 0 for padding), `None` without word weights.
    pub fn word_terms(&self, tokens: Tensor<2, Int>, mask: Tensor<2, Bool>) -> Option<Tensor<3>> {
        let u = self.word_readout.as_ref()?;
        let [b, t] = tokens.dims();
        let c = u.dims()[1];
        let weights = Self::mean_weights(mask).reshape([b, t, 1]);
        let rows = u
            .val()
            .select(0, tokens.reshape([b * t]))
            .reshape([b, t, c]);
        Some(rows * weights)
    }

    /// The word weights' part of the logits, `[B, C]`: the sum of
    /// [`AttentionClassifier::word_terms`] (zero for a text without any real token).
    pub fn word_logits(&self, tokens: Tensor<2, Int>, mask: Tensor<2, Bool>) -> Option<Tensor<2>> {
        let terms = self.word_terms(tokens, mask)?;
        let [b, _, c] = terms.dims();
        Some(terms.sum_dim(1).reshape([b, c]))
    }

    /// Adds the n-gram weights over `buckets` hash buckets, at zero, as `scale · N`:
    /// `logits += Σ_f v_f · scale · N[f]` over the text's features `f`, with `v_f` each
    /// feature's weight ([`AttentionClassifier::ngram_feature_weights`]: `1/T` of its token, or
    /// its TF-IDF share when `tfidf`, the IDF then all ones until
    /// [`AttentionClassifier::fit_idf`]). Token `t` contributes its features' terms.
    #[must_use]
    pub fn with_ngram_weights(mut self, buckets: usize, scale: f32, tfidf: bool) -> Self {
        let c = self.readout.weight.dims()[1];
        let device = self.readout.weight.device();
        self.ngram_readout = Some(Param::from_tensor(Tensor::zeros([buckets, c], &device)));
        self.ngram_idf = tfidf
            .then(|| Param::from_tensor(Tensor::ones([buckets], &device)).set_require_grad(false));
        self.ngram_scale = scale;
        self
    }

    /// Scales the n-gram features by their naive-Bayes log-count ratios
    /// ([`LexicalConfig::naive_bayes`]), all ones until [`AttentionClassifier::fit_naive_bayes`].
    /// Call after [`AttentionClassifier::with_ngram_weights`].
    #[must_use]
    pub fn with_naive_bayes(mut self) -> Self {
        if let Some(n) = &self.ngram_readout {
            let device = n.device();
            self.ngram_nb = Some(
                Param::from_tensor(Tensor::ones([n.dims()[0]], &device)).set_require_grad(false),
            );
        }
        self
    }

    /// Fits the size of every bucket's naive-Bayes log-count ratio on the training texts
    /// ([`LexicalConfig::naive_bayes`]; each text's buckets counted once, add-one smoothing,
    /// one class against the others, the largest size over the classes). No-op without it.
    ///
    /// # Panics
    ///
    /// If an example has more or fewer than one label (a token task).
    pub fn fit_naive_bayes(&mut self, train: &[crate::data::Example]) {
        let (Some(nb), Some(n)) = (&self.ngram_nb, &self.ngram_readout) else {
            return;
        };
        let [buckets, classes] = n.dims();
        let device = nb.device();
        let counts = texts_per_bucket(train, buckets, classes, |e| {
            assert_eq!(
                e.labels.len(),
                1,
                "naive-Bayes ratios need one label per text"
            );
            e.labels[0]
        });
        self.ngram_nb = Some(fixed_vector(naive_bayes_sizes(&counts), &device));
    }

    /// Fits the inverse document frequency of the n-gram buckets on the training texts:
    /// `1 + ln((1 + n) / (1 + df))`, `df` the number of the `n` texts with the bucket (as
    /// scikit-learn's `smooth_idf`). No-op without TF-IDF.
    pub fn fit_idf(&mut self, train: &[crate::data::Example]) {
        let Some(idf) = &self.ngram_idf else {
            return;
        };
        let device = idf.device();
        let df = texts_per_bucket(train, idf.dims()[0], 1, |_| 0);
        let values = df[0]
            .iter()
            .map(|&d| sinr_util::smoothed_idf(train.len(), d as usize) as f32)
            .collect();
        self.ngram_idf = Some(fixed_vector(values, &device));
    }

    /// The weight of every feature of a batch, `[B, F]`, times the scale: the mean's weight of
    /// its token ([`AttentionClassifier::mean_weights`], `1/T`), or with TF-IDF
    /// `idf_f (1 + ln tf_f) / tf_f` (each of its `tf_f` occurrences a share) over the text's
    /// Euclidean norm `sqrt(Σ_distinct f (idf_f (1 + ln tf_f))²)`. Padding: 0.
    pub fn ngram_feature_weights(&self, lex: &LexicalBatch, mask: Tensor<2, Bool>) -> Tensor<2> {
        let w = match &self.ngram_idf {
            None => {
                let real = lex.counts.clone().greater_elem(0.0).float();
                Self::mean_weights(mask).gather(1, lex.positions.clone()) * real
            }
            Some(idf) => {
                let [b, f] = lex.buckets.dims();
                let v = idf
                    .val()
                    .select(0, lex.buckets.clone().reshape([b * f]))
                    .reshape([b, f])
                    * lex.shares.clone();
                // Σ over occurrences of tf · v² = Σ over distinct features of (idf (1 + ln tf))².
                let norm = (v.clone().powi_scalar(2) * lex.counts.clone())
                    .sum_dim(1)
                    .sqrt()
                    .clamp_min(1e-12);
                v / norm
            }
        };
        let w = match &self.ngram_nb {
            None => w,
            Some(nb) => {
                let [b, f] = lex.buckets.dims();
                w * nb
                    .val()
                    .select(0, lex.buckets.clone().reshape([b * f]))
                    .reshape([b, f])
            }
        };
        w.mul_scalar(self.ngram_scale)
    }

    /// Each feature's term of the n-gram weights, `[B, F, C]`: its row of `N` times its weight
    /// ([`AttentionClassifier::ngram_feature_weights`]); `None` without n-gram weights or
    /// without features.
    pub fn ngram_terms(&self, batch: &Batch) -> Option<Tensor<3>> {
        let n = self.ngram_readout.as_ref()?;
        let lex = batch.lexical.as_ref()?;
        let [b, f] = lex.buckets.dims();
        let c = n.dims()[1];
        let rows = n
            .val()
            .select(0, lex.buckets.clone().reshape([b * f]))
            .reshape([b, f, c]);
        Some(
            rows * self
                .ngram_feature_weights(lex, batch.mask.clone())
                .reshape([b, f, 1]),
        )
    }

    /// The n-gram weights' part of the logits, `[B, C]`: the sum of
    /// [`AttentionClassifier::ngram_terms`].
    pub fn ngram_logits(&self, batch: &Batch) -> Option<Tensor<2>> {
        let terms = self.ngram_terms(batch)?;
        let [b, _, c] = terms.dims();
        Some(terms.sum_dim(1).reshape([b, c]))
    }

    /// [`AttentionClassifier::forward`] on a batch, with the n-gram weights' part:
    /// `(logits [B, C], α [B, T], d [B, K])`.
    pub fn forward_batch(&self, batch: &Batch) -> (Tensor<2>, Tensor<2>, Tensor<2>) {
        let (logits, alpha, d) = self.forward(batch.tokens.clone(), batch.mask.clone());
        match self.ngram_logits(batch) {
            Some(n) => (logits + n, alpha, d),
            None => (logits, alpha, d),
        }
    }

    /// Positions the task attention and the mean of vectors read: the real tokens the
    /// embeddings know (`mask` true = padding; row 0 = an unknown word, kept in the input only
    /// for its lexical features and word weight). The same as `mask` when every real token is
    /// known.
    pub fn vector_mask(tokens: Tensor<2, Int>, mask: Tensor<2, Bool>) -> Tensor<2, Bool> {
        mask.bool_or(tokens.equal_elem(0))
    }

    /// Adds the mean-pooled path, its read-out at zero (the model starts as the attention
    /// classifier alone).
    #[must_use]
    pub fn with_mean_pooling(mut self) -> Self {
        let [k, c] = self.readout.weight.dims();
        let device = self.readout.weight.device();
        self.mean_readout = Some(Param::from_tensor(Tensor::zeros([k, c], &device)));
        self
    }

    /// The weights of a mean over the real tokens, `[B, T]`: `1/T` for each of the `T` real
    /// tokens of a text, 0 for padding (all 0 for a text without a real token). The mean path
    /// and the word weights both read through it.
    pub fn mean_weights(mask: Tensor<2, Bool>) -> Tensor<2> {
        let real = mask.bool_not().float();
        let count = real.clone().sum_dim(1).clamp_min(1.0);
        real / count
    }

    /// The mean of the real tokens' vectors, `[B, K]` (zero for a text without any).
    pub fn mean_vector(x: &sinr_nn::SparseTokens, mask: Tensor<2, Bool>) -> Tensor<2> {
        x.weighted_sum(Self::mean_weights(mask))
    }

    /// `(logits [B, C], α [B, T], d [B, K])`, without the n-gram weights' part
    /// ([`AttentionClassifier::ngram_logits`], which needs the batch's lexical features;
    /// [`AttentionClassifier::forward_batch`] adds it).
    pub fn forward(
        &self,
        tokens: Tensor<2, Int>,
        mask: Tensor<2, Bool>,
    ) -> (Tensor<2>, Tensor<2>, Tensor<2>) {
        let known = Self::vector_mask(tokens.clone(), mask.clone());
        let (mut logits, alpha, d) =
            self.forward_sparse(&self.embedding.forward(tokens.clone()), known);
        if let Some(w) = self.word_logits(tokens, mask) {
            logits = logits + w;
        }
        (logits, alpha, d)
    }

    /// The same from given token vectors (their values can be a leaf for gradients) and the
    /// positions they are read at ([`AttentionClassifier::vector_mask`]), without the word and
    /// n-gram weights' parts ([`AttentionClassifier::word_logits`],
    /// [`AttentionClassifier::ngram_logits`]: they do not depend on the vectors, so gradients
    /// with respect to them are the same).
    pub fn forward_sparse(
        &self,
        x: &sinr_nn::SparseTokens,
        mask: Tensor<2, Bool>,
    ) -> (Tensor<2>, Tensor<2>, Tensor<2>) {
        if !self.communities {
            // The bias alone: the vectors are not read, and the task attention is not computed
            // (a branch of the autodiff graph that the loss never reaches is never freed: it
            // made every epoch twice as long as the one before). The weights shown are uniform
            // over the positions read, as the attention's with a zero task vector (summing to
            // 1 even when no position is read).
            let [b, t] = mask.dims();
            let k = self.readout.weight.dims()[0];
            let device = mask.device();
            let d = Tensor::<2>::zeros([b, k], &device);
            let logits = self.readout.forward(d.clone());
            let uniform = sinr_nn::masked_softmax(Tensor::<2>::zeros([b, t], &device), mask);
            return (logits, uniform, d);
        }
        let (d, alpha) = self.attention.forward_sparse(x, mask.clone());
        let mut logits = self.readout.forward(d.clone());
        if let Some(m) = &self.mean_readout {
            logits = logits + Self::mean_vector(x, mask).matmul(m.val());
        }
        (logits, alpha, d)
    }
}

impl Classifier for AttentionClassifier {
    fn logits(&self, batch: &Batch) -> Tensor<2> {
        self.forward_batch(batch).0
    }
    fn frozen(&self) -> Vec<&SinrEmbedding> {
        vec![&self.embedding]
    }
    fn penalty(&self) -> Option<Tensor<1>> {
        let l1 = (self.l1 > 0.0).then(|| {
            let mut p = self.readout.l1();
            if let Some(m) = &self.mean_readout {
                p = p + m.val().abs().sum();
            }
            if let Some(u) = &self.word_readout {
                p = p + u.val().abs().sum();
            }
            if let Some(n) = &self.ngram_readout {
                p = p + n.val().abs().sum();
            }
            p * self.l1
        });
        let l2 = self
            .ngram_readout
            .as_ref()
            .filter(|_| self.ngram_l2 > 0.0)
            .map(|n| {
                let s = f64::from(self.ngram_scale);
                n.val().powi_scalar(2).sum() * (self.ngram_l2 * s * s)
            });
        match (l1, l2) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        }
    }
}

// --- Building, training, explaining ----------------------------------------------------------

impl Model for AttentionClassifier {
    type Config = AttentionConfig;

    fn build(
        c: &AttentionConfig,
        spec: &RunSpec,
        emb: &SinrModel,
        device: &Device,
    ) -> Result<Self> {
        let rows = embedding_rows(emb, c.level, c.sparsify)?;
        let mut m = AttentionClassifier::new(
            &rows,
            spec.labels.len(),
            c.non_negative,
            c.l1,
            spec.train.seed,
            device,
        );
        if c.mean_pooling {
            m = m.with_mean_pooling();
        }
        if c.word_weights {
            m = m.with_word_weights();
        }
        if let Some(n) = &c.ngrams {
            m = m.with_ngram_weights(n.buckets, n.scale as f32, n.tfidf);
            m.ngram_l2 = n.l2;
            if n.naive_bayes {
                m = m.with_naive_bayes();
            }
        }
        m.communities = c.communities;
        Ok(m)
    }

    fn trainable_params(&self) -> usize {
        // The n-grams' IDF is fitted, not trained; without the vectors, the attention and the
        // read-out's weights take no part.
        let unused = if self.communities {
            0
        } else {
            self.attention.num_params()
                + self.readout.weight.dims().iter().product::<usize>()
                + self
                    .mean_readout
                    .as_ref()
                    .map_or(0, |m| m.dims().iter().product())
        };
        self.num_params()
            - self.embedding.num_params()
            - self.ngram_idf.as_ref().map_or(0, |p| p.dims()[0])
            - self.ngram_nb.as_ref().map_or(0, |p| p.dims()[0])
            - unused
    }

    fn fit_statistics(&mut self, train: &[Example]) {
        self.fit_idf(train);
        self.fit_naive_bayes(train);
    }

    fn explain_terms(&self, batch: &Batch, _tags: Option<&[usize]>) -> Result<ExactTerms> {
        let (o, alpha) = self.explain(batch);
        Ok(ExactTerms {
            // The communities, then the word and n-gram weights' dimensions, if any.
            width: o.communities.len(),
            outputs: vec![o],
            attention: vec![("pooling".to_owned(), vec![alpha])],
            fine_terms: None,
        })
    }

    fn named_dimensions(&self) -> Vec<String> {
        let mut named = Vec::new();
        if self.word_readout.is_some() {
            named.push(WORD_WEIGHTS.to_owned());
        }
        if self.ngram_readout.is_some() {
            named.push(NGRAM_WEIGHTS.to_owned());
        }
        named
    }

    fn gradient_times_input(&self, batch: &Batch, target: Tensor<2>) -> Vec<f64> {
        let mut x = self.embedding.forward(batch.tokens.clone());
        x.val = x.val.require_grad();
        let known = AttentionClassifier::vector_mask(batch.tokens.clone(), batch.mask.clone());
        let (logits, _, _) = self.forward_sparse(&x, known);
        let grads = (logits.matmul(target)).sum().backward();
        sparse_gradient_times_input(&x, &grads)
    }
}

impl AttentionClassifier {
    /// The exact explanation of a batch of one example: the logits split by token, by
    /// community (then the word and n-gram weights' named dimensions) and by component
    /// (through the attention, through the mean, the lexical weights, the bias); also `α`.
    pub fn explain(&self, batch: &Batch) -> (OutputExplanation, Vec<f32>) {
        let m = self;
        let (logits, alpha, d) = m.forward_batch(batch);
        let x = m.embedding.forward(batch.tokens.clone());
        let [_, t, p] = x.val.dims();
        // The positions the attention and the mean of vectors read (the known words).
        let known = AttentionClassifier::vector_mask(batch.tokens.clone(), batch.mask.clone());
        // The mean-pooled path, if any: every known token weighs 1/T, through its own read-out `M`.
        let mean = m.mean_readout.as_ref().filter(|_| m.communities).map(|mr| {
            (
                to_vec(AttentionClassifier::mean_vector(&x, known.clone())),
                to_vec(mr.val()),
            )
        });
        // Each token's weight in the mean of vectors, as the model computes it.
        let vec_w = to_vec(AttentionClassifier::mean_weights(known));
        let (mut w, b, c) = readout_host(&m.readout);
        if !m.communities {
            // Without the vectors, the read-out's weights take no part.
            w.fill(0.0);
        }
        // The lexical parts, each a named dimension after the communities, each token's terms as
        // the model computes them: the word weights (`[T, C]`), then the n-gram weights (each
        // feature's terms `[F, C]`, summed over the features of the token).
        let mut per_feature: Vec<(u32, Vec<f32>)> = Vec::new();
        let mut lexical: Vec<(&str, Vec<Vec<f32>>)> = Vec::new();
        if let Some(terms) = m.word_terms(batch.tokens.clone(), batch.mask.clone()) {
            let v = to_vec(terms);
            let rows = (0..t).map(|ti| v[ti * c..][..c].to_vec()).collect();
            lexical.push(("word weights (via mean pooling)", rows));
        }
        // A model with n-gram weights always names their part, zero for a text without features.
        if m.ngram_readout.is_some() {
            let mut rows = vec![vec![0f32; c]; t];
            if let (Some(terms), Some(lex)) = (m.ngram_terms(batch), &batch.lexical) {
                let v = to_vec(terms);
                let positions = to_vec_int(lex.positions.clone());
                let counts = to_vec(lex.counts.clone());
                // One example: the first row of the batch; count 0 marks padding.
                for (f, (&pos, &n)) in positions.iter().zip(&counts).enumerate() {
                    if n == 0.0 {
                        continue;
                    }
                    let term = &v[f * c..][..c];
                    for (slot, x) in rows[pos as usize].iter_mut().zip(term) {
                        *slot += x;
                    }
                    per_feature.push((f as u32, term.to_vec()));
                }
            }
            let how = if m.ngram_idf.is_some() && m.ngram_nb.is_some() {
                "n-gram weights (via TF-IDF and naive-Bayes ratios)"
            } else if m.ngram_nb.is_some() {
                "n-gram weights (via mean pooling and naive-Bayes ratios)"
            } else if m.ngram_idf.is_some() {
                "n-gram weights (via TF-IDF)"
            } else {
                "n-gram weights (via mean pooling)"
            };
            lexical.push((how, rows));
        }
        let idx: Vec<i64> = to_vec_int(x.idx);
        let val = to_vec(x.val);
        let alpha = to_vec(alpha);
        let d = to_vec(d);
        let logits = to_vec(logits);
        let k = m.embedding.dims;
        let predicted = argmax(&logits);
        // The lexical parts' totals, per class: their rows of the decision's split.
        let mut totals = vec![vec![0f32; c]; lexical.len()];
        let mut tokens = vec![vec![0f32; c]; t];
        let mut token_communities = Vec::with_capacity(t);
        for ti in 0..t {
            let mut terms = Vec::new();
            for j in 0..p {
                let (col, v) = (idx[ti * p + j] as usize, val[ti * p + j]);
                if v == 0.0 {
                    continue;
                }
                // Through the attention, and through the mean (weight 1/T).
                let term = |cc: usize| {
                    let via_mean = mean
                        .as_ref()
                        .map_or(0.0, |(_, mw)| vec_w[ti] * v * mw[col * c + cc]);
                    alpha[ti] * v * w[col * c + cc] + via_mean
                };
                for (cc, slot) in tokens[ti].iter_mut().enumerate() {
                    *slot += term(cc);
                }
                terms.push((col as u32, term(predicted)));
            }
            // The lexical parts' terms: the named dimensions after the communities.
            for (j, (_, rows)) in lexical.iter().enumerate() {
                for ((slot, sum), v) in tokens[ti].iter_mut().zip(&mut totals[j]).zip(&rows[ti]) {
                    *slot += v;
                    *sum += v;
                }
                terms.push(((k + j) as u32, rows[ti][predicted]));
            }
            token_communities.push(top_terms(terms.into_iter(), 10));
        }
        let via_attention: Vec<Vec<f32>> = (0..k)
            .map(|kk| (0..c).map(|cc| d[kk] * w[kk * c + cc]).collect())
            .collect();
        let via_mean: Vec<Vec<f32>> = match &mean {
            Some((mv, mw)) => (0..k)
                .map(|kk| (0..c).map(|cc| mv[kk] * mw[kk * c + cc]).collect())
                .collect(),
            None => vec![vec![0f32; c]; k],
        };
        let mut communities: Vec<Vec<f32>> = via_attention
            .iter()
            .zip(&via_mean)
            .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x + y).collect())
            .collect();
        communities.extend(totals.iter().cloned());
        let total = |rows: &[Vec<f32>]| -> Vec<f32> {
            (0..c).map(|cc| rows.iter().map(|r| r[cc]).sum()).collect()
        };
        let mut components = vec![Component::new(
            ComponentKind::Embedding,
            "embedding (via task attention)",
            total(&via_attention),
        )];
        if mean.is_some() {
            components.push(Component::new(
                ComponentKind::Embedding,
                "embedding (via mean pooling)",
                total(&via_mean),
            ));
        }
        for ((name, _), total) in lexical.iter().zip(totals) {
            components.push(Component::new(ComponentKind::Lexical, *name, total));
        }
        components.push(Component::new(
            ComponentKind::Biases,
            "read-out bias",
            b.clone(),
        ));
        // Every feature, largest first (explanations show the first 30; analyses count them all).
        per_feature.sort_by(|a, b| b.1[predicted].abs().total_cmp(&a.1[predicted].abs()));
        let out = OutputExplanation {
            position: None,
            logits,
            predicted,
            argmax: None,
            tokens,
            bias: b.clone(),
            communities,
            components,
            community_own: Vec::new(),
            token_communities,
            fine_communities: Vec::new(),
            levels: Vec::new(),
            lexical: per_feature,
        };
        (out, alpha)
    }
}
