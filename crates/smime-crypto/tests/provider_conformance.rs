//! The provider conformance suite: every test runs against every provider compiled in
//! (`smime_crypto::all_providers()`), and keys made by one provider are used with the others.
// Tests unwrap and index freely: a panic is a test failure with a clear location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::{Arc, OnceLock};

use smime_crypto::{
    AeadCipher, CbcCipher, CryptoProvider, DigestAlgorithm, EcCurve, Error, KeyKind, PrivateKey,
    PublicKey, RsaEncryptionPadding, SignatureScheme,
};
use zeroize::Zeroizing;

const ALL_DIGESTS: [DigestAlgorithm; 4] = [
    DigestAlgorithm::Sha1,
    DigestAlgorithm::Sha256,
    DigestAlgorithm::Sha384,
    DigestAlgorithm::Sha512,
];

const KINDS: [KeyKind; 5] = [
    KeyKind::Rsa { modulus_bits: 2048 },
    KeyKind::Rsa { modulus_bits: 3072 },
    KeyKind::Rsa { modulus_bits: 4096 },
    KeyKind::Ec {
        curve: EcCurve::P256,
    },
    KeyKind::Ec {
        curve: EcCurve::P384,
    },
];

/// PKCS#8 keys generated once per test binary with the RustCrypto provider (RSA key
/// generation in pure Rust takes a while; see `generate_pkcs8_every_provider` for the
/// other providers' generators).
fn key_pkcs8(kind: KeyKind) -> Zeroizing<Vec<u8>> {
    static KEYS: OnceLock<Vec<(KeyKind, Zeroizing<Vec<u8>>)>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let provider = smime_crypto::rustcrypto::provider();
        std::thread::scope(|s| {
            let handles: Vec<_> = KINDS
                .iter()
                .map(|kind| s.spawn(move || (*kind, provider.generate_pkcs8(*kind).unwrap())))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    });
    keys.iter().find(|(k, _)| *k == kind).unwrap().1.clone()
}

fn key(provider: &dyn CryptoProvider, kind: KeyKind) -> Arc<dyn PrivateKey> {
    provider.private_key_from_pkcs8(&key_pkcs8(kind)).unwrap()
}

/// Every signature scheme that applies to a key kind.
fn schemes_for(kind: KeyKind) -> Vec<SignatureScheme> {
    let mut schemes = Vec::new();
    for digest in ALL_DIGESTS {
        match kind {
            KeyKind::Rsa { .. } => {
                schemes.push(SignatureScheme::RsaPkcs1v15 { digest });
                schemes.push(SignatureScheme::rsa_pss(digest));
                schemes.push(SignatureScheme::RsaPss {
                    digest,
                    salt_len: 0,
                });
            }
            KeyKind::Ec { .. } => schemes.push(SignatureScheme::Ecdsa { digest }),
            _ => unreachable!("no other key kinds"),
        }
    }
    schemes
}

