//! The corpus reader and tokenizer, then the whole SINr pipeline on what they keep: any bytes
//! (non-UTF-8, huge lines, no newline) give a model or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sinr_embed::{Corpus, SinrConfig};
use sinr_util::NoProgress;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::input_file(data);
    let mut cfg = SinrConfig::default();
    cfg.tokenizer.min_freq = 1;
    cfg.tokenizer.min_token_len = 1;
    cfg.tokenizer.max_line_bytes = 4096;
    // Lenient and strict non-UTF-8 policies alike, line and sentence units.
    if data.first().is_some_and(|b| b & 1 == 1) {
        cfg.tokenizer.invalid_utf8 = sinr_embed::InvalidUtf8::Fail;
    }
    cfg.tokenizer.pretokenized = data.first().is_some_and(|b| b & 2 == 2);
    let _ = sinr_embed::train(&Corpus::new([path]), &cfg, &NoProgress);
});
