//! The facade end to end: sign, encrypt, sign-and-encrypt, open, and every fact of the report.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{LETTER, LETTER_ENTITY, P256, crl_revoking_alice, fixture, signing_time, with_crl};
use smime::crypto::{DigestAlgorithm, SignatureScheme};
use smime::mime::pkcs7_mime::{self, SmimeType};
use smime::mime::{Entity, PathStep, SignatureForm};
use smime::path::{Error as PathError, RevocationReason};
use smime::x509::{Generation, KeyUsage, ValidationLevel, ValidationType};
use smime::{
    AddressVerdict, ChainVerdict, ContentCipher, Coverage, Encryption, Error, Keys,
    NotEvaluatedReason, PartPath, Problem, Recipient, SignatureVerdict, Signer, SigningMode, Trust,
};

fn path(steps: &[PathStep]) -> PartPath {
    PartPath::from_steps(steps.iter().copied())
}

#[test]
fn detached_signature_reports_every_signer_fact() {
    let f = fixture();
    let signer = f.signer(&f.alice).build().unwrap();
    let signed = smime::sign(LETTER, &signer).unwrap();
    assert!(signed.starts_with(
        b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: Statement\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed"
    ));

    let report = smime::open(&signed, &Keys::new(), &f.trust()).unwrap();
    assert!(!report.is_encrypted());
    assert!(report.encryptions().is_empty());
    assert_eq!(report.signature_coverage(), Coverage::Complete);
    assert_eq!(report.content(), LETTER_ENTITY);
    assert_eq!(report.from(), ["Alice <alice@example.org>"]);
    assert_eq!(report.signatures().len(), 1);
    assert_eq!(report.signatures()[0].form(), SignatureForm::Detached);

    let [signer_report] = report.signers() else {
        panic!("one signer expected: {:?}", report.signers())
    };
    assert_eq!(signer_report.subject(), "CN=Alice");
    assert_eq!(signer_report.certificate(), Some(f.alice.certificate()));
    assert_eq!(
        signer_report.verdict(),
        &SignatureVerdict::Valid {
            scheme: SignatureScheme::Ecdsa {
                digest: DigestAlgorithm::Sha256
            }
        }
    );
    let ChainVerdict::Trusted(verified) = signer_report.chain() else {
        panic!("trusted chain expected: {:?}", signer_report.chain())
    };
    assert_eq!(
        verified.anchor().subject_string(),
        f.pki.root().certificate().subject().to_string()
    );
    assert_eq!(verified.intermediates().len(), 1);
    assert_eq!(
        signer_report.validation_level(),
        Some(ValidationLevel {
            kind: ValidationType::MailboxValidated,
            generation: Generation::Strict,
        })
    );
    let AddressVerdict::Matched { from, mailbox } = signer_report.address() else {
        panic!("From should match: {:?}", signer_report.address())
    };
    assert_eq!(from, "Alice <alice@example.org>");
    assert_eq!(mailbox.address().unwrap().to_string(), "alice@example.org");
    assert_eq!(signer_report.signing_time(), Some(signing_time()));
    assert!(signer_report.covers_whole_message());
    assert!(!signer_report.is_in_attached_message());
    assert!(signer_report.is_trusted());
    assert!(report.problems().is_empty(), "{:?}", report.problems());
    assert!(report.is_trusted());

    let text = report.to_string();
    assert!(text.contains("signed:       the whole message"), "{text}");
    assert!(text.contains("signed at:  2026-01-02T03:04:05Z"), "{text}");
    assert!(
        text.contains("level:      Mailbox-validated, strict (CA/Browser Forum)"),
        "{text}"
    );
    assert!(
        text.contains("verdict:      TRUSTED: signed by CN=Alice"),
        "{text}"
    );
}

#[test]
fn opaque_rsa_pss_signature() {
    let f = fixture();
    let signer = f
        .signer(&f.bob)
        .opaque()
        .digest(DigestAlgorithm::Sha384)
        .pss(true)
        .build()
        .unwrap();
    assert_eq!(signer.mode(), SigningMode::Opaque);
    let signed = smime::sign(LETTER, &signer).unwrap();
    let report = smime::open(&signed, &Keys::new(), &f.trust()).unwrap();
    assert_eq!(report.signatures()[0].form(), SignatureForm::Opaque);
    assert_eq!(
        report.signers()[0].verdict(),
        &SignatureVerdict::Valid {
            scheme: SignatureScheme::rsa_pss(DigestAlgorithm::Sha384)
        }
    );
    assert_eq!(report.content(), LETTER_ENTITY);
    assert!(report.is_trusted(), "{:?}", report.problems());
}

