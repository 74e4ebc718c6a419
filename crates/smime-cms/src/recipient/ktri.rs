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

use cms::content_info::CmsVersion;
use cms::enveloped_data::{
    KeyTransRecipientInfo, RecipientIdentifier as CmsRecipientIdentifier, RecipientInfo,
};
use der::asn1::OctetString;
use smime_crypto::{CryptoProvider, KeyKind, PrivateKey, PublicKey, RsaEncryptionPadding};
use spki::AlgorithmIdentifierRef;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

use super::{
    KeyCandidate, KeyManagement, RecipientIdentifier, algorithm_error, issuer_and_serial_matches,
    ski_matches,
};
use crate::attributes::SmimeCapabilities;
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

/// Makes the KeyTransRecipientInfo for recipient `index`.
pub(crate) fn build(
    index: usize,
    certificate: &Certificate,
    public_key: &PublicKey,
    padding: RsaEncryptionPadding,
    subject_key_identifier: Option<&[u8]>,
    content_key: &[u8],
    provider: &dyn CryptoProvider,
) -> Result<RecipientInfo, Error> {
    let encoding = Error::encoding("KeyTransRecipientInfo");
    let (version, rid) = match subject_key_identifier {
        Some(ski) => (
            CmsVersion::V2,
            CmsRecipientIdentifier::SubjectKeyIdentifier(SubjectKeyIdentifier(
                OctetString::new(ski).map_err(&encoding)?,
            )),
        ),
        None => {
            let tbs = certificate.tbs_certificate();
            (
                CmsVersion::V0,
                CmsRecipientIdentifier::IssuerAndSerialNumber(cms::cert::IssuerAndSerialNumber {
                    issuer: tbs.issuer().clone(),
                    serial_number: tbs.serial_number().clone(),
                }),
            )
        }
    };
    let encrypted = provider
        .rsa_encrypt(padding, public_key, content_key)
        .map_err(|source| Error::RecipientCrypto {
            recipient: index,
            source,
        })?;
    let key_enc_alg = padding
        .to_algorithm_identifier()
        .map_err(|error| algorithm_error(index, "key transport", error))?;
    Ok(RecipientInfo::Ktri(KeyTransRecipientInfo {
        version,
        rid,
        key_enc_alg,
        enc_key: OctetString::new(encrypted).map_err(&encoding)?,
    }))
}
