//! A small seeded synthetic task whose deciding tokens are known: the models must learn it, and
//! their largest token contributions must point at those tokens. Also: save → load gives the same
//! predictions, and a run interrupted and resumed ends exactly like an uninterrupted one.

mod common;

use burn::prelude::*;
use common::Jitter;
use sinr_models::TrainConfig;
use sinr_models::data::{Example, TaskKind, make_batch};
use sinr_models::models::{
    AttentionClassifier, Classifier, CnnBaseline, CnnConfig, DenseBaseline, Model, SinrTransformer,
};
use sinr_models::train::{FitContext, evaluate, fit, load_module, save_module};
use sinr_nn::{PaddedRows, to_vec};
use sinr_util::{NoProgress, SplitMix64};

const VOCAB: usize = 40;
const DIMS: usize = 8;

/// Words 1–5 say "positive" (dimension 0), 6–10 "negative" (dimension 1); 11–39 are noise
/// spread over dimensions 2–7.
fn rows() -> PaddedRows {
    let mut rng = SplitMix64::new(7);
    let mut r = vec![Vec::new()];
    for w in 1..VOCAB {
        let row = match w {
            1..=5 => vec![(0, 0.8), (2 + rng.below(6) as u32, 0.2)],
            6..=10 => vec![(1, 0.8), (2 + rng.below(6) as u32, 0.2)],
            _ => {
                let a = 2 + rng.below(3) as u32;
                vec![(a, 0.5), (a + 3, 0.5)]
            }
        };
        let mut row: Vec<(u32, f32)> = row;
        row.sort_by_key(|e| e.0);
        r.push(row);
    }
    PaddedRows::from_rows(&r, DIMS)
}

/// Texts of 6–12 noise words with one cue word; the label is the cue's polarity. Returns the
/// examples and the position of the cue in each.
fn data(n: usize, seed: u64, token_task: bool) -> (Vec<Example>, Vec<usize>) {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::new();
    let mut cues = Vec::new();
    for _ in 0..n {
        let len = 6 + rng.below(7);
        let mut toks: Vec<u32> = (0..len)
            .map(|_| 11 + rng.below(VOCAB - 11) as u32)
            .collect();
        let label = rng.below(2);
        let cue = if label == 1 {
            1 + rng.below(5)
        } else {
            6 + rng.below(5)
        } as u32;
        let at = rng.below(len);
        toks[at] = cue;
        cues.push(at);
        let labels = if token_task {
            toks.iter()
                .map(|&t| {
                    if t <= 5 {
                        1
                    } else if t <= 10 {
                        2
                    } else {
                        0
                    }
                })
                .collect()
        } else {
            vec![label]
        };
        out.push(Example {
            surface: toks.iter().map(|t| format!("w{t}")).collect(),
            features: if token_task {
                vec![[0.0; 4]; len]
            } else {
                Vec::new()
            },
            labels,
            rows: toks,
            lexical: Vec::new(),
        });
    }
    (out, cues)
}

fn cfg(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 16,
        learning_rate: 0.05,
        patience: 100,
        seed: 3,
        ..TrainConfig::default()
    }
}

/// In how many examples the attention classifier's largest token contribution is the cue.
fn attention_cue_hits(
    m: &AttentionClassifier,
    dev: &[Example],
    cues: &[usize],
    d: &Device,
) -> usize {
    dev.iter()
        .zip(cues)
        .filter(|(ex, cue)| {
            let (o, _) = m.explain(&make_batch(&[ex], TaskKind::Classify, d));
            top_token(&o) == **cue
        })
        .count()
}

/// A training context without checkpoints or progress.
fn quiet_ctx<'a>(cfg: &'a TrainConfig, kind: TaskKind, labels: &'a [String]) -> FitContext<'a> {
    FitContext {
        cfg,
        kind,
        labels,
        checkpoint_dir: None,
        resume: false,
        progress: &NoProgress,
        stop_after: None,
        score_start: false,
        second_pass: None,
    }
}

