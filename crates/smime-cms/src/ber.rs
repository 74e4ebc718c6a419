//! X.690 encodings: a reader for BER (indefinite lengths, constructed strings) and DER, and the
//! few DER writing primitives the builders need.
//!
//! CMS is defined over BER (RFC 5652 §1.2): streaming signers such as `openssl cms -stream`
//! write indefinite lengths and chunked (constructed) OCTET STRINGs, while the signed
//! attributes are signed over their DER encoding. This reader therefore never re-encodes
//! what it reads: every element keeps its original bytes ([`Tlv::raw`]).
//!
//! Everything here takes hostile input: no recursion on input data (the end of an
//! indefinite-length element is found by an iterative scan with a depth counter), every length
//! is checked against the bytes that are actually there, and nesting is bounded by
//! [`MAX_NESTING_DEPTH`](crate::budget::MAX_NESTING_DEPTH).

use std::borrow::Cow;

use crate::budget::{MAX_NESTING_DEPTH, MAX_TAG_NUMBER_OCTETS};
use crate::error::Error;

/// Identifier octet of a universal SEQUENCE (constructed).
pub(crate) const SEQUENCE: u8 = 0x30;
/// Identifier octet of a universal SET (constructed).
pub(crate) const SET: u8 = 0x31;
/// Identifier octet of a universal INTEGER.
pub(crate) const INTEGER: u8 = 0x02;
/// Identifier octet of a universal OCTET STRING (primitive form).
pub(crate) const OCTET_STRING: u8 = 0x04;
/// Identifier octet of a universal OBJECT IDENTIFIER.
pub(crate) const OBJECT_IDENTIFIER: u8 = 0x06;
/// Constructed bit of an identifier octet.
const CONSTRUCTED: u8 = 0x20;
/// Identifier octet of `[0]` constructed (EXPLICIT tags and IMPLICIT SET/SEQUENCE).
pub(crate) const CONTEXT_0: u8 = 0xA0;
/// Identifier octet of `[1]` constructed.
pub(crate) const CONTEXT_1: u8 = 0xA1;
/// Identifier octet of `[2]` constructed.
pub(crate) const CONTEXT_2: u8 = 0xA2;
/// Identifier octet of `[0]` primitive (IMPLICIT OCTET STRING and such).
pub(crate) const CONTEXT_PRIMITIVE_0: u8 = 0x80;

/// A tag: class, constructed bit and number (X.690 §8.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tag {
    /// The identifier octet as written (for low tag numbers this is the whole tag).
    first: u8,
    /// The tag number (equal to `first & 0x1f` in the low-tag-number form).
    number: u32,
}

impl Tag {
    /// The identifier octet, if the tag fits in one (tag number below 31).
    fn single_octet(self) -> Option<u8> {
        (self.first & 0x1f != 0x1f).then_some(self.first)
    }

    /// Whether this tag is exactly the single identifier octet `id`.
    pub(crate) fn is(self, id: u8) -> bool {
        self.single_octet() == Some(id)
    }

    /// Whether the constructed bit is set.
    pub(crate) fn is_constructed(self) -> bool {
        self.first & CONSTRUCTED != 0
    }

    /// The same tag with the constructed bit cleared (what a string's chunks must carry).
    fn primitive_form(self) -> Self {
        Self {
            first: self.first & !CONSTRUCTED,
            number: self.number,
        }
    }

    /// Whether this is a universal string type that BER allows in constructed form and whose
    /// chunks simply concatenate (X.690 §8.7.1, §8.23). A constructed BIT STRING (§8.6.4),
    /// whose chunks each carry an unused-bits octet, is not joined: it stays constructed and
    /// fails to decode, which is its fate in every DER structure anyway.
    fn is_string_type(self) -> bool {
        let universal = self.first & 0xc0 == 0;
        universal
            && matches!(
                self.number,
                4 | 12 | 18 | 19 | 20 | 21 | 22 | 25 | 26 | 27 | 28 | 30
            )
    }
}

impl core::fmt::Display for Tag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.single_octet() {
            Some(octet) => write!(f, "0x{octet:02x}"),
            None => write!(f, "[class {} number {}]", self.first >> 6, self.number),
        }
    }
}

