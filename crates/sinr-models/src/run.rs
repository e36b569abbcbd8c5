//! A trained model and its run directory.
//!
//! ```text
//! RUN/run.json          task, labels, model and training configs, the embeddings it was
//!                       trained with (path, vocabulary fingerprint, sizes)
//! RUN/metrics.json      every epoch's scores (the training state)
//! RUN/best.bpk          the best model on dev (burnpack)
//! RUN/state.json        the commit record of the last epoch: history, best, and the names of
//!                       its checkpoint files, RUN/checkpoint-eN.bpk and RUN/optimizer-eN.bin
//!                       (the model and its Adam state, for --resume)
//! ```
//!
//! Every file is written to a temporary name and renamed, so an interrupted run leaves the
//! previous complete checkpoint.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use serde::{Deserialize, Serialize};
use sinr_embed::SinrModel;
use sinr_schema::{DeviceName, RESOURCES_VERSION, Resources, TaskKind};
use sinr_util::Progress;

use crate::config::TrainConfig;
use crate::data::{Encoder, Example};
use crate::error::{Error, Result};
use crate::models::{AnyModel, ModelConfig};
use crate::train::{FitContext, TrainState, write_atomic};

/// Version of the run directory layout.
pub const RUN_FORMAT: u32 = 1;

/// Which embeddings a run was trained with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingsRef {
    /// Where they were, as given to `sinr train`.
    pub path: PathBuf,
    /// The same, absolute (so that a run can be used from another directory); absent in runs
    /// made before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absolute: Option<PathBuf>,
    /// FNV-1a fingerprint of the vocabulary (words in order).
    pub vocabulary_fingerprint: String,
    /// Words.
    pub words: usize,
    /// Dimensions of the matrix.
    pub dimensions: usize,
}

/// A model's own vocabulary (`RUN/vocabulary.txt`): its size and fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnVocabulary {
    /// Words.
    pub words: usize,
    /// FNV-1a fingerprint of the words in order.
    pub fingerprint: String,
}

/// The file of a run's own vocabulary.
pub fn vocabulary_file(run_dir: &Path) -> PathBuf {
    run_dir.join("vocabulary.txt")
}

fn words_fingerprint<'a>(words: impl Iterator<Item = &'a String>) -> String {
    use std::hash::Hasher;
    let mut h = sinr_util::Fnv1a::default();
    for w in words {
        h.write(w.as_bytes());
        h.write(b"\n");
    }
    format!("{:016x}", h.finish())
}

/// Writes a model's own vocabulary into the run directory (`word<TAB>count` lines), creating
/// the directory.
///
/// # Errors
/// The file cannot be written.
pub fn write_vocabulary(run_dir: &Path, vocab: &sinr_embed::Vocabulary) -> Result<()> {
    std::fs::create_dir_all(run_dir).map_err(|e| Error::io(run_dir, e))?;
    let mut text = String::new();
    for (w, c) in vocab.words().iter().zip(vocab.counts()) {
        text.push_str(&format!("{w}\t{c}\n"));
    }
    crate::train::write_atomic(&vocabulary_file(run_dir), text.as_bytes())
}

/// Reads a run's own vocabulary and checks it against the run's description.
///
/// # Errors
/// A missing or malformed file (naming its line), or one that is not the run's.
pub fn read_vocabulary(run_dir: &Path, expected: &OwnVocabulary) -> Result<sinr_embed::Vocabulary> {
    let path = vocabulary_file(run_dir);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let mut pairs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let (w, c) = line
            .split_once('\t')
            .and_then(|(w, c)| Some((w, c.parse::<u64>().ok()?)))
            .ok_or_else(|| Error::Run {
                path: path.clone(),
                reason: format!("line {}: not `word<TAB>count`", i + 1),
            })?;
        pairs.push((w.to_owned(), c));
    }
    let vocab = sinr_embed::Vocabulary::from_counts(pairs);
    let fp = words_fingerprint(vocab.words().iter());
    if vocab.len() != expected.words || fp != expected.fingerprint {
        return Err(Error::Run {
            path,
            reason: format!(
                "{} words (fingerprint {fp}), the run was trained with {} ({})",
                vocab.len(),
                expected.words,
                expected.fingerprint
            ),
        });
    }
    Ok(vocab)
}

