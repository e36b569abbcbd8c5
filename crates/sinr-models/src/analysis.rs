//! Measuring explanations (DESIGN.md §5): for one example, the token importances of several
//! methods, and how faithful, compact and plausible they are.
//!
//! Methods: the model's exact contributions to the predicted class's log-odds (interpretable
//! models; see [`log_odds_weights`]), its attention weights (task-vector pooling), gradient ×
//! input (the gradient of the same log-odds with respect to the token vectors, dotted with them), leave-one-out (the drop of the predicted probability
//! when a token is removed), and a seeded random ranking (calibration). The same post-hoc methods
//! apply to the dense baseline, which has no exact split.

use std::collections::BTreeMap;

use burn::prelude::*;
use serde::{Deserialize, Serialize};
use sinr_metrics::interpretability as im;
use sinr_nn::to_vec;
use sinr_util::softmax;

use crate::data::{Example, TaskKind, make_batch};
use crate::error::{Error, Result};
use crate::models::AttentionClassifier;
use crate::run::{AnyModel, RunSpec};

/// Token importances of one example, by method (each a score per token, larger = more in favour
/// of the predicted class).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExampleAnalysis {
    /// Predicted class.
    pub predicted: usize,
    /// Gold class.
    pub gold: usize,
    /// Probability of the predicted class.
    pub probability: f64,
    /// Tokens.
    pub tokens: Vec<String>,
    /// `method → importance per token`.
    pub importances: BTreeMap<String, Vec<f64>>,
    /// `method → [comprehensiveness at each ERASER fraction]`.
    pub comprehensiveness: BTreeMap<String, Vec<f64>>,
    /// `method → [sufficiency at each ERASER fraction]`.
    pub sufficiency: BTreeMap<String, Vec<f64>>,
    /// `|logit − Σ contributions|` relative, exact models only.
    pub completeness_error: Option<f64>,
    /// Tokens needed to cover 90 % of the absolute token contributions (exact models).
    pub tokens_for_90: Option<usize>,
    /// Communities needed to cover 90 % of the absolute community contributions (exact models).
    pub communities_for_90: Option<usize>,
    /// The ten communities with the largest absolute contribution to the prediction.
    pub top_communities: Vec<u32>,
    /// `component kind (embedding, heads, memories, biases, levels) → share of the absolute
    /// component contributions`.
    pub component_shares: BTreeMap<String, f64>,
    /// Mean attention entropy (nats) of every head, `layer l head h → entropy`.
    pub head_entropy: BTreeMap<String, f64>,
    /// Mean attention of every head to the query position itself.
    pub head_self_attention: BTreeMap<String, f64>,
    /// The attention classifier's n-gram weights by feature: `(index of the feature in the
    /// example's lexical features, its term for every class)`, the 30 largest for the
    /// prediction ([`crate::OutputExplanation::lexical`]); whoever has the text names them
    /// ([`crate::Encoder::lexical_names`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lexical: Vec<(u32, Vec<f32>)>,
}

/// Probabilities of class `c` for every subset of tokens given by `masks` (true = kept).
fn probs_of_subsets(
    model: &AnyModel,
    ex: &Example,
    masks: &[Vec<bool>],
    c: usize,
    device: &Device,
) -> Vec<f64> {
    let subsets: Vec<Example> = masks
        .iter()
        .map(|keep| ex.subset(keep, TaskKind::Sequence))
        .collect();
    model
        .predict(&subsets, TaskKind::Sequence, 64, device)
        .iter()
        .map(|l| softmax(l)[c])
        .collect()
}

/// Version of what [`analyse_example`] computes; caches of older versions must be redone.
/// 2: token importances (exact contributions and gradient × input) explain the predicted
/// class's log-odds instead of its logit. 3: tagging analyses take the tags of the best valid
/// BIO path ([`crate::decode_tags`]) instead of each position's argmax. 4: the component
/// shares count the attention classifier's word and n-gram weights as `lexical`
/// ([`crate::explain::ComponentKind`]) instead of `embedding`, and the largest n-gram feature
/// terms are kept ([`ExampleAnalysis::lexical`]).
pub const ANALYSIS_VERSION: u32 = 4;

/// Weights `m` such that `z · m` is the decision quantity explained by token importances: the
/// predicted class's logit minus the mean of the others' (for two classes, `z_c − z_other =
/// log p_c / p_other`, the log-odds). A class's logit alone is the wrong target: a token that
/// raises every logit alike weighs on it and not on the prediction. Linear, so the exact split
/// of the logits gives the exact split of this margin.
pub fn log_odds_weights(classes: usize, c: usize) -> Vec<f32> {
    if classes < 2 {
        return vec![1.0; classes];
    }
    let other = -1.0 / (classes - 1) as f32;
    (0..classes)
        .map(|k| if k == c { 1.0 } else { other })
        .collect()
}

