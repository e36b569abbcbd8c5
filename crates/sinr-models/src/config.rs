//! Model and training configurations (serde, strict: unknown keys are errors).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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
        }
    }
}

/// The SINr transformer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TransformerConfig {
    /// Louvain level of the residual stream (a coarse level keeps it small).
    pub level: usize,
    /// Keep the `k` largest values of each word vector before coarsening.
    pub sparsify: Option<usize>,
    /// Layers.
    pub layers: usize,
    /// Heads per layer.
    pub heads: usize,
    /// Key-value memories per layer.
    pub memories: usize,
    /// L1 penalty on memory keys and values and on the read-out.
    pub l1: f64,
    /// Token tasks: the read-out of each position also reads the final stream of the `window`
    /// positions on each side, through one `[K, C]` matrix per offset (linear, so the exact
    /// decomposition holds). 0: each position reads itself only. Ignored by sequence tasks.
    pub window: usize,
    /// Token tasks: the tagging read-out also reads, over the same window, the token vectors of
    /// this (fine) Louvain level, sparsely (one `[K_fine, C]` matrix per offset; exact split by
    /// token and fine community). `None`: the stream's level only. Ignored by sequence tasks.
    pub fine_level: Option<usize>,
}

impl Default for TransformerConfig {
    fn default() -> Self {
        Self {
            level: 1,
            sparsify: Some(100),
            layers: 2,
            heads: 4,
            memories: 64,
            l1: 0.0,
            window: 0,
            fine_level: None,
        }
    }
}

/// The hierarchical (Deep GONet-style) model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HierarchicalConfig {
    /// Keep the `k` largest values of each word vector.
    pub sparsify: Option<usize>,
    /// How many levels above the finest to stack (`None`: all).
    pub levels: Option<usize>,
    /// L1 penalty on the read-out.
    pub l1: f64,
    /// Read every level (the pooled fine vector and each coarser level), not only the
    /// coarsest: `logits = Σ_l h_l R_l + b`. The decision then splits by Louvain level too.
    pub every_level: bool,
}

impl Default for HierarchicalConfig {
    fn default() -> Self {
        Self {
            sparsify: Some(100),
            levels: None,
            l1: 0.0,
            every_level: false,
        }
    }
}

/// The non-interpretable baseline: free dense embeddings and a standard transformer encoder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DenseConfig {
    /// Model width.
    pub dim: usize,
    /// Encoder layers.
    pub layers: usize,
    /// Heads.
    pub heads: usize,
    /// Feed-forward width.
    pub ff: usize,
    /// Dropout.
    pub dropout: f64,
}

impl Default for DenseConfig {
    fn default() -> Self {
        Self {
            dim: 128,
            layers: 2,
            heads: 4,
            ff: 256,
            dropout: 0.1,
        }
    }
}

/// Which model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ModelConfig {
    /// Task-vector attention classifier.
    Attention(AttentionConfig),
    /// SINr transformer.
    Transformer(TransformerConfig),
    /// Hierarchical model along the Louvain levels.
    Hierarchical(HierarchicalConfig),
    /// Dense baseline.
    Dense(DenseConfig),
}

impl ModelConfig {
    /// Short name.
    pub fn kind(&self) -> &'static str {
        match self {
            ModelConfig::Attention(_) => "attention",
            ModelConfig::Transformer(_) => "transformer",
            ModelConfig::Hierarchical(_) => "hierarchical",
            ModelConfig::Dense(_) => "dense",
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        let nonneg = |v: f64, f: &'static str| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(Error::config(
                    f,
                    format!("must be a finite number ≥ 0, got {v}"),
                ))
            }
        };
        let positive = |v: usize, f: &'static str| {
            if v > 0 {
                Ok(())
            } else {
                Err(Error::config(f, "must be at least 1"))
            }
        };
        match self {
            ModelConfig::Attention(c) => {
                nonneg(c.l1, "l1")?;
                if c.sparsify == Some(0) {
                    return Err(Error::config("sparsify", "must be at least 1"));
                }
                if let Some(n) = &c.ngrams {
                    positive(n.buckets, "ngrams.buckets")?;
                    nonneg(n.l2, "ngrams.l2")?;
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
            }
            ModelConfig::Transformer(c) => {
                nonneg(c.l1, "l1")?;
                positive(c.layers, "layers")?;
                positive(c.heads, "heads")?;
                positive(c.memories, "memories")?;
                if c.window > 16 {
                    return Err(Error::config(
                        "window",
                        format!("must be at most 16 positions, got {}", c.window),
                    ));
                }
            }
            ModelConfig::Hierarchical(c) => nonneg(c.l1, "l1")?,
            ModelConfig::Dense(c) => {
                positive(c.dim, "dim")?;
                positive(c.layers, "layers")?;
                positive(c.heads, "heads")?;
                positive(c.ff, "ff")?;
                if c.dim % c.heads != 0 {
                    return Err(Error::config(
                        "heads",
                        format!("must divide dim ({} % {} ≠ 0)", c.dim, c.heads),
                    ));
                }
                if !(0.0..1.0).contains(&c.dropout) {
                    return Err(Error::config("dropout", "must be in [0, 1)"));
                }
            }
        }
        Ok(())
    }
}

