//! Issuing certificates with our own keys: S/MIME end-entity certificates and the CAs above
//! them, for tests, examples, benchmarks and a small CA.
//!
//! [`CertificateBuilder`] collects the subject, the subject's public key and the S/MIME
//! extensions; [`CertificateBuilder::self_signed`] or [`CertificateBuilder::signed_by`] then
//! signs it with a [`PrivateKey`] through a [`CryptoProvider`]. For one-shot work,
//! [`self_signed_smime_certificate`] makes a self-signed S/MIME certificate from a key and a
//! mailbox, and [`TestPki`] makes a root, an intermediate and end-entity identities.
//!
//! ```
//! use smime_crypto::{EcCurve, KeyKind};
//! use smime_x509::builder::self_signed_smime_certificate;
//! use smime_x509::{EmailProtection, KeyUsage};
//!
//! let provider = smime_crypto::default_provider();
//! let pkcs8 = provider.generate_pkcs8(KeyKind::Ec { curve: EcCurve::P256 })?;
//! let key = provider.private_key_from_pkcs8(&pkcs8)?;
//!
//! let cert = self_signed_smime_certificate(provider, key.as_ref(), "Alice <alice@example.org>")?;
//! assert_eq!(cert.subject().to_string(), "CN=Alice");
//! assert!(cert.match_address("alice@example.org")?.is_match());
//! assert_eq!(cert.email_protection()?, EmailProtection::EmailProtection);
//! assert_eq!(
//!     cert.key_usage()?,
//!     Some(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION | KeyUsage::KEY_AGREEMENT)
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How the certificate is assembled
//!
//! x509-cert 0.3 keeps the fields of `TbsCertificate` private: its
//! `x509_cert::builder::CertificateBuilder` is the supported way to make one (it also picks
//! the version and UTCTime or GeneralizedTime as RFC 5280 §4.1.2.5 says). We use it with
//! our own `BuilderProfile`, which hands over the extensions computed here, and a
//! [`ProviderSigner`], which adapts a `&dyn PrivateKey` to the signer traits it wants
//! (`signature::Keypair`, `spki::DynSignatureAlgorithmIdentifier`). Rather than its `build`
//! (which would squeeze our errors through `signature::Error`), we call its `finalize` to get
//! the DER `tbsCertificate`, sign that with [`ProviderSigner::sign`] — which checks the
//! fresh signature too — and hand the signature to its `assemble`.
//!
//! # What goes into a certificate
//!
//! | Field | Default | Standard |
//! |---|---|---|
//! | serial number | 16 random bytes, positive | RFC 5280 §4.1.2.2, CA/B BR §7.1 (≥ 64 random bits) |
//! | validity | from 5 minutes ago for 365 days | RFC 5280 §4.1.2.5 |
//! | signature | issuer key: RSA → sha256WithRSAEncryption, P-256 → ecdsa-with-SHA256, P-384 → ecdsa-with-SHA384 | RFC 4055, RFC 5758 |
//! | basicConstraints (critical) | CA: `cA` TRUE, optional pathLen; end entity: `cA` FALSE | RFC 5280 §4.2.1.9 |
//! | keyUsage (critical) | CA: keyCertSign, cRLSign; RSA: digitalSignature, nonRepudiation, keyEncipherment; EC: digitalSignature, nonRepudiation, keyAgreement | RFC 5280 §4.2.1.3, RFC 8550 §4.4.2 |
//! | extKeyUsage | emailProtection, except on self-signed CAs (roots) | RFC 8550 §4.4.4, CA/B S/MIME BR §7.1.2 |
//! | subjectKeyIdentifier | SHA-1 of the subjectPublicKey | RFC 5280 §4.2.1.2 method 1 |
//! | authorityKeyIdentifier | the issuer's subjectKeyIdentifier (computed the same way if it has none) | RFC 5280 §4.2.1.1 |
//! | subjectAltName | the mailboxes: `rfc822Name`, or `SmtpUTF8Mailbox` for a non-ASCII local part; critical when the subject is empty | RFC 5280 §4.2.1.6, RFC 9598 |
//! | certificatePolicies, cRLDistributionPoints, SMIMECapabilities | only when asked for | RFC 5280 §4.2.1.4, §4.2.1.13, RFC 4262 |
//!
//! The builder does not judge the issuer: a certificate can be signed by an end-entity
//! certificate or with an EKU that forbids S/MIME, so that tests can make the chains a
//! verifier must reject. It does refuse what cannot be encoded or would not verify: an issuer
//! key that does not match the issuer certificate, a signature scheme for another kind of
//! key, a validity period that ends before it starts.

