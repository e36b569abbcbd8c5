//! The map and reduce steps are the same computation as counting in one process: the counts
//! reduced by DataFusion from 1, 2 and 8 shards (and under a memory limit that makes it spill)
//! equal the in-process counts, and the model trained from them is the in-process model; shards
//! that do not fit together are refused with an error naming the file.

use std::path::{Path, PathBuf};

use sinr_embed::{
    CooccurrenceConfig, Corpus, InvalidUtf8, SinrConfig, TokenizerConfig, count_cooccurrences,
    count_words, train, train_from_corpus_counts,
};
use sinr_scale::{
    CountSettings, Engine, count_locally, load_counts, map_pairs, map_words, reduce_pairs,
    reduce_words,
};
use sinr_util::NoProgress;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sinr-cli/tests/fixtures")
        .join(name)
}

/// Two real texts: Washington's addresses and State of the Union paragraphs (a CSV file read
/// as text).
fn corpus() -> Corpus {
    Corpus::new([
        fixture("washington-1790-1796.txt"),
        fixture("sotu-party-train.csv"),
    ])
}

fn config() -> SinrConfig {
    let mut cfg = SinrConfig::default();
    cfg.tokenizer.min_freq = 3;
    cfg.tokenizer.min_token_len = 2;
    cfg
}

fn settings(cfg: &SinrConfig) -> CountSettings {
    CountSettings::new(&cfg.tokenizer, &cfg.cooccurrence)
}

/// A model's file (which does not keep the stage times, the only part that differs between two
/// runs).
fn model_bytes(m: sinr_embed::SinrModel, dir: &Path, name: &str) -> Vec<u8> {
    let p = dir.join(name);
    m.save(&p).unwrap();
    std::fs::read(p).unwrap()
}

