//! Progress bars on stderr for the library's [`Progress`] events.
//!
//! A bar is drawn while a stage runs (only on a terminal); when it ends, one line with the
//! stage's summary and duration is printed in every case, so logs show it too.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use sinr_util::{Progress, ProgressUnit};

/// Draws one bar per stage.
#[derive(Debug, Default)]
pub struct Bars {
    quiet: bool,
    current: Mutex<Option<(String, ProgressBar, Instant)>>,
}

impl Bars {
    /// Bars that print (or not, with `quiet`).
    pub fn new(quiet: bool) -> Self {
        Self {
            quiet,
            current: Mutex::new(None),
        }
    }
}

/// The bar's template: bytes with their rate, or a count of things with their name.
fn template(unit: ProgressUnit) -> String {
    match unit {
        ProgressUnit::Bytes => {
            "{spinner} {msg:24} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}".into()
        }
        ProgressUnit::Items(name) => {
            format!("{{spinner}} {{msg:24}} [{{bar:30}}] {{pos}}/{{len}} {name} eta {{eta}}")
        }
    }
}

impl Progress for Bars {
    fn start(&self, stage: &str, total: Option<u64>, unit: ProgressUnit) {
        let bar = if self.quiet {
            ProgressBar::hidden()
        } else if let Some(total) = total {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(&template(unit))
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar
        } else {
            let bar = ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        };
        bar.set_message(stage.to_owned());
        let mut cur = self.current.lock().expect("progress lock");
        if let Some((_, old, _)) = cur.take() {
            old.finish_and_clear();
        }
        *cur = Some((stage.to_owned(), bar, Instant::now()));
    }

    fn advance(&self, n: u64) {
        if let Some((_, bar, _)) = self.current.lock().expect("progress lock").as_ref() {
            bar.inc(n);
        }
    }

    fn finish(&self, message: &str) {
        if let Some((stage, bar, t)) = self.current.lock().expect("progress lock").take() {
            bar.finish_and_clear();
            if !self.quiet {
                eprintln!(
                    "  {stage:<24} {:>8.2} s  {message}",
                    t.elapsed().as_secs_f64()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_say_what_they_count() {
        for unit in [ProgressUnit::Bytes, ProgressUnit::Items("batches")] {
            ProgressStyle::with_template(&template(unit)).expect("a valid template");
        }
        // The template itself names the unit, and bytes only where bytes are counted.
        assert!(template(ProgressUnit::Items("batches")).contains("{pos}/{len} batches"));
        assert!(!template(ProgressUnit::Items("batches")).contains("bytes"));
        assert!(template(ProgressUnit::Bytes).contains("{bytes}/{total_bytes}"));
    }
}
