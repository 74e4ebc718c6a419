//! The streaming facade against the one-shot one: the same content bytes and the same
//! verdicts for detached and opaque signatures and for encryption, both ways; trust failures
//! (unknown anchor, revoked, wrong time) reported the same.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::time::{Duration, SystemTime};

use common::{LETTER, LETTER_ENTITY, crl_revoking_alice, fixture, with_crl};
use smime::path::{Error as PathError, RevocationReason};
use smime::stream::{Format, Packaging, StreamReport};
use smime::{
    AddressVerdict, ChainVerdict, ContentCipher, Encryption, Error, Keys, NotEvaluatedReason,
    Problem, SignatureVerdict, SigningMode, Trust,
};

/// A letter big enough to span many 64 KiB chunks and base64 lines.
fn big_letter() -> Vec<u8> {
    let mut letter = LETTER
        .split(|b| *b == b'\n')
        .take(3)
        .flat_map(|line| line.iter().copied().chain(*b"\n"))
        .collect::<Vec<u8>>();
    // With its transfer encoding stated, a big body passes as it is (without, a streaming
    // writer, which cannot look at the end first, base64-encodes it).
    letter.extend_from_slice(
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n",
    );
    for i in 0..40_000u32 {
        letter.extend_from_slice(format!("line {i:06}: balance 1,234.56 EUR\r\n").as_bytes());
    }
    letter
}

/// What a reader gets back from [`big_letter`]: its Content-* fields and body.
fn big_entity(letter: &[u8]) -> Vec<u8> {
    let at = letter
        .windows(13)
        .position(|w| w == b"Content-Type:")
        .unwrap();
    letter[at..].to_vec()
}

fn stream_verify(signed: &[u8], trust: &Trust, format: Format) -> (StreamReport, Vec<u8>) {
    let mut content = Vec::new();
    let report = smime::stream::verify(signed, &mut content, trust, format).unwrap();
    (report, content)
}

/// The facts both reports must agree on, per signer.
fn facts(signers: &[smime::SignerReport]) -> Vec<(String, bool, bool, bool, Option<SystemTime>)> {
    signers
        .iter()
        .map(|s| {
            (
                s.subject(),
                s.verdict().is_valid(),
                s.chain().is_trusted(),
                s.address().is_match(),
                s.signing_time(),
            )
        })
        .collect()
}

#[test]
fn signatures_stream_and_one_shot_agree_both_ways() {
    let f = fixture();
    let trust = f.trust();
    for letter in [LETTER.to_vec(), big_letter()] {
        for mode in [SigningMode::Detached, SigningMode::Opaque] {
            for who in [&f.alice, &f.bob] {
                let signer = f.signer(who).mode(mode).build().unwrap();
                // Streamed signature, read by the one-shot open and by the streaming verify.
                let mut signed = Vec::new();
                let signed_len = signer.sign_stream(&letter[..], &mut signed).unwrap();
                let report = smime::open(&signed, &Keys::new(), &trust).unwrap();
                assert!(report.is_trusted(), "{mode:?}: {:?}", report.problems());
                assert!(report.content() == big_entity(&letter), "{mode:?}");
                let (streamed, content) = stream_verify(&signed, &trust, Format::Mime);
                assert!(streamed.is_trusted(), "{mode:?}: {:?}", streamed.problems());
                assert!(content == report.content(), "{mode:?}");
                assert_eq!(streamed.content_len(), content.len() as u64);
                assert_eq!(signed_len, content.len() as u64, "{mode:?}");
                assert_eq!(facts(streamed.signers()), facts(report.signers()));
                assert_eq!(
                    streamed.packaging(),
                    Some(match mode {
                        SigningMode::Detached => Packaging::Detached,
                        _ => Packaging::Opaque,
                    })
                );
                assert_eq!(streamed.sender(), Some("Alice <alice@example.org>"));

                // One-shot signature, read by the streaming verify.
                let one_shot = signer.sign(&letter).unwrap();
                let (streamed, content) = stream_verify(&one_shot, &trust, Format::Mime);
                assert!(streamed.is_trusted(), "{mode:?}: {:?}", streamed.problems());
                assert!(content == big_entity(&letter));
                let report = smime::open(&one_shot, &Keys::new(), &trust).unwrap();
                assert_eq!(facts(streamed.signers()), facts(report.signers()));
            }
        }
    }
}

