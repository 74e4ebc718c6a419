//! Header sections (RFC 5322 §2.2, RFC 2045 §3): where each field starts and ends in the raw
//! bytes, and the MIME fields this crate reads (Content-Type, Content-Transfer-Encoding,
//! Content-Disposition), parsed with `mail-parser`.
//!
//! The scan is ours so that every field keeps its exact byte range (fields are carried over
//! byte for byte when a message is wrapped); the values of structured fields are parsed by
//! `mail-parser`, field by field, which handles quoting, comments, RFC 2231 parameter
//! continuations and RFC 2047 encoded words.

use std::ops::Range;
use std::sync::OnceLock;

use mail_parser::{HeaderValue, MessageParser};

use crate::budget::MAX_HEADER_FIELDS;
use crate::entity::PartPath;
use crate::error::Error;

/// One header field as found in the input: its name and the byte ranges of its value and of
/// the whole field (name, colon, value with its folding, final line end).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldRange {
    pub(crate) name: Range<usize>,
    pub(crate) value: Range<usize>,
    pub(crate) raw: Range<usize>,
}

/// A scanned header section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeaderSection {
    pub(crate) fields: Vec<FieldRange>,
    /// Where the body starts (after the blank line, if there is one).
    pub(crate) body_start: usize,
}

/// The line starting at `at` (within `..end`): its content end (before CR LF or LF) and the
/// start of the next line.
pub(crate) fn line_at(input: &[u8], at: usize, end: usize) -> (usize, usize) {
    let rest = input.get(at..end).unwrap_or_default();
    match rest.iter().position(|&b| b == b'\n') {
        Some(lf) => {
            let lf = at.saturating_add(lf);
            let content_end = if lf > at && input.get(lf.saturating_sub(1)) == Some(&b'\r') {
                lf.saturating_sub(1)
            } else {
                lf
            };
            (content_end, lf.saturating_add(1))
        }
        None => (end, end),
    }
}

fn is_field_name_byte(b: u8) -> bool {
    // RFC 5322 §3.6.8: ftext = %d33-57 / %d59-126
    (33..=126).contains(&b) && b != b':'
}

/// Scans the header section that starts at `start`, ending at the first empty line (which is
/// consumed), at a line that is neither a field nor a continuation (which starts the body:
/// real clients omit the blank line of empty header sections), or at `end`.
pub(crate) fn scan(
    input: &[u8],
    start: usize,
    end: usize,
    path: &PartPath,
) -> Result<HeaderSection, Error> {
    let mut fields: Vec<FieldRange> = Vec::new();
    let mut at = start;
    while at < end {
        let (content_end, next) = line_at(input, at, end);
        let line = input.get(at..content_end).unwrap_or_default();
        if line.is_empty() {
            // The blank line that ends the header section.
            return Ok(HeaderSection {
                fields,
                body_start: next,
            });
        }
        let first = line.first().copied().unwrap_or_default();
        if first == b' ' || first == b'\t' {
            if let Some(field) = fields.last_mut() {
                // A continuation line (folding, RFC 5322 §2.2.3).
                field.value.end = content_end;
                field.raw.end = next;
                at = next;
                continue;
            }
            // Leading white space before any field: not a header section.
            return Ok(HeaderSection {
                fields,
                body_start: at,
            });
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Ok(HeaderSection {
                fields,
                body_start: at,
            });
        };
        let name = line.get(..colon).unwrap_or_default();
        let name = name.trim_ascii_end();
        if name.is_empty() || !name.iter().all(|&b| is_field_name_byte(b)) {
            return Ok(HeaderSection {
                fields,
                body_start: at,
            });
        }
        if fields.len() >= MAX_HEADER_FIELDS {
            return Err(Error::BudgetExceeded {
                what: "header fields in one entity",
                path: path.clone(),
                limit: MAX_HEADER_FIELDS,
            });
        }
        let name_end = at.saturating_add(name.len());
        let value_start = at.saturating_add(colon).saturating_add(1);
        fields.push(FieldRange {
            name: at..name_end,
            value: value_start..content_end,
            raw: at..next,
        });
        at = next;
    }
    Ok(HeaderSection {
        fields,
        body_start: end,
    })
}

