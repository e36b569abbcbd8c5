//! Experiment `tasks`: every model on every task, on real data, against honest baselines.
//!
//! Tasks: IMDB and Rotten Tomatoes polarity, Kaggle insults (offensive comments), CoNLL-2003
//! English NER. For each task, SINr embeddings are trained on `en-mix` plus the task's
//! **training** texts (never its dev or test texts), with a multi-resolution dendrogram (a fine
//! level for the attention and hierarchical models, a coarse level for the transformer's stream).
//! Models: the attention classifier, the SINr transformer, the hierarchical model, the dense
//! baseline (sequence tasks; the transformer and the dense baseline for NER), and two linear
//! floors in plain Rust: TF-IDF (words + bigrams) and bag-of-communities logistic regressions.
//! Scores on the test split, mean ± standard deviation over seeds; model selection by dev only.
//!
//! The plan comes from `experiments.toml` ([`super::experiments`]); this module runs it
//! (`sinr embed train`, `sinr train`, `sinr evaluate`, reading their typed reports), and
//! [`render`] writes the tables, the plot and the results file.

mod render;
mod stats;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sinr_data::readers::CorpusSource;
use sinr_data::tasks::{ClassificationTask, load_classification, load_conll2003};
use sinr_embed::SinrModel;
use sinr_schema::{ClassificationScores, EVALUATION_VERSION, Evaluation, Resources, TaskKind};
use sinr_util::SplitMix64;

use super::Ctx;
use super::experiments::{Experiments, StopWords, TaskSettings, TaskSpec, Training, Variant};
use super::linear::{self, Features, Tfidf};
use crate::report::{now, write_atomic};
use crate::util::{exec, output};

pub use render::Outputs;

/// What a task's embeddings are.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmbeddingsInfo {
    /// Communities of every Louvain level.
    pub communities: Vec<usize>,
    /// Words.
    pub vocabulary: usize,
    /// Tokens read.
    pub tokens: u64,
}

/// One trained model's results over its seeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelRow {
    /// The model kind.
    pub model: String,
    /// Its configuration other than the defaults, if any.
    pub config: Option<serde_json::Value>,
    /// The seeds.
    pub seeds: Vec<u64>,
    /// Test scores, one per seed.
    pub scores: Vec<Evaluation>,
    /// What training cost, one per seed.
    pub resources: Vec<Resources>,
}

/// A linear baseline's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinearRow {
    /// Its name.
    pub model: String,
    /// What was chosen on dev, or its fixed settings (`C = 3`).
    pub settings: String,
    /// Test scores.
    pub scores: ClassificationScores,
    /// Its parameters.
    pub parameters: usize,
}

/// One task's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskResult {
    /// The task.
    pub task: String,
    /// Its embeddings.
    pub embeddings: EmbeddingsInfo,
    /// The trained models, in the order of the table.
    pub rows: Vec<ModelRow>,
    /// Variants of a model trained beside it (an ablation), named `model (variant)`.
    pub variants: Vec<ModelRow>,
    /// The linear floors (classification).
    pub linear: Vec<LinearRow>,
    /// Whether some of its models are still to train.
    pub unfinished: bool,
    /// For a task carried over from an earlier run (`reproduce tasks --tasks` left it out): that
    /// run's provenance (commit, times). `None`: made by the run that wrote the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earlier_run: Option<serde_json::Value>,
}

/// The tasks of the results file of this setting, by name, each with the provenance of the run
/// that made it (its own, if it was carried over already): what `--tasks` keeps of the tasks it
/// leaves out (an unfinished one stays marked unfinished, with the models it has). Empty when
/// there is no file.
fn earlier_results(ctx: &Ctx) -> Result<BTreeMap<String, TaskResult>> {
    let path = crate::util::root().join(format!("results/tasks/{}.json", ctx.setting.name()));
    if !path.exists() {
        return Ok(BTreeMap::new());
    }
    let text = std::fs::read_to_string(&path)?;
    let file: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}", path.display()))?;
    let provenance = file.get("provenance").cloned();
    let tasks: Vec<TaskResult> =
        serde_json::from_value(file.get("tasks").cloned().unwrap_or_default())
            .with_context(|| format!("{}: `tasks`", path.display()))?;
    Ok(tasks
        .into_iter()
        .map(|mut t| {
            if t.earlier_run.is_none() {
                t.earlier_run.clone_from(&provenance);
            }
            (t.task.clone(), t)
        })
        .collect())
}

/// Training texts of a task, one per line (for the task's embeddings), and a fingerprint of
/// its whole data (every split's texts and labels, in order: a run made on other splits is not
/// reused).
fn train_texts(task: &TaskSpec, ctx: &Ctx) -> Result<(Vec<String>, u64)> {
    use std::hash::Hasher;
    let mut h = sinr_util::Fnv1a::default();
    let mut item = |split: &str, text: &str, label: &str| {
        for part in [split, text, label] {
            h.write(part.as_bytes());
            h.write(&[0]);
        }
    };
    if task.kind() == TaskKind::Tag {
        let t = load_conll2003(&ctx.cache, &ctx.manifest, &ctx.clients, &ctx.log())?;
        for (split, xs) in [("train", &t.train), ("dev", &t.dev), ("test", &t.test)] {
            for s in xs {
                item(split, &s.tokens.join(" "), &s.tags.join(" "));
            }
        }
        let texts = t.train.iter().map(|s| s.tokens.join(" ")).collect();
        return Ok((texts, h.finish()));
    }
    let t = load_classification(
        &task.name,
        &ctx.cache,
        &ctx.manifest,
        &ctx.clients,
        &ctx.log(),
    )?;
    for (split, xs) in [("train", &t.train), ("dev", &t.dev), ("test", &t.test)] {
        for x in xs {
            item(split, &x.text, &x.label);
        }
    }
    let texts = t.train.iter().map(|x| x.text.replace('\n', " ")).collect();
    Ok((texts, h.finish()))
}

/// The task's SINr model; the name carries the settings, so a change of settings trains new
/// embeddings.
pub fn embeddings_path(ctx: &Ctx, task: &str) -> Result<PathBuf> {
    let spec = ctx
        .experiments
        .task(task)
        .with_context(|| format!("no task `{task}` in experiments.toml"))?;
    Ok(ctx.work.join(embeddings_file(
        spec,
        ctx.experiments.tasks.get(ctx.setting),
    )))
}

/// The file name of [`embeddings_path`]: minimum frequency, coarse γ, and `-ns` where the stop
/// words are kept.
fn embeddings_file(task: &TaskSpec, s: &TaskSettings) -> String {
    format!(
        "{}-mf{}-g50-c{}{}.sinr",
        task.name,
        s.min_freq,
        s.coarse_gamma,
        if task.stop_words == StopWords::None {
            "-ns"
        } else {
            ""
        }
    )
}

/// What `sinr embed train --report` wrote.
fn read_embedding_report(path: &Path) -> Result<EmbeddingsInfo> {
    let r: sinr_schema::EmbeddingRun = sinr_schema::read(path)?;
    Ok(EmbeddingsInfo {
        communities: r.report.communities,
        vocabulary: r.report.vocabulary,
        tokens: r.report.tokens,
    })
}