/// Everything needed to rebuild a trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Layout version.
    pub format: u32,
    /// Task name.
    pub task: String,
    /// Sequence or token task.
    pub kind: TaskKind,
    /// Label (or tag) names.
    pub labels: Vec<String>,
    /// The model.
    pub model: ModelConfig,
    /// Training parameters.
    pub train: TrainConfig,
    /// The embeddings.
    pub embeddings: EmbeddingsRef,
    /// The model's own vocabulary, if it reads one (`RUN/vocabulary.txt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vocabulary: Option<OwnVocabulary>,
    /// The trained run whose model started part of this one ([`RunSpec::set_warm_start`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_start: Option<WarmStart>,
    /// The tagger's gazetteer, if its features read one (`RUN/gazetteer.tsv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gazetteer: Option<OwnGazetteer>,
}

/// A tagger's gazetteer ([`crate::Gazetteer`], `RUN/gazetteer.tsv`): its size and fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnGazetteer {
    /// Names.
    pub names: usize,
    /// FNV-1a 64 of the file, as hex.
    pub fingerprint: String,
}

/// The file of a run's gazetteer.
pub fn gazetteer_file(run_dir: &Path) -> PathBuf {
    run_dir.join("gazetteer.tsv")
}

fn text_fingerprint(text: &str) -> String {
    use std::hash::Hasher;
    let mut h = sinr_util::Fnv1a::default();
    h.write(text.as_bytes());
    format!("{:016x}", h.finish())
}

/// Writes a tagger's gazetteer into the run directory (creating it) and records it in `spec`.
///
/// # Errors
/// The file cannot be written.
pub fn write_gazetteer(
    run_dir: &Path,
    spec: &mut RunSpec,
    gazetteer: &crate::Gazetteer,
) -> Result<()> {
    std::fs::create_dir_all(run_dir).map_err(|e| Error::io(run_dir, e))?;
    let text = gazetteer.to_lines();
    crate::train::write_atomic(&gazetteer_file(run_dir), text.as_bytes())?;
    spec.gazetteer = Some(OwnGazetteer {
        names: gazetteer.len(),
        fingerprint: text_fingerprint(&text),
    });
    Ok(())
}

/// Reads a run's gazetteer and checks it against the run's description.
///
/// # Errors
/// A missing or malformed file (naming its line), or one that is not the run's.
pub fn read_gazetteer(run_dir: &Path, expected: &OwnGazetteer) -> Result<crate::Gazetteer> {
    let path = gazetteer_file(run_dir);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let g = crate::Gazetteer::from_lines(&text).map_err(|line| Error::Run {
        path: path.clone(),
        reason: format!("line {line}: not `name<TAB>type type…`"),
    })?;
    let fp = text_fingerprint(&text);
    if g.len() != expected.names || fp != expected.fingerprint {
        return Err(Error::Run {
            path,
            reason: format!(
                "{} names (fingerprint {fp}), the run was trained with {} ({})",
                g.len(),
                expected.names,
                expected.fingerprint
            ),
        });
    }
    Ok(g)
}

/// A warm start: the run whose best model gave this one's starting parameters, and a
/// fingerprint of that model's file (so that a run started from another model is another run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarmStart {
    /// The run directory.
    pub run: PathBuf,
    /// FNV-1a 64 of its `best.bpk`, as hex.
    pub model_fingerprint: String,
}

