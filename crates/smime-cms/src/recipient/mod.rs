//! RecipientInfos (RFC 5652 §6.2): who can open an envelope, and how.
//!
//! ```text
//! RecipientInfo ::= CHOICE {
//!   ktri KeyTransRecipientInfo,
//!   kari [1] KeyAgreeRecipientInfo,
//!   kekri [2] KEKRecipientInfo,
//!   pwri [3] PasswordRecipientInfo,
//!   ori [4] OtherRecipientInfo }
//! ```
//!
//! | kind | module | key management | standards |
//! |---|---|---|---|
//! | key transport | [`ktri`] | RSA PKCS #1 v1.5, RSAES-OAEP | RFC 5652 §6.2.1, RFC 3370 §4.2, RFC 4055/8017 |
//! | key agreement | [`kari`] | ephemeral-static ECDH P-256/P-384, X9.63 KDF (SHA-1/256/384/512), AES key wrap | RFC 5652 §6.2.2, RFC 5753, RFC 5008 |
//! | pre-shared key | [`kekri`] | AES key wrap | RFC 5652 §6.2.3, RFC 3394, RFC 3565 |
//! | password | [`pwri`] | PBKDF2 (HMAC-SHA-1/256/384/512), id-alg-PWRI-KEK with AES-CBC or 3DES | RFC 5652 §6.2.4, RFC 3211, RFC 8018 |
//!
//! A new recipient is described by a [`RecipientBuilder`]; a message's recipients are listed
//! by [`RecipientIdentifier`]s; how the one that opened a message was protected is a
//! [`KeyManagement`].

pub mod kari;
pub mod kekri;
mod key_wrap;
pub mod ktri;
pub mod pwri;

pub use key_wrap::{ID_AES128_WRAP, ID_AES192_WRAP, ID_AES256_WRAP, ID_ALG_CMS3DES_WRAP, KeyWrap};

use core::fmt;
use std::sync::Arc;

use cms::cert::IssuerAndSerialNumber;
use cms::enveloped_data::RecipientInfo;
use const_oid::ObjectIdentifier;
use der::Encode;
use smime_crypto::{
    CbcCipher, CryptoProvider, DigestAlgorithm, EcCurve, KeyKind, PrivateKey, PublicKey,
    RsaEncryptionPadding,
};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::attributes::{self, SmimeCapabilities};
use crate::ber::Tlv;
use crate::budget::{MAX_PBKDF2_ITERATIONS, MAX_RECIPIENTS};
use crate::content_encryption::ContentEncryption;
use crate::error::Error;
use crate::signer_info::decode_leaf;

/// How the content-encryption key reached the recipient who opened a message.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KeyManagement {
    /// RSA key transport (KeyTransRecipientInfo).
    KeyTransport {
        /// PKCS #1 v1.5 or OAEP with its hashes.
        padding: RsaEncryptionPadding,
    },
    /// Ephemeral-static ECDH key agreement (KeyAgreeRecipientInfo, RFC 5753).
    KeyAgreement {
        /// The curve.
        curve: EcCurve,
        /// The hash of the X9.63 KDF.
        kdf: DigestAlgorithm,
        /// Whether the cofactor variant was named (the same computation on P-256/P-384,
        /// whose cofactor is 1).
        cofactor: bool,
        /// The key wrap of the content-encryption key.
        key_wrap: KeyWrap,
    },
    /// A pre-shared key-encryption key (KEKRecipientInfo).
    Kek {
        /// The key wrap of the content-encryption key.
        key_wrap: KeyWrap,
    },
    /// A password (PasswordRecipientInfo, RFC 3211).
    Password {
        /// The PBKDF2 pseudorandom function's hash (HMAC).
        prf: DigestAlgorithm,
        /// The PBKDF2 iteration count.
        iterations: u32,
        /// The cipher of the id-alg-PWRI-KEK key wrap.
        key_encryption: CbcCipher,
    },
}

impl fmt::Display for KeyManagement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyTransport {
                padding: RsaEncryptionPadding::Pkcs1v15,
            } => f.write_str("RSA key transport (PKCS #1 v1.5)"),
            Self::KeyTransport {
                padding: RsaEncryptionPadding::Oaep { digest, mgf_digest },
            } => write!(
                f,
                "RSA key transport (OAEP, {}, MGF1-{})",
                digest.name(),
                mgf_digest.name()
            ),
            Self::KeyTransport { padding } => write!(f, "RSA key transport ({padding:?})"),
            Self::KeyAgreement {
                curve,
                kdf,
                cofactor,
                key_wrap,
            } => write!(
                f,
                "ECDH {} key agreement ({}X9.63 KDF with {}, {key_wrap})",
                match curve {
                    EcCurve::P256 => "P-256",
                    EcCurve::P384 => "P-384",
                    _ => "EC",
                },
                if *cofactor { "cofactor DH, " } else { "" },
                kdf.name()
            ),
            Self::Kek { key_wrap } => write!(f, "pre-shared key ({key_wrap})"),
            Self::Password {
                prf,
                iterations,
                key_encryption,
            } => write!(
                f,
                "password (PBKDF2-HMAC-{}, {iterations} iterations, {})",
                prf.name(),
                ContentEncryption::Cbc(*key_encryption)
            ),
        }
    }
}

/// How a RecipientInfo names its recipient, as listed by
/// [`Envelope::recipients`](crate::Envelope::recipients).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecipientIdentifier {
    /// A certificate's issuer and serial number (key transport or key agreement).
    IssuerAndSerialNumber(IssuerAndSerialNumber),
    /// A certificate's subjectKeyIdentifier (key transport or key agreement).
    SubjectKeyIdentifier(Vec<u8>),
    /// The identifier of a pre-shared key-encryption key.
    KekIdentifier(Vec<u8>),
    /// A password (PWRI names no one).
    Password,
    /// An OtherRecipientInfo of this type (not supported).
    Other(ObjectIdentifier),
}

impl RecipientIdentifier {
    /// Whether this identifier names `certificate`.
    pub fn matches(&self, certificate: &Certificate) -> bool {
        match self {
            Self::IssuerAndSerialNumber(isn) => issuer_and_serial_matches(isn, certificate),
            Self::SubjectKeyIdentifier(id) => ski_matches(id, certificate),
            _ => false,
        }
    }
}

