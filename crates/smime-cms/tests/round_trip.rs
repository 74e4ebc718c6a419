//! Sign, then verify: every key type × digest × padding × identifier × attached/detached ×
//! several signers (proptest over content and options), on every provider; and the builder's
//! refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use std::time::{Duration, SystemTime};

use common::{Leaf, Pki, providers};
use proptest::prelude::*;
use smime_cms::attributes::{EncryptionKeyPreference, SmimeCapabilities, SmimeCapability};
use smime_cms::{
    Error, SignedData, SignedDataBuilder, SignerBuilder, SignerIdentifier, VerifyOptions,
};
use smime_crypto::{DigestAlgorithm, SignatureScheme};
use x509_cert::der::Encode;
use x509_cert::time::Time;

const DIGESTS: [DigestAlgorithm; 3] = [
    DigestAlgorithm::Sha256,
    DigestAlgorithm::Sha384,
    DigestAlgorithm::Sha512,
];

#[derive(Clone, Debug)]
struct SignerOptions {
    leaf: Leaf,
    digest: DigestAlgorithm,
    pss: bool,
    ski: bool,
    include_certificate: bool,
    signed_attributes: bool,
}

impl SignerOptions {
    fn scheme(&self) -> SignatureScheme {
        if !self.leaf.is_rsa() {
            SignatureScheme::Ecdsa {
                digest: self.digest,
            }
        } else if self.pss {
            SignatureScheme::rsa_pss(self.digest)
        } else {
            SignatureScheme::RsaPkcs1v15 {
                digest: self.digest,
            }
        }
    }
}

fn signer_options() -> impl Strategy<Value = SignerOptions> {
    (
        prop::sample::select(Leaf::SIGNERS.to_vec()),
        prop::sample::select(DIGESTS.to_vec()),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.8),
    )
        .prop_map(
            |(leaf, digest, pss, ski, include_certificate, signed_attributes)| SignerOptions {
                leaf,
                digest,
                pss: pss && leaf.is_rsa(),
                ski,
                include_certificate,
                signed_attributes,
            },
        )
}