#[test]
fn reduced_shards_are_the_in_process_counts_and_model() {
    let cfg = config();
    let corpus = corpus();
    let (vocab, stats) = count_words(&corpus, &cfg.tokenizer, &NoProgress).unwrap();
    let (cooc, _) = count_cooccurrences(
        &corpus,
        &cfg.tokenizer,
        &vocab,
        &cfg.cooccurrence,
        &NoProgress,
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let whole = model_bytes(
        train(&corpus, &cfg, &NoProgress).unwrap(),
        tmp.path(),
        "whole.sinr",
    );
    let engines = [
        (1, Engine::default()),
        (2, Engine::default()),
        (8, Engine::default()),
        // A memory limit far under what the pairs take in a hash table: the aggregation spills.
        (
            8,
            Engine::DataFusion {
                memory_limit: Some(1 << 20),
                spill_dir: Some(tmp.path().join("spill")),
                partitions: Some(2),
            },
        ),
    ];
    for (k, (shards, engine)) in engines.iter().enumerate() {
        let dir = tmp.path().join(format!("counts-{k}"));
        let (got, _) = count_locally(&corpus, &settings(&cfg), *shards, &dir, engine, &NoProgress)
            .unwrap_or_else(|e| panic!("{shards} shards, {engine:?}: {e}"));
        if let Engine::DataFusion {
            memory_limit: Some(_),
            ..
        } = engine
        {
            // The limit binds: the reduce spilled to stay under it.
            let r = reduce_pairs(&dir, engine, &NoProgress).unwrap();
            assert!(r.spilled.files > 0 && r.spilled.bytes > 0, "{r:?}");
            assert_eq!(load_counts(&dir).unwrap().counts, cooc);
        }
        assert_eq!(got.vocab, vocab, "{shards} shards: vocabulary");
        assert_eq!(got.counts, cooc, "{shards} shards: co-occurrence counts");
        assert_eq!(
            (got.stats.lines, got.stats.tokens, got.stats.units),
            (stats.lines, stats.tokens, stats.units),
            "{shards} shards: text statistics"
        );
        assert_eq!(got.stats.bytes, stats.bytes);
        let cfg2 = SinrConfig {
            tokenizer: got.settings.tokenizer.clone(),
            cooccurrence: got.settings.cooccurrence.clone(),
            ..cfg.clone()
        };
        let m = train_from_corpus_counts(got.vocab, got.counts, &got.stats, &cfg2, &NoProgress)
            .unwrap();
        assert!(
            model_bytes(m, tmp.path(), "sharded.sinr") == whole,
            "{shards} shards: the model file differs from the in-process one"
        );
    }
}

fn err_of<T: std::fmt::Debug>(r: sinr_scale::Result<T>) -> String {
    r.expect_err("must fail").to_string()
}

#[test]
fn shards_that_do_not_fit_together_are_refused() {
    let cfg = config();
    let corpus = corpus();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let s = |i, n| sinr_embed::Shard::new(i, n).unwrap();
    let e = Engine::default();

    // No shard yet.
    assert!(err_of(reduce_words(dir, &e, &NoProgress)).contains("no words shards"));
    map_words(&corpus, s(0, 3), &settings(&cfg), dir, &NoProgress).unwrap();
    map_words(&corpus, s(2, 3), &settings(&cfg), dir, &NoProgress).unwrap();
    // A missing shard is named.
    let m = err_of(reduce_words(dir, &e, &NoProgress));
    assert!(m.contains("1 of 3 words shards missing (1/3)"), "{m}");
    // A shard made with other settings is named, with the setting.
    let mut other = cfg.clone();
    other.tokenizer.min_token_len = 4;
    map_words(&corpus, s(1, 3), &settings(&other), dir, &NoProgress).unwrap();
    let m = err_of(reduce_words(dir, &e, &NoProgress));
    assert!(
        m.contains("shard-00001-of-00003.parquet") && m.contains("min_token_len: 2 ≠ 4"),
        "{m}"
    );
    // Shards of another cut.
    map_words(&corpus, s(1, 3), &settings(&cfg), dir, &NoProgress).unwrap();
    map_words(&corpus, s(0, 2), &settings(&cfg), dir, &NoProgress).unwrap();
    let m = err_of(reduce_words(dir, &e, &NoProgress));
    assert!(
        m.contains("shards of different cuts cannot be mixed"),
        "{m}"
    );
    std::fs::remove_file(dir.join("words/shard-00000-of-00002.parquet")).unwrap();
    // A corrupt shard (cut short, as by a machine that died while copying it) is named.
    let victim = dir.join("words/shard-00001-of-00003.parquet");
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() / 2]).unwrap();
    let m = err_of(reduce_words(dir, &e, &NoProgress));
    assert!(
        m.contains("shard-00001-of-00003.parquet") && m.contains("not a readable Parquet file"),
        "{m}"
    );
    std::fs::write(&victim, &bytes).unwrap();

    // Pairs need the vocabulary; then a pairs shard over another vocabulary is refused.
    assert!(
        err_of(map_pairs(&corpus, s(0, 2), dir, &NoProgress)).contains("no vocabulary.parquet")
    );
    reduce_words(dir, &e, &NoProgress).unwrap();
    for i in 0..2 {
        map_pairs(&corpus, s(i, 2), dir, &NoProgress).unwrap();
    }
    let stale = std::fs::read(dir.join("pairs/shard-00001-of-00002.parquet")).unwrap();
    let mut fewer = cfg.clone();
    fewer.tokenizer.min_freq = 10;
    for i in 0..3 {
        map_words(&corpus, s(i, 3), &settings(&fewer), dir, &NoProgress).unwrap();
    }
    reduce_words(dir, &e, &NoProgress).unwrap();
    map_pairs(&corpus, s(0, 2), dir, &NoProgress).unwrap();
    std::fs::write(dir.join("pairs/shard-00001-of-00002.parquet"), stale).unwrap();
    let m = err_of(reduce_pairs(dir, &e, &NoProgress));
    assert!(m.contains("shard-00001-of-00002.parquet"), "{m}");
    map_pairs(&corpus, s(1, 2), dir, &NoProgress).unwrap();
    reduce_pairs(dir, &e, &NoProgress).unwrap();
    load_counts(dir).unwrap();

    // The pairs of another corpus.
    let one = Corpus::new([fixture("washington-1790-1796.txt")]);
    let m = err_of(map_pairs(&one, s(0, 2), dir, &NoProgress));
    assert!(m.contains("another corpus"), "{m}");
}

#[test]
fn a_map_step_that_fails_leaves_no_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let text = tmp.path().join("bad.txt");
    let mut bytes = b"good words here and there\n".repeat(50);
    bytes.extend_from_slice(b"a line that is not \xff UTF-8\n");
    std::fs::write(&text, bytes).unwrap();
    let tok = TokenizerConfig {
        invalid_utf8: InvalidUtf8::Fail,
        min_freq: 1,
        ..TokenizerConfig::default()
    };
    let dir = tmp.path().join("counts");
    let m = err_of(map_words(
        &Corpus::new([&text]),
        sinr_embed::Shard::new(0, 1).unwrap(),
        &CountSettings::new(&tok, &CooccurrenceConfig::default()),
        &dir,
        &NoProgress,
    ));
    assert!(m.contains("bad.txt:51"), "{m}");
    let left: Vec<_> = std::fs::read_dir(dir.join("words"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
}
