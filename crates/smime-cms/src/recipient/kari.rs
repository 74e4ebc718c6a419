//! Key agreement: `KeyAgreeRecipientInfo` with ephemeral-static ECDH (RFC 5652 §6.2.2,
//! RFC 5753 §3.1; the Suite B profile of RFC 5008/6318 for the defaults).
//!
//! ```text
//! KeyAgreeRecipientInfo ::= SEQUENCE {
//!   version CMSVersion,  -- always set to 3
//!   originator [0] EXPLICIT OriginatorIdentifierOrKey,
//!   ukm [1] EXPLICIT UserKeyingMaterial OPTIONAL,
//!   keyEncryptionAlgorithm KeyEncryptionAlgorithmIdentifier,
//!   recipientEncryptedKeys RecipientEncryptedKeys }
//!
//! ECC-CMS-SharedInfo ::= SEQUENCE {
//!   keyInfo AlgorithmIdentifier,
//!   entityUInfo [0] EXPLICIT OCTET STRING OPTIONAL,
//!   suppPubInfo [2] EXPLICIT OCTET STRING }
//! ```
//!
//! The sender makes an ephemeral key on the recipient's curve; both sides compute the shared
//! secret Z (the x-coordinate of the shared point), derive the key-encryption key with the
//! ANSI X9.63 KDF over Z and the DER ECC-CMS-SharedInfo (keyInfo: the key-wrap algorithm —
//! as the message carries it when reading, with absent parameters when writing; entityUInfo:
//! the ukm when present; suppPubInfo: the key-encryption key's length in bits, 32-bit
//! big-endian), and wrap the content key with AES key wrap.
//!
//! Read: dhSinglePass-stdDH-sha{1,256,384,512}kdf-scheme and the cofactorDH variants (the
//! same computation on P-256 and P-384, whose cofactor is 1). Written:
//! dhSinglePass-stdDH-sha256kdf-scheme (P-256) or -sha384kdf-scheme (P-384).

use cms::enveloped_data::{
    KeyAgreeRecipientIdentifier, KeyAgreeRecipientInfo, OriginatorIdentifierOrKey,
    RecipientEncryptedKey,
};
use const_oid::ObjectIdentifier;
use der::asn1::{BitString, OctetString};
use der::{Any, Encode, Tag, Tagged};
use smime_crypto::{CryptoProvider, DigestAlgorithm, EcCurve, KeyKind, PrivateKey, PublicKey};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::{
    KeyCandidate, KeyManagement, KeyWrap, RecipientIdentifier, invalid, issuer_and_serial_matches,
    ski_matches, unsupported,
};
use crate::ber;
use crate::content_encryption::ContentEncryption;
use crate::error::Error;
use crate::kdf;

/// id-ecPublicKey (RFC 5480 §2.1.1).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// The ECDH key-agreement schemes read: (OID, KDF hash, cofactor variant). RFC 5753 §7.1.4
/// (SHA-2 schemes), SEC 1 / X9.63 (SHA-1 schemes, what OpenSSL 1.1.1–3.x writes by default).
const SCHEMES: [(ObjectIdentifier, DigestAlgorithm, bool); 8] = [
    (
        ObjectIdentifier::new_unwrap("1.3.133.16.840.63.0.2"),
        DigestAlgorithm::Sha1,
        false,
    ),
    (
        ObjectIdentifier::new_unwrap("1.3.132.1.11.1"),
        DigestAlgorithm::Sha256,
        false,
    ),
    (
        ObjectIdentifier::new_unwrap("1.3.132.1.11.2"),
        DigestAlgorithm::Sha384,
        false,
    ),
    (
        ObjectIdentifier::new_unwrap("1.3.132.1.11.3"),
        DigestAlgorithm::Sha512,
        false,
    ),
    (
        ObjectIdentifier::new_unwrap("1.3.133.16.840.63.0.3"),
        DigestAlgorithm::Sha1,
        true,
    ),
    (
        ObjectIdentifier::new_unwrap("1.3.132.1.14.1"),
        DigestAlgorithm::Sha256,
        true,
    ),
    (
        ObjectIdentifier::new_unwrap("1.3.132.1.14.2"),
        DigestAlgorithm::Sha384,
        true,
    ),
    (
        ObjectIdentifier::new_unwrap("1.3.132.1.14.3"),
        DigestAlgorithm::Sha512,
        true,
    ),
];

