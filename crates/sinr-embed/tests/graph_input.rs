//! SINr from inputs other than text: co-occurrence counts made elsewhere give the model the
//! text gives, and any weighted graph is embedded as given.

use std::path::Path;

use sinr_embed::{
    Corpus, LouvainMode, SinrConfig, count_cooccurrences, count_words, train, train_from_counts,
    train_from_graph,
};
use sinr_util::NoProgress;

#[test]
fn counts_give_the_model_the_text_gives() {
    let corpus = Corpus::new([Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sinr-cli/tests/fixtures/washington-1790-1796.txt")]);
    let mut cfg = SinrConfig::default();
    cfg.tokenizer.min_freq = 5;
    let from_text = train(&corpus, &cfg, &NoProgress).unwrap();
    let (vocab, _) = count_words(&corpus, &cfg.tokenizer, &NoProgress).unwrap();
    let (counts, _) = count_cooccurrences(
        &corpus,
        &cfg.tokenizer,
        &vocab,
        &cfg.cooccurrence,
        &NoProgress,
    )
    .unwrap();
    let from_counts = train_from_counts(vocab, counts, &cfg, &NoProgress).unwrap();
    assert_eq!(from_counts.vocab, from_text.vocab);
    assert_eq!(from_counts.dendrogram, from_text.dendrogram);
    assert_eq!(from_counts.matrix, from_text.matrix);
}

/// Two triangles joined by one light edge, given in a scrambled order, both directions and a
/// repeat: two communities, one per triangle, and node recall rows that sum to 1.
#[test]
fn a_graph_is_embedded_as_given() {
    let names: Vec<String> = ["f", "e", "d", "c", "b", "a", "lonely"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    // Triangle a-b-c (ids 5, 4, 3) and d-e-f (2, 1, 0), bridge c-d.
    let edges = vec![
        (5, 4, 2.0),
        (3, 4, 1.0),
        (4, 3, 1.0), // the same edge again: summed
        (5, 3, 2.0),
        (0, 1, 2.0),
        (1, 2, 2.0),
        (2, 0, 2.0),
        (3, 2, 0.1),
        (6, 6, 5.0), // a self-loop: dropped, and "lonely" with it
    ];
    let mut cfg = SinrConfig::default();
    cfg.louvain.resolution = 1.0;
    let m = train_from_graph(names.clone(), edges.clone(), &cfg, &NoProgress).unwrap();
    assert_eq!(m.vocab.words(), ["a", "b", "c", "d", "e", "f"]);
    let part = &m.dendrogram.levels[0].partition;
    assert_eq!(part[0], part[1]);
    assert_eq!(part[1], part[2]);
    assert_eq!(part[3], part[4]);
    assert_eq!(part[4], part[5]);
    assert_ne!(part[0], part[3]);
    for r in 0..m.matrix.n_rows() {
        let s: f64 = m.matrix.row(r).1.iter().sum();
        assert!((s - 1.0).abs() < 1e-9, "row {r} sums to {s}");
    }
    // The same graph in another order is the same model.
    let mut reversed = edges;
    reversed.reverse();
    let again = train_from_graph(names, reversed, &cfg, &NoProgress).unwrap();
    assert_eq!(again.matrix, m.matrix);
    // Multilevel works on a graph too.
    cfg.louvain.mode = LouvainMode::Multilevel;
    assert!(
        train_from_graph(
            vec!["x".into(), "y".into()],
            [(0, 1, 1.0)],
            &cfg,
            &NoProgress
        )
        .is_ok()
    );
}

#[test]
fn bad_graphs_are_clear_errors() {
    let cfg = SinrConfig::default();
    let names = vec!["a".to_string(), "b".to_string()];
    let err = |edges: Vec<(u32, u32, f64)>, names: Vec<String>| {
        train_from_graph(names, edges, &cfg, &NoProgress)
            .unwrap_err()
            .to_string()
    };
    assert!(err(vec![(0, 2, 1.0)], names.clone()).contains("beyond the 2"));
    assert!(err(vec![(0, 1, -1.0)], names.clone()).contains("weight -1"));
    assert!(err(vec![(0, 1, f64::NAN)], names.clone()).contains("weight NaN"));
    assert!(err(vec![], names.clone()).contains("no edge"));
    assert!(err(vec![(0, 1, 1.0)], vec!["a".into(), "a".into()]).contains("`a` is given twice"));
}

/// A model aligned with itself maps every community to itself; aligned with a model of the same
/// words in one community, each of its communities falls into that one.
#[test]
fn communities_align() {
    let names: Vec<String> = ["a", "b", "c", "d", "e", "f"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let edges = vec![
        (0, 1, 2.0),
        (1, 2, 2.0),
        (0, 2, 2.0),
        (3, 4, 2.0),
        (4, 5, 2.0),
        (3, 5, 2.0),
        (2, 3, 0.1),
    ];
    let mut cfg = SinrConfig::default();
    cfg.louvain.resolution = 1.0;
    let m = train_from_graph(names.clone(), edges.clone(), &cfg, &NoProgress).unwrap();
    let a = sinr_embed::align_communities(&m, 0, &m, 0).unwrap();
    assert_eq!(a.common_words, 6);
    assert_eq!(a.communities.len(), 2);
    for c in &a.communities {
        assert_eq!((c.a, c.shared, c.jaccard), (c.b, 3, 1.0));
    }
    // The same words as one clique: one community, into which both triangles map.
    let clique: Vec<(u32, u32, f64)> = (0..6u32)
        .flat_map(|u| (u + 1..6).map(move |v| (u, v, 1.0)))
        .collect();
    let coarse = train_from_graph(names, clique, &cfg, &NoProgress).unwrap();
    assert_eq!(coarse.dendrogram.levels[0].n_communities, 1);
    let a = sinr_embed::align_communities(&m, 0, &coarse, 0).unwrap();
    assert!(
        a.communities
            .iter()
            .all(|c| c.b == 0 && c.shared == 3 && c.jaccard == 0.5)
    );
}
