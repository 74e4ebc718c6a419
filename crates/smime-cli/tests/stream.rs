//! Big messages through the CLI: inputs over `STREAM_THRESHOLD` (8 MiB) are streamed. 20 MB
//! round trips, interop with `openssl cms -stream` both ways (byte-exact), tampered big
//! messages that must leave no `--out` behind, and big stdin.
// Test code: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{Scratch, fails, ok};

/// 20 MB: well over the 8 MiB threshold, small enough for a debug-build test.
const BIG: usize = 20_000_000;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Deterministic pseudo-random bytes (xorshift64), so that no two chunks are alike.
fn binary(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The body of a big letter: numbered CR LF lines of text (already canonical, so what is
/// signed is what was given).
fn big_body() -> &'static [u8] {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        let mut body = Vec::with_capacity(BIG + 100);
        let mut line = 0u64;
        while body.len() < BIG {
            body.extend_from_slice(
                format!(
                    "{line:08} statement line: balance 1,234.56 EUR, ref {:016x}\r\n",
                    line.wrapping_mul(0x9e37_79b9_7f4a_7c15)
                )
                .as_bytes(),
            );
            line += 1;
        }
        body
    })
}

/// The Content-* fields of the big letter. With its transfer encoding stated, the big body
/// passes as it is (without, a streaming writer, which cannot look at its end first,
/// base64-encodes it).
const ENTITY_HEADER: &[u8] =
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n";

const BIG_HEADER: &[u8] = b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\n\
Subject: Big statement\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 7bit\r\n\r\n";

/// What a verifier or decryptor gets back from the big letter: its Content-* fields and body.
fn big_entity() -> Vec<u8> {
    let mut entity = ENTITY_HEADER.to_vec();
    entity.extend_from_slice(big_body());
    entity
}

/// A scratch directory with `big.eml` (the big letter) and `big.bin` (20 MB of binary).
fn big_scratch() -> Scratch {
    let s = Scratch::new();
    let mut letter = BIG_HEADER.to_vec();
    letter.extend_from_slice(big_body());
    s.write("big.eml", letter);
    s.write("big.bin", binary(BIG));
    s
}

/// Asserts that `dir` holds no file but the expected ones (no spooled temporary file, no
/// `--out`).
#[track_caller]
fn only_files(dir: &Path, expected: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(names, expected);
}

const PKI_FILES: &[&str] = &[
    "root.pem",
    "ca.pem",
    "ca.key",
    "alice.pem",
    "alice.key",
    "bob.pem",
    "bob.key",
    "carol.pem",
    "carol.key",
    "other-root.pem",
    "letter.eml",
    "big.eml",
    "big.bin",
];

