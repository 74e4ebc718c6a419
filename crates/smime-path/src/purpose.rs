//! Whether a certificate may be used for S/MIME signing or encryption (RFC 8550 §4.4), read with
//! [`smime_x509::Certificate`].

use core::fmt;

use const_oid::ObjectIdentifier;
use smime_x509::{Certificate, KeyUsage};

use crate::error::{Error, oid_name};

/// What the certificate will be used for.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Verifying a signature: keyUsage, when present, must assert digitalSignature or
    /// nonRepudiation.
    Sign,
    /// Encrypting to the certificate's key: keyUsage, when present, must assert keyEncipherment
    /// (key transport: RSA) or keyAgreement (key agreement: EC, X25519, X448, DH).
    Encrypt,
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sign => "signing",
            Self::Encrypt => "encryption",
        })
    }
}

/// How a certificate fails a [`Purpose`].
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PurposeMismatch {
    /// The extendedKeyUsage extension lists neither id-kp-emailProtection nor
    /// anyExtendedKeyUsage (RFC 8550 §4.4.4).
    ExtendedKeyUsage {
        /// The key purposes it does list.
        found: Vec<ObjectIdentifier>,
    },
    /// The keyUsage extension lacks every bit the operation accepts.
    KeyUsage {
        /// The bits that would do (any one of them).
        required: Vec<&'static str>,
        /// The bits it asserts.
        found: Vec<&'static str>,
    },
    /// The subject key's algorithm cannot do the operation (an X25519 key cannot sign, an
    /// Ed25519 key cannot be encrypted to).
    KeyAlgorithm {
        /// The algorithm, by name and OID.
        algorithm: String,
    },
}

impl fmt::Display for PurposeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExtendedKeyUsage { found } => {
                let names: Vec<String> = found.iter().map(oid_name).collect();
                write!(
                    f,
                    "extendedKeyUsage lists {} but not emailProtection",
                    names.join(", ")
                )
            }
            Self::KeyUsage { required, found } => write!(
                f,
                "keyUsage asserts {{{}}} but one of {{{}}} is needed",
                found.join(", "),
                required.join(", ")
            ),
            Self::KeyAlgorithm { algorithm } => {
                write!(f, "its {algorithm} key cannot be used this way")
            }
        }
    }
}

/// Checks extendedKeyUsage and keyUsage of the leaf for `purpose` (RFC 8550 §4.4.2, §4.4.4):
/// no EKU extension, or one listing emailProtection or anyExtendedKeyUsage; a key that can do
/// the operation; no keyUsage extension, or one asserting a bit the operation accepts.
pub(crate) fn check(certificate: &Certificate, purpose: Purpose) -> Result<(), Error> {
    let mismatch = |mismatch| Error::WrongPurpose {
        subject: certificate.subject().to_string(),
        purpose,
        mismatch,
    };
    if !certificate.email_protection()?.is_permitted() {
        return Err(mismatch(PurposeMismatch::ExtendedKeyUsage {
            found: certificate.extended_key_usage()?.unwrap_or_default(),
        }));
    }
    let (permitted, required) = match purpose {
        Purpose::Sign => (
            certificate.permits_signing()?,
            Some(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION),
        ),
        Purpose::Encrypt => (
            certificate.permits_encryption()?,
            certificate.key_management().required_key_usage(),
        ),
    };
    if permitted {
        return Ok(());
    }
    match (required, certificate.key_usage()?) {
        (Some(required), Some(found)) if !found.intersects(required) => {
            Err(mismatch(PurposeMismatch::KeyUsage {
                required: required.names().collect(),
                found: found.names().collect(),
            }))
        }
        _ => Err(mismatch(PurposeMismatch::KeyAlgorithm {
            algorithm: oid_name(&certificate.public_key_algorithm()),
        })),
    }
}
