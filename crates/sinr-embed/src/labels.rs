//! Labels of communities: the few words a person reads a dimension by.
//!
//! A community's members are the words the partition puts in it (at the model's level, or at a
//! coarser level of the dendrogram, where a word's value is the sum of its values on the fine
//! communities below). How the members are ranked decides whether a label can be read:
//!
//! - [`LabelRanking::NodeRecall`] ranks by the word's value on the community, as the
//!   reference's descriptors do. A rare word whose few neighbours all sit in one community has
//!   a value near 1, so rare words win, at coarse levels above all ("philtre, philter,
//!   hahahahaha").
//! - [`LabelRanking::Representative`] (the default) ranks by value × ln(count): a word must be
//!   both typical of the community and common in the corpus. It was chosen among the rankings
//!   below by the NPMI coherence of the labels on a corpus the embeddings never saw (the
//!   criterion and the numbers: `docs/results.md`, "Community labels").
//! - [`LabelRanking::Count`] (the members by corpus count) and [`LabelRanking::Floor`] (node
//!   recall among the members seen at least so many times) are the other rankings measured.
//! - [`LabelRanking::Coherent`] takes the [`COHERENT_POOL`] most representative members and
//!   orders them so that each next word co-occurs with the words already chosen: a label is
//!   read as a whole, and words that are seen together read as one topic (the NPMI coherence
//!   of Röder et al. 2015 measures exactly that on a held-out corpus). The co-occurrence is
//!   the model's own, estimated from its fine-level node recalls (see
//!   [`SinrModel::cooccurrence_npmi`]): no corpus is needed at labelling time. Its parameter
//!   weighs the word's value on the community against that co-occurrence, so that common words
//!   seen with everything ("want", "think") do not crowd out the community's own.
//!
//! Ties are broken by lower word id, so labels are deterministic.

use crate::error::Result;
use crate::model::SinrModel;
use crate::sparse::SparseMatrix;
use crate::vocab::WordId;

/// How the members of a community are ranked for its label.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum LabelRanking {
    /// By value on the community (node recall): the reference's descriptors.
    NodeRecall,
    /// By value × ln(count): typical of the community and common in the corpus.
    #[default]
    Representative,
    /// By corpus count alone.
    Count,
    /// By value, among the members counted at least this many times (the others after them).
    Floor(u64),
    /// The [`COHERENT_POOL`] most representative members, ordered greedily: the first is the
    /// most representative, each next the one with the highest mean co-occurrence NPMI with
    /// the words before it plus the weight (in hundredths) times its value on the community;
    /// the other members after them, by representativeness.
    Coherent(u32),
}

/// How many of a community's most representative members [`LabelRanking::Coherent`] reorders.
/// Fixed, not tied to the label's length, so a shorter label is a prefix of a longer one.
pub const COHERENT_POOL: usize = 20;

impl LabelRanking {
    /// Every ranking measured, the default first after node recall.
    pub const MEASURED: [LabelRanking; 8] = [
        LabelRanking::NodeRecall,
        LabelRanking::Representative,
        LabelRanking::Count,
        LabelRanking::Floor(50),
        LabelRanking::Coherent(0),
        LabelRanking::Coherent(25),
        LabelRanking::Coherent(50),
        LabelRanking::Coherent(100),
    ];

    /// A short name (`node-recall`, `representative`, `count`, `floor-50`, `coherent-25`).
    pub fn name(self) -> String {
        match self {
            LabelRanking::NodeRecall => "node-recall".into(),
            LabelRanking::Representative => "representative".into(),
            LabelRanking::Count => "count".into(),
            LabelRanking::Floor(f) => format!("floor-{f}"),
            LabelRanking::Coherent(w) => format!("coherent-{w}"),
        }
    }

    /// The sort key of a member with `value` on the community, counted `count` times (higher
    /// first).
    fn key(self, value: f64, count: u64) -> (u8, f64) {
        match self {
            LabelRanking::NodeRecall => (0, value),
            LabelRanking::Representative | LabelRanking::Coherent(_) => {
                (0, representative_score(value, count))
            }
            LabelRanking::Count => (0, count as f64),
            LabelRanking::Floor(f) => (u8::from(count < f), value),
        }
    }
}

