//! Word-similarity benchmarks: `word1 word2 score` per line, separated by spaces or tabs;
//! lines starting with `#` are comments.

use std::path::Path;

use super::{parse_err, read_utf8};
use crate::error::Result;

/// One judged pair.
#[derive(Debug, Clone, PartialEq)]
pub struct WordPair {
    /// First word.
    pub a: String,
    /// Second word.
    pub b: String,
    /// Human score.
    pub score: f64,
}

/// Reads a benchmark file.
pub fn read_pairs(path: &Path) -> Result<Vec<WordPair>> {
    let text = read_utf8(path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 3 {
            return Err(parse_err(
                path,
                i + 1,
                format!("{} fields, expected `word1 word2 score`", f.len()),
            ));
        }
        let score: f64 = f[2]
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite())
            .ok_or_else(|| {
                parse_err(
                    path,
                    i + 1,
                    format!("field `score`: `{}` is not a number", f[2]),
                )
            })?;
        out.push(WordPair {
            a: f[0].to_owned(),
            b: f[1].to_owned(),
            score,
        });
    }
    if out.is_empty() {
        return Err(parse_err(path, 1, "no pair in the file"));
    }
    Ok(out)
}
