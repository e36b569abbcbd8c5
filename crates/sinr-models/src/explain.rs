//! Exact explanations: for one example, the logits split into additive contributions of the
//! input tokens, of the communities (the dimensions of the SINr space), and of the model's
//! components (embedding, each head, each memory, each Louvain-level unit, biases).
//!
//! The recipe (DESIGN.md §4, after Mickus et al. 2022): the few non-linear quantities of the
//! forward pass (attention weights, ReLU gates) are constants of the example; given them every
//! layer is linear, so the model is a linear map of its input vectors plus biases, and the logit
//! is a sum of terms, each tagged with where it comes from. Each model computes its own terms
//! (`explain` in its file, [`crate::models`]); this module labels them for people, and holds
//! the few helpers the models share. The tests check that every split sums to the logit within
//! 1e-4 (relative).

use sinr_embed::SinrModel;
use sinr_nn::to_vec;
use sinr_schema::Explanation;

use crate::data::Example;
use crate::error::Result;
use crate::input::dimension_labels;
use crate::models::ExactTerms;
use crate::run::RunSpec;

/// How many n-gram features an explanation keeps per output (the largest).
pub const LEXICAL_SHOWN: usize = 30;

/// `[rows][cols]` from a flat vector.
pub(crate) fn grid(v: &[f32], cols: usize) -> Vec<Vec<f32>> {
    v.chunks(cols.max(1)).map(<[f32]>::to_vec).collect()
}

