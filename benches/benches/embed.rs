//! Hot paths of `sinr-embed`: co-occurrence counting, the PMI filter, Louvain and node recall,
//! on seeded synthetic text of three sizes and on one real corpus (State of the Union
//! addresses 1790–1824, the reference fixture shipped with the tests).
//!
//! Run with `cargo bench -p sinr-benches`; CI only compiles them.

use std::io::Write;
use std::path::PathBuf;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sinr_embed::{
    CooccurrenceConfig, Corpus, CsrGraph, KEEP_IDS_BYTES, LouvainConfig, Moves, PmiConfig,
    TokenizerConfig, build_graph, count_cooccurrences, count_words, count_words_and_cooccurrences,
    detect_communities, filter_pmi, node_recall,
};
use sinr_util::NoProgress;

struct Input {
    name: String,
    corpus: Corpus,
    _file: Option<tempfile::NamedTempFile>,
}

fn tokenizer() -> TokenizerConfig {
    TokenizerConfig {
        pretokenized: true,
        min_freq: 3,
        min_unit_tokens: 0,
        ..TokenizerConfig::default()
    }
}

fn inputs() -> Vec<Input> {
    let mut v = Vec::new();
    for (vocab, tokens, name) in [
        (2_000, 100_000, "synthetic-100k"),
        (20_000, 1_000_000, "synthetic-1M"),
        (50_000, 5_000_000, "synthetic-5M"),
    ] {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(sinr_benches::zipf_text(vocab, tokens, 42).as_bytes())
            .unwrap();
        v.push(Input {
            name: name.into(),
            corpus: Corpus::new([f.path()]),
            _file: Some(f),
        });
    }
    let real = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/sinr-embed/tests/fixtures/reference/medium.tokens.txt");
    v.push(Input {
        name: "sotu-1790-1824".into(),
        corpus: Corpus::new([real]),
        _file: None,
    });
    v
}

fn benches(c: &mut Criterion) {
    let tok = tokenizer();
    let cooc_cfg = CooccurrenceConfig::default();
    for input in inputs() {
        let (vocab, stats) = count_words(&input.corpus, &tok, &NoProgress).unwrap();
        let (cooc, _) =
            count_cooccurrences(&input.corpus, &tok, &vocab, &cooc_cfg, &NoProgress).unwrap();
        let kept = filter_pmi(&cooc, &PmiConfig::default()).unwrap();
        let graph = build_graph(&kept, &vocab).unwrap();
        let csr: &CsrGraph = &graph.graph;
        let louvain = LouvainConfig {
            resolution: 10.0,
            ..LouvainConfig::default()
        };
        let level = detect_communities(csr, &louvain).unwrap().levels.remove(0);

        let mut g = c.benchmark_group("cooccurrence");
        g.sample_size(10);
        g.throughput(Throughput::Elements(stats.tokens));
        g.bench_function(BenchmarkId::from_parameter(&input.name), |b| {
            b.iter(|| {
                count_cooccurrences(&input.corpus, &tok, &vocab, &cooc_cfg, &NoProgress).unwrap()
            })
        });
        g.finish();

        // Both counting passes as the pipeline runs them: the first keeps the corpus as ids.
        let mut g = c.benchmark_group("words-and-cooccurrences");
        g.sample_size(10);
        g.throughput(Throughput::Elements(stats.tokens));
        g.bench_function(BenchmarkId::from_parameter(&input.name), |b| {
            b.iter(|| {
                count_words_and_cooccurrences(
                    &input.corpus,
                    &tok,
                    &cooc_cfg,
                    KEEP_IDS_BYTES,
                    &NoProgress,
                )
                .unwrap()
            })
        });
        g.finish();

        let mut g = c.benchmark_group("pmi");
        g.sample_size(10);
        g.throughput(Throughput::Elements(cooc.nnz() as u64));
        g.bench_function(BenchmarkId::from_parameter(&input.name), |b| {
            b.iter(|| filter_pmi(&cooc, &PmiConfig::default()).unwrap())
        });
        g.finish();

        let mut g = c.benchmark_group("louvain-plm-gamma10");
        g.sample_size(10);
        g.throughput(Throughput::Elements(graph.edge_count() as u64));
        g.bench_function(BenchmarkId::from_parameter(&input.name), |b| {
            b.iter(|| detect_communities(csr, &louvain).unwrap())
        });
        g.finish();

        let batched = LouvainConfig {
            moves: Moves::Batched,
            ..louvain.clone()
        };
        let mut g = c.benchmark_group("louvain-batched-gamma10");
        g.sample_size(10);
        g.throughput(Throughput::Elements(graph.edge_count() as u64));
        g.bench_function(BenchmarkId::from_parameter(&input.name), |b| {
            b.iter(|| detect_communities(csr, &batched).unwrap())
        });
        g.finish();

        let mut g = c.benchmark_group("node-recall");
        g.sample_size(10);
        g.throughput(Throughput::Elements(graph.edge_count() as u64));
        g.bench_function(BenchmarkId::from_parameter(&input.name), |b| {
            b.iter(|| node_recall(csr, &level.partition, level.n_communities))
        });
        g.finish();
    }
}

criterion_group!(embed, benches);
criterion_main!(embed);
