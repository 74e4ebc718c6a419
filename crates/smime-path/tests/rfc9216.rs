//! RFC 9216 sample certificates (Alice, Bob, Carlos, Dana and the two cross-certified LAMPS CAs)
//! from `../shared/corpus/rfc9216`.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use const_oid::ObjectIdentifier;
use smime_path::{
    AddressCheck, Error, MailboxSource, Position, Purpose, PurposeMismatch, RevocationStatus,
    Target, TrustAnchors, Validator,
};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/rfc9216/"
);

/// 2023-01-01T00:00:00Z: after both hierarchies' notBefore, long before 2052.
fn time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_672_531_200)
}

fn der(name: &str) -> Vec<u8> {
    let pem = std::fs::read(format!("{CORPUS}{name}")).unwrap();
    smime_x509::Certificate::from_pem(&pem)
        .unwrap()
        .as_der()
        .to_vec()
}

fn rsa_root() -> TrustAnchors {
    TrustAnchors::from_file(format!(
        "{CORPUS}Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem"
    ))
    .unwrap()
}

fn ed25519_root() -> TrustAnchors {
    TrustAnchors::from_file(format!(
        "{CORPUS}Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem"
    ))
    .unwrap()
}

const RSA_CA: &str = "CN=Sample LAMPS RSA Certification Authority,OU=LAMPS WG,O=IETF";
const ED25519_CA: &str = "CN=Sample LAMPS Ed25519 Certification Authority,OU=LAMPS WG,O=IETF";

#[test]
fn alice_signing_certificate_is_valid_for_signing() {
    let validator = Validator::builder(rsa_root()).time(time()).build().unwrap();
    let leaf = der("alice@smime.example.sig.pem");
    let path = validator
        .validate(&Target::new(&leaf).with_address("alice@SMIME.example"))
        .unwrap();
    assert_eq!(
        path.leaf().subject_string(),
        "CN=Alice Lovelace,OU=LAMPS WG,O=IETF"
    );
    assert!(path.intermediates().is_empty());
    assert_eq!(path.anchor().subject_string(), RSA_CA);
    assert_eq!(path.purpose(), Purpose::Sign);
    // NIST test policy 1 is asserted by Alice and valid under the {anyPolicy} default.
    assert_eq!(
        path.policies(),
        &[ObjectIdentifier::new_unwrap("2.16.840.1.101.3.2.1.48.1")]
    );
    assert_eq!(path.validation_level(), None);
    assert_eq!(path.mailboxes().len(), 1);
    assert_eq!(
        path.mailboxes()[0].address().unwrap().to_string(),
        "alice@smime.example"
    );
    assert_eq!(path.mailboxes()[0].source(), MailboxSource::Rfc822Name);
    assert!(
        matches!(path.address_check(), AddressCheck::Matched(m) if m.address().unwrap().to_string() == "alice@smime.example")
    );
    // No CRL was given: status unknown, reported, not enforced.
    assert_eq!(path.revocation_status(), RevocationStatus::Unknown);
    assert!(!path.revocation_checked());
}

#[test]
fn bob_both_certificates_are_valid_for_their_purpose() {
    let sign = Validator::builder(rsa_root()).time(time()).build().unwrap();
    let encrypt = Validator::builder(rsa_root())
        .time(time())
        .purpose(Purpose::Encrypt)
        .build()
        .unwrap();
    sign.validate_certificate(&der("bob@smime.example.sig.pem"))
        .unwrap();
    encrypt
        .validate_certificate(&der("bob@smime.example.enc.pem"))
        .unwrap();
    encrypt
        .validate_certificate(&der("alice@smime.example.enc.pem"))
        .unwrap();
}

