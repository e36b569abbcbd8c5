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
/// `Default`: every part empty (a text's, class 0 predicted), for tests to fill.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// `[K][C]` the part of `communities` that the tokens' own input vectors carry to the
    /// read-out (the residual path from the embedding); the rest of a community's term was
    /// written into it by the layers (heads, memories), which can write into a community
    /// whose words are not in the text. Empty for the models whose final representation is
    /// made of their input vectors alone (every term its words' own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub community_own: Vec<Vec<f32>>,
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
    /// How many training texts `reference_logits` and `reference_components` average (a
    /// [`Reference`]); 0 where the reference is the empty text.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reference_texts: usize,
    /// Each named component's mean terms over the reference's training texts (0 where a text
    /// lacks it, as a memory it does not trigger): what [`Explanation::component_terms`] takes
    /// off. Empty where the reference is the empty text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_components: Vec<Component>,
    /// `[K][C]` each community's mean terms over the reference's training texts (what
    /// [`Explanation::community_terms`] takes off); empty where the reference is the empty text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_communities: Vec<Vec<f32>>,
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

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Version of [`Reference`] files.
pub const REFERENCE_VERSION: u32 = 1;

/// What a text classifier's explanations are read against (`reference.json` in a run
/// directory): the mean logits and the mean terms of each named component over a seeded sample
/// of training texts. A term that is the same on every text (the read-out bias, a head that
/// writes one vector whatever it reads) is part of the reference, the lean the model has on an
/// average text, not evidence of the text at hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// [`REFERENCE_VERSION`].
    pub version: u32,
    /// How many training texts it averages (0: the empty text, the fallback where no training
    /// text is at hand).
    pub texts: usize,
    /// The seed of their draw.
    pub seed: u64,
    /// `[C]` the mean logits.
    pub logits: Vec<f32>,
    /// Each named component's mean terms (0 where a text lacks it); they sum to `logits`.
    pub components: Vec<Component>,
    /// `[K][C]` each community's (dimension's) mean terms.
    #[serde(default)]
    pub communities: Vec<Vec<f32>>,
}

impl Reference {
    /// The empty text as the reference (`logits` its logits, no component).
    pub fn empty_text(logits: Vec<f32>) -> Self {
        Self {
            version: REFERENCE_VERSION,
            texts: 0,
            seed: 0,
            logits,
            components: Vec::new(),
            communities: Vec::new(),
        }
    }

    /// The mean of several texts' explanations (each a text's output): the mean logits, each
    /// named component's mean and each community's, the reference of `texts.len()` texts drawn
    /// with `seed`. Components keep the order in which they first appear.
    pub fn mean_of(texts: &[OutputExplanation], seed: u64) -> Self {
        let n = texts.len().max(1) as f64;
        let classes = texts.first().map_or(0, |t| t.logits.len());
        let dims = texts.first().map_or(0, |t| t.communities.len());
        let mut logits = vec![0f64; classes];
        let mut communities = vec![vec![0f64; classes]; dims];
        let mut order: Vec<(ComponentKind, String)> = Vec::new();
        let mut sums: std::collections::HashMap<(ComponentKind, String), Vec<f64>> =
            std::collections::HashMap::new();
        for o in texts {
            let (l, comps) = (&o.logits, &o.components);
            for (a, x) in logits.iter_mut().zip(l) {
                *a += f64::from(*x);
            }
            for (acc, r) in communities.iter_mut().zip(&o.communities) {
                for (a, x) in acc.iter_mut().zip(r) {
                    *a += f64::from(*x);
                }
            }
            for c in comps {
                let key = (c.kind, c.name.clone());
                let acc = sums.entry(key.clone()).or_insert_with(|| {
                    order.push(key);
                    vec![0.0; c.values.len()]
                });
                for (a, x) in acc.iter_mut().zip(&c.values) {
                    *a += f64::from(*x);
                }
            }
        }
        let mean = |v: &[f64]| v.iter().map(|x| (x / n) as f32).collect::<Vec<f32>>();
        Self {
            version: REFERENCE_VERSION,
            texts: texts.len(),
            seed,
            logits: mean(&logits),
            components: order
                .into_iter()
                .map(|key| {
                    let values = mean(&sums[&key]);
                    Component::new(key.0, key.1, values)
                })
                .collect(),
            communities: communities.iter().map(|r| mean(r)).collect(),
        }
    }
}

