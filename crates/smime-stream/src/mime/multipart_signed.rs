//! `multipart/signed` (RFC 1847 §2.1, RFC 8551 §3.5.3) written and read as a stream.
//!
//! Writing: straight through, in constant memory. The `micalg` parameter of the header,
//! which comes first, names the signers' digest algorithms, which are known before the
//! content ([`SignedDataStream::digest_algorithms`]); the prepared entity is hashed as it is
//! written out, and the signature part follows it.
//!
//! Reading: the boundary delimiter (`LF --boundary`, with the CR before it if there is one)
//! is searched in the body as received, with a lookahead of its own length only. The first
//! body part's octets (the signed entity) go to the caller's output as they are found and are
//! hashed on the way with the digest algorithms the `micalg` parameter names, both as
//! received and with CR LF line ends (constant memory, no temporary file); the signature
//! part (bounded by [`MAX_SIGNATURE_PART`]) is held in memory, and may be base64 or binary
//! DER (as AS2 sends it); the SignerInfos are then checked against those digests. A signer
//! whose digest `micalg` does not name is [`Error::MicalgMismatch`]. Without `micalg`, or
//! when it names an algorithm this crate does not hash with, the part is spooled to an
//! anonymous temporary file instead and hashed as the signature asks.

use std::io::{self, BufWriter, Read, Seek, Write};

use smime_cms::Certificate;
use smime_crypto::{CryptoProvider, DigestAlgorithm};
use smime_mime::ContentType;

use smime_mime::report::LineEnds;

use super::canonical::{Crlf, CrlfReader, PreparedEntity};
use super::header::{HeaderBlock, MAX_HEADER_BLOCK};
use super::transfer_encoding::{self, Base64Encoding};
use crate::error::Error;
use crate::signed_data::Digests;
use crate::{SignedDataStream, StreamVerification};

/// Largest signature part read (its header and base64 body). A SignedData without content
/// carries certificates and SignerInfos, which the CMS layer bounds at
/// [`MAX_BUFFERED_TOTAL`](crate::budget::MAX_BUFFERED_TOTAL); base64 and line ends add 37%.
pub const MAX_SIGNATURE_PART: usize = 12 << 20;

/// Longest rest of a boundary delimiter line (transport padding, RFC 2046 §5.1.1), and
/// longest boundary (RFC 2046 §5.1.1 allows 70 characters; some writers use more).
const MAX_DELIMITER_LINE: usize = 998;

/// Octets read per refill while scanning.
const SCAN_CHUNK: usize = 64 << 10;

/// The boundary prefix: `=_` cannot occur in a base64 body (neither character is in the
/// alphabet, `=` only pads at the end) nor in a quoted-printable one (`=` is always followed
/// by two hex digits or a line break). So the delimiter cannot occur in a body in either
/// encoding whatever its content, and in a 7bit body only by guessing 128 random bits; the
/// entity's own header, which is known, is checked.
const BOUNDARY_PREFIX: &str = "----=_smime_";

fn new_boundary(provider: &dyn CryptoProvider, known: &[&[u8]]) -> Result<String, Error> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for _ in 0..4 {
        let mut random = [0u8; 16];
        provider.fill_random(&mut random)?;
        let mut boundary = String::from(BOUNDARY_PREFIX);
        for byte in random {
            for nibble in [byte >> 4, byte & 0x0f] {
                boundary.push(char::from(
                    HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
                ));
            }
        }
        let needle = boundary.as_bytes();
        if !known
            .iter()
            .any(|text| text.windows(needle.len()).any(|w| w == needle))
        {
            return Ok(boundary);
        }
    }
    Err(Error::Mime {
        what: "multipart/signed boundary",
        detail: "could not find a boundary that does not occur in the header".into(),
    })
}

/// A `Read` that copies what it reads to a `Write`.
struct Tee<'a, R: Read, W: Write> {
    inner: &'a mut R,
    copy: &'a mut W,
}

impl<R: Read, W: Write> Read for Tee<'_, R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.copy.write_all(buf.get(..n).unwrap_or_default())?;
        Ok(n)
    }
}

