//! The provider interface: every cryptographic operation the S/MIME layers need.
//!
//! Modelled on rustls' `CryptoProvider`: the layers above never name a cryptographic crate,
//! they ask a `&dyn CryptoProvider`. Two implementations ship with this crate:
//! [`rustcrypto`](crate::rustcrypto) (pure Rust, the default) and, with the `aws-lc` feature,
//! `aws_lc` (aws-lc-rs).

use core::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::algorithm::{
    AeadCipher, CbcCipher, DigestAlgorithm, KeyKind, RsaEncryptionPadding, SignatureScheme,
};
use crate::cbc_mode::{CbcBlocks, CbcDirection};
use crate::counter_mode::{AesCtr, CounterIncrement};
use crate::error::Error;
use crate::key::{PrivateKey, PublicKey};

/// An incremental message digest.
pub trait Hasher: Send {
    /// The algorithm being computed.
    fn algorithm(&self) -> DigestAlgorithm;
    /// Feeds more data.
    fn update(&mut self, data: &[u8]);
    /// Finishes and returns the digest.
    fn finish(self: Box<Self>) -> Vec<u8>;
}

/// The result of an ephemeral-static ECDH key agreement (RFC 5753 §3.1.1, the sender's side).
#[derive(Debug)]
pub struct EphemeralAgreement {
    /// The ephemeral public key to send as the originator key.
    pub public_key: PublicKey,
    /// The shared secret Z (the x-coordinate of the shared point).
    pub shared_secret: Zeroizing<Vec<u8>>,
}

/// Every cryptographic operation the S/MIME layers need, implemented by one backend.
pub trait CryptoProvider: Send + Sync + fmt::Debug {
    /// A short name for reports and benchmarks (`"rustcrypto"`, `"aws-lc"`).
    fn name(&self) -> &'static str;

    /// Starts an incremental digest.
    fn hasher(&self, algorithm: DigestAlgorithm) -> Result<Box<dyn Hasher>, Error>;

    /// Computes a digest in one call.
    fn digest(&self, algorithm: DigestAlgorithm, data: &[u8]) -> Result<Vec<u8>, Error> {
        let mut hasher = self.hasher(algorithm)?;
        hasher.update(data);
        Ok(hasher.finish())
    }

    /// Verifies `signature` over a precomputed `digest` with `public_key`.
    /// Returns [`Error::BadSignature`] when the signature does not verify.
    fn verify_digest(
        &self,
        scheme: SignatureScheme,
        public_key: &PublicKey,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), Error>;

    /// Verifies `signature` over `message` (hashing it with the scheme's digest first).
    fn verify(
        &self,
        scheme: SignatureScheme,
        public_key: &PublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let digest = self.digest(scheme.digest(), message)?;
        self.verify_digest(scheme, public_key, &digest, signature)
    }

    /// Makes a private key object from an unencrypted PKCS#8 `PrivateKeyInfo` (DER).
    /// Use [`load_private_key`](crate::load_private_key) to read PEM, PKCS#1, SEC1 or
    /// encrypted PKCS#8 files.
    fn private_key_from_pkcs8(&self, pkcs8_der: &[u8]) -> Result<Arc<dyn PrivateKey>, Error>;

    /// Generates a new key pair and returns it as an unencrypted PKCS#8 `PrivateKeyInfo` (DER).
    fn generate_pkcs8(&self, kind: KeyKind) -> Result<Zeroizing<Vec<u8>>, Error>;

    /// Encrypts a content-encryption key to an RSA public key (key transport).
    fn rsa_encrypt(
        &self,
        padding: RsaEncryptionPadding,
        public_key: &PublicKey,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error>;

    /// Generates an ephemeral key on the recipient's curve and agrees a shared secret with it.
    fn ecdh_ephemeral(&self, recipient: &PublicKey) -> Result<EphemeralAgreement, Error>;

    /// AES-GCM encryption in place; returns the authentication tag of `tag_len` bytes
    /// (12 to 16, RFC 5084 §3.2). `nonce` must be 12 bytes.
    fn aead_seal_in_place(
        &self,
        cipher: AeadCipher,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        in_out: &mut [u8],
        tag_len: usize,
    ) -> Result<Vec<u8>, Error>;

    /// AES-GCM decryption in place. On [`Error::IntegrityCheckFailed`] the buffer is zeroed:
    /// no plaintext is released unless the tag verifies.
    fn aead_open_in_place(
        &self,
        cipher: AeadCipher,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8],
    ) -> Result<(), Error>;

