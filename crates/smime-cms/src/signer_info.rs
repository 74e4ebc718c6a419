//! `SignerInfo` (RFC 5652 §5.3): reading and checking one signer, the per-signer report, and
//! the builder for a new signer.
//!
//! ```text
//! SignerInfo ::= SEQUENCE {
//!   version CMSVersion,
//!   sid SignerIdentifier,
//!   digestAlgorithm DigestAlgorithmIdentifier,
//!   signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
//!   signatureAlgorithm SignatureAlgorithmIdentifier,
//!   signature SignatureValue,
//!   unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
//!
//! SignerIdentifier ::= CHOICE {
//!   issuerAndSerialNumber IssuerAndSerialNumber,
//!   subjectKeyIdentifier [0] SubjectKeyIdentifier }
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use cms::cert::IssuerAndSerialNumber;
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use smime_crypto::{
    CryptoProvider, DigestAlgorithm, KeyKind, PrivateKey, PublicKey, SignatureScheme,
};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::time::Time;

use crate::algorithm_identifier::{self, AlgorithmProblem};
use crate::attributes::{
    self, EncryptionKeyPreference, RawAttribute, SetEncoding, SignedAttributes, SmimeCapabilities,
};
use crate::ber::{self, Tlv};
use crate::budget::{MAX_NESTING_DEPTH, MAX_SIGNATURE_CHECKS};
use crate::certificate::{EncodedCertificate, issuer_and_serial_parts};
use crate::content_info::ID_DATA;
use crate::error::Error;

/// How a SignerInfo names its signer's certificate (RFC 5652 §5.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignerIdentifier {
    /// The certificate's issuer and serial number (SignerInfo version 1).
    IssuerAndSerialNumber(IssuerAndSerialNumber),
    /// The certificate's subjectKeyIdentifier extension (SignerInfo version 3).
    SubjectKeyIdentifier(Vec<u8>),
}

impl SignerIdentifier {
    /// Whether `certificate` is the one this identifier names.
    pub fn matches(&self, certificate: &Certificate) -> bool {
        match self {
            Self::IssuerAndSerialNumber(isn) => {
                let tbs = certificate.tbs_certificate();
                isn.issuer == *tbs.issuer() && isn.serial_number == *tbs.serial_number()
            }
            Self::SubjectKeyIdentifier(id) => attributes::subject_key_identifier(certificate)
                .is_some_and(|ski| ski.0.as_bytes() == id.as_slice()),
        }
    }
}

/// A SignerIdentifier as read: an issuerAndSerialNumber kept as DER (compared as octets
/// with certificates) and decoded on first use, or a subjectKeyIdentifier. Equality compares
/// the octets.
#[derive(Debug)]
pub(crate) struct EncodedSignerIdentifier {
    /// The DER `IssuerAndSerialNumber` (`None` for a subjectKeyIdentifier).
    issuer_and_serial: Option<Vec<u8>>,
    decoded: OnceLock<Result<SignerIdentifier, String>>,
}

impl EncodedSignerIdentifier {
    /// The typed identifier (decoded on the first call), or why it does not decode.
    fn decoded(&self) -> Result<&SignerIdentifier, &str> {
        self.decoded
            .get_or_init(|| {
                let der = self.issuer_and_serial.as_deref().unwrap_or_default();
                IssuerAndSerialNumber::from_der(der)
                    .map(SignerIdentifier::IssuerAndSerialNumber)
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

impl PartialEq for EncodedSignerIdentifier {
    fn eq(&self, other: &Self) -> bool {
        match (&self.issuer_and_serial, &other.issuer_and_serial) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self.decoded() == other.decoded(),
            _ => false,
        }
    }
}

impl Eq for EncodedSignerIdentifier {}

/// A certificate a message carried, or one the caller supplied: its DER octets, decoded to an
/// X.509 [`Certificate`] on first use only.
///
/// Verifying a signature reads what it needs — the issuer, the serial number and the public
/// key — from the octets, so a verification decodes no certificate (unless the signer is named
/// by subjectKeyIdentifier, or the issuer's octets differ from the identifier's). Path
/// validation (`smime-path`) takes the octets as they are: pass [`der`](Self::der) there.
/// [`decode`](Self::decode) decodes once; clones share the result.
///
/// Equality compares the octets.
///
/// ```no_run
/// # fn example(message: &[u8]) -> Result<(), smime_cms::Error> {
/// let provider = smime_crypto::default_provider();
/// let verification = smime_cms::verify(message, &smime_cms::VerifyOptions::new(), provider)?;
/// for valid in verification.valid_signatures() {
///     let signer = valid.certificate();
///     println!("{} octets, subject {}", signer.der().len(),
///         signer.decode()?.tbs_certificate().subject());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SignerCertificate(Arc<CertificateEntry>);

impl SignerCertificate {
    /// The DER certificate.
    pub fn der(&self) -> &[u8] {
        self.0.encoded.der()
    }

    /// The decoded certificate (decoded on the first call), or
    /// [`Error::MalformedCertificate`] saying why it does not decode.
    pub fn decode(&self) -> Result<&Certificate, Error> {
        self.0
            .certificate()
            .map(|certificate| &**certificate)
            .map_err(|reason| Error::MalformedCertificate {
                index: self.0.index,
                source_name: self.0.source_name,
                reason: reason.to_owned(),
            })
    }

    /// The DER serialNumber INTEGER (tag and length included), read without decoding.
    pub fn serial_number_der(&self) -> &[u8] {
        self.0.encoded.serial_number()
    }

    /// The DER issuer Name (tag and length included), read without decoding.
    pub fn issuer_der(&self) -> &[u8] {
        self.0.encoded.issuer()
    }

    /// The DER subjectPublicKeyInfo (tag and length included), read without decoding.
    pub fn subject_public_key_info_der(&self) -> &[u8] {
        self.0.encoded.subject_public_key_info()
    }

    /// Wraps the certificates a caller supplies to look for signers in; one that cannot be
    /// encoded is [`Error::MalformedCertificate`] with its position in the list.
    pub(crate) fn from_callers_list(certificates: &[Certificate]) -> Result<Vec<Self>, Error> {
        certificates
            .iter()
            .enumerate()
            .map(|(index, certificate)| {
                CertificateEntry::from_certificate(certificate, index)
                    .map(Self::from)
                    .map_err(|e| Error::MalformedCertificate {
                        index,
                        source_name: "caller's list",
                        reason: e.to_string(),
                    })
            })
            .collect()
    }

    pub(crate) fn entry(&self) -> &CertificateEntry {
        &self.0
    }

    /// The decoded certificate, shared, when it decodes.
    pub(crate) fn decoded(&self) -> Option<&Arc<Certificate>> {
        self.0.certificate().ok()
    }
}

impl From<CertificateEntry> for SignerCertificate {
    fn from(entry: CertificateEntry) -> Self {
        Self(Arc::new(entry))
    }
}

impl PartialEq for SignerCertificate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.der() == other.der()
    }
}

impl Eq for SignerCertificate {}

/// A certificate equals a decoded one when it decodes to it.
impl PartialEq<Certificate> for SignerCertificate {
    fn eq(&self, other: &Certificate) -> bool {
        self.decode().is_ok_and(|certificate| certificate == other)
    }
}

/// A certificate of the message or of the caller: its DER octets (hashed by
/// signingCertificate checks, compared with signer identifiers) and the decoded certificate,
/// made on first use only.
#[derive(Debug)]
pub(crate) struct CertificateEntry {
    pub(crate) encoded: EncodedCertificate,
    /// Its position in its list, and which list (`"message"`, `"caller's list"`): for errors.
    index: usize,
    source_name: &'static str,
    decoded: OnceLock<Result<Arc<Certificate>, String>>,
}

impl CertificateEntry {
    /// Reads certificate number `index` of a message from its (DER, or DER-transcodable BER)
    /// element. Its outer shape is checked now; the full decoding happens on first use.
    pub(crate) fn parse(tlv: Tlv<'_>, index: usize) -> Result<Self, String> {
        let der = der_octets(tlv, "Certificate").map_err(|e| e.to_string())?;
        let encoded = EncodedCertificate::parse(der.into_owned()).map_err(|e| e.to_string())?;
        Ok(Self {
            encoded,
            index,
            source_name: "message",
            decoded: OnceLock::new(),
        })
    }

