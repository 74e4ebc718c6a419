//! Canonical form and transfer encodings (RFC 8551 §3.1).
//!
//! Before a MIME entity is signed or encrypted it is put into canonical form: CR LF line
//! ends (RFC 8551 §3.1.1), and — because a signature must survive transport that may
//! change 8-bit data — a 7-bit transfer encoding for every body that needs one (RFC 8551
//! §3.1.2–3.1.3): quoted-printable for text, base64 for everything else. [`prepare`] does
//! both, walking into multiparts and encapsulated messages, and leaves bodies that are
//! already 7-bit safe byte for byte as they were (apart from line ends).
//!
//! Bodies are also quoted-printable encoded when a line ends in white space or starts with
//! `From ` (RFC 3156 §3 gives the reason: transports strip trailing white space, and mbox
//! files quote `From ` lines, and either would break the signature).

use std::borrow::Cow;

use base64ct::Encoding;

use crate::entity::{Body, Entity, TransferEncoding};
use crate::error::Error;

/// The longest line RFC 5322 §2.1.1 allows, without its CR LF.
const MAX_LINE_LEN: usize = 998;

/// Line length of base64 and quoted-printable output (RFC 2045 §6.7–6.8: at most 76).
const ENCODED_LINE_LEN: usize = 76;

/// Converts every LF that is not preceded by CR into CR LF (RFC 8551 §3.1.1). A lone CR is
/// left as it is. Borrows the input when it is already canonical.
///
/// ```
/// use smime_mime::canonical::to_crlf;
/// assert_eq!(&*to_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
/// assert!(matches!(to_crlf(b"a\r\nb"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn to_crlf(data: &[u8]) -> Cow<'_, [u8]> {
    if is_crlf(data) {
        return Cow::Borrowed(data);
    }
    let mut out = Vec::with_capacity(data.len().saturating_add(data.len() / 32).saturating_add(2));
    push_crlf(data, &mut out);
    Cow::Owned(out)
}

/// Whether every LF in `data` is preceded by CR.
pub fn is_crlf(data: &[u8]) -> bool {
    lines(data).all(|line| !line.has_lf || line.segment.ends_with(b"\r"))
}

/// Appends `data` to `out` with every LF that is not preceded by CR made CR LF (what
/// [`to_crlf`] returns, without an intermediate buffer).
fn push_crlf(data: &[u8], out: &mut Vec<u8>) {
    for line in lines(data) {
        out.extend_from_slice(line.segment);
        if line.has_lf {
            if !line.segment.ends_with(b"\r") {
                out.push(b'\r');
            }
            out.push(b'\n');
        }
    }
}

/// One line of a body: the bytes up to (not including) an LF, and whether an LF followed.
struct Line<'a> {
    segment: &'a [u8],
    has_lf: bool,
}

/// The lines of `data`, split at LF with `memchr` (SIMD). A body that ends with LF has no
/// empty last line; an empty body has no line.
fn lines(data: &[u8]) -> impl Iterator<Item = Line<'_>> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let data = rest.take()?;
        match memchr::memchr(b'\n', data) {
            Some(at) => {
                let (segment, tail) = data.split_at(at);
                let tail = tail.get(1..).unwrap_or_default();
                if !tail.is_empty() {
                    rest = Some(tail);
                }
                Some(Line {
                    segment,
                    has_lf: true,
                })
            }
            None if data.is_empty() => None,
            None => Some(Line {
                segment: data,
                has_lf: false,
            }),
        }
    })
}

/// Whether `bytes` holds a NUL or an 8-bit octet.
///
/// Branch-free octet arithmetic OR-ed over the whole body, so that the compiler vectorizes
/// it: for an octet `b`, the top bit of `b | (b - 1)` (wrapping) is set exactly when `b` is
/// NUL or 8-bit.
fn has_bad_octet(bytes: &[u8]) -> bool {
    let bad = bytes
        .iter()
        .fold(0u8, |bad, &b| bad | b | b.wrapping_sub(1));
    bad & 0x80 != 0
}

