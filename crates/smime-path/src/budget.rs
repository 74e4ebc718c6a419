//! Budgets that bound the work one validation may do, whatever the input.
//!
//! Path building over a pool of certificates is super-linear: a pool of certificates that share
//! one subject name, or cross-certify each other, can make a naive builder try a factorial number
//! of paths (CVE-2018-16875 in Go's crypto/x509 is the classic case). Every validation therefore
//! runs under a [`Limits`] budget; when one of its counters runs out, validation stops with
//! [`Error::BudgetExceeded`](crate::Error::BudgetExceeded) instead of running on.

use core::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Signature verifications per validation (path building, path validation, CRLs and OCSP
/// responses together).
///
/// Origin: rustls-webpki `Budget::signatures` (`src/verify_cert.rs`), itself taken from the
/// remediation of Go CVE-2018-16875.
pub const MAX_SIGNATURE_CHECKS: usize = 100;

/// Candidate steps of path building per validation: each time the builder considers a
/// certificate as the next link of a candidate path counts once.
///
/// Origin: rustls-webpki `Budget::build_chain_calls`, taken from mozilla::pkix
/// (`lib/mozpkix/lib/pkixbuild.cpp`).
pub const MAX_BUILD_CALLS: usize = 200_000;

/// Comparisons of a name against a name-constraint subtree per validation.
///
/// Origin: rustls-webpki `Budget::name_constraint_comparisons`, taken from the default of Go
/// crypto/x509 (`verify.go`, `maxConstraintComparisons`).
pub const MAX_NAME_CONSTRAINT_COMPARISONS: usize = 250_000;

/// Intermediate CA certificates in one path (the leaf and the trust anchor not counted).
///
/// Origin: rustls-webpki `MAX_SUB_CA_COUNT` (6). Real S/MIME hierarchies use one to three.
pub const MAX_INTERMEDIATES: usize = 6;

/// Certificates in the pool a path is built from (message certificates plus caller-supplied).
///
/// Origin: ours. A message carries the signer's chain, a handful of certificates; a caller's
/// intermediate store a few hundred. Every pool certificate is parsed, so the pool is bounded
/// before any work is done.
pub const MAX_POOL_CERTIFICATES: usize = 1_000;

/// CRLs and OCSP responses one validation may consult (message-carried plus caller-supplied).
///
/// Origin: ours. A message carries a few, a caller one per CA it knows; every one is decoded
/// and, for each certificate of a path, matched against its scope, so the number is bounded
/// before any work is done.
pub const MAX_REVOCATION_OBJECTS: usize = 1_000;

/// Which budget ran out.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BudgetKind {
    /// [`MAX_SIGNATURE_CHECKS`]
    SignatureChecks,
    /// [`MAX_BUILD_CALLS`]
    BuildCalls,
    /// [`MAX_NAME_CONSTRAINT_COMPARISONS`]
    NameConstraintComparisons,
    /// [`MAX_INTERMEDIATES`]: every path found was longer.
    PathDepth,
    /// [`MAX_POOL_CERTIFICATES`]
    PoolSize,
    /// [`MAX_REVOCATION_OBJECTS`]
    RevocationObjects,
    /// certval's own bound on the policy graph (RFC 9618) was reached.
    PolicyGraph,
}

impl fmt::Display for BudgetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SignatureChecks => "signature checks",
            Self::BuildCalls => "path-building steps",
            Self::NameConstraintComparisons => "name-constraint comparisons",
            Self::PathDepth => "intermediate certificates per path",
            Self::PoolSize => "pool certificates",
            Self::RevocationObjects => "CRLs and OCSP responses",
            Self::PolicyGraph => "policy graph nodes",
        })
    }
}

/// The limits a validation runs under. [`Limits::default`] gives the named constants of this
/// module; lower them to fail faster (fuzzing, tight latency budgets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// See [`MAX_SIGNATURE_CHECKS`].
    pub signature_checks: usize,
    /// See [`MAX_BUILD_CALLS`].
    pub build_calls: usize,
    /// See [`MAX_NAME_CONSTRAINT_COMPARISONS`].
    pub name_constraint_comparisons: usize,
    /// See [`MAX_INTERMEDIATES`].
    pub intermediates: usize,
    /// See [`MAX_POOL_CERTIFICATES`].
    pub pool_certificates: usize,
    /// See [`MAX_REVOCATION_OBJECTS`].
    pub revocation_objects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            signature_checks: MAX_SIGNATURE_CHECKS,
            build_calls: MAX_BUILD_CALLS,
            name_constraint_comparisons: MAX_NAME_CONSTRAINT_COMPARISONS,
            intermediates: MAX_INTERMEDIATES,
            pool_certificates: MAX_POOL_CERTIFICATES,
            revocation_objects: MAX_REVOCATION_OBJECTS,
        }
    }
}