    /// Wraps certificate number `index` of the caller's list.
    pub(crate) fn from_certificate(
        certificate: &Certificate,
        index: usize,
    ) -> Result<Self, der::Error> {
        Ok(Self {
            encoded: EncodedCertificate::from_certificate(certificate)?,
            index,
            source_name: "caller's list",
            decoded: OnceLock::from(Ok(Arc::new(certificate.clone()))),
        })
    }

    /// The decoded certificate (decoded on the first call), or why it does not decode.
    pub(crate) fn certificate(&self) -> Result<&Arc<Certificate>, &str> {
        self.decoded
            .get_or_init(|| {
                Certificate::from_der(self.encoded.der())
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

/// One SignerInfo as read from a message, borrowing its bytes.
#[derive(Clone, Debug)]
pub(crate) struct SignerInfo<'a> {
    pub(crate) version: u8,
    /// Shared with the report.
    pub(crate) sid: Arc<EncodedSignerIdentifier>,
    pub(crate) digest_algorithm: Arc<AlgorithmIdentifierOwned>,
    /// The signed attributes, whether their octets were DER already, and the DER `SET OF`
    /// they are signed as.
    pub(crate) signed_attributes: Option<(Vec<RawAttribute<'a>>, SetEncoding, Vec<u8>)>,
    pub(crate) signature_algorithm: Arc<AlgorithmIdentifierOwned>,
    pub(crate) signature: Cow<'a, [u8]>,
    pub(crate) unsigned_attributes: Option<Vec<RawAttribute<'a>>>,
}

/// Reads a small non-negative INTEGER (a version number).
pub(crate) fn read_version(tlv: Tlv<'_>, what: &'static str) -> Result<u8, Error> {
    let tlv = tlv.expect(ber::INTEGER, what)?;
    match tlv.content {
        [v] if *v < 0x80 => Ok(*v),
        _ => Err(Error::malformed(
            what,
            tlv.offset,
            "version is not a small non-negative INTEGER",
        )),
    }
}

/// The DER encoding of an element: its own octets when a quick scan shows them in DER form
/// already, otherwise [`Tlv::to_der`] (which transcodes BER, and reports malformed or too
/// deeply nested input with its typed errors).
pub(crate) fn der_octets<'a>(tlv: Tlv<'a>, what: &'static str) -> Result<Cow<'a, [u8]>, Error> {
    if is_der_shaped(tlv.raw) {
        Ok(Cow::Borrowed(tlv.raw))
    } else {
        tlv.to_der(what)
    }
}

/// Whether `input` is one element which, with everything inside it, is certainly in DER form
/// as [`Tlv::to_der`] sees it: definite lengths in their shortest form, no constructed
/// universal type other than SEQUENCE and SET (so no constructed strings), one-octet tags,
/// contents that exactly fill their element, nesting below [`MAX_NESTING_DEPTH`]. Any doubt
/// answers `false`, and the caller takes the full path, so this only skips work. Iterative,
/// with a fixed-size stack: no allocation, no recursion.
fn is_der_shaped(input: &[u8]) -> bool {
    // The ends of the constructed elements open around `pos`, innermost last.
    let mut ends = [0usize; MAX_NESTING_DEPTH];
    let mut depth = 0usize;
    let mut pos = 0usize;
    let mut first = true;
    loop {
        // Close the elements that end here.
        while let Some(end) = depth.checked_sub(1).and_then(|top| ends.get(top)) {
            if pos != *end {
                break;
            }
            depth = depth.saturating_sub(1);
        }
        if depth == 0 && !first {
            return pos == input.len();
        }
        first = false;
        let limit = match depth.checked_sub(1).and_then(|top| ends.get(top)) {
            Some(end) => *end,
            None => input.len(),
        };
        let Some((tag, len_first)) = input.get(pos).zip(input.get(pos.saturating_add(1))) else {
            return false;
        };
        let (tag, len_first) = (*tag, *len_first);
        if tag & 0x1f == 0x1f {
            return false;
        }
        let constructed = tag & 0x20 != 0;
        if constructed && tag & 0xc0 == 0 && tag != ber::SEQUENCE && tag != ber::SET {
            return false;
        }
        let (len, header) = if len_first < 0x80 {
            (usize::from(len_first), 2usize)
        } else {
            let count = usize::from(len_first & 0x7f);
            if count == 0 || count > 4 {
                return false;
            }
            let start = pos.saturating_add(2);
            let Some(octets) = input.get(start..start.saturating_add(count)) else {
                return false;
            };
            if octets.first() == Some(&0) {
                return false;
            }
            let len = octets
                .iter()
                .fold(0usize, |len, octet| (len << 8) | usize::from(*octet));
            if len < 0x80 {
                return false;
            }
            (len, count.saturating_add(2))
        };
        let content = pos.saturating_add(header);
        let end = content.saturating_add(len);
        if end > limit {
            return false;
        }
        if constructed {
            // The element at this depth would be opened at depth + 1; keep well inside the
            // limit the full path enforces.
            let Some(slot) = ends.get_mut(depth) else {
                return false;
            };
            if depth.saturating_add(2) >= MAX_NESTING_DEPTH {
                return false;
            }
            *slot = end;
            depth = depth.saturating_add(1);
            pos = content;
        } else {
            pos = end;
        }
    }
}

/// Decodes a DER leaf (transcoding BER first when needed).
pub(crate) fn decode_leaf<T: der::DecodeOwned>(
    tlv: Tlv<'_>,
    what: &'static str,
) -> Result<T, Error> {
    let der = der_octets(tlv, what)?;
    T::from_der(&der).map_err(|e| Error::malformed_owned(what, tlv.offset, e.to_string()))
}

impl<'a> SignerInfo<'a> {
    /// Parses one SignerInfo element.
    pub(crate) fn parse(tlv: Tlv<'a>) -> Result<Self, Error> {
        const WHAT: &str = "SignerInfo";
        let mut fields = tlv.expect(ber::SEQUENCE, WHAT)?.reader(WHAT)?;
        let version = read_version(fields.read()?, WHAT)?;
        let sid_tlv = fields.read()?;
        let sid = if sid_tlv.tag.is(ber::SEQUENCE) {
            let der = der_octets(sid_tlv, "SignerInfo.sid")?.into_owned();
            if issuer_and_serial_parts(&der).is_none() {
                return Err(Error::malformed(
                    "SignerInfo.sid",
                    sid_tlv.offset,
                    "an IssuerAndSerialNumber is a SEQUENCE of a Name and an INTEGER",
                ));
            }
            EncodedSignerIdentifier {
                issuer_and_serial: Some(der),
                decoded: OnceLock::new(),
            }
        } else if sid_tlv.tag.is(0x80) || sid_tlv.tag.is(0xA0) {
            let key_identifier = sid_tlv.string_value(0x80, "SignerInfo.sid")?.into_owned();
            EncodedSignerIdentifier {
                issuer_and_serial: None,
                decoded: OnceLock::from(Ok(SignerIdentifier::SubjectKeyIdentifier(key_identifier))),
            }
        } else {
            return Err(Error::malformed_owned(
                WHAT,
                sid_tlv.offset,
                format!("unknown SignerIdentifier choice {}", sid_tlv.tag),
            ));
        };
        let digest_algorithm = algorithm_identifier::read_shared(
            fields.read_expected(ber::SEQUENCE)?,
            "SignerInfo.digestAlgorithm",
        )?;
        let signed_attributes = match fields.read_optional(ber::CONTEXT_0)? {
            None => None,
            Some(set) => {
                let raw = attributes::read_attributes(set, "SignerInfo.signedAttrs")?;
                if raw.is_empty() {
                    return Err(Error::malformed(
                        WHAT,
                        set.offset,
                        "signedAttrs is present but empty (RFC 5652: SIZE (1..MAX))",
                    ));
                }
                // RFC 5652 §5.4: the signature covers the DER encoding of the SET OF, i.e. the
                // bytes as sent with the [0] tag replaced by the SET tag. They are never
                // re-sorted or re-encoded, so what a real signer signed verifies; only a BER
                // (indefinite-length) encoding is transcoded.
                let signed = der_octets(set, "SignerInfo.signedAttrs")?;
                let encoding = match signed {
                    Cow::Borrowed(_) => SetEncoding::Der,
                    Cow::Owned(_) => SetEncoding::MaybeBer,
                };
                let mut signed = signed.into_owned();
                if let Some(tag) = signed.first_mut() {
                    *tag = ber::SET;
                }
                Some((raw, encoding, signed))
            }
        };
        let signature_algorithm = algorithm_identifier::read_shared(
            fields.read_expected(ber::SEQUENCE)?,
            "SignerInfo.signatureAlgorithm",
        )?;
        let signature = fields
            .read()?
            .string_value(ber::OCTET_STRING, "SignerInfo.signature")?;
        let unsigned_attributes = fields
            .read_optional(ber::CONTEXT_1)?
            .map(|set| attributes::read_attributes(set, "SignerInfo.unsignedAttrs"))
            .transpose()?;
        fields.finish()?;
        Ok(Self {
            version,
            sid: Arc::new(sid),
            digest_algorithm,
            signed_attributes,
            signature_algorithm,
            signature,
            unsigned_attributes,
        })
    }
}

/// What a verification of all signers shares: the content, its type, the certificates and
/// the remaining budget.
pub(crate) struct VerifyContext<'x> {
    pub(crate) provider: &'x dyn CryptoProvider,
    pub(crate) econtent_type: ObjectIdentifier,
    pub(crate) content: &'x [u8],
    pub(crate) certificates: Vec<&'x SignerCertificate>,
    /// The content's digests computed so far (one per algorithm; a message uses one or two).
    pub(crate) digests: Vec<(DigestAlgorithm, Vec<u8>)>,
    pub(crate) signature_checks_left: usize,
}

impl VerifyContext<'_> {
    /// The content's digest, computed once per algorithm.
    fn content_digest(&mut self, digest: DigestAlgorithm, signer: usize) -> Result<&[u8], Error> {
        let at = match self.digests.iter().position(|(known, _)| *known == digest) {
            Some(at) => at,
            None => {
                let value = self
                    .provider
                    .digest(digest, self.content)
                    .map_err(|source| crypto_error(signer, source))?;
                self.digests.push((digest, value));
                self.digests.len().saturating_sub(1)
            }
        };
        Ok(self
            .digests
            .get(at)
            .map(|(_, value)| value.as_slice())
            .unwrap_or_default())
    }
}

/// A provider error for signer `signer`, with unsupported algorithms kept apart.
fn crypto_error(signer: usize, source: smime_crypto::Error) -> Error {
    match source {
        smime_crypto::Error::UnsupportedAlgorithm(algorithm) => Error::UnsupportedAlgorithm {
            signer,
            kind: "algorithm",
            algorithm,
        },
        smime_crypto::Error::UnsupportedKey(algorithm) => Error::UnsupportedAlgorithm {
            signer,
            kind: "public key",
            algorithm,
        },
        source => Error::Crypto { signer, source },
    }
}

fn algorithm_error(signer: usize, kind: &'static str, problem: AlgorithmProblem) -> Error {
    match problem {
        AlgorithmProblem::Unsupported(algorithm) => Error::UnsupportedAlgorithm {
            signer,
            kind,
            algorithm,
        },
        AlgorithmProblem::Invalid(reason) => Error::InvalidAlgorithms { signer, reason },
    }
}

/// A signature that verified: the certificate whose public key verified it and the
/// algorithms used.
///
/// **Cryptographically valid; trust not evaluated — see `smime-path`.** This only says that
/// the holder of this certificate's private key signed these signed attributes (and through
/// them, the content). Whether the certificate is trustworthy, valid at the signing time, not
/// revoked, allowed for e-mail protection and issued to the sender's address is decided by
/// path validation, not here.
///
/// Only this crate's verifier can make a `ValidSignature`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidSignature {
    certificate: SignerCertificate,
    scheme: SignatureScheme,
    signing_time: Option<Time>,
}

impl ValidSignature {
    /// The certificate whose public key verified the signature (trust not evaluated), as
    /// the message carried it: [`SignerCertificate::der`] for path validation,
    /// [`SignerCertificate::decode`] for its fields.
    pub fn certificate(&self) -> &SignerCertificate {
        &self.certificate
    }

