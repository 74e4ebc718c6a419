//! Real messages written by others (`../shared/corpus`, see each folder's SOURCE.md): the
//! ones with supported algorithms verify with the right signer, the documented bad ones fail
//! with the documented reason, unsupported algorithms give an "unsupported" verdict for that
//! signer, never a crash.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use common::{corpus_bytes, providers};
use smime_cms::{ContentInfo, Error, SignatureStatus, SignedData, Verification, VerifyOptions};
use smime_crypto::{DigestAlgorithm, SignatureScheme};
use x509_cert::der::Decode;

const RFC4134_CONTENT: &[u8] = b"This is some sample content.";
const OPENSSL_SMCONT: &str = "openssl/smcont.txt";

fn verify_all(message: &[u8], options: &VerifyOptions<'_>) -> Vec<Verification> {
    providers()
        .into_iter()
        .map(|provider| smime_cms::verify(message, options, provider).unwrap())
        .collect()
}

fn only_status(verification: &Verification) -> &SignatureStatus {
    assert_eq!(verification.signers().len(), 1);
    verification.signers()[0].status()
}

fn subject_cn(cert: &x509_cert::Certificate) -> String {
    cert.tbs_certificate().subject().to_string()
}

fn signer_cn(cert: &smime_cms::SignerCertificate) -> String {
    subject_cn(cert.decode().expect("the signer certificate decodes"))
}

// ----- OpenSSL test data -----

fn openssl_bad_attribute(file: &str, expected: Error) {
    let message = corpus_bytes(&format!("openssl/cms-data/{file}"));
    for verification in verify_all(&message, &VerifyOptions::new()) {
        assert_eq!(
            only_status(&verification),
            &SignatureStatus::Invalid(expected.clone()),
            "{file}"
        );
        // The signer is still identified, for the report.
        let cert = verification.signers()[0]
            .certificate()
            .expect("signer certificate is in the message");
        assert!(
            signer_cn(cert).contains("Test S/MIME EE RSA #1"),
            "{}",
            signer_cn(cert)
        );
    }
}

#[test]
fn openssl_signing_time_among_unsigned_attributes_fails() {
    openssl_bad_attribute(
        "bad_signtime_attr.cms",
        Error::MisplacedAttribute {
            signer: 0,
            attribute: "signingTime",
            found_in: "unsigned",
        },
    );
}

#[test]
fn openssl_missing_content_type_fails() {
    openssl_bad_attribute(
        "no_ct_attr.cms",
        Error::MissingAttribute {
            signer: 0,
            attribute: "contentType",
        },
    );
}

#[test]
fn openssl_missing_message_digest_fails() {
    openssl_bad_attribute(
        "no_md_attr.cms",
        Error::MissingAttribute {
            signer: 0,
            attribute: "messageDigest",
        },
    );
}

#[test]
fn openssl_duplicate_content_type_fails() {
    openssl_bad_attribute(
        "ct_multiple_attr.cms",
        Error::DuplicateAttribute {
            signer: 0,
            attribute: "contentType",
            count: 2,
        },
    );
}

#[test]
fn openssl_bad_attribute_samples_carry_smcont() {
    // Same content in all four; only the attributes are bad.
    let content = corpus_bytes(OPENSSL_SMCONT);
    for file in [
        "bad_signtime_attr.cms",
        "no_ct_attr.cms",
        "no_md_attr.cms",
        "ct_multiple_attr.cms",
    ] {
        let message = corpus_bytes(&format!("openssl/cms-data/{file}"));
        let parsed = SignedData::parse(&message).unwrap();
        assert_eq!(parsed.econtent().unwrap(), content.as_slice(), "{file}");
    }
}