/// Gradient × input per token for the predicted class's log-odds, computed on `ad` (an autodiff
/// device holding the same parameters).
fn grad_times_input(model_ad: &AnyModel, ex: &Example, c: usize, ad: &Device) -> Result<Vec<f64>> {
    let batch = make_batch(&[ex], TaskKind::Sequence, ad);
    // The gradient of the predicted class's log-odds (see [`log_odds_weights`]).
    let pick = |logits: Tensor<2>| {
        let classes = logits.dims()[1];
        let w = Tensor::<2>::from_data(
            TensorData::new(log_odds_weights(classes, c), [classes, 1]),
            ad,
        );
        logits.matmul(w).sum()
    };
    let per_token_sparse =
        |x: &sinr_nn::SparseTokens, grads: &burn::tensor::Gradients| -> Vec<f64> {
            let g = x.val.grad(grads).map(to_vec).unwrap_or_default();
            let v = to_vec(x.val.clone().inner());
            let p = x.val.dims()[2];
            (0..ex.rows.len())
                .map(|t| {
                    (0..p)
                        .map(|j| f64::from(g.get(t * p + j).copied().unwrap_or(0.0) * v[t * p + j]))
                        .sum()
                })
                .collect()
        };
    Ok(match model_ad {
        AnyModel::Attention(m) => {
            let mut x = m.embedding.forward(batch.tokens.clone());
            x.val = x.val.require_grad();
            let known = AttentionClassifier::vector_mask(batch.tokens.clone(), batch.mask.clone());
            let (logits, _, _) = m.forward_sparse(&x, known);
            let grads = pick(logits).backward();
            per_token_sparse(&x, &grads)
        }
        AnyModel::Hierarchical(m) => {
            let mut x = m.embedding.forward(batch.tokens.clone());
            x.val = x.val.require_grad();
            let (logits, _, _, _) = m.trace_sparse(&x, batch.mask.clone());
            let grads = pick(logits).backward();
            per_token_sparse(&x, &grads)
        }
        AnyModel::Transformer(m) => {
            let h0 = m.input(&batch).require_grad();
            let (_, h, _) = m.stream_from(h0.clone(), batch.mask.clone());
            let (d, _) = m.pool.forward_dense(h, batch.mask.clone());
            let grads = pick(m.readout.forward(d)).backward();
            let g = h0.grad(&grads).map(to_vec).unwrap_or_default();
            let v = to_vec(h0.inner());
            let k = m.width;
            (0..ex.rows.len())
                .map(|t| {
                    (0..k)
                        .map(|j| f64::from(g.get(t * k + j).copied().unwrap_or(0.0) * v[t * k + j]))
                        .sum()
                })
                .collect()
        }
        AnyModel::Dense(m) => {
            let emb = m
                .embedding
                .forward(batch.tokens.clone())
                .detach()
                .require_grad();
            let h = m.states_from(emb.clone(), &batch);
            let grads = pick(m.head(h, &batch)).backward();
            let g = emb.grad(&grads).map(to_vec).unwrap_or_default();
            let v = to_vec(emb.inner());
            let d = v.len() / ex.rows.len().max(1);
            (0..ex.rows.len())
                .map(|t| {
                    (0..d)
                        .map(|j| f64::from(g.get(t * d + j).copied().unwrap_or(0.0) * v[t * d + j]))
                        .sum()
                })
                .collect()
        }
    })
}

