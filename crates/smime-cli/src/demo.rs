//! `smime demo`: the whole flow on a temporary PKI — sign and encrypt, open and judge, and
//! what happens when a message is altered or its sender forged.

use std::fs;
use std::path::Path;

use smime::crypto::{EcCurve, KeyKind};
use smime::x509::builder::{TestIdentity, TestPki};
use smime::{Encryption, Keys, Recipient, Signer, Trust};

use crate::arguments::DemoArgs;
use crate::failure::{Failure, describe};
use crate::files;

/// The statement Alice sends.
const STATEMENT: &str = "From: Alice Example <alice@example.org>\r\n\
To: Bob Example <bob@example.org>\r\n\
Subject: Your statement for November\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Dear Bob,\r\n\
\r\n\
your balance on 30 November is 1,234.56 EUR.\r\n\
\r\n\
Alice, Example Bank\r\n";

/// `smime demo`.
pub(crate) fn run(args: &DemoArgs) -> Result<(), Failure> {
    let fail = |what: &str, error: smime::Error| {
        Failure::new(format!(
            "the demo failed while {what}: {}",
            describe(&error)
        ))
    };
    let x509 = |what: &str| {
        let what = what.to_owned();
        move |error: smime::x509::Error| fail(&what, smime::Error::Certificate(error))
    };
    let provider = smime::crypto::default_provider();
    let mut out = format!(
        "smime demo: the whole S/MIME flow on a temporary PKI (crypto provider: {})\n\n",
        provider.name()
    );

    // 1. A PKI.
    let p256 = KeyKind::Ec {
        curve: EcCurve::P256,
    };
    let pki = TestPki::new(provider, p256).map_err(x509("making the test CAs"))?;
    let alice = pki
        .issue("Alice Example <alice@example.org>", p256)
        .map_err(x509("issuing Alice's certificate"))?;
    let bob = pki
        .issue(
            "Bob Example <bob@example.org>",
            KeyKind::Rsa { modulus_bits: 2048 },
        )
        .map_err(x509("issuing Bob's certificate"))?;
    let mallory = pki
        .issue("Mallory <mallory@example.net>", p256)
        .map_err(x509("issuing Mallory's certificate"))?;
    out.push_str(&format!(
        "1. A temporary PKI: root \"{}\" issues through \"{}\"\n   \
         Alice <alice@example.org> (EC P-256, the sender), Bob <bob@example.org> (RSA-2048, the reader)\n   \
         and Mallory <mallory@example.net> (a customer of the same CA, with bad intentions).\n\n",
        pki.root().certificate().subject(),
        pki.intermediate().certificate().subject()
    ));

    // 2. Alice signs and encrypts.
    let signer = Signer::builder(alice.certificate().clone(), alice.private_key().clone())
        .chain([pki.intermediate().certificate().clone()])
        .build()
        .map_err(|e| fail("loading Alice as a signer", e))?;
    let to_bob = Recipient::new(bob.certificate().clone())
        .map_err(|e| fail("taking Bob's certificate as a recipient", e))?;
    let encryption = Encryption::new([to_bob]).map_err(|e| fail("preparing encryption", e))?;
    let sealed = encryption
        .sign_and_encrypt(STATEMENT.as_bytes(), &signer)
        .map_err(|e| fail("signing and encrypting", e))?;
    out.push_str(&format!(
        "2. Alice signs her statement (ECDSA P-256, SHA-256) and encrypts it to Bob (AES-256-GCM,\n   \
         RSA key transport): a {}-byte S/MIME message.\n\n",
        sealed.len()
    ));

    // 3. Bob opens it.
    let mut keys = Keys::new();
    keys.add(bob.certificate().clone(), bob.private_key().clone())
        .map_err(|e| fail("loading Bob's key", e))?;
    let trust = Trust::from_certificates([pki.root().certificate()])
        .and_then(|t| t.require_from(true).build())
        .map_err(|e| fail("setting up Bob's trust", e))?;
    let report = smime::open(&sealed, &keys, &trust).map_err(|e| fail("opening", e))?;
    out.push_str("3. Bob opens it with his key, trusting the root. The report:\n\n");
    out.push_str(&indent(&report.to_string()));
    out.push('\n');

    // 4. Altered in transit.
    let tampered = alter_ciphertext(&sealed);
    let report = smime::open(&tampered, &keys, &trust).map_err(|e| fail("opening", e))?;
    let verdict = report
        .problems()
        .first()
        .map_or_else(|| "(no problem found?)".to_owned(), ToString::to_string);
    out.push_str(&format!(
        "4. The same message with one character changed on the way: Bob's client refuses it:\n   {verdict}\n\n"
    ));

    // 5. A forged sender.
    let forged = STATEMENT.replace("Your balance", "your balance").replace(
        "your balance on 30 November is 1,234.56 EUR.",
        "please transfer 5,000 EUR to account 0000 1234 5678 today.",
    );
    let mallory_signer = Signer::new(mallory.certificate().clone(), mallory.private_key().clone())
        .map_err(|e| fail("loading Mallory as a signer", e))?;
    let mallory_signed = mallory_signer
        .sign(forged.as_bytes())
        .map_err(|e| fail("signing Mallory's message", e))?;
    let report = smime::open(&mallory_signed, &Keys::new(), &trust)
        .map_err(|e| fail("opening Mallory's message", e))?;
    let verdict = report
        .problems()
        .into_iter()
        .find(|p| matches!(p, smime::Problem::FromMismatch { .. }))
        .map_or_else(|| "(no problem found?)".to_owned(), |p| p.to_string());
    out.push_str(&format!(
        "5. Mallory signs a message with her own valid certificate but writes From: Alice: the\n   \
         signature is valid and her chain is trusted, yet Bob's client says:\n   {verdict}\n"
    ));

    if let Some(dir) = &args.keep {
        keep(dir, &pki, &alice, &bob, &sealed)?;
        out.push_str(&format!(
            "\nThe PKI and the message are in {}. Try:\n  \
             smime open --key {d}/bob.key --cert {d}/bob.pem --trust {d}/root.pem --in {d}/statement.eml\n  \
             smime decrypt --key {d}/bob.key --cert {d}/bob.pem --in {d}/statement.eml --out - \\\n    \
             | smime verify --trust {d}/root.pem --in - --out -\n  \
             openssl cms -decrypt -inkey {d}/bob.key -recip {d}/bob.pem -in {d}/statement.eml \\\n    \
             | openssl cms -verify -CAfile {d}/root.pem\n",
            files::shown(dir),
            d = dir.display()
        ));
    } else {
        out.push_str(
            "\nRun `smime demo --keep DIR` to keep these certificates, keys and the message.\n",
        );
    }
    files::print(&out)
}

