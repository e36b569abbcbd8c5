//! `sinr train`, `sinr evaluate`, `sinr analyze`, `sinr predict`, `sinr explain`: the
//! classifiers. Each command parses its arguments, chooses the device, calls the library and
//! prints; the reports it writes are `sinr-schema`'s types.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use sinr_data::{DataSource, TaskData};
use sinr_embed::SinrModel;
use sinr_models::{Example, ModelConfig, RunSpec, TaskKind, TrainConfig, load_run, train_run};
use sinr_schema::{DeviceName, Split};

use crate::progress::Bars;

/// Arguments of `sinr train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Task kind (default: `tag` for CoNLL data, else `classify`).
    #[arg(long, value_enum)]
    task: Option<TaskKind>,
    /// The model: `attention`, `transformer`, `hierarchical`, `dense`, `cnn`, or a JSON/TOML file with
    /// a `kind` and its fields. Absent: the best measured model of the task kind (texts: the
    /// attention classifier with each word's 1,000 strongest communities, a mean-pooled read-out
    /// and word n-grams; tags: the SINr transformer with lexical features and a CRF), printed at
    /// the start.
    #[arg(long)]
    model: Option<String>,
    /// SINr embeddings (`sinr embed train`; `--louvain multilevel` for coarse levels).
    #[arg(long)]
    embeddings: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// A benchmark's own dev file (same format and columns as `--data`, which then trains
    /// whole): model selection and early stopping read it. Without it, a tenth of the training
    /// file (a seeded tenth of a `.conll` file's documents, a stratified draw of a CSV or TSV).
    #[arg(long)]
    dev: Option<PathBuf>,
    /// A benchmark's own test file (same format): reported by `sinr evaluate RUN --data FILE`,
    /// never read in training.
    #[arg(long)]
    test: Option<PathBuf>,
    /// The run directory.
    #[arg(long)]
    out: PathBuf,
    /// Continue an interrupted run from its last checkpoint.
    #[arg(long)]
    resume: bool,
    /// Start from a trained run: the SINr transformer's fine path takes the best model of an
    /// attention-classifier run on the same data and embeddings whose configuration is the
    /// fine path's (`sinr config --model transformer` shows it). The start is scored on dev
    /// before the first epoch and kept if no epoch beats it; the run records which model it
    /// started from.
    #[arg(long, value_name = "RUN")]
    warm_start: Option<PathBuf>,
    /// A JSON/TOML file with any training parameter.
    #[arg(long)]
    train_config: Option<PathBuf>,
    /// Maximum epochs [default: 15].
    #[arg(long)]
    epochs: Option<usize>,
    /// Batch size.
    #[arg(long)]
    batch_size: Option<usize>,
    /// (Peak) learning rate [default: the model kind's: 0.03 for the attention and hierarchical
    /// models, 0.01 for the SINr transformer, 5e-4 for the dense transformer, 1e-3 for the CNN].
    #[arg(long)]
    lr: Option<f64>,
    /// Optimiser [default: adam; adamw for the transformers and the CNN].
    #[arg(long, value_enum)]
    optimizer: Option<sinr_models::Optimizer>,
    /// AdamW's decoupled weight decay [default: 0; 0.01 with adamw].
    #[arg(long)]
    weight_decay: Option<f64>,
    /// Learning-rate schedule: constant, or linear warm-up then decay to 0 [default: constant;
    /// linear for the transformers and the CNN].
    #[arg(long, value_enum)]
    schedule: Option<sinr_models::Schedule>,
    /// Share of the planned steps spent warming up (linear schedule) [default: 0; 0.1 with the
    /// linear schedule].
    #[arg(long)]
    warmup: Option<f64>,
    /// Which part of a longer text is read [default: head; head-tail for the transformers and
    /// the CNN].
    #[arg(long, value_enum)]
    truncation: Option<sinr_models::Truncation>,
    /// How an epoch's examples are grouped into batches: runs of the shuffled order, or
    /// examples of similar length together (less padding, faster on long texts) [default:
    /// shuffled].
    #[arg(long, value_enum)]
    batching: Option<sinr_models::Batching>,
    /// Longest input in tokens: longer texts (sentences for tagging) are truncated, and the
    /// words past the limit are ignored in training, prediction and explanations [default: 512].
    #[arg(long)]
    max_len: Option<usize>,
    /// Seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Early-stopping patience in epochs [default: 3].
    #[arg(long)]
    patience: Option<usize>,
    /// Weight classes by inverse frequency.
    #[arg(long)]
    class_weights: bool,
    /// Read URLs, e-mail addresses, @handles and #hashtags as the embeddings' tokenizer does
    /// (their letter runs become words), instead of dropping the first three and splitting
    /// hashtags into words (the default for texts).
    #[arg(long)]
    raw_web_text: bool,
    /// At most this many batches per epoch (quick runs).
    #[arg(long)]
    max_batches: Option<usize>,
    /// Train on a seeded random subset of at most this many training examples (quick runs).
    #[arg(long)]
    max_train: Option<usize>,
}