/// Whether `isn` names `certificate`.
pub(crate) fn issuer_and_serial_matches(
    isn: &IssuerAndSerialNumber,
    certificate: &Certificate,
) -> bool {
    let tbs = certificate.tbs_certificate();
    isn.issuer == *tbs.issuer() && isn.serial_number == *tbs.serial_number()
}

/// The DER `IssuerAndSerialNumber` of `certificate` (RFC 5652 §10.2.4), encoded from its
/// fields without copying them.
pub(crate) fn issuer_and_serial_number_der(certificate: &Certificate) -> Result<Vec<u8>, Error> {
    let encoding = Error::encoding("IssuerAndSerialNumber");
    let tbs = certificate.tbs_certificate();
    Ok(crate::ber::encode_parts(
        crate::ber::SEQUENCE,
        &[
            &tbs.issuer().to_der().map_err(&encoding)?,
            &tbs.serial_number().to_der().map_err(&encoding)?,
        ],
    ))
}

/// Whether `id` is `certificate`'s subjectKeyIdentifier.
pub(crate) fn ski_matches(id: &[u8], certificate: &Certificate) -> bool {
    attributes::subject_key_identifier(certificate).is_some_and(|ski| ski.0.as_bytes() == id)
}

/// An [`Error::UnsupportedKeyManagement`].
pub(crate) fn unsupported(
    recipient: usize,
    kind: &'static str,
    algorithm: impl Into<String>,
) -> Error {
    Error::UnsupportedKeyManagement {
        recipient,
        kind,
        algorithm: algorithm.into(),
    }
}

/// An [`Error::InvalidKeyManagement`].
pub(crate) fn invalid(recipient: usize, reason: impl Into<String>) -> Error {
    Error::InvalidKeyManagement {
        recipient,
        reason: reason.into(),
    }
}

/// A provider error about an algorithm identifier of RecipientInfo `recipient`.
pub(crate) fn algorithm_error(
    recipient: usize,
    kind: &'static str,
    error: smime_crypto::Error,
) -> Error {
    match error {
        smime_crypto::Error::UnsupportedAlgorithm(algorithm) => {
            unsupported(recipient, kind, algorithm)
        }
        other => invalid(recipient, other.to_string()),
    }
}

/// Reads the RecipientInfos SET (DER or BER), at most [`MAX_RECIPIENTS`] entries (counting
/// each RecipientEncryptedKey of a KeyAgreeRecipientInfo).
pub(crate) fn parse_recipient_infos(set: Tlv<'_>) -> Result<Vec<RecipientInfo>, Error> {
    const WHAT: &str = "RecipientInfos";
    let mut reader = set.reader(WHAT)?;
    let mut infos = Vec::new();
    let mut count = 0usize;
    while !reader.is_empty() {
        if count >= MAX_RECIPIENTS {
            return Err(Error::BudgetExceeded {
                what: "recipients in one message",
                limit: MAX_RECIPIENTS,
            });
        }
        let info: RecipientInfo = decode_leaf(reader.read()?, "RecipientInfo")?;
        count = count.saturating_add(match &info {
            RecipientInfo::Kari(kari) => kari.recipient_enc_keys.len().max(1),
            _ => 1,
        });
        infos.push(info);
    }
    if count > MAX_RECIPIENTS {
        return Err(Error::BudgetExceeded {
            what: "recipients in one message",
            limit: MAX_RECIPIENTS,
        });
    }
    if infos.is_empty() {
        return Err(Error::NoRecipientInfos);
    }
    Ok(infos)
}

/// The identifiers of every recipient of a message, in order.
pub(crate) fn identifiers(infos: &[RecipientInfo]) -> Vec<RecipientIdentifier> {
    let mut out = Vec::new();
    for info in infos {
        match info {
            RecipientInfo::Ktri(ktri) => out.push(ktri::identifier(ktri)),
            RecipientInfo::Kari(kari) => out.extend(kari::identifiers(kari)),
            RecipientInfo::Kekri(kekri) => out.push(RecipientIdentifier::KekIdentifier(
                kekri.kek_id.kek_identifier.as_bytes().to_vec(),
            )),
            RecipientInfo::Pwri(_) => out.push(RecipientIdentifier::Password),
            RecipientInfo::Ori(ori) => out.push(RecipientIdentifier::Other(ori.ori_type)),
        }
    }
    out
}

/// What the caller brings to open a RecipientInfo.
#[derive(Clone, Copy)]
pub(crate) enum Credential<'a> {
    /// A private key, with the certificate that names its RecipientInfos (or without: then
    /// every RecipientInfo the key's type fits is tried).
    PrivateKey {
        key: &'a dyn PrivateKey,
        certificate: Option<&'a Certificate>,
    },
    /// A pre-shared key-encryption key and its identifier.
    Kek {
        key_identifier: &'a [u8],
        kek: &'a [u8],
    },
    /// A password (octets; RFC 3211 uses UTF-8 in practice).
    Password(&'a [u8]),
}

impl fmt::Debug for Credential<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key-encryption key or the password.
        match self {
            Self::PrivateKey { key, certificate } => f
                .debug_struct("PrivateKey")
                .field("key", key)
                .field(
                    "certificate",
                    &certificate.map(|c| c.tbs_certificate().subject().to_string()),
                )
                .finish(),
            Self::Kek { key_identifier, .. } => f
                .debug_struct("Kek")
                .field("key_identifier", key_identifier)
                .finish_non_exhaustive(),
            Self::Password(_) => f.write_str("Password(..)"),
        }
    }
}

/// A content-encryption key recovered from one RecipientInfo.
pub(crate) struct KeyCandidate {
    /// Index of the RecipientInfo.
    pub(crate) recipient: usize,
    /// How it was protected.
    pub(crate) key_management: KeyManagement,
    /// The key (for RSA PKCS #1 v1.5, possibly the implicit-rejection substitute).
    pub(crate) key: Zeroizing<Vec<u8>>,
    /// Whether the key management itself proved the key right (AES key wrap integrity
    /// check, OAEP decoding, RFC 3211 check bytes). RSA PKCS #1 v1.5 never does: implicit
    /// rejection makes a wrong key indistinguishable until the content is decrypted.
    pub(crate) verified: bool,
}

