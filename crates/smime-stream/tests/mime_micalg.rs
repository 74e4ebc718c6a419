//! `multipart/signed` written and read straight through with the `micalg` parameter: its
//! digests hash the first part as it streams by, its absence or an unknown name falls back to
//! a spool, a signer it does not name is a typed error — and neither signing nor a verification
//! with `micalg` touches the temporary directory.
// Tests may unwrap and index: a failure is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::Command;
use std::sync::{Arc, OnceLock};

use der::DecodePem;
use smime_cms::{Certificate, SignerBuilder};
use smime_crypto::{CryptoProvider, DigestAlgorithm, PrivateKey};
use smime_mime::HeaderSelection;
use smime_stream::mime::{self, LineEnds, Packaging};
use smime_stream::{Error, SignedDataStream};

struct Identity {
    _dir: tempfile::TempDir,
    certificate: Certificate,
    key: Arc<dyn PrivateKey>,
}

fn ec() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| {
        // Not in the temporary directory, which one test makes unusable.
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let output = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=micalg test",
            ])
            .args(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
            .arg("-keyout")
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
            _dir: dir,
            certificate,
            key,
        }
    })
}

fn provider() -> &'static dyn CryptoProvider {
    smime_crypto::default_provider()
}

fn signer(digest: DigestAlgorithm) -> SignerBuilder {
    SignerBuilder::new(ec().certificate.clone(), ec().key.clone()).digest(digest)
}

const MESSAGE: &[u8] = b"From: Alice <alice@example.org>\nSubject: statement\nContent-Type: text/plain; charset=us-ascii\n\nDear Bob,\n\nthe statement is attached.\n";
const ENTITY: &[u8] = b"Content-Type: text/plain; charset=us-ascii\r\n\r\nDear Bob,\r\n\r\nthe statement is attached.\r\n";

fn sign(signed: &SignedDataStream) -> Vec<u8> {
    let mut out = Vec::new();
    let total = mime::sign(
        MESSAGE,
        &mut out,
        signed,
        Packaging::Detached,
        &HeaderSelection::standard(),
        provider(),
    )
    .unwrap();
    assert_eq!(total, ENTITY.len() as u64);
    out
}

fn verify(message: &[u8]) -> Result<(mime::MimeVerification, Vec<u8>), Error> {
    let mut content = Vec::new();
    let verification = mime::verify(message, &mut content, &[], provider())?;
    Ok((verification, content))
}

/// `message` with the first `from` replaced by `to`.
fn replace(message: &[u8], from: &str, to: &str) -> Vec<u8> {
    let at = message
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{from:?} not in the message"));
    [&message[..at], to.as_bytes(), &message[at + from.len()..]].concat()
}

#[test]
fn micalg_names_every_signers_digest_before_the_content() {
    let signed = SignedDataStream::new()
        .add_signer(signer(DigestAlgorithm::Sha256))
        .add_signer(signer(DigestAlgorithm::Sha384));
    assert_eq!(
        signed.digest_algorithms().unwrap(),
        [DigestAlgorithm::Sha256, DigestAlgorithm::Sha384]
    );
    let message = sign(&signed);
    let text = String::from_utf8(message.clone()).unwrap();
    assert!(
        text.contains(" micalg=sha-256,sha-384; boundary="),
        "{text}"
    );
    // The entity follows the first delimiter, as written.
    let at = text.find("\r\n\r\n--").unwrap() + 4;
    let boundary_line = &text[at..text[at..].find("\r\n").unwrap() + at + 2];
    assert!(text[at + boundary_line.len()..].starts_with(std::str::from_utf8(ENTITY).unwrap()));

    let (verification, content) = verify(&message).unwrap();
    assert_eq!(content, ENTITY);
    let valid = verification.cms().require_all_valid().unwrap();
    assert_eq!(valid.len(), 2);
    let digests: Vec<_> = verification
        .cms()
        .signers()
        .iter()
        .map(|s| s.digest())
        .collect();
    assert_eq!(
        digests,
        [Some(DigestAlgorithm::Sha256), Some(DigestAlgorithm::Sha384)]
    );
    assert_eq!(verification.cms().content_len(), ENTITY.len() as u64);
    // The one-shot layer agrees.
    let report = smime_mime::open(&message, &smime_mime::OpenOptions::default(), provider());
    assert!(report.is_ok(), "{report:?}");
}

