//! Co-occurrence counting with the reference's semantics.
//!
//! For every unit and every pair of positions `0 < j − i ≤ window` in it, the unordered pair of
//! words `{w_i, w_j}` is counted once, unless `w_i == w_j` (the reference skips same-word pairs,
//! so the diagonal is always empty). There is no distance weighting and windows never cross a
//! unit. The reference adds **2** per pair (`X = 2·n`); we store `n`. Every later step (PMI,
//! modularity, node recall) is invariant to that factor, and the tests compare `2·n` with the
//! reference's matrix.
//!
//! Counting is a map-reduce over chunks of the corpus: each rayon task turns its chunk into a
//! sorted run of pair counts, runs are merged, and the result is an upper-triangular CSR matrix.
//! Sums are exact integers, so the parallel result is identical to the serial one whatever the
//! scheduling. [`count_units`] is the plain serial definition (a hash map), kept as the oracle the
//! property tests compare the streaming counter with.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::pair_runs::{PairRuns, RunStack};
use crate::tokenize::{Corpus, CorpusStats, TokenizerConfig, read_chunks};
use crate::vocab::{Vocabulary, WordId};
use sinr_util::{Progress, ProgressUnit};

/// Co-occurrence parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CooccurrenceConfig {
    /// Half-width of the symmetric window (reference README: 5).
    pub window: usize,
}

impl Default for CooccurrenceConfig {
    fn default() -> Self {
        Self { window: 5 }
    }
}

impl CooccurrenceConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        if self.window == 0 {
            return Err(Error::config("window", "must be at least 1"));
        }
        if self.window > 10_000 {
            return Err(Error::config("window", "must be at most 10000"));
        }
        Ok(())
    }
}

/// Symmetric co-occurrence counts stored as the upper triangle (`a < b`) in CSR form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CooccurrenceMatrix {
    n: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    counts: Vec<u64>,
}

#[inline]
fn pack(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(lo) << 32) | u64::from(hi)
}

type PairCounts = FxHashMap<u64, u64>;

#[inline]
fn count_unit(unit: &[u32], window: usize, acc: &mut PairCounts) {
    for (i, &a) in unit.iter().enumerate() {
        let end = (i + window).min(unit.len() - 1);
        for &b in &unit[i + 1..=end] {
            if a != b {
                *acc.entry(pack(a, b)).or_insert(0) += 1;
            }
        }
    }
}

impl CooccurrenceMatrix {
    fn from_pairs(n: usize, pairs: PairCounts) -> Self {
        let mut entries: Vec<(u64, u64)> = pairs.into_iter().collect();
        entries.par_sort_unstable_by_key(|e| e.0);
        let mut indptr = vec![0usize; n + 1];
        let mut indices = Vec::with_capacity(entries.len());
        let mut counts = Vec::with_capacity(entries.len());
        for (k, c) in entries {
            let (a, b) = ((k >> 32) as usize, (k & 0xffff_ffff) as u32);
            indptr[a + 1] += 1;
            indices.push(b);
            counts.push(c);
        }
        for i in 0..n {
            indptr[i + 1] += indptr[i];
        }
        Self {
            n,
            indptr,
            indices,
            counts,
        }
    }

    /// Builds a matrix from explicit upper-triangle entries `(a, b, count)` with `a < b`
    /// (duplicates are summed). For tests and for filtering.
    pub fn from_entries(
        n: usize,
        entries: impl IntoIterator<Item = (WordId, WordId, u64)>,
    ) -> Self {
        let mut pairs = PairCounts::default();
        for (a, b, c) in entries {
            assert!(a != b, "diagonal entry in co-occurrence matrix");
            assert!(a.index() < n && b.index() < n, "entry out of range");
            if c > 0 {
                *pairs.entry(pack(a.0, b.0)).or_insert(0) += c;
            }
        }
        Self::from_pairs(n, pairs)
    }

    /// Builds a matrix from upper-triangle entries `(a, b, count)` given in strictly increasing
    /// `(a, b)` order with `a < b < n` (as a reduce step sorts them), without a hash map.
    ///
    /// # Errors
    /// An entry out of order, repeated, on or below the diagonal, or beyond `n`.
    pub fn from_sorted_entries(
        n: usize,
        entries: impl IntoIterator<Item = (u32, u32, u64)>,
    ) -> Result<Self> {
        let mut indptr = vec![0usize; n + 1];
        let mut indices = Vec::new();
        let mut counts = Vec::new();
        let mut last: Option<(u32, u32)> = None;
        for (a, b) in entries.into_iter().map(|(a, b, c)| {
            counts.push(c);
            (a, b)
        }) {
            if a >= b || b as usize >= n || last.is_some_and(|l| l >= (a, b)) {
                return Err(Error::config(
                    "counts",
                    format!(
                        "entry ({a}, {b}) after {last:?}: entries must be sorted, distinct, with a < b < {n}"
                    ),
                ));
            }
            last = Some((a, b));
            indptr[a as usize + 1] += 1;
            indices.push(b);
        }
        for i in 0..n {
            indptr[i + 1] += indptr[i];
        }
        Ok(Self {
            n,
            indptr,
            indices,
            counts,
        })
    }

