//! Certificates issued by `smime_x509::builder`, checked three ways: OpenSSL verifies the
//! chains (`openssl verify -x509_strict -purpose smimesign`), `openssl x509 -text` shows the
//! fields we set, and our own accessors read back exactly what we set. Every test runs over
//! `smime_crypto::all_providers()` (build with `--features aws-lc` for both backends).

// Tests may unwrap and index: a panic is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use der::{Decode, Encode};
use smime_crypto::{
    CryptoProvider, DigestAlgorithm, EcCurve, KeyKind, PrivateKey, SignatureScheme,
};
use smime_x509::builder::{
    CertificateBuilder, DEFAULT_BACKDATE, DEFAULT_VALIDITY, ProviderSignature, ProviderSigner,
    SERIAL_NUMBER_LEN, TestPki, self_signed_smime_certificate, smime_subject,
};
use smime_x509::x509_cert::ext::pkix::BasicConstraints;
use smime_x509::x509_cert::time::Time;
use smime_x509::{
    Certificate, EmailProtection, Error, Generation, KeyUsage, MailboxSource, ObjectIdentifier,
    SmimeCapabilities, SmimeCapability, ValidationLevel, ValidationType,
};
use spki::AlgorithmIdentifierRef;

const EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
const SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
const MAILBOX_STRICT: ValidationLevel = ValidationLevel {
    kind: ValidationType::MailboxValidated,
    generation: Generation::Strict,
};

/// 2024-01-01T00:00:00Z.
const JAN_2024: u64 = 1_704_067_200;
/// 2049-12-31T23:59:59Z: the last second a UTCTime can hold.
const END_2049: u64 = 2_524_607_999;
/// 2051-01-01T00:00:00Z: needs a GeneralizedTime (RFC 5280 §4.1.2.5).
const JAN_2051: u64 = 2_556_144_000;

const LEAF_SERIAL: [u8; 16] = [
    0x5e, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
];
const CRL_URI: &str = "http://crl.example.org/smime-ca.crl";

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn key(provider: &dyn CryptoProvider, kind: KeyKind) -> Arc<dyn PrivateKey> {
    provider
        .private_key_from_pkcs8(&provider.generate_pkcs8(kind).unwrap())
        .unwrap()
}

fn capabilities() -> SmimeCapabilities {
    SmimeCapabilities(vec![
        SmimeCapability::new("2.16.840.1.101.3.4.1.46".parse().unwrap()), // aes256-GCM
        SmimeCapability::new("2.16.840.1.101.3.4.1.42".parse().unwrap()), // aes256-CBC
    ])
}

/// A temporary directory for the `openssl` CLI.
struct Openssl {
    dir: tempfile::TempDir,
}

impl Openssl {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a certificate as PEM; returns its path.
    fn write_cert(&self, name: &str, cert: &Certificate) -> PathBuf {
        let path = self.path(name);
        let pem =
            pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, cert.as_der())
                .unwrap();
        std::fs::write(&path, pem).unwrap();
        path
    }

    /// `openssl x509 -text`, with runs of white space folded into one space.
    fn text(&self, cert: &Certificate) -> String {
        let path = self.write_cert("text.pem", cert);
        let out = openssl(&["x509", "-noout", "-text", "-in"], &[&path]);
        assert!(out.status.success(), "{}", stderr(&out));
        fold(&String::from_utf8(out.stdout).unwrap())
    }

    /// `openssl verify -x509_strict -purpose smimesign` of `leaf` up to `root`, with
    /// `untrusted` as the intermediates to build the chain from.
    fn verify(&self, root: &Certificate, untrusted: &[&Certificate], leaf: &Certificate) -> Output {
        self.run_verify(&["-purpose", "smimesign"], root, untrusted, leaf)
    }

    /// `openssl verify -x509_strict` without a purpose, for CA certificates (which the
    /// `smimesign` purpose rejects as end entities: they cannot sign mail).
    fn verify_ca(
        &self,
        root: &Certificate,
        untrusted: &[&Certificate],
        ca: &Certificate,
    ) -> Output {
        self.run_verify(&[], root, untrusted, ca)
    }

    fn run_verify(
        &self,
        options: &[&str],
        root: &Certificate,
        untrusted: &[&Certificate],
        leaf: &Certificate,
    ) -> Output {
        let root = self.write_cert("root.pem", root);
        let leaf = self.write_cert("leaf.pem", leaf);
        let mut cmd = Command::new("openssl");
        cmd.args(["verify", "-x509_strict"])
            .args(options)
            .arg("-CAfile")
            .arg(&root);
        if !untrusted.is_empty() {
            let path = self.path("untrusted.pem");
            let bundle: String = untrusted
                .iter()
                .map(|c| {
                    pem_rfc7468::encode_string(
                        "CERTIFICATE",
                        pem_rfc7468::LineEnding::LF,
                        c.as_der(),
                    )
                    .unwrap()
                })
                .collect();
            std::fs::write(&path, bundle).unwrap();
            cmd.arg("-untrusted").arg(path);
        }
        cmd.arg(&leaf)
            .output()
            .expect("the openssl CLI must be installed")
    }

    /// SHA-1 by OpenSSL (an implementation independent of ours).
    fn sha1(&self, data: &[u8]) -> Vec<u8> {
        let path = self.path("sha1.in");
        std::fs::write(&path, data).unwrap();
        let out = openssl(&["dgst", "-sha1", "-binary"], &[&path]);
        assert!(out.status.success(), "{}", stderr(&out));
        out.stdout
    }
}

