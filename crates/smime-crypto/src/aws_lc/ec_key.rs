//! ECDSA and ECDH on NIST P-256 and P-384 with `aws-lc-rs`.

use core::fmt;

use aws_lc_rs::agreement;
use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm, KeyPair as _,
    ParsedPublicKey,
};
use zeroize::Zeroizing;

use super::hashing;
use crate::algorithm::{DigestAlgorithm, EcCurve, KeyKind, RsaEncryptionPadding, SignatureScheme};
use crate::error::Error;
use crate::key::{PrivateKey, PublicKey};
use crate::provider::EphemeralAgreement;

/// The digest whose length equals the curve's order length; `aws-lc-rs` ties each ECDSA
/// parameter set to one digest, and [`curve_sized_digest`] maps every digest onto it.
const fn curve_digest(curve: EcCurve) -> DigestAlgorithm {
    match curve {
        EcCurve::P256 => DigestAlgorithm::Sha256,
        EcCurve::P384 => DigestAlgorithm::Sha384,
    }
}

fn signing_algorithm(curve: EcCurve) -> &'static EcdsaSigningAlgorithm {
    match curve {
        EcCurve::P256 => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        EcCurve::P384 => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
    }
}

fn verification_algorithm(curve: EcCurve) -> &'static EcdsaVerificationAlgorithm {
    match curve {
        EcCurve::P256 => &signature::ECDSA_P256_SHA256_ASN1,
        EcCurve::P384 => &signature::ECDSA_P384_SHA384_ASN1,
    }
}

fn agreement_algorithm(curve: EcCurve) -> &'static agreement::Algorithm {
    match curve {
        EcCurve::P256 => &agreement::ECDH_P256,
        EcCurve::P384 => &agreement::ECDH_P384,
    }
}

const fn curve_name(curve: EcCurve) -> &'static str {
    match curve {
        EcCurve::P256 => "P-256",
        EcCurve::P384 => "P-384",
    }
}

/// Brings a digest of any supported length to the curve's order length without changing the
/// ECDSA result. ECDSA uses the leftmost `min(8·hashlen, orderbits)` bits of the digest as
/// the integer `e` (FIPS 186-5 §6.4.1 step 4, SEC 1 §4.1.3 step 5); the orders of P-256 and
/// P-384 are whole bytes long, so a longer digest is cut to its first bytes and a shorter one
/// (SHA-1, or SHA-256 on P-384) is left-padded with zeros, which keeps its integer value.
fn curve_sized_digest(curve: EcCurve, digest: &[u8]) -> Result<aws_lc_rs::digest::Digest, Error> {
    let order_len = curve.field_len();
    let mut value = vec![0u8; order_len];
    let invalid = || Error::InvalidLength {
        what: "digest",
        len: digest.len(),
    };
    if digest.len() >= order_len {
        value.copy_from_slice(digest.get(..order_len).ok_or_else(invalid)?);
    } else {
        value
            .get_mut(order_len - digest.len()..)
            .ok_or_else(invalid)?
            .copy_from_slice(digest);
    }
    hashing::import(curve_digest(curve), &value)
}

/// An EC private key held by AWS-LC (once for ECDSA, once for ECDH). AWS-LC overwrites key
/// material when it frees it (`OPENSSL_free` cleanses every allocation).
pub(super) struct EcKey {
    curve: EcCurve,
    signing: EcdsaKeyPair,
    agreement: agreement::PrivateKey,
    public: PublicKey,
}

impl fmt::Debug for EcKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsLcEcKey")
            .field("kind", &self.public.kind())
            .finish_non_exhaustive()
    }
}

fn rejected(e: aws_lc_rs::error::KeyRejected) -> Error {
    Error::MalformedKey(format!("EC private key rejected by AWS-LC: {e}"))
}

fn backend(what: &str) -> impl FnOnce(aws_lc_rs::error::Unspecified) -> Error + '_ {
    move |_| Error::Backend(format!("AWS-LC: {what} failed"))
}

/// The PKCS#8 encoding AWS-LC reads: RFC 5915 §3 lets the curve sit in the inner
/// `ECPrivateKey` instead of the `privateKeyAlgorithm` parameters, which AWS-LC requires, so
/// such a key is re-encoded with the curve (already read by the caller) in the parameters.
fn pkcs8_with_curve(
    curve: EcCurve,
    pkcs8_der: &[u8],
    info: &pkcs8::PrivateKeyInfoRef<'_>,
) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
    use der::Encode;
    if info.algorithm.parameters.is_some() {
        return Ok(None);
    }
    let oid = curve.oid();
    let mut with_curve = info.clone();
    with_curve.algorithm.parameters = Some(der::asn1::AnyRef::from(&oid));
    let mut der = Zeroizing::new(Vec::with_capacity(pkcs8_der.len().saturating_add(16)));
    with_curve
        .encode_to_vec(&mut der)
        .map_err(|e| Error::MalformedKey(format!("PKCS#8 PrivateKeyInfo: {e}")))?;
    Ok(Some(der))
}

