//! The mapping between ASN.1 `AlgorithmIdentifier`s and this crate's algorithm types, for the
//! CMS and X.509 layers.
//!
//! Reading is liberal where the standards say "MUST accept" (absent or NULL digest
//! parameters, explicitly encoded DEFAULT values) and strict everywhere else: unknown
//! algorithms are [`Error::UnsupportedAlgorithm`], parameters that break the standard are
//! [`Error::MalformedAlgorithmIdentifier`]. Writing produces what the RFCs say to send and
//! what OpenSSL sends:
//!
//! | type | read | written |
//! |---|---|---|
//! | [`DigestAlgorithm`] | id-sha1/256/384/512, parameters absent or NULL (RFC 5754 §2) | parameters absent |
//! | [`SignatureScheme`] | sha{1,256,384,512}WithRSAEncryption (RFC 4055 §5), id-RSASSA-PSS with RSASSA-PSS-params (RFC 4055 §3.1), ecdsa-with-SHA{1,256,384,512} (RFC 5758 §3.2) | sha*WithRSAEncryption with NULL; PSS with explicit parameters; ECDSA without parameters |
//! | [`SignatureScheme`] in CMS | also rsaEncryption and id-ecPublicKey with the SignerInfo's digestAlgorithm (RFC 3370 §3.2, RFC 5753 §7.1.3) | rsaEncryption with NULL for PKCS#1 v1.5, as OpenSSL writes |
//! | [`RsaEncryptionPadding`] | rsaEncryption, id-RSAES-OAEP with RSAES-OAEP-params (RFC 4055 §4.1) | rsaEncryption with NULL; OAEP with explicit parameters |
//! | [`CbcCipher`] | aes{128,192,256}-CBC and des-ede3-cbc with the IV as parameter (RFC 3565, RFC 3370 §5.1) | the same |
//! | [`AeadCipher`] | id-aes{128,192,256}-GCM with GCMParameters (RFC 5084 §3.2) | nonce, ICVlen omitted when 12 |
//!
//! ```
//! use smime_crypto::{DigestAlgorithm, SignatureScheme};
//! use spki::AlgorithmIdentifierRef;
//!
//! # fn main() -> Result<(), smime_crypto::Error> {
//! let scheme = SignatureScheme::rsa_pss(DigestAlgorithm::Sha256);
//! let identifier = scheme.to_algorithm_identifier()?;
//! let parsed = SignatureScheme::from_algorithm_identifier(&AlgorithmIdentifierRef::from(&identifier))?;
//! assert_eq!(parsed, scheme);
//! # Ok(()) }
//! ```

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetStringRef};
use der::{Any, Decode, Encode, Sequence, Tag, Tagged};
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef};

use crate::algorithm::{
    AeadCipher, CbcCipher, DigestAlgorithm, RsaEncryptionPadding, SignatureScheme,
};
use crate::error::Error;

/// Object identifiers used here (RFC 3370, RFC 4055, RFC 5084, RFC 5480, RFC 5758, RFC 8017).
pub mod oid {
    use const_oid::ObjectIdentifier;

    /// rsaEncryption (RFC 8017 Appendix C).
    pub const RSA_ENCRYPTION: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    /// id-RSAES-OAEP (RFC 4055 §4.1).
    pub const ID_RSAES_OAEP: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.7");
    /// id-mgf1 (RFC 4055 §2.2).
    pub const ID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
    /// id-pSpecified (RFC 4055 §4.1).
    pub const ID_P_SPECIFIED: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.9");
    /// id-RSASSA-PSS (RFC 4055 §3.1).
    pub const ID_RSASSA_PSS: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
    /// sha1WithRSAEncryption (RFC 4055 §5).
    pub const SHA1_WITH_RSA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
    /// sha256WithRSAEncryption (RFC 4055 §5).
    pub const SHA256_WITH_RSA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
    /// sha384WithRSAEncryption (RFC 4055 §5).
    pub const SHA384_WITH_RSA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
    /// sha512WithRSAEncryption (RFC 4055 §5).
    pub const SHA512_WITH_RSA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
    /// id-ecPublicKey (RFC 5480 §2.1.1).
    pub const ID_EC_PUBLIC_KEY: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    /// ecdsa-with-SHA1 (RFC 3279 §2.2.3).
    pub const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
    /// ecdsa-with-SHA256 (RFC 5758 §3.2).
    pub const ECDSA_WITH_SHA256: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
    /// ecdsa-with-SHA384 (RFC 5758 §3.2).
    pub const ECDSA_WITH_SHA384: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
    /// ecdsa-with-SHA512 (RFC 5758 §3.2).
    pub const ECDSA_WITH_SHA512: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
    /// aes128-CBC (RFC 3565 §4.1).
    pub const AES128_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.2");
    /// aes192-CBC (RFC 3565 §4.1).
    pub const AES192_CBC: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.22");
    /// aes256-CBC (RFC 3565 §4.1).
    pub const AES256_CBC: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.42");
    /// des-ede3-cbc (RFC 3370 §5.1).
    pub const DES_EDE3_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.7");
    /// id-aes128-GCM (RFC 5084 §3.2).
    pub const AES128_GCM: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.6");
    /// id-aes192-GCM (RFC 5084 §3.2).
    pub const AES192_GCM: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.26");
    /// id-aes256-GCM (RFC 5084 §3.2).
    pub const AES256_GCM: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.46");
}

