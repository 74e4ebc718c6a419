//! The `AuthenticatedSafe` (RFC 7292 §4.1) and the RFC 5652 wrappers it is made of:
//! `ContentInfo`, `EncryptedData`, `EncryptedContentInfo`.
//!
//! These are defined here rather than taken from the `cms` crate so that they borrow from the
//! (zeroized) buffers they are decoded from, and so that `EncryptedContentInfo` accepts the
//! BER form of its `[0] IMPLICIT OCTET STRING` (a constructed string in files from Windows and
//! Java).

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetStringRef};
use der::{
    Decode, DecodeValue, Encode, EncodeValue, Header, Length, Reader, Sequence, Tag, TagNumber,
    Tagged, Writer,
};
use spki::AlgorithmIdentifierRef;

/// `id-data` (RFC 5652 §4): unencrypted content, an OCTET STRING.
pub const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// `id-signedData` (RFC 5652 §5): the public-key integrity mode of RFC 7292 §3.1.
pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// `id-envelopedData` (RFC 5652 §6): the public-key privacy mode of RFC 7292 §3.1.
pub const ID_ENVELOPED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
/// `id-encryptedData` (RFC 5652 §8): the password privacy mode of RFC 7292 §3.1.
pub const ID_ENCRYPTED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");

/// `AuthenticatedSafe` (RFC 7292 §4.1), borrowed: the contents of the `authSafe` OCTET
/// STRING.
///
/// ```text
/// AuthenticatedSafe ::= SEQUENCE OF ContentInfo
///     -- Data if unencrypted
///     -- EncryptedData if password-encrypted
///     -- EnvelopedData if public key-encrypted
/// ```
pub type AuthenticatedSafeRef<'a> = Vec<ContentInfoRef<'a>>;

/// `ContentInfo` (RFC 5652 §3), borrowed.
///
/// ```text
/// ContentInfo ::= SEQUENCE {
///     contentType ContentType,
///     content [0] EXPLICIT ANY DEFINED BY contentType OPTIONAL }
/// ```
///
/// (`content` is OPTIONAL in PKCS#7, which RFC 7292 refers to.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
pub struct ContentInfoRef<'a> {
    /// The content type.
    pub content_type: ObjectIdentifier,
    /// The content.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub content: Option<AnyRef<'a>>,
}

/// `EncryptedData` (RFC 5652 §8), borrowed. `unprotectedAttrs` are skipped when decoding and
/// never written.
///
/// ```text
/// EncryptedData ::= SEQUENCE {
///     version CMSVersion,
///     encryptedContentInfo EncryptedContentInfo,
///     unprotectedAttrs [1] IMPLICIT UnprotectedAttributes OPTIONAL }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncryptedDataRef<'a> {
    /// The CMS version (0, or 2 with unprotected attributes).
    pub version: u8,
    /// The encrypted content.
    pub encrypted_content_info: EncryptedContentInfoRef<'a>,
}

impl<'a> DecodeValue<'a> for EncryptedDataRef<'a> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        let version = reader.decode()?;
        let encrypted_content_info = reader.decode()?;
        // unprotectedAttrs, and any extension, are not used by PKCS#12.
        while !reader.is_finished() {
            AnyRef::decode(reader)?;
        }
        Ok(Self {
            version,
            encrypted_content_info,
        })
    }
}

impl EncodeValue for EncryptedDataRef<'_> {
    fn value_len(&self) -> der::Result<Length> {
        self.version.encoded_len()? + self.encrypted_content_info.encoded_len()?
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.version.encode(writer)?;
        self.encrypted_content_info.encode(writer)
    }
}

impl<'a> Sequence<'a> for EncryptedDataRef<'a> {}

/// `EncryptedContentInfo` (RFC 5652 §6.1), borrowed.
///
/// ```text
/// EncryptedContentInfo ::= SEQUENCE {
///     contentType ContentType,
///     contentEncryptionAlgorithm ContentEncryptionAlgorithmIdentifier,
///     encryptedContent [0] IMPLICIT EncryptedContent OPTIONAL }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncryptedContentInfoRef<'a> {
    /// The type of the content once decrypted (`id-data` in PKCS#12).
    pub content_type: ObjectIdentifier,
    /// The password-based encryption scheme and its parameters.
    pub content_encryption_algorithm: AlgorithmIdentifierRef<'a>,
    /// The `[0]` element as found: primitive (DER) or constructed (BER chunks). Use
    /// [`EncryptedContentInfoRef::encrypted_content`] for the bytes.
    pub encrypted_content_element: Option<AnyRef<'a>>,
}

impl EncryptedContentInfoRef<'_> {
    /// The encrypted content bytes (chunks of a constructed encoding joined), or `None` when
    /// the field is absent.
    ///
    /// # Errors
    /// When a constructed encoding holds something other than OCTET STRING chunks.
    pub fn encrypted_content(&self) -> der::Result<Option<Vec<u8>>> {
        let Some(element) = self.encrypted_content_element else {
            return Ok(None);
        };
        if !element.tag().is_constructed() {
            return Ok(Some(element.value().to_vec()));
        }
        let mut reader = der::SliceReader::new(element.value())?;
        let mut out = Vec::with_capacity(element.value().len());
        while !reader.is_finished() {
            let chunk: &OctetStringRef = reader.decode()?;
            out.extend_from_slice(chunk.as_bytes());
        }
        Ok(Some(out))
    }
}

impl<'a> DecodeValue<'a> for EncryptedContentInfoRef<'a> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        let content_type = reader.decode()?;
        let content_encryption_algorithm = reader.decode()?;
        let encrypted_content_element = if reader.is_finished() {
            None
        } else {
            let element = AnyRef::decode(reader)?;
            let tag = element.tag();
            if tag.class() != der::Class::ContextSpecific || tag.number() != TagNumber(0) {
                return Err(tag.unexpected_error(None).into());
            }
            Some(element)
        };
        Ok(Self {
            content_type,
            content_encryption_algorithm,
            encrypted_content_element,
        })
    }
}

impl EncodeValue for EncryptedContentInfoRef<'_> {
    fn value_len(&self) -> der::Result<Length> {
        let mut len =
            self.content_type.encoded_len()? + self.content_encryption_algorithm.encoded_len()?;
        if let Some(element) = self.encrypted_content_element {
            len = len + element.encoded_len()?;
        }
        len
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.content_type.encode(writer)?;
        self.content_encryption_algorithm.encode(writer)?;
        if let Some(element) = self.encrypted_content_element {
            element.encode(writer)?;
        }
        Ok(())
    }
}

impl<'a> Sequence<'a> for EncryptedContentInfoRef<'a> {}

/// The tag of a primitive `[0] IMPLICIT OCTET STRING`.
pub(crate) const ENCRYPTED_CONTENT_TAG: Tag = Tag::ContextSpecific {
    constructed: false,
    number: TagNumber(0),
};
