//! Content encryption: the `EncryptedContentInfo` of an EnvelopedData or AuthEnvelopedData
//! (RFC 5652 §6.1, RFC 5083 §2.1) and the ciphers that protect the content.
//!
//! ```text
//! EncryptedContentInfo ::= SEQUENCE {
//!   contentType ContentType,
//!   contentEncryptionAlgorithm ContentEncryptionAlgorithmIdentifier,
//!   encryptedContent [0] IMPLICIT EncryptedContent OPTIONAL }
//! ```
//!
//! | cipher | structure | read | written | standard |
//! |---|---|---|---|---|
//! | AES-128/192/256-GCM | AuthEnvelopedData | yes | yes (default AES-256-GCM) | RFC 5083, RFC 5084 |
//! | AES-128/192/256-CBC | EnvelopedData | yes | on request | RFC 3565 |
//! | DES-EDE3-CBC | EnvelopedData | yes | no | RFC 3370 §5.1 |
//! | RC2-CBC (40, 64, 128 bits and more) | EnvelopedData | yes | no | RFC 3370 §5.2, RFC 2268 |
//!
//! CBC content is not authenticated: anyone can change it without the recipient noticing
//! (EFAIL). [`ContentEncryption::is_authenticated`] says so, and every decryption result
//! carries it.

use std::borrow::Cow;
use std::fmt;

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, InnerIvInit};
use const_oid::ObjectIdentifier;
use der::asn1::OctetStringRef;
use der::{Decode, Encode, Sequence, Tag, Tagged};
use smime_crypto::{AeadCipher, CbcCipher, CryptoProvider, GcmParameters};
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef};
use zeroize::Zeroizing;

use crate::ber::{self, Tlv};
use crate::budget::MAX_CONTENT_LEN;
use crate::error::Error;
use crate::signer_info::decode_leaf;

/// `rc2-cbc` (RFC 3370 §5.2).
pub const RC2_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.2");

/// The only AES-GCM nonce length supported: the 12 octets RFC 5084 §3.2 recommends, which
/// is what every implementation we know writes (other lengths go through GHASH).
pub const GCM_NONCE_LEN: usize = 12;

/// The AES-GCM tag length we write (`aes-ICVlen`, RFC 5084 §3.2): the full 16 octets, as
/// OpenSSL writes; 12 to 16 are read.
pub const GCM_TAG_LEN: usize = 16;

/// A content-encryption algorithm.
///
/// ```
/// use smime_cms::ContentEncryption;
/// use smime_crypto::{AeadCipher, CbcCipher};
///
/// assert!(ContentEncryption::default().is_authenticated());
/// assert_eq!(ContentEncryption::default().to_string(), "AES-256-GCM");
/// let cbc = ContentEncryption::Cbc(CbcCipher::Aes128);
/// assert!(!cbc.is_authenticated()); // EFAIL: CBC content can be changed unnoticed
/// assert_eq!(cbc.key_len(), 16);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContentEncryption {
    /// AES-GCM in an AuthEnvelopedData (RFC 5083/5084): authenticated.
    Aead(AeadCipher),
    /// A block cipher in CBC mode with PKCS #7 padding in an EnvelopedData: not
    /// authenticated.
    Cbc(CbcCipher),
    /// RC2 in CBC mode (RFC 3370 §5.2), read only: not authenticated, and weak.
    Rc2Cbc {
        /// The RC2 effective key length in bits (RFC 2268), which is also the key length.
        effective_key_bits: u16,
    },
}

impl Default for ContentEncryption {
    /// AES-256-GCM (RFC 8551 §2.7: AuthEnvelopedData with AES-GCM is what to send).
    fn default() -> Self {
        Self::Aead(AeadCipher::Aes256Gcm)
    }
}

impl ContentEncryption {
    /// Whether the cipher authenticates the content, so that any change to the ciphertext,
    /// nonce, tag or authenticated attributes is detected. Only AES-GCM does; CBC does not
    /// (EFAIL).
    pub const fn is_authenticated(self) -> bool {
        matches!(self, Self::Aead(_))
    }

