//! A model card: what pushes a text classifier toward each of its classes over a test set
//! (communities by their labels, n-gram features, heads, memories and levels), and its most
//! confident right and wrong predictions, each to be explained on its own page.
//!
//! Every term is read as a contribution to a class's log-odds (its logit minus the mean of the
//! others', `sinr_schema::log_odds_of`) and averaged over the examples, so a term that raises
//! every class alike is no evidence and a class's column says what moves texts toward it.

use std::collections::BTreeMap;

use serde::Serialize;
use sinr_data::readers::LabeledText;
use sinr_schema::{ComponentKind, log_odds_of};
use sinr_util::{Progress, ProgressUnit, SplitMix64, softmax};

use crate::Device;
use crate::error::{Error, Result};
use crate::input::dimension_labels;
use crate::run::LoadedRun;

/// The seed of the draw of a card's test texts.
pub const CARD_SEED: u64 = 7;

/// How many terms of each kind a class's section lists.
pub const CARD_TERMS: usize = 10;

/// A named term and its mean contribution to a class's log-odds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardTerm {
    /// Community (`id — label words`), feature, head or memory.
    pub name: String,
    /// What it is, where the card can say: a head's pattern over the card's texts (after Clark
    /// et al. 2019: "previous token (0.41)", "negator → scope (0.47)", else "sharp, by content"
    /// or "broad"), a memory's typical triggers and the communities it writes most beyond its
    /// layer's other memories. Empty
    /// for communities and features, whose names say it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub about: String,
    /// Mean contribution to the class's log-odds over the card's examples.
    pub mean: f64,
    /// The examples in which the term is non-zero.
    pub examples: usize,
}

/// What pushes the model toward one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassEvidence {
    /// The class's name.
    pub class: String,
    /// Test examples of the class (gold) and predicted as it.
    pub gold: usize,
    /// Predicted as it.
    pub predicted: usize,
    /// The communities (and named dimensions) with the largest mean push toward the class
    /// beyond what they give the reference (the stream's; the fine ones as they are).
    pub communities: Vec<CardTerm>,
    /// The n-gram features with the largest mean push toward it (models with n-gram weights).
    pub features: Vec<CardTerm>,
    /// The components (heads, memories, levels, paths) with the largest mean push toward it
    /// beyond what they give the reference (an average training text): a component that writes
    /// the same on every text pushes nothing. Against the empty text (no training reference),
    /// the biases are left out.
    pub components: Vec<CardTerm>,
}

/// One prediction of the card.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardPrediction {
    /// Index in the test split.
    pub index: usize,
    /// The text.
    pub text: String,
    /// Gold class.
    pub gold: usize,
    /// Predicted class.
    pub predicted: usize,
    /// Probability of the predicted class.
    pub probability: f64,
}

/// A model card over a test set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelCard {
    /// Model kind.
    pub model: String,
    /// Task name.
    pub task: String,
    /// Class names.
    pub classes: Vec<String>,
    /// Examples read (test texts with at least one known word, at most the requested number).
    pub examples: usize,
    /// Accuracy on them.
    pub accuracy: f64,
    /// The reference's probabilities (the model's lean before a text's evidence: an average
    /// training text's, or the empty text's).
    pub prior: Vec<f64>,
    /// How many training texts the reference averages (0: the empty text).
    pub reference_texts: usize,
    /// Per class, what pushes toward it.
    pub evidence: Vec<ClassEvidence>,
    /// The most confident right predictions.
    pub right: Vec<CardPrediction>,
    /// The most confident wrong predictions.
    pub wrong: Vec<CardPrediction>,
    /// A model whose layers write into the communities of its stream (the SINr transformer):
    /// the share of the stream's community terms (each text's, for its predicted class's
    /// log-odds, in absolute value) that the layers wrote rather than the words' own vectors
    /// carried ([`sinr_schema::OutputExplanation::community_own`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_written: Option<f64>,
}

/// Per community of the stream: the absolute terms (for each text's predicted class's
/// log-odds) that the words' own vectors carried and that the layers wrote, summed over texts.
type Written = Vec<(f64, f64)>;