mod name;
mod signer;
mod test_pki;

use std::time::{Duration, SystemTime};

use const_oid::{AssociatedOid, ObjectIdentifier};
use der::asn1::{BitString, Ia5String, OctetString};
use der::flagset::FlagSet;
use der::{Decode, Encode};
use smime_crypto::{
    CryptoProvider, DigestAlgorithm, EcCurve, KeyKind, PrivateKey, PublicKey, SignatureScheme,
};
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::builder::Builder;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, CrlDistributionPoints,
    ExtendedKeyUsage, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::capabilities::SmimeCapabilities;
use crate::certificate::Certificate;
use crate::error::Error;
use crate::extended_key_usage::ID_KP_EMAIL_PROTECTION;
use crate::key_usage::{KeyManagement, KeyUsage};
use crate::mailbox::EmailAddress;
use crate::validation_level::ValidationLevel;

pub use name::{MAX_COMMON_NAME_CHARS, parse_name, smime_subject};
pub use signer::{ProviderSignature, ProviderSigner, SignerPublicKey};
pub use test_pki::{TestIdentity, TestPki};

/// Length of a random serial number in bytes (16: 127 random bits, the high bit cleared so
/// that the number is positive in 16 octets). The CA/B Forum asks for at least 64 random
/// bits; RFC 5280 §4.1.2.2 allows at most 20 octets.
pub const SERIAL_NUMBER_LEN: usize = 16;

/// How long a certificate is valid when no validity is set: 365 days.
pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// How far before "now" the default validity starts (5 minutes), so that a verifier whose
/// clock is a little behind accepts a certificate issued a moment ago.
pub const DEFAULT_BACKDATE: Duration = Duration::from_secs(5 * 60);

/// The signature scheme a certificate signed by a key of this kind gets by default:
/// sha256WithRSAEncryption for RSA (RFC 4055 §5), ecdsa-with-SHA256 for P-256 and
/// ecdsa-with-SHA384 for P-384 (RFC 5758 §3.2, the hash that matches the curve's strength).
/// `None` for kinds this crate does not know.
pub fn default_signature_scheme(kind: KeyKind) -> Option<SignatureScheme> {
    match kind {
        KeyKind::Rsa { .. } => Some(SignatureScheme::RsaPkcs1v15 {
            digest: DigestAlgorithm::Sha256,
        }),
        KeyKind::Ec {
            curve: EcCurve::P256,
        } => Some(SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha256,
        }),
        KeyKind::Ec {
            curve: EcCurve::P384,
        } => Some(SignatureScheme::Ecdsa {
            digest: DigestAlgorithm::Sha384,
        }),
        _ => None,
    }
}

/// The key usage an S/MIME end-entity certificate gets by default (RFC 8550 §4.4.2):
/// `digitalSignature` and `nonRepudiation` for signing, plus `keyEncipherment` for a key
/// that does key transport (RSA) or `keyAgreement` for one that does key agreement (EC).
pub fn default_end_entity_key_usage(public_key: &PublicKey) -> KeyUsage {
    let signing = KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION;
    let algorithm = SubjectPublicKeyInfoRef::from_der(public_key.spki_der())
        .map(|spki| spki.algorithm.oid)
        .ok();
    match algorithm
        .as_ref()
        .map(KeyManagement::of_key_algorithm)
        .and_then(KeyManagement::required_key_usage)
    {
        Some(encryption) => signing | encryption,
        None => signing,
    }
}

/// Whether the certificate is for a CA or an end entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    EndEntity,
    Ca { path_len: Option<u8> },
}

