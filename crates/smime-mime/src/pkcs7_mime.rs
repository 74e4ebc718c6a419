//! `application/pkcs7-mime` (RFC 8551 §3.2–3.4, §3.8): a CMS object carried as a MIME body,
//! base64 encoded, with an `smime-type` parameter saying what it is.
//!
//! | smime-type | CMS content | file name | built by |
//! |---|---|---|---|
//! | `signed-data` | SignedData with the content inside ("opaque" signing) | `smime.p7m` | [`signed_data`] |
//! | `enveloped-data` | EnvelopedData | `smime.p7m` | [`encrypted`] |
//! | `authEnveloped-data` | AuthEnvelopedData (RFC 8551 §3.4) | `smime.p7m` | [`encrypted`] |
//! | `certs-only` | SignedData without signers or content | `smime.p7c` | [`certs_only`] |
//!
//! When reading, the `smime-type` parameter is only a hint: what a part is comes from the
//! content type inside its ContentInfo. `application/x-pkcs7-mime` (older Outlook),
//! a missing `smime-type`, and `application/octet-stream` with a `.p7m` or `.p7c` name are
//! all accepted.

use mail_builder::headers::content_type::ContentType as BuilderContentType;
use mail_builder::mime::MimePart;
use smime_cms::{Certificate, SignedDataBuilder, SignerBuilder};
use smime_crypto::CryptoProvider;
use smime_x509::ObjectIdentifier;

use crate::canonical;
use crate::encryption::Encryptor;
use crate::entity::{Entity, PartPath};
use crate::error::Error;

/// `id-signedData` (RFC 5652 §5).
pub const ID_SIGNED_DATA: ObjectIdentifier = smime_cms::content_info::ID_SIGNED_DATA;
/// `id-envelopedData` (RFC 5652 §6).
pub const ID_ENVELOPED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
/// `id-ct-authEnvelopedData` (RFC 5083 §1).
pub const ID_AUTH_ENVELOPED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.23");
/// `id-ct-compressedData` (RFC 3274 §1.1).
pub const ID_COMPRESSED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.9");

/// What an `application/pkcs7-mime` part holds (RFC 8551 §3.2.2).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SmimeType {
    /// A SignedData with its content ("opaque" signing).
    SignedData,
    /// An EnvelopedData.
    EnvelopedData,
    /// An AuthEnvelopedData.
    AuthEnvelopedData,
    /// A SignedData without signers, carrying certificates.
    CertsOnly,
    /// A CompressedData (RFC 3274); not handled by this crate.
    CompressedData,
}

impl SmimeType {
    /// The `smime-type` parameter value (RFC 8551 §3.2.2; `authEnveloped-data` is written
    /// with that capital E).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedData => "signed-data",
            Self::EnvelopedData => "enveloped-data",
            Self::AuthEnvelopedData => "authEnveloped-data",
            Self::CertsOnly => "certs-only",
            Self::CompressedData => "compressed-data",
        }
    }

    /// The type a parameter value names (compared without regard to case).
    pub fn from_parameter(value: &str) -> Option<Self> {
        [
            Self::SignedData,
            Self::EnvelopedData,
            Self::AuthEnvelopedData,
            Self::CertsOnly,
            Self::CompressedData,
        ]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(value))
    }

    /// The file name RFC 8551 §3.2.1 gives parts of this type.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::CertsOnly => "smime.p7c",
            Self::CompressedData => "smime.p7z",
            _ => "smime.p7m",
        }
    }
}

/// Whether an entity is an `application/pkcs7-mime` part, as real clients label them:
/// `application/pkcs7-mime`, `application/x-pkcs7-mime`, or `application/octet-stream`
/// (or no type) with a file name ending in `.p7m`, `.p7c` or `.p7z`.
pub fn is_pkcs7_mime(entity: &Entity<'_>) -> bool {
    let content_type = entity.content_type();
    if content_type.media_type() == "application"
        && matches!(content_type.subtype(), "pkcs7-mime" | "x-pkcs7-mime")
    {
        return true;
    }
    let octet_stream = content_type.is("application", "octet-stream");
    octet_stream
        && entity.filename().is_some_and(|name| {
            let name = name.trim().to_ascii_lowercase();
            name.ends_with(".p7m") || name.ends_with(".p7c") || name.ends_with(".p7z")
        })
}

/// The CMS bytes of an `application/pkcs7-mime` (or `pkcs7-signature`) part: the body
/// decoded from its transfer encoding. A binary body (no transfer encoding, as AS2 sends
/// it) may be followed by line breaks that are not part of the DER; they are trimmed when
/// the first attempt to read the ContentInfo fails.
pub(crate) fn cms_bytes(entity: &Entity<'_>) -> Result<Vec<u8>, Error> {
    let mut bytes = entity.decoded_body()?.into_owned();
    if entity.transfer_encoding().is_identity() && smime_cms::ContentInfo::parse(&bytes).is_err() {
        while bytes.last().is_some_and(u8::is_ascii_whitespace) {
            bytes.pop();
        }
    }
    Ok(bytes)
}

