//! The SINr transformer: a residual stream whose coordinates are the communities of a (coarse)
//! Louvain level (and, for tagging, the tokens' surface features), written by attention heads
//! that attend by meaning (signed low-rank query and key maps) and by position (a bias per
//! relative distance) and write signed amounts of the communities they read (after Clark et
//! al.'s reading of heads), and by ReLU key-value memories with signed values in the same basis
//! (Geva et al.). Every layer reads the stream through an RMS normalisation (pre-norm), and the
//! read-out reads it through a final one. Sequence tasks pool the final stream with a task vector
//! and, beside it, read the tokens' fine-level vectors through the attention classifier
//! ([`TransformerConfig::fine_path`]: its task attention, its mean path and, as an option, its
//! hashed n-gram weights); the two read-outs add. Token tasks read every position
//! with a context window (`logit_i = h_i W + Σ_{0<|d|≤w} h_{i+d} R_d + b`, optionally
//! `+ Σ_{|d|≤w} x^fine_{i+d} F_d` over the tokens' sparse fine-level vectors).
//!
//! With the attention weights, the ReLU gates and the normalisations' scales fixed by the
//! example (Mickus et al. 2022 treat LayerNorm's statistics so), the stream is linear in the token
//! vectors: every output splits exactly by source token, by community and by component
//! (embedding, each head, each memory, the fine path, biases).

use std::collections::BTreeMap;

use burn::module::Param;
use burn::nn::{Dropout, DropoutConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use sinr_embed::SinrModel;
use sinr_metrics::task::argmax;
use sinr_nn::{
    InitRng, KeyValueMemory, KeyValueMemoryConfig, LinearChainCrf, PaddedRows, Readout,
    ReadoutConfig, SinrAttention, SinrAttentionConfig, SinrEmbedding, TaskAttention,
    TaskAttentionConfig, to_vec, to_vec_int,
};
use sinr_schema::{
    AttentionMaps, Component, ComponentKind, MemoryProfile, MemoryWrite, OutputExplanation,
    TaskKind, TokenActivation,
};

use super::tag_features::{
    FeatureRead, add_feature_scores, feature_penalty, feature_reads, zero_weights,
};
use super::{
    AttentionClassifier, AttentionConfig, Classifier, Config, ExactTerms, LexicalConfig, Model,
    at_positions, check, dense_gradient_times_input, shift, sparse_gradient_times_input,
};
use crate::data::{Batch, Example, SURFACE_FEATURES, make_batch};
use crate::error::{Error, Result};
use crate::explain::{grid, readout_host, top_terms};
use crate::features::TagFeatures;
use crate::input::{dimension_labels, embedding_rows};
use crate::run::RunSpec;

// --- Configuration ---------------------------------------------------------------------------

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
    /// Rank of every head's query and key maps.
    pub rank: usize,
    /// Relative distances beyond this share one score bias (0: heads blind to order).
    pub max_distance: usize,
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
    /// Sequence tasks: the attention classifier over the tokens' fine-level vectors, read out
    /// beside the stream's pooling (the logits add; its task attention, its mean path and its
    /// word or n-gram weights as configured; its `kind` key is left out). `None`: the stream
    /// alone (also written `false`, as TOML has no null; `true` is the default path). Ignored by
    /// token tasks.
    #[serde(deserialize_with = "fine_path_or_flag")]
    pub fine_path: Option<AttentionConfig>,
    /// Token tasks: a linear-chain CRF over the tag scores (the read-out's logits are its
    /// emissions, and a decided path's score splits into them and named transition terms):
    /// learned transitions under the BIO constraints, trained by the sentences' likelihood,
    /// decoded by Viterbi. `false`: the per-position scores, decoded as the best valid BIO path.
    /// Ignored by sequence tasks.
    pub crf: bool,
    /// Token tasks, optional: lexical features of every token of the window (the word as
    /// written, affixes, shape, its SINr community at every level as a word class), hashed into
    /// one weight table, each a named term of the tag's logit ([`TagFeatures`]; `{}` takes its
    /// defaults, `true` too; `false` or `null`: none). Ignored by sequence tasks.
    #[serde(deserialize_with = "features_or_flag")]
    pub features: Option<TagFeatures>,
    /// Dropout on the heads' and memories' writes while training (each write to the stream is
    /// dropped element-wise with this probability and the rest scaled up). Inference, and so
    /// every explanation, reads every write whole: the exact split is unchanged. Left out of
    /// the written configuration when 0, as configurations before it had none.
    #[serde(skip_serializing_if = "crate::config::is_default")]
    pub dropout: f64,
    /// Sequence tasks with a fine path: the stream's read-out starts at zero, so the model
    /// starts as its fine path alone and the stream's logits grow only as training finds them
    /// useful (else Xavier-uniform, as every read-out). Left out of the written configuration
    /// when false, as configurations before it had none.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub zero_readout: bool,
    /// Every token's input vector scaled to unit RMS before the layers (a constant of the
    /// token, so the exact split holds): its communities' node recalls, which sum to at most 1,
    /// are otherwise small beside the layers' writes, and the read-out reads what the layers
    /// wrote into communities whose words are not in the text (see
    /// `OutputExplanation::community_own`). Left out of the written configuration when false,
    /// as configurations before it had none.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub input_norm: bool,
}

/// Reads an optional part of the configuration written as a table (its keys strict and named
/// in errors), `true` (`on()`), `false` or `null` (none).
pub(crate) struct TableOrFlag<T>(pub(crate) fn() -> T);

impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for TableOrFlag<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a table of settings, true, false or null")
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Self::Value, E> {
        Ok(v.then(self.0))
    }
    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
    }
}

/// Reads [`TransformerConfig::fine_path`]: a configuration, `null` or `false` (none), `true`
/// (the default path).
fn fine_path_or_flag<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<AttentionConfig>, D::Error> {
    d.deserialize_any(TableOrFlag(default_fine_path))
}

/// Reads [`TransformerConfig::features`]: a configuration, `true` (the defaults), `false` or
/// `null` (none).
fn features_or_flag<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<TagFeatures>, D::Error> {
    d.deserialize_any(TableOrFlag(TagFeatures::default))
}

/// The fine path of the default SINr transformer: each word's 1,000 strongest fine-level
/// communities, through the task attention and the mean, without n-gram weights.
pub fn default_fine_path() -> AttentionConfig {
    AttentionConfig {
        sparsify: Some(1000),
        mean_pooling: true,
        ..AttentionConfig::default()
    }
}

