//! The dense, non-interpretable baseline: free word embeddings, learned positions and burn's
//! standard transformer encoder, mean-pooled (classification) or read per position (tagging).
//! It has no exact split (post-hoc methods only): it prices interpretability.

use burn::module::Param;
use burn::nn::transformer::{
    TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput,
};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
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
    /// Normalise before each sub-layer (pre-LN, Xiong et al. 2020: stable without a long
    /// warm-up) rather than after it (the original post-LN).
    pub norm_first: bool,
    /// Read the text through a vocabulary of its own, built from the training texts (every
    /// word seen `min_count` times, stop words and short words included; other words read as
    /// one unknown row), rather than through the SINr embeddings' vocabulary (which leaves out
    /// stop words and drops unknown words).
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
    /// to the tag scores, as the SINr tagger reads them (the word as written, prefixes and
    /// suffixes, shapes), without the SINr word classes; `true`: those defaults, `false` or
    /// `null`: none. Ignored by sequence tasks.
    #[serde(deserialize_with = "dense_features_or_flag")]
    pub features: Option<TagFeatures>,
}

impl Default for DenseConfig {
    fn default() -> Self {
        Self {
            dim: 128,
            layers: 2,
            heads: 4,
            ff: 256,
            dropout: 0.1,
            norm_first: true,
            own_vocabulary: true,
            min_count: 2,
            vectors: None,
            crf: true,
            features: Some(dense_tag_features()),
        }
    }
}

impl Config for DenseConfig {
    fn validate(&self) -> Result<()> {
        check::positive(self.dim, "dim")?;
        check::positive(self.layers, "layers")?;
        check::positive(self.heads, "heads")?;
        check::positive(self.ff, "ff")?;
        if !self.dim.is_multiple_of(self.heads) {
            return Err(Error::config(
                "heads",
                format!("must divide dim ({} % {} ≠ 0)", self.dim, self.heads),
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

/// The dense, non-interpretable baseline.
#[derive(Module, Debug)]
pub struct DenseBaseline {
    /// Free word embeddings (row 0: padding).
    pub embedding: Embedding,
    /// Learned positions.
    pub positions: Embedding,
    /// Surface features of token tasks, projected into the model width.
    pub features: Option<Linear>,
    /// burn's transformer encoder.
    pub encoder: TransformerEncoder,
    /// Read-out.
    pub readout: Linear,
    /// Token tasks, optional: `[buckets, C]` weights of the tokens' lexical features.
    pub feature_weights: Option<Param<Tensor<2>>>,
    /// What [`DenseBaseline::feature_weights`] read.
    #[module(skip)]
    pub lexicon: Option<TagFeatures>,
    /// Token tasks, optional: a CRF over the read-out's tag scores.
    pub crf: Option<LinearChainCrf>,
    /// Sequence or token task.
    #[module(skip)]
    pub token_task: bool,
}

impl DenseBaseline {
    /// Builds the model.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        vocab: usize,
        max_len: usize,
        classes: usize,
        kind: TaskKind,
        dim: usize,
        layers: usize,
        heads: usize,
        ff: usize,
        dropout: f64,
        norm_first: bool,
        device: &Device,
    ) -> Self {
        let token_task = kind == TaskKind::Tag;
        Self {
            embedding: EmbeddingConfig::new(vocab, dim).init(device),
            positions: EmbeddingConfig::new(max_len, dim).init(device),
            features: token_task
                .then(|| LinearConfig::new(SURFACE_FEATURES.len(), dim).init(device)),
            encoder: TransformerEncoderConfig::new(dim, ff, heads, layers)
                .with_dropout(dropout)
                .with_norm_first(norm_first)
                .init(device),
            readout: LinearConfig::new(dim, classes).init(device),
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

    /// The token embeddings `[B, T, D]` (input of gradient × input) and the final states.
    pub fn states(&self, batch: &Batch) -> (Tensor<3>, Tensor<3>) {
        let emb = self.embedding.forward(batch.tokens.clone());
        (emb.clone(), self.states_from(emb, batch))
    }

    /// The final states from given token embeddings (a leaf for gradients).
    pub fn states_from(&self, emb: Tensor<3>, batch: &Batch) -> Tensor<3> {
        let [b, t] = batch.tokens.dims();
        let device = batch.tokens.device();
        let pos = Tensor::<1, Int>::arange(0..t as i64, &device)
            .reshape([1, t])
            .expand([b, t]);
        let mut x = emb + self.positions.forward(pos);
        if let (Some(f), Some(lin)) = (&batch.features, &self.features) {
            x = x + lin.forward(f.clone());
        }
        self.encoder
            .forward(TransformerEncoderInput::new(x).mask_pad(batch.mask.clone()))
    }

    /// Logits from given final states.
    pub fn head(&self, h: Tensor<3>, batch: &Batch) -> Tensor<2> {
        if self.token_task {
            let scores = add_feature_scores(
                self.readout.forward(h),
                self.feature_weights.as_ref(),
                self.lexicon.as_ref(),
                batch,
            );
            at_positions(scores, batch)
        } else {
            // Mean over the real positions.
            let [b, t, d] = h.dims();
            let keep = batch.mask.clone().bool_not().float().reshape([b, t, 1]);
            let n = keep.clone().sum_dim(1).clamp_min(1.0).reshape([b, 1]);
            let pooled = (h * keep).sum_dim(1).reshape([b, d]) / n;
            self.readout.forward(pooled)
        }
    }
}

impl Classifier for DenseBaseline {
    fn logits(&self, batch: &Batch) -> Tensor<2> {
        let (_, h) = self.states(batch);
        self.head(h, batch)
    }
    fn crf(&self) -> Option<&LinearChainCrf> {
        self.crf.as_ref()
    }
    fn penalty(&self) -> Option<Tensor<1>> {
        feature_penalty(self.feature_weights.as_ref(), self.lexicon.as_ref())
    }
}

// --- Building, training ----------------------------------------------------------------------

impl Model for DenseBaseline {
    type Config = DenseConfig;
    const EXACT: bool = false;
    const TAGS: bool = true;

    fn build(c: &DenseConfig, spec: &RunSpec, emb: &SinrModel, device: &Device) -> Result<Self> {
        let mut m = DenseBaseline::new(
            // Its own words, the unknown row and padding; or the embeddings' words and padding.
            spec.vocabulary
                .as_ref()
                .map_or(emb.vocab.len() + 1, |v| v.words + 2),
            spec.train.max_len,
            spec.labels.len(),
            spec.kind,
            c.dim,
            c.layers,
            c.heads,
            c.ff,
            c.dropout,
            c.norm_first,
            device,
        );
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
        let emb = self
            .embedding
            .forward(batch.tokens.clone())
            .detach()
            .require_grad();
        let h = self.states_from(emb.clone(), batch);
        let grads = self.head(h, batch).matmul(target).sum().backward();
        dense_gradient_times_input(&emb, &grads)
    }
}
