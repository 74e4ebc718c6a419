//! The security requirements of EnvelopedData/AuthEnvelopedData, each with a test, on every
//! provider:
//!
//! - RSA PKCS #1 v1.5 implicit rejection end to end: a wrong-length or badly padded
//!   content-encryption key never shows before the content is decrypted, and with several
//!   RecipientInfos the work and the outcome do not depend on whether a padding was valid
//!   (the CVE-2019-1563 setup: one valid and one chosen RecipientInfo);
//! - AES-GCM: a changed bit in the ciphertext, tag, nonce or authenticated attributes is an
//!   integrity error and releases nothing; tag and nonce lengths are checked against
//!   GCMParameters;
//! - key unwrap rejects short or misaligned input with an error;
//! - every optional AlgorithmIdentifier parameter absent or malformed gives a typed error;
//! - caps on recipients, content size and PBKDF2 work.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;
mod enveloped_support;

use std::sync::Arc;

use common::{Leaf, Pki, openssl, providers};
use enveloped_support::{
    CountingKey, CountingProvider, Crafted, cbc, der, gcm, id_data, kekri, ktri,
    recipient_infos_of, rsa_encryption, tlv,
};
use smime_cms::budget::{MAX_CONTENT_LEN, MAX_RECIPIENTS};
use smime_cms::{ContentEncryption, DecryptOptions, EnvelopeBuilder, Error, RecipientBuilder};
use smime_crypto::{
    AeadCipher, CbcCipher, CryptoProvider, GcmParameters, PrivateKey, RsaEncryptionPadding,
};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::der::asn1::{SetOfVec, Utf8StringRef};
use x509_cert::der::{Any, Decode};

const CONTENT: &[u8] = b"Content-Type: text/plain\r\n\r\nWire 1,000,000 to account 42.\r\n";

/// How the "chosen" RecipientInfo of the CVE-2019-1563 setup is made.
#[derive(Clone, Copy, Debug)]
enum Chosen {
    /// Valid PKCS #1 v1.5 padding around a 16-byte key that is not the content key.
    ValidPaddingOtherKey,
    /// Valid padding around 15 bytes: the wrong length for AES-128.
    ValidPaddingWrongLength,
    /// Valid padding around an empty message.
    ValidPaddingEmpty,
    /// Invalid padding (block type 01, a signature's, where 02 is required), raw RSA.
    InvalidPadding,
}

const CHOSEN: [Chosen; 4] = [
    Chosen::ValidPaddingOtherKey,
    Chosen::ValidPaddingWrongLength,
    Chosen::ValidPaddingEmpty,
    Chosen::InvalidPadding,
];

/// An RSA ciphertext with invalid PKCS #1 v1.5 encryption padding for `leaf`'s key, made with
/// `openssl pkeyutl` without padding.
fn invalid_padding_ciphertext(leaf: Leaf) -> Vec<u8> {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    // 00 01 FF…FF 00 ‖ 16 key bytes: PKCS #1 v1.5 *signature* padding, invalid for
    // decryption (RFC 8017 §7.2.2 requires 00 02).
    let mut block = vec![0x00, 0x01];
    block.extend(std::iter::repeat_n(0xff, 256 - 3 - 16));
    block.push(0x00);
    block.extend([0x33; 16]);
    std::fs::write(dir.path().join("block.bin"), &block).unwrap();
    openssl(
        dir.path(),
        &[
            "pkeyutl",
            "-encrypt",
            "-certin",
            "-inkey",
            pki.cert_path(leaf).to_str().unwrap(),
            "-pkeyopt",
            "rsa_padding_mode:none",
            "-in",
            "block.bin",
            "-out",
            "c.bin",
        ],
    );
    std::fs::read(dir.path().join("c.bin")).unwrap()
}

fn chosen_ciphertext(chosen: Chosen, provider: &dyn CryptoProvider, leaf: Leaf) -> Vec<u8> {
    let public_key = Pki::get().key(leaf, provider).public_key().clone();
    let encrypt = |plaintext: &[u8]| {
        provider
            .rsa_encrypt(RsaEncryptionPadding::Pkcs1v15, &public_key, plaintext)
            .unwrap()
    };
    match chosen {
        Chosen::ValidPaddingOtherKey => encrypt(&[0x22; 16]),
        Chosen::ValidPaddingWrongLength => encrypt(&[0x11; 15]),
        Chosen::ValidPaddingEmpty => encrypt(&[]),
        Chosen::InvalidPadding => invalid_padding_ciphertext(leaf),
    }
}

/// What one decryption did: its outcome (recipient index and plaintext, or the error) and
/// its work (RSA decryptions, AEAD opens, CBC decryptions).
type Observation = (Result<(usize, Vec<u8>), Error>, (usize, usize, usize));

