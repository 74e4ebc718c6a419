//! Build, parse, verify (and decrypt) for every smime-type, sign-then-encrypt and the triple
//! wrap, with every kind of signer key and both providers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use common::{OpensslDecryptor, OpensslEncryptor, Pki, cert, find_bytes, providers};
use smime_crypto::DigestAlgorithm;
use smime_mime::pkcs7_mime::SmimeType;
use smime_mime::{
    Coverage, FoundKind, HeaderSelection, LineEnds, MessageBuilder, OpenOptions, PartKind,
    SignatureForm,
};

const MESSAGE: &[u8] = b"From: Alice <alice@example.org>\r\n\
To: Bob <bob@example.org>\r\n\
Subject: Quarterly figures\r\n\
Date: Mon, 6 Jan 2025 10:00:00 +0000\r\n\
Message-ID: <1@example.org>\r\n\
Received: from somewhere\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
\r\n\
The figures are attached.\r\n";

/// What gets signed: the Content-* fields and the body of MESSAGE.
const ENTITY: &[u8] =
    b"Content-Type: text/plain; charset=us-ascii\r\n\r\nThe figures are attached.\r\n";

const OUTER_HEADERS: &[u8] = b"From: Alice <alice@example.org>\r\n\
To: Bob <bob@example.org>\r\n\
Subject: Quarterly figures\r\n\
Date: Mon, 6 Jan 2025 10:00:00 +0000\r\n\
Message-ID: <1@example.org>\r\n\
MIME-Version: 1.0\r\n";

fn decryptor_for_bob() -> OpensslDecryptor {
    let pki = Pki::get();
    OpensslDecryptor {
        certificate: pki.file("bob.pem"),
        key: pki.file("bob.key"),
    }
}

fn encryptor_to_bob(cipher: &'static str) -> OpensslEncryptor {
    OpensslEncryptor {
        recipients: vec![Pki::get().file("bob.pem")],
        cipher,
    }
}

#[test]
fn multipart_signed_round_trip_for_every_key_and_provider() {
    let pki = Pki::get();
    for provider in providers() {
        for identity in [&pki.alice, &pki.bob, &pki.carol] {
            let signed = MessageBuilder::new(MESSAGE)
                .sign([pki.signer(identity, provider)])
                .build(provider)
                .unwrap();
            // The chosen header fields, byte for byte, then the multipart/signed.
            assert!(
                signed.starts_with(OUTER_HEADERS),
                "{}",
                String::from_utf8_lossy(&signed)
            );
            let rest = &signed[OUTER_HEADERS.len()..];
            assert!(rest.starts_with(b"Content-Type: multipart/signed;"));
            let header_end = find_bytes(rest, b"\r\n\r\n").unwrap();
            let header = String::from_utf8_lossy(&rest[..header_end]).to_string();
            assert!(
                header.contains("protocol=\"application/pkcs7-signature\""),
                "{header}"
            );
            assert!(header.contains("micalg=\"sha-256\""), "{header}");
            assert!(find_bytes(&signed, b"Received").is_none());
            // The signed part is the entity, exactly.
            let mut delimited = b"\r\n".to_vec();
            delimited.extend_from_slice(ENTITY);
            assert!(find_bytes(&signed, &delimited).is_some());
            assert!(find_bytes(&signed, b"name=\"smime.p7s\"").is_some());
            assert!(
                find_bytes(
                    &signed,
                    b"Content-Disposition: attachment; filename=\"smime.p7s\""
                )
                .is_some()
            );

            let report = smime_mime::open(&signed, &OpenOptions::new(), provider).unwrap();
            assert_eq!(report.signature_coverage(), Coverage::Complete);
            assert_eq!(report.encryption_coverage(), Coverage::None);
            assert_eq!(report.signatures().len(), 1);
            let signature = &report.signatures()[0];
            assert_eq!(signature.form(), SignatureForm::Detached);
            assert_eq!(signature.line_ends(), Some(LineEnds::AsReceived));
            assert_eq!(signature.path().to_string(), "/");
            assert_eq!(signature.content_path().unwrap().to_string(), "/1");
            let valid: Vec<_> = signature.valid_signatures().collect();
            assert_eq!(valid.len(), 1);
            assert_eq!(valid[0].certificate(), &cert(identity));
            assert_eq!(valid[0].scheme().digest(), DigestAlgorithm::Sha256);
            // The From address is Alice's.
            assert_eq!(
                signature.from_matches()[0].is_match(),
                std::ptr::eq(identity, &pki.alice)
            );
            assert_eq!(report.content(), ENTITY);
            assert_eq!(report.parts().len(), 1);
            assert_eq!(report.parts()[0].raw(), ENTITY);
            assert_eq!(report.parts()[0].signed_by(), [0]);
            assert_eq!(report.from(), ["Alice <alice@example.org>"]);

            let found = smime_mime::find(&signed).unwrap();
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].kind(), &FoundKind::MultipartSigned);
        }
    }
}