/// One element (tag, length, value) of a BER or DER encoding, borrowing the input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tlv<'a> {
    /// The element's tag.
    pub(crate) tag: Tag,
    /// The whole encoding: identifier, length, contents and, for an indefinite length, the
    /// end-of-contents octets.
    pub(crate) raw: &'a [u8],
    /// The contents octets (without the end-of-contents octets).
    pub(crate) content: &'a [u8],
    /// Whether the length was indefinite (BER only).
    pub(crate) indefinite: bool,
    /// Offset of the element in the outermost input, for error messages.
    pub(crate) offset: usize,
    /// Offset of the contents in the outermost input.
    content_offset: usize,
}

impl<'a> Tlv<'a> {
    /// Parses exactly one element that must fill `input`.
    pub(crate) fn parse_exact(input: &'a [u8], what: &'static str) -> Result<Self, Error> {
        let mut reader = Reader::new(input, 0, what);
        let tlv = reader.read()?;
        reader.finish()?;
        Ok(tlv)
    }

    /// A reader over the contents of this (constructed) element.
    pub(crate) fn reader(&self, what: &'static str) -> Result<Reader<'a>, Error> {
        if !self.tag.is_constructed() {
            return Err(Error::malformed(
                what,
                self.offset,
                "expected a constructed element",
            ));
        }
        Ok(Reader::new(self.content, self.content_offset, what))
    }

    /// Fails unless this element has the identifier octet `id`.
    pub(crate) fn expect(self, id: u8, what: &'static str) -> Result<Self, Error> {
        if self.tag.is(id) {
            Ok(self)
        } else {
            Err(Error::malformed_owned(
                what,
                self.offset,
                format!("expected tag 0x{id:02x}, found {}", self.tag),
            ))
        }
    }

    /// The value of a string type whose tag is `primitive_id` (such as OCTET STRING), joining
    /// the chunks of a constructed (BER) encoding. Borrowed when the encoding is primitive.
    pub(crate) fn string_value(
        &self,
        primitive_id: u8,
        what: &'static str,
    ) -> Result<Cow<'a, [u8]>, Error> {
        if self.tag.is(primitive_id) {
            return Ok(Cow::Borrowed(self.content));
        }
        if !self.tag.is(primitive_id | CONSTRUCTED) {
            return Err(Error::malformed_owned(
                what,
                self.offset,
                format!("expected tag 0x{primitive_id:02x}, found {}", self.tag),
            ));
        }
        let mut out = Vec::new();
        join_chunks(*self, self.tag.primitive_form(), &mut out, what)?;
        Ok(Cow::Owned(out))
    }

    /// The value of an IMPLICITLY tagged OCTET STRING whose primitive identifier octet is
    /// `primitive_id` (such as `encryptedContent [0] IMPLICIT OCTET STRING`, RFC 5652 §6.1):
    /// primitive, or constructed (BER) with chunks that keep the universal OCTET STRING tag
    /// (X.690 §8.7.3.2; what `openssl cms -stream` writes). Borrowed when primitive.
    pub(crate) fn implicit_octet_string_value(
        &self,
        primitive_id: u8,
        what: &'static str,
    ) -> Result<Cow<'a, [u8]>, Error> {
        if self.tag.is(primitive_id) {
            return Ok(Cow::Borrowed(self.content));
        }
        if !self.tag.is(primitive_id | CONSTRUCTED) {
            return Err(Error::malformed_owned(
                what,
                self.offset,
                format!("expected tag 0x{primitive_id:02x}, found {}", self.tag),
            ));
        }
        let chunk_tag = Tag {
            first: OCTET_STRING,
            number: u32::from(OCTET_STRING),
        };
        let mut out = Vec::with_capacity(self.content.len());
        join_chunks(*self, chunk_tag, &mut out, what)?;
        Ok(Cow::Owned(out))
    }

    /// The DER encoding of this element: the original bytes when they already are DER-shaped
    /// (definite lengths, primitive strings), otherwise a transcoding that makes lengths
    /// definite and minimal and joins constructed strings. SET OF elements are not re-sorted.
    pub(crate) fn to_der(self, what: &'static str) -> Result<Cow<'a, [u8]>, Error> {
        if !needs_transcoding(self, what)? {
            return Ok(Cow::Borrowed(self.raw));
        }
        let mut out = Vec::with_capacity(self.raw.len());
        transcode(self, &mut out, what, 0)?;
        Ok(Cow::Owned(out))
    }
}

