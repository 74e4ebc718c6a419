//! The mailboxes a certificate is bound to (RFC 8550 §3, RFC 9598 / RFC 8398) and the check
//! of a message's From address against them.
//!
//! A certificate names its mailboxes in three places:
//! - `rfc822Name` entries of the subjectAltName extension (ASCII only: `IA5String`);
//! - `SmtpUTF8Mailbox` entries (`otherName` 1.3.6.1.5.5.7.8.9, a `UTF8String`), for addresses
//!   whose local part is not ASCII;
//! - the legacy PKCS #9 `emailAddress` attribute (1.2.840.113549.1.9.1, `IA5String`) of the
//!   subject name, which RFC 8550 §3 still asks receivers to recognise.
//!
//! Addresses compare as RFC 9598 §5 says: the local part exactly (octet for octet, after
//! removing the quoting of a quoted local part), the domain case-insensitively, with U-labels
//! turned into A-labels first.
//!
//! Malformed entries are reported with a [`MailboxDefect`], never repaired: a non-ASCII
//! `rfc822Name` is not re-read as UTF-8, and never matches. An `SmtpUTF8Mailbox` whose local
//! part happens to be ASCII (RFC 9598 §3 asks for an `rfc822Name` then) is accepted, since the
//! address it names is unambiguous.

use core::fmt;

use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use der::{Decode, Reader, SliceReader, Tag, TagNumber, Tagged};

use crate::error::Error;
use crate::idna::domain_key;

/// `id-on-SmtpUTF8Mailbox` (RFC 9598 §3): 1.3.6.1.5.5.7.8.9.
pub const ID_ON_SMTP_UTF8_MAILBOX: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.8.9");

/// PKCS #9 `emailAddress` (RFC 2985 §5.2.1): 1.2.840.113549.1.9.1.
pub const EMAIL_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

/// `id-ce-subjectAltName` (RFC 5280 §4.2.1.6): 2.5.29.17.
pub(crate) const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

/// Longest address (or `From` value) we parse, in bytes: RFC 5322 §2.1.1 limits a header line
/// to 998 characters.
pub const MAX_ADDRESS_LEN: usize = 998;

/// An e-mail address (RFC 5321 `Mailbox`): a local part and a domain.
///
/// The local part is kept without the quotes of a quoted string (`"john doe"@example.com` has
/// the local part `john doe`); the domain is kept as written.
///
/// ```
/// use smime_x509::EmailAddress;
///
/// let a = EmailAddress::parse("\"Alice Lovelace\" <alice@SMIME.example>")?;
/// assert_eq!(a.local_part(), "alice");
/// assert_eq!(a.domain(), "SMIME.example");
/// assert!(a.matches(&EmailAddress::parse("alice@smime.example")?));
/// assert!(!a.matches(&EmailAddress::parse("Alice@smime.example")?));
/// # Ok::<(), smime_x509::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress {
    local_part: String,
    domain: String,
}

impl EmailAddress {
    /// Parses an address as it appears in a `From` header: a bare `addr-spec`
    /// (`alice@example.com`), or a `name-addr` with an optional display name
    /// (`"Alice" <alice@example.com>`, `Alice <alice@example.com>`, `<alice@example.com>`).
    /// UTF-8 local parts and domains (RFC 6532) are accepted. Groups, lists of addresses and
    /// comments are not.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let invalid = |reason| Error::InvalidAddress {
            input: input.chars().take(256).collect(),
            reason,
        };
        if input.len() > MAX_ADDRESS_LEN {
            return Err(invalid("longer than 998 bytes"));
        }
        let trimmed = input.trim();
        let spec = match find_unquoted(trimmed, '<') {
            Some(open) => {
                let inner = trimmed
                    .get(open + 1..)
                    .and_then(|rest| rest.strip_suffix('>'))
                    .ok_or_else(|| invalid("'<' without a closing '>' at the end"))?;
                if inner.contains(['<', '>']) {
                    return Err(invalid("more than one angle-bracketed address"));
                }
                inner.trim()
            }
            None => trimmed,
        };
        Self::parse_addr_spec(spec).map_err(invalid)
    }

    /// Parses a bare `addr-spec` (`local-part@domain`), as certificates carry them.
    pub(crate) fn parse_addr_spec(spec: &str) -> Result<Self, &'static str> {
        if spec.is_empty() {
            return Err("empty");
        }
        if spec.chars().any(char::is_control) {
            return Err("contains a control character");
        }
        let (local_part, domain) = if let Some(quoted) = spec.strip_prefix('"') {
            let (local, rest) = unquote(quoted)?;
            let domain = rest
                .strip_prefix('@')
                .ok_or("quoted local part not followed by '@'")?;
            (local, domain)
        } else {
            let (local, domain) = spec.rsplit_once('@').ok_or("no '@'")?;
            check_dot_atom(local)?;
            (local.to_owned(), domain)
        };
        if local_part.is_empty() {
            return Err("empty local part");
        }
        check_domain(domain)?;
        Ok(Self {
            local_part,
            domain: domain.to_owned(),
        })
    }

    /// The local part (unquoted).
    pub fn local_part(&self) -> &str {
        &self.local_part
    }

    /// The domain, as written.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Whether two addresses name the same mailbox: local parts equal exactly, domains equal
    /// ignoring ASCII case, U-labels compared as their A-labels (RFC 9598 §5).
    pub fn matches(&self, other: &Self) -> bool {
        self.local_part == other.local_part && domain_key(&self.domain) == domain_key(&other.domain)
    }
}

