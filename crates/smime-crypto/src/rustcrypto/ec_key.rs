//! ECDSA and ECDH on NIST P-256 and P-384 with the `p256`/`p384` crates.

use core::fmt;

use p256::elliptic_curve::Generate;
use pkcs8::EncodePrivateKey;
use signature::hazmat::{PrehashVerifier, RandomizedPrehashSigner};
use spki::EncodePublicKey;
use zeroize::Zeroizing;

use super::random::SystemRng;
use crate::algorithm::{EcCurve, KeyKind, RsaEncryptionPadding, SignatureScheme};
use crate::error::Error;
use crate::key::{PrivateKey, PublicKey};
use crate::provider::EphemeralAgreement;

/// Runs `$body` with `$m` bound to the curve crate (`p256` or `p384`) of `$curve`.
macro_rules! with_curve {
    ($curve:expr, $m:ident => $body:expr) => {
        match $curve {
            EcCurve::P256 => {
                use ::p256 as $m;
                $body
            }
            EcCurve::P384 => {
                use ::p384 as $m;
                $body
            }
        }
    };
}

/// The secret scalar, as an ECDSA signing key (which also serves for ECDH).
/// Both types zeroize on drop.
enum SigningKey {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

/// An EC private key on P-256 or P-384 held in memory.
pub(crate) struct EcKey {
    signing: SigningKey,
    public: PublicKey,
}

impl fmt::Debug for EcKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcKey")
            .field("kind", &self.public.kind())
            .finish_non_exhaustive()
    }
}

impl EcKey {
    /// Builds the key from a decoded PKCS#8 `PrivateKeyInfo` (id-ecPublicKey on `curve`).
    /// A public key embedded in the private key must match it.
    pub(crate) fn from_private_key_info(
        curve: EcCurve,
        info: pkcs8::PrivateKeyInfoRef<'_>,
    ) -> Result<Self, Error> {
        let (signing, spki) = match curve {
            EcCurve::P256 => {
                let secret = p256::SecretKey::try_from(info)
                    .map_err(|e| Error::MalformedKey(format!("EC private key: {e}")))?;
                let spki = secret.public_key().to_public_key_der();
                (
                    SigningKey::P256(p256::ecdsa::SigningKey::from(&secret)),
                    spki,
                )
            }
            EcCurve::P384 => {
                let secret = p384::SecretKey::try_from(info)
                    .map_err(|e| Error::MalformedKey(format!("EC private key: {e}")))?;
                let spki = secret.public_key().to_public_key_der();
                (
                    SigningKey::P384(p384::ecdsa::SigningKey::from(&secret)),
                    spki,
                )
            }
        };
        let spki = spki.map_err(|e| Error::MalformedKey(format!("EC public key: {e}")))?;
        let public = PublicKey::from_spki_der(spki.as_bytes())?;
        Ok(Self { signing, public })
    }

    fn curve(&self) -> EcCurve {
        match self.signing {
            SigningKey::P256(_) => EcCurve::P256,
            SigningKey::P384(_) => EcCurve::P384,
        }
    }
}

