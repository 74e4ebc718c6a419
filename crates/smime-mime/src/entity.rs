//! MIME entities (RFC 2045 §2.4, RFC 2046 §5): a header section and a body, which may hold
//! further entities (multipart body parts, an encapsulated `message/rfc822`).
//!
//! [`Entity::parse`] reads the structure of a message and keeps, for every entity, its exact
//! byte range in the input: S/MIME verifies signatures over those bytes, never over a
//! re-encoding. The split into body parts follows RFC 2046 §5.1.1: a delimiter line is
//! `--boundary` (a close delimiter `--boundary--`), optionally followed by white space, and
//! the line break *before* it belongs to the delimiter, not to the part. LF-only line ends
//! are accepted as well as CR LF.
//!
//! The structure is read here rather than with `mail-parser`'s message tree: that tree has
//! no nesting limit for encapsulated messages and drops them recursively (a message nesting
//! `message/rfc822` 200,000 deep overflows the stack when the tree is dropped), and its part
//! offsets are 32-bit. Header field values are still parsed by `mail-parser`
//! ([`ContentType`]).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use crate::budget::{MAX_NESTING_DEPTH, MAX_PARTS};
use crate::canonical;
use crate::error::Error;
use crate::header::{self, ContentType, FieldRange, HeaderSection};

/// One step from an entity to an entity inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// The body part with this index (from 0) of a multipart.
    Part(usize),
    /// The message encapsulated in a `message/rfc822` part.
    Message,
    /// The content of an opaque signed-data (the SignedData's eContent).
    SignedContent,
    /// The content of an enveloped-data or authEnveloped-data, decrypted.
    Decrypted,
}

/// Where an entity sits in a message: the steps from the top-level entity. Shown as
/// `/` for the top level, `/2` for its second body part, `/2/message/1` for the first part
/// of a message attached as the second part, `/decrypted` for the content of an encrypted
/// message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PartPath(Vec<PathStep>);

impl PartPath {
    /// The top-level entity.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// A path from its steps.
    pub fn from_steps(steps: impl IntoIterator<Item = PathStep>) -> Self {
        Self(steps.into_iter().collect())
    }

    /// The steps from the top level.
    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }

    /// The path one step further.
    pub fn join(&self, step: PathStep) -> Self {
        let mut steps = self.0.clone();
        steps.push(step);
        Self(steps)
    }

    /// Whether `self` is `other` or lies inside it.
    pub fn starts_with(&self, other: &PartPath) -> bool {
        self.0.starts_with(&other.0)
    }
}

impl fmt::Display for PartPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("/");
        }
        for step in &self.0 {
            match step {
                PathStep::Part(index) => write!(f, "/{}", index.saturating_add(1))?,
                PathStep::Message => f.write_str("/message")?,
                PathStep::SignedContent => f.write_str("/signed-content")?,
                PathStep::Decrypted => f.write_str("/decrypted")?,
            }
        }
        Ok(())
    }
}

/// A Content-Transfer-Encoding (RFC 2045 §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferEncoding {
    /// `7bit`, also when the field is absent (RFC 2045 §6.1).
    SevenBit,
    /// `8bit`.
    EightBit,
    /// `binary`.
    Binary,
    /// `quoted-printable`.
    QuotedPrintable,
    /// `base64`.
    Base64,
    /// Any other value (lower case), which this crate does not decode.
    Other(String),
}

impl TransferEncoding {
    fn parse(token: &str) -> Self {
        match token {
            "7bit" | "" => Self::SevenBit,
            "8bit" => Self::EightBit,
            "binary" => Self::Binary,
            "quoted-printable" => Self::QuotedPrintable,
            "base64" => Self::Base64,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Whether the body is the content itself (7bit, 8bit, binary).
    pub fn is_identity(&self) -> bool {
        matches!(self, Self::SevenBit | Self::EightBit | Self::Binary)
    }
}

/// A parsed MIME entity that borrows the buffer it was read from.
#[derive(Clone, Debug)]
pub struct Entity<'a> {
    input: &'a [u8],
    path: PartPath,
    depth: usize,
    range: Range<usize>,
    header: HeaderSection,
    content_type: ContentType,
    content_type_declared: bool,
    transfer_encoding: TransferEncoding,
    body: Body<'a>,
}

/// What an entity's body holds.
#[derive(Clone, Debug)]
pub enum Body<'a> {
    /// Content (text, an attachment, a CMS structure, …).
    Leaf,
    /// Body parts separated by a boundary.
    Multipart(Multipart<'a>),
    /// An encapsulated message (`message/rfc822` or `message/global` with an identity
    /// transfer encoding).
    Message(Box<Entity<'a>>),
}

/// The body of a multipart entity.
#[derive(Clone, Debug)]
pub struct Multipart<'a> {
    boundary: String,
    parts: Vec<Entity<'a>>,
    preamble: Range<usize>,
    epilogue: Range<usize>,
    closed: bool,
}

impl<'a> Multipart<'a> {
    /// The boundary parameter.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The body parts, in order.
    pub fn parts(&self) -> &[Entity<'a>] {
        &self.parts
    }

