//! Finding and extracting members of the archives the registries deliver: wheels and zips,
//! `.tar.gz` sdists and npm tarballs, and Debian packages unpacked into a directory.
//!
//! A member is a plain path, `outer.zip!inner/path` (a zip inside the archive), or a glob with
//! `*`, `?` and `[a-z]` classes in any component; a glob's members are written under a
//! directory, at their path relative to the glob's literal prefix.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::manifest::is_glob;

/// Matches one path component against a glob component (`*`, `?`, `[...]`, `[!...]`).
pub fn glob_component(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('*') => (0..=t.len()).any(|k| go(&p[1..], &t[k..])),
            Some('?') => !t.is_empty() && go(&p[1..], &t[1..]),
            Some('[') => {
                let Some(end) = p.iter().skip(1).position(|&c| c == ']').map(|e| e + 1) else {
                    return t.first() == Some(&'[') && go(&p[1..], &t[1..]);
                };
                let Some(&c) = t.first() else { return false };
                let mut class = &p[1..end];
                let negate = class.first() == Some(&'!');
                if negate {
                    class = &class[1..];
                }
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == '-' {
                        hit |= class[i] <= c && c <= class[i + 2];
                        i += 3;
                    } else {
                        hit |= class[i] == c;
                        i += 1;
                    }
                }
                hit != negate && go(&p[end + 1..], &t[1..])
            }
            Some(&x) => t.first() == Some(&x) && go(&p[1..], &t[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

/// Whether a `/`-separated path matches a glob, component by component (`*` never crosses `/`).
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let t: Vec<&str> = path.split('/').collect();
    p.len() == t.len() && p.iter().zip(&t).all(|(a, b)| glob_component(a, b))
}

/// The path of a glob match relative to the glob's leading literal components.
pub fn relative_to_glob(pattern: &str, path: &str) -> String {
    let literal = pattern.split('/').take_while(|c| !is_glob(c)).count();
    path.split('/').skip(literal).collect::<Vec<_>>().join("/")
}

/// A delivered package.
#[derive(Debug, Clone)]
pub enum Archive {
    /// A zip file (wheels).
    Zip(PathBuf),
    /// A gzip-compressed tar file (sdists, npm tarballs).
    TarGz(PathBuf),
    /// An unpacked tree (Debian packages after `dpkg-deb -x`, or a plain downloaded file).
    Dir(PathBuf),
}

/// Where one wanted member goes.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// The member path or glob.
    pub member: String,
    /// The file to write (plain member) or the directory to fill (glob).
    pub dest: PathBuf,
}

fn write_member(dest: &Path, mut reader: impl Read) -> Result<()> {
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut out = File::create(dest).map_err(|e| Error::io(dest, e))?;
    std::io::copy(&mut reader, &mut out).map_err(|e| Error::io(dest, e))?;
    out.flush().map_err(|e| Error::io(dest, e))?;
    Ok(())
}

/// Where a member `path` goes if it matches `w` (plain or glob, outer part of `a!b`).
fn destination(w: &Wanted, path: &str) -> Option<PathBuf> {
    // A hostile archive cannot write outside the destination: `..`, `.`, empty and absolute
    // components never match.
    if path.starts_with('/')
        || path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return None;
    }
    let outer = w.member.split('!').next().expect("split yields one part");
    if is_glob(outer) {
        glob_match(outer, path).then(|| w.dest.join(relative_to_glob(outer, path)))
    } else {
        (outer == path).then(|| w.dest.clone())
    }
}

