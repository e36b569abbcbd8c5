//! Seeded, stratified, fixed train/dev/test splits for data sets that have none.
//!
//! Items are grouped by label (labels in sorted order), each group is shuffled with
//! [`SplitMix64`]-seeded Fisher–Yates, and the first
//! `round(n·train)` go to train, the next `round(n·dev)` to dev, the rest to test. Indices are
//! returned sorted. The same seed and labels always give the same split, on every platform.
//! `docs/datasets.md` lists the splits the experiments use.

use sinr_util::SplitMix64;

/// Index sets of a split.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Split {
    /// Training items.
    pub train: Vec<usize>,
    /// Development items (model selection, early stopping).
    pub dev: Vec<usize>,
    /// Test items (reported only).
    pub test: Vec<usize>,
}

/// A stratified split of items with the given labels into fractions `train` and `dev` (the
/// rest is test).
///
/// # Panics
/// If the fractions are negative or sum to more than 1.
pub fn stratified_split<L: Ord + Clone>(labels: &[L], train: f64, dev: f64, seed: u64) -> Split {
    assert!(train >= 0.0 && dev >= 0.0 && train + dev <= 1.0 + 1e-12);
    let mut groups: std::collections::BTreeMap<L, Vec<usize>> = Default::default();
    for (i, l) in labels.iter().enumerate() {
        groups.entry(l.clone()).or_default().push(i);
    }
    let mut rng = SplitMix64::new(seed);
    let mut s = Split::default();
    for (_, mut idx) in groups {
        rng.shuffle(&mut idx);
        let n = idx.len();
        let a = ((n as f64 * train).round() as usize).min(n);
        let b = ((n as f64 * dev).round() as usize).min(n - a);
        s.train.extend_from_slice(&idx[..a]);
        s.dev.extend_from_slice(&idx[a..a + b]);
        s.test.extend_from_slice(&idx[a + b..]);
    }
    s.train.sort_unstable();
    s.dev.sort_unstable();
    s.test.sort_unstable();
    s
}

/// A split of `n` items that come in an order that matters (the documents of a file, often
/// ordered by source or date): consecutive blocks of `block` items, and in each block a seeded
/// draw sends `train` items to train, `dev` to dev and the rest to test. Every stretch of
/// `block` items thus gives to every split, so a file ordered by source has every source in
/// train, dev and test, which a cut by position does not. A last, shorter block of `m` items
/// gives `round(m·train/block)` to train and `round(m·dev/block)` to dev.
///
/// # Panics
/// If `block` is 0 or `train + dev > block`.
pub fn block_split(n: usize, block: usize, train: usize, dev: usize, seed: u64) -> Split {
    assert!(block > 0 && train + dev <= block);
    let mut rng = SplitMix64::new(seed);
    let mut s = Split::default();
    let mut start = 0;
    while start < n {
        let m = block.min(n - start);
        let mut idx: Vec<usize> = (start..start + m).collect();
        rng.shuffle(&mut idx);
        let (a, b) = if m == block {
            (train, dev)
        } else {
            let a = ((m * train) as f64 / block as f64).round() as usize;
            let b = (((m * dev) as f64 / block as f64).round() as usize).min(m - a);
            (a, b)
        };
        s.train.extend_from_slice(&idx[..a]);
        s.dev.extend_from_slice(&idx[a..a + b]);
        s.test.extend_from_slice(&idx[a + b..]);
        start += m;
    }
    s.train.sort_unstable();
    s.dev.sort_unstable();
    s.test.sort_unstable();
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fixed_and_stratified() {
        let labels: Vec<u8> = (0..100).map(|i| u8::from(i % 5 == 0)).collect();
        let s = stratified_split(&labels, 0.8, 0.1, 7);
        assert_eq!((s.train.len(), s.dev.len(), s.test.len()), (80, 10, 10));
        assert_eq!(s.train.iter().filter(|&&i| labels[i] == 1).count(), 16);
        assert_eq!(s, stratified_split(&labels, 0.8, 0.1, 7));
        assert_ne!(s, stratified_split(&labels, 0.8, 0.1, 8));
    }

    #[test]
    fn blocks_give_to_every_split() {
        let s = block_split(100, 10, 8, 1, 7);
        assert_eq!((s.train.len(), s.dev.len(), s.test.len()), (80, 10, 10));
        // Each block of ten: eight to train, one to dev, one to test.
        for b in 0..10 {
            let r = b * 10..b * 10 + 10;
            assert_eq!(s.dev.iter().filter(|&&i| r.contains(&i)).count(), 1);
            assert_eq!(s.test.iter().filter(|&&i| r.contains(&i)).count(), 1);
        }
        assert_eq!(s, block_split(100, 10, 8, 1, 7));
        assert_ne!(s, block_split(100, 10, 8, 1, 8));
        // A last block of five: four to train, one (0.5 rounds up) to dev, none to test.
        let s = block_split(15, 10, 8, 1, 1);
        assert_eq!((s.train.len(), s.dev.len(), s.test.len()), (12, 2, 1));
    }

    proptest! {
        #[test]
        fn blocks_are_a_partition(n in 0usize..300, seed: u64) {
            let s = block_split(n, 10, 8, 1, seed);
            let mut all: Vec<usize> = s.train.iter().chain(&s.dev).chain(&s.test).copied().collect();
            all.sort_unstable();
            prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
        }

        #[test]
        fn a_partition_of_the_items(labels in prop::collection::vec(0u8..3, 0..200), seed: u64) {
            let s = stratified_split(&labels, 0.7, 0.15, seed);
            let mut all: Vec<usize> = s.train.iter().chain(&s.dev).chain(&s.test).copied().collect();
            all.sort_unstable();
            prop_assert_eq!(all, (0..labels.len()).collect::<Vec<_>>());
        }
    }
}
