//! Interoperability with the `openssl cms` CLI, both ways: what we sign verifies with
//! `openssl cms -verify`, and what `openssl cms -sign` writes verifies with us, with the
//! right signer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use std::path::Path;

use common::{Leaf, Pki, openssl, openssl_unchecked, providers};
use smime_cms::attributes::EncryptionKeyPreference;
use smime_cms::{
    Error, SignatureStatus, SignedData, SignedDataBuilder, SignerBuilder, VerifyOptions,
};
use smime_crypto::{CryptoProvider, DigestAlgorithm, SignatureScheme};
use x509_cert::Certificate;

const CONTENT: &[u8] =
    b"Content-Type: text/plain\r\n\r\nInterop test content, signed by smime-cms.\r\n";

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `openssl cms -verify` on our message; returns the content it outputs.
fn openssl_verify(message: &[u8], detached: Option<&[u8]>, extra: &[&str]) -> Vec<u8> {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("message.der"), message).unwrap();
    let ca = pki.path().join("ca.pem");
    let mut args = vec![
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        "message.der",
        "-CAfile",
        s(&ca),
        "-binary",
        "-out",
        "out.bin",
    ];
    if let Some(content) = detached {
        std::fs::write(dir.path().join("content.bin"), content).unwrap();
        args.extend(["-content", "content.bin"]);
    }
    args.extend(extra);
    openssl(dir.path(), &args);
    std::fs::read(dir.path().join("out.bin")).unwrap()
}

fn signer(leaf: Leaf, provider: &dyn CryptoProvider) -> SignerBuilder {
    let pki = Pki::get();
    SignerBuilder::new(pki.cert(leaf), pki.key(leaf, provider))
}

#[test]
fn openssl_verifies_attached_and_detached_for_every_key() {
    for provider in providers() {
        for leaf in Leaf::SIGNERS {
            let attached = SignedDataBuilder::new(CONTENT)
                .add_signer(signer(leaf, provider))
                .build(provider)
                .unwrap();
            assert_eq!(
                openssl_verify(&attached, None, &[]),
                CONTENT,
                "{leaf:?} attached"
            );
            let detached = SignedDataBuilder::new(CONTENT)
                .detached(true)
                .add_signer(signer(leaf, provider))
                .build(provider)
                .unwrap();
            assert_eq!(
                openssl_verify(&detached, Some(CONTENT), &[]),
                CONTENT,
                "{leaf:?} detached"
            );
        }
    }
}

#[test]
fn openssl_verifies_pss_and_sha2_variants() {
    for provider in providers() {
        for (leaf, digest, pss) in [
            (Leaf::Rsa2048, DigestAlgorithm::Sha256, true),
            (Leaf::Rsa3072, DigestAlgorithm::Sha384, true),
            (Leaf::Rsa4096, DigestAlgorithm::Sha512, true),
            (Leaf::Rsa2048, DigestAlgorithm::Sha384, false),
            (Leaf::Rsa2048, DigestAlgorithm::Sha512, false),
            (Leaf::P256, DigestAlgorithm::Sha384, false),
            (Leaf::P384, DigestAlgorithm::Sha512, false),
        ] {
            let mut builder = signer(leaf, provider).digest(digest);
            if pss {
                builder = builder.pss();
            }
            let message = SignedDataBuilder::new(CONTENT)
                .add_signer(builder)
                .build(provider)
                .unwrap();
            assert_eq!(
                openssl_verify(&message, None, &[]),
                CONTENT,
                "{leaf:?} {digest:?} pss={pss}"
            );
            // And the signer info says what we meant.
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("m.der"), &message).unwrap();
            let printed = openssl(
                dir.path(),
                &["cms", "-cmsout", "-print", "-inform", "DER", "-in", "m.der"],
            );
            let printed = String::from_utf8_lossy(&printed.stdout);
            assert!(printed.contains(digest.name()), "{printed}");
            if pss {
                assert!(printed.contains("rsassaPss"), "{printed}");
            }
        }
    }
}

