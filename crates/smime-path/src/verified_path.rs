//! The result of a successful validation.

use const_oid::ObjectIdentifier;
use der::DateTime;

use crate::certificate::PathCertificate;
use smime_x509::{Mailbox, ValidationLevel};

use crate::mailbox::AddressCheck;
use crate::purpose::Purpose;
use crate::revocation::RevocationStatus;

/// A certification path that passed validation: RFC 5280 §6.1 to a trust anchor, revocation as
/// configured, the S/MIME purpose, and (when enforced) the mailbox binding.
///
/// Only [`Validator::validate`](crate::Validator::validate) makes one: holding a `VerifiedPath`
/// is proof that those checks passed at [`VerifiedPath::time`].
#[derive(Clone, Debug)]
pub struct VerifiedPath {
    pub(crate) leaf: PathCertificate,
    pub(crate) leaf_certificate: smime_x509::Certificate,
    pub(crate) intermediates: Vec<PathCertificate>,
    pub(crate) anchor: PathCertificate,
    pub(crate) policies: Vec<ObjectIdentifier>,
    pub(crate) validation_level: Option<ValidationLevel>,
    pub(crate) revocation: Vec<RevocationStatus>,
    pub(crate) mailboxes: Vec<Mailbox>,
    pub(crate) address: AddressCheck,
    pub(crate) purpose: Purpose,
    pub(crate) time: DateTime,
}

impl VerifiedPath {
    /// The validated certificate.
    pub fn leaf(&self) -> &PathCertificate {
        &self.leaf
    }

    /// The validated certificate, read for its S/MIME facts (mailboxes, key usage,
    /// capabilities, …).
    pub fn leaf_certificate(&self) -> &smime_x509::Certificate {
        &self.leaf_certificate
    }

    /// The intermediate CA certificates, the leaf's issuer first.
    pub fn intermediates(&self) -> &[PathCertificate] {
        &self.intermediates
    }

    /// The trust anchor the path ends at.
    pub fn anchor(&self) -> &PathCertificate {
        &self.anchor
    }

    /// The certificates from the leaf to the trust anchor, both included.
    pub fn certificates(&self) -> impl Iterator<Item = &PathCertificate> {
        core::iter::once(&self.leaf)
            .chain(self.intermediates.iter())
            .chain(core::iter::once(&self.anchor))
    }

    /// The certificate policies valid for the path (RFC 5280 §6.1.5 (g): the valid_policy values
    /// at the leaf's depth of the valid policy tree, intersected with the initial policy set). May
    /// contain anyPolicy; empty when no policy is valid and none was required.
    pub fn policies(&self) -> &[ObjectIdentifier] {
        &self.policies
    }

    /// The CA/Browser Forum S/MIME validation level, when the leaf asserts one of the S/MIME BR
    /// policies and that policy is valid for the path.
    pub fn validation_level(&self) -> Option<ValidationLevel> {
        self.validation_level
    }

    /// Revocation status of the leaf.
    pub fn revocation_status(&self) -> RevocationStatus {
        self.revocation
            .first()
            .copied()
            .unwrap_or(RevocationStatus::NotChecked)
    }

    /// Revocation status of every certificate below the anchor: the leaf first, then the
    /// intermediates in the order of [`VerifiedPath::intermediates`].
    pub fn revocation_statuses(&self) -> &[RevocationStatus] {
        &self.revocation
    }

    /// True when the status of every certificate below the anchor was established as good.
    pub fn revocation_checked(&self) -> bool {
        self.revocation
            .iter()
            .all(|s| matches!(s, RevocationStatus::Good(_)))
    }

    /// Every mailbox entry of the leaf (rfc822Name and SmtpUTF8Mailbox subjectAltNames, then
    /// subject emailAddress attributes), malformed ones included.
    pub fn mailboxes(&self) -> &[Mailbox] {
        &self.mailboxes
    }

    /// The outcome of the mailbox check for the address given, if any.
    pub fn address_check(&self) -> &AddressCheck {
        &self.address
    }

    /// The purpose the path was validated for.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// The validation time.
    pub fn time(&self) -> DateTime {
        self.time
    }
}
