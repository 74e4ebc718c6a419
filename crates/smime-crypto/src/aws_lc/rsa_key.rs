//! RSA with `aws-lc-rs`: PKCS#1 v1.5 and PSS signatures over precomputed digests,
//! PKCS#1 v1.5 key transport with implicit rejection built on top, RSA-OAEP, key generation.

use core::fmt;
use core::ops::RangeInclusive;
use std::sync::{Arc, OnceLock};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::hmac;
use aws_lc_rs::rsa::{
    KeyPair, KeySize, OaepAlgorithm, OaepPrivateDecryptingKey, OaepPublicEncryptingKey,
    Pkcs1PrivateDecryptingKey, Pkcs1PublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};
use aws_lc_rs::signature::{
    self, KeyPair as _, ParsedPublicKey, RsaParameters, RsaPssSaltLength, RsaSignatureEncoding,
};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use super::{fallback, hashing};
use crate::algorithm::{DigestAlgorithm, KeyKind, RsaEncryptionPadding, SignatureScheme};
use crate::error::Error;
use crate::key::{PrivateKey, PublicKey};

/// RSA modulus sizes (bits) that `aws-lc-rs` accepts for private keys and encryption keys
/// (`rsa::key::validate_rsa_key`). Outside this range the RustCrypto provider takes over.
const AWS_LC_RSA_BITS: RangeInclusive<usize> = 2048..=8192;

/// Smallest modulus for which `aws-lc-rs` has PKCS#1 v1.5 verification parameters
/// (`RSA_PKCS1_1024_8192_*_FOR_LEGACY_USE_ONLY`, for old mail).
const AWS_LC_LEGACY_MIN_BITS: usize = 1024;

/// RFC 8017 §7.2.1: the PKCS#1 v1.5 encryption padding takes at least 11 bytes.
const PKCS1_PADDING_OVERHEAD: usize = 11;

/// PSS salt lengths `0..PSS_SALT_TABLE_LEN` get a precomputed `aws-lc-rs` parameter set.
/// This covers every length seen in practice: 0, 20 (the RFC 4055 default), and the digest
/// lengths 32/48/64 (RFC 4055/8017 recommendation); the maximum salt (OpenSSL's old default)
/// is handled separately with [`RsaPssSaltLength::Max`].
const PSS_SALT_TABLE_LEN: usize = 65;

/// Domain separation for the secret that keys the PKCS#1 v1.5 substitute keys.
const REJECTION_SECRET_LABEL: &[u8] =
    b"smime-rs aws-lc RSAES-PKCS1-v1_5 implicit rejection secret v1";
/// Domain separation for the substitute keys themselves.
const REJECTION_KEY_LABEL: &[u8] = b"smime-rs aws-lc RSAES-PKCS1-v1_5 substitute key v1";

/// A table of `aws-lc-rs` PSS parameter sets for salt lengths `0..PSS_SALT_TABLE_LEN`, built
/// at compile time from one of the crate's constants.
macro_rules! pss_salt_table {
    ($base:path) => {{
        let mut table = [$base; PSS_SALT_TABLE_LEN];
        let mut salt_len = 0;
        while salt_len < PSS_SALT_TABLE_LEN {
            table[salt_len] = $base.with_pss_salt_length(RsaPssSaltLength::Custom(salt_len as u16));
            salt_len += 1;
        }
        table
    }};
}

// Indexing below runs in constant evaluation, where an out-of-range index is a compile error.
#[allow(clippy::indexing_slicing, reason = "compile-time table construction")]
static PSS_VERIFY_SHA256: [RsaParameters; PSS_SALT_TABLE_LEN] =
    pss_salt_table!(signature::RSA_PSS_2048_8192_SHA256);
#[allow(clippy::indexing_slicing, reason = "compile-time table construction")]
static PSS_VERIFY_SHA384: [RsaParameters; PSS_SALT_TABLE_LEN] =
    pss_salt_table!(signature::RSA_PSS_2048_8192_SHA384);
#[allow(clippy::indexing_slicing, reason = "compile-time table construction")]
static PSS_VERIFY_SHA512: [RsaParameters; PSS_SALT_TABLE_LEN] =
    pss_salt_table!(signature::RSA_PSS_2048_8192_SHA512);