/// `en-mix` in the task setting's size (built once per setting).
pub(crate) fn en_mix_tasks(ctx: &Ctx) -> Result<PathBuf> {
    let s = ctx.experiments.tasks.get(ctx.setting);
    let enmix = ctx.work.join("en-mix-tasks.txt");
    if !enmix.exists() {
        let opts = sinr_data::readers::EnMixOptions {
            sources: CorpusSource::ALL.to_vec(),
            max_bytes_per_source: s.enmix_bytes_per_source,
        };
        sinr_data::readers::build_en_mix(
            &ctx.cache,
            &ctx.manifest,
            &ctx.clients,
            &opts,
            &enmix,
            &ctx.log(),
        )?;
    }
    Ok(enmix)
}

/// `sinr embed train` on `corpora` with the tasks' settings (multilevel Louvain, fine γ 50,
/// the setting's coarse γ and minimum frequency) and the given stop words.
pub(crate) fn train_task_embeddings(
    ctx: &Ctx,
    corpora: &[&Path],
    stop_words: StopWords,
    out: &Path,
    report: &Path,
) -> Result<()> {
    let s = ctx.experiments.tasks.get(ctx.setting);
    exec(
        Command::new(&ctx.sinr)
            .args(["--quiet", "embed", "train", "--corpus"])
            .args(corpora)
            .arg("--out")
            .arg(out)
            .arg("--report")
            .arg(report)
            .args([
                "--min-freq",
                &s.min_freq.to_string(),
                "--min-token-len",
                "2",
                "--gamma",
                "50",
                "--stop-words",
                stop_words.flag(),
            ])
            .args([
                "--louvain",
                "multilevel",
                "--coarse-gamma",
                &s.coarse_gamma.to_string(),
                "--max-levels",
                "3",
            ]),
    )
}

/// The task's embeddings (trained again when the training texts change), what they are, and
/// the fingerprint of the task's data.
pub(crate) fn task_embeddings(
    ctx: &Ctx,
    task: &TaskSpec,
) -> Result<(PathBuf, EmbeddingsInfo, u64)> {
    let s = ctx.experiments.tasks.get(ctx.setting);
    let enmix = en_mix_tasks(ctx)?;
    let texts = ctx.work.join(format!("{}-train-texts.txt", task.name));
    let (lines, data) = train_texts(task, ctx)?;
    let content = lines.join("\n");
    write_atomic(&texts, content.as_bytes())?;
    let out = ctx.work.join(embeddings_file(task, s));
    let report = out.with_extension("sinr.json");
    // What the embeddings were trained with besides en-mix: the training texts' fingerprint.
    let made_from = out.with_extension("sinr.texts");
    let texts_fp = format!("{:016x}", sinr_util::fnv1a(content.as_bytes()));
    let current = std::fs::read_to_string(&made_from).is_ok_and(|f| f == texts_fp);
    if !out.exists() || !report.exists() || !current {
        eprintln!(
            "  {}: training SINr on en-mix + the training texts…",
            task.name
        );
        train_task_embeddings(ctx, &[&enmix, &texts], task.stop_words, &out, &report)?;
    }
    write_atomic(&made_from, texts_fp.as_bytes())?;
    Ok((out, read_embedding_report(&report)?, data))
}

/// The file of a run directory that records what the run was made with.
const STAMP: &str = "xtask-settings.txt";

/// What a run is made with: its training, its task's class weighting, the full model
/// configuration (the library's defaults filled in, by `sinr config`), the embeddings (path
/// and checksum) and the task's data (a fingerprint of every split). A run whose stamp differs
/// is trained again.
fn stamp_text(
    t: &Training,
    class_weights: bool,
    config: &serde_json::Value,
    emb: &Path,
    emb_checksum: u64,
    data: u64,
) -> String {
    serde_json::json!({
        "training": t,
        "class_weights": class_weights,
        "model": config,
        "embeddings": {"path": emb, "checksum": format!("{emb_checksum:016x}")},
        "data": format!("{data:016x}"),
    })
    .to_string()
}

/// A model's full configuration as a run's stamp holds it: for a text task, without the tag
/// features' `document`, `gazetteer`, `lists` and `history` fields (text models never read tag
/// features; the fields came after the text tasks' runs, which they would otherwise retrain for
/// nothing).
fn stamp_config(mut config: serde_json::Value, kind: TaskKind) -> serde_json::Value {
    if kind == TaskKind::Classify
        && let Some(f) = config
            .get_mut("features")
            .and_then(serde_json::Value::as_object_mut)
    {
        f.remove("document");
        f.remove("gazetteer");
        f.remove("lists");
        f.remove("history");
    }
    config
}

/// The stamp of a run warm-started from the run `from`: [`with_warm_start`]'s, with `from`'s
/// record in `records` when its directory is gone. `None` under `--available` (`available`)
/// when the run to start from is neither here nor recorded: then the warm-started run is not
/// here either, and its table leaves it out; without `--available` that is an error.
fn warm_started(
    made_with: &str,
    from: &Path,
    records: Option<&Path>,
    available: bool,
) -> Result<Option<String>> {
    let source_record = match (records, from.file_name()) {
        (Some(dir), Some(n)) => {
            let path = dir.join(format!("{}.json", n.to_string_lossy()));
            match std::fs::read_to_string(&path) {
                Ok(text) => Some(
                    serde_json::from_str::<RunRecord>(&text)
                        .with_context(|| format!("{}", path.display()))?,
                ),
                Err(_) => None,
            }
        }
        _ => None,
    };
    match with_warm_start(made_with, from, source_record.as_ref()) {
        Ok(m) => Ok(Some(m)),
        Err(_) if available => Ok(None),
        Err(e) => Err(e),
    }
}

/// The stamp of a warm-started run: [`stamp_text`]'s, with the run it starts from and a
/// checksum of that run's best model (retrained, it starts this one again). Runs that start
/// from nothing keep the stamp without the key.
/// (The hash `sinr_models::run::model_fingerprint` records in `run.json`, computed here since
/// xtask does not link the model library.)
fn with_warm_start(stamp: &str, from: &Path, record: Option<&RunRecord>) -> Result<String> {
    let mut v: serde_json::Value = serde_json::from_str(stamp)?;
    let model = match (
        best_model_fingerprint(from),
        record.and_then(|r| r.best_model.clone()),
    ) {
        (Ok(m), _) => m,
        // The run started from is kept as a record only (its directory is gone): its
        // recorded fingerprint stands for it.
        (Err(_), Some(m)) => m,
        (Err(e), None) => return Err(e.context("warm start: no model to start from")),
    };
    v["warm_start"] = serde_json::json!({
        "run": from.file_name().map(|n| n.to_string_lossy().into_owned()),
        "model": model,
    });
    Ok(v.to_string())
}

