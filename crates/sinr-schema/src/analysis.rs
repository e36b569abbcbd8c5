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
/// top-level ancestor. 10: component shares against the mean terms of a sample of training
/// texts, kind by kind, instead of the empty text's logits taken off the biases (a head writing
/// the same thing on every text counted as evidence, and the biases' term as its opposite); the
/// reference's log-odds reported as the offset's share. 11: memories' triggers ranked by mean
/// activation × ln(occurrences) (the most frequent words, which fire every memory, led), their
/// writes by how far they stand from what the layer writes on average, each memory weighted by
/// its activation (every memory's first write was the same carrier community).
pub const ANALYSIS_VERSION: u32 = 11;

/// How many training texts make the reference of the component shares (`sinr analyze`: each
/// kind's mean terms over them, [`mean_components`]).
pub const REFERENCE_TEXTS: usize = 200;

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

/// The patterns' names as tables and pages print them, in the order of
/// [`HEAD_PATTERN_KEYS`].
pub const HEAD_PATTERN_NAMES: [&str; 8] = [
    "itself",
    "previous token",
    "next token",
    "first token",
    "same word",
    "stop words",
    "punctuation",
    "negation scope",
];

/// The mean attention entropy (nats) below which a head without a positional pattern is called
/// sharp: it attends to few tokens, chosen by content; above, broad (Clark et al. 2019's "broad"
/// heads spread their attention over the whole text).
pub const SHARP_BELOW: f64 = 1.0;

/// The pattern a head follows, from its mean share of attention to each pattern (`shares`, in
/// the order of [`HEAD_PATTERN_KEYS`], NaN where no text gave occasion for it), a
/// uniform head's on the same texts (`chance`, NaN where unknown: read against 0) and its mean
/// entropy: the largest share that is at least 0.3 and at least 1.5 times its chance level,
/// else "sharp, by content" or "broad" ([`SHARP_BELOW`]). Negation scope is measured from
/// negators only, so it does not compete: it is named beside the pattern where it passes the
/// same bar.
pub fn head_pattern_name(shares: &[f64; 8], chance: &[f64; 8], entropy: f64) -> String {
    let passes = |i: usize| {
        shares[i].is_finite()
            && shares[i] >= 0.3
            && (!chance[i].is_finite() || shares[i] >= 1.5 * chance[i])
    };
    let scope = HEAD_PATTERN_NAMES.len() - 1;
    let best = (0..scope)
        .filter(|&i| passes(i))
        .max_by(|&a, &b| shares[a].total_cmp(&shares[b]));
    let mut pattern = match best {
        Some(i) => format!("{} ({:.2})", HEAD_PATTERN_NAMES[i], shares[i]),
        None if entropy < SHARP_BELOW => "sharp, by content".to_owned(),
        None => "broad".to_owned(),
    };
    if passes(scope) {
        pattern.push_str(&format!("; negator → scope ({:.2})", shares[scope]));
    }
    pattern
}

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

/// Each component kind's term of class `c`'s log-odds ([`log_odds_of`]) against a reference:
/// what the kind gives this text minus what it gives the reference (`reference`, by kind: the
/// mean of its terms over a sample of training texts, [`mean_components`]). A term the same on
/// every text (the read-out bias, a head that writes the same vector whatever it reads) counts
/// nothing here: it is part of the reference's log-odds, the model's offset, which
/// [`reference_shares`] reports as such. A constant offset (a term raising every logit alike) has
/// no log-odds at all. The terms sum to `log_odds(logits) − log_odds(Σ reference)` wherever the
/// components sum to the logits.
pub fn reference_terms(
    components: &[(ComponentKind, Vec<f64>)],
    c: usize,
    reference: &BTreeMap<ComponentKind, Vec<f64>>,
) -> BTreeMap<ComponentKind, f64> {
    let mut terms: BTreeMap<ComponentKind, f64> = BTreeMap::new();
    for (kind, v) in components {
        *terms.entry(*kind).or_default() += log_odds_of(v, c);
    }
    for (kind, v) in reference {
        *terms.entry(*kind).or_default() -= log_odds_of(v, c);
    }
    terms
}

/// The mean of each kind's logit terms over the explanations of several texts (each a list of
/// `(kind, terms per class)`): the reference of [`reference_terms`]. Empty for no text.
pub fn mean_components(
    texts: &[Vec<(ComponentKind, Vec<f64>)>],
) -> BTreeMap<ComponentKind, Vec<f64>> {
    let mut sum: BTreeMap<ComponentKind, Vec<f64>> = BTreeMap::new();
    for text in texts {
        for (kind, v) in text {
            let acc = sum.entry(*kind).or_insert_with(|| vec![0.0; v.len()]);
            for (a, x) in acc.iter_mut().zip(v) {
                *a += x;
            }
        }
    }
    let n = texts.len() as f64;
    for v in sum.values_mut() {
        v.iter_mut().for_each(|x| *x /= n);
    }
    sum
}

/// The reference's own log-odds of class `c` (the model's offset: what it says of the
/// reference, the sum of its kinds' terms; [`log_odds_of`] is linear, so this is the log-odds
/// of the reference's summed logits).
pub fn reference_offset(reference: &BTreeMap<ComponentKind, Vec<f64>>, c: usize) -> f64 {
    reference.values().map(|v| log_odds_of(v, c)).sum()
}

