//! The models, one file each (candle's habit): the file reads like the model's description —
//! its configuration, how it is built, its forward pass and its exact explanation.
//!
//! * [`attention`] — task-vector attention over the frozen SINr vectors, linear read-out;
//! * [`transformer`] — the SINr transformer: heads and key-value memories on a residual stream
//!   in community space;
//! * [`hierarchical`] — task-vector pooling at the finest level, then masked layers up the
//!   Louvain dendrogram;
//! * [`dense`] — the dense baseline, burn's standard transformer encoder;
//! * [`cnn`] — the second baseline family, Kim's (2014) convolutional network.
//!
//! Each model implements [`Model`] (and its configuration [`Config`]); [`AnyModel`] and
//! [`ModelConfig`] are generated from the one list in [`register_models!`] and only dispatch.
//! Adding a model: a new file here implementing both traits, and one line in that list.

pub mod attention;
pub mod cnn;
pub mod dense;
pub mod hierarchical;
mod tag_features;
pub mod transformer;

use std::fmt::Debug;
use std::path::Path;

use burn::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sinr_embed::{DenseVectors, SinrModel};
use sinr_nn::{CrfScores, LinearChainCrf, SinrEmbedding, SparseTokens, to_vec};
use sinr_schema::{
    AttentionMaps, Explanation, MemoryProfile, OutputExplanation, TaskKind, TransitionScore,
};

pub use attention::{AttentionClassifier, AttentionConfig, LexicalConfig};
pub use cnn::{CnnBaseline, CnnConfig};
pub use dense::{DenseBaseline, DenseConfig};
pub use hierarchical::{HierarchicalClassifier, HierarchicalConfig};
pub use tag_features::dense_tag_features;
pub use transformer::{LayerTrace, SinrLayer, SinrTransformer, TransformerConfig};

use crate::data::{Batch, Example, make_batch};
use crate::error::{Error, Result};
use crate::features::TagFeatures;
use crate::run::RunSpec;
use crate::train::{FitContext, TrainState, fit, load_module, predict_logits, save_module};

/// What every model offers the training loop.
pub trait Classifier {
    /// Logits: `[B, C]` for classification, `[N, C]` for the `N` real positions of tagging.
    fn logits(&self, batch: &Batch) -> Tensor<2>;
    /// The regularisation term added to the loss (L1 penalties), if any.
    fn penalty(&self) -> Option<Tensor<1>> {
        None
    }
    /// The frozen SINr vectors the model reads: rebuilt from the run's embeddings whenever the
    /// model is built, so checkpoints leave them out (see [`crate::train::save_module`]).
    fn frozen(&self) -> Vec<&SinrEmbedding> {
        Vec::new()
    }
    /// A tagger's CRF over its tag scores (the logits are then its emissions), if it has one.
    fn crf(&self) -> Option<&LinearChainCrf> {
        None
    }
}

/// A model's configuration: serde (strict: unknown keys are errors), defaults that are the
/// model's recommended settings, and checks that name the bad field.
pub trait Config: Serialize + DeserializeOwned + Default + Clone + PartialEq + Debug {
    /// Checks every field.
    ///
    /// # Errors
    /// A field out of its range, named.
    fn validate(&self) -> Result<()>;
    /// The Louvain level of the model's input vectors (0 = finest).
    fn input_level(&self) -> usize {
        0
    }
    /// The hashed lexical features the model reads beside the vectors, if any.
    fn lexical(&self) -> Option<&LexicalConfig> {
        None
    }
    /// A tagger's lexical features of every token, if any.
    fn tag_features(&self) -> Option<&TagFeatures> {
        None
    }
    /// With its own vocabulary (built from the training texts, instead of the embeddings'):
    /// the least count of a word in it.
    fn own_vocabulary(&self) -> Option<u64> {
        None
    }
    /// Pretrained word vectors (word2vec text format) the free word embeddings start from.
    fn word_vectors(&self) -> Option<&Path> {
        None
    }
}

