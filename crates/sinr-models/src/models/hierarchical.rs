//! The hierarchical model (after Deep GONet, Bourgeais et al. 2021, whose layers follow an
//! ontology): task-vector pooling at the finest Louvain level, then one unit per community of
//! each coarser level, connected only to its children along the dendrogram, with ReLU; read out
//! from the coarsest level or (`every_level`) from every level, `logits = Σ_l h_l R_l + b`.
//!
//! With the ReLU gates fixed by the example the model is linear in the token vectors: each fine
//! unit reaches the read-out through its chain of ancestors, so the logits split exactly by
//! token, by top-level community, and (reading every level) by level.

use burn::module::Param;
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use sinr_embed::SinrModel;
use sinr_metrics::task::argmax;
use sinr_nn::{
    HierarchyLevel, InitRng, PaddedRows, Readout, ReadoutConfig, SinrEmbedding, TaskAttention,
    TaskAttentionConfig, to_vec, to_vec_int,
};
use sinr_schema::{Component, ComponentKind, OutputExplanation};

use super::{Classifier, Config, ExactTerms, Model, check, sparse_gradient_times_input};
use crate::data::Batch;
use crate::error::{Error, Result};
use crate::explain::{readout_host, top_terms};
use crate::input::embedding_rows;
use crate::run::RunSpec;

/// A level of the hierarchy on the host: parents, weights, biases, which units fired.
type HostLevel = (Vec<i64>, Vec<f32>, Vec<f32>, Vec<bool>);

// --- Configuration ---------------------------------------------------------------------------

/// The hierarchical (Deep GONet-style) model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HierarchicalConfig {
    /// Keep the `k` largest values of each word vector.
    pub sparsify: Option<usize>,
    /// How many levels above the finest to stack (`None`: all).
    pub levels: Option<usize>,
    /// L1 penalty on the read-out.
    pub l1: f64,
    /// Read every level (the pooled fine vector and each coarser level), not only the
    /// coarsest: `logits = Σ_l h_l R_l + b`. The decision then splits by Louvain level too.
    pub every_level: bool,
}

impl Default for HierarchicalConfig {
    fn default() -> Self {
        Self {
            sparsify: Some(100),
            levels: None,
            l1: 0.0,
            every_level: false,
        }
    }
}

impl Config for HierarchicalConfig {
    fn validate(&self) -> Result<()> {
        check::non_negative(self.l1, "l1")
    }
}

// --- The model -------------------------------------------------------------------------------

/// Task-vector pooling at the finest level, then masked layers up the dendrogram.
#[derive(Module, Debug)]
pub struct HierarchicalClassifier {
    /// Frozen token vectors at the finest level.
    pub embedding: SinrEmbedding,
    /// Pooling.
    pub attention: TaskAttention,
    /// Fine → coarse levels.
    pub levels: Vec<HierarchyLevel>,
    /// Read-out from the coarsest level.
    pub readout: Readout,
    /// `[K_l, C]` read-outs of the levels below the coarsest (`[0]`: the pooled fine vector),
    /// if the model reads every level (`logits = Σ_l h_l R_l + h_top W + b`); empty if it
    /// reads the coarsest alone.
    pub level_readouts: Vec<Param<Tensor<2>>>,
    /// L1 weight.
    #[module(skip)]
    pub l1: f64,
}

impl HierarchicalClassifier {
    /// Builds the model; `parents[i]` maps the units of level `i` to those of level `i + 1`.
    pub fn new(
        rows: &PaddedRows,
        parents: &[(Vec<u32>, usize)],
        classes: usize,
        l1: f64,
        seed: u64,
        device: &Device,
    ) -> Self {
        let mut rng = InitRng::new(seed);
        let top = parents.last().map_or(rows.dims, |p| p.1);
        Self {
            embedding: SinrEmbedding::new(rows, device),
            attention: TaskAttentionConfig::new(rows.dims).init(device, &mut rng),
            levels: parents
                .iter()
                .map(|(p, n)| HierarchyLevel::new(p, *n, device))
                .collect(),
            readout: ReadoutConfig::new(top, classes).init(device, &mut rng),
            level_readouts: Vec::new(),
            l1,
        }
    }