fn openssl(args: &[&str], paths: &[&Path]) -> Output {
    Command::new("openssl")
        .args(args)
        .args(paths)
        .output()
        .expect("the openssl CLI must be installed")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// What `openssl verify` printed, stdout and stderr.
fn report(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out))
}

fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn assert_verifies(out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim().ends_with("leaf.pem: OK"),
        "openssl verify failed: {stdout} {}",
        stderr(out)
    );
}

fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} not in:\n{text}");
}

/// `AA:BB:…` as OpenSSL prints key identifiers.
fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The signature scheme named by a certificate's signatureAlgorithm.
fn scheme_of(cert: &Certificate) -> SignatureScheme {
    let alg = cert.x509().signature_algorithm();
    SignatureScheme::from_algorithm_identifier(&AlgorithmIdentifierRef::from(alg)).unwrap()
}

/// Checks `cert`'s signature with `issuer`'s key, with every provider.
fn assert_signed_by(cert: &Certificate, issuer: &Certificate, scheme: SignatureScheme) {
    assert_eq!(scheme_of(cert), scheme);
    assert_eq!(cert.issuer(), issuer.subject());
    for verifier in smime_crypto::all_providers() {
        verifier
            .verify(
                scheme,
                &issuer.public_key().unwrap(),
                cert.tbs_certificate_der(),
                cert.signature_value().unwrap(),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", verifier.name()));
    }
}

/// A key profile: the kind of every key of the chain, and the signature scheme (default when
/// `None`) with what OpenSSL prints for it.
struct KeyProfile {
    name: &'static str,
    kind: KeyKind,
    scheme: Option<SignatureScheme>,
    expected_scheme: SignatureScheme,
    openssl_algorithm: &'static str,
}

fn with_scheme(
    b: CertificateBuilder<'_>,
    scheme: Option<SignatureScheme>,
) -> CertificateBuilder<'_> {
    match scheme {
        Some(s) => b.signature_scheme(s),
        None => b,
    }
}

fn run_chain(profile: &KeyProfile) {
    for provider in smime_crypto::all_providers() {
        chain_for(provider, profile);
    }
}

