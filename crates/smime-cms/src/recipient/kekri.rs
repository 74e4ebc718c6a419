//! Pre-shared keys: `KEKRecipientInfo` (RFC 5652 §6.2.3) with AES key wrap (RFC 3394,
//! RFC 3565).
//!
//! ```text
//! KEKRecipientInfo ::= SEQUENCE {
//!   version CMSVersion,  -- always set to 4
//!   kekid KEKIdentifier,
//!   keyEncryptionAlgorithm KeyEncryptionAlgorithmIdentifier,
//!   encryptedKey EncryptedKey }
//!
//! KEKIdentifier ::= SEQUENCE {
//!   keyIdentifier OCTET STRING,
//!   date GeneralizedTime OPTIONAL,
//!   other OtherKeyAttribute OPTIONAL }
//! ```

use cms::content_info::CmsVersion;
use cms::enveloped_data::{KekIdentifier, KekRecipientInfo, RecipientInfo};
use der::asn1::OctetString;
use smime_crypto::CryptoProvider;

use super::{KeyCandidate, KeyManagement, KeyWrap};
use crate::error::Error;

/// Opens KEKRecipientInfo number `index` with the key-encryption key `kek` known as
/// `key_identifier`. `None` when the identifiers differ (and not `try_all`).
pub(crate) fn open(
    index: usize,
    kekri: &KekRecipientInfo,
    key_identifier: &[u8],
    kek: &[u8],
    try_all: bool,
    key_len: usize,
    provider: &dyn CryptoProvider,
) -> Option<Result<KeyCandidate, Error>> {
    if !try_all && kekri.kek_id.kek_identifier.as_bytes() != key_identifier {
        return None;
    }
    Some((|| {
        let wrap = KeyWrap::read(index, &kekri.key_enc_alg)?;
        let key = wrap.unwrap(
            index,
            kek,
            kekri.encrypted_key.as_bytes(),
            key_len,
            provider,
        )?;
        Ok(KeyCandidate {
            recipient: index,
            key_management: KeyManagement::Kek { key_wrap: wrap },
            key,
            verified: true,
        })
    })())
}

/// Makes the KEKRecipientInfo for recipient `index`.
pub(crate) fn build(
    index: usize,
    key_identifier: &[u8],
    kek: &[u8],
    wrap: KeyWrap,
    content_key: &[u8],
    provider: &dyn CryptoProvider,
) -> Result<RecipientInfo, Error> {
    let encoding = Error::encoding("KEKRecipientInfo");
    let encrypted = wrap.wrap(index, kek, content_key, provider)?;
    Ok(RecipientInfo::Kekri(KekRecipientInfo {
        version: CmsVersion::V4,
        kek_id: KekIdentifier {
            kek_identifier: OctetString::new(key_identifier).map_err(&encoding)?,
            date: None,
            other: None,
        },
        key_enc_alg: wrap.to_algorithm_identifier(),
        encrypted_key: OctetString::new(encrypted).map_err(&encoding)?,
    }))
}
