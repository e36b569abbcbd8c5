//! The training configuration (serde, strict: unknown keys are errors). Each model's own
//! configuration lives in its file ([`crate::models`]).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Training parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Maximum epochs.
    pub epochs: usize,
    /// Examples per batch.
    pub batch_size: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Gradient clipping by global norm.
    pub grad_clip: Option<f64>,
    /// Stop after this many epochs without a better dev score.
    pub patience: usize,
    /// Weight the loss by inverse class frequency (for unbalanced sets).
    pub class_weights: bool,
    /// Longest input in tokens (longer texts are truncated).
    pub max_len: usize,
    /// Seed of initialisation and shuffling.
    pub seed: u64,
    /// Stop an epoch after this many batches (`None`: the whole training set); for quick runs.
    pub max_batches_per_epoch: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 32,
            learning_rate: 3e-3,
            grad_clip: Some(1.0),
            patience: 3,
            class_weights: false,
            max_len: 256,
            seed: 42,
            max_batches_per_epoch: None,
        }
    }
}

impl TrainConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(Error::config("epochs", "must be at least 1"));
        }
        if self.batch_size == 0 {
            return Err(Error::config("batch_size", "must be at least 1"));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::config(
                "learning_rate",
                "must be a finite number > 0",
            ));
        }
        if self.grad_clip.is_some_and(|g| !(g.is_finite() && g > 0.0)) {
            return Err(Error::config("grad_clip", "must be a finite number > 0"));
        }
        if self.max_len == 0 {
            return Err(Error::config("max_len", "must be at least 1"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parsing_and_validation() {
        let c: TrainConfig = serde_json::from_str(r#"{"epochs": 3}"#).unwrap();
        assert_eq!(c.epochs, 3);
        assert!(serde_json::from_str::<TrainConfig>(r#"{"epochz": 3}"#).is_err());
        let bad = TrainConfig {
            learning_rate: -1.0,
            ..Default::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("learning_rate")
        );
    }
}