/// Root → intermediate (pathLen 0) → leaf, every field set, checked by OpenSSL and by us.
fn chain_for(provider: &dyn CryptoProvider, profile: &KeyProfile) {
    let context = format!("{} / {}", provider.name(), profile.name);
    let ssl = Openssl::new();
    let with_scheme = |b| with_scheme(b, profile.scheme);
    let (root_key, inter_key, leaf_key) = (
        key(provider, profile.kind),
        key(provider, profile.kind),
        key(provider, profile.kind),
    );

    let root = with_scheme(
        CertificateBuilder::new(provider, root_key.public_key())
            .subject(&format!("CN=Root {},O=smime-rs tests,C=GB", profile.name))
            .unwrap()
            .ca(None)
            .validity(at(JAN_2024), at(JAN_2051)),
    )
    .self_signed(root_key.as_ref())
    .unwrap();
    let inter = with_scheme(
        CertificateBuilder::new(provider, inter_key.public_key())
            .subject(&format!(
                "CN=Intermediate {},O=smime-rs tests,C=GB",
                profile.name
            ))
            .unwrap()
            .ca(Some(0))
            .crl_distribution_point(CRL_URI)
            .unwrap(),
    )
    .signed_by(&root, root_key.as_ref())
    .unwrap();
    let leaf = with_scheme(
        CertificateBuilder::new(provider, leaf_key.public_key())
            .subject("CN=Alice Lovelace,O=Example,C=GB")
            .unwrap()
            .mailbox("Alice Lovelace <alice@example.org>")
            .unwrap()
            .mailbox("пётр@пример.рф")
            .unwrap()
            .serial_number(&LEAF_SERIAL)
            .unwrap()
            .validity(at(JAN_2024), at(END_2049))
            .validation_level(MAILBOX_STRICT)
            .crl_distribution_point(CRL_URI)
            .unwrap()
            .smime_capabilities(capabilities()),
    )
    .signed_by(&inter, inter_key.as_ref())
    .unwrap();

    // OpenSSL accepts each CA certificate, and the chain for S/MIME signing, in strict mode.
    assert_verifies(&ssl.verify_ca(&root, &[], &root));
    assert_verifies(&ssl.verify_ca(&root, &[], &inter));
    assert_verifies(&ssl.verify(&root, &[&inter], &leaf));

    // Signatures, with every provider.
    assert_signed_by(&root, &root, profile.expected_scheme);
    assert_signed_by(&inter, &root, profile.expected_scheme);
    assert_signed_by(&leaf, &inter, profile.expected_scheme);

    let leaf_usage = match profile.kind {
        KeyKind::Rsa { .. } => {
            KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION | KeyUsage::KEY_ENCIPHERMENT
        }
        _ => KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION | KeyUsage::KEY_AGREEMENT,
    };
    let leaf_usage_text = match profile.kind {
        KeyKind::Rsa { .. } => "Digital Signature, Non Repudiation, Key Encipherment",
        _ => "Digital Signature, Non Repudiation, Key Agreement",
    };

    // Key identifiers: SHA-1 of the subjectPublicKey (RFC 5280 §4.2.1.2 method 1), computed
    // by OpenSSL; each AKI is the issuer's SKI.
    let ski = |c: &Certificate| c.subject_key_identifier().unwrap().unwrap();
    let aki = |c: &Certificate| {
        c.authority_key_identifier()
            .unwrap()
            .unwrap()
            .key_identifier
            .unwrap()
            .as_bytes()
            .to_vec()
    };
    for (cert, issuer) in [(&root, &root), (&inter, &root), (&leaf, &inter)] {
        let bits = cert
            .subject_public_key_info()
            .subject_public_key
            .as_bytes()
            .unwrap();
        assert_eq!(ski(cert), ssl.sha1(bits), "{context}");
        assert_eq!(aki(cert), ski(issuer), "{context}");
    }

    // The root: CA without pathLen, no EKU, UTCTime then GeneralizedTime.
    let text = ssl.text(&root);
    assert_contains(
        &text,
        &format!("Signature Algorithm: {}", profile.openssl_algorithm),
    );
    assert_contains(
        &text,
        &format!(
            "Issuer: C = GB, O = smime-rs tests, CN = Root {}",
            profile.name
        ),
    );
    assert_contains(&text, "Not Before: Jan 1 00:00:00 2024 GMT");
    assert_contains(&text, "Not After : Jan 1 00:00:00 2051 GMT");
    assert_contains(
        &text,
        "X509v3 Basic Constraints: critical CA:TRUE X509v3 Key Usage",
    );
    assert_contains(
        &text,
        "X509v3 Key Usage: critical Certificate Sign, CRL Sign",
    );
    assert!(!text.contains("Extended Key Usage"), "{context}: {text}");
    assert_contains(
        &text,
        &format!("X509v3 Subject Key Identifier: {}", colon_hex(&ski(&root))),
    );
    assert_contains(
        &text,
        &format!(
            "X509v3 Authority Key Identifier: {}",
            colon_hex(&ski(&root))
        ),
    );
    let validity = root.x509().tbs_certificate().validity();
    assert!(matches!(validity.not_before, Time::UtcTime(_)));
    assert!(matches!(validity.not_after, Time::GeneralTime(_)));
    assert_eq!(
        root.basic_constraints().unwrap(),
        Some(BasicConstraints {
            ca: true,
            path_len_constraint: None
        })
    );
    assert_eq!(root.extended_key_usage().unwrap(), None);
    assert_eq!(
        root.key_usage().unwrap(),
        Some(KeyUsage::KEY_CERT_SIGN | KeyUsage::CRL_SIGN)
    );
    assert_eq!(root.issuer(), root.subject());

    // The intermediate: pathLen 0, emailProtection, a CRL distribution point.
    let text = ssl.text(&inter);
    assert_contains(
        &text,
        "X509v3 Basic Constraints: critical CA:TRUE, pathlen:0",
    );
    assert_contains(
        &text,
        "X509v3 Key Usage: critical Certificate Sign, CRL Sign",
    );
    assert_contains(&text, "X509v3 Extended Key Usage: E-mail Protection");
    assert_contains(
        &text,
        &format!("X509v3 CRL Distribution Points: Full Name: URI:{CRL_URI}"),
    );
    assert_eq!(
        inter.basic_constraints().unwrap(),
        Some(BasicConstraints {
            ca: true,
            path_len_constraint: Some(0)
        })
    );
    assert_eq!(
        inter.email_protection().unwrap(),
        EmailProtection::EmailProtection
    );
    assert_eq!(inter.serial_number().len(), SERIAL_NUMBER_LEN);
    assert!(inter.serial_number()[0] < 0x80 && inter.serial_number()[0] != 0);

    // The leaf: everything we set.
    let text = ssl.text(&leaf);
    assert_contains(
        &text,
        &format!("Signature Algorithm: {}", profile.openssl_algorithm),
    );
    assert_contains(
        &text,
        &format!("Serial Number: {}", hex_lower_colon(&LEAF_SERIAL)),
    );
    assert_contains(
        &text,
        &format!(
            "Issuer: C = GB, O = smime-rs tests, CN = Intermediate {}",
            profile.name
        ),
    );
    assert_contains(&text, "Subject: C = GB, O = Example, CN = Alice Lovelace");
    assert_contains(&text, "Not Before: Jan 1 00:00:00 2024 GMT");
    assert_contains(&text, "Not After : Dec 31 23:59:59 2049 GMT");
    assert_contains(&text, "X509v3 Basic Constraints: critical CA:FALSE");
    assert_contains(
        &text,
        &format!("X509v3 Key Usage: critical {leaf_usage_text}"),
    );
    assert_contains(&text, "X509v3 Extended Key Usage: E-mail Protection");
    assert_contains(
        &text,
        "X509v3 Subject Alternative Name: email:alice@example.org, othername: SmtpUTF8Mailbox::пётр@пример.рф",
    );
    assert_contains(
        &text,
        "X509v3 Certificate Policies: Policy: 2.23.140.1.5.1.3",
    );
    assert_contains(
        &text,
        &format!("X509v3 CRL Distribution Points: Full Name: URI:{CRL_URI}"),
    );
    assert_contains(&text, "S/MIME Capabilities:");
    assert_contains(
        &text,
        &format!(
            "X509v3 Authority Key Identifier: {}",
            colon_hex(&ski(&inter))
        ),
    );

    // Our accessors read back exactly what was set.
    assert_eq!(
        leaf.subject().to_string(),
        "CN=Alice Lovelace,O=Example,C=GB"
    );
    assert_eq!(leaf.serial_number(), LEAF_SERIAL);
    assert_eq!(leaf.not_before(), at(JAN_2024));
    assert_eq!(leaf.not_after(), at(END_2049));
    assert_eq!(
        leaf.basic_constraints().unwrap(),
        Some(BasicConstraints {
            ca: false,
            path_len_constraint: None
        })
    );
    assert_eq!(leaf.key_usage().unwrap(), Some(leaf_usage));
    assert!(leaf.permits_signing().unwrap());
    assert!(leaf.permits_encryption().unwrap());
    assert_eq!(
        leaf.extended_key_usage().unwrap(),
        Some(vec![EMAIL_PROTECTION])
    );
    assert_eq!(
        leaf.email_protection().unwrap(),
        EmailProtection::EmailProtection
    );
    assert_eq!(leaf.validation_level().unwrap(), Some(MAILBOX_STRICT));
    assert_eq!(
        leaf.certificate_policies().unwrap(),
        vec![MAILBOX_STRICT.policy_oid()]
    );
    assert_eq!(leaf.smime_capabilities().unwrap(), Some(capabilities()));
    let mailboxes: Vec<(MailboxSource, String)> = leaf
        .mailboxes()
        .unwrap()
        .iter()
        .map(|m| (m.source(), m.address().unwrap().to_string()))
        .collect();
    assert_eq!(
        mailboxes,
        vec![
            (MailboxSource::Rfc822Name, "alice@example.org".to_owned()),
            (MailboxSource::SmtpUtf8Mailbox, "пётр@пример.рф".to_owned()),
        ]
    );
    assert!(
        leaf.match_address("Alice <alice@EXAMPLE.org>")
            .unwrap()
            .is_match()
    );
    assert!(
        leaf.match_address("пётр@xn--e1afmkfd.xn--p1ai")
            .unwrap()
            .is_match()
    );
    assert!(!leaf.match_address("bob@example.org").unwrap().is_match());
    assert_eq!(leaf.public_key().unwrap(), *leaf_key.public_key());

    // The PEM round trip gives the same certificate.
    let pem = std::fs::read(ssl.write_cert("again.pem", &leaf)).unwrap();
    assert_eq!(Certificate::from_pem(&pem).unwrap(), leaf);
}

