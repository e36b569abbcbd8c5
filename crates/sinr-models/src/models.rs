//! The four models, each a burn `Module` with one forward pass for training and one traced
//! pass for explanations.
//!
//! * [`AttentionClassifier`] — task-vector attention over the frozen SINr vectors, linear
//!   read-out: `logit_c = Σ_t α_t Σ_k x_tk W_kc + b_c`.
//! * [`SinrTransformer`] — N layers of SINr-space heads and key-value memories on a residual
//!   stream in the space of a (coarse) Louvain level; task-vector pooling (sequence tasks) or a
//!   per-position read-out (token tasks).
//! * [`HierarchicalClassifier`] — task-vector pooling at the finest level, then masked layers up
//!   the Louvain dendrogram; every hidden unit is a community.
//! * [`DenseBaseline`] — free dense embeddings and burn's standard transformer encoder, the same
//!   sizes: the price of interpretability.

use burn::module::Param;
use burn::nn::transformer::{
    TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput,
};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use sinr_nn::{
    HierarchyLevel, InitRng, KeyValueMemory, KeyValueMemoryConfig, PaddedRows, Readout,
    ReadoutConfig, SinrAttention, SinrAttentionConfig, SinrEmbedding, TaskAttention,
    TaskAttentionConfig,
};

use crate::data::{Batch, LexicalBatch, SURFACE_FEATURES, TaskKind};

/// What every model offers the training loop.
pub trait Classifier {
    /// Logits: `[B, C]` for sequence tasks, `[N, C]` for the `N` real positions of token tasks.
    fn logits(&self, batch: &Batch) -> Tensor<2>;
    /// The regularisation term added to the loss (L1 penalties), if any.
    fn penalty(&self) -> Option<Tensor<1>> {
        None
    }
    /// The frozen SINr vectors the model reads: rebuilt from the run's embeddings whenever the
    /// model is built, so checkpoints leave them out (see [`crate::train::save_module`]).
    fn frozen(&self) -> Vec<&SinrEmbedding> {
        Vec::new()
    }
}

/// `y[b, i] = x[b, i + d]` (zero where `i + d` is outside `0..T`).
fn shift(x: Tensor<3>, d: isize) -> Tensor<3> {
    let [b, t, k] = x.dims();
    let n = d.unsigned_abs();
    if d == 0 {
        return x;
    }
    if n >= t {
        return Tensor::zeros([b, t, k], &x.device());
    }
    let zeros = Tensor::<3>::zeros([b, n, k], &x.device());
    if d > 0 {
        Tensor::cat(vec![x.slice([0..b, n..t, 0..k]), zeros], 1)
    } else {
        Tensor::cat(vec![zeros, x.slice([0..b, 0..t - n, 0..k])], 1)
    }
}

/// Selects the real positions of `[B, T, C]` logits: `[N, C]`.
fn at_positions(logits: Tensor<3>, batch: &Batch) -> Tensor<2> {
    let [b, t, c] = logits.dims();
    let pos = batch
        .positions
        .clone()
        .expect("token tasks carry positions");
    logits.reshape([b * t, c]).select(0, pos)
}

// ---------------------------------------------------------------------------------------------

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
    /// The n-gram weights are `ngram_scale · N` (`N`: [`AttentionClassifier::ngram_readout`]).
    #[module(skip)]
    pub ngram_scale: f32,
    /// L2 penalty on the n-gram weights (`l2 · Σ (scale · N)²`).
    #[module(skip)]
    pub ngram_l2: f64,
    /// L1 weight of the read-out.
    #[module(skip)]
    pub l1: f64,
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
            ngram_scale: 1.0,
            ngram_l2: 0.0,
            l1,
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

    /// Fits the inverse document frequency of the n-gram buckets on the training texts:
    /// `1 + ln((1 + n) / (1 + df))`, `df` the number of the `n` texts with the bucket (as
    /// scikit-learn's `smooth_idf`). No-op without TF-IDF.
    pub fn fit_idf(&mut self, train: &[crate::data::Example]) {
        let Some(idf) = &self.ngram_idf else {
            return;
        };
        let buckets = idf.dims()[0];
        let device = idf.device();
        let mut df = vec![0u32; buckets];
        let mut seen: Vec<u32> = Vec::new();
        for e in train {
            seen.clear();
            seen.extend(e.lexical.iter().map(|f| f.1));
            seen.sort_unstable();
            seen.dedup();
            for &b in &seen {
                df[b as usize] += 1;
            }
        }
        let values: Vec<f32> = df
            .iter()
            .map(|&d| sinr_util::smoothed_idf(train.len(), d as usize) as f32)
            .collect();
        self.ngram_idf = Some(
            Param::from_tensor(Tensor::from_data(
                TensorData::new(values, [buckets]),
                &device,
            ))
            .set_require_grad(false),
        );
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

// ---------------------------------------------------------------------------------------------

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
    /// Sequence or token task.
    #[module(skip)]
    pub token_task: bool,
    /// Width of the stream: communities, plus the surface features of token tasks.
    #[module(skip)]
    pub width: usize,
    /// L1 weight.
    #[module(skip)]
    pub l1: f64,
}

