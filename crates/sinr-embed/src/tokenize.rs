//! Reading and tokenising a corpus as a stream.
//!
//! A corpus is a list of UTF-8 text files. It is never held in memory: files are read in chunks
//! of whole lines ([`read_chunks`]), and each chunk is tokenised on its own
//! ([`TextChunk::for_each_unit`]), so chunks can be processed in parallel and a corpus larger
//! than memory works. Building the vocabulary ([`count_words`]) is a first pass over the corpus;
//! counting co-occurrences is a second pass (see [`crate::cooccurrence`]), over the ids the
//! first pass kept when they fit in [`crate::KEEP_IDS_BYTES`], else over the text again.
//!
//! Tokenising follows the reference's defaults where they can be reproduced without spaCy:
//! lowercase, tokens are maximal runs of letters (`char::is_alphabetic`), tokens shorter than
//! `min_token_len` characters are dropped (the reference keeps lemmas with `len > 3`), stop words
//! are dropped, units with fewer than `min_unit_tokens` tokens are dropped **before** the
//! frequency filter, and words seen fewer than `min_freq` times are removed from the units
//! afterwards (so a unit can end up shorter). The reference lemmatises with spaCy; we do not.
//!
//! Text is put in Unicode normalisation form C (NFC) after lowercasing and before splitting, so
//! that canonically equivalent spellings are one word: a decomposed "café" (`e` + U+0301, a
//! combining mark, which is not a letter) is the same single token as the precomposed one. This
//! applies to pre-tokenised input too, and to user-given stop words. Only lines that are
//! not ASCII and fail the NFC quick check are rewritten (into a buffer reused from line to line),
//! so ASCII and NFC text is tokenised in place, as before.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::error::{Error, Result};
use crate::stopwords;
use crate::strtable::StrTable;
use crate::vocab::Vocabulary;
use sinr_util::{Progress, ProgressUnit};

/// What a co-occurrence window may not cross.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// A line of the input file.
    Line,
    /// A sentence: a line is also cut after `.`, `!`, `?` (the reference uses spaCy sentences).
    #[default]
    Sentence,
}

/// Which stop words to drop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StopWords {
    /// Keep every word.
    None,
    /// The built-in English list ([`crate::stopwords::ENGLISH`]); the reference drops stop words by default.
    #[default]
    English,
    /// A user-given list (compared after lowercasing and NFC normalisation, as tokens are).
    List(Vec<String>),
}

/// What to do with a line that is not valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum InvalidUtf8 {
    /// Skip the line and count it (the count is in [`CorpusStats::skipped_lines`]).
    #[default]
    Skip,
    /// Stop with an error naming the file and line.
    Fail,
}

/// How text becomes units of tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenizerConfig {
    /// Input is already tokenised: one unit per line, tokens separated by whitespace, used as
    /// they are (no lowercasing, no length or stop-word filter; `min_freq` still applies), but
    /// in NFC like all text.
    pub pretokenized: bool,
    /// Lowercase the text before splitting (reference: `lower_words=True`).
    pub lowercase: bool,
    /// Minimum token length in characters (reference: lemmas with `len > 3`, i.e. 4).
    pub min_token_len: usize,
    /// Stop words to drop (reference: spaCy's, dropped by default).
    pub stop_words: StopWords,
    /// Unit of co-occurrence (reference: sentences).
    pub unit: Unit,
    /// Units with fewer tokens are dropped before the frequency filter (reference:
    /// `len > min_length_doc` with `min_length_doc=2`, i.e. 3).
    pub min_unit_tokens: usize,
    /// Words seen fewer times are removed (reference README: 20).
    pub min_freq: u64,
    /// Keep at most this many words, the most frequent (ties: alphabetical), after `min_freq`
    /// (`None`: no limit). It bounds the graph, the co-occurrence pairs and the vectors whatever
    /// the corpus; the summary says how many words it dropped.
    pub max_vocab: Option<usize>,
    /// Web text: drop URLs, e-mail addresses and @handles, and split #hashtags into their
    /// words ("#BlackFriday" → "Black Friday") before tokenising ([`clean_web_text`]); without
    /// it (the reference's behaviour), a link's letter runs become words. `sinr train` turns it
    /// on for the texts it classifies.
    #[serde(default)]
    pub web_text: bool,
    /// Policy for lines that are not valid UTF-8.
    pub invalid_utf8: InvalidUtf8,
    /// Longest accepted line, in bytes; a longer one is an error naming the line.
    pub max_line_bytes: usize,
    /// Size of the chunks the corpus is read and processed in, in bytes (whole lines). It
    /// bounds the memory of a pass and sets the grain of parallelism; results do not depend on it.
    pub chunk_bytes: usize,
}

impl Default for TokenizerConfig {
    fn default() -> Self {
        Self {
            pretokenized: false,
            lowercase: true,
            min_token_len: 4,
            stop_words: StopWords::English,
            unit: Unit::Sentence,
            min_unit_tokens: 3,
            min_freq: 20,
            max_vocab: None,
            web_text: false,
            invalid_utf8: InvalidUtf8::Skip,
            max_line_bytes: 64 << 20,
            chunk_bytes: 1 << 20,
        }
    }
}

impl TokenizerConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        if self.min_token_len == 0 {
            return Err(Error::config("min_token_len", "must be at least 1"));
        }
        if self.min_freq == 0 {
            return Err(Error::config("min_freq", "must be at least 1"));
        }
        if self.max_vocab == Some(0) {
            return Err(Error::config("max_vocab", "must be at least 1"));
        }
        if self.max_line_bytes < 16 {
            return Err(Error::config("max_line_bytes", "must be at least 16"));
        }
        if self.chunk_bytes == 0 {
            return Err(Error::config("chunk_bytes", "must be at least 1"));
        }
        if let StopWords::List(words) = &self.stop_words
            && let Some(w) = words.iter().find(|w| w.trim().is_empty())
        {
            return Err(Error::config(
                "stop_words",
                format!("contains an empty word ({w:?})"),
            ));
        }
        Ok(())
    }

    /// The stop-word set this config asks for.
    pub fn stop_set(&self) -> StopSet {
        let words: FxHashSet<String> = match &self.stop_words {
            StopWords::None => FxHashSet::default(),
            StopWords::English => stopwords::ENGLISH.iter().map(|w| (*w).to_owned()).collect(),
            StopWords::List(list) => list
                .iter()
                .map(|w| w.trim().to_lowercase().nfc().collect())
                .collect(),
        };
        StopSet { words }
    }
}