/// What to do about the extKeyUsage extension.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ExtendedKeyUsageChoice {
    /// emailProtection, except on self-signed CAs.
    Default,
    /// Exactly these purposes.
    Purposes(Vec<ObjectIdentifier>),
    /// No extension.
    Omitted,
}

/// Builds and signs an X.509 v3 certificate for S/MIME. See the [module documentation](self)
/// for the defaults.
///
/// ```
/// use smime_crypto::{EcCurve, KeyKind};
/// use smime_x509::builder::CertificateBuilder;
/// use smime_x509::{Generation, KeyUsage, ValidationLevel, ValidationType};
///
/// let provider = smime_crypto::default_provider();
/// let new_key = |curve| -> Result<_, smime_crypto::Error> {
///     provider.private_key_from_pkcs8(&provider.generate_pkcs8(KeyKind::Ec { curve })?)
/// };
/// let (ca_key, alice_key) = (new_key(EcCurve::P384)?, new_key(EcCurve::P256)?);
///
/// let ca = CertificateBuilder::new(provider, ca_key.public_key())
///     .subject("CN=Example Root CA,O=Example,C=GB")?
///     .ca(Some(0))
///     .self_signed(ca_key.as_ref())?;
///
/// let level = ValidationLevel {
///     kind: ValidationType::MailboxValidated,
///     generation: Generation::Strict,
/// };
/// let alice = CertificateBuilder::new(provider, alice_key.public_key())
///     .subject("CN=Alice")?
///     .mailbox("alice@example.org")?
///     .validation_level(level)
///     .signed_by(&ca, ca_key.as_ref())?;
///
/// assert_eq!(alice.issuer(), ca.subject());
/// assert_eq!(alice.validation_level()?, Some(level));
/// assert!(alice.permits_encryption()?); // keyAgreement, for an EC key
/// let aki = alice.authority_key_identifier()?.unwrap();
/// assert_eq!(
///     aki.key_identifier.unwrap().as_bytes(),
///     ca.subject_key_identifier()?.unwrap().as_slice()
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct CertificateBuilder<'a> {
    provider: &'a dyn CryptoProvider,
    subject_public_key: PublicKey,
    subject: Name,
    serial_number: Option<SerialNumber>,
    validity: Option<(SystemTime, SystemTime)>,
    role: Role,
    key_usage: Option<KeyUsage>,
    extended_key_usage: ExtendedKeyUsageChoice,
    mailboxes: Vec<EmailAddress>,
    subject_email_address: bool,
    policies: Vec<ObjectIdentifier>,
    smime_capabilities: Option<SmimeCapabilities>,
    crl_distribution_points: Vec<Ia5String>,
    signature_scheme: Option<SignatureScheme>,
    extensions: Vec<Extension>,
}

impl<'a> CertificateBuilder<'a> {
    /// A builder for an end-entity certificate of `subject_public_key`, with an empty subject,
    /// no mailbox, and the defaults of the [module documentation](self). The provider hashes
    /// (key identifiers, the data to be signed) and draws the random serial number.
    pub fn new(provider: &'a dyn CryptoProvider, subject_public_key: &PublicKey) -> Self {
        Self {
            provider,
            subject_public_key: subject_public_key.clone(),
            subject: Name::default(),
            serial_number: None,
            validity: None,
            role: Role::EndEntity,
            key_usage: None,
            extended_key_usage: ExtendedKeyUsageChoice::Default,
            mailboxes: Vec::new(),
            subject_email_address: false,
            policies: Vec::new(),
            smime_capabilities: None,
            crl_distribution_points: Vec::new(),
            signature_scheme: None,
            extensions: Vec::new(),
        }
    }

    /// Sets the subject from an RFC 4514 string (`"CN=Alice,O=Example,C=GB"`); see
    /// [`parse_name`].
    pub fn subject(self, rfc4514: &str) -> Result<Self, Error> {
        Ok(self.subject_name(parse_name(rfc4514)?))
    }

