//! Signed and unsigned attributes of a SignerInfo (RFC 5652 §5.3, §11; RFC 8551 §2.5;
//! RFC 5035).
//!
//! The attributes this crate reads and writes:
//!
//! | Attribute | OID | Defined in |
//! |---|---|---|
//! | contentType | 1.2.840.113549.1.9.3 | RFC 5652 §11.1 |
//! | messageDigest | 1.2.840.113549.1.9.4 | RFC 5652 §11.2 |
//! | signingTime | 1.2.840.113549.1.9.5 | RFC 5652 §11.3 |
//! | SMIMECapabilities | 1.2.840.113549.1.9.15 | RFC 8551 §2.5.2 |
//! | SMIMEEncryptionKeyPreference | 1.2.840.113549.1.9.16.2.11 | RFC 8551 §2.5.3 |
//! | signingCertificate | 1.2.840.113549.1.9.16.2.12 | RFC 2634 §5.4 (read only) |
//! | signingCertificateV2 | 1.2.840.113549.1.9.16.2.47 | RFC 5035 §3 |
//!
//! Other attributes are kept as [`Attribute`]s. Each attribute above must appear at most once
//! with exactly one value, and only where the RFCs allow it (all of them are signed-only; a
//! countersignature is unsigned-only).

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::SystemTime;

use cms::cert::IssuerAndSerialNumber;
use cms::enveloped_data::RecipientKeyIdentifier;
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911;
use der::asn1::{GeneralizedTime, OctetString, OctetStringRef, UtcTime};
use der::{
    Any, Choice, Decode, DecodeOwned, DecodeValue, Encode, EncodeValue, FixedTag, Header, Length,
    Reader, Sequence, Writer,
};
use smime_crypto::DigestAlgorithm;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use crate::ber::{self, Tlv};

use crate::budget::{MAX_ATTRIBUTE_VALUES, MAX_ATTRIBUTES, MAX_CAPABILITIES};
use crate::error::Error;
/// The SMIMECapabilities types are `smime-x509`'s: the same value is also a certificate
/// extension (RFC 4262).
pub use smime_x509::{SmimeCapabilities, SmimeCapability};

/// `id-contentType` (RFC 5652 §11.1).
pub const CONTENT_TYPE: ObjectIdentifier = rfc5911::ID_CONTENT_TYPE;
/// `id-messageDigest` (RFC 5652 §11.2).
pub const MESSAGE_DIGEST: ObjectIdentifier = rfc5911::ID_MESSAGE_DIGEST;
/// `id-signingTime` (RFC 5652 §11.3).
pub const SIGNING_TIME: ObjectIdentifier = rfc5911::ID_SIGNING_TIME;
/// `id-countersignature` (RFC 5652 §11.4).
pub const COUNTERSIGNATURE: ObjectIdentifier = rfc5911::ID_COUNTERSIGNATURE;
/// `smimeCapabilities` (RFC 8551 §2.5.2).
pub const SMIME_CAPABILITIES: ObjectIdentifier = smime_x509::SMIME_CAPABILITIES;
/// `id-aa-encrypKeyPref` (RFC 8551 §2.5.3).
pub const ENCRYPTION_KEY_PREFERENCE: ObjectIdentifier = rfc5911::ID_AA_ENCRYP_KEY_PREF;
/// `id-aa-signingCertificate` (RFC 2634 §5.4).
pub const SIGNING_CERTIFICATE: ObjectIdentifier = rfc5911::ID_AA_SIGNING_CERTIFICATE;
/// `id-aa-signingCertificateV2` (RFC 5035 §3).
pub const SIGNING_CERTIFICATE_V2: ObjectIdentifier = rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2;

/// Where an attribute may appear.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Placement {
    SignedOnly,
    UnsignedOnly,
}

/// The attributes this crate knows: name, OID, placement. All of them are single-instance and
/// single-valued except the countersignature (RFC 5652 §11.4 allows several).
const KNOWN: [(&str, ObjectIdentifier, Placement); 8] = [
    ("contentType", CONTENT_TYPE, Placement::SignedOnly),
    ("messageDigest", MESSAGE_DIGEST, Placement::SignedOnly),
    ("signingTime", SIGNING_TIME, Placement::SignedOnly),
    (
        "SMIMECapabilities",
        SMIME_CAPABILITIES,
        Placement::SignedOnly,
    ),
    (
        "SMIMEEncryptionKeyPreference",
        ENCRYPTION_KEY_PREFERENCE,
        Placement::SignedOnly,
    ),
    (
        "signingCertificate",
        SIGNING_CERTIFICATE,
        Placement::SignedOnly,
    ),
    (
        "signingCertificateV2",
        SIGNING_CERTIFICATE_V2,
        Placement::SignedOnly,
    ),
    (
        "countersignature",
        COUNTERSIGNATURE,
        Placement::UnsignedOnly,
    ),
];

/// One attribute as read from the message, borrowing its bytes: its type, its first value
/// and how many values its SET holds (all of them read and counted once; nearly every
/// attribute has exactly one, so no list is kept).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawAttribute<'a> {
    pub(crate) oid: ObjectIdentifier,
    first: Option<Tlv<'a>>,
    count: usize,
    values: Tlv<'a>,
}

impl<'a> RawAttribute<'a> {
    /// How many values the attribute has.
    pub(crate) fn value_count(&self) -> usize {
        self.count
    }

    /// The first value, if any.
    pub(crate) fn first_value(&self) -> Option<Tlv<'a>> {
        self.first
    }

    /// Every value, in order (read again from the SET, which was read whole once already).
    pub(crate) fn values(&self) -> impl Iterator<Item = Tlv<'a>> + use<'a> {
        let mut reader = self.values.reader("attribute values").ok();
        std::iter::from_fn(move || {
            let values = reader.as_mut()?;
            if values.is_empty() {
                return None;
            }
            values.read().ok()
        })
    }
}

