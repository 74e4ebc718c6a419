//! Shared by the CLI tests: a PKI made once per test binary and written into each test's
//! directory, and runners for `smime` (the built binary) and `openssl`.
// Test support: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code,
    unreachable_pub
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use smime::crypto::{EcCurve, KeyKind};
use smime::x509::builder::{TestIdentity, TestPki};

pub const P256: KeyKind = KeyKind::Ec {
    curve: EcCurve::P256,
};
pub const RSA2048: KeyKind = KeyKind::Rsa { modulus_bits: 2048 };

/// A letter from Alice to Bob, as a mail client writes it (LF line ends).
pub const LETTER: &str = "From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\n\
Subject: Statement\nContent-Type: text/plain; charset=utf-8\n\nYour balance is 1,234.56 EUR.\n";

/// What a verifier gets back from [`LETTER`]: its Content-* fields and body, CR LF.
pub const LETTER_ENTITY: &str =
    "Content-Type: text/plain; charset=utf-8\r\n\r\nYour balance is 1,234.56 EUR.\r\n";

pub struct Identities {
    pub pki: TestPki<'static>,
    /// EC P-256, alice@example.org.
    pub alice: TestIdentity,
    /// RSA-2048, bob@example.org.
    pub bob: TestIdentity,
    /// EC P-256, carol@example.org.
    pub carol: TestIdentity,
    /// Another PKI (same names, other keys).
    pub other_root: TestIdentity,
}

pub fn identities() -> &'static Identities {
    static IDS: OnceLock<Identities> = OnceLock::new();
    IDS.get_or_init(|| {
        let provider = smime::crypto::default_provider();
        let pki = TestPki::new(provider, P256).unwrap();
        let alice = pki.issue("Alice <alice@example.org>", P256).unwrap();
        let bob = pki.issue("Bob <bob@example.org>", RSA2048).unwrap();
        let carol = pki.issue("Carol <carol@example.org>", P256).unwrap();
        let other = TestPki::new(provider, P256).unwrap();
        Identities {
            other_root: other.root().clone(),
            pki,
            alice,
            bob,
            carol,
        }
    })
}

/// A test's scratch directory with the PKI's files: `root.pem`, `ca.pem`, `ca.key`,
/// `alice.pem`/`.key`, `bob.pem`/`.key`, `carol.pem`/`.key`, `other-root.pem`, `letter.eml`.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        let ids = identities();
        let scratch = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        scratch.write("root.pem", ids.pki.root().certificate_pem().unwrap());
        scratch.write("ca.pem", ids.pki.intermediate().certificate_pem().unwrap());
        scratch.write(
            "ca.key",
            ids.pki.intermediate().private_key_pem().unwrap().as_bytes(),
        );
        for (name, id) in [
            ("alice", &ids.alice),
            ("bob", &ids.bob),
            ("carol", &ids.carol),
        ] {
            scratch.write(&format!("{name}.pem"), id.certificate_pem().unwrap());
            scratch.write(
                &format!("{name}.key"),
                id.private_key_pem().unwrap().as_bytes(),
            );
        }
        scratch.write("other-root.pem", ids.other_root.certificate_pem().unwrap());
        scratch.write("letter.eml", LETTER);
        scratch
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, data).unwrap();
        path
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Runs `smime` in this directory.
    pub fn smime(&self, args: &[&str]) -> Output {
        self.smime_with_stdin(args, None)
    }

    /// Runs `smime` in this directory with `stdin`.
    pub fn smime_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        run(
            Command::new(env!("CARGO_BIN_EXE_smime"))
                .args(args)
                .current_dir(self.dir.path()),
            stdin,
        )
    }

    /// Runs `openssl` in this directory.
    pub fn openssl(&self, args: &[&str]) -> Output {
        self.openssl_with_stdin(args, None)
    }

    pub fn openssl_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        run(
            Command::new("openssl")
                .args(args)
                .current_dir(self.dir.path()),
            stdin,
        )
    }
}

fn run(command: &mut Command, stdin: Option<&[u8]>) -> Output {
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the program runs");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        // Written from a thread so that a large input cannot deadlock against the output.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    child.wait_with_output().unwrap()
}

/// Asserts success; returns stdout.
#[track_caller]
pub fn ok(output: &Output) -> Vec<u8> {
    assert!(
        output.status.success(),
        "expected success, got {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout.clone()
}

/// Asserts a clean failure — exit status 1, no panic, the last stderr line a `smime: …`
/// sentence — and returns that last line.
#[track_caller]
pub fn fails(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "expected exit status 1\nstdout: {}\nstderr: {stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "a panic: {stderr}");
    let last = stderr.lines().last().unwrap_or_default().to_owned();
    assert!(
        last.starts_with("smime: "),
        "not a smime error line: {stderr}"
    );
    assert!(last.len() > 20, "too short to be useful: {last}");
    last
}

/// The text of a file path for arguments.
pub fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}
