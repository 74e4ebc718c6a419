//! The crate's error type.

use std::borrow::Cow;

/// What went wrong while streaming a CMS message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the input or writing the output failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The input is not valid BER where the streaming reader walks it.
    #[error("malformed BER at offset {offset}: {reason}")]
    Malformed {
        /// Offset of the offending octet from the start of the input.
        offset: u64,
        /// What was wrong.
        reason: Cow<'static, str>,
    },
    /// The input ended before the structure was complete.
    #[error("truncated input at offset {offset}: {what}")]
    Truncated {
        /// Offset at which more input was expected.
        offset: u64,
        /// What was being read.
        what: &'static str,
    },
    /// A named limit of this crate was exceeded.
    #[error("{what} exceeds the limit of {limit}")]
    BudgetExceeded {
        /// What was counted.
        what: &'static str,
        /// The limit (a named constant of [`crate::budget`]).
        limit: u64,
    },
    /// The ContentInfo holds another content type than the operation needs.
    #[error("the ContentInfo holds {found}, expected {expected}")]
    UnexpectedContentType {
        /// The content type found.
        found: const_oid::ObjectIdentifier,
        /// The content type the operation reads.
        expected: const_oid::ObjectIdentifier,
    },
    /// An attached-signature verification found no eContent (the signature is detached).
    #[error("the SignedData has no encapsulated content: use verify_detached")]
    NoEncapsulatedContent,
    /// The encapsulated content is not an OCTET STRING, which this reader cannot stream.
    #[error("eContent at offset {offset} has tag {tag:#04x}, not an OCTET STRING")]
    UnsupportedEContent {
        /// Offset of the eContent element.
        offset: u64,
        /// Its identifier octet.
        tag: u8,
    },
    /// The CMS layer rejected the message or the signing request.
    #[error(transparent)]
    Cms(#[from] smime_cms::Error),
    /// The crypto provider failed.
    #[error(transparent)]
    Crypto(#[from] smime_crypto::Error),
    /// The MIME structure around the CMS content is malformed (streaming MIME layer).
    #[error("MIME {what}: {detail}")]
    Mime {
        /// Which part of the MIME structure was wrong (e.g. "multipart/signed boundary").
        what: &'static str,
        /// What was wrong.
        detail: Cow<'static, str>,
    },
    /// The message is not an S/MIME message this operation reads.
    #[error("not an S/MIME message for this operation: Content-Type {content_type:?}")]
    NotSmime {
        /// The top-level media type found (with its smime-type, if any).
        content_type: String,
    },
    /// A base64 body holds something that is not base64.
    #[error("bad base64 at offset {offset} of the encoded body: {reason}")]
    Base64 {
        /// Offset of the offending character in the encoded body.
        offset: u64,
        /// What was wrong.
        reason: &'static str,
    },
    /// A `multipart/signed` signer hashed the content with a digest algorithm that the
    /// header's `micalg` parameter does not name. The first part is hashed, as it streams by,
    /// with the algorithms `micalg` names (RFC 8551 §3.5.3.2: it names every signer's), so
    /// there is no digest to check this signer against; the message is refused rather than
    /// reported as a digest mismatch.
    #[error(
        "multipart/signed: signer {signer} uses {digest}, which the micalg parameter ({micalg:?}) \
         does not name"
    )]
    MicalgMismatch {
        /// Index of the SignerInfo, from 0.
        signer: usize,
        /// Its digest algorithm.
        digest: &'static str,
        /// The micalg parameter as received.
        micalg: String,
    },
}
