//! `sinr evaluate`: a trained run's scores on a split.

use serde::{Deserialize, Serialize};
use sinr_metrics::task;

use crate::file::{Document, required};
use crate::vocab::Split;

/// Format version of [`Evaluation`]. 1: the first typed report (the scores under `scores`, by
/// task kind). 2: every example's outcome (classification: gold label and probabilities;
/// tagging: each sentence's span counts), for confidence intervals and paired tests.
pub const EVALUATION_VERSION: u32 = 2;

/// The scores of a trained run on one split of its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// [`EVALUATION_VERSION`].
    pub version: u32,
    /// The split scored.
    pub split: Split,
    /// The model kind (`attention`, `transformer`, …).
    pub model: String,
    /// Trainable parameters.
    pub parameters: usize,
    /// Seconds the evaluation took.
    pub seconds: f64,
    /// The scores.
    pub scores: Scores,
}

impl Evaluation {
    /// A report of the current version.
    pub fn new(split: Split, model: &str, parameters: usize, seconds: f64, scores: Scores) -> Self {
        Self {
            version: EVALUATION_VERSION,
            split,
            model: model.to_owned(),
            parameters,
            seconds,
            scores,
        }
    }
}

impl Document for Evaluation {
    const KIND: &'static str = "evaluation report";
    const VERSION: u32 = EVALUATION_VERSION;
    fn version(&self) -> u32 {
        self.version
    }
}

/// Scores of a classification or a tagging task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Scores {
    /// One label per text.
    Classify(ClassificationScores),
    /// One tag per token.
    Tag(TaggingScores),
}

/// A headline metric, by which tasks are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Accuracy (classification).
    Accuracy,
    /// Macro-averaged F1 (classification).
    MacroF1,
    /// Area under the ROC curve (two classes).
    RocAuc,
    /// Strict span F1, as conlleval (tagging).
    SpanF1,
}

impl Metric {
    /// The name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::MacroF1 => "macro-F1",
            Metric::RocAuc => "ROC-AUC",
            Metric::SpanF1 => "span F1",
        }
    }
}

impl Scores {
    /// The value of `metric`, `None` where these scores do not have it (span F1 of a
    /// classification, ROC-AUC of more than two classes).
    pub fn get(&self, metric: Metric) -> Option<f64> {
        match (self, metric) {
            (Scores::Classify(s), Metric::Accuracy) => Some(s.accuracy),
            (Scores::Classify(s), Metric::MacroF1) => Some(s.macro_f1),
            (Scores::Classify(s), Metric::RocAuc) => s.roc_auc,
            (Scores::Tag(s), Metric::SpanF1) => Some(s.span_f1),
            _ => None,
        }
    }

    /// `metric` over the examples (or sentences) `idx`, which may repeat; NaN for a metric these
    /// scores do not have.
    pub fn metric_on(&self, metric: Metric, idx: &[usize]) -> f64 {
        let parts: Vec<(&Scores, usize)> = idx.iter().map(|&i| (self, i)).collect();
        Scores::metric_of_mixed(metric, &parts)
    }

    /// `metric` over examples drawn from several score reports of the same split (each part: a
    /// report and an example index in it), as a paired test that swaps two systems' outcomes
    /// needs; NaN for a metric they do not have, or parts of different kinds.
    pub fn metric_of_mixed(metric: Metric, parts: &[(&Scores, usize)]) -> f64 {
        match parts.first().map(|p| p.0) {
            Some(Scores::Classify(first)) => {
                let mut outcomes = Vec::with_capacity(parts.len());
                for (s, i) in parts {
                    match s {
                        Scores::Classify(c) => outcomes.push(&c.outcomes[*i]),
                        Scores::Tag(_) => return f64::NAN,
                    }
                }
                ClassificationScores::metric_of(metric, first.per_class.len(), &outcomes)
            }
            Some(Scores::Tag(_)) if metric == Metric::SpanF1 => {
                let mut counts = Vec::with_capacity(parts.len());
                for (s, i) in parts {
                    match s {
                        Scores::Tag(t) => counts.push(t.sentence_counts[*i]),
                        Scores::Classify(_) => return f64::NAN,
                    }
                }
                TaggingScores::span_f1_of(&counts)
            }
            _ => f64::NAN,
        }
    }

    /// How many examples (or sentences) were scored.
    pub fn len(&self) -> usize {
        match self {
            Scores::Classify(s) => s.outcomes.len(),
            Scores::Tag(s) => s.sentence_counts.len(),
        }
    }

