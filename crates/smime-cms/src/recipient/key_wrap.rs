//! Key-wrap algorithms of KeyAgreeRecipientInfo and KEKRecipientInfo: AES key wrap (RFC 3394;
//! identifiers RFC 3565 §2.3.2) through the provider, and, to read old mail, the CMS Triple-DES
//! key wrap (RFC 3217 §3; id-alg-CMS3DESwrap, RFC 3370 §4.3.1), which OpenSSL 1.x used with
//! 3DES content.
//!
//! The provider offers CBC with PKCS #7 padding only; the unpadded CBC that RFC 3217 and
//! RFC 3211 need is made from it ([`raw_cbc_encrypt`], [`raw_cbc_decrypt`]): encrypting
//! block-aligned data adds exactly one padding block, which is dropped; decrypting appends the
//! one block that decrypts to a full padding block (`E(last ⊕ pad)`, computed by encrypting
//! nothing with the last block as IV).

use core::fmt;

use const_oid::ObjectIdentifier;
use der::Tagged;
use smime_crypto::{CbcCipher, CryptoProvider, DigestAlgorithm};
use spki::AlgorithmIdentifierOwned;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{invalid, unsupported};
use crate::ber;
use crate::error::Error;

/// A key-wrap algorithm.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyWrap {
    /// id-aes128-wrap (RFC 3394).
    Aes128,
    /// id-aes192-wrap (RFC 3394).
    Aes192,
    /// id-aes256-wrap (RFC 3394).
    Aes256,
    /// id-alg-CMS3DESwrap (RFC 3217): read only, for mail from OpenSSL 1.x and its peers.
    DesEde3,
}

/// id-aes128-wrap (RFC 3565 §2.3.2).
pub const ID_AES128_WRAP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.5");
/// id-aes192-wrap (RFC 3565 §2.3.2).
pub const ID_AES192_WRAP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.25");
/// id-aes256-wrap (RFC 3565 §2.3.2).
pub const ID_AES256_WRAP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.45");
/// id-alg-CMS3DESwrap (RFC 3370 §4.3.1).
pub const ID_ALG_CMS3DES_WRAP: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.3.6");
/// id-aes128-wrap-pad (RFC 5649): read as "unsupported".
const ID_AES128_WRAP_PAD: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.8");
/// id-aes192-wrap-pad (RFC 5649): read as "unsupported".
const ID_AES192_WRAP_PAD: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.28");
/// id-aes256-wrap-pad (RFC 5649): read as "unsupported".
const ID_AES256_WRAP_PAD: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.48");

/// The fixed IV of the second CBC pass of the Triple-DES key wrap (RFC 3217 §3.1 step 8).
const CMS3DES_WRAP_IV: [u8; 8] = [0x4a, 0xdd, 0xa2, 0x2c, 0x79, 0xe8, 0x21, 0x05];
/// The length of a Triple-DES-wrapped 3DES key: IV (8) ‖ key (24) ‖ ICV (8).
const CMS3DES_WRAPPED_LEN: usize = 40;

