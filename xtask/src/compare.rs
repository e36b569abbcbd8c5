//! `cargo xtask compare-reference CORPUS…`: sinr-rs against the Python reference, side by side.
//!
//! 1. builds `sinr` (release);
//! 2. makes a Python virtual environment with `sinr==1.4.2` (installed from the package index
//!    with pip, built here) under `target/reference-venv`, once;
//! 3. tokenises the corpus once with `sinr embed tokenize`, so that both implementations read
//!    exactly the same units;
//! 4. runs `sinr embed train --pretokenized` and `xtask/python/sinr_reference_run.py` with the
//!    same window, γ, min_freq and thread count;
//! 5. prints one Markdown table (and writes it with the raw JSON under the output directory):
//!    time per stage, total time, peak memory, vocabulary, edges, communities, modularity, and
//!    the agreement of the two partitions (NMI). Every time is the median of `--repeats` runs of
//!    each side, with the fastest and slowest run beside it; ratios are ratios of medians.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::util::{build_sinr, exec, output, python_venv, root};

/// The reference version compared against.
const REFERENCE: &str = "sinr==1.4.2";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Raw text files (tokenised with sinr-rs's tokenizer for both sides).
    #[arg(required = true)]
    corpus: Vec<PathBuf>,
    /// Co-occurrence window.
    #[arg(long, default_value_t = 5)]
    window: usize,
    /// Louvain resolution.
    #[arg(long, default_value_t = 10.0)]
    gamma: f64,
    /// Minimum word frequency (applied by each implementation to the same tokens).
    #[arg(long, default_value_t = 20)]
    min_freq: u64,
    /// Minimum token length of the tokenizer.
    #[arg(long, default_value_t = 4)]
    min_token_len: usize,
    /// Threads for both sides (networkit's thread count for the reference).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Our Louvain move phase: `serial` (networkit's one-thread order, the reference's exact
    /// partition) or `batched` (parallel). Default: `batched` with more than one thread, so that
    /// both sides run their parallel move phase, `serial` on one thread, where both sides should
    /// find the same partition.
    #[arg(long)]
    moves: Option<String>,
    /// Where the tokens, models, JSON and table go.
    #[arg(long, default_value = "target/compare-reference")]
    out_dir: PathBuf,
    /// Use this Python interpreter to create the virtual environment.
    #[arg(long, default_value = "python3")]
    python: String,
    /// Vectors are sparsified to this many values per word before the evaluation (the
    /// reference's README uses 50–100).
    #[arg(long, default_value_t = 50)]
    sparsify: usize,
    /// Runs of each side; every time reported is their median, with the fastest and slowest.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Skip the evaluation (similarity benchmarks and DistRatio) of both models.
    #[arg(long)]
    no_eval: bool,
    /// Run this `sinr` binary instead of building one (release) from the workspace.
    #[arg(long)]
    sinr: Option<PathBuf>,
    /// The data cache for the benchmarks (default: SINR_DATA_DIR, else ~/.cache/sinr).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Benchmarks evaluated on both sides: `(name, dataset, file)`.
const EVAL: [(&str, &str, &str); 4] = [
    ("MEN", "men", "pairs"),
    ("WS353", "ws353", "all"),
    ("SimLex999", "simlex999", "pairs"),
    ("RG65", "rg65", "pairs"),
];

/// Our side of the evaluation, computed exactly as the Python side: `sparsify(k)`, Spearman with
/// both out-of-vocabulary policies, coverage, DistRatio.
fn evaluate_rust(model: &Path, benchmarks: &[(String, PathBuf)], k: usize) -> Result<Value> {
    let m = sinr_embed::SinrModel::load(model)?;
    let sp = sinr_embed::sparsify(&m.matrix, k);
    let (indptr, indices, values) = sp.raw();
    let view = sinr_metrics::CsrView {
        n_cols: sp.n_cols(),
        indptr,
        indices,
        values,
    };
    let lookup = |w: &str| m.vocab.id(w).map(|i| i.index());
    let mut out = serde_json::Map::new();
    for (name, path) in benchmarks {
        let pairs: Vec<(String, String, f64)> = sinr_data::readers::read_pairs(path)?
            .into_iter()
            .map(|p| (p.a, p.b, p.score))
            .collect();
        let skip =
            sinr_metrics::evaluate_similarity(&pairs, view, lookup, sinr_metrics::OovPolicy::Skip);
        let mean = sinr_metrics::evaluate_similarity(
            &pairs,
            view,
            lookup,
            sinr_metrics::OovPolicy::MeanVector,
        );
        out.insert(
            name.clone(),
            serde_json::json!({"coverage": skip.coverage(), "spearman_skip": skip.spearman, "spearman_mean_vector": mean.spearman}),
        );
    }
    let t = Instant::now();
    let dr = sinr_metrics::dist_ratio(view, &sinr_metrics::DistRatioConfig::default());
    Ok(
        serde_json::json!({"benchmarks": out, "dist_ratio": dr.mean, "dist_ratio_median": dr.median, "dist_ratio_s": t.elapsed().as_secs_f64()}),
    )
}

fn venv_python(python: &str) -> Result<PathBuf> {
    python_venv(
        python,
        "reference-venv",
        "import sinr, networkit",
        &[REFERENCE],
        "pip install; about a minute",
    )
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("bad JSON in {}", path.display()))
}

