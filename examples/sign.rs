//! Sign a message with the `smime` facade: detached (`multipart/signed`, readable everywhere)
//! and opaque (`signed-data`), then check both signatures.
//!
//! Everything runs on a temporary PKI made in code (a root CA, an intermediate, Alice).
//!
//! `cargo run --example sign` (add `--features aws-lc` for the aws-lc-rs provider).

use std::error::Error;

use smime::crypto::{DigestAlgorithm, EcCurve, KeyKind};
use smime::x509::builder::TestPki;
use smime::{Keys, Signer, Trust};

fn main() -> Result<(), Box<dyn Error>> {
    let provider = smime::crypto::default_provider();
    println!("crypto provider: {}", provider.name());

    let p256 = KeyKind::Ec {
        curve: EcCurve::P256,
    };
    let pki = TestPki::new(provider, p256)?;
    let alice = pki.issue("Alice Example <alice@example.org>", p256)?;
    println!(
        "signer: {} ({}), issued by {}",
        alice.certificate().subject(),
        alice.private_key().kind(),
        alice.certificate().issuer()
    );

    // A message as a mail client writes it. Plain text without a header block works too:
    // it is sent as text/plain; charset=utf-8.
    let message = "From: Alice Example <alice@example.org>\r\nTo: bob@example.org\r\n\
                   Subject: Minutes of the board meeting\r\n\
                   Content-Type: text/plain; charset=utf-8\r\n\r\n\
                   The board approved the budget for 2027.\r\n";

    // Detached: the default. The intermediate goes along so the reader can build the path.
    let signer = Signer::builder(alice.certificate().clone(), alice.private_key().clone())
        .chain([pki.intermediate().certificate().clone()])
        .build()?;
    let detached = smime::sign(message.as_bytes(), &signer)?;
    println!(
        "\ndetached signature: {} bytes; its header:",
        detached.len()
    );
    print_header(&detached);

    // Opaque, with SHA-384.
    let opaque_signer = Signer::builder(alice.certificate().clone(), alice.private_key().clone())
        .chain([pki.intermediate().certificate().clone()])
        .opaque()
        .digest(DigestAlgorithm::Sha384)
        .build()?;
    let opaque = smime::sign(message.as_bytes(), &opaque_signer)?;
    println!("\nopaque signature: {} bytes; its header:", opaque.len());
    print_header(&opaque);

    // Check both as a reader who trusts the root.
    let trust = Trust::from_certificates([pki.root().certificate()])?.build()?;
    for (name, signed) in [("detached", &detached), ("opaque", &opaque)] {
        let report = smime::open(signed, &Keys::new(), &trust)?;
        let signer = report.signers().first().ok_or("no signer found")?;
        println!(
            "\n{name}: signed by {}, signature {}, chain {}, From {}",
            signer.subject(),
            if signer.verdict().is_valid() {
                "valid"
            } else {
                "INVALID"
            },
            if signer.chain().is_trusted() {
                "trusted"
            } else {
                "NOT trusted"
            },
            if signer.address().is_match() {
                "matches"
            } else {
                "does NOT match"
            },
        );
        println!(
            "verdict: {}",
            if report.is_trusted() {
                "trusted"
            } else {
                "NOT trusted"
            }
        );
    }
    Ok(())
}

/// Prints the header block of a message.
fn print_header(message: &[u8]) {
    let text = String::from_utf8_lossy(message);
    for line in text.lines().take_while(|line| !line.is_empty()) {
        println!("  {line}");
    }
}
