//! Export → import round trips (proptest over passwords, friendly names, key ids, iteration
//! counts, profiles), the exporter's input checks, and the password encodings.

// Test code: unwrap/expect/indexing/panic are the assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod openssl_cli;

use std::sync::OnceLock;

use proptest::prelude::*;
use sha1::Digest;
use smime_pkcs12::{
    EncryptionScheme, Error, ExportBuilder, HashAlgorithm, Integrity, Pairing, Password,
    PasswordVariant, Pbes2Cipher, Pkcs12PbeCipher, Profile, WrongPasswordEvidence, export, import,
};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/");

/// An identity from the corpus: key (PKCS#8 DER), certificate and chain (DER).
struct Fixture {
    key: Vec<u8>,
    cert: Vec<u8>,
    chain: Vec<Vec<u8>>,
}

/// MimeKit's RSA leaf with its three CA certificates.
fn rsa_fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let bytes = std::fs::read(format!("{CORPUS}mimekit/smime/rsa/smime.pfx")).unwrap();
        let c = import(&bytes, Password::new("no.secret")).unwrap();
        let id = c.identity().unwrap();
        Fixture {
            key: id.key.pkcs8_der().to_vec(),
            cert: id.certificate.unwrap().der().to_vec(),
            chain: id.chain.iter().map(|c| c.der().to_vec()).collect(),
        }
    })
}

/// pyca's EC (P-256) CA key and certificate, and the file's two other certificates.
fn ec_fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let path = format!("{CORPUS}pyca-cryptography/pkcs12/name-all-no-pwd.p12");
        let c = import(&std::fs::read(path).unwrap(), Password::ABSENT).unwrap();
        let id = c.identity().unwrap();
        Fixture {
            key: id.key.pkcs8_der().to_vec(),
            cert: id.certificate.unwrap().der().to_vec(),
            chain: c.ca_certificates().map(|c| c.der().to_vec()).collect(),
        }
    })
}

fn password_strategy() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(String::new())),
        4 => "[ -~]{1,24}".prop_map(Some),
        4 => "\\PC{1,16}".prop_map(Some),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn export_then_import_gives_back_everything(
        password in password_strategy(),
        name in proptest::option::of("\\PC{0,24}"),
        key_id in proptest::option::of(proptest::collection::vec(any::<u8>(), 1..32)),
        iterations in 1u32..40,
        compatibility in any::<bool>(),
        encrypt_certificates in any::<bool>(),
        rsa in any::<bool>(),
    ) {
        let fixture = if rsa { rsa_fixture() } else { ec_fixture() };
        let profile = if compatibility { Profile::Compatibility } else { Profile::Modern };
        let password = Password::from(password.as_deref());
        let mut builder = ExportBuilder::new()
            .key(&fixture.key)
            .certificate(&fixture.cert)
            .chain(fixture.chain.iter().map(Vec::as_slice))
            .profile(profile)
            .iterations(iterations)
            .encrypt_certificates(encrypt_certificates);
        if let Some(name) = &name {
            builder = builder.friendly_name(name);
        }
        if let Some(id) = &key_id {
            builder = builder.local_key_id(id);
        }
        let p12 = builder.build(password).unwrap();

        let contents = import(&p12, password).unwrap();
        prop_assert_eq!(contents.password_variant(), PasswordVariant::AsGiven);
        let identity = contents.identity().unwrap();
        prop_assert_eq!(identity.key.pkcs8_der().as_slice(), fixture.key.as_slice());
        prop_assert_eq!(identity.certificate.unwrap().der(), fixture.cert.as_slice());
        prop_assert_eq!(identity.pairing, Some(Pairing::LocalKeyIdAndPublicKey));
        let all: Vec<&[u8]> = contents.certificates().iter().map(|c| c.der()).collect();
        let mut expected = vec![fixture.cert.as_slice()];
        expected.extend(fixture.chain.iter().map(Vec::as_slice));
        prop_assert_eq!(all, expected);
        prop_assert_eq!(identity.key.friendly_name(), name.as_deref());
        prop_assert_eq!(identity.certificate.unwrap().friendly_name(), name.as_deref());
        let expected_id = key_id.clone().unwrap_or_else(|| sha1::Sha1::digest(&fixture.cert).to_vec());
        prop_assert_eq!(identity.key.local_key_id(), Some(expected_id.as_slice()));
        prop_assert_eq!(identity.certificate.unwrap().local_key_id(), Some(expected_id.as_slice()));
        let (digest, scheme) = match profile {
            Profile::Modern => (HashAlgorithm::Sha256, EncryptionScheme::Pbes2 {
                prf: HashAlgorithm::Sha256,
                cipher: Pbes2Cipher::Aes256Cbc,
                iterations: u64::from(iterations),
            }),
            _ => (HashAlgorithm::Sha1, EncryptionScheme::Pkcs12Pbe {
                cipher: Pkcs12PbeCipher::TripleDes3Key,
                iterations: u64::from(iterations),
            }),
        };
        prop_assert_eq!(contents.integrity(), Integrity::Hmac { digest, iterations: u64::from(iterations) });
        prop_assert_eq!(identity.key.encryption(), Some(scheme));
        for cert in contents.certificates() {
            prop_assert_eq!(cert.encryption(), encrypt_certificates.then_some(scheme));
        }

        // A different password fails the MAC.
        let other = format!("{}x", password.as_str().unwrap_or(""));
        let err = import(&p12, Password::new(&other)).unwrap_err();
        let is_mac_mismatch = matches!(
            err,
            Error::WrongPassword { evidence: WrongPasswordEvidence::MacMismatch, .. }
        );
        prop_assert!(is_mac_mismatch, "{:?}", err);
    }
}

