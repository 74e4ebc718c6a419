//! The certificate type: an `x509_cert::Certificate` together with its original DER.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::Range;
use std::collections::BTreeSet;
use std::time::SystemTime;

use const_oid::{AssociatedOid, ObjectIdentifier};
use der::{Decode, Encode};
use smime_crypto::{CryptoProvider, DigestAlgorithm, PublicKey};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, ExtendedKeyUsage,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use crate::capabilities::SmimeCapabilities;
use crate::error::{Error, Location};
use crate::extended_key_usage::EmailProtection;
use crate::key_usage::{KeyManagement, KeyUsage, key_algorithm_signs};
use crate::mailbox::{
    AddressMatch, EmailAddress, Mailbox, SUBJECT_ALT_NAME, subject_alt_name_mailboxes,
    subject_email_addresses,
};
use crate::validation_level::ValidationLevel;
use crate::validity::ValidityStatus;

/// An X.509 certificate (RFC 5280) and what S/MIME reads from it.
///
/// It keeps the exact DER it was decoded from — for signatures, fingerprints and the CMS
/// `certificates` field — next to the decoded `x509_cert::Certificate`. Loading checks the
/// DER structure and that no extension appears twice; the extensions themselves are decoded
/// when asked for, so a certificate with an unsupported key (Ed25519, X25519) or an odd
/// extension still loads, and each accessor reports its own errors.
///
/// ```
/// use smime_x509::{Certificate, EmailProtection, MailboxSource};
///
/// let pem = include_bytes!("../../../../shared/corpus/rfc9216/alice@smime.example.sig.pem");
/// let alice = Certificate::from_pem(pem)?;
/// assert_eq!(alice.email_protection()?, EmailProtection::EmailProtection);
/// assert!(alice.permits_signing()?);
/// let m = alice.match_address("Alice Lovelace <alice@smime.example>")?;
/// assert_eq!(m.matched().map(|m| m.source()), Some(MailboxSource::Rfc822Name));
/// # Ok::<(), smime_x509::Error>(())
/// ```
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    /// Where the `tbsCertificate` is inside `der`.
    tbs: Range<usize>,
    cert: x509_cert::Certificate,
}

