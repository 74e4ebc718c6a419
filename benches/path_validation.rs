//! Certificate-path validation: a 3-certificate chain made in code (root → intermediate → leaf,
//! P-256 and RSA-2048) and NIST PKITS test 4.1.1 (`ValidCertificatePathTest1EE` → `GoodCACert` →
//! trust anchor, RSA-2048, with revocation required from the two CRLs), for every provider.
//!
//! `cargo bench --bench path_validation --all-features`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "benchmark set-up: a failure should stop the run loudly"
)]

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use smime_crypto::{EcCurve, KeyKind};
use smime_path::{Purpose, Target, TrustAnchors, Validator};
use smime_x509::builder::TestPki;

const PKITS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/nist-pkits/");

fn pkits(file: &str) -> Vec<u8> {
    std::fs::read(format!("{PKITS}{file}")).unwrap()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("path_validation");
    for provider in smime_crypto::all_providers() {
        // A chain made in code.
        for (label, kind) in [
            (
                "3-cert-p256",
                KeyKind::Ec {
                    curve: EcCurve::P256,
                },
            ),
            ("3-cert-rsa2048", KeyKind::Rsa { modulus_bits: 2048 }),
        ] {
            let pki = TestPki::new(provider, kind).unwrap();
            let alice = pki.issue("Alice <alice@example.org>", kind).unwrap();
            let mut anchors = TrustAnchors::new();
            anchors.add_der(pki.root().certificate().as_der()).unwrap();
            let validator = Validator::builder(anchors)
                .purpose(Purpose::Sign)
                .provider(provider)
                .build()
                .unwrap();
            let intermediate = pki.intermediate().certificate().as_der().to_vec();
            let target = Target::new(alice.certificate().as_der())
                .with_certificates([intermediate.as_slice()])
                .with_address("alice@example.org");
            validator.validate(&target).unwrap();
            group.bench_function(BenchmarkId::new(label, provider.name()), |b| {
                b.iter(|| validator.validate(black_box(&target)).unwrap())
            });
        }

        // PKITS 4.1.1 with revocation checking from the CRLs.
        let mut anchors = TrustAnchors::new();
        anchors
            .add_der(&pkits("certs/TrustAnchorRootCertificate.crt"))
            .unwrap();
        let validator = Validator::builder(anchors)
            .time(UNIX_EPOCH + Duration::from_secs(1_577_836_800)) // 2020-01-01, as PKITS asks
            .purpose(Purpose::Sign)
            .require_revocation_status(true)
            .provider(provider)
            .build()
            .unwrap();
        let leaf = pkits("certs/ValidCertificatePathTest1EE.crt");
        let ca = pkits("certs/GoodCACert.crt");
        let crls = [
            pkits("crls/GoodCACRL.crl"),
            pkits("crls/TrustAnchorRootCRL.crl"),
        ];
        let target = Target::new(&leaf)
            .with_certificates([ca.as_slice()])
            .with_crls(crls.iter().map(Vec::as_slice));
        validator.validate(&target).unwrap();
        group.bench_function(
            BenchmarkId::new("pkits-4.1.1-with-crls", provider.name()),
            |b| b.iter(|| validator.validate(black_box(&target)).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
