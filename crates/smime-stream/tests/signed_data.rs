//! Streaming SignedData: sign and verify against one-shot smime-cms and the openssl CLI.
// Tests may unwrap and index: a failure is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use der::DecodePem;
use proptest::prelude::*;
use smime_cms::{Certificate, SignedDataBuilder, SignerBuilder, VerifyOptions};
use smime_crypto::{CryptoProvider, PrivateKey};
use smime_stream::ber::{BerReader, Frame};
use smime_stream::{Error, SignedDataStream};

/// A key and self-signed certificate made by the openssl CLI, kept for the test run.
struct Identity {
    dir: tempfile::TempDir,
    certificate: Certificate,
    key: Arc<dyn PrivateKey>,
}

fn make_identity(algorithm: &[&str]) -> Identity {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=stream test",
        ])
        .args(algorithm)
        .arg("-keyout")
        .arg(dir.path().join("key.pem"))
        .arg("-out")
        .arg(dir.path().join("cert.pem"))
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let pem = std::fs::read(dir.path().join("cert.pem")).unwrap();
    let certificate = Certificate::from_pem(&pem).unwrap();
    let key_pem = std::fs::read(dir.path().join("key.pem")).unwrap();
    let key = smime_crypto::load_private_key(provider(), &key_pem, None).unwrap();
    Identity {
        dir,
        certificate,
        key,
    }
}

fn rsa() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| make_identity(&["-newkey", "rsa:2048"]))
}

fn ec() -> &'static Identity {
    static ID: OnceLock<Identity> = OnceLock::new();
    ID.get_or_init(|| make_identity(&["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]))
}

fn provider() -> &'static dyn CryptoProvider {
    smime_crypto::default_provider()
}

fn fixed_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn signer(identity: &Identity) -> SignerBuilder {
    SignerBuilder::new(identity.certificate.clone(), identity.key.clone())
        .signing_time(fixed_time())
}

fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// A reader that hands out at most `step` octets per call.
struct Trickle<R> {
    inner: R,
    step: usize,
}

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.step.max(1));
        self.inner.read(&mut buf[..n])
    }
}

#[test]
fn detached_stream_is_byte_identical_to_one_shot() {
    let data = content(200_000);
    for identity in [rsa(), ec()] {
        let one_shot = SignedDataBuilder::new(&data)
            .detached(true)
            .add_signer(signer(identity))
            .build(provider())
            .unwrap();
        let mut streamed = Vec::new();
        let len = SignedDataStream::new()
            .detached(true)
            .add_signer(signer(identity))
            .sign(&data[..], &mut streamed, provider())
            .unwrap();
        assert_eq!(len, data.len() as u64);
        if matches!(identity.key.kind(), smime_crypto::KeyKind::Rsa { .. }) {
            // PKCS #1 v1.5 is deterministic: the whole message is the same.
            assert_eq!(streamed, one_shot);
        } else {
            // ECDSA is randomised: everything before the signature is the same length and
            // both verify.
            assert!(streamed.len().abs_diff(one_shot.len()) <= 4);
        }
        let report = smime_stream::verify_detached(&streamed, &data[..], &[], provider()).unwrap();
        assert_eq!(report.require_all_valid().unwrap().len(), 1);
        assert_eq!(report.content_len(), data.len() as u64);
        let one_shot_report = smime_cms::verify(
            &streamed,
            &VerifyOptions::new().detached_content(&data),
            provider(),
        )
        .unwrap();
        assert!(one_shot_report.all_valid());
    }
}

#[test]
fn attached_stream_verifies_one_shot_and_streaming() {
    for size in [0usize, 1, 65_535, 65_536, 65_537, 300_000] {
        let data = content(size);
        let mut message = Vec::new();
        SignedDataStream::new()
            .add_signer(signer(rsa()))
            .add_signer(signer(ec()))
            .chunk_size(4096)
            .sign(&data[..], &mut message, provider())
            .unwrap();
        // Indefinite-length BER, as openssl -stream writes it.
        assert_eq!(&message[..2], &[0x30, 0x80]);
        let one_shot = smime_cms::verify(&message, &VerifyOptions::new(), provider()).unwrap();
        assert!(one_shot.all_valid());
        assert_eq!(one_shot.econtent().unwrap(), &data[..]);

        let mut out = Vec::new();
        let report = smime_stream::verify(
            Trickle {
                inner: &message[..],
                step: 1000,
            },
            &mut out,
            &[],
            provider(),
        )
        .unwrap();
        assert_eq!(out, data);
        assert_eq!(report.require_all_valid().unwrap().len(), 2);
        assert_eq!(report.signers().len(), 2);
        assert_eq!(report.certificates().len(), 2);
        // The signer infos are the same as the one-shot builder's (RSA is deterministic).
        assert_eq!(
            report.signers()[0].signed_attributes(),
            one_shot.signers()[0].signed_attributes()
        );
    }
}

