//! Times every stage of the pipeline on a corpus, as `cargo xtask compare-reference` runs our
//! side (pre-tokenised input, no unit-length filter), without building the whole CLI:
//!
//! ```sh
//! [MOVES=batched] cargo run --release -p sinr-embed --example stages -- TOKENS.txt [GAMMA] [MIN_FREQ] [THREADS]
//! ```

use std::path::PathBuf;

use sinr_embed::{Corpus, SinrConfig, train};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .expect("usage: stages TOKENS.txt [GAMMA] [MIN_FREQ] [THREADS]"),
    );
    let gamma: f64 = args.next().map_or(30.0, |a| a.parse().expect("GAMMA"));
    let min_freq: u64 = args.next().map_or(20, |a| a.parse().expect("MIN_FREQ"));
    let threads: usize = args.next().map_or(2, |a| a.parse().expect("THREADS"));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("thread pool");
    let mut cfg = SinrConfig::default();
    cfg.tokenizer.pretokenized = true;
    cfg.tokenizer.min_unit_tokens = 0;
    cfg.tokenizer.min_freq = min_freq;
    cfg.louvain.resolution = gamma;
    if std::env::var("MOVES").is_ok_and(|m| m == "batched") {
        cfg.louvain.moves = sinr_embed::Moves::Batched;
    }
    let corpus = Corpus {
        paths: vec![path],
        shard: None,
    };
    if std::env::var("TWO_PASS").is_ok() {
        // The counting passes alone, without keeping the ids (the text tokenised twice).
        let t = std::time::Instant::now();
        let (_, m, _, [a, b]) = sinr_embed::count_words_and_cooccurrences(
            &corpus,
            &cfg.tokenizer,
            &cfg.cooccurrence,
            0,
            &sinr_util::NoProgress,
        )
        .expect("count");
        println!(
            "two passes: vocab {a:.3}  cooc {b:.3}  ({} pairs, {:.3} s)",
            m.nnz(),
            t.elapsed().as_secs_f64()
        );
    }
    let model = train(&corpus, &cfg, &sinr_util::NoProgress).expect("train");
    let r = &model.report;
    let t = &r.times;
    println!(
        "vocab {:.3}  cooc {:.3}  pmi {:.3}  graph {:.3}  louvain {:.3}  recall {:.3}  total {:.3}",
        t.vocabulary,
        t.cooccurrence,
        t.pmi,
        t.graph,
        t.louvain,
        t.node_recall,
        t.total()
    );
    println!(
        "vocabulary {}  pairs {}  edges {}  communities {:?}  modularity {:?}",
        r.vocabulary, r.pairs, r.edges, r.communities, r.modularity
    );
}
