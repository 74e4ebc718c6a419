//! Shared by the integration tests: a small PKI made with the `openssl` CLI once per test
//! binary, corpus paths, and helpers to run `openssl`.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};

use smime_crypto::{CryptoProvider, PrivateKey};
use x509_cert::Certificate;
use x509_cert::der::DecodePem;

/// A file of the shared corpus (read-only data written by others).
pub(crate) fn corpus(path: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
    .join(path)
}

/// Reads a corpus file.
pub(crate) fn corpus_bytes(path: &str) -> Vec<u8> {
    std::fs::read(corpus(path)).unwrap_or_else(|e| panic!("reading corpus file {path}: {e}"))
}

/// Runs `openssl` in `dir`; panics with its stderr when it fails.
pub(crate) fn openssl(dir: &Path, args: &[&str]) -> Output {
    let output = openssl_unchecked(dir, args);
    assert!(
        output.status.success(),
        "openssl {} failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs `openssl` in `dir` and returns its output whatever the exit status.
pub(crate) fn openssl_unchecked(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI must be installed for these tests")
}

/// The kinds of leaf keys the PKI has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Leaf {
    Rsa2048,
    Rsa3072,
    Rsa4096,
    P256,
    P384,
    /// RSA-1024: too weak to sign with, must be refused.
    Rsa1024,
    /// RSA-2048 with no subjectKeyIdentifier extension.
    NoSki,
}

impl Leaf {
    pub(crate) const SIGNERS: [Leaf; 5] = [
        Leaf::Rsa2048,
        Leaf::Rsa3072,
        Leaf::Rsa4096,
        Leaf::P256,
        Leaf::P384,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Leaf::Rsa2048 => "rsa2048",
            Leaf::Rsa3072 => "rsa3072",
            Leaf::Rsa4096 => "rsa4096",
            Leaf::P256 => "p256",
            Leaf::P384 => "p384",
            Leaf::Rsa1024 => "rsa1024",
            Leaf::NoSki => "noski",
        }
    }

    pub(crate) fn is_rsa(self) -> bool {
        !matches!(self, Leaf::P256 | Leaf::P384)
    }

    fn newkey(self) -> Vec<&'static str> {
        match self {
            Leaf::Rsa2048 | Leaf::NoSki => vec!["-newkey", "rsa:2048"],
            Leaf::Rsa3072 => vec!["-newkey", "rsa:3072"],
            Leaf::Rsa4096 => vec!["-newkey", "rsa:4096"],
            Leaf::Rsa1024 => vec!["-newkey", "rsa:1024"],
            Leaf::P256 => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            Leaf::P384 => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        }
    }
}

/// A CA and leaf certificates made with the openssl CLI in a temporary directory.
pub(crate) struct Pki {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) ca: Certificate,
}

const LEAF_EXTENSIONS: &str = "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation,keyEncipherment,keyAgreement
extendedKeyUsage=emailProtection
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
";

const NO_SKI_EXTENSIONS: &str = "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=emailProtection
subjectKeyIdentifier=none
authorityKeyIdentifier=none
";

impl Pki {
    /// The PKI of this test binary, made on first use.
    pub(crate) fn get() -> &'static Pki {
        static PKI: OnceLock<Pki> = OnceLock::new();
        PKI.get_or_init(Pki::make)
    }

    fn make() -> Pki {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path();
        std::fs::write(path.join("leaf.ext"), LEAF_EXTENSIONS).unwrap();
        std::fs::write(path.join("noski.ext"), NO_SKI_EXTENSIONS).unwrap();
        openssl(
            path,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "3650",
                "-subj",
                "/CN=smime-cms Test CA/O=smime-rs",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        for leaf in [
            Leaf::Rsa2048,
            Leaf::Rsa3072,
            Leaf::Rsa4096,
            Leaf::P256,
            Leaf::P384,
            Leaf::Rsa1024,
            Leaf::NoSki,
        ] {
            let name = leaf.name();
            let subject = format!("/CN=Test signer {name}/emailAddress={name}@example.org");
            let key = format!("{name}.key");
            let csr = format!("{name}.csr");
            let cert = format!("{name}.pem");
            let mut args = vec!["req", "-new"];
            args.extend(leaf.newkey());
            args.extend(["-nodes", "-keyout", &key, "-out", &csr, "-subj", &subject]);
            openssl(path, &args);
            let ext = if leaf == Leaf::NoSki {
                "noski.ext"
            } else {
                "leaf.ext"
            };
            openssl(
                path,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    &cert,
                    "-days",
                    "3650",
                    "-extfile",
                    ext,
                ],
            );
        }
        let ca = read_cert(&path.join("ca.pem"));
        Pki { dir, ca }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn cert_path(&self, leaf: Leaf) -> PathBuf {
        self.path().join(format!("{}.pem", leaf.name()))
    }

    pub(crate) fn key_path(&self, leaf: Leaf) -> PathBuf {
        self.path().join(format!("{}.key", leaf.name()))
    }

    pub(crate) fn cert(&self, leaf: Leaf) -> Certificate {
        read_cert(&self.cert_path(leaf))
    }

    /// The leaf's private key as a key object of `provider`.
    pub(crate) fn key(&self, leaf: Leaf, provider: &dyn CryptoProvider) -> Arc<dyn PrivateKey> {
        let pem = std::fs::read(self.key_path(leaf)).unwrap();
        smime_crypto::load_private_key(provider, &pem, None).unwrap()
    }
}

pub(crate) fn read_cert(path: &Path) -> Certificate {
    let pem = std::fs::read(path).unwrap();
    Certificate::from_pem(&pem).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Providers to run every test against.
pub(crate) fn providers() -> Vec<&'static dyn CryptoProvider> {
    smime_crypto::all_providers()
}
