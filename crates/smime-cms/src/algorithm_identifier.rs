//! AlgorithmIdentifiers of a SignerInfo ↔ the algorithms of `smime-crypto`.
//!
//! The mapping itself is `smime_crypto::identifier` (RFC 5754, RFC 3370 §3.2 `rsaEncryption`
//! with the digest from `digestAlgorithm`, RFC 4056 RSA-PSS, RFC 5753/5758 ECDSA); this module
//! adds what only the CMS layer knows: that the scheme must fit the signer's key.

use std::sync::{Arc, LazyLock};

use const_oid::db::rfc5912;
use der::Encode;
use der::asn1::{Any, Null};
use smime_crypto::{DigestAlgorithm, KeyKind, SignatureScheme};
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef};

use crate::ber::Tlv;
use crate::error::Error;
use crate::signer_info::decode_leaf;

/// The AlgorithmIdentifiers nearly every signer writes — SHA-1/2 digests, `rsaEncryption`,
/// `sha*WithRSAEncryption`, `ecdsa-with-SHA*` — each with absent and with NULL parameters, as
/// DER next to their decoded value. Reading one of these is a comparison of a few octets and a
/// copy (no allocation: the parameters are empty), instead of a decode.
static COMMON: LazyLock<Vec<(Vec<u8>, Arc<AlgorithmIdentifierOwned>)>> = LazyLock::new(|| {
    let oids = [
        rfc5912::ID_SHA_256,
        rfc5912::ID_SHA_384,
        rfc5912::ID_SHA_512,
        rfc5912::ID_SHA_1,
        rfc5912::RSA_ENCRYPTION,
        rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
        rfc5912::SHA_384_WITH_RSA_ENCRYPTION,
        rfc5912::SHA_512_WITH_RSA_ENCRYPTION,
        rfc5912::ECDSA_WITH_SHA_256,
        rfc5912::ECDSA_WITH_SHA_384,
        rfc5912::ECDSA_WITH_SHA_512,
    ];
    let mut common = Vec::with_capacity(oids.len() * 2);
    for oid in oids {
        for parameters in [None, Some(Any::from(Null))] {
            let id = AlgorithmIdentifierOwned { oid, parameters };
            if let Ok(der) = id.to_der() {
                common.push((der, Arc::new(id)));
            }
        }
    }
    common
});

/// Reads an AlgorithmIdentifier element: a common one (see [`COMMON`]) by its octets, any
/// other decoded (BER transcoded first).
pub(crate) fn read(tlv: Tlv<'_>, what: &'static str) -> Result<AlgorithmIdentifierOwned, Error> {
    if let Some((_, id)) = COMMON.iter().find(|(der, _)| der.as_slice() == tlv.raw) {
        return Ok(AlgorithmIdentifierOwned::clone(id));
    }
    decode_leaf(tlv, what)
}

/// [`read`], shared: a common identifier is the one kept in [`COMMON`] (no allocation).
pub(crate) fn read_shared(
    tlv: Tlv<'_>,
    what: &'static str,
) -> Result<Arc<AlgorithmIdentifierOwned>, Error> {
    if let Some((_, id)) = COMMON.iter().find(|(der, _)| der.as_slice() == tlv.raw) {
        return Ok(Arc::clone(id));
    }
    decode_leaf(tlv, what).map(Arc::new)
}

/// Why a signer's algorithms cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AlgorithmProblem {
    /// An algorithm we do not implement (the string names it).
    Unsupported(String),
    /// Algorithm identifiers that are malformed, contradict each other or do not fit the key.
    Invalid(String),
}

impl From<smime_crypto::Error> for AlgorithmProblem {
    fn from(error: smime_crypto::Error) -> Self {
        match error {
            smime_crypto::Error::UnsupportedAlgorithm(name) => Self::Unsupported(name),
            smime_crypto::Error::MalformedAlgorithmIdentifier(reason) => Self::Invalid(reason),
            other => Self::Invalid(other.to_string()),
        }
    }
}

/// The digest algorithm a `DigestAlgorithmIdentifier` names.
pub(crate) fn digest_algorithm(
    id: &AlgorithmIdentifierOwned,
) -> Result<DigestAlgorithm, AlgorithmProblem> {
    Ok(DigestAlgorithm::from_algorithm_identifier(
        &AlgorithmIdentifierRef::from(id),
    )?)
}

/// The `DigestAlgorithmIdentifier` for a digest (parameters absent, RFC 5754 §2).
pub(crate) fn digest_identifier(digest: DigestAlgorithm) -> AlgorithmIdentifierOwned {
    digest.to_algorithm_identifier()
}