#[test]
fn stream_verifies_one_shot_der() {
    let data = content(100_000);
    let der = SignedDataBuilder::new(&data)
        .add_signer(signer(rsa()))
        .build(provider())
        .unwrap();
    let mut out = Vec::new();
    let report = smime_stream::verify(&der[..], &mut out, &[], provider()).unwrap();
    assert_eq!(out, data);
    let valid = report.require_all_valid().unwrap();
    assert_eq!(valid[0].certificate(), &rsa().certificate);
}

#[test]
fn changed_content_fails_with_message_digest_mismatch() {
    let data = content(10_000);
    let mut message = Vec::new();
    SignedDataStream::new()
        .add_signer(signer(rsa()))
        .sign(&data[..], &mut message, provider())
        .unwrap();
    let at = message
        .windows(16)
        .position(|w| w == &data[100..116])
        .unwrap();
    message[at] ^= 1;
    let report = smime_stream::verify(&message[..], std::io::sink(), &[], provider()).unwrap();
    assert!(matches!(
        report.require_all_valid(),
        Err(smime_cms::Error::MessageDigestMismatch { signer: 0 })
    ));
    // Detached: content changed.
    let mut signature = Vec::new();
    SignedDataStream::new()
        .detached(true)
        .add_signer(signer(rsa()))
        .sign(&data[..], &mut signature, provider())
        .unwrap();
    let mut other = data.clone();
    other[5] ^= 0x80;
    let report = smime_stream::verify_detached(&signature, &other[..], &[], provider()).unwrap();
    assert!(matches!(
        report.require_all_valid(),
        Err(smime_cms::Error::MessageDigestMismatch { signer: 0 })
    ));
}

#[test]
fn truncated_and_trailing_input_are_errors() {
    let data = content(5000);
    let mut message = Vec::new();
    SignedDataStream::new()
        .add_signer(signer(ec()))
        .sign(&data[..], &mut message, provider())
        .unwrap();
    for cut in [1, 2, 10, message.len() / 2, message.len() - 1] {
        let error =
            smime_stream::verify(&message[..cut], std::io::sink(), &[], provider()).unwrap_err();
        assert!(
            matches!(error, Error::Truncated { .. }),
            "cut at {cut}: {error:?}"
        );
    }
    let mut longer = message.clone();
    longer.push(0);
    let error = smime_stream::verify(&longer[..], std::io::sink(), &[], provider()).unwrap_err();
    assert!(matches!(error, Error::Malformed { .. }), "{error:?}");
}

#[test]
fn detached_message_is_refused_by_attached_verify() {
    let mut signature = Vec::new();
    SignedDataStream::new()
        .detached(true)
        .add_signer(signer(rsa()))
        .sign(&b"abc"[..], &mut signature, provider())
        .unwrap();
    let error = smime_stream::verify(&signature[..], std::io::sink(), &[], provider()).unwrap_err();
    assert!(matches!(error, Error::NoEncapsulatedContent), "{error:?}");
}

#[test]
fn deep_nesting_fails_fast_on_a_small_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(|| {
            let input: Vec<u8> = [0x30u8, 0x80].repeat(512 << 10);
            let started = std::time::Instant::now();
            let error =
                smime_stream::verify(&input[..], std::io::sink(), &[], provider()).unwrap_err();
            // Raw element reading too.
            let mut reader = BerReader::new(&input[..]);
            let header = reader.header().unwrap().unwrap();
            let mut budget = u64::MAX;
            let raw_error = reader
                .element(&header, Frame::top(), &mut budget)
                .unwrap_err();
            (error, raw_error, reader.offset(), started.elapsed())
        })
        .unwrap();
    let (error, raw_error, consumed, elapsed) = handle.join().unwrap();
    // ContentInfo → [0] is all that is expected: the inner 30 80 is not an OID.
    assert!(matches!(error, Error::Malformed { .. }), "{error:?}");
    assert!(
        matches!(
            raw_error,
            Error::BudgetExceeded {
                what: "BER nesting depth",
                limit: 32
            }
        ),
        "{raw_error:?}"
    );
    assert!(consumed < 100, "read {consumed} octets");
    assert!(elapsed < Duration::from_secs(1));
}

