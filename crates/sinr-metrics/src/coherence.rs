//! NPMI topic coherence (Röder, Both & Hinneburg 2015, their C_NPMI; Aletras & Stevenson 2013):
//! how often the words of a label occur near each other in a reference corpus.
//!
//! Probabilities are counted over **boolean sliding windows**: every document (a line, a
//! sentence) of `L` tokens gives `max(1, L − w + 1)` windows of `w` consecutive tokens (a
//! shorter document is one window); `P(a)` is the share of windows that contain `a`, `P(a, b)`
//! the share that contain both. For a pair,
//!
//! ```text
//! NPMI(a, b) = ln((P(a, b) + ε) / (P(a) · P(b))) / −ln(P(a, b) + ε),   ε = 1e-12
//! ```
//!
//! (ε as in Röder et al.'s Palmetto and gensim's `c_npmi`), in [−1, 1]: 1 when the two words
//! only occur together, 0 when independent, negative when they avoid each other. The coherence
//! of a label is the mean NPMI over its pairs of distinct words; a word that never occurs in the
//! reference corpus has no probability, so its pairs are left out (and counted: coverage).

/// ε of the NPMI formula.
pub const NPMI_EPSILON: f64 = 1e-12;

/// For every word, the windows that contain it, as merged `[start, end)` intervals of window
/// indices; built once per reference corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowIndex {
    windows: u64,
    intervals: Vec<Vec<(u64, u64)>>,
}

