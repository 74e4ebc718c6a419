//! What [`open`](crate::open) found: one [`Report`] with everything a mail client shows —
//! encrypted or not and how, who signed, whether each signer is trusted and at which
//! validation level, whether the From address is the signer's, which parts the signatures
//! cover, and the content itself.

use core::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use smime_crypto::SignatureScheme;
use smime_mime::{Coverage, EncryptionReport, PartPath, PartReport, SignatureReport};
use smime_path::VerifiedPath;
use smime_x509::{Certificate, Mailbox, ValidationLevel};

/// The cryptographic verdict on one signer.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureVerdict {
    /// The signature is valid over the content it covers (trust is in [`ChainVerdict`]).
    Valid {
        /// The scheme that verified.
        scheme: SignatureScheme,
    },
    /// The signature does not verify, or could not be checked; the error says why.
    Invalid(smime_cms::Error),
}

impl SignatureVerdict {
    /// Whether the signature is valid.
    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid { .. })
    }
}

/// Whether a signer's certificate leads to a trust anchor.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub enum ChainVerdict {
    /// A path to a trust anchor was validated (RFC 5280, emailProtection, key usage,
    /// revocation as far as CRLs were available).
    Trusted(Box<VerifiedPath>),
    /// No valid path: untrusted root, expired, revoked, wrong purpose, … (the error says
    /// which, and where).
    Untrusted(Arc<smime_path::Error>),
    /// Not evaluated: no trust anchors were given, or the signature itself is not valid (a
    /// chain means nothing for a signature that does not verify).
    NotEvaluated(NotEvaluatedReason),
}

impl ChainVerdict {
    /// Whether the chain was validated to a trust anchor.
    pub fn is_trusted(&self) -> bool {
        matches!(self, Self::Trusted(_))
    }

    /// The verified path, when trusted.
    pub fn verified_path(&self) -> Option<&VerifiedPath> {
        match self {
            Self::Trusted(path) => Some(path),
            _ => None,
        }
    }
}

/// Why a chain was not evaluated.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotEvaluatedReason {
    /// No trust anchors were given ([`Trust::none`](crate::Trust::none)).
    NoTrustAnchors,
    /// The signature is not valid.
    InvalidSignature,
    /// The message has more signers than [`MAX_CHAIN_VALIDATIONS`](crate::MAX_CHAIN_VALIDATIONS)
    /// and this one's chain was not validated.
    BudgetExceeded,
}

/// Whether the address in the message's `From` field is one of the signer's (RFC 8550 §3).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressVerdict {
    /// The From address is one of the certificate's mailboxes.
    Matched {
        /// The From field value.
        from: String,
        /// The certificate entry that matched.
        mailbox: Mailbox,
    },
    /// The From address is none of the certificate's.
    Mismatch {
        /// The From field value.
        from: String,
        /// Every address the certificate carries.
        certificate_addresses: Vec<String>,
    },
    /// The message the signature belongs to has no From field.
    NoFrom,
    /// The signer's certificate is not known, so nothing could be compared.
    NoCertificate,
}

impl AddressVerdict {
    /// Whether the From address matched.
    pub fn is_match(&self) -> bool {
        matches!(self, Self::Matched { .. })
    }
}

/// Everything known about one signer of one signature in the message.
#[derive(Clone, Debug)]
pub struct SignerReport {
    pub(crate) signature: usize,
    pub(crate) path: PartPath,
    pub(crate) signer: usize,
    pub(crate) certificate: Option<Certificate>,
    pub(crate) verdict: SignatureVerdict,
    pub(crate) chain: ChainVerdict,
    pub(crate) address: AddressVerdict,
    pub(crate) signing_time: Option<SystemTime>,
    pub(crate) covers_whole_message: bool,
    pub(crate) in_attached_message: bool,
}

impl SignerReport {
    /// The signature structure this signer belongs to (an index into
    /// [`Report::signatures`]).
    pub fn signature(&self) -> usize {
        self.signature
    }

    /// Where the signature structure is in the message (`/` for the top level).
    pub fn path(&self) -> &PartPath {
        &self.path
    }