/// dhSinglePass-stdDH-sha224kdf-scheme and dhSinglePass-cofactorDH-sha224kdf-scheme: named
/// in errors (SHA-224 is not supported).
const SHA224_SCHEMES: [ObjectIdentifier; 2] = [
    ObjectIdentifier::new_unwrap("1.3.132.1.11.0"),
    ObjectIdentifier::new_unwrap("1.3.132.1.14.0"),
];

/// The standard-DH scheme OID that uses `kdf` (for writing).
fn scheme_oid(kdf: DigestAlgorithm) -> Option<ObjectIdentifier> {
    SCHEMES
        .iter()
        .find(|(_, digest, cofactor)| *digest == kdf && !cofactor)
        .map(|(oid, _, _)| *oid)
}

/// The identifiers of the recipients of a KeyAgreeRecipientInfo.
pub(crate) fn identifiers(kari: &KeyAgreeRecipientInfo) -> Vec<RecipientIdentifier> {
    kari.recipient_enc_keys
        .iter()
        .map(|rek| match &rek.rid {
            KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(isn) => {
                RecipientIdentifier::IssuerAndSerialNumber(isn.clone())
            }
            KeyAgreeRecipientIdentifier::RKeyId(id) => RecipientIdentifier::SubjectKeyIdentifier(
                id.subject_key_identifier.0.as_bytes().to_vec(),
            ),
        })
        .collect()
}

/// Whether a RecipientEncryptedKey names `certificate`.
fn names(rek: &RecipientEncryptedKey, certificate: &Certificate) -> bool {
    match &rek.rid {
        KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(isn) => {
            issuer_and_serial_matches(isn, certificate)
        }
        KeyAgreeRecipientIdentifier::RKeyId(id) => {
            ski_matches(id.subject_key_identifier.0.as_bytes(), certificate)
        }
    }
}

/// The DER ECC-CMS-SharedInfo (RFC 5753 §7.2) for a key-encryption key of `kek_len` bytes;
/// `key_info` is the key-wrap AlgorithmIdentifier.
fn shared_info(key_info: &[u8], ukm: Option<&[u8]>, kek_len: usize) -> Vec<u8> {
    let bits = u32::try_from(kek_len.saturating_mul(8)).unwrap_or(u32::MAX);
    let supp_pub_info = ber::encode(
        ber::CONTEXT_2,
        &ber::encode(ber::OCTET_STRING, &bits.to_be_bytes()),
    );
    let entity_u_info =
        ukm.map(|ukm| ber::encode(ber::CONTEXT_0, &ber::encode(ber::OCTET_STRING, ukm)));
    let mut parts: Vec<&[u8]> = vec![key_info];
    if let Some(info) = &entity_u_info {
        parts.push(info);
    }
    parts.push(&supp_pub_info);
    ber::encode_parts(ber::SEQUENCE, &parts)
}

/// The key-encryption key: X9.63 KDF over Z and the ECC-CMS-SharedInfo whose keyInfo is
/// `key_info` (the KeyWrapAlgorithm as the message carries it: OpenSSL and PKI.js put it in
/// the KDF input as written, NULL parameters included).
fn key_encryption_key(
    recipient: usize,
    kdf_digest: DigestAlgorithm,
    wrap: KeyWrap,
    key_info: &[u8],
    ukm: Option<&[u8]>,
    shared_secret: &[u8],
    provider: &dyn CryptoProvider,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let info = shared_info(key_info, ukm, wrap.kek_len());
    let mut kek = Zeroizing::new(vec![0u8; wrap.kek_len()]);
    kdf::x963(provider, kdf_digest, shared_secret, &info, &mut kek)
        .map_err(|source| Error::RecipientCrypto { recipient, source })?;
    Ok(kek)
}

/// The algorithms of a KeyAgreeRecipientInfo.
struct Algorithms {
    kdf: DigestAlgorithm,
    cofactor: bool,
    wrap: KeyWrap,
    wrap_identifier: AlgorithmIdentifierOwned,
}

