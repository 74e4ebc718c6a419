//! The validator: options, one validation, and the mapping of certval's verdicts to [`Error`].

use core::cell::RefCell;
use core::fmt;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use certval::{
    CertificationPath, CertificationPathResults, CertificationPathSettings,
    DefaultSignatureVerificationCache, ExtensionProcessing, PDVExtension, PathValidationStatus,
    PkiEnvironment, TaSource, TimeOfInterest,
};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{ID_CE_NAME_CONSTRAINTS, ID_CE_SUBJECT_ALT_NAME};
use der::{DateTime, Decode};
use smime_crypto::CryptoProvider;
use smime_x509::ValidationLevel;

use crate::budget::{Budget, BudgetKind, Limits};
use crate::certificate::PathCertificate;
use crate::crl::{self, Crl, CrlSigners, CrlVerdict};
use crate::error::{Error, PathFailure, Position};
use crate::mailbox;
use crate::path_building::{PathBuilder, SearchNotes, Verdict};
use crate::policy::{ANY_POLICY, PolicySettings};
use crate::purpose::{self, Purpose};
use crate::revocation::{OcspCandidate, RevocationStatus, StatusSource, ocsp_revocation_details};
use crate::signature::{ProviderVerifier, SignatureNotes};
use crate::trust_anchor::{Anchor, SharedAnchors, TrustAnchors};
use crate::verified_path::VerifiedPath;

/// Complete candidate paths submitted to full RFC 5280 validation (plus revocation) per
/// validation.
///
/// Origin: ours (rustls-webpki validates inside its build budget and has no separate count).
/// Each candidate costs a full §6.1 run and revocation processing; a sane hierarchy yields one
/// candidate, cross-certification a few. Sized like webpki's signature budget (100).
pub const MAX_CANDIDATE_PATHS: usize = 100;

/// What a validation is about: the certificate, and what the message carried with it.
///
/// ```
/// # let (leaf, chain, crl) = (vec![0u8], vec![1u8], vec![2u8]);
/// let target = smime_path::Target::new(&leaf)
///     .with_certificates([chain.as_slice()])
///     .with_crls([crl.as_slice()])
///     .with_address("alice@smime.example");
/// # let _ = target;
/// ```
#[derive(Clone, Debug, Default)]
pub struct Target<'a> {
    leaf: &'a [u8],
    certificates: Vec<&'a [u8]>,
    crls: Vec<&'a [u8]>,
    ocsp_responses: Vec<&'a [u8]>,
    address: Option<&'a str>,
}

impl<'a> Target<'a> {
    /// The certificate to validate (DER).
    pub fn new(leaf: &'a [u8]) -> Self {
        Self {
            leaf,
            ..Self::default()
        }
    }

    /// Certificates carried by the message (DER), added to the pool paths are built from.
    /// Undecodable ones are ignored: they are hints, not claims.
    pub fn with_certificates(mut self, certificates: impl IntoIterator<Item = &'a [u8]>) -> Self {
        self.certificates.extend(certificates);
        self
    }

    /// CRLs carried by the message (DER). Undecodable ones are ignored.
    pub fn with_crls(mut self, crls: impl IntoIterator<Item = &'a [u8]>) -> Self {
        self.crls.extend(crls);
        self
    }

    /// OCSP responses carried by the message (DER `OCSPResponse`, e.g. RFC 5940
    /// `otherRevocationInfo`). Undecodable ones are ignored.
    pub fn with_ocsp_responses(mut self, responses: impl IntoIterator<Item = &'a [u8]>) -> Self {
        self.ocsp_responses.extend(responses);
        self
    }

    /// The address the certificate should be bound to (typically the message's From).
    pub fn with_address(mut self, address: &'a str) -> Self {
        self.address = Some(address);
        self
    }
}

/// Options of a [`Validator`]; see [`ValidatorBuilder`].
#[derive(Clone)]
struct Options {
    time: Option<SystemTime>,
    purpose: Purpose,
    policy: PolicySettings,
    check_revocation: bool,
    require_revocation_status: bool,
    require_mailbox: bool,
    allow_sha1: bool,
    min_rsa_modulus_bits: u16,
    limits: Limits,
    provider: &'static dyn CryptoProvider,
}

/// Builds a [`Validator`]. Defaults: validation time "now" (read at each validation), purpose
/// [`Purpose::Sign`], RFC 5280 default policy settings, revocation checked with the CRLs and OCSP
/// responses available but an unknown status only reported, mailbox binding only reported, no
/// SHA-1 signatures, RSA keys of CAs at least 2048 bits, [`Limits::default`], and
/// [`smime_crypto::default_provider`].
pub struct ValidatorBuilder {
    anchors: TrustAnchors,
    intermediates: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    ocsp_responses: Vec<Vec<u8>>,
    options: Options,
}