/// The shares of the absolute [`reference_terms`] and of the reference's own log-odds
/// `offset` (the model's lean before this text's evidence: its biases and every constant
/// write, at the reference), together summing to 1: `(shares by kind, offset's share)`; empty
/// and 0 if every term is 0.
pub fn reference_shares(
    terms: &BTreeMap<ComponentKind, f64>,
    offset: f64,
) -> (BTreeMap<ComponentKind, f64>, f64) {
    let total: f64 = terms.values().map(|v| v.abs()).sum::<f64>() + offset.abs();
    if total <= 0.0 {
        return (BTreeMap::new(), 0.0);
    }
    (
        terms.iter().map(|(k, v)| (*k, v.abs() / total)).collect(),
        offset.abs() / total,
    )
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
    /// reference ([`reference_shares`] of `component_log_odds` and `reference_log_odds`), by
    /// component kind; with `offset_share`, they sum to 1.
    pub component_shares: BTreeMap<ComponentKind, f64>,
    /// The share of the reference's own log-odds (the model's offset) beside the
    /// `component_shares`, exact models.
    #[serde(deserialize_with = "required")]
    pub offset_share: Option<f64>,
    /// The components' terms of the predicted class's log-odds against the reference, the mean
    /// terms of a sample of training texts ([`reference_terms`]; they sum to the log-odds minus
    /// `reference_log_odds`).
    #[serde(default)]
    pub component_log_odds: BTreeMap<ComponentKind, f64>,
    /// The predicted class's log-odds at the reference (the mean of the training sample's
    /// logits: the model's offset), exact models.
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
            offset_share: None,
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
    /// The tokens typical of it and common: by mean activation × ln(occurrences) (at most
    /// eight distinct tokens; before version 11, by mean × occurrences).
    pub top_tokens: Vec<TokenActivation>,
    /// The communities its value writes most beyond what the layer's memories write on average,
    /// each weighted by its activation (what every active memory of the layer writes alike;
    /// before version 11, by the value alone).
    pub writes: Vec<MemoryWrite>,
}

/// A token that triggers a memory: its mean activation where it fires it, and how often.
/// Memories list the tokens both typical of them and common (mean × ln(occurrences)), so
/// neither a token met once nor one every memory fires on because it is in every text leads.
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
    /// The value's weight on it (as it is, not less the layer's average).
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
        use ComponentKind::{Biases, Embedding, Heads, Memories};
        // Two texts of a two-class model: the embedding's terms vary, a head writes the same
        // thing on both (an offset toward class 0), the read-out bias is a constant.
        let text = |e: f64| {
            vec![
                (Embedding, vec![e, -e]),
                (Heads, vec![3.0, 1.0]),
                (Heads, vec![0.5, 0.5]),
                (Biases, vec![1.0, 0.5]),
            ]
        };
        let (a, b) = (text(1.0), text(-0.5));
        let reference = mean_components(&[a.clone(), b.clone()]);
        assert_eq!(reference[&Embedding], vec![0.25, -0.25]);
        assert_eq!(reference[&Heads], vec![3.5, 1.5]);
        let logits = |x: &[(ComponentKind, Vec<f64>)]| {
            (0..x[0].1.len())
                .map(|k| x.iter().map(|(_, v)| v[k]).sum::<f64>())
                .collect::<Vec<_>>()
        };
        let prior: Vec<f64> = (0..2)
            .map(|k| reference.values().map(|v| v[k]).sum())
            .collect();
        let t = reference_terms(&a, 0, &reference);
        // The embedding: 2 for this text, 0.5 at the reference.
        assert_eq!(t[&Embedding], 1.5);
        // The head's offset and the bias are the same on every text: no evidence.
        assert_eq!(t[&Heads], 0.0);
        assert_eq!(t[&Biases], 0.0);
        let sum: f64 = t.values().sum();
        let offset = log_odds_of(&prior, 0);
        assert_eq!(offset, 0.5 + 2.0 + 0.5);
        assert!((reference_offset(&reference, 0) - offset).abs() < 1e-12);
        assert!((sum - (log_odds_of(&logits(&a), 0) - offset)).abs() < 1e-12);
        // Shares: the offset 3 beside the embedding's 1.5.
        let (sh, off) = reference_shares(&t, offset);
        assert!((sh[&Embedding] - 1.5 / 4.5).abs() < 1e-12);
        assert!((off - 3.0 / 4.5).abs() < 1e-12);
        assert!((sh.values().sum::<f64>() + off - 1.0).abs() < 1e-12);
        // For the other class every term and the offset change sign, and the shares stay.
        let t1 = reference_terms(&a, 1, &reference);
        assert_eq!(t1[&Embedding], -1.5);
        assert_eq!(reference_shares(&t1, log_odds_of(&prior, 1)), (sh, off));
        // A kind the reference has and the text lacks (a memory that did not fire here) counts
        // what the reference has; three classes: still the log-odds difference.
        let with_memory = vec![
            (Embedding, vec![0.3, -0.2, 0.9]),
            (Memories, vec![1.0, 0.0, 0.0]),
        ];
        let without = vec![(Embedding, vec![0.1, 0.4, -0.7])];
        let reference = mean_components(&[with_memory, without.clone()]);
        let t = reference_terms(&without, 2, &reference);
        assert_eq!(t[&Memories], 0.25);
        let prior: Vec<f64> = (0..3)
            .map(|k| reference.values().map(|v| v[k]).sum())
            .collect();
        let sum: f64 = t.values().sum();
        let expected = log_odds_of(&logits(&without), 2) - log_odds_of(&prior, 2);
        assert!((sum - expected).abs() < 1e-12);
        assert_eq!(
            reference_shares(&BTreeMap::new(), 0.0),
            (BTreeMap::new(), 0.0)
        );
        assert!(mean_components(&[]).is_empty());
    }
}