fn read_algorithms(index: usize, kari: &KeyAgreeRecipientInfo) -> Result<Algorithms, Error> {
    let algorithm = &kari.key_enc_alg;
    let Some((_, kdf, cofactor)) = SCHEMES.iter().find(|(oid, _, _)| *oid == algorithm.oid) else {
        let name = if SHA224_SCHEMES.contains(&algorithm.oid) {
            format!("{} (X9.63 KDF with SHA-224)", algorithm.oid)
        } else {
            algorithm.oid.to_string()
        };
        return Err(unsupported(index, "key agreement", name));
    };
    // The KeyWrapAlgorithm is the scheme's parameter (RFC 5753 §7.1.4): it must be there.
    let parameters = algorithm.parameters.as_ref().ok_or_else(|| {
        invalid(
            index,
            format!(
                "key agreement scheme {} without its KeyWrapAlgorithm parameter",
                algorithm.oid
            ),
        )
    })?;
    if parameters.tag() != Tag::Sequence {
        return Err(invalid(
            index,
            format!(
                "key agreement scheme {}: the KeyWrapAlgorithm parameter is a {}, not an AlgorithmIdentifier",
                algorithm.oid,
                parameters.tag()
            ),
        ));
    }
    let wrap_identifier: AlgorithmIdentifierOwned = parameters
        .decode_as()
        .map_err(|e| invalid(index, format!("KeyWrapAlgorithm: {e}")))?;
    let wrap = KeyWrap::read(index, &wrap_identifier)?;
    Ok(Algorithms {
        kdf: *kdf,
        cofactor: *cofactor,
        wrap,
        wrap_identifier,
    })
}

/// The originator's ephemeral public key, on `curve`. `Ok(None)` when it is on another
/// curve (the RecipientInfo is then not for this key).
fn originator_key(
    index: usize,
    kari: &KeyAgreeRecipientInfo,
    curve: EcCurve,
) -> Result<Option<PublicKey>, Error> {
    let OriginatorIdentifierOrKey::OriginatorKey(originator) = &kari.originator else {
        return Err(unsupported(
            index,
            "key agreement",
            "static-static ECDH (originator named by certificate instead of an ephemeral key)",
        ));
    };
    if originator.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err(unsupported(
            index,
            "originator key",
            originator.algorithm.oid.to_string(),
        ));
    }
    // RFC 5753 §7.1.2: parameters absent (SHOULD) or ECParameters matching the recipient's
    // curve; NULL is tolerated.
    match &originator.algorithm.parameters {
        None => {}
        Some(params) if params.is_null() => {}
        Some(params) if params.tag() == Tag::ObjectIdentifier => {
            let named: ObjectIdentifier = params
                .decode_as()
                .map_err(|e| invalid(index, format!("originator key curve: {e}")))?;
            if named != curve.oid() {
                return Ok(None);
            }
        }
        Some(params) => {
            return Err(invalid(
                index,
                format!(
                    "originator key parameters: {} (expected a named curve)",
                    params.tag()
                ),
            ));
        }
    }
    let point = originator
        .public_key
        .as_bytes()
        .ok_or_else(|| invalid(index, "originator public key has unused bits"))?;
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: ID_EC_PUBLIC_KEY,
            parameters: Some(
                Any::encode_from(&curve.oid()).map_err(Error::encoding("originator public key"))?,
            ),
        },
        subject_public_key: BitString::from_bytes(point)
            .map_err(Error::encoding("originator public key"))?,
    };
    PublicKey::from_spki(&spki)
        .map(Some)
        .map_err(|source| Error::RecipientCrypto {
            recipient: index,
            source,
        })
}

/// The algorithms and key-encryption key of a KeyAgreeRecipientInfo, for `key`.
type Agreed = (Algorithms, Zeroizing<Vec<u8>>);

