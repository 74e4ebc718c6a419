//! Encrypt, then decrypt: every recipient kind × content cipher × provider (an exhaustive
//! pass, then proptest over content, several recipients and options), with the report of
//! what protected the content checked; and how the builder chooses and refuses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;

use common::{Leaf, Pki, providers};
use proptest::prelude::*;
use smime_cms::attributes::{SmimeCapabilities, SmimeCapability};
use smime_cms::{
    ContentEncryption, DecryptOptions, EnvelopeBuilder, EnvelopeKind, Error, KeyManagement,
    KeyWrap, RecipientBuilder, RecipientIdentifier,
};
use smime_crypto::{
    AeadCipher, CbcCipher, CryptoProvider, DigestAlgorithm, EcCurve, RsaEncryptionPadding,
};

/// The kinds of recipient a message can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    RsaV15,
    RsaOaepSha1,
    RsaOaepSha256,
    P256,
    P384,
    P256Sha512WithUkm,
    Kek16,
    Kek24,
    Kek32,
    Password,
}

const KINDS: [Kind; 10] = [
    Kind::RsaV15,
    Kind::RsaOaepSha1,
    Kind::RsaOaepSha256,
    Kind::P256,
    Kind::P384,
    Kind::P256Sha512WithUkm,
    Kind::Kek16,
    Kind::Kek24,
    Kind::Kek32,
    Kind::Password,
];

const CIPHERS: [ContentEncryption; 6] = [
    ContentEncryption::Aead(AeadCipher::Aes128Gcm),
    ContentEncryption::Aead(AeadCipher::Aes192Gcm),
    ContentEncryption::Aead(AeadCipher::Aes256Gcm),
    ContentEncryption::Cbc(CbcCipher::Aes128),
    ContentEncryption::Cbc(CbcCipher::Aes192),
    ContentEncryption::Cbc(CbcCipher::Aes256),
];

const PASSWORD: &[u8] = "pässwörd 🔑".as_bytes();
const ITERATIONS: u32 = 1000;

fn oaep(digest: DigestAlgorithm) -> RsaEncryptionPadding {
    RsaEncryptionPadding::Oaep {
        digest,
        mgf_digest: digest,
    }
}

impl Kind {
    fn leaf(self) -> Option<Leaf> {
        match self {
            Kind::RsaV15 => Some(Leaf::Rsa2048),
            Kind::RsaOaepSha1 => Some(Leaf::Rsa3072),
            Kind::RsaOaepSha256 => Some(Leaf::Rsa4096),
            Kind::P256 | Kind::P256Sha512WithUkm => Some(Leaf::P256),
            Kind::P384 => Some(Leaf::P384),
            _ => None,
        }
    }

    fn kek(self) -> Option<Vec<u8>> {
        let len = match self {
            Kind::Kek16 => 16,
            Kind::Kek24 => 24,
            Kind::Kek32 => 32,
            _ => return None,
        };
        Some((0..len).map(|i| 0xA0 ^ i as u8).collect())
    }

    fn key_identifier(self) -> Vec<u8> {
        format!("{self:?}").into_bytes()
    }

    fn recipient(self, ski: bool) -> RecipientBuilder {
        let pki = Pki::get();
        if let Some(kek) = self.kek() {
            return RecipientBuilder::kek(self.key_identifier(), &kek);
        }
        let builder = match self {
            Kind::Password => {
                return RecipientBuilder::password(PASSWORD).pbkdf2_iterations(ITERATIONS);
            }
            _ => RecipientBuilder::certificate(pki.cert(self.leaf().unwrap()))
                .subject_key_identifier(ski),
        };
        match self {
            Kind::RsaOaepSha1 => builder.rsa_padding(oaep(DigestAlgorithm::Sha1)),
            Kind::RsaOaepSha256 => builder.rsa_padding(oaep(DigestAlgorithm::Sha256)),
            Kind::P256Sha512WithUkm => builder
                .key_derivation(DigestAlgorithm::Sha512)
                .user_keying_material(vec![0x55; 64]),
            _ => builder,
        }
    }

