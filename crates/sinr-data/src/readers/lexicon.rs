//! The VADER lexicon: `token<TAB>mean<TAB>std<TAB>[ratings]`, CRLF.

use std::path::Path;

use super::{parse_err, read_utf8};
use crate::error::Result;

/// One lexicon entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LexiconEntry {
    /// The token (word, slang or emoticon).
    pub word: String,
    /// Mean human rating in [−4, 4].
    pub mean: f64,
}

/// Reads the VADER lexicon. Tokens listed twice keep their first rating.
pub fn read_vader(path: &Path) -> Result<Vec<LexiconEntry>> {
    let text = read_utf8(path)?;
    let mut out: Vec<LexiconEntry> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 2 {
            return Err(parse_err(path, i + 1, "expected `token<TAB>mean<TAB>…`"));
        }
        let mean: f64 = f[1].parse().map_err(|_| {
            parse_err(
                path,
                i + 1,
                format!("field `mean`: `{}` is not a number", f[1]),
            )
        })?;
        if seen.insert(f[0].to_owned()) {
            out.push(LexiconEntry {
                word: f[0].to_owned(),
                mean,
            });
        }
    }
    Ok(out)
}