/// Reads consecutive elements from a slice of contents octets.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    base: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `input`, which starts at offset `base` of the outermost input.
    pub(crate) fn new(input: &'a [u8], base: usize, what: &'static str) -> Self {
        Self {
            input,
            pos: 0,
            base,
            what,
        }
    }

    /// Whether every element has been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.input.len()
    }

    /// Fails if anything is left after the last expected element.
    pub(crate) fn finish(&self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::malformed(
                self.what,
                self.base.saturating_add(self.pos),
                "unexpected data after the last element",
            ))
        }
    }

    /// The tag of the next element without consuming it, if there is one.
    pub(crate) fn peek_tag(&self) -> Option<Tag> {
        let rest = self.input.get(self.pos..)?;
        let (tag, _) = read_tag(rest).ok()?;
        Some(tag)
    }

    /// Reads the next element, if its tag is the single identifier octet `id`.
    pub(crate) fn read_optional(&mut self, id: u8) -> Result<Option<Tlv<'a>>, Error> {
        match self.peek_tag() {
            Some(tag) if tag.is(id) => self.read().map(Some),
            _ => Ok(None),
        }
    }

    /// Reads the next element, which must have the identifier octet `id`.
    pub(crate) fn read_expected(&mut self, id: u8) -> Result<Tlv<'a>, Error> {
        self.read()?.expect(id, self.what)
    }

    /// Reads the next element.
    pub(crate) fn read(&mut self) -> Result<Tlv<'a>, Error> {
        let offset = self.base.saturating_add(self.pos);
        let rest = self
            .input
            .get(self.pos..)
            .filter(|rest| !rest.is_empty())
            .ok_or_else(|| Error::malformed(self.what, offset, "missing element (truncated?)"))?;
        let (tlv, used) = parse_one(rest, offset, self.what)?;
        self.pos = self.pos.saturating_add(used);
        Ok(tlv)
    }
}

/// Parses the tag octets at the start of `input`; returns the tag and how many octets it used.
fn read_tag(input: &[u8]) -> Result<(Tag, usize), &'static str> {
    let first = *input.first().ok_or("missing tag")?;
    if first & 0x1f != 0x1f {
        return Ok((
            Tag {
                first,
                number: u32::from(first & 0x1f),
            },
            1,
        ));
    }
    // High-tag-number form (X.690 §8.1.2.4): base-128, at most MAX_TAG_NUMBER_OCTETS octets.
    let mut number: u32 = 0;
    for (index, octet) in input.iter().skip(1).enumerate() {
        if index >= MAX_TAG_NUMBER_OCTETS {
            return Err("tag number too long");
        }
        if index == 0 && *octet == 0x80 {
            return Err("tag number with a leading zero octet");
        }
        number = (number << 7) | u32::from(octet & 0x7f);
        if octet & 0x80 == 0 {
            return Ok((Tag { first, number }, index.saturating_add(2)));
        }
    }
    Err("truncated tag")
}

/// The length octets: `Some(len)` for a definite length, `None` for indefinite.
fn read_length(input: &[u8]) -> Result<(Option<usize>, usize), &'static str> {
    let first = *input.first().ok_or("missing length")?;
    if first < 0x80 {
        return Ok((Some(usize::from(first)), 1));
    }
    if first == 0x80 {
        return Ok((None, 1));
    }
    let count = usize::from(first & 0x7f);
    // Four length octets describe 4 GiB, far beyond any message we accept.
    if count > 4 {
        return Err("length too large");
    }
    let octets = input.get(1..=count).ok_or("truncated length")?;
    let mut len: usize = 0;
    for octet in octets {
        len = (len << 8) | usize::from(*octet);
    }
    Ok((Some(len), count.saturating_add(1)))
}