    fn expected(self, encryption: ContentEncryption) -> KeyManagement {
        let wrap = KeyWrap::for_kek_len(encryption.key_len()).unwrap();
        match self {
            Kind::RsaV15 => KeyManagement::KeyTransport {
                padding: RsaEncryptionPadding::Pkcs1v15,
            },
            Kind::RsaOaepSha1 => KeyManagement::KeyTransport {
                padding: oaep(DigestAlgorithm::Sha1),
            },
            Kind::RsaOaepSha256 => KeyManagement::KeyTransport {
                padding: oaep(DigestAlgorithm::Sha256),
            },
            Kind::P256 => KeyManagement::KeyAgreement {
                curve: EcCurve::P256,
                kdf: DigestAlgorithm::Sha256,
                cofactor: false,
                key_wrap: wrap,
            },
            Kind::P384 => KeyManagement::KeyAgreement {
                curve: EcCurve::P384,
                kdf: DigestAlgorithm::Sha384,
                cofactor: false,
                key_wrap: wrap,
            },
            Kind::P256Sha512WithUkm => KeyManagement::KeyAgreement {
                curve: EcCurve::P256,
                kdf: DigestAlgorithm::Sha512,
                cofactor: false,
                key_wrap: wrap,
            },
            Kind::Kek16 | Kind::Kek24 | Kind::Kek32 => KeyManagement::Kek {
                key_wrap: KeyWrap::for_kek_len(self.kek().unwrap().len()).unwrap(),
            },
            Kind::Password => KeyManagement::Password {
                prf: DigestAlgorithm::Sha256,
                iterations: ITERATIONS,
                key_encryption: match encryption.key_len() {
                    16 => CbcCipher::Aes128,
                    24 => CbcCipher::Aes192,
                    _ => CbcCipher::Aes256,
                },
            },
        }
    }

    /// Decrypts `message` as this recipient.
    fn decrypt(
        self,
        message: &[u8],
        provider: &dyn CryptoProvider,
    ) -> Result<smime_cms::Decrypted, Error> {
        let pki = Pki::get();
        if let Some(kek) = self.kek() {
            let id = self.key_identifier();
            return smime_cms::decrypt(message, &DecryptOptions::new().kek(&id, &kek), provider);
        }
        if self == Kind::Password {
            return smime_cms::decrypt(
                message,
                &DecryptOptions::new().password(PASSWORD),
                provider,
            );
        }
        let leaf = self.leaf().unwrap();
        let certificate = pki.cert(leaf);
        let key = pki.key(leaf, provider);
        smime_cms::decrypt(
            message,
            &DecryptOptions::new().private_key(&certificate, key.as_ref()),
            provider,
        )
    }
}

fn check(
    message: &[u8],
    kind: Kind,
    encryption: ContentEncryption,
    content: &[u8],
    provider: &dyn CryptoProvider,
) {
    let decrypted = kind
        .decrypt(message, provider)
        .unwrap_or_else(|e| panic!("{kind:?} {encryption} {}: {e}", provider.name()));
    assert_eq!(decrypted.content(), content);
    assert_eq!(decrypted.content_encryption(), encryption);
    assert_eq!(decrypted.is_authenticated(), encryption.is_authenticated());
    assert_eq!(
        decrypted.kind(),
        if encryption.is_authenticated() {
            EnvelopeKind::AuthEnvelopedData
        } else {
            EnvelopeKind::EnvelopedData
        }
    );
    assert_eq!(decrypted.key_management(), &kind.expected(encryption));
}

#[test]
fn every_kind_every_cipher_every_provider() {
    let content = b"Content-Type: text/plain\r\n\r\nround trip\r\n";
    for provider in providers() {
        for kind in KINDS {
            for (n, encryption) in CIPHERS.into_iter().enumerate() {
                let message = EnvelopeBuilder::new(content)
                    .content_encryption(encryption)
                    .add_recipient(kind.recipient(n % 2 == 0))
                    .build(provider)
                    .unwrap();
                check(&message, kind, encryption, content, provider);
            }
        }
    }
}