impl KeyWrap {
    /// The key-encryption key length in bytes.
    pub const fn kek_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes192 | Self::DesEde3 => 24,
            Self::Aes256 => 32,
        }
    }

    /// The algorithm's object identifier.
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Aes128 => ID_AES128_WRAP,
            Self::Aes192 => ID_AES192_WRAP,
            Self::Aes256 => ID_AES256_WRAP,
            Self::DesEde3 => ID_ALG_CMS3DES_WRAP,
        }
    }

    /// The AES key wrap with a key-encryption key of `len` bytes (what we write).
    pub const fn for_kek_len(len: usize) -> Option<Self> {
        match len {
            16 => Some(Self::Aes128),
            24 => Some(Self::Aes192),
            32 => Some(Self::Aes256),
            _ => None,
        }
    }

    /// The `AlgorithmIdentifier`: parameters absent for the AES wraps (RFC 3565 §2.3.2),
    /// NULL for the Triple-DES wrap (RFC 3370 §4.3.1). This is also the keyInfo of the
    /// ECC-CMS-SharedInfo (RFC 5753 §7.2).
    pub fn to_algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: matches!(self, Self::DesEde3).then(der::Any::null),
        }
    }

    /// The DER of [`to_algorithm_identifier`](Self::to_algorithm_identifier), written
    /// directly: `SEQUENCE { oid }` for the AES wraps, `SEQUENCE { oid, NULL }` for 3DES.
    pub(crate) fn identifier_der(self) -> Vec<u8> {
        let oid = ber::encode(ber::OBJECT_IDENTIFIER, self.oid().as_bytes());
        let null: &[u8] = match self {
            Self::DesEde3 => &[0x05, 0x00],
            _ => &[],
        };
        ber::encode_parts(ber::SEQUENCE, &[&oid, null])
    }

    /// Reads a key-wrap `AlgorithmIdentifier` of RecipientInfo `recipient`. Parameters must
    /// be absent or NULL (AES: absent, but some encoders write NULL; 3DES: NULL).
    pub(crate) fn read(
        recipient: usize,
        identifier: &AlgorithmIdentifierOwned,
    ) -> Result<Self, Error> {
        let wrap = match identifier.oid {
            ID_AES128_WRAP => Self::Aes128,
            ID_AES192_WRAP => Self::Aes192,
            ID_AES256_WRAP => Self::Aes256,
            ID_ALG_CMS3DES_WRAP => Self::DesEde3,
            ID_AES128_WRAP_PAD | ID_AES192_WRAP_PAD | ID_AES256_WRAP_PAD => {
                return Err(unsupported(
                    recipient,
                    "key wrap",
                    "AES key wrap with padding (RFC 5649)",
                ));
            }
            other => return Err(unsupported(recipient, "key wrap", other.to_string())),
        };
        match &identifier.parameters {
            None => Ok(wrap),
            Some(params) if params.is_null() => Ok(wrap),
            Some(params) => Err(invalid(
                recipient,
                format!("{wrap}: unexpected parameters ({})", params.tag()),
            )),
        }
    }

    fn check_kek(self, recipient: usize, kek: &[u8]) -> Result<(), Error> {
        if kek.len() == self.kek_len() {
            Ok(())
        } else {
            Err(invalid(
                recipient,
                format!("a {}-byte key-encryption key for {self}", kek.len()),
            ))
        }
    }

    /// Wraps `key` with `kek` (RFC 3394). The Triple-DES wrap is never written.
    pub(crate) fn wrap(
        self,
        recipient: usize,
        kek: &[u8],
        key: &[u8],
        provider: &dyn CryptoProvider,
    ) -> Result<Vec<u8>, Error> {
        self.check_kek(recipient, kek)?;
        if self == Self::DesEde3 {
            return Err(unsupported(
                recipient,
                "key wrap",
                "id-alg-CMS3DESwrap (read only)",
            ));
        }
        provider
            .key_wrap(kek, key)
            .map_err(|source| Error::RecipientCrypto { recipient, source })
    }

    /// Unwraps a content-encryption key of `key_len` bytes. A failed integrity check is
    /// [`Error::KeyUnwrapFailed`]; short or misaligned input (RUSTSEC-2025-0136) and a key
    /// of the wrong length are [`Error::InvalidKeyManagement`].
    pub(crate) fn unwrap(
        self,
        recipient: usize,
        kek: &[u8],
        wrapped: &[u8],
        key_len: usize,
        provider: &dyn CryptoProvider,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.check_kek(recipient, kek)?;
        let key = if self == Self::DesEde3 {
            cms3des_unwrap(recipient, kek, wrapped, provider)?
        } else {
            provider
                .key_unwrap(kek, wrapped)
                .map_err(|error| match error {
                    smime_crypto::Error::IntegrityCheckFailed => {
                        Error::KeyUnwrapFailed { recipient }
                    }
                    smime_crypto::Error::InvalidLength { what, len } => invalid(
                        recipient,
                        format!(
                            "{what} of {len} bytes (AES key wrap needs at least 24, a multiple of 8)"
                        ),
                    ),
                    source => Error::RecipientCrypto { recipient, source },
                })?
        };
        if key.len() != key_len {
            return Err(invalid(
                recipient,
                format!(
                    "the unwrapped content-encryption key has {} bytes, the content cipher needs {key_len}",
                    key.len()
                ),
            ));
        }
        Ok(key)
    }
}

impl fmt::Display for KeyWrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Aes128 => f.write_str("AES-128 key wrap"),
            Self::Aes192 => f.write_str("AES-192 key wrap"),
            Self::Aes256 => f.write_str("AES-256 key wrap"),
            Self::DesEde3 => f.write_str("Triple-DES key wrap"),
        }
    }
}

