//! EnvelopedData (AES-256-CBC) and AuthEnvelopedData (AES-256-GCM) encrypt and decrypt of 50 KB
//! and 10 MB, to an RSA-2048 (PKCS#1 v1.5 key transport) and a P-256 (ECDH, X9.63 SHA-256 KDF,
//! AES key wrap) recipient, every provider, each next to the provider's primitive operations for
//! the same work (one RSA or ECDH key operation, the key wrap for ECDH, and the content cipher)
//! and, with `--features openssl-compare`, the `openssl` crate's CMS in the same group.
//! Encryption has two smime-cms rows: `smime-cms`, the one-shot call that checks the
//! recipient's certificate for every message, and `smime-cms-prepared`, the loop of a caller that
//! prepares the recipient once (`PreparedRecipient`) and sends it many messages.
//!
//! `cargo bench --bench enveloped_data --all-features`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark set-up: a failure should stop the run loudly"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use smime_cms::{
    Certificate, ContentEncryption, DecryptOptions, EnvelopeBuilder, PreparedRecipient,
    RecipientBuilder,
};
use smime_crypto::{
    AeadCipher, CbcCipher, CryptoProvider, EcCurve, KeyKind, PrivateKey, PublicKey,
    RsaEncryptionPadding,
};
use smime_x509::builder::TestIdentity;

/// The content-encryption key length of AES-256 (and the key-wrap KEK of the P-256 recipient).
const KEY_LEN: usize = 32;
/// RFC 5084 §3.2: the nonce length we send.
const NONCE_LEN: usize = 12;
/// RFC 5084 §3.2: the tag length we send.
const TAG_LEN: usize = 16;

struct Recipient {
    name: &'static str,
    certificate: Certificate,
    public_key: PublicKey,
    key_pem: Vec<u8>,
    cert_pem: Vec<u8>,
}

#[derive(Clone, Copy)]
enum Cipher {
    Gcm,
    Cbc,
}

impl Cipher {
    fn name(self) -> &'static str {
        match self {
            Cipher::Gcm => "aes256gcm",
            Cipher::Cbc => "aes256cbc",
        }
    }

    fn content_encryption(self) -> ContentEncryption {
        match self {
            Cipher::Gcm => ContentEncryption::Aead(AeadCipher::Aes256Gcm),
            Cipher::Cbc => ContentEncryption::Cbc(CbcCipher::Aes256),
        }
    }
}

fn recipients() -> Vec<Recipient> {
    let provider = smime_crypto::rustcrypto::provider();
    [
        ("rsa2048", KeyKind::Rsa { modulus_bits: 2048 }),
        (
            "p256",
            KeyKind::Ec {
                curve: EcCurve::P256,
            },
        ),
    ]
    .into_iter()
    .map(|(name, kind)| {
        let identity = TestIdentity::self_signed(provider, "bench@example.org", kind).unwrap();
        Recipient {
            name,
            certificate: identity.certificate().x509().clone(),
            public_key: identity.private_key().public_key().clone(),
            key_pem: identity.private_key_pem().unwrap().as_bytes().to_vec(),
            cert_pem: identity.certificate_pem().unwrap().into_bytes(),
        }
    })
    .collect()
}

/// One message to the holder of a certificate the caller keeps: the certificate is borrowed
/// (`add_certificate_recipient`, as `smime_cms::encrypt` does), and parsed and checked for
/// this message. (Until `add_certificate_recipient` existed, this row cloned the certificate
/// into a `RecipientBuilder`: about 4,000 instructions more per message.)
fn encrypt(
    provider: &dyn CryptoProvider,
    recipient: &Recipient,
    cipher: Cipher,
    content: &[u8],
) -> Vec<u8> {
    EnvelopeBuilder::new(content)
        .content_encryption(cipher.content_encryption())
        .add_certificate_recipient(&recipient.certificate)
        .build(provider)
        .unwrap()
}

