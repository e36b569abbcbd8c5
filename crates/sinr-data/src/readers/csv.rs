//! RFC 4180 CSV: quoted fields with doubled quotes, embedded separators and newlines, LF or
//! CRLF, a header row, an optional UTF-8 byte-order mark. Malformed input (invalid UTF-8, an
//! unterminated quote, a stray character after a closing quote, a record with the wrong number
//! of fields) is an error naming the file and the line.
//!
//! The fields come from the `csv` crate, streamed from the file. That parser is lenient by
//! design: it never rejects bad quoting, it skips blank lines, and its `Position` gives the line
//! where it *started looking* for a record (before the blank lines it skipped, or before the
//! `\n` of a CRLF). So the bytes pass first through [`Check`](check::Check), which follows the
//! same quoting states as `csv-core` and keeps what the crate does not: the first line of each
//! record, the first invalid UTF-8 byte, and the first quoting error. Blank lines are skipped, as
//! `csv` does; a lone `\r` ends a record, as `csv`'s default terminator does.

mod check;

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use self::check::Check;
use super::parse_err;
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

/// Reads a CSV file with a header row, separated by `sep` (an ASCII character other than a
/// quote or a line break).
pub fn read_csv(path: &Path, sep: char) -> Result<CsvTable> {
    let sep = separator(sep, path)?;
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    parse(file, sep, path)
}

/// Parses CSV text; `path` is used in messages.
pub fn parse_csv(text: &str, sep: char, path: &Path) -> Result<CsvTable> {
    parse(text.as_bytes(), separator(sep, path)?, path)
}

fn separator(sep: char, path: &Path) -> Result<u8> {
    match u8::try_from(sep) {
        Ok(b) if b.is_ascii() && !matches!(b, b'"' | b'\r' | b'\n') => Ok(b),
        _ => Err(parse_err(
            path,
            1,
            format!(
                "separator {sep:?}: must be an ASCII character other than a quote or a line break"
            ),
        )),
    }
}

fn parse(mut input: impl Read, sep: u8, path: &Path) -> Result<CsvTable> {
    // `csv-core` drops a byte-order mark when the first chunk of input it is given starts with
    // one and is longer than three bytes (a chunk of the mark alone reads as the end of the
    // input). Handing it the first four bytes on their own makes that chunk the same whatever
    // the reader, so a leading mark is always dropped; `Check` drops it whenever `csv-core` does.
    let mut head = Vec::with_capacity(4);
    (&mut input)
        .take(4)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(path, e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sep)
        .from_reader(Check::new(Cursor::new(head).chain(input), sep));
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut record = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        // Lossy only in name: if a byte is not UTF-8, `finish` reports it below and `rows` is
        // dropped.
        rows.push(
            record
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect(),
        );
    }
    let starts = rdr.into_inner().finish(path)?;
    assert_eq!(
        starts.len(),
        rows.len(),
        "`Check` and csv-core disagree on where records start"
    );
    let mut records = starts.into_iter().zip(rows);
    let Some((_, header)) = records.next() else {
        return Err(parse_err(path, 1, "empty CSV file (no header)"));
    };
    let records: Vec<(usize, Vec<String>)> = records.collect();
    for (l, r) in &records {
        if r.len() != header.len() {
            return Err(parse_err(
                path,
                *l,
                format!("{} fields, the header has {}", r.len(), header.len()),
            ));
        }
    }
    Ok(CsvTable {
        path: path.to_path_buf(),
        header,
        records,
    })
}