impl ValidatorBuilder {
    /// Validates at this time instead of the current time (e.g. a message's signing time).
    pub fn time(mut self, time: SystemTime) -> Self {
        self.options.time = Some(time);
        self
    }

    /// What the certificate is to be used for.
    pub fn purpose(mut self, purpose: Purpose) -> Self {
        self.options.purpose = purpose;
        self
    }

    /// Intermediate CA certificates (DER) the caller knows, added to every pool.
    pub fn intermediates<I, C>(mut self, certificates: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        self.intermediates
            .extend(certificates.into_iter().map(|c| c.as_ref().to_vec()));
        self
    }

    /// CRLs (DER) the caller has, used for every validation.
    pub fn crls<I, C>(mut self, crls: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        self.crls
            .extend(crls.into_iter().map(|c| c.as_ref().to_vec()));
        self
    }

    /// OCSP responses (DER `OCSPResponse`) the caller has, used for every validation.
    pub fn ocsp_responses<I, C>(mut self, responses: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        self.ocsp_responses
            .extend(responses.into_iter().map(|c| c.as_ref().to_vec()));
        self
    }

    /// Certificate-policy inputs (RFC 5280 §6.1.1).
    pub fn policy(mut self, policy: PolicySettings) -> Self {
        self.options.policy = policy;
        self
    }

    /// Whether to check revocation at all (default true).
    pub fn check_revocation(mut self, check: bool) -> Self {
        self.options.check_revocation = check;
        self
    }

    /// Whether a certificate whose revocation status cannot be determined fails validation
    /// (default false: the status is reported as [`RevocationStatus::Unknown`]).
    pub fn require_revocation_status(mut self, require: bool) -> Self {
        self.options.require_revocation_status = require;
        if require {
            self.options.check_revocation = true;
        }
        self
    }

    /// Whether an address given with the [`Target`] must be one of the certificate's (default
    /// false: the outcome is reported in [`VerifiedPath::address_check`]). When true, a target
    /// without an address is [`Error::NoAddressGiven`].
    pub fn require_mailbox(mut self, require: bool) -> Self {
        self.options.require_mailbox = require;
        self
    }

    /// Whether SHA-1 signatures on certificates, CRLs and OCSP responses are accepted (default
    /// false; old archived mail may need it).
    pub fn allow_sha1_signatures(mut self, allow: bool) -> Self {
        self.options.allow_sha1 = allow;
        self
    }

    /// Minimum RSA modulus of trust anchors and intermediates, in bits (default 2048).
    pub fn min_rsa_modulus_bits(mut self, bits: u16) -> Self {
        self.options.min_rsa_modulus_bits = bits;
        self
    }

