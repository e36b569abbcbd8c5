//! Task-vector attention (Bahdanau et al. 2014; Yang et al. 2016's context vector): a learned
//! query `q ∈ R^K` in the input space scores every token, `α = softmax(⟨q, x_t⟩)`, and the
//! document vector `d = Σ_t α_t x_t` stays in the input space.
//!
//! Contributions: `d_k = Σ_t α_t x_tk` exactly, so any linear read-out of `d` splits per token
//! and per community.

use burn::prelude::*;
use burn::tensor::activation::softmax;

use crate::embedding::SparseTokens;

/// Score given to padding positions before the softmax (finite, so an all-padding text gets a
/// uniform weight over zero vectors: its document vector is 0 and the prediction is the bias).
pub const PAD_SCORE: f64 = -1.0e9;

/// Configuration of [`TaskAttention`].
#[derive(Config, Debug)]
pub struct TaskAttentionConfig {
    /// Dimensions `K` of the input space.
    pub dims: usize,
    /// Standard deviation of the initial query.
    #[config(default = 0.1)]
    pub init_std: f64,
}

/// A learned task vector over the input space.
#[derive(Module, Debug)]
pub struct TaskAttention {
    /// `[K]` the task vector `q`.
    pub query: burn::module::Param<Tensor<1>>,
}

impl TaskAttentionConfig {
    /// Initialises the layer from a seeded generator.
    pub fn init(&self, device: &Device, rng: &mut crate::init::InitRng) -> TaskAttention {
        let std = self.init_std;
        TaskAttention {
            query: rng.param([self.dims], device, |r| r.normal(0.0, std)),
        }
    }
}

/// `softmax` over the last dimension with padding masked (`mask` true = padding).
pub fn masked_softmax<const D: usize>(scores: Tensor<D>, mask: Tensor<D, Bool>) -> Tensor<D> {
    softmax(scores.mask_fill(mask, PAD_SCORE), D - 1)
}

impl TaskAttention {
    /// Attention weights over sparse tokens.
    ///
    /// # Shapes
    /// `x`: `[B, T, P]` sparse tokens, `mask`: `[B, T]` (true = padding) → `α`: `[B, T]`.
    pub fn weights_sparse(&self, x: &SparseTokens, mask: Tensor<2, Bool>) -> Tensor<2> {
        masked_softmax(x.dot(self.query.val()), mask)
    }

    /// `(d, α)` over sparse tokens: `d = Σ_t α_t x_t`, `[B, K]`.
    pub fn forward_sparse(
        &self,
        x: &SparseTokens,
        mask: Tensor<2, Bool>,
    ) -> (Tensor<2>, Tensor<2>) {
        let alpha = self.weights_sparse(x, mask);
        (x.weighted_sum(alpha.clone()), alpha)
    }

    /// `(d, α)` over a dense stream.
    ///
    /// # Shapes
    /// `h`: `[B, T, K]`, `mask`: `[B, T]` → `d`: `[B, K]`, `α`: `[B, T]`.
    pub fn forward_dense(&self, h: Tensor<3>, mask: Tensor<2, Bool>) -> (Tensor<2>, Tensor<2>) {
        let [b, t, k] = h.dims();
        let q = self.query.val().reshape([1, k, 1]).expand([b, k, 1]);
        let scores = h.clone().matmul(q).reshape([b, t]);
        let alpha = masked_softmax(scores, mask);
        let d = alpha.clone().reshape([b, 1, t]).matmul(h).reshape([b, k]);
        (d, alpha)
    }
}
