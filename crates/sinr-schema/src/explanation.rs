//! `sinr explain --json`: the exact split of a prediction into tokens, communities and the
//! model's components.

use serde::{Deserialize, Serialize};

use crate::file::{Document, required};

/// Format version of [`Explanation`]. 1: components carry their kind.
pub const EXPLANATION_VERSION: u32 = 1;

/// Named attention maps.
pub type AttentionMaps = Vec<(String, Vec<Vec<f32>>)>;

/// What part of a model a component of [`OutputExplanation::components`] belongs to: the
/// kinds by which the analysis shares out the decision (Mickus et al.'s embedding, attention,
/// feed-forward and bias terms, with the attention classifier's word and n-gram weights apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
#[serde(deny_unknown_fields)]
pub struct OutputExplanation {
    /// Position explained (token tasks), `None` for the whole text.
    #[serde(deserialize_with = "required")]
    pub position: Option<usize>,
    /// Logits `[C]`.
    pub logits: Vec<f32>,
    /// Predicted class (token tasks: the tag of the best valid BIO path).
    pub predicted: usize,
    /// Token tasks: this position's own argmax, where the BIO constraint decided another tag
    /// (say `I-PER` after `O`); `None` where they agree.
    #[serde(deserialize_with = "required")]
    pub argmax: Option<usize>,
    /// `[T][C]` contribution of every input token.
    pub tokens: Vec<Vec<f32>>,
    /// `[C]` what no token carries (biases).
    pub bias: Vec<f32>,
    /// `[K][C]` contribution of every dimension (community) of the final representation.
    pub communities: Vec<Vec<f32>>,
    /// The contribution of every component that writes into the final representation
    /// (embedding, heads, memories, hierarchy units, biases).
    pub components: Vec<Component>,
    /// `[T][(dimension, contribution to the predicted class)]`: the largest community terms of
    /// every token (at most 10 per token), for pictures.
    pub token_communities: Vec<Vec<(u32, f32)>>,
    /// `(fine community, [C])`: the terms of the fine-level window of a tagging read-out
    /// (communities of the model's fine level, not of `communities`), non-zero ones only.
    /// `communities` and these, plus the read-out bias, sum to the logits.
    pub fine_communities: Vec<(u32, Vec<f32>)>,
    /// `(level, [C])`: the decision by Louvain level (the hierarchical model reading every
    /// level): each level's read-out terms, then the read-out bias; they sum to the logits.
    /// Empty for the other models.
    pub levels: Vec<(String, Vec<f32>)>,
    /// The attention classifier's n-gram weights by feature: `(index of the feature in the
    /// example's lexical features, its term for every class)`, largest first for the
    /// predicted class: every feature in a model's exact terms (they sum to the n-gram weights'
    /// component), the 30 largest in an explanation.
    pub lexical: Vec<(u32, Vec<f32>)>,
}

/// A whole explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    /// [`EXPLANATION_VERSION`].
    pub version: u32,
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
    #[serde(deserialize_with = "required")]
    pub fine_level: Option<usize>,
    /// The names of the example's lexical features with the position of their token, in its
    /// order (filled by whoever has the text, as `sinr explain`).
    pub lexical_names: Vec<(String, u32)>,
    /// The words labelling the fine communities that matter (community → words).
    pub fine_dimension_words: Vec<(u32, Vec<String>)>,
    /// A tagger with a CRF: the transition terms of the decided path (the start, every step,
    /// the end). The path's score is the decided tags' logits (`outputs`) plus these. Empty
    /// for the other models.
    #[serde(default)]
    pub transitions: Vec<TransitionScore>,
    /// A text classifier's logits for the empty text (its prior: the read-out biases of the
    /// pooling models; the SINr transformer's also carry what its layers write on an input with no
    /// word), the reference its decision is read against; empty for taggers and older
    /// explanations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_logits: Vec<f32>,
    /// A tagged sentence of a data set: its gold tags, one per token (so that a reader sees
    /// where the decided tags are wrong); empty for free text and for texts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gold_tags: Vec<String>,
}