impl Archive {
    /// Recognises an archive by its file name.
    pub fn open(path: &Path) -> Result<Archive> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if path.is_dir() {
            Ok(Archive::Dir(path.to_path_buf()))
        } else if name.ends_with(".whl") || name.ends_with(".zip") {
            Ok(Archive::Zip(path.to_path_buf()))
        } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Ok(Archive::TarGz(path.to_path_buf()))
        } else {
            Err(Error::Archive {
                path: path.to_path_buf(),
                reason: "unknown archive type (expected .whl, .zip, .tar.gz, .tgz or a directory)"
                    .into(),
            })
        }
    }

    /// Extracts every wanted member in one pass over the archive. Returns, for each wanted
    /// entry, the number of archive members written. Inner zips (`a.zip!b`) are resolved after.
    pub fn extract(&self, wanted: &[Wanted], scratch: &Path) -> Result<Vec<usize>> {
        // Outer members of `a!b` are first extracted into scratch.
        let outer_targets: Vec<Wanted> = wanted
            .iter()
            .enumerate()
            .map(|(i, w)| match w.member.split_once('!') {
                Some((outer, _)) => Wanted {
                    member: outer.to_owned(),
                    dest: scratch.join(format!("inner-{i}.zip")),
                },
                None => w.clone(),
            })
            .collect();
        let mut counts = vec![0usize; wanted.len()];
        match self {
            Archive::Zip(path) => {
                let f = File::open(path).map_err(|e| Error::io(path, e))?;
                let mut zip = zip::ZipArchive::new(f).map_err(|e| Error::Archive {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                for i in 0..zip.len() {
                    let entry = zip.by_index(i).map_err(|e| Error::Archive {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                    if !entry.is_file() {
                        continue;
                    }
                    let name = entry
                        .name()
                        .map_err(|e| Error::Archive {
                            path: path.clone(),
                            reason: e.to_string(),
                        })?
                        .into_owned();
                    if let Some((k, dest)) = outer_targets
                        .iter()
                        .enumerate()
                        .find_map(|(k, w)| destination(w, &name).map(|d| (k, d)))
                    {
                        write_member(&dest, entry)?;
                        counts[k] += 1;
                    }
                }
            }
            Archive::TarGz(path) => {
                let f = File::open(path).map_err(|e| Error::io(path, e))?;
                let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(f));
                let entries = tar.entries().map_err(|e| Error::Archive {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                for entry in entries {
                    let entry = entry.map_err(|e| Error::Archive {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                    if !entry.header().entry_type().is_file() {
                        continue;
                    }
                    let name = entry
                        .path()
                        .map_err(|e| Error::Archive {
                            path: path.clone(),
                            reason: e.to_string(),
                        })?
                        .to_string_lossy()
                        .into_owned();
                    if let Some((k, dest)) = outer_targets
                        .iter()
                        .enumerate()
                        .find_map(|(k, w)| destination(w, &name).map(|d| (k, d)))
                    {
                        write_member(&dest, entry)?;
                        counts[k] += 1;
                    }
                }
            }
            Archive::Dir(root) => {
                for name in crate::hash::list_tree(root)? {
                    if let Some((k, dest)) = outer_targets
                        .iter()
                        .enumerate()
                        .find_map(|(k, w)| destination(w, &name).map(|d| (k, d)))
                    {
                        let src = root.join(&name);
                        let f = File::open(&src).map_err(|e| Error::io(&src, e))?;
                        write_member(&dest, f)?;
                        counts[k] += 1;
                    }
                }
            }
        }
        for (k, w) in wanted.iter().enumerate() {
            let Some((_, inner)) = w.member.split_once('!') else {
                continue;
            };
            if counts[k] == 0 {
                continue;
            }
            let zpath = &outer_targets[k].dest;
            let inner_counts = Archive::Zip(zpath.clone()).extract(
                &[Wanted {
                    member: inner.to_owned(),
                    dest: w.dest.clone(),
                }],
                scratch,
            )?;
            counts[k] = inner_counts[0];
            std::fs::remove_file(zpath).map_err(|e| Error::io(zpath, e))?;
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_components() {
        assert!(glob_component("c[a-r][0-9][0-9]", "ca01"));
        assert!(!glob_component("c[a-r][0-9][0-9]", "cs01"));
        assert!(!glob_component("c[a-r][0-9][0-9]", "ca01.txt"));
        assert!(glob_component("doc-*.json", "doc-17.json"));
        assert!(glob_component("data.*", "data.noun"));
        assert!(glob_component("?x", "ax"));
        assert!(glob_component("[!a]x", "bx") && !glob_component("[!a]x", "ax"));
        assert!(glob_match("a/*/*.txt", "a/b/c.txt"));
        assert!(!glob_match("a/*.txt", "a/b/c.txt"));
        assert_eq!(
            relative_to_glob("p/data/*/*.txt", "p/data/tech/001.txt"),
            "tech/001.txt"
        );
    }

    #[test]
    fn a_hostile_archive_cannot_write_outside_the_destination() {
        let d = tempfile::tempdir().unwrap();
        let whl = d.path().join("evil.whl");
        {
            let mut z = zip::ZipWriter::new(File::create(&whl).unwrap());
            let o = zip::write::SimpleFileOptions::default();
            for name in [
                "pkg/data/../../../escaped.txt",
                "pkg/data/./dot.txt",
                "/pkg/data/absolute.txt",
                "pkg/data//empty.txt",
                "pkg/data/good.txt",
            ] {
                z.start_file(name, o).unwrap();
                z.write_all(b"x").unwrap();
            }
            z.finish().unwrap();
        }
        let out = d.path().join("cache").join("out");
        let wanted = vec![Wanted {
            member: "pkg/data/*".into(),
            dest: out.clone(),
        }];
        let counts = Archive::open(&whl)
            .unwrap()
            .extract(&wanted, d.path())
            .unwrap();
        assert_eq!(counts, vec![1], "only the honest member is extracted");
        assert!(out.join("good.txt").is_file());
        assert!(!d.path().join("escaped.txt").exists());
        assert!(!d.path().join("cache/escaped.txt").exists());
        // Nothing but the honest file anywhere under the temporary directory's cache.
        let mut found = Vec::new();
        for e in walk(&d.path().join("cache")) {
            found.push(e.strip_prefix(d.path()).unwrap().to_path_buf());
        }
        assert_eq!(found, vec![PathBuf::from("cache/out/good.txt")]);
    }

    fn walk(p: &Path) -> Vec<PathBuf> {
        walkdir::WalkDir::new(p)
            .into_iter()
            .flatten()
            .filter(|e| !e.file_type().is_dir())
            .map(walkdir::DirEntry::into_path)
            .collect()
    }

    #[test]
    fn extracts_from_zip_tar_dir_and_inner_zip() {
        let d = tempfile::tempdir().unwrap();
        // An inner zip holding one member.
        let inner = d.path().join("inner.zip");
        {
            let mut z = zip::ZipWriter::new(File::create(&inner).unwrap());
            z.start_file("in/deep.csv", zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(b"a,b\n").unwrap();
            z.finish().unwrap();
        }
        let whl = d.path().join("pkg.whl");
        {
            let mut z = zip::ZipWriter::new(File::create(&whl).unwrap());
            let o = zip::write::SimpleFileOptions::default();
            z.start_file("pkg/data/x/1.txt", o).unwrap();
            z.write_all(b"one").unwrap();
            z.start_file("pkg/data/y/2.txt", o).unwrap();
            z.write_all(b"two").unwrap();
            z.start_file("pkg/plain.txt", o).unwrap();
            z.write_all(b"plain").unwrap();
            z.start_file("pkg/in.zip", o).unwrap();
            z.write_all(&std::fs::read(&inner).unwrap()).unwrap();
            z.finish().unwrap();
        }
        let out = d.path().join("out");
        let wanted = vec![
            Wanted {
                member: "pkg/data/*/*.txt".into(),
                dest: out.join("glob"),
            },
            Wanted {
                member: "pkg/plain.txt".into(),
                dest: out.join("plain.txt"),
            },
            Wanted {
                member: "pkg/in.zip!in/deep.csv".into(),
                dest: out.join("deep.csv"),
            },
            Wanted {
                member: "pkg/missing.txt".into(),
                dest: out.join("missing"),
            },
        ];
        let counts = Archive::open(&whl)
            .unwrap()
            .extract(&wanted, d.path())
            .unwrap();
        assert_eq!(counts, vec![2, 1, 1, 0]);
        assert_eq!(
            std::fs::read_to_string(out.join("glob/y/2.txt")).unwrap(),
            "two"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("deep.csv")).unwrap(),
            "a,b\n"
        );

        // The same through a tar.gz and a directory.
        let tgz = d.path().join("pkg.tgz");
        {
            let enc = flate2::write::GzEncoder::new(
                File::create(&tgz).unwrap(),
                flate2::Compression::fast(),
            );
            let mut t = tar::Builder::new(enc);
            let mut h = tar::Header::new_gnu();
            h.set_size(5);
            h.set_mode(0o644);
            h.set_cksum();
            t.append_data(&mut h, "package/plain.txt", &b"plain"[..])
                .unwrap();
            t.into_inner().unwrap().finish().unwrap();
        }
        let out2 = d.path().join("out2/p.txt");
        let c = Archive::open(&tgz)
            .unwrap()
            .extract(
                &[Wanted {
                    member: "package/plain.txt".into(),
                    dest: out2.clone(),
                }],
                d.path(),
            )
            .unwrap();
        assert_eq!(c, vec![1]);
        assert_eq!(std::fs::read_to_string(&out2).unwrap(), "plain");
        let c = Archive::open(&out.join("glob"))
            .unwrap()
            .extract(
                &[Wanted {
                    member: "*/1.txt".into(),
                    dest: d.path().join("out3"),
                }],
                d.path(),
            )
            .unwrap();
        assert_eq!(c, vec![1]);
    }
}
