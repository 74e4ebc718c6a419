//! Mailbox binding: whether a given address (typically the message's From) is one of the
//! certificate's mailboxes (RFC 8550 §3, RFC 9598 §5), read with [`smime_x509::Certificate`].

use smime_x509::{Certificate, Mailbox};

use crate::error::Error;

/// The outcome of checking an address against the leaf certificate's mailboxes.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressCheck {
    /// No address was given, so none was checked.
    NotChecked,
    /// The address is one of the certificate's: this is the mailbox entry that matched.
    Matched(Mailbox),
    /// The address is not among the certificate's, or is not an address at all. Only
    /// reported when the check is not enforced; enforced, it is
    /// [`Error::AddressMismatch`](crate::Error::AddressMismatch).
    Mismatch {
        /// The address that was checked.
        address: String,
    },
}

/// The certificate's mailboxes and the outcome for `address`.
pub(crate) fn check(
    certificate: &Certificate,
    address: Option<&str>,
    enforce: bool,
) -> Result<(Vec<Mailbox>, AddressCheck), Error> {
    let mailboxes = certificate.mailboxes()?;
    let Some(address) = address else {
        return Ok((mailboxes, AddressCheck::NotChecked));
    };
    let matched = certificate
        .match_address(address)
        .ok()
        .and_then(|m| m.matched().cloned());
    match matched {
        Some(mailbox) => Ok((mailboxes, AddressCheck::Matched(mailbox))),
        None if enforce => Err(Error::AddressMismatch {
            subject: certificate.subject().to_string(),
            address: address.to_string(),
            certificate_addresses: mailboxes
                .iter()
                .map(|m| match m.address() {
                    Ok(a) => a.to_string(),
                    Err(_) => m.to_string(),
                })
                .collect(),
        }),
        None => Ok((
            mailboxes,
            AddressCheck::Mismatch {
                address: address.to_string(),
            },
        )),
    }
}