/// Analyses one example of a sequence task (`model` on `device`, `model_ad` the same parameters
/// on `ad = device.autodiff()`).
#[allow(clippy::too_many_arguments)]
pub fn analyse_example(
    model: &AnyModel,
    model_ad: &AnyModel,
    spec: &RunSpec,
    ex: &Example,
    gold: usize,
    seed: u64,
    device: &Device,
    ad: &Device,
) -> Result<ExampleAnalysis> {
    if spec.kind != TaskKind::Sequence {
        return Err(Error::config("task", "the analysis covers sequence tasks"));
    }
    let n = ex.rows.len();
    if n == 0 {
        return Err(Error::Empty("no known word".into()));
    }
    let logits = model
        .predict(std::slice::from_ref(ex), TaskKind::Sequence, 1, device)
        .remove(0);
    let p = softmax(&logits);
    let c = sinr_metrics::task::argmax(&p);
    let mut a = ExampleAnalysis {
        predicted: c,
        gold,
        probability: p[c],
        tokens: ex.surface.clone(),
        importances: BTreeMap::new(),
        comprehensiveness: BTreeMap::new(),
        sufficiency: BTreeMap::new(),
        completeness_error: None,
        tokens_for_90: None,
        communities_for_90: None,
        top_communities: Vec::new(),
        component_shares: BTreeMap::new(),
        head_entropy: BTreeMap::new(),
        head_self_attention: BTreeMap::new(),
        lexical: Vec::new(),
    };
    if !matches!(model, AnyModel::Dense(_)) {
        // The exact terms only: the words labelling the dimensions are not needed here.
        let (outputs, attention, _) = model.explain_terms(spec, ex, device)?;
        let o = &outputs[0];
        a.completeness_error = Some(f64::from(o.relative_completeness_error()));
        a.lexical.clone_from(&o.lexical);
        a.tokens_for_90 = Some(im::terms_to_cover(
            &o.tokens.iter().map(|r| f64::from(r[c])).collect::<Vec<_>>(),
            0.9,
        ));
        // Importances for faithfulness: exact contributions to the log-odds.
        let m = log_odds_weights(o.logits.len(), c);
        let tok: Vec<f64> = o
            .tokens
            .iter()
            .map(|r| r.iter().zip(&m).map(|(x, w)| f64::from(x * w)).sum())
            .collect();
        let comm: Vec<f64> = o.communities.iter().map(|r| f64::from(r[c])).collect();
        a.communities_for_90 = Some(im::terms_to_cover(&comm, 0.9));
        let mut order: Vec<usize> = (0..comm.len()).collect();
        order.sort_by(|&x, &y| comm[y].abs().total_cmp(&comm[x].abs()));
        a.top_communities = order.into_iter().take(10).map(|k| k as u32).collect();
        a.importances.insert("exact".into(), tok);
        if let Some((_, pool)) = attention.iter().find(|x| x.0 == "pooling") {
            a.importances.insert(
                "attention".into(),
                pool[0].iter().map(|&v| f64::from(v)).collect(),
            );
        }
        let total: f64 = o
            .components
            .iter()
            .map(|x| f64::from(x.1[c]).abs())
            .sum::<f64>()
            .max(1e-12);
        for (name, v) in &o.components {
            let kind = crate::explain::ComponentKind::of(name).name();
            *a.component_shares.entry(kind.into()).or_default() += f64::from(v[c]).abs() / total;
        }
        for (name, map) in attention.iter().filter(|x| x.0 != "pooling") {
            let t = map.len();
            let ent: f64 = map
                .iter()
                .map(|row| im::entropy(&row.iter().map(|&v| f64::from(v)).collect::<Vec<_>>()))
                .sum::<f64>()
                / t as f64;
            let selfa: f64 = (0..t).map(|i| f64::from(map[i][i])).sum::<f64>() / t as f64;
            a.head_entropy.insert(name.clone(), ent);
            a.head_self_attention.insert(name.clone(), selfa);
        }
    }
    a.importances.insert(
        "gradient×input".into(),
        grad_times_input(model_ad, ex, c, ad)?,
    );
    // Leave-one-out.
    let masks: Vec<Vec<bool>> = (0..n).map(|t| (0..n).map(|i| i != t).collect()).collect();
    let loo = probs_of_subsets(model, ex, &masks, c, device);
    a.importances.insert(
        "leave-one-out".into(),
        loo.iter().map(|q| p[c] - q).collect(),
    );
    a.importances
        .insert("random".into(), im::random_scores(n, seed));
    // ERASER.
    for (method, scores) in a.importances.clone() {
        let mut masks = Vec::new();
        for &f in &im::ERASER_FRACTIONS {
            let k = im::top_count(n, f);
            let top: Vec<usize> = im::ranking(&scores).into_iter().take(k).collect();
            masks.push((0..n).map(|i| !top.contains(&i)).collect::<Vec<bool>>());
            masks.push((0..n).map(|i| top.contains(&i)).collect::<Vec<bool>>());
        }
        let probs = probs_of_subsets(model, ex, &masks, c, device);
        a.comprehensiveness.insert(
            method.clone(),
            probs.iter().step_by(2).map(|q| p[c] - q).collect(),
        );
        a.sufficiency.insert(
            method,
            probs.iter().skip(1).step_by(2).map(|q| p[c] - q).collect(),
        );
    }
    Ok(a)
}

