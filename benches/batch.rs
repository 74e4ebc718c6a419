//! The batch path of the facade (issue 7): unique 50 KB statements, each signed by one RSA-2048
//! signer (PKCS #1 v1.5, SHA-256) and encrypted to its own RSA-2048 recipient with AES-256-GCM,
//! reported in statements per second, for every provider:
//!
//! - `smime-batch`: [`smime::Batch::run`] over a batch, on all cores (rayon's global pool);
//! - `smime-serial`: [`smime::Batch::sign_and_encrypt`] one statement at a time, one thread;
//! - `primitives`: what the same work costs the provider's primitives alone, one thread —
//!   SHA-256 over the statement, one RSA-2048 signature, a fresh CEK and nonce, one RSA-2048
//!   encryption and AES-256-GCM over the statement — the ceiling the issue measures against
//!   (× cores for the batch);
//! - `primitives-threads`: the same primitives on one thread per core, the ceiling this
//!   machine really offers to a batch;
//! - with `--features openssl-compare`, the `openssl` crate doing the same work in this process
//!   (`CmsContentInfo::sign`, opaque and binary, then `CmsContentInfo::encrypt` of that DER with
//!   AES-256-GCM), one thread (`openssl-serial`) and one thread per core (`openssl-threads`).
//!
//! `cargo bench --bench batch --all-features -- --warm-up-time 1 --measurement-time 5`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs,
    reason = "benchmark set-up: a failure should stop the run loudly"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use smime::batch::{Batch, BatchItem};
use smime::{ContentCipher, Recipient, Signer};
use smime_crypto::{
    AeadCipher, CryptoProvider, DigestAlgorithm, KeyKind, PrivateKey, PublicKey,
    RsaEncryptionPadding, SignatureScheme,
};
use smime_x509::builder::{TestIdentity, TestPki};

/// The size of one statement (the MIME entity: a short header block and a text body).
const STATEMENT_LEN: usize = 50 * 1024;
/// Statements per measured iteration: enough to keep both cores busy through a few rayon
/// chunks, few enough that the whole bench runs in a few minutes.
const STATEMENTS_PER_ITERATION: usize = 64;
/// Distinct recipients (RSA key generation is slow; statements take them in turn).
const RECIPIENTS: usize = 8;
/// AES-256 key and RFC 5084 nonce and tag lengths.
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

const RSA_2048: KeyKind = KeyKind::Rsa { modulus_bits: 2048 };

/// Makes every iteration's statements unique: each statement carries a running number.
static SERIAL: AtomicU64 = AtomicU64::new(0);

/// A statement template: a header block and a 50 KB body of 76-character CRLF lines (what a
/// bank's statement looks like to the MIME layer). The first body line holds a number that
/// [`stamp`] overwrites.
fn template(customer: usize) -> Vec<u8> {
    let mut statement = format!(
        "Content-Type: text/plain; charset=utf-8\r\n\
         Subject: Statement for customer {customer}\r\n\r\n\
         Statement number 0000000000000000000\r\n"
    )
    .into_bytes();
    let mut line = 0usize;
    while statement.len() < STATEMENT_LEN {
        let text = format!(
            "{line:06} 2026-11-{:02} transfer to account DE{:020} amount {:>9}.{:02} EUR",
            line % 28 + 1,
            (customer * 7919 + line * 104_729) % 100_000_000_000,
            (line * 37 + customer) % 100_000,
            line % 100
        );
        let text = format!("{text:<74}\r\n");
        statement.extend_from_slice(text.as_bytes());
        line += 1;
    }
    statement.truncate(STATEMENT_LEN - 2);
    statement.extend_from_slice(b"\r\n");
    statement
}

/// A unique copy of `template`: its statement number set to the next serial.
fn stamp(template: &[u8]) -> Vec<u8> {
    let mut statement = template.to_vec();
    let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
    let marker = b"Statement number ";
    let at = statement
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap()
        + marker.len();
    statement[at..at + 19].copy_from_slice(format!("{serial:019}").as_bytes());
    statement
}

struct Setup {
    signer: TestIdentity,
    recipients: Vec<TestIdentity>,
    templates: Vec<Vec<u8>>,
}

fn setup() -> Setup {
    // Keys are made with the fastest provider compiled in; every provider loads them.
    let maker = *smime_crypto::all_providers().last().unwrap();
    let pki = TestPki::new(maker, RSA_2048).unwrap();
    let signer = pki
        .issue("Bank Statements <statements@bank.example>", RSA_2048)
        .unwrap();
    let recipients = (0..RECIPIENTS)
        .map(|i| {
            pki.issue(&format!("Customer {i} <c{i}@mail.example>"), RSA_2048)
                .unwrap()
        })
        .collect();
    let templates = (0..STATEMENTS_PER_ITERATION).map(template).collect();
    Setup {
        signer,
        recipients,
        templates,
    }
}

