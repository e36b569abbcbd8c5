//! Progress reporting without a UI dependency.
//!
//! Library code reports what it does through [`Progress`]; the `sinr` binary draws bars with it,
//! tests and library users pass [`NoProgress`].

/// Receives progress events from long-running steps. Implementations must be cheap to call and
/// thread-safe: `advance` is called from worker threads.
pub trait Progress: Sync {
    /// A stage begins; `total` is the amount of work in the unit the stage advances by, if known.
    fn start(&self, _stage: &str, _total: Option<u64>) {}
    /// `n` more units of work are done.
    fn advance(&self, _n: u64) {}
    /// The current stage ends; `message` summarises it.
    fn finish(&self, _message: &str) {}
}

/// Ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
