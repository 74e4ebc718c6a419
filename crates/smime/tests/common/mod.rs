//! A test PKI shared by the facade's tests: a root and an intermediate CA (P-256), and
//! identities issued by the intermediate.
// Test support: panicking on unexpected input is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code,
    unreachable_pub
)]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smime::crypto::{EcCurve, KeyKind};
use smime::x509::builder::{TestIdentity, TestPki};
use smime::{Keys, Recipient, Signer, Trust};

pub const P256: KeyKind = KeyKind::Ec {
    curve: EcCurve::P256,
};
pub const RSA2048: KeyKind = KeyKind::Rsa { modulus_bits: 2048 };

/// A fixed signing time: 2026-01-02T03:04:05Z.
pub fn signing_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_767_323_045)
}

pub struct Fixture {
    pub pki: TestPki<'static>,
    /// EC P-256, signs and reads.
    pub alice: TestIdentity,
    /// RSA-2048, signs and reads.
    pub bob: TestIdentity,
    /// EC P-256, another reader.
    pub carol: TestIdentity,
    /// A second, unrelated PKI's identity.
    pub stranger: TestIdentity,
    pub stranger_root: smime::Certificate,
}

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let provider = smime::crypto::default_provider();
        let pki = TestPki::new(provider, P256).unwrap();
        let alice = pki.issue("Alice <alice@example.org>", P256).unwrap();
        let bob = pki.issue("Bob <bob@example.org>", RSA2048).unwrap();
        let carol = pki.issue("Carol <carol@example.org>", P256).unwrap();
        let other = TestPki::new(provider, P256).unwrap();
        let stranger = other
            .issue("Stranger <stranger@example.net>", P256)
            .unwrap();
        Fixture {
            stranger_root: other.root().certificate().clone(),
            pki,
            alice,
            bob,
            carol,
            stranger,
        }
    })
}

impl Fixture {
    /// A signer for `who`, with the intermediate in the message and a fixed signing time.
    pub fn signer(&self, who: &TestIdentity) -> smime::SignerBuilder {
        Signer::builder(who.certificate().clone(), who.private_key().clone())
            .chain([self.pki.intermediate().certificate().clone()])
            .signing_time(signing_time())
    }

    pub fn recipient(&self, who: &TestIdentity) -> Recipient {
        Recipient::new(who.certificate().clone()).unwrap()
    }

    pub fn keys(&self, who: &[&TestIdentity]) -> Keys {
        let mut keys = Keys::new();
        for identity in who {
            keys.add(
                identity.certificate().clone(),
                identity.private_key().clone(),
            )
            .unwrap();
        }
        keys
    }

    /// Trust in this PKI's root.
    pub fn trust(&self) -> Trust {
        Trust::from_certificates([self.pki.root().certificate()])
            .unwrap()
            .build()
            .unwrap()
    }
}

/// A statement from Alice to Bob.
pub const LETTER: &[u8] = b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\n\
Subject: Statement\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
Your balance is 1,234.56 EUR.\r\n";

/// What is signed or encrypted of [`LETTER`]: its Content-* fields and body.
pub const LETTER_ENTITY: &[u8] =
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nYour balance is 1,234.56 EUR.\r\n";