/// A content type other than id-data (RFC 5652 then requires signed attributes).
const OTHER_CONTENT_TYPE: &str = "1.2.840.113549.1.9.16.1.4"; // id-ct-TSTInfo

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn sign_then_verify(
        content in prop::collection::vec(any::<u8>(), 0..3000),
        detached in any::<bool>(),
        other_type in prop::bool::weighted(0.2),
        mut signers in prop::collection::vec(signer_options(), 1..=3),
    ) {
        let pki = Pki::get();
        let content_type = if other_type {
            OTHER_CONTENT_TYPE.parse().unwrap()
        } else {
            smime_cms::content_info::ID_DATA
        };
        if other_type {
            for signer in &mut signers {
                signer.signed_attributes = true;
            }
        }
        for provider in providers() {
            let mut builder = SignedDataBuilder::new(&content).detached(detached).content_type(content_type);
            for options in &signers {
                let mut signer = SignerBuilder::new(pki.cert(options.leaf), pki.key(options.leaf, provider))
                    .digest(options.digest)
                    .subject_key_identifier(options.ski)
                    .include_certificate(options.include_certificate)
                    .signed_attributes(options.signed_attributes)
                    .include_chain([pki.ca.clone()]);
                if options.pss {
                    signer = signer.pss();
                }
                builder = builder.add_signer(signer);
            }
            let message = builder.build(provider).unwrap();

            // Structure (RFC 5652 §5.1).
            let parsed = SignedData::parse(&message).unwrap();
            let expected_version = if other_type || signers.iter().any(|s| s.ski) { 3 } else { 1 };
            prop_assert_eq!(parsed.version(), expected_version);
            let mut expected_digests: Vec<_> = signers.iter().map(|s| s.digest.oid()).collect();
            expected_digests.sort_by_key(|oid| oid.to_der().unwrap());
            expected_digests.dedup();
            let digests: Vec<_> = parsed.digest_algorithms().iter().map(|a| a.oid).collect();
            prop_assert_eq!(digests, expected_digests);
            prop_assert_eq!(parsed.econtent_type(), content_type);
            prop_assert_eq!(parsed.econtent().is_some(), !detached);
            if !detached {
                prop_assert_eq!(parsed.econtent().unwrap(), content.as_slice());
            }
            prop_assert_eq!(parsed.signer_count(), signers.len());
            // The CA (as chain) is always there; leaf certificates only when included.
            prop_assert!(parsed.certificates().any(|c| *c == pki.ca));

            // Verify: the caller supplies detached content and the certificates left out.
            let caller_certs: Vec<_> = signers.iter().filter(|s| !s.include_certificate).map(|s| pki.cert(s.leaf)).collect();
            let mut options = VerifyOptions::new().certificates(&caller_certs);
            if detached {
                options = options.detached_content(&content);
            }
            let verification = parsed.verify(&options, provider).unwrap();
            prop_assert!(verification.all_valid(), "{:#?}", verification.signers());
            prop_assert_eq!(verification.require_all_valid().unwrap().len(), signers.len());

            // Every signer is reported with its certificate and scheme (SET OF reorders them).
            let mut expected: Vec<(Vec<u8>, String, bool, bool)> = signers
                .iter()
                .map(|s| (pki.cert(s.leaf).to_der().unwrap(), format!("{:?}", s.scheme()), s.ski, s.signed_attributes))
                .collect();
            let mut reported: Vec<(Vec<u8>, String, bool, bool)> = verification
                .signers()
                .iter()
                .map(|r| {
                    let valid = r.valid().unwrap();
                    (
                        valid.certificate().der().to_vec(),
                        format!("{:?}", valid.scheme()),
                        matches!(r.identifier(), Ok(SignerIdentifier::SubjectKeyIdentifier(_))),
                        r.signed_attributes().is_some(),
                    )
                })
                .collect();
            expected.sort();
            reported.sort();
            prop_assert_eq!(reported, expected);
            for report in verification.signers() {
                prop_assert_eq!(report.version(), if matches!(report.identifier(), Ok(SignerIdentifier::SubjectKeyIdentifier(_))) { 3 } else { 1 });
                if let Some(attributes) = report.signed_attributes() {
                    prop_assert_eq!(attributes.content_type(), content_type);
                    prop_assert!(attributes.signing_time().is_some());
                    prop_assert!(attributes.signing_certificate_v2().unwrap().is_some());
                }
            }
        }
    }
}

fn simple_signer(leaf: Leaf) -> SignerBuilder {
    let pki = Pki::get();
    SignerBuilder::new(pki.cert(leaf), pki.key(leaf, providers()[0]))
}

#[test]
fn attributes_round_trip() {
    let pki = Pki::get();
    let capabilities = SmimeCapabilities(vec![
        SmimeCapability::new("2.16.840.1.101.3.4.1.46".parse().unwrap()),
        SmimeCapability::new("2.16.840.1.101.3.4.1.42".parse().unwrap()),
    ]);
    let preference =
        EncryptionKeyPreference::subject_key_identifier(&pki.cert(Leaf::P256)).unwrap();
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for provider in providers() {
        let message = SignedDataBuilder::new(b"attributes")
            .add_signer(
                SignerBuilder::new(pki.cert(Leaf::P256), pki.key(Leaf::P256, provider))
                    .capabilities(capabilities.clone())
                    .encryption_key_preference(preference.clone())
                    .signing_time(when),
            )
            .build(provider)
            .unwrap();
        let verification = smime_cms::verify(&message, &VerifyOptions::new(), provider).unwrap();
        let report = &verification.signers()[0];
        assert!(report.valid().is_some());
        let attributes = report.signed_attributes().unwrap();
        assert_eq!(attributes.smime_capabilities(), Some(&capabilities));
        assert_eq!(attributes.encryption_key_preference(), Some(&preference));
        assert!(preference.matches(&pki.cert(Leaf::P256)));
        assert!(!preference.matches(&pki.cert(Leaf::P384)));
        assert_eq!(attributes.signing_time().unwrap().to_system_time(), when);
        assert!(matches!(attributes.signing_time(), Some(Time::UtcTime(_))));
        let ess = attributes.signing_certificate_v2().unwrap().unwrap();
        assert_eq!(ess.certs.len(), 1);
        assert!(
            ess.certs[0]
                .issuer_serial
                .as_ref()
                .unwrap()
                .matches(&pki.cert(Leaf::P256))
        );
        assert_eq!(attributes.message_digest().len(), 32);
        assert!(attributes.other().is_empty());
    }
}