/// The AES-GCM parameters of RFC 5084 §3.2 (`GCMParameters`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GcmParameters {
    /// The nonce (`aes-nonce`); 12 octets is the recommended (and the only supported) length.
    pub nonce: Vec<u8>,
    /// The tag length in octets (`aes-ICVlen`, 12 to 16, default 12).
    pub icv_len: usize,
}

/// The `aes-ICVlen` default (RFC 5084 §3.2).
pub const GCM_DEFAULT_ICV_LEN: usize = 12;

/// `RSASSA-PSS-params` (RFC 4055 §3.1). Every field is `DEFAULT`; explicitly encoded
/// defaults are accepted on input (BER leniency that real encoders need) and omitted on
/// output.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct RsassaPssParams<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen_algorithm: Option<AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_length: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer_field: Option<u32>,
}

/// `RSAES-OAEP-params` (RFC 4055 §4.1).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct RsaesOaepParams<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash_func: Option<AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen_func: Option<AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    p_source_func: Option<AlgorithmIdentifierRef<'a>>,
}

/// `GCMParameters` (RFC 5084 §3.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct GcmParametersDer<'a> {
    nonce: &'a OctetStringRef,
    #[asn1(optional = "true")]
    icv_len: Option<u8>,
}

/// The default salt length of RSASSA-PSS-params (RFC 4055 §3.1).
const PSS_DEFAULT_SALT_LEN: usize = 20;
/// The only trailer field RFC 4055 §3.1 defines (`trailerFieldBC`).
const PSS_TRAILER_FIELD_BC: u32 = 1;

fn malformed(what: impl Into<String>) -> Error {
    Error::MalformedAlgorithmIdentifier(what.into())
}

/// The name of an OID from the `const-oid` database, or its dotted form.
fn oid_name(oid: &ObjectIdentifier) -> String {
    const_oid::db::DB
        .by_oid(oid)
        .map_or_else(|| oid.to_string(), |name| format!("{name} ({oid})"))
}

/// `Ok` when the parameters are absent or NULL (both are allowed for the digest algorithms,
/// RFC 5754 §2, and for the RSA algorithms where RFC 4055 §5 says NULL "MUST be accepted" as
/// well as absent).
fn expect_absent_or_null(alg: &AlgorithmIdentifierRef<'_>, name: &str) -> Result<(), Error> {
    match alg.parameters {
        None => Ok(()),
        Some(params) if params.is_null() => Ok(()),
        Some(params) => Err(malformed(format!(
            "{name}: parameters must be absent or NULL, found {}",
            params.tag()
        ))),
    }
}

/// `Ok` when the parameters are absent (ECDSA, RFC 5758 §3.2: "the encoding MUST omit the
/// parameters field").
fn expect_absent(alg: &AlgorithmIdentifierRef<'_>, name: &str) -> Result<(), Error> {
    match alg.parameters {
        None => Ok(()),
        Some(params) => Err(malformed(format!(
            "{name}: parameters must be absent, found {}",
            params.tag()
        ))),
    }
}