    /// The signer's position among the signers of its SignedData, from 0.
    pub fn index(&self) -> usize {
        self.signer
    }

    /// The signer's certificate (the one that verified, or the one the signer names).
    pub fn certificate(&self) -> Option<&Certificate> {
        self.certificate.as_ref()
    }

    /// The certificate's subject, or a placeholder when it is not known.
    pub fn subject(&self) -> String {
        self.certificate.as_ref().map_or_else(
            || format!("signer {} (certificate not found)", self.signer),
            |c| c.subject().to_string(),
        )
    }

    /// The cryptographic verdict.
    pub fn verdict(&self) -> &SignatureVerdict {
        &self.verdict
    }

    /// The chain verdict.
    pub fn chain(&self) -> &ChainVerdict {
        &self.chain
    }

    /// The CA/Browser Forum validation level of a trusted path (the leaf asserts the policy
    /// and the policy is valid for the path).
    pub fn validation_level(&self) -> Option<ValidationLevel> {
        self.chain
            .verified_path()
            .and_then(VerifiedPath::validation_level)
    }

    /// The level the certificate claims, trusted or not (for display next to a warning).
    pub fn claimed_validation_level(&self) -> Option<ValidationLevel> {
        self.certificate
            .as_ref()
            .and_then(|c| c.validation_level().ok().flatten())
    }

    /// The From address check.
    pub fn address(&self) -> &AddressVerdict {
        &self.address
    }

    /// The signer's claimed signing time (its own clock: not proof of time).
    pub fn signing_time(&self) -> Option<SystemTime> {
        self.signing_time
    }

    /// Whether the signature's content is the whole message.
    pub fn covers_whole_message(&self) -> bool {
        self.covers_whole_message
    }

    /// Whether the signature is inside an attached (forwarded) message.
    pub fn is_in_attached_message(&self) -> bool {
        self.in_attached_message
    }

    /// Whether the signature is valid and the chain trusted.
    pub fn is_trusted(&self) -> bool {
        self.verdict.is_valid() && self.chain.is_trusted()
    }
}

/// Something that keeps a message from being trustworthy, in words a user understands.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub enum Problem {
    /// No valid signature covers any part of the message.
    NotSigned,
    /// Valid signatures cover some parts, not the whole message.
    PartlySigned {
        /// The parts no valid signature covers.
        unsigned_parts: Vec<PartPath>,
    },
    /// A signature structure could not be read or checked at all.
    UnreadableSignature {
        /// Where it is.
        path: PartPath,
        /// Why.
        error: smime_mime::Error,
    },
    /// A signature does not verify.
    BadSignature {
        /// Where the signature is.
        path: PartPath,
        /// The signer's subject.
        subject: String,
        /// Why.
        error: smime_cms::Error,
    },
    /// A signer's certificate is not trusted.
    Untrusted {
        /// The signer's subject.
        subject: String,
        /// Why.
        error: Arc<smime_path::Error>,
    },
    /// A valid signer's chain was not validated: the message has more signers than
    /// [`MAX_CHAIN_VALIDATIONS`](crate::MAX_CHAIN_VALIDATIONS).
    TooManySigners {
        /// The signer's subject.
        subject: String,
    },
    /// Trust was not evaluated for a valid signer (no trust anchors were given).
    TrustNotEvaluated {
        /// The signer's subject.
        subject: String,
    },
    /// The From address is not the signer's, and the reader requires it to be.
    FromMismatch {
        /// The signer's subject.
        subject: String,
        /// The From field.
        from: String,
        /// The certificate's addresses.
        certificate_addresses: Vec<String>,
    },
    /// The reader requires a From match, and the message has no From field.
    NoFrom {
        /// The signer's subject.
        subject: String,
    },
    /// An encrypted part could not be decrypted.
    NotDecrypted {
        /// Where it is.
        path: PartPath,
        /// Why.
        error: smime_mime::Error,
    },
    /// A part that looks like S/MIME could not be read.
    Unreadable {
        /// Where it is.
        path: PartPath,
        /// Why.
        error: smime_mime::Error,
    },
}

