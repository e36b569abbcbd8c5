//! Progress bars on stderr for the library's [`Progress`] events.
//!
//! A bar is drawn while a stage runs (only on a terminal); when it ends, one line with the
//! stage's summary and duration is printed in every case, so logs show it too.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use sinr_embed::Progress;

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

impl Progress for Bars {
    fn start(&self, stage: &str, total: Option<u64>) {
        let bar = if self.quiet {
            ProgressBar::hidden()
        } else if let Some(total) = total {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg:24} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
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
