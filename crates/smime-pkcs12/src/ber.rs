//! Reading BER: re-encoding the BER forms that real PKCS#12 files use into the definite-length,
//! primitive-string form that the `der` crate decodes.
//!
//! RFC 7292 defines PKCS#12 over BER, and Windows, Java and NSS write indefinite lengths and
//! constructed (chunked) OCTET STRINGs. `der` 0.8 reads indefinite lengths but not constructed
//! strings of definite length, nor non-minimal length octets. Every structure this crate
//! decodes (the PFX, the AuthenticatedSafe, each SafeContents, each decrypted plaintext) first
//! goes through [`to_der`], which:
//!
//! - turns indefinite lengths into definite ones;
//! - joins constructed universal strings (OCTET STRING, the character strings) into one
//!   primitive string;
//! - rewrites non-minimal length octets.
//!
//! The MAC of RFC 7292 §5 is computed over the *contents octets* of the `authSafe` OCTET
//! STRING, which are the same in both forms. Context-specific constructed elements are kept
//! as they are (an `[0] IMPLICIT OCTET STRING` cannot be told apart from an `[0] EXPLICIT` tag
//! without the schema): [`EncryptedContentInfoRef`](crate::authenticated_safe::EncryptedContentInfoRef)
//! joins its chunks itself. Constructed BIT STRINGs are refused (nothing in PKCS#12 outside
//! certificates, which are opaque here, is a BIT STRING).
//!
//! Input of the already-canonical form is returned as is, without a copy. Hostile input:
//! recursion is bounded by the `max_depth` argument, every length is checked against the bytes
//! that are there, and the output is at most a few bytes per element longer than the input.

use core::ops::Deref;

use zeroize::Zeroizing;

use crate::error::{Error, Limit, Location};

/// The constructed bit of an identifier octet.
const CONSTRUCTED: u8 = 0x20;

/// A BER input re-encoded by [`to_der`]: borrowed when it needed no change.
pub(crate) enum DerBytes<'a> {
    /// The input was already in the canonical form.
    Borrowed(&'a [u8]),
    /// The re-encoded input; zeroized on drop because decrypted plaintexts go through here.
    Owned(Zeroizing<Vec<u8>>),
}

impl Deref for DerBytes<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Self::Borrowed(bytes) => bytes,
            Self::Owned(bytes) => bytes,
        }
    }
}

/// Re-encodes one BER element (the whole of `input`) as described in the
/// [module documentation](self); errors name `at`.
pub(crate) fn to_der<'a>(
    input: &'a [u8],
    max_depth: usize,
    at: &Location,
) -> Result<DerBytes<'a>, Error> {
    let mut walker = Walker {
        input,
        max_depth,
        at,
        lengths: Vec::new(),
        next_length: 0,
        out: None,
        changed: false,
    };
    let (end, total) = walker.element(0, input.len(), 1)?;
    if end != input.len() {
        return Err(Error::corrupt(
            at,
            format!(
                "{} bytes of trailing data after the ASN.1 structure",
                input.len().saturating_sub(end)
            ),
        ));
    }
    if !walker.changed {
        return Ok(DerBytes::Borrowed(input));
    }
    let mut out = Zeroizing::new(Vec::with_capacity(total));
    walker.out = Some(&mut out);
    walker.next_length = 0;
    walker.element(0, input.len(), 1)?;
    Ok(DerBytes::Owned(out))
}

/// An element's identifier and length octets.
struct Header {
    /// First byte of the identifier octets.
    first: u8,
    /// Where the identifier octets end (the length octets start).
    tag_end: usize,
    /// The contents length, or `None` for the indefinite form.
    length: Option<usize>,
    /// Where the contents start.
    content_start: usize,
}

impl Header {
    /// Whether the constructed bit is set.
    fn is_constructed(&self) -> bool {
        self.first & CONSTRUCTED != 0
    }

    /// Whether this is a universal string type that BER allows in constructed form
    /// (X.690 §8.7 OCTET STRING, §8.23 restricted character strings). High-tag-number forms
    /// never are.
    fn is_universal_string(&self) -> bool {
        self.first & 0xc0 == 0
            && matches!(
                self.first & 0x1f,
                4 | 12 | 18 | 19 | 20 | 21 | 22 | 25 | 26 | 27 | 28 | 30
            )
    }
}