/// FNV-1a 64 of the vocabulary, as hex.
pub fn vocabulary_fingerprint(model: &SinrModel) -> String {
    use std::hash::Hasher;
    let mut h = sinr_util::Fnv1a::default();
    for w in model.vocab.words() {
        h.write(w.as_bytes());
        h.write(b"\n");
    }
    format!("{:016x}", h.finish())
}

impl RunSpec {
    /// A spec for training `model` on `embeddings` (validated).
    pub fn new(
        task: &str,
        kind: TaskKind,
        labels: Vec<String>,
        model: ModelConfig,
        train: TrainConfig,
        embeddings_path: &Path,
        embeddings: &SinrModel,
    ) -> Result<Self> {
        model.validate()?;
        train.validate()?;
        if labels.len() < 2 {
            return Err(Error::Empty(format!(
                "{} label(s): a classifier needs at least two",
                labels.len()
            )));
        }
        Ok(Self {
            format: RUN_FORMAT,
            task: task.to_owned(),
            kind,
            labels,
            model,
            train,
            embeddings: EmbeddingsRef {
                path: embeddings_path.to_path_buf(),
                absolute: std::fs::canonicalize(embeddings_path).ok(),
                vocabulary_fingerprint: vocabulary_fingerprint(embeddings),
                words: embeddings.vocab.len(),
                dimensions: embeddings.dimensions(),
            },
            vocabulary: None,
            warm_start: None,
            gazetteer: None,
        })
    }

    /// Starts this run from the best model of the trained run `run_dir` (see
    /// [`AnyModel::warm_start`]: the SINr transformer's fine path from an attention classifier of
    /// the same configuration, task and embeddings). Checked here, before any training.
    ///
    /// # Errors
    /// The run cannot be read, or its model cannot start this one.
    pub fn set_warm_start(&mut self, run_dir: &Path) -> Result<()> {
        let from = load_spec(run_dir)?;
        check_warm_start(self, &from).map_err(|reason| Error::Run {
            path: run_dir.join("run.json"),
            reason: format!("cannot warm-start this run: {reason}"),
        })?;
        self.warm_start = Some(WarmStart {
            run: run_dir.to_path_buf(),
            model_fingerprint: model_fingerprint(run_dir)?,
        });
        Ok(())
    }

    /// The classes as people name them, in label order: a built-in task's meaning of its `0`
    /// and `1` ([`sinr_data::tasks::class_names`]), a tagger's tags, or a user's own labels.
    /// Derived from the task and its labels, so runs trained before names existed show them too.
    pub fn class_names(&self) -> Vec<String> {
        match self.kind {
            TaskKind::Classify => sinr_data::tasks::class_names(&self.task, &self.labels),
            TaskKind::Tag => self.labels.clone(),
        }
    }

    /// Records the model's own vocabulary.
    pub fn set_vocabulary(&mut self, vocab: &sinr_embed::Vocabulary) {
        self.vocabulary = Some(OwnVocabulary {
            words: vocab.len(),
            fingerprint: words_fingerprint(vocab.words().iter()),
        });
    }

    /// Checks that `embeddings` are the ones the run was trained with.
    pub fn check_embeddings(&self, embeddings: &SinrModel) -> Result<()> {
        let fp = vocabulary_fingerprint(embeddings);
        if fp != self.embeddings.vocabulary_fingerprint
            || embeddings.dimensions() != self.embeddings.dimensions
        {
            return Err(Error::Mismatch(format!(
                "the run was trained with {} words × {} dimensions (vocabulary {}), these embeddings have {} × {} (vocabulary {fp})",
                self.embeddings.words,
                self.embeddings.dimensions,
                self.embeddings.vocabulary_fingerprint,
                embeddings.vocab.len(),
                embeddings.dimensions()
            )));
        }
        Ok(())
    }

    /// The label index of a labelled text's label.
    ///
    /// # Errors
    /// A label the model does not know, naming the text's line.
    pub fn gold_label(&self, x: &sinr_data::readers::LabeledText) -> Result<usize> {
        self.label_index(&x.label)
            .map_err(|e| e.at(format!("line {}", x.line)))
    }