    /// Number of words (rows and columns).
    pub fn n_words(&self) -> usize {
        self.n
    }

    /// Number of stored pairs `a < b`.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// The upper-triangle row of `a`: the words `b > a` it co-occurs with, and the counts.
    pub fn row(&self, a: WordId) -> (&[u32], &[u64]) {
        let (s, e) = (self.indptr[a.index()], self.indptr[a.index() + 1]);
        (&self.indices[s..e], &self.counts[s..e])
    }

    /// Every stored pair `(a, b, n_ab)` with `a < b`, in row-major order.
    pub fn iter(&self) -> impl Iterator<Item = (WordId, WordId, u64)> + '_ {
        (0..self.n).flat_map(move |a| {
            let (s, e) = (self.indptr[a], self.indptr[a + 1]);
            (s..e).map(move |k| (WordId(a as u32), WordId(self.indices[k]), self.counts[k]))
        })
    }

    /// The count of the unordered pair `{a, b}` (0 if absent or `a == b`).
    pub fn get(&self, a: WordId, b: WordId) -> u64 {
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        let (idx, cnt) = self.row(lo);
        idx.binary_search(&hi.0).map_or(0, |k| cnt[k])
    }

    /// Sum of the stored (upper-triangle) counts.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Weighted degree of every word: row sum + column sum of the upper triangle, i.e. the row
    /// sum of the symmetric matrix.
    pub fn degrees(&self) -> Vec<u64> {
        let mut d = vec![0u64; self.n];
        for (a, b, c) in self.iter() {
            d[a.index()] += c;
            d[b.index()] += c;
        }
        d
    }

    /// Keeps the pairs for which `keep(a, b, count)` holds.
    pub fn filter(&self, mut keep: impl FnMut(WordId, WordId, u64) -> bool) -> Self {
        let mut indptr = vec![0usize; self.n + 1];
        let mut indices = Vec::new();
        let mut counts = Vec::new();
        for a in 0..self.n {
            let (s, e) = (self.indptr[a], self.indptr[a + 1]);
            for k in s..e {
                if keep(WordId(a as u32), WordId(self.indices[k]), self.counts[k]) {
                    indices.push(self.indices[k]);
                    counts.push(self.counts[k]);
                }
            }
            indptr[a + 1] = indices.len();
        }
        Self {
            n: self.n,
            indptr,
            indices,
            counts,
        }
    }
}

/// Counts co-occurrences of in-memory units of word ids, serially. The plain definition, used as
/// the oracle for the streaming parallel counter.
pub fn count_units<'a>(
    n_words: usize,
    units: impl IntoIterator<Item = &'a [WordId]>,
    cfg: &CooccurrenceConfig,
) -> Result<CooccurrenceMatrix> {
    cfg.validate()?;
    let mut acc = PairCounts::default();
    let mut ids = Vec::new();
    for unit in units {
        ids.clear();
        ids.extend(unit.iter().map(|w| w.0));
        if !ids.is_empty() {
            count_unit(&ids, cfg.window, &mut acc);
        }
    }
    Ok(CooccurrenceMatrix::from_pairs(n_words, acc))
}

/// Bits needed for keys `lo · n + hi` with `lo, hi < n`.
fn key_bits(n: usize) -> u32 {
    let max = (n as u128) * (n as u128);
    (128 - max.leading_zeros()).max(1)
}

/// Appends the key `lo · n + hi` of every counted pair of `unit`.
#[inline]
fn unit_keys(unit: &[u32], window: usize, n: u64, out: &mut Vec<u64>) {
    for (i, &a) in unit.iter().enumerate() {
        let end = (i + window).min(unit.len() - 1);
        for &b in &unit[i + 1..=end] {
            if a != b {
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                out.push(u64::from(lo) * n + u64::from(hi));
            }
        }
    }
}

