//! `SafeContents`, `SafeBag` and the bag types of RFC 7292 §4.2, and the two attributes PKCS#12
//! defines for bags: `friendlyName` and `localKeyId` (PKCS#9, RFC 2985 §5.5.1, §5.5.2).
//!
//! All types borrow from the buffer they were decoded from, so that key material decoded from a
//! zeroized plaintext is never copied into a buffer that is not.

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetStringRef, SetOfVec};
use der::{Sequence, ValueOrd};
use spki::AlgorithmIdentifierRef;

/// `keyBag` (RFC 7292 §4.2.1): an unencrypted PKCS#8 `PrivateKeyInfo`.
pub const KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
/// `pkcs8ShroudedKeyBag` (RFC 7292 §4.2.2): a PKCS#8 `EncryptedPrivateKeyInfo`.
pub const PKCS8_SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
/// `certBag` (RFC 7292 §4.2.3).
pub const CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
/// `crlBag` (RFC 7292 §4.2.4).
pub const CRL_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.4");
/// `secretBag` (RFC 7292 §4.2.5).
pub const SECRET_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.5");
/// `safeContentsBag` (RFC 7292 §4.2.6): a nested `SafeContents`.
pub const SAFE_CONTENTS_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.6");

/// `x509Certificate` cert type (RFC 7292 §4.2.3): a DER certificate in an OCTET STRING.
pub const X509_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");
/// `sdsiCertificate` cert type (RFC 7292 §4.2.3): a base64 SDSI certificate (not supported).
pub const SDSI_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.2");
/// `x509CRL` CRL type (RFC 7292 §4.2.4): a DER CRL in an OCTET STRING.
pub const X509_CRL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.23.1");

/// PKCS#9 `friendlyName` (RFC 2985 §5.5.1): a BMPString.
pub const FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
/// PKCS#9 `localKeyId` (RFC 2985 §5.5.2): an OCTET STRING that links a key with its certificate.
pub const LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");

/// `SafeContents` (RFC 7292 §4.2), borrowed: `SEQUENCE OF SafeBag`.
pub type SafeContentsRef<'a> = Vec<SafeBagRef<'a>>;

/// `SafeBag` (RFC 7292 §4.2), borrowed.
///
/// ```text
/// SafeBag ::= SEQUENCE {
///     bagId          BAG-TYPE.&id ({PKCS12BagSet}),
///     bagValue       [0] EXPLICIT BAG-TYPE.&Type({PKCS12BagSet}{@bagId}),
///     bagAttributes  SET OF PKCS12Attribute OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SafeBagRef<'a> {
    /// The bag type ([`KEY_BAG`], [`CERT_BAG`], …).
    pub bag_id: ObjectIdentifier,
    /// The bag's value, whose type depends on `bag_id`.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub bag_value: AnyRef<'a>,
    /// The bag's attributes. Decoded in BER mode, the set keeps the order of the file.
    pub bag_attributes: Option<SetOfVec<AttributeRef<'a>>>,
}

/// `PKCS12Attribute` (RFC 7292 §4.2), borrowed.
///
/// ```text
/// PKCS12Attribute ::= SEQUENCE {
///     attrId      ATTRIBUTE.&id ({PKCS12AttrSet}),
///     attrValues  SET OF ATTRIBUTE.&Type ({PKCS12AttrSet}{@attrId}) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence, ValueOrd)]
pub struct AttributeRef<'a> {
    /// The attribute type ([`FRIENDLY_NAME`], [`LOCAL_KEY_ID`], …).
    pub attr_id: ObjectIdentifier,
    /// The values.
    pub attr_values: SetOfVec<AnyRef<'a>>,
}

/// `CertBag` (RFC 7292 §4.2.3), borrowed.
///
/// ```text
/// CertBag ::= SEQUENCE {
///     certId    BAG-TYPE.&id   ({CertTypes}),
///     certValue [0] EXPLICIT BAG-TYPE.&Type ({CertTypes}{@certId}) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
pub struct CertBagRef<'a> {
    /// The certificate type ([`X509_CERTIFICATE`] or [`SDSI_CERTIFICATE`]).
    pub cert_id: ObjectIdentifier,
    /// The certificate (an OCTET STRING holding the DER certificate for `x509Certificate`).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub cert_value: AnyRef<'a>,
}

/// `CRLBag` (RFC 7292 §4.2.4), borrowed.
///
/// ```text
/// CRLBag ::= SEQUENCE {
///     crlId     BAG-TYPE.&id ({CRLTypes}),
///     crlValue  [0] EXPLICIT BAG-TYPE.&Type ({CRLTypes}{@crlId}) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
pub struct CrlBagRef<'a> {
    /// The CRL type ([`X509_CRL`]).
    pub crl_id: ObjectIdentifier,
    /// The CRL (an OCTET STRING holding the DER CRL for `x509CRL`).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub crl_value: AnyRef<'a>,
}

/// `SecretBag` (RFC 7292 §4.2.5), borrowed.
///
/// ```text
/// SecretBag ::= SEQUENCE {
///     secretTypeId  BAG-TYPE.&id ({SecretTypes}),
///     secretValue   [0] EXPLICIT BAG-TYPE.&Type ({SecretTypes}{@secretTypeId}) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
pub struct SecretBagRef<'a> {
    /// The secret's type.
    pub secret_type_id: ObjectIdentifier,
    /// The secret.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub secret_value: AnyRef<'a>,
}

/// PKCS#8 `EncryptedPrivateKeyInfo` (RFC 5958 §3), the value of a `pkcs8ShroudedKeyBag`,
/// borrowed.
///
/// ```text
/// EncryptedPrivateKeyInfo ::= SEQUENCE {
///     encryptionAlgorithm  EncryptionAlgorithmIdentifier,
///     encryptedData        EncryptedData }
/// ```
///
/// (Defined here rather than taken from `pkcs8` so that the legacy PKCS#12 PBEs, which
/// `pkcs8` does not know, decode the same way as PBES2.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
pub struct EncryptedPrivateKeyInfoRef<'a> {
    /// The password-based encryption scheme and its parameters.
    pub encryption_algorithm: AlgorithmIdentifierRef<'a>,
    /// The encrypted `PrivateKeyInfo`.
    pub encrypted_data: &'a OctetStringRef,
}

#[cfg(test)]
mod tests {
    use der::{Decode, Encode};

    use super::*;

    /// The `SEQUENCE OF` aliases decode and encode as such.
    #[test]
    fn safe_contents_round_trips() {
        let cert_bag = CertBagRef {
            cert_id: X509_CERTIFICATE,
            cert_value: AnyRef::new(der::Tag::OctetString, b"not a real certificate").unwrap(),
        }
        .to_der()
        .unwrap();
        let bag = SafeBagRef {
            bag_id: CERT_BAG,
            bag_value: AnyRef::from_der(&cert_bag).unwrap(),
            bag_attributes: None,
        };
        let contents: SafeContentsRef<'_> = vec![bag.clone(), bag];
        let der = contents.to_der().unwrap();
        assert_eq!(der.first(), Some(&0x30));
        let back = SafeContentsRef::from_der(&der).unwrap();
        assert_eq!(back, contents);
        let decoded = back[0].bag_value.decode_as::<CertBagRef<'_>>().unwrap();
        assert_eq!(decoded.cert_id, X509_CERTIFICATE);
    }
}