#[test]
fn signing_time_is_utc_time_until_2049_and_generalized_time_after() {
    let provider = providers()[0];
    for (seconds, generalized) in [
        (2_524_607_999u64, false), // 2049-12-31T23:59:59Z
        (2_524_608_000u64, true),  // 2050-01-01T00:00:00Z
    ] {
        let when = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
        let message = SignedDataBuilder::new(b"time")
            .add_signer(simple_signer(Leaf::P256).signing_time(when))
            .build(provider)
            .unwrap();
        // The encoded value: UTCTime (0x17) or GeneralizedTime (0x18) after the OID.
        let oid = [
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05,
        ];
        let at = message.windows(oid.len()).position(|w| w == oid).unwrap();
        let tag = message[at + oid.len() + 2];
        assert_eq!(tag, if generalized { 0x18 } else { 0x17 });
        let verification = smime_cms::verify(&message, &VerifyOptions::new(), provider).unwrap();
        let time = verification.signers()[0].signing_time().unwrap();
        assert_eq!(time.to_system_time(), when);
        assert_eq!(matches!(time, Time::GeneralTime(_)), generalized);
    }
}

#[test]
fn without_signing_time_and_without_ess() {
    let provider = providers()[0];
    let message = SignedDataBuilder::new(b"minimal attributes")
        .add_signer(
            simple_signer(Leaf::Rsa2048)
                .without_signing_time()
                .signing_certificate_v2(false),
        )
        .build(provider)
        .unwrap();
    let verification = smime_cms::verify(&message, &VerifyOptions::new(), provider).unwrap();
    let attributes = verification.signers()[0].signed_attributes().unwrap();
    assert!(attributes.signing_time().is_none());
    assert!(attributes.signing_certificate_v2().unwrap().is_none());
    assert!(verification.all_valid());
}

#[test]
fn builder_refusals() {
    let pki = Pki::get();
    let provider = providers()[0];
    let build = |signer: SignerBuilder| {
        SignedDataBuilder::new(b"x")
            .add_signer(signer)
            .build(provider)
    };
    assert_eq!(
        build(simple_signer(Leaf::Rsa2048).digest(DigestAlgorithm::Sha1)).unwrap_err(),
        Error::Sha1NotAllowed { signer: 0 }
    );
    assert!(matches!(
        build(simple_signer(Leaf::Rsa1024)).unwrap_err(),
        Error::WeakKey { signer: 0, .. }
    ));
    assert_eq!(
        build(SignerBuilder::new(
            pki.cert(Leaf::Rsa2048),
            pki.key(Leaf::Rsa3072, provider)
        ))
        .unwrap_err(),
        Error::KeyDoesNotMatchCertificate { signer: 0 }
    );
    assert_eq!(
        build(simple_signer(Leaf::NoSki).subject_key_identifier(true)).unwrap_err(),
        Error::NoSubjectKeyIdentifier { signer: 0 }
    );
    assert!(matches!(
        build(simple_signer(Leaf::P256).pss()).unwrap_err(),
        Error::InvalidAlgorithms { signer: 0, .. }
    ));
    assert_eq!(
        SignedDataBuilder::new(b"x").build(provider).unwrap_err(),
        Error::NoSignerGiven
    );
    let other: x509_cert::der::oid::ObjectIdentifier = OTHER_CONTENT_TYPE.parse().unwrap();
    assert_eq!(
        SignedDataBuilder::new(b"x")
            .content_type(other)
            .add_signer(simple_signer(Leaf::P256).signed_attributes(false))
            .build(provider)
            .unwrap_err(),
        Error::SignedAttributesRequired {
            content_type: other
        }
    );
    // The error index is the signer's position in the builder.
    assert_eq!(
        SignedDataBuilder::new(b"x")
            .add_signer(simple_signer(Leaf::P256))
            .add_signer(simple_signer(Leaf::P384).digest(DigestAlgorithm::Sha1))
            .build(provider)
            .unwrap_err(),
        Error::Sha1NotAllowed { signer: 1 }
    );
}

