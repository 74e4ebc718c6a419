//! Key loading against files written by the `openssl` CLI: every encoding, encrypted and
//! not, and the typed errors for what is not a supported key.
// Tests unwrap and index freely: a panic is a test failure with a clear location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod openssl_cli;

use std::time::{Duration, Instant};

use der::Encode;
use openssl_cli::Workdir;
use smime_crypto::load::{MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_MEMORY};
use smime_crypto::{EcCurve, Error, KeyKind, PublicKey};

const PASSWORD: &str = "correct horse";

/// Loads `data` with every provider and checks the key's public half against `spki_der`.
fn assert_loads(data: &[u8], password: Option<&str>, spki_der: &[u8], kind: KeyKind, what: &str) {
    let password = password.map(str::as_bytes);
    let pkcs8 = smime_crypto::private_key_to_pkcs8(data, password)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    for provider in smime_crypto::all_providers() {
        let key = smime_crypto::load_private_key(provider, data, password)
            .unwrap_or_else(|e| panic!("{what} [{}]: {e}", provider.name()));
        assert_eq!(key.kind(), kind, "{what}");
        assert_eq!(
            key.public_key().spki_der(),
            spki_der,
            "{what} [{}]",
            provider.name()
        );
        // The PKCS#8 we produce loads the same key.
        let again = provider.private_key_from_pkcs8(&pkcs8).unwrap();
        assert_eq!(again.public_key(), key.public_key());
    }
}

#[test]
fn rsa_key_in_every_encoding() {
    let w = Workdir::new();
    w.openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "key.pem",
    ]);
    w.openssl(&[
        "pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der",
    ]);
    w.openssl(&[
        "pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "key8.der",
    ]);
    w.openssl(&["pkey", "-in", "key.pem", "-traditional", "-out", "key1.pem"]);
    w.openssl(&[
        "rsa",
        "-in",
        "key.pem",
        "-traditional",
        "-outform",
        "DER",
        "-out",
        "key1.der",
    ]);
    let spki = w.read("pub.der");
    let pkcs8 = w.read("key8.der");
    let kind = KeyKind::Rsa { modulus_bits: 2048 };
    assert!(
        String::from_utf8(w.read("key1.pem"))
            .unwrap()
            .starts_with("-----BEGIN RSA PRIVATE KEY-----")
    );
    for file in ["key.pem", "key8.der", "key1.pem", "key1.der"] {
        assert_loads(&w.read(file), None, &spki, kind, file);
        // Our PKCS#8 is byte for byte what OpenSSL writes for the same key.
        assert_eq!(
            *smime_crypto::private_key_to_pkcs8(&w.read(file), None).unwrap(),
            pkcs8,
            "{file}"
        );
    }

    // Encrypted PKCS#8 (PBES2) with every KDF and cipher OpenSSL offers for it.
    let pass = format!("pass:{PASSWORD}");
    let variants: &[(&str, &[&str])] = &[
        (
            "aes256-sha256.pem",
            &["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256"],
        ),
        (
            "aes128-sha1.pem",
            &["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"],
        ),
        (
            "aes192-sha512.pem",
            &["-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA512"],
        ),
        ("des3-sha256.pem", &["-v2", "des3"]),
        ("des3-sha1.pem", &["-v2", "des3", "-v2prf", "hmacWithSHA1"]),
        ("scrypt.pem", &["-scrypt"]),
        (
            "aes256-iter100k.pem",
            &["-v2", "aes-256-cbc", "-iter", "100000"],
        ),
        (
            "aes256-sha256.der",
            &["-v2", "aes-256-cbc", "-outform", "DER"],
        ),
    ];
    for (file, options) in variants {
        let mut args = vec![
            "pkcs8", "-topk8", "-in", "key.pem", "-passout", &pass, "-out", file,
        ];
        args.extend_from_slice(options);
        w.openssl(&args);
        let data = w.read(file);
        assert_loads(&data, Some(PASSWORD), &spki, kind, file);
        assert_eq!(
            *smime_crypto::private_key_to_pkcs8(&data, Some(PASSWORD.as_bytes())).unwrap(),
            pkcs8
        );
        assert_eq!(
            smime_crypto::private_key_to_pkcs8(&data, Some(b"wrong password")).map(|_| ()),
            Err(Error::KeyDecryption),
            "{file}"
        );
        assert_eq!(
            smime_crypto::private_key_to_pkcs8(&data, None).map(|_| ()),
            Err(Error::PasswordRequired),
            "{file}"
        );
    }

    // Legacy OpenSSL PEM encryption (Proc-Type/DEK-Info) is named, not mistaken for garbage.
    w.openssl(&[
        "pkey",
        "-in",
        "key.pem",
        "-traditional",
        "-aes256",
        "-passout",
        &pass,
        "-out",
        "legacy.pem",
    ]);
    let err = smime_crypto::private_key_to_pkcs8(&w.read("legacy.pem"), Some(PASSWORD.as_bytes()))
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnsupportedAlgorithm(m) if m.contains("DEK-Info")),
        "{err:?}"
    );

    // Public keys: SubjectPublicKeyInfo PEM/DER and PKCS#1 RSAPublicKey.
    w.openssl(&["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    w.openssl(&[
        "rsa",
        "-in",
        "key.pem",
        "-RSAPublicKey_out",
        "-out",
        "rsapub.pem",
    ]);
    w.openssl(&[
        "rsa",
        "-in",
        "key.pem",
        "-RSAPublicKey_out",
        "-outform",
        "DER",
        "-out",
        "rsapub.der",
    ]);
    for file in ["pub.pem", "pub.der", "rsapub.pem", "rsapub.der"] {
        let key =
            smime_crypto::load_public_key(&w.read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key.spki_der(), spki, "{file}");
        assert_eq!(key.kind(), kind);
    }
    // A public key is not a private key.
    assert_eq!(
        smime_crypto::private_key_to_pkcs8(&w.read("pub.pem"), None).map(|_| ()),
        Err(Error::NoKeyFound("PUBLIC KEY".into()))
    );
    assert_eq!(
        smime_crypto::private_key_to_pkcs8(&w.read("pub.der"), None).map(|_| ()),
        Err(Error::NoKeyFound(
            "DER public key (SubjectPublicKeyInfo)".into()
        ))
    );
}

