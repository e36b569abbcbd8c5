//! Interpretable text classifiers on SINr embeddings: model assembly from serde configs,
//! training, inference and exact explanations.
//!
//! * [`config`] — model and training configurations;
//! * [`data`] — texts and tagged sentences to padded batches;
//! * [`models`] — the attention classifier, the SINr transformer, the hierarchical model, the
//!   dense baseline;
//! * [`train`] — the training loop (Adam, clipping, early stopping, checkpoints, resume);
//! * [`explain`] — exact additive explanations;
//! * [`run`] — run directories: train, load, predict, explain;
//! * [`device`] — choosing a backend by name (binaries only).

pub mod analysis;
pub mod config;
pub mod data;
pub mod device;
mod error;
pub mod explain;
pub mod input;
pub mod models;
pub mod run;
pub mod train;

pub use burn::prelude::Device;
pub use config::{
    AttentionConfig, DenseConfig, HierarchicalConfig, LexicalConfig, ModelConfig, TrainConfig,
    TransformerConfig,
};
pub use data::{Batch, Encoder, Example, LexicalBatch, TaskKind, make_batch};
pub use device::{compiled_backends, device_from_name};
pub use error::{Error, Result};
pub use explain::{Explanation, OutputExplanation};
pub use run::{AnyModel, LoadedRun, RunSpec, load_run, load_spec, train_run};
pub use train::{EpochMetrics, TrainState, decode_tags, evaluate, fit};