    /// Whether nothing was scored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The classification scores, if these are.
    pub fn classify(&self) -> Option<&ClassificationScores> {
        match self {
            Scores::Classify(s) => Some(s),
            Scores::Tag(_) => None,
        }
    }

    /// The tagging scores, if these are.
    pub fn tag(&self) -> Option<&TaggingScores> {
        match self {
            Scores::Tag(s) => Some(s),
            Scores::Classify(_) => None,
        }
    }
}

/// Scores of a classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassificationScores {
    /// Examples scored.
    pub examples: usize,
    /// Of which without any word the embeddings know (the model's prior decides them).
    pub without_known_word: usize,
    /// Accuracy.
    pub accuracy: f64,
    /// Macro-averaged F1.
    pub macro_f1: f64,
    /// ROC-AUC of class 1's probability (two classes; `null` otherwise).
    #[serde(deserialize_with = "required")]
    pub roc_auc: Option<f64>,
    /// Precision, recall and F1 of every class, in label order.
    pub per_class: Vec<ClassScores>,
    /// Every example's gold label and predicted probabilities, in the split's order.
    pub outcomes: Vec<Outcome>,
}

/// One classified example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Gold label index.
    pub gold: usize,
    /// Probability of every label.
    pub probabilities: Vec<f64>,
}

impl Outcome {
    /// The predicted label (the first most probable).
    pub fn predicted(&self) -> usize {
        task::argmax(&self.probabilities)
    }
}

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassScores {
    /// The class's label.
    pub label: String,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

impl ClassificationScores {
    /// The scores of predicted class probabilities `probs` (one row per example) against gold
    /// label indices; the prediction is each row's first maximum.
    ///
    /// # Panics
    /// If `gold` and `probs` differ in length.
    pub fn compute(
        gold: &[usize],
        probs: &[Vec<f64>],
        labels: &[String],
        without_known_word: usize,
    ) -> Self {
        assert_eq!(
            gold.len(),
            probs.len(),
            "one row of probabilities per example"
        );
        let c = labels.len();
        let pred: Vec<usize> = probs.iter().map(|p| task::argmax(p)).collect();
        let outcomes: Vec<Outcome> = gold
            .iter()
            .zip(probs)
            .map(|(&gold, p)| Outcome {
                gold,
                probabilities: p.clone(),
            })
            .collect();
        let roc_auc = (c == 2).then(|| roc_auc_of(&outcomes.iter().collect::<Vec<_>>()));
        Self {
            examples: gold.len(),
            without_known_word,
            accuracy: task::accuracy(gold, &pred),
            macro_f1: task::macro_f1(gold, &pred, c),
            roc_auc,
            per_class: (0..c)
                .map(|k| {
                    let (precision, recall, f1) = task::precision_recall_f1(gold, &pred, k);
                    ClassScores {
                        label: labels[k].clone(),
                        precision,
                        recall,
                        f1,
                    }
                })
                .collect(),
            outcomes,
        }
    }

    /// `metric` over the examples `idx` (which may repeat, as in a bootstrap resample); NaN for
    /// a metric these scores do not have.
    pub fn metric_on(&self, metric: Metric, idx: &[usize]) -> f64 {
        let outcomes: Vec<&Outcome> = idx.iter().map(|&i| &self.outcomes[i]).collect();
        Self::metric_of(metric, self.per_class.len(), &outcomes)
    }

    /// `metric` of a list of outcomes over `classes` classes (NaN for span F1, or ROC-AUC of more
    /// than two classes).
    pub fn metric_of(metric: Metric, classes: usize, outcomes: &[&Outcome]) -> f64 {
        let gold: Vec<usize> = outcomes.iter().map(|o| o.gold).collect();
        let pred: Vec<usize> = outcomes.iter().map(|o| o.predicted()).collect();
        match metric {
            Metric::Accuracy => task::accuracy(&gold, &pred),
            Metric::MacroF1 => task::macro_f1(&gold, &pred, classes),
            Metric::RocAuc if classes == 2 => roc_auc_of(outcomes),
            _ => f64::NAN,
        }
    }
}

/// ROC-AUC of class 1's probability over outcomes.
fn roc_auc_of(outcomes: &[&Outcome]) -> f64 {
    let positive: Vec<bool> = outcomes.iter().map(|o| o.gold == 1).collect();
    let scores: Vec<f64> = outcomes.iter().map(|o| o.probabilities[1]).collect();
    task::roc_auc(&positive, &scores)
}

/// Scores of a tagger (strict spans, as conlleval).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaggingScores {
    /// Sentences scored.
    pub sentences: usize,
    /// Of which longer than the model reads (the rest of each is not tagged).
    pub truncated_sentences: usize,
    /// Span precision.
    pub span_precision: f64,
    /// Span recall.
    pub span_recall: f64,
    /// Span F1 of the tags read off the best valid BIO path.
    pub span_f1: f64,
    /// Span F1 of every position's own argmax. For a tagger with a CRF those are its emission
    /// scores alone, without the transitions that its decoding adds: a diagnostic, not that
    /// model's tags.
    pub span_f1_argmax: f64,
    /// Scores by entity type.
    pub per_type: Vec<TypeScores>,
    /// Every sentence's span counts (of the decoded tags), in the split's order.
    pub sentence_counts: Vec<SpanCounts>,
}