#[test]
fn ec_keys_in_every_encoding() {
    for (curve, name) in [(EcCurve::P256, "prime256v1"), (EcCurve::P384, "secp384r1")] {
        let w = Workdir::new();
        // `ecparam -genkey` writes an EC PARAMETERS block before the SEC1 key.
        w.openssl(&["ecparam", "-name", name, "-genkey", "-out", "sec1.pem"]);
        let text = String::from_utf8(w.read("sec1.pem")).unwrap();
        assert!(text.starts_with("-----BEGIN EC PARAMETERS-----"), "{text}");
        w.openssl(&[
            "ec", "-in", "sec1.pem", "-outform", "DER", "-out", "sec1.der",
        ]);
        w.openssl(&["pkey", "-in", "sec1.pem", "-out", "pkcs8.pem"]);
        w.openssl(&[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "sec1.pem",
            "-outform",
            "DER",
            "-out",
            "pkcs8.der",
        ]);
        w.openssl(&[
            "pkey", "-in", "sec1.pem", "-pubout", "-outform", "DER", "-out", "pub.der",
        ]);
        w.openssl(&[
            "pkcs8",
            "-topk8",
            "-in",
            "sec1.pem",
            "-v2",
            "aes-256-cbc",
            "-passout",
            &format!("pass:{PASSWORD}"),
            "-out",
            "enc.pem",
        ]);
        let spki = w.read("pub.der");
        let kind = KeyKind::Ec { curve };
        for file in ["sec1.pem", "sec1.der", "pkcs8.pem", "pkcs8.der"] {
            assert_loads(&w.read(file), None, &spki, kind, file);
        }
        assert_loads(&w.read("enc.pem"), Some(PASSWORD), &spki, kind, "enc.pem");
        // SEC1 converted to PKCS#8 is what OpenSSL writes for the same key.
        assert_eq!(
            *smime_crypto::private_key_to_pkcs8(&w.read("sec1.der"), None).unwrap(),
            w.read("pkcs8.der")
        );
        assert_eq!(smime_crypto::load_public_key(&spki).unwrap().kind(), kind);
    }
}