    /// The tag indices of a tagged sentence's tags.
    ///
    /// # Errors
    /// A tag the model does not know, naming the sentence's line.
    pub fn gold_tags(&self, s: &sinr_data::readers::TaggedSentence) -> Result<Vec<usize>> {
        s.tags
            .iter()
            .map(|x| self.label_index(x))
            .collect::<Result<_>>()
            .map_err(|e| e.at(format!("sentence at line {}", s.line)))
    }

    /// The label index of `label`.
    pub fn label_index(&self, label: &str) -> Result<usize> {
        self.labels
            .iter()
            .position(|l| l == label)
            .ok_or_else(|| Error::UnknownLabel {
                label: label.to_owned(),
                known: self.labels.join(", "),
            })
    }
}

/// FNV-1a 64 of a run's best model file (`RUN/best.bpk`), as hex: what a warm start records
/// of the model it started from.
///
/// # Errors
/// The file cannot be read.
pub fn model_fingerprint(run_dir: &Path) -> Result<String> {
    let best = run_dir.join("best.bpk");
    let bytes = std::fs::read(&best).map_err(|e| Error::io(&best, e))?;
    let mut h = sinr_util::Fnv1a::default();
    std::hash::Hasher::write(&mut h, &bytes);
    Ok(format!("{:016x}", std::hash::Hasher::finish(&h)))
}

/// Why the best model of the run `from` cannot start the run `to`, if it cannot.
fn check_warm_start(to: &RunSpec, from: &RunSpec) -> std::result::Result<(), String> {
    if from.task != to.task || from.kind != to.kind || from.labels != to.labels {
        return Err(format!(
            "it was trained on `{}` ({} labels), this run trains on `{}` ({} labels)",
            from.task,
            from.labels.len(),
            to.task,
            to.labels.len()
        ));
    }
    if from.embeddings.vocabulary_fingerprint != to.embeddings.vocabulary_fingerprint
        || from.embeddings.dimensions != to.embeddings.dimensions
    {
        return Err("it was trained with other embeddings".into());
    }
    if from.vocabulary.is_some() {
        return Err("its model reads a vocabulary of its own".into());
    }
    match (&to.model, &from.model) {
        (ModelConfig::Transformer(t), ModelConfig::Attention(a)) => match &t.fine_path {
            Some(f) if f == a => Ok(()),
            Some(_) => Err(
                "its attention classifier's configuration is not the transformer's `fine_path`"
                    .into(),
            ),
            None => Err("the transformer has no `fine_path` to start".into()),
        },
        (to, from) => Err(format!(
            "a `{}` starts only the SINr transformer's fine path, not a `{}`",
            from.kind(),
            to.kind()
        )),
    }
}

