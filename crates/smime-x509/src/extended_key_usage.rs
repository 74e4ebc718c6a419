//! The extended key usage extension (RFC 5280 §4.2.1.12) and the S/MIME verdict on it
//! (RFC 8550 §4.4.4).

use core::fmt;

use const_oid::ObjectIdentifier;

/// `id-kp-emailProtection` (1.3.6.1.5.5.7.3.4).
pub const ID_KP_EMAIL_PROTECTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");

/// `anyExtendedKeyUsage` (2.5.29.37.0).
pub const ANY_EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");

/// Whether a certificate's extended key usage allows S/MIME (RFC 8550 §4.4.4): no extension
/// at all, `id-kp-emailProtection`, or `anyExtendedKeyUsage` are acceptable; an extension that
/// lists only other purposes (`serverAuth`, `codeSigning`, …) is not.
///
/// Only [`Certificate::email_protection`](crate::Certificate::email_protection) builds it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EmailProtection {
    /// The certificate has no extended key usage extension: no restriction.
    NoRestriction,
    /// The extension lists `id-kp-emailProtection`.
    EmailProtection,
    /// The extension lists `anyExtendedKeyUsage` (and not `id-kp-emailProtection`).
    AnyExtendedKeyUsage,
    /// The extension lists neither: the certificate is not for e-mail.
    NotPermitted,
}

impl EmailProtection {
    /// The verdict for an extended key usage extension (`None` when the extension is absent).
    pub(crate) fn from_purposes(purposes: Option<&[ObjectIdentifier]>) -> Self {
        match purposes {
            None => Self::NoRestriction,
            Some(p) if p.contains(&ID_KP_EMAIL_PROTECTION) => Self::EmailProtection,
            Some(p) if p.contains(&ANY_EXTENDED_KEY_USAGE) => Self::AnyExtendedKeyUsage,
            Some(_) => Self::NotPermitted,
        }
    }

    /// Whether the certificate may be used for S/MIME.
    pub const fn is_permitted(self) -> bool {
        !matches!(self, Self::NotPermitted)
    }
}

impl fmt::Display for EmailProtection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoRestriction => "permitted (no extended key usage extension)",
            Self::EmailProtection => "permitted (emailProtection)",
            Self::AnyExtendedKeyUsage => "permitted (anyExtendedKeyUsage)",
            Self::NotPermitted => "not permitted (extended key usage lacks emailProtection)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let server_auth = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
        assert_eq!(
            EmailProtection::from_purposes(None),
            EmailProtection::NoRestriction
        );
        assert_eq!(
            EmailProtection::from_purposes(Some(&[server_auth, ID_KP_EMAIL_PROTECTION])),
            EmailProtection::EmailProtection
        );
        assert_eq!(
            EmailProtection::from_purposes(Some(&[ANY_EXTENDED_KEY_USAGE])),
            EmailProtection::AnyExtendedKeyUsage
        );
        let only_server = EmailProtection::from_purposes(Some(&[server_auth]));
        assert_eq!(only_server, EmailProtection::NotPermitted);
        assert!(!only_server.is_permitted());
        assert!(!EmailProtection::from_purposes(Some(&[])).is_permitted());
        assert!(EmailProtection::NoRestriction.is_permitted());
    }
}