    /// The content-encryption key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aead(cipher) => cipher.key_len(),
            Self::Cbc(cipher) => cipher.key_len(),
            Self::Rc2Cbc { effective_key_bits } => usize::from(effective_key_bits).div_ceil(8),
        }
    }

    /// The algorithm's object identifier.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Aead(cipher) => cipher.oid(),
            Self::Cbc(cipher) => cipher.oid(),
            Self::Rc2Cbc { .. } => RC2_CBC,
        }
    }

    /// Whether this library encrypts with the algorithm (3DES and RC2 are read only).
    pub fn is_sendable(self) -> bool {
        matches!(
            self,
            Self::Aead(AeadCipher::Aes128Gcm | AeadCipher::Aes192Gcm | AeadCipher::Aes256Gcm)
                | Self::Cbc(CbcCipher::Aes128 | CbcCipher::Aes192 | CbcCipher::Aes256)
        )
    }

    /// The algorithm with this object identifier, among those this library sends.
    pub(crate) fn sendable_from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [
            Self::Aead(AeadCipher::Aes256Gcm),
            Self::Aead(AeadCipher::Aes192Gcm),
            Self::Aead(AeadCipher::Aes128Gcm),
            Self::Cbc(CbcCipher::Aes256),
            Self::Cbc(CbcCipher::Aes192),
            Self::Cbc(CbcCipher::Aes128),
        ]
        .into_iter()
        .find(|candidate| candidate.oid() == *oid)
    }
}

impl fmt::Display for ContentEncryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Aead(AeadCipher::Aes128Gcm) => f.write_str("AES-128-GCM"),
            Self::Aead(AeadCipher::Aes192Gcm) => f.write_str("AES-192-GCM"),
            Self::Aead(AeadCipher::Aes256Gcm) => f.write_str("AES-256-GCM"),
            Self::Cbc(CbcCipher::Aes128) => f.write_str("AES-128-CBC"),
            Self::Cbc(CbcCipher::Aes192) => f.write_str("AES-192-CBC"),
            Self::Cbc(CbcCipher::Aes256) => f.write_str("AES-256-CBC"),
            Self::Cbc(CbcCipher::DesEde3) => f.write_str("DES-EDE3-CBC"),
            Self::Rc2Cbc { effective_key_bits } => write!(f, "RC2-CBC-{effective_key_bits}"),
            Self::Aead(other) => write!(f, "{other:?}"),
            Self::Cbc(other) => write!(f, "{other:?}"),
        }
    }
}

/// The content-encryption algorithm with its parameters, as read from the message or chosen
/// for a new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ContentParameters {
    /// AES-GCM with its nonce and tag length.
    Aead {
        cipher: AeadCipher,
        params: GcmParameters,
    },
    /// A CBC cipher with its IV.
    Cbc { cipher: CbcCipher, iv: Vec<u8> },
    /// RC2-CBC with its effective key bits and IV.
    Rc2 {
        effective_key_bits: u16,
        iv: Vec<u8>,
    },
}

/// RC2's `rc2ParameterVersion` ↔ effective key bits for the lengths used in practice
/// (RFC 2268 §6; RFC 3370 §5.2).
const RC2_VERSIONS: [(i64, u16); 3] = [(160, 40), (120, 64), (58, 128)];

/// The RC2 block (and IV) length.
const RC2_BLOCK_LEN: usize = 8;

/// `RC2CBCParameter ::= SEQUENCE { rc2ParameterVersion INTEGER, iv OCTET STRING }`.
#[derive(Sequence)]
struct Rc2CbcParameter<'a> {
    version: i64,
    iv: &'a OctetStringRef,
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidContentEncryption {
        reason: reason.into(),
    }
}

fn unsupported(algorithm: impl Into<String>) -> Error {
    Error::UnsupportedContentEncryption {
        algorithm: algorithm.into(),
    }
}