impl Default for TransformerConfig {
    fn default() -> Self {
        Self {
            level: 1,
            sparsify: Some(100),
            layers: 2,
            heads: 4,
            memories: 64,
            rank: 16,
            max_distance: 8,
            l1: 0.0,
            window: 2,
            fine_level: Some(0),
            fine_path: Some(default_fine_path()),
            crf: true,
            features: Some(TagFeatures::default()),
            dropout: 0.0,
            zero_readout: false,
            input_norm: false,
        }
    }
}

impl Config for TransformerConfig {
    fn validate(&self) -> Result<()> {
        check::non_negative(self.l1, "l1")?;
        check::positive(self.layers, "layers")?;
        check::positive(self.heads, "heads")?;
        check::positive(self.memories, "memories")?;
        check::positive(self.rank, "rank")?;
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(Error::config("dropout", "must be in [0, 1)"));
        }
        if self.max_distance > 512 {
            return Err(Error::config(
                "max_distance",
                format!("must be at most 512 positions, got {}", self.max_distance),
            ));
        }
        if let Some(f) = &self.fine_path {
            f.validate().map_err(|e| e.within("fine_path"))?;
        }
        if let Some(f) = &self.features {
            f.validate().map_err(|e| e.within("features"))?;
        }
        if self.window > 16 {
            return Err(Error::config(
                "window",
                format!("must be at most 16 positions, got {}", self.window),
            ));
        }
        Ok(())
    }

    fn input_level(&self) -> usize {
        self.level
    }

    fn lexical(&self) -> Option<&LexicalConfig> {
        self.fine_path.as_ref().and_then(|f| f.ngrams.as_ref())
    }

    fn tag_features(&self) -> Option<&TagFeatures> {
        self.features.as_ref()
    }
}

// --- The model -------------------------------------------------------------------------------

/// One layer of the SINr transformer: heads, then memories, both added to the stream.
#[derive(Module, Debug)]
pub struct SinrLayer {
    /// The heads.
    pub attention: SinrAttention,
    /// The memories.
    pub memory: KeyValueMemory,
}

/// What one layer did to one batch.
#[derive(Debug, Clone)]
pub struct LayerTrace {
    /// `[B, H, T, T]`.
    pub alpha: Tensor<4>,
    /// `[B, H, T, K]` head outputs.
    pub per_head: Tensor<4>,
    /// `[B, T, M]` memory activations.
    pub activations: Tensor<3>,
    /// `[B, T, 1]` the scale of the heads' input normalisation at every position.
    pub head_scale: Tensor<3>,
    /// `[B, T, 1]` the scale of the memories' input normalisation at every position.
    pub memory_scale: Tensor<3>,
}

/// The stream after the layers, with what the explanation holds constant.
#[derive(Debug, Clone)]
pub struct StreamTrace {
    /// `[B, T, K]` the input stream.
    pub input: Tensor<3>,
    /// `[B, T, K]` the final stream (before the read-out's normalisation).
    pub output: Tensor<3>,
    /// `[B, T, 1]` the scale of the read-out's normalisation.
    pub scale: Tensor<3>,
    /// Every layer's trace.
    pub layers: Vec<LayerTrace>,
}

impl StreamTrace {
    /// The final stream as the read-out reads it (normalised), `[B, T, K]`.
    pub fn normalised(&self) -> Tensor<3> {
        self.output.clone() * self.scale.clone()
    }
}

/// The scale of an RMS normalisation of every position, `[B, T, 1]`: `1 / √(mean_k h_k² + ε)`.
/// The explanation holds it as a constant of the text, so the normalised stream stays linear in
/// its parts.
pub fn rms_scale(h: Tensor<3>) -> Tensor<3> {
    h.powi_scalar(2).mean_dim(2).add_scalar(1e-6).sqrt().recip()
}

/// The SINr transformer.
#[derive(Module, Debug)]
pub struct SinrTransformer {
    /// Frozen token vectors at the stream's Louvain level.
    pub embedding: SinrEmbedding,
    /// The layers.
    pub layers: Vec<SinrLayer>,
    /// Task-vector pooling (sequence tasks).
    pub pool: TaskAttention,
    /// Read-out.
    pub readout: Readout,
    /// Token tasks: `[K, C]` read-out matrices of the neighbouring positions, offsets
    /// `−w, …, −1, 1, …, w` in that order (empty: each position reads its own stream only).
    /// The logit of position `i` is `b + h_i W + Σ_d h_{i+d} R_d` — linear in the final stream,
    /// so every split of the stream (tokens, communities, components) carries over exactly.
    pub context: Vec<Param<Tensor<2>>>,
    /// Token tasks, optional: frozen token vectors of a fine Louvain level, read sparsely by the
    /// tagging read-out over the same window (no dense stream at that level).
    pub fine: Option<SinrEmbedding>,
    /// `[K_fine, C]` read-out matrices of the fine vectors, offsets `−w, …, w` in that order.
    pub fine_readout: Vec<Param<Tensor<2>>>,
    /// Sequence tasks, optional: the attention classifier over the fine-level vectors, read out
    /// beside the stream (its logits add).
    pub fine_path: Option<AttentionClassifier>,
    /// Token tasks, optional: a CRF over the tag scores.
    pub crf: Option<LinearChainCrf>,
    /// Token tasks, optional: `[buckets, C]` weights of the tokens' lexical features, each
    /// feature at each offset of its window in a bucket of its own ([`TagFeatures::at_offset`]).
    pub feature_weights: Option<Param<Tensor<2>>>,
    /// What [`SinrTransformer::feature_weights`] read.
    #[module(skip)]
    pub features: Option<TagFeatures>,
    /// Sequence or token task.
    #[module(skip)]
    pub token_task: bool,
    /// Width of the stream: communities, plus the surface features of token tasks.
    #[module(skip)]
    pub width: usize,
    /// L1 weight.
    #[module(skip)]
    pub l1: f64,
    /// Dropout on the layers' writes while training (identity at inference).
    pub dropout: Dropout,
    /// Every token's input vector scaled to unit RMS ([`TransformerConfig::input_norm`]).
    #[module(skip)]
    pub input_norm: bool,
}

