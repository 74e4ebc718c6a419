//! `smime open` reports the right facts, one test per field of the report: encryption,
//! signers, signature verdict, chain, revocation, validation level, From, signing time,
//! coverage, content, verdict — and its exit status.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{Scratch, fails, ok};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Signs `letter.eml` as Alice (with the intermediate) into `name`.
fn signed(s: &Scratch, name: &str, extra: &[&str]) {
    let mut args = vec![
        "sign",
        "--signer",
        "alice.pem",
        "--key",
        "alice.key",
        "--certs",
        "ca.pem",
        "--in",
        "letter.eml",
        "--out",
        name,
    ];
    args.extend_from_slice(extra);
    ok(&s.smime(&args));
}

/// The report of `smime open … --in name` with `args`, and whether it succeeded.
fn report(s: &Scratch, name: &str, args: &[&str]) -> (String, bool) {
    let mut all = vec!["open", "--in", name];
    all.extend_from_slice(args);
    let out = s.smime(&all);
    (text(&out.stdout), out.status.success())
}

#[track_caller]
fn has(report: &str, line: &str) {
    assert!(
        report.lines().any(|l| l.trim_end() == line),
        "no line {line:?} in:\n{report}"
    );
}

#[test]
fn field_encrypted() {
    let s = Scratch::new();
    let (plain, _) = report(&s, "letter.eml", &[]);
    has(&plain, "encrypted:    no");
    ok(&s.smime(&[
        "encrypt",
        "--to",
        "bob.pem",
        "--in",
        "letter.eml",
        "--out",
        "gcm.eml",
    ]));
    let (gcm, _) = report(&s, "gcm.eml", &["--key", "bob.key", "--cert", "bob.pem"]);
    has(&gcm, "encrypted:    yes (/): AES-256-GCM, authenticated");
    ok(&s.smime(&[
        "encrypt",
        "--to",
        "bob.pem",
        "--cipher",
        "aes-128-cbc",
        "--in",
        "letter.eml",
        "--out",
        "cbc.eml",
    ]));
    let (cbc, _) = report(&s, "cbc.eml", &["--key", "bob.key", "--cert", "bob.pem"]);
    has(
        &cbc,
        "encrypted:    yes (/): AES-128-CBC, NOT authenticated (CBC: the content could have been altered unless it is signed)",
    );
    // Without the key: encrypted, not decrypted, and that is a failure of `open`.
    let (locked, success) = report(&s, "gcm.eml", &[]);
    has(
        &locked,
        "encrypted:    yes (/), NOT decrypted: no decryption key was given",
    );
    assert!(!success);
}

#[test]
fn field_signer_and_signature() {
    let s = Scratch::new();
    signed(&s, "signed.eml", &[]);
    let (r, success) = report(&s, "signed.eml", &["--trust", "root.pem"]);
    assert!(success);
    has(&r, "signature at /: detached (multipart/signed)");
    has(&r, "  signer:     CN=Alice");
    has(&r, "  signature:  valid (ECDSA with sha256)");

    let signed = s.read("signed.eml");
    let at = signed.windows(8).position(|w| w == b"1,234.56").unwrap();
    let mut tampered = signed.clone();
    tampered[at] = b'7';
    s.write("tampered.eml", &tampered);
    let (r, success) = report(&s, "tampered.eml", &["--trust", "root.pem"]);
    assert!(!success, "an invalid signature fails `open`");
    has(
        &r,
        "  signature:  INVALID: signer 0: messageDigest does not match the content",
    );
    has(
        &r,
        "  chain:      not evaluated (the signature is not valid)",
    );
}