#[test]
fn openssl_md4_is_unsupported_not_a_crash() {
    let pem = corpus_bytes("openssl/cms-data/pkcs7-md4.pem");
    let message = smime_cms::content_info::decode_pem(&pem).unwrap();
    for verification in verify_all(&message, &VerifyOptions::new()) {
        match only_status(&verification) {
            SignatureStatus::Invalid(Error::UnsupportedAlgorithm {
                signer: 0,
                kind: "digest algorithm",
                algorithm,
            }) => assert!(
                algorithm.contains("md4")
                    || algorithm.contains("MD4")
                    || algorithm.contains("1.2.840.113549.2.4"),
                "{algorithm}"
            ),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn openssl_signed_and_enveloped_is_not_signed_data() {
    let pem = corpus_bytes("openssl/cms-data/pkcs7-md4-encrypted.pem");
    let message = smime_cms::content_info::decode_pem(&pem).unwrap();
    let error = SignedData::parse(&message).unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedContentType { found, .. } if found.to_string() == "1.2.840.113549.1.7.4"),
        "{error:?}"
    );
}

/// Splits a multipart/signed message into the signed part (exact bytes between the first
/// delimiter line and the CRLF before the next) and the decoded signature part. A test
/// helper, not a MIME parser: it handles the samples here.
fn split_multipart_signed(message: &[u8], canonicalise: bool) -> (Vec<u8>, Vec<u8>) {
    let message: Vec<u8> = if canonicalise {
        let mut out = Vec::with_capacity(message.len() + message.len() / 20);
        for (i, b) in message.iter().enumerate() {
            if *b == b'\n' && (i == 0 || message[i - 1] != b'\r') {
                out.push(b'\r');
            }
            out.push(*b);
        }
        out
    } else {
        message.to_vec()
    };
    let text = String::from_utf8_lossy(&message);
    let start = text.find("boundary=\"").unwrap() + "boundary=\"".len();
    let boundary = &text[start..start + text[start..].find('"').unwrap()];
    let delimiter = format!("--{boundary}");
    let find = |from: usize| -> usize {
        message[from..]
            .windows(delimiter.len())
            .position(|w| w == delimiter.as_bytes())
            .map(|p| p + from)
            .unwrap()
    };
    // The delimiter that opens the first part is at a line start after the headers.
    let header_end = message.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let first = find(header_end);
    let content_start = first + delimiter.len() + 2;
    let second = find(content_start);
    let content_end = second - 2; // the CRLF before the delimiter belongs to it
    let content = message[content_start..content_end].to_vec();
    let part_start = second + delimiter.len() + 2;
    let part_header_end = part_start
        + message[part_start..]
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap();
    let headers =
        String::from_utf8_lossy(&message[part_start..part_header_end]).to_ascii_lowercase();
    let body_start = part_header_end + 4;
    let body_end = find(body_start);
    let body = &message[body_start..body_end];
    let signature = if headers.contains("content-transfer-encoding: base64") {
        let text: String = String::from_utf8_lossy(body)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        base64ct::Base64::decode_vec(&text).unwrap()
    } else {
        let length: usize = headers
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        body[..length].to_vec()
    };
    (content, signature)
}

use base64ct::Encoding as _;

#[test]
fn openssl_pkits_mail_signature_verifies() {
    // Path validation fails for this message (policy mapping), but its signature is fine.
    let eml = corpus_bytes("openssl/smime-eml/SignedInvalidMappingFromanyPolicyTest7.eml");
    let (content, signature) = split_multipart_signed(&eml, true);
    assert_eq!(
        content,
        b"Content-Type: text/plain\r\n\r\nThis is a sample signed message.\r\n"
    );
    for verification in verify_all(&signature, &VerifyOptions::new().detached_content(&content)) {
        let valid = only_status(&verification).clone();
        let SignatureStatus::Valid(valid) = valid else {
            panic!("{valid:?}")
        };
        assert_eq!(
            valid.scheme(),
            SignatureScheme::RsaPkcs1v15 {
                digest: DigestAlgorithm::Sha256
            }
        );
        assert!(
            signer_cn(valid.certificate())
                .contains("Invalid Mapping From anyPolicy EE Certificate Test7"),
            "{}",
            signer_cn(valid.certificate())
        );
    }
}

// ----- RFC 4134 -----

#[test]
fn rfc4134_data_ber_and_der() {
    for file in ["rfc4134/3.1.bin", "rfc4134/3.2.bin"] {
        let bytes = corpus_bytes(file);
        let info = ContentInfo::parse(&bytes).unwrap();
        assert_eq!(&*info.data().unwrap(), RFC4134_CONTENT, "{file}");
    }
}

fn rfc4134_rsa(file: &str) {
    let message = corpus_bytes(file);
    for verification in verify_all(&message, &VerifyOptions::new()) {
        let SignatureStatus::Valid(valid) = only_status(&verification).clone() else {
            panic!("{file}: {:?}", verification.signers()[0].status())
        };
        assert_eq!(signer_cn(valid.certificate()), "CN=AliceRSA", "{file}");
        assert_eq!(
            valid.scheme(),
            SignatureScheme::RsaPkcs1v15 {
                digest: DigestAlgorithm::Sha1
            }
        );
        assert_eq!(verification.econtent(), Some(RFC4134_CONTENT));
    }
}

#[test]
fn rfc4134_4_2_rsa_sha1_verifies() {
    rfc4134_rsa("rfc4134/4.2.bin");
}

#[test]
fn rfc4134_4_5_rsa_without_attributes_verifies() {
    rfc4134_rsa("rfc4134/4.5.bin");
    let message = corpus_bytes("rfc4134/4.5.bin");
    let verification = &verify_all(&message, &VerifyOptions::new())[0];
    assert!(verification.signers()[0].signed_attributes().is_none());
}

fn assert_dsa_unsupported(verification: &Verification, signers: usize) {
    assert_eq!(verification.signers().len(), signers);
    for (index, report) in verification.signers().iter().enumerate() {
        match report.status() {
            SignatureStatus::Invalid(Error::UnsupportedAlgorithm {
                signer,
                kind,
                algorithm,
            }) => {
                assert_eq!(*signer, index);
                assert_eq!(*kind, "signature algorithm");
                assert!(
                    algorithm.to_ascii_lowercase().contains("dsa"),
                    "{algorithm}"
                );
            }
            other => panic!("signer {index}: {other:?}"),
        }
    }
}

#[test]
fn rfc4134_dsa_samples_are_unsupported_not_a_crash() {
    for (file, detached, signers) in [
        ("rfc4134/4.1.bin", false, 1),
        ("rfc4134/4.3.bin", true, 1),
        ("rfc4134/4.4.bin", false, 1),
        ("rfc4134/4.6.bin", false, 2),
        ("rfc4134/4.7.bin", false, 1),
    ] {
        let message = corpus_bytes(file);
        let mut options = VerifyOptions::new();
        if detached {
            options = options.detached_content(RFC4134_CONTENT);
        }
        for verification in verify_all(&message, &options) {
            assert_dsa_unsupported(&verification, signers);
            if !detached {
                assert_eq!(verification.econtent(), Some(RFC4134_CONTENT), "{file}");
            }
            // The signer is still named.
            assert!(verification.signers()[0].certificate().is_some(), "{file}");
        }
    }
}

#[test]
fn rfc4134_4_7_names_its_signer_by_subject_key_identifier() {
    let message = corpus_bytes("rfc4134/4.7.bin");
    let verification = &verify_all(&message, &VerifyOptions::new())[0];
    let report = &verification.signers()[0];
    assert!(matches!(
        report.identifier(),
        Ok(smime_cms::SignerIdentifier::SubjectKeyIdentifier(_))
    ));
    assert_eq!(signer_cn(report.certificate().unwrap()), "CN=AliceDSS");
}

#[test]
fn rfc4134_4_4_has_unsigned_countersignature_and_crl() {
    let message = corpus_bytes("rfc4134/4.4.bin");
    let parsed = SignedData::parse(&message).unwrap();
    assert_eq!(parsed.revocation_entries().len(), 1);
    let verification = &verify_all(&message, &VerifyOptions::new())[0];
    let report = &verification.signers()[0];
    let attributes = report
        .signed_attributes()
        .expect("content-type, message-digest, signing-time");
    assert!(attributes.signing_time().is_some());
    let unsigned: Vec<String> = report
        .unsigned_attributes()
        .iter()
        .map(|a| a.oid.to_string())
        .collect();
    assert!(
        unsigned.contains(&"1.2.840.113549.1.9.6".to_owned()),
        "{unsigned:?}"
    );
}

#[test]
fn rfc4134_4_10_many_attributes_are_tolerated() {
    let message = corpus_bytes("rfc4134/4.10.bin");
    for verification in verify_all(&message, &VerifyOptions::new()) {
        let report = &verification.signers()[0];
        let attributes = report.signed_attributes().expect("attributes parse");
        let capabilities = attributes.smime_capabilities().expect("smimeCapabilities");
        assert!(capabilities.iter().count() >= 2);
        let preference = attributes
            .encryption_key_preference()
            .expect("encrypKeyPref");
        assert!(matches!(
            preference,
            smime_cms::attributes::EncryptionKeyPreference::IssuerAndSerialNumber(_)
        ));
        // contentHints, securityLabel, contentReference, mlExpansionHistory,
        // equivalentLabels and an unknown OID are kept as they are.
        assert!(
            attributes.other().len() >= 5,
            "{}",
            attributes.other().len()
        );
        // The signature itself is DSA.
        assert!(matches!(
            report.status(),
            SignatureStatus::Invalid(Error::UnsupportedAlgorithm { .. })
        ));
    }
}

#[test]
fn rfc4134_4_11_certs_only() {
    let message = corpus_bytes("rfc4134/4.11.bin");
    let certificates = smime_cms::certs_only::read(&message).unwrap();
    let names: Vec<String> = certificates.iter().map(subject_cn).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"CN=CarlDSS".to_owned()), "{names:?}");
    assert!(names.contains(&"CN=AliceDSS".to_owned()), "{names:?}");
    for provider in providers() {
        assert_eq!(
            smime_cms::verify(&message, &VerifyOptions::new(), provider).unwrap_err(),
            Error::NoSigners
        );
    }
}

