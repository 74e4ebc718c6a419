//! Bad input gives a clear error — one `smime: …` sentence naming the file — and exit status
//! 1, never a panic: missing files, wrong passwords, keys that do not match certificates,
//! garbage, truncated and bit-flipped messages.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{Scratch, fails, ok};

/// Asserts that `line` mentions every one of `words`.
#[track_caller]
fn mentions(line: &str, words: &[&str]) {
    for word in words {
        assert!(line.contains(word), "{word:?} not in: {line}");
    }
}

#[test]
fn missing_files_are_named_with_their_flag() {
    let s = Scratch::new();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[
                "sign",
                "--signer",
                "nope.pem",
                "--key",
                "alice.key",
                "--in",
                "letter.eml",
                "--out",
                "x",
            ],
            &["'nope.pem'", "--signer", "No such file", "check the path"],
        ),
        (
            &[
                "sign",
                "--signer",
                "alice.pem",
                "--key",
                "nope.key",
                "--in",
                "letter.eml",
                "--out",
                "x",
            ],
            &["'nope.key'", "--key"],
        ),
        (
            &[
                "sign",
                "--signer",
                "alice.pem",
                "--key",
                "alice.key",
                "--in",
                "nope.eml",
                "--out",
                "x",
            ],
            &["'nope.eml'", "--in"],
        ),
        (
            &[
                "encrypt",
                "--to",
                "nope.pem",
                "--in",
                "letter.eml",
                "--out",
                "x",
            ],
            &["'nope.pem'", "--to"],
        ),
        (
            &[
                "verify",
                "--trust",
                "nope.pem",
                "--in",
                "letter.eml",
                "--out",
                "x",
            ],
            &["'nope.pem'", "--trust"],
        ),
        (
            &[
                "verify",
                "--trust",
                "root.pem",
                "--crl",
                "nope.crl",
                "--in",
                "letter.eml",
                "--out",
                "x",
            ],
            &["'nope.crl'", "--crl"],
        ),
        (
            &[
                "decrypt", "--key", "bob.key", "--cert", "bob.pem", "--in", "nope.eml", "--out",
                "x",
            ],
            &["'nope.eml'", "--in"],
        ),
        (&["open", "--in", "nope.eml"], &["'nope.eml'", "--in"]),
        (&["certs", "--in", "nope.p7c"], &["'nope.p7c'", "--in"]),
        (
            &["p12", "--in", "nope.p12", "--password", "x"],
            &["'nope.p12'", "--in"],
        ),
        (
            &[
                "batch",
                "--signer",
                "alice.pem",
                "--key",
                "alice.key",
                "--recipients",
                "nope",
                "--in",
                "nope",
                "--out",
                "out",
            ],
            &["'nope'", "--recipients"],
        ),
    ];
    for (args, words) in cases {
        let line = fails(&s.smime(args));
        mentions(&line, words);
    }
    // An output directory that does not exist.
    let line = fails(&s.smime(&[
        "sign",
        "--signer",
        "alice.pem",
        "--key",
        "alice.key",
        "--in",
        "letter.eml",
        "--out",
        "no/such/dir/x.eml",
    ]));
    mentions(&line, &["cannot write", "'no/such/dir/x.eml'", "--out"]);
}

#[test]
fn wrong_passwords() {
    let s = Scratch::new();
    ok(&s.smime(&[
        "p12",
        "--export",
        "--cert",
        "alice.pem",
        "--key",
        "alice.key",
        "--password",
        "right",
        "--out",
        "alice.p12",
    ]));
    let line = fails(&s.smime(&["p12", "--in", "alice.p12", "--password", "wrong"]));
    mentions(&line, &["'alice.p12'", "wrong password", "--password"]);

    // An encrypted PKCS #8 key: no password, then a wrong one.
    ok(&s.openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        "alice.key",
        "-passout",
        "pass:right",
        "-out",
        "alice.enc.key",
    ]));
    let sign = |password: Option<&str>| {
        let mut args = vec![
            "sign",
            "--signer",
            "alice.pem",
            "--key",
            "alice.enc.key",
            "--in",
            "letter.eml",
            "--out",
            "signed.eml",
        ];
        if let Some(password) = password {
            args.extend(["--key-password", password]);
        }
        s.smime(&args)
    };
    mentions(
        &fails(&sign(None)),
        &["'alice.enc.key'", "encrypted", "--key-password"],
    );
    mentions(
        &fails(&sign(Some("wrong"))),
        &["'alice.enc.key'", "wrong password"],
    );
    ok(&sign(Some("right")));
}

