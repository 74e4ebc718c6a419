//! Header blocks read from a stream with a bound (RFC 5322 §2.2, RFC 2045 §3).
//!
//! A header block ends at its blank line, or — as `smime_mime`'s parser decides — at the
//! first line that is not a header field (that line then belongs to the body and is handed
//! back), or at the end of the input. It is never longer than [`MAX_HEADER_BLOCK`] octets:
//! a longer block, or a single endless header line, fails with
//! [`Error::BudgetExceeded`] after that many octets.

use std::io::BufRead;

use smime_mime::ContentType;

use crate::error::Error;

/// Largest header block read (all its fields and line ends). Real mail headers stay under
/// a few KiB; 64 KiB leaves room for long Received chains and DKIM signatures while keeping
/// the reader's memory bounded.
pub const MAX_HEADER_BLOCK: usize = 64 << 10;

/// One header field: its name and its value with folding undone (line breaks removed).
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) value: Vec<u8>,
    /// Where the field's raw bytes (with line ends) sit in [`HeaderBlock::raw`].
    pub(crate) raw: std::ops::Range<usize>,
}

/// A header block read from the start of a stream.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderBlock {
    /// The fields' raw bytes, as read (without the blank line).
    pub(crate) raw: Vec<u8>,
    pub(crate) fields: Vec<Field>,
    /// The first line that is not a field, when the block ended there; it belongs to the body.
    pub(crate) leftover: Vec<u8>,
    /// Whether a blank line ended the block.
    pub(crate) ended_by_blank_line: bool,
}

fn is_field_name_byte(byte: u8) -> bool {
    (33..=126).contains(&byte) && byte != b':'
}

fn strip_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

impl HeaderBlock {
    /// Reads a header block from `reader`, leaving it at the first octet of the body.
    pub(crate) fn read(reader: &mut impl BufRead) -> Result<Self, Error> {
        let mut block = Self::default();
        let mut line = Vec::new();
        loop {
            line.clear();
            let complete = read_line(reader, &mut line, block.raw.len())?;
            if line.is_empty() {
                return Ok(block); // end of input
            }
            let content = strip_line_end(&line);
            if content.is_empty() && complete {
                block.ended_by_blank_line = true;
                return Ok(block);
            }
            let first = content.first().copied().unwrap_or_default();
            let start = block.raw.len();
            if first == b' ' || first == b'\t' {
                if let Some(field) = block.fields.last_mut() {
                    field.value.extend_from_slice(content);
                    block.raw.extend_from_slice(&line);
                    field.raw.end = block.raw.len();
                    continue;
                }
                block.leftover = line;
                return Ok(block);
            }
            let name = content
                .iter()
                .position(|&b| b == b':')
                .and_then(|colon| Some((colon, content.get(..colon)?.trim_ascii_end())))
                .filter(|(_, name)| {
                    !name.is_empty() && name.iter().all(|&b| is_field_name_byte(b))
                });
            let Some((colon, name)) = name else {
                block.leftover = line;
                return Ok(block);
            };
            let value = content.get(colon.saturating_add(1)..).unwrap_or_default();
            block.fields.push(Field {
                name: String::from_utf8_lossy(name).to_ascii_lowercase(),
                value: value.to_vec(),
                raw: start..start.saturating_add(line.len()),
            });
            block.raw.extend_from_slice(&line);
            if !complete {
                return Ok(block);
            }
        }
    }

    /// The (unfolded) value of the first field of that name (lower case).
    pub(crate) fn field(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_slice())
    }

    /// The parsed Content-Type, if the block has one that parses.
    pub(crate) fn content_type(&self) -> Option<ContentType> {
        self.field("content-type")
            .and_then(ContentType::parse)
            .filter(|t| !t.media_type().is_empty())
    }

    /// The Content-Transfer-Encoding token in lower case, if there is one.
    pub(crate) fn transfer_encoding(&self) -> Option<String> {
        let value = self.field("content-transfer-encoding")?;
        let token = value
            .split(|&b| b == b';' || b == b'(')
            .next()
            .unwrap_or_default()
            .trim_ascii();
        Some(String::from_utf8_lossy(token).to_ascii_lowercase())
    }

    /// The raw bytes of every field except those named (lower case).
    pub(crate) fn raw_without(&self, name: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.raw.len());
        for field in self.fields.iter().filter(|f| f.name != name) {
            out.extend_from_slice(self.raw.get(field.raw.clone()).unwrap_or_default());
        }
        out
    }
}

/// Reads one line (through its LF, or to the end of the input) into `line`, failing when
/// the header block would pass [`MAX_HEADER_BLOCK`]. Returns whether the line ended with LF.
fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>, used: usize) -> Result<bool, Error> {
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if available.is_empty() {
            return Ok(false);
        }
        let (take, complete) = match available.iter().position(|&b| b == b'\n') {
            Some(position) => (position.saturating_add(1), true),
            None => (available.len(), false),
        };
        if used.saturating_add(line.len()).saturating_add(take) > MAX_HEADER_BLOCK {
            return Err(Error::BudgetExceeded {
                what: "MIME header block",
                limit: MAX_HEADER_BLOCK as u64,
            });
        }
        line.extend_from_slice(available.get(..take).unwrap_or_default());
        reader.consume(take);
        if complete {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_fields_and_leftover() {
        let mut input: &[u8] =
            b"Content-Type: text/plain;\r\n charset=utf-8\nX-A: 1\r\nnot a field\r\nbody";
        let block = HeaderBlock::read(&mut input).unwrap();
        assert_eq!(block.fields.len(), 2);
        assert_eq!(
            block.field("content-type").unwrap(),
            b" text/plain; charset=utf-8"
        );
        assert_eq!(block.leftover, b"not a field\r\n");
        assert!(!block.ended_by_blank_line);
        assert_eq!(input, b"body");
        assert_eq!(
            block.content_type().unwrap().parameter("charset"),
            Some("utf-8")
        );
    }

    #[test]
    fn endless_line_is_a_budget_error() {
        let data = vec![b'a'; MAX_HEADER_BLOCK + 10];
        let mut input = std::io::BufReader::new(&data[..]);
        let error = HeaderBlock::read(&mut input).unwrap_err();
        assert!(matches!(
            error,
            Error::BudgetExceeded {
                what: "MIME header block",
                ..
            }
        ));
    }
}
