//! The error type of this crate.

use core::fmt;

use const_oid::ObjectIdentifier;
use smime_crypto::DigestAlgorithm;

use crate::validation_level::ValidationLevel;

/// Where in the input a certificate was found, for error messages.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Location {
    /// A DER certificate; several may follow one another in one input.
    Der {
        /// Position of the certificate among the certificates of the input, from 0.
        index: usize,
        /// Byte offset of the certificate in the input.
        offset: usize,
    },
    /// A PEM block.
    Pem {
        /// Position of the block among all PEM blocks of the input, from 0.
        index: usize,
        /// Line (from 1) of the block's `-----BEGIN` line.
        line: usize,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Der { index, offset } => write!(f, "DER certificate {index} at byte {offset}"),
            Self::Pem { index, line } => write!(f, "PEM block {index} on line {line}"),
        }
    }
}

/// What went wrong while loading a certificate or reading one of its fields.
///
/// Every variant says what was wrong and, where it applies, where: the certificate's
/// [`Location`] in the input, or the extension (by name and OID).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input is larger than [`MAX_INPUT_LEN`](crate::MAX_INPUT_LEN).
    #[error("input of {len} bytes is larger than the limit of {max} bytes")]
    InputTooLarge {
        /// Length of the input.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The input holds more than [`MAX_CERTIFICATES`](crate::MAX_CERTIFICATES) certificates.
    #[error("input holds more than the limit of {max} certificates")]
    TooManyCertificates {
        /// The limit.
        max: usize,
    },
    /// The input is empty.
    #[error("input is empty")]
    Empty,
    /// The input is neither DER (starting with a SEQUENCE tag) nor PEM (no `-----BEGIN` line).
    #[error("input is neither a DER certificate nor PEM (first byte {first_byte:#04x})")]
    UnrecognizedFormat {
        /// The first byte of the input.
        first_byte: u8,
    },
    /// A PEM block is malformed: its boundaries, label or Base64 text.
    #[error("{location}: malformed PEM ({label}): {reason}")]
    Pem {
        /// Where the block starts.
        location: Location,
        /// The block's label (`CERTIFICATE`, …), as far as it could be read.
        label: String,
        /// What is wrong.
        reason: String,
    },
    /// A certificate's DER encoding is malformed.
    #[error("{location}: malformed certificate: {source}")]
    Decode {
        /// Where the certificate is.
        location: Location,
        /// The decoder's error (it carries the byte position inside the certificate).
        source: der::Error,
    },
    /// The input holds PEM blocks, but none is a certificate.
    #[error("no CERTIFICATE PEM block found (PEM blocks seen: {})", .labels.join(", "))]
    NoCertificate {
        /// The labels of the blocks that were seen (at most 16 are kept).
        labels: Vec<String>,
    },
    /// One certificate was expected ([`Certificate::from_pem`](crate::Certificate::from_pem)),
    /// but the input holds several.
    #[error("expected exactly one certificate, found {count}")]
    NotOneCertificate {
        /// How many certificates were found.
        count: usize,
    },
    /// An extension appears more than once, which RFC 5280 §4.2 forbids.
    #[error("{location}: the {name} extension ({oid}) appears more than once")]
    DuplicateExtension {
        /// Where the certificate is.
        location: Location,
        /// The extension's name.
        name: &'static str,
        /// The extension's OID.
        oid: ObjectIdentifier,
    },
    /// An extension's value does not decode.
    #[error("malformed {name} extension ({oid}): {source}")]
    Extension {
        /// The extension's name.
        name: &'static str,
        /// The extension's OID.
        oid: ObjectIdentifier,
        /// The decoder's error.
        source: der::Error,
    },
    /// The certificate could not be encoded (only when built from an `x509_cert` value).
    #[error("certificate does not encode as DER: {0}")]
    Encode(#[source] der::Error),
    /// The subject public key is malformed or of a kind the crypto provider does not support
    /// (for example Ed25519 or X25519). The certificate itself is still usable.
    #[error("subject public key: {0}")]
    PublicKey(#[source] smime_crypto::Error),
    /// The crypto provider could not compute a fingerprint.
    #[error("{} fingerprint: {source}", .algorithm.name())]
    Digest {
        /// The digest that was asked for.
        algorithm: DigestAlgorithm,
        /// The provider's error.
        source: smime_crypto::Error,
    },
    /// An e-mail address given to [`EmailAddress::parse`](crate::EmailAddress::parse) or
    /// [`Certificate::match_address`](crate::Certificate::match_address) is not a mailbox.
    #[error("invalid e-mail address {input:?}: {reason}")]
    InvalidAddress {
        /// The input (cut to 256 characters).
        input: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The certificate carries more than one CA/Browser Forum S/MIME validation-level policy
    /// (the S/MIME Baseline Requirements §7.1.2.3 allow exactly one).
    #[error("conflicting CA/B Forum S/MIME policies: {first} and {second}")]
    ConflictingValidationLevels {
        /// The first policy found.
        first: ValidationLevel,
        /// The second, different, policy found.
        second: ValidationLevel,
    },
    /// A [`CertificateBuilder`](crate::builder::CertificateBuilder) setting is malformed or
    /// does not fit the others: an RFC 4514 name that does not parse, a serial number that is
    /// not positive, a validity period that ends before it starts, a signature scheme for
    /// another kind of key, an issuer key that does not match the issuer certificate, ….
    #[error("certificate builder: {field}: {reason}")]
    InvalidBuilderInput {
        /// The setting at fault (`"subject"`, `"serial number"`, `"validity"`, `"issuer key"`,
        /// `"signature scheme"`, `"mailbox"`, `"CRL distribution point"`, `"extension"`, …).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The crypto provider failed while a certificate was issued (random serial number,
    /// signature, check of the fresh signature, key generation).
    #[error("issuing a certificate: {operation}: {source}")]
    Issuing {
        /// What was being done (`"signing the tbsCertificate"`, …).
        operation: &'static str,
        /// The provider's error.
        source: smime_crypto::Error,
    },
}