impl fmt::Debug for KeyCandidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCandidate")
            .field("recipient", &self.recipient)
            .field("key_management", &self.key_management)
            .field("verified", &self.verified)
            .finish_non_exhaustive()
    }
}

/// The PBKDF2 iterations one call may still spend (summed over PasswordRecipientInfos).
pub(crate) struct IterationBudget(u32);

impl IterationBudget {
    /// A fresh budget of [`MAX_PBKDF2_ITERATIONS`].
    pub(crate) fn new() -> Self {
        Self(MAX_PBKDF2_ITERATIONS)
    }

    /// Takes `iterations` from the budget, or fails without spending anything.
    pub(crate) fn charge(&mut self, iterations: u32) -> Result<(), Error> {
        match self.0.checked_sub(iterations) {
            Some(left) => {
                self.0 = left;
                Ok(())
            }
            None => Err(Error::BudgetExceeded {
                what: "PBKDF2 iterations in one call",
                limit: usize::try_from(MAX_PBKDF2_ITERATIONS).unwrap_or(usize::MAX),
            }),
        }
    }
}

/// Recovers every content-encryption key the credentials can reach.
///
/// RecipientInfos are visited in order; each is opened with each credential that fits it.
/// With a certificate, only the RecipientInfos that name it are opened, unless `try_all`.
/// RSA PKCS #1 v1.5 key transport always yields a key (implicit rejection), so every
/// addressed KeyTransRecipientInfo costs the same one private-key operation whether its
/// padding is valid or not.
///
/// Errors of single RecipientInfos are set aside while others yield keys; when none does,
/// the first error is returned, or [`Error::NoMatchingRecipient`] when none was addressed.
pub(crate) fn key_candidates(
    infos: &[RecipientInfo],
    credentials: &[Credential<'_>],
    try_all: bool,
    key_len: usize,
    provider: &dyn CryptoProvider,
) -> Result<Vec<KeyCandidate>, Error> {
    let mut candidates = Vec::new();
    let mut first_error: Option<Error> = None;
    let mut iterations = IterationBudget::new();
    // Refuse a message whose password derivations would together exceed the budget before
    // spending anything on them.
    let passwords = credentials
        .iter()
        .filter(|c| matches!(c, Credential::Password(_)))
        .count();
    if passwords > 0 {
        let per_password: u64 = infos
            .iter()
            .filter_map(|info| match info {
                RecipientInfo::Pwri(pwri) => pwri::iterations(pwri).map(u64::from),
                _ => None,
            })
            .sum();
        let total = per_password.saturating_mul(u64::try_from(passwords).unwrap_or(u64::MAX));
        if total > u64::from(MAX_PBKDF2_ITERATIONS) {
            return Err(Error::BudgetExceeded {
                what: "PBKDF2 iterations in one call",
                limit: usize::try_from(MAX_PBKDF2_ITERATIONS).unwrap_or(usize::MAX),
            });
        }
    }
    let mut note = |outcome: Result<KeyCandidate, Error>, candidates: &mut Vec<KeyCandidate>| {
        match outcome {
            Ok(candidate) => candidates.push(candidate),
            Err(error @ Error::BudgetExceeded { .. }) => return Err(error),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
        Ok(())
    };
    for (index, info) in infos.iter().enumerate() {
        for credential in credentials {
            match (info, *credential) {
                (RecipientInfo::Ktri(ktri), Credential::PrivateKey { key, certificate }) => {
                    if let Some(outcome) =
                        ktri::open(index, ktri, key, certificate, try_all, key_len)
                    {
                        note(outcome, &mut candidates)?;
                    }
                }
                (RecipientInfo::Kari(kari), Credential::PrivateKey { key, certificate }) => {
                    for outcome in
                        kari::open(index, kari, key, certificate, try_all, key_len, provider)
                    {
                        note(outcome, &mut candidates)?;
                    }
                }
                (
                    RecipientInfo::Kekri(kekri),
                    Credential::Kek {
                        key_identifier,
                        kek,
                    },
                ) => {
                    if let Some(outcome) = kekri::open(
                        index,
                        kekri,
                        key_identifier,
                        kek,
                        try_all,
                        key_len,
                        provider,
                    ) {
                        note(outcome, &mut candidates)?;
                    }
                }
                (RecipientInfo::Pwri(pwri), Credential::Password(password)) => {
                    let outcome =
                        pwri::open(index, pwri, password, key_len, &mut iterations, provider);
                    note(outcome, &mut candidates)?;
                }
                _ => {}
            }
        }
    }
    if candidates.is_empty() {
        return Err(first_error.unwrap_or(Error::NoMatchingRecipient));
    }
    Ok(candidates)
}

/// Whom to encrypt to, and how. Built with [`RecipientBuilder::certificate`] (RSA key
/// transport or ECDH key agreement, chosen from the certificate's key),
/// [`RecipientBuilder::kek`] (a pre-shared key) or [`RecipientBuilder::password`].
///
/// ```
/// use smime_cms::RecipientBuilder;
/// use smime_crypto::{DigestAlgorithm, RsaEncryptionPadding};
///
/// # fn example(certificate: smime_cms::Certificate) {
/// // RSA-OAEP with SHA-256, the recipient named by its subjectKeyIdentifier:
/// let recipient = RecipientBuilder::certificate(certificate)
///     .rsa_padding(RsaEncryptionPadding::Oaep {
///         digest: DigestAlgorithm::Sha256,
///         mgf_digest: DigestAlgorithm::Sha256,
///     })
///     .subject_key_identifier(true);
/// # }
/// let shared = RecipientBuilder::kek(b"key-2026".to_vec(), &[7; 32]);
/// let by_password = RecipientBuilder::password(b"correct horse battery staple").pbkdf2_iterations(100_000);
/// ```
#[derive(Clone)]
pub struct RecipientBuilder {
    kind: RecipientKind,
}

#[derive(Clone)]
enum RecipientKind {
    Certificate(Box<CertificateRecipient>),
    Kek {
        key_identifier: Vec<u8>,
        kek: Zeroizing<Vec<u8>>,
    },
    Password {
        password: Zeroizing<Vec<u8>>,
        iterations: u32,
        prf: DigestAlgorithm,
    },
}

/// The choices of a certificate recipient, borrowed for [`prepare_certificate`].
#[derive(Default)]
struct CertificateOptions<'a> {
    subject_key_identifier: bool,
    rsa_padding: Option<RsaEncryptionPadding>,
    kdf: Option<DigestAlgorithm>,
    ukm: Option<&'a [u8]>,
    capabilities: Option<&'a SmimeCapabilities>,
}

/// Checks the holder of `certificate` with the default choices (as
/// [`RecipientBuilder::certificate`] without options), borrowing the certificate instead of
/// taking a copy of it (recipient number `index`).
pub(crate) fn prepare_certificate_recipient(
    index: usize,
    certificate: &Certificate,
) -> Result<RecipientPlan, Error> {
    prepare_certificate(index, certificate, &CertificateOptions::default())
}

impl CertificateRecipient {
    fn options(&self) -> CertificateOptions<'_> {
        CertificateOptions {
            subject_key_identifier: self.subject_key_identifier,
            rsa_padding: self.rsa_padding,
            kdf: self.kdf,
            ukm: self.ukm.as_deref(),
            capabilities: self.capabilities.as_ref(),
        }
    }
}