/// A provider error about the content-encryption AlgorithmIdentifier as our error.
fn content_algorithm_error(error: smime_crypto::Error) -> Error {
    match error {
        smime_crypto::Error::UnsupportedAlgorithm(algorithm) => unsupported(algorithm),
        other => invalid(other.to_string()),
    }
}

impl ContentParameters {
    /// Reads a `ContentEncryptionAlgorithmIdentifier`. `authenticated` says which structure
    /// it came from: an AuthEnvelopedData needs an AEAD cipher, an EnvelopedData a CBC
    /// cipher (RFC 5083 §2.1: "MUST be an authenticated encryption algorithm").
    pub(crate) fn read(
        algorithm: &AlgorithmIdentifierOwned,
        authenticated: bool,
    ) -> Result<Self, Error> {
        let reference = AlgorithmIdentifierRef::from(algorithm);
        if authenticated {
            let (cipher, params) =
                AeadCipher::from_algorithm_identifier(&reference).map_err(|error| match error {
                    smime_crypto::Error::UnsupportedAlgorithm(_) => unsupported(format!(
                        "{} in an AuthEnvelopedData (an authenticated cipher is required)",
                        algorithm.oid
                    )),
                    other => content_algorithm_error(other),
                })?;
            if params.nonce.len() != GCM_NONCE_LEN {
                return Err(unsupported(format!(
                    "AES-GCM with a {}-byte nonce (only {GCM_NONCE_LEN} is supported)",
                    params.nonce.len()
                )));
            }
            return Ok(Self::Aead { cipher, params });
        }
        if algorithm.oid == RC2_CBC {
            return read_rc2(algorithm);
        }
        // Compared by OID: asking `from_algorithm_identifier` would build (and drop) an
        // error message, with an OID-database search, for every CBC message.
        if [
            AeadCipher::Aes128Gcm,
            AeadCipher::Aes192Gcm,
            AeadCipher::Aes256Gcm,
        ]
        .iter()
        .any(|cipher| cipher.oid() == algorithm.oid)
        {
            return Err(invalid(format!(
                "{} (an authenticated cipher) in an EnvelopedData; RFC 5083 puts it in an AuthEnvelopedData",
                algorithm.oid
            )));
        }
        let (cipher, iv) =
            CbcCipher::from_algorithm_identifier(&reference).map_err(content_algorithm_error)?;
        Ok(Self::Cbc { cipher, iv })
    }

    /// The algorithm, without its parameters.
    pub(crate) fn encryption(&self) -> ContentEncryption {
        match self {
            Self::Aead { cipher, .. } => ContentEncryption::Aead(*cipher),
            Self::Cbc { cipher, .. } => ContentEncryption::Cbc(*cipher),
            Self::Rc2 {
                effective_key_bits, ..
            } => ContentEncryption::Rc2Cbc {
                effective_key_bits: *effective_key_bits,
            },
        }
    }

    /// Fresh parameters (random IV or nonce) for encrypting with `encryption`.
    pub(crate) fn generate(
        encryption: ContentEncryption,
        provider: &dyn CryptoProvider,
    ) -> Result<Self, Error> {
        let random = |len: usize| -> Result<Vec<u8>, Error> {
            let mut out = vec![0u8; len];
            provider
                .fill_random(&mut out)
                .map_err(|e| invalid(format!("random IV: {e}")))?;
            Ok(out)
        };
        if !encryption.is_sendable() {
            return Err(unsupported(format!(
                "{encryption} (read only: not used to encrypt)"
            )));
        }
        match encryption {
            ContentEncryption::Aead(cipher) => Ok(Self::Aead {
                cipher,
                params: GcmParameters {
                    nonce: random(GCM_NONCE_LEN)?,
                    icv_len: GCM_TAG_LEN,
                },
            }),
            ContentEncryption::Cbc(cipher) => Ok(Self::Cbc {
                cipher,
                iv: random(cipher.block_len())?,
            }),
            other => Err(unsupported(other.to_string())),
        }
    }

