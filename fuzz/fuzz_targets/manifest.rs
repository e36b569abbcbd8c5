//! The data-set manifest (`datasets.toml`): parsing and validation, including the checks that
//! keep package names and member paths from injecting options or leaving the cache.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sinr_data::Manifest::parse(text, std::path::Path::new("datasets.toml"));
    }
});