impl SinrTransformer {
    /// Builds the model (heads of rank 16 with position biases up to 8 tokens apart; see
    /// [`SinrTransformer::with_heads`]).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        rows: &PaddedRows,
        classes: usize,
        kind: TaskKind,
        layers: usize,
        heads: usize,
        memories: usize,
        l1: f64,
        seed: u64,
        device: &Device,
    ) -> Self {
        let heads = SinrAttentionConfig::new(0, heads);
        Self::with_heads(
            rows, classes, kind, layers, &heads, memories, l1, seed, device,
        )
    }

    /// Builds the model with heads as `heads` says (its `dims` is the stream's width).
    #[allow(clippy::too_many_arguments)]
    pub fn with_heads(
        rows: &PaddedRows,
        classes: usize,
        kind: TaskKind,
        layers: usize,
        heads: &SinrAttentionConfig,
        memories: usize,
        l1: f64,
        seed: u64,
        device: &Device,
    ) -> Self {
        let mut rng = InitRng::new(seed);
        let token_task = kind == TaskKind::Tag;
        let width = rows.dims
            + if token_task {
                SURFACE_FEATURES.len()
            } else {
                0
            };
        Self {
            embedding: SinrEmbedding::new(rows, device),
            layers: (0..layers)
                .map(|_| SinrLayer {
                    attention: SinrAttentionConfig {
                        dims: width,
                        ..heads.clone()
                    }
                    .init(device, &mut rng),
                    memory: KeyValueMemoryConfig::new(width, memories).init(device, &mut rng),
                })
                .collect(),
            pool: TaskAttentionConfig::new(width).init(device, &mut rng),
            readout: ReadoutConfig::new(width, classes).init(device, &mut rng),
            context: Vec::new(),
            fine: None,
            fine_readout: Vec::new(),
            fine_path: None,
            crf: None,
            feature_weights: None,
            features: None,
            token_task,
            width,
            l1,
            dropout: DropoutConfig::new(0.0).init(),
            input_norm: false,
        }
    }

    /// Scales every token's input vector to unit RMS ([`TransformerConfig::input_norm`]).
    pub fn with_input_norm(mut self, on: bool) -> Self {
        self.input_norm = on;
        self
    }

    /// Drops each write of the layers to the stream with probability `p` while training.
    pub fn with_dropout(mut self, p: f64) -> Self {
        self.dropout = DropoutConfig::new(p).init();
        self
    }

    /// Gives the token read-out a context window of `w` positions on each side, its matrices
    /// starting at zero (so the model starts as the one without). Sequence tasks ignore it.
    pub fn with_window(mut self, w: usize) -> Self {
        if self.token_task {
            let [k, c] = self.readout.weight.dims();
            let device = self.readout.weight.device();
            self.context = (0..2 * w)
                .map(|_| Param::from_tensor(Tensor::zeros([k, c], &device)))
                .collect();
        }
        self
    }

    /// Gives the token read-out a second, sparse input: the vectors of `rows` (a fine Louvain
    /// level) at every position of the window set by `with_window` (called first), one
    /// `[K_fine, C]` matrix per offset, starting at zero. `logit_i += Σ_{|d|≤w} x^fine_{i+d} F_d`: linear in the
    /// fine vectors, so it splits exactly by token and by fine community. Sequence tasks ignore
    /// it.
    pub fn with_fine(mut self, rows: &PaddedRows) -> Self {
        let w = self.window();
        if self.token_task {
            let c = self.readout.bias.dims()[0];
            let device = self.readout.weight.device();
            self.fine = Some(SinrEmbedding::new(rows, &device));
            self.fine_readout = (0..=2 * w)
                .map(|_| Param::from_tensor(Tensor::zeros([rows.dims, c], &device)))
                .collect();
        }
        self
    }

    /// Sequence tasks: reads `path`, an attention classifier over the tokens' fine-level vectors
    /// (its logits add to the stream's). Token tasks ignore it.
    #[must_use]
    pub fn with_fine_path(mut self, path: AttentionClassifier) -> Self {
        if !self.token_task {
            self.fine_path = Some(path);
        }
        self
    }

    /// Token tasks: a CRF over the tags `labels` with the BIO constraints, its scores at zero
    /// (so the model starts as the one without). Sequence tasks ignore it.
    #[must_use]
    pub fn with_crf(mut self, labels: &[String]) -> Self {
        if self.token_task {
            self.crf = Some(crate::bio_crf(labels, &self.readout.weight.device()));
        }
        self
    }

    /// Token tasks: reads the tokens' lexical features `f` (an example's `lexical`, as the
    /// encoder computes them with `f`), their weights starting at zero (so the model starts as
    /// the one without). Sequence tasks ignore it.
    #[must_use]
    pub fn with_features(mut self, f: &TagFeatures) -> Self {
        if self.token_task {
            let c = self.readout.bias.dims()[0];
            let device = self.readout.weight.device();
            self.feature_weights = Some(zero_weights(f, c, &device));
            self.features = Some(f.clone());
        }
        self
    }

    /// Where the batch's lexical features are read: `(bucket at its offset, flat output
    /// position b·T + p, b, index of the feature in its example, token position q)` for every
    /// feature of token `q` read by position `p = q − d` of its sentence, `d` an offset of the
    /// window.
    fn feature_reads(&self, batch: &Batch) -> Vec<FeatureRead> {
        match &self.features {
            Some(f) => feature_reads(f, batch),
            None => Vec::new(),
        }
    }

    /// The offsets of [`SinrTransformer::fine_readout`], in order.
    pub fn fine_offsets(&self) -> Vec<isize> {
        let w = (self.fine_readout.len() / 2) as isize;
        (-w..=w).collect()
    }

    /// The window's half-width.
    pub fn window(&self) -> usize {
        self.context.len() / 2
    }

    /// The offsets of [`SinrTransformer::context`], in order.
    pub fn offsets(&self) -> Vec<isize> {
        let w = self.window() as isize;
        (-w..0).chain(1..=w).collect()
    }

    /// Per-position logits of a token task `[B, T, C]` from the final stream: the position's
    /// own read-out plus the context window, plus the fine vectors' window if any (padding
    /// reads as zero).
    pub fn token_logits(&self, h: Tensor<3>, batch: &Batch) -> Tensor<3> {
        let mut out = self.readout.forward_tokens(h.clone());
        let [b, t, k] = h.dims();
        let c = self.readout.bias.dims()[0];
        // The mask is true at padding.
        let keep = batch.mask.clone().bool_not().float().unsqueeze_dim::<3>(2);
        if !self.context.is_empty() {
            let h = h * keep.clone();
            for (d, r) in self.offsets().into_iter().zip(&self.context) {
                let rk = r.val().reshape([1, k, c]).expand([b, k, c]);
                out = out + shift(h.clone(), d).matmul(rk);
            }
        }
        if let Some(fine) = &self.fine {
            // One gather of every offset's matrix: [B, T, O·C], then each offset's slice is
            // moved to the positions that read it.
            let x = fine.forward(batch.tokens.clone());
            let o = self.fine_readout.len();
            let all = Tensor::cat(self.fine_readout.iter().map(|f| f.val()).collect(), 1);
            let [_, _, p] = x.val.dims();
            let g = all
                .select(0, x.idx.reshape([b * t * p]))
                .reshape([b, t, p, o * c])
                * x.val.reshape([b, t, p, 1]);
            let g = g.sum_dim(2).reshape([b, t, o * c]) * keep;
            for (j, d) in self.fine_offsets().into_iter().enumerate() {
                out = out + shift(g.clone().slice([0..b, 0..t, j * c..(j + 1) * c]), d);
            }
        }
        add_feature_scores(
            out,
            self.feature_weights.as_ref(),
            self.features.as_ref(),
            batch,
        )
    }

    /// The input stream `[B, T, width]`: the token vectors (and the surface features).
    pub fn input(&self, batch: &Batch) -> Tensor<3> {
        let mut x = self.embedding.forward(batch.tokens.clone()).densify();
        if self.input_norm {
            // Padding stays 0.
            x = x.clone() * rms_scale(x);
        }
        match (&batch.features, self.token_task) {
            (Some(f), true) => Tensor::cat(vec![x, f.clone()], 2),
            _ => x,
        }
    }

    /// The final stream and every layer's trace.
    pub fn stream(&self, batch: &Batch) -> StreamTrace {
        self.stream_from(self.input(batch), batch.mask.clone())
    }

    /// The same from a given input stream (a leaf for gradients). Every layer reads the stream
    /// normalised (pre-norm) and adds its heads' and memories' writes to it.
    pub fn stream_from(&self, h0: Tensor<3>, mask: Tensor<2, Bool>) -> StreamTrace {
        let mut h = h0.clone();
        let mut traces = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let head_scale = rms_scale(h.clone());
            let (a, tr) = layer
                .attention
                .forward(h.clone() * head_scale.clone(), mask.clone());
            h = h + self.dropout.forward(a);
            let memory_scale = rms_scale(h.clone());
            let (m, act) = layer.memory.forward(h.clone() * memory_scale.clone());
            h = h + self.dropout.forward(m);
            traces.push(LayerTrace {
                alpha: tr.alpha,
                per_head: tr.per_head,
                activations: act,
                head_scale,
                memory_scale,
            });
        }
        StreamTrace {
            input: h0,
            scale: rms_scale(h.clone()),
            output: h,
            layers: traces,
        }
    }

    /// The logits of a sequence task read from the stream alone (without the fine path),
    /// `[B, C]`.
    fn stream_logits(&self, st: &StreamTrace, mask: Tensor<2, Bool>) -> Tensor<2> {
        let (d, _) = self.pool.forward_dense(st.normalised(), mask);
        self.readout.forward(d)
    }
}