impl Document for Reference {
    const KIND: &'static str = "explanation reference";
    const VERSION: u32 = REFERENCE_VERSION;
    fn version(&self) -> u32 {
        self.version
    }
}

/// One component's term of a decision read against the reference
/// ([`Explanation::component_terms`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentTerm {
    /// Its kind.
    pub kind: ComponentKind,
    /// Its name.
    pub name: String,
    /// What it gives the decision on this text, minus what it gives on the reference.
    pub term: f32,
    /// Whether the text has it (a memory the text does not trigger has only the reference's).
    pub in_text: bool,
}

impl Explanation {
    /// The explanation of `outputs` by a `model` over `tokens`, its classes (or tags) named by
    /// `labels`, and nothing else yet: no dimension names or label words, attention maps,
    /// fine level, lexical names, transitions, reference or gold tags (each set by whoever has
    /// them).
    pub fn new(
        model: impl Into<String>,
        labels: Vec<String>,
        tokens: Vec<String>,
        outputs: Vec<OutputExplanation>,
    ) -> Self {
        Self {
            version: EXPLANATION_VERSION,
            model: model.into(),
            labels,
            tokens,
            dimensions: Vec::new(),
            dimension_words: Vec::new(),
            attention: Vec::new(),
            outputs,
            fine_level: None,
            lexical_names: Vec::new(),
            fine_dimension_words: Vec::new(),
            transitions: Vec::new(),
            reference_logits: Vec::new(),
            reference_texts: 0,
            reference_components: Vec::new(),
            reference_communities: Vec::new(),
            gold_tags: Vec::new(),
        }
    }

    /// Takes `reference` as what this explanation is read against.
    pub fn set_reference(&mut self, reference: &Reference) {
        self.reference_logits = reference.logits.clone();
        self.reference_texts = reference.texts;
        self.reference_components = reference.components.clone();
        self.reference_communities = reference.communities.clone();
    }

    /// Output `o`'s terms by community (`[K][C]`), each minus the community's mean over the
    /// reference's training texts where there is one (a text classifier's output): what a
    /// community gives every text alike (a head's constant write lands in some) is then no
    /// evidence. As they are otherwise.
    pub fn community_terms(&self, o: &OutputExplanation) -> Vec<Vec<f32>> {
        let against = o.position.is_none()
            && self.reference_communities.len() == o.communities.len()
            && !self.reference_communities.is_empty();
        o.communities
            .iter()
            .enumerate()
            .map(|(k, r)| {
                if against {
                    r.iter()
                        .zip(&self.reference_communities[k])
                        .map(|(a, b)| a - b)
                        .collect()
                } else {
                    r.clone()
                }
            })
            .collect()
    }

    /// The reference's own decision term for output `o` (the model's lean before this text's
    /// evidence: the log-odds of the predicted class on an average training text, or on the
    /// empty text); `None` for a tagger's position or where no reference is known.
    pub fn reference_lean(&self, o: &OutputExplanation) -> Option<f32> {
        (o.position.is_none() && !self.reference_logits.is_empty())
            .then(|| o.decision_term(&self.reference_logits))
    }