/// A finished run of the full setting as the repository keeps it
/// (`results/tasks/full-runs/<run>.json`): what it was made with (its stamp), the commit that
/// trained it, its test scores and what training cost. A reproduction on another machine, or
/// after the run directories under `target/` are gone, takes a run whose record has the stamp it
/// would be made with instead of training it again, so a full reproduction that takes longer
/// than one sitting accumulates over several.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    /// The run's directory name (`conll2003-transformer-s1`).
    pub run: String,
    /// Its stamp (see [`stamp_text`]): a record is used only by a run made with the same.
    pub made_with: serde_json::Value,
    /// The commit that trained it, and whether the code differed from it.
    pub commit: Option<String>,
    pub git_dirty: Option<bool>,
    /// A fingerprint of its best model (`best.bpk`), which a warm start from it stamps.
    pub best_model: Option<String>,
    /// Its test scores.
    pub evaluation: Evaluation,
    /// What training it cost.
    pub resources: Resources,
}

/// Where run records are written, and whether one may stand for a run to train.
#[derive(Debug, Clone, Copy)]
struct Records<'a> {
    dir: Option<&'a Path>,
    reuse: bool,
}

/// Where the records of finished runs are kept: the full setting only (a quick reproduction
/// takes half an hour; its runs stay under `target/`).
fn records_dir(ctx: &Ctx) -> Option<PathBuf> {
    (!ctx.quick())
        .then(|| crate::util::root().join(format!("results/tasks/{}-runs", ctx.setting.name())))
}

/// The record of run `name` if it was made with `made_with` and its reports are of the
/// current versions; `None` otherwise (absent, other settings, older reports). A record that
/// cannot be read is an error naming the file.
fn matching_record(dir: &Path, name: &str, made_with: &str) -> Result<Option<RunRecord>> {
    let path = dir.join(format!("{name}.json"));
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let r: RunRecord =
        serde_json::from_str(&text).with_context(|| format!("{}", path.display()))?;
    let wanted: serde_json::Value = serde_json::from_str(made_with)?;
    let current = r.made_with == wanted
        && r.evaluation.version == EVALUATION_VERSION
        && r.resources.version == sinr_schema::RESOURCES_VERSION;
    Ok(current.then_some(r))
}

/// A fingerprint of a run's best model (the hash `sinr_models::run::model_fingerprint`
/// records in `run.json`, computed here since xtask does not link the model library).
fn best_model_fingerprint(run: &Path) -> Result<String> {
    let best = run.join("best.bpk");
    let bytes = std::fs::read(&best).with_context(|| format!("cannot read {}", best.display()))?;
    let mut h = sinr_util::Fnv1a::default();
    std::hash::Hasher::write(&mut h, &bytes);
    Ok(format!("{:016x}", std::hash::Hasher::finish(&h)))
}

/// Where a run stands against the settings it should be made with.
#[derive(Debug, PartialEq, Eq)]
enum RunState {
    /// Made with these settings and evaluated on test: reused.
    Done,
    /// Started with these settings (the stamp is written before training) and cut after a
    /// committed checkpoint: continued with `--resume`.
    Resume,
    /// Absent, or made with other settings: (re)started from scratch.
    Fresh,
}

fn run_state(run: &Path, made_with: &str) -> RunState {
    let current = std::fs::read_to_string(run.join(STAMP)).is_ok_and(|m| m == made_with);
    match (
        current,
        run.join("test.json").exists(),
        run.join("state.json").exists(),
    ) {
        (true, true, _) => RunState::Done,
        (true, false, true) => RunState::Resume,
        _ => RunState::Fresh,
    }
}