    /// Reads every level, not only the coarsest: one `[K_l, C]` read-out per level below it,
    /// at zero (the model starts as the top read-out alone). A fine community then weighs in
    /// both directly and through its ancestors, and the decision splits by level.
    #[must_use]
    pub fn with_every_level(mut self) -> Self {
        let c = self.readout.weight.dims()[1];
        let device = self.readout.weight.device();
        let mut sizes = vec![self.embedding.dims];
        sizes.extend(self.levels.iter().map(|l| l.coarse));
        sizes.pop(); // the coarsest has the main read-out
        self.level_readouts = sizes
            .into_iter()
            .map(|k| Param::from_tensor(Tensor::zeros([k, c], &device)))
            .collect();
        self
    }

    /// `(logits, α, [d, h_1, …, h_L], [pre_1, …])`.
    pub fn trace(
        &self,
        tokens: Tensor<2, Int>,
        mask: Tensor<2, Bool>,
    ) -> (Tensor<2>, Tensor<2>, Vec<Tensor<2>>, Vec<Tensor<2>>) {
        self.trace_sparse(&self.embedding.forward(tokens), mask)
    }

    /// The same from given token vectors.
    pub fn trace_sparse(
        &self,
        x: &sinr_nn::SparseTokens,
        mask: Tensor<2, Bool>,
    ) -> (Tensor<2>, Tensor<2>, Vec<Tensor<2>>, Vec<Tensor<2>>) {
        let (d, alpha) = self.attention.forward_sparse(x, mask);
        let mut hs = vec![d];
        let mut pres = Vec::new();
        for l in &self.levels {
            let (h, pre) = l.forward(hs.last().expect("non-empty").clone());
            hs.push(h);
            pres.push(pre);
        }
        let mut logits = self.readout.forward(hs.last().expect("non-empty").clone());
        for (h, r) in hs.iter().zip(&self.level_readouts) {
            logits = logits + h.clone().matmul(r.val());
        }
        (logits, alpha, hs, pres)
    }
}

impl Classifier for HierarchicalClassifier {
    fn logits(&self, batch: &Batch) -> Tensor<2> {
        self.trace(batch.tokens.clone(), batch.mask.clone()).0
    }
    fn frozen(&self) -> Vec<&SinrEmbedding> {
        vec![&self.embedding]
    }
    fn penalty(&self) -> Option<Tensor<1>> {
        (self.l1 > 0.0).then(|| {
            let mut p = self.readout.l1();
            for r in &self.level_readouts {
                p = p + r.val().abs().sum();
            }
            p * self.l1
        })
    }
}

// --- Building, training, explaining ----------------------------------------------------------

impl Model for HierarchicalClassifier {
    type Config = HierarchicalConfig;

    fn build(
        c: &HierarchicalConfig,
        spec: &RunSpec,
        emb: &SinrModel,
        device: &Device,
    ) -> Result<Self> {
        let rows = embedding_rows(emb, emb.level, c.sparsify)?;
        let available = emb.dendrogram.levels.len() - 1 - emb.level;
        let n = c.levels.unwrap_or(available).min(available);
        if n == 0 {
            return Err(Error::config(
                "levels",
                "the embeddings have a single Louvain level; train them with `--louvain multilevel`",
            ));
        }
        let mut parents = Vec::new();
        // Level of the model's columns → next level, then level to level.
        let first = emb.dendrogram.parents(emb.level)?;
        parents.push((
            emb.columns
                .iter()
                .map(|&c| first[c as usize])
                .collect::<Vec<u32>>(),
            emb.dendrogram.levels[emb.level + 1].n_communities,
        ));
        for l in emb.level + 1..emb.level + n {
            parents.push((
                emb.dendrogram.parents(l)?,
                emb.dendrogram.levels[l + 1].n_communities,
            ));
        }
        let m = HierarchicalClassifier::new(
            &rows,
            &parents,
            spec.labels.len(),
            c.l1,
            spec.train.seed,
            device,
        );
        Ok(if c.every_level {
            m.with_every_level()
        } else {
            m
        })
    }

    fn trainable_params(&self) -> usize {
        self.num_params() - self.embedding.num_params()
    }