/// The `n` largest terms by absolute value (ties: lower dimension first), zeros left out.
pub(crate) fn top_terms(terms: impl Iterator<Item = (u32, f32)>, n: usize) -> Vec<(u32, f32)> {
    let mut v: Vec<(u32, f32)> = terms.filter(|t| t.1 != 0.0).collect();
    v.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

/// Host copies of a read-out: `W [K][C]`, `b [C]`.
pub(crate) fn readout_host(r: &sinr_nn::Readout) -> (Vec<f32>, Vec<f32>, usize) {
    let w = to_vec(r.weights());
    let b = to_vec(r.bias.val());
    let c = b.len();
    (w, b, c)
}

/// The explanation of `example` from its exact terms, read against `reference` where there is
/// one, its dimensions labelled by their words: the communities of Louvain level `level`, then
/// the `named` dimensions; the words of the communities a reader is shown
/// ([`shown_communities`]), and of the fine-level window's communities (level `fine`, the ten
/// largest terms of every output).
///
/// # Errors
/// If the embeddings lack a level.
#[allow(clippy::too_many_arguments)]
pub(crate) fn label(
    model: &str,
    spec: &RunSpec,
    emb: &SinrModel,
    example: &Example,
    terms: ExactTerms,
    reference: Option<&sinr_schema::Reference>,
    level: usize,
    named: Vec<String>,
    fine: Option<usize>,
) -> Result<Explanation> {
    let ExactTerms {
        mut outputs,
        attention,
        width,
        ..
    } = terms;
    // A page shows an output's 30 largest n-gram features (the model's terms keep them all).
    for o in &mut outputs {
        o.lexical.truncate(LEXICAL_SHOWN);
    }
    let labels = dimension_labels(emb, level, 8)?;
    let mut dimensions: Vec<String> = (0..labels.len())
        .map(|k| format!("community {k} (level {level})"))
        .collect();
    // Named dimensions after the communities.
    if width > labels.len() {
        dimensions.extend(named);
    }
    let mut fine_dimension_words = Vec::new();
    if let Some(l) = fine {
        let labels = dimension_labels(emb, l, 8)?;
        let mut wanted: Vec<u32> = Vec::new();
        for o in &outputs {
            let mut terms: Vec<(u32, f32)> = o
                .fine_communities
                .iter()
                .map(|(k, r)| (*k, o.decision_term(r).abs()))
                .collect();
            terms.sort_by(|a, b| b.1.total_cmp(&a.1));
            wanted.extend(terms.iter().take(10).map(|x| x.0));
        }
        fine_dimension_words = words_of(wanted, &labels);
    }
    let mut e = Explanation::new(model, spec.class_names(), example.surface.clone(), outputs);
    if let Some(r) = reference {
        e.set_reference(r);
    }
    e.dimensions = dimensions;
    e.dimension_words = words_of(shown_communities(&e), &labels);
    e.attention = attention;
    e.fine_level = fine;
    e.fine_dimension_words = fine_dimension_words;
    Ok(e)
}

/// The communities whose words an explanation carries: per output, the 20 largest decision
/// terms (`OutputExplanation::decision_term`) as they are and, where `e` has a reference of
/// communities, the 20 largest read against it ([`Explanation::community_terms`], the ranking a
/// page and the text output show first: a community whose raw term is large on every text, a
/// head's constant write, drops out of it, and one that only stands out against the reference
/// enters it), and every community named in the token terms; each once, in order.
fn shown_communities(e: &Explanation) -> Vec<u32> {
    let top = |o: &sinr_schema::OutputExplanation, terms: &[Vec<f32>]| {
        let decision = terms
            .iter()
            .enumerate()
            .map(|(k, r)| (k as u32, o.decision_term(r)));
        top_terms(decision, 20).into_iter().map(|x| x.0)
    };
    let mut wanted: Vec<u32> = Vec::new();
    for o in &e.outputs {
        wanted.extend(top(o, &o.communities));
        if !e.reference_communities.is_empty() {
            wanted.extend(top(o, &e.community_terms(o)));
        }
        wanted.extend(o.token_communities.iter().flatten().map(|x| x.0));
    }
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

/// The words of the wanted dimensions that have labels, each once, in order.
fn words_of(mut wanted: Vec<u32>, labels: &[Vec<String>]) -> Vec<(u32, Vec<String>)> {
    wanted.sort_unstable();
    wanted.dedup();
    wanted
        .into_iter()
        .filter(|&k| (k as usize) < labels.len())
        .map(|k| (k, labels[k as usize].clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sinr_schema::OutputExplanation;

    /// A page ranks communities against the reference: the one that stands out only there is
    /// shown (so labelled), though 20 others have larger raw terms (all of them constants of the
    /// reference), and those ranked by raw terms stay, as do the token terms' communities.
    #[test]
    fn communities_that_stand_out_against_the_reference_are_shown() {
        let k = 30;
        let last = k - 1;
        // Raw terms toward class 0: community j gives 100 − j, the reference the same, but the
        // last community gives 1 and the reference −5 (a +6 that only the reference shows).
        let raw: Vec<Vec<f32>> = (0..k)
            .map(|j| vec![if j == last { 1.0 } else { 100.0 - j as f32 }, 0.0])
            .collect();
        let mut reference = raw.clone();
        reference[last] = vec![-5.0, 0.0];
        let logits = vec![raw.iter().map(|r| r[0]).sum(), 0.0];
        let output = OutputExplanation {
            position: None,
            logits,
            predicted: 0,
            argmax: None,
            tokens: vec![vec![0.0, 0.0]],
            bias: vec![0.0; 2],
            communities: raw,
            components: Vec::new(),
            // A token's term in community 25, outside both top 20s.
            community_own: Vec::new(),
            token_communities: vec![vec![(25, 0.5)]],
            fine_communities: Vec::new(),
            levels: Vec::new(),
            lexical: Vec::new(),
        };
        let mut e = Explanation::new(
            "transformer",
            vec!["a".into(), "b".into()],
            vec!["w".into()],
            vec![output],
        );
        let mut want: Vec<u32> = (0..20).collect();
        want.push(25);
        // Without a reference of communities: the raw ranking.
        assert_eq!(shown_communities(&e), want);
        e.reference_texts = 200;
        e.reference_communities = reference;
        want.push(last as u32);
        assert_eq!(shown_communities(&e), want);
    }
}