/// A set of stop words, built once per run.
#[derive(Debug, Clone, Default)]
pub struct StopSet {
    words: FxHashSet<String>,
}

impl StopSet {
    /// Whether `word` is a stop word.
    #[inline]
    pub fn contains(&self, word: &str) -> bool {
        !self.words.is_empty() && self.words.contains(word)
    }
}

/// The input of the pipeline: text files read in order, whole or one shard of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Corpus {
    /// The files.
    pub paths: Vec<PathBuf>,
    /// Read only this part of the files (`None`: all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

/// Part `index` of `count` of a corpus, for counting on many machines (`sinr embed count`).
///
/// The files are seen as one sequence of bytes, cut into `count` ranges of equal size; a shard
/// holds the lines that **start** in its range (the rule of Hadoop's line splits), so every line
/// belongs to exactly one shard, no line is cut, and a shard is read by seeking to its range
/// without reading the rest. Units never span lines, so the counts of the shards add up to the
/// counts of the whole corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// 0-based index, below `count`.
    pub index: usize,
    /// Number of shards, at least 1.
    pub count: usize,
}

impl Shard {
    /// Shard `index` of `count`, checked.
    pub fn new(index: usize, count: usize) -> Result<Self> {
        if count == 0 {
            return Err(Error::config(
                "shard",
                format!("{index}/0: there must be at least one shard"),
            ));
        }
        if index >= count {
            return Err(Error::config(
                "shard",
                format!(
                    "{index}/{count}: the index must be below the number of shards (0/{count} … {}/{count})",
                    count - 1
                ),
            ));
        }
        Ok(Self { index, count })
    }

    /// The byte range `[lo, hi)` of this shard in a sequence of `total` bytes.
    pub fn range(&self, total: u64) -> (u64, u64) {
        let at = |i: usize| (u128::from(total) * i as u128 / self.count as u128) as u64;
        (at(self.index), at(self.index + 1))
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = Error;

    /// `I/N`, as `sinr embed count --shard 3/8` writes it.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::config(
                "shard",
                format!(
                    "`{s}` is not I/N (the 0-based index of the shard, a slash, the number of shards)"
                ),
            )
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i = i.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Shard::new(i, n)
    }
}

impl Corpus {
    /// A corpus of the given files.
    pub fn new(paths: impl IntoIterator<Item = impl Into<PathBuf>>) -> Self {
        Self {
            paths: paths.into_iter().map(Into::into).collect(),
            shard: None,
        }
    }

    /// The same files, only `shard` of them.
    pub fn with_shard(mut self, shard: Shard) -> Self {
        self.shard = Some(shard);
        self
    }

    /// The size in bytes of every file, checking that each exists and can be opened.
    pub fn file_sizes(&self) -> Result<Vec<u64>> {
        if self.paths.is_empty() {
            return Err(Error::Empty("no corpus file given".into()));
        }
        let mut sizes = Vec::with_capacity(self.paths.len());
        for p in &self.paths {
            let f = File::open(p).map_err(|e| Error::io(p, e))?;
            let meta = f.metadata().map_err(|e| Error::io(p, e))?;
            if meta.is_dir() {
                return Err(Error::io(
                    p,
                    std::io::Error::other("is a directory, not a text file"),
                ));
            }
            sizes.push(meta.len());
        }
        Ok(sizes)
    }

    /// Checks that every file exists and can be opened; returns the size in bytes of what will
    /// be read (the whole corpus, or the shard's range).
    pub fn check(&self) -> Result<u64> {
        let total: u64 = self.file_sizes()?.iter().sum();
        Ok(match self.shard {
            None => total,
            Some(s) => {
                let (lo, hi) = s.range(total);
                hi - lo
            }
        })
    }

    /// For every file, the byte range of it to read: whole files, or the part of the shard's
    /// range that falls in each (a line belongs to the range it starts in).
    fn file_ranges(&self) -> Result<Vec<Option<(u64, u64)>>> {
        let sizes = self.file_sizes()?;
        let Some(shard) = self.shard else {
            return Ok(sizes.iter().map(|&s| Some((0, s))).collect());
        };
        let (lo, hi) = shard.range(sizes.iter().sum());
        let mut start = 0;
        let mut out = Vec::with_capacity(sizes.len());
        for &size in &sizes {
            let (a, b) = (lo.max(start), hi.min(start + size));
            out.push((a < b).then(|| (a - start, b - start)));
            start += size;
        }
        Ok(out)
    }
}

/// A run of whole lines of one file.
#[derive(Debug, Clone)]
pub struct TextChunk {
    path: Arc<Path>,
    /// 1-based number of the first line.
    first_line: u64,
    /// The raw bytes, every line ending in `\n` (the last one may not).
    data: Vec<u8>,
}

/// Counts gathered while reading.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusStats {
    /// Bytes read.
    pub bytes: u64,
    /// Lines read.
    pub lines: u64,
    /// Lines skipped because they were not valid UTF-8.
    pub skipped_lines: u64,
    /// Units kept (with at least `min_unit_tokens` tokens).
    pub units: u64,
    /// Tokens in the kept units, before the frequency filter.
    pub tokens: u64,
}

impl CorpusStats {
    /// Adds the counts of another part of the corpus.
    pub fn add(&mut self, o: &CorpusStats) {
        self.bytes += o.bytes;
        self.lines += o.lines;
        self.skipped_lines += o.skipped_lines;
        self.units += o.units;
        self.tokens += o.tokens;
    }
}

