//! Training steps and explanations of the classifiers at realistic sizes: batch 32, 128 tokens,
//! a 20,000-word vocabulary with 20 non-zeros per word, the fine level (K = 2,000 and 4,000) for
//! the attention classifier and a coarse level (K = 300) for the SINr transformer, and the dense
//! baseline of the same width beside them. The configurations `cargo xtask reproduce` uses are
//! timed too: the attention classifier with its mean-pooled read-out, the hierarchical model
//! reading every Louvain level (4,000 → 300 → 40 units), and the tagging transformer with a
//! window of two positions over the stream and over the fine level (CoNLL-2003's). And long texts:
//! the SINr transformer with its fine path against the dense transformer of the same depth,
//! heads and width, at 256 and 512 tokens (`train-step/long-*`).
//! flex always; ndarray with `--features ndarray`.
//!
//! Run with `cargo bench -p sinr-benches --bench models`; CI only compiles it.

use burn::grad_clipping::GradientClippingConfig;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sinr_models::data::{Example, TaskKind, make_batch};
use sinr_models::models::{
    AttentionClassifier, Classifier, DenseBaseline, HierarchicalClassifier, SinrTransformer,
};
use sinr_nn::PaddedRows;
use sinr_util::SplitMix64;

const VOCAB: usize = 20_000;
const BATCH: usize = 32;
const LEN: usize = 128;
const NNZ: usize = 20;

fn rows(dims: usize) -> PaddedRows {
    sinr_benches::synthetic_rows(VOCAB, dims, NNZ)
}

/// `n` examples of `LEN` tokens: one label each for sequence tasks, one per token (of 9 tags,
/// as CoNLL-2003's) and random surface features for token tasks.
fn examples(n: usize, kind: TaskKind) -> Vec<Example> {
    examples_of(n, kind, LEN)
}

/// `n` examples of `len` tokens (see [`examples`]).
fn examples_of(n: usize, kind: TaskKind, len: usize) -> Vec<Example> {
    if kind == TaskKind::Classify {
        return sinr_benches::synthetic_texts(n, VOCAB, len);
    }
    let mut rng = SplitMix64::new(2);
    (0..n)
        .map(|_| {
            let rows: Vec<u32> = (0..len).map(|_| 1 + rng.below(VOCAB - 1) as u32).collect();
            let labels = (0..len).map(|_| rng.below(9)).collect();
            let features = (0..len)
                .map(|_| [0; 4].map(|_: u8| rng.below(2) as f32))
                .collect();
            Example {
                surface: vec![String::new(); len],
                features,
                labels,
                rows,
                lexical: Vec::new(),
            }
        })
        .collect()
}

/// A parent map of `fine` units onto `coarse` ones (every coarse unit has children).
fn parents(fine: usize, coarse: usize) -> (Vec<u32>, usize) {
    ((0..fine).map(|i| (i % coarse) as u32).collect(), coarse)
}

fn devices() -> Vec<(&'static str, Device)> {
    #[allow(unused_mut)]
    let mut v = vec![("flex", Device::flex())];
    #[cfg(feature = "ndarray")]
    #[allow(deprecated)]
    v.push(("ndarray", Device::ndarray()));
    #[cfg(feature = "wgpu")]
    v.push((
        "wgpu",
        Device::wgpu(burn::prelude::DeviceKind::DefaultDevice),
    ));
    v
}

/// `examples(n, Sequence)` with `per_token` hashed lexical features on every token (random
/// buckets of 2^20): 2 for words and bigrams, about 17 with character 3- to 5-grams too.
fn lexical_examples(n: usize, per_token: usize) -> Vec<Example> {
    let mut rng = SplitMix64::new(3);
    let mut ex = examples(n, TaskKind::Classify);
    for e in &mut ex {
        e.lexical = (0..LEN as u32)
            .flat_map(|p| (0..per_token).map(move |_| p))
            .map(|p| (p, rng.below(1 << 20) as u32))
            .collect();
    }
    ex
}

/// Times one Adam step (forward, loss, backward, update) of `model`.
fn train_step<M: Module + Classifier + Clone>(
    c: &mut Criterion,
    id: &str,
    kind: TaskKind,
    model: M,
    device: &Device,
) {
    train_step_on(c, id, kind, model, device, &examples(BATCH, kind));
}