/// A big body without a Content-Transfer-Encoding is base64-encoded by the streaming writer
/// (it cannot look at the end first); what it carries is the same octets.
#[test]
fn big_bodies_without_a_transfer_encoding_keep_their_octets() {
    let f = fixture();
    let letter = big_letter();
    let letter: Vec<u8> = String::from_utf8(letter)
        .unwrap()
        .replace("Content-Transfer-Encoding: 7bit\r\n", "")
        .into_bytes();
    let body_at = letter.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let signer = f.signer(&f.alice).opaque().build().unwrap();
    let mut signed = Vec::new();
    signer.sign_stream(&letter[..], &mut signed).unwrap();
    let (report, content) = stream_verify(&signed, &f.trust(), Format::Mime);
    assert!(report.is_trusted(), "{:?}", report.problems());
    let entity = smime::mime::Entity::parse(&content).unwrap();
    assert_eq!(entity.content_type().essence(), "text/plain");
    assert!(entity.decoded_body().unwrap()[..] == letter[body_at..]);
    let one_shot = smime::open(&signed, &Keys::new(), &f.trust()).unwrap();
    assert!(one_shot.is_trusted());
    assert!(one_shot.content() == content);
}

#[test]
fn plain_text_is_streamed_as_utf8_text() {
    let f = fixture();
    let signer = f.signer(&f.alice).opaque().build().unwrap();
    let mut signed = Vec::new();
    signer
        .sign_stream(&b"Dear customer,\r\nyour statement.\r\n"[..], &mut signed)
        .unwrap();
    let (report, content) = stream_verify(&signed, &f.trust(), Format::Mime);
    assert!(report.signers()[0].verdict().is_valid());
    assert_eq!(
        content,
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nDear customer,\r\nyour statement.\r\n"
    );
}

#[test]
fn encryption_stream_and_one_shot_agree_both_ways() {
    let f = fixture();
    for letter in [LETTER.to_vec(), big_letter()] {
        for cipher in ContentCipher::ALL {
            for (reader, oaep) in [(&f.bob, false), (&f.bob, true), (&f.carol, false)] {
                let encryption = Encryption::new([f.recipient(reader).oaep(oaep)])
                    .unwrap()
                    .cipher(cipher);
                let keys = f.keys(&[reader]);
                // Streamed encryption, read by the one-shot decrypt and the streaming one.
                let mut sealed = Vec::new();
                encryption.encrypt_stream(&letter[..], &mut sealed).unwrap();
                let one_shot = smime::decrypt(&sealed, &keys).unwrap();
                assert!(one_shot.content() == big_entity(&letter), "{cipher}");
                assert_eq!(one_shot.is_authenticated(), cipher.is_authenticated());
                let mut plain = Vec::new();
                let decrypted =
                    smime::stream::decrypt(&sealed[..], &mut plain, &keys, Format::Mime).unwrap();
                assert!(plain == big_entity(&letter), "{cipher}");
                assert_eq!(decrypted.content_len(), plain.len() as u64);
                assert_eq!(decrypted.content_cipher(), Some(cipher));
                assert_eq!(decrypted.is_authenticated(), cipher.is_authenticated());
                assert_eq!(decrypted.recipient_index(), 0);
                assert_eq!(
                    decrypted.content_encryption().to_string(),
                    one_shot.content_cipher()
                );
                let outer = String::from_utf8_lossy(decrypted.outer_header()).into_owned();
                assert!(outer.contains("Subject: Statement"), "{outer}");

                // One-shot encryption, read by the streaming decrypt.
                let sealed = encryption.encrypt(&letter).unwrap();
                let mut plain = Vec::new();
                smime::stream::decrypt(&sealed[..], &mut plain, &keys, Format::Mime).unwrap();
                assert!(plain == big_entity(&letter), "{cipher}");
            }
        }
    }
}