/// Decrypts with a counting key and provider; returns the outcome as (recipient index or
/// error) and the counts (RSA decryptions, AEAD opens, CBC decryptions).
fn observe(
    message: &[u8],
    provider: &'static dyn CryptoProvider,
    key: &Arc<dyn PrivateKey>,
    with_certificate: bool,
) -> Observation {
    let pki = Pki::get();
    let counting_key = CountingKey::new(Arc::clone(key));
    let counting_provider = CountingProvider::new(provider);
    let certificate = pki.cert(Leaf::Rsa2048);
    let options = if with_certificate {
        DecryptOptions::new().private_key(&certificate, &counting_key)
    } else {
        DecryptOptions::new().private_key_without_certificate(&counting_key)
    };
    let outcome = smime_cms::decrypt(message, &options, &counting_provider)
        .map(|d| (d.recipient_index(), d.content().to_vec()));
    let (aead, cbc, _) = counting_provider.counts();
    (outcome, (counting_key.counts().0, aead, cbc))
}

#[test]
fn implicit_rejection_wrong_length_key_fails_only_at_the_content() {
    // A lone RecipientInfo whose PKCS #1 v1.5 plaintext has the wrong length (or whose
    // padding is invalid): no RecipientInfo error, only the content's integrity error — the
    // same one a damaged ciphertext gives.
    let pki = Pki::get();
    let certificate = pki.cert(Leaf::Rsa2048);
    for provider in providers() {
        let key = pki.key(Leaf::Rsa2048, provider);
        let content_key = [0x44u8; 16];
        let (algorithm, ciphertext, tag) = gcm(provider, &content_key, CONTENT, &[]);
        for chosen in CHOSEN {
            let message = Crafted {
                recipient_infos: vec![ktri(
                    &certificate,
                    rsa_encryption(),
                    &chosen_ciphertext(chosen, provider, Leaf::Rsa2048),
                )],
                content_type: id_data(),
                algorithm: algorithm.clone(),
                ciphertext: Some(ciphertext.clone()),
                auth_attributes: None,
                mac: Some(tag.clone()),
            }
            .encode();
            for with_certificate in [true, false] {
                let (outcome, counts) = observe(&message, provider, &key, with_certificate);
                assert_eq!(
                    outcome,
                    Err(Error::ContentAuthenticationFailed),
                    "{chosen:?} on {}",
                    provider.name()
                );
                assert_eq!(counts, (1, 1, 0), "{chosen:?} on {}", provider.name());
            }
        }
        // The damaged-content baseline gives the very same error.
        let good = ktri(
            &certificate,
            rsa_encryption(),
            &provider
                .rsa_encrypt(
                    RsaEncryptionPadding::Pkcs1v15,
                    key.public_key(),
                    &content_key,
                )
                .unwrap(),
        );
        let mut damaged = ciphertext.clone();
        damaged[3] ^= 0x80;
        let message = Crafted {
            recipient_infos: vec![good],
            content_type: id_data(),
            algorithm: algorithm.clone(),
            ciphertext: Some(damaged),
            auth_attributes: None,
            mac: Some(tag.clone()),
        }
        .encode();
        let (outcome, counts) = observe(&message, provider, &key, true);
        assert_eq!(outcome, Err(Error::ContentAuthenticationFailed));
        assert_eq!(counts, (1, 1, 0));
    }
}

#[test]
fn implicit_rejection_cve_2019_1563_setup() {
    // One valid RecipientInfo and one chosen by the attacker, both for the victim's key. Try
    // every variant of the chosen one, in both positions, with and without the certificate:
    // the outcome and the work (RSA decryptions, content decryptions) must be the same
    // whether its padding is valid or not.
    let pki = Pki::get();
    let certificate = pki.cert(Leaf::Rsa2048);
    for provider in providers() {
        let key = pki.key(Leaf::Rsa2048, provider);
        let content_key = [0x44u8; 16];
        let (algorithm, ciphertext, tag) = gcm(provider, &content_key, CONTENT, &[]);
        let valid = ktri(
            &certificate,
            rsa_encryption(),
            &provider
                .rsa_encrypt(
                    RsaEncryptionPadding::Pkcs1v15,
                    key.public_key(),
                    &content_key,
                )
                .unwrap(),
        );
        for valid_first in [false, true] {
            for with_certificate in [true, false] {
                let mut observations = Vec::new();
                for chosen in CHOSEN {
                    let chosen_ri = ktri(
                        &certificate,
                        rsa_encryption(),
                        &chosen_ciphertext(chosen, provider, Leaf::Rsa2048),
                    );
                    let recipient_infos = if valid_first {
                        vec![valid.clone(), chosen_ri]
                    } else {
                        vec![chosen_ri, valid.clone()]
                    };
                    let message = Crafted {
                        recipient_infos,
                        content_type: id_data(),
                        algorithm: algorithm.clone(),
                        ciphertext: Some(ciphertext.clone()),
                        auth_attributes: None,
                        mac: Some(tag.clone()),
                    }
                    .encode();
                    observations
                        .push((chosen, observe(&message, provider, &key, with_certificate)));
                }
                let expected_index = usize::from(!valid_first);
                // Both RecipientInfos are always decrypted; the content is tried with the
                // chosen key only when it comes first.
                let expected_opens = if valid_first { 1 } else { 2 };
                for (chosen, (outcome, counts)) in &observations {
                    assert_eq!(
                        outcome,
                        &Ok((expected_index, CONTENT.to_vec())),
                        "{chosen:?}, valid first: {valid_first}, certificate: {with_certificate}, {}",
                        provider.name()
                    );
                    assert_eq!(
                        counts,
                        &(2, expected_opens, 0),
                        "{chosen:?}, valid first: {valid_first}, certificate: {with_certificate}, {}",
                        provider.name()
                    );
                }
            }
        }
    }
}