impl SinrTransformer {
    /// Builds the model.
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
        let mut rng = InitRng::new(seed);
        let token_task = kind == TaskKind::Token;
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
                    attention: SinrAttentionConfig::new(width, heads).init(device, &mut rng),
                    memory: KeyValueMemoryConfig::new(width, memories).init(device, &mut rng),
                })
                .collect(),
            pool: TaskAttentionConfig::new(width).init(device, &mut rng),
            readout: ReadoutConfig::new(width, classes).init(device, &mut rng),
            context: Vec::new(),
            fine: None,
            fine_readout: Vec::new(),
            token_task,
            width,
            l1,
        }
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
        out
    }

    /// The input stream `[B, T, width]`: the token vectors (and the surface features).
    pub fn input(&self, batch: &Batch) -> Tensor<3> {
        let x = self.embedding.forward(batch.tokens.clone()).densify();
        match (&batch.features, self.token_task) {
            (Some(f), true) => Tensor::cat(vec![x, f.clone()], 2),
            _ => x,
        }
    }

    /// The final stream and every layer's trace.
    pub fn stream(&self, batch: &Batch) -> (Tensor<3>, Tensor<3>, Vec<LayerTrace>) {
        self.stream_from(self.input(batch), batch.mask.clone())
    }

    /// The same from a given input stream (a leaf for gradients).
    pub fn stream_from(
        &self,
        h0: Tensor<3>,
        mask: Tensor<2, Bool>,
    ) -> (Tensor<3>, Tensor<3>, Vec<LayerTrace>) {
        let mut h = h0.clone();
        let mut traces = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let (a, tr) = layer.attention.forward(h.clone(), mask.clone());
            h = h + a;
            let (m, act) = layer.memory.forward(h.clone());
            h = h + m;
            traces.push(LayerTrace {
                alpha: tr.alpha,
                per_head: tr.per_head,
                activations: act,
            });
        }
        (h0, h, traces)
    }
}

