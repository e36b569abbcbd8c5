//! The checks the `csv` crate does not make, on the bytes it reads.
//!
//! [`Check`] sits between the input and `csv::Reader`: every byte the reader pulls passes
//! through it once, in order, however the reads are cut. It follows the quoting states of
//! `csv-core` with the settings `read_csv` uses (`"` quotes and is doubled to escape; `\r`, `\n`
//! and `\r\n` end a record; blank lines are skipped), so its records are the crate's records,
//! and it notes
//! - the line each record starts on (`csv-core` drops a byte-order mark at the start of its
//!   first chunk of input, and so does `Check`),
//! - the first byte that is not UTF-8, with its line,
//! - the first character after a closing quote that is not a quote, the separator or a line
//!   break (`csv-core` would append it to the field),
//! - a quoted field still open at the end (`csv-core` would end the record there).

use std::io::{self, Read};
use std::path::Path;

use crate::error::Result;
use crate::readers::parse_err;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records (line breaks are skipped here).
    StartRecord,
    /// At the start of a field.
    StartField,
    /// In an unquoted field.
    InField,
    /// In a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: the closing one, or the first of a pair.
    AfterQuote,
}

/// A character found after a closing quote.
struct Stray {
    line: usize,
    field: usize,
    /// Its UTF-8 bytes (the later ones arrive with the following bytes).
    bytes: Vec<u8>,
}

/// A pass-through reader that checks CSV as it goes; see the module docs.
pub(super) struct Check<R> {
    inner: R,
    sep: u8,
    /// No byte read yet.
    first: bool,
    state: State,
    /// Line of the next byte (1-based).
    line: usize,
    /// Field of the current record (1-based).
    field: usize,
    /// Line where the current quoted field opened.
    open_line: usize,
    /// First line of every record so far.
    starts: Vec<usize>,
    /// The start of a UTF-8 sequence cut by the end of the last read.
    partial: Vec<u8>,
    /// The first byte that is not UTF-8, and its line.
    bad_byte: Option<(usize, u8)>,
    stray: Option<Stray>,
}

impl<R: Read> Check<R> {
    pub(super) fn new(inner: R, sep: u8) -> Self {
        Self {
            inner,
            sep,
            first: true,
            state: State::StartRecord,
            line: 1,
            field: 1,
            open_line: 1,
            starts: Vec::new(),
            partial: Vec::new(),
            bad_byte: None,
            stray: None,
        }
    }

    /// Once everything has been read: the first line of every record, or the first problem
    /// (invalid UTF-8 first, then quoting, as when the whole file was decoded before parsing).
    pub(super) fn finish(self, path: &Path) -> Result<Vec<usize>> {
        let bad_byte = self
            .bad_byte
            .or_else(|| self.partial.first().map(|&b| (self.line, b)));
        if let Some((line, byte)) = bad_byte {
            return Err(parse_err(
                path,
                line,
                format!("invalid UTF-8 (byte 0x{byte:02x})"),
            ));
        }
        if let Some(s) = self.stray {
            let c = String::from_utf8_lossy(&s.bytes)
                .chars()
                .next()
                .unwrap_or('?');
            return Err(parse_err(
                path,
                s.line,
                format!(
                    "unexpected `{c}` after a closing quote in field {}",
                    s.field
                ),
            ));
        }
        if self.state == State::Quoted {
            return Err(parse_err(
                path,
                self.open_line,
                format!("unterminated quoted field (record {})", self.starts.len()),
            ));
        }
        Ok(self.starts)
    }

    /// Notes the first byte that is not UTF-8; `line` is the line of the chunk's first byte.
    fn check_utf8(&mut self, mut chunk: &[u8]) {
        if self.bad_byte.is_some() {
            return;
        }
        // Complete a sequence cut by the previous read (its bytes are not line breaks).
        while !self.partial.is_empty()
            && let Some((&b, rest)) = chunk.split_first()
        {
            self.partial.push(b);
            chunk = rest;
            match std::str::from_utf8(&self.partial) {
                Ok(_) => self.partial.clear(),
                Err(e) if e.error_len().is_none() => {}
                Err(_) => {
                    self.bad_byte = Some((self.line, self.partial[0]));
                    return;
                }
            }
        }
        if let Err(e) = std::str::from_utf8(chunk) {
            let at = e.valid_up_to();
            if e.error_len().is_none() {
                self.partial = chunk[at..].to_vec();
            } else {
                let line = self.line + chunk[..at].iter().filter(|&&b| b == b'\n').count();
                self.bad_byte = Some((line, chunk[at]));
            }
        }
    }

