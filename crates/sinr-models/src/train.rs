//! The training loop: Adam, gradient clipping, optional class weights and L1 penalties (a
//! tagger with a CRF learns by its sentences' likelihood instead of per-token cross-entropy;
//! class weights do not apply to it), early stopping on the dev score, a checkpoint written atomically after every epoch, and resuming.
//!
//! Determinism: the device is seeded before the model is built and again at every epoch
//! (`seed + epoch`, for dropout), and the batches of epoch `e` are a SplitMix64 shuffle seeded by
//! `(seed, e)`, so a run interrupted after any epoch and resumed from its checkpoint (model and
//! optimizer state) ends exactly where an uninterrupted run ends.

use std::path::Path;
use std::time::Instant;

use burn::grad_clipping::GradientClippingConfig;
use burn::module::{ModuleVisitor, Param, ParamGroup, ParamId};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, AdamWConfig, GradientsParams};
use burn::prelude::*;
use burn::store::ModuleRecord;
use serde::{Deserialize, Serialize};
use sinr_metrics::task::{accuracy, argmax, macro_f1, span_f1};
use sinr_util::{Progress, ProgressUnit, SplitMix64};

use crate::config::{Batching, LENGTH_POOL, Optimizer, TrainConfig};
use crate::data::{Example, TaskKind, make_batch};
use crate::error::{Error, Result};
use crate::models::Classifier;
use sinr_nn::{CrfScores, LinearChainCrf};

/// The batches of epoch `epoch` (from 1) over examples of these `lengths`, as indices: the
/// epoch's SplitMix64 shuffle seeded by `(seed, epoch)`, cut into runs of `batch_size`
/// ([`Batching::Shuffled`]), or cut into pools of [`LENGTH_POOL`] batches, each pool sorted by
/// length (a stable sort: equal lengths keep the shuffled order) and cut into batches, the
/// batches then shuffled by the same generator ([`Batching::ByLength`]). Either way every
/// example is in exactly one batch, and there are `⌈n / batch_size⌉` batches.
pub fn epoch_batches(cfg: &TrainConfig, epoch: usize, lengths: &[usize]) -> Vec<Vec<usize>> {
    let bs = cfg.batch_size.max(1);
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    let mut rng = SplitMix64::new(cfg.seed ^ (epoch as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    rng.shuffle(&mut order);
    match cfg.batching {
        Batching::Shuffled => order.chunks(bs).map(<[usize]>::to_vec).collect(),
        Batching::ByLength => {
            let mut batches: Vec<Vec<usize>> = Vec::with_capacity(order.len().div_ceil(bs));
            for pool in order.chunks_mut(bs * LENGTH_POOL) {
                pool.sort_by_key(|&i| lengths[i]);
                batches.extend(pool.chunks(bs).map(<[usize]>::to_vec));
            }
            rng.shuffle(&mut batches);
            batches
        }
    }
}

/// Scores of one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Dev loss.
    pub dev_loss: f64,
    /// Dev accuracy (token accuracy for token tasks).
    pub dev_accuracy: f64,
    /// The selection score: dev macro-F1 (sequence) or strict span F1 (token tasks).
    pub dev_score: f64,
    /// Seconds spent training this epoch.
    pub seconds: f64,
}

/// What `fit` saves after every epoch to resume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Epochs done.
    pub epochs_done: usize,
    /// Best dev score so far.
    pub best_score: f64,
    /// Epoch of the best score.
    pub best_epoch: usize,
    /// Epochs since the best.
    pub bad_epochs: usize,
    /// Every epoch so far.
    pub history: Vec<EpochMetrics>,
    /// Whether training stopped (early stop or last epoch).
    pub finished: bool,
    /// The files of the last completed epoch's checkpoint, `(model, optimizer)`, relative to the
    /// checkpoint directory. They carry the epoch in their names and are written before this
    /// state, which is the commit point: a process killed at any moment leaves a state that
    /// names a complete, matching pair.
    #[serde(default)]
    pub checkpoint: Option<(String, String)>,
}