/// Reads `SET OF Attribute` from the contents of an attribute set (`[0]`/`[1]` IMPLICIT).
pub(crate) fn read_attributes<'a>(
    set: Tlv<'a>,
    what: &'static str,
) -> Result<Vec<RawAttribute<'a>>, Error> {
    let mut reader = set.reader(what)?;
    // contentType, messageDigest, signingTime, SMIMECapabilities, signingCertificateV2 and a
    // key preference: what most signers write fits without growing.
    let mut out = Vec::with_capacity(8);
    while !reader.is_empty() {
        if out.len() >= MAX_ATTRIBUTES {
            return Err(Error::BudgetExceeded {
                what: "attributes in one SignerInfo attribute set",
                limit: MAX_ATTRIBUTES,
            });
        }
        let attribute = reader.read_expected(ber::SEQUENCE)?;
        let mut fields = attribute.reader(what)?;
        let oid_tlv = fields.read_expected(ber::OBJECT_IDENTIFIER)?;
        // A known type is recognised by its octets; any other is parsed (and checked).
        let oid = match KNOWN
            .iter()
            .find(|(_, known, _)| known.as_bytes() == oid_tlv.content)
        {
            Some((_, known, _)) => *known,
            None => ObjectIdentifier::from_bytes(oid_tlv.content).map_err(|e| {
                Error::malformed_owned(what, oid_tlv.offset, format!("attribute type: {e}"))
            })?,
        };
        let values_tlv = fields.read_expected(ber::SET)?;
        fields.finish()?;
        let mut values_reader = values_tlv.reader(what)?;
        let mut first = None;
        let mut count = 0usize;
        while !values_reader.is_empty() {
            if count >= MAX_ATTRIBUTE_VALUES {
                return Err(Error::BudgetExceeded {
                    what: "values in one attribute",
                    limit: MAX_ATTRIBUTE_VALUES,
                });
            }
            let value = values_reader.read()?;
            first.get_or_insert(value);
            count = count.saturating_add(1);
        }
        out.push(RawAttribute {
            oid,
            first,
            count,
            values: values_tlv,
        });
    }
    Ok(out)
}

/// How the octets of an attribute set were found: already in DER form (the signed
/// attributes of every DER message and of most BER ones), or possibly not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SetEncoding {
    /// The whole set, every value included, is DER-shaped (definite minimal lengths, no
    /// constructed strings): a value's own octets are its DER encoding.
    Der,
    /// The set may hold BER forms: each value is transcoded before decoding.
    MaybeBer,
}

/// The DER octets of a value: its own octets when the set is known to be DER, otherwise
/// transcoded when needed.
fn value_der<'a>(
    value: Tlv<'a>,
    encoding: SetEncoding,
    signer: usize,
    attribute: &'static str,
) -> Result<Cow<'a, [u8]>, Error> {
    match encoding {
        SetEncoding::Der => Ok(Cow::Borrowed(value.raw)),
        SetEncoding::MaybeBer => value
            .to_der(attribute)
            .map_err(|e| Error::MalformedAttribute {
                signer,
                attribute,
                reason: e.to_string(),
            }),
    }
}

/// Decodes a DER (or DER-transcodable BER) value.
fn decode_value<T: DecodeOwned>(
    value: Tlv<'_>,
    encoding: SetEncoding,
    signer: usize,
    attribute: &'static str,
) -> Result<T, Error> {
    let der = value_der(value, encoding, signer, attribute)?;
    T::from_der(&der).map_err(|e| Error::MalformedAttribute {
        signer,
        attribute,
        reason: e.to_string(),
    })
}

/// An attribute as x509-cert's owned [`Attribute`].
fn to_attribute(
    raw: &RawAttribute<'_>,
    encoding: SetEncoding,
    signer: usize,
) -> Result<Attribute, Error> {
    let mut values = Vec::with_capacity(raw.value_count());
    for value in raw.values() {
        values.push(decode_value::<Any>(
            value,
            encoding,
            signer,
            "unrecognised",
        )?);
    }
    Ok(Attribute {
        oid: raw.oid,
        values: der::asn1::SetOfVec::try_from(values).map_err(|e| Error::MalformedAttribute {
            signer,
            attribute: "unrecognised",
            reason: e.to_string(),
        })?,
    })
}

/// Checks the placement and instance counts of known attributes.
fn check_known(raw: &[RawAttribute<'_>], signer: usize, signed: bool) -> Result<(), Error> {
    for (name, oid, placement) in KNOWN {
        // Counted in place: no list of instances is built.
        let mut instances = raw.iter().filter(|a| a.oid == oid);
        let Some(first) = instances.next() else {
            continue;
        };
        let allowed = match placement {
            Placement::SignedOnly => signed,
            Placement::UnsignedOnly => !signed,
        };
        if !allowed {
            return Err(Error::MisplacedAttribute {
                signer,
                attribute: name,
                found_in: if signed { "signed" } else { "unsigned" },
            });
        }
        if oid == COUNTERSIGNATURE {
            continue;
        }
        let others = instances.count();
        if others > 0 {
            return Err(Error::DuplicateAttribute {
                signer,
                attribute: name,
                count: others.saturating_add(1),
            });
        }
        if first.value_count() != 1 {
            return Err(Error::AttributeValueCount {
                signer,
                attribute: name,
                count: first.value_count(),
            });
        }
    }
    Ok(())
}

/// The single value of a known attribute, if present (after [`check_known`]).
fn single<'a>(raw: &[RawAttribute<'a>], oid: ObjectIdentifier) -> Option<Tlv<'a>> {
    raw.iter()
        .find(|a| a.oid == oid)
        .and_then(RawAttribute::first_value)
}

