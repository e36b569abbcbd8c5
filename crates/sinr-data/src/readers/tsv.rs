//! Tab-separated files without quoting (GermEval and the like).

use std::path::Path;

use super::{parse_err, read_utf8};
use crate::error::Result;

/// Every non-empty line split on tabs, with its line number; each must have at least
/// `min_fields` fields.
pub fn read_tsv(path: &Path, min_fields: usize) -> Result<Vec<(usize, Vec<String>)>> {
    let text = read_utf8(path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let fields: Vec<String> = line.split('\t').map(str::to_owned).collect();
        if fields.len() < min_fields {
            return Err(parse_err(
                path,
                i + 1,
                format!(
                    "{} tab-separated fields, expected at least {min_fields}",
                    fields.len()
                ),
            ));
        }
        out.push((i + 1, fields));
    }
    Ok(out)
}