impl core::str::FromStr for EmailAddress {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if check_dot_atom(&self.local_part).is_ok() {
            f.write_str(&self.local_part)?;
        } else {
            f.write_str("\"")?;
            for c in self.local_part.chars() {
                if c == '"' || c == '\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str("\"")?;
        }
        write!(f, "@{}", self.domain)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({self})")
    }
}

/// Byte index of the first `target` outside a quoted string.
fn find_unquoted(s: &str, target: char) -> Option<usize> {
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && in_quotes {
            escaped = true;
        } else if c == '"' {
            in_quotes = !in_quotes;
        } else if c == target && !in_quotes {
            return Some(i);
        }
    }
    None
}

/// Reads a quoted string whose opening quote is already consumed; returns the unescaped
/// content and what follows the closing quote.
fn unquote(s: &str) -> Result<(String, &str), &'static str> {
    let mut out = String::new();
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            return Ok((out, s.get(i + 1..).unwrap_or_default()));
        } else {
            out.push(c);
        }
    }
    Err("unterminated quoted local part")
}

/// RFC 5321 `Dot-string` (with RFC 6531's UTF-8 extension): atoms of `atext` joined by dots.
fn check_dot_atom(local: &str) -> Result<(), &'static str> {
    if local.is_empty() {
        return Err("empty local part");
    }
    if local.split('.').any(str::is_empty) {
        return Err("local part has an empty dot-separated atom");
    }
    let atext =
        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) || !c.is_ascii();
    if local.chars().all(atext) {
        Ok(())
    } else {
        Err("local part has a character that needs quoting")
    }
}

/// RFC 5321 `Domain` (letters, digits, hyphens; U-labels allowed) or an address literal.
fn check_domain(domain: &str) -> Result<(), &'static str> {
    if domain.is_empty() {
        return Err("empty domain");
    }
    if let Some(literal) = domain.strip_prefix('[') {
        let inner = literal
            .strip_suffix(']')
            .ok_or("address literal without ']'")?;
        return if !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_graphic() && !"[]\\".contains(c))
        {
            Ok(())
        } else {
            Err("malformed address literal")
        };
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err("domain has an empty label");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("domain label starts or ends with '-'");
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
        {
            return Err("domain has a character other than letters, digits and '-'");
        }
    }
    Ok(())
}

/// Where in the certificate a mailbox was found.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MailboxSource {
    /// An `rfc822Name` of the subjectAltName extension.
    Rfc822Name,
    /// An `SmtpUTF8Mailbox` `otherName` of the subjectAltName extension (RFC 9598).
    SmtpUtf8Mailbox,
    /// The PKCS #9 `emailAddress` attribute of the subject name (legacy).
    SubjectEmailAddress,
}

impl fmt::Display for MailboxSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rfc822Name => "subjectAltName rfc822Name",
            Self::SmtpUtf8Mailbox => "subjectAltName SmtpUTF8Mailbox",
            Self::SubjectEmailAddress => "subject emailAddress",
        })
    }
}

/// Why a mailbox entry of a certificate is malformed. The entry is reported, never repaired.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MailboxDefect {
    /// An `IA5String` (rfc822Name, emailAddress) holds non-ASCII bytes: a UTF-8 address must
    /// be an `SmtpUTF8Mailbox` instead (RFC 9598 §3). The bytes are shown escaped.
    #[error("non-ASCII bytes in an IA5String: \"{}\"", .raw.escape_ascii())]
    NonAscii {
        /// The bytes as encoded.
        raw: Vec<u8>,
    },
    /// The value has the wrong ASN.1 string type.
    #[error("encoded as {found} where {expected} is required")]
    WrongStringType {
        /// The type the standard requires.
        expected: &'static str,
        /// The tag that was found.
        found: String,
    },
    /// The value's encoding is broken (for example invalid UTF-8 in a `UTF8String`).
    #[error("bad encoding: {0}")]
    Encoding(String),
    /// The value is not a mailbox (`local-part@domain`).
    #[error("{value:?} is not a mailbox: {reason}")]
    Syntax {
        /// The value.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// One mailbox entry of a certificate: where it was found, and the address or why it is
/// malformed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    source: MailboxSource,
    content: Result<EmailAddress, MailboxDefect>,
}