/// Everything `fit` needs besides the model and the data.
pub struct FitContext<'a> {
    /// Training parameters.
    pub cfg: &'a TrainConfig,
    /// Sequence or token task.
    pub kind: TaskKind,
    /// Label names (tags for token tasks).
    pub labels: &'a [String],
    /// Where checkpoints go (`None`: keep the best model in memory only).
    pub checkpoint_dir: Option<&'a Path>,
    /// Continue from the checkpoint in `checkpoint_dir`.
    pub resume: bool,
    /// Progress (one stage per epoch, advanced per batch).
    pub progress: &'a dyn Progress,
    /// Stop after this many epochs in this call (to simulate an interruption); `None`: all.
    pub stop_after: Option<usize>,
    /// Score the model on dev before the first epoch and keep it as the best so far (a
    /// warm-started model: epoch 0 of the state).
    pub score_start: bool,
    /// A tagger that reads a prediction history ([`crate::TagFeatures::history`]): dev read
    /// again with its first pass's tags (label indices, sentence by sentence), so that epochs
    /// are chosen by the score of the two passes that inference runs. `None`: dev as given.
    pub second_pass: Option<&'a SecondPass<'a>>,
}

/// Dev read again from the first pass's tags ([`FitContext::second_pass`]).
pub type SecondPass<'a> = dyn Fn(&[Vec<usize>]) -> Vec<Example> + 'a;

impl std::fmt::Debug for FitContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FitContext")
            .field("cfg", self.cfg)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Class weights `n / (classes · count)`, for unbalanced sets.
pub fn class_weights(train: &[Example], kind: TaskKind, classes: usize) -> Vec<f32> {
    let mut counts = vec![0usize; classes];
    for e in train {
        let labels = if kind == TaskKind::Classify {
            &e.labels[..1]
        } else {
            &e.labels[..]
        };
        for &l in labels {
            counts[l] += 1;
        }
    }
    let n: usize = counts.iter().sum();
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                0.0
            } else {
                n as f32 / (classes as f32 * c as f32)
            }
        })
        .collect()
}

/// Logits of every example, in order: `[C]` per example (sequence) or `[T][C]` flattened
/// position by position (token tasks: `len × C`).
pub fn predict_logits<M: Classifier>(
    model: &M,
    examples: &[Example],
    kind: TaskKind,
    batch_size: usize,
    device: &Device,
) -> Vec<Vec<f32>> {
    let mut out = Vec::with_capacity(examples.len());
    for chunk in examples.chunks(batch_size.max(1)) {
        let refs: Vec<&Example> = chunk.iter().collect();
        let batch = make_batch(&refs, kind, device);
        let logits = model.logits(&batch);
        let [_, c] = logits.dims();
        let flat = sinr_nn::to_vec(logits);
        match kind {
            TaskKind::Classify => out.extend(flat.chunks(c).map(<[f32]>::to_vec)),
            TaskKind::Tag => {
                let mut at = 0;
                for e in chunk {
                    let n = e.rows.len() * c;
                    out.push(flat[at..at + n].to_vec());
                    at += n;
                }
            }
        }
    }
    out
}

/// The tags of one sentence from its `[positions × labels]` logits. A tagger with a CRF
/// (`crf`, its scores): the best path by the logits and the learned transitions, under the BIO
/// constraints (Viterbi, [`CrfScores::viterbi`]). Without: the best valid BIO path by the
/// logits alone ([`sinr_metrics::task::bio_decode`]: `I-X` only after `B-X` or `I-X`), which is
/// the per-position argmax wherever that is already valid, and exactly the argmax for tag sets
/// without BIO prefixes. Every tagging prediction of the crate (evaluation, model selection,
/// `predict`, explanations, analyses) goes through it.
pub fn decode_tags(logits: &[f32], labels: &[String], crf: Option<&CrfScores>) -> Vec<usize> {
    match crf {
        Some(crf) => crf.viterbi(logits),
        None => {
            let names: Vec<&str> = labels.iter().map(String::as_str).collect();
            sinr_metrics::task::bio_decode(logits, &names)
        }
    }
}

