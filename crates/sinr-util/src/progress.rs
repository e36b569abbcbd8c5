//! Progress reporting without a UI dependency.
//!
//! Library code reports what it does through [`Progress`]; the `sinr` binary draws bars with it,
//! tests and library users pass [`NoProgress`]. Every stage says what it counts ([`ProgressUnit`]), so
//! that a bar reads "37/120 batches", not "37 B/120 B".

/// What a stage's amounts count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressUnit {
    /// Bytes of input (shown as KiB, MiB, with a rate).
    Bytes,
    /// Things, named in the plural: `Items("batches")`, `Items("examples")`.
    Items(&'static str),
}

/// Receives progress events from long-running steps. Implementations must be cheap to call and
/// thread-safe: `advance` is called from worker threads.
pub trait Progress: Sync {
    /// A stage begins; `total` is the amount of work in `unit`, if known.
    fn start(&self, _stage: &str, _total: Option<u64>, _unit: ProgressUnit) {}
    /// `n` more units of work are done.
    fn advance(&self, _n: u64) {}
    /// The current stage ends; `message` summarises it.
    fn finish(&self, _message: &str) {}
}

/// Ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