    /// The state after the separator or a line break, if `b` is one.
    fn boundary(&mut self, b: u8) -> Option<State> {
        if b == self.sep {
            self.field += 1;
            Some(State::StartField)
        } else if b == b'\r' || b == b'\n' {
            Some(State::StartRecord)
        } else {
            None
        }
    }

    fn start_field(&mut self, b: u8) -> State {
        if b == b'"' {
            self.open_line = self.line;
            State::Quoted
        } else {
            self.boundary(b).unwrap_or(State::InField)
        }
    }

    fn scan(&mut self, chunk: &[u8]) {
        for &b in chunk {
            if let Some(s) = &mut self.stray
                && s.bytes.len() < utf8_width(s.bytes[0])
            {
                s.bytes.push(b);
            }
            self.state = match self.state {
                State::StartRecord if b == b'\r' || b == b'\n' => State::StartRecord,
                State::StartRecord => {
                    self.starts.push(self.line);
                    self.field = 1;
                    self.start_field(b)
                }
                State::StartField => self.start_field(b),
                State::InField => self.boundary(b).unwrap_or(State::InField),
                State::Quoted if b == b'"' => State::AfterQuote,
                State::Quoted => State::Quoted,
                State::AfterQuote if b == b'"' => State::Quoted,
                State::AfterQuote => self.boundary(b).unwrap_or_else(|| {
                    if self.stray.is_none() {
                        self.stray = Some(Stray {
                            line: self.line,
                            field: self.field,
                            bytes: vec![b],
                        });
                    }
                    State::InField
                }),
            };
            if b == b'\n' {
                self.line += 1;
            }
        }
    }
}

/// Length of the UTF-8 sequence that `lead` starts (1 for a byte that starts none).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

impl<R: Read> Read for Check<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.check_utf8(&buf[..n]);
        let mut chunk = &buf[..n];
        if std::mem::take(&mut self.first) {
            // What `csv_core::Reader::strip_utf8_bom` does.
            chunk = chunk.strip_prefix(b"\xef\xbb\xbf").unwrap_or(chunk);
        }
        self.scan(chunk);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::csv::tests::Trickle;

    type Starts = std::result::Result<Vec<usize>, String>;

    fn check(bytes: &[u8], step: usize) -> Starts {
        let mut c = Check::new(Trickle(bytes, step), b',');
        io::copy(&mut c, &mut io::sink()).unwrap();
        c.finish(Path::new("t.csv")).map_err(|e| e.to_string())
    }

    #[test]
    fn the_same_whatever_the_reads() {
        let cases: &[(&[u8], Starts)] = &[
            (
                "a,b\r\n\r\n\"é\r\n\"\"x\",\u{2019}\n\n3,4".as_bytes(),
                Ok(vec![1, 3, 6]),
            ),
            (
                b"a\n\xc3\xa9\n\xe2\x80",
                Err("t.csv:3: invalid UTF-8 (byte 0xe2)".into()),
            ),
            (
                b"a\n\n\xc3(\n",
                Err("t.csv:3: invalid UTF-8 (byte 0xc3)".into()),
            ),
            (
                "a,b\n1,\"x\"\u{2019}\n".as_bytes(),
                Err("t.csv:2: unexpected `\u{2019}` after a closing quote in field 2".into()),
            ),
            (
                b"a\n\"x\ny\"z\n\"open",
                Err("t.csv:3: unexpected `z` after a closing quote in field 1".into()),
            ),
            (
                b"a\n\"x\"\n\"open\n\n",
                Err("t.csv:3: unterminated quoted field (record 3)".into()),
            ),
        ];
        for (bytes, want) in cases {
            for step in [1, 2, 3, 1 << 16] {
                assert_eq!(&check(bytes, step), want, "{bytes:?} read {step} at a time");
            }
        }
    }
}