fn with_pki(extra: &[&'static str]) -> Vec<&'static str> {
    let mut all = PKI_FILES.to_vec();
    all.extend_from_slice(extra);
    all
}

#[test]
fn big_sign_then_verify_detached_and_opaque() {
    let s = big_scratch();
    for mode in ["--detached", "--opaque"] {
        ok(&s.smime(&[
            "sign",
            "--signer",
            "alice.pem",
            "--key",
            "alice.key",
            "--certs",
            "ca.pem",
            mode,
            "--in",
            "big.eml",
            "--out",
            "signed.eml",
        ]));
        let signed = s.read("signed.eml");
        assert!(signed.len() > BIG, "{mode}: {}", signed.len());
        assert!(
            text(&signed[..2000]).contains("From: Alice <alice@example.org>\r\n"),
            "{mode}"
        );
        let out = s.smime(&[
            "verify",
            "--trust",
            "root.pem",
            "--require-from",
            "--in",
            "signed.eml",
            "--out",
            "content.eml",
        ]);
        ok(&out);
        let stderr = text(&out.stderr);
        assert!(stderr.contains("smime: signer "), "{stderr}");
        assert!(stderr.contains("signature valid"), "{stderr}");
        assert!(stderr.contains("chain trusted"), "{stderr}");
        assert!(
            stderr.contains("smime: From Alice <alice@example.org> matches the certificate"),
            "{stderr}"
        );
        assert!(
            stderr.ends_with("smime: verification successful\n"),
            "{stderr}"
        );
        assert!(
            s.read("content.eml") == big_entity(),
            "{mode}: content differs"
        );
        std::fs::remove_file(s.path("content.eml")).unwrap();
        // A trust anchor of another PKI: the signature is valid, the signer is not trusted.
        let out = s.smime(&[
            "verify",
            "--trust",
            "other-root.pem",
            "--in",
            "signed.eml",
            "--out",
            "content.eml",
        ]);
        let last = fails(&out);
        assert!(last.contains("is not trusted"), "{last}");
        assert!(last.contains("check --trust"), "{last}");
        assert!(
            !s.path("content.eml").exists(),
            "{mode}: unverified content left behind"
        );
        std::fs::remove_file(s.path("signed.eml")).unwrap();
    }
    only_files(s.dir.path(), &with_pki(&[]));
}

#[test]
fn big_encrypt_then_decrypt_gcm_and_cbc() {
    let s = big_scratch();
    for (cipher, reader) in [("aes-256-gcm", "bob"), ("aes-128-cbc", "carol")] {
        let to = format!("{reader}.pem");
        let key = format!("{reader}.key");
        ok(&s.smime(&[
            "encrypt",
            "--to",
            &to,
            "--cipher",
            cipher,
            "--in",
            "big.eml",
            "--out",
            "sealed.eml",
        ]));
        let sealed = s.read("sealed.eml");
        assert!(sealed.len() > BIG);
        // Verified before it is decrypted: said so, nothing written.
        let last = fails(&s.smime(&[
            "verify",
            "--trust",
            "root.pem",
            "--in",
            "sealed.eml",
            "--out",
            "content.eml",
        ]));
        assert!(last.contains("not signed: decrypt it first"), "{last}");
        assert!(!s.path("content.eml").exists());
        let out = s.smime(&[
            "decrypt",
            "--key",
            &key,
            "--cert",
            &to,
            "--in",
            "sealed.eml",
            "--out",
            "plain.eml",
        ]);
        ok(&out);
        let stderr = text(&out.stderr);
        assert_eq!(
            stderr.contains("which does not authenticate it"),
            cipher.ends_with("cbc"),
            "{cipher}: {stderr}"
        );
        assert!(
            s.read("plain.eml") == big_entity(),
            "{cipher}: plaintext differs"
        );
        // --keep-headers puts the outer From, To, Subject in front.
        ok(&s.smime(&[
            "decrypt",
            "--keep-headers",
            "--key",
            &key,
            "--cert",
            &to,
            "--in",
            "sealed.eml",
            "--out",
            "plain.eml",
        ]));
        let kept = s.read("plain.eml");
        assert!(
            kept.starts_with(b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: Big statement\r\nContent-Type: text/plain"),
            "{}",
            text(&kept[..200])
        );
        // Someone else's key.
        let out = s.smime(&[
            "decrypt",
            "--key",
            "alice.key",
            "--cert",
            "alice.pem",
            "--in",
            "sealed.eml",
            "--out",
            "other.eml",
        ]);
        let last = fails(&out);
        assert!(
            last.contains("cannot decrypt 'sealed.eml' (--in)"),
            "{last}"
        );
        assert!(!s.path("other.eml").exists());
    }
}

#[test]
fn openssl_stream_signed_cms_is_read() {
    let s = big_scratch();
    // Signed, attached, BER with indefinite lengths.
    ok(&s.openssl(&[
        "cms",
        "-sign",
        "-stream",
        "-binary",
        "-nodetach",
        "-outform",
        "DER",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-certfile",
        "ca.pem",
        "-in",
        "big.bin",
        "-out",
        "signed.p7m",
    ]));
    assert_eq!(&s.read("signed.p7m")[..2], &[0x30, 0x80]);
    for extra in [&["--der"][..], &[][..]] {
        let mut args = vec![
            "verify",
            "--trust",
            "root.pem",
            "--in",
            "signed.p7m",
            "--out",
            "content.bin",
        ];
        args.extend_from_slice(extra);
        ok(&s.smime(&args));
        assert!(s.read("content.bin") == s.read("big.bin"), "{extra:?}");
    }
}

#[test]
fn openssl_stream_smime_output_is_read() {
    let s = big_scratch();
    let mut expected = BIG_HEADER.to_vec();
    expected.extend_from_slice(big_body());
    // Opaque signed-data, base64.
    ok(&s.openssl(&[
        "cms",
        "-sign",
        "-stream",
        "-nodetach",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-certfile",
        "ca.pem",
        "-in",
        "big.eml",
        "-out",
        "signed.eml",
    ]));
    ok(&s.smime(&[
        "verify",
        "--trust",
        "root.pem",
        "--in",
        "signed.eml",
        "--out",
        "content.eml",
    ]));
    assert!(
        s.read("content.eml") == expected,
        "opaque S/MIME content differs"
    );
    // Encrypted, AES-256-GCM.
    ok(&s.openssl(&[
        "cms",
        "-encrypt",
        "-stream",
        "-binary",
        "-aes-256-gcm",
        "-in",
        "big.eml",
        "-out",
        "sealed.eml",
        "bob.pem",
    ]));
    ok(&s.smime(&[
        "decrypt",
        "--key",
        "bob.key",
        "--cert",
        "bob.pem",
        "--in",
        "sealed.eml",
        "--out",
        "plain.eml",
    ]));
    assert!(s.read("plain.eml") == expected, "S/MIME decryption differs");
}

#[test]
fn openssl_stream_cms_output_is_read() {
    let s = big_scratch();
    // Detached DER signature over the big binary, the content given with --content.
    ok(&s.openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-outform",
        "DER",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-certfile",
        "ca.pem",
        "-in",
        "big.bin",
        "-out",
        "detached.p7s",
    ]));
    ok(&s.smime(&[
        "verify",
        "--der",
        "--content",
        "big.bin",
        "--trust",
        "root.pem",
        "--in",
        "detached.p7s",
        "--out",
        "detached.bin",
    ]));
    assert!(s.read("detached.bin") == s.read("big.bin"));

    // PEM-armoured CMS is read whole (the one-shot path), without the 1 GiB cap.
    ok(&s.openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-outform",
        "PEM",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-certfile",
        "ca.pem",
        "-in",
        "big.bin",
        "-out",
        "signed.pem",
    ]));
    ok(&s.smime(&[
        "verify",
        "--trust",
        "root.pem",
        "--in",
        "signed.pem",
        "--out",
        "pem.bin",
    ]));
    assert!(s.read("pem.bin") == s.read("big.bin"));

    // Encrypted, BER, AES-256-GCM (AuthEnvelopedData) and AES-256-CBC (EnvelopedData).
    for cipher in ["-aes-256-gcm", "-aes256"] {
        ok(&s.openssl(&[
            "cms",
            "-encrypt",
            "-stream",
            "-binary",
            cipher,
            "-outform",
            "DER",
            "-in",
            "big.bin",
            "-out",
            "sealed.p7m",
            "bob.pem",
        ]));
        ok(&s.smime(&[
            "decrypt",
            "--der",
            "--key",
            "bob.key",
            "--cert",
            "bob.pem",
            "--in",
            "sealed.p7m",
            "--out",
            "plain.bin",
        ]));
        assert!(s.read("plain.bin") == s.read("big.bin"), "{cipher}");
    }
}

