//! Test fixtures made with the `openssl` command-line tool (3.0): a three-level PKI generated
//! once per test binary, and helpers to run `openssl pkcs12` in temporary directories.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test support code: every test binary uses a different subset, and failures must panic"
)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Runs `openssl args…` in `dir`; returns its output whatever the exit status.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command-line tool must be installed")
}

/// Runs `openssl args…` in `dir` and panics with its stderr if it fails.
pub fn run_ok(dir: &Path, args: &[&str]) -> Output {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every PEM block of `text`: (label, DER).
pub fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let end_marker = block.find("-----END ").expect("PEM END line");
        let end = end_marker
            + block[end_marker..]
                .find("\n")
                .map_or(block.len() - end_marker, |n| n + 1);
        let (label, der) = der::pem::decode_vec(&block.as_bytes()[..end]).expect("valid PEM");
        out.push((label.to_owned(), der));
        rest = &block[end..];
    }
    out
}

/// The single PEM block of `text` with `label`.
pub fn pem_one(text: &str, label: &str) -> Vec<u8> {
    let blocks: Vec<_> = pem_blocks(text)
        .into_iter()
        .filter(|(l, _)| l == label)
        .collect();
    assert_eq!(blocks.len(), 1, "expected one {label} block in:\n{text}");
    blocks.into_iter().next().unwrap().1
}

/// A test PKI: an EC P-256 root, an EC P-384 intermediate and a leaf with an e-mail address,
/// whose key is RSA-2048 or EC P-256.
#[derive(Clone, Debug)]
pub struct Pki {
    /// PEM files, as openssl wrote them.
    pub root_pem: String,
    pub intermediate_pem: String,
    pub leaf_pem: String,
    pub leaf_key_pem: String,
    /// DER.
    pub root: Vec<u8>,
    pub intermediate: Vec<u8>,
    pub leaf: Vec<u8>,
    /// The leaf key, PKCS#8 `PrivateKeyInfo` DER.
    pub leaf_key: Vec<u8>,
}

impl Pki {
    /// Writes the PEM files into `dir` as root.pem, chain.pem (intermediate then root),
    /// leaf.pem and leaf.key.
    pub fn write_to(&self, dir: &Path) {
        std::fs::write(dir.join("root.pem"), &self.root_pem).unwrap();
        std::fs::write(
            dir.join("chain.pem"),
            format!("{}{}", self.intermediate_pem, self.root_pem),
        )
        .unwrap();
        std::fs::write(dir.join("leaf.pem"), &self.leaf_pem).unwrap();
        std::fs::write(dir.join("leaf.key"), &self.leaf_key_pem).unwrap();
    }
}

/// The kind of leaf key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeafKey {
    /// RSA-2048.
    Rsa,
    /// EC P-256.
    EcP256,
}

fn generate(leaf_key: LeafKey) -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("ca.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    )
    .unwrap();
    std::fs::write(
        d.join("leaf.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
         extendedKeyUsage=emailProtection\nsubjectAltName=email:alice@example.com\n",
    )
    .unwrap();
    run_ok(
        d,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "root.key",
        ],
    );
    run_ok(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-subj",
            "/O=smime-rs tests/CN=Interop Root",
            "-days",
            "3650",
            "-sha256",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "root.pem",
        ],
    );
    run_ok(
        d,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-out",
            "int.key",
        ],
    );
    run_ok(
        d,
        &[
            "req",
            "-new",
            "-key",
            "int.key",
            "-subj",
            "/O=smime-rs tests/CN=Interop Intermediate",
            "-out",
            "int.csr",
        ],
    );
    run_ok(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "int.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-set_serial",
            "2",
            "-days",
            "3650",
            "-sha256",
            "-extfile",
            "ca.ext",
            "-out",
            "int.pem",
        ],
    );
    match leaf_key {
        LeafKey::Rsa => run_ok(
            d,
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                "leaf.key",
            ],
        ),
        LeafKey::EcP256 => run_ok(
            d,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                "leaf.key",
            ],
        ),
    };
    run_ok(
        d,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/CN=Alice/emailAddress=alice@example.com",
            "-out",
            "leaf.csr",
        ],
    );
    run_ok(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "int.pem",
            "-CAkey",
            "int.key",
            "-set_serial",
            "3",
            "-days",
            "3650",
            "-sha256",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ],
    );
    let read = |name: &str| std::fs::read_to_string(d.join(name)).unwrap();
    let (root_pem, intermediate_pem, leaf_pem, leaf_key_pem) = (
        read("root.pem"),
        read("int.pem"),
        read("leaf.pem"),
        read("leaf.key"),
    );
    Pki {
        root: pem_one(&root_pem, "CERTIFICATE"),
        intermediate: pem_one(&intermediate_pem, "CERTIFICATE"),
        leaf: pem_one(&leaf_pem, "CERTIFICATE"),
        leaf_key: pem_one(&leaf_key_pem, "PRIVATE KEY"),
        root_pem,
        intermediate_pem,
        leaf_pem,
        leaf_key_pem,
    }
}

/// The PKI with an RSA leaf key, generated once per test binary.
pub fn rsa_pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| generate(LeafKey::Rsa))
}

/// The PKI with an EC P-256 leaf key, generated once per test binary.
pub fn ec_pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| generate(LeafKey::EcP256))
}