#[allow(clippy::indexing_slicing, reason = "compile-time table construction")]
static PSS_SIGN_SHA256: [RsaSignatureEncoding; PSS_SALT_TABLE_LEN] =
    pss_salt_table!(signature::RSA_PSS_SHA256);
#[allow(clippy::indexing_slicing, reason = "compile-time table construction")]
static PSS_SIGN_SHA384: [RsaSignatureEncoding; PSS_SALT_TABLE_LEN] =
    pss_salt_table!(signature::RSA_PSS_SHA384);
#[allow(clippy::indexing_slicing, reason = "compile-time table construction")]
static PSS_SIGN_SHA512: [RsaSignatureEncoding; PSS_SALT_TABLE_LEN] =
    pss_salt_table!(signature::RSA_PSS_SHA512);

static PSS_VERIFY_MAX_SHA256: RsaParameters =
    signature::RSA_PSS_2048_8192_SHA256.with_pss_salt_length(RsaPssSaltLength::Max);
static PSS_VERIFY_MAX_SHA384: RsaParameters =
    signature::RSA_PSS_2048_8192_SHA384.with_pss_salt_length(RsaPssSaltLength::Max);
static PSS_VERIFY_MAX_SHA512: RsaParameters =
    signature::RSA_PSS_2048_8192_SHA512.with_pss_salt_length(RsaPssSaltLength::Max);
static PSS_SIGN_MAX_SHA256: RsaSignatureEncoding =
    signature::RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Max);
static PSS_SIGN_MAX_SHA384: RsaSignatureEncoding =
    signature::RSA_PSS_SHA384.with_pss_salt_length(RsaPssSaltLength::Max);
static PSS_SIGN_MAX_SHA512: RsaSignatureEncoding =
    signature::RSA_PSS_SHA512.with_pss_salt_length(RsaPssSaltLength::Max);

/// The largest PSS salt for a modulus of `modulus_bits` and a digest of `digest_len` bytes:
/// `emLen - hLen - 2` with `emLen = ceil((modBits - 1) / 8)` (RFC 8017 §9.1.1), computed as
/// `aws-lc-rs` does for [`RsaPssSaltLength::Max`].
fn pss_max_salt_len(modulus_bits: usize, digest_len: usize) -> Option<usize> {
    (modulus_bits.checked_add(6)? / 8).checked_sub(digest_len.checked_add(2)?)
}

/// How a PSS salt length is given to `aws-lc-rs`.
enum PssSalt {
    /// An index into the `PSS_*` tables.
    Table(usize),
    /// The maximum salt length for the key.
    Max,
}

/// How `aws-lc-rs` can be given `salt_len`, or `None` when it cannot.
fn pss_salt(digest: DigestAlgorithm, salt_len: usize, modulus_bits: usize) -> Option<PssSalt> {
    if salt_len < PSS_SALT_TABLE_LEN {
        Some(PssSalt::Table(salt_len))
    } else if pss_max_salt_len(modulus_bits, digest.output_len()) == Some(salt_len) {
        Some(PssSalt::Max)
    } else {
        None
    }
}

/// The `aws-lc-rs` verification parameters for `scheme` with a key of `modulus_bits`, or
/// `None` when `aws-lc-rs` has none (see the module documentation for the fallback).
fn verify_params(scheme: SignatureScheme, modulus_bits: usize) -> Option<&'static RsaParameters> {
    use DigestAlgorithm::{Sha1, Sha256, Sha384, Sha512};
    if modulus_bits > *AWS_LC_RSA_BITS.end() {
        return None;
    }
    match scheme {
        SignatureScheme::RsaPkcs1v15 { digest } => {
            if modulus_bits < AWS_LC_LEGACY_MIN_BITS {
                return None;
            }
            match digest {
                Sha1 => Some(&signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY),
                Sha256 => Some(&signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY),
                Sha384 if AWS_LC_RSA_BITS.contains(&modulus_bits) => {
                    Some(&signature::RSA_PKCS1_2048_8192_SHA384)
                }
                Sha384 => None,
                Sha512 => Some(&signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY),
            }
        }
        SignatureScheme::RsaPss { digest, salt_len } => {
            if !AWS_LC_RSA_BITS.contains(&modulus_bits) {
                return None;
            }
            let (table, max) = match digest {
                Sha1 => return None,
                Sha256 => (&PSS_VERIFY_SHA256, &PSS_VERIFY_MAX_SHA256),
                Sha384 => (&PSS_VERIFY_SHA384, &PSS_VERIFY_MAX_SHA384),
                Sha512 => (&PSS_VERIFY_SHA512, &PSS_VERIFY_MAX_SHA512),
            };
            match pss_salt(digest, salt_len, modulus_bits)? {
                PssSalt::Table(index) => table.get(index),
                PssSalt::Max => Some(max),
            }
        }
        SignatureScheme::Ecdsa { .. } => None,
    }
}

