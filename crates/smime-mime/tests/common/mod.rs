//! Shared by the integration tests: identities issued in code (smime-x509's builder), the
//! `openssl` CLI, corpus paths, and an encryptor/decryptor that runs `openssl cms`.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use smime_cms::SignerBuilder;
use smime_crypto::{CryptoProvider, EcCurve, KeyKind};
use smime_mime::{Decrypted, Decryptor, Encryptor};
use smime_x509::builder::{TestIdentity, TestPki};

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

/// Providers to run every test against.
pub(crate) fn providers() -> Vec<&'static dyn CryptoProvider> {
    smime_crypto::all_providers()
}

/// A small PKI made once per test binary: a root and an intermediate (P-256), and three
/// end entities: Alice (P-256), Bob (RSA-2048), Carol (P-384). Their certificates, keys and
/// the CA chain are also written as PEM files for the `openssl` CLI.
pub(crate) struct Pki {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) alice: TestIdentity,
    pub(crate) bob: TestIdentity,
    pub(crate) carol: TestIdentity,
    pub(crate) root: smime_cms::Certificate,
    pub(crate) chain: Vec<smime_cms::Certificate>,
}

impl Pki {
    pub(crate) fn get() -> &'static Pki {
        static PKI: OnceLock<Pki> = OnceLock::new();
        PKI.get_or_init(Pki::make)
    }

    fn make() -> Pki {
        let provider = smime_crypto::default_provider();
        let p256 = KeyKind::Ec {
            curve: EcCurve::P256,
        };
        let test_pki = TestPki::new(provider, p256).unwrap();
        let alice = test_pki.issue("Alice <alice@example.org>", p256).unwrap();
        let bob = test_pki
            .issue("Bob <bob@example.org>", KeyKind::Rsa { modulus_bits: 2048 })
            .unwrap();
        let carol = test_pki
            .issue(
                "Carol <carol@example.org>",
                KeyKind::Ec {
                    curve: EcCurve::P384,
                },
            )
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        for (name, identity) in [("alice", &alice), ("bob", &bob), ("carol", &carol)] {
            std::fs::write(
                dir.path().join(format!("{name}.pem")),
                identity.certificate_pem().unwrap(),
            )
            .unwrap();
            std::fs::write(
                dir.path().join(format!("{name}.key")),
                identity.private_key_pem().unwrap().as_bytes(),
            )
            .unwrap();
        }
        let chain_pem = format!(
            "{}{}",
            test_pki.intermediate().certificate_pem().unwrap(),
            test_pki.root().certificate_pem().unwrap()
        );
        std::fs::write(dir.path().join("chain.pem"), chain_pem).unwrap();
        std::fs::write(
            dir.path().join("root.pem"),
            test_pki.root().certificate_pem().unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("intermediate.pem"),
            test_pki.intermediate().certificate_pem().unwrap(),
        )
        .unwrap();
        let chain = test_pki
            .chain()
            .into_iter()
            .map(|c| c.x509().clone())
            .collect();
        Pki {
            root: test_pki.root().certificate().x509().clone(),
            chain,
            dir,
            alice,
            bob,
            carol,
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn file(&self, name: &str) -> String {
        self.path().join(name).to_str().unwrap().to_owned()
    }

    /// A signer for `identity`, with its key loaded into `provider`.
    pub(crate) fn signer(
        &self,
        identity: &TestIdentity,
        provider: &dyn CryptoProvider,
    ) -> SignerBuilder {
        let key = provider
            .private_key_from_pkcs8(identity.pkcs8_der())
            .unwrap();
        SignerBuilder::new(identity.certificate().x509().clone(), key)
    }
}

/// The DER certificate of an identity, as smime-cms names it.
pub(crate) fn cert(identity: &TestIdentity) -> smime_cms::Certificate {
    identity.certificate().x509().clone()
}

/// An [`Encryptor`] that runs `openssl cms -encrypt` (until the CMS layer encrypts).
pub(crate) struct OpensslEncryptor {
    /// PEM certificate files of the recipients.
    pub(crate) recipients: Vec<String>,
    /// The cipher option (`-aes256`, `-aes-256-gcm`, …).
    pub(crate) cipher: &'static str,
}

impl Encryptor for OpensslEncryptor {
    fn encrypt(
        &self,
        content: &[u8],
        _provider: &dyn CryptoProvider,
    ) -> Result<Vec<u8>, smime_cms::Error> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("content"), content).unwrap();
        let mut args = vec![
            "cms",
            "-encrypt",
            "-binary",
            "-in",
            "content",
            "-outform",
            "DER",
            "-out",
            "out.der",
            self.cipher,
        ];
        args.extend(self.recipients.iter().map(String::as_str));
        let output = openssl_unchecked(dir.path(), &args);
        if !output.status.success() {
            return Err(openssl_error(&output));
        }
        Ok(std::fs::read(dir.path().join("out.der")).unwrap())
    }
}

/// A [`Decryptor`] that runs `openssl cms -decrypt` with a certificate and key file.
pub(crate) struct OpensslDecryptor {
    pub(crate) certificate: String,
    pub(crate) key: String,
}

impl Decryptor for OpensslDecryptor {
    fn decrypt(
        &self,
        content_info: &[u8],
        _provider: &dyn CryptoProvider,
    ) -> Result<Decrypted, smime_cms::Error> {
        let info = smime_cms::ContentInfo::parse(content_info)?;
        let authenticated = info.content_type() == smime_mime::pkcs7_mime::ID_AUTH_ENVELOPED_DATA;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("in.der"), content_info).unwrap();
        let output = openssl_unchecked(
            dir.path(),
            &[
                "cms",
                "-decrypt",
                "-binary",
                "-inform",
                "DER",
                "-in",
                "in.der",
                "-recip",
                &self.certificate,
                "-inkey",
                &self.key,
                "-out",
                "out.bin",
            ],
        );
        if !output.status.success() {
            return Err(openssl_error(&output));
        }
        let cipher = if authenticated { "AES-GCM" } else { "AES-CBC" };
        Ok(Decrypted::new(
            std::fs::read(dir.path().join("out.bin")).unwrap(),
            cipher,
            authenticated,
        ))
    }
}

fn openssl_error(output: &Output) -> smime_cms::Error {
    smime_cms::Error::Malformed {
        what: "openssl cms",
        offset: 0,
        reason: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The position of `needle` in `haystack`.
pub(crate) fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