/// How typical and common a member is: `value` × ln(`count`) (0 for a word seen once), the
/// key of [`LabelRanking::Representative`]; also how the SINr transformer's memory profiles rank
/// the tokens that fire a memory (mean activation × ln(occurrences)).
pub fn representative_score(value: f64, count: u64) -> f64 {
    value * (count.max(1) as f64).ln()
}

/// Best first: the ranking's group, then its score (higher first), then lower word id.
fn sort_members(v: &mut [((u8, f64), u32)]) {
    v.sort_by(|a, b| {
        (a.0.0)
            .cmp(&b.0.0)
            .then(b.0.1.total_cmp(&a.0.1))
            .then(a.1.cmp(&b.1))
    });
}

impl SinrModel {
    /// The `n` label words of every dimension at `level`: the model's columns at its own level,
    /// every community of the dendrogram at a coarser level (see [`SinrModel::at_level`]).
    pub fn labels(
        &self,
        level: usize,
        n: usize,
        ranking: LabelRanking,
    ) -> Result<Vec<Vec<WordId>>> {
        if level == self.level {
            self.labels_with(level, &self.matrix, n, ranking)
        } else {
            self.labels_with(level, &self.at_level(level)?, n, ranking)
        }
    }

    /// [`SinrModel::labels`] for a caller that already holds the vectors at `level` (the
    /// model's matrix at its own level, [`SinrModel::at_level`] above it), so that labelling
    /// under several rankings merges the columns once.
    ///
    /// # Panics
    /// If `m` does not have the level's number of dimensions.
    pub fn labels_with(
        &self,
        level: usize,
        m: &SparseMatrix,
        n: usize,
        ranking: LabelRanking,
    ) -> Result<Vec<Vec<WordId>>> {
        let lvl = self.dendrogram.level(level)?;
        let (dims, col_of) = if level == self.level {
            let mut col_of = vec![None; lvl.n_communities];
            for (col, &c) in self.columns.iter().enumerate() {
                col_of[c as usize] = Some(col as u32);
            }
            (self.columns.len(), col_of)
        } else {
            (
                lvl.n_communities,
                (0..lvl.n_communities as u32).map(Some).collect(),
            )
        };
        assert_eq!(m.n_cols(), dims, "the vectors at level {level}");
        let counts = self.vocab.counts();
        let mut members: Vec<Vec<((u8, f64), u32)>> = vec![Vec::new(); dims];
        for (w, &c) in lvl.partition.iter().enumerate() {
            if let Some(col) = col_of[c as usize] {
                let key = ranking.key(m.get(w, col), counts[w]);
                members[col as usize].push((key, w as u32));
            }
        }
        let cooc = match ranking {
            LabelRanking::Coherent(weight) => Some((Cooccurrence::new(self), weight)),
            _ => None,
        };
        Ok(members
            .into_iter()
            .enumerate()
            .map(|(col, mut v)| {
                sort_members(&mut v);
                let mut ids: Vec<u32> = v.into_iter().map(|(_, w)| w).collect();
                if let Some((c, weight)) = &cooc {
                    let value = |w: u32| m.get(w as usize, col as u32);
                    c.order_coherently(&mut ids, f64::from(*weight) / 100.0, value);
                }
                ids.into_iter().take(n).map(WordId).collect()
            })
            .collect())
    }

    /// The NPMI of words `a` and `b` co-occurring, estimated from the model alone: the node
    /// recall of `a` on `b`'s fine community is the share of `a`'s co-occurrences (edge weight)
    /// that fall in it, which is split among the community's members in proportion to their
    /// counts. With `P(x) = count(x) / N`, both directions averaged,
    ///
    /// `P(a, b) ≈ ½ [NR(a, f(b))·P(a)·count(b)/mass(f(b)) + NR(b, f(a))·P(b)·count(a)/mass(f(a))]`
    ///
    /// and `NPMI = ln(P(a, b) / (P(a)·P(b))) / −ln P(a, b)`, clamped to [−1, 1]; −1 when the
    /// model records no co-occurrence. In-sample and approximate (a fine community's words are
    /// not all alike), so it only ranks label words; held-out coherence is measured on text.
    /// Each call gathers the model's counts (linear in the vocabulary): for many pairs, label
    /// with [`LabelRanking::Coherent`], which gathers them once.
    pub fn cooccurrence_npmi(&self, a: WordId, b: WordId) -> f64 {
        Cooccurrence::new(self).npmi(a.0, b.0)
    }

