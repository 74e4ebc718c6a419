//! `SignedData` (RFC 5652 §5): reading, verifying and building.
//!
//! ```text
//! SignedData ::= SEQUENCE {
//!   version CMSVersion,
//!   digestAlgorithms DigestAlgorithmIdentifiers,
//!   encapContentInfo EncapsulatedContentInfo,
//!   certificates [0] IMPLICIT CertificateSet OPTIONAL,
//!   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
//!   signerInfos SignerInfos }
//!
//! EncapsulatedContentInfo ::= SEQUENCE {
//!   eContentType ContentType,
//!   eContent [0] EXPLICIT OCTET STRING OPTIONAL }
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use const_oid::ObjectIdentifier;
use der::Encode;
use smime_crypto::CryptoProvider;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use crate::algorithm_identifier;
use crate::ber::{self, Tlv};
use crate::budget::{
    MAX_CERTIFICATES, MAX_DIGEST_ALGORITHMS, MAX_REVOCATION_ENTRIES, MAX_SIGNATURE_CHECKS,
    MAX_SIGNERS,
};
use crate::content_info::{ContentInfo, ID_DATA, ID_SIGNED_DATA};
use crate::error::Error;
use crate::signer_info::{
    CertificateEntry, SignerBuilder, SignerCertificate, SignerInfo, SignerReport, ValidSignature,
    VerifyContext, read_version,
};

/// A parsed SignedData (DER or BER) that borrows the input.
#[derive(Clone, Debug)]
pub struct SignedData<'a> {
    version: u8,
    digest_algorithms: Vec<AlgorithmIdentifierOwned>,
    econtent_type: ObjectIdentifier,
    econtent: Option<Cow<'a, [u8]>>,
    /// The position in the message's certificate set of each entry of `certificates`.
    certificate_positions: Vec<usize>,
    /// The X.509 certificates whose outer shape is sound, each decoded on first use; shared
    /// with the [`Verification`]s made from this message.
    certificates: Arc<Vec<SignerCertificate>>,
    /// The certificates set aside while reading, with their position in the message.
    certificate_errors: Vec<(usize, Error)>,
    /// Every certificate decoded, and every problem: made by the first call that needs them.
    decoded_certificates: OnceLock<DecodedCertificates>,
    other_certificate_formats: usize,
    revocation_entries: Vec<&'a [u8]>,
    signer_infos: Vec<SignerInfo<'a>>,
}

impl<'a> SignedData<'a> {
    /// Parses a `ContentInfo` holding a SignedData, in DER or BER.
    ///
    /// Structural problems are errors; certificates that cannot be parsed are set aside (see
    /// [`certificate_errors`](Self::certificate_errors)) so that they cannot make a message
    /// unreadable.
    pub fn parse(input: &'a [u8]) -> Result<Self, Error> {
        let info = ContentInfo::parse(input)?;
        info.expect_type(ID_SIGNED_DATA)?;
        Self::parse_content(info.content_tlv())
    }

