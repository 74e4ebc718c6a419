//! Small progress bars on stderr, drawn only when stderr is a terminal: items of a batch,
//! bytes of a big input.

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

/// Progress through a byte stream (a big input being signed, encrypted, verified or
/// decrypted): bytes done of the total when it is known, and the rate.
#[derive(Debug)]
pub(crate) struct ByteProgress {
    total: Option<u64>,
    done: u64,
    start: Instant,
    last_draw: Option<Instant>,
    enabled: bool,
}

impl ByteProgress {
    /// Progress over `total` bytes (`None`: not known, as for stdin), drawn only when
    /// `enabled`.
    pub(crate) fn new(total: Option<u64>, enabled: bool) -> Self {
        Self {
            total,
            done: 0,
            start: Instant::now(),
            last_draw: None,
            enabled,
        }
    }

    /// Progress over `total` bytes, shown if stderr is a terminal.
    pub(crate) fn on_terminal(total: Option<u64>) -> Self {
        Self::new(total, std::io::stderr().is_terminal())
    }

    /// `bytes` more done.
    pub(crate) fn advance(&mut self, bytes: usize) {
        self.done = self
            .done
            .saturating_add(u64::try_from(bytes).unwrap_or(u64::MAX));
        let due = self.last_draw.is_none_or(|at| at.elapsed() >= REDRAW);
        if self.enabled && due {
            self.draw();
        }
    }

    /// Draws the final state and clears the bar.
    pub(crate) fn finish(&mut self) {
        if self.enabled && self.last_draw.is_some() {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
            self.last_draw = None;
        }
    }

    /// The bar's text (without the carriage return).
    pub(crate) fn line(&self) -> String {
        let seconds = self.start.elapsed().as_secs_f64();
        let rate = if seconds > 0.0 {
            mebibytes(self.done) / seconds
        } else {
            0.0
        };
        match self.total {
            Some(total) => {
                let fraction = if total == 0 {
                    1.0
                } else {
                    (mebibytes(self.done) / mebibytes(total)).min(1.0)
                };
                let filled = (0..=WIDTH)
                    .find(|n| ratio(*n, WIDTH) >= fraction)
                    .unwrap_or(WIDTH);
                let bar: String = "#".repeat(filled) + &"-".repeat(WIDTH.saturating_sub(filled));
                format!(
                    "[{bar}] {:.1}/{:.1} MiB {:>3.0}% {rate:.1} MiB/s",
                    mebibytes(self.done),
                    mebibytes(total),
                    fraction * 100.0
                )
            }
            None => format!("{:.1} MiB {rate:.1} MiB/s", mebibytes(self.done)),
        }
    }

    fn draw(&mut self) {
        self.last_draw = Some(Instant::now());
        let _ = write!(std::io::stderr().lock(), "\r\x1b[2K{}", self.line());
    }
}

/// A `Read` that counts what passes through it on a [`ByteProgress`].
#[derive(Debug)]
pub(crate) struct Counting<R> {
    inner: R,
    progress: ByteProgress,
}

impl<R> Counting<R> {
    /// Counts the bytes read from `inner` on `progress`.
    pub(crate) fn new(inner: R, progress: ByteProgress) -> Self {
        Self { inner, progress }
    }

    /// Clears the bar.
    pub(crate) fn finish(&mut self) {
        self.progress.finish();
    }
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buffer)?;
        self.progress.advance(n);
        Ok(n)
    }
}

/// Bytes as MiB, as a float (sizes far below 2^52 convert exactly).
#[allow(clippy::cast_precision_loss, reason = "sizes are far below 2^52")]
fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// `a / b` as a float (counts far below 2^52 convert exactly).
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
fn ratio(a: usize, b: usize) -> f64 {
    a as f64 / b.max(1) as f64
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::{ByteProgress, Counting};

    /// The counting reader passes every byte through and counts it; the bar shows done of
    /// total, or only done when the total is unknown.
    #[test]
    fn counting_reader_counts_and_the_bar_says_so() {
        let data = vec![7u8; 3 << 20];
        let mut reader = Counting::new(&data[..], ByteProgress::new(Some(6 << 20), false));
        let mut copy = Vec::new();
        reader.read_to_end(&mut copy).unwrap();
        assert_eq!(copy, data);
        let line = reader.progress.line();
        assert!(line.contains("3.0/6.0 MiB  50%"), "{line}");
        assert!(
            line.contains(&format!("[{}{}]", "#".repeat(15), "-".repeat(15))),
            "{line}"
        );

        let mut unknown = Counting::new(&data[..1 << 20], ByteProgress::new(None, false));
        std::io::copy(&mut unknown, &mut std::io::sink()).unwrap();
        let line = unknown.progress.line();
        assert!(line.starts_with("1.0 MiB "), "{line}");
        assert!(line.ends_with(" MiB/s"), "{line}");
    }
}
