//! Helpers shared by the integration tests.

use burn::prelude::*;

/// Adds a deterministic ripple to every trainable float parameter (the frozen ones are left as
/// they are built), so that a load that skipped a parameter would show.
pub struct Jitter(pub f32);

impl burn::module::ModuleMapper for Jitter {
    fn map_float<const D: usize>(
        &mut self,
        param: burn::module::Param<Tensor<D>>,
    ) -> burn::module::Param<Tensor<D>> {
        if !param.val().is_require_grad() {
            return param;
        }
        let (id, t, mapper) = param.consume();
        let n = t.shape().num_elements();
        let ripple: Vec<f32> = (0..n).map(|i| self.0 * ((i % 7) as f32 - 3.0)).collect();
        let r = Tensor::<1>::from_floats(ripple.as_slice(), &t.device()).reshape(t.shape());
        burn::module::Param::from_mapped_value(id, t + r, mapper)
    }
}