#[test]
fn implicit_rejection_with_cbc_content() {
    // Unauthenticated content: every PKCS #1 v1.5 candidate is tried, whatever its padding,
    // and the outcome is the valid key's plaintext — or, about once in 256 for any wrong key,
    // an ambiguity error (never a guess, and never a RecipientInfo error).
    let pki = Pki::get();
    let certificate = pki.cert(Leaf::Rsa2048);
    for provider in providers() {
        let key = pki.key(Leaf::Rsa2048, provider);
        let content_key = [0x55u8; 16];
        let (algorithm, ciphertext) = cbc(provider, &content_key, CONTENT);
        let valid = ktri(
            &certificate,
            rsa_encryption(),
            &provider
                .rsa_encrypt(
                    RsaEncryptionPadding::Pkcs1v15,
                    key.public_key(),
                    &content_key,
                )
                .unwrap(),
        );
        for chosen in CHOSEN {
            let message = Crafted {
                recipient_infos: vec![
                    ktri(
                        &certificate,
                        rsa_encryption(),
                        &chosen_ciphertext(chosen, provider, Leaf::Rsa2048),
                    ),
                    valid.clone(),
                ],
                content_type: id_data(),
                algorithm: algorithm.clone(),
                ciphertext: Some(ciphertext.clone()),
                auth_attributes: None,
                mac: None,
            }
            .encode();
            let (outcome, counts) = observe(&message, provider, &key, false);
            assert_eq!(counts, (2, 0, 2), "{chosen:?}");
            match outcome {
                Ok((index, plaintext)) => {
                    assert_eq!((index, plaintext.as_slice()), (1, CONTENT), "{chosen:?}");
                }
                Err(error) => assert_eq!(error, Error::AmbiguousRecipients { count: 2 }),
            }
        }
    }
}

/// An AuthEnvelopedData to a KEK with one authenticated attribute; returns the message and
/// the authenticated value's text.
fn sealed_to_kek(provider: &dyn CryptoProvider) -> Vec<u8> {
    let utf8 = Any::encode_from(&Utf8StringRef::new("approved-by-alice").unwrap()).unwrap();
    EnvelopeBuilder::new(CONTENT)
        .content_encryption(ContentEncryption::Aead(AeadCipher::Aes128Gcm))
        .add_recipient(RecipientBuilder::kek(b"k1".to_vec(), &[7; 16]))
        .auth_attribute(Attribute {
            oid: "1.3.6.1.4.1.99999.1".parse().unwrap(),
            values: SetOfVec::try_from(vec![utf8]).unwrap(),
        })
        .build(provider)
        .unwrap()
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
        .unwrap()
}

#[test]
fn gcm_flipped_bits_are_integrity_errors() {
    for provider in providers() {
        let message = sealed_to_kek(provider);
        let options = DecryptOptions::new().kek(b"k1", &[7; 16]);
        assert_eq!(
            smime_cms::decrypt(&message, &options, provider)
                .unwrap()
                .content(),
            CONTENT
        );
        let envelope = smime_cms::Envelope::parse(&message).unwrap();
        let (_, params) =
            AeadCipher::from_algorithm_identifier(&envelope.content_encryption_algorithm().into())
                .unwrap();
        let nonce_at = find(&message, &params.nonce);
        let attribute_at = find(&message, b"approved-by-alice");
        // No unauthAttrs: the message ends with the mac (04 10 + 16-byte tag), preceded by
        // the ciphertext.
        let tag_at = message.len() - 16;
        let ciphertext_at = tag_at - 2 - CONTENT.len();
        for (what, at) in [
            ("nonce", nonce_at),
            ("nonce (last byte)", nonce_at + 11),
            ("authenticated attribute", attribute_at),
            ("ciphertext (first byte)", ciphertext_at),
            ("ciphertext (last byte)", tag_at - 3),
            ("tag (first byte)", tag_at),
            ("tag (last byte)", message.len() - 1),
        ] {
            for bit in [0x01u8, 0x80] {
                let mut changed = message.clone();
                changed[at] ^= bit;
                assert_eq!(
                    smime_cms::decrypt(&changed, &options, provider).unwrap_err(),
                    Error::ContentAuthenticationFailed,
                    "{what}, bit {bit:#x}, {}",
                    provider.name()
                );
            }
        }
    }
}

