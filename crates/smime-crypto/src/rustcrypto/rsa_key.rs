//! RSA with the `rsa` crate: PKCS#1 v1.5 and PSS signatures over precomputed digests,
//! PKCS#1 v1.5 (implicit rejection) and OAEP key transport, key generation.

use core::fmt;

use der::Decode;
use digest::{KeyInit, Mac};
use pkcs8::EncodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use spki::{EncodePublicKey, SubjectPublicKeyInfoRef};
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use super::random::SystemRng;
use crate::algorithm::{DigestAlgorithm, KeyKind, RsaEncryptionPadding, SignatureScheme};
use crate::error::Error;
use crate::key::{PrivateKey, PublicKey};

/// Smallest RSA key we generate (bits). Below 2048 bits RSA is no longer acceptable for new
/// keys (NIST SP 800-131A rev. 2; CA/B Forum S/MIME Baseline Requirements §6.1.5).
pub(crate) const MIN_GENERATED_RSA_BITS: usize = 2048;
/// Largest RSA key we generate (bits): the sizes the issue asks for (2048–4096). Larger keys
/// take minutes to generate with a pure-Rust prime search.
pub(crate) const MAX_GENERATED_RSA_BITS: usize = 4096;

/// Domain separation for the secret that keys the PKCS#1 v1.5 substitute keys.
const REJECTION_SECRET_LABEL: &[u8] = b"smime-rs RSAES-PKCS1-v1_5 implicit rejection secret v1";
/// Domain separation for the substitute keys themselves.
const REJECTION_KEY_LABEL: &[u8] = b"smime-rs RSAES-PKCS1-v1_5 substitute key v1";

/// Runs `$body` with `$d` bound to the digest type of `$alg`.
macro_rules! with_digest {
    ($alg:expr, $d:ident => $body:expr) => {
        match $alg {
            DigestAlgorithm::Sha1 => {
                type $d = sha1::Sha1;
                $body
            }
            DigestAlgorithm::Sha256 => {
                type $d = sha2::Sha256;
                $body
            }
            DigestAlgorithm::Sha384 => {
                type $d = sha2::Sha384;
                $body
            }
            DigestAlgorithm::Sha512 => {
                type $d = sha2::Sha512;
                $body
            }
        }
    };
}

/// An RSA private key held in memory. The `rsa` crate zeroizes its components on drop.
pub(crate) struct RsaKey {
    key: RsaPrivateKey,
    public: PublicKey,
    /// Keys the pseudorandom substitute for a PKCS#1 v1.5 plaintext of the wrong length.
    rejection_secret: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaKey")
            .field("kind", &self.public.kind())
            .finish_non_exhaustive()
    }
}