#[test]
fn signing_certificate_is_rejected_for_encryption() {
    let validator = Validator::builder(rsa_root())
        .time(time())
        .purpose(Purpose::Encrypt)
        .build()
        .unwrap();
    let err = validator
        .validate_certificate(&der("alice@smime.example.sig.pem"))
        .unwrap_err();
    match err {
        Error::WrongPurpose {
            purpose: Purpose::Encrypt,
            mismatch: PurposeMismatch::KeyUsage { required, found },
            ..
        } => {
            assert_eq!(required, vec!["keyEncipherment"]);
            assert_eq!(found, vec!["digitalSignature", "nonRepudiation"]);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn address_mismatch_is_reported_then_enforced() {
    let leaf = der("alice@smime.example.sig.pem");
    let reporting = Validator::builder(rsa_root()).time(time()).build().unwrap();
    let path = reporting
        .validate(&Target::new(&leaf).with_address("bob@smime.example"))
        .unwrap();
    assert_eq!(
        path.address_check(),
        &AddressCheck::Mismatch {
            address: "bob@smime.example".into()
        }
    );
    let enforcing = Validator::builder(rsa_root())
        .time(time())
        .require_mailbox(true)
        .build()
        .unwrap();
    match enforcing.validate(&Target::new(&leaf).with_address("bob@smime.example")) {
        Err(Error::AddressMismatch {
            address,
            certificate_addresses,
            ..
        }) => {
            assert_eq!(address, "bob@smime.example");
            assert_eq!(
                certificate_addresses,
                vec!["alice@smime.example".to_string()]
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    // The local part is case-sensitive.
    assert!(matches!(
        enforcing.validate(&Target::new(&leaf).with_address("Alice@smime.example")),
        Err(Error::AddressMismatch { .. })
    ));
    assert!(matches!(
        enforcing.validate(&Target::new(&leaf)),
        Err(Error::NoAddressGiven)
    ));
}

/// The Ed25519 hierarchy needs Ed25519 signature verification, which the providers do not
/// offer: the verdict must say so, naming the algorithm.
#[test]
fn ed25519_side_is_an_unsupported_algorithm() {
    let validator = Validator::builder(ed25519_root())
        .time(time())
        .build()
        .unwrap();
    match validator.validate_certificate(&der("dana@smime.example.sig.pem")) {
        Err(Error::UnsupportedAlgorithm { subject, algorithm }) => {
            assert_eq!(subject, "CN=Dana Hopper,OU=LAMPS WG,O=IETF");
            assert!(algorithm.contains("1.3.101.112"), "{algorithm}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// RSA root, pool = {Ed25519 CA cross-signed by the RSA CA}, target Dana: the cross
/// certificate verifies with RSA, Dana's own signature is Ed25519.
#[test]
fn cross_path_from_rsa_root_to_dana_stops_at_ed25519() {
    let validator = Validator::builder(rsa_root()).time(time()).build().unwrap();
    let cross = der("Sample_LAMPS_Ed25519_Certification_Authority.crosssigned.pem");
    let leaf = der("dana@smime.example.sig.pem");
    match validator.validate(&Target::new(&leaf).with_certificates([cross.as_slice()])) {
        Err(Error::UnsupportedAlgorithm { subject, algorithm }) => {
            assert_eq!(subject, "CN=Dana Hopper,OU=LAMPS WG,O=IETF");
            assert!(algorithm.contains("1.3.101.112"), "{algorithm}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// Ed25519 root, pool = {RSA CA cross-signed by the Ed25519 CA}, target Bob: Bob verifies with
/// the RSA key, the cross certificate's signature is Ed25519.
#[test]
fn cross_path_from_ed25519_root_to_bob_stops_at_ed25519() {
    let validator = Validator::builder(ed25519_root())
        .time(time())
        .build()
        .unwrap();
    let cross = der("Sample_LAMPS_RSA_Certification_Authority.crosssigned.pem");
    let leaf = der("bob@smime.example.sig.pem");
    match validator.validate(&Target::new(&leaf).with_certificates([cross.as_slice()])) {
        Err(Error::UnsupportedAlgorithm { subject, algorithm }) => {
            assert_eq!(subject, RSA_CA);
            assert!(algorithm.contains("1.3.101.112"), "{algorithm}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// Trust anchor = the Ed25519 CA's cross certificate alone, target Bob, no RSA CA: no issuer.
#[test]
fn cross_certificate_alone_as_anchor_gives_no_path() {
    let mut anchors = TrustAnchors::new();
    anchors
        .add_der(&der(
            "Sample_LAMPS_Ed25519_Certification_Authority.crosssigned.pem",
        ))
        .unwrap();
    let validator = Validator::builder(anchors).time(time()).build().unwrap();
    match validator.validate_certificate(&der("bob@smime.example.sig.pem")) {
        Err(Error::NoPath {
            subject,
            missing_issuer,
            ..
        }) => {
            assert_eq!(subject, "CN=Bob Babbage,OU=LAMPS WG,O=IETF");
            assert_eq!(missing_issuer, RSA_CA);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn alice_is_untrusted_under_the_other_root() {
    let validator = Validator::builder(ed25519_root())
        .time(time())
        .build()
        .unwrap();
    match validator.validate_certificate(&der("alice@smime.example.sig.pem")) {
        Err(Error::NoPath { missing_issuer, .. }) => assert_eq!(missing_issuer, RSA_CA),
        other => panic!("unexpected {other:?}"),
    }
    // With the RSA CA's self-signed certificate in the pool (not trusted), the path ends at an
    // untrusted root.
    let root = der("Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem");
    let leaf = der("alice@smime.example.sig.pem");
    match validator.validate(&Target::new(&leaf).with_certificates([root.as_slice()])) {
        Err(Error::UntrustedRoot { root, .. }) => assert_eq!(root, RSA_CA),
        other => panic!("unexpected {other:?}"),
    }
    let _ = ED25519_CA;
}

#[test]
fn before_not_before_is_not_yet_valid_with_dates() {
    // 2019-01-01: before the RSA hierarchy's notBefore (2019-11-20T06:54:18Z).
    let validator = Validator::builder(rsa_root())
        .time(UNIX_EPOCH + Duration::from_secs(1_546_300_800))
        .build()
        .unwrap();
    match validator.validate_certificate(&der("alice@smime.example.sig.pem")) {
        Err(Error::NotYetValid {
            position,
            not_before,
            time,
            ..
        }) => {
            assert_eq!(position, Position::Leaf);
            assert_eq!(not_before.to_string(), "2019-11-20T06:54:18Z");
            assert_eq!(time.to_string(), "2019-01-01T00:00:00Z");
        }
        other => panic!("unexpected {other:?}"),
    }
}
