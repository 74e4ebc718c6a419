//! Property tests: AES-GCM, CBC and key wrap round-trip for arbitrary inputs on every
//! provider, providers agree byte for byte, and any single-bit change is detected where the
//! mode promises it.
// Tests unwrap and index freely: a panic is a test failure with a clear location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use smime_crypto::{AeadCipher, CbcCipher, Error};

fn aead_cipher() -> impl Strategy<Value = AeadCipher> {
    prop_oneof![
        Just(AeadCipher::Aes128Gcm),
        Just(AeadCipher::Aes192Gcm),
        Just(AeadCipher::Aes256Gcm)
    ]
}

fn cbc_cipher() -> impl Strategy<Value = CbcCipher> {
    prop_oneof![
        Just(CbcCipher::Aes128),
        Just(CbcCipher::Aes192),
        Just(CbcCipher::Aes256),
        Just(CbcCipher::DesEde3)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn aes_gcm_round_trip(
        cipher in aead_cipher(),
        key_seed in any::<[u8; 32]>(),
        nonce in any::<[u8; 12]>(),
        aad in proptest::collection::vec(any::<u8>(), 0..64),
        plaintext in proptest::collection::vec(any::<u8>(), 0..600),
        tag_len in 12usize..=16,
        flip in any::<prop::sample::Index>(),
    ) {
        let key = &key_seed[..cipher.key_len()];
        let mut reference: Option<(Vec<u8>, Vec<u8>)> = None;
        for provider in smime_crypto::all_providers() {
            let mut buffer = plaintext.clone();
            let tag = provider.aead_seal_in_place(cipher, key, &nonce, &aad, &mut buffer, tag_len).unwrap();
            prop_assert_eq!(tag.len(), tag_len);
            prop_assert_eq!(buffer.len(), plaintext.len());
            // Every provider produces the same ciphertext and tag.
            match &reference {
                None => reference = Some((buffer.clone(), tag.clone())),
                Some((ct, t)) => { prop_assert_eq!(ct, &buffer); prop_assert_eq!(t, &tag); }
            }
            let ciphertext = buffer.clone();
            provider.aead_open_in_place(cipher, key, &nonce, &aad, &mut buffer, &tag).unwrap();
            prop_assert_eq!(&buffer, &plaintext);
            // Out of place: the same plaintext in a separate buffer of the same length only.
            let mut out = vec![0x5a; ciphertext.len()];
            provider.aead_open_into(cipher, key, &nonce, &aad, &ciphertext, &tag, &mut out).unwrap();
            prop_assert_eq!(&out, &plaintext);
            let mut wrong_len = vec![0; ciphertext.len() + 1];
            let refused = matches!(
                provider.aead_open_into(cipher, key, &nonce, &aad, &ciphertext, &tag, &mut wrong_len),
                Err(Error::InvalidLength { .. })
            );
            prop_assert!(refused);
            // A flipped bit in the ciphertext (or the tag when there is no ciphertext).
            let mut bad = ciphertext.clone();
            let mut bad_tag = tag.clone();
            if bad.is_empty() { bad_tag[flip.index(tag_len)] ^= 1; } else { let i = flip.index(bad.len()); bad[i] ^= 1; }
            prop_assert_eq!(
                provider.aead_open_in_place(cipher, key, &nonce, &aad, &mut bad, &bad_tag),
                Err(Error::IntegrityCheckFailed)
            );
            prop_assert!(bad.iter().all(|b| *b == 0));
            let mut bad = ciphertext.clone();
            // (With no ciphertext, `bad_tag` is still the flipped tag from above.)
            if !bad.is_empty() { let i = flip.index(bad.len()); bad[i] ^= 1; }
            let mut out = vec![0x5a; bad.len()];
            prop_assert_eq!(
                provider.aead_open_into(cipher, key, &nonce, &aad, &bad, &bad_tag, &mut out),
                Err(Error::IntegrityCheckFailed)
            );
            prop_assert!(out.iter().all(|b| *b == 0));
        }
    }

    #[test]
    fn cbc_round_trip(
        cipher in cbc_cipher(),
        key_seed in any::<[u8; 32]>(),
        iv_seed in any::<[u8; 16]>(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..600),
        prefix in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let key = &key_seed[..cipher.key_len()];
        let iv = &iv_seed[..cipher.block_len()];
        let mut reference: Option<Vec<u8>> = None;
        for provider in smime_crypto::all_providers() {
            let ct = provider.cbc_encrypt(cipher, key, iv, &plaintext).unwrap();
            // PKCS#7 always pads: 1 to block_len bytes.
            prop_assert_eq!(ct.len(), (plaintext.len() / cipher.block_len() + 1) * cipher.block_len());
            match &reference {
                None => reference = Some(ct.clone()),
                Some(r) => prop_assert_eq!(r, &ct),
            }
            prop_assert_eq!(&*provider.cbc_decrypt(cipher, key, iv, &ct).unwrap(), &plaintext[..]);
            // In place after a prefix, which is left alone: the same ciphertext.
            let mut buffer = prefix.clone();
            buffer.extend_from_slice(&plaintext);
            provider.cbc_encrypt_in_place(cipher, key, iv, &mut buffer, prefix.len()).unwrap();
            prop_assert_eq!(&buffer[..prefix.len()], &prefix[..]);
            prop_assert_eq!(&buffer[prefix.len()..], &ct[..]);
            let mut short = plaintext.clone();
            let refused = matches!(
                provider.cbc_encrypt_in_place(cipher, key, iv, &mut short, plaintext.len() + 1),
                Err(Error::InvalidLength { .. })
            );
            prop_assert!(refused);
            // A decryption under the wrong key fails the padding check or yields other bytes,
            // never the plaintext.
            let mut wrong_key = key.to_vec();
            wrong_key[0] ^= 0x80;
            match provider.cbc_decrypt(cipher, &wrong_key, iv, &ct) {
                Ok(other) => prop_assert_ne!(&*other, &plaintext[..]),
                Err(e) => prop_assert_eq!(e, Error::DecryptionFailed),
            }
        }
    }

    #[test]
    fn key_wrap_round_trip(
        kek_len in prop_oneof![Just(16usize), Just(24), Just(32)],
        kek_seed in any::<[u8; 32]>(),
        blocks in 2usize..8,
        key_seed in any::<[u8; 64]>(),
        flip in any::<prop::sample::Index>(),
    ) {
        let kek = &kek_seed[..kek_len];
        let key = &key_seed[..blocks * 8];
        let mut reference: Option<Vec<u8>> = None;
        for provider in smime_crypto::all_providers() {
            let wrapped = provider.key_wrap(kek, key).unwrap();
            prop_assert_eq!(wrapped.len(), key.len() + 8);
            match &reference {
                None => reference = Some(wrapped.clone()),
                Some(r) => prop_assert_eq!(r, &wrapped),
            }
            prop_assert_eq!(&*provider.key_unwrap(kek, &wrapped).unwrap(), key);
            let mut bad = wrapped.clone();
            let i = flip.index(bad.len());
            bad[i] ^= 1;
            prop_assert_eq!(provider.key_unwrap(kek, &bad).map(|_| ()), Err(Error::IntegrityCheckFailed));
        }
    }

    /// Any input length to key unwrap gives a result or a typed error, never a panic.
    #[test]
    fn key_unwrap_never_panics(data in proptest::collection::vec(any::<u8>(), 0..80)) {
        for provider in smime_crypto::all_providers() {
            match provider.key_unwrap(&[9u8; 16], &data) {
                Ok(_) => prop_assert!(false, "random data unwrapped"),
                Err(Error::IntegrityCheckFailed) => prop_assert!(data.len() >= 24 && data.len().is_multiple_of(8)),
                Err(Error::InvalidLength { what: "wrapped key", len }) => prop_assert_eq!(len, data.len()),
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }
    }
}