#[test]
fn certs_only_round_trip() {
    let pki = Pki::get();
    let certs = vec![
        pki.cert(Leaf::Rsa2048),
        pki.cert(Leaf::P384),
        pki.ca.clone(),
        pki.cert(Leaf::Rsa2048),
    ];
    let message = smime_cms::certs_only::build(&certs).unwrap();
    let back = smime_cms::certs_only::read(&message).unwrap();
    assert_eq!(back.len(), 3, "duplicates are dropped");
    for cert in &certs {
        assert!(back.contains(cert));
    }
    let parsed = SignedData::parse(&message).unwrap();
    assert_eq!(parsed.version(), 1);
    assert_eq!(parsed.signer_count(), 0);
    assert!(parsed.digest_algorithms().is_empty());
    assert!(parsed.econtent().is_none());
    assert_eq!(
        smime_cms::verify(&message, &VerifyOptions::new(), providers()[0]).unwrap_err(),
        Error::NoSigners
    );
}

#[test]
fn detached_and_supplied_twice() {
    let provider = providers()[0];
    let attached = SignedDataBuilder::new(b"content")
        .add_signer(simple_signer(Leaf::P256))
        .build(provider)
        .unwrap();
    assert_eq!(
        smime_cms::verify(
            &attached,
            &VerifyOptions::new().detached_content(b"content"),
            provider
        )
        .unwrap_err(),
        Error::ContentSuppliedTwice
    );
    let detached = SignedDataBuilder::new(b"content")
        .detached(true)
        .add_signer(simple_signer(Leaf::P256))
        .build(provider)
        .unwrap();
    assert_eq!(
        smime_cms::verify(&detached, &VerifyOptions::new(), provider).unwrap_err(),
        Error::NoContent
    );
    // Empty content is content: signed and verified as such.
    let empty = SignedDataBuilder::new(b"")
        .detached(true)
        .add_signer(simple_signer(Leaf::P256))
        .build(provider)
        .unwrap();
    let verification = smime_cms::verify(
        &empty,
        &VerifyOptions::new().detached_content(b""),
        provider,
    )
    .unwrap();
    assert!(verification.all_valid());
}

/// Re-encodes DER as BER the way streaming encoders do: every constructed element with an
/// indefinite length, every OCTET STRING longer than 64 bytes as 64-byte chunks.
fn to_streaming_ber(der: &[u8]) -> Vec<u8> {
    fn element(input: &[u8]) -> (Vec<u8>, usize) {
        let tag = input[0];
        let (len, header) = match input[1] {
            n if n < 0x80 => (n as usize, 2),
            0x81 => (input[2] as usize, 3),
            0x82 => ((input[2] as usize) << 8 | input[3] as usize, 4),
            0x83 => (
                (input[2] as usize) << 16 | (input[3] as usize) << 8 | input[4] as usize,
                5,
            ),
            other => panic!("length form {other:#x}"),
        };
        let content = &input[header..header + len];
        let mut out = Vec::new();
        if tag & 0x20 != 0 {
            out.extend([tag, 0x80]);
            let mut pos = 0;
            while pos < content.len() {
                let (inner, used) = element(&content[pos..]);
                out.extend(inner);
                pos += used;
            }
            out.extend([0, 0]);
        } else if tag == 0x04 && content.len() > 64 {
            out.extend([0x24, 0x80]);
            for chunk in content.chunks(64) {
                out.extend([0x04, chunk.len() as u8]);
                out.extend(chunk);
            }
            out.extend([0, 0]);
        } else {
            out.extend(&input[..header + len]);
        }
        (out, header + len)
    }
    let (out, used) = element(der);
    assert_eq!(used, der.len());
    out
}

