//! Streaming AuthEnvelopedData / EnvelopedData: against one-shot smime-cms and the openssl CLI.
// Tests may unwrap and index: a failure is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, OnceLock};

use der::DecodePem;
use proptest::prelude::*;
use smime_cms::{
    Certificate, ContentEncryption, DecryptOptions, EnvelopeBuilder, RecipientBuilder,
};
use smime_crypto::{AeadCipher, CbcCipher, CryptoProvider, PrivateKey};
use smime_stream::enveloped_data::decrypt_unverified;
use smime_stream::{EnvelopeStream, Error, StreamCredentials};

struct Identity {
    dir: tempfile::TempDir,
    certificate: Certificate,
    key: Arc<dyn PrivateKey>,
}

fn make_identity(algorithm: &[&str]) -> Identity {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=stream recipient",
        ])
        .args(algorithm)
        .arg("-keyout")
        .arg(dir.path().join("key.pem"))
        .arg("-out")
        .arg(dir.path().join("cert.pem"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let certificate =
        Certificate::from_pem(std::fs::read(dir.path().join("cert.pem")).unwrap()).unwrap();
    let key_pem = std::fs::read(dir.path().join("key.pem")).unwrap();
    let key = smime_crypto::load_private_key(provider(), &key_pem, None).unwrap();
    Identity {
        dir,
        certificate,
        key,
    }
}

fn rsa() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| make_identity(&["-newkey", "rsa:2048"]))
}

fn ec() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| make_identity(&["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]))
}

fn provider() -> &'static dyn CryptoProvider {
    smime_crypto::default_provider()
}

fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 + i / 253) as u8).collect()
}

struct Trickle<R> {
    inner: R,
    step: usize,
}

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.step.max(1));
        self.inner.read(&mut buf[..n])
    }
}

const KEK_ID: &[u8] = b"stream-kek";
const KEK: [u8; 32] = [0x42; 32];

const CIPHERS: [ContentEncryption; 4] = [
    ContentEncryption::Aead(AeadCipher::Aes256Gcm),
    ContentEncryption::Aead(AeadCipher::Aes128Gcm),
    ContentEncryption::Cbc(CbcCipher::Aes256),
    ContentEncryption::Cbc(CbcCipher::Aes128),
];

#[test]
fn stream_encrypt_decrypts_one_shot_and_streaming() {
    for encryption in CIPHERS {
        for size in [0usize, 1, 15, 16, 17, 4095, 65_536, 200_003] {
            let data = content(size);
            let mut message = Vec::new();
            let len = EnvelopeStream::new()
                .content_encryption(encryption)
                .add_recipient(RecipientBuilder::certificate(rsa().certificate.clone()))
                .add_recipient(RecipientBuilder::certificate(ec().certificate.clone()))
                .add_recipient(RecipientBuilder::kek(KEK_ID.to_vec(), &KEK))
                .chunk_size(1000)
                .encrypt(&data[..], &mut message, provider())
                .unwrap();
            assert_eq!(len, size as u64);
            assert_eq!(&message[..2], &[0x30, 0x80]);
            for identity in [rsa(), ec()] {
                let one_shot = smime_cms::decrypt(
                    &message,
                    &DecryptOptions::new()
                        .private_key(&identity.certificate, identity.key.as_ref()),
                    provider(),
                )
                .unwrap();
                assert_eq!(one_shot.content(), &data[..], "{encryption} {size}");
                assert_eq!(one_shot.content_encryption(), encryption);

                let mut out = Vec::new();
                let report = smime_stream::decrypt(
                    Trickle {
                        inner: &message[..],
                        step: 777,
                    },
                    &mut out,
                    &StreamCredentials::new()
                        .private_key(&identity.certificate, identity.key.as_ref()),
                    provider(),
                )
                .unwrap();
                assert_eq!(out, data, "{encryption} {size}");
                assert_eq!(report.content_len(), size as u64);
                assert_eq!(report.content_encryption(), encryption);
                assert_eq!(
                    report.is_authenticated(),
                    matches!(encryption, ContentEncryption::Aead(_))
                );
            }
            let mut out = Vec::new();
            let report = smime_stream::decrypt(
                &message[..],
                &mut out,
                &StreamCredentials::new().kek(KEK_ID, &KEK),
                provider(),
            )
            .unwrap();
            assert_eq!(out, data);
            assert_eq!(report.recipient_index(), 2);
        }
    }
}