/// A CRF over `labels` with the BIO scheme's constraints ([`sinr_metrics::task::bio_allowed`]),
/// its scores at zero.
pub fn bio_crf(labels: &[String], device: &Device) -> LinearChainCrf {
    let names: Vec<&str> = labels.iter().map(String::as_str).collect();
    let (steps, first) = sinr_metrics::task::bio_allowed(&names);
    LinearChainCrf::new(steps, first, device)
}

/// Checks that every example's gold tags are a path the CRF allows (a training loss over a
/// forbidden path would be meaningless).
fn check_gold_paths(
    crf: &CrfScores,
    examples: &[Example],
    labels: &[String],
    which: &str,
) -> Result<()> {
    for (i, e) in examples.iter().enumerate() {
        if !crf.allows(&e.labels) {
            let tags: Vec<&str> = e.labels.iter().map(|&l| labels[l].as_str()).collect();
            let at = sinr_metrics::task::bio_valid(&tags).err().unwrap_or(0);
            return Err(Error::config(
                "crf",
                format!(
                    "{which} sentence {} breaks the BIO scheme at token {} (`{}` after `{}`): the CRF cannot learn its path",
                    i + 1,
                    at + 1,
                    tags.get(at).unwrap_or(&"?"),
                    at.checked_sub(1).map_or("the start", |p| tags[p]),
                ),
            ));
        }
    }
    Ok(())
}

/// `(loss, accuracy, selection score)` of a model on examples (tags decoded by
/// [`decode_tags`]).
pub fn evaluate<M: Classifier>(
    model: &M,
    examples: &[Example],
    kind: TaskKind,
    labels: &[String],
    batch_size: usize,
    device: &Device,
) -> (f64, f64, f64) {
    let c = labels.len();
    let logits = predict_logits(model, examples, kind, batch_size, device);
    let crf = match kind {
        TaskKind::Tag => model.crf().map(LinearChainCrf::scores),
        TaskKind::Classify => None,
    };
    let mut gold = Vec::new();
    let mut pred = Vec::new();
    let mut loss = 0.0;
    let mut n = 0usize;
    let mut gold_tags: Vec<Vec<&str>> = Vec::new();
    let mut pred_tags: Vec<Vec<&str>> = Vec::new();
    for (e, l) in examples.iter().zip(&logits) {
        let rows: Vec<&[f32]> = l.chunks(c).collect();
        let decoded = match kind {
            TaskKind::Classify => rows.iter().map(|r| argmax(r)).collect(),
            TaskKind::Tag => decode_tags(l, labels, crf.as_ref()),
        };
        // The CRF's loss: the sentence's negative log-likelihood (spread over its tokens below).
        if let Some(crf) = &crf {
            loss += crf.log_partition(l) - crf.path_score(l, &e.labels);
        }
        let mut gt = Vec::new();
        let mut pt = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let g = e.labels[i];
            if crf.is_none() {
                let m = r.iter().fold(f32::MIN, |a, b| a.max(*b));
                let lse = m + r.iter().map(|x| (x - m).exp()).sum::<f32>().ln();
                loss += f64::from(lse - r[g]);
            }
            n += 1;
            let p = decoded[i];
            gold.push(g);
            pred.push(p);
            gt.push(labels[g].as_str());
            pt.push(labels[p].as_str());
        }
        gold_tags.push(gt);
        pred_tags.push(pt);
    }
    let acc = accuracy(&gold, &pred);
    let score = match kind {
        TaskKind::Classify => macro_f1(&gold, &pred, c),
        TaskKind::Tag => span_f1(&gold_tags, &pred_tags).f1,
    };
    (loss / n.max(1) as f64, acc, score)
}

/// The name of the dev score a task kind's epochs are chosen by.
pub fn score_name(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::Classify => "macro-F1",
        TaskKind::Tag => "span F1",
    }
}

/// [`sinr_util::write_file_atomically`], its error as this crate's.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    sinr_util::write_file_atomically(path, bytes).map_err(|e| Error::io(&e.path, e.source))
}