/// Reads the corpus in chunks of whole lines and hands them to `sink` in batches of `batch`
/// chunks (so a batch can be processed in parallel). Reports progress in bytes.
pub fn read_chunks(
    corpus: &Corpus,
    cfg: &TokenizerConfig,
    chunk_bytes: usize,
    batch: usize,
    progress: &dyn Progress,
    mut sink: impl FnMut(Vec<TextChunk>) -> Result<()>,
) -> Result<()> {
    let batch = batch.max(1);
    let mut pending = Vec::with_capacity(batch);
    let ranges = corpus.file_ranges()?;
    for (path, range) in corpus.paths.iter().zip(ranges) {
        let Some((from, to)) = range else { continue };
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        // A shard that starts inside a file: its first line is the first that starts at or
        // after `from`, found by reading from the byte before (lines are then numbered from
        // there, and errors name that byte).
        let mut pos = 0u64;
        let shown = if from > 0 {
            file.seek(SeekFrom::Start(from - 1))
                .map_err(|e| Error::io(path, e))?;
            PathBuf::from(format!("{} (from byte {from})", path.display()))
        } else {
            path.clone()
        };
        let shared: Arc<Path> = Arc::from(shown.as_path());
        let mut reader = BufReader::with_capacity(1 << 16, file);
        if from > 0 {
            let mut skipped = Vec::new();
            let n = (&mut reader)
                .take(cfg.max_line_bytes as u64 + 2)
                .read_until(b'\n', &mut skipped)
                .map_err(|e| Error::io(path, e))?;
            if !skipped.ends_with(b"\n") && n as u64 == cfg.max_line_bytes as u64 + 2 {
                return Err(Error::io(
                    path,
                    std::io::Error::other(format!(
                        "the line across byte {from} (where shard {} starts) is longer than max_line_bytes = {}",
                        corpus.shard.map_or_else(String::new, |s| s.to_string()),
                        cfg.max_line_bytes
                    )),
                ));
            }
            pos = from - 1 + n as u64;
        }
        let mut line_no: u64 = 0;
        loop {
            let mut data = Vec::with_capacity(chunk_bytes + 4096);
            let first_line = line_no + 1;
            while data.len() < chunk_bytes && pos < to {
                let before = data.len();
                let limit = cfg.max_line_bytes as u64 + 1;
                let n = (&mut reader)
                    .take(limit)
                    .read_until(b'\n', &mut data)
                    .map_err(|e| Error::io(path, e))?;
                if n == 0 {
                    break;
                }
                pos += n as u64;
                line_no += 1;
                let line = &data[before..];
                let content = line.strip_suffix(b"\n").unwrap_or(line);
                if content.len() > cfg.max_line_bytes {
                    return Err(Error::LineTooLong {
                        path: path.clone(),
                        line: line_no,
                        limit: cfg.max_line_bytes,
                    });
                }
                if !line.ends_with(b"\n") {
                    // Last line of the file without a newline: terminate it so that chunks of
                    // different files never merge lines.
                    data.push(b'\n');
                }
            }
            if data.is_empty() {
                break;
            }
            progress.advance(data.len() as u64);
            pending.push(TextChunk {
                path: shared.clone(),
                first_line,
                data,
            });
            if pending.len() == batch {
                sink(std::mem::replace(&mut pending, Vec::with_capacity(batch)))?;
            }
        }
    }
    if !pending.is_empty() {
        sink(pending)?;
    }
    Ok(())
}

impl TextChunk {
    /// A chunk made from in-memory text (for tests and small inputs).
    pub fn from_text(path: impl AsRef<Path>, text: &str) -> Self {
        let mut data = text.as_bytes().to_vec();
        if !data.is_empty() && !data.ends_with(b"\n") {
            data.push(b'\n');
        }
        Self {
            path: Arc::from(path.as_ref()),
            first_line: 1,
            data,
        }
    }

    /// Tokenises the chunk and calls `f` with the tokens of every kept unit, in order.
    pub fn for_each_unit(
        &self,
        cfg: &TokenizerConfig,
        stop: &StopSet,
        mut f: impl FnMut(&[&str]),
    ) -> Result<CorpusStats> {
        let mut stats = CorpusStats {
            bytes: self.data.len() as u64,
            ..CorpusStats::default()
        };
        let mut lowered = String::new();
        let mut composed = String::new();
        let mut cleaned = String::new();
        for (i, raw) in self.data.split_inclusive(|&b| b == b'\n').enumerate() {
            stats.lines += 1;
            let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let line = match std::str::from_utf8(raw) {
                Ok(s) => s,
                Err(e) => match cfg.invalid_utf8 {
                    InvalidUtf8::Skip => {
                        stats.skipped_lines += 1;
                        continue;
                    }
                    InvalidUtf8::Fail => {
                        return Err(Error::InvalidUtf8 {
                            path: self.path.to_path_buf(),
                            line: self.first_line + i as u64,
                            byte: e.valid_up_to(),
                        });
                    }
                },
            };
            let mut tokens: Vec<&str> = Vec::new();
            let mut emit = |toks: &mut Vec<&str>, stats: &mut CorpusStats| {
                if !toks.is_empty() && toks.len() >= cfg.min_unit_tokens {
                    stats.units += 1;
                    stats.tokens += toks.len() as u64;
                    f(toks);
                }
                toks.clear();
            };
            let line = if cfg.web_text && !cfg.pretokenized && might_be_web(line) {
                clean_web_text(line, &mut cleaned);
                cleaned.as_str()
            } else {
                line
            };
            let ascii = line.is_ascii();
            if cfg.pretokenized {
                let line = if ascii {
                    line
                } else {
                    to_nfc(line, &mut composed)
                };
                tokens.extend(line.split_whitespace());
                emit(&mut tokens, &mut stats);
                continue;
            }
            let text: &str = if cfg.lowercase && ascii {
                if line.bytes().any(|b| b.is_ascii_uppercase()) {
                    lowered.clear();
                    lowered.push_str(line);
                    lowered.make_ascii_lowercase();
                    &lowered
                } else {
                    line
                }
            } else if cfg.lowercase && line.chars().any(changes_when_lowercased) {
                lowered.clear();
                lowered.extend(line.chars().flat_map(char::to_lowercase));
                &lowered
            } else {
                line
            };
            // ASCII stays ASCII when lowercased, and ASCII is NFC.
            let text = if ascii {
                text
            } else {
                to_nfc(text, &mut composed)
            };
            split_letters(text, cfg, stop, &mut tokens, &mut |toks| {
                emit(toks, &mut stats)
            });
            emit(&mut tokens, &mut stats);
        }
        Ok(stats)
    }
}

