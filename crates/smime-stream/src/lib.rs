#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod ber;
pub mod budget;
pub mod content_encryption;
pub mod enveloped_data;
mod error;
pub mod mime;
pub mod signed_data;

pub use enveloped_data::{EnvelopeStream, StreamDecrypted, decrypt, decrypt_unverified};
pub use error::Error;
pub use signed_data::{SignedDataStream, StreamVerification, verify, verify_detached};
pub use smime_cms::stream_support::StreamCredentials;