fn read_partition(path: &Path) -> Result<HashMap<String, u32>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            let (w, c) = l
                .split_once('\t')
                .with_context(|| format!("{}:{}: no tab", path.display(), i + 1))?;
            let c: u32 = c
                .parse()
                .with_context(|| format!("{}:{}: bad community", path.display(), i + 1))?;
            Ok((w.to_owned(), c))
        })
        .collect()
}

/// The median of repeated timings, with the fastest and the slowest.
#[derive(Debug, Clone, Copy)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(mut v: Vec<f64>) -> Self {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Spread {
            median,
            min: v[0],
            max: v[n - 1],
        }
    }

    fn cell(&self) -> String {
        if self.min == self.max {
            format!("{:.3}", self.median)
        } else {
            format!("{:.3} [{:.3}–{:.3}]", self.median, self.min, self.max)
        }
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

pub fn run(args: &Args) -> Result<()> {
    let out = root().join(&args.out_dir);
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    for c in &args.corpus {
        if !c.is_file() {
            bail!("corpus file {} does not exist", c.display());
        }
    }
    let sinr = match &args.sinr {
        Some(p) => p.clone(),
        None => build_sinr()?,
    };
    let py = venv_python(&args.python)?;
    let benchmarks: Vec<(String, PathBuf)> = if args.no_eval {
        Vec::new()
    } else {
        let manifest = crate::data::load(None)?;
        let cache = sinr_data::Cache::new(
            args.data_dir
                .clone()
                .unwrap_or_else(sinr_data::Cache::default_root),
        );
        let clients = sinr_data::Clients::default();
        EVAL.iter()
            .map(|(name, ds, file)| {
                let d = manifest.dataset(ds)?;
                Ok((
                    name.to_string(),
                    cache.file(d, file, &clients, &|m| eprintln!("  {m}"))?,
                ))
            })
            .collect::<Result<_>>()?
    };
    let threads = args.threads.to_string();

    let tokens = out.join("tokens.txt");
    eprintln!("tokenising {} file(s)…", args.corpus.len());
    let mut cmd = Command::new(&sinr);
    cmd.args(["--threads", &threads, "embed", "tokenize", "--out"])
        .arg(&tokens)
        .args([
            "--min-token-len",
            &args.min_token_len.to_string(),
            "--corpus",
        ])
        .args(&args.corpus);
    exec(&mut cmd)?;

    if args.repeats == 0 {
        bail!("--repeats must be at least 1");
    }
    let rust_model = out.join("rust.sinr");
    let rust_json = out.join("rust.json");
    let moves = args.moves.clone().unwrap_or_else(|| {
        if args.threads > 1 {
            "batched"
        } else {
            "serial"
        }
        .to_owned()
    });
    let mut rust_runs: Vec<(sinr_schema::EmbeddingRun, f64)> = Vec::new();
    for i in 0..args.repeats {
        eprintln!("running sinr-rs ({}/{})…", i + 1, args.repeats);
        let t = Instant::now();
        exec(
            Command::new(&sinr)
                .args([
                    "--threads",
                    &threads,
                    "--quiet",
                    "embed",
                    "train",
                    "--pretokenized",
                ])
                .args([
                    "--min-unit-tokens",
                    "0",
                    "--min-freq",
                    &args.min_freq.to_string(),
                ])
                .args([
                    "--window",
                    &args.window.to_string(),
                    "--gamma",
                    &args.gamma.to_string(),
                ])
                .args(["--moves", &moves])
                .arg("--corpus")
                .arg(&tokens)
                .arg("--out")
                .arg(&rust_model)
                .arg("--report")
                .arg(&rust_json),
        )?;
        let wall = t.elapsed().as_secs_f64();
        rust_runs.push((sinr_schema::read(&rust_json)?, wall));
    }
    let rust_partition = out.join("rust.partition.tsv");
    let text = output(
        Command::new(&sinr)
            .args(["embed", "partition"])
            .arg(&rust_model),
    )?;
    std::fs::write(&rust_partition, text)?;
    let info: Value = serde_json::from_str(&output(
        Command::new(&sinr).args(["embed", "info"]).arg(&rust_model),
    )?)?;

    let py_json = out.join("reference.json");
    let py_partition = out.join("reference.partition.tsv");
    let mut eval_args: Vec<String> = Vec::new();
    if !benchmarks.is_empty() {
        eval_args.extend([
            "--sparsify".into(),
            args.sparsify.to_string(),
            "--dist-ratio".into(),
        ]);
        for (name, path) in &benchmarks {
            eval_args.push("--benchmark".into());
            eval_args.push(format!("{name}={}", path.display()));
        }
    }
    let mut py_runs: Vec<(Value, f64)> = Vec::new();
    for i in 0..args.repeats {
        eprintln!(
            "running the reference ({REFERENCE}, {}/{})…",
            i + 1,
            args.repeats
        );
        // The first run also evaluates; the others only time the pipeline (their stage times
        // are measured inside the script, before any evaluation).
        let (json, partition) = if i == 0 {
            (py_json.clone(), py_partition.clone())
        } else {
            (
                out.join(format!("reference-{i}.json")),
                out.join(format!("reference-{i}.partition.tsv")),
            )
        };
        let t = Instant::now();
        output(
            Command::new(&py)
                .arg(root().join("xtask/python/sinr_reference_run.py"))
                .args(if i == 0 { &eval_args[..] } else { &[] })
                .arg("--tokens")
                .arg(&tokens)
                .args([
                    "--window",
                    &args.window.to_string(),
                    "--gamma",
                    &args.gamma.to_string(),
                ])
                .args([
                    "--min-freq",
                    &args.min_freq.to_string(),
                    "--threads",
                    &threads,
                ])
                .arg("--out")
                .arg(&json)
                .arg("--partition-out")
                .arg(&partition),
        )?;
        let wall = t.elapsed().as_secs_f64();
        py_runs.push((read_json(&json)?, wall));
    }

    let r = &rust_runs[0].0;
    let p = &py_runs[0].0;
    let (rp, pp) = (
        read_partition(&rust_partition)?,
        read_partition(&py_partition)?,
    );
    let mut words: Vec<&String> = rp.keys().filter(|w| pp.contains_key(*w)).collect();
    words.sort();
    let a: Vec<u32> = words.iter().map(|w| rp[*w]).collect();
    let b: Vec<u32> = words.iter().map(|w| pp[*w]).collect();
    let nmi = sinr_metrics::normalized_mutual_information(&a, &b);
    let identical = a == b && rp.len() == pp.len();

    let mut table = String::new();
    let corpus_names: Vec<String> = args
        .corpus
        .iter()
        .map(|c| c.display().to_string())
        .collect();
    writeln!(
        table,
        "Corpus: {} ({} tokens after tokenising, {} after min_freq). window {}, γ {}, min_freq {}, {} thread(s), our Louvain moves {}. Times: median of {} run(s) of each side [fastest–slowest]; ratios are ratios of medians.\n",
        corpus_names.join(" "),
        r.report.tokens,
        p["tokens"],
        args.window,
        args.gamma,
        args.min_freq,
        args.threads,
        moves,
        args.repeats
    )?;
    writeln!(
        table,
        "| | sinr-rs | reference (sinr 1.4.2) | reference / sinr-rs |"
    )?;
    writeln!(table, "| --- | ---: | ---: | ---: |")?;
    let ours_t = |get: &dyn Fn(&sinr_schema::EmbeddingRun, f64) -> f64| {
        Spread::of(rust_runs.iter().map(|(r, w)| get(r, *w)).collect())
    };
    let theirs_t = |get: &dyn Fn(&Value, f64) -> f64| {
        Spread::of(py_runs.iter().map(|(p, w)| get(p, *w)).collect())
    };
    let mut time_row = |name: &str, ours: Spread, theirs: Spread| {
        writeln!(
            table,
            "| {name} (s) | {} | {} | {:.1}× |",
            ours.cell(),
            theirs.cell(),
            theirs.median / ours.median
        )
    };
    let stage = |key: &'static str| move |p: &Value, _: f64| f(&p["stages"][key]);
    time_row(
        "read + vocabulary",
        ours_t(&|r, _| r.report.times.vocabulary),
        theirs_t(&stage("read")),
    )?;
    time_row(
        "co-occurrence",
        ours_t(&|r, _| r.report.times.cooccurrence),
        theirs_t(&stage("cooccurrence")),
    )?;
    time_row(
        "PMI filter",
        ours_t(&|r, _| r.report.times.pmi),
        theirs_t(&stage("pmi")),
    )?;
    time_row(
        "graph",
        ours_t(&|r, _| r.report.times.graph),
        theirs_t(&stage("graph")),
    )?;
    time_row(
        "Louvain",
        ours_t(&|r, _| r.report.times.louvain),
        theirs_t(&stage("louvain")),
    )?;
    time_row(
        "node recall",
        ours_t(&|r, _| r.report.times.node_recall),
        theirs_t(&stage("node_recall")),
    )?;
    // The sum of the six stages on both sides: the reference's `total_s` ends with node
    // recall, ours would also count writing the model file (the next row).
    time_row(
        "total (pipeline)",
        ours_t(&|r, _| r.report.times.total()),
        theirs_t(&|p, _| f(&p["total_s"])),
    )?;

    time_row(
        "total (process wall clock)",
        ours_t(&|_, w| w),
        theirs_t(&|_, w| w),
    )?;
    time_row(
        "Louvain, ours as above against networkit on one thread",
        ours_t(&|r, _| r.report.times.louvain),
        theirs_t(&|p, _| f(&p["plm_1thread_s"])),
    )?;
    writeln!(
        table,
        "| writing the model file, ours only (s) | {} | | |",
        ours_t(&|r, _| r.save_s).cell()
    )?;
    let (rm, pm) = (
        ours_t(&|r, _| r.peak_rss_kib.map_or(f64::NAN, |k| k as f64) / 1024.0),
        theirs_t(&|p, _| f(&p["peak_rss_kib"]) / 1024.0),
    );
    writeln!(
        table,
        "| peak memory (MiB) | {:.0} | {:.0} | {:.1}× |",
        rm.median,
        pm.median,
        pm.median / rm.median
    )?;
    let same = |a: &Value, b: &Value| if a == b { "=" } else { "≠" };
    let ours = |v: usize| Value::from(v);
    for (name, a, b) in [
        ("vocabulary", &ours(r.report.vocabulary), &p["vocabulary"]),
        ("edges after PMI", &ours(r.report.edges), &p["edges"]),
        ("graph nodes", &ours(r.report.nodes), &p["nodes"]),
        (
            "communities",
            &ours(r.report.communities.first().copied().unwrap_or(0)),
            &p["communities"],
        ),
    ] {
        writeln!(table, "| {name} | {a} | {b} | {} |", same(a, b))?;
    }
    let (rq, pq) = (
        r.report.modularity.first().copied().unwrap_or(f64::NAN),
        f(&p["modularity_gamma"]),
    );
    writeln!(
        table,
        "| modularity Q_γ | {rq:.6} | {pq:.6} | {:+.2e} |",
        rq - pq
    )?;
    let (rs, ps1) = (
        f(&info["levels"][0]["standard_modularity"]),
        f(&p["modularity"]),
    );
    writeln!(
        table,
        "| modularity (γ = 1) | {rs:.6} | {ps1:.6} | {:+.2e} |",
        rs - ps1
    )?;
    writeln!(
        table,
        "| partition agreement (NMI) | {nmi:.4} | | {} |",
        if identical { "identical" } else { "different" }
    )?;
    if !benchmarks.is_empty() {
        eprintln!("evaluating sinr-rs…");
        let ours = evaluate_rust(&rust_model, &benchmarks, args.sparsify)?;
        let theirs = &p["evaluation"];
        writeln!(
            table,
            "| **evaluation** (`sparsify({})`, same benchmark files) | | | |",
            args.sparsify
        )?;
        for (name, _) in &benchmarks {
            let (o, t) = (&ours["benchmarks"][name], &theirs["benchmarks"][name]);
            writeln!(
                table,
                "| {name} ρ, in-vocabulary pairs (coverage) | {:.3} ({:.2}) | {:.3} ({:.2}) | |",
                f(&o["spearman_skip"]),
                f(&o["coverage"]),
                f(&t["spearman_skip"]),
                f(&t["coverage"])
            )?;
            writeln!(
                table,
                "| {name} ρ, mean vector for missing words | {:.3} | {:.3} | |",
                f(&o["spearman_mean_vector"]),
                f(&t["spearman_mean_vector"])
            )?;
        }
        writeln!(
            table,
            "| DistRatio (mean over dimensions; ours: median {:.2}) | {:.3} | {:.3} | |",
            f(&ours["dist_ratio_median"]),
            f(&ours["dist_ratio"]),
            f(&theirs["dist_ratio"])
        )?;
        writeln!(
            table,
            "| DistRatio time (s) | {:.2} | {:.2} | {:.0}× |",
            f(&ours["dist_ratio_s"]),
            f(&theirs["dist_ratio_s"]),
            f(&theirs["dist_ratio_s"]) / f(&ours["dist_ratio_s"])
        )?;
    }
    println!("{table}");
    std::fs::write(out.join("comparison.md"), &table)?;
    eprintln!("wrote {}", out.join("comparison.md").display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Spread;

    #[test]
    fn repeated_timings_are_summarised_by_their_median_and_range() {
        let odd = Spread::of(vec![3.0, 1.0, 2.0]);
        assert_eq!((odd.median, odd.min, odd.max), (2.0, 1.0, 3.0));
        assert_eq!(odd.cell(), "2.000 [1.000–3.000]");
        let even = Spread::of(vec![4.0, 1.0, 2.0, 3.0]);
        assert_eq!(even.median, 2.5);
        // One run: no range to show.
        assert_eq!(Spread::of(vec![1.5]).cell(), "1.500");
    }
}