/// The token whose evidence for the predicted class is largest in absolute value: its
/// contribution to the predicted logit less its mean contribution to the others' (what moves
/// the softmax; a term every class gets alike is no evidence).
fn top_token(o: &sinr_models::OutputExplanation) -> usize {
    let evidence = |row: &[f32]| {
        let others: f32 = (0..row.len())
            .filter(|&c| c != o.predicted)
            .map(|c| row[c])
            .sum::<f32>()
            / (row.len() - 1) as f32;
        (row[o.predicted] - others).abs()
    };
    (0..o.tokens.len())
        .max_by(|&a, &b| evidence(&o.tokens[a]).total_cmp(&evidence(&o.tokens[b])))
        .unwrap()
}

fn labels(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("c{i}")).collect()
}

#[test]
fn attention_classifier_learns_and_points_at_the_cue() {
    let d = Device::flex();
    let (train, _) = data(400, 1, false);
    let (dev, cues) = data(100, 2, false);
    let ad = d.clone().autodiff();
    ad.seed(3);
    let m = AttentionClassifier::new(&rows(), 2, false, 0.0, 3, &ad);
    let labels = labels(2);
    let cfg = cfg(8);
    let ctx = quiet_ctx(&cfg, TaskKind::Classify, &labels);
    let (best, state) = fit(m, &train, &dev, &ctx, &d).unwrap();
    let (_, acc, _) = evaluate(&best, &dev, TaskKind::Classify, &labels, 64, &d);
    assert!(acc >= 0.95, "dev accuracy {acc} ({:?})", state.history);
    let hits = attention_cue_hits(&best, &dev, &cues, &d);
    assert!(
        hits >= 95,
        "the top token contribution is the cue in {hits}/100 examples"
    );
}

#[test]
fn sinr_transformer_learns_and_points_at_the_cue() {
    let d = Device::flex();
    let (train, _) = data(400, 1, false);
    let (dev, cues) = data(100, 2, false);
    let ad = d.clone().autodiff();
    ad.seed(3);
    let m = SinrTransformer::new(&rows(), 2, TaskKind::Classify, 1, 2, 8, 0.0, 3, &ad);
    let labels = labels(2);
    let cfg = cfg(10);
    let ctx = quiet_ctx(&cfg, TaskKind::Classify, &labels);
    let (best, state) = fit(m, &train, &dev, &ctx, &d).unwrap();
    let (_, acc, _) = evaluate(&best, &dev, TaskKind::Classify, &labels, 64, &d);
    assert!(acc >= 0.95, "dev accuracy {acc} ({:?})", state.history);
    let mut hits = 0;
    for (ex, &cue) in dev.iter().zip(&cues) {
        let (o, _) = best.explain(&make_batch(&[ex], TaskKind::Classify, &d), None);
        let o = &o[0];
        hits += usize::from(top_token(o) == cue);
    }
    // Heads that read a neighbour (the first two start so) bring its vector into the cue's
    // position, where it takes a share of the memories the cue triggers: 88/100 here.
    assert!(
        hits >= 85,
        "the top token contribution is the cue in {hits}/100 examples"
    );
}

/// Words 1–5 are cues ("good", dimension 0), word 6 a negator ("not", dimension 1), 7–39 noise
/// over dimensions 2–7.
fn order_rows() -> PaddedRows {
    let mut rng = SplitMix64::new(11);
    let mut r = vec![Vec::new()];
    for w in 1..VOCAB {
        let row = match w {
            1..=5 => vec![(0, 0.8), (2 + rng.below(6) as u32, 0.2)],
            6 => vec![(1, 1.0)],
            _ => {
                let a = 2 + rng.below(3) as u32;
                vec![(a, 0.5), (a + 3, 0.5)]
            }
        };
        let mut row: Vec<(u32, f32)> = row;
        row.sort_by_key(|e| e.0);
        r.push(row);
    }
    PaddedRows::from_rows(&r, DIMS)
}

/// Texts of 6–12 words with one cue and one negator among noise: label 0 when the negator
/// comes just before the cue ("not good"), 1 when it comes just after ("good not"). Both
/// labels have the same words, so only their order decides.
fn order_data(n: usize, seed: u64) -> Vec<Example> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|_| {
            let len = 6 + rng.below(7);
            let mut toks: Vec<u32> = (0..len).map(|_| 7 + rng.below(VOCAB - 7) as u32).collect();
            let label = rng.below(2);
            let at = rng.below(len - 1);
            let cue = 1 + rng.below(5) as u32;
            let (a, b) = if label == 0 { (6, cue) } else { (cue, 6) };
            toks[at] = a;
            toks[at + 1] = b;
            Example {
                surface: toks.iter().map(|t| format!("w{t}")).collect(),
                features: Vec::new(),
                labels: vec![label],
                rows: toks,
                lexical: Vec::new(),
            }
        })
        .collect()
}