/// RFC 3217 §3.2: the Triple-DES key unwrap of a 3DES key.
fn cms3des_unwrap(
    recipient: usize,
    kek: &[u8],
    wrapped: &[u8],
    provider: &dyn CryptoProvider,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let crypto = |source| Error::RecipientCrypto { recipient, source };
    // Step 1: exactly 40 octets.
    if wrapped.len() != CMS3DES_WRAPPED_LEN {
        return Err(invalid(
            recipient,
            format!(
                "a Triple-DES-wrapped key of {} bytes (RFC 3217 needs {CMS3DES_WRAPPED_LEN})",
                wrapped.len()
            ),
        ));
    }
    // Steps 2–3: decrypt with the fixed IV, reverse the octets.
    let mut temp = raw_cbc_decrypt(provider, CbcCipher::DesEde3, kek, &CMS3DES_WRAP_IV, wrapped)
        .map_err(crypto)?;
    temp.reverse();
    // Steps 4–5: the first 8 octets are the IV of the inner layer.
    let (iv, inner) = temp.split_at(8);
    let key_and_icv =
        raw_cbc_decrypt(provider, CbcCipher::DesEde3, kek, iv, inner).map_err(crypto)?;
    // Steps 6–7: the ICV is the first 8 octets of the SHA-1 of the key.
    let (key, icv) = key_and_icv.split_at(24);
    let digest = Zeroizing::new(
        provider
            .digest(DigestAlgorithm::Sha1, key)
            .map_err(crypto)?,
    );
    let expected = digest.get(..8).unwrap_or_default();
    if !bool::from(expected.ct_eq(icv)) {
        return Err(Error::KeyUnwrapFailed { recipient });
    }
    Ok(Zeroizing::new(key.to_vec()))
}

