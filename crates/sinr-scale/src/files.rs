//! The Parquet files of a counts directory and the metadata each carries.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, RecordBatch, StringArray, UInt32Array, UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::metadata::KeyValue;
use datafusion::parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sinr_embed::{CooccurrenceConfig, Corpus, CorpusStats, Shard, TokenizerConfig, Vocabulary};

use crate::error::{Error, Result};

/// The Parquet key-value metadata key under which every counts file stores its [`ShardMeta`]
/// as JSON.
pub const META_KEY: &str = "sinr.counts";

/// Version of the layout of counts files.
pub const FORMAT: u32 = 1;

/// Rows per record batch written.
const BATCH_ROWS: usize = 1 << 20;

/// The settings that decide the counts: the tokenizer (which words, which units) and the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountSettings {
    /// How text becomes units of tokens, and the vocabulary filter.
    pub tokenizer: TokenizerConfig,
    /// The co-occurrence window.
    pub cooccurrence: CooccurrenceConfig,
}

impl CountSettings {
    /// The settings of `tokenizer` and `cooccurrence`, with the read chunk size (which never
    /// changes a count) set to its default so that it does not tell shards apart.
    pub fn new(tokenizer: &TokenizerConfig, cooccurrence: &CooccurrenceConfig) -> Self {
        Self {
            tokenizer: TokenizerConfig {
                chunk_bytes: TokenizerConfig::default().chunk_bytes,
                ..tokenizer.clone()
            },
            cooccurrence: cooccurrence.clone(),
        }
    }

    /// SHA-256 of the settings as JSON: equal settings, equal fingerprint.
    pub fn fingerprint(&self) -> String {
        hex(&Sha256::digest(
            serde_json::to_vec(self).expect("settings serialise"),
        ))
    }
}

/// What a counts file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// A shard's token counts (`word, n`).
    Words,
    /// The reduced, filtered vocabulary (`word, n` in word-id order).
    Vocabulary,
    /// A shard's pair counts (`a, b, n`).
    Pairs,
    /// The reduced pair counts (`a, b, n`, sorted).
    Counts,
}

impl FileKind {
    fn schema(self) -> SchemaRef {
        Arc::new(match self {
            FileKind::Words | FileKind::Vocabulary => Schema::new(vec![
                Field::new("word", DataType::Utf8, false),
                Field::new("n", DataType::UInt64, false),
            ]),
            FileKind::Pairs | FileKind::Counts => Schema::new(vec![
                Field::new("a", DataType::UInt32, false),
                Field::new("b", DataType::UInt32, false),
                Field::new("n", DataType::UInt64, false),
            ]),
        })
    }
}

/// One file of the corpus, as the metadata names it: its file name (not its path, which may
/// differ from machine to machine) and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusFile {
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// What every counts file says about itself (stored as JSON under [`META_KEY`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardMeta {
    /// [`FORMAT`].
    pub format: u32,
    /// What the file holds.
    pub kind: FileKind,
    /// The settings of the counts.
    pub settings: CountSettings,
    /// [`CountSettings::fingerprint`].
    pub settings_sha256: String,
    /// The corpus, every file of it, in order.
    pub corpus: Vec<CorpusFile>,
    /// The shard of a map step's file; `None` for a reduced file.
    pub shard: Option<Shard>,
    /// Text statistics of what the file counts (the shard, or the whole corpus).
    pub stats: CorpusStats,
    /// Fingerprint of the vocabulary the word ids refer to (pairs and counts files), or that
    /// the file is (the vocabulary).
    pub vocabulary_sha256: Option<String>,
    /// Number of words of that vocabulary.
    pub vocabulary_size: Option<usize>,
    /// Rows of the file.
    pub rows: u64,
}

impl ShardMeta {
    /// Whether `other` counts the same corpus with the same settings.
    pub(crate) fn same_counting(&self, other: &ShardMeta) -> Option<String> {
        if self.settings_sha256 != other.settings_sha256 {
            return Some(format!(
                "made with other settings (fingerprint {} against {}); settings here: {}",
                short(&other.settings_sha256),
                short(&self.settings_sha256),
                settings_diff(&self.settings, &other.settings)
            ));
        }
        if self.corpus != other.corpus {
            return Some(format!(
                "counts another corpus ({} against {})",
                describe_corpus(&other.corpus),
                describe_corpus(&self.corpus)
            ));
        }
        None
    }
}

