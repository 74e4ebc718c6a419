//! Interop both ways with `openssl pkcs12` (OpenSSL 3.0): what OpenSSL exports (default,
//! `-legacy`, 3DES, `-certpbe NONE`, `-nomac`, non-ASCII and empty passwords, …) imports here
//! with the same key and certificate bytes; what this crate exports (both profiles, non-ASCII,
//! empty and absent passwords) imports in OpenSSL with the same key and certificates.

// Test code: unwrap/expect/indexing/panic are the assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod openssl_cli;

use openssl_cli::{Pki, ec_pki, pem_blocks, rsa_pki, run, run_ok};
use smime_pkcs12::{
    EncryptionScheme, Error, ExportBuilder, HashAlgorithm, Integrity, Pairing, Password,
    PasswordVariant, Pbes2Cipher, Pkcs12, Pkcs12PbeCipher, Profile, WrongPasswordEvidence, import,
};

const NON_ASCII: &str = "pässwörd-Ωμέγα-😀";

/// `openssl pkcs12 -export` of the PKI's leaf key, leaf certificate and chain, named "Alice".
fn openssl_export(pki: &Pki, password: &str, extra: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    pki.write_to(dir.path());
    let passout = format!("pass:{password}");
    let mut args = vec![
        "pkcs12",
        "-export",
        "-inkey",
        "leaf.key",
        "-in",
        "leaf.pem",
        "-certfile",
        "chain.pem",
        "-name",
        "Alice",
        "-passout",
        &passout,
        "-out",
        "out.p12",
    ];
    args.extend_from_slice(extra);
    run_ok(dir.path(), &args);
    std::fs::read(dir.path().join("out.p12")).unwrap()
}

/// Checks that `contents` hold exactly the PKI's leaf key, leaf certificate and chain.
fn assert_same_identity(contents: &Pkcs12, pki: &Pki, name: Option<&str>) {
    assert_eq!(contents.keys().len(), 1);
    assert_eq!(contents.certificates().len(), 3);
    let identity = contents.identity().unwrap();
    assert_eq!(identity.key.pkcs8_der().as_slice(), pki.leaf_key.as_slice());
    assert_eq!(identity.certificate.unwrap().der(), pki.leaf.as_slice());
    assert_eq!(identity.pairing, Some(Pairing::LocalKeyIdAndPublicKey));
    let chain: Vec<&[u8]> = identity.chain.iter().map(|c| c.der()).collect();
    assert_eq!(chain, [pki.intermediate.as_slice(), pki.root.as_slice()]);
    assert_eq!(identity.key.friendly_name(), name);
    assert_eq!(identity.certificate.unwrap().friendly_name(), name);
    let ca: Vec<&[u8]> = contents.ca_certificates().map(|c| c.der()).collect();
    assert_eq!(ca.len(), 2);
}

fn pbes2_aes256_sha256(iterations: u64) -> Option<EncryptionScheme> {
    Some(EncryptionScheme::Pbes2 {
        prf: HashAlgorithm::Sha256,
        cipher: Pbes2Cipher::Aes256Cbc,
        iterations,
    })
}

fn legacy(cipher: Pkcs12PbeCipher, iterations: u64) -> Option<EncryptionScheme> {
    Some(EncryptionScheme::Pkcs12Pbe { cipher, iterations })
}

#[test]
fn openssl_default_export_imports() {
    for pki in [rsa_pki(), ec_pki()] {
        let p12 = openssl_export(pki, "secret", &[]);
        let contents = import(&p12, Password::new("secret")).unwrap();
        assert_same_identity(&contents, pki, Some("Alice"));
        assert_eq!(
            contents.integrity(),
            Integrity::Hmac {
                digest: HashAlgorithm::Sha256,
                iterations: 2048
            }
        );
        assert_eq!(contents.password_variant(), PasswordVariant::AsGiven);
        let identity = contents.identity().unwrap();
        assert_eq!(identity.key.encryption(), pbes2_aes256_sha256(2048));
        for cert in contents.certificates() {
            assert_eq!(cert.encryption(), pbes2_aes256_sha256(2048));
        }
        let wrong = import(&p12, Password::new("Secret")).unwrap_err();
        assert!(
            matches!(
                wrong,
                Error::WrongPassword {
                    evidence: WrongPasswordEvidence::MacMismatch,
                    ..
                }
            ),
            "{wrong:?}"
        );
    }
}