    /// Parses the SignedData element itself (the content of a ContentInfo).
    pub(crate) fn parse_content(tlv: Tlv<'a>) -> Result<Self, Error> {
        const WHAT: &str = "SignedData";
        let mut fields = tlv.expect(ber::SEQUENCE, WHAT)?.reader(WHAT)?;
        let version = read_version(fields.read()?, WHAT)?;
        if !matches!(version, 1 | 3 | 4 | 5) {
            return Err(Error::UnsupportedVersion { version });
        }

        let digest_set = fields.read_expected(ber::SET)?;
        let mut digest_algorithms = Vec::new();
        let mut reader = digest_set.reader("SignedData.digestAlgorithms")?;
        while !reader.is_empty() {
            if digest_algorithms.len() >= MAX_DIGEST_ALGORITHMS {
                return Err(Error::BudgetExceeded {
                    what: "digest algorithms",
                    limit: MAX_DIGEST_ALGORITHMS,
                });
            }
            digest_algorithms.push(algorithm_identifier::read(
                reader.read()?,
                "SignedData.digestAlgorithms",
            )?);
        }

        let encap = fields.read_expected(ber::SEQUENCE)?;
        let mut encap_fields = encap.reader("EncapsulatedContentInfo")?;
        let oid = encap_fields.read_expected(ber::OBJECT_IDENTIFIER)?;
        let econtent_type = ObjectIdentifier::from_bytes(oid.content).map_err(|e| {
            Error::malformed_owned(
                "EncapsulatedContentInfo",
                oid.offset,
                format!("eContentType: {e}"),
            )
        })?;
        let econtent = match encap_fields.read_optional(ber::CONTEXT_0)? {
            None => None,
            Some(explicit) => {
                let mut inner = explicit.reader("EncapsulatedContentInfo.eContent")?;
                let value = inner.read()?;
                inner.finish()?;
                Some(econtent_value(value)?)
            }
        };
        encap_fields.finish()?;

        let mut certificates = Vec::new();
        let mut certificate_errors = Vec::new();
        let mut other_certificate_formats = 0usize;
        if let Some(set) = fields.read_optional(ber::CONTEXT_0)? {
            let mut reader = set.reader("SignedData.certificates")?;
            let mut index = 0usize;
            while !reader.is_empty() {
                if index >= MAX_CERTIFICATES {
                    return Err(Error::BudgetExceeded {
                        what: "certificates in one message",
                        limit: MAX_CERTIFICATES,
                    });
                }
                let choice = reader.read()?;
                if choice.tag.is(ber::SEQUENCE) {
                    match CertificateEntry::parse(choice, index) {
                        Ok(entry) => certificates.push((index, SignerCertificate::from(entry))),
                        Err(reason) => certificate_errors.push((
                            index,
                            Error::MalformedCertificate {
                                index,
                                source_name: "message",
                                reason,
                            },
                        )),
                    }
                } else {
                    // extendedCertificate [0], attribute certificates [1]/[2], other [3]:
                    // not used to verify signatures.
                    other_certificate_formats = other_certificate_formats.saturating_add(1);
                }
                index = index.saturating_add(1);
            }
        }

        let mut revocation_entries = Vec::new();
        if let Some(set) = fields.read_optional(ber::CONTEXT_1)? {
            let mut reader = set.reader("SignedData.crls")?;
            while !reader.is_empty() {
                if revocation_entries.len() >= MAX_REVOCATION_ENTRIES {
                    return Err(Error::BudgetExceeded {
                        what: "revocation entries in one message",
                        limit: MAX_REVOCATION_ENTRIES,
                    });
                }
                revocation_entries.push(reader.read()?.raw);
            }
        }

        let signer_set = fields.read_expected(ber::SET)?;
        fields.finish()?;
        let mut signer_infos = Vec::new();
        let mut reader = signer_set.reader("SignedData.signerInfos")?;
        while !reader.is_empty() {
            if signer_infos.len() >= MAX_SIGNERS {
                return Err(Error::BudgetExceeded {
                    what: "signers in one message",
                    limit: MAX_SIGNERS,
                });
            }
            signer_infos.push(SignerInfo::parse(reader.read()?)?);
        }

        let (certificate_positions, certificates) = certificates.into_iter().unzip();
        Ok(Self {
            version,
            digest_algorithms,
            econtent_type,
            econtent,
            certificates: Arc::new(certificates),
            certificate_errors,
            decoded_certificates: OnceLock::new(),
            certificate_positions,
            other_certificate_formats,
            revocation_entries,
            signer_infos,
        })
    }

    /// The SignedData version (RFC 5652 §5.1: 1, 3, 4 or 5).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The digestAlgorithms set, as written.
    pub fn digest_algorithms(&self) -> &[AlgorithmIdentifierOwned] {
        &self.digest_algorithms
    }

    /// The type of the signed content (`eContentType`), preserved as written.
    pub fn econtent_type(&self) -> ObjectIdentifier {
        self.econtent_type
    }