#[test]
fn digests_known_answers() {
    // FIPS 180-4 example "abc".
    let expected = [
        (
            DigestAlgorithm::Sha1,
            "a9993e364706816aba3e25717850c26c9cd0d89d",
        ),
        (
            DigestAlgorithm::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            DigestAlgorithm::Sha384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            DigestAlgorithm::Sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];
    for provider in smime_crypto::all_providers() {
        for (alg, hex_digest) in expected {
            let digest = provider.digest(alg, b"abc").unwrap();
            assert_eq!(
                hex::encode(&digest),
                hex_digest,
                "{} {alg:?}",
                provider.name()
            );
            assert_eq!(digest.len(), alg.output_len());
            // Incremental, in pieces.
            let mut hasher = provider.hasher(alg).unwrap();
            assert_eq!(hasher.algorithm(), alg);
            hasher.update(b"a");
            hasher.update(b"");
            hasher.update(b"bc");
            assert_eq!(hex::encode(hasher.finish()), hex_digest);
        }
    }
}

#[test]
fn sign_verify_every_scheme_key_and_provider_pair() {
    let providers = smime_crypto::all_providers();
    for kind in KINDS {
        for signer in &providers {
            let key = key(*signer, kind);
            assert_eq!(key.kind(), kind);
            assert_eq!(key.public_key().kind(), kind);
            for scheme in schemes_for(kind) {
                let digest = signer
                    .digest(scheme.digest(), b"conformance message")
                    .unwrap();
                let signature = key.sign_digest(scheme, &digest).unwrap();
                for verifier in &providers {
                    let ctx = format!(
                        "{kind} {scheme:?} signed by {} verified by {}",
                        signer.name(),
                        verifier.name()
                    );
                    verifier
                        .verify_digest(scheme, key.public_key(), &digest, &signature)
                        .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                    verifier
                        .verify(scheme, key.public_key(), b"conformance message", &signature)
                        .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                    // Another message.
                    let other = verifier
                        .digest(scheme.digest(), b"conformance messagE")
                        .unwrap();
                    assert_eq!(
                        verifier.verify_digest(scheme, key.public_key(), &other, &signature),
                        Err(Error::BadSignature),
                        "{ctx}"
                    );
                    // A flipped bit anywhere in the signature.
                    for position in [0, signature.len() / 2, signature.len() - 1] {
                        let mut bad = signature.clone();
                        bad[position] ^= 0x01;
                        assert_eq!(
                            verifier.verify_digest(scheme, key.public_key(), &digest, &bad),
                            Err(Error::BadSignature),
                            "{ctx}, bit flipped at {position}"
                        );
                    }
                    // Truncated and extended signatures.
                    assert_eq!(
                        verifier.verify_digest(
                            scheme,
                            key.public_key(),
                            &digest,
                            &signature[..signature.len() - 1]
                        ),
                        Err(Error::BadSignature),
                        "{ctx}"
                    );
                    let mut longer = signature.clone();
                    longer.push(0);
                    assert_eq!(
                        verifier.verify_digest(scheme, key.public_key(), &digest, &longer),
                        Err(Error::BadSignature),
                        "{ctx}"
                    );
                }
            }
        }
    }
}

#[test]
fn rsa_pss_salt_length_is_checked() {
    for provider in smime_crypto::all_providers() {
        let key = key(provider, KeyKind::Rsa { modulus_bits: 2048 });
        let digest = provider.digest(DigestAlgorithm::Sha256, b"salt").unwrap();
        let signed = SignatureScheme::RsaPss {
            digest: DigestAlgorithm::Sha256,
            salt_len: 32,
        };
        let signature = key.sign_digest(signed, &digest).unwrap();
        let other = SignatureScheme::RsaPss {
            digest: DigestAlgorithm::Sha256,
            salt_len: 20,
        };
        assert_eq!(
            provider.verify_digest(other, key.public_key(), &digest, &signature),
            Err(Error::BadSignature),
            "{}",
            provider.name()
        );
        // Salt lengths that cannot fit the key: typed errors, no panic, no huge allocation.
        for salt_len in [256 - 32 - 1, usize::MAX / 2, usize::MAX] {
            let absurd = SignatureScheme::RsaPss {
                digest: DigestAlgorithm::Sha256,
                salt_len,
            };
            assert_eq!(
                provider.verify_digest(absurd, key.public_key(), &digest, &signature),
                Err(Error::BadSignature),
                "{} salt {salt_len}",
                provider.name()
            );
            assert!(
                key.sign_digest(absurd, &digest).is_err(),
                "{} salt {salt_len}",
                provider.name()
            );
        }
        // The largest salt that fits works.
        let max = SignatureScheme::RsaPss {
            digest: DigestAlgorithm::Sha256,
            salt_len: 256 - 32 - 2,
        };
        let signature_max = key.sign_digest(max, &digest).unwrap();
        provider
            .verify_digest(max, key.public_key(), &digest, &signature_max)
            .unwrap();
        // PKCS#1 v1.5 and PSS signatures are not interchangeable.
        let v15 = SignatureScheme::RsaPkcs1v15 {
            digest: DigestAlgorithm::Sha256,
        };
        assert_eq!(
            provider.verify_digest(v15, key.public_key(), &digest, &signature),
            Err(Error::BadSignature)
        );
    }
}

#[test]
fn wrong_digest_length_and_key_mismatch_are_typed_errors() {
    for provider in smime_crypto::all_providers() {
        let rsa = key(provider, KeyKind::Rsa { modulus_bits: 2048 });
        let ec = key(
            provider,
            KeyKind::Ec {
                curve: EcCurve::P256,
            },
        );
        let sha256 = SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha256,
        };
        assert_eq!(
            ec.sign_digest(sha256, &[0u8; 31]),
            Err(Error::InvalidLength {
                what: "digest",
                len: 31
            })
        );
        assert_eq!(
            provider.verify_digest(sha256, ec.public_key(), &[0u8; 48], &[0x30, 0]),
            Err(Error::InvalidLength {
                what: "digest",
                len: 48
            })
        );
        let v15 = SignatureScheme::RsaPkcs1v15 {
            digest: DigestAlgorithm::Sha256,
        };
        assert_eq!(
            rsa.sign_digest(v15, &[0u8; 20]),
            Err(Error::InvalidLength {
                what: "digest",
                len: 20
            })
        );
        assert!(matches!(
            rsa.sign_digest(sha256, &[0u8; 32]),
            Err(Error::KeyMismatch { .. })
        ));
        assert!(matches!(
            ec.sign_digest(v15, &[0u8; 32]),
            Err(Error::KeyMismatch { .. })
        ));
        assert!(matches!(
            provider.verify_digest(v15, ec.public_key(), &[0u8; 32], &[0u8; 256]),
            Err(Error::KeyMismatch { .. })
        ));
        assert!(matches!(
            provider.verify_digest(sha256, rsa.public_key(), &[0u8; 32], &[0x30, 0]),
            Err(Error::KeyMismatch { .. })
        ));
        assert!(matches!(
            ec.decrypt_key(RsaEncryptionPadding::Pkcs1v15, &[0u8; 256], 16),
            Err(Error::KeyMismatch { .. })
        ));
        assert!(matches!(
            rsa.agree(ec.public_key()),
            Err(Error::KeyMismatch { .. })
        ));
        assert!(matches!(
            provider.rsa_encrypt(RsaEncryptionPadding::Pkcs1v15, ec.public_key(), &[0u8; 16]),
            Err(Error::KeyMismatch { .. })
        ));
        assert!(matches!(
            provider.ecdh_ephemeral(rsa.public_key()),
            Err(Error::KeyMismatch { .. })
        ));
    }
}