    /// Output `o`'s components, each as its decision term ([`OutputExplanation::decision_term`])
    /// minus the same-named component's term on the reference, largest first; components the
    /// reference has and the text lacks (a memory an average text triggers and this one does
    /// not) are listed with the reference's term taken off. Against the empty text (no
    /// reference component), the biases are one row, `biases` minus the empty text's lean. For a
    /// text classifier the terms sum to the decision's log-odds minus
    /// [`Explanation::reference_lean`] (where the components sum to the logits).
    pub fn component_terms(&self, o: &OutputExplanation) -> Vec<ComponentTerm> {
        let lean = self.reference_lean(o);
        let mut out: Vec<ComponentTerm> = Vec::new();
        if lean.is_some() && !self.reference_components.is_empty() {
            for c in &o.components {
                let r = self
                    .reference_components
                    .iter()
                    .find(|r| r.kind == c.kind && r.name == c.name)
                    .map_or(0.0, |r| o.decision_term(&r.values));
                out.push(ComponentTerm {
                    kind: c.kind,
                    name: c.name.clone(),
                    term: o.decision_term(&c.values) - r,
                    in_text: true,
                });
            }
            for r in &self.reference_components {
                if !o
                    .components
                    .iter()
                    .any(|c| c.kind == r.kind && c.name == r.name)
                {
                    out.push(ComponentTerm {
                        kind: r.kind,
                        name: r.name.clone(),
                        term: -o.decision_term(&r.values),
                        in_text: false,
                    });
                }
            }
        } else {
            let mut biases = 0f32;
            for c in &o.components {
                if lean.is_some() && c.kind == ComponentKind::Biases {
                    biases += o.decision_term(&c.values);
                } else {
                    out.push(ComponentTerm {
                        kind: c.kind,
                        name: c.name.clone(),
                        term: o.decision_term(&c.values),
                        in_text: true,
                    });
                }
            }
            if let Some(lean) = lean {
                out.push(ComponentTerm {
                    kind: ComponentKind::Biases,
                    name: "biases, beyond the empty text's lean".to_owned(),
                    term: biases - lean,
                    in_text: true,
                });
            }
        }
        out.sort_by(|a, b| b.term.abs().total_cmp(&a.term.abs()));
        out
    }

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