#[derive(Clone)]
struct CertificateRecipient {
    certificate: Certificate,
    subject_key_identifier: bool,
    rsa_padding: Option<RsaEncryptionPadding>,
    kdf: Option<DigestAlgorithm>,
    ukm: Option<Vec<u8>>,
    capabilities: Option<SmimeCapabilities>,
}

impl fmt::Debug for RecipientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RecipientKind::Certificate(recipient) => f
                .debug_struct("RecipientBuilder::Certificate")
                .field(
                    "subject",
                    &recipient
                        .certificate
                        .tbs_certificate()
                        .subject()
                        .to_string(),
                )
                .field("subject_key_identifier", &recipient.subject_key_identifier)
                .field("rsa_padding", &recipient.rsa_padding)
                .field("kdf", &recipient.kdf)
                .finish_non_exhaustive(),
            RecipientKind::Kek { key_identifier, .. } => f
                .debug_struct("RecipientBuilder::Kek")
                .field("key_identifier", key_identifier)
                .finish_non_exhaustive(),
            RecipientKind::Password {
                iterations, prf, ..
            } => f
                .debug_struct("RecipientBuilder::Password")
                .field("iterations", iterations)
                .field("prf", prf)
                .finish_non_exhaustive(),
        }
    }
}

impl RecipientBuilder {
    /// The holder of `certificate`: RSA key transport for an RSA key (PKCS #1 v1.5 unless
    /// [`rsa_padding`](Self::rsa_padding) or the recipient's capabilities say OAEP),
    /// ephemeral-static ECDH for a P-256 or P-384 key (X9.63 KDF with SHA-256 for P-256 and
    /// SHA-384 for P-384, and an AES key wrap as strong as the content cipher, as RFC 5008
    /// pairs them). Named by issuer and serial number unless
    /// [`subject_key_identifier`](Self::subject_key_identifier).
    pub fn certificate(certificate: Certificate) -> Self {
        Self {
            kind: RecipientKind::Certificate(Box::new(CertificateRecipient {
                certificate,
                subject_key_identifier: false,
                rsa_padding: None,
                kdf: None,
                ukm: None,
                capabilities: None,
            })),
        }
    }

    /// A pre-shared key-encryption key `kek` (16, 24 or 32 bytes: AES-128/192/256 key wrap)
    /// known to the recipient by `key_identifier` (RFC 5652 §6.2.3).
    pub fn kek(key_identifier: impl Into<Vec<u8>>, kek: &[u8]) -> Self {
        Self {
            kind: RecipientKind::Kek {
                key_identifier: key_identifier.into(),
                kek: Zeroizing::new(kek.to_vec()),
            },
        }
    }

    /// Whoever knows `password` (RFC 3211): PBKDF2-HMAC-SHA-256 with a random 16-byte salt
    /// and [`pwri::DEFAULT_PBKDF2_ITERATIONS`] iterations, and the id-alg-PWRI-KEK key wrap
    /// with AES-CBC as strong as the content cipher.
    pub fn password(password: &[u8]) -> Self {
        Self {
            kind: RecipientKind::Password {
                password: Zeroizing::new(password.to_vec()),
                iterations: pwri::DEFAULT_PBKDF2_ITERATIONS,
                prf: DigestAlgorithm::Sha256,
            },
        }
    }

    /// Name the recipient by its certificate's subjectKeyIdentifier instead of its issuer
    /// and serial number (certificate recipients only).
    pub fn subject_key_identifier(mut self, yes: bool) -> Self {
        if let RecipientKind::Certificate(recipient) = &mut self.kind {
            recipient.subject_key_identifier = yes;
        }
        self
    }

    /// The RSA key-transport padding: PKCS #1 v1.5 (the default, which every client reads)
    /// or OAEP (RFC 8551 §2.3 "SHOULD+"), for RSA recipients.
    pub fn rsa_padding(mut self, padding: RsaEncryptionPadding) -> Self {
        if let RecipientKind::Certificate(recipient) = &mut self.kind {
            recipient.rsa_padding = Some(padding);
        }
        self
    }

    /// The hash of the X9.63 KDF for an EC recipient (dhSinglePass-stdDH-sha*kdf-scheme).
    pub fn key_derivation(mut self, digest: DigestAlgorithm) -> Self {
        if let RecipientKind::Certificate(recipient) = &mut self.kind {
            recipient.kdf = Some(digest);
        }
        self
    }

    /// User keying material (`ukm`) for an EC recipient: mixed into the KDF through
    /// ECC-CMS-SharedInfo's entityUInfo (RFC 5753 §7.2).
    pub fn user_keying_material(mut self, ukm: impl Into<Vec<u8>>) -> Self {
        if let RecipientKind::Certificate(recipient) = &mut self.kind {
            recipient.ukm = Some(ukm.into());
        }
        self
    }

