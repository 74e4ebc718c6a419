//! The trait's provided (default) methods, as a third-party provider that implements only the
//! required ones gets them: `cbc_encrypt_in_place` and `aead_open_into` must give exactly what
//! the shipped providers' own implementations give, and the incremental `aes_ctr` and
//! `cbc_blocks` (RustCrypto's by default) must stream exactly as every shipped provider does.
// Tests unwrap and index freely: a panic is a test failure with a clear location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use smime_crypto::{
    AeadCipher, CbcCipher, CbcDirection, CounterIncrement, CryptoProvider, DigestAlgorithm,
    EphemeralAgreement, Error, Hasher, KeyKind, PrivateKey, PublicKey, RsaEncryptionPadding,
    SignatureScheme,
};
use zeroize::Zeroizing;

/// Delegates the required methods to the RustCrypto provider and keeps the defaults.
#[derive(Debug)]
struct Minimal;

fn inner() -> &'static dyn CryptoProvider {
    smime_crypto::rustcrypto::provider()
}

impl CryptoProvider for Minimal {
    fn name(&self) -> &'static str {
        "minimal"
    }
    fn hasher(&self, algorithm: DigestAlgorithm) -> Result<Box<dyn Hasher>, Error> {
        inner().hasher(algorithm)
    }
    fn verify_digest(
        &self,
        scheme: SignatureScheme,
        public_key: &PublicKey,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        inner().verify_digest(scheme, public_key, digest, signature)
    }
    fn private_key_from_pkcs8(&self, pkcs8_der: &[u8]) -> Result<Arc<dyn PrivateKey>, Error> {
        inner().private_key_from_pkcs8(pkcs8_der)
    }
    fn generate_pkcs8(&self, kind: KeyKind) -> Result<Zeroizing<Vec<u8>>, Error> {
        inner().generate_pkcs8(kind)
    }
    fn rsa_encrypt(
        &self,
        padding: RsaEncryptionPadding,
        public_key: &PublicKey,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        inner().rsa_encrypt(padding, public_key, plaintext)
    }
    fn ecdh_ephemeral(&self, recipient: &PublicKey) -> Result<EphemeralAgreement, Error> {
        inner().ecdh_ephemeral(recipient)
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
        inner().aead_seal_in_place(cipher, key, nonce, aad, in_out, tag_len)
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
        inner().aead_open_in_place(cipher, key, nonce, aad, in_out, tag)
    }
    fn cbc_encrypt(
        &self,
        cipher: CbcCipher,
        key: &[u8],
        iv: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        inner().cbc_encrypt(cipher, key, iv, plaintext)
    }
    fn cbc_decrypt(
        &self,
        cipher: CbcCipher,
        key: &[u8],
        iv: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        inner().cbc_decrypt(cipher, key, iv, ciphertext)
    }
    fn key_wrap(&self, kek: &[u8], key: &[u8]) -> Result<Vec<u8>, Error> {
        inner().key_wrap(kek, key)
    }
    fn key_unwrap(&self, kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        inner().key_unwrap(kek, wrapped)
    }
    fn fill_random(&self, out: &mut [u8]) -> Result<(), Error> {
        inner().fill_random(out)
    }
}

#[test]
fn default_cbc_encrypt_in_place_matches_the_providers() {
    let key = [3u8; 32];
    let iv = [4u8; 16];
    for len in [0usize, 1, 15, 16, 17, 1000] {
        let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut buffer = b"prefix".to_vec();
        buffer.extend_from_slice(&plaintext);
        Minimal
            .cbc_encrypt_in_place(CbcCipher::Aes256, &key, &iv, &mut buffer, 6)
            .unwrap();
        assert_eq!(&buffer[..6], b"prefix");
        for provider in smime_crypto::all_providers() {
            let mut theirs = b"prefix".to_vec();
            theirs.extend_from_slice(&plaintext);
            provider
                .cbc_encrypt_in_place(CbcCipher::Aes256, &key, &iv, &mut theirs, 6)
                .unwrap();
            assert_eq!(buffer, theirs, "{} at {len} bytes", provider.name());
        }
        assert_eq!(
            &*Minimal
                .cbc_decrypt(CbcCipher::Aes256, &key, &iv, &buffer[6..])
                .unwrap(),
            plaintext.as_slice()
        );
    }
    let mut buffer = vec![1, 2, 3];
    assert_eq!(
        Minimal.cbc_encrypt_in_place(CbcCipher::Aes256, &key, &iv, &mut buffer, 4),
        Err(Error::InvalidLength {
            what: "CBC plaintext offset",
            len: 4
        })
    );
}

#[test]
fn default_aead_open_into_checks_the_tag_and_zeroes() {
    let key = [5u8; 16];
    let nonce = [6u8; 12];
    let mut sealed = b"no plaintext before the tag".to_vec();
    let tag = Minimal
        .aead_seal_in_place(AeadCipher::Aes128Gcm, &key, &nonce, b"aad", &mut sealed, 16)
        .unwrap();
    let mut out = vec![0; sealed.len()];
    Minimal
        .aead_open_into(
            AeadCipher::Aes128Gcm,
            &key,
            &nonce,
            b"aad",
            &sealed,
            &tag,
            &mut out,
        )
        .unwrap();
    assert_eq!(out, b"no plaintext before the tag");
    let mut bad = sealed.clone();
    bad[3] ^= 0x40;
    let mut out = vec![0xff; sealed.len()];
    assert_eq!(
        Minimal.aead_open_into(
            AeadCipher::Aes128Gcm,
            &key,
            &nonce,
            b"aad",
            &bad,
            &tag,
            &mut out
        ),
        Err(Error::IntegrityCheckFailed)
    );
    assert!(out.iter().all(|b| *b == 0));
    let mut short = vec![0; sealed.len() - 1];
    assert_eq!(
        Minimal.aead_open_into(
            AeadCipher::Aes128Gcm,
            &key,
            &nonce,
            b"aad",
            &sealed,
            &tag,
            &mut short
        ),
        Err(Error::InvalidLength {
            what: "AES-GCM output buffer",
            len: sealed.len() - 1
        })
    );
}

#[test]
fn default_incremental_ciphers_match_the_providers() {
    let key = [0x42u8; 24];
    let mut counter_block = [0xee; 16];
    counter_block[12..].copy_from_slice(&0xffff_fff0_u32.to_be_bytes());
    let text: Vec<u8> = (0..1000u32).map(|i| (i % 253) as u8).collect();
    let mut by_default = text.clone();
    let mut ctr = Minimal
        .aes_ctr(&key, &counter_block, CounterIncrement::Low32)
        .unwrap();
    for piece in by_default.chunks_mut(37) {
        ctr.apply_keystream(piece).unwrap();
    }
    let mut cbc_default = text[..992].to_vec();
    Minimal
        .cbc_blocks(CbcCipher::Aes192, CbcDirection::Encrypt, &key, &[7; 16])
        .unwrap()
        .process_blocks(&mut cbc_default)
        .unwrap();
    assert_ne!(by_default, text);
    for provider in smime_crypto::all_providers() {
        let mut expected = text.clone();
        provider
            .aes_ctr(&key, &counter_block, CounterIncrement::Low32)
            .unwrap()
            .apply_keystream(&mut expected)
            .unwrap();
        assert_eq!(by_default, expected, "{}", provider.name());
        let one_shot = provider
            .cbc_encrypt(CbcCipher::Aes192, &key, &[7; 16], &text[..992])
            .unwrap();
        assert_eq!(cbc_default, one_shot[..992], "{}", provider.name());
    }
}