/// Where a command's data comes from.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Data: a built-in set (`imdb`, `rt`, `insults`, `germeval2018`, `conll2003`), or a file: a
    /// CSV with a header (choose the columns), a TSV (columns by name after a header line, or by
    /// number), or a `.conll` file.
    #[arg(long)]
    data: String,
    /// Text column: its header name in a CSV or a TSV with a header line; a 0-based number for
    /// a TSV without one; for a `.conll` file, the token column's number (default: the first).
    #[arg(long, default_value = "text")]
    text_column: String,
    /// Label column: its header name (CSV, TSV with a header) or a 0-based number (TSV without);
    /// for a `.conll` file, the tag column's number (default: the last; negative numbers count
    /// from the end, written `--label-column=-2`).
    #[arg(long, default_value = "label")]
    label_column: String,
    /// The data cache (default: SINR_DATA_DIR, else ~/.cache/sinr).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

impl DataArgs {
    fn source(&self) -> DataSource {
        DataSource {
            data: self.data.clone(),
            text_column: self.text_column.clone(),
            label_column: self.label_column.clone(),
            data_dir: self.data_dir.clone(),
            dev: None,
            test: None,
        }
    }

    fn load(&self, quiet: bool) -> Result<TaskData> {
        self.load_from(&self.source(), quiet)
    }

    fn load_from(&self, source: &DataSource, quiet: bool) -> Result<TaskData> {
        let log = stage_log(quiet);
        source
            .load(&log)
            .with_context(|| format!("--data {}", self.data))
    }
}

/// The context of a failed fetch of a tagger's name lists: how to train without them.
const NAME_LISTS_FAILED: &str = "the gazetteer's name lists (to train without them: \
    \"features\": {\"document\": true, \"gazetteer\": true} in the --model file)";

/// The stage lines of a command on stderr (indented; none with `--quiet`).
pub(crate) fn stage_log(quiet: bool) -> impl Fn(&str) {
    move |m: &str| {
        if !quiet {
            eprintln!("  {m}");
        }
    }
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
    if let Some(c) = ModelConfig::default_of(arg) {
        return Ok(c);
    }
    if Path::new(arg).is_file() {
        return read_config(Path::new(arg));
    }
    bail!(
        "--model {arg}: not a model kind ({}) nor a config file",
        ModelConfig::KINDS.join(", ")
    )
}

/// `sinr config`: a model's whole configuration (the kind's defaults, or a file's fields over
/// them; without a model, the task kind's recommended one), checked, as JSON; or, with
/// `training`, the training `sinr train` gives it by default.
pub fn config(model: Option<&str>, task: TaskKind, training: bool) -> Result<()> {
    let c = match model {
        Some(m) => model_config(m)?,
        None => sinr_models::recommended_model(task),
    };
    c.validate()?;
    if training {
        println!(
            "{}",
            serde_json::to_string(&TrainConfig::recommended_for(c.kind()))?
        );
    } else {
        println!("{}", serde_json::to_string(&c)?);
    }
    Ok(())
}

