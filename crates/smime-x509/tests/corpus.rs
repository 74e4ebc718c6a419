//! Real certificates from `../shared/corpus`: RFC 9216, OpenSSL, pyca, MimeKit, NIST PKITS.

// Tests may unwrap and index: a panic is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smime_crypto::DigestAlgorithm;
use smime_x509::{
    Certificate, EmailProtection, Error, Generation, KeyManagement, KeyUsage, Location,
    MailboxDefect, MailboxSource, ObjectIdentifier, SmimeCapability, ValidationLevel,
    ValidationType, ValidityStatus, load_certificates,
};

fn corpus(path: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
    .join(path)
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(corpus(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn cert(path: &str) -> Certificate {
    Certificate::from_pem(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn oid(s: &str) -> ObjectIdentifier {
    s.parse().unwrap()
}

fn at(unix: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix)
}

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(':', "")).unwrap()
}

const EMAIL_PROTECTION: &str = "1.3.6.1.5.5.7.3.4";
const NIST_TEST_POLICY_1: &str = "2.16.840.1.101.3.2.1.48.1";

#[test]
fn rfc9216_alice_signing_certificate() {
    let alice = cert("rfc9216/alice@smime.example.sig.pem");
    assert_eq!(
        alice.subject().to_string(),
        "CN=Alice Lovelace,OU=LAMPS WG,O=IETF"
    );
    assert_eq!(
        alice.issuer().to_string(),
        "CN=Sample LAMPS RSA Certification Authority,OU=LAMPS WG,O=IETF"
    );
    assert_eq!(
        alice.serial_number(),
        hex("37410579ED757F42A9A25C3AF4F86ACE9AA9D7")
    );
    assert_eq!(
        alice.subject_key_identifier().unwrap().unwrap(),
        hex("BB:F6:CC:B2:2D:1D:06:12:1C:97:AE:29:6A:90:10:D3:20:66:66:73")
    );
    let aki = alice.authority_key_identifier().unwrap().unwrap();
    assert_eq!(
        aki.key_identifier.unwrap().as_bytes(),
        hex("91:30:8E:7C:07:17:0C:A7:F1:09:28:65:36:1A:67:1C:68:76:F4:59")
    );
    assert_eq!(alice.not_before(), at(1_574_232_858)); // 2019-11-20T06:54:18Z
    assert_eq!(alice.not_after(), at(2_611_032_858)); // 2052-09-27T06:54:18Z
    assert_eq!(
        alice.validity_at(at(1_574_232_857)),
        ValidityStatus::NotYetValid {
            not_before: at(1_574_232_858)
        }
    );
    assert!(
        alice.is_valid_at(at(1_574_232_858)),
        "notBefore is inclusive"
    );
    assert!(
        alice.is_valid_at(at(2_611_032_858)),
        "notAfter is inclusive"
    );
    assert_eq!(
        alice.validity_at(at(2_611_032_859)),
        ValidityStatus::Expired {
            not_after: at(2_611_032_858)
        }
    );

    let bc = alice.basic_constraints().unwrap().unwrap();
    assert!(!bc.ca);
    assert_eq!(bc.path_len_constraint, None);
    assert_eq!(
        alice.key_usage().unwrap(),
        Some(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION)
    );
    assert!(alice.permits_signing().unwrap());
    assert!(!alice.permits_encryption().unwrap());
    assert_eq!(alice.key_management(), KeyManagement::KeyTransport);
    assert_eq!(
        alice.extended_key_usage().unwrap(),
        Some(vec![oid(EMAIL_PROTECTION)])
    );
    assert_eq!(
        alice.email_protection().unwrap(),
        EmailProtection::EmailProtection
    );
    assert_eq!(
        alice.certificate_policies().unwrap(),
        vec![oid(NIST_TEST_POLICY_1)]
    );
    assert_eq!(alice.validation_level().unwrap(), None);
    assert_eq!(alice.smime_capabilities().unwrap(), None);

    let key = alice.public_key().unwrap();
    assert_eq!(
        key.kind(),
        smime_crypto::KeyKind::Rsa { modulus_bits: 2048 }
    );

    let mailboxes = alice.mailboxes().unwrap();
    assert_eq!(mailboxes.len(), 1);
    assert_eq!(mailboxes[0].source(), MailboxSource::Rfc822Name);
    assert_eq!(
        mailboxes[0].address().unwrap().to_string(),
        "alice@smime.example"
    );

    // Fingerprints as `openssl x509 -fingerprint` prints them, with every provider.
    for provider in smime_crypto::all_providers() {
        assert_eq!(
            alice
                .fingerprint(provider, DigestAlgorithm::Sha256)
                .unwrap(),
            hex(
                "61:23:7C:07:02:84:DC:EF:14:EB:B5:A0:5B:0E:89:50:D4:27:EE:46:04:1C:DB:48:91:46:83:30:C1:34:75:A6"
            ),
            "{}",
            provider.name()
        );
        assert_eq!(
            alice.fingerprint(provider, DigestAlgorithm::Sha1).unwrap(),
            hex("32:93:3B:03:53:57:A3:D8:52:DB:33:8B:1F:27:DA:24:05:54:89:76")
        );
    }
}

#[test]
fn rfc9216_signature_over_the_original_tbs_verifies() {
    let ca = cert("rfc9216/Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem");
    let ca_key = ca.public_key().unwrap();
    for name in [
        "alice@smime.example.sig.pem",
        "alice@smime.example.enc.pem",
        "bob@smime.example.sig.pem",
    ] {
        let c = cert(&format!("rfc9216/{name}"));
        let tbs = c.tbs_certificate_der();
        assert_eq!(
            tbs,
            der::Encode::to_der(c.x509().tbs_certificate())
                .unwrap()
                .as_slice()
        );
        assert_eq!(
            c.as_der()[4..4 + tbs.len()],
            *tbs,
            "{name}: TBS follows the 4-byte outer header"
        );
        let signature = c.signature_value().unwrap();
        // sha512WithRSAEncryption (RFC 9216 §2).
        let scheme = smime_crypto::SignatureScheme::RsaPkcs1v15 {
            digest: DigestAlgorithm::Sha512,
        };
        for provider in smime_crypto::all_providers() {
            provider.verify(scheme, &ca_key, tbs, signature).unwrap();
            let mut bad = tbs.to_vec();
            bad[10] ^= 1;
            assert_eq!(
                provider.verify(scheme, &ca_key, &bad, signature),
                Err(smime_crypto::Error::BadSignature)
            );
        }
    }
}

#[test]
fn rfc9216_alice_encryption_certificate() {
    let alice = cert("rfc9216/alice@smime.example.enc.pem");
    assert_eq!(alice.key_usage().unwrap(), Some(KeyUsage::KEY_ENCIPHERMENT));
    assert!(alice.permits_encryption().unwrap());
    assert!(!alice.permits_signing().unwrap());
    assert_eq!(
        alice.serial_number(),
        hex("0F2D25BD1139974ACE425487A1EE3D34068AB4")
    );
    assert!(
        alice
            .match_address("alice@smime.example")
            .unwrap()
            .is_match()
    );
}

#[test]
fn rfc9216_issuer_and_serial() {
    let sig = cert("rfc9216/alice@smime.example.sig.pem");
    let enc = cert("rfc9216/alice@smime.example.enc.pem");
    let tbs = sig.x509().tbs_certificate();
    assert!(sig.matches_issuer_and_serial(tbs.issuer(), tbs.serial_number()));
    // Same issuer, other serial.
    assert!(!enc.matches_issuer_and_serial(tbs.issuer(), tbs.serial_number()));
    // Same serial, other issuer.
    let carlos = cert("rfc9216/carlos@smime.example.sig.pem");
    assert!(!sig.matches_issuer_and_serial(carlos.issuer(), tbs.serial_number()));
}

#[test]
fn rfc9216_carlos_x25519_certificate_loads_without_a_supported_key() {
    let carlos = cert("rfc9216/carlos@smime.example.enc.pem");
    assert_eq!(
        carlos.subject().to_string(),
        "CN=Carlos Turing,OU=LAMPS WG,O=IETF"
    );
    assert_eq!(carlos.public_key_algorithm(), oid("1.3.101.110"));
    match carlos.public_key() {
        Err(Error::PublicKey(smime_crypto::Error::UnsupportedKey(what))) => {
            assert!(what.contains("1.3.101.110"), "{what}")
        }
        other => panic!("X25519 key: {other:?}"),
    }
    assert_eq!(carlos.key_usage().unwrap(), Some(KeyUsage::KEY_AGREEMENT));
    assert_eq!(carlos.key_management(), KeyManagement::KeyAgreement);
    assert!(carlos.permits_encryption().unwrap());
    assert!(!carlos.permits_signing().unwrap(), "X25519 cannot sign");
    assert_eq!(carlos.not_before(), at(1_608_068_144)); // 2020-12-15T21:35:44Z

    let mailboxes = carlos.mailboxes().unwrap();
    assert_eq!(mailboxes.len(), 1);
    assert_eq!(
        mailboxes[0].address().unwrap().to_string(),
        "carlos@smime.example"
    );
    assert!(
        carlos
            .match_address("Carlos <carlos@smime.example>")
            .unwrap()
            .is_match()
    );

    // Its SMIMECapabilities extension: one capability, 1.2.840.113549.1.9.16.3.19, whose
    // parameters are a SEQUENCE holding id-aes128-wrap.
    let caps = carlos.smime_capabilities().unwrap().unwrap();
    assert_eq!(caps.len(), 1);
    let SmimeCapability {
        capability_id,
        parameters,
    } = &caps.0[0];
    assert_eq!(*capability_id, oid("1.2.840.113549.1.9.16.3.19"));
    let parameters = parameters.as_ref().unwrap();
    assert_eq!(parameters.value(), hex("0609608648016503040105"));

    let sig = cert("rfc9216/carlos@smime.example.sig.pem");
    assert!(
        sig.permits_signing().unwrap(),
        "Ed25519 with digitalSignature"
    );
    assert!(!sig.permits_encryption().unwrap(), "Ed25519 cannot encrypt");
    assert_eq!(sig.key_management(), KeyManagement::None);
}

#[test]
fn rfc9216_every_certificate_loads() {
    for entry in std::fs::read_dir(corpus("rfc9216")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".pem") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let result = load_certificates(&bytes);
        if name == "alice.sign.key.pem" {
            assert_eq!(
                result.unwrap_err(),
                Error::NoCertificate {
                    labels: vec!["PRIVATE KEY".into()]
                }
            );
            continue;
        }
        let certs = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(certs.len(), 1, "{name}");
        let c = &certs[0];
        if name.contains("Certification_Authority") {
            assert!(c.basic_constraints().unwrap().unwrap().ca, "{name}");
            assert!(c.mailboxes().unwrap().is_empty(), "{name}");
        } else {
            let person = name.split('@').next().unwrap();
            let m = c.match_address(&format!("{person}@smime.example")).unwrap();
            assert!(m.is_match(), "{name}");
            assert_eq!(
                c.email_protection().unwrap(),
                EmailProtection::EmailProtection
            );
        }
    }
}

#[test]
fn openssl_pem_with_certificate_and_key_loads_one_certificate() {
    let bytes = read("openssl/smime-certs/smrsa1.pem");
    assert!(String::from_utf8_lossy(&bytes).contains("PRIVATE KEY"));
    let certs = load_certificates(&bytes).unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(
        certs[0].subject().to_string(),
        "CN=Test S/MIME EE RSA #1,O=OpenSSL Group,C=UK"
    );
    assert_eq!(
        certs[0].serial_number(),
        hex("33A5353DEA37C337C0248AF320D7A32497E64739")
    );
    assert_eq!(Certificate::from_pem(&bytes).unwrap(), certs[0]);
    // The DER it keeps is exactly what OpenSSL's base64 holds.
    let again = Certificate::from_der(certs[0].as_der()).unwrap();
    assert_eq!(again.as_der(), certs[0].as_der());
}

#[test]
fn openssl_code_signing_certificate_is_not_for_email() {
    let cs = cert("openssl/smime-certs/csrsa1.pem");
    assert_eq!(
        cs.extended_key_usage().unwrap(),
        Some(vec![oid("1.3.6.1.5.5.7.3.3")])
    );
    let verdict = cs.email_protection().unwrap();
    assert_eq!(verdict, EmailProtection::NotPermitted);
    assert!(!verdict.is_permitted());
    assert_eq!(cs.key_usage().unwrap(), Some(KeyUsage::DIGITAL_SIGNATURE));
}

#[test]
fn openssl_smime_certs_all_load() {
    let mut loaded = BTreeMap::new();
    for entry in std::fs::read_dir(corpus("openssl/smime-certs")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let result = load_certificates(&std::fs::read(&path).unwrap());
        loaded.insert(name, result.map(|c| c.len()));
    }
    for (name, result) in &loaded {
        match name.as_str() {
            "smdsap.pem" => assert_eq!(
                result,
                &Err(Error::NoCertificate {
                    labels: vec!["DSA PARAMETERS".into()]
                })
            ),
            "smrsa3-key.pem" => {
                assert!(matches!(result, Err(Error::NoCertificate { .. })), "{name}")
            }
            _ => assert_eq!(result, &Ok(1), "{name}"),
        }
    }
    let root = cert("openssl/smime-certs/smroot.pem");
    assert!(root.basic_constraints().unwrap().unwrap().ca);
    // Keys other than RSA and P-256/P-384 still load; only the public key is refused.
    for name in ["smdsa1.pem", "smec2.pem", "smdh.pem"] {
        let c = cert(&format!("openssl/smime-certs/{name}"));
        assert!(matches!(c.public_key(), Err(Error::PublicKey(_))), "{name}");
    }
    let ec = cert("openssl/smime-certs/smec1.pem");
    assert_eq!(
        ec.public_key().unwrap().kind(),
        smime_crypto::KeyKind::Ec {
            curve: smime_crypto::EcCurve::P256
        }
    );
    assert_eq!(ec.key_management(), KeyManagement::KeyAgreement);
}

#[test]
fn pyca_non_ascii_rfc822_name_is_reported_not_mangled() {
    let c = cert("pyca-cryptography/pkcs7/non-ascii-san.pem");
    let mailboxes = c.mailboxes().unwrap();
    assert_eq!(mailboxes.len(), 1);
    assert_eq!(mailboxes[0].source(), MailboxSource::Rfc822Name);
    assert_eq!(
        mailboxes[0].address(),
        Err(&MailboxDefect::NonAscii {
            raw: "retourné@example.com".as_bytes().to_vec()
        })
    );
    assert_eq!(
        mailboxes[0].to_string(),
        "malformed subjectAltName rfc822Name: non-ASCII bytes in an IA5String: \"retourn\\xc3\\xa9@example.com\""
    );
    // Neither spelling matches a malformed entry.
    for from in ["retourné@example.com", "retourne@example.com"] {
        let m = c.match_address(from).unwrap();
        assert!(!m.is_match(), "{from}");
        assert_eq!(m.mailboxes().len(), 1);
    }
}

#[test]
fn pyca_smtp_utf8_mailbox_is_read() {
    let c = cert("pyca-cryptography/pkcs7/ascii-san.pem");
    let mailboxes = c.mailboxes().unwrap();
    assert_eq!(mailboxes.len(), 1);
    assert_eq!(mailboxes[0].source(), MailboxSource::SmtpUtf8Mailbox);
    assert_eq!(
        mailboxes[0].address().unwrap().to_string(),
        "retourne@example.com"
    );
    let m = c.match_address("<retourne@EXAMPLE.com>").unwrap();
    assert_eq!(
        m.matched().unwrap().source(),
        MailboxSource::SmtpUtf8Mailbox
    );
    assert_eq!(
        m.to_string(),
        "retourne@EXAMPLE.com matches the certificate's subjectAltName SmtpUTF8Mailbox"
    );
}

#[test]
fn mimekit_startcom_chain() {
    let root_bytes = read("mimekit/smime/StartComCertificationAuthority.crt");
    let int_bytes = read("mimekit/smime/StartComClass1PrimaryIntermediateClientCA.crt");
    let root = Certificate::from_pem(&root_bytes).unwrap();
    let intermediate = Certificate::from_pem(&int_bytes).unwrap();
    assert_eq!(
        root.subject().to_string(),
        "CN=StartCom Certification Authority,OU=Secure Digital Certificate Signing,O=StartCom Ltd.,C=IL"
    );
    assert_eq!(intermediate.issuer(), root.subject());
    assert_eq!(root.serial_number(), [0x2d]);
    assert_eq!(intermediate.serial_number(), [0x1e]);
    assert!(root.basic_constraints().unwrap().unwrap().ca);
    assert_eq!(
        root.key_usage().unwrap(),
        Some(KeyUsage::KEY_CERT_SIGN | KeyUsage::CRL_SIGN)
    );
    assert!(!root.permits_signing().unwrap());
    assert_eq!(
        root.certificate_policies().unwrap(),
        vec![oid("1.3.6.1.4.1.23223.1.1.1")]
    );
    assert_eq!(
        intermediate.certificate_policies().unwrap(),
        vec![oid("1.3.6.1.4.1.23223.1.2.1")]
    );
    assert_eq!(
        intermediate
            .authority_key_identifier()
            .unwrap()
            .unwrap()
            .key_identifier,
        root.subject_key_identifier()
            .unwrap()
            .map(|ski| der::asn1::OctetString::new(ski).unwrap())
    );
    assert_eq!(
        root.fingerprint(smime_crypto::default_provider(), DigestAlgorithm::Sha1)
            .unwrap(),
        hex("A3:F1:33:3F:E2:42:BF:CF:C5:D1:4E:8F:39:42:98:40:68:10:D1:A0")
    );

    // The two files concatenated are a bundle of two.
    let bundle = [int_bytes.as_slice(), root_bytes.as_slice()].concat();
    let certs = load_certificates(&bundle).unwrap();
    assert_eq!(certs, vec![intermediate, root]);
    assert_eq!(
        Certificate::from_pem(&bundle),
        Err(Error::NotOneCertificate { count: 2 })
    );
}

#[test]
fn mimekit_thunderbird_signer_via_openssl() {
    // `openssl pkcs7 -print_certs` writes a bundle with subject=/issuer= text lines between
    // the blocks: the signer's certificate and its intermediate.
    let dir = tempfile::tempdir().unwrap();
    let p7 = dir.path().join("sig.p7");
    let status = std::process::Command::new("openssl")
        .args(["smime", "-pk7out", "-in"])
        .arg(corpus("mimekit/smime/thunderbird-signed.txt"))
        .arg("-out")
        .arg(&p7)
        .status()
        .expect("openssl CLI");
    assert!(status.success());
    let out = std::process::Command::new("openssl")
        .args(["pkcs7", "-print_certs", "-in"])
        .arg(&p7)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("subject="));
    let certs = load_certificates(&out.stdout).unwrap();
    assert_eq!(certs.len(), 2);
    let signer = &certs[0];
    assert_eq!(
        signer
            .fingerprint(smime_crypto::default_provider(), DigestAlgorithm::Sha1)
            .unwrap(),
        hex("354ea4dcf98166639b58ec5df06a65de0cd8a95c")
    );
    assert_eq!(signer.serial_number(), hex("0800f7"));
    let mailboxes = signer.mailboxes().unwrap();
    let found: Vec<_> = mailboxes
        .iter()
        .map(|m| (m.source(), m.address().unwrap().to_string()))
        .collect();
    assert_eq!(
        found,
        vec![
            (MailboxSource::Rfc822Name, "fejj@gnome.org".to_owned()),
            (
                MailboxSource::SubjectEmailAddress,
                "fejj@gnome.org".to_owned()
            ),
        ]
    );
    assert_eq!(
        signer.extended_key_usage().unwrap(),
        Some(vec![oid("1.3.6.1.5.5.7.3.2"), oid(EMAIL_PROTECTION)])
    );
    assert_eq!(
        signer.email_protection().unwrap(),
        EmailProtection::EmailProtection
    );
    assert_eq!(
        signer.key_usage().unwrap(),
        Some(
            KeyUsage::DIGITAL_SIGNATURE | KeyUsage::KEY_ENCIPHERMENT | KeyUsage::DATA_ENCIPHERMENT
        )
    );
    // Signed on 2013-11-02T20:28:04Z, within the validity; expired 2014-11-01T20:09:16Z.
    assert!(signer.is_valid_at(at(1_383_424_084)));
    assert_eq!(
        signer.validity_at(SystemTime::now()),
        ValidityStatus::Expired {
            not_after: at(1_414_872_556)
        }
    );
    assert_eq!(signer.not_before(), at(1_383_248_778));
    assert_eq!(
        certs[1],
        cert("mimekit/smime/StartComClass1PrimaryIntermediateClientCA.crt")
    );
}

