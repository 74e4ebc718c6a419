//! The CA/Browser Forum S/MIME Baseline Requirements validation level of a certificate.
//!
//! The S/MIME Baseline Requirements (§7.1.6.1) reserve twelve certificate-policy identifiers
//! under `2.23.140.1.5`: the fourth arc is the *validation type* (how the CA checked who the
//! subject is), the fifth the *generation* (which certificate profile applies):
//!
//! | OID | Meaning |
//! |---|---|
//! | `2.23.140.1.5.1.{1,2,3}` | Mailbox-validated, legacy / multipurpose / strict |
//! | `2.23.140.1.5.2.{1,2,3}` | Organization-validated, … |
//! | `2.23.140.1.5.3.{1,2,3}` | Sponsor-validated, … |
//! | `2.23.140.1.5.4.{1,2,3}` | Individual-validated, … |

use core::fmt;

use const_oid::ObjectIdentifier;

/// How the issuing CA validated the subject (the fourth arc of the policy OID).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValidationType {
    /// Mailbox-validated: only control of the mailbox was checked (`2.23.140.1.5.1`).
    MailboxValidated,
    /// Organization-validated: the subject is a legal entity (`2.23.140.1.5.2`).
    OrganizationValidated,
    /// Sponsor-validated: a natural person affiliated with a validated organization
    /// (`2.23.140.1.5.3`).
    SponsorValidated,
    /// Individual-validated: a natural person, identity verified (`2.23.140.1.5.4`).
    IndividualValidated,
}

impl ValidationType {
    const ALL: [Self; 4] = [
        Self::MailboxValidated,
        Self::OrganizationValidated,
        Self::SponsorValidated,
        Self::IndividualValidated,
    ];

    /// The arc under `2.23.140.1.5` that names this type.
    const fn arc(self) -> u32 {
        match self {
            Self::MailboxValidated => 1,
            Self::OrganizationValidated => 2,
            Self::SponsorValidated => 3,
            Self::IndividualValidated => 4,
        }
    }

    /// The name used in the Baseline Requirements ("Sponsor-validated").
    pub const fn name(self) -> &'static str {
        match self {
            Self::MailboxValidated => "Mailbox-validated",
            Self::OrganizationValidated => "Organization-validated",
            Self::SponsorValidated => "Sponsor-validated",
            Self::IndividualValidated => "Individual-validated",
        }
    }
}

impl fmt::Display for ValidationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which certificate profile of the Baseline Requirements applies (the fifth arc).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Generation {
    /// Legacy: the most permissive profile, for existing practice (`.1`).
    Legacy,
    /// Multipurpose: allows some extra extended key usages (`.2`).
    Multipurpose,
    /// Strict: the long-term target profile (`.3`).
    Strict,
}

impl Generation {
    const ALL: [Self; 3] = [Self::Legacy, Self::Multipurpose, Self::Strict];

    const fn arc(self) -> u32 {
        match self {
            Self::Legacy => 1,
            Self::Multipurpose => 2,
            Self::Strict => 3,
        }
    }

    /// The lower-case name used in the Baseline Requirements ("strict").
    pub const fn name(self) -> &'static str {
        match self {
            Self::Legacy => "legacy",
            Self::Multipurpose => "multipurpose",
            Self::Strict => "strict",
        }
    }
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The root of the reserved S/MIME policy identifiers: `2.23.140.1.5`.
pub const SMIME_BR_POLICY_ROOT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.140.1.5");

/// A CA/Browser Forum S/MIME validation level: validation type and generation.
///
/// ```
/// use smime_x509::{Generation, ValidationLevel, ValidationType};
/// use const_oid::ObjectIdentifier;
///
/// let oid = ObjectIdentifier::new_unwrap("2.23.140.1.5.3.3");
/// let level = ValidationLevel::from_policy(&oid).unwrap();
/// assert_eq!(level.kind, ValidationType::SponsorValidated);
/// assert_eq!(level.generation, Generation::Strict);
/// assert_eq!(level.to_string(), "Sponsor-validated, strict");
/// assert_eq!(level.policy_oid(), oid);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValidationLevel {
    /// How the subject was validated.
    pub kind: ValidationType,
    /// Which certificate profile applies.
    pub generation: Generation,
}

impl ValidationLevel {
    /// The level named by a certificate-policy OID, or `None` if the OID is not one of the
    /// twelve reserved S/MIME BR policy identifiers.
    pub fn from_policy(oid: &ObjectIdentifier) -> Option<Self> {
        // Exactly two arcs below the root: the grandparent is the root.
        if oid.parent()?.parent()? != SMIME_BR_POLICY_ROOT {
            return None;
        }
        let mut arcs = oid.arcs().skip(SMIME_BR_POLICY_ROOT.len());
        let (type_arc, generation_arc) = (arcs.next()?, arcs.next()?);
        let kind = ValidationType::ALL
            .into_iter()
            .find(|t| t.arc() == type_arc)?;
        let generation = Generation::ALL
            .into_iter()
            .find(|g| g.arc() == generation_arc)?;
        Some(Self { kind, generation })
    }

    /// The reserved policy OID of this level (`2.23.140.1.5.<type>.<generation>`).
    pub fn policy_oid(self) -> ObjectIdentifier {
        // The root plus two small arcs always fits in an OID: the fallback is never taken.
        SMIME_BR_POLICY_ROOT
            .push_arc(self.kind.arc())
            .and_then(|oid| oid.push_arc(self.generation.arc()))
            .unwrap_or(SMIME_BR_POLICY_ROOT)
    }
}

impl fmt::Display for ValidationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.kind, self.generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_twelve_policies_round_trip() {
        let mut seen = 0;
        for t in 1..=4u32 {
            for g in 1..=3u32 {
                let oid: ObjectIdentifier = format!("2.23.140.1.5.{t}.{g}").parse().unwrap();
                let level = ValidationLevel::from_policy(&oid).unwrap();
                assert_eq!(level.policy_oid(), oid);
                seen += 1;
            }
        }
        assert_eq!(seen, 12);
        let oid = ObjectIdentifier::new_unwrap("2.23.140.1.5.1.1");
        assert_eq!(
            ValidationLevel::from_policy(&oid).unwrap().to_string(),
            "Mailbox-validated, legacy"
        );
        let oid = ObjectIdentifier::new_unwrap("2.23.140.1.5.2.2");
        assert_eq!(
            ValidationLevel::from_policy(&oid).unwrap().to_string(),
            "Organization-validated, multipurpose"
        );
        let oid = ObjectIdentifier::new_unwrap("2.23.140.1.5.4.3");
        assert_eq!(
            ValidationLevel::from_policy(&oid).unwrap().to_string(),
            "Individual-validated, strict"
        );
    }

    #[test]
    fn other_policies_are_not_levels() {
        for s in [
            "2.23.140.1.5",
            "2.23.140.1.5.1",
            "2.23.140.1.5.0.1",
            "2.23.140.1.5.5.1",
            "2.23.140.1.5.1.0",
            "2.23.140.1.5.1.4",
            "2.23.140.1.5.1.1.1",
            "2.23.140.1.2.1",
            "2.23.140.1.6.1.1",
            "2.16.840.1.101.3.2.1.48.1",
            "2.5.29.32.0",
        ] {
            let oid: ObjectIdentifier = s.parse().unwrap();
            assert_eq!(ValidationLevel::from_policy(&oid), None, "{s}");
        }
    }
}