impl Certificate {
    /// Decodes one DER certificate; trailing bytes are an error.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        Self::decode_at(
            der,
            Location::Der {
                index: 0,
                offset: 0,
            },
        )
    }

    /// Decodes the one certificate of a PEM input. Other PEM blocks (a private key next to the
    /// certificate, as in OpenSSL's files) are skipped; more than one certificate is
    /// [`Error::NotOneCertificate`]. DER input is accepted too.
    pub fn from_pem(pem: &[u8]) -> Result<Self, Error> {
        let mut certificates = crate::load::load_certificates(pem)?;
        match certificates.len() {
            1 => certificates
                .pop()
                .ok_or(Error::NotOneCertificate { count: 0 }),
            count => Err(Error::NotOneCertificate { count }),
        }
    }

    /// Wraps an already decoded certificate, encoding it to DER.
    pub fn from_x509(cert: x509_cert::Certificate) -> Result<Self, Error> {
        let der = cert.to_der().map_err(Error::Encode)?;
        Self::decode_at(
            &der,
            Location::Der {
                index: 0,
                offset: 0,
            },
        )
    }

    pub(crate) fn decode_at(der: &[u8], location: Location) -> Result<Self, Error> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|source| Error::Decode { location, source })?;
        let mut seen = BTreeSet::new();
        for ext in cert
            .tbs_certificate()
            .extensions()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if !seen.insert(ext.extn_id) {
                return Err(Error::DuplicateExtension {
                    location,
                    name: extension_name(&ext.extn_id),
                    oid: ext.extn_id,
                });
            }
        }
        let tbs = tbs_range(der).map_err(|source| Error::Decode { location, source })?;
        Ok(Self {
            der: der.to_vec(),
            tbs,
            cert,
        })
    }

    /// The DER encoding, exactly as it was read.
    pub fn as_der(&self) -> &[u8] {
        &self.der
    }

    /// The DER of the `tbsCertificate`, exactly as it was read: the bytes the issuer's
    /// signature covers.
    pub fn tbs_certificate_der(&self) -> &[u8] {
        self.der.get(self.tbs.clone()).unwrap_or_default()
    }

    /// The issuer's signature: the contents of the `signature` BIT STRING (`None` if it has
    /// unused bits, which no signature algorithm produces).
    pub fn signature_value(&self) -> Option<&[u8]> {
        self.cert.signature().as_bytes()
    }

    /// The decoded certificate, for everything this type does not expose.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.cert
    }

    /// The subject name. Its `Display` is the RFC 4514 string
    /// (`CN=Alice Lovelace,O=Example`).
    pub fn subject(&self) -> &Name {
        self.cert.tbs_certificate().subject()
    }

    /// The issuer name. Its `Display` is the RFC 4514 string.
    pub fn issuer(&self) -> &Name {
        self.cert.tbs_certificate().issuer()
    }

    /// The serial number: the content octets of its DER INTEGER (two's complement, big
    /// endian, minimal).
    pub fn serial_number(&self) -> &[u8] {
        self.cert.tbs_certificate().serial_number().as_bytes()
    }

    /// Whether this is the certificate a CMS `IssuerAndSerialNumber` names: same issuer
    /// (compared as DER) and same serial number.
    pub fn matches_issuer_and_serial(&self, issuer: &Name, serial_number: &SerialNumber) -> bool {
        self.issuer() == issuer && self.cert.tbs_certificate().serial_number() == serial_number
    }

    /// notBefore (RFC 5280 §4.1.2.5).
    pub fn not_before(&self) -> SystemTime {
        self.cert
            .tbs_certificate()
            .validity()
            .not_before
            .to_system_time()
    }

    /// notAfter (RFC 5280 §4.1.2.5).
    pub fn not_after(&self) -> SystemTime {
        self.cert
            .tbs_certificate()
            .validity()
            .not_after
            .to_system_time()
    }

    /// Where `time` falls in the validity period.
    pub fn validity_at(&self, time: SystemTime) -> ValidityStatus {
        ValidityStatus::at(time, self.not_before(), self.not_after())
    }

    /// Whether notBefore ≤ `time` ≤ notAfter. See [`validity_at`](Self::validity_at) for
    /// which bound fails.
    pub fn is_valid_at(&self, time: SystemTime) -> bool {
        self.validity_at(time).is_valid()
    }

    /// The SubjectPublicKeyInfo, whatever its algorithm.
    pub fn subject_public_key_info(&self) -> &SubjectPublicKeyInfoOwned {
        self.cert.tbs_certificate().subject_public_key_info()
    }

    /// The OID of the subject public key's algorithm.
    pub fn public_key_algorithm(&self) -> ObjectIdentifier {
        self.subject_public_key_info().algorithm.oid
    }

    /// The subject public key, for the crypto provider. Keys the provider does not support
    /// (Ed25519, X25519, DSA, …) are [`Error::PublicKey`]; the certificate stays usable.
    pub fn public_key(&self) -> Result<PublicKey, Error> {
        PublicKey::from_spki(self.subject_public_key_info()).map_err(Error::PublicKey)
    }

    /// The subjectKeyIdentifier extension's key identifier (RFC 5280 §4.2.1.2).
    pub fn subject_key_identifier(&self) -> Result<Option<Vec<u8>>, Error> {
        Ok(self
            .extension::<SubjectKeyIdentifier>()?
            .map(|ski| ski.0.as_bytes().to_vec()))
    }

    /// The authorityKeyIdentifier extension (RFC 5280 §4.2.1.1).
    pub fn authority_key_identifier(&self) -> Result<Option<AuthorityKeyIdentifier>, Error> {
        self.extension::<AuthorityKeyIdentifier>()
    }

    /// The basicConstraints extension (RFC 5280 §4.2.1.9): `ca` and `path_len_constraint`.
    pub fn basic_constraints(&self) -> Result<Option<BasicConstraints>, Error> {
        self.extension::<BasicConstraints>()
    }

    /// The keyUsage extension (RFC 5280 §4.2.1.3); `None` when absent (no restriction).
    pub fn key_usage(&self) -> Result<Option<KeyUsage>, Error> {
        Ok(self
            .extension::<x509_cert::ext::pkix::KeyUsage>()?
            .map(KeyUsage::from))
    }

    /// How the subject key is used to encrypt to its owner (by its algorithm).
    pub fn key_management(&self) -> KeyManagement {
        KeyManagement::of_key_algorithm(&self.public_key_algorithm())
    }

    /// Whether the certificate's key may sign S/MIME messages (RFC 8550 §4.4.2): the key
    /// algorithm can sign, and the keyUsage extension, if present, has `digitalSignature` or
    /// `nonRepudiation`.
    pub fn permits_signing(&self) -> Result<bool, Error> {
        if !key_algorithm_signs(&self.public_key_algorithm()) {
            return Ok(false);
        }
        Ok(self.key_usage()?.is_none_or(KeyUsage::permits_signing))
    }

    /// Whether S/MIME messages may be encrypted to the certificate's key (RFC 8550 §4.4.2):
    /// the key algorithm does key transport (RSA) or key agreement (EC, X25519, X448, DH), and
    /// the keyUsage extension, if present, has the matching bit — `keyEncipherment` for key
    /// transport, `keyAgreement` for key agreement.
    pub fn permits_encryption(&self) -> Result<bool, Error> {
        let Some(required) = self.key_management().required_key_usage() else {
            return Ok(false);
        };
        Ok(self
            .key_usage()?
            .is_none_or(|usage| usage.contains(required)))
    }

    /// The key purposes of the extKeyUsage extension (RFC 5280 §4.2.1.12); `None` when
    /// absent.
    pub fn extended_key_usage(&self) -> Result<Option<Vec<ObjectIdentifier>>, Error> {
        Ok(self.extension::<ExtendedKeyUsage>()?.map(|eku| eku.0))
    }

    /// Whether the extended key usage allows S/MIME (RFC 8550 §4.4.4).
    pub fn email_protection(&self) -> Result<EmailProtection, Error> {
        let purposes = self.extended_key_usage()?;
        Ok(EmailProtection::from_purposes(purposes.as_deref()))
    }

    /// The policy OIDs of the certificatePolicies extension (RFC 5280 §4.2.1.4), in order;
    /// empty when the extension is absent.
    pub fn certificate_policies(&self) -> Result<Vec<ObjectIdentifier>, Error> {
        Ok(self
            .extension::<CertificatePolicies>()?
            .map(|p| p.0.into_iter().map(|info| info.policy_identifier).collect())
            .unwrap_or_default())
    }

    /// The CA/Browser Forum S/MIME validation level named by the certificate's policies, or
    /// `None` when none of the reserved S/MIME BR policies is present. Two different levels
    /// in one certificate are [`Error::ConflictingValidationLevels`].
    ///
    /// This reads what the certificate claims; whether the issuing CA is trusted to make that
    /// claim is for path validation to decide.
    pub fn validation_level(&self) -> Result<Option<ValidationLevel>, Error> {
        let mut found: Option<ValidationLevel> = None;
        for level in self
            .certificate_policies()?
            .iter()
            .filter_map(ValidationLevel::from_policy)
        {
            match found {
                Some(first) if first != level => {
                    return Err(Error::ConflictingValidationLevels {
                        first,
                        second: level,
                    });
                }
                _ => found = Some(level),
            }
        }
        Ok(found)
    }

    /// The SMIMECapabilities extension (RFC 4262), most preferred first.
    pub fn smime_capabilities(&self) -> Result<Option<SmimeCapabilities>, Error> {
        self.extension::<SmimeCapabilities>()
    }

    /// Every mailbox entry of the certificate, in order: the subjectAltName's `rfc822Name`
    /// and `SmtpUTF8Mailbox` entries, then the subject's `emailAddress` attributes.
    /// Malformed entries (for example a non-ASCII `rfc822Name`) are included and say what is
    /// wrong; a subjectAltName extension whose structure does not decode is an error.
    pub fn mailboxes(&self) -> Result<Vec<Mailbox>, Error> {
        let mut mailboxes = Vec::new();
        if let Some(value) = self.extension_value(&SUBJECT_ALT_NAME) {
            subject_alt_name_mailboxes(value, &mut mailboxes).map_err(|source| {
                Error::Extension {
                    name: extension_name(&SUBJECT_ALT_NAME),
                    oid: SUBJECT_ALT_NAME,
                    source,
                }
            })?;
        }
        subject_email_addresses(self.subject(), &mut mailboxes);
        Ok(mailboxes)
    }

    /// Checks an address — a bare address or a `From` header value such as
    /// `"Alice" <alice@example.com>` — against the certificate's mailboxes: local part exactly,
    /// domain without regard to case (RFC 8550 §3, RFC 9598 §5).
    pub fn match_address(&self, address: &str) -> Result<AddressMatch, Error> {
        let address = EmailAddress::parse(address)?;
        Ok(AddressMatch::new(address, self.mailboxes()?))
    }

    /// The digest of the certificate's DER (its "fingerprint").
    pub fn fingerprint(
        &self,
        provider: &dyn CryptoProvider,
        algorithm: DigestAlgorithm,
    ) -> Result<Vec<u8>, Error> {
        provider
            .digest(algorithm, &self.der)
            .map_err(|source| Error::Digest { algorithm, source })
    }

    /// The raw value of an extension, if present (extensions are unique: checked on load).
    fn extension_value(&self, oid: &ObjectIdentifier) -> Option<&[u8]> {
        self.cert
            .tbs_certificate()
            .extensions()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .find(|ext| ext.extn_id == *oid)
            .map(|ext| ext.extn_value.as_bytes())
    }

    fn extension<'a, T>(&'a self) -> Result<Option<T>, Error>
    where
        T: Decode<'a, Error = der::Error> + AssociatedOid,
    {
        self.extension_value(&T::OID)
            .map(|value| {
                T::from_der(value).map_err(|source| Error::Extension {
                    name: extension_name(&T::OID),
                    oid: T::OID,
                    source,
                })
            })
            .transpose()
    }
}