/// Whether a line can hold anything [`clean_web_text`] changes: an `@` (a handle, an
/// address), a `#`, a scheme's `://` or a `www.`. Ordinary prose has none of these, so it is
/// tokenised as it is, without the cleaner's copy.
fn might_be_web(line: &str) -> bool {
    let b = line.as_bytes();
    b.iter().any(|&c| c == b'@' || c == b'#')
        || b.windows(3).any(|w| w == b"://")
        || b.windows(4).any(|w| w.eq_ignore_ascii_case(b"www."))
}

/// Web text made plain, into `out`: each whitespace-separated chunk (its enclosing
/// punctuation kept) that is a URL (`scheme://…`, `www.…`), an e-mail address or an @handle is
/// dropped, and a #hashtag becomes its words, split at case changes, digits and underscores
/// ("#BlackLivesMatter" → "Black Lives Matter", "#iphone_12" → "iphone 12"). Chunks are
/// joined by single spaces (the tokenizer splits on them anyway).
pub fn clean_web_text(line: &str, out: &mut String) {
    out.clear();
    for chunk in line.split_whitespace() {
        let core_start = chunk
            .find(|c: char| !matches!(c, '(' | '[' | '"' | '\'' | '<' | '{'))
            .unwrap_or(chunk.len());
        let core_end = chunk
            .rfind(|c: char| {
                !matches!(
                    c,
                    ')' | ']' | '"' | '\'' | '>' | '}' | '.' | ',' | ';' | ':' | '!' | '?'
                )
            })
            .map_or(core_start, |i| {
                i + chunk[i..].chars().next().map_or(1, char::len_utf8)
            })
            .max(core_start);
        let (lead, core, trail) = (
            &chunk[..core_start],
            &chunk[core_start..core_end],
            &chunk[core_end..],
        );
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(lead);
        let is_url = core
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("www."))
            || core.contains("://");
        let is_handle = core.len() > 1 && core.starts_with('@');
        let is_email = core.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.ends_with('.')
        });
        if is_url || is_handle || is_email {
            // Dropped.
        } else if let Some(tag) = core
            .strip_prefix('#')
            .filter(|t| t.chars().any(char::is_alphabetic))
        {
            let mut prev: Option<char> = None;
            for c in tag.chars() {
                let boundary = match prev {
                    Some(p) => {
                        (p.is_lowercase() && c.is_uppercase())
                            || (p.is_alphabetic() && c.is_ascii_digit())
                            || (p.is_ascii_digit() && c.is_alphabetic())
                    }
                    None => false,
                };
                if c == '_' {
                    out.push(' ');
                } else {
                    if boundary {
                        out.push(' ');
                    }
                    out.push(c);
                }
                prev = Some(c);
            }
        } else {
            out.push_str(core);
        }
        out.push_str(trail);
    }
}

/// Whether lowercasing changes `c`: uppercase letters, but also titlecase ones such as U+1FFC
/// (Ω with prosgegrammeni), which `char::is_uppercase` misses and whose decomposition (Ω +
/// U+0345) would be lowercased.
fn changes_when_lowercased(c: char) -> bool {
    // Lowercase letters (most of a non-ASCII line) are answered by one table lookup; the test
    // below checks the shortcut against the definition for every char.
    if c.is_lowercase() {
        return false;
    }
    let mut lower = c.to_lowercase();
    lower.next() != Some(c) || lower.next().is_some()
}

/// `text` in NFC: `text` itself if it already is (no copy), else its normalisation written into
/// `buf`.
///
/// Below U+0300 (ASCII, Latin-1, Latin Extended-A and B, IPA) every char is a starter that NFC
/// keeps (checked by a test), so text whose UTF-8 bytes are all below 0xCC (the lead byte of
/// U+0300) needs no normalisation; that byte scan spares most Western text the quick check's two
/// table lookups per char.
fn to_nfc<'a>(text: &'a str, buf: &'a mut String) -> &'a str {
    if text.bytes().all(|b| b < 0xCC) || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return text;
    }
    buf.clear();
    buf.extend(text.nfc());
    buf
}

/// Splits `text` into runs of letters, filters them, and calls `end_unit` at sentence ends.
fn split_letters<'a>(
    text: &'a str,
    cfg: &TokenizerConfig,
    stop: &StopSet,
    tokens: &mut Vec<&'a str>,
    end_unit: &mut dyn FnMut(&mut Vec<&'a str>),
) {
    let mut start: Option<(usize, usize)> = None; // (byte start, char count)
    let push = |s: usize, e: usize, n: usize, tokens: &mut Vec<&'a str>| {
        if n >= cfg.min_token_len {
            let tok = &text[s..e];
            if !stop.contains(tok) {
                tokens.push(tok);
            }
        }
    };
    if text.is_ascii() {
        // Fast path, same result: on ASCII, `char::is_alphabetic` is `is_ascii_alphabetic`.
        for (i, &b) in text.as_bytes().iter().enumerate() {
            if b.is_ascii_alphabetic() {
                match &mut start {
                    Some((_, n)) => *n += 1,
                    None => start = Some((i, 1)),
                }
            } else {
                if let Some((s, n)) = start.take() {
                    push(s, i, n, tokens);
                }
                if cfg.unit == Unit::Sentence && matches!(b, b'.' | b'!' | b'?') {
                    end_unit(tokens);
                }
            }
        }
        if let Some((s, n)) = start {
            push(s, text.len(), n, tokens);
        }
        return;
    }
    for (i, c) in text.char_indices() {
        if c.is_alphabetic() {
            match &mut start {
                Some((_, n)) => *n += 1,
                None => start = Some((i, 1)),
            }
        } else {
            if let Some((s, n)) = start.take() {
                push(s, i, n, tokens);
            }
            if cfg.unit == Unit::Sentence && matches!(c, '.' | '!' | '?') {
                end_unit(tokens);
            }
        }
    }
    if let Some((s, n)) = start {
        push(s, text.len(), n, tokens);
    }
}

