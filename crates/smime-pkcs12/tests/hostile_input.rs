//! `import` with a fixed password never panics, whatever the bytes: every truncation and every
//! single-bit flip of real files, and random inputs. (This is what the fuzz target does; here it
//! runs in the ordinary test suite.)

// Test code: unwrap/expect/indexing/panic are the assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use smime_pkcs12::{Error, ExportBuilder, Limits, Password, Profile, import, import_with_limits};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/");

/// Small limits so that a flipped bit in an iteration count costs milliseconds, not seconds.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_iterations = 4096;
    limits.max_total_iterations = 40_000;
    limits
}

/// Imports `bytes`; any result but a panic is fine. Returns whether it succeeded.
fn try_import(bytes: &[u8], password: Password<'_>) -> bool {
    match import_with_limits(bytes, password, limits()) {
        Ok(contents) => {
            // Touch everything the caller can reach.
            for identity in contents.identities() {
                let _ = identity.key.pkcs8_der().len();
                let _ = identity.chain.len();
            }
            true
        }
        Err(e) => {
            // Errors must render.
            assert!(!e.to_string().is_empty());
            false
        }
    }
}

fn samples() -> Vec<(Vec<u8>, Password<'static>)> {
    let key_and_cert = {
        let bytes = std::fs::read(format!(
            "{CORPUS}pyca-cryptography/pkcs12/cert-none-key-none.p12"
        ))
        .unwrap();
        let c = import(&bytes, Password::new("cryptography")).unwrap();
        let id = c.identity().unwrap();
        (
            id.key.pkcs8_der().to_vec(),
            id.certificate.unwrap().der().to_vec(),
        )
    };
    let ours = |profile| {
        ExportBuilder::new()
            .key(&key_and_cert.0)
            .certificate(&key_and_cert.1)
            .friendly_name("fuzz")
            .profile(profile)
            .iterations(1)
            .build(Password::new("pw"))
            .unwrap()
    };
    vec![
        (ours(Profile::Modern), Password::new("pw")),
        (ours(Profile::Compatibility), Password::new("pw")),
        (
            std::fs::read(format!(
                "{CORPUS}pyca-cryptography/pkcs12/name-all-no-pwd.p12"
            ))
            .unwrap(),
            Password::ABSENT,
        ),
        (
            std::fs::read(format!("{CORPUS}openssl/pkcs12-data/bad2.p12")).unwrap(),
            Password::EMPTY,
        ),
    ]
}

#[test]
fn every_truncation_is_an_error() {
    for (bytes, password) in samples() {
        // (bad2.p12 is malformed to begin with.)
        assert_eq!(try_import(&bytes, password), bytes.len() > 200);
        for len in 0..bytes.len() {
            assert!(
                !try_import(&bytes[..len], password),
                "a {len}-byte prefix imported"
            );
        }
    }
}

#[test]
fn every_bit_flip_is_handled() {
    for (bytes, password) in samples() {
        let mut flipped = bytes.clone();
        let mut errors = 0usize;
        for i in 0..bytes.len() * 8 {
            flipped[i / 8] ^= 1 << (i % 8);
            if !try_import(&flipped, password) {
                errors += 1;
            }
            flipped[i / 8] ^= 1 << (i % 8);
        }
        // A MAC-protected file accepts almost no change (flips in unprotected fields such as
        // the MAC's own algorithm parameters NULL/absent may still parse).
        assert!(
            errors > bytes.len() * 8 * 9 / 10,
            "{errors} of {}",
            bytes.len() * 8
        );
    }
}

#[test]
fn a_flipped_mac_bit_is_a_wrong_password() {
    let (mut bytes, password) = samples().remove(0);
    let last = bytes.len() - 30; // inside the MAC value near the end of the file
    bytes[last] ^= 1;
    let err = import(&bytes, password).unwrap_err();
    assert!(
        matches!(err, Error::WrongPassword { .. } | Error::Corrupt { .. }),
        "{err:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        try_import(&bytes, Password::new("pw"));
    }

    /// Random bytes behind a valid-looking PFX prefix get further into the parser.
    #[test]
    fn random_tails_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut bytes = vec![0x30, 0x80, 0x02, 0x01, 0x03, 0x30, 0x80, 0x06, 0x09, 0x2a, 0x86,
            0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x80, 0x24, 0x80];
        bytes.extend(tail);
        try_import(&bytes, Password::EMPTY);
    }
}