/// Writes `outer`, then a `multipart/signed` of the prepared entity, to `output`, straight
/// through in constant memory: the `micalg` parameter comes from the signers' digest
/// algorithms ([`SignedDataStream::digest_algorithms`]), known before the content; the
/// entity is hashed as it is written; the signature part follows. Returns the octets signed.
/// On error, `output` holds an incomplete message.
pub(crate) fn write<R: Read, W: Write>(
    mut entity: PreparedEntity<R>,
    outer: &[u8],
    output: W,
    signed: &SignedDataStream,
    provider: &dyn CryptoProvider,
) -> Result<u64, Error> {
    let mut micalg: Vec<&str> = Vec::new();
    for algorithm in signed.digest_algorithms()? {
        let name = smime_mime::multipart_signed::micalg_name(&algorithm.oid());
        if !micalg.contains(&name) {
            micalg.push(name);
        }
    }
    let boundary = new_boundary(provider, &[outer, entity.header()])?;

    let mut out = BufWriter::with_capacity(super::IO_BUFFER, output);
    out.write_all(outer)?;
    out.write_all(b"MIME-Version: 1.0\r\n")?;
    write!(
        out,
        "Content-Type: multipart/signed; protocol=\"{}\";\r\n micalg={}; boundary=\"{boundary}\"\r\n\r\n",
        smime_mime::multipart_signed::PROTOCOL,
        micalg.join(","),
    )?;
    write!(out, "--{boundary}\r\n")?;
    let mut signature = Vec::new();
    let total = signed.clone().detached(true).sign(
        Tee {
            inner: &mut entity,
            copy: &mut out,
        },
        &mut signature,
        provider,
    )?;
    write!(
        out,
        "\r\n--{boundary}\r\n\
         Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n\
         Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n"
    )?;
    let mut encoded = Vec::new();
    let mut encoding = Base64Encoding::new();
    encoding.push(&signature, &mut encoded);
    encoding.finish(&mut encoded);
    out.write_all(&encoded)?;
    write!(out, "\r\n--{boundary}--\r\n")?;
    out.flush()?;
    Ok(total)
}

/// Finds a delimiter in a stream with a lookahead of the delimiter's length.
pub(crate) struct DelimiterScanner<R: Read> {
    source: R,
    delimiter: Vec<u8>,
    pending: Vec<u8>,
    eof: bool,
    /// Octets drained from `pending` so far (the first is the virtual line start).
    drained: u64,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    memchr::memmem::find(haystack, needle)
}

impl<R: Read> DelimiterScanner<R> {
    /// Scans `source` for `LF --boundary` (the CR before the LF, if any, is taken off the
    /// part too: RFC 2046 §5.1.1 gives the line break before a delimiter to the delimiter,
    /// and a message stored with LF line ends has only the LF). The start of the body counts
    /// as a line start, since the first delimiter may begin the body.
    pub(crate) fn new(source: R, boundary: &[u8]) -> Self {
        let mut delimiter = b"\n--".to_vec();
        delimiter.extend_from_slice(boundary);
        Self {
            source,
            delimiter,
            pending: b"\n".to_vec(),
            eof: false,
            drained: 0,
        }
    }

    /// Offset in the body of the next octet not yet handed out.
    pub(crate) fn position(&self) -> u64 {
        self.drained.saturating_sub(1)
    }

    fn drain(&mut self, count: usize) {
        let count = count.min(self.pending.len());
        self.pending.drain(..count);
        self.drained = self.drained.saturating_add(count as u64);
    }

