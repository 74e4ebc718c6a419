//! Big inputs: `sign`, `encrypt`, `verify` and `decrypt` stream them from `--in` to `--out`
//! in constant memory instead of reading them whole.
//!
//! An input is big when it is a regular file larger than [`STREAM_THRESHOLD`], or standard
//! input that turns out to be larger (its first [`STREAM_THRESHOLD`] bytes are read; at the
//! end of input it is small after all and takes the one-shot path, otherwise the bytes read
//! are put back in front of the rest). Output goes to a temporary file next to `--out` and
//! is renamed to `--out` only on success, so that a failure leaves nothing behind — for
//! `verify` and `decrypt` this is what keeps unverified content from being used: the content
//! is written while it is read, and the verdict needs the last byte.

use std::fs::{self, File};
use std::io::{self, BufWriter, Cursor, Read, Seek, Write};
use std::path::{Path, PathBuf};

use smime::stream::Format;
use tempfile::NamedTempFile;

use crate::failure::Failure;
use crate::files;
use crate::progress::{ByteProgress, Counting};

/// Inputs larger than this (8 MiB) are streamed. Below it the one-shot path reads the whole
/// input, which is simpler and gives the richest report (nested layers, CRLs in the message);
/// above it memory use stays constant whatever the size.
pub(crate) const STREAM_THRESHOLD: u64 = 8 << 20;

/// How much of the start of a streamed input is kept to tell MIME from CMS.
const HEAD: usize = 4096;

/// An input, read whole when small, streamed when big.
pub(crate) enum Input {
    /// The whole input (at most [`STREAM_THRESHOLD`] bytes for stdin; files as
    /// [`files::read`] reads them).
    Whole(Vec<u8>),
    /// A big input to stream.
    Stream(Streamed),
}

/// A big input: its start, and a reader over all of it that counts progress.
pub(crate) struct Streamed {
    /// Every byte of the input, from the first.
    pub(crate) reader: Counting<Box<dyn Read>>,
    head: Vec<u8>,
}

impl Input {
    /// Opens `path` (`-`: stdin) for `flag`, deciding whether to stream it.
    pub(crate) fn open(path: &Path, flag: &str) -> Result<Self, Failure> {
        let cannot_read = |error: io::Error| {
            Failure::new(format!(
                "cannot read {} ({flag}): {error}; check the path",
                files::shown(path)
            ))
        };
        if files::is_stdio(path) {
            let mut prefix = Vec::new();
            io::stdin()
                .lock()
                .take(STREAM_THRESHOLD.saturating_add(1))
                .read_to_end(&mut prefix)
                .map_err(cannot_read)?;
            if u64::try_from(prefix.len()).unwrap_or(u64::MAX) <= STREAM_THRESHOLD {
                return Ok(Self::Whole(prefix));
            }
            let head = prefix.get(..HEAD).unwrap_or_default().to_vec();
            let reader: Box<dyn Read> = Box::new(Cursor::new(prefix).chain(io::stdin().lock()));
            return Ok(Self::Stream(Streamed {
                reader: Counting::new(reader, ByteProgress::on_terminal(None)),
                head,
            }));
        }
        match fs::metadata(path) {
            Ok(metadata) if metadata.is_file() && metadata.len() > STREAM_THRESHOLD => {
                let mut file = File::open(path).map_err(cannot_read)?;
                let mut head = Vec::with_capacity(HEAD);
                (&mut file)
                    .take(HEAD as u64)
                    .read_to_end(&mut head)
                    .map_err(cannot_read)?;
                let reader: Box<dyn Read> = Box::new(Cursor::new(head.clone()).chain(file));
                Ok(Self::Stream(Streamed {
                    reader: Counting::new(reader, ByteProgress::on_terminal(Some(metadata.len()))),
                    head,
                }))
            }
            _ => Ok(Self::Whole(files::read(path, flag)?)),
        }
    }
}

/// Whether `path` is a regular file larger than [`STREAM_THRESHOLD`].
pub(crate) fn is_big_file(path: &Path) -> bool {
    !files::is_stdio(path)
        && fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > STREAM_THRESHOLD)
}

impl Streamed {
    /// The format to stream a message to be verified or decrypted as: CMS with `--der` or
    /// for binary input, MIME for text; `None` for PEM-armoured CMS, which only the one-shot
    /// path reads.
    pub(crate) fn format(&self, der: bool) -> Option<Format> {
        let pem = [
            &b"-----BEGIN PKCS7-----"[..],
            b"-----BEGIN CMS-----",
            b"-----BEGIN PKCS #7 SIGNED DATA-----",
        ]
        .iter()
        .any(|label| files::find(&self.head, label).is_some());
        if pem {
            None
        } else if der || !crate::read::is_text(&self.head) {
            Some(Format::Cms)
        } else {
            Some(Format::Mime)
        }
    }