fn hex_lower_colon(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[test]
fn rsa_2048_chain() {
    run_chain(&KeyProfile {
        name: "RSA-2048",
        kind: KeyKind::Rsa { modulus_bits: 2048 },
        scheme: None,
        expected_scheme: SignatureScheme::RsaPkcs1v15 {
            digest: DigestAlgorithm::Sha256,
        },
        openssl_algorithm: "sha256WithRSAEncryption",
    });
}

#[test]
fn rsa_3072_pss_chain() {
    run_chain(&KeyProfile {
        name: "RSA-3072 PSS",
        kind: KeyKind::Rsa { modulus_bits: 3072 },
        scheme: Some(SignatureScheme::rsa_pss(DigestAlgorithm::Sha256)),
        expected_scheme: SignatureScheme::RsaPss {
            digest: DigestAlgorithm::Sha256,
            salt_len: 32,
        },
        openssl_algorithm: "rsassaPss Hash Algorithm: sha256 Mask Algorithm: mgf1 with sha256 Salt Length: 0x20",
    });
}

#[test]
fn p256_chain() {
    run_chain(&KeyProfile {
        name: "P-256",
        kind: KeyKind::Ec {
            curve: EcCurve::P256,
        },
        scheme: None,
        expected_scheme: SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha256,
        },
        openssl_algorithm: "ecdsa-with-SHA256",
    });
}

#[test]
fn p384_chain() {
    run_chain(&KeyProfile {
        name: "P-384",
        kind: KeyKind::Ec {
            curve: EcCurve::P384,
        },
        scheme: None,
        expected_scheme: SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha384,
        },
        openssl_algorithm: "ecdsa-with-SHA384",
    });
}

