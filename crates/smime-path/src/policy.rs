//! The certificate-policy inputs of RFC 5280 §6.1.1 (c), (f), (g), (h) and (i).

use std::collections::BTreeSet;

use const_oid::ObjectIdentifier;

/// anyPolicy (RFC 5280 §4.2.1.4).
pub const ANY_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32.0");

/// Certificate-policy settings of a validation. The default is RFC 5280's: any policy is
/// acceptable and none is required.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySettings {
    /// user-initial-policy-set: the policies acceptable to the caller (default {anyPolicy}).
    pub initial_policy_set: BTreeSet<ObjectIdentifier>,
    /// initial-explicit-policy: the path must be valid for at least one policy of the set.
    pub require_explicit_policy: bool,
    /// initial-policy-mapping-inhibit: policy mapping is not permitted.
    pub inhibit_policy_mapping: bool,
    /// initial-any-policy-inhibit: anyPolicy in a certificate is not honoured.
    pub inhibit_any_policy: bool,
}

impl Default for PolicySettings {
    fn default() -> Self {
        Self {
            initial_policy_set: BTreeSet::from([ANY_POLICY]),
            require_explicit_policy: false,
            inhibit_policy_mapping: false,
            inhibit_any_policy: false,
        }
    }
}

impl PolicySettings {
    /// Settings requiring one of `policies` explicitly (initial-explicit-policy set).
    pub fn require(policies: impl IntoIterator<Item = ObjectIdentifier>) -> Self {
        Self {
            initial_policy_set: policies.into_iter().collect(),
            require_explicit_policy: true,
            ..Self::default()
        }
    }
}