/// The position of the `tbsCertificate` element inside a certificate's DER.
fn tbs_range(der: &[u8]) -> der::Result<Range<usize>> {
    let reader = der::SliceReader::new(der)?;
    let outer = der::Header::peek(&reader)?;
    let start = usize::try_from(outer.encoded_len()?)?;
    let len = crate::load::der_element_len(der.get(start..).unwrap_or_default())?;
    Ok(start..start + len)
}

/// A readable name for an extension OID, for error messages.
fn extension_name(oid: &ObjectIdentifier) -> &'static str {
    const_oid::db::DB.by_oid(oid).unwrap_or("unknown")
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl Hash for Certificate {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.der.hash(state);
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Hex<'a>(&'a [u8]);
        impl fmt::Debug for Hex<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
        f.debug_struct("Certificate")
            .field("subject", &self.subject().to_string())
            .field("issuer", &self.issuer().to_string())
            .field("serial_number", &Hex(self.serial_number()))
            .finish_non_exhaustive()
    }
}

impl AsRef<[u8]> for Certificate {
    fn as_ref(&self) -> &[u8] {
        &self.der
    }
}

impl TryFrom<&[u8]> for Certificate {
    type Error = Error;

    fn try_from(der: &[u8]) -> Result<Self, Error> {
        Self::from_der(der)
    }
}
