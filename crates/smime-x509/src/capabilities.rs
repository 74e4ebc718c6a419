//! S/MIME capabilities (RFC 8551 §2.5.2), as a signed attribute and as a certificate
//! extension (RFC 4262).
//!
//! ```text
//! SMIMECapability ::= SEQUENCE {
//!    capabilityID OBJECT IDENTIFIER,
//!    parameters ANY DEFINED BY capabilityID OPTIONAL }
//!
//! SMIMECapabilities ::= SEQUENCE OF SMIMECapability
//! ```
//!
//! The same OID, `smimeCapabilities` (1.2.840.113549.1.9.15), names both the signed attribute
//! and the certificate extension; the value is the `SMIMECapabilities` sequence in both.

use const_oid::{AssociatedOid, ObjectIdentifier};
use der::asn1::Any;
use der::{DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag, Writer};

/// `smimeCapabilities` (PKCS #9, RFC 2985; RFC 8551 §2.5.2; RFC 4262): 1.2.840.113549.1.9.15.
pub const SMIME_CAPABILITIES: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.15");

/// One capability: an algorithm (or other feature) the sender supports, with optional
/// parameters (for example the key length of RC2, or none for AES).
///
/// ```
/// use der::{Decode, Encode};
/// use smime_x509::SmimeCapability;
///
/// // aes256-CBC (2.16.840.1.101.3.4.1.42), without parameters.
/// let aes256 = SmimeCapability::new("2.16.840.1.101.3.4.1.42".parse().unwrap());
/// let der = aes256.to_der().unwrap();
/// assert_eq!(der, [0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a]);
/// assert_eq!(SmimeCapability::from_der(&der).unwrap(), aes256);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SmimeCapability {
    /// The capability (usually an algorithm OID).
    pub capability_id: ObjectIdentifier,
    /// Parameters defined by the capability, if any.
    #[asn1(optional = "true")]
    pub parameters: Option<Any>,
}

impl SmimeCapability {
    /// A capability without parameters.
    pub fn new(capability_id: ObjectIdentifier) -> Self {
        Self {
            capability_id,
            parameters: None,
        }
    }
}

/// The `SMIMECapabilities` sequence: the capabilities in order of preference, most preferred
/// first (RFC 8551 §2.5.2).
///
/// It decodes and encodes as a DER `SEQUENCE OF SMIMECapability`; its [`AssociatedOid`] is
/// [`SMIME_CAPABILITIES`], so it can be read as a certificate extension (see
/// [`Certificate::smime_capabilities`](crate::Certificate::smime_capabilities)) or put into a
/// signed attribute.
///
/// ```
/// use der::{Decode, Encode};
/// use smime_x509::{SmimeCapabilities, SmimeCapability};
///
/// let caps = SmimeCapabilities(vec![
///     SmimeCapability::new("2.16.840.1.101.3.4.1.46".parse().unwrap()), // aes256-GCM
///     SmimeCapability::new("2.16.840.1.101.3.4.1.42".parse().unwrap()), // aes256-CBC
/// ]);
/// let der = caps.to_der().unwrap();
/// let back = SmimeCapabilities::from_der(&der).unwrap();
/// assert_eq!(back, caps);
/// assert!(back.contains(&"2.16.840.1.101.3.4.1.42".parse().unwrap()));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SmimeCapabilities(pub Vec<SmimeCapability>);

impl SmimeCapabilities {
    /// The capabilities, most preferred first.
    pub fn iter(&self) -> core::slice::Iter<'_, SmimeCapability> {
        self.0.iter()
    }

    /// Number of capabilities.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no capabilities.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a capability with this OID is listed (whatever its parameters).
    pub fn contains(&self, capability_id: &ObjectIdentifier) -> bool {
        self.0.iter().any(|c| c.capability_id == *capability_id)
    }
}

impl From<Vec<SmimeCapability>> for SmimeCapabilities {
    fn from(capabilities: Vec<SmimeCapability>) -> Self {
        Self(capabilities)
    }
}

impl<'a> IntoIterator for &'a SmimeCapabilities {
    type Item = &'a SmimeCapability;
    type IntoIter = core::slice::Iter<'a, SmimeCapability>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl AssociatedOid for SmimeCapabilities {
    const OID: ObjectIdentifier = SMIME_CAPABILITIES;
}

impl FixedTag for SmimeCapabilities {
    const TAG: Tag = Tag::Sequence;
}

impl<'a> DecodeValue<'a> for SmimeCapabilities {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        Ok(Self(Vec::<SmimeCapability>::decode_value(reader, header)?))
    }
}

impl EncodeValue for SmimeCapabilities {
    fn value_len(&self) -> der::Result<Length> {
        self.0.value_len()
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.0.encode_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode, Tagged};

    #[test]
    fn decodes_rc2_with_parameters() {
        // rc2-cbc (1.2.840.113549.3.2) with INTEGER 128, as Thunderbird sends it.
        let der = [
            0x30, 0x10, 0x30, 0x0e, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x03, 0x02,
            0x02, 0x02, 0x00, 0x80,
        ];
        let caps = SmimeCapabilities::from_der(&der).unwrap();
        assert_eq!(caps.len(), 1);
        let cap = &caps.0[0];
        assert_eq!(
            cap.capability_id,
            ObjectIdentifier::new_unwrap("1.2.840.113549.3.2")
        );
        let params = cap.parameters.as_ref().unwrap();
        assert_eq!(params.tag(), Tag::Integer);
        assert_eq!(params.value(), [0x00, 0x80]);
        assert_eq!(caps.to_der().unwrap(), der);
    }

    #[test]
    fn rejects_garbage() {
        assert!(SmimeCapabilities::from_der(&[0x30, 0x03, 0x06, 0x01]).is_err());
        assert!(SmimeCapabilities::from_der(&[0x31, 0x00]).is_err());
        // A capability without its OID.
        assert!(SmimeCapabilities::from_der(&[0x30, 0x02, 0x30, 0x00]).is_err());
        assert_eq!(
            SmimeCapabilities::from_der(&[0x30, 0x00]).unwrap(),
            SmimeCapabilities::default()
        );
    }
}
