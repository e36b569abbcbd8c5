//! `cargo xtask reproduce [EXPERIMENT…] [--quick]`: fetch, train, evaluate, write the tables.
//!
//! Every experiment writes `results/<experiment>/<quick|full>.json` (with provenance), a block
//! of `docs/results.md` between generated markers, and its plots under `docs/img/`. The quick
//! setting runs on slices in minutes on two CPU cores; it writes its own blocks and files, so it
//! never overwrites the full results.

mod embeddings;
mod interpretability;
mod linear;
mod tasks;

use std::path::PathBuf;

use anyhow::{Result, bail};
use sinr_data::{Cache, Clients, Manifest};

use crate::util::{build_sinr, root};

/// Experiments, in the order `reproduce` runs them.
pub const EXPERIMENTS: &[&str] = &["embeddings", "tasks", "interpretability"];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Experiments to run (default: all): embeddings, tasks, interpretability.
    experiments: Vec<String>,
    /// Small slices, minutes on two cores.
    #[arg(long)]
    quick: bool,
    /// The data cache (default: SINR_DATA_DIR, else ~/.cache/sinr).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// `interpretability` only: analyse the task runs that exist instead of training the missing
    /// ones first (to look at a long `tasks` run while it goes on).
    #[arg(long)]
    available: bool,
    /// `interpretability` only: these tasks (comma-separated) instead of all.
    #[arg(long, value_delimiter = ',')]
    tasks: Vec<String>,
}

/// What every experiment gets.
#[derive(Debug)]
pub struct Ctx {
    pub quick: bool,
    /// Use only the runs that exist (see `Args::available`).
    pub available: bool,
    /// Restrict `interpretability` to these tasks (empty: all).
    pub tasks: Vec<String>,
    pub sinr: PathBuf,
    pub cache: Cache,
    pub manifest: Manifest,
    pub clients: Clients,
    /// Scratch (models, corpora): `target/reproduce/<quick|full>`.
    pub work: PathBuf,
}

impl Ctx {
    pub fn setting(&self) -> &'static str {
        if self.quick { "quick" } else { "full" }
    }

    pub fn log(&self) -> impl Fn(&str) + '_ {
        |m: &str| eprintln!("  {m}")
    }
}

pub fn run(args: &Args) -> Result<()> {
    let selected: Vec<&str> = if args.experiments.is_empty() {
        EXPERIMENTS.to_vec()
    } else {
        for e in &args.experiments {
            if !EXPERIMENTS.contains(&e.as_str()) {
                bail!(
                    "unknown experiment `{e}` (known: {})",
                    EXPERIMENTS.join(", ")
                );
            }
        }
        args.experiments.iter().map(String::as_str).collect()
    };
    let manifest = crate::data::load(None)?;
    let setting = if args.quick { "quick" } else { "full" };
    let ctx = Ctx {
        quick: args.quick,
        available: args.available,
        tasks: args.tasks.clone(),
        sinr: build_sinr()?,
        cache: Cache::new(args.data_dir.clone().unwrap_or_else(Cache::default_root)),
        manifest,
        clients: Clients::default(),
        work: root().join("target/reproduce").join(setting),
    };
    std::fs::create_dir_all(&ctx.work)?;
    let t = std::time::Instant::now();
    for e in selected {
        eprintln!("== experiment `{e}` ({setting})");
        match e {
            "embeddings" => embeddings::run(&ctx)?,
            "tasks" => tasks::run(&ctx)?,
            "interpretability" => interpretability::run(&ctx)?,
            _ => unreachable!(),
        }
    }
    eprintln!("== done in {:.1} min", t.elapsed().as_secs_f64() / 60.0);
    Ok(())
}
