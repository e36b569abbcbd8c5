//! `sinr train`, `sinr predict`, `sinr explain`: the classifiers.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use sinr_data::tasks::{
    ClassificationTask, TaggingTask, load_classification, load_conll2003, load_user_file,
};
use sinr_data::{Cache, Clients};
use sinr_embed::SinrModel;
use sinr_models::{
    Encoder, Example, ModelConfig, RunSpec, TaskKind, TrainConfig, load_run, train_run,
};

use crate::progress::Bars;

/// Sequence or token classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TaskArg {
    /// One label per text (polarity, offensive content, any CSV/TSV you bring).
    Classify,
    /// One tag per token (named entities, BIO tags in a CoNLL file).
    Tag,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Task kind (default: `tag` for CoNLL data, else `classify`).
    #[arg(long, value_enum)]
    task: Option<TaskArg>,
    /// The model: `attention`, `transformer`, `hierarchical`, `dense`, or a JSON/TOML file with
    /// a `kind` and its fields.
    #[arg(long)]
    model: String,
    /// SINr embeddings (`sinr embed train`; `--louvain multilevel` for coarse levels).
    #[arg(long)]
    embeddings: PathBuf,
    /// Data: a built-in set (`imdb`, `rt`, `insults`, `germeval2018`, `conll2003`), or a file: a
    /// CSV with a header (choose the columns), a TSV (columns by name after a header line, or by
    /// number), or a `.conll` file.
    #[arg(long)]
    data: String,
    /// Text column: its header name in a CSV or a TSV with a header line; a 0-based number for
    /// a TSV without one.
    #[arg(long, default_value = "text")]
    text_column: String,
    /// Label column: its header name (CSV, TSV with a header) or a 0-based number (TSV without).
    #[arg(long, default_value = "label")]
    label_column: String,
    /// The run directory.
    #[arg(long)]
    out: PathBuf,
    /// Continue an interrupted run from its last checkpoint.
    #[arg(long)]
    resume: bool,
    /// A JSON/TOML file with any training parameter.
    #[arg(long)]
    train_config: Option<PathBuf>,
    /// Maximum epochs.
    #[arg(long)]
    epochs: Option<usize>,
    /// Batch size.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// Longest input in tokens: longer texts (sentences for tagging) are truncated, and the
    /// words past the limit are ignored in training, prediction and explanations [default: 256].
    #[arg(long)]
    max_len: Option<usize>,
    /// Seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Early-stopping patience in epochs.
    #[arg(long)]
    patience: Option<usize>,
    /// Weight classes by inverse frequency.
    #[arg(long)]
    class_weights: bool,
    /// At most this many batches per epoch (quick runs).
    #[arg(long)]
    max_batches: Option<usize>,
    /// Train on a seeded random subset of at most this many training examples (quick runs).
    #[arg(long)]
    max_train: Option<usize>,
    /// The data cache (default: SINR_DATA_DIR, else ~/.cache/sinr).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

fn read_config<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    if path.extension().is_some_and(|e| e == "toml") {
        toml::from_str(&text).with_context(|| format!("invalid config {}", path.display()))
    } else {
        serde_json::from_str(&text).with_context(|| format!("invalid config {}", path.display()))
    }
}

fn model_config(arg: &str) -> Result<ModelConfig> {
    Ok(match arg {
        "attention" => ModelConfig::Attention(Default::default()),
        "transformer" => ModelConfig::Transformer(Default::default()),
        "hierarchical" => ModelConfig::Hierarchical(Default::default()),
        "dense" => ModelConfig::Dense(Default::default()),
        file if Path::new(file).is_file() => read_config(Path::new(file))?,
        other => bail!(
            "--model {other}: not a model kind (attention, transformer, hierarchical, dense) nor a config file"
        ),
    })
}

/// Loaded task data.
enum TaskData {
    Classify(ClassificationTask),
    Tag(TaggingTask),
}

/// Where a command's data comes from: a built-in set or a file, with its columns.
struct DataSpec<'a> {
    data: &'a str,
    text_column: &'a str,
    label_column: &'a str,
    data_dir: Option<&'a Path>,
}

impl<'a> DataSpec<'a> {
    fn of_train(args: &'a TrainArgs) -> Self {
        Self {
            data: &args.data,
            text_column: &args.text_column,
            label_column: &args.label_column,
            data_dir: args.data_dir.as_deref(),
        }
    }
}

