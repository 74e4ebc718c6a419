//! Project Wycheproof vectors (`../shared/corpus/wycheproof`) through every provider.
//!
//! Each test reads every vector of its file. A vector passes when the outcome is what
//! Wycheproof expects, or what [`EXCEPTIONS`] records for it (with the reason); any other
//! outcome fails the test — an unexpected success too.
// Tests unwrap and index freely: a panic is a test failure with a clear location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use smime_crypto::{
    AeadCipher, CbcCipher, CryptoProvider, DigestAlgorithm, Error, PublicKey, RsaEncryptionPadding,
    SignatureScheme,
};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/wycheproof/testvectors_v1"
);

/// Deliberate deviations from Wycheproof's expectations: (file, flag, what we do, why).
const EXCEPTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "rsa_pkcs1_2048_test.json",
        "empty message",
        "InvalidLength for key_len 0",
        "decrypt_key returns content-encryption keys; a 0-byte key is refused before decryption",
    ),
    (
        "rsa_oaep_*",
        "EncryptionWithLabel",
        "DecryptionFailed",
        "CMS (RFC 8551 §2.3, RFC 4055 §4.1) uses the empty label; labels are not supported",
    ),
    (
        "aes_gcm_test.json",
        "ivSize != 96",
        "InvalidLength { what: \"AES-GCM nonce\" }",
        "only 12-byte nonces are in scope (RFC 5084 §3.2 recommends 12; other lengths go \
         through GHASH, the CounterWrap/LongIv attack surface)",
    ),
    (
        "aes_wrap_test.json",
        "ShortKey (acceptable)",
        "InvalidLength",
        "RFC 3394 §2.2.1 needs n >= 2 64-bit blocks; CMS never wraps 8-byte keys",
    ),
];

