//! Exact explanations: for one example, the logits split into additive contributions of the
//! input tokens, of the communities (the dimensions of the SINr space), and of the model's
//! components (embedding, each head, each memory, each Louvain-level unit, biases).
//!
//! The recipe (DESIGN.md §4, after Mickus et al. 2022): the few non-linear quantities of the
//! forward pass (attention weights, ReLU gates) are constants of the example; given them every
//! layer is linear, so the model is a linear map of its input vectors plus biases, and the logit
//! is a sum of terms, each tagged with where it comes from. The tests check that every split
//! sums to the logit within 1e-4 (relative).

use burn::prelude::*;
use serde::{Deserialize, Serialize};
use sinr_metrics::task::argmax;
use sinr_nn::{to_vec, to_vec_int};

use crate::data::{Batch, SURFACE_FEATURES};
use crate::models::{AttentionClassifier, HierarchicalClassifier, SinrTransformer};

/// Named attention maps.
pub type AttentionMaps = Vec<(String, Vec<Vec<f32>>)>;

/// A level of the hierarchy on the host: parents, weights, biases, which units fired.
type HostLevel = (Vec<i64>, Vec<f32>, Vec<f32>, Vec<bool>);

/// What part of a model a component of [`OutputExplanation::components`] belongs to: the
/// kinds by which the analysis shares out the decision (Mickus et al.'s embedding, attention,
/// feed-forward and bias terms, with the attention classifier's word and n-gram weights apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ComponentKind {
    /// The input vectors, through attention pooling, the mean, or the hierarchy (and a tagger's
    /// fine-level window).
    Embedding,
    /// The words themselves rather than their communities: word and n-gram weights.
    Lexical,
    /// A transformer's attention heads.
    Heads,
    /// A transformer's feed-forward memories.
    Memories,
    /// Biases (read-out, layers, hierarchy levels).
    Biases,
}

impl ComponentKind {
    /// Every kind, in the order of the tables.
    pub const ALL: [ComponentKind; 5] = [
        ComponentKind::Embedding,
        ComponentKind::Lexical,
        ComponentKind::Heads,
        ComponentKind::Memories,
        ComponentKind::Biases,
    ];

    /// The kind of the component named `name`, as this module's explainers name them
    /// (`layer 1 head 2`, `layer 1 memory 7`, `n-gram weights (via TF-IDF)`, `read-out bias`).
    pub fn of(name: &str) -> Self {
        if name.starts_with("word weights") || name.starts_with("n-gram weights") {
            ComponentKind::Lexical
        } else if name.contains(" head ") {
            ComponentKind::Heads
        } else if name.contains(" memory ") {
            ComponentKind::Memories
        } else if name.ends_with("bias") || name.ends_with("biases") {
            ComponentKind::Biases
        } else {
            ComponentKind::Embedding
        }
    }

    /// The name of the kind in analyses and tables.
    pub fn name(self) -> &'static str {
        match self {
            ComponentKind::Embedding => "embedding",
            ComponentKind::Lexical => "lexical",
            ComponentKind::Heads => "heads",
            ComponentKind::Memories => "memories",
            ComponentKind::Biases => "biases",
        }
    }
}