#[test]
fn unsupported_keys_are_named() {
    let w = Workdir::new();
    let cases: &[(&[&str], Error)] = &[
        (
            &["genpkey", "-algorithm", "ed25519", "-out", "k.pem"],
            Error::UnsupportedKey("Ed25519".into()),
        ),
        (
            &["genpkey", "-algorithm", "x25519", "-out", "k.pem"],
            Error::UnsupportedKey("X25519".into()),
        ),
        (
            &["genpkey", "-algorithm", "ed448", "-out", "k.pem"],
            Error::UnsupportedKey("Ed448".into()),
        ),
        (
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:secp256k1",
                "-out",
                "k.pem",
            ],
            Error::UnsupportedKey("EC key on curve secp256k1".into()),
        ),
        (
            &[
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-param_enc",
                "explicit",
                "-out",
                "k.pem",
            ],
            Error::UnsupportedKey("EC key with explicit curve parameters".into()),
        ),
        (
            &[
                "genpkey",
                "-algorithm",
                "RSA-PSS",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                "k.pem",
            ],
            Error::UnsupportedKey("RSASSA-PSS-restricted RSA (id-RSASSA-PSS)".into()),
        ),
    ];
    for (args, expected) in cases {
        w.openssl(args);
        let pem = w.read("k.pem");
        assert_eq!(
            smime_crypto::private_key_to_pkcs8(&pem, None).map(|_| ()),
            Err(expected.clone()),
            "{args:?}"
        );
        // The same in PKCS#8 DER.
        w.openssl(&[
            "pkcs8", "-topk8", "-nocrypt", "-in", "k.pem", "-outform", "DER", "-out", "k.der",
        ]);
        assert_eq!(
            smime_crypto::private_key_to_pkcs8(&w.read("k.der"), None).map(|_| ()),
            Err(expected.clone()),
            "{args:?} DER"
        );
        for provider in smime_crypto::all_providers() {
            assert_eq!(
                smime_crypto::load_private_key(provider, &pem, None).map(|_| ()),
                Err(expected.clone())
            );
        }
    }
}

#[test]
fn key_in_a_file_with_certificates() {
    let w = Workdir::new();
    w.openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
        "-subj",
        "/CN=bundle test",
        "-days",
        "2",
    ]);
    w.openssl(&[
        "x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der",
    ]);
    w.openssl(&[
        "pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der",
    ]);
    let spki = w.read("pub.der");
    // What `openssl pkcs12 -nodes` prints: "Bag Attributes" text around a certificate and a key.
    w.openssl(&[
        "pkcs12", "-export", "-in", "cert.pem", "-inkey", "key.pem", "-passout", "pass:p", "-out",
        "b.p12",
    ]);
    w.openssl(&[
        "pkcs12",
        "-in",
        "b.p12",
        "-nodes",
        "-passin",
        "pass:p",
        "-out",
        "bundle.pem",
    ]);
    let bundle = w.read("bundle.pem");
    assert!(String::from_utf8_lossy(&bundle).contains("Bag Attributes"));
    assert_loads(
        &bundle,
        None,
        &spki,
        KeyKind::Rsa { modulus_bits: 2048 },
        "bundle.pem",
    );
    // Certificate first, then key, concatenated by hand (and with CRLF line endings).
    let mut concatenated = w.read("cert.pem");
    concatenated.extend_from_slice(&w.read("key.pem"));
    assert_loads(
        &concatenated,
        None,
        &spki,
        KeyKind::Rsa { modulus_bits: 2048 },
        "cert+key",
    );
    let crlf = String::from_utf8(concatenated)
        .unwrap()
        .replace('\n', "\r\n");
    assert_loads(
        crlf.as_bytes(),
        None,
        &spki,
        KeyKind::Rsa { modulus_bits: 2048 },
        "cert+key CRLF",
    );
    // The public key of a certificate, PEM or DER, and of a bundle.
    for data in [w.read("cert.pem"), w.read("cert.der"), bundle] {
        assert_eq!(
            smime_crypto::load_public_key(&data).unwrap().spki_der(),
            spki
        );
    }
    // A certificate alone holds no private key: the error says what was found.
    assert_eq!(
        smime_crypto::private_key_to_pkcs8(&w.read("cert.pem"), None).map(|_| ()),
        Err(Error::NoKeyFound("CERTIFICATE".into()))
    );
    let mut two = w.read("cert.pem");
    two.extend_from_slice(&w.read("cert.pem"));
    assert_eq!(
        smime_crypto::private_key_to_pkcs8(&two, None).map(|_| ()),
        Err(Error::NoKeyFound("CERTIFICATE, CERTIFICATE".into()))
    );
    assert_eq!(
        smime_crypto::private_key_to_pkcs8(&w.read("cert.der"), None).map(|_| ()),
        Err(Error::NoKeyFound("DER certificate".into()))
    );
}

