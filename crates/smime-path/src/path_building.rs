//! Path building: a bounded depth-first search from the leaf up to a trust anchor (RFC 4158).
//!
//! certval's own builder (`CertSource::find_all_partial_paths`) precomputes every partial path of
//! a certificate store and is documented as "a slow recursive builder intended for offline use";
//! it has no budget, so a hostile pool in a message could make it enumerate a factorial number of
//! paths. This builder searches from the leaf instead, like mozilla::pkix and rustls-webpki:
//!
//! * the next link is a certificate (or trust anchor) whose subject matches the current issuer
//!   name; those whose subjectKeyIdentifier matches the current authorityKeyIdentifier, and those
//!   valid at the validation time, are tried first; trust anchors before intermediates, so the
//!   shortest path comes first;
//! * each link's signature is verified before the search goes through it (through certval's
//!   environment, so each verification is charged to the budget and cached for validation);
//! * a certificate whose subject and key already occur below it is not used again (no loops);
//! * every step is charged to [`Budget`]; a complete candidate path is handed to the caller,
//!   which validates it fully (RFC 5280 §6.1 and revocation) and says whether to stop.

use certval::{DeferDecodeSigned, PkiEnvironment};
use der::Decode;

use crate::budget::{Budget, BudgetKind};
use crate::certificate::PathCertificate;
use crate::error::Error;
use crate::trust_anchor::Anchor;

/// What the search learned when it found no acceptable path.
#[derive(Debug, Default)]
pub(crate) struct SearchNotes {
    /// A path was cut because it would exceed the intermediate limit.
    pub(crate) depth_limited: bool,
    /// An issuer matched by name but its key did not verify the signature: the subject of the
    /// certificate and its depth (0 for the leaf, n for the n-th intermediate).
    pub(crate) bad_signature: Option<(String, usize)>,
    /// The search ended at a self-issued certificate that is not a trust anchor.
    pub(crate) untrusted_root: Option<String>,
    /// The deepest dead end: (subject, issuer name) of a certificate no issuer was found for,
    /// and its depth.
    pub(crate) dead_end: Option<(String, String, usize)>,
    /// Candidate paths offered to the validator.
    pub(crate) candidates: usize,
}

/// The outcome of offering a complete candidate path.
pub(crate) enum Verdict<T> {
    /// The path is acceptable: stop searching.
    Accept(T),
    /// The path is not acceptable: keep searching.
    Reject,
}

/// The callback a complete candidate path is offered to: the trust anchor and the
/// intermediates, leaf-first, as indices into the pool.
pub(crate) type Offer<'o, T> = dyn FnMut(&Anchor, &[usize]) -> Result<Verdict<T>, Error> + 'o;

/// The search over one leaf and pool.
pub(crate) struct PathBuilder<'a> {
    pe: &'a PkiEnvironment,
    leaf: &'a PathCertificate,
    pool: &'a [PathCertificate],
    anchors: &'a [Anchor],
    budget: &'a Budget,
    time: u64,
    max_intermediates: usize,
    max_candidates: usize,
    /// Memoised issuer candidates per pool certificate (index `pool.len()` is the leaf).
    issuers: Vec<Option<Vec<usize>>>,
    pub(crate) notes: SearchNotes,
}

/// A link of the current partial path: the leaf or a pool certificate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Node {
    Leaf,
    Pool(usize),
}

