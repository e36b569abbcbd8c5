//! `sinr analyze`: how faithful, compact and plausible a model's explanations are, example by
//! example, and what its mechanisms look like.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::explanation::ComponentKind;
use crate::file::{Document, required};
use crate::vocab::Method;

/// Version of what `sinr analyze` computes; caches of older versions must be redone.
/// 2: token importances (exact contributions and gradient × input) explain the predicted
/// class's log-odds instead of its logit. 3: tagging analyses take the tags of the best valid
/// BIO path instead of each position's argmax. 4: the component shares count the attention
/// classifier's word and n-gram weights as `lexical` instead of `embedding`, and the largest
/// n-gram feature terms are kept ([`ExampleAnalysis::lexical`]). 5: typed files (methods and
/// component kinds by name, memories' writes and tokens as records). 6: communities and
/// memories are labelled by representative words (node recall × ln count,
/// `sinr_embed::LabelRanking`) instead of the highest node recall.
pub const ANALYSIS_VERSION: u32 = 6;

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

/// The contribution of a term to class `c`'s log-odds (see [`log_odds_weights`]) from its
/// contribution to every class's logit: `v_c − mean of the others`.
pub fn log_odds_of(v: &[f64], c: usize) -> f64 {
    if v.len() < 2 {
        return v.get(c).copied().unwrap_or(0.0);
    }
    let total: f64 = v.iter().sum();
    v[c] - (total - v[c]) / (v.len() - 1) as f64
}

/// Token importances of one example, by method (each a score per token, larger = more in favour
/// of the predicted class), and what the explanation-quality metrics need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleAnalysis {
    /// Predicted class.
    pub predicted: usize,
    /// Gold class.
    pub gold: usize,
    /// Probability of the predicted class.
    pub probability: f64,
    /// Tokens.
    pub tokens: Vec<String>,
    /// Importance of every token, by method.
    pub importances: BTreeMap<Method, Vec<f64>>,
    /// Comprehensiveness at each ERASER fraction, by method.
    pub comprehensiveness: BTreeMap<Method, Vec<f64>>,
    /// Sufficiency at each ERASER fraction, by method.
    pub sufficiency: BTreeMap<Method, Vec<f64>>,
    /// `|logit − Σ contributions|` relative, exact models only.
    #[serde(deserialize_with = "required")]
    pub completeness_error: Option<f64>,
    /// Tokens needed to cover 90 % of the absolute token contributions (exact models).
    #[serde(deserialize_with = "required")]
    pub tokens_for_90: Option<usize>,
    /// Communities needed to cover 90 % of the absolute community contributions (exact models).
    #[serde(deserialize_with = "required")]
    pub communities_for_90: Option<usize>,
    /// The ten communities with the largest absolute contribution to the prediction.
    pub top_communities: Vec<u32>,
    /// Share of the absolute component contributions, by component kind.
    pub component_shares: BTreeMap<ComponentKind, f64>,
    /// Mean attention entropy (nats) of every head, `layer l head h → entropy`.
    pub head_entropy: BTreeMap<String, f64>,
    /// Mean attention of every head to the query position itself.
    pub head_self_attention: BTreeMap<String, f64>,
    /// Mean attention of every head to the previous token (positions after the first).
    #[serde(default)]
    pub head_previous: BTreeMap<String, f64>,
    /// Mean attention of every head to the next token (positions before the last).
    #[serde(default)]
    pub head_next: BTreeMap<String, f64>,
    /// Mean attention of every head to other occurrences of the query's own word.
    #[serde(default)]
    pub head_same_word: BTreeMap<String, f64>,
    /// The attention classifier's n-gram weights by feature: `(index of the feature in the
    /// example's lexical features, its term for every class)`, the 30 largest for the
    /// prediction; whoever has the text names them ([`AnalysedExample::lexical_names`]).
    pub lexical: Vec<(u32, Vec<f32>)>,
}