/// The exact terms of one example, before the dimensions are labelled by their words.
#[derive(Debug, Clone)]
pub struct ExactTerms {
    /// One per output (the text, or every position of a tagged sentence).
    pub outputs: Vec<OutputExplanation>,
    /// Named attention maps.
    pub attention: AttentionMaps,
    /// The width of the community split (communities, then named dimensions).
    pub width: usize,
    /// The terms compactness counts in place of the community split, where that split credits
    /// aggregates of finer units (the hierarchical model credits every level to a top-level
    /// ancestor): `[C]` per fine community of the input with a non-zero term, then one per
    /// level's biases. With the read-out bias they sum to the logits. `None`: the community
    /// split itself.
    pub fine_terms: Option<Vec<Vec<f32>>>,
}

/// What a kind of model offers the rest of the crate: building, training, explaining.
pub trait Model: Module + Classifier + Clone + Debug {
    /// Its configuration.
    type Config: Config;
    /// Whether its logits split exactly (the dense baseline's do not).
    const EXACT: bool = true;
    /// Whether it tags tokens (else it classifies texts only).
    const TAGS: bool = false;

    /// A freshly initialised model for `spec` (its labels, task kind, seed) over `emb`
    /// ([`AnyModel::build`] has checked that the model serves the task kind).
    ///
    /// # Errors
    /// A configuration the embeddings cannot serve (a level they lack).
    fn build(
        config: &Self::Config,
        spec: &RunSpec,
        emb: &SinrModel,
        device: &Device,
    ) -> Result<Self>;

    /// Trainable parameters: without the frozen SINr vectors or fitted statistics.
    fn trainable_params(&self) -> usize;

    /// Fits what the model computes from the training examples before training (the n-gram
    /// weights' IDF).
    fn fit_statistics(&mut self, _train: &[Example]) {}

    /// Starts the free word embeddings from pretrained vectors: the row of word `i` of the own
    /// vocabulary (`words`) takes its vector where `vectors` has the word. Returns how many
    /// words were found.
    ///
    /// # Errors
    /// A model without free word embeddings, or vectors of another width.
    fn init_word_vectors(&mut self, _vectors: &DenseVectors, _words: &[String]) -> Result<usize> {
        Err(Error::config(
            "vectors",
            "this model reads SINr vectors, not free word embeddings",
        ))
    }

    /// The exact terms of a batch of one example; `tags`: the decided tags of a tagged sentence
    /// (the best valid BIO path), which its outputs explain.
    ///
    /// # Errors
    /// For a model without an exact split.
    fn explain_terms(&self, _batch: &Batch, _tags: Option<&[usize]>) -> Result<ExactTerms> {
        Err(Error::config(
            "model",
            "this model has no exact decomposition; its explanations are post-hoc",
        ))
    }

    /// The Louvain level of the community split's dimensions.
    fn community_level(&self, config: &Self::Config, _emb: &SinrModel) -> usize {
        config.input_level()
    }

    /// Names of the split's dimensions after the communities (features, lexical weights).
    fn named_dimensions(&self) -> Vec<String> {
        Vec::new()
    }

    /// The Louvain level of the outputs' `fine_communities`, if the model has them.
    fn fine_level(_config: &Self::Config, _spec: &RunSpec) -> Option<usize> {
        None
    }

    /// Gradient × input per token of a batch of one text, for the decision `logits · target`
    /// (`target` `[C, 1]`), on an autodiff device.
    fn gradient_times_input(&self, batch: &Batch, target: Tensor<2>) -> Vec<f64>;

    /// The most active feed-forward memories over `examples` (models with memories).
    ///
    /// # Errors
    /// If the dimensions cannot be labelled.
    fn memory_profiles(
        &self,
        _config: &Self::Config,
        _spec: &RunSpec,
        _emb: &SinrModel,
        _examples: &[Example],
        _keep: usize,
        _device: &Device,
    ) -> Result<Vec<MemoryProfile>> {
        Ok(Vec::new())
    }
}