#[test]
fn opaque_signed_data_round_trip() {
    let pki = Pki::get();
    for provider in providers() {
        let signed = MessageBuilder::new(MESSAGE)
            .sign_opaque([pki.signer(&pki.alice, provider)])
            .build(provider)
            .unwrap();
        let rest = &signed[OUTER_HEADERS.len()..];
        assert!(
            rest.starts_with(b"Content-Type: application/pkcs7-mime; smime-type=\"signed-data\";"),
            "{}",
            String::from_utf8_lossy(rest)
        );
        let found = smime_mime::find(&signed).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].kind(),
            &FoundKind::Pkcs7Mime(SmimeType::SignedData)
        );
        assert_eq!(found[0].smime_type_parameter(), Some("signed-data"));

        let report = smime_mime::open(&signed, &OpenOptions::new(), provider).unwrap();
        assert_eq!(report.signature_coverage(), Coverage::Complete);
        let signature = &report.signatures()[0];
        assert_eq!(signature.form(), SignatureForm::Opaque);
        assert_eq!(signature.line_ends(), None);
        assert_eq!(
            signature.content_path().unwrap().to_string(),
            "/signed-content"
        );
        assert!(signature.is_valid());
        assert_eq!(report.content(), ENTITY);
        assert_eq!(report.content_path().to_string(), "/signed-content");
        assert_eq!(signature.verification().unwrap().econtent(), Some(ENTITY));
    }
}

#[test]
fn certs_only_round_trip() {
    let pki = Pki::get();
    let certificates = vec![cert(&pki.alice), cert(&pki.bob)];
    let entity = smime_mime::pkcs7_mime::certs_only(&certificates).unwrap();
    assert!(entity.starts_with(
        b"Content-Type: application/pkcs7-mime; smime-type=\"certs-only\";\r\n name=\"smime.p7c\"\r\n"
    ));
    let mut message = b"From: Alice <alice@example.org>\r\nMIME-Version: 1.0\r\n".to_vec();
    message.extend_from_slice(&entity);
    let found = smime_mime::find(&message).unwrap();
    assert_eq!(found[0].kind(), &FoundKind::Pkcs7Mime(SmimeType::CertsOnly));
    for provider in providers() {
        let report = smime_mime::open(&message, &OpenOptions::new(), provider).unwrap();
        assert!(report.signatures().is_empty());
        assert_eq!(report.signature_coverage(), Coverage::None);
        assert_eq!(report.parts().len(), 1);
        assert_eq!(
            report.parts()[0].kind(),
            &PartKind::CertificatesOnly(certificates.clone())
        );
        assert_eq!(report.parts()[0].filename(), Some("smime.p7c"));
    }
}

