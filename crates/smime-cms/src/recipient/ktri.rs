//! Key transport: `KeyTransRecipientInfo` with RSA (RFC 5652 §6.2.1; RFC 3370 §4.2.1
//! PKCS #1 v1.5, RFC 4055/RFC 8017 RSAES-OAEP).
//!
//! ```text
//! KeyTransRecipientInfo ::= SEQUENCE {
//!   version CMSVersion,  -- always set to 0 or 2
//!   rid RecipientIdentifier,
//!   keyEncryptionAlgorithm KeyEncryptionAlgorithmIdentifier,
//!   encryptedKey EncryptedKey }
//! ```
//!
//! **Implicit rejection.** PKCS #1 v1.5 decryption goes through
//! [`PrivateKey::decrypt_key`], which never fails because of the padding: a bad padding, or
//! a plaintext whose length is not the content cipher's key length, yields a pseudorandom
//! substitute of the right length, chosen without a secret-dependent branch. This module
//! never looks at the key it gets back; a wrong key shows only when the content fails to
//! decrypt, exactly like a message whose content was damaged (Bleichenbacher, Marvin;
//! draft-irtf-cfrg-rsa-guidance). The CMS layer adds no branch of its own: the key length
//! it asks for comes from the content-encryption algorithm, which is public.

use cms::enveloped_data::{KeyTransRecipientInfo, RecipientIdentifier as CmsRecipientIdentifier};
use der::Encode;
use smime_crypto::{CryptoProvider, KeyKind, PrivateKey, PublicKey, RsaEncryptionPadding};
use spki::AlgorithmIdentifierRef;
use x509_cert::Certificate;

use super::{
    KeyCandidate, KeyManagement, RecipientIdentifier, algorithm_error, issuer_and_serial_matches,
    ski_matches,
};
use crate::attributes::SmimeCapabilities;
use crate::ber;
use crate::error::Error;

/// How a KeyTransRecipientInfo names its recipient.
pub(crate) fn identifier(ktri: &KeyTransRecipientInfo) -> RecipientIdentifier {
    match &ktri.rid {
        CmsRecipientIdentifier::IssuerAndSerialNumber(isn) => {
            RecipientIdentifier::IssuerAndSerialNumber(isn.clone())
        }
        CmsRecipientIdentifier::SubjectKeyIdentifier(ski) => {
            RecipientIdentifier::SubjectKeyIdentifier(ski.0.as_bytes().to_vec())
        }
    }
}

/// Whether the KeyTransRecipientInfo names `certificate`.
fn names(ktri: &KeyTransRecipientInfo, certificate: &Certificate) -> bool {
    match &ktri.rid {
        CmsRecipientIdentifier::IssuerAndSerialNumber(isn) => {
            issuer_and_serial_matches(isn, certificate)
        }
        CmsRecipientIdentifier::SubjectKeyIdentifier(ski) => {
            ski_matches(ski.0.as_bytes(), certificate)
        }
    }
}

/// Opens KeyTransRecipientInfo number `index` with an RSA `key`, for a content key of
/// `key_len` bytes. `None` when the RecipientInfo is not addressed: the key is not RSA, or a
/// certificate was given that the RecipientInfo does not name (and not `try_all`).
pub(crate) fn open(
    index: usize,
    ktri: &KeyTransRecipientInfo,
    key: &dyn PrivateKey,
    certificate: Option<&Certificate>,
    try_all: bool,
    key_len: usize,
) -> Option<Result<KeyCandidate, Error>> {
    if !matches!(key.kind(), KeyKind::Rsa { .. }) {
        return None;
    }
    if let Some(certificate) = certificate
        && !try_all
        && !names(ktri, certificate)
    {
        return None;
    }
    Some(decrypt(index, ktri, key, key_len))
}

fn decrypt(
    index: usize,
    ktri: &KeyTransRecipientInfo,
    key: &dyn PrivateKey,
    key_len: usize,
) -> Result<KeyCandidate, Error> {
    let padding = RsaEncryptionPadding::from_algorithm_identifier(&AlgorithmIdentifierRef::from(
        &ktri.key_enc_alg,
    ))
    .map_err(|error| algorithm_error(index, "key transport", error))?;
    // PKCS #1 v1.5: always a key of key_len bytes (the real one or the implicit-rejection
    // substitute); errors only for public facts (ciphertext length ≠ modulus length).
    let content_key = key
        .decrypt_key(padding, ktri.enc_key.as_bytes(), key_len)
        .map_err(|error| match error {
            smime_crypto::Error::DecryptionFailed => {
                Error::KeyDecryptionFailed { recipient: index }
            }
            source => Error::RecipientCrypto {
                recipient: index,
                source,
            },
        })?;
    Ok(KeyCandidate {
        recipient: index,
        key_management: KeyManagement::KeyTransport { padding },
        key: content_key,
        verified: !matches!(padding, RsaEncryptionPadding::Pkcs1v15),
    })
}