fn load_data(args: &DataSpec<'_>, log: &dyn Fn(&str)) -> Result<TaskData> {
    let cache = || {
        Cache::new(
            args.data_dir
                .map_or_else(Cache::default_root, Path::to_path_buf),
        )
    };
    let manifest = || -> Result<sinr_data::Manifest> {
        let path = sinr_data::find_manifest().context(
            "datasets.toml not found (run from the workspace, or give a file with --data)",
        )?;
        Ok(sinr_data::Manifest::load(path)?)
    };
    let path = Path::new(args.data);
    if path.is_file() {
        if path.extension().is_some_and(|e| e == "conll") {
            let sentences = sinr_data::readers::read_conll(path, 0, -1)?;
            let n = sentences.len();
            let (a, b) = (n * 8 / 10, n * 9 / 10);
            let mut tags: Vec<String> = sentences
                .iter()
                .flat_map(|s| s.tags.iter().cloned())
                .collect();
            tags.sort();
            tags.dedup();
            return Ok(TaskData::Tag(TaggingTask {
                name: args.data.to_owned(),
                tags,
                train: sentences[..a].to_vec(),
                dev: sentences[a..b].to_vec(),
                test: sentences[b..].to_vec(),
            }));
        }
        return Ok(TaskData::Classify(load_user_file(
            path,
            args.text_column,
            args.label_column,
        )?));
    }
    match args.data {
        "conll2003" => Ok(TaskData::Tag(load_conll2003(
            &cache(),
            &manifest()?,
            &Clients::default(),
            log,
        )?)),
        name if sinr_data::tasks::CLASSIFICATION_TASKS.contains(&name) => Ok(TaskData::Classify(
            load_classification(name, &cache(), &manifest()?, &Clients::default(), log)?,
        )),
        other => bail!(
            "--data {other}: no such file, and not a built-in data set (imdb, rt, insults, germeval2018, conll2003)"
        ),
    }
}

fn spec_seed(args: &TrainArgs) -> u64 {
    args.seed.unwrap_or(TrainConfig::default().seed)
}

fn encode_classify(enc: &Encoder, t: &ClassificationTask) -> (Vec<Example>, Vec<Example>) {
    let idx = |l: &str| {
        t.labels
            .iter()
            .position(|x| x == l)
            .expect("labels come from the data")
    };
    let f = |xs: &[sinr_data::readers::LabeledText]| {
        xs.iter()
            .map(|x| enc.encode_text(&x.text, idx(&x.label)))
            .collect()
    };
    (f(&t.train), f(&t.dev))
}

fn encode_tag(enc: &Encoder, t: &TaggingTask) -> (Vec<Example>, Vec<Example>) {
    let idx = |l: &str| {
        t.tags
            .iter()
            .position(|x| x == l)
            .expect("tags come from the data")
    };
    let f = |xs: &[sinr_data::readers::TaggedSentence]| {
        xs.iter()
            .map(|s| {
                let labels: Vec<usize> = s.tags.iter().map(|x| idx(x)).collect();
                enc.encode_tokens(&s.tokens, &labels)
            })
            .collect()
    };
    (f(&t.train), f(&t.dev))
}

