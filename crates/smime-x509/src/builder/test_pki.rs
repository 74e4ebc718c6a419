//! A throwaway PKI for tests, examples and benchmarks: a root CA, an intermediate S/MIME CA,
//! and end-entity identities issued by it, each with a freshly generated key.

use std::sync::Arc;

use smime_crypto::{CryptoProvider, KeyKind, PrivateKey};
use zeroize::Zeroizing;

use super::CertificateBuilder;
use crate::certificate::Certificate;
use crate::error::Error;
use crate::validation_level::{Generation, ValidationLevel, ValidationType};

/// Subject of the [`TestPki`] root.
const ROOT_SUBJECT: &str = "CN=smime-rs Test Root CA,O=smime-rs tests";
/// Subject of the [`TestPki`] intermediate.
const INTERMEDIATE_SUBJECT: &str = "CN=smime-rs Test S/MIME CA,O=smime-rs tests";

/// anyPolicy (RFC 5280 §4.2.1.4): the CAs assert it, as real S/MIME CAs assert the policies they
/// issue under, so that the leaf's CA/B Forum policy is valid for the whole path.
const ANY_POLICY: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.5.29.32.0");

/// A new key and its PKCS #8 `PrivateKeyInfo` (DER).
type GeneratedKey = (Arc<dyn PrivateKey>, Zeroizing<Vec<u8>>);

/// Generates a key of `kind` with `provider`; returns the key and its unencrypted PKCS #8
/// `PrivateKeyInfo` (DER).
fn generate_key(provider: &dyn CryptoProvider, kind: KeyKind) -> Result<GeneratedKey, Error> {
    let pkcs8 = provider
        .generate_pkcs8(kind)
        .map_err(|source| Error::Issuing {
            operation: "generating a key",
            source,
        })?;
    let key = provider
        .private_key_from_pkcs8(&pkcs8)
        .map_err(|source| Error::Issuing {
            operation: "loading a generated key",
            source,
        })?;
    Ok((key, pkcs8))
}

/// A certificate with its private key (and the key's PKCS #8 encoding, to hand to other
/// tools such as the `openssl` CLI).
#[derive(Clone)]
pub struct TestIdentity {
    certificate: Certificate,
    key: Arc<dyn PrivateKey>,
    pkcs8: Zeroizing<Vec<u8>>,
}

impl TestIdentity {
    /// Puts together a certificate and its key; `pkcs8` is the key's `PrivateKeyInfo` (DER).
    pub fn new(
        certificate: Certificate,
        key: Arc<dyn PrivateKey>,
        pkcs8: Zeroizing<Vec<u8>>,
    ) -> Self {
        Self {
            certificate,
            key,
            pkcs8,
        }
    }

    /// A new key of `kind` and a self-signed S/MIME certificate for it (see
    /// [`self_signed_smime_certificate`](super::self_signed_smime_certificate)).
    ///
    /// ```
    /// use smime_crypto::{EcCurve, KeyKind};
    /// use smime_x509::builder::TestIdentity;
    ///
    /// let provider = smime_crypto::default_provider();
    /// let alice = TestIdentity::self_signed(
    ///     provider,
    ///     "Alice <alice@example.org>",
    ///     KeyKind::Ec { curve: EcCurve::P256 },
    /// )?;
    /// assert_eq!(alice.certificate().public_key()?, *alice.private_key().public_key());
    /// # Ok::<(), smime_x509::Error>(())
    /// ```
    pub fn self_signed(
        provider: &dyn CryptoProvider,
        mailbox: &str,
        kind: KeyKind,
    ) -> Result<Self, Error> {
        let (key, pkcs8) = generate_key(provider, kind)?;
        let certificate = super::self_signed_smime_certificate(provider, key.as_ref(), mailbox)?;
        Ok(Self::new(certificate, key, pkcs8))
    }

    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The private key.
    pub fn private_key(&self) -> &Arc<dyn PrivateKey> {
        &self.key
    }

    /// The private key as an unencrypted PKCS #8 `PrivateKeyInfo` (DER).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The private key as a PEM `PRIVATE KEY` block (RFC 7468 §10), as `openssl` reads it.
    pub fn private_key_pem(&self) -> Result<Zeroizing<String>, Error> {
        pem_rfc7468::encode_string("PRIVATE KEY", pem_rfc7468::LineEnding::LF, &self.pkcs8)
            .map(Zeroizing::new)
            .map_err(|e| Error::Encode(der::Error::from(e)))
    }