    /// Sets the subject name (for example from [`smime_subject`], or another certificate's
    /// subject).
    pub fn subject_name(mut self, subject: Name) -> Self {
        self.subject = subject;
        self
    }

    /// Adds a mailbox to the subjectAltName: a bare address or a `From`-style
    /// `Alice <alice@example.org>` (the display name is not kept). An ASCII local part
    /// becomes an `rfc822Name` (a U-label domain in A-labels), a non-ASCII one an
    /// `SmtpUTF8Mailbox` (RFC 9598 §3).
    pub fn mailbox(mut self, address: &str) -> Result<Self, Error> {
        self.mailboxes.push(EmailAddress::parse(address)?);
        Ok(self)
    }

    /// Also puts each mailbox into the subject, as a PKCS #9 `emailAddress` attribute after
    /// the others (legacy practice that RFC 8550 §3 still asks receivers to read). Every
    /// mailbox must then have an ASCII local part.
    pub fn subject_email_address(mut self, include: bool) -> Self {
        self.subject_email_address = include;
        self
    }

    /// Sets the serial number: a big-endian unsigned integer, not zero, of at most 20 octets
    /// once encoded (RFC 5280 §4.1.2.2). Without it, a random one of [`SERIAL_NUMBER_LEN`]
    /// bytes is drawn.
    pub fn serial_number(mut self, big_endian: &[u8]) -> Result<Self, Error> {
        let significant = big_endian
            .iter()
            .position(|b| *b != 0)
            .and_then(|start| big_endian.get(start..))
            .ok_or_else(|| Error::InvalidBuilderInput {
                field: "serial number",
                reason: "zero is not a positive integer".into(),
            })?;
        let serial = SerialNumber::new(significant).map_err(|e| Error::InvalidBuilderInput {
            field: "serial number",
            reason: format!("{} bytes do not fit in 20 octets: {e}", significant.len()),
        })?;
        self.serial_number = Some(serial);
        Ok(self)
    }

    /// Sets the validity period. Sub-second parts are dropped (certificates count whole
    /// seconds); `not_before` must not be after `not_after`, and both must lie between 1970
    /// and 9999. Without it: from [`DEFAULT_BACKDATE`] ago for [`DEFAULT_VALIDITY`].
    pub fn validity(mut self, not_before: SystemTime, not_after: SystemTime) -> Self {
        self.validity = Some((not_before, not_after));
        self
    }

    /// Makes it a CA certificate: basicConstraints `cA` TRUE with an optional
    /// pathLenConstraint (RFC 5280 §4.2.1.9), keyUsage keyCertSign and cRLSign.
    pub fn ca(mut self, path_len: Option<u8>) -> Self {
        self.role = Role::Ca { path_len };
        self
    }

    /// Makes it an end-entity certificate (the default): basicConstraints `cA` FALSE and
    /// the key usage of [`default_end_entity_key_usage`].
    pub fn end_entity(mut self) -> Self {
        self.role = Role::EndEntity;
        self
    }

    /// Sets the keyUsage bits instead of the default. [`KeyUsage::empty()`] leaves the
    /// extension out (RFC 5280 forbids an empty one).
    pub fn key_usage(mut self, usage: KeyUsage) -> Self {
        self.key_usage = Some(usage);
        self
    }

    /// Sets the extKeyUsage purposes instead of emailProtection (for example to make a
    /// certificate that must not be used for S/MIME). An empty list is an error when building
    /// (RFC 5280 requires at least one purpose); use
    /// [`without_extended_key_usage`](Self::without_extended_key_usage) for none.
    pub fn extended_key_usage(
        mut self,
        purposes: impl IntoIterator<Item = ObjectIdentifier>,
    ) -> Self {
        self.extended_key_usage = ExtendedKeyUsageChoice::Purposes(purposes.into_iter().collect());
        self
    }

    /// Leaves the extKeyUsage extension out (no restriction, RFC 8550 §4.4.4).
    pub fn without_extended_key_usage(mut self) -> Self {
        self.extended_key_usage = ExtendedKeyUsageChoice::Omitted;
        self
    }

