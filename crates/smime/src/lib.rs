#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod batch;
mod enveloped;
mod error;
mod keys;
pub mod message;
mod open;
mod recipient;
pub mod report;
mod signer;
pub mod stream;
mod trust;

pub use batch::Batch;
pub use error::Error;
pub use keys::{KeyPair, Keys};
pub use open::{MAX_CHAIN_VALIDATIONS, decrypt, decrypt_cms, open, open_cms};
pub use recipient::{ContentCipher, Encryption, Recipient};
pub use report::{
    AddressVerdict, ChainVerdict, NotEvaluatedReason, Problem, Report, SignatureVerdict,
    SignerReport,
};
pub use signer::{Signer, SignerBuilder, SigningMode};
pub use trust::{Trust, TrustBuilder, ValidationTime};

// The types of the API come from the layers; re-exported so that users need one dependency
// and name the same versions.
pub use smime_cms as cms;
pub use smime_crypto as crypto;
pub use smime_mime as mime;
pub use smime_mime::{Coverage, Decrypted, HeaderSelection, PartPath};
pub use smime_path as path;
pub use smime_pkcs12 as pkcs12;
pub use smime_x509 as x509;
pub use smime_x509::Certificate;

/// Signs a message (or MIME entity, or plain text) with `signer`: a `multipart/signed` by
/// default, or an opaque `signed-data` (see [`SignerBuilder::mode`]).
///
/// # Errors
/// See [`Signer::sign`].
pub fn sign(message: &[u8], signer: &Signer) -> Result<Vec<u8>, Error> {
    signer.sign(message)
}

/// Encrypts a message to `recipients` with AES-256-GCM (see [`Encryption`] for the options).
///
/// # Errors
/// See [`Encryption::encrypt`]; [`Error::InvalidOption`] when `recipients` is empty.
pub fn encrypt(message: &[u8], recipients: &[Recipient]) -> Result<Vec<u8>, Error> {
    Encryption::new(recipients.iter().cloned())?.encrypt(message)
}

/// Signs a message with `signer`, then encrypts it to `recipients` with AES-256-GCM.
///
/// # Errors
/// See [`Encryption::sign_and_encrypt`].
pub fn sign_and_encrypt(
    message: &[u8],
    signer: &Signer,
    recipients: &[Recipient],
) -> Result<Vec<u8>, Error> {
    Encryption::new(recipients.iter().cloned())?.sign_and_encrypt(message, signer)
}

#[cfg(test)]
mod tests {
    /// Signers, encryptions and trust are shared between threads (the batch API does).
    #[test]
    fn shared_types_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::Signer>();
        assert_send_sync::<crate::Encryption>();
        assert_send_sync::<crate::Recipient>();
        assert_send_sync::<crate::Keys>();
        assert_send_sync::<crate::Trust>();
        assert_send_sync::<crate::Report>();
    }
}
