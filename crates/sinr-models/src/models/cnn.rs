//! The second non-interpretable baseline, the family a practitioner picks after a linear model:
//! Kim's (2014) convolutional network for sentence classification — word embeddings, one layer
//! of convolutions of several widths with ReLU, max-over-time pooling, dropout, a linear
//! read-out. For tagging, the same convolutions read per position (a window tagger, as
//! Collobert et al. 2011), with the surface features added to the word embeddings. Like the
//! dense transformer it has no exact split (post-hoc methods only).

use burn::module::Param;
use burn::nn::PaddingConfig1d;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{Dropout, DropoutConfig, Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;
use sinr_nn::LinearChainCrf;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sinr_embed::{DenseVectors, SinrModel};
use sinr_schema::TaskKind;

use super::tag_features::{
    add_feature_scores, dense_features_or_flag, dense_tag_features, feature_penalty, zero_weights,
};
use super::{
    Classifier, Config, Model, at_positions, check, dense_gradient_times_input,
    pretrained_embedding,
};
use crate::data::{Batch, SURFACE_FEATURES};
use crate::error::{Error, Result};
use crate::features::TagFeatures;
use crate::run::RunSpec;

// --- Configuration ---------------------------------------------------------------------------

/// Kim's CNN: free word embeddings, convolutions of several widths, max-over-time pooling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CnnConfig {
    /// Word-embedding width (Kim: 300, with pretrained vectors).
    pub dim: usize,
    /// Filter widths in tokens (Kim: 3, 4, 5).
    pub widths: Vec<usize>,
    /// Filters per width (Kim: 100).
    pub filters: usize,
    /// Dropout on the pooled features (Kim: 0.5).
    pub dropout: f64,
    /// Read the text through a vocabulary of its own, built from the training texts (as the
    /// dense transformer does; see [`super::DenseConfig::own_vocabulary`]).
    pub own_vocabulary: bool,
    /// The least count of a word of the own vocabulary.
    pub min_count: u64,
    /// Pretrained word vectors (word2vec text format, e.g. `sinr embed vectors`) the word
    /// embeddings start from, for the words of the own vocabulary they have; `null`: random.
    pub vectors: Option<PathBuf>,
    /// Token tasks: a linear-chain CRF over the tag scores (learned transitions, the BIO
    /// constraints, trained by the sentences' likelihood, decoded by Viterbi). `false`: the
    /// per-position scores, decoded as the best valid BIO path. Ignored by sequence tasks.
    pub crf: bool,
    /// Token tasks: lexical features of every token of the window, each a weight per tag added
    /// to the tag scores (as [`super::DenseConfig::features`]); `true`: the defaults, `false` or
    /// `null`: none. Ignored by sequence tasks.
    #[serde(deserialize_with = "dense_features_or_flag")]
    pub features: Option<TagFeatures>,
}

impl Default for CnnConfig {
    fn default() -> Self {
        Self {
            dim: 128,
            widths: vec![3, 4, 5],
            filters: 100,
            dropout: 0.5,
            own_vocabulary: true,
            min_count: 2,
            vectors: None,
            crf: true,
            features: Some(dense_tag_features()),
        }
    }
}