fn openssl(args: &[&str], dir: &Path) -> std::process::Output {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn openssl_stream_signature_verifies_streaming() {
    let identity = rsa();
    let dir = identity.dir.path();
    let data = content(12 << 20);
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in.bin");
    std::fs::write(&input, &data).unwrap();
    let signed = work.path().join("signed.der");
    openssl(
        &[
            "cms",
            "-sign",
            "-stream",
            "-binary",
            "-nodetach",
            "-outform",
            "DER",
            "-in",
            input.to_str().unwrap(),
            "-out",
            signed.to_str().unwrap(),
            "-signer",
            dir.join("cert.pem").to_str().unwrap(),
            "-inkey",
            dir.join("key.pem").to_str().unwrap(),
        ],
        work.path(),
    );
    let file = std::fs::File::open(&signed).unwrap();
    let mut head = [0u8; 2];
    std::fs::File::open(&signed)
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    assert_eq!(
        head,
        [0x30, 0x80],
        "openssl -stream writes indefinite lengths"
    );
    let out_path = work.path().join("out.bin");
    let out = std::fs::File::create(&out_path).unwrap();
    let report = smime_stream::verify(file, out, &[], provider()).unwrap();
    assert_eq!(report.require_all_valid().unwrap().len(), 1);
    assert_eq!(report.content_len(), data.len() as u64);
    assert!(std::fs::read(&out_path).unwrap() == data);
}

#[test]
fn streaming_signature_verifies_with_openssl() {
    let identity = ec();
    let data = content(12 << 20);
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in.bin");
    std::fs::write(&input, &data).unwrap();
    let signed = work.path().join("signed.der");
    SignedDataStream::new()
        .add_signer(signer(identity))
        .sign(
            std::fs::File::open(&input).unwrap(),
            std::fs::File::create(&signed).unwrap(),
            provider(),
        )
        .unwrap();
    let out = work.path().join("out.bin");
    openssl(
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-noverify",
            "-in",
            signed.to_str().unwrap(),
            "-out",
            out.to_str().unwrap(),
        ],
        work.path(),
    );
    assert!(std::fs::read(&out).unwrap() == data);

    // Detached.
    let detached = work.path().join("detached.der");
    SignedDataStream::new()
        .detached(true)
        .add_signer(signer(rsa()))
        .sign(
            std::fs::File::open(&input).unwrap(),
            std::fs::File::create(&detached).unwrap(),
            provider(),
        )
        .unwrap();
    openssl(
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-noverify",
            "-in",
            detached.to_str().unwrap(),
            "-content",
            input.to_str().unwrap(),
            "-out",
            "/dev/null",
        ],
        work.path(),
    );
}

