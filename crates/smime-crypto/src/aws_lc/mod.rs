//! The aws-lc-rs provider (cargo feature `aws-lc`), built on [AWS-LC] through `aws-lc-rs`.
//!
//! Faster RSA and ECDSA than the pure-Rust provider, and RSA private-key operations that
//! AWS-LC implements in constant time (Montgomery arithmetic with blinding).
//!
//! ```
//! use smime_crypto::{DigestAlgorithm, EcCurve, KeyKind, SignatureScheme};
//!
//! # fn main() -> Result<(), smime_crypto::Error> {
//! let provider = smime_crypto::aws_lc::provider();
//! let pkcs8 = provider.generate_pkcs8(KeyKind::Ec { curve: EcCurve::P256 })?;
//! let key = provider.private_key_from_pkcs8(&pkcs8)?;
//! let digest = provider.digest(DigestAlgorithm::Sha256, b"hello")?;
//! let scheme = SignatureScheme::Ecdsa { digest: DigestAlgorithm::Sha256 };
//! let signature = key.sign_digest(scheme, &digest)?;
//! provider.verify_digest(scheme, key.public_key(), &digest, &signature)?;
//! # Ok(()) }
//! ```
//!
//! # What AWS-LC does not do, and what this provider does instead
//!
//! `aws-lc-rs` 1.19 leaves a few corners of what S/MIME needs uncovered. This provider fills
//! them as follows; every case is rare in practice and none involves a secret-dependent
//! choice:
//!
//! | Gap in `aws-lc-rs` | What happens here |
//! |---|---|
//! | RSA keys outside 2048–8192 bits (old 1024-bit mail keys) | the key (or public-key operation) is handled by the [RustCrypto provider](crate::rustcrypto) |
//! | RSA-PSS verification with SHA-1, or with a salt length other than 0–64 bytes or the maximum | verified by the RustCrypto provider |
//! | RSA-PSS signing with a salt length other than 0–64 bytes or the maximum | [`Error::UnsupportedAlgorithm`] |
//! | RSA PKCS#1 v1.5 signatures with SHA-384 on keys under 2048 bits | verified by the RustCrypto provider |
//! | RSA signing with SHA-1 (which the layers above never ask for: it is verify-only) | a RustCrypto copy of the key, made on first use |
//! | RSA-OAEP whose MGF1 hash differs from the label hash | the RustCrypto provider (for decryption, the RustCrypto copy of the key) |
//! | implicit rejection for PKCS#1 v1.5 decryption | built here: see below |
//! | AES-GCM tags shorter than 16 bytes (RFC 5084 allows 12–16) | sealing truncates the full tag; opening recomputes the full tag with AWS-LC (CTR pass, then a GCM seal) and compares the prefix in constant time |
//! | Triple DES (`aws-lc-rs` has it only behind `legacy-des`, rejecting some keys OpenSSL accepts) | the RustCrypto provider |
//! | AES-192 key wrap | the RustCrypto provider |
//!
//! # PKCS#1 v1.5 key transport: implicit rejection
//!
//! AWS-LC checks the PKCS#1 v1.5 padding in constant time but, unlike OpenSSL 3.2 and the
//! `rsa` crate, reports a bad padding as an error. [`PrivateKey::decrypt_key`] on an RSA key
//! of this provider therefore builds implicit rejection (draft-irtf-cfrg-rsa-guidance) on
//! top:
//!
//! 1. When the key is loaded, a 32-byte secret is derived from the private key
//!    (HMAC-SHA-256 over the PKCS#8 `privateKey` octets under a fixed label); it is zeroized
//!    when the key is dropped.
//! 2. For every ciphertext, before decrypting, a substitute key of the requested length is
//!    computed: HMAC-SHA-256 in counter mode under that secret, over the requested length, a
//!    counter and the ciphertext. It is deterministic: the same ciphertext always gives the
//!    same substitute, so resending a ciphertext reveals nothing.
//! 3. AWS-LC decrypts; its verdict and the length check (`len == key_len`) become a
//!    [`subtle::Choice`], and each output byte is chosen between the plaintext and the
//!    substitute with a constant-time select. There is no early return that depends on the
//!    padding or the plaintext; the only errors are for public facts (the ciphertext is not
//!    as long as the modulus; the requested key length is 0 or over `k − 11`).
//!
//! What remains: inside AWS-LC, a failed padding check takes an error-reporting path
//! (`OPENSSL_PUT_ERROR`) that a good one does not, and a good one copies the message out —
//! a small difference that AWS-LC's own comment on `rsa_padding_check_PKCS1_type_2`
//! acknowledges. `aws-lc-rs` offers no raw RSA (`RSA_NO_PADDING`) decryption that would let
//! us check the padding ourselves. A crude in-process measurement (RSA-2048, 2,000 calls
//! each) showed medians of about 705 µs within 0.5 % of each other for a good padding, a bad
//! one and a good one of the wrong length, below the noise of the machine; bounding it
//! further needs a statistical tool such as the Marvin toolkit.
//!
//! [AWS-LC]: https://github.com/aws/aws-lc

