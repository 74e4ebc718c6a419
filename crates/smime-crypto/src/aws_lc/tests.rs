//! Cross-provider tests of the aws-lc provider: what it makes, the RustCrypto provider
//! accepts and the other way round; symmetric outputs are byte-identical; PKCS#1 v1.5
//! decryption rejects implicitly. The shared conformance suite (`tests/`) covers the
//! provider contract; these tests cover what is particular to this backend (fallbacks,
//! truncated GCM tags, ECDSA digest sizing, implicit rejection as built here).

use std::process::Command;
use std::sync::{Arc, OnceLock};

use rsa::traits::PublicKeyParts;
use zeroize::Zeroizing;

use crate::algorithm::{
    AeadCipher, CbcCipher, DigestAlgorithm, EcCurve, KeyKind, RsaEncryptionPadding, SignatureScheme,
};
use crate::error::Error;
use crate::key::{PrivateKey, PublicKey};
use crate::provider::CryptoProvider;

const DIGESTS: [DigestAlgorithm; 4] = [
    DigestAlgorithm::Sha1,
    DigestAlgorithm::Sha256,
    DigestAlgorithm::Sha384,
    DigestAlgorithm::Sha512,
];

fn aws() -> &'static dyn CryptoProvider {
    super::provider()
}

fn rc() -> &'static dyn CryptoProvider {
    crate::rustcrypto::provider()
}

/// An RSA-2048 key generated once by AWS-LC, as PKCS#8.
fn rsa_pkcs8() -> &'static [u8] {
    static KEY: OnceLock<Zeroizing<Vec<u8>>> = OnceLock::new();
    KEY.get_or_init(|| {
        aws()
            .generate_pkcs8(KeyKind::Rsa { modulus_bits: 2048 })
            .unwrap()
    })
}

/// The same key loaded in both providers: (aws-lc, RustCrypto).
fn both(pkcs8: &[u8]) -> (Arc<dyn PrivateKey>, Arc<dyn PrivateKey>) {
    let a = aws().private_key_from_pkcs8(pkcs8).unwrap();
    let r = rc().private_key_from_pkcs8(pkcs8).unwrap();
    assert_eq!(a.public_key(), r.public_key());
    (a, r)
}

fn ec_pkcs8(curve: EcCurve) -> Zeroizing<Vec<u8>> {
    aws().generate_pkcs8(KeyKind::Ec { curve }).unwrap()
}

/// The aws-lc key type behind a key object (fallback keys are RustCrypto's).
fn is_aws_lc_key(key: &dyn PrivateKey) -> bool {
    format!("{key:?}").starts_with("AwsLc")
}

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