#[test]
fn openssl_verifies_two_signers_ski_and_attributes() {
    let pki = Pki::get();
    for provider in providers() {
        let message = SignedDataBuilder::new(CONTENT)
            .add_signer(
                signer(Leaf::Rsa2048, provider)
                    .capabilities(smime_cms::attributes::recommended_capabilities())
                    .encryption_key_preference(EncryptionKeyPreference::issuer_and_serial(
                        &pki.cert(Leaf::Rsa2048),
                    )),
            )
            .add_signer(
                signer(Leaf::P256, provider)
                    .subject_key_identifier(true)
                    .digest(DigestAlgorithm::Sha384)
                    .encryption_key_preference(
                        EncryptionKeyPreference::subject_key_identifier(&pki.cert(Leaf::P256))
                            .unwrap(),
                    ),
            )
            .build(provider)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("m.der"), &message).unwrap();
        let ca = pki.path().join("ca.pem");
        openssl(
            dir.path(),
            &[
                "cms",
                "-verify",
                "-inform",
                "DER",
                "-in",
                "m.der",
                "-CAfile",
                s(&ca),
                "-binary",
                "-out",
                "out.bin",
                "-signer",
                "signers.pem",
            ],
        );
        assert_eq!(std::fs::read(dir.path().join("out.bin")).unwrap(), CONTENT);
        let signers =
            Certificate::load_pem_chain(&std::fs::read(dir.path().join("signers.pem")).unwrap())
                .unwrap();
        assert_eq!(signers.len(), 2);
        assert!(signers.contains(&pki.cert(Leaf::Rsa2048)));
        assert!(signers.contains(&pki.cert(Leaf::P256)));
        let printed = openssl(
            dir.path(),
            &["cms", "-cmsout", "-print", "-inform", "DER", "-in", "m.der"],
        );
        let printed = String::from_utf8_lossy(&printed.stdout);
        for expected in [
            "S/MIME Capabilities",
            "id-smime-aa-encrypKeyPref",
            "id-smime-aa-signingCertificateV2",
            "signingTime",
        ] {
            assert!(
                printed.contains(expected),
                "missing {expected} in\n{printed}"
            );
        }
    }
}

#[test]
fn openssl_verifies_without_included_certificate_when_given_it() {
    let pki = Pki::get();
    for provider in providers() {
        let message = SignedDataBuilder::new(CONTENT)
            .add_signer(signer(Leaf::P384, provider).include_certificate(false))
            .build(provider)
            .unwrap();
        assert_eq!(SignedData::parse(&message).unwrap().certificates().len(), 0);
        let cert = pki.cert_path(Leaf::P384);
        assert_eq!(
            openssl_verify(&message, None, &["-certfile", s(&cert)]),
            CONTENT
        );
    }
}

