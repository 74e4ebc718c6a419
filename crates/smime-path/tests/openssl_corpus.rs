//! OpenSSL's S/MIME test certificates from `../shared/corpus/openssl/smime-certs`.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use const_oid::ObjectIdentifier;
use smime_path::{Error, Purpose, PurposeMismatch, TrustAnchors, Validator};

const CERTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/openssl/smime-certs/"
);

/// 2024-01-01T00:00:00Z.
fn time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_704_067_200)
}

/// The certificate of a PEM file holding a certificate and its key.
fn certificate(name: &str) -> Vec<u8> {
    let pem = std::fs::read(format!("{CERTS}{name}")).unwrap();
    smime_x509::Certificate::from_pem(&pem)
        .unwrap()
        .as_der()
        .to_vec()
}

fn validator(purpose: Purpose) -> Validator {
    // smroot.pem carries the root's private key too; only the certificate is read.
    let anchors = TrustAnchors::from_file(format!("{CERTS}smroot.pem")).unwrap();
    assert_eq!(anchors.len(), 1);
    Validator::builder(anchors)
        .time(time())
        .purpose(purpose)
        .build()
        .unwrap()
}

#[test]
fn code_signing_certificate_is_rejected_for_smime() {
    let leaf = certificate("csrsa1.pem");
    for purpose in [Purpose::Sign, Purpose::Encrypt] {
        match validator(purpose).validate_certificate(&leaf) {
            Err(Error::WrongPurpose {
                subject,
                purpose: p,
                mismatch,
            }) => {
                assert_eq!(subject, "CN=Test CodeSign EE RSA #1,O=OpenSSL Group,C=UK");
                assert_eq!(p, purpose);
                assert_eq!(
                    mismatch,
                    PurposeMismatch::ExtendedKeyUsage {
                        found: vec![ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3")]
                    }
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn smime_rsa_certificate_is_valid_for_both_purposes() {
    let leaf = certificate("smrsa1.pem");
    let path = validator(Purpose::Sign)
        .validate_certificate(&leaf)
        .unwrap();
    assert_eq!(
        path.anchor().subject_string(),
        "CN=Test S/MIME RSA Root,O=OpenSSL Group,C=UK"
    );
    validator(Purpose::Encrypt)
        .validate_certificate(&leaf)
        .unwrap();
}

/// smec1 is an EC key with keyEncipherment (not keyAgreement): fine for signing, but RFC 5480
/// §3 does not allow keyEncipherment on EC keys and ECDH needs keyAgreement.
#[test]
fn ec_certificate_without_key_agreement_cannot_encrypt() {
    let leaf = certificate("smec1.pem");
    validator(Purpose::Sign)
        .validate_certificate(&leaf)
        .unwrap();
    match validator(Purpose::Encrypt).validate_certificate(&leaf) {
        Err(Error::WrongPurpose {
            mismatch: PurposeMismatch::KeyUsage { required, found },
            ..
        }) => {
            assert_eq!(required, vec!["keyAgreement"]);
            assert_eq!(
                found,
                vec!["digitalSignature", "nonRepudiation", "keyEncipherment"]
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}
