//! `RUN/resources.json`: what training a run cost.

use serde::{Deserialize, Serialize};

use crate::file::{Document, required};
use crate::vocab::DeviceName;

/// Format version of [`Resources`].
pub const RESOURCES_VERSION: u32 = 1;

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
}

impl Document for Resources {
    const KIND: &'static str = "resources report";
    const VERSION: u32 = RESOURCES_VERSION;
    fn version(&self) -> u32 {
        self.version
    }
}
