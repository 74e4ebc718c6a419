//! The error type of this crate.

use const_oid::ObjectIdentifier;

/// Everything that can go wrong when reading, verifying or building CMS messages.
///
/// Errors about the message as a whole (its structure, its budgets, missing content) are
/// returned from the parsing and verifying functions. Errors about one signer are reported in
/// that signer's [`SignatureStatus::Invalid`](crate::SignatureStatus::Invalid) and carry the
/// signer's index in `signerInfos` (counting from 0), so that one bad signer never hides the
/// others.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    // ----- structure of the message -----
    /// The input is not a well-formed BER/DER encoding of the expected structure.
    #[error("malformed {what} at offset {offset}: {reason}")]
    Malformed {
        /// The structure being read (`"SignedData"`, `"SignerInfo"`, …).
        what: &'static str,
        /// Byte offset in the input where the problem was found.
        offset: usize,
        /// What was wrong.
        reason: String,
    },
    /// The ASN.1 nesting is deeper than [`MAX_NESTING_DEPTH`](crate::budget::MAX_NESTING_DEPTH).
    #[error("ASN.1 nesting deeper than {limit} levels at offset {offset}")]
    NestingTooDeep {
        /// Byte offset of the element that went too deep.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// A count exceeds one of the limits in [`budget`](crate::budget).
    #[error("too many {what} (the limit is {limit})")]
    BudgetExceeded {
        /// What was counted.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The ContentInfo holds a content type other than the one expected.
    #[error("content type is {found}, expected {expected}")]
    UnexpectedContentType {
        /// The content type this operation needs.
        expected: ObjectIdentifier,
        /// The content type found.
        found: ObjectIdentifier,
    },
    /// The SignedData version is not one RFC 5652 §5.1 defines (1, 3, 4 or 5).
    #[error("unsupported SignedData version {version}")]
    UnsupportedVersion {
        /// The version found.
        version: u8,
    },
    /// The SignedData has no SignerInfo (a certs-only message has nothing to verify).
    #[error("the SignedData has no signers")]
    NoSigners,
    /// The SignedData's digestAlgorithms set is empty although it has signers.
    #[error("the SignedData has an empty digestAlgorithms set")]
    NoDigestAlgorithms,
    /// The content is neither encapsulated in the message nor supplied by the caller.
    #[error(
        "no content: the message does not encapsulate its content (detached signature) and none was supplied"
    )]
    NoContent,
    /// Detached content was supplied for a message that encapsulates its own content.
    #[error("content was supplied, but the message already encapsulates its content")]
    ContentSuppliedTwice,
    /// A certificate carried in the message (or supplied by the caller) could not be parsed.
    #[error("certificate {index} in the {source_name}: {reason}")]
    MalformedCertificate {
        /// Position of the certificate in its list, from 0.
        index: usize,
        /// `"message"` or `"caller's list"`.
        source_name: &'static str,
        /// What was wrong.
        reason: String,
    },

    // ----- one signer -----
    /// The Name or serial number inside a signer's issuerAndSerialNumber does not decode
    /// (its outer structure was sound: see [`crate::SignerReport::identifier`]).
    #[error("signer {signer}: malformed issuerAndSerialNumber: {reason}")]
    MalformedSignerIdentifier {
        /// Index of the SignerInfo.
        signer: usize,
        /// What was wrong.
        reason: String,
    },
    /// No certificate (in the message or supplied by the caller) matches the signer identifier.
    #[error("signer {signer}: no certificate matches its signer identifier")]
    SignerCertificateNotFound {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// An algorithm (digest, signature, public key) is not supported.
    #[error("signer {signer}: unsupported {kind}: {algorithm}")]
    UnsupportedAlgorithm {
        /// Index of the SignerInfo.
        signer: usize,
        /// `"digest algorithm"`, `"signature algorithm"` or `"public key"`.
        kind: &'static str,
        /// The algorithm (its OID or name).
        algorithm: String,
    },
    /// The digest and signature algorithms of a signer are malformed, contradict each other,
    /// or do not fit the key.
    #[error("signer {signer}: invalid algorithms: {reason}")]
    InvalidAlgorithms {
        /// Index of the SignerInfo.
        signer: usize,
        /// What contradicts what.
        reason: String,
    },
    /// A mandatory signed attribute is missing (RFC 5652 §5.3: contentType and messageDigest).
    #[error("signer {signer}: the {attribute} attribute is missing")]
    MissingAttribute {
        /// Index of the SignerInfo.
        signer: usize,
        /// The attribute's name.
        attribute: &'static str,
    },
    /// An attribute that must appear at most once appears several times.
    #[error("signer {signer}: the {attribute} attribute appears {count} times")]
    DuplicateAttribute {
        /// Index of the SignerInfo.
        signer: usize,
        /// The attribute's name.
        attribute: &'static str,
        /// How many times it appears.
        count: usize,
    },
    /// An attribute appears where RFC 5652 §11 forbids it (a signingTime among the unsigned
    /// attributes, a countersignature among the signed ones, …).
    #[error(
        "signer {signer}: the {attribute} attribute is not allowed among the {found_in} attributes"
    )]
    MisplacedAttribute {
        /// Index of the SignerInfo.
        signer: usize,
        /// The attribute's name.
        attribute: &'static str,
        /// `"signed"` or `"unsigned"`.
        found_in: &'static str,
    },
    /// A single-valued attribute has zero or several values (RFC 5652 §11).
    #[error(
        "signer {signer}: the {attribute} attribute has {count} values, exactly one is required"
    )]
    AttributeValueCount {
        /// Index of the SignerInfo.
        signer: usize,
        /// The attribute's name.
        attribute: &'static str,
        /// How many values it has.
        count: usize,
    },
    /// An attribute value is malformed.
    #[error("signer {signer}: malformed {attribute} attribute: {reason}")]
    MalformedAttribute {
        /// Index of the SignerInfo.
        signer: usize,
        /// The attribute's name.
        attribute: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The eContentType is not id-data and the signer has no signed attributes (RFC 5652 §5.3).
    #[error(
        "signer {signer}: signed attributes are required when the content type is {econtent_type}"
    )]
    MissingSignedAttributes {
        /// Index of the SignerInfo.
        signer: usize,
        /// The eContentType.
        econtent_type: ObjectIdentifier,
    },
    /// The contentType attribute differs from the eContentType (RFC 5652 §11.1).
    #[error(
        "signer {signer}: the contentType attribute ({attribute}) differs from the eContentType ({econtent_type})"
    )]
    ContentTypeMismatch {
        /// Index of the SignerInfo.
        signer: usize,
        /// The contentType attribute's value.
        attribute: ObjectIdentifier,
        /// The eContentType.
        econtent_type: ObjectIdentifier,
    },
    /// The messageDigest attribute is not the digest of the content.
    #[error("signer {signer}: messageDigest does not match the content")]
    MessageDigestMismatch {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// The signingCertificate(V2) attribute does not identify the certificate whose key
    /// verified the signature (RFC 5035 §5.4).
    #[error(
        "signer {signer}: the signingCertificate attribute does not identify the signer's certificate"
    )]
    SigningCertificateMismatch {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// The signature does not verify with the signer's certificate.
    #[error("signer {signer}: the signature does not verify")]
    BadSignature {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// The cryptographic provider failed.
    #[error("signer {signer}: {source}")]
    Crypto {
        /// Index of the SignerInfo (or of the signer being built).
        signer: usize,
        /// The provider's error.
        source: smime_crypto::Error,
    },

    // ----- building -----
    /// The message to build has no signer.
    #[error("a SignedData needs at least one signer")]
    NoSignerGiven,
    /// SHA-1 is accepted when verifying old mail but never used to sign (RFC 8551 §2.1).
    #[error("signer {signer}: SHA-1 is not allowed for new signatures")]
    Sha1NotAllowed {
        /// Index of the signer being built.
        signer: usize,
    },
    /// The key is too weak to sign with (RSA below 2048 bits).
    #[error("signer {signer}: a {key} key is too weak to sign with (RSA needs at least 2048 bits)")]
    WeakKey {
        /// Index of the signer being built.
        signer: usize,
        /// The key's kind.
        key: String,
    },
    /// The private key does not belong to the certificate.
    #[error("signer {signer}: the private key does not match the certificate's public key")]
    KeyDoesNotMatchCertificate {
        /// Index of the signer being built.
        signer: usize,
    },
    /// A subjectKeyIdentifier was asked for, but the certificate has none.
    #[error("signer {signer}: the certificate has no subjectKeyIdentifier extension")]
    NoSubjectKeyIdentifier {
        /// Index of the signer being built.
        signer: usize,
    },
    /// Signed attributes were turned off for content that is not id-data (RFC 5652 §5.3).
    #[error("signed attributes are required when the content type is {content_type}")]
    SignedAttributesRequired {
        /// The content type.
        content_type: ObjectIdentifier,
    },
    // ----- EnvelopedData and AuthEnvelopedData (RFC 5652 §6, RFC 5083) -----
    /// The EnvelopedData or AuthEnvelopedData version is not one its RFC defines.
    #[error("unsupported {structure} version {version}")]
    UnsupportedEnvelopeVersion {
        /// `"EnvelopedData"` or `"AuthEnvelopedData"`.
        structure: &'static str,
        /// The version found.
        version: u8,
    },
    /// The message has no RecipientInfo (RFC 5652 §6.1: `SET SIZE (1..MAX)`).
    #[error("the message has no RecipientInfos")]
    NoRecipientInfos,
    /// The encryptedContent is absent (it would have to be supplied out of band, which this
    /// library does not support).
    #[error("the message carries no encrypted content")]
    NoEncryptedContent,
    /// The content-encryption algorithm is not supported (for decryption, or for sending).
    #[error("unsupported content encryption: {algorithm}")]
    UnsupportedContentEncryption {
        /// The algorithm (its OID or name), and why it is unsupported when that helps.
        algorithm: String,
    },
    /// The content-encryption AlgorithmIdentifier, or the lengths it implies (IV, nonce,
    /// tag), is malformed.
    #[error("invalid content encryption: {reason}")]
    InvalidContentEncryption {
        /// What was wrong.
        reason: String,
    },
    /// A RecipientInfo's key-management algorithm (key transport, key agreement, KDF, key
    /// wrap, password-based derivation) is not supported.
    #[error("recipient {recipient}: unsupported {kind}: {algorithm}")]
    UnsupportedKeyManagement {
        /// Index of the RecipientInfo (or of the recipient being built).
        recipient: usize,
        /// What kind of algorithm.
        kind: &'static str,
        /// The algorithm (its OID or name).
        algorithm: String,
    },
    /// A RecipientInfo's algorithm identifiers or keys are malformed or contradict each other
    /// (absent or malformed parameters, a key of the wrong length, …).
    #[error("recipient {recipient}: invalid key management: {reason}")]
    InvalidKeyManagement {
        /// Index of the RecipientInfo (or of the recipient being built).
        recipient: usize,
        /// What was wrong.
        reason: String,
    },
    /// No RecipientInfo can be opened with the credentials given (no identifier matches the
    /// certificate or key identifier, or no RecipientInfo of a kind the credentials fit).
    #[error("no RecipientInfo matches the credentials given")]
    NoMatchingRecipient,
    /// The private key given with a certificate does not belong to it.
    #[error("decryption credential {credential}: the private key does not match the certificate")]
    CredentialKeyMismatch {
        /// Position of the credential in the [`DecryptOptions`](crate::DecryptOptions).
        credential: usize,
    },
    /// The content-encryption key did not unwrap: the key-encryption key, the key agreement
    /// or the password is wrong, or the RecipientInfo was changed (AES key wrap integrity
    /// check, RFC 3394 §2.2.3; RFC 3211 check bytes).
    #[error(
        "recipient {recipient}: the content-encryption key does not unwrap (wrong key or password, or a changed message)"
    )]
    KeyUnwrapFailed {
        /// Index of the RecipientInfo.
        recipient: usize,
    },
    /// RSA-OAEP key transport failed to decrypt (wrong key or a changed message). RSA
    /// PKCS #1 v1.5 never reports this: it uses implicit rejection, and a wrong key shows
    /// only as [`Error::ContentAuthenticationFailed`] or [`Error::ContentDecryptionFailed`].
    #[error("recipient {recipient}: the encrypted key does not decrypt")]
    KeyDecryptionFailed {
        /// Index of the RecipientInfo.
        recipient: usize,
    },
    /// The cryptographic provider failed while handling a RecipientInfo.
    #[error("recipient {recipient}: {source}")]
    RecipientCrypto {
        /// Index of the RecipientInfo (or of the recipient being built).
        recipient: usize,
        /// The provider's error.
        source: smime_crypto::Error,
    },
    /// The authenticated content (AES-GCM) did not verify: wrong content-encryption key, or
    /// the ciphertext, nonce, tag or authenticated attributes were changed. No plaintext is
    /// released.
    #[error("the content does not authenticate (wrong key, or the message was changed)")]
    ContentAuthenticationFailed,
    /// CBC content did not decrypt (its padding is wrong): wrong content-encryption key or a
    /// changed message. Deliberately says no more.
    #[error("the content does not decrypt (wrong key, or the message was changed)")]
    ContentDecryptionFailed,
    /// Several content-encryption key candidates decrypt the unauthenticated (CBC) content,
    /// so which one is right cannot be told; name the RecipientInfo with a certificate.
    #[error(
        "{count} RecipientInfos yield a key that decrypts the (unauthenticated) content; give the certificate to choose"
    )]
    AmbiguousRecipients {
        /// How many candidates decrypted.
        count: usize,
    },
    /// The authenticated attributes of an AuthEnvelopedData break RFC 5083 §2.1.
    #[error("authenticated attributes: {reason}")]
    InvalidAuthAttributes {
        /// What was wrong.
        reason: String,
    },
    /// An envelope to build has no recipient.
    #[error("an EnvelopedData needs at least one recipient")]
    NoRecipientGiven,
    /// A recipient's key is too weak to encrypt to (RSA below 2048 bits).
    #[error(
        "recipient {recipient}: a {key} key is too weak to encrypt to (RSA needs at least 2048 bits)"
    )]
    WeakRecipientKey {
        /// Index of the recipient being built.
        recipient: usize,
        /// The key's kind.
        key: String,
    },
    /// A recipient certificate's keyUsage extension does not allow the key management its
    /// key needs (keyEncipherment for RSA, keyAgreement for EC; RFC 8550 §4.4.2).
    #[error("recipient {recipient}: the certificate's keyUsage does not allow {needed}")]
    RecipientKeyUsage {
        /// Index of the recipient being built.
        recipient: usize,
        /// The key usage that is missing.
        needed: &'static str,
    },
    /// A recipient was to be named by subjectKeyIdentifier, but its certificate has none.
    #[error("recipient {recipient}: the certificate has no subjectKeyIdentifier extension")]
    NoRecipientSubjectKeyIdentifier {
        /// Index of the recipient being built.
        recipient: usize,
    },
    /// The recipients' SMIMECapabilities have no content-encryption algorithm in common that
    /// this library sends (RFC 8551 §2.7.3: send separate messages, or choose one).
    #[error("no content-encryption algorithm that every recipient supports: {reason}")]
    NoCommonContentEncryption {
        /// Which recipients announced what.
        reason: String,
    },
    /// DER encoding of a structure failed.
    #[error("DER encoding of {what} failed: {source}")]
    Encoding {
        /// What was being encoded.
        what: &'static str,
        /// The `der` crate's error.
        source: der::Error,
    },
}