/// The signed attributes of one signer, parsed and checked for RFC 5652 conformance.
///
/// Holding one means: contentType and messageDigest are each present exactly once with one
/// value, and every other known attribute appears at most once, with one well-formed value.
/// It does not mean that the signature over them was checked — see
/// [`SignatureStatus`](crate::SignatureStatus).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedAttributes {
    content_type: ObjectIdentifier,
    message_digest: Vec<u8>,
    signing_time: Option<Time>,
    smime_capabilities: Option<SmimeCapabilities>,
    encryption_key_preference: Option<EncryptionKeyPreference>,
    signing_certificate: Option<EssAttribute<SigningCertificate>>,
    signing_certificate_v2: Option<EssAttribute<SigningCertificateV2>>,
    other: Vec<Attribute>,
}

impl SignedAttributes {
    /// Parses and checks the signed attributes of signer number `signer`.
    /// `encoding` says whether the set's octets are known to be DER already.
    pub(crate) fn parse(
        raw: &[RawAttribute<'_>],
        encoding: SetEncoding,
        signer: usize,
    ) -> Result<Self, Error> {
        check_known(raw, signer, true)?;
        let content_type = single(raw, CONTENT_TYPE).ok_or(Error::MissingAttribute {
            signer,
            attribute: "contentType",
        })?;
        let message_digest = single(raw, MESSAGE_DIGEST).ok_or(Error::MissingAttribute {
            signer,
            attribute: "messageDigest",
        })?;
        let content_type: ObjectIdentifier =
            decode_value(content_type, encoding, signer, "contentType")?;
        // Read in place (no owned OctetString): the digest is copied once, below.
        let message_digest = value_der(message_digest, encoding, signer, "messageDigest")?;
        let message_digest = <&OctetStringRef>::from_der(&message_digest)
            .map_err(|e| Error::MalformedAttribute {
                signer,
                attribute: "messageDigest",
                reason: e.to_string(),
            })?
            .as_bytes()
            .to_vec();
        let signing_time = single(raw, SIGNING_TIME)
            .map(|value| decode_value::<Time>(value, encoding, signer, "signingTime"))
            .transpose()?;
        let smime_capabilities = single(raw, SMIME_CAPABILITIES)
            .map(|value| {
                decode_value::<SmimeCapabilities>(value, encoding, signer, "SMIMECapabilities")
            })
            .transpose()?;
        if let Some(capabilities) = &smime_capabilities
            && capabilities.len() > MAX_CAPABILITIES
        {
            return Err(Error::BudgetExceeded {
                what: "SMIMECapabilities entries",
                limit: MAX_CAPABILITIES,
            });
        }
        let encryption_key_preference = single(raw, ENCRYPTION_KEY_PREFERENCE)
            .map(|value| decode_value(value, encoding, signer, "SMIMEEncryptionKeyPreference"))
            .transpose()?;
        let signing_certificate = single(raw, SIGNING_CERTIFICATE)
            .map(|value| EssAttribute::read(value, encoding, signer, EssVersion::V1))
            .transpose()?;
        let signing_certificate_v2 = single(raw, SIGNING_CERTIFICATE_V2)
            .map(|value| EssAttribute::read(value, encoding, signer, EssVersion::V2))
            .transpose()?;
        let mut other = Vec::new();
        for attribute in raw {
            if KNOWN.iter().all(|(_, oid, _)| *oid != attribute.oid) {
                other.push(to_attribute(attribute, encoding, signer)?);
            }
        }
        Ok(Self {
            content_type,
            message_digest,
            signing_time,
            smime_capabilities,
            encryption_key_preference,
            signing_certificate,
            signing_certificate_v2,
            other,
        })
    }

    /// The contentType attribute: the type of the signed content.
    pub fn content_type(&self) -> ObjectIdentifier {
        self.content_type
    }

    /// The messageDigest attribute: the digest of the signed content.
    pub fn message_digest(&self) -> &[u8] {
        &self.message_digest
    }

    /// The signingTime attribute: when the signer claims to have signed. UTCTime and
    /// GeneralizedTime are both accepted when reading.
    pub fn signing_time(&self) -> Option<Time> {
        self.signing_time
    }

    /// The SMIMECapabilities attribute: the algorithms the signer can decrypt and verify.
    pub fn smime_capabilities(&self) -> Option<&SmimeCapabilities> {
        self.smime_capabilities.as_ref()
    }

    /// The SMIMEEncryptionKeyPreference attribute: which certificate to encrypt to.
    pub fn encryption_key_preference(&self) -> Option<&EncryptionKeyPreference> {
        self.encryption_key_preference.as_ref()
    }

    /// The ESS signingCertificate attribute (RFC 2634, SHA-1 based), decoded on the first
    /// call; see [`signing_certificate_v2`](Self::signing_certificate_v2).
    pub fn signing_certificate(&self) -> Result<Option<&SigningCertificate>, Error> {
        self.signing_certificate
            .as_ref()
            .map(EssAttribute::typed)
            .transpose()
    }

    /// The ESS signingCertificateV2 attribute (RFC 5035), decoded on the first call.
    ///
    /// Verification reads what it checks — the first certificate's hash algorithm, hash and
    /// issuer/serial — from the attribute's octets, whose structure is checked when the
    /// attributes are read; the full decoding (issuer names, policies) is left to this call,
    /// which says [`Error::MalformedAttribute`] if a part verification did not need does not
    /// decode.
    pub fn signing_certificate_v2(&self) -> Result<Option<&SigningCertificateV2>, Error> {
        self.signing_certificate_v2
            .as_ref()
            .map(EssAttribute::typed)
            .transpose()
    }

    /// Attributes this crate does not interpret, in the order of the message.
    pub fn other(&self) -> &[Attribute] {
        &self.other
    }
}

/// Checks unsigned attributes (placement only) and returns them as [`Attribute`]s.
pub(crate) fn parse_unsigned(
    raw: &[RawAttribute<'_>],
    signer: usize,
) -> Result<Vec<Attribute>, Error> {
    check_known(raw, signer, false)?;
    raw.iter()
        .map(|attribute| to_attribute(attribute, SetEncoding::MaybeBer, signer))
        .collect()
}

/// What this library can decrypt and verify, most preferred first, for the
/// SMIMECapabilities attribute (RFC 8551 §2.5.2): AES-256-GCM and AES-128-GCM
/// (AuthEnvelopedData, RFC 8551 §2.7), AES-256-CBC and AES-128-CBC, then the signature
/// algorithms (PKCS#1 v1.5, RSA-PSS, ECDSA).
///
/// ```
/// let capabilities = smime_cms::attributes::recommended_capabilities();
/// assert_eq!(capabilities.0[0].capability_id.to_string(), "2.16.840.1.101.3.4.1.46");
/// ```
pub fn recommended_capabilities() -> SmimeCapabilities {
    use const_oid::db::{rfc5911 as cms_oids, rfc5912};
    SmimeCapabilities(
        [
            cms_oids::ID_AES_256_GCM,
            cms_oids::ID_AES_128_GCM,
            cms_oids::ID_AES_256_CBC,
            cms_oids::ID_AES_128_CBC,
            rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
            rfc5912::ID_RSASSA_PSS,
            rfc5912::ECDSA_WITH_SHA_256,
        ]
        .into_iter()
        .map(SmimeCapability::new)
        .collect(),
    )
}

/// The SMIMEEncryptionKeyPreference attribute value (RFC 8551 §2.5.3): the certificate the
/// signer wants correspondents to encrypt to. The module uses IMPLICIT tags.
///
/// ```text
/// SMIMEEncryptionKeyPreference ::= CHOICE {
///    issuerAndSerialNumber   [0] IssuerAndSerialNumber,
///    receipentKeyId          [1] RecipientKeyIdentifier,
///    subjectAltKeyIdentifier [2] SubjectKeyIdentifier }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Choice)]
#[allow(
    clippy::large_enum_variant,
    reason = "mirrors the ASN.1 CHOICE; built rarely"
)]
pub enum EncryptionKeyPreference {
    /// The certificate's issuer and serial number.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", constructed = "true")]
    IssuerAndSerialNumber(IssuerAndSerialNumber),
    /// A recipient key identifier (for key agreement keys).
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    RecipientKeyId(RecipientKeyIdentifier),
    /// The certificate's subjectKeyIdentifier.
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    SubjectAltKeyIdentifier(OctetString),
}