    /// Adds a policy to the certificatePolicies extension (without qualifiers).
    pub fn certificate_policy(mut self, policy: ObjectIdentifier) -> Self {
        self.policies.push(policy);
        self
    }

    /// Adds the CA/Browser Forum S/MIME policy of `level` (`2.23.140.1.5.<type>.<generation>`)
    /// to the certificatePolicies extension; [`Certificate::validation_level`] reads it back.
    pub fn validation_level(self, level: ValidationLevel) -> Self {
        self.certificate_policy(level.policy_oid())
    }

    /// Adds the SMIMECapabilities extension (RFC 4262): the algorithms the subject supports,
    /// most preferred first.
    pub fn smime_capabilities(mut self, capabilities: SmimeCapabilities) -> Self {
        self.smime_capabilities = Some(capabilities);
        self
    }

    /// Adds a CRL distribution point with this URI as its full name (RFC 5280 §4.2.1.13).
    /// The URI must be ASCII and have a scheme (`http://…`).
    pub fn crl_distribution_point(mut self, uri: &str) -> Result<Self, Error> {
        let has_scheme = uri.split_once(':').is_some_and(|(scheme, rest)| {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !rest.is_empty()
        });
        if !has_scheme
            || uri
                .chars()
                .any(|c| c.is_ascii_whitespace() || c.is_control())
        {
            return Err(Error::InvalidBuilderInput {
                field: "CRL distribution point",
                reason: format!(
                    "{:?} is not an absolute URI",
                    uri.chars().take(256).collect::<String>()
                ),
            });
        }
        let ia5 = Ia5String::new(uri).map_err(|_| Error::InvalidBuilderInput {
            field: "CRL distribution point",
            reason: format!(
                "{:?} is not ASCII (use the URI's percent-encoded form)",
                uri.chars().take(256).collect::<String>()
            ),
        })?;
        self.crl_distribution_points.push(ia5);
        Ok(self)
    }

    /// Sets the signature scheme instead of the default for the issuer's key (see
    /// [`default_signature_scheme`]), for example [`SignatureScheme::rsa_pss`].
    pub fn signature_scheme(mut self, scheme: SignatureScheme) -> Self {
        self.signature_scheme = Some(scheme);
        self
    }

    /// Adds any other extension, after the ones the builder makes. An extension whose OID is
    /// already present is an error when building.
    pub fn extension(mut self, extension: Extension) -> Self {
        self.extensions.push(extension);
        self
    }

    /// Signs the certificate with the subject's own key: issuer = subject, and the
    /// authorityKeyIdentifier equals the subjectKeyIdentifier. `key` must be the private half
    /// of the subject public key.
    pub fn self_signed(self, key: &dyn PrivateKey) -> Result<Certificate, Error> {
        if key.public_key() != &self.subject_public_key {
            return Err(Error::InvalidBuilderInput {
                field: "signing key",
                reason: "a self-signed certificate must be signed with the subject's key, and this private key does not match the subject public key".into(),
            });
        }
        let subject = self.final_subject()?;
        let key_identifier = key_identifier(self.provider, &self.subject_public_key)?;
        self.sign(Issuer {
            name: subject,
            key,
            key_identifier,
            self_signed: true,
        })
    }

    /// Signs the certificate as `issuer`: its subject becomes the issuer name, its key
    /// identifier (its subjectKeyIdentifier, or the SHA-1 of its key if it has none) the
    /// authorityKeyIdentifier. `issuer_key` must be the private half of `issuer`'s key.
    pub fn signed_by(
        self,
        issuer: &Certificate,
        issuer_key: &dyn PrivateKey,
    ) -> Result<Certificate, Error> {
        let issuer_public = issuer.public_key()?;
        if issuer_key.public_key() != &issuer_public {
            return Err(Error::InvalidBuilderInput {
                field: "issuer key",
                reason: format!(
                    "the private key ({}) does not match the public key of the issuer certificate {:?} ({})",
                    issuer_key.kind(),
                    issuer.subject().to_string(),
                    issuer_public.kind()
                ),
            });
        }
        let key_identifier = match issuer.subject_key_identifier()? {
            Some(id) => id,
            None => key_identifier(self.provider, &issuer_public)?,
        };
        self.sign(Issuer {
            name: issuer.subject().clone(),
            key: issuer_key,
            key_identifier,
            self_signed: false,
        })
    }