/// Trains the model of `spec` and writes the run directory. `second_pass`, for a tagger that
/// reads a prediction history: dev read again with the first pass's tags
/// ([`crate::train::FitContext::second_pass`]); `None` otherwise.
#[allow(clippy::too_many_arguments)]
pub fn train_run(
    spec: &RunSpec,
    emb: &SinrModel,
    train: &[Example],
    dev: &[Example],
    run_dir: &Path,
    resume: bool,
    stop_after: Option<usize>,
    device: &Device,
    progress: &dyn Progress,
    second_pass: Option<&crate::train::SecondPass<'_>>,
) -> Result<(AnyModel, TrainState)> {
    std::fs::create_dir_all(run_dir).map_err(|e| Error::io(run_dir, e))?;
    let spec_path = run_dir.join("run.json");
    // Resuming a run that never got as far as writing its spec is starting it.
    if resume && spec_path.is_file() {
        let old = load_spec(run_dir)?;
        if &old != spec {
            return Err(Error::Run {
                path: spec_path,
                reason: "the run was started with another config; resume needs the same one".into(),
            });
        }
    } else {
        crate::train::write_atomic(
            &spec_path,
            serde_json::to_string_pretty(spec)
                .expect("serialisable")
                .as_bytes(),
        )?;
    }
    let ad = device.clone().autodiff();
    ad.seed(spec.train.seed);
    let mut model = AnyModel::build(spec, emb, &ad)?;
    let warm = spec.warm_start.is_some() && !(resume && run_dir.join("state.json").is_file());
    if let (Some(ws), true) = (&spec.warm_start, warm) {
        let from = load_spec(&ws.run)?;
        check_warm_start(spec, &from).map_err(|reason| Error::Run {
            path: ws.run.join("run.json"),
            reason: format!("cannot warm-start this run: {reason}"),
        })?;
        // The model recorded, not one trained again since.
        if model_fingerprint(&ws.run)? != ws.model_fingerprint {
            return Err(Error::Run {
                path: ws.run.join("best.bpk"),
                reason: "cannot warm-start this run: the model changed since the run recorded it"
                    .into(),
            });
        }
        let trained = AnyModel::build(&from, emb, &ad)?.load(&ws.run.join("best.bpk"))?;
        model = model.warm_start(trained)?;
    }
    // After the warm start, so that a started fine path's statistics (its n-gram table's
    // document frequencies) are those of these training texts whatever its file holds.
    model.fit_statistics(train);
    if let (Some(path), Some(own)) = (spec.model.word_vectors(), &spec.vocabulary) {
        progress.start(
            "reading pretrained word vectors",
            None,
            sinr_util::ProgressUnit::Items("steps"),
        );
        let vectors = sinr_embed::DenseVectors::read_text(path)?;
        let vocab = read_vocabulary(run_dir, own)?;
        let found = model.init_word_vectors(&vectors, vocab.words())?;
        progress.finish(&format!(
            "word embeddings started from {} ({found} of {} words found)",
            path.display(),
            vocab.len()
        ));
    }
    let ctx = FitContext {
        cfg: &spec.train,
        kind: spec.kind,
        labels: &spec.labels,
        checkpoint_dir: Some(run_dir),
        resume,
        progress,
        stop_after,
        // A warm-started model is scored before its first epoch: if training only loses what it
        // started with, the run keeps its start (chosen on dev like any epoch).
        score_start: warm,
        second_pass,
    };
    let (best, state) = model.fit(train, dev, &ctx, device)?;
    write_atomic(
        &run_dir.join("metrics.json"),
        serde_json::to_string_pretty(&state)
            .expect("serialisable")
            .as_bytes(),
    )?;
    Ok((best, state))
}

/// What training cost, for `RUN/resources.json`: seconds per epoch (training only, mean over
/// every epoch done, resumed ones included) and this process's peak resident memory.
pub fn resources(
    state: &TrainState,
    model: &AnyModel,
    device: DeviceName,
    threads: usize,
    ngram_collisions: Option<sinr_schema::NgramCollisions>,
) -> Resources {
    let secs: Vec<f64> = state.history.iter().map(|e| e.seconds).collect();
    Resources {
        version: RESOURCES_VERSION,
        seconds_per_epoch: secs.iter().sum::<f64>() / secs.len().max(1) as f64,
        epochs: state.epochs_done,
        peak_rss_kib: sinr_util::peak_rss_kib(),
        parameters: model.num_params(),
        device,
        threads,
        ngram_collisions,
    }
}

/// Reads `RUN/run.json`.
pub fn load_spec(run_dir: &Path) -> Result<RunSpec> {
    let p = run_dir.join("run.json");
    let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
    let spec: RunSpec = serde_json::from_str(&text).map_err(|e| Error::Run {
        path: p.clone(),
        reason: format!("not a run description: {e}"),
    })?;
    if spec.format != RUN_FORMAT {
        return Err(Error::Run {
            path: p,
            reason: format!("run format {} (this build reads {RUN_FORMAT})", spec.format),
        });
    }
    Ok(spec)
}