pub fn train(args: &TrainArgs, device_name: &str, quiet: bool) -> Result<()> {
    let device = sinr_models::device_from_name(device_name)?;
    let model_cfg = model_config(&args.model)?;
    let mut cfg: TrainConfig = match &args.train_config {
        Some(p) => read_config(p)?,
        None => TrainConfig::default(),
    };
    let set = |f: &mut usize, v: Option<usize>| {
        if let Some(v) = v {
            *f = v;
        }
    };
    set(&mut cfg.epochs, args.epochs);
    set(&mut cfg.batch_size, args.batch_size);
    set(&mut cfg.max_len, args.max_len);
    set(&mut cfg.patience, args.patience);
    if let Some(v) = args.lr {
        cfg.learning_rate = v;
    }
    if let Some(v) = args.seed {
        cfg.seed = v;
    }
    if args.class_weights {
        cfg.class_weights = true;
    }
    if args.max_batches.is_some() {
        cfg.max_batches_per_epoch = args.max_batches;
    }
    cfg.validate()?;
    model_cfg.validate()?;
    let emb = SinrModel::load(&args.embeddings)
        .with_context(|| format!("cannot load embeddings {}", args.embeddings.display()))?;
    let log = |m: &str| {
        if !quiet {
            eprintln!("  {m}");
        }
    };
    let data = load_data(&DataSpec::of_train(args), &log)?;
    let enc = Encoder::for_model(&emb, &model_cfg, cfg.max_len);
    let (kind, labels, train, dev, name) = match &data {
        TaskData::Classify(t) => {
            if args.task == Some(TaskArg::Tag) {
                bail!(
                    "--task tag needs a CoNLL file or conll2003; {} is a classification set",
                    args.data
                );
            }
            let (tr, dv) = encode_classify(&enc, t);
            (TaskKind::Sequence, t.labels.clone(), tr, dv, t.name.clone())
        }
        TaskData::Tag(t) => {
            if args.task == Some(TaskArg::Classify) {
                bail!(
                    "--task classify needs labelled texts; {} is a tagging set",
                    args.data
                );
            }
            let (tr, dv) = encode_tag(&enc, t);
            (TaskKind::Token, t.tags.clone(), tr, dv, t.name.clone())
        }
    };
    let mut train = train;
    if let Some(n) = args.max_train.filter(|&n| n < train.len()) {
        let mut order: Vec<usize> = (0..train.len()).collect();
        sinr_util::SplitMix64::new(spec_seed(args)).shuffle(&mut order);
        order.truncate(n);
        order.sort_unstable();
        train = order.into_iter().map(|i| train[i].clone()).collect();
    }
    let empty = train.iter().filter(|e| e.rows.is_empty()).count();
    let spec = RunSpec::new(&name, kind, labels, model_cfg, cfg, &args.embeddings, &emb)?;
    if !quiet {
        eprintln!(
            "training `{}` on {name}: {} train / {} dev examples ({} without any known word), {} labels, device {device_name}",
            spec.model.kind(),
            train.len(),
            dev.len(),
            empty,
            spec.labels.len()
        );
    }
    let bars = Bars::new(quiet);
    let (model, state) = train_run(
        &spec,
        &emb,
        &train,
        &dev,
        &args.out,
        args.resume,
        None,
        &device,
        &bars,
    )?;
    // What the run cost: seconds per epoch (training only, mean over this process's epochs and
    // any resumed ones) and this process's peak resident memory.
    let secs: Vec<f64> = state.history.iter().map(|e| e.seconds).collect();
    let resources = serde_json::json!({
        "seconds_per_epoch": secs.iter().sum::<f64>() / secs.len().max(1) as f64,
        "epochs": state.epochs_done,
        "peak_rss_kib": crate::embed::peak_rss_kib(),
        "parameters": model.num_params(),
        "device": device_name,
        "threads": rayon::current_num_threads(),
    });
    let text = serde_json::to_string_pretty(&resources)?;
    sinr_util::write_atomically(&args.out.join("resources.json"), |w| {
        w.write_all(text.as_bytes())
    })?;
    if !quiet {
        eprintln!(
            "best dev score {:.4} at epoch {} of {}; {} trainable parameters; run in {}",
            state.best_score,
            state.best_epoch,
            state.epochs_done,
            model.num_params(),
            args.out.display()
        );
    }
    Ok(())
}

/// Arguments of `sinr evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The run directory.
    run: PathBuf,
    /// The data (as for `sinr train`).
    #[arg(long)]
    data: String,
    /// Which split.
    #[arg(long, value_enum, default_value_t = SplitArg::Test)]
    split: SplitArg,
    /// Text column of a CSV.
    #[arg(long, default_value = "text")]
    text_column: String,
    /// Label column of a CSV.
    #[arg(long, default_value = "label")]
    label_column: String,
    /// Write the scores (and every prediction's probabilities) as JSON here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Embeddings to use instead of the path recorded in the run.
    #[arg(long)]
    embeddings: Option<PathBuf>,
    /// The data cache.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// A split of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitArg {
    /// Training split.
    Train,
    /// Development split.
    Dev,
    /// Test split.
    Test,
}

