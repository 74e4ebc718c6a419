//! Names for new certificates: the subject (RFC 4514 strings, `emailAddress`) and the
//! mailbox entries of the subjectAltName (RFC 5280 §4.2.1.6 `rfc822Name`, RFC 9598
//! `SmtpUTF8Mailbox`).

use core::str::FromStr;

use const_oid::ObjectIdentifier;
use der::asn1::{Any, Ia5String};
use der::{Decode, Encode, Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::name::{GeneralName, OtherName};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::error::Error;
use crate::idna::punycode_encode;
use crate::mailbox::{EMAIL_ADDRESS, EmailAddress, ID_ON_SMTP_UTF8_MAILBOX};

/// `id-at-commonName` (X.520): 2.5.4.3.
const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// Longest `commonName` (X.520 `ub-common-name`, RFC 5280 Appendix A.1): 64 characters.
pub const MAX_COMMON_NAME_CHARS: usize = 64;

/// Longest DNS label in octets (RFC 1035 §2.3.4).
const MAX_LABEL_LEN: usize = 63;

fn invalid(field: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidBuilderInput {
        field,
        reason: reason.into(),
    }
}

/// Parses an RFC 4514 distinguished name (`"CN=Alice,O=Example,C=GB"`: most specific
/// attribute first). Attribute types are short names (`CN`, `O`, `OU`, `C`, `L`, `ST`, `DC`,
/// `emailAddress`, …) or dotted OIDs; values are `UTF8String`s except `C` (PrintableString)
/// and `DC` and `emailAddress` (IA5String), as RFC 5280 Appendix A asks. The empty string is
/// the empty name.
///
/// ```
/// let name = smime_x509::builder::parse_name("CN=Alice,O=Example,C=GB")?;
/// assert_eq!(name.to_string(), "CN=Alice,O=Example,C=GB");
/// # Ok::<(), smime_x509::Error>(())
/// ```
pub fn parse_name(rfc4514: &str) -> Result<Name, Error> {
    if rfc4514.is_empty() {
        return Ok(Name::default());
    }
    let name = Name::from_str(rfc4514).map_err(|e| {
        invalid(
            "subject",
            format!(
                "{:?} is not an RFC 4514 distinguished name: {e}",
                rfc4514.chars().take(256).collect::<String>()
            ),
        )
    })?;
    // x509-cert does not check that IA5String and PrintableString values are in their
    // character sets; a certificate with such a value would not decode again.
    for atv in name.iter() {
        check_string_value(atv)?;
    }
    Ok(name)
}

fn check_string_value(atv: &AttributeTypeAndValue) -> Result<(), Error> {
    let value = atv.value.value();
    let ok = match atv.value.tag() {
        Tag::Ia5String => value.is_ascii(),
        Tag::PrintableString => value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(b)),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "subject",
            format!(
                "the value of {} is not a valid {}",
                const_oid::db::DB.by_oid(&atv.oid).unwrap_or("an attribute"),
                atv.value.tag()
            ),
        ))
    }
}

/// The subject most S/MIME certificates carry: a `commonName` and the PKCS #9
/// `emailAddress` (`CN=Alice Lovelace` followed by `emailAddress=alice@example.org`, two
/// RDNs, as OpenSSL's `-subj "/CN=…/emailAddress=…"` makes them).
///
/// The address must be ASCII (`emailAddress` is an IA5String); RFC 8550 §3 prefers the
/// subjectAltName, which [`CertificateBuilder::mailbox`](super::CertificateBuilder::mailbox)
/// fills.
///
/// ```
/// let name = smime_x509::builder::smime_subject("Alice Lovelace", "alice@example.org")?;
/// assert_eq!(name.to_string(), "EMAIL=alice@example.org,CN=Alice Lovelace");
/// # Ok::<(), smime_x509::Error>(())
/// ```
pub fn smime_subject(common_name: &str, email_address: &str) -> Result<Name, Error> {
    let address = EmailAddress::parse(email_address)?;
    let mut rdns = RdnSequence::default();
    rdns.push(rdn(common_name_attribute(common_name)?)?);
    rdns.push(rdn(email_address_attribute(&address)?)?);
    name_from_rdns(&rdns)
}