/// First pass: counts every token of the kept units and builds the vocabulary of words seen at
/// least `min_freq` times.
///
/// # Errors
/// A file that cannot be read, a bad line (per the config), or nothing left after filtering.
pub fn count_words(
    corpus: &Corpus,
    cfg: &TokenizerConfig,
    progress: &dyn Progress,
) -> Result<(Vocabulary, CorpusStats)> {
    let (vocab, stats, _) = count_words_keeping_ids(corpus, cfg, 0, progress)?;
    Ok((vocab, stats))
}

/// The map step of [`count_words`]: every distinct token of the kept units with its count, in
/// no particular order, before any frequency filter (so the counts of shards add up). A corpus
/// or shard without tokens gives an empty list. Leaves the progress stage open.
///
/// # Errors
/// A file that cannot be read or a bad line (per the config).
pub fn count_word_occurrences(
    corpus: &Corpus,
    cfg: &TokenizerConfig,
    progress: &dyn Progress,
) -> Result<(Vec<(String, u64)>, CorpusStats)> {
    let FirstPass {
        table,
        counts,
        stats,
        ..
    } = first_pass(corpus, cfg, 0, progress)?;
    let words = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| (table.key(i as u32).to_owned(), c))
        .collect();
    Ok((words, stats))
}

/// Marks the end of a unit in [`ChunkIds::ids`].
pub(crate) const UNIT_END: u32 = u32::MAX;

/// The tokens of one chunk as ids, kept by the first pass so that counting co-occurrences
/// does not tokenise the text a second time.
#[derive(Debug, Default)]
pub(crate) struct ChunkIds {
    /// For every id of the chunk's own table, the id in the corpus-wide table.
    pub to_global: Vec<u32>,
    /// The chunk's tokens as ids of its own table, each unit followed by [`UNIT_END`].
    pub ids: Vec<u32>,
}

/// The corpus as ids, chunk after chunk in corpus order, with the table of the words.
#[derive(Debug, Default)]
pub(crate) struct TokenIds {
    /// Every distinct token; its ids are the `to_global` ids of the chunks.
    pub table: StrTable,
    /// The chunks.
    pub chunks: Vec<ChunkIds>,
}

/// What [`first_pass`] gathers.
pub(crate) struct FirstPass {
    /// Every distinct token, ids in order of first appearance.
    pub table: StrTable,
    /// The count of every id of `table`.
    pub counts: Vec<u64>,
    /// What was read.
    pub stats: CorpusStats,
    /// The corpus as ids, if kept.
    pub ids: Option<Vec<ChunkIds>>,
}

/// One chunk's part of the first pass: its own table, counts and ids, and its statistics.
type ChunkCounts = (StrTable, Vec<u64>, Vec<u32>, CorpusStats);

/// The first pass over a corpus: every distinct token with its count (ids in order of first
/// appearance), the statistics, and, while they take at most `keep_ids_bytes`, the tokens of
/// every chunk as ids (`None` once they would take more, or with a budget of 0). Leaves the
/// progress stage open.
pub(crate) fn first_pass(
    corpus: &Corpus,
    cfg: &TokenizerConfig,
    keep_ids_bytes: usize,
    progress: &dyn Progress,
) -> Result<FirstPass> {
    cfg.validate()?;
    let total = corpus.check()?;
    progress.start("counting words", Some(total), ProgressUnit::Bytes);
    let stop = cfg.stop_set();
    let mut table = StrTable::default();
    let mut counts: Vec<u64> = Vec::new();
    let mut stats = CorpusStats::default();
    let mut kept: Option<Vec<ChunkIds>> = (keep_ids_bytes > 0).then(Vec::new);
    let mut kept_bytes = 0usize;
    let batch = 2 * rayon::current_num_threads();
    read_chunks(corpus, cfg, cfg.chunk_bytes, batch, progress, |chunks| {
        let keep = kept.is_some();
        let partials: Vec<Result<ChunkCounts>> = chunks
            .par_iter()
            .map(|chunk| {
                let mut local = StrTable::default();
                let mut local_counts: Vec<u64> = Vec::new();
                let mut ids: Vec<u32> = Vec::new();
                let st = chunk.for_each_unit(cfg, &stop, |toks| {
                    for t in toks {
                        let id = local.insert(t);
                        if id as usize == local_counts.len() {
                            local_counts.push(0);
                        }
                        local_counts[id as usize] += 1;
                        if keep {
                            ids.push(id);
                        }
                    }
                    if keep {
                        ids.push(UNIT_END);
                    }
                })?;
                Ok((local, local_counts, ids, st))
            })
            .collect();
        for p in partials {
            let (local, local_counts, ids, st) = p?;
            stats.add(&st);
            let mut to_global = Vec::with_capacity(if keep { local_counts.len() } else { 0 });
            for (i, &c) in local_counts.iter().enumerate() {
                let id = table.insert(local.key(i as u32));
                if id as usize == counts.len() {
                    counts.push(0);
                }
                counts[id as usize] += c;
                if keep {
                    to_global.push(id);
                }
            }
            if let Some(k) = kept.as_mut() {
                kept_bytes += 4 * (ids.len() + to_global.len());
                if kept_bytes > keep_ids_bytes {
                    kept = None;
                } else {
                    k.push(ChunkIds { to_global, ids });
                }
            }
        }
        Ok(())
    })?;
    Ok(FirstPass {
        table,
        counts,
        stats,
        ids: kept,
    })
}

