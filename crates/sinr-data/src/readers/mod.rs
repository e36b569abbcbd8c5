//! Readers for every file format of the data sets, returning plain structs. Each reports a
//! malformed record with its file, line and field.

mod conll;
mod corpora;
mod csv;
mod escapes;
mod graph;
mod lexicon;
mod names;
mod pairs;
mod tasks;
mod tsv;

pub use conll::{TaggedSentence, read_conll};
pub use corpora::{CorpusSource, EnMix, EnMixOptions, build_en_mix, corpus_lines};
pub use csv::{CsvTable, parse_csv, read_csv};
pub use escapes::unescape_python_literal;
pub use graph::{GraphFile, read_edge_list, read_matrix_market};
pub use lexicon::{LexiconEntry, read_vader};
pub use names::{read_census_surnames, read_first_names, read_geonames};
pub use pairs::{WordPair, read_pairs};
pub use tasks::{
    LabeledText, read_germeval, read_insults, read_labeled_csv, read_labeled_tsv,
    read_labeled_tsv_with_header, read_movie_reviews,
};
pub use tsv::read_tsv;

use std::path::Path;

use crate::error::{Error, Result};

/// Reads a whole file as UTF-8; a bad byte is reported with its line.
pub(crate) fn read_utf8(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        Error::Parse {
            path: path.to_path_buf(),
            line: bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1,
            message: format!("invalid UTF-8 (byte 0x{:02x})", bytes[at]),
        }
    })
}

pub(crate) fn parse_err(path: &Path, line: usize, message: impl Into<String>) -> Error {
    Error::Parse {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}
