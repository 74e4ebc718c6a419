//! The error type of the facade: every layer's error, plus what only the facade knows.

/// Everything that can go wrong when signing, encrypting or opening a message.
///
/// The layers' own errors are kept whole (with `From` conversions), so a caller can match on
/// them; the variants of this crate cover what only the facade checks before any work is
/// done (a key that does not belong to its certificate, a certificate that may not be used
/// the way it is asked to, a message encrypted to none of the given keys).
///
/// Problems with *one* signature inside a message that could be read — a bad signature, an
/// untrusted chain, a From address that does not match — are not errors: they are in the
/// [`Report`](crate::Report), next to the signer they concern.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A key could not be loaded, or a cryptographic operation failed.
    #[error(transparent)]
    Crypto(#[from] smime_crypto::Error),
    /// A certificate could not be loaded or read.
    #[error(transparent)]
    Certificate(#[from] smime_x509::Error),
    /// The CMS layer rejected a structure (parse, verify, build, decrypt).
    #[error(transparent)]
    Cms(#[from] smime_cms::Error),
    /// The MIME layer rejected the message.
    #[error(transparent)]
    Mime(#[from] smime_mime::Error),
    /// Trust anchors, CRLs or the validator configuration could not be used.
    #[error(transparent)]
    Path(#[from] smime_path::Error),
    /// A PKCS #12 file could not be opened or written.
    #[error(transparent)]
    Pkcs12(#[from] smime_pkcs12::Error),
    /// A streaming operation failed: reading or writing, malformed BER, a budget exceeded,
    /// or the CMS or crypto layer below it (see [`stream`](crate::stream)).
    #[error(transparent)]
    Stream(#[from] smime_stream::Error),
    /// The private key is not the key of the certificate it was paired with.
    #[error(
        "the private key does not belong to the certificate \"{subject}\" (its public key is a different {certificate_key} key)"
    )]
    KeyMismatch {
        /// Subject of the certificate.
        subject: String,
        /// The certificate's key kind (`RSA-2048`, `EC P-256`).
        certificate_key: String,
    },
    /// A certificate may not be used for what it was asked to do (its keyUsage or
    /// extendedKeyUsage forbids it, or its key type cannot do it).
    #[error("the certificate \"{subject}\" cannot be used for {operation}: {reason}")]
    CertificateNotUsable {
        /// Subject of the certificate.
        subject: String,
        /// `"signing"` or `"encryption"`.
        operation: &'static str,
        /// What forbids it.
        reason: String,
    },
    /// An option is not valid with the key or the other options (RSA-PSS with an EC key,
    /// SHA-1 for a new signature, no recipient, …).
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// The message is encrypted and no decryption key was given.
    #[error("the message is encrypted ({path}) and no decryption key was given")]
    NoDecryptionKey {
        /// Where the encrypted part is (`/` for the whole message).
        path: String,
    },
    /// The message is encrypted, and none of the given keys is one of its recipients.
    #[error(
        "the message ({path}) is not encrypted to any of the given keys ({keys}); its recipients: {recipients}"
    )]
    NotARecipient {
        /// Where the encrypted part is.
        path: String,
        /// The subjects of the certificates whose keys were tried.
        keys: String,
        /// The recipients the message names (issuer and serial number, or key identifier).
        recipients: String,
    },
    /// Decryption failed: a wrong key for a recipient entry, or a corrupted or tampered
    /// message. Deliberately says no more (see the security notes of `smime-cms`).
    #[error("the message ({path}) could not be decrypted: {reason}")]
    DecryptionFailed {
        /// Where the encrypted part is.
        path: String,
        /// What the CMS layer reported.
        reason: String,
    },
    /// The input is not what the operation expects (not a MIME entity, not CMS, …).
    #[error("{0}")]
    InvalidInput(String),
}
