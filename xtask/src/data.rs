//! `cargo xtask data list | fetch [NAME…] | verify [NAME…]`: the data sets of `datasets.toml`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use sinr_data::{Cache, Clients, FileState, FileStatus, Manifest};

use crate::util::root;

#[derive(Debug, clap::Subcommand)]
pub enum DataCommand {
    /// Every data set: task, files, size, sources, and whether it is in the cache.
    List,
    /// Fetch data sets (all by default) with the registries' clients, verify and cache them.
    Fetch {
        /// Data set names (default: all).
        names: Vec<String>,
    },
    /// Check cached files against their checksums without fetching: non-zero if any is damaged,
    /// or if a data set named here is not fetched (without names, a set never fetched is listed
    /// as such, not an error).
    Verify {
        /// Data set names (default: all).
        names: Vec<String>,
    },
}

/// Common options.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: DataCommand,
    /// The manifest.
    #[arg(long, global = true)]
    manifest: Option<PathBuf>,
    /// The cache directory (default: SINR_DATA_DIR, else ~/.cache/sinr).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
}

pub fn load(manifest: Option<&PathBuf>) -> Result<Manifest> {
    let path = manifest
        .cloned()
        .unwrap_or_else(|| root().join("datasets.toml"));
    Manifest::load(&path).context("cannot load the data manifest")
}

fn selected<'a>(m: &'a Manifest, names: &[String]) -> Result<Vec<&'a sinr_data::Dataset>> {
    if names.is_empty() {
        return Ok(m.datasets.iter().collect());
    }
    names.iter().map(|n| Ok(m.dataset(n)?)).collect()
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

pub fn run(args: &Args) -> Result<()> {
    let m = load(args.manifest.as_ref())?;
    let cache = Cache::new(args.data_dir.clone().unwrap_or_else(Cache::default_root));
    match &args.command {
        DataCommand::List => {
            println!("cache: {}\n", cache.root().display());
            println!(
                "{:<14} {:<11} {:<4} {:>11}  {:<8} sources",
                "dataset", "task", "lang", "size", "cached"
            );
            for d in &m.datasets {
                let size: u64 = d.files.iter().map(|f| f.size).sum();
                let states: Vec<FileState> = d
                    .files
                    .iter()
                    .map(|f| cache.state(d, f))
                    .collect::<sinr_data::Result<_>>()?;
                let cached = if states.iter().all(|s| *s == FileState::Intact) {
                    "yes"
                } else if states.iter().all(|s| *s == FileState::Missing) {
                    "no"
                } else {
                    "partly"
                };
                let sources: Vec<String> =
                    d.sources.iter().map(|s| s.route().to_string()).collect();
                println!(
                    "{:<14} {:<11} {:<4} {:>11}  {:<8} {}",
                    d.name,
                    d.task.as_str(),
                    d.language,
                    human(size),
                    cached,
                    sources.join("; ")
                );
            }
            Ok(())
        }
        DataCommand::Fetch { names } => {
            let clients = Clients::default();
            let (mut fetched, mut cached, mut failed) = (0, 0, Vec::new());
            for d in selected(&m, names)? {
                let t = Instant::now();
                eprintln!("[{}] {}", d.name, d.description);
                match cache.ensure(d, &clients, &|msg| eprintln!("  {msg}")) {
                    Ok(report) => {
                        for (file, status) in &report.files {
                            match status {
                                FileStatus::Cached => {
                                    cached += 1;
                                    eprintln!("  {file}: cached, intact");
                                }
                                FileStatus::Fetched { source, repaired } => {
                                    fetched += 1;
                                    eprintln!(
                                        "  {file}: {} from {source}",
                                        if *repaired { "repaired" } else { "fetched" }
                                    );
                                }
                            }
                        }
                        eprintln!("  done in {:.1} s", t.elapsed().as_secs_f64());
                    }
                    Err(e) => {
                        eprintln!("  FAILED: {e}");
                        failed.push(d.name.clone());
                    }
                }
            }
            eprintln!(
                "\n{fetched} file(s) fetched, {cached} already cached, {} data set(s) failed{}",
                failed.len(),
                if failed.is_empty() {
                    String::new()
                } else {
                    format!(": {}", failed.join(", "))
                }
            );
            eprintln!("cache: {}", cache.root().display());
            if !failed.is_empty() {
                bail!("{} data set(s) could not be fetched", failed.len());
            }
            Ok(())
        }
        DataCommand::Verify { names } => verify(&m, &cache, names),
    }
}

/// `data verify`: every file of the named data sets (all by default) against its checksum.
/// A damaged file is always an error; a missing one only when its data set was asked for by name
/// (`verify` alone checks what the cache holds: a set never fetched, such as an optional one, is
/// "not fetched", not broken).
fn verify(m: &Manifest, cache: &Cache, names: &[String]) -> Result<()> {
    let (mut damaged, mut missing, mut absent_sets) = (0, 0, Vec::new());
    for d in selected(m, names)? {
        let mut absent = 0;
        for f in &d.files {
            let state = cache.state(d, f)?;
            let what = match &state {
                FileState::Intact => "ok".to_owned(),
                FileState::Missing => {
                    absent += 1;
                    "not fetched".to_owned()
                }
                FileState::Damaged { got } => {
                    damaged += 1;
                    format!("DAMAGED (sha256 {got}, expected {})", f.sha256)
                }
            };
            println!("{}/{}: {what}", d.name, f.name);
        }
        if absent > 0 {
            missing += absent;
            absent_sets.push(d.name.clone());
        }
    }
    if !absent_sets.is_empty() {
        println!(
            "not fetched: {} (`cargo xtask data fetch {}` fetches them)",
            absent_sets.join(", "),
            absent_sets.join(" ")
        );
    }
    if damaged > 0 {
        bail!("{damaged} file(s) damaged; `cargo xtask data fetch` repairs them");
    }
    if missing > 0 && !names.is_empty() {
        bail!("{missing} file(s) of the data sets asked for are not fetched");
    }
    println!("every fetched file intact ({})", cache.root().display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_fails_on_damage_and_on_named_sets_not_fetched_only() {
        let dir = tempfile::tempdir().unwrap();
        let content = b"old 1.0\n";
        let sha = sinr_data::sha256_bytes(content);
        let set = |name: &str| {
            format!(
                "[[dataset]]\nname = \"{name}\"\ntask = \"similarity\"\nlanguage = \"en\"\ndescription = \"d\"\nlicense = \"l\"\ncitation = \"c\"\n[[dataset.source]]\npypi = \"x==1\"\n[[dataset.file]]\nname = \"pairs\"\nmember = \"x-1/pairs.txt\"\nsha256 = \"{sha}\"\nsize = {}\n",
                content.len()
            )
        };
        let text = format!("version = 1\n{}{}", set("fetched"), set("optional"));
        let m = Manifest::parse(&text, std::path::Path::new("datasets.toml")).unwrap();
        let cache = Cache::new(dir.path());
        let d = m.dataset("fetched").unwrap();
        let path = cache.path_of(d, &d.files[0]);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        // A set never fetched is listed, not an error, unless it is named.
        verify(&m, &cache, &[]).unwrap();
        verify(&m, &cache, &["fetched".into()]).unwrap();
        let e = verify(&m, &cache, &["optional".into()]).unwrap_err();
        assert!(e.to_string().contains("not fetched"), "{e}");
        // A damaged file is an error either way.
        std::fs::write(&path, b"old 2.0\n").unwrap();
        let e = verify(&m, &cache, &[]).unwrap_err();
        assert!(e.to_string().contains("damaged"), "{e}");
    }
}