/// The strict span counts of one sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpanCounts {
    /// Predicted spans that are gold spans (same type, same boundaries).
    pub true_positives: usize,
    /// Predicted spans that are not.
    pub false_positives: usize,
    /// Gold spans not predicted.
    pub false_negatives: usize,
}

impl SpanCounts {
    /// The counts of one sentence's predicted tags against its gold tags.
    pub fn of(gold: &[&str], pred: &[&str]) -> Self {
        let g = task::spans(gold);
        let p = task::spans(pred);
        let tp = p.iter().filter(|s| g.contains(s)).count();
        Self {
            true_positives: tp,
            false_positives: p.len() - tp,
            false_negatives: g.len() - tp,
        }
    }
}

/// Span scores of one entity type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeScores {
    /// The type (`PER`, `LOC`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Gold spans of the type.
    pub gold: usize,
}

impl TaggingScores {
    /// The scores of decoded tags `pred` and per-position argmax tags `argmax` against `gold`
    /// (each a sentence of tag names, of the same lengths).
    pub fn compute(
        gold: &[Vec<&str>],
        pred: &[Vec<&str>],
        argmax: &[Vec<&str>],
        truncated_sentences: usize,
    ) -> Self {
        let sc = task::span_f1(gold, pred);
        Self {
            sentences: gold.len(),
            truncated_sentences,
            span_precision: sc.precision,
            span_recall: sc.recall,
            span_f1: sc.f1,
            span_f1_argmax: task::span_f1(gold, argmax).f1,
            sentence_counts: gold
                .iter()
                .zip(pred)
                .map(|(g, p)| SpanCounts::of(g, p))
                .collect(),
            per_type: sc
                .per_type
                .iter()
                .map(|(kind, precision, recall, f1, gold)| TypeScores {
                    kind: kind.clone(),
                    precision: *precision,
                    recall: *recall,
                    f1: *f1,
                    gold: *gold,
                })
                .collect(),
        }
    }

    /// Strict span F1 over the sentences `idx` (which may repeat): `2 tp / (2 tp + fp + fn)`,
    /// summed over them (0 without any span).
    pub fn span_f1_on(&self, idx: &[usize]) -> f64 {
        let counts: Vec<SpanCounts> = idx.iter().map(|&i| self.sentence_counts[i]).collect();
        Self::span_f1_of(&counts)
    }

    /// Strict span F1 of summed sentence counts (0 without any span).
    pub fn span_f1_of(counts: &[SpanCounts]) -> f64 {
        let (mut tp, mut wrong) = (0usize, 0usize);
        for c in counts {
            tp += c.true_positives;
            wrong += c.false_positives + c.false_negatives;
        }
        if tp == 0 {
            0.0
        } else {
            2.0 * tp as f64 / (2 * tp + wrong) as f64
        }
    }