/// CBC without padding over block-aligned `data`, through the provider's PKCS #7 CBC.
pub(crate) fn raw_cbc_encrypt(
    provider: &dyn CryptoProvider,
    cipher: CbcCipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, smime_crypto::Error> {
    if !data.len().is_multiple_of(cipher.block_len()) {
        return Err(smime_crypto::Error::InvalidLength {
            what: "unpadded CBC plaintext",
            len: data.len(),
        });
    }
    let mut out = provider.cbc_encrypt(cipher, key, iv, data)?;
    // Block-aligned input gains exactly one padding block.
    out.truncate(data.len());
    Ok(out)
}

/// CBC decryption without padding of block-aligned, non-empty `data`.
pub(crate) fn raw_cbc_decrypt(
    provider: &dyn CryptoProvider,
    cipher: CbcCipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, smime_crypto::Error> {
    let block = cipher.block_len();
    let last = data
        .len()
        .checked_sub(block)
        .filter(|_| data.len().is_multiple_of(block))
        .and_then(|start| data.get(start..))
        .ok_or(smime_crypto::Error::InvalidLength {
            what: "unpadded CBC ciphertext",
            len: data.len(),
        })?;
    // E(last ⊕ pad): the block that decrypts to a full padding block after `last`.
    let padding_block = provider.cbc_encrypt(cipher, key, last, &[])?;
    let mut extended = Vec::with_capacity(data.len().saturating_add(block));
    extended.extend_from_slice(data);
    extended.extend_from_slice(&padding_block);
    provider.cbc_decrypt(cipher, key, iv, &extended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_cbc_matches_padded_cbc() {
        for provider in smime_crypto::all_providers() {
            for cipher in [CbcCipher::Aes128, CbcCipher::DesEde3] {
                let key = vec![1u8; cipher.key_len()];
                let iv = vec![2u8; cipher.block_len()];
                let data = vec![3u8; 3 * cipher.block_len()];
                let raw = raw_cbc_encrypt(provider, cipher, &key, &iv, &data).unwrap();
                let padded = provider.cbc_encrypt(cipher, &key, &iv, &data).unwrap();
                assert_eq!(raw, padded[..data.len()]);
                let back = raw_cbc_decrypt(provider, cipher, &key, &iv, &raw).unwrap();
                assert_eq!(*back, data);
                assert!(raw_cbc_decrypt(provider, cipher, &key, &iv, &raw[1..]).is_err());
                assert!(raw_cbc_decrypt(provider, cipher, &key, &iv, &[]).is_err());
            }
        }
    }

    /// RFC 3217 §3.1 run by hand (the wrap is not offered for writing), then unwrapped.
    fn cms3des_wrap(provider: &dyn CryptoProvider, kek: &[u8], key: &[u8], iv: &[u8]) -> Vec<u8> {
        let digest = provider.digest(DigestAlgorithm::Sha1, key).unwrap();
        let mut key_icv = key.to_vec();
        key_icv.extend_from_slice(&digest[..8]);
        let temp1 = raw_cbc_encrypt(provider, CbcCipher::DesEde3, kek, iv, &key_icv).unwrap();
        let mut temp2 = iv.to_vec();
        temp2.extend_from_slice(&temp1);
        temp2.reverse();
        raw_cbc_encrypt(provider, CbcCipher::DesEde3, kek, &CMS3DES_WRAP_IV, &temp2).unwrap()
    }

    #[test]
    fn triple_des_key_wrap() {
        for provider in smime_crypto::all_providers() {
            let kek: Vec<u8> = (0..24).map(|i| 0x10 + i as u8).collect();
            let key: Vec<u8> = (0..24).map(|i| 0x80 + 3 * i as u8).collect();
            let wrapped = cms3des_wrap(provider, &kek, &key, &[9; 8]);
            assert_eq!(wrapped.len(), 40);
            let back = KeyWrap::DesEde3
                .unwrap(0, &kek, &wrapped, 24, provider)
                .unwrap();
            assert_eq!(*back, key);
            let mut changed = wrapped.clone();
            changed[20] ^= 0x40;
            assert_eq!(
                KeyWrap::DesEde3.unwrap(3, &kek, &changed, 24, provider),
                Err(Error::KeyUnwrapFailed { recipient: 3 })
            );
            assert!(matches!(
                KeyWrap::DesEde3.unwrap(0, &kek, &wrapped[..32], 24, provider),
                Err(Error::InvalidKeyManagement { .. })
            ));
            assert!(matches!(
                KeyWrap::DesEde3.wrap(0, &kek, &key, provider),
                Err(Error::UnsupportedKeyManagement { .. })
            ));
        }
    }

    #[test]
    fn aes_unwrap_rejects_short_and_misaligned_input() {
        for provider in smime_crypto::all_providers() {
            let kek = [7u8; 16];
            for len in [0usize, 8, 16, 23, 25, 31] {
                assert!(
                    matches!(
                        KeyWrap::Aes128.unwrap(1, &kek, &vec![0; len], 16, provider),
                        Err(Error::InvalidKeyManagement { recipient: 1, .. })
                    ),
                    "{len} bytes on {}",
                    provider.name()
                );
            }
            // 24 aligned bytes that were never wrapped: the integrity check fails.
            assert_eq!(
                KeyWrap::Aes128.unwrap(1, &kek, &[0; 24], 16, provider),
                Err(Error::KeyUnwrapFailed { recipient: 1 })
            );
            // A KEK of the wrong length for the algorithm.
            assert!(matches!(
                KeyWrap::Aes256.unwrap(1, &kek, &[0; 24], 16, provider),
                Err(Error::InvalidKeyManagement { .. })
            ));
        }
    }

    #[test]
    fn identifiers() {
        for wrap in [
            KeyWrap::Aes128,
            KeyWrap::Aes192,
            KeyWrap::Aes256,
            KeyWrap::DesEde3,
        ] {
            assert_eq!(
                wrap.identifier_der(),
                der::Encode::to_der(&wrap.to_algorithm_identifier()).unwrap(),
                "{wrap}"
            );
        }
        assert_eq!(
            hex::encode(KeyWrap::Aes256.identifier_der()),
            "300b060960864801650304012d"
        );
        assert_eq!(KeyWrap::Aes128.to_algorithm_identifier().parameters, None);
        assert!(
            KeyWrap::DesEde3
                .to_algorithm_identifier()
                .parameters
                .unwrap()
                .is_null()
        );
        for wrap in [
            KeyWrap::Aes128,
            KeyWrap::Aes192,
            KeyWrap::Aes256,
            KeyWrap::DesEde3,
        ] {
            assert_eq!(
                KeyWrap::read(0, &wrap.to_algorithm_identifier()).unwrap(),
                wrap
            );
        }
        let pad = AlgorithmIdentifierOwned {
            oid: ID_AES256_WRAP_PAD,
            parameters: None,
        };
        assert!(matches!(
            KeyWrap::read(0, &pad),
            Err(Error::UnsupportedKeyManagement { .. })
        ));
        let with_params = AlgorithmIdentifierOwned {
            oid: ID_AES128_WRAP,
            parameters: Some(der::Any::encode_from(&ID_AES128_WRAP).unwrap()),
        };
        assert!(matches!(
            KeyWrap::read(0, &with_params),
            Err(Error::InvalidKeyManagement { .. })
        ));
    }
}