/// Scores of a run on a split: accuracy, macro-F1, per-class precision/recall/F1, ROC-AUC of
/// two-class tasks (the score of the second label), strict span F1 for tagging.
pub fn evaluate(args: &EvaluateArgs, device_name: &str, quiet: bool) -> Result<()> {
    let device = sinr_models::device_from_name(device_name)?;
    let run = load_run(&args.run, args.embeddings.as_deref(), &device)
        .with_context(|| format!("cannot load run {}", args.run.display()))?;
    let targs = DataSpec {
        data: &args.data,
        text_column: args.text_column.as_str(),
        label_column: args.label_column.as_str(),
        data_dir: args.data_dir.as_deref(),
    };
    let log = |m: &str| {
        if !quiet {
            eprintln!("  {m}");
        }
    };
    let data = load_data(&targs, &log)?;
    let c = run.spec.labels.len();
    let t0 = std::time::Instant::now();
    let report = match &data {
        TaskData::Classify(t) => {
            let items = match args.split {
                SplitArg::Train => &t.train,
                SplitArg::Dev => &t.dev,
                SplitArg::Test => &t.test,
            };
            let mut gold = Vec::new();
            let mut examples = Vec::new();
            for x in items {
                gold.push(
                    run.spec
                        .label_index(&x.label)
                        .with_context(|| format!("line {}", x.line))?,
                );
                examples.push(run.encoder.encode_text(&x.text, 0));
            }
            let logits = run
                .model
                .predict(&examples, TaskKind::Sequence, 64, &device);
            let probs: Vec<Vec<f64>> = logits.iter().map(|l| sinr_util::softmax(l)).collect();
            let pred: Vec<usize> = probs
                .iter()
                .map(|p| sinr_metrics::task::argmax(p))
                .collect();
            let per_class: Vec<serde_json::Value> = (0..c)
                .map(|k| {
                    let (p, r, f) = sinr_metrics::task::precision_recall_f1(&gold, &pred, k);
                    serde_json::json!({"label": run.spec.labels[k], "precision": p, "recall": r, "f1": f})
                })
                .collect();
            let auc = (c == 2).then(|| {
                let pos: Vec<bool> = gold.iter().map(|&g| g == 1).collect();
                let scores: Vec<f64> = probs.iter().map(|p| p[1]).collect();
                sinr_metrics::task::roc_auc(&pos, &scores)
            });
            serde_json::json!({
                "examples": gold.len(),
                "accuracy": sinr_metrics::task::accuracy(&gold, &pred),
                "macro_f1": sinr_metrics::task::macro_f1(&gold, &pred, c),
                "per_class": per_class,
                "roc_auc": auc,
                "without_known_word": examples.iter().filter(|e| e.rows.is_empty()).count(),
            })
        }
        TaskData::Tag(t) => {
            let items = match args.split {
                SplitArg::Train => &t.train,
                SplitArg::Dev => &t.dev,
                SplitArg::Test => &t.test,
            };
            let mut examples = Vec::new();
            for s in items {
                let labels: Vec<usize> = s
                    .tags
                    .iter()
                    .map(|x| run.spec.label_index(x))
                    .collect::<sinr_models::Result<_>>()
                    .with_context(|| format!("sentence at line {}", s.line))?;
                examples.push(run.encoder.encode_tokens(&s.tokens, &labels));
            }
            let logits = run.model.predict(&examples, TaskKind::Token, 64, &device);
            let mut gold_tags = Vec::new();
            let mut pred_tags = Vec::new();
            let mut argmax_tags = Vec::new();
            let name = |i: usize| run.spec.labels[i].as_str();
            for (s, l) in items.iter().zip(&logits) {
                let n = l.len() / c;
                gold_tags.push(s.tags[..n].iter().map(String::as_str).collect::<Vec<_>>());
                pred_tags.push(
                    sinr_models::decode_tags(l, &run.spec.labels)
                        .into_iter()
                        .map(name)
                        .collect::<Vec<_>>(),
                );
                argmax_tags.push(
                    l.chunks(c)
                        .map(|r| name(sinr_metrics::task::argmax(r)))
                        .collect::<Vec<_>>(),
                );
            }
            let sc = sinr_metrics::task::span_f1(&gold_tags, &pred_tags);
            let by_argmax = sinr_metrics::task::span_f1(&gold_tags, &argmax_tags);
            let truncated = items
                .iter()
                .filter(|s| s.tokens.len() > run.spec.train.max_len)
                .count();
            serde_json::json!({
                "sentences": items.len(),
                "truncated_sentences": truncated,
                "span_precision": sc.precision,
                "span_recall": sc.recall,
                "span_f1": sc.f1,
                "span_f1_argmax": by_argmax.f1,
                "per_type": sc.per_type.iter().map(|(k, p, r, f, n)| serde_json::json!({"type": k, "precision": p, "recall": r, "f1": f, "gold": n})).collect::<Vec<_>>(),
            })
        }
    };
    let mut report = report;
    report["split"] = serde_json::json!(format!("{:?}", args.split).to_lowercase());
    report["model"] = serde_json::json!(run.model.kind());
    report["parameters"] = serde_json::json!(run.model.num_params());
    report["seconds"] = serde_json::json!(t0.elapsed().as_secs_f64());
    let text = serde_json::to_string_pretty(&report)?;
    match &args.out {
        Some(p) => sinr_util::write_atomically(p, |w| w.write_all(text.as_bytes()))?,
        None => println!("{text}"),
    }
    Ok(())
}

