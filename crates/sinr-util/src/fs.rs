//! Writing files so that a reader never sees half of one.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file could not be written; `path` is the file the caller asked for.
#[derive(Debug)]
pub struct WriteError {
    /// The file that was being written.
    pub path: PathBuf,
    /// What went wrong.
    pub source: std::io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write {}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Writes `write` into a temporary file with a unique name in the directory of `path`, flushes
/// it to disk (`fsync`), then renames it over `path`: a reader sees the old file or the new one,
/// never a part, even if the process is killed or the machine stops. On error nothing is left
/// behind (the temporary file is removed) and `path` is untouched. The directory is created if
/// needed.
///
/// # Errors
/// If the directory, the temporary file, the writing or the rename fails; the error names
/// `path`.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let err = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let tmp = temp_file_in(dir, ".sinr-tmp-").map_err(err)?;
    {
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
        write(&mut w).map_err(err)?;
        w.flush().map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// A temporary file with a unique name in `dir`, to be renamed over an output: created as an
/// ordinary file is (read-write for all, less the process's umask; on Unix), not with the
/// owner-only mode of a temporary file, so the output's mode is the one the user expects.
///
/// # Errors
/// If the file cannot be created.
pub fn temp_file_in(dir: &Path, prefix: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    b.tempfile_in(dir)
}

/// [`write_atomically`] of a whole buffer.
///
/// # Errors
/// As [`write_atomically`].
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomically(path, |w| w.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_whole_and_leaves_nothing_on_error() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub").join("f.txt");
        write_file_atomically(&p, b"one").unwrap();
        write_file_atomically(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let e = write_atomically(&p, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(e.to_string().contains("f.txt") && e.to_string().contains("disk full"));
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(names(&d.path().join("sub")), ["f.txt"]);
    }

    /// An output gets the mode of an ordinary new file (0666 less the umask), not a temporary
    /// file's 0600: compared with a file the test creates the ordinary way.
    #[cfg(unix)]
    #[test]
    fn outputs_follow_the_umask() {
        use std::os::unix::fs::PermissionsExt as _;
        let d = tempfile::tempdir().unwrap();
        let ordinary = d.path().join("ordinary");
        std::fs::write(&ordinary, b"x").unwrap();
        let p = d.path().join("out");
        write_file_atomically(&p, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), mode(&ordinary));
    }
}
