//! Interpretable layers on burn that never leave the SINr community space.
//!
//! The trained layers are `Config` + `Module` pairs ([`TaskAttention`], [`SinrAttention`],
//! [`KeyValueMemory`], [`Readout`]); the frozen embedding and the hierarchy levels, whose shapes
//! and weights come from the embeddings, are built with `new`. Every layer documents its shapes
//! and can give, besides
//! its output, what makes its output decomposable: attention weights and ReLU gates, which the
//! explanation treats as constants of the example (Mickus et al. 2022), and a `decompose` method
//! that applies the layer, with those constants fixed, to a stack of parts of its input. Given
//! them, every layer is linear, so the logit of a prediction splits exactly into contributions of
//! tokens, heads, memories and communities (see `sinr-models`' `explain`).
//!
//! * [`SinrEmbedding`] — frozen token vectors read from the sparse SINr matrix (padded COO);
//! * [`TaskAttention`] — a learned task vector in the input space (Bahdanau-style pooling);
//! * [`SinrAttention`] — heads with signed low-rank scores, relative-position biases and signed
//!   diagonal values in the community basis;
//! * [`KeyValueMemory`] — feed-forward key-value memories (Geva et al.) in the SINr space;
//! * [`HierarchyLevel`] — masked layers along the Louvain dendrogram (Deep GONet-style);
//! * [`Readout`] — the linear read-out to classes, optionally non-negative, with L1;
//! * [`LinearChainCrf`] — transition scores between tags, trained by the forward algorithm and
//!   decoded by Viterbi under a scheme's constraints ([`CrfScores`] on the host).

pub mod attention;
pub mod crf;
pub mod embedding;
pub mod hierarchy;
pub mod init;
pub mod memory;
pub mod readout;
pub mod task_attention;

pub use attention::{AttentionTrace, SinrAttention, SinrAttentionConfig};
pub use crf::{CrfScores, LinearChainCrf, TransitionTerm};
pub use embedding::{PaddedRows, SinrEmbedding, SparseTokens};
pub use hierarchy::HierarchyLevel;
pub use init::InitRng;
pub use memory::{KeyValueMemory, KeyValueMemoryConfig};
pub use readout::{Readout, ReadoutConfig};
pub use task_attention::{PAD_SCORE, TaskAttention, TaskAttentionConfig, masked_softmax};

/// Reads a float tensor back to the host.
pub fn to_vec<const D: usize>(t: burn::prelude::Tensor<D>) -> Vec<f32> {
    t.into_data()
        .try_into_vec_as::<f32>()
        .expect("float tensor")
}

/// Reads an integer tensor back to the host.
pub fn to_vec_int<const D: usize>(t: burn::prelude::Tensor<D, burn::prelude::Int>) -> Vec<i64> {
    t.into_data().try_into_vec_as::<i64>().expect("int tensor")
}