/// Word order: the transformer's position biases let it learn a task that only order decides;
/// the bag-of-vectors attention classifier, and the transformer without position biases, cannot.
#[test]
fn only_the_positional_transformer_learns_word_order() {
    let d = Device::flex();
    let train = order_data(600, 1);
    let dev = order_data(200, 2);
    let ad = d.clone().autodiff();
    ad.seed(3);
    let labels = labels(2);
    let cfg = cfg(12);
    let ctx = quiet_ctx(&cfg, TaskKind::Classify, &labels);
    let accuracy = |distance: usize| {
        let heads = sinr_nn::SinrAttentionConfig::new(0, 2).with_max_distance(distance);
        let m = SinrTransformer::with_heads(
            &order_rows(),
            2,
            TaskKind::Classify,
            1,
            &heads,
            16,
            0.0,
            3,
            &ad,
        );
        let (best, _) = fit(m, &train, &dev, &ctx, &d).unwrap();
        evaluate(&best, &dev, TaskKind::Classify, &labels, 64, &d).1
    };
    let positional = accuracy(8);
    assert!(
        positional >= 0.95,
        "positional transformer: dev accuracy {positional}"
    );
    let blind = accuracy(0);
    assert!(
        blind <= 0.7,
        "transformer without positions: dev accuracy {blind}"
    );
    let m = AttentionClassifier::new(&order_rows(), 2, false, 0.0, 3, &ad).with_mean_pooling();
    let (best, _) = fit(m, &train, &dev, &ctx, &d).unwrap();
    let (_, bag, _) = evaluate(&best, &dev, TaskKind::Classify, &labels, 64, &d);
    assert!(bag <= 0.7, "attention classifier: dev accuracy {bag}");
}

#[test]
fn token_transformer_tags_the_cues() {
    let d = Device::flex();
    let (train, _) = data(300, 1, true);
    let (dev, _) = data(60, 2, true);
    let ad = d.clone().autodiff();
    ad.seed(3);
    let m = SinrTransformer::new(&rows(), 3, TaskKind::Tag, 1, 2, 8, 0.0, 3, &ad);
    let labels = vec!["O".to_owned(), "B-POS".to_owned(), "B-NEG".to_owned()];
    let cfg = cfg(10);
    let ctx = quiet_ctx(&cfg, TaskKind::Tag, &labels);
    let (best, state) = fit(m, &train, &dev, &ctx, &d).unwrap();
    let (_, acc, f1) = evaluate(&best, &dev, TaskKind::Tag, &labels, 64, &d);
    assert!(
        acc >= 0.98 && f1 >= 0.9,
        "token accuracy {acc}, span F1 {f1} ({:?})",
        state.history
    );
}

/// A tagger that reads a prediction history is chosen by its second pass: `fit` hands the
/// first pass's tags of dev to `second_pass` after every epoch and scores what it returns.
#[test]
fn a_second_pass_chooses_the_epochs() {
    let d = Device::flex();
    let (train, _) = data(300, 1, true);
    let (dev, _) = data(60, 2, true);
    // What the second pass returns here: dev with B-POS and B-NEG swapped, a score unlike the
    // first pass's.
    let swapped: Vec<Example> = dev
        .iter()
        .map(|e| Example {
            labels: e.labels.iter().map(|&l| [0, 2, 1][l]).collect(),
            ..e.clone()
        })
        .collect();
    let calls = std::cell::Cell::new(0);
    let again = |first: &[Vec<usize>]| {
        calls.set(calls.get() + 1);
        assert_eq!(first.len(), dev.len());
        for (tags, e) in first.iter().zip(&dev) {
            assert_eq!(tags.len(), e.labels.len());
        }
        swapped.clone()
    };
    let ad = d.clone().autodiff();
    ad.seed(3);
    let m = SinrTransformer::new(&rows(), 3, TaskKind::Tag, 1, 2, 8, 0.0, 3, &ad);
    let labels = vec!["O".to_owned(), "B-POS".to_owned(), "B-NEG".to_owned()];
    let cfg = cfg(3);
    let ctx = FitContext {
        second_pass: Some(&again),
        ..quiet_ctx(&cfg, TaskKind::Tag, &labels)
    };
    let (best, state) = fit(m, &train, &dev, &ctx, &d).unwrap();
    assert_eq!(calls.get(), state.epochs_done);
    let (.., second) = evaluate(&best, &swapped, TaskKind::Tag, &labels, 64, &d);
    let (.., first) = evaluate(&best, &dev, TaskKind::Tag, &labels, 64, &d);
    assert!((state.best_score - second).abs() < 1e-9, "{state:?}");
    assert!((second - first).abs() > 0.1, "{first} and {second}");
}