// ----- PKI.js -----

#[test]
fn pkijs_issue170_verifies() {
    let message = corpus_bytes("pkijs/cms-signed-issue170.der");
    for verification in verify_all(&message, &VerifyOptions::new()) {
        let SignatureStatus::Valid(valid) = only_status(&verification).clone() else {
            panic!("{:?}", verification.signers()[0].status())
        };
        assert!(
            signer_cn(valid.certificate()).contains("Ebbe Testsson"),
            "{}",
            signer_cn(valid.certificate())
        );
        assert_eq!(valid.scheme().digest(), DigestAlgorithm::Sha256);
        let content = verification.econtent().unwrap();
        assert_eq!(content.len(), 123);
        assert!(content.starts_with(b"DT8lOM3pB18=Test Forlitandecertifikat"));
        let time = valid.signing_time().unwrap().to_date_time();
        assert_eq!((time.year(), time.month(), time.day()), (2018, 4, 19));
    }
}

// ----- pyca/cryptography -----

#[test]
fn pyca_amazon_roots_der_and_ber() {
    let der =
        smime_cms::certs_only::read(&corpus_bytes("pyca-cryptography/pkcs7/amazon-roots.der"))
            .unwrap();
    let ber =
        smime_cms::certs_only::read(&corpus_bytes("pyca-cryptography/pkcs7/amazon-roots.p7b"))
            .unwrap();
    assert_eq!(der.len(), 2);
    assert_eq!(der, ber);
    for cert in &der {
        assert!(subject_cn(cert).contains("Amazon"), "{}", subject_cn(cert));
    }
}

