//! Certificates as the path builder and validator hold them: the DER, the decoded structure and
//! the extensions path processing reads, decoded once.

use core::fmt;

use certval::{ExtensionProcessing, PDVCertificate, PDVExtension};
use const_oid::db::rfc5912::{ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_SUBJECT_KEY_IDENTIFIER};
use der::{DateTime, Decode};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::certificate::{CertificateInner, Raw};
use x509_cert::name::Name;

use crate::error::Error;

/// A certificate of a certification path, decoded once.
///
/// Decoding is lenient in the ways RFC 5280 validators must be (negative and over-long serial
/// numbers are accepted: PKITS 4.4.15 and 4.4.16 carry them), strict elsewhere: trailing data
/// and malformed DER are errors.
#[derive(Clone)]
pub struct PathCertificate {
    pdv: PDVCertificate,
}

impl PathCertificate {
    /// Decodes a DER certificate. `what` names it in the error ("leaf certificate", …).
    pub(crate) fn from_der(der: &[u8], what: &str) -> Result<Self, Error> {
        let pdv = PDVCertificate::try_from(der).map_err(|e| Error::malformed(what, e))?;
        Ok(Self { pdv })
    }

    pub(crate) fn pdv(&self) -> &PDVCertificate {
        &self.pdv
    }

    pub(crate) fn decoded(&self) -> &CertificateInner<Raw> {
        self.pdv.decoded()
    }

    /// The DER encoding, exactly as given.
    pub fn der(&self) -> &[u8] {
        self.pdv.as_bytes()
    }

    /// The subject name.
    pub fn subject(&self) -> &Name {
        self.decoded().tbs_certificate().subject()
    }

    /// The issuer name.
    pub fn issuer(&self) -> &Name {
        self.decoded().tbs_certificate().issuer()
    }

    /// The subject name as an RFC 4514 string.
    pub fn subject_string(&self) -> String {
        self.subject().to_string()
    }

    /// The serial number's content octets (big-endian two's complement, as encoded).
    pub fn serial_number(&self) -> &[u8] {
        self.decoded().tbs_certificate().serial_number().as_bytes()
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> DateTime {
        self.decoded()
            .tbs_certificate()
            .validity()
            .not_before
            .to_date_time()
    }

    /// End of the validity period.
    pub fn not_after(&self) -> DateTime {
        self.decoded()
            .tbs_certificate()
            .validity()
            .not_after
            .to_date_time()
    }

    /// Decodes the certificate again as a strict RFC 5280 [`x509_cert::Certificate`].
    pub fn to_certificate(&self) -> Result<x509_cert::Certificate, der::Error> {
        x509_cert::Certificate::from_der(self.der())
    }

    pub(crate) fn spki(&self) -> &SubjectPublicKeyInfoOwned {
        self.decoded().tbs_certificate().subject_public_key_info()
    }

    /// The subjectKeyIdentifier, when present.
    pub(crate) fn subject_key_id(&self) -> Option<&[u8]> {
        match self.pdv.get_extension(&ID_CE_SUBJECT_KEY_IDENTIFIER) {
            Ok(Some(PDVExtension::SubjectKeyIdentifier(skid))) => Some(skid.0.as_bytes()),
            _ => None,
        }
    }

    /// The keyIdentifier of the authorityKeyIdentifier, when present.
    pub(crate) fn authority_key_id(&self) -> Option<&[u8]> {
        match self.pdv.get_extension(&ID_CE_AUTHORITY_KEY_IDENTIFIER) {
            Ok(Some(PDVExtension::AuthorityKeyIdentifier(akid))) => {
                akid.key_identifier.as_ref().map(|k| k.as_bytes())
            }
            _ => None,
        }
    }

    /// True when issuer and subject are the same name (RFC 5280 §6.1 "self-issued").
    pub(crate) fn is_self_issued(&self) -> bool {
        certval::compare_names(self.issuer(), self.subject())
    }

    /// True when the certificate is valid at `unix_secs`.
    pub(crate) fn valid_at(&self, unix_secs: u64) -> bool {
        let not_before = self.not_before().unix_duration().as_secs();
        let not_after = self.not_after().unix_duration().as_secs();
        not_before <= unix_secs && unix_secs <= not_after
    }
}

impl fmt::Debug for PathCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PathCertificate")
            .field("subject", &self.subject_string())
            .field("issuer", &self.issuer().to_string())
            .field("serial_number", &self.serial_number())
            .finish_non_exhaustive()
    }
}

impl PartialEq for PathCertificate {
    fn eq(&self, other: &Self) -> bool {
        self.der() == other.der()
    }
}

impl Eq for PathCertificate {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(matches!(
            PathCertificate::from_der(&[0x30, 0x03, 0x02, 0x01, 0x01], "leaf certificate"),
            Err(Error::Malformed { what, .. }) if what == "leaf certificate"
        ));
    }
}
