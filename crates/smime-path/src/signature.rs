//! Signature verification for certval, through our [`CryptoProvider`].
//!
//! certval is built without its `rsa` feature (it would pin an `rsa` release without implicit
//! rejection); every certificate, CRL and OCSP signature it checks comes here instead and is
//! verified by the same provider (RustCrypto or aws-lc) as the rest of S/MIME. Each verification
//! is charged to the validation's [`Budget`].

use std::sync::{Arc, Mutex};

use certval::{PathValidationStatus, PkiEnvironment, VerifySignatureMessage};
use der::asn1::BitString;
use smime_crypto::{CryptoProvider, DigestAlgorithm, PublicKey, SignatureScheme};
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef, SubjectPublicKeyInfoOwned};

use crate::budget::Budget;
use crate::error::oid_name;

/// Why a signature algorithm cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unsupported(pub(crate) String);

/// Maps a signature `AlgorithmIdentifier` to the provider's [`SignatureScheme`] (through
/// [`smime_crypto::identifier`]: PKCS #1 v1.5, RSASSA-PSS with its parameters, ECDSA).
///
/// SHA-1 schemes are refused unless `allow_sha1`: SHA-1 certificate signatures are forgeable at
/// the cost of a chosen-prefix collision (SHAmbles, 2020).
pub(crate) fn scheme_for(
    algorithm: &AlgorithmIdentifierOwned,
    allow_sha1: bool,
) -> Result<SignatureScheme, Unsupported> {
    let scheme =
        SignatureScheme::from_algorithm_identifier(&AlgorithmIdentifierRef::from(algorithm))
            .map_err(|e| match e {
                smime_crypto::Error::UnsupportedAlgorithm(what) => Unsupported(what),
                other => Unsupported(format!("{}: {other}", oid_name(&algorithm.oid))),
            })?;
    if scheme.digest() == DigestAlgorithm::Sha1 && !allow_sha1 {
        return Err(Unsupported(format!(
            "{} (SHA-1 signatures are refused unless allowed)",
            oid_name(&algorithm.oid)
        )));
    }
    Ok(scheme)
}

/// What the signature callback saw that a verdict should mention.
#[derive(Debug, Default)]
pub(crate) struct SignatureNotes {
    /// The first algorithm or key that could not be used, with the reason.
    pub(crate) unsupported: Option<String>,
}

/// certval's signature-verification callback, backed by a [`CryptoProvider`].
pub(crate) struct ProviderVerifier {
    pub(crate) provider: &'static dyn CryptoProvider,
    pub(crate) budget: Arc<Budget>,
    pub(crate) notes: Arc<Mutex<SignatureNotes>>,
    pub(crate) allow_sha1: bool,
}

impl ProviderVerifier {
    fn note_unsupported(&self, what: String) {
        if let Ok(mut notes) = self.notes.lock() {
            notes.unsupported.get_or_insert(what);
        }
    }
}

/// Signature verification failed: the answer certval understands as "does not verify".
fn bad_signature() -> certval::Error {
    certval::Error::PathValidation(PathValidationStatus::SignatureVerificationFailure)
}

impl VerifySignatureMessage for ProviderVerifier {
    fn verify_signature_message(
        &self,
        _pe: &PkiEnvironment,
        message_to_verify: &[u8],
        signature: &BitString,
        signature_alg: &AlgorithmIdentifierOwned,
        spki: &SubjectPublicKeyInfoOwned,
    ) -> certval::Result<()> {
        if !self.budget.charge_signature() {
            return Err(certval::Error::PathValidation(
                PathValidationStatus::ProcessingLimitExceeded,
            ));
        }
        let scheme = match scheme_for(signature_alg, self.allow_sha1) {
            Ok(scheme) => scheme,
            Err(Unsupported(what)) => {
                self.note_unsupported(what);
                return Err(certval::Error::Unrecognized);
            }
        };
        let key = match PublicKey::from_spki(spki) {
            Ok(key) => key,
            Err(smime_crypto::Error::UnsupportedKey(what)) => {
                self.note_unsupported(format!("{what} key"));
                return Err(certval::Error::Unrecognized);
            }
            Err(_) => return Err(bad_signature()),
        };
        let Some(signature) = signature.as_bytes() else {
            return Err(bad_signature());
        };
        match self
            .provider
            .verify(scheme, &key, message_to_verify, signature)
        {
            Ok(()) => Ok(()),
            Err(smime_crypto::Error::UnsupportedAlgorithm(what)) => {
                self.note_unsupported(what);
                Err(certval::Error::Unrecognized)
            }
            Err(_) => Err(bad_signature()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use const_oid::ObjectIdentifier;
    use const_oid::db::rfc5912;

    fn alg(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid,
            parameters: None,
        }
    }

    #[test]
    fn ecdsa_maps() {
        assert_eq!(
            scheme_for(&alg(rfc5912::ECDSA_WITH_SHA_384), false),
            Ok(SignatureScheme::Ecdsa {
                digest: DigestAlgorithm::Sha384
            })
        );
    }

    #[test]
    fn sha1_is_refused_unless_allowed() {
        let sha1 = alg(ObjectIdentifier::new_unwrap("1.2.840.10045.4.1"));
        assert!(scheme_for(&sha1, false).unwrap_err().0.contains("SHA-1"));
        assert_eq!(
            scheme_for(&sha1, true),
            Ok(SignatureScheme::Ecdsa {
                digest: DigestAlgorithm::Sha1
            })
        );
    }

    #[test]
    fn ed25519_is_unsupported_and_named() {
        let err = scheme_for(&alg(ObjectIdentifier::new_unwrap("1.3.101.112")), false).unwrap_err();
        assert!(err.0.contains("1.3.101.112"), "{}", err.0);
    }
}