#[test]
fn field_chain() {
    let s = Scratch::new();
    signed(&s, "signed.eml", &[]);
    let (r, _) = report(&s, "signed.eml", &["--trust", "root.pem"]);
    let ids = common::identities();
    has(
        &r,
        &format!(
            "  chain:      trusted: CN=Alice <- {} <- {} (trust anchor)",
            ids.pki.intermediate().certificate().subject(),
            ids.pki.root().certificate().subject()
        ),
    );
    let (r, success) = report(&s, "signed.eml", &[]);
    has(&r, "  chain:      not evaluated (no trust anchors given)");
    assert!(success, "no trust anchors is not a failure");
    let (r, success) = report(&s, "signed.eml", &["--trust", "other-root.pem"]);
    assert!(!success);
    let line = r.lines().find(|l| l.starts_with("  chain:")).unwrap();
    assert!(line.starts_with("  chain:      NOT TRUSTED: "), "{line}");
    // Far in the future, the certificates have expired.
    let (r, success) = report(
        &s,
        "signed.eml",
        &["--trust", "root.pem", "--time", "2199-01-01T00:00:00Z"],
    );
    assert!(!success);
    let line = r.lines().find(|l| l.starts_with("  chain:")).unwrap();
    assert!(line.contains("expired at"), "{line}");
    assert!(
        line.contains("validation time 2199-01-01T00:00:00Z"),
        "{line}"
    );
}

#[test]
fn field_revocation() {
    let s = Scratch::new();
    signed(&s, "signed.eml", &[]);
    let (r, _) = report(&s, "signed.eml", &["--trust", "root.pem"]);
    has(
        &r,
        "  revocation: unknown (no CRL or OCSP response covers the certificates)",
    );

    // A CRL from the intermediate that revokes Alice.
    s.write("index", "");
    s.write("crlnumber", "01\n");
    s.write(
        "ca.cnf",
        "[ca]\ndefault_ca=ca\n[ca]\ndatabase=index\ncrlnumber=crlnumber\ndefault_md=sha256\n\
         default_crl_days=30\ncertificate=ca.pem\nprivate_key=ca.key\nunique_subject=no\n\
         crl_extensions=crl_ext\n[crl_ext]\nauthorityKeyIdentifier=keyid\n",
    );
    ok(&s.openssl(&[
        "ca",
        "-config",
        "ca.cnf",
        "-revoke",
        "alice.pem",
        "-crl_reason",
        "keyCompromise",
    ]));
    ok(&s.openssl(&["ca", "-config", "ca.cnf", "-gencrl", "-out", "ca.crl"]));
    let (r, success) = report(
        &s,
        "signed.eml",
        &["--trust", "root.pem", "--crl", "ca.crl"],
    );
    assert!(!success);
    let line = r.lines().find(|l| l.starts_with("  chain:")).unwrap();
    assert!(
        line.starts_with("  chain:      NOT TRUSTED: leaf certificate \"CN=Alice\" is revoked (keyCompromise) since "),
        "{line}"
    );
    // `verify` refuses it too.
    let line = fails(&s.smime(&[
        "verify",
        "--trust",
        "root.pem",
        "--crl",
        "ca.crl",
        "--in",
        "signed.eml",
        "--out",
        "x",
    ]));
    assert!(line.contains("is revoked (keyCompromise)"), "{line}");
}

#[test]
fn field_validation_level() {
    let s = Scratch::new();
    signed(&s, "signed.eml", &[]);
    let (r, _) = report(&s, "signed.eml", &["--trust", "root.pem"]);
    has(
        &r,
        "  level:      Mailbox-validated, strict (CA/Browser Forum)",
    );
    let (r, _) = report(&s, "signed.eml", &[]);
    has(
        &r,
        "  level:      Mailbox-validated, strict (claimed by an untrusted certificate)",
    );
}

