//! Every model kind as a run builds it (`AnyModel`), on embeddings trained from a real (small)
//! corpus: save → load through `AnyModel::save` / `AnyModel::load` is the identity, the file
//! leaves the frozen SINr vectors out, and a file of another kind is refused.

mod common;

use std::path::Path;

use burn::module::Module;
use burn::prelude::*;
use common::Jitter;
use sinr_embed::{Corpus, LouvainMode, SinrConfig, SinrModel};
use sinr_models::{AnyModel, Encoder, ModelConfig, RunSpec, TaskKind, TrainConfig};
use sinr_util::NoProgress;

/// Multilevel embeddings of Washington's addresses (the hierarchical model needs the levels).
fn embeddings() -> SinrModel {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sinr-cli/tests/fixtures/washington-1790-1796.txt");
    let mut cfg = SinrConfig::default();
    cfg.tokenizer.min_freq = 5;
    // Fine communities at γ = 5, merged at γ = 1 above (as the CLI tests train them).
    cfg.louvain.mode = LouvainMode::Multilevel;
    cfg.louvain.resolution = 5.0;
    cfg.louvain.coarse_resolution = Some(1.0);
    sinr_embed::train(&Corpus::new([corpus]), &cfg, &NoProgress).unwrap()
}

/// The model with a ripple on every trained parameter (the constructors start some read-outs
/// at zero, which a load that skipped them would not show).
fn jittered(m: AnyModel) -> AnyModel {
    let j = &mut Jitter(0.05);
    match m {
        AnyModel::Attention(m) => AnyModel::Attention(m.map(j).valid()),
        AnyModel::Transformer(m) => AnyModel::Transformer(m.map(j).valid()),
        AnyModel::Hierarchical(m) => AnyModel::Hierarchical(m.map(j).valid()),
        AnyModel::Dense(m) => AnyModel::Dense(m.map(j).valid()),
        AnyModel::Cnn(m) => AnyModel::Cnn(m.map(j).valid()),
    }
}

/// The whole module, frozen vectors included (burn's own `save_file`).
fn save_whole(m: &AnyModel, path: &Path) {
    match m.clone() {
        AnyModel::Attention(m) => m.save_file(path),
        AnyModel::Transformer(m) => m.save_file(path),
        AnyModel::Hierarchical(m) => m.save_file(path),
        AnyModel::Dense(m) => m.save_file(path),
        AnyModel::Cnn(m) => m.save_file(path),
    }
    .unwrap();
}

