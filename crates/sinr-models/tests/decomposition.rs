//! The promise of the design, as properties over random small models and inputs: every split
//! of an explanation (by token, by community, by component) sums to the logit within 1e-4
//! (relative), and every vector the design says is non-negative has no negative mass.

use burn::prelude::*;
use proptest::prelude::*;
use sinr_models::data::{Example, TaskKind, make_batch};
use sinr_models::models::{AttentionClassifier, HierarchicalClassifier, SinrTransformer};
use sinr_nn::{PaddedRows, to_vec};
use sinr_schema::ComponentKind;

fn device() -> Device {
    Device::flex()
}

/// Random non-negative sparse rows (row 0 is padding) over `dims` columns.
fn rows(vocab: usize, dims: usize, seed: u64) -> PaddedRows {
    let mut rng = sinr_util::SplitMix64::new(seed);
    let mut r = vec![Vec::new()];
    for _ in 1..vocab {
        let nnz = 1 + rng.below(4.min(dims));
        let mut cols: Vec<u32> = (0..dims as u32).collect();
        rng.shuffle(&mut cols);
        let mut row: Vec<(u32, f32)> = cols[..nnz]
            .iter()
            .map(|&c| (c, 0.05 + (rng.below(1000) as f32) / 1000.0))
            .collect();
        let s: f32 = row.iter().map(|e| e.1).sum();
        for e in &mut row {
            e.1 /= s;
        }
        row.sort_by_key(|e| e.0);
        r.push(row);
    }
    PaddedRows::from_rows(&r, dims)
}

fn example(len: usize, vocab: usize, seed: u64, token_task: bool) -> Example {
    let mut rng = sinr_util::SplitMix64::new(seed ^ 0xabc);
    let rows: Vec<u32> = (0..len).map(|_| 1 + rng.below(vocab - 1) as u32).collect();
    Example {
        surface: rows.iter().map(|r| format!("w{r}")).collect(),
        features: if token_task {
            (0..len)
                .map(|i| {
                    [
                        f32::from(u8::from(i % 2 == 0)),
                        0.0,
                        f32::from(u8::from(i % 3 == 0)),
                        f32::from(u8::from(i == 0)),
                    ]
                })
                .collect()
        } else {
            Vec::new()
        },
        labels: if token_task { vec![0; len] } else { vec![0] },
        rows,
        lexical: Vec::new(),
    }
}

fn assert_complete(o: &sinr_models::OutputExplanation) {
    let e = o.relative_completeness_error();
    assert!(e < 1e-4, "completeness error {e} (logits {:?})", o.logits);
    // The community split (with the fine-level window's communities, if any) sums to the
    // logit too.
    let scale = o.logits.iter().fold(1f32, |m, l| m.max(l.abs()));
    for (c, &l) in o.logits.iter().enumerate() {
        let comm: f32 = o.communities.iter().map(|r| r[c]).sum::<f32>()
            + o.fine_communities.iter().map(|r| r.1[c]).sum::<f32>();
        let comp_bias = o.components.last().expect("read-out bias").values[c];
        assert!(
            ((l - comm - comp_bias) / scale).abs() < 1e-4,
            "community split: {l} vs {}",
            comm + comp_bias
        );
    }
}

/// How many of the output's components are of each kind, in `ComponentKind::ALL`'s order.
fn kinds(o: &sinr_models::OutputExplanation) -> [usize; 5] {
    let mut n = [0; 5];
    for x in &o.components {
        n[ComponentKind::ALL
            .iter()
            .position(|&k| k == x.kind)
            .unwrap()] += 1;
    }
    n
}