/// PKITS certificates that do not load, each with the reason. Any other failure, or one of
/// these loading after all, fails the test.
const PKITS_EXCEPTIONS: &[(&str, &str)] = &[(
    "Validpre2000UTCnotBeforeDateTest3EE.crt",
    "notBefore 1950 (UTCTime 50xxxx): x509-cert 0.3 / der 0.8 represent times from 1970 only",
)];

#[test]
fn nist_pkits_every_certificate() {
    let mut count = 0;
    for entry in std::fs::read_dir(corpus("nist-pkits/certs")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        count += 1;
        let expected_failure = PKITS_EXCEPTIONS.iter().find(|(n, _)| *n == name);
        match (load_certificates(&bytes), expected_failure) {
            (Ok(certs), None) => {
                assert_eq!(certs.len(), 1);
                let c = &certs[0];
                assert_eq!(c.as_der(), bytes.as_slice());
                // Every extension this crate reads decodes in PKITS.
                c.mailboxes().unwrap();
                c.certificate_policies().unwrap();
                c.key_usage().unwrap();
                c.basic_constraints().unwrap();
                c.authority_key_identifier().unwrap();
                c.subject_key_identifier().unwrap();
                c.email_protection().unwrap();
                assert_eq!(c.validation_level().unwrap(), None);
                assert!(c.issuer().to_string().ends_with(",C=US"), "{name}");
            }
            (Err(e), Some(_)) => assert!(
                matches!(
                    e,
                    Error::Decode {
                        location: Location::Der {
                            index: 0,
                            offset: 0
                        },
                        ..
                    }
                ),
                "{name}: {e}"
            ),
            (Ok(_), Some((_, reason))) => {
                panic!("{name} loads now; remove its exception ({reason})")
            }
            (Err(e), None) => panic!("{name}: {e}"),
        }
    }
    assert_eq!(count, 405);
}