#[test]
fn digests_match_rustcrypto_incrementally() {
    let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
    for alg in DIGESTS {
        let expected = rc().digest(alg, &data).unwrap();
        assert_eq!(aws().digest(alg, &data).unwrap(), expected, "{alg:?}");
        let mut hasher = aws().hasher(alg).unwrap();
        assert_eq!(hasher.algorithm(), alg);
        for chunk in data.chunks(97) {
            hasher.update(chunk);
        }
        assert_eq!(hasher.finish(), expected, "{alg:?} incremental");
    }
    // FIPS 180-4 "abc".
    assert_eq!(
        aws().digest(DigestAlgorithm::Sha256, b"abc").unwrap(),
        hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
}

#[test]
fn keys_move_between_providers() {
    for kind in [
        KeyKind::Rsa { modulus_bits: 2048 },
        KeyKind::Ec {
            curve: EcCurve::P256,
        },
        KeyKind::Ec {
            curve: EcCurve::P384,
        },
    ] {
        let pkcs8 = match kind {
            KeyKind::Rsa { .. } => Zeroizing::new(rsa_pkcs8().to_vec()),
            KeyKind::Ec { curve } => ec_pkcs8(curve),
        };
        let (a, r) = both(&pkcs8);
        assert_eq!(a.kind(), kind);
        assert_eq!(r.kind(), kind);
        assert!(is_aws_lc_key(a.as_ref()), "{a:?}");
    }
    // RustCrypto's encoding of an EC key loads here too.
    let pkcs8 = rc()
        .generate_pkcs8(KeyKind::Ec {
            curve: EcCurve::P384,
        })
        .unwrap();
    let (a, _) = both(&pkcs8);
    assert!(is_aws_lc_key(a.as_ref()));
    // Garbage and unsupported algorithms are typed errors.
    assert!(matches!(
        aws().private_key_from_pkcs8(&[0x30, 0x03, 0x02, 0x01, 0x00]),
        Err(Error::MalformedKey(_))
    ));
    // An Ed25519 PKCS#8 key (RFC 8410 §10.3).
    let ed25519 = hex(
        "302e020100300506032b657004220420d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842",
    );
    assert!(matches!(
        aws().private_key_from_pkcs8(&ed25519),
        Err(Error::UnsupportedKey(_))
    ));
}

/// The RSA schemes tried below: every digest with PKCS#1 v1.5 and PSS at the salt lengths
/// that occur (digest length, 0, the RFC 4055 default 20, the maximum for RSA-2048).
fn rsa_schemes() -> Vec<SignatureScheme> {
    let mut schemes = Vec::new();
    for digest in DIGESTS {
        schemes.push(SignatureScheme::RsaPkcs1v15 { digest });
        let max = 256 - digest.output_len() - 2;
        for salt_len in [digest.output_len(), 0, 20, max] {
            schemes.push(SignatureScheme::RsaPss { digest, salt_len });
        }
    }
    schemes
}

#[test]
fn rsa_signatures_verify_across_providers() {
    let (a, r) = both(rsa_pkcs8());
    let public = a.public_key();
    for scheme in rsa_schemes() {
        let digest = aws()
            .digest(scheme.digest(), b"cross-provider RSA")
            .unwrap();
        let other = aws()
            .digest(scheme.digest(), b"cross-provider RSa")
            .unwrap();
        let by_aws = a.sign_digest(scheme, &digest).unwrap();
        let by_rc = r.sign_digest(scheme, &digest).unwrap();
        assert_eq!(by_aws.len(), 256);
        for (signer, signature) in [("aws-lc", &by_aws), ("rustcrypto", &by_rc)] {
            for verifier in [aws(), rc()] {
                let ctx = format!(
                    "{scheme:?} signed by {signer}, verified by {}",
                    verifier.name()
                );
                verifier
                    .verify_digest(scheme, public, &digest, signature)
                    .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                assert_eq!(
                    verifier.verify_digest(scheme, public, &other, signature),
                    Err(Error::BadSignature),
                    "{ctx}"
                );
            }
        }
        // PKCS#1 v1.5 is deterministic: both backends give the same bytes.
        if matches!(scheme, SignatureScheme::RsaPkcs1v15 { .. }) {
            assert_eq!(by_aws, by_rc, "{scheme:?}");
        }
    }
}

#[test]
fn rsa_pss_salt_lengths_aws_lc_lacks() {
    let (a, r) = both(rsa_pkcs8());
    let digest = aws().digest(DigestAlgorithm::Sha256, b"salt").unwrap();
    // 100 bytes: neither in the table (0..=64) nor the maximum (222).
    let odd = SignatureScheme::RsaPss {
        digest: DigestAlgorithm::Sha256,
        salt_len: 100,
    };
    assert!(matches!(
        a.sign_digest(odd, &digest),
        Err(Error::UnsupportedAlgorithm(_))
    ));
    // Verification falls back to RustCrypto, which checks the salt length too.
    let signature = r.sign_digest(odd, &digest).unwrap();
    aws()
        .verify_digest(odd, a.public_key(), &digest, &signature)
        .unwrap();
    let near = SignatureScheme::RsaPss {
        digest: DigestAlgorithm::Sha256,
        salt_len: 99,
    };
    assert_eq!(
        aws().verify_digest(near, a.public_key(), &digest, &signature),
        Err(Error::BadSignature)
    );
    // A salt longer than the key allows is refused by both, never a panic.
    let impossible = SignatureScheme::RsaPss {
        digest: DigestAlgorithm::Sha256,
        salt_len: 300,
    };
    assert!(a.sign_digest(impossible, &digest).is_err());
    assert!(
        aws()
            .verify_digest(impossible, a.public_key(), &digest, &signature)
            .is_err()
    );
    // The table's edge (64) and the maximum work natively, both ways.
    for salt_len in [64, 222] {
        let scheme = SignatureScheme::RsaPss {
            digest: DigestAlgorithm::Sha256,
            salt_len,
        };
        let signature = a.sign_digest(scheme, &digest).unwrap();
        rc().verify_digest(scheme, a.public_key(), &digest, &signature)
            .unwrap();
        let wrong = SignatureScheme::RsaPss {
            digest: DigestAlgorithm::Sha256,
            salt_len: salt_len - 1,
        };
        assert_eq!(
            aws().verify_digest(wrong, a.public_key(), &digest, &signature),
            Err(Error::BadSignature)
        );
    }
}

#[test]
fn ecdsa_signatures_verify_across_providers() {
    for curve in [EcCurve::P256, EcCurve::P384] {
        let (a, r) = both(&ec_pkcs8(curve));
        for digest_alg in DIGESTS {
            let scheme = SignatureScheme::Ecdsa { digest: digest_alg };
            let digest = aws().digest(digest_alg, b"cross-provider ECDSA").unwrap();
            let other = aws().digest(digest_alg, b"cross-provider ECDSa").unwrap();
            let by_aws = a.sign_digest(scheme, &digest).unwrap();
            let by_rc = r.sign_digest(scheme, &digest).unwrap();
            assert_eq!(by_aws[0], 0x30, "DER SEQUENCE");
            for (signer, signature) in [("aws-lc", &by_aws), ("rustcrypto", &by_rc)] {
                for verifier in [aws(), rc()] {
                    let ctx = format!(
                        "{curve:?} {digest_alg:?} signed by {signer}, verified by {}",
                        verifier.name()
                    );
                    verifier
                        .verify_digest(scheme, a.public_key(), &digest, signature)
                        .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                    assert_eq!(
                        verifier.verify_digest(scheme, a.public_key(), &other, signature),
                        Err(Error::BadSignature),
                        "{ctx}"
                    );
                }
            }
            // A digest longer than the curve is cut to the curve's length (FIPS 186-5): a
            // SHA-512 signature on P-256 covers the first 32 bytes only.
            if digest_alg.output_len() > curve.field_len() {
                let mut tail_changed = digest.clone();
                *tail_changed.last_mut().unwrap() ^= 1;
                aws()
                    .verify_digest(scheme, a.public_key(), &tail_changed, &by_aws)
                    .unwrap();
                rc().verify_digest(scheme, a.public_key(), &tail_changed, &by_aws)
                    .unwrap();
            }
        }
    }
}

#[test]
fn ecdsa_signature_encoding_is_strict_der() {
    let (a, _) = both(&ec_pkcs8(EcCurve::P256));
    let scheme = SignatureScheme::Ecdsa {
        digest: DigestAlgorithm::Sha256,
    };
    let digest = [0x42u8; 32];
    let signature = a.sign_digest(scheme, &digest).unwrap();
    // Long-form length (BER) for the same SEQUENCE.
    let mut ber = vec![0x30, 0x81, signature[1]];
    ber.extend_from_slice(&signature[2..]);
    assert_eq!(
        aws().verify_digest(scheme, a.public_key(), &digest, &ber),
        Err(Error::BadSignature)
    );
    // Trailing garbage.
    let mut trailing = signature.clone();
    trailing.extend_from_slice(&[0, 0]);
    assert_eq!(
        aws().verify_digest(scheme, a.public_key(), &digest, &trailing),
        Err(Error::BadSignature)
    );
    assert_eq!(
        aws().verify_digest(scheme, a.public_key(), &digest, &[]),
        Err(Error::BadSignature)
    );
}

/// Raw RSA encryption `m^e mod n` (test-only; the `rsa` crate's hazmat API is not enabled).
/// `BoxedUint::{square, mul}` are the widening products (deprecated names of
/// `concatenating_*`, whose traits `crypto-bigint` does not re-export through `rsa`).
#[allow(deprecated, reason = "see above")]
fn raw_rsa_encrypt(public: &PublicKey, message: &[u8]) -> Vec<u8> {
    use der::Decode;
    let spki = spki::SubjectPublicKeyInfoRef::from_der(public.spki_der()).unwrap();
    let key = rsa::RsaPublicKey::try_from(spki).unwrap();
    let n = key.n();
    let bits = n.as_ref().bits_precision();
    let m = rsa::BoxedUint::from_be_slice(message, bits).unwrap();
    let e_bytes = key.e().to_be_bytes();
    let mut acc = rsa::BoxedUint::from_be_slice(&[1], bits).unwrap();
    for byte in e_bytes.iter() {
        for bit in (0..8).rev() {
            acc = acc.square().rem(n);
            if (byte >> bit) & 1 == 1 {
                acc = acc.mul(&m).rem(n);
            }
        }
    }
    let out = acc.to_be_bytes();
    out[out.len() - key.size()..].to_vec()
}

/// An encryption block `00 ‖ block_type ‖ ps ‖ separator? ‖ message` of 256 bytes.
fn encryption_block(block_type: u8, ps_len: usize, separator: bool, message: &[u8]) -> Vec<u8> {
    let mut em = vec![0x00, block_type];
    em.extend(std::iter::repeat_n(0xA5u8, ps_len));
    if separator {
        em.push(0);
    }
    em.extend_from_slice(message);
    assert_eq!(em.len(), 256, "test block must fill the modulus");
    em
}

#[test]
fn pkcs1v15_implicit_rejection() {
    let (a, r) = both(rsa_pkcs8());
    let public = a.public_key().clone();
    let v15 = RsaEncryptionPadding::Pkcs1v15;
    let cek: Vec<u8> = (1..=16).collect();

    // Positive control: a well-formed block built by hand decrypts to its message.
    let good = raw_rsa_encrypt(&public, &encryption_block(2, 256 - 3 - 16, true, &cek));
    assert_eq!(*a.decrypt_key(v15, &good, 16).unwrap(), cek);
    assert_eq!(*r.decrypt_key(v15, &good, 16).unwrap(), cek);

    let long_message = [0x77u8; 24];
    let bad_blocks = [
        (
            "valid padding, 24-byte message",
            encryption_block(2, 256 - 3 - 24, true, &long_message),
        ),
        (
            "block type 1",
            encryption_block(1, 256 - 3 - 16, true, &cek),
        ),
        ("no zero separator", encryption_block(2, 254, false, &[])),
        ("padding string of 7 bytes", {
            let mut em = encryption_block(2, 7, true, &[0x33u8; 256 - 10]);
            em[255] = 0x34;
            em
        }),
        ("first byte not zero", {
            let mut em = encryption_block(2, 256 - 3 - 16, true, &cek);
            em[0] = 0x01;
            em
        }),
    ];
    let mut substitutes = Vec::new();
    for (what, block) in &bad_blocks {
        let ciphertext = raw_rsa_encrypt(&public, block);
        let out = a
            .decrypt_key(v15, &ciphertext, 16)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(out.len(), 16, "{what}");
        assert_ne!(*out, cek, "{what}");
        assert_ne!(&out[..], &long_message[..16], "{what}");
        // Deterministic, also for another key object loaded from the same PKCS#8.
        assert_eq!(
            *out,
            *a.decrypt_key(v15, &ciphertext, 16).unwrap(),
            "{what}"
        );
        let again = aws().private_key_from_pkcs8(rsa_pkcs8()).unwrap();
        assert_eq!(
            *out,
            *again.decrypt_key(v15, &ciphertext, 16).unwrap(),
            "{what}"
        );
        // Other lengths give other substitutes of that length.
        let out32 = a.decrypt_key(v15, &ciphertext, 32).unwrap();
        assert_eq!(out32.len(), 32);
        assert_ne!(&out32[..16], &out[..], "{what}");
        // The RustCrypto provider also answers with a key, not an error.
        assert_eq!(
            r.decrypt_key(v15, &ciphertext, 16).unwrap().len(),
            16,
            "{what}"
        );
        substitutes.push(out);
    }
    // Different ciphertexts, different substitutes.
    for (i, x) in substitutes.iter().enumerate() {
        for y in &substitutes[i + 1..] {
            assert_ne!(**x, **y);
        }
    }
    // A ciphertext numerically ≥ n (here n itself: every byte of it): AWS-LC refuses it, we
    // still answer with a substitute.
    let modulus = {
        use der::Decode;
        let spki = spki::SubjectPublicKeyInfoRef::from_der(public.spki_der()).unwrap();
        rsa::RsaPublicKey::try_from(spki)
            .unwrap()
            .n_bytes()
            .to_vec()
    };
    let out = a.decrypt_key(v15, &modulus, 16).unwrap();
    assert_eq!(out.len(), 16);
    assert_eq!(*out, *a.decrypt_key(v15, &modulus, 16).unwrap());
    // Another key gives another substitute for the same ciphertext.
    let other = aws()
        .private_key_from_pkcs8(
            &aws()
                .generate_pkcs8(KeyKind::Rsa { modulus_bits: 2048 })
                .unwrap(),
        )
        .unwrap();
    let ciphertext = raw_rsa_encrypt(&public, &bad_blocks[1].1);
    assert_ne!(
        *other.decrypt_key(v15, &ciphertext, 16).unwrap(),
        *substitutes[1]
    );
    // Public errors: the ciphertext's length, an impossible key length.
    assert_eq!(
        a.decrypt_key(v15, &good[..255], 16),
        Err(Error::InvalidLength {
            what: "RSA ciphertext",
            len: 255
        })
    );
    assert_eq!(
        a.decrypt_key(v15, &good, 0),
        Err(Error::InvalidLength {
            what: "content-encryption key",
            len: 0
        })
    );
    assert_eq!(
        a.decrypt_key(v15, &good, 246),
        Err(Error::InvalidLength {
            what: "content-encryption key",
            len: 246
        })
    );
    assert_eq!(a.decrypt_key(v15, &good, 245).unwrap().len(), 245);
}

fn paddings() -> Vec<RsaEncryptionPadding> {
    let mut paddings = vec![RsaEncryptionPadding::Pkcs1v15];
    for digest in DIGESTS {
        for mgf_digest in DIGESTS {
            paddings.push(RsaEncryptionPadding::Oaep { digest, mgf_digest });
        }
    }
    paddings
}

#[test]
fn rsa_key_transport_across_providers() {
    let (a, r) = both(rsa_pkcs8());
    let cek = [0xC3u8; 32];
    for padding in paddings() {
        for (encrypter, name) in [(aws(), "aws-lc"), (rc(), "rustcrypto")] {
            let ciphertext = encrypter
                .rsa_encrypt(padding, a.public_key(), &cek)
                .unwrap();
            assert_eq!(ciphertext.len(), 256);
            for (key, key_name) in [(&a, "aws-lc"), (&r, "rustcrypto")] {
                let ctx = format!("{padding:?} encrypted by {name}, decrypted by {key_name}");
                let plain = key
                    .decrypt_key(padding, &ciphertext, 32)
                    .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                assert_eq!(*plain, cek, "{ctx}");
            }
        }
        if let RsaEncryptionPadding::Oaep { .. } = padding {
            let mut ciphertext = aws().rsa_encrypt(padding, a.public_key(), &cek).unwrap();
            assert_eq!(
                a.decrypt_key(padding, &ciphertext, 16),
                Err(Error::DecryptionFailed),
                "{padding:?}"
            );
            ciphertext[10] ^= 0x80;
            assert_eq!(
                a.decrypt_key(padding, &ciphertext, 32),
                Err(Error::DecryptionFailed),
                "{padding:?}"
            );
        }
    }
    // Plaintexts too long for the padding: 245 bytes is PKCS#1 v1.5's maximum for RSA-2048,
    // 190 is OAEP-SHA-256's.
    let v15 = RsaEncryptionPadding::Pkcs1v15;
    assert_eq!(
        aws()
            .rsa_encrypt(v15, a.public_key(), &[1u8; 245])
            .unwrap()
            .len(),
        256
    );
    assert_eq!(
        aws().rsa_encrypt(v15, a.public_key(), &[1u8; 246]),
        Err(Error::InvalidLength {
            what: "RSA plaintext",
            len: 246
        })
    );
    let oaep = RsaEncryptionPadding::Oaep {
        digest: DigestAlgorithm::Sha256,
        mgf_digest: DigestAlgorithm::Sha256,
    };
    assert_eq!(
        aws()
            .rsa_encrypt(oaep, a.public_key(), &[1u8; 190])
            .unwrap()
            .len(),
        256
    );
    assert_eq!(
        aws().rsa_encrypt(oaep, a.public_key(), &[1u8; 191]),
        Err(Error::InvalidLength {
            what: "RSA plaintext",
            len: 191
        })
    );
}

/// An RSA-1024 PKCS#8 key made with the `openssl` CLI (AWS-LC refuses to make or load one).
fn rsa_1024_pkcs8() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("rsa1024.pem");
    let der = dir.path().join("rsa1024.der");
    let run = |args: &[&std::ffi::OsStr]| {
        let status = Command::new("openssl")
            .args(args)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("the openssl CLI is installed");
        assert!(status.success(), "openssl {args:?}");
    };
    run(&[
        "genpkey".as_ref(),
        "-algorithm".as_ref(),
        "RSA".as_ref(),
        "-pkeyopt".as_ref(),
        "rsa_keygen_bits:1024".as_ref(),
        "-out".as_ref(),
        pem.as_os_str(),
    ]);
    // `genpkey -outform DER` writes PKCS#1; `pkcs8 -topk8` gives a PrivateKeyInfo.
    run(&[
        "pkcs8".as_ref(),
        "-topk8".as_ref(),
        "-nocrypt".as_ref(),
        "-in".as_ref(),
        pem.as_os_str(),
        "-outform".as_ref(),
        "DER".as_ref(),
        "-out".as_ref(),
        der.as_os_str(),
    ]);
    std::fs::read(der).unwrap()
}

