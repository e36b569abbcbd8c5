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