    /// The `n` label words of every community of `level` (indexed by community, not by column:
    /// a community that filtering left without a column at the model's level is ranked with
    /// value 0 for all its members, so by the ranking's tie-break on counts where it has one).
    pub fn community_labels(
        &self,
        level: usize,
        n: usize,
        ranking: LabelRanking,
    ) -> Result<Vec<Vec<String>>> {
        let by_column = self.label_words(level, n, ranking)?;
        if level != self.level {
            return Ok(by_column);
        }
        let lvl = self.dendrogram.level(level)?;
        let counts = self.vocab.counts();
        let mut out: Vec<Option<Vec<String>>> = vec![None; lvl.n_communities];
        for (col, words) in by_column.into_iter().enumerate() {
            out[self.columns[col] as usize] = Some(words);
        }
        let mut rest: Vec<Vec<((u8, f64), u32)>> = vec![Vec::new(); lvl.n_communities];
        for (w, &c) in lvl.partition.iter().enumerate() {
            if out[c as usize].is_none() {
                rest[c as usize].push((ranking.key(0.0, counts[w]), w as u32));
            }
        }
        Ok(out
            .into_iter()
            .zip(rest)
            .map(|(o, r)| o.unwrap_or_else(|| self.top_of(r, n)))
            .collect())
    }

    fn top_of(&self, mut v: Vec<((u8, f64), u32)>, n: usize) -> Vec<String> {
        sort_members(&mut v);
        v.into_iter()
            .take(n)
            .map(|(_, w)| self.vocab.word(WordId(w)).to_owned())
            .collect()
    }

    /// [`SinrModel::labels`] as words.
    pub fn label_words(
        &self,
        level: usize,
        n: usize,
        ranking: LabelRanking,
    ) -> Result<Vec<Vec<String>>> {
        Ok(self
            .labels(level, n, ranking)?
            .into_iter()
            .map(|ws| {
                ws.into_iter()
                    .map(|w| self.vocab.word(w).to_owned())
                    .collect()
            })
            .collect())
    }
}

/// What [`SinrModel::cooccurrence_npmi`] reads, gathered once per labelling.
struct Cooccurrence<'a> {
    model: &'a SinrModel,
    /// Each word's fine community.
    fine: &'a [u32],
    /// The model's column of each fine community (none where filtering dropped it).
    col_of: Vec<Option<u32>>,
    /// Each fine community's summed member counts.
    mass: Vec<f64>,
    counts: &'a [u64],
    total: f64,
}

impl<'a> Cooccurrence<'a> {
    fn new(model: &'a SinrModel) -> Self {
        let lvl = &model.dendrogram.levels[model.level];
        let mut col_of = vec![None; lvl.n_communities];
        for (col, &c) in model.columns.iter().enumerate() {
            col_of[c as usize] = Some(col as u32);
        }
        let counts = model.vocab.counts();
        let mut mass = vec![0.0f64; lvl.n_communities];
        for (w, &c) in lvl.partition.iter().enumerate() {
            mass[c as usize] += counts[w] as f64;
        }
        Cooccurrence {
            model,
            fine: &lvl.partition,
            col_of,
            mass,
            counts,
            total: counts.iter().map(|&c| c as f64).sum(),
        }
    }

    /// One direction: the share of `P(a)` estimated to fall on `b`.
    fn joint_from(&self, a: u32, b: u32) -> f64 {
        let f = self.fine[b as usize] as usize;
        let Some(col) = self.col_of[f] else {
            return 0.0;
        };
        let nr = self.model.matrix.get(a as usize, col);
        if nr <= 0.0 || self.mass[f] <= 0.0 {
            return 0.0;
        }
        nr * (self.counts[a as usize] as f64 / self.total)
            * (self.counts[b as usize] as f64 / self.mass[f])
    }

    fn npmi(&self, a: u32, b: u32) -> f64 {
        let joint = 0.5 * (self.joint_from(a, b) + self.joint_from(b, a));
        if joint <= 0.0 || self.total <= 0.0 {
            return -1.0;
        }
        let p = |x: u32| self.counts[x as usize].max(1) as f64 / self.total;
        let denominator = -joint.ln();
        if denominator <= 0.0 {
            return 1.0;
        }
        ((joint / (p(a) * p(b))).ln() / denominator).clamp(-1.0, 1.0)
    }

