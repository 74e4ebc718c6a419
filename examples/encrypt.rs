//! Encrypt a message to two recipients — Bob (RSA-2048) and Carol (EC P-256) — with the
//! default AES-256-GCM and, for an old client, AES-256-CBC; each recipient decrypts it.
//!
//! `cargo run --example encrypt` (add `--features aws-lc` for the aws-lc-rs provider).

use std::error::Error;

use smime::crypto::{EcCurve, KeyKind};
use smime::x509::builder::TestPki;
use smime::{ContentCipher, Encryption, Keys, Recipient};

fn main() -> Result<(), Box<dyn Error>> {
    let provider = smime::crypto::default_provider();
    println!("crypto provider: {}", provider.name());
    let p256 = KeyKind::Ec {
        curve: EcCurve::P256,
    };
    let pki = TestPki::new(provider, p256)?;
    let bob = pki.issue("Bob <bob@example.org>", KeyKind::Rsa { modulus_bits: 2048 })?;
    let carol = pki.issue("Carol <carol@example.org>", p256)?;

    let message = b"From: lab@example.org\r\nTo: bob@example.org, carol@example.org\r\n\
                    Subject: Test results\r\n\r\nSample 42: negative.\r\n";
    let recipients = [
        Recipient::new(bob.certificate().clone())?,
        Recipient::new(carol.certificate().clone())?,
    ];

    // The one-call form: AES-256-GCM (AuthEnvelopedData).
    let sealed = smime::encrypt(message, &recipients)?;
    println!("\nencrypted to Bob and Carol: {} bytes", sealed.len());

    // With options: AES-256-CBC for a client without GCM, and OAEP for Bob's RSA key.
    let legacy = Encryption::new([recipients[0].clone().oaep(true), recipients[1].clone()])?
        .cipher(ContentCipher::Aes256Cbc)
        .encrypt(message)?;
    println!(
        "encrypted with AES-256-CBC (RSA-OAEP for Bob): {} bytes",
        legacy.len()
    );

    for (name, identity) in [("Bob", &bob), ("Carol", &carol)] {
        let mut keys = Keys::new();
        keys.add(
            identity.certificate().clone(),
            identity.private_key().clone(),
        )?;
        for (label, message) in [("GCM", &sealed), ("CBC", &legacy)] {
            let decrypted = smime::decrypt(message, &keys)?;
            println!(
                "{name} decrypts the {label} message: {}, {}; content: {:?}",
                decrypted.content_cipher(),
                if decrypted.is_authenticated() {
                    "authenticated"
                } else {
                    "NOT authenticated (sign what you send with CBC)"
                },
                String::from_utf8_lossy(decrypted.content()).trim_end()
            );
        }
    }

    // Someone who is not a recipient learns that, and nothing else.
    let eve = pki.issue("Eve <eve@example.net>", p256)?;
    let mut keys = Keys::new();
    keys.add(eve.certificate().clone(), eve.private_key().clone())?;
    match smime::decrypt(&sealed, &keys) {
        Ok(_) => println!("Eve decrypted it?!"),
        Err(error) => println!("\nEve cannot decrypt it: {error}"),
    }
    Ok(())
}