#[test]
fn generate_pkcs8_every_provider() {
    let providers = smime_crypto::all_providers();
    for generator in &providers {
        for kind in [
            KeyKind::Rsa { modulus_bits: 2048 },
            KeyKind::Ec {
                curve: EcCurve::P256,
            },
            KeyKind::Ec {
                curve: EcCurve::P384,
            },
        ] {
            let pkcs8 = generator.generate_pkcs8(kind).unwrap();
            for loader in &providers {
                let key = loader.private_key_from_pkcs8(&pkcs8).unwrap();
                assert_eq!(
                    key.kind(),
                    kind,
                    "{} -> {}",
                    generator.name(),
                    loader.name()
                );
            }
            // The same bytes go through the file loader too.
            let loaded = smime_crypto::private_key_to_pkcs8(&pkcs8, None).unwrap();
            assert_eq!(*loaded, *pkcs8);
        }
        // Two generated keys differ.
        let a = generator
            .generate_pkcs8(KeyKind::Ec {
                curve: EcCurve::P256,
            })
            .unwrap();
        let b = generator
            .generate_pkcs8(KeyKind::Ec {
                curve: EcCurve::P256,
            })
            .unwrap();
        assert_ne!(*a, *b);
        assert!(matches!(
            generator.generate_pkcs8(KeyKind::Rsa { modulus_bits: 1024 }),
            Err(Error::UnsupportedKey(_))
        ));
    }
}

#[test]
fn debug_output_holds_no_secret() {
    for provider in smime_crypto::all_providers() {
        for kind in [
            KeyKind::Rsa { modulus_bits: 2048 },
            KeyKind::Ec {
                curve: EcCurve::P256,
            },
        ] {
            let key = key(provider, kind);
            let debug = format!("{key:?}");
            assert!(debug.contains(&format!("{kind:?}")), "{debug}");
            assert!(debug.len() < 200, "Debug output too long: {debug}");
            let pkcs8 = key_pkcs8(kind);
            // No run of 8 bytes of the private key appears in hex in the output.
            let hex = hex::encode(&pkcs8[pkcs8.len() - 40..pkcs8.len() - 32]);
            assert!(!debug.to_lowercase().contains(&hex));
        }
    }
}

