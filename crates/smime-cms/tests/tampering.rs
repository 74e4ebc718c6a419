//! A changed byte is caught, and named: in the content (messageDigest), in the signed
//! attributes (signature), in the signature; bad attribute sets; certificate substitution;
//! one bad signer does not hide a good one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use common::{Leaf, Pki, providers};
use smime_cms::attributes;
use smime_cms::{Error, SignatureStatus, SignedDataBuilder, SignerBuilder, VerifyOptions};
use smime_crypto::CryptoProvider;
use x509_cert::attr::Attribute;
use x509_cert::der::asn1::SetOfVec;
use x509_cert::der::{Any, Encode};

const CONTENT: &[u8] = b"Pay Bob 100 EUR. This sentence is the signed content.";

fn signer(leaf: Leaf, provider: &dyn CryptoProvider) -> SignerBuilder {
    let pki = Pki::get();
    SignerBuilder::new(pki.cert(leaf), pki.key(leaf, provider))
}

fn position(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle present")
}

fn status(
    message: &[u8],
    options: &VerifyOptions<'_>,
    provider: &dyn CryptoProvider,
) -> SignatureStatus {
    let verification = smime_cms::verify(message, options, provider).unwrap();
    assert_eq!(verification.signers().len(), 1);
    verification.signers()[0].status().clone()
}

fn invalid(error: Error) -> SignatureStatus {
    SignatureStatus::Invalid(error)
}

#[test]
fn changed_bytes_are_caught_and_named() {
    const SIGNING_TIME_OID: [u8; 11] = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05,
    ];
    const MESSAGE_DIGEST_OID: [u8; 11] = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04,
    ];
    const CONTENT_TYPE_OID: [u8; 11] = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03,
    ];
    for provider in providers() {
        for (leaf, pss) in [
            (Leaf::Rsa2048, false),
            (Leaf::Rsa3072, true),
            (Leaf::P256, false),
            (Leaf::P384, false),
        ] {
            let mut builder = signer(leaf, provider);
            if pss {
                builder = builder.pss();
            }
            let message = SignedDataBuilder::new(CONTENT)
                .add_signer(builder)
                .build(provider)
                .unwrap();
            let options = VerifyOptions::new();
            assert!(matches!(
                status(&message, &options, provider),
                SignatureStatus::Valid(_)
            ));

            // The content.
            let mut m = message.clone();
            m[position(&message, CONTENT) + 8] ^= 0x01;
            assert_eq!(
                status(&m, &options, provider),
                invalid(Error::MessageDigestMismatch { signer: 0 }),
                "{leaf:?}"
            );

            // A signed attribute (a digit of the signing time): the signature no longer covers it.
            let mut m = message.clone();
            let at = position(&message, &SIGNING_TIME_OID) + SIGNING_TIME_OID.len() + 2 + 2 + 3;
            assert!(m[at].is_ascii_digit());
            m[at] = if m[at] == b'0' { b'1' } else { b'0' };
            assert_eq!(
                status(&m, &options, provider),
                invalid(Error::BadSignature { signer: 0 }),
                "{leaf:?}"
            );

            // The messageDigest value itself.
            let mut m = message.clone();
            let at = position(&message, &MESSAGE_DIGEST_OID) + MESSAGE_DIGEST_OID.len() + 2 + 2 + 4;
            m[at] ^= 0x80;
            assert_eq!(
                status(&m, &options, provider),
                invalid(Error::MessageDigestMismatch { signer: 0 }),
                "{leaf:?}"
            );

            // The contentType value (id-data → id-signedData): it no longer matches eContentType.
            let mut m = message.clone();
            let at = position(&message, &CONTENT_TYPE_OID) + CONTENT_TYPE_OID.len() + 2 + 2 + 8;
            assert_eq!(m[at], 0x01);
            m[at] = 0x02;
            let content_type_error = status(&m, &options, provider);
            assert!(
                matches!(
                    content_type_error,
                    SignatureStatus::Invalid(Error::ContentTypeMismatch { signer: 0, .. })
                ),
                "{content_type_error:?}"
            );

            // The signature (its last byte is the message's last byte).
            let mut m = message.clone();
            *m.last_mut().unwrap() ^= 0x01;
            assert_eq!(
                status(&m, &options, provider),
                invalid(Error::BadSignature { signer: 0 }),
                "{leaf:?}"
            );
        }
    }
}