#[test]
fn micalg_spellings_absence_and_disagreement() {
    let message = sign(&SignedDataStream::new().add_signer(signer(DigestAlgorithm::Sha256)));
    assert!(String::from_utf8_lossy(&message).contains(" micalg=sha-256; "));
    let valid = |message: &[u8]| {
        let (verification, content) = verify(message).unwrap();
        assert_eq!(content, ENTITY);
        assert_eq!(verification.cms().require_all_valid().unwrap().len(), 1);
        assert_eq!(verification.line_ends(), Some(LineEnds::Canonicalized));
    };
    valid(&message);
    // RFC 2633 spelling, upper case, quoted, several names.
    valid(&replace(&message, "micalg=sha-256", "micalg=SHA256"));
    valid(&replace(
        &message,
        "micalg=sha-256",
        "micalg=\"sha-512,sha-256\"",
    ));
    // Unknown to this crate, or absent: spooled and hashed as the signature asks.
    valid(&replace(&message, "micalg=sha-256", "micalg=md5"));
    valid(&replace(&message, "micalg=sha-256", "micalg=x-unknown"));
    valid(&replace(&message, " micalg=sha-256;", ""));
    // A signer whose digest micalg does not name: a typed error, not a verdict.
    let error = verify(&replace(&message, "micalg=sha-256", "micalg=sha-512")).unwrap_err();
    assert!(
        matches!(
            &error,
            Error::MicalgMismatch { signer: 0, digest: "sha-256", micalg } if micalg == "sha-512"
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("signer 0 uses sha-256"),
        "{error}"
    );
}

#[test]
fn both_line_end_forms_are_hashed_from_micalg() {
    let message = sign(&SignedDataStream::new().add_signer(signer(DigestAlgorithm::Sha256)));
    // Stored with LF line ends: written and verified with CR LF restored.
    let lf = String::from_utf8(message.clone())
        .unwrap()
        .replace("\r\n", "\n");
    let (verification, content) = verify(lf.as_bytes()).unwrap();
    verification.cms().require_all_valid().unwrap();
    assert_eq!(content, ENTITY);
    assert_eq!(verification.line_ends(), Some(LineEnds::Canonicalized));

    // A binary part signed as received with bare LFs (as AS2 does): the CR LF form fails,
    // the raw form (hashed alongside, from the same pass) verifies.
    let raw_part = b"Content-Type: application/octet-stream\n\n\x00\x01\nline\n\xff";
    let mut signature = Vec::new();
    SignedDataStream::new()
        .add_signer(signer(DigestAlgorithm::Sha256))
        .detached(true)
        .sign(&raw_part[..], &mut signature, provider())
        .unwrap();
    let mut crafted = b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"b1\"\r\n\r\n--b1\r\n".to_vec();
    crafted.extend_from_slice(raw_part);
    crafted.extend_from_slice(
        b"\r\n--b1\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: binary\r\n\r\n",
    );
    crafted.extend_from_slice(&signature);
    crafted.extend_from_slice(b"\r\n--b1--\r\n");
    let (verification, content) = verify(&crafted).unwrap();
    verification.cms().require_all_valid().unwrap();
    assert_eq!(verification.line_ends(), Some(LineEnds::AsReceived));
    assert_eq!(content, raw_part);
    assert_eq!(verification.cms().content_len(), raw_part.len() as u64);

    // The same with a text part, which is written with CR LF: the written form fails, and
    // the raw one, hashed in the same pass, verifies.
    let text_part = b"Content-Type: text/plain\n\nsigned as received\nwith bare LFs\n";
    let mut signature = Vec::new();
    SignedDataStream::new()
        .add_signer(signer(DigestAlgorithm::Sha256))
        .detached(true)
        .sign(&text_part[..], &mut signature, provider())
        .unwrap();
    let mut text_message = b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"b1\"\r\n\r\n--b1\r\n".to_vec();
    text_message.extend_from_slice(text_part);
    text_message.extend_from_slice(
        b"\r\n--b1\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: binary\r\n\r\n",
    );
    text_message.extend_from_slice(&signature);
    text_message.extend_from_slice(b"\r\n--b1--\r\n");
    let (verification, content) = verify(&text_message).unwrap();
    verification.cms().require_all_valid().unwrap();
    assert_eq!(verification.line_ends(), Some(LineEnds::AsReceived));
    assert_eq!(
        content,
        b"Content-Type: text/plain\r\n\r\nsigned as received\r\nwith bare LFs\r\n"
    );

    // One flipped octet in the part: no form verifies, the signer is reported invalid.
    let flipped = replace(&crafted, "line", "lime");
    let (verification, _) = verify(&flipped).unwrap();
    assert!(verification.cms().require_all_valid().is_err());
}

/// Runs `test` in a child process of this test binary whose temporary directory does not
/// exist, so that any temporary file fails.
fn without_temp_dir(test: &str) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("TMPDIR", "/nonexistent/smime-stream-no-spool")
        .env("SMIME_STREAM_NO_TEMP_DIR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn signing_and_micalg_verification_need_no_temporary_file() {
    without_temp_dir("child_no_temporary_file");
}

#[test]
fn child_no_temporary_file() {
    if std::env::var_os("SMIME_STREAM_NO_TEMP_DIR").is_none() {
        return; // run by `signing_and_micalg_verification_need_no_temporary_file`
    }
    assert!(
        tempfile::tempfile().is_err(),
        "the temporary directory works"
    );
    let message = sign(&SignedDataStream::new().add_signer(signer(DigestAlgorithm::Sha256)));
    let (verification, content) = verify(&message).unwrap();
    verification.cms().require_all_valid().unwrap();
    assert_eq!(content, ENTITY);
    // The control: without micalg the part is spooled, which fails here.
    let error = verify(&replace(&message, " micalg=sha-256;", "")).unwrap_err();
    assert!(matches!(error, Error::Io(_)), "{error:?}");
}
