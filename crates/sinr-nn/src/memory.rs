//! Feed-forward layers as key-value memories (Geva et al. 2021) whose keys and values live in the
//! SINr space: `out = Σ_i φ(⟨k_i, x⟩ + b_i) v_i` with `φ = ReLU` and signed `v_i`, so each memory
//! reads "communities that trigger it" (its key) and writes "communities it raises or lowers"
//! (its value). The values start at zero (a new layer starts as the identity, as ReZero's gates)
//! and the keys give unit-variance activations on a unit-RMS stream, so that half the memories
//! fire at the start. An L1 penalty ([`KeyValueMemory::l1`]) keeps keys and values sparse.
//!
//! With the ReLU gates fixed (a constant of the example), the layer is linear in its input;
//! [`KeyValueMemory::decompose`] applies it to a stack of parts of the input.

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::activation::relu;

/// Configuration of [`KeyValueMemory`].
#[derive(Config, Debug)]
pub struct KeyValueMemoryConfig {
    /// Dimensions `K` of the stream.
    pub dims: usize,
    /// Number of memories `M`.
    pub memories: usize,
}

/// `M` key-value memories.
#[derive(Module, Debug)]
pub struct KeyValueMemory {
    /// `[M, K]` keys.
    pub keys: Param<Tensor<2>>,
    /// `[M]` key biases.
    pub bias: Param<Tensor<1>>,
    /// `[M, K]` signed values.
    pub values: Param<Tensor<2>>,
}

impl KeyValueMemoryConfig {
    /// Initialises the memories from a seeded generator.
    pub fn init(&self, device: &Device, rng: &mut crate::init::InitRng) -> KeyValueMemory {
        let shape = [self.memories, self.dims];
        let ks = 1.0 / (self.dims.max(1) as f64).sqrt();
        KeyValueMemory {
            keys: rng.param(shape, device, |r| r.normal(0.0, ks)),
            bias: Param::from_tensor(Tensor::zeros([self.memories], device)),
            values: Param::from_tensor(Tensor::zeros(shape, device)),
        }
    }
}

impl KeyValueMemory {
    /// The signed values `[M, K]`.
    pub fn effective_values(&self) -> Tensor<2> {
        self.values.val()
    }

    /// Number of memories.
    pub fn memories(&self) -> usize {
        self.keys.dims()[0]
    }

    /// # Shapes
    /// `x`: `[B, T, K]` → output `[B, T, K]` and the activations `φ(⟨k_i, x⟩ + b_i)`:
    /// `[B, T, M]`.
    pub fn forward(&self, x: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
        let [b, t, k] = x.dims();
        let m = self.memories();
        // Two [B·T, ·] products (no copy of the keys or values per text).
        let pre = x
            .reshape([b * t, k])
            .matmul(self.keys.val().swap_dims(0, 1))
            + self.bias.val().reshape([1, m]);
        let act = relu(pre);
        let out = act.clone().matmul(self.effective_values());
        (out.reshape([b, t, k]), act.reshape([b, t, m]))
    }

    /// Applies the memories, with their gates fixed, to each part of a decomposed input of one
    /// example; the bias goes to part `bias_part`.
    ///
    /// # Shapes
    /// `gates`: `[T, M]` (1 where the memory fired, 0 elsewhere), `parts`: `[S, T, K]` →
    /// `[S, T, K]`.
    pub fn decompose(&self, gates: Tensor<2>, parts: Tensor<3>, bias_part: usize) -> Tensor<3> {
        let [s, _, k] = parts.dims();
        let m = self.memories();
        let device = parts.device();
        let pre = parts.matmul(
            self.keys
                .val()
                .swap_dims(0, 1)
                .reshape([1, k, m])
                .expand([s, k, m]),
        ); // [S, T, M]
        let mut onehot = vec![0f32; s];
        onehot[bias_part] = 1.0;
        let which =
            Tensor::<1>::from_data(TensorData::new(onehot, [s]), &device).reshape([s, 1, 1]);
        let pre = pre + which * self.bias.val().reshape([1, 1, m]);
        let gated = pre * gates.unsqueeze_dim::<3>(0);
        gated.matmul(self.effective_values().reshape([1, m, k]).expand([s, m, k]))
    }

    /// `Σ |keys| + Σ |values|`, for an L1 penalty.
    pub fn l1(&self) -> Tensor<1> {
        self.keys.val().abs().sum() + self.values.val().abs().sum()
    }
}