/// The training: a `--train-config` file, else the training the task tables give the model's
/// kind ([`TrainConfig::recommended_for`]), with the flags over it.
fn train_config(args: &TrainArgs, model_kind: &str) -> Result<TrainConfig> {
    let mut cfg: TrainConfig = match &args.train_config {
        Some(p) => read_config(p)?,
        None => TrainConfig::recommended_for(model_kind),
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
    if let Some(v) = args.optimizer {
        cfg.optimizer = v;
    }
    if let Some(v) = args.weight_decay {
        cfg.weight_decay = v;
    }
    if let Some(v) = args.schedule {
        cfg.schedule = v;
    }
    if let Some(v) = args.warmup {
        cfg.warmup = v;
    }
    if let Some(v) = args.truncation {
        cfg.truncation = v;
    }
    if let Some(v) = args.batching {
        cfg.batching = v;
    }
    if let Some(v) = args.seed {
        cfg.seed = v;
    }
    if args.class_weights {
        cfg.class_weights = true;
    }
    if args.raw_web_text {
        cfg.web_text = false;
    }
    if args.max_batches.is_some() {
        cfg.max_batches_per_epoch = args.max_batches;
    }
    cfg.validate()?;
    Ok(cfg)
}

/// `sinr train`: trains a model on a task's training split, chooses the epoch on dev, and
/// writes the run directory with what it cost (`resources.json`).
pub fn train(args: &TrainArgs, device_name: DeviceName, quiet: bool) -> Result<()> {
    let device = sinr_models::device_from_name(device_name)?;
    let given = args.model.as_deref().map(model_config).transpose()?;
    if let Some(c) = &given {
        c.validate()?;
    }
    if let Some(p) = &args.train_config {
        // Checked before the data are read: a bad file fails at once.
        let _: TrainConfig = read_config(p)?;
    }
    let emb = SinrModel::load(&args.embeddings)
        .with_context(|| format!("cannot load embeddings {}", args.embeddings.display()))?;
    let source = DataSource {
        dev: args.dev.clone(),
        test: args.test.clone(),
        ..args.data.source()
    };
    let data = args.data.load_from(&source, quiet)?;
    let data_kind = match &data {
        TaskData::Classify(_) => TaskKind::Classify,
        TaskData::Tag(_) => TaskKind::Tag,
    };
    let model_cfg = match given {
        Some(c) => c,
        None => {
            let kind = args.task.unwrap_or(data_kind);
            let c = sinr_models::recommended_model(kind);
            if !quiet {
                let all = match kind {
                    TaskKind::Classify => "sinr config",
                    TaskKind::Tag => "sinr config --task tag",
                };
                eprintln!(
                    "no --model: training the recommended model {} (all its fields: `{all}`)",
                    sinr_models::recommended_model_json(kind),
                );
            }
            c
        }
    };
    let cfg = train_config(args, model_cfg.kind())?;
    let keep_blocks = sinr_models::keeps_large_blocks(model_cfg.kind());
    let mut enc = sinr_models::Encoder::for_run(&emb, &model_cfg, &cfg);
    // A model with a vocabulary of its own reads the training texts' words (written into the
    // run directory, so that the run can be loaded).
    let own = model_cfg
        .own_vocabulary()
        .map(|min_count| enc.vocabulary_of(&data, min_count));
    enc.own.clone_from(&own);
    // A tagger whose features read a gazetteer reads the names of the sentences it trains on
    // (written into the run directory with the run).
    let gazetteer = match &data {
        TaskData::Tag(t) if model_cfg.tag_features().is_some_and(|f| f.gazetteer) => {
            let kept = args
                .max_train
                .map(|n| sinr_models::data::subsample_indices(t.train.len(), n, cfg.seed));
            let mut g = sinr_models::Gazetteer::from_training(&t.train, kept.as_deref());
            if model_cfg.tag_features().is_some_and(|f| f.lists) {
                let log = stage_log(quiet);
                let lists = source.name_lists(&log).context(NAME_LISTS_FAILED)?;
                for list in lists {
                    log(&format!(
                        "gazetteer: {} ({} names)",
                        list.source,
                        list.names.len()
                    ));
                    g.add_list(&list.kind, &list.names);
                }
            }
            Some(g)
        }
        _ => None,
    };
    enc.gazetteer.clone_from(&gazetteer);
    let mut task = enc.encode_task(&data);
    match (args.task, task.kind) {
        (Some(TaskKind::Tag), TaskKind::Classify) => bail!(
            "--task tag needs a CoNLL file or conll2003; {} is a classification set",
            args.data.data
        ),
        (Some(TaskKind::Classify), TaskKind::Tag) => bail!(
            "--task classify needs labelled texts; {} is a tagging set",
            args.data.data
        ),
        _ => {}
    }
    if let Some(n) = args.max_train {
        task.subsample_train(n, cfg.seed);
    }
    let empty = task.train.iter().filter(|e| e.rows.is_empty()).count();
    let mut spec = RunSpec::new(
        &task.name,
        task.kind,
        task.labels.clone(),
        model_cfg,
        cfg,
        &args.embeddings,
        &emb,
    )?;
    if !quiet {
        eprintln!(
            "training `{}` on {}: {} train / {} dev examples ({} without any known word), {} labels, device {device_name}",
            spec.model.kind(),
            task.name,
            task.train.len(),
            task.dev.len(),
            empty,
            spec.labels.len()
        );
    }
    if let Some(run) = &args.warm_start {
        spec.set_warm_start(run)?;
    }
    if let Some(v) = &own {
        spec.set_vocabulary(v);
        sinr_models::run::write_vocabulary(&args.out, v)?;
    }
    if let Some(g) = &gazetteer {
        sinr_models::run::write_gazetteer(&args.out, &mut spec, g)?;
    }
    // A reference left by an earlier training of this directory no longer holds.
    let stale = sinr_models::run::reference_file(&args.out);
    if stale.is_file() {
        std::fs::remove_file(&stale)
            .with_context(|| format!("cannot remove {}", stale.display()))?;
    }
    let bars = Bars::new(quiet);
    // From here on the training steps reuse the pages of their large tensors instead of
    // faulting them in anew at every step; set only now, so that the blocks the loading above
    // freed went back to the system.
    if keep_blocks {
        sinr_util::reuse_large_blocks();
    }
    // A tagger that reads a prediction history is chosen by its two passes on dev.
    let second_pass = |first: &[Vec<usize>]| enc.encode_dev_second_pass(&data, first);
    let (model, state) = train_run(
        &spec,
        &emb,
        &task.train,
        &task.dev,
        &args.out,
        args.resume,
        None,
        &device,
        &bars,
        enc.reads_history()
            .then_some(&second_pass as &sinr_models::train::SecondPass<'_>),
    )?;
    // How the hashed n-gram features of the texts trained on share their buckets.
    let collisions = match &data {
        TaskData::Classify(t) => {
            enc.ngram_collisions(task.train_index.iter().map(|&i| t.train[i].text.as_str()))
        }
        TaskData::Tag(_) => None,
    };
    let resources = sinr_models::resources(
        &state,
        &model,
        device_name,
        rayon::current_num_threads(),
        collisions,
    );
    sinr_schema::write(&args.out.join("resources.json"), &resources)?;
    // What its explanations are read against: the mean of training texts the model read.
    if let TaskData::Classify(t) = &data {
        let run = load_run(&args.out, Some(&args.embeddings), &device)
            .with_context(|| format!("cannot load run {}", args.out.display()))?;
        let trained: Vec<sinr_data::readers::LabeledText> = task
            .train_index
            .iter()
            .map(|&i| t.train[i].clone())
            .collect();
        if run.write_reference(&trained, &device, &bars)?.is_some() && !quiet {
            eprintln!(
                "explanations read against the mean of {} training texts: {}",
                sinr_schema::REFERENCE_TEXTS.min(trained.len()),
                sinr_models::run::reference_file(&args.out).display()
            );
        }
    }
    write_split(
        &args.out.join("split.json"),
        &source,
        &data,
        task.train.len(),
    )?;
    if !quiet {
        eprintln!(
            "best dev {} {:.4} at epoch {} of {}; {} trainable parameters; run in {}",
            sinr_models::train::score_name(spec.kind),
            state.best_score,
            state.best_epoch,
            state.epochs_done,
            model.num_params(),
            args.out.display()
        );
    }
    Ok(())
}

/// `RUN/split.json`: where the run's examples came from and which went where, so that the split
/// of a file given alone (a seeded draw) can be read back: the data and its `--dev`/`--test`
/// files, and for each split its size and the file line of each example (a sentence's first
/// token; a CoNLL sentence's document too), in the split's order.
fn write_split(path: &Path, source: &DataSource, data: &TaskData, trained_on: usize) -> Result<()> {
    let part = |lines: Vec<usize>, docs: Option<Vec<usize>>| {
        let mut v = serde_json::json!({"examples": lines.len(), "lines": lines});
        if let Some(d) = docs {
            v["documents"] = serde_json::json!(d);
        }
        v
    };
    let (train, dev, test) = match data {
        TaskData::Classify(t) => {
            let lines =
                |xs: &[sinr_data::readers::LabeledText]| xs.iter().map(|x| x.line).collect();
            (
                part(lines(&t.train), None),
                part(lines(&t.dev), None),
                part(lines(&t.test), None),
            )
        }
        TaskData::Tag(t) => {
            let p = |xs: &[sinr_data::readers::TaggedSentence]| {
                part(
                    xs.iter().map(|x| x.line).collect(),
                    Some(xs.iter().map(|x| x.doc).collect()),
                )
            };
            (p(&t.train), p(&t.dev), p(&t.test))
        }
    };
    let json = serde_json::json!({
        "data": source.data,
        "dev_file": source.dev,
        "test_file": source.test,
        "seed": sinr_data::tasks::SPLIT_SEED,
        "trained_on": trained_on,
        "train": train,
        "dev": dev,
        "test": test,
    });
    sinr_util::write_file_atomically(path, serde_json::to_string(&json)?.as_bytes())?;
    Ok(())
}

/// Arguments of `sinr evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The run directory.
    run: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Which split of a built-in set, or of the file the run was trained on [default: test].
    /// Any other file is scored whole (a benchmark's own test file).
    #[arg(long, value_enum)]
    split: Option<Split>,
    /// Write the report as JSON here (`sinr_schema::Evaluation`): the scores, and every
    /// example's gold label and probabilities (texts) or span counts (sentences).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write every prediction here, in the split's order. A text classifier: TSV, the text,
    /// its gold label, the predicted label and each class's probability. A tagger: the tagged
    /// sentences as conlleval reads them, a line `token gold predicted` per token and a blank
    /// line after each sentence, the tags those the scores count (each sentence read within
    /// its document); a token past the run's `--max-len` is written predicted `O`.
    #[arg(long)]
    predictions: Option<PathBuf>,
    /// Embeddings to use instead of the path recorded in the run.
    #[arg(long)]
    embeddings: Option<PathBuf>,
}

/// `sinr evaluate`: a run's scores on a split ([`sinr_models::evaluation::evaluate`]).
pub fn evaluate(args: &EvaluateArgs, device_name: DeviceName, quiet: bool) -> Result<()> {
    let (run, device) = open_run(&args.run, args.embeddings.as_deref(), device_name)?;
    // A file other than the run's training file is a test file of the user's: scored whole.
    let path = Path::new(&args.data.data);
    let own_file = path.is_file() && {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        run.spec.task == args.data.data || run.spec.task == stem
    };
    let data = if path.is_file() && !own_file && args.split.is_none() {
        let log = stage_log(quiet);
        if !quiet {
            eprintln!("  scoring every example of {}", path.display());
        }
        args.data
            .source()
            .load_whole(&log)
            .with_context(|| format!("--data {}", args.data.data))?
    } else {
        args.data.load(quiet)?
    };
    let split = args.split.unwrap_or(Split::Test);
    let (report, tags) = sinr_models::evaluation::evaluate_tagged(&run, &data, split, &device)?;
    if let Some(p) = &args.out {
        sinr_schema::write(p, &report)?;
    }
    if let (Some(p), TaskData::Classify(t), sinr_schema::Scores::Classify(scores)) =
        (&args.predictions, &data, &report.scores)
    {
        let texts = match split {
            Split::Train => &t.train,
            Split::Dev => &t.dev,
            Split::Test => &t.test,
        };
        write_predictions(p, texts, &scores.outcomes, &run.spec)?;
    }
    if let (Some(p), TaskData::Tag(t), Some(tags)) = (&args.predictions, &data, &tags) {
        let sentences = match split {
            Split::Train => &t.train,
            Split::Dev => &t.dev,
            Split::Test => &t.test,
        };
        write_tagged(p, sentences, tags)?;
    }
    if args.out.is_none() || !quiet {
        print!(
            "{}",
            summary(
                &report,
                &run.spec.class_names(),
                run.model.crf_scores().is_some()
            )
        );
    }
    Ok(())
}

/// The scores as a person reads them: each named, per class or per entity type.
/// `crf`: the model decodes with a CRF, so each position's own argmax reads its emissions
/// without the transitions (a diagnostic far below the decoded tags).
fn summary(report: &sinr_schema::Evaluation, names: &[String], crf: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let pct = |x: f64| format!("{:.1}", 100.0 * x);
    let split = format!("{:?}", report.split).to_lowercase();
    match &report.scores {
        sinr_schema::Scores::Classify(s) => {
            let _ = writeln!(
                out,
                "{} ({} split, {} texts): accuracy {}, macro-F1 {}{}",
                report.model,
                split,
                s.examples,
                pct(s.accuracy),
                pct(s.macro_f1),
                s.roc_auc
                    .map(|a| format!(", ROC-AUC {}", pct(a)))
                    .unwrap_or_default()
            );
            for (i, c) in s.per_class.iter().enumerate() {
                let name = names.get(i).unwrap_or(&c.label);
                let _ = writeln!(
                    out,
                    "  {name}: precision {}, recall {}, F1 {}",
                    pct(c.precision),
                    pct(c.recall),
                    pct(c.f1)
                );
            }
        }
        sinr_schema::Scores::Tag(s) => {
            let _ = writeln!(
                out,
                "{} ({} split, {} sentences): span F1 {} (precision {}, recall {}; {} {})",
                report.model,
                split,
                s.sentences,
                pct(s.span_f1),
                pct(s.span_precision),
                pct(s.span_recall),
                if crf {
                    "the emissions' own argmax, without the CRF's transitions:"
                } else {
                    "per-position argmax"
                },
                pct(s.span_f1_argmax)
            );
            for t in &s.per_type {
                let _ = writeln!(
                    out,
                    "  {}: precision {}, recall {}, F1 {} ({} gold spans)",
                    t.kind,
                    pct(t.precision),
                    pct(t.recall),
                    pct(t.f1),
                    t.gold
                );
            }
        }
    }
    out
}

/// `sinr evaluate --predictions`: one TSV line per text (tabs and newlines inside a text are
/// written as spaces), with a header naming the classes; written atomically.
fn write_predictions(
    path: &Path,
    texts: &[sinr_data::readers::LabeledText],
    outcomes: &[sinr_schema::Outcome],
    spec: &RunSpec,
) -> Result<()> {
    use std::fmt::Write as _;
    let names = spec.class_names();
    let mut out = String::from("text\tgold\tpredicted");
    for n in &names {
        let _ = write!(out, "\tp({n})");
    }
    out.push('\n');
    for (t, o) in texts.iter().zip(outcomes) {
        let clean: String = t
            .text
            .chars()
            .map(|c| {
                if c == '\t' || c == '\n' || c == '\r' {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let _ = write!(out, "{clean}\t{}\t{}", names[o.gold], names[o.predicted()]);
        for p in &o.probabilities {
            let _ = write!(out, "\t{p:.6}");
        }
        out.push('\n');
    }
    sinr_util::write_file_atomically(path, out.as_bytes())?;
    Ok(())
}

/// `sinr evaluate --predictions` for a tagger: `token gold predicted` per token (space
/// separated, as conlleval reads), a blank line after each sentence; a token without a decided
/// tag (past the run's `max_len`) predicted `O`; written atomically.
fn write_tagged(
    path: &Path,
    sentences: &[sinr_data::readers::TaggedSentence],
    tags: &[Vec<String>],
) -> Result<()> {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (s, predicted) in sentences.iter().zip(tags) {
        for (i, (token, gold)) in s.tokens.iter().zip(&s.tags).enumerate() {
            let p = predicted.get(i).map_or("O", String::as_str);
            let _ = writeln!(out, "{token} {gold} {p}");
        }
        out.push('\n');
    }
    sinr_util::write_file_atomically(path, out.as_bytes())?;
    Ok(())
}

/// A run directory loaded on the device named (its embeddings overridden by `embeddings`); the
/// error names the run.
fn open_run(
    run_dir: &Path,
    embeddings: Option<&Path>,
    device_name: DeviceName,
) -> Result<(sinr_models::LoadedRun, sinr_models::Device)> {
    let device = sinr_models::device_from_name(device_name)?;
    let run = load_run(run_dir, embeddings, &device)
        .with_context(|| format!("cannot load run {}", run_dir.display()))?;
    Ok((run, device))
}

/// `sinr export`: a run's parameters as safetensors, with its description as JSON.
pub fn export(
    run_dir: &Path,
    out: &Path,
    frozen: bool,
    embeddings: Option<&Path>,
    device_name: DeviceName,
    quiet: bool,
) -> Result<()> {
    let (run, _) = open_run(run_dir, embeddings, device_name)?;
    let e = sinr_models::export::export_run(&run, out, frozen)?;
    if !quiet {
        eprintln!(
            "{} tensors ({} values) in {}; description in {}",
            e.tensors,
            e.values,
            out.join("model.safetensors").display(),
            out.join("config.json").display()
        );
    }
    Ok(())
}

/// Arguments of `sinr analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The run directory.
    run: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// How many test examples (the first ones of a seeded shuffle).
    #[arg(long, default_value_t = 100)]
    n: usize,
    /// Seed of the example choice and of the random baseline.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Write the per-example analyses here (JSON).
    #[arg(long)]
    out: PathBuf,
}

/// `sinr analyze`: token importances of several methods on test examples, with their
/// faithfulness (ERASER), compactness, completeness and the model's mechanisms; for tagging,
/// NER plausibility.
pub fn analyze(args: &AnalyzeArgs, device_name: DeviceName, quiet: bool) -> Result<()> {
    let (run, device) = open_run(&args.run, None, device_name)?;
    let bars = Bars::new(quiet);
    match args.data.load(quiet)? {
        TaskData::Classify(t) => {
            let a = sinr_models::analysis::analyse_texts(
                &run, &t.train, &t.test, args.n, args.seed, &device, &bars,
            )?;
            sinr_schema::write(&args.out, &a)?;
        }
        TaskData::Tag(t) => {
            let a = sinr_models::analysis::analyse_sentences(
                &run, &t.test, args.n, args.seed, &device, &bars,
            )?;
            sinr_schema::write(&args.out, &a)?;
        }
    }
    Ok(())
}

/// `sinr predict`: the label of a text (with every label's probability), or of every line of a
/// file; a tagged sentence's tags.
pub fn predict(
    run_dir: &Path,
    input: &str,
    embeddings: Option<&Path>,
    device_name: DeviceName,
) -> Result<()> {
    let (run, device) = open_run(run_dir, embeddings, device_name)?;
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
    let examples: Vec<Example> = texts.iter().map(|t| run.encode(t)).collect();
    let logits = run.model.predict(&examples, run.spec.kind, 64, &device);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // A tagger's CRF scores, read from the model once for every line.
    let crf = run.model.crf_scores();
    for ((text, ex), l) in texts.iter().zip(&examples).zip(&logits) {
        match run.spec.kind {
            TaskKind::Classify => {
                let p = sinr_util::softmax(l);
                let best = sinr_metrics::task::argmax(&p);
                let names = run.spec.class_names();
                let probs: Vec<String> = names
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
                    names[best],
                    probs.join(" "),
                    text.chars().take(80).collect::<String>()
                )?;
            }
            TaskKind::Tag => {
                let tags: Vec<String> = sinr_models::decode_tags(l, &run.spec.labels, crf.as_ref())
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

/// A data set read whole as test data (`--data` of the model card and of `--sentence`): a
/// built-in task's test split, or a whole file.
fn load_whole(data: &str, quiet: bool) -> Result<TaskData> {
    let log = stage_log(quiet);
    DataSource::new(data)
        .load_whole(&log)
        .with_context(|| format!("--data {data}"))
}

/// What `sinr explain` explains.
#[derive(Debug, Clone, Copy)]
pub enum Explained<'a> {
    /// A text (for a tagger, whitespace-separated tokens read as one sentence, its own
    /// document).
    Text(&'a str),
    /// Test sentence `n` (from 1) of a tagging set, read within its document.
    Sentence {
        /// A built-in task or a `.conll` file (read whole).
        data: &'a str,
        /// The sentence, from 1.
        n: usize,
    },
}

/// What a run's explanations are read against ([`sinr_models::LoadedRun::reference`]): its
/// `reference.json`; for a run without one trained on a built-in text classification task,
/// the mean of its training texts, computed once and written there; else the empty text.
fn run_reference(
    run: &sinr_models::LoadedRun,
    device: &sinr_models::Device,
    quiet: bool,
) -> Result<sinr_schema::Reference> {
    let file = sinr_models::run::reference_file(&run.dir);
    if run.spec.kind == TaskKind::Classify
        && run.model.is_exact()
        && !file.is_file()
        && sinr_data::tasks::CLASSIFICATION_TASKS.contains(&run.spec.task.as_str())
    {
        if !quiet {
            eprintln!(
                "no {}: reading {} training texts of {} once to make it (what explanations are read against)",
                file.display(),
                sinr_schema::REFERENCE_TEXTS,
                run.spec.task
            );
        }
        if let TaskData::Classify(t) = load_whole(&run.spec.task, quiet)? {
            run.write_reference(&t.train, device, &Bars::new(quiet))?;
        }
    }
    Ok(run.reference(device)?)
}

/// `sinr explain`: the exact split of a prediction, as text (and as a page, and as JSON).
pub fn explain(
    run_dir: &Path,
    what: Explained<'_>,
    html: Option<&Path>,
    json: Option<&Path>,
    embeddings: Option<&Path>,
    device_name: DeviceName,
    quiet: bool,
) -> Result<()> {
    let (run, device) = open_run(run_dir, embeddings, device_name)?;
    let prior = run_reference(&run, &device, quiet)?;
    let (e, text) = match what {
        Explained::Text(text) => {
            if text.trim().is_empty() {
                bail!("empty text: nothing to explain");
            }
            (run.explain(text, &prior, &device)?, text.to_owned())
        }
        Explained::Sentence { data, n } => {
            if run.spec.kind != TaskKind::Tag {
                bail!("--sentence explains a tagger's sentence; this run classifies texts");
            }
            let test = match load_whole(data, quiet)? {
                TaskData::Tag(t) => t.test,
                TaskData::Classify(_) => {
                    bail!(
                        "--data {data} is a classification set: --sentence needs tagged sentences"
                    )
                }
            };
            if !(1..=test.len()).contains(&n) {
                bail!(
                    "--sentence {n}: {data} has {} test sentences (numbered from 1)",
                    test.len()
                );
            }
            run.explain_sentence(&test, n - 1, &prior, &device)?
        }
    };
    let text = text.as_str();
    let words: std::collections::HashMap<u32, &Vec<String>> =
        e.dimension_words.iter().map(|(k, w)| (*k, w)).collect();
    for o in e.outputs.iter().take(if run.spec.kind == TaskKind::Tag {
        50
    } else {
        1
    }) {
        let label = &e.labels[o.predicted];
        // A CRF tagger: the transition into this tag, a named term of the path's score.
        let into = o.position.and_then(|p| {
            e.transitions
                .iter()
                .find(|t| t.position == p && t.to.is_some())
                .map(|t| format!("; transition {} {:+.3}", t.name(), t.score))
        });
        match o.position {
            Some(p) => match (o.argmax, into) {
                (Some(a), Some(t)) => println!(
                    "\n{} → {label} (its own argmax {}; the best path over the sentence decides{t})",
                    e.tokens[p], e.labels[a]
                ),
                (Some(a), None) => println!(
                    "\n{} → {label} (its own argmax {} breaks the BIO order; the best valid path decides)",
                    e.tokens[p], e.labels[a]
                ),
                (None, Some(t)) => println!(
                    "\n{} → {label} (logit {:+.3}{t})",
                    e.tokens[p], o.logits[o.predicted]
                ),
                (None, None) => println!("\n{} → {label}", e.tokens[p]),
            },
            None => {
                println!(
                    "prediction: {label} (logits {}; completeness error {:.1e})",
                    e.labels
                        .iter()
                        .zip(&o.logits)
                        .map(|(l, x)| format!("{l} {x:+.3}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    o.completeness_error()
                );
                if let Some(lean) = e.reference_lean(o) {
                    let reference = match e.reference_texts {
                        0 => "with no word at all".to_owned(),
                        n => format!("on an average training text (the mean of {n})"),
                    };
                    println!(
                        "  {reference} the model leans {lean:+.3} toward {label} (log-odds); this text takes it to {:+.3}",
                        o.decision_term(&o.logits)
                    );
                }
            }
        }
        if let Some(gold) = o
            .position
            .and_then(|p| e.gold_tags.get(p))
            .filter(|g| *g != label)
        {
            println!("  wrong: the gold tag is {gold}");
        }
        let mut toks: Vec<(usize, f32)> = o
            .tokens
            .iter()
            .enumerate()
            .map(|(t, v)| (t, o.decision_term(v)))
            .collect();
        toks.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        // A text's terms are read as the predicted class's log-odds, a tag's as its logit.
        let toward = match o.position {
            None if e.labels.len() >= 2 => format!("the log-odds of {label}"),
            _ => label.clone(),
        };
        println!("  tokens (contribution to {toward}):");
        for (t, v) in toks.iter().take(8) {
            println!("    {:+.4}  {}", v, e.tokens[*t]);
        }
        let mut comms: Vec<(usize, f32)> = e
            .community_terms(o)
            .iter()
            .enumerate()
            .map(|(k, v)| (k, o.decision_term(v)))
            .collect();
        comms.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        if o.position.is_none() && !e.reference_communities.is_empty() {
            println!("  communities (beyond what each gives an average training text):");
        } else {
            println!("  communities:");
        }
        for (k, v) in comms.iter().take(6) {
            let w = words
                .get(&(*k as u32))
                .map(|w| w.join(", "))
                .unwrap_or_else(|| e.dimensions.get(*k).cloned().unwrap_or_default());
            match o.written_share(*k) {
                // A community the layers write into: how much of its term they wrote.
                Some(x) => println!(
                    "    {:+.4}  [{k}] {w} ({:.0} % written by the layers)",
                    v,
                    100.0 * x
                ),
                None => println!("    {:+.4}  [{k}] {w}", v),
            }
        }
        if !o.fine_communities.is_empty() {
            println!(
                "  fine communities (level {}, {}):",
                e.fine_level.unwrap_or(0),
                if o.position.is_some() {
                    "over the window"
                } else {
                    "by the fine path beside the stream"
                }
            );
            for (k, v, words) in e.top_fine_communities(o, 6) {
                println!("    {:+.4}  [{k}] {}", o.decision_term(v), words.join(", "));
            }
        }
        if run.spec.kind == TaskKind::Classify {
            let training = e.reference_texts > 0;
            println!(
                "  components ({}):",
                if training {
                    "beyond what each gives an average training text"
                } else {
                    "the biases beyond the empty text's lean"
                }
            );
            for x in e
                .component_terms(o)
                .iter()
                .filter(|c| !(training && c.term.abs() < 1e-6))
                .take(6)
            {
                let absent = if x.in_text {
                    ""
                } else {
                    " (not triggered here)"
                };
                println!("    {:+.4}  {}{absent}", x.term, x.name);
            }
        }
        if !o.lexical.is_empty() {
            println!(
                "  {}:",
                if o.position.is_some() {
                    "lexical features"
                } else {
                    "n-gram features"
                }
            );
            for (f, v) in o.lexical.iter().take(8) {
                let (name, token) = e.lexical_label(*f);
                println!("    {:+.4}  {name} (at {token})", o.decision_term(v));
            }
        }
        if !o.levels.is_empty() {
            println!("  by Louvain level:");
            for (n, v) in &o.levels {
                println!("    {:+.4}  {n}", o.decision_term(v));
            }
        }
    }
    if let Some(p) = json {
        sinr_schema::write(p, &e)?;
    }
    if let Some(p) = html {
        let page = crate::html::page(&e, text);
        sinr_util::write_file_atomically(p, page.as_bytes())?;
        if !quiet {
            eprintln!("wrote {}", p.display());
        }
    }
    Ok(())
}

/// `sinr explain RUN --model-card --html OUT`: the model page over a test set, and a page for
/// each of its most confident right and wrong predictions (`OUT`'s stem + `-pages/`).
#[allow(clippy::too_many_arguments)]
pub fn model_card(
    run_dir: &Path,
    data: Option<&str>,
    n: usize,
    html: &Path,
    json: Option<&Path>,
    embeddings: Option<&Path>,
    device_name: DeviceName,
    quiet: bool,
) -> Result<()> {
    let (run, device) = open_run(run_dir, embeddings, device_name)?;
    let data = match data {
        Some(d) => d.to_owned(),
        None if sinr_data::tasks::CLASSIFICATION_TASKS.contains(&run.spec.task.as_str()) => {
            run.spec.task.clone()
        }
        None => bail!(
            "the run was trained on `{}`, not a built-in task: give the test data with --data",
            run.spec.task
        ),
    };
    let test = match load_whole(&data, quiet)? {
        TaskData::Classify(t) => t.test,
        TaskData::Tag(_) => {
            bail!("--data {data} is a tagging set: a model card covers text classifiers")
        }
    };
    let prior = run_reference(&run, &device, quiet)?;
    let bars = Bars::new(quiet);
    let card = sinr_models::card::model_card(&run, &test, n, 10, &prior, &device, &bars)?;
    // The pages of the confident predictions, beside the card.
    let stem = html
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("model-card");
    let dir = html.with_file_name(format!("{stem}-pages"));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut links = Vec::new();
    for (kind, preds) in [("right", &card.right), ("wrong", &card.wrong)] {
        for (i, p) in preds.iter().enumerate() {
            let e = run.explain(&p.text, &prior, &device)?;
            let name = format!("{kind}-{:02}.html", i + 1);
            sinr_util::write_file_atomically(
                &dir.join(&name),
                crate::html::page(&e, &p.text).as_bytes(),
            )?;
            links.push(format!(
                "{}/{name}",
                dir.file_name().and_then(|f| f.to_str()).unwrap_or("")
            ));
        }
    }
    let page = crate::html::card_page(&card, &links);
    sinr_util::write_file_atomically(html, page.as_bytes())?;
    if let Some(p) = json {
        let text = serde_json::to_string_pretty(&card)?;
        sinr_util::write_file_atomically(p, text.as_bytes())?;
    }
    if !quiet {
        eprintln!(
            "wrote {} ({} examples, accuracy {:.3}) and {} pages in {}",
            html.display(),
            card.examples,
            card.accuracy,
            links.len(),
            dir.display()
        );
    }
    Ok(())
}
