//! Passwords: `PasswordRecipientInfo` (RFC 5652 §6.2.4, RFC 3211) with PBKDF2 (RFC 8018
//! §5.2) and the id-alg-PWRI-KEK key wrap (RFC 3211 §2.3).
//!
//! ```text
//! PasswordRecipientInfo ::= SEQUENCE {
//!   version CMSVersion,   -- always set to 0
//!   keyDerivationAlgorithm [0] KeyDerivationAlgorithmIdentifier OPTIONAL,
//!   keyEncryptionAlgorithm KeyEncryptionAlgorithmIdentifier,
//!   encryptedKey EncryptedKey }
//!
//! PBKDF2-params ::= SEQUENCE {
//!   salt CHOICE { specified OCTET STRING, otherSource AlgorithmIdentifier },
//!   iterationCount INTEGER (1..MAX),
//!   keyLength INTEGER (1..MAX) OPTIONAL,
//!   prf AlgorithmIdentifier DEFAULT algid-hmacWithSHA1 }
//! ```
//!
//! id-alg-PWRI-KEK's parameter names the block cipher (in CBC mode, with its IV) that wraps
//! the content key twice: the key is formatted as `length ‖ check ‖ key ‖ padding` (the
//! check is the complement of the key's first three octets), padded to at least two blocks,
//! CBC-encrypted, then CBC-encrypted again with the last ciphertext block as IV. Unwrapping
//! checks the length and the check octets (a wrong password fails there, with probability
//! 1 − 2⁻²⁴).
//!
//! The unpadded CBC of RFC 3211 is made from the provider's PKCS #7 CBC (see
//! the `key_wrap` module).

use cms::content_info::CmsVersion;
use cms::enveloped_data::{PasswordRecipientInfo, RecipientInfo};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Any, Decode, Encode, Sequence, Tagged};
use smime_crypto::{CbcCipher, CryptoProvider, DigestAlgorithm};
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef};
use zeroize::Zeroizing;

use super::key_wrap::{raw_cbc_decrypt, raw_cbc_encrypt};
use super::{IterationBudget, KeyCandidate, KeyManagement, algorithm_error, invalid, unsupported};
use crate::budget::MAX_PBKDF2_ITERATIONS;
use crate::content_encryption::ContentEncryption;
use crate::error::Error;
use crate::kdf;

/// The PBKDF2 iteration count we write: 600,000, OWASP's recommendation for
/// PBKDF2-HMAC-SHA-256 (Password Storage Cheat Sheet, 2023). OpenSSL writes 2,048.
pub const DEFAULT_PBKDF2_ITERATIONS: u32 = 600_000;

/// The salt length we write (RFC 8018 §4.1: at least 8 octets; NIST SP 800-132: 16).
const SALT_LEN: usize = 16;

/// id-PBKDF2 (RFC 8018 Appendix A.2).
const ID_PBKDF2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
/// id-alg-PWRI-KEK (RFC 3211 §2.3).
pub const ID_ALG_PWRI_KEK: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.3.9");

/// PBKDF2 pseudorandom functions (RFC 8018 Appendix B.1.1–B.1.2).
const PRFS: [(ObjectIdentifier, DigestAlgorithm); 4] = [
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.2.7"),
        DigestAlgorithm::Sha1,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.2.9"),
        DigestAlgorithm::Sha256,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.2.10"),
        DigestAlgorithm::Sha384,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.2.11"),
        DigestAlgorithm::Sha512,
    ),
];

/// `PBKDF2-params` with the salt given explicitly (`specified`); `otherSource` is not
/// supported.
#[derive(Clone, Debug, Sequence)]
struct Pbkdf2Params {
    salt: OctetString,
    iteration_count: u32,
    #[asn1(optional = "true")]
    key_length: Option<u32>,
    #[asn1(optional = "true")]
    prf: Option<AlgorithmIdentifierOwned>,
}

/// The PBKDF2 parameters of a PasswordRecipientInfo, checked.
struct Derivation {
    salt: Vec<u8>,
    iterations: u32,
    key_length: Option<usize>,
    prf: DigestAlgorithm,
}

