//! Interop of the streaming MIME layer with the openssl CLI (3.0) at 10–20 MB: what
//! `openssl smime|cms -stream` writes we read, and what we write `openssl cms` reads, with
//! byte-exact content comparisons.
// Tests may unwrap and index: a failure is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use der::DecodePem;
use smime_cms::{Certificate, RecipientBuilder, SignerBuilder};
use smime_crypto::{CryptoProvider, PrivateKey};
use smime_mime::HeaderSelection;
use smime_stream::mime::{self, Packaging};
use smime_stream::{EnvelopeStream, SignedDataStream, StreamCredentials};

struct Identity {
    dir: tempfile::TempDir,
    certificate: Certificate,
    key: Arc<dyn PrivateKey>,
}

impl Identity {
    fn cert_path(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }
    fn key_path(&self) -> PathBuf {
        self.dir.path().join("key.pem")
    }
}

fn provider() -> &'static dyn CryptoProvider {
    smime_crypto::default_provider()
}

fn rsa() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let output = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=mime interop",
            ])
            .args(["-newkey", "rsa:2048", "-keyout"])
            .arg(dir.path().join("key.pem"))
            .arg("-out")
            .arg(dir.path().join("cert.pem"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let certificate =
            Certificate::from_pem(std::fs::read(dir.path().join("cert.pem")).unwrap()).unwrap();
        let key = smime_crypto::load_private_key(
            provider(),
            &std::fs::read(dir.path().join("key.pem")).unwrap(),
            None,
        )
        .unwrap();
        Identity {
            dir,
            certificate,
            key,
        }
    })
}

/// A 12 MB MIME entity with LF line ends (canonicalized to CR LF by both sides).
fn big_entity(dir: &Path) -> (PathBuf, Vec<u8>) {
    let mut entity = b"Content-Type: text/plain; charset=us-ascii\n\n".to_vec();
    let mut i = 0u64;
    while entity.len() < 12 << 20 {
        entity.extend_from_slice(
            format!(
                "line {i:08}: the quick brown fox jumps over the lazy dog {}\n",
                i % 97
            )
            .as_bytes(),
        );
        i += 1;
    }
    let path = dir.join("entity.txt");
    std::fs::write(&path, &entity).unwrap();
    let canonical = smime_mime::canonical::to_crlf(&entity).into_owned();
    (path, canonical)
}