    /// The signature scheme that verified (its digest is the signer's digest algorithm).
    pub fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// The signer's claimed signing time, if the signer included one.
    pub fn signing_time(&self) -> Option<Time> {
        self.signing_time
    }
}

/// The verdict on one signer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureStatus {
    /// The signature is cryptographically valid; trust not evaluated — see `smime-path`.
    Valid(ValidSignature),
    /// The signature could not be verified; the error says why (and which signer).
    Invalid(Error),
}

impl SignatureStatus {
    /// The valid signature, if this is one.
    pub fn valid(&self) -> Option<&ValidSignature> {
        match self {
            Self::Valid(valid) => Some(valid),
            Self::Invalid(_) => None,
        }
    }

    /// The error, if the signature is not valid.
    pub fn error(&self) -> Option<&Error> {
        match self {
            Self::Valid(_) => None,
            Self::Invalid(error) => Some(error),
        }
    }
}

/// Everything known about one signer of a verified message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignerReport {
    index: usize,
    version: u8,
    identifier: Arc<EncodedSignerIdentifier>,
    certificate: Option<SignerCertificate>,
    digest_algorithm: Arc<AlgorithmIdentifierOwned>,
    signature_algorithm: Arc<AlgorithmIdentifierOwned>,
    scheme: Option<SignatureScheme>,
    signed_attributes: Option<SignedAttributes>,
    unsigned_attributes: Vec<Attribute>,
    status: SignatureStatus,
}