#[test]
fn legacy_rsa_1024_key_goes_to_rustcrypto() {
    let pkcs8 = rsa_1024_pkcs8();
    let key = aws().private_key_from_pkcs8(&pkcs8).unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa { modulus_bits: 1024 });
    assert!(!is_aws_lc_key(key.as_ref()), "{key:?}");
    for scheme in [
        SignatureScheme::RsaPkcs1v15 {
            digest: DigestAlgorithm::Sha1,
        },
        SignatureScheme::RsaPkcs1v15 {
            digest: DigestAlgorithm::Sha256,
        },
        SignatureScheme::RsaPkcs1v15 {
            digest: DigestAlgorithm::Sha384,
        },
        SignatureScheme::rsa_pss(DigestAlgorithm::Sha256),
    ] {
        let digest = aws().digest(scheme.digest(), b"old mail").unwrap();
        let signature = key.sign_digest(scheme, &digest).unwrap();
        aws()
            .verify_digest(scheme, key.public_key(), &digest, &signature)
            .unwrap();
        let mut bad = signature.clone();
        bad[5] ^= 1;
        assert_eq!(
            aws().verify_digest(scheme, key.public_key(), &digest, &bad),
            Err(Error::BadSignature)
        );
    }
    let ciphertext = aws()
        .rsa_encrypt(RsaEncryptionPadding::Pkcs1v15, key.public_key(), &[9u8; 16])
        .unwrap();
    assert_eq!(ciphertext.len(), 128);
    assert_eq!(
        *key.decrypt_key(RsaEncryptionPadding::Pkcs1v15, &ciphertext, 16)
            .unwrap(),
        [9u8; 16]
    );
}