#[test]
fn absent_and_empty_passwords_make_different_files_that_open_with_either() {
    let f = ec_fixture();
    for profile in [Profile::Modern, Profile::Compatibility] {
        let build = |pw| {
            ExportBuilder::new()
                .key(&f.key)
                .certificate(&f.cert)
                .profile(profile)
                .iterations(16)
                .build(pw)
                .unwrap()
        };
        let absent = build(Password::ABSENT);
        let empty = build(Password::EMPTY);
        assert_eq!(
            import(&absent, Password::ABSENT)
                .unwrap()
                .password_variant(),
            PasswordVariant::AsGiven
        );
        assert_eq!(
            import(&absent, Password::EMPTY).unwrap().password_variant(),
            PasswordVariant::AbsentForEmpty
        );
        assert_eq!(
            import(&empty, Password::EMPTY).unwrap().password_variant(),
            PasswordVariant::AsGiven
        );
        assert_eq!(
            import(&empty, Password::ABSENT).unwrap().password_variant(),
            PasswordVariant::EmptyForAbsent
        );
        assert!(
            import(&empty, Password::new(" "))
                .unwrap_err()
                .is_wrong_password()
        );
    }
}

/// A file made by OpenSSL before 1.1.0 with a non-ASCII password encoded each UTF-8 byte as a
/// BMPString character. OpenSSL 3's CLI produces the same bytes from the text whose
/// characters are those bytes ("ä" = C3 A4 → "Ã¤"). Both open with the real password.
#[test]
fn openssl_1_0_non_ascii_password_encoding_opens() {
    let pki = openssl_cli::ec_pki();
    let dir = tempfile::tempdir().unwrap();
    pki.write_to(dir.path());
    openssl_cli::run_ok(
        dir.path(),
        &[
            "pkcs12",
            "-export",
            "-legacy",
            "-inkey",
            "leaf.key",
            "-in",
            "leaf.pem",
            "-passout",
            "pass:p\u{c3}\u{a4}ss",
            "-out",
            "old.p12",
        ],
    );
    let p12 = std::fs::read(dir.path().join("old.p12")).unwrap();
    let contents = import(&p12, Password::new("päss")).unwrap();
    assert_eq!(
        contents.password_variant(),
        PasswordVariant::Utf8BytesAsLatin1
    );
    assert_eq!(
        contents.keys()[0].pkcs8_der().as_slice(),
        pki.leaf_key.as_slice()
    );
}

#[test]
fn export_checks_its_inputs() {
    let rsa = rsa_fixture();
    let ec = ec_fixture();
    let invalid = |r: Result<Vec<u8>, Error>| match r {
        Err(Error::InvalidInput { reason }) => reason,
        other => panic!("expected InvalidInput, got {other:?}"),
    };
    assert!(invalid(ExportBuilder::new().build(Password::new("x"))).contains("nothing"));
    assert!(
        invalid(export(&ec.key, &rsa.cert, [], Password::new("x"))).contains("does not belong")
    );
    assert!(
        invalid(export(&rsa.key, &ec.cert, [], Password::new("x"))).contains("does not belong")
    );
    assert!(invalid(export(&rsa.cert, &rsa.cert, [], Password::new("x"))).contains("PKCS#8"));
    assert!(invalid(export(&rsa.key, &rsa.key, [], Password::new("x"))).contains("certificate"));
    assert!(
        invalid(export(
            &rsa.key,
            &rsa.cert,
            [&b"\x30\x00"[..]],
            Password::new("x")
        ))
        .contains("chain certificate 0")
    );
    for bad in [0, smime_pkcs12::limits::MAX_ITERATIONS + 1] {
        assert!(
            invalid(
                ExportBuilder::new()
                    .key(&rsa.key)
                    .iterations(bad)
                    .build(Password::new("x"))
            )
            .contains("iteration count")
        );
    }
}

#[test]
fn certificates_only_and_key_only_exports() {
    let f = ec_fixture();
    let p12 = ExportBuilder::new()
        .chain(f.chain.iter().map(Vec::as_slice))
        .iterations(8)
        .build(Password::new("x"))
        .unwrap();
    let c = import(&p12, Password::new("x")).unwrap();
    assert!(c.keys().is_empty());
    assert_eq!(c.certificates().len(), 2);
    assert!(c.certificates().iter().all(|c| c.local_key_id().is_none()));

    let p12 = ExportBuilder::new()
        .key(&f.key)
        .friendly_name("lonely")
        .iterations(8)
        .build(Password::new("x"))
        .unwrap();
    let c = import(&p12, Password::new("x")).unwrap();
    assert_eq!(c.keys().len(), 1);
    assert_eq!(c.keys()[0].friendly_name(), Some("lonely"));
    assert_eq!(c.keys()[0].local_key_id(), None);
    assert!(c.identity().unwrap().certificate.is_none());
}

#[test]
fn export_defaults_match_the_profiles() {
    assert_eq!(Profile::default(), Profile::Modern);
    assert_eq!(Profile::Modern.default_iterations(), 600_000);
    assert_eq!(Profile::Compatibility.default_iterations(), 2048);
}
