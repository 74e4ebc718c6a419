//! A mail identity's PKCS #12 round trip: export it (the modern profile, and the
//! compatibility profile for macOS Keychain), import it back, and sign with the imported
//! identity.
//!
//! `cargo run --example p12_roundtrip` (add `--features aws-lc` for the aws-lc-rs provider).

use std::error::Error;

use smime::crypto::{EcCurve, KeyKind};
use smime::pkcs12::{ExportBuilder, Password, Profile};
use smime::x509::builder::TestPki;
use smime::{Keys, Signer, Trust};

fn main() -> Result<(), Box<dyn Error>> {
    let provider = smime::crypto::default_provider();
    let p256 = KeyKind::Ec {
        curve: EcCurve::P256,
    };
    let pki = TestPki::new(provider, p256)?;
    let alice = pki.issue(
        "Alice <alice@example.org>",
        KeyKind::Rsa { modulus_bits: 2048 },
    )?;
    let password = "correct horse battery staple";

    for profile in [Profile::Modern, Profile::Compatibility] {
        let p12 = ExportBuilder::new()
            .key(alice.pkcs8_der())
            .certificate(alice.certificate().as_der())
            .chain([pki.intermediate().certificate().as_der()])
            .friendly_name("alice@example.org")
            .profile(profile)
            .build(Password::new(password))?;
        println!("exported ({profile:?} profile): {} bytes", p12.len());

        // Import: the wrong password is a distinct error…
        match smime::pkcs12::import(&p12, Password::new("wrong")) {
            Err(error) if error.is_wrong_password() => println!("  wrong password: refused"),
            other => println!("  wrong password: unexpected {other:?}"),
        }
        // …the right one gives the key, its certificate and the chain.
        let contents = smime::pkcs12::import(&p12, Password::new(password))?;
        let identity = contents.identity().ok_or("no key in the file")?;
        println!(
            "  imported: key {:?} ({}), certificate {}, {} CA certificate(s), integrity {:?}",
            identity.key.friendly_name().unwrap_or("-"),
            if identity.key.pkcs8_der().as_slice() == alice.pkcs8_der() {
                "the same key"
            } else {
                "A DIFFERENT KEY"
            },
            identity
                .certificate
                .and_then(|c| smime::Certificate::from_der(c.der()).ok())
                .map_or_else(|| "-".to_owned(), |c| c.subject().to_string()),
            identity.chain.len(),
            contents.integrity(),
        );

        // The facade loads a signer straight from the file.
        let signer = Signer::from_pkcs12(&p12, password)?.build()?;
        let signed = smime::sign(
            b"Subject: hello\r\n\r\nSigned with the imported key.\r\n",
            &signer,
        )?;
        let trust = Trust::from_certificates([pki.root().certificate()])?.build()?;
        let report = smime::open(&signed, &Keys::new(), &trust)?;
        println!(
            "  signed with the imported identity: {}",
            if report.is_trusted() {
                "verifies and is trusted"
            } else {
                "NOT trusted"
            }
        );
    }
    Ok(())
}
