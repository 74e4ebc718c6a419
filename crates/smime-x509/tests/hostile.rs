//! Hostile input: garbage, truncation, bit flips, broken PEM, oversized input. Every case
//! must end in a typed error (or a certificate) — never a panic.

// Tests may unwrap and index: a panic is a test failure with its location.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use smime_x509::{
    Certificate, EmailAddress, Error, Location, MAX_CERTIFICATES, MAX_INPUT_LEN, load_certificates,
};

fn alice_pem() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/rfc9216/alice@smime.example.sig.pem"
    ))
    .unwrap()
}

fn alice_der() -> Vec<u8> {
    Certificate::from_pem(&alice_pem())
        .unwrap()
        .as_der()
        .to_vec()
}

/// Calls every accessor: none may panic, whatever the certificate holds.
fn exercise(c: &Certificate) {
    let _ = c.subject().to_string();
    let _ = c.issuer().to_string();
    let _ = c.serial_number();
    let _ = c.subject_key_identifier();
    let _ = c.authority_key_identifier();
    let _ = c.validity_at(std::time::SystemTime::now());
    let _ = c.public_key();
    let _ = c.basic_constraints();
    let _ = c.key_usage();
    let _ = c.permits_signing();
    let _ = c.permits_encryption();
    let _ = c.extended_key_usage();
    let _ = c.email_protection();
    let _ = c.certificate_policies();
    let _ = c.validation_level();
    let _ = c.smime_capabilities();
    if let Ok(mailboxes) = c.mailboxes() {
        for m in &mailboxes {
            let _ = m.to_string();
        }
    }
    let _ = c.match_address("alice@smime.example");
    let _ = format!("{c:?}");
}

#[test]
fn empty_and_unrecognised_input() {
    assert_eq!(load_certificates(b""), Err(Error::Empty));
    assert_eq!(
        load_certificates(b"hello world"),
        Err(Error::UnrecognizedFormat { first_byte: b'h' })
    );
    assert!(matches!(
        Certificate::from_der(b""),
        Err(Error::Decode {
            location: Location::Der {
                index: 0,
                offset: 0
            },
            ..
        })
    ));
}

#[test]
fn every_truncation_of_a_certificate_is_a_decode_error() {
    let der = alice_der();
    for len in 1..der.len() {
        match load_certificates(&der[..len]) {
            Err(Error::Decode {
                location:
                    Location::Der {
                        index: 0,
                        offset: 0,
                    },
                ..
            }) => {}
            other => panic!("truncated to {len}: {other:?}"),
        }
        assert!(Certificate::from_der(&der[..len]).is_err());
    }
}

#[test]
fn trailing_bytes() {
    let der = alice_der();
    let mut with_zero = der.clone();
    with_zero.push(0);
    // One certificate, then garbage: the second element is reported with its offset.
    match load_certificates(&with_zero) {
        Err(Error::Decode {
            location: Location::Der { index: 1, offset },
            ..
        }) => assert_eq!(offset, der.len()),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Certificate::from_der(&with_zero),
        Err(Error::Decode { .. })
    ));
    // Two certificates back to back are a bundle.
    let two = [der.as_slice(), der.as_slice()].concat();
    assert_eq!(load_certificates(&two).unwrap().len(), 2);
    assert_eq!(
        Certificate::from_pem(&two),
        Err(Error::NotOneCertificate { count: 2 })
    );
}

#[test]
fn every_single_bit_flip_is_handled() {
    let der = alice_der();
    let mut loaded = 0;
    for i in 0..der.len() {
        for bit in [0x01, 0x80] {
            let mut bad = der.clone();
            bad[i] ^= bit;
            if let Ok(certs) = load_certificates(&bad) {
                loaded += 1;
                for c in &certs {
                    exercise(c);
                }
            }
        }
    }
    // Flips in the signature or key bits still decode; flips in the structure do not.
    assert!(loaded > 0 && loaded < 2 * der.len(), "{loaded}");
}

#[test]
fn broken_pem() {
    let pem = String::from_utf8(alice_pem()).unwrap();
    // Base64 damaged inside the certificate block; the block starts on line 1 of this input.
    let start = pem.find("-----BEGIN CERTIFICATE-----").unwrap();
    let cert_block = &pem[start..];
    let damaged = cert_block.replacen("MII", "M*I", 1);
    match load_certificates(damaged.as_bytes()) {
        Err(Error::Pem {
            location, label, ..
        }) => {
            assert_eq!(location, Location::Pem { index: 0, line: 1 });
            assert_eq!(label, "CERTIFICATE");
        }
        other => panic!("{other:?}"),
    }
    // No END line.
    let end = cert_block.find("-----END CERTIFICATE-----").unwrap();
    let unterminated = format!("\n\n{}", &cert_block[..end]);
    match load_certificates(unterminated.as_bytes()) {
        Err(Error::Pem {
            location, reason, ..
        }) => {
            assert_eq!(location, Location::Pem { index: 0, line: 3 });
            assert_eq!(reason, "no matching END line");
        }
        other => panic!("{other:?}"),
    }
    // Unterminated BEGIN line.
    assert!(matches!(
        load_certificates(b"-----BEGIN CERTIFICATE"),
        Err(Error::Pem { .. })
    ));
    // A well-formed PEM block whose content is not a certificate.
    let not_a_cert = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
    assert!(matches!(
        load_certificates(not_a_cert.as_bytes()),
        Err(Error::Decode {
            location: Location::Pem { index: 0, line: 1 },
            ..
        })
    ));
    // The error message says where.
    let e = load_certificates(not_a_cert.as_bytes()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("PEM block 0 on line 1: malformed certificate"),
        "{e}"
    );
    // Only non-certificate blocks.
    let key = "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n";
    assert_eq!(
        load_certificates(key.as_bytes()),
        Err(Error::NoCertificate {
            labels: vec!["PRIVATE KEY".into(), "X509 CRL".into()]
        })
    );
}

