//! Interoperability with the `openssl smime` and `openssl cms` CLIs on whole .eml messages,
//! both ways: what we build, OpenSSL verifies (and decrypts) with the exact content; what
//! OpenSSL builds — text and `-binary`, detached and opaque (`-nodetach`), streamed BER,
//! sign-then-encrypt — we verify, with the exact content and the signer asserted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use std::path::Path;

use common::{OpensslDecryptor, OpensslEncryptor, Pki, cert, openssl, providers};
use smime_mime::pkcs7_mime::SmimeType;
use smime_mime::{
    Coverage, FoundKind, HeaderSelection, LineEnds, MessageBuilder, OpenOptions, Report,
    SignatureForm,
};
use smime_x509::builder::TestIdentity;

const MESSAGE: &[u8] = b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: Interop\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nInterop test: signed by smime-mime.\r\nSecond line.\r\n";
const ENTITY: &[u8] =
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nInterop test: signed by smime-mime.\r\nSecond line.\r\n";

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `openssl <tool> -verify` on an S/MIME message; returns the content it writes. (`smime`
/// with `-binary`, so that the content comes out as it went in; `cms` in its default,
/// canonicalising mode.)
fn openssl_verify(tool: &str, message: &[u8]) -> Vec<u8> {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("message.eml"), message).unwrap();
    let chain = pki.file("chain.pem");
    let mut args = vec![tool, "-verify", "-in", "message.eml", "-CAfile", &chain];
    if tool == "smime" {
        args.push("-binary");
    }
    args.extend(["-out", "out.bin"]);
    openssl(dir.path(), &args);
    std::fs::read(dir.path().join("out.bin")).unwrap()
}

fn openssl_decrypt(message: &[u8], identity: &str) -> Vec<u8> {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("message.eml"), message).unwrap();
    openssl(
        dir.path(),
        &[
            "smime",
            "-decrypt",
            "-in",
            "message.eml",
            "-recip",
            &pki.file(&format!("{identity}.pem")),
            "-inkey",
            &pki.file(&format!("{identity}.key")),
            "-binary",
            "-out",
            "out.bin",
        ],
    );
    std::fs::read(dir.path().join("out.bin")).unwrap()
}

#[test]
fn openssl_verifies_our_multipart_signed_and_opaque_messages() {
    let pki = Pki::get();
    for provider in providers() {
        for identity in [&pki.alice, &pki.bob, &pki.carol] {
            let detached = MessageBuilder::new(MESSAGE)
                .sign([pki.signer(identity, provider)])
                .build(provider)
                .unwrap();
            assert_eq!(openssl_verify("smime", &detached), ENTITY);
            assert_eq!(openssl_verify("cms", &detached), ENTITY);
            let opaque = MessageBuilder::new(MESSAGE)
                .sign_opaque([pki.signer(identity, provider)])
                .build(provider)
                .unwrap();
            assert_eq!(openssl_verify("smime", &opaque), ENTITY);
            assert_eq!(openssl_verify("cms", &opaque), ENTITY);
        }
    }
}

#[test]
fn openssl_verifies_our_prepared_eight_bit_and_binary_content() {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let mut message =
        "From: alice@example.org\nContent-Type: multipart/mixed; boundary=\"q\"\n\n--q\n\
                       Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
                       Grüße \nFrom here\n--q\nContent-Type: application/octet-stream\n\
                       Content-Transfer-Encoding: binary\n\n"
            .as_bytes()
            .to_vec();
    message.extend_from_slice(&[0, 0xff, b'\n', b'\r', 7, b'x']);
    message.extend_from_slice(b"\n--q--\n");
    let signed = MessageBuilder::new(&message)
        .sign([pki.signer(&pki.alice, provider)])
        .build(provider)
        .unwrap();
    let content = openssl_verify("smime", &signed);
    let report = smime_mime::open(&signed, &OpenOptions::new(), provider).unwrap();
    assert!(report.is_fully_signed());
    assert_eq!(content, report.content());
}

#[test]
fn openssl_decrypts_and_verifies_our_sign_then_encrypt_and_triple_wrap() {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let encryptor = OpensslEncryptor {
        recipients: vec![pki.file("bob.pem")],
        cipher: "-aes-256-cbc",
    };
    let message = MessageBuilder::new(MESSAGE)
        .sign([pki.signer(&pki.alice, provider)])
        .encrypt(&encryptor)
        .build(provider)
        .unwrap();
    let decrypted = openssl_decrypt(&message, "bob");
    assert_eq!(openssl_verify("smime", &decrypted), ENTITY);

    let triple = MessageBuilder::new(MESSAGE)
        .sign([pki.signer(&pki.alice, provider)])
        .encrypt(&encryptor)
        .sign([pki.signer(&pki.carol, provider)])
        .build(provider)
        .unwrap();
    let encrypted_entity = openssl_verify("smime", &triple);
    let decrypted = openssl_decrypt(&encrypted_entity, "bob");
    assert_eq!(openssl_verify("smime", &decrypted), ENTITY);
}