impl SignerReport {
    /// Position of this SignerInfo in the message's signerInfos, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The SignerInfo version (1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// How the SignerInfo names its certificate, decoded on the first call.
    ///
    /// Verification compares an issuerAndSerialNumber with the certificates as octets, so
    /// it is decoded only here (or when a certificate's issuer is encoded differently); its
    /// outer structure was checked when the message was read, and
    /// [`Error::MalformedSignerIdentifier`] says if the Name or serial number inside does
    /// not decode.
    pub fn identifier(&self) -> Result<&SignerIdentifier, Error> {
        self.identifier
            .decoded()
            .map_err(|reason| Error::MalformedSignerIdentifier {
                signer: self.index,
                reason: reason.to_owned(),
            })
    }

    /// The signer's certificate: the one whose key verified the signature, or, when it did
    /// not verify, the first certificate that matches the identifier (if any). Trust not
    /// evaluated.
    pub fn certificate(&self) -> Option<&SignerCertificate> {
        self.certificate.as_ref()
    }

    /// The digest algorithm, as written in the SignerInfo.
    pub fn digest_algorithm(&self) -> &AlgorithmIdentifierOwned {
        &self.digest_algorithm
    }

    /// The digest algorithm, when it is one we support.
    pub fn digest(&self) -> Option<DigestAlgorithm> {
        algorithm_identifier::digest_algorithm(&self.digest_algorithm).ok()
    }

    /// The signature algorithm, as written in the SignerInfo.
    pub fn signature_algorithm(&self) -> &AlgorithmIdentifierOwned {
        &self.signature_algorithm
    }

    /// The signature scheme, once the algorithms and the signer's key were understood.
    pub fn scheme(&self) -> Option<SignatureScheme> {
        self.scheme
    }

    /// The signed attributes, when present and well-formed.
    pub fn signed_attributes(&self) -> Option<&SignedAttributes> {
        self.signed_attributes.as_ref()
    }

    /// The signer's claimed signing time (the signingTime signed attribute).
    pub fn signing_time(&self) -> Option<Time> {
        self.signed_attributes
            .as_ref()
            .and_then(SignedAttributes::signing_time)
    }

    /// The unsigned attributes (countersignatures, time-stamps, …), not interpreted.
    pub fn unsigned_attributes(&self) -> &[Attribute] {
        &self.unsigned_attributes
    }

    /// The verdict.
    pub fn status(&self) -> &SignatureStatus {
        &self.status
    }

    /// The valid signature, if the verdict is valid.
    pub fn valid(&self) -> Option<&ValidSignature> {
        self.status.valid()
    }
}

