//! Every MIME sample of the shared corpus gives the result its SOURCE.md documents (or, for
//! DSA, which no provider here implements, a precise "unsupported" verdict).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use common::{OpensslDecryptor, corpus, corpus_bytes, providers};
use smime_cms::SignatureStatus;
use smime_crypto::DigestAlgorithm;
use smime_mime::pkcs7_mime::SmimeType;
use smime_mime::{
    Coverage, FoundKind, LineEnds, OpenOptions, PartKind, Report, SignatureForm, SignatureReport,
};

const RFC4134_CONTENT: &[u8] = b"This is some sample content.";

fn open_all(message: &[u8], options: &OpenOptions<'_>) -> Vec<Report> {
    providers()
        .into_iter()
        .map(|provider| smime_mime::open(message, options, provider).unwrap())
        .collect()
}

fn signer_subject(signature: &SignatureReport) -> String {
    let valid: Vec<_> = signature.valid_signatures().collect();
    assert_eq!(valid.len(), 1, "{:?}", signature.verification());
    valid[0]
        .certificate()
        .decode()
        .unwrap()
        .tbs_certificate()
        .subject()
        .to_string()
}

fn assert_dsa_unsupported(signature: &SignatureReport) {
    let verification = signature.verification().unwrap();
    assert_eq!(verification.signers().len(), 1);
    match verification.signers()[0].status() {
        SignatureStatus::Invalid(smime_cms::Error::UnsupportedAlgorithm {
            kind,
            algorithm,
            ..
        }) => {
            assert_eq!(*kind, "signature algorithm");
            assert!(
                algorithm.to_ascii_lowercase().contains("dsa"),
                "{algorithm}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!signature.is_valid());
}

#[test]
fn mimekit_thunderbird_multipart_signed_verifies() {
    let message = corpus_bytes("mimekit/smime/thunderbird-signed.txt");
    for report in open_all(&message, &OpenOptions::new()) {
        assert_eq!(report.signatures().len(), 1);
        let signature = &report.signatures()[0];
        assert_eq!(signature.form(), SignatureForm::Detached);
        // The file has LF line ends: the signature is over the CR LF form.
        assert_eq!(signature.line_ends(), Some(LineEnds::Canonicalized));
        assert!(signer_subject(signature).contains("fejj@gnome.org"));
        let valid = signature.valid_signatures().next().unwrap();
        assert_eq!(valid.scheme().digest(), DigestAlgorithm::Sha1);
        let time = valid.signing_time().unwrap().to_date_time();
        assert_eq!(
            (
                time.year(),
                time.month(),
                time.day(),
                time.hour(),
                time.minutes(),
                time.seconds()
            ),
            (2013, 11, 2, 20, 28, 4)
        );
        assert!(signature.from_matches()[0].is_match());
        assert_eq!(report.signature_coverage(), Coverage::Complete);
        let parts: Vec<(String, String)> = report
            .parts()
            .iter()
            .map(|p| (p.path().to_string(), p.content_type().essence()))
            .collect();
        assert_eq!(
            parts,
            [
                ("/1/1".to_owned(), "text/plain".to_owned()),
                ("/1/2".to_owned(), "image/jpeg".to_owned())
            ]
        );
        assert_eq!(report.parts()[1].filename(), Some("signed.jpg"));
        assert!(report.parts().iter().all(|p| p.signed_by() == [0]));
    }
}

#[test]
fn mimekit_as2_binary_signature_verifies_byte_exact() {
    let message = corpus_bytes("mimekit/smime/octet-stream-with-mixed-line-endings.dat");
    for report in open_all(&message, &OpenOptions::new()) {
        let signature = &report.signatures()[0];
        assert_eq!(signature.line_ends(), Some(LineEnds::AsReceived));
        assert!(signer_subject(signature).contains("Open Text"));
        assert_eq!(
            signature
                .valid_signatures()
                .next()
                .unwrap()
                .scheme()
                .digest(),
            DigestAlgorithm::Sha1
        );
        assert_eq!(report.signature_coverage(), Coverage::Complete);
        assert_eq!(report.parts().len(), 1);
        assert_eq!(
            report.parts()[0].raw(),
            b"Content-Type: application/octet-stream\r\n\r\nThis is a test from OT GXS. Please ignore.\n"
        );
    }
}

#[test]
fn openssl_pkits_mail_signature_verifies() {
    // Path validation fails for this message (policy mapping, smime-path's business); the
    // signature itself is valid.
    let message = corpus_bytes("openssl/smime-eml/SignedInvalidMappingFromanyPolicyTest7.eml");
    for report in open_all(&message, &OpenOptions::new()) {
        let signature = &report.signatures()[0];
        assert!(
            signer_subject(signature)
                .contains("Invalid Mapping From anyPolicy EE Certificate Test7")
        );
        assert_eq!(signature.line_ends(), Some(LineEnds::AsReceived));
        assert_eq!(report.signature_coverage(), Coverage::Complete);
        assert_eq!(
            report.content(),
            b"Content-Type: text/plain\r\n\r\nThis is a sample signed message.\r\n"
        );
        // The From address is not in the signer's certificate (it has none).
        assert!(!signature.from_matches()[0].is_match());
    }
}

#[test]
fn pkijs_bouncy_castle_mail_verifies() {
    let message = corpus_bytes("pkijs/smime-test.eml");
    for report in open_all(&message, &OpenOptions::new()) {
        let signature = &report.signatures()[0];
        assert!(signature.is_valid(), "{:?}", signature.verification());
        let subject = signer_subject(signature);
        assert!(subject.contains("arminha@student.ethz.ch"), "{subject}");
        assert_eq!(report.signature_coverage(), Coverage::Complete);
        assert_eq!(
            report.content(),
            b"Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\nThis is a Test Mail!\r\n"
        );
        assert!(signature.from_matches()[0].is_match());
    }
}

#[test]
fn rfc4134_4_8_multipart_signed_dsa_is_unsupported_not_a_crash() {
    let message = corpus_bytes("rfc4134/4.8.eml");
    let found = smime_mime::find(&message).unwrap();
    assert_eq!(found[0].kind(), &FoundKind::MultipartSigned);
    for report in open_all(&message, &OpenOptions::new()) {
        let signature = &report.signatures()[0];
        assert_dsa_unsupported(signature);
        assert_eq!(report.signature_coverage(), Coverage::None);
        // The content part: no header fields, the sample content.
        assert_eq!(report.parts().len(), 1);
        assert_eq!(report.parts()[0].raw(), b"\nThis is some sample content.");
        assert_eq!(report.parts()[0].content_type().essence(), "text/plain");
    }
}

#[test]
fn rfc4134_4_9_opaque_signed_dsa_is_unsupported_and_its_content_read() {
    let message = corpus_bytes("rfc4134/4.9.eml");
    let found = smime_mime::find(&message).unwrap();
    assert_eq!(
        found[0].kind(),
        &FoundKind::Pkcs7Mime(SmimeType::SignedData)
    );
    for report in open_all(&message, &OpenOptions::new()) {
        let signature = &report.signatures()[0];
        assert_eq!(signature.form(), SignatureForm::Opaque);
        assert_dsa_unsupported(signature);
        let mut expected = b"\r\n".to_vec();
        expected.extend_from_slice(RFC4134_CONTENT);
        assert_eq!(
            signature.verification().unwrap().econtent(),
            Some(&expected[..])
        );
        assert_eq!(report.parts()[0].raw(), expected);
        assert_eq!(report.parts()[0].path().to_string(), "/signed-content");
        assert_eq!(report.signature_coverage(), Coverage::None);
    }
}

#[test]
fn rfc4134_5_3_enveloped_data_decrypts_to_the_sample_content() {
    let message = corpus_bytes("rfc4134/5.3.eml");
    let found = smime_mime::find(&message).unwrap();
    assert_eq!(
        found[0].kind(),
        &FoundKind::Pkcs7Mime(SmimeType::EnvelopedData)
    );
    // Bob's key is DER PKCS #8; the test decryptor hands it to openssl as PEM.
    let dir = tempfile::tempdir().unwrap();
    let key = std::fs::read(corpus("rfc4134/BobPrivRSAEncrypt.pri")).unwrap();
    let cert = std::fs::read(corpus("rfc4134/BobRSASignByCarl.cer")).unwrap();
    let pem = |label: &str, der: &[u8]| {
        use base64ct::Encoding;
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            base64ct::Base64::encode_string(der)
        )
    };
    std::fs::write(dir.path().join("bob.key"), pem("PRIVATE KEY", &key)).unwrap();
    std::fs::write(dir.path().join("bob.pem"), pem("CERTIFICATE", &cert)).unwrap();
    let decryptor = OpensslDecryptor {
        certificate: dir.path().join("bob.pem").to_str().unwrap().to_owned(),
        key: dir.path().join("bob.key").to_str().unwrap().to_owned(),
    };
    for report in open_all(&message, &OpenOptions::new().decryptor(&decryptor)) {
        let encryption = &report.encryptions()[0];
        assert_eq!(encryption.smime_type(), SmimeType::EnvelopedData);
        assert!(!encryption.decryption().unwrap().is_authenticated());
        assert_eq!(report.content(), RFC4134_CONTENT);
        assert_eq!(report.parts()[0].kind(), &PartKind::Content);
        assert_eq!(report.encryption_coverage(), Coverage::Complete);
        assert_eq!(report.signature_coverage(), Coverage::None);
    }
    // Without a key it is found and reported, not opened.
    for report in open_all(&message, &OpenOptions::new()) {
        assert_eq!(report.parts()[0].kind(), &PartKind::Encrypted);
    }
}

#[test]
fn openssl_1_1_1_ecdh_enveloped_mime_decrypts_to_smcont() {
    let message = corpus_bytes("openssl/cms-data/ciphertext_from_1_1_1.cms");
    let found = smime_mime::find(&message).unwrap();
    assert_eq!(
        found[0].kind(),
        &FoundKind::Pkcs7Mime(SmimeType::EnvelopedData)
    );
    let smec3 = corpus("openssl/smime-certs/smec3.pem")
        .to_str()
        .unwrap()
        .to_owned();
    let decryptor = OpensslDecryptor {
        certificate: smec3.clone(),
        key: smec3,
    };
    let expected = corpus_bytes("openssl/smcont.txt");
    for report in open_all(&message, &OpenOptions::new().decryptor(&decryptor)) {
        assert_eq!(report.content(), expected);
    }
}

#[test]
fn pyca_opaque_signed_without_content_is_no_content_never_an_empty_signed_message() {
    let message = corpus_bytes("pyca-cryptography/pkcs7/signed-opaque.msg");
    let found = smime_mime::find(&message).unwrap();
    assert_eq!(
        found[0].kind(),
        &FoundKind::Pkcs7Mime(SmimeType::SignedData)
    );
    for report in open_all(&message, &OpenOptions::new()) {
        let signature = &report.signatures()[0];
        match signature.error() {
            Some(smime_mime::Error::Cms { source, .. }) => {
                assert_eq!(**source, smime_cms::Error::NoContent);
            }
            other => panic!("{other:?}"),
        }
        assert!(!signature.is_valid());
        assert!(signature.content_path().is_none());
        assert!(report.parts().is_empty());
        assert_eq!(report.signature_coverage(), Coverage::None);
        assert!(!report.is_fully_signed());
    }
}