/// The fields in which two settings differ, as `field: a ≠ b`.
fn settings_diff(a: &CountSettings, b: &CountSettings) -> String {
    let (a, b) = (
        serde_json::to_value(a).expect("settings serialise"),
        serde_json::to_value(b).expect("settings serialise"),
    );
    let mut out = Vec::new();
    for part in ["tokenizer", "cooccurrence"] {
        if let (Some(x), Some(y)) = (a[part].as_object(), b[part].as_object()) {
            for (k, v) in x {
                if y.get(k) != Some(v) {
                    out.push(format!(
                        "{part}.{k}: {v} ≠ {}",
                        y.get(k).cloned().unwrap_or_default()
                    ));
                }
            }
        }
    }
    out.join(", ")
}

/// The corpus as messages name it: every file with its size.
pub(crate) fn describe_corpus(files: &[CorpusFile]) -> String {
    files
        .iter()
        .map(|f| format!("{} ({} bytes)", f.name, f.bytes))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The corpus as the metadata describes it.
pub(crate) fn corpus_files(corpus: &Corpus) -> Result<Vec<CorpusFile>> {
    let sizes = corpus.file_sizes()?;
    Ok(corpus
        .paths
        .iter()
        .zip(sizes)
        .map(|(p, bytes)| CorpusFile {
            name: p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            bytes,
        })
        .collect())
}

/// SHA-256 of a vocabulary (its words and counts, in id order).
pub(crate) fn vocabulary_fingerprint(vocab: &Vocabulary) -> String {
    let mut h = Sha256::new();
    for (w, c) in vocab.words().iter().zip(vocab.counts()) {
        h.update(w.as_bytes());
        h.update([0]);
        h.update(c.to_le_bytes());
    }
    hex(&h.finalize())
}

/// The file of shard `shard` of `kind` in `dir`.
pub(crate) fn shard_path(dir: &Path, kind: FileKind, shard: Shard) -> PathBuf {
    dir.join(subdir(kind)).join(format!(
        "shard-{:05}-of-{:05}.parquet",
        shard.index, shard.count
    ))
}

/// The directory of the shards of a map step.
pub(crate) fn subdir(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Words => "words",
        FileKind::Pairs => "pairs",
        FileKind::Vocabulary | FileKind::Counts => "",
    }
}

/// A counts file being written: batches go to a temporary file in the target's directory, which
/// [`ParquetOut::finish`] closes with its metadata and renames over the target; dropped
/// unfinished, it leaves nothing behind.
pub(crate) struct ParquetOut {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
    writer: ArrowWriter<File>,
    schema: SchemaRef,
}

impl ParquetOut {
    /// Starts the file `path` of `kind`.
    pub fn create(path: &Path, kind: FileKind) -> Result<Self> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let tmp = sinr_util::temp_file_in(dir, ".sinr-tmp-").map_err(|e| Error::io(dir, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let file = tmp.reopen().map_err(|e| Error::io(path, e))?;
        let schema = kind.schema();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
            .map_err(|e| Error::file(path, e.to_string()))?;
        Ok(Self {
            path: path.to_path_buf(),
            tmp,
            writer,
            schema,
        })
    }

    /// Appends rows: the file's columns, in order.
    pub fn write(&mut self, columns: Vec<ArrayRef>) -> Result<()> {
        let b = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| Error::file(&self.path, e.to_string()))?;
        self.writer
            .write(&b)
            .map_err(|e| Error::file(&self.path, e.to_string()))
    }

    /// Closes the file with `meta` and renames it into place.
    pub fn finish(mut self, meta: &ShardMeta) -> Result<()> {
        let path = self.path;
        self.writer.append_key_value_metadata(KeyValue::new(
            META_KEY.to_owned(),
            serde_json::to_string(meta).expect("metadata serialises"),
        ));
        self.writer
            .close()
            .map_err(|e| Error::file(&path, e.to_string()))?;
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| Error::io(&path, e))?;
        self.tmp
            .persist(&path)
            .map_err(|e| Error::io(&path, e.error))?;
        Ok(())
    }
}

/// Writes `batches` with `meta` to `path` through [`ParquetOut`].
pub(crate) fn write_parquet(
    path: &Path,
    meta: &ShardMeta,
    batches: impl IntoIterator<Item = Result<RecordBatch>>,
) -> Result<()> {
    let mut out = ParquetOut::create(path, meta.kind)?;
    for b in batches {
        out.write(b?.columns().to_vec())?;
    }
    out.finish(meta)
}

/// Record batches of `(word, n)` rows.
pub(crate) fn word_batches(
    words: &[(String, u64)],
) -> impl Iterator<Item = Result<RecordBatch>> + '_ {
    let schema = FileKind::Words.schema();
    words.chunks(BATCH_ROWS).map(move |part| {
        let w: StringArray = part.iter().map(|(w, _)| Some(w.as_str())).collect();
        let n: UInt64Array = part.iter().map(|(_, n)| *n).collect();
        RecordBatch::try_new(schema.clone(), vec![Arc::new(w) as ArrayRef, Arc::new(n)]).map_err(
            |e| Error::Engine {
                engine: "Arrow",
                message: e.to_string(),
            },
        )
    })
}