#[test]
fn enveloped_and_auth_enveloped_round_trip() {
    for (cipher, smime_type, authenticated) in [
        ("-aes256", SmimeType::EnvelopedData, false),
        ("-aes-256-gcm", SmimeType::AuthEnvelopedData, true),
    ] {
        let provider = smime_crypto::default_provider();
        let encryptor = encryptor_to_bob(cipher);
        let encrypted = MessageBuilder::new(MESSAGE)
            .encrypt(&encryptor)
            .build(provider)
            .unwrap();
        let expected_header = format!(
            "Content-Type: application/pkcs7-mime; smime-type=\"{}\";",
            smime_type.as_str()
        );
        assert!(encrypted[OUTER_HEADERS.len()..].starts_with(expected_header.as_bytes()));
        assert!(find_bytes(&encrypted, b"The figures").is_none());
        let found = smime_mime::find(&encrypted).unwrap();
        assert_eq!(found[0].kind(), &FoundKind::Pkcs7Mime(smime_type));

        // Without a decryptor: found, not opened.
        let report = smime_mime::open(&encrypted, &OpenOptions::new(), provider).unwrap();
        assert_eq!(report.encryptions().len(), 1);
        assert!(matches!(
            report.encryptions()[0].error(),
            Some(smime_mime::Error::NoDecryptor { .. })
        ));
        assert_eq!(report.parts()[0].kind(), &PartKind::Encrypted);
        assert_eq!(report.signature_coverage(), Coverage::None);

        // With one: the content, and what protected it.
        let decryptor = decryptor_for_bob();
        let report = smime_mime::open(
            &encrypted,
            &OpenOptions::new().decryptor(&decryptor),
            provider,
        )
        .unwrap();
        let encryption = &report.encryptions()[0];
        assert_eq!(encryption.smime_type(), smime_type);
        assert_eq!(
            encryption.decryption().unwrap().is_authenticated(),
            authenticated
        );
        assert_eq!(encryption.content_path().unwrap().to_string(), "/decrypted");
        assert_eq!(report.encryption_coverage(), Coverage::Complete);
        assert_eq!(report.signature_coverage(), Coverage::None);
        assert_eq!(report.content(), ENTITY);
        assert_eq!(report.parts()[0].kind(), &PartKind::Content);
        assert_eq!(report.parts()[0].encrypted_by(), [0]);

        // The wrong key: reported, not an error of the whole message.
        let wrong = OpensslDecryptor {
            certificate: Pki::get().file("alice.pem"),
            key: Pki::get().file("alice.key"),
        };
        let report =
            smime_mime::open(&encrypted, &OpenOptions::new().decryptor(&wrong), provider).unwrap();
        assert!(matches!(
            report.encryptions()[0].error(),
            Some(smime_mime::Error::Encryption {
                operation: "decryption",
                ..
            })
        ));
    }
}

#[test]
fn sign_then_encrypt_round_trip() {
    let pki = Pki::get();
    for provider in providers() {
        let encryptor = encryptor_to_bob("-aes-128-gcm");
        let message = MessageBuilder::new(MESSAGE)
            .sign([pki.signer(&pki.alice, provider)])
            .encrypt(&encryptor)
            .build(provider)
            .unwrap();
        let decryptor = decryptor_for_bob();
        let report = smime_mime::open(
            &message,
            &OpenOptions::new().decryptor(&decryptor),
            provider,
        )
        .unwrap();
        assert_eq!(report.encryptions().len(), 1);
        assert_eq!(report.signatures().len(), 1);
        let signature = &report.signatures()[0];
        assert_eq!(signature.path().to_string(), "/decrypted");
        assert!(signature.is_valid());
        assert!(signature.covers_whole_message());
        assert_eq!(report.signature_coverage(), Coverage::Complete);
        assert_eq!(report.encryption_coverage(), Coverage::Complete);
        assert_eq!(report.content(), ENTITY);
        assert_eq!(report.parts()[0].signed_by(), [0]);
        assert_eq!(report.parts()[0].encrypted_by(), [0]);
        // The outer From still names the signer.
        assert!(signature.from_matches()[0].is_match());
    }
}