impl Config for CnnConfig {
    fn validate(&self) -> Result<()> {
        check::positive(self.dim, "dim")?;
        check::positive(self.filters, "filters")?;
        if self.widths.is_empty() || self.widths.contains(&0) {
            return Err(Error::config(
                "widths",
                "must list at least one filter width, each at least 1",
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(Error::config("dropout", "must be in [0, 1)"));
        }
        if let Some(f) = &self.features {
            f.validate().map_err(|e| e.within("features"))?;
        }
        if self.min_count == 0 {
            return Err(Error::config("min_count", "must be at least 1"));
        }
        if self.vectors.is_some() && !self.own_vocabulary {
            return Err(Error::config(
                "vectors",
                "pretrained vectors start the rows of the own vocabulary: set own_vocabulary",
            ));
        }
        Ok(())
    }

    fn own_vocabulary(&self) -> Option<u64> {
        self.own_vocabulary.then_some(self.min_count)
    }

    fn word_vectors(&self) -> Option<&Path> {
        self.vectors.as_deref()
    }

    fn tag_features(&self) -> Option<&TagFeatures> {
        self.features.as_ref()
    }
}

// --- The model -------------------------------------------------------------------------------

/// Kim's CNN.
#[derive(Module, Debug)]
pub struct CnnBaseline {
    /// Free word embeddings (row 0: padding, read as zeros).
    pub embedding: Embedding,
    /// Surface features of token tasks, projected into the embedding width.
    pub features: Option<Linear>,
    /// One convolution per width; each keeps the text's length (padded `(w−1)/2` on the left,
    /// `w/2` on the right), so that tagging reads one feature vector per position.
    pub convs: Vec<Conv1d>,
    /// Dropout on the pooled (or per-position) features.
    pub dropout: Dropout,
    /// Read-out.
    pub readout: Linear,
    /// Token tasks, optional: `[buckets, C]` weights of the tokens' lexical features.
    pub feature_weights: Option<Param<Tensor<2>>>,
    /// What [`CnnBaseline::feature_weights`] read.
    #[module(skip)]
    pub lexicon: Option<TagFeatures>,
    /// Token tasks, optional: a CRF over the read-out's tag scores.
    pub crf: Option<LinearChainCrf>,
    /// Sequence or token task.
    #[module(skip)]
    pub token_task: bool,
}

impl CnnBaseline {
    /// Builds the model.
    pub fn new(
        vocab: usize,
        classes: usize,
        kind: TaskKind,
        c: &CnnConfig,
        device: &Device,
    ) -> Self {
        let token_task = kind == TaskKind::Tag;
        Self {
            embedding: EmbeddingConfig::new(vocab, c.dim).init(device),
            features: token_task
                .then(|| LinearConfig::new(SURFACE_FEATURES.len(), c.dim).init(device)),
            convs: c
                .widths
                .iter()
                .map(|&w| {
                    Conv1dConfig::new(c.dim, c.filters, w)
                        .with_padding(PaddingConfig1d::Explicit((w - 1) / 2, w / 2))
                        .init(device)
                })
                .collect(),
            dropout: DropoutConfig::new(c.dropout).init(),
            readout: LinearConfig::new(c.filters * c.widths.len(), classes).init(device),
            feature_weights: None,
            lexicon: None,
            crf: None,
            token_task,
        }
    }

    /// Token tasks: reads the tokens' lexical features `f` (an example's `lexical`, as the
    /// encoder computes them with `f`), each a weight per tag added to the tag scores, starting
    /// at zero. Sequence tasks ignore it.
    #[must_use]
    pub fn with_features(mut self, f: &TagFeatures) -> Self {
        if self.token_task {
            let classes = self.readout.weight.dims()[1];
            self.feature_weights = Some(zero_weights(f, classes, &self.readout.weight.device()));
            self.lexicon = Some(f.clone());
        }
        self
    }

    /// The token embeddings `[B, T, D]`, padding rows zeroed (the input of gradient × input).
    pub fn embed(&self, batch: &Batch) -> Tensor<3> {
        let [b, t] = batch.tokens.dims();
        let keep = batch.mask.clone().bool_not().float().reshape([b, t, 1]);
        self.embedding.forward(batch.tokens.clone()) * keep
    }

    /// Logits from given token embeddings (a leaf for gradients).
    pub fn logits_from(&self, emb: Tensor<3>, batch: &Batch) -> Tensor<2> {
        let [b, t, _] = emb.dims();
        let mut x = emb;
        if let (Some(f), Some(lin)) = (&batch.features, &self.features) {
            x = x + lin.forward(f.clone());
        }
        let x = x.swap_dims(1, 2); // [B, D, T]
        let keep = batch.mask.clone().bool_not().float().reshape([b, 1, t]);
        // ReLU feature maps are ≥ 0, so zeroing the padded positions leaves every maximum over
        // the real positions unchanged.
        let maps: Vec<Tensor<3>> = self
            .convs
            .iter()
            .map(|conv| relu(conv.forward(x.clone())) * keep.clone())
            .collect();
        let h = Tensor::cat(maps, 1); // [B, F·W, T]
        if self.token_task {
            let h = self.dropout.forward(h.swap_dims(1, 2)); // [B, T, F·W]
            let scores = add_feature_scores(
                self.readout.forward(h),
                self.feature_weights.as_ref(),
                self.lexicon.as_ref(),
                batch,
            );
            at_positions(scores, batch)
        } else {
            let [_, k, _] = h.dims();
            let pooled = h.max_dim(2).reshape([b, k]);
            self.readout.forward(self.dropout.forward(pooled))
        }
    }
}

impl Classifier for CnnBaseline {
    fn logits(&self, batch: &Batch) -> Tensor<2> {
        self.logits_from(self.embed(batch), batch)
    }
    fn crf(&self) -> Option<&LinearChainCrf> {
        self.crf.as_ref()
    }
    fn penalty(&self) -> Option<Tensor<1>> {
        feature_penalty(self.feature_weights.as_ref(), self.lexicon.as_ref())
    }
}

// --- Building, training ----------------------------------------------------------------------

impl Model for CnnBaseline {
    type Config = CnnConfig;
    const EXACT: bool = false;
    const TAGS: bool = true;

    fn build(c: &CnnConfig, spec: &RunSpec, emb: &SinrModel, device: &Device) -> Result<Self> {
        // Its own words, the unknown row and padding; or the embeddings' words and padding.
        let vocab = spec
            .vocabulary
            .as_ref()
            .map_or(emb.vocab.len() + 1, |v| v.words + 2);
        let mut m = CnnBaseline::new(vocab, spec.labels.len(), spec.kind, c, device);
        if spec.kind == TaskKind::Tag {
            if c.crf {
                m.crf = Some(crate::bio_crf(&spec.labels, device));
            }
            if let Some(f) = &c.features {
                m = m.with_features(f);
            }
        }
        Ok(m)
    }

    fn trainable_params(&self) -> usize {
        self.num_params()
    }

    fn init_word_vectors(&mut self, vectors: &DenseVectors, words: &[String]) -> Result<usize> {
        let (embedding, found) = pretrained_embedding(&self.embedding, vectors, words)?;
        self.embedding = embedding;
        Ok(found)
    }

    fn gradient_times_input(&self, batch: &Batch, target: Tensor<2>) -> Vec<f64> {
        let emb = self.embed(batch).detach().require_grad();
        let grads = self
            .logits_from(emb.clone(), batch)
            .matmul(target)
            .sum()
            .backward();
        dense_gradient_times_input(&emb, &grads)
    }
}