#[test]
fn gcm_tag_and_nonce_lengths_follow_the_parameters() {
    for provider in providers() {
        let content_key = [0x66u8; 16];
        let wrapped = provider.key_wrap(&[7; 16], &content_key).unwrap();
        let recipient = kekri(b"k1", aes128_wrap(), &wrapped);
        let (_, ciphertext, tag) = gcm(provider, &content_key, CONTENT, &[]);
        let options = DecryptOptions::new().kek(b"k1", &[7; 16]);
        let make = |params: GcmParameters, mac: Vec<u8>| {
            let algorithm = AeadCipher::Aes128Gcm
                .to_algorithm_identifier(&params)
                .unwrap();
            Crafted {
                recipient_infos: vec![recipient.clone()],
                content_type: id_data(),
                algorithm: der(&algorithm),
                ciphertext: Some(ciphertext.clone()),
                auth_attributes: None,
                mac: Some(mac),
            }
            .encode()
        };
        // A 16-byte tag where the parameters announce 12 (the default), and a truncated one
        // where they announce 16: refused before any decryption.
        for (icv_len, mac) in [
            (12, tag.clone()),
            (16, tag[..12].to_vec()),
            (14, tag[..13].to_vec()),
        ] {
            let message = make(
                GcmParameters {
                    nonce: vec![0; 12],
                    icv_len,
                },
                mac,
            );
            assert!(matches!(
                smime_cms::decrypt(&message, &options, provider).unwrap_err(),
                Error::InvalidContentEncryption { .. }
            ));
        }
        // A nonce of another length than 12: unsupported, not a panic.
        for nonce_len in [1usize, 8, 16, 64] {
            let message = make(
                GcmParameters {
                    nonce: vec![0; nonce_len],
                    icv_len: 16,
                },
                tag.clone(),
            );
            assert!(matches!(
                smime_cms::decrypt(&message, &options, provider).unwrap_err(),
                Error::UnsupportedContentEncryption { .. }
            ));
        }
    }
}

#[test]
fn content_type_of_auth_enveloped_data_must_be_authenticated() {
    // The contentType of the EncryptedContentInfo is outside the AEAD: changing id-data to
    // another type must not pass unnoticed (RFC 5083 §2.1 wants a content-type attribute).
    for provider in providers() {
        let content_key = [0x66u8; 16];
        let wrapped = provider.key_wrap(&[7; 16], &content_key).unwrap();
        let (algorithm, ciphertext, tag) = gcm(provider, &content_key, CONTENT, &[]);
        let signed_data = der(&smime_cms::content_info::ID_SIGNED_DATA);
        let message = Crafted {
            recipient_infos: vec![kekri(b"k1", aes128_wrap(), &wrapped)],
            content_type: signed_data,
            algorithm,
            ciphertext: Some(ciphertext),
            auth_attributes: None,
            mac: Some(tag),
        }
        .encode();
        let options = DecryptOptions::new().kek(b"k1", &[7; 16]);
        assert!(matches!(
            smime_cms::decrypt(&message, &options, provider).unwrap_err(),
            Error::InvalidAuthAttributes { .. }
        ));
        // What we build for another content type carries the attribute, and opens.
        let message = EnvelopeBuilder::new(CONTENT)
            .content_type(smime_cms::content_info::ID_SIGNED_DATA)
            .add_recipient(RecipientBuilder::kek(b"k1".to_vec(), &[7; 16]))
            .build(provider)
            .unwrap();
        let decrypted = smime_cms::decrypt(&message, &options, provider).unwrap();
        assert_eq!(
            decrypted.content_type(),
            smime_cms::content_info::ID_SIGNED_DATA
        );
        assert_eq!(decrypted.auth_attributes().len(), 1);
    }
}

fn aes128_wrap() -> AlgorithmIdentifierOwned {
    smime_cms::KeyWrap::Aes128.to_algorithm_identifier()
}

