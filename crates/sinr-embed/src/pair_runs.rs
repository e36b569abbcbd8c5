//! Sorted runs of pair counts: the data structure of the streaming co-occurrence counter.
//!
//! A chunk of text yields one key per co-occurring pair (`lo · n + hi`, a dense encoding of the
//! unordered pair); the keys are radix-sorted and run-length encoded into a [`PairRuns`]. Runs are
//! merged like the levels of a binary counter ([`RunStack`]), so counting a corpus of `N` pairs
//! costs O(N log N) sequential memory passes instead of `N` random hash-table accesses, and the
//! memory held is proportional to the distinct pairs. Large merges are cut into key ranges
//! merged on every thread.

use rayon::prelude::*;

/// Sorted distinct keys with their counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PairRuns {
    pub keys: Vec<u64>,
    pub counts: Vec<u64>,
}

/// A key the radix sort sorts: `u32` when a pair fits in 32 bits (half the memory traffic),
/// else `u64`.
pub(crate) trait RadixKey: Copy + Ord + Default + Send + Sync {
    /// The key of the pair `(lo, hi)`: `lo << shift | hi`.
    fn pair(lo: u32, hi: u32, shift: u32) -> Self;
    /// The `DIGIT` bits from `shift`.
    fn digit(self, shift: u32) -> usize;
    /// As a `u64`.
    fn widen(self) -> u64;
}

impl RadixKey for u32 {
    #[inline]
    fn pair(lo: u32, hi: u32, shift: u32) -> Self {
        (lo << shift) | hi
    }
    #[inline]
    fn digit(self, shift: u32) -> usize {
        (self >> shift) as usize & (BUCKETS - 1)
    }
    #[inline]
    fn widen(self) -> u64 {
        u64::from(self)
    }
}

impl RadixKey for u64 {
    #[inline]
    fn pair(lo: u32, hi: u32, shift: u32) -> Self {
        (u64::from(lo) << shift) | u64::from(hi)
    }
    #[inline]
    fn digit(self, shift: u32) -> usize {
        (self >> shift) as usize & (BUCKETS - 1)
    }
    #[inline]
    fn widen(self) -> u64 {
        self
    }
}

const DIGIT: u32 = 11;
const BUCKETS: usize = 1 << DIGIT;

/// Sorts `keys` (whose values are below `2^bits`) with an LSD radix sort, using `scratch`.
fn radix_sort<K: RadixKey>(keys: &mut Vec<K>, scratch: &mut Vec<K>, bits: u32) {
    if keys.len() < 256 {
        keys.sort_unstable();
        return;
    }
    scratch.clear();
    scratch.resize(keys.len(), K::default());
    let mut shift = 0;
    while shift < bits {
        let mut hist = [0usize; BUCKETS];
        for &k in keys.iter() {
            hist[k.digit(shift)] += 1;
        }
        let mut sum = 0;
        for h in hist.iter_mut() {
            let c = *h;
            *h = sum;
            sum += c;
        }
        for &k in keys.iter() {
            let b = k.digit(shift);
            scratch[hist[b]] = k;
            hist[b] += 1;
        }
        std::mem::swap(keys, scratch);
        shift += DIGIT;
    }
}

impl PairRuns {
    /// Sorts and counts raw keys below `2^bits`.
    #[cfg(test)]
    pub fn from_keys(mut keys: Vec<u64>, bits: u32) -> Self {
        Self::from_keys_with(&mut keys, &mut Vec::new(), bits)
    }