#[test]
fn garbage_gives_typed_errors() {
    let cases: &[&[u8]] = &[
        b"",
        b"hello world",
        &[0x30, 0x03, 0x02, 0x01],
        &[0x30, 0x80, 0x00, 0x00],
        &[0xff; 64],
        b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----\n",
        b"-----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n",
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n",
        b"-----BEGIN PRIVATE KEY-----\nMAA=\n",
        b"-----BEGIN PRIVATE KEY",
    ];
    for data in cases {
        let err = smime_crypto::private_key_to_pkcs8(data, Some(b"pw")).unwrap_err();
        assert!(
            matches!(err, Error::MalformedKey(_)),
            "{:?}: {err:?}",
            String::from_utf8_lossy(data)
        );
        assert!(smime_crypto::load_public_key(data).is_err());
    }
    assert_eq!(
        smime_crypto::private_key_to_pkcs8(
            b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
            None
        )
        .map(|_| ()),
        Err(Error::UnsupportedKey(
            "OpenSSH private key format (convert with `ssh-keygen -p -m PKCS8`)".into()
        ))
    );
    assert_eq!(
        smime_crypto::private_key_to_pkcs8(
            b"no pem here\n-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n",
            None
        )
        .map(|_| ()),
        Err(Error::NoKeyFound("X509 CRL".into()))
    );
}

/// An `EncryptedPrivateKeyInfo` with the given PBES2 parameters and junk ciphertext.
fn encrypted_with(params: pkcs5::pbes2::Parameters) -> Vec<u8> {
    let junk = [0x42u8; 48];
    pkcs8::EncryptedPrivateKeyInfoRef {
        encryption_algorithm: pkcs5::EncryptionScheme::Pbes2(params),
        encrypted_data: der::asn1::OctetStringRef::new(&junk).unwrap(),
    }
    .to_der()
    .unwrap()
}

#[test]
fn password_hashing_budgets_are_enforced_before_any_work() {
    let iv = [7u8; 16];
    let mut pbkdf2 =
        pkcs5::pbes2::Pbkdf2Params::hmac_sha256(MAX_PBKDF2_ITERATIONS, &[1u8; 16]).unwrap();
    // At the limit: the derivation runs (and the junk does not decrypt).
    let at_limit = encrypted_with(pkcs5::pbes2::Parameters {
        kdf: pkcs5::pbes2::Kdf::Pbkdf2(pbkdf2),
        encryption: pkcs5::pbes2::EncryptionScheme::Aes256Cbc { iv },
    });
    // Over it: refused at once, with or without a password.
    pbkdf2.iteration_count = u32::MAX;
    let hostile = encrypted_with(pkcs5::pbes2::Parameters {
        kdf: pkcs5::pbes2::Kdf::Pbkdf2(pbkdf2),
        encryption: pkcs5::pbes2::EncryptionScheme::Aes256Cbc { iv },
    });
    let start = Instant::now();
    let expected = Err(Error::LimitExceeded {
        what: "PBKDF2 iteration count",
        limit: u64::from(MAX_PBKDF2_ITERATIONS),
        found: u64::from(u32::MAX),
    });
    assert_eq!(
        smime_crypto::private_key_to_pkcs8(&hostile, Some(b"pw")).map(|_| ()),
        expected
    );
    assert_eq!(
        smime_crypto::private_key_to_pkcs8(&hostile, None).map(|_| ()),
        expected
    );
    assert!(start.elapsed() < Duration::from_millis(100));
    let start = Instant::now();
    assert_eq!(
        smime_crypto::private_key_to_pkcs8(&at_limit, Some(b"pw")).map(|_| ()),
        Err(Error::KeyDecryption)
    );
    // The worst case a file can cost stays within seconds (optimised dependencies).
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );

    // scrypt asking for 1 GiB (N = 2^20, r = 8).
    let scrypt = pkcs5::pbes2::ScryptParams {
        salt: pkcs5::pbes2::Salt::new([1u8; 16]).unwrap(),
        cost_parameter: 1 << 20,
        block_size: 8,
        parallelization: 1,
        key_length: None,
    };
    let hostile = encrypted_with(pkcs5::pbes2::Parameters {
        kdf: pkcs5::pbes2::Kdf::Scrypt(scrypt),
        encryption: pkcs5::pbes2::EncryptionScheme::Aes256Cbc { iv },
    });
    assert_eq!(
        smime_crypto::private_key_to_pkcs8(&hostile, Some(b"pw")).map(|_| ()),
        Err(Error::LimitExceeded {
            what: "scrypt memory (128·r·N bytes)",
            limit: MAX_SCRYPT_MEMORY,
            found: 1 << 30
        })
    );
}

