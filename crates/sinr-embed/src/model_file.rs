//! The model file: a versioned binary container, written atomically, and the word2vec export.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! magic    8 bytes  "SINRMDL\n"
//! version  u32      FORMAT_VERSION
//! header   u64 length + UTF-8 JSON: config, report (its stage times zeroed), sizes, level,
//!          dendrogram metadata
//! words    u64 length + UTF-8, words joined by '\n'
//! counts   n_rows × u64
//! columns  n_cols × u32
//! levels   n_levels × n_rows × u32 (every level's partition)
//! indptr   (n_rows + 1) × u64
//! indices  nnz × u32
//! values   nnz × f64
//! checksum u64      FNV-1a of every byte before it
//! ```
//!
//! Reading checks the magic, the version and the checksum first, then every size against the
//! bytes actually present (so a hostile header cannot make us allocate more than the file holds),
//! then every invariant of the parts. Writing goes to a temporary file in the destination's
//! directory, which is renamed over the destination only once complete.
//!
//! The report's stage times are not kept (they are in the report a training run prints and
//! writes beside the model): they differ from one run to the next, and with them two builds of
//! the same model from the same corpus and settings would be different files with different
//! checksums, so that nothing made from the model could tell that it was made from the same one.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{SinrConfig, TrainReport};
use crate::error::{Error, Result};
use crate::louvain::{Dendrogram, Level};
use crate::model::SinrModel;
use crate::sparse::SparseMatrix;
use crate::vocab::Vocabulary;
use sinr_util::fnv1a;

const MAGIC: &[u8; 8] = b"SINRMDL\n";
/// Version of the file layout; bumped on every incompatible change.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    config: SinrConfig,
    report: TrainReport,
    n_rows: u64,
    n_cols: u64,
    nnz: u64,
    level: u64,
    resolution: f64,
    levels: Vec<LevelMeta>,
    crate_version: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelMeta {
    n_communities: u64,
    modularity: f64,
    standard_modularity: f64,
    passes: u64,
    #[serde(default)]
    resolution: f64,
}

/// [`sinr_util::write_atomically`], its error as this crate's.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    sinr_util::write_atomically(path, write).map_err(|e| Error::io(&e.path, e.source))
}

/// The checksum a model file stores in its last eight bytes (FNV-1a of every byte before
/// them), read without loading the model: it identifies the file's content, as a run's
/// provenance needs (it is checked, with everything else, when the model is loaded).
///
/// # Errors
/// A file that cannot be read or is too short to be a model file.
pub fn stored_checksum(path: &Path) -> Result<u64> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    if len < (MAGIC.len() + 8) as u64 {
        return Err(Error::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "too short for a model file",
            ),
        ));
    }
    f.seek(SeekFrom::End(-8)).map_err(|e| Error::io(path, e))?;
    let mut b = [0u8; 8];
    f.read_exact(&mut b).map_err(|e| Error::io(path, e))?;
    Ok(u64::from_le_bytes(b))
}

impl SinrModel {
    /// Saves the model to `path`, atomically, without the report's stage times (see the
    /// module's documentation): the same model is always the same bytes.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let header = Header {
            config: self.config.clone(),
            report: TrainReport {
                times: Default::default(),
                ..self.report.clone()
            },
            n_rows: self.matrix.n_rows() as u64,
            n_cols: self.matrix.n_cols() as u64,
            nnz: self.matrix.nnz() as u64,
            level: self.level as u64,
            resolution: self.dendrogram.resolution,
            levels: self
                .dendrogram
                .levels
                .iter()
                .map(|l| LevelMeta {
                    n_communities: l.n_communities as u64,
                    modularity: l.modularity,
                    standard_modularity: l.standard_modularity,
                    passes: l.passes as u64,
                    resolution: l.resolution,
                })
                .collect(),
            crate_version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        let header = serde_json::to_vec(&header).expect("header serialises");
        let mut buf: Vec<u8> = Vec::new();
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        put_bytes(&mut buf, &header);
        put_bytes(&mut buf, self.vocab.words().join("\n").as_bytes());
        for &c in self.vocab.counts() {
            buf.extend_from_slice(&c.to_le_bytes());
        }
        for &c in &self.columns {
            buf.extend_from_slice(&c.to_le_bytes());
        }
        for l in &self.dendrogram.levels {
            for &c in &l.partition {
                buf.extend_from_slice(&c.to_le_bytes());
            }
        }
        let (indptr, indices, values) = self.matrix.raw();
        for &p in indptr {
            buf.extend_from_slice(&(p as u64).to_le_bytes());
        }
        for &i in indices {
            buf.extend_from_slice(&i.to_le_bytes());
        }
        for &v in values {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        let sum = fnv1a(&buf);
        buf.extend_from_slice(&sum.to_le_bytes());
        write_atomically(path, |w| w.write_all(&buf))
    }