#[test]
fn decryption_errors_match_the_one_shot_ones() {
    let f = fixture();
    let sealed = Encryption::new([f.recipient(&f.bob)])
        .unwrap()
        .encrypt(LETTER)
        .unwrap();
    let mut plain = Vec::new();
    let error =
        smime::stream::decrypt(&sealed[..], &mut plain, &Keys::new(), Format::Mime).unwrap_err();
    assert!(matches!(error, Error::NoDecryptionKey { .. }), "{error:?}");
    let error = smime::stream::decrypt(&sealed[..], &mut plain, &f.keys(&[&f.carol]), Format::Mime)
        .unwrap_err();
    assert!(matches!(error, Error::NotARecipient { .. }), "{error:?}");
    assert!(error.to_string().contains("Carol"), "{error}");

    // Not encrypted, or not signed: said so, as the one-shot flows say it.
    let signed = smime::sign(LETTER, &f.signer(&f.alice).build().unwrap()).unwrap();
    let error = smime::stream::decrypt(&signed[..], &mut plain, &f.keys(&[&f.bob]), Format::Mime)
        .unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    assert!(error.to_string().contains("multipart/signed"), "{error}");
    let error =
        smime::stream::verify(&sealed[..], &mut plain, &f.trust(), Format::Mime).unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    assert!(error.to_string().contains("decrypt it first"), "{error}");

    // A changed byte of GCM ciphertext: the tag fails and no plaintext is released.
    let mut mime = Vec::new();
    Encryption::new([f.recipient(&f.bob)])
        .unwrap()
        .encrypt_stream(&big_letter()[..], &mut mime)
        .unwrap();
    let mut plain = Vec::new();
    let mut cms = Vec::new();
    smime::stream::decrypt(&mime[..], &mut plain, &f.keys(&[&f.bob]), Format::Mime).unwrap();
    // The same message as bare CMS: the base64 body decoded.
    let entity = smime::mime::Entity::parse(&mime).unwrap();
    cms.extend_from_slice(&entity.decoded_body().unwrap());
    let mut out = Vec::new();
    smime::stream::decrypt(&cms[..], &mut out, &f.keys(&[&f.bob]), Format::Cms).unwrap();
    assert!(out == plain);
    let at = cms.len() / 2;
    cms[at] ^= 0x01;
    let mut out = Vec::new();
    let error =
        smime::stream::decrypt(&cms[..], &mut out, &f.keys(&[&f.bob]), Format::Cms).unwrap_err();
    assert!(matches!(error, Error::DecryptionFailed { .. }), "{error:?}");
    assert!(out.is_empty(), "unauthenticated plaintext released");
}