impl EncryptionKeyPreference {
    /// Prefer `certificate`, named by its issuer and serial number.
    pub fn issuer_and_serial(certificate: &Certificate) -> Self {
        let tbs = certificate.tbs_certificate();
        Self::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        })
    }

    /// Prefer `certificate`, named by its subjectKeyIdentifier extension (`None` when it has
    /// none).
    pub fn subject_key_identifier(certificate: &Certificate) -> Option<Self> {
        subject_key_identifier(certificate).map(|ski| Self::SubjectAltKeyIdentifier(ski.0))
    }

    /// Whether this preference names `certificate`.
    pub fn matches(&self, certificate: &Certificate) -> bool {
        let tbs = certificate.tbs_certificate();
        match self {
            Self::IssuerAndSerialNumber(isn) => {
                isn.issuer == *tbs.issuer() && isn.serial_number == *tbs.serial_number()
            }
            Self::RecipientKeyId(rki) => subject_key_identifier(certificate)
                .is_some_and(|ski| ski.0 == rki.subject_key_identifier.0),
            Self::SubjectAltKeyIdentifier(id) => {
                subject_key_identifier(certificate).is_some_and(|ski| ski.0 == *id)
            }
        }
    }
}

/// A certificate's subjectKeyIdentifier extension, if it has exactly one well-formed one.
pub(crate) fn subject_key_identifier(certificate: &Certificate) -> Option<SubjectKeyIdentifier> {
    certificate
        .tbs_certificate()
        .get_extension::<SubjectKeyIdentifier>()
        .ok()
        .flatten()
        .map(|(_, ski)| ski)
}

/// `IssuerSerial` of ESS (RFC 5035 §4).
///
/// ```text
/// IssuerSerial ::= SEQUENCE {
///    issuer       GeneralNames,
///    serialNumber CertificateSerialNumber }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct IssuerSerial {
    /// The issuer (normally one directoryName).
    pub issuer: GeneralNames,
    /// The certificate's serial number.
    pub serial_number: SerialNumber,
}

impl IssuerSerial {
    /// The issuer and serial number of `certificate`.
    pub fn of(certificate: &Certificate) -> Self {
        let tbs = certificate.tbs_certificate();
        Self {
            issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
            serial_number: tbs.serial_number().clone(),
        }
    }

    /// Whether this names `certificate` (its serial number, and its issuer among the
    /// directoryNames).
    pub fn matches(&self, certificate: &Certificate) -> bool {
        let tbs = certificate.tbs_certificate();
        self.serial_number == *tbs.serial_number()
            && self
                .issuer
                .iter()
                .any(|name| matches!(name, GeneralName::DirectoryName(dn) if dn == tbs.issuer()))
    }
}

fn sha256_identifier() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: DigestAlgorithm::Sha256.oid(),
        parameters: None,
    }
}

/// `ESSCertIDv2` (RFC 5035 §4).
///
/// ```text
/// ESSCertIDv2 ::= SEQUENCE {
///     hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
///     certHash      Hash,
///     issuerSerial  IssuerSerial OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EssCertIdV2 {
    /// The hash algorithm (DEFAULT SHA-256, omitted from the DER encoding then).
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// The hash of the whole DER certificate.
    pub cert_hash: OctetString,
    /// The certificate's issuer and serial number.
    pub issuer_serial: Option<IssuerSerial>,
}

