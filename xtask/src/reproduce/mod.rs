//! `cargo xtask reproduce [EXPERIMENT…] [--quick]`: fetch, train, evaluate, write the tables.
//!
//! The experiments are data: `experiments.toml` at the workspace root ([`experiments`]) says
//! what runs, with which settings, and why each deviation was chosen. Every experiment writes
//! `results/<experiment>/<quick|full>.json` (with provenance), a block of `docs/results.md`
//! between generated markers, and its plots under `docs/img/`. The quick setting runs on slices
//! in minutes on two CPU cores; it writes its own blocks and files, so it never overwrites the
//! full results.

mod embeddings;
pub mod experiments;
mod interpretability;
mod labels;
mod linear;
mod tasks;

use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;
use sinr_data::{Cache, Clients, Manifest};

use crate::util::{build_sinr, root};
use experiments::{Experiments, Setting};

/// An experiment, in the order `reproduce` runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Experiment {
    /// SINr on `en-mix`: similarity benchmarks, DistRatio, sparsity.
    Embeddings,
    /// Every model on every task, with the baselines.
    Tasks,
    /// How readable the community labels of the tasks' embeddings are (NPMI coherence on
    /// held-out text, corpus counts, word intrusion), per ranking and level.
    Labels,
    /// How faithful, compact, stable and plausible the explanations are.
    Interpretability,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Experiments to run (default: all, in this order).
    #[arg(value_enum)]
    experiments: Vec<Experiment>,
    /// Small slices, minutes on two cores.
    #[arg(long)]
    quick: bool,
    /// The data cache (default: SINR_DATA_DIR, else ~/.cache/sinr).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Train nothing: `interpretability` analyses the task runs that exist instead of training
    /// the missing ones first; `tasks` writes the tables of the runs that are finished (or kept
    /// as records), a model left out until all its seeds are (to look at a long run while it
    /// goes on, or to write the tables of a reproduction stopped midway).
    #[arg(long)]
    available: bool,
    /// These tasks (comma-separated) instead of all: `interpretability` analyses only them
    /// (into a block of `docs/results.md`, a results file and plots of their own:
    /// `results/interpretability/<setting>-<tasks>.json`), `labels` measures only their
    /// embeddings;
    /// `tasks` runs only them and keeps the other tasks' results of the earlier run in the
    /// results file and tables (each marked with that run's commit).
    #[arg(long, value_delimiter = ',')]
    tasks: Vec<String>,
    /// `tasks` trains only these models (comma-separated, as `experiments.toml` names them; a
    /// variant by its run name without task and seed, e.g. `cnn-ppmi-svd-init`) and takes the
    /// others' runs or records as `--available` does: to fill a long task's table model by
    /// model.
    #[arg(long, value_delimiter = ',')]
    models: Vec<String>,
}

/// What every experiment gets.
#[derive(Debug)]
pub struct Ctx {
    /// Quick or full.
    pub setting: Setting,
    /// The plan (`experiments.toml`).
    pub experiments: Experiments,
    /// Use only the runs that exist (see `Args::available`).
    pub available: bool,
    /// Restrict `tasks` and `interpretability` to these tasks (empty: all).
    pub tasks: Vec<String>,
    /// Train only these models and variants in `tasks` (empty: all; see `Args::models`).
    pub models: Vec<String>,
    pub sinr: PathBuf,
    /// The commit `sinr` was built from and whether the tree had changes then (what a run
    /// record says trained it, however the checkout moves while the runs train).
    pub built_from: (Option<String>, Option<bool>),
    pub cache: Cache,
    pub manifest: Manifest,
    pub clients: Clients,
    /// Scratch (models, corpora): `target/reproduce/<quick|full>`.
    pub work: PathBuf,
}

impl Ctx {
    /// Whether this is the quick setting.
    pub fn quick(&self) -> bool {
        self.setting == Setting::Quick
    }

    /// Whether `tasks` may train the runs named `name` (a model, or `model-variant-slug`):
    /// not under `--available`, and only those `--models` names when it names any.
    pub fn trains(&self, name: &str) -> bool {
        !self.available && (self.models.is_empty() || self.models.iter().any(|m| m == name))
    }

    pub fn log(&self) -> impl Fn(&str) + '_ {
        |m: &str| eprintln!("  {m}")
    }
}

pub fn run(args: &Args) -> Result<()> {
    let experiments_file = Experiments::load(&experiments::path())?;
    let mut selected = if args.experiments.is_empty() {
        Experiment::value_variants().to_vec()
    } else {
        args.experiments.clone()
    };
    selected.sort();
    selected.dedup();
    let manifest = crate::data::load(None)?;
    let setting = if args.quick {
        Setting::Quick
    } else {
        Setting::Full
    };
    let sinr = build_sinr()?;
    let built = crate::report::provenance("", crate::report::now());
    let ctx = Ctx {
        setting,
        experiments: experiments_file,
        available: args.available,
        tasks: args.tasks.clone(),
        models: args.models.clone(),
        sinr,
        built_from: (
            built["git_commit"].as_str().map(str::to_owned),
            built["git_dirty"].as_bool(),
        ),
        cache: Cache::new(args.data_dir.clone().unwrap_or_else(Cache::default_root)),
        manifest,
        clients: Clients::default(),
        work: root().join("target/reproduce").join(setting.name()),
    };
    std::fs::create_dir_all(&ctx.work)?;
    let t = std::time::Instant::now();
    for e in selected {
        let name = e.to_possible_value().expect("named").get_name().to_owned();
        eprintln!("== experiment `{name}` ({})", setting.name());
        match e {
            Experiment::Embeddings => embeddings::run(&ctx)?,
            Experiment::Tasks => tasks::run(&ctx)?,
            Experiment::Labels => labels::run(&ctx)?,
            Experiment::Interpretability => interpretability::run(&ctx)?,
        }
    }
    eprintln!("== done in {:.1} min", t.elapsed().as_secs_f64() / 60.0);
    Ok(())
}