/// As [`encrypt`], with a recipient prepared once ([`PreparedRecipient`]): what a caller that
/// sends many messages to the same people (a mail gateway, a batch job, a mailing list) keeps
/// between messages, so that its loop pays only the per-message work.
fn encrypt_prepared(
    provider: &dyn CryptoProvider,
    recipient: &PreparedRecipient,
    cipher: Cipher,
    content: &[u8],
) -> Vec<u8> {
    EnvelopeBuilder::new(content)
        .content_encryption(cipher.content_encryption())
        .add_prepared_recipient(recipient)
        .build(provider)
        .unwrap()
}

/// What the key management of one message costs the primitives: the wrapped key (RSA
/// ciphertext, or the AES-wrapped key with the ephemeral public key).
enum WrappedKey {
    Rsa(Vec<u8>),
    Ecdh {
        ephemeral: PublicKey,
        wrapped: Vec<u8>,
    },
}

/// The primitives of encryption: a fresh CEK and IV, one RSA encryption (or one ECDH with an
/// ephemeral key plus the key wrap; the X9.63 KDF is one SHA-256 block, left out), and the
/// content cipher over a copy of the content.
fn primitives_encrypt(
    provider: &dyn CryptoProvider,
    recipient: &PublicKey,
    cipher: Cipher,
    content: &[u8],
) -> (WrappedKey, Vec<u8>) {
    let mut cek = [0u8; KEY_LEN];
    provider.fill_random(&mut cek).unwrap();
    let wrapped = match recipient.kind() {
        KeyKind::Rsa { .. } => WrappedKey::Rsa(
            provider
                .rsa_encrypt(RsaEncryptionPadding::Pkcs1v15, recipient, &cek)
                .unwrap(),
        ),
        _ => {
            let agreement = provider.ecdh_ephemeral(recipient).unwrap();
            let kek = agreement.shared_secret.get(..KEY_LEN).unwrap();
            WrappedKey::Ecdh {
                wrapped: provider.key_wrap(kek, &cek).unwrap(),
                ephemeral: agreement.public_key,
            }
        }
    };
    let ciphertext = match cipher {
        Cipher::Gcm => {
            let mut nonce = [0u8; NONCE_LEN];
            provider.fill_random(&mut nonce).unwrap();
            let mut buffer = content.to_vec();
            let tag = provider
                .aead_seal_in_place(
                    AeadCipher::Aes256Gcm,
                    &cek,
                    &nonce,
                    &[],
                    &mut buffer,
                    TAG_LEN,
                )
                .unwrap();
            buffer.extend_from_slice(&tag);
            buffer
        }
        Cipher::Cbc => {
            let mut iv = [0u8; 16];
            provider.fill_random(&mut iv).unwrap();
            provider
                .cbc_encrypt(CbcCipher::Aes256, &cek, &iv, content)
                .unwrap()
        }
    };
    (wrapped, ciphertext)
}

/// The primitives of decryption: one RSA decryption (or one ECDH plus the key unwrap) and the
/// content cipher over a copy of the ciphertext.
fn primitives_decrypt(
    key: &dyn PrivateKey,
    provider: &dyn CryptoProvider,
    wrapped: &WrappedKey,
    cipher: Cipher,
    ciphertext: &[u8],
) -> usize {
    let cek = match wrapped {
        WrappedKey::Rsa(encrypted) => key
            .decrypt_key(RsaEncryptionPadding::Pkcs1v15, encrypted, KEY_LEN)
            .unwrap(),
        WrappedKey::Ecdh { ephemeral, wrapped } => {
            let shared = key.agree(ephemeral).unwrap();
            provider
                .key_unwrap(shared.get(..KEY_LEN).unwrap(), wrapped)
                .unwrap()
        }
    };
    match cipher {
        Cipher::Gcm => {
            let (body, tag) = ciphertext.split_at(ciphertext.len() - TAG_LEN);
            let mut buffer = body.to_vec();
            provider
                .aead_open_in_place(
                    AeadCipher::Aes256Gcm,
                    &cek,
                    &[0u8; NONCE_LEN],
                    &[],
                    &mut buffer,
                    tag,
                )
                .unwrap();
            buffer.len()
        }
        Cipher::Cbc => provider
            .cbc_decrypt(CbcCipher::Aes256, &cek, &[0u8; 16], ciphertext)
            .unwrap()
            .len(),
    }
}