/// The `commonName` attribute, a UTF8String of at most [`MAX_COMMON_NAME_CHARS`].
pub(crate) fn common_name_attribute(common_name: &str) -> Result<AttributeTypeAndValue, Error> {
    let chars = common_name.chars().count();
    if chars == 0 || chars > MAX_COMMON_NAME_CHARS {
        return Err(invalid(
            "subject",
            format!("a commonName has 1 to {MAX_COMMON_NAME_CHARS} characters, not {chars}"),
        ));
    }
    Ok(AttributeTypeAndValue {
        oid: COMMON_NAME,
        value: Any::new(Tag::Utf8String, common_name.as_bytes()).map_err(Error::Encode)?,
    })
}

/// The PKCS #9 `emailAddress` attribute (IA5String) for an ASCII address.
pub(crate) fn email_address_attribute(
    address: &EmailAddress,
) -> Result<AttributeTypeAndValue, Error> {
    let text = rfc822_text(address)?;
    Ok(AttributeTypeAndValue {
        oid: EMAIL_ADDRESS,
        value: Any::new(Tag::Ia5String, text.as_bytes()).map_err(Error::Encode)?,
    })
}

/// A one-attribute RDN.
pub(crate) fn rdn(atv: AttributeTypeAndValue) -> Result<RelativeDistinguishedName, Error> {
    let mut rdn = RelativeDistinguishedName::default();
    rdn.insert(atv).map_err(Error::Encode)?;
    Ok(rdn)
}

/// A `Name` from RDNs (x509-cert builds `Name`s only by decoding).
pub(crate) fn name_from_rdns(rdns: &RdnSequence) -> Result<Name, Error> {
    let der = rdns.to_der().map_err(Error::Encode)?;
    Name::from_der(&der).map_err(Error::Encode)
}

/// `name` with `atvs` appended, each as its own RDN (after the existing ones: the least
/// significant position).
pub(crate) fn append_rdns(
    name: &Name,
    atvs: impl IntoIterator<Item = AttributeTypeAndValue>,
) -> Result<Name, Error> {
    let mut rdns = RdnSequence::default();
    for existing in name.iter_rdn() {
        rdns.push(existing.clone());
    }
    for atv in atvs {
        rdns.push(rdn(atv)?);
    }
    name_from_rdns(&rdns)
}

/// The subjectAltName entry for a mailbox (RFC 9598 §3, §4): an `rfc822Name` when the local
/// part is ASCII — with the domain's U-labels turned into A-labels — and an
/// `SmtpUTF8Mailbox` (`otherName`, UTF8String) with the address as given otherwise.
pub(crate) fn mailbox_general_name(address: &EmailAddress) -> Result<GeneralName, Error> {
    if address.local_part().is_ascii() {
        let text = rfc822_text(address)?;
        let ia5 = Ia5String::new(&text).map_err(Error::Encode)?;
        Ok(GeneralName::Rfc822Name(ia5))
    } else {
        Ok(GeneralName::OtherName(OtherName {
            type_id: ID_ON_SMTP_UTF8_MAILBOX,
            value: Any::new(Tag::Utf8String, address.to_string().as_bytes())
                .map_err(Error::Encode)?,
        }))
    }
}

/// The ASCII form of an address with an ASCII local part: `local@domain` with the domain in
/// A-labels (RFC 9598 §4, RFC 5280 §7.5).
fn rfc822_text(address: &EmailAddress) -> Result<String, Error> {
    let shown = address.to_string();
    // `Display` writes the local part (quoted if it must be) and then `@domain`.
    let local = shown
        .strip_suffix(address.domain())
        .and_then(|rest| rest.strip_suffix('@'))
        .unwrap_or(address.local_part());
    if !local.is_ascii() {
        return Err(Error::InvalidAddress {
            input: shown.chars().take(256).collect(),
            reason: "the local part is not ASCII: only an SmtpUTF8Mailbox can hold it",
        });
    }
    Ok(format!("{local}@{}", ascii_domain(address.domain())?))
}