    fn more(&mut self) -> Result<(), Error> {
        let start = self.pending.len();
        self.pending.resize(start.saturating_add(SCAN_CHUNK), 0);
        let n = loop {
            match self
                .source
                .read(self.pending.get_mut(start..).unwrap_or_default())
            {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.pending.truncate(start);
                    return Err(e.into());
                }
            }
        };
        self.pending.truncate(start.saturating_add(n));
        if n == 0 {
            self.eof = true;
        }
        Ok(())
    }

    /// Hands everything before the next delimiter (and its line break) to `sink` and consumes
    /// the delimiter. Returns false when the input ended first (everything was handed to
    /// `sink`). At most the delimiter's length is held back between reads.
    pub(crate) fn copy_until(
        &mut self,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), Error>,
    ) -> Result<bool, Error> {
        loop {
            if let Some(at) = find(&self.pending, &self.delimiter) {
                let before = at.checked_sub(1).and_then(|i| self.pending.get(i));
                let end = if before == Some(&b'\r') {
                    at.saturating_sub(1)
                } else {
                    at
                };
                sink(self.pending.get(..end).unwrap_or_default())?;
                self.drain(at.saturating_add(self.delimiter.len()));
                return Ok(true);
            }
            if self.eof {
                sink(&self.pending)?;
                self.drain(self.pending.len());
                return Ok(false);
            }
            // Keep a possible partial delimiter and the octet before it (a CR).
            let keep = self.delimiter.len();
            if self.pending.len() > keep {
                let release = self.pending.len().saturating_sub(keep);
                sink(self.pending.get(..release).unwrap_or_default())?;
                self.drain(release);
            }
            self.more()?;
        }
    }

    /// Reads the rest of a delimiter line: `Ok(true)` for a close delimiter (`--`), `Ok(false)`
    /// for one that opens a part; transport padding (spaces, tabs) is allowed.
    pub(crate) fn delimiter_end(&mut self) -> Result<bool, Error> {
        loop {
            if let Some(position) = memchr::memchr(b'\n', &self.pending) {
                let line = self.pending.get(..position).unwrap_or_default();
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let close = line.starts_with(b"--");
                let padding = if close {
                    line.get(2..).unwrap_or_default()
                } else {
                    line
                };
                let ok = padding.iter().all(|&b| b == b' ' || b == b'\t');
                if !ok {
                    return Err(Error::Mime {
                        what: "multipart/signed boundary",
                        detail: format!(
                            "the boundary delimiter ending at offset {} of the body is followed \
                             by other text on its line (the boundary occurs inside a body part)",
                            self.position()
                        )
                        .into(),
                    });
                }
                self.drain(position.saturating_add(1));
                return Ok(close);
            }
            if self.pending.len() > MAX_DELIMITER_LINE {
                return Err(Error::BudgetExceeded {
                    what: "boundary delimiter line",
                    limit: MAX_DELIMITER_LINE as u64,
                });
            }
            if self.eof {
                // A close delimiter at the very end of the input, without line break.
                let line = self.pending.as_slice();
                if line.starts_with(b"--")
                    && line
                        .get(2..)
                        .unwrap_or_default()
                        .iter()
                        .all(|&b| b == b' ' || b == b'\t' || b == b'\r')
                {
                    self.drain(self.pending.len());
                    return Ok(true);
                }
                return Err(Error::Truncated {
                    offset: self.position(),
                    what: "multipart/signed boundary delimiter line",
                });
            }
            self.more()?;
        }
    }
}

/// The digest algorithms a `micalg` parameter names (RFC 8551 §3.5.3.2 `sha-1`, `sha-256`,
/// `sha-384`, `sha-512`; RFC 2633's `sha1` and the other unhyphenated spellings too), or
/// `None` when it names one this crate does not hash with (md5, sha-224, anything else) or
/// nothing: the part is then spooled and hashed as the signature asks.
pub(crate) fn micalg_digests(micalg: &str) -> Option<Vec<DigestAlgorithm>> {
    let mut out = Vec::new();
    for name in micalg.split(',') {
        let name = name.trim().trim_matches('"').to_ascii_lowercase();
        let digest = match name.as_str() {
            "sha-1" | "sha1" => DigestAlgorithm::Sha1,
            "sha-256" | "sha256" => DigestAlgorithm::Sha256,
            "sha-384" | "sha384" => DigestAlgorithm::Sha384,
            "sha-512" | "sha512" => DigestAlgorithm::Sha512,
            _ => return None,
        };
        if !out.contains(&digest) {
            out.push(digest);
        }
    }
    // Bounded: four known names, each counted once.
    (!out.is_empty()).then_some(out)
}

