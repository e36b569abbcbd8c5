//! The small vocabularies the documents share.

use serde::{Deserialize, Serialize};

/// What a task predicts: one label per text, or one tag per token. One name for the concept
/// everywhere: the `--task` flag, run descriptions, experiment files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    /// One label per text (polarity, offensive content, any labelled CSV or TSV).
    #[serde(alias = "sequence")]
    Classify,
    /// One tag per token (named entities: BIO tags in a CoNLL file).
    #[serde(alias = "token")]
    Tag,
}

impl TaskKind {
    /// `classify` or `tag`.
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::Classify => "classify",
            TaskKind::Tag => "tag",
        }
    }
}

/// A split of a data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Training examples.
    Train,
    /// Development examples (model selection, early stopping).
    Dev,
    /// Test examples (reported only).
    Test,
}

/// A device the classifiers run on (each needs its cargo feature compiled in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum DeviceName {
    /// The default CPU backend (`flex` where compiled in, else `ndarray`).
    Cpu,
    /// burn's flex CPU backend.
    Flex,
    /// burn's ndarray CPU backend (deprecated by burn, kept for comparison).
    Ndarray,
    /// Any GPU through wgpu (Vulkan, Metal, DirectX).
    Wgpu,
    /// An NVIDIA GPU through CUDA.
    Cuda,
}

impl DeviceName {
    /// Every device name.
    pub const ALL: [DeviceName; 5] = [
        DeviceName::Cpu,
        DeviceName::Flex,
        DeviceName::Ndarray,
        DeviceName::Wgpu,
        DeviceName::Cuda,
    ];

    /// The name on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            DeviceName::Cpu => "cpu",
            DeviceName::Flex => "flex",
            DeviceName::Ndarray => "ndarray",
            DeviceName::Wgpu => "wgpu",
            DeviceName::Cuda => "cuda",
        }
    }
}

impl std::fmt::Display for DeviceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A way of scoring how much each token matters to a prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Method {
    /// The model's exact contributions (interpretable models).
    #[serde(rename = "exact")]
    Exact,
    /// The attention weights of the task-vector pooling.
    #[serde(rename = "attention")]
    Attention,
    /// The gradient of the decision with respect to the token vectors, dotted with them.
    #[serde(rename = "gradient×input")]
    GradientTimesInput,
    /// The drop of the predicted probability when the token is removed.
    #[serde(rename = "leave-one-out")]
    LeaveOneOut,
    /// A seeded random ranking (calibration).
    #[serde(rename = "random")]
    Random,
}

impl Method {
    /// Every method, in the order of the tables.
    pub const ALL: [Method; 5] = [
        Method::Exact,
        Method::Attention,
        Method::GradientTimesInput,
        Method::LeaveOneOut,
        Method::Random,
    ];

    /// The name in files and tables.
    pub fn name(self) -> &'static str {
        match self {
            Method::Exact => "exact",
            Method::Attention => "attention",
            Method::GradientTimesInput => "gradient×input",
            Method::LeaveOneOut => "leave-one-out",
            Method::Random => "random",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serialised_names() {
        for m in Method::ALL {
            assert_eq!(
                serde_json::to_string(&m).unwrap(),
                format!("\"{}\"", m.name())
            );
        }
        for d in DeviceName::ALL {
            assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{d}\""));
        }
        for t in [TaskKind::Classify, TaskKind::Tag] {
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.name())
            );
        }
        // Runs described before the names were unified still read.
        assert_eq!(
            serde_json::from_str::<TaskKind>("\"sequence\"").unwrap(),
            TaskKind::Classify
        );
        assert_eq!(
            serde_json::from_str::<TaskKind>("\"token\"").unwrap(),
            TaskKind::Tag
        );
    }

    #[test]
    fn methods_key_maps() {
        let m: std::collections::BTreeMap<Method, f64> =
            serde_json::from_str(r#"{"gradient×input": 1.0, "exact": 2.0}"#).unwrap();
        assert_eq!(m[&Method::GradientTimesInput], 1.0);
        assert!(
            serde_json::from_str::<std::collections::BTreeMap<Method, f64>>(r#"{"saliency": 1.0}"#)
                .is_err()
        );
    }
}
