//! Canonical form on the fly (RFC 8551 §3.1.1): every LF not preceded by CR becomes CR LF,
//! across chunk borders; a lone CR is left as it is (as
//! [`smime_mime::canonical::to_crlf`] does).

use std::io::{self, Read, Write};

/// The push-based converter behind [`CrlfWriter`] and [`CrlfReader`].
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Crlf {
    previous_cr: bool,
}

impl Crlf {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Appends `input` to `out` with bare LFs made CR LF.
    ///
    /// Line ends are found with `memchr`; runs between bare LFs (the whole chunk, for text
    /// already in CR LF form) are copied in one piece.
    pub(crate) fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len().saturating_add(input.len() / 32));
        // Start of the run not yet copied to `out`.
        let mut start = 0usize;
        for position in memchr::memchr_iter(b'\n', input) {
            let before = match position.checked_sub(1) {
                Some(i) => input.get(i) == Some(&b'\r'),
                None => self.previous_cr,
            };
            if !before {
                out.extend_from_slice(input.get(start..position).unwrap_or_default());
                out.push(b'\r');
                start = position;
            }
        }
        out.extend_from_slice(input.get(start..).unwrap_or_default());
        if let Some(&last) = input.last() {
            self.previous_cr = last == b'\r';
        }
    }
}

/// A `Write` that writes what it is given to `W` with bare LFs made CR LF.
///
/// ```
/// use std::io::Write;
/// use smime_stream::mime::canonical::CrlfWriter;
/// let mut writer = CrlfWriter::new(Vec::new());
/// writer.write_all(b"a\nb\r")?;
/// writer.write_all(b"\nc\n")?;
/// assert_eq!(writer.into_inner(), b"a\r\nb\r\nc\r\n");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct CrlfWriter<W: Write> {
    inner: W,
    crlf: Crlf,
    out: Vec<u8>,
}

impl<W: Write> CrlfWriter<W> {
    /// Converts into `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            crlf: Crlf::new(),
            out: Vec::new(),
        }
    }

    /// The inner writer.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: Write> Write for CrlfWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.clear();
        self.crlf.push(buf, &mut self.out);
        self.inner.write_all(&self.out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A `Read` that gives what `R` gives with bare LFs made CR LF.
///
/// ```
/// use std::io::Read;
/// use smime_stream::mime::canonical::CrlfReader;
/// let mut out = Vec::new();
/// CrlfReader::new(&b"a\nb\r\nc"[..]).read_to_end(&mut out)?;
/// assert_eq!(out, b"a\r\nb\r\nc");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct CrlfReader<R: Read> {
    inner: R,
    crlf: Crlf,
    raw: Vec<u8>,
    out: Vec<u8>,
    position: usize,
}

/// Raw octets read per refill.
const CHUNK: usize = 32 << 10;

impl<R: Read> CrlfReader<R> {
    /// Converts what `inner` gives.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            crlf: Crlf::new(),
            raw: vec![0u8; CHUNK],
            out: Vec::with_capacity(CHUNK.saturating_mul(2)),
            position: 0,
        }
    }
}

impl<R: Read> Read for CrlfReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(ready) = self.out.get(self.position..)
                && !ready.is_empty()
            {
                let n = ready.len().min(buf.len());
                if let (Some(target), Some(source)) = (buf.get_mut(..n), ready.get(..n)) {
                    target.copy_from_slice(source);
                }
                self.position = self.position.saturating_add(n);
                return Ok(n);
            }
            if buf.is_empty() {
                return Ok(0);
            }
            let n = loop {
                match self.inner.read(&mut self.raw) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                return Ok(0);
            }
            self.out.clear();
            self.position = 0;
            self.crlf
                .push(self.raw.get(..n).unwrap_or_default(), &mut self.out);
        }
    }
}

/// The entity read by [`prepare`]: its (possibly rewritten) header, then its body in canonical
/// form, base64-encoded on the fly when it had to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyForm {
    /// The body is 7-bit safe (or declared so): passed through with CR LF line ends.
    Canonical,
    /// The body is 8-bit or binary: base64-encoded; `text` bodies are made CR LF first
    /// (RFC 2045 §6.8: text is canonicalized before it is encoded).
    Base64 {
        /// Whether line ends are converted before encoding.
        text: bool,
    },
}

/// How much of a body without a Content-Transfer-Encoding is looked at to decide whether it
/// can travel as 7bit. A body that ends within this many octets and is 7-bit safe is passed
/// through; any other is base64-encoded, since a streaming signer cannot look at the end of
/// a long body before it must write its header.
pub const BODY_LOOKAHEAD: usize = 64 << 10;

/// Raw octets read per refill while preparing.
const PREPARE_CHUNK: usize = 64 << 10;

/// The header written for input that has no header block (RFC 8551 §3.1: a bare file is
/// labelled text/plain; base64 keeps its octets exactly, whatever they are).
const BARE_FILE_HEADER: &[u8] =
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";

