//! Algorithms named by what they do, independent of any backend.
//!
//! The CMS, X.509 and PKCS#12 layers translate `AlgorithmIdentifier`s into these types once
//! and then ask a [`CryptoProvider`](crate::CryptoProvider) to do the work.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912;

/// A message digest (hash) algorithm.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// SHA-1: accepted when verifying old mail, never used to sign.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// The algorithm's object identifier (RFC 5754 / RFC 3370).
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => rfc5912::ID_SHA_1,
            Self::Sha256 => rfc5912::ID_SHA_256,
            Self::Sha384 => rfc5912::ID_SHA_384,
            Self::Sha512 => rfc5912::ID_SHA_512,
        }
    }

    /// The digest algorithm with this object identifier, if we support it.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find(|alg| alg.oid() == *oid)
    }

    /// Length of the digest in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// A short lower-case name (`"sha256"`), as used in `micalg` and on command lines.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }
}

/// A signature scheme: the key's algorithm, its padding and the digest it signs.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2).
    RsaPkcs1v15 {
        /// The digest that is signed.
        digest: DigestAlgorithm,
    },
    /// RSASSA-PSS (RFC 8017 §8.1, RFC 4055) with MGF1 over the same digest and trailer field 1.
    RsaPss {
        /// The message digest, also used by MGF1.
        digest: DigestAlgorithm,
        /// Salt length in bytes (RFC 4055 recommends the digest length).
        salt_len: usize,
    },
    /// ECDSA (FIPS 186-4) with a DER `Ecdsa-Sig-Value` signature (RFC 5753/5758).
    Ecdsa {
        /// The digest that is signed.
        digest: DigestAlgorithm,
    },
}

impl SignatureScheme {
    /// The digest this scheme signs.
    pub const fn digest(self) -> DigestAlgorithm {
        match self {
            Self::RsaPkcs1v15 { digest } | Self::RsaPss { digest, .. } | Self::Ecdsa { digest } => {
                digest
            }
        }
    }

    /// RSA-PSS with the RFC 4055 recommended salt length (the digest's length).
    pub const fn rsa_pss(digest: DigestAlgorithm) -> Self {
        Self::RsaPss {
            digest,
            salt_len: digest.output_len(),
        }
    }

    /// The scheme's name with its digest, for reports and errors (`"RSASSA-PSS with sha256"`).
    pub const fn operation_name(self) -> &'static str {
        use DigestAlgorithm::{Sha1, Sha256, Sha384, Sha512};
        match self {
            Self::RsaPkcs1v15 { digest: Sha1 } => "RSASSA-PKCS1-v1_5 with sha1",
            Self::RsaPkcs1v15 { digest: Sha256 } => "RSASSA-PKCS1-v1_5 with sha256",
            Self::RsaPkcs1v15 { digest: Sha384 } => "RSASSA-PKCS1-v1_5 with sha384",
            Self::RsaPkcs1v15 { digest: Sha512 } => "RSASSA-PKCS1-v1_5 with sha512",
            Self::RsaPss { digest: Sha1, .. } => "RSASSA-PSS with sha1",
            Self::RsaPss { digest: Sha256, .. } => "RSASSA-PSS with sha256",
            Self::RsaPss { digest: Sha384, .. } => "RSASSA-PSS with sha384",
            Self::RsaPss { digest: Sha512, .. } => "RSASSA-PSS with sha512",
            Self::Ecdsa { digest: Sha1 } => "ECDSA with sha1",
            Self::Ecdsa { digest: Sha256 } => "ECDSA with sha256",
            Self::Ecdsa { digest: Sha384 } => "ECDSA with sha384",
            Self::Ecdsa { digest: Sha512 } => "ECDSA with sha512",
        }
    }

    /// Checks that `digest` has the length of this scheme's digest algorithm; providers call
    /// this before signing or verifying.
    ///
    /// ```
    /// use smime_crypto::{DigestAlgorithm, SignatureScheme};
    /// let scheme = SignatureScheme::Ecdsa { digest: DigestAlgorithm::Sha256 };
    /// assert!(scheme.check_digest_len(&[0; 32]).is_ok());
    /// assert!(scheme.check_digest_len(&[0; 20]).is_err());
    /// ```
    pub fn check_digest_len(self, digest: &[u8]) -> Result<(), crate::Error> {
        if digest.len() == self.digest().output_len() {
            Ok(())
        } else {
            Err(crate::Error::InvalidLength {
                what: "digest",
                len: digest.len(),
            })
        }
    }

    /// Whether this scheme needs an RSA key (as opposed to an EC key).
    pub const fn is_rsa(self) -> bool {
        matches!(self, Self::RsaPkcs1v15 { .. } | Self::RsaPss { .. })
    }
}

/// Padding for RSA key transport (RFC 8017 §7).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RsaEncryptionPadding {
    /// RSAES-PKCS1-v1_5. Decryption uses implicit rejection: it never tells why it failed.
    Pkcs1v15,
    /// RSAES-OAEP (RFC 8017 §7.1, RFC 4055 §4) with an empty label.
    Oaep {
        /// The hash applied to the label.
        digest: DigestAlgorithm,
        /// The hash used by MGF1.
        mgf_digest: DigestAlgorithm,
    },
}

/// A named elliptic curve.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EcCurve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
}

impl EcCurve {
    /// The curve's object identifier (RFC 5480).
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            Self::P256 => rfc5912::SECP_256_R_1,
            Self::P384 => rfc5912::SECP_384_R_1,
        }
    }

    /// The curve with this object identifier, if we support it.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [Self::P256, Self::P384]
            .into_iter()
            .find(|curve| curve.oid() == *oid)
    }

    /// Size of a field element (and of an ECDH shared secret) in bytes.
    pub const fn field_len(self) -> usize {
        match self {
            Self::P256 => 32,
            Self::P384 => 48,
        }
    }
}

/// A block cipher in CBC mode with PKCS#7 padding (RFC 5652 §6.3), for EnvelopedData.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CbcCipher {
    /// AES-128-CBC.
    Aes128,
    /// AES-192-CBC.
    Aes192,
    /// AES-256-CBC.
    Aes256,
    /// Triple DES (DES-EDE3-CBC): decryption of old mail only.
    DesEde3,
}

impl CbcCipher {
    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes192 | Self::DesEde3 => 24,
            Self::Aes256 => 32,
        }
    }

    /// Block (and IV) length in bytes.
    pub const fn block_len(self) -> usize {
        match self {
            Self::Aes128 | Self::Aes192 | Self::Aes256 => 16,
            Self::DesEde3 => 8,
        }
    }
}

/// An AEAD cipher for AuthEnvelopedData (RFC 5083/5084).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AeadCipher {
    /// AES-128-GCM.
    Aes128Gcm,
    /// AES-192-GCM.
    Aes192Gcm,
    /// AES-256-GCM.
    Aes256Gcm,
}

impl AeadCipher {
    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes192Gcm => 24,
            Self::Aes256Gcm => 32,
        }
    }
}

/// The kind and size of a public or private key.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// An RSA key.
    Rsa {
        /// Modulus length in bits.
        modulus_bits: usize,
    },
    /// An elliptic-curve key.
    Ec {
        /// The named curve.
        curve: EcCurve,
    },
}

impl core::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Rsa { modulus_bits } => write!(f, "RSA-{modulus_bits}"),
            Self::Ec {
                curve: EcCurve::P256,
            } => f.write_str("EC P-256"),
            Self::Ec {
                curve: EcCurve::P384,
            } => f.write_str("EC P-384"),
        }
    }
}