/// Record batches of `(a, b, n)` rows.
pub(crate) fn pair_batches(
    pairs: impl Iterator<Item = (u32, u32, u64)>,
) -> impl Iterator<Item = Result<RecordBatch>> {
    let schema = FileKind::Pairs.schema();
    let mut pairs = pairs.peekable();
    std::iter::from_fn(move || {
        pairs.peek()?;
        let (mut a, mut b, mut n) = (Vec::new(), Vec::new(), Vec::new());
        for (x, y, c) in pairs.by_ref().take(BATCH_ROWS) {
            a.push(x);
            b.push(y);
            n.push(c);
        }
        Some(
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(UInt32Array::from(a)) as ArrayRef,
                    Arc::new(UInt32Array::from(b)),
                    Arc::new(UInt64Array::from(n)),
                ],
            )
            .map_err(|e| Error::Engine {
                engine: "Arrow",
                message: e.to_string(),
            }),
        )
    })
}

/// The metadata of a counts file, checking that it is one (a Parquet file with the columns of
/// its kind and readable metadata of this format).
///
/// # Errors
/// A missing or unreadable file, a file that is not Parquet (or is cut short), or one that is
/// not a counts file of this version; the error names the file.
pub fn read_meta(path: &Path) -> Result<ShardMeta> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| {
        Error::file(
            path,
            format!("not a readable Parquet file ({e}); was it cut short? Run its step again"),
        )
    })?;
    let kv = builder.metadata().file_metadata().key_value_metadata();
    let json = kv
        .and_then(|kv| kv.iter().find(|k| k.key == META_KEY))
        .and_then(|k| k.value.as_deref())
        .ok_or_else(|| {
            Error::file(
                path,
                format!("a Parquet file without the `{META_KEY}` metadata: not made by `sinr embed count`"),
            )
        })?;
    let meta: ShardMeta = serde_json::from_str(json)
        .map_err(|e| Error::file(path, format!("unreadable `{META_KEY}` metadata: {e}")))?;
    if meta.format != FORMAT {
        return Err(Error::file(
            path,
            format!("counts format {} (this build reads {FORMAT})", meta.format),
        ));
    }
    let want = meta.kind.schema();
    let got = builder.schema();
    let fields = |s: &Schema| -> Vec<(String, DataType)> {
        s.fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect()
    };
    if fields(&want) != fields(got) {
        return Err(Error::file(
            path,
            format!(
                "columns {:?}, a {:?} file has {:?}",
                fields(got),
                meta.kind,
                fields(&want)
            ),
        ));
    }
    Ok(meta)
}

fn reader(
    path: &Path,
) -> Result<datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReader> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(BATCH_ROWS).build())
        .map_err(|e| Error::file(path, format!("not a readable Parquet file ({e})")))
}

fn column<'a, T: 'static>(path: &Path, b: &'a RecordBatch, i: usize) -> Result<&'a T> {
    let c = b.column(i);
    if c.null_count() > 0 {
        return Err(Error::file(path, "a column holds nulls"));
    }
    c.as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| Error::file(path, format!("column {i} has the wrong type")))
}

/// Every `(word, n)` row of a words or vocabulary file, in file order.
pub(crate) fn read_words(path: &Path) -> Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
    for b in reader(path)? {
        let b = b.map_err(|e| Error::file(path, e.to_string()))?;
        let w = column::<StringArray>(path, &b, 0)?;
        let n = column::<UInt64Array>(path, &b, 1)?;
        out.extend(
            w.iter()
                .zip(n.values())
                .map(|(w, &n)| (w.unwrap_or_default().to_owned(), n)),
        );
    }
    Ok(out)
}

/// Calls `f` with every `(a, b, n)` row of a pairs or counts file, in file order.
pub(crate) fn for_each_pair(path: &Path, mut f: impl FnMut(u32, u32, u64)) -> Result<()> {
    for b in reader(path)? {
        let b = b.map_err(|e| Error::file(path, e.to_string()))?;
        let a = column::<UInt32Array>(path, &b, 0)?;
        let bb = column::<UInt32Array>(path, &b, 1)?;
        let n = column::<UInt64Array>(path, &b, 2)?;
        for ((&a, &b), &n) in a.values().iter().zip(bb.values()).zip(n.values()) {
            f(a, b, n);
        }
    }
    Ok(())
}