/// How the first body part is kept for the signature check, which follows it.
enum Hashing {
    /// `micalg` named the digests: the part is hashed in both forms as it streams by (as
    /// received, and with bare LFs made CR LF). The two forms are equal up to the first bare
    /// LF; `smime_crypto::Hasher` has no way to copy a state, so both are fed from the start
    /// (at most 2 forms × 4 digests, constant memory).
    Digests {
        raw: Digests,
        raw_len: u64,
        crlf: Digests,
        crlf_len: u64,
    },
    /// No usable `micalg`: the part is spooled as received to an anonymous temporary file.
    Spool(BufWriter<std::fs::File>),
}

/// The first body part as it streams by: hashed (or spooled) as received, written to the
/// caller's output in the form its own header calls for (see [`verify`]).
struct FirstPart<W: Write> {
    content: W,
    hashing: Hashing,
    /// The start of the part, held until its header block is complete (bounded).
    head: Vec<u8>,
    head_canonical: Vec<u8>,
    form: Option<LineEnds>,
    crlf: Crlf,
    canonical: Vec<u8>,
    bare_lf: bool,
}

impl<W: Write> FirstPart<W> {
    fn new(
        content: W,
        micalg: Option<&[DigestAlgorithm]>,
        provider: &dyn CryptoProvider,
    ) -> Result<Self, Error> {
        let hashing = match micalg {
            Some(algorithms) => Hashing::Digests {
                raw: Digests::new(algorithms, provider)?,
                raw_len: 0,
                crlf: Digests::new(algorithms, provider)?,
                crlf_len: 0,
            },
            None => Hashing::Spool(BufWriter::with_capacity(
                super::IO_BUFFER,
                tempfile::tempfile()?,
            )),
        };
        Ok(Self {
            content,
            hashing,
            head: Vec::new(),
            head_canonical: Vec::new(),
            form: None,
            crlf: Crlf::new(),
            canonical: Vec::new(),
            bare_lf: false,
        })
    }

    fn push(&mut self, piece: &[u8]) -> Result<(), Error> {
        self.canonical.clear();
        self.crlf.push(piece, &mut self.canonical);
        if self.canonical.len() != piece.len() {
            self.bare_lf = true;
        }
        match &mut self.hashing {
            Hashing::Spool(spool) => spool.write_all(piece)?,
            Hashing::Digests {
                raw,
                raw_len,
                crlf,
                crlf_len,
            } => {
                raw.update(piece);
                *raw_len = raw_len.saturating_add(piece.len() as u64);
                crlf.update(&self.canonical);
                *crlf_len = crlf_len.saturating_add(self.canonical.len() as u64);
            }
        }
        match self.form {
            Some(LineEnds::AsReceived) => self.content.write_all(piece)?,
            Some(_) => self.content.write_all(&self.canonical)?,
            None => {
                self.head.extend_from_slice(piece);
                self.head_canonical.extend_from_slice(&self.canonical);
                let complete = self.head.starts_with(b"\n")
                    || self.head.starts_with(b"\r\n")
                    || find(&self.head, b"\n\n").is_some()
                    || find(&self.head, b"\n\r\n").is_some()
                    || self.head.len() >= MAX_HEADER_BLOCK;
                if complete {
                    self.decide()?;
                }
            }
        }
        Ok(())
    }

    /// Text, multipart and message parts (or a part without Content-Type) are written with
    /// CR LF line ends (RFC 8551 §3.1.1); any other part as received, octet for octet
    /// (binary-safe, as AS2 needs).
    fn decide(&mut self) -> Result<(), Error> {
        let head = self
            .head
            .get(..self.head.len().min(MAX_HEADER_BLOCK))
            .unwrap_or_default();
        let header = HeaderBlock::read(&mut &head[..])?;
        let textual = header
            .content_type()
            .is_none_or(|t| matches!(t.media_type(), "text" | "multipart" | "message"));
        let form = if textual {
            self.content.write_all(&self.head_canonical)?;
            LineEnds::Canonicalized
        } else {
            self.content.write_all(&self.head)?;
            LineEnds::AsReceived
        };
        self.form = Some(form);
        self.head = Vec::new();
        self.head_canonical = Vec::new();
        Ok(())
    }
}