impl<'a> PathBuilder<'a> {
    #[allow(
        clippy::too_many_arguments,
        reason = "internal constructor of one search"
    )]
    pub(crate) fn new(
        pe: &'a PkiEnvironment,
        leaf: &'a PathCertificate,
        pool: &'a [PathCertificate],
        anchors: &'a [Anchor],
        budget: &'a Budget,
        time: u64,
        max_intermediates: usize,
        max_candidates: usize,
    ) -> Self {
        Self {
            pe,
            leaf,
            pool,
            anchors,
            budget,
            time,
            max_intermediates,
            max_candidates,
            issuers: vec![None; pool.len().saturating_add(1)],
            notes: SearchNotes::default(),
        }
    }

    fn cert(&self, node: Node) -> &'a PathCertificate {
        match node {
            Node::Leaf => self.leaf,
            Node::Pool(i) => self.pool.get(i).unwrap_or(self.leaf),
        }
    }

    /// Searches for a path. `offer` receives each complete candidate: the trust anchor and the
    /// intermediates in leaf-first order (indices into the pool).
    pub(crate) fn search<T>(&mut self, offer: &mut Offer<'_, T>) -> Result<Option<T>, Error> {
        // The leaf may itself be a trust anchor (a directly trusted certificate).
        for anchor in self.anchors {
            let is_leaf = anchor.certificate == *self.leaf
                || (certval::compare_names(anchor.certificate.subject(), self.leaf.subject())
                    && anchor.certificate.spki() == self.leaf.spki());
            if is_leaf && let Some(found) = self.offer(anchor, &[], offer)? {
                return Ok(Some(found));
            }
        }
        let mut chain = Vec::new();
        self.extend(Node::Leaf, &mut chain, offer)
    }

    fn offer<T>(
        &mut self,
        anchor: &Anchor,
        chain: &[usize],
        offer: &mut Offer<'_, T>,
    ) -> Result<Option<T>, Error> {
        if self.notes.candidates >= self.max_candidates {
            self.budget.mark_exhausted(BudgetKind::BuildCalls);
            return Err(self.budget.error(BudgetKind::BuildCalls));
        }
        self.notes.candidates = self.notes.candidates.saturating_add(1);
        match offer(anchor, chain)? {
            Verdict::Accept(found) => Ok(Some(found)),
            Verdict::Reject => Ok(None),
        }
    }

    fn charge_step(&self) -> Result<(), Error> {
        if self.budget.charge_build_call() {
            Ok(())
        } else {
            Err(self.budget.error(BudgetKind::BuildCalls))
        }
    }

    /// Verifies `child`'s signature with `issuer_spki`; budget exhaustion is an error.
    fn signed_by(
        &self,
        child: &PathCertificate,
        issuer_spki: &spki::SubjectPublicKeyInfoOwned,
    ) -> Result<bool, Error> {
        let Ok(signed) = DeferDecodeSigned::from_der(child.der()) else {
            return Ok(false);
        };
        let verified = self
            .pe
            .verify_signature_message(
                self.pe,
                &signed.tbs_field,
                &signed.signature,
                &signed.signature_algorithm,
                issuer_spki,
            )
            .is_ok();
        if let Some(kind) = self.budget.exhausted() {
            return Err(self.budget.error(kind));
        }
        Ok(verified)
    }

    /// Pool certificates whose subject is `child`'s issuer, best first.
    fn issuer_candidates(&mut self, node: Node) -> Vec<usize> {
        let slot = match node {
            Node::Leaf => self.pool.len(),
            Node::Pool(i) => i,
        };
        if let Some(Some(known)) = self.issuers.get(slot) {
            return known.clone();
        }
        let child = self.cert(node);
        let akid = child.authority_key_id();
        let mut found: Vec<(u8, usize)> = self
            .pool
            .iter()
            .enumerate()
            .filter(|(_, c)| certval::compare_names(c.subject(), child.issuer()))
            .map(|(i, c)| {
                let key_mismatch = match (akid, c.subject_key_id()) {
                    (Some(a), Some(s)) => u8::from(a != s),
                    _ => 1,
                };
                let expired = u8::from(!c.valid_at(self.time));
                (key_mismatch.saturating_mul(2).saturating_add(expired), i)
            })
            .collect();
        found.sort_by_key(|(rank, i)| (*rank, *i));
        let order: Vec<usize> = found.into_iter().map(|(_, i)| i).collect();
        if let Some(entry) = self.issuers.get_mut(slot) {
            *entry = Some(order.clone());
        }
        order
    }

    /// True when `candidate` (subject and key) already occurs in the path below.
    fn repeats(&self, candidate: &PathCertificate, chain: &[usize]) -> bool {
        let same = |c: &PathCertificate| {
            c.spki() == candidate.spki() && certval::compare_names(c.subject(), candidate.subject())
        };
        same(self.leaf) || chain.iter().any(|i| self.pool.get(*i).is_some_and(same))
    }

    fn extend<T>(
        &mut self,
        node: Node,
        chain: &mut Vec<usize>,
        offer: &mut Offer<'_, T>,
    ) -> Result<Option<T>, Error> {
        let child = self.cert(node);
        let mut issuer_found = false;

        // Trust anchors first: the shortest path wins.
        let akid = child.authority_key_id();
        let mut anchors: Vec<&'a Anchor> = self
            .anchors
            .iter()
            .filter(|a| certval::compare_names(a.certificate.subject(), child.issuer()))
            .collect();
        anchors.sort_by_key(|a| match (akid, a.certificate.subject_key_id()) {
            (Some(k), Some(s)) => u8::from(k != s),
            _ => 1,
        });
        for anchor in anchors {
            self.charge_step()?;
            if self.signed_by(child, anchor.certificate.spki())? {
                issuer_found = true;
                if let Some(found) = self.offer(anchor, chain, offer)? {
                    return Ok(Some(found));
                }
            } else {
                self.note_bad_signature(child, chain.len());
            }
        }

        let candidates = self.issuer_candidates(node);
        if !candidates.is_empty() && chain.len() >= self.max_intermediates {
            self.notes.depth_limited = true;
            return Ok(None);
        }
        for index in candidates {
            let Some(issuer) = self.pool.get(index) else {
                continue;
            };
            if self.repeats(issuer, chain) {
                continue;
            }
            self.charge_step()?;
            if !self.signed_by(child, issuer.spki())? {
                self.note_bad_signature(child, chain.len());
                continue;
            }
            issuer_found = true;
            chain.push(index);
            let result = self.extend(Node::Pool(index), chain, offer);
            chain.pop();
            if let Some(found) = result? {
                return Ok(Some(found));
            }
        }

        if !issuer_found {
            let depth = chain.len();
            // A self-signed certificate (self-issued, and no other key named as its signer)
            // ends the search as an untrusted root; any other certificate as a dead end.
            let self_signed = child.is_self_issued()
                && match (child.authority_key_id(), child.subject_key_id()) {
                    (Some(a), Some(s)) => a == s,
                    _ => true,
                };
            if self_signed {
                if self.notes.untrusted_root.is_none() {
                    self.notes.untrusted_root = Some(child.subject_string());
                }
            } else if self
                .notes
                .dead_end
                .as_ref()
                .is_none_or(|(_, _, d)| depth > *d)
            {
                self.notes.dead_end =
                    Some((child.subject_string(), child.issuer().to_string(), depth));
            }
        }
        Ok(None)
    }

    fn note_bad_signature(&mut self, child: &PathCertificate, depth: usize) {
        if self.notes.bad_signature.is_none() {
            self.notes.bad_signature = Some((child.subject_string(), depth));
        }
    }
}