/// The explanation of one output (the text for sequence tasks, one position for token tasks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputExplanation {
    /// Position explained (token tasks), `None` for the whole text.
    pub position: Option<usize>,
    /// Logits `[C]`.
    pub logits: Vec<f32>,
    /// Predicted class (token tasks: the tag of the best valid BIO path).
    pub predicted: usize,
    /// Token tasks: this position's own argmax, where the BIO constraint decided another tag
    /// (say `I-PER` after `O`); `None` where they agree.
    #[serde(default)]
    pub argmax: Option<usize>,
    /// `[T][C]` contribution of every input token.
    pub tokens: Vec<Vec<f32>>,
    /// `[C]` what no token carries (biases).
    pub bias: Vec<f32>,
    /// `[K][C]` contribution of every dimension (community) of the final representation.
    pub communities: Vec<Vec<f32>>,
    /// `(name, [C])` contribution of every component that writes into the final
    /// representation (embedding, heads, memories, hierarchy units, biases).
    pub components: Vec<(String, Vec<f32>)>,
    /// `[T][(dimension, contribution to the predicted class)]`: the largest community terms of
    /// every token (at most 10 per token), for pictures.
    pub token_communities: Vec<Vec<(u32, f32)>>,
    /// `(fine community, [C])`: the terms of the fine-level window of a tagging read-out
    /// (communities of the model's fine level, not of `communities`), non-zero ones only.
    /// `communities` and these, plus the read-out bias, sum to the logits.
    #[serde(default)]
    pub fine_communities: Vec<(u32, Vec<f32>)>,
    /// `(level, [C])`: the decision by Louvain level (the hierarchical model reading every
    /// level): each level's read-out terms, then the read-out bias; they sum to the logits.
    /// Empty for the other models.
    #[serde(default)]
    pub levels: Vec<(String, Vec<f32>)>,
    /// The attention classifier's n-gram weights by feature: `(index of the feature in the
    /// example's lexical features, its term for every class)`, the 30 largest for the predicted
    /// class (they sum, over every feature, to the n-gram weights' component).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lexical: Vec<(u32, Vec<f32>)>,
}

/// A whole explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Model kind.
    pub model: String,
    /// Class names.
    pub labels: Vec<String>,
    /// The input tokens, as the model saw them.
    pub tokens: Vec<String>,
    /// Names of the dimensions of the final representation (community ids, features).
    pub dimensions: Vec<String>,
    /// The words labelling the dimensions that matter (dimension → words).
    pub dimension_words: Vec<(u32, Vec<String>)>,
    /// Named attention maps: `pooling` `[1][T]`, `layer l head h` `[T][T]`.
    pub attention: AttentionMaps,
    /// One per output.
    pub outputs: Vec<OutputExplanation>,
    /// The Louvain level of `fine_communities` (a tagging read-out's fine-level window), if any.
    #[serde(default)]
    pub fine_level: Option<usize>,
    /// The names of the example's lexical features with the position of their token, in its
    /// order ([`crate::Encoder::lexical_names`]; filled by whoever has the text, as
    /// `sinr explain`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lexical_names: Vec<(String, u32)>,
    /// The words labelling the fine communities that matter (community → words).
    #[serde(default)]
    pub fine_dimension_words: Vec<(u32, Vec<String>)>,
}

impl Explanation {
    /// The name of lexical feature `f` and the token it belongs to (`?` where not named).
    pub fn lexical_label(&self, f: u32) -> (&str, &str) {
        match self.lexical_names.get(f as usize) {
            Some((name, p)) => (
                name.as_str(),
                self.tokens.get(*p as usize).map_or("?", String::as_str),
            ),
            None => ("?", "?"),
        }
    }

    /// The `n` largest fine-community terms of output `o` for its predicted class, each with the
    /// words labelling the community (empty when not labelled).
    pub fn top_fine_communities<'a>(
        &'a self,
        o: &'a OutputExplanation,
        n: usize,
    ) -> Vec<(u32, &'a [f32], &'a [String])> {
        let mut terms: Vec<&(u32, Vec<f32>)> = o.fine_communities.iter().collect();
        terms.sort_by(|a, b| b.1[o.predicted].abs().total_cmp(&a.1[o.predicted].abs()));
        terms
            .into_iter()
            .take(n)
            .map(|(k, r)| {
                let words = self
                    .fine_dimension_words
                    .iter()
                    .find(|(d, _)| d == k)
                    .map_or(&[][..], |(_, w)| w.as_slice());
                (*k, r.as_slice(), words)
            })
            .collect()
    }
}

