//! SINr-space attention heads that attend by meaning and by position, and write signed amounts
//! of the communities they read (after Clark et al. 2019 on what heads attend to, kept readable
//! in the SINr space).
//!
//! For head `h`, over a (normalised) stream `x`:
//! `score(t, j) = ⟨x_t Q_h, x_j K_h⟩ / √r + P_h[clip(j − t)]` with signed low-rank maps
//! `Q_h, K_h: [K, r]` and a learned bias per relative distance (clipped to `±max_distance`),
//! `α = softmax_j`, and `out_t = Σ_j α_tj (v_h ⊙ x_j)` with `v_h ∈ R^K` signed: a head moves the
//! communities of the tokens it attends to, each scaled by its own weight, and can lower a
//! community as well as raise it. The values start at zero (as ReZero's gates), so a new layer
//! starts as the identity; heads start distinct (random maps; the first two of every layer
//! biased towards the previous and the next token).
//!
//! With `α` fixed (a constant of the example, as Mickus et al. treat LayerNorm's statistics), a
//! head is linear in its input; [`SinrAttention::decompose`] applies that linear map to any stack
//! of parts of the input, which is how contributions are traced exactly.

use burn::module::Param;
use burn::prelude::*;

use burn::tensor::activation::softmax;

use crate::task_attention::PAD_SCORE;

/// Configuration of [`SinrAttention`].
#[derive(Config, Debug)]
pub struct SinrAttentionConfig {
    /// Dimensions `K` of the stream.
    pub dims: usize,
    /// Number of heads `H`.
    pub heads: usize,
    /// Rank `r` of each head's query and key maps.
    #[config(default = 16)]
    pub rank: usize,
    /// Relative distances beyond this share one score bias (0: no position biases).
    #[config(default = 8)]
    pub max_distance: usize,
    /// Initial bias of the first head of a layer towards the previous token, and of the second
    /// towards the next one.
    #[config(default = 2.0)]
    pub init_position: f64,
}

/// `H` SINr-space heads.
#[derive(Module, Debug)]
pub struct SinrAttention {
    /// `[H, K, r]` query maps.
    pub query: Param<Tensor<3>>,
    /// `[H, K, r]` key maps.
    pub key: Param<Tensor<3>>,
    /// `[H, 2·max_distance + 1]` score bias per relative distance `j − t`, from `−max_distance`.
    pub position: Param<Tensor<2>>,
    /// `[H, K]` signed value weights (what each head writes of each community it reads).
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
    /// Initialises the heads from a seeded generator: query and key maps with unit-variance
    /// scores on a unit-RMS stream, values at zero.
    pub fn init(&self, device: &Device, rng: &mut crate::init::InitRng) -> SinrAttention {
        let (h, k, r, p) = (self.heads, self.dims, self.rank.max(1), self.max_distance);
        let std = 1.0 / (k as f64).sqrt();
        let mut position = vec![0f32; h * (2 * p + 1)];
        if p > 0 {
            for (head, offset) in [(0usize, -1isize), (1, 1)] {
                if head < h {
                    position[head * (2 * p + 1) + (p as isize + offset) as usize] =
                        self.init_position as f32;
                }
            }
        }
        SinrAttention {
            query: rng.param([h, k, r], device, |g| g.normal(0.0, std)),
            key: rng.param([h, k, r], device, |g| g.normal(0.0, std)),
            position: Param::from_tensor(Tensor::from_data(
                TensorData::new(position, [h, 2 * p + 1]),
                device,
            )),
            value: Param::from_tensor(Tensor::zeros([h, k], device)),
        }
    }
}

impl SinrAttention {
    /// The signed value weights `[H, K]`.
    pub fn values(&self) -> Tensor<2> {
        self.value.val()
    }

    /// Number of heads.
    pub fn heads(&self) -> usize {
        self.query.dims()[0]
    }

    /// The largest relative distance with a bias of its own.
    pub fn max_distance(&self) -> usize {
        self.position.dims()[1] / 2
    }

    /// The position biases of a text of `t` tokens, `[1, H, T, T]`.
    fn position_bias(&self, t: usize, device: &Device) -> Tensor<4> {
        let h = self.heads();
        let p = self.max_distance() as i64;
        let idx: Vec<i64> = (0..t as i64)
            .flat_map(|i| (0..t as i64).map(move |j| (j - i).clamp(-p, p) + p))
            .collect();
        let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [t * t]), device);
        self.position.val().select(1, idx).reshape([1, h, t, t])
    }

    /// # Shapes
    /// `x`: `[B, T, K]` (the normalised stream), `mask`: `[B, T]` (true = padding) →
    /// `[B, T, K]` (the sum of the heads) and the trace.
    pub fn forward(&self, x: Tensor<3>, mask: Tensor<2, Bool>) -> (Tensor<3>, AttentionTrace) {
        let [b, t, k] = x.dims();
        let h = self.heads();
        let r = self.query.dims()[2];
        // Every head's query (and key) map at once, as one [B·T, K] × [K, H·r] product (no copy
        // of the stream per head, no copy of the maps per text).
        let project = |maps: Tensor<3>| {
            x.clone()
                .reshape([b * t, k])
                .matmul(maps.swap_dims(0, 1).reshape([k, h * r]))
                .reshape([b, t, h, r])
                .swap_dims(1, 2)
        }; // [B, H, T, r]
        // The 1/√r scale on the queries ([B, H, T, r]) rather than on the scores ([B, H, T, T]).
        let q = project(self.query.val()).mul_scalar(1.0 / (r as f64).sqrt());
        let kk = project(self.key.val());
        // Padding keys: PAD_SCORE added, a constant (nothing to carry back, where filling a
        // mask expanded to [B, H, T, T] costs a pass each way); exp(PAD_SCORE − max) is 0.
        let padding = mask.float().mul_scalar(PAD_SCORE).reshape([b, 1, 1, t]);
        let scores = q.matmul(kk.swap_dims(2, 3)) + self.position_bias(t, &x.device()) + padding;
        let alpha = softmax(scores, 3);
        // The heads' contexts as one [B, H·T, T] × [B, T, K] product.
        let ctx = alpha
            .clone()
            .reshape([b, h * t, t])
            .matmul(x)
            .reshape([b, h, t, k]);
        let per_head = ctx * self.values().reshape([1, h, 1, k]);
        let out = per_head.clone().sum_dim(1).reshape([b, t, k]);
        (out, AttentionTrace { alpha, per_head })
    }

    /// Applies the heads, with `alpha` fixed, to each part of a decomposed (normalised) input of
    /// one example.
    ///
    /// # Shapes
    /// `alpha`: `[H, T, T]`, `parts`: `[S, T, K]` → `[S, T, K]`; summing the parts of the
    /// result gives the heads' output on the summed input.
    pub fn decompose(&self, alpha: Tensor<3>, parts: Tensor<3>) -> Tensor<3> {
        let [s, t, k] = parts.dims();
        let h = self.heads();
        let ctx = alpha
            .unsqueeze_dim::<4>(0)
            .expand([s, h, t, t])
            .matmul(parts.unsqueeze_dim::<4>(1).expand([s, h, t, k])); // [S, H, T, K]
        (ctx * self.values().reshape([1, h, 1, k]))
            .sum_dim(1)
            .reshape([s, t, k])
    }
}
