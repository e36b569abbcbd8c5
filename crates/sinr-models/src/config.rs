//! The training configuration (serde, strict: unknown keys are errors). Each model's own
//! configuration lives in its file ([`crate::models`]).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum), value(rename_all = "lower"))]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    /// Adam (Kingma & Ba 2015).
    #[default]
    Adam,
    /// AdamW: Adam with decoupled weight decay.
    AdamW,
}

/// How the learning rate moves over training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// The same rate at every step.
    #[default]
    Constant,
    /// A linear warm-up from 0, then a linear decay to 0 at the last planned step (the
    /// schedule of BERT-style fine-tuning).
    Linear,
}

impl TrainConfig {
    /// The learning rate of step `step` (from 0) of `total` planned steps.
    pub fn rate_at(&self, step: usize, total: usize) -> f64 {
        match self.schedule {
            Schedule::Constant => self.learning_rate,
            Schedule::Linear => {
                let total = total.max(1) as f64;
                let warm = (self.warmup * total).round().max(1.0);
                let s = step as f64 + 1.0;
                let f = if s <= warm {
                    s / warm
                } else {
                    ((total - s) / (total - warm).max(1.0)).max(0.0)
                };
                self.learning_rate * f
            }
        }
    }
}

/// Which tokens of a text longer than `max_len` a model reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(
    feature = "clap",
    derive(clap::ValueEnum),
    value(rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum Truncation {
    /// The first `max_len`.
    #[default]
    Head,
    /// The first quarter of `max_len` and the last three quarters (Sun et al. 2019's head +
    /// tail for long reviews, whose verdict is often at the end). N-gram features follow the
    /// kept tokens (a bigram keeps the raw word before its token).
    HeadTail,
}

/// How an epoch's examples are grouped into batches. A batch is padded to its longest
/// example, so grouping examples of similar length saves the padded positions' work (IMDB's
/// reviews at 512 tokens: about half the positions of a shuffled batch are padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(
    feature = "clap",
    derive(clap::ValueEnum),
    value(rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum Batching {
    /// Consecutive runs of the epoch's shuffled order.
    #[default]
    Shuffled,
    /// The epoch's shuffled order cut into pools of [`LENGTH_POOL`] batches, each pool sorted
    /// by length and cut into batches, and the batches shuffled (the bucketing of Khomenko et
    /// al. 2016 and of torchtext's `BucketIterator`): the same examples once per epoch, the
    /// same number of batches, batches of similar lengths.
    ByLength,
}

/// Whether a configuration field is at its type's default, for `skip_serializing_if`: a field
/// added after runs were made is left out of written configurations at its default, so the
/// stamps of those runs do not change.
pub(crate) fn is_default<T: Default + PartialEq>(x: &T) -> bool {
    *x == T::default()
}

/// Whether a program training a model of this kind (`ModelConfig::kind`) should keep large freed
/// blocks in the heap (`sinr_util::reuse_large_blocks`): every kind but the attention classifier,
/// whose steps it does not speed up and whose peak memory it raised by 400–700 MiB on RT
/// (`docs/performance.md`). `sinr train` and `peer-step` both ask here.
pub fn keeps_large_blocks(kind: &str) -> bool {
    kind != "attention"
}

/// Batches per pool of [`Batching::ByLength`].
pub const LENGTH_POOL: usize = 50;

impl Batching {
    /// `true` for the default (a configuration leaves it out).
    pub fn is_default(&self) -> bool {
        *self == Batching::default()
    }
}

/// Training parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Maximum epochs.
    pub epochs: usize,
    /// Examples per batch.
    pub batch_size: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// The optimiser: Adam, or AdamW (Loshchilov & Hutter 2019: Adam with decoupled weight
    /// decay).
    pub optimizer: Optimizer,
    /// AdamW's decoupled weight decay (0 for Adam).
    pub weight_decay: f64,
    /// The learning rate's schedule over the planned steps (`epochs` × batches per epoch).
    pub schedule: Schedule,
    /// With a linear schedule: the share of the planned steps over which the rate rises from 0
    /// (warm-up), before it falls linearly to 0.
    pub warmup: f64,
    /// Gradient clipping by global norm.
    pub grad_clip: Option<f64>,
    /// Stop after this many epochs without a better dev score.
    pub patience: usize,
    /// Weight the loss by inverse class frequency (for unbalanced sets).
    pub class_weights: bool,
    /// Longest input in tokens (longer texts are truncated).
    pub max_len: usize,
    /// Which part of a longer text is kept.
    pub truncation: Truncation,
    /// Clean web text before tokenising a text: drop URLs, e-mail addresses and @handles,
    /// split #hashtags into words ([`sinr_embed::clean_web_text`]). On by default; runs made
    /// before it existed read `false` (their texts were read raw).
    #[serde(default)]
    pub web_text: bool,
    /// How an epoch's examples are grouped into batches (left out when shuffled, so the
    /// configurations written before it existed read the same).
    #[serde(default, skip_serializing_if = "Batching::is_default")]
    pub batching: Batching,
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
            optimizer: Optimizer::Adam,
            weight_decay: 0.0,
            schedule: Schedule::Constant,
            warmup: 0.0,
            grad_clip: Some(1.0),
            truncation: Truncation::Head,
            web_text: true,
            batching: Batching::Shuffled,
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
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(Error::config("weight_decay", "must be a finite number ≥ 0"));
        }
        if self.weight_decay > 0.0 && self.optimizer != Optimizer::AdamW {
            return Err(Error::config(
                "weight_decay",
                "is AdamW's decoupled weight decay: set `optimizer` to `adamw`",
            ));
        }
        if !(0.0..1.0).contains(&self.warmup) {
            return Err(Error::config(
                "warmup",
                "must be a share of the steps in [0, 1)",
            ));
        }
        if self.warmup > 0.0 && self.schedule != Schedule::Linear {
            return Err(Error::config(
                "warmup",
                "needs `schedule` `linear` (a constant rate has no warm-up)",
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
    fn linear_schedule_warms_up_then_decays_to_zero() {
        let c = TrainConfig {
            learning_rate: 1.0,
            schedule: Schedule::Linear,
            warmup: 0.1,
            ..Default::default()
        };
        // 100 steps: 10 of warm-up to the peak, then down to 0 at the last.
        assert!((c.rate_at(0, 100) - 0.1).abs() < 1e-12);
        assert_eq!(c.rate_at(9, 100), 1.0);
        assert!((c.rate_at(54, 100) - 0.5).abs() < 1e-12);
        assert_eq!(c.rate_at(99, 100), 0.0);
        assert_eq!(TrainConfig::default().rate_at(99, 100), 3e-3);
        // Weight decay is AdamW's, and warm-up the linear schedule's.
        let bad = TrainConfig {
            weight_decay: 0.01,
            ..Default::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("weight_decay")
        );
        let bad = TrainConfig {
            warmup: 0.1,
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("warmup"));
        let ok = TrainConfig {
            optimizer: Optimizer::AdamW,
            weight_decay: 0.01,
            schedule: Schedule::Linear,
            warmup: 0.1,
            ..Default::default()
        };
        ok.validate().unwrap();
        let json = serde_json::to_string(&ok).unwrap();
        assert!(json.contains(r#""optimizer":"adamw""#) && json.contains(r#""schedule":"linear""#));
    }

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