#[test]
fn rsa_key_transport_round_trips() {
    let paddings =
        std::iter::once(RsaEncryptionPadding::Pkcs1v15).chain(ALL_DIGESTS.iter().flat_map(|d| {
            ALL_DIGESTS.iter().map(move |m| RsaEncryptionPadding::Oaep {
                digest: *d,
                mgf_digest: *m,
            })
        }));
    let providers = smime_crypto::all_providers();
    for padding in paddings {
        for encrypter in &providers {
            for decrypter in &providers {
                let key = key(*decrypter, KeyKind::Rsa { modulus_bits: 2048 });
                let cek = [0x5au8; 32];
                let ciphertext = encrypter
                    .rsa_encrypt(padding, key.public_key(), &cek)
                    .unwrap();
                assert_eq!(ciphertext.len(), 256);
                let ctx = format!("{padding:?} {} -> {}", encrypter.name(), decrypter.name());
                let decrypted = key
                    .decrypt_key(padding, &ciphertext, 32)
                    .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                assert_eq!(*decrypted, cek, "{ctx}");
            }
        }
    }
}

#[test]
fn pkcs1v15_implicit_rejection_gives_a_key_of_the_requested_length() {
    for provider in smime_crypto::all_providers() {
        let key = key(provider, KeyKind::Rsa { modulus_bits: 2048 });
        let cek = [0x11u8; 16];
        let ciphertext = provider
            .rsa_encrypt(RsaEncryptionPadding::Pkcs1v15, key.public_key(), &cek)
            .unwrap();
        // The right length gives the key; another length gives a substitute of that length.
        assert_eq!(
            *key.decrypt_key(RsaEncryptionPadding::Pkcs1v15, &ciphertext, 16)
                .unwrap(),
            cek
        );
        let substitute = key
            .decrypt_key(RsaEncryptionPadding::Pkcs1v15, &ciphertext, 32)
            .unwrap();
        assert_eq!(substitute.len(), 32);
        // Deterministic for the same ciphertext.
        assert_eq!(
            *substitute,
            *key.decrypt_key(RsaEncryptionPadding::Pkcs1v15, &ciphertext, 32)
                .unwrap()
        );
        // A corrupted ciphertext: no error, a key of the requested length, not the CEK.
        let mut bad = ciphertext.clone();
        bad[100] ^= 0x40;
        let out = key
            .decrypt_key(RsaEncryptionPadding::Pkcs1v15, &bad, 16)
            .unwrap();
        assert_eq!(out.len(), 16);
        assert_ne!(*out, cek);
        assert_eq!(
            *out,
            *key.decrypt_key(RsaEncryptionPadding::Pkcs1v15, &bad, 16)
                .unwrap()
        );
        // A ciphertext of the wrong length is a public error.
        assert_eq!(
            key.decrypt_key(RsaEncryptionPadding::Pkcs1v15, &ciphertext[1..], 16),
            Err(Error::InvalidLength {
                what: "RSA ciphertext",
                len: 255
            })
        );
        // OAEP has no implicit rejection: a corrupted ciphertext is an error.
        let oaep = RsaEncryptionPadding::Oaep {
            digest: DigestAlgorithm::Sha256,
            mgf_digest: DigestAlgorithm::Sha256,
        };
        let ciphertext = provider.rsa_encrypt(oaep, key.public_key(), &cek).unwrap();
        let mut bad = ciphertext.clone();
        bad[7] ^= 1;
        assert_eq!(
            key.decrypt_key(oaep, &bad, 16),
            Err(Error::DecryptionFailed)
        );
        assert_eq!(
            key.decrypt_key(oaep, &ciphertext, 24),
            Err(Error::DecryptionFailed)
        );
    }
}

