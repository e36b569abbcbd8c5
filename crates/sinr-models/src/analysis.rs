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
use sinr_metrics::interpretability as im;
use sinr_schema::{
    ANALYSIS_VERSION, AnalysedExample, AnalysedSentence, ClassificationAnalysis, ComponentKind,
    EntityAttribution, ExampleAnalysis, HEAD_PATTERN_KEYS, Method, NEGATION_SCOPE, NEGATORS,
    TaggingAnalysis, log_odds_weights,
};
use sinr_util::{Progress, ProgressUnit, SplitMix64, softmax};

use crate::OutputExplanation;
use crate::data::{Example, TaskKind, make_batch};
use crate::error::{Error, Result};
use crate::models::AnyModel;
use crate::run::{LoadedRun, RunSpec};

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
        .map(|keep| ex.subset(keep, TaskKind::Classify))
        .collect();
    model
        .predict(&subsets, TaskKind::Classify, 64, device)
        .iter()
        .map(|l| softmax(l)[c])
        .collect()
}

/// Gradient × input per token for the predicted class's log-odds, computed on `ad` (an autodiff
/// device holding the same parameters).
fn grad_times_input(
    model_ad: &AnyModel,
    ex: &Example,
    classes: usize,
    c: usize,
    ad: &Device,
) -> Vec<f64> {
    let batch = make_batch(&[ex], TaskKind::Classify, ad);
    let target = Tensor::<2>::from_data(
        TensorData::new(log_odds_weights(classes, c), [classes, 1]),
        ad,
    );
    model_ad.gradient_times_input(&batch, target)
}

/// The mean share of a head's attention (a `[T][T]` map, rows the queries) that goes to each
/// pattern Clark et al. (2019) name. Shares to other positions (previous, next, first, same
/// word, stop words, punctuation, scope) leave the query's own position out, which `itself`
/// measures, so that a head attending to itself is not also counted as attending to, say, a
/// stop word. A pattern the text gives no occasion for (no stop word, no punctuation, no
/// negator) is `None`, not 0.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadPatterns {
    /// To the query's own position.
    pub itself: f64,
    /// To the previous token (queries after the first; `None` for one token).
    pub previous: Option<f64>,
    /// To the next token (queries before the last; `None` for one token).
    pub next: Option<f64>,
    /// To the first token (queries after the first; `None` for one token).
    pub first: Option<f64>,
    /// To the other occurrences of the query's word (`words`, compared as given).
    pub same_word: f64,
    /// To stop words (`None` without any at another position).
    pub stop_words: Option<f64>,
    /// To punctuation, tokens without a letter or digit (`None` without any).
    pub punctuation: Option<f64>,
    /// From a negator ([`NEGATORS`]) to the words of its scope (the [`NEGATION_SCOPE`] tokens
    /// after it, stopping at punctuation or another negator), the mean over the text's
    /// negators that have a scope; `None` without any.
    pub negation_scope: Option<f64>,
}