/// A trained run, ready to predict and explain.
#[derive(Debug)]
pub struct LoadedRun {
    /// Its description.
    pub spec: RunSpec,
    /// The embeddings.
    pub embeddings: SinrModel,
    /// Text → model input.
    pub encoder: Encoder,
    /// The best model.
    pub model: AnyModel,
    /// The run directory.
    pub dir: PathBuf,
}

impl LoadedRun {
    /// A text as the model reads it: a classifier's text through its encoder; for a tagger,
    /// the text's whitespace-separated tokens as a sentence.
    pub fn encode(&self, text: &str) -> Example {
        match self.spec.kind {
            TaskKind::Classify => self.encoder.encode_text(text, 0),
            TaskKind::Tag => {
                let toks: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
                let labels = vec![0; toks.len()];
                self.encoder.encode_tokens(&toks, &labels)
            }
        }
    }

    /// Each class's probability for each text (a classifier), in label order.
    pub fn probabilities(&self, texts: &[&str], device: &Device) -> Vec<Vec<f64>> {
        let examples: Vec<Example> = texts.iter().map(|t| self.encode(t)).collect();
        self.model
            .predict(&examples, self.spec.kind, 64, device)
            .iter()
            .map(|l| sinr_util::softmax(l))
            .collect()
    }

    /// Each token's tag for each text (a tagger; tokens split at whitespace), read off the
    /// best valid BIO path (by the CRF where the model has one).
    pub fn tags(&self, texts: &[&str], device: &Device) -> Vec<Vec<(String, String)>> {
        let examples: Vec<Example> = texts.iter().map(|t| self.encode(t)).collect();
        let logits = self.model.predict(&examples, self.spec.kind, 64, device);
        let crf = self.model.crf_scores();
        examples
            .iter()
            .zip(&logits)
            .map(|(ex, l)| {
                crate::decode_tags(l, &self.spec.labels, crf.as_ref())
                    .into_iter()
                    .zip(&ex.surface)
                    .map(|(best, tok)| (tok.clone(), self.spec.labels[best].clone()))
                    .collect()
            })
            .collect()
    }

    /// A classifier's prior: the logits of the empty text (the reference its explanations'
    /// log-odds are read against); empty for a tagger.
    pub fn prior(&self, device: &Device) -> Vec<f32> {
        match self.spec.kind {
            TaskKind::Classify => crate::analysis::reference_logits(&self.model, device),
            TaskKind::Tag => Vec::new(),
        }
    }

    /// What a classifier's explanations are read against: the run directory's
    /// [`reference_file`] where there is one (the mean of [`sinr_schema::REFERENCE_TEXTS`]
    /// training texts, written by `sinr train` or [`LoadedRun::write_reference`]), else the
    /// empty text ([`LoadedRun::prior`]). A tagger's has no logits.
    ///
    /// # Errors
    /// A reference file that cannot be read, or one of another class count.
    pub fn reference(&self, device: &Device) -> Result<sinr_schema::Reference> {
        let path = reference_file(&self.dir);
        if self.spec.kind == TaskKind::Classify && path.is_file() {
            let r: sinr_schema::Reference = sinr_schema::read(&path)?;
            if r.logits.len() != self.spec.labels.len() {
                return Err(Error::Run {
                    path,
                    reason: format!(
                        "field `logits` has {} classes, the run has {}: delete the file to have it made again",
                        r.logits.len(),
                        self.spec.labels.len()
                    ),
                });
            }
            return Ok(r);
        }
        Ok(sinr_schema::Reference::empty_text(self.prior(device)))
    }

