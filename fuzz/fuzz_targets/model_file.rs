//! The SINr model file: any bytes, including headers that claim huge matrices, give a model or
//! an error, never a panic or an allocation larger than the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let path = common::input_file(data);
    if let Ok(m) = sinr_embed::SinrModel::load(&path) {
        // What a loaded model is used for must not panic either.
        let _ = m.at_level(m.level);
        if let Some(w) = m.vocab.words().first() {
            let _ = m.similarity_index().most_similar(w, 3);
        }
    }
});
