//! The error type of this crate.

/// What went wrong in a cryptographic operation or while loading a key.
///
/// Decryption errors are deliberately coarse: they never say *why* a ciphertext was rejected.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The algorithm (or parameter set) is not supported by this provider.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// The key is of a type we do not support (the string names what was found).
    #[error("unsupported key type: {0}")]
    UnsupportedKey(String),
    /// The key file or key encoding is malformed.
    #[error("malformed key: {0}")]
    MalformedKey(String),
    /// No key was found in the given file (for example a PEM file with no key block).
    #[error("no private key found (found: {0})")]
    NoKeyFound(String),
    /// An encrypted private key needs a password and none was given.
    #[error("the private key is encrypted and needs a password")]
    PasswordRequired,
    /// An encrypted private key could not be decrypted (wrong password or corrupt data).
    #[error("wrong password or corrupt encrypted private key")]
    KeyDecryption,
    /// The key cannot be used with the requested algorithm (e.g. an EC key for RSA-PSS).
    #[error("a {key} key cannot be used for {operation}")]
    KeyMismatch {
        /// The key's kind.
        key: String,
        /// The operation that was asked for.
        operation: &'static str,
    },
    /// An input has the wrong length.
    #[error("invalid length of {what}: {len} bytes")]
    InvalidLength {
        /// What the input is ("digest", "AES-GCM nonce", "wrapped key", …).
        what: &'static str,
        /// The length that was given.
        len: usize,
    },
    /// A signature did not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// Authenticated decryption or key unwrap failed its integrity check.
    #[error("integrity check failed (authentication tag or key wrap)")]
    IntegrityCheckFailed,
    /// Decryption failed (bad padding or a bad ciphertext). Deliberately says no more.
    #[error("decryption failed")]
    DecryptionFailed,
    /// The system random number generator failed.
    #[error("random number generator failed")]
    Rng,
    /// An input exceeds one of this crate's resource budgets (file size, PBKDF2 iterations,
    /// scrypt cost): refused before any expensive work is done.
    #[error("{what} exceeds the limit: {found} > {limit}")]
    LimitExceeded {
        /// What was measured ("key file size", "PBKDF2 iteration count", …).
        what: &'static str,
        /// The largest value accepted.
        limit: u64,
        /// The value found in the input.
        found: u64,
    },
    /// An `AlgorithmIdentifier` is malformed or its parameters are not what the
    /// algorithm's standard allows (the string says which algorithm and what is wrong).
    #[error("malformed algorithm identifier: {0}")]
    MalformedAlgorithmIdentifier(String),
    /// Any other failure inside the cryptographic backend.
    #[error("crypto backend error: {0}")]
    Backend(String),
}