/// Adds the terms of output `o` (predicted class `c`) to `acc`, leaving out the n-gram block
/// `block`; nothing for a model whose layers write nothing into its communities.
fn add_written(
    acc: &mut Written,
    o: &sinr_schema::OutputExplanation,
    c: usize,
    block: Option<usize>,
) {
    if o.community_own.len() != o.communities.len() {
        return;
    }
    acc.resize(acc.len().max(o.communities.len()), (0.0, 0.0));
    for (k, (row, own)) in o.communities.iter().zip(&o.community_own).enumerate() {
        if Some(k) == block {
            continue;
        }
        let own = log_odds_of(&f64s(own), c);
        let written = log_odds_of(&f64s(row), c) - own;
        acc[k].0 += own.abs();
        acc[k].1 += written.abs();
    }
}

/// The share of `(own, written)` that was written; `None` without any term.
fn written_share((own, written): (f64, f64)) -> Option<f64> {
    (own + written > 0.0).then(|| written / (own + written))
}

/// Sums of per-example log-odds terms by name: `[class] → name → (sum, examples)`.
type Sums = Vec<BTreeMap<String, (f64, usize)>>;

/// Adds a text's term `v` of `name` to every class's sums, the text counted among those that
/// have the term where `present` (a component the text lacks adds only the reference's term
/// taken off).
fn add(sums: &mut Sums, name: &str, v: &[f64], present: bool) {
    if v.iter().all(|&x| x == 0.0) {
        return;
    }
    for (k, s) in sums.iter_mut().enumerate() {
        let e = s.entry(name.to_owned()).or_default();
        e.0 += log_odds_of(v, k);
        e.1 += usize::from(present);
    }
}

fn top(sums: &BTreeMap<String, (f64, usize)>, n: usize, examples: usize) -> Vec<CardTerm> {
    let mut v: Vec<CardTerm> = sums
        .iter()
        .map(|(name, &(s, k))| CardTerm {
            name: name.clone(),
            about: String::new(),
            mean: s / examples.max(1) as f64,
            examples: k,
        })
        .filter(|t| t.mean > 0.0)
        .collect();
    v.sort_by(|a, b| b.mean.total_cmp(&a.mean).then_with(|| a.name.cmp(&b.name)));
    v.truncate(n);
    v
}

/// A head's attention over the card's texts: the sums of its mean entropy and, per pattern of
/// [`sinr_schema::HEAD_PATTERN_KEYS`], of its share and of a uniform head's, each with the
/// texts that gave occasion for it.
#[derive(Default)]
struct HeadSums {
    entropy: (f64, usize),
    shares: [(f64, usize); 8],
    chance: [(f64, usize); 8],
}

impl HeadSums {
    /// The pattern it follows ([`sinr_schema::head_pattern_name`]) over the texts read.
    fn pattern(&self) -> String {
        let mean = |(s, n): (f64, usize)| if n == 0 { f64::NAN } else { s / n as f64 };
        sinr_schema::head_pattern_name(
            &self.shares.map(mean),
            &self.chance.map(mean),
            mean(self.entropy),
        )
    }
}

/// Adds one text's attention maps (`words` lowercase) to the heads' sums.
fn add_heads(
    heads: &mut BTreeMap<String, HeadSums>,
    maps: &sinr_schema::AttentionMaps,
    words: &[String],
) {
    use crate::analysis::{chance_patterns, head_maps, head_patterns, is_stop_word, mean_entropy};
    let mut maps = head_maps(maps).peekable();
    if maps.peek().is_none() {
        return;
    }
    let chance = chance_patterns(words, &is_stop_word);
    for (name, map) in maps {
        let h = heads.entry(name.clone()).or_default();
        h.entropy.0 += mean_entropy(map);
        h.entropy.1 += 1;
        for (i, (key, share)) in head_patterns(map, words, &is_stop_word)
            .entries()
            .into_iter()
            .enumerate()
        {
            if let (Some(v), Some(c)) = (share, chance.get(key)) {
                h.shares[i].0 += v;
                h.shares[i].1 += 1;
                h.chance[i].0 += c;
                h.chance[i].1 += 1;
            }
        }
    }
}