    /// The subject, with the mailboxes as `emailAddress` attributes if asked for.
    fn final_subject(&self) -> Result<Name, Error> {
        if !self.subject_email_address || self.mailboxes.is_empty() {
            return Ok(self.subject.clone());
        }
        let attributes = self
            .mailboxes
            .iter()
            .map(name::email_address_attribute)
            .collect::<Result<Vec<_>, Error>>()?;
        name::append_rdns(&self.subject, attributes)
    }

    fn sign(self, issuer: Issuer<'_>) -> Result<Certificate, Error> {
        let issuer_kind = issuer.key.kind();
        let scheme = match self.signature_scheme {
            Some(scheme) => scheme,
            None => {
                default_signature_scheme(issuer_kind).ok_or_else(|| Error::InvalidBuilderInput {
                    field: "signature scheme",
                    reason: format!("no default signature scheme for a {issuer_kind} key"),
                })?
            }
        };
        let signer = ProviderSigner::new(self.provider, issuer.key, scheme)?;

        let subject = if issuer.self_signed {
            issuer.name.clone()
        } else {
            self.final_subject()?
        };
        let subject_key_identifier = if issuer.self_signed {
            issuer.key_identifier.clone()
        } else {
            key_identifier(self.provider, &self.subject_public_key)?
        };
        let extensions = self.extensions(&subject, &issuer, subject_key_identifier)?;
        let serial_number = match self.serial_number.clone() {
            Some(serial) => serial,
            None => random_serial_number(self.provider)?,
        };
        let validity = self.validity_field()?;
        let spki = SubjectPublicKeyInfoOwned::from_der(self.subject_public_key.spki_der())
            .map_err(Error::Encode)?;

        let profile = Profile {
            subject,
            issuer: issuer.name,
            extensions,
        };
        let mut builder =
            x509_cert::builder::CertificateBuilder::new(profile, serial_number, validity, spki)
                .map_err(assembly_error)?;
        let tbs_der = builder.finalize(&signer).map_err(assembly_error)?;
        let signature = signer.sign(&tbs_der)?;
        let signature = BitString::from_bytes(&signature).map_err(Error::Encode)?;
        let cert = builder
            .assemble(signature, &signer)
            .map_err(assembly_error)?;
        Certificate::from_x509(cert)
    }

    fn validity_field(&self) -> Result<Validity, Error> {
        let (not_before, not_after) = match self.validity {
            Some(bounds) => bounds,
            None => {
                let now = SystemTime::now();
                let not_before = now.checked_sub(DEFAULT_BACKDATE).unwrap_or(now);
                let not_after = not_before
                    .checked_add(DEFAULT_VALIDITY)
                    .unwrap_or(not_before);
                (not_before, not_after)
            }
        };
        if not_before > not_after {
            return Err(Error::InvalidBuilderInput {
                field: "validity",
                reason: "notBefore is after notAfter".into(),
            });
        }
        let time = |t: SystemTime, which: &str| {
            Time::try_from(t).map_err(|e| Error::InvalidBuilderInput {
                field: "validity",
                reason: format!("{which} cannot be encoded (years 1970 to 9999 only): {e}"),
            })
        };
        Ok(Validity::new(
            time(not_before, "notBefore")?,
            time(not_after, "notAfter")?,
        ))
    }

