//! Revocation status from CRLs and OCSP responses the caller or the message supplies. Nothing is
//! fetched from the network.
//!
//! certval does the RFC 5280 §6.3 CRL processing and the RFC 6960 response verification (CA-signed
//! or delegated responders asserting id-kp-OCSPSigning); this module decides which response
//! belongs to which certificate and turns certval's results into [`RevocationStatus`] values and
//! revocation reasons and dates.

use core::fmt;

use certval::ocsp::{BasicOcspResponse, CertStatus, OcspResponse, OcspResponseStatus};
use certval::{CertificationPathResults, SubjectNameAndKey};
use const_oid::db::rfc6960::ID_PKIX_OCSP_BASIC;
use der::{DateTime, Decode};
use x509_cert::certificate::Raw;
use x509_cert::ext::pkix::CrlReason;

/// The reason code of a revocation (RFC 5280 §5.3.1).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// unspecified (0)
    Unspecified,
    /// keyCompromise (1)
    KeyCompromise,
    /// cACompromise (2)
    CaCompromise,
    /// affiliationChanged (3)
    AffiliationChanged,
    /// superseded (4)
    Superseded,
    /// cessationOfOperation (5)
    CessationOfOperation,
    /// certificateHold (6)
    CertificateHold,
    /// removeFromCRL (8)
    RemoveFromCrl,
    /// privilegeWithdrawn (9)
    PrivilegeWithdrawn,
    /// aACompromise (10)
    AaCompromise,
}

impl From<CrlReason> for RevocationReason {
    fn from(reason: CrlReason) -> Self {
        match reason {
            CrlReason::Unspecified => Self::Unspecified,
            CrlReason::KeyCompromise => Self::KeyCompromise,
            CrlReason::CaCompromise => Self::CaCompromise,
            CrlReason::AffiliationChanged => Self::AffiliationChanged,
            CrlReason::Superseded => Self::Superseded,
            CrlReason::CessationOfOperation => Self::CessationOfOperation,
            CrlReason::CertificateHold => Self::CertificateHold,
            CrlReason::RemoveFromCRL => Self::RemoveFromCrl,
            CrlReason::PrivilegeWithdrawn => Self::PrivilegeWithdrawn,
            CrlReason::AaCompromise => Self::AaCompromise,
        }
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "cACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::CertificateHold => "certificateHold",
            Self::RemoveFromCrl => "removeFromCRL",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
            Self::AaCompromise => "aACompromise",
        })
    }
}

/// What settled a certificate's status.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusSource {
    /// A CRL (from the caller or the message).
    Crl,
    /// An OCSP response (from the caller or the message).
    Ocsp,
    /// The certificate is an OCSP responder certificate with id-pkix-ocsp-nocheck.
    NoCheck,
}

/// The revocation status of one certificate of a verified path.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevocationStatus {
    /// Not revoked, according to the given source.
    Good(StatusSource),
    /// No CRL or OCSP response available covered the certificate (and a status was not
    /// required; when it is, validation fails with
    /// [`Error::RevocationUnknown`](crate::Error::RevocationUnknown)).
    Unknown,
    /// Revocation checking was turned off.
    NotChecked,
}

impl RevocationStatus {
    pub(crate) fn from_certval(source: certval::RevocationSource) -> Self {
        match source {
            certval::RevocationSource::StapledOcsp | certval::RevocationSource::OcspFromAia => {
                Self::Good(StatusSource::Ocsp)
            }
            certval::RevocationSource::NoCheckExtension => Self::Good(StatusSource::NoCheck),
            certval::RevocationSource::StapledCrl
            | certval::RevocationSource::LocalCrl
            | certval::RevocationSource::RemoteCrlDp
            | certval::RevocationSource::Cache => Self::Good(StatusSource::Crl),
            _ => Self::Unknown,
        }
    }
}

/// A parsed OCSP response and the single responses it carries.
pub(crate) struct OcspCandidate {
    pub(crate) der: Vec<u8>,
    basic: BasicOcspResponse,
}

impl OcspCandidate {
    /// Decodes an OCSPResponse; `None` for anything that is not a successful basic response
    /// (those cannot settle a status, and certval would reject them anyway).
    pub(crate) fn parse(der: &[u8]) -> Option<Self> {
        let response = OcspResponse::from_der(der).ok()?;
        if response.response_status != OcspResponseStatus::Successful {
            return None;
        }
        let bytes = response.response_bytes?;
        if bytes.response_type != ID_PKIX_OCSP_BASIC {
            return None;
        }
        let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).ok()?;
        Some(Self {
            der: der.to_vec(),
            basic,
        })
    }

    /// True when one of the single responses names the certificate with this serial number
    /// issued by `issuer` (name and key hashes, RFC 6960 §4.1.1).
    pub(crate) fn covers(
        &self,
        serial: &x509_cert::serial_number::SerialNumber<Raw>,
        issuer: &dyn SubjectNameAndKey,
    ) -> bool {
        self.basic
            .tbs_response_data
            .responses
            .iter()
            .any(|single| certval::cert_id_match(&single.cert_id, serial, issuer))
    }
}

/// Reason and date of the revocation an OCSP response certval recorded for position `index`
/// reports about the certificate with `serial` issued by `issuer` (certval's revocation
/// positions: 0 is the first certificate below the trust anchor).
pub(crate) fn ocsp_revocation_details(
    results: &CertificationPathResults,
    index: usize,
    serial: &x509_cert::serial_number::SerialNumber<Raw>,
    issuer: &dyn SubjectNameAndKey,
) -> (Option<RevocationReason>, Option<DateTime>) {
    let responses = results.get_ocsp_responses().unwrap_or_default();
    for der in responses.get(index).into_iter().flatten() {
        let Some(candidate) = OcspCandidate::parse(der) else {
            continue;
        };
        for single in &candidate.basic.tbs_response_data.responses {
            if let CertStatus::Revoked(info) = &single.cert_status
                && certval::cert_id_match(&single.cert_id, serial, issuer)
            {
                return (
                    info.revocation_reason.map(RevocationReason::from),
                    Some(info.revocation_time.0.to_date_time()),
                );
            }
        }
    }
    (None, None)
}