impl RsaKey {
    /// Builds the key from a decoded PKCS#8 `PrivateKeyInfo` with algorithm `rsaEncryption`.
    pub(crate) fn from_private_key_info(info: pkcs8::PrivateKeyInfoRef<'_>) -> Result<Self, Error> {
        let secret_octets = info.private_key.as_bytes();
        let rejection_secret = {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(REJECTION_SECRET_LABEL)
                .map_err(|_| Error::Backend("HMAC key".into()))?;
            mac.update(secret_octets);
            let mut secret = Zeroizing::new([0u8; 32]);
            secret.copy_from_slice(&mac.finalize().into_bytes());
            secret
        };
        let key = RsaPrivateKey::try_from(info)
            .map_err(|e| Error::MalformedKey(format!("RSA private key: {e}")))?;
        let spki = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| Error::MalformedKey(format!("RSA public key: {e}")))?;
        let public = PublicKey::from_spki_der(spki.as_bytes())?;
        Ok(Self {
            key,
            public,
            rejection_secret,
        })
    }

    /// The deterministic pseudorandom key that stands in for a PKCS#1 v1.5 plaintext of the
    /// wrong length: HMAC-SHA-256 in counter mode, keyed by a secret derived from the private
    /// key, over the ciphertext and the requested length.
    fn substitute_key(
        &self,
        ciphertext: &[u8],
        key_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut out = Zeroizing::new(Vec::with_capacity(key_len));
        let mut counter: u32 = 0;
        while out.len() < key_len {
            let mut mac =
                hmac::Hmac::<sha2::Sha256>::new_from_slice(self.rejection_secret.as_ref())
                    .map_err(|_| Error::Backend("HMAC key".into()))?;
            mac.update(REJECTION_KEY_LABEL);
            mac.update(&u64::try_from(key_len).unwrap_or(u64::MAX).to_be_bytes());
            mac.update(&counter.to_be_bytes());
            mac.update(ciphertext);
            let block = Zeroizing::new(mac.finalize().into_bytes());
            let take = (key_len - out.len()).min(block.len());
            out.extend_from_slice(block.get(..take).unwrap_or_default());
            counter = counter.wrapping_add(1);
        }
        Ok(out)
    }

    fn decrypt_pkcs1v15(
        &self,
        ciphertext: &[u8],
        key_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let k = self.key.size();
        if ciphertext.len() != k {
            return Err(Error::InvalidLength {
                what: "RSA ciphertext",
                len: ciphertext.len(),
            });
        }
        // RFC 8017 §7.2.1: a PKCS#1 v1.5 message is at most k - 11 bytes.
        if key_len == 0 || key_len > k.saturating_sub(11) {
            return Err(Error::InvalidLength {
                what: "content-encryption key",
                len: key_len,
            });
        }
        let substitute = self.substitute_key(ciphertext, key_len)?;
        // The rsa crate implements implicit rejection (draft-irtf-cfrg-rsa-guidance §7.2): a
        // bad padding gives a synthetic message, not an error. It still errs for a ciphertext
        // representative >= n, which is public; we answer that with the substitute too, so
        // that every malformed ciphertext looks the same from outside.
        let (candidate, length_ok) = match self.key.decrypt(Pkcs1v15Encrypt, ciphertext) {
            Ok(plaintext) => {
                let plaintext = Zeroizing::new(plaintext);
                let length_ok = u64::try_from(plaintext.len())
                    .unwrap_or(u64::MAX)
                    .ct_eq(&u64::try_from(key_len).unwrap_or(u64::MAX));
                let mut candidate = Zeroizing::new(vec![0u8; key_len]);
                for (dst, src) in candidate.iter_mut().zip(plaintext.iter()) {
                    *dst = *src;
                }
                (candidate, length_ok)
            }
            Err(_) => (Zeroizing::new(vec![0u8; key_len]), subtle::Choice::from(0)),
        };
        let mut out = Zeroizing::new(vec![0u8; key_len]);
        for ((dst, good), bad) in out.iter_mut().zip(candidate.iter()).zip(substitute.iter()) {
            *dst = u8::conditional_select(bad, good, length_ok);
        }
        Ok(out)
    }

    fn decrypt_oaep(
        &self,
        digest: DigestAlgorithm,
        mgf_digest: DigestAlgorithm,
        ciphertext: &[u8],
        key_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        if ciphertext.len() != self.key.size() {
            return Err(Error::InvalidLength {
                what: "RSA ciphertext",
                len: ciphertext.len(),
            });
        }
        let plaintext = with_digest!(digest, D => with_digest!(mgf_digest, M => {
            self.key.decrypt(Oaep::<D, M>::new_with_mgf_hash(), ciphertext)
        }))
        .map(Zeroizing::new)
        .map_err(|_| Error::DecryptionFailed)?;
        if plaintext.len() == key_len {
            Ok(plaintext)
        } else {
            Err(Error::DecryptionFailed)
        }
    }
}

impl PrivateKey for RsaKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign_digest(&self, scheme: SignatureScheme, digest: &[u8]) -> Result<Vec<u8>, Error> {
        scheme.check_digest_len(digest)?;
        let mut rng = SystemRng::new();
        let signature = match scheme {
            SignatureScheme::RsaPkcs1v15 { digest: alg } => with_digest!(alg, D => {
                self.key.sign_with_rng(&mut rng, Pkcs1v15Sign::new::<D>(), digest)
            }),
            SignatureScheme::RsaPss {
                digest: alg,
                salt_len,
            } => {
                // RFC 8017 §9.1.1 step 3: emLen >= hLen + sLen + 2. Checked here so that an
                // absurd salt length is an error before anything is allocated for it.
                if salt_len.saturating_add(alg.output_len()).saturating_add(2) > self.key.size() {
                    return Err(Error::UnsupportedAlgorithm(format!(
                        "RSASSA-PSS salt length {salt_len} with a {}-byte key",
                        self.key.size()
                    )));
                }
                with_digest!(alg, D => {
                    self.key.sign_with_rng(&mut rng, Pss::<D>::new_with_salt(salt_len), digest)
                })
            }
            SignatureScheme::Ecdsa { .. } => {
                return Err(Error::KeyMismatch {
                    key: self.public.kind().to_string(),
                    operation: scheme.operation_name(),
                });
            }
        }
        .map_err(|e| Error::Backend(format!("RSA signature: {e}")))?;
        rng.finish(signature)
    }

    fn decrypt_key(
        &self,
        padding: RsaEncryptionPadding,
        ciphertext: &[u8],
        key_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        match padding {
            RsaEncryptionPadding::Pkcs1v15 => self.decrypt_pkcs1v15(ciphertext, key_len),
            RsaEncryptionPadding::Oaep { digest, mgf_digest } => {
                self.decrypt_oaep(digest, mgf_digest, ciphertext, key_len)
            }
        }
    }

    fn agree(&self, _peer: &PublicKey) -> Result<Zeroizing<Vec<u8>>, Error> {
        Err(Error::KeyMismatch {
            key: self.public.kind().to_string(),
            operation: "ECDH key agreement",
        })
    }
}

