#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod algorithm_identifier;
pub mod attributes;
pub mod auth_enveloped_data;
mod ber;
pub mod budget;
mod certificate;
pub mod certs_only;
pub mod content_encryption;
pub mod content_info;
pub mod envelope;
pub mod enveloped_data;
mod error;
mod kdf;
pub mod recipient;
pub mod signed_data;
pub mod signer_info;
pub mod stream_support;

pub use content_encryption::ContentEncryption;
pub use content_info::ContentInfo;
pub use envelope::{
    DecryptOptions, Decrypted, Envelope, EnvelopeBuilder, EnvelopeKind, decrypt, encrypt,
};
pub use error::Error;
pub use recipient::{
    KeyManagement, KeyWrap, PreparedRecipient, RecipientBuilder, RecipientIdentifier,
};
pub use signed_data::{SignedData, SignedDataBuilder, Verification, VerifyOptions, verify};
pub use signer_info::{
    SignatureStatus, SignerBuilder, SignerCertificate, SignerIdentifier, SignerReport,
    ValidSignature,
};

/// Re-exported so that callers name the same certificate type.
pub use x509_cert::Certificate;
