//! The SINr configuration file (`sinr embed train --config FILE.toml`): strict parsing and
//! validation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cfg) = toml::from_str::<sinr_embed::SinrConfig>(text) {
            let _ = cfg.validate();
        }
    }
});
