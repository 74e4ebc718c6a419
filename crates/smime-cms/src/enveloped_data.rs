//! `EnvelopedData` (RFC 5652 §6.1): reading and writing the structure. Encryption and
//! decryption are in [`envelope`](crate::envelope).
//!
//! ```text
//! EnvelopedData ::= SEQUENCE {
//!   version CMSVersion,
//!   originatorInfo [0] IMPLICIT OriginatorInfo OPTIONAL,
//!   recipientInfos RecipientInfos,
//!   encryptedContentInfo EncryptedContentInfo,
//!   unprotectedAttrs [1] IMPLICIT UnprotectedAttributes OPTIONAL }
//! ```

use const_oid::ObjectIdentifier;

use crate::ber::{self, Tlv};
use crate::content_encryption::EncryptedContentInfo;
use crate::envelope::{Envelope, EnvelopeKind, read_attribute_set};
use crate::error::Error;
use crate::recipient;
use crate::signer_info::read_version;

/// `id-envelopedData` (RFC 5652 §6.1).
pub const ID_ENVELOPED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");

/// Parses the EnvelopedData element (the content of a ContentInfo).
pub(crate) fn parse(tlv: Tlv<'_>) -> Result<Envelope<'_>, Error> {
    const WHAT: &str = "EnvelopedData";
    let mut fields = tlv.expect(ber::SEQUENCE, WHAT)?.reader(WHAT)?;
    let version = read_version(fields.read()?, WHAT)?;
    // RFC 5652 §6.1: 0, 2, 3 or 4 (PKCS #7's EnvelopedData is version 0).
    if !matches!(version, 0 | 2 | 3 | 4) {
        return Err(Error::UnsupportedEnvelopeVersion {
            structure: WHAT,
            version,
        });
    }
    let originator_info = fields.read_optional(ber::CONTEXT_0)?.is_some();
    let recipient_infos = recipient::parse_recipient_infos(fields.read_expected(ber::SET)?)?;
    let encrypted_content = EncryptedContentInfo::parse(fields.read_expected(ber::SEQUENCE)?)?;
    let unprotected_attributes = match fields.read_optional(ber::CONTEXT_1)? {
        Some(set) => read_attribute_set(set, "EnvelopedData.unprotectedAttrs")?,
        None => Vec::new(),
    };
    fields.finish()?;
    Ok(Envelope {
        kind: EnvelopeKind::EnvelopedData,
        version,
        originator_info,
        recipient_infos,
        encrypted_content,
        auth_attributes: Vec::new(),
        aad: None,
        mac: None,
        unprotected_attributes,
    })
}

/// The EnvelopedData version (RFC 5652 §6.1) for these RecipientInfo versions, with no
/// originatorInfo (we write none).
pub(crate) fn version(
    recipient_versions: &[u8],
    has_password_recipient: bool,
    has_unprotected_attributes: bool,
) -> u8 {
    if has_password_recipient {
        3
    } else if !has_unprotected_attributes && recipient_versions.iter().all(|v| *v == 0) {
        0
    } else {
        2
    }
}

/// The DER fields of an EnvelopedData before its EncryptedContentInfo: the version and the
/// RecipientInfos (a DER SET OF, sorted). No originatorInfo is written.
pub(crate) fn head(version: u8, recipient_infos: Vec<Vec<u8>>) -> Vec<u8> {
    let mut out = vec![ber::INTEGER, 1, version];
    out.extend_from_slice(&ber::encode_set_of(recipient_infos));
    out
}