/// The checks above can fail: OpenSSL rejects a leaf whose signature was altered, one whose
/// EKU excludes S/MIME, one issued under another root, and one signed by an end entity.
#[test]
fn openssl_rejects_what_it_must() {
    let p256 = KeyKind::Ec {
        curve: EcCurve::P256,
    };
    for provider in smime_crypto::all_providers() {
        let ssl = Openssl::new();
        let pki = TestPki::new(provider, p256).unwrap();
        let alice = pki.issue("Alice <alice@example.org>", p256).unwrap();
        let (root, inter) = (pki.root().certificate(), pki.intermediate().certificate());
        assert_verifies(&ssl.verify(root, &[inter], alice.certificate()));

        // One bit of the signature flipped.
        let mut der = alice.certificate().as_der().to_vec();
        let last = der.len() - 1;
        der[last] ^= 1;
        let tampered = Certificate::from_der(&der).unwrap();
        let out = ssl.verify(root, &[inter], &tampered);
        assert!(!out.status.success());
        assert_contains(&report(&out), "certificate signature failure");

        // serverAuth only: not for S/MIME.
        let tls_key = key(provider, p256);
        let tls = pki
            .sign(
                CertificateBuilder::new(provider, tls_key.public_key())
                    .subject("CN=tls.example.org")
                    .unwrap()
                    .extended_key_usage([SERVER_AUTH]),
            )
            .unwrap();
        assert_eq!(
            tls.email_protection().unwrap(),
            EmailProtection::NotPermitted
        );
        let out = ssl.verify(root, &[inter], &tls);
        assert!(!out.status.success());
        assert_contains(&report(&out), "unsuitable certificate purpose");

        // Another PKI's root.
        let other = TestPki::new(provider, p256).unwrap();
        let out = ssl.verify(other.root().certificate(), &[inter], alice.certificate());
        assert!(!out.status.success());
        assert_contains(&report(&out), "unable to get local issuer certificate");

        // Issued by an end entity (the builder lets tests make such chains).
        let mallory_key = key(provider, p256);
        let mallory = CertificateBuilder::new(provider, mallory_key.public_key())
            .mailbox("mallory@example.org")
            .unwrap()
            .signed_by(alice.certificate(), alice.private_key().as_ref())
            .unwrap();
        let out = ssl.verify(root, &[inter, alice.certificate()], &mallory);
        assert!(!out.status.success());
        assert_contains(&report(&out), "invalid CA certificate");
    }
}

#[test]
fn self_signed_convenience() {
    for provider in smime_crypto::all_providers() {
        for kind in [
            KeyKind::Rsa { modulus_bits: 2048 },
            KeyKind::Ec {
                curve: EcCurve::P384,
            },
        ] {
            let ssl = Openssl::new();
            let key = key(provider, kind);
            let before = SystemTime::now();
            let cert = self_signed_smime_certificate(
                provider,
                key.as_ref(),
                "\"Lovelace, Ada\" <ada@example.org>",
            )
            .unwrap();
            let after = SystemTime::now();
            assert_eq!(cert.subject().to_string(), "CN=Lovelace\\, Ada");
            assert_eq!(cert.issuer(), cert.subject());
            assert!(cert.match_address("ada@example.org").unwrap().is_match());
            assert_eq!(
                cert.email_protection().unwrap(),
                EmailProtection::EmailProtection
            );
            assert_eq!(cert.basic_constraints().unwrap().map(|b| b.ca), Some(false));
            assert_eq!(
                scheme_of(&cert),
                smime_x509::builder::default_signature_scheme(kind).unwrap()
            );
            assert_signed_by(&cert, &cert, scheme_of(&cert));
            // Default validity: from DEFAULT_BACKDATE ago for DEFAULT_VALIDITY (whole seconds).
            let second = Duration::from_secs(1);
            assert!(cert.not_before() + second > before - DEFAULT_BACKDATE);
            assert!(cert.not_before() <= after - DEFAULT_BACKDATE);
            assert_eq!(
                cert.not_after().duration_since(cert.not_before()).unwrap(),
                DEFAULT_VALIDITY
            );
            // OpenSSL takes it as its own trust anchor for S/MIME signing.
            assert_verifies(&ssl.verify(&cert, &[], &cert));
            let text = ssl.text(&cert);
            assert_contains(&text, "Subject: CN = \"Lovelace, Ada\"");
            assert_contains(
                &text,
                "X509v3 Subject Alternative Name: email:ada@example.org",
            );
        }
    }
}

