//! A small seeded generator (SplitMix64, Steele et al. 2014) so that every random choice of the
//! workspace (Louvain's node order, data splits, training order, initial parameters, sampled
//! examples) is reproducible from a seed, on every platform, without a dependency.

/// SplitMix64: 64-bit state, passes BigCrush, fine for shuffles and sampling.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (Lemire's multiply-shift; the bias is below 2⁻³² for the
    /// sizes used here). `n` must be positive.
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `[0, 1)` (the top 53 bits).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Normal with mean `m` and standard deviation `s` (Box–Muller, one draw of two uniforms).
    pub fn normal(&mut self, m: f64, s: f64) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        m + s * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// A derived generator (for a sub-task), independent of how many numbers this one draws
    /// afterwards.
    pub fn fork(&mut self, salt: u64) -> SplitMix64 {
        SplitMix64::new(self.next_u64() ^ salt.wrapping_mul(0xd6e8_feb8_6659_fd93))
    }

    /// Shuffles `xs` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_first_output() {
        // SplitMix64 with seed 0 starts 0xe220a8397b1dcdaf (reference C implementation).
        assert_eq!(SplitMix64::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn unit_is_in_range_and_normal_is_centred() {
        let mut r = SplitMix64::new(3);
        let u: Vec<f64> = (0..10_000).map(|_| r.unit()).collect();
        assert!(u.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = u.iter().sum::<f64>() / u.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        let n: Vec<f64> = (0..10_000).map(|_| r.normal(2.0, 0.5)).collect();
        let mean = n.iter().sum::<f64>() / n.len() as f64;
        let sd = (n.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n.len() as f64).sqrt();
        assert!(
            (mean - 2.0).abs() < 0.02 && (sd - 0.5).abs() < 0.02,
            "{mean} {sd}"
        );
    }

    #[test]
    fn forks_do_not_depend_on_later_draws() {
        let mut a = SplitMix64::new(9);
        let mut b = SplitMix64::new(9);
        let mut fa = a.fork(1);
        let mut fb = b.fork(1);
        a.next_u64();
        assert_eq!(fa.next_u64(), fb.next_u64());
        assert_ne!(
            SplitMix64::new(9).fork(1).next_u64(),
            SplitMix64::new(9).fork(2).next_u64()
        );
    }

    #[test]
    fn shuffle_is_a_permutation_and_seeded() {
        let mut a: Vec<u32> = (0..100).collect();
        let mut b = a.clone();
        SplitMix64::new(7).shuffle(&mut a);
        SplitMix64::new(7).shuffle(&mut b);
        assert_eq!(a, b);
        let mut s = a.clone();
        s.sort_unstable();
        assert_eq!(s, (0..100).collect::<Vec<_>>());
    }
}