/// How [`append_canonical`] treats a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Canonical {
    /// Text (RFC 8551 §3.1.1): LF becomes CR LF; the result must be 7-bit safe: ASCII
    /// without NUL, CR only before LF, lines of at most 998 octets, no white space at the
    /// end of a line, no line starting with `From `.
    SevenBitText,
    /// Data whose line ends are data (non-text bodies): it must already be 7-bit safe with
    /// CR LF line ends, and is copied as it is.
    SevenBitData,
    /// A base64 or quoted-printable body: 7-bit octets without NUL, lines of at most
    /// 998 octets before their line end; LF becomes CR LF (lone CRs stay).
    Encoded,
}

/// Appends `body` to `out` in canonical form if it passes the check `mode` asks for, and
/// returns whether it did; on `false`, `out` is unchanged.
///
/// This is [`to_crlf`] followed by `is_seven_bit_safe` (or by `is_encoded_safe`) without
/// the intermediate buffer: one vectorized pass for NUL and 8-bit octets, one walk over the
/// line ends with `memchr2` (SIMD) that checks each line where it stands, then a single
/// copy — one `memcpy` when the line ends are already CR LF (the usual case), or the copy
/// that inserts the missing CRs.
fn append_canonical(body: &[u8], mode: Canonical, out: &mut Vec<u8>) -> bool {
    if has_bad_octet(body) {
        return false;
    }
    let Some(bare_lf) = check_lines(body, mode) else {
        return false;
    };
    if bare_lf {
        out.reserve(body.len().saturating_add(body.len() / 32).saturating_add(2));
        push_crlf(body, out);
    } else {
        out.extend_from_slice(body);
    }
    true
}

/// Checks the lines of `body` (already free of NUL and 8-bit octets) as `mode` asks: `None`
/// when one fails, otherwise whether some LF lacks its CR (so that the copy must insert
/// it).
fn check_lines(body: &[u8], mode: Canonical) -> Option<bool> {
    let line_ok = |line: &[u8]| {
        line.len() <= MAX_LINE_LEN
            && (mode == Canonical::Encoded
                || !(matches!(line.last(), Some(b' ' | b'\t')) || line.starts_with(b"From ")))
    };
    let mut bare_lf = false;
    // `start`: where the current line starts; `from`: where to look for its end.
    let mut start = 0usize;
    let mut from = 0usize;
    loop {
        let rest = body.get(from..).unwrap_or_default();
        let Some(offset) = memchr::memchr2(b'\r', b'\n', rest) else {
            // The last line, without a line end.
            return line_ok(body.get(start..).unwrap_or_default()).then_some(bare_lf);
        };
        let at = from.saturating_add(offset);
        let line = body.get(start..at).unwrap_or_default();
        let next = at.saturating_add(1);
        if body.get(at) == Some(&b'\r') {
            if body.get(next) == Some(&b'\n') {
                if !line_ok(line) {
                    return None;
                }
                start = next.saturating_add(1);
                from = start;
            } else if mode == Canonical::Encoded {
                // A lone CR is data in an encoded body: the line goes on.
                from = next;
            } else {
                return None;
            }
        } else {
            if mode == Canonical::SevenBitData || !line_ok(line) {
                return None;
            }
            bare_lf = true;
            start = next;
            from = next;
        }
    }
}

/// Whether `text` (with CR LF line ends) can travel as `7bit` and reach the other end
/// unchanged: ASCII without NUL, CR only before LF, lines of at most 998 octets, no white
/// space at the end of a line, no line starting with `From `.
///
/// The reference definition: `append_canonical` computes the same in its single pass, and
/// the tests hold the two together.
#[cfg(test)]
fn is_seven_bit_safe(text: &[u8]) -> bool {
    let mut line_len = 0usize;
    let mut at_line_start = true;
    let mut iter = text.iter().enumerate().peekable();
    while let Some((index, &byte)) = iter.next() {
        if at_line_start
            && text
                .get(index..)
                .is_some_and(|rest| rest.starts_with(b"From "))
        {
            return false;
        }
        at_line_start = false;
        match byte {
            0 | 0x80..=0xff => return false,
            b'\r' => {
                if iter.peek().map(|&(_, &b)| b) != Some(b'\n') {
                    return false;
                }
                if index > 0 && matches!(text.get(index.saturating_sub(1)), Some(b' ' | b'\t')) {
                    return false;
                }
                iter.next();
                line_len = 0;
                at_line_start = true;
            }
            b'\n' => return false,
            _ => {
                line_len = line_len.saturating_add(1);
                if line_len > MAX_LINE_LEN {
                    return false;
                }
            }
        }
    }
    !matches!(text.last(), Some(b' ' | b'\t'))
}

