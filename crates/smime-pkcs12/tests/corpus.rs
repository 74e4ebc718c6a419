//! Every PKCS#12 file in `../shared/corpus` gives what its `SOURCE.md` says: pyca-cryptography
//! (31 files), NIST PKITS (all 405), MimeKit (12), Bouncy Castle PBMAC1 (2) and OpenSSL's
//! malformed files (3).

// Test code: unwrap/expect/indexing/panic are the assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod openssl_cli;

use smime_pkcs12::{
    EncryptionScheme, Error, HashAlgorithm, Integrity, Pairing, Password, PasswordVariant,
    Pbes2Cipher, Pkcs12, Pkcs12PbeCipher, WrongPasswordEvidence, import,
};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/");

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The subject as RFC 4514 text (last RDN first).
fn subject(cert: &smime_pkcs12::CertEntry) -> String {
    cert.certificate()
        .unwrap()
        .tbs_certificate()
        .subject()
        .to_string()
}

// ----- pyca/cryptography -----

const PYCA: &str = "pyca-cryptography/pkcs12/";
const PYCA_CA: &str = "CN=cryptography CA,C=US";
const PYCA_EXTRA_1: &str = "www.cryptography.io";
const PYCA_EXTRA_2: &str = "CN=Let's Encrypt Authority X3,O=Let's Encrypt,C=US";

/// The CA key and certificate that the pyca files hold (`pkcs12/ca/`).
fn pyca_ca() -> (Vec<u8>, Vec<u8>) {
    let key = String::from_utf8(read(&format!("{PYCA}ca/ca_key.pem"))).unwrap();
    let cert = String::from_utf8(read(&format!("{PYCA}ca/ca.pem"))).unwrap();
    (
        openssl_cli::pem_one(&key, "PRIVATE KEY"),
        openssl_cli::pem_one(&cert, "CERTIFICATE"),
    )
}

