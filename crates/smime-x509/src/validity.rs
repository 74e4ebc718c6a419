//! A certificate's validity period (RFC 5280 §4.1.2.5) checked at a given time.

use core::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where a time falls in a certificate's validity period. Built by
/// [`Certificate::validity_at`](crate::Certificate::validity_at).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValidityStatus {
    /// notBefore ≤ time ≤ notAfter (both bounds inclusive, RFC 5280 §4.1.2.5).
    Valid,
    /// The time is before notBefore.
    NotYetValid {
        /// The certificate's notBefore.
        not_before: SystemTime,
    },
    /// The time is after notAfter.
    Expired {
        /// The certificate's notAfter.
        not_after: SystemTime,
    },
}

impl ValidityStatus {
    pub(crate) fn at(time: SystemTime, not_before: SystemTime, not_after: SystemTime) -> Self {
        if time < not_before {
            Self::NotYetValid { not_before }
        } else if time > not_after {
            Self::Expired { not_after }
        } else {
            Self::Valid
        }
    }

    /// Whether the time is within the validity period.
    pub const fn is_valid(self) -> bool {
        matches!(self, Self::Valid)
    }
}

impl fmt::Display for ValidityStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Valid => f.write_str("within the validity period"),
            Self::NotYetValid { not_before } => {
                write!(f, "not yet valid (notBefore {})", UnixSeconds(*not_before))
            }
            Self::Expired { not_after } => {
                write!(f, "expired (notAfter {})", UnixSeconds(*not_after))
            }
        }
    }
}

/// Shows a time as an RFC 3339 UTC timestamp when `der` can represent it (1970–9999).
struct UnixSeconds(SystemTime);

impl fmt::Display for UnixSeconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = self
            .0
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|d| der::DateTime::from_unix_duration(d).ok());
        match date {
            Some(date) => write!(f, "{date}"),
            None => write!(f, "{:?}", self.0),
        }
    }
}