/// Verifies a `multipart/signed` body read from `body` (the octets after the header block),
/// writing the signed entity to `content` as it is found. Returns the verification and the
/// form of the first part it is about.
///
/// The first part is written with CR LF line ends when it is text, multipart or message
/// (or has no Content-Type), else exactly as received; the signature is checked over the
/// bytes in that form and, if no signer verifies and the part had bare LFs, over the other
/// form (as `smime_mime::open` does, which tries both).
pub(crate) fn verify<R: Read, W: Write>(
    body: R,
    content_type: &ContentType,
    content: W,
    certificates: &[Certificate],
    provider: &dyn CryptoProvider,
) -> Result<(StreamVerification, LineEnds), Error> {
    let boundary = content_type
        .parameter("boundary")
        .filter(|b| !b.is_empty())
        .ok_or(Error::Mime {
            what: "multipart/signed",
            detail: "the Content-Type has no boundary parameter".into(),
        })?;
    if boundary.len() > MAX_DELIMITER_LINE {
        return Err(Error::BudgetExceeded {
            what: "multipart boundary length",
            limit: MAX_DELIMITER_LINE as u64,
        });
    }
    let mut scanner = DelimiterScanner::new(body, boundary.as_bytes());

    // The preamble is skipped.
    if !scanner.copy_until(&mut |_| Ok(()))? {
        return Err(Error::Mime {
            what: "multipart/signed boundary",
            detail: format!("the boundary {boundary:?} never occurs in the body").into(),
        });
    }
    if scanner.delimiter_end()? {
        return Err(Error::Mime {
            what: "multipart/signed",
            detail: "the multipart is closed before its first body part".into(),
        });
    }

    // The first body part: the signed entity.
    let micalg = content_type.parameter("micalg").map(str::to_owned);
    let micalg_algorithms = micalg.as_deref().and_then(micalg_digests);
    let mut first = FirstPart::new(
        BufWriter::with_capacity(super::IO_BUFFER, content),
        micalg_algorithms.as_deref(),
        provider,
    )?;
    let found = scanner.copy_until(&mut |piece| first.push(piece))?;
    if first.form.is_none() {
        first.decide()?;
    }
    first.content.flush()?;
    if !found {
        return Err(Error::Mime {
            what: "multipart/signed boundary",
            detail: format!(
                "the input ends at offset {} of the body, inside the signed body part: the \
                 boundary never closes it",
                scanner.position()
            )
            .into(),
        });
    }
    if scanner.delimiter_end()? {
        return Err(Error::Mime {
            what: "multipart/signed",
            detail: "there is no signature part: the multipart closes after the first part".into(),
        });
    }

    // The signature part, bounded.
    let mut part = Vec::new();
    let found = scanner.copy_until(&mut |piece| {
        if part.len().saturating_add(piece.len()) > MAX_SIGNATURE_PART {
            return Err(Error::BudgetExceeded {
                what: "multipart/signed signature part",
                limit: MAX_SIGNATURE_PART as u64,
            });
        }
        part.extend_from_slice(piece);
        Ok(())
    })?;
    if !found {
        return Err(Error::Mime {
            what: "multipart/signed boundary",
            detail: format!(
                "the input ends at offset {} of the body, inside the signature part: the \
                 multipart is never closed",
                scanner.position()
            )
            .into(),
        });
    }
    if !scanner.delimiter_end()? {
        return Err(Error::Mime {
            what: "multipart/signed",
            detail: format!(
                "a third body part starts at offset {} of the body (RFC 1847 §2.1 has exactly \
                 two)",
                scanner.position()
            )
            .into(),
        });
    }
    let signature = signature_octets(&part)?;

    let written = first.form.unwrap_or(LineEnds::Canonicalized);
    let bare_lf = first.bare_lf;
    let other = match written {
        LineEnds::AsReceived => LineEnds::Canonicalized,
        _ => LineEnds::AsReceived,
    };
    match first.hashing {
        Hashing::Digests {
            raw,
            raw_len,
            crlf,
            crlf_len,
        } => {
            let micalg = micalg.unwrap_or_default();
            let mut raw = Some((raw.finish(), raw_len));
            let mut crlf = Some((crlf.finish(), crlf_len));
            let mut check = |form: LineEnds| -> Result<StreamVerification, Error> {
                let taken = match form {
                    LineEnds::AsReceived => raw.take(),
                    _ => crlf.take(),
                };
                let (digests, len) = taken.unwrap_or_default();
                let verification = crate::signed_data::verify_detached_digests(
                    &signature,
                    &digests,
                    len,
                    certificates,
                    provider,
                )?;
                for report in verification.signers() {
                    if let Some(digest) = report.digest()
                        && !digests.contains_key(&digest)
                    {
                        return Err(Error::MicalgMismatch {
                            signer: report.index(),
                            digest: smime_mime::multipart_signed::micalg_name(&digest.oid()),
                            micalg: micalg.clone(),
                        });
                    }
                }
                Ok(verification)
            };
            let verification = check(written)?;
            if verification.require_all_valid().is_err()
                && bare_lf
                && let Ok(alternative) = check(other)
                && alternative.require_all_valid().is_ok()
            {
                return Ok((alternative, other));
            }
            Ok((verification, written))
        }
        Hashing::Spool(spool) => {
            let mut spool = spool.into_inner().map_err(|e| Error::Io(e.into_error()))?;
            let mut check = |form: LineEnds| -> Result<StreamVerification, Error> {
                spool.rewind()?;
                let reader = io::BufReader::with_capacity(super::IO_BUFFER, &mut spool);
                match form {
                    LineEnds::AsReceived => crate::signed_data::verify_detached(
                        &signature,
                        reader,
                        certificates,
                        provider,
                    ),
                    _ => crate::signed_data::verify_detached(
                        &signature,
                        CrlfReader::new(reader),
                        certificates,
                        provider,
                    ),
                }
            };
            let verification = check(written)?;
            if verification.require_all_valid().is_err()
                && bare_lf
                && let Ok(alternative) = check(other)
                && alternative.require_all_valid().is_ok()
            {
                return Ok((alternative, other));
            }
            Ok((verification, written))
        }
    }
}