    /// Computes the reference of a classifier's explanations from its training texts
    /// ([`crate::analysis::training_reference`], seed [`REFERENCE_SEED`]) and writes it to the
    /// run directory ([`reference_file`], atomically). `None` (nothing written) for a tagger or
    /// a model that does not split exactly.
    ///
    /// # Errors
    /// An explanation that fails, or a file that cannot be written.
    pub fn write_reference(
        &self,
        train: &[sinr_data::readers::LabeledText],
        device: &Device,
        progress: &dyn Progress,
    ) -> Result<Option<sinr_schema::Reference>> {
        if self.spec.kind != TaskKind::Classify {
            return Ok(None);
        }
        let r = crate::analysis::training_reference(
            self,
            train,
            sinr_schema::REFERENCE_TEXTS,
            REFERENCE_SEED,
            device,
            progress,
        )?;
        if let Some(r) = &r {
            sinr_schema::write(&reference_file(&self.dir), r)?;
        }
        Ok(r)
    }

    /// The exact explanation of `text` as its page shows it: the split, its lexical features
    /// named, and `reference` ([`LoadedRun::reference`]) as what it is read against.
    ///
    /// # Errors
    /// A model that does not split exactly (the dense baselines), or a text without any word
    /// the model knows.
    pub fn explain(
        &self,
        text: &str,
        reference: &sinr_schema::Reference,
        device: &Device,
    ) -> Result<crate::Explanation> {
        let ex = self.encode(text);
        let mut e =
            self.model
                .explain(&self.spec, &self.embeddings, &ex, Some(reference), device)?;
        e.lexical_names = match self.spec.kind {
            TaskKind::Classify => self.encoder.lexical_names(text),
            TaskKind::Tag => self.encoder.tag_feature_names(&e.tokens),
        };
        Ok(e)
    }

    /// The exact explanation of sentence `i` of a tagging split ([`LoadedRun::explain`]), read
    /// within its document as `sinr evaluate` reads it (the document features see the other
    /// sentences); its text is its tokens joined by spaces.
    ///
    /// # Errors
    /// A model that does not split exactly, or a tag the model does not know.
    pub fn explain_sentence(
        &self,
        sentences: &[sinr_data::readers::TaggedSentence],
        i: usize,
        reference: &sinr_schema::Reference,
        device: &Device,
    ) -> Result<(crate::Explanation, String)> {
        let (doc, at) = self.document_around(sentences, i, device);
        let ex = self
            .encoder
            .encode_tokens_in(&doc, at, &self.spec.gold_tags(&sentences[i])?);
        let mut e =
            self.model
                .explain(&self.spec, &self.embeddings, &ex, Some(reference), device)?;
        e.lexical_names = self.encoder.tag_feature_names_in(&doc, at);
        e.gold_tags = sentences[i].tags.clone();
        Ok((e, sentences[i].tokens.join(" ")))
    }

    /// The first pass of a tagger that reads a prediction history
    /// ([`crate::TagFeatures::history`]): each sentence's tags decided without one, by name, as
    /// the second pass reads them ([`crate::data::History::Tags`]); `None` for a tagger without.
    pub fn first_pass(
        &self,
        sentences: &[sinr_data::readers::TaggedSentence],
        device: &Device,
    ) -> Option<Vec<Vec<String>>> {
        if !self.encoder.reads_history() {
            return None;
        }
        let labels: Vec<Vec<usize>> = sentences.iter().map(|s| vec![0; s.tokens.len()]).collect();
        let examples = self.encoder.encode_sentences(sentences, &labels);
        let logits = self.model.predict(&examples, TaskKind::Tag, 64, device);
        let crf = self.model.crf_scores();
        Some(
            logits
                .iter()
                .map(|l| {
                    crate::decode_tags(l, &self.spec.labels, crf.as_ref())
                        .into_iter()
                        .map(|t| self.spec.labels[t].clone())
                        .collect()
                })
                .collect(),
        )
    }