impl OutputExplanation {
    /// `max_c |logit_c − Σ parts_c|` for the token split, the community split and the component
    /// split (each must be ~0).
    pub fn completeness_error(&self) -> f32 {
        let c = self.logits.len();
        let mut worst = 0f32;
        for (k, &l) in self.logits.iter().enumerate() {
            let tok: f32 = self.tokens.iter().map(|t| t[k]).sum::<f32>() + self.bias[k];
            let comp: f32 = self.components.iter().map(|x| x.1[k]).sum();
            worst = worst.max((l - tok).abs()).max((l - comp).abs());
            if !self.levels.is_empty() {
                let by_level: f32 = self.levels.iter().map(|x| x.1[k]).sum();
                worst = worst.max((l - by_level).abs());
            }
            let _ = c;
        }
        worst
    }

    /// Relative version: divided by `max(1, max |logit|)`.
    pub fn relative_completeness_error(&self) -> f32 {
        let scale = self.logits.iter().fold(1f32, |m, l| m.max(l.abs()));
        self.completeness_error() / scale
    }
}

/// `[rows][cols]` from a flat vector.
fn grid(v: &[f32], cols: usize) -> Vec<Vec<f32>> {
    v.chunks(cols.max(1)).map(<[f32]>::to_vec).collect()
}