#[test]
fn openssl_legacy_export_imports() {
    let pki = rsa_pki();
    let p12 = openssl_export(pki, "secret", &["-legacy"]);
    let contents = import(&p12, Password::new("secret")).unwrap();
    assert_same_identity(&contents, pki, Some("Alice"));
    assert_eq!(
        contents.integrity(),
        Integrity::Hmac {
            digest: HashAlgorithm::Sha1,
            iterations: 2048
        }
    );
    assert_eq!(
        contents.keys()[0].encryption(),
        legacy(Pkcs12PbeCipher::TripleDes3Key, 2048)
    );
    for cert in contents.certificates() {
        assert_eq!(
            cert.encryption(),
            legacy(Pkcs12PbeCipher::Rc2With40BitKey, 2048)
        );
    }
}

#[test]
fn openssl_3des_export_imports() {
    let pki = ec_pki();
    let p12 = openssl_export(
        pki,
        "secret",
        &[
            "-keypbe",
            "PBE-SHA1-3DES",
            "-certpbe",
            "PBE-SHA1-3DES",
            "-macalg",
            "sha1",
        ],
    );
    let contents = import(&p12, Password::new("secret")).unwrap();
    assert_same_identity(&contents, pki, Some("Alice"));
    assert_eq!(
        contents.keys()[0].encryption(),
        legacy(Pkcs12PbeCipher::TripleDes3Key, 2048)
    );
    for cert in contents.certificates() {
        assert_eq!(
            cert.encryption(),
            legacy(Pkcs12PbeCipher::TripleDes3Key, 2048)
        );
    }
}

#[test]
fn openssl_rc2_128_and_2key_3des_export_imports() {
    let pki = ec_pki();
    let p12 = openssl_export(
        pki,
        "secret",
        &[
            "-legacy",
            "-keypbe",
            "PBE-SHA1-2DES",
            "-certpbe",
            "PBE-SHA1-RC2-128",
        ],
    );
    let contents = import(&p12, Password::new("secret")).unwrap();
    assert_same_identity(&contents, pki, Some("Alice"));
    assert_eq!(
        contents.keys()[0].encryption(),
        legacy(Pkcs12PbeCipher::TripleDes2Key, 2048)
    );
    for cert in contents.certificates() {
        assert_eq!(
            cert.encryption(),
            legacy(Pkcs12PbeCipher::Rc2With128BitKey, 2048)
        );
    }
}

#[test]
fn openssl_certpbe_none_and_keypbe_none_import() {
    let pki = rsa_pki();
    let p12 = openssl_export(pki, "secret", &["-certpbe", "NONE"]);
    let contents = import(&p12, Password::new("secret")).unwrap();
    assert_same_identity(&contents, pki, Some("Alice"));
    assert!(
        contents
            .certificates()
            .iter()
            .all(|c| c.encryption().is_none())
    );
    assert_eq!(contents.keys()[0].encryption(), pbes2_aes256_sha256(2048));

    let p12 = openssl_export(pki, "secret", &["-certpbe", "NONE", "-keypbe", "NONE"]);
    let contents = import(&p12, Password::new("secret")).unwrap();
    assert_same_identity(&contents, pki, Some("Alice"));
    assert_eq!(contents.keys()[0].encryption(), None);
}

#[test]
fn openssl_nomac_export_imports_and_wrong_password_fails_on_padding() {
    let pki = rsa_pki();
    let p12 = openssl_export(pki, "secret", &["-nomac"]);
    let contents = import(&p12, Password::new("secret")).unwrap();
    assert_same_identity(&contents, pki, Some("Alice"));
    assert_eq!(contents.integrity(), Integrity::None);
    let wrong = import(&p12, Password::new("wrong")).unwrap_err();
    assert!(
        matches!(
            wrong,
            Error::WrongPassword {
                evidence: WrongPasswordEvidence::BadPadding
                    | WrongPasswordEvidence::UndecodablePlaintext,
                ..
            }
        ),
        "{wrong:?}"
    );
}

