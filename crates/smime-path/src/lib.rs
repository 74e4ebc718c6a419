#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod budget;
mod certificate;
mod crl;
mod error;
mod mailbox;
mod path_building;
mod policy;
mod purpose;
mod revocation;
mod signature;
mod trust_anchor;
mod validator;
mod verified_path;

pub use budget::{
    BudgetKind, Limits, MAX_BUILD_CALLS, MAX_INTERMEDIATES, MAX_NAME_CONSTRAINT_COMPARISONS,
    MAX_POOL_CERTIFICATES, MAX_REVOCATION_OBJECTS, MAX_SIGNATURE_CHECKS,
};
pub use certificate::PathCertificate;
pub use error::{Error, PathFailure, Position};
pub use mailbox::AddressCheck;
pub use policy::{ANY_POLICY, PolicySettings};
pub use purpose::{Purpose, PurposeMismatch};
pub use revocation::{RevocationReason, RevocationStatus, StatusSource};
pub use trust_anchor::TrustAnchors;
pub use validator::{MAX_CANDIDATE_PATHS, Target, Validator, ValidatorBuilder};
pub use verified_path::VerifiedPath;

// The S/MIME facts of certificates come from smime-x509; re-exported so that users name the
// same types.
pub use smime_x509::{Generation, Mailbox, MailboxSource, ValidationLevel, ValidationType};

#[cfg(test)]
mod tests {
    /// A validator is shared between threads (a mail client validates messages in parallel).
    #[test]
    fn validator_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::Validator>();
        assert_send_sync::<crate::VerifiedPath>();
        assert_send_sync::<crate::Error>();
    }
}