/// A ciphertext that `primitives_decrypt` accepts: the same key agreement, fixed zero IV/nonce.
fn primitives_ciphertext(
    provider: &dyn CryptoProvider,
    recipient: &PublicKey,
    cipher: Cipher,
    content: &[u8],
) -> (WrappedKey, Vec<u8>) {
    let mut cek = [0u8; KEY_LEN];
    provider.fill_random(&mut cek).unwrap();
    let wrapped = match recipient.kind() {
        KeyKind::Rsa { .. } => WrappedKey::Rsa(
            provider
                .rsa_encrypt(RsaEncryptionPadding::Pkcs1v15, recipient, &cek)
                .unwrap(),
        ),
        _ => {
            let agreement = provider.ecdh_ephemeral(recipient).unwrap();
            WrappedKey::Ecdh {
                wrapped: provider
                    .key_wrap(agreement.shared_secret.get(..KEY_LEN).unwrap(), &cek)
                    .unwrap(),
                ephemeral: agreement.public_key,
            }
        }
    };
    let ciphertext = match cipher {
        Cipher::Gcm => {
            let mut buffer = content.to_vec();
            let tag = provider
                .aead_seal_in_place(
                    AeadCipher::Aes256Gcm,
                    &cek,
                    &[0u8; NONCE_LEN],
                    &[],
                    &mut buffer,
                    TAG_LEN,
                )
                .unwrap();
            buffer.extend_from_slice(&tag);
            buffer
        }
        Cipher::Cbc => provider
            .cbc_encrypt(CbcCipher::Aes256, &cek, &[0u8; 16], content)
            .unwrap(),
    };
    (wrapped, ciphertext)
}