impl EssCertIdV2 {
    /// The hashAlgorithm as encoded: absent when it is the DEFAULT (X.690 §11.5).
    fn encoded_hash_algorithm(&self) -> Option<&AlgorithmIdentifierOwned> {
        (self.hash_algorithm != sha256_identifier()).then_some(&self.hash_algorithm)
    }
}

// Written by hand: `der_derive` 0.8 cannot encode a DEFAULT field of a non-`Copy` type.
impl<'a> DecodeValue<'a> for EssCertIdV2 {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        let hash_algorithm =
            Option::<AlgorithmIdentifierOwned>::decode(reader)?.unwrap_or_else(sha256_identifier);
        let cert_hash = OctetString::decode(reader)?;
        let issuer_serial = Option::<IssuerSerial>::decode(reader)?;
        Ok(Self {
            hash_algorithm,
            cert_hash,
            issuer_serial,
        })
    }
}

impl EncodeValue for EssCertIdV2 {
    fn value_len(&self) -> der::Result<Length> {
        let hash_algorithm = match self.encoded_hash_algorithm() {
            Some(id) => id.encoded_len()?,
            None => Length::ZERO,
        };
        hash_algorithm + self.cert_hash.encoded_len()? + self.issuer_serial.encoded_len()?
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        if let Some(id) = self.encoded_hash_algorithm() {
            id.encode(writer)?;
        }
        self.cert_hash.encode(writer)?;
        self.issuer_serial.encode(writer)
    }
}

impl FixedTag for EssCertIdV2 {
    const TAG: der::Tag = der::Tag::Sequence;
}

/// The signingCertificateV2 attribute value (RFC 5035 §3): the first certificate identified
/// is the signer's.
///
/// ```text
/// SigningCertificateV2 ::= SEQUENCE {
///     certs    SEQUENCE OF ESSCertIDv2,
///     policies SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SigningCertificateV2 {
    /// The certificates; the first one is the signer's.
    pub certs: Vec<EssCertIdV2>,
    /// Policies (not interpreted).
    #[asn1(optional = "true")]
    pub policies: Option<Vec<PolicyInformation>>,
}

/// `ESSCertID` (RFC 2634 §5.4.1): a SHA-1 hash of the certificate.
///
/// ```text
/// ESSCertID ::= SEQUENCE {
///     certHash     Hash,  -- SHA-1
///     issuerSerial IssuerSerial OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct EssCertId {
    /// SHA-1 hash of the whole DER certificate.
    pub cert_hash: OctetString,
    /// The certificate's issuer and serial number.
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// The signingCertificate attribute value (RFC 2634 §5.4), read but never written.
///
/// ```text
/// SigningCertificate ::= SEQUENCE {
///     certs    SEQUENCE OF ESSCertID,
///     policies SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SigningCertificate {
    /// The certificates; the first one is the signer's.
    pub certs: Vec<EssCertId>,
    /// Policies (not interpreted).
    #[asn1(optional = "true")]
    pub policies: Option<Vec<PolicyInformation>>,
}

/// Which ESS attribute: signingCertificate (SHA-1, RFC 2634) or signingCertificateV2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EssVersion {
    V1,
    V2,
}

/// A signingCertificate(V2) attribute as read: its DER value, the reference to the signer's
/// certificate read from those octets (all that verification checks), and the typed value,
/// decoded on first use. Equality compares the octets.
#[derive(Clone, Debug)]
struct EssAttribute<T> {
    der: Vec<u8>,
    signer: usize,
    version: EssVersion,
    reference: CertificateReference,
    typed: OnceLock<Result<T, String>>,
}

impl<T> PartialEq for EssAttribute<T> {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl<T> Eq for EssAttribute<T> {}

impl<T: DecodeOwned> EssAttribute<T> {
    /// Reads the value of a signingCertificate(V2) attribute: its structure (RFC 2634 §5.4,
    /// RFC 5035 §3) is checked and the first certificate's reference read, without decoding
    /// names or policies.
    ///
    /// ```text
    /// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2,
    ///     policies SEQUENCE OF PolicyInformation OPTIONAL }
    /// ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT id-sha256,
    ///     certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL }
    /// ESSCertID ::= SEQUENCE { certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL }
    /// IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber INTEGER }
    /// ```
    fn read(
        value: Tlv<'_>,
        encoding: SetEncoding,
        signer: usize,
        version: EssVersion,
    ) -> Result<Self, Error> {
        let attribute = version.name();
        let der = value_der(value, encoding, signer, attribute)?.into_owned();
        let reference =
            read_reference(&der, version).map_err(|error| Error::MalformedAttribute {
                signer,
                attribute,
                reason: error.to_string(),
            })?;
        Ok(Self {
            der,
            signer,
            version,
            reference,
            typed: OnceLock::new(),
        })
    }

    /// The typed value, decoded on the first call.
    fn typed(&self) -> Result<&T, Error> {
        self.typed
            .get_or_init(|| T::from_der(&self.der).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|reason| Error::MalformedAttribute {
                signer: self.signer,
                attribute: self.version.name(),
                reason: reason.clone(),
            })
    }
}

impl EssVersion {
    fn name(self) -> &'static str {
        match self {
            Self::V1 => "signingCertificate",
            Self::V2 => "signingCertificateV2",
        }
    }
}