impl Classifier for SinrTransformer {
    fn logits(&self, batch: &Batch) -> Tensor<2> {
        let st = self.stream(batch);
        if self.token_task {
            at_positions(self.token_logits(st.normalised(), batch), batch)
        } else {
            let logits = self.stream_logits(&st, batch.mask.clone());
            match &self.fine_path {
                Some(f) => logits + f.logits(batch),
                None => logits,
            }
        }
    }
    fn penalty(&self) -> Option<Tensor<1>> {
        let own = (self.l1 > 0.0).then(|| {
            let mut p = self.readout.l1();
            for r in self.context.iter().chain(&self.fine_readout) {
                p = p + r.val().abs().sum();
            }
            for l in &self.layers {
                p = p + l.memory.l1();
            }
            p * self.l1
        });
        let path = self.fine_path.as_ref().and_then(Classifier::penalty);
        let features = feature_penalty(self.feature_weights.as_ref(), self.features.as_ref());
        [own, path, features]
            .into_iter()
            .flatten()
            .reduce(|a, b| a + b)
    }
    fn frozen(&self) -> Vec<&SinrEmbedding> {
        std::iter::once(&self.embedding)
            .chain(self.fine.as_ref())
            .chain(self.fine_path.as_ref().map(|f| &f.embedding))
            .collect()
    }
    fn crf(&self) -> Option<&LinearChainCrf> {
        self.crf.as_ref()
    }
}

// --- Building, training, explaining ----------------------------------------------------------

impl Model for SinrTransformer {
    type Config = TransformerConfig;

    fn build(
        c: &TransformerConfig,
        spec: &RunSpec,
        emb: &SinrModel,
        device: &Device,
    ) -> Result<Self> {
        let rows = embedding_rows(emb, c.level, c.sparsify)?;
        if rows.dims > 2048 {
            return Err(Error::config(
                "level",
                format!(
                    "gives a {}-dimensional stream; choose a coarser Louvain level (the stream is dense)",
                    rows.dims
                ),
            ));
        }
        let heads = SinrAttentionConfig::new(rows.dims, c.heads)
            .with_rank(c.rank)
            .with_max_distance(c.max_distance);
        let mut m = SinrTransformer::with_heads(
            &rows,
            spec.labels.len(),
            spec.kind,
            c.layers,
            &heads,
            c.memories,
            c.l1,
            spec.train.seed,
            device,
        )
        .with_window(c.window)
        .with_dropout(c.dropout)
        .with_input_norm(c.input_norm);
        if let (Some(l), TaskKind::Tag) = (c.fine_level, spec.kind) {
            m = m.with_fine(&embedding_rows(emb, l, c.sparsify)?);
        }
        if c.crf {
            m = m.with_crf(&spec.labels);
        }
        if let Some(f) = &c.features {
            m = m.with_features(f);
        }
        if let (Some(f), TaskKind::Classify) = (&c.fine_path, spec.kind) {
            // Its own seed, so that the stream's initialisation does not depend on the path.
            let mut path_spec = spec.clone();
            path_spec.train.seed = spec.train.seed.wrapping_add(0x5eed);
            m = m.with_fine_path(AttentionClassifier::build(f, &path_spec, emb, device)?);
            if c.zero_readout {
                let w = m.readout.weight.val();
                m.readout.weight = Param::from_tensor(w.zeros_like());
            }
        }
        Ok(m)
    }

    fn trainable_params(&self) -> usize {
        self.num_params()
            - self.embedding.num_params()
            - self.fine.as_ref().map_or(0, Module::num_params)
            - self
                .fine_path
                .as_ref()
                .map_or(0, |f| f.num_params() - f.trainable_params())
    }

    fn fit_statistics(&mut self, train: &[Example]) {
        if let Some(f) = &mut self.fine_path {
            f.fit_statistics(train);
        }
    }

    const TAGS: bool = true;

    fn explain_terms(&self, batch: &Batch, tags: Option<&[usize]>) -> Result<ExactTerms> {
        let (outputs, attention) = self.explain(batch, tags);
        Ok(ExactTerms {
            outputs,
            attention,
            width: self.width,
            fine_terms: None,
        })
    }

