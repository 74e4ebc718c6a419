//! The key usage extension (RFC 5280 §4.2.1.3) as a small typed flag set, and what S/MIME
//! requires of it (RFC 8550 §4.4.2).

use core::fmt;
use core::ops::{BitAnd, BitOr};

use const_oid::ObjectIdentifier;

/// The bits of a key usage extension.
///
/// ```
/// use smime_x509::KeyUsage;
///
/// let usage = KeyUsage::DIGITAL_SIGNATURE | KeyUsage::NON_REPUDIATION;
/// assert!(usage.permits_signing());
/// assert!(!usage.contains(KeyUsage::KEY_ENCIPHERMENT));
/// assert_eq!(usage.to_string(), "digitalSignature, nonRepudiation");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeyUsage(u16);

/// Bit names in RFC 5280 order (bit 0 first).
const NAMES: [&str; 9] = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

impl KeyUsage {
    /// `digitalSignature` (bit 0).
    pub const DIGITAL_SIGNATURE: Self = Self(1 << 0);
    /// `nonRepudiation` (bit 1), called `contentCommitment` in X.509 (2008).
    pub const NON_REPUDIATION: Self = Self(1 << 1);
    /// `contentCommitment`: the X.509 (2008) name of [`Self::NON_REPUDIATION`].
    pub const CONTENT_COMMITMENT: Self = Self::NON_REPUDIATION;
    /// `keyEncipherment` (bit 2): RSA key transport.
    pub const KEY_ENCIPHERMENT: Self = Self(1 << 2);
    /// `dataEncipherment` (bit 3).
    pub const DATA_ENCIPHERMENT: Self = Self(1 << 3);
    /// `keyAgreement` (bit 4): (EC)DH key agreement.
    pub const KEY_AGREEMENT: Self = Self(1 << 4);
    /// `keyCertSign` (bit 5).
    pub const KEY_CERT_SIGN: Self = Self(1 << 5);
    /// `cRLSign` (bit 6).
    pub const CRL_SIGN: Self = Self(1 << 6);
    /// `encipherOnly` (bit 7, with keyAgreement).
    pub const ENCIPHER_ONLY: Self = Self(1 << 7);
    /// `decipherOnly` (bit 8, with keyAgreement).
    pub const DECIPHER_ONLY: Self = Self(1 << 8);

    /// No bit set.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// The set from its bits (bit *n* of RFC 5280 is `1 << n`); unknown bits are dropped.
    pub const fn from_bits(bits: u16) -> Self {
        Self(bits & 0x01ff)
    }

    /// The bits (bit *n* of RFC 5280 is `1 << n`).
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any bit of `other` is set.
    pub const fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the bits allow signing S/MIME messages: `digitalSignature` or
    /// `nonRepudiation` (RFC 8550 §4.4.2).
    pub const fn permits_signing(self) -> bool {
        self.intersects(Self(Self::DIGITAL_SIGNATURE.0 | Self::NON_REPUDIATION.0))
    }

    /// The names of the bits that are set, in RFC 5280 order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        NAMES
            .into_iter()
            .enumerate()
            .filter(move |(bit, _)| self.0 & (1 << bit) != 0)
            .map(|(_, name)| name)
    }
}

impl BitOr for KeyUsage {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitAnd for KeyUsage {
    type Output = Self;

    fn bitand(self, rhs: Self) -> Self {
        Self(self.0 & rhs.0)
    }
}

impl fmt::Display for KeyUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.names().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

impl fmt::Debug for KeyUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyUsage({self})")
    }
}

impl From<x509_cert::ext::pkix::KeyUsage> for KeyUsage {
    fn from(usage: x509_cert::ext::pkix::KeyUsage) -> Self {
        // x509-cert numbers its flags as RFC 5280 does: bit n is `1 << n`.
        Self::from_bits(usage.0.bits())
    }
}

/// How a subject public key algorithm is used to encrypt to its owner, which decides the key
/// usage bit that S/MIME encryption needs (RFC 8550 §4.4.2).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyManagement {
    /// Key transport: the content-encryption key is encrypted to the key (RSA); needs
    /// `keyEncipherment`.
    KeyTransport,
    /// Key agreement: a key-encryption key is derived from the key (ECDH, X25519, X448, DH);
    /// needs `keyAgreement`.
    KeyAgreement,
    /// The key cannot be used to encrypt to its owner (Ed25519, DSA, RSASSA-PSS-only keys, …).
    None,
}