/// Times one Adam step of `model` on a batch of `ex`, with its penalty (as training adds it, over
/// 1,000 training texts).
fn train_step_on<M: Module + Classifier + Clone>(
    c: &mut Criterion,
    id: &str,
    kind: TaskKind,
    model: M,
    device: &Device,
    ex: &[Example],
) {
    let ad = device.clone().autodiff();
    let refs: Vec<&Example> = ex.iter().collect();
    let batch = make_batch(&refs, kind, &ad);
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let mut optim = AdamConfig::new()
        .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)))
        .init();
    let mut model = Some(model);
    let mut g = c.benchmark_group("train-step");
    g.sample_size(10);
    g.bench_function(BenchmarkId::from_parameter(id), |b| {
        b.iter(|| {
            let m = model.take().expect("model");
            let mut loss = loss_fn.forward(m.logits(&batch), batch.targets.clone());
            if let Some(p) = m.penalty() {
                loss = loss + p / 1000.0;
            }
            let _ = loss.clone().into_scalar::<f32>();
            let grads = GradientsParams::from_grads(loss.backward(), &m);
            model = Some(optim.step(1e-3, m, grads));
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    // Large freed blocks stay in the heap (`sinr_util::reuse_large_blocks`) for every bench of
    // this process, the attention classifier's included, which `sinr train` leaves out: the
    // setting holds for the whole process, and the benches compare the transformers.
    sinr_util::reuse_large_blocks();
    let fine2k = rows(2_000);
    let fine4k = rows(4_000);
    let coarse = rows(300);
    for (name, d) in devices() {
        let ad = d.clone().autodiff();
        train_step(
            c,
            &format!("attention-K2000-{name}"),
            TaskKind::Classify,
            AttentionClassifier::new(&fine2k, 2, false, 0.0, 1, &ad),
            &d,
        );
        train_step(
            c,
            &format!("attention-K4000-{name}"),
            TaskKind::Classify,
            AttentionClassifier::new(&fine4k, 2, false, 0.0, 1, &ad),
            &d,
        );
        train_step(
            c,
            &format!("attention-mean-K4000-{name}"),
            TaskKind::Classify,
            AttentionClassifier::new(&fine4k, 2, false, 0.0, 1, &ad).with_mean_pooling(),
            &d,
        );
        // The n-gram weights over 2^20 buckets with TF-IDF, as on RT and IMDB (a word and a
        // bigram per token) and as on insults (with characters 3 to 5, and the L2 penalty).
        for (id, per_token, l2) in [("ngrams", 2, 0.0), ("ngrams-chars-l2", 17, 0.25)] {
            let ex = lexical_examples(BATCH, per_token);
            let mut m = AttentionClassifier::new(&fine4k, 2, false, 0.0, 1, &ad)
                .with_mean_pooling()
                .with_ngram_weights(1 << 20, 1.0, true);
            m.ngram_l2 = l2;
            m.fit_idf(&ex);
            train_step_on(
                c,
                &format!("attention-mean-{id}-K4000-{name}"),
                TaskKind::Classify,
                m,
                &d,
                &ex,
            );
        }
        train_step(
            c,
            &format!("hierarchical-every-level-K4000-{name}"),
            TaskKind::Classify,
            HierarchicalClassifier::new(
                &fine4k,
                &[parents(4_000, 300), parents(300, 40)],
                2,
                0.0,
                1,
                &ad,
            )
            .with_every_level(),
            &d,
        );
        train_step(
            c,
            &format!("transformer-K300-2x4-{name}"),
            TaskKind::Classify,
            SinrTransformer::new(&coarse, 2, TaskKind::Classify, 2, 4, 64, 0.0, 1, &ad),
            &d,
        );
        train_step(
            c,
            &format!("tagger-K300-2x4-window2-fineK4000-{name}"),
            TaskKind::Tag,
            SinrTransformer::new(&coarse, 9, TaskKind::Tag, 2, 4, 64, 0.0, 1, &ad)
                .with_window(2)
                .with_fine(&fine4k),
            &d,
        );
        ad.seed(1);
        train_step(
            c,
            &format!("dense-d300-2x4-{name}"),
            TaskKind::Classify,
            DenseBaseline::new(
                VOCAB,
                LEN,
                2,
                TaskKind::Classify,
                300,
                2,
                4,
                64,
                0.0,
                true,
                &ad,
            ),
            &d,
        );

        // Long texts: the SINr transformer as the experiments use it (a stream of K = 300 and
        // the fine path over K = 4,000 beside it) against the dense transformer of the same
        // depth, heads and width, at 256 and 512 tokens, in one run.
        for len in [256, 512] {
            let ex = examples_of(BATCH, TaskKind::Classify, len);
            let path = AttentionClassifier::new(&fine4k, 2, false, 0.0, 2, &ad).with_mean_pooling();
            train_step_on(
                c,
                &format!("long-transformer-K300-2x4-fine-path-T{len}-{name}"),
                TaskKind::Classify,
                SinrTransformer::new(&coarse, 2, TaskKind::Classify, 2, 4, 64, 0.0, 1, &ad)
                    .with_fine_path(path),
                &d,
                &ex,
            );
            ad.seed(1);
            train_step_on(
                c,
                &format!("long-dense-d300-2x4-T{len}-{name}"),
                TaskKind::Classify,
                DenseBaseline::new(
                    VOCAB,
                    len,
                    2,
                    TaskKind::Classify,
                    300,
                    2,
                    4,
                    64,
                    0.0,
                    true,
                    &ad,
                ),
                &d,
                &ex,
            );
        }

        let ex = examples(1, TaskKind::Classify);
        let one = make_batch(&[&ex[0]], TaskKind::Classify, &d);
        let att = AttentionClassifier::new(&fine4k, 2, false, 0.0, 1, &d);
        let tr = SinrTransformer::new(&coarse, 2, TaskKind::Classify, 2, 4, 64, 0.0, 1, &d);
        let mut g = c.benchmark_group("explain");
        g.sample_size(10);
        g.bench_function(
            BenchmarkId::from_parameter(format!("attention-K4000-{name}")),
            |b| b.iter(|| att.explain(&one)),
        );
        // With the mean and the n-gram weights over 2^20 buckets (TF-IDF, a word and a bigram
        // per token), as on RT and IMDB.
        let lex = lexical_examples(1, 2);
        let one_lex = make_batch(&[&lex[0]], TaskKind::Classify, &d);
        let mut att_lex = AttentionClassifier::new(&fine4k, 2, false, 0.0, 1, &d)
            .with_mean_pooling()
            .with_ngram_weights(1 << 20, 1.0, true);
        att_lex.fit_idf(&lex);
        g.bench_function(
            BenchmarkId::from_parameter(format!("attention-mean-ngrams-K4000-{name}")),
            |b| b.iter(|| att_lex.explain(&one_lex)),
        );
        g.bench_function(
            BenchmarkId::from_parameter(format!("transformer-K300-2x4-{name}")),
            |b| b.iter(|| tr.explain(&one, None)),
        );
        g.finish();
    }
}

criterion_group!(models, benches);
criterion_main!(models);