#[test]
fn bare_cms_verifies_attached_and_detached() {
    let f = fixture();
    let trust = f.trust();
    let signer = f.signer(&f.alice).opaque().build().unwrap();
    let signed = smime::sign(LETTER, &signer).unwrap();
    let cms = smime::mime::Entity::parse(&signed)
        .unwrap()
        .decoded_body()
        .unwrap()
        .into_owned();
    let (report, content) = stream_verify(&cms, &trust, Format::Cms);
    assert!(report.is_trusted(), "{:?}", report.problems());
    assert_eq!(report.format(), Format::Cms);
    assert_eq!(report.packaging(), None);
    assert_eq!(content, LETTER_ENTITY);
    let one_shot = smime::open_cms(&cms, None, &Keys::new(), &trust).unwrap();
    assert_eq!(facts(report.signers()), facts(one_shot.signers()));
    // The From of the content, since bare CMS has no outer header: none in LETTER_ENTITY.
    assert_eq!(report.sender(), None);
    assert_eq!(report.signers()[0].address(), &AddressVerdict::NoFrom);

    // Detached: the signature of a multipart/signed, the content read as a stream.
    let detached = smime::sign(LETTER, &f.signer(&f.bob).build().unwrap()).unwrap();
    let entity = smime::mime::Entity::parse(&detached).unwrap();
    let parts = entity.multipart().unwrap().parts();
    let signature = parts[1].decoded_body().unwrap().into_owned();
    let content = parts[0].raw();
    let report = smime::stream::verify_detached(&signature, content, &trust).unwrap();
    assert!(report.is_trusted(), "{:?}", report.problems());
    let report = smime::stream::verify_detached(&signature, &b"other"[..], &trust).unwrap();
    assert!(matches!(
        report.problems().first(),
        Some(Problem::BadSignature { .. })
    ));
    assert!(!report.is_trusted());
}

#[test]
fn trust_failures_are_reported() {
    let f = fixture();
    let signer = f.signer(&f.alice).opaque().build().unwrap();
    let mut signed = Vec::new();
    signer.sign_stream(&big_letter()[..], &mut signed).unwrap();

    // An unknown anchor.
    let stranger = Trust::from_certificates([&f.stranger_root])
        .unwrap()
        .build()
        .unwrap();
    let (report, _) = stream_verify(&signed, &stranger, Format::Mime);
    assert!(report.signers()[0].verdict().is_valid());
    assert!(matches!(
        report.signers()[0].chain(),
        ChainVerdict::Untrusted(_)
    ));
    assert!(matches!(
        report.problems().as_slice(),
        [Problem::Untrusted { .. }]
    ));
    let one_shot = smime::open(&signed, &Keys::new(), &stranger).unwrap();
    assert_eq!(
        report.problems()[0].to_string(),
        one_shot.problems()[0].to_string()
    );

    // No anchors: trust not evaluated.
    let (report, _) = stream_verify(&signed, &Trust::none(), Format::Mime);
    assert!(matches!(
        report.signers()[0].chain(),
        ChainVerdict::NotEvaluated(NotEvaluatedReason::NoTrustAnchors)
    ));
    assert!(matches!(
        report.problems().as_slice(),
        [Problem::TrustNotEvaluated { .. }]
    ));

    // Revoked by the reader's CRL.
    let crl = crl_revoking_alice();
    let revoking = Trust::from_certificates([f.pki.root().certificate()])
        .unwrap()
        .crls([&crl])
        .build()
        .unwrap();
    let (report, _) = stream_verify(&signed, &revoking, Format::Mime);
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

    // A validation time after the certificates expired, and one before they were issued.
    for time in [
        SystemTime::now() + Duration::from_secs(100 * 365 * 86_400),
        SystemTime::UNIX_EPOCH + Duration::from_secs(86_400),
    ] {
        let at = Trust::from_certificates([f.pki.root().certificate()])
            .unwrap()
            .at(time)
            .build()
            .unwrap();
        let (report, _) = stream_verify(&signed, &at, Format::Mime);
        let ChainVerdict::Untrusted(error) = report.signers()[0].chain() else {
            panic!("expired expected: {:?}", report.signers()[0].chain())
        };
        assert!(
            matches!(
                **error,
                PathError::Expired { .. } | PathError::NotYetValid { .. }
            ),
            "{error:?}"
        );
    }
}