impl Problem {
    /// Whether the problem means something is wrong (a bad or untrusted signature, a part
    /// that could not be read) rather than something is absent (no signature, no trust
    /// anchors to judge by).
    pub fn is_failure(&self) -> bool {
        !matches!(self, Self::NotSigned | Self::TrustNotEvaluated { .. })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotSigned => f.write_str("the message is not signed"),
            Self::PartlySigned { unsigned_parts } => {
                let paths: Vec<String> = unsigned_parts.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "only part of the message is signed; not covered by a valid signature: {}",
                    paths.join(", ")
                )
            }
            Self::UnreadableSignature { path, error } => write!(
                f,
                "the signature at {path} could not be checked: {}",
                mime_reason(error)
            ),
            Self::BadSignature {
                path,
                subject,
                error,
            } => write!(
                f,
                "the signature of \"{subject}\" at {path} is not valid: {error}"
            ),
            Self::Untrusted { subject, error } => {
                write!(f, "the signer \"{subject}\" is not trusted: {error}")
            }
            Self::TooManySigners { subject } => write!(
                f,
                "the signer \"{subject}\" was not validated: the message has more than {} signers to validate",
                crate::MAX_CHAIN_VALIDATIONS
            ),
            Self::TrustNotEvaluated { subject } => write!(
                f,
                "the signer \"{subject}\" was not checked against trust anchors (none given)"
            ),
            Self::FromMismatch {
                subject,
                from,
                certificate_addresses,
            } => write!(
                f,
                "the From address {from} is not one of the signer \"{subject}\"'s addresses ({})",
                if certificate_addresses.is_empty() {
                    "none".to_owned()
                } else {
                    certificate_addresses.join(", ")
                }
            ),
            Self::NoFrom { subject } => write!(
                f,
                "the message has no From field to check against the signer \"{subject}\""
            ),
            Self::NotDecrypted { path, error } => write!(
                f,
                "the encrypted part at {path} could not be decrypted: {}",
                mime_reason(error)
            ),
            Self::Unreadable { path, error } => write!(
                f,
                "the part at {path} could not be read: {}",
                mime_reason(error)
            ),
        }
    }
}

/// A MIME-layer error without the part path it starts with (the caller names the part).
fn mime_reason(error: &smime_mime::Error) -> String {
    match error {
        smime_mime::Error::Encryption { source, .. } | smime_mime::Error::Cms { source, .. } => {
            source.to_string()
        }
        smime_mime::Error::NoDecryptor { .. } => "no decryption key was given".to_owned(),
        other => other.to_string(),
    }
}

/// Everything [`open`](crate::open) found in a message. Only `open` makes one.
#[derive(Clone, Debug)]
pub struct Report {
    pub(crate) mime: smime_mime::Report,
    pub(crate) signers: Vec<SignerReport>,
    pub(crate) require_from: bool,
    /// The From field of the content, for messages whose header fields are all inside.
    pub(crate) inner_from: Option<String>,
}

impl Report {
    /// Whether any part of the message was encrypted.
    pub fn is_encrypted(&self) -> bool {
        !self.mime.encryptions().is_empty()
    }

    /// The encryption layers, outermost first, each with its cipher and whether it
    /// authenticated the content — or why it was not decrypted.
    pub fn encryptions(&self) -> &[EncryptionReport] {
        self.mime.encryptions()
    }

    /// Whether every encryption layer was decrypted with an authenticating cipher
    /// (AES-GCM). `false` when the message was not encrypted, or when a CBC layer could have
    /// been altered in transit (EFAIL) — a valid signature inside it still protects the
    /// content.
    pub fn is_encryption_authenticated(&self) -> bool {
        self.is_encrypted()
            && self.mime.encryptions().iter().all(|e| {
                e.decryption()
                    .is_some_and(smime_mime::Decryption::is_authenticated)
            })
    }

    /// Every signature structure found, outer before inner.
    pub fn signatures(&self) -> &[SignatureReport] {
        self.mime.signatures()
    }

    /// Every signer of every signature, with its verdicts.
    pub fn signers(&self) -> &[SignerReport] {
        &self.signers
    }