#[test]
fn stream_decrypts_one_shot_der() {
    for encryption in CIPHERS {
        let data = content(100_001);
        let der = EnvelopeBuilder::new(&data)
            .content_encryption(encryption)
            .add_recipient(RecipientBuilder::certificate(ec().certificate.clone()))
            .build(provider())
            .unwrap();
        let mut out = Vec::new();
        smime_stream::decrypt(
            &der[..],
            &mut out,
            &StreamCredentials::new().private_key(&ec().certificate, ec().key.as_ref()),
            provider(),
        )
        .unwrap();
        assert_eq!(out, data, "{encryption}");
    }
}

#[test]
fn gcm_releases_nothing_when_the_tag_fails() {
    let data = content(50_000);
    let mut message = Vec::new();
    EnvelopeStream::new()
        .add_recipient(RecipientBuilder::kek(KEK_ID.to_vec(), &KEK))
        .encrypt(&data[..], &mut message, provider())
        .unwrap();
    // Flip a ciphertext bit in the middle, then a bit of the tag (the last octets before the
    // six end-of-contents octets).
    let tag_at = message.len() - 6 - 1;
    for at in [message.len() / 2, tag_at] {
        let mut bad = message.clone();
        bad[at] ^= 0x01;
        let mut out = Vec::new();
        let error = smime_stream::decrypt(
            &bad[..],
            &mut out,
            &StreamCredentials::new().kek(KEK_ID, &KEK),
            provider(),
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                Error::Cms(smime_cms::Error::ContentAuthenticationFailed)
            ),
            "{error:?}"
        );
        assert!(out.is_empty(), "no plaintext before the tag verifies");
    }
}

/// `decrypt_unverified`: one pass, no spool; the exact plaintext for every cipher, size and
/// chunking, the same report as `decrypt`.
#[test]
fn unverified_decrypt_gives_the_exact_plaintext() {
    for encryption in CIPHERS {
        for size in [0usize, 1, 15, 16, 17, 65_536, 200_003] {
            let data = content(size);
            let mut message = Vec::new();
            EnvelopeStream::new()
                .content_encryption(encryption)
                .add_recipient(RecipientBuilder::kek(KEK_ID.to_vec(), &KEK))
                .chunk_size(1000)
                .encrypt(&data[..], &mut message, provider())
                .unwrap();
            let mut out = Vec::new();
            let report = decrypt_unverified(
                Trickle {
                    inner: &message[..],
                    step: 777,
                },
                &mut out,
                &StreamCredentials::new().kek(KEK_ID, &KEK),
                provider(),
            )
            .unwrap();
            assert_eq!(out, data, "{encryption} {size}");
            assert_eq!(report.content_len(), size as u64);
            assert_eq!(report.content_encryption(), encryption);
            assert_eq!(
                report.is_authenticated(),
                matches!(encryption, ContentEncryption::Aead(_))
            );
        }
    }
}

fn labelled(label: &str) -> x509_cert::attr::Attribute {
    let value = der::Any::encode_from(&der::asn1::Utf8StringRef::new(label).unwrap()).unwrap();
    x509_cert::attr::Attribute {
        oid: der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
        values: der::asn1::SetOfVec::try_from(vec![value]).unwrap(),
    }
}