/// Arguments of `sinr analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The run directory.
    run: PathBuf,
    /// The data (as for `sinr train`).
    #[arg(long)]
    data: String,
    /// How many test examples (the first ones of a seeded shuffle).
    #[arg(long, default_value_t = 100)]
    n: usize,
    /// Seed of the example choice and of the random baseline.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Write the per-example analyses here (JSON).
    #[arg(long)]
    out: PathBuf,
    /// The data cache.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Token importances of several methods on test examples, with their faithfulness (ERASER),
/// compactness, completeness and the model's mechanisms.
pub fn analyze(args: &AnalyzeArgs, device_name: &str, quiet: bool) -> Result<()> {
    let device = sinr_models::device_from_name(device_name)?;
    let run = load_run(&args.run, None, &device)
        .with_context(|| format!("cannot load run {}", args.run.display()))?;
    let model_ad = run.autodiff_model(&device)?;
    let ad = device.clone().autodiff();
    let targs = DataSpec {
        data: &args.data,
        text_column: "text",
        label_column: "label",
        data_dir: args.data_dir.as_deref(),
    };
    let log = |m: &str| {
        if !quiet {
            eprintln!("  {m}");
        }
    };
    let t = match load_data(&targs, &log)? {
        TaskData::Classify(t) => t,
        TaskData::Tag(t) => return analyze_entities(args, &run, &t, &device, quiet),
    };
    let mut order: Vec<usize> = (0..t.test.len()).collect();
    sinr_util::SplitMix64::new(args.seed).shuffle(&mut order);
    let bars = Bars::new(quiet);
    sinr_util::Progress::start(
        &bars,
        "analysing",
        Some(args.n as u64),
        sinr_util::ProgressUnit::Items("examples"),
    );
    let mut out = Vec::new();
    let mut analysed = Vec::new();
    for &i in &order {
        if out.len() >= args.n {
            break;
        }
        let x = &t.test[i];
        let ex = run.encoder.encode_text(&x.text, 0);
        if ex.rows.len() < 2 {
            continue;
        }
        let gold = run.spec.label_index(&x.label)?;
        let a = sinr_models::analysis::analyse_example(
            &run.model,
            &model_ad,
            &run.spec,
            &ex,
            gold,
            args.seed ^ i as u64,
            &device,
            &ad,
        )?;
        // The kept n-gram features by name, in the order of `analysis.lexical`.
        let names = run.encoder.lexical_names(&x.text);
        let lexical_names: Vec<&str> = a
            .lexical
            .iter()
            .map(|(f, _)| names.get(*f as usize).map_or("?", |n| n.0.as_str()))
            .collect();
        out.push(serde_json::json!({"index": i, "text": x.text, "analysis": a, "lexical_names": lexical_names}));
        analysed.push(ex);
        sinr_util::Progress::advance(&bars, 1);
    }
    sinr_util::Progress::finish(&bars, &format!("{} examples", out.len()));
    let memories = sinr_models::analysis::memory_profiles(
        &run.model,
        &run.spec,
        &run.embeddings,
        &analysed,
        6,
        &device,
    )?;
    let text = serde_json::to_string(
        &serde_json::json!({"version": sinr_models::analysis::ANALYSIS_VERSION, "model": run.model.kind(), "labels": run.spec.labels, "examples": out, "memories": memories}),
    )?;
    sinr_util::write_atomically(&args.out, |w| w.write_all(text.as_bytes()))?;
    Ok(())
}

