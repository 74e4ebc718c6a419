//! Base64 transfer encoding (RFC 2045 §6.8) on the fly: an encoder that is a `Write` and
//! a decoder that is a `Read`, both in constant memory.
//!
//! The encoder writes lines of 76 characters ended by CR LF, as
//! [`smime_mime::canonical::encode_base64`] does, so a streamed body is byte-identical to a
//! one-shot one. The decoder is lenient where RFC 2045 allows it (CR, LF, space and tab
//! anywhere, missing padding) and strict on everything else: any other character is a
//! [`Error::Base64`] with its offset, as is alphabet data after the
//! padding or a dangling last character.

use std::io::{self, Read, Write};

use base64ct::Encoding;

use crate::error::Error;

/// Input octets per encoded line: 57 octets make exactly 76 base64 characters.
const OCTETS_PER_LINE: usize = 57;

/// Size of the raw buffer the decoder reads into.
const DECODE_CHUNK: usize = 32 << 10;

/// The push-based base64 encoder behind [`Base64Writer`]: whole lines as soon as 57 octets
/// are there.
#[derive(Debug, Default)]
pub(crate) struct Base64Encoding {
    line: Vec<u8>,
}

impl Base64Encoding {
    pub(crate) fn new() -> Self {
        Self {
            line: Vec::with_capacity(OCTETS_PER_LINE),
        }
    }

    fn emit(octets: &[u8], out: &mut Vec<u8>) {
        // 57 octets encode to 76 characters; the buffer is sized for a full line.
        let mut encoded = [0u8; 76];
        if let Ok(text) = base64ct::Base64::encode(octets, &mut encoded) {
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }

    /// Encodes `input`, appending complete lines to `out`.
    pub(crate) fn push(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        if !self.line.is_empty() {
            let take = OCTETS_PER_LINE
                .saturating_sub(self.line.len())
                .min(input.len());
            let (head, rest) = input.split_at(take);
            self.line.extend_from_slice(head);
            input = rest;
            if self.line.len() == OCTETS_PER_LINE {
                Self::emit(&self.line, out);
                self.line.clear();
            }
        }
        let mut lines = input.chunks_exact(OCTETS_PER_LINE);
        for line in &mut lines {
            Self::emit(line, out);
        }
        self.line.extend_from_slice(lines.remainder());
    }

    /// Encodes what is left (with padding) and ends the last line.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.line.is_empty() {
            Self::emit(&self.line, out);
            self.line.clear();
        }
    }
}

/// A `Write` that base64-encodes everything written to it into `W`, in lines of 76
/// characters ended by CR LF. Call [`finish`](Self::finish) to write the last line.
///
/// ```
/// use std::io::Write;
/// use smime_stream::mime::transfer_encoding::Base64Writer;
/// let mut writer = Base64Writer::new(Vec::new());
/// writer.write_all(b"hello ")?;
/// writer.write_all(b"world")?;
/// assert_eq!(writer.finish()?, b"aGVsbG8gd29ybGQ=\r\n");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Base64Writer<W: Write> {
    inner: W,
    encoding: Base64Encoding,
    out: Vec<u8>,
}