/// Removes the last epoch's checkpoint (`checkpoint-e*.bpk`, `optimizer-e*.bin`) of a run
/// that is finished and evaluated: the run keeps `best.bpk`, its metrics and its state, and
/// `reproduce` never resumes it. Runs without `test.json` are left alone.
fn prune_checkpoints(run: &Path) -> Result<()> {
    if !run.join("test.json").is_file() {
        return Ok(());
    }
    for entry in std::fs::read_dir(run)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let stale = (name.starts_with("checkpoint-e") && name.ends_with(".bpk"))
            || (name.starts_with("optimizer-e") && name.ends_with(".bin"));
        if stale {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// `sinr evaluate RUN --data TASK --out TEST` (the test split).
fn evaluate(ctx: &Ctx, run: &Path, task: &str, test: &Path) -> Result<()> {
    exec(
        Command::new(&ctx.sinr)
            .args(["--quiet", "evaluate"])
            .arg(run)
            .args(["--data", task, "--out"])
            .arg(test),
    )
}

/// The typed reports of a finished run: its test scores and what its training cost. A report
/// that lacks a field (or has an unknown one) is an error naming the file and the field.
fn read_run(run: &Path) -> Result<(Evaluation, Resources)> {
    let scores: Evaluation = sinr_schema::read(&run.join("test.json"))?;
    let resources: Resources = sinr_schema::read(&run.join("resources.json"))?;
    Ok((scores, resources))
}

/// The model configuration of `model` on `task` as `sinr train --model` takes it (a kind, or a
/// file), and in full (`sinr config`: every field, the library's defaults filled in).
fn model_argument(
    ctx: &Ctx,
    task: &str,
    model: &str,
    variant: Option<&Variant>,
    trains: bool,
) -> Result<(String, serde_json::Value)> {
    let config = match variant {
        Some(v) => Some(v.config_json()),
        None => ctx.experiments.model_config(task, model),
    };
    let arg = match config {
        Some(mut c) => {
            // `"vectors": "ppmi-svd"`: the task's PPMI-SVD vectors, made from the same corpus
            // as its SINr embeddings.
            if c.get("vectors").and_then(|v| v.as_str()) == Some(PPMI_SVD) {
                let dim = c
                    .get("dim")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(128);
                c["vectors"] = serde_json::json!(task_vectors(ctx, task, dim, trains)?);
            }
            let file = ctx
                .work
                .join(format!("{}-config.json", run_name(task, model, variant)));
            write_atomic(&file, c.to_string().as_bytes())?;
            file.display().to_string()
        }
        None => model.to_owned(),
    };
    let full = output(Command::new(&ctx.sinr).args(["config", "--model", &arg]))?;
    let full = serde_json::from_str(&full).context("`sinr config` printed no JSON")?;
    Ok((arg, full))
}

/// The value of a model's `vectors` in `experiments.toml` that names the task's PPMI-SVD
/// vectors.
const PPMI_SVD: &str = "ppmi-svd";

/// Dense PPMI-SVD vectors (`sinr embed vectors`) of `dim` dimensions from the corpus of the
/// task's SINr embeddings (`en-mix` and the task's training texts, written by
/// [`task_embeddings`]), every token kept (stop words and one-letter words: the dense baselines'
/// own vocabularies read them); made again when the training texts change.
fn task_vectors(ctx: &Ctx, task: &str, dim: u64, trains: bool) -> Result<PathBuf> {
    let s = ctx.experiments.tasks.get(ctx.setting);
    let enmix = ctx.work.join("en-mix-tasks.txt");
    let texts = ctx.work.join(format!("{task}-train-texts.txt"));
    let out = ctx.work.join(format!("{task}-ppmi-svd-d{dim}.txt"));
    if !trains {
        // A run that is not trained now (`--available`, `--models`) is looked up by its stamp,
        // which names the vectors by their path (their content is made from stamped data): the
        // path is all it needs.
        return Ok(out);
    }
    let made_from = out.with_extension("texts");
    let content =
        std::fs::read(&texts).with_context(|| format!("cannot read {}", texts.display()))?;
    let texts_fp = format!("{:016x}", sinr_util::fnv1a(&content));
    let current = std::fs::read_to_string(&made_from).is_ok_and(|f| f == texts_fp);
    if !out.exists() || !current {
        eprintln!("  {task}: PPMI-SVD vectors ({dim} dimensions) on en-mix + the training texts…");
        exec(
            Command::new(&ctx.sinr)
                .args(["--quiet", "embed", "vectors", "--corpus"])
                .arg(&enmix)
                .arg(&texts)
                .arg("--out")
                .arg(&out)
                .args([
                    "--dim",
                    &dim.to_string(),
                    "--min-freq",
                    &s.min_freq.to_string(),
                    "--min-token-len",
                    "1",
                    "--stop-words",
                    "none",
                ]),
        )?;
        write_atomic(&made_from, texts_fp.as_bytes())?;
    }
    Ok(out)
}

/// The name of a run's directory, without its seed: `rt-attention`, `rt-attention-sinr-only`.
fn run_name(task: &str, model: &str, variant: Option<&Variant>) -> String {
    format!("{task}-{}", run_key(model, variant))
}

/// A run's name without task and seed, as `--models` names it: `attention`,
/// `attention-sinr-only`.
fn run_key(model: &str, variant: Option<&Variant>) -> String {
    match variant {
        Some(v) => format!("{model}-{}", v.slug()),
        None => model.to_owned(),
    }
}

/// Trains and evaluates one model (or a variant of it) with one seed; returns its reports.
fn run_model(
    ctx: &Ctx,
    task: &TaskSpec,
    (emb, data): (&Path, u64),
    (model, variant): (&str, Option<&Variant>),
    seed: u64,
    records: Records<'_>,
) -> Result<Option<(Evaluation, Resources)>> {
    let name = run_name(&task.name, model, variant);
    // Whether this run may be trained now; if not, it is taken as `--available` takes it.
    let trains = ctx.trains(&run_key(model, variant));
    let available = !trains;
    let run = ctx.work.join("runs").join(format!("{name}-s{seed}"));
    let test = run.join("test.json");
    let t = ctx
        .experiments
        .training(ctx.setting, Some(&task.name), model);
    let (model_arg, full_config) = model_argument(ctx, &task.name, model, variant, trains)?;
    let checksum = sinr_embed::stored_checksum(emb)?;
    // Files the stamp names, relative to the checkout (their content is stamped by checksum or
    // made from stamped data), so that a record made in another checkout still matches.
    let root = crate::util::root();
    let relative = |p: &Path| p.strip_prefix(&root).unwrap_or(p).to_path_buf();
    let mut full_config = stamp_config(full_config, task.kind());
    if let Some(v) = full_config.get_mut("vectors")
        && let Some(path) = v.as_str()
    {
        *v = serde_json::json!(relative(Path::new(path)));
    }
    let mut made_with = stamp_text(
        &t,
        task.class_weights,
        &full_config,
        &relative(emb),
        checksum,
        data,
    );
    // A variant started from an earlier variant's run of the same seed (trained before it).
    let warm = variant.and_then(|v| v.warm_start.as_ref()).map(|from| {
        let source = ctx
            .experiments
            .variants_of(&task.name)
            .into_iter()
            .find(|e| &e.name == from)
            .expect("checked when the experiments were read");
        ctx.work.join("runs").join(format!(
            "{}-s{seed}",
            run_name(&task.name, &source.model, Some(source))
        ))
    });
    if let Some(from) = &warm {
        match warm_started(&made_with, from, records.dir, available)? {
            Some(m) => made_with = m,
            None => return Ok(None),
        }
    }
    let mut state = run_state(&run, &made_with);
    if state != RunState::Done
        && records.reuse
        && let Some(dir) = records.dir
        && let Some(r) = matching_record(dir, &format!("{name}-s{seed}"), &made_with)?
    {
        eprintln!(
            "  {name}-s{seed}: kept from its record (trained at commit {})",
            r.commit.as_deref().unwrap_or("unknown")
        );
        return Ok(Some((r.evaluation, r.resources)));
    }
    if available && state != RunState::Done {
        // `--available` (or a model `--models` leaves out): the tables of what is trained,
        // nothing trained now.
        return Ok(None);
    }
    if state == RunState::Done
        && sinr_schema::read_version::<Resources>(&run.join("resources.json"))?
            != sinr_schema::RESOURCES_VERSION
    {
        // What training a run cost is known only by training it: an older report is a stale run.
        eprintln!("  {name}-s{seed}: trained again (older resources report)");
        state = RunState::Fresh;
    }
    if state == RunState::Done
        && sinr_schema::read_version::<Evaluation>(&test)? != EVALUATION_VERSION
    {
        // A finished run evaluated by an older build: evaluated again, not retrained.
        eprintln!("  {name}-s{seed}: evaluating again (older report)");
        evaluate(ctx, &run, &task.name, &test)?;
    }
    if state != RunState::Done {
        let resume = state == RunState::Resume;
        if !resume {
            let _ = std::fs::remove_dir_all(&run);
            std::fs::create_dir_all(&run)?;
            write_atomic(&run.join(STAMP), made_with.as_bytes())?;
        }
        let mut cmd = Command::new(&ctx.sinr);
        cmd.args([
            "train",
            "--data",
            &task.name,
            "--model",
            &model_arg,
            "--embeddings",
        ])
        .arg(emb)
        .arg("--out")
        .arg(&run)
        .args([
            "--seed",
            &seed.to_string(),
            "--epochs",
            &t.epochs.to_string(),
            "--max-len",
            &t.max_len.to_string(),
            "--patience",
            &t.patience.to_string(),
            "--lr",
            &t.learning_rate.to_string(),
        ]);
        if let Some(n) = t.max_train {
            cmd.args(["--max-train", &n.to_string()]);
        }
        cmd.args(t.flags());
        if task.class_weights {
            cmd.arg("--class-weights");
        }
        if let Some(from) = &warm {
            cmd.arg("--warm-start").arg(from);
        }
        if resume {
            eprintln!("  {name}-s{seed}: resuming from its last checkpoint");
            cmd.arg("--resume");
        }
        exec(&mut cmd)?;
        evaluate(ctx, &run, &task.name, &test)?;
    }
    prune_checkpoints(&run)?;
    let (evaluation, resources) = read_run(&run)?;
    if let Some(dir) = records.dir {
        write_record(
            dir,
            &run,
            &made_with,
            &evaluation,
            &resources,
            &ctx.built_from,
        )?;
    }
    Ok(Some((evaluation, resources)))
}

/// Writes (or keeps) the record of finished run `run`: the commit is the one that trained it
/// when a record with the same stamp is there already, else `built_from` (the commit `sinr` was
/// built from, and whether the tree had changes then).
fn write_record(
    dir: &Path,
    run: &Path,
    made_with: &str,
    evaluation: &Evaluation,
    resources: &Resources,
    built_from: &(Option<String>, Option<bool>),
) -> Result<()> {
    let name = run
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if matching_record(dir, &name, made_with)?.is_some() {
        return Ok(());
    }
    let record = RunRecord {
        run: name.clone(),
        made_with: serde_json::from_str(made_with)?,
        commit: built_from.0.clone(),
        git_dirty: built_from.1,
        best_model: best_model_fingerprint(run).ok(),
        evaluation: evaluation.clone(),
        resources: resources.clone(),
    };
    std::fs::create_dir_all(dir)?;
    write_atomic(
        &dir.join(format!("{name}.json")),
        serde_json::to_string(&record)?.as_bytes(),
    )
}

/// [`linear_baselines`], kept in `<work>/<task>-linear.json` under a stamp of what they are
/// computed from (the task's data, its embeddings, the training cap and the code that computes
/// them): IMDB's take a quarter of an hour on one core, and a reproduction that trains one model
/// (`--models`) or none (`--available`) would compute them again each time.
fn kept_linear_baselines(
    ctx: &Ctx,
    task: &str,
    max_train: Option<usize>,
    t: &ClassificationTask,
    (emb, data): (&Path, u64),
) -> Result<Vec<LinearRow>> {
    #[derive(Serialize, Deserialize)]
    struct Kept {
        stamp: String,
        rows: Vec<LinearRow>,
    }
    const CODE: [&str; 4] = [
        include_str!("mod.rs"),
        include_str!("../linear/mod.rs"),
        include_str!("../linear/nbsvm.rs"),
        include_str!("../linear/lbfgs.rs"),
    ];
    let stamp = serde_json::json!({
        "data": format!("{data:016x}"),
        "embeddings": format!("{:016x}", sinr_embed::stored_checksum(emb)?),
        "max_train": max_train,
        "code": format!("{:016x}", sinr_util::fnv1a(CODE.concat().as_bytes())),
    })
    .to_string();
    let file = ctx.work.join(format!("{task}-linear.json"));
    if let Ok(text) = std::fs::read_to_string(&file)
        && let Ok(kept) = serde_json::from_str::<Kept>(&text)
        && kept.stamp == stamp
    {
        eprintln!("  {task}: linear floors kept from {}", file.display());
        return Ok(kept.rows);
    }
    eprintln!("  {task}: linear floors (TF-IDF + LR, NBSVM-bi, bag of communities)…");
    let rows = linear_baselines(max_train, t, emb)?;
    let kept = Kept { stamp, rows };
    write_atomic(&file, serde_json::to_string(&kept)?.as_bytes())?;
    Ok(kept.rows)
}

/// The two linear floors on a classification task.
fn linear_baselines(
    max_train: Option<usize>,
    t: &ClassificationTask,
    emb: &Path,
) -> Result<Vec<LinearRow>> {
    let label = |l: &str| t.labels.iter().position(|x| x == l).expect("known label");
    let mut train = t.train.clone();
    if let Some(n) = max_train.filter(|&n| n < train.len()) {
        let mut order: Vec<usize> = (0..train.len()).collect();
        SplitMix64::new(1).shuffle(&mut order);
        order.truncate(n);
        order.sort_unstable();
        train = order.into_iter().map(|i| train[i].clone()).collect();
    }
    let ys: Vec<usize> = train.iter().map(|x| label(&x.label)).collect();
    let dy: Vec<usize> = t.dev.iter().map(|x| label(&x.label)).collect();
    let ty: Vec<usize> = t.test.iter().map(|x| label(&x.label)).collect();
    let c = t.labels.len();
    let features = |xs: &[sinr_data::readers::LabeledText], f: &dyn Fn(&str) -> Features| {
        xs.iter().map(|x| f(&x.text)).collect::<Vec<Features>>()
    };
    let row =
        |model: &str, settings: String, parameters: usize, probs: Vec<Vec<f64>>, empty| LinearRow {
            model: model.to_owned(),
            settings,
            scores: ClassificationScores::compute(&ty, &probs, &t.labels, empty),
            parameters,
        };
    // A logistic regression on features `featurize`, `C` chosen on dev, scored on test.
    let logistic = |model: &str, dims: usize, featurize: &dyn Fn(&str) -> Features| {
        let (xs, dx, tx) = (
            features(&train, featurize),
            features(&t.dev, featurize),
            features(&t.test, featurize),
        );
        let (m, chosen) = linear::tune_logistic(dims, c, (&xs, &ys), (&dx, &dy));
        let probs = tx
            .iter()
            .map(|x| m.probabilities(x).into_iter().map(f64::from).collect())
            .collect();
        let empty = tx.iter().filter(|x| x.is_empty()).count();
        let k = if c == 2 { 1 } else { c };
        row(model, format!("C = {chosen}"), dims * k + k, probs, empty)
    };
    // TF-IDF of words and bigrams, and NBSVM over the same terms, binarised.
    let texts: Vec<&str> = train.iter().map(|x| x.text.as_str()).collect();
    let tf = Tfidf::fit(&texts, 2);
    let mut out = vec![logistic("tf-idf + LR", tf.len(), &|x| tf.transform(x))];
    let binary = |x: &str| tf.binary(x);
    let nb = linear::nbsvm::train(
        tf.len(),
        c,
        &features(&train, &binary),
        &ys,
        linear::nbsvm::Settings::default(),
    );
    let tx = features(&t.test, &binary);
    let k = if c == 2 { 1 } else { c };
    out.push(row(
        "NBSVM-bi",
        "C = 1, β = 0.25, as Wang & Manning".into(),
        (tf.len() + 1) * k,
        tx.iter().map(|x| nb.probabilities(x)).collect(),
        tx.iter().filter(|x| x.is_empty()).count(),
    ));
    // Bag of communities.
    let model = SinrModel::load(emb)?;
    let m50 = sinr_embed::sparsify(&model.matrix, 100);
    let mut tok = model.config.tokenizer.clone();
    tok.min_unit_tokens = 0;
    tok.unit = sinr_embed::Unit::Line;
    let boc = |text: &str| -> Features {
        let one: String = text.replace('\n', " ");
        let units = sinr_embed::tokenize_text(&one, &tok).unwrap_or_default();
        let mut acc: BTreeMap<u32, f32> = BTreeMap::new();
        for w in units.iter().flatten() {
            if let Some(id) = model.vocab.id(w) {
                let (idx, val) = m50.row(id.index());
                for (&k, &v) in idx.iter().zip(val) {
                    *acc.entry(k).or_default() += v as f32;
                }
            }
        }
        let norm = acc.values().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
        acc.into_iter().map(|(k, v)| (k, v / norm)).collect()
    };
    out.push(logistic("bag of communities + LR", m50.n_cols(), &boc));
    Ok(out)
}

/// Runs the plan: every task's embeddings, models (every seed) and linear floors, writing the
/// outputs after every model so that a long run shows what it has.
pub fn run(ctx: &Ctx) -> Result<()> {
    run_with(ctx, true)
}

/// [`run`]; with `reuse_records` false, every run is trained or read from its directory (the
/// `interpretability` experiment needs the models, not only their scores): no record is taken
/// instead (records are still written).
pub fn run_with(ctx: &Ctx, reuse_records: bool) -> Result<()> {
    let records_dir = records_dir(ctx);
    let records = Records {
        dir: records_dir.as_deref(),
        reuse: reuse_records,
    };
    let started = now();
    let settings = ctx.experiments.tasks.get(ctx.setting);
    let out = Outputs::new(ctx, started);
    let names: Vec<&str> = ctx
        .experiments
        .task_list
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    for t in &ctx.tasks {
        if !names.contains(&t.as_str()) {
            anyhow::bail!(
                "unknown task `{t}` for --tasks (known: {})",
                names.join(", ")
            );
        }
    }
    let models = model_names(&ctx.experiments);
    for m in &ctx.models {
        if !models.contains(m) {
            anyhow::bail!(
                "unknown model `{m}` for --models (known: {})",
                models.join(", ")
            );
        }
    }
    // Models left out by `--models` are taken as `--available` takes them.
    let partial = ctx.available || !ctx.models.is_empty();
    // With `--tasks`, the other tasks keep their results of an earlier run; with `--available`,
    // so does a task none of whose runs is here (see `kept_under_available`).
    let earlier = if ctx.tasks.is_empty() && !partial {
        BTreeMap::new()
    } else {
        earlier_results(ctx)?
    };
    let selected = |name: &str| ctx.tasks.is_empty() || ctx.tasks.iter().any(|t| t == name);
    // The tasks after `i` that are carried over, for the tables written on the way.
    let carried_after = |i: usize| -> Vec<TaskResult> {
        ctx.experiments.task_list[i + 1..]
            .iter()
            .filter(|t| !selected(&t.name))
            .filter_map(|t| earlier.get(&t.name).cloned())
            .collect()
    };
    let mut all: Vec<TaskResult> = Vec::new();
    for (i, task) in ctx.experiments.task_list.iter().enumerate() {
        if !selected(&task.name) {
            match earlier.get(&task.name) {
                Some(r) => {
                    eprintln!("  == task {}: kept from an earlier run", task.name);
                    all.push(r.clone());
                }
                None => eprintln!("  == task {}: left out, no earlier result", task.name),
            }
            continue;
        }
        eprintln!("  == task {}", task.name);
        let (emb, info, data) =
            task_embeddings(ctx, task).with_context(|| format!("embeddings for {}", task.name))?;
        let mut result = TaskResult {
            task: task.name.clone(),
            embeddings: info,
            rows: Vec::new(),
            variants: Vec::new(),
            linear: Vec::new(),
            unfinished: true,
            earlier_run: None,
        };
        // Whether every model and variant has all its seeds (not so with `--available`).
        let mut complete = true;
        for model in &task.models {
            let mut row = ModelRow {
                model: model.clone(),
                config: ctx.experiments.model_config(&task.name, model),
                seeds: settings.seeds.clone(),
                scores: Vec::new(),
                resources: Vec::new(),
            };
            for &seed in &settings.seeds {
                eprintln!("  {} · {model} · seed {seed}", task.name);
                if let Some((s, r)) =
                    run_model(ctx, task, (&emb, data), (model, None), seed, records)?
                {
                    row.scores.push(s);
                    row.resources.push(r);
                }
            }
            if row.scores.len() < settings.seeds.len() {
                eprintln!(
                    "  {} · {model}: not every seed is trained, left out",
                    task.name
                );
                complete = false;
                continue;
            }
            result.rows.push(row);
            // The tables so far, this task's finished models included, so that a long task
            // shows what it has (marked unfinished).
            if result.rows.len() < task.models.len() {
                let mut partial = all.clone();
                partial.push(result.clone());
                partial.extend(carried_after(i));
                out.write(&partial)?;
            }
        }
        for v in ctx.experiments.variants_of(&task.name) {
            let mut row = ModelRow {
                model: format!("{} ({})", v.model, v.name),
                config: Some(v.config_json()),
                seeds: settings.seeds.clone(),
                scores: Vec::new(),
                resources: Vec::new(),
            };
            for &seed in &settings.seeds {
                eprintln!("  {} · {} ({}) · seed {seed}", task.name, v.model, v.name);
                if let Some((s, r)) =
                    run_model(ctx, task, (&emb, data), (&v.model, Some(v)), seed, records)?
                {
                    row.scores.push(s);
                    row.resources.push(r);
                }
            }
            if row.scores.len() < settings.seeds.len() {
                eprintln!(
                    "  {} · {} ({}): not every seed is trained, left out",
                    task.name, v.model, v.name
                );
                complete = false;
                continue;
            }
            result.variants.push(row);
        }
        if task.kind() == TaskKind::Classify {
            let t = load_classification(
                &task.name,
                &ctx.cache,
                &ctx.manifest,
                &ctx.clients,
                &ctx.log(),
            )?;
            result.linear = kept_linear_baselines(
                ctx,
                &task.name,
                settings.linear_floors_max_train,
                &t,
                (&emb, data),
            )?;
        }
        result.unfinished = !complete;
        let result = match kept_under_available(partial, &result, earlier.get(&task.name)) {
            Some(e) => {
                eprintln!(
                    "  == task {}: none of its runs is here, kept from an earlier run",
                    task.name
                );
                e.clone()
            }
            None => result,
        };
        all.push(result);
        // The tables so far, so that a long run shows its finished tasks.
        let mut so_far = all.clone();
        so_far.extend(carried_after(i));
        out.write(&so_far)?;
    }
    Ok(())
}

/// What `--models` can name: every task's models, and every variant by its run name without task
/// and seed (`cnn-ppmi-svd-init`), sorted.
fn model_names(experiments: &Experiments) -> Vec<String> {
    let mut names: Vec<String> = experiments
        .task_list
        .iter()
        .flat_map(|t| t.models.iter().cloned())
        .chain(experiments.task_list.iter().flat_map(|t| {
            experiments
                .variants_of(&t.name)
                .into_iter()
                .map(|v| run_key(&v.model, Some(v)))
        }))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The earlier result to keep instead of `result`: there is one when `--available` found none
/// of the task's runs (trained or recorded) and an earlier result of the task exists, so that
/// rendering what is here does not erase a task finished on another machine.
fn kept_under_available<'a>(
    available: bool,
    result: &TaskResult,
    earlier: Option<&'a TaskResult>,
) -> Option<&'a TaskResult> {
    earlier.filter(|_| available && result.rows.is_empty() && result.variants.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--models` names models as the plan does and variants by their run names, the names
    /// `run_model` checks with `Ctx::trains`.
    #[test]
    fn models_are_named_as_their_runs() {
        let e = Experiments::load(&super::super::experiments::path()).unwrap();
        let names = model_names(&e);
        for m in [
            "attention",
            "cnn",
            "dense",
            "transformer",
            "cnn-ppmi-svd-init",
        ] {
            assert!(names.contains(&m.to_owned()), "{m} in {names:?}");
        }
        let v = e.variants_of("imdb");
        let cnn = v.iter().find(|v| v.model == "cnn").unwrap();
        let run = run_name("imdb", &cnn.model, Some(cnn));
        assert!(names.contains(&run.strip_prefix("imdb-").unwrap().to_owned()));
        assert!(!names.contains(&"imdb-cnn".to_owned()));
    }

    #[test]
    fn runs_are_reused_resumed_or_restarted_by_their_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        let t = Training {
            epochs: 15,
            patience: 3,
            learning_rate: 0.03,
            max_len: 512,
            max_train: None,
            optimizer: None,
            weight_decay: None,
            schedule: None,
            warmup: None,
            truncation: None,
            batching: None,
        };
        let emb = Path::new("/e.sinr");
        let defaults = serde_json::json!({"kind": "attention", "sparsify": 100});
        let plain = stamp_text(&t, false, &defaults, emb, 7, 1);
        // Anything the run is made with changes the stamp: the full configuration (a library
        // default that changed), the embeddings' content, the training, the class weights.
        let other_default = serde_json::json!({"kind": "attention", "sparsify": 50});
        for other in [
            stamp_text(&t, false, &other_default, emb, 7, 1),
            stamp_text(&t, false, &defaults, emb, 8, 1),
            stamp_text(
                &Training {
                    epochs: 14,
                    ..t.clone()
                },
                false,
                &defaults,
                emb,
                7,
                1,
            ),
            stamp_text(
                &Training {
                    schedule: Some("linear".into()),
                    ..t.clone()
                },
                false,
                &defaults,
                emb,
                7,
                1,
            ),
            stamp_text(
                &Training {
                    batching: Some("by_length".into()),
                    ..t.clone()
                },
                false,
                &defaults,
                emb,
                7,
                1,
            ),
            stamp_text(&t, true, &defaults, emb, 7, 1),
            stamp_text(&t, false, &defaults, emb, 7, 2),
        ] {
            assert_ne!(plain, other);
        }
        // A training that leaves the batching out stamps as runs did before it existed.
        assert!(!plain.contains("batching"), "{plain}");
        // A text task's stamp leaves out the tag features' fields its models never read; a
        // tagger's keeps them.
        let tagger = serde_json::json!({"kind": "transformer", "features": {"words": true, "document": true, "gazetteer": true, "lists": true, "history": true}});
        let text = stamp_config(tagger.clone(), TaskKind::Classify);
        assert_eq!(
            text,
            serde_json::json!({"kind": "transformer", "features": {"words": true}})
        );
        assert_eq!(stamp_config(tagger.clone(), TaskKind::Tag), tagger);
        assert_eq!(run_state(&run, &plain), RunState::Fresh);
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(run.join(STAMP), &plain).unwrap();
        // Stamped but no checkpoint committed yet: start again.
        assert_eq!(run_state(&run, &plain), RunState::Fresh);
        std::fs::write(run.join("state.json"), "{}").unwrap();
        assert_eq!(run_state(&run, &plain), RunState::Resume);
        // Other settings: never resumed, never reused.
        let configured = stamp_text(&t, false, &other_default, emb, 7, 1);
        assert_eq!(run_state(&run, &configured), RunState::Fresh);
        std::fs::write(run.join("test.json"), "{}").unwrap();
        assert_eq!(run_state(&run, &plain), RunState::Done);
        assert_eq!(run_state(&run, &configured), RunState::Fresh);
        // A warm-started run's stamp names the run it starts from and that run's best model:
        // retrained (another best model), it starts this one again.
        let from = dir.path().join("from");
        assert!(
            with_warm_start(&plain, &from, None).is_err(),
            "no model to start from"
        );
        std::fs::create_dir_all(&from).unwrap();
        std::fs::write(from.join("best.bpk"), b"one").unwrap();
        let warm = with_warm_start(&plain, &from, None).unwrap();
        assert_ne!(warm, plain);
        assert!(warm.contains("warm_start"), "{warm}");
        std::fs::write(from.join("best.bpk"), b"two").unwrap();
        assert_ne!(with_warm_start(&plain, &from, None).unwrap(), warm);
    }

    fn evaluation() -> Evaluation {
        Evaluation::new(
            sinr_schema::Split::Test,
            "transformer",
            10,
            0.0,
            sinr_schema::Scores::Tag(sinr_schema::TaggingScores::compute(&[], &[], &[], 0)),
        )
    }

    fn resources() -> Resources {
        Resources {
            version: sinr_schema::RESOURCES_VERSION,
            seconds_per_epoch: 1.0,
            epochs: 1,
            peak_rss_kib: None,
            parameters: 10,
            device: sinr_schema::DeviceName::Cpu,
            threads: 2,
            ngram_collisions: None,
        }
    }

    /// `--available` keeps the earlier result of a task none of whose runs is here, and only
    /// then: a task with one model here is rendered from what is here.
    #[test]
    fn available_keeps_a_task_whose_runs_are_elsewhere() {
        let task = |name: &str, rows: usize| TaskResult {
            task: name.into(),
            embeddings: EmbeddingsInfo {
                communities: vec![10, 3],
                vocabulary: 100,
                tokens: 1000,
            },
            rows: (0..rows)
                .map(|_| ModelRow {
                    model: "attention".into(),
                    config: None,
                    seeds: vec![1],
                    scores: vec![evaluation()],
                    resources: vec![resources()],
                })
                .collect(),
            variants: Vec::new(),
            linear: Vec::new(),
            unfinished: rows == 0,
            earlier_run: None,
        };
        let earlier = task("rt", 4);
        let kept = kept_under_available(true, &task("rt", 0), Some(&earlier)).unwrap();
        assert_eq!(kept.rows.len(), 4);
        assert!(kept_under_available(true, &task("rt", 1), Some(&earlier)).is_none());
        // Without `--available`, or without an earlier result, the result is what was run.
        assert!(kept_under_available(false, &task("rt", 0), Some(&earlier)).is_none());
        assert!(kept_under_available(true, &task("rt", 0), None).is_none());
    }

    /// A finished run's record stands for the run only when it was made with the same stamp
    /// and its reports are current; it keeps the commit that trained it; a warm start from a
    /// run kept as a record only stamps the record's model fingerprint.
    #[test]
    fn a_run_record_stands_for_a_run_made_with_the_same_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let records = dir.path().join("records");
        let run = dir.path().join("conll2003-transformer-s1");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(run.join("best.bpk"), b"model").unwrap();
        let made_with = r#"{"training":{"epochs":3},"data":"01"}"#;
        let other = r#"{"training":{"epochs":4},"data":"01"}"#;
        let name = "conll2003-transformer-s1";
        assert!(
            matching_record(&records, name, made_with)
                .unwrap()
                .is_none()
        );
        // The commit is the one `sinr` was built from, not the checkout's when the run ends.
        let built = (Some("fedcba9".to_owned()), Some(false));
        let write = || {
            write_record(
                &records,
                &run,
                made_with,
                &evaluation(),
                &resources(),
                &built,
            )
            .unwrap()
        };
        write();
        let r = matching_record(&records, name, made_with).unwrap().unwrap();
        assert_eq!(r.run, name);
        assert_eq!((r.commit.clone(), r.git_dirty), built);
        assert_eq!(r.evaluation, evaluation());
        assert_eq!(r.best_model, Some(best_model_fingerprint(&run).unwrap()));
        // The same JSON, keys in another order, is the same stamp.
        let reordered = r#"{"data":"01","training":{"epochs":3}}"#;
        assert!(
            matching_record(&records, name, reordered)
                .unwrap()
                .is_some()
        );
        assert!(matching_record(&records, name, other).unwrap().is_none());
        assert!(
            matching_record(&records, "conll2003-transformer-s2", made_with)
                .unwrap()
                .is_none()
        );
        // Written again for the same stamp, the record keeps the commit that trained it.
        let path = records.join(format!("{name}.json"));
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        v["commit"] = serde_json::json!("0123abc");
        std::fs::write(&path, v.to_string()).unwrap();
        write();
        let kept = matching_record(&records, name, made_with).unwrap().unwrap();
        assert_eq!(kept.commit.as_deref(), Some("0123abc"));
        // An older evaluation report does not stand for the run.
        let mut old = v.clone();
        old["evaluation"]["version"] = serde_json::json!(EVALUATION_VERSION - 1);
        std::fs::write(&path, old.to_string()).unwrap();
        assert!(
            matching_record(&records, name, made_with)
                .unwrap()
                .is_none()
        );
        // A damaged record is an error naming its file.
        std::fs::write(&path, "{").unwrap();
        let e = matching_record(&records, name, made_with).unwrap_err();
        assert!(format!("{e:#}").contains(&format!("{name}.json")), "{e:#}");
        // A warm start from a run whose directory is gone stamps its recorded model.
        std::fs::write(&path, v.to_string()).unwrap();
        let from_dir = warm_stamp(made_with, &run);
        std::fs::remove_dir_all(&run).unwrap();
        let rec = matching_record(&records, name, made_with).unwrap().unwrap();
        assert_eq!(
            with_warm_start(made_with, &run, Some(&rec)).unwrap(),
            from_dir
        );
        assert!(with_warm_start(made_with, &run, None).is_err());
        // The same through `warm_started`, which reads the record from the records' folder;
        // with neither the run nor its record, `--available` leaves the warm-started run out
        // and a reproduction that trains stops with the reason.
        assert_eq!(
            warm_started(made_with, &run, Some(&records), false).unwrap(),
            Some(from_dir.clone())
        );
        let elsewhere = records.join("none-here");
        assert_eq!(
            warm_started(made_with, &run, Some(&elsewhere), true).unwrap(),
            None
        );
        assert_eq!(warm_started(made_with, &run, None, true).unwrap(), None);
        let e = warm_started(made_with, &run, None, false).unwrap_err();
        assert!(format!("{e:#}").contains("warm start"), "{e:#}");
    }

    fn warm_stamp(made_with: &str, from: &Path) -> String {
        with_warm_start(made_with, from, None).unwrap()
    }

    #[test]
    fn embeddings_that_keep_the_stop_words_have_their_own_file() {
        let e = super::super::experiments::Experiments::load(&super::super::experiments::path())
            .unwrap();
        for s in [&e.tasks.quick, &e.tasks.full] {
            let names: Vec<String> = e.task_list.iter().map(|t| embeddings_file(t, s)).collect();
            for (task, name) in e.task_list.iter().zip(&names) {
                assert!(name.starts_with(&format!("{}-", task.name)), "{name}");
                assert_eq!(
                    name.ends_with("-ns.sinr"),
                    task.stop_words == StopWords::None
                );
            }
            let distinct: std::collections::BTreeSet<&String> = names.iter().collect();
            assert_eq!(distinct.len(), names.len());
        }
        assert_eq!(
            embeddings_file(e.task("insults").unwrap(), &e.tasks.full),
            "insults-mf5-g50-c5-ns.sinr"
        );
        assert_eq!(
            embeddings_file(e.task("rt").unwrap(), &e.tasks.full),
            "rt-mf5-g50-c5.sinr"
        );
    }

    #[test]
    fn finished_runs_lose_their_last_checkpoint_only() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path();
        for f in [
            "best.bpk",
            "checkpoint-e4.bpk",
            "optimizer-e4.bin",
            "state.json",
            "metrics.json",
        ] {
            std::fs::write(run.join(f), "x").unwrap();
        }
        // Not evaluated yet: a run that may be resumed keeps everything.
        prune_checkpoints(run).unwrap();
        assert!(run.join("checkpoint-e4.bpk").is_file());
        std::fs::write(run.join("test.json"), "{}").unwrap();
        prune_checkpoints(run).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(run)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["best.bpk", "metrics.json", "state.json", "test.json"]
        );
    }

    /// A run's report that lacks a field stops the reproduction with an error naming the file
    /// and the field: no NaN, no dash, no biased mean reaches a table.
    #[test]
    fn a_report_without_a_field_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path();
        let labels = vec!["0".to_owned(), "1".to_owned()];
        let scores =
            ClassificationScores::compute(&[0, 1], &[vec![0.8, 0.2], vec![0.3, 0.7]], &labels, 0);
        let e = Evaluation::new(
            sinr_schema::Split::Test,
            "attention",
            3,
            0.1,
            sinr_schema::Scores::Classify(scores),
        );
        let r = Resources {
            version: sinr_schema::RESOURCES_VERSION,
            seconds_per_epoch: 1.5,
            epochs: 2,
            peak_rss_kib: Some(1024),
            parameters: 3,
            device: sinr_schema::DeviceName::Cpu,
            threads: 2,
            ngram_collisions: None,
        };
        sinr_schema::write(&run.join("test.json"), &e).unwrap();
        sinr_schema::write(&run.join("resources.json"), &r).unwrap();
        assert_eq!(read_run(run).unwrap(), (e.clone(), r));
        // The report as a build that forgot the macro-F1 would write it.
        let mut v = serde_json::to_value(&e).unwrap();
        v["scores"]["classify"]
            .as_object_mut()
            .unwrap()
            .remove("macro_f1");
        std::fs::write(run.join("test.json"), v.to_string()).unwrap();
        let err = format!("{:#}", read_run(run).unwrap_err());
        assert!(
            err.contains("test.json") && err.contains("missing field `macro_f1`"),
            "{err}"
        );
        // And a peak memory left out of the resources.
        sinr_schema::write(&run.join("test.json"), &e).unwrap();
        let mut v = serde_json::to_value(Resources {
            peak_rss_kib: None,
            ..read_run(run).unwrap().1
        })
        .unwrap();
        v.as_object_mut().unwrap().remove("peak_rss_kib");
        std::fs::write(run.join("resources.json"), v.to_string()).unwrap();
        let err = format!("{:#}", read_run(run).unwrap_err());
        assert!(
            err.contains("resources.json") && err.contains("missing field `peak_rss_kib`"),
            "{err}"
        );
    }
}