/// Reads the algorithms, agrees Z with the originator key and derives the key-encryption
/// key. `Ok(None)` when the originator key is on another curve and no certificate named this
/// RecipientInfo (it is then not for this key).
fn agree(
    index: usize,
    kari: &KeyAgreeRecipientInfo,
    key: &dyn PrivateKey,
    curve: EcCurve,
    named: bool,
    provider: &dyn CryptoProvider,
) -> Result<Option<Agreed>, Error> {
    let algorithms = read_algorithms(index, kari)?;
    let Some(peer) = originator_key(index, kari, curve)? else {
        return if named {
            Err(invalid(
                index,
                "the originator key is on another curve than the recipient's",
            ))
        } else {
            Ok(None)
        };
    };
    let shared_secret = key.agree(&peer).map_err(|source| Error::RecipientCrypto {
        recipient: index,
        source,
    })?;
    let ukm = kari.ukm.as_ref().map(OctetString::as_bytes);
    let kek = key_encryption_key(
        index,
        algorithms.kdf,
        algorithms.wrap,
        &algorithms
            .wrap_identifier
            .to_der()
            .map_err(Error::encoding("ECC-CMS-SharedInfo"))?,
        ukm,
        &shared_secret,
        provider,
    )?;
    Ok(Some((algorithms, kek)))
}

/// Opens KeyAgreeRecipientInfo number `index` with an EC `key`: one outcome per
/// RecipientEncryptedKey addressed (those that name `certificate`, or every one when there
/// is no certificate or `try_all`). Empty when the RecipientInfo is not for this key.
pub(crate) fn open(
    index: usize,
    kari: &KeyAgreeRecipientInfo,
    key: &dyn PrivateKey,
    certificate: Option<&Certificate>,
    try_all: bool,
    key_len: usize,
    provider: &dyn CryptoProvider,
) -> Vec<Result<KeyCandidate, Error>> {
    let KeyKind::Ec { curve } = key.kind() else {
        return Vec::new();
    };
    let named = certificate.is_some() && !try_all;
    let addressed: Vec<&RecipientEncryptedKey> = kari
        .recipient_enc_keys
        .iter()
        .filter(|rek| match certificate {
            Some(certificate) if named => names(rek, certificate),
            _ => true,
        })
        .collect();
    if addressed.is_empty() {
        return Vec::new();
    }
    let prepared = agree(index, kari, key, curve, named, provider);
    let (algorithms, kek) = match prepared {
        Ok(Some(prepared)) => prepared,
        Ok(None) => return Vec::new(),
        Err(error) => return vec![Err(error)],
    };
    let key_management = KeyManagement::KeyAgreement {
        curve,
        kdf: algorithms.kdf,
        cofactor: algorithms.cofactor,
        key_wrap: algorithms.wrap,
    };
    addressed
        .into_iter()
        .map(|rek| {
            algorithms
                .wrap
                .unwrap(index, &kek, rek.enc_key.as_bytes(), key_len, provider)
                .map(|content_key| KeyCandidate {
                    recipient: index,
                    key_management: key_management.clone(),
                    key: content_key,
                    verified: true,
                })
        })
        .collect()
}

/// The DER `KeyAgreeRecipientIdentifier` for `certificate`: issuerAndSerialNumber, or
/// `rKeyId [0] IMPLICIT RecipientKeyIdentifier` with the subjectKeyIdentifier when given
/// (RFC 5652 §6.2.2). Made once per recipient, not per message.
pub(crate) fn recipient_identifier(
    certificate: &Certificate,
    subject_key_identifier: Option<&[u8]>,
) -> Result<Vec<u8>, Error> {
    match subject_key_identifier {
        Some(ski) => Ok(ber::encode(
            ber::CONTEXT_0,
            &ber::encode(ber::OCTET_STRING, ski),
        )),
        None => super::issuer_and_serial_number_der(certificate),
    }
}

/// What a KeyAgreeRecipientInfo needs besides the content key, prepared once per recipient.
pub(crate) struct KeyAgreementRecipient<'r> {
    pub(crate) public_key: &'r PublicKey,
    pub(crate) curve: EcCurve,
    pub(crate) kdf: DigestAlgorithm,
    pub(crate) ukm: Option<&'r [u8]>,
    /// The DER `KeyAgreeRecipientIdentifier`.
    pub(crate) rid: &'r [u8],
}

/// The DER `AlgorithmIdentifier` of id-ecPublicKey without parameters (RFC 5753 §7.1.2:
/// the originator key's parameters SHOULD be absent).
const EC_PUBLIC_KEY_ALGORITHM: [u8; 11] = [
    ber::SEQUENCE,
    9,
    ber::OBJECT_IDENTIFIER,
    7,
    0x2a,
    0x86,
    0x48,
    0xce,
    0x3d,
    0x02,
    0x01,
];

/// The tag of a BIT STRING.
const BIT_STRING: u8 = 0x03;

