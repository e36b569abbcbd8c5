//! The lexical-feature table of the taggers ([`TagFeatures`]): where a batch's features are
//! read, and the tag scores their weights add. The SINr transformer reads it beside its stream,
//! the dense baselines beside their encoders, so that both sides of a comparison see the same
//! words as written, affixes and shapes.

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::{Distribution, IndexingUpdateOp};
use sinr_nn::{to_vec, to_vec_int};

use crate::data::Batch;
use crate::features::TagFeatures;

/// One read of a lexical feature: its bucket at its offset, the flat output position `b·T + p`,
/// the example `b`, the feature's index in its example, and its token `q`.
pub(crate) type FeatureRead = (u32, usize, usize, usize, usize);

/// A `[buckets, C]` weight table for `f`, at zero (a model with it starts as the one without).
pub(crate) fn zero_weights(f: &TagFeatures, classes: usize, device: &Device) -> Param<Tensor<2>> {
    Param::from_tensor(Tensor::zeros([f.buckets, classes], device))
}

/// Where the batch's lexical features are read: one [`FeatureRead`] for every feature of token
/// `q` read by position `p = q − d` of its sentence, `d` an offset of the window.
pub(crate) fn feature_reads(f: &TagFeatures, batch: &Batch) -> Vec<FeatureRead> {
    let Some(lex) = &batch.lexical else {
        return Vec::new();
    };
    let [b, t] = batch.mask.dims();
    let [_, nf] = lex.buckets.dims();
    let pad = to_vec(batch.mask.clone().float());
    let lens: Vec<usize> = (0..b)
        .map(|i| {
            pad[i * t..(i + 1) * t]
                .iter()
                .filter(|&&x| x == 0.0)
                .count()
        })
        .collect();
    let buckets = to_vec_int(lex.buckets.clone());
    let positions = to_vec_int(lex.positions.clone());
    let counts = to_vec(lex.counts.clone());
    let offsets = f.offsets();
    let mut out = Vec::new();
    for (bi, &len) in lens.iter().enumerate() {
        for fi in 0..nf {
            let at = bi * nf + fi;
            if counts[at] <= 0.0 {
                continue;
            }
            let q = positions[at] as isize;
            for (j, d) in offsets.iter().enumerate() {
                let p = q - d;
                if (0..len as isize).contains(&p) {
                    out.push((
                        f.at_offset(buckets[at] as u32, j),
                        bi * t + p as usize,
                        bi,
                        fi,
                        q as usize,
                    ));
                }
            }
        }
    }
    out
}

/// `scores` (`[B, T, C]`) plus what the batch's features add: for every read, its bucket's row
/// of `weights` (`[buckets, C]`) at its position. Unchanged for a model without a table, or
/// when nothing is read.
pub(crate) fn add_feature_scores(
    scores: Tensor<3>,
    weights: Option<&Param<Tensor<2>>>,
    f: Option<&TagFeatures>,
    batch: &Batch,
) -> Tensor<3> {
    let (Some(weights), Some(f)) = (weights, f) else {
        return scores;
    };
    let reads = feature_reads(f, batch);
    if reads.is_empty() {
        return scores;
    }
    let [b, t, c] = scores.dims();
    let device = scores.device();
    let n = reads.len();
    let idx = |v: Vec<i64>| Tensor::<1, Int>::from_data(TensorData::new(v, [n]), &device);
    let mut rows = weights
        .val()
        .select(0, idx(reads.iter().map(|r| i64::from(r.0)).collect()));
    // Feature dropout: only where a backward pass follows (training), as burn's `Dropout`.
    if f.dropout > 0.0 && device.is_autodiff() {
        let keep = 1.0 - f.dropout;
        let mask = Tensor::<2>::random([n, 1], Distribution::Bernoulli(keep), &device);
        rows = rows * (mask / keep);
    }
    let to = idx(reads.iter().map(|r| r.1 as i64).collect());
    scores
        + Tensor::<2>::zeros([b * t, c], &device)
            .select_assign(0, to, rows, IndexingUpdateOp::Add)
            .reshape([b, t, c])
}

/// The L2 penalty on a model's table, if it has one and `f` asks for it.
pub(crate) fn feature_penalty(
    weights: Option<&Param<Tensor<2>>>,
    f: Option<&TagFeatures>,
) -> Option<Tensor<1>> {
    match (weights, f) {
        (Some(w), Some(f)) if f.l2 > 0.0 => Some(w.val().powi_scalar(2).sum() * f.l2),
        _ => None,
    }
}

/// The lexical features of the dense baselines' taggers: the SINr tagger's defaults without its
/// word classes (SINr communities), so that a dense baseline reads nothing of SINr.
pub fn dense_tag_features() -> TagFeatures {
    TagFeatures {
        classes: false,
        ..TagFeatures::default()
    }
}

/// Reads a dense baseline's `features`: a configuration, `true` ([`dense_tag_features`]),
/// `false` or `null` (none).
pub(crate) fn dense_features_or_flag<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<TagFeatures>, D::Error> {
    d.deserialize_any(super::transformer::TableOrFlag(dense_tag_features))
}
