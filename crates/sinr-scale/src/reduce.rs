//! The reduce steps: the shards' counts summed by a SQL engine, after checking that they fit
//! together.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use futures::StreamExt as _;
use sinr_embed::{CooccurrenceMatrix, Corpus, CorpusStats, Shard, Vocabulary, select_vocabulary};
use sinr_util::{Progress, ProgressUnit};

use crate::error::{Error, Result};
use crate::files::{
    CountSettings, FORMAT, FileKind, ParquetOut, ShardMeta, for_each_pair, read_meta, shard_path,
    short, subdir, vocabulary_fingerprint, write_parquet,
};
use crate::map::{COUNTS_FILE, VOCABULARY_FILE, map_pairs, map_words, read_vocabulary};

/// The reduce of the word counts, over the table `words` of every words shard.
pub const WORDS_QUERY: &str = "SELECT word, SUM(n) AS n FROM words GROUP BY word";

/// The reduce of the pair counts, over the table `pairs` of every pairs shard.
pub const PAIRS_QUERY: &str = "SELECT a, b, SUM(n) AS n FROM pairs GROUP BY a, b ORDER BY a, b";

/// Where a reduce runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    /// Apache DataFusion, in this process.
    DataFusion {
        /// Memory the query may hold, in bytes, before it spills to disk (`None`: no limit).
        memory_limit: Option<usize>,
        /// Where spill files go (`None`: the system's temporary directory).
        spill_dir: Option<PathBuf>,
        /// Partitions the query runs in (`None`: one per core).
        partitions: Option<usize>,
    },
    /// A Ballista cluster: its scheduler's address (`df://host:port`). The executors read the
    /// shards at the paths this process sees, so they must share its file system.
    #[cfg(feature = "ballista")]
    Ballista {
        /// The scheduler, `df://host:port`.
        scheduler: String,
    },
}

impl Default for Engine {
    fn default() -> Self {
        Engine::DataFusion {
            memory_limit: None,
            spill_dir: None,
            partitions: None,
        }
    }
}