    /// The byte range of the preamble (before the first delimiter); clients do not show it.
    pub fn preamble(&self) -> Range<usize> {
        self.preamble.clone()
    }

    /// The byte range of the epilogue (after the close delimiter).
    pub fn epilogue(&self) -> Range<usize> {
        self.epilogue.clone()
    }

    /// Whether the close delimiter (`--boundary--`) was found. When it was not, the last
    /// part runs to the end of the enclosing entity.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// Counts entities against [`MAX_PARTS`] across everything parsed for one message.
#[derive(Debug)]
pub(crate) struct PartBudget {
    left: usize,
}

impl PartBudget {
    pub(crate) fn new() -> Self {
        Self { left: MAX_PARTS }
    }

    fn take(&mut self, path: &PartPath) -> Result<(), Error> {
        self.left = self
            .left
            .checked_sub(1)
            .ok_or_else(|| Error::BudgetExceeded {
                what: "MIME parts in one message",
                path: path.clone(),
                limit: MAX_PARTS,
            })?;
        Ok(())
    }
}

impl<'a> Entity<'a> {
    /// Parses a message or entity: its header section, and its body parts down to
    /// [`MAX_NESTING_DEPTH`] levels. Never fails on malformed MIME that a mail client
    /// would still show (missing blank line, missing close delimiter, unknown encodings);
    /// fails on empty input and on exceeded budgets.
    ///
    /// ```
    /// let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhello\r\n--b--\r\n";
    /// let entity = smime_mime::Entity::parse(raw)?;
    /// let parts = entity.multipart().unwrap().parts();
    /// assert_eq!(parts.len(), 1);
    /// assert_eq!(parts[0].raw(), b"\r\nhello"); // the line break before `--b` is not the part's
    /// assert_eq!(parts[0].path().to_string(), "/1");
    /// # Ok::<(), smime_mime::Error>(())
    /// ```
    pub fn parse(input: &'a [u8]) -> Result<Self, Error> {
        if input.is_empty() {
            return Err(Error::Empty);
        }
        let mut budget = PartBudget::new();
        Self::parse_nested(input, PartPath::root(), 0, &mut budget)
    }

    /// Parses `input` as an entity at `path`, `depth` levels below the top of the message.
    pub(crate) fn parse_nested(
        input: &'a [u8],
        path: PartPath,
        depth: usize,
        budget: &mut PartBudget,
    ) -> Result<Self, Error> {
        Self::parse_range(
            input,
            0..input.len(),
            path,
            depth,
            budget,
            ContentType::default_text(),
        )
    }

