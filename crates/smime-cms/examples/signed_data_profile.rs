//! A fixed-work loop over SignedData sign or verify (50 KB, detached, as `benches/signed_data.rs`
//! measures), for instruction counting with callgrind, which is stable on a loaded machine:
//!
//! ```text
//! cargo build --release -p smime-cms --all-features --example signed_data_profile
//! valgrind --tool=callgrind --toggle-collect='*measured*' \
//!     target/release/examples/signed_data_profile aws-lc rsa verify 200
//! ```
//!
//! Arguments: provider (`rustcrypto`, `aws-lc`), key (`rsa`, `p256`), operation (`sign`, as
//! the benchmark does it with a new `SignerBuilder` per message; `sign-reused`, one builder
//! cloned per message; `verify`, `primitives-sign`, `primitives-verify`; `compare-verify` and
//! `compare-sign`, which alternate batches of the operation and its primitives and print the
//! median per-round overhead, a wall-clock comparison that survives a drifting machine) and
//! the number of iterations (rounds for the comparisons). Only the
//! loop (the function `measured`) is counted with `--toggle-collect`, so the total divided by
//! the number of iterations is the cost of one operation, set-up excluded.
//!
//! An optional fifth argument names a directory (one per key type) for the key and
//! certificate (`k.pem`, `c.pem`), made there on the first run and reused after: RustCrypto's P-256 costs vary with
//! the key by a few tens of thousands of instructions, so comparing runs (an operation with
//! its primitives, or a change with the code before it) needs the same key in every run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a measuring tool: a failure should stop it loudly"
)]

use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;

use der::DecodePem;
use smime_cms::{Certificate, SignedDataBuilder, SignerBuilder, VerifyOptions};
use smime_crypto::{CryptoProvider, DigestAlgorithm, PrivateKey, SignatureScheme};

const MESSAGE_LEN: usize = 50 * 1024;

fn sign(
    provider: &dyn CryptoProvider,
    cert: &Certificate,
    key: &Arc<dyn PrivateKey>,
    message: &[u8],
) -> Vec<u8> {
    SignedDataBuilder::new(message)
        .detached(true)
        .add_signer(SignerBuilder::new(cert.clone(), key.clone()).digest(DigestAlgorithm::Sha256))
        .build(provider)
        .unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (provider_name, key_name, operation, iterations, key_dir) = match &args[..] {
        [_, provider, key, operation, iterations] => (provider, key, operation, iterations, None),
        [_, provider, key, operation, iterations, dir] => {
            (provider, key, operation, iterations, Some(dir))
        }
        _ => panic!("usage: signed_data_profile PROVIDER rsa|p256 OPERATION ITERATIONS [KEY_DIR]"),
    };
    let iterations: usize = iterations.parse().unwrap();
    let provider = smime_crypto::all_providers()
        .into_iter()
        .find(|p| p.name() == provider_name)
        .expect("unknown provider (is the aws-lc feature on?)");

    let temporary = tempfile::tempdir().unwrap();
    let dir = match key_dir {
        Some(dir) => std::path::PathBuf::from(dir),
        None => temporary.path().to_path_buf(),
    };
    let (newkey, scheme): (&[&str], _) = match key_name.as_str() {
        "rsa" => (
            &["-newkey", "rsa:2048"],
            SignatureScheme::RsaPkcs1v15 {
                digest: DigestAlgorithm::Sha256,
            },
        ),
        "p256" => (
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            SignatureScheme::Ecdsa {
                digest: DigestAlgorithm::Sha256,
            },
        ),
        other => panic!("unknown key {other}"),
    };
    if !dir.join("c.pem").exists() {
        let status = Command::new("openssl")
            .args([
                "req", "-x509", "-nodes", "-keyout", "k.pem", "-out", "c.pem",
            ])
            .args(newkey)
            .args(["-subj", "/CN=Profile", "-days", "30"])
            .current_dir(&dir)
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let cert = Certificate::from_pem(std::fs::read(dir.join("c.pem")).unwrap()).unwrap();
    let key =
        smime_crypto::load_private_key(provider, &std::fs::read(dir.join("k.pem")).unwrap(), None)
            .unwrap();
    let message: Vec<u8> = (0..MESSAGE_LEN).map(|i| (i % 251) as u8).collect();

    // Set-up for the verify loops, outside the measured function.
    let signed = sign(provider, &cert, &key, &message);
    let digest = provider.digest(DigestAlgorithm::Sha256, &message).unwrap();
    let signature = key.sign_digest(scheme, &digest).unwrap();
    let inputs = Inputs {
        provider,
        scheme,
        cert: &cert,
        key: &key,
        message: &message,
        signed: &signed,
        signature: &signature,
    };
    measured(operation, iterations, &inputs);
}

/// Everything the loops use, made before measuring.
struct Inputs<'a> {
    provider: &'a dyn CryptoProvider,
    scheme: SignatureScheme,
    cert: &'a Certificate,
    key: &'a Arc<dyn PrivateKey>,
    message: &'a [u8],
    signed: &'a [u8],
    signature: &'a [u8],
}

