//! Co-occurrence counting with the reference's semantics.
//!
//! For every unit and every pair of positions `0 < j − i ≤ window` in it, the unordered pair of
//! words `{w_i, w_j}` is counted once, unless `w_i == w_j` (the reference skips same-word pairs,
//! so the diagonal is always empty). There is no distance weighting and windows never cross a
//! unit. The reference adds **2** per pair (`X = 2·n`); we store `n`. Every later step (PMI,
//! modularity, node recall) is invariant to that factor, and the tests compare `2·n` with the
//! reference's matrix.
//!
//! Counting is a map-reduce over chunks of the corpus: each rayon task turns its chunk (or, from
//! the ids the first pass kept, a group of chunks) into a sorted run of pair counts, runs are
//! merged, and the result is an upper-triangular CSR matrix.
//! Sums are exact integers, so the parallel result is identical to the serial one whatever the
//! scheduling. [`count_units`] is the plain serial definition (a hash map), kept as the oracle the
//! property tests compare the streaming counter with.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::pair_runs::{PairRuns, RadixKey, RunStack};
use crate::sparse::balanced_row_bounds;
use crate::tokenize::{
    Corpus, CorpusStats, TokenIds, TokenizerConfig, UNIT_END, count_words_keeping_ids, read_chunks,
};
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
    /// sum of the symmetric matrix. Rows in parallel (exact integer sums).
    pub fn degrees(&self) -> Vec<u64> {
        let n = self.n;
        (0..n)
            .into_par_iter()
            .with_min_len(1024)
            .fold(
                || vec![0u64; n],
                |mut d, a| {
                    let (idx, cnt) = self.row(WordId(a as u32));
                    for (&b, &c) in idx.iter().zip(cnt) {
                        d[a] += c;
                        d[b as usize] += c;
                    }
                    d
                },
            )
            .reduce(
                || vec![0u64; n],
                |mut x, y| {
                    x.iter_mut().zip(&y).for_each(|(a, b)| *a += b);
                    x
                },
            )
    }

    /// Keeps the pairs for which `keep(a, b, count)` holds. Rows in parallel.
    pub fn filter(&self, keep: impl Fn(WordId, WordId, u64) -> bool + Sync) -> Self {
        let bounds = balanced_row_bounds(&self.indptr);
        let pieces: Vec<(Vec<usize>, Vec<u32>, Vec<u64>)> = bounds
            .par_windows(2)
            .map(|w| {
                let (mut lens, mut indices, mut counts) = (Vec::new(), Vec::new(), Vec::new());
                for a in w[0]..w[1] {
                    let before = indices.len();
                    for k in self.indptr[a]..self.indptr[a + 1] {
                        if keep(WordId(a as u32), WordId(self.indices[k]), self.counts[k]) {
                            indices.push(self.indices[k]);
                            counts.push(self.counts[k]);
                        }
                    }
                    lens.push(indices.len() - before);
                }
                (lens, indices, counts)
            })
            .collect();
        let total = pieces.iter().map(|p| p.1.len()).sum();
        let mut indptr = Vec::with_capacity(self.n + 1);
        indptr.push(0);
        let mut indices = Vec::with_capacity(total);
        let mut counts = Vec::with_capacity(total);
        for (lens, idx, cnt) in pieces {
            for l in lens {
                indptr.push(indptr.last().expect("non-empty") + l);
            }
            indices.extend_from_slice(&idx);
            counts.extend_from_slice(&cnt);
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

/// Bits of a word id below `n`; a pair's key is `lo << id_bits | hi`, in `2 · id_bits` bits.
fn id_bits(n: usize) -> u32 {
    (usize::BITS - n.saturating_sub(1).leading_zeros()).max(1)
}

/// Appends the key `lo << shift | hi` of every counted pair of `unit`.
#[inline]
fn unit_keys<K: RadixKey>(unit: &[u32], window: usize, shift: u32, out: &mut Vec<K>) {
    for (i, &a) in unit.iter().enumerate() {
        let end = (i + window).min(unit.len() - 1);
        for &b in &unit[i + 1..=end] {
            if a != b {
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                out.push(K::pair(lo, hi, shift));
            }
        }
    }
}

impl CooccurrenceMatrix {
    fn from_runs(n: usize, runs: PairRuns) -> Self {
        let shift = id_bits(n);
        let mask = (1u64 << shift) - 1;
        let mut indptr = vec![0usize; n + 1];
        let mut indices = Vec::with_capacity(runs.len());
        for &k in &runs.keys {
            indptr[(k >> shift) as usize + 1] += 1;
            indices.push((k & mask) as u32);
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
    let shift = id_bits(n);
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
                            unit_keys::<u64>(ids, cfg.window, shift, keys);
                        }
                    })?;
                    Ok((PairRuns::from_keys_with(keys, scratch, 2 * shift), st))
                },
            )
            .try_reduce(
                || (PairRuns::default(), CorpusStats::default()),
                |(a, mut sa), (b, sb)| {
                    sa.add(&sb);
                    Ok((PairRuns::merge_parallel(a, b), sa))
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

/// The most memory the first pass may hold to spare the second its tokenising: the corpus as
/// ids, 4 bytes a token (1 GiB is about 250 million tokens). Past it, the second pass reads
/// and tokenises the text again.
pub const KEEP_IDS_BYTES: usize = 1 << 30;

/// Both counting passes of [`crate::train`]: the vocabulary ([`crate::count_words`]), then the
/// co-occurrences over it ([`count_cooccurrences`]), with the same results as those two calls.
/// While the corpus as ids fits in `keep_ids_bytes`, the first pass keeps it and the second
/// counts pairs from the ids instead of reading and tokenising the text again. Returns the
/// seconds each pass took.
///
/// # Errors
/// As [`crate::count_words`] and [`count_cooccurrences`].
pub fn count_words_and_cooccurrences(
    corpus: &Corpus,
    tok: &TokenizerConfig,
    cfg: &CooccurrenceConfig,
    keep_ids_bytes: usize,
    progress: &dyn Progress,
) -> Result<(Vocabulary, CooccurrenceMatrix, CorpusStats, [f64; 2])> {
    cfg.validate()?;
    let t = std::time::Instant::now();
    let (vocab, stats, ids) = count_words_keeping_ids(corpus, tok, keep_ids_bytes, progress)?;
    let first = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let m = match ids {
        Some(ids) => count_from_ids(&ids, &vocab, cfg, SORT_BYTES, progress),
        None => count_cooccurrences(corpus, tok, &vocab, cfg, progress)?.0,
    };
    Ok((vocab, m, stats, [first, t.elapsed().as_secs_f64()]))
}

/// The memory all workers together may hold in raw pair keys (keys and the radix sort's
/// scratch) when counting from ids. Groups of chunks are made as large as it allows (fewer runs
/// to merge), a multiple of the threads, as even as the chunks allow.
const SORT_BYTES: usize = 1 << 29;

/// Co-occurrences from the ids the first pass kept: the pairs of groups of consecutive chunks
/// sorted in parallel, one group per worker at a time, the runs merged (large merges on every
/// thread).
fn count_from_ids(
    ids: &TokenIds,
    vocab: &Vocabulary,
    cfg: &CooccurrenceConfig,
    sort_bytes: usize,
    progress: &dyn Progress,
) -> CooccurrenceMatrix {
    progress.start(
        "counting co-occurrences",
        Some(ids.chunks.len() as u64),
        ProgressUnit::Items("chunks"),
    );
    let n = vocab.len();
    // The vocabulary id of every word of the first pass (`UNIT_END`: under min_freq).
    let word: Vec<u32> = (0..ids.table.len() as u32)
        .into_par_iter()
        .map(|g| vocab.id(ids.table.key(g)).map_or(UNIT_END, |w| w.0))
        .collect();
    // Consecutive chunks whose pairs one worker sorts together: few runs to merge, and about
    // `sort_bytes` of keys held by all the workers together.
    let shift = id_bits(n);
    let key_bytes = if 2 * shift <= u32::BITS { 4 } else { 8 };
    let total: usize = ids.chunks.iter().map(|c| c.ids.len() * cfg.window).sum();
    let workers = rayon::current_num_threads();
    let group_keys = (sort_bytes / (2 * key_bytes * workers)).max(1);
    let groups = total.div_ceil(group_keys).div_ceil(workers).max(1) * workers;
    let per_group = total.div_ceil(groups).max(1);
    let mut bounds = vec![0];
    let mut keys_in_group = 0;
    for (i, c) in ids.chunks.iter().enumerate() {
        if keys_in_group >= per_group {
            bounds.push(i);
            keys_in_group = 0;
        }
        keys_in_group += c.ids.len() * cfg.window;
    }
    bounds.push(ids.chunks.len());
    let runs = if key_bytes == 4 {
        count_groups::<u32>(ids, &bounds, &word, cfg.window, shift, progress)
    } else {
        count_groups::<u64>(ids, &bounds, &word, cfg.window, shift, progress)
    };
    let m = CooccurrenceMatrix::from_runs(n, runs);
    progress.finish(&format!("{} distinct pairs", m.nnz()));
    m
}

/// The pairs of every group `bounds[i]..bounds[i + 1]` of chunks counted into a sorted run
/// (one group per worker at a time), the runs merged. `word` maps the first pass's ids to
/// vocabulary ids (`UNIT_END`: not in the vocabulary).
fn count_groups<K: RadixKey>(
    ids: &TokenIds,
    bounds: &[usize],
    word: &[u32],
    window: usize,
    shift: u32,
    progress: &dyn Progress,
) -> PairRuns {
    /// One worker's buffers: keys, the sort's scratch, a unit, the chunk's word ids.
    type Buffers<K> = (Vec<K>, Vec<K>, Vec<u32>, Vec<u32>);
    let workers = rayon::current_num_threads();
    let mut buffers: Vec<Buffers<K>> = (0..workers).map(|_| Default::default()).collect();
    let groups: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    // Groups in waves of one per worker, each wave's runs merged into a stack of runs: the
    // memory held is the wave's keys and the stack, not every group's run at once.
    let mut stack = RunStack::default();
    for wave in groups.chunks(workers) {
        let run = buffers
            .par_iter_mut()
            .zip(wave.par_iter())
            .map(|((keys, scratch, unit, local), &(from, to))| {
                let group = &ids.chunks[from..to];
                keys.clear();
                keys.reserve(group.iter().map(|c| c.ids.len() * window).sum());
                for chunk in group {
                    local.clear();
                    local.extend(chunk.to_global.iter().map(|&g| word[g as usize]));
                    for &id in &chunk.ids {
                        if id == UNIT_END {
                            if !unit.is_empty() {
                                unit_keys(unit, window, shift, keys);
                                unit.clear();
                            }
                        } else {
                            let w = local[id as usize];
                            if w != UNIT_END {
                                unit.push(w);
                            }
                        }
                    }
                    progress.advance(1);
                }
                PairRuns::from_keys_with(keys, scratch, 2 * shift)
            })
            .reduce(PairRuns::default, PairRuns::merge_parallel);
        stack.push(run);
    }
    stack.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_groups_in_many_waves_count_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.txt");
        let text: String = (0..400)
            .map(|i| format!("w{} w{} w{} w{} w{}\n", i % 7, i % 11, i % 13, i % 5, i % 3))
            .collect();
        std::fs::write(&path, text).unwrap();
        let corpus = Corpus::new([path]);
        let tok = TokenizerConfig {
            pretokenized: true,
            min_unit_tokens: 0,
            chunk_bytes: 64,
            min_freq: 30,
            ..TokenizerConfig::default()
        };
        let cfg = CooccurrenceConfig { window: 3 };
        let (vocab, _, ids) =
            count_words_keeping_ids(&corpus, &tok, 1 << 20, &sinr_util::NoProgress).unwrap();
        let (want, _) =
            count_cooccurrences(&corpus, &tok, &vocab, &cfg, &sinr_util::NoProgress).unwrap();
        let ids = ids.unwrap();
        assert!(ids.chunks.len() > 20);
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            // Keys of a few chunks per group: many groups, many waves.
            let got =
                pool.install(|| count_from_ids(&ids, &vocab, &cfg, 2000, &sinr_util::NoProgress));
            assert_eq!(got, want);
        }
    }

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