#[test]
fn triple_wrap_round_trip() {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let encryptor = encryptor_to_bob("-aes-256-gcm");
    let message = MessageBuilder::new(MESSAGE)
        .sign([pki.signer(&pki.alice, provider)])
        .encrypt(&encryptor)
        .sign([pki.signer(&pki.carol, provider)])
        .build(provider)
        .unwrap();
    let found = smime_mime::find(&message).unwrap();
    assert_eq!(found.len(), 2, "{found:?}"); // the encrypted layer is not opened by find
    assert_eq!(found[0].kind(), &FoundKind::MultipartSigned);
    assert_eq!(
        found[1].kind(),
        &FoundKind::Pkcs7Mime(SmimeType::AuthEnvelopedData)
    );
    assert_eq!(found[1].path().to_string(), "/1");

    let decryptor = decryptor_for_bob();
    let report = smime_mime::open(
        &message,
        &OpenOptions::new().decryptor(&decryptor),
        provider,
    )
    .unwrap();
    let paths: Vec<String> = report
        .signatures()
        .iter()
        .map(|s| s.path().to_string())
        .collect();
    assert_eq!(paths, ["/", "/1/decrypted"]);
    let signers: Vec<_> = report
        .signatures()
        .iter()
        .map(|s| s.valid_signatures().next().unwrap().certificate().clone())
        .collect();
    assert_eq!(signers, [cert(&pki.carol), cert(&pki.alice)]);
    assert_eq!(report.encryptions()[0].path().to_string(), "/1");
    assert_eq!(report.parts().len(), 1);
    assert_eq!(report.parts()[0].path().to_string(), "/1/decrypted/1");
    assert_eq!(report.parts()[0].signed_by(), [0, 1]);
    assert_eq!(report.parts()[0].encrypted_by(), [0]);
    assert_eq!(report.signature_coverage(), Coverage::Complete);
    assert_eq!(report.encryption_coverage(), Coverage::Complete);
    assert_eq!(report.content(), ENTITY);
}

#[test]
fn header_selection_decides_what_goes_outside() {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let signer = || pki.signer(&pki.alice, provider);
    let only_from = MessageBuilder::new(MESSAGE)
        .headers(HeaderSelection::only(["from"]))
        .sign([signer()])
        .build(provider)
        .unwrap();
    assert!(only_from.starts_with(
        b"From: Alice <alice@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed;"
    ));
    let none = MessageBuilder::new(MESSAGE)
        .headers(HeaderSelection::none())
        .sign([signer()])
        .build(provider)
        .unwrap();
    assert!(none.starts_with(b"MIME-Version: 1.0\r\nContent-Type: multipart/signed;"));
    let all = MessageBuilder::new(MESSAGE)
        .headers(HeaderSelection::all().without("Date"))
        .sign([signer()])
        .build(provider)
        .unwrap();
    assert!(all.starts_with(
        b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: Quarterly figures\r\n\
          Message-ID: <1@example.org>\r\nReceived: from somewhere\r\nMIME-Version: 1.0\r\n"
    ));
    // A bare entity works too.
    let bare = MessageBuilder::new(ENTITY)
        .sign([signer()])
        .build(provider)
        .unwrap();
    assert!(bare.starts_with(b"MIME-Version: 1.0\r\nContent-Type: multipart/signed;"));
    let report = smime_mime::open(&bare, &OpenOptions::new(), provider).unwrap();
    assert!(report.is_fully_signed());
    assert!(report.signatures()[0].from_matches().is_empty());
}

