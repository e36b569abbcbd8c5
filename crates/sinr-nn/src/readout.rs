//! The read-out from the SINr space to classes: `logits = d W + b`, optionally with `W ≥ 0`
//! (each community can only add evidence) and an L1 penalty (few communities per class).
//!
//! Contributions: `logit_c = Σ_k d_k W_kc + b_c` exactly; [`Readout::contributions`] returns
//! the `d_k W_kc` terms.

use burn::module::Param;
use burn::prelude::*;

/// Configuration of [`Readout`].
#[derive(Config, Debug)]
pub struct ReadoutConfig {
    /// Dimensions `K` of the input space.
    pub dims: usize,
    /// Number of classes (or tags).
    pub classes: usize,
    /// Constrain the weights to be non-negative (parametrised as `|W|`).
    #[config(default = false)]
    pub non_negative: bool,
}

/// A linear read-out.
#[derive(Module, Debug)]
pub struct Readout {
    /// `[K, C]` raw weights (the effective weights are `|W|` when non-negative).
    pub weight: Param<Tensor<2>>,
    /// `[C]` biases.
    pub bias: Param<Tensor<1>>,
    /// Whether the weights are constrained non-negative.
    #[module(skip)]
    pub non_negative: bool,
}

impl ReadoutConfig {
    /// Initialises the layer from a seeded generator (Xavier-uniform weights, zero biases).
    pub fn init(&self, device: &Device, rng: &mut crate::init::InitRng) -> Readout {
        let a = (6.0 / (self.dims + self.classes) as f64).sqrt();
        Readout {
            weight: rng.param([self.dims, self.classes], device, |r| {
                (2.0 * r.unit() - 1.0) * a
            }),
            bias: Param::from_tensor(Tensor::zeros([self.classes], device)),
            non_negative: self.non_negative,
        }
    }
}

impl Readout {
    /// The effective weights `[K, C]`.
    pub fn weights(&self) -> Tensor<2> {
        if self.non_negative {
            self.weight.val().abs()
        } else {
            self.weight.val()
        }
    }

    /// # Shapes
    /// `d`: `[B, K]` → `[B, C]`.
    pub fn forward(&self, d: Tensor<2>) -> Tensor<2> {
        d.matmul(self.weights()) + self.bias.val().unsqueeze::<2>()
    }

    /// Per position.
    ///
    /// # Shapes
    /// `h`: `[B, T, K]` → `[B, T, C]`.
    pub fn forward_tokens(&self, h: Tensor<3>) -> Tensor<3> {
        let [b, _, k] = h.dims();
        let c = self.bias.dims()[0];
        h.matmul(self.weights().reshape([1, k, c]).expand([b, k, c]))
            + self.bias.val().reshape([1, 1, c])
    }

    /// `d_k W_kc` for every community and class.
    ///
    /// # Shapes
    /// `d`: `[B, K]` → `[B, K, C]`.
    pub fn contributions(&self, d: Tensor<2>) -> Tensor<3> {
        let [b, k] = d.dims();
        let c = self.bias.dims()[0];
        d.reshape([b, k, 1]) * self.weights().reshape([1, k, c])
    }

    /// `Σ |W|`, for an L1 penalty.
    pub fn l1(&self) -> Tensor<1> {
        self.weight.val().abs().sum()
    }
}