    fn explain_terms(&self, batch: &Batch, _tags: Option<&[usize]>) -> Result<ExactTerms> {
        let (o, alpha, fine) = self.explain_with_fine_terms(batch);
        Ok(ExactTerms {
            outputs: vec![o],
            attention: vec![("pooling".to_owned(), vec![alpha])],
            width: self.readout.weight.dims()[0],
            fine_terms: Some(fine),
        })
    }

    fn community_level(&self, _c: &HierarchicalConfig, emb: &SinrModel) -> usize {
        emb.level + self.levels.len()
    }

    fn gradient_times_input(&self, batch: &Batch, target: Tensor<2>) -> Vec<f64> {
        let mut x = self.embedding.forward(batch.tokens.clone());
        x.val = x.val.require_grad();
        let (logits, _, _, _) = self.trace_sparse(&x, batch.mask.clone());
        let grads = logits.matmul(target).sum().backward();
        sparse_gradient_times_input(&x, &grads)
    }
}

impl HierarchicalClassifier {
    /// The exact explanation of a batch of one example: the token split follows every fine
    /// unit up its chain of ancestors (one parent each), with the ReLU gates fixed; the
    /// community split is at the coarsest level (every level's read-out terms credited to the
    /// unit's top ancestor), and with `every_level` the decision splits by level too. Also `α`.
    pub fn explain(&self, batch: &Batch) -> (OutputExplanation, Vec<f32>) {
        let (o, alpha, _) = self.explain_with_fine_terms(batch);
        (o, alpha)
    }