/// Builds an owned `AlgorithmIdentifier`, encoding `params` if given.
fn owned_identifier(
    oid: ObjectIdentifier,
    params: Option<&[u8]>,
) -> Result<AlgorithmIdentifierOwned, Error> {
    let parameters = params
        .map(Any::from_der)
        .transpose()
        .map_err(|e| Error::Backend(format!("encoding parameters of {oid}: {e}")))?;
    Ok(AlgorithmIdentifierOwned { oid, parameters })
}

fn null_identifier(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: Some(Any::null()),
    }
}

impl DigestAlgorithm {
    /// Reads a digest `AlgorithmIdentifier`: id-sha1, id-sha256, id-sha384 or id-sha512 with
    /// parameters absent or NULL (RFC 5754 §2 requires accepting both).
    ///
    /// ```
    /// use smime_crypto::DigestAlgorithm;
    /// # fn main() -> Result<(), smime_crypto::Error> {
    /// let id = DigestAlgorithm::Sha384.to_algorithm_identifier();
    /// assert_eq!(DigestAlgorithm::from_algorithm_identifier(&(&id).into())?, DigestAlgorithm::Sha384);
    /// # Ok(()) }
    /// ```
    pub fn from_algorithm_identifier(alg: &AlgorithmIdentifierRef<'_>) -> Result<Self, Error> {
        let digest = Self::from_oid(&alg.oid).ok_or_else(|| {
            Error::UnsupportedAlgorithm(format!("digest algorithm {}", oid_name(&alg.oid)))
        })?;
        expect_absent_or_null(alg, digest.name())?;
        Ok(digest)
    }

    /// The `AlgorithmIdentifier` to send: the OID with parameters absent (RFC 5754 §2: "the
    /// parameters field SHOULD be omitted"; RFC 3370 §2.1 for SHA-1), as OpenSSL writes.
    pub fn to_algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }

    /// The digest algorithm that the `hashAlgorithm` field of an RFC 4055 parameter block
    /// names (absent means SHA-1).
    fn from_rfc4055_field(
        field: Option<&AlgorithmIdentifierRef<'_>>,
        what: &str,
    ) -> Result<Self, Error> {
        match field {
            None => Ok(Self::Sha1),
            Some(alg) => Self::from_algorithm_identifier(alg).map_err(|e| match e {
                Error::UnsupportedAlgorithm(m) => {
                    Error::UnsupportedAlgorithm(format!("{what}: {m}"))
                }
                Error::MalformedAlgorithmIdentifier(m) => malformed(format!("{what}: {m}")),
                other => other,
            }),
        }
    }

    /// The RFC 4055 form of this digest inside PSS/OAEP parameters: `{ id-shaX, NULL }`
    /// (the `sha*Identifier` values of the RFC 4055 ASN.1 module, which OpenSSL writes).
    fn rfc4055_identifier(self) -> AlgorithmIdentifierRef<'static> {
        AlgorithmIdentifierRef {
            oid: self.oid(),
            parameters: Some(AnyRef::NULL),
        }
    }

    /// The MGF1 hash named by a `maskGenAlgorithm` field (absent means MGF1 with SHA-1).
    fn from_mgf1_field(
        field: Option<&AlgorithmIdentifierRef<'_>>,
        what: &str,
    ) -> Result<Self, Error> {
        let Some(mgf) = field else {
            return Ok(Self::Sha1);
        };
        if mgf.oid != oid::ID_MGF1 {
            return Err(Error::UnsupportedAlgorithm(format!(
                "{what}: mask generation function {}",
                oid_name(&mgf.oid)
            )));
        }
        let params = mgf
            .parameters
            .ok_or_else(|| malformed(format!("{what}: MGF1 without its hash algorithm")))?;
        let hash = params
            .decode_as::<AlgorithmIdentifierRef<'_>>()
            .map_err(|e| malformed(format!("{what}: MGF1 hash algorithm: {e}")))?;
        Self::from_rfc4055_field(Some(&hash), &format!("{what}: MGF1"))
    }

    /// The DER of `{ id-mgf1, { id-shaX, NULL } }`.
    fn mgf1_identifier_der(self) -> Result<Vec<u8>, Error> {
        let hash = self
            .rfc4055_identifier()
            .to_der()
            .map_err(|e| Error::Backend(format!("encoding MGF1 parameters: {e}")))?;
        let hash_any = AnyRef::from_der(&hash)
            .map_err(|e| Error::Backend(format!("encoding MGF1 parameters: {e}")))?;
        AlgorithmIdentifierRef {
            oid: oid::ID_MGF1,
            parameters: Some(hash_any),
        }
        .to_der()
        .map_err(|e| Error::Backend(format!("encoding MGF1 parameters: {e}")))
    }
}