/// The number of length octets DER uses for `len`.
fn length_octets(len: usize) -> usize {
    match len {
        0..=0x7f => 1,
        0x80..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xff_ffff => 4,
        _ => 5,
    }
}

/// The DER length octets of `len` (at most 2^32 - 1, which [`Walker::header`] guarantees).
fn write_length(out: &mut Vec<u8>, len: usize) {
    let bytes = (len as u64).to_be_bytes();
    let n = length_octets(len);
    if n == 1 {
        out.extend_from_slice(bytes.get(7..).unwrap_or_default());
    } else {
        out.push(0x80 | (n as u8 - 1));
        out.extend_from_slice(bytes.get(8 - (n - 1)..).unwrap_or_default());
    }
}

/// The two passes over the input: the first validates and records the re-encoded contents
/// length of every constructed element in pre-order; the second (only when something must
/// change) writes.
struct Walker<'a, 'o> {
    /// The whole input.
    input: &'a [u8],
    /// Deepest nesting allowed.
    max_depth: usize,
    /// For errors.
    at: &'o Location,
    /// Re-encoded contents length of each constructed element, in pre-order (first pass).
    lengths: Vec<usize>,
    /// Second pass: the next entry of `lengths`.
    next_length: usize,
    /// Second pass: the output.
    out: Option<&'o mut Vec<u8>>,
    /// First pass: whether any element needs re-encoding.
    changed: bool,
}