#[test]
fn versions_and_identifiers_follow_rfc_5652() {
    // EnvelopedData: 0 with only version-0 RecipientInfos (KTRI by issuer and serial), 2
    // with others, 3 with a PasswordRecipientInfo. AuthEnvelopedData: always 0.
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let cbc = ContentEncryption::Cbc(CbcCipher::Aes128);
    for (recipients, version) in [
        (vec![Kind::RsaV15.recipient(false)], 0u8),
        (vec![Kind::RsaV15.recipient(true)], 2),
        (vec![Kind::P256.recipient(false)], 2),
        (vec![Kind::Kek16.recipient(false)], 2),
        (
            vec![
                Kind::RsaV15.recipient(false),
                Kind::Password.recipient(false),
            ],
            3,
        ),
    ] {
        let message = recipients
            .into_iter()
            .fold(
                EnvelopeBuilder::new(b"x").content_encryption(cbc),
                |b, r| b.add_recipient(r),
            )
            .build(provider)
            .unwrap();
        let envelope = smime_cms::Envelope::parse(&message).unwrap();
        assert_eq!(envelope.version(), version);
        assert_eq!(envelope.kind(), EnvelopeKind::EnvelopedData);
    }
    let message = EnvelopeBuilder::new(b"x")
        .add_recipient(Kind::Password.recipient(false))
        .add_recipient(Kind::P384.recipient(true))
        .add_recipient(Kind::Kek32.recipient(false))
        .build(provider)
        .unwrap();
    let envelope = smime_cms::Envelope::parse(&message).unwrap();
    assert_eq!(envelope.version(), 0);
    assert_eq!(envelope.kind(), EnvelopeKind::AuthEnvelopedData);
    let recipients = envelope.recipients();
    assert_eq!(recipients.len(), 3);
    assert!(recipients.contains(&RecipientIdentifier::Password));
    assert!(recipients.contains(&RecipientIdentifier::KekIdentifier(b"Kek32".to_vec())));
    assert!(recipients.iter().any(
        |r| matches!(r, RecipientIdentifier::SubjectKeyIdentifier(_))
            && r.matches(&pki.cert(Leaf::P384))
    ));
    // The default content cipher is AES-256-GCM, written with a 16-byte tag.
    assert_eq!(
        envelope.content_encryption().unwrap(),
        ContentEncryption::Aead(AeadCipher::Aes256Gcm)
    );
}

fn capabilities(oids: &[&str]) -> SmimeCapabilities {
    SmimeCapabilities(
        oids.iter()
            .map(|oid| SmimeCapability::new(oid.parse().unwrap()))
            .collect(),
    )
}

const AES256_GCM: &str = "2.16.840.1.101.3.4.1.46";
const AES128_GCM: &str = "2.16.840.1.101.3.4.1.6";
const AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";
const AES128_CBC: &str = "2.16.840.1.101.3.4.1.2";
const DES_EDE3_CBC: &str = "1.2.840.113549.3.7";
const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";