impl Mailbox {
    /// Where the entry was found.
    pub fn source(&self) -> MailboxSource {
        self.source
    }

    /// The address, or why the entry is malformed.
    pub fn address(&self) -> Result<&EmailAddress, &MailboxDefect> {
        self.content.as_ref()
    }

    /// Whether the entry holds a well-formed address.
    pub fn is_well_formed(&self) -> bool {
        self.content.is_ok()
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.content {
            Ok(address) => write!(f, "{address} ({})", self.source),
            Err(defect) => write!(f, "malformed {}: {defect}", self.source),
        }
    }
}

/// The result of checking an address against a certificate's mailboxes. Only
/// [`Certificate::match_address`](crate::Certificate::match_address) builds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressMatch {
    address: EmailAddress,
    mailboxes: Vec<Mailbox>,
    matched: Option<usize>,
}

impl AddressMatch {
    pub(crate) fn new(address: EmailAddress, mailboxes: Vec<Mailbox>) -> Self {
        let matched = mailboxes
            .iter()
            .position(|m| m.address().is_ok_and(|a| a.matches(&address)));
        Self {
            address,
            mailboxes,
            matched,
        }
    }

    /// The address that was checked, as parsed.
    pub fn address(&self) -> &EmailAddress {
        &self.address
    }

    /// The certificate's mailbox that matched (the first one, in certificate order).
    pub fn matched(&self) -> Option<&Mailbox> {
        self.matched.and_then(|i| self.mailboxes.get(i))
    }

    /// Whether one of the certificate's mailboxes matched.
    pub fn is_match(&self) -> bool {
        self.matched.is_some()
    }

    /// All mailbox entries of the certificate, malformed ones included.
    pub fn mailboxes(&self) -> &[Mailbox] {
        &self.mailboxes
    }
}

impl fmt::Display for AddressMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.matched() {
            Some(m) => write!(
                f,
                "{} matches the certificate's {}",
                self.address,
                m.source()
            ),
            None => write!(
                f,
                "{} matches none of the certificate's {} mailbox entries",
                self.address,
                self.mailboxes.len()
            ),
        }
    }
}

fn ia5_mailbox(source: MailboxSource, value: AnyRef<'_>) -> Mailbox {
    let content = if value.tag() != Tag::Ia5String {
        Err(MailboxDefect::WrongStringType {
            expected: "IA5String",
            found: value.tag().to_string(),
        })
    } else {
        ascii_mailbox(value.value())
    };
    Mailbox { source, content }
}

fn ascii_mailbox(raw: &[u8]) -> Result<EmailAddress, MailboxDefect> {
    if !raw.is_ascii() {
        return Err(MailboxDefect::NonAscii { raw: raw.to_vec() });
    }
    let text = core::str::from_utf8(raw).map_err(|e| MailboxDefect::Encoding(e.to_string()))?;
    parse_entry(text)
}

fn parse_entry(text: &str) -> Result<EmailAddress, MailboxDefect> {
    EmailAddress::parse_addr_spec(text).map_err(|reason| MailboxDefect::Syntax {
        value: text.chars().take(256).collect(),
        reason,
    })
}

fn smtp_utf8_mailbox(value: AnyRef<'_>) -> Mailbox {
    let content = if value.tag() != Tag::Utf8String {
        Err(MailboxDefect::WrongStringType {
            expected: "UTF8String",
            found: value.tag().to_string(),
        })
    } else {
        core::str::from_utf8(value.value())
            .map_err(|e| MailboxDefect::Encoding(format!("UTF8String: {e}")))
            .and_then(parse_entry)
    };
    Mailbox {
        source: MailboxSource::SmtpUtf8Mailbox,
        content,
    }
}