/// NER plausibility for one gold entity: how much the tagging of the entity's own positions rests
/// on the entity's own tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityAttribution {
    /// Entity type (`PER`, `LOC`, …).
    pub kind: String,
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// Whether the model predicts the whole span exactly (same type, same boundaries).
    pub correct: bool,
    /// `method → mean over the entity's positions of the share of the absolute token importance
    /// (for the predicted tag at that position) carried by the entity's own tokens`.
    pub own_share: BTreeMap<String, f64>,
    /// `method → fraction of the entity's positions whose most important token (most in favour
    /// of the predicted tag) is one of the entity's tokens`.
    pub top_inside: BTreeMap<String, f64>,
    /// The share a uniform importance would give the entity: its length over the sentence's.
    pub chance_share: f64,
}

/// Analyses the gold entities of one tagged sentence (`ex.labels` are the gold tag indices):
/// for every position of every entity, the importance of every token of the sentence for the
/// predicted tag, by the model's exact contributions (interpretable models) and by leave-one-out
/// (the token's word replaced by the padding row, its position and surface features kept; for
/// every model), then the share on the entity's own tokens.
pub fn analyse_entities(
    model: &AnyModel,
    spec: &RunSpec,
    ex: &Example,
    device: &Device,
) -> Result<Vec<EntityAttribution>> {
    if spec.kind != TaskKind::Token {
        return Err(Error::config("task", "entity analysis covers token tasks"));
    }
    let n = ex.rows.len();
    if n == 0 {
        return Err(Error::Empty("empty sentence".into()));
    }
    let c = spec.labels.len();
    let gold: Vec<&str> = ex
        .labels
        .iter()
        .map(|&l| spec.labels.get(l).map_or("O", String::as_str))
        .collect();
    let full = model
        .predict(std::slice::from_ref(ex), TaskKind::Token, 1, device)
        .remove(0);
    let probs: Vec<Vec<f64>> = full.chunks(c).map(softmax).collect();
    let pred = crate::decode_tags(&full, &spec.labels);
    let pred_tags: Vec<&str> = pred.iter().map(|&p| spec.labels[p].as_str()).collect();
    let gold_spans = sinr_metrics::task::spans(&gold);
    if gold_spans.is_empty() {
        return Ok(Vec::new());
    }
    let pred_spans = sinr_metrics::task::spans(&pred_tags);
    // importance[method][i][j]: token j for the predicted tag at position i.
    let mut importance: BTreeMap<String, Vec<Vec<f64>>> = BTreeMap::new();
    if !matches!(model, AnyModel::Dense(_)) {
        let (outputs, _, _) = model.explain_terms(spec, ex, device)?;
        let mut rows = vec![vec![0.0; n]; n];
        for o in &outputs {
            if let Some(i) = o.position.filter(|&i| i < n) {
                rows[i] = o.tokens.iter().map(|r| f64::from(r[pred[i]])).collect();
            }
        }
        importance.insert("exact".into(), rows);
    }
    let variants: Vec<Example> = (0..n)
        .map(|j| {
            let mut v = ex.clone();
            v.rows[j] = 0;
            v
        })
        .collect();
    let without = model.predict(&variants, TaskKind::Token, 32, device);
    let mut loo = vec![vec![0.0; n]; n];
    for (j, l) in without.iter().enumerate() {
        for (i, chunk) in l.chunks(c).enumerate().take(n) {
            loo[i][j] = probs[i][pred[i]] - softmax(chunk)[pred[i]];
        }
    }
    importance.insert("leave-one-out".into(), loo);
    Ok(gold_spans
        .iter()
        .map(|s| {
            let inside = |j: usize| (s.start..s.end).contains(&j);
            let mut own_share = BTreeMap::new();
            let mut top_inside = BTreeMap::new();
            for (m, rows) in &importance {
                let (mut share, mut top) = (0.0, 0.0);
                for row in &rows[s.start..s.end] {
                    let total: f64 = row.iter().map(|v| v.abs()).sum();
                    let own: f64 = (0..n).filter(|&j| inside(j)).map(|j| row[j].abs()).sum();
                    share += if total > 0.0 { own / total } else { 0.0 };
                    let best = (0..n).max_by(|&a, &b| row[a].total_cmp(&row[b]));
                    top += f64::from(u8::from(best.is_some_and(inside)));
                }
                let len = (s.end - s.start) as f64;
                own_share.insert(m.clone(), share / len);
                top_inside.insert(m.clone(), top / len);
            }
            EntityAttribution {
                kind: s.kind.clone(),
                start: s.start,
                end: s.end,
                correct: pred_spans.contains(s),
                own_share,
                top_inside,
                chance_share: (s.end - s.start) as f64 / n as f64,
            }
        })
        .collect())
}