#[test]
fn openssl_reads_smime_stream_output_byte_exact() {
    let s = big_scratch();
    ok(&s.smime(&[
        "sign",
        "--opaque",
        "--signer",
        "bob.pem",
        "--key",
        "bob.key",
        "--certs",
        "ca.pem",
        "--in",
        "big.eml",
        "--out",
        "signed.eml",
    ]));
    ok(&s.openssl(&[
        "cms",
        "-verify",
        "-binary",
        "-CAfile",
        "root.pem",
        "-purpose",
        "smimesign",
        "-in",
        "signed.eml",
        "-out",
        "content.eml",
    ]));
    assert!(
        s.read("content.eml") == big_entity(),
        "openssl's verified content differs"
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
        "big.eml",
        "--out",
        "clear.eml",
    ]));
    ok(&s.openssl(&[
        "cms",
        "-verify",
        "-CAfile",
        "root.pem",
        "-purpose",
        "smimesign",
        "-in",
        "clear.eml",
        "-out",
        "clear-content.eml",
    ]));
    let content = text(&s.read("clear-content.eml")).replace("\r\n", "\n");
    assert!(
        content == text(&big_entity()).replace("\r\n", "\n"),
        "detached content differs"
    );

    for (cipher, reader) in [("aes-256-gcm", "bob"), ("aes-256-cbc", "carol")] {
        let to = format!("{reader}.pem");
        let key = format!("{reader}.key");
        ok(&s.smime(&[
            "encrypt",
            "--to",
            &to,
            "--cipher",
            cipher,
            "--in",
            "big.eml",
            "--out",
            "sealed.eml",
        ]));
        ok(&s.openssl(&[
            "cms",
            "-decrypt",
            "-binary",
            "-recip",
            &to,
            "-inkey",
            &key,
            "-in",
            "sealed.eml",
            "-out",
            "plain.eml",
        ]));
        assert!(
            s.read("plain.eml") == big_entity(),
            "{cipher}: openssl's plaintext differs"
        );
    }
}

/// Flips one byte in the middle of `name`.
fn tamper(s: &Scratch, name: &str) {
    let mut data = s.read(name);
    let at = data.len() / 2;
    data[at] ^= 0x01;
    s.write(name, data);
}