fn read_derivation(index: usize, pwri: &PasswordRecipientInfo) -> Result<Derivation, Error> {
    let algorithm = pwri.key_derivation_alg.as_ref().ok_or_else(|| {
        unsupported(
            index,
            "password-based key derivation",
            "a PasswordRecipientInfo without keyDerivationAlgorithm (key derived out of band)",
        )
    })?;
    if algorithm.oid != ID_PBKDF2 {
        return Err(unsupported(
            index,
            "password-based key derivation",
            algorithm.oid.to_string(),
        ));
    }
    let parameters = algorithm
        .parameters
        .as_ref()
        .ok_or_else(|| invalid(index, "PBKDF2 without parameters"))?;
    let der = parameters
        .to_der()
        .map_err(|e| invalid(index, format!("PBKDF2 parameters: {e}")))?;
    let params = Pbkdf2Params::from_der(&der).map_err(|e| {
        invalid(
            index,
            format!("PBKDF2 parameters (a specified salt is required): {e}"),
        )
    })?;
    let prf = match &params.prf {
        None => DigestAlgorithm::Sha1,
        Some(prf) => {
            let digest = PRFS
                .iter()
                .find(|(oid, _)| *oid == prf.oid)
                .map(|(_, digest)| *digest)
                .ok_or_else(|| {
                    unsupported(index, "PBKDF2 pseudorandom function", prf.oid.to_string())
                })?;
            match &prf.parameters {
                None => {}
                Some(p) if p.is_null() => {}
                Some(p) => {
                    return Err(invalid(
                        index,
                        format!("PBKDF2 pseudorandom function parameters: {}", p.tag()),
                    ));
                }
            }
            digest
        }
    };
    if params.iteration_count == 0 || params.iteration_count > MAX_PBKDF2_ITERATIONS {
        return Err(invalid(
            index,
            format!(
                "{} PBKDF2 iterations (1 to {MAX_PBKDF2_ITERATIONS} are accepted)",
                params.iteration_count
            ),
        ));
    }
    Ok(Derivation {
        salt: params.salt.as_bytes().to_vec(),
        iterations: params.iteration_count,
        key_length: params
            .key_length
            .map(|len| usize::try_from(len).unwrap_or(usize::MAX)),
        prf,
    })
}

/// The key-encryption cipher named by id-alg-PWRI-KEK's parameter, with its IV.
fn read_key_encryption(
    index: usize,
    pwri: &PasswordRecipientInfo,
) -> Result<(CbcCipher, Vec<u8>), Error> {
    let algorithm = &pwri.key_enc_alg;
    if algorithm.oid != ID_ALG_PWRI_KEK {
        return Err(unsupported(
            index,
            "password key encryption",
            algorithm.oid.to_string(),
        ));
    }
    let parameters = algorithm
        .parameters
        .as_ref()
        .ok_or_else(|| invalid(index, "id-alg-PWRI-KEK without its cipher parameter"))?;
    let inner: AlgorithmIdentifierOwned = parameters
        .decode_as()
        .map_err(|e| invalid(index, format!("id-alg-PWRI-KEK parameter: {e}")))?;
    CbcCipher::from_algorithm_identifier(&AlgorithmIdentifierRef::from(&inner))
        .map_err(|error| algorithm_error(index, "password key encryption", error))
}

/// RFC 3211 §2.3.1: wraps `key` with `kek`.
fn wrap(
    provider: &dyn CryptoProvider,
    cipher: CbcCipher,
    kek: &[u8],
    iv: &[u8],
    key: &[u8],
) -> Result<Vec<u8>, smime_crypto::Error> {
    let block = cipher.block_len();
    let (len, check) = match (u8::try_from(key.len()), key.get(..3)) {
        (Ok(len), Some(check)) => (len, check),
        _ => {
            return Err(smime_crypto::Error::InvalidLength {
                what: "content-encryption key",
                len: key.len(),
            });
        }
    };
    let wrapped_len = key
        .len()
        .saturating_add(4)
        .div_ceil(block)
        .saturating_mul(block)
        .max(block.saturating_mul(2));
    let mut formatted = Zeroizing::new(Vec::with_capacity(wrapped_len));
    formatted.push(len);
    formatted.extend(check.iter().map(|octet| !octet));
    formatted.extend_from_slice(key);
    let mut padding = vec![0u8; wrapped_len.saturating_sub(formatted.len())];
    provider.fill_random(&mut padding)?;
    formatted.extend_from_slice(&padding);
    let first = raw_cbc_encrypt(provider, cipher, kek, iv, &formatted)?;
    let chained_iv = first
        .len()
        .checked_sub(block)
        .and_then(|start| first.get(start..))
        .unwrap_or_default()
        .to_vec();
    raw_cbc_encrypt(provider, cipher, kek, &chained_iv, &first)
}