/// Field checks shared by the configurations.
pub(crate) mod check {
    use crate::error::{Error, Result};

    /// A finite number ≥ 0.
    pub fn non_negative(v: f64, field: &'static str) -> Result<()> {
        if v.is_finite() && v >= 0.0 {
            Ok(())
        } else {
            Err(Error::config(
                field,
                format!("must be a finite number ≥ 0, got {v}"),
            ))
        }
    }

    /// At least 1.
    pub fn positive(v: usize, field: &'static str) -> Result<()> {
        if v > 0 {
            Ok(())
        } else {
            Err(Error::config(field, "must be at least 1"))
        }
    }
}

/// `y[b, i] = x[b, i + d]` (zero where `i + d` is outside `0..T`).
pub(crate) fn shift(x: Tensor<3>, d: isize) -> Tensor<3> {
    let [b, t, k] = x.dims();
    let n = d.unsigned_abs();
    if d == 0 {
        return x;
    }
    if n >= t {
        return Tensor::zeros([b, t, k], &x.device());
    }
    let zeros = Tensor::<3>::zeros([b, n, k], &x.device());
    if d > 0 {
        Tensor::cat(vec![x.slice([0..b, n..t, 0..k]), zeros], 1)
    } else {
        Tensor::cat(vec![zeros, x.slice([0..b, 0..t - n, 0..k])], 1)
    }
}

/// Selects the real positions of `[B, T, C]` logits: `[N, C]`.
pub(crate) fn at_positions(logits: Tensor<3>, batch: &Batch) -> Tensor<2> {
    let [b, t, c] = logits.dims();
    let pos = batch
        .positions
        .clone()
        .expect("token tasks carry positions");
    logits.reshape([b * t, c]).select(0, pos)
}

/// Free word embeddings (row `2 + i` for word `i` of an own vocabulary) started from pretrained
/// vectors, scaled by one factor so that their root-mean-square entry is 1 (the spread of the
/// random initialisation they replace; the geometry between words is kept). Returns the new
/// embedding and how many words were found.
pub(crate) fn pretrained_embedding(
    emb: &burn::nn::Embedding,
    vectors: &DenseVectors,
    words: &[String],
) -> Result<(burn::nn::Embedding, usize)> {
    let w = emb.weight.val();
    let [rows, dim] = w.dims();
    if vectors.dim != dim {
        return Err(Error::config(
            "vectors",
            format!("{} dimensions, the model's `dim` is {dim}", vectors.dim),
        ));
    }
    let index: std::collections::HashMap<&str, usize> = vectors
        .words
        .iter()
        .enumerate()
        .map(|(i, w)| (w.as_str(), i))
        .collect();
    let ms = vectors
        .values
        .iter()
        .map(|v| f64::from(*v) * f64::from(*v))
        .sum::<f64>()
        / vectors.values.len().max(1) as f64;
    let scale = if ms > 0.0 { 1.0 / ms.sqrt() } else { 1.0 };
    let device = w.device();
    let mut data = to_vec(w.inner());
    let mut found = 0;
    for (i, word) in words.iter().enumerate() {
        let row = 2 + i;
        if row >= rows {
            break;
        }
        if let Some(&j) = index.get(word.as_str()) {
            for (d, v) in data[row * dim..(row + 1) * dim]
                .iter_mut()
                .zip(vectors.row(j))
            {
                *d = (f64::from(*v) * scale) as f32;
            }
            found += 1;
        }
    }
    let mut out = emb.clone();
    out.weight = burn::module::Param::from_tensor(Tensor::<2>::from_data(
        TensorData::new(data, [rows, dim]),
        &device,
    ));
    Ok((out, found))
}

/// Gradient × input per token of sparse token vectors `x` (one text) whose values were a leaf.
pub(crate) fn sparse_gradient_times_input(
    x: &SparseTokens,
    grads: &burn::tensor::Gradients,
) -> Vec<f64> {
    let [_, t, p] = x.val.dims();
    let g = x.val.grad(grads).map(to_vec).unwrap_or_default();
    let v = to_vec(x.val.clone().inner());
    per_token(&g, &v, t, p)
}