/// Reads the mailboxes of a subjectAltName extension value. Entries are read one by one so
/// that one bad entry is reported as such instead of hiding the others.
pub(crate) fn subject_alt_name_mailboxes(value: &[u8], out: &mut Vec<Mailbox>) -> der::Result<()> {
    let sequence = AnyRef::from_der(value)?;
    sequence.tag().assert_eq(Tag::Sequence)?;
    let mut reader = SliceReader::new(sequence.value())?;
    while !reader.is_finished() {
        let name = AnyRef::decode(&mut reader)?;
        match name.tag() {
            // rfc822Name [1] IMPLICIT IA5String
            Tag::ContextSpecific {
                constructed: false,
                number: TagNumber(1),
            } => out.push(Mailbox {
                source: MailboxSource::Rfc822Name,
                content: ascii_mailbox(name.value()),
            }),
            // otherName [0] IMPLICIT SEQUENCE { type-id OID, value [0] EXPLICIT ANY }
            Tag::ContextSpecific {
                constructed: true,
                number: TagNumber(0),
            } => {
                let mut other = SliceReader::new(name.value())?;
                let type_id = ObjectIdentifier::decode(&mut other)?;
                let wrapper = AnyRef::decode(&mut other)?;
                other.finish()?;
                wrapper.tag().assert_eq(Tag::ContextSpecific {
                    constructed: true,
                    number: TagNumber(0),
                })?;
                if type_id == ID_ON_SMTP_UTF8_MAILBOX {
                    out.push(smtp_utf8_mailbox(AnyRef::from_der(wrapper.value())?));
                }
            }
            _ => {}
        }
    }
    reader.finish()?;
    Ok(())
}

/// Reads the `emailAddress` attributes of a subject name.
pub(crate) fn subject_email_addresses(subject: &x509_cert::name::Name, out: &mut Vec<Mailbox>) {
    for atv in subject.iter().filter(|atv| atv.oid == EMAIL_ADDRESS) {
        out.push(ia5_mailbox(
            MailboxSource::SubjectEmailAddress,
            (&atv.value).into(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    #[test]
    fn parses_from_header_forms() {
        for input in [
            "alice@example.com",
            "  alice@example.com ",
            "<alice@example.com>",
            "Alice <alice@example.com>",
            "\"Alice\" <alice@example.com>",
            "\"Lovelace, Alice <ada>\" <alice@example.com>",
            "\"Alice \\\"the first\\\"\" < alice@example.com >",
        ] {
            let a = addr(input);
            assert_eq!(
                (a.local_part(), a.domain()),
                ("alice", "example.com"),
                "{input}"
            );
        }
        let q = addr("\"john doe\"@example.com");
        assert_eq!(q.local_part(), "john doe");
        assert_eq!(q.to_string(), "\"john doe\"@example.com");
        let q = addr("\"a@b\"@evil.example");
        assert_eq!((q.local_part(), q.domain()), ("a@b", "evil.example"));
        let utf8 = addr("Пётр <пётр@пример.рф>");
        assert_eq!(utf8.local_part(), "пётр");
        assert_eq!(addr("x@[192.0.2.1]").domain(), "[192.0.2.1]");
    }

    #[test]
    fn rejects_non_mailboxes() {
        for (input, reason) in [
            ("", "empty"),
            ("alice", "no '@'"),
            ("@example.com", "empty local part"),
            ("alice@", "empty domain"),
            ("alice@example..com", "domain has an empty label"),
            ("alice@-example.com", "domain label starts or ends with '-'"),
            (
                "al ice@example.com",
                "local part has a character that needs quoting",
            ),
            (
                "alice.@example.com",
                "local part has an empty dot-separated atom",
            ),
            (
                "alice@exa mple.com",
                "domain has a character other than letters, digits and '-'",
            ),
            (
                "Alice <alice@example.com",
                "'<' without a closing '>' at the end",
            ),
            ("<a@b.c> <d@e.f>", "more than one angle-bracketed address"),
            ("\"alice@example.com", "unterminated quoted local part"),
            ("alice\r\n@example.com", "contains a control character"),
        ] {
            match EmailAddress::parse(input) {
                Err(Error::InvalidAddress { reason: r, .. }) => assert_eq!(r, reason, "{input:?}"),
                other => panic!("{input:?}: {other:?}"),
            }
        }
        let long = format!("{}@example.com", "a".repeat(1000));
        assert!(matches!(
            EmailAddress::parse(&long),
            Err(Error::InvalidAddress {
                reason: "longer than 998 bytes",
                ..
            })
        ));
    }

    #[test]
    fn matching_rules() {
        let a = addr("alice@smime.example");
        assert!(a.matches(&addr("alice@SMIME.Example")));
        assert!(
            !a.matches(&addr("Alice@smime.example")),
            "local part is exact"
        );
        assert!(!a.matches(&addr("alice@smime.example.org")));
        assert!(
            a.matches(&addr("\"alice\"@smime.example")),
            "quoting is not part of the local part"
        );
        // U-label vs A-label domains.
        assert!(addr("u@bücher.example").matches(&addr("u@XN--BCHER-KVA.example")));
        assert!(addr("u@BÜCHER.example").matches(&addr("u@bücher.example")));
        // Non-ASCII local parts compare exactly (no case folding).
        assert!(!addr("pëtr@example.com").matches(&addr("PËTR@example.com")));
    }
}
