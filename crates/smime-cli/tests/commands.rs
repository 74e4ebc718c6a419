//! Every subcommand's happy path, run as a process.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{LETTER_ENTITY, Scratch, fails, ok};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn sign_then_verify() {
    let s = Scratch::new();
    for extra in [
        &[][..],
        &["--detached"][..],
        &["--opaque"][..],
        &["--digest", "sha384"][..],
        &["--digest", "sha512", "--opaque"][..],
    ] {
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
            "signed.eml",
        ];
        args.extend_from_slice(extra);
        ok(&s.smime(&args));
        // Compared without quotes: `smime-type="signed-data"` and `smime-type=signed-data`
        // are the same parameter.
        let signed = text(&s.read("signed.eml")).replace('"', "");
        assert!(
            signed.starts_with("From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\n"),
            "{signed}"
        );
        let expected_type = if extra.contains(&"--opaque") {
            "Content-Type: application/pkcs7-mime; smime-type=signed-data"
        } else {
            "Content-Type: multipart/signed"
        };
        assert!(signed.contains(expected_type), "{extra:?}: {signed}");
        if let Some(digest) = extra.iter().find(|a| a.starts_with("sha"))
            && !extra.contains(&"--opaque")
        {
            assert!(
                signed.contains(&format!("micalg=sha-{}", &digest[3..])),
                "{signed}"
            );
        }

        let out = s.smime(&[
            "verify",
            "--trust",
            "root.pem",
            "--in",
            "signed.eml",
            "--out",
            "content.eml",
        ]);
        ok(&out);
        assert_eq!(text(&s.read("content.eml")), LETTER_ENTITY, "{extra:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("smime: signer CN=Alice: signature valid (ECDSA with sha"),
            "{stderr}"
        );
        assert!(
            stderr.contains(
                "smime: From Alice <alice@example.org> matches the certificate of CN=Alice"
            ),
            "{stderr}"
        );
        assert!(
            stderr.ends_with("smime: verification successful\n"),
            "{stderr}"
        );
    }
}

#[test]
fn rsa_pss_signature_verifies() {
    let s = Scratch::new();
    ok(&s.smime(&[
        "sign",
        "--signer",
        "bob.pem",
        "--key",
        "bob.key",
        "--pss",
        "--in",
        "letter.eml",
        "--out",
        "signed.eml",
    ]));
    let out = s.smime(&[
        "verify",
        "--trust",
        "root.pem",
        "--certs",
        "ca.pem",
        "--in",
        "signed.eml",
        "--out",
        "-",
    ]);
    assert_eq!(text(&ok(&out)), LETTER_ENTITY);
    assert!(text(&out.stderr).contains("signature valid (RSASSA-PSS with sha256)"));
}

#[test]
fn stdin_and_stdout_and_plain_text() {
    let s = Scratch::new();
    let signed = ok(&s.smime_with_stdin(
        &[
            "sign",
            "--signer",
            "alice.pem",
            "--key",
            "alice.key",
            "--certs",
            "ca.pem",
            "--in",
            "-",
            "--out",
            "-",
        ],
        Some(b"Just a line of text.\n"),
    ));
    let content = ok(&s.smime_with_stdin(
        &["verify", "--trust", "root.pem", "--in", "-", "--out", "-"],
        Some(&signed),
    ));
    assert_eq!(
        text(&content),
        "Content-Type: text/plain; charset=utf-8\r\n\r\nJust a line of text.\r\n"
    );
}

#[test]
fn encrypt_then_decrypt_with_each_cipher() {
    let s = Scratch::new();
    for (cipher, smime_type) in [
        (None, "authEnveloped-data"),
        (Some("aes-256-gcm"), "authEnveloped-data"),
        (Some("aes-128-gcm"), "authEnveloped-data"),
        (Some("aes-256-cbc"), "enveloped-data"),
        (Some("aes-128-cbc"), "enveloped-data"),
    ] {
        let mut args = vec![
            "encrypt",
            "--to",
            "bob.pem",
            "--to",
            "carol.pem",
            "--in",
            "letter.eml",
            "--out",
            "sealed.eml",
        ];
        if let Some(cipher) = cipher {
            args.extend(["--cipher", cipher]);
        }
        ok(&s.smime(&args));
        let sealed = text(&s.read("sealed.eml")).replace('"', "");
        assert!(
            sealed.contains(&format!("smime-type={smime_type}")),
            "{cipher:?}: {sealed}"
        );
        assert!(!sealed.contains("1,234.56"));
        for who in ["bob", "carol"] {
            let key = format!("{who}.key");
            let cert = format!("{who}.pem");
            let out = s.smime(&[
                "decrypt",
                "--key",
                &key,
                "--cert",
                &cert,
                "--in",
                "sealed.eml",
                "--out",
                "-",
            ]);
            assert_eq!(text(&ok(&out)), LETTER_ENTITY, "{cipher:?} {who}");
            let note = text(&out.stderr);
            assert_eq!(
                note.contains("does not authenticate it"),
                smime_type == "enveloped-data",
                "{note}"
            );
        }
    }
}

