//! Checksums: sha256 of a file, and the tree digest of a directory of members.
//!
//! The tree digest of a glob's members is the sha256 of the text made of one line
//! `{relative name}\t{sha256 of the member}\n` per member, sorted by relative name (the members'
//! full paths share the same glob-free prefix, so this is also their order in the archive
//! listing sorted by path).

use std::fs::File;
use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};
use walkdir::WalkDir;

use crate::error::{Error, Result};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 of a byte slice, lowercase hex.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A hasher that bytes can be copied into. `sha2` 0.11 (digest 0.11) dropped its own
/// `std::io::Write` impl (the `digest-io` crate has it now); this is the one method we need.
struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// sha256 and size of a file.
pub fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = HashWriter(Sha256::new());
    let size = std::io::copy(&mut f, &mut h).map_err(|e| Error::io(path, e))?;
    Ok((hex(&h.0.finalize()), size))
}

/// Every regular file under `dir`, as `/`-separated paths relative to it, sorted (as whole
/// strings, not directory by directory). Symbolic links below `dir` are neither members nor
/// followed; `dir` itself may be one.
pub fn list_tree(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for e in WalkDir::new(dir) {
        let e = e.map_err(|e| {
            let at = e.path().unwrap_or(dir).to_path_buf();
            Error::io(at, e.into())
        })?;
        if e.depth() == 0 {
            // The root (followed if a symlink): a file is not a tree, though walkdir would
            // yield it as its only entry.
            if !dir.is_dir() {
                return Err(Error::io(dir, std::io::ErrorKind::NotADirectory.into()));
            }
        } else if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).expect("under base");
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    out.sort();
    Ok(out)
}

/// Tree digest, total size and member count of a directory.
pub fn sha256_tree(dir: &Path) -> Result<(String, u64, u64)> {
    let mut listing = String::new();
    let mut size = 0;
    let members = list_tree(dir)?;
    for rel in &members {
        let (h, s) = sha256_file(&dir.join(rel))?;
        size += s;
        listing.push_str(rel);
        listing.push('\t');
        listing.push_str(&h);
        listing.push('\n');
    }
    Ok((sha256_bytes(listing.as_bytes()), size, members.len() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest() {
        // sha256("abc") from FIPS 180-2.
        assert_eq!(
            sha256_bytes(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn tree_digest_is_the_listing_digest() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("b")).unwrap();
        std::fs::write(d.path().join("b/x.txt"), "x").unwrap();
        std::fs::write(d.path().join("a.txt"), "abc").unwrap();
        let (h, size, n) = sha256_tree(d.path()).unwrap();
        let listing = format!(
            "a.txt\t{}\nb/x.txt\t{}\n",
            sha256_bytes(b"abc"),
            sha256_bytes(b"x")
        );
        assert_eq!(h, sha256_bytes(listing.as_bytes()));
        assert_eq!((size, n), (4, 2));
    }

    /// A small tree whose digest was computed with the hand-written directory walk this crate
    /// used before `walkdir` (commit 33d2875): names that sort differently per directory and as
    /// whole paths (`a-b.txt` < `a.txt` < `a/…`), an empty file, a non-ASCII name, a deep file and
    /// an empty directory (not a member). The digests in `datasets.toml` depend on this order.
    fn pinned_tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let w = |rel: &str, text: &str| {
            let p = d.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("a.txt", "abc");
        w("a-b.txt", "dash\n");
        w("a/b.txt", "");
        w("a/c/deep.csv", "x,y\r\n1,2\r\n");
        w("B.txt", "upper");
        w("\u{e9}t\u{e9}.txt", "caf\u{e9}");
        w("z/a.txt", "z");
        std::fs::create_dir_all(d.path().join("empty/dir")).unwrap();
        d
    }

    #[test]
    fn tree_digest_is_pinned() {
        let d = pinned_tree();
        assert_eq!(
            list_tree(d.path()).unwrap(),
            [
                "B.txt",
                "a-b.txt",
                "a.txt",
                "a/b.txt",
                "a/c/deep.csv",
                "z/a.txt",
                "\u{e9}t\u{e9}.txt"
            ]
        );
        let (h, size, n) = sha256_tree(d.path()).unwrap();
        assert_eq!(
            h,
            "fa680b197a609d45faea4e0dea4ecbc7944eea24c6fe51df2450eb84bf03093c"
        );
        assert_eq!((size, n), (3 + 5 + 10 + 5 + 5 + 1, 7));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_not_members() {
        let d = pinned_tree();
        let before = sha256_tree(d.path()).unwrap();
        std::os::unix::fs::symlink(d.path().join("a.txt"), d.path().join("link.txt")).unwrap();
        std::os::unix::fs::symlink(d.path().join("a"), d.path().join("linkdir")).unwrap();
        assert_eq!(sha256_tree(d.path()).unwrap(), before);
        // A tree reached through a symlink to its root is still read.
        let outer = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(d.path(), outer.path().join("root")).unwrap();
        assert_eq!(sha256_tree(&outer.path().join("root")).unwrap(), before);
    }

    #[test]
    fn a_file_or_a_missing_directory_is_an_error_naming_it() {
        let d = pinned_tree();
        let file = d.path().join("a.txt");
        let e = list_tree(&file).unwrap_err().to_string();
        assert!(e.starts_with(&file.display().to_string()), "{e}");
        let missing = d.path().join("absent");
        let e = sha256_tree(&missing).unwrap_err().to_string();
        assert!(e.starts_with(&missing.display().to_string()), "{e}");
        let e = sha256_file(&missing).unwrap_err().to_string();
        assert!(e.starts_with(&missing.display().to_string()), "{e}");
    }

    #[test]
    fn file_digest_spans_many_reads() {
        let d = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = (0..200_003u32).map(|i| (i * 7 % 251) as u8).collect();
        let p = d.path().join("big.bin");
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            (sha256_bytes(&bytes), bytes.len() as u64)
        );
    }
}
