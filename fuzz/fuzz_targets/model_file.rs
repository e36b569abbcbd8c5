//! The SINr model file: any bytes, including headers that claim huge matrices, give a model or
//! an error, never a panic or an allocation larger than the file. Half of the inputs get a valid
//! checksum appended (as a forger would), so that mutations reach the parser behind it.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

/// The model file's checksum (FNV-1a, 64 bits).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let bytes = if mode & 1 == 1 {
        let mut b = body.to_vec();
        b.extend_from_slice(&fnv1a(body).to_le_bytes());
        b
    } else {
        body.to_vec()
    };
    let path = common::input_file(&bytes);
    if let Ok(m) = sinr_embed::SinrModel::load(&path) {
        // What a loaded model is used for must not panic either.
        let _ = m.at_level(m.level);
        if let Some(w) = m.vocab.words().first() {
            let _ = m.similarity_index().most_similar(w, 3);
        }
    }
});