/// Wraps a CMS ContentInfo (DER or BER) as an `application/pkcs7-mime` entity with the given
/// `smime-type`, base64 encoded, with the RFC 8551 file name as `name` and in an
/// attachment Content-Disposition.
///
/// ```
/// use smime_mime::pkcs7_mime::{self, SmimeType};
/// let entity = pkcs7_mime::entity(SmimeType::EnvelopedData, &[0x30, 0x00]);
/// assert_eq!(
///     entity,
///     b"Content-Type: application/pkcs7-mime; smime-type=\"enveloped-data\";\r\n name=\"smime.p7m\"\r\n\
///       Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\
///       Content-Transfer-Encoding: base64\r\n\r\nMAA=\r\n"
/// );
/// ```
pub fn entity(smime_type: SmimeType, content_info: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_entity(smime_type, content_info, &mut out);
    out
}

/// [`entity`], appended to `out`; the ContentInfo is borrowed, not copied.
pub(crate) fn write_entity(smime_type: SmimeType, content_info: &[u8], out: &mut Vec<u8>) {
    let content_type = BuilderContentType::new("application/pkcs7-mime")
        .attribute("smime-type", smime_type.as_str())
        .attribute("name", smime_type.file_name());
    let part = MimePart::new(content_type, content_info).attachment(smime_type.file_name());
    // Base64 in lines of 76 characters plus CR LF (4/3 × 78/76), and the header block.
    out.reserve(
        content_info
            .len()
            .saturating_mul(4)
            .saturating_div(3)
            .saturating_mul(78)
            .saturating_div(76)
            .saturating_add(512),
    );
    part.write_part(out);
}

/// Signs a MIME entity "opaquely" (RFC 8551 §3.5.2): the entity is prepared
/// ([`canonical::prepare`]) and encapsulated in a SignedData, which is sent as
/// `application/pkcs7-mime; smime-type=signed-data`. Only S/MIME-aware clients can show the
/// content, but no gateway can alter it unnoticed.
pub fn signed_data(
    entity: &[u8],
    signers: &[SignerBuilder],
    provider: &dyn CryptoProvider,
) -> Result<Vec<u8>, Error> {
    if signers.is_empty() {
        return Err(no_signer());
    }
    let prepared = canonical::prepare(entity)?;
    let mut out = Vec::new();
    write_signed_data(&prepared, signers, provider, &mut out)?;
    Ok(out)
}

fn no_signer() -> Error {
    Error::Build {
        reason: "signing needs at least one signer".to_owned(),
    }
}

/// [`signed_data`] for an entity already in canonical form, appended to `out`.
pub(crate) fn write_signed_data(
    prepared: &[u8],
    signers: &[SignerBuilder],
    provider: &dyn CryptoProvider,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    if signers.is_empty() {
        return Err(no_signer());
    }
    let mut builder = SignedDataBuilder::new(prepared);
    for signer in signers {
        builder = builder.add_signer(signer.clone());
    }
    let der = builder.build(provider).map_err(|source| Error::Cms {
        path: PartPath::root(),
        source: Box::new(source),
    })?;
    write_entity(SmimeType::SignedData, &der, out);
    Ok(())
}

/// Encrypts a MIME entity (RFC 8551 §3.3–3.4): the entity is prepared
/// ([`canonical::prepare`]), the `encryptor` makes the EnvelopedData or AuthEnvelopedData,
/// and the result is sent as `application/pkcs7-mime` with `smime-type` `enveloped-data`
/// or `authEnveloped-data`, whichever the ContentInfo holds.
pub fn encrypted(
    entity: &[u8],
    encryptor: &dyn Encryptor,
    provider: &dyn CryptoProvider,
) -> Result<Vec<u8>, Error> {
    let prepared = canonical::prepare(entity)?;
    let mut out = Vec::new();
    write_encrypted(&prepared, encryptor, provider, &mut out)?;
    Ok(out)
}

/// [`encrypted`] for an entity already in canonical form (the encryptor borrows it),
/// appended to `out`.
pub(crate) fn write_encrypted(
    prepared: &[u8],
    encryptor: &dyn Encryptor,
    provider: &dyn CryptoProvider,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let content_info =
        encryptor
            .encrypt(prepared, provider)
            .map_err(|source| Error::Encryption {
                path: PartPath::root(),
                operation: "encryption",
                source: Box::new(source),
            })?;
    let parsed = smime_cms::ContentInfo::parse(&content_info).map_err(|source| Error::Cms {
        path: PartPath::root(),
        source: Box::new(source),
    })?;
    let smime_type = match parsed.content_type() {
        oid if oid == ID_ENVELOPED_DATA => SmimeType::EnvelopedData,
        oid if oid == ID_AUTH_ENVELOPED_DATA => SmimeType::AuthEnvelopedData,
        other => {
            return Err(Error::UnsupportedContentType {
                path: PartPath::root(),
                content_type: other.to_string(),
            });
        }
    };
    write_entity(smime_type, &content_info, out);
    Ok(())
}

/// A certificates-only entity (RFC 8551 §3.8): `application/pkcs7-mime;
/// smime-type=certs-only` holding a SignedData without signers, named `smime.p7c`.
pub fn certs_only(certificates: &[Certificate]) -> Result<Vec<u8>, Error> {
    let der = smime_cms::certs_only::build(certificates).map_err(|source| Error::Cms {
        path: PartPath::root(),
        source: Box::new(source),
    })?;
    Ok(entity(SmimeType::CertsOnly, &der))
}