#[test]
fn openssl_reads_our_certs_only_message() {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    let mut message = b"MIME-Version: 1.0\r\n".to_vec();
    message.extend_from_slice(
        &smime_mime::pkcs7_mime::certs_only(&[cert(&pki.alice), cert(&pki.bob)]).unwrap(),
    );
    std::fs::write(dir.path().join("certs.eml"), &message).unwrap();
    openssl(
        dir.path(),
        &["smime", "-pk7out", "-in", "certs.eml", "-out", "p7.pem"],
    );
    let output = openssl(
        dir.path(),
        &["pkcs7", "-in", "p7.pem", "-print_certs", "-noout"],
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("CN = Alice"), "{text}");
    assert!(text.contains("CN = Bob"), "{text}");
}

// ----- OpenSSL's messages, read by us -----

/// Runs an openssl signing command in a fresh directory holding `content.txt`; returns the
/// message it wrote to `out.eml`.
fn openssl_sign(content: &[u8], args: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("content.txt"), content).unwrap();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-in", "content.txt", "-out", "out.eml"]);
    openssl(dir.path(), &all);
    std::fs::read(dir.path().join("out.eml")).unwrap()
}

fn signer_args<'a>(pki: &'a Pki, name: &str, files: &'a mut Vec<String>) -> Vec<&'a str> {
    files.push(pki.file(&format!("{name}.pem")));
    files.push(pki.file(&format!("{name}.key")));
    vec!["-signer", &files[0], "-inkey", &files[1]]
}

fn assert_signed_by(report: &Report, identity: &TestIdentity, form: SignatureForm) {
    assert_eq!(report.signatures().len(), 1, "{report:?}");
    let signature = &report.signatures()[0];
    assert_eq!(signature.form(), form);
    let valid: Vec<_> = signature.valid_signatures().collect();
    assert_eq!(valid.len(), 1, "{:?}", signature.verification());
    assert_eq!(valid[0].certificate(), &cert(identity));
    assert_eq!(report.signature_coverage(), Coverage::Complete);
}

#[test]
fn we_verify_openssl_text_binary_detached_and_opaque_messages() {
    let pki = Pki::get();
    let text = b"Hello from OpenSSL.\nLF line ends in the input.\n";
    let entity = b"Content-Type: text/plain\n\nAn entity, signed as is.\n";
    let binary_entity =
        b"Content-Type: application/octet-stream\n\nbinary\n\x00\xff\nline ends kept\n";
    let mut files = Vec::new();
    let signer = signer_args(pki, "alice", &mut files);

    for tool in ["smime", "cms"] {
        // -text: OpenSSL adds a text/plain header and canonicalises.
        let mut args = vec![tool, "-sign", "-text"];
        args.extend(&signer);
        let message = openssl_sign(text, &args);
        for provider in providers() {
            let report = smime_mime::open(&message, &OpenOptions::new(), provider).unwrap();
            assert_signed_by(&report, &pki.alice, SignatureForm::Detached);
            assert_eq!(
                smime_mime::canonical::to_crlf(report.content()).as_ref(),
                b"Content-Type: text/plain\r\n\r\nHello from OpenSSL.\r\nLF line ends in the input.\r\n"
            );
        }

        // An entity, canonicalised by OpenSSL.
        let mut args = vec![tool, "-sign"];
        args.extend(&signer);
        let message = openssl_sign(entity, &args);
        let report = smime_mime::open(
            &message,
            &OpenOptions::new(),
            smime_crypto::default_provider(),
        )
        .unwrap();
        assert_signed_by(&report, &pki.alice, SignatureForm::Detached);
        assert_eq!(
            smime_mime::canonical::to_crlf(report.content()).as_ref(),
            b"Content-Type: text/plain\r\n\r\nAn entity, signed as is.\r\n"
        );

        // -binary: signed byte for byte, LF and all; we must verify the raw bytes.
        let mut args = vec![tool, "-sign", "-binary"];
        args.extend(&signer);
        let message = openssl_sign(binary_entity, &args);
        let report = smime_mime::open(
            &message,
            &OpenOptions::new(),
            smime_crypto::default_provider(),
        )
        .unwrap();
        assert_signed_by(&report, &pki.alice, SignatureForm::Detached);
        assert_eq!(
            report.signatures()[0].line_ends(),
            Some(LineEnds::AsReceived)
        );
        assert_eq!(report.content(), binary_entity);

        // -nodetach: opaque signed-data.
        let mut args = vec![tool, "-sign", "-nodetach", "-binary"];
        args.extend(&signer);
        let message = openssl_sign(binary_entity, &args);
        let found = smime_mime::find(&message).unwrap();
        assert_eq!(
            found[0].kind(),
            &FoundKind::Pkcs7Mime(SmimeType::SignedData)
        );
        for provider in providers() {
            let report = smime_mime::open(&message, &OpenOptions::new(), provider).unwrap();
            assert_signed_by(&report, &pki.alice, SignatureForm::Opaque);
            assert_eq!(report.content(), binary_entity);
        }
    }

    // cms -stream: BER with indefinite lengths, opaque and detached.
    for extra in [&["-nodetach"][..], &[][..]] {
        let mut args = vec!["cms", "-sign", "-stream", "-binary"];
        args.extend(extra);
        args.extend(&signer);
        let message = openssl_sign(entity, &args);
        let report = smime_mime::open(
            &message,
            &OpenOptions::new(),
            smime_crypto::default_provider(),
        )
        .unwrap();
        let form = if extra.is_empty() {
            SignatureForm::Detached
        } else {
            SignatureForm::Opaque
        };
        assert_signed_by(&report, &pki.alice, form);
        assert_eq!(report.content(), entity);
    }
}

