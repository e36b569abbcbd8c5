//! RFC 4180 CSV: quoted fields with doubled quotes, embedded separators and newlines, LF or
//! CRLF, a header row. Malformed input (an unterminated quote, a stray character after a closing
//! quote, a record with the wrong number of fields) is an error naming the line.

use std::path::{Path, PathBuf};

use super::{parse_err, read_utf8};
use crate::error::{Error, Result};

/// A parsed CSV file: the header and every record with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvTable {
    /// The file (for messages).
    pub path: PathBuf,
    /// Column names.
    pub header: Vec<String>,
    /// `(line, fields)` of every record.
    pub records: Vec<(usize, Vec<String>)>,
}

impl CsvTable {
    /// Index of the column called `name`.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            parse_err(
                &self.path,
                1,
                format!("no column `{name}` (columns: {})", self.header.join(", ")),
            )
        })
    }
}

/// Reads a CSV file with a header row, separated by `sep`.
pub fn read_csv(path: &Path, sep: char) -> Result<CsvTable> {
    parse_csv(&read_utf8(path)?, sep, path)
}

/// Parses CSV text; `path` is used in messages.
pub fn parse_csv(text: &str, sep: char, path: &Path) -> Result<CsvTable> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records: Vec<(usize, Vec<String>)> = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    let mut field = String::new();
    let mut fields: Vec<String> = Vec::new();
    let mut start_line = 1usize;
    let mut at_field_start = true;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if at_field_start && c == '"' {
            // Quoted field.
            let open_line = line;
            loop {
                match chars.next() {
                    None => {
                        return Err(parse_err(
                            path,
                            open_line,
                            format!("unterminated quoted field (record {})", records.len() + 1),
                        ));
                    }
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some('\n') => {
                        line += 1;
                        field.push('\n');
                    }
                    Some(x) => field.push(x),
                }
            }
            match chars.peek() {
                None | Some('\n') | Some('\r') => {}
                Some(&x) if x == sep => {}
                Some(&x) => {
                    return Err(parse_err(
                        path,
                        line,
                        format!(
                            "unexpected `{x}` after a closing quote in field {}",
                            fields.len() + 1
                        ),
                    ));
                }
            }
            at_field_start = false;
            continue;
        }
        if c == sep {
            fields.push(std::mem::take(&mut field));
            at_field_start = true;
        } else if c == '\r' && chars.peek() == Some(&'\n') {
            // handled by the '\n'
        } else if c == '\n' {
            fields.push(std::mem::take(&mut field));
            records.push((start_line, std::mem::take(&mut fields)));
            line += 1;
            start_line = line;
            at_field_start = true;
        } else {
            field.push(c);
            at_field_start = false;
        }
    }
    if any && !(at_field_start && field.is_empty() && fields.is_empty()) {
        fields.push(field);
        records.push((start_line, fields));
    }
    if records.is_empty() {
        return Err(parse_err(path, 1, "empty CSV file (no header)"));
    }
    let (_, header) = records.remove(0);
    for (l, r) in &records {
        if r.len() != header.len() {
            return Err(Error::Parse {
                path: path.to_path_buf(),
                line: *l,
                message: format!("{} fields, the header has {}", r.len(), header.len()),
            });
        }
    }
    Ok(CsvTable {
        path: path.to_path_buf(),
        header,
        records,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> Result<CsvTable> {
        parse_csv(t, ',', Path::new("t.csv"))
    }

    #[test]
    fn quotes_separators_newlines_crlf() {
        let t = p("a,b\r\n\"x, \"\"y\"\"\",2\r\n\"multi\nline\",3\r\nplain,\r\n").unwrap();
        assert_eq!(t.header, ["a", "b"]);
        assert_eq!(
            t.records[0],
            (2, vec!["x, \"y\"".to_owned(), "2".to_owned()])
        );
        assert_eq!(
            t.records[1],
            (3, vec!["multi\nline".to_owned(), "3".to_owned()])
        );
        assert_eq!(t.records[2], (5, vec!["plain".to_owned(), String::new()]));
        assert_eq!(t.column("b").unwrap(), 1);
        assert!(
            t.column("c")
                .unwrap_err()
                .to_string()
                .contains("no column `c`")
        );
    }

    #[test]
    fn no_final_newline_and_bom() {
        let t = p("\u{feff}a\n1\n2").unwrap();
        assert_eq!(t.records.len(), 2);
        assert_eq!(t.header, ["a"]);
    }

    #[test]
    fn malformed_records_name_their_line() {
        let e = p("a,b\n1,2\n3\n").unwrap_err().to_string();
        assert_eq!(e, "t.csv:3: 1 fields, the header has 2");
        let e = p("a,b\n1,\"open\n").unwrap_err().to_string();
        assert!(e.starts_with("t.csv:2: unterminated"), "{e}");
        let e = p("a,b\n\"x\"y,2\n").unwrap_err().to_string();
        assert!(e.starts_with("t.csv:2: unexpected `y`"), "{e}");
        assert!(p("").is_err());
    }
}