impl HeadPatterns {
    /// Every pattern's share, keyed as [`sinr_schema::HEAD_PATTERN_KEYS`] (in that order);
    /// `None` where the text gives no occasion for it.
    pub fn entries(&self) -> [(&'static str, Option<f64>); 8] {
        let v = [
            Some(self.itself),
            self.previous,
            self.next,
            self.first,
            Some(self.same_word),
            self.stop_words,
            self.punctuation,
            self.negation_scope,
        ];
        std::array::from_fn(|i| (HEAD_PATTERN_KEYS[i], v[i]))
    }
}

fn is_punctuation(w: &str) -> bool {
    !w.is_empty() && !w.chars().any(char::is_alphanumeric)
}

/// Whether the head patterns count `w` (lowercase) as a stop word (the English list of SINr's
/// tokenizer).
pub fn is_stop_word(w: &str) -> bool {
    sinr_embed::stopwords::ENGLISH.binary_search(&w).is_ok()
}

/// The attention maps of an explanation that are heads' (the poolings', one row each, are not).
pub fn head_maps(
    maps: &sinr_schema::AttentionMaps,
) -> impl Iterator<Item = &(String, Vec<Vec<f32>>)> {
    maps.iter().filter(|x| !x.0.starts_with("pooling"))
}

/// The mean entropy (nats) of an attention map's rows (its queries).
pub fn mean_entropy(map: &[Vec<f32>]) -> f64 {
    map.iter()
        .map(|row| im::entropy(&row.iter().map(|&v| f64::from(v)).collect::<Vec<_>>()))
        .sum::<f64>()
        / map.len().max(1) as f64
}

/// [`HeadPatterns`] of one attention map over `words` (lowercase), `stop` saying which words are
/// stop words.
pub fn head_patterns(
    map: &[Vec<f32>],
    words: &[String],
    stop: &dyn Fn(&str) -> bool,
) -> HeadPatterns {
    let t = map.len();
    let n = t.max(1) as f64;
    let at = |i: usize, j: usize| f64::from(map[i][j]);
    let word = |j: usize| words.get(j).map_or("", String::as_str);
    // The mean over queries of the attention to other positions where `pick` holds; `None` if
    // it holds at no position.
    let to_positions = |pick: &dyn Fn(usize) -> bool| -> Option<f64> {
        (0..t).any(pick).then(|| {
            (0..t)
                .map(|i| {
                    (0..t)
                        .filter(|&j| j != i && pick(j))
                        .map(|j| at(i, j))
                        .sum::<f64>()
                })
                .sum::<f64>()
                / n
        })
    };
    let negator = |j: usize| NEGATORS.contains(&word(j));
    let scopes: Vec<f64> = (0..t)
        .filter(|&i| negator(i))
        .filter_map(|i| {
            let scope: Vec<usize> = (i + 1..t.min(i + 1 + NEGATION_SCOPE))
                .take_while(|&j| !is_punctuation(word(j)) && !negator(j))
                .collect();
            (!scope.is_empty()).then(|| scope.iter().map(|&j| at(i, j)).sum::<f64>())
        })
        .collect();
    HeadPatterns {
        itself: (0..t).map(|i| at(i, i)).sum::<f64>() / n,
        previous: (t > 1).then(|| (1..t).map(|i| at(i, i - 1)).sum::<f64>() / (t - 1) as f64),
        next: (t > 1).then(|| (0..t - 1).map(|i| at(i, i + 1)).sum::<f64>() / (t - 1) as f64),
        first: (t > 1).then(|| (1..t).map(|i| at(i, 0)).sum::<f64>() / (t - 1) as f64),
        same_word: (0..t)
            .map(|i| {
                (0..t)
                    .filter(|&j| j != i && word(j) == word(i))
                    .map(|j| at(i, j))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / n,
        stop_words: to_positions(&|j| stop(word(j))),
        punctuation: to_positions(&|j| is_punctuation(word(j))),
        negation_scope: (!scopes.is_empty())
            .then(|| scopes.iter().sum::<f64>() / scopes.len() as f64),
    }
}

/// The index of an output's n-gram dimension (the last of its final representation) when its
/// n-gram features (`lexical`) are that dimension's exact split, so that a reader can count or
/// list the features in its place; `None` for a model without n-gram features.
pub fn ngram_block(o: &OutputExplanation) -> Option<usize> {
    let last = o.communities.len().checked_sub(1)?;
    if o.lexical.is_empty() {
        return None;
    }
    let c = o.communities[last].len();
    let exact = (0..c).all(|k| {
        let sum: f32 = o.lexical.iter().map(|(_, r)| r[k]).sum();
        let block = o.communities[last][k];
        (sum - block).abs() <= 1e-3 * block.abs().max(1.0)
    });
    exact.then_some(last)
}

/// The terms compactness counts, each a contribution to the predicted class's log-odds (`comm`:
/// every dimension of the final representation, `odds` reading a term): one per community and
/// named dimension, one per fine community of a fine path, and, where the model reads n-gram
/// features, one per feature in place of their dimension ([`ngram_block`]), so that a block of a
/// million weights does not count as one term.
fn compactness_terms(
    o: &OutputExplanation,
    comm: &[f64],
    odds: &dyn Fn(&[f32]) -> f64,
) -> Vec<f64> {
    let mut terms = comm.to_vec();
    terms.extend(o.fine_communities.iter().map(|(_, r)| odds(r)));
    if let Some(block) = ngram_block(o) {
        terms.remove(block);
        terms.extend(o.lexical.iter().map(|(_, r)| odds(r)));
    }
    terms
}

/// What a head attending uniformly (`1/T` to every position) would score on each pattern of
/// `words`: the chance level a head's [`HeadPatterns`] are read against, keyed as
/// `ExampleAnalysis::head_chance` (a short text gives the previous token a sixth of a uniform
/// head's attention already).
pub fn chance_patterns(words: &[String], stop: &dyn Fn(&str) -> bool) -> BTreeMap<String, f64> {
    let t = words.len();
    let uniform = vec![vec![1.0 / t.max(1) as f32; t]; t];
    head_patterns(&uniform, words, stop)
        .entries()
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
        .collect()
}

/// A text classifier's logits for the empty text: the lean an explanation page states before
/// a text's evidence (the analysis reads components against [`training_reference`]).
pub fn reference_logits(model: &AnyModel, device: &Device) -> Vec<f32> {
    let empty = Example {
        labels: vec![0],
        ..Example::default()
    };
    model
        .predict(std::slice::from_ref(&empty), TaskKind::Classify, 1, device)
        .remove(0)
}

/// The reference of an exact classifier's explanations: the mean logits and the mean terms of
/// each named component over the first `n` texts of a seeded shuffle of `train` that have a
/// known word ([`sinr_schema::Reference::mean_of`]). A term the same on every text (the read-out
/// bias, a head that writes one vector whatever it reads) is then part of the reference, and
/// the reference's log-odds is the model's offset. `None` for a model without an exact split.
///
/// # Errors
/// An explanation that fails.
pub fn training_reference(
    run: &LoadedRun,
    train: &[sinr_data::readers::LabeledText],
    n: usize,
    seed: u64,
    device: &Device,
    progress: &dyn Progress,
) -> Result<Option<sinr_schema::Reference>> {
    if !run.model.is_exact() {
        return Ok(None);
    }
    let mut order: Vec<usize> = (0..train.len()).collect();
    SplitMix64::new(seed).shuffle(&mut order);
    let mut texts = Vec::new();
    progress.start(
        "reference (training texts)",
        Some(n.min(train.len()) as u64),
        ProgressUnit::Items("texts"),
    );
    for i in order {
        if texts.len() >= n {
            break;
        }
        let ex = run.encoder.encode_text(&train[i].text, 0);
        if ex.rows.is_empty() {
            continue;
        }
        let mut terms = run.model.explain_terms(&run.spec, &ex, device)?;
        texts.push(terms.outputs.swap_remove(0));
        progress.advance(1);
    }
    progress.finish("reference (training texts)");
    Ok(Some(sinr_schema::Reference::mean_of(&texts, seed)))
}

/// Each component kind's mean logit terms in `reference` (summed by kind, as
/// `sinr_schema::mean_components` takes them): what the analysis reads an exact classifier's
/// component terms against. Empty without a reference.
fn reference_by_kind(
    reference: Option<&sinr_schema::Reference>,
) -> BTreeMap<ComponentKind, Vec<f64>> {
    let mut by_kind: BTreeMap<ComponentKind, Vec<f64>> = BTreeMap::new();
    for c in reference
        .map(|r| r.components.as_slice())
        .unwrap_or_default()
    {
        let acc = by_kind
            .entry(c.kind)
            .or_insert_with(|| vec![0.0; c.values.len()]);
        for (a, x) in acc.iter_mut().zip(&c.values) {
            *a += f64::from(*x);
        }
    }
    by_kind
}

/// An output's components as `(kind, terms per class)` in `f64`.
fn components_of(o: &sinr_schema::OutputExplanation) -> Vec<(ComponentKind, Vec<f64>)> {
    o.components
        .iter()
        .map(|x| (x.kind, x.values.iter().map(|&v| f64::from(v)).collect()))
        .collect()
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
    reference: &BTreeMap<ComponentKind, Vec<f64>>,
    device: &Device,
    ad: &Device,
) -> Result<ExampleAnalysis> {
    if spec.kind != TaskKind::Classify {
        return Err(Error::config("task", "the analysis covers sequence tasks"));
    }
    let n = ex.rows.len();
    if n == 0 {
        return Err(Error::Empty("no known word".into()));
    }
    let logits = model
        .predict(std::slice::from_ref(ex), TaskKind::Classify, 1, device)
        .remove(0);
    let p = softmax(&logits);
    let c = sinr_metrics::task::argmax(&p);
    let mut a = ExampleAnalysis::new(c, gold, p[c], ex.surface.clone());
    if model.is_exact() {
        // The exact terms only: the words labelling the dimensions are not needed here.
        let terms = model.explain_terms(spec, ex, device)?;
        let o = &terms.outputs[0];
        a.completeness_error = Some(f64::from(o.relative_completeness_error()));
        a.lexical = o
            .lexical
            .iter()
            .take(crate::explain::LEXICAL_SHOWN)
            .cloned()
            .collect();
        // Importances for faithfulness: exact contributions to the log-odds.
        let m = log_odds_weights(o.logits.len(), c);
        let tok: Vec<f64> = o
            .tokens
            .iter()
            .map(|r| r.iter().zip(&m).map(|(x, w)| f64::from(x * w)).sum())
            .collect();
        a.tokens_for_90 = Some(im::terms_to_cover(&tok, 0.9));
        let odds = |r: &[f32]| {
            let v: Vec<f64> = r.iter().map(|&x| f64::from(x)).collect();
            sinr_schema::log_odds_of(&v, c)
        };
        let comm: Vec<f64> = o.communities.iter().map(|r| odds(r)).collect();
        // The hierarchical model's communities are top-level aggregates: compactness counts its
        // fine communities (and its levels' biases) instead, as it counts the others'.
        let counted = match &terms.fine_terms {
            Some(fine) => fine.iter().map(|r| odds(r)).collect(),
            None => compactness_terms(o, &comm, &odds),
        };
        a.communities_for_90 = Some(im::terms_to_cover(&counted, 0.9));
        let mut order: Vec<usize> = (0..comm.len()).collect();
        order.sort_by(|&x, &y| comm[y].abs().total_cmp(&comm[x].abs()));
        a.top_communities = order.into_iter().take(10).map(|k| k as u32).collect();
        a.importances.insert(Method::Exact, tok);
        if let Some((_, pool)) = terms.attention.iter().find(|x| x.0 == "pooling") {
            a.importances.insert(
                Method::Attention,
                pool[0].iter().map(|&v| f64::from(v)).collect(),
            );
        }
        // Components against the reference (the training sample's mean terms), in log-odds:
        // what is the same on every text is the model's offset, not this text's evidence.
        let components = components_of(o);
        let offset = sinr_schema::reference_offset(reference, c);
        a.reference_log_odds = Some(offset);
        a.component_log_odds = sinr_schema::reference_terms(&components, c, reference);
        let (shares, offset_share) = sinr_schema::reference_shares(&a.component_log_odds, offset);
        a.component_shares = shares;
        a.offset_share = Some(offset_share);
        // The heads' maps (the poolings', one row each, are not heads).
        let words: Vec<String> = ex.surface.iter().map(|w| w.to_lowercase()).collect();
        let stop = is_stop_word;
        if head_maps(&terms.attention).next().is_some() {
            a.head_chance = chance_patterns(&words, &stop);
        }
        for (name, map) in head_maps(&terms.attention) {
            a.head_entropy.insert(name.clone(), mean_entropy(map));
            let p = head_patterns(map, &words, &stop);
            a.head_self_attention.insert(name.clone(), p.itself);
            a.head_same_word.insert(name.clone(), p.same_word);
            for (into, v) in [
                (&mut a.head_previous, p.previous),
                (&mut a.head_next, p.next),
                (&mut a.head_first, p.first),
                (&mut a.head_stop_words, p.stop_words),
                (&mut a.head_punctuation, p.punctuation),
                (&mut a.head_negation_scope, p.negation_scope),
            ] {
                if let Some(v) = v {
                    into.insert(name.clone(), v);
                }
            }
        }
    }
    a.importances.insert(
        Method::GradientTimesInput,
        grad_times_input(model_ad, ex, spec.labels.len(), c, ad),
    );
    // Leave-one-out.
    let masks: Vec<Vec<bool>> = (0..n).map(|t| (0..n).map(|i| i != t).collect()).collect();
    let loo = probs_of_subsets(model, ex, &masks, c, device);
    a.importances
        .insert(Method::LeaveOneOut, loo.iter().map(|q| p[c] - q).collect());
    a.importances
        .insert(Method::Random, im::random_scores(n, seed));
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
        a.comprehensiveness
            .insert(method, probs.iter().step_by(2).map(|q| p[c] - q).collect());
        a.sufficiency.insert(
            method,
            probs.iter().skip(1).step_by(2).map(|q| p[c] - q).collect(),
        );
    }
    Ok(a)
}

/// Analyses the gold entities of one tagged sentence (`ex.labels` are the gold tag indices):
/// for every position of every entity, the importance of every token of the sentence for the
/// predicted tag, by the model's exact contributions (interpretable models) and by leave-one-out
/// (the token's word replaced by the padding row and its lexical features removed, its position
/// and surface features kept; for every model), then the share on the entity's own tokens.
pub fn analyse_entities(
    model: &AnyModel,
    spec: &RunSpec,
    ex: &Example,
    device: &Device,
) -> Result<Vec<EntityAttribution>> {
    if spec.kind != TaskKind::Tag {
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
        .predict(std::slice::from_ref(ex), TaskKind::Tag, 1, device)
        .remove(0);
    let probs: Vec<Vec<f64>> = full.chunks(c).map(softmax).collect();
    let pred = model.decode_tags(&full, &spec.labels);
    let pred_tags: Vec<&str> = pred.iter().map(|&p| spec.labels[p].as_str()).collect();
    let gold_spans = sinr_metrics::task::spans(&gold);
    if gold_spans.is_empty() {
        return Ok(Vec::new());
    }
    let pred_spans = sinr_metrics::task::spans(&pred_tags);
    // importance[method][i][j]: token j for the predicted tag at position i.
    let mut importance: BTreeMap<Method, Vec<Vec<f64>>> = BTreeMap::new();
    if model.is_exact() {
        let terms = model.explain_terms(spec, ex, device)?;
        let mut rows = vec![vec![0.0; n]; n];
        for o in &terms.outputs {
            if let Some(i) = o.position.filter(|&i| i < n) {
                rows[i] = o.tokens.iter().map(|r| f64::from(r[pred[i]])).collect();
            }
        }
        importance.insert(Method::Exact, rows);
    }
    let variants: Vec<Example> = (0..n)
        .map(|j| {
            let mut v = ex.clone();
            v.rows[j] = 0;
            // A tagger's lexical features of the token go with its word.
            v.lexical.retain(|&(p, _)| p as usize != j);
            v
        })
        .collect();
    let without = model.predict(&variants, TaskKind::Tag, 32, device);
    let mut loo = vec![vec![0.0; n]; n];
    for (j, l) in without.iter().enumerate() {
        for (i, chunk) in l.chunks(c).enumerate().take(n) {
            loo[i][j] = probs[i][pred[i]] - softmax(chunk)[pred[i]];
        }
    }
    importance.insert(Method::LeaveOneOut, loo);
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
                own_share.insert(*m, share / len);
                top_inside.insert(*m, top / len);
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

/// `sinr analyze` on a classification task: the first `n` examples of a seeded shuffle of
/// `test` that have at least two known words, each analysed ([`analyse_example`]; the
/// random baseline seeded by `seed` and the example's index; the components read against
/// the run's stored reference, `RUN/reference.json`, or where it has none the mean of
/// [`sinr_schema::REFERENCE_TEXTS`] texts of `train` drawn as `sinr train` draws them,
/// [`training_reference`]), the kept
/// n-gram features named, and the model's most active memories over them.
///
/// # Errors
/// A label the model does not know, or an analysis that fails.
pub fn analyse_texts(
    run: &LoadedRun,
    train: &[sinr_data::readers::LabeledText],
    test: &[sinr_data::readers::LabeledText],
    n: usize,
    seed: u64,
    device: &Device,
    progress: &dyn Progress,
) -> Result<ClassificationAnalysis> {
    let model_ad = run.autodiff_model(device)?;
    let ad = device.clone().autodiff();
    // The training sample's mean terms, the reference of every example's component shares:
    // the one `sinr train` stored with the run, so the analysis and the pages read the same
    // reference; made here as `sinr train` makes it for a run without one.
    let stored = if run.model.is_exact() {
        Some(run.reference(device)?)
    } else {
        None
    };
    let reference = match stored.filter(|r| r.texts > 0) {
        Some(r) => Some(r),
        None => training_reference(
            run,
            train,
            sinr_schema::REFERENCE_TEXTS,
            crate::run::REFERENCE_SEED,
            device,
            progress,
        )?,
    };
    let reference = reference_by_kind(reference.as_ref());
    let mut order: Vec<usize> = (0..test.len()).collect();
    SplitMix64::new(seed).shuffle(&mut order);
    progress.start("analysing", Some(n as u64), ProgressUnit::Items("examples"));
    let mut examples = Vec::new();
    let mut analysed = Vec::new();
    for &i in &order {
        if examples.len() >= n {
            break;
        }
        let x = &test[i];
        let ex = run.encoder.encode_text(&x.text, 0);
        if ex.rows.len() < 2 {
            continue;
        }
        let gold = run.spec.gold_label(x)?;
        let a = analyse_example(
            &run.model,
            &model_ad,
            &run.spec,
            &ex,
            gold,
            seed ^ i as u64,
            &reference,
            device,
            &ad,
        )?;
        // The kept n-gram features by name, in the order of `analysis.lexical`.
        let names = run.encoder.lexical_names(&x.text);
        let lexical_names = a
            .lexical
            .iter()
            .map(|(f, _)| {
                names
                    .get(*f as usize)
                    .map_or("?", |n| n.0.as_str())
                    .to_owned()
            })
            .collect();
        examples.push(AnalysedExample {
            index: i,
            text: x.text.clone(),
            analysis: a,
            lexical_names,
        });
        analysed.push(ex);
        progress.advance(1);
    }
    progress.finish(&format!("{} examples", examples.len()));
    let memories = run
        .model
        .memory_profiles(&run.spec, &run.embeddings, &analysed, 6, device)?;
    Ok(ClassificationAnalysis {
        version: ANALYSIS_VERSION,
        model: run.model.kind().to_owned(),
        labels: run.spec.class_names(),
        examples,
        memories,
    })
}

/// `sinr analyze` on a tagging task: NER plausibility ([`analyse_entities`]) of the first `n`
/// sentences with a gold entity in a seeded shuffle of `test`.
///
/// # Errors
/// A tag the model does not know (naming the sentence's line), or an analysis that fails.
pub fn analyse_sentences(
    run: &LoadedRun,
    test: &[sinr_data::readers::TaggedSentence],
    n: usize,
    seed: u64,
    device: &Device,
    progress: &dyn Progress,
) -> Result<TaggingAnalysis> {
    let mut order: Vec<usize> = (0..test.len()).collect();
    SplitMix64::new(seed).shuffle(&mut order);
    progress.start(
        "analysing entities",
        Some(n as u64),
        ProgressUnit::Items("sentences"),
    );
    let mut sentences = Vec::new();
    for &i in &order {
        if sentences.len() >= n {
            break;
        }
        let s = &test[i];
        if s.tags.iter().all(|x| x == "O") {
            continue;
        }
        let (doc, at) = run.document_around(test, i, device);
        let ex = run
            .encoder
            .encode_tokens_in(&doc, at, &run.spec.gold_tags(s)?);
        let entities = analyse_entities(&run.model, &run.spec, &ex, device)?;
        sentences.push(AnalysedSentence {
            index: i,
            tokens: ex.surface,
            entities,
        });
        progress.advance(1);
    }
    progress.finish(&format!("{} sentences", sentences.len()));
    Ok(TaggingAnalysis {
        version: ANALYSIS_VERSION,
        model: run.model.kind().to_owned(),
        labels: run.spec.class_names(),
        sentences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn compactness_counts_each_n_gram_feature_and_fine_community() {
        let output = |lexical: Vec<(u32, Vec<f32>)>| OutputExplanation {
            position: None,
            logits: vec![0.0, 0.0],
            predicted: 0,
            argmax: None,
            tokens: Vec::new(),
            bias: vec![0.0, 0.0],
            // Two communities, then the n-gram block (log-odds 4).
            communities: vec![vec![1.0, -1.0], vec![0.5, 0.5], vec![2.0, -2.0]],
            components: Vec::new(),
            community_own: Vec::new(),
            token_communities: Vec::new(),
            fine_communities: vec![(7, vec![0.25, -0.25])],
            levels: Vec::new(),
            lexical,
        };
        let odds = |r: &[f32]| f64::from(r[0] - r[1]);
        let comm = [2.0, 0.0, 4.0];
        // The features are the block's split: they replace it.
        let o = output(vec![(0, vec![1.5, -1.5]), (1, vec![0.5, -0.5])]);
        assert_eq!(
            compactness_terms(&o, &comm, &odds),
            vec![2.0, 0.0, 0.5, 3.0, 1.0]
        );
        assert_eq!(
            im::terms_to_cover(&compactness_terms(&o, &comm, &odds), 0.9),
            3
        );
        // Features that are not the whole block (or none): the block stays one term.
        let o = output(vec![(0, vec![1.5, -1.5])]);
        assert_eq!(
            compactness_terms(&o, &comm, &odds),
            vec![2.0, 0.0, 4.0, 0.5]
        );
    }

    #[test]
    fn head_patterns_on_a_worked_map() {
        // "a b a": query 0 looks at itself; 1 half at the previous token, half at the next;
        // 2 all at the other "a".
        let map = vec![
            vec![1.0, 0.0, 0.0],
            vec![0.5, 0.0, 0.5],
            vec![1.0, 0.0, 0.0],
        ];
        let words = words(&["a", "b", "a"]);
        let p = head_patterns(&map, &words, &|w| w == "b");
        assert!((p.itself - 1.0 / 3.0).abs() < 1e-12);
        // Previous: queries 1 (0.5) and 2 (0.0); next: queries 0 (0.0) and 1 (0.5).
        assert!((p.previous.unwrap() - 0.25).abs() < 1e-12);
        assert!((p.next.unwrap() - 0.25).abs() < 1e-12);
        // First: queries 1 (0.5) and 2 (1.0).
        assert!((p.first.unwrap() - 0.75).abs() < 1e-12);
        // Same word: query 0 gives 0 to the other "a", query 2 gives 1.
        assert!((p.same_word - 1.0 / 3.0).abs() < 1e-12);
        // Stop word "b": nobody attends to it; no punctuation, no negator.
        assert_eq!(p.stop_words, Some(0.0));
        assert_eq!((p.punctuation, p.negation_scope), (None, None));
        let one = head_patterns(&[vec![1.0]], &words[..1], &|_| false);
        assert_eq!(
            (one.previous, one.next, one.first, one.itself),
            (None, None, None, 1.0)
        );
    }

    #[test]
    fn chance_is_a_uniform_heads_score() {
        // "not good film": a uniform head gives each position 1/3.
        let w = words(&["not", "good", "film"]);
        let c = chance_patterns(&w, &|x| x == "film");
        let third = 1.0 / 3.0;
        for k in ["itself", "previous", "next", "first"] {
            assert!((c[k] - third).abs() < 1e-6, "{k}");
        }
        assert_eq!(c["same_word"], 0.0);
        // Stop word "film": queries 0 and 1 give it 1/3, query 2 is "film" itself → 2/9.
        assert!((c["stop_words"] - 2.0 / 9.0).abs() < 1e-6);
        // The negator's scope is "good film": 2/3.
        assert!((c["negation_scope"] - 2.0 * third).abs() < 1e-6);
        assert!(!c.contains_key("punctuation"));
    }

    #[test]
    fn stop_words_punctuation_and_negation_scope_on_a_worked_map() {
        // "not very good , the end": the negator's scope is "very good" (the comma ends it).
        let w = words(&["not", "very", "good", ",", "the", "end"]);
        let mut map = vec![vec![0.0_f32; 6]; 6];
        // The negator: 0.1 itself, 0.3 "very", 0.4 "good", 0.2 the comma.
        map[0] = vec![0.1, 0.3, 0.4, 0.2, 0.0, 0.0];
        // Everyone else: all on the comma, except the comma, all on "the".
        for (i, row) in map.iter_mut().enumerate().skip(1) {
            row[if i == 3 { 4 } else { 3 }] = 1.0;
        }
        let p = head_patterns(&map, &w, &|x| x == "the" || x == "very");
        assert!((p.negation_scope.unwrap() - 0.7).abs() < 1e-6);
        // Punctuation: queries 0 (0.2), 1, 2, 4, 5 (1 each), the comma itself left out → 4.2 / 6.
        assert!((p.punctuation.unwrap() - 4.2 / 6.0).abs() < 1e-6);
        // Stop words "very" (query 0: 0.3) and "the" (the comma: 1) → 1.3 / 6.
        assert!((p.stop_words.unwrap() - 1.3 / 6.0).abs() < 1e-6);
        // A negator right before punctuation has no scope; a scope stops at another negator and
        // after three tokens.
        let w = words(&["no", ",", "never", "a", "b", "c", "d"]);
        let mut map = vec![vec![0.0_f32; 7]; 7];
        map[0][1] = 1.0;
        map[2] = vec![0.0, 0.0, 0.1, 0.2, 0.2, 0.2, 0.3];
        let p = head_patterns(&map, &w, &|_| false);
        assert!((p.negation_scope.unwrap() - 0.6).abs() < 1e-6);
        let w = words(&["not", "no", "good"]);
        let map = vec![
            vec![0.0, 1.0, 0.0],
            vec![0.0, 0.0, 1.0],
            vec![0.0, 0.0, 1.0],
        ];
        // "not" is followed by another negator: no scope; "no" gives 1 to "good".
        let p = head_patterns(&map, &w, &|_| false);
        assert_eq!(p.negation_scope, Some(1.0));
    }
}
