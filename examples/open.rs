//! Open a signed-and-encrypted message and print the report a mail client would show; then
//! the same for a forged sender and for a message changed in transit.
//!
//! `cargo run --example open` (add `--features aws-lc` for the aws-lc-rs provider).

use std::error::Error;

use smime::crypto::{EcCurve, KeyKind};
use smime::x509::builder::TestPki;
use smime::{Keys, Recipient, Signer, Trust};

fn main() -> Result<(), Box<dyn Error>> {
    let provider = smime::crypto::default_provider();
    let p256 = KeyKind::Ec {
        curve: EcCurve::P256,
    };
    let pki = TestPki::new(provider, p256)?;
    let university = pki.issue("Registrar <registrar@uni.example>", p256)?;
    let student = pki.issue(
        "Sam Student <sam@uni.example>",
        KeyKind::Rsa { modulus_bits: 2048 },
    )?;

    let signer = Signer::builder(
        university.certificate().clone(),
        university.private_key().clone(),
    )
    .chain([pki.intermediate().certificate().clone()])
    .build()?;
    let to_sam = [Recipient::new(student.certificate().clone())?];
    let letter = b"From: Registrar <registrar@uni.example>\r\nTo: sam@uni.example\r\n\
                   Subject: Your transcript\r\n\r\nAll courses passed.\r\n";
    let sealed = smime::sign_and_encrypt(letter, &signer, &to_sam)?;

    // Sam opens it with his key, trusting the root, and wants the From address checked.
    let mut keys = Keys::new();
    keys.add(student.certificate().clone(), student.private_key().clone())?;
    let trust = Trust::from_certificates([pki.root().certificate()])?
        .require_from(true)
        .build()?;
    let report = smime::open(&sealed, &keys, &trust)?;
    println!("== the registrar's letter ==\n{report}");

    // A forged sender: a valid certificate, someone else's From.
    let mallory = pki.issue("Mallory <mallory@uni.example>", p256)?;
    let mallory_signer =
        Signer::builder(mallory.certificate().clone(), mallory.private_key().clone())
            .chain([pki.intermediate().certificate().clone()])
            .build()?;
    let forged = smime::sign_and_encrypt(letter, &mallory_signer, &to_sam)?;
    println!(
        "== the same letter signed by Mallory ==\n{}",
        smime::open(&forged, &keys, &trust)?
    );

    // Changed in transit: one character of the ciphertext.
    let mut changed = sealed.clone();
    let at = changed.len() - 200;
    if let Some(byte) = changed.get_mut(at) {
        *byte = if *byte == b'A' { b'B' } else { b'A' };
    }
    println!(
        "== the letter changed in transit ==\n{}",
        smime::open(&changed, &keys, &trust)?
    );
    Ok(())
}