/// RFC 3211 §2.3.2: unwraps a content key of `key_len` bytes, or `None` when the length or
/// check octets are wrong (a wrong password, or a changed message).
fn unwrap(
    index: usize,
    provider: &dyn CryptoProvider,
    cipher: CbcCipher,
    kek: &[u8],
    iv: &[u8],
    wrapped: &[u8],
    key_len: usize,
) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
    let block = cipher.block_len();
    let crypto = |source| Error::RecipientCrypto {
        recipient: index,
        source,
    };
    if wrapped.len() < block.saturating_mul(2) || !wrapped.len().is_multiple_of(block) {
        return Err(invalid(
            index,
            format!(
                "an id-alg-PWRI-KEK encrypted key of {} bytes (at least two {block}-byte blocks, block-aligned)",
                wrapped.len()
            ),
        ));
    }
    let n = wrapped.len();
    let last_start = n.saturating_sub(block);
    let (head, last) = wrapped.split_at(last_start);
    let before_last = head
        .get(head.len().saturating_sub(block)..)
        .unwrap_or_default();
    // 1. The last block, with the one before it as IV.
    let last_inner = raw_cbc_decrypt(provider, cipher, kek, before_last, last).map_err(crypto)?;
    // 2. The other blocks, with the decrypted last block as IV: the first layer is off.
    let head_inner = raw_cbc_decrypt(provider, cipher, kek, &last_inner, head).map_err(crypto)?;
    let mut inner = Zeroizing::new(Vec::with_capacity(n));
    inner.extend_from_slice(&head_inner);
    inner.extend_from_slice(&last_inner);
    // 3. The inner layer, with the IV.
    let formatted = raw_cbc_decrypt(provider, cipher, kek, iv, &inner).map_err(crypto)?;
    let (Some(&len), Some(check), Some(key_start)) =
        (formatted.first(), formatted.get(1..4), formatted.get(4..7))
    else {
        return Ok(None);
    };
    let check_ok = check
        .iter()
        .zip(key_start)
        .fold(0xffu8, |acc, (c, k)| acc & (c ^ k))
        == 0xff;
    let len = usize::from(len);
    if !check_ok || len != key_len || len > n.saturating_sub(4) {
        return Ok(None);
    }
    Ok(formatted
        .get(4..4usize.saturating_add(len))
        .map(|key| Zeroizing::new(key.to_vec())))
}

/// The PBKDF2 iteration count a PasswordRecipientInfo asks for, if it can be read.
pub(crate) fn iterations(pwri: &PasswordRecipientInfo) -> Option<u32> {
    read_derivation(0, pwri).ok().map(|d| d.iterations)
}

/// Opens PasswordRecipientInfo number `index` with `password` for a content key of
/// `key_len` bytes, spending its PBKDF2 iterations from `budget`.
pub(crate) fn open(
    index: usize,
    pwri: &PasswordRecipientInfo,
    password: &[u8],
    key_len: usize,
    budget: &mut IterationBudget,
    provider: &dyn CryptoProvider,
) -> Result<KeyCandidate, Error> {
    let derivation = read_derivation(index, pwri)?;
    let (cipher, iv) = read_key_encryption(index, pwri)?;
    if let Some(len) = derivation.key_length
        && len != cipher.key_len()
    {
        return Err(invalid(
            index,
            format!(
                "PBKDF2 keyLength {len} for {} (which needs {})",
                ContentEncryption::Cbc(cipher),
                cipher.key_len()
            ),
        ));
    }
    budget.charge(derivation.iterations)?;
    let mut kek = Zeroizing::new(vec![0u8; cipher.key_len()]);
    kdf::pbkdf2(
        provider,
        derivation.prf,
        password,
        &derivation.salt,
        derivation.iterations,
        &mut kek,
    )
    .map_err(|source| Error::RecipientCrypto {
        recipient: index,
        source,
    })?;
    let key = unwrap(
        index,
        provider,
        cipher,
        &kek,
        &iv,
        pwri.enc_key.as_bytes(),
        key_len,
    )?
    .ok_or(Error::KeyUnwrapFailed { recipient: index })?;
    Ok(KeyCandidate {
        recipient: index,
        key_management: KeyManagement::Password {
            prf: derivation.prf,
            iterations: derivation.iterations,
            key_encryption: cipher,
        },
        key,
        verified: true,
    })
}

