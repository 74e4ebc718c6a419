//! Sign a message with two signers (RSA-2048 with PKCS#1 v1.5, and ECDSA P-256), verify it, and
//! print the per-signer report; then change one byte of the content and show the verdict.
//!
//! Everything runs on a temporary PKI made in code: a root CA and two mail certificates.
//!
//! `cargo run --example sign_verify` (add `--features aws-lc` to use the aws-lc-rs provider).

use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use smime_cms::{SignatureStatus, SignedDataBuilder, SignerBuilder, Verification, VerifyOptions};
use smime_crypto::{CryptoProvider, DigestAlgorithm, KeyKind, PrivateKey};
use smime_x509::Certificate;
use smime_x509::builder::CertificateBuilder;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

fn main() -> Result<(), Box<dyn Error>> {
    let provider = smime_crypto::default_provider();
    println!("crypto provider: {}", provider.name());

    // A temporary PKI: a root CA and two S/MIME signing certificates it issues.
    let (root, root_key) = new_root(provider)?;
    let (alice, alice_key) = new_mail_identity(
        provider,
        &root,
        root_key.as_ref(),
        KeyKind::Rsa { modulus_bits: 2048 },
        "Alice Example <alice@example.org>",
    )?;
    let (bob, bob_key) = new_mail_identity(
        provider,
        &root,
        root_key.as_ref(),
        KeyKind::Ec {
            curve: smime_crypto::EcCurve::P256,
        },
        "Bob Example <bob@example.org>",
    )?;
    println!("root CA:  {}", root.subject());
    println!(
        "signer:   {} ({})",
        alice.subject(),
        alice.public_key()?.kind()
    );
    println!("signer:   {} ({})", bob.subject(), bob.public_key()?.kind());

    // Sign: attached content, two signers, each with its certificate and the root in the message.
    let content = b"Statement 2026-11: your balance is 1,234.56 EUR.\r\n";
    let signed = SignedDataBuilder::new(content)
        .add_signer(
            SignerBuilder::new(alice.x509().clone(), alice_key).digest(DigestAlgorithm::Sha256),
        )
        .add_signer(SignerBuilder::new(bob.x509().clone(), bob_key).digest(DigestAlgorithm::Sha384))
        .add_certificate(root.x509().clone())
        .build(provider)?;
    println!(
        "\nsigned: {} bytes of DER ContentInfo (SignedData)",
        signed.len()
    );

    // Verify.
    let verification = smime_cms::verify(&signed, &VerifyOptions::new(), provider)?;
    print_report(&verification);

    // Tamper with one byte of the encapsulated content and verify again.
    let position = signed
        .windows(content.len())
        .position(|window| window == content)
        .ok_or("content not found in the message")?;
    let mut tampered = signed.clone();
    if let Some(byte) = tampered.get_mut(position + 35) {
        *byte ^= 0x01; // "1,234.56" becomes "0,234.56"
    }
    println!("\nafter changing one byte of the content:");
    let verification = smime_cms::verify(&tampered, &VerifyOptions::new(), provider)?;
    print_report(&verification);
    Ok(())
}

fn print_report(verification: &Verification) {
    if let Some(content) = verification.econtent() {
        println!("content: {:?}", String::from_utf8_lossy(content));
    }
    for signer in verification.signers() {
        let who = match signer.certificate().map(|cert| cert.decode()) {
            Some(Ok(cert)) => cert.tbs_certificate().subject().to_string(),
            Some(Err(error)) => format!("(certificate does not decode: {error})"),
            None => "(certificate not found)".into(),
        };
        println!("  signer {}: {who}", signer.index());
        if let Some(scheme) = signer.scheme() {
            println!("    algorithm:    {scheme:?}");
        }
        if let Some(time) = signer.signing_time() {
            println!("    signing time: {time}");
        }
        match signer.status() {
            SignatureStatus::Valid(_) => {
                println!("    signature:    VALID (cryptographically; trust is not evaluated here)")
            }
            SignatureStatus::Invalid(error) => println!("    signature:    INVALID: {error}"),
        }
    }
    println!(
        "all signatures valid: {}",
        if verification.all_valid() {
            "yes"
        } else {
            "NO"
        }
    );
}

fn new_key(
    provider: &dyn CryptoProvider,
    kind: KeyKind,
) -> Result<Arc<dyn PrivateKey>, Box<dyn Error>> {
    let pkcs8 = provider.generate_pkcs8(kind)?;
    Ok(provider.private_key_from_pkcs8(&pkcs8)?)
}

fn new_root(
    provider: &dyn CryptoProvider,
) -> Result<(Certificate, Arc<dyn PrivateKey>), Box<dyn Error>> {
    let key = new_key(provider, KeyKind::Rsa { modulus_bits: 2048 })?;
    let now = SystemTime::now();
    let cert = CertificateBuilder::new(provider, key.public_key())
        .subject("CN=Example Statements Root CA,O=Example Bank,C=GB")?
        .ca(Some(0))
        .validity(now - DAY, now + 365 * DAY)
        .self_signed(key.as_ref())?;
    Ok((cert, key))
}

fn new_mail_identity(
    provider: &dyn CryptoProvider,
    root: &Certificate,
    root_key: &dyn PrivateKey,
    kind: KeyKind,
    mailbox: &str,
) -> Result<(Certificate, Arc<dyn PrivateKey>), Box<dyn Error>> {
    let key = new_key(provider, kind)?;
    let now = SystemTime::now();
    let (name, address) = mailbox
        .split_once(" <")
        .map(|(name, rest)| (name, rest.trim_end_matches('>')))
        .ok_or("mailbox must look like `Name <address>`")?;
    let cert = CertificateBuilder::new(provider, key.public_key())
        .subject(&format!("CN={name},O=Example Bank,C=GB"))?
        .mailbox(address)?
        .validity(now - DAY, now + 365 * DAY)
        .signed_by(root, root_key)?;
    Ok((cert, key))
}