/// The CMS octets of the signature part (header block and body, CR LF).
fn signature_octets(part: &[u8]) -> Result<Vec<u8>, Error> {
    let mut reader = part;
    let header = HeaderBlock::read(&mut reader)?;
    if let Some(content_type) = header.content_type() {
        let subtype = content_type.subtype();
        let fits = content_type.media_type() == "application"
            && matches!(
                subtype,
                "pkcs7-signature" | "x-pkcs7-signature" | "octet-stream"
            );
        if !fits {
            return Err(Error::Mime {
                what: "multipart/signed",
                detail: format!(
                    "the second part is {}, not application/pkcs7-signature",
                    content_type.essence()
                )
                .into(),
            });
        }
    }
    let mut body = header.leftover.clone();
    body.extend_from_slice(reader);
    match header.transfer_encoding().as_deref() {
        Some("base64") => transfer_encoding::decode(&body),
        None | Some("7bit" | "8bit" | "binary") => {
            // A binary signature: the CR LF before the delimiter was the delimiter's.
            Ok(body)
        }
        Some(other) => Err(Error::Mime {
            what: "multipart/signed signature part",
            detail: format!("unsupported Content-Transfer-Encoding {other:?}").into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_positions() {
        let body = b"preamble\r\n--b\r\nfirst\r\n--b\r\nsecond part";
        let mut scanner = DelimiterScanner::new(&body[..], b"b");
        assert!(scanner.copy_until(&mut |_| Ok(())).unwrap());
        assert!(!scanner.delimiter_end().unwrap());
        let mut first = Vec::new();
        assert!(
            scanner
                .copy_until(&mut |p| {
                    first.extend_from_slice(p);
                    Ok(())
                })
                .unwrap()
        );
        assert_eq!(first, b"first");
        assert!(!scanner.delimiter_end().unwrap());
        assert_eq!(scanner.position(), 27);
        assert!(!scanner.copy_until(&mut |_| Ok(())).unwrap());
        assert_eq!(scanner.position(), body.len() as u64);
    }
}