#[test]
fn plain_text_is_signed_as_utf8_text() {
    let f = fixture();
    let signer = f.signer(&f.alice).build().unwrap();
    let signed = smime::sign("Grüße aus Köln\n".as_bytes(), &signer).unwrap();
    let report = smime::open(&signed, &Keys::new(), &f.trust()).unwrap();
    assert_eq!(
        report.content(),
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe aus K=C3=B6ln\r\n"
    );
    // No From field: reported, and a problem only when required.
    assert_eq!(report.signers()[0].address(), &AddressVerdict::NoFrom);
    assert!(report.is_trusted());
    let strict = Trust::from_certificates([f.pki.root().certificate()])
        .unwrap()
        .require_from(true)
        .build()
        .unwrap();
    let report = smime::open(&signed, &Keys::new(), &strict).unwrap();
    assert!(matches!(report.problems()[..], [Problem::NoFrom { .. }]));
}

#[test]
fn every_cipher_encrypts_and_reports_itself() {
    let f = fixture();
    for (cipher, name, authenticated) in [
        (ContentCipher::Aes256Gcm, "AES-256-GCM", true),
        (ContentCipher::Aes128Gcm, "AES-128-GCM", true),
        (ContentCipher::Aes256Cbc, "AES-256-CBC", false),
        (ContentCipher::Aes128Cbc, "AES-128-CBC", false),
    ] {
        let encryption = Encryption::new([f.recipient(&f.bob), f.recipient(&f.carol)])
            .unwrap()
            .cipher(cipher);
        let sealed = encryption.encrypt(LETTER).unwrap();
        for reader in [&f.bob, &f.carol] {
            let report = smime::open(&sealed, &f.keys(&[reader]), &Trust::none()).unwrap();
            assert!(report.is_encrypted());
            let [layer] = report.encryptions() else {
                panic!("one layer")
            };
            let decryption = layer.decryption().unwrap();
            assert_eq!(decryption.content_cipher(), name);
            assert_eq!(decryption.is_authenticated(), authenticated);
            assert_eq!(report.is_encryption_authenticated(), authenticated);
            assert_eq!(
                layer.smime_type(),
                if authenticated {
                    SmimeType::AuthEnvelopedData
                } else {
                    SmimeType::EnvelopedData
                }
            );
            assert_eq!(report.content(), LETTER_ENTITY);
            assert!(matches!(report.problems()[..], [Problem::NotSigned]));
            assert!(
                report
                    .to_string()
                    .contains(&format!("encrypted:    yes (/): {name}"))
            );
        }
    }
}

#[test]
fn default_cipher_is_aes_256_gcm_and_oaep_decrypts() {
    let f = fixture();
    let sealed = smime::encrypt(LETTER, &[f.recipient(&f.bob).oaep(true)]).unwrap();
    let decrypted = smime::decrypt(&sealed, &f.keys(&[&f.bob])).unwrap();
    assert_eq!(decrypted.content(), LETTER_ENTITY);
    assert_eq!(decrypted.content_cipher(), "AES-256-GCM");
    assert!(decrypted.is_authenticated());
}

#[test]
fn sign_then_encrypt_opens_in_one_call() {
    let f = fixture();
    let signer = f.signer(&f.alice).build().unwrap();
    let sealed = smime::sign_and_encrypt(LETTER, &signer, &[f.recipient(&f.bob)]).unwrap();
    // The outside carries the header fields, not the content.
    let outer = Entity::parse(&sealed).unwrap();
    assert!(pkcs7_mime::is_pkcs7_mime(&outer));
    assert!(!sealed.windows(7).any(|w| w == b"balance"));

    let report = smime::open(&sealed, &f.keys(&[&f.bob]), &f.trust()).unwrap();
    assert!(report.is_encrypted());
    assert!(report.is_encryption_authenticated());
    assert_eq!(report.signers().len(), 1);
    assert_eq!(report.signers()[0].path(), &path(&[PathStep::Decrypted]));
    assert_eq!(report.signature_coverage(), Coverage::Complete);
    assert_eq!(report.content(), LETTER_ENTITY);
    assert!(report.is_trusted(), "{:?}", report.problems());

    // decrypt() takes off the encryption only: the signed entity comes back, to verify next.
    let inner = smime::decrypt(&sealed, &f.keys(&[&f.bob])).unwrap();
    assert!(
        inner
            .content()
            .starts_with(b"Content-Type: multipart/signed")
    );
    let report = smime::open(inner.content(), &Keys::new(), &f.trust()).unwrap();
    assert!(report.signers()[0].is_trusted());
}