#[test]
fn key_unwrap_rejects_short_and_misaligned_input() {
    for provider in providers() {
        let (algorithm, ciphertext, tag) = gcm(provider, &[0x66; 16], CONTENT, &[]);
        for len in [0usize, 1, 8, 16, 23, 25, 33] {
            let message = Crafted {
                recipient_infos: vec![kekri(b"k1", aes128_wrap(), &vec![0xab; len])],
                content_type: id_data(),
                algorithm: algorithm.clone(),
                ciphertext: Some(ciphertext.clone()),
                auth_attributes: None,
                mac: Some(tag.clone()),
            }
            .encode();
            let options = DecryptOptions::new().kek(b"k1", &[7; 16]);
            assert!(
                matches!(
                    smime_cms::decrypt(&message, &options, provider).unwrap_err(),
                    Error::InvalidKeyManagement { recipient: 0, .. }
                ),
                "{len} bytes on {}",
                provider.name()
            );
        }
    }
}

/// A valid message's RecipientInfo with its key-management AlgorithmIdentifier replaced.
fn with_algorithm(
    message: &[u8],
    replace: impl Fn(&mut cms::enveloped_data::RecipientInfo),
) -> Vec<u8> {
    let mut infos = recipient_infos_of(message);
    for info in &mut infos {
        replace(info);
    }
    // Keep the content of the original message.
    let info = cms::content_info::ContentInfo::from_der(message).unwrap();
    let content = x509_cert::der::Encode::to_der(&info.content).unwrap();
    let aed = cms::authenveloped_data::AuthEnvelopedData::from_der(&content).unwrap();
    let eci = aed.auth_encrypted_content_info;
    Crafted {
        recipient_infos: infos.iter().map(der).collect(),
        content_type: der(&eci.content_type),
        algorithm: der(&eci.content_enc_alg),
        ciphertext: eci.encrypted_content.map(|c| c.as_bytes().to_vec()),
        auth_attributes: None,
        mac: Some(aed.mac.as_bytes().to_vec()),
    }
    .encode()
}

fn any(der_bytes: &[u8]) -> Any {
    Any::from_der(der_bytes).unwrap()
}

/// Parameters that are absent, NULL, of the wrong type, or garbage.
fn bad_parameters() -> Vec<(&'static str, Option<Any>)> {
    vec![
        ("absent", None),
        ("NULL", Some(Any::null())),
        ("INTEGER", Some(any(&[0x02, 0x01, 0x05]))),
        ("empty SEQUENCE", Some(any(&[0x30, 0x00]))),
        ("OCTET STRING", Some(any(&[0x04, 0x02, 0xde, 0xad]))),
        (
            "SEQUENCE { BOOLEAN }",
            Some(any(&[0x30, 0x03, 0x01, 0x01, 0xff])),
        ),
        (
            "nested SEQUENCEs",
            Some(any(&[0x30, 0x06, 0x30, 0x04, 0x30, 0x02, 0x30, 0x00])),
        ),
    ]
}

fn expect_typed(error: &Error, context: &str) {
    assert!(
        matches!(
            error,
            Error::InvalidKeyManagement { .. }
                | Error::UnsupportedKeyManagement { .. }
                | Error::InvalidContentEncryption { .. }
                | Error::UnsupportedContentEncryption { .. }
        ),
        "{context}: {error:?}"
    );
}