#[test]
fn several_signers_list_their_digests_in_micalg() {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let signed = MessageBuilder::new(MESSAGE)
        .sign([
            pki.signer(&pki.alice, provider),
            pki.signer(&pki.carol, provider)
                .digest(DigestAlgorithm::Sha384),
        ])
        .build(provider)
        .unwrap();
    assert!(find_bytes(&signed, b"micalg=\"sha-256,sha-384\"").is_some());
    let report = smime_mime::open(&signed, &OpenOptions::new(), provider).unwrap();
    let verification = report.signatures()[0].verification().unwrap();
    assert_eq!(verification.signers().len(), 2);
    assert!(verification.all_valid());
    // Alice's address is in Alice's certificate, not in Carol's.
    let matches: Vec<bool> = report.signatures()[0]
        .from_matches()
        .iter()
        .map(|m| m.is_match())
        .collect();
    assert_eq!(matches, [true, false]);
}

#[test]
fn eight_bit_lf_only_input_is_prepared_and_still_verifies() {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let message = "From: alice@example.org\nSubject: x\nContent-Type: multipart/mixed; boundary=\"xyz\"\n\n\
                   --xyz\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
                   Grüße aus Zürich \nFrom the team\n--xyz\nContent-Type: application/octet-stream; name=data.bin\n\
                   Content-Transfer-Encoding: binary\n\n"
        .as_bytes()
        .iter()
        .copied()
        .chain([0u8, 1, b'\n', 0xff, b'\r', b'z'])
        .chain(*b"\n--xyz--\n")
        .collect::<Vec<u8>>();
    let signed = MessageBuilder::new(&message)
        .sign([pki.signer(&pki.alice, provider)])
        .build(provider)
        .unwrap();
    // 7-bit safe throughout.
    assert!(
        signed.iter().all(|&b| b < 0x80 && b != 0),
        "{}",
        String::from_utf8_lossy(&signed)
    );
    assert!(smime_mime::canonical::is_crlf(&signed));
    let report = smime_mime::open(&signed, &OpenOptions::new(), provider).unwrap();
    assert!(report.is_fully_signed());
    assert_eq!(report.parts().len(), 2);
    let text = smime_mime::Entity::parse(report.parts()[0].raw()).unwrap();
    assert_eq!(
        text.decoded_body().unwrap().as_ref(),
        "Grüße aus Zürich \r\nFrom the team".as_bytes()
    );
    let binary = smime_mime::Entity::parse(report.parts()[1].raw()).unwrap();
    assert_eq!(
        binary.decoded_body().unwrap().as_ref(),
        [0u8, 1, b'\n', 0xff, b'\r', b'z']
    );
}

#[test]
fn a_message_stored_with_lf_line_ends_verifies_canonicalized() {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let signed = MessageBuilder::new(MESSAGE)
        .sign([pki.signer(&pki.alice, provider)])
        .build(provider)
        .unwrap();
    let lf_only: Vec<u8> = signed.iter().copied().filter(|&b| b != b'\r').collect();
    let report = smime_mime::open(&lf_only, &OpenOptions::new(), provider).unwrap();
    let signature = &report.signatures()[0];
    assert!(signature.is_valid());
    assert_eq!(signature.line_ends(), Some(LineEnds::Canonicalized));
    assert!(report.is_fully_signed());
}

#[test]
fn a_changed_byte_breaks_the_signature_and_the_coverage() {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let signed = MessageBuilder::new(MESSAGE)
        .sign([pki.signer(&pki.alice, provider)])
        .build(provider)
        .unwrap();
    let at = find_bytes(&signed, b"figures are").unwrap();
    let mut tampered = signed.clone();
    tampered[at] = b'F';
    let report = smime_mime::open(&tampered, &OpenOptions::new(), provider).unwrap();
    let signature = &report.signatures()[0];
    assert!(!signature.is_valid());
    assert_eq!(
        signature.verification().unwrap().signers()[0]
            .status()
            .error(),
        Some(&smime_cms::Error::MessageDigestMismatch { signer: 0 })
    );
    assert_eq!(report.signature_coverage(), Coverage::None);
    assert!(report.parts()[0].signed_by().is_empty());
    assert!(!report.is_fully_signed());
}