/// `sinr analyze` on a tagging task: NER plausibility of `args.n` test sentences with entities.
fn analyze_entities(
    args: &AnalyzeArgs,
    run: &sinr_models::LoadedRun,
    t: &sinr_data::tasks::TaggingTask,
    device: &sinr_models::Device,
    quiet: bool,
) -> Result<()> {
    let mut order: Vec<usize> = (0..t.test.len()).collect();
    sinr_util::SplitMix64::new(args.seed).shuffle(&mut order);
    let bars = Bars::new(quiet);
    sinr_util::Progress::start(
        &bars,
        "analysing entities",
        Some(args.n as u64),
        sinr_util::ProgressUnit::Items("sentences"),
    );
    let mut out = Vec::new();
    for &i in &order {
        if out.len() >= args.n {
            break;
        }
        let s = &t.test[i];
        if s.tags.iter().all(|x| x == "O") {
            continue;
        }
        let labels: Vec<usize> = s
            .tags
            .iter()
            .map(|x| run.spec.label_index(x))
            .collect::<sinr_models::Result<_>>()
            .with_context(|| format!("sentence at line {}", s.line))?;
        let ex = run.encoder.encode_tokens(&s.tokens, &labels);
        let entities = sinr_models::analysis::analyse_entities(&run.model, &run.spec, &ex, device)?;
        out.push(serde_json::json!({"index": i, "tokens": ex.surface, "entities": entities}));
        sinr_util::Progress::advance(&bars, 1);
    }
    sinr_util::Progress::finish(&bars, &format!("{} sentences", out.len()));
    let text = serde_json::to_string(
        &serde_json::json!({"version": sinr_models::analysis::ANALYSIS_VERSION, "model": run.model.kind(), "labels": run.spec.labels, "sentences": out}),
    )?;
    sinr_util::write_atomically(&args.out, |w| w.write_all(text.as_bytes()))?;
    Ok(())
}

fn encode_input(run: &sinr_models::LoadedRun, text: &str) -> Example {
    match run.spec.kind {
        TaskKind::Sequence => run.encoder.encode_text(text, 0),
        TaskKind::Token => {
            let toks: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
            let labels = vec![0; toks.len()];
            run.encoder.encode_tokens(&toks, &labels)
        }
    }
}

pub fn predict(
    run_dir: &Path,
    input: &str,
    embeddings: Option<&Path>,
    device_name: &str,
) -> Result<()> {
    let device = sinr_models::device_from_name(device_name)?;
    let run = load_run(run_dir, embeddings, &device)
        .with_context(|| format!("cannot load run {}", run_dir.display()))?;
    let texts: Vec<String> = if Path::new(input).is_file() {
        std::fs::read_to_string(input)
            .with_context(|| format!("cannot read {input}"))?
            .lines()
            .map(str::to_owned)
            .collect()
    } else {
        vec![input.to_owned()]
    };
    if texts.iter().all(|t| t.trim().is_empty()) {
        bail!("empty text: nothing to predict");
    }
    let examples: Vec<Example> = texts.iter().map(|t| encode_input(&run, t)).collect();
    let logits = run.model.predict(&examples, run.spec.kind, 64, &device);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for ((text, ex), l) in texts.iter().zip(&examples).zip(&logits) {
        match run.spec.kind {
            TaskKind::Sequence => {
                let p = sinr_util::softmax(l);
                let best = sinr_metrics::task::argmax(&p);
                let probs: Vec<String> = run
                    .spec
                    .labels
                    .iter()
                    .zip(&p)
                    .map(|(n, v)| format!("{n}={v:.4}"))
                    .collect();
                let note = if ex.rows.is_empty() {
                    "\t(no known word: the model's prior)"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "{}\t{}\t{}{note}",
                    run.spec.labels[best],
                    probs.join(" "),
                    text.chars().take(80).collect::<String>()
                )?;
            }
            TaskKind::Token => {
                let tags: Vec<String> = sinr_models::decode_tags(l, &run.spec.labels)
                    .into_iter()
                    .zip(&ex.surface)
                    .map(|(best, tok)| format!("{tok}/{}", run.spec.labels[best]))
                    .collect();
                writeln!(out, "{}", tags.join(" "))?;
            }
        }
    }
    Ok(())
}