#[test]
fn absent_or_malformed_recipient_parameters_are_typed_errors() {
    let pki = Pki::get();
    for provider in providers() {
        // KTRI: rsaEncryption must have NULL or absent parameters; id-RSAES-OAEP's must be
        // RSAES-OAEP-params (absent means the SHA-1 defaults).
        let rsa = pki.cert(Leaf::Rsa2048);
        let rsa_key = pki.key(Leaf::Rsa2048, provider);
        let message = EnvelopeBuilder::new(CONTENT)
            .add_recipient(RecipientBuilder::certificate(rsa.clone()))
            .build(provider)
            .unwrap();
        for oid in ["1.2.840.113549.1.1.1", "1.2.840.113549.1.1.7"] {
            for (name, parameters) in bad_parameters() {
                // Valid encodings: absent for both, NULL for rsaEncryption, the empty
                // RSAES-OAEP-params (all defaults) for OAEP.
                if parameters.is_none()
                    || (oid.ends_with(".1") && name == "NULL")
                    || (oid.ends_with(".7") && name == "empty SEQUENCE")
                {
                    continue;
                }
                let changed = with_algorithm(&message, |info| {
                    if let cms::enveloped_data::RecipientInfo::Ktri(ktri) = info {
                        ktri.key_enc_alg = AlgorithmIdentifierOwned {
                            oid: oid.parse().unwrap(),
                            parameters: parameters.clone(),
                        };
                    }
                });
                let options = DecryptOptions::new().private_key(&rsa, rsa_key.as_ref());
                let error = smime_cms::decrypt(&changed, &options, provider).unwrap_err();
                expect_typed(&error, &format!("KTRI {oid} {name}"));
                assert_eq!(error.recipient(), Some(0));
            }
        }

        // KARI: the scheme's KeyWrapAlgorithm parameter, the wrap's own parameters, the
        // originator key's parameters.
        let ec = pki.cert(Leaf::P256);
        let ec_key = pki.key(Leaf::P256, provider);
        let message = EnvelopeBuilder::new(CONTENT)
            .add_recipient(RecipientBuilder::certificate(ec.clone()))
            .build(provider)
            .unwrap();
        for (name, parameters) in bad_parameters() {
            let changed = with_algorithm(&message, |info| {
                if let cms::enveloped_data::RecipientInfo::Kari(kari) = info {
                    kari.key_enc_alg.parameters = parameters.clone();
                }
            });
            let options = DecryptOptions::new().private_key(&ec, ec_key.as_ref());
            let error = smime_cms::decrypt(&changed, &options, provider).unwrap_err();
            expect_typed(&error, &format!("KARI scheme parameters {name}"));
            // The wrap algorithm's own parameters (NULL is tolerated).
            if name != "NULL" && parameters.is_some() {
                let wrap = AlgorithmIdentifierOwned {
                    oid: smime_cms::recipient::ID_AES256_WRAP,
                    parameters: parameters.clone(),
                };
                let changed = with_algorithm(&message, |info| {
                    if let cms::enveloped_data::RecipientInfo::Kari(kari) = info {
                        kari.key_enc_alg.parameters = Some(Any::encode_from(&wrap).unwrap());
                    }
                });
                let error = smime_cms::decrypt(&changed, &options, provider).unwrap_err();
                expect_typed(&error, &format!("KARI wrap parameters {name}"));
            }
            if name != "NULL" && parameters.is_some() {
                let changed = with_algorithm(&message, |info| {
                    if let cms::enveloped_data::RecipientInfo::Kari(kari) = info
                        && let cms::enveloped_data::OriginatorIdentifierOrKey::OriginatorKey(key) =
                            &mut kari.originator
                    {
                        key.algorithm.parameters = parameters.clone();
                    }
                });
                let error = smime_cms::decrypt(&changed, &options, provider).unwrap_err();
                expect_typed(&error, &format!("KARI originator parameters {name}"));
            }
        }

        // PWRI: keyDerivationAlgorithm and the id-alg-PWRI-KEK parameter.
        let message = EnvelopeBuilder::new(CONTENT)
            .add_recipient(RecipientBuilder::password(b"pw").pbkdf2_iterations(1000))
            .build(provider)
            .unwrap();
        let options = DecryptOptions::new().password(b"pw");
        for (name, parameters) in bad_parameters() {
            let changed = with_algorithm(&message, |info| {
                if let cms::enveloped_data::RecipientInfo::Pwri(pwri) = info {
                    pwri.key_enc_alg.parameters = parameters.clone();
                }
            });
            let error = smime_cms::decrypt(&changed, &options, provider).unwrap_err();
            expect_typed(&error, &format!("PWRI-KEK parameters {name}"));
            let changed = with_algorithm(&message, |info| {
                if let cms::enveloped_data::RecipientInfo::Pwri(pwri) = info
                    && let Some(kdf) = &mut pwri.key_derivation_alg
                {
                    kdf.parameters = parameters.clone();
                }
            });
            let error = smime_cms::decrypt(&changed, &options, provider).unwrap_err();
            expect_typed(&error, &format!("PBKDF2 parameters {name}"));
        }
        let changed = with_algorithm(&message, |info| {
            if let cms::enveloped_data::RecipientInfo::Pwri(pwri) = info {
                pwri.key_derivation_alg = None;
            }
        });
        let error = smime_cms::decrypt(&changed, &options, provider).unwrap_err();
        expect_typed(&error, "PWRI without keyDerivationAlgorithm");

        // KEKRI: the wrap's parameters.
        let message = EnvelopeBuilder::new(CONTENT)
            .add_recipient(RecipientBuilder::kek(b"k1".to_vec(), &[7; 16]))
            .build(provider)
            .unwrap();
        let options = DecryptOptions::new().kek(b"k1", &[7; 16]);
        for (name, parameters) in bad_parameters() {
            if name == "NULL" || parameters.is_none() {
                continue;
            }
            let changed = with_algorithm(&message, |info| {
                if let cms::enveloped_data::RecipientInfo::Kekri(kekri) = info {
                    kekri.key_enc_alg.parameters = parameters.clone();
                }
            });
            let error = smime_cms::decrypt(&changed, &options, provider).unwrap_err();
            expect_typed(&error, &format!("KEKRI parameters {name}"));
        }
    }
}