/// Whether a base64 or quoted-printable body is plain 7-bit data with CR LF line ends
/// (otherwise it is decoded and encoded again). The reference for `append_canonical`'s
/// `Canonical::Encoded` mode.
#[cfg(test)]
fn is_encoded_safe(body: &[u8]) -> bool {
    let mut lines = body.split(|&b| b == b'\n').peekable();
    body.iter().all(|&b| b != 0 && b < 0x80)
        && std::iter::from_fn(|| {
            let line = lines.next()?;
            // A CR before LF is the line end, not part of the line.
            Some(match line.strip_suffix(b"\r") {
                Some(content) if lines.peek().is_some() => content,
                _ => line,
            })
        })
        .all(|line| line.len() <= MAX_LINE_LEN)
}

/// Encodes `data` as base64 in lines of 76 characters, each ended by CR LF.
pub fn encode_base64(data: &[u8]) -> Vec<u8> {
    let text = base64ct::Base64::encode_string(data);
    let mut out = Vec::with_capacity(
        text.len()
            .saturating_add(text.len() / ENCODED_LINE_LEN * 2)
            .saturating_add(2),
    );
    for line in text.as_bytes().chunks(ENCODED_LINE_LEN) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Decodes base64 leniently, as RFC 2045 §6.8 asks: characters outside the alphabet (line
/// breaks, white space) are ignored, and the first `=` ends the data. Fails when the data
/// is truncated (a single character left over).
pub fn decode_base64(text: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut accumulator: u32 = 0;
    let mut bits: u32 = 0;
    let mut chars = 0usize;
    for &byte in text {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        chars = chars.wrapping_add(1);
        accumulator = (accumulator << 6) | u32::from(value);
        bits = bits.saturating_add(6);
        if bits >= 8 {
            bits = bits.saturating_sub(8);
            out.push(((accumulator >> bits) & 0xff) as u8);
            accumulator &= (1u32 << bits).wrapping_sub(1);
        }
    }
    if chars % 4 == 1 {
        return Err(format!(
            "truncated: {chars} base64 characters leave 6 bits that make no octet"
        ));
    }
    Ok(out)
}

/// Encodes canonical text (CR LF line ends) as quoted-printable (RFC 2045 §6.7): lines of at
/// most 76 characters with soft line breaks, white space at line ends encoded, `From ` at a
/// line start encoded as `=46rom `.
pub fn encode_quoted_printable(text: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(text.len().saturating_add(text.len() / 8));
    let mut lines = text.split_inclusive(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let (content, line_end) = match line.strip_suffix(b"\r\n") {
            Some(content) => (content, true),
            None => (line, false),
        };
        let mut column = 0usize;
        let len = content.len();
        for (index, &byte) in content.iter().enumerate() {
            let at_end = index.saturating_add(1) == len;
            let literal = match byte {
                b' ' | b'\t' => !at_end,
                b'=' => false,
                b'F' if index == 0 && content.starts_with(b"From ") => false,
                33..=126 => true,
                _ => false,
            };
            let width = if literal { 1 } else { 3 };
            // Leave room for the `=` of a soft line break.
            if column.saturating_add(width) > ENCODED_LINE_LEN.saturating_sub(1) {
                out.extend_from_slice(b"=\r\n");
                column = 0;
            }
            if literal {
                out.push(byte);
            } else {
                out.push(b'=');
                out.push(HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0'));
                out.push(HEX.get(usize::from(byte & 0x0f)).copied().unwrap_or(b'0'));
            }
            column = column.saturating_add(width);
        }
        if line_end {
            out.extend_from_slice(b"\r\n");
        } else if lines.peek().is_some() {
            // A LF without CR cannot occur in canonical text; keep it encoded.
            out.extend_from_slice(b"=0A");
        }
    }
    out
}

/// Puts a MIME entity into the form that is signed or encrypted (RFC 8551 §3.1): CR LF line
/// ends everywhere, and a 7-bit transfer encoding for every body that needs one. Multipart
/// bodies and encapsulated messages are prepared part by part; bodies that are already
/// 7-bit safe keep their bytes.
///
/// ```
/// let entity = "Content-Type: text/plain; charset=utf-8\n\nGrüße\n".as_bytes();
/// let prepared = smime_mime::canonical::prepare(entity)?;
/// assert_eq!(
///     prepared,
///     b"Content-Type: text/plain; charset=utf-8\r\n\
///       Content-Transfer-Encoding: quoted-printable\r\n\r\n\
///       Gr=C3=BC=C3=9Fe\r\n"
/// );
/// # Ok::<(), smime_mime::Error>(())
/// ```
pub fn prepare(entity: &[u8]) -> Result<Vec<u8>, Error> {
    let parsed = Entity::parse(entity)?;
    let mut out = Vec::with_capacity(entity.len().saturating_add(entity.len() / 8));
    write_prepared(&parsed, Fields::All, &mut out)?;
    Ok(out)
}

/// [`prepare`] of the entity a message carries — its `Content-*` fields and its body, what
/// [`split`](crate::message::split) keeps of it —, appended to `out` straight from the
/// parsed message: the entity is never copied out of the message first.
///
/// Equal, byte for byte, to `prepare(&split(message, _)?.1)`, or failing with an error of
/// the same kind (the tests hold this): [`Entity::parse`] reads the same content fields and
/// the same body from the message as from the entity `split` makes of it. Offsets in an
/// error count from the start of the message.
pub(crate) fn append_prepared_content(
    message: &Entity<'_>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    out.reserve(
        message
            .input()
            .len()
            .saturating_add(message.input().len() / 8),
    );
    write_prepared(message, Fields::Content, out)
}

/// Which header fields of an entity are written.
#[derive(Clone, Copy)]
enum Fields {
    /// All of them.
    All,
    /// Only `Content-*` fields: the entity inside a message (RFC 2045 §9: other fields of
    /// the top level belong to the message, not to its MIME entity).
    Content,
}

impl Fields {
    fn keeps(self, name: &[u8]) -> bool {
        match self {
            Self::All => true,
            Self::Content => name
                .get(..8)
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"content-")),
        }
    }
}

