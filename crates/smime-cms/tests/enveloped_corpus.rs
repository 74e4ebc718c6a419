//! Every enveloped sample of the shared corpus (`../shared/corpus`, written by others; each
//! folder's SOURCE.md says what it must give) that uses a supported algorithm decrypts to its
//! documented plaintext, on every provider; the documented bad ones fail with the right
//! error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use std::sync::Arc;

use base64ct::{Base64, Encoding};
use common::{corpus_bytes, providers};
use smime_cms::{
    ContentEncryption, DecryptOptions, Envelope, EnvelopeKind, Error, KeyManagement, KeyWrap,
    RecipientBuilder, RecipientIdentifier,
};
use smime_crypto::{
    AeadCipher, CbcCipher, CryptoProvider, DigestAlgorithm, EcCurve, PrivateKey,
    RsaEncryptionPadding,
};
use x509_cert::Certificate;
use x509_cert::der::asn1::Utf8StringRef;

/// The base64 body of a MIME entity (after the first blank line).
fn mime_body(message: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(message).unwrap().replace("\r\n", "\n");
    let (_, body) = text.split_once("\n\n").unwrap();
    let base64: String = body.split_whitespace().collect();
    Base64::decode_vec(&base64).unwrap()
}

/// The one certificate of a PEM or DER file that may hold a key too.
fn certificate(path: &str) -> Certificate {
    smime_x509::Certificate::from_pem(&corpus_bytes(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .x509()
        .clone()
}

fn load_key(path: &str, provider: &dyn CryptoProvider) -> Arc<dyn PrivateKey> {
    smime_crypto::load_private_key(provider, &corpus_bytes(path), None)
        .unwrap_or_else(|e| panic!("{path} with {}: {e}", provider.name()))
}

/// Decrypts with the certificate and key, and with the key alone; both must agree.
fn decrypt_both_ways(
    message: &[u8],
    certificate: &Certificate,
    key: &dyn PrivateKey,
    provider: &dyn CryptoProvider,
) -> smime_cms::Decrypted {
    let named = smime_cms::decrypt(
        message,
        &DecryptOptions::new().private_key(certificate, key),
        provider,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", provider.name()));
    let tried = smime_cms::decrypt(
        message,
        &DecryptOptions::new().private_key_without_certificate(key),
        provider,
    )
    .unwrap_or_else(|e| panic!("{} (key only): {e}", provider.name()));
    assert_eq!(named, tried);
    named
}

#[test]
fn openssl_1_1_1_ecdh_sha1kdf_two_recipients() {
    // Two KeyAgreeRecipientInfos, dhSinglePass-stdDH-sha1kdf-scheme, Triple-DES key wrap and
    // 3DES content (what OpenSSL 1.1.1 wrote); recipient smec3 ⇒ smcont.txt.
    let message = mime_body(&corpus_bytes("openssl/cms-data/ciphertext_from_1_1_1.cms"));
    let expected = corpus_bytes("openssl/smcont.txt");
    let certificate = certificate("openssl/smime-certs/smec3.pem");
    let envelope = Envelope::parse(&message).unwrap();
    assert_eq!(envelope.kind(), EnvelopeKind::EnvelopedData);
    assert_eq!(envelope.recipients().len(), 2);
    assert!(
        envelope
            .recipients()
            .iter()
            .any(|r| r.matches(&certificate))
    );
    for provider in providers() {
        let key = load_key("openssl/smime-certs/smec3.pem", provider);
        let decrypted = decrypt_both_ways(&message, &certificate, key.as_ref(), provider);
        assert_eq!(decrypted.content(), expected);
        assert_eq!(
            decrypted.content_encryption(),
            ContentEncryption::Cbc(CbcCipher::DesEde3)
        );
        assert!(!decrypted.is_authenticated());
        assert_eq!(
            decrypted.key_management(),
            &KeyManagement::KeyAgreement {
                curve: EcCurve::P256,
                kdf: DigestAlgorithm::Sha1,
                cofactor: false,
                key_wrap: KeyWrap::DesEde3,
            }
        );
        // smec1 is another P-256 key: neither RecipientInfo is for it.
        let other_certificate = certificate_of("openssl/smime-certs/smec1.pem");
        let other = load_key("openssl/smime-certs/smec1.pem", provider);
        let options = DecryptOptions::new().private_key(&other_certificate, other.as_ref());
        assert_eq!(
            smime_cms::decrypt(&message, &options, provider).unwrap_err(),
            Error::NoMatchingRecipient
        );
        // Its key tried on every RecipientInfo: the Triple-DES key wrap check fails.
        let options = DecryptOptions::new().private_key_without_certificate(other.as_ref());
        assert!(matches!(
            smime_cms::decrypt(&message, &options, provider).unwrap_err(),
            Error::KeyUnwrapFailed { .. }
        ));
    }
}

fn certificate_of(path: &str) -> Certificate {
    certificate(path)
}

const KEK: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
];

fn utf8_value(attribute: &x509_cert::attr::Attribute) -> String {
    let value = attribute.values.iter().next().unwrap();
    value.decode_as::<Utf8StringRef<'_>>().unwrap().to_string()
}

#[test]
fn openssl_auth_enveloped_data_with_attributes() {
    let pem = corpus_bytes("openssl/cms-data/authenveloped_attrs.pem");
    let message = smime_cms::content_info::decode_pem(&pem).unwrap();
    for provider in providers() {
        let options = DecryptOptions::new().kek(&[0xC0, 0xFE, 0xE0], &KEK);
        let decrypted = smime_cms::decrypt(&message, &options, provider).unwrap();
        assert_eq!(decrypted.content(), b"Hello AuthEnvelopedData world\n");
        assert_eq!(decrypted.kind(), EnvelopeKind::AuthEnvelopedData);
        assert_eq!(
            decrypted.content_encryption(),
            ContentEncryption::Aead(AeadCipher::Aes128Gcm)
        );
        assert!(decrypted.is_authenticated());
        assert_eq!(
            decrypted.key_management(),
            &KeyManagement::Kek {
                key_wrap: KeyWrap::Aes128
            }
        );
        let auth = decrypted.auth_attributes();
        assert_eq!(auth.len(), 1);
        assert_eq!(auth[0].oid.to_string(), "1.3.6.1.4.1.99999.1");
        assert_eq!(utf8_value(&auth[0]), "hello");
        let unauth = decrypted.unprotected_attributes();
        assert_eq!(unauth.len(), 1);
        assert_eq!(unauth[0].oid.to_string(), "1.3.6.1.4.1.99999.2");
        assert_eq!(utf8_value(&unauth[0]), "world");
    }
    // One byte of an authenticated attribute changed ("hello" → "iello"): the tag, which
    // covers the DER SET OF authAttrs, no longer verifies.
    let pem = corpus_bytes("openssl/cms-data/bad_authenveloped_attrs.pem");
    let message = smime_cms::content_info::decode_pem(&pem).unwrap();
    for provider in providers() {
        let options = DecryptOptions::new().kek(&[0xC0, 0xFE, 0xE0], &KEK);
        assert_eq!(
            smime_cms::decrypt(&message, &options, provider).unwrap_err(),
            Error::ContentAuthenticationFailed
        );
    }
}

#[test]
fn openssl_other_content_types_fail_cleanly() {
    // AuthenticatedData is not an envelope: it must never come out as "authenticated
    // decrypted content".
    for (path, found) in [
        (
            "openssl/cms-data/authenticated_attrs.pem",
            "1.2.840.113549.1.9.16.1.2",
        ),
        // signedAndEnvelopedData (PKCS #7) with MD4.
        (
            "openssl/cms-data/pkcs7-md4-encrypted.pem",
            "1.2.840.113549.1.7.4",
        ),
    ] {
        let message = smime_cms::content_info::decode_pem(&corpus_bytes(path)).unwrap();
        let error = Envelope::parse(&message).unwrap_err();
        assert!(
            matches!(&error, Error::UnexpectedContentType { found: f, .. } if f.to_string() == found),
            "{path}: {error}"
        );
    }
}

#[test]
fn openssl_bad_rsa_certificate_is_refused_cleanly() {
    // A certificate with a broken RSA public key: encrypting to it fails with an error.
    let certificate = certificate("openssl/smime-certs/badrsa.pem");
    for provider in providers() {
        let error = smime_cms::EnvelopeBuilder::new(b"x")
            .add_recipient(RecipientBuilder::certificate(certificate.clone()))
            .build(provider)
            .unwrap_err();
        assert_eq!(error.recipient(), Some(0), "{error}");
    }
}

const PYCA: &str = "pyca-cryptography/pkcs7";

#[test]
fn pyca_enveloped_samples() {
    let certificate = certificate("pyca-cryptography/x509-custom-ca/rsa_ca.pem");
    for (file, plaintext, encryption, padding) in [
        (
            "enveloped-aes-256-cbc.pem",
            &b"Hello world!\r\n"[..],
            ContentEncryption::Cbc(CbcCipher::Aes256),
            RsaEncryptionPadding::Pkcs1v15,
        ),
        (
            "enveloped-rsa-oaep.pem",
            b"Hello, world!",
            ContentEncryption::Cbc(CbcCipher::Aes128),
            RsaEncryptionPadding::Oaep {
                digest: DigestAlgorithm::Sha1,
                mgf_digest: DigestAlgorithm::Sha1,
            },
        ),
        (
            "enveloped-triple-des.pem",
            b"Hello, World!\r\n",
            ContentEncryption::Cbc(CbcCipher::DesEde3),
            RsaEncryptionPadding::Pkcs1v15,
        ),
    ] {
        let message =
            smime_cms::content_info::decode_pem(&corpus_bytes(&format!("{PYCA}/{file}"))).unwrap();
        for provider in providers() {
            let key = load_key("pyca-cryptography/x509-custom-ca/rsa_key.pem", provider);
            let decrypted = decrypt_both_ways(&message, &certificate, key.as_ref(), provider);
            assert_eq!(decrypted.content(), plaintext, "{file}");
            assert_eq!(decrypted.content_encryption(), encryption, "{file}");
            assert_eq!(
                decrypted.key_management(),
                &KeyManagement::KeyTransport { padding },
                "{file}"
            );
        }
    }
}

#[test]
fn pyca_enveloped_parse_only_and_no_content() {
    // Two recipients from the LAMPS samples draft, whose keys are not available.
    let message =
        smime_cms::content_info::decode_pem(&corpus_bytes(&format!("{PYCA}/enveloped.pem")))
            .unwrap();
    let envelope = Envelope::parse(&message).unwrap();
    let recipients = envelope.recipients();
    assert_eq!(recipients.len(), 2);
    assert!(
        recipients
            .iter()
            .all(|r| matches!(r, RecipientIdentifier::IssuerAndSerialNumber(_)))
    );
    assert_eq!(
        envelope.content_encryption().unwrap(),
        ContentEncryption::Cbc(CbcCipher::DesEde3)
    );
    // Not a SignedData (pyca's "not a certificates-only PKCS7").
    assert!(matches!(
        smime_cms::SignedData::parse(&message),
        Err(Error::UnexpectedContentType { .. })
    ));

    // encryptedContent absent: parses; decrypting fails cleanly with "no content" before any
    // private-key work.
    let message = corpus_bytes(&format!("{PYCA}/enveloped-no-content.der"));
    let envelope = Envelope::parse(&message).unwrap();
    assert_eq!(
        envelope.content_encryption().unwrap(),
        ContentEncryption::Cbc(CbcCipher::Aes128)
    );
    let certificate = certificate("pyca-cryptography/x509-custom-ca/rsa_ca.pem");
    for provider in providers() {
        let key = load_key("pyca-cryptography/x509-custom-ca/rsa_key.pem", provider);
        let options = DecryptOptions::new().private_key_without_certificate(key.as_ref());
        assert_eq!(
            envelope.decrypt(&options, provider).unwrap_err(),
            Error::NoEncryptedContent
        );
        let options = DecryptOptions::new().private_key(&certificate, key.as_ref());
        assert_eq!(
            envelope.decrypt(&options, provider).unwrap_err(),
            Error::NoEncryptedContent
        );
    }
}

/// The DER inside a one-block PEM file whose lines are longer than RFC 7468's 64 columns (as
/// PKI.js writes them; strict PEM readers refuse it).
fn lenient_pem(path: &str) -> Vec<u8> {
    let pem = String::from_utf8(corpus_bytes(path)).unwrap();
    let base64: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    Base64::decode_vec(&base64).unwrap()
}

#[test]
fn pkijs_ecdh_sha512kdf_with_ukm() {
    let message = corpus_bytes("pkijs/ecc-enveloped.der");
    // The PEM twin holds the same bytes.
    assert_eq!(lenient_pem("pkijs/ecc-enveloped.cms"), message);
    let certificate = certificate("pkijs/ecc-recipient-cert.pem");
    for provider in providers() {
        let key = smime_crypto::load_private_key(
            provider,
            &lenient_pem("pkijs/ecc-recipient-private-key.pem"),
            None,
        )
        .unwrap();
        let decrypted = decrypt_both_ways(&message, &certificate, key.as_ref(), provider);
        assert_eq!(decrypted.content(), b"Hi. My name is Alice.");
        assert_eq!(
            decrypted.content_encryption(),
            ContentEncryption::Cbc(CbcCipher::Aes128)
        );
        let KeyManagement::KeyAgreement { kdf, .. } = decrypted.key_management() else {
            panic!("{:?}", decrypted.key_management());
        };
        assert_eq!(*kdf, DigestAlgorithm::Sha512);
    }
}

#[test]
fn rfc4134_enveloped_examples() {
    let expected = corpus_bytes("rfc4134/ExContent.bin");
    let certificate =
        smime_x509::Certificate::from_der(&corpus_bytes("rfc4134/BobRSASignByCarl.cer"))
            .unwrap()
            .x509()
            .clone();
    let samples = [
        (
            corpus_bytes("rfc4134/5.1.bin"),
            ContentEncryption::Cbc(CbcCipher::DesEde3),
        ),
        // SOURCE.md calls it "RC2-CBC 128-bit", but its RC2CBCParameter has version 160 —
        // 40 effective bits (RFC 2268 §6) — and the key Bob's RecipientInfo carries is 5
        // bytes: the decryption below only succeeds with both.
        (
            corpus_bytes("rfc4134/5.2.bin"),
            ContentEncryption::Rc2Cbc {
                effective_key_bits: 40,
            },
        ),
        (
            mime_body(&corpus_bytes("rfc4134/5.3.eml")),
            ContentEncryption::Cbc(CbcCipher::DesEde3),
        ),
    ];
    for provider in providers() {
        // Bob's key is RSA-1024, which a provider may refuse to load: then it must say so.
        let key = match smime_crypto::load_private_key(
            provider,
            &corpus_bytes("rfc4134/BobPrivRSAEncrypt.pri"),
            None,
        ) {
            Ok(key) => key,
            Err(error) => {
                assert!(
                    matches!(error, smime_crypto::Error::UnsupportedKey(_)),
                    "{}: {error}",
                    provider.name()
                );
                continue;
            }
        };
        for (message, encryption) in &samples {
            let decrypted = decrypt_both_ways(message, &certificate, key.as_ref(), provider);
            assert_eq!(decrypted.content(), expected);
            assert_eq!(decrypted.content_encryption(), *encryption);
            assert!(!decrypted.is_authenticated());
        }
    }
}