/// The signature scheme of a SignerInfo from its `digestAlgorithm` and `signatureAlgorithm`;
/// when the signer's key is known, the scheme must fit it.
pub(crate) fn signature_scheme(
    digest_algorithm: &AlgorithmIdentifierOwned,
    signature_algorithm: &AlgorithmIdentifierOwned,
    key: Option<KeyKind>,
) -> Result<SignatureScheme, AlgorithmProblem> {
    let scheme = SignatureScheme::from_cms_algorithms(
        &AlgorithmIdentifierRef::from(digest_algorithm),
        &AlgorithmIdentifierRef::from(signature_algorithm),
    )?;
    let fits = matches!(
        (scheme, key),
        (_, None)
            | (
                SignatureScheme::RsaPkcs1v15 { .. } | SignatureScheme::RsaPss { .. },
                Some(KeyKind::Rsa { .. })
            )
            | (SignatureScheme::Ecdsa { .. }, Some(KeyKind::Ec { .. }))
    );
    if !fits {
        return Err(AlgorithmProblem::Invalid(format!(
            "signature algorithm {} with a {} key",
            signature_algorithm.oid,
            key.map(|k| k.to_string()).unwrap_or_default()
        )));
    }
    Ok(scheme)
}

/// The `signatureAlgorithm` a signer writes: rsaEncryption for PKCS#1 v1.5 (RFC 3370 §3.2,
/// as OpenSSL writes), id-RSASSA-PSS with explicit parameters (RFC 4056 §3), ecdsa-with-SHA*
/// (RFC 5753 §2.1.1).
pub(crate) fn signature_identifier(
    scheme: SignatureScheme,
) -> Result<AlgorithmIdentifierOwned, AlgorithmProblem> {
    Ok(scheme.to_cms_signature_algorithm()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use smime_crypto::EcCurve;

    const RSA: KeyKind = KeyKind::Rsa { modulus_bits: 2048 };
    const EC: KeyKind = KeyKind::Ec {
        curve: EcCurve::P256,
    };

    #[test]
    fn schemes_round_trip_and_fit_the_key() {
        for digest in [
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            let digest_id = digest_identifier(digest);
            for (scheme, key, wrong_key) in [
                (SignatureScheme::rsa_pss(digest), RSA, EC),
                (SignatureScheme::RsaPkcs1v15 { digest }, RSA, EC),
                (SignatureScheme::Ecdsa { digest }, EC, RSA),
            ] {
                let id = signature_identifier(scheme).unwrap();
                assert_eq!(
                    signature_scheme(&digest_id, &id, Some(key)).unwrap(),
                    scheme
                );
                assert_eq!(signature_scheme(&digest_id, &id, None).unwrap(), scheme);
                assert!(matches!(
                    signature_scheme(&digest_id, &id, Some(wrong_key)),
                    Err(AlgorithmProblem::Invalid(_))
                ));
            }
        }
    }

    #[test]
    fn dsa_and_md5_are_unsupported() {
        let sha1 = digest_identifier(DigestAlgorithm::Sha1);
        let dsa = AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::DSA_WITH_SHA_1,
            parameters: None,
        };
        assert!(matches!(
            signature_scheme(&sha1, &dsa, None),
            Err(AlgorithmProblem::Unsupported(_))
        ));
        let md5 = AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::ID_MD_5,
            parameters: None,
        };
        assert!(matches!(
            digest_algorithm(&md5),
            Err(AlgorithmProblem::Unsupported(_))
        ));
    }

    /// Each common identifier read by its octets is what decoding those octets gives, and
    /// anything else (other parameters, BER) still goes through the decoder.
    #[test]
    fn common_identifiers_read_as_they_decode() {
        use der::Decode;
        assert_eq!(COMMON.len(), 22);
        for (der, id) in COMMON.iter() {
            let tlv = Tlv::parse_exact(der, "test").unwrap();
            assert_eq!(read(tlv, "test").unwrap(), **id);
            assert_eq!(*read_shared(tlv, "test").unwrap(), **id);
            assert_eq!(AlgorithmIdentifierOwned::from_der(der).unwrap(), **id);
        }
        // sha256 with an indefinite length: transcoded and decoded.
        let ber = [
            0x30, 0x80, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x00,
            0x00,
        ];
        let tlv = Tlv::parse_exact(&ber, "test").unwrap();
        assert_eq!(read(tlv, "test").unwrap().oid, rfc5912::ID_SHA_256);
        // Unknown parameters are decoded, not matched.
        let odd = [
            0x30, 0x0e, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04,
            0x01, 0x07,
        ];
        let tlv = Tlv::parse_exact(&odd, "test").unwrap();
        let id = read(tlv, "test").unwrap();
        assert_eq!(id.parameters.unwrap().value(), &[0x07]);
    }
}