impl<'a> Walker<'a, '_> {
    /// A [`Error::Corrupt`] at this walk's location with the byte offset.
    fn corrupt(&self, offset: usize, reason: &str) -> Error {
        Error::corrupt(self.at, format!("{reason} (offset {offset})"))
    }

    /// Reads the identifier and length octets at `pos`; nothing may extend beyond `end`.
    fn header(&mut self, pos: usize, end: usize) -> Result<Header, Error> {
        let byte = |i: usize| -> Option<u8> {
            if i < end {
                self.input.get(i).copied()
            } else {
                None
            }
        };
        let first = byte(pos).ok_or_else(|| self.corrupt(pos, "truncated: expected a tag"))?;
        if first == 0 {
            return Err(self.corrupt(pos, "unexpected end-of-contents octets"));
        }
        let mut cursor = pos + 1;
        if first & 0x1f == 0x1f {
            // High tag number form (X.690 §8.1.2.4): base-128, at most 4 octets here.
            let mut octets = 0;
            loop {
                let b = byte(cursor)
                    .ok_or_else(|| self.corrupt(cursor, "truncated in a high tag number"))?;
                if octets == 0 && b == 0x80 {
                    return Err(self.corrupt(cursor, "non-minimal high tag number"));
                }
                cursor += 1;
                octets += 1;
                if b & 0x80 == 0 {
                    break;
                }
                if octets >= 4 {
                    return Err(self.corrupt(cursor, "tag number longer than 4 octets"));
                }
            }
        }
        let tag_end = cursor;
        let l0 =
            byte(cursor).ok_or_else(|| self.corrupt(cursor, "truncated: expected a length"))?;
        cursor += 1;
        let length = match l0 {
            0x00..=0x7f => Some(usize::from(l0)),
            0x80 => {
                if first & CONSTRUCTED == 0 {
                    return Err(self.corrupt(pos, "indefinite length on a primitive element"));
                }
                self.changed = true;
                None
            }
            0x81..=0x84 => {
                let n = usize::from(l0 & 0x7f);
                let mut len: usize = 0;
                for i in 0..n {
                    let b = byte(cursor + i)
                        .ok_or_else(|| self.corrupt(cursor, "truncated in the length octets"))?;
                    len = (len << 8) | usize::from(b);
                }
                if length_octets(len) != n + 1 {
                    // Non-minimal (leading zero octets, or the long form for a short length).
                    self.changed = true;
                }
                cursor += n;
                Some(len)
            }
            _ => return Err(self.corrupt(pos, "length of more than 4 octets")),
        };
        if let Some(len) = length {
            let available = end.saturating_sub(cursor);
            if len > available {
                return Err(self.corrupt(
                    pos,
                    &format!("length {len} exceeds the {available} bytes available"),
                ));
            }
        }
        Ok(Header {
            first,
            tag_end,
            length,
            content_start: cursor,
        })
    }

    /// Whether the two bytes at `pos` are end-of-contents octets.
    fn at_eoc(&self, pos: usize, end: usize) -> bool {
        pos.saturating_add(2) <= end
            && self.input.get(pos) == Some(&0)
            && self.input.get(pos + 1) == Some(&0)
    }

    /// Appends bytes in the second pass.
    fn write(&mut self, bytes: &[u8]) {
        if let Some(out) = self.out.as_deref_mut() {
            out.extend_from_slice(bytes);
        }
    }

    /// Appends length octets in the second pass.
    fn write_length(&mut self, len: usize) {
        if let Some(out) = self.out.as_deref_mut() {
            write_length(out, len);
        }
    }

    /// The input bytes `start..end`.
    fn slice(&self, start: usize, end: usize) -> Result<&'a [u8], Error> {
        let input: &'a [u8] = self.input;
        input
            .get(start..end)
            .ok_or_else(|| self.corrupt(start, "truncated"))
    }

    /// Walks the element at `pos`; returns where it ends and its re-encoded length.
    fn element(&mut self, pos: usize, end: usize, depth: usize) -> Result<(usize, usize), Error> {
        if depth > self.max_depth {
            return Err(Error::limit(
                self.at,
                Limit::Asn1Depth,
                depth as u64,
                self.max_depth as u64,
            ));
        }
        let header = self.header(pos, end)?;
        let tag_len = header.tag_end - pos;
        if !header.is_constructed() {
            let len = header.length.unwrap_or_default();
            let content_end = header.content_start + len;
            let tag = self.slice(pos, header.tag_end)?;
            let content = self.slice(header.content_start, content_end)?;
            self.write(tag);
            self.write_length(len);
            self.write(content);
            return Ok((content_end, tag_len + length_octets(len) + len));
        }

        let is_string = header.is_universal_string();
        if is_string {
            self.changed = true;
        }
        // Pre-order slot for this element's re-encoded contents length.
        let slot = if self.out.is_none() {
            self.lengths.push(0);
            self.lengths.len() - 1
        } else {
            let slot = self.next_length;
            self.next_length += 1;
            let len = self.lengths.get(slot).copied().unwrap_or_default();
            if is_string {
                // A joined string is written in its primitive form.
                self.write(&[header.first & !CONSTRUCTED]);
            } else {
                let tag = self.slice(pos, header.tag_end)?;
                self.write(tag);
            }
            self.write_length(len);
            slot
        };

        let (limit, definite_end) = match header.length {
            Some(len) => (header.content_start + len, Some(header.content_start + len)),
            None => (end, None),
        };
        let mut cursor = header.content_start;
        let mut content_len: usize = 0;
        loop {
            match definite_end {
                Some(stop) if cursor >= stop => break,
                None if self.at_eoc(cursor, limit) => {
                    cursor += 2;
                    break;
                }
                None if cursor >= limit => {
                    return Err(self.corrupt(pos, "indefinite length without end-of-contents"));
                }
                _ => {}
            }
            let (next, len) = if is_string {
                self.string_chunk(cursor, limit, depth + 1, header.first & !CONSTRUCTED)?
            } else {
                self.element(cursor, limit, depth + 1)?
            };
            cursor = next;
            content_len = content_len.saturating_add(len);
        }
        if content_len > u32::MAX as usize {
            return Err(self.corrupt(pos, "element longer than 4 GiB"));
        }
        if self.out.is_none()
            && let Some(entry) = self.lengths.get_mut(slot)
        {
            *entry = content_len;
        }
        Ok((cursor, tag_len + length_octets(content_len) + content_len))
    }

    /// Walks one chunk of a constructed string whose primitive identifier octet is
    /// `primitive_tag`; writes (second pass) and returns only the contents bytes.
    fn string_chunk(
        &mut self,
        pos: usize,
        end: usize,
        depth: usize,
        primitive_tag: u8,
    ) -> Result<(usize, usize), Error> {
        if depth > self.max_depth {
            return Err(Error::limit(
                self.at,
                Limit::Asn1Depth,
                depth as u64,
                self.max_depth as u64,
            ));
        }
        let header = self.header(pos, end)?;
        if header.first & !CONSTRUCTED != primitive_tag {
            return Err(self.corrupt(pos, "a constructed string holds a chunk of another type"));
        }
        if !header.is_constructed() {
            let len = header.length.unwrap_or_default();
            let content_end = header.content_start + len;
            let content = self.slice(header.content_start, content_end)?;
            self.write(content);
            return Ok((content_end, len));
        }
        let (limit, definite_end) = match header.length {
            Some(len) => (header.content_start + len, Some(header.content_start + len)),
            None => (end, None),
        };
        let mut cursor = header.content_start;
        let mut total: usize = 0;
        loop {
            match definite_end {
                Some(stop) if cursor >= stop => break,
                None if self.at_eoc(cursor, limit) => {
                    cursor += 2;
                    break;
                }
                None if cursor >= limit => {
                    return Err(self.corrupt(pos, "indefinite length without end-of-contents"));
                }
                _ => {}
            }
            let (next, len) = self.string_chunk(cursor, limit, depth + 1, primitive_tag)?;
            cursor = next;
            total = total.saturating_add(len);
        }
        Ok((cursor, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(input: &[u8]) -> Result<Vec<u8>, Error> {
        to_der(input, 8, &Location::pfx()).map(|b| b.to_vec())
    }

    #[test]
    fn canonical_input_is_borrowed() {
        let input = [0x30, 0x03, 0x02, 0x01, 0x05];
        assert!(matches!(
            to_der(&input, 8, &Location::pfx()),
            Ok(DerBytes::Borrowed(_))
        ));
    }

    #[test]
    fn indefinite_lengths_and_chunked_octet_strings_are_rewritten() {
        // SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { "ab", "c" }, NULL }
        let input = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x05,
            0x00, 0x00, 0x00,
        ];
        assert_eq!(
            norm(&input).unwrap(),
            [0x30, 0x07, 0x04, 0x03, b'a', b'b', b'c', 0x05, 0x00]
        );
        // Constructed definite-length OCTET STRING, nested, and a non-minimal length.
        let input = [
            0x30, 0x81, 0x0b, 0x24, 0x09, 0x04, 0x01, b'x', 0x24, 0x04, 0x04, 0x02, b'y', b'z',
        ];
        assert_eq!(
            norm(&input).unwrap(),
            [0x30, 0x05, 0x04, 0x03, b'x', b'y', b'z']
        );
        // Context-specific constructed tags are kept (only their length is rewritten).
        let input = [0xa0, 0x80, 0x04, 0x01, b'q', 0x00, 0x00];
        assert_eq!(norm(&input).unwrap(), [0xa0, 0x03, 0x04, 0x01, b'q']);
    }

    #[test]
    fn long_contents_get_long_form_lengths() {
        let mut input = vec![0x24, 0x80, 0x04, 0x81, 0xc8];
        input.extend(std::iter::repeat_n(7u8, 200));
        input.extend([0x04, 0x82, 0x01, 0x00]);
        input.extend(std::iter::repeat_n(9u8, 256));
        input.extend([0, 0]);
        let out = norm(&input).unwrap();
        assert_eq!(out.get(..4).unwrap(), [0x04, 0x82, 0x01, 0xc8]);
        assert_eq!(out.len(), 4 + 456);
    }

    #[test]
    fn malformed_input_is_refused_with_corrupt_or_limit() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x05, 0x02, 0x01],
            &[0x04, 0x80, 0x00, 0x00],
            &[0x30, 0x80, 0x02, 0x01, 0x05],
            &[0x30, 0x85, 0, 0, 0, 0, 1],
            &[0x30, 0x00, 0x00],
            &[0x00, 0x00],
            &[0x24, 0x03, 0x02, 0x01, 0x00],
            &[0x1f, 0x80, 0x01, 0x00],
        ] {
            assert!(
                matches!(norm(bad), Err(Error::Corrupt { .. })),
                "{bad:02x?} gave {:?}",
                norm(bad)
            );
        }
        let deep: Vec<u8> = std::iter::repeat_n([0x30, 0x80], 9)
            .flatten()
            .chain(std::iter::repeat_n(0, 18))
            .collect();
        assert!(matches!(
            norm(&deep),
            Err(Error::LimitExceeded {
                limit: Limit::Asn1Depth,
                ..
            })
        ));
    }
}
