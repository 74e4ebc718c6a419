//! Interoperability with OpenSSL, both ways, on whole messages through the CLI: what `smime`
//! writes, `openssl cms` and `openssl pkcs12` read; what they write, `smime` reads.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{LETTER_ENTITY, Scratch, ok};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// CR LF → LF, for comparing what OpenSSL writes in text mode.
fn lf(bytes: &[u8]) -> String {
    text(bytes).replace("\r\n", "\n")
}

#[test]
fn openssl_verifies_what_smime_signs() {
    let s = Scratch::new();
    for (flags, signer) in [
        (&[][..], "alice"),
        (&["--opaque"][..], "alice"),
        (&["--pss", "--digest", "sha384"][..], "bob"),
        (&["--opaque", "--digest", "sha512"][..], "bob"),
    ] {
        let cert = format!("{signer}.pem");
        let key = format!("{signer}.key");
        let mut args = vec![
            "sign",
            "--signer",
            &cert,
            "--key",
            &key,
            "--certs",
            "ca.pem",
            "--in",
            "letter.eml",
            "--out",
            "signed.eml",
        ];
        args.extend_from_slice(flags);
        ok(&s.smime(&args));
        // OpenSSL's -binary mode does not read the content of a multipart/signed back as
        // it was signed; text mode (CR LF, as mail is) does.
        let out = s.openssl(&[
            "cms",
            "-verify",
            "-CAfile",
            "root.pem",
            "-purpose",
            "smimesign",
            "-in",
            "signed.eml",
        ]);
        assert_eq!(
            lf(&ok(&out)),
            lf(LETTER_ENTITY.as_bytes()),
            "{flags:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn smime_verifies_what_openssl_signs() {
    let s = Scratch::new();
    for flags in [
        &[][..],
        &["-nodetach"][..],
        &["-binary"][..],
        &["-md", "sha512", "-nodetach", "-binary"][..],
        &["-stream"][..],
    ] {
        let mut args = vec![
            "cms",
            "-sign",
            "-signer",
            "alice.pem",
            "-inkey",
            "alice.key",
            "-certfile",
            "ca.pem",
            "-in",
            "letter.eml",
            "-out",
            "signed.eml",
        ];
        args.extend_from_slice(flags);
        ok(&s.openssl(&args));
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
        let content = s.read("content.eml");
        assert!(
            lf(&content).ends_with("Your balance is 1,234.56 EUR.\n"),
            "{flags:?}: {}",
            text(&content)
        );
    }
    // DER output, attached and detached (the content given with --content).
    ok(&s.openssl(&[
        "cms",
        "-sign",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-certfile",
        "ca.pem",
        "-nodetach",
        "-binary",
        "-outform",
        "DER",
        "-in",
        "letter.eml",
        "-out",
        "signed.p7m",
    ]));
    for extra in [&["--der"][..], &[][..]] {
        let mut args = vec![
            "verify",
            "--trust",
            "root.pem",
            "--in",
            "signed.p7m",
            "--out",
            "-",
        ];
        args.extend_from_slice(extra);
        assert_eq!(ok(&s.smime(&args)), s.read("letter.eml"));
    }
    ok(&s.openssl(&[
        "cms",
        "-sign",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-binary",
        "-outform",
        "PEM",
        "-in",
        "letter.eml",
        "-out",
        "detached.pem",
    ]));
    let out = s.smime(&[
        "verify",
        "--der",
        "--content",
        "letter.eml",
        "--trust",
        "root.pem",
        "--certs",
        "ca.pem",
        "--in",
        "detached.pem",
        "--out",
        "-",
    ]);
    assert_eq!(ok(&out), s.read("letter.eml"));
}

#[test]
fn openssl_decrypts_what_smime_encrypts() {
    let s = Scratch::new();
    for (flags, reader) in [
        (&[][..], "bob"),
        (&[][..], "carol"),
        (&["--cipher", "aes-128-gcm"][..], "carol"),
        (&["--cipher", "aes-256-cbc"][..], "bob"),
        (&["--cipher", "aes-128-cbc", "--oaep"][..], "bob"),
        (&["--oaep"][..], "bob"),
    ] {
        let to = format!("{reader}.pem");
        let mut args = vec![
            "encrypt",
            "--to",
            &to,
            "--to",
            "alice.pem",
            "--in",
            "letter.eml",
            "--out",
            "sealed.eml",
        ];
        args.extend_from_slice(flags);
        ok(&s.smime(&args));
        let key = format!("{reader}.key");
        let out = s.openssl(&[
            "cms",
            "-decrypt",
            "-recip",
            &to,
            "-inkey",
            &key,
            "-in",
            "sealed.eml",
            "-binary",
        ]);
        assert_eq!(
            text(&ok(&out)),
            LETTER_ENTITY,
            "{flags:?} {reader}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn smime_decrypts_what_openssl_encrypts() {
    let s = Scratch::new();
    for (cipher, recipient_options, reader) in [
        ("-aes256", &[][..], "bob"),
        ("-aes128", &[][..], "carol"),
        ("-aes-256-gcm", &[][..], "bob"),
        ("-aes-128-gcm", &[][..], "carol"),
        ("-des3", &[][..], "bob"),
        ("-aes256", &["-keyopt", "rsa_padding_mode:oaep"][..], "bob"),
        ("-aes192", &[][..], "bob"),
        ("-aes256", &["-stream"][..], "carol"),
    ] {
        let to = format!("{reader}.pem");
        let mut args = vec![
            "cms",
            "-encrypt",
            cipher,
            "-in",
            "letter.eml",
            "-out",
            "sealed.eml",
            "-recip",
            &to,
        ];
        args.extend_from_slice(recipient_options);
        ok(&s.openssl(&args));
        let flags = (cipher, recipient_options);
        let key = format!("{reader}.key");
        let out = s.smime(&[
            "decrypt",
            "--key",
            &key,
            "--cert",
            &to,
            "--in",
            "sealed.eml",
            "--out",
            "-",
        ]);
        let content = ok(&out);
        // OpenSSL encrypts the whole input, header fields included, with CR LF line ends.
        assert_eq!(lf(&content), common::LETTER, "{flags:?}");
        assert!(text(&content).contains("\r\n"));
    }
    // DER input, with and without --der.
    ok(&s.openssl(&[
        "cms",
        "-encrypt",
        "-aes-256-gcm",
        "-outform",
        "DER",
        "-in",
        "letter.eml",
        "-out",
        "sealed.p7m",
        "bob.pem",
    ]));
    for extra in [&["--der"][..], &[][..]] {
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
        args.extend_from_slice(extra);
        assert_eq!(lf(&ok(&s.smime(&args))), common::LETTER);
    }
}

#[test]
fn sign_then_encrypt_both_ways() {
    let s = Scratch::new();
    // smime → openssl.
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
    let inner = ok(&s.openssl(&[
        "cms",
        "-decrypt",
        "-recip",
        "bob.pem",
        "-inkey",
        "bob.key",
        "-in",
        "sealed.eml",
        "-binary",
    ]));
    let out = s.openssl_with_stdin(&["cms", "-verify", "-CAfile", "root.pem"], Some(&inner));
    assert_eq!(lf(&ok(&out)), lf(LETTER_ENTITY.as_bytes()));

    // openssl → smime: one `open` decrypts, verifies and judges.
    ok(&s.openssl(&[
        "cms",
        "-sign",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-certfile",
        "ca.pem",
        "-in",
        "letter.eml",
        "-out",
        "o-signed.eml",
    ]));
    ok(&s.openssl(&[
        "cms",
        "-encrypt",
        "-aes-256-gcm",
        "-in",
        "o-signed.eml",
        "-out",
        "o-sealed.eml",
        "bob.pem",
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
        "o-sealed.eml",
    ]);
    let report = text(&ok(&out));
    assert!(
        report.contains("encrypted:    yes (/): AES-256-GCM, authenticated"),
        "{report}"
    );
    assert!(
        report.contains("signature:  valid (ECDSA with sha256)"),
        "{report}"
    );
    assert!(
        report.contains("verdict:      TRUSTED: signed by CN=Alice"),
        "{report}"
    );
    // And step by step.
    ok(&s.smime(&[
        "decrypt",
        "--key",
        "bob.key",
        "--cert",
        "bob.pem",
        "--in",
        "o-sealed.eml",
        "--out",
        "o-inner.eml",
    ]));
    let content = ok(&s.smime(&[
        "verify",
        "--trust",
        "root.pem",
        "--require-from",
        "--in",
        "o-inner.eml",
        "--out",
        "-",
    ]));
    assert!(lf(&content).ends_with("Your balance is 1,234.56 EUR.\n"));
}

#[test]
fn pkcs12_both_ways() {
    let s = Scratch::new();
    let ids = common::identities();
    // smime → openssl, modern and compatibility profiles.
    for compat in [false, true] {
        let mut args = vec![
            "p12",
            "--export",
            "--cert",
            "bob.pem",
            "--key",
            "bob.key",
            "--certs",
            "ca.pem",
            "--name",
            "Bob's mail",
            "--password",
            "pässwörd",
            "--out",
            "bob.p12",
        ];
        if compat {
            args.push("--compat");
        }
        ok(&s.smime(&args));
        let out = s.openssl(&[
            "pkcs12",
            "-in",
            "bob.p12",
            "-passin",
            "pass:pässwörd",
            "-nodes",
        ]);
        let pem = ok(&out);
        let certificates = smime::x509::load_certificates(&pem).unwrap();
        assert!(certificates.contains(ids.bob.certificate()));
        assert!(certificates.contains(ids.pki.intermediate().certificate()));
        let key = smime::crypto::private_key_to_pkcs8(&pem, None).unwrap();
        assert_eq!(key.as_slice(), ids.bob.pkcs8_der());
        assert!(
            text(&pem).contains("friendlyName: Bob's mail"),
            "{}",
            text(&pem)
        );
        let info = s.openssl(&[
            "pkcs12",
            "-in",
            "bob.p12",
            "-passin",
            "pass:pässwörd",
            "-info",
            "-noout",
        ]);
        let info = text(&info.stderr);
        if compat {
            assert!(info.contains("MAC: sha1"), "{info}");
            assert!(info.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "{info}");
        } else {
            assert!(info.contains("MAC: sha256"), "{info}");
            assert!(info.contains("PBES2"), "{info}");
        }
    }
    // openssl → smime: the default and the 3DES/SHA-1 profile, and an empty password.
    for (flags, password) in [
        (&[][..], "secret"),
        (
            &[
                "-certpbe",
                "PBE-SHA1-3DES",
                "-keypbe",
                "PBE-SHA1-3DES",
                "-macalg",
                "sha1",
            ][..],
            "secret",
        ),
        (&[][..], ""),
    ] {
        let pass = format!("pass:{password}");
        let mut args = vec![
            "pkcs12",
            "-export",
            "-in",
            "carol.pem",
            "-inkey",
            "carol.key",
            "-certfile",
            "ca.pem",
            "-name",
            "carol",
            "-passout",
            &pass,
            "-out",
            "carol.p12",
        ];
        args.extend_from_slice(flags);
        ok(&s.openssl(&args));
        let pem = ok(&s.smime(&["p12", "--in", "carol.p12", "--password", password]));
        let certificates = smime::x509::load_certificates(&pem).unwrap();
        assert!(certificates.contains(ids.carol.certificate()), "{flags:?}");
        assert!(certificates.contains(ids.pki.intermediate().certificate()));
        let key = smime::crypto::private_key_to_pkcs8(&pem, None).unwrap();
        assert_eq!(key.as_slice(), ids.carol.pkcs8_der(), "{flags:?}");
        assert!(text(&pem).contains("friendlyName=carol"));
    }
}