/// Indents every line by four spaces.
fn indent(text: &str) -> String {
    text.lines().map(|line| format!("    {line}\n")).collect()
}

/// Changes one base64 character in the middle of the message's body.
fn alter_ciphertext(message: &[u8]) -> Vec<u8> {
    let mut altered = message.to_vec();
    let body = files::find(message, b"\r\n\r\n").map_or(0, |at| at.saturating_add(4));
    let middle = body.saturating_add(message.len().saturating_sub(body) / 2);
    if let Some(at) =
        (middle..altered.len()).find(|&i| altered.get(i).is_some_and(u8::is_ascii_alphanumeric))
        && let Some(byte) = altered.get_mut(at)
    {
        *byte = if *byte == b'A' { b'B' } else { b'A' };
    }
    altered
}

/// Writes the demo's files.
fn keep(
    dir: &Path,
    pki: &TestPki<'_>,
    alice: &TestIdentity,
    bob: &TestIdentity,
    sealed: &[u8],
) -> Result<(), Failure> {
    fs::create_dir_all(dir)
        .map_err(|e| Failure::new(format!("cannot create {} (--keep): {e}", files::shown(dir))))?;
    let pem = |identity: &TestIdentity| {
        identity
            .certificate_pem()
            .map_err(|e| Failure::new(format!("cannot encode a certificate: {e}")))
    };
    let key = |identity: &TestIdentity| {
        identity
            .private_key_pem()
            .map(|k| k.as_bytes().to_vec())
            .map_err(|e| Failure::new(format!("cannot encode a key: {e}")))
    };
    let write = |name: &str, data: &[u8]| files::write(&dir.join(name), data, "--keep");
    write("root.pem", pem(pki.root())?.as_bytes())?;
    write("ca.pem", pem(pki.intermediate())?.as_bytes())?;
    write("alice.pem", pem(alice)?.as_bytes())?;
    write("alice.key", &key(alice)?)?;
    write("bob.pem", pem(bob)?.as_bytes())?;
    write("bob.key", &key(bob)?)?;
    write("letter.eml", STATEMENT.as_bytes())?;
    write("statement.eml", sealed)
}