/// BER of an OCTET STRING holding `data`, split and nested as `plan` says.
fn encode_octet_string(data: &[u8], plan: &[(usize, bool, bool)], depth: usize) -> Vec<u8> {
    // plan entries: (chunk length, nest this chunk in a constructed string, indefinite)
    let mut body = Vec::new();
    let mut rest = data;
    for (i, (len, nest, indefinite)) in plan.iter().enumerate() {
        if rest.is_empty() {
            break;
        }
        let take = (*len).min(rest.len());
        let (chunk, tail) = rest.split_at(take);
        rest = tail;
        let primitive = smime_stream::ber::definite(0x04, &[chunk]);
        if *nest && depth < 3 {
            let inner = encode_octet_string(chunk, &plan[i + 1..], depth + 1);
            body.extend_from_slice(&inner);
        } else {
            body.extend_from_slice(&primitive);
        }
        let _ = indefinite;
    }
    if !rest.is_empty() {
        body.extend_from_slice(&smime_stream::ber::definite(0x04, &[rest]));
    }
    if plan.first().is_some_and(|p| p.2) {
        let mut out = vec![0x24, 0x80];
        out.extend_from_slice(&body);
        out.extend_from_slice(&[0, 0]);
        out
    } else {
        smime_stream::ber::definite(0x24, &[&body])
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn octet_strings_read_back_whatever_the_chunking(
        data in proptest::collection::vec(any::<u8>(), 0..3000),
        plan in proptest::collection::vec((0usize..700, any::<bool>(), any::<bool>()), 0..12),
        step in 1usize..64,
    ) {
        let encoded = encode_octet_string(&data, &plan, 0);
        let mut reader = BerReader::new(Trickle { inner: &encoded[..], step });
        let header = reader.header().unwrap().unwrap();
        let mut out = Vec::new();
        let len = reader
            .octet_string(&header, Frame::top(), &mut |piece| {
                out.extend_from_slice(piece);
                Ok(())
            })
            .unwrap();
        reader.expect_eof().unwrap();
        prop_assert_eq!(len, data.len() as u64);
        prop_assert_eq!(out, data);
    }

    #[test]
    fn sign_and_verify_with_any_chunk_sizes(
        data in proptest::collection::vec(any::<u8>(), 0..20_000),
        chunk in 1usize..5000,
        step in 1usize..4096,
    ) {
        let mut message = Vec::new();
        SignedDataStream::new()
            .add_signer(signer(ec()))
            .chunk_size(chunk)
            .sign(Trickle { inner: &data[..], step }, &mut message, provider())
            .unwrap();
        let mut out = Vec::new();
        let report = smime_stream::verify(
            Trickle { inner: &message[..], step },
            &mut out,
            &[],
            provider(),
        )
        .unwrap();
        prop_assert_eq!(&out, &data);
        prop_assert!(report.require_all_valid().is_ok());
    }

    #[test]
    fn arbitrary_input_never_panics(input in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = smime_stream::verify(&input[..], std::io::sink(), &[], provider());
    }
}

/// A DER TLV with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// The elements of a DER constructed value's content.
fn der_elements(mut content: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (header, len) = match content[1] {
            n if n < 0x80 => (2, n as usize),
            n => {
                let k = (n & 0x7f) as usize;
                (
                    2 + k,
                    content[2..2 + k]
                        .iter()
                        .fold(0, |a, b| a << 8 | *b as usize),
                )
            }
        };
        out.push(&content[..header + len]);
        content = &content[header + len..];
    }
    out
}

/// The content of a DER TLV.
fn der_content(tlv: &[u8]) -> &[u8] {
    let header = if tlv[1] < 0x80 {
        2
    } else {
        2 + (tlv[1] & 0x7f) as usize
    };
    &tlv[header..]
}

/// A DER SignedData ContentInfo with `crls` added as RevocationInfoChoices.
fn with_crls(content_info: &[u8], crls: &[&[u8]]) -> Vec<u8> {
    let info = der_elements(der_content(content_info));
    let mut fields: Vec<Vec<u8>> = der_elements(der_content(der_content(info[1])))
        .iter()
        .map(|e| e.to_vec())
        .collect();
    let signer_infos = fields.pop().unwrap();
    fields.push(tlv(0xa1, &crls.concat()));
    fields.push(signer_infos);
    let signed_data = tlv(0x30, &fields.concat());
    tlv(0x30, &[info[0], &tlv(0xa0, &signed_data)].concat())
}

#[test]
fn crls_in_the_message_are_handed_out() {
    let corpus = |name: &str| {
        std::fs::read(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus/rfc4134/"
            )
            .to_owned()
                + name,
        )
        .unwrap()
    };
    let (empty, for_carl) = (
        corpus("CarlRSACRLEmpty.crl"),
        corpus("CarlRSACRLForCarl.crl"),
    );
    let data = content(5000);
    for detached in [false, true] {
        let message = SignedDataBuilder::new(&data)
            .detached(detached)
            .add_signer(signer(ec()))
            .build(provider())
            .unwrap();
        let carrying = with_crls(&message, &[&empty, &for_carl]);
        let verification = if detached {
            smime_stream::verify_detached(&carrying, &data[..], &[], provider()).unwrap()
        } else {
            let mut out = Vec::new();
            let verification =
                smime_stream::verify(&carrying[..], &mut out, &[], provider()).unwrap();
            assert_eq!(out, data);
            verification
        };
        verification.require_all_valid().unwrap();
        assert_eq!(verification.crls(), [empty.clone(), for_carl.clone()]);
        // Without CRLs there are none.
        let verification = if detached {
            smime_stream::verify_detached(&message, &data[..], &[], provider()).unwrap()
        } else {
            smime_stream::verify(&message[..], std::io::sink(), &[], provider()).unwrap()
        };
        assert!(verification.crls().is_empty());
    }
}