    /// The encapsulated content, if the message carries it (`None` for a detached signature).
    /// Chunks of a BER constructed OCTET STRING are joined.
    pub fn econtent(&self) -> Option<&[u8]> {
        self.econtent.as_deref()
    }

    /// The X.509 certificates carried in the message (those that parsed).
    ///
    /// The certificates are decoded on the first call (verifying a signature decodes only the
    /// signer's).
    pub fn certificates(&self) -> impl ExactSizeIterator<Item = &Certificate> {
        self.decoded_certificates()
            .certificates
            .iter()
            .map(|certificate| &**certificate)
    }

    /// The certificates carried in the message whose outer shape is sound, as DER, each
    /// decoded on first use only.
    pub fn signer_certificates(&self) -> &[SignerCertificate] {
        &self.certificates
    }

    /// Certificates in the message that could not be parsed (they are not used), in message
    /// order.
    pub fn certificate_errors(&self) -> &[Error] {
        &self.decoded_certificates().errors
    }

    /// Decodes every certificate, once.
    fn decoded_certificates(&self) -> &DecodedCertificates {
        self.decoded_certificates.get_or_init(|| {
            let mut certificates = Vec::with_capacity(self.certificates.len());
            let mut errors = self.certificate_errors.clone();
            for (entry, index) in self.certificates.iter().zip(&self.certificate_positions) {
                match entry.entry().certificate() {
                    Ok(certificate) => certificates.push(Arc::clone(certificate)),
                    Err(reason) => errors.push((
                        *index,
                        Error::MalformedCertificate {
                            index: *index,
                            source_name: "message",
                            reason: reason.to_owned(),
                        },
                    )),
                }
            }
            errors.sort_by_key(|(index, _)| *index);
            DecodedCertificates {
                certificates,
                errors: errors.into_iter().map(|(_, error)| error).collect(),
            }
        })
    }

    /// How many certificates in the message use another format than X.509 (attribute
    /// certificates and such); they are ignored.
    pub fn other_certificate_formats(&self) -> usize {
        self.other_certificate_formats
    }

    /// The revocation information (CRLs, or other formats) carried in the message, each as
    /// its encoded element; not interpreted here.
    pub fn revocation_entries(&self) -> &[&'a [u8]] {
        &self.revocation_entries
    }

    /// The number of SignerInfos.
    pub fn signer_count(&self) -> usize {
        self.signer_infos.len()
    }

    /// Verifies every signer.
    ///
    /// Errors are about the message as a whole: no signers, an empty digestAlgorithms set, no
    /// content (neither encapsulated nor supplied), content supplied twice, or a caller's
    /// certificate that cannot be encoded. Everything about one signer — unknown algorithm,
    /// missing certificate, wrong digest, bad signature — is in that signer's report, and
    /// does not stop the others from being checked.
    pub fn verify(
        &self,
        options: &VerifyOptions<'_>,
        provider: &dyn CryptoProvider,
    ) -> Result<Verification, Error> {
        if self.signer_infos.is_empty() {
            return Err(Error::NoSigners);
        }
        if self.digest_algorithms.is_empty() {
            return Err(Error::NoDigestAlgorithms);
        }
        let content: &[u8] = match (self.econtent.as_deref(), options.detached_content) {
            (Some(_), Some(_)) => return Err(Error::ContentSuppliedTwice),
            (Some(econtent), None) => econtent,
            (None, Some(detached)) => detached,
            (None, None) => return Err(Error::NoContent),
        };
        let caller_entries = SignerCertificate::from_callers_list(options.certificates)?;
        let mut ctx = VerifyContext {
            provider,
            econtent_type: self.econtent_type,
            content,
            certificates: self
                .certificates
                .iter()
                .chain(caller_entries.iter())
                .collect(),
            digests: Vec::new(),
            signature_checks_left: MAX_SIGNATURE_CHECKS,
        };
        let signers = self
            .signer_infos
            .iter()
            .enumerate()
            .map(|(index, signer)| signer.verify(index, &mut ctx))
            .collect();
        Ok(Verification {
            econtent_type: self.econtent_type,
            econtent: self.econtent.as_ref().map(|c| c.to_vec()),
            signers,
            message_certificates: Arc::clone(&self.certificates),
            certificates: OnceLock::new(),
        })
    }
}

