//! The negative set: messages an attacker assembled from signed and unsigned pieces (the
//! "Johnny, you are fired" attacks, USENIX Security 2019). Each is reported precisely —
//! which signature is valid, which parts it covers, which lie outside — and none as fully
//! signed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use common::{OpensslEncryptor, Pki, find_bytes};
use smime_mime::{Coverage, HeaderSelection, MessageBuilder, OpenOptions, PartKind, Report};

const CONTENT: &[u8] = b"Content-Type: text/plain\r\n\r\nPlease transfer 100 EUR to Bob.\r\n";

/// A signed entity (multipart/signed, or opaque), without MIME-Version.
fn signed_entity(content: &[u8], opaque: bool) -> Vec<u8> {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let signer = pki.signer(&pki.alice, provider);
    let builder = MessageBuilder::new(content).headers(HeaderSelection::none());
    let builder = if opaque {
        builder.sign_opaque([signer])
    } else {
        builder.sign([signer])
    };
    let message = builder.build(provider).unwrap();
    message[b"MIME-Version: 1.0\r\n".len()..].to_vec()
}

fn mixed(parts: &[&[u8]]) -> Vec<u8> {
    let mut message =
        b"From: Alice <alice@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
            .to_vec();
    for part in parts {
        message.extend_from_slice(b"--outer\r\n");
        message.extend_from_slice(part);
        message.extend_from_slice(b"\r\n");
    }
    message.extend_from_slice(b"--outer--\r\n");
    message
}

fn open(message: &[u8]) -> Report {
    smime_mime::open(
        message,
        &OpenOptions::new(),
        smime_crypto::default_provider(),
    )
    .unwrap()
}

fn unsigned_paths(report: &Report) -> Vec<String> {
    report
        .unsigned_parts()
        .map(|p| p.path().to_string())
        .collect()
}

const ATTACKER_TEXT: &[u8] = b"Content-Type: text/html\r\n\r\n<b>You are fired.</b>\r\n";

#[test]
fn signed_part_alone_inside_an_unsigned_multipart_is_partial() {
    for opaque in [false, true] {
        let message = mixed(&[&signed_entity(CONTENT, opaque)]);
        let report = open(&message);
        let signature = &report.signatures()[0];
        assert!(signature.is_valid());
        assert!(!signature.covers_whole_message());
        assert_eq!(signature.path().to_string(), "/1");
        // Every leaf is covered, but by a signature someone put inside unsigned structure.
        assert!(unsigned_paths(&report).is_empty());
        assert_eq!(report.signature_coverage(), Coverage::Partial);
        assert!(!report.is_fully_signed());
    }
}

#[test]
fn unsigned_part_beside_a_signed_one_is_partial_and_named() {
    for opaque in [false, true] {
        for (parts, unsigned) in [
            (
                vec![ATTACKER_TEXT, &signed_entity(CONTENT, opaque)[..]],
                "/1",
            ),
            (
                vec![&signed_entity(CONTENT, opaque)[..], ATTACKER_TEXT],
                "/2",
            ),
        ] {
            let report = open(&mixed(&parts));
            assert!(report.signatures()[0].is_valid());
            assert_eq!(report.signature_coverage(), Coverage::Partial);
            assert_eq!(unsigned_paths(&report), [unsigned]);
            let signed: Vec<String> = report
                .parts_signed_by(0)
                .map(|p| p.path().to_string())
                .collect();
            assert_eq!(signed.len(), 1);
            assert_ne!(signed[0], unsigned);
            assert!(!report.is_fully_signed());
        }
    }
}

#[test]
fn unsigned_part_inside_a_multipart_signed_is_not_covered() {
    // A third body part slipped into the multipart/signed itself.
    let signed = signed_entity(CONTENT, false);
    let boundary_at = find_bytes(&signed, b"boundary=\"").unwrap() + 10;
    let boundary_end = boundary_at + find_bytes(&signed[boundary_at..], b"\"").unwrap();
    let boundary = String::from_utf8(signed[boundary_at..boundary_end].to_vec()).unwrap();
    let close = format!("--{boundary}--");
    let at = find_bytes(&signed, close.as_bytes()).unwrap();
    let mut message = b"MIME-Version: 1.0\r\n".to_vec();
    message.extend_from_slice(&signed[..at]);
    message.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    message.extend_from_slice(ATTACKER_TEXT);
    message.extend_from_slice(format!("\r\n{close}\r\n").as_bytes());
    let report = open(&message);
    let signature = &report.signatures()[0];
    assert!(!signature.is_valid());
    assert!(matches!(
        signature.error(),
        Some(smime_mime::Error::Malformed {
            what: "multipart/signed",
            ..
        })
    ));
    assert_eq!(report.signature_coverage(), Coverage::None);
    assert_eq!(unsigned_paths(&report), ["/1", "/2", "/3"]);
}