/// The primitives of one statement, as the facade would need them at the least: SHA-256 of
/// the content and one RSA-2048 PKCS #1 v1.5 signature, a fresh CEK and nonce, one RSA-2048
/// PKCS #1 v1.5 encryption of the CEK and AES-256-GCM over the content.
fn primitives(
    provider: &dyn CryptoProvider,
    signer: &dyn PrivateKey,
    recipient: &PublicKey,
    statement: &[u8],
) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let digest = provider.digest(DigestAlgorithm::Sha256, statement).unwrap();
    let signature = signer
        .sign_digest(
            SignatureScheme::RsaPkcs1v15 {
                digest: DigestAlgorithm::Sha256,
            },
            &digest,
        )
        .unwrap();
    let mut cek = [0u8; KEY_LEN];
    provider.fill_random(&mut cek).unwrap();
    let mut nonce = [0u8; NONCE_LEN];
    provider.fill_random(&mut nonce).unwrap();
    let wrapped = provider
        .rsa_encrypt(RsaEncryptionPadding::Pkcs1v15, recipient, &cek)
        .unwrap();
    let mut buffer = statement.to_vec();
    let tag = provider
        .aead_seal_in_place(
            AeadCipher::Aes256Gcm,
            &cek,
            &nonce,
            &[],
            &mut buffer,
            TAG_LEN,
        )
        .unwrap();
    buffer.extend_from_slice(&tag);
    (signature, wrapped, buffer)
}

fn bench(c: &mut Criterion) {
    let setup = setup();
    let signer_pem = setup.signer.private_key_pem().unwrap();
    let recipients: Vec<Recipient> = setup
        .recipients
        .iter()
        .map(|identity| Recipient::new(identity.certificate().clone()).unwrap())
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    eprintln!(
        "batch bench: {STATEMENTS_PER_ITERATION} statements of {STATEMENT_LEN} bytes per \
         iteration, {cores} cores, rayon threads: {}",
        rayon_threads()
    );

    let mut group = c.benchmark_group("sign_encrypt_50k/rsa2048/aes256gcm");
    group.throughput(Throughput::Elements(STATEMENTS_PER_ITERATION as u64));
    group.sample_size(10);

    for provider in smime_crypto::all_providers() {
        let key = smime_crypto::load_private_key(provider, signer_pem.as_bytes(), None).unwrap();
        let signer = Signer::builder(setup.signer.certificate().clone(), Arc::clone(&key))
            .provider(provider)
            .build()
            .unwrap();
        let batch = Batch::new(signer).cipher(ContentCipher::Aes256Gcm);

        // Check once that the batch seals every statement.
        let summary = batch.run(items(&setup.templates, &recipients), |_, result| {
            assert!(result.as_ref().unwrap().len() > STATEMENT_LEN);
            Ok(())
        });
        assert_eq!(
            (summary.succeeded(), summary.failed().len()),
            (STATEMENTS_PER_ITERATION, 0)
        );

        group.bench_function(BenchmarkId::new("smime-batch", provider.name()), |b| {
            b.iter(|| {
                let mut bytes = 0usize;
                let summary = batch.run(items(&setup.templates, &recipients), |_, result| {
                    if let Ok(sealed) = result {
                        bytes += black_box(sealed).len();
                    }
                    Ok(())
                });
                assert_eq!(summary.succeeded(), STATEMENTS_PER_ITERATION);
                bytes
            })
        });
        group.bench_function(BenchmarkId::new("smime-serial", provider.name()), |b| {
            b.iter(|| {
                let mut bytes = 0usize;
                for (i, template) in setup.templates.iter().enumerate() {
                    let statement = stamp(template);
                    let recipient = std::slice::from_ref(&recipients[i % RECIPIENTS]);
                    bytes += batch
                        .sign_and_encrypt(black_box(&statement), recipient)
                        .unwrap()
                        .len();
                }
                bytes
            })
        });
        group.bench_function(BenchmarkId::new("primitives", provider.name()), |b| {
            b.iter(|| {
                let mut bytes = 0usize;
                for (i, template) in setup.templates.iter().enumerate() {
                    let statement = stamp(template);
                    let recipient = recipients[i % RECIPIENTS].public_key();
                    let (signature, wrapped, ciphertext) =
                        primitives(provider, key.as_ref(), recipient, black_box(&statement));
                    bytes += signature.len() + wrapped.len() + ciphertext.len();
                }
                bytes
            })
        });
        // The same primitives on one thread per core: the ceiling this machine really offers
        // (its cores may share execution units, so it can be below `primitives` × cores).
        group.bench_function(
            BenchmarkId::new("primitives-threads", provider.name()),
            |b| {
                b.iter(|| {
                    threads(&setup.templates, cores, |i, statement| {
                        let recipient = recipients[i % RECIPIENTS].public_key();
                        let (signature, wrapped, ciphertext) =
                            primitives(provider, key.as_ref(), recipient, black_box(statement));
                        signature.len() + wrapped.len() + ciphertext.len()
                    })
                })
            },
        );
    }

    #[cfg(feature = "openssl-compare")]
    {
        let ossl = openssl_compare::Bank::new(&setup);
        let sealed = ossl.sign_and_encrypt(0, &stamp(&setup.templates[0]));
        assert!(sealed.len() > STATEMENT_LEN);
        group.bench_function("openssl-serial", |b| {
            b.iter(|| {
                let mut bytes = 0usize;
                for (i, template) in setup.templates.iter().enumerate() {
                    bytes += ossl
                        .sign_and_encrypt(i % RECIPIENTS, black_box(&stamp(template)))
                        .len();
                }
                bytes
            })
        });
        group.bench_function("openssl-threads", |b| {
            b.iter(|| {
                threads(&setup.templates, cores, |i, statement| {
                    ossl.sign_and_encrypt(i % RECIPIENTS, black_box(statement))
                        .len()
                })
            })
        });
    }
    group.finish();
}

