//! SINr-space attention heads: bilinear scores through non-negative diagonal re-weightings of
//! the community space, and values that are the stream's own vectors, non-negatively
//! re-weighted, so every head output is a mixture of community vectors (after Clark et al. 2019
//! on what heads attend to, kept readable in the SINr space).
//!
//! For head `h`: `score(t, j) = Σ_k x_tk q_hk k_hk x_jk` (with `q_h, k_h ≥ 0`), `α = softmax_j`,
//! `out_t = Σ_j α_tj (v_h ⊙ x_j)` with `v_h ≥ 0`. Non-negativity is a parametrisation
//! (`softplus` of the raw parameters), not a constraint the optimiser has to respect.
//!
//! With `α` fixed (treated as a constant of the example, as Mickus et al. treat LayerNorm's
//! statistics), a head is linear in its input; [`SinrAttention::decompose`] applies that linear
//! map to any stack of parts of the input, which is how contributions are traced exactly.

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::activation::softplus;

use crate::task_attention::masked_softmax;

/// Configuration of [`SinrAttention`].
#[derive(Config, Debug)]
pub struct SinrAttentionConfig {
    /// Dimensions `K` of the stream.
    pub dims: usize,
    /// Number of heads `H`.
    pub heads: usize,
    /// Initial raw value of the score re-weightings (`softplus(1) ≈ 1.31`).
    #[config(default = 1.0)]
    pub init_score: f64,
    /// Initial raw value of the value re-weightings (`softplus(-1) ≈ 0.31`).
    #[config(default = -1.0)]
    pub init_value: f64,
}

/// `H` SINr-space heads.
#[derive(Module, Debug)]
pub struct SinrAttention {
    /// `[H, K]` raw query re-weighting.
    pub query: Param<Tensor<2>>,
    /// `[H, K]` raw key re-weighting.
    pub key: Param<Tensor<2>>,
    /// `[H, K]` raw value re-weighting.
    pub value: Param<Tensor<2>>,
}

/// What a forward pass of the heads produced.
#[derive(Debug, Clone)]
pub struct AttentionTrace {
    /// `[B, H, T, T]` attention weights.
    pub alpha: Tensor<4>,
    /// `[B, H, T, K]` the output of every head.
    pub per_head: Tensor<4>,
}

impl SinrAttentionConfig {
    /// Initialises the heads from a seeded generator (a small spread so heads differ).
    pub fn init(&self, device: &Device, rng: &mut crate::init::InitRng) -> SinrAttention {
        let shape = [self.heads, self.dims];
        let (s, v) = (self.init_score, self.init_value);
        SinrAttention {
            query: rng.param(shape, device, |r| r.normal(s, 0.1)),
            key: rng.param(shape, device, |r| r.normal(s, 0.1)),
            value: rng.param(shape, device, |r| r.normal(v, 0.1)),
        }
    }
}

impl SinrAttention {
    /// Effective non-negative `(q ⊙ k, v)`, each `[H, K]`.
    pub fn effective(&self) -> (Tensor<2>, Tensor<2>) {
        let qk = softplus(self.query.val(), 1.0) * softplus(self.key.val(), 1.0);
        (qk, softplus(self.value.val(), 1.0))
    }

    /// Number of heads.
    pub fn heads(&self) -> usize {
        self.query.dims()[0]
    }

    /// # Shapes
    /// `x`: `[B, T, K]`, `mask`: `[B, T]` (true = padding) → `[B, T, K]` (the sum of the heads)
    /// and the trace.
    pub fn forward(&self, x: Tensor<3>, mask: Tensor<2, Bool>) -> (Tensor<3>, AttentionTrace) {
        let [b, t, k] = x.dims();
        let h = self.heads();
        let (qk, v) = self.effective();
        let x4 = x.unsqueeze_dim::<4>(1); // [B, 1, T, K]
        let xq = x4.clone() * qk.reshape([1, h, 1, k]); // [B, H, T, K]
        let xt = x4.clone().swap_dims(2, 3).expand([b, h, k, t]); // [B, H, K, T]
        let scores = xq.matmul(xt); // [B, H, T, T]
        let key_mask = mask.reshape([b, 1, 1, t]).expand([b, h, t, t]);
        let alpha = masked_softmax(scores, key_mask);
        let ctx = alpha.clone().matmul(x4.expand([b, h, t, k])); // [B, H, T, K]
        let per_head = ctx * v.reshape([1, h, 1, k]);
        let out = per_head.clone().sum_dim(1).reshape([b, t, k]);
        (out, AttentionTrace { alpha, per_head })
    }

    /// Applies the heads, with `alpha` fixed, to each part of a decomposed input of one example.
    ///
    /// # Shapes
    /// `alpha`: `[H, T, T]`, `parts`: `[S, T, K]` → `[S, T, K]`; summing the parts of the
    /// result gives the heads' output on the summed input.
    pub fn decompose(&self, alpha: Tensor<3>, parts: Tensor<3>) -> Tensor<3> {
        let [s, t, k] = parts.dims();
        let h = self.heads();
        let (_, v) = self.effective();
        let ctx = alpha
            .unsqueeze_dim::<4>(0)
            .expand([s, h, t, t])
            .matmul(parts.unsqueeze_dim::<4>(1).expand([s, h, t, k])); // [S, H, T, K]
        (ctx * v.reshape([1, h, 1, k]))
            .sum_dim(1)
            .reshape([s, t, k])
    }
}