fn open_pyca(file: &str, password: Password<'_>) -> Pkcs12 {
    import(&read(&format!("{PYCA}{file}")), password).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Checks that the single key of `contents` is the pyca CA key (byte for byte), paired with
/// its certificate.
fn assert_pyca_identity(contents: &Pkcs12) {
    let (key, _) = pyca_ca();
    assert_pyca_identity_same_scalar(contents);
    assert_eq!(
        contents.identity().unwrap().key.pkcs8_der().as_slice(),
        key.as_slice()
    );
}

/// Checks that the single key of `contents` holds the pyca CA key's private scalar (its
/// encoding may differ: `no-password.p12` adds the curve parameters to the SEC1 structure),
/// and that its public key is the certificate's.
fn assert_pyca_identity_same_scalar(contents: &Pkcs12) {
    let (key, cert) = pyca_ca();
    assert_eq!(contents.keys().len(), 1);
    let identity = contents.identity().unwrap();
    // PrivateKeyInfo { 0, ecPublicKey P-256, OCTET STRING { ECPrivateKey { 1, OCTET STRING d ... } } }
    let scalar = &key[36..68];
    assert!(identity.key.pkcs8_der().windows(32).any(|w| w == scalar));
    assert_eq!(identity.certificate.unwrap().der(), cert.as_slice());
    assert_eq!(identity.pairing, Some(Pairing::LocalKeyIdAndPublicKey));
}

#[test]
fn pyca_encryption_variants() {
    let pw = Password::new("cryptography");
    let pbes2_sha1 = Some(EncryptionScheme::Pbes2 {
        prf: HashAlgorithm::Sha1,
        cipher: Pbes2Cipher::Aes256Cbc,
        iterations: 2048,
    });
    let mac = Integrity::Hmac {
        digest: HashAlgorithm::Sha1,
        iterations: 2048,
    };

    let c = open_pyca("cert-key-aes256cbc.p12", pw);
    assert_pyca_identity(&c);
    assert_eq!(c.integrity(), mac);
    assert_eq!(c.keys()[0].encryption(), pbes2_sha1);
    assert_eq!(c.certificates()[0].encryption(), pbes2_sha1);

    let c = open_pyca("cert-aes256cbc-no-key.p12", pw);
    assert!(c.keys().is_empty());
    assert_eq!(c.certificates().len(), 1);
    assert_eq!(c.certificates()[0].der(), pyca_ca().1.as_slice());
    assert!(c.identity().is_none());

    let c = open_pyca("no-cert-key-aes256cbc.p12", pw);
    assert!(c.certificates().is_empty());
    assert_eq!(c.keys()[0].pkcs8_der().as_slice(), pyca_ca().0.as_slice());
    assert_eq!(c.keys()[0].pairing(), None);

    let c = open_pyca("cert-none-key-none.p12", pw);
    assert_pyca_identity(&c);
    assert_eq!(c.keys()[0].encryption(), None);
    assert_eq!(c.certificates()[0].encryption(), None);

    let c = open_pyca("cert-rc2-key-3des.p12", pw);
    assert_pyca_identity(&c);
    assert_eq!(
        c.keys()[0].encryption(),
        Some(EncryptionScheme::Pkcs12Pbe {
            cipher: Pkcs12PbeCipher::TripleDes3Key,
            iterations: 2048
        })
    );
    assert_eq!(
        c.certificates()[0].encryption(),
        Some(EncryptionScheme::Pkcs12Pbe {
            cipher: Pkcs12PbeCipher::Rc2With40BitKey,
            iterations: 2048
        })
    );

    for file in [
        "cert-key-aes256cbc.p12",
        "cert-aes256cbc-no-key.p12",
        "no-cert-key-aes256cbc.p12",
        "cert-none-key-none.p12",
        "cert-rc2-key-3des.p12",
    ] {
        let err = import(
            &read(&format!("{PYCA}{file}")),
            Password::new("Cryptography"),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::WrongPassword {
                    evidence: WrongPasswordEvidence::MacMismatch,
                    ..
                }
            ),
            "{file}: {err:?}"
        );
    }
}

/// `no-password.p12`: made with the absent password; its MacData writes the DEFAULT iteration
/// count 1 explicitly (not DER). Policy here: accepted, like pyca's BER fallback.
#[test]
fn pyca_no_password_file() {
    let bytes = read(&format!("{PYCA}no-password.p12"));
    let c = import(&bytes, Password::ABSENT).unwrap();
    assert_eq!(c.password_variant(), PasswordVariant::AsGiven);
    assert_pyca_identity_same_scalar(&c);
    assert_eq!(
        c.integrity(),
        Integrity::Hmac {
            digest: HashAlgorithm::Sha1,
            iterations: 1
        }
    );
    assert_eq!(c.certificates()[0].friendly_name(), Some("cryptography CA"));
    // The key's name is written with a NUL terminator in the file; it is dropped.
    assert_eq!(c.keys()[0].friendly_name(), Some("6BC162DA"));
    let c = import(&bytes, Password::EMPTY).unwrap();
    assert_eq!(c.password_variant(), PasswordVariant::AbsentForEmpty);
    assert!(
        import(&bytes, Password::new("x"))
            .unwrap_err()
            .is_wrong_password()
    );
}

/// (file variant, key/CA-cert name, 1st extra name, 2nd extra name)
type NameCase = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