/// This iteration's batch items: every template stamped unique, each to its recipient.
fn items<'a>(
    templates: &'a [Vec<u8>],
    recipients: &'a [Recipient],
) -> impl Iterator<Item = Result<BatchItem, smime::batch::Failure>> + Send + 'a {
    templates.iter().enumerate().map(|(i, template)| {
        Ok(BatchItem::new(
            format!("s{i}"),
            stamp(template),
            vec![recipients[i % RECIPIENTS].clone()],
        ))
    })
}

/// Every template stamped unique and handed to `work` (with its index), split evenly over
/// `count` scoped threads; the sum of what `work` returns.
fn threads<F>(templates: &[Vec<u8>], count: usize, work: F) -> usize
where
    F: Fn(usize, &[u8]) -> usize + Sync,
{
    let per_thread = templates.len().div_ceil(count.max(1));
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = templates
            .chunks(per_thread)
            .enumerate()
            .map(|(chunk_index, chunk)| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(i, template)| work(chunk_index * per_thread + i, &stamp(template)))
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// The number of threads the batch runs on (rayon's global pool, as `Batch::run` uses it).
fn rayon_threads() -> usize {
    let threads = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.parse().ok());
    threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

#[cfg(feature = "openssl-compare")]
mod openssl_compare {
    use openssl::cms::{CMSOptions, CmsContentInfo};
    use openssl::pkey::{PKey, Private};
    use openssl::stack::Stack;
    use openssl::symm::Cipher;
    use openssl::x509::X509;

    use super::Setup;

    /// The signer's certificate and key and one recipient stack per recipient, parsed once
    /// (as the facade's batch parses them once).
    pub(crate) struct Bank {
        certificate: X509,
        key: PKey<Private>,
        recipients: Vec<Stack<X509>>,
    }

    impl Bank {
        pub(crate) fn new(setup: &Setup) -> Self {
            let certificate =
                X509::from_pem(setup.signer.certificate_pem().unwrap().as_bytes()).unwrap();
            let key =
                PKey::private_key_from_pem(setup.signer.private_key_pem().unwrap().as_bytes())
                    .unwrap();
            let recipients = setup
                .recipients
                .iter()
                .map(|identity| {
                    let mut stack = Stack::new().unwrap();
                    stack
                        .push(
                            X509::from_pem(identity.certificate_pem().unwrap().as_bytes()).unwrap(),
                        )
                        .unwrap();
                    stack
                })
                .collect();
            Self {
                certificate,
                key,
                recipients,
            }
        }

        /// Signs (opaque, binary, default signed attributes) and encrypts the signed DER to
        /// recipient `recipient` with AES-256-GCM; the DER of the result.
        pub(crate) fn sign_and_encrypt(&self, recipient: usize, statement: &[u8]) -> Vec<u8> {
            let signed = CmsContentInfo::sign(
                Some(&self.certificate),
                Some(&self.key),
                None,
                Some(statement),
                CMSOptions::BINARY,
            )
            .unwrap()
            .to_der()
            .unwrap();
            CmsContentInfo::encrypt(
                &self.recipients[recipient],
                &signed,
                Cipher::aes_256_gcm(),
                CMSOptions::BINARY,
            )
            .unwrap()
            .to_der()
            .unwrap()
        }
    }
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