#[test]
fn ecdh_agreement_is_symmetric_across_providers() {
    let providers = smime_crypto::all_providers();
    for curve in [EcCurve::P256, EcCurve::P384] {
        let kind = KeyKind::Ec { curve };
        for a in &providers {
            for b in &providers {
                let alice = key(*a, kind);
                let bob = b
                    .private_key_from_pkcs8(&b.generate_pkcs8(kind).unwrap())
                    .unwrap();
                let z1 = alice.agree(bob.public_key()).unwrap();
                let z2 = bob.agree(alice.public_key()).unwrap();
                assert_eq!(*z1, *z2);
                assert_eq!(z1.len(), curve.field_len());
                let eph = a.ecdh_ephemeral(bob.public_key()).unwrap();
                assert_eq!(eph.public_key.kind(), kind);
                assert_eq!(*bob.agree(&eph.public_key).unwrap(), *eph.shared_secret);
            }
        }
        // A key on the other curve is refused.
        let other = if curve == EcCurve::P256 {
            EcCurve::P384
        } else {
            EcCurve::P256
        };
        for provider in &providers {
            let mine = key(*provider, kind);
            let theirs = key(*provider, KeyKind::Ec { curve: other });
            assert!(matches!(
                mine.agree(theirs.public_key()),
                Err(Error::KeyMismatch { .. })
            ));
        }
    }
}

#[test]
fn ecdh_rejects_points_not_on_the_curve() {
    // A P-256 SPKI whose point is (1, 1): not on the curve.
    let mut spki = hex::decode("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
    spki.push(0x04);
    spki.extend_from_slice(&[0u8; 31]);
    spki.push(1);
    spki.extend_from_slice(&[0u8; 31]);
    spki.push(1);
    let bogus = PublicKey::from_spki_der(&spki).unwrap();
    for provider in smime_crypto::all_providers() {
        let key = key(
            provider,
            KeyKind::Ec {
                curve: EcCurve::P256,
            },
        );
        assert!(
            matches!(key.agree(&bogus), Err(Error::MalformedKey(_))),
            "{}",
            provider.name()
        );
        assert!(matches!(
            provider.ecdh_ephemeral(&bogus),
            Err(Error::MalformedKey(_))
        ));
        let sha256 = SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha256,
        };
        let signature = key.sign_digest(sha256, &[1u8; 32]).unwrap();
        assert!(
            provider
                .verify_digest(sha256, &bogus, &[1u8; 32], &signature)
                .is_err()
        );
    }
}

#[test]
fn aead_errors_are_typed_and_the_buffer_is_zeroed() {
    for provider in smime_crypto::all_providers() {
        let key = [7u8; 16];
        let nonce = [9u8; 12];
        let mut buffer = b"attack at dawn".to_vec();
        let tag = provider
            .aead_seal_in_place(AeadCipher::Aes128Gcm, &key, &nonce, b"aad", &mut buffer, 16)
            .unwrap();
        assert_eq!(tag.len(), 16);
        assert_ne!(buffer, b"attack at dawn");
        let mut tampered = buffer.clone();
        tampered[0] ^= 1;
        assert_eq!(
            provider.aead_open_in_place(
                AeadCipher::Aes128Gcm,
                &key,
                &nonce,
                b"aad",
                &mut tampered,
                &tag
            ),
            Err(Error::IntegrityCheckFailed)
        );
        assert!(tampered.iter().all(|b| *b == 0), "buffer not zeroed");
        let mut wrong_aad = buffer.clone();
        assert_eq!(
            provider.aead_open_in_place(
                AeadCipher::Aes128Gcm,
                &key,
                &nonce,
                b"aaD",
                &mut wrong_aad,
                &tag
            ),
            Err(Error::IntegrityCheckFailed)
        );
        provider
            .aead_open_in_place(
                AeadCipher::Aes128Gcm,
                &key,
                &nonce,
                b"aad",
                &mut buffer,
                &tag,
            )
            .unwrap();
        assert_eq!(buffer, b"attack at dawn");
        let mut buf = vec![0u8; 4];
        for (cipher, key_len, nonce_len, tag_len, what, len) in [
            (AeadCipher::Aes128Gcm, 15, 12, 16, "AES-GCM key", 15),
            (AeadCipher::Aes256Gcm, 16, 12, 16, "AES-GCM key", 16),
            (AeadCipher::Aes128Gcm, 16, 8, 16, "AES-GCM nonce", 8),
            (AeadCipher::Aes128Gcm, 16, 16, 16, "AES-GCM nonce", 16),
            (AeadCipher::Aes128Gcm, 16, 12, 11, "AES-GCM tag", 11),
            (AeadCipher::Aes128Gcm, 16, 12, 17, "AES-GCM tag", 17),
            (AeadCipher::Aes128Gcm, 16, 12, 8, "AES-GCM tag", 8),
        ] {
            let expected = Err(Error::InvalidLength { what, len });
            assert_eq!(
                provider.aead_seal_in_place(
                    cipher,
                    &vec![0; key_len],
                    &vec![0; nonce_len],
                    &[],
                    &mut buf,
                    tag_len
                ),
                expected.clone()
            );
            assert_eq!(
                provider
                    .aead_open_in_place(
                        cipher,
                        &vec![0; key_len],
                        &vec![0; nonce_len],
                        &[],
                        &mut buf,
                        &vec![0; tag_len]
                    )
                    .map(|()| Vec::new()),
                expected
            );
        }
    }
}