#[test]
fn bad_signatures_and_from_mismatches() {
    let f = fixture();
    let signer = f.signer(&f.alice).opaque().build().unwrap();
    let mut signed = Vec::new();
    signer.sign_stream(&big_letter()[..], &mut signed).unwrap();
    // One base64 character changed in the middle of the content.
    let mut at = signed.len() / 2;
    while !signed[at].is_ascii_alphanumeric() {
        at += 1;
    }
    signed[at] = if signed[at] == b'A' { b'B' } else { b'A' };
    let (report, _) = stream_verify(&signed, &f.trust(), Format::Mime);
    assert!(matches!(
        report.signers()[0].verdict(),
        SignatureVerdict::Invalid(_)
    ));
    assert!(matches!(
        report.problems().as_slice(),
        [Problem::BadSignature { .. }, Problem::NotSigned]
    ));

    // Bob signs a letter from Alice: reported, and a problem when the reader requires it.
    let bob = f.signer(&f.bob).build().unwrap();
    let mut signed = Vec::new();
    bob.sign_stream(LETTER, &mut signed).unwrap();
    let (report, _) = stream_verify(&signed, &f.trust(), Format::Mime);
    assert!(report.is_trusted());
    assert!(matches!(
        report.signers()[0].address(),
        AddressVerdict::Mismatch { .. }
    ));
    let strict = Trust::from_certificates([f.pki.root().certificate()])
        .unwrap()
        .require_from(true)
        .build()
        .unwrap();
    let (report, _) = stream_verify(&signed, &strict, Format::Mime);
    assert!(matches!(
        report.problems().as_slice(),
        [Problem::FromMismatch { .. }]
    ));
    assert!(report.requires_from());
}

#[test]
fn a_crl_inside_a_streamed_message_revokes_its_signer() {
    let f = fixture();
    let crl = crl_revoking_alice();
    let provider = smime::crypto::default_provider();
    let revoked = |report: &StreamReport| {
        assert!(report.signers()[0].verdict().is_valid());
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
        assert!(
            report
                .problems()
                .iter()
                .any(|p| matches!(p, Problem::Untrusted { .. })),
            "{:?}",
            report.problems()
        );
    };

    // An attached SignedData (DER, one-shot) with the CRL added, read as bare CMS…
    let alice = smime::cms::SignerBuilder::new(
        f.alice.certificate().x509().clone(),
        f.alice.private_key().clone(),
    );
    let attached = smime::cms::SignedDataBuilder::new(LETTER_ENTITY)
        .add_signer(alice.clone())
        .add_certificate(f.pki.intermediate().certificate().x509().clone())
        .build(provider)
        .unwrap();
    let carrying = with_crl(&attached, &crl);
    let (report, content) = stream_verify(&carrying, &f.trust(), Format::Cms);
    assert_eq!(content, LETTER_ENTITY);
    revoked(&report);
    // …the streaming CMS layer hands out exactly the CRL…
    let verification = smime_stream_crls(&carrying, provider);
    assert_eq!(verification, vec![crl.clone()]);
    // …and without it the same signer is trusted.
    let (report, _) = stream_verify(&attached, &f.trust(), Format::Cms);
    assert!(report.is_trusted(), "{:?}", report.problems());

    // A detached signature carrying the CRL.
    let detached = smime::cms::SignedDataBuilder::new(LETTER_ENTITY)
        .detached(true)
        .add_signer(alice)
        .add_certificate(f.pki.intermediate().certificate().x509().clone())
        .build(provider)
        .unwrap();
    let report =
        smime::stream::verify_detached(&with_crl(&detached, &crl), LETTER_ENTITY, &f.trust())
            .unwrap();
    revoked(&report);
    let report = smime::stream::verify_detached(&detached, LETTER_ENTITY, &f.trust()).unwrap();
    assert!(report.is_trusted(), "{:?}", report.problems());
}

/// The CRLs `smime_stream::verify` reports for a bare CMS message.
fn smime_stream_crls(
    message: &[u8],
    provider: &'static dyn smime::crypto::CryptoProvider,
) -> Vec<Vec<u8>> {
    smime_stream::verify(message, std::io::sink(), &[], provider)
        .unwrap()
        .crls()
        .to_vec()
}