#[test]
fn content_cipher_follows_capabilities() {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let with = |leaf: Leaf, oids: &[&str]| {
        RecipientBuilder::certificate(pki.cert(leaf)).capabilities(capabilities(oids))
    };
    for (recipients, expected) in [
        // Unknown capabilities, or capabilities without any content cipher: AES-256-GCM.
        (
            vec![RecipientBuilder::certificate(pki.cert(Leaf::Rsa2048))],
            Some(ContentEncryption::Aead(AeadCipher::Aes256Gcm)),
        ),
        (
            vec![with(Leaf::Rsa2048, &[SHA256_WITH_RSA])],
            Some(ContentEncryption::Aead(AeadCipher::Aes256Gcm)),
        ),
        // An older client: CBC only.
        (
            vec![with(Leaf::Rsa2048, &[AES256_CBC, AES128_CBC, DES_EDE3_CBC])],
            Some(ContentEncryption::Cbc(CbcCipher::Aes256)),
        ),
        // GCM preferred whenever every recipient reads it, even listed after CBC.
        (
            vec![with(Leaf::Rsa2048, &[AES128_CBC, AES128_GCM])],
            Some(ContentEncryption::Aead(AeadCipher::Aes128Gcm)),
        ),
        // Two recipients: the best cipher both read.
        (
            vec![
                with(Leaf::Rsa2048, &[AES256_GCM, AES128_CBC]),
                with(Leaf::P256, &[AES128_CBC, AES256_CBC]),
            ],
            Some(ContentEncryption::Cbc(CbcCipher::Aes128)),
        ),
        // A recipient without capabilities does not constrain the others.
        (
            vec![
                with(Leaf::Rsa2048, &[AES128_GCM]),
                RecipientBuilder::certificate(pki.cert(Leaf::P384)),
                Kind::Kek16.recipient(false),
            ],
            Some(ContentEncryption::Aead(AeadCipher::Aes128Gcm)),
        ),
        // Nothing in common that we send: an error that says who reads what.
        (vec![with(Leaf::Rsa2048, &[DES_EDE3_CBC])], None),
        (
            vec![
                with(Leaf::Rsa2048, &[AES256_GCM]),
                with(Leaf::P256, &[AES128_CBC]),
            ],
            None,
        ),
    ] {
        let builder = recipients.into_iter().fold(
            EnvelopeBuilder::new(b"hello"),
            EnvelopeBuilder::add_recipient,
        );
        match expected {
            Some(encryption) => {
                assert_eq!(builder.chosen_content_encryption().unwrap(), encryption);
                let message = builder.build(provider).unwrap();
                assert_eq!(
                    smime_cms::Envelope::parse(&message)
                        .unwrap()
                        .content_encryption()
                        .unwrap(),
                    encryption
                );
            }
            None => assert!(matches!(
                builder.build(provider).unwrap_err(),
                Error::NoCommonContentEncryption { .. }
            )),
        }
    }
    // The caller's choice wins over the capabilities.
    let builder = EnvelopeBuilder::new(b"x")
        .add_recipient(with(Leaf::Rsa2048, &[DES_EDE3_CBC]))
        .content_encryption(ContentEncryption::Cbc(CbcCipher::Aes192));
    assert_eq!(
        builder.chosen_content_encryption().unwrap(),
        ContentEncryption::Cbc(CbcCipher::Aes192)
    );
    // OAEP announced in the capabilities is used (with its parameters, or the defaults).
    let message = EnvelopeBuilder::new(b"x")
        .add_recipient(with(Leaf::Rsa2048, &["1.2.840.113549.1.1.7", AES256_GCM]))
        .build(provider)
        .unwrap();
    let key = pki.key(Leaf::Rsa2048, provider);
    let certificate = pki.cert(Leaf::Rsa2048);
    let decrypted = smime_cms::decrypt(
        &message,
        &DecryptOptions::new().private_key(&certificate, key.as_ref()),
        provider,
    )
    .unwrap();
    assert_eq!(
        decrypted.key_management(),
        &KeyManagement::KeyTransport {
            padding: oaep(DigestAlgorithm::Sha1)
        }
    );
}

