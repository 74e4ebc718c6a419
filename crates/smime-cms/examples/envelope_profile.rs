//! A fixed-work loop over EnvelopedData/AuthEnvelopedData encrypt or decrypt (50 KB, one
//! recipient named by issuerAndSerialNumber, AES-256, as `benches/enveloped_data.rs` measures),
//! for instruction counting with callgrind, which is stable on a loaded machine:
//!
//! ```text
//! cargo build --release -p smime-cms --all-features --example envelope_profile
//! valgrind --tool=callgrind --toggle-collect='*measured*' \
//!     target/release/examples/envelope_profile aws-lc rsa gcm encrypt 50
//! ```
//!
//! Arguments: provider (`rustcrypto`, `aws-lc`), key (`rsa`, `p256`), content cipher (`gcm`,
//! `cbc`), operation and the number of iterations. Operations: `encrypt` (a new
//! `RecipientBuilder::certificate` per message, the one-shot way), `encrypt-borrowed` (the
//! one-shot way with the certificate borrowed: `add_certificate_recipient`), `encrypt-prepared` (one
//! [`PreparedRecipient`](smime_cms::PreparedRecipient) made before the loop, reused for
//! every message), `decrypt`, and `primitives-encrypt` / `primitives-decrypt`: the same
//! cryptographic work with the same provider and nothing else, exactly as the benchmark's
//! "primitives" rows. Only the loop (the function `measured`) is counted with
//! `--toggle-collect`, so the total divided by the number of iterations is the cost of one
//! operation, set-up excluded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a measuring tool: a failure should stop it loudly"
)]

use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;

use der::DecodePem;
use smime_cms::{
    Certificate, ContentEncryption, DecryptOptions, EnvelopeBuilder, PreparedRecipient,
    RecipientBuilder,
};
use smime_crypto::{
    AeadCipher, CbcCipher, CryptoProvider, KeyKind, PrivateKey, PublicKey, RsaEncryptionPadding,
};

const MESSAGE_LEN: usize = 50 * 1024;
/// AES-256: the content-encryption key, and the key-wrap KEK of the P-256 recipient.
const KEY_LEN: usize = 32;
/// RFC 5084 §3.2: the nonce length we send.
const NONCE_LEN: usize = 12;
/// RFC 5084 §3.2: the tag length we send.
const TAG_LEN: usize = 16;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, provider_name, key_name, cipher, operation, iterations] = &args[..] else {
        panic!("usage: envelope_profile PROVIDER rsa|p256 gcm|cbc OPERATION ITERATIONS");
    };
    let iterations: usize = iterations.parse().unwrap();
    let provider = smime_crypto::all_providers()
        .into_iter()
        .find(|p| p.name() == provider_name)
        .expect("unknown provider (is the aws-lc feature on?)");
    let gcm = match cipher.as_str() {
        "gcm" => true,
        "cbc" => false,
        other => panic!("unknown cipher {other}"),
    };

    let dir = tempfile::tempdir().unwrap();
    let newkey: &[&str] = match key_name.as_str() {
        "rsa" => &["-newkey", "rsa:2048"],
        "p256" => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        other => panic!("unknown key {other}"),
    };
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-nodes", "-keyout", "k.pem", "-out", "c.pem",
        ])
        .args(newkey)
        .args(["-subj", "/CN=Profile", "-days", "30"])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let cert = Certificate::from_pem(std::fs::read(dir.path().join("c.pem")).unwrap()).unwrap();
    let key = smime_crypto::load_private_key(
        provider,
        &std::fs::read(dir.path().join("k.pem")).unwrap(),
        None,
    )
    .unwrap();
    let message: Vec<u8> = (0..MESSAGE_LEN).map(|i| (i % 251) as u8).collect();
    let encryption = if gcm {
        ContentEncryption::Aead(AeadCipher::Aes256Gcm)
    } else {
        ContentEncryption::Cbc(CbcCipher::Aes256)
    };

    // Set-up for the decrypt loops, outside the measured function.
    let encrypted = EnvelopeBuilder::new(&message)
        .content_encryption(encryption)
        .add_recipient(RecipientBuilder::certificate(cert.clone()))
        .build(provider)
        .unwrap();
    let public_key = key.public_key().clone();
    let (wrapped, iv, ciphertext) = primitives_encrypt(provider, &public_key, gcm, &message);
    let inputs = Inputs {
        provider,
        encryption,
        gcm,
        cert: &cert,
        key: &key,
        public_key: &public_key,
        message: &message,
        encrypted: &encrypted,
        wrapped: &wrapped,
        iv: &iv,
        ciphertext: &ciphertext,
    };
    measured(operation, iterations, &inputs);
}

/// Everything the loops use, made before measuring.
struct Inputs<'a> {
    provider: &'a dyn CryptoProvider,
    encryption: ContentEncryption,
    gcm: bool,
    cert: &'a Certificate,
    key: &'a Arc<dyn PrivateKey>,
    public_key: &'a PublicKey,
    message: &'a [u8],
    encrypted: &'a [u8],
    wrapped: &'a WrappedKey,
    iv: &'a [u8; 16],
    ciphertext: &'a [u8],
}