    /// The recipient's SMIMECapabilities (from a message they signed, RFC 8551 §2.5.2);
    /// they take precedence over the certificate's SMIMECapabilities extension (RFC 4262)
    /// when the content cipher and the RSA padding are chosen.
    pub fn capabilities(mut self, capabilities: SmimeCapabilities) -> Self {
        if let RecipientKind::Certificate(recipient) = &mut self.kind {
            recipient.capabilities = Some(capabilities);
        }
        self
    }

    /// The PBKDF2 iteration count for a password recipient (default
    /// [`pwri::DEFAULT_PBKDF2_ITERATIONS`]; at most
    /// [`crate::budget::MAX_PBKDF2_ITERATIONS`], so that we can read
    /// what we write).
    pub fn pbkdf2_iterations(mut self, iterations: u32) -> Self {
        if let RecipientKind::Password {
            iterations: current,
            ..
        } = &mut self.kind
        {
            *current = iterations;
        }
        self
    }

    /// The PBKDF2 pseudorandom function's hash for a password recipient (HMAC-SHA-256 by
    /// default; SHA-1, SHA-384 and SHA-512 also work).
    pub fn pbkdf2_prf(mut self, digest: DigestAlgorithm) -> Self {
        if let RecipientKind::Password { prf, .. } = &mut self.kind {
            *prf = digest;
        }
        self
    }

    /// Checks the recipient and resolves its key (recipient number `index`).
    pub(crate) fn prepare(&self, index: usize) -> Result<RecipientPlan, Error> {
        match &self.kind {
            RecipientKind::Certificate(recipient) => {
                prepare_certificate(index, &recipient.certificate, &recipient.options())
            }
            RecipientKind::Kek {
                key_identifier,
                kek,
            } => {
                let wrap = KeyWrap::for_kek_len(kek.len()).ok_or_else(|| {
                    invalid(
                        index,
                        format!(
                            "a key-encryption key of {} bytes (AES key wrap needs 16, 24 or 32)",
                            kek.len()
                        ),
                    )
                })?;
                Ok(RecipientPlan::Kek {
                    key_identifier: key_identifier.clone(),
                    kek: kek.clone(),
                    wrap,
                })
            }
            RecipientKind::Password {
                password,
                iterations,
                prf,
            } => {
                if *iterations == 0 || *iterations > MAX_PBKDF2_ITERATIONS {
                    return Err(invalid(
                        index,
                        format!(
                            "{iterations} PBKDF2 iterations (1 to {MAX_PBKDF2_ITERATIONS} are allowed)"
                        ),
                    ));
                }
                Ok(RecipientPlan::Password {
                    password: password.clone(),
                    iterations: *iterations,
                    prf: *prf,
                })
            }
        }
    }
}

/// A recipient checked once and kept ready for many messages: the certificate's key parsed,
/// its keyUsage checked, its capabilities read, and the fixed DER fields of its
/// RecipientInfo (the recipient identifier, the key-encryption algorithm) encoded. Each
/// message then costs only its own key transport or key agreement.
///
/// A [`RecipientBuilder`] does all of this again for every message, which is what a caller
/// who encrypts once wants; a mail gateway or a batch job that sends many messages to the
/// same people prepares each of them once and hands the [`PreparedRecipient`] to every
/// [`EnvelopeBuilder`](crate::EnvelopeBuilder) with
/// [`add_prepared_recipient`](crate::EnvelopeBuilder::add_prepared_recipient). Cloning one
/// is cheap (a reference count). Errors found while preparing name recipient 0.
///
/// ```
/// # fn main() -> Result<(), smime_cms::Error> {
/// use smime_cms::{DecryptOptions, EnvelopeBuilder, PreparedRecipient, RecipientBuilder};
///
/// let provider = smime_crypto::default_provider();
/// let recipient = PreparedRecipient::new(
///     &RecipientBuilder::password(b"correct horse battery staple").pbkdf2_iterations(10_000),
/// )?;
/// for body in [&b"first\r\n"[..], b"second\r\n"] {
///     let message = EnvelopeBuilder::new(body)
///         .add_prepared_recipient(&recipient)
///         .build(provider)?;
///     let options = DecryptOptions::new().password(b"correct horse battery staple");
///     assert_eq!(smime_cms::decrypt(&message, &options, provider)?.content(), body);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PreparedRecipient {
    plan: Arc<RecipientPlan>,
}

impl PreparedRecipient {
    /// Checks `recipient` and prepares what every message to it reuses. Fails as
    /// [`EnvelopeBuilder::build`](crate::EnvelopeBuilder::build) would for this recipient
    /// (unsupported or weak key, keyUsage, missing subjectKeyIdentifier, bad KEK length or
    /// iteration count), with recipient index 0.
    pub fn new(recipient: &RecipientBuilder) -> Result<Self, Error> {
        Ok(Self {
            plan: Arc::new(recipient.prepare(0)?),
        })
    }

    /// The prepared plan, shared.
    pub(crate) fn plan(&self) -> &Arc<RecipientPlan> {
        &self.plan
    }
}

impl fmt::Debug for PreparedRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key-encryption key or the password.
        let kind = match &*self.plan {
            RecipientPlan::KeyTransport { .. } => "key transport",
            RecipientPlan::KeyAgreement { .. } => "key agreement",
            RecipientPlan::Kek { .. } => "pre-shared key",
            RecipientPlan::Password { .. } => "password",
        };
        f.debug_struct("PreparedRecipient")
            .field("kind", &kind)
            .finish_non_exhaustive()
    }
}