#[test]
fn nist_pkits_edge_cases() {
    let pkits =
        |name: &str| Certificate::from_der(&read(&format!("nist-pkits/certs/{name}"))).unwrap();
    assert_eq!(
        pkits("AllCertificatesSamePoliciesTest10EE.crt")
            .certificate_policies()
            .unwrap(),
        vec![oid(NIST_TEST_POLICY_1), oid("2.16.840.1.101.3.2.1.48.2")]
    );
    // 02 02 00 FF: 255, with the sign octet; 02 01 FF: -1, which must still load.
    assert_eq!(
        pkits("ValidNegativeSerialNumberTest14EE.crt").serial_number(),
        [0x00, 0xff]
    );
    assert_eq!(
        pkits("InvalidNegativeSerialNumberTest15EE.crt").serial_number(),
        [0xff]
    );
    assert_eq!(
        pkits("ValidLongSerialNumberTest16EE.crt").serial_number(),
        hex("7F0102030405060708090A0B0C0D0E0F10111212")
    );
    assert_eq!(
        pkits("ValidGeneralizedTimenotAfterDateTest8EE.crt").not_after(),
        at(2_524_651_260) // 2050-01-01T12:01:00Z, a GeneralizedTime
    );
    let ee = pkits("ValidRFC822nameConstraintsTest21EE.crt");
    let m = ee
        .match_address("Test21EE@MAILSERVER.testcertificates.gov")
        .unwrap();
    assert!(m.is_match());
    // A certificate with an empty subject and only a SAN address.
    let dn14 = pkits("ValidDNnameConstraintsTest14EE.crt");
    assert!(dn14.subject().is_empty());
    assert_eq!(dn14.subject().to_string(), "");
    assert!(
        dn14.match_address("ValidDNnameConstraintsTest14EE@testcertificates.gov")
            .unwrap()
            .is_match()
    );
    assert!(
        !ee.match_address("test21ee@mailserver.testcertificates.gov")
            .unwrap()
            .is_match()
    );
    // Certificates without an extended key usage extension carry no restriction.
    assert_eq!(
        pkits("ValidCertificatePathTest1EE.crt")
            .email_protection()
            .unwrap(),
        EmailProtection::NoRestriction
    );
    assert!(
        pkits("UserNoticeQualifierTest19EE.crt")
            .certificate_policies()
            .is_ok()
    );
    // The NIST policies are not CA/B Forum levels.
    assert_eq!(
        pkits("ValidCertificatePathTest1EE.crt")
            .validation_level()
            .unwrap(),
        None
    );
    let _ = (
        ValidationLevel::from_policy(&oid(NIST_TEST_POLICY_1)),
        Generation::Strict,
        ValidationType::MailboxValidated,
    );
}
