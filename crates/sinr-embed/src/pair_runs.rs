//! Sorted runs of pair counts: the data structure of the streaming co-occurrence counter.
//!
//! A chunk of text yields one key per co-occurring pair (`lo · n + hi`, a dense encoding of the
//! unordered pair); the keys are radix-sorted and run-length encoded into a [`PairRuns`]. Runs are
//! merged like the levels of a binary counter ([`RunStack`]), so counting a corpus of `N` pairs
//! costs O(N log N) sequential memory passes instead of `N` random hash-table accesses, and the
//! memory held is proportional to the distinct pairs.

/// Sorted distinct keys with their counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PairRuns {
    pub keys: Vec<u64>,
    pub counts: Vec<u64>,
}

/// Sorts `keys` (whose values are below `2^bits`) with an LSD radix sort, using `scratch`.
fn radix_sort(keys: &mut Vec<u64>, scratch: &mut Vec<u64>, bits: u32) {
    const DIGIT: u32 = 11;
    const BUCKETS: usize = 1 << DIGIT;
    if keys.len() < 256 {
        keys.sort_unstable();
        return;
    }
    scratch.clear();
    scratch.resize(keys.len(), 0);
    let mut shift = 0;
    while shift < bits {
        let mut hist = [0usize; BUCKETS];
        for &k in keys.iter() {
            hist[((k >> shift) as usize) & (BUCKETS - 1)] += 1;
        }
        let mut sum = 0;
        for h in hist.iter_mut() {
            let c = *h;
            *h = sum;
            sum += c;
        }
        for &k in keys.iter() {
            let b = ((k >> shift) as usize) & (BUCKETS - 1);
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
    pub fn from_keys_with(keys: &mut Vec<u64>, scratch: &mut Vec<u64>, bits: u32) -> Self {
        radix_sort(keys, scratch, bits);
        let mut out_keys = Vec::new();
        let mut counts = Vec::new();
        let mut i = 0;
        while i < keys.len() {
            let k = keys[i];
            let mut j = i + 1;
            while j < keys.len() && keys[j] == k {
                j += 1;
            }
            out_keys.push(k);
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
        let mut keys = Vec::with_capacity(a.len() + b.len());
        let mut counts = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let (ka, kb) = (a.keys[i], b.keys[j]);
            if ka < kb {
                keys.push(ka);
                counts.push(a.counts[i]);
                i += 1;
            } else if kb < ka {
                keys.push(kb);
                counts.push(b.counts[j]);
                j += 1;
            } else {
                keys.push(ka);
                counts.push(a.counts[i] + b.counts[j]);
                i += 1;
                j += 1;
            }
        }
        keys.extend_from_slice(&a.keys[i..]);
        counts.extend_from_slice(&a.counts[i..]);
        keys.extend_from_slice(&b.keys[j..]);
        counts.extend_from_slice(&b.counts[j..]);
        PairRuns { keys, counts }
    }
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
            run = PairRuns::merge(top, run);
        }
        self.runs.push(run);
    }

    /// Merges everything into one run.
    pub fn finish(mut self) -> PairRuns {
        let mut acc = PairRuns::default();
        while let Some(r) = self.runs.pop() {
            acc = PairRuns::merge(r, acc);
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
