//! Metrics of the evaluation framework, over plain slices: no model type, no burn.
//!
//! * [`rank`] — Spearman and Pearson correlation;
//! * [`similarity`] — word-similarity benchmarks with the reference's out-of-vocabulary policy;
//! * [`intrusion`] — DistRatio, automatic word intrusion;
//! * [`sparsity`] — non-zeros per word and per dimension;
//! * [`partition`] — agreement of two clusterings (normalised mutual information);
//! * [`task`] — accuracy, macro-F1, ROC-AUC, conlleval's strict span F1;
//! * [`interpretability`] — completeness, ERASER faithfulness and AOPC, agreement, compactness,
//!   stability, plausibility, attention entropy.

pub mod coherence;
pub mod interpretability;
pub mod intrusion;
pub mod partition;
pub mod rank;
pub mod significance;
pub mod similarity;
pub mod sparse;
pub mod sparsity;
pub mod task;

pub use coherence::WindowIndex;
pub use intrusion::{DistRatio, DistRatioConfig, dist_ratio, dist_ratio_of_labels};
pub use partition::normalized_mutual_information;
pub use rank::{pearson, spearman};
pub use significance::{Interval, Verdict, approximate_randomisation, bootstrap_interval};
pub use similarity::{OovPolicy, ScoredPairs, SimilarityScore, evaluate_similarity, score_pairs};
pub use sparse::CsrView;
pub use sparsity::{Sparsity, sparsity};
