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
use sinr_util::Progress;

use crate::config::{ModelConfig, TrainConfig};
use crate::data::{Encoder, Example, TaskKind};
use crate::error::{Error, Result};
use crate::explain::{
    AttentionMaps, Explanation, OutputExplanation, explain_attention, explain_hierarchical,
    explain_transformer,
};
use crate::input::{dimension_labels, embedding_rows};
use crate::models::{
    AttentionClassifier, Classifier, DenseBaseline, HierarchicalClassifier, SinrTransformer,
};
use crate::train::{FitContext, TrainState, fit, load_module, predict_logits, save_module};

/// The name of the attention classifier's word-weights dimension (after its communities).
pub const WORD_WEIGHTS: &str = "word weights (the words themselves)";

/// The name of the attention classifier's n-gram-weights dimension (after the word weights').
pub const NGRAM_WEIGHTS: &str = "n-gram weights (bigrams, character n-grams)";

/// Version of the run directory layout.
pub const RUN_FORMAT: u32 = 1;

/// Which embeddings a run was trained with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingsRef {
    /// Where they were.
    pub path: PathBuf,
    /// FNV-1a fingerprint of the vocabulary (words in order).
    pub vocabulary_fingerprint: String,
    /// Words.
    pub words: usize,
    /// Dimensions of the matrix.
    pub dimensions: usize,
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
                vocabulary_fingerprint: vocabulary_fingerprint(embeddings),
                words: embeddings.vocab.len(),
                dimensions: embeddings.dimensions(),
            },
        })
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

/// Any of the four models.
#[derive(Debug, Clone)]
pub enum AnyModel {
    /// Task-vector attention classifier.
    Attention(AttentionClassifier),
    /// SINr transformer.
    Transformer(SinrTransformer),
    /// Hierarchical model.
    Hierarchical(HierarchicalClassifier),
    /// Dense baseline.
    Dense(DenseBaseline),
}

/// The input level of a model.
pub(crate) fn model_level(cfg: &ModelConfig) -> usize {
    match cfg {
        ModelConfig::Attention(c) => c.level,
        ModelConfig::Transformer(c) => c.level,
        ModelConfig::Hierarchical(_) | ModelConfig::Dense(_) => 0,
    }
}

impl AnyModel {
    /// Builds a freshly initialised model for `spec` on `device`.
    pub fn build(spec: &RunSpec, emb: &SinrModel, device: &Device) -> Result<Self> {
        let classes = spec.labels.len();
        Ok(match &spec.model {
            ModelConfig::Attention(c) => {
                if spec.kind == TaskKind::Token {
                    return Err(Error::config(
                        "model",
                        "the attention classifier is for sequence tasks; use the transformer for token tasks",
                    ));
                }
                let rows = embedding_rows(emb, c.level, c.sparsify)?;
                let m = AttentionClassifier::new(
                    &rows,
                    classes,
                    c.non_negative,
                    c.l1,
                    spec.train.seed,
                    device,
                );
                let m = if c.mean_pooling {
                    m.with_mean_pooling()
                } else {
                    m
                };
                let m = if c.word_weights {
                    m.with_word_weights()
                } else {
                    m
                };
                AnyModel::Attention(match &c.ngrams {
                    Some(n) => {
                        let mut m = m.with_ngram_weights(n.buckets, n.scale as f32, n.tfidf);
                        m.ngram_l2 = n.l2;
                        m
                    }
                    None => m,
                })
            }
            ModelConfig::Transformer(c) => {
                let rows = embedding_rows(emb, c.level, c.sparsify)?;
                if rows.dims > 2048 {
                    return Err(Error::config(
                        "level",
                        format!(
                            "gives a {}-dimensional stream; choose a coarser Louvain level (the stream is dense)",
                            rows.dims
                        ),
                    ));
                }
                let m = SinrTransformer::new(
                    &rows,
                    classes,
                    spec.kind,
                    c.layers,
                    c.heads,
                    c.memories,
                    c.l1,
                    spec.train.seed,
                    device,
                )
                .with_window(c.window);
                let m = match c.fine_level {
                    Some(l) => m.with_fine(&embedding_rows(emb, l, c.sparsify)?),
                    None => m,
                };
                AnyModel::Transformer(m)
            }
            ModelConfig::Hierarchical(c) => {
                if spec.kind == TaskKind::Token {
                    return Err(Error::config(
                        "model",
                        "the hierarchical model is for sequence tasks",
                    ));
                }
                let rows = embedding_rows(emb, emb.level, c.sparsify)?;
                let available = emb.dendrogram.levels.len() - 1 - emb.level;
                let n = c.levels.unwrap_or(available).min(available);
                if n == 0 {
                    return Err(Error::config(
                        "levels",
                        "the embeddings have a single Louvain level; train them with `--louvain multilevel`",
                    ));
                }
                let mut parents = Vec::new();
                // Level of the model's columns → next level, then level to level.
                let first = emb.dendrogram.parents(emb.level)?;
                parents.push((
                    emb.columns
                        .iter()
                        .map(|&c| first[c as usize])
                        .collect::<Vec<u32>>(),
                    emb.dendrogram.levels[emb.level + 1].n_communities,
                ));
                for l in emb.level + 1..emb.level + n {
                    parents.push((
                        emb.dendrogram.parents(l)?,
                        emb.dendrogram.levels[l + 1].n_communities,
                    ));
                }
                let m = HierarchicalClassifier::new(
                    &rows,
                    &parents,
                    classes,
                    c.l1,
                    spec.train.seed,
                    device,
                );
                AnyModel::Hierarchical(if c.every_level {
                    m.with_every_level()
                } else {
                    m
                })
            }
            ModelConfig::Dense(c) => AnyModel::Dense(DenseBaseline::new(
                emb.vocab.len() + 1,
                spec.train.max_len,
                classes,
                spec.kind,
                c.dim,
                c.layers,
                c.heads,
                c.ff,
                c.dropout,
                device,
            )),
        })
    }