    fn parse_range(
        input: &'a [u8],
        range: Range<usize>,
        path: PartPath,
        depth: usize,
        budget: &mut PartBudget,
        default_type: ContentType,
    ) -> Result<Self, Error> {
        if depth >= MAX_NESTING_DEPTH {
            return Err(Error::NestingTooDeep {
                path,
                offset: range.start,
                limit: MAX_NESTING_DEPTH,
            });
        }
        budget.take(&path)?;
        let header = header::scan(input, range.start, range.end, &path)?;
        let mut content_type = None;
        let mut transfer_encoding = None;
        for field in &header.fields {
            let name = input.get(field.name.clone()).unwrap_or_default();
            let value = input.get(field.value.clone()).unwrap_or_default();
            if content_type.is_none() && name.eq_ignore_ascii_case(b"content-type") {
                content_type = Some(ContentType::parse(value));
            } else if transfer_encoding.is_none()
                && name.eq_ignore_ascii_case(b"content-transfer-encoding")
            {
                transfer_encoding = Some(TransferEncoding::parse(&header::parse_token(value)));
            }
        }
        // A Content-Type that cannot be parsed counts as absent (RFC 2045 §5.2).
        let (content_type, content_type_declared) = match content_type.flatten() {
            Some(parsed) if !parsed.media_type().is_empty() => (parsed, true),
            _ => (default_type, false),
        };
        let transfer_encoding = transfer_encoding.unwrap_or(TransferEncoding::SevenBit);
        let body_range = header.body_start.min(range.end)..range.end;

        let body = if content_type.media_type() == "multipart" {
            match content_type.parameter("boundary") {
                Some(boundary) if !boundary.is_empty() => {
                    let child_default = if content_type.subtype() == "digest" {
                        ContentType::new("message", "rfc822")
                    } else {
                        ContentType::default_text()
                    };
                    let boundary = boundary.to_owned();
                    Body::Multipart(split_multipart(
                        input,
                        body_range,
                        boundary,
                        &path,
                        depth,
                        budget,
                        &child_default,
                    )?)
                }
                _ => Body::Leaf,
            }
        } else if content_type.media_type() == "message"
            && matches!(content_type.subtype(), "rfc822" | "global")
            && transfer_encoding.is_identity()
            && !body_range.is_empty()
        {
            Body::Message(Box::new(Self::parse_range(
                input,
                body_range,
                path.join(PathStep::Message),
                depth.saturating_add(1),
                budget,
                ContentType::default_text(),
            )?))
        } else {
            Body::Leaf
        };

        Ok(Self {
            input,
            path,
            depth,
            range,
            header,
            content_type,
            content_type_declared,
            transfer_encoding,
            body,
        })
    }

    /// Where the entity sits in the message.
    pub fn path(&self) -> &PartPath {
        &self.path
    }

    /// How many levels below the top of the message the entity is (multipart levels,
    /// encapsulated messages and S/MIME layers).
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// The byte range of the whole entity (header section and body) in the buffer it was
    /// parsed from.
    pub fn range(&self) -> Range<usize> {
        self.range.clone()
    }

    /// The entity's exact bytes (header section and body).
    pub fn raw(&self) -> &'a [u8] {
        self.input.get(self.range.clone()).unwrap_or_default()
    }

    /// The buffer the entity was parsed from (the offsets of [`range`](Self::range) refer
    /// to it).
    pub fn input(&self) -> &'a [u8] {
        self.input
    }

    /// The exact bytes of the body (after the header section and its blank line), still in
    /// its transfer encoding.
    pub fn body_raw(&self) -> &'a [u8] {
        self.input
            .get(self.header.body_start.min(self.range.end)..self.range.end)
            .unwrap_or_default()
    }

    /// The header section's exact bytes (without the blank line that ends it).
    pub fn header_raw(&self) -> &'a [u8] {
        let end = self
            .header
            .fields
            .last()
            .map_or(self.range.start, |f| f.raw.end);
        self.input.get(self.range.start..end).unwrap_or_default()
    }

    /// The header fields, each as (name, raw value after the colon, folding included).
    pub fn fields(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + '_ {
        self.header.fields.iter().map(|f| {
            (
                self.input.get(f.name.clone()).unwrap_or_default(),
                self.input.get(f.value.clone()).unwrap_or_default(),
            )
        })
    }

    /// Each header field's exact bytes, name to final line end.
    pub(crate) fn field_ranges(&self) -> &[FieldRange] {
        &self.header.fields
    }

    /// The raw value of the first field called `name` (compared without regard to case).
    pub fn field(&self, name: &str) -> Option<&'a [u8]> {
        self.fields()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// The Content-Type: as declared, or the default (`text/plain; charset=us-ascii`, or
    /// `message/rfc822` in a `multipart/digest`) when absent or unreadable.
    pub fn content_type(&self) -> &ContentType {
        &self.content_type
    }

    /// Whether the entity has a readable Content-Type field.
    pub fn has_content_type(&self) -> bool {
        self.content_type_declared
    }

    /// The Content-Transfer-Encoding (7bit when absent).
    pub fn transfer_encoding(&self) -> &TransferEncoding {
        &self.transfer_encoding
    }

    /// The file name: the Content-Disposition `filename` parameter, else the Content-Type
    /// `name` parameter.
    pub fn filename(&self) -> Option<String> {
        self.field("content-disposition")
            .and_then(ContentType::parse_disposition)
            .and_then(|d| d.parameter("filename").map(str::to_owned))
            .or_else(|| self.content_type.parameter("name").map(str::to_owned))
    }

    /// What the body holds.
    pub fn body(&self) -> &Body<'a> {
        &self.body
    }

    /// The body parts, if this is a multipart.
    pub fn multipart(&self) -> Option<&Multipart<'a>> {
        match &self.body {
            Body::Multipart(multipart) => Some(multipart),
            _ => None,
        }
    }

    /// The encapsulated message, if this is a `message/rfc822` with an identity encoding.
    pub fn message(&self) -> Option<&Entity<'a>> {
        match &self.body {
            Body::Message(message) => Some(message),
            _ => None,
        }
    }

    /// The body decoded from its transfer encoding. Base64 is read leniently (line breaks
    /// and other characters outside the alphabet are skipped, RFC 2045 §6.8).
    pub fn decoded_body(&self) -> Result<Cow<'a, [u8]>, Error> {
        let body = self.body_raw();
        match &self.transfer_encoding {
            TransferEncoding::SevenBit | TransferEncoding::EightBit | TransferEncoding::Binary => {
                Ok(Cow::Borrowed(body))
            }
            TransferEncoding::Base64 => {
                canonical::decode_base64(body)
                    .map(Cow::Owned)
                    .map_err(|reason| Error::TransferEncoding {
                        path: self.path.clone(),
                        encoding: "base64",
                        reason,
                    })
            }
            TransferEncoding::QuotedPrintable => {
                mail_parser::decoders::quoted_printable::quoted_printable_decode(body)
                    .map(Cow::Owned)
                    .ok_or_else(|| Error::TransferEncoding {
                        path: self.path.clone(),
                        encoding: "quoted-printable",
                        reason: "invalid quoted-printable".to_owned(),
                    })
            }
            TransferEncoding::Other(name) => Err(Error::TransferEncoding {
                path: self.path.clone(),
                encoding: "unknown",
                reason: format!("unsupported Content-Transfer-Encoding {name:?}"),
            }),
        }
    }
}

