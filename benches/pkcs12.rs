//! PKCS#12 export and import with the default (modern) profile — PBES2 AES-256-CBC,
//! PBKDF2-HMAC-SHA256 and an HMAC-SHA256 MAC at 600,000 iterations — and, to compare like with like,
//! at OpenSSL 3's default of 2,048 iterations; with `--features openssl-compare`, the `openssl`
//! crate doing the same at 2,048 iterations in the same group.
//!
//! `cargo bench --bench pkcs12 --all-features`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark set-up: a failure should stop the run loudly"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use smime_crypto::KeyKind;
use smime_pkcs12::{ExportBuilder, Password};
use smime_x509::builder::TestPki;

const PASSWORD: &str = "correct horse battery staple";

fn bench(c: &mut Criterion) {
    let provider = smime_crypto::default_provider();
    let kind = KeyKind::Rsa { modulus_bits: 2048 };
    let pki = TestPki::new(provider, kind).unwrap();
    let alice = pki.issue("Alice <alice@example.org>", kind).unwrap();
    let chain = pki.chain();

    let mut group = c.benchmark_group("pkcs12");
    group.sample_size(10);
    for (label, iterations) in [("default-600000", None), ("iter-2048", Some(2048))] {
        let mut builder = ExportBuilder::new()
            .key(alice.pkcs8_der())
            .certificate(alice.certificate().as_der())
            .chain(chain.iter().map(|c| c.as_der()));
        if let Some(iterations) = iterations {
            builder = builder.iterations(iterations);
        }
        let exported = builder.build(Password::new(PASSWORD)).unwrap();
        group.bench_function(BenchmarkId::new("export/smime-pkcs12", label), |b| {
            b.iter(|| builder.build(black_box(Password::new(PASSWORD))).unwrap())
        });
        group.bench_function(BenchmarkId::new("import/smime-pkcs12", label), |b| {
            b.iter(|| smime_pkcs12::import(black_box(&exported), Password::new(PASSWORD)).unwrap())
        });
    }
    #[cfg(feature = "openssl-compare")]
    {
        use openssl::pkcs12::Pkcs12;
        use openssl::pkey::PKey;
        use openssl::stack::Stack;
        use openssl::x509::X509;

        let key = PKey::private_key_from_der(alice.pkcs8_der()).unwrap();
        let cert = X509::from_der(alice.certificate().as_der()).unwrap();
        let chain: Vec<X509> = chain
            .iter()
            .map(|c| X509::from_der(c.as_der()).unwrap())
            .collect();
        // OpenSSL 3 defaults: PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256, SHA-256 MAC, 2,048 iterations.
        let export = || {
            let mut ca = Stack::new().unwrap();
            for c in &chain {
                ca.push(c.clone()).unwrap();
            }
            let mut builder = Pkcs12::builder();
            builder.pkey(&key).cert(&cert).ca(ca);
            builder.build2(PASSWORD).unwrap().to_der().unwrap()
        };
        let exported = export();
        group.bench_function(BenchmarkId::new("export/openssl-crate", "iter-2048"), |b| {
            b.iter(export)
        });
        group.bench_function(BenchmarkId::new("import/openssl-crate", "iter-2048"), |b| {
            b.iter(|| {
                Pkcs12::from_der(black_box(&exported))
                    .unwrap()
                    .parse2(PASSWORD)
                    .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
