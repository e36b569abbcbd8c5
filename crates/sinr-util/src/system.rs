//! What the operating system says about this process.

/// Peak resident memory of this process in KiB (`VmHWM` on Linux); `None` where the system does
/// not say.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The size up to which [`reuse_large_blocks`] keeps freed blocks in the heap: past any one
/// tensor of a training step here (a [batch 32, heads 4, 512, 512] attention map is 128 MiB).
pub const HEAP_BLOCK_LIMIT: usize = 1 << 30;

/// Makes the C allocator reuse the memory of large freed blocks instead of returning it to the
/// system at every `free`.
///
/// glibc's `malloc` serves each block above its mmap threshold (128 KiB at first, rising to at
/// most 32 MiB) with a fresh `mmap`, and `free` unmaps it. A training step allocates the same
/// large tensors at every step (attention maps, activations and their gradients), so each step
/// paid the page faults of all of them anew: 15–20 % of the SINr transformer's step at 512
/// tokens under `perf` (`exc_page_fault`, `clear_page`). With blocks up to [`HEAP_BLOCK_LIMIT`]
/// kept in the heap, freed pages are reused: the transformer's step is 1.2–1.3× faster at 256 and 512 tokens
/// (`docs/performance.md`). The heap keeps what a step used, so the resident memory after
/// the first step stays near the step's peak instead of falling between steps.
///
/// Returns whether the setting was applied: `false` on systems other than Linux with glibc,
/// where nothing is changed. It holds for the rest of the process: call it once the large
/// one-off allocations (loading embeddings and data) are done and freed, so that their blocks
/// have gone back to the system, and while no other thread is allocating. A library leaves it
/// to the program (`sinr train` calls it before its first step, for the kinds
/// `sinr_models::keeps_large_blocks` names).
pub fn reuse_large_blocks() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let limit = libc::c_int::try_from(HEAP_BLOCK_LIMIT).unwrap_or(libc::c_int::MAX);
        // SAFETY: `mallopt` only sets a parameter of glibc's allocator; M_MMAP_THRESHOLD takes
        // any size up to the allocator's maximum and returns 0 (nothing changed) beyond it.
        #[allow(unsafe_code)]
        let applied = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, limit) };
        applied == 1
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn large_blocks_are_kept_on_glibc() {
        let applied = super::reuse_large_blocks();
        assert_eq!(applied, cfg!(all(target_os = "linux", target_env = "gnu")));
        // Allocations still work, above and below the limit's old default.
        let v = vec![1u8; 64 << 20];
        assert_eq!(v.iter().map(|&b| usize::from(b)).sum::<usize>(), 64 << 20);
    }

    #[test]
    fn peak_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let kib = super::peak_rss_kib().expect("Linux reports VmHWM");
            // A test process holds at least a few hundred KiB, and not a terabyte.
            assert!((100..1 << 30).contains(&kib), "{kib}");
        }
    }
}
