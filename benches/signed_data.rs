//! SignedData sign and verify of a 50 KB message, RSA-2048 and P-256, every provider, with the
//! primitive operations alone (hash 50 KB + one private-key signature, or one verification) and,
//! with `--features openssl-compare`, the `openssl` crate's CMS in the same group.
//!
//! `cargo bench --bench signed_data --all-features`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark set-up: a failure should stop the run loudly"
)]

use std::hint::black_box;
use std::path::Path;
use std::process::Command;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use der::DecodePem;
use smime_cms::{Certificate, SignedDataBuilder, SignerBuilder, VerifyOptions};
use smime_crypto::{CryptoProvider, DigestAlgorithm, SignatureScheme};

const MESSAGE_LEN: usize = 50 * 1024;

struct Identity {
    name: &'static str,
    scheme: SignatureScheme,
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
}

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("the openssl CLI is needed to make the benchmark's certificates");
    assert!(status.success(), "openssl {args:?} failed");
}

fn identities(dir: &Path) -> Vec<Identity> {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "rsa.key",
            "-out",
            "rsa.crt",
            "-subj",
            "/CN=Bench RSA",
            "-days",
            "30",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ec.key",
            "-out",
            "ec.crt",
            "-subj",
            "/CN=Bench P-256",
            "-days",
            "30",
        ],
    );
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    vec![
        Identity {
            name: "rsa2048",
            scheme: SignatureScheme::RsaPkcs1v15 {
                digest: DigestAlgorithm::Sha256,
            },
            cert_pem: read("rsa.crt"),
            key_pem: read("rsa.key"),
        },
        Identity {
            name: "p256",
            scheme: SignatureScheme::Ecdsa {
                digest: DigestAlgorithm::Sha256,
            },
            cert_pem: read("ec.crt"),
            key_pem: read("ec.key"),
        },
    ]
}

/// One message signed by `signer`: a signer signs many messages, so its builder — holding
/// the certificate, its DER and hash, computed on the first message — is made once and cloned
/// per message, as `smime::Signer` does. The primitives likewise use a key loaded once.
fn sign(provider: &dyn CryptoProvider, signer: &SignerBuilder, message: &[u8]) -> Vec<u8> {
    SignedDataBuilder::new(message)
        .detached(true)
        .add_signer(signer.clone())
        .build(provider)
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let message: Vec<u8> = (0..MESSAGE_LEN).map(|i| (i % 251) as u8).collect();

    for identity in identities(dir.path()) {
        let cert = Certificate::from_pem(&identity.cert_pem).unwrap();

        let mut sign_group = c.benchmark_group(format!("sign_50k/{}", identity.name));
        sign_group.throughput(Throughput::Bytes(MESSAGE_LEN as u64));
        for provider in smime_crypto::all_providers() {
            let key = smime_crypto::load_private_key(provider, &identity.key_pem, None).unwrap();
            let signer =
                SignerBuilder::new(cert.clone(), key.clone()).digest(DigestAlgorithm::Sha256);
            sign_group.bench_function(BenchmarkId::new("smime-cms", provider.name()), |b| {
                b.iter(|| sign(provider, &signer, black_box(&message)))
            });
            sign_group.bench_function(BenchmarkId::new("primitives", provider.name()), |b| {
                b.iter(|| {
                    let digest = provider
                        .digest(DigestAlgorithm::Sha256, black_box(&message))
                        .unwrap();
                    key.sign_digest(identity.scheme, &digest).unwrap()
                })
            });
        }
        #[cfg(feature = "openssl-compare")]
        {
            let (ossl_cert, ossl_key) =
                openssl_compare::identity(&identity.cert_pem, &identity.key_pem);
            sign_group.bench_function("openssl-crate", |b| {
                b.iter(|| openssl_compare::sign(&ossl_cert, &ossl_key, black_box(&message)))
            });
        }
        sign_group.finish();

        let mut verify_group = c.benchmark_group(format!("verify_50k/{}", identity.name));
        verify_group.throughput(Throughput::Bytes(MESSAGE_LEN as u64));
        for provider in smime_crypto::all_providers() {
            let key = smime_crypto::load_private_key(provider, &identity.key_pem, None).unwrap();
            let signer = SignerBuilder::new(cert.clone(), key.clone());
            let signed = sign(provider, &signer, &message);
            let digest = provider.digest(DigestAlgorithm::Sha256, &message).unwrap();
            let signature = key.sign_digest(identity.scheme, &digest).unwrap();
            let public_key = key.public_key().clone();
            verify_group.bench_function(BenchmarkId::new("smime-cms", provider.name()), |b| {
                b.iter(|| {
                    let options = VerifyOptions::new().detached_content(&message);
                    let verification =
                        smime_cms::verify(black_box(&signed), &options, provider).unwrap();
                    assert!(verification.all_valid());
                })
            });
            verify_group.bench_function(BenchmarkId::new("primitives", provider.name()), |b| {
                b.iter(|| {
                    let digest = provider
                        .digest(DigestAlgorithm::Sha256, black_box(&message))
                        .unwrap();
                    provider
                        .verify_digest(identity.scheme, &public_key, &digest, &signature)
                        .unwrap()
                })
            });
        }
        #[cfg(feature = "openssl-compare")]
        {
            let (ossl_cert, ossl_key) =
                openssl_compare::identity(&identity.cert_pem, &identity.key_pem);
            let signed = openssl_compare::sign(&ossl_cert, &ossl_key, &message);
            verify_group.bench_function("openssl-crate", |b| {
                b.iter(|| openssl_compare::verify(&ossl_cert, black_box(&signed), &message))
            });
        }
        verify_group.finish();
    }
}

#[cfg(feature = "openssl-compare")]
mod openssl_compare {
    use openssl::cms::{CMSOptions, CmsContentInfo};
    use openssl::pkey::{PKey, Private};
    use openssl::stack::Stack;
    use openssl::x509::X509;
    use openssl::x509::store::X509StoreBuilder;

    pub(crate) fn identity(cert_pem: &[u8], key_pem: &[u8]) -> (X509, PKey<Private>) {
        (
            X509::from_pem(cert_pem).unwrap(),
            PKey::private_key_from_pem(key_pem).unwrap(),
        )
    }

    /// Detached, binary, with the default signed attributes (as smime-cms signs).
    pub(crate) fn sign(cert: &X509, key: &PKey<Private>, message: &[u8]) -> Vec<u8> {
        let flags = CMSOptions::DETACHED | CMSOptions::BINARY;
        CmsContentInfo::sign(Some(cert), Some(key), None, Some(message), flags)
            .unwrap()
            .to_der()
            .unwrap()
    }

    /// Signature check only (no chain), as smime-cms's verify.
    pub(crate) fn verify(cert: &X509, signed: &[u8], message: &[u8]) {
        let mut cms = CmsContentInfo::from_der(signed).unwrap();
        let mut certs = Stack::new().unwrap();
        certs.push(cert.clone()).unwrap();
        let store = X509StoreBuilder::new().unwrap().build();
        cms.verify(
            Some(&certs),
            Some(&store),
            Some(message),
            None,
            CMSOptions::NO_SIGNER_CERT_VERIFY | CMSOptions::BINARY,
        )
        .unwrap();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
