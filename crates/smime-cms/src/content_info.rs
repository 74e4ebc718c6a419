//! `ContentInfo`, the outer wrapper of every CMS message (RFC 5652 §3).
//!
//! ```text
//! ContentInfo ::= SEQUENCE {
//!   contentType ContentType,
//!   content [0] EXPLICIT ANY DEFINED BY contentType }
//! ```

use std::borrow::Cow;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911;

use crate::ber::{self, Tlv};
use crate::error::Error;

/// `id-data` (RFC 5652 §4): arbitrary octets.
pub const ID_DATA: ObjectIdentifier = rfc5911::ID_DATA;
/// `id-signedData` (RFC 5652 §5).
pub const ID_SIGNED_DATA: ObjectIdentifier = rfc5911::ID_SIGNED_DATA;

/// A parsed `ContentInfo` (DER or BER) that borrows the input.
#[derive(Clone, Copy, Debug)]
pub struct ContentInfo<'a> {
    content_type: ObjectIdentifier,
    content: Tlv<'a>,
}

impl<'a> ContentInfo<'a> {
    /// Parses a DER- or BER-encoded `ContentInfo` that must fill `input` exactly.
    ///
    /// ```
    /// // A ContentInfo holding id-data with the content "hi", as BER with indefinite lengths.
    /// let ber = [
    ///     0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
    ///     0xa0, 0x80, 0x24, 0x80, 0x04, 0x01, b'h', 0x04, 0x01, b'i', 0, 0, 0, 0, 0, 0,
    /// ];
    /// let info = smime_cms::ContentInfo::parse(&ber)?;
    /// assert_eq!(info.content_type(), smime_cms::content_info::ID_DATA);
    /// assert_eq!(&*info.data()?, b"hi");
    /// # Ok::<(), smime_cms::Error>(())
    /// ```
    pub fn parse(input: &'a [u8]) -> Result<Self, Error> {
        const WHAT: &str = "ContentInfo";
        let outer = Tlv::parse_exact(input, WHAT)?.expect(ber::SEQUENCE, WHAT)?;
        let mut fields = outer.reader(WHAT)?;
        let oid = fields.read_expected(ber::OBJECT_IDENTIFIER)?;
        let content_type = ObjectIdentifier::from_bytes(oid.content)
            .map_err(|e| Error::malformed_owned(WHAT, oid.offset, format!("contentType: {e}")))?;
        let explicit = fields.read_expected(ber::CONTEXT_0)?;
        fields.finish()?;
        let mut inner = explicit.reader(WHAT)?;
        let content = inner.read()?;
        inner.finish()?;
        Ok(Self {
            content_type,
            content,
        })
    }

    /// The content type.
    pub fn content_type(&self) -> ObjectIdentifier {
        self.content_type
    }

    /// The encoding of the content (the element inside the `[0] EXPLICIT` tag), as found in
    /// the input (BER or DER).
    pub fn encoded_content(&self) -> &'a [u8] {
        self.content.raw
    }

    /// The parsed content element.
    pub(crate) fn content_tlv(&self) -> Tlv<'a> {
        self.content
    }

    /// Fails unless the content type is `expected`.
    pub(crate) fn expect_type(&self, expected: ObjectIdentifier) -> Result<(), Error> {
        if self.content_type == expected {
            Ok(())
        } else {
            Err(Error::UnexpectedContentType {
                expected,
                found: self.content_type,
            })
        }
    }

    /// For id-data content: the octets (the chunks of a constructed OCTET STRING joined).
    pub fn data(&self) -> Result<Cow<'a, [u8]>, Error> {
        self.expect_type(ID_DATA)?;
        self.content.string_value(ber::OCTET_STRING, "Data")
    }
}

/// Decodes a PEM-armoured CMS or PKCS #7 message (labels `CMS`, `PKCS7` and
/// `PKCS #7 SIGNED DATA`, RFC 7468 §9) to its DER/BER bytes.
///
/// ```
/// let pem = "-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n";
/// assert_eq!(smime_cms::content_info::decode_pem(pem.as_bytes())?, [0x30, 0x00]);
/// # Ok::<(), smime_cms::Error>(())
/// ```
pub fn decode_pem(pem: &[u8]) -> Result<Vec<u8>, Error> {
    let (label, der) =
        der::pem::decode_vec(pem).map_err(|e| Error::malformed_owned("PEM", 0, e.to_string()))?;
    if matches!(label, "CMS" | "PKCS7" | "PKCS #7 SIGNED DATA") {
        Ok(der)
    } else {
        Err(Error::malformed_owned(
            "PEM",
            0,
            format!("unexpected label {label:?} (expected CMS or PKCS7)"),
        ))
    }
}
