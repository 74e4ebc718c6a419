//! The error type of this crate, and [`Location`], which says where in a PFX an error was found.

use core::fmt;

use const_oid::ObjectIdentifier;

/// Where in the PKCS#12 structure something was found: a path such as
/// `PFX/authSafe/contentInfo[1]/safeBag[0] (pkcs8ShroudedKeyBag)`.
///
/// The path uses the ASN.1 field names of RFC 7292, and counts from 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location(String);

impl Location {
    /// The outermost structure, the `PFX`.
    #[must_use]
    pub fn pfx() -> Self {
        Self("PFX".to_owned())
    }

    /// A location inside this one: `self/step`.
    #[must_use]
    pub fn child(&self, step: impl fmt::Display) -> Self {
        Self(format!("{}/{step}", self.0))
    }

    /// The path as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a password was judged wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WrongPasswordEvidence {
    /// The MAC (RFC 7292 §5 HMAC or RFC 9579 PBMAC1) computed with the password differs from the
    /// one in the file.
    MacMismatch,
    /// A password-encrypted part of a file decrypted to something with an invalid CBC padding.
    BadPadding,
    /// A password-encrypted part of a file without a MAC decrypted to a valid padding but not to
    /// the ASN.1 structure that must be there (what a wrong password gives 1 time in 256).
    UndecodablePlaintext,
}

impl fmt::Display for WrongPasswordEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MacMismatch => "the MAC does not match",
            Self::BadPadding => "decryption gave an invalid padding",
            Self::UndecodablePlaintext => "decryption gave undecodable data",
        })
    }
}

/// What an algorithm identifier was used for, in [`Error::UnsupportedAlgorithm`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlgorithmRole {
    /// The digest of the RFC 7292 MAC, or the MAC scheme itself (`id-PBMAC1`).
    Mac,
    /// A password-based encryption scheme (`pbeWithSHAAnd…`, `id-PBES2`, PKCS#5 v1.5 PBEs).
    Encryption,
    /// The key-derivation function inside PBES2 or PBMAC1.
    KeyDerivation,
    /// The pseudo-random function of PBKDF2.
    Prf,
    /// The block cipher inside PBES2.
    Cipher,
    /// The content type of an `AuthenticatedSafe` element (e.g. public-key privacy mode,
    /// `envelopedData`).
    ContentType,
}

impl fmt::Display for AlgorithmRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Mac => "MAC algorithm",
            Self::Encryption => "encryption scheme",
            Self::KeyDerivation => "key-derivation function",
            Self::Prf => "PBKDF2 pseudo-random function",
            Self::Cipher => "cipher",
            Self::ContentType => "content type",
        })
    }
}

/// Which of the [`Limits`](crate::Limits) a file exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_input_len`](crate::Limits::max_input_len).
    InputLength,
    /// [`Limits::max_iterations`](crate::Limits::max_iterations).
    Iterations,
    /// [`Limits::max_total_iterations`](crate::Limits::max_total_iterations).
    TotalIterations,
    /// [`Limits::max_bags`](crate::Limits::max_bags).
    Bags,
    /// [`Limits::max_safe_contents_nesting`](crate::Limits::max_safe_contents_nesting).
    SafeContentsNesting,
    /// [`Limits::max_asn1_depth`](crate::Limits::max_asn1_depth).
    Asn1Depth,
    /// [`MAX_SALT_LEN`](crate::limits::MAX_SALT_LEN).
    SaltLength,
    /// [`MAX_DERIVED_KEY_LEN`](crate::limits::MAX_DERIVED_KEY_LEN).
    DerivedKeyLength,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InputLength => "input length",
            Self::Iterations => "iteration count",
            Self::TotalIterations => "total iteration count of the file",
            Self::Bags => "number of safe bags",
            Self::SafeContentsNesting => "safeContentsBag nesting",
            Self::Asn1Depth => "ASN.1 nesting depth",
            Self::SaltLength => "salt length",
            Self::DerivedKeyLength => "derived key length",
        })
    }
}

/// Everything that can go wrong when importing or exporting PKCS#12.
///
/// The variants separate what a user can act on: a wrong password (ask again), a corrupt file
/// (get another copy), an unsupported algorithm (convert the file with another tool), a file
/// beyond this crate's limits (refuse it), and problems with what was given to the exporter.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The password does not open the file.
    #[error("wrong password ({evidence}) at {at}")]
    WrongPassword {
        /// What showed that the password is wrong.
        evidence: WrongPasswordEvidence,
        /// Where.
        at: Location,
    },
    /// The input is not a well-formed PKCS#12 file (bad ASN.1, wrong version, missing parts…).
    #[error("corrupt PKCS#12 at {at}: {reason}")]
    Corrupt {
        /// What was wrong.
        reason: String,
        /// Where.
        at: Location,
    },
    /// The file uses an algorithm (or a content type) that this crate does not implement.
    #[error("unsupported {role} {oid} at {at}")]
    UnsupportedAlgorithm {
        /// What the algorithm was for.
        role: AlgorithmRole,
        /// Its object identifier.
        oid: ObjectIdentifier,
        /// Where.
        at: Location,
    },
    /// The file exceeds one of the [`Limits`](crate::Limits) that protect against hostile
    /// input.
    #[error("{limit} {actual} exceeds the limit of {max} at {at}")]
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// The value found (for nesting: the depth reached).
        actual: u64,
        /// The limit.
        max: u64,
        /// Where.
        at: Location,
    },
    /// Something given to the [`ExportBuilder`](crate::ExportBuilder) is not usable.
    #[error("invalid export input: {reason}")]
    InvalidInput {
        /// What was wrong.
        reason: String,
    },
    /// The operating system's random number generator failed.
    #[error("random number generator failed: {reason}")]
    Random {
        /// The error reported by the generator.
        reason: String,
    },
}

impl Error {
    /// A [`Error::Corrupt`] at `at`.
    pub(crate) fn corrupt(at: &Location, reason: impl fmt::Display) -> Self {
        Self::Corrupt {
            reason: reason.to_string(),
            at: at.clone(),
        }
    }

    /// An [`Error::UnsupportedAlgorithm`] at `at`.
    pub(crate) fn unsupported(at: &Location, role: AlgorithmRole, oid: ObjectIdentifier) -> Self {
        Self::UnsupportedAlgorithm {
            role,
            oid,
            at: at.clone(),
        }
    }

    /// An [`Error::WrongPassword`] at `at`.
    pub(crate) fn wrong_password(at: &Location, evidence: WrongPasswordEvidence) -> Self {
        Self::WrongPassword {
            evidence,
            at: at.clone(),
        }
    }

    /// An [`Error::LimitExceeded`] at `at`.
    pub(crate) fn limit(at: &Location, limit: Limit, actual: u64, max: u64) -> Self {
        Self::LimitExceeded {
            limit,
            actual,
            max,
            at: at.clone(),
        }
    }

    /// An [`Error::InvalidInput`].
    pub(crate) fn invalid_input(reason: impl fmt::Display) -> Self {
        Self::InvalidInput {
            reason: reason.to_string(),
        }
    }

    /// Whether this error means "wrong password".
    #[must_use]
    pub fn is_wrong_password(&self) -> bool {
        matches!(self, Self::WrongPassword { .. })
    }
}