/// The message's certificates once all are decoded, and the ones that were set aside.
#[derive(Clone, Debug)]
struct DecodedCertificates {
    certificates: Vec<Arc<Certificate>>,
    errors: Vec<Error>,
}

/// The value of eContent: an OCTET STRING's octets (chunks joined). For PKCS #7 compatibility
/// (RFC 5652 §5.2.1) content of another type, such as Authenticode's SpcIndirectDataContent,
/// is the contents octets of its encoding (tag and length excluded), which is what its
/// signers digest.
fn econtent_value(value: Tlv<'_>) -> Result<Cow<'_, [u8]>, Error> {
    if value.tag.is(ber::OCTET_STRING) || value.tag.is(ber::OCTET_STRING | 0x20) {
        return value.string_value(ber::OCTET_STRING, "EncapsulatedContentInfo.eContent");
    }
    if value.indefinite {
        // The contents of an indefinite-length element are not what a DER signer digested.
        let der = value.to_der("EncapsulatedContentInfo.eContent")?;
        let reparsed = Tlv::parse_exact(&der, "EncapsulatedContentInfo.eContent")?;
        return Ok(Cow::Owned(reparsed.content.to_vec()));
    }
    Ok(Cow::Borrowed(value.content))
}

/// What the caller brings to a verification.
#[derive(Clone, Copy, Debug, Default)]
pub struct VerifyOptions<'a> {
    detached_content: Option<&'a [u8]>,
    certificates: &'a [Certificate],
}

impl<'a> VerifyOptions<'a> {
    /// No detached content, no extra certificates.
    pub fn new() -> Self {
        Self::default()
    }

    /// The content of a detached signature (for example the first part of a
    /// multipart/signed message, canonicalised).
    pub fn detached_content(mut self, content: &'a [u8]) -> Self {
        self.detached_content = Some(content);
        self
    }

    /// Certificates to look for signers in, besides those the message carries. Being listed
    /// here confers no trust.
    pub fn certificates(mut self, certificates: &'a [Certificate]) -> Self {
        self.certificates = certificates;
        self
    }
}

/// The outcome of verifying a SignedData: one report per signer.
///
/// A signer whose status is valid signed the content (cryptographically valid; trust not
/// evaluated — see `smime-path`).
#[derive(Clone, Debug)]
pub struct Verification {
    econtent_type: ObjectIdentifier,
    econtent: Option<Vec<u8>>,
    signers: Vec<SignerReport>,
    /// The message's certificates, as read (shared with the [`SignedData`]).
    message_certificates: Arc<Vec<SignerCertificate>>,
    /// Those that decode, made on the first call of [`Verification::certificates`].
    certificates: OnceLock<Vec<Certificate>>,
}

impl PartialEq for Verification {
    fn eq(&self, other: &Self) -> bool {
        self.econtent_type == other.econtent_type
            && self.econtent == other.econtent
            && self.signers == other.signers
            && self
                .message_certificates
                .iter()
                .map(SignerCertificate::der)
                .eq(other
                    .message_certificates
                    .iter()
                    .map(SignerCertificate::der))
    }
}

impl Eq for Verification {}

impl Verification {
    /// One report per SignerInfo, in the order of the message.
    pub fn signers(&self) -> &[SignerReport] {
        &self.signers
    }

    /// Whether every signer's signature is cryptographically valid (trust not evaluated).
    pub fn all_valid(&self) -> bool {
        self.signers.iter().all(|signer| signer.valid().is_some())
    }

    /// The valid signatures, or the first signer's error if any signer is not valid.
    pub fn require_all_valid(&self) -> Result<Vec<&ValidSignature>, Error> {
        self.signers
            .iter()
            .map(|signer| match signer.status() {
                crate::SignatureStatus::Valid(valid) => Ok(valid),
                crate::SignatureStatus::Invalid(error) => Err(error.clone()),
            })
            .collect()
    }