#[test]
fn keys_that_do_not_match_their_certificate() {
    let s = Scratch::new();
    let line = fails(&s.smime(&[
        "sign",
        "--signer",
        "alice.pem",
        "--key",
        "carol.key",
        "--in",
        "letter.eml",
        "--out",
        "x",
    ]));
    mentions(
        &line,
        &[
            "'carol.key'",
            "does not belong to the certificate",
            "'alice.pem'",
        ],
    );
    let line = fails(&s.smime(&[
        "decrypt",
        "--key",
        "carol.key",
        "--cert",
        "bob.pem",
        "--in",
        "letter.eml",
        "--out",
        "x",
    ]));
    mentions(&line, &["'carol.key'", "does not belong", "'bob.pem'"]);
    let line = fails(&s.smime(&[
        "p12",
        "--export",
        "--cert",
        "bob.pem",
        "--key",
        "alice.key",
        "--password",
        "x",
        "--out",
        "x.p12",
    ]));
    mentions(&line, &["'alice.key'", "does not belong", "'bob.pem'"]);
    let line = fails(&s.smime(&["open", "--key", "alice.key", "--in", "letter.eml"]));
    mentions(&line, &["1 --key and 0 --cert"]);
}

#[test]
fn a_message_for_someone_else() {
    let s = Scratch::new();
    ok(&s.smime(&[
        "encrypt",
        "--to",
        "bob.pem",
        "--in",
        "letter.eml",
        "--out",
        "sealed.eml",
    ]));
    let line = fails(&s.smime(&[
        "decrypt",
        "--key",
        "carol.key",
        "--cert",
        "carol.pem",
        "--in",
        "sealed.eml",
        "--out",
        "x",
    ]));
    mentions(
        &line,
        &[
            "'sealed.eml'",
            "not encrypted to any of the given keys",
            "CN=Carol",
        ],
    );
    // Decrypting what is not encrypted.
    let line = fails(&s.smime(&[
        "decrypt",
        "--key",
        "bob.key",
        "--cert",
        "bob.pem",
        "--in",
        "letter.eml",
        "--out",
        "x",
    ]));
    mentions(&line, &["'letter.eml'", "not encrypted"]);
    assert!(!s.path("x").exists());
}