impl SignatureScheme {
    /// Reads a signature `AlgorithmIdentifier` as found in X.509 certificates, CRLs, OCSP
    /// responses and (with the OIDs that name the digest) CMS SignerInfos.
    ///
    /// - sha{1,256,384,512}WithRSAEncryption, parameters NULL or absent (RFC 4055 §5);
    /// - id-RSASSA-PSS with RSASSA-PSS-params (RFC 4055 §3.1): every field defaults (absent
    ///   parameters mean SHA-1, MGF1-SHA-1, salt 20), the MGF must be MGF1 with the message
    ///   hash, and the trailer field 1;
    /// - ecdsa-with-SHA{256,384,512} and ecdsa-with-SHA1, parameters absent (RFC 5758 §3.2).
    ///
    /// `rsaEncryption` and `id-ecPublicKey` name no digest: use
    /// [`from_cms_algorithms`](Self::from_cms_algorithms) for SignerInfos.
    pub fn from_algorithm_identifier(alg: &AlgorithmIdentifierRef<'_>) -> Result<Self, Error> {
        let oid = alg.oid;
        let (scheme, name) = match oid {
            oid::SHA1_WITH_RSA => (
                Self::RsaPkcs1v15 {
                    digest: DigestAlgorithm::Sha1,
                },
                "sha1WithRSAEncryption",
            ),
            oid::SHA256_WITH_RSA => (
                Self::RsaPkcs1v15 {
                    digest: DigestAlgorithm::Sha256,
                },
                "sha256WithRSAEncryption",
            ),
            oid::SHA384_WITH_RSA => (
                Self::RsaPkcs1v15 {
                    digest: DigestAlgorithm::Sha384,
                },
                "sha384WithRSAEncryption",
            ),
            oid::SHA512_WITH_RSA => (
                Self::RsaPkcs1v15 {
                    digest: DigestAlgorithm::Sha512,
                },
                "sha512WithRSAEncryption",
            ),
            oid::ECDSA_WITH_SHA1 => (
                Self::Ecdsa {
                    digest: DigestAlgorithm::Sha1,
                },
                "ecdsa-with-SHA1",
            ),
            oid::ECDSA_WITH_SHA256 => (
                Self::Ecdsa {
                    digest: DigestAlgorithm::Sha256,
                },
                "ecdsa-with-SHA256",
            ),
            oid::ECDSA_WITH_SHA384 => (
                Self::Ecdsa {
                    digest: DigestAlgorithm::Sha384,
                },
                "ecdsa-with-SHA384",
            ),
            oid::ECDSA_WITH_SHA512 => (
                Self::Ecdsa {
                    digest: DigestAlgorithm::Sha512,
                },
                "ecdsa-with-SHA512",
            ),
            oid::ID_RSASSA_PSS => return Self::from_pss_parameters(alg.parameters),
            oid::RSA_ENCRYPTION | oid::ID_EC_PUBLIC_KEY => {
                return Err(malformed(format!(
                    "{} names no digest; a signature algorithm is needed here",
                    oid_name(&oid)
                )));
            }
            other => {
                return Err(Error::UnsupportedAlgorithm(format!(
                    "signature algorithm {}",
                    oid_name(&other)
                )));
            }
        };
        match scheme {
            Self::Ecdsa { .. } => expect_absent(alg, name)?,
            _ => expect_absent_or_null(alg, name)?,
        }
        Ok(scheme)
    }