#[test]
fn cnn_baseline_learns_classifies_tags_and_its_gradients_find_the_cue() {
    let d = Device::flex();
    let ad = d.clone().autodiff();
    let c = CnnConfig {
        dim: 16,
        widths: vec![2, 3],
        filters: 16,
        ..CnnConfig::default()
    };
    // Texts: the cue decides the class; gradient × input (the post-hoc method the baselines
    // get) should rank the cue first in most texts.
    let (train, _) = data(400, 1, false);
    let (dev, cues) = data(100, 2, false);
    ad.seed(3);
    let m = CnnBaseline::new(VOCAB, 2, TaskKind::Classify, &c, &ad);
    let labels = labels(2);
    let cfg = TrainConfig {
        learning_rate: 0.01,
        ..cfg(10)
    };
    let ctx = quiet_ctx(&cfg, TaskKind::Classify, &labels);
    let (best, state) = fit(m, &train, &dev, &ctx, &d).unwrap();
    let (_, acc, _) = evaluate(&best, &dev, TaskKind::Classify, &labels, 64, &d);
    assert!(acc >= 0.95, "dev accuracy {acc} ({:?})", state.history);
    let on_ad = best.clone().valid().fork(&ad);
    let mut hits = 0;
    for (ex, &cue) in dev.iter().zip(&cues) {
        let logits = to_vec(best.logits(&make_batch(&[ex], TaskKind::Classify, &d)));
        // The log-odds of the predicted class: +1 on it, −1 on the other.
        let w = if logits[1] > logits[0] {
            [-1.0f32, 1.0]
        } else {
            [1.0, -1.0]
        };
        let batch = make_batch(&[ex], TaskKind::Classify, &ad);
        let target = Tensor::<2>::from_data(TensorData::new(w.to_vec(), [2, 1]), &ad);
        let g = on_ad.gradient_times_input(&batch, target);
        let top = (0..g.len()).max_by(|&a, &b| g[a].total_cmp(&g[b])).unwrap();
        hits += usize::from(top == cue);
    }
    assert!(
        hits >= 80,
        "gradient × input ranks the cue first in {hits}/100"
    );

    // Tags: the same convolutions read per position.
    let (train, _) = data(300, 1, true);
    let (dev, _) = data(60, 2, true);
    ad.seed(3);
    let m = CnnBaseline::new(VOCAB, 3, TaskKind::Tag, &c, &ad);
    let labels = vec!["O".to_owned(), "B-POS".to_owned(), "B-NEG".to_owned()];
    let ctx = quiet_ctx(&cfg, TaskKind::Tag, &labels);
    let (best, state) = fit(m, &train, &dev, &ctx, &d).unwrap();
    let (_, acc, f1) = evaluate(&best, &dev, TaskKind::Tag, &labels, 64, &d);
    assert!(
        acc >= 0.98 && f1 >= 0.9,
        "token accuracy {acc}, span F1 {f1} ({:?})",
        state.history
    );
}