    /// The share of community `k`'s decision term ([`Self::decision_term`]) that the layers
    /// wrote into it rather than the tokens' own vectors carried: |written| / (|own| +
    /// |written|), `written` being the term minus its own part ([`Self::community_own`]);
    /// `None` for a model whose layers write nothing into its communities, or a community
    /// without a term.
    pub fn written_share(&self, k: usize) -> Option<f32> {
        let own = self.decision_term(self.community_own.get(k)?);
        let written = self.decision_term(self.communities.get(k)?) - own;
        let total = own.abs() + written.abs();
        (total > 0.0).then(|| written.abs() / total)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn output(components: Vec<Component>) -> OutputExplanation {
        let mut logits = vec![0f32; 2];
        for c in &components {
            for (l, v) in logits.iter_mut().zip(&c.values) {
                *l += v;
            }
        }
        OutputExplanation {
            position: None,
            logits,
            predicted: 0,
            argmax: None,
            tokens: Vec::new(),
            bias: vec![0.0; 2],
            communities: Vec::new(),
            components,
            community_own: Vec::new(),
            token_communities: Vec::new(),
            fine_communities: Vec::new(),
            levels: Vec::new(),
            lexical: Vec::new(),
        }
    }

    fn explanation(o: OutputExplanation) -> Explanation {
        Explanation::new(
            "transformer",
            vec!["a".into(), "b".into()],
            Vec::new(),
            vec![o],
        )
    }

    /// The layers' share of a community's decision term: the term minus the part its words'
    /// own vectors carry, over both in absolute value.
    #[test]
    fn written_share_is_the_part_of_a_community_term_its_words_do_not_carry() {
        let mut o = output(Vec::new());
        o.communities = vec![vec![1.0, -1.0], vec![0.5, 0.5], vec![-1.0, 1.0]];
        assert_eq!(o.written_share(0), None, "no own part known: no share");
        o.community_own = vec![vec![0.25, -0.25], vec![0.5, 0.5], vec![1.0, -1.0]];
        // Log-odds 2, own 0.5: 1.5 written. A term that raises both classes alike is none.
        assert_eq!(o.written_share(0), Some(0.75));
        assert_eq!(o.written_share(1), None);
        // Own +2 and written −4 against it: the layers wrote two thirds of the movement.
        assert!((o.written_share(2).unwrap() - 2.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn terms_against_a_training_reference_drop_constants_and_sum_to_the_lean_difference() {
        use ComponentKind::{Biases, Embedding, Heads, Memories};
        let c = |kind, name: &str, v: [f32; 2]| Component::new(kind, name, v.to_vec());
        // Two training texts: a head writes the same on both, a memory fires on the first only.
        let train = [
            vec![
                c(Embedding, "embedding", [1.0, 0.0]),
                c(Heads, "head", [2.0, -1.0]),
                c(Memories, "memory 1", [0.5, 0.0]),
                c(Biases, "bias", [0.25, 0.0]),
            ],
            vec![
                c(Embedding, "embedding", [0.0, 1.0]),
                c(Heads, "head", [2.0, -1.0]),
                c(Biases, "bias", [0.25, 0.0]),
            ],
        ];
        let texts: Vec<OutputExplanation> = train
            .iter()
            .map(|comps| {
                let mut o = output(comps.clone());
                o.communities = vec![o.logits.clone(), vec![1.0, 0.0]];
                o
            })
            .collect();
        let reference = Reference::mean_of(&texts, 3);
        assert_eq!((reference.texts, reference.seed), (2, 3));
        assert_eq!(reference.logits, vec![3.0, -0.5]);
        let memory = reference.components.iter().find(|r| r.name == "memory 1");
        assert_eq!(memory.unwrap().values, vec![0.25, 0.0]);
        let sum: Vec<f32> = (0..2)
            .map(|k| reference.components.iter().map(|r| r.values[k]).sum())
            .collect();
        assert_eq!(sum, reference.logits);

        // A text: the same head and bias, a new memory, not the first one.
        let o = output(vec![
            c(Embedding, "embedding", [3.0, 0.0]),
            c(Heads, "head", [2.0, -1.0]),
            c(Memories, "memory 2", [0.0, 1.0]),
            c(Biases, "bias", [0.25, 0.0]),
        ]);
        let mut e = explanation(o.clone());
        e.set_reference(&reference);
        // Communities: the second gives 1 to class 0 on every text, nothing beyond it here.
        assert_eq!(reference.communities[1], vec![1.0, 0.0]);
        let mut with = o.clone();
        with.communities = vec![vec![2.0, 2.0], vec![1.0, 0.0]];
        let by = e.community_terms(&with);
        assert_eq!(by, vec![vec![-1.0, 2.5], vec![0.0, 0.0]]);
        let terms = e.component_terms(&o);
        let term = |name: &str| terms.iter().find(|t| t.name == name).unwrap();
        // Constant writes are no evidence.
        assert_eq!(term("head").term, 0.0);
        assert_eq!(term("bias").term, 0.0);
        // log-odds of class 0: embedding 3 − (0.5 − 0.5) = 3.
        assert!((term("embedding").term - 3.0).abs() < 1e-6);
        // The memory an average text triggers and this one does not: its mean taken off.
        assert!(!term("memory 1").in_text);
        assert!((term("memory 1").term + 0.25).abs() < 1e-6);
        assert!((term("memory 2").term + 1.0).abs() < 1e-6);
        // Largest first; the terms sum to the log-odds minus the reference's lean (3.5).
        assert_eq!(terms[0].name, "embedding");
        let lean = e.reference_lean(&o).unwrap();
        assert!((lean - 3.5).abs() < 1e-6);
        let total: f32 = terms.iter().map(|t| t.term).sum();
        assert!((total - (o.decision_term(&o.logits) - lean)).abs() < 1e-6);
    }

    #[test]
    fn against_the_empty_text_the_biases_are_one_row_beyond_its_lean() {
        let o = output(vec![
            Component::new(ComponentKind::Embedding, "embedding", vec![1.0, 0.0]),
            Component::new(ComponentKind::Biases, "bias", vec![0.5, 0.0]),
        ]);
        let mut e = explanation(o.clone());
        e.set_reference(&Reference::empty_text(vec![0.75, 0.0]));
        let terms = e.component_terms(&o);
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[0].name, "embedding");
        assert!((terms[1].term + 0.25).abs() < 1e-6);
        // Without any reference (a tagger's position), the components as they are.
        let bare = explanation(o.clone());
        assert_eq!(bare.component_terms(&o)[1].term, 0.5);
        // The file round-trips.
        let r = Reference::empty_text(vec![0.75, 0.0]);
        let back: Reference = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
}