#[test]
fn detached_content_changes_are_caught() {
    for provider in providers() {
        let message = SignedDataBuilder::new(CONTENT)
            .detached(true)
            .add_signer(signer(Leaf::P256, provider))
            .build(provider)
            .unwrap();
        let mut changed = CONTENT.to_vec();
        changed[4] = b'E';
        assert_eq!(
            status(
                &message,
                &VerifyOptions::new().detached_content(&changed),
                provider
            ),
            invalid(Error::MessageDigestMismatch { signer: 0 })
        );
        // Shorter and longer content too.
        assert_eq!(
            status(
                &message,
                &VerifyOptions::new().detached_content(&CONTENT[..10]),
                provider
            ),
            invalid(Error::MessageDigestMismatch { signer: 0 })
        );
    }
}

#[test]
fn without_signed_attributes_the_signature_covers_the_content() {
    for provider in providers() {
        let message = SignedDataBuilder::new(CONTENT)
            .add_signer(signer(Leaf::Rsa2048, provider).signed_attributes(false))
            .build(provider)
            .unwrap();
        assert!(matches!(
            status(&message, &VerifyOptions::new(), provider),
            SignatureStatus::Valid(_)
        ));
        let mut m = message.clone();
        m[position(&message, CONTENT)] ^= 0x01;
        assert_eq!(
            status(&m, &VerifyOptions::new(), provider),
            invalid(Error::BadSignature { signer: 0 })
        );
    }
}

#[test]
fn one_bad_signer_does_not_hide_the_good_one() {
    for provider in providers() {
        let message = SignedDataBuilder::new(CONTENT)
            .add_signer(signer(Leaf::Rsa2048, provider))
            .add_signer(signer(Leaf::P256, provider))
            .build(provider)
            .unwrap();
        let mut m = message.clone();
        *m.last_mut().unwrap() ^= 0x01; // the last SignerInfo's signature
        let verification = smime_cms::verify(&m, &VerifyOptions::new(), provider).unwrap();
        assert_eq!(verification.signers().len(), 2);
        assert!(verification.signers()[0].valid().is_some());
        assert_eq!(
            verification.signers()[1].status(),
            &SignatureStatus::Invalid(Error::BadSignature { signer: 1 })
        );
        assert!(!verification.all_valid());
        assert_eq!(verification.valid_signatures().count(), 1);
        assert_eq!(
            verification.require_all_valid().unwrap_err(),
            Error::BadSignature { signer: 1 }
        );
    }
}

#[test]
fn wrong_or_missing_certificate() {
    let pki = Pki::get();
    for provider in providers() {
        let message = SignedDataBuilder::new(CONTENT)
            .add_signer(signer(Leaf::Rsa2048, provider).include_certificate(false))
            .build(provider)
            .unwrap();
        assert_eq!(
            status(&message, &VerifyOptions::new(), provider),
            invalid(Error::SignerCertificateNotFound { signer: 0 })
        );
        let others = [pki.cert(Leaf::Rsa3072), pki.ca.clone()];
        assert_eq!(
            status(
                &message,
                &VerifyOptions::new().certificates(&others),
                provider
            ),
            invalid(Error::SignerCertificateNotFound { signer: 0 })
        );
    }
}

#[test]
fn certificate_substitution_is_caught_by_signing_certificate_v2() {
    // A second certificate for the same key (same subjectKeyIdentifier, another serial): the
    // signature verifies with it, but signingCertificateV2 names the original certificate.
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("leaf.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectKeyIdentifier=hash\n",
    )
    .unwrap();
    let p = |name: &str| pki.path().join(name).to_str().unwrap().to_owned();
    common::openssl(
        dir.path(),
        &[
            "x509",
            "-req",
            "-in",
            &p("rsa2048.csr"),
            "-CA",
            &p("ca.pem"),
            "-CAkey",
            &p("ca.key"),
            "-set_serial",
            "4242",
            "-days",
            "30",
            "-extfile",
            "leaf.ext",
            "-out",
            "twin.pem",
        ],
    );
    let twin = common::read_cert(&dir.path().join("twin.pem"));
    assert_ne!(twin, pki.cert(Leaf::Rsa2048));
    for provider in providers() {
        let message = SignedDataBuilder::new(CONTENT)
            .add_signer(
                signer(Leaf::Rsa2048, provider)
                    .subject_key_identifier(true)
                    .include_certificate(false),
            )
            .build(provider)
            .unwrap();
        let original = [pki.cert(Leaf::Rsa2048)];
        assert!(matches!(
            status(
                &message,
                &VerifyOptions::new().certificates(&original),
                provider
            ),
            SignatureStatus::Valid(_)
        ));
        let substituted = [twin.clone()];
        assert_eq!(
            status(
                &message,
                &VerifyOptions::new().certificates(&substituted),
                provider
            ),
            invalid(Error::SigningCertificateMismatch { signer: 0 })
        );
        // Without the attribute, the substitution goes unnoticed: that is what it is for.
        let message = SignedDataBuilder::new(CONTENT)
            .add_signer(
                signer(Leaf::Rsa2048, provider)
                    .subject_key_identifier(true)
                    .include_certificate(false)
                    .signing_certificate_v2(false),
            )
            .build(provider)
            .unwrap();
        let SignatureStatus::Valid(valid) = status(
            &message,
            &VerifyOptions::new().certificates(&substituted),
            provider,
        ) else {
            panic!("expected a valid signature")
        };
        assert_eq!(valid.certificate(), &twin);
    }
}

