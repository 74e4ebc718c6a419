//! The certificates of a SignedData: decoded only when used (an undecodable chain certificate
//! does not stop the signer from verifying, and is reported in message order), and what a
//! signer caches from its certificate (shared by clones of a `SignerBuilder`) is what the
//! message must say about that certificate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use common::{Leaf, Pki, providers};
use smime_cms::{
    Error, SignatureStatus, SignedData, SignedDataBuilder, SignerBuilder, SignerIdentifier,
    VerifyOptions,
};
use smime_crypto::DigestAlgorithm;
use x509_cert::der::Encode;

/// Replaces the only occurrence of `from` in `message` with `to` (same length).
fn replace_once(message: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let positions: Vec<usize> = message
        .windows(from.len())
        .enumerate()
        .filter(|(_, window)| *window == from)
        .map(|(at, _)| at)
        .collect();
    assert_eq!(positions.len(), 1, "the certificate is in the message once");
    let mut out = message.to_vec();
    out[positions[0]..positions[0] + to.len()].copy_from_slice(to);
    out
}

/// `der` with the first digit of its first UTCTime (validity notBefore) made a letter: the
/// certificate keeps its shape but no longer decodes.
fn undecodable(der: &[u8]) -> Vec<u8> {
    let at = der
        .windows(2)
        .position(|w| w == [0x17, 0x0d])
        .expect("a UTCTime");
    let mut out = der.to_vec();
    out[at + 2] = b'X';
    out
}

/// A detached P-256 signature over `content` that carries the leaf and the CA certificate.
fn signed_with_chain(content: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let pki = Pki::get();
    let provider = providers()[0];
    let leaf = pki.cert(Leaf::P256);
    let signed = SignedDataBuilder::new(content)
        .detached(true)
        .add_signer(
            SignerBuilder::new(leaf.clone(), pki.key(Leaf::P256, provider))
                .include_chain([pki.ca.clone()]),
        )
        .build(provider)
        .unwrap();
    (signed, leaf.to_der().unwrap(), pki.ca.to_der().unwrap())
}

#[test]
fn an_undecodable_chain_certificate_is_set_aside_and_the_signer_verifies() {
    let content = b"lazy certificates";
    let (signed, leaf_der, ca_der) = signed_with_chain(content);
    let broken = replace_once(&signed, &ca_der, &undecodable(&ca_der));
    // The certificate set is a DER SET OF: sorted by encoding.
    let ca_index = usize::from(ca_der > leaf_der);
    for provider in providers() {
        let parsed = SignedData::parse(&broken).unwrap();
        let verification = parsed
            .verify(&VerifyOptions::new().detached_content(content), provider)
            .unwrap();
        assert!(verification.all_valid(), "{:?}", verification.signers());
        let valid = verification.signers()[0].valid().unwrap();
        assert_eq!(valid.certificate().der(), leaf_der);
        assert_eq!(
            verification
                .certificates()
                .iter()
                .map(|c| c.to_der().unwrap())
                .collect::<Vec<_>>(),
            vec![leaf_der.clone()]
        );
        assert_eq!(parsed.certificates().len(), 1);
        assert_eq!(parsed.certificate_errors().len(), 1);
        assert!(
            matches!(
                &parsed.certificate_errors()[0],
                Error::MalformedCertificate { index, source_name: "message", .. }
                    if *index == ca_index
            ),
            "{:?}",
            parsed.certificate_errors()
        );
    }
}

/// Verifying reads the signer's issuer, serial number and key from the certificate's octets
/// and decodes nothing: a signer certificate that x509-cert cannot decode still verifies by
/// its key (path validation, which decodes it, will refuse it), its report hands it out as
/// DER, and decoding it names the problem. With signingCertificateV2 the altered octets no
/// longer hash to what the signer signed.
#[test]
fn an_undecodable_signer_certificate_verifies_by_its_key_and_does_not_decode() {
    let content = b"lazy certificates";
    let pki = Pki::get();
    for provider in providers() {
        let leaf = pki.cert(Leaf::P256);
        let leaf_der = leaf.to_der().unwrap();
        let broken_der = undecodable(&leaf_der);
        for with_reference in [false, true] {
            let signed = SignedDataBuilder::new(content)
                .detached(true)
                .add_signer(
                    SignerBuilder::new(leaf.clone(), pki.key(Leaf::P256, provider))
                        .signing_certificate_v2(with_reference),
                )
                .build(provider)
                .unwrap();
            let broken = replace_once(&signed, &leaf_der, &broken_der);
            let verification = smime_cms::verify(
                &broken,
                &VerifyOptions::new().detached_content(content),
                provider,
            )
            .unwrap();
            let signer = &verification.signers()[0];
            if with_reference {
                assert_eq!(
                    signer.status(),
                    &SignatureStatus::Invalid(Error::SigningCertificateMismatch { signer: 0 })
                );
            } else {
                assert!(signer.valid().is_some(), "{:?}", signer.status());
            }
            let certificate = signer.certificate().expect("found by issuer and serial");
            assert_eq!(certificate.der(), broken_der);
            assert!(matches!(
                certificate.decode(),
                Err(Error::MalformedCertificate {
                    index: 0,
                    source_name: "message",
                    ..
                })
            ));
            assert_ne!(*certificate, leaf);
            assert!(verification.certificates().is_empty());
            assert_eq!(
                verification.certificate_ders().collect::<Vec<_>>(),
                vec![broken_der.as_slice()]
            );
        }
    }
}

