//! Encryption through smime-cms (`CmsEncryptor`, `CmsDecryptor`): every smime-type that
//! encrypts, sign-then-encrypt and the triple wrap, with both providers, and both ways with
//! the `openssl` CLI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use common::{Pki, cert, corpus, corpus_bytes, find_bytes, openssl, providers};
use smime_cms::{ContentEncryption, DecryptOptions};
use smime_crypto::{AeadCipher, CbcCipher, CryptoProvider};
use smime_mime::pkcs7_mime::SmimeType;
use smime_mime::{
    CmsDecryptor, CmsEncryptor, Coverage, FoundKind, MessageBuilder, OpenOptions, PartKind,
};

const MESSAGE: &[u8] =
    b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: Secret\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\r\nThe vault code is 1234.\r\n";
const ENTITY: &[u8] =
    b"Content-Type: text/plain; charset=us-ascii\r\n\r\nThe vault code is 1234.\r\n";

fn bob_key(provider: &dyn CryptoProvider) -> std::sync::Arc<dyn smime_crypto::PrivateKey> {
    provider
        .private_key_from_pkcs8(Pki::get().bob.pkcs8_der())
        .unwrap()
}

#[test]
fn enveloped_and_auth_enveloped_round_trip_with_smime_cms() {
    let pki = Pki::get();
    let bob = cert(&pki.bob);
    for provider in providers() {
        for (encryption, smime_type, cipher) in [
            (None, SmimeType::AuthEnvelopedData, "AES-256-GCM"),
            (
                Some(ContentEncryption::Aead(AeadCipher::Aes128Gcm)),
                SmimeType::AuthEnvelopedData,
                "AES-128-GCM",
            ),
            (
                Some(ContentEncryption::Cbc(CbcCipher::Aes256)),
                SmimeType::EnvelopedData,
                "AES-256-CBC",
            ),
        ] {
            let mut encryptor = CmsEncryptor::to_certificates([bob.clone()]);
            if let Some(encryption) = encryption {
                encryptor = encryptor.content_encryption(encryption);
            }
            let message = MessageBuilder::new(MESSAGE)
                .encrypt(&encryptor)
                .build(provider)
                .unwrap();
            assert!(find_bytes(&message, b"vault").is_none());
            assert_eq!(
                smime_mime::find(&message).unwrap()[0].kind(),
                &FoundKind::Pkcs7Mime(smime_type)
            );
            let key = bob_key(provider);
            let decryptor =
                CmsDecryptor::new(DecryptOptions::new().private_key(&bob, key.as_ref()));
            let report = smime_mime::open(
                &message,
                &OpenOptions::new().decryptor(&decryptor),
                provider,
            )
            .unwrap();
            let encryption = &report.encryptions()[0];
            assert_eq!(encryption.smime_type(), smime_type);
            let decryption = encryption.decryption().unwrap();
            assert!(
                decryption.content_cipher().eq_ignore_ascii_case(cipher)
                    || decryption
                        .content_cipher()
                        .replace('-', "")
                        .eq_ignore_ascii_case(&cipher.replace('-', "")),
                "{} vs {cipher}",
                decryption.content_cipher()
            );
            assert_eq!(
                decryption.is_authenticated(),
                smime_type == SmimeType::AuthEnvelopedData
            );
            assert!(decryption.key_management().is_some());
            assert_eq!(report.content(), ENTITY);
            assert_eq!(report.encryption_coverage(), Coverage::Complete);
        }
    }
}

#[test]
fn sign_then_encrypt_and_triple_wrap_with_smime_cms() {
    let pki = Pki::get();
    let bob = cert(&pki.bob);
    for provider in providers() {
        let encryptor = CmsEncryptor::to_certificates([bob.clone()]);
        let key = bob_key(provider);
        let decryptor = CmsDecryptor::new(DecryptOptions::new().private_key(&bob, key.as_ref()));

        let message = MessageBuilder::new(MESSAGE)
            .sign([pki.signer(&pki.alice, provider)])
            .encrypt(&encryptor)
            .build(provider)
            .unwrap();
        let report = smime_mime::open(
            &message,
            &OpenOptions::new().decryptor(&decryptor),
            provider,
        )
        .unwrap();
        assert_eq!(report.signature_coverage(), Coverage::Complete);
        assert_eq!(report.encryption_coverage(), Coverage::Complete);
        assert_eq!(
            report.signatures()[0]
                .valid_signatures()
                .next()
                .unwrap()
                .certificate(),
            &cert(&pki.alice)
        );
        assert_eq!(report.content(), ENTITY);

        let triple = MessageBuilder::new(MESSAGE)
            .sign_opaque([pki.signer(&pki.alice, provider)])
            .encrypt(&encryptor)
            .sign([pki.signer(&pki.carol, provider)])
            .build(provider)
            .unwrap();
        let report =
            smime_mime::open(&triple, &OpenOptions::new().decryptor(&decryptor), provider).unwrap();
        let paths: Vec<String> = report
            .signatures()
            .iter()
            .map(|s| s.path().to_string())
            .collect();
        assert_eq!(paths, ["/", "/1/decrypted"]);
        assert!(report.signatures().iter().all(|s| s.is_valid()));
        assert_eq!(
            report.parts()[0].path().to_string(),
            "/1/decrypted/signed-content"
        );
        assert_eq!(report.parts()[0].signed_by(), [0, 1]);
        assert_eq!(report.signature_coverage(), Coverage::Complete);
        assert_eq!(report.content(), ENTITY);
    }
}

