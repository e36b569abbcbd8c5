//! Scoring a trained run on a split of its data: the report `sinr evaluate` writes
//! ([`sinr_schema::Evaluation`]).

use std::time::Instant;

use sinr_data::TaskData;
use sinr_data::readers::{LabeledText, TaggedSentence};
use sinr_metrics::task::argmax;
use sinr_schema::{ClassificationScores, Evaluation, Scores, Split, TaggingScores};

use crate::data::{Example, TaskKind};
use crate::error::{Error, Result};
use crate::run::LoadedRun;
use crate::{Device, decode_tags};

/// The scores of `run` on `split` of `data`: accuracy, macro-F1, per-class precision, recall
/// and F1, ROC-AUC of two-class tasks (the probability of the second label) for
/// classification; strict span F1 (of the best valid BIO path, and of every position's argmax)
/// and per-type scores for tagging.
///
/// # Errors
/// A label the model does not know (naming the line), or data of the other task kind.
pub fn evaluate(
    run: &LoadedRun,
    data: &TaskData,
    split: Split,
    device: &Device,
) -> Result<Evaluation> {
    Ok(evaluate_tagged(run, data, split, device)?.0)
}

/// [`evaluate`], and for a tagger the tags it scored, each sentence's (the best valid BIO
/// path; a token past the run's `max_len` has none): read once for both.
///
/// # Errors
/// As [`evaluate`].
pub fn evaluate_tagged(
    run: &LoadedRun,
    data: &TaskData,
    split: Split,
    device: &Device,
) -> Result<(Evaluation, Option<Vec<Vec<String>>>)> {
    let t0 = Instant::now();
    let mut tags = None;
    let scores = match (data, run.spec.kind) {
        (TaskData::Classify(t), TaskKind::Classify) => Scores::Classify(score_texts(
            run,
            pick(split, &t.train, &t.dev, &t.test),
            device,
        )?),
        (TaskData::Tag(t), TaskKind::Tag) => {
            let (scores, decided) =
                tag_and_score(run, pick(split, &t.train, &t.dev, &t.test), device)?;
            tags = Some(decided);
            Scores::Tag(scores)
        }
        _ => {
            return Err(Error::config(
                "data",
                format!("is not a {} task, as the run is", run.spec.kind.name()),
            ));
        }
    };
    let report = Evaluation::new(
        split,
        run.model.kind(),
        run.model.num_params(),
        t0.elapsed().as_secs_f64(),
        scores,
    );
    Ok((report, tags))
}

fn pick<'a, T>(split: Split, train: &'a [T], dev: &'a [T], test: &'a [T]) -> &'a [T] {
    match split {
        Split::Train => train,
        Split::Dev => dev,
        Split::Test => test,
    }
}

/// Classification scores of `run` on labelled texts.
///
/// # Errors
/// A label the model does not know (naming the line).
pub fn score_texts(
    run: &LoadedRun,
    items: &[LabeledText],
    device: &Device,
) -> Result<ClassificationScores> {
    let mut gold = Vec::with_capacity(items.len());
    let mut examples = Vec::with_capacity(items.len());
    for x in items {
        gold.push(run.spec.gold_label(x)?);
        examples.push(run.encoder.encode_text(&x.text, 0));
    }
    let logits = run.model.predict(&examples, TaskKind::Classify, 64, device);
    let probs: Vec<Vec<f64>> = logits.iter().map(|l| sinr_util::softmax(l)).collect();
    let without = examples.iter().filter(|e| e.rows.is_empty()).count();
    Ok(ClassificationScores::compute(
        &gold,
        &probs,
        &run.spec.class_names(),
        without,
    ))
}

/// Tagging scores of `run` on tagged sentences.
///
/// # Errors
/// A tag the model does not know (naming the sentence's line).
pub fn score_sentences(
    run: &LoadedRun,
    items: &[TaggedSentence],
    device: &Device,
) -> Result<TaggingScores> {
    Ok(tag_and_score(run, items, device)?.0)
}

/// [`score_sentences`], and the decided tags it scored (each sentence's, by name).
fn tag_and_score(
    run: &LoadedRun,
    items: &[TaggedSentence],
    device: &Device,
) -> Result<(TaggingScores, Vec<Vec<String>>)> {
    let c = run.spec.labels.len();
    let logits = sentence_logits(run, items, device)?;
    let name = |i: usize| run.spec.labels[i].as_str();
    let mut gold = Vec::with_capacity(items.len());
    let mut decoded = Vec::with_capacity(items.len());
    let mut by_argmax = Vec::with_capacity(items.len());
    let crf = run.model.crf_scores();
    for (s, l) in items.iter().zip(&logits) {
        let n = l.len() / c;
        gold.push(s.tags[..n].iter().map(String::as_str).collect::<Vec<_>>());
        decoded.push(
            decode_tags(l, &run.spec.labels, crf.as_ref())
                .into_iter()
                .map(name)
                .collect::<Vec<_>>(),
        );
        by_argmax.push(l.chunks(c).map(|r| name(argmax(r))).collect::<Vec<_>>());
    }
    let truncated = items
        .iter()
        .filter(|s| s.tokens.len() > run.spec.train.max_len)
        .count();
    let scores = TaggingScores::compute(&gold, &decoded, &by_argmax, truncated);
    let tags = decoded
        .into_iter()
        .map(|d| d.into_iter().map(str::to_owned).collect())
        .collect();
    Ok((scores, tags))
}

/// Every position's tag scores, each sentence read within its document (the tag features'
/// document context), as [`score_sentences`] reads them; a sentence longer than the run's
/// `max_len` is scored on its first `max_len` tokens.
///
/// # Errors
/// A tag the model does not know (naming the sentence's line).
fn sentence_logits(
    run: &LoadedRun,
    items: &[TaggedSentence],
    device: &Device,
) -> Result<Vec<Vec<f32>>> {
    let tags = items
        .iter()
        .map(|s| run.spec.gold_tags(s))
        .collect::<Result<Vec<_>>>()?;
    // A tagger that reads a prediction history reads the first pass's tags.
    let examples: Vec<Example> = match run.first_pass(items, device) {
        Some(first) => {
            run.encoder
                .encode_sentences_with(items, &tags, crate::data::History::Tags(&first))
        }
        None => run.encoder.encode_sentences(items, &tags),
    };
    Ok(run.model.predict(&examples, TaskKind::Tag, 64, device))
}
