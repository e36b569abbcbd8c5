//! The few utilities every crate of the workspace shares, each defined once, with one
//! guarantee: a seeded generator ([`SplitMix64`]), a portable hash ([`Fnv1a`]), atomic file
//! writes that survive a crash ([`write_atomically`]), progress events that say what they count
//! ([`Progress`], [`ProgressUnit`]), and the numeric helpers several crates need ([`softmax`],
//! [`smoothed_idf`], [`sparse_cosine`]).
//!
//! No dependency but `tempfile` (and `libc` on Linux, for [`reuse_large_blocks`]), so that the
//! lowest crates (`sinr-embed`, `sinr-data`, `sinr-metrics`) can use it.
//!
//! # Example
//!
//! ```
//! use sinr_util::{SplitMix64, fnv1a, softmax};
//!
//! let mut order: Vec<u32> = (0..5).collect();
//! SplitMix64::new(7).shuffle(&mut order);
//! let mut again: Vec<u32> = (0..5).collect();
//! SplitMix64::new(7).shuffle(&mut again);
//! assert_eq!(order, again);
//! assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
//! let p = softmax(&[0.0, 0.0]);
//! assert_eq!(p, [0.5, 0.5]);
//! ```

mod fnv;
mod fs;
mod math;
mod progress;
mod rng;
mod system;

pub use fnv::{Fnv1a, fnv1a};
pub use fs::{WriteError, temp_file_in, write_atomically, write_file_atomically};
pub use math::{smoothed_idf, softmax, softmax_f32, sparse_cosine, sparse_dot};
pub use progress::{NoProgress, Progress, ProgressUnit};
pub use rng::SplitMix64;
pub use system::{HEAP_BLOCK_LIMIT, peak_rss_kib, reuse_large_blocks};
