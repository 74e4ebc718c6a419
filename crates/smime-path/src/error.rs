//! The error type of this crate: why a certificate was not accepted, and where.

use core::fmt;
use std::path::PathBuf;

use const_oid::ObjectIdentifier;
use der::DateTime;

use crate::budget::BudgetKind;
use crate::purpose::{Purpose, PurposeMismatch};
use crate::revocation::RevocationReason;

/// Where a certificate sits in a certification path.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Position {
    /// The certificate being validated (the signer's or recipient's certificate).
    Leaf,
    /// An intermediate CA certificate; `1` is the leaf's issuer, `2` that certificate's issuer, …
    Intermediate(usize),
    /// The trust anchor the path ends at.
    TrustAnchor,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Leaf => f.write_str("leaf certificate"),
            Self::Intermediate(n) => write!(f, "intermediate certificate {n}"),
            Self::TrustAnchor => f.write_str("trust anchor"),
        }
    }
}

/// An RFC 5280 §6.1 check that a path failed, other than those with their own [`Error`] variant.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathFailure {
    /// A certificate's signature does not verify with its issuer's public key.
    BadSignature,
    /// A certificate's issuer name does not match the subject of the certificate above it.
    NameChaining,
    /// An intermediate certificate lacks basicConstraints, or has `cA` false.
    NotACertificationAuthority,
    /// A pathLenConstraint was exceeded.
    PathLength,
    /// An intermediate certificate does not assert keyCertSign.
    CaKeyUsage,
    /// The valid policy tree became empty while a policy was required (explicit policy).
    NoValidPolicy,
    /// A policyMappings extension maps to or from anyPolicy.
    InvalidPolicyMapping,
    /// A critical extension was not recognised.
    UnprocessedCriticalExtension,
    /// An RSA key in the path is shorter than the configured minimum.
    KeyTooSmall,
    /// A certificate could not be decoded, or its two signature algorithm fields differ.
    Encoding,
    /// The leaf is self-signed and that is forbidden.
    SelfSignedLeaf,
    /// Any other failure the RFC 5280 engine reported (its own wording).
    Other(String),
}

impl fmt::Display for PathFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadSignature => {
                f.write_str("its signature does not verify with the issuer's key")
            }
            Self::NameChaining => {
                f.write_str("its issuer name does not match the issuer's subject")
            }
            Self::NotACertificationAuthority => {
                f.write_str("it is used as a CA but basicConstraints does not say cA")
            }
            Self::PathLength => f.write_str("a pathLenConstraint is exceeded"),
            Self::CaKeyUsage => f.write_str("it is used as a CA but keyUsage lacks keyCertSign"),
            Self::NoValidPolicy => f.write_str("no certificate policy is valid for the path"),
            Self::InvalidPolicyMapping => f.write_str("a policy mapping involves anyPolicy"),
            Self::UnprocessedCriticalExtension => {
                f.write_str("it has an unrecognised critical extension")
            }
            Self::KeyTooSmall => f.write_str("its RSA key is shorter than the allowed minimum"),
            Self::Encoding => f.write_str("it is not properly encoded"),
            Self::SelfSignedLeaf => f.write_str("it is a self-signed end-entity certificate"),
            Self::Other(s) => f.write_str(s),
        }
    }
}

