//! Seeded synthetic inputs for the benchmarks in `benches/`.
//!
//! Text is drawn from a Zipf law (exponent 1, like word frequencies), in units of 20 tokens, so
//! that co-occurrence counts, graph density and community structure look like those of real
//! text at the chosen vocabulary size.

use sinr_util::SplitMix64;

/// `tokens` tokens over a vocabulary of `vocab` words (`w0`, `w1`, …), one unit of 20 tokens
/// per line. Words are spread over 50 "topics" so the graph has communities to find.
pub fn zipf_text(vocab: usize, tokens: usize, seed: u64) -> String {
    let mut rng = SplitMix64::new(seed);
    let mut cdf = Vec::with_capacity(vocab);
    let mut acc = 0.0;
    for r in 1..=vocab {
        acc += 1.0 / r as f64;
        cdf.push(acc);
    }
    let topics = 50;
    let mut out = String::with_capacity(tokens * 7);
    let mut n = 0;
    while n < tokens {
        let topic = rng.below(topics);
        for i in 0..20 {
            let x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * acc;
            let mut w = cdf.partition_point(|&c| c < x).min(vocab - 1);
            // Half of the rarer words are pulled into the unit's topic.
            if w > 100 && rng.below(2) == 0 {
                w = (w / topics) * topics + topic;
                w = w.min(vocab - 1);
            }
            if i > 0 {
                out.push(' ');
            }
            out.push('w');
            out.push_str(&w.to_string());
        }
        out.push('\n');
        n += 20;
    }
    out
}

/// `vocab` sparse word vectors over `dims` dimensions (row 0 empty: padding), `nnz` random
/// columns of value 0.05 each (fewer where two draws coincide), seeded: the frozen rows the model
/// benchmarks and the PyTorch peer (`peer-step`) read.
pub fn synthetic_rows(vocab: usize, dims: usize, nnz: usize) -> sinr_nn::PaddedRows {
    let mut rng = SplitMix64::new(1);
    let mut r = vec![Vec::new()];
    for _ in 1..vocab {
        let mut row: Vec<(u32, f32)> = (0..nnz).map(|_| (rng.below(dims) as u32, 0.05)).collect();
        row.sort_by_key(|e| e.0);
        row.dedup_by_key(|e| e.0);
        r.push(row);
    }
    sinr_nn::PaddedRows::from_rows(&r, dims)
}

/// `n` texts of `len` tokens drawn uniformly from rows `1..vocab`, labelled `i % 2`, seeded.
pub fn synthetic_texts(n: usize, vocab: usize, len: usize) -> Vec<sinr_models::Example> {
    let mut rng = SplitMix64::new(2);
    (0..n)
        .map(|i| sinr_models::Example {
            surface: vec![String::new(); len],
            features: Vec::new(),
            labels: vec![i % 2],
            rows: (0..len).map(|_| 1 + rng.below(vocab - 1) as u32).collect(),
            lexical: Vec::new(),
        })
        .collect()
}
