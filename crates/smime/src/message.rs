//! What the facade accepts as a message: a MIME entity or an RFC 5322 message — or plain text,
//! which is made into a `text/plain; charset=utf-8` entity.

use std::borrow::Cow;

/// Header fields that, at the start of an input, show that it is a message or a MIME entity
/// rather than plain text (RFC 5322 §3.6, RFC 2045 §3–6).
const TELLTALE_FIELDS: &[&str] = &[
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
    "mime-version",
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "sender",
    "reply-to",
    "received",
    "return-path",
];

/// The header prepended to plain text.
const TEXT_PLAIN_HEADER: &[u8] = b"Content-Type: text/plain; charset=utf-8\r\n\r\n";

/// Returns `input` unchanged when it starts with a header block (RFC 5322 §2.2: header fields,
/// then an empty line or the end), and otherwise the text as a `text/plain; charset=utf-8`
/// entity. A header block counts only if every line before the empty line is a field
/// (`name: value`, the name printable ASCII without spaces) or a folded continuation, and at
/// least one field is a message or MIME field (`Content-Type`, `From`, `Subject`, …) — so a
/// letter that starts with `Note: …` stays text.
///
/// ```
/// use smime::message::as_mime_entity;
///
/// let text = as_mime_entity(b"Dear customer,\nyour statement is attached.\n");
/// assert!(text.starts_with(b"Content-Type: text/plain; charset=utf-8\r\n\r\nDear customer"));
///
/// let entity = b"Content-Type: text/html\r\n\r\n<p>Hi</p>\r\n";
/// assert_eq!(&*as_mime_entity(entity), entity);
///
/// let note = as_mime_entity(b"Note: this is text\n\nbody\n");
/// assert!(note.starts_with(b"Content-Type: text/plain"));
/// ```
pub fn as_mime_entity(input: &[u8]) -> Cow<'_, [u8]> {
    if has_header_block(input) {
        Cow::Borrowed(input)
    } else {
        let mut entity = Vec::with_capacity(TEXT_PLAIN_HEADER.len().saturating_add(input.len()));
        entity.extend_from_slice(TEXT_PLAIN_HEADER);
        entity.extend_from_slice(input);
        Cow::Owned(entity)
    }
}

/// Whether `input` starts with a header block (see [`as_mime_entity`]).
pub fn has_header_block(input: &[u8]) -> bool {
    let mut telltale = false;
    let mut first = true;
    for line in input.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return telltale;
        }
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            if first {
                return false;
            }
            continue;
        }
        first = false;
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return false;
        };
        let name = line.get(..colon).unwrap_or_default();
        if name.is_empty() || !name.iter().all(|b| (0x21..=0x7e).contains(b)) {
            return false;
        }
        if TELLTALE_FIELDS
            .iter()
            .any(|field| field.as_bytes().eq_ignore_ascii_case(name))
        {
            telltale = true;
        }
    }
    // The input ended inside the header block: a message without a body.
    telltale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_blocks() {
        assert!(has_header_block(b"From: a@b\r\nSubject: x\r\n\r\nbody"));
        assert!(has_header_block(b"Content-Type: text/plain\n\nbody"));
        assert!(has_header_block(
            b"Subject: folded\n  continuation\nX-Other: 1\n\nbody"
        ));
        assert!(has_header_block(b"MIME-Version: 1.0\r\n"));
        assert!(!has_header_block(b""));
        assert!(!has_header_block(b"Hello world\n"));
        assert!(!has_header_block(b"Dear Sir: hello\n\nbody"));
        assert!(!has_header_block(b"X-Custom: 1\n\nbody"));
        assert!(!has_header_block(b" From: indented\n\nbody"));
        assert!(!has_header_block(b"From: a@b\nnot a field\n\nbody"));
    }

    #[test]
    fn text_is_wrapped_exactly() {
        assert_eq!(
            &*as_mime_entity(b"hi\n"),
            b"Content-Type: text/plain; charset=utf-8\r\n\r\nhi\n"
        );
        assert_eq!(
            &*as_mime_entity(b""),
            b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        );
    }
}
