//! What a reader trusts: anchors, the extra certificates and CRLs it has, the validation time,
//! and whether the From address must match the signer.

use core::fmt;
use std::path::Path;
use std::time::SystemTime;

use smime_crypto::CryptoProvider;
use smime_path::{Purpose, Target, TrustAnchors, Validator, VerifiedPath};
use smime_x509::Certificate;

use crate::error::Error;

/// At which time certificate paths are validated.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ValidationTime {
    /// The time of each validation (the default).
    #[default]
    Now,
    /// A fixed time (an audit "as of" a date).
    At(SystemTime),
    /// Each signer's claimed signingTime (for archived mail whose certificates have since
    /// expired), or now when the signer gave none. The claim is the signer's own: use it only
    /// for mail whose arrival time you know independently.
    SigningTime,
}

/// A reader's trust settings for [`open`](crate::open).
///
/// With trust anchors, every valid signer's certificate is validated (RFC 5280 path to an
/// anchor, emailProtection, key usage, revocation from the message's and the given CRLs).
/// Without ([`Trust::none`]), signatures are still checked cryptographically, and the report
/// says that trust was not evaluated.
///
/// ```
/// let trust = smime::Trust::none();
/// assert!(!trust.has_anchors());
/// ```
#[derive(Clone)]
pub struct Trust {
    anchors: Option<TrustAnchors>,
    /// Built once for [`ValidationTime::Now`] and [`ValidationTime::At`].
    validator: Option<Validator>,
    certificates: Vec<Certificate>,
    crls: Vec<Vec<u8>>,
    time: ValidationTime,
    require_from: bool,
    check_revocation: bool,
    allow_sha1: bool,
    provider: &'static dyn CryptoProvider,
}

impl fmt::Debug for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trust")
            .field(
                "anchors",
                &self.anchors.as_ref().map_or(0, TrustAnchors::len),
            )
            .field("certificates", &self.certificates.len())
            .field("crls", &self.crls.len())
            .field("time", &self.time)
            .field("require_from", &self.require_from)
            .field("check_revocation", &self.check_revocation)
            .field("allow_sha1", &self.allow_sha1)
            .field("provider", &self.provider.name())
            .finish()
    }
}

impl Trust {
    /// Trust these anchors; see [`TrustBuilder`] for the options.
    pub fn builder(anchors: TrustAnchors) -> TrustBuilder {
        TrustBuilder {
            trust: Self {
                anchors: Some(anchors),
                ..Self::none()
            },
        }
    }

    /// Trust the certificates of a PEM or DER file (or of every file in a directory).
    ///
    /// # Errors
    /// [`Error::Path`] when the file cannot be read or holds no certificate.
    pub fn from_path(path: impl AsRef<Path>) -> Result<TrustBuilder, Error> {
        let path = path.as_ref();
        let anchors = if path.is_dir() {
            TrustAnchors::from_directory(path)?
        } else {
            TrustAnchors::from_file(path)?
        };
        Ok(Self::builder(anchors))
    }