#[test]
fn ecdh_agrees_across_providers() {
    for curve in [EcCurve::P256, EcCurve::P384] {
        let (alice_aws, alice_rc) = both(&ec_pkcs8(curve));
        let (bob_aws, bob_rc) = both(&rc().generate_pkcs8(KeyKind::Ec { curve }).unwrap());
        let z = alice_aws.agree(bob_aws.public_key()).unwrap();
        assert_eq!(z.len(), curve.field_len());
        assert_eq!(*z, *alice_rc.agree(bob_rc.public_key()).unwrap());
        assert_eq!(*z, *bob_aws.agree(alice_aws.public_key()).unwrap());
        // The sender's side with an ephemeral key, checked by the other provider's recipient.
        let eph = aws().ecdh_ephemeral(bob_aws.public_key()).unwrap();
        assert_eq!(eph.public_key.kind(), KeyKind::Ec { curve });
        assert_eq!(*eph.shared_secret, *bob_rc.agree(&eph.public_key).unwrap());
        let eph2 = aws().ecdh_ephemeral(bob_aws.public_key()).unwrap();
        assert_ne!(eph.public_key, eph2.public_key, "a fresh key each time");
        let eph = rc().ecdh_ephemeral(alice_aws.public_key()).unwrap();
        assert_eq!(
            *eph.shared_secret,
            *alice_aws.agree(&eph.public_key).unwrap()
        );
    }
}