/// Gradient × input per token of a dense input `[1, T, D]` that was a leaf.
pub(crate) fn dense_gradient_times_input(
    h0: &Tensor<3>,
    grads: &burn::tensor::Gradients,
) -> Vec<f64> {
    let [_, t, d] = h0.dims();
    let g = h0.grad(grads).map(to_vec).unwrap_or_default();
    let v = to_vec(h0.clone().inner());
    per_token(&g, &v, t, d)
}

/// `Σ_j g[t, j] v[t, j]` for every token `t` of `[T, D]` rows (a missing gradient counts 0).
fn per_token(g: &[f32], v: &[f32], t: usize, d: usize) -> Vec<f64> {
    (0..t)
        .map(|i| {
            (0..d)
                .map(|j| f64::from(g.get(i * d + j).copied().unwrap_or(0.0) * v[i * d + j]))
                .sum()
        })
        .collect()
}

/// Generates [`ModelConfig`] and [`AnyModel`], which dispatch to the models listed: one line
/// per model, `Variant(ModelType) = "kind"`.
macro_rules! register_models {
    ($($variant:ident($model:ty) = $kind:literal),* $(,)?) => {
        /// Which model, with its configuration (`"kind"` names it; the other keys are the
        /// configuration's fields, every one optional, unknown ones errors).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind")]
        pub enum ModelConfig {
            $(
                #[doc = concat!("`", $kind, "`")]
                #[serde(rename = $kind)]
                $variant(<$model as Model>::Config),
            )*
        }

        impl ModelConfig {
            /// Every model kind.
            pub const KINDS: &'static [&'static str] = &[$($kind),*];

            /// The model kind.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(ModelConfig::$variant(_) => $kind,)*
                }
            }

            /// The default configuration of a kind (`None` for an unknown kind).
            pub fn default_of(kind: &str) -> Option<Self> {
                match kind {
                    $($kind => Some(ModelConfig::$variant(Default::default())),)*
                    _ => None,
                }
            }

            /// Checks every field.
            ///
            /// # Errors
            /// A field out of its range, named.
            pub fn validate(&self) -> Result<()> {
                match self {
                    $(ModelConfig::$variant(c) => c.validate(),)*
                }
            }

            /// The Louvain level of the model's input vectors.
            pub fn input_level(&self) -> usize {
                match self {
                    $(ModelConfig::$variant(c) => c.input_level(),)*
                }
            }

            /// The hashed lexical features the model reads, if any.
            pub fn lexical(&self) -> Option<&LexicalConfig> {
                match self {
                    $(ModelConfig::$variant(c) => c.lexical(),)*
                }
            }

            /// A tagger's lexical features, if any.
            pub fn tag_features(&self) -> Option<&TagFeatures> {
                match self {
                    $(ModelConfig::$variant(c) => c.tag_features(),)*
                }
            }

            /// The least count of a word of the model's own vocabulary, if it has one.
            pub fn own_vocabulary(&self) -> Option<u64> {
                match self {
                    $(ModelConfig::$variant(c) => c.own_vocabulary(),)*
                }
            }

            pub fn word_vectors(&self) -> Option<&Path> {
                match self {
                    $(ModelConfig::$variant(c) => c.word_vectors(),)*
                }
            }
        }

        /// Any model (built from a [`ModelConfig`]). One is held at a time, so the variants'
        /// sizes do not matter.
        #[derive(Debug, Clone)]
        #[allow(clippy::large_enum_variant)]
        pub enum AnyModel {
            $(
                #[doc = concat!("`", $kind, "`")]
                $variant($model),
            )*
        }

        impl AnyModel {
            /// A freshly initialised model for `spec` on `device`.
            ///
            /// # Errors
            /// See [`Model::build`].
            pub fn build(spec: &RunSpec, emb: &SinrModel, device: &Device) -> Result<Self> {
                let tags = match &spec.model {
                    $(ModelConfig::$variant(_) => <$model as Model>::TAGS,)*
                };
                if spec.kind == TaskKind::Tag && !tags {
                    return Err(Error::config(
                        "model",
                        format!(
                            "the {} model is for classification; use the transformer to tag tokens",
                            spec.model.kind()
                        ),
                    ));
                }
                Ok(match &spec.model {
                    $(ModelConfig::$variant(c) => AnyModel::$variant(<$model>::build(c, spec, emb, device)?),)*
                })
            }

            /// The model kind.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(AnyModel::$variant(_) => $kind,)*
                }
            }

            /// Trainable parameters.
            pub fn num_params(&self) -> usize {
                match self {
                    $(AnyModel::$variant(m) => m.trainable_params(),)*
                }
            }

            /// Whether its logits split exactly.
            pub fn is_exact(&self) -> bool {
                match self {
                    $(AnyModel::$variant(_) => <$model as Model>::EXACT,)*
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
                    $(AnyModel::$variant(m) => predict_logits(m, examples, kind, batch_size, device),)*
                }
            }

            /// A tagger's CRF scores (transitions, start, end, constraints), if it has a CRF.
            pub fn crf_scores(&self) -> Option<CrfScores> {
                match self {
                    $(AnyModel::$variant(m) => m.crf().map(LinearChainCrf::scores),)*
                }
            }

            /// The tags of one sentence from its logits, by this model's CRF if it has one
            /// (see [`crate::decode_tags`]).
            pub fn decode_tags(&self, logits: &[f32], labels: &[String]) -> Vec<usize> {
                crate::decode_tags(logits, labels, self.crf_scores().as_ref())
            }

            /// Saves the parameters (atomically; without the frozen SINr vectors, see
            /// [`save_module`]).
            ///
            /// # Errors
            /// The file cannot be written.
            pub fn save(&self, path: &Path) -> Result<()> {
                match self.clone() {
                    $(AnyModel::$variant(m) => save_module(m, path),)*
                }
            }

            /// The model's tensors by name (see [`crate::export::named_tensors`]).
            pub fn named_tensors(&self, frozen: bool) -> Vec<crate::export::NamedTensor> {
                match self {
                    $(AnyModel::$variant(m) => crate::export::named_tensors(m, frozen),)*
                }
            }

            /// Loads parameters into this (freshly built) model.
            ///
            /// # Errors
            /// The file cannot be read or holds another model.
            pub fn load(self, path: &Path) -> Result<Self> {
                Ok(match self {
                    $(AnyModel::$variant(m) => AnyModel::$variant(load_module(m, path)?),)*
                })
            }

            /// Fits the model's statistics on the training examples (see
            /// [`Model::fit_statistics`]).
            pub fn fit_statistics(&mut self, train: &[Example]) {
                match self {
                    $(AnyModel::$variant(m) => m.fit_statistics(train),)*
                }
            }

            pub fn init_word_vectors(&mut self, vectors: &DenseVectors, words: &[String]) -> Result<usize> {
                match self {
                    $(AnyModel::$variant(m) => m.init_word_vectors(vectors, words),)*
                }
            }

            /// Trains the model (see [`fit`]); returns the best on dev and the training state.
            ///
            /// # Errors
            /// See [`fit`].
            pub fn fit(
                self,
                train: &[Example],
                dev: &[Example],
                ctx: &FitContext<'_>,
                device: &Device,
            ) -> Result<(Self, TrainState)> {
                Ok(match self {
                    $(AnyModel::$variant(m) => {
                        let (best, state) = fit(m, train, dev, ctx, device)?;
                        (AnyModel::$variant(best), state)
                    })*
                })
            }

            /// The exact terms of one example and the model's attention maps, without the
            /// words that label the dimensions (what measuring explanations over many examples
            /// needs).
            ///
            /// # Errors
            /// A text without any known word, or a model without an exact split.
            pub fn explain_terms(
                &self,
                spec: &RunSpec,
                example: &Example,
                device: &Device,
            ) -> Result<ExactTerms> {
                if example.rows.is_empty() {
                    return Err(Error::Empty("no known word in the text: nothing to explain (the prediction is the model's prior, what it says of the empty text)".into()));
                }
                // Tagging: explain the tags the model decides (the best valid BIO path).
                let tags = (spec.kind == TaskKind::Tag).then(|| {
                    let logits = self.predict(std::slice::from_ref(example), spec.kind, 1, device);
                    self.decode_tags(&logits[0], &spec.labels)
                });
                let batch = make_batch(&[example], spec.kind, device);
                match self {
                    $(AnyModel::$variant(m) => m.explain_terms(&batch, tags.as_deref()),)*
                }
            }

            /// The Louvain level of the communities its explanations split the decision by,
            /// the names of the dimensions it reads beyond them (surface features), and the
            /// level of its fine communities, if it reads any.
            pub fn explained_dimensions(&self, spec: &RunSpec, emb: &SinrModel) -> (usize, Vec<String>, Option<usize>) {
                match (self, &spec.model) {
                    $((AnyModel::$variant(m), ModelConfig::$variant(c)) => (
                        m.community_level(c, emb),
                        m.named_dimensions(),
                        <$model as Model>::fine_level(c, spec),
                    ),)*
                    _ => unreachable!("a model is built from its own kind of configuration"),
                }
            }

            /// The exact explanation of one example, read against `reference` where there is
            /// one, its dimensions labelled by their words.
            ///
            /// # Errors
            /// As [`AnyModel::explain_terms`].
            pub fn explain(
                &self,
                spec: &RunSpec,
                emb: &SinrModel,
                example: &Example,
                reference: Option<&sinr_schema::Reference>,
                device: &Device,
            ) -> Result<Explanation> {
                let terms = self.explain_terms(spec, example, device)?;
                let (level, named, fine) = self.explained_dimensions(spec, emb);
                let mut e = crate::explain::label(
                    self.kind(), spec, emb, example, terms, reference, level, named, fine,
                )?;
                // A CRF tagger: the transition terms of the decided path (the decided tags
                // are the outputs' `predicted`).
                if let (TaskKind::Tag, Some(crf)) = (spec.kind, self.crf_scores()) {
                    let path: Vec<usize> = e.outputs.iter().map(|o| o.predicted).collect();
                    let name = |t: Option<usize>| t.map(|t| spec.labels[t].clone());
                    e.transitions = crf
                        .path_terms(&path)
                        .into_iter()
                        .map(|t| TransitionScore {
                            position: t.position,
                            from: name(t.from),
                            to: name(t.to),
                            score: f64::from(t.score),
                        })
                        .collect();
                }
                Ok(e)
            }

            /// Gradient × input per token of a batch of one text for the decision
            /// `logits · target`, on an autodiff device.
            pub fn gradient_times_input(&self, batch: &Batch, target: Tensor<2>) -> Vec<f64> {
                match self {
                    $(AnyModel::$variant(m) => m.gradient_times_input(batch, target),)*
                }
            }

            /// The most active feed-forward memories over `examples` (empty for models
            /// without memories).
            ///
            /// # Errors
            /// If the dimensions cannot be labelled.
            pub fn memory_profiles(
                &self,
                spec: &RunSpec,
                emb: &SinrModel,
                examples: &[Example],
                keep: usize,
                device: &Device,
            ) -> Result<Vec<MemoryProfile>> {
                match (self, &spec.model) {
                    $((AnyModel::$variant(m), ModelConfig::$variant(c)) => m.memory_profiles(c, spec, emb, examples, keep, device),)*
                    _ => unreachable!("a model is built from its own kind of configuration"),
                }
            }
        }
    };
}