/// The `name-*` and `no-cert-*` files: friendly names, with and without passwords.
#[test]
fn pyca_friendly_names() {
    let with_key: [NameCase; 7] = [
        ("name-1", Some("name"), None, None),
        ("name-2", None, Some("name2"), None),
        ("name-3", None, None, Some("name3")),
        ("name-2-3", None, Some("name2"), Some("name3")),
        ("name-all", Some("name"), Some("name2"), Some("name3")),
        ("name-unicode", Some("☺"), Some("ä"), Some("ç")),
        ("no-name", None, None, None),
    ];
    for (variant, main, extra1, extra2) in with_key {
        for (suffix, password) in [
            ("pwd", Password::new("password")),
            ("no-pwd", Password::ABSENT),
        ] {
            let file = format!("{variant}-{suffix}.p12");
            let c = open_pyca(&file, password);
            assert_pyca_identity(&c);
            let certs = c.certificates();
            assert_eq!(certs.len(), 3, "{file}");
            assert_eq!(subject(&certs[0]), PYCA_CA);
            assert!(subject(&certs[1]).contains(PYCA_EXTRA_1));
            assert_eq!(subject(&certs[2]), PYCA_EXTRA_2);
            assert_eq!(certs[0].friendly_name(), main, "{file}");
            assert_eq!(c.keys()[0].friendly_name(), main, "{file}");
            assert_eq!(certs[1].friendly_name(), extra1, "{file}");
            assert_eq!(certs[2].friendly_name(), extra2, "{file}");
            assert_eq!(c.ca_certificates().count(), 2);
            if suffix == "no-pwd" {
                assert_eq!(c.keys()[0].encryption(), None, "{file}");
            } else {
                assert_eq!(
                    c.keys()[0].encryption(),
                    Some(EncryptionScheme::Pkcs12Pbe {
                        cipher: Pkcs12PbeCipher::TripleDes3Key,
                        iterations: 20000
                    })
                );
            }
        }
    }
    let no_cert: [(&str, Option<&str>, Option<&str>); 5] = [
        ("no-cert-name-2", Some("name2"), None),
        ("no-cert-name-3", None, Some("name3")),
        ("no-cert-name-all", Some("name2"), Some("name3")),
        ("no-cert-name-unicode", Some("☹"), Some("ï")),
        ("no-cert-no-name", None, None),
    ];
    for (variant, extra1, extra2) in no_cert {
        for (suffix, password) in [
            ("pwd", Password::new("password")),
            ("no-pwd", Password::EMPTY),
        ] {
            let file = format!("{variant}-{suffix}.p12");
            let c = open_pyca(&file, password);
            assert!(c.keys().is_empty(), "{file}");
            let certs = c.certificates();
            assert_eq!(certs.len(), 2, "{file}");
            assert!(subject(&certs[0]).contains(PYCA_EXTRA_1));
            assert_eq!(subject(&certs[1]), PYCA_EXTRA_2);
            assert_eq!(certs[0].friendly_name(), extra1, "{file}");
            assert_eq!(certs[1].friendly_name(), extra2, "{file}");
        }
        let file = format!("{PYCA}{variant}-pwd.p12");
        assert!(
            import(&read(&file), Password::ABSENT)
                .unwrap_err()
                .is_wrong_password()
        );
    }
}

/// Java keystore-style trust store: two trusted certificate bags, no key, SHA-256 MAC, empty
/// password; Java's trusted-key-usage attribute is kept as an "other" attribute.
#[test]
fn pyca_java_truststore() {
    let c = open_pyca("java-truststore.p12", Password::EMPTY);
    assert!(c.keys().is_empty());
    assert_eq!(
        c.integrity(),
        Integrity::Hmac {
            digest: HashAlgorithm::Sha256,
            iterations: 2048
        }
    );
    let certs = c.certificates();
    assert_eq!(certs.len(), 2);
    assert!(subject(&certs[0]).starts_with("CN=PyCA DSA CA,"));
    assert_eq!(subject(&certs[1]), PYCA_EXTRA_2);
    assert_eq!(certs[0].friendly_name(), Some("cert1"));
    let java_trusted = const_oid::ObjectIdentifier::new_unwrap("2.16.840.1.113894.746875.1.1");
    for cert in certs {
        assert!(
            cert.attributes()
                .other
                .iter()
                .any(|a| a.oid == java_trusted),
            "{:?}",
            cert.attributes()
        );
    }
}