    /// The `ContentEncryptionAlgorithmIdentifier` to write.
    pub(crate) fn to_algorithm_identifier(&self) -> Result<AlgorithmIdentifierOwned, Error> {
        match self {
            Self::Aead { cipher, params } => cipher
                .to_algorithm_identifier(params)
                .map_err(content_algorithm_error),
            Self::Cbc { cipher, iv } => cipher
                .to_algorithm_identifier(iv)
                .map_err(content_algorithm_error),
            Self::Rc2 { .. } => Err(unsupported("RC2-CBC (read only)")),
        }
    }
}

impl ContentParameters {
    /// The DER `ContentEncryptionAlgorithmIdentifier` to write: the octets of
    /// [`to_algorithm_identifier`](Self::to_algorithm_identifier) encoded, written directly
    /// (once per message, without building and encoding the `der` types). AES-GCM:
    /// `{ oid, GCMParameters { aes-nonce, aes-ICVlen unless the default 12 } }` (RFC 5084
    /// §3.2); AES-CBC: `{ oid, AES-IV }` (RFC 3565 §4.1).
    pub(crate) fn algorithm_der(&self) -> Result<Vec<u8>, Error> {
        let oid = ber::encode(ber::OBJECT_IDENTIFIER, self.encryption().oid().as_bytes());
        match self {
            Self::Aead { params, .. } => {
                let icv_len: &[u8] = match u8::try_from(params.icv_len) {
                    Ok(len)
                        if usize::from(len) == smime_crypto::identifier::GCM_DEFAULT_ICV_LEN =>
                    {
                        &[]
                    }
                    // A one-octet INTEGER (RFC 5084: 12 to 16).
                    Ok(len) if len < 0x80 => &[ber::INTEGER, 1, len],
                    _ => {
                        return self
                            .to_algorithm_identifier()?
                            .to_der()
                            .map_err(Error::encoding("ContentEncryptionAlgorithmIdentifier"));
                    }
                };
                let gcm_parameters = ber::encode_parts(
                    ber::SEQUENCE,
                    &[&ber::encode(ber::OCTET_STRING, &params.nonce), icv_len],
                );
                Ok(ber::encode_parts(ber::SEQUENCE, &[&oid, &gcm_parameters]))
            }
            Self::Cbc { iv, .. } => Ok(ber::encode_parts(
                ber::SEQUENCE,
                &[&oid, &ber::encode(ber::OCTET_STRING, iv)],
            )),
            Self::Rc2 { .. } => Err(unsupported("RC2-CBC (read only)")),
        }
    }
}

/// Reads RC2-CBC parameters: the RFC 3370 SEQUENCE, or the bare IV of RFC 2268 (which means
/// 32 effective bits, too weak to accept).
fn read_rc2(algorithm: &AlgorithmIdentifierOwned) -> Result<ContentParameters, Error> {
    let params = algorithm
        .parameters
        .as_ref()
        .ok_or_else(|| invalid("rc2-cbc without parameters"))?;
    if params.tag() == Tag::OctetString {
        return Err(unsupported(
            "RC2-CBC with 32 effective key bits (parameters are a bare IV)",
        ));
    }
    let der = params
        .to_der()
        .map_err(|e| invalid(format!("rc2-cbc parameters: {e}")))?;
    let parsed =
        Rc2CbcParameter::from_der(&der).map_err(|e| invalid(format!("rc2-cbc parameters: {e}")))?;
    let effective_key_bits = match RC2_VERSIONS
        .iter()
        .find(|(version, _)| *version == parsed.version)
    {
        Some((_, bits)) => *bits,
        // RFC 2268 §6: versions of 256 and more are the effective key bits themselves; RC2
        // keys are at most 128 bytes (1024 bits).
        None if (256..=1024).contains(&parsed.version) => u16::try_from(parsed.version)
            .map_err(|_| invalid("rc2ParameterVersion out of range"))?,
        None => {
            return Err(unsupported(format!(
                "RC2-CBC with rc2ParameterVersion {}",
                parsed.version
            )));
        }
    };
    let iv = parsed.iv.as_bytes();
    if iv.len() != RC2_BLOCK_LEN {
        return Err(invalid(format!(
            "rc2-cbc IV of {} bytes, expected {RC2_BLOCK_LEN}",
            iv.len()
        )));
    }
    Ok(ContentParameters::Rc2 {
        effective_key_bits,
        iv: iv.to_vec(),
    })
}

