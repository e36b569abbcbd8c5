//! Checksums: sha256 of a file, and the tree digest of a directory of members.
//!
//! The tree digest of a glob's members is the sha256 of the text made of one line
//! `{relative name}\t{sha256 of the member}\n` per member, sorted by relative name (the members'
//! full paths share the same glob-free prefix, so this is also their order in the archive
//! listing sorted by path).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 of a byte slice, lowercase hex.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// sha256 and size of a file.
pub fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex(&h.finalize()), size))
}

/// Every regular file under `dir`, as `/`-separated paths relative to it, sorted.
pub fn list_tree(dir: &Path) -> Result<Vec<String>> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
        for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let e = e.map_err(|e| Error::io(dir, e))?;
            let p = e.path();
            let t = e.file_type().map_err(|e| Error::io(&p, e))?;
            if t.is_dir() {
                walk(base, &p, out)?;
            } else if t.is_file() {
                let rel = p.strip_prefix(base).expect("under base");
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
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
}
