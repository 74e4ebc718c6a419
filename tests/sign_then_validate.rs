//! Workspace-level: a signature that verifies is not yet a trusted signer. Sign with smime-cms,
//! verify the signature, then validate the signer's path with smime-path from the certificates the
//! message carried — for a signer of our PKI, and for a signer of a stranger's PKI whose signature
//! is just as valid.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use smime_cms::{SignedDataBuilder, SignerBuilder, VerifyOptions};
use smime_crypto::{CryptoProvider, DigestAlgorithm, EcCurve, KeyKind};
use smime_path::{AddressCheck, Error as PathError, Purpose, Target, TrustAnchors, Validator};
use smime_x509::ValidationLevel;
use smime_x509::builder::{TestIdentity, TestPki};

const CONTENT: &[u8] = b"Quarterly statement: nothing to report.\r\n";

fn sign(
    provider: &dyn CryptoProvider,
    signer: &TestIdentity,
    chain: &[smime_x509::Certificate],
) -> Vec<u8> {
    let mut builder = SignerBuilder::new(
        signer.certificate().x509().clone(),
        signer.private_key().clone(),
    )
    .digest(DigestAlgorithm::Sha256);
    builder = builder.include_chain(chain.iter().map(|c| c.x509().clone()).collect::<Vec<_>>());
    SignedDataBuilder::new(CONTENT)
        .add_signer(builder)
        .build(provider)
        .unwrap()
}

fn validator(pki: &TestPki<'_>, provider: &'static dyn CryptoProvider) -> Validator {
    let mut anchors = TrustAnchors::new();
    anchors.add_der(pki.root().certificate().as_der()).unwrap();
    Validator::builder(anchors)
        .purpose(Purpose::Sign)
        .provider(provider)
        .build()
        .unwrap()
}

#[test]
fn valid_signature_and_trusted_signer() {
    for provider in smime_crypto::all_providers() {
        let kind = KeyKind::Ec {
            curve: EcCurve::P256,
        };
        let pki = TestPki::new(provider, kind).unwrap();
        let alice = pki.issue("Alice <alice@example.org>", kind).unwrap();
        let message = sign(provider, &alice, &pki.chain());

        let verification = smime_cms::verify(&message, &VerifyOptions::new(), provider).unwrap();
        let valid = verification.require_all_valid().unwrap();
        assert_eq!(valid.len(), 1);
        assert_eq!(valid[0].certificate(), alice.certificate().x509());
        assert_eq!(verification.econtent(), Some(CONTENT));

        // Trust comes from the path, built from the certificates the message carried.
        // smime-cms hands them over as DER, the form path validation takes.
        let leaf = valid[0].certificate().der();
        let path = validator(&pki, provider)
            .validate(
                &Target::new(leaf)
                    .with_certificates(verification.certificate_ders())
                    .with_address("alice@example.org"),
            )
            .unwrap();
        assert_eq!(
            path.leaf_certificate().as_der(),
            alice.certificate().as_der()
        );
        assert_eq!(path.intermediates().len(), 1, "{}", provider.name());
        assert!(matches!(path.address_check(), AddressCheck::Matched(_)));
        // TestPki issues leaves under the Mailbox-validated strict BR policy.
        assert_eq!(
            path.validation_level()
                .map(|level: ValidationLevel| level.to_string()),
            Some("Mailbox-validated, strict".to_string())
        );
    }
}

#[test]
fn valid_signature_from_a_stranger_is_not_trusted() {
    for provider in smime_crypto::all_providers() {
        let kind = KeyKind::Rsa { modulus_bits: 2048 };
        let ours = TestPki::new(provider, kind).unwrap();
        let theirs = TestPki::new(provider, kind).unwrap();
        let mallory = theirs.issue("Alice <alice@example.org>", kind).unwrap();
        let message = sign(provider, &mallory, &theirs.chain());

        // The signature is cryptographically valid ...
        let verification = smime_cms::verify(&message, &VerifyOptions::new(), provider).unwrap();
        assert!(verification.all_valid());

        // ... but the signer does not chain to our anchor. (Both test PKIs use the same CA
        // names, so the builder may find "their" intermediate under our root's name and then
        // reject its signature; either way there is no trusted path.)
        let carried: Vec<Vec<u8>> = verification
            .certificates()
            .iter()
            .map(|c| der::Encode::to_der(c).unwrap())
            .collect();
        let error = validator(&ours, provider)
            .validate(
                &Target::new(mallory.certificate().as_der())
                    .with_certificates(carried.iter().map(Vec::as_slice)),
            )
            .unwrap_err();
        assert!(
            matches!(
                error,
                PathError::UntrustedRoot { .. }
                    | PathError::NoPath { .. }
                    | PathError::PathInvalid {
                        failure: smime_path::PathFailure::BadSignature,
                        ..
                    }
            ),
            "{}: {error:?}",
            provider.name()
        );
    }
}
