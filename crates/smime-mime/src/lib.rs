#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod budget;
pub mod canonical;
pub mod encryption;
pub mod entity;
mod error;
mod find;
mod header;
pub mod message;
pub mod multipart_signed;
mod open;
pub mod pkcs7_mime;
pub mod report;

pub use encryption::{CmsDecryptor, CmsEncryptor, Decrypted, Decryptor, Encryptor};
pub use entity::{Body, Entity, Multipart, PartPath, PathStep, TransferEncoding};
pub use error::Error;
pub use find::{Found, FoundKind, find};
pub use header::ContentType;
pub use message::{HeaderSelection, MessageBuilder};
pub use open::{OpenOptions, open};
pub use report::{
    Coverage, Decryption, EncryptionReport, FromMatch, LineEnds, PartKind, PartReport, Report,
    SignatureForm, SignatureReport,
};