/// One transition term of a tagging CRF's decided path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionScore {
    /// The position of the tag it leads to (of the last tag, for the end).
    pub position: usize,
    /// The tag before (`None`: the start of the sentence).
    pub from: Option<String>,
    /// The tag after (`None`: the end of the sentence).
    pub to: Option<String>,
    /// Its score, added to the path's.
    pub score: f64,
}

impl TransitionScore {
    /// As people read it: `B-ORG → I-ORG`, `start → B-PER`, `I-LOC → end`.
    pub fn name(&self) -> String {
        format!(
            "{} → {}",
            self.from.as_deref().unwrap_or("start"),
            self.to.as_deref().unwrap_or("end")
        )
    }
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

    /// The `n` largest fine-community terms of output `o` for its decision
    /// ([`OutputExplanation::decision_term`]), each with the words labelling the community
    /// (empty when not labelled).
    pub fn top_fine_communities<'a>(
        &'a self,
        o: &'a OutputExplanation,
        n: usize,
    ) -> Vec<(u32, &'a [f32], &'a [String])> {
        let mut terms: Vec<&(u32, Vec<f32>)> = o.fine_communities.iter().collect();
        terms.sort_by(|a, b| {
            o.decision_term(&b.1)
                .abs()
                .total_cmp(&o.decision_term(&a.1).abs())
        });
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
    /// What a term (`r`, its contribution to every class's logit) means for this output's
    /// decision. A text's terms are read as the predicted class's log-odds (its logit minus the
    /// mean of the others', [`crate::log_odds_of`]), so that a term raising every class alike
    /// counts as no evidence; a tagger's position, as the decided tag's logit (the sentence's
    /// best path decides, not this position's odds).
    pub fn decision_term(&self, r: &[f32]) -> f32 {
        let c = self.predicted;
        if self.position.is_some() || r.len() < 2 {
            return r.get(c).copied().unwrap_or(0.0);
        }
        let total: f32 = r.iter().sum();
        r[c] - (total - r[c]) / (r.len() - 1) as f32
    }

    /// `max_c |logit_c − Σ parts_c|` for the token split, the community split and the component
    /// split (each must be ~0).
    pub fn completeness_error(&self) -> f32 {
        let mut worst = 0f32;
        for (k, &l) in self.logits.iter().enumerate() {
            let tok: f32 = self.tokens.iter().map(|t| t[k]).sum::<f32>() + self.bias[k];
            let comp: f32 = self.components.iter().map(|x| x.values[k]).sum();
            worst = worst.max((l - tok).abs()).max((l - comp).abs());
            if !self.levels.is_empty() {
                let by_level: f32 = self.levels.iter().map(|x| x.1[k]).sum();
                worst = worst.max((l - by_level).abs());
            }
        }
        worst
    }

    /// Relative version: divided by `max(1, max |logit|)`.
    pub fn relative_completeness_error(&self) -> f32 {
        let scale = self.logits.iter().fold(1f32, |m, l| m.max(l.abs()));
        self.completeness_error() / scale
    }
}

/// One component of a model and its contribution to every class: where (its kind and name)
/// and how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// What part of the model it is.
    pub kind: ComponentKind,
    /// Its name for people (`layer 1 head 2`, `read-out bias`).
    pub name: String,
    /// `[C]` its contribution to every class's logit.
    pub values: Vec<f32>,
}

impl Component {
    /// A component of `kind` named `name`.
    pub fn new(kind: ComponentKind, name: impl Into<String>, values: Vec<f32>) -> Self {
        Self {
            kind,
            name: name.into(),
            values,
        }
    }
}

impl Document for Explanation {
    const KIND: &'static str = "explanation";
    const VERSION: u32 = EXPLANATION_VERSION;
    fn version(&self) -> u32 {
        self.version
    }
}