/// A parsed `EncryptedContentInfo`, borrowing the input.
#[derive(Clone, Debug)]
pub(crate) struct EncryptedContentInfo<'a> {
    pub(crate) content_type: ObjectIdentifier,
    pub(crate) algorithm: AlgorithmIdentifierOwned,
    /// The ciphertext (chunks of a constructed encoding joined); `None` when absent.
    pub(crate) encrypted_content: Option<Cow<'a, [u8]>>,
}

impl<'a> EncryptedContentInfo<'a> {
    /// Parses an `EncryptedContentInfo` element (DER or BER).
    pub(crate) fn parse(tlv: Tlv<'a>) -> Result<Self, Error> {
        const WHAT: &str = "EncryptedContentInfo";
        let mut fields = tlv.expect(ber::SEQUENCE, WHAT)?.reader(WHAT)?;
        let oid = fields.read_expected(ber::OBJECT_IDENTIFIER)?;
        let content_type = ObjectIdentifier::from_bytes(oid.content)
            .map_err(|e| Error::malformed_owned(WHAT, oid.offset, format!("contentType: {e}")))?;
        let algorithm = decode_leaf(
            fields.read_expected(ber::SEQUENCE)?,
            "EncryptedContentInfo.contentEncryptionAlgorithm",
        )?;
        let encrypted_content = match fields.peek_tag() {
            None => None,
            Some(_) => {
                let element = fields.read()?;
                let value = element.implicit_octet_string_value(
                    ber::CONTEXT_PRIMITIVE_0,
                    "EncryptedContentInfo.encryptedContent",
                )?;
                if value.len() > MAX_CONTENT_LEN {
                    return Err(Error::BudgetExceeded {
                        what: "octets of encrypted content",
                        limit: MAX_CONTENT_LEN,
                    });
                }
                Some(value)
            }
        };
        fields.finish()?;
        Ok(Self {
            content_type,
            algorithm,
            encrypted_content,
        })
    }
}

/// Decrypts unauthenticated (CBC) content. Any failure after the public checks — a padding
/// that does not verify — is [`Error::ContentDecryptionFailed`], whatever the cause.
pub(crate) fn decrypt_cbc(
    provider: &dyn CryptoProvider,
    parameters: &ContentParameters,
    key: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    match parameters {
        ContentParameters::Cbc { cipher, iv } => {
            if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(cipher.block_len()) {
                return Err(invalid(format!(
                    "{} ciphertext of {} bytes (not a positive multiple of the block length)",
                    ContentEncryption::Cbc(*cipher),
                    ciphertext.len()
                )));
            }
            provider
                .cbc_decrypt(*cipher, key, iv, ciphertext)
                .map_err(|error| match error {
                    smime_crypto::Error::DecryptionFailed => Error::ContentDecryptionFailed,
                    other => invalid(other.to_string()),
                })
        }
        ContentParameters::Rc2 {
            effective_key_bits,
            iv,
        } => rc2_decrypt(*effective_key_bits, key, iv, ciphertext),
        ContentParameters::Aead { .. } => Err(invalid("an AEAD cipher where CBC was expected")),
    }
}

/// RC2-CBC decryption (RustCrypto `rc2`; legacy mail only). The key length is checked here:
/// `rc2` panics on an empty key or one longer than 128 bytes.
fn rc2_decrypt(
    effective_key_bits: u16,
    key: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let bits = usize::from(effective_key_bits);
    if key.is_empty() || key.len() > 128 || bits == 0 || bits > 1024 {
        return Err(invalid(format!(
            "RC2 key of {} bytes with {bits} effective bits",
            key.len()
        )));
    }
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(RC2_BLOCK_LEN) {
        return Err(invalid(format!(
            "RC2-CBC ciphertext of {} bytes (not a positive multiple of 8)",
            ciphertext.len()
        )));
    }
    let cipher = rc2::Rc2::new_with_eff_key_len(key, bits);
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    let len = cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(cipher, iv)
        .map_err(|_| invalid("RC2-CBC IV length"))?
        .decrypt_padded::<Pkcs7>(buffer.as_mut_slice())
        .map_err(|_| Error::ContentDecryptionFailed)?
        .len();
    buffer.truncate(len);
    Ok(buffer)
}