/// The RSA padding a recipient asks for in its SMIMECapabilities: RSAES-OAEP (with the
/// parameters listed, or the ASN.1 defaults — SHA-1 — when absent) if listed and readable.
pub(crate) fn padding_from_capabilities(
    capabilities: Option<&SmimeCapabilities>,
) -> Option<RsaEncryptionPadding> {
    capabilities?
        .iter()
        .filter(|capability| {
            capability.capability_id == smime_crypto::identifier::oid::ID_RSAES_OAEP
        })
        .find_map(|capability| {
            let identifier = AlgorithmIdentifierRef {
                oid: capability.capability_id,
                parameters: capability.parameters.as_ref().map(Into::into),
            };
            RsaEncryptionPadding::from_algorithm_identifier(&identifier).ok()
        })
}

/// The DER `AlgorithmIdentifier` of rsaEncryption with NULL parameters (RFC 3370 §4.2.1), as
/// [`RsaEncryptionPadding::to_algorithm_identifier`] encodes it for PKCS #1 v1.5.
const RSA_ENCRYPTION_IDENTIFIER: [u8; 15] = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/// The version and the DER `RecipientIdentifier` of a KeyTransRecipientInfo for
/// `certificate`: issuerAndSerialNumber (version 0), or `[0] IMPLICIT` subjectKeyIdentifier
/// (version 2) when `subject_key_identifier` is given (RFC 5652 §6.2.1). Made once per
/// recipient, not per message.
pub(crate) fn recipient_identifier(
    certificate: &Certificate,
    subject_key_identifier: Option<&[u8]>,
) -> Result<(u8, Vec<u8>), Error> {
    match subject_key_identifier {
        Some(ski) => Ok((2, ber::encode(ber::CONTEXT_PRIMITIVE_0, ski))),
        None => Ok((0, super::issuer_and_serial_number_der(certificate)?)),
    }
}

/// The DER keyEncryptionAlgorithm for `padding` of recipient `index`.
pub(crate) fn key_encryption_algorithm(
    index: usize,
    padding: RsaEncryptionPadding,
) -> Result<Vec<u8>, Error> {
    if padding == RsaEncryptionPadding::Pkcs1v15 {
        return Ok(RSA_ENCRYPTION_IDENTIFIER.to_vec());
    }
    padding
        .to_algorithm_identifier()
        .map_err(|error| algorithm_error(index, "key transport", error))?
        .to_der()
        .map_err(Error::encoding("KeyTransRecipientInfo"))
}

/// What a KeyTransRecipientInfo needs besides the content key, prepared once per recipient.
pub(crate) struct KeyTransportRecipient<'r> {
    /// The recipient's RSA key.
    pub(crate) public_key: &'r PublicKey,
    /// PKCS #1 v1.5 or OAEP.
    pub(crate) padding: RsaEncryptionPadding,
    /// 0 (issuerAndSerialNumber) or 2 (subjectKeyIdentifier).
    pub(crate) version: u8,
    /// The DER `RecipientIdentifier`.
    pub(crate) rid: &'r [u8],
    /// The DER keyEncryptionAlgorithm.
    pub(crate) key_encryption_algorithm: &'r [u8],
}

/// Makes the DER KeyTransRecipientInfo for recipient `index`: the prepared fields around the
/// one RSA encryption of `content_key`, written straight into one buffer (RFC 5652 §6.2.1).
pub(crate) fn build(
    index: usize,
    recipient: &KeyTransportRecipient<'_>,
    content_key: &[u8],
    provider: &dyn CryptoProvider,
) -> Result<Vec<u8>, Error> {
    let encrypted = provider
        .rsa_encrypt(recipient.padding, recipient.public_key, content_key)
        .map_err(|source| Error::RecipientCrypto {
            recipient: index,
            source,
        })?;
    Ok(ber::encode_parts(
        ber::SEQUENCE,
        &[
            &[ber::INTEGER, 1, recipient.version],
            recipient.rid,
            recipient.key_encryption_algorithm,
            &ber::encode(ber::OCTET_STRING, &encrypted),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_encryption_identifier_is_the_encoded_pkcs1_identifier() {
        assert_eq!(
            RSA_ENCRYPTION_IDENTIFIER.to_vec(),
            RsaEncryptionPadding::Pkcs1v15
                .to_algorithm_identifier()
                .unwrap()
                .to_der()
                .unwrap()
        );
        assert_eq!(
            key_encryption_algorithm(0, RsaEncryptionPadding::Pkcs1v15).unwrap(),
            RSA_ENCRYPTION_IDENTIFIER
        );
    }
}