/// authAttrs come after the ciphertext and are AES-GCM's additional data: both decryptions
/// fold them into the tag at the end, and a changed attribute fails the tag.
#[test]
fn auth_attributes_after_the_ciphertext_are_authenticated() {
    let data = content(70_001);
    let message = EnvelopeBuilder::new(&data)
        .content_encryption(ContentEncryption::Aead(AeadCipher::Aes256Gcm))
        .add_recipient(RecipientBuilder::kek(KEK_ID.to_vec(), &KEK))
        .auth_attribute(labelled("covered by the tag"))
        .build(provider())
        .unwrap();
    let credentials = StreamCredentials::new().kek(KEK_ID, &KEK);
    let mut out = Vec::new();
    smime_stream::decrypt(&message[..], &mut out, &credentials, provider()).unwrap();
    assert_eq!(out, data);
    let mut out = Vec::new();
    decrypt_unverified(&message[..], &mut out, &credentials, provider()).unwrap();
    assert_eq!(out, data);

    // Same length, one letter changed in the attribute's value.
    let at = message
        .windows(5)
        .position(|w| w == b"cover")
        .expect("the attribute is in the message");
    let mut bad = message.clone();
    bad[at] = b'h';
    let mut out = Vec::new();
    let error = smime_stream::decrypt(&bad[..], &mut out, &credentials, provider()).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Cms(smime_cms::Error::ContentAuthenticationFailed)
        ),
        "{error:?}"
    );
    assert!(out.is_empty());
    let mut out = Vec::new();
    let error = decrypt_unverified(&bad[..], &mut out, &credentials, provider()).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Cms(smime_cms::Error::ContentAuthenticationFailed)
        ),
        "{error:?}"
    );
}

/// `decrypt_unverified` writes as it goes: a flipped ciphertext bit shows in the (discarded)
/// output, and the integrity error comes at the end; a flipped tag bit too.
#[test]
fn unverified_decrypt_reports_a_flipped_bit_at_the_end() {
    let data = content(150_000);
    let mut message = Vec::new();
    EnvelopeStream::new()
        .add_recipient(RecipientBuilder::kek(KEK_ID.to_vec(), &KEK))
        .encrypt(&data[..], &mut message, provider())
        .unwrap();
    let tag_at = message.len() - 6 - 1;
    for at in [message.len() / 2, tag_at] {
        let mut bad = message.clone();
        bad[at] ^= 0x01;
        let mut out = Vec::new();
        let error = decrypt_unverified(
            &bad[..],
            &mut out,
            &StreamCredentials::new().kek(KEK_ID, &KEK),
            provider(),
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                Error::Cms(smime_cms::Error::ContentAuthenticationFailed)
            ),
            "{error:?}"
        );
        // All the plaintext was released before the verdict: counter mode turns the flipped
        // ciphertext bit into the same flipped plaintext bit, and a bad tag changes nothing.
        assert_eq!(out.len(), data.len());
        let differences: Vec<(usize, u8)> = out
            .iter()
            .zip(&data)
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| (i, a ^ b))
            .collect();
        if at == tag_at {
            assert!(differences.is_empty());
        } else {
            assert_eq!(differences.len(), 1, "{differences:?}");
            assert_eq!(differences[0].1, 0x01);
        }
    }
}

#[test]
fn cbc_bad_padding_is_a_decryption_failure() {
    let data = content(1000);
    let mut message = Vec::new();
    EnvelopeStream::new()
        .content_encryption(ContentEncryption::Cbc(CbcCipher::Aes256))
        .add_recipient(RecipientBuilder::kek(KEK_ID.to_vec(), &KEK))
        .encrypt(&data[..], &mut message, provider())
        .unwrap();
    // 1000 octets end with 8 octets of padding 08. The message ends with the ciphertext, then
    // five end-of-contents pairs; flipping the octet 16 before the last ciphertext octet
    // turns the last padding octet into F7, which no padding check accepts.
    let at = message.len() - 10 - 1 - 16;
    let mut bad = message.clone();
    bad[at] ^= 0xFF;
    let error = smime_stream::decrypt(
        &bad[..],
        std::io::sink(),
        &StreamCredentials::new().kek(KEK_ID, &KEK),
        provider(),
    )
    .unwrap_err();
    assert!(
        matches!(error, Error::Cms(smime_cms::Error::ContentDecryptionFailed)),
        "{error:?}"
    );
}