#[test]
fn free_embeddings_start_from_pretrained_vectors() {
    let d = Device::flex();
    let vectors = sinr_embed::DenseVectors {
        words: vec!["good".into(), "bad".into(), "film".into()],
        dim: 2,
        values: vec![3.0, 0.0, 0.0, -3.0, 3.0, 3.0],
        singular_values: Vec::new(),
    };
    // Root-mean-square entry 2.449…: the vectors are divided by it.
    let rms = 6.0f64.sqrt();
    let close = |a: &[f32], b: [f64; 2]| {
        a.iter()
            .zip(b)
            .all(|(x, y)| (f64::from(*x) - y).abs() < 1e-6)
    };
    let words: Vec<String> = ["film", "plot", "good"].map(String::from).to_vec();
    let c = CnnConfig {
        dim: 2,
        ..CnnConfig::default()
    };
    let mut m = CnnBaseline::new(2 + words.len(), 2, TaskKind::Classify, &c, &d);
    let before = to_vec(m.embedding.weight.val());
    assert_eq!(m.init_word_vectors(&vectors, &words).unwrap(), 2);
    let after = to_vec(m.embedding.weight.val());
    // Rows 0 (padding), 1 (unknown) and 3 ("plot", not in the vectors) keep their values.
    assert_eq!(after[..4], before[..4]);
    assert_eq!(after[6..8], before[6..8]);
    assert!(close(&after[4..6], [3.0 / rms, 3.0 / rms]), "{after:?}");
    assert!(close(&after[8..10], [3.0 / rms, 0.0]), "{after:?}");
    // Vectors of another width are refused, naming the field.
    let mut wide = CnnBaseline::new(5, 2, TaskKind::Classify, &CnnConfig::default(), &d);
    let e = wide
        .init_word_vectors(&vectors, &words)
        .unwrap_err()
        .to_string();
    assert!(e.contains("vectors") && e.contains("128"), "{e}");
}

#[test]
fn save_load_and_resume_are_exact() {
    let d = Device::flex();
    let (train, _) = data(200, 1, false);
    let (dev, _) = data(50, 2, false);
    let labels = labels(2);
    let build = || {
        let ad = d.clone().autodiff();
        ad.seed(3);
        SinrTransformer::new(&rows(), 2, TaskKind::Classify, 1, 2, 8, 0.0, 3, &ad)
    };
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    let part = dir.path().join("part");
    let c = cfg(4);
    fn ctx<'a>(
        c: &'a TrainConfig,
        labels: &'a [String],
        p: &'a std::path::Path,
        resume: bool,
        stop: Option<usize>,
    ) -> FitContext<'a> {
        FitContext {
            cfg: c,
            kind: TaskKind::Classify,
            labels,
            checkpoint_dir: Some(p),
            resume,
            progress: &NoProgress,
            stop_after: stop,
            score_start: false,
            second_pass: None,
        }
    }
    let (m_full, s_full) = fit(
        build(),
        &train,
        &dev,
        &ctx(&c, &labels, &full, false, None),
        &d,
    )
    .unwrap();
    // Interrupted after two epochs, then resumed from the checkpoint.
    let (_, s_half) = fit(
        build(),
        &train,
        &dev,
        &ctx(&c, &labels, &part, false, Some(2)),
        &d,
    )
    .unwrap();
    assert_eq!(s_half.epochs_done, 2);
    let (m_resumed, s_resumed) = fit(
        build(),
        &train,
        &dev,
        &ctx(&c, &labels, &part, true, None),
        &d,
    )
    .unwrap();
    assert_eq!(s_full.history.len(), s_resumed.history.len());
    for (a, b) in s_full.history.iter().zip(&s_resumed.history) {
        assert_eq!(
            (a.train_loss, a.dev_loss, a.dev_score),
            (b.train_loss, b.dev_loss, b.dev_score),
            "epoch {}",
            a.epoch
        );
    }
    let batch = make_batch(&dev.iter().collect::<Vec<_>>(), TaskKind::Classify, &d);
    assert_eq!(
        to_vec(m_full.logits(&batch)),
        to_vec(m_resumed.logits(&batch))
    );

    // Save → load gives identical predictions.
    let file = dir.path().join("m.bpk");
    m_full.clone().save_file(&file).unwrap();
    let fresh = build().valid();
    let loaded = fresh.load_file(&file);
    assert_eq!(to_vec(m_full.logits(&batch)), to_vec(loaded.logits(&batch)));
}

