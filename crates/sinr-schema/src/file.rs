//! Reading and writing documents: JSON, versioned, written atomically.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// A file format: a serde type with a name and a version.
pub trait Document: Serialize + DeserializeOwned {
    /// What the file holds, for messages (`evaluation report`).
    const KIND: &'static str;
    /// The format version this build writes and reads.
    const VERSION: u32;
    /// The version a parsed document says it has.
    fn version(&self) -> u32;
}

/// Only the version of a document (every other field ignored).
#[derive(serde::Deserialize)]
struct VersionOnly {
    version: u32,
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The format version of the document at `path` (to tell a stale cache from a broken file).
///
/// # Errors
/// If the file cannot be read or has no numeric `version` field.
pub fn read_version<T: Document>(path: &Path) -> Result<u32> {
    let v: VersionOnly =
        serde_json::from_str(&read_text(path)?).map_err(|source| Error::Parse {
            path: path.to_path_buf(),
            kind: T::KIND,
            source,
        })?;
    Ok(v.version)
}

/// Reads the document at `path`.
///
/// # Errors
/// If the file cannot be read, is of another format version, or does not parse (a missing or
/// unknown field, a wrong type): the error names the file, and serde's message the field.
pub fn read<T: Document>(path: &Path) -> Result<T> {
    let found = read_version::<T>(path)?;
    if found != T::VERSION {
        return Err(Error::Version {
            path: path.to_path_buf(),
            kind: T::KIND,
            found,
            expected: T::VERSION,
        });
    }
    serde_json::from_str(&read_text(path)?).map_err(|source| Error::Parse {
        path: path.to_path_buf(),
        kind: T::KIND,
        source,
    })
}

/// Writes `doc` to `path` as pretty JSON, atomically (a reader sees the old file or the new
/// one).
///
/// # Errors
/// If the file cannot be written.
pub fn write<T: Document>(path: &Path, doc: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(doc).expect("documents serialise");
    sinr_util::write_file_atomically(path, text.as_bytes())?;
    Ok(())
}

/// `Option<T>` fields of documents are required (`null` when absent), never defaulted:
/// `#[serde(deserialize_with = "required")]`, so that a file without the field is an error.
pub(crate) fn required<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d)
}