fn write_fields(
    entity: &Entity<'_>,
    fields: Fields,
    skip_transfer_encoding: bool,
    out: &mut Vec<u8>,
) {
    let input = entity.input();
    for field in entity.field_ranges() {
        let name = input.get(field.name.clone()).unwrap_or_default();
        if !fields.keeps(name)
            || (skip_transfer_encoding && name.eq_ignore_ascii_case(b"content-transfer-encoding"))
        {
            continue;
        }
        let raw = input.get(field.raw.clone()).unwrap_or_default();
        push_crlf(raw, out);
        if !raw.ends_with(b"\n") {
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Writes `entity` prepared; `fields` says which of its own header fields are written (its
/// parts' fields are all written).
fn write_prepared(entity: &Entity<'_>, fields: Fields, out: &mut Vec<u8>) -> Result<(), Error> {
    let input = entity.input();
    match entity.body() {
        Body::Multipart(multipart) if !multipart.parts().is_empty() => {
            write_fields(entity, fields, false, out);
            out.extend_from_slice(b"\r\n");
            let preamble = input.get(multipart.preamble()).unwrap_or_default();
            push_crlf(preamble, out);
            let boundary = multipart.boundary().as_bytes();
            for (index, part) in multipart.parts().iter().enumerate() {
                if index > 0 || !preamble.is_empty() {
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"--");
                out.extend_from_slice(boundary);
                out.extend_from_slice(b"\r\n");
                write_prepared(part, Fields::All, out)?;
            }
            out.extend_from_slice(b"\r\n--");
            out.extend_from_slice(boundary);
            out.extend_from_slice(b"--\r\n");
            let epilogue = input.get(multipart.epilogue()).unwrap_or_default();
            push_crlf(epilogue, out);
            Ok(())
        }
        Body::Message(message) => {
            write_fields(entity, fields, false, out);
            out.extend_from_slice(b"\r\n");
            write_prepared(message, Fields::All, out)
        }
        Body::Multipart(_) | Body::Leaf => write_leaf(entity, fields, out),
    }
}

fn write_leaf(entity: &Entity<'_>, fields: Fields, out: &mut Vec<u8>) -> Result<(), Error> {
    let body = entity.body_raw();
    let content_type = entity.content_type();
    let is_text = content_type.media_type() == "text"
        || content_type.media_type() == "multipart"
        || (content_type.media_type() == "message"
            && !matches!(content_type.subtype(), "rfc822" | "global"));
    // Where this entity's output starts: a body that fails the one-pass check is written
    // again from here with a transfer encoding.
    let mark = out.len();
    let encoding = entity.transfer_encoding();
    let mode = match encoding {
        TransferEncoding::Base64 | TransferEncoding::QuotedPrintable => Some(Canonical::Encoded),
        TransferEncoding::SevenBit | TransferEncoding::EightBit | TransferEncoding::Binary => {
            Some(if is_text {
                Canonical::SevenBitText
            } else {
                Canonical::SevenBitData
            })
        }
        TransferEncoding::Other(_) => None,
    };
    if let Some(mode) = mode {
        write_fields(entity, fields, false, out);
        out.extend_from_slice(b"\r\n");
        if append_canonical(body, mode, out) {
            return Ok(());
        }
        // The fields were written for a body that keeps its encoding; write them again.
        out.truncate(mark);
    }
    match encoding {
        TransferEncoding::Base64 => {
            let decoded = entity.decoded_body()?;
            write_fields(entity, fields, true, out);
            out.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n\r\n");
            out.extend_from_slice(&encode_base64(&decoded));
        }
        TransferEncoding::QuotedPrintable => {
            let decoded = entity.decoded_body()?;
            write_fields(entity, fields, true, out);
            out.extend_from_slice(b"Content-Transfer-Encoding: quoted-printable\r\n\r\n");
            out.extend_from_slice(&encode_quoted_printable(&to_crlf(&decoded)));
        }
        TransferEncoding::Other(name) => {
            return Err(Error::TransferEncoding {
                path: entity.path().clone(),
                encoding: "unknown",
                reason: format!("cannot prepare a body in Content-Transfer-Encoding {name:?}"),
            });
        }
        TransferEncoding::SevenBit | TransferEncoding::EightBit | TransferEncoding::Binary => {
            write_fields(entity, fields, true, out);
            if is_text {
                out.extend_from_slice(b"Content-Transfer-Encoding: quoted-printable\r\n\r\n");
                out.extend_from_slice(&encode_quoted_printable(&to_crlf(body)));
            } else {
                // Binary data: line ends are data, never converted.
                out.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n\r\n");
                out.extend_from_slice(&encode_base64(body));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What `append_canonical` must return and write: the reference definitions, one step
    /// after the other (the code before the one-pass rewrite).
    fn reference(body: &[u8], mode: Canonical) -> (bool, Vec<u8>) {
        match mode {
            Canonical::SevenBitText => {
                let text = to_crlf(body).into_owned();
                (is_seven_bit_safe(&text), text)
            }
            Canonical::SevenBitData => (is_seven_bit_safe(body), body.to_vec()),
            Canonical::Encoded => (is_encoded_safe(body), to_crlf(body).into_owned()),
        }
    }

    fn one_pass(body: &[u8], mode: Canonical) -> (bool, Vec<u8>) {
        let mut out = b"prefix".to_vec();
        let ok = append_canonical(body, mode, &mut out);
        assert!(out.starts_with(b"prefix"));
        if !ok {
            assert_eq!(out, b"prefix", "a failed check leaves the output as it was");
        }
        (ok, out.split_off(6))
    }

    const MODES: [Canonical; 3] = [
        Canonical::SevenBitText,
        Canonical::SevenBitData,
        Canonical::Encoded,
    ];

    /// Fragments that hit every rule: line ends of each kind, lone CRs, white space before
    /// a line end, `From ` at a line start, NUL, 8-bit octets, `=`, and lines around the
    /// 998-octet limit.
    fn body() -> impl Strategy<Value = Vec<u8>> {
        let fragment = prop_oneof![
            Just(b"a".to_vec()),
            Just(b"xyz".to_vec()),
            Just(b" ".to_vec()),
            Just(b"\t".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"From ".to_vec()),
            Just(b"From".to_vec()),
            Just(vec![0]),
            Just(vec![0xc3, 0xa9]),
            Just(vec![0x7f]),
            Just(b"=_".to_vec()),
            (996usize..1001).prop_map(|n| vec![b'a'; n]),
        ];
        prop::collection::vec(fragment, 0..24).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        #[test]
        fn bad_octets_are_found(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
            let expected = bytes.iter().any(|&b| b == 0 || b >= 0x80);
            prop_assert_eq!(has_bad_octet(&bytes), expected);
        }

        #[test]
        fn one_pass_matches_the_reference(body in body()) {
            for mode in MODES {
                let (ok, out) = one_pass(&body, mode);
                let (expected_ok, expected_out) = reference(&body, mode);
                prop_assert_eq!(ok, expected_ok, "mode {:?}", mode);
                if ok {
                    prop_assert_eq!(out, expected_out, "mode {:?}", mode);
                }
            }
        }

        #[test]
        fn push_crlf_is_to_crlf(body in body()) {
            let mut out = Vec::new();
            push_crlf(&body, &mut out);
            prop_assert_eq!(&out[..], &*to_crlf(&body));
            prop_assert!(is_crlf(&out));
            prop_assert_eq!(is_crlf(&body), out == body);
        }

        /// Preparing a prepared entity changes nothing: what lets each layer of a message
        /// skip the preparation of the layer below.
        #[test]
        fn prepare_is_idempotent(body in body(), text in any::<bool>(), encoding in 0usize..4) {
            let content_type = if text { "text/plain; charset=utf-8" } else { "application/octet-stream" };
            let encoding = ["", "Content-Transfer-Encoding: 8bit\n", "Content-Transfer-Encoding: base64\n",
                "Content-Transfer-Encoding: quoted-printable\n"][encoding];
            let mut entity = format!("Content-Type: {content_type}\n{encoding}\n").into_bytes();
            entity.extend_from_slice(&body);
            if let Ok(prepared) = prepare(&entity) {
                prop_assert_eq!(prepare(&prepared).unwrap(), prepared);
            }
        }
    }

    #[test]
    fn one_pass_decisions() {
        use Canonical::{Encoded, SevenBitData, SevenBitText};
        /// A body, how it is treated, and the canonical copy (`None`: it fails the check).
        type Case<'a> = (&'a [u8], Canonical, Option<&'a [u8]>);
        let cases: &[Case<'_>] = &[
            (b"a\nb\r\nc", SevenBitText, Some(b"a\r\nb\r\nc")),
            (b"\n\n", SevenBitText, Some(b"\r\n\r\n")),
            (b"", SevenBitText, Some(b"")),
            (b"a \n", SevenBitText, None),
            (b"a\t", SevenBitText, None),
            (b"x\nFrom me\n", SevenBitText, None),
            (b"Fromage\n", SevenBitText, Some(b"Fromage\r\n")),
            (b"a\rb\n", SevenBitText, None),
            (b"a\r", SevenBitText, None),
            (b"caf\xc3\xa9\n", SevenBitText, None),
            (b"nul\x00\n", SevenBitText, None),
            (b"a\nb", SevenBitData, None),
            (b"a\r\nb", SevenBitData, Some(b"a\r\nb")),
            (b"QUJD\nREVG\r\n", Encoded, Some(b"QUJD\r\nREVG\r\n")),
            (b"a=\rb\n", Encoded, Some(b"a=\rb\r\n")),
            (b"\xff\n", Encoded, None),
        ];
        for &(body, mode, expected) in cases {
            let (ok, out) = one_pass(body, mode);
            assert_eq!(ok.then_some(&out[..]), expected, "{mode:?} {body:?}");
        }
        let line = [b'a'; MAX_LINE_LEN];
        assert!(one_pass(&line, SevenBitText).0);
        assert!(!one_pass(&[b'a'; MAX_LINE_LEN + 1], SevenBitText).0);
        assert!(one_pass(&[line.as_slice(), b"\r\n"].concat(), Encoded).0);
        assert!(one_pass(&[line.as_slice(), b"\n"].concat(), Encoded).0);
        // 999 octets and LF: the copy would have a 999-octet line; decoded and encoded again.
        assert!(!one_pass(&[line.as_slice(), b"a\n"].concat(), Encoded).0);
        assert!(!one_pass(&[line.as_slice(), b"ab\n"].concat(), Encoded).0);
    }

    /// A 50 KB statement with CR LF lines (the batch path) comes out byte for byte.
    #[test]
    fn canonical_statement_is_copied_unchanged() {
        let mut entity = b"Content-Type: text/plain; charset=utf-8\r\n\r\n".to_vec();
        for line in 0..700 {
            entity
                .extend_from_slice(format!("{line:06} {:>66}\r\n", "amount 12.00 EUR").as_bytes());
        }
        assert!(prepare(&entity).unwrap() == entity);
        // The same with a line that ends in white space: quoted-printable.
        entity.splice(60..60, b" \r\n".iter().copied());
        let prepared = prepare(&entity).unwrap();
        assert!(prepared.starts_with(
            b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        ));
    }

    #[test]
    fn base64_round_trip_and_leniency() {
        let data: Vec<u8> = (0..=255u8).collect();
        let encoded = encode_base64(&data);
        assert!(encoded.split(|&b| b == b'\n').all(|l| l.len() <= 77));
        assert_eq!(decode_base64(&encoded).unwrap(), data);
        // Odd line lengths, spaces, tabs, no padding.
        assert_eq!(
            decode_base64(b"aGVs\r\n bG8\tgd29y\nbGQ").unwrap(),
            b"hello world"
        );
        assert_eq!(decode_base64(b"aGk=ignored").unwrap(), b"hi");
        assert!(decode_base64(b"aGVsb").is_err());
    }

    #[test]
    fn quoted_printable_encodes_what_must_be() {
        assert_eq!(
            encode_quoted_printable(b"a b \r\nc\t\r\n"),
            b"a b=20\r\nc=09\r\n"
        );
        assert_eq!(encode_quoted_printable(b"From me\r\n"), b"=46rom me\r\n");
        assert_eq!(encode_quoted_printable(b"x=1"), b"x=3D1");
        let long = [b'a'; 200];
        let encoded = encode_quoted_printable(&long);
        assert!(encoded.split(|&b| b == b'\n').all(|l| l.len() <= 77));
        let decoded =
            mail_parser::decoders::quoted_printable::quoted_printable_decode(&encoded).unwrap();
        assert_eq!(decoded, long);
    }

    #[test]
    fn seven_bit_safety() {
        assert!(is_seven_bit_safe(b"hello\r\nworld\r\n"));
        assert!(!is_seven_bit_safe(b"hello\nworld"));
        assert!(!is_seven_bit_safe(b"hello \r\n"));
        assert!(!is_seven_bit_safe(b"caf\xc3\xa9"));
        assert!(!is_seven_bit_safe(b"x\r\nFrom here"));
        assert!(!is_seven_bit_safe(&[b'a'; 999]));
    }

    #[test]
    fn binary_bodies_are_base64_encoded_without_touching_line_ends() {
        let entity = b"Content-Type: application/octet-stream\n\n\x00\x01\n\xff";
        let prepared = prepare(entity).unwrap();
        assert_eq!(
            prepared,
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEK/w==\r\n"
        );
    }

    #[test]
    fn multipart_is_prepared_part_by_part() {
        let entity = b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\xc3\xa9\n--b--\n";
        let prepared = prepare(entity).unwrap();
        assert_eq!(
            String::from_utf8(prepared).unwrap(),
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A9\r\n--b--\r\n"
        );
    }
}