/// Reads the structure of a signingCertificate(V2) value and the first certificate's
/// reference (see [`EssAttribute::read`]).
fn read_reference(der: &[u8], version: EssVersion) -> Result<CertificateReference, Error> {
    const WHAT: &str = "ESS signing certificate";
    let mut fields = Tlv::parse_exact(der, WHAT)?
        .expect(ber::SEQUENCE, WHAT)?
        .reader(WHAT)?;
    let certs = fields.read_expected(ber::SEQUENCE)?;
    // Policies are not interpreted; their decoding is left to the typed value.
    let _policies = fields.read_optional(ber::SEQUENCE)?;
    fields.finish()?;
    let mut certs = certs.reader(WHAT)?;
    let mut first = None;
    while !certs.is_empty() {
        let mut id = certs.read_expected(ber::SEQUENCE)?.reader(WHAT)?;
        let hash_algorithm = match version {
            EssVersion::V1 => AlgorithmIdentifierOwned {
                oid: DigestAlgorithm::Sha1.oid(),
                parameters: None,
            },
            EssVersion::V2 => match id.read_optional(ber::SEQUENCE)? {
                Some(tlv) => crate::algorithm_identifier::read(tlv, WHAT)?,
                None => sha256_identifier(),
            },
        };
        let hash = id
            .read()?
            .string_value(ber::OCTET_STRING, WHAT)?
            .into_owned();
        let issuer_serial = match id.read_optional(ber::SEQUENCE)? {
            None => None,
            Some(tlv) => {
                let mut parts = tlv.reader(WHAT)?;
                let issuer = parts.read_expected(ber::SEQUENCE)?.raw.to_vec();
                let serial_number = parts.read_expected(ber::INTEGER)?.raw.to_vec();
                parts.finish()?;
                Some(EncodedIssuerSerial {
                    issuer,
                    serial_number,
                })
            }
        };
        id.finish()?;
        if first.is_none() {
            first = Some(CertificateReference {
                hash_algorithm,
                hash,
                issuer_serial,
            });
        }
    }
    first.ok_or_else(|| Error::malformed(WHAT, 0, "no certificate identified"))
}

/// What a signingCertificate(V2) attribute says about the signer's certificate: the hash
/// algorithm, the expected hash, and the optional issuer/serial, as read from its octets.
#[derive(Clone, Debug)]
pub(crate) struct CertificateReference {
    pub(crate) hash_algorithm: AlgorithmIdentifierOwned,
    pub(crate) hash: Vec<u8>,
    pub(crate) issuer_serial: Option<EncodedIssuerSerial>,
}

/// An `IssuerSerial` as DER parts: the `GeneralNames` and the serialNumber INTEGER.
#[derive(Clone, Debug)]
pub(crate) struct EncodedIssuerSerial {
    issuer: Vec<u8>,
    serial_number: Vec<u8>,
}

impl EncodedIssuerSerial {
    /// Whether this names `certificate`: its serial number, and its issuer among the
    /// directoryNames. Compared as octets; when the serial numbers agree and no
    /// directoryName's octets equal the issuer's, the names and the certificate are decoded
    /// and compared as values (a Name can be encoded more than one way).
    pub(crate) fn matches(&self, certificate: &crate::SignerCertificate) -> bool {
        if self.serial_number != certificate.serial_number_der() {
            return false;
        }
        let issuer = certificate.issuer_der();
        if directory_names(&self.issuer).any(|name| name == issuer) {
            return true;
        }
        let Ok(names) = GeneralNames::from_der(&self.issuer) else {
            return false;
        };
        certificate.decode().is_ok_and(|decoded| {
            let issuer = decoded.tbs_certificate().issuer();
            names
                .iter()
                .any(|name| matches!(name, GeneralName::DirectoryName(dn) if dn == issuer))
        })
    }
}

/// The DER Names of the directoryName choices (`[4] EXPLICIT Name`) of a DER `GeneralNames`;
/// reading stops at the first malformed element.
fn directory_names(general_names: &[u8]) -> impl Iterator<Item = &[u8]> {
    const WHAT: &str = "GeneralNames";
    let mut reader = Tlv::parse_exact(general_names, WHAT)
        .and_then(|names| names.reader(WHAT))
        .ok();
    std::iter::from_fn(move || {
        loop {
            let names = reader.as_mut()?;
            if names.is_empty() {
                return None;
            }
            let Ok(name) = names.read() else {
                reader = None;
                return None;
            };
            if name.tag.is(0xA4)
                && let Some(inner) = name.reader(WHAT).and_then(|mut inner| inner.read()).ok()
            {
                return Some(inner.raw);
            }
        }
    })
}

impl SignedAttributes {
    /// The reference to the signer's certificate in signingCertificateV2 (preferred) or
    /// signingCertificate, if either is present.
    pub(crate) fn certificate_reference(&self) -> Option<&CertificateReference> {
        self.signing_certificate_v2
            .as_ref()
            .map(|v2| &v2.reference)
            .or_else(|| self.signing_certificate.as_ref().map(|v1| &v1.reference))
    }
}

/// DER of a signingTime value: UTCTime for 1950–2049, GeneralizedTime otherwise
/// (RFC 5652 §11.3).
pub(crate) fn signing_time_der(time: SystemTime) -> Result<Vec<u8>, der::Error> {
    let date = der::DateTime::from_system_time(time)?;
    if (1950..=2049).contains(&date.year()) {
        UtcTime::from_date_time(date)?.to_der()
    } else {
        GeneralizedTime::from_date_time(date).to_der()
    }
}

/// DER of a signingCertificateV2 value (RFC 5035 §3) naming one certificate by its SHA-256
/// `hash` (the DEFAULT hashAlgorithm, so not written) and its DER `issuer` Name and
/// `serial_number` INTEGER: the encoding of [`SigningCertificateV2`] with one [`EssCertIdV2`]
/// whose issuerSerial is one directoryName, written from octets already at hand.
pub(crate) fn signing_certificate_v2_der(
    hash: &[u8],
    issuer: &[u8],
    serial_number: &[u8],
) -> Vec<u8> {
    // The lengths from the inside out, then one buffer written from the outside in.
    // GeneralName ::= CHOICE { ..., directoryName [4] Name, ... }: EXPLICIT, Name being a CHOICE.
    let nested = |len: usize| header_len(len).saturating_add(len);
    let directory_name = issuer.len();
    let general_names = nested(directory_name);
    let issuer_serial = nested(general_names).saturating_add(serial_number.len());
    let ess_cert_id = nested(hash.len()).saturating_add(nested(issuer_serial));
    let certs = nested(ess_cert_id);
    let signing_certificate = nested(certs);
    let mut out = Vec::with_capacity(nested(signing_certificate));
    push_header(&mut out, ber::SEQUENCE, signing_certificate);
    push_header(&mut out, ber::SEQUENCE, certs);
    push_header(&mut out, ber::SEQUENCE, ess_cert_id);
    push_header(&mut out, ber::OCTET_STRING, hash.len());
    out.extend_from_slice(hash);
    push_header(&mut out, ber::SEQUENCE, issuer_serial);
    push_header(&mut out, ber::SEQUENCE, general_names);
    push_header(&mut out, 0xA4, directory_name);
    out.extend_from_slice(issuer);
    out.extend_from_slice(serial_number);
    out
}