impl Engine {
    fn name(&self) -> &'static str {
        match self {
            Engine::DataFusion { .. } => "DataFusion",
            #[cfg(feature = "ballista")]
            Engine::Ballista { .. } => "Ballista",
        }
    }

    fn err(&self, e: impl std::fmt::Display) -> Error {
        Error::Engine {
            engine: self.name(),
            message: e.to_string(),
        }
    }

    async fn context(&self) -> Result<SessionContext> {
        match self {
            Engine::DataFusion {
                memory_limit,
                spill_dir,
                partitions,
            } => {
                let mut rt = RuntimeEnvBuilder::new();
                if let Some(limit) = memory_limit {
                    // A fair pool: the hash aggregation and the sort after it each get their
                    // share and spill, instead of the first taking everything.
                    rt = rt.with_memory_pool(Arc::new(FairSpillPool::new(*limit)));
                }
                if let Some(dir) = spill_dir {
                    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                    rt = rt.with_temp_file_path(dir.clone());
                }
                let mut config = SessionConfig::new();
                if let Some(limit) = memory_limit {
                    // The sort keeps this much aside to merge its spilled runs (10 MiB by
                    // default, more than a small limit holds).
                    config.options_mut().execution.sort_spill_reservation_bytes =
                        (*limit / 8).min(10 << 20);
                    // Each operator takes memory a batch at a time: under a small limit,
                    // smaller batches leave every operator its share.
                    if *limit < 256 << 20 {
                        config = config.with_batch_size(1024);
                    }
                }
                if let Some(p) = partitions {
                    config = config.with_target_partitions((*p).max(1));
                }
                Ok(SessionContext::new_with_config_rt(
                    config,
                    rt.build_arc().map_err(|e| self.err(e))?,
                ))
            }
            #[cfg(feature = "ballista")]
            Engine::Ballista { scheduler } => {
                use ballista::prelude::SessionContextExt as _;
                SessionContext::remote(scheduler)
                    .await
                    .map_err(|e| self.err(format!("cannot reach the scheduler {scheduler}: {e}")))
            }
        }
    }

    /// Runs `sql` over the Parquet files of `table_dir` registered as `table`, handing every
    /// result batch to `sink` as it comes; returns what the plan spilled to disk.
    fn run(
        &self,
        table: &str,
        table_dir: &Path,
        sql: &str,
        mut sink: impl FnMut(RecordBatch) -> Result<()>,
    ) -> Result<Spilled> {
        let spilled = self.run_query(table, table_dir, sql, &mut sink);
        // The spill directory is made for the query; left empty, it is clutter.
        if let Engine::DataFusion {
            spill_dir: Some(d), ..
        } = self
        {
            let _ = std::fs::remove_dir(d);
        }
        spilled
    }

    fn run_query(
        &self,
        table: &str,
        table_dir: &Path,
        sql: &str,
        sink: &mut impl FnMut(RecordBatch) -> Result<()>,
    ) -> Result<Spilled> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| self.err(e))?;
        runtime.block_on(async {
            let ctx = self.context().await?;
            let location = format!("{}/", table_dir.display());
            ctx.register_parquet(table, &location, ParquetReadOptions::default())
                .await
                .map_err(|e| self.err(e))?;
            let df = ctx.sql(sql).await.map_err(|e| self.err(e))?;
            let plan = df.create_physical_plan().await.map_err(|e| self.err(e))?;
            let mut stream =
                datafusion::physical_plan::execute_stream(plan.clone(), ctx.task_ctx())
                    .map_err(|e| self.err(e))?;
            while let Some(batch) = stream.next().await {
                sink(batch.map_err(|e| self.err(e))?)?;
            }
            let mut spilled = Spilled::default();
            spilled.add_plan(&plan);
            Ok(spilled)
        })
    }
}

/// What a reduce spilled to disk to stay under its memory limit (as the engine's operators in
/// this process report it; a Ballista cluster's executors report theirs in their logs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spilled {
    /// Spill files written.
    pub files: usize,
    /// Bytes written to them.
    pub bytes: usize,
}

impl Spilled {
    fn add_plan(&mut self, plan: &Arc<dyn datafusion::physical_plan::ExecutionPlan>) {
        if let Some(m) = plan.metrics() {
            self.files += m.spill_count().unwrap_or(0);
            self.bytes += m.spilled_bytes().unwrap_or(0);
        }
        for c in plan.children() {
            self.add_plan(c);
        }
    }

    fn describe(&self) -> String {
        if self.files == 0 {
            String::new()
        } else {
            format!(
                "; spilled {:.1} MiB in {} file(s)",
                self.bytes as f64 / (1 << 20) as f64,
                self.files
            )
        }
    }
}

/// What [`reduce_pairs`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reduced {
    /// `DIR/counts.parquet`.
    pub path: PathBuf,
    /// Distinct pairs.
    pub rows: u64,
    /// Shards reduced.
    pub shards: usize,
    /// What the engine spilled.
    pub spilled: Spilled,
}