#[test]
fn every_pyca_file_is_covered() {
    let count = std::fs::read_dir(format!("{CORPUS}{PYCA}"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "p12")
        })
        .count();
    // 5 in pyca_encryption_variants, 1 no-password, 14 + 10 in pyca_friendly_names, 1 Java.
    assert_eq!(count, 31);
}

// ----- NIST PKITS -----

/// All 405 PKITS files (password `password`): one key, one certificate equal to the `.crt`
/// file of the same name, paired; legacy PBEs and a SHA-1 MAC.
#[test]
fn nist_pkits_all_files() {
    let dir = format!("{CORPUS}nist-pkits/pkcs12");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 405);
    let mut dsa = 0;
    let mut undecodable = Vec::new();
    for path in files {
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let c = import(&std::fs::read(&path).unwrap(), Password::new("password"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(c.keys().len(), 1, "{name}");
        assert_eq!(c.certificates().len(), 1, "{name}");
        let cert = read(&format!("nist-pkits/certs/{name}.crt"));
        let identity = c.identity().unwrap();
        assert_eq!(
            identity.certificate.unwrap().der(),
            cert.as_slice(),
            "{name}"
        );
        if identity.certificate.unwrap().certificate().is_none() {
            undecodable.push(name.clone());
        }
        assert!(matches!(
            c.integrity(),
            Integrity::Hmac {
                digest: HashAlgorithm::Sha1,
                ..
            }
        ));
        assert!(matches!(
            identity.key.encryption(),
            Some(EncryptionScheme::Pkcs12Pbe { .. })
        ));
        if identity.key.algorithm() == const_oid::ObjectIdentifier::new_unwrap("1.2.840.10040.4.1")
        {
            // DSA keys do not show their public key: paired by localKeyId only.
            dsa += 1;
            assert_eq!(identity.pairing, Some(Pairing::LocalKeyId), "{name}");
        } else {
            // The RSA key's modulus and exponent are the certificate's.
            assert_eq!(
                identity.pairing,
                Some(Pairing::LocalKeyIdAndPublicKey),
                "{name}"
            );
        }
    }
    // SOURCE.md: 5 certificates carry DSA keys.
    assert_eq!(dsa, 5);
    // x509-cert cannot represent a UTCTime before 1970 (notBefore 1950 here); the certificate
    // is still returned (DER) and paired.
    assert_eq!(undecodable, ["Validpre2000UTCnotBeforeDateTest3EE"]);
    let one = read("nist-pkits/pkcs12/ValidCertificatePathTest1EE.p12");
    let err = import(&one, Password::new("Password")).unwrap_err();
    assert!(matches!(
        err,
        Error::WrongPassword {
            evidence: WrongPasswordEvidence::MacMismatch,
            ..
        }
    ));
}

// ----- MimeKit -----

#[test]
fn mimekit_legacy_pfx_files() {
    // (file, leaf subject fragment, key algorithm, number of certificates, chain length)
    let rsa = "1.2.840.113549.1.1.1";
    let cases = [
        (
            "certificate-authority.pfx",
            "CN=MimeKit Root Certification Authority",
            rsa,
            1,
            0,
        ),
        (
            "intermediate1.pfx",
            "CN=MimeKit Primary Intermediate CA",
            rsa,
            2,
            1,
        ),
        (
            "intermediate2.pfx",
            "CN=MimeKit Secondary Intermediate CA",
            rsa,
            3,
            2,
        ),
        (
            "revoked-intermediate.pfx",
            "CN=MimeKit Revoked Intermediate CA",
            rsa,
            2,
            1,
        ),
        ("rsa/smime.pfx", "EMAIL=rsa@mimekit.net", rsa, 4, 3),
        (
            "dsa/smime.pfx",
            "EMAIL=dsa@mimekit.net",
            "1.2.840.10040.4.1",
            4,
            3,
        ),
        (
            "ec/smime.pfx",
            "EMAIL=ec@mimekit.net",
            "1.2.840.10045.2.1",
            4,
            3,
        ),
        (
            "dnsnames/smime.pfx",
            "CN=MimeKit UnitTests,L=Boston",
            rsa,
            4,
            3,
        ),
        ("nochain/smime.pfx", "EMAIL=nochain@mimekit.net", rsa, 1, 0),
        ("revoked/smime.pfx", "EMAIL=revoked@mimekit.net", rsa, 4, 3),
        (
            "revokednochain/smime.pfx",
            "EMAIL=revokednochain@mimekit.net",
            rsa,
            1,
            0,
        ),
        (
            "revokedsubca/smime.pfx",
            "EMAIL=revokedsubca@mimekit.net",
            rsa,
            3,
            2,
        ),
    ];
    for (file, leaf, algorithm, cert_count, chain_len) in cases {
        let c = import(
            &read(&format!("mimekit/smime/{file}")),
            Password::new("no.secret"),
        )
        .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            c.integrity(),
            Integrity::Hmac {
                digest: HashAlgorithm::Sha1,
                iterations: 1024
            },
            "{file}"
        );
        assert_eq!(c.keys().len(), 1, "{file}");
        assert_eq!(c.certificates().len(), cert_count, "{file}");
        let identity = c.identity().unwrap();
        assert_eq!(identity.key.algorithm().to_string(), algorithm, "{file}");
        assert_eq!(
            identity.key.encryption(),
            Some(EncryptionScheme::Pkcs12Pbe {
                cipher: Pkcs12PbeCipher::TripleDes3Key,
                iterations: 1024
            }),
            "{file}"
        );
        for cert in c.certificates() {
            assert_eq!(
                cert.encryption(),
                Some(EncryptionScheme::Pkcs12Pbe {
                    cipher: Pkcs12PbeCipher::Rc2With40BitKey,
                    iterations: 1024
                }),
                "{file}"
            );
        }
        let leaf_cert = identity.certificate.unwrap();
        assert!(
            subject(leaf_cert).contains(leaf),
            "{file}: {}",
            subject(leaf_cert)
        );
        assert_eq!(identity.chain.len(), chain_len, "{file}");
        // The chain ends at the root and each certificate is issued by the next.
        let mut issuer = leaf_cert
            .certificate()
            .unwrap()
            .tbs_certificate()
            .issuer()
            .clone();
        for ca in &identity.chain {
            let ca = ca.certificate().unwrap().tbs_certificate();
            assert_eq!(ca.subject(), &issuer, "{file}");
            issuer = ca.issuer().clone();
        }
        if chain_len > 0 {
            assert!(
                subject(identity.chain.last().unwrap())
                    .contains("MimeKit Root Certification Authority")
            );
        }
        assert!(
            import(
                &read(&format!("mimekit/smime/{file}")),
                Password::new("no.secret!")
            )
            .unwrap_err()
            .is_wrong_password()
        );
    }
    let c = import(
        &read("mimekit/smime/rsa/smime.pfx"),
        Password::new("no.secret"),
    )
    .unwrap();
    let chain: Vec<String> = c
        .identity()
        .unwrap()
        .chain
        .iter()
        .map(|x| subject(x))
        .collect();
    assert!(chain[0].contains("CN=MimeKit Secondary Intermediate CA"));
    assert!(chain[1].contains("CN=MimeKit Primary Intermediate CA"));
    assert!(chain[2].contains("CN=MimeKit Root Certification Authority"));
    let c = import(
        &read("mimekit/smime/revokedsubca/smime.pfx"),
        Password::new("no.secret"),
    )
    .unwrap();
    let leaf = c.identity().unwrap().certificate.unwrap();
    assert!(
        leaf.certificate()
            .unwrap()
            .tbs_certificate()
            .issuer()
            .to_string()
            .contains("CN=MimeKit Tertiary Intermediate CA")
    );
    let c = import(
        &read("mimekit/smime/dsa/smime.pfx"),
        Password::new("no.secret"),
    )
    .unwrap();
    assert_eq!(c.identity().unwrap().pairing, Some(Pairing::LocalKeyId));
}