/// The first pass of [`crate::train`]: the vocabulary and the statistics, as
/// [`count_words`] gives them, with the corpus as ids when they fit in `keep_ids_bytes`.
pub(crate) fn count_words_keeping_ids(
    corpus: &Corpus,
    cfg: &TokenizerConfig,
    keep_ids_bytes: usize,
    progress: &dyn Progress,
) -> Result<(Vocabulary, CorpusStats, Option<TokenIds>)> {
    let FirstPass {
        table,
        counts,
        stats,
        ids: chunks,
    } = first_pass(corpus, cfg, keep_ids_bytes, progress)?;
    let distinct = counts.len();
    let words: Vec<(String, u64)> = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| (table.key(i as u32).to_owned(), c))
        .collect();
    let (vocab, capped) = select_vocabulary(words, cfg, &stats, &describe_paths(corpus))?;
    progress.finish(&format!(
        "{} tokens, {} distinct words, {} kept (min_freq {}{})",
        stats.tokens,
        distinct,
        vocab.len(),
        cfg.min_freq,
        if capped > 0 {
            format!(", max_vocab dropped {capped} more")
        } else {
            String::new()
        }
    ));
    Ok((
        vocab,
        stats,
        chunks.map(|chunks| TokenIds { table, chunks }),
    ))
}

/// The reduce step of [`count_words`]: from every distinct token's count (each word once), the
/// vocabulary of the words seen at least `min_freq` times, at most `max_vocab` of them (the most
/// frequent; ties alphabetical). Returns it with the number of words `max_vocab` dropped.
/// `source` names the corpus in errors.
///
/// # Errors
/// No token at all, or no word frequent enough.
pub fn select_vocabulary(
    counts: Vec<(String, u64)>,
    cfg: &TokenizerConfig,
    stats: &CorpusStats,
    source: &str,
) -> Result<(Vocabulary, usize)> {
    if stats.tokens == 0 {
        return Err(Error::Empty(format!(
            "the corpus ({source}) has no tokens after tokenising ({} lines read, {} skipped as invalid UTF-8)",
            stats.lines, stats.skipped_lines
        )));
    }
    let distinct = counts.len();
    let mut kept: Vec<(String, u64)> = counts
        .into_iter()
        .filter(|&(_, c)| c >= cfg.min_freq)
        .collect();
    let mut capped = 0;
    if let Some(max) = cfg.max_vocab.filter(|&m| kept.len() > m) {
        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        capped = kept.len() - max;
        kept.truncate(max);
    }
    if kept.is_empty() {
        return Err(Error::Empty(format!(
            "no word of the corpus ({source}) occurs at least min_freq = {} times ({distinct} distinct words, {} tokens)",
            cfg.min_freq, stats.tokens
        )));
    }
    Ok((Vocabulary::from_counts(kept), capped))
}

/// The first files of a corpus, for messages.
pub fn describe_paths(corpus: &Corpus) -> String {
    let names: Vec<String> = corpus
        .paths
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    if corpus.paths.len() > 3 {
        format!("{}, … {} files", names.join(", "), corpus.paths.len())
    } else {
        names.join(", ")
    }
}

/// Tokenises the whole corpus into `out`: one unit per line, tokens separated by one space,
/// in corpus order. Every tokenizer setting applies except `min_freq` (the frequency filter
/// needs the whole corpus; it is left to whoever reads the result). Chunks are tokenised in
/// parallel and written in order.
pub fn write_tokenized(
    corpus: &Corpus,
    cfg: &TokenizerConfig,
    out: &mut dyn std::io::Write,
    progress: &dyn Progress,
) -> Result<CorpusStats> {
    cfg.validate()?;
    let total = corpus.check()?;
    progress.start("tokenising", Some(total), ProgressUnit::Bytes);
    let stop = cfg.stop_set();
    let mut stats = CorpusStats::default();
    let batch = 2 * rayon::current_num_threads();
    read_chunks(corpus, cfg, cfg.chunk_bytes, batch, progress, |chunks| {
        let texts: Vec<Result<(String, CorpusStats)>> = chunks
            .par_iter()
            .map(|chunk| {
                let mut text = String::new();
                let st = chunk.for_each_unit(cfg, &stop, |toks| {
                    text.push_str(&toks.join(" "));
                    text.push('\n');
                })?;
                Ok((text, st))
            })
            .collect();
        for t in texts {
            let (text, st) = t?;
            stats.add(&st);
            out.write_all(text.as_bytes())
                .map_err(|e| Error::io("<tokenized output>", e))?;
        }
        Ok(())
    })?;
    progress.finish(&format!("{} units, {} tokens", stats.units, stats.tokens));
    Ok(stats)
}