/// Splits a multipart body into its parts (RFC 2046 §5.1.1).
fn split_multipart<'a>(
    input: &'a [u8],
    body: Range<usize>,
    boundary: String,
    path: &PartPath,
    depth: usize,
    budget: &mut PartBudget,
    child_default: &ContentType,
) -> Result<Multipart<'a>, Error> {
    let mut delimiter = Vec::with_capacity(boundary.len().saturating_add(2));
    delimiter.extend_from_slice(b"--");
    delimiter.extend_from_slice(boundary.as_bytes());

    let mut ranges: Vec<Range<usize>> = Vec::new();
    let mut preamble = body.start..body.start;
    let mut epilogue = body.end..body.end;
    let mut current: Option<usize> = None;
    let mut closed = false;
    let mut at = body.start;
    while at < body.end {
        let (content_end, next) = header::line_at(input, at, body.end);
        let line = input.get(at..content_end).unwrap_or_default();
        if let Some(rest) = line.strip_prefix(delimiter.as_slice()) {
            let (is_close, rest) = match rest.strip_prefix(b"--") {
                Some(after) => (true, after),
                None => (false, rest),
            };
            if rest.iter().all(|&b| b == b' ' || b == b'\t') {
                // The line break before the delimiter belongs to it.
                let floor = current.unwrap_or(body.start);
                let mut before = at;
                if at > floor && input.get(at.saturating_sub(1)) == Some(&b'\n') {
                    before = at.saturating_sub(1);
                    if before > floor && input.get(before.saturating_sub(1)) == Some(&b'\r') {
                        before = before.saturating_sub(1);
                    }
                }
                match current {
                    None => preamble = body.start..before,
                    Some(start) => {
                        if ranges.len() >= MAX_PARTS {
                            return Err(Error::BudgetExceeded {
                                what: "MIME parts in one message",
                                path: path.clone(),
                                limit: MAX_PARTS,
                            });
                        }
                        ranges.push(start..before.max(start));
                    }
                }
                if is_close {
                    epilogue = next.min(body.end)..body.end;
                    closed = true;
                    break;
                }
                current = Some(next);
            }
        }
        if next <= at {
            break;
        }
        at = next;
    }
    if !closed && let Some(start) = current {
        ranges.push(start.min(body.end)..body.end);
    }

    let mut parts = Vec::with_capacity(ranges.len());
    for (index, range) in ranges.into_iter().enumerate() {
        parts.push(Entity::parse_range(
            input,
            range,
            path.join(PathStep::Part(index)),
            depth.saturating_add(1),
            budget,
            child_default.clone(),
        )?);
    }
    Ok(Multipart {
        boundary,
        parts,
        preamble,
        epilogue,
        closed,
    })
}