impl<W: Write> Base64Writer<W> {
    /// Encodes into `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            encoding: Base64Encoding::new(),
            out: Vec::new(),
        }
    }

    /// Writes the last (partial) line and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.clear();
        self.encoding.finish(&mut self.out);
        self.inner.write_all(&self.out)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for Base64Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.clear();
        self.encoding.push(buf, &mut self.out);
        self.inner.write_all(&self.out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What was wrong with a base64 body; carried inside an `io::Error` through `Read` and
/// turned back into [`Error::Base64`] by this module's callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("bad base64 at offset {offset}: {reason}")]
pub struct Base64Error {
    /// Offset of the offending character in the encoded text.
    pub offset: u64,
    /// What was wrong.
    pub reason: &'static str,
}

impl From<Base64Error> for Error {
    fn from(error: Base64Error) -> Self {
        Error::Base64 {
            offset: error.offset,
            reason: error.reason,
        }
    }
}

/// Turns an [`Error::Io`] that carries a [`Base64Error`] back into [`Error::Base64`].
pub(crate) fn lift(error: Error) -> Error {
    match error {
        Error::Io(io) => match io.get_ref().and_then(|e| e.downcast_ref::<Base64Error>()) {
            Some(base64) => Error::from(*base64),
            None => Error::Io(io),
        },
        other => other,
    }
}

/// The push-based decoder behind [`Base64Reader`].
#[derive(Debug, Default)]
pub(crate) struct Base64Decoding {
    accumulator: u32,
    bits: u32,
    characters: u64,
    offset: u64,
    padded: bool,
}

impl Base64Decoding {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Decodes `input`, appending octets to `out`.
    pub(crate) fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), Base64Error> {
        for &byte in input {
            let value = match byte {
                b'A'..=b'Z' => byte - b'A',
                b'a'..=b'z' => byte - b'a' + 26,
                b'0'..=b'9' => byte - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' => {
                    self.padded = true;
                    self.offset = self.offset.saturating_add(1);
                    continue;
                }
                b'\r' | b'\n' | b' ' | b'\t' => {
                    self.offset = self.offset.saturating_add(1);
                    continue;
                }
                _ => {
                    return Err(Base64Error {
                        offset: self.offset,
                        reason: "a character outside the base64 alphabet",
                    });
                }
            };
            if self.padded {
                return Err(Base64Error {
                    offset: self.offset,
                    reason: "base64 data after the padding",
                });
            }
            self.characters = self.characters.wrapping_add(1);
            self.accumulator = (self.accumulator << 6) | u32::from(value);
            self.bits = self.bits.saturating_add(6);
            if self.bits >= 8 {
                self.bits = self.bits.saturating_sub(8);
                out.push(((self.accumulator >> self.bits) & 0xff) as u8);
                self.accumulator &= (1u32 << self.bits).wrapping_sub(1);
            }
            self.offset = self.offset.saturating_add(1);
        }
        Ok(())
    }

    /// Checks the end: a single character left over makes no octet.
    pub(crate) fn finish(&self) -> Result<(), Base64Error> {
        if self.characters % 4 == 1 {
            return Err(Base64Error {
                offset: self.offset,
                reason: "truncated: a last base64 character that makes no octet",
            });
        }
        Ok(())
    }
}

/// Decodes a whole (small, bounded) base64 text in memory, with the same rules as
/// [`Base64Reader`].
pub(crate) fn decode(text: &[u8]) -> Result<Vec<u8>, Error> {
    let mut decoding = Base64Decoding::new();
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    decoding.push(text, &mut out)?;
    decoding.finish()?;
    Ok(out)
}

/// A `Read` that decodes the base64 text read from `R`.
///
/// Line breaks (CR LF or LF), spaces and tabs are skipped; padding may be missing; any other
/// character, data after the padding, or a dangling last character fails with an
/// `io::Error` of kind `InvalidData` carrying a [`Base64Error`].
///
/// ```
/// use std::io::Read;
/// use smime_stream::mime::transfer_encoding::Base64Reader;
/// let mut decoded = Vec::new();
/// Base64Reader::new(&b"aGVs\nbG8g\r\nd29y bGQ="[..]).read_to_end(&mut decoded)?;
/// assert_eq!(decoded, b"hello world");
/// assert!(Base64Reader::new(&b"aGVs*bG8="[..]).read_to_end(&mut Vec::new()).is_err());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Base64Reader<R: Read> {
    inner: R,
    decoding: Base64Decoding,
    raw: Vec<u8>,
    decoded: Vec<u8>,
    position: usize,
    done: bool,
}

impl<R: Read> Base64Reader<R> {
    /// Decodes what `inner` gives.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            decoding: Base64Decoding::new(),
            raw: vec![0u8; DECODE_CHUNK],
            decoded: Vec::with_capacity(DECODE_CHUNK),
            position: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for Base64Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(ready) = self.decoded.get(self.position..)
                && !ready.is_empty()
            {
                let n = ready.len().min(buf.len());
                if let (Some(target), Some(source)) = (buf.get_mut(..n), ready.get(..n)) {
                    target.copy_from_slice(source);
                }
                self.position = self.position.saturating_add(n);
                return Ok(n);
            }
            if self.done || buf.is_empty() {
                return Ok(0);
            }
            self.decoded.clear();
            self.position = 0;
            let n = loop {
                match self.inner.read(&mut self.raw) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            let to_io = |e: Base64Error| io::Error::new(io::ErrorKind::InvalidData, e);
            if n == 0 {
                self.done = true;
                self.decoding.finish().map_err(to_io)?;
                continue;
            }
            let raw = self.raw.get(..n).unwrap_or_default();
            self.decoding.push(raw, &mut self.decoded).map_err(to_io)?;
        }
    }
}