#[test]
fn test_pki_identities_work_with_openssl() {
    let p256 = KeyKind::Ec {
        curve: EcCurve::P256,
    };
    for provider in smime_crypto::all_providers() {
        let ssl = Openssl::new();
        let pki = TestPki::new(provider, p256).unwrap();
        let bob = pki
            .issue("bob@example.org", KeyKind::Rsa { modulus_bits: 2048 })
            .unwrap();
        let cert = bob.certificate();
        assert_eq!(cert.subject().to_string(), "CN=bob@example.org");
        assert_eq!(cert.validation_level().unwrap(), Some(MAILBOX_STRICT));
        assert_eq!(
            pki.chain(),
            vec![
                pki.intermediate().certificate().clone(),
                pki.root().certificate().clone()
            ]
        );
        assert_signed_by(cert, pki.intermediate().certificate(), scheme_of(cert));
        assert_eq!(
            pki.root().certificate().issuer(),
            pki.root().certificate().subject()
        );
        assert_eq!(
            pki.intermediate()
                .certificate()
                .basic_constraints()
                .unwrap()
                .unwrap()
                .path_len_constraint,
            Some(0)
        );

        // The PEM helpers: OpenSSL reads the key, and it is the certificate's key.
        let key_path = ssl.path("bob.key");
        std::fs::write(&key_path, bob.private_key_pem().unwrap().as_bytes()).unwrap();
        let cert_path = ssl.path("bob.pem");
        std::fs::write(&cert_path, bob.certificate_pem().unwrap()).unwrap();
        let from_key = openssl(&["pkey", "-pubout", "-in"], &[&key_path]);
        let from_cert = openssl(&["x509", "-noout", "-pubkey", "-in"], &[&cert_path]);
        assert!(from_key.status.success(), "{}", stderr(&from_key));
        assert_eq!(from_key.stdout, from_cert.stdout);
        assert_eq!(
            Certificate::from_pem(bob.certificate_pem().unwrap().as_bytes()).unwrap(),
            *cert
        );
        assert_eq!(
            provider
                .private_key_from_pkcs8(bob.pkcs8_der())
                .unwrap()
                .public_key(),
            bob.private_key().public_key()
        );
        assert_verifies(&ssl.verify(
            pki.root().certificate(),
            &[pki.intermediate().certificate()],
            cert,
        ));
    }
}

#[test]
fn international_mailboxes_and_subject_email_address() {
    let provider = smime_crypto::default_provider();
    let ssl = Openssl::new();
    let key = key(
        provider,
        KeyKind::Ec {
            curve: EcCurve::P256,
        },
    );
    let cert = CertificateBuilder::new(provider, key.public_key())
        .subject_name(smime_subject("Ünal Öztürk", "unal@example.org").unwrap())
        .mailbox("unal@bücher.example")
        .unwrap()
        .mailbox("ünal@bücher.example")
        .unwrap()
        .self_signed(key.as_ref())
        .unwrap();
    let mailboxes: Vec<(MailboxSource, String)> = cert
        .mailboxes()
        .unwrap()
        .iter()
        .map(|m| (m.source(), m.address().unwrap().to_string()))
        .collect();
    assert_eq!(
        mailboxes,
        vec![
            // An ASCII local part: rfc822Name with the domain in A-labels (RFC 9598 §4).
            (
                MailboxSource::Rfc822Name,
                "unal@xn--bcher-kva.example".to_owned()
            ),
            // A non-ASCII local part: SmtpUTF8Mailbox, as given (RFC 9598 §3).
            (
                MailboxSource::SmtpUtf8Mailbox,
                "ünal@bücher.example".to_owned()
            ),
            (
                MailboxSource::SubjectEmailAddress,
                "unal@example.org".to_owned()
            ),
        ]
    );
    assert!(
        cert.match_address("unal@BÜCHER.example")
            .unwrap()
            .is_match()
    );
    let text = ssl.text(&cert);
    assert_contains(
        &text,
        "X509v3 Subject Alternative Name: email:unal@xn--bcher-kva.example, othername: SmtpUTF8Mailbox::ünal@bücher.example",
    );
    assert_contains(&text, "emailAddress = unal@example.org");

    // subject_email_address copies the (ASCII) mailboxes into the subject.
    let cert = CertificateBuilder::new(provider, key.public_key())
        .subject("CN=Carol")
        .unwrap()
        .mailbox("carol@example.org")
        .unwrap()
        .subject_email_address(true)
        .self_signed(key.as_ref())
        .unwrap();
    assert_eq!(
        cert.subject().to_string(),
        "EMAIL=carol@example.org,CN=Carol"
    );
    assert_eq!(cert.issuer(), cert.subject());
    assert_contains(
        &ssl.text(&cert),
        "Subject: CN = Carol, emailAddress = carol@example.org",
    );
    // …which an SmtpUTF8Mailbox cannot be.
    let err = CertificateBuilder::new(provider, key.public_key())
        .subject("CN=Ünal")
        .unwrap()
        .mailbox("ünal@example.org")
        .unwrap()
        .subject_email_address(true)
        .self_signed(key.as_ref())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidAddress { .. }), "{err}");

    // An empty subject: the subjectAltName is critical (RFC 5280 §4.2.1.6).
    let cert = CertificateBuilder::new(provider, key.public_key())
        .mailbox("dave@example.org")
        .unwrap()
        .self_signed(key.as_ref())
        .unwrap();
    assert!(cert.subject().is_empty());
    let text = ssl.text(&cert);
    assert_contains(
        &text,
        "X509v3 Subject Alternative Name: critical email:dave@example.org",
    );
}

