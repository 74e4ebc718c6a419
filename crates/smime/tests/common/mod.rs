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

use std::process::Command;
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

// Certificate revocation helpers shared by the one-shot and the streaming flows.

/// Runs the openssl CLI in `dir`.
pub fn openssl(args: &[&str], dir: &std::path::Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CRL by the test intermediate revoking Alice (keyCompromise), made with `openssl ca`.
pub fn crl_revoking_alice() -> Vec<u8> {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("ca.pem"),
        f.pki.intermediate().certificate_pem().unwrap(),
    )
    .unwrap();
    std::fs::write(
        d.join("ca.key"),
        f.pki.intermediate().private_key_pem().unwrap().as_bytes(),
    )
    .unwrap();
    std::fs::write(d.join("alice.pem"), f.alice.certificate_pem().unwrap()).unwrap();
    std::fs::write(d.join("index"), "").unwrap();
    std::fs::write(d.join("crlnumber"), "01\n").unwrap();
    std::fs::write(
        d.join("ca.cnf"),
        "[ca]\ndefault_ca=ca\n[ca]\ndatabase=index\ncrlnumber=crlnumber\ndefault_md=sha256\n\
         default_crl_days=30\ncertificate=ca.pem\nprivate_key=ca.key\nunique_subject=no\n\
         crl_extensions=crl_ext\n[crl_ext]\nauthorityKeyIdentifier=keyid\n",
    )
    .unwrap();
    openssl(
        &[
            "ca",
            "-config",
            "ca.cnf",
            "-revoke",
            "alice.pem",
            "-crl_reason",
            "keyCompromise",
        ],
        d,
    );
    openssl(&["ca", "-config", "ca.cnf", "-gencrl", "-out", "ca.crl"], d);
    let crl = std::fs::read(d.join("ca.crl")).unwrap();
    if crl.first() == Some(&0x30) {
        crl
    } else {
        smime::x509::der::pem::decode_vec(&crl).unwrap().1
    }
}

/// A DER TLV with a definite length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
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
pub fn elements(mut content: &[u8]) -> Vec<&[u8]> {
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
pub fn content_of(tlv: &[u8]) -> &[u8] {
    let header = if tlv[1] < 0x80 {
        2
    } else {
        2 + (tlv[1] & 0x7f) as usize
    };
    &tlv[header..]
}

/// A DER SignedData ContentInfo with `crl` added as a RevocationInfoChoice (before
/// signerInfos).
pub fn with_crl(content_info: &[u8], crl: &[u8]) -> Vec<u8> {
    let info = elements(content_of(content_info));
    let signed_data = content_of(info[1]);
    let mut fields: Vec<Vec<u8>> = elements(content_of(signed_data))
        .iter()
        .map(|e| e.to_vec())
        .collect();
    let signer_infos = fields.pop().unwrap();
    fields.push(tlv(0xa1, crl));
    fields.push(signer_infos);
    let signed_data = tlv(0x30, &fields.concat());
    tlv(0x30, &[info[0], &tlv(0xa0, &signed_data)].concat())
}