    /// The certificate as a PEM `CERTIFICATE` block (RFC 7468 §5).
    pub fn certificate_pem(&self) -> Result<String, Error> {
        pem_rfc7468::encode_string(
            "CERTIFICATE",
            pem_rfc7468::LineEnding::LF,
            self.certificate.as_der(),
        )
        .map_err(|e| Error::Encode(der::Error::from(e)))
    }
}

impl core::fmt::Debug for TestIdentity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TestIdentity")
            .field("certificate", &self.certificate)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// A root CA and an intermediate S/MIME CA (pathLen 0, extKeyUsage emailProtection) that
/// issue end-entity S/MIME identities, all with keys generated on the spot.
///
/// ```
/// use smime_crypto::{EcCurve, KeyKind};
/// use smime_x509::builder::TestPki;
///
/// let provider = smime_crypto::default_provider();
/// let p256 = KeyKind::Ec { curve: EcCurve::P256 };
/// let pki = TestPki::new(provider, p256)?;
/// let alice = pki.issue("Alice <alice@example.org>", p256)?;
///
/// let cert = alice.certificate();
/// assert_eq!(cert.issuer(), pki.intermediate().certificate().subject());
/// assert!(cert.match_address("alice@example.org")?.is_match());
/// assert_eq!(pki.chain().len(), 2); // intermediate, root
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct TestPki<'a> {
    provider: &'a dyn CryptoProvider,
    root: TestIdentity,
    intermediate: TestIdentity,
}

impl<'a> TestPki<'a> {
    /// Makes the root (`CN=smime-rs Test Root CA,O=smime-rs tests`, self-signed, no
    /// pathLen) and the intermediate (`CN=smime-rs Test S/MIME CA,O=smime-rs tests`,
    /// pathLen 0, extKeyUsage emailProtection), both with keys of `kind` and the anyPolicy
    /// certificate policy.
    pub fn new(provider: &'a dyn CryptoProvider, kind: KeyKind) -> Result<Self, Error> {
        let (root_key, root_pkcs8) = generate_key(provider, kind)?;
        let root_cert = CertificateBuilder::new(provider, root_key.public_key())
            .subject(ROOT_SUBJECT)?
            .ca(None)
            .certificate_policy(ANY_POLICY)
            .self_signed(root_key.as_ref())?;
        let root = TestIdentity::new(root_cert, root_key, root_pkcs8);

        let (key, pkcs8) = generate_key(provider, kind)?;
        let cert = CertificateBuilder::new(provider, key.public_key())
            .subject(INTERMEDIATE_SUBJECT)?
            .ca(Some(0))
            .certificate_policy(ANY_POLICY)
            .signed_by(root.certificate(), root.private_key().as_ref())?;
        let intermediate = TestIdentity::new(cert, key, pkcs8);
        Ok(Self {
            provider,
            root,
            intermediate,
        })
    }

    /// The provider the keys were made with.
    pub fn provider(&self) -> &'a dyn CryptoProvider {
        self.provider
    }

    /// The root CA (the trust anchor).
    pub fn root(&self) -> &TestIdentity {
        &self.root
    }

    /// The intermediate CA, which issues the end-entity certificates.
    pub fn intermediate(&self) -> &TestIdentity {
        &self.intermediate
    }

    /// The CA certificates from the issuer of end-entity certificates up: intermediate, root.
    pub fn chain(&self) -> Vec<Certificate> {
        vec![
            self.intermediate.certificate.clone(),
            self.root.certificate.clone(),
        ]
    }

    /// Issues an S/MIME identity with a new key of `kind`: subject `CN=<display name>` (or
    /// `CN=<address>`), the address in the subjectAltName, the builder's defaults (key usage
    /// by key type, extKeyUsage emailProtection) and the Mailbox-validated strict policy
    /// (`2.23.140.1.5.1.3`).
    pub fn issue(&self, mailbox: &str, kind: KeyKind) -> Result<TestIdentity, Error> {
        let (key, pkcs8) = generate_key(self.provider, kind)?;
        let builder = CertificateBuilder::new(self.provider, key.public_key())
            .smime_identity(mailbox)?
            .validation_level(ValidationLevel {
                kind: ValidationType::MailboxValidated,
                generation: Generation::Strict,
            });
        let cert = self.sign(builder)?;
        Ok(TestIdentity::new(cert, key, pkcs8))
    }

    /// Signs a certificate prepared by the caller with the intermediate CA (for certificates
    /// with unusual contents: expired, another EKU, …).
    pub fn sign(&self, builder: CertificateBuilder<'_>) -> Result<Certificate, Error> {
        builder.signed_by(
            self.intermediate.certificate(),
            self.intermediate.private_key().as_ref(),
        )
    }
}