#[test]
fn field_from() {
    let s = Scratch::new();
    signed(&s, "signed.eml", &[]);
    let (r, _) = report(&s, "signed.eml", &["--trust", "root.pem"]);
    has(&r, "From:         Alice <alice@example.org>");
    has(
        &r,
        "  From:       Alice <alice@example.org> matches the certificate's alice@example.org (subjectAltName rfc822Name)",
    );
    s.write(
        "forged.eml",
        "From: Bob <bob@example.org>\nSubject: x\n\nPay Alice.\n",
    );
    ok(&s.smime(&[
        "sign",
        "--signer",
        "alice.pem",
        "--key",
        "alice.key",
        "--certs",
        "ca.pem",
        "--in",
        "forged.eml",
        "--out",
        "forged-signed.eml",
    ]));
    let (r, success) = report(&s, "forged-signed.eml", &["--trust", "root.pem"]);
    has(
        &r,
        "  From:       MISMATCH: Bob <bob@example.org> is not in the certificate (alice@example.org)",
    );
    assert!(success, "reported, not enforced");
    let (r, success) = report(
        &s,
        "forged-signed.eml",
        &["--trust", "root.pem", "--require-from"],
    );
    assert!(!success, "enforced with --require-from");
    has(&r, "verdict:      NOT TRUSTED");
    has(
        &r,
        "  - the From address Bob <bob@example.org> is not one of the signer \"CN=Alice\"'s addresses (alice@example.org)",
    );
}

#[test]
fn field_signing_time() {
    let s = Scratch::new();
    signed(&s, "signed.eml", &[]);
    let (r, _) = report(&s, "signed.eml", &[]);
    let line = r.lines().find(|l| l.starts_with("  signed at:")).unwrap();
    let stamp = line
        .strip_prefix("  signed at:  ")
        .and_then(|l| l.strip_suffix(" (the signer's claim)"))
        .unwrap();
    let signed_at: smime::x509::der::DateTime = stamp.parse().unwrap();
    let now = std::time::SystemTime::now();
    let age = now.duration_since(signed_at.to_system_time()).unwrap();
    assert!(age.as_secs() < 600, "signed {age:?} ago");
}

#[test]
fn field_coverage() {
    let s = Scratch::new();
    signed(&s, "signed.eml", &[]);
    let (r, _) = report(&s, "signed.eml", &[]);
    has(&r, "signed:       the whole message");
    let (r, _) = report(&s, "letter.eml", &[]);
    has(&r, "signed:       no");
    // The signed message wrapped in a multipart/mixed with an unsigned part.
    let signed = text(&s.read("signed.eml"));
    let (_, entity) = signed.split_once("MIME-Version: 1.0\r\n").unwrap();
    s.write(
        "wrapped.eml",
        format!(
            "From: Alice <alice@example.org>\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n{entity}\r\n--b\r\nContent-Type: text/plain\r\n\r\nYou are fired.\r\n--b--\r\n"
        ),
    );
    let (r, success) = report(&s, "wrapped.eml", &["--trust", "root.pem"]);
    has(&r, "signed:       PARTLY: not covered: /2");
    assert!(!success, "a partly signed message is a problem");
}

#[test]
fn field_content() {
    let s = Scratch::new();
    signed(&s, "signed.eml", &[]);
    let (r, _) = report(&s, "signed.eml", &[]);
    has(
        &r,
        &format!(
            "content:      text/plain, {} bytes",
            common::LETTER_ENTITY.len()
        ),
    );
    ok(&s.smime(&["open", "--in", "signed.eml", "--out", "content.eml"]));
    assert_eq!(text(&s.read("content.eml")), common::LETTER_ENTITY);
}

#[test]
fn field_verdict_and_certificates_only() {
    let s = Scratch::new();
    signed(&s, "signed.eml", &[]);
    let (r, success) = report(&s, "signed.eml", &["--trust", "root.pem", "--require-from"]);
    has(&r, "verdict:      TRUSTED: signed by CN=Alice");
    assert!(success);
    let (r, _) = report(&s, "letter.eml", &[]);
    has(&r, "verdict:      NOT TRUSTED");
    has(&r, "  - the message is not signed");

    // A certs-only message: listed, not signed, not a failure.
    ok(&s.openssl(&[
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        "alice.pem",
        "-certfile",
        "ca.pem",
        "-outform",
        "DER",
        "-out",
        "certs.p7c",
    ]));
    let (r, success) = report(&s, "certs.p7c", &[]);
    assert!(success, "{r}");
    has(&r, "certificates: 2 in a certs-only part at /");
}