fn openssl(args: &[&std::ffi::OsStr]) {
    let output = Command::new("openssl").args(args).output().unwrap();
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn verify_file(path: &Path, out: &Path) -> mime::MimeVerification {
    let content = BufWriter::new(File::create(out).unwrap());
    mime::verify(
        BufReader::new(File::open(path).unwrap()),
        content,
        &[],
        provider(),
    )
    .unwrap()
}

#[test]
fn openssl_streamed_signatures_verify() {
    let id = rsa();
    let dir = tempfile::tempdir().unwrap();
    let (input, canonical) = big_entity(dir.path());
    let detached = dir.path().join("detached.eml");
    let opaque = dir.path().join("opaque.eml");
    let x_opaque = dir.path().join("x-opaque.eml");
    // `openssl smime` labels the opaque form application/x-pkcs7-mime.
    openssl(&[
        "smime".as_ref(),
        "-sign".as_ref(),
        "-nodetach".as_ref(),
        "-stream".as_ref(),
        "-in".as_ref(),
        input.as_os_str(),
        "-signer".as_ref(),
        id.cert_path().as_os_str(),
        "-inkey".as_ref(),
        id.key_path().as_os_str(),
        "-out".as_ref(),
        x_opaque.as_os_str(),
    ]);
    openssl(&[
        "smime".as_ref(),
        "-sign".as_ref(),
        "-stream".as_ref(),
        "-in".as_ref(),
        input.as_os_str(),
        "-signer".as_ref(),
        id.cert_path().as_os_str(),
        "-inkey".as_ref(),
        id.key_path().as_os_str(),
        "-out".as_ref(),
        detached.as_os_str(),
    ]);
    openssl(&[
        "cms".as_ref(),
        "-sign".as_ref(),
        "-nodetach".as_ref(),
        "-stream".as_ref(),
        "-in".as_ref(),
        input.as_os_str(),
        "-signer".as_ref(),
        id.cert_path().as_os_str(),
        "-inkey".as_ref(),
        id.key_path().as_os_str(),
        "-out".as_ref(),
        opaque.as_os_str(),
    ]);
    assert!(
        std::fs::read(&x_opaque)
            .unwrap()
            .windows(24)
            .any(|w| w == b"application/x-pkcs7-mime")
    );
    for (path, packaging) in [
        (detached, Packaging::Detached),
        (opaque, Packaging::Opaque),
        (x_opaque, Packaging::Opaque),
    ] {
        let out = dir.path().join("content.out");
        let verification = verify_file(&path, &out);
        assert_eq!(verification.packaging(), packaging);
        let valid = verification.cms().require_all_valid().unwrap();
        assert_eq!(valid.len(), 1);
        let content = std::fs::read(&out).unwrap();
        assert_eq!(content.len(), canonical.len(), "{packaging:?}");
        assert!(content == canonical, "{packaging:?}: content differs");

        // One flipped byte of the signed text: the signer fails on its message digest.
        let mut message = std::fs::read(&path).unwrap();
        if packaging == Packaging::Detached {
            let at = message
                .windows(14)
                .position(|w| w == b"line 00100000:")
                .unwrap();
            message[at + 5] = b'9';
            let mut sink = Vec::new();
            let verification = mime::verify(&message[..], &mut sink, &[], provider()).unwrap();
            assert!(matches!(
                verification.cms().require_all_valid().unwrap_err(),
                smime_cms::Error::MessageDigestMismatch { signer: 0 }
            ));
        }
    }
}

#[test]
fn openssl_streamed_gcm_encryption_decrypts() {
    let id = rsa();
    let dir = tempfile::tempdir().unwrap();
    let (input, canonical) = big_entity(dir.path());
    let encrypted = dir.path().join("encrypted.eml");
    openssl(&[
        "cms".as_ref(),
        "-encrypt".as_ref(),
        "-stream".as_ref(),
        "-aes-256-gcm".as_ref(),
        "-in".as_ref(),
        input.as_os_str(),
        "-out".as_ref(),
        encrypted.as_os_str(),
        id.cert_path().as_os_str(),
    ]);
    let head = std::fs::read(&encrypted).unwrap();
    assert!(head.windows(18).any(|w| w == b"authEnveloped-data"));
    let out = dir.path().join("plain.out");
    let decrypted = mime::decrypt(
        BufReader::new(File::open(&encrypted).unwrap()),
        BufWriter::new(File::create(&out).unwrap()),
        &StreamCredentials::new().private_key(&id.certificate, id.key.as_ref()),
        provider(),
    )
    .unwrap();
    assert!(decrypted.cms().is_authenticated());
    let plaintext = std::fs::read(&out).unwrap();
    assert!(plaintext == canonical, "plaintext differs");
}

#[test]
fn openssl_verifies_and_decrypts_what_we_stream() {
    let id = rsa();
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = big_entity(dir.path());
    let signed = SignedDataStream::new()
        .add_signer(SignerBuilder::new(id.certificate.clone(), id.key.clone()));
    for packaging in [Packaging::Detached, Packaging::Opaque] {
        let message = dir.path().join("ours.eml");
        mime::sign(
            BufReader::new(File::open(&input).unwrap()),
            BufWriter::new(File::create(&message).unwrap()),
            &signed,
            packaging,
            &HeaderSelection::standard(),
            provider(),
        )
        .unwrap();
        // What we say was signed (our own verifier's view).
        let ours = dir.path().join("ours.content");
        verify_file(&message, &ours)
            .cms()
            .require_all_valid()
            .unwrap();
        let theirs = dir.path().join("theirs.content");
        openssl(&[
            "cms".as_ref(),
            // Not -binary: OpenSSL's multipart reader hands the first part on with LF line
            // ends, and only its text mode makes them CR LF again for the digest.
            "-verify".as_ref(),
            "-CAfile".as_ref(),
            id.cert_path().as_os_str(),
            "-in".as_ref(),
            message.as_os_str(),
            "-out".as_ref(),
            theirs.as_os_str(),
        ]);
        assert!(
            std::fs::read(&theirs).unwrap() == std::fs::read(&ours).unwrap(),
            "{packaging:?}: openssl's content differs"
        );
    }

    let message = dir.path().join("ours.p7m");
    let len = mime::encrypt(
        BufReader::new(File::open(&input).unwrap()),
        BufWriter::new(File::create(&message).unwrap()),
        &EnvelopeStream::new().add_recipient(RecipientBuilder::certificate(id.certificate.clone())),
        &HeaderSelection::standard(),
        provider(),
    )
    .unwrap();
    let theirs = dir.path().join("theirs.plain");
    openssl(&[
        "cms".as_ref(),
        "-decrypt".as_ref(),
        "-binary".as_ref(),
        "-recip".as_ref(),
        id.cert_path().as_os_str(),
        "-inkey".as_ref(),
        id.key_path().as_os_str(),
        "-in".as_ref(),
        message.as_os_str(),
        "-out".as_ref(),
        theirs.as_os_str(),
    ]);
    let plaintext = std::fs::read(&theirs).unwrap();
    assert_eq!(plaintext.len() as u64, len);
    let mut ours = Vec::new();
    mime::decrypt(
        BufReader::new(File::open(&message).unwrap()),
        &mut ours,
        &StreamCredentials::new().private_key(&id.certificate, id.key.as_ref()),
        provider(),
    )
    .unwrap();
    assert!(plaintext == ours, "openssl's plaintext differs");
}