/// Decrypts authenticated (AES-GCM) content. The tag must have the length the parameters
/// announce; nothing is returned unless it verifies ([`Error::ContentAuthenticationFailed`]).
pub(crate) fn open_aead(
    provider: &dyn CryptoProvider,
    parameters: &ContentParameters,
    key: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, Error> {
    let ContentParameters::Aead { cipher, params } = parameters else {
        return Err(invalid("a CBC cipher where AES-GCM was expected"));
    };
    if tag.len() != params.icv_len {
        return Err(invalid(format!(
            "the mac (AES-GCM tag) has {} bytes, the parameters say {}",
            tag.len(),
            params.icv_len
        )));
    }
    // Decrypted out of place, from the message into the buffer that becomes the result:
    // one pass over the content instead of a copy and an in-place pass (a large zeroed
    // allocation is often fresh zero pages from the allocator, with nothing to clear).
    let mut buffer = vec![0u8; ciphertext.len()];
    match provider.aead_open_into(
        *cipher,
        key,
        &params.nonce,
        aad,
        ciphertext,
        tag,
        &mut buffer,
    ) {
        Ok(()) => Ok(buffer),
        Err(smime_crypto::Error::IntegrityCheckFailed) => Err(Error::ContentAuthenticationFailed),
        Err(other) => Err(invalid(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Any;

    #[test]
    fn algorithm_der_is_the_encoded_algorithm_identifier() {
        let provider = smime_crypto::default_provider();
        for encryption in [
            ContentEncryption::Aead(AeadCipher::Aes128Gcm),
            ContentEncryption::Aead(AeadCipher::Aes192Gcm),
            ContentEncryption::Aead(AeadCipher::Aes256Gcm),
            ContentEncryption::Cbc(CbcCipher::Aes128),
            ContentEncryption::Cbc(CbcCipher::Aes192),
            ContentEncryption::Cbc(CbcCipher::Aes256),
        ] {
            let mut parameters = ContentParameters::generate(encryption, provider).unwrap();
            let expected = parameters
                .to_algorithm_identifier()
                .unwrap()
                .to_der()
                .unwrap();
            assert_eq!(
                parameters.algorithm_der().unwrap(),
                expected,
                "{encryption}"
            );
            assert_eq!(
                ContentParameters::read(
                    &AlgorithmIdentifierOwned::from_der(&expected).unwrap(),
                    encryption.is_authenticated()
                )
                .unwrap()
                .encryption(),
                encryption
            );
            // Every tag length RFC 5084 allows, the default 12 left out.
            for icv_len in 12..=16 {
                let ContentParameters::Aead { params, .. } = &mut parameters else {
                    break;
                };
                params.icv_len = icv_len;
                let der = parameters.algorithm_der().unwrap();
                assert_eq!(
                    der,
                    parameters
                        .to_algorithm_identifier()
                        .unwrap()
                        .to_der()
                        .unwrap(),
                    "{encryption} icv {icv_len}"
                );
                assert!(!der.ends_with(&[ber::INTEGER, 1, 12]));
            }
        }
    }

    fn rc2_identifier(params_der: &[u8]) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: RC2_CBC,
            parameters: Some(Any::from_der(params_der).unwrap()),
        }
    }

    #[test]
    fn rc2_parameters() {
        // SEQUENCE { INTEGER 58, OCTET STRING (8) } → 128 bits.
        let der = hex::decode("300d02013a04080001020304050607").unwrap();
        let params = ContentParameters::read(&rc2_identifier(&der), false).unwrap();
        assert_eq!(
            params.encryption(),
            ContentEncryption::Rc2Cbc {
                effective_key_bits: 128
            }
        );
        assert_eq!(params.encryption().key_len(), 16);
        // Bare IV: 32 bits, refused.
        let bare = hex::decode("04080001020304050607").unwrap();
        assert!(matches!(
            ContentParameters::read(&rc2_identifier(&bare), false),
            Err(Error::UnsupportedContentEncryption { .. })
        ));
        // Unknown version.
        let odd = hex::decode("300d02010704080001020304050607").unwrap();
        assert!(matches!(
            ContentParameters::read(&rc2_identifier(&odd), false),
            Err(Error::UnsupportedContentEncryption { .. })
        ));
        // Short IV.
        let short = hex::decode("300c02013a040700010203040506").unwrap();
        assert!(matches!(
            ContentParameters::read(&rc2_identifier(&short), false),
            Err(Error::InvalidContentEncryption { .. })
        ));
        // Absent parameters.
        let absent = AlgorithmIdentifierOwned {
            oid: RC2_CBC,
            parameters: None,
        };
        assert!(matches!(
            ContentParameters::read(&absent, false),
            Err(Error::InvalidContentEncryption { .. })
        ));
    }

    #[test]
    fn rc2_key_checks_never_panic() {
        for (key, bits) in [
            (&[][..], 128u16),
            (&[1u8; 129][..], 128),
            (&[1u8; 16][..], 0),
        ] {
            assert!(matches!(
                rc2_decrypt(bits, key, &[0; 8], &[0; 8]),
                Err(Error::InvalidContentEncryption { .. })
            ));
        }
    }

    #[test]
    fn structure_and_cipher_must_agree() {
        let gcm = AeadCipher::Aes128Gcm
            .to_algorithm_identifier(&GcmParameters {
                nonce: vec![0; 12],
                icv_len: 16,
            })
            .unwrap();
        assert!(matches!(
            ContentParameters::read(&gcm, false),
            Err(Error::InvalidContentEncryption { .. })
        ));
        let cbc = CbcCipher::Aes128.to_algorithm_identifier(&[0; 16]).unwrap();
        assert!(matches!(
            ContentParameters::read(&cbc, true),
            Err(Error::UnsupportedContentEncryption { .. })
        ));
        // A 16-byte GCM nonce is valid RFC 5084 but unsupported.
        let long_nonce = AeadCipher::Aes128Gcm
            .to_algorithm_identifier(&GcmParameters {
                nonce: vec![0; 16],
                icv_len: 12,
            })
            .unwrap();
        assert!(matches!(
            ContentParameters::read(&long_nonce, true),
            Err(Error::UnsupportedContentEncryption { .. })
        ));
        // GCM parameters absent: typed error, no panic.
        let absent = AlgorithmIdentifierOwned {
            oid: AeadCipher::Aes256Gcm.oid(),
            parameters: None,
        };
        assert!(matches!(
            ContentParameters::read(&absent, true),
            Err(Error::InvalidContentEncryption { .. })
        ));
        // CBC IV absent or NULL.
        for parameters in [None, Some(Any::null())] {
            let cbc = AlgorithmIdentifierOwned {
                oid: CbcCipher::Aes256.oid(),
                parameters,
            };
            assert!(matches!(
                ContentParameters::read(&cbc, false),
                Err(Error::InvalidContentEncryption { .. })
            ));
        }
    }

    #[test]
    fn display_names() {
        assert_eq!(
            ContentEncryption::Cbc(CbcCipher::DesEde3).to_string(),
            "DES-EDE3-CBC"
        );
        assert_eq!(
            ContentEncryption::Rc2Cbc {
                effective_key_bits: 40
            }
            .to_string(),
            "RC2-CBC-40"
        );
        assert_eq!(
            ContentEncryption::Rc2Cbc {
                effective_key_bits: 40
            }
            .key_len(),
            5
        );
        assert!(!ContentEncryption::Cbc(CbcCipher::DesEde3).is_sendable());
    }
}
