//! Real S/MIME messages written by others (../shared/corpus, read-only; see each folder's
//! SOURCE.md for what each file must give), read by the streaming MIME layer.
// Tests may unwrap and index: a failure is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs::File;
use std::io::BufReader;

use der::Decode;
use smime_cms::Certificate;
use smime_stream::StreamCredentials;
use smime_stream::mime::{self, LineEnds, Packaging};

fn corpus(path: &str) -> String {
    format!(
        "{}/../../../shared/corpus/{path}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn verify(path: &str) -> (mime::MimeVerification, Vec<u8>) {
    let mut content = Vec::new();
    let verification = mime::verify(
        BufReader::new(File::open(corpus(path)).unwrap()),
        &mut content,
        &[],
        smime_crypto::default_provider(),
    )
    .unwrap();
    (verification, content)
}

/// The body of an entity (after its header block).
fn body(entity: &[u8]) -> &[u8] {
    if let Some(rest) = entity.strip_prefix(b"\r\n") {
        return rest;
    }
    let at = entity.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    &entity[at + 4..]
}

/// RFC 4134's Alice signs with DSA, which the providers do not implement: the message is
/// read to the end and the signer reported as unsupported (not as invalid, not a panic).
fn assert_dsa_unsupported(verification: &mime::MimeVerification) {
    let error = verification.cms().require_all_valid().unwrap_err();
    assert!(
        matches!(
            &error,
            smime_cms::Error::UnsupportedAlgorithm { signer: 0, algorithm, .. }
                if algorithm.contains("dsa-with-sha1")
        ),
        "{error:?}"
    );
}

#[test]
fn rfc4134_multipart_signed_is_read() {
    let (verification, content) = verify("rfc4134/4.8.eml");
    assert_eq!(verification.packaging(), Packaging::Detached);
    assert_dsa_unsupported(&verification);
    assert_eq!(body(&content), b"This is some sample content.");
    assert_eq!(verification.line_ends(), Some(LineEnds::Canonicalized));
    assert!(
        verification
            .outer_header()
            .windows(21)
            .any(|w| w == b"aliceDss@examples.com")
    );
}

#[test]
fn rfc4134_opaque_signed_is_read() {
    let (verification, content) = verify("rfc4134/4.9.eml");
    assert_eq!(verification.packaging(), Packaging::Opaque);
    assert_dsa_unsupported(&verification);
    // The encapsulated entity has an empty header block.
    assert_eq!(content, b"\r\nThis is some sample content.");
    assert_eq!(verification.line_ends(), None);
}

#[test]
fn thunderbird_multipart_signed_verifies() {
    let (verification, content) = verify("mimekit/smime/thunderbird-signed.txt");
    let valid = verification.cms().require_all_valid().unwrap();
    assert_eq!(valid.len(), 1);
    assert!(content.starts_with(b"Content-Type: multipart/mixed;\r\n boundary="));
    assert!(smime_mime::canonical::is_crlf(&content));
    assert!(
        content.len() > 200_000,
        "the JPEG attachment is in the signed part"
    );
}

#[test]
fn as2_binary_signature_over_exact_bytes_verifies() {
    let (verification, content) = verify("mimekit/smime/octet-stream-with-mixed-line-endings.dat");
    assert_eq!(verification.line_ends(), Some(LineEnds::AsReceived));
    assert_eq!(verification.cms().require_all_valid().unwrap().len(), 1);
    // Written exactly as received (mixed line ends kept).
    let raw = std::fs::read(corpus(
        "mimekit/smime/octet-stream-with-mixed-line-endings.dat",
    ))
    .unwrap();
    assert!(raw.windows(content.len()).any(|w| w == content));
}

#[test]
fn bouncy_castle_multipart_signed_verifies() {
    let (verification, content) = verify("pkijs/smime-test.eml");
    assert_eq!(verification.cms().require_all_valid().unwrap().len(), 1);
    assert!(content.starts_with(b"Content-Type: text/plain; charset=us-ascii\r\n"));
}

#[test]
fn rfc4134_enveloped_message_is_read() {
    let certificate =
        Certificate::from_der(&std::fs::read(corpus("rfc4134/BobRSASignByCarl.cer")).unwrap())
            .unwrap();
    let provider = smime_crypto::default_provider();
    let key = smime_crypto::load_private_key(
        provider,
        &std::fs::read(corpus("rfc4134/BobPrivRSAEncrypt.pri")).unwrap(),
        None,
    )
    .unwrap();
    let mut plaintext = Vec::new();
    // RFC 4134 5.3 is DES-EDE3-CBC, which the streaming CBC decryptor reads.
    let decrypted = mime::decrypt(
        BufReader::new(File::open(corpus("rfc4134/5.3.eml")).unwrap()),
        &mut plaintext,
        &StreamCredentials::new().private_key(&certificate, key.as_ref()),
        provider,
    )
    .unwrap();
    assert!(!decrypted.cms().is_authenticated());
    assert_eq!(
        decrypted.cms().content_encryption(),
        smime_cms::ContentEncryption::Cbc(smime_crypto::CbcCipher::DesEde3)
    );
    assert_eq!(plaintext, b"This is some sample content.");
}
