//! SINr past one machine: counting words and co-occurrences as a map-reduce over shards of a
//! corpus, with the reduce run by an existing engine.
//!
//! Counting is the only part of SINr that grows with the corpus; the graph, Louvain and node
//! recall work on the vocabulary, which stays small. So counting is split into steps that any
//! scheduler can run, each writing Parquet files into one counts directory `DIR`:
//!
//! 1. **map words** ([`map_words`], `sinr embed count words --shard I/N`): shard `I` of `N`
//!    of the corpus (see [`sinr_embed::Shard`]) is tokenised and every distinct token counted,
//!    into `DIR/words/shard-I-of-N.parquet` (`word: utf8, n: uint64`).
//! 2. **reduce words** ([`reduce_words`]): the shards' counts summed
//!    (`SELECT word, SUM(n) AS n FROM words GROUP BY word`), then the frequency filter and
//!    `max_vocab` of the settings: the vocabulary every pair shard must use, in
//!    `DIR/vocabulary.parquet` (`word, n`, in word-id order).
//! 3. **map pairs** ([`map_pairs`]): the same shard counted again over that vocabulary, into
//!    `DIR/pairs/shard-I-of-N.parquet` (`a: uint32, b: uint32, n: uint64`, word ids with
//!    `a < b`, the unordered pairs of the window).
//! 4. **reduce pairs** ([`reduce_pairs`]):
//!    `SELECT a, b, SUM(n) AS n FROM pairs GROUP BY a, b ORDER BY a, b`, into
//!    `DIR/counts.parquet`.
//!
//! Both reduces are plain SQL over Parquet ([`WORDS_QUERY`], [`PAIRS_QUERY`]), run by
//! [Apache DataFusion](https://datafusion.apache.org) in this process (spilling to disk under a
//! memory limit), or by a [Ballista](https://datafusion.apache.org/ballista/) cluster with the
//! `ballista` feature; Spark or any other engine can run the same query over the same files.
//! [`load_counts`] then gives the vocabulary and the co-occurrence matrix that
//! [`sinr_embed::train_from_corpus_counts`] embeds on one machine: the same model as
//! [`sinr_embed::train`] on the whole corpus.
//!
//! Every file carries, in its Parquet key-value metadata (key [`META_KEY`]), the settings it
//! was made with and their fingerprint, the corpus (file names and sizes), its shard, the text
//! statistics, and for pairs the vocabulary's fingerprint. A reduce checks them all first and
//! refuses to mix shards of different settings, corpora, shard counts or vocabularies, naming
//! the file; a missing, repeated or unreadable shard is an error naming it. Every file is
//! written to a temporary name and renamed, so a map step that fails half-way leaves no shard.

#[cfg(feature = "ballista")]
pub mod cluster;
mod error;
mod files;
mod map;
mod reduce;

pub use error::{Error, Result};
pub use files::{CountSettings, FileKind, META_KEY, ShardMeta, read_meta};
pub use map::{map_pairs, map_words};
pub use reduce::{
    CountedCorpus, Engine, PAIRS_QUERY, Reduced, Spilled, WORDS_QUERY, count_locally, load_counts,
    reduce_pairs, reduce_words,
};
