//! Certificates made by the `openssl` CLI in a temporary directory, carrying what S/MIME
//! reads: CA/B Forum policies, SmtpUTF8Mailbox, subject emailAddress, SMIMECapabilities, key
//! usage and extended key usage. Some are then altered byte-wise to make malformed ones.

// Tests may unwrap and index: a panic is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use smime_crypto::DigestAlgorithm;
use smime_x509::{
    Certificate, EmailProtection, Error, Generation, KeyManagement, KeyUsage, Location,
    MailboxDefect, MailboxSource, ObjectIdentifier, SmimeCapabilities, SmimeCapability,
    ValidationLevel, ValidationType, load_certificates,
};

struct Openssl {
    dir: tempfile::TempDir,
}

impl Openssl {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("req.cnf"),
            "[req]\ndistinguished_name=dn\n[dn]\n",
        )
        .unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A key: `"ec"` (P-256) or `"rsa"` (2048 bits), made once per name.
    fn key(&self, kind: &str) -> PathBuf {
        let path = self.path(&format!("{kind}.key"));
        if !path.exists() {
            let mut cmd = Command::new("openssl");
            cmd.arg("genpkey");
            match kind {
                "ec" => cmd.args(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                "rsa" => cmd.args(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                _ => panic!("key kind {kind}"),
            };
            run(cmd.arg("-out").arg(&path));
        }
        path
    }

    /// A self-signed certificate (DER) with the given subject; `extensions` are lines of an
    /// OpenSSL config extension section (one `name=value` per item; further sections may
    /// follow, e.g. `[alt]` for a subjectAltName written as `subjectAltName=@alt`).
    fn cert(&self, name: &str, key: &str, subject: &str, extensions: &[&str]) -> Vec<u8> {
        let out = self.path(&format!("{name}.der"));
        let config = self.path(&format!("{name}.cnf"));
        let mut text = String::from("[req]\ndistinguished_name=dn\n[dn]\n[ext]\n");
        for line in extensions {
            text.push_str(line);
            text.push('\n');
        }
        std::fs::write(&config, text).unwrap();
        let mut cmd = Command::new("openssl");
        cmd.args([
            "req", "-x509", "-new", "-utf8", "-days", "30", "-outform", "DER", "-subj", subject,
        ])
        .args(["-extensions", "ext", "-config"])
        .arg(&config)
        .arg("-key")
        .arg(self.key(key))
        .arg("-out")
        .arg(&out);
        run(&mut cmd);
        std::fs::read(out).unwrap()
    }

    /// `openssl x509` on a DER certificate, returning stdout.
    fn x509(&self, der: &[u8], args: &[&str]) -> Vec<u8> {
        let input = self.path("input.der");
        std::fs::write(&input, der).unwrap();
        let out = Command::new("openssl")
            .args(["x509", "-inform", "DER", "-in"])
            .arg(&input)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("the openssl CLI must be installed");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn oid(s: &str) -> ObjectIdentifier {
    s.parse().unwrap()
}

/// Replaces every occurrence of `from` by `to` (same length) in `der`.
fn patch(der: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = der.to_vec();
    let mut found = 0;
    let mut i = 0;
    while i + from.len() <= out.len() {
        if out[i..i + from.len()] == *from {
            out[i..i + from.len()].copy_from_slice(to);
            found += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert!(found > 0, "pattern not found");
    out
}

/// SMIMECapabilities: aes256-CBC without parameters, then rc2-cbc with INTEGER 128.
const CAPABILITIES_DER: &str = "301d300b060960864801650304012a300e06082a864886f70d030202020080";

#[test]
fn smime_fields_of_a_generated_certificate() {
    let ssl = Openssl::new();
    let der = ssl.cert(
        "petr",
        "ec",
        "/CN=Пётр/emailAddress=petr@example.com",
        &[
            "certificatePolicies=2.23.140.1.5.3.3,1.2.3.4",
            &format!("1.2.840.113549.1.9.15=DER:{CAPABILITIES_DER}"),
            "extendedKeyUsage=serverAuth",
            "keyUsage=critical,keyAgreement",
            "subjectKeyIdentifier=hash",
            "subjectAltName=@alt",
            "[alt]",
            "email.1=petr@example.com",
            // FORMAT:UTF8 makes OpenSSL take the text as UTF-8 (see the test below).
            "otherName.1=1.3.6.1.5.5.7.8.9;FORMAT:UTF8,UTF8:пётр@пример.рф",
        ],
    );
    let c = Certificate::from_der(&der).unwrap();
    assert_eq!(c.as_der(), der.as_slice());
    assert_eq!(c.subject().to_string(), "EMAIL=petr@example.com,CN=Пётр");

    // Serial number and fingerprint as OpenSSL sees them.
    let serial = String::from_utf8(ssl.x509(&der, &["-noout", "-serial"])).unwrap();
    assert_eq!(
        // Compare as numbers written in hex: no leading zero nibbles on either side.
        hex::encode_upper(c.serial_number()).trim_start_matches('0'),
        serial
            .trim()
            .trim_start_matches("serial=")
            .trim_start_matches('0')
    );
    let fp = String::from_utf8(ssl.x509(&der, &["-noout", "-fingerprint", "-sha256"])).unwrap();
    let fp = hex::decode(fp.trim().split('=').nth(1).unwrap().replace(':', "")).unwrap();
    assert_eq!(
        c.fingerprint(smime_crypto::default_provider(), DigestAlgorithm::Sha256)
            .unwrap(),
        fp
    );

    // The PEM form loads to the same certificate.
    let pem = ssl.x509(&der, &["-outform", "PEM"]);
    assert_eq!(Certificate::from_pem(&pem).unwrap(), c);

    // CA/B Forum policy.
    assert_eq!(
        c.certificate_policies().unwrap(),
        vec![oid("2.23.140.1.5.3.3"), oid("1.2.3.4")]
    );
    let level = c.validation_level().unwrap().unwrap();
    assert_eq!(
        level,
        ValidationLevel {
            kind: ValidationType::SponsorValidated,
            generation: Generation::Strict
        }
    );
    assert_eq!(level.to_string(), "Sponsor-validated, strict");

    // Mailboxes, in certificate order, with their sources.
    let mailboxes: Vec<_> = c
        .mailboxes()
        .unwrap()
        .iter()
        .map(|m| (m.source(), m.address().unwrap().to_string()))
        .collect();
    assert_eq!(
        mailboxes,
        vec![
            (MailboxSource::Rfc822Name, "petr@example.com".to_owned()),
            (MailboxSource::SmtpUtf8Mailbox, "пётр@пример.рф".to_owned()),
            (
                MailboxSource::SubjectEmailAddress,
                "petr@example.com".to_owned()
            ),
        ]
    );
    let m = c.match_address("Пётр <пётр@пример.рф>").unwrap();
    assert_eq!(
        m.matched().unwrap().source(),
        MailboxSource::SmtpUtf8Mailbox
    );
    // The same domain as A-labels.
    let m = c.match_address("пётр@XN--E1AFMKFD.xn--p1ai").unwrap();
    assert_eq!(
        m.matched().unwrap().source(),
        MailboxSource::SmtpUtf8Mailbox
    );
    // The local part is compared exactly.
    assert!(!c.match_address("ПЁТР@пример.рф").unwrap().is_match());
    assert!(!c.match_address("petr@пример.рф").unwrap().is_match());
    let m = c.match_address("PETR@example.com").unwrap();
    assert!(!m.is_match());
    assert_eq!(
        m.to_string(),
        "PETR@example.com matches none of the certificate's 3 mailbox entries"
    );
    let m = c.match_address("petr@EXAMPLE.COM").unwrap();
    assert_eq!(m.matched().unwrap().source(), MailboxSource::Rfc822Name);
    assert!(matches!(
        c.match_address("not an address"),
        Err(Error::InvalidAddress { .. })
    ));

    // SMIMECapabilities extension.
    let caps = c.smime_capabilities().unwrap().unwrap();
    assert_eq!(caps.len(), 2);
    assert_eq!(
        caps.0[0],
        SmimeCapability::new(oid("2.16.840.1.101.3.4.1.42"))
    );
    assert_eq!(caps.0[1].capability_id, oid("1.2.840.113549.3.2"));
    assert_eq!(caps.0[1].parameters.as_ref().unwrap().value(), [0x00, 0x80]);
    assert_eq!(
        der::Encode::to_der(&caps).unwrap(),
        hex::decode(CAPABILITIES_DER).unwrap()
    );
    let _: &SmimeCapabilities = &caps;

    // serverAuth only: not for e-mail. keyAgreement on an EC key: encryption, not signing.
    assert_eq!(
        c.extended_key_usage().unwrap(),
        Some(vec![oid("1.3.6.1.5.5.7.3.1")])
    );
    assert_eq!(c.email_protection().unwrap(), EmailProtection::NotPermitted);
    assert_eq!(c.key_usage().unwrap(), Some(KeyUsage::KEY_AGREEMENT));
    assert_eq!(c.key_management(), KeyManagement::KeyAgreement);
    assert!(c.permits_encryption().unwrap());
    assert!(!c.permits_signing().unwrap());
    assert_eq!(
        c.public_key().unwrap().kind(),
        smime_crypto::KeyKind::Ec {
            curve: smime_crypto::EcCurve::P256
        }
    );
    // The subjectKeyIdentifier is the one OpenSSL prints.
    let ski =
        String::from_utf8(ssl.x509(&der, &["-noout", "-ext", "subjectKeyIdentifier"])).unwrap();
    let ski = hex::decode(ski.lines().nth(1).unwrap().trim().replace(':', "")).unwrap();
    assert_eq!(c.subject_key_identifier().unwrap().unwrap(), ski);
}

#[test]
fn smtp_utf8_mailbox_mangled_by_openssl_addext_is_reported() {
    // Without FORMAT:UTF8, OpenSSL 3.0 reads the value as Latin-1 and encodes each byte as a
    // character: "пётр" becomes "Ð¿Ñ\u{91}…", with C1 control characters. That is no mailbox.
    let ssl = Openssl::new();
    let der = ssl.cert(
        "mangled",
        "ec",
        "/CN=mangled",
        &["subjectAltName=otherName:1.3.6.1.5.5.7.8.9;UTF8:пётр@пример.рф"],
    );
    let mailboxes = Certificate::from_der(&der).unwrap().mailboxes().unwrap();
    assert_eq!(mailboxes.len(), 1);
    assert_eq!(mailboxes[0].source(), MailboxSource::SmtpUtf8Mailbox);
    match mailboxes[0].address() {
        Err(MailboxDefect::Syntax { value, reason }) => {
            assert_eq!(*reason, "contains a control character");
            assert!(value.starts_with("Ð¿Ñ"), "{value}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_cabf_smime_policy_gives_its_level() {
    let ssl = Openssl::new();
    let kinds = [
        ValidationType::MailboxValidated,
        ValidationType::OrganizationValidated,
        ValidationType::SponsorValidated,
        ValidationType::IndividualValidated,
    ];
    let generations = [
        Generation::Legacy,
        Generation::Multipurpose,
        Generation::Strict,
    ];
    for (t, kind) in kinds.into_iter().enumerate() {
        for (g, generation) in generations.into_iter().enumerate() {
            let policy = format!("2.23.140.1.5.{}.{}", t + 1, g + 1);
            let der = ssl.cert(
                "level",
                "ec",
                "/CN=level",
                &[&format!("certificatePolicies=1.3.6.1.4.1.99999.1,{policy}")],
            );
            let c = Certificate::from_der(&der).unwrap();
            assert_eq!(
                c.validation_level().unwrap(),
                Some(ValidationLevel { kind, generation }),
                "{policy}"
            );
        }
    }
    // No BR policy, and no policies at all.
    let der = ssl.cert(
        "none",
        "ec",
        "/CN=none",
        &["certificatePolicies=2.23.140.1.2.1"],
    );
    assert_eq!(
        Certificate::from_der(&der)
            .unwrap()
            .validation_level()
            .unwrap(),
        None
    );
    let der = ssl.cert("bare", "ec", "/CN=bare", &[]);
    let bare = Certificate::from_der(&der).unwrap();
    assert_eq!(bare.validation_level().unwrap(), None);
    assert!(bare.certificate_policies().unwrap().is_empty());
}

#[test]
fn two_different_levels_conflict() {
    let ssl = Openssl::new();
    let der = ssl.cert(
        "conflict",
        "ec",
        "/CN=conflict",
        &["certificatePolicies=2.23.140.1.5.1.1,2.23.140.1.5.4.2"],
    );
    let err = Certificate::from_der(&der)
        .unwrap()
        .validation_level()
        .unwrap_err();
    assert_eq!(
        err,
        Error::ConflictingValidationLevels {
            first: ValidationLevel {
                kind: ValidationType::MailboxValidated,
                generation: Generation::Legacy
            },
            second: ValidationLevel {
                kind: ValidationType::IndividualValidated,
                generation: Generation::Multipurpose
            },
        }
    );
    assert_eq!(
        err.to_string(),
        "conflicting CA/B Forum S/MIME policies: Mailbox-validated, legacy and Individual-validated, multipurpose"
    );
}

#[test]
fn extended_key_usage_verdicts() {
    let ssl = Openssl::new();
    let verdict = |eku: &[&str]| {
        let der = ssl.cert("eku", "ec", "/CN=eku", eku);
        Certificate::from_der(&der)
            .unwrap()
            .email_protection()
            .unwrap()
    };
    assert_eq!(verdict(&[]), EmailProtection::NoRestriction);
    assert_eq!(
        verdict(&["extendedKeyUsage=emailProtection"]),
        EmailProtection::EmailProtection
    );
    assert_eq!(
        verdict(&["extendedKeyUsage=anyExtendedKeyUsage"]),
        EmailProtection::AnyExtendedKeyUsage
    );
    assert_eq!(
        verdict(&["extendedKeyUsage=serverAuth,clientAuth"]),
        EmailProtection::NotPermitted
    );
    assert_eq!(
        verdict(&["extendedKeyUsage=serverAuth,emailProtection"]),
        EmailProtection::EmailProtection
    );
}

#[test]
fn key_usage_for_signing_and_encryption() {
    let ssl = Openssl::new();
    let check = |key: &str, ku: Option<&str>| {
        let ext = ku.map(|ku| format!("keyUsage=critical,{ku}"));
        let exts: Vec<&str> = ext.iter().map(String::as_str).collect();
        let der = ssl.cert("ku", key, "/CN=ku", &exts);
        let c = Certificate::from_der(&der).unwrap();
        (
            c.permits_signing().unwrap(),
            c.permits_encryption().unwrap(),
        )
    };
    // No keyUsage extension: no restriction.
    assert_eq!(check("rsa", None), (true, true));
    assert_eq!(check("ec", None), (true, true));
    // RSA: keyEncipherment for encryption (RFC 8550 §4.4.2).
    assert_eq!(check("rsa", Some("keyEncipherment")), (false, true));
    assert_eq!(check("rsa", Some("keyAgreement")), (false, false));
    assert_eq!(check("rsa", Some("digitalSignature")), (true, false));
    assert_eq!(check("rsa", Some("nonRepudiation")), (true, false));
    // EC: keyAgreement for encryption.
    assert_eq!(check("ec", Some("keyEncipherment")), (false, false));
    assert_eq!(check("ec", Some("keyAgreement")), (false, true));
    assert_eq!(
        check("ec", Some("digitalSignature,keyAgreement")),
        (true, true)
    );
    assert_eq!(check("ec", Some("keyCertSign,cRLSign")), (false, false));
}

#[test]
fn duplicate_extension_is_refused() {
    let ssl = Openssl::new();
    let der = ssl.cert(
        "dup",
        "ec",
        "/CN=dup",
        &["1.2.3.4=DER:0500", "1.2.3.5=DER:0500"],
    );
    assert!(Certificate::from_der(&der).is_ok());
    // Rename 1.2.3.5 to 1.2.3.4 (the signature no longer verifies; loading does not check it).
    let dup = patch(
        &der,
        &[0x06, 0x03, 0x2a, 0x03, 0x05],
        &[0x06, 0x03, 0x2a, 0x03, 0x04],
    );
    assert_eq!(
        Certificate::from_der(&dup).unwrap_err(),
        Error::DuplicateExtension {
            location: Location::Der {
                index: 0,
                offset: 0
            },
            name: "unknown",
            oid: oid("1.2.3.4"),
        }
    );
    // The same inside a bundle says which certificate.
    let bundle = [der.as_slice(), dup.as_slice()].concat();
    assert_eq!(
        load_certificates(&bundle).unwrap_err(),
        Error::DuplicateExtension {
            location: Location::Der {
                index: 1,
                offset: der.len()
            },
            name: "unknown",
            oid: oid("1.2.3.4"),
        }
    );
}

#[test]
fn malformed_subject_alt_name_is_an_extension_error() {
    let ssl = Openssl::new();
    // SEQUENCE claiming 5 bytes holding 3.
    let der = ssl.cert("san", "ec", "/CN=san", &["2.5.29.17=DER:3005810161"]);
    let c = Certificate::from_der(&der).unwrap();
    match c.mailboxes().unwrap_err() {
        Error::Extension { oid: o, name, .. } => {
            assert_eq!(o, oid("2.5.29.17"));
            assert_eq!(name, "id-ce-subjectAltName");
        }
        other => panic!("{other:?}"),
    }
    assert!(c.match_address("a@example.com").is_err());
    // The rest of the certificate is still readable.
    assert_eq!(c.subject().to_string(), "CN=san");
}

#[test]
fn malformed_mailbox_entries_are_reported_one_by_one() {
    let ssl = Openssl::new();
    // SAN: an SmtpUTF8Mailbox holding an IA5String, an rfc822Name without '@', a dNSName
    // (ignored), and a good rfc822Name.
    let san = concat!(
        "3028",
        "a013",
        "06082b06010505070809",
        "a007",
        "1605",
        "6140622e63", // otherName, IA5 "a@b.c"
        "8104",
        "61622e63", // rfc822Name "ab.c"
        "8203",
        "782e79", // dNSName "x.y"
        "8106",
        "7840792e7a7a", // rfc822Name "x@y.zz"
    );
    let der = ssl.cert(
        "bad",
        "ec",
        "/CN=bad/emailAddress=legacy@example.com",
        &[&format!("2.5.29.17=DER:{san}")],
    );
    // Make the subject's (and issuer's) emailAddress a UTF8String.
    let der = patch(
        &der,
        &[
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01, 0x16,
        ],
        &[
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01, 0x0c,
        ],
    );
    let c = Certificate::from_der(&der).unwrap();
    let mailboxes = c.mailboxes().unwrap();
    let found: Vec<_> = mailboxes
        .iter()
        .map(|m| {
            (
                m.source(),
                m.address().map(ToString::to_string).map_err(Clone::clone),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                MailboxSource::SmtpUtf8Mailbox,
                Err(MailboxDefect::WrongStringType {
                    expected: "UTF8String",
                    found: "IA5String".into()
                })
            ),
            (
                MailboxSource::Rfc822Name,
                Err(MailboxDefect::Syntax {
                    value: "ab.c".into(),
                    reason: "no '@'"
                })
            ),
            (MailboxSource::Rfc822Name, Ok("x@y.zz".into())),
            (
                MailboxSource::SubjectEmailAddress,
                Err(MailboxDefect::WrongStringType {
                    expected: "IA5String",
                    found: "UTF8String".into()
                })
            ),
        ]
    );
    assert!(c.match_address("x@Y.ZZ").unwrap().is_match());
    assert!(!c.match_address("a@b.c").unwrap().is_match());
    assert!(!c.match_address("legacy@example.com").unwrap().is_match());
}

#[test]
fn bundle_of_generated_certificates_with_keys_between() {
    let ssl = Openssl::new();
    let a = ssl.cert("a", "ec", "/CN=a", &[]);
    let b = ssl.cert("b", "ec", "/CN=b", &[]);
    let pem_a = ssl.x509(&a, &["-outform", "PEM"]);
    let pem_b = ssl.x509(&b, &["-outform", "PEM"]);
    let key = std::fs::read(ssl.key("ec")).unwrap();
    let mut bundle = b"Bag Attributes: none\r\n".to_vec();
    bundle.extend_from_slice(&pem_a);
    bundle.extend_from_slice(&key);
    bundle.extend_from_slice(b"\r\nsome text between\r\n");
    bundle.extend_from_slice(&pem_b);
    let certs = load_certificates(&bundle).unwrap();
    let subjects: Vec<_> = certs.iter().map(|c| c.subject().to_string()).collect();
    assert_eq!(subjects, ["CN=a", "CN=b"]);
    assert_eq!(certs[0].as_der(), a.as_slice());
    assert_eq!(certs[1].as_der(), b.as_slice());
    // CRLF line ends.
    let crlf = String::from_utf8(pem_a).unwrap().replace('\n', "\r\n");
    assert_eq!(
        Certificate::from_pem(crlf.as_bytes()).unwrap().as_der(),
        a.as_slice()
    );
    let _ = Path::new("");
}