#[test]
fn builder_refusals() {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let build = |recipient: RecipientBuilder| {
        EnvelopeBuilder::new(b"x")
            .add_recipient(recipient)
            .build(provider)
            .unwrap_err()
    };
    assert_eq!(
        EnvelopeBuilder::new(b"x").build(provider).unwrap_err(),
        Error::NoRecipientGiven
    );
    // RSA-1024 is too weak to encrypt to.
    assert!(matches!(
        build(RecipientBuilder::certificate(pki.cert(Leaf::Rsa1024))),
        Error::WeakRecipientKey { recipient: 0, .. }
    ));
    // keyUsage digitalSignature only: no keyEncipherment.
    assert_eq!(
        build(RecipientBuilder::certificate(pki.cert(Leaf::NoSki))),
        Error::RecipientKeyUsage {
            recipient: 0,
            needed: "keyEncipherment"
        }
    );
    // No subjectKeyIdentifier to name it by.
    assert_eq!(
        build(RecipientBuilder::certificate(pki.cert(Leaf::NoSki)).subject_key_identifier(true)),
        Error::NoRecipientSubjectKeyIdentifier { recipient: 0 }
    );
    // A KEK of a length no AES key wrap has; SHA-224 KDF; read-only ciphers.
    assert!(matches!(
        build(RecipientBuilder::kek(b"k".to_vec(), &[0; 20])),
        Error::InvalidKeyManagement { recipient: 0, .. }
    ));
    for encryption in [
        ContentEncryption::Cbc(CbcCipher::DesEde3),
        ContentEncryption::Rc2Cbc {
            effective_key_bits: 128,
        },
    ] {
        assert!(matches!(
            EnvelopeBuilder::new(b"x")
                .content_encryption(encryption)
                .add_recipient(Kind::Kek16.recipient(false))
                .build(provider)
                .unwrap_err(),
            Error::UnsupportedContentEncryption { .. }
        ));
    }
    // Authenticated attributes need AES-GCM.
    assert!(matches!(
        EnvelopeBuilder::new(b"x")
            .content_encryption(ContentEncryption::Cbc(CbcCipher::Aes128))
            .content_type(smime_cms::content_info::ID_SIGNED_DATA)
            .add_recipient(Kind::Kek16.recipient(false))
            .build(provider)
            .unwrap_err(),
        Error::InvalidAuthAttributes { .. }
    ));
}

#[test]
fn no_credentials_or_wrong_ones() {
    let provider = smime_crypto::default_provider();
    let message = EnvelopeBuilder::new(b"x")
        .add_recipient(Kind::Kek16.recipient(false))
        .build(provider)
        .unwrap();
    assert_eq!(
        smime_cms::decrypt(&message, &DecryptOptions::new(), provider).unwrap_err(),
        Error::NoMatchingRecipient
    );
    // A password does not open a KEK recipient; an RSA key neither.
    let pki = Pki::get();
    let key = pki.key(Leaf::Rsa2048, provider);
    let options = DecryptOptions::new()
        .password(b"pw")
        .private_key_without_certificate(key.as_ref());
    assert_eq!(
        smime_cms::decrypt(&message, &options, provider).unwrap_err(),
        Error::NoMatchingRecipient
    );
    // A KEK tried on every KEKRecipientInfo whatever its identifier.
    let kek = Kind::Kek16.kek().unwrap();
    let options = DecryptOptions::new()
        .kek(b"another id", &kek)
        .try_all_recipients(true);
    assert_eq!(
        smime_cms::decrypt(&message, &options, provider)
            .unwrap()
            .content(),
        b"x"
    );
}

/// One to three recipients, each holder at most once (the same certificate twice, with
/// other options, would be opened by its first RecipientInfo).
fn kinds() -> impl Strategy<Value = Vec<(Kind, bool)>> {
    prop::collection::vec((prop::sample::select(KINDS.to_vec()), any::<bool>()), 1..4).prop_map(
        |mut kinds| {
            let mut seen = Vec::new();
            kinds.retain(|(kind, _)| {
                let holder = (kind.leaf(), kind.kek(), *kind == Kind::Password);
                let new = !seen.contains(&holder);
                seen.push(holder);
                new
            });
            kinds
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn several_recipients_round_trip(
        content in prop::collection::vec(any::<u8>(), 0..3000),
        recipients in kinds(),
        cipher in prop::sample::select(CIPHERS.to_vec()),
        provider_index in 0usize..4,
    ) {
        let all = providers();
        let provider = all[provider_index % all.len()];
        let message = recipients
            .iter()
            .fold(
                EnvelopeBuilder::new(&content).content_encryption(cipher),
                |builder, (kind, ski)| builder.add_recipient(kind.recipient(*ski)),
            )
            .build(provider)
            .unwrap();
        // Every recipient opens it, on every provider (not only the one that sealed it).
        for (kind, _) in &recipients {
            for other in providers() {
                check(&message, *kind, cipher, &content, other);
            }
        }
    }
}