/// A tampered AES-GCM input: ciphertext, tag, AAD, nonce.
type Tampered = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

/// NIST SP 800-38D test case 2 (AES-128, zero key and IV, one zero block) and test case 4
/// from the GCM specification (AES-128, 60-byte plaintext, 20-byte AAD).
#[test]
fn aes_gcm_known_answers_and_truncated_tags() {
    let mut block = [0u8; 16];
    let tag = aws()
        .aead_seal_in_place(
            AeadCipher::Aes128Gcm,
            &[0; 16],
            &[0; 12],
            &[],
            &mut block,
            16,
        )
        .unwrap();
    assert_eq!(block.to_vec(), hex("0388dace60b6a392f328c2b971b2fe78"));
    assert_eq!(tag, hex("ab6e47d42cec13bdf53a67b21257bddf"));

    let key = hex("feffe9928665731c6d6a8f9467308308");
    let nonce = hex("cafebabefacedbaddecaf888");
    let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let plaintext = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    let ciphertext = hex(
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
    );
    let full_tag = hex("5bc94fbc3221a5db94fae95ae7121a47");
    for tag_len in 12..=16 {
        let mut buffer = plaintext.clone();
        let tag = aws()
            .aead_seal_in_place(
                AeadCipher::Aes128Gcm,
                &key,
                &nonce,
                &aad,
                &mut buffer,
                tag_len,
            )
            .unwrap();
        assert_eq!(buffer, ciphertext);
        assert_eq!(
            tag,
            full_tag[..tag_len],
            "a truncated tag is the full tag's prefix"
        );
        aws()
            .aead_open_in_place(AeadCipher::Aes128Gcm, &key, &nonce, &aad, &mut buffer, &tag)
            .unwrap();
        assert_eq!(buffer, plaintext, "tag length {tag_len}");
        // Every single-bit change in the tag, the ciphertext, the AAD or the nonce fails and
        // leaves a zeroed buffer.
        let cases: Vec<Tampered> = (0..tag_len * 8)
            .step_by(7)
            .map(|bit| {
                let mut t = tag.clone();
                t[bit / 8] ^= 1 << (bit % 8);
                (ciphertext.clone(), t, aad.clone(), nonce.clone())
            })
            .chain([0usize, 17, 59].into_iter().map(|i| {
                let mut c = ciphertext.clone();
                c[i] ^= 0x10;
                (c, tag.clone(), aad.clone(), nonce.clone())
            }))
            .chain(std::iter::once({
                let mut a = aad.clone();
                a[3] ^= 1;
                (ciphertext.clone(), tag.clone(), a, nonce.clone())
            }))
            .chain(std::iter::once({
                let mut n = nonce.clone();
                n[11] ^= 1;
                (ciphertext.clone(), tag.clone(), aad.clone(), n)
            }))
            .collect();
        for (mut c, t, a, n) in cases {
            assert_eq!(
                aws().aead_open_in_place(AeadCipher::Aes128Gcm, &key, &n, &a, &mut c, &t),
                Err(Error::IntegrityCheckFailed),
                "tag length {tag_len}"
            );
            assert!(
                c.iter().all(|b| *b == 0),
                "buffer zeroed (tag length {tag_len})"
            );
        }
    }
}