#[test]
fn older_pem_label_is_accepted() {
    let pem = String::from_utf8(alice_pem()).unwrap();
    let start = pem.find("-----BEGIN CERTIFICATE-----").unwrap();
    let end = pem.find("-----END CERTIFICATE-----").unwrap() + "-----END CERTIFICATE-----".len();
    let old = pem[start..end].replace("CERTIFICATE-----", "X509 CERTIFICATE-----");
    assert_eq!(
        Certificate::from_pem(old.as_bytes()).unwrap().as_der(),
        alice_der()
    );
}

#[test]
fn limits() {
    let big = vec![0x30; MAX_INPUT_LEN + 1];
    assert_eq!(
        load_certificates(&big),
        Err(Error::InputTooLarge {
            len: MAX_INPUT_LEN + 1,
            max: MAX_INPUT_LEN
        })
    );
    let der = alice_der();
    let many: Vec<u8> = std::iter::repeat_n(der.as_slice(), MAX_CERTIFICATES + 1)
        .flatten()
        .copied()
        .collect();
    assert_eq!(
        load_certificates(&many),
        Err(Error::TooManyCertificates {
            max: MAX_CERTIFICATES
        })
    );
    let exactly: Vec<u8> = std::iter::repeat_n(der.as_slice(), MAX_CERTIFICATES)
        .flatten()
        .copied()
        .collect();
    assert_eq!(load_certificates(&exactly).unwrap().len(), MAX_CERTIFICATES);
}

#[test]
fn many_small_pem_blocks_stay_linear() {
    // 200,000 empty non-certificate blocks (~6 MB) must be skipped quickly.
    let block = "-----BEGIN X-----\n-----END X-----\n";
    let input = block.repeat(200_000);
    let started = std::time::Instant::now();
    assert!(matches!(
        load_certificates(input.as_bytes()),
        Err(Error::NoCertificate { .. })
    ));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn deeply_nested_der_ends_in_an_error() {
    // 1 MiB of nested indefinite-length and definite-length SEQUENCE headers.
    let mut nested = Vec::new();
    for _ in 0..(512 * 1024) {
        nested.extend_from_slice(&[0x30, 0x80]);
    }
    assert!(load_certificates(&nested).is_err());
    let mut definite = vec![0x30, 0x84, 0x00, 0x0f, 0xff, 0xfa];
    definite.extend(std::iter::repeat_n([0x30u8, 0x84, 0x00, 0x0f, 0xff, 0xfa], 100_000).flatten());
    assert!(load_certificates(&definite).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(certs) = load_certificates(&bytes) {
            certs.iter().for_each(exercise);
        }
    }

    #[test]
    fn random_der_starts_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = vec![0x30, 0x82];
        bytes.extend(tail);
        let _ = load_certificates(&bytes);
    }

    #[test]
    fn random_pem_bodies_never_panic(body in "[A-Za-z0-9+/=\\n\\r -]{0,400}") {
        let pem = format!("junk\n-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
        prop_assert!(load_certificates(pem.as_bytes()).is_err());
    }

    #[test]
    fn random_addresses_never_panic(s in "\\PC{0,80}") {
        if let Ok(a) = EmailAddress::parse(&s) {
            // What parses displays as something that parses to the same address.
            let again = EmailAddress::parse(&a.to_string()).unwrap();
            prop_assert_eq!(again, a);
        }
    }

    #[test]
    fn address_forms_agree(local in "[a-z0-9.!#%&'*+/=?^_`{|}~-]{1,20}", domain in "[a-z0-9]{1,10}\\.[a-z]{2,5}", name in "[A-Za-z ]{0,20}") {
        let bare = format!("{local}@{domain}");
        match EmailAddress::parse(&bare) {
            Ok(a) => {
                let quoted = EmailAddress::parse(&format!("\"{name}\" <{bare}>")).unwrap();
                prop_assert_eq!(&quoted, &a);
                let upper = EmailAddress::parse(&format!("{local}@{}", domain.to_uppercase())).unwrap();
                prop_assert!(upper.matches(&a));
            }
            Err(Error::InvalidAddress { reason, .. }) => {
                // Only dot placement can make such a local part invalid.
                prop_assert_eq!(reason, "local part has an empty dot-separated atom");
            }
            Err(e) => prop_assert!(false, "{e}"),
        }
    }
}
