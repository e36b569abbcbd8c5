//! Hostile model files: a file whose checksum is right but whose header lies (a 10^12-element
//! matrix, 10^12 communities, absurd levels) is rejected with an error, without allocating what
//! the header claims. Every allocation of the loader is bounded by the size of the file.

use std::path::Path;

use sinr_embed::{Corpus, SinrConfig, SinrModel};
use sinr_util::NoProgress;

/// The loader's checksum (FNV-1a, 64 bits), recomputed here as an attacker would.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn small_model(dir: &Path) -> Vec<u8> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sinr-cli/tests/fixtures/washington-1790-1796.txt");
    let mut cfg = SinrConfig::default();
    cfg.tokenizer.min_freq = 20;
    let m = sinr_embed::train(&Corpus::new([corpus]), &cfg, &NoProgress).unwrap();
    let path = dir.join("m.sinr");
    m.save(&path).unwrap();
    std::fs::read(path).unwrap()
}

/// Splits a model file into (prefix before the header, header JSON, rest of the body).
fn split(bytes: &[u8]) -> (Vec<u8>, serde_json::Value, Vec<u8>) {
    let hlen = u64::from_le_bytes(bytes[12..20].try_into().unwrap()) as usize;
    let header = serde_json::from_slice(&bytes[20..20 + hlen]).unwrap();
    let body_end = bytes.len() - 8;
    assert_eq!(
        fnv1a(&bytes[..body_end]),
        u64::from_le_bytes(bytes[body_end..].try_into().unwrap()),
        "the test's checksum is the loader's"
    );
    (
        bytes[..12].to_vec(),
        header,
        bytes[20 + hlen..body_end].to_vec(),
    )
}

/// Reassembles a file with a (lying) header and a valid checksum.
fn forge(prefix: &[u8], header: &serde_json::Value, rest: &[u8]) -> Vec<u8> {
    let h = serde_json::to_vec(header).unwrap();
    let mut out = prefix.to_vec();
    out.extend_from_slice(&(h.len() as u64).to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(rest);
    let sum = fnv1a(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

#[test]
fn lying_headers_are_errors_not_allocations() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = small_model(dir.path());
    let (prefix, header, rest) = split(&bytes);
    // The untouched forgery loads: the test forges files the loader accepts as intact.
    let path = dir.path().join("forged.sinr");
    std::fs::write(&path, forge(&prefix, &header, &rest)).unwrap();
    SinrModel::load(&path).expect("an honest re-assembly loads");

    let huge = 1_000_000_000_000u64;
    type Lie = Box<dyn Fn(&mut serde_json::Value)>;
    let lies: Vec<(&str, Lie)> = vec![
        ("n_rows", Box::new(move |h| h["n_rows"] = huge.into())),
        ("n_cols", Box::new(move |h| h["n_cols"] = huge.into())),
        ("nnz", Box::new(move |h| h["nnz"] = huge.into())),
        ("nnz overflow", Box::new(|h| h["nnz"] = u64::MAX.into())),
        (
            "n_communities",
            Box::new(move |h| h["levels"][0]["n_communities"] = huge.into()),
        ),
        ("level", Box::new(|h| h["level"] = 7.into())),
        (
            "levels",
            Box::new(|h| {
                let one = h["levels"][0].clone();
                h["levels"] = serde_json::Value::Array(vec![one; 100_000]);
            }),
        ),
    ];
    for (what, lie) in lies {
        let mut h = header.clone();
        lie(&mut h);
        std::fs::write(&path, forge(&prefix, &h, &rest)).unwrap();
        let err = SinrModel::load(&path).expect_err(what);
        let msg = err.to_string();
        assert!(
            msg.contains("forged.sinr"),
            "{what}: the error names the file: {msg}"
        );
    }
}

/// Inputs the fuzzers found (`cargo xtask fuzz`), kept as regression tests: each once crashed
/// the loader, each must now be a clean error naming the file.
#[test]
fn fuzz_findings_are_clean_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let err = SinrModel::load(&path).expect_err("a fuzz finding is not a model");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(err.to_string().contains(&name), "{err}");
        n += 1;
    }
    assert!(n >= 1);
}
