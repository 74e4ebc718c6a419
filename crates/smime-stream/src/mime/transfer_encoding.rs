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

/// An encoded line: 76 characters and CR LF.
const LINE_LEN: usize = 78;

/// Size of the raw buffer the decoder reads into.
const DECODE_CHUNK: usize = 64 << 10;

/// The base64 alphabet (RFC 4648 §4), by value.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Marks an octet outside the alphabet in [`DECODE_TABLE`].
const NOT_BASE64: u8 = 0xff;

/// The value of each octet as a base64 character, or [`NOT_BASE64`].
// Indexing in a const initializer: out of bounds would be a compile error, never a panic.
#[allow(clippy::indexing_slicing)]
const DECODE_TABLE: [u8; 256] = {
    let mut table = [NOT_BASE64; 256];
    let mut value = 0usize;
    while value < 64 {
        table[ALPHABET[value] as usize] = value as u8;
        value += 1;
    }
    table
};

// The bulk codecs below use table lookups, not `base64ct`'s constant-time arithmetic: they
// carry message bodies (mostly CMS ciphertext and signed content that travels in the clear),
// where constant time buys nothing against the threat model (same-host cache timing is out
// of scope, SECURITY.md), and they run 2–3 times faster. Key material (PEM) is not read here.

/// The alphabet character of the low 6 bits of `n`.
fn character(n: u64) -> u8 {
    ALPHABET.get((n & 0x3f) as usize).copied().unwrap_or(b'A')
}

/// The value of a base64 character, or [`NOT_BASE64`].
fn value(c: u8) -> u64 {
    u64::from(
        DECODE_TABLE
            .get(usize::from(c))
            .copied()
            .unwrap_or(NOT_BASE64),
    )
}

/// Encodes `octets` (a multiple of 3 long) into `text` (4/3 as long), without padding: six
/// octets (eight characters) per step, then the last group of three.
fn encode_groups(octets: &[u8], text: &mut [u8]) {
    let mut groups = octets.chunks_exact(6);
    let mut targets = text.chunks_exact_mut(8);
    for (group, target) in (&mut groups).zip(&mut targets) {
        let mut n = group.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b));
        let mut characters = [0u8; 8];
        for c in characters.iter_mut().rev() {
            *c = character(n);
            n >>= 6;
        }
        target.copy_from_slice(&characters);
    }
    if let ([a, b, c], [w, x, y, z]) = (groups.remainder(), targets.into_remainder()) {
        let n = (u64::from(*a) << 16) | (u64::from(*b) << 8) | u64::from(*c);
        *w = character(n >> 18);
        *x = character(n >> 12);
        *y = character(n >> 6);
        *z = character(n);
    }
}

