//! Lexical features of a tagged token, as feature-rich taggers use them (Ratinov & Roth 2009;
//! the templates of linear-chain CRF taggers): the word as written, its prefixes and suffixes,
//! its shape (`Xxxx`, `XX`, `dd-dd`), and its SINr community at every Louvain level as a word
//! class (as Brown clusters are used: words of one community share a class, so a rare word
//! carries the evidence of its community). Each feature is hashed into a bucket of one weight
//! table, once per offset of the window that reads it (the word before, the word itself, the
//! word after…), so "`Mr` before" and "`Mr` here" have weights of their own; each weight is a
//! named, exact term of a tag's logit.

use serde::{Deserialize, Serialize};

use crate::data::feature_bucket;
use crate::error::{Error, Result};

/// The lexical features of a tagger ([`crate::models::TransformerConfig::features`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TagFeatures {
    /// The word as written, case kept (`Paris`, `paris` and `PARIS` are three features).
    pub words: bool,
    /// Prefixes and suffixes of 1 to `affixes` characters (0: none).
    pub affixes: usize,
    /// The word's shape: upper-case letters `X`, lower-case `x`, digits `d`, other characters
    /// kept, runs longer than two collapsed (`Washington` → `Xxx`, `1996-08-22` → `dd-dd-dd`).
    pub shapes: bool,
    /// The word's SINr community at every Louvain level (the lower-cased word's; none for words
    /// the embeddings do not know).
    pub classes: bool,
    /// The features of the `window` tokens on each side are read too, each offset with its own
    /// weights.
    pub window: usize,
    /// Hash buckets of the weight table (shared by every feature and offset).
    pub buckets: usize,
    /// L2 penalty on the weights (most features are rare).
    pub l2: f64,
}

impl Default for TagFeatures {
    fn default() -> Self {
        Self {
            words: true,
            affixes: 4,
            shapes: true,
            classes: true,
            window: 1,
            buckets: 1 << 18,
            l2: 0.0,
        }
    }
}

impl TagFeatures {
    /// Checks every field.
    ///
    /// # Errors
    /// A field out of its range, named.
    pub fn validate(&self) -> Result<()> {
        if !(1..=1 << 24).contains(&self.buckets) {
            return Err(Error::config(
                "buckets",
                format!("must be in 1..=16777216, got {}", self.buckets),
            ));
        }
        if self.affixes > 8 {
            return Err(Error::config(
                "affixes",
                format!("must be at most 8 characters, got {}", self.affixes),
            ));
        }
        if self.window > 4 {
            return Err(Error::config(
                "window",
                format!("must be at most 4 tokens, got {}", self.window),
            ));
        }
        if !self.l2.is_finite() || self.l2 < 0.0 {
            return Err(Error::config("l2", "must be a finite number ≥ 0"));
        }
        Ok(())
    }

    /// The offsets that read a token's features, in weight order: `−w, …, w`.
    pub fn offsets(&self) -> Vec<isize> {
        let w = self.window as isize;
        (-w..=w).collect()
    }

    /// The features of one token, as `(kind, text)`: `w` the word, `p`/`s` a prefix/suffix,
    /// `h` the shape, `k` a word class (`level:community`). `classes`: the word's community
    /// at every level (empty for an unknown word).
    pub fn keys(&self, token: &str, classes: &[u32]) -> Vec<(u8, String)> {
        let mut out = Vec::new();
        if self.words {
            out.push((b'w', token.to_owned()));
        }
        let chars: Vec<char> = token.chars().collect();
        for n in 1..=self.affixes.min(chars.len()) {
            out.push((b'p', chars[..n].iter().collect()));
            out.push((b's', chars[chars.len() - n..].iter().collect()));
        }
        if self.shapes {
            out.push((b'h', word_shape(token)));
        }
        if self.classes {
            out.extend(
                classes
                    .iter()
                    .enumerate()
                    .map(|(l, c)| (b'k', format!("{l}:{c}"))),
            );
        }
        out
    }

    /// The buckets of a token's features (at offset 0; see [`TagFeatures::at_offset`]).
    pub fn buckets_of(&self, token: &str, classes: &[u32]) -> Vec<u32> {
        self.keys(token, classes)
            .iter()
            .map(|(k, t)| feature_bucket(*k, t, self.buckets))
            .collect()
    }

    /// The bucket of a feature read at the `j`-th offset of [`TagFeatures::offsets`]: its own
    /// bucket moved by a fixed odd stride per offset, so each offset has weights of its own.
    pub fn at_offset(&self, bucket: u32, j: usize) -> u32 {
        ((u64::from(bucket) + j as u64 * 0x9E37_79B1) % self.buckets as u64) as u32
    }
}

/// A feature as people read it: `word Paris`, `prefix Par`, `suffix -ton`, `shape Xxx`,
/// `class 1:127` (community 127 of level 1).
pub fn tag_feature_name(kind: u8, text: &str) -> String {
    match kind {
        b'w' => format!("word {text}"),
        b'p' => format!("prefix {text}-"),
        b's' => format!("suffix -{text}"),
        b'h' => format!("shape {text}"),
        _ => format!("class {text}"),
    }
}

/// The shape of a word (see [`TagFeatures::shapes`]).
pub fn word_shape(word: &str) -> String {
    let mut out = String::new();
    let mut last = None;
    let mut run = 0;
    for ch in word.chars() {
        let s = if ch.is_uppercase() {
            'X'
        } else if ch.is_lowercase() {
            'x'
        } else if ch.is_ascii_digit() {
            'd'
        } else {
            ch
        };
        if Some(s) == last {
            run += 1;
        } else {
            run = 1;
            last = Some(s);
        }
        if run <= 2 {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_keys_by_hand() {
        assert_eq!(word_shape("Washington"), "Xxx");
        assert_eq!(word_shape("1996-08-22"), "dd-dd-dd");
        assert_eq!(word_shape("EU"), "XX");
        assert_eq!(word_shape("McDonald's"), "XxXxx'x");
        let f = TagFeatures {
            affixes: 2,
            ..TagFeatures::default()
        };
        let keys = f.keys("Paris", &[7, 3]);
        let names: Vec<String> = keys.iter().map(|(k, t)| tag_feature_name(*k, t)).collect();
        assert_eq!(
            names,
            [
                "word Paris",
                "prefix P-",
                "suffix -s",
                "prefix Pa-",
                "suffix -is",
                "shape Xxx",
                "class 0:7",
                "class 1:3"
            ]
        );
        // A one-letter word has affixes of one letter only; an unknown word no classes.
        assert_eq!(f.keys("I", &[]).len(), 1 + 2 + 1);
        // Offsets move a bucket within the table, each to its own place.
        let b = f.buckets_of("Paris", &[])[0];
        let moved: Vec<u32> = (0..3).map(|j| f.at_offset(b, j)).collect();
        assert!(moved.iter().all(|&x| (x as usize) < f.buckets));
        assert_eq!(moved[0], b);
        assert!(moved[1] != moved[0] && moved[2] != moved[1]);
    }

    #[test]
    fn bad_fields_are_named() {
        let bad = TagFeatures {
            buckets: 0,
            ..TagFeatures::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("buckets"));
        let bad = TagFeatures {
            window: 9,
            ..TagFeatures::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("window"));
    }
}
