//! `sinr embed count`: counting as map steps per shard and reduces by a SQL engine
//! (`sinr-scale`), for corpora past one machine or past its memory.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use sinr_embed::{Corpus, Shard};
use sinr_scale::{CountSettings, Engine};

use crate::embed::{Preset, TokenizerArgs, base_config, set};
use crate::progress::Bars;

/// The steps of `sinr embed count`.
#[derive(Debug, Subcommand)]
pub enum CountCommand {
    /// Map step 1: count the words of one shard of the corpus into
    /// `DIR/words/shard-I-of-N.parquet`. Every shard must be given the same corpus files (in
    /// the same order) and settings; the reduce checks.
    Words(WordsArgs),
    /// Reduce step 1: sum the words shards of DIR and choose the vocabulary (the frequency
    /// filter), into `DIR/vocabulary.parquet`.
    ReduceWords(ReduceArgs),
    /// Map step 2: count the co-occurrences of one shard over the vocabulary of DIR (with the
    /// settings stored there), into `DIR/pairs/shard-I-of-N.parquet`.
    Pairs(PairsArgs),
    /// Reduce step 2: sum the pairs shards of DIR into `DIR/counts.parquet`, which
    /// `sinr embed train --counts DIR` embeds.
    ReducePairs(ReduceArgs),
    /// Every step on this machine, one shard after the other: a corpus counted in `--shards`
    /// parts holds one part's words and pairs at a time, and the reduce spills to disk under
    /// `--memory-limit`.
    All(AllArgs),
    /// Run a Ballista scheduler (a cluster's coordinator) until stopped.
    #[cfg(feature = "ballista")]
    Scheduler {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on.
        #[arg(long, default_value_t = 50050)]
        port: u16,
    },
    /// Run a Ballista executor (a cluster's worker) until stopped. It reads the shards at the
    /// paths the client gives, so it must see the counts directory where the client does.
    #[cfg(feature = "ballista")]
    Executor {
        /// The scheduler's host.
        #[arg(long, default_value = "localhost")]
        scheduler_host: String,
        /// The scheduler's port.
        #[arg(long, default_value_t = 50050)]
        scheduler_port: u16,
        /// Port for shuffle data (Arrow Flight).
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// Port for tasks (gRPC).
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Tasks run at once [default: one per core].
        #[arg(long)]
        concurrency: Option<usize>,
        /// Where shuffle files go [default: a temporary directory].
        #[arg(long)]
        work_dir: Option<PathBuf>,
    },
}

/// The settings of the counts: a TOML config or a preset, changed by the tokenizer flags.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// A TOML file with any part of the config (its tokenizer and co-occurrence parts apply).
    #[arg(long, conflicts_with = "preset")]
    config: Option<PathBuf>,
    /// The settings the flags change (see `sinr embed train --help`) [default: reference].
    #[arg(long, value_enum)]
    preset: Option<Preset>,
    #[command(flatten)]
    tok: TokenizerArgs,
    /// Co-occurrence window half-width [default: 5].
    #[arg(long)]
    window: Option<usize>,
}

impl SettingsArgs {
    fn settings(&self) -> Result<CountSettings> {
        let mut cfg = base_config(self.config.as_deref(), self.preset)?;
        self.tok.apply(&mut cfg.tokenizer)?;
        set(&mut cfg.cooccurrence.window, self.window);
        cfg.validate()?;
        Ok(CountSettings::new(&cfg.tokenizer, &cfg.cooccurrence))
    }
}

/// Where a reduce runs.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// Memory the reduce may hold before it spills to disk: bytes, or with a unit (`512M`,
    /// `16G`, `16GiB`) [default: no limit].
    #[arg(long, value_parser = parse_size)]
    memory_limit: Option<usize>,
    /// Where spill files go [default: `DIR/spill`].
    #[arg(long)]
    spill_dir: Option<PathBuf>,
    /// Partitions the query runs in [default: one per core].
    #[arg(long)]
    partitions: Option<usize>,
    /// Reduce on a Ballista cluster: its scheduler, `df://host:port` (the executors must see
    /// the counts directory at the same path).
    #[cfg(feature = "ballista")]
    #[arg(long, conflicts_with_all = ["memory_limit", "spill_dir", "partitions"])]
    scheduler: Option<String>,
}