impl Limits {
    /// The limit of one budget.
    pub fn limit(&self, kind: BudgetKind) -> usize {
        match kind {
            BudgetKind::SignatureChecks => self.signature_checks,
            BudgetKind::BuildCalls => self.build_calls,
            BudgetKind::NameConstraintComparisons => self.name_constraint_comparisons,
            BudgetKind::PathDepth => self.intermediates,
            BudgetKind::PoolSize => self.pool_certificates,
            BudgetKind::RevocationObjects => self.revocation_objects,
            // certval's constant, not configurable here.
            BudgetKind::PolicyGraph => 0,
        }
    }
}

/// The counters of one validation. Shared (through an `Arc`) with the signature callback that
/// certval calls, hence atomics.
#[derive(Debug)]
pub(crate) struct Budget {
    limits: Limits,
    signatures: AtomicUsize,
    build_calls: AtomicUsize,
    name_constraint_comparisons: AtomicUsize,
    exhausted: Mutex<Option<BudgetKind>>,
}

impl Budget {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            signatures: AtomicUsize::new(0),
            build_calls: AtomicUsize::new(0),
            name_constraint_comparisons: AtomicUsize::new(0),
            exhausted: Mutex::new(None),
        }
    }

    fn charge(&self, counter: &AtomicUsize, amount: usize, limit: usize, kind: BudgetKind) -> bool {
        let before = counter.fetch_add(amount, Ordering::Relaxed);
        if before.saturating_add(amount) > limit {
            self.mark_exhausted(kind);
            false
        } else {
            true
        }
    }

    pub(crate) fn mark_exhausted(&self, kind: BudgetKind) {
        if let Ok(mut guard) = self.exhausted.lock() {
            guard.get_or_insert(kind);
        }
    }

    /// Counts one signature verification; false when the budget is spent.
    pub(crate) fn charge_signature(&self) -> bool {
        self.charge(
            &self.signatures,
            1,
            self.limits.signature_checks,
            BudgetKind::SignatureChecks,
        )
    }

    /// Counts one path-building step; false when the budget is spent.
    pub(crate) fn charge_build_call(&self) -> bool {
        self.charge(
            &self.build_calls,
            1,
            self.limits.build_calls,
            BudgetKind::BuildCalls,
        )
    }

    /// Counts `n` name-constraint comparisons; false when the budget is spent.
    pub(crate) fn charge_name_constraints(&self, n: usize) -> bool {
        self.charge(
            &self.name_constraint_comparisons,
            n,
            self.limits.name_constraint_comparisons,
            BudgetKind::NameConstraintComparisons,
        )
    }

    /// The first budget that ran out, if any.
    pub(crate) fn exhausted(&self) -> Option<BudgetKind> {
        self.exhausted.lock().ok().and_then(|guard| *guard)
    }

    /// Signature verifications done so far.
    #[cfg(test)]
    pub(crate) fn signatures_used(&self) -> usize {
        self.signatures.load(Ordering::Relaxed)
    }

    pub(crate) fn error(&self, kind: BudgetKind) -> crate::Error {
        crate::Error::BudgetExceeded {
            kind,
            limit: self.limits.limit(kind),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_budget_runs_out_after_its_limit() {
        let budget = Budget::new(Limits {
            signature_checks: 2,
            ..Limits::default()
        });
        assert!(budget.charge_signature());
        assert!(budget.charge_signature());
        assert_eq!(budget.exhausted(), None);
        assert!(!budget.charge_signature());
        assert_eq!(budget.exhausted(), Some(BudgetKind::SignatureChecks));
        assert_eq!(budget.signatures_used(), 3);
    }

    #[test]
    fn first_exhausted_budget_is_kept() {
        let budget = Budget::new(Limits {
            build_calls: 0,
            name_constraint_comparisons: 10,
            ..Limits::default()
        });
        assert!(!budget.charge_build_call());
        assert!(!budget.charge_name_constraints(11));
        assert_eq!(budget.exhausted(), Some(BudgetKind::BuildCalls));
    }
}