#[test]
fn absent_or_malformed_content_parameters_are_typed_errors() {
    for provider in providers() {
        let content_key = [0x66u8; 16];
        let wrapped = provider.key_wrap(&[7; 16], &content_key).unwrap();
        let options = DecryptOptions::new().kek(b"k1", &[7; 16]);
        for (oid, authenticated) in [
            ("2.16.840.1.101.3.4.1.6", true),  // id-aes128-GCM
            ("2.16.840.1.101.3.4.1.2", false), // aes128-CBC
            ("1.2.840.113549.3.7", false),     // des-ede3-cbc
            ("1.2.840.113549.3.2", false),     // rc2-cbc
        ] {
            for (name, parameters) in bad_parameters() {
                let algorithm = AlgorithmIdentifierOwned {
                    oid: oid.parse().unwrap(),
                    parameters,
                };
                let message = Crafted {
                    recipient_infos: vec![kekri(b"k1", aes128_wrap(), &wrapped)],
                    content_type: id_data(),
                    algorithm: der(&algorithm),
                    ciphertext: Some(vec![0; 32]),
                    auth_attributes: None,
                    mac: authenticated.then(|| vec![0; 16]),
                }
                .encode();
                let envelope = smime_cms::Envelope::parse(&message).unwrap();
                let error = envelope.content_encryption().unwrap_err();
                expect_typed(&error, &format!("{oid} {name}"));
                let error = envelope.decrypt(&options, provider).unwrap_err();
                expect_typed(&error, &format!("{oid} {name}"));
            }
        }
    }
}

#[test]
fn recipient_and_content_caps() {
    let provider = smime_crypto::default_provider();
    // More RecipientInfos than MAX_RECIPIENTS: refused while parsing.
    let one = kekri(b"k1", aes128_wrap(), &[0; 24]);
    let (algorithm, ciphertext, tag) = gcm(provider, &[0; 16], CONTENT, &[]);
    let message = Crafted {
        recipient_infos: vec![one; MAX_RECIPIENTS + 1],
        content_type: id_data(),
        algorithm,
        ciphertext: Some(ciphertext),
        auth_attributes: None,
        mac: Some(tag),
    }
    .encode();
    assert!(matches!(
        smime_cms::Envelope::parse(&message).unwrap_err(),
        Error::BudgetExceeded { limit, .. } if limit == MAX_RECIPIENTS
    ));
    // …and while building.
    let mut builder = EnvelopeBuilder::new(CONTENT);
    for _ in 0..=MAX_RECIPIENTS {
        builder = builder.add_recipient(RecipientBuilder::kek(b"k".to_vec(), &[1; 16]));
    }
    assert!(matches!(
        builder.build(provider).unwrap_err(),
        Error::BudgetExceeded { limit, .. } if limit == MAX_RECIPIENTS
    ));
    // Content larger than MAX_CONTENT_LEN: refused before any work (the zeroed buffer is
    // never touched, so the operating system need not back it with memory).
    let huge = vec![0u8; MAX_CONTENT_LEN + 1];
    assert!(matches!(
        EnvelopeBuilder::new(&huge)
            .add_recipient(RecipientBuilder::kek(b"k".to_vec(), &[1; 16]))
            .build(provider)
            .unwrap_err(),
        Error::BudgetExceeded { limit, .. } if limit == MAX_CONTENT_LEN
    ));
    // …and when reading: an encryptedContent of MAX_CONTENT_LEN + 1 octets (the header is
    // written by hand, with four-octet lengths, in front of a zeroed buffer).
    let head = |tag: u8, len: usize| {
        let mut out = vec![tag, 0x84];
        out.extend(u32::try_from(len).unwrap().to_be_bytes());
        out
    };
    let content_len = MAX_CONTENT_LEN + 1;
    let algorithm = der(&CbcCipher::Aes128.to_algorithm_identifier(&[0; 16]).unwrap());
    let ris = tlv(0x31, &[&kekri(b"k1", aes128_wrap(), &[0; 24])]);
    let eci_fields = [id_data(), algorithm, head(0x80, content_len)].concat();
    let eci = [head(0x30, eci_fields.len() + content_len), eci_fields].concat();
    let body_fields = [vec![2, 1, 2], ris, eci].concat();
    let body = [head(0x30, body_fields.len() + content_len), body_fields].concat();
    let explicit = [head(0xA0, body.len() + content_len), body].concat();
    let oid = der(&"1.2.840.113549.1.7.3"
        .parse::<const_oid::ObjectIdentifier>()
        .unwrap());
    let info_fields = [oid, explicit].concat();
    let prefix = [head(0x30, info_fields.len() + content_len), info_fields].concat();
    let mut message = vec![0u8; prefix.len() + content_len];
    message[..prefix.len()].copy_from_slice(&prefix);
    assert!(matches!(
        smime_cms::Envelope::parse(&message).unwrap_err(),
        Error::BudgetExceeded { limit, .. } if limit == MAX_CONTENT_LEN
    ));
}