/// DER of one `Attribute` with a single value (already DER-encoded).
pub(crate) fn encode_attribute(
    oid: ObjectIdentifier,
    value_der: &[u8],
) -> Result<Vec<u8>, der::Error> {
    Ok(encode_attribute_value(oid, None, &[value_der]))
}

/// DER of one `Attribute` with a single value, written in one buffer: the value is the
/// concatenation of `value_parts` under the identifier octet `value_id` or, without one,
/// the parts are the value's complete encoding.
///
/// ```text
/// Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue }
/// ```
pub(crate) fn encode_attribute_value(
    oid: ObjectIdentifier,
    value_id: Option<u8>,
    value_parts: &[&[u8]],
) -> Vec<u8> {
    let oid = oid.as_bytes();
    let parts_len = value_parts
        .iter()
        .fold(0usize, |sum, part| sum.saturating_add(part.len()));
    let value_len = match value_id {
        Some(_) => header_len(parts_len).saturating_add(parts_len),
        None => parts_len,
    };
    let oid_len = header_len(oid.len()).saturating_add(oid.len());
    let set_len = header_len(value_len).saturating_add(value_len);
    let content_len = oid_len.saturating_add(set_len);
    let mut out = Vec::with_capacity(header_len(content_len).saturating_add(content_len));
    push_header(&mut out, ber::SEQUENCE, content_len);
    push_header(&mut out, ber::OBJECT_IDENTIFIER, oid.len());
    out.extend_from_slice(oid);
    push_header(&mut out, ber::SET, value_len);
    if let Some(id) = value_id {
        push_header(&mut out, id, parts_len);
    }
    for part in value_parts {
        out.extend_from_slice(part);
    }
    out
}

/// Octets of the DER identifier (one octet) and length (X.690 §10.1) of a contents length.
fn header_len(len: usize) -> usize {
    let length_octets = if len < 0x80 {
        1
    } else {
        let significant = (usize::BITS - len.leading_zeros()).div_ceil(8);
        usize::try_from(significant).unwrap_or(8).saturating_add(1)
    };
    length_octets.saturating_add(1)
}