#[test]
fn we_verify_openssl_rsa_and_p384_signers_with_other_digests() {
    let pki = Pki::get();
    for (name, identity, md) in [("bob", &pki.bob, "sha512"), ("carol", &pki.carol, "sha384")] {
        let mut files = Vec::new();
        let mut args = vec!["smime", "-sign", "-md", md];
        args.extend(signer_args(pki, name, &mut files));
        let message = openssl_sign(b"Content-Type: text/plain\n\ndigest test\n", &args);
        let header = String::from_utf8_lossy(&message).to_string();
        assert!(
            header.contains(&format!("micalg=\"sha-{}\"", &md[3..])),
            "{header}"
        );
        for provider in providers() {
            let report = smime_mime::open(&message, &OpenOptions::new(), provider).unwrap();
            assert_signed_by(&report, identity, SignatureForm::Detached);
        }
    }
}

#[test]
fn we_decrypt_and_verify_openssl_sign_then_encrypt() {
    let pki = Pki::get();
    let entity = b"Content-Type: text/plain\n\nSigned, then encrypted, by OpenSSL.\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("content.txt"), entity).unwrap();
    openssl(
        dir.path(),
        &[
            "smime",
            "-sign",
            "-in",
            "content.txt",
            "-signer",
            &pki.file("alice.pem"),
            "-inkey",
            &pki.file("alice.key"),
            "-out",
            "signed.eml",
        ],
    );
    for (cipher, smime_type) in [
        ("-aes256", SmimeType::EnvelopedData),
        ("-aes-256-gcm", SmimeType::AuthEnvelopedData),
    ] {
        let tool = if smime_type == SmimeType::AuthEnvelopedData {
            "cms"
        } else {
            "smime"
        };
        let bob = pki.file("bob.pem");
        openssl(
            dir.path(),
            &[
                tool,
                "-encrypt",
                "-in",
                "signed.eml",
                "-out",
                "encrypted.eml",
                "-subject",
                "Sign then encrypt",
                "-from",
                "Alice <alice@example.org>",
                cipher,
                &bob,
            ],
        );
        let message = std::fs::read(dir.path().join("encrypted.eml")).unwrap();
        let found = smime_mime::find(&message).unwrap();
        assert_eq!(found[0].kind(), &FoundKind::Pkcs7Mime(smime_type));

        let decryptor = OpensslDecryptor {
            certificate: pki.file("bob.pem"),
            key: pki.file("bob.key"),
        };
        for provider in providers() {
            let report = smime_mime::open(
                &message,
                &OpenOptions::new().decryptor(&decryptor),
                provider,
            )
            .unwrap();
            assert_signed_by(&report, &pki.alice, SignatureForm::Detached);
            assert_eq!(report.encryption_coverage(), Coverage::Complete);
            assert_eq!(
                smime_mime::canonical::to_crlf(report.content()).as_ref(),
                b"Content-Type: text/plain\r\n\r\nSigned, then encrypted, by OpenSSL.\r\n"
            );
            assert_eq!(report.signatures()[0].path().to_string(), "/decrypted");
            assert!(report.signatures()[0].from_matches()[0].is_match());
        }
    }
    let _ = s(dir.path());
}

#[test]
fn openssl_and_we_agree_on_a_header_selected_message() {
    // The outer header fields we carry over are plain RFC 5322 fields to OpenSSL too.
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let signed = MessageBuilder::new(MESSAGE)
        .headers(HeaderSelection::only(["From", "Subject"]))
        .sign([pki.signer(&pki.alice, provider)])
        .build(provider)
        .unwrap();
    assert!(signed.starts_with(
        b"From: Alice <alice@example.org>\r\nSubject: Interop\r\nMIME-Version: 1.0\r\n"
    ));
    assert_eq!(openssl_verify("smime", &signed), ENTITY);
}