    /// The extensions, in the order OpenSSL writes them.
    fn extensions(
        &self,
        subject: &Name,
        issuer: &Issuer<'_>,
        subject_key_identifier: Vec<u8>,
    ) -> Result<Vec<Extension>, Error> {
        let mut out = Vec::new();
        let (ca, path_len_constraint) = match self.role {
            Role::Ca { path_len } => (true, path_len),
            Role::EndEntity => (false, None),
        };
        out.push(encode_extension(
            true,
            &BasicConstraints {
                ca,
                path_len_constraint,
            },
        )?);

        let usage = self.key_usage.unwrap_or_else(|| match self.role {
            Role::Ca { .. } => KeyUsage::KEY_CERT_SIGN | KeyUsage::CRL_SIGN,
            Role::EndEntity => default_end_entity_key_usage(&self.subject_public_key),
        });
        if !usage.is_empty() {
            let flags = FlagSet::new_truncated(usage.bits());
            out.push(encode_extension(
                true,
                &x509_cert::ext::pkix::KeyUsage(flags),
            )?);
        }

        let purposes = match &self.extended_key_usage {
            ExtendedKeyUsageChoice::Default => {
                let root = issuer.self_signed && matches!(self.role, Role::Ca { .. });
                (!root).then(|| vec![ID_KP_EMAIL_PROTECTION])
            }
            ExtendedKeyUsageChoice::Purposes(purposes) if purposes.is_empty() => {
                return Err(Error::InvalidBuilderInput {
                    field: "extended key usage",
                    reason: "an extKeyUsage extension lists at least one purpose".into(),
                });
            }
            ExtendedKeyUsageChoice::Purposes(purposes) => Some(purposes.clone()),
            ExtendedKeyUsageChoice::Omitted => None,
        };
        if let Some(purposes) = purposes {
            out.push(encode_extension(false, &ExtendedKeyUsage(purposes))?);
        }

        out.push(encode_extension(
            false,
            &SubjectKeyIdentifier(OctetString::new(subject_key_identifier).map_err(Error::Encode)?),
        )?);
        out.push(encode_extension(
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(
                    OctetString::new(issuer.key_identifier.clone()).map_err(Error::Encode)?,
                ),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )?);

        if self.mailboxes.is_empty() {
            if subject.is_empty() {
                return Err(Error::InvalidBuilderInput {
                    field: "subject",
                    reason: "a certificate with an empty subject needs a mailbox in its subjectAltName (RFC 5280 §4.1.2.6)".into(),
                });
            }
        } else {
            let names = self
                .mailboxes
                .iter()
                .map(name::mailbox_general_name)
                .collect::<Result<Vec<_>, Error>>()?;
            // RFC 5280 §4.2.1.6: critical when the subject is empty.
            out.push(encode_extension(
                subject.is_empty(),
                &SubjectAltName(names),
            )?);
        }

        if !self.policies.is_empty() {
            let mut policies = Vec::with_capacity(self.policies.len());
            for policy in &self.policies {
                if policies
                    .iter()
                    .any(|p: &PolicyInformation| p.policy_identifier == *policy)
                {
                    return Err(Error::InvalidBuilderInput {
                        field: "certificate policies",
                        reason: format!("policy {policy} is listed twice (RFC 5280 §4.2.1.4)"),
                    });
                }
                policies.push(PolicyInformation {
                    policy_identifier: *policy,
                    policy_qualifiers: None,
                });
            }
            out.push(encode_extension(false, &CertificatePolicies(policies))?);
        }

        if !self.crl_distribution_points.is_empty() {
            let points = self
                .crl_distribution_points
                .iter()
                .map(|uri| DistributionPoint {
                    distribution_point: Some(DistributionPointName::FullName(vec![
                        GeneralName::UniformResourceIdentifier(uri.clone()),
                    ])),
                    reasons: None,
                    crl_issuer: None,
                })
                .collect();
            out.push(encode_extension(false, &CrlDistributionPoints(points))?);
        }

        if let Some(capabilities) = &self.smime_capabilities {
            out.push(encode_extension(false, capabilities)?);
        }

        out.extend(self.extensions.iter().cloned());

        for (i, ext) in out.iter().enumerate() {
            if out
                .iter()
                .skip(i + 1)
                .any(|other| other.extn_id == ext.extn_id)
            {
                return Err(Error::InvalidBuilderInput {
                    field: "extension",
                    reason: format!(
                        "the {} extension ({}) would appear twice (RFC 5280 §4.2)",
                        const_oid::db::DB.by_oid(&ext.extn_id).unwrap_or("unknown"),
                        ext.extn_id
                    ),
                });
            }
        }
        Ok(out)
    }
}