    /// Loads a model saved by [`SinrModel::save`].
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read, [`Error::BadModel`] if it is not a complete,
    /// intact model file of this version.
    pub fn load(path: impl AsRef<Path>) -> Result<SinrModel> {
        let path = path.as_ref();
        let mut bytes = Vec::new();
        File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| Error::io(path, e))?;
        parse(&bytes).map_err(|reason| Error::BadModel {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Writes the vectors in the word2vec text format (`rows cols` header, then one line per
    /// word with every value), atomically.
    pub fn export_word2vec(&self, path: impl AsRef<Path>) -> Result<()> {
        let m = &self.matrix;
        write_atomically(path.as_ref(), |w| {
            writeln!(w, "{} {}", m.n_rows(), m.n_cols())?;
            let mut dense = vec![0.0f64; m.n_cols()];
            for (r, word) in self.vocab.words().iter().enumerate() {
                let (idx, val) = m.row(r);
                for (&c, &v) in idx.iter().zip(val) {
                    dense[c as usize] = v;
                }
                w.write_all(word.as_bytes())?;
                for x in &dense {
                    if *x == 0.0 {
                        w.write_all(b" 0")?;
                    } else {
                        write!(w, " {}", *x as f32)?;
                    }
                }
                w.write_all(b"\n")?;
                for &c in idx {
                    dense[c as usize] = 0.0;
                }
            }
            Ok(())
        })
    }
}

fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    buf.extend_from_slice(bytes);
}

/// A cursor that never reads or allocates past the end of the input.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64, what: &str) -> std::result::Result<&'a [u8], String> {
        let left = self.bytes.len() - self.pos;
        let n = usize::try_from(n)
            .ok()
            .filter(|&n| n <= left)
            .ok_or_else(|| format!("truncated: {what} needs {n} bytes, {left} left"))?;
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u64(&mut self, what: &str) -> std::result::Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8 bytes"),
        ))
    }

    fn array<T, const N: usize>(
        &mut self,
        count: u64,
        what: &str,
        conv: fn([u8; N]) -> T,
    ) -> std::result::Result<Vec<T>, String> {
        let bytes = count
            .checked_mul(N as u64)
            .ok_or_else(|| format!("{what}: size overflows"))?;
        let raw = self.take(bytes, what)?;
        Ok(raw
            .chunks_exact(N)
            .map(|c| conv(c.try_into().expect("chunk")))
            .collect())
    }
}

fn parse(bytes: &[u8]) -> std::result::Result<SinrModel, String> {
    if bytes.len() < MAGIC.len() + 4 + 8 || &bytes[..8] != MAGIC {
        return Err("wrong magic bytes (not a SINr model, or an empty file)".into());
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(format!(
            "format version {version}, this build reads version {FORMAT_VERSION}"
        ));
    }
    let (body, tail) = bytes.split_at(bytes.len() - 8);
    let stored = u64::from_le_bytes(tail.try_into().expect("8 bytes"));
    if fnv1a(body) != stored {
        return Err("checksum mismatch (the file is truncated or corrupted)".into());
    }
    let mut r = Reader {
        bytes: body,
        pos: 12,
    };
    let hlen = r.u64("header length")?;
    let header: Header =
        serde_json::from_slice(r.take(hlen, "header")?).map_err(|e| format!("bad header: {e}"))?;
    let wlen = r.u64("words length")?;
    let words = std::str::from_utf8(r.take(wlen, "words")?)
        .map_err(|_| "words are not UTF-8".to_owned())?;
    let words: Vec<String> = if words.is_empty() {
        Vec::new()
    } else {
        words.split('\n').map(str::to_owned).collect()
    };
    if words.len() as u64 != header.n_rows {
        return Err(format!("{} words for {} rows", words.len(), header.n_rows));
    }
    if words.windows(2).any(|w| w[0] >= w[1]) {
        return Err("words are not sorted and distinct".into());
    }
    let counts = r.array(header.n_rows, "counts", u64::from_le_bytes)?;
    let columns = r.array(header.n_cols, "columns", u32::from_le_bytes)?;
    if header.levels.is_empty() || header.level >= header.levels.len() as u64 {
        return Err("no level, or the model's level does not exist".into());
    }
    let mut levels = Vec::with_capacity(header.levels.len());
    for (i, meta) in header.levels.iter().enumerate() {
        // A partition of n words has at most n communities: a larger claim is a lie that
        // would make later steps allocate per community.
        if meta.n_communities > header.n_rows.max(1) {
            return Err(format!(
                "level {i}: {} communities for {} words",
                meta.n_communities, header.n_rows
            ));
        }
        let partition = r.array(header.n_rows, "partition", u32::from_le_bytes)?;
        if partition
            .iter()
            .any(|&c| u64::from(c) >= meta.n_communities)
        {
            return Err(format!("level {i}: community id out of range"));
        }
        levels.push(Level {
            partition,
            n_communities: meta.n_communities as usize,
            modularity: meta.modularity,
            standard_modularity: meta.standard_modularity,
            passes: meta.passes as usize,
            resolution: meta.resolution,
        });
    }
    let level_k = header.levels[header.level as usize].n_communities;
    if columns.iter().any(|&c| u64::from(c) >= level_k) {
        return Err("a column names a community that does not exist".into());
    }
    let indptr = r.array(header.n_rows + 1, "row pointer", |b: [u8; 8]| {
        u64::from_le_bytes(b) as usize
    })?;
    let indices = r.array(header.nnz, "indices", u32::from_le_bytes)?;
    let values = r.array(header.nnz, "values", f64::from_le_bytes)?;
    if r.pos != body.len() {
        return Err(format!(
            "{} unexpected bytes after the data",
            body.len() - r.pos
        ));
    }
    let matrix = SparseMatrix::from_raw(header.n_cols as usize, indptr, indices, values)?;
    let vocab = Vocabulary::from_sorted(words, counts);
    Ok(SinrModel::new(
        header.config,
        vocab,
        Dendrogram {
            resolution: header.resolution,
            levels,
        },
        header.level as usize,
        columns,
        matrix,
        header.report,
    ))
}
