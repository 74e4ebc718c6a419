#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod builder;
pub mod capabilities;
mod certificate;
mod error;
pub mod extended_key_usage;
mod idna;
pub mod key_usage;
mod load;
pub mod mailbox;
pub mod validation_level;
mod validity;

pub use capabilities::{SMIME_CAPABILITIES, SmimeCapabilities, SmimeCapability};
pub use certificate::Certificate;
pub use error::{Error, Location};
pub use extended_key_usage::EmailProtection;
pub use key_usage::{KeyManagement, KeyUsage};
pub use load::{MAX_CERTIFICATES, MAX_INPUT_LEN, load_certificates};
pub use mailbox::{AddressMatch, EmailAddress, Mailbox, MailboxDefect, MailboxSource};
pub use validation_level::{Generation, ValidationLevel, ValidationType};
pub use validity::ValidityStatus;

// The types of our public API come from these crates; re-exported so that users name the same
// versions.
pub use const_oid::ObjectIdentifier;
pub use der;
pub use x509_cert;