    /// Trust the given certificates.
    ///
    /// # Errors
    /// [`Error::Path`] when a certificate cannot serve as a trust anchor.
    pub fn from_certificates<'c>(
        certificates: impl IntoIterator<Item = &'c Certificate>,
    ) -> Result<TrustBuilder, Error> {
        let mut anchors = TrustAnchors::new();
        for certificate in certificates {
            anchors.add_der(certificate.as_der())?;
        }
        Ok(Self::builder(anchors))
    }

    /// Options without trust anchors (extra certificates to find signers with, the From
    /// requirement): signatures are checked, chains are not.
    pub fn without_anchors() -> TrustBuilder {
        TrustBuilder {
            trust: Self::none(),
        }
    }

    /// No trust anchors: signatures are checked, chains are not.
    pub fn none() -> Self {
        Self {
            anchors: None,
            validator: None,
            certificates: Vec::new(),
            crls: Vec::new(),
            time: ValidationTime::Now,
            require_from: false,
            check_revocation: true,
            allow_sha1: false,
            provider: smime_crypto::default_provider(),
        }
    }

    /// Whether any trust anchor is configured.
    pub fn has_anchors(&self) -> bool {
        self.anchors.as_ref().is_some_and(|a| !a.is_empty())
    }

    /// Extra certificates: looked in for signers (a detached signature without its
    /// certificate) and used as intermediates. Being listed here confers no trust.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// Whether a From address that is not the signer's is a problem (RFC 8550 §3).
    pub fn requires_from(&self) -> bool {
        self.require_from
    }

    /// The validation time.
    pub fn validation_time(&self) -> ValidationTime {
        self.time
    }

    /// The crypto provider.
    pub fn crypto_provider(&self) -> &'static dyn CryptoProvider {
        self.provider
    }

    /// Validates a signer's certificate at the configured time, with what its message
    /// carried. `None` when there are no anchors.
    pub(crate) fn validate(
        &self,
        leaf: &[u8],
        message_certificates: &[&[u8]],
        message_crls: &[&[u8]],
        from: Option<&str>,
        signing_time: Option<SystemTime>,
    ) -> Option<Result<VerifiedPath, smime_path::Error>> {
        let anchors = self.anchors.as_ref()?;
        let mut target = Target::new(leaf)
            .with_certificates(message_certificates.iter().copied())
            .with_crls(message_crls.iter().copied());
        if let Some(from) = from {
            target = target.with_address(from);
        }
        let result = match (&self.validator, self.time) {
            (Some(validator), _) => validator.validate(&target),
            (None, ValidationTime::SigningTime) => self
                .validator_at(anchors, signing_time)
                .and_then(|validator| validator.validate(&target)),
            (None, _) => self
                .validator_at(anchors, None)
                .and_then(|validator| validator.validate(&target)),
        };
        Some(result)
    }

    fn validator_at(
        &self,
        anchors: &TrustAnchors,
        time: Option<SystemTime>,
    ) -> Result<Validator, smime_path::Error> {
        let mut builder = Validator::builder(anchors.clone())
            .purpose(Purpose::Sign)
            .intermediates(self.certificates.iter().map(Certificate::as_der))
            .crls(self.crls.iter())
            .check_revocation(self.check_revocation)
            .allow_sha1_signatures(self.allow_sha1)
            .provider(self.provider);
        if let Some(time) = time {
            builder = builder.time(time);
        }
        builder.build()
    }
}

/// Options of a [`Trust`]; [`build`](Self::build) checks them.
#[derive(Clone, Debug)]
pub struct TrustBuilder {
    trust: Trust,
}

impl TrustBuilder {
    /// Extra certificates (intermediates, or signers' certificates that messages leave out).
    pub fn certificates(mut self, certificates: impl IntoIterator<Item = Certificate>) -> Self {
        self.trust.certificates.extend(certificates);
        self
    }

    /// CRLs (DER) the reader has, in addition to those messages carry.
    pub fn crls<C: AsRef<[u8]>>(mut self, crls: impl IntoIterator<Item = C>) -> Self {
        self.trust
            .crls
            .extend(crls.into_iter().map(|c| c.as_ref().to_vec()));
        self
    }

    /// When paths are validated (default now).
    pub fn time(mut self, time: ValidationTime) -> Self {
        self.trust.time = time;
        self
    }

    /// Shorthand for `.time(ValidationTime::At(time))`.
    pub fn at(self, time: SystemTime) -> Self {
        self.time(ValidationTime::At(time))
    }

    /// Whether a From address that is not one of the signer's makes the message untrusted
    /// (default false: the match is reported either way).
    pub fn require_from(mut self, require: bool) -> Self {
        self.trust.require_from = require;
        self
    }

    /// Whether revocation is checked with the CRLs available (default true; a status that
    /// cannot be determined is reported, not an error).
    pub fn check_revocation(mut self, check: bool) -> Self {
        self.trust.check_revocation = check;
        self
    }

    /// Whether SHA-1 signatures on certificates and CRLs are accepted (default false).
    /// Archived mail from before 2017 needs it; the message signatures themselves are
    /// checked with SHA-1 regardless (that is the sender's choice, and old mail used it).
    pub fn allow_sha1_signatures(mut self, allow: bool) -> Self {
        self.trust.allow_sha1 = allow;
        self
    }

    /// The crypto provider that verifies (default [`smime_crypto::default_provider`]).
    pub fn provider(mut self, provider: &'static dyn CryptoProvider) -> Self {
        self.trust.provider = provider;
        self
    }

    /// Checks the anchors, certificates and CRLs, and prepares the validator.
    ///
    /// # Errors
    /// [`Error::Path`] when the anchor set is empty or a CRL cannot be decoded.
    pub fn build(self) -> Result<Trust, Error> {
        let mut trust = self.trust;
        let Some(anchors) = trust.anchors.as_ref() else {
            return Ok(trust);
        };
        // Built even for the signing-time mode, to check the configuration now.
        let at = match trust.time {
            ValidationTime::At(time) => Some(time),
            ValidationTime::Now | ValidationTime::SigningTime => None,
        };
        let validator = trust.validator_at(anchors, at)?;
        if trust.time != ValidationTime::SigningTime {
            trust.validator = Some(validator);
        }
        Ok(trust)
    }
}