impl EngineArgs {
    fn engine(&self, dir: &Path) -> Engine {
        #[cfg(feature = "ballista")]
        if let Some(s) = &self.scheduler {
            return Engine::Ballista {
                scheduler: s.clone(),
            };
        }
        Engine::DataFusion {
            memory_limit: self.memory_limit,
            spill_dir: Some(self.spill_dir.clone().unwrap_or_else(|| dir.join("spill"))),
            partitions: self.partitions,
        }
    }
}

/// `sinr embed count words`.
#[derive(Debug, Args)]
pub struct WordsArgs {
    /// The whole corpus: every text file, in order (each shard is given all of them).
    #[arg(long, required = true, num_args = 1..)]
    corpus: Vec<PathBuf>,
    /// Which shard: `I/N`, the 0-based index and the number of shards.
    #[arg(long)]
    shard: Shard,
    /// The counts directory (created).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    settings: SettingsArgs,
}

/// `sinr embed count pairs`.
#[derive(Debug, Args)]
pub struct PairsArgs {
    /// The whole corpus, as given to the words step.
    #[arg(long, required = true, num_args = 1..)]
    corpus: Vec<PathBuf>,
    /// Which shard: `I/N` (any number of shards; it need not be the words step's).
    #[arg(long)]
    shard: Shard,
    /// The counts directory, with its vocabulary.
    #[arg(long)]
    out: PathBuf,
}

/// `sinr embed count reduce-words|reduce-pairs`.
#[derive(Debug, Args)]
pub struct ReduceArgs {
    /// The counts directory.
    dir: PathBuf,
    #[command(flatten)]
    engine: EngineArgs,
}

/// `sinr embed count all`.
#[derive(Debug, Args)]
pub struct AllArgs {
    /// The corpus: text files, in order.
    #[arg(long, required = true, num_args = 1..)]
    corpus: Vec<PathBuf>,
    /// Number of shards (each one's distinct words and pairs are held at a time).
    #[arg(long, default_value_t = 1)]
    shards: usize,
    /// The counts directory (created).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    settings: SettingsArgs,
    #[command(flatten)]
    engine: EngineArgs,
}

/// A size in bytes: a number, optionally with K, M, G or T (powers of 1024; `B`/`iB` allowed).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let digits = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let num: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (a number, then K, M, G or T)"))?;
    let mult: f64 = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        "T" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(format!("`{s}`: unknown unit `{unit}` (K, M, G or T)")),
    };
    let bytes = num * mult;
    if !(bytes >= 1.0 && bytes < usize::MAX as f64) {
        return Err(format!("`{s}` is not a usable size"));
    }
    Ok(bytes as usize)
}

fn corpus_of(paths: &[PathBuf]) -> Result<Corpus> {
    let c = Corpus::new(paths.iter().cloned());
    c.check()?;
    Ok(c)
}

fn say(quiet: bool, msg: impl AsRef<str>) {
    if !quiet {
        eprintln!("{}", msg.as_ref());
    }
}

/// Says which shard file a map step wrote, and how long it took.
fn wrote(quiet: bool, path: &Path, start: Instant) {
    say(
        quiet,
        format!(
            "wrote {} in {:.1} s",
            path.display(),
            start.elapsed().as_secs_f64()
        ),
    );
}