/// Components of the attention classifier's explanation (attention, mean and word weights if
/// any, bias).
fn o_components(m: &AttentionClassifier, batch: &sinr_models::Batch) -> usize {
    m.explain(batch).0.components.len()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn attention_classifier_is_exactly_decomposed(seed in 0u64..1000, len in 1usize..12, classes in 2usize..4, mean in any::<bool>(), words in any::<bool>(), ngrams in any::<bool>(), vectors in any::<bool>()) {
        let d = device();
        d.seed(seed);
        let r = rows(30, 12, seed);
        let mut m = AttentionClassifier::new(&r, classes, seed % 2 == 0, 0.0, seed, &d);
        if mean {
            // The mean path starts at zero: give it random signed weights.
            m = m.with_mean_pooling();
            m.mean_readout = Some(burn::module::Param::from_tensor(Tensor::random([12, classes], burn::tensor::Distribution::Normal(0.0, 1.0), &d)));
        }
        if words {
            // So do the word weights (30 rows: the vocabulary, padding included).
            m = m.with_word_weights();
            m.word_readout = Some(burn::module::Param::from_tensor(Tensor::random([30, classes], burn::tensor::Distribution::Normal(0.0, 1.0), &d)));
        }
        use sinr_models::models::Classifier;
        let mut ex = example(len, 30, seed, false);
        let mut longer = example(len + 3, 30, seed + 1, false);
        if ngrams {
            // Random n-gram weights over 16 buckets, and unknown words (row 0) among the tokens:
            // they carry no vector but their features and word weight count.
            // Weighed by the mean (1/T) or by TF-IDF (its IDF fitted on the two texts below).
            m = m.with_ngram_weights(16, 0.5, seed % 3 != 0);
            m.ngram_readout = Some(burn::module::Param::from_tensor(Tensor::random([16, classes], burn::tensor::Distribution::Normal(0.0, 1.0), &d)));
            for (e, s) in [(&mut ex, seed), (&mut longer, seed + 7)] {
                let mut rng = sinr_util::SplitMix64::new(s);
                for p in 0..e.rows.len() {
                    if rng.below(4) == 0 {
                        e.rows[p] = 0;
                    }
                    for _ in 0..rng.below(4) {
                        e.lexical.push((p as u32, rng.below(16) as u32));
                    }
                }
            }
        }
        // Scaled by naive-Bayes ratios too, one seed in two (the two texts of different classes).
        if ngrams && seed % 2 == 1 {
            m = m.with_naive_bayes();
        }
        ex.labels = vec![0];
        longer.labels = vec![1];
        m.fit_idf(&[ex.clone(), longer.clone()]);
        m.fit_naive_bayes(&[ex.clone(), longer.clone()]);
        // The ablation without the SINr vectors (when something else is left to read).
        m.communities = vectors || !(words || ngrams);
        let batch = make_batch(&[&ex], TaskKind::Classify, &d);
        // Without the vectors, the mean of them is not a path.
        let mean = mean && m.communities;
        prop_assert_eq!(o_components(&m, &batch), 2 + usize::from(mean) + usize::from(words) + usize::from(ngrams));
        // Weighed by the mean, the n-gram part is `scale/T Σ_f r_f N[b_f]` (`r_f` the
        // naive-Bayes size, else 1), worked out on the host.
        if ngrams && m.ngram_idf.is_none() && !ex.lexical.is_empty() {
            let n = to_vec(m.ngram_readout.as_ref().unwrap().val());
            let r = m.ngram_nb.as_ref().map(|p| to_vec(p.val()));
            let got = to_vec(m.ngram_logits(&batch).unwrap());
            for (c, g) in got.iter().enumerate() {
                let want: f32 = ex.lexical.iter().map(|f| n[f.1 as usize * classes + c] * r.as_ref().map_or(1.0, |r| r[f.1 as usize])).sum::<f32>() * 0.5 / ex.rows.len() as f32;
                prop_assert!((g - want).abs() < 1e-5 * want.abs().max(1.0), "n-gram logit {} vs {}", g, want);
            }
        }
        // Alone or padded beside a longer text: the same logits (the mean counts real tokens).
        let alone = to_vec(m.logits(&batch));
        let both = make_batch(&[&ex, &longer], TaskKind::Classify, &d);
        let padded = to_vec(m.logits(&both));
        for (a, b) in alone.iter().zip(&padded) {
            prop_assert!((a - b).abs() < 1e-5 * a.abs().max(1.0), "{} vs {}", a, b);
        }
        let (o, alpha) = m.explain(&batch);
        assert_complete(&o);
        prop_assert_eq!(o.tokens.len(), len);
        // By kind: the attention (and the mean), the word and n-gram weights, the bias.
        prop_assert_eq!(kinds(&o), [1 + usize::from(mean), usize::from(words) + usize::from(ngrams), 0, 0, 1]);
        // The n-gram weights by feature: every feature of the example, by its index, largest
        // first; their terms sum to the n-gram weights' component.
        prop_assert!(o.lexical.iter().all(|f| (f.0 as usize) < ex.lexical.len()));
        prop_assert!(o.lexical.windows(2).all(|w| w[0].1[o.predicted].abs() >= w[1].1[o.predicted].abs()));
        if ngrams {
            prop_assert_eq!(o.lexical.len(), ex.lexical.len());
            let comp = &o.components.iter().find(|c| c.name.starts_with("n-gram")).unwrap().values;
            for (c, total) in comp.iter().enumerate() {
                let sum: f32 = o.lexical.iter().map(|f| f.1[c]).sum();
                prop_assert!((sum - total).abs() < 1e-4 * total.abs().max(1.0), "n-gram features: {} vs {}", sum, total);
            }
        }
        // The word and n-gram weights are one named dimension each after the 12 communities.
        prop_assert_eq!(o.communities.len(), 12 + usize::from(words) + usize::from(ngrams));
        // Without the vectors, no community carries anything.
        if !m.communities {
            prop_assert!(o.communities[..12].iter().flatten().all(|v| *v == 0.0));
        }
        // The components add up to the logits too.
        for (c, l) in o.logits.iter().enumerate() {
            let sum: f32 = o.components.iter().map(|x| x.values[c]).sum();
            prop_assert!((l - sum).abs() < 1e-4 * l.abs().max(1.0), "components: {} vs {}", l, sum);
        }
        prop_assert!((alpha.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        // The logits are the model's own.
        let (_, _, dvec) = m.forward(batch.tokens.clone(), batch.mask.clone());
        let logits = to_vec(m.logits(&batch));
        for (a, b) in logits.iter().zip(&o.logits) {
            prop_assert!((a - b).abs() < 1e-5);
        }
        prop_assert!(to_vec(dvec).iter().all(|v| *v >= 0.0), "the document vector is a mixture of SINr vectors");
    }

    #[test]
    fn sinr_transformer_is_exactly_decomposed(seed in 0u64..1000, len in 1usize..10, token_task in any::<bool>(), layers in 1usize..3, window in 0usize..3, fine in any::<bool>(), distance in 0usize..4, path in any::<bool>(), dropout in any::<bool>(), input_norm in any::<bool>()) {
        let d = device();
        d.seed(seed);
        let r = rows(25, 10, seed);
        let kind = if token_task { TaskKind::Tag } else { TaskKind::Classify };
        let heads = sinr_nn::SinrAttentionConfig::new(0, 2).with_rank(3).with_max_distance(distance);
        // The input vectors as they are, or scaled to unit RMS: a constant of each token.
        let mut m = SinrTransformer::with_heads(&r, 3, kind, layers, &heads, 8, 0.0, seed, &d).with_window(window).with_input_norm(input_norm);
        if dropout {
            // Dropout acts while training only: explanations and logits read every write whole.
            m = m.with_dropout(0.5);
        }
        if fine {
            // A finer level of 16 dimensions over the same vocabulary.
            m = m.with_fine(&rows(25, 16, seed ^ 0x5eed));
        }
        if path {
            // Sequence tasks: the attention classifier over the finer level beside the stream.
            m = m.with_fine_path(AttentionClassifier::new(&rows(25, 16, seed ^ 0x5eed), 3, false, 0.0, seed, &d).with_mean_pooling());
        }
        let random = |dims: [usize; 2]| burn::module::Param::from_tensor(Tensor::random(dims, burn::tensor::Distribution::Normal(0.0, 1.0), &d));
        // The window's matrices, the heads' and memories' values and the fine path's mean
        // read-out start at zero: give them random signed weights, and the memories biases
        // of both signs.
        for c in m.context.iter_mut().chain(m.fine_readout.iter_mut()) {
            *c = random(c.dims());
        }
        for l in &mut m.layers {
            l.attention.value = random(l.attention.value.dims());
            l.memory.values = random(l.memory.values.dims());
            l.memory.bias = burn::module::Param::from_tensor(Tensor::random([8], burn::tensor::Distribution::Normal(0.0, 1.0), &d));
        }
        if let Some(f) = &mut m.fine_path {
            f.mean_readout = Some(random([16, 3]));
        }
        let path = path && !token_task;
        let ex = example(len, 25, seed, token_task);
        let batch = make_batch(&[&ex], kind, &d);
        let (outputs, attention) = m.explain(&batch, None);
        prop_assert_eq!(outputs.len(), if token_task { len } else { 1 });
        for o in &outputs {
            assert_complete(o);
            // By kind: the embedding (and a tagger's fine window), each head, the memories that fired,
            // the read-out bias.
            // (and the fine path's, through its attention and its mean), each head, the
            // memories that fired, the read-out biases (one component).
            let [emb, lex, heads, mems, biases] = kinds(o);
            prop_assert_eq!((emb, lex, heads, biases), (1 + usize::from(fine && token_task) + 2 * usize::from(path), 0, layers * 2, 1));
            prop_assert!(mems <= layers * 8);
            // The part of the stream's community terms that the words' own vectors carry sums,
            // over the stream's dimensions (a tagger's surface features included; the fine
            // path here has no named dimension), to the embedding's component: the rest of a
            // community's term is what the layers wrote into it.
            prop_assert_eq!(o.community_own.len(), o.communities.len());
            let embedding = &o.components.iter().find(|x| x.name == "embedding").expect("the embedding's component").values;
            for (cc, e) in embedding.iter().enumerate() {
                let own: f32 = o.community_own.iter().map(|r| r[cc]).sum();
                prop_assert!((own - e).abs() < 1e-4 * e.abs().max(1.0), "own {} vs embedding {}", own, e);
            }
            if path {
                prop_assert!(!o.fine_communities.is_empty(), "the fine path's communities are named");
            }
        }
        prop_assert_eq!(attention.len(), layers * 2 + usize::from(!token_task) + usize::from(path));
        // The input stream is the non-negative SINr vectors; the layers write signed amounts.
        let st = m.stream(&batch);
        prop_assert!(to_vec(st.input).iter().all(|v| *v >= 0.0));
        for tr in &st.layers {
            prop_assert!(to_vec(tr.activations.clone()).iter().all(|v| *v >= 0.0));
        }
        // The explained logits are the model's logits.
        use sinr_models::models::Classifier;
        let logits = to_vec(m.logits(&batch));
        let explained: Vec<f32> = outputs.iter().flat_map(|o| o.logits.clone()).collect();
        for (a, b) in logits.iter().zip(&explained) {
            prop_assert!((a - b).abs() < 1e-4 * a.abs().max(1.0), "{} vs {}", a, b);
        }
        // Token tasks: explaining decided tags (any tags) changes which logit each output
        // explains, not the split; a position says its own argmax where they differ.
        if token_task {
            let tags: Vec<usize> = (0..len).map(|i| (i + seed as usize) % 3).collect();
            let (decided, _) = m.explain(&batch, Some(&tags));
            for ((o, free), &tag) in decided.iter().zip(&outputs).zip(&tags) {
                assert_complete(o);
                prop_assert_eq!(o.predicted, tag);
                prop_assert_eq!(o.argmax, (free.predicted != tag).then_some(free.predicted));
                prop_assert_eq!(&o.tokens, &free.tokens);
            }
        }
    }

    #[test]
    fn a_crf_taggers_path_score_is_the_sum_of_its_named_terms(seed in 0u64..1000, len in 1usize..10, window in 0usize..3, features in any::<bool>()) {
        let d = device();
        d.seed(seed);
        let labels: Vec<String> = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"].iter().map(|s| (*s).to_owned()).collect();
        let heads = sinr_nn::SinrAttentionConfig::new(0, 2).with_rank(3).with_max_distance(2);
        let mut m = SinrTransformer::with_heads(&rows(25, 10, seed), 5, TaskKind::Tag, 1, &heads, 8, 0.0, seed, &d)
            .with_window(window)
            .with_crf(&labels);
        let random = |dims: [usize; 2]| burn::module::Param::from_tensor(Tensor::random(dims, burn::tensor::Distribution::Normal(0.0, 1.0), &d));
        for c in m.context.iter_mut() {
            *c = random(c.dims());
        }
        for l in &mut m.layers {
            l.attention.value = random(l.attention.value.dims());
            l.memory.values = random(l.memory.values.dims());
        }
        let crf = m.crf.as_mut().expect("a tagger's CRF");
        crf.transitions = random([5, 5]);
        crf.start = burn::module::Param::from_tensor(Tensor::random([5], burn::tensor::Distribution::Normal(0.0, 1.0), &d));
        crf.end = burn::module::Param::from_tensor(Tensor::random([5], burn::tensor::Distribution::Normal(0.0, 1.0), &d));
        let scores = crf.scores();
        let mut ex = example(len, 25, seed, true);
        if features {
            // Lexical features: three buckets of 64 per token, read over a window of one; with
            // feature dropout, which training alone applies (the split must stay exact).
            let f = sinr_models::TagFeatures { buckets: 64, window: 1, dropout: 0.5, ..Default::default() };
            m = m.with_features(&f);
            m.feature_weights = Some(random([64, 5]));
            let mut rng = sinr_util::SplitMix64::new(seed ^ 0xfea7);
            ex.lexical = (0..len as u32).flat_map(|q| (0..3).map(move |_| q)).map(|q| (q, rng.below(64) as u32)).collect();
        }
        let batch = make_batch(&[&ex], TaskKind::Tag, &d);
        use sinr_models::models::Classifier;
        let logits = to_vec(m.logits(&batch));
        let path = sinr_models::decode_tags(&logits, &labels, Some(&scores));
        prop_assert!(scores.allows(&path), "the decided path breaks BIO: {:?}", path);
        let tags: Vec<&str> = path.iter().map(|&t| labels[t].as_str()).collect();
        prop_assert!(sinr_metrics::task::bio_valid(&tags).is_ok());
        // The path's score: each position's explained logit for its tag (itself split exactly
        // by token, community and component) plus the named transition terms.
        let (outputs, _) = m.explain(&batch, Some(&path));
        let terms = scores.path_terms(&path);
        prop_assert_eq!(terms.len(), len + 1);
        let mut named = 0f64;
        for (o, &t) in outputs.iter().zip(&path) {
            // By token (the features are terms of their own tokens), and by community with
            // the lexical features' component.
            prop_assert!(o.relative_completeness_error() < 1e-4);
            let lex: Vec<f32> = (0..5).map(|c| o.components.iter().filter(|x| x.kind == ComponentKind::Lexical).map(|x| x.values[c]).sum()).collect();
            prop_assert_eq!(lex.iter().any(|v| *v != 0.0), features);
            for (c, &l) in o.logits.iter().enumerate() {
                let comm: f32 = o.communities.iter().map(|r| r[c]).sum::<f32>() + lex[c] + o.components.last().unwrap().values[c];
                prop_assert!((l - comm).abs() < 1e-4 * l.abs().max(1.0), "community split {} vs {}", l, comm);
                // The named features add up to their component (at most 30 named, 9 here).
                let by_feature: f32 = o.lexical.iter().map(|f| f.1[c]).sum();
                prop_assert!((by_feature - lex[c]).abs() < 1e-4 * lex[c].abs().max(1.0));
            }
            prop_assert!(o.lexical.iter().all(|f| (f.0 as usize) < ex.lexical.len()));
            named += f64::from(o.logits[t]);
        }
        named += terms.iter().map(|t| f64::from(t.score)).sum::<f64>();
        let score = scores.path_score(&logits, &path);
        prop_assert!((named - score).abs() < 1e-4 * score.abs().max(1.0), "{} vs {}", named, score);
    }

    #[test]
    fn token_window_does_not_read_padding(seed in 0u64..1000, short in 1usize..6, extra in 1usize..5, window in 1usize..3) {
        // A sentence's logits are the same alone and padded in a batch beside a longer one.
        let d = device();
        d.seed(seed);
        let r = rows(25, 10, seed);
        let mut m = SinrTransformer::new(&r, 3, TaskKind::Tag, 1, 2, 8, 0.0, seed, &d)
            .with_window(window)
            .with_fine(&rows(25, 16, seed ^ 0x5eed));
        for c in m.context.iter_mut().chain(m.fine_readout.iter_mut()) {
            *c = burn::module::Param::from_tensor(Tensor::random(c.dims(), burn::tensor::Distribution::Normal(0.0, 1.0), &d));
        }
        use sinr_models::models::Classifier;
        let a = example(short, 25, seed, true);
        let b = example(short + extra, 25, seed + 1, true);
        let alone = to_vec(m.logits(&make_batch(&[&a], TaskKind::Tag, &d)));
        let both = to_vec(m.logits(&make_batch(&[&a, &b], TaskKind::Tag, &d)));
        prop_assert_eq!(alone.len(), short * 3);
        for (x, y) in alone.iter().zip(&both) {
            prop_assert!((x - y).abs() < 1e-4 * x.abs().max(1.0), "{} vs {}", x, y);
        }
    }

    #[test]
    fn hierarchical_model_is_exactly_decomposed(seed in 0u64..1000, len in 1usize..10, every_level in any::<bool>()) {
        let d = device();
        d.seed(seed);
        let r = rows(25, 12, seed);
        // 12 → 4 → 2 units.
        let p1: Vec<u32> = (0..12).map(|i| i / 3).collect();
        let p2: Vec<u32> = vec![0, 0, 1, 1];
        let mut m = HierarchicalClassifier::new(&r, &[(p1, 4), (p2, 2)], 2, 0.0, seed, &d);
        // Random signed level weights and biases, so some units are gated off.
        for (i, l) in m.levels.iter_mut().enumerate() {
            let n = l.weight.dims()[0];
            l.weight = burn::module::Param::from_tensor(Tensor::random([n], burn::tensor::Distribution::Normal(0.5, 1.0), &d));
            l.bias = burn::module::Param::from_tensor(Tensor::random([l.coarse], burn::tensor::Distribution::Normal(0.0, 0.3 + i as f64), &d));
        }
        if every_level {
            // Read-outs of the fine vector and of level 1 (12 and 4 units), random signed.
            m = m.with_every_level();
            for r in m.level_readouts.iter_mut() {
                *r = burn::module::Param::from_tensor(Tensor::random(r.dims(), burn::tensor::Distribution::Normal(0.0, 1.0), &d));
            }
            prop_assert_eq!(m.level_readouts.len(), 2);
        }
        let ex = example(len, 25, seed, false);
        let batch = make_batch(&[&ex], TaskKind::Classify, &d);
        let (o, _) = m.explain(&batch);
        assert_complete(&o);
        // By kind: the embedding through the hierarchy; each level's biases and the read-out's.
        prop_assert_eq!(kinds(&o), [1, 0, 0, 0, 2 + 1]);
        // The split by level: one entry per level read, then the read-out bias, summing to the
        // logits (checked by the completeness error above); none without level read-outs.
        prop_assert_eq!(o.levels.len(), if every_level { 4 } else { 0 });
        let (logits, _, hs, _) = m.trace(batch.tokens.clone(), batch.mask.clone());
        for (a, b) in to_vec(logits).iter().zip(&o.logits) {
            prop_assert!((a - b).abs() < 1e-5);
        }
        // The same decision by fine community of the input (what compactness counts), then the
        // levels' biases: with the read-out bias, the logits again.
        let (o2, _, fine) = m.explain_with_fine_terms(&batch);
        prop_assert_eq!(&o2, &o);
        prop_assert!(fine.len() <= 12 + 2);
        let readout_bias = &o.components.last().expect("read-out bias").values;
        for (c, l) in o.logits.iter().enumerate() {
            let sum: f32 = fine.iter().map(|r| r[c]).sum::<f32>() + readout_bias[c];
            prop_assert!((l - sum).abs() < 1e-4 * l.abs().max(1.0), "fine terms: {} vs {}", l, sum);
        }
        for h in hs {
            prop_assert!(to_vec(h).iter().all(|v| *v >= 0.0), "every hidden unit is a non-negative community activation");
        }
    }
}

/// The parameter count reported for a run counts what training changes, not the frozen SINr
/// vectors (of the stream's level or of the fine window).
#[test]
fn parameter_count_leaves_out_frozen_vectors() {
    let d = device();
    let (layers, heads, memories, window, classes) = (1, 2, 8, 2, 3);
    let m = SinrTransformer::new(
        &rows(25, 10, 1),
        classes,
        TaskKind::Tag,
        layers,
        heads,
        memories,
        0.0,
        1,
        &d,
    )
    .with_window(window)
    .with_fine(&rows(25, 16, 2));
    let width = 10 + sinr_models::data::SURFACE_FEATURES.len();
    let trainable: usize = m.layers.iter().map(burn::module::Module::num_params).sum::<usize>()
        + burn::module::Module::num_params(&m.pool)
        + burn::module::Module::num_params(&m.readout)
        + 2 * window * width * classes // the stream's window
        + (2 * window + 1) * 16 * classes; // the fine window
    assert_eq!(
        sinr_models::AnyModel::Transformer(m).num_params(),
        trainable
    );
}

/// The attention classifier's count leaves out the frozen vectors and the n-grams' IDF and
/// naive-Bayes sizes (fitted on the training texts, not trained), and counts the n-gram weights.
#[test]
fn parameter_count_leaves_out_the_idf() {
    let d = device();
    let (k, classes, buckets) = (10, 3, 64);
    let plain = AttentionClassifier::new(&rows(25, k, 1), classes, false, 0.0, 1, &d);
    // The task vector, the read-out and its bias.
    let base = k + k * classes + classes;
    assert_eq!(
        sinr_models::AnyModel::Attention(plain.clone()).num_params(),
        base
    );
    for (tfidf, nb) in [(false, false), (true, false), (false, true), (true, true)] {
        let mut m = plain.clone().with_ngram_weights(buckets, 1.0, tfidf);
        if nb {
            m = m.with_naive_bayes();
        }
        assert_eq!(m.ngram_idf.is_some(), tfidf);
        assert_eq!(m.ngram_nb.is_some(), nb);
        assert_eq!(
            sinr_models::AnyModel::Attention(m).num_params(),
            base + buckets * classes
        );
    }
}

/// The n-gram features' weights are scikit-learn's `TfidfVectorizer(sublinear_tf=True)` (smooth
/// IDF, unit L2 norm per text), each occurrence a share of its feature's; or the mean's `1/T`.
/// Worked by hand and checked with scikit-learn 1.x on the texts `x x y` and `y z`: the first
/// text's vector is x 0.92190697, y 0.38741133, the IDF 1.40546511 (x, z) and 1 (y).
#[test]
fn ngram_feature_weights_are_tfidf_as_scikit_learn() {
    let d = device();
    // Buckets: x = 1, y = 2, z = 3 (bucket 0 in no text); positions are the tokens.
    let text = |feats: &[(u32, u32)]| Example {
        rows: vec![1; feats.len()],
        surface: vec![String::new(); feats.len()],
        labels: vec![0],
        lexical: feats.to_vec(),
        ..Example::default()
    };
    let a = text(&[(0, 1), (1, 1), (2, 2)]);
    let b = text(&[(0, 2), (1, 3)]);
    let plain = AttentionClassifier::new(&rows(5, 4, 1), 2, false, 0.0, 1, &d);
    let batch = make_batch(&[&a], TaskKind::Classify, &d);
    let lex = batch.lexical.as_ref().unwrap();
    let close = |got: Vec<f32>, want: &[f32]| {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{got:?} vs {want:?}");
        }
    };
    let mut m = plain.clone().with_ngram_weights(4, 1.0, true);
    m.fit_idf(&[a.clone(), b]);
    // 1 + ln((1 + n) / (1 + df)) over n = 2 texts.
    close(
        to_vec(m.ngram_idf.as_ref().unwrap().val()),
        &[2.098_612_3, 1.405_465_1, 1.0, 1.405_465_1],
    );
    // x occurs twice: each occurrence carries half of 0.92190697.
    let w = m.ngram_feature_weights(lex, batch.mask.clone());
    close(to_vec(w), &[0.460_953_5, 0.460_953_5, 0.387_411_33]);
    // The scale multiplies them.
    m.ngram_scale = 0.5;
    close(
        to_vec(m.ngram_feature_weights(lex, batch.mask.clone())),
        &[0.230_476_74, 0.230_476_74, 0.193_705_67],
    );
    // Without TF-IDF: the mean's 1/T of each feature's token.
    let m = plain.clone().with_ngram_weights(4, 1.0, false);
    close(
        to_vec(m.ngram_feature_weights(lex, batch.mask.clone())),
        &[1.0 / 3.0; 3],
    );
    // Scaled by the naive-Bayes ratios' sizes, `a` of class 0 and `b` of class 1: per bucket
    // (0, x, y, z) p = 1 + [0, 1, 1, 0], q = 1 + [0, 0, 1, 1], both summing to 6, so
    // |ln(p / q)| = [0, ln 2, 0, ln 2]: y, in both texts, counts for nothing.
    let mut m = plain.with_ngram_weights(4, 1.0, false).with_naive_bayes();
    let mut b = text(&[(0, 2), (1, 3)]);
    b.labels = vec![1];
    m.fit_naive_bayes(&[a.clone(), b]);
    let ln2 = std::f32::consts::LN_2;
    close(
        to_vec(m.ngram_nb.as_ref().unwrap().val()),
        &[0.0, ln2, 0.0, ln2],
    );
    close(
        to_vec(m.ngram_feature_weights(lex, batch.mask.clone())),
        &[ln2 / 3.0, ln2 / 3.0, 0.0],
    );
}

/// With three classes, each bucket's size is the largest over the one-against-the-rest ratios.
#[test]
fn naive_bayes_sizes_take_the_largest_class() {
    // Two buckets; bucket 0 seen in 3 texts of class 0, bucket 1 in one text of each class.
    let counts = vec![vec![3, 1], vec![0, 1], vec![0, 1]];
    let got = sinr_models::models::attention::naive_bayes_sizes(&counts);
    // Class 0: p = [4, 2] (sum 6), q = [1, 3] (sum 4): |ln((4/6)/(1/4))| = ln(8/3),
    // |ln((2/6)/(3/4))| = ln(9/4). Classes 1 and 2: p = [1, 2] (3), q = [4, 3] (7): ln(12/7)
    // and ln(14/9), both smaller.
    let want = [(8.0f32 / 3.0).ln(), (9.0f32 / 4.0).ln()];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-6, "{got:?}");
    }
}

