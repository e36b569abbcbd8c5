//! `cargo xtask compare-torch`: the training step of our SINr transformer and attention
//! classifier against the same models written in PyTorch (CPU), side by side.
//!
//! 1. builds `peer-step` (release; `benches/src/bin/peer-step.rs`);
//! 2. makes a Python virtual environment with PyTorch (the package index's default wheel,
//!    installed with pip) under `target/torch-venv`, once;
//! 3. for every model and text length: exports one batch and the model's initial parameters
//!    (`peer-step --export`), times our steps (`peer-step`), then the peer's
//!    (`xtask/python/torch_peer.py`, which first checks that its logits on the batch equal ours);
//!    the same batch, the same parameters, the same thread count, each side in its own process;
//! 4. prints one Markdown table (and writes it with the raw JSON under the output directory):
//!    steps per second of each side (the median step of `--steps`), their ratio, peak memory,
//!    and the largest difference between the two sides' logits.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::util::{build_release, exec, output, python_venv, root};

/// The logits of the two sides must agree this closely for the peer to count as the same model.
const PARITY: f64 = 1e-4;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Models: `transformer` (with its fine path), `attention` (with its mean path).
    #[arg(long, value_delimiter = ',', default_value = "transformer,attention")]
    models: Vec<String>,
    /// Tokens per text.
    #[arg(long, value_delimiter = ',', default_value = "256,512")]
    lens: Vec<usize>,
    /// Texts per batch.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Threads for both sides (rayon's pool for ours, `torch.set_num_threads` for the peer).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Untimed steps first, on each side.
    #[arg(long, default_value_t = 2)]
    warmup: usize,
    /// Timed steps on each side (the median is reported).
    #[arg(long, default_value_t = 10)]
    steps: usize,
    /// Real SINr embeddings (a `.sinr` with a coarse level, e.g. the reproduction's
    /// `target/reproduce/full/rt-mf5-g50-c5.sinr`), the models built with `sinr train`'s
    /// defaults; without it, the criterion benches' synthetic rows.
    #[arg(long)]
    embeddings: Option<PathBuf>,
    /// Where the exports, JSON and table go.
    #[arg(long, default_value = "target/compare-torch")]
    out_dir: PathBuf,
    /// Use this Python interpreter to create the virtual environment.
    #[arg(long, default_value = "python3")]
    python: String,
}

pub fn run(args: &Args) -> Result<()> {
    for m in &args.models {
        if !["transformer", "attention"].contains(&m.as_str()) {
            bail!("--models: unknown model {m:?} (transformer, attention)");
        }
    }
    let exe = build_release("sinr-benches", "peer-step")?;
    let py = python_venv(
        &args.python,
        "torch-venv",
        "import torch",
        &["torch"],
        "about 3 GB with its CUDA libraries, several minutes",
    )?;
    let script = root().join("xtask/python/torch_peer.py");
    std::fs::create_dir_all(&args.out_dir)?;
    let mut rows = Vec::new();
    for model in &args.models {
        for &len in &args.lens {
            eprintln!("{model}, {len} tokens: exporting, then ours, then PyTorch…");
            let dir = args.out_dir.join(format!("{model}-T{len}"));
            let common = |cmd: &mut Command| {
                cmd.arg("--model")
                    .arg(model)
                    .arg("--len")
                    .arg(len.to_string())
                    .arg("--batch")
                    .arg(args.batch.to_string())
                    .arg("--threads")
                    .arg(args.threads.to_string());
                if let Some(e) = &args.embeddings {
                    cmd.arg("--embeddings").arg(e);
                }
            };
            let mut export = Command::new(&exe);
            common(&mut export);
            exec(export.arg("--export").arg(&dir))?;
            let mut ours = Command::new(&exe);
            common(&mut ours);
            ours.args(["--warmup", &args.warmup.to_string()])
                .args(["--steps", &args.steps.to_string()]);
            let ours = last_json_line(&output(&mut ours)?)?;
            let peer = last_json_line(&output(
                Command::new(&py)
                    .arg(&script)
                    .arg(&dir)
                    .args(["--threads", &args.threads.to_string()])
                    .args(["--warmup", &args.warmup.to_string()])
                    .args(["--steps", &args.steps.to_string()]),
            )?)?;
            // The export holds the frozen rows (hundreds of MiB with real embeddings).
            let _ = std::fs::remove_file(dir.join("tensors.bin"));
            rows.push(
                serde_json::json!({"model": model, "len": len, "ours": ours, "pytorch": peer}),
            );
        }
    }
    let table = render(args, &rows)?;
    println!("{table}");
    let raw = serde_json::to_string_pretty(&Value::Array(rows.clone()))?;
    std::fs::write(args.out_dir.join("compare-torch.json"), raw)?;
    std::fs::write(args.out_dir.join("compare-torch.md"), &table)?;
    eprintln!("written under {}", args.out_dir.display());
    for r in &rows {
        let parity = number(&r["pytorch"], "parity_max_abs")?;
        if parity.is_nan() || parity > PARITY {
            bail!(
                "{} at {} tokens: the peer's logits differ from ours by {parity:e} (> {PARITY:e}): it is not the same model",
                r["model"],
                r["len"]
            );
        }
    }
    Ok(())
}

