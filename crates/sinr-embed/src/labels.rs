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
}

impl LabelRanking {
    /// Every ranking measured, the default first after node recall.
    pub const MEASURED: [LabelRanking; 4] = [
        LabelRanking::NodeRecall,
        LabelRanking::Representative,
        LabelRanking::Count,
        LabelRanking::Floor(50),
    ];

    /// A short name (`node-recall`, `representative`, `count`, `floor-50`).
    pub fn name(self) -> String {
        match self {
            LabelRanking::NodeRecall => "node-recall".into(),
            LabelRanking::Representative => "representative".into(),
            LabelRanking::Count => "count".into(),
            LabelRanking::Floor(f) => format!("floor-{f}"),
        }
    }

    /// The sort key of a member with `value` on the community, counted `count` times (higher
    /// first).
    fn key(self, value: f64, count: u64) -> (u8, f64) {
        match self {
            LabelRanking::NodeRecall => (0, value),
            LabelRanking::Representative => (0, representative_score(value, count)),
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
        Ok(members
            .into_iter()
            .map(|mut v| {
                sort_members(&mut v);
                v.into_iter().take(n).map(|(_, w)| WordId(w)).collect()
            })
            .collect())
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
        let matrix = SparseMatrix::from_rows(2, rows);
        let dendrogram = Dendrogram {
            resolution: 1.0,
            levels: vec![level(part, 2), level(vec![0; 5], 1)],
        };
        SinrModel::new(
            Default::default(),
            vocab,
            dendrogram,
            0,
            vec![0, 1],
            matrix,
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
}