    fn from_pss_parameters(params: Option<AnyRef<'_>>) -> Result<Self, Error> {
        const WHAT: &str = "RSASSA-PSS-params";
        let Some(params) = params else {
            // RFC 4055 §3.1: every field has a default; absent parameters mean all defaults.
            return Ok(Self::RsaPss {
                digest: DigestAlgorithm::Sha1,
                salt_len: PSS_DEFAULT_SALT_LEN,
            });
        };
        let params = params
            .decode_as::<RsassaPssParams<'_>>()
            .map_err(|e| malformed(format!("{WHAT}: {e}")))?;
        let digest = DigestAlgorithm::from_rfc4055_field(
            params.hash_algorithm.as_ref(),
            "RSASSA-PSS hashAlgorithm",
        )?;
        let mgf_digest = DigestAlgorithm::from_mgf1_field(
            params.mask_gen_algorithm.as_ref(),
            "RSASSA-PSS maskGenAlgorithm",
        )?;
        if mgf_digest != digest {
            return Err(Error::UnsupportedAlgorithm(format!(
                "RSASSA-PSS with MGF1-{} and message digest {} (only the same hash is supported)",
                mgf_digest.name(),
                digest.name()
            )));
        }
        let salt_len = match params.salt_length {
            None => PSS_DEFAULT_SALT_LEN,
            Some(len) => usize::try_from(len)
                .map_err(|_| malformed(format!("{WHAT}: saltLength {len} too large")))?,
        };
        if let Some(trailer) = params.trailer_field
            && trailer != PSS_TRAILER_FIELD_BC
        {
            return Err(malformed(format!(
                "{WHAT}: trailerField {trailer} (only 1 is defined)"
            )));
        }
        Ok(Self::RsaPss { digest, salt_len })
    }

    /// Reads the (digestAlgorithm, signatureAlgorithm) pair of a CMS SignerInfo.
    ///
    /// Besides everything [`from_algorithm_identifier`](Self::from_algorithm_identifier)
    /// reads, the signature algorithm may be `rsaEncryption` (RFC 3370 §3.2; what OpenSSL
    /// writes) or `id-ecPublicKey` (RFC 5753 §7.1.3 allows it for old implementations),
    /// which take their digest from `digest_algorithm`. When the signature algorithm names a
    /// digest, it must be the SignerInfo's digest algorithm.
    ///
    /// ```
    /// use smime_crypto::{DigestAlgorithm, SignatureScheme};
    /// use spki::AlgorithmIdentifierRef;
    /// # fn main() -> Result<(), smime_crypto::Error> {
    /// let v15 = SignatureScheme::RsaPkcs1v15 { digest: DigestAlgorithm::Sha256 };
    /// let digest = DigestAlgorithm::Sha256.to_algorithm_identifier();
    /// let signature = v15.to_cms_signature_algorithm()?; // rsaEncryption, NULL
    /// let scheme = SignatureScheme::from_cms_algorithms(
    ///     &AlgorithmIdentifierRef::from(&digest),
    ///     &AlgorithmIdentifierRef::from(&signature),
    /// )?;
    /// assert_eq!(scheme, v15);
    /// # Ok(()) }
    /// ```
    pub fn from_cms_algorithms(
        digest_algorithm: &AlgorithmIdentifierRef<'_>,
        signature_algorithm: &AlgorithmIdentifierRef<'_>,
    ) -> Result<Self, Error> {
        let digest = DigestAlgorithm::from_algorithm_identifier(digest_algorithm)?;
        let scheme = match signature_algorithm.oid {
            oid::RSA_ENCRYPTION => {
                expect_absent_or_null(signature_algorithm, "rsaEncryption")?;
                return Ok(Self::RsaPkcs1v15 { digest });
            }
            oid::ID_EC_PUBLIC_KEY => {
                // Some encoders put the curve here, as in a SubjectPublicKeyInfo.
                match signature_algorithm.parameters {
                    None => {}
                    Some(p) if p.is_null() || p.tag() == Tag::ObjectIdentifier => {}
                    Some(p) => {
                        return Err(malformed(format!(
                            "id-ecPublicKey as signature algorithm: parameters {}",
                            p.tag()
                        )));
                    }
                }
                return Ok(Self::Ecdsa { digest });
            }
            _ => Self::from_algorithm_identifier(signature_algorithm)?,
        };
        if scheme.digest() != digest {
            return Err(malformed(format!(
                "SignerInfo digestAlgorithm {} differs from the signature algorithm's {}",
                digest.name(),
                scheme.digest().name()
            )));
        }
        Ok(scheme)
    }