#[test]
fn pyca_isrg_pem() {
    let pem = corpus_bytes("pyca-cryptography/pkcs7/isrg.pem");
    let message = smime_cms::content_info::decode_pem(&pem).unwrap();
    let certificates = smime_cms::certs_only::read(&message).unwrap();
    assert_eq!(certificates.len(), 1);
    assert!(subject_cn(&certificates[0]).contains("ISRG Root X1"));
}

#[test]
fn pyca_signed_opaque_without_content_is_no_content() {
    let msg = corpus_bytes("pyca-cryptography/pkcs7/signed-opaque.msg");
    let text = String::from_utf8_lossy(&msg);
    let body = &text[text.find("\n\n").or_else(|| text.find("\r\n\r\n")).unwrap()..];
    let base64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let message = base64ct::Base64::decode_vec(&base64).unwrap();
    let parsed = SignedData::parse(&message).unwrap();
    assert_eq!(parsed.signer_count(), 1);
    assert!(parsed.econtent().is_none());
    for provider in providers() {
        // Never "an empty message, validly signed".
        assert_eq!(
            smime_cms::verify(&message, &VerifyOptions::new(), provider).unwrap_err(),
            Error::NoContent
        );
        // With some content it is checked like any detached signature (and this is not it).
        let verification = smime_cms::verify(
            &message,
            &VerifyOptions::new().detached_content(b""),
            provider,
        )
        .unwrap();
        assert_eq!(
            only_status(&verification),
            &SignatureStatus::Invalid(Error::MessageDigestMismatch { signer: 0 })
        );
    }
}

