//! Interpretable text classifiers on SINr embeddings: model assembly from serde configs,
//! training, inference and exact explanations.
//!
//! * [`models`] — one file per model (its configuration, forward pass and exact explanation):
//!   the attention classifier, the SINr transformer, the hierarchical model, the dense
//!   baseline, behind the [`Model`] trait, dispatched by [`AnyModel`];
//! * [`config`] — the training configuration;
//! * [`data`] — texts and tagged sentences to padded batches;
//! * [`train`] — the training loop (Adam, clipping, early stopping, checkpoints, resume);
//! * [`explain`] — labelling exact explanations for people;
//! * [`export`] — a trained model's parameters as a safetensors file;
//! * [`analysis`] — measuring explanations (faithfulness, agreement, plausibility);
//! * [`evaluation`] — scoring a run on a split;
//! * [`recommended`] — what `sinr train` trains when it is not told;
//! * [`run`] — run directories: train, load, predict, explain;
//! * [`device`] — choosing a backend by name (binaries only).

pub mod analysis;
pub mod card;
pub mod config;
pub mod data;
pub mod device;
mod error;
pub mod evaluation;
pub mod explain;
pub mod export;
pub mod features;
pub mod input;
pub mod models;
pub mod recommended;
pub mod run;
pub mod train;

pub use burn::prelude::Device;
pub use config::{
    Batching, LENGTH_POOL, Optimizer, Schedule, TrainConfig, Truncation, keeps_large_blocks,
};
pub use data::{Batch, EncodedTask, Encoder, Example, History, LexicalBatch, make_batch};
pub use device::{compiled_backends, device_from_name};
pub use error::{Error, Result};
pub use features::{DocumentIndex, Gazetteer, TagFeatures};
pub use models::{
    AnyModel, AttentionConfig, CnnConfig, Config, DenseConfig, HierarchicalConfig, LexicalConfig,
    Model, ModelConfig, TransformerConfig,
};
pub use recommended::{recommended_model, recommended_model_json};
pub use run::{LoadedRun, RunSpec, load_run, load_spec, resources, train_run};
pub use sinr_schema::{Explanation, OutputExplanation, TaskKind};
pub use train::{EpochMetrics, TrainState, bio_crf, decode_tags, evaluate, fit};