impl CooccurrenceMatrix {
    fn from_runs(n: usize, runs: PairRuns) -> Self {
        let mut indptr = vec![0usize; n + 1];
        let mut indices = Vec::with_capacity(runs.len());
        let nn = n as u64;
        for &k in &runs.keys {
            let (a, b) = (k / nn, k % nn);
            indptr[a as usize + 1] += 1;
            indices.push(b as u32);
        }
        for i in 0..n {
            indptr[i + 1] += indptr[i];
        }
        Self {
            n,
            indptr,
            indices,
            counts: runs.counts,
        }
    }
}

/// Second pass over the corpus: tokenises every chunk, maps tokens to ids (dropping words not in
/// `vocab`, i.e. under `min_freq`), and counts co-occurrences in parallel. Each chunk's pairs are
/// radix-sorted and run-length encoded; runs are merged as a binary counter (see
/// `pair_runs.rs`), so memory stays proportional to the distinct pairs.
pub fn count_cooccurrences(
    corpus: &Corpus,
    tok: &TokenizerConfig,
    vocab: &Vocabulary,
    cfg: &CooccurrenceConfig,
    progress: &dyn Progress,
) -> Result<(CooccurrenceMatrix, CorpusStats)> {
    tok.validate()?;
    cfg.validate()?;
    let total = corpus.check()?;
    progress.start("counting co-occurrences", Some(total), ProgressUnit::Bytes);
    let stop = tok.stop_set();
    let n = vocab.len();
    let bits = key_bits(n);
    let mut stack = RunStack::default();
    let mut stats = CorpusStats::default();
    let batch = 2 * rayon::current_num_threads();
    read_chunks(corpus, tok, tok.chunk_bytes, batch, progress, |chunks| {
        let (runs, st) = chunks
            .par_iter()
            .map_init(
                || (Vec::new(), Vec::new(), Vec::new()),
                |(keys, scratch, ids), chunk| {
                    keys.clear();
                    let st = chunk.for_each_unit(tok, &stop, |toks| {
                        ids.clear();
                        ids.extend(toks.iter().filter_map(|t| vocab.id(t)).map(|w| w.0));
                        if !ids.is_empty() {
                            unit_keys(ids, cfg.window, n as u64, keys);
                        }
                    })?;
                    Ok((PairRuns::from_keys_with(keys, scratch, bits), st))
                },
            )
            .try_reduce(
                || (PairRuns::default(), CorpusStats::default()),
                |(a, mut sa), (b, sb)| {
                    sa.add(&sb);
                    Ok((PairRuns::merge(a, b), sa))
                },
            )?;
        stack.push(runs);
        stats.add(&st);
        Ok(())
    })?;
    let m = CooccurrenceMatrix::from_runs(n, stack.finish());
    progress.finish(&format!("{} distinct pairs", m.nnz()));
    Ok((m, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[u32]) -> Vec<WordId> {
        v.iter().map(|&i| WordId(i)).collect()
    }

    #[test]
    fn window_and_same_word_pairs() {
        // unit: 0 1 0 2 with window 2:
        // (0,1) (0,0)skip | (1,0) (1,2) | (0,2)
        let u = ids(&[0, 1, 0, 2]);
        let m = count_units(3, [u.as_slice()], &CooccurrenceConfig { window: 2 }).unwrap();
        assert_eq!(m.get(WordId(0), WordId(1)), 2);
        assert_eq!(m.get(WordId(1), WordId(2)), 1);
        assert_eq!(m.get(WordId(0), WordId(2)), 1);
        assert_eq!(m.get(WordId(0), WordId(0)), 0);
        assert_eq!(m.nnz(), 3);
        assert_eq!(m.degrees(), vec![3, 3, 2]);
    }

    #[test]
    fn windows_never_cross_units() {
        let a = ids(&[0, 1]);
        let b = ids(&[2, 3]);
        let m = count_units(
            4,
            [a.as_slice(), b.as_slice()],
            &CooccurrenceConfig::default(),
        )
        .unwrap();
        assert_eq!(m.get(WordId(1), WordId(2)), 0);
        assert_eq!(m.nnz(), 2);
    }

    #[test]
    fn filter_keeps_structure() {
        let u = ids(&[0, 1, 2, 3]);
        let m = count_units(4, [u.as_slice()], &CooccurrenceConfig { window: 3 }).unwrap();
        let f = m.filter(|a, _, _| a.0 != 1);
        assert_eq!(f.nnz(), 4);
        assert_eq!(f.get(WordId(1), WordId(2)), 0);
        assert_eq!(f.get(WordId(0), WordId(3)), 1);
    }
}