/// The ids of the frozen SINr vectors' parameters, and how many tensors the whole model has.
pub(crate) fn frozen_and_total<M: Module + Classifier>(m: &M) -> (Vec<ParamId>, usize) {
    /// Collects parameter ids (tensors of every kind).
    #[derive(Default)]
    struct Ids(Vec<ParamId>);
    impl ModuleVisitor for Ids {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            self.0.push(p.id);
        }
        fn visit_int<const D: usize>(&mut self, p: &Param<Tensor<D, Int>>) {
            self.0.push(p.id);
        }
        fn visit_bool<const D: usize>(&mut self, p: &Param<Tensor<D, Bool>>) {
            self.0.push(p.id);
        }
    }
    let mut frozen = Ids::default();
    for e in m.frozen() {
        e.visit(&mut frozen);
    }
    let mut all = Ids::default();
    m.visit(&mut all);
    (frozen.0, all.0.len())
}

/// Saves a model's parameters atomically, without its frozen SINr vectors: they are rebuilt from
/// the run's embeddings (checked by their vocabulary fingerprint) whenever the model is built,
/// and they are most of a checkpoint's size (about 0.5 GB of an attention model reading 1,000
/// communities per word, against a few MB of trained parameters).
///
/// # Errors
/// The file cannot be written.
pub fn save_module<M: Module + Classifier>(m: M, path: &Path) -> Result<()> {
    let (frozen, _) = frozen_and_total(&m);
    let bytes = m
        .into_record_group(ParamGroup::all().exclude(ParamGroup::from_ids(frozen)))
        .into_bytes()
        .map_err(|e| Error::Run {
            path: path.to_path_buf(),
            reason: format!("cannot save: {e}"),
        })?;
    write_atomic(path, &bytes)
}

/// Loads the parameters saved by [`save_module`] into `m` (built from the same configuration and
/// embeddings). Files that also hold the frozen vectors (checkpoints written before they were
/// left out) load as they are.
///
/// # Errors
/// A missing or unreadable file, or one that holds neither all of the model's tensors nor
/// exactly those that are not frozen.
pub fn load_module<M: Module + Classifier>(m: M, path: &Path) -> Result<M> {
    let err = |reason: String| Error::Run {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(err("missing model file".into()));
    }
    let record = ModuleRecord::load(path).map_err(|e| err(format!("cannot load: {e}")))?;
    let (frozen, total) = frozen_and_total(&m);
    let trained = total - frozen.len();
    // Every record entry must land on a parameter (unused entries are refused); a record of
    // exactly the trained parameters' count is one written without the frozen vectors.
    let record = match record.len() {
        n if n == total => record,
        n if n == trained && !frozen.is_empty() => record.allow_partial(true),
        n => {
            return Err(err(format!(
                "the file holds {n} tensors; the model has {total} ({trained} without its frozen SINr vectors): \
                 was it saved from another model configuration?"
            )));
        }
    };
    m.try_load_record(record)
        .map_err(|e| err(format!("cannot load: {e}")))
}

