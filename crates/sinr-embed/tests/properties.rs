//! Property tests of the invariants the design promises, on random graphs and corpora.

use std::io::Write;

use proptest::prelude::*;
use sinr_embed::{
    CooccurrenceConfig, Corpus, CsrGraph, LouvainConfig, LouvainMode, Moves, SinrConfig, SinrModel,
    TokenizerConfig, Unit, WordId, count_cooccurrences, count_units, count_words,
    count_words_and_cooccurrences, detect_communities, merge_levels, modularity, node_predominance,
    node_recall, sparsify, tokenize_text, train,
};
use sinr_util::NoProgress;

/// A random weighted undirected graph with `n` nodes, as petgraph and as CSR.
fn graph_strategy() -> impl Strategy<Value = CsrGraph> {
    (2usize..40).prop_flat_map(|n| {
        prop::collection::vec((0..n as u32, 0..n as u32, 1u32..20), 1..200).prop_map(move |edges| {
            let mut g = petgraph::graph::UnGraph::<(), f64>::new_undirected();
            for _ in 0..n {
                g.add_node(());
            }
            for (a, b, w) in edges {
                if a != b {
                    g.add_edge(
                        petgraph::graph::NodeIndex::new(a as usize),
                        petgraph::graph::NodeIndex::new(b as usize),
                        f64::from(w),
                    );
                }
            }
            CsrGraph::from_petgraph(&g, |e| *petgraph::visit::EdgeRef::weight(&e))
        })
    })
}

fn louvain(gamma: f64, mode: LouvainMode, seed: Option<u64>) -> LouvainConfig {
    LouvainConfig {
        resolution: gamma,
        mode,
        seed,
        ..LouvainConfig::default()
    }
}

