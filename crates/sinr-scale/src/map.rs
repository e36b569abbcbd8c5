//! The map steps: one shard of the corpus counted into one Parquet file.

use std::path::{Path, PathBuf};

use sinr_embed::{Corpus, Shard, Vocabulary, count_cooccurrences, count_word_occurrences};
use sinr_util::Progress;

use crate::error::{Error, Result};
use crate::files::{
    CountSettings, FORMAT, FileKind, ShardMeta, corpus_files, describe_corpus, pair_batches,
    read_meta, read_words, shard_path, vocabulary_fingerprint, word_batches, write_parquet,
};

/// The file name of the reduced vocabulary in a counts directory.
pub(crate) const VOCABULARY_FILE: &str = "vocabulary.parquet";
/// The file name of the reduced pair counts in a counts directory.
pub(crate) const COUNTS_FILE: &str = "counts.parquet";

/// Map step 1: counts every token of shard `shard` of `corpus` (given whole, without a shard)
/// with `settings`, into `DIR/words/shard-I-of-N.parquet`; returns that path.
///
/// # Errors
/// An unreadable corpus or bad line (naming file and line), invalid settings, or a file that
/// cannot be written. Nothing is left behind on error.
pub fn map_words(
    corpus: &Corpus,
    shard: Shard,
    settings: &CountSettings,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<PathBuf> {
    settings.tokenizer.validate()?;
    settings.cooccurrence.validate()?;
    let files = corpus_files(corpus)?;
    let part = corpus.clone().with_shard(shard);
    let (mut words, stats) = count_word_occurrences(&part, &settings.tokenizer, progress)?;
    progress.finish(&format!(
        "shard {shard}: {} tokens, {} distinct words",
        stats.tokens,
        words.len()
    ));
    words.sort_unstable();
    let meta = ShardMeta {
        format: FORMAT,
        kind: FileKind::Words,
        settings: settings.clone(),
        settings_sha256: settings.fingerprint(),
        corpus: files,
        shard: Some(shard),
        stats,
        vocabulary_sha256: None,
        vocabulary_size: None,
        rows: words.len() as u64,
    };
    let path = shard_path(dir, FileKind::Words, shard);
    write_parquet(&path, &meta, word_batches(&words))?;
    Ok(path)
}

/// The vocabulary of a counts directory (written by [`crate::reduce_words`]), checked against
/// its fingerprint, with its metadata.
pub(crate) fn read_vocabulary(dir: &Path) -> Result<(Vocabulary, ShardMeta, PathBuf)> {
    let path = dir.join(VOCABULARY_FILE);
    if !path.exists() {
        return Err(Error::dir(
            dir,
            format!(
                "no {VOCABULARY_FILE}: reduce the word counts first (`sinr embed count reduce-words {}`)",
                dir.display()
            ),
        ));
    }
    let meta = read_meta(&path)?;
    if meta.kind != FileKind::Vocabulary {
        return Err(Error::file(
            &path,
            format!("holds {:?}, not the vocabulary", meta.kind),
        ));
    }
    let vocab = Vocabulary::from_counts(read_words(&path)?);
    let fp = vocabulary_fingerprint(&vocab);
    if meta.vocabulary_sha256.as_deref() != Some(fp.as_str()) {
        return Err(Error::file(
            &path,
            "its words do not match the fingerprint in its metadata: the file was altered",
        ));
    }
    Ok((vocab, meta, path))
}

/// Map step 2: counts the co-occurrences of shard `shard` of `corpus` over the vocabulary of
/// `dir` (and with the settings stored with it), into `DIR/pairs/shard-I-of-N.parquet`;
/// returns that path.
///
/// # Errors
/// No vocabulary in `dir`, a corpus other than the one it was made from (file names and sizes),
/// an unreadable corpus or bad line, or a file that cannot be written.
pub fn map_pairs(
    corpus: &Corpus,
    shard: Shard,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<PathBuf> {
    let (vocab, vmeta, vpath) = read_vocabulary(dir)?;
    let files = corpus_files(corpus)?;
    if files != vmeta.corpus {
        return Err(Error::file(
            &vpath,
            format!(
                "was made from another corpus ({}) than the one given ({})",
                describe_corpus(&vmeta.corpus),
                describe_corpus(&files)
            ),
        ));
    }
    let settings = &vmeta.settings;
    let part = corpus.clone().with_shard(shard);
    let (m, stats) = count_cooccurrences(
        &part,
        &settings.tokenizer,
        &vocab,
        &settings.cooccurrence,
        progress,
    )?;
    let meta = ShardMeta {
        format: FORMAT,
        kind: FileKind::Pairs,
        settings: settings.clone(),
        settings_sha256: vmeta.settings_sha256.clone(),
        corpus: files,
        shard: Some(shard),
        stats,
        vocabulary_sha256: vmeta.vocabulary_sha256.clone(),
        vocabulary_size: Some(vocab.len()),
        rows: m.nnz() as u64,
    };
    let path = shard_path(dir, FileKind::Pairs, shard);
    write_parquet(
        &path,
        &meta,
        pair_batches(m.iter().map(|(a, b, n)| (a.0, b.0, n))),
    )?;
    Ok(path)
}