    /// Processing limits (default [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.options.limits = limits;
        self
    }

    /// The cryptographic provider that verifies signatures.
    pub fn provider(mut self, provider: &'static dyn CryptoProvider) -> Self {
        self.options.provider = provider;
        self
    }

    /// Checks and decodes the configuration.
    pub fn build(self) -> Result<Validator, Error> {
        if self.anchors.is_empty() {
            return Err(Error::Configuration("no trust anchor".into()));
        }
        if self.options.policy.initial_policy_set.is_empty() {
            return Err(Error::Configuration(
                "the initial policy set is empty (use {anyPolicy} for any)".into(),
            ));
        }
        let ta_source = Arc::new(self.anchors.to_ta_source()?);
        let intermediates = self
            .intermediates
            .iter()
            .enumerate()
            .map(|(i, der)| {
                PathCertificate::from_der(
                    der,
                    &format!("intermediate certificate {}", i.saturating_add(1)),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut crls = Vec::with_capacity(self.crls.len());
        for (i, der) in self.crls.iter().enumerate() {
            x509_cert::crl::CertificateList::<x509_cert::certificate::Raw>::from_der(der)
                .map_err(|e| Error::malformed(format!("CRL {}", i.saturating_add(1)), e))?;
            // A CRL that decodes but must not be used (unknown critical extension, …) is
            // dropped: RFC 5280 processing would discard it anyway.
            if let Some(crl) = Crl::parse(der) {
                crls.push(crl);
            }
        }
        let ocsp = self
            .ocsp_responses
            .iter()
            .enumerate()
            .map(|(i, der)| {
                OcspCandidate::parse(der).ok_or_else(|| {
                    Error::malformed(
                        format!("OCSP response {}", i.saturating_add(1)),
                        "not a successful basic OCSPResponse",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Validator {
            inner: Arc::new(Inner {
                anchors: self.anchors,
                ta_source,
                intermediates,
                crls,
                ocsp,
                options: self.options,
            }),
        })
    }
}

struct Inner {
    anchors: TrustAnchors,
    ta_source: Arc<TaSource>,
    intermediates: Vec<PathCertificate>,
    crls: Vec<Crl>,
    ocsp: Vec<OcspCandidate>,
    options: Options,
}

/// Validates certificates for S/MIME: builds a path to a trust anchor, validates it with
/// certval (RFC 5280 §6.1, RFC 5937), checks revocation, the S/MIME purpose and the mailbox.
///
/// Cheap to clone and usable from several threads; each [`Validator::validate`] runs under its
/// own [`Limits`].
#[derive(Clone)]
pub struct Validator {
    inner: Arc<Inner>,
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.inner.options;
        f.debug_struct("Validator")
            .field("anchors", &self.inner.anchors)
            .field("intermediates", &self.inner.intermediates.len())
            .field("crls", &self.inner.crls.len())
            .field("ocsp_responses", &self.inner.ocsp.len())
            .field("time", &o.time)
            .field("purpose", &o.purpose)
            .field("policy", &o.policy)
            .field("check_revocation", &o.check_revocation)
            .field("require_revocation_status", &o.require_revocation_status)
            .field("require_mailbox", &o.require_mailbox)
            .field("allow_sha1", &o.allow_sha1)
            .field("limits", &o.limits)
            .field("provider", &o.provider.name())
            .finish()
    }
}

/// A candidate that passed RFC 5280 validation and revocation.
struct Accepted {
    anchor: PathCertificate,
    intermediates: Vec<PathCertificate>,
    results: CertificationPathResults,
    revocation: Vec<RevocationStatus>,
}

/// How deep CRL-signer validation may recurse: the certificate being validated is at depth 0;
/// a CRL signer found in the pool is validated at depth 1, and its own CRLs are accepted only
/// from keys on its path (no further pool search). Origin: ours; RFC 5280 §6.3.3 (f) is
/// recursive without a bound, and one level serves PKITS (separate CRL-signing certificates,
/// indirect CRLs).
const MAX_CRL_SIGNER_DEPTH: usize = 1;

impl Validator {
    /// Starts building a validator that trusts `anchors`.
    pub fn builder(anchors: TrustAnchors) -> ValidatorBuilder {
        ValidatorBuilder {
            anchors,
            intermediates: Vec::new(),
            crls: Vec::new(),
            ocsp_responses: Vec::new(),
            options: Options {
                time: None,
                purpose: Purpose::Sign,
                policy: PolicySettings::default(),
                check_revocation: true,
                require_revocation_status: false,
                require_mailbox: false,
                allow_sha1: false,
                min_rsa_modulus_bits: 2048,
                limits: Limits::default(),
                provider: smime_crypto::default_provider(),
            },
        }
    }

    /// Validates one certificate with the material its message carried.
    pub fn validate(&self, target: &Target<'_>) -> Result<VerifiedPath, Error> {
        let inner = &*self.inner;
        let options = &inner.options;
        let time = validation_time(options.time)?;

        let leaf = PathCertificate::from_der(target.leaf, "leaf certificate")?;
        if options.require_mailbox && target.address.is_none() {
            return Err(Error::NoAddressGiven);
        }
        check_validity(&leaf, Position::Leaf, time)?;

        let session = Session::new(inner, target, &leaf, time)?;
        let accepted = session.validate_path(&leaf, 0)?;

        let leaf_certificate = smime_x509::Certificate::from_der(leaf.der())?;
        purpose::check(&leaf_certificate, options.purpose)?;
        let (mailboxes, address) =
            mailbox::check(&leaf_certificate, target.address, options.require_mailbox)?;

        let policies = valid_policies(&accepted.results);
        let validation_level = validation_level(&leaf_certificate, &policies)?;
        Ok(VerifiedPath {
            leaf,
            leaf_certificate,
            intermediates: accepted.intermediates,
            anchor: accepted.anchor,
            policies,
            validation_level,
            revocation: accepted.revocation,
            mailboxes,
            address,
            purpose: options.purpose,
            time,
        })
    }

    /// Validates a certificate with no message material (pool = the caller's intermediates).
    pub fn validate_certificate(&self, leaf_der: &[u8]) -> Result<VerifiedPath, Error> {
        self.validate(&Target::new(leaf_der))
    }
}

/// Everything one validation works with: certval's environment, the pool, the CRLs and OCSP
/// responses, the budget.
struct Session<'v> {
    inner: &'v Inner,
    pe: PkiEnvironment,
    settings: CertificationPathSettings,
    budget: Arc<Budget>,
    notes: Arc<Mutex<SignatureNotes>>,
    pool: Vec<PathCertificate>,
    message_crls: Vec<Crl>,
    message_ocsp: Vec<OcspCandidate>,
    time: DateTime,
    unix: u64,
    /// Outcome of validating pool certificates as CRL signers, by pool index.
    signers: RefCell<BTreeMap<usize, bool>>,
}

impl<'v> Session<'v> {
    fn new(
        inner: &'v Inner,
        target: &Target<'_>,
        leaf: &PathCertificate,
        time: DateTime,
    ) -> Result<Self, Error> {
        let options = &inner.options;
        let budget = Arc::new(Budget::new(options.limits));
        // The pool: message certificates first (they are the signer's own chain), then the
        // caller's, without duplicates and without the leaf.
        let total = target
            .certificates
            .len()
            .saturating_add(inner.intermediates.len());
        if total > options.limits.pool_certificates {
            budget.mark_exhausted(BudgetKind::PoolSize);
            return Err(budget.error(BudgetKind::PoolSize));
        }
        let revocation_objects = target
            .crls
            .len()
            .saturating_add(target.ocsp_responses.len())
            .saturating_add(inner.crls.len())
            .saturating_add(inner.ocsp.len());
        if revocation_objects > options.limits.revocation_objects {
            budget.mark_exhausted(BudgetKind::RevocationObjects);
            return Err(budget.error(BudgetKind::RevocationObjects));
        }
        let mut pool: Vec<PathCertificate> = Vec::with_capacity(total);
        for der in &target.certificates {
            // Undecodable message certificates are hints that did not work out.
            if let Ok(cert) = PathCertificate::from_der(der, "message certificate") {
                push_unique(&mut pool, cert, leaf);
            }
        }
        for cert in &inner.intermediates {
            push_unique(&mut pool, cert.clone(), leaf);
        }

        let notes = Arc::new(Mutex::new(SignatureNotes::default()));
        let mut pe = PkiEnvironment::new();
        pe.add_validate_path_callback(certval::validate_path_rfc5280);
        pe.add_verify_signature_message_callback(ProviderVerifier {
            provider: options.provider,
            budget: Arc::clone(&budget),
            notes: Arc::clone(&notes),
            allow_sha1: options.allow_sha1,
        });
        // Signatures verified while building are not verified (nor charged) again when the
        // path is validated.
        pe.add_signature_cache(Box::new(DefaultSignatureVerificationCache::new()));
        pe.add_trust_anchor_source(Box::new(SharedAnchors(Arc::clone(&inner.ta_source))));
        // No CRL source: certval handles OCSP responses only; CRLs are processed by `crl`.

        let mut settings = CertificationPathSettings::new();
        settings.set_time_of_interest(TimeOfInterest(time));
        settings.set_initial_policy_set_from_oid_set(
            options.policy.initial_policy_set.iter().copied().collect(),
        );
        settings.set_initial_explicit_policy_indicator(options.policy.require_explicit_policy);
        settings
            .set_initial_policy_mapping_inhibit_indicator(options.policy.inhibit_policy_mapping);
        settings.set_initial_inhibit_any_policy_indicator(options.policy.inhibit_any_policy);
        settings.set_check_revocation_status(options.check_revocation);
        // No network access: these only matter with certval's `remote` feature, which is off,
        // but are set so that turning it on elsewhere in the dependency graph changes nothing.
        settings.set_check_ocsp_from_aia(false);
        settings.set_check_crldp_http(false);
        settings.set_retrieve_from_aia_sia_http(false);
        settings.set_min_rsa_modulus_bits(options.min_rsa_modulus_bits);

        Ok(Self {
            inner,
            pe,
            settings,
            budget,
            notes,
            pool,
            // A message CRL that does not decode, or must not be used, is ignored.
            message_crls: target
                .crls
                .iter()
                .filter_map(|der| Crl::parse(der))
                .collect(),
            message_ocsp: target
                .ocsp_responses
                .iter()
                .filter_map(|der| OcspCandidate::parse(der))
                .collect(),
            time,
            unix: time.unix_duration().as_secs(),
            signers: RefCell::new(BTreeMap::new()),
        })
    }

    /// Builds and validates a path for `leaf` (the target at depth 0, a CRL signer deeper).
    fn validate_path(&self, leaf: &PathCertificate, depth: usize) -> Result<Accepted, Error> {
        let mut first_error: Option<Error> = None;
        let mut builder = PathBuilder::new(
            &self.pe,
            leaf,
            &self.pool,
            self.inner.anchors.anchors(),
            &self.budget,
            self.unix,
            self.inner.options.limits.intermediates,
            MAX_CANDIDATE_PATHS,
        );
        let accepted = builder.search(&mut |anchor, chain| {
            let intermediates: Vec<PathCertificate> = chain
                .iter()
                .filter_map(|i| self.pool.get(*i).cloned())
                .collect();
            match self.validate_candidate(leaf, anchor, intermediates, depth) {
                Ok(accepted) => Ok(Verdict::Accept(accepted)),
                Err(e @ Error::BudgetExceeded { .. }) => Err(e),
                Err(e) => {
                    first_error.get_or_insert(e);
                    Ok(Verdict::Reject)
                }
            }
        })?;
        let search_notes = core::mem::take(&mut builder.notes);
        match accepted {
            Some(accepted) => Ok(accepted),
            None => Err(no_path_error(
                first_error,
                search_notes,
                &self.notes,
                leaf,
                &self.budget,
            )),
        }
    }

    fn validate_candidate(
        &self,
        leaf: &PathCertificate,
        anchor: &Anchor,
        intermediates: Vec<PathCertificate>,
        depth: usize,
    ) -> Result<Accepted, Error> {
        let options = &self.inner.options;
        // certval orders intermediates from the anchor down; ours are leaf-first.
        let top_down: Vec<certval::PDVCertificate> = intermediates
            .iter()
            .rev()
            .map(|c| c.pdv().clone())
            .collect();
        let mut path = CertificationPath::new(anchor.choice.clone(), top_down, leaf.pdv().clone());
        attach_ocsp(
            &mut path,
            self.message_ocsp.iter().chain(self.inner.ocsp.iter()),
        );

        let comparisons = name_constraint_comparisons(&path);
        if comparisons > 0 && !self.budget.charge_name_constraints(comparisons) {
            return Err(self.budget.error(BudgetKind::NameConstraintComparisons));
        }

        let locate = |index: Option<u32>| locate(index, leaf, &intermediates, &anchor.certificate);
        let mut results = CertificationPathResults::new();
        let outcome = self
            .pe
            .validate_path(&self.pe, &self.settings, &path, &mut results);
        if let Some(kind) = self.budget.exhausted() {
            return Err(self.budget.error(kind));
        }
        if let Err(e) = outcome {
            let status = match e {
                certval::Error::PathValidation(status) => status,
                _ => results
                    .get_validation_status()
                    .unwrap_or(PathValidationStatus::NotYetValidated),
            };
            let (position, cert) = locate(results.get_failure_index());
            return Err(path_error(status, position, cert, self.time, &e));
        }

        let below_anchor = intermediates.len().saturating_add(1);
        let revocation = if !options.check_revocation || leaf_is_anchor(&path) {
            vec![RevocationStatus::NotChecked; below_anchor]
        } else {
            self.revocation(leaf, anchor, &intermediates, &path, &mut results, depth)?
        };
        Ok(Accepted {
            anchor: anchor.certificate.clone(),
            intermediates,
            results,
            revocation,
        })
    }

    /// Revocation status of every certificate below the anchor, leaf first: OCSP responses
    /// through certval, then CRLs through [`crl::status`].
    fn revocation(
        &self,
        leaf: &PathCertificate,
        anchor: &Anchor,
        intermediates: &[PathCertificate],
        path: &CertificationPath,
        results: &mut CertificationPathResults,
        depth: usize,
    ) -> Result<Vec<RevocationStatus>, Error> {
        let locate = |index: Option<u32>| locate(index, leaf, intermediates, &anchor.certificate);
        let outcome = certval::check_revocation_local(&self.pe, &self.settings, path, results);
        if let Some(kind) = self.budget.exhausted() {
            return Err(self.budget.error(kind));
        }
        if let Err(certval::Error::PathValidation(
            PathValidationStatus::CertificateRevoked
            | PathValidationStatus::CertificateRevokedEndEntity
            | PathValidationStatus::CertificateRevokedIntermediateCa
            | PathValidationStatus::CertificateOnHold,
        )) = outcome
        {
            let index = results.get_failure_index();
            let (position, cert) = locate(index);
            let (reason, revoked_at) = match index.and_then(|i| usize::try_from(i).ok()) {
                Some(i) if i > 0 => {
                    let issuer: &dyn certval::SubjectNameAndKey = match i {
                        1 => anchor.choice.decoded(),
                        _ => locate(Some(u32::try_from(i.saturating_sub(1)).unwrap_or(0)))
                            .1
                            .decoded(),
                    };
                    let serial = cert.decoded().tbs_certificate().serial_number();
                    ocsp_revocation_details(results, i.saturating_sub(1), serial, issuer)
                }
                _ => (None, None),
            };
            return Err(Error::Revoked {
                subject: cert.subject_string(),
                position,
                reason,
                revoked_at,
            });
        }
        let sources = results.get_revocation_source().unwrap_or_default();

        // certval's positions run from the anchor down: intermediates top-down, then the leaf.
        let top_down: Vec<&PathCertificate> = intermediates
            .iter()
            .rev()
            .chain(core::iter::once(leaf))
            .collect();
        let crls: Vec<&Crl> = self
            .message_crls
            .iter()
            .chain(self.inner.crls.iter())
            .collect();
        let mut statuses_top_down = Vec::with_capacity(top_down.len());
        for (pos, cert) in top_down.iter().enumerate() {
            let from_ocsp = sources
                .get(pos)
                .map(|s| RevocationStatus::from_certval(*s))
                .unwrap_or(RevocationStatus::Unknown);
            if from_ocsp != RevocationStatus::Unknown {
                statuses_top_down.push(from_ocsp);
                continue;
            }
            let signers = Signers {
                session: self,
                anchor,
                path: &top_down,
                position: pos,
                depth,
            };
            let status = match crl::status(cert, &crls, self.unix, &signers) {
                CrlVerdict::Good => RevocationStatus::Good(StatusSource::Crl),
                CrlVerdict::Undetermined => RevocationStatus::Unknown,
                CrlVerdict::Revoked { reason, date } => {
                    let index = u32::try_from(pos.saturating_add(1)).ok();
                    let (position, cert) = locate(index);
                    return Err(Error::Revoked {
                        subject: cert.subject_string(),
                        position,
                        reason,
                        revoked_at: Some(date),
                    });
                }
            };
            if let Some(kind) = self.budget.exhausted() {
                return Err(self.budget.error(kind));
            }
            statuses_top_down.push(status);
        }
        let statuses: Vec<RevocationStatus> = statuses_top_down.into_iter().rev().collect();

        if self.inner.options.require_revocation_status
            && let Some(first_unknown) = statuses
                .iter()
                .position(|s| *s == RevocationStatus::Unknown)
        {
            // `statuses` is leaf-first: index 0 is the leaf.
            let (position, cert) = if first_unknown == 0 {
                (Position::Leaf, leaf)
            } else {
                (
                    Position::Intermediate(first_unknown),
                    intermediates
                        .get(first_unknown.saturating_sub(1))
                        .unwrap_or(leaf),
                )
            };
            return Err(Error::RevocationUnknown {
                subject: cert.subject_string(),
                position,
            });
        }
        Ok(statuses)
    }
}

/// The keys that may sign CRLs about the certificate at `position` of a path (RFC 5280
/// §6.3.3 (f)): the trust anchor and the path's certificates named like the CRL issuer
/// (they are validated with the path), then pool certificates named so, each validated to the
/// same trust anchor before its key is trusted.
struct Signers<'s, 'v> {
    session: &'s Session<'v>,
    anchor: &'s Anchor,
    /// The path below the anchor, top-down.
    path: &'s [&'s PathCertificate],
    /// The certificate whose status is sought.
    position: usize,
    depth: usize,
}

impl Signers<'_, '_> {
    /// Candidate ids: 0 is the anchor, 1..=path.len() the path (top-down), then the pool.
    fn certificate(&self, id: usize) -> Option<&PathCertificate> {
        let path_len = self.path.len();
        if id == 0 {
            Some(&self.anchor.certificate)
        } else if id <= path_len {
            self.path.get(id.saturating_sub(1)).copied()
        } else {
            self.session
                .pool
                .get(id.saturating_sub(path_len).saturating_sub(1))
        }
    }
}

fn may_sign_crls(certificate: &PathCertificate) -> bool {
    match certificate
        .decoded()
        .tbs_certificate()
        .get_extension::<x509_cert::ext::pkix::KeyUsage>()
    {
        Ok(Some((_, ku))) => ku.crl_sign(),
        Ok(None) => true,
        Err(_) => false,
    }
}

impl CrlSigners for Signers<'_, '_> {
    fn candidates(
        &self,
        issuer: &x509_cert::name::Name,
    ) -> Vec<(usize, spki::SubjectPublicKeyInfoOwned)> {
        let path_len = self.path.len();
        // The certificate itself may sign only when it is a CRL signer being validated.
        let usable_path = |i: usize| i < self.position || (self.depth > 0 && i == self.position);
        let mut ids: Vec<usize> = Vec::new();
        // The direct issuer first: the anchor for position 0, else the certificate above.
        ids.push(self.position);
        ids.extend(
            (0..=path_len).filter(|i| *i != self.position && (*i == 0 || usable_path(i - 1))),
        );
        if self.depth < MAX_CRL_SIGNER_DEPTH {
            ids.extend((0..self.session.pool.len()).map(|i| path_len + 1 + i));
        }
        let mut seen: Vec<&spki::SubjectPublicKeyInfoOwned> = Vec::new();
        let mut out = Vec::new();
        for id in ids {
            let Some(cert) = self.certificate(id) else {
                continue;
            };
            if !certval::compare_names(cert.subject(), issuer) || seen.contains(&cert.spki()) {
                continue;
            }
            seen.push(cert.spki());
            out.push((id, cert.spki().clone()));
        }
        out
    }

    fn verifies(&self, crl: &Crl, key: &spki::SubjectPublicKeyInfoOwned) -> bool {
        let (tbs, signature, algorithm) = crl.signed_parts();
        self.session
            .pe
            .verify_signature_message(&self.session.pe, tbs, signature, algorithm, key)
            .is_ok()
    }

    fn acceptable(&self, id: usize) -> bool {
        let Some(cert) = self.certificate(id) else {
            return false;
        };
        if id == 0 {
            // The trust anchor: trusted for CRLs unless its keyUsage says otherwise.
            return may_sign_crls(cert);
        }
        if !may_sign_crls(cert) {
            return false;
        }
        let path_len = self.path.len();
        if id <= path_len {
            return true;
        }
        let pool_index = id.saturating_sub(path_len).saturating_sub(1);
        if let Some(known) = self.session.signers.borrow().get(&pool_index) {
            return *known;
        }
        // Not yet known: validate the signer's own path, to the same anchor.
        self.session.signers.borrow_mut().insert(pool_index, false);
        let valid = self
            .session
            .validate_path(cert, self.depth.saturating_add(1))
            .is_ok_and(|accepted| accepted.anchor == self.anchor.certificate);
        self.session.signers.borrow_mut().insert(pool_index, valid);
        valid
    }
}

fn leaf_is_anchor(path: &CertificationPath) -> bool {
    path.intermediates.is_empty()
        && certval::get_subject_public_key_info_from_trust_anchor(path.trust_anchor.decoded())
            == path
                .target
                .decoded()
                .tbs_certificate()
                .subject_public_key_info()
}

fn validation_time(time: Option<SystemTime>) -> Result<DateTime, Error> {
    let time = time.unwrap_or_else(SystemTime::now);
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Error::Configuration("validation time before 1970".into()))?
        .as_secs();
    DateTime::from_unix_duration(core::time::Duration::from_secs(secs))
        .map_err(|e| Error::Configuration(format!("validation time: {e}")))
}

fn push_unique(pool: &mut Vec<PathCertificate>, cert: PathCertificate, leaf: &PathCertificate) {
    if cert != *leaf && !pool.contains(&cert) {
        pool.push(cert);
    }
}

fn check_validity(cert: &PathCertificate, position: Position, time: DateTime) -> Result<(), Error> {
    if cert.not_before() > time {
        return Err(Error::NotYetValid {
            subject: cert.subject_string(),
            position,
            not_before: cert.not_before(),
            time,
        });
    }
    if cert.not_after() < time {
        return Err(Error::Expired {
            subject: cert.subject_string(),
            position,
            not_after: cert.not_after(),
            time,
        });
    }
    Ok(())
}

/// Places each OCSP response at the positions of the path it answers for (certval's
/// `ocsp_responses` slots, one per certificate below the anchor, anchor side first).
fn attach_ocsp<'r>(
    path: &mut CertificationPath,
    responses: impl Iterator<Item = &'r OcspCandidate> + Clone,
) {
    let mut certs: Vec<&certval::PDVCertificate> = path.intermediates.iter().collect();
    certs.push(&path.target);
    let mut slots: Vec<Option<Vec<u8>>> = vec![None; certs.len()];
    for (pos, cert) in certs.iter().enumerate() {
        let serial = cert.decoded().tbs_certificate().serial_number();
        let issuer: &dyn certval::SubjectNameAndKey =
            match pos.checked_sub(1).and_then(|p| certs.get(p)) {
                None => path.trust_anchor.decoded(),
                Some(above) => above.decoded(),
            };
        if let Some(found) = responses.clone().find(|r| r.covers(serial, issuer))
            && let Some(slot) = slots.get_mut(pos)
        {
            *slot = Some(found.der.clone());
        }
    }
    path.ocsp_responses = slots;
}

/// An upper bound of the name-constraint comparisons RFC 5280 §6.1.3 (b)/(c) will make on this
/// path: for every certificate, its names (subject, subjectAltName entries) times the subtrees
/// of the CAs above it.
fn name_constraint_comparisons(path: &CertificationPath) -> usize {
    let mut subtrees_above = 0usize;
    let mut total = 0usize;
    let mut certs: Vec<&certval::PDVCertificate> = path.intermediates.iter().collect();
    certs.push(&path.target);
    for cert in certs {
        if subtrees_above > 0 {
            let san_entries = match cert.get_extension(&ID_CE_SUBJECT_ALT_NAME) {
                Ok(Some(PDVExtension::SubjectAltName(san))) => san.0.len(),
                _ => 0,
            };
            let names = san_entries.saturating_add(1);
            total = total.saturating_add(names.saturating_mul(subtrees_above));
        }
        if let Ok(Some(PDVExtension::NameConstraints(nc))) =
            cert.get_extension(&ID_CE_NAME_CONSTRAINTS)
        {
            let permitted = nc.permitted_subtrees.as_ref().map_or(0, Vec::len);
            let excluded = nc.excluded_subtrees.as_ref().map_or(0, Vec::len);
            subtrees_above = subtrees_above
                .saturating_add(permitted)
                .saturating_add(excluded);
        }
    }
    total
}

/// Maps certval's failure index (0 = anchor, 1 = first intermediate below it, …, n + 1 = leaf)
/// to our [`Position`] and certificate.
fn locate<'c>(
    index: Option<u32>,
    leaf: &'c PathCertificate,
    intermediates: &'c [PathCertificate],
    anchor: &'c PathCertificate,
) -> (Position, &'c PathCertificate) {
    let n = intermediates.len();
    let Some(index) = index.and_then(|i| usize::try_from(i).ok()) else {
        return (Position::Leaf, leaf);
    };
    if index == 0 {
        return (Position::TrustAnchor, anchor);
    }
    if index > n {
        return (Position::Leaf, leaf);
    }
    // Top-down index k (1-based) is leaf-first intermediate n - k + 1.
    let leaf_first = n.saturating_sub(index).saturating_add(1);
    match intermediates.get(leaf_first.saturating_sub(1)) {
        Some(cert) => (Position::Intermediate(leaf_first), cert),
        None => (Position::Leaf, leaf),
    }
}