    /// Model kind.
    pub fn kind(&self) -> &'static str {
        match self {
            AnyModel::Attention(_) => "attention",
            AnyModel::Transformer(_) => "transformer",
            AnyModel::Hierarchical(_) => "hierarchical",
            AnyModel::Dense(_) => "dense",
        }
    }

    /// Number of trainable parameters.
    pub fn num_params(&self) -> usize {
        match self {
            // The n-grams' IDF is fitted, not trained.
            AnyModel::Attention(m) => {
                m.num_params()
                    - m.embedding.num_params()
                    - m.ngram_idf.as_ref().map_or(0, |p| p.dims()[0])
            }
            AnyModel::Transformer(m) => {
                m.num_params()
                    - m.embedding.num_params()
                    - m.fine.as_ref().map_or(0, Module::num_params)
            }
            AnyModel::Hierarchical(m) => m.num_params() - m.embedding.num_params(),
            AnyModel::Dense(m) => m.num_params(),
        }
    }

    /// Logits of examples (see [`predict_logits`]).
    pub fn predict(
        &self,
        examples: &[Example],
        kind: TaskKind,
        batch_size: usize,
        device: &Device,
    ) -> Vec<Vec<f32>> {
        match self {
            AnyModel::Attention(m) => predict_logits(m, examples, kind, batch_size, device),
            AnyModel::Transformer(m) => predict_logits(m, examples, kind, batch_size, device),
            AnyModel::Hierarchical(m) => predict_logits(m, examples, kind, batch_size, device),
            AnyModel::Dense(m) => predict_logits(m, examples, kind, batch_size, device),
        }
    }

    /// Saves the parameters (atomically; without the frozen SINr vectors, see [`save_module`]).
    pub fn save(&self, path: &Path) -> Result<()> {
        match self.clone() {
            AnyModel::Attention(m) => save_module(m, path),
            AnyModel::Transformer(m) => save_module(m, path),
            AnyModel::Hierarchical(m) => save_module(m, path),
            AnyModel::Dense(m) => save_module(m, path),
        }
    }

    /// Loads parameters into this (freshly built) model.
    pub fn load(self, path: &Path) -> Result<Self> {
        Ok(match self {
            AnyModel::Attention(m) => AnyModel::Attention(load_module(m, path)?),
            AnyModel::Transformer(m) => AnyModel::Transformer(load_module(m, path)?),
            AnyModel::Hierarchical(m) => AnyModel::Hierarchical(load_module(m, path)?),
            AnyModel::Dense(m) => AnyModel::Dense(load_module(m, path)?),
        })
    }

    /// The exact terms of one example's outputs and the model's attention maps, without the
    /// words that label the dimensions (what measuring explanations over many examples needs);
    /// also the width of the community split.
    ///
    /// # Errors
    /// For the dense baseline, which has no exact decomposition (post-hoc methods only).
    pub fn explain_terms(
        &self,
        spec: &RunSpec,
        example: &Example,
        device: &Device,
    ) -> Result<(Vec<OutputExplanation>, AttentionMaps, usize)> {
        if example.rows.is_empty() {
            return Err(Error::Empty("no known word in the text: nothing to explain (the prediction is the model's prior, its biases)".into()));
        }
        let batch = crate::data::make_batch(&[example], spec.kind, device);
        Ok(match self {
            AnyModel::Attention(m) => {
                let (o, alpha) = explain_attention(m, &batch);
                // The communities, then the word and n-gram weights' dimensions, if any.
                let dims = o.communities.len();
                (vec![o], vec![("pooling".to_owned(), vec![alpha])], dims)
            }
            AnyModel::Transformer(m) => {
                // Token tasks: explain the tags the model decides (the best valid BIO path).
                let tags = (spec.kind == TaskKind::Token).then(|| {
                    let logits = self.predict(std::slice::from_ref(example), spec.kind, 1, device);
                    crate::decode_tags(&logits[0], &spec.labels)
                });
                let (o, a) = explain_transformer(m, &batch, tags.as_deref());
                (o, a, m.width)
            }
            AnyModel::Hierarchical(m) => {
                let (o, alpha) = explain_hierarchical(m, &batch);
                let top = m.readout.weight.dims()[0];
                (vec![o], vec![("pooling".to_owned(), vec![alpha])], top)
            }
            AnyModel::Dense(_) => {
                return Err(Error::config(
                    "model",
                    "the dense baseline has no exact decomposition; its explanations are post-hoc",
                ));
            }
        })
    }

    /// The exact explanation of one example, its dimensions labelled by their words.
    ///
    /// # Errors
    /// For the dense baseline, which has no exact decomposition (post-hoc methods only).
    pub fn explain(
        &self,
        spec: &RunSpec,
        emb: &SinrModel,
        example: &Example,
        device: &Device,
    ) -> Result<Explanation> {
        let (outputs, attention, dims) = self.explain_terms(spec, example, device)?;
        let level = model_level(&spec.model);
        // Which Louvain level the community split is at.
        let comm_level = match self {
            AnyModel::Hierarchical(m) => emb.level + m.levels.len(),
            _ => level,
        };
        let labels = dimension_labels(emb, comm_level, 8)?;
        let mut dimensions: Vec<String> = (0..labels.len())
            .map(|k| format!("community {k} (level {comm_level})"))
            .collect();
        // Named dimensions after the communities: the word and n-gram weights of the attention
        // classifier, the surface features of the tagging transformer.
        if dims > labels.len() {
            match self {
                AnyModel::Attention(m) => {
                    if m.word_readout.is_some() {
                        dimensions.push(WORD_WEIGHTS.to_owned());
                    }
                    if m.ngram_readout.is_some() {
                        dimensions.push(NGRAM_WEIGHTS.to_owned());
                    }
                }
                _ => dimensions.extend(
                    crate::data::SURFACE_FEATURES
                        .iter()
                        .map(|s| (*s).to_owned()),
                ),
            }
        }
        // Words of the dimensions that matter most in any output (top 20 per output by |term|),
        // and of every dimension named in the token terms.
        let mut wanted: Vec<u32> = Vec::new();
        for o in &outputs {
            let mut idx: Vec<(u32, f32)> = o
                .communities
                .iter()
                .enumerate()
                .map(|(k, r)| (k as u32, r[o.predicted].abs()))
                .collect();
            idx.sort_by(|a, b| b.1.total_cmp(&a.1));
            wanted.extend(idx.iter().take(20).map(|x| x.0));
            wanted.extend(o.token_communities.iter().flatten().map(|x| x.0));
        }
        wanted.sort_unstable();
        wanted.dedup();
        let dimension_words = wanted
            .into_iter()
            .filter(|&k| (k as usize) < labels.len())
            .map(|k| (k, labels[k as usize].clone()))
            .collect();
        // The fine-level window's communities (tagging with `fine_level`): the words of the
        // ten largest terms of every output.
        let fine_level = match &spec.model {
            ModelConfig::Transformer(c) if spec.kind == TaskKind::Token => c.fine_level,
            _ => None,
        };
        let mut fine_dimension_words = Vec::new();
        if let Some(l) = fine_level {
            let labels = dimension_labels(emb, l, 8)?;
            let mut wanted: Vec<u32> = Vec::new();
            for o in &outputs {
                let mut terms: Vec<(u32, f32)> = o
                    .fine_communities
                    .iter()
                    .map(|(k, r)| (*k, r[o.predicted].abs()))
                    .collect();
                terms.sort_by(|a, b| b.1.total_cmp(&a.1));
                wanted.extend(terms.iter().take(10).map(|x| x.0));
            }
            wanted.sort_unstable();
            wanted.dedup();
            fine_dimension_words = wanted
                .into_iter()
                .filter(|&k| (k as usize) < labels.len())
                .map(|k| (k, labels[k as usize].clone()))
                .collect();
        }
        Ok(Explanation {
            model: self.kind().to_owned(),
            labels: spec.labels.clone(),
            tokens: example.surface.clone(),
            dimensions,
            dimension_words,
            attention,
            outputs,
            fine_level,
            fine_dimension_words,
            lexical_names: Vec::new(),
        })
    }
}