/// Tokenises in-memory text into units (one call per line/sentence); for tests and examples.
pub fn tokenize_text(text: &str, cfg: &TokenizerConfig) -> Result<Vec<Vec<String>>> {
    cfg.validate()?;
    let mut units = Vec::new();
    TextChunk::from_text("<memory>", text).for_each_unit(cfg, &cfg.stop_set(), |toks| {
        units.push(toks.iter().map(|t| (*t).to_owned()).collect())
    })?;
    Ok(units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_cut_the_bytes_into_contiguous_ranges() {
        let s: Shard = "3/8".parse().unwrap();
        assert_eq!((s.index, s.count), (3, 8));
        assert_eq!(s.to_string(), "3/8");
        for bad in ["8/8", "1/0", "3", "a/b", "-1/2", ""] {
            let e = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(e.contains("shard"), "{bad}: {e}");
        }
        assert!(
            "8/8"
                .parse::<Shard>()
                .unwrap_err()
                .to_string()
                .contains("(0/8 … 7/8)")
        );
        for total in [0u64, 1, 7, 1000, u64::MAX / 3] {
            for n in [1usize, 2, 3, 8] {
                let mut at = 0;
                for i in 0..n {
                    let (lo, hi) = Shard::new(i, n).unwrap().range(total);
                    assert_eq!(lo, at);
                    assert!(hi >= lo);
                    at = hi;
                }
                assert_eq!(at, total);
            }
        }
    }

    #[test]
    fn web_text_drops_links_handles_and_addresses_and_splits_hashtags() {
        let mut out = String::new();
        clean_web_text(
            "@john_doe see (https://t.co/satxh) or www.tmz.com/x, mail me@x.org! #BlackLivesMatter #iphone_12 #1 a@b",
            &mut out,
        );
        assert_eq!(
            out,
            "see () or , mail ! Black Lives Matter iphone 12 #1 a@b"
        );
        // As the tokenizer sees it: no letter run of a link is a word.
        let cfg = TokenizerConfig {
            web_text: true,
            min_token_len: 1,
            stop_words: StopWords::None,
            unit: Unit::Line,
            min_unit_tokens: 0,
            ..TokenizerConfig::default()
        };
        let units = tokenize_text("Read https://t.co/satxh @TMZ #GoodNews now.", &cfg).unwrap();
        assert_eq!(units, [["read", "good", "news", "now"]]);
        let raw = TokenizerConfig {
            web_text: false,
            ..cfg
        };
        let units = tokenize_text("Read https://t.co/satxh now.", &raw).unwrap();
        assert_eq!(units, [["read", "https", "t", "co", "satxh", "now"]]);
    }

    #[test]
    fn max_vocab_keeps_the_most_frequent_words() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.txt");
        std::fs::write(&path, "a a a b b c c d\ne e e f\n").unwrap();
        let cfg = TokenizerConfig {
            max_vocab: Some(3),
            unit: Unit::Line,
            ..cfg()
        };
        let (v, _) = count_words(&Corpus::new([&path]), &cfg, &sinr_util::NoProgress).unwrap();
        // a and e (3 each), then b and c tie at 2: b comes first.
        assert_eq!(v.words(), ["a", "b", "e"]);
    }

    #[test]
    fn a_line_over_the_limit_is_an_error_naming_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.txt");
        std::fs::write(&path, format!("short line\n{}\nend\n", "word ".repeat(40))).unwrap();
        let cfg = TokenizerConfig {
            max_line_bytes: 64,
            ..cfg()
        };
        let err = count_words(&Corpus::new([&path]), &cfg, &sinr_util::NoProgress).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::LineTooLong {
                    line: 2,
                    limit: 64,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("c.txt"), "{err}");
    }

    fn cfg() -> TokenizerConfig {
        TokenizerConfig {
            min_token_len: 1,
            stop_words: StopWords::None,
            min_unit_tokens: 1,
            min_freq: 1,
            ..TokenizerConfig::default()
        }
    }

    #[test]
    fn letters_only_lowercase_sentences() {
        let units = tokenize_text("Hello, World! It's 2024: naïve café. ok", &cfg()).unwrap();
        assert_eq!(
            units,
            vec![
                vec!["hello", "world"],
                vec!["it", "s", "naïve", "café"],
                vec!["ok"]
            ]
        );
    }

    #[test]
    fn line_units_ignore_periods() {
        let c = TokenizerConfig {
            unit: Unit::Line,
            ..cfg()
        };
        let units = tokenize_text("a. b\nc", &c).unwrap();
        assert_eq!(units, vec![vec!["a", "b"], vec!["c"]]);
    }

    #[test]
    fn length_stop_words_and_unit_filters() {
        let c = TokenizerConfig {
            min_token_len: 4,
            stop_words: StopWords::English,
            min_unit_tokens: 2,
            unit: Unit::Line,
            ..cfg()
        };
        let units = tokenize_text(
            "The quick brown foxes were jumping\nlonely\nthose words here",
            &c,
        )
        .unwrap();
        // "the" too short, "were" a stop word; "lonely" alone is below min_unit_tokens;
        // "those" and "here" are stop words, "words" alone is dropped.
        assert_eq!(units, vec![vec!["quick", "brown", "foxes", "jumping"]]);
    }

    #[test]
    fn pretokenized_keeps_tokens_verbatim() {
        let c = TokenizerConfig {
            pretokenized: true,
            ..cfg()
        };
        let units = tokenize_text("New_York  x-y\n\nA b", &c).unwrap();
        assert_eq!(units, vec![vec!["New_York", "x-y"], vec!["A", "b"]]);
    }

    #[test]
    fn invalid_utf8_skip_or_fail() {
        let mut chunk = TextChunk::from_text("c.txt", "good line\n");
        chunk.data.extend_from_slice(b"bad \xff line\nlast one\n");
        let mut seen = Vec::new();
        let st = chunk
            .for_each_unit(&cfg(), &StopSet::default(), |t| seen.push(t.join(" ")))
            .unwrap();
        assert_eq!(seen, ["good line", "last one"]);
        assert_eq!(st.skipped_lines, 1);
        let fail = TokenizerConfig {
            invalid_utf8: InvalidUtf8::Fail,
            ..cfg()
        };
        let err = chunk
            .for_each_unit(&fail, &StopSet::default(), |_| {})
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidUtf8 {
                    line: 2,
                    byte: 4,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("c.txt:2"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn ascii_fast_path_equals_unicode_path(text in "[ -~\n]{0,200}") {
            let cfg = cfg();
            let fast = tokenize_text(&text, &cfg).unwrap();
            // A trailing non-ASCII word forces the general path on the last line.
            let slow = tokenize_text(&format!("{text} é"), &cfg).unwrap();
            let mut slow_tokens: Vec<String> = slow.into_iter().flatten().collect();
            let last = slow_tokens.pop();
            proptest::prop_assert_eq!(last.as_deref(), Some("é"));
            let fast_tokens: Vec<String> = fast.into_iter().flatten().collect();
            proptest::prop_assert_eq!(fast_tokens, slow_tokens);
        }
    }

    const CAFE_NFC: &str = "caf\u{e9}";
    const CAFE_NFD: &str = "cafe\u{301}";

    #[test]
    fn decomposed_accents_are_one_token_in_nfc() {
        // U+0301 is a combining mark, not a letter: without NFC, "cafe\u{301}" splits in two.
        let nfd =
            tokenize_text(&format!("{CAFE_NFD} noir. CAFE\u{301} Noe\u{308}l"), &cfg()).unwrap();
        let nfc = tokenize_text(&format!("{CAFE_NFC} noir. CAF\u{c9} No\u{eb}l"), &cfg()).unwrap();
        assert_eq!(
            nfd,
            vec![vec![CAFE_NFC, "noir"], vec![CAFE_NFC, "no\u{eb}l"]]
        );
        assert_eq!(nfd, nfc);
        // Length counts the characters of the composed word: 4, so min_token_len 5 drops it.
        let c = TokenizerConfig {
            min_token_len: 5,
            ..cfg()
        };
        assert!(tokenize_text(CAFE_NFD, &c).unwrap().is_empty());
        // Pre-tokenised input and user stop words are composed too.
        let pre = TokenizerConfig {
            pretokenized: true,
            ..cfg()
        };
        let units = tokenize_text(&format!("{CAFE_NFD} x"), &pre).unwrap();
        assert_eq!(units, vec![vec![CAFE_NFC, "x"]]);
        let stop = TokenizerConfig {
            stop_words: StopWords::List(vec![CAFE_NFD.to_uppercase()]),
            ..cfg()
        };
        let units = tokenize_text(&format!("{CAFE_NFC} {CAFE_NFD} noir"), &stop).unwrap();
        assert_eq!(units, vec![vec!["noir"]]);
    }

    #[test]
    fn nfc_text_is_tokenised_in_place() {
        let mut buf = String::new();
        for text in [
            "plain ascii",
            "na\u{ef}ve caf\u{e9} \u{c5}ngstr\u{f6}m",
            "\u{65e5}\u{672c}",
        ] {
            let out = to_nfc(text, &mut buf);
            assert!(std::ptr::eq(out, text), "{text:?} was copied");
        }
        assert_eq!(buf.capacity(), 0, "no allocation for NFC text");
        assert_eq!(to_nfc(CAFE_NFD, &mut buf), CAFE_NFC);
    }

    #[test]
    fn the_shortcuts_agree_with_the_definitions_for_every_char() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let mut lower = c.to_lowercase();
            let changes = lower.next() != Some(c) || lower.next().is_some();
            assert_eq!(changes_when_lowercased(c), changes, "{c:?}");
            if (c as u32) < 0x300 {
                let s = c.to_string();
                assert!(s.bytes().all(|b| b < 0xCC), "{c:?}");
                assert_eq!(is_nfc_quick(s.chars()), IsNormalized::Yes, "{c:?}");
                assert_eq!(unicode_normalization::char::canonical_combining_class(c), 0);
            } else {
                assert!(c.to_string().bytes().any(|b| b >= 0xCC), "{c:?}");
            }
        }
    }

    #[test]
    fn every_tokenising_path_sees_composed_words() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.txt");
        std::fs::write(&path, format!("{CAFE_NFD} noir\n{CAFE_NFC} noir\n")).unwrap();
        let corpus = Corpus::new([&path]);
        let cfg = TokenizerConfig {
            unit: Unit::Line,
            ..cfg()
        };
        let (vocab, _) = count_words(&corpus, &cfg, &sinr_util::NoProgress).unwrap();
        assert_eq!(vocab.words(), [CAFE_NFC, "noir"]);
        assert_eq!(vocab.counts(), [2, 2]);
        let (cooc, _) = crate::count_cooccurrences(
            &corpus,
            &cfg,
            &vocab,
            &crate::CooccurrenceConfig::default(),
            &sinr_util::NoProgress,
        )
        .unwrap();
        let pairs: Vec<_> = cooc.iter().collect();
        assert_eq!(pairs, [(crate::WordId(0), crate::WordId(1), 2)]);
        let mut out = Vec::new();
        write_tokenized(&corpus, &cfg, &mut out, &sinr_util::NoProgress).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{CAFE_NFC} noir\n{CAFE_NFC} noir\n")
        );
    }

    proptest::proptest! {
        /// Canonically equivalent texts give the same tokens, and every token is in NFC.
        #[test]
        fn canonically_equivalent_text_gives_the_same_tokens(text in "\\PC{0,60}") {
            let cfg = cfg();
            let ours = tokenize_text(&text, &cfg).unwrap();
            let nfc: String = text.nfc().collect();
            let nfd: String = text.nfd().collect();
            proptest::prop_assert_eq!(&ours, &tokenize_text(&nfc, &cfg).unwrap());
            proptest::prop_assert_eq!(&ours, &tokenize_text(&nfd, &cfg).unwrap());
            for t in ours.iter().flatten() {
                proptest::prop_assert!(unicode_normalization::is_nfc(t), "{:?}", t);
            }
        }

        /// Lowercase NFC text is split as it is: tokens are its letter runs, unchanged.
        #[test]
        fn nfc_text_is_unchanged(text in "[a-z\u{e0}-\u{ff}\u{3b1}-\u{3c9} .,!?'\n-]{0,80}") {
            proptest::prop_assume!(unicode_normalization::is_nfc(&text));
            let tokens: Vec<String> = tokenize_text(&text, &cfg()).unwrap().into_iter().flatten().collect();
            let runs: Vec<&str> = text
                .split(|c: char| !c.is_alphabetic())
                .filter(|t| !t.is_empty())
                .collect();
            proptest::prop_assert_eq!(tokens, runs);
        }
    }

    #[test]
    fn validate_names_the_field() {
        let bad = TokenizerConfig {
            min_freq: 0,
            ..TokenizerConfig::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("min_freq"));
    }
}