// ----- Bouncy Castle PBMAC1 -----

/// The key and certificate that `openssl pkcs12 -nomacver` (OpenSSL 3.0 cannot check PBMAC1)
/// decrypts from a file: an independent oracle for the decryption.
fn openssl_nomacver(path: &str, password: &str) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(format!("{CORPUS}{path}"), dir.path().join("in.p12")).unwrap();
    let out = openssl_cli::run_ok(
        dir.path(),
        &[
            "pkcs12",
            "-in",
            "in.p12",
            "-nomacver",
            "-passin",
            &format!("pass:{password}"),
            "-nodes",
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    (
        openssl_cli::pem_one(&text, "PRIVATE KEY"),
        openssl_cli::pem_one(&text, "CERTIFICATE"),
    )
}

#[test]
fn bouncycastle_pbmac1_files() {
    for (file, hmac, prf_iterations, subject_expected, name) in [
        (
            "test_key_pbmac1_openssl.pfx",
            HashAlgorithm::Sha256,
            600_000,
            "O=totemo AG,OU=testing,CN=test key",
            None,
        ),
        (
            "test_key_pbmac1_bcjsse.pfx",
            HashAlgorithm::Sha512,
            65_536,
            "C=US,O=MyCompany,CN=SelfSignedCert",
            Some("test"),
        ),
    ] {
        let path = format!("bouncycastle/pkcs12-pbmac1/{file}");
        let bytes = read(&path);
        let c = import(&bytes, Password::new("xxxxxx")).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            c.integrity(),
            Integrity::Pbmac1 {
                prf: HashAlgorithm::Sha256,
                hmac,
                iterations: prf_iterations
            },
            "{file}"
        );
        let identity = c.identity().unwrap();
        assert_eq!(identity.key.algorithm().to_string(), "1.2.840.113549.1.1.1");
        let cert = identity.certificate.unwrap();
        assert_eq!(subject(cert), subject_expected);
        assert_eq!(identity.key.friendly_name(), name);
        let (key, cert_der) = openssl_nomacver(&path, "xxxxxx");
        assert_eq!(
            identity.key.pkcs8_der().as_slice(),
            key.as_slice(),
            "{file}"
        );
        assert_eq!(cert.der(), cert_der.as_slice(), "{file}");
        let err = import(&bytes, Password::new("xxxxxy")).unwrap_err();
        assert!(
            matches!(
                err,
                Error::WrongPassword {
                    evidence: WrongPasswordEvidence::MacMismatch,
                    ..
                }
            ),
            "{file}: {err:?}"
        );
    }
}

// ----- OpenSSL's malformed files -----

/// `bad1.p12`–`bad3.p12` (fuzzer findings): errors, never panics. bad1's authSafe has no
/// content; bad2's MAC verifies (empty password) but its EncryptedData has no content; bad3's
/// Data ContentInfo has no content.
#[test]
fn openssl_malformed_files() {
    for (file, reason) in [
        ("bad1.p12", "the authSafe has no content"),
        ("bad2.p12", "encryptedData ContentInfo without content"),
        ("bad3.p12", "data ContentInfo without content"),
    ] {
        let bytes = read(&format!("openssl/pkcs12-data/{file}"));
        for password in [Password::EMPTY, Password::ABSENT] {
            let err = import(&bytes, password).unwrap_err();
            match &err {
                Error::Corrupt { reason: r, .. } => assert!(r.contains(reason), "{file}: {err}"),
                other => panic!("{file}: expected Corrupt, got {other:?}"),
            }
        }
        // With a wrong password, the files that have a MAC and get that far say so.
        let err = import(&bytes, Password::new("wrong")).unwrap_err();
        assert!(
            matches!(err, Error::Corrupt { .. } | Error::WrongPassword { .. }),
            "{file}: {err:?}"
        );
    }
}