#[test]
fn openssl_sha512_mac_and_iteration_count_import() {
    let pki = ec_pki();
    let p12 = openssl_export(
        pki,
        "secret",
        &["-macalg", "sha512", "-iter", "1000", "-maciter"],
    );
    let contents = import(&p12, Password::new("secret")).unwrap();
    assert_same_identity(&contents, pki, Some("Alice"));
    assert_eq!(
        contents.integrity(),
        Integrity::Hmac {
            digest: HashAlgorithm::Sha512,
            iterations: 1000
        }
    );
    assert_eq!(contents.keys()[0].encryption(), pbes2_aes256_sha256(1000));
}

#[test]
fn openssl_non_ascii_password_imports() {
    for extra in [&[][..], &["-legacy"][..]] {
        let pki = rsa_pki();
        let p12 = openssl_export(pki, NON_ASCII, extra);
        let contents = import(&p12, Password::new(NON_ASCII)).unwrap();
        assert_same_identity(&contents, pki, Some("Alice"));
        assert_eq!(contents.password_variant(), PasswordVariant::AsGiven);
        assert!(
            import(&p12, Password::new("pässwörd"))
                .unwrap_err()
                .is_wrong_password()
        );
    }
}

#[test]
fn openssl_empty_password_imports_with_empty_and_absent() {
    for extra in [&[][..], &["-legacy"][..]] {
        let pki = ec_pki();
        let p12 = openssl_export(pki, "", extra);
        let contents = import(&p12, Password::EMPTY).unwrap();
        assert_same_identity(&contents, pki, Some("Alice"));
        assert_eq!(contents.password_variant(), PasswordVariant::AsGiven);
        let contents = import(&p12, Password::ABSENT).unwrap();
        assert_same_identity(&contents, pki, Some("Alice"));
        assert_eq!(contents.password_variant(), PasswordVariant::EmptyForAbsent);
        assert!(
            import(&p12, Password::new(" "))
                .unwrap_err()
                .is_wrong_password()
        );
    }
}

