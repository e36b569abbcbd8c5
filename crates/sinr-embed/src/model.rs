//! A trained SINr model and how to read it: vectors, dimensions, descriptors, neighbours.

use serde::{Deserialize, Serialize};

use crate::config::{SinrConfig, TrainReport};
use crate::error::{Error, Result};
use crate::louvain::Dendrogram;
use crate::postprocess::merge_levels;
use crate::sparse::SparseMatrix;
use crate::vocab::{Vocabulary, WordId};

/// Word vectors whose dimensions are Louvain communities, with everything that made them.
#[derive(Debug, Clone, PartialEq)]
pub struct SinrModel {
    /// The config that produced the model.
    pub config: SinrConfig,
    /// The embedded words (graph nodes), rows of [`SinrModel::matrix`].
    pub vocab: Vocabulary,
    /// Every Louvain level (partitions of the rows).
    pub dendrogram: Dendrogram,
    /// The level the columns belong to.
    pub level: usize,
    /// For every column, the community of `level` it stands for (filtering can drop some).
    pub columns: Vec<u32>,
    /// The vectors, words × dimensions.
    pub matrix: SparseMatrix,
    /// Counts and timings of the run.
    pub report: TrainReport,
}

/// A word and a score (a similarity or a value on a dimension).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// The word.
    pub word: String,
    /// Its score.
    pub score: f64,
}

/// One dimension of a word's vector, with the words that make the dimension readable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionView {
    /// Column index in the matrix.
    pub dimension: usize,
    /// Community id at the model's level.
    pub community: u32,
    /// The word's value on it.
    pub value: f64,
    /// Words with the highest values on the dimension (the reference's stereotypes).
    pub stereotypes: Vec<Scored>,
    /// Members of the community with the highest values (the reference's descriptors).
    pub descriptors: Vec<Scored>,
}

impl SinrModel {
    /// Assembles a model (the parts must agree; checked).
    pub fn new(
        config: SinrConfig,
        vocab: Vocabulary,
        dendrogram: Dendrogram,
        level: usize,
        columns: Vec<u32>,
        matrix: SparseMatrix,
        report: TrainReport,
    ) -> Self {
        assert_eq!(vocab.len(), matrix.n_rows());
        assert_eq!(columns.len(), matrix.n_cols());
        assert!(level < dendrogram.levels.len());
        Self {
            config,
            vocab,
            dendrogram,
            level,
            columns,
            matrix,
            report,
        }
    }

    /// The row of `word`: as written, else as the model's tokenizer wrote the corpus (NFC,
    /// lowercased when it lowercased), so that a query for "War" finds "war".
    pub fn id(&self, word: &str) -> Result<WordId> {
        if let Some(i) = self.vocab.id(word) {
            return Ok(i);
        }
        let t = &self.config.tokenizer;
        if !t.pretokenized {
            use unicode_normalization::UnicodeNormalization as _;
            let mut w: String = word.nfc().collect();
            if t.lowercase {
                w = w.to_lowercase();
            }
            if let Some(i) = self.vocab.id(&w) {
                return Ok(i);
            }
        }
        Err(Error::UnknownWord(word.to_owned()))
    }

    /// The sparse vector of `word`: dimensions and values.
    pub fn vector(&self, word: &str) -> Result<(&[u32], &[f64])> {
        Ok(self.matrix.row(self.id(word)?.index()))
    }

    /// Number of dimensions.
    pub fn dimensions(&self) -> usize {
        self.matrix.n_cols()
    }

    /// The vectors at a coarser Louvain level `l ≥ self.level`: every column is added into its
    /// ancestor's. Filtered-out communities stay out.
    pub fn at_level(&self, l: usize) -> Result<SparseMatrix> {
        self.dendrogram.level(l)?;
        if l < self.level {
            return Err(Error::OutOfRange {
                what: "level (finer than the model's)",
                index: l,
                len: self.level,
            });
        }
        let mut anc: Vec<u32> = self.columns.clone();
        for k in self.level..l {
            let parent = self.dendrogram.parents(k)?;
            for a in &mut anc {
                *a = parent[*a as usize];
            }
        }
        let n = self.dendrogram.levels[l].n_communities;
        Ok(merge_levels(&self.matrix, &anc, n))
    }

    fn check_dim(&self, dim: usize) -> Result<()> {
        if dim >= self.dimensions() {
            return Err(Error::OutOfRange {
                what: "dimension",
                index: dim,
                len: self.dimensions(),
            });
        }
        Ok(())
    }

    /// The `k` words with the highest values on dimension `dim` (ties: lower word id first).
    pub fn stereotypes(&self, dim: usize, k: usize) -> Result<Vec<Scored>> {
        self.check_dim(dim)?;
        let mut col: Vec<(usize, f64)> = (0..self.matrix.n_rows())
            .filter_map(|r| {
                let v = self.matrix.get(r, dim as u32);
                (v > 0.0).then_some((r, v))
            })
            .collect();
        Ok(self.top_words(&mut col, k))
    }