#[test]
fn aes_gcm_is_byte_identical_to_rustcrypto() {
    for (cipher, key_len) in [
        (AeadCipher::Aes128Gcm, 16),
        (AeadCipher::Aes192Gcm, 24),
        (AeadCipher::Aes256Gcm, 32),
    ] {
        let key: Vec<u8> = (0..key_len as u8).collect();
        let nonce = [0x5Au8; 12];
        for len in [0usize, 1, 15, 16, 17, 64, 1000] {
            let plaintext: Vec<u8> = (0..len).map(|i| (i * 31 % 256) as u8).collect();
            for tag_len in 12..=16 {
                let mut ours = plaintext.clone();
                let tag = aws()
                    .aead_seal_in_place(cipher, &key, &nonce, b"hdr", &mut ours, tag_len)
                    .unwrap();
                let mut theirs = plaintext.clone();
                let their_tag = rc()
                    .aead_seal_in_place(cipher, &key, &nonce, b"hdr", &mut theirs, tag_len)
                    .unwrap();
                assert_eq!(ours, theirs, "{cipher:?} len {len} tag {tag_len}");
                assert_eq!(tag, their_tag, "{cipher:?} len {len} tag {tag_len}");
                rc().aead_open_in_place(cipher, &key, &nonce, b"hdr", &mut theirs, &tag)
                    .unwrap();
                aws()
                    .aead_open_in_place(cipher, &key, &nonce, b"hdr", &mut ours, &their_tag)
                    .unwrap();
                assert_eq!(ours, plaintext);
                assert_eq!(theirs, plaintext);
            }
        }
    }
}

/// NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt), and the same bytes from both providers.
#[test]
fn aes_cbc_known_answer_and_byte_identical_to_rustcrypto() {
    let key = hex("2b7e151628aed2a6abf7158809cf4f3c");
    let iv = hex("000102030405060708090a0b0c0d0e0f");
    let plaintext = hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
    let ciphertext = aws()
        .cbc_encrypt(CbcCipher::Aes128, &key, &iv, &plaintext)
        .unwrap();
    assert_eq!(ciphertext.len(), 48, "a full block of padding");
    assert_eq!(
        ciphertext[..32],
        hex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2")
    );
    assert_eq!(
        *aws()
            .cbc_decrypt(CbcCipher::Aes128, &key, &iv, &ciphertext)
            .unwrap(),
        plaintext
    );

    for cipher in [
        CbcCipher::Aes128,
        CbcCipher::Aes192,
        CbcCipher::Aes256,
        CbcCipher::DesEde3,
    ] {
        let key: Vec<u8> = (0..cipher.key_len() as u8)
            .map(|b| b.wrapping_mul(37).wrapping_add(1))
            .collect();
        let iv = vec![0x24u8; cipher.block_len()];
        for len in 0..=40usize {
            let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let ours = aws().cbc_encrypt(cipher, &key, &iv, &plaintext).unwrap();
            let theirs = rc().cbc_encrypt(cipher, &key, &iv, &plaintext).unwrap();
            assert_eq!(ours, theirs, "{cipher:?} len {len}");
            assert_eq!(
                ours.len(),
                (len / cipher.block_len() + 1) * cipher.block_len()
            );
            assert_eq!(
                *aws().cbc_decrypt(cipher, &key, &iv, &theirs).unwrap(),
                plaintext
            );
        }
    }
}