    /// Sorts and counts raw keys below `2^bits` in place, reusing `scratch` (so a worker can
    /// keep both buffers across chunks); `keys` is left sorted.
    pub fn from_keys_with<K: RadixKey>(keys: &mut Vec<K>, scratch: &mut Vec<K>, bits: u32) -> Self {
        radix_sort(keys, scratch, bits);
        let mut out_keys = Vec::with_capacity(keys.len() / 2);
        let mut counts = Vec::with_capacity(keys.len() / 2);
        let mut i = 0;
        while i < keys.len() {
            let k = keys[i];
            let mut j = i + 1;
            while j < keys.len() && keys[j] == k {
                j += 1;
            }
            out_keys.push(k.widen());
            counts.push((j - i) as u64);
            i = j;
        }
        Self {
            keys: out_keys,
            counts,
        }
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Merges two runs, summing the counts of equal keys.
    pub fn merge(a: PairRuns, b: PairRuns) -> PairRuns {
        if a.keys.is_empty() {
            return b;
        }
        if b.keys.is_empty() {
            return a;
        }
        merge_slices((&a.keys, &a.counts), (&b.keys, &b.counts))
    }

    /// [`PairRuns::merge`] on every thread: the key range is cut at keys of the longer run
    /// into parts merged in parallel, then joined. The same result as `merge`.
    pub fn merge_parallel(a: PairRuns, b: PairRuns) -> PairRuns {
        const SERIAL: usize = 1 << 18;
        let threads = rayon::current_num_threads();
        if threads < 2 || a.len().min(b.len()) == 0 || a.len() + b.len() < SERIAL {
            return Self::merge(a, b);
        }
        let parts = 4 * threads;
        let (long, short) = if a.len() >= b.len() {
            (&a, &b)
        } else {
            (&b, &a)
        };
        // Cut before the first occurrence of every pivot key, in both runs alike.
        let mut cuts: Vec<(usize, usize)> = vec![(0, 0)];
        for p in 1..parts {
            let pivot = long.keys[p * long.len() / parts];
            let cut = (
                long.keys.partition_point(|&k| k < pivot),
                short.keys.partition_point(|&k| k < pivot),
            );
            if cut != *cuts.last().expect("non-empty") {
                cuts.push(cut);
            }
        }
        cuts.push((long.len(), short.len()));
        let pieces: Vec<PairRuns> = cuts
            .par_windows(2)
            .map(|w| {
                let ((l0, s0), (l1, s1)) = (w[0], w[1]);
                merge_slices(
                    (&long.keys[l0..l1], &long.counts[l0..l1]),
                    (&short.keys[s0..s1], &short.counts[s0..s1]),
                )
            })
            .collect();
        let len = pieces.iter().map(PairRuns::len).sum();
        let mut out = PairRuns {
            keys: Vec::with_capacity(len),
            counts: Vec::with_capacity(len),
        };
        for p in pieces {
            out.keys.extend_from_slice(&p.keys);
            out.counts.extend_from_slice(&p.counts);
        }
        out
    }
}

/// Merges two sorted runs given as slices of keys and counts.
fn merge_slices(a: (&[u64], &[u64]), b: (&[u64], &[u64])) -> PairRuns {
    let ((ak, ac), (bk, bc)) = (a, b);
    let mut keys = Vec::with_capacity(ak.len() + bk.len());
    let mut counts = Vec::with_capacity(ak.len() + bk.len());
    let (mut i, mut j) = (0, 0);
    while i < ak.len() && j < bk.len() {
        let (ka, kb) = (ak[i], bk[j]);
        if ka < kb {
            keys.push(ka);
            counts.push(ac[i]);
            i += 1;
        } else if kb < ka {
            keys.push(kb);
            counts.push(bc[j]);
            j += 1;
        } else {
            keys.push(ka);
            counts.push(ac[i] + bc[j]);
            i += 1;
            j += 1;
        }
    }
    keys.extend_from_slice(&ak[i..]);
    counts.extend_from_slice(&ac[i..]);
    keys.extend_from_slice(&bk[j..]);
    counts.extend_from_slice(&bc[j..]);
    PairRuns { keys, counts }
}

/// Runs kept with sizes decreasing from bottom to top; a pushed run is merged with the top while
/// the top is not larger, so there are O(log N) runs and each key is merged O(log N) times.
#[derive(Debug, Default)]
pub(crate) struct RunStack {
    runs: Vec<PairRuns>,
}

impl RunStack {
    /// Adds a run.
    pub fn push(&mut self, mut run: PairRuns) {
        while let Some(top) = self.runs.last() {
            if top.len() > 2 * run.len() {
                break;
            }
            let top = self.runs.pop().expect("non-empty");
            run = PairRuns::merge_parallel(top, run);
        }
        self.runs.push(run);
    }

    /// Merges everything into one run.
    pub fn finish(mut self) -> PairRuns {
        let mut acc = PairRuns::default();
        while let Some(r) = self.runs.pop() {
            acc = PairRuns::merge_parallel(r, acc);
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radix_sort_sorts() {
        let mut rng = sinr_util::SplitMix64::new(3);
        let mut keys: Vec<u64> = (0..5000).map(|_| rng.next_u64() >> 20).collect();
        let mut want = keys.clone();
        want.sort_unstable();
        radix_sort(&mut keys, &mut Vec::new(), 44);
        assert_eq!(keys, want);
        let mut keys: Vec<u32> = (0..5000).map(|_| (rng.next_u64() >> 34) as u32).collect();
        let mut want = keys.clone();
        want.sort_unstable();
        radix_sort(&mut keys, &mut Vec::new(), 30);
        assert_eq!(keys, want);
    }

    #[test]
    fn parallel_merge_is_the_merge() {
        let mut rng = sinr_util::SplitMix64::new(7);
        for (na, nb, range) in [
            (300_000, 200_000, 1u64 << 20),
            (1, 400_000, 50),
            (400_000, 3, 1 << 40),
        ] {
            let a = PairRuns::from_keys((0..na).map(|_| rng.next_u64() % range).collect(), 41);
            let b = PairRuns::from_keys((0..nb).map(|_| rng.next_u64() % range).collect(), 41);
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(3)
                .build()
                .unwrap();
            let par = pool.install(|| PairRuns::merge_parallel(a.clone(), b.clone()));
            assert_eq!(par, PairRuns::merge(a, b));
        }
    }

    #[test]
    fn runs_count_and_merge() {
        let a = PairRuns::from_keys(vec![5, 1, 5, 3, 1, 5], 3);
        assert_eq!(a.keys, vec![1, 3, 5]);
        assert_eq!(a.counts, vec![2, 1, 3]);
        let b = PairRuns::from_keys(vec![2, 5], 3);
        let m = PairRuns::merge(a.clone(), b);
        assert_eq!(m.keys, vec![1, 2, 3, 5]);
        assert_eq!(m.counts, vec![2, 1, 1, 4]);
        let mut s = RunStack::default();
        for k in [vec![1, 2], vec![2], vec![3, 1, 1], vec![7]] {
            s.push(PairRuns::from_keys(k, 3));
        }
        let all = s.finish();
        assert_eq!(all.keys, vec![1, 2, 3, 7]);
        assert_eq!(all.counts, vec![3, 2, 1, 1]);
    }
}