/// Who signs: the issuer's name, key and key identifier.
struct Issuer<'k> {
    name: Name,
    key: &'k dyn PrivateKey,
    key_identifier: Vec<u8>,
    self_signed: bool,
}

/// The x509-cert profile: hands over what [`CertificateBuilder`] computed.
struct Profile {
    subject: Name,
    issuer: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

fn encode_extension<T: AssociatedOid + Encode>(
    critical: bool,
    value: &T,
) -> Result<Extension, Error> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(Error::Encode)?)
            .map_err(Error::Encode)?,
    })
}

fn assembly_error(e: x509_cert::builder::Error) -> Error {
    match e {
        x509_cert::builder::Error::Asn1(e) => Error::Encode(e),
        other => Error::InvalidBuilderInput {
            field: "certificate",
            reason: other.to_string(),
        },
    }
}

/// The key identifier of RFC 5280 §4.2.1.2 method 1: the SHA-1 of the subjectPublicKey BIT
/// STRING's contents.
fn key_identifier(provider: &dyn CryptoProvider, key: &PublicKey) -> Result<Vec<u8>, Error> {
    let bits = key.subject_public_key().map_err(Error::PublicKey)?;
    provider
        .digest(DigestAlgorithm::Sha1, &bits)
        .map_err(|source| Error::Digest {
            algorithm: DigestAlgorithm::Sha1,
            source,
        })
}

/// [`SERIAL_NUMBER_LEN`] random bytes with the high bit cleared and the first byte non-zero:
/// positive and exactly that long.
fn random_serial_number(provider: &dyn CryptoProvider) -> Result<SerialNumber, Error> {
    let mut bytes = [0u8; SERIAL_NUMBER_LEN];
    provider
        .fill_random(&mut bytes)
        .map_err(|source| Error::Issuing {
            operation: "drawing a random serial number",
            source,
        })?;
    if let Some(first) = bytes.first_mut() {
        *first = (*first & 0x7f).max(1);
    }
    SerialNumber::new(&bytes).map_err(Error::Encode)
}

/// A self-signed S/MIME end-entity certificate for one mailbox, with every default of
/// [`CertificateBuilder`]: `mailbox` is a bare address or `Display Name <address>`; the
/// subject is `CN=<display name>` (or `CN=<address>` without one), the address goes into the
/// subjectAltName.
///
/// ```
/// use smime_crypto::KeyKind;
/// use smime_x509::builder::self_signed_smime_certificate;
///
/// let provider = smime_crypto::default_provider();
/// let pkcs8 = provider.generate_pkcs8(KeyKind::Rsa { modulus_bits: 2048 })?;
/// let key = provider.private_key_from_pkcs8(&pkcs8)?;
/// let cert = self_signed_smime_certificate(provider, key.as_ref(), "bob@example.org")?;
/// assert_eq!(cert.subject().to_string(), "CN=bob@example.org");
/// assert!(cert.permits_encryption()?); // keyEncipherment, for an RSA key
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn self_signed_smime_certificate(
    provider: &dyn CryptoProvider,
    key: &dyn PrivateKey,
    mailbox: &str,
) -> Result<Certificate, Error> {
    CertificateBuilder::new(provider, key.public_key())
        .smime_identity(mailbox)?
        .self_signed(key)
}

impl CertificateBuilder<'_> {
    /// Subject `CN=<display name or address>` and the mailbox, from `Name <address>`.
    pub(crate) fn smime_identity(self, mailbox: &str) -> Result<Self, Error> {
        let (display, address) = name::display_name_and_address(mailbox)?;
        let common_name = display.unwrap_or_else(|| address.to_string());
        let mut rdns = x509_cert::name::RdnSequence::default();
        rdns.push(name::rdn(name::common_name_attribute(&common_name)?)?);
        let subject = name::name_from_rdns(&rdns)?;
        let mut builder = self.subject_name(subject);
        builder.mailboxes.push(address);
        Ok(builder)
    }
}