/// Checkpoints leave the frozen SINr vectors out (they are rebuilt from the embeddings) and load
/// back exactly; files that hold them (written before) still load; a file saved from another
/// configuration is refused with the path named.
#[test]
fn checkpoints_leave_frozen_vectors_out_and_load_exactly() {
    let d = Device::flex();
    let (dev, _) = data(40, 2, true);
    let build = |layers: usize| {
        let ad = d.clone().autodiff();
        ad.seed(5);
        SinrTransformer::new(&rows(), 3, TaskKind::Tag, layers, 2, 8, 0.0, 3, &ad)
            .with_window(1)
            .with_fine(&rows())
    };
    // Non-zero read-outs everywhere, so that a load that skipped one would show.
    let m = burn::module::Module::map(build(1), &mut Jitter(0.1)).valid();
    let batch = make_batch(&dev.iter().collect::<Vec<_>>(), TaskKind::Tag, &d);
    let dir = tempfile::tempdir().unwrap();
    let lean = dir.path().join("lean.bpk");
    let full = dir.path().join("full.bpk");
    save_module(m.clone(), &lean).unwrap();
    m.clone().save_file(&full).unwrap();
    let tensors = |p: &std::path::Path| burn::store::ModuleRecord::load(p).unwrap().len();
    // Two frozen embeddings (stream and fine), two tensors each.
    assert_eq!(tensors(&lean) + 4, tensors(&full));
    assert!(std::fs::metadata(&lean).unwrap().len() < std::fs::metadata(&full).unwrap().len());
    assert_ne!(
        to_vec(m.logits(&batch)),
        to_vec(build(1).valid().logits(&batch))
    );
    for file in [&lean, &full] {
        let loaded = load_module(build(1).valid(), file).unwrap();
        assert_eq!(to_vec(m.logits(&batch)), to_vec(loaded.logits(&batch)));
    }
    let err = load_module(build(2).valid(), &lean)
        .unwrap_err()
        .to_string();
    assert!(err.contains("lean.bpk"), "{err}");
    assert!(load_module(build(1).valid(), &dir.path().join("none.bpk")).is_err());
}

/// Texts of noise words whose class only a lexical feature tells (bucket 1 at one position for
/// class 1, bucket 2 for class 0; every token also carries noise buckets 8–63): the
/// communities cannot learn it, the n-gram weights (TF-IDF) must, and point at that token.
fn lexical_data(n: usize, seed: u64) -> (Vec<Example>, Vec<usize>) {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::new();
    let mut cues = Vec::new();
    for _ in 0..n {
        let len = 4 + rng.below(8);
        let label = rng.below(2);
        let cue = rng.below(len);
        let rows: Vec<u32> = (0..len).map(|_| 11 + rng.below(29) as u32).collect();
        let mut lexical = Vec::new();
        for p in 0..len {
            if p == cue {
                lexical.push((p as u32, if label == 1 { 1 } else { 2 }));
            }
            lexical.push((p as u32, 8 + rng.below(56) as u32));
        }
        out.push(Example {
            surface: rows.iter().map(|t| format!("w{t}")).collect(),
            features: Vec::new(),
            labels: vec![label],
            rows,
            lexical,
        });
        cues.push(cue);
    }
    (out, cues)
}

#[test]
fn ngram_weights_learn_what_communities_cannot_and_save_exactly() {
    let d = Device::flex();
    let (train, _) = lexical_data(400, 11);
    let (dev, cues) = lexical_data(100, 12);
    let labels = labels(2);
    let cfg = cfg(8);
    let ctx = quiet_ctx(&cfg, TaskKind::Classify, &labels);
    let build = |ngrams: bool| {
        let ad = d.clone().autodiff();
        ad.seed(3);
        let m = AttentionClassifier::new(&rows(), 2, false, 0.0, 3, &ad).with_mean_pooling();
        if ngrams {
            let mut m = m.with_ngram_weights(64, 1.0, true);
            m.fit_idf(&train);
            m
        } else {
            m
        }
    };
    let (without, _) = fit(build(false), &train, &dev, &ctx, &d).unwrap();
    let (_, acc_without, _) = evaluate(&without, &dev, TaskKind::Classify, &labels, 64, &d);
    assert!(acc_without < 0.75, "communities alone: {acc_without}");
    let (best, state) = fit(build(true), &train, &dev, &ctx, &d).unwrap();
    let (_, acc, _) = evaluate(&best, &dev, TaskKind::Classify, &labels, 64, &d);
    assert!(acc >= 0.95, "dev accuracy {acc} ({:?})", state.history);
    let hits = attention_cue_hits(&best, &dev, &cues, &d);
    assert!(hits >= 95, "the cue tops the tokens in {hits}/100 examples");
    // The fitted IDF is saved with the model: a fresh build (IDF all ones) loads it back.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.bpk");
    save_module(best.clone(), &file).unwrap();
    let fresh = {
        let m = AttentionClassifier::new(&rows(), 2, false, 0.0, 3, &d).with_mean_pooling();
        m.with_ngram_weights(64, 1.0, true)
    };
    let batch = make_batch(&dev.iter().collect::<Vec<_>>(), TaskKind::Classify, &d);
    assert_ne!(to_vec(fresh.logits(&batch)), to_vec(best.logits(&batch)));
    let loaded = load_module(fresh, &file).unwrap();
    assert_eq!(to_vec(loaded.logits(&batch)), to_vec(best.logits(&batch)));
    assert_eq!(
        to_vec(loaded.ngram_idf.as_ref().unwrap().val()),
        to_vec(best.ngram_idf.as_ref().unwrap().val())
    );
}