/// Parses the RSA public key out of a [`PublicKey`].
fn rsa_public_key(public_key: &PublicKey) -> Result<RsaPublicKey, Error> {
    let spki = SubjectPublicKeyInfoRef::from_der(public_key.spki_der())
        .map_err(|e| Error::MalformedKey(format!("SubjectPublicKeyInfo: {e}")))?;
    RsaPublicKey::try_from(spki).map_err(|e| Error::MalformedKey(format!("RSA public key: {e}")))
}

/// Verifies an RSA signature (PKCS#1 v1.5 or PSS) over a digest of the right length.
pub(crate) fn verify_digest(
    scheme: SignatureScheme,
    public_key: &PublicKey,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let key = rsa_public_key(public_key)?;
    if signature.len() != key.size() {
        return Err(Error::BadSignature);
    }
    let result = match scheme {
        SignatureScheme::RsaPkcs1v15 { digest: alg } => with_digest!(alg, D => {
            key.verify(Pkcs1v15Sign::new::<D>(), digest, signature)
        }),
        SignatureScheme::RsaPss {
            digest: alg,
            salt_len,
        } => {
            // A salt that cannot fit (RFC 8017 §9.1.2 step 3) cannot verify.
            if salt_len.saturating_add(alg.output_len()).saturating_add(2) > key.size() {
                return Err(Error::BadSignature);
            }
            with_digest!(alg, D => {
                key.verify(Pss::<D>::new_with_salt(salt_len), digest, signature)
            })
        }
        SignatureScheme::Ecdsa { .. } => {
            return Err(Error::KeyMismatch {
                key: public_key.kind().to_string(),
                operation: scheme.operation_name(),
            });
        }
    };
    result.map_err(|_| Error::BadSignature)
}

/// RSA key transport: encrypts `plaintext` to `public_key`.
pub(crate) fn encrypt(
    padding: RsaEncryptionPadding,
    public_key: &PublicKey,
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let key = match public_key.kind() {
        KeyKind::Rsa { .. } => rsa_public_key(public_key)?,
        kind @ KeyKind::Ec { .. } => {
            return Err(Error::KeyMismatch {
                key: kind.to_string(),
                operation: "RSA key transport",
            });
        }
    };
    let mut rng = SystemRng::new();
    let ciphertext = match padding {
        RsaEncryptionPadding::Pkcs1v15 => key.encrypt(&mut rng, Pkcs1v15Encrypt, plaintext),
        RsaEncryptionPadding::Oaep { digest, mgf_digest } => {
            with_digest!(digest, D => with_digest!(mgf_digest, M => {
                key.encrypt(&mut rng, Oaep::<D, M>::new_with_mgf_hash(), plaintext)
            }))
        }
    }
    .map_err(|e| match e {
        rsa::Error::MessageTooLong => Error::InvalidLength {
            what: "RSA plaintext",
            len: plaintext.len(),
        },
        other => Error::Backend(format!("RSA encryption: {other}")),
    })?;
    rng.finish(ciphertext)
}

/// Generates an RSA key of `modulus_bits` and returns it as PKCS#8 DER.
pub(crate) fn generate_pkcs8(modulus_bits: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    if !(MIN_GENERATED_RSA_BITS..=MAX_GENERATED_RSA_BITS).contains(&modulus_bits)
        || !modulus_bits.is_multiple_of(8)
    {
        return Err(Error::UnsupportedKey(format!(
            "RSA-{modulus_bits} (generation supports multiples of 8 from {MIN_GENERATED_RSA_BITS} to {MAX_GENERATED_RSA_BITS} bits)"
        )));
    }
    let mut rng = SystemRng::new();
    let key = RsaPrivateKey::new(&mut rng, modulus_bits)
        .map_err(|e| Error::Backend(format!("RSA key generation: {e}")))?;
    let key = rng.finish(key)?;
    let doc = key
        .to_pkcs8_der()
        .map_err(|e| Error::Backend(format!("PKCS#8 encoding: {e}")))?;
    Ok(Zeroizing::new(doc.as_bytes().to_vec()))
}