#[test]
fn garbage_everywhere() {
    let s = Scratch::new();
    s.write("garbage.bin", [0x30u8, 0x82, 0xff, 0xff, 0x01, 0x02, 0x03]);
    s.write(
        "noise.bin",
        (0..2000u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    );
    let cases: &[&[&str]] = &[
        &[
            "sign",
            "--signer",
            "garbage.bin",
            "--key",
            "alice.key",
            "--in",
            "letter.eml",
            "--out",
            "x",
        ],
        &[
            "sign",
            "--signer",
            "alice.pem",
            "--key",
            "garbage.bin",
            "--in",
            "letter.eml",
            "--out",
            "x",
        ],
        &[
            "encrypt",
            "--to",
            "noise.bin",
            "--in",
            "letter.eml",
            "--out",
            "x",
        ],
        &[
            "verify",
            "--trust",
            "garbage.bin",
            "--in",
            "letter.eml",
            "--out",
            "x",
        ],
        &[
            "verify",
            "--trust",
            "root.pem",
            "--in",
            "garbage.bin",
            "--out",
            "x",
        ],
        &[
            "verify",
            "--der",
            "--trust",
            "root.pem",
            "--in",
            "noise.bin",
            "--out",
            "x",
        ],
        &[
            "verify",
            "--trust",
            "root.pem",
            "--crl",
            "noise.bin",
            "--in",
            "letter.eml",
            "--out",
            "x",
        ],
        &[
            "verify",
            "--trust",
            "root.pem",
            "--time",
            "yesterday",
            "--in",
            "letter.eml",
            "--out",
            "x",
        ],
        &[
            "decrypt",
            "--key",
            "bob.key",
            "--cert",
            "bob.pem",
            "--in",
            "garbage.bin",
            "--out",
            "x",
        ],
        &[
            "decrypt",
            "--der",
            "--key",
            "bob.key",
            "--cert",
            "bob.pem",
            "--in",
            "noise.bin",
            "--out",
            "x",
        ],
        &["open", "--in", "garbage.bin"],
        &["certs", "--in", "garbage.bin"],
        &["certs", "--in", "noise.bin"],
        &["certs", "--in", "letter.eml"],
        &["p12", "--in", "noise.bin", "--password", "x"],
        &["p12", "--in", "garbage.bin", "--password", "x"],
    ];
    for args in cases {
        let line = fails(&s.smime(args));
        assert!(!line.contains("panicked"), "{args:?}: {line}");
    }
    // verify on an unsigned message: not signed.
    let line = fails(&s.smime(&[
        "verify",
        "--trust",
        "root.pem",
        "--in",
        "letter.eml",
        "--out",
        "x",
    ]));
    mentions(
        &line,
        &["verification of 'letter.eml' failed", "not signed"],
    );
    assert!(!s.path("x").exists(), "nothing is written on failure");
}

#[test]
fn truncated_and_bit_flipped_messages() {
    let s = Scratch::new();
    ok(&s.smime(&[
        "sign",
        "--signer",
        "alice.pem",
        "--key",
        "alice.key",
        "--certs",
        "ca.pem",
        "--opaque",
        "--in",
        "letter.eml",
        "--out",
        "signed.eml",
    ]));
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
        "detached.eml",
    ]));
    ok(&s.smime(&[
        "encrypt",
        "--to",
        "bob.pem",
        "--in",
        "letter.eml",
        "--out",
        "sealed.eml",
    ]));
    let verify = |name: &str| {
        s.smime(&[
            "verify", "--trust", "root.pem", "--in", name, "--out", "out.eml",
        ])
    };
    let decrypt = |name: &str| {
        s.smime(&[
            "decrypt", "--key", "bob.key", "--cert", "bob.pem", "--in", name, "--out", "out.eml",
        ])
    };
    for (name, run) in [
        (
            "signed.eml",
            &verify as &dyn Fn(&str) -> std::process::Output,
        ),
        ("detached.eml", &verify),
        ("sealed.eml", &decrypt),
    ] {
        let original = s.read(name);
        let body = original.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        // Truncated at several points of the body (not only in a closing delimiter, which
        // mail clients rightly forgive).
        for cut in [body + 1, (body + original.len()) / 2, original.len() - 100] {
            s.write("cut.eml", &original[..cut]);
            let line = fails(&run("cut.eml"));
            mentions(&line, &["'cut.eml'"]);
        }
        // One character changed at several points of the body (base64 stays base64).
        for at in (body..original.len() - 10).step_by((original.len() - body) / 9) {
            let mut flipped = original.clone();
            // Only content and base64 lines: a changed header parameter (a file name) may
            // rightly change nothing.
            let line_start = original[..at]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1);
            let line_end = original[at..]
                .iter()
                .position(|b| *b == b'\r')
                .map_or(original.len(), |i| at + i);
            let line = &original[line_start..line_end];
            if !flipped[at].is_ascii_alphanumeric()
                || line.contains(&b':')
                || line.starts_with(b"--")
            {
                continue;
            }
            flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
            s.write("flipped.eml", &flipped);
            let output = run("flipped.eml");
            let line = fails(&output);
            mentions(&line, &["'flipped.eml'"]);
        }
    }
    assert!(!s.path("out.eml").exists(), "nothing is written on failure");
}