/// Parses one element at the start of `input` (which sits at `offset` in the outermost input).
/// Returns the element and the number of octets it occupies.
fn parse_one<'a>(
    input: &'a [u8],
    offset: usize,
    what: &'static str,
) -> Result<(Tlv<'a>, usize), Error> {
    let (tag, tag_len) =
        read_tag(input).map_err(|reason| Error::malformed(what, offset, reason))?;
    let after_tag = input.get(tag_len..).unwrap_or_default();
    let (length, len_len) =
        read_length(after_tag).map_err(|reason| Error::malformed(what, offset, reason))?;
    let header_len = tag_len.saturating_add(len_len);
    let body = input.get(header_len..).unwrap_or_default();
    let content_offset = offset.saturating_add(header_len);
    match length {
        Some(len) => {
            let content = body.get(..len).ok_or_else(|| {
                Error::malformed(
                    what,
                    offset,
                    "length exceeds the available data (truncated?)",
                )
            })?;
            let total = header_len.saturating_add(len);
            let raw = input.get(..total).unwrap_or_default();
            Ok((
                Tlv {
                    tag,
                    raw,
                    content,
                    indefinite: false,
                    offset,
                    content_offset,
                },
                total,
            ))
        }
        None => {
            if !tag.is_constructed() {
                return Err(Error::malformed(
                    what,
                    offset,
                    "indefinite length on a primitive element",
                ));
            }
            let content_len = indefinite_content_len(body, content_offset, what)?;
            let content = body.get(..content_len).unwrap_or_default();
            // Contents, then the two end-of-contents octets.
            let total = header_len.saturating_add(content_len).saturating_add(2);
            let raw = input.get(..total).unwrap_or_default();
            Ok((
                Tlv {
                    tag,
                    raw,
                    content,
                    indefinite: true,
                    offset,
                    content_offset,
                },
                total,
            ))
        }
    }
}

/// Finds the end of an indefinite-length contents: the length of the contents before the
/// matching end-of-contents octets. Iterative: nested indefinite lengths only move a depth
/// counter, which is bounded by [`MAX_NESTING_DEPTH`].
fn indefinite_content_len(
    body: &[u8],
    body_offset: usize,
    what: &'static str,
) -> Result<usize, Error> {
    let mut pos: usize = 0;
    let mut depth: usize = 1;
    loop {
        let at = body_offset.saturating_add(pos);
        let rest = body
            .get(pos..)
            .filter(|rest| !rest.is_empty())
            .ok_or_else(|| Error::malformed(what, at, "missing end-of-contents (truncated?)"))?;
        if rest.first() == Some(&0) {
            // End-of-contents: 00 00.
            if rest.get(1) != Some(&0) {
                return Err(Error::malformed(
                    what,
                    at,
                    "malformed end-of-contents octets",
                ));
            }
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Ok(pos);
            }
            pos = pos.saturating_add(2);
            continue;
        }
        let (tag, tag_len) = read_tag(rest).map_err(|reason| Error::malformed(what, at, reason))?;
        let after_tag = rest.get(tag_len..).unwrap_or_default();
        let (length, len_len) =
            read_length(after_tag).map_err(|reason| Error::malformed(what, at, reason))?;
        let header_len = tag_len.saturating_add(len_len);
        match length {
            Some(len) => {
                let total = header_len.saturating_add(len);
                if total > rest.len() {
                    return Err(Error::malformed(
                        what,
                        at,
                        "length exceeds the available data (truncated?)",
                    ));
                }
                pos = pos.saturating_add(total);
            }
            None => {
                if !tag.is_constructed() {
                    return Err(Error::malformed(
                        what,
                        at,
                        "indefinite length on a primitive element",
                    ));
                }
                if depth >= MAX_NESTING_DEPTH {
                    return Err(Error::NestingTooDeep {
                        offset: at,
                        limit: MAX_NESTING_DEPTH,
                    });
                }
                depth = depth.saturating_add(1);
                pos = pos.saturating_add(header_len);
            }
        }
    }
}

