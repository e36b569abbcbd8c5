//! The files that cross the process boundary: what the `sinr` binary writes and `cargo xtask`
//! (or any other program) reads, as serde types, so that both sides share one definition.
//!
//! * [`Evaluation`] — `sinr evaluate`: a run's scores on a split;
//! * [`Resources`] — `RUN/resources.json`: what training a run cost;
//! * [`EmbeddingRun`] — `sinr embed train --report`: what training embeddings did and cost;
//! * [`Explanation`] — `sinr explain --json`: the exact split of a prediction;
//! * [`ClassificationAnalysis`], [`TaggingAnalysis`] — `sinr analyze`: how faithful, compact
//!   and plausible the explanations are;
//! * the vocabularies they use: [`TaskKind`], [`ComponentKind`], [`Method`], [`Split`];
//! * [`log_odds_weights`]: the decision quantity that importances explain.
//!
//! Every document has a format version ([`Document::VERSION`]); every struct denies unknown
//! fields, and no field has a default, so a missing or unknown field is an error that names the
//! file ([`read`]), never a silent NaN in a table. No burn here: a program that reads results
//! does not compile a deep-learning framework.
//!
//! # Example
//!
//! ```
//! use sinr_schema::{ClassificationScores, Evaluation, Scores, Split};
//!
//! let labels = vec!["negative".to_owned(), "positive".to_owned()];
//! let scores = ClassificationScores::compute(&[0, 1, 1], &[vec![0.9, 0.1], vec![0.2, 0.8], vec![0.6, 0.4]], &labels, 0);
//! assert!((scores.accuracy - 2.0 / 3.0).abs() < 1e-12);
//! let e = Evaluation::new(Split::Test, "attention", 10, 0.5, Scores::Classify(scores));
//! let dir = tempfile::tempdir().expect("a temporary directory");
//! let path = dir.path().join("test.json");
//! sinr_schema::write(&path, &e)?;
//! assert_eq!(sinr_schema::read::<Evaluation>(&path)?, e);
//! # Ok::<(), sinr_schema::Error>(())
//! ```

mod analysis;
mod embedding;
mod error;
mod evaluation;
mod explanation;
mod file;
mod resources;
mod vocab;

pub use analysis::{
    ANALYSIS_VERSION, AnalysedExample, AnalysedSentence, ClassificationAnalysis, EntityAttribution,
    ExampleAnalysis, HEAD_PATTERN_KEYS, HEAD_PATTERN_NAMES, MemoryProfile, MemoryWrite,
    NEGATION_SCOPE, NEGATORS, REFERENCE_TEXTS, SHARP_BELOW, TaggingAnalysis, TokenActivation,
    head_pattern_name, log_odds_of, log_odds_weights, mean_components, reference_offset,
    reference_shares, reference_terms,
};
pub use embedding::{EMBEDDING_RUN_VERSION, EmbeddingRun};
pub use error::{Error, Result};
pub use evaluation::{
    ClassScores, ClassificationScores, EVALUATION_VERSION, Evaluation, Metric, Outcome, Scores,
    SpanCounts, TaggingScores, TypeScores,
};
pub use explanation::{
    AttentionMaps, Component, ComponentKind, ComponentTerm, EXPLANATION_VERSION, Explanation,
    OutputExplanation, REFERENCE_VERSION, Reference, TransitionScore,
};
pub use file::{Document, read, read_version, write};
pub use resources::{NgramCollisions, RESOURCES_VERSION, Resources};
pub use vocab::{DeviceName, Method, Split, TaskKind};