#[test]
fn openssl_reads_our_certs_only() {
    let pki = Pki::get();
    let message = smime_cms::certs_only::build(&[pki.cert(Leaf::Rsa2048), pki.ca.clone()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("certs.der"), &message).unwrap();
    let out = openssl(
        dir.path(),
        &[
            "pkcs7",
            "-inform",
            "DER",
            "-in",
            "certs.der",
            "-print_certs",
        ],
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        printed.matches("-----BEGIN CERTIFICATE-----").count(),
        2,
        "{printed}"
    );
    assert!(printed.contains("Test signer rsa2048"), "{printed}");
    assert!(printed.contains("smime-cms Test CA"), "{printed}");
    let back = smime_cms::certs_only::read(&message).unwrap();
    assert_eq!(back.len(), 2);
}

/// Signs `content` with `openssl cms -sign` and the given options; returns the DER/BER.
fn openssl_sign(content: &[u8], signers: &[Leaf], extra: &[&str]) -> Vec<u8> {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("content.txt"), content).unwrap();
    let mut args: Vec<String> = [
        "cms",
        "-sign",
        "-in",
        "content.txt",
        "-outform",
        "DER",
        "-out",
        "m.der",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    for leaf in signers {
        args.extend([
            "-signer".to_owned(),
            pki.cert_path(*leaf).to_str().unwrap().to_owned(),
            "-inkey".to_owned(),
            pki.key_path(*leaf).to_str().unwrap().to_owned(),
        ]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    openssl(dir.path(), &args);
    std::fs::read(dir.path().join("m.der")).unwrap()
}

struct Expect {
    leaf: Leaf,
    scheme: SignatureScheme,
    signed_attributes: bool,
}

fn check_openssl_message(
    message: &[u8],
    detached: Option<&[u8]>,
    econtent: Option<&[u8]>,
    expected: &[Expect],
) {
    let pki = Pki::get();
    for provider in providers() {
        let mut options = VerifyOptions::new();
        if let Some(content) = detached {
            options = options.detached_content(content);
        }
        let verification = smime_cms::verify(message, &options, provider).unwrap();
        assert_eq!(verification.econtent(), econtent);
        assert_eq!(verification.signers().len(), expected.len());
        assert!(verification.all_valid(), "{:#?}", verification.signers());
        for expect in expected {
            let cert = pki.cert(expect.leaf);
            let report = verification
                .signers()
                .iter()
                .find(|r| r.certificate().is_some_and(|c| *c == cert))
                .unwrap_or_else(|| panic!("no report for {:?}", expect.leaf));
            let valid = report.valid().expect("valid");
            assert_eq!(valid.certificate(), &cert);
            assert_eq!(valid.scheme(), expect.scheme, "{:?}", expect.leaf);
            assert_eq!(
                report.signed_attributes().is_some(),
                expect.signed_attributes
            );
            assert_eq!(report.signing_time().is_some(), expect.signed_attributes);
        }
    }
}

fn v15(leaf: Leaf, digest: DigestAlgorithm) -> Expect {
    Expect {
        leaf,
        scheme: SignatureScheme::RsaPkcs1v15 { digest },
        signed_attributes: true,
    }
}

#[test]
fn we_verify_openssl_detached_default() {
    let content = b"Plain text\nwith LF line ends\n";
    let message = openssl_sign(content, &[Leaf::Rsa2048], &["-binary"]);
    check_openssl_message(
        &message,
        Some(content),
        None,
        &[v15(Leaf::Rsa2048, DigestAlgorithm::Sha256)],
    );
    // Without the content there is nothing to verify.
    for provider in providers() {
        assert_eq!(
            smime_cms::verify(&message, &VerifyOptions::new(), provider).unwrap_err(),
            Error::NoContent
        );
    }
}

#[test]
fn we_verify_openssl_nodetach_text_mode_canonicalised() {
    // Without -binary, openssl signs the canonical (CRLF) form of the text.
    let content = b"line one\nline two\n";
    let message = openssl_sign(content, &[Leaf::Rsa3072], &["-nodetach"]);
    check_openssl_message(
        &message,
        None,
        Some(b"line one\r\nline two\r\n"),
        &[v15(Leaf::Rsa3072, DigestAlgorithm::Sha256)],
    );
}

#[test]
fn we_verify_openssl_stream_ber() {
    let content: Vec<u8> = (0..20_000u32)
        .map(|i| b"abcdefghij\n"[(i % 11) as usize])
        .collect();
    let message = openssl_sign(
        &content,
        &[Leaf::P256],
        &["-nodetach", "-stream", "-binary"],
    );
    // Really BER: indefinite lengths.
    assert_eq!(&message[..2], &[0x30, 0x80]);
    check_openssl_message(
        &message,
        None,
        Some(&content),
        &[Expect {
            leaf: Leaf::P256,
            scheme: SignatureScheme::Ecdsa {
                digest: DigestAlgorithm::Sha256,
            },
            signed_attributes: true,
        }],
    );
}

#[test]
fn we_verify_openssl_noattr() {
    let message = openssl_sign(
        CONTENT,
        &[Leaf::Rsa2048],
        &["-nodetach", "-binary", "-noattr"],
    );
    check_openssl_message(
        &message,
        None,
        Some(CONTENT),
        &[Expect {
            leaf: Leaf::Rsa2048,
            scheme: SignatureScheme::RsaPkcs1v15 {
                digest: DigestAlgorithm::Sha256,
            },
            signed_attributes: false,
        }],
    );
}

#[test]
fn we_verify_openssl_cades() {
    let message = openssl_sign(
        CONTENT,
        &[Leaf::P384],
        &["-nodetach", "-binary", "-cades", "-md", "sha384"],
    );
    check_openssl_message(
        &message,
        None,
        Some(CONTENT),
        &[Expect {
            leaf: Leaf::P384,
            scheme: SignatureScheme::Ecdsa {
                digest: DigestAlgorithm::Sha384,
            },
            signed_attributes: true,
        }],
    );
    let verification = smime_cms::verify(&message, &VerifyOptions::new(), providers()[0]).unwrap();
    let attributes = verification.signers()[0].signed_attributes().unwrap();
    let ess = attributes
        .signing_certificate_v2()
        .expect("it decodes")
        .expect("CAdES adds signingCertificateV2");
    assert_eq!(ess.certs.len(), 1);
}

#[test]
fn we_verify_openssl_pss() {
    let message = openssl_sign(
        CONTENT,
        &[Leaf::Rsa2048],
        &[
            "-nodetach",
            "-binary",
            "-keyopt",
            "rsa_padding_mode:pss",
            "-md",
            "sha512",
        ],
    );
    // OpenSSL 3.0 signs CMS with the maximum salt length: 256 - 64 - 2 bytes for RSA-2048
    // with SHA-512. We take it from the parameters.
    check_openssl_message(
        &message,
        None,
        Some(CONTENT),
        &[Expect {
            leaf: Leaf::Rsa2048,
            scheme: SignatureScheme::RsaPss {
                digest: DigestAlgorithm::Sha512,
                salt_len: 190,
            },
            signed_attributes: true,
        }],
    );
}

#[test]
fn we_verify_openssl_two_signers_and_keyid() {
    let message = openssl_sign(
        CONTENT,
        &[Leaf::Rsa2048, Leaf::P256],
        &["-nodetach", "-binary", "-keyid", "-md", "sha384"],
    );
    let parsed = SignedData::parse(&message).unwrap();
    assert_eq!(parsed.signer_count(), 2);
    check_openssl_message(
        &message,
        None,
        Some(CONTENT),
        &[
            v15(Leaf::Rsa2048, DigestAlgorithm::Sha384),
            Expect {
                leaf: Leaf::P256,
                scheme: SignatureScheme::Ecdsa {
                    digest: DigestAlgorithm::Sha384,
                },
                signed_attributes: true,
            },
        ],
    );
    let verification = smime_cms::verify(&message, &VerifyOptions::new(), providers()[0]).unwrap();
    for report in verification.signers() {
        assert!(matches!(
            report.identifier(),
            Ok(smime_cms::SignerIdentifier::SubjectKeyIdentifier(_))
        ));
        assert_eq!(report.version(), 3);
    }
}

#[test]
fn we_find_signer_in_callers_certificates() {
    let pki = Pki::get();
    let message = openssl_sign(
        CONTENT,
        &[Leaf::Rsa2048],
        &["-nodetach", "-binary", "-nocerts"],
    );
    for provider in providers() {
        let verification = smime_cms::verify(&message, &VerifyOptions::new(), provider).unwrap();
        assert_eq!(
            verification.signers()[0].status(),
            &SignatureStatus::Invalid(Error::SignerCertificateNotFound { signer: 0 })
        );
        let certs = [pki.cert(Leaf::P256), pki.cert(Leaf::Rsa2048)];
        let verification = smime_cms::verify(
            &message,
            &VerifyOptions::new().certificates(&certs),
            provider,
        )
        .unwrap();
        assert_eq!(
            verification.signers()[0].valid().unwrap().certificate(),
            &certs[1]
        );
    }
}

#[test]
fn tampered_openssl_messages_fail_with_the_right_error() {
    let content = b"Tamper with me: 0123456789";
    let message = openssl_sign(content, &[Leaf::Rsa2048], &["-nodetach", "-binary"]);
    let content_at = message
        .windows(content.len())
        .position(|w| w == content)
        .expect("content is in the message");
    let mut changed_content = message.clone();
    changed_content[content_at + 5] ^= 0x01;
    let mut changed_signature = message.clone();
    let last = changed_signature.len() - 10;
    changed_signature[last] ^= 0x01;
    for provider in providers() {
        let verification =
            smime_cms::verify(&changed_content, &VerifyOptions::new(), provider).unwrap();
        assert_eq!(
            verification.signers()[0].status(),
            &SignatureStatus::Invalid(Error::MessageDigestMismatch { signer: 0 })
        );
        let verification =
            smime_cms::verify(&changed_signature, &VerifyOptions::new(), provider).unwrap();
        assert_eq!(
            verification.signers()[0].status(),
            &SignatureStatus::Invalid(Error::BadSignature { signer: 0 })
        );
    }
}

#[test]
fn openssl_rejects_what_we_reject() {
    // A message we consider tampered is rejected by openssl too (differential sanity check).
    let provider = providers()[0];
    let message = SignedDataBuilder::new(CONTENT)
        .add_signer(signer(Leaf::Rsa2048, provider))
        .build(provider)
        .unwrap();
    let mut tampered = message.clone();
    let at = tampered
        .windows(CONTENT.len())
        .position(|w| w == CONTENT)
        .unwrap();
    tampered[at] ^= 0x20;
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.der"), &tampered).unwrap();
    let ca = pki.path().join("ca.pem");
    let out = openssl_unchecked(
        dir.path(),
        &[
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            "m.der",
            "-CAfile",
            s(&ca),
            "-binary",
            "-out",
            "out.bin",
        ],
    );
    assert!(!out.status.success());
    let verification = smime_cms::verify(&tampered, &VerifyOptions::new(), provider).unwrap();
    assert!(!verification.all_valid());
}