/// What a memory does, in a line: the tokens typical of it over the card's texts and the two
/// communities its value writes most beyond what its layer writes on average
/// ([`crate::models::SinrTransformer::profile_memories`]).
/// With `written`, what share of each written community's terms the layers wrote over the
/// card's texts ([`add_written`]): a community mostly written by the layers is a channel, whose
/// label names its own words, not what it carries.
fn memory_about(p: &sinr_schema::MemoryProfile, written: &dyn Fn(usize) -> Option<f64>) -> String {
    let fires: Vec<&str> = p
        .top_tokens
        .iter()
        .take(5)
        .map(|t| t.token.as_str())
        .collect();
    let mut about = format!("fires on {}", fires.join(", "));
    let writes: Vec<String> = p
        .writes
        .iter()
        .take(2)
        .map(|w| {
            let words: Vec<&str> = w.words.iter().take(3).map(String::as_str).collect();
            match written(w.dimension) {
                Some(x) => format!(
                    "{} ({}; {:.0} % layer-written)",
                    w.dimension,
                    words.join(", "),
                    100.0 * x
                ),
                None => format!("{} ({})", w.dimension, words.join(", ")),
            }
        })
        .collect();
    if !writes.is_empty() {
        about.push_str(&format!(
            "; its writes differ most from its layer's in {}",
            writes.join(" and ")
        ));
    }
    about
}

/// A text's components against the reference's, by name: `(terms − the reference's, name,
/// whether the text has it)`, then the reference's components the text lacks (their terms
/// taken off).
fn against<'a>(
    text: &'a [sinr_schema::Component],
    reference: &'a [sinr_schema::Component],
) -> Vec<(Vec<f64>, &'a str, bool)> {
    let find = |set: &'a [sinr_schema::Component], c: &sinr_schema::Component| {
        set.iter().find(|r| r.kind == c.kind && r.name == c.name)
    };
    let mut out: Vec<(Vec<f64>, &str, bool)> = text
        .iter()
        .map(|c| {
            let v = match find(reference, c) {
                Some(r) => c
                    .values
                    .iter()
                    .zip(&r.values)
                    .map(|(a, b)| f64::from(*a) - f64::from(*b))
                    .collect(),
                None => f64s(&c.values),
            };
            (v, c.name.as_str(), true)
        })
        .collect();
    for r in reference {
        if find(text, r).is_none() {
            out.push((
                r.values.iter().map(|&x| -f64::from(x)).collect(),
                r.name.as_str(),
                false,
            ));
        }
    }
    out
}

