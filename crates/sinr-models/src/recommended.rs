//! What `sinr train` trains when it is not told: the best measured model of each task kind, and
//! the training the task tables give each kind of model.
//!
//! The values are those of `experiments.toml` (`[recommended]`, and the full setting's training
//! group of each model kind, with its overrides that apply to every task); a test of xtask checks
//! that the two agree, so the defaults cannot drift from the tables.

use crate::config::{Optimizer, Schedule, TrainConfig, Truncation};
use crate::models::ModelConfig;
use sinr_schema::TaskKind;

/// The recommended model of a task kind, as the JSON of its configuration (the fields other
/// than the kind's defaults), as `experiments.toml` writes it.
pub fn recommended_model_json(kind: TaskKind) -> &'static str {
    match kind {
        // The best interpretable model on insults and IMDB (quick), 0.6 points under the
        // transformer with n-grams on RT with overlapping intervals (experiments.toml says
        // which numbers): each word's 1,000 strongest communities, a mean-pooled read-out
        // beside the task-vector attention, hashed word n-grams over TF-IDF.
        TaskKind::Classify => {
            r#"{"kind":"attention","sparsify":1000,"mean_pooling":true,"ngrams":{}}"#
        }
        // The SINr transformer tagger: window 2, fine level 0, lexical features, CRF (its
        // defaults are CoNLL-2003's best on dev).
        TaskKind::Tag => r#"{"kind":"transformer"}"#,
    }
}

/// The recommended model of a task kind.
pub fn recommended_model(kind: TaskKind) -> ModelConfig {
    serde_json::from_str(recommended_model_json(kind)).expect("the recommended config parses")
}

/// The groups of training of `experiments.toml`.
fn group_of(model_kind: &str) -> Group {
    match model_kind {
        "attention" | "hierarchical" => Group::Linear,
        "dense" | "cnn" => Group::Dense,
        _ => Group::Deep,
    }
}

#[derive(Clone, Copy)]
enum Group {
    Linear,
    Deep,
    Dense,
}

impl TrainConfig {
    /// The training the full task tables give a model kind (`attention`, `hierarchical`: 15
    /// epochs at 0.03 with Adam; `transformer`: AdamW 0.01 with weight decay 0.01, 10 %
    /// warm-up then linear decay; `dense`, `cnn`: AdamW as the field trains them from scratch),
    /// each with patience 3 and 512 tokens. The fields the tables leave alone keep
    /// [`TrainConfig::default`]'s values.
    pub fn recommended_for(model_kind: &str) -> Self {
        let base = TrainConfig {
            epochs: 15,
            patience: 3,
            max_len: 512,
            ..TrainConfig::default()
        };
        match group_of(model_kind) {
            Group::Linear => TrainConfig {
                learning_rate: 0.03,
                ..base
            },
            Group::Deep => TrainConfig {
                learning_rate: 0.01,
                optimizer: Optimizer::AdamW,
                weight_decay: 0.01,
                schedule: Schedule::Linear,
                warmup: 0.1,
                truncation: Truncation::HeadTail,
                ..base
            },
            Group::Dense => TrainConfig {
                // Kim's CNN at Adam's usual rate, the transformer at a transformer's.
                learning_rate: if model_kind == "cnn" { 1e-3 } else { 5e-4 },
                optimizer: Optimizer::AdamW,
                weight_decay: 0.01,
                schedule: Schedule::Linear,
                warmup: 0.1,
                truncation: Truncation::HeadTail,
                ..base
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recommended_models_parse_and_validate() {
        for kind in [TaskKind::Classify, TaskKind::Tag] {
            let m = recommended_model(kind);
            m.validate().unwrap();
        }
        assert_eq!(recommended_model(TaskKind::Classify).kind(), "attention");
        assert_eq!(recommended_model(TaskKind::Tag).kind(), "transformer");
        for &kind in ModelConfig::KINDS {
            TrainConfig::recommended_for(kind).validate().unwrap();
        }
    }
}