/// Sentences of noise words whose tags only a lexical feature tells (bucket 1 on a `B-POS`
/// token, bucket 2 on a `B-NEG` token, a noise bucket 8–63 on every other): the words say
/// nothing, so a tagger must read the feature table.
fn lexical_tag_data(n: usize, seed: u64) -> Vec<Example> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|_| {
            let len = 4 + rng.below(8);
            let rows: Vec<u32> = (0..len).map(|_| 11 + rng.below(29) as u32).collect();
            let labels: Vec<usize> = (0..len)
                .map(|_| match rng.below(6) {
                    0 => 1,
                    1 => 2,
                    _ => 0,
                })
                .collect();
            let lexical = labels
                .iter()
                .enumerate()
                .map(|(p, &l)| {
                    (
                        p as u32,
                        if l == 0 {
                            8 + rng.below(56) as u32
                        } else {
                            l as u32
                        },
                    )
                })
                .collect();
            Example {
                surface: rows.iter().map(|t| format!("w{t}")).collect(),
                features: vec![[0.0; 4]; len],
                labels,
                rows,
                lexical,
            }
        })
        .collect()
}

#[test]
fn dense_taggers_read_the_lexical_features_the_sinr_tagger_reads() {
    let d = Device::flex();
    let (train, dev) = (lexical_tag_data(300, 21), lexical_tag_data(60, 22));
    let labels = vec!["O".to_owned(), "B-POS".to_owned(), "B-NEG".to_owned()];
    let cfg = TrainConfig {
        learning_rate: 0.01,
        ..cfg(8)
    };
    let ctx = quiet_ctx(&cfg, TaskKind::Tag, &labels);
    // The feature table of the SINr tagger, read at the token itself only (window 0: offset 0
    // keeps a bucket as it is).
    let f = sinr_models::TagFeatures {
        window: 0,
        buckets: 64,
        classes: false,
        ..sinr_models::TagFeatures::default()
    };
    let span_f1 = |m: AnyTagger| -> f64 {
        match m {
            AnyTagger::Dense(m) => {
                let (best, _) = fit(m, &train, &dev, &ctx, &d).unwrap();
                evaluate(&best, &dev, TaskKind::Tag, &labels, 64, &d).2
            }
            AnyTagger::Cnn(m) => {
                let (best, _) = fit(m, &train, &dev, &ctx, &d).unwrap();
                evaluate(&best, &dev, TaskKind::Tag, &labels, 64, &d).2
            }
        }
    };
    let cnn = CnnConfig {
        dim: 16,
        widths: vec![1, 3],
        filters: 16,
        ..CnnConfig::default()
    };
    for features in [false, true] {
        let ad = d.clone().autodiff();
        ad.seed(3);
        let dense = DenseBaseline::new(VOCAB, 16, 3, TaskKind::Tag, 16, 1, 2, 32, 0.0, true, &ad);
        ad.seed(3);
        let cnn = CnnBaseline::new(VOCAB, 3, TaskKind::Tag, &cnn, &ad);
        let (dense, cnn) = if features {
            (dense.with_features(&f), cnn.with_features(&f))
        } else {
            (dense, cnn)
        };
        for (name, m) in [
            ("dense", AnyTagger::Dense(dense)),
            ("cnn", AnyTagger::Cnn(cnn)),
        ] {
            let f1 = span_f1(m);
            if features {
                assert!(f1 >= 0.95, "{name} with features: span F1 {f1}");
            } else {
                assert!(f1 < 0.5, "{name} without features: span F1 {f1}");
            }
        }
    }
}

/// The two dense taggers, to train them in one loop.
enum AnyTagger {
    Dense(DenseBaseline),
    Cnn(CnnBaseline),
}