/// The password message with its PBKDF2 iteration count (1000 when built) replaced by
/// `iterations`, in `copies` PasswordRecipientInfos.
fn with_iterations(message: &[u8], iterations: u32, copies: usize) -> Vec<u8> {
    let mut infos = recipient_infos_of(message);
    let cms::enveloped_data::RecipientInfo::Pwri(pwri) = &mut infos[0] else {
        panic!("not a PasswordRecipientInfo")
    };
    let kdf = pwri.key_derivation_alg.as_mut().unwrap();
    let params = x509_cert::der::Encode::to_der(kdf.parameters.as_ref().unwrap()).unwrap();
    // PBKDF2-params: SEQUENCE { OCTET STRING salt, INTEGER 1000 (02 02 03 e8), … }.
    let at = params
        .windows(4)
        .position(|w| w == [0x02, 0x02, 0x03, 0xe8])
        .unwrap();
    let integer = der(&iterations);
    let mut fields = params[2..at].to_vec();
    fields.extend(&integer);
    fields.extend(&params[at + 4..]);
    kdf.parameters = Some(any(&tlv(0x30, &[&fields])));
    let pwri_der = der(&infos[0]);
    let info = cms::content_info::ContentInfo::from_der(message).unwrap();
    let content = x509_cert::der::Encode::to_der(&info.content).unwrap();
    let aed = cms::authenveloped_data::AuthEnvelopedData::from_der(&content).unwrap();
    let eci = aed.auth_encrypted_content_info;
    Crafted {
        recipient_infos: vec![pwri_der; copies],
        content_type: der(&eci.content_type),
        algorithm: der(&eci.content_enc_alg),
        ciphertext: eci.encrypted_content.map(|c| c.as_bytes().to_vec()),
        auth_attributes: None,
        mac: Some(aed.mac.as_bytes().to_vec()),
    }
    .encode()
}

#[test]
fn pbkdf2_iterations_are_capped_before_any_work() {
    let provider = smime_crypto::default_provider();
    let message = EnvelopeBuilder::new(CONTENT)
        .add_recipient(RecipientBuilder::password(b"pw").pbkdf2_iterations(1000))
        .build(provider)
        .unwrap();
    let options = DecryptOptions::new().password(b"pw");
    // The rewriting itself is sound: 1000 iterations in two copies still opens.
    let same = with_iterations(&message, 1000, 2);
    assert_eq!(
        smime_cms::decrypt(&same, &options, provider)
            .unwrap()
            .content(),
        CONTENT
    );
    // Two PasswordRecipientInfos of 6,000,000 iterations each exceed the budget together:
    // refused before the first derivation (which would take many seconds).
    let started = std::time::Instant::now();
    let error = smime_cms::decrypt(&with_iterations(&message, 6_000_000, 2), &options, provider)
        .unwrap_err();
    assert!(matches!(error, Error::BudgetExceeded { .. }), "{error:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // One above the limit, or zero: invalid.
    for iterations in [smime_cms::budget::MAX_PBKDF2_ITERATIONS + 1, 0] {
        let error = smime_cms::decrypt(
            &with_iterations(&message, iterations, 1),
            &options,
            provider,
        )
        .unwrap_err();
        assert!(
            matches!(error, Error::InvalidKeyManagement { recipient: 0, .. }),
            "{iterations}: {error:?}"
        );
    }
    // And we refuse to write what we would refuse to read.
    assert!(matches!(
        EnvelopeBuilder::new(CONTENT)
            .add_recipient(
                RecipientBuilder::password(b"pw")
                    .pbkdf2_iterations(smime_cms::budget::MAX_PBKDF2_ITERATIONS + 1)
            )
            .build(provider)
            .unwrap_err(),
        Error::InvalidKeyManagement { recipient: 0, .. }
    ));
}

#[test]
fn credential_key_must_match_certificate() {
    let pki = Pki::get();
    for provider in providers() {
        let message = EnvelopeBuilder::new(CONTENT)
            .add_recipient(RecipientBuilder::certificate(pki.cert(Leaf::Rsa2048)))
            .build(provider)
            .unwrap();
        let certificate = pki.cert(Leaf::Rsa2048);
        let wrong_key = pki.key(Leaf::Rsa3072, provider);
        let options = DecryptOptions::new().private_key(&certificate, wrong_key.as_ref());
        assert_eq!(
            smime_cms::decrypt(&message, &options, provider).unwrap_err(),
            Error::CredentialKeyMismatch { credential: 0 }
        );
    }
}