#[test]
fn tampered_big_messages_fail_and_leave_no_output() {
    let s = big_scratch();
    // CMS, signed by OpenSSL.
    ok(&s.openssl(&[
        "cms",
        "-sign",
        "-stream",
        "-binary",
        "-nodetach",
        "-outform",
        "DER",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-certfile",
        "ca.pem",
        "-in",
        "big.bin",
        "-out",
        "signed.p7m",
    ]));
    tamper(&s, "signed.p7m");
    let last = fails(&s.smime(&[
        "verify",
        "--der",
        "--trust",
        "root.pem",
        "--in",
        "signed.p7m",
        "--out",
        "out.bin",
    ]));
    assert!(
        last.contains("verification of 'signed.p7m' failed"),
        "{last}"
    );
    assert!(last.contains("is not valid"), "{last}");
    // CMS, encrypted by OpenSSL with AES-GCM: the tag fails, nothing is released.
    ok(&s.openssl(&[
        "cms",
        "-encrypt",
        "-stream",
        "-binary",
        "-aes-256-gcm",
        "-outform",
        "DER",
        "-in",
        "big.bin",
        "-out",
        "sealed.p7m",
        "bob.pem",
    ]));
    tamper(&s, "sealed.p7m");
    let last = fails(&s.smime(&[
        "decrypt",
        "--der",
        "--key",
        "bob.key",
        "--cert",
        "bob.pem",
        "--in",
        "sealed.p7m",
        "--out",
        "out.bin",
    ]));
    assert!(
        last.contains("cannot decrypt 'sealed.p7m' (--in)"),
        "{last}"
    );
    only_files(s.dir.path(), &with_pki(&["signed.p7m", "sealed.p7m"]));

    // MIME, signed by smime: one base64 character changed in the middle of the content.
    ok(&s.smime(&[
        "sign",
        "--opaque",
        "--signer",
        "alice.pem",
        "--key",
        "alice.key",
        "--certs",
        "ca.pem",
        "--in",
        "big.eml",
        "--out",
        "signed.eml",
    ]));
    let mut signed = s.read("signed.eml");
    let mut at = signed.len() / 2;
    while !signed[at].is_ascii_alphanumeric() {
        at += 1;
    }
    signed[at] = if signed[at] == b'A' { b'B' } else { b'A' };
    s.write("signed.eml", signed);
    let out = s.smime(&[
        "verify",
        "--trust",
        "root.pem",
        "--in",
        "signed.eml",
        "--out",
        "out.eml",
    ]);
    let last = fails(&out);
    assert!(
        last.contains("verification of 'signed.eml' failed"),
        "{last}"
    );
    // Sent to stdout: nothing is printed either.
    let out = s.smime(&[
        "verify",
        "--trust",
        "root.pem",
        "--in",
        "signed.eml",
        "--out",
        "-",
    ]);
    fails(&out);
    assert!(out.stdout.is_empty());
    only_files(
        s.dir.path(),
        &with_pki(&["signed.p7m", "sealed.p7m", "signed.eml"]),
    );
}

#[test]
fn big_stdin_is_streamed() {
    let s = Scratch::new();
    // 9 MiB: over the threshold only once more than 8 MiB of stdin was read.
    let mut letter = BIG_HEADER.to_vec();
    letter.extend_from_slice(&big_body()[..9 << 20]);
    let out = s.smime_with_stdin(
        &[
            "sign",
            "--opaque",
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
        Some(&letter),
    );
    let signed = ok(&out);
    assert!(signed.len() > 9 << 20);
    let out = s.smime_with_stdin(
        &["verify", "--trust", "root.pem", "--in", "-", "--out", "-"],
        Some(&signed),
    );
    let content = ok(&out);
    let mut expected = ENTITY_HEADER.to_vec();
    expected.extend_from_slice(&big_body()[..9 << 20]);
    assert!(content == expected, "content differs");
    assert!(text(&out.stderr).ends_with("smime: verification successful\n"));

    // Encrypted through stdin too, and decrypted from stdin to stdout.
    let sealed = ok(&s.smime_with_stdin(
        &["encrypt", "--to", "bob.pem", "--in", "-", "--out", "-"],
        Some(&letter),
    ));
    let plain = ok(&s.smime_with_stdin(
        &[
            "decrypt", "--key", "bob.key", "--cert", "bob.pem", "--in", "-", "--out", "-",
        ],
        Some(&sealed),
    ));
    assert!(plain == expected, "plaintext differs");

    // Just under the threshold: the one-shot path, same result.
    let small = &letter[..(8 << 20) - 10];
    let signed = ok(&s.smime_with_stdin(
        &[
            "sign",
            "--opaque",
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
        Some(small),
    ));
    let content = ok(&s.smime_with_stdin(
        &["verify", "--trust", "root.pem", "--in", "-", "--out", "-"],
        Some(&signed),
    ));
    assert!(content.len() > (8 << 20) - 100);
    assert!(content[..(8 << 20) - 100] == expected[..(8 << 20) - 100]);
}

#[test]
fn help_says_big_inputs_are_streamed() {
    let s = Scratch::new();
    let help = text(&ok(&s.smime(&["--help"])));
    assert!(
        help.contains("Big inputs (over 8 MiB) of sign, encrypt, verify and decrypt are streamed in constant memory"),
        "{help}"
    );
}