/// Verifies an RSA signature (PKCS#1 v1.5 or PSS) over a digest whose length was checked.
pub(super) fn verify_digest(
    scheme: SignatureScheme,
    modulus_bits: usize,
    public_key: &PublicKey,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let Some(params) = verify_params(scheme, modulus_bits) else {
        // Legacy key sizes, SHA-1 PSS, unusual salt lengths: see the module documentation.
        return fallback().verify_digest(scheme, public_key, digest, signature);
    };
    let digest = hashing::import(scheme.digest(), digest)?;
    let key = ParsedPublicKey::new(params, public_key.spki_der())
        .map_err(|e| Error::MalformedKey(format!("RSA public key rejected by AWS-LC: {e}")))?;
    key.verify_digest_sig(&digest, signature)
        .map_err(|_| Error::BadSignature)
}

/// The signing encoding for `scheme` with a key of `modulus_bits` (always in
/// [`AWS_LC_RSA_BITS`] here, as the key was accepted by `aws-lc-rs`), or `None` for SHA-1,
/// for which `aws-lc-rs` has no signing encoding.
fn sign_encoding(
    scheme: SignatureScheme,
    modulus_bits: usize,
) -> Result<Option<&'static RsaSignatureEncoding>, Error> {
    use DigestAlgorithm::{Sha1, Sha256, Sha384, Sha512};
    let (digest, salt_len) = match scheme {
        SignatureScheme::RsaPkcs1v15 { digest: Sha1 }
        | SignatureScheme::RsaPss { digest: Sha1, .. } => {
            return Ok(None);
        }
        SignatureScheme::RsaPkcs1v15 { digest: Sha256 } => {
            return Ok(Some(&signature::RSA_PKCS1_SHA256));
        }
        SignatureScheme::RsaPkcs1v15 { digest: Sha384 } => {
            return Ok(Some(&signature::RSA_PKCS1_SHA384));
        }
        SignatureScheme::RsaPkcs1v15 { digest: Sha512 } => {
            return Ok(Some(&signature::RSA_PKCS1_SHA512));
        }
        SignatureScheme::RsaPss { digest, salt_len } => (digest, salt_len),
        SignatureScheme::Ecdsa { .. } => {
            return Err(Error::KeyMismatch {
                key: format!("RSA-{modulus_bits}"),
                operation: scheme.operation_name(),
            });
        }
    };
    let (table, max) = match digest {
        Sha256 => (&PSS_SIGN_SHA256, &PSS_SIGN_MAX_SHA256),
        Sha384 => (&PSS_SIGN_SHA384, &PSS_SIGN_MAX_SHA384),
        Sha512 => (&PSS_SIGN_SHA512, &PSS_SIGN_MAX_SHA512),
        Sha1 => return Ok(None),
    };
    let unsupported = || {
        Error::UnsupportedAlgorithm(format!(
            "{} with a {salt_len}-byte salt (the aws-lc provider signs with salts of 0 to {} \
             bytes or the maximum for the key)",
            scheme.operation_name(),
            PSS_SALT_TABLE_LEN - 1
        ))
    };
    match pss_salt(digest, salt_len, modulus_bits).ok_or_else(unsupported)? {
        PssSalt::Table(index) => table.get(index).map(Some).ok_or_else(unsupported),
        PssSalt::Max => Ok(Some(max)),
    }
}

/// The `aws-lc-rs` OAEP parameter set, which exists only with MGF1 over the label's hash.
fn oaep_algorithm(
    digest: DigestAlgorithm,
    mgf_digest: DigestAlgorithm,
) -> Option<&'static OaepAlgorithm> {
    use aws_lc_rs::rsa::{
        OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OAEP_SHA384_MGF1SHA384, OAEP_SHA512_MGF1SHA512,
    };
    if digest != mgf_digest {
        return None;
    }
    match digest {
        DigestAlgorithm::Sha1 => Some(&OAEP_SHA1_MGF1SHA1),
        DigestAlgorithm::Sha256 => Some(&OAEP_SHA256_MGF1SHA256),
        DigestAlgorithm::Sha384 => Some(&OAEP_SHA384_MGF1SHA384),
        DigestAlgorithm::Sha512 => Some(&OAEP_SHA512_MGF1SHA512),
    }
}

