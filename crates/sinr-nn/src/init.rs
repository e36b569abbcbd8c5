//! Seeded parameter initialisation on the host.
//!
//! burn's random initialisers draw from the device's generator, which is shared by everything
//! that runs on the device (and by concurrent tests); drawing here from our own seeded generator
//! makes a model's initial parameters a pure function of its seed.

use burn::module::Param;
use burn::prelude::*;

/// SplitMix64 with the few distributions initialisation needs.
#[derive(Debug, Clone)]
pub struct InitRng(u64);

impl InitRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Normal with mean `m` and standard deviation `s` (Box–Muller).
    pub fn normal(&mut self, m: f64, s: f64) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        m + s * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
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

    /// A derived generator (for a sub-module), independent of how many numbers this one drew.
    pub fn fork(&mut self, salt: u64) -> InitRng {
        InitRng::new(self.next_u64() ^ salt.wrapping_mul(0xd6e8_feb8_6659_fd93))
    }
}