fn path_error(
    status: PathValidationStatus,
    position: Position,
    cert: &PathCertificate,
    time: DateTime,
    raw: &certval::Error,
) -> Error {
    let subject = cert.subject_string();
    let failure = match status {
        PathValidationStatus::InvalidNotAfterDate => {
            return Error::Expired {
                subject,
                position,
                not_after: cert.not_after(),
                time,
            };
        }
        PathValidationStatus::InvalidNotBeforeDate => {
            return Error::NotYetValid {
                subject,
                position,
                not_before: cert.not_before(),
                time,
            };
        }
        PathValidationStatus::NameConstraintsViolation => {
            return Error::NameConstraints { subject, position };
        }
        PathValidationStatus::ProcessingLimitExceeded => {
            return Error::BudgetExceeded {
                kind: BudgetKind::PolicyGraph,
                limit: 0,
            };
        }
        PathValidationStatus::SignatureVerificationFailure => PathFailure::BadSignature,
        PathValidationStatus::NameChainingFailure => PathFailure::NameChaining,
        PathValidationStatus::MissingBasicConstraints
        | PathValidationStatus::InvalidBasicConstraints => PathFailure::NotACertificationAuthority,
        PathValidationStatus::InvalidPathLength => PathFailure::PathLength,
        PathValidationStatus::InvalidKeyUsage => PathFailure::CaKeyUsage,
        PathValidationStatus::NullPolicySet => PathFailure::NoValidPolicy,
        PathValidationStatus::InvalidPolicyMapping => PathFailure::InvalidPolicyMapping,
        PathValidationStatus::UnprocessedCriticalExtension => {
            PathFailure::UnprocessedCriticalExtension
        }
        PathValidationStatus::InsufficientKeySize => PathFailure::KeyTooSmall,
        PathValidationStatus::EncodingError => PathFailure::Encoding,
        PathValidationStatus::SelfSignedEndIdentity => PathFailure::SelfSignedLeaf,
        other => PathFailure::Other(format!("{other} ({raw})")),
    };
    Error::PathInvalid {
        subject,
        position,
        failure,
    }
}

