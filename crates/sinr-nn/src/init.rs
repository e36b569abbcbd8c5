//! Seeded parameter initialisation on the host.
//!
//! burn's random initialisers draw from the device's generator, which is shared by everything
//! that runs on the device (and by concurrent tests); drawing here from our own seeded generator
//! makes a model's initial parameters a pure function of its seed.

use burn::module::Param;
use burn::prelude::*;
use sinr_util::SplitMix64;

/// The workspace's seeded generator ([`SplitMix64`]) with what initialisation needs: a
/// parameter drawn on the host, and independent sub-generators.
#[derive(Debug, Clone)]
pub struct InitRng(SplitMix64);

impl InitRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(SplitMix64::new(seed))
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.unit()
    }

    /// Normal with mean `m` and standard deviation `s`.
    pub fn normal(&mut self, m: f64, s: f64) -> f64 {
        self.0.normal(m, s)
    }

    /// A parameter of `shape` drawn from `f`.
    pub fn param<const D: usize>(
        &mut self,
        shape: [usize; D],
        device: &Device,
        mut f: impl FnMut(&mut Self) -> f64,
    ) -> Param<Tensor<D>> {
        let n: usize = shape.iter().product();
        let data: Vec<f32> = (0..n).map(|_| f(self) as f32).collect();
        Param::from_tensor(Tensor::from_data(TensorData::new(data, shape), device))
    }

    /// A derived generator (for a sub-module), independent of how many numbers this one draws.
    pub fn fork(&mut self, salt: u64) -> InitRng {
        InitRng(self.0.fork(salt))
    }
}