/// Runs `openssl pkcs12 -in p12 -passin pass:… -nodes [-legacy]`; returns (stdout, stderr).
fn openssl_read(p12: &[u8], password: Option<&str>, extra: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.p12"), p12).unwrap();
    let passin = format!("pass:{}", password.unwrap_or(""));
    let mut args = vec![
        "pkcs12", "-in", "in.p12", "-passin", &passin, "-nodes", "-info",
    ];
    args.extend_from_slice(extra);
    let out = run_ok(dir.path(), &args);
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Checks what `openssl pkcs12 -nodes` printed: the same key, the leaf and chain certificates.
fn assert_openssl_output(stdout: &str, pki: &Pki, name: &str) {
    let blocks = pem_blocks(stdout);
    let keys: Vec<&Vec<u8>> = blocks
        .iter()
        .filter(|(l, _)| l == "PRIVATE KEY")
        .map(|(_, d)| d)
        .collect();
    let certs: Vec<&[u8]> = blocks
        .iter()
        .filter(|(l, _)| l == "CERTIFICATE")
        .map(|(_, d)| d.as_slice())
        .collect();
    assert_eq!(keys, [&pki.leaf_key], "{stdout}");
    assert_eq!(
        certs,
        [
            pki.leaf.as_slice(),
            pki.intermediate.as_slice(),
            pki.root.as_slice()
        ]
    );
    assert_eq!(
        stdout.matches(&format!("friendlyName: {name}")).count(),
        2,
        "{stdout}"
    );
}

fn our_export(
    pki: &Pki,
    profile: Profile,
    password: Password<'_>,
    iterations: Option<u32>,
) -> Vec<u8> {
    let mut builder = ExportBuilder::new()
        .key(&pki.leaf_key)
        .certificate(&pki.leaf)
        .chain([pki.intermediate.as_slice(), pki.root.as_slice()])
        .friendly_name("Alice")
        .profile(profile);
    if let Some(n) = iterations {
        builder = builder.iterations(n);
    }
    builder.build(password).unwrap()
}

#[test]
fn our_modern_export_imports_in_openssl() {
    for (pki, password) in [
        (rsa_pki(), "secret"),
        (ec_pki(), NON_ASCII),
        (rsa_pki(), ""),
    ] {
        let p12 = our_export(pki, Profile::Modern, Password::new(password), Some(4096));
        let (stdout, stderr) = openssl_read(&p12, Some(password), &[]);
        assert_openssl_output(&stdout, pki, "Alice");
        assert!(stderr.contains("MAC: sha256, Iteration 4096"), "{stderr}");
        assert_eq!(
            stderr
                .matches("PBES2, PBKDF2, AES-256-CBC, Iteration 4096, PRF hmacWithSHA256")
                .count(),
            2,
            "{stderr}"
        );
        // And back through this crate.
        let contents = import(&p12, Password::new(password)).unwrap();
        assert_same_identity(&contents, pki, Some("Alice"));
    }
}

#[test]
fn our_compatibility_export_imports_in_openssl() {
    for (pki, password) in [(rsa_pki(), "secret"), (ec_pki(), NON_ASCII), (ec_pki(), "")] {
        let p12 = our_export(pki, Profile::Compatibility, Password::new(password), None);
        // 3DES is in OpenSSL 3's default provider: no -legacy needed (RC2 would need it).
        let (stdout, stderr) = openssl_read(&p12, Some(password), &[]);
        assert_openssl_output(&stdout, pki, "Alice");
        assert!(stderr.contains("MAC: sha1, Iteration 2048"), "{stderr}");
        assert!(
            stderr.contains("MAC length: 20, salt length: 8"),
            "{stderr}"
        );
        assert_eq!(
            stderr
                .matches("pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048")
                .count(),
            2,
            "{stderr}"
        );
        let contents = import(&p12, Password::new(password)).unwrap();
        assert_same_identity(&contents, pki, Some("Alice"));
        assert_eq!(
            contents.integrity(),
            Integrity::Hmac {
                digest: HashAlgorithm::Sha1,
                iterations: 2048
            }
        );
    }
}

#[test]
fn our_default_iterations_import_in_openssl() {
    let pki = ec_pki();
    let p12 = our_export(pki, Profile::Modern, Password::new("secret"), None);
    let (stdout, stderr) = openssl_read(&p12, Some("secret"), &[]);
    assert_openssl_output(&stdout, pki, "Alice");
    assert!(stderr.contains("MAC: sha256, Iteration 600000"), "{stderr}");
    assert!(
        stderr.contains("AES-256-CBC, Iteration 600000, PRF hmacWithSHA256"),
        "{stderr}"
    );
}

#[test]
fn our_absent_password_export_imports_in_openssl() {
    for profile in [Profile::Modern, Profile::Compatibility] {
        let pki = rsa_pki();
        let p12 = our_export(pki, profile, Password::ABSENT, Some(2048));
        // OpenSSL's -passin pass: tries the absent (NULL) password when "" fails the MAC.
        let (stdout, _) = openssl_read(&p12, None, &[]);
        assert_openssl_output(&stdout, pki, "Alice");
        let contents = import(&p12, Password::ABSENT).unwrap();
        assert_eq!(contents.password_variant(), PasswordVariant::AsGiven);
        let contents = import(&p12, Password::EMPTY).unwrap();
        assert_eq!(contents.password_variant(), PasswordVariant::AbsentForEmpty);
        assert_same_identity(&contents, pki, Some("Alice"));
    }
}

#[test]
fn our_export_wrong_password_is_refused_by_openssl() {
    let pki = ec_pki();
    let p12 = our_export(pki, Profile::Modern, Password::new("secret"), Some(2048));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.p12"), &p12).unwrap();
    let out = run(
        dir.path(),
        &[
            "pkcs12",
            "-in",
            "in.p12",
            "-passin",
            "pass:Secret",
            "-nodes",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Mac verify error"));
}

#[test]
fn our_unencrypted_certificates_are_listed_by_openssl_without_decrypting() {
    let pki = rsa_pki();
    let p12 = ExportBuilder::new()
        .key(&pki.leaf_key)
        .certificate(&pki.leaf)
        .chain([pki.intermediate.as_slice(), pki.root.as_slice()])
        .friendly_name("Alice")
        .iterations(2048)
        .encrypt_certificates(false)
        .build(Password::new("secret"))
        .unwrap();
    let (stdout, stderr) = openssl_read(&p12, Some("secret"), &[]);
    assert_openssl_output(&stdout, pki, "Alice");
    assert!(stderr.contains("PKCS7 Data\nCertificate bag"), "{stderr}");
    let contents = import(&p12, Password::new("secret")).unwrap();
    assert!(
        contents
            .certificates()
            .iter()
            .all(|c| c.encryption().is_none())
    );
}