#[test]
fn overrides_and_extra_extensions() {
    let provider = smime_crypto::default_provider();
    let ssl = Openssl::new();
    let key = key(provider, KeyKind::Rsa { modulus_bits: 2048 });
    let custom = smime_x509::x509_cert::ext::Extension {
        extn_id: "1.3.6.1.4.1.32473.1".parse().unwrap(),
        critical: false,
        extn_value: der::asn1::OctetString::new(der::asn1::Null.to_der().unwrap()).unwrap(),
    };
    let cert = CertificateBuilder::new(provider, key.public_key())
        .subject("CN=Signing only")
        .unwrap()
        .mailbox("sign@example.org")
        .unwrap()
        .key_usage(KeyUsage::DIGITAL_SIGNATURE)
        .extended_key_usage([EMAIL_PROTECTION, SERVER_AUTH])
        .certificate_policy("1.3.6.1.4.1.32473.2".parse().unwrap())
        .signature_scheme(SignatureScheme::RsaPkcs1v15 {
            digest: DigestAlgorithm::Sha512,
        })
        .serial_number(&[0x00, 0x00, 0x80])
        .unwrap()
        .extension(custom.clone())
        .self_signed(key.as_ref())
        .unwrap();
    assert_eq!(cert.key_usage().unwrap(), Some(KeyUsage::DIGITAL_SIGNATURE));
    assert!(!cert.permits_encryption().unwrap());
    assert_eq!(
        cert.extended_key_usage().unwrap(),
        Some(vec![EMAIL_PROTECTION, SERVER_AUTH])
    );
    assert_eq!(cert.validation_level().unwrap(), None);
    // 0x80 needs a leading zero octet to stay positive.
    assert_eq!(cert.serial_number(), [0x00, 0x80]);
    assert_eq!(
        scheme_of(&cert),
        SignatureScheme::RsaPkcs1v15 {
            digest: DigestAlgorithm::Sha512
        }
    );
    let ext = cert
        .x509()
        .tbs_certificate()
        .extensions()
        .unwrap()
        .last()
        .unwrap();
    assert_eq!(*ext, custom);
    let text = ssl.text(&cert);
    assert_contains(&text, "Serial Number: 128 (0x80)");
    assert_contains(&text, "Signature Algorithm: sha512WithRSAEncryption");
    assert_contains(&text, "X509v3 Key Usage: critical Digital Signature X509v3");
    assert_contains(
        &text,
        "X509v3 Extended Key Usage: E-mail Protection, TLS Web Server Authentication",
    );

    // No keyUsage and no extKeyUsage at all.
    let cert = CertificateBuilder::new(provider, key.public_key())
        .subject("CN=Unrestricted")
        .unwrap()
        .key_usage(KeyUsage::empty())
        .without_extended_key_usage()
        .self_signed(key.as_ref())
        .unwrap();
    assert_eq!(cert.key_usage().unwrap(), None);
    assert_eq!(
        cert.email_protection().unwrap(),
        EmailProtection::NoRestriction
    );

    // Random serial numbers: 16 octets, positive, different each time.
    let serials: Vec<Vec<u8>> = (0..4)
        .map(|_| {
            self_signed_smime_certificate(provider, key.as_ref(), "x@example.org")
                .unwrap()
                .serial_number()
                .to_vec()
        })
        .collect();
    for (i, s) in serials.iter().enumerate() {
        assert_eq!(s.len(), SERIAL_NUMBER_LEN);
        assert!(s[0] != 0 && s[0] < 0x80);
        assert!(serials[i + 1..].iter().all(|t| t != s));
    }
}

fn builder_error(result: Result<Certificate, Error>) -> (&'static str, String) {
    match result {
        Err(Error::InvalidBuilderInput { field, reason }) => (field, reason),
        other => panic!("expected InvalidBuilderInput, got {other:?}"),
    }
}