fn load(file: &str) -> Value {
    let path = format!("{CORPUS}/{file}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn hex_field(test: &Value, field: &str) -> Vec<u8> {
    hex::decode(
        test[field]
            .as_str()
            .unwrap_or_else(|| panic!("no {field} in {test}")),
    )
    .unwrap()
}

/// Every (group, test) pair of a file, with the count checked against `numberOfTests`.
fn vectors(file: &str) -> Vec<(Value, Value)> {
    let doc = load(file);
    let mut out = Vec::new();
    for group in doc["testGroups"].as_array().unwrap() {
        for test in group["tests"].as_array().unwrap() {
            out.push((group.clone(), test.clone()));
        }
    }
    assert_eq!(
        out.len() as u64,
        doc["numberOfTests"].as_u64().unwrap(),
        "{file}"
    );
    out
}

fn flags(test: &Value) -> Vec<&str> {
    test["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect()
}

fn id(file: &str, test: &Value, provider: &dyn CryptoProvider) -> String {
    format!(
        "{file} tcId {} ({}) [{}]",
        test["tcId"],
        test["comment"],
        provider.name()
    )
}

#[test]
fn exceptions_are_documented() {
    for (file, flag, outcome, reason) in EXCEPTIONS {
        assert!(!file.is_empty() && !flag.is_empty() && !outcome.is_empty() && reason.len() > 20);
    }
}

#[test]
fn ecdsa_secp256r1_sha256() {
    let file = "ecdsa_secp256r1_sha256_test.json";
    let scheme = SignatureScheme::Ecdsa {
        digest: DigestAlgorithm::Sha256,
    };
    let (mut valid, mut invalid) = (0, 0);
    for provider in smime_crypto::all_providers() {
        for (group, test) in vectors(file) {
            let key = PublicKey::from_spki_der(&hex_field(&group, "publicKeyDer")).unwrap();
            let digest = provider
                .digest(DigestAlgorithm::Sha256, &hex_field(&test, "msg"))
                .unwrap();
            let result = provider.verify_digest(scheme, &key, &digest, &hex_field(&test, "sig"));
            match test["result"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(result, Ok(()), "{}", id(file, &test, provider));
                    valid += 1;
                }
                "invalid" => {
                    assert_eq!(
                        result,
                        Err(Error::BadSignature),
                        "{} {:?}",
                        id(file, &test, provider),
                        flags(&test)
                    );
                    invalid += 1;
                }
                other => panic!("unexpected result {other}"),
            }
        }
    }
    let n = smime_crypto::all_providers().len();
    assert_eq!((valid, invalid), (174 * n, 310 * n));
}

#[test]
fn rsa_pkcs1_2048_decrypt_key() {
    let file = "rsa_pkcs1_2048_test.json";
    for provider in smime_crypto::all_providers() {
        let mut invalid_outcomes = Vec::new();
        for (group, test) in vectors(file) {
            let key = provider
                .private_key_from_pkcs8(&hex_field(&group, "privateKeyPkcs8"))
                .unwrap();
            let ct = hex_field(&test, "ct");
            let msg = hex_field(&test, "msg");
            let name = id(file, &test, provider);
            let result = key.decrypt_key(RsaEncryptionPadding::Pkcs1v15, &ct, msg.len());
            if ct.len() != 256 {
                // A ciphertext of the wrong length is wrong in public: a typed error.
                assert_eq!(test["result"], "invalid", "{name}");
                assert_eq!(
                    result.map(|_| ()),
                    Err(Error::InvalidLength {
                        what: "RSA ciphertext",
                        len: ct.len()
                    }),
                    "{name}"
                );
                continue;
            }
            match test["result"].as_str().unwrap() {
                "valid" if msg.is_empty() => {
                    // Exception "empty message".
                    assert_eq!(
                        result.map(|_| ()),
                        Err(Error::InvalidLength {
                            what: "content-encryption key",
                            len: 0
                        }),
                        "{name}"
                    );
                }
                "valid" => assert_eq!(*result.unwrap(), msg, "{name}"),
                "invalid" => {
                    // Implicit rejection: no error, a key of the requested length, not the
                    // message, and the same key again for the same ciphertext.
                    let out = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert_eq!(out.len(), msg.len(), "{name}");
                    assert_ne!(*out, msg, "{name}");
                    let again = key
                        .decrypt_key(RsaEncryptionPadding::Pkcs1v15, &ct, msg.len())
                        .unwrap();
                    assert_eq!(*out, *again, "{name}");
                    // With another requested length, another key of that length.
                    let longer = key
                        .decrypt_key(RsaEncryptionPadding::Pkcs1v15, &ct, 32)
                        .unwrap();
                    assert_eq!(longer.len(), 32, "{name}");
                    invalid_outcomes.push(out);
                }
                other => panic!("unexpected result {other}"),
            }
        }
        // 19 bad paddings + c = n (a ciphertext of the right length that is not reduced).
        assert_eq!(invalid_outcomes.len(), 20);
        // The substitutes differ from each other (they depend on the ciphertext).
        let distinct: std::collections::HashSet<Vec<u8>> =
            invalid_outcomes.iter().map(|k| k.to_vec()).collect();
        assert_eq!(distinct.len(), invalid_outcomes.len());
    }
}

fn rsa_oaep(file: &str, digest: DigestAlgorithm, expected_counts: (usize, usize, usize)) {
    let padding = RsaEncryptionPadding::Oaep {
        digest,
        mgf_digest: digest,
    };
    for provider in smime_crypto::all_providers() {
        let mut counts = (0, 0, 0);
        for (group, test) in vectors(file) {
            let key = provider
                .private_key_from_pkcs8(&hex_field(&group, "privateKeyPkcs8"))
                .unwrap();
            let ct = hex_field(&test, "ct");
            let msg = hex_field(&test, "msg");
            let name = id(file, &test, provider);
            let result = key.decrypt_key(padding, &ct, msg.len());
            if ct.len() != 256 {
                assert_eq!(test["result"], "invalid", "{name}");
                assert_eq!(
                    result.map(|_| ()),
                    Err(Error::InvalidLength {
                        what: "RSA ciphertext",
                        len: ct.len()
                    }),
                    "{name}"
                );
                continue;
            }
            match test["result"].as_str().unwrap() {
                "valid" if flags(&test).contains(&"EncryptionWithLabel") => {
                    // Exception "EncryptionWithLabel".
                    assert_eq!(result.map(|_| ()), Err(Error::DecryptionFailed), "{name}");
                    counts.1 += 1;
                }
                "valid" => {
                    assert_eq!(
                        *result.unwrap_or_else(|e| panic!("{name}: {e}")),
                        msg,
                        "{name}"
                    );
                    counts.0 += 1;
                }
                "invalid" => {
                    // Every bad padding gives the same error, saying nothing more.
                    assert_eq!(result.map(|_| ()), Err(Error::DecryptionFailed), "{name}");
                    counts.2 += 1;
                }
                other => panic!("unexpected result {other}"),
            }
        }
        // (decrypted, labelled, rejected)
        assert_eq!(counts, expected_counts);
    }
}

#[test]
fn rsa_oaep_2048_sha1() {
    rsa_oaep(
        "rsa_oaep_2048_sha1_mgf1sha1_test.json",
        DigestAlgorithm::Sha1,
        (10, 7, 14),
    );
}

#[test]
fn rsa_oaep_2048_sha256() {
    rsa_oaep(
        "rsa_oaep_2048_sha256_mgf1sha256_test.json",
        DigestAlgorithm::Sha256,
        (10, 8, 14),
    );
}

fn gcm_cipher(key_len: usize) -> AeadCipher {
    match key_len {
        16 => AeadCipher::Aes128Gcm,
        24 => AeadCipher::Aes192Gcm,
        32 => AeadCipher::Aes256Gcm,
        other => panic!("key length {other}"),
    }
}

#[test]
fn aes_gcm() {
    let file = "aes_gcm_test.json";
    for provider in smime_crypto::all_providers() {
        let mut in_scope = 0;
        for (_group, test) in vectors(file) {
            let name = id(file, &test, provider);
            let key = hex_field(&test, "key");
            let iv = hex_field(&test, "iv");
            let aad = hex_field(&test, "aad");
            let msg = hex_field(&test, "msg");
            let ct = hex_field(&test, "ct");
            let tag = hex_field(&test, "tag");
            let cipher = gcm_cipher(key.len());
            if iv.len() != 12 {
                // Exception "ivSize != 96": a typed error, whatever the vector's result.
                let mut buffer = msg.clone();
                assert_eq!(
                    provider.aead_seal_in_place(cipher, &key, &iv, &aad, &mut buffer, tag.len()),
                    Err(Error::InvalidLength {
                        what: "AES-GCM nonce",
                        len: iv.len()
                    }),
                    "{name}"
                );
                let mut buffer = ct.clone();
                assert_eq!(
                    provider.aead_open_in_place(cipher, &key, &iv, &aad, &mut buffer, &tag),
                    Err(Error::InvalidLength {
                        what: "AES-GCM nonce",
                        len: iv.len()
                    }),
                    "{name}"
                );
                continue;
            }
            in_scope += 1;
            match test["result"].as_str().unwrap() {
                "valid" => {
                    let mut buffer = msg.clone();
                    let sealed_tag = provider
                        .aead_seal_in_place(cipher, &key, &iv, &aad, &mut buffer, tag.len())
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert_eq!(buffer, ct, "{name}");
                    assert_eq!(sealed_tag, tag, "{name}");
                    let mut buffer = ct.clone();
                    provider
                        .aead_open_in_place(cipher, &key, &iv, &aad, &mut buffer, &tag)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert_eq!(buffer, msg, "{name}");
                    // Out of place, into a separate buffer.
                    let mut out = vec![0xa5; ct.len()];
                    provider
                        .aead_open_into(cipher, &key, &iv, &aad, &ct, &tag, &mut out)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert_eq!(out, msg, "{name}");
                    // A 12-byte truncation of the tag (RFC 5084 allows 12..16) verifies too.
                    let mut buffer = msg.clone();
                    let short = provider
                        .aead_seal_in_place(cipher, &key, &iv, &aad, &mut buffer, 12)
                        .unwrap();
                    assert_eq!(short, tag[..12], "{name}");
                    let mut buffer = ct.clone();
                    provider
                        .aead_open_in_place(cipher, &key, &iv, &aad, &mut buffer, &tag[..12])
                        .unwrap();
                    assert_eq!(buffer, msg, "{name}");
                    let mut out = vec![0xa5; ct.len()];
                    provider
                        .aead_open_into(cipher, &key, &iv, &aad, &ct, &tag[..12], &mut out)
                        .unwrap();
                    assert_eq!(out, msg, "{name}");
                }
                "invalid" => {
                    let mut buffer = ct.clone();
                    assert_eq!(
                        provider.aead_open_in_place(cipher, &key, &iv, &aad, &mut buffer, &tag),
                        Err(Error::IntegrityCheckFailed),
                        "{name}"
                    );
                    assert!(buffer.iter().all(|b| *b == 0), "{name}: buffer not zeroed");
                    let mut out = vec![0xa5; ct.len()];
                    assert_eq!(
                        provider.aead_open_into(cipher, &key, &iv, &aad, &ct, &tag, &mut out),
                        Err(Error::IntegrityCheckFailed),
                        "{name}"
                    );
                    assert!(out.iter().all(|b| *b == 0), "{name}: output not zeroed");
                }
                other => panic!("unexpected result {other}"),
            }
        }
        assert_eq!(in_scope, 197, "vectors with 12-byte nonces");
    }
}

fn wrap_kek_ok(kek: &[u8]) -> bool {
    matches!(kek.len(), 16 | 24 | 32)
}

#[test]
fn aes_wrap() {
    let file = "aes_wrap_test.json";
    for provider in smime_crypto::all_providers() {
        for (_group, test) in vectors(file) {
            let name = id(file, &test, provider);
            let kek = hex_field(&test, "key");
            assert!(wrap_kek_ok(&kek));
            let msg = hex_field(&test, "msg");
            let ct = hex_field(&test, "ct");
            match test["result"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(
                        provider
                            .key_wrap(&kek, &msg)
                            .unwrap_or_else(|e| panic!("{name}: {e}")),
                        ct,
                        "{name}"
                    );
                    assert_eq!(
                        *provider
                            .key_unwrap(&kek, &ct)
                            .unwrap_or_else(|e| panic!("{name}: {e}")),
                        msg,
                        "{name}"
                    );
                }
                "acceptable" => {
                    // Exception "ShortKey (acceptable)".
                    assert_eq!(flags(&test), ["ShortKey"], "{name}");
                    assert_eq!(
                        provider.key_wrap(&kek, &msg),
                        Err(Error::InvalidLength {
                            what: "key to wrap",
                            len: 8
                        }),
                        "{name}"
                    );
                    assert_eq!(
                        provider.key_unwrap(&kek, &ct).map(|_| ()),
                        Err(Error::InvalidLength {
                            what: "wrapped key",
                            len: 16
                        }),
                        "{name}"
                    );
                }
                "invalid" => {
                    let unwrapped = provider.key_unwrap(&kek, &ct).map(|_| ());
                    if ct.len() < 24 || !ct.len().is_multiple_of(8) {
                        assert_eq!(
                            unwrapped,
                            Err(Error::InvalidLength {
                                what: "wrapped key",
                                len: ct.len()
                            }),
                            "{name}"
                        );
                    } else {
                        assert_eq!(unwrapped, Err(Error::IntegrityCheckFailed), "{name}");
                    }
                    if flags(&test)
                        .iter()
                        .any(|f| matches!(*f, "WrongDataSize" | "EmptyKey" | "ShortKey"))
                    {
                        assert_eq!(
                            provider.key_wrap(&kek, &msg),
                            Err(Error::InvalidLength {
                                what: "key to wrap",
                                len: msg.len()
                            }),
                            "{name}"
                        );
                    }
                }
                other => panic!("unexpected result {other}"),
            }
        }
    }
}