#[test]
fn cbc_and_key_wrap_errors_are_typed() {
    for provider in smime_crypto::all_providers() {
        assert_eq!(
            provider.cbc_encrypt(CbcCipher::Aes128, &[0; 16], &[0; 8], b"x"),
            Err(Error::InvalidLength {
                what: "CBC IV",
                len: 8
            })
        );
        assert_eq!(
            provider
                .cbc_decrypt(CbcCipher::Aes256, &[0; 16], &[0; 16], &[0; 16])
                .map(|_| ()),
            Err(Error::InvalidLength {
                what: "CBC key",
                len: 16
            })
        );
        assert_eq!(
            provider
                .cbc_decrypt(CbcCipher::Aes128, &[0; 16], &[0; 16], &[0; 15])
                .map(|_| ()),
            Err(Error::InvalidLength {
                what: "CBC ciphertext",
                len: 15
            })
        );
        assert_eq!(
            provider
                .cbc_decrypt(CbcCipher::Aes128, &[0; 16], &[0; 16], &[])
                .map(|_| ()),
            Err(Error::InvalidLength {
                what: "CBC ciphertext",
                len: 0
            })
        );
        // 3DES: 24-byte key, 8-byte IV and blocks.
        let ct = provider
            .cbc_encrypt(CbcCipher::DesEde3, &[1; 24], &[2; 8], b"old mail")
            .unwrap();
        assert_eq!(ct.len(), 16);
        assert_eq!(
            &**provider
                .cbc_decrypt(CbcCipher::DesEde3, &[1; 24], &[2; 8], &ct)
                .unwrap(),
            b"old mail"
        );
        // A bad padding says no more than "decryption failed".
        let mut bad = ct.clone();
        bad[15] ^= 0x55;
        assert_eq!(
            provider
                .cbc_decrypt(CbcCipher::DesEde3, &[1; 24], &[2; 8], &bad)
                .map(|_| ()),
            Err(Error::DecryptionFailed)
        );
        // Key wrap: short or misaligned input never panics (RUSTSEC-2025-0136).
        for len in [0usize, 1, 7, 8, 9, 15, 16, 23, 25] {
            assert_eq!(
                provider.key_unwrap(&[0; 16], &vec![0; len]).map(|_| ()),
                Err(Error::InvalidLength {
                    what: "wrapped key",
                    len
                }),
                "{}: unwrap of {len} bytes",
                provider.name()
            );
        }
        for len in [0usize, 8, 15, 17] {
            assert_eq!(
                provider.key_wrap(&[0; 16], &vec![0; len]),
                Err(Error::InvalidLength {
                    what: "key to wrap",
                    len
                })
            );
        }
        assert_eq!(
            provider.key_wrap(&[0; 17], &[0; 16]),
            Err(Error::InvalidLength {
                what: "key-encryption key",
                len: 17
            })
        );
        assert_eq!(
            provider.key_unwrap(&[0; 16], &[0; 24]).map(|_| ()),
            Err(Error::IntegrityCheckFailed)
        );
        let mut random = [0u8; 64];
        provider.fill_random(&mut random).unwrap();
        assert_ne!(random, [0u8; 64]);
    }
}