    /// Reorders the first [`COHERENT_POOL`] of `ids` (best first by representativeness): the
    /// first stays, then each next is the one with the highest mean NPMI with those chosen
    /// plus `weight` × its `value` on the community, ties to the more representative.
    fn order_coherently(&self, ids: &mut [u32], weight: f64, value: impl Fn(u32) -> f64) {
        let pool = ids.len().min(COHERENT_POOL);
        if pool < 3 {
            return;
        }
        let mut sum = vec![0.0f64; pool];
        let mut own: Vec<f64> = ids[..pool].iter().map(|&w| weight * value(w)).collect();
        for chosen in 1..pool {
            let last = ids[chosen - 1];
            for (i, s) in sum.iter_mut().enumerate().skip(chosen) {
                *s += self.npmi(last, ids[i]);
            }
            let score = |i: usize| sum[i] / chosen as f64 + own[i];
            let best = (chosen..pool)
                .max_by(|&x, &y| score(x).total_cmp(&score(y)).then(y.cmp(&x)))
                .expect("a candidate is left");
            ids[chosen..=best].rotate_right(1);
            sum[chosen..=best].rotate_right(1);
            own[chosen..=best].rotate_right(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::louvain::{Dendrogram, Level};
    use crate::vocab::Vocabulary;

    fn level(partition: Vec<u32>, n: usize) -> Level {
        Level {
            partition,
            n_communities: n,
            modularity: 0.0,
            standard_modularity: 0.0,
            passes: 1,
            resolution: 1.0,
        }
    }

    /// Community 0: "philtre" (seen 5 times, node recall 1.0), "love" (900 times, 0.8),
    /// "potion" (60 times, 0.9); community 1: "market" (500, 0.7), "bond" (40, 0.95).
    /// One coarse level puts them all together.
    fn model() -> SinrModel {
        let vocab = Vocabulary::from_counts(vec![
            ("philtre".into(), 5),
            ("love".into(), 900),
            ("potion".into(), 60),
            ("market".into(), 500),
            ("bond".into(), 40),
        ]);
        let id = |w: &str| vocab.id(w).unwrap().index();
        let spec = [
            ("philtre", 0, 1.0),
            ("love", 0, 0.8),
            ("potion", 0, 0.9),
            ("market", 1, 0.7),
            ("bond", 1, 0.95),
        ];
        let mut rows = vec![Vec::new(); 5];
        let mut part = vec![0u32; 5];
        for (w, c, v) in spec {
            rows[id(w)] = vec![(c, v)];
            part[id(w)] = c;
        }
        two_levels(vocab, part, 2, rows)
    }

    /// A model at level 0 with `fine` communities, a column each, and one coarse community
    /// above them all.
    fn two_levels(
        vocab: Vocabulary,
        part: Vec<u32>,
        fine: usize,
        rows: Vec<Vec<(u32, f64)>>,
    ) -> SinrModel {
        let words = part.len();
        let dendrogram = Dendrogram {
            resolution: 1.0,
            levels: vec![level(part, fine), level(vec![0; words], 1)],
        };
        SinrModel::new(
            Default::default(),
            vocab,
            dendrogram,
            0,
            (0..fine as u32).collect(),
            SparseMatrix::from_rows(fine, rows),
            Default::default(),
        )
    }

    #[test]
    fn representative_labels_prefer_common_typical_words() {
        let m = model();
        let words = |r, l| m.label_words(l, 3, r).unwrap();
        assert_eq!(
            words(LabelRanking::NodeRecall, 0),
            [vec!["philtre", "potion", "love"], vec!["bond", "market"]]
        );
        // 0.8·ln 900 = 5.4 > 0.9·ln 60 = 3.7 > 1.0·ln 5 = 1.6; 0.7·ln 500 = 4.4 > 0.95·ln 40 = 3.5.
        assert_eq!(
            words(LabelRanking::Representative, 0),
            [vec!["love", "potion", "philtre"], vec!["market", "bond"]]
        );
        assert_eq!(
            words(LabelRanking::Floor(50), 0),
            [vec!["potion", "love", "philtre"], vec!["market", "bond"]]
        );
        assert_eq!(
            words(LabelRanking::Count, 1),
            [vec!["love", "market", "potion"]]
        );
        // At the coarse level a word's value is its fine value (one fine column per word here).
        assert_eq!(
            words(LabelRanking::Representative, 1),
            [vec!["love", "market", "potion"]]
        );
        assert_eq!(
            m.community_labels(0, 1, LabelRanking::default()).unwrap(),
            [vec!["love"], vec!["market"]]
        );
    }

    /// Four words, each its own fine community, one coarse community above them. "alpha" sends
    /// 80 % of its co-occurrence to "gamma" and "gamma" 70 % to "alpha"; "beta" and "delta"
    /// co-occur with no one else. By counts, the representative order is alpha, beta, gamma,
    /// delta.
    fn cooccurring() -> SinrModel {
        let vocab = Vocabulary::from_counts(vec![
            ("alpha".into(), 1000),
            ("beta".into(), 800),
            ("gamma".into(), 600),
            ("delta".into(), 400),
        ]);
        let id = |w: &str| vocab.id(w).unwrap().index();
        let mut rows = vec![Vec::new(); 4];
        let mut part = vec![0u32; 4];
        let (a, b, g, d) = (id("alpha"), id("beta"), id("gamma"), id("delta"));
        for (w, c) in [(a, 0), (b, 1), (g, 2), (d, 3)] {
            part[w] = c;
        }
        rows[a] = vec![(0, 0.2), (2, 0.8)];
        rows[b] = vec![(1, 1.0)];
        rows[g] = vec![(0, 0.7), (2, 0.3)];
        rows[d] = vec![(3, 1.0)];
        two_levels(vocab, part, 4, rows)
    }

    #[test]
    fn cooccurrence_npmi_is_estimated_from_the_node_recalls() {
        let m = cooccurring();
        let id = |w: &str| m.vocab.id(w).unwrap();
        // P(alpha, gamma) = ½ (0.8 · 1000/2800 · 600/600 + 0.7 · 600/2800 · 1000/1000).
        let joint: f64 = 0.5 * (0.8 * 1000.0 / 2800.0 + 0.7 * 600.0 / 2800.0);
        let want = (joint / ((1000.0 / 2800.0) * (600.0 / 2800.0))).ln() / -f64::ln(joint);
        let got = m.cooccurrence_npmi(id("alpha"), id("gamma"));
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        assert_eq!(got, m.cooccurrence_npmi(id("gamma"), id("alpha")));
        // No recorded co-occurrence: −1.
        assert_eq!(m.cooccurrence_npmi(id("alpha"), id("beta")), -1.0);
    }

    #[test]
    fn coherent_labels_put_cooccurring_words_together_and_shorter_labels_are_prefixes() {
        let m = cooccurring();
        assert_eq!(
            m.label_words(1, 4, LabelRanking::Representative).unwrap(),
            [vec!["alpha", "beta", "gamma", "delta"]]
        );
        // alpha first (the most representative), then gamma, which co-occurs with it; beta and
        // delta tie (−1 with both) and go by representativeness.
        assert_eq!(
            m.label_words(1, 4, LabelRanking::Coherent(0)).unwrap(),
            [vec!["alpha", "gamma", "beta", "delta"]]
        );
        assert_eq!(
            m.label_words(1, 2, LabelRanking::Coherent(0)).unwrap(),
            [vec!["alpha", "gamma"]]
        );
        // Every word's value on the coarse community is 1 here, so a weight on it changes
        // nothing.
        assert_eq!(
            m.label_words(1, 4, LabelRanking::Coherent(100)).unwrap(),
            [vec!["alpha", "gamma", "beta", "delta"]]
        );
        // A fine community of one word has nothing to reorder.
        assert_eq!(
            m.label_words(0, 2, LabelRanking::Coherent(50)).unwrap(),
            m.label_words(0, 2, LabelRanking::Representative).unwrap()
        );
    }

    #[test]
    fn the_weight_on_the_value_can_outweigh_cooccurrence() {
        let m = cooccurring();
        let id = |w: &str| m.vocab.id(w).unwrap().0;
        let c = Cooccurrence::new(&m);
        let (a, b, g, d) = (id("alpha"), id("beta"), id("gamma"), id("delta"));
        let value = |w: u32| if w == b { 1.0 } else { 0.0 };
        // NPMI(alpha, gamma) ≈ 0.69 < −1 + 2 · 1 for beta.
        let mut ids = [a, b, g, d];
        c.order_coherently(&mut ids, 2.0, value);
        assert_eq!(ids, [a, b, g, d]);
        // With a small weight, gamma's co-occurrence wins.
        let mut ids = [a, b, g, d];
        c.order_coherently(&mut ids, 0.5, value);
        assert_eq!(ids, [a, g, b, d]);
    }
}