/// Left-pads a digest shorter than the curve's field to the field's length. FIPS 186-4 §6.4
/// uses the whole digest as the integer `e` when it is shorter than the group order; leading
/// zeros keep the integer, and the `ecdsa` crate refuses prehashes under half the field size
/// (SHA-1 with P-384 in old mail).
fn field_sized_digest(curve: EcCurve, digest: &[u8]) -> Vec<u8> {
    let field_len = curve.field_len();
    if digest.len() >= field_len {
        digest.to_vec()
    } else {
        let mut padded = vec![0u8; field_len - digest.len()];
        padded.extend_from_slice(digest);
        padded
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
        let prehash = field_sized_digest(self.curve(), digest);
        let mut rng = SystemRng::new();
        // Hedged signatures: RFC 6979 nonces with added randomness (RFC 6979 §3.6).
        let signature = match &self.signing {
            SigningKey::P256(key) => {
                let sig: p256::ecdsa::DerSignature = key
                    .sign_prehash_with_rng(&mut rng, &prehash)
                    .map_err(|e| Error::Backend(format!("ECDSA signature: {e}")))?;
                sig.as_bytes().to_vec()
            }
            SigningKey::P384(key) => {
                let sig: p384::ecdsa::DerSignature = key
                    .sign_prehash_with_rng(&mut rng, &prehash)
                    .map_err(|e| Error::Backend(format!("ECDSA signature: {e}")))?;
                sig.as_bytes().to_vec()
            }
        };
        rng.finish(signature)
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
        let curve = self.curve();
        if peer.kind() != (KeyKind::Ec { curve }) {
            return Err(Error::KeyMismatch {
                key: peer.kind().to_string(),
                operation: "ECDH with this key's curve",
            });
        }
        let point = peer.subject_public_key()?;
        match &self.signing {
            SigningKey::P256(key) => {
                let peer = p256::PublicKey::from_sec1_bytes(&point).map_err(|_| {
                    Error::MalformedKey("EC public key is not a point on P-256".into())
                })?;
                let shared = p256::ecdh::diffie_hellman(key.as_nonzero_scalar(), peer.as_affine());
                Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
            }
            SigningKey::P384(key) => {
                let peer = p384::PublicKey::from_sec1_bytes(&point).map_err(|_| {
                    Error::MalformedKey("EC public key is not a point on P-384".into())
                })?;
                let shared = p384::ecdh::diffie_hellman(key.as_nonzero_scalar(), peer.as_affine());
                Ok(Zeroizing::new(shared.raw_secret_bytes().to_vec()))
            }
        }
    }
}

/// Verifies a DER `Ecdsa-Sig-Value` over a digest. Only strict DER is accepted: BER length
/// forms, non-minimal or negative integers and trailing bytes are rejected, as Wycheproof
/// requires; high-S signatures are accepted (RFC 5758 does not require low S).
pub(crate) fn verify_digest(
    curve: EcCurve,
    public_key: &PublicKey,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let point = public_key.subject_public_key()?;
    let prehash = field_sized_digest(curve, digest);
    with_curve!(curve, m => {
        let key = m::ecdsa::VerifyingKey::from_sec1_bytes(&point)
            .map_err(|_| Error::MalformedKey(format!("EC public key is not a point on {}", curve_name(curve))))?;
        let signature = m::ecdsa::DerSignature::from_bytes(signature).map_err(|_| Error::BadSignature)?;
        key.verify_prehash(&prehash, &signature).map_err(|_| Error::BadSignature)
    })
}

/// Generates a key on `curve` and returns it as PKCS#8 DER (with the public key, as OpenSSL
/// writes it).
pub(crate) fn generate_pkcs8(curve: EcCurve) -> Result<Zeroizing<Vec<u8>>, Error> {
    with_curve!(curve, m => {
        let secret = m::SecretKey::try_generate().map_err(|_| Error::Rng)?;
        let doc = secret
            .to_pkcs8_der()
            .map_err(|e| Error::Backend(format!("PKCS#8 encoding: {e}")))?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    })
}

/// Ephemeral-static ECDH with `recipient` (RFC 5753 §3.1.1, the originator's side).
pub(crate) fn ephemeral(
    curve: EcCurve,
    recipient: &PublicKey,
) -> Result<EphemeralAgreement, Error> {
    let point = recipient.subject_public_key()?;
    with_curve!(curve, m => {
        let peer = m::PublicKey::from_sec1_bytes(&point)
            .map_err(|_| Error::MalformedKey(format!("EC public key is not a point on {}", curve_name(curve))))?;
        let ephemeral = m::ecdh::EphemeralSecret::try_generate().map_err(|_| Error::Rng)?;
        let shared = ephemeral.diffie_hellman(&peer);
        let spki = ephemeral
            .public_key()
            .to_public_key_der()
            .map_err(|e| Error::Backend(format!("EC public key encoding: {e}")))?;
        Ok(EphemeralAgreement {
            public_key: PublicKey::from_spki_der(spki.as_bytes())?,
            shared_secret: Zeroizing::new(shared.raw_secret_bytes().to_vec()),
        })
    })
}

const fn curve_name(curve: EcCurve) -> &'static str {
    match curve {
        EcCurve::P256 => "P-256",
        EcCurve::P384 => "P-384",
    }
}