/// An entity prepared for signing or encryption, read as a stream.
pub(crate) struct PreparedEntity<R: Read> {
    header: Vec<u8>,
    header_position: usize,
    lookahead: Vec<u8>,
    source: io::BufReader<R>,
    form: BodyForm,
    crlf: Crlf,
    base64: super::transfer_encoding::Base64Encoding,
    raw: Vec<u8>,
    text: Vec<u8>,
    out: Vec<u8>,
    out_position: usize,
    finished: bool,
}

impl<R: Read> std::fmt::Debug for PreparedEntity<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedEntity")
            .field("form", &self.form)
            .finish_non_exhaustive()
    }
}

impl<R: Read> PreparedEntity<R> {
    /// The entity's header block as written (with its blank line).
    pub(crate) fn header(&self) -> &[u8] {
        &self.header
    }

    /// How the body is written.
    #[cfg(test)]
    pub(crate) fn form(&self) -> BodyForm {
        self.form
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_position = 0;
        let raw: &[u8] = if !self.lookahead.is_empty() {
            self.raw = std::mem::take(&mut self.lookahead);
            &self.raw
        } else {
            self.raw.resize(PREPARE_CHUNK, 0);
            let n = loop {
                match self.source.read(&mut self.raw) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            self.raw.truncate(n);
            &self.raw
        };
        if raw.is_empty() {
            if let BodyForm::Base64 { .. } = self.form {
                self.base64.finish(&mut self.out);
            }
            self.finished = true;
            return Ok(());
        }
        match self.form {
            BodyForm::Canonical => self.crlf.push(raw, &mut self.out),
            BodyForm::Base64 { text: true } => {
                self.text.clear();
                self.crlf.push(raw, &mut self.text);
                self.base64.push(&self.text, &mut self.out);
            }
            BodyForm::Base64 { text: false } => self.base64.push(raw, &mut self.out),
        }
        Ok(())
    }
}

impl<R: Read> Read for PreparedEntity<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(header) = self.header.get(self.header_position..)
            && !header.is_empty()
        {
            let n = header.len().min(buf.len());
            if let (Some(target), Some(source)) = (buf.get_mut(..n), header.get(..n)) {
                target.copy_from_slice(source);
            }
            self.header_position = self.header_position.saturating_add(n);
            return Ok(n);
        }
        loop {
            if let Some(ready) = self.out.get(self.out_position..)
                && !ready.is_empty()
            {
                let n = ready.len().min(buf.len());
                if let (Some(target), Some(source)) = (buf.get_mut(..n), ready.get(..n)) {
                    target.copy_from_slice(source);
                }
                self.out_position = self.out_position.saturating_add(n);
                return Ok(n);
            }
            if self.finished || buf.is_empty() {
                return Ok(0);
            }
            self.refill()?;
        }
    }
}

/// Whether canonical `text` can travel as 7bit unchanged (the rules of
/// `smime_mime::canonical::prepare`): ASCII without NUL, CR only in CR LF, lines of at most
/// 998 octets, no white space at a line end, no line starting with `From `.
fn is_seven_bit_safe(text: &[u8]) -> bool {
    const MAX_LINE_LEN: usize = 998;
    let mut lines = text.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        let content = if last {
            line
        } else {
            match line.strip_suffix(b"\r") {
                Some(content) => content,
                None => return false,
            }
        };
        if content.len() > MAX_LINE_LEN
            || content.starts_with(b"From ")
            || matches!(content.last(), Some(b' ' | b'\t'))
            || content.iter().any(|&b| b == 0 || b == b'\r' || b >= 0x80)
        {
            return false;
        }
    }
    true
}