/// Number of significant bits in a big-endian unsigned integer.
fn significant_bits(be: &[u8]) -> usize {
    let mut bytes = be.iter().skip_while(|b| **b == 0);
    match bytes.next() {
        None => 0,
        Some(first) => (8 - first.leading_zeros() as usize) + bytes.count() * 8,
    }
}

/// Loads an RSA private key from PKCS#8. Keys of a size `aws-lc-rs` refuses (under 2048 or
/// over 8192 bits: old 1024-bit mail keys) become RustCrypto keys; see the module
/// documentation.
pub(super) fn load(
    pkcs8_der: &[u8],
    info: &pkcs8::PrivateKeyInfoRef<'_>,
) -> Result<Arc<dyn PrivateKey>, Error> {
    use der::Decode;
    let key = pkcs1::RsaPrivateKey::<der::asn1::UintRef<'_>>::from_der(info.private_key.as_bytes())
        .map_err(|e| Error::MalformedKey(format!("RSAPrivateKey: {e}")))?;
    if !AWS_LC_RSA_BITS.contains(&significant_bits(key.modulus.as_bytes())) {
        return fallback().private_key_from_pkcs8(pkcs8_der);
    }
    let signing = KeyPair::from_pkcs8(pkcs8_der)
        .map_err(|e| Error::MalformedKey(format!("RSA private key rejected by AWS-LC: {e}")))?;
    Ok(Arc::new(RsaKey::new(signing, pkcs8_der, info)?))
}

/// An RSA private key held by AWS-LC. AWS-LC frees key material with `OPENSSL_free`, which
/// overwrites it; the secret this type holds itself is zeroized on drop.
pub(super) struct RsaKey {
    signing: KeyPair,
    pkcs1: Pkcs1PrivateDecryptingKey,
    oaep: OaepPrivateDecryptingKey,
    public: PublicKey,
    modulus_bits: usize,
    /// Modulus length in bytes: the length of every ciphertext and signature.
    modulus_len: usize,
    /// Keys the pseudorandom substitute for a PKCS#1 v1.5 plaintext that fails to decrypt.
    rejection_secret: Zeroizing<[u8; 32]>,
    /// A RustCrypto copy of this key, made on first use for what `aws-lc-rs` lacks: OAEP
    /// with an MGF1 hash other than the label hash, and SHA-1 signatures.
    fallback: OnceLock<Arc<dyn PrivateKey>>,
}

impl fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsLcRsaKey")
            .field("kind", &self.public.kind())
            .finish_non_exhaustive()
    }
}

fn backend(what: &str) -> impl FnOnce(aws_lc_rs::error::Unspecified) -> Error + '_ {
    move |_| Error::Backend(format!("AWS-LC: {what} failed"))
}

impl RsaKey {
    fn new(
        signing: KeyPair,
        pkcs8_der: &[u8],
        info: &pkcs8::PrivateKeyInfoRef<'_>,
    ) -> Result<Self, Error> {
        let decrypting = PrivateDecryptingKey::from_pkcs8(pkcs8_der)
            .map_err(|e| Error::MalformedKey(format!("RSA private key rejected by AWS-LC: {e}")))?;
        let pkcs1 =
            Pkcs1PrivateDecryptingKey::new(decrypting.clone()).map_err(backend("RSA key setup"))?;
        let oaep = OaepPrivateDecryptingKey::new(decrypting).map_err(backend("RSA key setup"))?;
        let spki: PublicKeyX509Der<'static> = signing
            .public_key()
            .as_der()
            .map_err(backend("RSA public key encoding"))?;
        let public = PublicKey::from_spki_der(spki.as_ref())?;
        let KeyKind::Rsa { modulus_bits } = public.kind() else {
            return Err(Error::MalformedKey(
                "RSA private key with a non-RSA public key".into(),
            ));
        };
        let modulus_len = signing.public_modulus_len();

        // The secret is derived from the private key itself, so a key gives the same substitute
        // for the same ciphertext every time it is loaded (an attacker who resends a ciphertext
        // learns nothing from a change).
        let derivation_key = hmac::Key::new(hmac::HMAC_SHA256, REJECTION_SECRET_LABEL);
        let tag = hmac::sign(&derivation_key, info.private_key.as_bytes());
        let mut rejection_secret = Zeroizing::new([0u8; 32]);
        for (dst, src) in rejection_secret.iter_mut().zip(tag.as_ref()) {
            *dst = *src;
        }

        Ok(Self {
            signing,
            pkcs1,
            oaep,
            public,
            modulus_bits,
            modulus_len,
            rejection_secret,
            fallback: OnceLock::new(),
        })
    }