    fn named_dimensions(&self) -> Vec<String> {
        if self.token_task {
            SURFACE_FEATURES.iter().map(|s| (*s).to_owned()).collect()
        } else {
            self.fine_path
                .as_ref()
                .map(Model::named_dimensions)
                .unwrap_or_default()
        }
    }

    fn fine_level(c: &TransformerConfig, spec: &RunSpec) -> Option<usize> {
        match spec.kind {
            TaskKind::Tag => c.fine_level,
            TaskKind::Classify => c.fine_path.as_ref().map(|f| f.level),
        }
    }

    fn gradient_times_input(&self, batch: &Batch, target: Tensor<2>) -> Vec<f64> {
        let h0 = self.input(batch).require_grad();
        let st = self.stream_from(h0.clone(), batch.mask.clone());
        let mut logits = self.stream_logits(&st, batch.mask.clone());
        // The fine path's vectors are inputs too: their gradient × input adds per token.
        let fine = self.fine_path.as_ref().map(|f| {
            let mut x = f.embedding.forward(batch.tokens.clone());
            x.val = x.val.require_grad();
            let known = AttentionClassifier::vector_mask(batch.tokens.clone(), batch.mask.clone());
            (f.forward_sparse(&x, known).0, x)
        });
        if let Some((l, _)) = &fine {
            logits = logits + l.clone();
        }
        let grads = logits.matmul(target).sum().backward();
        let mut out = dense_gradient_times_input(&h0, &grads);
        if let Some((_, x)) = &fine {
            for (o, g) in out.iter_mut().zip(sparse_gradient_times_input(x, &grads)) {
                *o += g;
            }
        }
        out
    }

    fn memory_profiles(
        &self,
        c: &TransformerConfig,
        spec: &RunSpec,
        emb: &SinrModel,
        examples: &[Example],
        keep: usize,
        device: &Device,
    ) -> Result<Vec<MemoryProfile>> {
        let labels = dimension_labels(emb, c.level, 6)?;
        Ok(self.profile_memories(&labels, spec.kind, examples, keep, device))
    }
}

/// The `n` tokens typical of a memory and common, from `fired` (token → its total positive
/// activation and the occurrences that fired the memory): by mean activation × ln(occurrences),
/// as community labels rank their words ([`sinr_embed::representative_score`]), so a token met once scores 0 and the words that
/// fire every memory because they are in every text do not lead on count alone; ties by mean
/// activation, then by token.
pub fn memory_triggers(fired: &BTreeMap<String, (f64, usize)>, n: usize) -> Vec<TokenActivation> {
    let mut toks: Vec<(f64, TokenActivation)> = fired
        .iter()
        .map(|(k, &(total, count))| {
            let mean = total / count.max(1) as f64;
            let t = TokenActivation {
                token: k.clone(),
                activation: mean,
                count,
            };
            (sinr_embed::representative_score(mean, count as u64), t)
        })
        .collect();
    toks.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(b.1.activation.total_cmp(&a.1.activation))
            .then_with(|| a.1.token.cmp(&b.1.token))
    });
    toks.into_iter().take(n).map(|x| x.1).collect()
}

/// What a layer's memories write on average per unit of activation: their values (`values`,
/// `[M][K]` flat) weighted by how much each fired (`activation`, `[M]`: total activation over
/// the texts read); the plain mean where none fired. A carrier community that every active
/// memory writes into is in it, so it sets none of them apart ([`memory_writes`]); an unweighted
/// mean, pulled toward zero by the memories that never fire, would leave the carrier first.
pub fn layer_write(values: &[f32], activation: &[f64]) -> Vec<f32> {
    let m = activation.len().max(1);
    let width = values.len() / m;
    let total: f64 = activation.iter().sum();
    let mut common = vec![0.0f64; width];
    for (row, &a) in values.chunks(width.max(1)).zip(activation) {
        let w = if total > 0.0 {
            a / total
        } else {
            1.0 / m as f64
        };
        for (c, &v) in common.iter_mut().zip(row) {
            *c += w * f64::from(v);
        }
    }
    common.into_iter().map(|c| c as f32).collect()
}

/// The `n` dimensions a memory's value `row` writes most beyond `common`, what its layer writes
/// on average ([`layer_write`]: a carrier community that all of them write into says nothing
/// of one of them); by |row − common|, ties to the lower dimension.
pub fn memory_writes(row: &[f32], common: &[f32], n: usize) -> Vec<usize> {
    let apart = |d: usize| (row[d] - common[d]).abs();
    let mut dims: Vec<usize> = (0..row.len()).collect();
    dims.sort_by(|&a, &b| apart(b).total_cmp(&apart(a)).then(a.cmp(&b)));
    dims.truncate(n);
    dims
}