    /// The F1 of entity type `kind`, if the gold data has it.
    pub fn f1_of(&self, kind: &str) -> Option<f64> {
        self.per_type.iter().find(|t| t.kind == kind).map(|t| t.f1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Evaluation {
        let labels = vec!["0".to_owned(), "1".to_owned()];
        let probs = vec![vec![0.9, 0.1], vec![0.3, 0.7], vec![0.4, 0.6]];
        Evaluation::new(
            Split::Test,
            "attention",
            12,
            0.25,
            Scores::Classify(ClassificationScores::compute(
                &[0, 1, 0],
                &probs,
                &labels,
                0,
            )),
        )
    }

    #[test]
    fn classification_scores_by_hand() {
        let e = report();
        let s = e.scores.classify().unwrap();
        assert!((s.accuracy - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.roc_auc, Some(1.0));
        assert_eq!(s.per_class[1].precision, 0.5);
        assert_eq!(s.per_class[1].recall, 1.0);
        assert_eq!(e.scores.get(Metric::SpanF1), None);
    }

    #[test]
    fn a_missing_or_unknown_field_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.json");
        let e = report();
        crate::write(&path, &e).unwrap();
        assert_eq!(crate::read::<Evaluation>(&path).unwrap(), e);
        let full: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        // Every field of the scores, taken out one at a time, is missed by name.
        for field in ["accuracy", "macro_f1", "roc_auc", "per_class", "examples"] {
            let mut v = full.clone();
            v["scores"]["classify"]
                .as_object_mut()
                .unwrap()
                .remove(field);
            std::fs::write(&path, v.to_string()).unwrap();
            let err = crate::read::<Evaluation>(&path).unwrap_err().to_string();
            assert!(
                err.contains("test.json") && err.contains(&format!("missing field `{field}`")),
                "{err}"
            );
        }
        let mut v = full.clone();
        v["scores"]["classify"]["accuracy_"] = serde_json::json!(1.0);
        std::fs::write(&path, v.to_string()).unwrap();
        let err = crate::read::<Evaluation>(&path).unwrap_err().to_string();
        assert!(err.contains("unknown field `accuracy_`"), "{err}");
        let mut v = full;
        v["version"] = serde_json::json!(0);
        std::fs::write(&path, v.to_string()).unwrap();
        let err = crate::read::<Evaluation>(&path).unwrap_err().to_string();
        assert!(err.contains("format version 0"), "{err}");
    }

    #[test]
    fn scores_on_a_subset_are_the_scores_of_that_subset() {
        let labels = vec!["0".to_owned(), "1".to_owned()];
        let gold = [0, 1, 0, 1, 1];
        let probs = vec![
            vec![0.9, 0.1],
            vec![0.3, 0.7],
            vec![0.4, 0.6],
            vec![0.8, 0.2],
            vec![0.1, 0.9],
        ];
        let all = ClassificationScores::compute(&gold, &probs, &labels, 0);
        let every: Vec<usize> = (0..5).collect();
        assert_eq!(all.metric_on(Metric::Accuracy, &every), all.accuracy);
        assert_eq!(all.metric_on(Metric::MacroF1, &every), all.macro_f1);
        assert_eq!(Some(all.metric_on(Metric::RocAuc, &every)), all.roc_auc);
        // A resample with repeats is the scores of the repeated examples.
        let idx = [0, 0, 2, 4];
        let sub = ClassificationScores::compute(
            &[0, 0, 0, 1],
            &[
                probs[0].clone(),
                probs[0].clone(),
                probs[2].clone(),
                probs[4].clone(),
            ],
            &labels,
            0,
        );
        assert_eq!(all.metric_on(Metric::Accuracy, &idx), sub.accuracy);
        assert_eq!(Some(all.metric_on(Metric::RocAuc, &idx)), sub.roc_auc);
        assert!(all.metric_on(Metric::SpanF1, &idx).is_nan());
    }

    #[test]
    fn span_f1_from_sentence_counts_is_the_corpus_span_f1() {
        let gold = vec![vec!["B-PER", "I-PER", "O"], vec!["B-LOC", "O", "B-ORG"]];
        let pred = vec![vec!["B-PER", "I-PER", "O"], vec!["B-LOC", "B-MISC", "O"]];
        let s = TaggingScores::compute(&gold, &pred, &pred, 0);
        assert_eq!(
            s.sentence_counts,
            [
                SpanCounts {
                    true_positives: 1,
                    false_positives: 0,
                    false_negatives: 0
                },
                SpanCounts {
                    true_positives: 1,
                    false_positives: 1,
                    false_negatives: 1
                },
            ]
        );
        assert!((s.span_f1_on(&[0, 1]) - s.span_f1).abs() < 1e-12);
        // The second sentence twice: tp 2, fp 2, fn 2 → 0.5.
        assert_eq!(s.span_f1_on(&[1, 1]), 0.5);
    }

    #[test]
    fn tagging_scores_by_type() {
        let gold = vec![vec!["B-PER", "I-PER", "O", "B-LOC"]];
        let pred = vec![vec!["B-PER", "I-PER", "O", "O"]];
        let s = TaggingScores::compute(&gold, &pred, &gold, 0);
        assert_eq!(s.span_precision, 1.0);
        assert_eq!(s.span_recall, 0.5);
        assert_eq!(s.span_f1_argmax, 1.0);
        assert_eq!(s.f1_of("PER"), Some(1.0));
        assert_eq!(s.f1_of("LOC"), Some(0.0));
        assert_eq!(s.f1_of("ORG"), None);
    }
}