    /// AES-GCM decryption from `ciphertext` into `out`, which must have the ciphertext's
    /// length. On [`Error::IntegrityCheckFailed`] `out` is zeroed: no plaintext is released
    /// unless the tag verifies. Decrypting out of place spares the copy of the ciphertext
    /// that [`aead_open_in_place`](Self::aead_open_in_place) needs when the message is
    /// borrowed.
    ///
    /// The default implementation copies the ciphertext into `out` and opens it in place;
    /// the shipped providers decrypt out of place.
    ///
    /// ```
    /// use smime_crypto::AeadCipher;
    ///
    /// let provider = smime_crypto::default_provider();
    /// let (key, nonce) = ([1u8; 32], [2u8; 12]);
    /// let mut sealed = b"attack at dawn".to_vec();
    /// let tag = provider.aead_seal_in_place(AeadCipher::Aes256Gcm, &key, &nonce, b"", &mut sealed, 16)?;
    /// let mut plaintext = vec![0; sealed.len()];
    /// provider.aead_open_into(AeadCipher::Aes256Gcm, &key, &nonce, b"", &sealed, &tag, &mut plaintext)?;
    /// assert_eq!(plaintext, b"attack at dawn");
    /// # Ok::<(), smime_crypto::Error>(())
    /// ```
    #[allow(
        clippy::too_many_arguments,
        reason = "the in-place signature plus the separate input"
    )]
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
        if out.len() != ciphertext.len() {
            return Err(Error::InvalidLength {
                what: "AES-GCM output buffer",
                len: out.len(),
            });
        }
        out.copy_from_slice(ciphertext);
        self.aead_open_in_place(cipher, key, nonce, aad, out, tag)
    }

    /// CBC encryption with PKCS#7 padding.
    fn cbc_encrypt(
        &self,
        cipher: CbcCipher,
        key: &[u8],
        iv: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error>;

    /// CBC encryption with PKCS#7 padding in place, at the end of a buffer: `buffer[start..]`
    /// is the plaintext; it is replaced by the ciphertext, whose padding block is appended
    /// to `buffer`. What comes before `start` (a message's headers, say) is left alone, so
    /// a message can be written once, in its final place, without a second copy of the
    /// content.
    ///
    /// The default implementation calls [`cbc_encrypt`](Self::cbc_encrypt) and copies the
    /// ciphertext back; the shipped providers encrypt in place.
    ///
    /// ```
    /// use smime_crypto::CbcCipher;
    ///
    /// let provider = smime_crypto::default_provider();
    /// let (key, iv) = ([7u8; 16], [9u8; 16]);
    /// let mut buffer = b"header:".to_vec();
    /// buffer.extend_from_slice(b"twenty-one bytes long");
    /// provider.cbc_encrypt_in_place(CbcCipher::Aes128, &key, &iv, &mut buffer, 7)?;
    /// assert_eq!(&buffer[..7], b"header:");
    /// let expected = provider.cbc_encrypt(CbcCipher::Aes128, &key, &iv, b"twenty-one bytes long")?;
    /// assert_eq!(&buffer[7..], expected.as_slice());
    /// # Ok::<(), smime_crypto::Error>(())
    /// ```
    fn cbc_encrypt_in_place(
        &self,
        cipher: CbcCipher,
        key: &[u8],
        iv: &[u8],
        buffer: &mut Vec<u8>,
        start: usize,
    ) -> Result<(), Error> {
        let plaintext = buffer.get(start..).ok_or(Error::InvalidLength {
            what: "CBC plaintext offset",
            len: start,
        })?;
        let ciphertext = self.cbc_encrypt(cipher, key, iv, plaintext)?;
        buffer.truncate(start);
        buffer.extend_from_slice(&ciphertext);
        Ok(())
    }

    /// CBC decryption and removal of PKCS#7 padding. A bad padding is
    /// [`Error::DecryptionFailed`], with no further detail.
    fn cbc_decrypt(
        &self,
        cipher: CbcCipher,
        key: &[u8],
        iv: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error>;

    /// Starts an AES-CTR keystream (NIST SP 800-38A §6.5) under `key` (16, 24 or 32 octets:
    /// AES-128, -192 or -256) from `counter_block`, the first counter block, advancing as
    /// `increment` says. The returned state applies the keystream in place over pieces of any
    /// length; see [`counter_mode`](crate::counter_mode) for how it serves AES-GCM.
    ///
    /// The default implementation is the RustCrypto provider's (`aes` + `ctr`), so a provider
    /// that has no incremental cipher of its own still streams; the aws-lc provider uses
    /// AWS-LC's `AES_ctr128_encrypt`.
    ///
    /// ```
    /// use smime_crypto::CounterIncrement;
    ///
    /// let provider = smime_crypto::default_provider();
    /// let mut one_call = [0u8; 40];
    /// provider
    ///     .aes_ctr(&[3; 32], &[0; 16], CounterIncrement::Wide128)?
    ///     .apply_keystream(&mut one_call)?;
    /// let mut pieces = [0u8; 40];
    /// let mut ctr = provider.aes_ctr(&[3; 32], &[0; 16], CounterIncrement::Wide128)?;
    /// for piece in pieces.chunks_mut(7) {
    ///     ctr.apply_keystream(piece)?;
    /// }
    /// assert_eq!(one_call, pieces);
    /// assert_eq!(ctr.position(), 40);
    /// # Ok::<(), smime_crypto::Error>(())
    /// ```
    fn aes_ctr(
        &self,
        key: &[u8],
        counter_block: &[u8; 16],
        increment: CounterIncrement,
    ) -> Result<Box<dyn AesCtr>, Error> {
        crate::rustcrypto::provider().aes_ctr(key, counter_block, increment)
    }

    /// Starts an incremental CBC encryption or decryption of whole blocks under `key` from `iv`
    /// (of the cipher's block length), for streaming; padding is the caller's (see
    /// [`cbc_mode`](crate::cbc_mode)).
    ///
    /// The default implementation is the RustCrypto provider's (`cbc` over `aes`/`des`); the
    /// aws-lc provider uses AWS-LC's `AES_cbc_encrypt` for AES.
    fn cbc_blocks(
        &self,
        cipher: CbcCipher,
        direction: CbcDirection,
        key: &[u8],
        iv: &[u8],
    ) -> Result<Box<dyn CbcBlocks>, Error> {
        crate::rustcrypto::provider().cbc_blocks(cipher, direction, key, iv)
    }

    /// AES key wrap (RFC 3394); the key-encryption key's length (16, 24, 32) picks AES-128/192/256.
    fn key_wrap(&self, kek: &[u8], key: &[u8]) -> Result<Vec<u8>, Error>;

    /// AES key unwrap (RFC 3394). Short or misaligned input is an error, never a panic.
    fn key_unwrap(&self, kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error>;

    /// Fills `out` with cryptographically secure random bytes.
    fn fill_random(&self, out: &mut [u8]) -> Result<(), Error>;
}