/// Appends the chunks of a constructed string to `out`; chunks may themselves be constructed
/// (X.690 §8.7.3.2). Iterative, with an explicit stack bounded by [`MAX_NESTING_DEPTH`].
fn join_chunks(
    outer: Tlv<'_>,
    chunk_tag: Tag,
    out: &mut Vec<u8>,
    what: &'static str,
) -> Result<(), Error> {
    let constructed_tag = Tag {
        first: chunk_tag.first | CONSTRUCTED,
        number: chunk_tag.number,
    };
    let mut stack: Vec<Reader<'_>> = vec![outer.reader(what)?];
    while let Some(reader) = stack.last_mut() {
        if reader.is_empty() {
            stack.pop();
            continue;
        }
        let chunk = reader.read()?;
        if chunk.tag == chunk_tag {
            out.extend_from_slice(chunk.content);
        } else if chunk.tag == constructed_tag {
            if stack.len() >= MAX_NESTING_DEPTH {
                return Err(Error::NestingTooDeep {
                    offset: chunk.offset,
                    limit: MAX_NESTING_DEPTH,
                });
            }
            stack.push(chunk.reader(what)?);
        } else {
            return Err(Error::malformed_owned(
                what,
                chunk.offset,
                format!("constructed string chunk has tag {}", chunk.tag),
            ));
        }
    }
    Ok(())
}

/// Whether `tlv` (or anything inside it) uses a BER-only form that DER forbids: an indefinite
/// length, a constructed string, or a non-minimal length.
fn needs_transcoding(tlv: Tlv<'_>, what: &'static str) -> Result<bool, Error> {
    let mut stack: Vec<(Tlv<'_>, usize)> = vec![(tlv, 0)];
    while let Some((element, depth)) = stack.pop() {
        if element.indefinite || (element.tag.is_constructed() && element.tag.is_string_type()) {
            return Ok(true);
        }
        let header_len = element.raw.len().saturating_sub(element.content.len());
        let tag_len = read_tag(element.raw).map(|(_, len)| len).unwrap_or(1);
        if header_len.saturating_sub(tag_len) != length_octets_len(element.content.len()) {
            return Ok(true);
        }
        // Only constructed elements can hold a BER-only form; a primitive leaf is not pushed.
        if element.tag.is_constructed() {
            if depth >= MAX_NESTING_DEPTH {
                return Err(Error::NestingTooDeep {
                    offset: element.offset,
                    limit: MAX_NESTING_DEPTH,
                });
            }
            let mut reader = element.reader(what)?;
            while !reader.is_empty() {
                let child = reader.read()?;
                if child.tag.is_constructed() || child.indefinite {
                    stack.push((child, depth.saturating_add(1)));
                } else {
                    let header_len = child.raw.len().saturating_sub(child.content.len());
                    let tag_len = read_tag(child.raw).map(|(_, len)| len).unwrap_or(1);
                    if header_len.saturating_sub(tag_len) != length_octets_len(child.content.len())
                    {
                        return Ok(true);
                    }
                }
            }
        }
    }
    Ok(false)
}

/// Writes the DER form of `tlv` to `out` (see [`Tlv::to_der`]). Recursion is bounded by
/// [`MAX_NESTING_DEPTH`], so a hostile input cannot exhaust the stack.
fn transcode(
    tlv: Tlv<'_>,
    out: &mut Vec<u8>,
    what: &'static str,
    depth: usize,
) -> Result<(), Error> {
    if depth >= MAX_NESTING_DEPTH {
        return Err(Error::NestingTooDeep {
            offset: tlv.offset,
            limit: MAX_NESTING_DEPTH,
        });
    }
    let tag_len = read_tag(tlv.raw)
        .map(|(_, len)| len)
        .map_err(|reason| Error::malformed(what, tlv.offset, reason))?;
    let tag_octets = tlv.raw.get(..tag_len).unwrap_or_default();
    if tlv.tag.is_constructed() && tlv.tag.is_string_type() {
        // A constructed string becomes primitive (X.690 §10.2).
        let mut value = Vec::new();
        join_chunks(tlv, tlv.tag.primitive_form(), &mut value, what)?;
        let mut first = tag_octets.to_vec();
        if let Some(octet) = first.first_mut() {
            *octet &= !CONSTRUCTED;
        }
        out.extend_from_slice(&first);
        push_length(out, value.len());
        out.extend_from_slice(&value);
        return Ok(());
    }
    if !tlv.tag.is_constructed() {
        out.extend_from_slice(tag_octets);
        push_length(out, tlv.content.len());
        out.extend_from_slice(tlv.content);
        return Ok(());
    }
    let mut inner = Vec::with_capacity(tlv.content.len());
    let mut reader = tlv.reader(what)?;
    while !reader.is_empty() {
        transcode(reader.read()?, &mut inner, what, depth.saturating_add(1))?;
    }
    out.extend_from_slice(tag_octets);
    push_length(out, inner.len());
    out.extend_from_slice(&inner);
    Ok(())
}

/// How many octets the DER length of a contents length takes (X.690 §10.1), without building
/// them.
fn length_octets_len(len: usize) -> usize {
    if len < 0x80 {
        return 1;
    }
    let significant = (usize::BITS - len.leading_zeros()).div_ceil(8);
    // At most size_of::<usize>() = 8 octets.
    usize::try_from(significant).unwrap_or(8).saturating_add(1)
}

/// The DER length octets for a contents length (X.690 §10.1: the shortest form).
#[allow(
    dead_code,
    reason = "the crate's encoder of length octets for its other modules (EnvelopedData used it); the unit tests pin its output"
)]
pub(crate) fn length_octets(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(length_octets_len(len));
    push_length(&mut out, len);
    out
}

