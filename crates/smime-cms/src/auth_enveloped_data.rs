//! `AuthEnvelopedData` (RFC 5083 §2.1): reading and writing the structure. Encryption and
//! decryption are in [`envelope`](crate::envelope).
//!
//! ```text
//! AuthEnvelopedData ::= SEQUENCE {
//!   version CMSVersion,
//!   originatorInfo [0] IMPLICIT OriginatorInfo OPTIONAL,
//!   recipientInfos RecipientInfos,
//!   authEncryptedContentInfo EncryptedContentInfo,
//!   authAttrs [1] IMPLICIT AuthAttributes OPTIONAL,
//!   mac MessageAuthenticationCode,
//!   unauthAttrs [2] IMPLICIT UnauthAttributes OPTIONAL }
//! ```
//!
//! The authenticated attributes are covered by the AEAD as its additional authenticated data:
//! their DER encoding with the `SET OF` tag (0x31) in place of `[1]` (RFC 5083 §2.2), taken
//! from the bytes as sent — never re-sorted or re-encoded, so what the sender authenticated
//! is what is checked (a BER encoding is only made definite-length). With AES-GCM the `mac`
//! is the authentication tag (RFC 5084 §3.1).

use const_oid::ObjectIdentifier;

use crate::ber::{self, Tlv};
use crate::content_encryption::EncryptedContentInfo;
use crate::envelope::{Envelope, EnvelopeKind, read_attribute_set};
use crate::error::Error;
use crate::recipient;
use crate::signer_info::read_version;

/// `id-ct-authEnvelopedData` (RFC 5083 §1.1).
pub const ID_AUTH_ENVELOPED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.23");

/// Parses the AuthEnvelopedData element (the content of a ContentInfo).
pub(crate) fn parse(tlv: Tlv<'_>) -> Result<Envelope<'_>, Error> {
    const WHAT: &str = "AuthEnvelopedData";
    let mut fields = tlv.expect(ber::SEQUENCE, WHAT)?.reader(WHAT)?;
    let version = read_version(fields.read()?, WHAT)?;
    // RFC 5083 §2.1: "version is the syntax version number. It MUST be set to 0."
    if version != 0 {
        return Err(Error::UnsupportedEnvelopeVersion {
            structure: WHAT,
            version,
        });
    }
    let originator_info = fields.read_optional(ber::CONTEXT_0)?.is_some();
    let recipient_infos = recipient::parse_recipient_infos(fields.read_expected(ber::SET)?)?;
    let encrypted_content = EncryptedContentInfo::parse(fields.read_expected(ber::SEQUENCE)?)?;
    let (auth_attributes, aad) = match fields.read_optional(ber::CONTEXT_1)? {
        Some(set) => {
            let attributes = read_attribute_set(set, "AuthEnvelopedData.authAttrs")?;
            if attributes.is_empty() {
                return Err(Error::malformed(
                    WHAT,
                    set.offset,
                    "authAttrs is present but empty (RFC 5083: SIZE (1..MAX))",
                ));
            }
            let mut aad = set.to_der("AuthEnvelopedData.authAttrs")?.into_owned();
            if let Some(tag) = aad.first_mut() {
                *tag = ber::SET;
            }
            (attributes, Some(aad))
        }
        None => (Vec::new(), None),
    };
    let mac = fields
        .read()?
        .string_value(ber::OCTET_STRING, "AuthEnvelopedData.mac")?;
    let unprotected_attributes = match fields.read_optional(ber::CONTEXT_2)? {
        Some(set) => read_attribute_set(set, "AuthEnvelopedData.unauthAttrs")?,
        None => Vec::new(),
    };
    fields.finish()?;
    Ok(Envelope {
        kind: EnvelopeKind::AuthEnvelopedData,
        version,
        originator_info,
        recipient_infos,
        encrypted_content,
        auth_attributes,
        aad,
        mac: Some(mac),
        unprotected_attributes,
    })
}

/// The DER fields of an AuthEnvelopedData before its EncryptedContentInfo: version 0 and the
/// RecipientInfos (a DER SET OF, sorted). No originatorInfo is written.
pub(crate) fn head(recipient_infos: Vec<Vec<u8>>) -> Vec<u8> {
    let mut out = vec![ber::INTEGER, 1, 0];
    out.extend_from_slice(&ber::encode_set_of(recipient_infos));
    out
}

/// The DER fields after the EncryptedContentInfo: authAttrs `[1]` (already tagged), the mac,
/// unauthAttrs `[2]` (already tagged).
pub(crate) fn tail(
    auth_attributes: Option<&[u8]>,
    mac: &[u8],
    unauth_attributes: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = auth_attributes.unwrap_or_default().to_vec();
    out.extend_from_slice(&ber::encode(ber::OCTET_STRING, mac));
    out.extend_from_slice(unauth_attributes.unwrap_or_default());
    out
}
