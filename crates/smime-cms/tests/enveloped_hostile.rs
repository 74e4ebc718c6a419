//! Hostile input to the envelope parser and decryption: truncations at every length,
//! random byte changes (proptest), BER nesting bombs on a small stack, odd RecipientInfo
//! choices. Nothing may panic; every failure is a typed error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: a failed expectation should stop the test"
)]

mod common;
mod enveloped_support;

use std::sync::OnceLock;

use common::{Leaf, Pki};
use enveloped_support::{Crafted, gcm, id_data, kekri, tlv};
use proptest::prelude::*;
use smime_cms::budget::MAX_NESTING_DEPTH;
use smime_cms::{ContentEncryption, DecryptOptions, EnvelopeBuilder, Error, RecipientBuilder};
use smime_crypto::CbcCipher;

const CONTENT: &[u8] = b"Content-Type: text/plain\r\n\r\nhostile\r\n";

/// Messages of every recipient kind and both structures, made once.
fn samples() -> &'static Vec<Vec<u8>> {
    static SAMPLES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let pki = Pki::get();
        let provider = smime_crypto::default_provider();
        let mut out = Vec::new();
        for encryption in [
            ContentEncryption::default(),
            ContentEncryption::Cbc(CbcCipher::Aes128),
        ] {
            out.push(
                EnvelopeBuilder::new(CONTENT)
                    .content_encryption(encryption)
                    .add_recipient(RecipientBuilder::certificate(pki.cert(Leaf::Rsa2048)))
                    .add_recipient(RecipientBuilder::certificate(pki.cert(Leaf::P256)))
                    .add_recipient(RecipientBuilder::kek(b"k".to_vec(), &[3; 16]))
                    .add_recipient(RecipientBuilder::password(b"pw").pbkdf2_iterations(10))
                    .build(provider)
                    .unwrap(),
            );
        }
        out
    })
}

/// Tries every credential the samples were made for; returns whatever comes out.
fn decrypt_all_ways(message: &[u8]) -> Vec<Result<Vec<u8>, Error>> {
    let pki = Pki::get();
    let provider = smime_crypto::default_provider();
    let rsa_certificate = pki.cert(Leaf::Rsa2048);
    let rsa = pki.key(Leaf::Rsa2048, provider);
    let ec = pki.key(Leaf::P256, provider);
    [
        DecryptOptions::new().private_key(&rsa_certificate, rsa.as_ref()),
        DecryptOptions::new().private_key_without_certificate(ec.as_ref()),
        DecryptOptions::new().kek(b"k", &[3; 16]),
        DecryptOptions::new().password(b"pw"),
    ]
    .iter()
    .map(|options| smime_cms::decrypt(message, options, provider).map(|d| d.into_content()))
    .collect()
}

#[test]
fn samples_decrypt_every_way() {
    for message in samples() {
        for outcome in decrypt_all_ways(message) {
            assert_eq!(outcome.unwrap(), CONTENT);
        }
    }
}

#[test]
fn truncations_are_errors() {
    for message in samples() {
        for len in 0..message.len() {
            for outcome in decrypt_all_ways(&message[..len]) {
                assert!(outcome.is_err(), "truncated to {len} bytes");
            }
        }
    }
}