/// Reads a MIME entity (or a message, or a bare file) from `input` and splits it into the
/// outer header fields `selection` keeps (CR LF, without `MIME-Version`) and the entity to
/// protect, prepared as RFC 8551 §3.1 asks:
///
/// - a Content-Transfer-Encoding of 7bit, quoted-printable or base64: the body is passed
///   through with CR LF line ends (these are 7-bit data by definition);
/// - 8bit or binary: base64 on the fly (text made CR LF first);
/// - no Content-Transfer-Encoding: the first [`BODY_LOOKAHEAD`] octets decide — a short
///   7-bit safe body passes through, anything else is base64-encoded;
/// - multipart and message entities: passed through with CR LF line ends (RFC 2045 §6.4
///   forbids encoding them; their parts must already be 7-bit safe, as every mail client
///   writes them — unlike `smime_mime::canonical::prepare`, parts are not re-encoded);
/// - no header block at all: `text/plain; charset=utf-8`, base64, octets kept exactly.
pub(crate) fn prepare<R: Read>(
    input: R,
    selection: &smime_mime::HeaderSelection,
) -> Result<(Vec<u8>, PreparedEntity<R>), crate::Error> {
    use super::header::HeaderBlock;
    let mut source = io::BufReader::with_capacity(PREPARE_CHUNK, input);
    let block = HeaderBlock::read(&mut source)?;
    let mut lookahead = block.leftover.clone();
    let (outer, header, form) = if block.fields.is_empty() && !block.ended_by_blank_line {
        (
            Vec::new(),
            BARE_FILE_HEADER.to_vec(),
            BodyForm::Base64 { text: false },
        )
    } else {
        let mut fields = block.raw.clone();
        fields.extend_from_slice(b"\r\n");
        let (outer, inner) =
            smime_mime::message::split(&fields, selection).map_err(|e| crate::Error::Mime {
                what: "header block",
                detail: e.to_string().into(),
            })?;
        let inner_block = HeaderBlock::read(&mut &inner[..])?;
        let content_type = inner_block.content_type();
        let media_type = content_type
            .as_ref()
            .map_or("text", smime_mime::ContentType::media_type);
        let composite = media_type == "multipart" || media_type == "message";
        let text = media_type == "text";
        let form = match inner_block.transfer_encoding().as_deref() {
            Some("7bit" | "quoted-printable" | "base64") => BodyForm::Canonical,
            Some("8bit" | "binary") | None if composite => BodyForm::Canonical,
            Some("8bit" | "binary") => BodyForm::Base64 { text },
            None => {
                let mut limited = (&mut source).take(BODY_LOOKAHEAD as u64);
                limited.read_to_end(&mut lookahead)?;
                let mut probe = [0u8; 1];
                let at_end = source.read(&mut probe)? == 0;
                if !at_end {
                    lookahead.extend_from_slice(&probe);
                }
                let mut canonical = Vec::with_capacity(lookahead.len());
                Crlf::new().push(&lookahead, &mut canonical);
                if at_end && is_seven_bit_safe(&canonical) {
                    BodyForm::Canonical
                } else {
                    BodyForm::Base64 { text }
                }
            }
            Some(other) => {
                return Err(crate::Error::Mime {
                    what: "Content-Transfer-Encoding",
                    detail: format!("cannot prepare a body in Content-Transfer-Encoding {other:?}")
                        .into(),
                });
            }
        };
        let header = match form {
            BodyForm::Canonical => inner,
            BodyForm::Base64 { .. } => {
                let mut header = inner_block.raw_without("content-transfer-encoding");
                header.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n\r\n");
                header
            }
        };
        (outer, header, form)
    };
    Ok((
        outer,
        PreparedEntity {
            header,
            header_position: 0,
            lookahead,
            source,
            form,
            crlf: Crlf::new(),
            base64: super::transfer_encoding::Base64Encoding::new(),
            raw: Vec::new(),
            text: Vec::new(),
            out: Vec::new(),
            out_position: 0,
            finished: false,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_across_chunk_borders() {
        let mut crlf = Crlf::new();
        let mut out = Vec::new();
        crlf.push(b"a\r", &mut out);
        crlf.push(b"\nb\n", &mut out);
        crlf.push(b"\n\r", &mut out);
        crlf.push(b"x", &mut out);
        assert_eq!(out, b"a\r\nb\r\n\r\n\rx");
    }

    #[test]
    fn seven_bit_rules() {
        assert!(is_seven_bit_safe(b"hello\r\nworld\r\n"));
        assert!(!is_seven_bit_safe(b"hello \r\n"));
        assert!(!is_seven_bit_safe(b"caf\xc3\xa9"));
        assert!(!is_seven_bit_safe(b"x\r\nFrom here"));
        assert!(!is_seven_bit_safe(&[b'a'; 999]));
    }

    fn prepared(input: &[u8]) -> (Vec<u8>, Vec<u8>, BodyForm) {
        let (outer, mut entity) = prepare(input, &smime_mime::HeaderSelection::standard()).unwrap();
        let form = entity.form();
        let mut out = Vec::new();
        entity.read_to_end(&mut out).unwrap();
        (outer, out, form)
    }

    #[test]
    fn forms() {
        let (outer, entity, form) =
            prepared(b"From: a@b\nSubject: s\nContent-Type: text/plain\n\nhi\nthere\n");
        assert_eq!(outer, b"From: a@b\r\nSubject: s\r\n");
        assert_eq!(entity, b"Content-Type: text/plain\r\n\r\nhi\r\nthere\r\n");
        assert_eq!(form, BodyForm::Canonical);

        let (_, entity, form) = prepared(b"Content-Type: text/plain\n\ncaf\xc3\xa9\n");
        assert_eq!(form, BodyForm::Base64 { text: true });
        assert_eq!(
            entity,
            b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nY2Fmw6kNCg==\r\n"
        );

        let (outer, entity, form) = prepared(b"just a file\nwith two lines\n");
        assert!(outer.is_empty());
        assert_eq!(form, BodyForm::Base64 { text: false });
        assert_eq!(
            entity,
            b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nanVzdCBhIGZpbGUKd2l0aCB0d28gbGluZXMK\r\n"
        );

        let (_, entity, form) = prepared(
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\x00\x01\n\xff",
        );
        assert_eq!(form, BodyForm::Base64 { text: false });
        assert_eq!(
            entity,
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEK/w==\r\n"
        );
    }
}