/// Trains `model` (built on `device.autodiff()` after seeding it) and returns the best model on
/// dev (by `dev_score`) and the state with every epoch's metrics.
///
/// # Errors
/// Empty data, or a checkpoint that cannot be written or read.
pub fn fit<M>(
    mut model: M,
    train: &[Example],
    dev: &[Example],
    ctx: &FitContext<'_>,
    device: &Device,
) -> Result<(M, TrainState)>
where
    M: Module + Classifier + Clone,
{
    let cfg = ctx.cfg;
    cfg.validate()?;
    if train.is_empty() {
        return Err(Error::Empty("no training example".into()));
    }
    if dev.is_empty() {
        return Err(Error::Empty(
            "no dev example (early stopping needs a dev set)".into(),
        ));
    }
    let ad = device.clone().autodiff();
    let classes = ctx.labels.len();
    let mut ce = CrossEntropyLossConfig::new();
    if cfg.class_weights {
        ce = ce.with_weights(Some(class_weights(train, ctx.kind, classes)));
    }
    let loss_fn = ce.init(&ad);
    // Taggers with a CRF learn by the sentences' likelihood (the forward algorithm), per token.
    let crf_loss = ctx.kind == TaskKind::Tag && model.crf().is_some();
    if let Some(crf) = model.crf().filter(|_| crf_loss) {
        let scores = crf.scores();
        check_gold_paths(&scores, train, ctx.labels, "training")?;
        check_gold_paths(&scores, dev, ctx.labels, "dev")?;
    }
    let clip = cfg
        .grad_clip
        .map(|g| GradientClippingConfig::Norm(g as f32));
    let mut optim = match cfg.optimizer {
        Optimizer::Adam => AdamConfig::new().with_grad_clipping(clip).init(),
        Optimizer::AdamW => AdamWConfig::new()
            .with_weight_decay(cfg.weight_decay as f32)
            .with_grad_clipping(clip)
            .init(),
    };
    // The planned steps, for the schedule: every epoch's batches.
    let per_epoch = train
        .len()
        .div_ceil(cfg.batch_size)
        .min(cfg.max_batches_per_epoch.unwrap_or(usize::MAX));
    let planned = per_epoch * cfg.epochs;
    let lengths: Vec<usize> = train.iter().map(|e| e.rows.len()).collect();
    let mut state = TrainState {
        epochs_done: 0,
        best_score: f64::NEG_INFINITY,
        best_epoch: 0,
        bad_epochs: 0,
        history: Vec::new(),
        finished: false,
        checkpoint: None,
    };
    let mut best: Option<M> = None;
    let (ckpt_dir, ckpt_state, best_path) = match ctx.checkpoint_dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
            (
                Some(d),
                Some(d.join("state.json")),
                Some(d.join("best.bpk")),
            )
        }
        None => (None, None, None),
    };
    if ctx.resume {
        let (Some(dir), Some(sp)) = (ckpt_dir, &ckpt_state) else {
            return Err(Error::config("resume", "needs a checkpoint directory"));
        };
        if sp.is_file() {
            let text = std::fs::read_to_string(sp).map_err(|e| Error::io(sp, e))?;
            state = serde_json::from_str(&text).map_err(|e| Error::Run {
                path: sp.clone(),
                reason: format!("bad state: {e}"),
            })?;
            if let Some((mf, of)) = &state.checkpoint {
                model = load_module(model, &dir.join(mf))?;
                let op = dir.join(of);
                optim = optim.load(&op).map_err(|e| Error::Run {
                    path: op.clone(),
                    reason: format!("cannot load the optimizer: {e}"),
                })?;
            } else if state.epochs_done > 0 {
                return Err(Error::Run {
                    path: sp.clone(),
                    reason: "the state names no checkpoint files".into(),
                });
            }
        }
        // Files of an epoch that was interrupted before its commit.
        remove_stale_checkpoints(dir, state.checkpoint.as_ref());
    }
    // Dev loss, accuracy and score of the model as it stands.
    let score_dev = |valid: &M| {
        let batch = cfg.batch_size.max(64);
        match ctx.second_pass {
            Some(again) => {
                let crf = valid.crf().map(LinearChainCrf::scores);
                let first: Vec<Vec<usize>> = predict_logits(valid, dev, ctx.kind, batch, device)
                    .iter()
                    .map(|l| decode_tags(l, ctx.labels, crf.as_ref()))
                    .collect();
                evaluate(valid, &again(&first), ctx.kind, ctx.labels, batch, device)
            }
            None => evaluate(valid, dev, ctx.kind, ctx.labels, batch, device),
        }
    };
    if ctx.score_start && state.epochs_done == 0 {
        let valid = model.valid();
        let (.., dev_score) = score_dev(&valid);
        ctx.progress
            .start("the start", None, ProgressUnit::Items("batches"));
        ctx.progress.finish(&format!(
            "before the first epoch: dev {} {dev_score:.4}",
            score_name(ctx.kind)
        ));
        state.best_score = dev_score;
        match &best_path {
            Some(p) => save_module(valid, p)?,
            None => best = Some(valid),
        }
    }
    let mut epochs_this_call = 0;
    while !state.finished && state.epochs_done < cfg.epochs {
        if ctx.stop_after.is_some_and(|s| epochs_this_call >= s) {
            break;
        }
        let epoch = state.epochs_done + 1;
        ad.seed(cfg.seed.wrapping_add(epoch as u64));
        let t0 = Instant::now();
        let batches = epoch_batches(cfg, epoch, &lengths);
        let mut n_batches = batches.len();
        if let Some(m) = cfg.max_batches_per_epoch {
            n_batches = n_batches.min(m);
        }
        ctx.progress.start(
            &format!("epoch {epoch}/{}", cfg.epochs),
            Some(n_batches as u64),
            ProgressUnit::Items("batches"),
        );
        let mut total = 0.0;
        for (b, chunk) in batches.iter().take(n_batches).enumerate() {
            let refs: Vec<&Example> = chunk.iter().map(|&i| &train[i]).collect();
            let batch = make_batch(&refs, ctx.kind, &ad);
            let logits = model.logits(&batch);
            let mut loss = match model.crf().filter(|_| crf_loss) {
                Some(crf) => {
                    let gold: Vec<&[usize]> = refs.iter().map(|e| e.labels.as_slice()).collect();
                    let tokens = gold.iter().map(|g| g.len()).sum::<usize>().max(1);
                    let positions = batch
                        .positions
                        .clone()
                        .expect("token tasks carry positions");
                    crf.nll(logits, positions, batch.mask.clone(), &gold) / tokens as f64
                }
                None => loss_fn.forward(logits, batch.targets.clone()),
            };
            if let Some(p) = model.penalty() {
                loss = loss + p / (train.len() as f64);
            }
            total += f64::from(loss.clone().into_scalar::<f32>());
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let step = (epoch - 1) * per_epoch + b;
            model = optim.step(cfg.rate_at(step, planned), model, grads);
            ctx.progress.advance(1);
        }
        let seconds = t0.elapsed().as_secs_f64();
        let valid = model.valid();
        let (dev_loss, dev_accuracy, dev_score) = score_dev(&valid);
        let m = EpochMetrics {
            epoch,
            train_loss: total / n_batches.max(1) as f64,
            dev_loss,
            dev_accuracy,
            dev_score,
            seconds,
        };
        let score_name = score_name(ctx.kind);
        ctx.progress.finish(&format!("loss {:.4}, dev loss {dev_loss:.4}, dev accuracy {dev_accuracy:.4}, dev {score_name} {dev_score:.4}", m.train_loss));
        state.history.push(m);
        state.epochs_done = epoch;
        if dev_score > state.best_score {
            state.best_score = dev_score;
            state.best_epoch = epoch;
            state.bad_epochs = 0;
            match &best_path {
                Some(p) => save_module(valid.clone(), p)?,
                None => best = Some(valid.clone()),
            }
        } else {
            state.bad_epochs += 1;
        }
        if state.bad_epochs >= cfg.patience || epoch >= cfg.epochs {
            state.finished = true;
        }
        if let (Some(dir), Some(sp)) = (ckpt_dir, &ckpt_state) {
            // The epoch's files first, under names of their own; then the state that names
            // them (the commit); then the previous epoch's files go.
            let (mf, of) = (
                format!("checkpoint-e{epoch}.bpk"),
                format!("optimizer-e{epoch}.bin"),
            );
            save_module(valid, &dir.join(&mf))?;
            let op = dir.join(&of);
            let bytes = optim.into_bytes().map_err(|e| Error::Run {
                path: op.clone(),
                reason: format!("cannot save the optimizer: {e}"),
            })?;
            write_atomic(&op, &bytes)?;
            state.checkpoint = Some((mf, of));
            write_atomic(
                sp,
                serde_json::to_string_pretty(&state)
                    .expect("serialisable")
                    .as_bytes(),
            )?;
            remove_stale_checkpoints(dir, state.checkpoint.as_ref());
        }
        epochs_this_call += 1;
    }
    let best = match (best, &best_path) {
        (Some(b), _) => b,
        (None, Some(p)) if p.is_file() => load_module(model.valid(), p)?,
        _ => model.valid(),
    };
    Ok((best, state))
}