/// A recipient checked and ready to have a RecipientInfo made for it, owning everything it
/// needs (so that a [`PreparedRecipient`] can keep it across messages).
pub(crate) enum RecipientPlan {
    /// RSA key transport.
    KeyTransport {
        public_key: PublicKey,
        padding: RsaEncryptionPadding,
        /// 0 (issuerAndSerialNumber) or 2 (subjectKeyIdentifier).
        version: u8,
        /// The DER RecipientIdentifier.
        rid: Vec<u8>,
        /// The DER keyEncryptionAlgorithm.
        key_encryption_algorithm: Vec<u8>,
        capabilities: Option<SmimeCapabilities>,
    },
    /// ECDH key agreement.
    KeyAgreement {
        public_key: PublicKey,
        curve: EcCurve,
        kdf: DigestAlgorithm,
        ukm: Option<Vec<u8>>,
        /// The DER KeyAgreeRecipientIdentifier.
        rid: Vec<u8>,
        capabilities: Option<SmimeCapabilities>,
    },
    /// A pre-shared key.
    Kek {
        key_identifier: Vec<u8>,
        kek: Zeroizing<Vec<u8>>,
        wrap: KeyWrap,
    },
    /// A password.
    Password {
        password: Zeroizing<Vec<u8>>,
        iterations: u32,
        prf: DigestAlgorithm,
    },
}

impl RecipientPlan {
    /// What the recipient announced it can decrypt, if known.
    pub(crate) fn capabilities(&self) -> Option<&SmimeCapabilities> {
        match self {
            Self::KeyTransport { capabilities, .. } | Self::KeyAgreement { capabilities, .. } => {
                capabilities.as_ref()
            }
            _ => None,
        }
    }

    /// Whether this recipient makes the EnvelopedData version 3 (RFC 5652 §6.1: any pwri).
    pub(crate) fn is_password(&self) -> bool {
        matches!(self, Self::Password { .. })
    }

    /// The RecipientInfo version this recipient gets (RFC 5652 §6.2).
    pub(crate) fn version(&self) -> u8 {
        match self {
            Self::KeyTransport { version, .. } => *version,
            Self::KeyAgreement { .. } => 3,
            Self::Kek { .. } => 4,
            Self::Password { .. } => 0,
        }
    }

    /// The DER RecipientInfo that gives `content_key` to this recipient.
    pub(crate) fn build(
        &self,
        index: usize,
        content_key: &[u8],
        content_encryption: ContentEncryption,
        provider: &dyn CryptoProvider,
    ) -> Result<Vec<u8>, Error> {
        let info = match self {
            Self::KeyTransport {
                public_key,
                padding,
                version,
                rid,
                key_encryption_algorithm,
                ..
            } => {
                return ktri::build(
                    index,
                    &ktri::KeyTransportRecipient {
                        public_key,
                        padding: *padding,
                        version: *version,
                        rid,
                        key_encryption_algorithm,
                    },
                    content_key,
                    provider,
                );
            }
            Self::KeyAgreement {
                public_key,
                curve,
                kdf,
                ukm,
                rid,
                ..
            } => {
                return kari::build(
                    index,
                    &kari::KeyAgreementRecipient {
                        public_key,
                        curve: *curve,
                        kdf: *kdf,
                        ukm: ukm.as_deref(),
                        rid,
                    },
                    content_key,
                    content_encryption,
                    provider,
                );
            }
            Self::Kek {
                key_identifier,
                kek,
                wrap,
            } => kekri::build(index, key_identifier, kek, *wrap, content_key, provider)?,
            Self::Password {
                password,
                iterations,
                prf,
            } => pwri::build(
                index,
                password,
                *iterations,
                *prf,
                content_key,
                content_encryption,
                provider,
            )?,
        };
        info.to_der().map_err(Error::encoding("RecipientInfo"))
    }
}

/// Decodes the certificate extension of type `T`, `None` when absent.
fn certificate_extension<'c, T>(
    extensions: &'c [x509_cert::ext::Extension],
    index: usize,
    what: &str,
) -> Result<Option<T>, Error>
where
    T: der::Decode<'c, Error = der::Error> + const_oid::AssociatedOid,
{
    extensions
        .iter()
        .find(|ext| ext.extn_id == T::OID)
        .map(|ext| {
            T::from_der(ext.extn_value.as_bytes()).map_err(|e| {
                invalid(
                    index,
                    format!("recipient certificate {what} extension: {e}"),
                )
            })
        })
        .transpose()
}