impl Error {
    /// A [`Error::Malformed`] with a fixed reason.
    pub(crate) fn malformed(what: &'static str, offset: usize, reason: &str) -> Self {
        Self::Malformed {
            what,
            offset,
            reason: reason.to_owned(),
        }
    }

    /// A [`Error::Malformed`] with a formatted reason.
    pub(crate) fn malformed_owned(what: &'static str, offset: usize, reason: String) -> Self {
        Self::Malformed {
            what,
            offset,
            reason,
        }
    }

    /// A closure that makes a `der::Error` an [`Error::Encoding`].
    pub(crate) fn encoding(what: &'static str) -> impl Fn(der::Error) -> Self {
        move |source| Self::Encoding { what, source }
    }

    /// The index of the RecipientInfo (when decrypting) or of the recipient (when building)
    /// this error is about, if it is about one.
    pub fn recipient(&self) -> Option<usize> {
        match self {
            Self::UnsupportedKeyManagement { recipient, .. }
            | Self::InvalidKeyManagement { recipient, .. }
            | Self::KeyUnwrapFailed { recipient }
            | Self::KeyDecryptionFailed { recipient }
            | Self::RecipientCrypto { recipient, .. }
            | Self::WeakRecipientKey { recipient, .. }
            | Self::RecipientKeyUsage { recipient, .. }
            | Self::NoRecipientSubjectKeyIdentifier { recipient } => Some(*recipient),
            _ => None,
        }
    }

    /// The index of the signer this error is about, if it is about one signer.
    pub fn signer(&self) -> Option<usize> {
        match self {
            Self::SignerCertificateNotFound { signer }
            | Self::MalformedSignerIdentifier { signer, .. }
            | Self::UnsupportedAlgorithm { signer, .. }
            | Self::InvalidAlgorithms { signer, .. }
            | Self::MissingAttribute { signer, .. }
            | Self::DuplicateAttribute { signer, .. }
            | Self::MisplacedAttribute { signer, .. }
            | Self::AttributeValueCount { signer, .. }
            | Self::MalformedAttribute { signer, .. }
            | Self::MissingSignedAttributes { signer, .. }
            | Self::ContentTypeMismatch { signer, .. }
            | Self::MessageDigestMismatch { signer }
            | Self::SigningCertificateMismatch { signer }
            | Self::BadSignature { signer }
            | Self::Crypto { signer, .. }
            | Self::Sha1NotAllowed { signer }
            | Self::WeakKey { signer, .. }
            | Self::KeyDoesNotMatchCertificate { signer }
            | Self::NoSubjectKeyIdentifier { signer } => Some(*signer),
            _ => None,
        }
    }
}