pub fn explain(
    run_dir: &Path,
    text: &str,
    html: Option<&Path>,
    json: Option<&Path>,
    embeddings: Option<&Path>,
    device_name: &str,
) -> Result<()> {
    let device = sinr_models::device_from_name(device_name)?;
    let run = load_run(run_dir, embeddings, &device)
        .with_context(|| format!("cannot load run {}", run_dir.display()))?;
    if text.trim().is_empty() {
        bail!("empty text: nothing to explain");
    }
    let ex = encode_input(&run, text);
    let mut e = run
        .model
        .explain(&run.spec, &run.embeddings, &ex, &device)?;
    if run.spec.kind == TaskKind::Sequence {
        e.lexical_names = run.encoder.lexical_names(text);
    }
    let words: std::collections::HashMap<u32, &Vec<String>> =
        e.dimension_words.iter().map(|(k, w)| (*k, w)).collect();
    for o in e.outputs.iter().take(if run.spec.kind == TaskKind::Token {
        50
    } else {
        1
    }) {
        let label = &e.labels[o.predicted];
        match o.position {
            Some(p) => match o.argmax {
                Some(a) => println!(
                    "\n{} → {label} (its own argmax {} breaks the BIO order; the best valid path decides)",
                    e.tokens[p], e.labels[a]
                ),
                None => println!("\n{} → {label}", e.tokens[p]),
            },
            None => println!(
                "prediction: {label} (logits {:?}; completeness error {:.1e})",
                o.logits
                    .iter()
                    .map(|x| (x * 1000.0).round() / 1000.0)
                    .collect::<Vec<_>>(),
                o.completeness_error()
            ),
        }
        let mut toks: Vec<(usize, f32)> = o
            .tokens
            .iter()
            .enumerate()
            .map(|(t, v)| (t, v[o.predicted]))
            .collect();
        toks.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        println!("  tokens (contribution to {label}):");
        for (t, v) in toks.iter().take(8) {
            println!("    {:+.4}  {}", v, e.tokens[*t]);
        }
        let mut comms: Vec<(usize, f32)> = o
            .communities
            .iter()
            .enumerate()
            .map(|(k, v)| (k, v[o.predicted]))
            .collect();
        comms.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        println!("  communities:");
        for (k, v) in comms.iter().take(6) {
            let w = words
                .get(&(*k as u32))
                .map(|w| w.join(", "))
                .unwrap_or_else(|| e.dimensions.get(*k).cloned().unwrap_or_default());
            println!("    {:+.4}  [{k}] {w}", v);
        }
        if !o.fine_communities.is_empty() {
            println!(
                "  fine communities (level {}, over the window):",
                e.fine_level.unwrap_or(0)
            );
            for (k, v, words) in e.top_fine_communities(o, 6) {
                println!("    {:+.4}  [{k}] {}", v[o.predicted], words.join(", "));
            }
        }
        if run.spec.kind == TaskKind::Sequence {
            let mut comps: Vec<&(String, Vec<f32>)> = o.components.iter().collect();
            comps.sort_by(|a, b| b.1[o.predicted].abs().total_cmp(&a.1[o.predicted].abs()));
            println!("  components:");
            for (n, v) in comps.iter().take(6) {
                println!("    {:+.4}  {n}", v[o.predicted]);
            }
        }
        if !o.lexical.is_empty() {
            println!("  n-gram features:");
            for (f, v) in o.lexical.iter().take(8) {
                let (name, token) = e.lexical_label(*f);
                println!("    {:+.4}  {name} (at {token})", v[o.predicted]);
            }
        }
        if !o.levels.is_empty() {
            println!("  by Louvain level:");
            for (n, v) in &o.levels {
                println!("    {:+.4}  {n}", v[o.predicted]);
            }
        }
    }
    if let Some(p) = json {
        let text = serde_json::to_string_pretty(&e)?;
        sinr_util::write_atomically(p, |w| w.write_all(text.as_bytes()))?;
    }
    if let Some(p) = html {
        let page = crate::html::page(&e, text);
        sinr_util::write_atomically(p, |w| w.write_all(page.as_bytes()))?;
        eprintln!("wrote {}", p.display());
    }
    Ok(())
}