use std::sync::Arc;

use zeroize::Zeroizing;

use crate::algorithm::{
    AeadCipher, CbcCipher, DigestAlgorithm, KeyKind, RsaEncryptionPadding, SignatureScheme,
};
use crate::cbc_mode::{CbcBlocks, CbcDirection};
use crate::counter_mode::{AesCtr, CounterIncrement};
use crate::error::Error;
use crate::key::{PrivateKey, PublicKey};
use crate::load;
use crate::provider::{CryptoProvider, EphemeralAgreement, Hasher};

mod block_cipher;
mod cbc_mode;
mod counter_mode;
mod ec_key;
mod hashing;
mod rsa_key;

#[cfg(test)]
mod tests;

/// The aws-lc-rs provider. Obtain it with [`provider()`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLcProvider;

static PROVIDER: AwsLcProvider = AwsLcProvider;

/// The aws-lc-rs provider.
pub fn provider() -> &'static dyn CryptoProvider {
    &PROVIDER
}

/// The provider that covers what `aws-lc-rs` lacks (see the module documentation).
fn fallback() -> &'static dyn CryptoProvider {
    crate::rustcrypto::provider()
}

impl CryptoProvider for AwsLcProvider {
    fn name(&self) -> &'static str {
        "aws-lc"
    }

    fn hasher(&self, algorithm: DigestAlgorithm) -> Result<Box<dyn Hasher>, Error> {
        Ok(Box::new(hashing::AwsLcHasher::new(algorithm)))
    }

    fn digest(&self, algorithm: DigestAlgorithm, data: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(hashing::digest(algorithm, data))
    }

    fn verify_digest(
        &self,
        scheme: SignatureScheme,
        public_key: &PublicKey,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        scheme.check_digest_len(digest)?;
        match (scheme, public_key.kind()) {
            (
                SignatureScheme::RsaPkcs1v15 { .. } | SignatureScheme::RsaPss { .. },
                KeyKind::Rsa { modulus_bits },
            ) => rsa_key::verify_digest(scheme, modulus_bits, public_key, digest, signature),
            (SignatureScheme::Ecdsa { .. }, KeyKind::Ec { curve }) => {
                ec_key::verify_digest(curve, public_key, digest, signature)
            }
            (_, kind) => Err(Error::KeyMismatch {
                key: kind.to_string(),
                operation: scheme.operation_name(),
            }),
        }
    }

    fn private_key_from_pkcs8(&self, pkcs8_der: &[u8]) -> Result<Arc<dyn PrivateKey>, Error> {
        let info = load::decode_private_key_info(pkcs8_der)?;
        match load::kind_of_private_key_info(&info)? {
            load::PrivateKeyAlgorithm::Rsa => rsa_key::load(pkcs8_der, &info),
            load::PrivateKeyAlgorithm::Ec(curve) => Ok(Arc::new(ec_key::EcKey::from_pkcs8(
                curve, pkcs8_der, &info,
            )?)),
        }
    }

    fn generate_pkcs8(&self, kind: KeyKind) -> Result<Zeroizing<Vec<u8>>, Error> {
        match kind {
            KeyKind::Rsa { modulus_bits } => rsa_key::generate_pkcs8(modulus_bits),
            KeyKind::Ec { curve } => ec_key::generate_pkcs8(curve),
        }
    }

    fn rsa_encrypt(
        &self,
        padding: RsaEncryptionPadding,
        public_key: &PublicKey,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        match public_key.kind() {
            KeyKind::Rsa { modulus_bits } => {
                rsa_key::encrypt(padding, modulus_bits, public_key, plaintext)
            }
            kind @ KeyKind::Ec { .. } => Err(Error::KeyMismatch {
                key: kind.to_string(),
                operation: "RSA key transport",
            }),
        }
    }

    fn ecdh_ephemeral(&self, recipient: &PublicKey) -> Result<EphemeralAgreement, Error> {
        match recipient.kind() {
            KeyKind::Ec { curve } => ec_key::ephemeral(curve, recipient),
            kind @ KeyKind::Rsa { .. } => Err(Error::KeyMismatch {
                key: kind.to_string(),
                operation: "ECDH key agreement",
            }),
        }
    }

    fn aead_seal_in_place(
        &self,
        cipher: AeadCipher,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        in_out: &mut [u8],
        tag_len: usize,
    ) -> Result<Vec<u8>, Error> {
        block_cipher::gcm_seal(cipher, key, nonce, aad, in_out, tag_len)
    }

    fn aead_open_in_place(
        &self,
        cipher: AeadCipher,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8],
    ) -> Result<(), Error> {
        block_cipher::gcm_open(cipher, key, nonce, aad, in_out, tag)
    }

    fn aead_open_into(
        &self,
        cipher: AeadCipher,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
        out: &mut [u8],
    ) -> Result<(), Error> {
        block_cipher::gcm_open_into(cipher, key, nonce, aad, ciphertext, tag, out)
    }

    fn cbc_encrypt(
        &self,
        cipher: CbcCipher,
        key: &[u8],
        iv: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        block_cipher::cbc_encrypt(cipher, key, iv, plaintext)
    }

    fn cbc_encrypt_in_place(
        &self,
        cipher: CbcCipher,
        key: &[u8],
        iv: &[u8],
        buffer: &mut Vec<u8>,
        start: usize,
    ) -> Result<(), Error> {
        block_cipher::cbc_encrypt_in_place(cipher, key, iv, buffer, start)
    }

    fn cbc_decrypt(
        &self,
        cipher: CbcCipher,
        key: &[u8],
        iv: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        block_cipher::cbc_decrypt(cipher, key, iv, ciphertext)
    }

    fn aes_ctr(
        &self,
        key: &[u8],
        counter_block: &[u8; 16],
        increment: CounterIncrement,
    ) -> Result<Box<dyn AesCtr>, Error> {
        counter_mode::aes_ctr(key, counter_block, increment)
    }

    fn cbc_blocks(
        &self,
        cipher: CbcCipher,
        direction: CbcDirection,
        key: &[u8],
        iv: &[u8],
    ) -> Result<Box<dyn CbcBlocks>, Error> {
        cbc_mode::cbc_blocks(cipher, direction, key, iv)
    }

    fn key_wrap(&self, kek: &[u8], key: &[u8]) -> Result<Vec<u8>, Error> {
        block_cipher::key_wrap(kek, key)
    }

    fn key_unwrap(&self, kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        block_cipher::key_unwrap(kek, wrapped)
    }

    fn fill_random(&self, out: &mut [u8]) -> Result<(), Error> {
        aws_lc_rs::rand::fill(out).map_err(|_| Error::Rng)
    }
}