    /// The RustCrypto copy of this key, made on first use.
    fn fallback_key(&self) -> Result<&Arc<dyn PrivateKey>, Error> {
        if let Some(key) = self.fallback.get() {
            return Ok(key);
        }
        let pkcs8: Pkcs8V1Der<'static> = self
            .signing
            .as_der()
            .map_err(backend("RSA private key encoding"))?;
        let key = fallback().private_key_from_pkcs8(pkcs8.as_ref())?;
        // Another thread may have won the race; either copy is the same key.
        let _ = self.fallback.set(key);
        self.fallback
            .get()
            .ok_or_else(|| Error::Backend("RustCrypto copy of the RSA key".into()))
    }

    /// The deterministic pseudorandom key that stands in for a PKCS#1 v1.5 plaintext that does
    /// not decrypt or has the wrong length: HMAC-SHA-256 in counter mode, keyed by a secret
    /// derived from the private key, over the requested length, a counter and the ciphertext.
    fn substitute_key(&self, ciphertext: &[u8], key_len: usize) -> Zeroizing<Vec<u8>> {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.rejection_secret.as_ref());
        let length = u64::try_from(key_len).unwrap_or(u64::MAX).to_be_bytes();
        let mut out = Zeroizing::new(Vec::with_capacity(key_len));
        let mut counter: u32 = 0;
        while out.len() < key_len {
            let mut context = hmac::Context::with_key(&key);
            context.update(REJECTION_KEY_LABEL);
            context.update(&length);
            context.update(&counter.to_be_bytes());
            context.update(ciphertext);
            let block = context.sign();
            let take = key_len.saturating_sub(out.len()).min(block.as_ref().len());
            out.extend_from_slice(block.as_ref().get(..take).unwrap_or_default());
            counter = counter.wrapping_add(1);
        }
        out
    }

    /// RSAES-PKCS1-v1_5 decryption with implicit rejection (draft-irtf-cfrg-rsa-guidance).
    ///
    /// AWS-LC checks the padding in constant time but reports a bad padding as an error. We
    /// compute the substitute key first, always; then turn AWS-LC's verdict and the length
    /// check into a [`Choice`] and pick the real or the substitute key byte by byte with a
    /// constant-time select. No early return depends on the plaintext or its padding.
    fn decrypt_pkcs1v15(
        &self,
        ciphertext: &[u8],
        key_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        if ciphertext.len() != self.modulus_len {
            return Err(Error::InvalidLength {
                what: "RSA ciphertext",
                len: ciphertext.len(),
            });
        }
        if key_len == 0 || key_len > self.modulus_len.saturating_sub(PKCS1_PADDING_OVERHEAD) {
            return Err(Error::InvalidLength {
                what: "content-encryption key",
                len: key_len,
            });
        }
        let substitute = self.substitute_key(ciphertext, key_len);
        let mut buffer = Zeroizing::new(vec![0u8; self.modulus_len]);
        let outcome = self
            .pkcs1
            .decrypt(ciphertext, buffer.as_mut_slice())
            .map(|plaintext| plaintext.len());
        let decrypted = Choice::from(u8::from(outcome.is_ok()));
        let length_ok = outcome.unwrap_or(0).ct_eq(&key_len);
        let use_plaintext = decrypted & length_ok;
        let mut out = Zeroizing::new(vec![0u8; key_len]);
        for ((dst, real), fake) in out.iter_mut().zip(buffer.iter()).zip(substitute.iter()) {
            *dst = u8::conditional_select(fake, real, use_plaintext);
        }
        Ok(out)
    }

    /// RSAES-OAEP decryption; every failure is [`Error::DecryptionFailed`].
    fn decrypt_oaep(
        &self,
        digest: DigestAlgorithm,
        mgf_digest: DigestAlgorithm,
        ciphertext: &[u8],
        key_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let Some(algorithm) = oaep_algorithm(digest, mgf_digest) else {
            return self.fallback_key()?.decrypt_key(
                RsaEncryptionPadding::Oaep { digest, mgf_digest },
                ciphertext,
                key_len,
            );
        };
        if ciphertext.len() != self.modulus_len {
            return Err(Error::InvalidLength {
                what: "RSA ciphertext",
                len: ciphertext.len(),
            });
        }
        let mut buffer = Zeroizing::new(vec![0u8; self.oaep.min_output_size()]);
        let plaintext = self
            .oaep
            .decrypt(algorithm, ciphertext, buffer.as_mut_slice(), None)
            .map_err(|_| Error::DecryptionFailed)?;
        if plaintext.len() == key_len {
            Ok(Zeroizing::new(plaintext.to_vec()))
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
        let Some(encoding) = sign_encoding(scheme, self.modulus_bits)? else {
            // SHA-1 (verify-only in the layers above; kept so both providers sign alike).
            return self.fallback_key()?.sign_digest(scheme, digest);
        };
        let digest = hashing::import(scheme.digest(), digest)?;
        let mut signature = vec![0u8; self.modulus_len];
        self.signing
            .sign_digest(encoding, &digest, &mut signature)
            .map_err(backend("RSA signature"))?;
        Ok(signature)
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

/// RSA key transport: encrypts `plaintext` to `public_key` (of `modulus_bits`).
pub(super) fn encrypt(
    padding: RsaEncryptionPadding,
    modulus_bits: usize,
    public_key: &PublicKey,
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let oaep = match padding {
        RsaEncryptionPadding::Pkcs1v15 => None,
        RsaEncryptionPadding::Oaep { digest, mgf_digest } => {
            match oaep_algorithm(digest, mgf_digest) {
                Some(algorithm) => Some(algorithm),
                None => return fallback().rsa_encrypt(padding, public_key, plaintext),
            }
        }
    };
    if !AWS_LC_RSA_BITS.contains(&modulus_bits) {
        return fallback().rsa_encrypt(padding, public_key, plaintext);
    }
    let key = PublicEncryptingKey::from_der(public_key.spki_der())
        .map_err(|e| Error::MalformedKey(format!("RSA public key rejected by AWS-LC: {e}")))?;
    let too_long = || Error::InvalidLength {
        what: "RSA plaintext",
        len: plaintext.len(),
    };
    let mut ciphertext = vec![0u8; key.key_size_bytes()];
    let written = match oaep {
        None => {
            let key = Pkcs1PublicEncryptingKey::new(key).map_err(backend("RSA key setup"))?;
            if plaintext.len() > key.max_plaintext_size() {
                return Err(too_long());
            }
            key.encrypt(plaintext, &mut ciphertext)
                .map_err(backend("RSA encryption"))?
                .len()
        }
        Some(algorithm) => {
            let key = OaepPublicEncryptingKey::new(key).map_err(backend("RSA key setup"))?;
            if plaintext.len() > key.max_plaintext_size(algorithm) {
                return Err(too_long());
            }
            key.encrypt(algorithm, plaintext, &mut ciphertext, None)
                .map_err(backend("RSA encryption"))?
                .len()
        }
    };
    ciphertext.truncate(written);
    Ok(ciphertext)
}

/// Generates an RSA key and returns it as PKCS#8 DER. AWS-LC generates 2048, 3072, 4096 and
/// 8192-bit keys; other sizes go to the RustCrypto provider (which decides what it allows).
pub(super) fn generate_pkcs8(modulus_bits: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    let size = match modulus_bits {
        2048 => KeySize::Rsa2048,
        3072 => KeySize::Rsa3072,
        4096 => KeySize::Rsa4096,
        8192 => KeySize::Rsa8192,
        _ => return fallback().generate_pkcs8(KeyKind::Rsa { modulus_bits }),
    };
    let key = KeyPair::generate(size).map_err(backend("RSA key generation"))?;
    let pkcs8: Pkcs8V1Der<'static> = key.as_der().map_err(backend("PKCS#8 encoding"))?;
    Ok(Zeroizing::new(pkcs8.as_ref().to_vec()))
}