fn bench(c: &mut Criterion) {
    let recipients = recipients();
    for (size_name, size) in [("50k", 50 * 1024), ("10m", 10 * 1024 * 1024)] {
        let content: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        for recipient in &recipients {
            for cipher in [Cipher::Gcm, Cipher::Cbc] {
                let group_name = format!("{size_name}/{}/{}", recipient.name, cipher.name());
                let keys: Vec<(&dyn CryptoProvider, Arc<dyn PrivateKey>)> =
                    smime_crypto::all_providers()
                        .into_iter()
                        .map(|provider| {
                            let key =
                                smime_crypto::load_private_key(provider, &recipient.key_pem, None)
                                    .unwrap();
                            (provider, key)
                        })
                        .collect();

                let mut group = c.benchmark_group(format!("encrypt/{group_name}"));
                group.throughput(Throughput::Bytes(size as u64));
                if size > 1024 * 1024 {
                    group.sample_size(10);
                }
                // "smime-cms" is the one-shot call: the certificate is parsed and checked for
                // every message, as a client that encrypts one message at a time does. "smime-cms-prepared" is the loop of a
                // caller that encrypts many messages to the same recipient and prepares it
                // once (parsed key, checked keyUsage, capabilities, encoded identifier); the
                // preparation is outside the measured loop, as it is outside that caller's.
                let prepared = PreparedRecipient::new(&RecipientBuilder::certificate(
                    recipient.certificate.clone(),
                ))
                .unwrap();
                for (provider, _) in &keys {
                    group.bench_function(BenchmarkId::new("smime-cms", provider.name()), |b| {
                        b.iter(|| encrypt(*provider, recipient, cipher, black_box(&content)))
                    });
                    group.bench_function(
                        BenchmarkId::new("smime-cms-prepared", provider.name()),
                        |b| {
                            b.iter(|| {
                                encrypt_prepared(*provider, &prepared, cipher, black_box(&content))
                            })
                        },
                    );
                    group.bench_function(BenchmarkId::new("primitives", provider.name()), |b| {
                        b.iter(|| {
                            primitives_encrypt(
                                *provider,
                                &recipient.public_key,
                                cipher,
                                black_box(&content),
                            )
                        })
                    });
                }
                #[cfg(feature = "openssl-compare")]
                {
                    let ossl = openssl_compare::Identity::new(recipient);
                    group.bench_function("openssl-crate", |b| {
                        b.iter(|| ossl.encrypt(cipher, black_box(&content)))
                    });
                }
                group.finish();

                let mut group = c.benchmark_group(format!("decrypt/{group_name}"));
                group.throughput(Throughput::Bytes(size as u64));
                if size > 1024 * 1024 {
                    group.sample_size(10);
                }
                for (provider, key) in &keys {
                    let message = encrypt(*provider, recipient, cipher, &content);
                    let options =
                        DecryptOptions::new().private_key(&recipient.certificate, key.as_ref());
                    assert_eq!(
                        smime_cms::decrypt(&message, &options, *provider)
                            .unwrap()
                            .content(),
                        content.as_slice()
                    );
                    group.bench_function(BenchmarkId::new("smime-cms", provider.name()), |b| {
                        b.iter(|| {
                            smime_cms::decrypt(black_box(&message), &options, *provider).unwrap()
                        })
                    });
                    let (wrapped, ciphertext) =
                        primitives_ciphertext(*provider, &recipient.public_key, cipher, &content);
                    assert_eq!(
                        primitives_decrypt(key.as_ref(), *provider, &wrapped, cipher, &ciphertext),
                        content.len()
                    );
                    group.bench_function(BenchmarkId::new("primitives", provider.name()), |b| {
                        b.iter(|| {
                            primitives_decrypt(
                                key.as_ref(),
                                *provider,
                                &wrapped,
                                cipher,
                                black_box(&ciphertext),
                            )
                        })
                    });
                }
                #[cfg(feature = "openssl-compare")]
                {
                    let ossl = openssl_compare::Identity::new(recipient);
                    let message = ossl.encrypt(cipher, &content);
                    assert_eq!(ossl.decrypt(&message), content);
                    group.bench_function("openssl-crate", |b| {
                        b.iter(|| ossl.decrypt(black_box(&message)))
                    });
                }
                group.finish();
            }
        }
    }
}

#[cfg(feature = "openssl-compare")]
mod openssl_compare {
    use openssl::cms::{CMSOptions, CmsContentInfo};
    use openssl::pkey::{PKey, Private};
    use openssl::stack::Stack;
    use openssl::symm;
    use openssl::x509::X509;

    use super::{Cipher, Recipient};

    pub(crate) struct Identity {
        certificate: X509,
        key: PKey<Private>,
        recipients: Stack<X509>,
    }

    impl Identity {
        pub(crate) fn new(recipient: &Recipient) -> Self {
            let certificate = X509::from_pem(&recipient.cert_pem).unwrap();
            let mut recipients = Stack::new().unwrap();
            recipients.push(certificate.clone()).unwrap();
            Self {
                certificate,
                key: PKey::private_key_from_pem(&recipient.key_pem).unwrap(),
                recipients,
            }
        }

        /// Binary content, DER output (as smime-cms).
        pub(crate) fn encrypt(&self, cipher: Cipher, content: &[u8]) -> Vec<u8> {
            let cipher = match cipher {
                Cipher::Gcm => symm::Cipher::aes_256_gcm(),
                Cipher::Cbc => symm::Cipher::aes_256_cbc(),
            };
            CmsContentInfo::encrypt(&self.recipients, content, cipher, CMSOptions::BINARY)
                .unwrap()
                .to_der()
                .unwrap()
        }

        /// Parse the DER and decrypt with the key and its certificate.
        pub(crate) fn decrypt(&self, message: &[u8]) -> Vec<u8> {
            CmsContentInfo::from_der(message)
                .unwrap()
                .decrypt(&self.key, &self.certificate)
                .unwrap()
        }
    }
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