impl SignerInfo<'_> {
    /// Verifies this signer (number `index`) and reports on it. Never fails as a whole: every
    /// problem ends up in the report's status.
    pub(crate) fn verify(&self, index: usize, ctx: &mut VerifyContext<'_>) -> SignerReport {
        let mut report = SignerReport {
            index,
            version: self.version,
            identifier: Arc::clone(&self.sid),
            certificate: None,
            digest_algorithm: Arc::clone(&self.digest_algorithm),
            signature_algorithm: Arc::clone(&self.signature_algorithm),
            scheme: None,
            signed_attributes: None,
            unsigned_attributes: Vec::new(),
            status: SignatureStatus::Invalid(Error::SignerCertificateNotFound { signer: index }),
        };
        report.status = match self.check(index, ctx, &mut report) {
            Ok(valid) => SignatureStatus::Valid(valid),
            Err(error) => SignatureStatus::Invalid(error),
        };
        report
    }

    fn check(
        &self,
        signer: usize,
        ctx: &mut VerifyContext<'_>,
        report: &mut SignerReport,
    ) -> Result<ValidSignature, Error> {
        // Who claims to have signed: the first matching certificate, for the report.
        let candidates: Vec<&SignerCertificate> = ctx
            .certificates
            .iter()
            .copied()
            .filter(|certificate| self.identifies(certificate))
            .collect();
        report.certificate = candidates.first().map(|certificate| (*certificate).clone());

        let digest = algorithm_identifier::digest_algorithm(&self.digest_algorithm)
            .map_err(|problem| algorithm_error(signer, "digest algorithm", problem))?;

        if let Some(raw) = &self.unsigned_attributes {
            report.unsigned_attributes = attributes::parse_unsigned(raw, signer)?;
        }

        // The data the signature covers.
        let signed_data: Cow<'_, [u8]> = match &self.signed_attributes {
            Some((raw, encoding, der)) => {
                let parsed = SignedAttributes::parse(raw, *encoding, signer)?;
                let content_type = parsed.content_type();
                report.signed_attributes = Some(parsed);
                if content_type != ctx.econtent_type {
                    return Err(Error::ContentTypeMismatch {
                        signer,
                        attribute: content_type,
                        econtent_type: ctx.econtent_type,
                    });
                }
                let actual = ctx.content_digest(digest, signer)?;
                let claimed = report
                    .signed_attributes
                    .as_ref()
                    .map(SignedAttributes::message_digest)
                    .unwrap_or_default();
                if actual != claimed {
                    return Err(Error::MessageDigestMismatch { signer });
                }
                Cow::Borrowed(der.as_slice())
            }
            None => {
                if ctx.econtent_type != ID_DATA {
                    return Err(Error::MissingSignedAttributes {
                        signer,
                        econtent_type: ctx.econtent_type,
                    });
                }
                Cow::Borrowed(ctx.content)
            }
        };

        if candidates.is_empty() {
            return Err(Error::SignerCertificateNotFound { signer });
        }

        // Try each certificate that matches the identifier (normally exactly one).
        let mut first_error: Option<Error> = None;
        let mut bad_signature = false;
        for certificate in candidates {
            if ctx.signature_checks_left == 0 {
                return Err(Error::BudgetExceeded {
                    what: "signature checks in one message",
                    limit: MAX_SIGNATURE_CHECKS,
                });
            }
            let attempt = self.try_certificate(signer, certificate, &signed_data, ctx, report);
            match attempt {
                Ok(scheme) => {
                    report.certificate = Some(certificate.clone());
                    report.scheme = Some(scheme);
                    if let Some(attributes) = &report.signed_attributes {
                        check_certificate_reference(signer, attributes, certificate, ctx.provider)?;
                    }
                    return Ok(ValidSignature {
                        certificate: certificate.clone(),
                        scheme,
                        signing_time: report.signing_time(),
                    });
                }
                Err(Error::BadSignature { .. }) => bad_signature = true,
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        if bad_signature {
            Err(Error::BadSignature { signer })
        } else {
            Err(first_error.unwrap_or(Error::SignerCertificateNotFound { signer }))
        }
    }

    /// Whether `certificate` is the one this SignerInfo's identifier names. An
    /// issuerAndSerialNumber is compared as DER octets, which is exact for the serial number;
    /// the issuer is compared decoded only when its octets differ (see
    /// [`crate::certificate`]), so a certificate is decoded only then, or to read its
    /// subjectKeyIdentifier. A certificate that must be decoded and does not decode is not
    /// the signer's.
    fn identifies(&self, certificate: &SignerCertificate) -> bool {
        let decoded_match = || {
            self.sid.decoded().is_ok_and(|sid| {
                certificate
                    .decoded()
                    .is_some_and(|decoded| sid.matches(decoded))
            })
        };
        if let Some((issuer, serial)) = self
            .sid
            .issuer_and_serial
            .as_deref()
            .and_then(issuer_and_serial_parts)
        {
            if serial != certificate.serial_number_der() {
                return false;
            }
            return issuer == certificate.issuer_der() || decoded_match();
        }
        decoded_match()
    }

    /// Verifies the signature with one candidate certificate.
    fn try_certificate(
        &self,
        signer: usize,
        certificate: &SignerCertificate,
        signed_data: &[u8],
        ctx: &mut VerifyContext<'_>,
        report: &mut SignerReport,
    ) -> Result<SignatureScheme, Error> {
        // The algorithms first: for DSA or another unknown scheme that is the clearest
        // verdict, before the key (equally unsupported) is looked at.
        algorithm_identifier::signature_scheme(
            &self.digest_algorithm,
            &self.signature_algorithm,
            None,
        )
        .map_err(|problem| algorithm_error(signer, "signature algorithm", problem))?;
        let public_key = PublicKey::from_spki_der(certificate.subject_public_key_info_der())
            .map_err(|source| crypto_error(signer, source))?;
        let scheme = algorithm_identifier::signature_scheme(
            &self.digest_algorithm,
            &self.signature_algorithm,
            Some(public_key.kind()),
        )
        .map_err(|problem| algorithm_error(signer, "signature algorithm", problem))?;
        report.scheme = Some(scheme);
        ctx.signature_checks_left = ctx.signature_checks_left.saturating_sub(1);
        match ctx
            .provider
            .verify(scheme, &public_key, signed_data, &self.signature)
        {
            Ok(()) => Ok(scheme),
            Err(smime_crypto::Error::BadSignature) => Err(Error::BadSignature { signer }),
            Err(source) => Err(crypto_error(signer, source)),
        }
    }
}