#[test]
fn without_the_key_the_report_says_encrypted_not_decrypted() {
    let f = fixture();
    let sealed = smime::encrypt(LETTER, &[f.recipient(&f.bob)]).unwrap();
    let report = smime::open(&sealed, &Keys::new(), &Trust::none()).unwrap();
    assert!(report.is_encrypted());
    assert!(report.encryptions()[0].decryption().is_none());
    assert!(matches!(
        report.problems()[0],
        Problem::NotDecrypted { ref path, .. } if *path == PartPath::root()
    ));
    // With someone else's key: the CMS layer finds no RecipientInfo for it.
    let report = smime::open(&sealed, &f.keys(&[&f.carol]), &Trust::none()).unwrap();
    assert!(
        report.problems()[0]
            .to_string()
            .contains("no RecipientInfo matches the credentials given"),
        "{}",
        report.problems()[0]
    );
    match smime::decrypt(&sealed, &f.keys(&[&f.carol])) {
        Err(Error::NotARecipient {
            keys, recipients, ..
        }) => {
            assert_eq!(keys, "\"CN=Carol\"");
            assert!(
                recipients.starts_with("issuer \"CN=smime-rs Test S/MIME CA"),
                "{recipients}"
            );
        }
        other => panic!("expected NotARecipient, got {other:?}"),
    }
    assert!(matches!(
        smime::decrypt(&sealed, &Keys::new()),
        Err(Error::NoDecryptionKey { .. })
    ));
    assert!(matches!(
        smime::decrypt(LETTER, &f.keys(&[&f.bob])),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn a_changed_ciphertext_fails_the_tag() {
    let f = fixture();
    let sealed = smime::encrypt(LETTER, &[f.recipient(&f.bob)]).unwrap();
    let entity = Entity::parse(&sealed).unwrap();
    let mut cms = entity.decoded_body().unwrap().into_owned();
    let last = cms.len() - 20; // inside the encrypted content or the tag
    cms[last] ^= 0x01;
    let tampered = pkcs7_mime::entity(SmimeType::AuthEnvelopedData, &cms);
    match smime::decrypt(&tampered, &f.keys(&[&f.bob])) {
        Err(Error::DecryptionFailed { reason, .. }) => {
            assert!(reason.contains("does not authenticate"), "{reason}");
        }
        other => panic!("expected DecryptionFailed, got {other:?}"),
    }
}

#[test]
fn untrusted_and_unevaluated_chains() {
    let f = fixture();
    let signed = smime::sign(LETTER, &f.signer(&f.alice).build().unwrap()).unwrap();

    let report = smime::open(&signed, &Keys::new(), &Trust::none()).unwrap();
    let signer = &report.signers()[0];
    assert!(signer.verdict().is_valid());
    assert!(matches!(
        signer.chain(),
        ChainVerdict::NotEvaluated(NotEvaluatedReason::NoTrustAnchors)
    ));
    assert_eq!(signer.validation_level(), None);
    assert_eq!(
        signer.claimed_validation_level(),
        Some(ValidationLevel {
            kind: ValidationType::MailboxValidated,
            generation: Generation::Strict,
        })
    );
    assert!(matches!(
        report.problems()[..],
        [Problem::TrustNotEvaluated { .. }]
    ));
    assert!(!report.problems()[0].is_failure());

    let other = Trust::from_certificates([&f.stranger_root])
        .unwrap()
        .build()
        .unwrap();
    let report = smime::open(&signed, &Keys::new(), &other).unwrap();
    let ChainVerdict::Untrusted(error) = report.signers()[0].chain() else {
        panic!("untrusted expected")
    };
    assert!(
        matches!(
            **error,
            // The other PKI's root has our root's name: the path is built, and our
            // intermediate's signature does not verify with the stranger's key.
            PathError::PathInvalid {
                failure: smime::path::PathFailure::BadSignature,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(matches!(report.problems()[..], [Problem::Untrusted { .. }]));
    assert!(report.problems()[0].is_failure());
}

#[test]
fn validation_time_decides_expiry() {
    let f = fixture();
    let signed = smime::sign(LETTER, &f.signer(&f.alice).build().unwrap()).unwrap();
    let far_future =
        std::time::SystemTime::now() + std::time::Duration::from_secs(100 * 365 * 86_400);
    let trust = Trust::from_certificates([f.pki.root().certificate()])
        .unwrap()
        .at(far_future)
        .build()
        .unwrap();
    let report = smime::open(&signed, &Keys::new(), &trust).unwrap();
    let ChainVerdict::Untrusted(error) = report.signers()[0].chain() else {
        panic!("expired expected")
    };
    assert!(matches!(**error, PathError::Expired { .. }), "{error:?}");
}

#[test]
fn a_changed_signed_part_is_a_bad_signature() {
    let f = fixture();
    let signed = smime::sign(LETTER, &f.signer(&f.alice).build().unwrap()).unwrap();
    let at = signed.windows(8).position(|w| w == b"1,234.56").unwrap();
    let mut tampered = signed.clone();
    tampered[at] = b'9';
    let report = smime::open(&tampered, &Keys::new(), &f.trust()).unwrap();
    let signer = &report.signers()[0];
    assert!(matches!(
        signer.verdict(),
        SignatureVerdict::Invalid(smime::cms::Error::MessageDigestMismatch { signer: 0 })
    ));
    assert!(matches!(
        signer.chain(),
        ChainVerdict::NotEvaluated(NotEvaluatedReason::InvalidSignature)
    ));
    let problems = report.problems();
    assert!(
        matches!(problems[0], Problem::BadSignature { .. }),
        "{problems:?}"
    );
    assert!(matches!(problems[1], Problem::NotSigned), "{problems:?}");
}

#[test]
fn from_mismatch_is_reported_and_enforced_on_request() {
    let f = fixture();
    let forged = b"From: Alice <alice@example.org>\r\nSubject: Pay\r\n\r\nPay Carol.\r\n";
    let signed = smime::sign(forged, &f.signer(&f.carol).build().unwrap()).unwrap();
    let report = smime::open(&signed, &Keys::new(), &f.trust()).unwrap();
    assert_eq!(
        report.signers()[0].address(),
        &AddressVerdict::Mismatch {
            from: "Alice <alice@example.org>".to_owned(),
            certificate_addresses: vec!["carol@example.org".to_owned()],
        }
    );
    assert!(report.is_trusted()); // reported, not enforced

    let strict = Trust::from_certificates([f.pki.root().certificate()])
        .unwrap()
        .require_from(true)
        .build()
        .unwrap();
    let report = smime::open(&signed, &Keys::new(), &strict).unwrap();
    assert!(report.requires_from());
    let [Problem::FromMismatch { subject, from, .. }] = &report.problems()[..] else {
        panic!("{:?}", report.problems())
    };
    assert_eq!(subject, "CN=Carol");
    assert_eq!(from, "Alice <alice@example.org>");
}

#[test]
fn a_signed_part_beside_an_unsigned_one_is_partly_signed() {
    let f = fixture();
    let signed = smime::sign(LETTER_ENTITY, &f.signer(&f.alice).build().unwrap()).unwrap();
    let mut wrapped = b"From: Alice <alice@example.org>\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n".to_vec();
    wrapped.extend_from_slice(&signed[b"MIME-Version: 1.0\r\n".len()..]);
    wrapped.extend_from_slice(
        b"\r\n--outer\r\nContent-Type: text/plain\r\n\r\nYou are fired.\r\n--outer--\r\n",
    );
    let report = smime::open(&wrapped, &Keys::new(), &f.trust()).unwrap();
    assert_eq!(report.signature_coverage(), Coverage::Partial);
    assert!(report.signers()[0].is_trusted());
    assert!(!report.signers()[0].covers_whole_message());
    let problems = report.problems();
    let [Problem::PartlySigned { unsigned_parts }] = &problems[..] else {
        panic!("{problems:?}")
    };
    assert_eq!(unsigned_parts, &[path(&[PathStep::Part(1)])]);
    assert!(
        report
            .to_string()
            .contains("signed:       PARTLY: not covered: /2")
    );
}

#[test]
fn raw_cms_opens_attached_and_detached() {
    let f = fixture();
    let provider = smime::crypto::default_provider();
    let content = b"\x00\x01binary content\xff";
    for detached in [false, true] {
        let cms = smime::cms::SignedDataBuilder::new(content)
            .detached(detached)
            .add_signer(smime::cms::SignerBuilder::new(
                f.alice.certificate().x509().clone(),
                f.alice.private_key().clone(),
            ))
            .add_certificate(f.pki.intermediate().certificate().x509().clone())
            .build(provider)
            .unwrap();
        let report = smime::open_cms(
            &cms,
            detached.then_some(&content[..]),
            &Keys::new(),
            &f.trust(),
        )
        .unwrap();
        assert_eq!(report.content(), content, "detached: {detached}");
        assert!(report.is_trusted(), "{:?}", report.problems());
        assert_eq!(report.signers()[0].address(), &AddressVerdict::NoFrom);
    }
    assert!(matches!(
        smime::open_cms(b"not cms", None, &Keys::new(), &f.trust()),
        Err(Error::Cms(_))
    ));
}

#[test]
fn signer_and_recipient_checks() {
    let f = fixture();
    // A key that is not the certificate's.
    let mismatch = Signer::new(f.alice.certificate().clone(), f.carol.private_key().clone());
    assert!(
        matches!(mismatch, Err(Error::KeyMismatch { ref subject, .. }) if subject == "CN=Alice"),
        "{mismatch:?}"
    );
    let mut keys = Keys::new();
    assert!(matches!(
        keys.add(f.bob.certificate().clone(), f.alice.private_key().clone()),
        Err(Error::KeyMismatch { .. })
    ));
    // RSA-PSS needs RSA; SHA-1 is not for new signatures.
    assert!(matches!(
        f.signer(&f.alice).pss(true).build(),
        Err(Error::InvalidOption(_))
    ));
    assert!(matches!(
        f.signer(&f.alice).digest(DigestAlgorithm::Sha1).build(),
        Err(Error::InvalidOption(_))
    ));
    // A signing-only certificate is no recipient; an encryption-only one is no signer.
    let provider = smime::crypto::default_provider();
    let key = provider
        .private_key_from_pkcs8(&provider.generate_pkcs8(P256).unwrap())
        .unwrap();
    let signing_only = f
        .pki
        .sign(
            smime::x509::builder::CertificateBuilder::new(provider, key.public_key())
                .subject("CN=Dave")
                .unwrap()
                .mailbox("dave@example.org")
                .unwrap()
                .key_usage(KeyUsage::DIGITAL_SIGNATURE),
        )
        .unwrap();
    assert!(matches!(
        Recipient::new(signing_only),
        Err(Error::CertificateNotUsable {
            operation: "encryption",
            ..
        })
    ));
    let encryption_only = f
        .pki
        .sign(
            smime::x509::builder::CertificateBuilder::new(provider, key.public_key())
                .subject("CN=Dave")
                .unwrap()
                .key_usage(KeyUsage::KEY_AGREEMENT),
        )
        .unwrap();
    assert!(matches!(
        Signer::new(encryption_only, key),
        Err(Error::CertificateNotUsable {
            operation: "signing",
            ..
        })
    ));
    assert!(matches!(
        Encryption::new(Vec::new()),
        Err(Error::InvalidOption(_))
    ));
}

#[test]
fn a_crl_in_the_message_or_from_the_reader_revokes() {
    let f = fixture();
    let crl = crl_revoking_alice();
    let signer = f.signer(&f.alice).opaque().build().unwrap();
    let signed = smime::sign(LETTER, &signer).unwrap();
    let cms = Entity::parse(&signed)
        .unwrap()
        .decoded_body()
        .unwrap()
        .into_owned();

    // The reader's CRL.
    let trust = Trust::from_certificates([f.pki.root().certificate()])
        .unwrap()
        .crls([&crl])
        .build()
        .unwrap();
    let report = smime::open(&signed, &Keys::new(), &trust).unwrap();
    let ChainVerdict::Untrusted(error) = report.signers()[0].chain() else {
        panic!("revoked expected: {:?}", report.signers()[0].chain())
    };
    assert!(
        matches!(
            **error,
            PathError::Revoked {
                reason: Some(RevocationReason::KeyCompromise),
                ..
            }
        ),
        "{error:?}"
    );

    // The message's CRL, opaque signature at the top…
    let carrying = pkcs7_mime::entity(SmimeType::SignedData, &with_crl(&cms, &crl));
    let report = smime::open(&carrying, &Keys::new(), &f.trust()).unwrap();
    assert!(report.signers()[0].verdict().is_valid());
    let ChainVerdict::Untrusted(error) = report.signers()[0].chain() else {
        panic!("revoked expected: {:?}", report.signers()[0].chain())
    };
    assert!(matches!(**error, PathError::Revoked { .. }), "{error:?}");

    // …and inside an encrypted message.
    let sealed = Encryption::new([f.recipient(&f.bob)])
        .unwrap()
        .encrypt(&carrying)
        .unwrap();
    let report = smime::open(&sealed, &f.keys(&[&f.bob]), &f.trust()).unwrap();
    assert_eq!(report.signers()[0].path(), &path(&[PathStep::Decrypted]));
    assert!(matches!(
        report.signers()[0].chain(),
        ChainVerdict::Untrusted(e) if matches!(**e, PathError::Revoked { .. })
    ));

    // Without a CRL the same signer is trusted.
    let report = smime::open(&signed, &Keys::new(), &f.trust()).unwrap();
    assert!(report.is_trusted());
}

#[test]
fn a_server_certificate_is_not_trusted_for_mail() {
    let f = fixture();
    let provider = smime::crypto::default_provider();
    let key = provider
        .private_key_from_pkcs8(&provider.generate_pkcs8(P256).unwrap())
        .unwrap();
    let server_auth = smime::x509::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
    let certificate = f
        .pki
        .sign(
            smime::x509::builder::CertificateBuilder::new(provider, key.public_key())
                .subject("CN=www.example.org")
                .unwrap()
                .mailbox("alice@example.org")
                .unwrap()
                .extended_key_usage([server_auth]),
        )
        .unwrap();
    let signer = Signer::builder(certificate, key)
        .chain([f.pki.intermediate().certificate().clone()])
        .build()
        .unwrap();
    let signed = smime::sign(LETTER, &signer).unwrap();
    let report = smime::open(&signed, &Keys::new(), &f.trust()).unwrap();
    assert!(report.signers()[0].verdict().is_valid());
    let ChainVerdict::Untrusted(error) = report.signers()[0].chain() else {
        panic!("wrong purpose expected")
    };
    assert!(
        matches!(
            **error,
            PathError::WrongPurpose {
                mismatch: smime::path::PurposeMismatch::ExtendedKeyUsage { .. },
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn chain_validations_are_budgeted() {
    let f = fixture();
    let provider = smime::crypto::default_provider();
    let mut builder = smime::cms::SignedDataBuilder::new(LETTER_ENTITY)
        .add_certificate(f.pki.intermediate().certificate().x509().clone());
    for _ in 0..smime::MAX_CHAIN_VALIDATIONS + 1 {
        builder = builder.add_signer(smime::cms::SignerBuilder::new(
            f.alice.certificate().x509().clone(),
            f.alice.private_key().clone(),
        ));
    }
    let cms = builder.build(provider).unwrap();
    let message = pkcs7_mime::entity(SmimeType::SignedData, &cms);
    let report = smime::open(&message, &Keys::new(), &f.trust()).unwrap();
    assert_eq!(report.signers().len(), smime::MAX_CHAIN_VALIDATIONS + 1);
    let trusted = report
        .signers()
        .iter()
        .filter(|s| s.chain().is_trusted())
        .count();
    assert_eq!(trusted, smime::MAX_CHAIN_VALIDATIONS);
    assert!(matches!(
        report.signers()[smime::MAX_CHAIN_VALIDATIONS].chain(),
        ChainVerdict::NotEvaluated(NotEvaluatedReason::BudgetExceeded)
    ));
    assert!(matches!(
        report.problems()[..],
        [Problem::TooManySigners { .. }]
    ));
    assert!(!report.is_trusted());
}