#[test]
fn aes_cbc_pkcs5() {
    let file = "aes_cbc_pkcs5_test.json";
    for provider in smime_crypto::all_providers() {
        for (_group, test) in vectors(file) {
            let name = id(file, &test, provider);
            let key = hex_field(&test, "key");
            let iv = hex_field(&test, "iv");
            let msg = hex_field(&test, "msg");
            let ct = hex_field(&test, "ct");
            let cipher = match key.len() {
                16 => CbcCipher::Aes128,
                24 => CbcCipher::Aes192,
                32 => CbcCipher::Aes256,
                other => panic!("key length {other}"),
            };
            match test["result"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(
                        provider.cbc_encrypt(cipher, &key, &iv, &msg).unwrap(),
                        ct,
                        "{name}"
                    );
                    assert_eq!(
                        *provider.cbc_decrypt(cipher, &key, &iv, &ct).unwrap(),
                        msg,
                        "{name}"
                    );
                }
                "invalid" => {
                    let result = provider.cbc_decrypt(cipher, &key, &iv, &ct).map(|_| ());
                    if ct.is_empty() || !ct.len().is_multiple_of(16) {
                        assert_eq!(
                            result,
                            Err(Error::InvalidLength {
                                what: "CBC ciphertext",
                                len: ct.len()
                            }),
                            "{name}"
                        );
                    } else {
                        assert_eq!(result, Err(Error::DecryptionFailed), "{name}");
                    }
                }
                other => panic!("unexpected result {other}"),
            }
        }
    }
}
