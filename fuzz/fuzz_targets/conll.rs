//! The CoNLL reader (tokens and IOB tags), with the token in the first column and the tag last.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::input_file(data);
    let _ = sinr_data::readers::read_conll(&path, 0, -1);
});