/// The verdict when no candidate was accepted.
fn no_path_error(
    first_error: Option<Error>,
    search: SearchNotes,
    signatures: &Mutex<SignatureNotes>,
    leaf: &PathCertificate,
    budget: &Budget,
) -> Error {
    if let Some(kind) = budget.exhausted() {
        return budget.error(kind);
    }
    if let Some(error) = first_error {
        return error;
    }
    if search.depth_limited {
        return budget.error(BudgetKind::PathDepth);
    }
    let unsupported = signatures.lock().ok().and_then(|n| n.unsupported.clone());
    if let (Some(algorithm), Some((subject, _))) = (unsupported, search.bad_signature.clone()) {
        return Error::UnsupportedAlgorithm { subject, algorithm };
    }
    if let Some((subject, depth)) = search.bad_signature {
        let position = if depth == 0 {
            Position::Leaf
        } else {
            Position::Intermediate(depth)
        };
        return Error::PathInvalid {
            subject,
            position,
            failure: PathFailure::BadSignature,
        };
    }
    if let Some(root) = search.untrusted_root {
        return Error::UntrustedRoot {
            leaf: leaf.subject_string(),
            root,
        };
    }
    let (subject, missing_issuer) = match search.dead_end {
        Some((subject, issuer, _)) => (subject, issuer),
        None => (leaf.subject_string(), leaf.issuer().to_string()),
    };
    Error::NoPath {
        leaf: leaf.subject_string(),
        subject,
        missing_issuer,
    }
}

/// The valid_policy values at the leaf's depth of certval's final valid policy graph.
fn valid_policies(results: &CertificationPathResults) -> Vec<ObjectIdentifier> {
    let Some(graph) = results.get_final_valid_policy_graph() else {
        return Vec::new();
    };
    let Some(last) = graph.last() else {
        return Vec::new();
    };
    let set: BTreeSet<ObjectIdentifier> = last.iter().map(|node| node.valid_policy).collect();
    set.into_iter().collect()
}

/// The CA/B Forum S/MIME level the leaf asserts, when that policy is valid for the path.
fn validation_level(
    leaf: &smime_x509::Certificate,
    valid: &[ObjectIdentifier],
) -> Result<Option<ValidationLevel>, Error> {
    Ok(leaf
        .validation_level()?
        .filter(|level| valid.contains(&level.policy_oid()) || valid.contains(&ANY_POLICY)))
}