/// Checks a certificate recipient: its key (RSA ≥ 2048 or P-256/P-384), its keyUsage, and
/// reads its subjectKeyIdentifier and capabilities.
fn prepare_certificate(
    index: usize,
    certificate: &Certificate,
    recipient: &CertificateOptions<'_>,
) -> Result<RecipientPlan, Error> {
    let public_key = PublicKey::from_spki(certificate.tbs_certificate().subject_public_key_info())
        .map_err(|error| match error {
            smime_crypto::Error::UnsupportedKey(key) => unsupported(index, "public key", key),
            source => Error::RecipientCrypto {
                recipient: index,
                source,
            },
        })?;
    // The extensions are read from the decoded certificate directly: wrapping it in a
    // `smime_x509::Certificate` would encode and decode it again for every message.
    let extensions = certificate
        .tbs_certificate()
        .extensions()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    if let Some(duplicate) = extensions.iter().find(|ext| !seen.insert(ext.extn_id)) {
        return Err(invalid(
            index,
            format!(
                "recipient certificate: extension {} appears more than once (RFC 5280 §4.2)",
                duplicate.extn_id
            ),
        ));
    }
    let key_usage =
        certificate_extension::<x509_cert::ext::pkix::KeyUsage>(extensions, index, "keyUsage")?
            .map(smime_x509::KeyUsage::from);
    let capabilities = match recipient.capabilities {
        Some(capabilities) => Some(capabilities.clone()),
        None => certificate_extension::<SmimeCapabilities>(extensions, index, "SMIMECapabilities")?,
    };
    let subject_key_identifier = if recipient.subject_key_identifier {
        Some(
            attributes::subject_key_identifier(certificate)
                .map(|ski| ski.0.as_bytes().to_vec())
                .ok_or(Error::NoRecipientSubjectKeyIdentifier { recipient: index })?,
        )
    } else {
        None
    };
    match public_key.kind() {
        KeyKind::Rsa { modulus_bits } => {
            if modulus_bits < 2048 {
                return Err(Error::WeakRecipientKey {
                    recipient: index,
                    key: public_key.kind().to_string(),
                });
            }
            if key_usage
                .is_some_and(|usage| !usage.contains(smime_x509::KeyUsage::KEY_ENCIPHERMENT))
            {
                return Err(Error::RecipientKeyUsage {
                    recipient: index,
                    needed: "keyEncipherment",
                });
            }
            let padding = match recipient.rsa_padding {
                Some(padding) => padding,
                None => ktri::padding_from_capabilities(capabilities.as_ref())
                    .unwrap_or(RsaEncryptionPadding::Pkcs1v15),
            };
            let (version, rid) =
                ktri::recipient_identifier(certificate, subject_key_identifier.as_deref())?;
            Ok(RecipientPlan::KeyTransport {
                public_key,
                padding,
                version,
                rid,
                key_encryption_algorithm: ktri::key_encryption_algorithm(index, padding)?,
                capabilities,
            })
        }
        KeyKind::Ec { curve } => {
            if key_usage.is_some_and(|usage| !usage.contains(smime_x509::KeyUsage::KEY_AGREEMENT)) {
                return Err(Error::RecipientKeyUsage {
                    recipient: index,
                    needed: "keyAgreement",
                });
            }
            let kdf = recipient.kdf.unwrap_or(match curve {
                EcCurve::P384 => DigestAlgorithm::Sha384,
                _ => DigestAlgorithm::Sha256,
            });
            Ok(RecipientPlan::KeyAgreement {
                public_key,
                curve,
                kdf,
                ukm: recipient.ukm.map(<[u8]>::to_vec),
                rid: kari::recipient_identifier(certificate, subject_key_identifier.as_deref())?,
                capabilities,
            })
        }
        other => Err(unsupported(index, "public key", other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use cms::content_info::CmsVersion;
    use cms::enveloped_data::{
        KeyAgreeRecipientIdentifier, OriginatorIdentifierOrKey, RecipientIdentifier as CmsRid,
    };
    use der::Decode;
    use smime_x509::builder::TestIdentity;

    use super::*;
    use crate::{DecryptOptions, Envelope, EnvelopeBuilder};

    fn identity(kind: KeyKind) -> TestIdentity {
        TestIdentity::self_signed(
            smime_crypto::default_provider(),
            "prepared@example.org",
            kind,
        )
        .unwrap()
    }

    fn aes256() -> ContentEncryption {
        ContentEncryption::Aead(smime_crypto::AeadCipher::Aes256Gcm)
    }

    /// Our hand-written DER of a RecipientInfo: the `cms` crate decodes it, and encodes what
    /// it decoded to the very same octets.
    fn decode_canonical(der: &[u8]) -> RecipientInfo {
        let info = RecipientInfo::from_der(der).unwrap();
        assert_eq!(info.to_der().unwrap(), der);
        info
    }

    #[test]
    fn key_transport_recipient_info_is_der_and_names_the_certificate() {
        let provider = smime_crypto::default_provider();
        let alice = identity(KeyKind::Rsa { modulus_bits: 2048 });
        let certificate = alice.certificate().x509();
        for (ski, version) in [(false, CmsVersion::V0), (true, CmsVersion::V2)] {
            let plan = RecipientBuilder::certificate(certificate.clone())
                .subject_key_identifier(ski)
                .prepare(0)
                .unwrap();
            assert_eq!(plan.version(), if ski { 2 } else { 0 });
            let der = plan.build(0, &[7; 32], aes256(), provider).unwrap();
            let RecipientInfo::Ktri(ktri) = decode_canonical(&der) else {
                panic!("not a KeyTransRecipientInfo");
            };
            assert_eq!(ktri.version, version);
            assert!(matches!(
                (&ktri.rid, ski),
                (CmsRid::IssuerAndSerialNumber(_), false) | (CmsRid::SubjectKeyIdentifier(_), true)
            ));
            assert!(ktri::identifier(&ktri).matches(certificate));
            assert_eq!(
                ktri.key_enc_alg.oid,
                smime_crypto::identifier::oid::RSA_ENCRYPTION
            );
            assert_eq!(ktri.enc_key.as_bytes().len(), 256);
            let key = alice
                .private_key()
                .decrypt_key(RsaEncryptionPadding::Pkcs1v15, ktri.enc_key.as_bytes(), 32)
                .unwrap();
            assert_eq!(key.as_slice(), [7; 32]);
        }
    }

    #[test]
    fn key_agreement_recipient_info_is_der_and_names_the_certificate() {
        let provider = smime_crypto::default_provider();
        let bob = identity(KeyKind::Ec {
            curve: EcCurve::P256,
        });
        let certificate = bob.certificate().x509();
        for (ski, ukm) in [(false, None), (true, Some(vec![0x55; 5]))] {
            let mut builder =
                RecipientBuilder::certificate(certificate.clone()).subject_key_identifier(ski);
            if let Some(ukm) = &ukm {
                builder = builder.user_keying_material(ukm.clone());
            }
            let plan = builder.prepare(0).unwrap();
            let der = plan
                .build(
                    0,
                    &[9; 16],
                    ContentEncryption::Aead(smime_crypto::AeadCipher::Aes128Gcm),
                    provider,
                )
                .unwrap();
            let RecipientInfo::Kari(kari) = decode_canonical(&der) else {
                panic!("not a KeyAgreeRecipientInfo");
            };
            assert_eq!(kari.version, CmsVersion::V3);
            assert_eq!(kari.ukm.as_ref().map(|u| u.as_bytes().to_vec()), ukm);
            let OriginatorIdentifierOrKey::OriginatorKey(originator) = &kari.originator else {
                panic!("no originator key");
            };
            assert_eq!(originator.algorithm.oid.to_string(), "1.2.840.10045.2.1");
            assert!(originator.algorithm.parameters.is_none());
            assert_eq!(originator.public_key.raw_bytes().len(), 65);
            assert_eq!(kari.key_enc_alg.oid.to_string(), "1.3.132.1.11.1");
            assert_eq!(kari.recipient_enc_keys.len(), 1);
            let rek = &kari.recipient_enc_keys[0];
            assert!(matches!(
                (&rek.rid, ski),
                (KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(_), false)
                    | (KeyAgreeRecipientIdentifier::RKeyId(_), true)
            ));
            assert!(kari::identifiers(&kari)[0].matches(certificate));
            // The recipient's key opens it: the key agreement gives back the content key.
            let candidates = kari::open(
                0,
                &kari,
                bob.private_key().as_ref(),
                Some(certificate),
                false,
                16,
                provider,
            );
            let keys: Vec<_> = candidates.into_iter().map(|c| c.unwrap().key).collect();
            assert_eq!(keys.len(), 1);
            assert_eq!(keys[0].as_slice(), [9; 16]);
        }
    }

    #[test]
    fn a_prepared_recipient_is_reused_across_messages() {
        for provider in smime_crypto::all_providers() {
            for kind in [
                KeyKind::Rsa { modulus_bits: 2048 },
                KeyKind::Ec {
                    curve: EcCurve::P256,
                },
            ] {
                let holder = identity(kind);
                let certificate = holder.certificate().x509();
                let prepared =
                    PreparedRecipient::new(&RecipientBuilder::certificate(certificate.clone()))
                        .unwrap();
                let options =
                    DecryptOptions::new().private_key(certificate, holder.private_key().as_ref());
                for (n, encryption) in [
                    aes256(),
                    ContentEncryption::Cbc(CbcCipher::Aes128),
                    aes256(),
                ]
                .into_iter()
                .enumerate()
                {
                    let content = format!("message {n}\r\n").into_bytes();
                    let message = EnvelopeBuilder::new(&content)
                        .content_encryption(encryption)
                        .add_prepared_recipient(&prepared)
                        .build(provider)
                        .unwrap();
                    let one_shot = EnvelopeBuilder::new(&content)
                        .content_encryption(encryption)
                        .add_recipient(RecipientBuilder::certificate(certificate.clone()))
                        .build(provider)
                        .unwrap();
                    // The same structure as the one-shot builder, and it opens.
                    let parsed = Envelope::parse(&message).unwrap();
                    let reference = Envelope::parse(&one_shot).unwrap();
                    assert_eq!(parsed.recipients(), reference.recipients());
                    assert_eq!(parsed.version(), reference.version());
                    assert_eq!(message.len(), one_shot.len());
                    let decrypted = crate::decrypt(&message, &options, provider).unwrap();
                    assert_eq!(decrypted.content(), content.as_slice());
                    assert_eq!(decrypted.content_encryption(), encryption);
                    // The borrowed certificate: the same again.
                    let borrowed = EnvelopeBuilder::new(&content)
                        .content_encryption(encryption)
                        .add_certificate_recipient(certificate)
                        .build(provider)
                        .unwrap();
                    let parsed = Envelope::parse(&borrowed).unwrap();
                    assert_eq!(parsed.recipients(), reference.recipients());
                    assert_eq!(parsed.version(), reference.version());
                    assert_eq!(borrowed.len(), one_shot.len());
                    let decrypted = crate::decrypt(&borrowed, &options, provider).unwrap();
                    assert_eq!(decrypted.content(), content.as_slice());
                    assert_eq!(
                        decrypted.key_management(),
                        reference_key_management(&one_shot, &options, provider).key_management()
                    );
                }
            }
        }
    }

    #[test]
    fn issuer_and_serial_number_der_is_the_cms_encoding() {
        let alice = identity(KeyKind::Ec {
            curve: EcCurve::P384,
        });
        let certificate = alice.certificate().x509();
        let tbs = certificate.tbs_certificate();
        let expected = cms::cert::IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }
        .to_der()
        .unwrap();
        assert_eq!(issuer_and_serial_number_der(certificate).unwrap(), expected);
    }

    fn reference_key_management(
        message: &[u8],
        options: &DecryptOptions<'_>,
        provider: &dyn CryptoProvider,
    ) -> crate::Decrypted {
        crate::decrypt(message, options, provider).unwrap()
    }

    #[test]
    fn a_borrowed_certificate_is_checked_as_a_built_one() {
        // RFC 4134's Bob has a 1024-bit RSA key, Carl a DSA key: refused the same way
        // whether the certificate is borrowed, built or prepared.
        let provider = smime_crypto::default_provider();
        let corpus = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus/rfc4134/"
        );
        for (file, weak) in [("BobRSASignByCarl.cer", true), ("CarlDSSSelf.cer", false)] {
            let der = std::fs::read(format!("{corpus}{file}")).unwrap();
            let certificate = Certificate::from_der(&der).unwrap();
            let built = EnvelopeBuilder::new(b"x")
                .add_recipient(RecipientBuilder::certificate(certificate.clone()))
                .build(provider)
                .unwrap_err();
            let borrowed = EnvelopeBuilder::new(b"x")
                .add_certificate_recipient(&certificate)
                .build(provider)
                .unwrap_err();
            let prepared =
                PreparedRecipient::new(&RecipientBuilder::certificate(certificate.clone()))
                    .unwrap_err();
            if weak {
                assert!(
                    matches!(built, Error::WeakRecipientKey { recipient: 0, .. }),
                    "{built}"
                );
            } else {
                assert!(
                    matches!(built, Error::UnsupportedKeyManagement { recipient: 0, .. }),
                    "{built}"
                );
            }
            assert_eq!(borrowed.to_string(), built.to_string(), "{file}");
            assert_eq!(prepared.to_string(), built.to_string(), "{file}");
        }
    }

    #[test]
    fn preparing_fails_as_building_would() {
        let error =
            PreparedRecipient::new(&RecipientBuilder::kek(b"id".to_vec(), &[1; 15])).unwrap_err();
        assert!(
            matches!(error, Error::InvalidKeyManagement { recipient: 0, .. }),
            "{error}"
        );
        let error = PreparedRecipient::new(&RecipientBuilder::password(b"pw").pbkdf2_iterations(0))
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidKeyManagement { recipient: 0, .. }),
            "{error}"
        );
    }

    #[test]
    fn a_prepared_recipient_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync + Clone>() {}
        shareable::<PreparedRecipient>();
    }

    #[test]
    fn prepared_debug_shows_no_secret() {
        let prepared =
            PreparedRecipient::new(&RecipientBuilder::kek(b"id".to_vec(), &[0xAB; 16])).unwrap();
        let shown = format!("{prepared:?}");
        assert!(shown.contains("pre-shared key"), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
    }
}