    /// How much of the message valid signatures cover; only [`Coverage::Complete`] means
    /// "this message is signed".
    pub fn signature_coverage(&self) -> Coverage {
        self.mime.signature_coverage()
    }

    /// Every leaf part, with the signatures and encryption layers around it.
    pub fn parts(&self) -> &[PartReport] {
        self.mime.parts()
    }

    /// The parts no valid signature covers.
    pub fn unsigned_parts(&self) -> impl Iterator<Item = &PartReport> {
        self.mime.unsigned_parts()
    }

    /// The final MIME entity: the message with its S/MIME layers taken off — what to show.
    pub fn content(&self) -> &[u8] {
        self.mime.content()
    }

    /// The `From` field values of the message.
    pub fn from(&self) -> &[String] {
        self.mime.from()
    }

    /// The sender as the message states it: the first `From` field of the message, or, when
    /// the outside has none, the `From` field of the content (OpenSSL signs and encrypts
    /// whole messages, header fields included).
    pub fn sender(&self) -> Option<&str> {
        self.mime
            .from()
            .first()
            .map(String::as_str)
            .or(self.inner_from.as_deref())
    }

    /// The certificates of certs-only parts.
    pub fn certificates_only(&self) -> impl Iterator<Item = &smime_cms::Certificate> {
        self.mime.parts().iter().flat_map(|part| match part.kind() {
            smime_mime::PartKind::CertificatesOnly(certificates) => certificates.as_slice(),
            _ => &[],
        })
    }

    /// The MIME layer's report, for details this one does not repeat.
    pub fn mime(&self) -> &smime_mime::Report {
        &self.mime
    }

    /// Everything that keeps the message from being a fully signed message from trusted
    /// signers whose addresses match (the last only when the reader requires it), most
    /// fundamental first: parts that could not be decrypted or read, then signatures and
    /// signers, then what the valid signatures do not cover. Empty means: every part is
    /// covered by valid signatures of trusted signers.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        for encryption in self.mime.encryptions() {
            if let Some(error) = encryption.error() {
                problems.push(Problem::NotDecrypted {
                    path: encryption.path().clone(),
                    error: error.clone(),
                });
            }
        }
        for part in self.mime.parts() {
            if let smime_mime::PartKind::Unreadable(error) = part.kind() {
                problems.push(Problem::Unreadable {
                    path: part.path().clone(),
                    error: error.clone(),
                });
            }
        }
        for signature in self.mime.signatures() {
            if let Some(error) = signature.error() {
                problems.push(Problem::UnreadableSignature {
                    path: signature.path().clone(),
                    error: error.clone(),
                });
            }
        }
        for signer in &self.signers {
            let subject = signer.subject();
            match (&signer.verdict, &signer.chain) {
                (SignatureVerdict::Invalid(error), _) => problems.push(Problem::BadSignature {
                    path: signer.path.clone(),
                    subject,
                    error: error.clone(),
                }),
                (SignatureVerdict::Valid { .. }, ChainVerdict::Untrusted(error)) => {
                    problems.push(Problem::Untrusted {
                        subject,
                        error: Arc::clone(error),
                    });
                }
                (
                    SignatureVerdict::Valid { .. },
                    ChainVerdict::NotEvaluated(NotEvaluatedReason::BudgetExceeded),
                ) => problems.push(Problem::TooManySigners { subject }),
                (SignatureVerdict::Valid { .. }, ChainVerdict::NotEvaluated(_)) => {
                    problems.push(Problem::TrustNotEvaluated { subject });
                }
                (SignatureVerdict::Valid { .. }, ChainVerdict::Trusted(_)) => {}
            }
            if self.require_from && signer.verdict.is_valid() {
                match &signer.address {
                    AddressVerdict::Mismatch {
                        from,
                        certificate_addresses,
                    } => problems.push(Problem::FromMismatch {
                        subject: signer.subject(),
                        from: from.clone(),
                        certificate_addresses: certificate_addresses.clone(),
                    }),
                    AddressVerdict::NoFrom => problems.push(Problem::NoFrom {
                        subject: signer.subject(),
                    }),
                    AddressVerdict::Matched { .. } | AddressVerdict::NoCertificate => {}
                }
            }
        }
        match self.signature_coverage() {
            Coverage::Complete => {}
            Coverage::None => problems.push(Problem::NotSigned),
            Coverage::Partial => problems.push(Problem::PartlySigned {
                unsigned_parts: self
                    .unsigned_parts()
                    .map(|part| part.path().clone())
                    .collect(),
            }),
        }
        problems
    }

    /// Whether the whole message is signed, every signature valid, every signer trusted,
    /// and (when required) every From address matched: [`problems`](Self::problems) is
    /// empty.
    pub fn is_trusted(&self) -> bool {
        self.problems().is_empty()
    }

    /// Whether the From address must match (as configured in the [`Trust`](crate::Trust)).
    pub fn requires_from(&self) -> bool {
        self.require_from
    }
}

