//! SINr word embeddings (Prouteau, Dugué et al.): sparse word vectors whose dimensions are the
//! communities of a word co-occurrence graph, so that every dimension can be read through its
//! words.
//!
//! The pipeline, one module and one public function per step, each with a config whose
//! `Default` is the Python reference's (`sinr` 1.4.2, see `docs/architecture.md`):
//!
//! 1. [`count_words`] — stream the corpus, tokenise, build the [`Vocabulary`] (`min_freq`);
//! 2. [`count_cooccurrences`] — symmetric window, same-word pairs skipped, in parallel;
//! 3. [`filter_pmi`] — keep the pairs with positive PMI (reference or textbook convention);
//! 4. [`build_graph`] — the weighted undirected graph ([`CsrGraph`], read through petgraph's
//!    traits), isolated words dropped;
//! 5. [`detect_communities`] — our Louvain: networkit-PLM-like one level, or every level;
//! 6. [`node_recall`] / [`node_predominance`] — the vectors;
//! 7. [`threshold`], [`sparsify`], [`filter_dimensions`], [`merge_levels`] — post-processing.
//!
//! [`train`] runs them all and returns a [`SinrModel`], which can be saved, loaded, described
//! and exported to the word2vec text format.
//!
//! # Example
//!
//! ```
//! use sinr_embed::{
//!     CooccurrenceConfig, LouvainConfig, Vocabulary, WordId, build_graph, count_units,
//!     detect_communities, filter_pmi, node_recall, PmiConfig,
//! };
//!
//! // Two topics that never share a sentence.
//! let text = [
//!     "cat dog pet", "dog pet cat", "pet cat dog",
//!     "stock bond market", "bond market stock", "market stock bond",
//! ];
//! let mut words: Vec<String> = text.iter().flat_map(|s| s.split(' ')).map(String::from).collect();
//! words.sort();
//! words.dedup();
//! let vocab = Vocabulary::from_counts(words.into_iter().map(|w| (w, 3)).collect());
//! let units: Vec<Vec<WordId>> = text
//!     .iter()
//!     .map(|s| s.split(' ').map(|w| vocab.id(w).unwrap()).collect())
//!     .collect();
//! let cooc = count_units(vocab.len(), units.iter().map(|u| u.as_slice()), &CooccurrenceConfig::default())?;
//! let graph = build_graph(&filter_pmi(&cooc, &PmiConfig::default())?, &vocab)?;
//! let csr = &graph.graph;
//! let levels = detect_communities(csr, &LouvainConfig { resolution: 1.0, ..Default::default() })?;
//! let fine = &levels.levels[0];
//! assert_eq!(fine.n_communities, 2);
//! let nr = node_recall(csr, &fine.partition, fine.n_communities);
//! // "cat" puts all its weight in its own community.
//! let cat = graph.vocab.id("cat").unwrap().index();
//! assert_eq!(nr.row(cat).1, &[1.0]);
//! # Ok::<(), sinr_embed::Error>(())
//! ```

mod align;
mod config;
mod cooccurrence;
mod dense;
mod error;
mod graph;
mod labels;
mod louvain;
mod model;
mod model_file;
mod node_recall;
mod pair_runs;
mod pmi;
mod postprocess;
mod sparse;
pub mod stopwords;
mod strtable;
mod tokenize;
mod train;
mod vocab;

pub use align::{AlignedCommunity, Alignment, align_communities};
pub use config::{SinrConfig, StageTimes, TrainReport};
pub use cooccurrence::{
    CooccurrenceConfig, CooccurrenceMatrix, KEEP_IDS_BYTES, count_cooccurrences, count_units,
    count_words_and_cooccurrences,
};
pub use dense::{DenseVectors, PpmiSvdConfig, ppmi_svd};
pub use error::{Error, Result};
pub use graph::{
    CsrEdge, CsrEdgeReferences, CsrEdges, CsrGraph, CsrNodeReferences, CsrVisitMap, WordGraph,
    build_graph,
};
pub use labels::{COHERENT_POOL, LabelRanking, representative_score};
pub use louvain::{
    CommunityId, Dendrogram, Level, LouvainConfig, LouvainMode, MOVE_BATCH, Moves,
    detect_communities, modularity,
};
pub use model::{CosineIndex, DimensionView, Scored, SimilarityIndex, SinrModel};
pub use model_file::{FORMAT_VERSION, stored_checksum};
pub use node_recall::{node_predominance, node_recall};
pub use pmi::{PmiConfig, PmiConvention, filter_pmi, reference_exp_pmi};
pub use postprocess::{PostprocessConfig, filter_dimensions, merge_levels, sparsify, threshold};
pub use sparse::SparseMatrix;
pub use tokenize::{
    Corpus, CorpusStats, InvalidUtf8, Shard, StopSet, StopWords, TextChunk, TokenizerConfig, Unit,
    clean_web_text, count_word_occurrences, count_words, describe_paths, read_chunks,
    select_vocabulary, tokenize_text, write_tokenized,
};
pub use train::{train, train_from_corpus_counts, train_from_counts, train_from_graph};
pub use vocab::{Vocabulary, WordId};
