//! The RFC 4180 CSV reader (quotes, CRLF, embedded newlines, BOM), and the labelled-CSV reader
//! a user's own data set goes through.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::input_file(data);
    let _ = sinr_data::readers::read_csv(&path, ',');
    let _ = sinr_data::readers::read_csv(&path, ';');
    let _ = sinr_data::tasks::load_user_file(&path, "text", "label");
});