/// Random text over a small alphabet of words, several lines. Each line draws its words from
/// one of three overlapping topics, so that some pairs pass the reference's PMI filter (on text
/// drawn uniformly from the alphabet, most texts keep no edge at all).
fn text_strategy() -> impl Strategy<Value = String> {
    const WORDS: [&str; 10] = [
        "alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "lambda", "theta", "zeta",
    ];
    let line = (0usize..3).prop_flat_map(|topic| {
        prop::collection::vec(
            prop::sample::select(WORDS[topic * 3..topic * 3 + 4].to_vec()),
            0..25,
        )
    });
    prop::collection::vec(line, 1..40).prop_map(|lines| {
        lines
            .into_iter()
            .map(|l| l.join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn write_temp(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Shards of a corpus (several files, any number of shards, any chunk size) hold every line
    /// exactly once: their word counts, statistics and pair counts add up to the whole's.
    #[test]
    fn shard_counts_add_up_to_the_whole(
        texts in prop::collection::vec(text_strategy(), 1..4),
        n in 1usize..9,
        window in 1usize..4,
        chunk_bytes in prop::sample::select(vec![1usize, 13, 1 << 20]),
        crlf in any::<bool>(),
    ) {
        let tok = TokenizerConfig {
            min_freq: 1,
            min_token_len: 1,
            min_unit_tokens: 0,
            stop_words: sinr_embed::StopWords::None,
            unit: Unit::Line,
            chunk_bytes,
            ..TokenizerConfig::default()
        };
        let files: Vec<_> = texts
            .iter()
            .map(|t| write_temp(&if crlf { t.replace('\n', "\r\n") } else { t.clone() }))
            .collect();
        let corpus = Corpus::new(files.iter().map(|f| f.path()));
        let (mut whole, whole_stats) =
            sinr_embed::count_word_occurrences(&corpus, &tok, &NoProgress).unwrap();
        whole.sort();
        let mut summed: std::collections::BTreeMap<String, u64> = Default::default();
        let mut stats = sinr_embed::CorpusStats::default();
        for i in 0..n {
            let shard = corpus.clone().with_shard(sinr_embed::Shard::new(i, n).unwrap());
            let (words, st) = sinr_embed::count_word_occurrences(&shard, &tok, &NoProgress).unwrap();
            for (w, c) in words {
                *summed.entry(w).or_default() += c;
            }
            stats.add(&st);
        }
        prop_assert_eq!(summed.into_iter().collect::<Vec<_>>(), whole);
        prop_assert_eq!(stats.lines, whole_stats.lines);
        prop_assert_eq!(stats.tokens, whole_stats.tokens);
        prop_assert_eq!(stats.units, whole_stats.units);
        let Ok((vocab, _)) = count_words(&corpus, &tok, &NoProgress) else {
            return Ok(());
        };
        let cfg = CooccurrenceConfig { window };
        let (all, _) = count_cooccurrences(&corpus, &tok, &vocab, &cfg, &NoProgress).unwrap();
        let mut entries = Vec::new();
        for i in 0..n {
            let shard = corpus.clone().with_shard(sinr_embed::Shard::new(i, n).unwrap());
            let (m, _) = count_cooccurrences(&shard, &tok, &vocab, &cfg, &NoProgress).unwrap();
            entries.extend(m.iter());
        }
        let summed = sinr_embed::CooccurrenceMatrix::from_entries(vocab.len(), entries);
        prop_assert_eq!(summed, all);
    }

    #[test]
    fn node_recall_rows_are_distributions(
        g in graph_strategy(),
        seed in 0u64..1000,
        k in 1usize..6,
    ) {
        let mut rng = sinr_util::SplitMix64::new(seed);
        let part: Vec<u32> = (0..g.node_count()).map(|_| rng.below(k) as u32).collect();
        let nr = node_recall(&g, &part, k);
        for u in 0..g.node_count() {
            let (_, vals) = nr.row(u);
            prop_assert!(vals.iter().all(|&v| v > 0.0));
            let s: f64 = vals.iter().sum();
            if g.strength(u) > 0.0 {
                prop_assert!((s - 1.0).abs() < 1e-12, "row {} sums to {}", u, s);
            } else {
                prop_assert!(vals.is_empty());
            }
        }
        // NP columns sum to 1 (for communities with volume).
        let np = node_predominance(&g, &part, k);
        let t = np.transpose();
        for c in 0..k {
            let (_, vals) = t.row(c);
            let s: f64 = vals.iter().sum();
            prop_assert!(vals.is_empty() || (s - 1.0).abs() < 1e-12, "column {} sums to {}", c, s);
        }
    }

    #[test]
    fn levels_partition_every_node_and_modularity_never_decreases(
        g in graph_strategy(),
        gamma in prop::sample::select(vec![0.1, 0.5, 1.0, 2.0, 10.0]),
        seed in prop::option::of(0u64..100),
        coarse in prop::option::of(prop::sample::select(vec![0.05, 0.3, 1.0])),
        moves in prop::sample::select(vec![Moves::Serial, Moves::Batched]),
    ) {
        prop_assume!(g.total_weight() > 0.0);
        let cfg = LouvainConfig { coarse_resolution: coarse, moves, ..louvain(gamma, LouvainMode::Multilevel, seed) };
        let d = detect_communities(&g, &cfg).unwrap();
        prop_assert!(!d.levels.is_empty());
        for level in &d.levels {
            prop_assert_eq!(level.partition.len(), g.node_count());
            let mut sizes = vec![0usize; level.n_communities];
            for &c in &level.partition {
                prop_assert!((c as usize) < level.n_communities);
                sizes[c as usize] += 1;
            }
            prop_assert!(sizes.iter().all(|&s| s > 0), "an empty community");
            let q = modularity(&g, &level.partition, level.n_communities, level.resolution);
            prop_assert!((q - level.modularity).abs() < 1e-9);
        }
        for l in 0..d.levels.len().saturating_sub(1) {
            let (fine, coarse) = (&d.levels[l], &d.levels[l + 1]);
            // Q at the coarse level's resolution never decreases (levels optimised for the same γ).
            let q_fine = modularity(&g, &fine.partition, fine.n_communities, coarse.resolution);
            prop_assert!(coarse.modularity >= q_fine - 1e-12,
                "level {}: {} < {}", l + 1, coarse.modularity, q_fine);
            prop_assert!(coarse.n_communities < fine.n_communities);
            // Nested: the parent map is a function.
            let parent = d.parents(l).unwrap();
            for (u, &c) in fine.partition.iter().enumerate() {
                prop_assert_eq!(parent[c as usize], coarse.partition[u]);
            }
            // NR is additive: merging fine columns gives NR of the coarse partition.
            let nr_fine = node_recall(&g, &fine.partition, fine.n_communities);
            let merged = merge_levels(&nr_fine, &parent, coarse.n_communities);
            let direct = node_recall(&g, &coarse.partition, coarse.n_communities);
            for u in 0..g.node_count() {
                prop_assert_eq!(merged.row(u).0, direct.row(u).0);
                for (a, b) in merged.row(u).1.iter().zip(direct.row(u).1) {
                    prop_assert!((a - b).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn same_seed_same_partition(g in graph_strategy(), seed in 0u64..1000) {
        prop_assume!(g.total_weight() > 0.0);
        let cfg = louvain(1.0, LouvainMode::Multilevel, Some(seed));
        prop_assert_eq!(detect_communities(&g, &cfg).unwrap(), detect_communities(&g, &cfg).unwrap());
    }

    #[test]
    fn sparsify_keeps_min_k_nnz(g in graph_strategy(), k in 1usize..5) {
        let part: Vec<u32> = (0..g.node_count() as u32).collect();
        let nr = node_recall(&g, &part, g.node_count());
        let s = sparsify(&nr, k);
        for u in 0..g.node_count() {
            let (idx, val) = nr.row(u);
            prop_assert_eq!(s.row(u).0.len(), idx.len().min(k));
            // The kept values are the largest ones.
            let kept_min = s.row(u).1.iter().copied().fold(f64::INFINITY, f64::min);
            let dropped_max = idx.iter().zip(val)
                .filter(|(c, _)| s.get(u, **c) == 0.0)
                .map(|(_, v)| *v)
                .fold(0.0, f64::max);
            prop_assert!(s.row(u).1.is_empty() || kept_min >= dropped_max);
        }
    }

    #[test]
    fn one_pass_counts_equal_two_pass_counts(
        text in text_strategy(),
        window in 1usize..7,
        min_freq in 1u64..4,
        chunk_bytes in prop::sample::select(vec![1usize, 7, 64, 1 << 20]),
        keep_ids_bytes in prop::sample::select(vec![0usize, 64, 1 << 30]),
    ) {
        let tok = TokenizerConfig {
            min_freq,
            min_token_len: 1,
            min_unit_tokens: 0,
            stop_words: sinr_embed::StopWords::None,
            chunk_bytes,
            ..TokenizerConfig::default()
        };
        let file = write_temp(&text);
        let corpus = Corpus::new([file.path()]);
        let cfg = CooccurrenceConfig { window };
        let Ok((vocab, stats)) = count_words(&corpus, &tok, &NoProgress) else {
            return Ok(());
        };
        let (two_passes, _) = count_cooccurrences(&corpus, &tok, &vocab, &cfg, &NoProgress).unwrap();
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let (v, m, st, _) = pool
                .install(|| count_words_and_cooccurrences(&corpus, &tok, &cfg, keep_ids_bytes, &NoProgress))
                .unwrap();
            prop_assert_eq!(&v, &vocab);
            prop_assert_eq!(&m, &two_passes);
            prop_assert_eq!(st, stats);
        }
    }

    #[test]
    fn batched_moves_give_one_partition_on_any_number_of_threads(
        g in graph_strategy(),
        gamma in prop::sample::select(vec![0.1, 1.0, 10.0]),
        seed in prop::option::of(0u64..100),
    ) {
        prop_assume!(g.total_weight() > 0.0);
        let cfg = LouvainConfig { moves: Moves::Batched, ..louvain(gamma, LouvainMode::Multilevel, seed) };
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap()
            .install(|| detect_communities(&g, &cfg)).unwrap();
        for threads in [2, 4] {
            let many = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
                .install(|| detect_communities(&g, &cfg)).unwrap();
            prop_assert_eq!(&many, &one);
        }
    }

    #[test]
    fn parallel_streaming_counts_equal_serial_counts(
        text in text_strategy(),
        window in 1usize..7,
        chunk_bytes in prop::sample::select(vec![1usize, 7, 64, 1 << 20]),
    ) {
        let tok = TokenizerConfig {
            min_freq: 1,
            min_token_len: 1,
            min_unit_tokens: 0,
            stop_words: sinr_embed::StopWords::None,
            unit: Unit::Line,
            chunk_bytes,
            ..TokenizerConfig::default()
        };
        let file = write_temp(&text);
        let corpus = Corpus::new([file.path()]);
        let cfg = CooccurrenceConfig { window };
        let Ok((vocab, _)) = count_words(&corpus, &tok, &NoProgress) else {
            // Empty text: nothing to compare.
            prop_assert!(text.split_whitespace().next().is_none());
            return Ok(());
        };
        let units: Vec<Vec<WordId>> = tokenize_text(&text, &tok)
            .unwrap()
            .iter()
            .map(|u| u.iter().map(|w| vocab.id(w).unwrap()).collect())
            .collect();
        let serial = count_units(vocab.len(), units.iter().map(Vec::as_slice), &cfg).unwrap();
        for threads in [1, 4] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let (parallel, _) = pool
                .install(|| count_cooccurrences(&corpus, &tok, &vocab, &cfg, &NoProgress))
                .unwrap();
            prop_assert_eq!(&parallel, &serial);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn save_load_is_identity(
        text in text_strategy(),
        multilevel in any::<bool>(),
        sparsify_k in prop::option::of(1usize..4),
    ) {
        let cfg = SinrConfig {
            tokenizer: TokenizerConfig {
                min_freq: 1,
                min_token_len: 1,
                min_unit_tokens: 0,
                stop_words: sinr_embed::StopWords::None,
                ..TokenizerConfig::default()
            },
            louvain: LouvainConfig {
                resolution: 1.0,
                mode: if multilevel { LouvainMode::Multilevel } else { LouvainMode::Plm },
                ..LouvainConfig::default()
            },
            postprocess: sinr_embed::PostprocessConfig {
                sparsify: sparsify_k,
                ..Default::default()
            },
            ..SinrConfig::default()
        };
        let file = write_temp(&text);
        let model = train(&Corpus::new([file.path()]), &cfg, &NoProgress);
        // Texts that leave no edge are rejected (proptest fails if that happens too often).
        prop_assume!(model.is_ok());
        let model = model.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.sinr");
        model.save(&path).unwrap();
        let loaded = SinrModel::load(&path).unwrap();
        // Everything but the stage times, which the file does not keep.
        let mut timeless = model.clone();
        timeless.report.times = Default::default();
        prop_assert_eq!(&loaded, &timeless);
        // So the same model trained twice is the same file, whatever its stages took.
        let mut slower = model.clone();
        slower.report.times.louvain += 1.5;
        slower.report.times.vocabulary += 0.25;
        let again = dir.path().join("again.sinr");
        slower.save(&again).unwrap();
        prop_assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&path).unwrap());
        std::fs::remove_file(&again).unwrap();
        // The stored checksum, read without loading, is the FNV-1a of the rest of the file.
        let bytes = std::fs::read(&path).unwrap();
        prop_assert_eq!(
            sinr_embed::stored_checksum(&path).unwrap(),
            sinr_util::fnv1a(&bytes[..bytes.len() - 8])
        );
        // Only the model file is left: no temporary file.
        prop_assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

/// A random simple undirected graph with self-loops: `n` nodes and distinct edges
/// `(a, b, w)` with `a ≤ b`.
fn simple_graph_strategy() -> impl Strategy<Value = (usize, Vec<(u32, u32, f64)>)> {
    (1usize..30).prop_flat_map(|n| {
        prop::collection::btree_map((0..n as u32, 0..n as u32), 1u32..20, 0..120).prop_map(
            move |edges| {
                let mut seen = std::collections::BTreeSet::new();
                let mut edges: Vec<(u32, u32, f64)> = edges
                    .into_iter()
                    .map(|((a, b), w)| (a.min(b), a.max(b), f64::from(w)))
                    .filter(|&(a, b, _)| seen.insert((a, b)))
                    .collect();
                edges.sort_by_key(|e| (e.0, e.1));
                (n, edges)
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// `CsrGraph` read through petgraph's traits is the graph it was built from: the edges come
    /// back once each (sorted, with their weights), every node sees its edges from its end, and
    /// petgraph's algorithms give what they give on a petgraph `UnGraph` of the same edges.
    #[test]
    fn csr_graph_is_the_same_graph_through_petgraph((n, edges) in simple_graph_strategy()) {
        use petgraph::graph::{NodeIndex, UnGraph};
        use petgraph::visit::{
            Bfs, EdgeCount, EdgeRef, IntoEdgeReferences, IntoEdges, IntoNeighbors,
            IntoNodeIdentifiers, NodeIndexable,
        };

        let mut g = UnGraph::<(), f64>::new_undirected();
        for _ in 0..n {
            g.add_node(());
        }
        for &(a, b, w) in &edges {
            g.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), w);
        }
        let csr = CsrGraph::from_petgraph(&g, |e| *e.weight());

        // Every edge once, as (u ≤ v) in sorted order, with its weight; and back again.
        let refs: Vec<(u32, u32, f64)> = csr
            .edge_references()
            .map(|e| {
                assert_eq!(e.id(), (e.source(), e.target()));
                (e.source(), e.target(), *e.weight())
            })
            .collect();
        prop_assert_eq!(&refs, &edges);
        prop_assert_eq!(EdgeCount::edge_count(&csr), edges.len());
        prop_assert_eq!(CsrGraph::from_petgraph(&csr, |e| *e.weight()), csr.clone());

        // Each node sees its edges from its end: neighbours sorted, then itself for a self-loop.
        prop_assert_eq!(csr.node_identifiers().count(), n);
        let mut seen_from_ends = Vec::new();
        for u in csr.node_identifiers() {
            let neighbours: Vec<u32> = IntoNeighbors::neighbors(&csr, u).collect();
            let mut expected: Vec<u32> = edges
                .iter()
                .filter(|e| e.0 != e.1)
                .filter_map(|&(a, b, _)| (a == u).then_some(b).or((b == u).then_some(a)))
                .collect();
            expected.sort_unstable();
            if edges.iter().any(|&(a, b, _)| a == u && b == u) {
                expected.push(u);
            }
            prop_assert_eq!(&neighbours, &expected);
            let ends: Vec<u32> = csr
                .edges(u)
                .map(|e| {
                    assert_eq!(e.source(), u);
                    seen_from_ends.push((e.id(), *e.weight()));
                    e.target()
                })
                .collect();
            prop_assert_eq!(ends, neighbours);
        }
        // Read from both ends, an edge has one id and one weight.
        seen_from_ends.sort_by_key(|e| e.0);
        seen_from_ends.dedup();
        let ids: Vec<((u32, u32), f64)> = edges.iter().map(|&(a, b, w)| ((a, b), w)).collect();
        prop_assert_eq!(seen_from_ends, ids);

        // petgraph's algorithms run on it and agree with a petgraph graph.
        prop_assert_eq!(
            petgraph::algo::connected_components(&csr),
            petgraph::algo::connected_components(&g)
        );
        let ours = petgraph::algo::dijkstra(&csr, 0, None, |e| *e.weight());
        let theirs = petgraph::algo::dijkstra(&g, NodeIndex::new(0), None, |e| *e.weight());
        let mut ours: Vec<(u32, f64)> = ours.into_iter().collect();
        let mut theirs: Vec<(u32, f64)> =
            theirs.into_iter().map(|(k, d)| (g.to_index(k) as u32, d)).collect();
        ours.sort_by_key(|x| x.0);
        theirs.sort_by_key(|x| x.0);
        prop_assert_eq!(ours, theirs);
        let mut reached = Vec::new();
        let mut bfs = Bfs::new(&csr, 0);
        while let Some(u) = bfs.next(&csr) {
            reached.push(u);
        }
        let mut theirs = Vec::new();
        let mut bfs = Bfs::new(&g, NodeIndex::new(0));
        while let Some(u) = bfs.next(&g) {
            theirs.push(u.index() as u32);
        }
        reached.sort_unstable();
        theirs.sort_unstable();
        prop_assert_eq!(reached, theirs);
    }
}