/// Appends the DER length octets for a contents length to `out` (X.690 §10.1).
fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Cannot truncate: len < 0x80.
        out.push(u8::try_from(len).unwrap_or(0));
        return;
    }
    let count = length_octets_len(len).saturating_sub(1);
    let bytes = len.to_be_bytes();
    // At most size_of::<usize>() = 8 octets, so this fits in the low 7 bits.
    out.push(0x80 | u8::try_from(count).unwrap_or(0));
    out.extend_from_slice(
        bytes
            .get(bytes.len().saturating_sub(count)..)
            .unwrap_or_default(),
    );
}

/// Encodes one DER element with a single-octet identifier.
pub(crate) fn encode(id: u8, content: &[u8]) -> Vec<u8> {
    encode_parts(id, &[content])
}

/// Encodes one DER element whose contents are the concatenation of `parts`.
pub(crate) fn encode_parts(id: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len = parts
        .iter()
        .fold(0usize, |sum, part| sum.saturating_add(part.len()));
    let mut out = Vec::with_capacity(len.saturating_add(length_octets_len(len)).saturating_add(1));
    out.push(id);
    push_length(&mut out, len);
    for part in parts {
        out.extend_from_slice(part);
    }
    out
}

/// Encodes a DER SET OF: the elements sorted as X.690 §11.6 requires (ascending order of
/// their encodings compared as octet strings).
pub(crate) fn encode_set_of(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    let parts: Vec<&[u8]> = elements.iter().map(Vec::as_slice).collect();
    encode_parts(SET, &parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_and_indefinite() {
        // SEQUENCE (indefinite) { INTEGER 1, OCTET STRING (constructed, indefinite) { "ab", "c" } }
        let ber = hex::decode("308002010124800402616204016300000000").unwrap();
        let tlv = Tlv::parse_exact(&ber, "test").unwrap();
        assert!(tlv.indefinite);
        let mut reader = tlv.reader("test").unwrap();
        let int = reader.read_expected(INTEGER).unwrap();
        assert_eq!(int.content, [1]);
        let string = reader.read().unwrap();
        assert_eq!(&*string.string_value(OCTET_STRING, "test").unwrap(), b"abc");
        reader.finish().unwrap();
        assert_eq!(
            &*tlv.to_der("test").unwrap(),
            hex::decode("30080201010403616263").unwrap()
        );
    }

    #[test]
    fn der_is_borrowed() {
        let der = hex::decode("3006020101040161").unwrap();
        let tlv = Tlv::parse_exact(&der, "test").unwrap();
        assert!(matches!(tlv.to_der("test").unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn non_minimal_length_is_transcoded() {
        let ber = hex::decode("3081030201 01".replace(' ', "")).unwrap();
        let tlv = Tlv::parse_exact(&ber, "test").unwrap();
        assert_eq!(
            &*tlv.to_der("test").unwrap(),
            hex::decode("3003020101").unwrap()
        );
    }

    #[test]
    fn truncation_and_overlong() {
        assert!(Tlv::parse_exact(&[0x30, 0x05, 0x02, 0x01], "t").is_err());
        assert!(Tlv::parse_exact(&[0x30, 0x85, 1, 1, 1, 1, 1], "t").is_err());
        assert!(Tlv::parse_exact(&[0x04, 0x80, 0, 0], "t").is_err());
        assert!(Tlv::parse_exact(&[0x30, 0x80, 0x02, 0x01, 0x01], "t").is_err());
        assert!(Tlv::parse_exact(&[0x1f, 0x80, 0x01, 0x00], "t").is_err());
        assert!(Tlv::parse_exact(&[], "t").is_err());
    }

    #[test]
    fn nesting_is_bounded() {
        let deep: Vec<u8> = [0x30, 0x80].repeat(MAX_NESTING_DEPTH + 1);
        assert!(matches!(
            Tlv::parse_exact(&deep, "t"),
            Err(Error::NestingTooDeep { .. })
        ));
    }

    #[test]
    fn implicit_octet_string_chunks_keep_the_universal_tag() {
        // [0] IMPLICIT OCTET STRING, constructed and indefinite, chunks 04 "ab", 04 "c".
        let ber = hex::decode("a080040261620401630000").unwrap();
        let tlv = Tlv::parse_exact(&ber, "t").unwrap();
        assert_eq!(
            &*tlv.implicit_octet_string_value(0x80, "t").unwrap(),
            b"abc"
        );
        // Primitive form.
        let der = hex::decode("8003616263").unwrap();
        let tlv = Tlv::parse_exact(&der, "t").unwrap();
        assert!(matches!(
            tlv.implicit_octet_string_value(0x80, "t").unwrap(),
            Cow::Borrowed(b"abc")
        ));
        // A chunk with another tag is refused.
        let bad = hex::decode("a0800c0161 0000".replace(' ', "")).unwrap();
        let tlv = Tlv::parse_exact(&bad, "t").unwrap();
        assert!(tlv.implicit_octet_string_value(0x80, "t").is_err());
        // Another tag altogether.
        let other = hex::decode("0403616263").unwrap();
        let tlv = Tlv::parse_exact(&other, "t").unwrap();
        assert!(tlv.implicit_octet_string_value(0x80, "t").is_err());
    }

    #[test]
    fn length_octets_and_encoders() {
        let cases: [(usize, &[u8]); 8] = [
            (0, &[0x00]),
            (0x7f, &[0x7f]),
            (0x80, &[0x81, 0x80]),
            (0xff, &[0x81, 0xff]),
            (0x100, &[0x82, 0x01, 0x00]),
            (0xffff, &[0x82, 0xff, 0xff]),
            (0x1_0000, &[0x83, 0x01, 0x00, 0x00]),
            (0x100_0000, &[0x84, 0x01, 0x00, 0x00, 0x00]),
        ];
        for (len, expected) in cases {
            assert_eq!(length_octets(len), expected, "{len:#x}");
            assert_eq!(length_octets_len(len), expected.len(), "{len:#x}");
        }
        assert_eq!(
            encode_parts(0x30, &[&[1], &[], &[2, 3]]),
            [0x30, 3, 1, 2, 3]
        );
        let long = vec![7u8; 0x1234];
        let encoded = encode(0x04, &long);
        assert_eq!(encoded[..4], [0x04, 0x82, 0x12, 0x34]);
        assert_eq!(encoded[4..], long[..]);
    }

    #[test]
    fn set_of_is_sorted() {
        let set = encode_set_of(vec![vec![0x04, 0x01, 0x02], vec![0x02, 0x01, 0x05]]);
        assert_eq!(set, [0x31, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0x02]);
        assert_eq!(length_octets(0x80), [0x81, 0x80]);
        assert_eq!(length_octets(0x1234), [0x82, 0x12, 0x34]);
    }
}
