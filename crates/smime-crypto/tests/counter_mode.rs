//! The providers' incremental AES-CTR (`CryptoProvider::aes_ctr`): over any split of the text it
//! gives the one-shot AES-GCM ciphertext (GCM's text is CTR from `nonce ‖ 2`, SP 800-38D §7.1),
//! the providers agree, and the counter wraps as `inc32` or as a 128-bit integer — checked
//! against counter blocks encrypted one by one with the `aes` block cipher.
// Tests unwrap and index freely: a panic is a test failure with a clear location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use proptest::prelude::*;
use smime_crypto::{AeadCipher, CounterIncrement, CryptoProvider, Error};

fn aead_cipher() -> impl Strategy<Value = AeadCipher> {
    prop_oneof![
        Just(AeadCipher::Aes128Gcm),
        Just(AeadCipher::Aes192Gcm),
        Just(AeadCipher::Aes256Gcm)
    ]
}

/// Applies `provider`'s keystream to `data` in pieces cut at `cuts` (sorted, any values).
fn ctr_in_pieces(
    provider: &dyn CryptoProvider,
    key: &[u8],
    counter_block: &[u8; 16],
    increment: CounterIncrement,
    data: &mut [u8],
    cuts: &[usize],
) {
    let mut ctr = provider.aes_ctr(key, counter_block, increment).unwrap();
    assert_eq!(ctr.increment(), increment);
    let mut start = 0;
    for &cut in cuts.iter().chain(core::iter::once(&data.len())) {
        let cut = cut.min(data.len()).max(start);
        ctr.apply_keystream(&mut data[start..cut]).unwrap();
        start = cut;
        assert_eq!(ctr.position(), start as u64);
    }
}

fn gcm_counter_block(nonce: &[u8; 12], counter: u32) -> [u8; 16] {
    let mut block = [0u8; 16];
    block[..12].copy_from_slice(nonce);
    block[12..].copy_from_slice(&counter.to_be_bytes());
    block
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every provider's CTR from counter 2, over random pieces, is the GCM ciphertext of every
    /// provider's one-shot seal.
    #[test]
    fn ctr_in_random_pieces_is_the_gcm_ciphertext(
        cipher in aead_cipher(),
        key_seed in any::<[u8; 32]>(),
        nonce in any::<[u8; 12]>(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..700),
        mut cuts in proptest::collection::vec(0usize..700, 0..12),
    ) {
        cuts.sort_unstable();
        let key = &key_seed[..cipher.key_len()];
        for sealer in smime_crypto::all_providers() {
            let mut expected = plaintext.clone();
            sealer.aead_seal_in_place(cipher, key, &nonce, b"", &mut expected, 16).unwrap();
            for provider in smime_crypto::all_providers() {
                let mut data = plaintext.clone();
                ctr_in_pieces(
                    provider,
                    key,
                    &gcm_counter_block(&nonce, 2),
                    CounterIncrement::Low32,
                    &mut data,
                    &cuts,
                );
                prop_assert_eq!(&data, &expected, "{} vs {}", provider.name(), sealer.name());
            }
        }
    }
}

/// Large pieces around the sizes streaming uses (64 KiB chunks, odd offsets) for every
/// provider, against the one-shot seal.
#[test]
fn ctr_in_large_pieces_is_the_gcm_ciphertext() {
    let nonce = [0x5c; 12];
    let plaintext: Vec<u8> = (0..300_001u32).map(|i| (i * 7 + i / 251) as u8).collect();
    for (cipher, key_len) in [
        (AeadCipher::Aes128Gcm, 16),
        (AeadCipher::Aes192Gcm, 24),
        (AeadCipher::Aes256Gcm, 32),
    ] {
        let key: Vec<u8> = (0..key_len).map(|i| (i as u8).wrapping_mul(29)).collect();
        let mut expected = plaintext.clone();
        smime_crypto::rustcrypto::provider()
            .aead_seal_in_place(cipher, &key, &nonce, b"", &mut expected, 16)
            .unwrap();
        for provider in smime_crypto::all_providers() {
            for cuts in [
                vec![],
                vec![65536, 131072, 196608],
                vec![1, 65537, 65538, 200_000, 299_999],
                vec![15, 31, 100_000],
            ] {
                let mut data = plaintext.clone();
                ctr_in_pieces(
                    provider,
                    &key,
                    &gcm_counter_block(&nonce, 2),
                    CounterIncrement::Low32,
                    &mut data,
                    &cuts,
                );
                assert!(data == expected, "{} {cipher:?} {cuts:?}", provider.name());
            }
        }
    }
}

