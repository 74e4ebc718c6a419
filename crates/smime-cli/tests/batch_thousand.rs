//! `smime batch` over 1,000 generated statements, each to its own recipient: every output
//! decrypts with that recipient's key and verifies with OpenSSL, and holds its own statement.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{P256, Scratch, identities, ok};

const STATEMENTS: usize = 1_000;

fn statement(i: usize) -> String {
    let mut text = format!(
        "From: Example Bank <alice@example.org>\nTo: Customer {i} <customer{i}@example.com>\n\
         Subject: Your statement no. {i}\n\nDear customer {i},\n\n"
    );
    for line in 0..20 {
        text.push_str(&format!(
            "2026-11-{:02}  transaction {line:>3}  {:>10}.{:02} EUR\n",
            line % 28 + 1,
            (i * 7919 + line * 104_729) % 100_000,
            (i + line) % 100
        ));
    }
    text.push_str(&format!("\nClosing balance of account {i:06}.\n"));
    text
}

#[test]
fn a_thousand_statements_each_to_its_own_recipient() {
    let s = Scratch::new();
    let ids = identities();
    for dir in ["in", "recipients", "keys"] {
        std::fs::create_dir(s.path(dir)).unwrap();
    }
    for i in 0..STATEMENTS {
        let customer = ids
            .pki
            .issue(&format!("Customer {i} <customer{i}@example.com>"), P256)
            .unwrap();
        s.write(&format!("in/st{i:04}.eml"), statement(i));
        s.write(
            &format!("recipients/st{i:04}.pem"),
            customer.certificate_pem().unwrap(),
        );
        s.write(
            &format!("keys/st{i:04}.key"),
            customer.private_key_pem().unwrap().as_bytes(),
        );
    }

    // The bank signs with RSA-2048 (Bob's identity plays the bank).
    let out = s.smime(&[
        "batch",
        "--signer",
        "bob.pem",
        "--key",
        "bob.key",
        "--certs",
        "ca.pem",
        "--recipients",
        "recipients",
        "--in",
        "in",
        "--out",
        "out",
    ]);
    ok(&out);
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.starts_with(&format!(
            "smime: signed and encrypted {STATEMENTS} of {STATEMENTS} messages in "
        )),
        "{summary}"
    );
    assert!(summary.ends_with(", 0 failed\n"), "{summary}");
    let written = std::fs::read_dir(s.path("out")).unwrap().count();
    assert_eq!(written, STATEMENTS);

    // Every output through OpenSSL: decrypt with the customer's key, verify to the root.
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= STATEMENTS {
                        break;
                    }
                    check_with_openssl(&s, i);
                }
            });
        }
    });
}

/// `openssl cms -decrypt … | openssl cms -verify …` on output `i`, and the statement inside.
fn check_with_openssl(s: &Scratch, i: usize) {
    let dir = s.dir.path();
    let decrypted = Command::new("openssl")
        .args(["cms", "-decrypt", "-binary", "-in"])
        .arg(format!("out/st{i:04}.eml"))
        .arg("-recip")
        .arg(format!("recipients/st{i:04}.pem"))
        .arg("-inkey")
        .arg(format!("keys/st{i:04}.key"))
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        decrypted.status.success(),
        "statement {i}: openssl cms -decrypt: {}",
        String::from_utf8_lossy(&decrypted.stderr)
    );
    let mut verify = Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-CAfile",
            "root.pem",
            "-purpose",
            "smimesign",
        ])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = verify.stdin.take().unwrap();
    let input = decrypted.stdout;
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(&input).unwrap();
    });
    let verified = verify.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        verified.status.success(),
        "statement {i}: openssl cms -verify: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let content = String::from_utf8_lossy(&verified.stdout).replace("\r\n", "\n");
    let expected = statement(i);
    let (_, body) = expected.split_once("\n\n").unwrap();
    assert!(content.ends_with(body), "statement {i}: {content}");
}