#[test]
fn every_model_kind_saves_and_loads_exactly() {
    let emb = embeddings();
    assert!(emb.dendrogram.levels.len() > 1, "multilevel embeddings");
    let d = Device::flex();
    let texts = [
        "The United States are not the enemies of public Government.",
        "Peace with the Indians on our frontiers, and the rights of the citizens.",
        "It is some abatement of the satisfaction with which I meet you.",
    ];
    let configs = [
        r#"{"kind": "attention", "mean_pooling": true, "word_weights": true}"#,
        r#"{"kind": "attention", "mean_pooling": true, "ngrams": {"chars": [3, 4], "buckets": 4096}}"#,
        r#"{"kind": "transformer", "level": 1, "layers": 1, "heads": 2, "memories": 8}"#,
        r#"{"kind": "hierarchical", "every_level": true}"#,
        r#"{"kind": "dense", "dim": 16, "layers": 1, "heads": 2, "ff": 32}"#,
        r#"{"kind": "cnn", "dim": 16, "widths": [2, 3], "filters": 8}"#,
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, json) in configs.iter().enumerate() {
        let model: ModelConfig =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        let train = TrainConfig {
            max_len: 32,
            seed: 3,
            ..TrainConfig::default()
        };
        let spec = RunSpec::new(
            "test",
            TaskKind::Classify,
            vec!["a".into(), "b".into()],
            model,
            train,
            Path::new("emb.sinr"),
            &emb,
        )
        .unwrap();
        let encoder = Encoder::for_model(&emb, &spec.model, spec.train.max_len);
        let examples: Vec<_> = texts.iter().map(|t| encoder.encode_text(t, 0)).collect();
        assert!(
            examples.iter().all(|e| !e.rows.is_empty()),
            "{json}: known words"
        );
        let predict = |m: &AnyModel| m.predict(&examples, TaskKind::Classify, 8, &d);

        let fresh = AnyModel::build(&spec, &emb, &d).unwrap();
        let saved = jittered(AnyModel::build(&spec, &emb, &d.clone().autodiff()).unwrap());
        assert_ne!(predict(&saved), predict(&fresh), "{json}: the ripple shows");
        let file = dir.path().join(format!("m{i}.bpk"));
        saved.save(&file).unwrap();
        // Only the model file is left: no temporary file.
        for e in dir.path().read_dir().unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            assert!(name.starts_with('m') && !name.contains("tmp"), "{name}");
        }
        let loaded = AnyModel::build(&spec, &emb, &d)
            .unwrap()
            .load(&file)
            .unwrap();
        assert_eq!(predict(&loaded), predict(&saved), "{json}: save → load");
        assert_eq!(loaded.num_params(), saved.num_params());
        // The frozen SINr vectors (an index and a value tensor per embedding) stay out: the
        // file holds fewer tensors than the whole module saved as it is.
        let full = dir.path().join(format!("full{i}.bpk"));
        save_whole(&saved, &full);
        let tensors = |p: &Path| burn::store::ModuleRecord::load(p).unwrap().len();
        // (the transformer's: its stream's and its fine path's).
        let frozen = if json.contains("dense") || json.contains("cnn") {
            0
        } else if json.contains("transformer") {
            4
        } else {
            2
        };
        assert_eq!(tensors(&file) + frozen, tensors(&full), "{json}");
        // The safetensors export names the same tensors, each once, the frozen ones on demand.
        let named = saved.named_tensors(false);
        assert_eq!(named.len(), tensors(&file), "{json}");
        assert_eq!(saved.named_tensors(true).len(), tensors(&full), "{json}");
        let mut names: Vec<&str> = named.iter().map(|t| t.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), named.len(), "{json}: unique names");
        assert!(
            names.iter().all(|n| !n.is_empty() && !n.contains("##")),
            "{names:?}"
        );
        std::fs::remove_file(&full).unwrap();
        files.push((spec, file));
    }
    // A file of another kind is refused, naming it.
    let (attention, _) = &files[0];
    let (_, dense_file) = &files[4];
    let err = AnyModel::build(attention, &emb, &d)
        .unwrap()
        .load(dense_file)
        .unwrap_err()
        .to_string();
    assert!(err.contains("m4.bpk"), "{err}");
}