/// Runs one `sinr embed count` step.
pub fn run(cmd: CountCommand, quiet: bool) -> Result<()> {
    let bars = Bars::new(quiet);
    let start = Instant::now();
    match cmd {
        CountCommand::Words(a) => {
            let settings = a.settings.settings()?;
            let p =
                sinr_scale::map_words(&corpus_of(&a.corpus)?, a.shard, &settings, &a.out, &bars)
                    .with_context(|| format!("words of shard {}", a.shard))?;
            wrote(quiet, &p, start);
        }
        CountCommand::Pairs(a) => {
            let p = sinr_scale::map_pairs(&corpus_of(&a.corpus)?, a.shard, &a.out, &bars)
                .with_context(|| format!("pairs of shard {}", a.shard))?;
            wrote(quiet, &p, start);
        }
        CountCommand::ReduceWords(a) => {
            let v = sinr_scale::reduce_words(&a.dir, &a.engine.engine(&a.dir), &bars)?;
            say(
                quiet,
                format!(
                    "vocabulary of {} words in {} ({:.1} s); next: `sinr embed count pairs --shard I/N` for every shard",
                    v.len(),
                    a.dir.join("vocabulary.parquet").display(),
                    start.elapsed().as_secs_f64()
                ),
            );
        }
        CountCommand::ReducePairs(a) => {
            let r = sinr_scale::reduce_pairs(&a.dir, &a.engine.engine(&a.dir), &bars)?;
            say(
                quiet,
                format!(
                    "{} pairs of {} shards in {} ({:.1} s); next: `sinr embed train --counts {} --out MODEL`",
                    r.rows,
                    r.shards,
                    r.path.display(),
                    start.elapsed().as_secs_f64(),
                    a.dir.display()
                ),
            );
        }
        CountCommand::All(a) => {
            if a.shards == 0 {
                bail!("--shards must be at least 1");
            }
            let settings = a.settings.settings()?;
            let corpus = corpus_of(&a.corpus)?;
            let engine = a.engine.engine(&a.out);
            let mut times = Vec::new();
            let t = Instant::now();
            for i in 0..a.shards {
                sinr_scale::map_words(&corpus, Shard::new(i, a.shards)?, &settings, &a.out, &bars)?;
            }
            times.push(("map words", t.elapsed().as_secs_f64()));
            let t = Instant::now();
            let v = sinr_scale::reduce_words(&a.out, &engine, &bars)?;
            times.push(("reduce words", t.elapsed().as_secs_f64()));
            let t = Instant::now();
            for i in 0..a.shards {
                sinr_scale::map_pairs(&corpus, Shard::new(i, a.shards)?, &a.out, &bars)?;
            }
            times.push(("map pairs", t.elapsed().as_secs_f64()));
            let t = Instant::now();
            sinr_scale::reduce_pairs(&a.out, &engine, &bars)?;
            times.push(("reduce pairs", t.elapsed().as_secs_f64()));
            if !quiet {
                let peak = sinr_util::peak_rss_kib()
                    .map(|k| format!(", peak memory {:.1} MiB", k as f64 / 1024.0))
                    .unwrap_or_default();
                eprintln!(
                    "{} words counted in {} shard(s) into {}: {} ({:.1} s in all{peak})",
                    v.len(),
                    a.shards,
                    a.out.display(),
                    times
                        .iter()
                        .map(|(s, t)| format!("{s} {t:.1} s"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    start.elapsed().as_secs_f64()
                );
                eprintln!(
                    "next: `sinr embed train --counts {} --out MODEL`",
                    a.out.display()
                );
            }
        }
        #[cfg(feature = "ballista")]
        CountCommand::Scheduler { host, port } => {
            say(
                quiet,
                format!("Ballista scheduler on {host}:{port} (df://{host}:{port})"),
            );
            sinr_scale::cluster::run_scheduler(&host, port)?;
        }
        #[cfg(feature = "ballista")]
        CountCommand::Executor {
            scheduler_host,
            scheduler_port,
            port,
            grpc_port,
            concurrency,
            work_dir,
        } => {
            say(
                quiet,
                format!(
                    "Ballista executor on ports {port}/{grpc_port}, scheduler {scheduler_host}:{scheduler_port}"
                ),
            );
            sinr_scale::cluster::run_executor(&sinr_scale::cluster::ExecutorSettings {
                scheduler_host,
                scheduler_port,
                port,
                grpc_port,
                concurrency,
                work_dir,
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("16G"), Ok(16 << 30));
        assert_eq!(parse_size("16GiB"), Ok(16 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("1.5K"), Ok(1536));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3X").is_err());
        assert!(parse_size("0").is_err());
    }
}