/// A domain with its U-labels turned into A-labels (`bücher.example` →
/// `xn--bcher-kva.example`); ASCII labels are kept as written.
pub(crate) fn ascii_domain(domain: &str) -> Result<String, Error> {
    if domain.is_ascii() {
        return Ok(domain.to_owned());
    }
    let mut labels = Vec::new();
    for label in domain.split('.') {
        if label.is_ascii() {
            labels.push(label.to_owned());
            continue;
        }
        let lower: Vec<char> = label.to_lowercase().chars().collect();
        let encoded = punycode_encode(&lower)
            .map(|p| format!("xn--{p}"))
            .filter(|a| a.len() <= MAX_LABEL_LEN)
            .ok_or_else(|| {
                invalid(
                    "mailbox",
                    format!("the domain label {label:?} has no A-label of at most 63 octets"),
                )
            })?;
        labels.push(encoded);
    }
    Ok(labels.join("."))
}

/// Splits a `From`-style mailbox (`"Alice Lovelace" <alice@example.org>`) into its display
/// name, if any, and the address.
pub(crate) fn display_name_and_address(
    mailbox: &str,
) -> Result<(Option<String>, EmailAddress), Error> {
    let address = EmailAddress::parse(mailbox)?;
    let trimmed = mailbox.trim();
    let display = trimmed
        .rfind('<')
        .and_then(|open| trimmed.get(..open))
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(unquote_display_name);
    Ok((display, address))
}

/// Removes the quotes (and backslash escapes) of a quoted display name.
fn unquote_display_name(display: &str) -> String {
    let Some(inner) = display
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return display.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4514_names() {
        let name = parse_name("CN=Alice,O=Example,C=GB").unwrap();
        // DER order is the reverse of the string: C first.
        let first = name.iter().next().unwrap();
        assert_eq!(first.oid, ObjectIdentifier::new_unwrap("2.5.4.6"));
        assert_eq!(first.value.tag(), Tag::PrintableString);
        assert_eq!(name.to_string(), "CN=Alice,O=Example,C=GB");
        assert!(parse_name("").unwrap().is_empty());
        assert!(matches!(
            parse_name("no equals sign"),
            Err(Error::InvalidBuilderInput {
                field: "subject",
                ..
            })
        ));
        // Not PrintableString / IA5String characters.
        assert!(parse_name("C=G*").is_err());
        assert!(parse_name("emailAddress=ü@example.org").is_err());
    }

    #[test]
    fn mailbox_entries() {
        let ascii = EmailAddress::parse("alice@bücher.example").unwrap();
        assert_eq!(
            mailbox_general_name(&ascii).unwrap(),
            GeneralName::Rfc822Name(Ia5String::new("alice@xn--bcher-kva.example").unwrap())
        );
        let quoted = EmailAddress::parse("\"a b\"@example.org").unwrap();
        assert_eq!(
            mailbox_general_name(&quoted).unwrap(),
            GeneralName::Rfc822Name(Ia5String::new("\"a b\"@example.org").unwrap())
        );
        let utf8 = EmailAddress::parse("пётр@пример.рф").unwrap();
        match mailbox_general_name(&utf8).unwrap() {
            GeneralName::OtherName(other) => {
                assert_eq!(other.type_id, ID_ON_SMTP_UTF8_MAILBOX);
                assert_eq!(other.value.tag(), Tag::Utf8String);
                assert_eq!(other.value.value(), "пётр@пример.рф".as_bytes());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            email_address_attribute(&utf8),
            Err(Error::InvalidAddress { .. })
        ));
    }

    #[test]
    fn display_names() {
        let (display, address) =
            display_name_and_address("\"Lovelace, Ada \\\"A\\\"\" <ada@example.org>").unwrap();
        assert_eq!(display.as_deref(), Some("Lovelace, Ada \"A\""));
        assert_eq!(address.to_string(), "ada@example.org");
        let (display, _) = display_name_and_address("Alice <alice@example.org>").unwrap();
        assert_eq!(display.as_deref(), Some("Alice"));
        let (display, _) = display_name_and_address("alice@example.org").unwrap();
        assert_eq!(display, None);
        let (display, _) = display_name_and_address("<alice@example.org>").unwrap();
        assert_eq!(display, None);
    }

    #[test]
    fn common_name_bounds() {
        assert!(common_name_attribute("").is_err());
        assert!(common_name_attribute(&"x".repeat(64)).is_ok());
        assert!(common_name_attribute(&"é".repeat(65)).is_err());
    }
}