    /// Reads the whole input (for what only the one-shot path reads), without a size cap.
    pub(crate) fn into_whole(mut self, path: &Path, flag: &str) -> Result<Vec<u8>, Failure> {
        let mut data = Vec::new();
        let result = self.reader.read_to_end(&mut data);
        self.reader.finish();
        result.map_err(|error| {
            Failure::new(format!(
                "cannot read {} ({flag}): {error}; check the path",
                files::shown(path)
            ))
        })?;
        Ok(data)
    }
}

/// A `Write` that remembers its first error, so that a failure to write `--out` is told
/// apart from a failure to read `--in` (both come back as I/O errors from below).
pub(crate) struct Watched<W> {
    inner: W,
    error: Option<String>,
}

impl<W: Write> Watched<W> {
    /// Watches `inner`.
    pub(crate) fn new(inner: W) -> Self {
        Self { inner, error: None }
    }

    fn note<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if let Err(error) = &result
            && self.error.is_none()
        {
            self.error = Some(error.to_string());
        }
        result
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(data);
        self.note(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}

/// The failure for an `--out` that cannot be written.
fn cannot_write(path: &Path, flag: &str, error: &dyn std::fmt::Display) -> Failure {
    let target = if files::is_stdio(path) {
        "standard output".to_owned()
    } else {
        files::shown(path)
    };
    Failure::new(format!(
        "cannot write {target} ({flag}): {error}; check that the directory exists and is writable"
    ))
}

/// A temporary file in the directory of `--out` (or the system's for `-`), kept as `--out`
/// only by [`Spool::keep`]; dropped, it is deleted.
pub(crate) struct Spool {
    temp: NamedTempFile,
    target: PathBuf,
    flag: &'static str,
}

impl Spool {
    /// A temporary file for `target`.
    pub(crate) fn new(target: &Path, flag: &'static str) -> Result<Self, Failure> {
        let temp = if files::is_stdio(target) {
            NamedTempFile::new()
        } else {
            NamedTempFile::new_in(directory_of(target))
        }
        .map_err(|error| cannot_write(target, flag, &error))?;
        Ok(Self {
            temp,
            target: target.to_path_buf(),
            flag,
        })
    }

    /// Runs `work` with a buffered, watched writer on the temporary file; a failure to
    /// write it becomes the `--out` failure, any other error goes to `failed`.
    pub(crate) fn fill<T>(
        &mut self,
        work: impl FnOnce(&mut dyn Write) -> Result<T, smime::Error>,
        failed: impl FnOnce(smime::Error) -> Failure,
    ) -> Result<T, Failure> {
        let mut out = Watched::new(BufWriter::new(self.temp.as_file_mut()));
        let result = work(&mut out);
        let flushed = out.flush();
        if let Some(error) = out.error.take() {
            return Err(cannot_write(&self.target, self.flag, &error));
        }
        let value = result.map_err(failed)?;
        flushed.map_err(|error| cannot_write(&self.target, self.flag, &error))?;
        Ok(value)
    }

    /// Makes the temporary file `--out` — renamed into place, or copied to stdout — with
    /// `prefix` in front of it.
    pub(crate) fn keep(self, prefix: &[u8]) -> Result<(), Failure> {
        let Self {
            mut temp,
            target,
            flag,
        } = self;
        let fail = |error: &dyn std::fmt::Display| cannot_write(&target, flag, error);
        if files::is_stdio(&target) {
            temp.as_file_mut().rewind().map_err(|error| fail(&error))?;
            let mut out = io::stdout().lock();
            let copied = out
                .write_all(prefix)
                .and_then(|()| io::copy(temp.as_file_mut(), &mut out))
                .and_then(|_| out.flush());
            return match copied {
                Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(fail(&error)),
                _ => Ok(()),
            };
        }
        let temp = if prefix.is_empty() {
            temp
        } else {
            let mut whole =
                NamedTempFile::new_in(directory_of(&target)).map_err(|error| fail(&error))?;
            temp.as_file_mut().rewind().map_err(|error| fail(&error))?;
            whole
                .write_all(prefix)
                .and_then(|()| io::copy(temp.as_file_mut(), whole.as_file_mut()))
                .and_then(|_| whole.flush())
                .map_err(|error| fail(&error))?;
            whole
        };
        temp.persist(&target).map_err(|error| fail(&error.error))?;
        Ok(())
    }
}

/// The directory a file is written into (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Streams the output of `work` to `out`: straight to stdout for `-` (a pipe takes what
/// comes), through a [`Spool`] otherwise (nothing is left behind on failure).
pub(crate) fn write_out(
    out: &Path,
    flag: &'static str,
    work: impl FnOnce(&mut dyn Write) -> Result<u64, smime::Error>,
    failed: impl FnOnce(smime::Error) -> Failure,
) -> Result<(), Failure> {
    if files::is_stdio(out) {
        let mut writer = Watched::new(BufWriter::new(io::stdout().lock()));
        let result = work(&mut writer);
        let flushed = writer.flush();
        if let Some(error) = writer.error.take() {
            return Err(cannot_write(out, flag, &error));
        }
        result.map_err(failed)?;
        return flushed.map_err(|error| cannot_write(out, flag, &error));
    }
    let mut spool = Spool::new(out, flag)?;
    spool.fill(work, failed)?;
    spool.keep(&[])
}