fn f64s(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// The card of `run` (an exact text classifier) over `n` texts of `test` with a known word (the
/// first of a seeded shuffle, [`CARD_SEED`]; all of them if there are fewer); `keep` right and
/// wrong predictions each. Components are read against `reference`
/// ([`LoadedRun::reference`]).
///
/// # Errors
/// A model that does not split exactly, a tagger, a label the model does not know, or a test
/// set without any known word.
pub fn model_card(
    run: &LoadedRun,
    test: &[LabeledText],
    n: usize,
    keep: usize,
    reference: &sinr_schema::Reference,
    device: &Device,
    progress: &dyn Progress,
) -> Result<ModelCard> {
    let spec = &run.spec;
    if spec.kind != sinr_schema::TaskKind::Classify {
        return Err(Error::config(
            "task",
            "a model card covers text classifiers; explain a tagger's sentences one by one",
        ));
    }
    if !run.model.is_exact() {
        return Err(Error::config(
            "model",
            format!(
                "a `{}` model does not split exactly: a model card needs an interpretable model",
                run.model.kind()
            ),
        ));
    }
    let classes = spec.class_names();
    let c = classes.len();
    let (level, named, fine) = run.model.explained_dimensions(spec, &run.embeddings);
    let labels = dimension_labels(&run.embeddings, level, 5)?;
    let fine_labels = match fine {
        Some(l) => dimension_labels(&run.embeddings, l, 5)?,
        None => Vec::new(),
    };
    let fine_name = |k: u32| match fine_labels.get(k as usize) {
        Some(w) => format!("fine {k} — {}", w.join(", ")),
        None => format!("fine {k}"),
    };
    let dim_name = |k: usize| match labels.get(k) {
        Some(w) => format!("{k} — {}", w.join(", ")),
        None => named
            .get(k - labels.len())
            .cloned()
            .unwrap_or_else(|| format!("dimension {k}")),
    };
    let (mut comms, mut feats, mut comps): (Sums, Sums, Sums) = (
        vec![BTreeMap::new(); c],
        vec![BTreeMap::new(); c],
        vec![BTreeMap::new(); c],
    );
    let mut gold_n = vec![0usize; c];
    let mut pred_n = vec![0usize; c];
    let mut preds = Vec::new();
    let mut heads: BTreeMap<String, HeadSums> = BTreeMap::new();
    let mut read = Vec::new();
    let mut written: Written = Vec::new();
    // A seeded draw, not the file's order (a split may be sorted by class).
    let mut order: Vec<usize> = (0..test.len()).collect();
    SplitMix64::new(CARD_SEED).shuffle(&mut order);
    progress.start(
        "model card",
        Some(n.min(test.len()) as u64),
        ProgressUnit::Items("examples"),
    );
    for i in order {
        if preds.len() >= n {
            break;
        }
        let x = &test[i];
        let ex = run.encoder.encode_text(&x.text, 0);
        if ex.rows.is_empty() {
            continue;
        }
        let gold = spec.gold_label(x)?;
        let terms = run.model.explain_terms(spec, &ex, device)?;
        let o = &terms.outputs[0];
        let p = softmax(&o.logits);
        let predicted = o.predicted;
        gold_n[gold] += 1;
        pred_n[predicted] += 1;
        // The n-gram block is listed by feature below, not as one "community".
        let block = crate::analysis::ngram_block(o);
        add_written(&mut written, o, predicted, block);
        // Each community against what it gives an average training text (a constant write
        // of the heads lands in some), counted in the texts where it has a term.
        let same_dims = reference.communities.len() == o.communities.len();
        for (k, r) in o.communities.iter().enumerate() {
            if Some(k) != block {
                let present = r.iter().any(|&x| x != 0.0);
                let v: Vec<f64> = match reference.communities.get(k).filter(|_| same_dims) {
                    Some(m) => r
                        .iter()
                        .zip(m)
                        .map(|(a, b)| f64::from(*a) - f64::from(*b))
                        .collect(),
                    None => f64s(r),
                };
                add(&mut comms, &dim_name(k), &v, present);
            }
        }
        for (k, r) in &o.fine_communities {
            add(&mut comms, &fine_name(*k), &f64s(r), true);
        }
        if !o.lexical.is_empty() {
            let names = run.encoder.lexical_names(&x.text);
            for (f, r) in &o.lexical {
                let name = names.get(*f as usize).map_or("?", |n| n.0.as_str());
                add(&mut feats, name, &f64s(r), true);
            }
        }
        if reference.components.is_empty() {
            for comp in o
                .components
                .iter()
                .filter(|x| x.kind != ComponentKind::Biases)
            {
                add(&mut comps, &comp.name, &f64s(&comp.values), true);
            }
        } else {
            for (v, name, present) in against(&o.components, &reference.components) {
                add(&mut comps, name, &v, present);
            }
        }
        let words: Vec<String> = ex.surface.iter().map(|w| w.to_lowercase()).collect();
        add_heads(&mut heads, &terms.attention, &words);
        read.push(ex);
        preds.push(CardPrediction {
            index: i,
            text: x.text.clone(),
            gold,
            predicted,
            probability: p[predicted],
        });
        progress.advance(1);
    }
    progress.finish("model card");
    if preds.is_empty() {
        return Err(Error::Empty("no test text with a known word".into()));
    }
    let examples = preds.len();
    let accuracy = preds.iter().filter(|p| p.gold == p.predicted).count() as f64 / examples as f64;
    // What each head and memory is, over the same texts.
    let mut about: BTreeMap<String, String> = heads
        .iter()
        .map(|(name, h)| (name.clone(), h.pattern()))
        .collect();
    for p in run
        .model
        .memory_profiles(spec, &run.embeddings, &read, usize::MAX, device)?
    {
        about.insert(
            format!("layer {} memory {}", p.layer, p.memory),
            memory_about(&p, &|k| written.get(k).copied().and_then(written_share)),
        );
    }
    let described = |mut terms: Vec<CardTerm>| {
        for t in &mut terms {
            if let Some(a) = about.get(&t.name) {
                t.about = a.clone();
            }
        }
        terms
    };
    let evidence = (0..c)
        .map(|k| ClassEvidence {
            class: classes[k].clone(),
            gold: gold_n[k],
            predicted: pred_n[k],
            communities: top(&comms[k], CARD_TERMS, examples),
            features: top(&feats[k], CARD_TERMS, examples),
            components: described(top(&comps[k], CARD_TERMS, examples)),
        })
        .collect();
    let confident = |right: bool| {
        let mut v: Vec<CardPrediction> = preds
            .iter()
            .filter(|p| (p.gold == p.predicted) == right)
            .cloned()
            .collect();
        v.sort_by(|a, b| {
            b.probability
                .total_cmp(&a.probability)
                .then(a.index.cmp(&b.index))
        });
        v.truncate(keep);
        v
    };
    let prior = softmax(&reference.logits);
    Ok(ModelCard {
        model: run.model.kind().to_owned(),
        task: spec.task.clone(),
        classes,
        examples,
        accuracy,
        prior,
        reference_texts: reference.texts,
        evidence,
        right: confident(true),
        wrong: confident(false),
        stream_written: (!written.is_empty())
            .then(|| {
                written_share(
                    written
                        .iter()
                        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1)),
                )
            })
            .flatten(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A head is named by the pattern its maps follow over the texts read (a pooling's map is
    /// not a head's); a memory by its triggers and its two largest writes.
    #[test]
    fn heads_are_named_by_their_pattern_and_memories_by_their_triggers() {
        let words: Vec<String> = ["red", "green", "blue", "gold"].map(String::from).to_vec();
        // Each token after the first attends to the one before it; the first to itself.
        let previous: Vec<Vec<f32>> = (0..4)
            .map(|i| {
                (0..4)
                    .map(|j| f32::from(u8::from(j + 1 == i || i + j == 0)))
                    .collect()
            })
            .collect();
        let maps = vec![
            ("layer 1 head 1".to_owned(), previous),
            ("layer 1 head 2".to_owned(), vec![vec![0.25f32; 4]; 4]),
            ("pooling".to_owned(), vec![vec![1.0, 0.0, 0.0, 0.0]]),
        ];
        let mut heads = BTreeMap::new();
        add_heads(&mut heads, &maps, &words);
        add_heads(&mut heads, &maps, &words);
        assert_eq!(heads.len(), 2);
        assert_eq!(heads["layer 1 head 1"].entropy, (0.0, 2));
        assert_eq!(heads["layer 1 head 1"].pattern(), "previous token (1.00)");
        // Uniform attention follows nothing, and its entropy (ln 4 nats) makes it broad.
        assert_eq!(heads["layer 1 head 2"].pattern(), "broad");

        let token = |t: &str, n| sinr_schema::TokenActivation {
            token: t.to_owned(),
            activation: 2.0,
            count: n,
        };
        let write = |d, words: &[&str]| sinr_schema::MemoryWrite {
            dimension: d,
            weight: 1.0,
            words: words.iter().map(|w| (*w).to_owned()).collect(),
        };
        let profile = sinr_schema::MemoryProfile {
            layer: 1,
            memory: 22,
            mean_activation: 1.0,
            top_tokens: vec![token("film", 20), token("bad", 9)],
            writes: vec![
                write(325, &["horoscope", "similes", "removals", "appointments"]),
                write(295, &["mellitus", "diabetes", "ketoacidosis"]),
                write(28, &["don", "know"]),
            ],
        };
        assert_eq!(
            memory_about(&profile, &|_| None),
            "fires on film, bad; its writes differ most from its layer's in 325 (horoscope, \
             similes, removals) and 295 (mellitus, diabetes, ketoacidosis)"
        );
        // Where the layers' share of a community's terms is known, the write says it.
        assert_eq!(
            memory_about(&profile, &|k| (k == 325).then_some(0.964)),
            "fires on film, bad; its writes differ most from its layer's in 325 (horoscope, \
             similes, removals; 96 % layer-written) and 295 (mellitus, diabetes, ketoacidosis)"
        );
    }

    /// The layers' share of a community's terms: its log-odds term minus the part its words'
    /// own vectors carry, in absolute value, summed over texts; the n-gram block left out.
    #[test]
    fn written_shares_split_each_community_term_into_own_and_written() {
        let o = sinr_schema::OutputExplanation {
            logits: vec![0.0, 0.0],
            bias: vec![0.0, 0.0],
            communities: vec![vec![1.0, -1.0], vec![0.5, 0.5], vec![3.0, -3.0]],
            community_own: vec![vec![0.25, -0.25], vec![0.5, 0.5], vec![3.0, -3.0]],
            ..Default::default()
        };
        let mut acc = Written::new();
        add_written(&mut acc, &o, 0, Some(2));
        add_written(&mut acc, &o, 1, Some(2));
        // Community 0: log-odds ±2, own ±0.5, written ±1.5 (both classes); community 1 raises
        // both classes alike: no term at all.
        assert_eq!(acc, vec![(1.0, 3.0), (0.0, 0.0), (0.0, 0.0)]);
        assert_eq!(written_share(acc[0]), Some(0.75));
        assert_eq!(written_share(acc[1]), None);
        // A model whose layers write nothing into its communities adds nothing.
        let mut none = Written::new();
        let plain = sinr_schema::OutputExplanation {
            community_own: Vec::new(),
            ..o
        };
        add_written(&mut none, &plain, 0, None);
        assert!(none.is_empty());
    }

    #[test]
    fn terms_are_read_as_each_class_log_odds_and_averaged_over_every_example() {
        let mut sums: Sums = vec![BTreeMap::new(), BTreeMap::new()];
        // Two examples; "a" pushes class 0 in one, "b" raises both classes alike (no evidence).
        add(&mut sums, "a", &[1.0, -1.0], true);
        add(&mut sums, "b", &[2.0, 2.0], true);
        add(&mut sums, "a", &[0.0, 0.0], true);
        let t0 = top(&sums[0], 10, 2);
        assert_eq!(t0.len(), 1);
        assert_eq!(
            (t0[0].name.as_str(), t0[0].mean, t0[0].examples),
            ("a", 1.0, 1)
        );
        // Toward class 1, "a" pushes away: not listed.
        assert!(top(&sums[1], 10, 2).is_empty());
    }

    #[test]
    fn components_are_read_against_the_reference_by_name() {
        use sinr_schema::{Component, ComponentKind::Heads, ComponentKind::Memories};
        let reference = vec![
            Component::new(Heads, "head", vec![2.0, -1.0]),
            Component::new(Memories, "memory 1", vec![0.5, 0.0]),
        ];
        let text = vec![
            Component::new(Heads, "head", vec![2.0, -1.0]),
            Component::new(Memories, "memory 2", vec![0.0, 1.0]),
        ];
        let terms = against(&text, &reference);
        // The constant head pushes nothing; the new memory counts whole; the reference's
        // memory the text lacks is taken off, the text not counted as having it.
        assert_eq!(terms[0], (vec![0.0, 0.0], "head", true));
        assert_eq!(terms[1], (vec![0.0, 1.0], "memory 2", true));
        assert_eq!(terms[2], (vec![-0.5, 0.0], "memory 1", false));
        let mut sums: Sums = vec![BTreeMap::new(), BTreeMap::new()];
        for (v, name, present) in &terms {
            add(&mut sums, name, v, *present);
        }
        assert!(!sums[0].contains_key("head"));
        assert_eq!(sums[0]["memory 1"], (-0.5, 0));
        assert_eq!(sums[1]["memory 2"], (1.0, 1));
    }
}