    /// The valid signatures (possibly none).
    pub fn valid_signatures(&self) -> impl Iterator<Item = &ValidSignature> {
        self.signers.iter().filter_map(SignerReport::valid)
    }

    /// The type of the signed content.
    pub fn econtent_type(&self) -> ObjectIdentifier {
        self.econtent_type
    }

    /// The encapsulated content, when the message carried it (not for detached signatures,
    /// whose content the caller supplied).
    pub fn econtent(&self) -> Option<&[u8]> {
        self.econtent.as_deref()
    }

    /// The certificates the message carried, as DER (those whose outer shape is sound; none
    /// is decoded). This is what path validation takes.
    pub fn certificate_ders(&self) -> impl ExactSizeIterator<Item = &[u8]> {
        self.message_certificates.iter().map(SignerCertificate::der)
    }

    /// The certificates the message carried (those that decode), decoded on the first call.
    pub fn certificates(&self) -> &[Certificate] {
        self.certificates.get_or_init(|| {
            self.message_certificates
                .iter()
                .filter_map(SignerCertificate::decoded)
                .map(|certificate| Certificate::clone(certificate))
                .collect()
        })
    }
}

/// Parses and verifies a SignedData in one call; see [`SignedData::verify`].
///
/// ```no_run
/// # fn example(message: &[u8]) -> Result<(), smime_cms::Error> {
/// let provider = smime_crypto::default_provider();
/// let verification = smime_cms::verify(message, &smime_cms::VerifyOptions::new(), provider)?;
/// for signer in verification.signers() {
///     match signer.status() {
///         smime_cms::SignatureStatus::Valid(valid) => {
///             println!("signed by {}", valid.certificate().decode()?.tbs_certificate().subject())
///         }
///         smime_cms::SignatureStatus::Invalid(error) => println!("{error}"),
///     }
/// }
/// # Ok(()) }
/// ```
pub fn verify(
    message: &[u8],
    options: &VerifyOptions<'_>,
    provider: &dyn CryptoProvider,
) -> Result<Verification, Error> {
    SignedData::parse(message)?.verify(options, provider)
}

/// Builds a SignedData: content, signers, extra certificates; the output is a DER
/// `ContentInfo`.
///
/// The SignedData version, the digestAlgorithms set (the union of the signers' digests) and
/// the certificate set (signers' certificates and chains, de-duplicated) are computed as
/// RFC 5652 §5.1 describes.
#[derive(Clone, Debug)]
pub struct SignedDataBuilder<'c> {
    content: &'c [u8],
    content_type: ObjectIdentifier,
    detached: bool,
    signers: Vec<SignerBuilder>,
    certificates: Vec<Certificate>,
}

impl<'c> SignedDataBuilder<'c> {
    /// A SignedData over `content` (of type id-data unless [`content_type`](Self::content_type)
    /// says otherwise), with the content encapsulated.
    pub fn new(content: &'c [u8]) -> Self {
        Self {
            content,
            content_type: ID_DATA,
            detached: false,
            signers: Vec::new(),
            certificates: Vec::new(),
        }
    }

    /// Leave the content out of the message (a detached signature, as multipart/signed uses).
    pub fn detached(mut self, detached: bool) -> Self {
        self.detached = detached;
        self
    }

    /// The eContentType (default id-data). Other types require signed attributes.
    pub fn content_type(mut self, content_type: ObjectIdentifier) -> Self {
        self.content_type = content_type;
        self
    }

    /// Adds a signer.
    pub fn add_signer(mut self, signer: SignerBuilder) -> Self {
        self.signers.push(signer);
        self
    }

    /// Adds a certificate to the message (beyond those the signers include).
    pub fn add_certificate(mut self, certificate: Certificate) -> Self {
        self.certificates.push(certificate);
        self
    }