/// The certificate addresses of a mailbox list, as strings.
pub(crate) fn addresses(mailboxes: &[Mailbox]) -> Vec<String> {
    mailboxes
        .iter()
        .map(|m| match m.address() {
            Ok(address) => address.to_string(),
            Err(_) => m.to_string(),
        })
        .collect()
}

/// A UTC time as RFC 3339 (`2026-11-23T10:15:00Z`).
pub(crate) fn rfc3339(time: SystemTime) -> String {
    smime_x509::der::DateTime::from_system_time(time)
        .map_or_else(|_| "(out of range)".to_owned(), |t| t.to_string())
}

impl fmt::Display for SignerReport {
    /// Several lines, indented by two spaces, without a final line break.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "  signer:     {}", self.subject())?;
        if self.in_attached_message {
            f.write_str(" (in an attached message)")?;
        }
        match &self.verdict {
            SignatureVerdict::Valid { scheme } => {
                write!(f, "\n  signature:  valid ({})", scheme.operation_name())?;
            }
            SignatureVerdict::Invalid(error) => write!(f, "\n  signature:  INVALID: {error}")?,
        }
        if let Some(time) = self.signing_time {
            write!(f, "\n  signed at:  {} (the signer's claim)", rfc3339(time))?;
        }
        match &self.chain {
            ChainVerdict::Trusted(path) => {
                write!(
                    f,
                    "\n  chain:      trusted: {}",
                    path.leaf().subject_string()
                )?;
                for intermediate in path.intermediates() {
                    write!(f, " <- {}", intermediate.subject_string())?;
                }
                write!(f, " <- {} (trust anchor)", path.anchor().subject_string())?;
                let revocation = match path.revocation_status() {
                    smime_path::RevocationStatus::Good(source) => {
                        format!("not revoked ({source:?} checked)")
                    }
                    smime_path::RevocationStatus::NotChecked => "not checked".to_owned(),
                    _ => "unknown (no CRL or OCSP response covers the certificates)".to_owned(),
                };
                write!(f, "\n  revocation: {revocation}")?;
            }
            ChainVerdict::Untrusted(error) => write!(f, "\n  chain:      NOT TRUSTED: {error}")?,
            ChainVerdict::NotEvaluated(NotEvaluatedReason::NoTrustAnchors) => {
                f.write_str("\n  chain:      not evaluated (no trust anchors given)")?;
            }
            ChainVerdict::NotEvaluated(NotEvaluatedReason::InvalidSignature) => {
                f.write_str("\n  chain:      not evaluated (the signature is not valid)")?;
            }
            ChainVerdict::NotEvaluated(NotEvaluatedReason::BudgetExceeded) => write!(
                f,
                "\n  chain:      NOT evaluated (more than {} signers in the message)",
                crate::MAX_CHAIN_VALIDATIONS
            )?,
        }
        match (self.validation_level(), self.claimed_validation_level()) {
            (Some(level), _) => write!(f, "\n  level:      {level} (CA/Browser Forum)")?,
            (None, Some(level)) => {
                write!(
                    f,
                    "\n  level:      {level} (claimed by an untrusted certificate)"
                )?;
            }
            (None, None) => f.write_str("\n  level:      none asserted")?,
        }
        match &self.address {
            AddressVerdict::Matched { from, mailbox } => {
                write!(
                    f,
                    "\n  From:       {from} matches the certificate's {mailbox}"
                )?;
            }
            AddressVerdict::Mismatch {
                from,
                certificate_addresses,
            } => write!(
                f,
                "\n  From:       MISMATCH: {from} is not in the certificate ({})",
                if certificate_addresses.is_empty() {
                    "it has no address".to_owned()
                } else {
                    certificate_addresses.join(", ")
                }
            )?,
            AddressVerdict::NoFrom => {
                f.write_str("\n  From:       the message has no From field")?
            }
            AddressVerdict::NoCertificate => {
                f.write_str("\n  From:       not checked (no certificate)")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Report {
    /// A report for people: encryption, signers, coverage, content and the verdict.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(from) = self.sender() {
            writeln!(f, "From:         {from}")?;
        }
        if self.mime.encryptions().is_empty() {
            writeln!(f, "encrypted:    no")?;
        }
        for encryption in self.mime.encryptions() {
            let path = encryption.path();
            match (encryption.decryption(), encryption.error()) {
                (Some(decryption), _) => writeln!(
                    f,
                    "encrypted:    yes ({path}): {}, {}",
                    decryption.content_cipher(),
                    if decryption.is_authenticated() {
                        "authenticated"
                    } else {
                        "NOT authenticated (CBC: the content could have been altered unless it is signed)"
                    }
                )?,
                (None, Some(error)) => writeln!(
                    f,
                    "encrypted:    yes ({path}), NOT decrypted: {}",
                    mime_reason(error)
                )?,
                (None, None) => writeln!(f, "encrypted:    yes ({path}), not decrypted")?,
            }
        }
        let coverage = match self.signature_coverage() {
            Coverage::Complete => "the whole message".to_owned(),
            Coverage::Partial => {
                let unsigned: Vec<String> = self
                    .unsigned_parts()
                    .map(|p| p.path().to_string())
                    .collect();
                if unsigned.is_empty() {
                    "PARTLY: the signed parts sit inside unsigned structure".to_owned()
                } else {
                    format!("PARTLY: not covered: {}", unsigned.join(", "))
                }
            }
            Coverage::None => "no".to_owned(),
        };
        writeln!(f, "signed:       {coverage}")?;
        for signature in self.mime.signatures() {
            let form = match signature.form() {
                smime_mime::SignatureForm::Detached => "detached (multipart/signed)",
                smime_mime::SignatureForm::Opaque => "opaque (signed-data)",
            };
            writeln!(f, "signature at {}: {form}", signature.path())?;
            if let Some(error) = signature.error() {
                writeln!(f, "  UNREADABLE: {error}")?;
            }
            for signer in self
                .signers
                .iter()
                .filter(|s| s.signature == signature.index())
            {
                writeln!(f, "{signer}")?;
            }
        }
        for part in self.mime.parts() {
            if let smime_mime::PartKind::CertificatesOnly(certificates) = part.kind() {
                writeln!(
                    f,
                    "certificates: {} in a certs-only part at {}",
                    certificates.len(),
                    part.path()
                )?;
            }
        }
        let content = self.content();
        match smime_mime::Entity::parse(content) {
            Ok(entity) => writeln!(
                f,
                "content:      {}, {} bytes",
                entity.content_type().essence(),
                content.len()
            )?,
            Err(_) => writeln!(f, "content:      none")?,
        }
        let problems = self.problems();
        if problems.is_empty() {
            write!(f, "verdict:      TRUSTED")?;
            let names: Vec<String> = self
                .signers
                .iter()
                .filter(|s| s.is_trusted())
                .map(SignerReport::subject)
                .collect();
            if !names.is_empty() {
                write!(f, ": signed by {}", names.join(", "))?;
            }
            writeln!(f)?;
        } else {
            writeln!(f, "verdict:      NOT TRUSTED")?;
            for problem in problems {
                writeln!(f, "  - {problem}")?;
            }
        }
        Ok(())
    }
}
