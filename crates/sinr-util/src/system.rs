//! What the operating system says about this process.

/// Peak resident memory of this process in KiB (`VmHWM` on Linux); `None` where the system does
/// not say.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn peak_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let kib = super::peak_rss_kib().expect("Linux reports VmHWM");
            // A test process holds at least a few hundred KiB, and not a terabyte.
            assert!((100..1 << 30).contains(&kib), "{kib}");
        }
    }
}