/// RFC 5035 §5.4 / RFC 2634 §5.4: when a signingCertificate(V2) attribute is present, its
/// first entry must identify the certificate that verified the signature.
fn check_certificate_reference(
    signer: usize,
    attributes: &SignedAttributes,
    certificate: &SignerCertificate,
    provider: &dyn CryptoProvider,
) -> Result<(), Error> {
    let Some(reference) = attributes.certificate_reference() else {
        return Ok(());
    };
    let digest = algorithm_identifier::digest_algorithm(&reference.hash_algorithm)
        .map_err(|problem| algorithm_error(signer, "signingCertificate hash algorithm", problem))?;
    let hash = provider
        .digest(digest, certificate.der())
        .map_err(|source| crypto_error(signer, source))?;
    if hash != reference.hash {
        return Err(Error::SigningCertificateMismatch { signer });
    }
    if let Some(issuer_serial) = &reference.issuer_serial
        && !issuer_serial.matches(certificate)
    {
        return Err(Error::SigningCertificateMismatch { signer });
    }
    Ok(())
}

/// When the signer claims to have signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SigningTimeChoice {
    Now,
    At(SystemTime),
    Omit,
}

/// One signer of a new SignedData: certificate, private key and options.
///
/// Defaults: SHA-256; RSA PKCS#1 v1.5 for RSA keys, ECDSA for EC keys; the signer named by
/// issuer and serial number (SignerInfo version 1); the signer's certificate included; signed
/// attributes contentType, messageDigest, signingTime (now) and signingCertificateV2.
///
/// What the builder derives from the certificate — its DER encoding and SHA-256 hash — is
/// computed on the first message and shared by every clone, so a builder kept for a signer
/// and cloned per message does that work once.
#[derive(Clone, Debug)]
pub struct SignerBuilder {
    /// Shared by the clones: a clone per message copies no certificate.
    certificate: Arc<Certificate>,
    key: Arc<dyn PrivateKey>,
    digest: DigestAlgorithm,
    pss: bool,
    subject_key_identifier: bool,
    include_certificate: bool,
    /// Shared by the clones; [`SignerBuilder::include_chain`] makes a new one.
    chain: Arc<[ChainCertificate]>,
    signed_attributes: bool,
    signing_time: SigningTimeChoice,
    signing_certificate_v2: bool,
    capabilities: Option<SmimeCapabilities>,
    encryption_key_preference: Option<EncryptionKeyPreference>,
    extra_attributes: Vec<Attribute>,
    /// What is computed from the certificate once, shared by the clones of this builder.
    cache: Arc<SignerCache>,
}

/// A certificate of the signer's chain and its DER, encoded on the first message.
#[derive(Debug)]
struct ChainCertificate {
    certificate: Certificate,
    der: OnceLock<Vec<u8>>,
}

impl ChainCertificate {
    fn new(certificate: Certificate) -> Self {
        Self {
            certificate,
            der: OnceLock::new(),
        }
    }

    /// The certificate's DER, encoded once.
    fn der(&self) -> Result<&[u8], Error> {
        if let Some(der) = self.der.get() {
            return Ok(der);
        }
        let der = self
            .certificate
            .to_der()
            .map_err(Error::encoding("chain certificate"))?;
        Ok(self.der.get_or_init(|| der))
    }
}

/// What a signer computes from its certificate on first use and keeps for the next messages
/// it (or a clone of it) signs. The certificate cannot change after [`SignerBuilder::new`].
#[derive(Debug, Default)]
struct SignerCache {
    /// The certificate's DER: hashed into signingCertificateV2, copied into the certificate
    /// set; its issuer, serial number and key are read from it.
    encoded: OnceLock<EncodedCertificate>,
    /// SHA-256 of the certificate's DER (signingCertificateV2).
    sha256: OnceLock<Vec<u8>>,
}

impl SignerBuilder {
    /// A signer with `certificate` and its private `key`.
    pub fn new(certificate: Certificate, key: Arc<dyn PrivateKey>) -> Self {
        Self {
            certificate: Arc::new(certificate),
            key,
            digest: DigestAlgorithm::Sha256,
            pss: false,
            subject_key_identifier: false,
            include_certificate: true,
            chain: Arc::new([]),
            signed_attributes: true,
            signing_time: SigningTimeChoice::Now,
            signing_certificate_v2: true,
            capabilities: None,
            encryption_key_preference: None,
            extra_attributes: Vec::new(),
            cache: Arc::default(),
        }
    }

    /// The signer's certificate as DER, encoded once.
    fn encoded(&self) -> Result<&EncodedCertificate, Error> {
        if let Some(encoded) = self.cache.encoded.get() {
            return Ok(encoded);
        }
        let encoded = EncodedCertificate::from_certificate(&self.certificate)
            .map_err(Error::encoding("signer certificate"))?;
        Ok(self.cache.encoded.get_or_init(|| encoded))
    }