fn parser() -> &'static MessageParser {
    static PARSER: OnceLock<MessageParser> = OnceLock::new();
    PARSER.get_or_init(|| {
        MessageParser::new()
            .with_mime_headers()
            .with_address_headers()
    })
}

/// Parses one field's value with mail-parser, as if it were the only field of a message.
fn parse_field<T>(
    name: &str,
    value: &[u8],
    extract: impl FnOnce(&HeaderValue<'_>) -> Option<T>,
) -> Option<T> {
    let mut buffer = Vec::with_capacity(name.len().saturating_add(value.len()).saturating_add(8));
    buffer.extend_from_slice(name.as_bytes());
    buffer.push(b':');
    buffer.extend_from_slice(value);
    buffer.extend_from_slice(b"\r\n\r\n");
    let message = parser().parse_headers(&buffer)?;
    let header = message.headers().first()?;
    extract(header.value())
}

/// A Content-Type (RFC 2045 §5) or Content-Disposition (RFC 2183) value: a media type (or
/// disposition type) and its parameters. Type, subtype and parameter names are lower case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentType {
    media_type: String,
    subtype: String,
    parameters: Vec<(String, String)>,
}

impl ContentType {
    /// A media type without parameters.
    pub fn new(media_type: &str, subtype: &str) -> Self {
        Self {
            media_type: media_type.to_ascii_lowercase(),
            subtype: subtype.to_ascii_lowercase(),
            parameters: Vec::new(),
        }
    }

    /// RFC 2045 §5.2: `text/plain; charset=us-ascii`, the type of an entity without a
    /// Content-Type field.
    pub fn default_text() -> Self {
        let mut content_type = Self::new("text", "plain");
        content_type
            .parameters
            .push(("charset".to_owned(), "us-ascii".to_owned()));
        content_type
    }

    /// Parses a Content-Type value (the text after the colon); `None` if it is not one.
    pub fn parse(value: &[u8]) -> Option<Self> {
        parse_field("Content-Type", value, |v| {
            v.as_content_type().map(Self::from_parsed)
        })
    }

    /// Parses a Content-Disposition value; the "media type" is the disposition type
    /// (`attachment`, `inline`) and the subtype is empty.
    pub fn parse_disposition(value: &[u8]) -> Option<Self> {
        parse_field("Content-Disposition", value, |v| {
            v.as_content_type().map(Self::from_parsed)
        })
    }

    fn from_parsed(parsed: &mail_parser::ContentType<'_>) -> Self {
        Self {
            media_type: parsed.ctype().trim().to_ascii_lowercase(),
            subtype: parsed
                .subtype()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase(),
            parameters: parsed
                .attributes()
                .unwrap_or_default()
                .iter()
                .map(|a| (a.name.to_ascii_lowercase(), a.value.to_string()))
                .collect(),
        }
    }

    /// The top-level media type (`multipart`, `application`, …).
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The subtype (`signed`, `pkcs7-mime`, …).
    pub fn subtype(&self) -> &str {
        &self.subtype
    }

    /// `type/subtype`.
    pub fn essence(&self) -> String {
        format!("{}/{}", self.media_type, self.subtype)
    }

    /// Whether this is `media_type/subtype` (compared without regard to case).
    pub fn is(&self, media_type: &str, subtype: &str) -> bool {
        self.media_type.eq_ignore_ascii_case(media_type)
            && self.subtype.eq_ignore_ascii_case(subtype)
    }

    /// A parameter's value (the name compared without regard to case).
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All parameters, names in lower case, in the order written.
    pub fn parameters(&self) -> &[(String, String)] {
        &self.parameters
    }
}

/// Parses a Content-Transfer-Encoding value (RFC 2045 §6.1), lower-cased and trimmed.
pub(crate) fn parse_token(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    // Comments are allowed in structured fields: `7bit (plain)`.
    let token = text.split('(').next().unwrap_or_default();
    token.trim().to_ascii_lowercase()
}