register_models! {
    Attention(AttentionClassifier) = "attention",
    Transformer(SinrTransformer) = "transformer",
    Hierarchical(HierarchicalClassifier) = "hierarchical",
    Dense(DenseBaseline) = "dense",
    Cnn(CnnBaseline) = "cnn",
}

impl AnyModel {
    /// Starts this (freshly built) model from a trained one: the SINr transformer's fine path
    /// takes a trained attention classifier's parameters (built from the same configuration, so
    /// the shapes match; the run checks that, [`crate::RunSpec::set_warm_start`]). With
    /// `zero_readout` the transformer then starts as that classifier exactly.
    ///
    /// # Errors
    /// Any other pair of models, or a transformer without a fine path.
    pub fn warm_start(self, from: AnyModel) -> Result<Self> {
        match (self, from) {
            (AnyModel::Transformer(mut t), AnyModel::Attention(a)) if t.fine_path.is_some() => {
                t.fine_path = Some(a);
                Ok(AnyModel::Transformer(t))
            }
            (to, from) => Err(Error::config(
                "warm_start",
                format!(
                    "a `{}` cannot start a `{}` (only an attention classifier starts the SINr transformer's fine path)",
                    from.kind(),
                    to.kind()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_reuse_leaves_out_only_the_attention_classifier() {
        // The kind it names exists (a renamed kind would silently turn the exception off).
        assert!(ModelConfig::default_of("attention").is_some());
        assert!(!crate::keeps_large_blocks("attention"));
        for kind in ["transformer", "dense"] {
            assert!(ModelConfig::default_of(kind).is_some(), "{kind}");
            assert!(crate::keeps_large_blocks(kind), "{kind}");
        }
    }

    #[test]
    fn strict_parsing_and_validation() {
        let c: ModelConfig = serde_json::from_str(r#"{"kind":"transformer","layers":3}"#).unwrap();
        assert_eq!(
            c,
            ModelConfig::Transformer(TransformerConfig {
                layers: 3,
                ..Default::default()
            })
        );
        assert!(
            serde_json::from_str::<ModelConfig>(r#"{"kind":"transformer","layerz":3}"#).is_err()
        );
        assert!(serde_json::from_str::<ModelConfig>(r#"{"kind":"lstm"}"#).is_err());
        // The transformer's dropout: written only when set (configurations, and so the stamps
        // of runs, made before it had none), validated.
        let t = TransformerConfig::default();
        assert!(!serde_json::to_string(&t).unwrap().contains("dropout"));
        let c: TransformerConfig = serde_json::from_str(r#"{"dropout":0.2}"#).unwrap();
        assert_eq!(c.dropout, 0.2);
        assert!(
            serde_json::to_string(&c)
                .unwrap()
                .contains(r#""dropout":0.2"#)
        );
        assert!(!serde_json::to_string(&t).unwrap().contains("zero_readout"));
        let c: TransformerConfig = serde_json::from_str(r#"{"zero_readout":true}"#).unwrap();
        assert!(c.zero_readout);
        assert!(!serde_json::to_string(&t).unwrap().contains("input_norm"));
        let c: TransformerConfig = serde_json::from_str(r#"{"input_norm":true}"#).unwrap();
        assert!(c.input_norm);
        assert!(
            ModelConfig::Transformer(TransformerConfig { dropout: 1.0, ..t })
                .validate()
                .is_err()
        );
        // The n-gram weights: nested keys are strict too, and every field is checked by name.
        let c: ModelConfig =
            serde_json::from_str(r#"{"kind":"attention","ngrams":{"chars":[3,5]}}"#).unwrap();
        let ModelConfig::Attention(a) = &c else {
            panic!("attention")
        };
        let n = a.ngrams.clone().unwrap();
        assert!(n.unigrams && n.bigrams && n.tfidf && n.chars == Some([3, 5]));
        c.validate().unwrap();
        // Naive-Bayes scaling: off by default and then not written (the stamps of the runs made
        // before it do not change), written when set.
        assert!(!n.naive_bayes);
        assert!(!serde_json::to_string(&n).unwrap().contains("naive_bayes"));
        let nb = LexicalConfig {
            naive_bayes: true,
            ..n.clone()
        };
        assert!(
            serde_json::to_string(&nb)
                .unwrap()
                .contains(r#""naive_bayes":true"#)
        );
        assert!(
            serde_json::from_str::<ModelConfig>(r#"{"kind":"attention","ngrams":{"char":[3,5]}}"#)
                .is_err()
        );
        for (bad, field) in [
            (r#"{"buckets":0}"#, "ngrams.buckets"),
            (r#"{"scale":-1}"#, "ngrams.scale"),
            (r#"{"chars":[5,3]}"#, "ngrams.chars"),
            (r#"{"unigrams":false,"bigrams":false}"#, "ngrams"),
        ] {
            let c: ModelConfig =
                serde_json::from_str(&format!(r#"{{"kind":"attention","ngrams":{bad}}}"#)).unwrap();
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(field), "{bad}: {e}");
        }
        // A tagger's lexical features: a table (strict, its keys named), true or false.
        for (text, want) in [
            (r#""features":{"window":2}"#, Some(2)),
            (r#""features":true"#, Some(1)),
            (r#""features":false"#, None),
            (r#""features":null"#, None),
        ] {
            let c: ModelConfig =
                serde_json::from_str(&format!(r#"{{"kind":"transformer",{text}}}"#)).unwrap();
            let ModelConfig::Transformer(t) = &c else {
                panic!("transformer")
            };
            assert_eq!(t.features.as_ref().map(|f| f.window), want, "{text}");
        }
        // The dense baselines' taggers read the same table without the SINr word classes.
        for kind in ["dense", "cnn"] {
            for (text, want) in [
                ("", Some(false)),
                (r#","features":true"#, Some(false)),
                (r#","features":{"classes":true}"#, Some(true)),
                (r#","features":false"#, None),
            ] {
                let c: ModelConfig =
                    serde_json::from_str(&format!(r#"{{"kind":"{kind}"{text}}}"#)).unwrap();
                let f = c.tag_features().map(|f| f.classes);
                assert_eq!(f, want, "{kind}{text}");
            }
        }
        let e =
            serde_json::from_str::<ModelConfig>(r#"{"kind":"transformer","features":{"windw":2}}"#)
                .unwrap_err()
                .to_string();
        assert!(e.contains("windw"), "{e}");
        let e = serde_json::from_str::<ModelConfig>(
            r#"{"kind":"transformer","fine_path":{"sparsfy":2}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("sparsfy"), "{e}");
        // The ablation without the vectors needs something else to read; it is written only
        // when it is on.
        let c: ModelConfig =
            serde_json::from_str(r#"{"kind":"attention","communities":false}"#).unwrap();
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("communities")
        );
        let c: ModelConfig =
            serde_json::from_str(r#"{"kind":"attention","communities":false,"ngrams":{}}"#)
                .unwrap();
        c.validate().unwrap();
        assert_eq!(serde_json::to_value(&c).unwrap()["communities"], false);
        let plain = ModelConfig::default_of("attention").unwrap();
        assert!(
            serde_json::to_value(&plain)
                .unwrap()
                .get("communities")
                .is_none()
        );
        let bad = ModelConfig::Dense(DenseConfig {
            dim: 10,
            heads: 3,
            ..Default::default()
        });
        assert!(bad.validate().unwrap_err().to_string().contains("heads"));
    }

    #[test]
    fn every_kind_is_registered_once_by_its_name() {
        for &kind in ModelConfig::KINDS {
            let c = ModelConfig::default_of(kind).expect("a default");
            assert_eq!(c.kind(), kind);
            c.validate().unwrap();
            // The serialised tag is the kind.
            let v = serde_json::to_value(&c).unwrap();
            assert_eq!(v["kind"], kind);
        }
        assert!(ModelConfig::default_of("lstm").is_none());
    }
}
