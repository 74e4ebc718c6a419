//! Hostile input: truncations, mutations, nesting bombs on a small stack, and every budget.
//! Everything must end quickly with a typed error, never a panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use std::time::{Duration, Instant};

use common::{Leaf, Pki, providers};
use proptest::prelude::*;
use smime_cms::budget::{
    MAX_ATTRIBUTES, MAX_CERTIFICATES, MAX_NESTING_DEPTH, MAX_SIGNATURE_CHECKS, MAX_SIGNERS,
};
use smime_cms::{
    ContentInfo, Error, SignatureStatus, SignedData, SignedDataBuilder, SignerBuilder,
    VerifyOptions,
};

/// DER element with a single-octet tag.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n if n < 0x10000 => out.extend([0x82, (n >> 8) as u8, n as u8]),
        n => out.extend([0x83, (n >> 16) as u8, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

const ID_SIGNED_DATA: [u8; 11] = [
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
];
const ID_DATA: [u8; 11] = [
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
];
const SHA256: [u8; 13] = [
    0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
];
const RSA_ENCRYPTION: [u8; 15] = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/// A minimal SignerInfo (version 3, SKI "a", no attributes, a 1-byte signature).
fn minimal_signer_info(signed_attributes: Option<&[u8]>) -> Vec<u8> {
    let mut content = vec![0x02, 0x01, 0x03, 0x80, 0x01, b'a'];
    content.extend(SHA256);
    if let Some(attributes) = signed_attributes {
        content.extend(tlv(0xA0, attributes));
    }
    content.extend(RSA_ENCRYPTION);
    content.extend([0x04, 0x01, 0x00]);
    tlv(0x30, &content)
}

/// A ContentInfo/SignedData built from parts.
fn signed_data(
    digest_algorithms: &[u8],
    certificates: Option<&[u8]>,
    signer_infos: &[u8],
) -> Vec<u8> {
    let mut content = vec![0x02, 0x01, 0x01];
    content.extend(tlv(0x31, digest_algorithms));
    content.extend(tlv(
        0x30,
        &[&ID_DATA[..], &tlv(0xA0, &tlv(0x04, b"hello"))].concat(),
    ));
    if let Some(certificates) = certificates {
        content.extend(tlv(0xA0, certificates));
    }
    content.extend(tlv(0x31, signer_infos));
    tlv(
        0x30,
        &[&ID_SIGNED_DATA[..], &tlv(0xA0, &tlv(0x30, &content))].concat(),
    )
}

fn sample_messages() -> Vec<Vec<u8>> {
    let pki = Pki::get();
    let provider = providers()[0];
    let der = SignedDataBuilder::new(b"truncate me, please")
        .add_signer(SignerBuilder::new(
            pki.cert(Leaf::P256),
            pki.key(Leaf::P256, provider),
        ))
        .add_signer(
            SignerBuilder::new(pki.cert(Leaf::Rsa2048), pki.key(Leaf::Rsa2048, provider))
                .subject_key_identifier(true),
        )
        .build(provider)
        .unwrap();
    let ber = common::corpus_bytes("openssl/cms-data/no_md_attr.cms");
    assert_eq!(&ber[..2], &[0x30, 0x80]);
    vec![der, ber]
}

#[test]
fn every_truncation_is_an_error() {
    let provider = providers()[0];
    for message in sample_messages() {
        assert!(SignedData::parse(&message).is_ok());
        for len in 0..message.len() {
            let truncated = &message[..len];
            assert!(
                SignedData::parse(truncated).is_err(),
                "prefix of {len} bytes parsed"
            );
            assert!(smime_cms::verify(truncated, &VerifyOptions::new(), provider).is_err());
            assert!(smime_cms::certs_only::read(truncated).is_err());
        }
        // Trailing garbage too.
        let mut extended = message.clone();
        extended.push(0);
        assert!(matches!(
            SignedData::parse(&extended),
            Err(Error::Malformed { .. })
        ));
    }
}

/// Runs `f` on a thread with a 256 KiB stack and checks it ends within a second.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let started = Instant::now();
    let result = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .expect("no stack overflow or panic");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    result
}

#[test]
fn one_mebibyte_of_nested_indefinite_lengths_ends_fast_on_a_small_stack() {
    let bomb: Vec<u8> = [0x30, 0x80].repeat(512 * 1024);
    assert_eq!(bomb.len(), 1 << 20);
    let errors = on_small_stack(move || {
        (
            ContentInfo::parse(&bomb).unwrap_err(),
            SignedData::parse(&bomb).unwrap_err(),
            smime_cms::certs_only::read(&bomb).unwrap_err(),
            smime_cms::verify(
                &bomb,
                &VerifyOptions::new(),
                smime_crypto::default_provider(),
            )
            .unwrap_err(),
        )
    });
    for error in [errors.0, errors.1, errors.2, errors.3] {
        assert_eq!(
            error,
            Error::NestingTooDeep {
                offset: 2 * MAX_NESTING_DEPTH,
                limit: MAX_NESTING_DEPTH
            }
        );
    }
}

#[test]
fn der_crate_also_bounds_indefinite_nesting() {
    // The `der` reader we hand DER leaves to has its own limit; check it stays so.
    use x509_cert::der::{Decode, EncodingRules, Reader, SliceReader};
    let bomb: Vec<u8> = [0x30, 0x80].repeat(512 * 1024);
    let result = on_small_stack(move || {
        let mut reader = SliceReader::new_with_encoding_rules(&bomb, EncodingRules::Ber).unwrap();
        let any = x509_cert::der::Any::decode(&mut reader);
        any.is_err() || reader.finish().is_err()
    });
    assert!(result);
}

#[test]
fn nesting_bombs_inside_a_signed_data_end_fast() {
    // Nested indefinite SEQUENCEs as a certificate, nested constructed OCTET STRINGs as
    // eContent, deep definite nesting as a certificate.
    let seq_bomb: Vec<u8> = [[0x30, 0x80].repeat(100_000), [0u8, 0].repeat(100_000)].concat();
    let mut definite = vec![0x05, 0x00];
    for _ in 0..2000 {
        definite = tlv(0x30, &definite);
    }
    let string_bomb: Vec<u8> = [[0x24, 0x80].repeat(100_000), [0u8, 0].repeat(100_000)].concat();
    let cases = [
        signed_data(&SHA256, Some(&seq_bomb), &minimal_signer_info(None)),
        signed_data(&SHA256, Some(&definite), &minimal_signer_info(None)),
    ];
    let econtent_bomb = {
        let mut content = vec![0x02, 0x01, 0x01];
        content.extend(tlv(0x31, &SHA256));
        content.extend(tlv(
            0x30,
            &[&ID_DATA[..], &tlv(0xA0, &string_bomb)].concat(),
        ));
        content.extend(tlv(0x31, &minimal_signer_info(None)));
        tlv(
            0x30,
            &[&ID_SIGNED_DATA[..], &tlv(0xA0, &tlv(0x30, &content))].concat(),
        )
    };
    let results = on_small_stack(move || {
        let mut out: Vec<Result<usize, Error>> = cases
            .iter()
            .map(|m| SignedData::parse(m).map(|sd| sd.certificate_errors().len()))
            .collect();
        out.push(SignedData::parse(&econtent_bomb).map(|_| 0));
        out
    });
    // Indefinite nesting is fatal wherever it is (the element's end cannot be found); a
    // definite-length bomb in a certificate only sets that certificate aside.
    assert!(
        matches!(results[0], Err(Error::NestingTooDeep { .. })),
        "{:?}",
        results[0]
    );
    assert_eq!(results[1], Ok(1));
    assert!(
        matches!(results[2], Err(Error::NestingTooDeep { .. })),
        "{:?}",
        results[2]
    );
}

#[test]
fn signer_budget() {
    let one = minimal_signer_info(None);
    let at_limit = signed_data(&SHA256, None, &one.repeat(MAX_SIGNERS));
    let parsed = SignedData::parse(&at_limit).unwrap();
    assert_eq!(parsed.signer_count(), MAX_SIGNERS);
    let verification = parsed
        .verify(&VerifyOptions::new(), providers()[0])
        .unwrap();
    for (index, report) in verification.signers().iter().enumerate() {
        assert_eq!(
            report.status(),
            &SignatureStatus::Invalid(Error::SignerCertificateNotFound { signer: index })
        );
    }
    let over = signed_data(&SHA256, None, &one.repeat(MAX_SIGNERS + 1));
    assert_eq!(
        SignedData::parse(&over).unwrap_err(),
        Error::BudgetExceeded {
            what: "signers in one message",
            limit: MAX_SIGNERS
        }
    );
}

#[test]
fn certificate_budget() {
    let junk = [0x30, 0x00];
    let at_limit = signed_data(
        &SHA256,
        Some(&junk.repeat(MAX_CERTIFICATES)),
        &minimal_signer_info(None),
    );
    let parsed = SignedData::parse(&at_limit).unwrap();
    assert_eq!(parsed.certificates().len(), 0);
    assert_eq!(parsed.certificate_errors().len(), MAX_CERTIFICATES);
    assert!(matches!(
        parsed.certificate_errors()[7],
        Error::MalformedCertificate {
            index: 7,
            source_name: "message",
            ..
        }
    ));
    assert!(matches!(
        smime_cms::certs_only::read(&at_limit),
        Err(Error::MalformedCertificate { index: 0, .. })
    ));
    let over = signed_data(
        &SHA256,
        Some(&junk.repeat(MAX_CERTIFICATES + 1)),
        &minimal_signer_info(None),
    );
    assert_eq!(
        SignedData::parse(&over).unwrap_err(),
        Error::BudgetExceeded {
            what: "certificates in one message",
            limit: MAX_CERTIFICATES
        }
    );
}

#[test]
fn attribute_budget() {
    // Unknown attributes: SEQUENCE { OID 1.2.3, SET { NULL } }.
    let attribute = [0x30, 0x08, 0x06, 0x02, 0x2a, 0x03, 0x31, 0x02, 0x05, 0x00];
    let over = signed_data(
        &SHA256,
        None,
        &minimal_signer_info(Some(&attribute.repeat(MAX_ATTRIBUTES + 1))),
    );
    assert_eq!(
        SignedData::parse(&over).unwrap_err(),
        Error::BudgetExceeded {
            what: "attributes in one SignerInfo attribute set",
            limit: MAX_ATTRIBUTES
        }
    );
    let at_limit = signed_data(
        &SHA256,
        None,
        &minimal_signer_info(Some(&attribute.repeat(MAX_ATTRIBUTES))),
    );
    let verification = smime_cms::verify(&at_limit, &VerifyOptions::new(), providers()[0]).unwrap();
    assert_eq!(
        verification.signers()[0].status(),
        &SignatureStatus::Invalid(Error::MissingAttribute {
            signer: 0,
            attribute: "contentType"
        })
    );
}

#[test]
fn signature_check_budget() {
    // A bad signature and the signer's certificate offered 150 times: at most
    // MAX_SIGNATURE_CHECKS public-key operations, then a budget error.
    let pki = Pki::get();
    let provider = providers()[0];
    let mut message = SignedDataBuilder::new(b"budget")
        .add_signer(SignerBuilder::new(
            pki.cert(Leaf::P256),
            pki.key(Leaf::P256, provider),
        ))
        .build(provider)
        .unwrap();
    *message.last_mut().unwrap() ^= 1;
    let copies = vec![pki.cert(Leaf::P256); 150];
    let verification = smime_cms::verify(
        &message,
        &VerifyOptions::new().certificates(&copies),
        provider,
    )
    .unwrap();
    assert_eq!(
        verification.signers()[0].status(),
        &SignatureStatus::Invalid(Error::BudgetExceeded {
            what: "signature checks in one message",
            limit: MAX_SIGNATURE_CHECKS
        })
    );
    // With a few copies it is simply a bad signature.
    let verification = smime_cms::verify(
        &message,
        &VerifyOptions::new().certificates(&copies[..3]),
        provider,
    )
    .unwrap();
    assert_eq!(
        verification.signers()[0].status(),
        &SignatureStatus::Invalid(Error::BadSignature { signer: 0 })
    );
}

#[test]
fn structural_errors() {
    // Empty digestAlgorithms with a signer.
    let no_digests = signed_data(&[], None, &minimal_signer_info(None));
    assert_eq!(
        smime_cms::verify(&no_digests, &VerifyOptions::new(), providers()[0]).unwrap_err(),
        Error::NoDigestAlgorithms
    );
    // Zero signers.
    let no_signers = signed_data(&SHA256, None, &[]);
    assert_eq!(
        smime_cms::verify(&no_signers, &VerifyOptions::new(), providers()[0]).unwrap_err(),
        Error::NoSigners
    );
    // Not a SignedData.
    let data = tlv(0x30, &[&ID_DATA[..], &tlv(0xA0, &tlv(0x04, b"x"))].concat());
    assert!(matches!(
        SignedData::parse(&data),
        Err(Error::UnexpectedContentType { .. })
    ));
    // Version 2 does not exist for SignedData.
    let mut v2 = no_signers.clone();
    let at = v2.windows(3).position(|w| w == [0x02, 0x01, 0x01]).unwrap();
    v2[at + 2] = 2;
    assert_eq!(
        SignedData::parse(&v2).unwrap_err(),
        Error::UnsupportedVersion { version: 2 }
    );
    // An empty signedAttrs set is malformed (SIZE (1..MAX)).
    let empty_attrs = signed_data(&SHA256, None, &minimal_signer_info(Some(&[])));
    assert!(matches!(
        SignedData::parse(&empty_attrs),
        Err(Error::Malformed {
            what: "SignerInfo",
            ..
        })
    ));
    // A high tag number where an OID belongs, a tag number that is too long.
    for bad in [
        vec![0x30, 0x06, 0x1f, 0x81, 0x00, 0x00, 0xa0, 0x00],
        vec![0x30, 0x08, 0x1f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00],
        vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
    ] {
        assert!(
            matches!(ContentInfo::parse(&bad), Err(Error::Malformed { .. })),
            "{bad:02x?}"
        );
    }
}

#[test]
fn errors_say_what_and_where() {
    // A SignerInfo whose version INTEGER claims two bytes but has one.
    let signer_info = [0x30, 0x03, 0x02, 0x02, 0x01];
    let message = signed_data(&SHA256, None, &signer_info);
    let offset = message.len() - 3;
    assert_eq!(
        SignedData::parse(&message).unwrap_err(),
        Error::Malformed {
            what: "SignerInfo",
            offset,
            reason: "length exceeds the available data (truncated?)".into()
        }
    );
    assert_eq!(
        SignedData::parse(&message).unwrap_err().to_string(),
        format!(
            "malformed SignerInfo at offset {offset}: length exceeds the available data (truncated?)"
        )
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mutations_never_panic(
        which in 0usize..2,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        static SAMPLES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
        let samples = SAMPLES.get_or_init(sample_messages);
        let mut message = samples[which].clone();
        for (index, byte, kind) in edits {
            if message.is_empty() {
                break;
            }
            let at = index.index(message.len());
            match kind {
                0 => message[at] = byte,
                1 => { message.remove(at); }
                _ => message.insert(at, byte),
            }
        }
        for provider in providers() {
            let _ = smime_cms::verify(&message, &VerifyOptions::new(), provider);
            let _ = smime_cms::verify(&message, &VerifyOptions::new().detached_content(b"x"), provider);
        }
        let _ = smime_cms::certs_only::read(&message);
    }
}