    /// The `AlgorithmIdentifier` for this scheme as X.509 and RFC 4055/5758 write it:
    /// sha*WithRSAEncryption with NULL parameters (RFC 4055 §5), id-RSASSA-PSS with explicit
    /// RSASSA-PSS-params (hash and MGF1 as `{ id-shaX, NULL }`, the salt length unless 20,
    /// no trailer field — the form OpenSSL writes), ecdsa-with-SHA* without parameters
    /// (RFC 5758 §3.2).
    pub fn to_algorithm_identifier(self) -> Result<AlgorithmIdentifierOwned, Error> {
        match self {
            Self::RsaPkcs1v15 { digest } => Ok(null_identifier(match digest {
                DigestAlgorithm::Sha1 => oid::SHA1_WITH_RSA,
                DigestAlgorithm::Sha256 => oid::SHA256_WITH_RSA,
                DigestAlgorithm::Sha384 => oid::SHA384_WITH_RSA,
                DigestAlgorithm::Sha512 => oid::SHA512_WITH_RSA,
            })),
            Self::Ecdsa { digest } => Ok(AlgorithmIdentifierOwned {
                oid: match digest {
                    DigestAlgorithm::Sha1 => oid::ECDSA_WITH_SHA1,
                    DigestAlgorithm::Sha256 => oid::ECDSA_WITH_SHA256,
                    DigestAlgorithm::Sha384 => oid::ECDSA_WITH_SHA384,
                    DigestAlgorithm::Sha512 => oid::ECDSA_WITH_SHA512,
                },
                parameters: None,
            }),
            Self::RsaPss { digest, salt_len } => {
                let mgf_der = digest.mgf1_identifier_der()?;
                let mgf = AlgorithmIdentifierRef::from_der(&mgf_der)
                    .map_err(|e| Error::Backend(format!("encoding MGF1 parameters: {e}")))?;
                let salt_length = if salt_len == PSS_DEFAULT_SALT_LEN {
                    None
                } else {
                    Some(u32::try_from(salt_len).map_err(|_| {
                        Error::UnsupportedAlgorithm(format!("RSASSA-PSS salt length {salt_len}"))
                    })?)
                };
                let params = RsassaPssParams {
                    hash_algorithm: (digest != DigestAlgorithm::Sha1)
                        .then(|| digest.rfc4055_identifier()),
                    mask_gen_algorithm: (digest != DigestAlgorithm::Sha1).then_some(mgf),
                    salt_length,
                    trailer_field: None,
                };
                let der = params
                    .to_der()
                    .map_err(|e| Error::Backend(format!("encoding RSASSA-PSS-params: {e}")))?;
                owned_identifier(oid::ID_RSASSA_PSS, Some(&der))
            }
        }
    }

    /// The `AlgorithmIdentifier` for a CMS SignerInfo's `signatureAlgorithm`: as
    /// [`to_algorithm_identifier`](Self::to_algorithm_identifier), except that PKCS#1 v1.5
    /// is `rsaEncryption` with NULL parameters (RFC 3370 §3.2), which is what OpenSSL
    /// writes and what every CMS implementation reads.
    pub fn to_cms_signature_algorithm(self) -> Result<AlgorithmIdentifierOwned, Error> {
        match self {
            Self::RsaPkcs1v15 { .. } => Ok(null_identifier(oid::RSA_ENCRYPTION)),
            other => other.to_algorithm_identifier(),
        }
    }
}