/// The measured loop (callgrind: `--toggle-collect='*measured*'`).
#[inline(never)]
fn measured(operation: &str, iterations: usize, inputs: &Inputs<'_>) {
    let Inputs {
        provider,
        encryption,
        gcm,
        cert,
        key,
        public_key,
        message,
        encrypted,
        wrapped,
        iv,
        ciphertext,
    } = *inputs;
    match operation {
        "encrypt" => {
            for _ in 0..iterations {
                let out = EnvelopeBuilder::new(black_box(message))
                    .content_encryption(encryption)
                    .add_recipient(RecipientBuilder::certificate(cert.clone()))
                    .build(provider)
                    .unwrap();
                black_box(out);
            }
        }
        "encrypt-borrowed" => {
            // The one-shot call with the certificate borrowed instead of cloned.
            for _ in 0..iterations {
                let out = EnvelopeBuilder::new(black_box(message))
                    .content_encryption(encryption)
                    .add_certificate_recipient(cert)
                    .build(provider)
                    .unwrap();
                black_box(out);
            }
        }
        "encrypt-prepared" => {
            // One prepared recipient, reused for every message: what a caller that sends
            // many messages to the same person keeps.
            let recipient =
                PreparedRecipient::new(&RecipientBuilder::certificate(cert.clone())).unwrap();
            for _ in 0..iterations {
                let out = EnvelopeBuilder::new(black_box(message))
                    .content_encryption(encryption)
                    .add_prepared_recipient(&recipient)
                    .build(provider)
                    .unwrap();
                black_box(out);
            }
        }
        "decrypt" => {
            let options = DecryptOptions::new().private_key(cert, key.as_ref());
            for _ in 0..iterations {
                let decrypted =
                    smime_cms::decrypt(black_box(encrypted), &options, provider).unwrap();
                assert_eq!(decrypted.content().len(), message.len());
            }
        }
        "primitives-encrypt" => {
            for _ in 0..iterations {
                black_box(primitives_encrypt(
                    provider,
                    public_key,
                    gcm,
                    black_box(message),
                ));
            }
        }
        "primitives-decrypt" => {
            for _ in 0..iterations {
                let len = primitives_decrypt(
                    key.as_ref(),
                    provider,
                    wrapped,
                    gcm,
                    iv,
                    black_box(ciphertext),
                );
                assert_eq!(len, message.len());
            }
        }
        other => panic!("unknown operation {other}"),
    }
}

/// The wrapped key of the primitives: the RSA ciphertext, or the AES-wrapped key with the
/// ephemeral public key.
enum WrappedKey {
    Rsa(Vec<u8>),
    Ecdh {
        ephemeral: PublicKey,
        wrapped: Vec<u8>,
    },
}

/// As `benches/enveloped_data.rs`: a fresh CEK and IV, one RSA encryption (or one ECDH with an
/// ephemeral key plus the key wrap), and the content cipher over a copy of the content.
fn primitives_encrypt(
    provider: &dyn CryptoProvider,
    recipient: &PublicKey,
    gcm: bool,
    content: &[u8],
) -> (WrappedKey, [u8; 16], Vec<u8>) {
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
    let mut iv = [0u8; 16];
    provider.fill_random(&mut iv).unwrap();
    let ciphertext = if gcm {
        let mut buffer = content.to_vec();
        let tag = provider
            .aead_seal_in_place(
                AeadCipher::Aes256Gcm,
                &cek,
                &iv[..NONCE_LEN],
                &[],
                &mut buffer,
                TAG_LEN,
            )
            .unwrap();
        buffer.extend_from_slice(&tag);
        buffer
    } else {
        provider
            .cbc_encrypt(CbcCipher::Aes256, &cek, &iv, content)
            .unwrap()
    };
    (wrapped, iv, ciphertext)
}

/// As `benches/enveloped_data.rs`: one RSA decryption (or one ECDH plus the key unwrap) and
/// the content cipher over a copy of the ciphertext.
fn primitives_decrypt(
    key: &dyn PrivateKey,
    provider: &dyn CryptoProvider,
    wrapped: &WrappedKey,
    gcm: bool,
    iv: &[u8; 16],
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
    if gcm {
        let (body, tag) = ciphertext.split_at(ciphertext.len() - TAG_LEN);
        let mut buffer = body.to_vec();
        provider
            .aead_open_in_place(
                AeadCipher::Aes256Gcm,
                &cek,
                &iv[..NONCE_LEN],
                &[],
                &mut buffer,
                tag,
            )
            .unwrap();
        buffer.len()
    } else {
        provider
            .cbc_decrypt(CbcCipher::Aes256, &cek, iv, ciphertext)
            .unwrap()
            .len()
    }
}