impl ExampleAnalysis {
    /// The analysis of an example predicted `predicted` (gold `gold`) with `probability`,
    /// before any method has scored it.
    pub fn new(predicted: usize, gold: usize, probability: f64, tokens: Vec<String>) -> Self {
        Self {
            predicted,
            gold,
            probability,
            tokens,
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
            head_previous: BTreeMap::new(),
            head_next: BTreeMap::new(),
            head_same_word: BTreeMap::new(),
            lexical: Vec::new(),
        }
    }
}

/// One analysed test example of a classification task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysedExample {
    /// Its index in the test split.
    pub index: usize,
    /// The text.
    pub text: String,
    /// The analysis.
    pub analysis: ExampleAnalysis,
    /// The names of the kept n-gram features, in the order of `analysis.lexical`.
    pub lexical_names: Vec<String>,
}

/// What one feed-forward memory of the SINr transformer does (after Geva et al.): which tokens
/// trigger it and which communities it writes into the stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryProfile {
    /// 1-based layer.
    pub layer: usize,
    /// 1-based memory within the layer.
    pub memory: usize,
    /// Mean activation (its key's ReLU score) over every analysed token position.
    pub mean_activation: f64,
    /// The tokens at the positions where it fires most, with their largest activation (at most
    /// eight distinct tokens).
    pub top_tokens: Vec<TokenActivation>,
    /// The communities its value writes most.
    pub writes: Vec<MemoryWrite>,
}

/// A token and the largest activation it gave a memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenActivation {
    /// The token (lowercased).
    pub token: String,
    /// Its largest activation.
    pub activation: f64,
}

/// A community a memory writes into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryWrite {
    /// The dimension of the stream.
    pub dimension: usize,
    /// The value's weight on it.
    pub weight: f64,
    /// The words labelling the community.
    pub words: Vec<String>,
}

/// `sinr analyze` on a classification task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassificationAnalysis {
    /// [`ANALYSIS_VERSION`].
    pub version: u32,
    /// The model kind.
    pub model: String,
    /// Class names.
    pub labels: Vec<String>,
    /// The analysed test examples.
    pub examples: Vec<AnalysedExample>,
    /// The SINr transformer's most active memories (empty for the other models).
    pub memories: Vec<MemoryProfile>,
}

impl Document for ClassificationAnalysis {
    const KIND: &'static str = "classification analysis";
    const VERSION: u32 = ANALYSIS_VERSION;
    fn version(&self) -> u32 {
        self.version
    }
}

/// NER plausibility for one gold entity: how much the tagging of the entity's own positions rests
/// on the entity's own tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    pub own_share: BTreeMap<Method, f64>,
    /// `method → fraction of the entity's positions whose most important token (most in favour
    /// of the predicted tag) is one of the entity's tokens`.
    pub top_inside: BTreeMap<Method, f64>,
    /// The share a uniform importance would give the entity: its length over the sentence's.
    pub chance_share: f64,
}

/// One analysed test sentence of a tagging task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysedSentence {
    /// Its index in the test split.
    pub index: usize,
    /// Its tokens.
    pub tokens: Vec<String>,
    /// Its gold entities.
    pub entities: Vec<EntityAttribution>,
}

/// `sinr analyze` on a tagging task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaggingAnalysis {
    /// [`ANALYSIS_VERSION`].
    pub version: u32,
    /// The model kind.
    pub model: String,
    /// Tag names.
    pub labels: Vec<String>,
    /// The analysed test sentences (those with entities).
    pub sentences: Vec<AnalysedSentence>,
}

impl Document for TaggingAnalysis {
    const KIND: &'static str = "tagging analysis";
    const VERSION: u32 = ANALYSIS_VERSION;
    fn version(&self) -> u32 {
        self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn log_odds_of_is_the_weights_applied() {
        let v = [3.0, 0.5, -1.0];
        for c in 0..3 {
            let w = log_odds_weights(3, c);
            let by_weights: f64 = v.iter().zip(&w).map(|(x, w)| x * f64::from(*w)).sum();
            assert!((log_odds_of(&v, c) - by_weights).abs() < 1e-12);
        }
        assert_eq!(log_odds_of(&[1.0, -1.0], 0), 2.0);
    }
}