impl RsaEncryptionPadding {
    /// Reads a key-transport `AlgorithmIdentifier` (a KeyTransRecipientInfo's
    /// `keyEncryptionAlgorithm`): `rsaEncryption` (NULL or absent parameters) or
    /// `id-RSAES-OAEP` with RSAES-OAEP-params (RFC 4055 §4.1; absent fields default to
    /// SHA-1, MGF1-SHA-1 and an empty label; a non-empty label is unsupported).
    pub fn from_algorithm_identifier(alg: &AlgorithmIdentifierRef<'_>) -> Result<Self, Error> {
        const WHAT: &str = "RSAES-OAEP-params";
        match alg.oid {
            oid::RSA_ENCRYPTION => {
                expect_absent_or_null(alg, "rsaEncryption")?;
                Ok(Self::Pkcs1v15)
            }
            oid::ID_RSAES_OAEP => {
                let Some(params) = alg.parameters else {
                    return Ok(Self::Oaep {
                        digest: DigestAlgorithm::Sha1,
                        mgf_digest: DigestAlgorithm::Sha1,
                    });
                };
                let params = params
                    .decode_as::<RsaesOaepParams<'_>>()
                    .map_err(|e| malformed(format!("{WHAT}: {e}")))?;
                let digest = DigestAlgorithm::from_rfc4055_field(
                    params.hash_func.as_ref(),
                    "RSAES-OAEP hashFunc",
                )?;
                let mgf_digest = DigestAlgorithm::from_mgf1_field(
                    params.mask_gen_func.as_ref(),
                    "RSAES-OAEP maskGenFunc",
                )?;
                if let Some(source) = params.p_source_func {
                    if source.oid != oid::ID_P_SPECIFIED {
                        return Err(Error::UnsupportedAlgorithm(format!(
                            "{WHAT}: pSourceFunc {}",
                            oid_name(&source.oid)
                        )));
                    }
                    let label = source
                        .parameters
                        .map(|p| p.decode_as::<&OctetStringRef>())
                        .transpose()
                        .map_err(|e| malformed(format!("{WHAT}: pSpecified label: {e}")))?;
                    if label.is_some_and(|l| !l.as_bytes().is_empty()) {
                        return Err(Error::UnsupportedAlgorithm(format!(
                            "{WHAT}: a non-empty OAEP label"
                        )));
                    }
                }
                Ok(Self::Oaep { digest, mgf_digest })
            }
            other => Err(Error::UnsupportedAlgorithm(format!(
                "key transport algorithm {}",
                oid_name(&other)
            ))),
        }
    }

    /// The `AlgorithmIdentifier` to send: `rsaEncryption` with NULL (RFC 3370 §4.2.1), or
    /// `id-RSAES-OAEP` with RSAES-OAEP-params whose non-default fields are written
    /// (RFC 4055 §4.1; SHA-1 with MGF1-SHA-1 is an empty SEQUENCE).
    pub fn to_algorithm_identifier(self) -> Result<AlgorithmIdentifierOwned, Error> {
        match self {
            Self::Pkcs1v15 => Ok(null_identifier(oid::RSA_ENCRYPTION)),
            Self::Oaep { digest, mgf_digest } => {
                let mgf_der = mgf_digest.mgf1_identifier_der()?;
                let mgf = AlgorithmIdentifierRef::from_der(&mgf_der)
                    .map_err(|e| Error::Backend(format!("encoding MGF1 parameters: {e}")))?;
                let params = RsaesOaepParams {
                    hash_func: (digest != DigestAlgorithm::Sha1)
                        .then(|| digest.rfc4055_identifier()),
                    mask_gen_func: (mgf_digest != DigestAlgorithm::Sha1).then_some(mgf),
                    p_source_func: None,
                };
                let der = params
                    .to_der()
                    .map_err(|e| Error::Backend(format!("encoding RSAES-OAEP-params: {e}")))?;
                owned_identifier(oid::ID_RSAES_OAEP, Some(&der))
            }
        }
    }
}

impl CbcCipher {
    /// The cipher's object identifier.
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Aes128 => oid::AES128_CBC,
            Self::Aes192 => oid::AES192_CBC,
            Self::Aes256 => oid::AES256_CBC,
            Self::DesEde3 => oid::DES_EDE3_CBC,
        }
    }

    /// Reads a content-encryption `AlgorithmIdentifier` for a CBC cipher and returns the
    /// cipher and its IV (the parameter is an OCTET STRING of the block length: RFC 3565
    /// §4.1 for AES, RFC 3370 §5.1 for 3DES).
    pub fn from_algorithm_identifier(
        alg: &AlgorithmIdentifierRef<'_>,
    ) -> Result<(Self, Vec<u8>), Error> {
        let cipher = [Self::Aes128, Self::Aes192, Self::Aes256, Self::DesEde3]
            .into_iter()
            .find(|c| c.oid() == alg.oid)
            .ok_or_else(|| {
                Error::UnsupportedAlgorithm(format!("content encryption {}", oid_name(&alg.oid)))
            })?;
        let iv = alg
            .parameters
            .ok_or_else(|| malformed(format!("{}: IV parameter missing", oid_name(&alg.oid))))?
            .decode_as::<&OctetStringRef>()
            .map_err(|e| malformed(format!("{}: IV: {e}", oid_name(&alg.oid))))?
            .as_bytes();
        if iv.len() != cipher.block_len() {
            return Err(malformed(format!(
                "{}: IV of {} bytes, expected {}",
                oid_name(&alg.oid),
                iv.len(),
                cipher.block_len()
            )));
        }
        Ok((cipher, iv.to_vec()))
    }

    /// The `AlgorithmIdentifier` with `iv` as its parameter.
    pub fn to_algorithm_identifier(self, iv: &[u8]) -> Result<AlgorithmIdentifierOwned, Error> {
        if iv.len() != self.block_len() {
            return Err(Error::InvalidLength {
                what: "CBC IV",
                len: iv.len(),
            });
        }
        let octets =
            OctetStringRef::new(iv).map_err(|e| Error::Backend(format!("encoding IV: {e}")))?;
        let der = octets
            .to_der()
            .map_err(|e| Error::Backend(format!("encoding IV: {e}")))?;
        owned_identifier(self.oid(), Some(&der))
    }
}