/// Makes the DER KeyAgreeRecipientInfo (`[1] IMPLICIT` in the RecipientInfo CHOICE) for
/// recipient `index`, with a fresh ephemeral key.
pub(crate) fn build(
    index: usize,
    recipient: &KeyAgreementRecipient<'_>,
    content_key: &[u8],
    content_encryption: ContentEncryption,
    provider: &dyn CryptoProvider,
) -> Result<Vec<u8>, Error> {
    let scheme = scheme_oid(recipient.kdf).ok_or_else(|| {
        unsupported(
            index,
            "key agreement",
            format!("X9.63 KDF with {}", recipient.kdf.name()),
        )
    })?;
    // The key wrap is as strong as the content cipher (RFC 5008 §3: AES-128 content with
    // id-aes128-wrap, AES-256 with id-aes256-wrap).
    let wrap = KeyWrap::for_kek_len(content_encryption.key_len()).ok_or_else(|| {
        invalid(
            index,
            format!("no AES key wrap for a {content_encryption} key"),
        )
    })?;
    let agreement = provider
        .ecdh_ephemeral(recipient.public_key)
        .map_err(|source| Error::RecipientCrypto {
            recipient: index,
            source,
        })?;
    if agreement.public_key.kind()
        != (KeyKind::Ec {
            curve: recipient.curve,
        })
    {
        return Err(invalid(index, "the ephemeral key is on another curve"));
    }
    let wrap_identifier = wrap.identifier_der();
    let kek = key_encryption_key(
        index,
        recipient.kdf,
        wrap,
        &wrap_identifier,
        recipient.ukm,
        &agreement.shared_secret,
        provider,
    )?;
    let encrypted = wrap.wrap(index, &kek, content_key, provider)?;
    let point = agreement
        .public_key
        .subject_public_key()
        .map_err(|source| Error::RecipientCrypto {
            recipient: index,
            source,
        })?;
    // originator [0] EXPLICIT OriginatorIdentifierOrKey: originatorKey [1] IMPLICIT
    // OriginatorPublicKey { algorithm, publicKey BIT STRING (no unused bits) }.
    let public_key = ber::encode_parts(BIT_STRING, &[&[0], &point]);
    let originator = ber::encode(
        ber::CONTEXT_0,
        &ber::encode_parts(ber::CONTEXT_1, &[&EC_PUBLIC_KEY_ALGORITHM, &public_key]),
    );
    let ukm = recipient
        .ukm
        .map(|ukm| ber::encode(ber::CONTEXT_1, &ber::encode(ber::OCTET_STRING, ukm)));
    // keyEncryptionAlgorithm { scheme, parameters: the key-wrap AlgorithmIdentifier }.
    let key_encryption_algorithm = ber::encode_parts(
        ber::SEQUENCE,
        &[
            &ber::encode(ber::OBJECT_IDENTIFIER, scheme.as_bytes()),
            &wrap_identifier,
        ],
    );
    // recipientEncryptedKeys SEQUENCE OF { rid, encryptedKey OCTET STRING }: ours is one.
    let recipient_encrypted_keys = ber::encode(
        ber::SEQUENCE,
        &ber::encode_parts(
            ber::SEQUENCE,
            &[recipient.rid, &ber::encode(ber::OCTET_STRING, &encrypted)],
        ),
    );
    Ok(ber::encode_parts(
        ber::CONTEXT_1,
        &[
            &[ber::INTEGER, 1, 3],
            &originator,
            ukm.as_deref().unwrap_or_default(),
            &key_encryption_algorithm,
            &recipient_encrypted_keys,
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_info_encoding() {
        // RFC 5753 §7.2 with id-aes128-wrap, no ukm, 128 bits.
        let info = shared_info(&KeyWrap::Aes128.identifier_der(), None, 16);
        assert_eq!(
            hex::encode(&info),
            "3015300b0609608648016503040105a206040400000080"
        );
        // With a ukm: entityUInfo [0] EXPLICIT OCTET STRING before suppPubInfo.
        let info = shared_info(&KeyWrap::Aes256.identifier_der(), Some(&[1, 2, 3]), 32);
        assert_eq!(
            hex::encode(&info),
            "301c300b060960864801650304012da0050403010203a206040400000100"
        );
    }
}
