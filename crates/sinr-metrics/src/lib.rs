//! Metrics of the evaluation framework, over plain slices: no model type, no burn.
//!
//! * [`partition`] — agreement of two clusterings (normalised mutual information).

pub mod partition;

pub use partition::normalized_mutual_information;