/// A run warm-started from an attention-classifier run: the transformer (its stream's read-out
/// at zero) starts as that classifier exactly, the start is scored before the first epoch and
/// kept when no epoch beats it, the spec records the model it started from, and a run of
/// another configuration, task or labels is refused before any training.
#[test]
fn warm_start_starts_the_transformer_as_the_trained_attention_classifier() {
    let emb = embeddings();
    let d = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let texts = [
        (
            "The United States are not the enemies of public Government.",
            0,
        ),
        (
            "Peace with the Indians on our frontiers, and the rights of the citizens.",
            1,
        ),
        (
            "It is some abatement of the satisfaction with which I meet you.",
            0,
        ),
        (
            "The rights of the citizens of the United States and their frontiers.",
            1,
        ),
    ];
    let labels: Vec<String> = vec!["a".into(), "b".into()];
    let train = TrainConfig {
        max_len: 32,
        seed: 3,
        epochs: 40,
        patience: 40,
        learning_rate: 0.05,
        batch_size: 4,
        ..TrainConfig::default()
    };
    let fine = sinr_models::models::transformer::default_fine_path();
    let spec_of = |model: ModelConfig, train: TrainConfig, task: &str| {
        RunSpec::new(
            task,
            TaskKind::Classify,
            labels.clone(),
            model,
            train,
            Path::new("emb.sinr"),
            &emb,
        )
        .unwrap()
    };
    let attention = spec_of(ModelConfig::Attention(fine.clone()), train.clone(), "test");
    let encoder = Encoder::for_model(&emb, &attention.model, 32);
    let examples: Vec<_> = texts
        .iter()
        .map(|(t, l)| encoder.encode_text(t, *l))
        .collect();
    let att_dir = dir.path().join("attention");
    let (att, state) = sinr_models::train_run(
        &attention,
        &emb,
        &examples,
        &examples,
        &att_dir,
        false,
        None,
        &d,
        &NoProgress,
        None,
    )
    .unwrap();
    assert!(
        state.best_score >= 1.0 - 1e-9,
        "the classifier learns the four texts: {state:?}"
    );
    let predict = |m: &AnyModel| m.predict(&examples, TaskKind::Classify, 8, &d);

    let transformer_cfg: ModelConfig = serde_json::from_str(
        r#"{"kind": "transformer", "level": 1, "layers": 1, "heads": 2, "memories": 8, "zero_readout": true}"#,
    )
    .unwrap();
    let mut spec = spec_of(
        transformer_cfg.clone(),
        TrainConfig {
            epochs: 2,
            // A step this large loses what the start knew: the start must be kept.
            learning_rate: 50.0,
            grad_clip: None,
            ..train.clone()
        },
        "test",
    );
    spec.set_warm_start(&att_dir).unwrap();
    let ws = spec.warm_start.clone().unwrap();
    assert_eq!(ws.run, att_dir);
    assert_eq!(ws.model_fingerprint.len(), 16);

    // The start is the classifier: the same logits.
    let started = AnyModel::build(&spec, &emb, &d)
        .unwrap()
        .warm_start(att.clone())
        .unwrap();
    for (a, b) in predict(&started).iter().zip(predict(&att)) {
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-5, "{a:?} against {b:?}");
        }
    }
    let tr_dir = dir.path().join("transformer");
    let (best, state) = sinr_models::train_run(
        &spec,
        &emb,
        &examples,
        &examples,
        &tr_dir,
        false,
        None,
        &d,
        &NoProgress,
        None,
    )
    .unwrap();
    assert_eq!(state.best_epoch, 0, "{state:?}");
    assert_eq!(state.history.len(), 2);
    assert_eq!(predict(&best), predict(&started));
    let saved: RunSpec =
        serde_json::from_str(&std::fs::read_to_string(tr_dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(saved.warm_start, Some(ws));

    // Refused: an attention run of another configuration, a run of another task, and a model
    // that has no fine path to start.
    let mut other = spec_of(transformer_cfg.clone(), train.clone(), "test");
    let other_att = spec_of(
        ModelConfig::Attention(sinr_models::AttentionConfig {
            mean_pooling: false,
            ..fine.clone()
        }),
        TrainConfig {
            epochs: 1,
            ..train.clone()
        },
        "test",
    );
    let other_dir = dir.path().join("other");
    sinr_models::train_run(
        &other_att,
        &emb,
        &examples,
        &examples,
        &other_dir,
        false,
        None,
        &d,
        &NoProgress,
        None,
    )
    .unwrap();
    let err = other.set_warm_start(&other_dir).unwrap_err().to_string();
    assert!(
        err.contains("fine_path") && err.contains("run.json"),
        "{err}"
    );
    let mut elsewhere = spec_of(transformer_cfg, train.clone(), "another task");
    let err = elsewhere.set_warm_start(&att_dir).unwrap_err().to_string();
    assert!(err.contains("another task"), "{err}");
    let mut attention_again = spec_of(ModelConfig::Attention(fine), train, "test");
    let err = attention_again
        .set_warm_start(&att_dir)
        .unwrap_err()
        .to_string();
    assert!(err.contains("starts only the SINr transformer"), "{err}");
    assert!(other.warm_start.is_none() && elsewhere.warm_start.is_none());
    // A source model retrained since the run recorded it is refused, naming its file.
    let mut stale = spec.clone();
    stale.warm_start.as_mut().unwrap().model_fingerprint = "0000000000000000".into();
    let err = sinr_models::train_run(
        &stale,
        &emb,
        &examples,
        &examples,
        &dir.path().join("stale"),
        false,
        None,
        &d,
        &NoProgress,
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("changed since") && err.contains("best.bpk"),
        "{err}"
    );
}
