//! Tests against numbers computed by the Python reference (`sinr` 1.4.2 with networkit 11.0.1)
//! on real public-domain text (State of the Union addresses 1790–1824). How every fixture was
//! made is in `tests/fixtures/reference/README.md`; the generator is
//! `xtask/python/make_reference_fixtures.py`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use sinr_embed::{
    CooccurrenceConfig, Corpus, CsrGraph, LouvainConfig, PmiConfig, TokenizerConfig, Vocabulary,
    WordGraph, build_graph, count_cooccurrences, count_words, detect_communities, filter_pmi,
    modularity, node_predominance, node_recall,
};
use sinr_util::NoProgress;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reference")
        .join(name)
}

fn read_tsv(name: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(fixture(name))
        .unwrap()
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// The reference's tokenised corpora are read verbatim (one unit per line).
fn pretokenized() -> TokenizerConfig {
    TokenizerConfig {
        pretokenized: true,
        min_freq: 1,
        min_unit_tokens: 0,
        ..TokenizerConfig::default()
    }
}

struct Pipeline {
    vocab: Vocabulary,
    cooc: sinr_embed::CooccurrenceMatrix,
    kept: sinr_embed::CooccurrenceMatrix,
    graph: WordGraph,
    csr: CsrGraph,
}

fn run(tokens: &str) -> Pipeline {
    let corpus = Corpus::new([fixture(tokens)]);
    let tok = pretokenized();
    let (vocab, _) = count_words(&corpus, &tok, &NoProgress).unwrap();
    let (cooc, _) = count_cooccurrences(
        &corpus,
        &tok,
        &vocab,
        &CooccurrenceConfig { window: 5 },
        &NoProgress,
    )
    .unwrap();
    let kept = filter_pmi(&cooc, &PmiConfig::default()).unwrap();
    let graph = build_graph(&kept, &vocab).unwrap();
    let csr = graph.to_csr();
    Pipeline {
        vocab,
        cooc,
        kept,
        graph,
        csr,
    }
}

fn pairs(
    m: &sinr_embed::CooccurrenceMatrix,
    vocab: &Vocabulary,
) -> BTreeMap<(String, String), u64> {
    m.iter()
        .map(|(a, b, c)| ((vocab.word(a).to_owned(), vocab.word(b).to_owned()), c))
        .collect()
}

fn reference_pairs(name: &str) -> BTreeMap<(String, String), u64> {
    read_tsv(name)
        .into_iter()
        .map(|r| ((r[0].clone(), r[1].clone()), r[2].parse().unwrap()))
        .collect()
}

#[test]
fn cooccurrence_counts_are_identical() {
    let p = run("small.tokens.txt");
    let ours = pairs(&p.cooc, &p.vocab);
    let reference = reference_pairs("small.cooc.tsv");
    assert_eq!(ours.len(), 10_183);
    assert_eq!(ours.len(), reference.len());
    for (pair, &x) in &reference {
        // The reference adds 2 per pair; we count 1.
        assert_eq!(ours.get(pair).map(|n| 2 * n), Some(x), "pair {pair:?}");
    }
}

#[test]
fn pmi_kept_edges_are_identical() {
    let p = run("small.tokens.txt");
    let ours: Vec<_> = pairs(&p.kept, &p.vocab).into_keys().collect();
    let reference: Vec<_> = reference_pairs("small.pmi_kept.tsv").into_keys().collect();
    assert_eq!(ours.len(), 8_603);
    assert_eq!(ours, reference);
    let p = run("medium.tokens.txt");
    assert_eq!(p.cooc.nnz(), 157_629);
    assert_eq!(p.kept.nnz(), 117_082);
}

fn reference_partition(p: &Pipeline, name: &str) -> Vec<u32> {
    let map: BTreeMap<String, u32> = read_tsv(name)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(map.len(), p.graph.vocab.len());
    p.graph
        .vocab
        .words()
        .iter()
        .map(|w| map[w.as_str()])
        .collect()
}

fn assert_close_rows(m: &sinr_embed::SparseMatrix, p: &Pipeline, name: &str) {
    let reference = read_tsv(name);
    assert_eq!(reference.len(), m.nnz(), "{name}: number of non-zeros");
    for r in reference {
        let row = p.graph.vocab.id(&r[0]).unwrap().index();
        let c: u32 = r[1].parse().unwrap();
        let want: f64 = r[2].parse().unwrap();
        let got = m.get(row, c);
        assert!(
            (got - want).abs() <= 1e-12 * want.abs(),
            "{name}: ({}, {c}) = {got}, reference {want}",
            r[0]
        );
    }
}

#[test]
fn node_recall_and_predominance_match_for_the_reference_partition() {
    let p = run("small.tokens.txt");
    let part = reference_partition(&p, "small.partition.tsv");
    let k = *part.iter().max().unwrap() as usize + 1;
    assert_eq!(k, 164);
    assert_close_rows(&node_recall(&p.csr, &part, k), &p, "small.nr.tsv");
    assert_close_rows(&node_predominance(&p.csr, &part, k), &p, "small.np.tsv");
}

#[test]
fn louvain_reproduces_networkit_plm_exactly() {
    // Our PLM mode visits nodes and neighbours in networkit's order and evaluates the same gain
    // expression, so on one thread the partition is the same, not only as good.
    let p = run("small.tokens.txt");
    let cfg = LouvainConfig {
        resolution: 10.0,
        ..LouvainConfig::default()
    };
    let ours = detect_communities(&p.csr, &cfg).unwrap();
    assert_eq!(ours.levels.len(), 1);
    assert_eq!(
        ours.levels[0].partition,
        reference_partition(&p, "small.partition.tsv")
    );

    let p = run("medium.tokens.txt");
    assert_eq!(p.graph.node_count(), 3_115);
    assert_eq!(p.csr.total_weight() * 2.0, 350_880.0);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("medium.louvain.json")).unwrap())
            .unwrap();
    for gamma in ["1", "10", "30"] {
        let want = &json["gamma"][gamma];
        let cfg = LouvainConfig {
            resolution: gamma.parse().unwrap(),
            ..LouvainConfig::default()
        };
        let level = &detect_communities(&p.csr, &cfg).unwrap().levels[0];
        let k_ref = want["communities"].as_u64().unwrap() as usize;
        let q_ref = want["modularity"].as_f64().unwrap();
        let qg_ref = want["modularity_gamma"].as_f64().unwrap();
        assert_eq!(level.n_communities, k_ref, "γ = {gamma}");
        assert!(
            (level.standard_modularity - q_ref).abs() < 1e-9,
            "γ = {gamma}"
        );
        assert!((level.modularity - qg_ref).abs() < 1e-9, "γ = {gamma}");
        if gamma == "10" {
            assert_eq!(
                level.partition,
                reference_partition(&p, "medium.partition.g10.tsv")
            );
        }
    }
}

#[test]
fn multilevel_improves_on_plm_and_keeps_it_as_level_zero() {
    let p = run("medium.tokens.txt");
    for gamma in [1.0, 10.0] {
        let plm = detect_communities(
            &p.csr,
            &LouvainConfig {
                resolution: gamma,
                ..LouvainConfig::default()
            },
        )
        .unwrap();
        let ml = detect_communities(
            &p.csr,
            &LouvainConfig {
                resolution: gamma,
                mode: sinr_embed::LouvainMode::Multilevel,
                ..LouvainConfig::default()
            },
        )
        .unwrap();
        assert_eq!(ml.levels[0], plm.levels[0]);
        assert!(
            ml.levels.len() >= 2,
            "γ = {gamma}: {} levels",
            ml.levels.len()
        );
        let last = ml.levels.last().unwrap();
        assert!(last.modularity > plm.levels[0].modularity);
        let q = modularity(&p.csr, &last.partition, last.n_communities, gamma);
        assert!((q - last.modularity).abs() < 1e-12);
    }
}