/// Appends a one-octet identifier and the DER (shortest) length octets of `len`.
fn push_header(out: &mut Vec<u8>, id: u8, len: usize) {
    out.push(id);
    if let Ok(short) = u8::try_from(len)
        && short < 0x80
    {
        out.push(short);
        return;
    }
    let bytes = len.to_be_bytes();
    let count = header_len(len).saturating_sub(2);
    // At most size_of::<usize>() = 8 octets, so the count fits in the low 7 bits.
    out.push(0x80 | u8::try_from(count).unwrap_or(0));
    out.extend_from_slice(
        bytes
            .get(bytes.len().saturating_sub(count)..)
            .unwrap_or_default(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::DecodePem;

    /// The signingCertificateV2 written from octets is the encoding of the typed value, and
    /// decodes back to it.
    #[test]
    fn signing_certificate_v2_from_octets_is_the_typed_encoding() {
        let certificate =
            Certificate::from_pem(include_str!("../tests/data/example-p256.cert.pem")).unwrap();
        let tbs = certificate.tbs_certificate();
        let hash = [0x5a; 32];
        let typed = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                hash_algorithm: sha256_identifier(),
                cert_hash: OctetString::new(hash.to_vec()).unwrap(),
                issuer_serial: Some(IssuerSerial::of(&certificate)),
            }],
            policies: None,
        };
        let written = signing_certificate_v2_der(
            &hash,
            &tbs.issuer().to_der().unwrap(),
            &tbs.serial_number().to_der().unwrap(),
        );
        assert_eq!(written, typed.to_der().unwrap());
        assert_eq!(SigningCertificateV2::from_der(&written).unwrap(), typed);
    }

    /// An attribute written in one buffer is the `der` encoding of the same `Attribute`, for
    /// values around every boundary of the length octets.
    #[test]
    fn attributes_written_in_one_buffer_are_the_typed_encoding() {
        for len in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536, 70_000] {
            let content = vec![0x5a; len];
            let value = OctetString::new(content.clone()).unwrap().to_der().unwrap();
            let typed = Attribute {
                oid: MESSAGE_DIGEST,
                values: der::asn1::SetOfVec::try_from(vec![Any::from_der(&value).unwrap()])
                    .unwrap(),
            }
            .to_der()
            .unwrap();
            assert_eq!(
                encode_attribute_value(MESSAGE_DIGEST, Some(ber::OCTET_STRING), &[&content]),
                typed,
                "{len}"
            );
            let (head, tail) = value.split_at(value.len() / 2);
            assert_eq!(
                encode_attribute_value(MESSAGE_DIGEST, None, &[head, tail]),
                typed
            );
            assert_eq!(encode_attribute(MESSAGE_DIGEST, &value).unwrap(), typed);
        }
    }

    fn example_certificate() -> (Certificate, crate::SignerCertificate) {
        let certificate =
            Certificate::from_pem(include_str!("../tests/data/example-p256.cert.pem")).unwrap();
        let entry =
            crate::signer_info::CertificateEntry::from_certificate(&certificate, 0).unwrap();
        (certificate, crate::SignerCertificate::from(entry))
    }

    fn ess_v2(
        hash_algorithm: AlgorithmIdentifierOwned,
        issuer_serial: Option<IssuerSerial>,
    ) -> Vec<u8> {
        SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                hash_algorithm,
                cert_hash: OctetString::new(vec![0x5a; 48]).unwrap(),
                issuer_serial,
            }],
            policies: None,
        }
        .to_der()
        .unwrap()
    }

    /// The reference read from the octets is the typed value's first certificate: hash
    /// algorithm (the DEFAULT SHA-256 when omitted), hash and issuer/serial, which matches
    /// the certificate it was made from and no other serial number.
    #[test]
    fn the_reference_read_from_octets_is_the_typed_one() {
        let (certificate, signer) = example_certificate();
        let sha384 = DigestAlgorithm::Sha384.to_algorithm_identifier();
        for (algorithm, expected) in [
            (sha384.clone(), sha384),
            (sha256_identifier(), sha256_identifier()),
        ] {
            let der = ess_v2(algorithm, Some(IssuerSerial::of(&certificate)));
            let reference = read_reference(&der, EssVersion::V2).unwrap();
            assert_eq!(reference.hash_algorithm, expected);
            assert_eq!(reference.hash, [0x5a; 48]);
            assert!(reference.issuer_serial.unwrap().matches(&signer));
        }
        let other_serial = IssuerSerial {
            serial_number: SerialNumber::new(&[0x09]).unwrap(),
            ..IssuerSerial::of(&certificate)
        };
        let der = ess_v2(sha256_identifier(), Some(other_serial));
        let reference = read_reference(&der, EssVersion::V2).unwrap();
        assert!(!reference.issuer_serial.unwrap().matches(&signer));
        let der = ess_v2(sha256_identifier(), None);
        assert!(
            read_reference(&der, EssVersion::V2)
                .unwrap()
                .issuer_serial
                .is_none()
        );
    }

    /// A directoryName is found among other GeneralNames, and the name must be the issuer's.
    #[test]
    fn issuer_serial_looks_at_every_directory_name() {
        let (certificate, signer) = example_certificate();
        let tbs = certificate.tbs_certificate();
        let with_names = |issuer: GeneralNames| {
            let der = ess_v2(
                sha256_identifier(),
                Some(IssuerSerial {
                    issuer,
                    serial_number: tbs.serial_number().clone(),
                }),
            );
            read_reference(&der, EssVersion::V2)
                .unwrap()
                .issuer_serial
                .unwrap()
        };
        let mail = GeneralName::Rfc822Name(der::asn1::Ia5String::new("a@example.org").unwrap());
        assert!(
            with_names(vec![
                mail.clone(),
                GeneralName::DirectoryName(tbs.issuer().clone())
            ])
            .matches(&signer)
        );
        assert!(!with_names(vec![mail.clone()]).matches(&signer));
        let other: x509_cert::name::Name = "CN=Someone Else".parse().unwrap();
        assert!(!with_names(vec![mail, GeneralName::DirectoryName(other)]).matches(&signer));
    }

    /// What verification reads is checked when the attribute is read; what it does not read
    /// (another GeneralName, policies) is decoded only by the typed accessor, which then
    /// names the problem.
    #[test]
    fn structure_is_checked_now_and_the_rest_on_access() {
        let (certificate, signer) = example_certificate();
        let good = ess_v2(sha256_identifier(), Some(IssuerSerial::of(&certificate)));
        // No certificate identified; not a SEQUENCE; a hash that is not an OCTET STRING.
        for bad in [
            vec![0x30, 0x02, 0x30, 0x00],
            vec![0x04, 0x00],
            vec![0x30, 0x06, 0x30, 0x04, 0x30, 0x02, 0x02, 0x00],
        ] {
            assert!(read_reference(&bad, EssVersion::V2).is_err(), "{bad:02x?}");
        }
        // An x400Address ([3]) that does not decode, before the directoryName: the structure
        // is sound and the directoryName matches; the typed value does not decode.
        let tlv = |tag: u8, content: &[u8]| {
            let mut out = vec![tag];
            out.extend(
                der::Length::try_from(content.len())
                    .unwrap()
                    .to_der()
                    .unwrap(),
            );
            out.extend(content);
            out
        };
        let tbs = certificate.tbs_certificate();
        let names = [
            tlv(0xa3, &[0xff]),
            tlv(0xa4, &tbs.issuer().to_der().unwrap()),
        ]
        .concat();
        let issuer_serial = tlv(
            0x30,
            &[tlv(0x30, &names), tbs.serial_number().to_der().unwrap()].concat(),
        );
        let id = tlv(0x30, &[tlv(0x04, &[0x5a; 48]), issuer_serial].concat());
        let value = tlv(0x30, &tlv(0x30, &id));
        let reference = read_reference(&value, EssVersion::V2).unwrap();
        assert!(reference.issuer_serial.unwrap().matches(&signer));
        assert!(SigningCertificateV2::from_der(&value).is_err());
        let tlv = Tlv::parse_exact(&value, "test").unwrap();
        let attribute: EssAttribute<SigningCertificateV2> =
            EssAttribute::read(tlv, SetEncoding::Der, 3, EssVersion::V2).unwrap();
        assert!(matches!(
            attribute.typed(),
            Err(Error::MalformedAttribute {
                signer: 3,
                attribute: "signingCertificateV2",
                ..
            })
        ));
        let tlv = Tlv::parse_exact(&good, "test").unwrap();
        let attribute: EssAttribute<SigningCertificateV2> =
            EssAttribute::read(tlv, SetEncoding::Der, 0, EssVersion::V2).unwrap();
        assert_eq!(attribute.typed().unwrap().certs.len(), 1);
    }
}