#[test]
fn wrong_credentials_are_typed_errors() {
    let mut message = Vec::new();
    EnvelopeStream::new()
        .add_recipient(RecipientBuilder::certificate(rsa().certificate.clone()))
        .encrypt(&b"secret"[..], &mut message, provider())
        .unwrap();
    let error = smime_stream::decrypt(
        &message[..],
        std::io::sink(),
        &StreamCredentials::new().private_key(&ec().certificate, ec().key.as_ref()),
        provider(),
    )
    .unwrap_err();
    assert!(matches!(error, Error::Cms(_)), "{error:?}");
    // The key does not belong to the certificate.
    let error = smime_stream::decrypt(
        &message[..],
        std::io::sink(),
        &StreamCredentials::new().private_key(&rsa().certificate, ec().key.as_ref()),
        provider(),
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Cms(smime_cms::Error::CredentialKeyMismatch { credential: 0 })
        ),
        "{error:?}"
    );
}

fn openssl(args: &[&str], dir: &Path) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn openssl_stream_encryption_decrypts_streaming() {
    let data = content(12 << 20);
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in.bin");
    std::fs::write(&input, &data).unwrap();
    for (cipher, identity) in [
        ("-aes-256-gcm", rsa()),
        ("-aes256", ec()),
        ("-aes-128-gcm", ec()),
    ] {
        let encrypted = work.path().join("enc.der");
        openssl(
            &[
                "cms",
                "-encrypt",
                "-stream",
                "-binary",
                cipher,
                "-outform",
                "DER",
                "-in",
                input.to_str().unwrap(),
                "-out",
                encrypted.to_str().unwrap(),
                identity.dir.path().join("cert.pem").to_str().unwrap(),
            ],
            work.path(),
        );
        let mut out = Vec::new();
        let report = smime_stream::decrypt(
            std::fs::File::open(&encrypted).unwrap(),
            &mut out,
            &StreamCredentials::new().private_key(&identity.certificate, identity.key.as_ref()),
            provider(),
        )
        .unwrap();
        assert!(out == data, "{cipher}");
        assert_eq!(report.is_authenticated(), cipher.contains("gcm"));
    }
}