/// Removes checkpoint files other than `keep` (those of earlier epochs, or of an epoch killed
/// before its commit). Best effort: a file that cannot be removed is only wasted space.
fn remove_stale_checkpoints(dir: &Path, keep: Option<&(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let ours = (name.starts_with("checkpoint-e") && name.ends_with(".bpk"))
            || (name.starts_with("optimizer-e")
                && (name.ends_with(".bin") || name.ends_with(".tmp")))
            || name.ends_with(".tmp.bpk");
        let kept = keep.is_some_and(|(m, o)| &name == m || &name == o);
        if ours && !kept {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn config(batching: Batching, batch_size: usize, seed: u64) -> TrainConfig {
        TrainConfig {
            batching,
            batch_size,
            seed,
            ..TrainConfig::default()
        }
    }

    /// Positions a batch computes: its size times its longest example.
    fn padded(batches: &[Vec<usize>], lengths: &[usize]) -> usize {
        batches
            .iter()
            .map(|b| b.len() * b.iter().map(|&i| lengths[i]).max().unwrap_or(0))
            .sum()
    }

    /// The shuffled batches are those every run before `batching` existed was trained on, so
    /// those runs resume and reproduce as they were.
    #[test]
    fn shuffled_batches_are_the_epochs_shuffle_cut_in_runs() {
        let lengths = vec![3; 100];
        let cfg = config(Batching::Shuffled, 32, 7);
        let mut order: Vec<usize> = (0..100).collect();
        SplitMix64::new(7 ^ 2u64.wrapping_mul(0x9e37_79b9_7f4a_7c15)).shuffle(&mut order);
        let expected: Vec<Vec<usize>> = order.chunks(32).map(<[usize]>::to_vec).collect();
        assert_eq!(epoch_batches(&cfg, 2, &lengths), expected);
        assert_ne!(epoch_batches(&cfg, 3, &lengths), expected);
    }

    /// On lengths with a long tail cut at 512 (log-uniform between 20 and 2,000 tokens: 30 %
    /// of them cut), batches of similar lengths compute about half the padded positions of
    /// shuffled ones (0.51 here; 0.44 on IMDB's reviews counted in whitespace words).
    #[test]
    fn batches_by_length_pad_less() {
        let mut rng = SplitMix64::new(11);
        let lengths: Vec<usize> = (0..5000)
            .map(|_| {
                // Log-uniform between 20 and 2,000 tokens, cut at 512.
                let u = rng.unit();
                ((20f64.ln() + u * (2000f64 / 20.0).ln()).exp() as usize).min(512)
            })
            .collect();
        let shuffled = epoch_batches(&config(Batching::Shuffled, 32, 1), 1, &lengths);
        let by_length = epoch_batches(&config(Batching::ByLength, 32, 1), 1, &lengths);
        let (s, b) = (padded(&shuffled, &lengths), padded(&by_length, &lengths));
        assert!(10 * b < 6 * s, "by length {b}, shuffled {s}");
        // Not the same order every epoch, nor sorted across the epoch.
        let next = epoch_batches(&config(Batching::ByLength, 32, 1), 2, &lengths);
        assert_ne!(by_length, next);
        let firsts: Vec<usize> = by_length.iter().map(|b| lengths[b[0]]).collect();
        assert!(firsts.windows(2).any(|w| w[0] > w[1]));
    }

    proptest! {
        /// Either way, every example is in exactly one batch of at most `batch_size`, there
        /// are ⌈n / batch_size⌉ batches, and the same seed and epoch give the same batches.
        #[test]
        fn every_example_once_per_epoch(
            lengths in prop::collection::vec(1usize..600, 0..400),
            batch_size in 1usize..40,
            seed in any::<u64>(),
            epoch in 1usize..20,
            by_length in any::<bool>(),
        ) {
            let batching = if by_length { Batching::ByLength } else { Batching::Shuffled };
            let cfg = config(batching, batch_size, seed);
            let batches = epoch_batches(&cfg, epoch, &lengths);
            prop_assert_eq!(batches.len(), lengths.len().div_ceil(batch_size));
            prop_assert!(batches.iter().all(|b| !b.is_empty() && b.len() <= batch_size));
            let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..lengths.len()).collect::<Vec<_>>());
            prop_assert_eq!(epoch_batches(&cfg, epoch, &lengths), batches);
        }
    }
}