#[test]
fn oversized_files_are_refused() {
    let mut data = b"-----BEGIN CERTIFICATE-----\n".to_vec();
    data.resize(smime_crypto::load::MAX_KEY_FILE_LEN + 1, b'A');
    assert!(matches!(
        smime_crypto::private_key_to_pkcs8(&data, None),
        Err(Error::LimitExceeded {
            what: "key file size",
            ..
        })
    ));
    assert!(matches!(
        smime_crypto::load_public_key(&data),
        Err(Error::LimitExceeded { .. })
    ));
}

#[test]
fn public_key_from_spki_rejects_what_it_cannot_use() {
    let w = Workdir::new();
    w.openssl(&["genpkey", "-algorithm", "ed25519", "-out", "k.pem"]);
    w.openssl(&[
        "pkey", "-in", "k.pem", "-pubout", "-outform", "DER", "-out", "pub.der",
    ]);
    assert!(matches!(
        PublicKey::from_spki_der(&w.read("pub.der")),
        Err(Error::UnsupportedKey(_))
    ));
    assert!(matches!(
        smime_crypto::load_public_key(&w.read("pub.der")),
        Err(Error::UnsupportedKey(_))
    ));
}

/// `PublicKey::from_spki_der` keeps the octets it was given as the key's DER. That is sound
/// only if whatever it accepts is already the canonical encoding: checked here on OpenSSL's
/// RSA and EC keys and on every one-octet change of them that still loads.
#[test]
fn spki_der_is_kept_as_given() {
    use der::Decode;
    let w = Workdir::new();
    w.openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:1024",
        "-out",
        "rsa.pem",
    ]);
    w.openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "ec.pem",
    ]);
    let mut accepted_mutants = 0usize;
    for name in ["rsa", "ec"] {
        w.openssl(&[
            "pkey",
            "-in",
            &format!("{name}.pem"),
            "-pubout",
            "-outform",
            "DER",
            "-out",
            &format!("{name}.der"),
        ]);
        let spki = w.read(&format!("{name}.der"));
        let mut inputs = vec![spki.clone()];
        for at in 0..spki.len() {
            for value in [0x00u8, 0x01, 0x7f, 0x80, 0x81, 0xff] {
                let mut mutant = spki.clone();
                mutant[at] = value;
                inputs.push(mutant);
            }
        }
        for input in inputs {
            let Ok(key) = PublicKey::from_spki_der(&input) else {
                continue;
            };
            accepted_mutants += 1;
            assert_eq!(key.spki_der(), input.as_slice());
            let reencoded = spki::SubjectPublicKeyInfoRef::from_der(&input)
                .unwrap()
                .to_der()
                .unwrap();
            assert_eq!(
                reencoded, input,
                "{name}: decoding and encoding changed the octets"
            );
        }
    }
    assert!(
        accepted_mutants > 100,
        "only {accepted_mutants} inputs loaded"
    );
}