#[test]
fn streaming_ber_of_our_message_verifies_too() {
    let pki = Pki::get();
    let content: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    for provider in providers() {
        let message = SignedDataBuilder::new(&content)
            .add_signer(
                simple_signer(Leaf::Rsa2048)
                    .capabilities(smime_cms::attributes::recommended_capabilities()),
            )
            .add_signer(
                simple_signer(Leaf::P384)
                    .subject_key_identifier(true)
                    .include_chain([pki.ca.clone()]),
            )
            .build(provider)
            .unwrap();
        let ber = to_streaming_ber(&message);
        assert_eq!(&ber[..2], &[0x30, 0x80]);
        assert_ne!(ber, message);
        // Everything is indefinite now, the signed attributes and certificates included: the
        // signed attributes are verified over their DER form, the certificates transcoded.
        let verification = smime_cms::verify(&ber, &VerifyOptions::new(), provider).unwrap();
        assert!(verification.all_valid(), "{:#?}", verification.signers());
        assert_eq!(verification.econtent(), Some(content.as_slice()));
        assert_eq!(verification.certificates().len(), 3);
    }
}

#[test]
fn openssl_adds_a_signer_to_our_message() {
    // `openssl cms -resign` keeps our SignerInfo byte for byte and adds its own.
    let provider = providers()[0];
    let content = b"resign me";
    let message = SignedDataBuilder::new(content)
        .add_signer(simple_signer(Leaf::Rsa2048))
        .build(provider)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.der"), &message).unwrap();
    let pki = Pki::get();
    common::openssl(
        dir.path(),
        &[
            "cms",
            "-resign",
            "-inform",
            "DER",
            "-in",
            "m.der",
            "-outform",
            "DER",
            "-out",
            "r.der",
            "-signer",
            pki.cert_path(Leaf::P256).to_str().unwrap(),
            "-inkey",
            pki.key_path(Leaf::P256).to_str().unwrap(),
            "-nodetach",
            "-binary",
        ],
    );
    let resigned = std::fs::read(dir.path().join("r.der")).unwrap();
    let verification = smime_cms::verify(&resigned, &VerifyOptions::new(), provider).unwrap();
    assert_eq!(verification.signers().len(), 2);
    assert!(verification.all_valid(), "{:#?}", verification.signers());
    assert_eq!(verification.econtent(), Some(content.as_slice()));
}

#[test]
fn the_suite_runs_on_every_provider() {
    let names: Vec<&str> = providers().iter().map(|p| p.name()).collect();
    assert!(names.contains(&"rustcrypto"), "{names:?}");
    #[cfg(feature = "aws-lc")]
    assert!(names.contains(&"aws-lc"), "{names:?}");
}

#[test]
fn messages_cross_providers() {
    // Signed with one provider, verified with the other.
    let pki = Pki::get();
    for signing in providers() {
        for leaf in [Leaf::Rsa2048, Leaf::P384] {
            let message = SignedDataBuilder::new(b"cross")
                .add_signer(SignerBuilder::new(pki.cert(leaf), pki.key(leaf, signing)).pss())
                .build(signing);
            let message = match (leaf.is_rsa(), message) {
                (true, Ok(message)) => message,
                (false, Err(Error::InvalidAlgorithms { .. })) => SignedDataBuilder::new(b"cross")
                    .add_signer(SignerBuilder::new(pki.cert(leaf), pki.key(leaf, signing)))
                    .build(signing)
                    .unwrap(),
                (_, other) => panic!("{other:?}"),
            };
            for verifying in providers() {
                let verification =
                    smime_cms::verify(&message, &VerifyOptions::new(), verifying).unwrap();
                assert!(
                    verification.all_valid(),
                    "{} → {}",
                    signing.name(),
                    verifying.name()
                );
            }
        }
    }
}