/// Trains the model of `spec` and writes the run directory.
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
    // TF-IDF n-gram weights: the IDF of the training texts (saved with the model).
    if let AnyModel::Attention(m) = &mut model {
        m.fit_idf(train);
    }
    let ctx = FitContext {
        cfg: &spec.train,
        kind: spec.kind,
        labels: &spec.labels,
        checkpoint_dir: Some(run_dir),
        resume,
        progress,
        stop_after,
    };
    let (best, state) = match model {
        AnyModel::Attention(m) => fit_any(m, train, dev, &ctx, device, AnyModel::Attention)?,
        AnyModel::Transformer(m) => fit_any(m, train, dev, &ctx, device, AnyModel::Transformer)?,
        AnyModel::Hierarchical(m) => fit_any(m, train, dev, &ctx, device, AnyModel::Hierarchical)?,
        AnyModel::Dense(m) => fit_any(m, train, dev, &ctx, device, AnyModel::Dense)?,
    };
    let metrics = run_dir.join("metrics.json");
    crate::train::write_atomic(
        &metrics,
        serde_json::to_string_pretty(&state)
            .expect("serialisable")
            .as_bytes(),
    )?;
    Ok((best, state))
}

fn fit_any<M: Module + Classifier + Clone>(
    m: M,
    train: &[Example],
    dev: &[Example],
    ctx: &FitContext<'_>,
    device: &Device,
    wrap: fn(M) -> AnyModel,
) -> Result<(AnyModel, TrainState)> {
    let (best, state) = fit(m, train, dev, ctx, device)?;
    Ok((wrap(best), state))
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
    /// The best model again, on the autodiff version of `device` (for gradients).
    pub fn autodiff_model(&self, device: &Device) -> Result<AnyModel> {
        let ad = device.clone().autodiff();
        AnyModel::build(&self.spec, &self.embeddings, &ad)?.load(&self.dir.join("best.bpk"))
    }
}

/// Loads the best model of a run; `embeddings` overrides the path recorded in the run.
pub fn load_run(run_dir: &Path, embeddings: Option<&Path>, device: &Device) -> Result<LoadedRun> {
    let spec = load_spec(run_dir)?;
    let path = embeddings.unwrap_or(&spec.embeddings.path);
    let emb = SinrModel::load(path)?;
    spec.check_embeddings(&emb)?;
    device.seed(spec.train.seed);
    let model = AnyModel::build(&spec, &emb, device)?.load(&run_dir.join("best.bpk"))?;
    let encoder = Encoder::for_model(&emb, &spec.model, spec.train.max_len);
    Ok(LoadedRun {
        spec,
        embeddings: emb,
        encoder,
        model,
        dir: run_dir.to_path_buf(),
    })
}