#[test]
fn stream_encryption_decrypts_with_openssl() {
    let data = content(12 << 20);
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in.bin");
    std::fs::write(&input, &data).unwrap();
    for (encryption, identity) in [
        (ContentEncryption::Aead(AeadCipher::Aes256Gcm), rsa()),
        (ContentEncryption::Cbc(CbcCipher::Aes128), ec()),
        (ContentEncryption::Aead(AeadCipher::Aes128Gcm), ec()),
    ] {
        let encrypted = work.path().join("enc.der");
        EnvelopeStream::new()
            .content_encryption(encryption)
            .add_recipient(RecipientBuilder::certificate(identity.certificate.clone()))
            .encrypt(
                std::fs::File::open(&input).unwrap(),
                std::fs::File::create(&encrypted).unwrap(),
                provider(),
            )
            .unwrap();
        let out = work.path().join("out.bin");
        let dir = identity.dir.path();
        openssl(
            &[
                "cms",
                "-decrypt",
                "-binary",
                "-inform",
                "DER",
                "-in",
                encrypted.to_str().unwrap(),
                "-out",
                out.to_str().unwrap(),
                "-recip",
                dir.join("cert.pem").to_str().unwrap(),
                "-inkey",
                dir.join("key.pem").to_str().unwrap(),
            ],
            work.path(),
        );
        assert!(std::fs::read(&out).unwrap() == data, "{encryption}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn round_trip_with_any_chunking(
        data in proptest::collection::vec(any::<u8>(), 0..5000),
        chunk in 16usize..2000,
        step in 1usize..3000,
        gcm in any::<bool>(),
    ) {
        let encryption = if gcm {
            ContentEncryption::Aead(AeadCipher::Aes256Gcm)
        } else {
            ContentEncryption::Cbc(CbcCipher::Aes192)
        };
        let mut message = Vec::new();
        EnvelopeStream::new()
            .content_encryption(encryption)
            .add_recipient(RecipientBuilder::kek(KEK_ID.to_vec(), &KEK))
            .chunk_size(chunk)
            .encrypt(Trickle { inner: &data[..], step }, &mut message, provider())
            .unwrap();
        let mut out = Vec::new();
        smime_stream::decrypt(
            Trickle { inner: &message[..], step },
            &mut out,
            &StreamCredentials::new().kek(KEK_ID, &KEK),
            provider(),
        )
        .unwrap();
        prop_assert_eq!(&out, &data);
        let one_shot = smime_cms::decrypt(
            &message,
            &DecryptOptions::new().kek(KEK_ID, &KEK),
            provider(),
        )
        .unwrap();
        prop_assert_eq!(one_shot.content(), &data[..]);
    }

    #[test]
    fn arbitrary_input_never_panics(input in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = smime_stream::decrypt(
            &input[..],
            std::io::sink(),
            &StreamCredentials::new().kek(KEK_ID, &KEK),
            provider(),
        );
    }
}

#[test]
fn unknown_content_encryption_names_its_oid() {
    let mut message = Vec::new();
    EnvelopeStream::new()
        .content_encryption(ContentEncryption::Cbc(CbcCipher::Aes256))
        .add_recipient(RecipientBuilder::kek(KEK_ID.to_vec(), &KEK))
        .encrypt(&content(100)[..], &mut message, provider())
        .unwrap();
    // aes256-CBC (2.16.840.1.101.3.4.1.42) becomes the unassigned arc …1.99. (The KEK
    // recipient's id-aes256-wrap is …1.45, so only the content algorithm matches.)
    let aes256_cbc = [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a,
    ];
    let at = message
        .windows(aes256_cbc.len())
        .position(|w| w == aes256_cbc)
        .unwrap();
    let mut unknown = message.clone();
    unknown[at + aes256_cbc.len() - 1] = 99;
    let mut plaintext = Vec::new();
    let error = smime_stream::decrypt(
        &unknown[..],
        &mut plaintext,
        &StreamCredentials::new().kek(KEK_ID, &KEK),
        provider(),
    )
    .unwrap_err();
    match &error {
        Error::Cms(smime_cms::Error::UnsupportedContentEncryption { algorithm }) => {
            assert!(algorithm.contains("2.16.840.1.101.3.4.1.99"), "{algorithm}");
        }
        other => panic!("unexpected error: {other:?}"),
    }
    assert!(
        error
            .to_string()
            .starts_with("unsupported content encryption"),
        "{error}"
    );
    assert!(plaintext.is_empty());
}

/// The content cipher comes from the provider's incremental AES-CTR / CBC: a message streamed
/// out with each provider opens, streamed or one-shot, with each other provider, for every
/// AES key size and a chunk size that is not a multiple of the block.
#[test]
fn every_provider_streams_for_every_other() {
    let ciphers = [
        ContentEncryption::Aead(AeadCipher::Aes128Gcm),
        ContentEncryption::Aead(AeadCipher::Aes192Gcm),
        ContentEncryption::Aead(AeadCipher::Aes256Gcm),
        ContentEncryption::Cbc(CbcCipher::Aes128),
        ContentEncryption::Cbc(CbcCipher::Aes192),
        ContentEncryption::Cbc(CbcCipher::Aes256),
    ];
    let data = content(70_001);
    let credentials = StreamCredentials::new().kek(KEK_ID, &KEK);
    for encryption in ciphers {
        for sender in smime_crypto::all_providers() {
            let mut message = Vec::new();
            EnvelopeStream::new()
                .content_encryption(encryption)
                .add_recipient(RecipientBuilder::kek(KEK_ID.to_vec(), &KEK))
                .chunk_size(4099)
                .encrypt(&data[..], &mut message, sender)
                .unwrap();
            for receiver in smime_crypto::all_providers() {
                let what = format!("{encryption} {} -> {}", sender.name(), receiver.name());
                let one_shot = smime_cms::decrypt(
                    &message,
                    &DecryptOptions::new().kek(KEK_ID, &KEK),
                    receiver,
                )
                .unwrap();
                assert!(one_shot.content() == &data[..], "{what}");
                for unverified in [false, true] {
                    let mut out = Vec::new();
                    let input = Trickle {
                        inner: &message[..],
                        step: 1009,
                    };
                    if unverified {
                        decrypt_unverified(input, &mut out, &credentials, receiver).unwrap();
                    } else {
                        smime_stream::decrypt(input, &mut out, &credentials, receiver).unwrap();
                    }
                    assert!(out == data, "{what} unverified {unverified}");
                }
            }
        }
    }
}