impl AeadCipher {
    /// The cipher's object identifier.
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Aes128Gcm => oid::AES128_GCM,
            Self::Aes192Gcm => oid::AES192_GCM,
            Self::Aes256Gcm => oid::AES256_GCM,
        }
    }

    /// Reads an AuthEnvelopedData content-encryption `AlgorithmIdentifier`: id-aes*-GCM with
    /// GCMParameters (RFC 5084 §3.2; `aes-ICVlen` defaults to 12 and must be 12 to 16). The
    /// nonce length is not restricted here; providers accept 12 bytes only.
    pub fn from_algorithm_identifier(
        alg: &AlgorithmIdentifierRef<'_>,
    ) -> Result<(Self, GcmParameters), Error> {
        let cipher = [Self::Aes128Gcm, Self::Aes192Gcm, Self::Aes256Gcm]
            .into_iter()
            .find(|c| c.oid() == alg.oid)
            .ok_or_else(|| {
                Error::UnsupportedAlgorithm(format!(
                    "authenticated encryption {}",
                    oid_name(&alg.oid)
                ))
            })?;
        // The name is looked up in the OID database only for an error message: the lookup
        // is a linear search, too slow for every message read.
        let name = || oid_name(&alg.oid);
        let params = alg
            .parameters
            .ok_or_else(|| malformed(format!("{}: GCMParameters missing", name())))?
            .decode_as::<GcmParametersDer<'_>>()
            .map_err(|e| malformed(format!("{}: GCMParameters: {e}", name())))?;
        let icv_len = params.icv_len.map_or(GCM_DEFAULT_ICV_LEN, usize::from);
        if !(12..=16).contains(&icv_len) {
            return Err(malformed(format!(
                "{}: aes-ICVlen {icv_len} (must be 12 to 16)",
                name()
            )));
        }
        if params.nonce.as_bytes().is_empty() {
            return Err(malformed(format!("{}: empty aes-nonce", name())));
        }
        Ok((
            cipher,
            GcmParameters {
                nonce: params.nonce.as_bytes().to_vec(),
                icv_len,
            },
        ))
    }

    /// The `AlgorithmIdentifier` with GCMParameters; `aes-ICVlen` is omitted when it is the
    /// default 12 (DER).
    pub fn to_algorithm_identifier(
        self,
        params: &GcmParameters,
    ) -> Result<AlgorithmIdentifierOwned, Error> {
        if !(12..=16).contains(&params.icv_len) {
            return Err(Error::InvalidLength {
                what: "AES-GCM tag",
                len: params.icv_len,
            });
        }
        let icv_len = u8::try_from(params.icv_len).map_err(|_| Error::InvalidLength {
            what: "AES-GCM tag",
            len: params.icv_len,
        })?;
        let der = GcmParametersDer {
            nonce: OctetStringRef::new(&params.nonce)
                .map_err(|e| Error::Backend(format!("encoding GCMParameters: {e}")))?,
            icv_len: (params.icv_len != GCM_DEFAULT_ICV_LEN).then_some(icv_len),
        }
        .to_der()
        .map_err(|e| Error::Backend(format!("encoding GCMParameters: {e}")))?;
        owned_identifier(self.oid(), Some(&der))
    }
}