impl EcKey {
    /// Loads a PKCS#8 `PrivateKeyInfo` holding an id-ecPublicKey key on `curve`.
    pub(super) fn from_pkcs8(
        curve: EcCurve,
        pkcs8_der: &[u8],
        info: &pkcs8::PrivateKeyInfoRef<'_>,
    ) -> Result<Self, Error> {
        let reencoded = pkcs8_with_curve(curve, pkcs8_der, info)?;
        let pkcs8_der = reencoded.as_deref().map_or(pkcs8_der, Vec::as_slice);
        let signing =
            EcdsaKeyPair::from_pkcs8(signing_algorithm(curve), pkcs8_der).map_err(rejected)?;
        let agreement =
            agreement::PrivateKey::from_private_key_der(agreement_algorithm(curve), pkcs8_der)
                .map_err(rejected)?;
        let spki: PublicKeyX509Der<'static> = signing
            .public_key()
            .as_der()
            .map_err(backend("EC public key encoding"))?;
        let public = PublicKey::from_spki_der(spki.as_ref())?;
        if public.kind() != (KeyKind::Ec { curve }) {
            return Err(Error::MalformedKey(format!(
                "EC private key on {} has a {} public key",
                curve_name(curve),
                public.kind()
            )));
        }
        Ok(Self {
            curve,
            signing,
            agreement,
            public,
        })
    }
}

impl PrivateKey for EcKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign_digest(&self, scheme: SignatureScheme, digest: &[u8]) -> Result<Vec<u8>, Error> {
        scheme.check_digest_len(digest)?;
        if !matches!(scheme, SignatureScheme::Ecdsa { .. }) {
            return Err(Error::KeyMismatch {
                key: self.public.kind().to_string(),
                operation: scheme.operation_name(),
            });
        }
        let digest = curve_sized_digest(self.curve, digest)?;
        let signature = self
            .signing
            .sign_digest(&digest)
            .map_err(backend("ECDSA signature"))?;
        Ok(signature.as_ref().to_vec())
    }

    fn decrypt_key(
        &self,
        _padding: RsaEncryptionPadding,
        _ciphertext: &[u8],
        _key_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        Err(Error::KeyMismatch {
            key: self.public.kind().to_string(),
            operation: "RSA key transport",
        })
    }

    fn agree(&self, peer: &PublicKey) -> Result<Zeroizing<Vec<u8>>, Error> {
        if peer.kind() != (KeyKind::Ec { curve: self.curve }) {
            return Err(Error::KeyMismatch {
                key: peer.kind().to_string(),
                operation: "ECDH with this key's curve",
            });
        }
        agree(&self.agreement, self.curve, peer)
    }
}

/// ECDH between `private` and `peer` (already checked to be on `curve`): the x-coordinate of
/// the shared point (RFC 5753 §3.1.1 "Z"). AWS-LC checks that the peer's point is on the curve.
fn agree(
    private: &agreement::PrivateKey,
    curve: EcCurve,
    peer: &PublicKey,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    agreement::agree(
        private,
        agreement::UnparsedPublicKey::new(agreement_algorithm(curve), peer.spki_der()),
        Error::MalformedKey(format!(
            "EC public key is not a point on {}",
            curve_name(curve)
        )),
        |shared| Ok(Zeroizing::new(shared.to_vec())),
    )
}

/// Verifies a DER `Ecdsa-Sig-Value` over a digest whose length was checked. AWS-LC accepts
/// only strict DER (no BER lengths, minimal positive integers, no trailing bytes).
pub(super) fn verify_digest(
    curve: EcCurve,
    public_key: &PublicKey,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let digest = curve_sized_digest(curve, digest)?;
    let key = ParsedPublicKey::new(verification_algorithm(curve), public_key.spki_der()).map_err(
        |_| {
            Error::MalformedKey(format!(
                "EC public key is not a point on {}",
                curve_name(curve)
            ))
        },
    )?;
    key.verify_digest_sig(&digest, signature)
        .map_err(|_| Error::BadSignature)
}

/// Generates a key on `curve` and returns it as PKCS#8 DER.
pub(super) fn generate_pkcs8(curve: EcCurve) -> Result<Zeroizing<Vec<u8>>, Error> {
    let key =
        EcdsaKeyPair::generate(signing_algorithm(curve)).map_err(backend("EC key generation"))?;
    let document = key.to_pkcs8v1().map_err(backend("PKCS#8 encoding"))?;
    Ok(Zeroizing::new(document.as_ref().to_vec()))
}

/// Ephemeral-static ECDH with `recipient` (RFC 5753 §3.1.1, the originator's side).
pub(super) fn ephemeral(
    curve: EcCurve,
    recipient: &PublicKey,
) -> Result<EphemeralAgreement, Error> {
    let private = agreement::PrivateKey::generate(agreement_algorithm(curve))
        .map_err(backend("EC key generation"))?;
    let spki: PublicKeyX509Der<'static> = private
        .compute_public_key()
        .and_then(|public| public.as_der())
        .map_err(backend("EC public key encoding"))?;
    let shared_secret = agree(&private, curve, recipient)?;
    Ok(EphemeralAgreement {
        public_key: PublicKey::from_spki_der(spki.as_ref())?,
        shared_secret,
    })
}
