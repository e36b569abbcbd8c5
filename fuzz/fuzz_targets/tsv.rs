//! The TSV reader, the similarity-pairs reader and the VADER lexicon reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::input_file(data);
    let _ = sinr_data::readers::read_tsv(&path, 2);
    let _ = sinr_data::readers::read_pairs(&path);
    let _ = sinr_data::readers::read_vader(&path);
});