/// What one feed-forward memory of the SINr transformer does (after Geva et al.): which tokens
/// trigger it and which communities it writes into the stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryProfile {
    /// 1-based layer.
    pub layer: usize,
    /// 1-based memory within the layer.
    pub memory: usize,
    /// Mean activation (its key's ReLU score) over every analysed token position.
    pub mean_activation: f64,
    /// The tokens at the positions where it fires most, with their largest activation (at most
    /// eight distinct tokens).
    pub top_tokens: Vec<(String, f64)>,
    /// The communities its value writes most: `(dimension, weight, the community's words)`.
    pub writes: Vec<(usize, f64, Vec<String>)>,
}

/// Profiles the memories of a SINr transformer over `examples`: for each layer, the `keep` most
/// active memories.
pub fn memory_profiles(
    model: &AnyModel,
    spec: &RunSpec,
    emb: &sinr_embed::SinrModel,
    examples: &[Example],
    keep: usize,
    device: &Device,
) -> Result<Vec<MemoryProfile>> {
    let AnyModel::Transformer(m) = model else {
        return Ok(Vec::new());
    };
    let labels = crate::input::dimension_labels(emb, crate::run::model_level(&spec.model), 6)?;
    let layers = m.layers.len();
    let mems = m
        .layers
        .first()
        .map_or(0, |l| l.memory.effective_values().dims()[0]);
    let mut sum = vec![vec![0.0f64; mems]; layers];
    let mut count = 0usize;
    let mut best: Vec<Vec<BTreeMap<String, f64>>> = vec![vec![BTreeMap::new(); mems]; layers];
    for ex in examples.iter().filter(|e| !e.rows.is_empty()) {
        let batch = make_batch(&[ex], spec.kind, device);
        let (_, _, traces) = m.stream(&batch);
        let t = ex.rows.len();
        count += t;
        for (l, tr) in traces.iter().enumerate() {
            let act = to_vec(tr.activations.clone());
            for (pos, row) in act.chunks(mems).take(t).enumerate() {
                for (j, &a) in row.iter().enumerate() {
                    let a = f64::from(a);
                    sum[l][j] += a;
                    if a > 0.0 {
                        let e = best[l][j]
                            .entry(ex.surface[pos].to_lowercase())
                            .or_default();
                        *e = e.max(a);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for (l, layer) in m.layers.iter().enumerate() {
        let values = to_vec(layer.memory.effective_values());
        let width = values.len() / mems.max(1);
        let mut order: Vec<usize> = (0..mems).collect();
        order.sort_by(|&a, &b| sum[l][b].total_cmp(&sum[l][a]));
        for &j in order.iter().take(keep) {
            let mut toks: Vec<(String, f64)> =
                best[l][j].iter().map(|(k, v)| (k.clone(), *v)).collect();
            toks.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            toks.truncate(8);
            let row = &values[j * width..(j + 1) * width];
            let mut dims: Vec<usize> = (0..width).collect();
            dims.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
            let writes = dims
                .into_iter()
                .take(3)
                .map(|d| {
                    (
                        d,
                        f64::from(row[d]),
                        labels
                            .get(d)
                            .cloned()
                            .unwrap_or_else(|| vec!["(surface feature)".into()]),
                    )
                })
                .collect();
            out.push(MemoryProfile {
                layer: l + 1,
                memory: j + 1,
                mean_activation: sum[l][j] / count.max(1) as f64,
                top_tokens: toks,
                writes,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::log_odds_weights;

    #[test]
    fn log_odds_weights_by_hand() {
        // Two classes: z_c − z_other.
        assert_eq!(log_odds_weights(2, 0), vec![1.0, -1.0]);
        assert_eq!(log_odds_weights(2, 1), vec![-1.0, 1.0]);
        // Three: z_c − (z_a + z_b) / 2; the weights sum to zero, so a shift of every logit
        // (which changes no probability) changes nothing.
        let w = log_odds_weights(3, 1);
        assert_eq!(w, vec![-0.5, 1.0, -0.5]);
        assert!(w.iter().sum::<f32>().abs() < 1e-7);
        // One output: the logit itself.
        assert_eq!(log_odds_weights(1, 0), vec![1.0]);
    }
}