/// Gradient × input of the attention classifier is taken through `forward_sparse`, which leaves
/// out the word and n-gram weights: they do not depend on the token vectors, so the gradient
/// with respect to the vectors is the same as through the whole model's logits.
#[test]
fn word_and_ngram_weights_leave_the_vectors_gradient_unchanged() {
    let ad = device().autodiff();
    ad.seed(4);
    let classes = 3;
    let normal = burn::tensor::Distribution::Normal(0.0, 1.0);
    let mut m = AttentionClassifier::new(&rows(30, 12, 4), classes, false, 0.0, 4, &ad)
        .with_mean_pooling()
        .with_word_weights()
        .with_ngram_weights(16, 1.0, true);
    m.mean_readout = Some(burn::module::Param::from_tensor(Tensor::random(
        [12, classes],
        normal,
        &ad,
    )));
    m.word_readout = Some(burn::module::Param::from_tensor(Tensor::random(
        [30, classes],
        normal,
        &ad,
    )));
    m.ngram_readout = Some(burn::module::Param::from_tensor(Tensor::random(
        [16, classes],
        normal,
        &ad,
    )));
    let mut ex = example(9, 30, 4, false);
    ex.rows[3] = 0; // an unknown word: features, no vector
    ex.lexical = (0..9u32)
        .flat_map(|p| [(p, p % 16), (p, (3 * p + 1) % 16)])
        .collect();
    m.fit_idf(std::slice::from_ref(&ex));
    let batch = make_batch(&[&ex], TaskKind::Classify, &ad);
    let known = AttentionClassifier::vector_mask(batch.tokens.clone(), batch.mask.clone());
    let pick = Tensor::<2>::from_floats([[1.0], [-0.5], [-0.5]], &ad);
    let grad = |whole: bool| {
        let mut x = m.embedding.forward(batch.tokens.clone());
        x.val = x.val.require_grad();
        let (mut logits, _, _) = m.forward_sparse(&x, known.clone());
        if whole {
            logits = logits
                + m.word_logits(batch.tokens.clone(), batch.mask.clone())
                    .unwrap()
                + m.ngram_logits(&batch).unwrap();
        }
        let grads = logits.matmul(pick.clone()).sum().backward();
        to_vec(x.val.grad(&grads).unwrap())
    };
    let (part, whole) = (grad(false), grad(true));
    assert!(part.iter().any(|g| *g != 0.0));
    assert_eq!(part, whole);
}