fn number(v: &Value, key: &str) -> Result<f64> {
    v[key]
        .as_f64()
        .with_context(|| format!("no number {key:?} in {v}"))
}

/// The last line of a side's standard output, as JSON.
fn last_json_line(out: &str) -> Result<Value> {
    let line = out
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .context("no output")?;
    serde_json::from_str(line).with_context(|| format!("not a JSON line: {line}"))
}

fn render(args: &Args, rows: &[Value]) -> Result<String> {
    let mut t = String::new();
    let first = rows.first().context("nothing was run")?;
    writeln!(
        t,
        "Training step (forward, cross-entropy, backward, per-tensor clipping at norm 1, Adam) on one batch of {} texts, {} thread(s) on each side; each side the median of {} steps after {} untimed; ours: burn {} (flex backend), the peer: PyTorch {} (CPU, eager, index_select + scatter_add for the sparse rows). Inputs: {}.\n",
        args.batch,
        args.threads,
        args.steps,
        args.warmup,
        burn_version()?,
        first["pytorch"]["torch"].as_str().unwrap_or("?"),
        first["ours"]["inputs"].as_str().unwrap_or("?"),
    )?;
    writeln!(
        t,
        "| model | tokens | ours steps/s | PyTorch steps/s | ours ÷ PyTorch | ours peak MiB | PyTorch peak MiB | max abs. logit difference |"
    )?;
    writeln!(
        t,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )?;
    for r in rows {
        let (o, p) = (&r["ours"], &r["pytorch"]);
        let (so, sp) = (number(o, "steps_per_s")?, number(p, "steps_per_s")?);
        writeln!(
            t,
            "| {} | {} | {so:.2} | {sp:.2} | {:.2} | {:.0} | {:.0} | {:.1e} |",
            r["model"].as_str().unwrap_or("?"),
            r["len"],
            so / sp,
            number(o, "peak_rss_mib")?,
            number(p, "peak_rss_mib")?,
            number(p, "parity_max_abs")?,
        )?;
    }
    Ok(t)
}

/// The burn version the workspace pins (`=0.22.1` in `Cargo.toml`).
fn burn_version() -> Result<String> {
    let text = std::fs::read_to_string(root().join("Cargo.toml"))?;
    let manifest: toml::Value = toml::from_str(&text).context("bad Cargo.toml")?;
    let burn = &manifest["workspace"]["dependencies"]["burn"];
    let version = burn
        .get("version")
        .or(Some(burn))
        .and_then(toml::Value::as_str)
        .context("Cargo.toml pins no burn version")?;
    Ok(version.trim_start_matches('=').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_gives_each_sides_speed_their_ratio_and_the_parity() {
        let args = Args {
            models: vec!["attention".into()],
            lens: vec![256],
            batch: 32,
            threads: 2,
            warmup: 2,
            steps: 10,
            embeddings: None,
            out_dir: PathBuf::from("unused"),
            python: "python3".into(),
        };
        let ours = last_json_line(
            "noise\n{\"steps_per_s\": 8.0, \"peak_rss_mib\": 800.4, \"inputs\": \"synthetic\"}\n\n",
        )
        .unwrap();
        let peer: Value = serde_json::json!({"steps_per_s": 4.0, "peak_rss_mib": 1700.0,
            "parity_max_abs": 2.5e-8, "torch": "2.x"});
        let rows =
            [serde_json::json!({"model": "attention", "len": 256, "ours": ours, "pytorch": peer})];
        let t = render(&args, &rows).unwrap();
        assert!(
            t.contains("| attention | 256 | 8.00 | 4.00 | 2.00 | 800 | 1700 | 2.5e-8 |"),
            "{t}"
        );
        assert!(
            t.contains("PyTorch 2.x") && t.contains("Inputs: synthetic."),
            "{t}"
        );
        assert!(last_json_line("not json").is_err());
    }
}