/// Why a certificate was not accepted for S/MIME, or why validation could not run.
///
/// Each variant names the certificate concerned (its subject, as an RFC 4514 string) and its
/// [`Position`] in the path where that is known.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A certificate's validity period ended before the validation time.
    #[error("{position} \"{subject}\" expired at {not_after} (validation time {time})")]
    Expired {
        /// Subject of the expired certificate.
        subject: String,
        /// Where it is in the path.
        position: Position,
        /// Its notAfter.
        not_after: DateTime,
        /// The validation time.
        time: DateTime,
    },
    /// A certificate's validity period starts after the validation time.
    #[error("{position} \"{subject}\" is not valid before {not_before} (validation time {time})")]
    NotYetValid {
        /// Subject of the certificate.
        subject: String,
        /// Where it is in the path.
        position: Position,
        /// Its notBefore.
        not_before: DateTime,
        /// The validation time.
        time: DateTime,
    },
    /// The issuers found end at a self-signed certificate that is not a trust anchor.
    #[error(
        "untrusted root: the path for \"{leaf}\" ends at \"{root}\", which is not a trust anchor"
    )]
    UntrustedRoot {
        /// Subject of the certificate being validated.
        leaf: String,
        /// Subject of the self-signed certificate the path reached.
        root: String,
    },
    /// No path to a trust anchor could be built: an issuer is missing.
    #[error(
        "no path to a trust anchor for \"{leaf}\": no issuer \"{missing_issuer}\" found for \"{subject}\""
    )]
    NoPath {
        /// Subject of the certificate being validated.
        leaf: String,
        /// Subject of the highest certificate reached.
        subject: String,
        /// The issuer name no certificate or trust anchor answered to.
        missing_issuer: String,
    },
    /// A certificate in the path is revoked.
    #[error("{position} \"{subject}\" is revoked{}{}",
        reason.map(|r| format!(" ({r})")).unwrap_or_default(),
        revoked_at.map(|d| format!(" since {d}")).unwrap_or_default())]
    Revoked {
        /// Subject of the revoked certificate.
        subject: String,
        /// Where it is in the path.
        position: Position,
        /// The reason code of the CRL entry or OCSP response, when given.
        reason: Option<RevocationReason>,
        /// The revocation date, when known.
        revoked_at: Option<DateTime>,
    },
    /// Revocation status was required but could not be determined from the CRLs and OCSP
    /// responses available.
    #[error(
        "revocation status of {position} \"{subject}\" could not be determined from the CRLs and OCSP responses available"
    )]
    RevocationUnknown {
        /// Subject of the certificate.
        subject: String,
        /// Where it is in the path.
        position: Position,
    },
    /// The leaf certificate is not fit for the requested S/MIME purpose.
    #[error("\"{subject}\" is not usable for S/MIME {purpose}: {mismatch}")]
    WrongPurpose {
        /// Subject of the leaf certificate.
        subject: String,
        /// The purpose that was asked for.
        purpose: Purpose,
        /// What the certificate says instead.
        mismatch: PurposeMismatch,
    },
    /// The given mail address is not among the certificate's addresses.
    #[error("address {address} is not bound to \"{subject}\" (its addresses: {})",
        if certificate_addresses.is_empty() { "none".to_string() } else { certificate_addresses.join(", ") })]
    AddressMismatch {
        /// Subject of the leaf certificate.
        subject: String,
        /// The address that was checked (e.g. the message's From).
        address: String,
        /// Every address the certificate carries.
        certificate_addresses: Vec<String>,
    },
    /// Enforcement of the mailbox binding was requested but no address was given.
    #[error("a mailbox check was required but no address was given")]
    NoAddressGiven,
    /// A name in a certificate violates the name constraints of a CA above it.
    #[error("{position} \"{subject}\" violates the name constraints of a CA above it")]
    NameConstraints {
        /// Subject of the offending certificate.
        subject: String,
        /// Where it is in the path.
        position: Position,
    },
    /// Another RFC 5280 path check failed.
    #[error("{position} \"{subject}\" is not acceptable: {failure}")]
    PathInvalid {
        /// Subject of the certificate concerned.
        subject: String,
        /// Where it is in the path.
        position: Position,
        /// What was wrong.
        failure: PathFailure,
    },
    /// A signature in the path uses an algorithm or key type the provider does not support.
    #[error("cannot verify the signature on \"{subject}\": unsupported algorithm {algorithm}")]
    UnsupportedAlgorithm {
        /// Subject of the certificate whose signature could not be checked.
        subject: String,
        /// The algorithm or key type, by name and OID.
        algorithm: String,
    },
    /// A processing budget was exhausted before a verdict was reached (hostile or absurd input).
    #[error("validation stopped: the budget of {limit} {kind} was exhausted")]
    BudgetExceeded {
        /// Which budget.
        kind: BudgetKind,
        /// Its limit.
        limit: usize,
    },
    /// An input could not be decoded.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What was being decoded ("leaf certificate", "message certificate 2", "CRL 1", …).
        what: String,
        /// The decoder's message.
        detail: String,
    },
    /// A trust anchor or other file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file given as a trust anchor contains no certificate.
    #[error("{} contains no certificate", path.display())]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// The leaf certificate's S/MIME extensions (subjectAltName, keyUsage, extendedKeyUsage,
    /// certificatePolicies) could not be read.
    #[error("leaf certificate: {0}")]
    Certificate(#[from] smime_x509::Error),
    /// The configuration is unusable (for example an empty trust anchor set or a bad policy OID).
    #[error("invalid configuration: {0}")]
    Configuration(String),
}

impl Error {
    pub(crate) fn malformed(what: impl Into<String>, detail: impl fmt::Display) -> Self {
        Self::Malformed {
            what: what.into(),
            detail: detail.to_string(),
        }
    }
}

/// Formats an OID with its registered name when known (`"ecdsa-with-SHA256 (1.2.840.10045.4.3.2)"`).
pub(crate) fn oid_name(oid: &ObjectIdentifier) -> String {
    match const_oid::db::DB.by_oid(oid) {
        Some(name) => format!("{name} ({oid})"),
        None => oid.to_string(),
    }
}