#[test]
fn nesting_bombs_end_fast_on_a_small_stack() {
    // 1 MiB of `30 80` where the RecipientInfos, the content parameters or the attributes
    // would be: an error after MAX_NESTING_DEPTH levels, on a 256 KiB stack.
    let bomb = [0x30u8, 0x80].repeat(512 * 1024);
    let provider = smime_crypto::default_provider();
    let (algorithm, ciphertext, tag) = gcm(provider, &[0; 16], CONTENT, &[]);
    let in_recipients = Crafted {
        recipient_infos: vec![bomb.clone()],
        content_type: id_data(),
        algorithm: algorithm.clone(),
        ciphertext: Some(ciphertext.clone()),
        auth_attributes: None,
        mac: Some(tag.clone()),
    }
    .encode();
    let in_algorithm = Crafted {
        recipient_infos: vec![kekri(
            b"k",
            smime_cms::KeyWrap::Aes128.to_algorithm_identifier(),
            &[0; 24],
        )],
        content_type: id_data(),
        algorithm: tlv(0x30, &[&bomb]),
        ciphertext: Some(ciphertext),
        auth_attributes: None,
        mac: Some(tag),
    }
    .encode();
    // An indefinite-length envelope that never ends.
    let mut open_ended = vec![
        0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03, 0xa0, 0x80,
    ];
    open_ended.extend(&bomb);
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let started = std::time::Instant::now();
            for message in [in_recipients, in_algorithm, open_ended] {
                let error = smime_cms::Envelope::parse(&message).unwrap_err();
                assert!(
                    matches!(
                        error,
                        Error::NestingTooDeep {
                            limit: MAX_NESTING_DEPTH,
                            ..
                        } | Error::Malformed { .. }
                    ),
                    "{error:?}"
                );
            }
            started.elapsed()
        })
        .unwrap();
    let elapsed = handle.join().unwrap();
    assert!(elapsed < std::time::Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn odd_recipient_info_choices() {
    let provider = smime_crypto::default_provider();
    let (algorithm, ciphertext, tag) = gcm(provider, &[0; 16], CONTENT, &[]);
    let message = |recipient_infos: Vec<Vec<u8>>| {
        Crafted {
            recipient_infos,
            content_type: id_data(),
            algorithm: algorithm.clone(),
            ciphertext: Some(ciphertext.clone()),
            auth_attributes: None,
            mac: Some(tag.clone()),
        }
        .encode()
    };
    // An OtherRecipientInfo ([4]) is listed, and opens for no one.
    let ori = tlv(
        0xA4,
        &[&tlv(0x06, &[&[0x2a, 0x03]]), &tlv(0x04, &[b"opaque"])],
    );
    let envelope_bytes = message(vec![ori]);
    let envelope = smime_cms::Envelope::parse(&envelope_bytes).unwrap();
    assert_eq!(
        envelope.recipients(),
        [smime_cms::RecipientIdentifier::Other(
            "1.2.3".parse().unwrap()
        )]
    );
    assert_eq!(
        envelope
            .decrypt(&DecryptOptions::new().password(b"pw"), provider)
            .unwrap_err(),
        Error::NoMatchingRecipient
    );
    // An unknown choice tag, and an empty set.
    for infos in [vec![tlv(0xA7, &[&[0x02, 0x01, 0x00]])], vec![]] {
        let error = smime_cms::Envelope::parse(&message(infos)).unwrap_err();
        assert!(
            matches!(error, Error::Malformed { .. } | Error::NoRecipientInfos),
            "{error:?}"
        );
    }
    // A KEKRecipientInfo with the 3DES key wrap is read, and a 16-byte KEK does not fit it.
    let kek3des = kekri(
        b"k",
        smime_cms::KeyWrap::DesEde3.to_algorithm_identifier(),
        &[0; 40],
    );
    let error = smime_cms::decrypt(
        &message(vec![kek3des]),
        &DecryptOptions::new().kek(b"k", &[3; 16]),
        provider,
    )
    .unwrap_err();
    assert!(
        matches!(error, Error::InvalidKeyManagement { recipient: 0, .. }),
        "{error:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn changed_bytes_never_panic(
        sample in 0usize..2,
        changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut message = samples()[sample].clone();
        for (index, value) in changes {
            let at = index.index(message.len());
            message[at] = value;
        }
        for outcome in decrypt_all_ways(&message) {
            // AES-GCM (sample 0): either the change hit nothing the tag covers and the content
            // comes out unchanged, or it is an error. CBC (sample 1) is malleable (EFAIL): a
            // changed ciphertext can decrypt to changed content — which is why it is reported
            // as unauthenticated.
            if let (Ok(content), 0) = (outcome, sample) {
                prop_assert_eq!(content, CONTENT);
            }
        }
    }

    #[test]
    fn random_input_never_panics(input in prop::collection::vec(any::<u8>(), 0..512)) {
        for outcome in decrypt_all_ways(&input) {
            prop_assert!(outcome.is_err());
        }
    }
}