    /// The DER certificates this signer wants in the message (its own from the cache).
    pub(crate) fn certificate_ders_to_include(&self) -> Result<Vec<Cow<'_, [u8]>>, Error> {
        let mut out = Vec::with_capacity(self.chain.len().saturating_add(1));
        if self.include_certificate {
            out.push(Cow::Borrowed(self.encoded()?.der()));
        }
        for certificate in self.chain.iter() {
            out.push(Cow::Borrowed(certificate.der()?));
        }
        Ok(out)
    }

    /// The digest algorithm: SHA-256 (default), SHA-384 or SHA-512. SHA-1 is refused.
    pub fn digest(mut self, digest: DigestAlgorithm) -> Self {
        self.digest = digest;
        self
    }

    /// Sign with RSASSA-PSS (RFC 4056; salt length = digest length) instead of PKCS#1 v1.5.
    /// Only for RSA keys.
    pub fn pss(mut self) -> Self {
        self.pss = true;
        self
    }

    /// Name the signer by its subjectKeyIdentifier (SignerInfo version 3) rather than by
    /// issuer and serial number.
    pub fn subject_key_identifier(mut self, yes: bool) -> Self {
        self.subject_key_identifier = yes;
        self
    }

    /// Whether to include the signer's own certificate (default: yes).
    pub fn include_certificate(mut self, yes: bool) -> Self {
        self.include_certificate = yes;
        self
    }

    /// Include these certificates (the signer's chain, without the root) in the message.
    pub fn include_chain(mut self, chain: impl IntoIterator<Item = Certificate>) -> Self {
        let mut certificates: Vec<ChainCertificate> = self
            .chain
            .iter()
            .map(|known| ChainCertificate {
                certificate: known.certificate.clone(),
                der: known.der.clone(),
            })
            .collect();
        certificates.extend(chain.into_iter().map(ChainCertificate::new));
        self.chain = certificates.into();
        self
    }

    /// Whether to sign attributes at all (default: yes). Without them only the content is
    /// signed, which RFC 5652 §5.3 allows for id-data only; no signing time or capabilities
    /// can then be conveyed.
    pub fn signed_attributes(mut self, yes: bool) -> Self {
        self.signed_attributes = yes;
        self
    }

    /// Claim this signing time instead of the current time.
    pub fn signing_time(mut self, time: SystemTime) -> Self {
        self.signing_time = SigningTimeChoice::At(time);
        self
    }

    /// Leave the signingTime attribute out.
    pub fn without_signing_time(mut self) -> Self {
        self.signing_time = SigningTimeChoice::Omit;
        self
    }

    /// Whether to include the signingCertificateV2 attribute (RFC 5035; default: yes). It
    /// binds the signature to the signer's certificate, against certificate substitution.
    pub fn signing_certificate_v2(mut self, yes: bool) -> Self {
        self.signing_certificate_v2 = yes;
        self
    }

    /// Announce these capabilities (SMIMECapabilities, RFC 8551 §2.5.2).
    pub fn capabilities(mut self, capabilities: SmimeCapabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    /// Announce which certificate to encrypt to (SMIMEEncryptionKeyPreference, RFC 8551
    /// §2.5.3).
    pub fn encryption_key_preference(mut self, preference: EncryptionKeyPreference) -> Self {
        self.encryption_key_preference = Some(preference);
        self
    }

    /// Add another signed attribute (it must not be one this builder writes itself).
    pub fn signed_attribute(mut self, attribute: Attribute) -> Self {
        self.extra_attributes.push(attribute);
        self
    }

    /// Certificates this signer wants in the message.
    pub(crate) fn certificates_to_include(&self) -> impl Iterator<Item = &Certificate> {
        self.include_certificate
            .then_some(&*self.certificate)
            .into_iter()
            .chain(self.chain.iter().map(|known| &known.certificate))
    }

    /// The digest algorithm (after the SHA-1 check).
    pub(crate) fn digest_algorithm(&self, signer: usize) -> Result<DigestAlgorithm, Error> {
        match self.digest {
            DigestAlgorithm::Sha1 => Err(Error::Sha1NotAllowed { signer }),
            digest => Ok(digest),
        }
    }

    /// Whether this signer uses a version 3 SignerInfo.
    pub(crate) fn is_version_3(&self) -> bool {
        self.subject_key_identifier
    }

    /// The signature scheme for this signer's key and options.
    fn scheme(&self, signer: usize) -> Result<SignatureScheme, Error> {
        let digest = self.digest_algorithm(signer)?;
        // The key's SPKI is kept in canonical DER: when the certificate carries the same
        // octets the keys are equal without parsing the certificate's SPKI; otherwise (another
        // but equivalent encoding, or another key) the parsed keys are compared.
        let certified = self.encoded()?.subject_public_key_info();
        if certified != self.key.public_key().spki_der() {
            let certified = PublicKey::from_spki_der(certified)
                .map_err(|source| crypto_error(signer, source))?;
            if certified != *self.key.public_key() {
                return Err(Error::KeyDoesNotMatchCertificate { signer });
            }
        }
        match self.key.kind() {
            KeyKind::Rsa { modulus_bits } if modulus_bits < 2048 => Err(Error::WeakKey {
                signer,
                key: self.key.kind().to_string(),
            }),
            KeyKind::Rsa { .. } if self.pss => Ok(SignatureScheme::rsa_pss(digest)),
            KeyKind::Rsa { .. } => Ok(SignatureScheme::RsaPkcs1v15 { digest }),
            KeyKind::Ec { .. } if self.pss => Err(Error::InvalidAlgorithms {
                signer,
                reason: "RSA-PSS was asked for with an EC key".into(),
            }),
            KeyKind::Ec { .. } => Ok(SignatureScheme::Ecdsa { digest }),
            other => Err(Error::UnsupportedAlgorithm {
                signer,
                kind: "public key",
                algorithm: other.to_string(),
            }),
        }
    }

    /// The DER signed attributes (as a SET OF, sorted), for content of `content_type` whose
    /// digest is `content_digest`.
    fn signed_attributes_der(
        &self,
        signer: usize,
        content_type: ObjectIdentifier,
        content_digest: &[u8],
        provider: &dyn CryptoProvider,
    ) -> Result<Vec<u8>, Error> {
        let encoding = Error::encoding("signed attributes");
        // contentType (an OBJECT IDENTIFIER) and messageDigest (an OCTET STRING), written
        // from the octets at hand.
        let mut encoded = Vec::with_capacity(self.extra_attributes.len().saturating_add(6));
        encoded.push(attributes::encode_attribute_value(
            attributes::CONTENT_TYPE,
            Some(ber::OBJECT_IDENTIFIER),
            &[content_type.as_bytes()],
        ));
        encoded.push(attributes::encode_attribute_value(
            attributes::MESSAGE_DIGEST,
            Some(ber::OCTET_STRING),
            &[content_digest],
        ));
        let time = match self.signing_time {
            SigningTimeChoice::Now => Some(SystemTime::now()),
            SigningTimeChoice::At(time) => Some(time),
            SigningTimeChoice::Omit => None,
        };
        if let Some(time) = time {
            encoded.push(
                attributes::encode_attribute(
                    attributes::SIGNING_TIME,
                    &attributes::signing_time_der(time).map_err(&encoding)?,
                )
                .map_err(&encoding)?,
            );
        }
        if let Some(capabilities) = &self.capabilities {
            encoded.push(
                attributes::encode_attribute(
                    attributes::SMIME_CAPABILITIES,
                    &capabilities.to_der().map_err(&encoding)?,
                )
                .map_err(&encoding)?,
            );
        }
        if let Some(preference) = &self.encryption_key_preference {
            encoded.push(
                attributes::encode_attribute(
                    attributes::ENCRYPTION_KEY_PREFERENCE,
                    &preference.to_der().map_err(&encoding)?,
                )
                .map_err(&encoding)?,
            );
        }
        if self.signing_certificate_v2 {
            let certificate = self.encoded()?;
            let hash = match self.cache.sha256.get() {
                Some(hash) => hash,
                None => {
                    let hash = provider
                        .digest(DigestAlgorithm::Sha256, certificate.der())
                        .map_err(|source| crypto_error(signer, source))?;
                    self.cache.sha256.get_or_init(|| hash)
                }
            };
            encoded.push(attributes::encode_attribute_value(
                attributes::SIGNING_CERTIFICATE_V2,
                None,
                &[&attributes::signing_certificate_v2_der(
                    hash,
                    certificate.issuer(),
                    certificate.serial_number(),
                )],
            ));
        }
        for attribute in &self.extra_attributes {
            encoded.push(attribute.to_der().map_err(&encoding)?);
        }
        Ok(ber::encode_set_of(encoded))
    }

    /// Signs and encodes this signer's SignerInfo (DER).
    pub(crate) fn build(
        &self,
        signer: usize,
        content_type: ObjectIdentifier,
        content: &[u8],
        content_digests: &mut HashMap<DigestAlgorithm, Vec<u8>>,
        provider: &dyn CryptoProvider,
    ) -> Result<Vec<u8>, Error> {
        let encoding = Error::encoding("SignerInfo");
        let scheme = self.scheme(signer)?;
        let digest = scheme.digest();
        let (version, sid) = if self.subject_key_identifier {
            let ski = attributes::subject_key_identifier(&self.certificate)
                .ok_or(Error::NoSubjectKeyIdentifier { signer })?;
            (3u8, ber::encode(0x80, ski.0.as_bytes()))
        } else {
            // IssuerAndSerialNumber (RFC 5652 §10.2.4) from the certificate's own octets.
            let certificate = self.encoded()?;
            (
                1u8,
                ber::encode_parts(
                    ber::SEQUENCE,
                    &[certificate.issuer(), certificate.serial_number()],
                ),
            )
        };
        let content_digest = match content_digests.get(&digest) {
            Some(value) => value.clone(),
            None => {
                let value = provider
                    .digest(digest, content)
                    .map_err(|source| crypto_error(signer, source))?;
                content_digests.insert(digest, value.clone());
                value
            }
        };
        let (signed_attributes, to_sign_digest) = if self.signed_attributes {
            let set =
                self.signed_attributes_der(signer, content_type, &content_digest, provider)?;
            let set_digest = provider
                .digest(digest, &set)
                .map_err(|source| crypto_error(signer, source))?;
            // Transmitted as [0] IMPLICIT: the same contents under the context tag.
            let mut implicit = set;
            if let Some(tag) = implicit.first_mut() {
                *tag = ber::CONTEXT_0;
            }
            (Some(implicit), set_digest)
        } else {
            if content_type != ID_DATA {
                return Err(Error::SignedAttributesRequired { content_type });
            }
            (None, content_digest)
        };
        let signature = self
            .key
            .sign_digest(scheme, &to_sign_digest)
            .map_err(|source| crypto_error(signer, source))?;
        let signature_algorithm = algorithm_identifier::signature_identifier(scheme)
            .map_err(|problem| algorithm_error(signer, "signature algorithm", problem))?;
        let version_der = [ber::INTEGER, 1, version];
        let digest_der = algorithm_identifier::digest_identifier(digest)
            .to_der()
            .map_err(&encoding)?;
        let signature_algorithm_der = signature_algorithm.to_der().map_err(&encoding)?;
        let signature_der = ber::encode(ber::OCTET_STRING, &signature);
        let mut parts: Vec<&[u8]> = vec![&version_der, &sid, &digest_der];
        if let Some(attrs) = &signed_attributes {
            parts.push(attrs);
        }
        parts.push(&signature_algorithm_der);
        parts.push(&signature_der);
        Ok(ber::encode_parts(ber::SEQUENCE, &parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_der_shaped` only ever answers `true` where `Tlv::to_der` returns the input's own
    /// octets: checked on a real certificate, on BER forms, on deep nesting and on many
    /// corrupted copies of the certificate.
    #[test]
    fn der_shape_scan_agrees_with_to_der() {
        let pem = include_str!("../tests/data/example-p256.cert.pem");
        let (_, certificate) = der::pem::decode_vec(pem.as_bytes()).unwrap();
        assert!(is_der_shaped(&certificate));

        let agrees = |input: &[u8]| {
            if is_der_shaped(input) {
                let tlv = Tlv::parse_exact(input, "test").unwrap();
                assert!(
                    matches!(tlv.to_der("test"), Ok(Cow::Borrowed(_))),
                    "{input:02x?}"
                );
            }
        };
        // BER forms and shapes that are not one DER element: all refused by the scan.
        for input in [
            &[0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00][..], // indefinite length
            &[0x24, 0x03, 0x04, 0x01, 0x07],                 // constructed OCTET STRING
            &[0x02, 0x81, 0x01, 0x07],                       // non-minimal length
            &[0x30, 0x03, 0x02, 0x02, 0x07],                 // child overruns its parent
            &[0x02, 0x01, 0x07, 0x02, 0x01, 0x07],           // two elements
            &[0x1f, 0x81, 0x00, 0x00],                       // high tag number
            &[0x30],                                         // truncated
            &[],
        ] {
            assert!(!is_der_shaped(input), "{input:02x?}");
            agrees(input);
        }
        assert!(is_der_shaped(&[0x30, 0x00]));
        assert!(is_der_shaped(&[0x31, 0x04, 0x30, 0x02, 0x05, 0x00]));
        assert!(!is_der_shaped(&[0x31, 0x04, 0x30, 0x02, 0x05])); // truncated

        // Nesting: accepted well inside the limit, refused near it (the full path then
        // reports NestingTooDeep).
        let nested = |levels: usize| {
            let mut der = vec![0x05, 0x00];
            for _ in 0..levels {
                der = ber::encode(ber::SEQUENCE, &der);
            }
            der
        };
        assert!(is_der_shaped(&nested(40)));
        assert!(!is_der_shaped(&nested(MAX_NESTING_DEPTH)));
        let deep = nested(MAX_NESTING_DEPTH + 1);
        assert!(matches!(
            Tlv::parse_exact(&deep, "test").unwrap().to_der("test"),
            Err(Error::NestingTooDeep { .. })
        ));

        // Corrupted copies of the certificate (a fixed xorshift sequence).
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let mut input = certificate.clone();
            for _ in 0..1 + next() % 3 {
                let at = usize::try_from(next() % input.len() as u64).unwrap();
                input[at] = u8::try_from(next() & 0xff).unwrap();
            }
            agrees(&input);
        }
    }
}
