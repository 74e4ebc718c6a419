//! A small progress bar on stderr, drawn only when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Redraw at most this often.
const REDRAW: Duration = Duration::from_millis(100);

/// Width of the bar in characters.
const WIDTH: usize = 30;

/// Progress of a known number of items.
#[derive(Debug)]
pub(crate) struct Progress {
    total: usize,
    done: usize,
    failed: usize,
    start: Instant,
    last_draw: Option<Instant>,
    enabled: bool,
}

impl Progress {
    /// Progress over `total` items, shown if stderr is a terminal.
    pub(crate) fn new(total: usize) -> Self {
        Self {
            total,
            done: 0,
            failed: 0,
            start: Instant::now(),
            last_draw: None,
            enabled: std::io::stderr().is_terminal(),
        }
    }

    /// One more item done (`ok` false when it failed).
    pub(crate) fn tick(&mut self, ok: bool) {
        self.done = self.done.saturating_add(1);
        if !ok {
            self.failed = self.failed.saturating_add(1);
        }
        let due = self.last_draw.is_none_or(|at| at.elapsed() >= REDRAW);
        if self.enabled && (due || self.done == self.total) {
            self.draw();
        }
    }

    /// Prints a line above the bar (an item's error), keeping the bar below it.
    pub(crate) fn println(&mut self, line: &str) {
        let mut err = std::io::stderr().lock();
        if self.enabled {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(err, "{line}");
        drop(err);
        if self.enabled && self.last_draw.is_some() {
            self.draw();
        }
    }

    /// Clears the bar.
    pub(crate) fn finish(&mut self) {
        if self.enabled && self.last_draw.is_some() {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }

    fn draw(&mut self) {
        self.last_draw = Some(Instant::now());
        let fraction = if self.total == 0 {
            1.0
        } else {
            ratio(self.done, self.total)
        };
        let filled = (fraction * ratio(WIDTH, 1)).round();
        let filled = (0..=WIDTH)
            .find(|n| ratio(*n, 1) >= filled)
            .unwrap_or(WIDTH);
        let bar: String = "#".repeat(filled) + &"-".repeat(WIDTH.saturating_sub(filled));
        let seconds = self.start.elapsed().as_secs_f64();
        let rate = if seconds > 0.0 {
            ratio(self.done, 1) / seconds
        } else {
            0.0
        };
        let failed = if self.failed > 0 {
            format!(", {} failed", self.failed)
        } else {
            String::new()
        };
        let _ = write!(
            std::io::stderr().lock(),
            "\r[{bar}] {}/{} {:>3.0}% {rate:.0} msg/s{failed}",
            self.done,
            self.total,
            fraction * 100.0
        );
    }
}

/// `a / b` as a float (counts far below 2^52 convert exactly).
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
fn ratio(a: usize, b: usize) -> f64 {
    a as f64 / b.max(1) as f64
}