#[test]
fn cloned_signers_share_their_cache_and_name_their_certificate() {
    let pki = Pki::get();
    for leaf in [Leaf::Rsa2048, Leaf::P256] {
        let certificate = pki.cert(leaf);
        let certificate_der = certificate.to_der().unwrap();
        for provider in providers() {
            let signer = SignerBuilder::new(certificate.clone(), pki.key(leaf, provider))
                .digest(DigestAlgorithm::Sha384);
            // Two messages from clones of one builder: the second uses what the first cached.
            for content in [&b"first"[..], &b"second"[..]] {
                let signed = SignedDataBuilder::new(content)
                    .add_signer(signer.clone())
                    .build(provider)
                    .unwrap();
                let verification =
                    smime_cms::verify(&signed, &VerifyOptions::new(), provider).unwrap();
                assert!(verification.all_valid(), "{:?}", verification.signers());
                assert_eq!(verification.econtent(), Some(content));
                let report = &verification.signers()[0];
                let tbs = certificate.tbs_certificate();
                match report.identifier().unwrap() {
                    SignerIdentifier::IssuerAndSerialNumber(isn) => {
                        assert_eq!(&isn.issuer, tbs.issuer());
                        assert_eq!(&isn.serial_number, tbs.serial_number());
                    }
                    other => panic!("{other:?}"),
                }
                let reference = report
                    .signed_attributes()
                    .unwrap()
                    .signing_certificate_v2()
                    .unwrap()
                    .unwrap();
                assert_eq!(reference.certs.len(), 1);
                assert_eq!(
                    reference.certs[0].cert_hash.as_bytes(),
                    provider
                        .digest(DigestAlgorithm::Sha256, &certificate_der)
                        .unwrap()
                );
                assert!(
                    reference.certs[0]
                        .issuer_serial
                        .as_ref()
                        .unwrap()
                        .matches(&certificate)
                );
                assert_eq!(
                    verification.certificates()[0].to_der().unwrap(),
                    certificate_der
                );
            }
        }
    }
}

/// The issuerAndSerialNumber is compared with the certificates as octets and decoded only
/// when asked for: a signer whose serial number does not decode (here a non-minimal
/// INTEGER, in the sid and the certificate alike) is still found by its octets and verifies by its key; the
/// report's identifier and certificate then name the problem. A sid that is not
/// `SEQUENCE { SEQUENCE, INTEGER }` is refused when the message is read.
#[test]
fn the_signer_identifier_is_matched_as_octets_and_decoded_on_request() {
    let content = b"lazy identifiers";
    let pki = Pki::get();
    for provider in providers() {
        let leaf = pki.cert(Leaf::P256);
        let signed = SignedDataBuilder::new(content)
            .detached(true)
            .add_signer(
                SignerBuilder::new(leaf.clone(), pki.key(Leaf::P256, provider))
                    .signing_certificate_v2(false),
            )
            .build(provider)
            .unwrap();
        let good = smime_cms::verify(
            &signed,
            &VerifyOptions::new().detached_content(content),
            provider,
        )
        .unwrap();
        assert!(matches!(
            good.signers()[0].identifier(),
            Ok(SignerIdentifier::IssuerAndSerialNumber(isn)) if isn.issuer == *leaf.tbs_certificate().issuer()
        ));
        // The serial number made a non-minimal INTEGER (a needless leading zero octet),
        // in the sid and in the certificate alike.
        let serial = leaf.tbs_certificate().serial_number().to_der().unwrap();
        assert!(serial.len() > 3, "a multi-octet serial number");
        let mut padded = serial.clone();
        padded[2] = 0x00;
        padded[3] = 0x01;
        let mut broken = signed.clone();
        let mut count = 0;
        for at in 0..broken.len() - serial.len() {
            if broken[at..at + serial.len()] == serial[..] {
                broken[at..at + padded.len()].copy_from_slice(&padded);
                count += 1;
            }
        }
        assert_eq!(
            count, 2,
            "the sid and the certificate hold the serial number"
        );
        let verification = smime_cms::verify(
            &broken,
            &VerifyOptions::new().detached_content(content),
            provider,
        )
        .unwrap();
        let report = &verification.signers()[0];
        assert!(report.valid().is_some(), "{:?}", report.status());
        assert!(matches!(
            report.identifier(),
            Err(Error::MalformedSignerIdentifier { signer: 0, .. })
        ));
        assert!(matches!(
            report.certificate().unwrap().decode(),
            Err(Error::MalformedCertificate { .. })
        ));
        // The sid's outer shape is still checked when reading.
        let issuer = leaf.tbs_certificate().issuer().to_der().unwrap();
        let sid = [
            &[0x30, (issuer.len() + serial.len()) as u8][..],
            &issuer,
            &serial,
        ]
        .concat();
        let at = signed
            .windows(sid.len())
            .position(|w| w == sid)
            .expect("the sid");
        let mut shapeless = signed.clone();
        // Retag the issuer Name as an OCTET STRING: SEQUENCE { OCTET STRING, INTEGER }.
        shapeless[at + 2] = 0x04;
        assert!(matches!(
            SignedData::parse(&shapeless),
            Err(Error::Malformed {
                what: "SignerInfo.sid",
                ..
            })
        ));
    }
}