impl Classifier for SinrTransformer {
    fn logits(&self, batch: &Batch) -> Tensor<2> {
        let (_, h, _) = self.stream(batch);
        if self.token_task {
            at_positions(self.token_logits(h, batch), batch)
        } else {
            let (d, _) = self.pool.forward_dense(h, batch.mask.clone());
            self.readout.forward(d)
        }
    }
    fn penalty(&self) -> Option<Tensor<1>> {
        (self.l1 > 0.0).then(|| {
            let mut p = self.readout.l1();
            for r in self.context.iter().chain(&self.fine_readout) {
                p = p + r.val().abs().sum();
            }
            for l in &self.layers {
                p = p + l.memory.l1();
            }
            p * self.l1
        })
    }
    fn frozen(&self) -> Vec<&SinrEmbedding> {
        std::iter::once(&self.embedding)
            .chain(self.fine.as_ref())
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------

/// Task-vector pooling at the finest level, then masked layers up the dendrogram.
#[derive(Module, Debug)]
pub struct HierarchicalClassifier {
    /// Frozen token vectors at the finest level.
    pub embedding: SinrEmbedding,
    /// Pooling.
    pub attention: TaskAttention,
    /// Fine → coarse levels.
    pub levels: Vec<HierarchyLevel>,
    /// Read-out from the coarsest level.
    pub readout: Readout,
    /// `[K_l, C]` read-outs of the levels below the coarsest (`[0]`: the pooled fine vector),
    /// if the model reads every level (`logits = Σ_l h_l R_l + h_top W + b`); empty if it
    /// reads the coarsest alone.
    pub level_readouts: Vec<Param<Tensor<2>>>,
    /// L1 weight.
    #[module(skip)]
    pub l1: f64,
}

impl HierarchicalClassifier {
    /// Builds the model; `parents[i]` maps the units of level `i` to those of level `i + 1`.
    pub fn new(
        rows: &PaddedRows,
        parents: &[(Vec<u32>, usize)],
        classes: usize,
        l1: f64,
        seed: u64,
        device: &Device,
    ) -> Self {
        let mut rng = InitRng::new(seed);
        let top = parents.last().map_or(rows.dims, |p| p.1);
        Self {
            embedding: SinrEmbedding::new(rows, device),
            attention: TaskAttentionConfig::new(rows.dims).init(device, &mut rng),
            levels: parents
                .iter()
                .map(|(p, n)| HierarchyLevel::new(p, *n, device))
                .collect(),
            readout: ReadoutConfig::new(top, classes).init(device, &mut rng),
            level_readouts: Vec::new(),
            l1,
        }
    }

    /// Reads every level, not only the coarsest: one `[K_l, C]` read-out per level below it,
    /// at zero (the model starts as the top read-out alone). A fine community then weighs in
    /// both directly and through its ancestors, and the decision splits by level.
    #[must_use]
    pub fn with_every_level(mut self) -> Self {
        let c = self.readout.weight.dims()[1];
        let device = self.readout.weight.device();
        let mut sizes = vec![self.embedding.dims];
        sizes.extend(self.levels.iter().map(|l| l.coarse));
        sizes.pop(); // the coarsest has the main read-out
        self.level_readouts = sizes
            .into_iter()
            .map(|k| Param::from_tensor(Tensor::zeros([k, c], &device)))
            .collect();
        self
    }

    /// `(logits, α, [d, h_1, …, h_L], [pre_1, …])`.
    pub fn trace(
        &self,
        tokens: Tensor<2, Int>,
        mask: Tensor<2, Bool>,
    ) -> (Tensor<2>, Tensor<2>, Vec<Tensor<2>>, Vec<Tensor<2>>) {
        self.trace_sparse(&self.embedding.forward(tokens), mask)
    }

    /// The same from given token vectors.
    pub fn trace_sparse(
        &self,
        x: &sinr_nn::SparseTokens,
        mask: Tensor<2, Bool>,
    ) -> (Tensor<2>, Tensor<2>, Vec<Tensor<2>>, Vec<Tensor<2>>) {
        let (d, alpha) = self.attention.forward_sparse(x, mask);
        let mut hs = vec![d];
        let mut pres = Vec::new();
        for l in &self.levels {
            let (h, pre) = l.forward(hs.last().expect("non-empty").clone());
            hs.push(h);
            pres.push(pre);
        }
        let mut logits = self.readout.forward(hs.last().expect("non-empty").clone());
        for (h, r) in hs.iter().zip(&self.level_readouts) {
            logits = logits + h.clone().matmul(r.val());
        }
        (logits, alpha, hs, pres)
    }
}

impl Classifier for HierarchicalClassifier {
    fn logits(&self, batch: &Batch) -> Tensor<2> {
        self.trace(batch.tokens.clone(), batch.mask.clone()).0
    }
    fn frozen(&self) -> Vec<&SinrEmbedding> {
        vec![&self.embedding]
    }
    fn penalty(&self) -> Option<Tensor<1>> {
        (self.l1 > 0.0).then(|| {
            let mut p = self.readout.l1();
            for r in &self.level_readouts {
                p = p + r.val().abs().sum();
            }
            p * self.l1
        })
    }
}

// ---------------------------------------------------------------------------------------------

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
        device: &Device,
    ) -> Self {
        let token_task = kind == TaskKind::Token;
        Self {
            embedding: EmbeddingConfig::new(vocab, dim).init(device),
            positions: EmbeddingConfig::new(max_len, dim).init(device),
            features: token_task
                .then(|| LinearConfig::new(SURFACE_FEATURES.len(), dim).init(device)),
            encoder: TransformerEncoderConfig::new(dim, ff, heads, layers)
                .with_dropout(dropout)
                .init(device),
            readout: LinearConfig::new(dim, classes).init(device),
            token_task,
        }
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
            at_positions(self.readout.forward(h), batch)
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
}