/// The measured loop (callgrind: `--toggle-collect='*measured*'`).
#[inline(never)]
fn measured(operation: &str, iterations: usize, inputs: &Inputs<'_>) {
    let Inputs {
        provider,
        scheme,
        cert,
        key,
        message,
        signed,
        signature,
    } = *inputs;
    match operation {
        "sign" => {
            for _ in 0..iterations {
                black_box(sign(provider, cert, key, black_box(message)));
            }
        }
        "sign-reused" => {
            // One SignerBuilder, cloned for each message: what it caches is reused.
            let signer =
                SignerBuilder::new(cert.clone(), key.clone()).digest(DigestAlgorithm::Sha256);
            for _ in 0..iterations {
                let signed = SignedDataBuilder::new(black_box(message))
                    .detached(true)
                    .add_signer(signer.clone())
                    .build(provider)
                    .unwrap();
                black_box(signed);
            }
        }
        "primitives-sign" => {
            for _ in 0..iterations {
                let digest = provider
                    .digest(DigestAlgorithm::Sha256, black_box(message))
                    .unwrap();
                black_box(key.sign_digest(scheme, &digest).unwrap());
            }
        }
        "verify" => {
            for _ in 0..iterations {
                let options = VerifyOptions::new().detached_content(message);
                let verification =
                    smime_cms::verify(black_box(signed), &options, provider).unwrap();
                assert!(verification.all_valid());
            }
        }
        "primitives-verify" => {
            let public_key = key.public_key();
            for _ in 0..iterations {
                let digest = provider
                    .digest(DigestAlgorithm::Sha256, black_box(message))
                    .unwrap();
                provider
                    .verify_digest(scheme, public_key, &digest, signature)
                    .unwrap();
            }
        }
        "compare-verify" | "compare-sign" => compare(operation, iterations, inputs),
        other => panic!("unknown operation {other}"),
    }
}

/// Wall-clock comparison of an operation with its primitives on a machine whose speed drifts:
/// `iterations` rounds, each timing a batch of the operation and then a batch of the
/// primitives, so that both see the same machine; prints the median per-round overhead.
fn compare(operation: &str, rounds: usize, inputs: &Inputs<'_>) {
    const BATCH: usize = 50;
    let (ours, primitives) = match operation {
        "compare-verify" => ("verify", "primitives-verify"),
        _ => ("sign-reused", "primitives-sign"),
    };
    let time = |operation: &str| {
        let start = std::time::Instant::now();
        measured(operation, BATCH, inputs);
        start.elapsed().as_secs_f64() * 1e6 / BATCH as f64
    };
    let mut overheads = Vec::with_capacity(rounds);
    let (mut best_ours, mut best_primitives) = (f64::MAX, f64::MAX);
    for _ in 0..rounds {
        let a = time(ours);
        let b = time(primitives);
        best_ours = best_ours.min(a);
        best_primitives = best_primitives.min(b);
        overheads.push((a - b) / b);
    }
    overheads.sort_by(f64::total_cmp);
    let median = overheads[overheads.len() / 2];
    println!(
        "{ours}: best {best_ours:.2} µs, primitives best {best_primitives:.2} µs; \
         median per-round overhead {:+.1}% ({rounds} rounds of {BATCH})",
        median * 100.0
    );
}
