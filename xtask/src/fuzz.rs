//! `cargo xtask fuzz [TARGET…] --seconds N`: runs the libFuzzer targets of `fuzz/` for a bounded
//! time each, reproducibly (fixed seed, one job, bounded input length and memory), starting from
//! the seed inputs committed under `fuzz/seeds/<target>/` plus the test fixtures.
//!
//! cargo-fuzz instruments with `-Z` flags; on a stable toolchain they are enabled with
//! `RUSTC_BOOTSTRAP=1`, the documented escape hatch, only for this build. A crash stops the run
//! with the path of the input that caused it (`fuzz/artifacts/<target>/`); each one found so far
//! is a regression test (see `docs/reliability.md`).

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util::{exec, root};

/// Every target, with the fixtures that seed it.
pub const TARGETS: &[(&str, &[&str])] = &[
    (
        "corpus",
        &["crates/sinr-cli/tests/fixtures/washington-1790-1796.txt"],
    ),
    ("conll", &[]),
    ("csv", &[]),
    ("tsv", &[]),
    ("manifest", &["datasets.toml"]),
    ("model_file", &[]),
    ("config", &[]),
];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Targets to run (default: all): corpus, conll, csv, tsv, manifest, model_file, config.
    targets: Vec<String>,
    /// Seconds per target.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// libFuzzer's seed (the same seed, binary and corpus replay the same run).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn run(args: &Args) -> Result<()> {
    let fuzz = root().join("fuzz");
    if Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        bail!(
            "cargo-fuzz is not installed: `cargo install cargo-fuzz --locked` (it runs on the stable toolchain here)"
        );
    }
    let selected: Vec<&(&str, &[&str])> = if args.targets.is_empty() {
        TARGETS.iter().collect()
    } else {
        args.targets
            .iter()
            .map(|t| {
                TARGETS.iter().find(|x| x.0 == t).with_context(|| {
                    format!(
                        "unknown fuzz target `{t}` (known: {})",
                        TARGETS.iter().map(|x| x.0).collect::<Vec<_>>().join(", ")
                    )
                })
            })
            .collect::<Result<_>>()?
    };
    for (name, fixtures) in selected {
        // A scratch corpus: the committed seeds and fixtures, then whatever libFuzzer adds.
        let work = root().join("target/fuzz-corpus").join(name);
        std::fs::create_dir_all(&work)?;
        let seeds = fuzz.join("seeds").join(name);
        if seeds.is_dir() {
            for e in std::fs::read_dir(&seeds)? {
                let e = e?;
                std::fs::copy(e.path(), work.join(e.file_name()))?;
            }
        }
        for f in *fixtures {
            let src = root().join(f);
            let name = Path::new(f).file_name().expect("file name");
            std::fs::copy(&src, work.join(name)).with_context(|| format!("seed {f}"))?;
        }
        eprintln!(
            "== fuzzing `{name}` for {} s (seed {})",
            args.seconds, args.seed
        );
        exec(
            Command::new("cargo")
                .current_dir(&fuzz)
                .env("RUSTC_BOOTSTRAP", "1")
                .args(["fuzz", "run", "--release", name])
                .arg(&work)
                .args([
                    "--",
                    &format!("-max_total_time={}", args.seconds),
                    &format!("-seed={}", args.seed),
                    "-max_len=65536",
                    "-rss_limit_mb=2048",
                    "-malloc_limit_mb=1024",
                    "-timeout=10",
                    "-print_final_stats=1",
                ]),
        )
        .with_context(|| {
            format!("fuzz target `{name}` found a failure: see fuzz/artifacts/{name}/")
        })?;
    }
    Ok(())
}