    /// Signs and encodes the message as a DER ContentInfo.
    pub fn build(&self, provider: &dyn CryptoProvider) -> Result<Vec<u8>, Error> {
        let encoding = Error::encoding("SignedData");
        if self.signers.is_empty() {
            return Err(Error::NoSignerGiven);
        }
        if self.signers.len() > MAX_SIGNERS {
            return Err(Error::BudgetExceeded {
                what: "signers in one message",
                limit: MAX_SIGNERS,
            });
        }
        let mut content_digests = HashMap::new();
        let mut signer_infos = Vec::with_capacity(self.signers.len());
        let mut digest_ids: Vec<Vec<u8>> = Vec::new();
        for (index, signer) in self.signers.iter().enumerate() {
            let digest = signer.digest_algorithm(index)?;
            let digest_der = algorithm_identifier::digest_identifier(digest)
                .to_der()
                .map_err(&encoding)?;
            if !digest_ids.contains(&digest_der) {
                digest_ids.push(digest_der);
            }
            signer_infos.push(signer.build(
                index,
                self.content_type,
                self.content,
                &mut content_digests,
                provider,
            )?);
        }

        let mut certificate_ders: Vec<Cow<'_, [u8]>> = Vec::new();
        for signer in &self.signers {
            for der in signer.certificate_ders_to_include()? {
                if !certificate_ders.contains(&der) {
                    certificate_ders.push(der);
                }
            }
        }
        for certificate in &self.certificates {
            let der = Cow::Owned(certificate.to_der().map_err(&encoding)?);
            if !certificate_ders.contains(&der) {
                certificate_ders.push(der);
            }
        }
        if certificate_ders.len() > MAX_CERTIFICATES {
            return Err(Error::BudgetExceeded {
                what: "certificates in one message",
                limit: MAX_CERTIFICATES,
            });
        }

        // RFC 5652 §5.1: version 3 when any SignerInfo is version 3 or the eContentType is not
        // id-data; 1 otherwise (we write no attribute certificates or other formats, which
        // would call for 4 or 5).
        let version: u8 = if self.signers.iter().any(SignerBuilder::is_version_3)
            || self.content_type != ID_DATA
        {
            3
        } else {
            1
        };

        let version_der = [ber::INTEGER, 1, version];
        let digest_set = ber::encode_set_of(digest_ids);
        let encap =
            encapsulated_content_info(self.content_type, (!self.detached).then_some(self.content))?;
        let mut parts: Vec<&[u8]> = vec![&version_der, &digest_set, &encap];
        let certificate_set = (!certificate_ders.is_empty()).then(|| {
            let mut set =
                ber::encode_set_of(certificate_ders.into_iter().map(Cow::into_owned).collect());
            if let Some(tag) = set.first_mut() {
                *tag = ber::CONTEXT_0;
            }
            set
        });
        if let Some(set) = &certificate_set {
            parts.push(set);
        }
        let signer_set = ber::encode_set_of(signer_infos);
        parts.push(&signer_set);
        let signed_data = ber::encode_parts(ber::SEQUENCE, &parts);
        content_info(ID_SIGNED_DATA, &signed_data)
    }
}

/// DER `EncapsulatedContentInfo` with the content (if any) as one primitive OCTET STRING.
pub(crate) fn encapsulated_content_info(
    content_type: ObjectIdentifier,
    content: Option<&[u8]>,
) -> Result<Vec<u8>, Error> {
    let oid = ber::encode(ber::OBJECT_IDENTIFIER, content_type.as_bytes());
    Ok(match content {
        Some(content) => ber::encode_parts(
            ber::SEQUENCE,
            &[
                &oid,
                &ber::encode(ber::CONTEXT_0, &ber::encode(ber::OCTET_STRING, content)),
            ],
        ),
        None => ber::encode(ber::SEQUENCE, &oid),
    })
}

/// DER `ContentInfo` around an encoded content.
pub(crate) fn content_info(
    content_type: ObjectIdentifier,
    content: &[u8],
) -> Result<Vec<u8>, Error> {
    let oid = ber::encode(ber::OBJECT_IDENTIFIER, content_type.as_bytes());
    Ok(ber::encode_parts(
        ber::SEQUENCE,
        &[&oid, &ber::encode(ber::CONTEXT_0, content)],
    ))
}
