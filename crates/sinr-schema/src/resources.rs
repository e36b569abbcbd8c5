//! `RUN/resources.json`: what training a run cost.

use serde::{Deserialize, Serialize};

use crate::file::{Document, required};
use crate::vocab::DeviceName;

/// Format version of [`Resources`]. 2: how the hashed n-gram features share their buckets.
pub const RESOURCES_VERSION: u32 = 2;

/// What training a run cost on its machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// [`RESOURCES_VERSION`].
    pub version: u32,
    /// Mean seconds of training per epoch (this process's epochs and any resumed ones).
    pub seconds_per_epoch: f64,
    /// Epochs done.
    pub epochs: usize,
    /// Peak resident memory of the training process, KiB (`null` where the system does not
    /// say).
    #[serde(deserialize_with = "required")]
    pub peak_rss_kib: Option<u64>,
    /// Trainable parameters.
    pub parameters: usize,
    /// The device.
    pub device: DeviceName,
    /// Worker threads.
    pub threads: usize,
    /// How the training texts' hashed n-gram features share the buckets (models with n-gram
    /// weights; `null` for the others).
    #[serde(deserialize_with = "required")]
    pub ngram_collisions: Option<NgramCollisions>,
}

/// How distinct hashed features share a table of buckets: the features that land in a bucket
/// another feature also lands in share one weight (a collision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NgramCollisions {
    /// Distinct features seen in the training texts.
    pub features: usize,
    /// Buckets of the table.
    pub buckets: usize,
    /// Buckets at least one feature lands in.
    pub buckets_used: usize,
    /// Features whose bucket holds another distinct feature too.
    pub colliding_features: usize,
}

impl NgramCollisions {
    /// The collision rate: the share of the distinct features that share their bucket.
    pub fn rate(&self) -> f64 {
        self.colliding_features as f64 / self.features.max(1) as f64
    }
}

impl Document for Resources {
    const KIND: &'static str = "resources report";
    const VERSION: u32 = RESOURCES_VERSION;
    fn version(&self) -> u32 {
        self.version
    }
}