#[test]
fn refuses_what_cannot_be_issued() {
    let provider = smime_crypto::default_provider();
    let p256 = KeyKind::Ec {
        curve: EcCurve::P256,
    };
    let (a, b) = (key(provider, p256), key(provider, p256));
    let new = || {
        CertificateBuilder::new(provider, a.public_key())
            .subject("CN=A")
            .unwrap()
    };

    let (field, _) = builder_error(new().self_signed(b.as_ref()));
    assert_eq!(field, "signing key");

    let issuer = new().ca(None).self_signed(a.as_ref()).unwrap();
    let (field, reason) = builder_error(
        CertificateBuilder::new(provider, b.public_key())
            .subject("CN=B")
            .unwrap()
            .signed_by(&issuer, b.as_ref()),
    );
    assert_eq!(field, "issuer key");
    assert!(reason.contains("CN=A"), "{reason}");

    let (field, reason) = builder_error(
        new()
            .signature_scheme(SignatureScheme::rsa_pss(DigestAlgorithm::Sha256))
            .self_signed(a.as_ref()),
    );
    assert_eq!(field, "signature scheme");
    assert_eq!(
        reason,
        "RSASSA-PSS with sha256 cannot be made with a EC P-256 key"
    );

    let (field, reason) = builder_error(
        new()
            .validity(at(END_2049), at(JAN_2024))
            .self_signed(a.as_ref()),
    );
    assert_eq!(
        (field, reason.as_str()),
        ("validity", "notBefore is after notAfter")
    );

    let (field, _) = builder_error(
        new()
            .validity(UNIX_EPOCH - Duration::from_secs(1), at(JAN_2024))
            .self_signed(a.as_ref()),
    );
    assert_eq!(field, "validity");

    let (field, _) = builder_error(new().extended_key_usage([]).self_signed(a.as_ref()));
    assert_eq!(field, "extended key usage");

    let policy: ObjectIdentifier = "1.2.3.4".parse().unwrap();
    let (field, _) = builder_error(
        new()
            .certificate_policy(policy)
            .certificate_policy(policy)
            .self_signed(a.as_ref()),
    );
    assert_eq!(field, "certificate policies");

    let duplicate_ski = smime_x509::x509_cert::ext::Extension {
        extn_id: "2.5.29.14".parse().unwrap(),
        critical: false,
        extn_value: der::asn1::OctetString::new(vec![0x04, 0x00]).unwrap(),
    };
    let (field, reason) = builder_error(new().extension(duplicate_ski).self_signed(a.as_ref()));
    assert_eq!(field, "extension");
    assert!(reason.contains("2.5.29.14"), "{reason}");

    let (field, _) =
        builder_error(CertificateBuilder::new(provider, a.public_key()).self_signed(a.as_ref()));
    assert_eq!(field, "subject");

    for serial in [&[][..], &[0, 0][..], &[0xff; 20][..], &[1; 21][..]] {
        match new().serial_number(serial) {
            Err(Error::InvalidBuilderInput { field, .. }) => assert_eq!(field, "serial number"),
            other => panic!("{serial:?}: {other:?}"),
        }
    }
    assert!(new().serial_number(&[0x7f; 20]).is_ok());

    for uri in [
        "crl.example.org/ca.crl",
        "http://crl.example.org/ä.crl",
        "http://a b",
        "",
    ] {
        match new().crl_distribution_point(uri) {
            Err(Error::InvalidBuilderInput { field, .. }) => {
                assert_eq!(field, "CRL distribution point")
            }
            other => panic!("{uri:?}: {other:?}"),
        }
    }

    assert!(matches!(
        new().mailbox("not an address"),
        Err(Error::InvalidAddress { .. })
    ));
    assert!(matches!(
        CertificateBuilder::new(provider, a.public_key()).subject("CN"),
        Err(Error::InvalidBuilderInput {
            field: "subject",
            ..
        })
    ));
    assert!(matches!(
        smime_subject(&"x".repeat(65), "x@example.org"),
        Err(Error::InvalidBuilderInput {
            field: "subject",
            ..
        })
    ));
}

/// `ProviderSigner` drives x509-cert's own builders too: a certification request signed
/// through `signature::Signer` verifies in OpenSSL.
#[test]
fn provider_signer_with_x509_cert_request_builder() {
    use smime_x509::x509_cert::builder::{Builder, RequestBuilder};

    for provider in smime_crypto::all_providers() {
        for (kind, scheme) in [
            (
                KeyKind::Ec {
                    curve: EcCurve::P384,
                },
                SignatureScheme::Ecdsa {
                    digest: DigestAlgorithm::Sha384,
                },
            ),
            (
                KeyKind::Rsa { modulus_bits: 2048 },
                SignatureScheme::rsa_pss(DigestAlgorithm::Sha256),
            ),
        ] {
            let ssl = Openssl::new();
            let key = key(provider, kind);
            let signer = ProviderSigner::new(provider, key.as_ref(), scheme).unwrap();
            assert_eq!(signer.scheme(), scheme);
            assert_eq!(
                *signer.algorithm_identifier(),
                scheme.to_algorithm_identifier().unwrap()
            );
            let request =
                RequestBuilder::new(smime_x509::builder::parse_name("CN=Request").unwrap())
                    .unwrap()
                    .build::<_, ProviderSignature>(&signer)
                    .unwrap();
            let der = request.to_der().unwrap();
            let path = ssl.path("req.pem");
            std::fs::write(
                &path,
                pem_rfc7468::encode_string(
                    "CERTIFICATE REQUEST",
                    pem_rfc7468::LineEnding::LF,
                    &der,
                )
                .unwrap(),
            )
            .unwrap();
            let out = openssl(&["req", "-verify", "-noout", "-in"], &[&path]);
            assert!(out.status.success(), "{}", stderr(&out));
            assert_contains(&stderr(&out), "verify OK");
            let decoded = smime_x509::x509_cert::request::CertReq::from_der(&der).unwrap();
            assert_eq!(decoded.info.subject.to_string(), "CN=Request");
        }
    }
}