/// The shards of a map step in `dir`, checked: every file readable and of the kind, all with
/// the same settings, corpus and number of shards, each index from 0 to N − 1 present once.
/// Returns their metadata in index order and the text statistics summed.
fn check_shards(dir: &Path, kind: FileKind) -> Result<(Vec<ShardMeta>, CorpusStats)> {
    let sub = dir.join(subdir(kind));
    let step = match kind {
        FileKind::Words => "words",
        _ => "pairs",
    };
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&sub) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    if paths.is_empty() {
        return Err(Error::dir(
            dir,
            format!(
                "no {step} shards in {}: run `sinr embed count {step} --shard I/N --out {}` for every shard first",
                sub.display(),
                dir.display()
            ),
        ));
    }
    let mut by_index: BTreeMap<usize, (PathBuf, ShardMeta)> = BTreeMap::new();
    let mut first: Option<(PathBuf, ShardMeta)> = None;
    for path in paths {
        let meta = read_meta(&path)?;
        let Some(shard) = meta.shard.filter(|_| meta.kind == kind) else {
            return Err(Error::file(
                &path,
                format!("holds {:?} counts, not a {step} shard", meta.kind),
            ));
        };
        if shard_path(dir, kind, shard) != path {
            return Err(Error::file(
                &path,
                format!(
                    "holds shard {shard}, which belongs in {}",
                    shard_path(dir, kind, shard).display()
                ),
            ));
        }
        if let Some((fpath, fmeta)) = &first {
            if let Some(why) = fmeta.same_counting(&meta) {
                return Err(Error::file(
                    &path,
                    format!("cannot be reduced with {}: {why}", fpath.display()),
                ));
            }
            let n = fmeta.shard.map_or(0, |s| s.count);
            if shard.count != n {
                return Err(Error::file(
                    &path,
                    format!(
                        "is shard {shard}, but {} is one of {n} shards: shards of different cuts cannot be mixed",
                        fpath.display()
                    ),
                ));
            }
            if meta.vocabulary_sha256 != fmeta.vocabulary_sha256 {
                return Err(Error::file(
                    &path,
                    format!(
                        "was counted over another vocabulary than {}",
                        fpath.display()
                    ),
                ));
            }
        } else {
            first = Some((path.clone(), meta.clone()));
        }
        by_index.insert(shard.index, (path, meta));
    }
    let n = first
        .as_ref()
        .and_then(|f| f.1.shard)
        .map_or(0, |s| s.count);
    let missing: Vec<String> = (0..n)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::dir(
            dir,
            format!(
                "{} of {n} {step} shards missing ({}): run `sinr embed count {step} --shard I/N` for them",
                missing.len(),
                missing
                    .iter()
                    .take(10)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let mut stats = CorpusStats::default();
    let metas: Vec<ShardMeta> = by_index
        .into_values()
        .map(|(_, m)| {
            stats.add(&m.stats);
            m
        })
        .collect();
    Ok((metas, stats))
}

fn as_u64(engine: &Engine, c: &ArrayRef) -> Result<UInt64Array> {
    let c = cast(c, &DataType::UInt64).map_err(|e| engine.err(e))?;
    Ok(c.as_any()
        .downcast_ref::<UInt64Array>()
        .expect("cast to UInt64")
        .clone())
}

/// Reduce step 1: sums the words shards of `dir` with `engine`, applies the frequency filter
/// and `max_vocab` of their settings, and writes the vocabulary to `DIR/vocabulary.parquet`.
///
/// # Errors
/// Shards that are missing, unreadable or do not fit together (the error names the file), an
/// engine failure, or a corpus that leaves no word.
pub fn reduce_words(dir: &Path, engine: &Engine, progress: &dyn Progress) -> Result<Vocabulary> {
    let (metas, stats) = check_shards(dir, FileKind::Words)?;
    let first = &metas[0];
    progress.start(
        &format!(
            "summing the words of {} shard(s) ({})",
            metas.len(),
            engine.name()
        ),
        None,
        ProgressUnit::Items("rows"),
    );
    let mut counts: Vec<(String, u64)> = Vec::new();
    let spilled = engine.run("words", &dir.join("words"), WORDS_QUERY, |b| {
        let w = b
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .map(|a| {
                a.iter()
                    .map(|w| w.unwrap_or_default().to_owned())
                    .collect::<Vec<_>>()
            })
            .or_else(|| {
                cast(b.column(0), &DataType::Utf8).ok().map(|c| {
                    let a = c
                        .as_any()
                        .downcast_ref::<StringArray>()
                        .expect("utf8")
                        .clone();
                    a.iter().map(|w| w.unwrap_or_default().to_owned()).collect()
                })
            })
            .ok_or_else(|| engine.err("the word column is not text"))?;
        let n = as_u64(engine, b.column(1))?;
        progress.advance(w.len() as u64);
        counts.extend(w.into_iter().zip(n.values().iter().copied()));
        Ok(())
    })?;
    let distinct = counts.len();
    let source = first
        .corpus
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let (vocab, capped) = select_vocabulary(counts, &first.settings.tokenizer, &stats, &source)?;
    progress.finish(&format!(
        "{} tokens, {distinct} distinct words, {} kept (min_freq {}{}){}",
        stats.tokens,
        vocab.len(),
        first.settings.tokenizer.min_freq,
        if capped > 0 {
            format!(", max_vocab dropped {capped} more")
        } else {
            String::new()
        },
        spilled.describe()
    ));
    let words: Vec<(String, u64)> = vocab
        .words()
        .iter()
        .cloned()
        .zip(vocab.counts().iter().copied())
        .collect();
    let meta = ShardMeta {
        format: FORMAT,
        kind: FileKind::Vocabulary,
        settings: first.settings.clone(),
        settings_sha256: first.settings_sha256.clone(),
        corpus: first.corpus.clone(),
        shard: None,
        stats,
        vocabulary_sha256: Some(vocabulary_fingerprint(&vocab)),
        vocabulary_size: Some(vocab.len()),
        rows: words.len() as u64,
    };
    write_parquet(
        &dir.join(VOCABULARY_FILE),
        &meta,
        crate::files::word_batches(&words),
    )?;
    Ok(vocab)
}

/// Reduce step 2: sums the pairs shards of `dir` with `engine` into `DIR/counts.parquet`
/// (sorted by `a, b`); says what it wrote.
///
/// # Errors
/// No vocabulary, shards that are missing, unreadable, counted over another vocabulary or do not
/// fit together (the error names the file), or an engine failure.
pub fn reduce_pairs(dir: &Path, engine: &Engine, progress: &dyn Progress) -> Result<Reduced> {
    let (vocab, vmeta, vpath) = read_vocabulary(dir)?;
    let (metas, stats) = check_shards(dir, FileKind::Pairs)?;
    let first = &metas[0];
    if let Some(why) = vmeta.same_counting(first) {
        return Err(Error::file(
            shard_path(dir, FileKind::Pairs, first.shard.expect("a shard")),
            format!("does not fit {}: {why}", vpath.display()),
        ));
    }
    if first.vocabulary_sha256 != vmeta.vocabulary_sha256 {
        return Err(Error::file(
            shard_path(dir, FileKind::Pairs, first.shard.expect("a shard")),
            format!(
                "was counted over another vocabulary than {} (fingerprint {} against {}): count the pairs again",
                vpath.display(),
                first.vocabulary_sha256.as_deref().map_or("none", short),
                vmeta.vocabulary_sha256.as_deref().map_or("none", short),
            ),
        ));
    }
    progress.start(
        &format!(
            "summing the pairs of {} shard(s) ({})",
            metas.len(),
            engine.name()
        ),
        None,
        ProgressUnit::Items("pairs"),
    );
    let path = dir.join(COUNTS_FILE);
    let mut out = ParquetOut::create(&path, FileKind::Counts)?;
    let mut rows = 0u64;
    let spilled = engine.run("pairs", &dir.join("pairs"), PAIRS_QUERY, |b| {
        let a = cast(b.column(0), &DataType::UInt32).map_err(|e| engine.err(e))?;
        let bb = cast(b.column(1), &DataType::UInt32).map_err(|e| engine.err(e))?;
        let n = Arc::new(as_u64(engine, b.column(2))?) as ArrayRef;
        rows += b.num_rows() as u64;
        progress.advance(b.num_rows() as u64);
        out.write(vec![a, bb, n])
    })?;
    out.finish(&ShardMeta {
        format: FORMAT,
        kind: FileKind::Counts,
        settings: vmeta.settings.clone(),
        settings_sha256: vmeta.settings_sha256.clone(),
        corpus: vmeta.corpus.clone(),
        shard: None,
        stats,
        vocabulary_sha256: vmeta.vocabulary_sha256.clone(),
        vocabulary_size: Some(vocab.len()),
        rows,
    })?;
    progress.finish(&format!("{rows} distinct pairs{}", spilled.describe()));
    Ok(Reduced {
        path,
        rows,
        shards: metas.len(),
        spilled,
    })
}

/// What the reduce steps leave: a corpus's vocabulary, co-occurrence counts, statistics and
/// the settings they were counted with.
#[derive(Debug, Clone, PartialEq)]
pub struct CountedCorpus {
    /// The vocabulary (word ids).
    pub vocab: Vocabulary,
    /// The co-occurrence counts over it.
    pub counts: CooccurrenceMatrix,
    /// Text statistics of the whole corpus.
    pub stats: CorpusStats,
    /// The settings of the counts.
    pub settings: CountSettings,
}

/// Reads the vocabulary and the reduced counts of `dir`, checking that they belong together.
///
/// # Errors
/// A file missing or unreadable, counts of another vocabulary, or rows out of order.
pub fn load_counts(dir: &Path) -> Result<CountedCorpus> {
    let (vocab, vmeta, vpath) = read_vocabulary(dir)?;
    let path = dir.join(COUNTS_FILE);
    if !path.exists() {
        return Err(Error::dir(
            dir,
            format!(
                "no {COUNTS_FILE}: reduce the pair counts first (`sinr embed count reduce-pairs {}`)",
                dir.display()
            ),
        ));
    }
    let meta = read_meta(&path)?;
    if meta.kind != FileKind::Counts {
        return Err(Error::file(
            &path,
            format!("holds {:?}, not reduced counts", meta.kind),
        ));
    }
    if meta.vocabulary_sha256 != vmeta.vocabulary_sha256
        || meta.settings_sha256 != vmeta.settings_sha256
    {
        return Err(Error::file(
            &path,
            format!(
                "was reduced over another vocabulary or settings than {}",
                vpath.display()
            ),
        ));
    }
    let mut rows = Vec::with_capacity(meta.rows as usize);
    for_each_pair(&path, |a, b, n| rows.push((a, b, n)))?;
    let counts = CooccurrenceMatrix::from_sorted_entries(vocab.len(), rows)
        .map_err(|e| Error::file(&path, e.to_string()))?;
    Ok(CountedCorpus {
        vocab,
        counts,
        stats: meta.stats,
        settings: meta.settings,
    })
}

/// Every step on this machine: `shards` words maps, the words reduce, `shards` pairs maps and
/// the pairs reduce, into `dir`; then [`load_counts`]. What a cluster does step by step, for a
/// single machine and for the tests. Returns the counts with the seconds the words (maps and
/// reduce) and the pairs (maps, reduce and loading) took.
///
/// # Errors
/// As the steps.
pub fn count_locally(
    corpus: &Corpus,
    settings: &CountSettings,
    shards: usize,
    dir: &Path,
    engine: &Engine,
    progress: &dyn Progress,
) -> Result<(CountedCorpus, [f64; 2])> {
    let t = std::time::Instant::now();
    for i in 0..shards {
        map_words(corpus, Shard::new(i, shards)?, settings, dir, progress)?;
    }
    reduce_words(dir, engine, progress)?;
    let words = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    for i in 0..shards {
        map_pairs(corpus, Shard::new(i, shards)?, dir, progress)?;
    }
    reduce_pairs(dir, engine, progress)?;
    let counted = load_counts(dir)?;
    Ok((counted, [words, t.elapsed().as_secs_f64()]))
}
