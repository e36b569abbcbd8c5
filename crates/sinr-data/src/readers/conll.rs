//! CoNLL files: one token per line with space- or tab-separated columns, a blank line between
//! sentences, `-DOCSTART-` lines between documents. The tag must be IOB2 (`O`, `B-X`, `I-X`).

use std::path::Path;

use super::{parse_err, read_utf8};
use crate::error::Result;

/// A sentence with one tag per token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedSentence {
    /// The tokens, as written (case kept).
    pub tokens: Vec<String>,
    /// One tag per token.
    pub tags: Vec<String>,
    /// Line of the first token.
    pub line: usize,
    /// The document it belongs to: 0 for the sentences before the file's second `-DOCSTART-`
    /// line, then one more at each such line that follows sentences (0 throughout a file
    /// without them).
    pub doc: usize,
}

/// Reads a CoNLL file; the token is column `token_col` and the tag column `tag_col` (negative
/// counts from the end: −1 is the last column).
pub fn read_conll(path: &Path, token_col: usize, tag_col: isize) -> Result<Vec<TaggedSentence>> {
    let text = read_utf8(path)?;
    let mut out: Vec<TaggedSentence> = Vec::new();
    let mut doc = 0;
    let mut cur = TaggedSentence {
        tokens: Vec::new(),
        tags: Vec::new(),
        line: 0,
        doc,
    };
    let flush = |cur: &mut TaggedSentence, out: &mut Vec<TaggedSentence>| {
        if !cur.tokens.is_empty() {
            let doc = cur.doc;
            out.push(std::mem::replace(
                cur,
                TaggedSentence {
                    tokens: Vec::new(),
                    tags: Vec::new(),
                    line: 0,
                    doc,
                },
            ));
        }
    };
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            flush(&mut cur, &mut out);
            continue;
        }
        let f: Vec<&str> = line.split([' ', '\t']).filter(|s| !s.is_empty()).collect();
        if f[0] == "-DOCSTART-" {
            flush(&mut cur, &mut out);
            if out.last().is_some_and(|s| s.doc == doc) {
                doc += 1;
                cur.doc = doc;
            }
            continue;
        }
        let tag_idx = if tag_col < 0 {
            f.len() as isize + tag_col
        } else {
            tag_col
        };
        if f.len() < 2 || token_col >= f.len() || tag_idx < 0 || tag_idx as usize >= f.len() {
            return Err(parse_err(
                path,
                n,
                format!("{} columns: need a token and a tag", f.len()),
            ));
        }
        let tag = f[tag_idx as usize];
        let ok = tag == "O" || (tag.len() > 2 && (tag.starts_with("B-") || tag.starts_with("I-")));
        if !ok {
            return Err(parse_err(
                path,
                n,
                format!("field `tag`: `{tag}` is not an IOB2 tag (O, B-TYPE, I-TYPE)"),
            ));
        }
        if let Some(kind) = tag.strip_prefix("I-") {
            // IOB2: an entity opens with `B-`; `I-X` continues a `B-X` or an `I-X`.
            let prev = cur.tags.last().map_or("O", String::as_str);
            let continues = prev
                .strip_prefix("B-")
                .or_else(|| prev.strip_prefix("I-"))
                .is_some_and(|k| k == kind);
            if !continues {
                let after = if cur.tags.is_empty() {
                    "opens the sentence".to_owned()
                } else {
                    format!("follows `{prev}`")
                };
                return Err(parse_err(
                    path,
                    n,
                    format!(
                        "field `tag`: `{tag}` {after}; in IOB2 an entity opens with `B-{kind}` \
                         (an IOB1 file must be converted)"
                    ),
                ));
            }
        }
        if cur.tokens.is_empty() {
            cur.line = n;
        }
        cur.tokens.push(f[token_col].to_owned());
        cur.tags.push(tag.to_owned());
    }
    flush(&mut cur, &mut out);
    Ok(out)
}
