//! The error type of this crate.

use crate::entity::PartPath;

impl From<smime_crypto::Error> for Error {
    fn from(error: smime_crypto::Error) -> Self {
        Self::Crypto(Box::new(error))
    }
}

/// Everything that can go wrong when building or reading S/MIME messages.
///
/// Errors about the message as a whole (its structure, its budgets) are returned by the
/// parsing functions. Errors about one S/MIME structure inside a message — a signature that
/// does not verify, a part that cannot be decrypted — are recorded in the
/// [`Report`](crate::Report) next to that structure, so that one bad part never hides the
/// others.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    // ----- structure of the message -----
    /// The input holds no MIME entity at all.
    #[error("the input is empty")]
    Empty,
    /// MIME entities are nested deeper than [`MAX_NESTING_DEPTH`](crate::budget::MAX_NESTING_DEPTH).
    #[error("MIME nesting deeper than {limit} levels at {path} (offset {offset})")]
    NestingTooDeep {
        /// The entity that went too deep.
        path: PartPath,
        /// Its byte offset in the buffer it was found in.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// A count exceeds one of the limits in [`budget`](crate::budget).
    #[error("too many {what} at {path} (the limit is {limit})")]
    BudgetExceeded {
        /// What was counted.
        what: &'static str,
        /// Where the limit was reached.
        path: PartPath,
        /// The limit.
        limit: usize,
    },
    /// A part's body cannot be decoded from its Content-Transfer-Encoding.
    #[error("{path}: cannot decode the {encoding} body: {reason}")]
    TransferEncoding {
        /// The part.
        path: PartPath,
        /// The encoding (`"base64"`, `"quoted-printable"`).
        encoding: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A MIME structure is malformed (a multipart/signed without two parts, a multipart
    /// without any body part, …).
    #[error("{path}: malformed {what}: {reason}")]
    Malformed {
        /// The entity.
        path: PartPath,
        /// What was being read (`"multipart/signed"`, `"application/pkcs7-mime"`, …).
        what: &'static str,
        /// What was wrong.
        reason: String,
    },

    // ----- S/MIME structures -----
    /// The CMS layer rejected a structure (parse, verify or build).
    #[error("{path}: {source}")]
    Cms {
        /// The S/MIME entity whose CMS content failed.
        path: PartPath,
        /// What the CMS layer reported.
        #[source]
        source: Box<smime_cms::Error>,
    },
    /// The CMS content type of an application/pkcs7-mime part is not one S/MIME defines, or
    /// not one this crate handles (compressed-data, for example).
    #[error("{path}: unsupported CMS content type {content_type}")]
    UnsupportedContentType {
        /// The part.
        path: PartPath,
        /// The content type OID (dotted decimal).
        content_type: String,
    },
    /// An encrypted part was found, but no decryptor was given.
    #[error("{path}: encrypted, and no decryptor was given")]
    NoDecryptor {
        /// The encrypted part.
        path: PartPath,
    },
    /// Encryption or decryption failed.
    #[error("{path}: {operation} failed: {source}")]
    Encryption {
        /// The part (for decryption) or the entity being encrypted.
        path: PartPath,
        /// `"encryption"` or `"decryption"`.
        operation: &'static str,
        /// What the encryptor or decryptor reported.
        #[source]
        source: Box<smime_cms::Error>,
    },

    // ----- building -----
    /// A signing or encryption step was asked for without what it needs (no signer, …).
    #[error("cannot build the message: {reason}")]
    Build {
        /// What is missing or contradictory.
        reason: String,
    },
    /// The crypto provider failed (random numbers for a boundary, …).
    #[error("crypto provider: {0}")]
    Crypto(#[source] Box<smime_crypto::Error>),
}