/// The transformer's `dropout` drops the layers' writes while training (on an autodiff device)
/// and nowhere else: the plain device's logits are those of the model without it.
#[test]
fn transformer_dropout_acts_while_training_only() {
    use sinr_models::models::Classifier;
    let heads = sinr_nn::SinrAttentionConfig::new(0, 2).with_rank(3);
    let ex = example(8, 25, 3, false);
    let build = |d: &Device| {
        let mut m = SinrTransformer::with_heads(
            &rows(25, 10, 3),
            2,
            TaskKind::Classify,
            1,
            &heads,
            8,
            0.0,
            3,
            d,
        );
        // Signed writes (they start at zero), so dropping them changes the stream.
        for l in &mut m.layers {
            l.attention.value = burn::module::Param::from_tensor(Tensor::random(
                l.attention.value.dims(),
                burn::tensor::Distribution::Normal(0.0, 1.0),
                d,
            ));
        }
        m
    };
    for (d, acts) in [(device(), false), (device().autodiff(), true)] {
        // One model, with and without dropout (seeding twice would race with the other
        // tests for the backend's generator).
        let without = build(&d);
        let with = without.clone().with_dropout(0.5);
        let batch = make_batch(&[&ex], TaskKind::Classify, &d);
        let (a, b) = (to_vec(with.logits(&batch)), to_vec(without.logits(&batch)));
        let same = a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-6);
        assert_eq!(same, !acts, "{a:?} vs {b:?} (autodiff: {acts})");
    }
}