    /// [`HierarchicalClassifier::explain`], with the same decision split by fine community of
    /// the input instead of by top-level ancestor: `[C]` per input community with a non-zero
    /// term (each pooled input value times everything that reaches the logits from it through
    /// the levels, gates fixed), then one per level's biases; with the read-out bias they sum to
    /// the logits (what compactness counts, so that it compares with the other models').
    pub fn explain_with_fine_terms(
        &self,
        batch: &Batch,
    ) -> (OutputExplanation, Vec<f32>, Vec<Vec<f32>>) {
        let m = self;
        let (logits, alpha, hs, pres) = m.trace(batch.tokens.clone(), batch.mask.clone());
        let x = m.embedding.forward(batch.tokens.clone());
        let [_, t, p] = x.val.dims();
        let idx: Vec<i64> = to_vec_int(x.idx);
        let val = to_vec(x.val);
        let alpha = to_vec(alpha);
        let logits = to_vec(logits);
        let (w, b, c) = readout_host(&m.readout);
        let predicted = argmax(&logits);
        // For every level, per unit: its parent, its weight, and whether the parent fired.
        let levels: Vec<HostLevel> = m
            .levels
            .iter()
            .zip(&pres)
            .map(|(l, pre)| {
                (
                    to_vec_int(l.parent.val()),
                    to_vec(l.weight.val()),
                    to_vec(l.bias.val()),
                    to_vec(pre.clone()).iter().map(|v| *v > 0.0).collect(),
                )
            })
            .collect();
        // The read-outs of the levels below the top, if the model reads every level.
        let level_r: Vec<Vec<f32>> = m.level_readouts.iter().map(|r| to_vec(r.val())).collect();
        // gain[l][u][c]: d logit_c / d h_l[u] (h_0 = the pooled fine vector), with gates fixed:
        // the unit's own read-out, if any, plus what reaches the logits through its parent.
        let top = hs.last().expect("levels").dims()[1];
        let mut gain: Vec<Vec<f32>> = (0..top)
            .map(|u| (0..c).map(|cc| w[u * c + cc]).collect())
            .collect();
        let mut gains = vec![gain.clone()];
        for (li, (parent, weight, _, fired)) in levels.iter().enumerate().rev() {
            gain = (0..parent.len())
                .map(|u| {
                    let pu = parent[u] as usize;
                    (0..c)
                        .map(|cc| {
                            let own = level_r.get(li).map_or(0.0, |r| r[u * c + cc]);
                            let up = if fired[pu] {
                                weight[u] * gains.last().expect("one")[pu][cc]
                            } else {
                                0.0
                            };
                            own + up
                        })
                        .collect()
                })
                .collect();
            gains.push(gain.clone());
        }
        gains.reverse(); // gains[0]: finest level
        let fine_gain = &gains[0];
        let mut fine = vec![vec![0f32; c]; fine_gain.len()];
        let mut tokens = vec![vec![0f32; c]; t];
        let mut token_communities = Vec::with_capacity(t);
        for ti in 0..t {
            let mut terms = Vec::new();
            for j in 0..p {
                let (col, v) = (idx[ti * p + j] as usize, val[ti * p + j]);
                if v == 0.0 {
                    continue;
                }
                for cc in 0..c {
                    let term = alpha[ti] * v * fine_gain[col][cc];
                    tokens[ti][cc] += term;
                    fine[col][cc] += term;
                }
                terms.push((col as u32, alpha[ti] * v * fine_gain[col][predicted]));
            }
            token_communities.push(top_terms(terms.into_iter(), 10));
        }
        // Biases: each level's bias on fired units, through the gains of the level above.
        let mut bias = b.clone();
        let mut components = Vec::new();
        let mut level_biases = Vec::new();
        for (li, (_, _, lbias, fired)) in levels.iter().enumerate() {
            let g = &gains[li + 1];
            let mut v = vec![0f32; c];
            for (u, bu) in lbias.iter().enumerate() {
                if fired[u] {
                    for cc in 0..c {
                        v[cc] += bu * g[u][cc];
                    }
                }
            }
            for cc in 0..c {
                bias[cc] += v[cc];
            }
            level_biases.push(v.clone());
            components.push(Component::new(
                ComponentKind::Biases,
                format!("level {} biases", li + 1),
                v,
            ));
        }
        // Community split at the coarsest level: the top read-out's terms, and every lower
        // level's read-out terms credited to the unit's ancestor at the top.
        let h_top = to_vec(hs.last().expect("levels").clone());
        let mut communities: Vec<Vec<f32>> = (0..top)
            .map(|u| (0..c).map(|cc| h_top[u] * w[u * c + cc]).collect())
            .collect();
        let mut by_level = Vec::new();
        if !level_r.is_empty() {
            // ancestor[l][u]: the top-level ancestor of unit u of level l.
            let mut ancestor: Vec<Vec<usize>> = vec![(0..top).collect()];
            for (parent, _, _, _) in levels.iter().rev() {
                let above = ancestor.last().expect("one").clone();
                ancestor.push(parent.iter().map(|&p| above[p as usize]).collect());
            }
            ancestor.reverse();
            for (li, r) in level_r.iter().enumerate() {
                let h = to_vec(hs[li].clone());
                let mut total = vec![0f32; c];
                for (u, hu) in h.iter().enumerate() {
                    if *hu == 0.0 {
                        continue;
                    }
                    for cc in 0..c {
                        let term = hu * r[u * c + cc];
                        communities[ancestor[li][u]][cc] += term;
                        total[cc] += term;
                    }
                }
                let name = if li == 0 {
                    format!("input level ({} communities)", h.len())
                } else {
                    format!("level {li} ({} communities)", h.len())
                };
                by_level.push((name, total));
            }
            let top_total: Vec<f32> = (0..c)
                .map(|cc| (0..top).map(|u| h_top[u] * w[u * c + cc]).sum())
                .collect();
            by_level.push((
                format!("level {} ({top} communities, the top)", levels.len()),
                top_total,
            ));
            by_level.push(("read-out bias".into(), b.clone()));
        }
        let embedding: Vec<f32> = (0..c)
            .map(|cc| tokens.iter().map(|r| r[cc]).sum())
            .collect();
        components.insert(
            0,
            Component::new(
                ComponentKind::Embedding,
                "embedding (via task attention and the hierarchy)",
                embedding,
            ),
        );
        components.push(Component::new(ComponentKind::Biases, "read-out bias", b));
        let out = OutputExplanation {
            position: None,
            logits,
            predicted,
            argmax: None,
            tokens,
            bias,
            communities,
            components,
            community_own: Vec::new(),
            token_communities,
            fine_communities: Vec::new(),
            levels: by_level,
            lexical: Vec::new(),
        };
        let mut fine_terms: Vec<Vec<f32>> = fine
            .into_iter()
            .filter(|r| r.iter().any(|v| *v != 0.0))
            .collect();
        fine_terms.extend(level_biases);
        (out, alpha, fine_terms)
    }
}