    /// The `k` members of dimension `dim`'s community with the highest values on it.
    pub fn descriptors(&self, dim: usize, k: usize) -> Result<Vec<Scored>> {
        self.check_dim(dim)?;
        let community = self.columns[dim];
        let part = &self.dendrogram.levels[self.level].partition;
        let mut col: Vec<(usize, f64)> = part
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c == community)
            .map(|(r, _)| (r, self.matrix.get(r, dim as u32)))
            .collect();
        Ok(self.top_words(&mut col, k))
    }

    fn top_words(&self, col: &mut [(usize, f64)], k: usize) -> Vec<Scored> {
        col.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        col.iter()
            .take(k)
            .map(|&(r, v)| Scored {
                word: self.vocab.word(WordId(r as u32)).to_owned(),
                score: v,
            })
            .collect()
    }

    /// The `k` strongest dimensions of `word`, each with `n` stereotypes and descriptors.
    pub fn describe(&self, word: &str, k: usize, n: usize) -> Result<Vec<DimensionView>> {
        let (idx, val) = self.vector(word)?;
        let mut dims: Vec<(u32, f64)> = idx.iter().copied().zip(val.iter().copied()).collect();
        dims.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        dims.truncate(k);
        dims.into_iter()
            .map(|(d, v)| {
                Ok(DimensionView {
                    dimension: d as usize,
                    community: self.columns[d as usize],
                    value: v,
                    stereotypes: self.stereotypes(d as usize, n)?,
                    descriptors: self.descriptors(d as usize, n)?,
                })
            })
            .collect()
    }

    /// An index for repeated cosine-similarity queries.
    pub fn similarity_index(&self) -> SimilarityIndex<'_> {
        SimilarityIndex::new(&self.matrix, &self.vocab)
    }
}

/// The index of cosine-similarity queries over the rows of a matrix, owned (the transposed
/// matrix and the row norms): a query only visits the rows that share a column with it. It
/// holds no borrow, so a long-lived object (a Python model) can keep it beside its matrix;
/// [`SimilarityIndex`] pairs it with the matrix and the vocabulary.
#[derive(Debug, Clone)]
pub struct CosineIndex {
    by_column: SparseMatrix,
    norms: Vec<f64>,
}

impl CosineIndex {
    /// Builds the index of `m` (O(nnz)).
    pub fn new(m: &SparseMatrix) -> Self {
        Self {
            by_column: m.transpose(),
            norms: m.row_norms(),
        }
    }

    /// Cosine similarity of rows `a` and `b` of `m`, the matrix the index was built from (0 if
    /// either row is zero).
    pub fn cosine(&self, m: &SparseMatrix, a: usize, b: usize) -> f64 {
        let dot = sinr_util::sparse_dot(m.row(a), m.row(b));
        let n = self.norms[a] * self.norms[b];
        if n > 0.0 { dot / n } else { 0.0 }
    }

    /// The `k` rows of `m` (the matrix the index was built from) most similar to row `q` by
    /// cosine, `q` excluded; best first, ties by lower row.
    pub fn most_similar(&self, m: &SparseMatrix, q: usize, k: usize) -> Vec<(u32, f64)> {
        let qn = self.norms[q];
        if qn == 0.0 || k == 0 {
            return Vec::new();
        }
        let mut dots = vec![0.0f64; m.n_rows()];
        let mut touched = Vec::new();
        let (idx, val) = m.row(q);
        for (&c, &v) in idx.iter().zip(val) {
            let (rows, vals) = self.by_column.row(c as usize);
            for (&r, &x) in rows.iter().zip(vals) {
                if dots[r as usize] == 0.0 {
                    touched.push(r);
                }
                dots[r as usize] += v * x;
            }
        }
        let mut scored: Vec<(u32, f64)> = touched
            .into_iter()
            .filter(|&r| r as usize != q)
            .map(|r| (r, dots[r as usize] / (qn * self.norms[r as usize])))
            .collect();
        let order = |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if scored.len() > k {
            // A total order: selecting the k best, then sorting them, gives the full sort's
            // first k.
            scored.select_nth_unstable_by(k - 1, order);
            scored.truncate(k);
        }
        scored.sort_by(order);
        scored
    }
}

/// Cosine similarity between words: a [`CosineIndex`] with the matrix and vocabulary it reads.
#[derive(Debug)]
pub struct SimilarityIndex<'a> {
    matrix: &'a SparseMatrix,
    vocab: &'a Vocabulary,
    index: CosineIndex,
}

impl<'a> SimilarityIndex<'a> {
    /// Builds the index (O(nnz)).
    pub fn new(matrix: &'a SparseMatrix, vocab: &'a Vocabulary) -> Self {
        Self {
            matrix,
            vocab,
            index: CosineIndex::new(matrix),
        }
    }

    /// Cosine similarity of two words (0 if either vector is zero).
    pub fn cosine(&self, a: WordId, b: WordId) -> f64 {
        self.index.cosine(self.matrix, a.index(), b.index())
    }

    /// The `k` words most similar to `word` by cosine, excluding itself (ties: lower id first).
    pub fn most_similar(&self, word: &str, k: usize) -> Result<Vec<Scored>> {
        let q = self
            .vocab
            .id(word)
            .ok_or_else(|| Error::UnknownWord(word.to_owned()))?;
        Ok(self
            .index
            .most_similar(self.matrix, q.index(), k)
            .into_iter()
            .map(|(r, s)| Scored {
                word: self.vocab.word(WordId(r)).to_owned(),
                score: s,
            })
            .collect())
    }
}