#[test]
fn openssl_decrypts_what_we_encrypt_and_we_decrypt_what_openssl_encrypts() {
    let pki = Pki::get();
    let bob = cert(&pki.bob);
    let provider = smime_crypto::default_provider();
    for encryption in [
        ContentEncryption::Aead(AeadCipher::Aes256Gcm),
        ContentEncryption::Cbc(CbcCipher::Aes128),
    ] {
        let encryptor = CmsEncryptor::to_certificates([bob.clone(), cert(&pki.alice)])
            .content_encryption(encryption);
        let message = MessageBuilder::new(MESSAGE)
            .sign([pki.signer(&pki.alice, provider)])
            .encrypt(&encryptor)
            .build(provider)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("message.eml"), &message).unwrap();
        // The EC recipient (Alice, ECDH) and the RSA one (Bob) both decrypt.
        for identity in ["alice", "bob"] {
            openssl(
                dir.path(),
                &[
                    "cms",
                    "-decrypt",
                    "-in",
                    "message.eml",
                    "-recip",
                    &pki.file(&format!("{identity}.pem")),
                    "-inkey",
                    &pki.file(&format!("{identity}.key")),
                    "-out",
                    "signed.eml",
                ],
            );
            openssl(
                dir.path(),
                &[
                    "cms",
                    "-verify",
                    "-in",
                    "signed.eml",
                    "-CAfile",
                    &pki.file("chain.pem"),
                    "-out",
                    "content.txt",
                ],
            );
            assert_eq!(
                std::fs::read(dir.path().join("content.txt")).unwrap(),
                ENTITY
            );
        }
    }

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("entity.txt"),
        b"Content-Type: text/plain\n\nFrom OpenSSL, encrypted.\n",
    )
    .unwrap();
    for cipher in ["-aes-128-gcm", "-aes256", "-des3"] {
        openssl(
            dir.path(),
            &[
                "cms",
                "-encrypt",
                "-in",
                "entity.txt",
                "-out",
                "enc.eml",
                cipher,
                &pki.file("bob.pem"),
            ],
        );
        let message = std::fs::read(dir.path().join("enc.eml")).unwrap();
        for provider in providers() {
            let key = bob_key(provider);
            let decryptor =
                CmsDecryptor::new(DecryptOptions::new().private_key(&bob, key.as_ref()));
            let report = smime_mime::open(
                &message,
                &OpenOptions::new().decryptor(&decryptor),
                provider,
            )
            .unwrap();
            assert!(
                report.encryptions()[0].decryption().is_some(),
                "{cipher}: {:?}",
                report.encryptions()[0].error()
            );
            assert_eq!(
                smime_mime::canonical::to_crlf(report.content()).as_ref(),
                b"Content-Type: text/plain\r\n\r\nFrom OpenSSL, encrypted.\r\n"
            );
            assert_eq!(report.parts()[0].kind(), &PartKind::Content);
        }
    }
}

#[test]
fn rfc4134_5_3_decrypts_with_smime_cms() {
    let message = corpus_bytes("rfc4134/5.3.eml");
    let key_der = std::fs::read(corpus("rfc4134/BobPrivRSAEncrypt.pri")).unwrap();
    let certificate = smime_x509::Certificate::from_der(
        &std::fs::read(corpus("rfc4134/BobRSASignByCarl.cer")).unwrap(),
    )
    .unwrap()
    .x509()
    .clone();
    for provider in providers() {
        let key = match provider.private_key_from_pkcs8(&key_der) {
            Ok(key) => key,
            // A provider may refuse 1024-bit RSA keys outright; that is not this layer's test.
            Err(error) => {
                eprintln!("{}: {error}", provider.name());
                continue;
            }
        };
        let decryptor =
            CmsDecryptor::new(DecryptOptions::new().private_key(&certificate, key.as_ref()));
        let report = smime_mime::open(
            &message,
            &OpenOptions::new().decryptor(&decryptor),
            provider,
        )
        .unwrap();
        let encryption = &report.encryptions()[0];
        match encryption.decryption() {
            Some(decryption) => {
                assert!(!decryption.is_authenticated());
                assert_eq!(report.content(), b"This is some sample content.");
            }
            None => panic!("{}: {:?}", provider.name(), encryption.error()),
        }
    }
}