    /// The document of sentence `i` of a tagging split and the sentence's index in it, as
    /// `sinr evaluate` reads it: with the first pass's tags of the document as its prediction
    /// history when the tagger reads one.
    pub fn document_around(
        &self,
        sentences: &[sinr_data::readers::TaggedSentence],
        i: usize,
        device: &Device,
    ) -> (crate::DocumentIndex, usize) {
        let (start, end) = crate::data::document_range(sentences, i);
        let doc = &sentences[start..end];
        let history = self.first_pass(doc, device);
        let history = history
            .as_deref()
            .map_or(crate::data::History::None, crate::data::History::Tags);
        self.encoder.document_around(doc, i - start, history)
    }

    /// The best model again, on the autodiff version of `device` (for gradients).
    pub fn autodiff_model(&self, device: &Device) -> Result<AnyModel> {
        let ad = device.clone().autodiff();
        AnyModel::build(&self.spec, &self.embeddings, &ad)?.load(&self.dir.join("best.bpk"))
    }
}

/// The seed of the draw of a run's reference texts ([`LoadedRun::write_reference`]; `sinr
/// analyze` reads the stored reference, or draws with this seed whatever its own `--seed`, so
/// that its shares and the pages read against the same texts).
pub const REFERENCE_SEED: u64 = 7;

/// The file of a run directory holding what its explanations are read against
/// ([`sinr_schema::Reference`]).
pub fn reference_file(run_dir: &Path) -> PathBuf {
    run_dir.join("reference.json")
}

/// The embeddings of a run, wherever they are now: the path given to `sinr train` (from the
/// current directory), the same path made absolute when the run was made, then a file of the
/// same name in the run directory or one of its three parents (a run moved or copied with its
/// embeddings). The first that exists and has the run's vocabulary is taken.
///
/// # Errors
/// None of them found (the error lists where it looked), or a file that is not a model.
pub fn find_embeddings(spec: &RunSpec, run_dir: &Path) -> Result<SinrModel> {
    let r = &spec.embeddings;
    let mut places: Vec<PathBuf> = vec![r.path.clone()];
    places.extend(r.absolute.clone());
    if let Some(name) = r.path.file_name() {
        let mut dir = Some(run_dir);
        for _ in 0..4 {
            let Some(d) = dir else { break };
            places.push(d.join(name));
            dir = d.parent().filter(|p| !p.as_os_str().is_empty());
        }
    }
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut mismatch = None;
    for p in places {
        if seen.contains(&p) {
            continue;
        }
        seen.push(p.clone());
        if !p.is_file() {
            continue;
        }
        let emb = SinrModel::load(&p)?;
        match spec.check_embeddings(&emb) {
            Ok(()) => return Ok(emb),
            Err(e) => mismatch = Some(e),
        }
    }
    if let Some(e) = mismatch {
        return Err(e);
    }
    Err(Error::Run {
        path: run_dir.join("run.json"),
        reason: format!(
            "its embeddings are not found (looked for {}); give them with --embeddings FILE",
            seen.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// Loads the best model of a run; `embeddings` overrides the path recorded in the run, which
/// is otherwise found by [`find_embeddings`].
pub fn load_run(run_dir: &Path, embeddings: Option<&Path>, device: &Device) -> Result<LoadedRun> {
    let spec = load_spec(run_dir)?;
    let emb = match embeddings {
        Some(path) => {
            let emb = SinrModel::load(path)?;
            spec.check_embeddings(&emb)?;
            emb
        }
        None => find_embeddings(&spec, run_dir)?,
    };
    device.seed(spec.train.seed);
    let model = AnyModel::build(&spec, &emb, device)?.load(&run_dir.join("best.bpk"))?;
    let mut encoder = Encoder::for_run(&emb, &spec.model, &spec.train);
    if let Some(v) = &spec.vocabulary {
        encoder.own = Some(read_vocabulary(run_dir, v)?);
    }
    if let Some(g) = &spec.gazetteer {
        encoder.gazetteer = Some(read_gazetteer(run_dir, g)?);
    }
    Ok(LoadedRun {
        spec,
        embeddings: emb,
        encoder,
        model,
        dir: run_dir.to_path_buf(),
    })
}