impl KeyManagement {
    /// The way keys of this SubjectPublicKeyInfo algorithm are used for encryption.
    pub fn of_key_algorithm(algorithm: &ObjectIdentifier) -> Self {
        const RSA_ENCRYPTION: ObjectIdentifier =
            ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
        const RSAES_OAEP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.7");
        const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
        const EC_DH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.1.12");
        const X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
        const X448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.111");
        const DH_PUBLIC_NUMBER: ObjectIdentifier =
            ObjectIdentifier::new_unwrap("1.2.840.10046.2.1");
        if [RSA_ENCRYPTION, RSAES_OAEP].contains(algorithm) {
            Self::KeyTransport
        } else if [EC_PUBLIC_KEY, EC_DH, X25519, X448, DH_PUBLIC_NUMBER].contains(algorithm) {
            Self::KeyAgreement
        } else {
            Self::None
        }
    }

    /// The key usage bit this kind of key management needs, if any.
    pub const fn required_key_usage(self) -> Option<KeyUsage> {
        match self {
            Self::KeyTransport => Some(KeyUsage::KEY_ENCIPHERMENT),
            Self::KeyAgreement => Some(KeyUsage::KEY_AGREEMENT),
            Self::None => None,
        }
    }
}

/// Whether keys of this SubjectPublicKeyInfo algorithm can make signatures at all: every
/// algorithm except the key-agreement-only (X25519, X448, DH, id-ecDH) and the
/// encryption-only (RSAES-OAEP) ones.
pub(crate) fn key_algorithm_signs(algorithm: &ObjectIdentifier) -> bool {
    const NON_SIGNING: [ObjectIdentifier; 5] = [
        ObjectIdentifier::new_unwrap("1.3.101.110"), // X25519
        ObjectIdentifier::new_unwrap("1.3.101.111"), // X448
        ObjectIdentifier::new_unwrap("1.2.840.10046.2.1"), // dhpublicnumber
        ObjectIdentifier::new_unwrap("1.3.132.1.12"), // id-ecDH
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.7"), // id-RSAES-OAEP
    ];
    !NON_SIGNING.contains(algorithm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;

    #[test]
    fn converts_every_bit_from_x509_cert() {
        // KeyUsage BIT STRING with all nine bits: 03 03 07 ff 80.
        let x = x509_cert::ext::pkix::KeyUsage::from_der(&[0x03, 0x03, 0x07, 0xff, 0x80]).unwrap();
        let usage = KeyUsage::from(x);
        assert_eq!(usage.bits(), 0x01ff);
        assert_eq!(usage.names().count(), 9);
        // keyEncipherment only: 03 02 05 20.
        let x = x509_cert::ext::pkix::KeyUsage::from_der(&[0x03, 0x02, 0x05, 0x20]).unwrap();
        let usage = KeyUsage::from(x);
        assert_eq!(usage, KeyUsage::KEY_ENCIPHERMENT);
        assert!(!usage.permits_signing());
        assert_eq!(format!("{usage:?}"), "KeyUsage(keyEncipherment)");
    }

    #[test]
    fn key_management_by_algorithm() {
        let rsa = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
        let ec = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
        let ed25519 = ObjectIdentifier::new_unwrap("1.3.101.112");
        let x25519 = ObjectIdentifier::new_unwrap("1.3.101.110");
        assert_eq!(
            KeyManagement::of_key_algorithm(&rsa),
            KeyManagement::KeyTransport
        );
        assert_eq!(
            KeyManagement::of_key_algorithm(&ec),
            KeyManagement::KeyAgreement
        );
        assert_eq!(
            KeyManagement::of_key_algorithm(&x25519),
            KeyManagement::KeyAgreement
        );
        assert_eq!(
            KeyManagement::of_key_algorithm(&ed25519),
            KeyManagement::None
        );
        assert_eq!(
            KeyManagement::KeyAgreement.required_key_usage(),
            Some(KeyUsage::KEY_AGREEMENT)
        );
    }
}