#[test]
fn oaep_and_der_decrypt() {
    let s = Scratch::new();
    ok(&s.smime(&[
        "encrypt",
        "--to",
        "bob.pem",
        "--oaep",
        "--in",
        "letter.eml",
        "--out",
        "sealed.eml",
    ]));
    // The CMS inside, as DER, decrypts with --der and is detected without it.
    let entity = s.read("sealed.eml");
    let parsed = smime::mime::Entity::parse(&entity).unwrap();
    let der = parsed.decoded_body().unwrap().into_owned();
    s.write("sealed.p7m", &der);
    for flags in [&["--der"][..], &[][..]] {
        let mut args = vec![
            "decrypt",
            "--key",
            "bob.key",
            "--cert",
            "bob.pem",
            "--in",
            "sealed.p7m",
            "--out",
            "-",
        ];
        args.extend_from_slice(flags);
        assert_eq!(text(&ok(&s.smime(&args))), LETTER_ENTITY);
    }
    // The RecipientInfo uses OAEP.
    let out = s.openssl(&[
        "cms",
        "-cmsout",
        "-print",
        "-inform",
        "DER",
        "-in",
        "sealed.p7m",
    ]);
    assert!(
        text(&ok(&out)).contains("rsaesOaep"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn sign_encrypt_decrypt_verify_pipeline_keeps_from() {
    let s = Scratch::new();
    ok(&s.smime(&[
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
        "signed.eml",
    ]));
    ok(&s.smime(&[
        "encrypt",
        "--to",
        "bob.pem",
        "--in",
        "signed.eml",
        "--out",
        "sealed.eml",
    ]));
    ok(&s.smime(&[
        "decrypt",
        "--key",
        "bob.key",
        "--cert",
        "bob.pem",
        "--keep-headers",
        "--in",
        "sealed.eml",
        "--out",
        "inner.eml",
    ]));
    let inner = text(&s.read("inner.eml"));
    assert!(
        inner.starts_with("From: Alice <alice@example.org>\r\n"),
        "{inner}"
    );
    let out = s.smime(&[
        "verify",
        "--trust",
        "root.pem",
        "--require-from",
        "--in",
        "inner.eml",
        "--out",
        "-",
    ]);
    assert_eq!(text(&ok(&out)), LETTER_ENTITY);
}

#[test]
fn open_prints_the_report_and_writes_the_content() {
    let s = Scratch::new();
    ok(&s.smime(&[
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
        "signed.eml",
    ]));
    ok(&s.smime(&[
        "encrypt",
        "--to",
        "bob.pem",
        "--in",
        "signed.eml",
        "--out",
        "sealed.eml",
    ]));
    let out = s.smime(&[
        "open",
        "--key",
        "bob.key",
        "--cert",
        "bob.pem",
        "--trust",
        "root.pem",
        "--in",
        "sealed.eml",
        "--out",
        "content.eml",
    ]);
    let report = text(&ok(&out));
    assert!(
        report.contains("encrypted:    yes (/): AES-256-GCM, authenticated"),
        "{report}"
    );
    assert!(
        report.contains("verdict:      TRUSTED: signed by CN=Alice"),
        "{report}"
    );
    assert_eq!(text(&s.read("content.eml")), LETTER_ENTITY);
    // With --out -, the content goes to stdout and the report to stderr.
    let out = s.smime(&[
        "open",
        "--key",
        "bob.key",
        "--cert",
        "bob.pem",
        "--in",
        "sealed.eml",
        "--out",
        "-",
    ]);
    assert_eq!(text(&ok(&out)), LETTER_ENTITY);
    assert!(text(&out.stderr).contains("chain:      not evaluated (no trust anchors given)"));
}

#[test]
fn certs_from_signed_mime_der_and_pem() {
    let s = Scratch::new();
    ok(&s.smime(&[
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
        "signed.eml",
    ]));
    let pem = text(&ok(&s.smime(&["certs", "--in", "signed.eml"])));
    assert_eq!(
        pem.matches("-----BEGIN CERTIFICATE-----").count(),
        2,
        "{pem}"
    );
    assert!(pem.contains("subject=CN=Alice\n"), "{pem}");
    let certificates = smime::x509::load_certificates(pem.as_bytes()).unwrap();
    let ids = common::identities();
    assert_eq!(&certificates[0], ids.alice.certificate());
    assert_eq!(&certificates[1], ids.pki.intermediate().certificate());

    // A certs-only message from OpenSSL, DER and PEM, and to a file.
    ok(&s.openssl(&[
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        "alice.pem",
        "-certfile",
        "bob.pem",
        "-outform",
        "DER",
        "-out",
        "certs.p7c",
    ]));
    ok(&s.openssl(&[
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        "carol.pem",
        "-out",
        "certs.pem.p7c",
    ]));
    ok(&s.smime(&["certs", "--in", "certs.p7c", "--out", "out.pem"]));
    let found = smime::x509::load_certificates(&s.read("out.pem")).unwrap();
    assert_eq!(
        found,
        [
            ids.alice.certificate().clone(),
            ids.bob.certificate().clone()
        ]
    );
    let pem = ok(&s.smime(&["certs", "--in", "certs.pem.p7c"]));
    assert_eq!(
        smime::x509::load_certificates(&pem).unwrap(),
        [ids.carol.certificate().clone()]
    );
}

#[test]
fn p12_export_then_import() {
    let s = Scratch::new();
    for compat in [false, true] {
        let mut args = vec![
            "p12",
            "--export",
            "--cert",
            "alice.pem",
            "--key",
            "alice.key",
            "--certs",
            "ca.pem",
            "--password",
            "correct horse",
            "--out",
            "alice.p12",
        ];
        if compat {
            args.push("--compat");
        }
        ok(&s.smime(&args));
        let pem = text(&ok(&s.smime(&[
            "p12",
            "--in",
            "alice.p12",
            "--password",
            "correct horse",
        ])));
        assert!(pem.contains("friendlyName=alice@example.org"), "{pem}");
        let certificates = smime::x509::load_certificates(pem.as_bytes()).unwrap();
        let ids = common::identities();
        assert!(certificates.contains(ids.alice.certificate()));
        assert!(certificates.contains(ids.pki.intermediate().certificate()));
        let key = smime::crypto::private_key_to_pkcs8(pem.as_bytes(), None).unwrap();
        assert_eq!(key.as_slice(), ids.alice.pkcs8_der());
    }
    // The password from a file; the PEM to a file.
    s.write("password.txt", "correct horse\n");
    ok(&s.smime(&[
        "p12",
        "--in",
        "alice.p12",
        "--password-file",
        "password.txt",
        "--out",
        "alice-out.pem",
    ]));
    assert!(text(&s.read("alice-out.pem")).contains("-----BEGIN PRIVATE KEY-----"));
}

#[test]
fn batch_seals_a_directory() {
    let s = Scratch::new();
    for dir in ["in", "recipients"] {
        std::fs::create_dir(s.path(dir)).unwrap();
    }
    for (name, who) in [("bob-01", "bob"), ("carol-02", "carol"), ("bob-03", "bob")] {
        s.write(
            &format!("in/{name}.eml"),
            format!("From: Alice <alice@example.org>\nSubject: {name}\n\nStatement {name}\n"),
        );
        std::fs::copy(
            s.path(&format!("{who}.pem")),
            s.path(&format!("recipients/{name}.pem")),
        )
        .unwrap();
    }
    s.write("in/notes.txt", "not a message");
    let out = s.smime(&[
        "batch",
        "--signer",
        "alice.pem",
        "--key",
        "alice.key",
        "--certs",
        "ca.pem",
        "--recipients",
        "recipients",
        "--in",
        "in",
        "--out",
        "out",
        "--jobs",
        "2",
    ]);
    ok(&out);
    let summary = text(&out.stderr);
    assert!(
        summary.starts_with("smime: signed and encrypted 3 of 3 messages in "),
        "{summary}"
    );
    assert!(summary.contains("messages/s"), "{summary}");
    assert!(summary.ends_with(", 0 failed\n"), "{summary}");
    let mut written: Vec<String> = std::fs::read_dir(s.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    assert_eq!(written, ["bob-01.eml", "bob-03.eml", "carol-02.eml"]);
    for (name, who) in [("bob-01", "bob"), ("carol-02", "carol"), ("bob-03", "bob")] {
        let out = s.smime(&[
            "open",
            "--key",
            &format!("{who}.key"),
            "--cert",
            &format!("{who}.pem"),
            "--trust",
            "root.pem",
            "--require-from",
            "--in",
            &format!("out/{name}.eml"),
            "--out",
            "-",
        ]);
        let content = text(&ok(&out));
        assert!(
            content.ends_with(&format!("Statement {name}\r\n")),
            "{content}"
        );
    }
}

#[test]
fn demo_runs_the_whole_flow() {
    let s = Scratch::new();
    let out = s.smime(&["demo", "--keep", "demo"]);
    let report = text(&ok(&out));
    for expected in [
        "1. A temporary PKI",
        "encrypted:    yes (/): AES-256-GCM, authenticated",
        "signature:  valid (ECDSA with sha256)",
        "level:      Mailbox-validated, strict (CA/Browser Forum)",
        "verdict:      TRUSTED: signed by CN=Alice Example",
        "4. The same message with one character changed",
        "could not be decrypted: the content does not authenticate",
        "5. Mallory signs",
        "is not one of the signer \"CN=Mallory\"'s addresses",
    ] {
        assert!(
            report.contains(expected),
            "missing {expected:?} in:\n{report}"
        );
    }
    assert!(
        report.lines().count() < 45,
        "the demo should stay short:\n{report}"
    );
    // The kept files work with the other commands, as the demo says.
    let out = s.smime(&[
        "open",
        "--key",
        "demo/bob.key",
        "--cert",
        "demo/bob.pem",
        "--trust",
        "demo/root.pem",
        "--in",
        "demo/statement.eml",
    ]);
    assert!(text(&ok(&out)).contains("verdict:      TRUSTED"));
}

#[test]
fn help_has_examples() {
    let s = Scratch::new();
    let help = text(&ok(&s.smime(&["--help"])));
    assert!(help.contains("Examples:\n  smime demo"), "{help}");
    for command in [
        "sign", "encrypt", "verify", "decrypt", "open", "certs", "p12", "batch", "demo",
    ] {
        let help = text(&ok(&s.smime(&[command, "--help"])));
        assert!(help.contains("Example"), "{command}: {help}");
    }
    // A usage error is exit status 2, from clap.
    let out = s.smime(&["sign", "--in", "letter.eml"]);
    assert_eq!(out.status.code(), Some(2));
}

/// mimekit/SOURCE.md: Thunderbird's signed mail of 2013 verifies against the StartCom root at
/// its signing time (SHA-1 certificates allowed), and not today.
#[test]
fn verify_archived_real_mail() {
    let s = Scratch::new();
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/mimekit/smime/"
    );
    let root = format!("{dir}StartComCertificationAuthority.crt");
    let intermediate = format!("{dir}StartComClass1PrimaryIntermediateClientCA.crt");
    let message = format!("{dir}thunderbird-signed.txt");
    let archived = [
        "verify",
        "--trust",
        &root,
        "--certs",
        &intermediate,
        "--allow-sha1",
        "--require-from",
        "--time",
        "2013-11-03T00:00:00Z",
        "--in",
        &message,
        "--out",
        "content.eml",
    ];
    let out = s.smime(&archived);
    ok(&out);
    assert!(
        text(&out.stderr).contains("smime: From Jeffrey Stedfast <fejj@gnome.org> matches"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&s.read("content.eml")).starts_with("Content-Type: multipart/mixed"));
    let today = [
        "verify",
        "--trust",
        &root,
        "--certs",
        &intermediate,
        "--allow-sha1",
        "--in",
        &message,
        "--out",
        "content2.eml",
    ];
    let line = fails(&s.smime(&today));
    assert!(line.contains("expired at"), "{line}");
}
