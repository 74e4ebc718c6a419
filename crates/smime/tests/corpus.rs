//! `open` on real mail from `../shared/corpus`: each message gives what its SOURCE.md says.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::{Duration, UNIX_EPOCH};

use smime::path::{Error as PathError, TrustAnchors};
use smime::{
    AddressVerdict, ChainVerdict, Coverage, Keys, Problem, SignatureVerdict, Trust, ValidationTime,
};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/");

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// mimekit/SOURCE.md: Thunderbird 24 `multipart/signed`, SHA-1, signer fejj@gnome.org,
/// signingTime 2013-11-02 20:28:04Z; the StartCom chain validates at that time, not now.
#[test]
fn thunderbird_signed_message() {
    let message = read("mimekit/smime/thunderbird-signed.txt");
    let mut anchors = TrustAnchors::new();
    anchors
        .add_pem(&read("mimekit/smime/StartComCertificationAuthority.crt"))
        .unwrap();
    let intermediate = smime::x509::load_certificates(&read(
        "mimekit/smime/StartComClass1PrimaryIntermediateClientCA.crt",
    ))
    .unwrap();
    let archive = Trust::builder(anchors.clone())
        .certificates(intermediate.clone())
        .time(ValidationTime::SigningTime)
        .allow_sha1_signatures(true)
        .require_from(true)
        .build()
        .unwrap();
    let report = smime::open(&message, &Keys::new(), &archive).unwrap();
    assert_eq!(report.signature_coverage(), Coverage::Complete);
    let [signer] = report.signers() else {
        panic!("one signer: {:?}", report.signers())
    };
    assert!(matches!(signer.verdict(), SignatureVerdict::Valid { .. }));
    let certificate = signer.certificate().unwrap();
    let fingerprint = certificate
        .fingerprint(
            smime::crypto::default_provider(),
            smime::crypto::DigestAlgorithm::Sha1,
        )
        .unwrap();
    assert_eq!(
        fingerprint
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        "354ea4dcf98166639b58ec5df06a65de0cd8a95c"
    );
    assert_eq!(
        signer.signing_time(),
        Some(UNIX_EPOCH + Duration::from_secs(1_383_424_084)) // 2013-11-02T20:28:04Z
    );
    assert!(signer.chain().is_trusted(), "{:?}", signer.chain());
    assert!(matches!(signer.address(), AddressVerdict::Matched { .. }));
    assert!(report.is_trusted(), "{:?}", report.problems());
    assert!(
        report
            .content()
            .starts_with(b"Content-Type: multipart/mixed")
    );

    // Today the chain has expired.
    let today = Trust::builder(anchors)
        .certificates(intermediate)
        .allow_sha1_signatures(true)
        .build()
        .unwrap();
    let report = smime::open(&message, &Keys::new(), &today).unwrap();
    let ChainVerdict::Untrusted(error) = report.signers()[0].chain() else {
        panic!("expired expected")
    };
    assert!(matches!(**error, PathError::Expired { .. }), "{error:?}");
}

/// rfc4134/SOURCE.md: 4.8 (multipart/signed) and 4.9 (signed-data), content "This is some
/// sample content.". Both are signed by AliceDSS (the From field says so): DSA is not
/// supported by our providers, so the report says exactly that, and never "signed".
#[test]
fn rfc4134_signed_messages() {
    for name in ["rfc4134/4.8.eml", "rfc4134/4.9.eml"] {
        let report = smime::open(&read(name), &Keys::new(), &Trust::none()).unwrap();
        let [signer] = report.signers() else {
            panic!("{name}: one signer: {:?}", report.signers())
        };
        assert!(
            matches!(
                signer.verdict(),
                SignatureVerdict::Invalid(smime::cms::Error::UnsupportedAlgorithm {
                    kind: "signature algorithm",
                    ..
                })
            ),
            "{name}: {:?}",
            signer.verdict()
        );
        assert_eq!(report.signature_coverage(), Coverage::None, "{name}");
        assert!(
            matches!(report.problems()[0], Problem::BadSignature { .. }),
            "{name}"
        );
        let content = String::from_utf8_lossy(report.content()).into_owned();
        assert!(
            content.contains("This is some sample content."),
            "{name}: {content}"
        );
    }
}

/// rfc4134/SOURCE.md: 5.3 (enveloped-data, 3DES) decrypts with Bob's key to ExContent.
#[test]
fn rfc4134_enveloped_message() {
    let mut keys = Keys::new();
    keys.add(
        smime::Certificate::from_der(&read("rfc4134/BobRSASignByCarl.cer")).unwrap(),
        smime::crypto::load_private_key(
            smime::crypto::default_provider(),
            &read("rfc4134/BobPrivRSAEncrypt.pri"),
            None,
        )
        .unwrap(),
    )
    .unwrap();
    let message = read("rfc4134/5.3.eml");
    let decrypted = smime::decrypt(&message, &keys).unwrap();
    assert_eq!(decrypted.content_cipher(), "DES-EDE3-CBC");
    assert!(!decrypted.is_authenticated());
    let content = String::from_utf8_lossy(decrypted.content()).into_owned();
    assert!(
        content.contains("This is some sample content."),
        "{content}"
    );

    let report = smime::open(&message, &keys, &Trust::none()).unwrap();
    assert!(report.is_encrypted());
    assert!(!report.is_encryption_authenticated());
    assert!(matches!(report.problems()[..], [Problem::NotSigned]));
}

/// pkijs/SOURCE.md: `smime-test.eml` — the signature verifies; the chain cannot be validated
/// (root absent, expired).
#[test]
fn pkijs_signed_message_without_its_root() {
    let report = smime::open(&read("pkijs/smime-test.eml"), &Keys::new(), &Trust::none()).unwrap();
    let [signer] = report.signers() else {
        panic!("one signer")
    };
    assert!(signer.verdict().is_valid(), "{:?}", signer.verdict());
    let ours =
        Trust::from_certificates([
            &smime::Certificate::from_der(&read("rfc4134/CarlRSASelf.cer")).unwrap(),
        ])
        .unwrap()
        .build()
        .unwrap();
    let report = smime::open(&read("pkijs/smime-test.eml"), &Keys::new(), &ours).unwrap();
    assert!(matches!(
        report.signers()[0].chain(),
        ChainVerdict::Untrusted(_)
    ));
    assert!(!report.is_trusted());
}

/// mimekit/SOURCE.md: an AS2 message whose signature part is binary DER and whose content
/// has mixed line ends: the signature verifies over the exact bytes.
#[test]
fn as2_binary_signature_over_exact_bytes() {
    let report = smime::open(
        &read("mimekit/smime/octet-stream-with-mixed-line-endings.dat"),
        &Keys::new(),
        &Trust::none(),
    )
    .unwrap();
    let [signer] = report.signers() else {
        panic!("one signer: {:?}", report.signatures())
    };
    assert!(signer.verdict().is_valid(), "{:?}", signer.verdict());
    assert_eq!(
        report.signatures()[0].line_ends(),
        Some(smime::mime::LineEnds::AsReceived)
    );
}