#[test]
fn aes_cbc_bad_padding_is_decryption_failed() {
    let key = [3u8; 32];
    let iv = [4u8; 16];
    let ciphertext = aws()
        .cbc_encrypt(CbcCipher::Aes256, &key, &iv, b"twelve bytes")
        .unwrap();
    // Changing byte i of the IV changes byte i of the (single) plaintext block: hit the
    // padding (last 4 bytes) at each position, and make the pad byte 0 or too large.
    for (position, xor) in [
        (12usize, 1u8),
        (13, 1),
        (14, 1),
        (15, 0x04),
        (15, 0x14),
        (15, 0x01),
    ] {
        let mut bad_iv = iv;
        bad_iv[position] ^= xor;
        assert_eq!(
            aws()
                .cbc_decrypt(CbcCipher::Aes256, &key, &bad_iv, &ciphertext)
                .map(|_| ()),
            Err(Error::DecryptionFailed),
            "IV byte {position} ^ {xor:#x}"
        );
    }
    // One xor that turns `04 04 04 04` into `.. .. .. 01`: a valid padding, 15 bytes out.
    let mut iv_one = iv;
    iv_one[15] ^= 0x04 ^ 0x01;
    assert_eq!(
        aws()
            .cbc_decrypt(CbcCipher::Aes256, &key, &iv_one, &ciphertext)
            .unwrap()
            .len(),
        15
    );
}

/// RFC 3394 §4.1–4.3 (the AES-192 key-encryption key goes through RustCrypto).
#[test]
fn key_wrap_known_answers() {
    let key = hex("00112233445566778899AABBCCDDEEFF");
    for (kek, wrapped) in [
        (
            "000102030405060708090A0B0C0D0E0F",
            "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5",
        ),
        (
            "000102030405060708090A0B0C0D0E0F1011121314151617",
            "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D",
        ),
        (
            "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
            "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7",
        ),
    ] {
        let kek = hex(kek);
        let wrapped = hex(wrapped);
        assert_eq!(aws().key_wrap(&kek, &key).unwrap(), wrapped);
        assert_eq!(*aws().key_unwrap(&kek, &wrapped).unwrap(), key);
        for position in [0, 8, 23] {
            let mut bad = wrapped.clone();
            bad[position] ^= 1;
            assert_eq!(
                aws().key_unwrap(&kek, &bad).map(|_| ()),
                Err(Error::IntegrityCheckFailed)
            );
        }
    }
    // RFC 3394 §4.6: a 256-bit key under a 256-bit KEK, and the same bytes from RustCrypto.
    let kek: Vec<u8> = (0..32).collect();
    let key = hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
    let wrapped = aws().key_wrap(&kek, &key).unwrap();
    assert_eq!(
        wrapped,
        hex("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21")
    );
    assert_eq!(wrapped, rc().key_wrap(&kek, &key).unwrap());
    assert_eq!(
        aws().key_unwrap(&[0u8; 24], &[0u8; 12]).map(|_| ()),
        Err(Error::InvalidLength {
            what: "wrapped key",
            len: 12
        })
    );
    assert_eq!(
        aws().key_unwrap(&[0u8; 20], &[0u8; 24]).map(|_| ()),
        Err(Error::InvalidLength {
            what: "key-encryption key",
            len: 20
        })
    );
}

#[test]
fn random_bytes_are_random() {
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    aws().fill_random(&mut a).unwrap();
    aws().fill_random(&mut b).unwrap();
    assert_ne!(a, b);
    assert_ne!(a, [0u8; 32]);
    aws().fill_random(&mut []).unwrap();
}

/// RFC 5915 §3 lets the curve sit in the inner `ECPrivateKey` rather than in the PKCS#8
/// `privateKeyAlgorithm` parameters, which AWS-LC alone refuses; such a key loads here.
#[test]
fn ec_key_with_the_curve_only_in_ec_private_key() {
    use der::{Decode, Encode};
    for curve in [EcCurve::P256, EcCurve::P384] {
        let pkcs8 = ec_pkcs8(curve);
        let info = pkcs8::PrivateKeyInfoRef::from_der(&pkcs8).unwrap();
        let inner = sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).unwrap();
        let inner = sec1::EcPrivateKey {
            private_key: inner.private_key,
            parameters: Some(sec1::EcParameters::NamedCurve(curve.oid())),
            public_key: inner.public_key,
        }
        .to_der()
        .unwrap();
        let reencoded = pkcs8::PrivateKeyInfoRef {
            algorithm: spki::AlgorithmIdentifierRef {
                oid: const_oid::db::rfc5912::ID_EC_PUBLIC_KEY,
                parameters: None,
            },
            private_key: der::asn1::OctetStringRef::new(&inner).unwrap(),
            public_key: None,
        }
        .to_der()
        .unwrap();
        let a = aws().private_key_from_pkcs8(&reencoded).unwrap();
        assert!(is_aws_lc_key(a.as_ref()));
        assert_eq!(a.kind(), KeyKind::Ec { curve });
        let original = aws().private_key_from_pkcs8(&pkcs8).unwrap();
        assert_eq!(a.public_key(), original.public_key());
        let digest = [7u8; 32];
        let scheme = SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha256,
        };
        let signature = a.sign_digest(scheme, &digest).unwrap();
        rc().verify_digest(scheme, original.public_key(), &digest, &signature)
            .unwrap();
    }
}