/// Training parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Maximum epochs.
    pub epochs: usize,
    /// Examples per batch.
    pub batch_size: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Gradient clipping by global norm.
    pub grad_clip: Option<f64>,
    /// Stop after this many epochs without a better dev score.
    pub patience: usize,
    /// Weight the loss by inverse class frequency (for unbalanced sets).
    pub class_weights: bool,
    /// Longest input in tokens (longer texts are truncated).
    pub max_len: usize,
    /// Seed of initialisation and shuffling.
    pub seed: u64,
    /// Stop an epoch after this many batches (`None`: the whole training set); for quick runs.
    pub max_batches_per_epoch: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 32,
            learning_rate: 3e-3,
            grad_clip: Some(1.0),
            patience: 3,
            class_weights: false,
            max_len: 256,
            seed: 42,
            max_batches_per_epoch: None,
        }
    }
}

impl TrainConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(Error::config("epochs", "must be at least 1"));
        }
        if self.batch_size == 0 {
            return Err(Error::config("batch_size", "must be at least 1"));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::config(
                "learning_rate",
                "must be a finite number > 0",
            ));
        }
        if self.grad_clip.is_some_and(|g| !(g.is_finite() && g > 0.0)) {
            return Err(Error::config("grad_clip", "must be a finite number > 0"));
        }
        if self.max_len == 0 {
            return Err(Error::config("max_len", "must be at least 1"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parsing_and_validation() {
        let c: ModelConfig = serde_json::from_str(r#"{"kind":"transformer","layers":3}"#).unwrap();
        assert_eq!(
            c,
            ModelConfig::Transformer(TransformerConfig {
                layers: 3,
                ..Default::default()
            })
        );
        assert!(
            serde_json::from_str::<ModelConfig>(r#"{"kind":"transformer","layerz":3}"#).is_err()
        );
        assert!(serde_json::from_str::<ModelConfig>(r#"{"kind":"lstm"}"#).is_err());
        // The n-gram weights: nested keys are strict too, and every field is checked by name.
        let c: ModelConfig =
            serde_json::from_str(r#"{"kind":"attention","ngrams":{"chars":[3,5]}}"#).unwrap();
        let ModelConfig::Attention(a) = &c else {
            panic!("attention")
        };
        let n = a.ngrams.clone().unwrap();
        assert!(n.unigrams && n.bigrams && n.tfidf && n.chars == Some([3, 5]));
        c.validate().unwrap();
        assert!(
            serde_json::from_str::<ModelConfig>(r#"{"kind":"attention","ngrams":{"char":[3,5]}}"#)
                .is_err()
        );
        for (bad, field) in [
            (r#"{"buckets":0}"#, "ngrams.buckets"),
            (r#"{"scale":-1}"#, "ngrams.scale"),
            (r#"{"chars":[5,3]}"#, "ngrams.chars"),
            (r#"{"unigrams":false,"bigrams":false}"#, "ngrams"),
        ] {
            let c: ModelConfig =
                serde_json::from_str(&format!(r#"{{"kind":"attention","ngrams":{bad}}}"#)).unwrap();
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(field), "{bad}: {e}");
        }
        let bad = ModelConfig::Dense(DenseConfig {
            dim: 10,
            heads: 3,
            ..Default::default()
        });
        assert!(bad.validate().unwrap_err().to_string().contains("heads"));
        let bad = TrainConfig {
            learning_rate: -1.0,
            ..Default::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("learning_rate")
        );
    }
}
