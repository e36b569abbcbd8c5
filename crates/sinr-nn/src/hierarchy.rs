//! Layers that follow the Louvain dendrogram (after Deep GONet, Bourgeais et al. 2021, which
//! follows an ontology): the hidden unit of a coarse community is connected only to its children
//! at the finer level, so every hidden unit *is* a community of some level.
//!
//! In a tree each fine unit has exactly one parent, so the masked weight matrix is a weight per
//! fine unit: `h_c = ReLU(Σ_{k ∈ children(c)} w_k x_k + b_c)`, computed with a scatter-add.
//! With the ReLU gates fixed, the layer is linear: [`HierarchyLevel::decompose`].

use burn::module::{Param, ParamId};
use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;
use burn::tensor::activation::relu;

/// One fine → coarse level.
#[derive(Module, Debug)]
pub struct HierarchyLevel {
    /// `[fine]` the coarse community of every fine unit (frozen).
    pub parent: Param<Tensor<1, Int>>,
    /// `[fine]` the weight of every fine → parent connection.
    pub weight: Param<Tensor<1>>,
    /// `[coarse]` biases.
    pub bias: Param<Tensor<1>>,
    /// Number of coarse units.
    #[module(skip)]
    pub coarse: usize,
}

impl HierarchyLevel {
    /// A level for the parent map `parent` (fine → coarse, `coarse` units); weights start at 1
    /// (the layer starts as the sum of children: the NR vector of the coarse level).
    pub fn new(parent: &[u32], coarse: usize, device: &Device) -> Self {
        assert!(
            parent.iter().all(|&p| (p as usize) < coarse),
            "parent out of range"
        );
        let fine = parent.len();
        let p: Vec<i64> = parent.iter().map(|&x| i64::from(x)).collect();
        Self {
            parent: Param::initialized(
                ParamId::new(),
                Tensor::from_data(TensorData::new(p, [fine]), device),
            ),
            weight: Param::from_tensor(Tensor::ones([fine], device)),
            bias: Param::from_tensor(Tensor::zeros([coarse], device)),
            coarse,
        }
    }

    fn aggregate(&self, x: Tensor<2>) -> Tensor<2> {
        let [b, fine] = x.dims();
        let idx = self.parent.val().reshape([1, fine]).expand([b, fine]);
        Tensor::<2>::zeros([b, self.coarse], &x.device()).scatter(
            1,
            idx,
            x * self.weight.val().reshape([1, fine]),
            IndexingUpdateOp::Add,
        )
    }

    /// # Shapes
    /// `x`: `[B, fine]` → `[B, coarse]` (after ReLU) and the pre-activations.
    pub fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let coarse = self.coarse;
        let pre = self.aggregate(x) + self.bias.val().reshape([1, coarse]);
        (relu(pre.clone()), pre)
    }

    /// The level with its gates fixed, applied to parts of one example's input; the bias goes
    /// to part `bias_part`.
    ///
    /// # Shapes
    /// `gates`: `[coarse]` (1 where the unit is active), `parts`: `[S, fine]` → `[S, coarse]`.
    pub fn decompose(&self, gates: Tensor<1>, parts: Tensor<2>, bias_part: usize) -> Tensor<2> {
        let [s, _] = parts.dims();
        let mut onehot = vec![0f32; s];
        onehot[bias_part] = 1.0;
        let which =
            Tensor::<1>::from_data(TensorData::new(onehot, [s]), &parts.device()).reshape([s, 1]);
        let pre = self.aggregate(parts) + which * self.bias.val().reshape([1, self.coarse]);
        pre * gates.reshape([1, self.coarse])
    }
}
