#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod algorithm_identifier;
pub mod attributes;
mod ber;
pub mod budget;
pub mod certs_only;
pub mod content_info;
mod error;
pub mod signed_data;
pub mod signer_info;

pub use content_info::ContentInfo;
pub use error::Error;
pub use signed_data::{SignedData, SignedDataBuilder, Verification, VerifyOptions, verify};
pub use signer_info::{
    SignatureStatus, SignerBuilder, SignerIdentifier, SignerReport, ValidSignature,
};

/// Re-exported so that callers name the same certificate type.
pub use x509_cert::Certificate;