#[test]
fn pyca_authenticode_keeps_its_content_type() {
    let message = corpus_bytes("pyca-cryptography/pkcs7/authenticode.der");
    let parsed = SignedData::parse(&message).unwrap();
    assert_eq!(parsed.econtent_type().to_string(), "1.3.6.1.4.1.311.2.1.4");
    assert!(parsed.econtent().is_some());
    for verification in verify_all(&message, &VerifyOptions::new()) {
        assert_eq!(
            verification.econtent_type().to_string(),
            "1.3.6.1.4.1.311.2.1.4"
        );
        // PKCS #7 content of another type than Data: its signer digested the contents octets.
        assert!(
            verification.all_valid(),
            "{:?}",
            verification.signers()[0].status()
        );
    }
}

// ----- MimeKit -----

#[test]
fn mimekit_thunderbird_signature_verifies() {
    let eml = corpus_bytes("mimekit/smime/thunderbird-signed.txt");
    let (content, signature) = split_multipart_signed(&eml, true);
    for verification in verify_all(&signature, &VerifyOptions::new().detached_content(&content)) {
        let report = &verification.signers()[0];
        let SignatureStatus::Valid(valid) = report.status().clone() else {
            panic!("{:?}", report.status())
        };
        assert!(signer_cn(valid.certificate()).contains("fejj@gnome.org"));
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
        let capabilities: Vec<String> = report
            .signed_attributes()
            .unwrap()
            .smime_capabilities()
            .unwrap()
            .iter()
            .map(|c| c.capability_id.to_string())
            .collect();
        // AES-256, AES-128, 3DES, RC2-128, RC2-64, DES, RC2-40, in that order.
        assert_eq!(capabilities[0], "2.16.840.1.101.3.4.1.42");
        assert_eq!(capabilities[1], "2.16.840.1.101.3.4.1.2");
        assert_eq!(capabilities[2], "1.2.840.113549.3.7");
        assert_eq!(capabilities.len(), 7);
    }
}

#[test]
fn mimekit_as2_binary_signature_verifies_byte_exact() {
    let message = corpus_bytes("mimekit/smime/octet-stream-with-mixed-line-endings.dat");
    let (content, signature) = split_multipart_signed(&message, false);
    assert!(content.ends_with(b"Please ignore.\n"));
    for verification in verify_all(&signature, &VerifyOptions::new().detached_content(&content)) {
        let SignatureStatus::Valid(valid) = only_status(&verification).clone() else {
            panic!("{:?}", verification.signers()[0].status())
        };
        assert!(signer_cn(valid.certificate()).contains("Open Text"));
    }
    // Normalising the line endings breaks it.
    let (normalised, _) = split_multipart_signed(&message, true);
    assert_ne!(normalised, content);
    let verification = &verify_all(
        &signature,
        &VerifyOptions::new().detached_content(&normalised),
    )[0];
    assert_eq!(
        only_status(verification),
        &SignatureStatus::Invalid(Error::MessageDigestMismatch { signer: 0 })
    );
}

#[test]
fn certificate_types_round_trip_through_x509_cert() {
    // The certificates we hand out are the message's own bytes.
    let message = corpus_bytes("pyca-cryptography/pkcs7/amazon-roots.der");
    let certs = smime_cms::certs_only::read(&message).unwrap();
    for cert in certs {
        let der = x509_cert::der::Encode::to_der(&cert).unwrap();
        assert_eq!(x509_cert::Certificate::from_der(&der).unwrap(), cert);
        assert!(message.windows(der.len()).any(|w| w == der.as_slice()));
    }
}