impl WindowIndex {
    /// Indexes `docs` (word ids below `n_words`; `None` for a token outside the vocabulary,
    /// which still takes its place in the windows) with windows of `window` tokens.
    pub fn new<'a>(
        n_words: usize,
        window: usize,
        docs: impl IntoIterator<Item = &'a [Option<u32>]>,
    ) -> Self {
        assert!(window >= 1, "a window holds at least one token");
        let w = window as u64;
        let mut intervals: Vec<Vec<(u64, u64)>> = vec![Vec::new(); n_words];
        let mut base = 0u64;
        for doc in docs {
            if doc.is_empty() {
                continue;
            }
            let len = doc.len() as u64;
            let n_win = len.saturating_sub(w - 1).max(1);
            for (p, t) in doc.iter().enumerate() {
                let Some(t) = *t else { continue };
                let p = p as u64;
                // Windows k with k ≤ p ≤ k + w − 1, among 0..n_win.
                let lo = base + p.saturating_sub(w - 1);
                let hi = base + p.min(n_win - 1) + 1;
                let list = &mut intervals[t as usize];
                match list.last_mut() {
                    Some(last) if last.1 >= lo => last.1 = last.1.max(hi),
                    _ => list.push((lo, hi)),
                }
            }
            base += n_win;
        }
        Self {
            windows: base,
            intervals,
        }
    }

    /// Number of windows.
    pub fn windows(&self) -> u64 {
        self.windows
    }

    /// Windows that contain `a`.
    pub fn count(&self, a: u32) -> u64 {
        self.intervals[a as usize].iter().map(|(l, h)| h - l).sum()
    }

    /// Windows that contain both `a` and `b`.
    pub fn joint(&self, a: u32, b: u32) -> u64 {
        let (x, y) = (&self.intervals[a as usize], &self.intervals[b as usize]);
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < x.len() && j < y.len() {
            let lo = x[i].0.max(y[j].0);
            let hi = x[i].1.min(y[j].1);
            if hi > lo {
                n += hi - lo;
            }
            if x[i].1 <= y[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        n
    }

    /// NPMI of two words; `None` if either never occurs.
    pub fn npmi(&self, a: u32, b: u32) -> Option<f64> {
        let (ca, cb) = (self.count(a), self.count(b));
        if ca == 0 || cb == 0 {
            return None;
        }
        let n = self.windows as f64;
        let (pa, pb) = (ca as f64 / n, cb as f64 / n);
        let joint = self.joint(a, b);
        if joint == self.windows {
            // Both in every window: the formula is 0 / 0; the limit of perfect association.
            return Some(1.0);
        }
        let pab = joint as f64 / n + NPMI_EPSILON;
        Some((pab / (pa * pb)).ln() / -pab.ln())
    }

    /// The coherence of a label: mean NPMI over its pairs of distinct words that both occur;
    /// `None` if no pair does.
    pub fn coherence(&self, words: &[u32]) -> Option<f64> {
        let (mut sum, mut n) = (0.0, 0usize);
        for (i, &a) in words.iter().enumerate() {
            for &b in &words[i + 1..] {
                if a != b
                    && let Some(v) = self.npmi(a, b)
                {
                    sum += v;
                    n += 1;
                }
            }
        }
        (n > 0).then(|| sum / n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force: the windows as sets.
    fn windows_of(docs: &[Vec<Option<u32>>], w: usize) -> Vec<Vec<u32>> {
        let mut out = Vec::new();
        for d in docs {
            if d.is_empty() {
                continue;
            }
            let n = d.len().saturating_sub(w - 1).max(1);
            for k in 0..n {
                out.push(
                    d[k..(k + w).min(d.len())]
                        .iter()
                        .flatten()
                        .copied()
                        .collect(),
                );
            }
        }
        out
    }

    #[test]
    fn a_worked_example() {
        // Words: 0 = "cat", 1 = "dog", 2 = "bond". Window 3.
        // doc 1: cat dog x bond  → windows {cat, dog, x}, {dog, x, bond}
        // doc 2: cat dog         → one window {cat, dog}
        // doc 3: bond            → one window {bond}
        let docs = [
            vec![Some(0), Some(1), None, Some(2)],
            vec![Some(0), Some(1)],
            vec![Some(2)],
        ];
        let idx = WindowIndex::new(3, 3, docs.iter().map(Vec::as_slice));
        assert_eq!(idx.windows(), 4);
        assert_eq!((idx.count(0), idx.count(1), idx.count(2)), (2, 3, 2));
        assert_eq!(
            (idx.joint(0, 1), idx.joint(1, 2), idx.joint(0, 2)),
            (2, 1, 0)
        );
        // NPMI(cat, dog): P = 2/4, 3/4, joint 2/4: ln((1/2)/(3/8)) / −ln(1/2) = ln(4/3) / ln 2.
        let v = idx.npmi(0, 1).unwrap();
        assert!((v - (4.0f64 / 3.0).ln() / 2f64.ln()).abs() < 1e-9, "{v}");
        // Never together: ln(ε / (1/4)) / −ln ε, close to −1.
        let v = idx.npmi(0, 2).unwrap();
        let want = (NPMI_EPSILON / 0.25).ln() / -NPMI_EPSILON.ln();
        assert!((v - want).abs() < 1e-6 && v < -0.9, "{v}");
        // The coherence of the label (cat, dog, bond) is the mean of its three pairs.
        let c = idx.coherence(&[0, 1, 2]).unwrap();
        let mean =
            (idx.npmi(0, 1).unwrap() + idx.npmi(0, 2).unwrap() + idx.npmi(1, 2).unwrap()) / 3.0;
        assert!((c - mean).abs() < 1e-12);
    }

    #[test]
    fn a_word_that_never_occurs_leaves_its_pairs_out() {
        let docs = [vec![Some(0), Some(1)], vec![None]];
        let idx = WindowIndex::new(3, 10, docs.iter().map(Vec::as_slice));
        assert_eq!(idx.npmi(0, 2), None);
        // Only (0, 1) counts; they always occur together: NPMI 1 (up to ε).
        let c = idx.coherence(&[0, 1, 2]).unwrap();
        assert!((c - 1.0).abs() < 1e-9, "{c}");
        assert_eq!(idx.coherence(&[2, 0]), None);
    }

    proptest::proptest! {
        #[test]
        fn counts_equal_brute_force(
            docs in proptest::collection::vec(
                proptest::collection::vec(proptest::option::weighted(0.8, 0u32..6), 0..14),
                0..6,
            ),
            w in 1usize..6,
        ) {
            let idx = WindowIndex::new(6, w, docs.iter().map(Vec::as_slice));
            let wins = windows_of(&docs, w);
            proptest::prop_assert_eq!(idx.windows(), wins.len() as u64);
            for a in 0..6u32 {
                let ca = wins.iter().filter(|s| s.contains(&a)).count() as u64;
                proptest::prop_assert_eq!(idx.count(a), ca);
                for b in 0..6u32 {
                    let cab = wins.iter().filter(|s| s.contains(&a) && s.contains(&b)).count() as u64;
                    proptest::prop_assert_eq!(idx.joint(a, b), cab);
                }
            }
        }
    }
}