/// Makes the PasswordRecipientInfo for recipient `index`: PBKDF2 with a random salt, and
/// id-alg-PWRI-KEK with AES-CBC as strong as the content cipher.
pub(crate) fn build(
    index: usize,
    password: &[u8],
    iterations: u32,
    prf: DigestAlgorithm,
    content_key: &[u8],
    content_encryption: ContentEncryption,
    provider: &dyn CryptoProvider,
) -> Result<RecipientInfo, Error> {
    let encoding = Error::encoding("PasswordRecipientInfo");
    let crypto = |source| Error::RecipientCrypto {
        recipient: index,
        source,
    };
    let cipher = match content_encryption.key_len() {
        16 => CbcCipher::Aes128,
        24 => CbcCipher::Aes192,
        _ => CbcCipher::Aes256,
    };
    let prf_identifier = match prf {
        DigestAlgorithm::Sha1 => None,
        other => {
            let oid = PRFS
                .iter()
                .find(|(_, digest)| *digest == other)
                .map(|(oid, _)| *oid)
                .ok_or_else(|| unsupported(index, "PBKDF2 pseudorandom function", other.name()))?;
            Some(AlgorithmIdentifierOwned {
                oid,
                parameters: Some(Any::null()),
            })
        }
    };
    let mut salt = [0u8; SALT_LEN];
    provider.fill_random(&mut salt).map_err(crypto)?;
    let mut iv = vec![0u8; cipher.block_len()];
    provider.fill_random(&mut iv).map_err(crypto)?;
    let mut kek = Zeroizing::new(vec![0u8; cipher.key_len()]);
    kdf::pbkdf2(provider, prf, password, &salt, iterations, &mut kek).map_err(crypto)?;
    let encrypted = wrap(provider, cipher, &kek, &iv, content_key).map_err(crypto)?;
    let params = Pbkdf2Params {
        salt: OctetString::new(salt.to_vec()).map_err(&encoding)?,
        iteration_count: iterations,
        key_length: None,
        prf: prf_identifier,
    };
    let kek_cipher = cipher
        .to_algorithm_identifier(&iv)
        .map_err(|error| algorithm_error(index, "password key encryption", error))?;
    Ok(RecipientInfo::Pwri(PasswordRecipientInfo {
        version: CmsVersion::V0,
        key_derivation_alg: Some(AlgorithmIdentifierOwned {
            oid: ID_PBKDF2,
            parameters: Some(Any::encode_from(&params).map_err(&encoding)?),
        }),
        key_enc_alg: AlgorithmIdentifierOwned {
            oid: ID_ALG_PWRI_KEK,
            parameters: Some(Any::encode_from(&kek_cipher).map_err(&encoding)?),
        },
        enc_key: OctetString::new(encrypted).map_err(&encoding)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3211_wrap_round_trip_on_every_provider() {
        for provider in smime_crypto::all_providers() {
            for (cipher, key_len) in [
                (CbcCipher::Aes128, 16),
                (CbcCipher::Aes256, 32),
                (CbcCipher::Aes256, 16),
                (CbcCipher::DesEde3, 24),
            ] {
                let kek = vec![0x42u8; cipher.key_len()];
                let iv = vec![7u8; cipher.block_len()];
                let key: Vec<u8> = (0..key_len).map(|i| i as u8).collect();
                let wrapped = wrap(provider, cipher, &kek, &iv, &key).unwrap();
                assert!(wrapped.len() >= 2 * cipher.block_len());
                assert_eq!(wrapped.len() % cipher.block_len(), 0);
                let back = unwrap(0, provider, cipher, &kek, &iv, &wrapped, key_len)
                    .unwrap()
                    .unwrap();
                assert_eq!(*back, key);
                // A wrong KEK fails the check octets (but for a chance of 2^-24; the
                // keys differ in more than DES parity bits).
                let wrong: Vec<u8> = (0..cipher.key_len()).map(|i| 0x10 + i as u8).collect();
                assert!(
                    unwrap(0, provider, cipher, &wrong, &iv, &wrapped, key_len)
                        .unwrap()
                        .is_none()
                );
                // Short and misaligned input are errors, not panics.
                for bad in [
                    &wrapped[..cipher.block_len()],
                    &wrapped[..wrapped.len() - 1],
                ] {
                    assert!(matches!(
                        unwrap(0, provider, cipher, &kek, &iv, bad, key_len),
                        Err(Error::InvalidKeyManagement { .. })
                    ));
                }
            }
        }
    }
}
