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
    ANALYSIS_VERSION, AnalysedExample, AnalysedSentence, ClassificationAnalysis, EntityAttribution,
    ExampleAnalysis, Method, TaggingAnalysis, log_odds_weights,
};
use sinr_util::{Progress, ProgressUnit, SplitMix64, softmax};

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
/// pattern Clark et al. (2019) name.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadPatterns {
    /// To the query's own position.
    pub itself: f64,
    /// To the previous token (queries after the first; `None` for one token).
    pub previous: Option<f64>,
    /// To the next token (queries before the last; `None` for one token).
    pub next: Option<f64>,
    /// To the other occurrences of the query's word (`words`, compared as given).
    pub same_word: f64,
}

/// [`HeadPatterns`] of one attention map over `words`.
pub fn head_patterns(map: &[Vec<f32>], words: &[String]) -> HeadPatterns {
    let t = map.len();
    let n = t.max(1) as f64;
    let at = |i: usize, j: usize| f64::from(map[i][j]);
    HeadPatterns {
        itself: (0..t).map(|i| at(i, i)).sum::<f64>() / n,
        previous: (t > 1).then(|| (1..t).map(|i| at(i, i - 1)).sum::<f64>() / (t - 1) as f64),
        next: (t > 1).then(|| (0..t - 1).map(|i| at(i, i + 1)).sum::<f64>() / (t - 1) as f64),
        same_word: (0..t)
            .map(|i| {
                (0..t)
                    .filter(|&j| j != i && words.get(j) == words.get(i))
                    .map(|j| at(i, j))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / n,
    }
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
        let (outputs, attention) = (terms.outputs, terms.attention);
        let o = &outputs[0];
        a.completeness_error = Some(f64::from(o.relative_completeness_error()));
        a.lexical.clone_from(&o.lexical);
        a.tokens_for_90 = Some(im::terms_to_cover(
            &o.tokens.iter().map(|r| f64::from(r[c])).collect::<Vec<_>>(),
            0.9,
        ));
        // Importances for faithfulness: exact contributions to the log-odds.
        let m = log_odds_weights(o.logits.len(), c);
        let tok: Vec<f64> = o
            .tokens
            .iter()
            .map(|r| r.iter().zip(&m).map(|(x, w)| f64::from(x * w)).sum())
            .collect();
        let comm: Vec<f64> = o.communities.iter().map(|r| f64::from(r[c])).collect();
        a.communities_for_90 = Some(im::terms_to_cover(&comm, 0.9));
        let mut order: Vec<usize> = (0..comm.len()).collect();
        order.sort_by(|&x, &y| comm[y].abs().total_cmp(&comm[x].abs()));
        a.top_communities = order.into_iter().take(10).map(|k| k as u32).collect();
        a.importances.insert(Method::Exact, tok);
        if let Some((_, pool)) = attention.iter().find(|x| x.0 == "pooling") {
            a.importances.insert(
                Method::Attention,
                pool[0].iter().map(|&v| f64::from(v)).collect(),
            );
        }
        let total: f64 = o
            .components
            .iter()
            .map(|x| f64::from(x.values[c]).abs())
            .sum::<f64>()
            .max(1e-12);
        for x in &o.components {
            *a.component_shares.entry(x.kind).or_default() += f64::from(x.values[c]).abs() / total;
        }
        // The heads' maps (the poolings', one row each, are not heads).
        let words: Vec<String> = ex.surface.iter().map(|w| w.to_lowercase()).collect();
        for (name, map) in attention.iter().filter(|x| !x.0.starts_with("pooling")) {
            let t = map.len();
            let ent: f64 = map
                .iter()
                .map(|row| im::entropy(&row.iter().map(|&v| f64::from(v)).collect::<Vec<_>>()))
                .sum::<f64>()
                / t as f64;
            a.head_entropy.insert(name.clone(), ent);
            let p = head_patterns(map, &words);
            a.head_self_attention.insert(name.clone(), p.itself);
            if let Some(v) = p.previous {
                a.head_previous.insert(name.clone(), v);
            }
            if let Some(v) = p.next {
                a.head_next.insert(name.clone(), v);
            }
            a.head_same_word.insert(name.clone(), p.same_word);
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
/// random baseline seeded by `seed` and the example's index), the kept n-gram features named,
/// and the model's most active memories over them.
///
/// # Errors
/// A label the model does not know, or an analysis that fails.
pub fn analyse_texts(
    run: &LoadedRun,
    test: &[sinr_data::readers::LabeledText],
    n: usize,
    seed: u64,
    device: &Device,
    progress: &dyn Progress,
) -> Result<ClassificationAnalysis> {
    let model_ad = run.autodiff_model(device)?;
    let ad = device.clone().autodiff();
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
        labels: run.spec.labels.clone(),
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
        let ex = run
            .encoder
            .encode_tokens(&s.tokens, &run.spec.gold_tags(s)?);
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
        labels: run.spec.labels.clone(),
        sentences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_patterns_on_a_worked_map() {
        // "a b a": query 0 looks at itself; 1 half at the previous token, half at the next;
        // 2 all at the other "a".
        let map = vec![
            vec![1.0, 0.0, 0.0],
            vec![0.5, 0.0, 0.5],
            vec![1.0, 0.0, 0.0],
        ];
        let words: Vec<String> = ["a", "b", "a"].iter().map(|w| (*w).to_owned()).collect();
        let p = head_patterns(&map, &words);
        assert!((p.itself - 1.0 / 3.0).abs() < 1e-12);
        // Previous: queries 1 (0.5) and 2 (0.0); next: queries 0 (0.0) and 1 (0.5).
        assert!((p.previous.unwrap() - 0.25).abs() < 1e-12);
        assert!((p.next.unwrap() - 0.25).abs() < 1e-12);
        // Same word: query 0 gives 0 to the other "a", query 2 gives 1.
        assert!((p.same_word - 1.0 / 3.0).abs() < 1e-12);
        let one = head_patterns(&[vec![1.0]], &words[..1]);
        assert_eq!((one.previous, one.next, one.itself), (None, None, 1.0));
    }
}