#[test]
fn signature_over_other_content_is_invalid() {
    let signed = signed_entity(CONTENT, false);
    let other = b"Content-Type: text/plain\r\n\r\nPlease transfer 900 EUR to Eve.\r\n";
    let at = find_bytes(&signed, CONTENT).unwrap();
    let mut message = b"MIME-Version: 1.0\r\n".to_vec();
    message.extend_from_slice(&signed[..at]);
    message.extend_from_slice(other);
    message.extend_from_slice(&signed[at + CONTENT.len()..]);
    let report = open(&message);
    let signature = &report.signatures()[0];
    assert!(!signature.is_valid());
    assert_eq!(
        signature.verification().unwrap().signers()[0]
            .status()
            .error(),
        Some(&smime_cms::Error::MessageDigestMismatch { signer: 0 })
    );
    assert_eq!(report.signature_coverage(), Coverage::None);
    assert_eq!(unsigned_paths(&report), ["/1"]);
    // What a client would show, with the failed signature beside it.
    assert_eq!(report.content(), other);
}

#[test]
fn signed_parts_of_two_messages_combined_are_partial() {
    let other = b"Content-Type: text/plain\r\n\r\nAnd to Eve as well.\r\n";
    let message = mixed(&[&signed_entity(CONTENT, false), &signed_entity(other, true)]);
    let report = open(&message);
    assert_eq!(report.signatures().len(), 2);
    assert!(report.signatures().iter().all(|s| s.is_valid()));
    assert!(unsigned_paths(&report).is_empty());
    assert_eq!(report.signature_coverage(), Coverage::Partial);
}

#[test]
fn forwarded_signed_message_speaks_for_itself_only() {
    let mut attached =
        b"From: Alice <alice@example.org>\r\nSubject: original\r\nMIME-Version: 1.0\r\n".to_vec();
    attached.extend_from_slice(&signed_entity(CONTENT, false));
    let mut forward = b"Content-Type: message/rfc822\r\n\r\n".to_vec();
    forward.extend_from_slice(&attached);
    let message = {
        let mut m = mixed(&[
            b"Content-Type: text/plain\r\n\r\nFYI, see below.\r\n",
            &forward,
        ]);
        // The forwarder is Mallory.
        m.splice(..31, b"From: Mallory <mallory@example.org>".iter().copied());
        m
    };
    let report = open(&message);
    assert_eq!(report.from(), ["Mallory <mallory@example.org>"]);
    let signature = &report.signatures()[0];
    assert!(signature.is_valid());
    assert!(signature.is_in_attached_message());
    assert_eq!(signature.path().to_string(), "/2/message");
    // Checked against the attached message's From, where it matches.
    assert_eq!(
        signature.from_matches()[0].from(),
        "Alice <alice@example.org>"
    );
    assert!(signature.from_matches()[0].is_match());
    assert_eq!(report.signature_coverage(), Coverage::Partial);
    assert_eq!(unsigned_paths(&report), ["/1"]);
}

#[test]
fn a_signed_message_with_a_different_from_is_valid_but_does_not_match() {
    let mut message = b"From: Mallory <mallory@example.org>\r\nMIME-Version: 1.0\r\n".to_vec();
    message.extend_from_slice(&signed_entity(CONTENT, false));
    let report = open(&message);
    let signature = &report.signatures()[0];
    assert!(signature.is_valid());
    assert!(report.is_fully_signed());
    assert!(!signature.from_matches()[0].is_match());
}

#[test]
fn garbage_signature_part_is_shown_as_an_unsigned_attachment() {
    let message = b"MIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--b--\r\n";
    let report = open(message);
    let signature = &report.signatures()[0];
    assert!(matches!(
        signature.error(),
        Some(smime_mime::Error::Cms { .. })
    ));
    assert_eq!(unsigned_paths(&report), ["/1", "/2"]);
    assert_eq!(report.signature_coverage(), Coverage::None);
}

#[test]
fn encrypted_part_beside_cleartext_is_partially_encrypted() {
    // EFAIL's setting: ciphertext wrapped in attacker-controlled cleartext parts.
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let encryptor = OpensslEncryptor {
        recipients: vec![pki.file("bob.pem")],
        cipher: "-aes-128-gcm",
    };
    let encrypted = MessageBuilder::new(CONTENT)
        .headers(HeaderSelection::none())
        .encrypt(&encryptor)
        .build(provider)
        .unwrap();
    let encrypted = &encrypted[b"MIME-Version: 1.0\r\n".len()..];
    let message = mixed(&[ATTACKER_TEXT, encrypted]);
    let report = open(&message);
    assert_eq!(report.encryptions().len(), 1);
    assert!(!report.encryptions()[0].covers_whole_message());
    assert_eq!(report.encryption_coverage(), Coverage::Partial);
    assert_eq!(report.parts()[1].kind(), &PartKind::Encrypted);
}
