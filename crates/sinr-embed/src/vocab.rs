//! Word ids and the vocabulary.
//!
//! As in the reference (`sorted(set(tokens))`), word ids are ranks in **lexicographic order** of
//! the words (Rust `str` order = Unicode scalar order = Python's `str` order). The order matters:
//! it is the order in which Louvain visits the nodes.

use serde::{Deserialize, Serialize};

use crate::strtable::StrTable;

/// Index of a word in a [`Vocabulary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WordId(pub u32);

impl WordId {
    /// The id as an index into per-word arrays.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Words in lexicographic order, with their corpus counts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vocabulary {
    words: Vec<String>,
    counts: Vec<u64>,
    index: StrTable,
}

impl Vocabulary {
    /// Builds a vocabulary from `(word, count)` pairs in any order; words are sorted.
    ///
    /// # Panics
    /// If a word appears twice (an internal invariant: counts are merged before).
    pub fn from_counts(mut pairs: Vec<(String, u64)>) -> Self {
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for w in pairs.windows(2) {
            assert!(
                w[0].0 != w[1].0,
                "duplicate word `{}` in vocabulary",
                w[0].0
            );
        }
        let (words, counts): (Vec<_>, Vec<_>) = pairs.into_iter().unzip();
        Self::from_sorted(words, counts)
    }

    /// Builds from already sorted, distinct words (checked) and their counts.
    pub(crate) fn from_sorted(words: Vec<String>, counts: Vec<u64>) -> Self {
        assert_eq!(words.len(), counts.len());
        assert!(
            u32::try_from(words.len()).is_ok(),
            "vocabulary larger than u32"
        );
        let mut index = StrTable::default();
        for (i, w) in words.iter().enumerate() {
            let id = index.insert(w);
            assert_eq!(id as usize, i, "duplicate word `{w}` in vocabulary");
        }
        Self {
            words,
            counts,
            index,
        }
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The id of `word`, if it is in the vocabulary.
    #[inline]
    pub fn id(&self, word: &str) -> Option<WordId> {
        self.index.get(word).map(WordId)
    }

    /// The word of an id.
    ///
    /// # Panics
    /// If the id is out of range.
    pub fn word(&self, id: WordId) -> &str {
        &self.words[id.index()]
    }

    /// The corpus count of an id.
    pub fn count(&self, id: WordId) -> u64 {
        self.counts[id.index()]
    }

    /// All words, in id order.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// All counts, in id order.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Total number of tokens the counts describe.
    pub fn total_count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Keeps only the words for which `keep` is true, preserving order. Returns the new vocabulary
    /// and, for every old id, its new id (if kept).
    pub fn retain(
        &self,
        mut keep: impl FnMut(WordId) -> bool,
    ) -> (Vocabulary, Vec<Option<WordId>>) {
        let mut words = Vec::new();
        let mut counts = Vec::new();
        let mut map = Vec::with_capacity(self.len());
        for (i, (w, &c)) in self.words.iter().zip(&self.counts).enumerate() {
            if keep(WordId(i as u32)) {
                map.push(Some(WordId(words.len() as u32)));
                words.push(w.clone());
                counts.push(c);
            } else {
                map.push(None);
            }
        }
        (Vocabulary::from_sorted(words, counts), map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_lexicographic_order() {
        let v = Vocabulary::from_counts(vec![
            ("zebra".into(), 1),
            ("apple".into(), 5),
            ("Zulu".into(), 2),
        ]);
        assert_eq!(v.words(), ["Zulu", "apple", "zebra"]);
        assert_eq!(v.id("apple"), Some(WordId(1)));
        assert_eq!(v.count(WordId(1)), 5);
        assert_eq!(v.id("pear"), None);
    }

    #[test]
    fn retain_maps_old_ids() {
        let v = Vocabulary::from_counts(vec![("a".into(), 1), ("b".into(), 2), ("c".into(), 3)]);
        let (kept, map) = v.retain(|id| id.0 != 1);
        assert_eq!(kept.words(), ["a", "c"]);
        assert_eq!(map, vec![Some(WordId(0)), None, Some(WordId(1))]);
        assert_eq!(kept.id("c"), Some(WordId(1)));
    }
}
