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
/// `sinr_embed::LabelRanking`) instead of the highest node recall. 7: heads' shares to the
/// first token, stop words, punctuation and from negators to their scope; class names;
/// component shares in log-odds against the empty text; memories' triggers by total activation.
/// 8: the heads' chance levels (`ExampleAnalysis::head_chance`). 9: the hierarchical model's
/// compactness counted per fine community of its input (and its levels' biases), not per
/// top-level ancestor.
pub const ANALYSIS_VERSION: u32 = 9;

/// Words that negate what follows them (after the tokenizer has split "don't" into "don" and
/// "t"), for the negation-scope pattern of `sinr_models::analysis::head_patterns`.
pub const NEGATORS: &[&str] = &[
    "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "nowhere", "without",
    "hardly", "barely", "cannot", "don", "doesn", "didn", "isn", "wasn", "aren", "weren", "won",
    "wouldn", "couldn", "shouldn", "hasn", "haven", "hadn", "ain",
];

/// How many tokens after a negator form its scope (fewer where punctuation or another negator
/// comes first): a fixed window, as in the lexicon-based sentiment literature, since the
/// tokens a model sees carry no parse.
pub const NEGATION_SCOPE: usize = 3;

/// The attention patterns of a head's profile, by key: the keys of
/// [`ExampleAnalysis::head_chance`], in the order tables show them.
pub const HEAD_PATTERN_KEYS: [&str; 8] = [
    "itself",
    "previous",
    "next",
    "first",
    "same_word",
    "stop_words",
    "punctuation",
    "negation_scope",
];

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

/// Each component's term of class `c`'s log-odds ([`log_odds_of`]) against a reference input
/// whose logits are `reference` (the empty text, which a model scores with its biases alone):
/// the reference's log-odds is the prior, taken off the biases' term, so that what is left of
/// the biases is what they add for this text. A constant offset (a term raising every logit
/// alike) has no log-odds and counts nothing. The terms sum to `log_odds(logits) −
/// log_odds(reference)` wherever the components sum to the logits.
pub fn reference_terms(
    components: &[(ComponentKind, Vec<f64>)],
    c: usize,
    reference: &[f64],
) -> BTreeMap<ComponentKind, f64> {
    let mut terms: BTreeMap<ComponentKind, f64> = BTreeMap::new();
    for (kind, v) in components {
        *terms.entry(*kind).or_default() += log_odds_of(v, c);
    }
    *terms.entry(ComponentKind::Biases).or_default() -= log_odds_of(reference, c);
    terms
}

/// Shares of the absolute [`reference_terms`] (summing to 1; empty if every term is 0).
pub fn reference_shares(terms: &BTreeMap<ComponentKind, f64>) -> BTreeMap<ComponentKind, f64> {
    let total: f64 = terms.values().map(|v| v.abs()).sum();
    if total <= 0.0 {
        return BTreeMap::new();
    }
    terms.iter().map(|(k, v)| (*k, v.abs() / total)).collect()
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
    /// Share of the absolute component terms of the predicted class's log-odds against the
    /// empty text ([`reference_shares`] of `component_log_odds`), by component kind.
    pub component_shares: BTreeMap<ComponentKind, f64>,
    /// The components' terms of the predicted class's log-odds against the empty text
    /// ([`reference_terms`]; they sum to the log-odds minus `reference_log_odds`).
    #[serde(default)]
    pub component_log_odds: BTreeMap<ComponentKind, f64>,
    /// The predicted class's log-odds for the empty text (the model's prior), exact models.
    #[serde(default)]
    pub reference_log_odds: Option<f64>,
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
    /// Mean attention of every head to the first token (positions after the first).
    #[serde(default)]
    pub head_first: BTreeMap<String, f64>,
    /// Mean attention of every head to stop words at other positions (texts with one).
    #[serde(default)]
    pub head_stop_words: BTreeMap<String, f64>,
    /// Mean attention of every head to punctuation at other positions (texts with some).
    #[serde(default)]
    pub head_punctuation: BTreeMap<String, f64>,
    /// Mean attention of every head from a negator to the words of its scope (texts with one).
    #[serde(default)]
    pub head_negation_scope: BTreeMap<String, f64>,
    /// What a uniform head would score on each pattern of this text, by
    /// [`HEAD_PATTERN_KEYS`]: the chance level of the heads' shares. Empty for a model without
    /// heads.
    #[serde(default)]
    pub head_chance: BTreeMap<String, f64>,
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
            component_log_odds: BTreeMap::new(),
            reference_log_odds: None,
            head_entropy: BTreeMap::new(),
            head_self_attention: BTreeMap::new(),
            head_previous: BTreeMap::new(),
            head_next: BTreeMap::new(),
            head_same_word: BTreeMap::new(),
            head_first: BTreeMap::new(),
            head_stop_words: BTreeMap::new(),
            head_punctuation: BTreeMap::new(),
            head_negation_scope: BTreeMap::new(),
            head_chance: BTreeMap::new(),
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

/// A token that triggers a memory: its mean activation where it fires it, and how often.
/// Memories list the tokens that carry most of their activation (mean × occurrences), so a
/// token met once does not outrank one the memory fires on throughout the texts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenActivation {
    /// The token (lowercased).
    pub token: String,
    /// Its mean positive activation.
    pub activation: f64,
    /// The occurrences at which it fired the memory (0 in analyses before version 7).
    #[serde(default)]
    pub count: usize,
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

    #[test]
    fn reference_terms_sum_to_the_log_odds_difference_and_ignore_offsets() {
        use ComponentKind::{Biases, Embedding, Heads};
        // Two classes; logits = Σ components = [2.5, 0.0]; the empty text scores [1.0, 0.5].
        let components = vec![
            (Embedding, vec![1.0, -1.0]),
            // An offset: raises both logits alike, so no evidence either way.
            (Heads, vec![3.0, 3.0]),
            (Biases, vec![1.0, 0.5]),
            (Biases, vec![-2.5, -2.5]),
        ];
        let logits = [2.5, 0.0];
        let reference = [1.0, 0.5];
        let t = reference_terms(&components, 0, &reference);
        assert_eq!(t[&Embedding], 2.0);
        assert_eq!(t[&Heads], 0.0);
        // Biases: log-odds 0.5 + 0, minus the prior 0.5.
        assert_eq!(t[&Biases], 0.0);
        let sum: f64 = t.values().sum();
        assert!((sum - (log_odds_of(&logits, 0) - log_odds_of(&reference, 0))).abs() < 1e-12);
        let sh = reference_shares(&t);
        assert_eq!(sh[&Embedding], 1.0);
        assert_eq!(sh[&Heads], 0.0);
        // For the other class every term changes sign, and the shares stay.
        let t1 = reference_terms(&components, 1, &reference);
        assert_eq!(t1[&Embedding], -2.0);
        assert_eq!(reference_shares(&t1), sh);
        // Three classes: still the log-odds difference.
        let comps = vec![
            (Embedding, vec![0.3, -0.2, 0.9]),
            (Biases, vec![0.1, 0.4, -0.7]),
        ];
        let logits = [0.4, 0.2, 0.2];
        let reference = [0.0, 0.1, -0.3];
        let t = reference_terms(&comps, 2, &reference);
        let sum: f64 = t.values().sum();
        assert!((sum - (log_odds_of(&logits, 2) - log_odds_of(&reference, 2))).abs() < 1e-12);
        assert!(reference_shares(&BTreeMap::new()).is_empty());
    }
}