/// With `flexible` and byte records, the `csv` crate fails only on I/O; anything else is
/// reported with its position.
fn csv_error(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map_or(1, |p| p.line() as usize);
    let message = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(cause) => Error::io(path, cause),
        _ => parse_err(path, line, message),
    }
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

    type Parsed = std::result::Result<(Vec<String>, Vec<(usize, Vec<String>)>), String>;

    fn parsed(r: Result<CsvTable>) -> Parsed {
        r.map(|t| (t.header, t.records)).map_err(|e| e.to_string())
    }

    fn ok(header: &[&str], records: &[(usize, &[&str])]) -> Parsed {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Ok((
            strings(header),
            records.iter().map(|(l, r)| (*l, strings(r))).collect(),
        ))
    }

    /// Yields its bytes a few at a time, to cut UTF-8 sequences, CRLFs and the byte-order mark
    /// between reads.
    pub(super) struct Trickle<'a>(pub &'a [u8], pub usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// Tricky inputs with what the reader gives. Until the `csv` crate replaced it, this file
    /// had a hand-written parser; a differential test ran both on these and on 1.4 million
    /// random inputs (1 million texts, also read a few bytes at a time; 400,000 byte strings
    /// with invalid UTF-8 and byte-order marks, separated by `,` and by `;`). They agreed on
    /// fields, lines and error messages except on blank lines and a lone `\r`; a copy of the old
    /// parser changed in just those two ways agreed on every input. The cases where the old
    /// parser differed say what it gave.
    fn regression_cases() -> Vec<(&'static str, Parsed)> {
        let err = |m: &str| Err(m.to_owned());
        vec![
            (
                "a,b\n\"one\ntwo\nthree\",1\n4,5\n",
                ok(
                    &["a", "b"],
                    &[(2, &["one\ntwo\nthree", "1"]), (5, &["4", "5"])],
                ),
            ),
            (
                "a,b\n\"x\n\ny\",1\n",
                ok(&["a", "b"], &[(2, &["x\n\ny", "1"])]),
            ),
            (
                "a,b\r\n\"x\r\ny\",1\r\n",
                ok(&["a", "b"], &[(2, &["x\r\ny", "1"])]),
            ),
            (
                "a,b\n\"\",\"\"\n,\n",
                ok(&["a", "b"], &[(2, &["", ""]), (3, &["", ""])]),
            ),
            (
                "a,b\n\"x\"\"\",\"\"\"\"\n",
                ok(&["a", "b"], &[(2, &["x\"", "\""])]),
            ),
            // A quote only opens a quoted field at its start.
            (
                "a,b\n \"x\",y\"z\"\n",
                ok(&["a", "b"], &[(2, &[" \"x\"", "y\"z\""])]),
            ),
            (
                "a,b\n1,\"x\" ,2\n",
                err("t.csv:2: unexpected ` ` after a closing quote in field 2"),
            ),
            (
                "a,b\n\"x\"\"\"y,2\n",
                err("t.csv:2: unexpected `y` after a closing quote in field 1"),
            ),
            (
                "a,b\n\"x\ny\"z,2\n",
                err("t.csv:3: unexpected `z` after a closing quote in field 1"),
            ),
            (
                "a,b\nx\"y,\"z\n",
                err("t.csv:2: unterminated quoted field (record 2)"),
            ),
            (
                "a,b\n1,\"open\n2,3\n",
                err("t.csv:2: unterminated quoted field (record 2)"),
            ),
            ("a,b\n1,\"x\"\r\n", ok(&["a", "b"], &[(2, &["1", "x"])])),
            ("a,b\r\n1,2", ok(&["a", "b"], &[(2, &["1", "2"])])),
            ("a\n1\n2", ok(&["a"], &[(2, &["1"]), (3, &["2"])])),
            (
                "\u{feff}\"a,1\",b\n1,2\n",
                ok(&["a,1", "b"], &[(2, &["1", "2"])]),
            ),
            // Only the first byte-order mark goes.
            ("\u{feff}\u{feff}a\n1\n", ok(&["\u{feff}a"], &[(2, &["1"])])),
            ("\u{feff}", err("t.csv:1: empty CSV file (no header)")),
            ("", err("t.csv:1: empty CSV file (no header)")),
            // `;` is not the separator here.
            ("a;b\n1;2\n", ok(&["a;b"], &[(2, &["1;2"])])),
            (
                "a,b\n\"x\ny\",1,2\n",
                err("t.csv:2: 3 fields, the header has 2"),
            ),
            // Blank lines are skipped (old: `t.csv:3: 1 fields, the header has 2`).
            (
                "a,b\n1,2\n\n3,4\n\n\n",
                ok(&["a", "b"], &[(2, &["1", "2"]), (4, &["3", "4"])]),
            ),
            // (old: `t.csv:2: 1 fields, the header has 2`)
            (
                "a,b\r\n\r\n1,2\r\n\r\n",
                ok(&["a", "b"], &[(3, &["1", "2"])]),
            ),
            // (old: `t.csv:3: 2 fields, the header has 1`)
            ("\n\na,b\n1,2\n", ok(&["a", "b"], &[(4, &["1", "2"])])),
            // (old: a record `[""]` on line 3)
            ("a\n1\n\n2\n", ok(&["a"], &[(2, &["1"]), (4, &["2"])])),
            // (old: the same message for line 3, the blank one)
            (
                "a,b\n1,2\n\n3\n",
                err("t.csv:4: 1 fields, the header has 2"),
            ),
            // (old: a header `[""]` and no record)
            ("\n\n", err("t.csv:1: empty CSV file (no header)")),
            // A lone `\r` ends a record, as in `csv`; lines count `\n` (old: one header
            // `["a", "b\r1", "2\r3", "4\r"]` and no record).
            (
                "a,b\r1,2\r3,4\r",
                ok(&["a", "b"], &[(1, &["1", "2"]), (1, &["3", "4"])]),
            ),
            // Inside quotes it is text.
            ("a,b\n1,\"x\ry\"\n", ok(&["a", "b"], &[(2, &["1", "x\ry"])])),
        ]
    }

    #[test]
    fn regression_inputs_read_as_before_whatever_the_reads() {
        for (text, want) in regression_cases() {
            assert_eq!(parsed(p(text)), want, "{text:?}");
            for step in [1, 2, 3, 5] {
                let r = parse(Trickle(text.as_bytes(), step), b',', Path::new("t.csv"));
                assert_eq!(parsed(r), want, "{text:?} read {step} bytes at a time");
            }
        }
    }

    #[test]
    fn quoted_newlines_keep_the_lines_of_later_records() {
        let t = p("id,text\n1,\"first\nsecond\r\nthird\"\n2,plain\n3,\"\"\n").unwrap();
        assert_eq!(t.records[0].1[1], "first\nsecond\r\nthird");
        let lines: Vec<usize> = t.records.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 5, 6]);
    }

    #[test]
    fn blank_lines_between_records_and_at_the_end_are_skipped() {
        let t = p("a,b\n\n1,2\n\n\n3,4\n\n").unwrap();
        assert_eq!(
            parsed(Ok(t)),
            ok(&["a", "b"], &[(3, &["1", "2"]), (6, &["3", "4"])])
        );
        // A record of one empty field is written `""`, and kept.
        let t = p("a\n\"\"\n\n").unwrap();
        assert_eq!(t.records, [(2, vec![String::new()])]);
    }

    #[test]
    fn a_file_with_a_wrong_record_names_the_file_and_the_line() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("bad.csv");
        std::fs::write(&path, "text,label\n\"two\nlines\",1\n\nonly one field\n").unwrap();
        let e = read_csv(&path, ',').unwrap_err().to_string();
        assert_eq!(
            e,
            format!("{}:5: 1 fields, the header has 2", path.display())
        );
        std::fs::write(&path, "text;label\n\"a;b\";1\nc;0\n").unwrap();
        let t = read_csv(&path, ';').unwrap();
        assert_eq!(t.records[0].1, ["a;b", "1"]);
    }

    #[test]
    fn bad_utf8_is_named_by_line_and_byte_before_any_quoting_error() {
        let r = parse(&b"a\n\"open\n\xe9t\xe9\n"[..], b',', Path::new("t.csv"));
        assert_eq!(
            parsed(r),
            Err("t.csv:3: invalid UTF-8 (byte 0xe9)".to_owned())
        );
        // A sequence cut short by the end of the file.
        let r = parse(&b"a\nx\xe2\x80"[..], b',', Path::new("t.csv"));
        assert_eq!(
            parsed(r),
            Err("t.csv:2: invalid UTF-8 (byte 0xe2)".to_owned())
        );
    }

    #[test]
    fn separators_that_csv_cannot_use_are_errors() {
        for sep in ['"', '\n', '\r', 'é'] {
            let e = parse_csv("a\n1\n", sep, Path::new("t.csv")).unwrap_err();
            assert!(e.to_string().starts_with("t.csv:1: separator"), "{e}");
        }
        assert!(parse_csv("a\tb\n1\t2\n", '\t', Path::new("t.csv")).is_ok());
    }
}
