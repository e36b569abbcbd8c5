// Shared by the targets: the parsers under test read files, so every input is written to one
// file in a per-process temporary directory first.

use std::path::PathBuf;
use std::sync::OnceLock;

pub fn input_file(data: &[u8]) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("temporary directory"));
    let path = dir.path().join("input");
    std::fs::write(&path, data).expect("write the input");
    path
}