fn top_terms(terms: impl Iterator<Item = (u32, f32)>, n: usize) -> Vec<(u32, f32)> {
    let mut v: Vec<(u32, f32)> = terms.filter(|t| t.1 != 0.0).collect();
    v.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

/// Host copies of a read-out: `W [K][C]`, `b [C]`.
fn readout_host(r: &sinr_nn::Readout) -> (Vec<f32>, Vec<f32>, usize) {
    let w = to_vec(r.weights());
    let b = to_vec(r.bias.val());
    let c = b.len();
    (w, b, c)
}

/// Explains the attention classifier on a batch of one example.
pub fn explain_attention(m: &AttentionClassifier, batch: &Batch) -> (OutputExplanation, Vec<f32>) {
    let (logits, alpha, d) = m.forward_batch(batch);
    let x = m.embedding.forward(batch.tokens.clone());
    let [_, t, p] = x.val.dims();
    // The positions the attention and the mean of vectors read (the known words).
    let known = AttentionClassifier::vector_mask(batch.tokens.clone(), batch.mask.clone());
    // The mean-pooled path, if any: every known token weighs 1/T, through its own read-out `M`.
    let mean = m.mean_readout.as_ref().map(|mr| {
        (
            to_vec(AttentionClassifier::mean_vector(&x, known.clone())),
            to_vec(mr.val()),
        )
    });
    // Each token's weight in the mean of vectors, as the model computes it.
    let vec_w = to_vec(AttentionClassifier::mean_weights(known));
    let (w, b, c) = readout_host(&m.readout);
    // The lexical parts, each a named dimension after the communities, each token's terms as
    // the model computes them: the word weights (`[T, C]`), then the n-gram weights (each
    // feature's terms `[F, C]`, summed over the features of the token).
    let mut per_feature: Vec<(u32, Vec<f32>)> = Vec::new();
    let mut lexical: Vec<(&str, Vec<Vec<f32>>)> = Vec::new();
    if let Some(terms) = m.word_terms(batch.tokens.clone(), batch.mask.clone()) {
        let v = to_vec(terms);
        let rows = (0..t).map(|ti| v[ti * c..][..c].to_vec()).collect();
        lexical.push(("word weights (via mean pooling)", rows));
    }
    // A model with n-gram weights always names their part, zero for a text without features.
    if m.ngram_readout.is_some() {
        let mut rows = vec![vec![0f32; c]; t];
        if let (Some(terms), Some(lex)) = (m.ngram_terms(batch), &batch.lexical) {
            let v = to_vec(terms);
            let positions = to_vec_int(lex.positions.clone());
            let counts = to_vec(lex.counts.clone());
            // One example: the first row of the batch; count 0 marks padding.
            for (f, (&pos, &n)) in positions.iter().zip(&counts).enumerate() {
                if n == 0.0 {
                    continue;
                }
                let term = &v[f * c..][..c];
                for (slot, x) in rows[pos as usize].iter_mut().zip(term) {
                    *slot += x;
                }
                per_feature.push((f as u32, term.to_vec()));
            }
        }
        let how = if m.ngram_idf.is_some() {
            "n-gram weights (via TF-IDF)"
        } else {
            "n-gram weights (via mean pooling)"
        };
        lexical.push((how, rows));
    }
    let idx: Vec<i64> = to_vec_int(x.idx);
    let val = to_vec(x.val);
    let alpha = to_vec(alpha);
    let d = to_vec(d);
    let logits = to_vec(logits);
    let k = m.embedding.dims;
    let predicted = argmax(&logits);
    // The lexical parts' totals, per class: their rows of the decision's split.
    let mut totals = vec![vec![0f32; c]; lexical.len()];
    let mut tokens = vec![vec![0f32; c]; t];
    let mut token_communities = Vec::with_capacity(t);
    for ti in 0..t {
        let mut terms = Vec::new();
        for j in 0..p {
            let (col, v) = (idx[ti * p + j] as usize, val[ti * p + j]);
            if v == 0.0 {
                continue;
            }
            // Through the attention, and through the mean (weight 1/T).
            let term = |cc: usize| {
                let via_mean = mean
                    .as_ref()
                    .map_or(0.0, |(_, mw)| vec_w[ti] * v * mw[col * c + cc]);
                alpha[ti] * v * w[col * c + cc] + via_mean
            };
            for (cc, slot) in tokens[ti].iter_mut().enumerate() {
                *slot += term(cc);
            }
            terms.push((col as u32, term(predicted)));
        }
        // The lexical parts' terms: the named dimensions after the communities.
        for (j, (_, rows)) in lexical.iter().enumerate() {
            for ((slot, sum), v) in tokens[ti].iter_mut().zip(&mut totals[j]).zip(&rows[ti]) {
                *slot += v;
                *sum += v;
            }
            terms.push(((k + j) as u32, rows[ti][predicted]));
        }
        token_communities.push(top_terms(terms.into_iter(), 10));
    }
    let via_attention: Vec<Vec<f32>> = (0..k)
        .map(|kk| (0..c).map(|cc| d[kk] * w[kk * c + cc]).collect())
        .collect();
    let via_mean: Vec<Vec<f32>> = match &mean {
        Some((mv, mw)) => (0..k)
            .map(|kk| (0..c).map(|cc| mv[kk] * mw[kk * c + cc]).collect())
            .collect(),
        None => vec![vec![0f32; c]; k],
    };
    let mut communities: Vec<Vec<f32>> = via_attention
        .iter()
        .zip(&via_mean)
        .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x + y).collect())
        .collect();
    communities.extend(totals.iter().cloned());
    let total = |rows: &[Vec<f32>]| -> Vec<f32> {
        (0..c).map(|cc| rows.iter().map(|r| r[cc]).sum()).collect()
    };
    let mut components = vec![(
        "embedding (via task attention)".to_owned(),
        total(&via_attention),
    )];
    if mean.is_some() {
        components.push(("embedding (via mean pooling)".into(), total(&via_mean)));
    }
    for ((name, _), total) in lexical.iter().zip(totals) {
        components.push(((*name).to_owned(), total));
    }
    components.push(("read-out bias".into(), b.clone()));
    per_feature.sort_by(|a, b| b.1[predicted].abs().total_cmp(&a.1[predicted].abs()));
    per_feature.truncate(30);
    let out = OutputExplanation {
        position: None,
        logits,
        predicted,
        argmax: None,
        tokens,
        bias: b.clone(),
        communities,
        components,
        token_communities,
        fine_communities: Vec::new(),
        levels: Vec::new(),
        lexical: per_feature,
    };
    (out, alpha)
}

