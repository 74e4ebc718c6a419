//! The providers' incremental CBC (`CryptoProvider::cbc_blocks`): over any split into whole
//! blocks it gives the one-shot `cbc_encrypt` ciphertext (without its padding block) and
//! decrypts it back, for AES of every key size and DES-EDE3; bad lengths are typed errors.
// Tests unwrap and index freely: a panic is a test failure with a clear location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use smime_crypto::{CbcCipher, CbcDirection, Error};

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
    fn cbc_blocks_in_random_pieces_match_the_one_shot_cipher(
        cipher in cbc_cipher(),
        key_seed in any::<[u8; 32]>(),
        iv_seed in any::<[u8; 16]>(),
        blocks in 0usize..40,
        fill in any::<u8>(),
        mut cuts in proptest::collection::vec(0usize..40, 0..8),
    ) {
        cuts.sort_unstable();
        let block = cipher.block_len();
        let key = &key_seed[..cipher.key_len()];
        let iv = &iv_seed[..block];
        let plaintext: Vec<u8> = (0..blocks * block).map(|i| (i as u8).wrapping_mul(fill) ^ fill).collect();
        for sealer in smime_crypto::all_providers() {
            let one_shot = sealer.cbc_encrypt(cipher, key, iv, &plaintext).unwrap();
            // The one-shot result ends with a whole padding block.
            let expected = &one_shot[..plaintext.len()];
            for provider in smime_crypto::all_providers() {
                let mut data = plaintext.clone();
                let mut enc = provider.cbc_blocks(cipher, CbcDirection::Encrypt, key, iv).unwrap();
                let mut dec = provider.cbc_blocks(cipher, CbcDirection::Decrypt, key, iv).unwrap();
                prop_assert_eq!(enc.cipher(), cipher);
                let mut start = 0;
                for cut in cuts.iter().map(|c| c * block).chain(core::iter::once(data.len())) {
                    let cut = cut.min(data.len()).max(start);
                    enc.process_blocks(&mut data[start..cut]).unwrap();
                    start = cut;
                }
                prop_assert_eq!(&data[..], expected, "{} vs {} {:?}", provider.name(), sealer.name(), cipher);
                // Decrypt in a different split (halves).
                let half = (blocks / 2) * block;
                dec.process_blocks(&mut data[..half]).unwrap();
                dec.process_blocks(&mut data[half..]).unwrap();
                prop_assert_eq!(&data, &plaintext);
            }
        }
    }
}

#[test]
fn bad_lengths_are_typed_errors() {
    for provider in smime_crypto::all_providers() {
        for direction in [CbcDirection::Encrypt, CbcDirection::Decrypt] {
            for cipher in [CbcCipher::Aes128, CbcCipher::Aes256, CbcCipher::DesEde3] {
                let key = vec![7u8; cipher.key_len()];
                let iv = vec![1u8; cipher.block_len()];
                assert_eq!(
                    provider
                        .cbc_blocks(cipher, direction, &key[1..], &iv)
                        .err()
                        .unwrap(),
                    Error::InvalidLength {
                        what: "CBC key",
                        len: key.len() - 1
                    }
                );
                assert_eq!(
                    provider
                        .cbc_blocks(cipher, direction, &key, &iv[1..])
                        .err()
                        .unwrap(),
                    Error::InvalidLength {
                        what: "CBC IV",
                        len: iv.len() - 1
                    }
                );
                let mut cbc = provider.cbc_blocks(cipher, direction, &key, &iv).unwrap();
                let mut data = vec![3u8; cipher.block_len() + 1];
                assert_eq!(
                    cbc.process_blocks(&mut data),
                    Err(Error::InvalidLength {
                        what: "CBC blocks (not a whole number of blocks)",
                        len: data.len()
                    })
                );
                // Nothing was changed, and the chain did not move: a good call still works.
                assert!(data.iter().all(|b| *b == 3));
                let mut good = vec![3u8; cipher.block_len()];
                cbc.process_blocks(&mut good).unwrap();
                cbc.process_blocks(&mut []).unwrap();
            }
        }
    }
}