/// The tag features' dropout (`TagFeatures::dropout`) changes a tagger's scores where a backward
/// pass follows (training) and nowhere else, so that what an explanation splits is the model.
#[test]
fn feature_dropout_acts_while_training_only() {
    use sinr_models::models::Classifier;
    let heads = sinr_nn::SinrAttentionConfig::new(0, 2).with_rank(3);
    let mut ex = example(8, 25, 5, true);
    let mut rng = sinr_util::SplitMix64::new(5);
    ex.lexical = (0..8u32)
        .flat_map(|q| (0..3).map(move |_| q))
        .map(|q| (q, rng.below(64) as u32))
        .collect();
    for (d, acts) in [(device(), false), (device().autodiff(), true)] {
        let f = sinr_models::TagFeatures {
            buckets: 64,
            window: 1,
            ..Default::default()
        };
        let mut without = SinrTransformer::with_heads(
            &rows(25, 10, 5),
            5,
            TaskKind::Tag,
            1,
            &heads,
            8,
            0.0,
            5,
            &d,
        )
        .with_features(&f);
        without.feature_weights = Some(burn::module::Param::from_tensor(Tensor::random(
            [64, 5],
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &d,
        )));
        let mut with = without.clone();
        with.features = Some(sinr_models::TagFeatures { dropout: 0.5, ..f });
        let batch = make_batch(&[&ex], TaskKind::Tag, &d);
        let (a, b) = (to_vec(with.logits(&batch)), to_vec(without.logits(&batch)));
        let same = a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-6);
        assert_eq!(same, !acts, "{a:?} vs {b:?} (autodiff: {acts})");
    }
}