impl SinrTransformer {
    /// Profiles the memories over `examples` (after Geva et al.): for each layer, the `keep`
    /// most active, the tokens typical of each and common in the texts ([`memory_triggers`])
    /// and the communities its value writes most beyond what the layer's memories write on
    /// average, each weighted by how much it fires ([`layer_write`], [`memory_writes`]), each
    /// labelled by `labels`, the words of the stream's dimensions.
    pub fn profile_memories(
        &self,
        labels: &[Vec<String>],
        kind: TaskKind,
        examples: &[Example],
        keep: usize,
        device: &Device,
    ) -> Vec<MemoryProfile> {
        let m = self;
        let layers = m.layers.len();
        let mems = m
            .layers
            .first()
            .map_or(0, |l| l.memory.effective_values().dims()[0]);
        let mut sum = vec![vec![0.0f64; mems]; layers];
        let mut count = 0usize;
        // Per memory: token → (total positive activation, occurrences that fired).
        let mut fired: Vec<Vec<BTreeMap<String, (f64, usize)>>> =
            vec![vec![BTreeMap::new(); mems]; layers];
        for ex in examples.iter().filter(|e| !e.rows.is_empty()) {
            let batch = make_batch(&[ex], kind, device);
            let traces = m.stream(&batch).layers;
            let t = ex.rows.len();
            count += t;
            for (l, tr) in traces.iter().enumerate() {
                let act = to_vec(tr.activations.clone());
                for (pos, row) in act.chunks(mems).take(t).enumerate() {
                    for (j, &a) in row.iter().enumerate() {
                        let a = f64::from(a);
                        sum[l][j] += a;
                        if a > 0.0 {
                            let e = fired[l][j]
                                .entry(ex.surface[pos].to_lowercase())
                                .or_default();
                            e.0 += a;
                            e.1 += 1;
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (l, layer) in m.layers.iter().enumerate() {
            let values = to_vec(layer.memory.effective_values());
            let width = values.len() / mems.max(1);
            let common = layer_write(&values, &sum[l]);
            let mut order: Vec<usize> = (0..mems).collect();
            order.sort_by(|&a, &b| sum[l][b].total_cmp(&sum[l][a]));
            for &j in order.iter().take(keep) {
                let toks = memory_triggers(&fired[l][j], 8);
                let row = &values[j * width..(j + 1) * width];
                let dims = memory_writes(row, &common, 3);
                let writes = dims
                    .into_iter()
                    .map(|d| MemoryWrite {
                        dimension: d,
                        weight: f64::from(row[d]),
                        words: labels
                            .get(d)
                            .cloned()
                            .unwrap_or_else(|| vec!["(surface feature)".into()]),
                    })
                    .collect();
                out.push(MemoryProfile {
                    layer: l + 1,
                    memory: j + 1,
                    mean_activation: sum[l][j] / count.max(1) as f64,
                    top_tokens: toks,
                    writes,
                });
            }
        }
        out
    }

    /// The exact explanation of a batch of one example (no padding): every output's logits
    /// split by source token (propagated through every layer), by community and by component
    /// (the embedding, each head, each memory, the fine-level window, the bias); also every
    /// head's attention map (and the pooling's).
    ///
    /// `tags`: for token tasks, the tag decided at every position (the best valid BIO path,
    /// [`crate::decode_tags`]); each output explains that tag, and says which tag its own
    /// argmax would have been where the two differ. `None`: every output explains its argmax.
    pub fn explain(
        &self,
        batch: &Batch,
        tags: Option<&[usize]>,
    ) -> (Vec<OutputExplanation>, AttentionMaps) {
        let m = self;
        let st = m.stream(batch);
        let (h0, h, traces) = (st.input.clone(), st.output.clone(), &st.layers);
        // The read-out's normalisation, a constant of the text: `[T]`.
        let final_scale = to_vec(st.scale.clone());
        let device = h.device();
        let [_, t, k] = h.dims();
        let s = t + 1; // sources: every token, and the biases
        let bias_part = t;
        // D[s, t, :] = the part of the stream at position t that comes from source s.
        let h0_host = to_vec(h0.clone());
        let mut d0 = vec![0f32; s * t * k];
        for ti in 0..t {
            d0[(ti * t + ti) * k..(ti * t + ti + 1) * k]
                .copy_from_slice(&h0_host[ti * k..(ti + 1) * k]);
        }
        let mut parts = Tensor::<3>::from_data(TensorData::new(d0, [s, t, k]), &device);
        let mut attention = Vec::new();
        let mut writes: Vec<(ComponentKind, String, Tensor<2>)> = vec![(
            ComponentKind::Embedding,
            "embedding".into(),
            h0.clone().reshape([t, k]),
        )];
        let mut memory_writes: Vec<(usize, Tensor<2>, Tensor<2>)> = Vec::new(); // (layer, act [T,M], values [M,K])
        for (l, (layer, tr)) in m.layers.iter().zip(traces).enumerate() {
            let heads = layer.attention.heads();
            let alpha = tr.alpha.clone().reshape([heads, t, t]);
            // Each layer reads the parts normalised by the scales of the whole stream.
            let scaled = parts.clone() * tr.head_scale.clone().reshape([1, t, 1]);
            parts = parts + layer.attention.decompose(alpha.clone(), scaled);
            let act = tr.activations.clone().reshape([t, layer.memory.memories()]);
            let gates = act.clone().greater_elem(0.0).float();
            let scaled = parts.clone() * tr.memory_scale.clone().reshape([1, t, 1]);
            parts = parts + layer.memory.decompose(gates, scaled, bias_part);
            let alpha_host = to_vec(alpha);
            let per_head = tr.per_head.clone().reshape([heads, t, k]);
            for hh in 0..heads {
                attention.push((
                    format!("layer {} head {}", l + 1, hh + 1),
                    grid(&alpha_host[hh * t * t..(hh + 1) * t * t], t),
                ));
                let idx =
                    Tensor::<1, Int>::from_data(TensorData::new(vec![hh as i64], [1]), &device);
                writes.push((
                    ComponentKind::Heads,
                    format!("layer {} head {}", l + 1, hh + 1),
                    per_head.clone().select(0, idx).reshape([t, k]),
                ));
            }
            memory_writes.push((l, act, layer.memory.effective_values()));
        }
        let (w, b, c) = readout_host(&m.readout);
        let w_t = m.readout.weights(); // [K, C]
        // Each output reads the final stream through one or more terms `(β, W)`: logit = Σ β h W + b.
        // Sequence tasks: the pooling weights β and the read-out. Token tasks: the position itself
        // (one-hot β) with the read-out, and each neighbour in the context window with its matrix.
        type Term = (Vec<f32>, Vec<f32>, Tensor<2>);
        let mut outputs = Vec::new();
        let per_output: Vec<(Option<usize>, Vec<Term>)> = if m.token_task {
            // The position itself, read through the final normalisation.
            let one_hot = |p: usize| {
                (0..t)
                    .map(|x| if x == p { final_scale[p] } else { 0.0 })
                    .collect()
            };
            // Each offset's matrix, on the device and on the host, copied once for all positions.
            let context: Vec<(isize, Vec<f32>, Tensor<2>)> = m
                .offsets()
                .into_iter()
                .zip(&m.context)
                .map(|(d, r)| (d, to_vec(r.val()), r.val()))
                .collect();
            (0..t)
                .map(|p| {
                    let mut terms: Vec<Term> = vec![(one_hot(p), w.clone(), w_t.clone())];
                    for (d, r_host, r) in &context {
                        let q = p as isize + d;
                        if (0..t as isize).contains(&q) {
                            terms.push((one_hot(q as usize), r_host.clone(), r.clone()));
                        }
                    }
                    (Some(p), terms)
                })
                .collect()
        } else {
            let (_, beta) = m.pool.forward_dense(st.normalised(), batch.mask.clone());
            let beta = to_vec(beta);
            attention.insert(0, ("pooling".into(), vec![beta.clone()]));
            // The pooling reads the stream through the final normalisation.
            let read: Vec<f32> = beta.iter().zip(&final_scale).map(|(b, s)| b * s).collect();
            vec![(None, vec![(read, w.clone(), w_t.clone())])]
        };
        let h_host = to_vec(h.reshape([t, k]));
        // The fine path's exact explanation (sequence tasks), added to the stream's below.
        let path = m.fine_path.as_ref().map(|f| {
            let (of, alpha) = f.explain(batch);
            attention.insert(1, ("pooling (fine level)".into(), vec![alpha]));
            (of, f.embedding.dims)
        });
        // The fine-level window on the host: the tokens' sparse fine vectors and each offset's
        // matrix.
        let fine_host = m.fine.as_ref().map(|f| {
            let x = f.forward(batch.tokens.clone());
            let p = x.val.dims()[2];
            let idx: Vec<i64> = to_vec_int(x.idx);
            let mats: Vec<Vec<f32>> = m.fine_readout.iter().map(|r| to_vec(r.val())).collect();
            (p, idx, to_vec(x.val), mats)
        });
        // The lexical features' reads (a tagger with features): for each, its weights.
        let reads = self.feature_reads(batch);
        let read_weights: Vec<f32> = match (&self.feature_weights, reads.is_empty()) {
            (Some(w), false) => {
                let idx: Vec<i64> = reads.iter().map(|r| i64::from(r.0)).collect();
                let n = idx.len();
                to_vec(w.val().select(
                    0,
                    Tensor::<1, Int>::from_data(TensorData::new(idx, [n]), &device),
                ))
            }
            _ => Vec::new(),
        };
        for (position, terms) in per_output {
            let mut per_source = vec![0f32; s * c]; // [S, C]
            let mut communities = vec![vec![0f32; c]; k];
            let mut community_own = vec![vec![0f32; c]; k];
            let mut components: Vec<Component> = writes
                .iter()
                .map(|(kind, name, _)| Component::new(*kind, name.clone(), vec![0f32; c]))
                .collect();
            let mut memory_terms: Vec<Vec<Vec<f32>>> = memory_writes
                .iter()
                .map(|(_, act, _)| vec![vec![0f32; c]; act.dims()[1]])
                .collect();
            let mut memory_active: Vec<Vec<bool>> =
                memory_terms.iter().map(|m| vec![false; m.len()]).collect();
            let mut pooled_by_term = Vec::with_capacity(terms.len()); // [S, K] per term
            for (beta, wh, wt) in &terms {
                let beta_t = Tensor::<2>::from_data(TensorData::new(beta.clone(), [1, t]), &device);
                // Token split: Σ_t β_t D[s, t, :] W.
                let pooled_parts = beta_t
                    .clone()
                    .reshape([1, 1, t])
                    .expand([s, 1, t])
                    .matmul(parts.clone())
                    .reshape([s, k]);
                for (acc, v) in per_source
                    .iter_mut()
                    .zip(to_vec(pooled_parts.clone().matmul(wt.clone())))
                {
                    *acc += v;
                }
                // Community split of the pooled final stream, and the part of it that the
                // tokens' own input vectors carry (the residual path from the embedding).
                for (kk, (row, own)) in communities.iter_mut().zip(&mut community_own).enumerate() {
                    let pooled: f32 = (0..t).map(|ti| beta[ti] * h_host[ti * k + kk]).sum();
                    let input: f32 = (0..t).map(|ti| beta[ti] * h0_host[ti * k + kk]).sum();
                    for (cc, (x, y)) in row.iter_mut().zip(own.iter_mut()).enumerate() {
                        *x += pooled * wh[kk * c + cc];
                        *y += input * wh[kk * c + cc];
                    }
                }
                // Component split: every write into the stream, pooled and read out.
                for ((_, _, wr), comp) in writes.iter().zip(components.iter_mut()) {
                    let v = to_vec(beta_t.clone().matmul(wr.clone()).matmul(wt.clone()));
                    for (a, x) in comp.values.iter_mut().zip(v) {
                        *a += x;
                    }
                }
                for (li, (_, act, values)) in memory_writes.iter().enumerate() {
                    let a = to_vec(beta_t.clone().matmul(act.clone())); // [M]
                    let vw = to_vec(values.clone().matmul(wt.clone())); // [M, C]
                    for (i, ai) in a.iter().enumerate() {
                        if *ai != 0.0 {
                            memory_active[li][i] = true;
                            for cc in 0..c {
                                memory_terms[li][i][cc] += ai * vw[i * c + cc];
                            }
                        }
                    }
                }
                pooled_by_term.push(to_vec(pooled_parts));
            }
            // Fine-level window: token q at offset d from the output reads its fine vector
            // through F_d.
            let mut fine: std::collections::BTreeMap<u32, Vec<f32>> = Default::default();
            if let (Some(p_out), Some((p, idx, val, mats))) = (position, &fine_host) {
                for (j, d) in m.fine_offsets().into_iter().enumerate() {
                    let q = p_out as isize + d;
                    if !(0..t as isize).contains(&q) {
                        continue;
                    }
                    let q = q as usize;
                    for e in 0..*p {
                        let (kk, v) = (idx[q * p + e] as usize, val[q * p + e]);
                        if v == 0.0 {
                            continue;
                        }
                        let row = fine.entry(kk as u32).or_insert_with(|| vec![0f32; c]);
                        for cc in 0..c {
                            let term = v * mats[j][kk * c + cc];
                            per_source[q * c + cc] += term;
                            row[cc] += term;
                        }
                    }
                }
            }
            let fine_total: Vec<f32> = (0..c)
                .map(|cc| fine.values().map(|r| r[cc]).sum())
                .collect();
            // The lexical features read by this position: each feature's weights at its offset,
            // a term of its token.
            let mut lexical: Vec<(u32, Vec<f32>)> = Vec::new();
            let mut lexical_total = vec![0f32; c];
            if let Some(p_out) = position {
                for (r, (_, to, _, fi, q)) in reads.iter().enumerate() {
                    if *to != p_out {
                        continue;
                    }
                    let v = &read_weights[r * c..(r + 1) * c];
                    for cc in 0..c {
                        per_source[q * c + cc] += v[cc];
                        lexical_total[cc] += v[cc];
                    }
                    lexical.push((*fi as u32, v.to_vec()));
                }
            }
            let tokens: Vec<Vec<f32>> = grid(&per_source[..t * c], c);
            let bias: Vec<f32> = (0..c).map(|cc| per_source[t * c + cc] + b[cc]).collect();
            let mut logits: Vec<f32> = (0..c)
                .map(|cc| {
                    communities.iter().map(|r| r[cc]).sum::<f32>()
                        + fine_total[cc]
                        + lexical_total[cc]
                        + b[cc]
                })
                .collect();
            if let Some((of, _)) = &path {
                for (l, x) in logits.iter_mut().zip(&of.logits) {
                    *l += x;
                }
            }
            let own = argmax(&logits);
            let predicted = match (tags, position) {
                (Some(tags), Some(p)) => tags[p],
                _ => own,
            };
            for (li, (l, _, _)) in memory_writes.iter().enumerate() {
                for (i, v) in memory_terms[li].iter().enumerate() {
                    if memory_active[li][i] {
                        components.push(Component::new(
                            ComponentKind::Memories,
                            format!("layer {} memory {}", l + 1, i + 1),
                            v.clone(),
                        ));
                    }
                }
            }
            if m.fine.is_some() {
                components.push(Component::new(
                    ComponentKind::Embedding,
                    "fine-level window",
                    fine_total,
                ));
            }
            if m.feature_weights.is_some() {
                components.push(Component::new(
                    ComponentKind::Lexical,
                    "lexical features (words, affixes, shapes, word classes)",
                    lexical_total,
                ));
            }
            // The features that weigh most for the decided tag, by name (30 at most).
            lexical.sort_by(|a, b| b.1[predicted].abs().total_cmp(&a.1[predicted].abs()));
            lexical.truncate(30);
            components.push(Component::new(
                ComponentKind::Biases,
                "read-out bias",
                b.clone(),
            ));
            // Largest community terms of every token for the predicted class.
            let token_communities = (0..t)
                .map(|ti| {
                    top_terms(
                        (0..k).map(|kk| {
                            let v = terms
                                .iter()
                                .zip(&pooled_by_term)
                                .map(|((_, wh, _), pp)| pp[ti * k + kk] * wh[kk * c + predicted])
                                .sum::<f32>();
                            (kk as u32, v)
                        }),
                        10,
                    )
                })
                .collect();
            outputs.push(OutputExplanation {
                position,
                logits,
                predicted,
                argmax: (own != predicted).then_some(own),
                tokens,
                bias,
                communities,
                community_own,
                components,
                token_communities,
                fine_communities: fine
                    .into_iter()
                    .filter(|(_, r)| r.iter().any(|v| *v != 0.0))
                    .collect(),
                levels: Vec::new(),
                lexical,
            });
        }
        if let Some((of, k_fine)) = path {
            for o in &mut outputs {
                merge_fine_path(o, &of, k_fine);
            }
        }
        (outputs, attention)
    }
}

/// Adds the fine path's exact explanation `f` (over `k_fine` fine-level communities, then its
/// named dimensions) to the stream's output `o`, whose logits already include the path's: its
/// tokens' and bias's terms add, its communities become `o`'s fine-level communities, its named
/// dimensions (word or n-gram weights) follow the stream's communities, its components come
/// before the one read-out bias (both biases), its n-gram features are `o`'s.
fn merge_fine_path(o: &mut OutputExplanation, f: &OutputExplanation, k_fine: usize) {
    for (row, frow) in o.tokens.iter_mut().zip(&f.tokens) {
        for (a, b) in row.iter_mut().zip(frow) {
            *a += b;
        }
    }
    for (a, b) in o.bias.iter_mut().zip(&f.bias) {
        *a += b;
    }
    o.fine_communities = f.communities[..k_fine]
        .iter()
        .enumerate()
        .filter(|(_, r)| r.iter().any(|v| *v != 0.0))
        .map(|(i, r)| (i as u32, r.clone()))
        .collect();
    o.communities
        .extend(f.communities[k_fine..].iter().cloned());
    // The path's named dimensions (its n-gram block) read the input itself.
    if !o.community_own.is_empty() {
        o.community_own
            .extend(f.communities[k_fine..].iter().cloned());
    }
    let mut bias = o.components.pop().expect("the stream's read-out bias");
    let mut components = f.components.clone();
    let path_bias = components.pop().expect("the fine path's read-out bias");
    for (a, b) in bias.values.iter_mut().zip(&path_bias.values) {
        *a += b;
    }
    for c in &mut components {
        if c.kind == ComponentKind::Embedding {
            c.name = c.name.replacen("embedding", "fine level", 1);
        }
    }
    o.components.extend(components);
    o.components.push(bias);
    o.lexical = f.lexical.clone();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word in every text (fired 200 times, weakly) does not lead a memory that fires strongly
    /// on a rarer word; a word met once scores nothing, whatever its activation.
    #[test]
    fn memory_triggers_are_typical_and_common() {
        let fired: BTreeMap<String, (f64, usize)> = [
            ("film".to_owned(), (200.0 * 0.5, 200)),
            ("awful".to_owned(), (12.0 * 4.0, 12)),
            ("dreck".to_owned(), (9.0, 1)),
            ("bad".to_owned(), (20.0 * 1.0, 20)),
        ]
        .into_iter()
        .collect();
        let t = memory_triggers(&fired, 3);
        let names: Vec<&str> = t.iter().map(|t| t.token.as_str()).collect();
        // awful 4·ln 12 = 9.94, film 0.5·ln 200 = 2.65, bad 1·ln 20 = 3.00, dreck 9·ln 1 = 0.
        assert_eq!(names, ["awful", "bad", "film"]);
        assert_eq!((t[0].activation, t[0].count), (4.0, 12));
        // By total activation (mean × count), film (100) would have led.
        assert_eq!(memory_triggers(&fired, 10).last().unwrap().token, "dreck");
    }

    /// A carrier every active memory writes into is not what sets one memory apart, however
    /// many silent memories the layer has.
    #[test]
    fn memory_writes_rank_against_what_the_layer_writes() {
        // Three active memories over four dimensions, all writing 1.5 into dimension 0, and
        // three that never fire (their values count for nothing).
        let values: Vec<f32> = [
            [1.5f32, 0.3, 0.0, -0.3],
            [1.5, 0.0, -0.4, 0.0],
            [1.5, 0.0, 0.0, 0.2],
            [0.0, 0.9, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
        ]
        .concat();
        let fired = [2.0, 2.0, 2.0, 0.0, 0.0, 0.0];
        let common = layer_write(&values, &fired);
        for (c, want) in common.iter().zip([1.5, 0.1, -0.4 / 3.0, -0.1 / 3.0]) {
            assert!((c - want).abs() < 1e-6, "{common:?}");
        }
        let values: Vec<&[f32]> = values.chunks(4).collect();
        assert_eq!(memory_writes(values[0], &common, 2), [3, 1]);
        assert_eq!(memory_writes(values[1], &common, 1), [2]);
        // The carrier comes last: it sets no memory apart.
        assert_eq!(memory_writes(values[2], &common, 4), [3, 2, 1, 0]);
        // Unweighted, the silent memories would pull the layer's write on dimension 0 to 0.75,
        // and the carrier would lead every active memory's writes again.
        let plain = layer_write(&values.concat(), &[0.0; 6]);
        assert_eq!(memory_writes(values[0], &plain, 1), [0]);
        // Its value here: 3 × 1.5 / 6.
        assert!((plain[0] - 0.75).abs() < 1e-6);
    }
}
