//! The pure-Rust provider, built on the RustCrypto crates: `rsa`, `p256`, `p384`, `sha1`,
//! `sha2`, `aes`, `aes-gcm`, `cbc`, `des`, `aes-kw`.
//!
//! ```
//! use smime_crypto::{DigestAlgorithm, KeyKind, EcCurve, SignatureScheme};
//!
//! # fn main() -> Result<(), smime_crypto::Error> {
//! let provider = smime_crypto::rustcrypto::provider();
//! let pkcs8 = provider.generate_pkcs8(KeyKind::Ec { curve: EcCurve::P256 })?;
//! let key = provider.private_key_from_pkcs8(&pkcs8)?;
//! let digest = provider.digest(DigestAlgorithm::Sha256, b"hello")?;
//! let scheme = SignatureScheme::Ecdsa { digest: DigestAlgorithm::Sha256 };
//! let signature = key.sign_digest(scheme, &digest)?;
//! provider.verify_digest(scheme, key.public_key(), &digest, &signature)?;
//! # Ok(()) }
//! ```

use std::sync::Arc;

use zeroize::Zeroizing;

use crate::algorithm::{
    AeadCipher, CbcCipher, DigestAlgorithm, KeyKind, RsaEncryptionPadding, SignatureScheme,
};
use crate::cbc_mode::{CbcBlocks, CbcDirection};
use crate::counter_mode::{AesCtr, CounterIncrement};
use crate::error::Error;
use crate::key::{PrivateKey, PublicKey};
use crate::provider::{CryptoProvider, EphemeralAgreement, Hasher};

mod block_cipher;
mod cbc_mode;
mod counter_mode;
mod ec_key;
mod hashing;
mod random;
mod rsa_key;

/// The RustCrypto provider (pure Rust). Obtain it with [`provider()`].
///
/// RSA private-key operations use blinding; unlike the aws-lc provider they are not written
/// to be constant-time (see `SECURITY.md` and RUSTSEC-2023-0071).
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCryptoProvider;

static PROVIDER: RustCryptoProvider = RustCryptoProvider;

/// The RustCrypto provider.
pub fn provider() -> &'static dyn CryptoProvider {
    &PROVIDER
}

impl CryptoProvider for RustCryptoProvider {
    fn name(&self) -> &'static str {
        "rustcrypto"
    }

    fn hasher(&self, algorithm: DigestAlgorithm) -> Result<Box<dyn Hasher>, Error> {
        Ok(Box::new(hashing::RustCryptoHasher::new(algorithm)))
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
                KeyKind::Rsa { .. },
            ) => rsa_key::verify_digest(scheme, public_key, digest, signature),
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
        let info = crate::load::decode_private_key_info(pkcs8_der)?;
        match crate::load::kind_of_private_key_info(&info)? {
            crate::load::PrivateKeyAlgorithm::Rsa => {
                Ok(Arc::new(rsa_key::RsaKey::from_private_key_info(info)?))
            }
            crate::load::PrivateKeyAlgorithm::Ec(curve) => {
                Ok(Arc::new(ec_key::EcKey::from_private_key_info(curve, info)?))
            }
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
        rsa_key::encrypt(padding, public_key, plaintext)
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
        getrandom::fill(out).map_err(|_| Error::Rng)
    }
}