/// The keystream expected from `first`, computed one block at a time with the `aes` crate.
fn reference_keystream(
    key: &[u8],
    first: [u8; 16],
    increment: CounterIncrement,
    len: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 16);
    let mut counter = first;
    while out.len() < len {
        let mut block = aes::Block::from(counter);
        match key.len() {
            16 => aes::Aes128::new_from_slice(key)
                .unwrap()
                .encrypt_block(&mut block),
            24 => aes::Aes192::new_from_slice(key)
                .unwrap()
                .encrypt_block(&mut block),
            _ => aes::Aes256::new_from_slice(key)
                .unwrap()
                .encrypt_block(&mut block),
        }
        out.extend_from_slice(&block);
        match increment {
            CounterIncrement::Low32 => {
                let low = u32::from_be_bytes(counter[12..].try_into().unwrap()).wrapping_add(1);
                counter[12..].copy_from_slice(&low.to_be_bytes());
            }
            _ => counter = u128::from_be_bytes(counter).wrapping_add(1).to_be_bytes(),
        }
    }
    out.truncate(len);
    out
}

/// Counter blocks whose low word is about to wrap: `Low32` goes to `first 96 bits ‖ 0` (GCM's
/// `inc32`, the case of a GHASH-derived J0), `Wide128` carries into the upper bits (and wraps
/// at 2^128) — in every provider, whatever the pieces.
#[test]
fn counter_wraps_as_its_increment_says() {
    let starts = [
        {
            let mut b = [0xab; 16];
            b[12..].copy_from_slice(&0xffff_fffd_u32.to_be_bytes());
            b
        },
        {
            let mut b = [0x12; 16];
            b[8..].copy_from_slice(&u64::MAX.wrapping_sub(1).to_be_bytes());
            b
        },
        [0xff; 16],
    ];
    for key_len in [16, 24, 32] {
        let key: Vec<u8> = (0..key_len).map(|i| (i as u8) ^ 0x3c).collect();
        for start in starts {
            for increment in [CounterIncrement::Low32, CounterIncrement::Wide128] {
                let expected = reference_keystream(&key, start, increment, 16 * 7 + 5);
                // Sanity: the two increments really differ here, so the test can tell them apart.
                let other = match increment {
                    CounterIncrement::Low32 => CounterIncrement::Wide128,
                    _ => CounterIncrement::Low32,
                };
                assert_ne!(
                    expected,
                    reference_keystream(&key, start, other, 16 * 7 + 5)
                );
                for provider in smime_crypto::all_providers() {
                    for cuts in [
                        vec![],
                        vec![7],
                        vec![16, 32, 48],
                        vec![3, 20, 40, 41, 100],
                        vec![33, 35],
                    ] {
                        let mut data = vec![0u8; expected.len()];
                        ctr_in_pieces(provider, &key, &start, increment, &mut data, &cuts);
                        assert_eq!(
                            data,
                            expected,
                            "{} {increment:?} start {start:02x?} cuts {cuts:?}",
                            provider.name()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn bad_keys_are_typed_errors() {
    for provider in smime_crypto::all_providers() {
        for len in [0usize, 8, 17, 31, 64] {
            let error = provider
                .aes_ctr(&vec![1; len], &[0; 16], CounterIncrement::Low32)
                .err()
                .unwrap();
            assert_eq!(
                error,
                Error::InvalidLength {
                    what: "AES-CTR key",
                    len
                },
                "{}",
                provider.name()
            );
        }
    }
}