/// Explains the SINr transformer on a batch of one example (no padding).
///
/// `tags`: for token tasks, the tag decided at every position (the best valid BIO path,
/// [`crate::decode_tags`]); each output explains that tag, and says which tag its own argmax
/// would have been where the two differ. `None`: every output explains its argmax.
pub fn explain_transformer(
    m: &SinrTransformer,
    batch: &Batch,
    tags: Option<&[usize]>,
) -> (Vec<OutputExplanation>, AttentionMaps) {
    let (h0, h, traces) = m.stream(batch);
    let device = h.device();
    let [_, t, k] = h.dims();
    let s = t + 1; // sources: every token, and the biases
    let bias_part = t;
    // D[s, t, :] = the part of the stream at position t that comes from source s.
    let h0_host = to_vec(h0.clone());
    let mut d0 = vec![0f32; s * t * k];
    for ti in 0..t {
        d0[(ti * t + ti) * k..(ti * t + ti + 1) * k]
            .copy_from_slice(&h0_host[ti * k..(ti + 1) * k]);
    }
    let mut parts = Tensor::<3>::from_data(TensorData::new(d0, [s, t, k]), &device);
    let mut attention = Vec::new();
    let mut writes: Vec<(String, Tensor<2>)> =
        vec![("embedding".into(), h0.clone().reshape([t, k]))];
    let mut memory_writes: Vec<(usize, Tensor<2>, Tensor<2>)> = Vec::new(); // (layer, act [T,M], values [M,K])
    for (l, (layer, tr)) in m.layers.iter().zip(&traces).enumerate() {
        let heads = layer.attention.heads();
        let alpha = tr.alpha.clone().reshape([heads, t, t]);
        parts = parts.clone() + layer.attention.decompose(alpha.clone(), parts);
        let act = tr.activations.clone().reshape([t, layer.memory.memories()]);
        let gates = act.clone().greater_elem(0.0).float();
        parts = parts.clone() + layer.memory.decompose(gates, parts, bias_part);
        let alpha_host = to_vec(alpha);
        let per_head = tr.per_head.clone().reshape([heads, t, k]);
        for hh in 0..heads {
            attention.push((
                format!("layer {} head {}", l + 1, hh + 1),
                grid(&alpha_host[hh * t * t..(hh + 1) * t * t], t),
            ));
            let idx = Tensor::<1, Int>::from_data(TensorData::new(vec![hh as i64], [1]), &device);
            writes.push((
                format!("layer {} head {}", l + 1, hh + 1),
                per_head.clone().select(0, idx).reshape([t, k]),
            ));
        }
        memory_writes.push((l, act, layer.memory.effective_values()));
    }
    let (w, b, c) = readout_host(&m.readout);
    let w_t = m.readout.weights(); // [K, C]
    // Each output reads the final stream through one or more terms `(β, W)`: logit = Σ β h W + b.
    // Sequence tasks: the pooling weights β and the read-out. Token tasks: the position itself
    // (one-hot β) with the read-out, and each neighbour in the context window with its matrix.
    type Term = (Vec<f32>, Vec<f32>, Tensor<2>);
    let mut outputs = Vec::new();
    let per_output: Vec<(Option<usize>, Vec<Term>)> = if m.token_task {
        let one_hot = |p: usize| (0..t).map(|x| f32::from(u8::from(x == p))).collect();
        // Each offset's matrix, on the device and on the host, copied once for all positions.
        let context: Vec<(isize, Vec<f32>, Tensor<2>)> = m
            .offsets()
            .into_iter()
            .zip(&m.context)
            .map(|(d, r)| (d, to_vec(r.val()), r.val()))
            .collect();
        (0..t)
            .map(|p| {
                let mut terms: Vec<Term> = vec![(one_hot(p), w.clone(), w_t.clone())];
                for (d, r_host, r) in &context {
                    let q = p as isize + d;
                    if (0..t as isize).contains(&q) {
                        terms.push((one_hot(q as usize), r_host.clone(), r.clone()));
                    }
                }
                (Some(p), terms)
            })
            .collect()
    } else {
        let (_, beta) = m.pool.forward_dense(h.clone(), batch.mask.clone());
        let beta = to_vec(beta);
        attention.insert(0, ("pooling".into(), vec![beta.clone()]));
        vec![(None, vec![(beta, w.clone(), w_t.clone())])]
    };
    let h_host = to_vec(h.reshape([t, k]));
    // The fine-level window on the host: the tokens' sparse fine vectors and each offset's
    // matrix.
    let fine_host = m.fine.as_ref().map(|f| {
        let x = f.forward(batch.tokens.clone());
        let p = x.val.dims()[2];
        let idx: Vec<i64> = to_vec_int(x.idx);
        let mats: Vec<Vec<f32>> = m.fine_readout.iter().map(|r| to_vec(r.val())).collect();
        (p, idx, to_vec(x.val), mats)
    });
    for (position, terms) in per_output {
        let mut per_source = vec![0f32; s * c]; // [S, C]
        let mut communities = vec![vec![0f32; c]; k];
        let mut components: Vec<(String, Vec<f32>)> = writes
            .iter()
            .map(|(name, _)| (name.clone(), vec![0f32; c]))
            .collect();
        let mut memory_terms: Vec<Vec<Vec<f32>>> = memory_writes
            .iter()
            .map(|(_, act, _)| vec![vec![0f32; c]; act.dims()[1]])
            .collect();
        let mut memory_active: Vec<Vec<bool>> =
            memory_terms.iter().map(|m| vec![false; m.len()]).collect();
        let mut pooled_by_term = Vec::with_capacity(terms.len()); // [S, K] per term
        for (beta, wh, wt) in &terms {
            let beta_t = Tensor::<2>::from_data(TensorData::new(beta.clone(), [1, t]), &device);
            // Token split: Σ_t β_t D[s, t, :] W.
            let pooled_parts = beta_t
                .clone()
                .reshape([1, 1, t])
                .expand([s, 1, t])
                .matmul(parts.clone())
                .reshape([s, k]);
            for (acc, v) in per_source
                .iter_mut()
                .zip(to_vec(pooled_parts.clone().matmul(wt.clone())))
            {
                *acc += v;
            }
            // Community split of the pooled final stream.
            for (kk, row) in communities.iter_mut().enumerate() {
                let pooled: f32 = (0..t).map(|ti| beta[ti] * h_host[ti * k + kk]).sum();
                for (cc, x) in row.iter_mut().enumerate() {
                    *x += pooled * wh[kk * c + cc];
                }
            }
            // Component split: every write into the stream, pooled and read out.
            for ((_, wr), (_, acc)) in writes.iter().zip(components.iter_mut()) {
                let v = to_vec(beta_t.clone().matmul(wr.clone()).matmul(wt.clone()));
                for (a, x) in acc.iter_mut().zip(v) {
                    *a += x;
                }
            }
            for (li, (_, act, values)) in memory_writes.iter().enumerate() {
                let a = to_vec(beta_t.clone().matmul(act.clone())); // [M]
                let vw = to_vec(values.clone().matmul(wt.clone())); // [M, C]
                for (i, ai) in a.iter().enumerate() {
                    if *ai != 0.0 {
                        memory_active[li][i] = true;
                        for cc in 0..c {
                            memory_terms[li][i][cc] += ai * vw[i * c + cc];
                        }
                    }
                }
            }
            pooled_by_term.push(to_vec(pooled_parts));
        }
        // Fine-level window: token q at offset d from the output reads its fine vector
        // through F_d.
        let mut fine: std::collections::BTreeMap<u32, Vec<f32>> = Default::default();
        if let (Some(p_out), Some((p, idx, val, mats))) = (position, &fine_host) {
            for (j, d) in m.fine_offsets().into_iter().enumerate() {
                let q = p_out as isize + d;
                if !(0..t as isize).contains(&q) {
                    continue;
                }
                let q = q as usize;
                for e in 0..*p {
                    let (kk, v) = (idx[q * p + e] as usize, val[q * p + e]);
                    if v == 0.0 {
                        continue;
                    }
                    let row = fine.entry(kk as u32).or_insert_with(|| vec![0f32; c]);
                    for cc in 0..c {
                        let term = v * mats[j][kk * c + cc];
                        per_source[q * c + cc] += term;
                        row[cc] += term;
                    }
                }
            }
        }
        let fine_total: Vec<f32> = (0..c)
            .map(|cc| fine.values().map(|r| r[cc]).sum())
            .collect();
        let tokens: Vec<Vec<f32>> = grid(&per_source[..t * c], c);
        let bias: Vec<f32> = (0..c).map(|cc| per_source[t * c + cc] + b[cc]).collect();
        let logits: Vec<f32> = (0..c)
            .map(|cc| communities.iter().map(|r| r[cc]).sum::<f32>() + fine_total[cc] + b[cc])
            .collect();
        let own = argmax(&logits);
        let predicted = match (tags, position) {
            (Some(tags), Some(p)) => tags[p],
            _ => own,
        };
        for (li, (l, _, _)) in memory_writes.iter().enumerate() {
            for (i, v) in memory_terms[li].iter().enumerate() {
                if memory_active[li][i] {
                    components.push((format!("layer {} memory {}", l + 1, i + 1), v.clone()));
                }
            }
        }
        if m.fine.is_some() {
            components.push(("fine-level window".into(), fine_total));
        }
        components.push(("read-out bias".into(), b.clone()));
        // Largest community terms of every token for the predicted class.
        let token_communities = (0..t)
            .map(|ti| {
                top_terms(
                    (0..k).map(|kk| {
                        let v = terms
                            .iter()
                            .zip(&pooled_by_term)
                            .map(|((_, wh, _), pp)| pp[ti * k + kk] * wh[kk * c + predicted])
                            .sum::<f32>();
                        (kk as u32, v)
                    }),
                    10,
                )
            })
            .collect();
        outputs.push(OutputExplanation {
            position,
            logits,
            predicted,
            argmax: (own != predicted).then_some(own),
            tokens,
            bias,
            communities,
            components,
            token_communities,
            fine_communities: fine
                .into_iter()
                .filter(|(_, r)| r.iter().any(|v| *v != 0.0))
                .collect(),
            levels: Vec::new(),
            lexical: Vec::new(),
        });
    }
    let _ = SURFACE_FEATURES;
    (outputs, attention)
}

/// Explains the hierarchical model on a batch of one example: the token split follows every
/// fine unit up its chain of ancestors (one parent each), with the ReLU gates fixed.
pub fn explain_hierarchical(
    m: &HierarchicalClassifier,
    batch: &Batch,
) -> (OutputExplanation, Vec<f32>) {
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
                tokens[ti][cc] += alpha[ti] * v * fine_gain[col][cc];
            }
            terms.push((col as u32, alpha[ti] * v * fine_gain[col][predicted]));
        }
        token_communities.push(top_terms(terms.into_iter(), 10));
    }
    // Biases: each level's bias on fired units, through the gains of the level above.
    let mut bias = b.clone();
    let mut components = Vec::new();
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
        components.push((format!("level {} biases", li + 1), v));
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
        (
            "embedding (via task attention and the hierarchy)".into(),
            embedding,
        ),
    );
    components.push(("read-out bias".into(), b));
    let out = OutputExplanation {
        position: None,
        logits,
        predicted,
        argmax: None,
        tokens,
        bias,
        communities,
        components,
        token_communities,
        fine_communities: Vec::new(),
        levels: by_level,
        lexical: Vec::new(),
    };
    (out, alpha)
}