fn attribute(oid: x509_cert::der::oid::ObjectIdentifier, values: Vec<Vec<u8>>) -> Attribute {
    let values: Vec<Any> = values
        .iter()
        .map(|der| Any::from_der(der).unwrap())
        .collect();
    Attribute {
        oid,
        values: SetOfVec::try_from(values).unwrap(),
    }
}

use x509_cert::der::Decode;

#[test]
fn attribute_sets_that_break_rfc_5652_are_rejected() {
    let utc = |s: &str| {
        x509_cert::der::asn1::UtcTime::from_date_time(s.parse().unwrap())
            .unwrap()
            .to_der()
            .unwrap()
    };
    let time_a = utc("2030-01-01T00:00:00Z");
    let time_b = utc("2031-01-01T00:00:00Z");
    let cases: Vec<(Attribute, Error)> = vec![
        (
            attribute(attributes::SIGNING_TIME, vec![]),
            Error::AttributeValueCount {
                signer: 0,
                attribute: "signingTime",
                count: 0,
            },
        ),
        (
            attribute(attributes::SIGNING_TIME, vec![time_a.clone(), time_b]),
            Error::AttributeValueCount {
                signer: 0,
                attribute: "signingTime",
                count: 2,
            },
        ),
        (
            attribute(
                attributes::CONTENT_TYPE,
                vec![smime_cms::content_info::ID_DATA.to_der().unwrap()],
            ),
            Error::DuplicateAttribute {
                signer: 0,
                attribute: "contentType",
                count: 2,
            },
        ),
        (
            attribute(attributes::MESSAGE_DIGEST, vec![vec![0x04, 0x01, 0x00]]),
            Error::DuplicateAttribute {
                signer: 0,
                attribute: "messageDigest",
                count: 2,
            },
        ),
        (
            attribute(attributes::COUNTERSIGNATURE, vec![vec![0x30, 0x00]]),
            Error::MisplacedAttribute {
                signer: 0,
                attribute: "countersignature",
                found_in: "signed",
            },
        ),
        (
            // A signingTime that is not a Time.
            attribute(attributes::SIGNING_TIME, vec![vec![0x04, 0x01, 0x00]]),
            Error::MalformedAttribute {
                signer: 0,
                attribute: "signingTime",
                reason: String::new(),
            },
        ),
    ];
    for provider in providers() {
        for (extra, expected) in &cases {
            let message = SignedDataBuilder::new(CONTENT)
                .add_signer(
                    signer(Leaf::P256, provider)
                        .without_signing_time()
                        .signed_attribute(extra.clone()),
                )
                .build(provider)
                .unwrap();
            let got = status(&message, &VerifyOptions::new(), provider);
            match (expected, &got) {
                (
                    Error::MalformedAttribute { attribute, .. },
                    SignatureStatus::Invalid(Error::MalformedAttribute {
                        attribute: a,
                        signer: 0,
                        ..
                    }),
                ) => {
                    assert_eq!(attribute, a)
                }
                _ => assert_eq!(got, invalid(expected.clone())),
            }
        }
    }
}

#[test]
fn unknown_signed_attributes_are_kept_and_covered() {
    let oid: x509_cert::der::oid::ObjectIdentifier = "1.3.6.1.4.1.99999.1".parse().unwrap();
    let value = x509_cert::der::asn1::Utf8StringRef::new("hello")
        .unwrap()
        .to_der()
        .unwrap();
    for provider in providers() {
        let message = SignedDataBuilder::new(CONTENT)
            .add_signer(
                signer(Leaf::P384, provider).signed_attribute(attribute(oid, vec![value.clone()])),
            )
            .build(provider)
            .unwrap();
        let verification = smime_cms::verify(&message, &VerifyOptions::new(), provider).unwrap();
        let report = &verification.signers()[0];
        assert!(report.valid().is_some());
        let other = report.signed_attributes().unwrap().other();
        assert_eq!(other.len(), 1);
        assert_eq!(other[0].oid, oid);
        // And covered by the signature.
        let mut m = message.clone();
        let at = position(&message, b"hello");
        m[at] = b'j';
        assert_eq!(
            status(&m, &VerifyOptions::new(), provider),
            invalid(Error::BadSignature { signer: 0 })
        );
    }
}