/// Decodes `text` (whole groups of four alphabet characters, no padding) into `octets` (3/4
/// as long), eight characters (six octets) per step. False when a character is outside the
/// alphabet (`octets` is then garbage).
fn decode_groups(text: &[u8], octets: &mut [u8]) -> bool {
    if text.len() / 4 * 3 != octets.len() || !text.len().is_multiple_of(4) {
        return false;
    }
    let mut invalid = 0u64;
    let mut groups = text.chunks_exact(8);
    let mut targets = octets.chunks_exact_mut(6);
    for (group, target) in (&mut groups).zip(&mut targets) {
        let n = group.iter().fold(0u64, |n, &c| {
            let v = value(c);
            invalid |= v;
            (n << 6) | v
        });
        target.copy_from_slice(n.to_be_bytes().get(2..).unwrap_or_default());
    }
    if let ([a, b, c, d], [x, y, z]) = (groups.remainder(), targets.into_remainder()) {
        let (a, b, c, d) = (value(*a), value(*b), value(*c), value(*d));
        invalid |= a | b | c | d;
        let n = (a << 18) | (b << 12) | (c << 6) | d;
        *x = (n >> 16) as u8;
        *y = (n >> 8) as u8;
        *z = n as u8;
    }
    // Values are below 64; only NOT_BASE64 sets bit 6.
    invalid & 0x40 == 0
}

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

    /// Encodes whole lines of 57 octets straight into `out`, grown once for all of them.
    fn emit_lines(octets: &[u8], out: &mut Vec<u8>) {
        let lines = octets.len() / OCTETS_PER_LINE;
        if lines == 0 {
            return;
        }
        let start = out.len();
        out.resize(start.saturating_add(lines.saturating_mul(LINE_LEN)), 0);
        let target = out.get_mut(start..).unwrap_or_default();
        for (line, text) in octets
            .chunks_exact(OCTETS_PER_LINE)
            .zip(target.chunks_exact_mut(LINE_LEN))
        {
            let (characters, end) = text.split_at_mut(LINE_LEN.saturating_sub(2));
            encode_groups(line, characters);
            end.copy_from_slice(b"\r\n");
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
        let whole = input.len() / OCTETS_PER_LINE * OCTETS_PER_LINE;
        let (lines, remainder) = input.split_at(whole);
        Self::emit_lines(lines, out);
        self.line.extend_from_slice(remainder);
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

/// What [`Base64Decoding::bulk`] did with the start of its input.
enum Bulk {
    /// Decoded this many input octets.
    Decoded(usize),
    /// Refused this many input octets (padding, a space or a bad character among them).
    Refused(usize),
}

/// Base64 characters the bulk decoder gathers per call of [`decode_groups`].
const BULK_CHUNK: usize = 48 << 10;

/// The push-based decoder behind [`Base64Reader`].
#[derive(Debug, Default)]
pub(crate) struct Base64Decoding {
    /// The alphabet characters gathered for one bulk decode (line breaks taken out).
    scratch: Vec<u8>,
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
    ///
    /// Whole groups of four characters between line breaks go through [`Self::bulk`]; what is
    /// left (a group split by a line break or a chunk border, padding, spaces, anything the
    /// bulk decoder refuses) goes through [`Self::octetwise`], which also finds the exact
    /// offset and reason of an error.
    pub(crate) fn push(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), Base64Error> {
        loop {
            if !self.padded && self.characters.is_multiple_of(4) {
                match self.bulk(input, out) {
                    Bulk::Decoded(consumed) => {
                        input = input.get(consumed..).unwrap_or_default();
                    }
                    Bulk::Refused(length) => {
                        // Every octet of the refused piece goes octetwise, so that the bulk
                        // decoder does not look at it again (linear time whatever the input).
                        let (refused, rest) = input.split_at(length.min(input.len()));
                        self.octetwise(refused, out, false)?;
                        input = rest;
                    }
                }
            }
            if input.is_empty() {
                return Ok(());
            }
            let consumed = self.octetwise(input, out, true)?;
            input = input.get(consumed..).unwrap_or_default();
        }
    }

    /// Decodes the longest start of `input` that is line breaks and whole groups of four
    /// alphabet characters (about [`BULK_CHUNK`] characters at most) in one
    /// [`decode_groups`] call. Needs a group boundary and no padding seen.
    fn bulk(&mut self, input: &[u8], out: &mut Vec<u8>) -> Bulk {
        self.scratch.clear();
        // Input consumed up to the last point where the gathered characters are whole groups.
        let mut segment_start = 0usize;
        let consumed = loop {
            let rest = input.get(segment_start..).unwrap_or_default();
            let line_break = memchr::memchr2(b'\r', b'\n', rest);
            let segment = rest
                .get(..line_break.unwrap_or(rest.len()))
                .unwrap_or_default();
            let whole = segment.len() / 4 * 4;
            self.scratch
                .extend_from_slice(segment.get(..whole).unwrap_or_default());
            if whole < segment.len() {
                break segment_start.saturating_add(whole);
            }
            let Some(line_break) = line_break else {
                break input.len();
            };
            // Skip the run of line-break octets after the segment.
            let after = segment_start.saturating_add(line_break);
            let run = input
                .get(after..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            segment_start = after.saturating_add(run);
            if self.scratch.len() >= BULK_CHUNK || segment_start >= input.len() {
                break segment_start;
            }
        };
        if self.scratch.is_empty() {
            self.offset = self.offset.saturating_add(consumed as u64);
            return Bulk::Decoded(consumed);
        }
        let start = out.len();
        let decoded_len = self.scratch.len() / 4 * 3;
        out.resize(start.saturating_add(decoded_len), 0);
        let target = out.get_mut(start..).unwrap_or_default();
        if decode_groups(&self.scratch, target) {
            self.characters = self.characters.wrapping_add(self.scratch.len() as u64);
            self.offset = self.offset.saturating_add(consumed as u64);
            Bulk::Decoded(consumed)
        } else {
            // Padding, a space or a bad character: the octetwise decoder goes through it.
            out.truncate(start);
            Bulk::Refused(consumed)
        }
    }

    /// Decodes octet by octet, until a group of four ends when `stop_at_group` (or the input
    /// does); returns the octets consumed.
    fn octetwise(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        stop_at_group: bool,
    ) -> Result<usize, Base64Error> {
        let mut consumed = 0usize;
        for &byte in input {
            consumed = consumed.saturating_add(1);
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
            if stop_at_group && self.characters.is_multiple_of(4) {
                break;
            }
        }
        Ok(consumed)
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
