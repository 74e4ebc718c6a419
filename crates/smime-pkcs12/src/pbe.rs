//! Password-based encryption of safe contents and shrouded keys: the legacy PKCS#12 schemes
//! (RFC 7292 Appendix C, keys from the PKCS#12 KDF) and PBES2 (RFC 8018 §6.2, keys from
//! PBKDF2).
//!
//! The PBES2 parameters are decoded and encoded with the `pkcs5` crate's types. The key
//! derivation and the CBC decryption are done here rather than with `pkcs5`'s `decrypt`
//! because (in `pkcs5` 0.8) its derived keys are not zeroized, a DES-EDE3-CBC IV shorter than
//! 8 bytes makes it panic, and it would accept scrypt parameters that this crate cannot bound;
//! the IV length and the KDF are checked here before anything else.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit,
    KeyInit,
};
use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetStringRef};
use der::{Decode, Encode, Reader, Sequence};
use pkcs5::pbes2::{
    AES_128_CBC_OID, AES_192_CBC_OID, AES_256_CBC_OID, DES_EDE3_CBC_OID, PBES2_OID, PBKDF2_OID,
    Pbkdf2Params, Pbkdf2Prf,
};
use spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

use crate::error::{AlgorithmRole, Error, Location, WrongPasswordEvidence};
use crate::kdf::{HashAlgorithm, KeyPurpose, pkcs12_kdf};
use crate::limits::{Budget, check_salt};
use crate::password::Candidate;

/// `pbeWithSHAAnd128BitRC4` (RFC 7292 Appendix C; not supported: RC4).
pub const PBE_WITH_SHA_AND_128BIT_RC4: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.1");
/// `pbeWithSHAAnd40BitRC4` (RFC 7292 Appendix C; not supported: RC4).
pub const PBE_WITH_SHA_AND_40BIT_RC4: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.2");
/// `pbeWithSHAAnd3-KeyTripleDES-CBC` (RFC 7292 Appendix C).
pub const PBE_WITH_SHA_AND_3KEY_TRIPLE_DES_CBC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
/// `pbeWithSHAAnd2-KeyTripleDES-CBC` (RFC 7292 Appendix C).
pub const PBE_WITH_SHA_AND_2KEY_TRIPLE_DES_CBC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");
/// `pbeWithSHAAnd128BitRC2-CBC` (RFC 7292 Appendix C).
pub const PBE_WITH_SHA_AND_128BIT_RC2_CBC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
/// `pbewithSHAAnd40BitRC2-CBC` (RFC 7292 Appendix C).
pub const PBE_WITH_SHA_AND_40BIT_RC2_CBC: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");

/// `pkcs-12PbeParams` (RFC 7292 Appendix C), borrowed.
///
/// ```text
/// pkcs-12PbeParams ::= SEQUENCE {
///     salt        OCTET STRING,
///     iterations  INTEGER }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
pub(crate) struct Pkcs12PbeParamsRef<'a> {
    /// The salt.
    pub(crate) salt: &'a OctetStringRef,
    /// The iteration count.
    pub(crate) iterations: u64,
}

/// `PBES2-params` (RFC 8018 Appendix A.4), decoded only as far as the two algorithm
/// identifiers so that they can be checked before `pkcs5` sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
struct Pbes2ParamsRef<'a> {
    /// Must be PBKDF2.
    key_derivation_func: AlgorithmIdentifierRef<'a>,
    /// The block cipher and its IV.
    encryption_scheme: AlgorithmIdentifierRef<'a>,
}

/// The cipher of a legacy PKCS#12 PBE (all use SHA-1 in the PKCS#12 KDF).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Pkcs12PbeCipher {
    /// `pbeWithSHAAnd3-KeyTripleDES-CBC`.
    TripleDes3Key,
    /// `pbeWithSHAAnd2-KeyTripleDES-CBC`.
    TripleDes2Key,
    /// `pbeWithSHAAnd128BitRC2-CBC`.
    Rc2With128BitKey,
    /// `pbewithSHAAnd40BitRC2-CBC` (what OpenSSL 1.x used for certificates).
    Rc2With40BitKey,
}

impl Pkcs12PbeCipher {
    /// The scheme's OID.
    #[must_use]
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::TripleDes3Key => PBE_WITH_SHA_AND_3KEY_TRIPLE_DES_CBC,
            Self::TripleDes2Key => PBE_WITH_SHA_AND_2KEY_TRIPLE_DES_CBC,
            Self::Rc2With128BitKey => PBE_WITH_SHA_AND_128BIT_RC2_CBC,
            Self::Rc2With40BitKey => PBE_WITH_SHA_AND_40BIT_RC2_CBC,
        }
    }

    /// The scheme with this OID.
    fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            PBE_WITH_SHA_AND_3KEY_TRIPLE_DES_CBC => Some(Self::TripleDes3Key),
            PBE_WITH_SHA_AND_2KEY_TRIPLE_DES_CBC => Some(Self::TripleDes2Key),
            PBE_WITH_SHA_AND_128BIT_RC2_CBC => Some(Self::Rc2With128BitKey),
            PBE_WITH_SHA_AND_40BIT_RC2_CBC => Some(Self::Rc2With40BitKey),
            _ => None,
        }
    }

    /// Key length in bytes.
    const fn key_len(self) -> usize {
        match self {
            Self::TripleDes3Key => 24,
            Self::TripleDes2Key | Self::Rc2With128BitKey => 16,
            Self::Rc2With40BitKey => 5,
        }
    }
}

/// The block cipher of a PBES2 scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Pbes2Cipher {
    /// AES-128-CBC.
    Aes128Cbc,
    /// AES-192-CBC.
    Aes192Cbc,
    /// AES-256-CBC (what OpenSSL 3 uses by default).
    Aes256Cbc,
    /// DES-EDE3-CBC.
    DesEde3Cbc,
}

impl Pbes2Cipher {
    /// The cipher with this OID.
    fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            AES_128_CBC_OID => Some(Self::Aes128Cbc),
            AES_192_CBC_OID => Some(Self::Aes192Cbc),
            AES_256_CBC_OID => Some(Self::Aes256Cbc),
            DES_EDE3_CBC_OID => Some(Self::DesEde3Cbc),
            _ => None,
        }
    }

    /// Key length in bytes.
    const fn key_len(self) -> usize {
        match self {
            Self::Aes128Cbc => 16,
            Self::Aes192Cbc | Self::DesEde3Cbc => 24,
            Self::Aes256Cbc => 32,
        }
    }

    /// IV (block) length in bytes.
    const fn iv_len(self) -> usize {
        match self {
            Self::DesEde3Cbc => 8,
            _ => 16,
        }
    }
}

/// How a part of a PKCS#12 file was encrypted (for reports and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncryptionScheme {
    /// A legacy PKCS#12 PBE (RFC 7292 Appendix C).
    Pkcs12Pbe {
        /// The cipher.
        cipher: Pkcs12PbeCipher,
        /// The PKCS#12 KDF iteration count.
        iterations: u64,
    },
    /// PBES2 with PBKDF2 (RFC 8018 §6.2).
    Pbes2 {
        /// The hash of PBKDF2's HMAC.
        prf: HashAlgorithm,
        /// The block cipher.
        cipher: Pbes2Cipher,
        /// The PBKDF2 iteration count.
        iterations: u64,
    },
}

/// A decoded encryption scheme with its parameters.
pub(crate) struct Scheme<'a> {
    /// The public description.
    pub(crate) description: EncryptionScheme,
    /// The salt.
    salt: &'a [u8],
    /// The iteration count (checked to fit `u32` and charged before use).
    iterations: u64,
    /// PBES2 only: the IV.
    iv: &'a [u8],
}

/// Maps a `der` error while decoding `what` to [`Error::Corrupt`].
pub(crate) fn der_error(at: &Location, what: &str) -> impl FnOnce(der::Error) -> Error {
    let at = at.clone();
    let what = what.to_owned();
    move |e| Error::corrupt(&at, format!("{what}: {e}"))
}

/// Decodes the encryption scheme `alg`.
pub(crate) fn parse_scheme<'a>(
    alg: &AlgorithmIdentifierRef<'a>,
    at: &Location,
) -> Result<Scheme<'a>, Error> {
    if let Some(cipher) = Pkcs12PbeCipher::from_oid(&alg.oid) {
        let params: Pkcs12PbeParamsRef<'a> = alg
            .parameters
            .ok_or_else(|| Error::corrupt(at, "PKCS#12 PBE without parameters"))?
            .decode_as()
            .map_err(der_error(at, "pkcs-12PbeParams"))?;
        check_salt(params.salt.as_bytes(), at)?;
        return Ok(Scheme {
            description: EncryptionScheme::Pkcs12Pbe {
                cipher,
                iterations: params.iterations,
            },
            salt: params.salt.as_bytes(),
            iterations: params.iterations,
            iv: &[],
        });
    }
    if alg.oid != PBES2_OID {
        return Err(Error::unsupported(at, AlgorithmRole::Encryption, alg.oid));
    }
    let params: Pbes2ParamsRef<'a> = alg
        .parameters
        .ok_or_else(|| Error::corrupt(at, "PBES2 without parameters"))?
        .decode_as()
        .map_err(der_error(at, "PBES2-params"))?;
    if params.key_derivation_func.oid != PBKDF2_OID {
        return Err(Error::unsupported(
            at,
            AlgorithmRole::KeyDerivation,
            params.key_derivation_func.oid,
        ));
    }
    let enc = params.encryption_scheme;
    let cipher = Pbes2Cipher::from_oid(&enc.oid)
        .ok_or_else(|| Error::unsupported(at, AlgorithmRole::Cipher, enc.oid))?;
    let iv: &'a OctetStringRef = enc
        .parameters
        .ok_or_else(|| Error::corrupt(at, "PBES2 cipher without an IV"))?
        .decode_as()
        .map_err(der_error(at, "PBES2 cipher IV"))?;
    if iv.as_bytes().len() != cipher.iv_len() {
        return Err(Error::corrupt(
            at,
            format!(
                "PBES2 IV of {} bytes, the cipher needs {}",
                iv.as_bytes().len(),
                cipher.iv_len()
            ),
        ));
    }
    let pbkdf2 = params
        .key_derivation_func
        .parameters
        .ok_or_else(|| Error::corrupt(at, "PBKDF2 without parameters"))?;
    let Pbkdf2Parsed {
        salt,
        iterations,
        key_length,
        prf,
    } = parse_pbkdf2(pbkdf2, at)?;
    if let Some(len) = key_length
        && usize::from(len) != cipher.key_len()
    {
        return Err(Error::corrupt(
            at,
            format!(
                "PBKDF2 keyLength {len} does not match the cipher's {}",
                cipher.key_len()
            ),
        ));
    }
    Ok(Scheme {
        description: EncryptionScheme::Pbes2 {
            prf,
            cipher,
            iterations,
        },
        salt,
        iterations,
        iv: iv.as_bytes(),
    })
}

/// Decoded `PBKDF2-params`.
pub(crate) struct Pbkdf2Parsed<'a> {
    /// The salt.
    pub(crate) salt: &'a [u8],
    /// The iteration count.
    pub(crate) iterations: u64,
    /// The derived key length, if given.
    pub(crate) key_length: Option<u16>,
    /// The hash of the HMAC.
    pub(crate) prf: HashAlgorithm,
}

/// Decodes `PBKDF2-params` with `pkcs5`: salt, iteration count, key length, PRF.
pub(crate) fn parse_pbkdf2<'a>(
    params: AnyRef<'a>,
    at: &Location,
) -> Result<Pbkdf2Parsed<'a>, Error> {
    let decoded = Pbkdf2Params::try_from(params).map_err(|e| match e.kind() {
        der::ErrorKind::OidUnknown { oid } => Error::unsupported(at, AlgorithmRole::Prf, oid),
        _ => Error::corrupt(at, format!("PBKDF2-params: {e}")),
    })?;
    let prf = match decoded.prf {
        Pbkdf2Prf::HmacWithSha1 => HashAlgorithm::Sha1,
        Pbkdf2Prf::HmacWithSha224 => HashAlgorithm::Sha224,
        Pbkdf2Prf::HmacWithSha256 => HashAlgorithm::Sha256,
        Pbkdf2Prf::HmacWithSha384 => HashAlgorithm::Sha384,
        Pbkdf2Prf::HmacWithSha512 => HashAlgorithm::Sha512,
        other => return Err(Error::unsupported(at, AlgorithmRole::Prf, other.oid())),
    };
    // `pkcs5` copies the salt into its own fixed buffer; take it from the encoding instead so
    // that it borrows like everything else (the first field is the salt OCTET STRING).
    let salt = params
        .sequence(|reader| {
            let salt: &'a OctetStringRef = reader.decode()?;
            while !reader.is_finished() {
                AnyRef::decode(reader)?;
            }
            Ok::<_, der::Error>(salt.as_bytes())
        })
        .map_err(der_error(at, "PBKDF2 salt"))?;
    Ok(Pbkdf2Parsed {
        salt,
        iterations: u64::from(decoded.iteration_count),
        key_length: decoded.key_length,
        prf,
    })
}

/// PBKDF2 with the HMAC of `prf`.
pub(crate) fn pbkdf2(
    prf: HashAlgorithm,
    password: &[u8],
    salt: &[u8],
    rounds: u32,
    out: &mut [u8],
) {
    use pbkdf2::pbkdf2_hmac;
    match prf {
        HashAlgorithm::Sha1 => pbkdf2_hmac::<sha1::Sha1>(password, salt, rounds, out),
        HashAlgorithm::Sha224 => pbkdf2_hmac::<sha2::Sha224>(password, salt, rounds, out),
        HashAlgorithm::Sha256 => pbkdf2_hmac::<sha2::Sha256>(password, salt, rounds, out),
        HashAlgorithm::Sha384 => pbkdf2_hmac::<sha2::Sha384>(password, salt, rounds, out),
        HashAlgorithm::Sha512 => pbkdf2_hmac::<sha2::Sha512>(password, salt, rounds, out),
    }
}

/// Why a CBC decryption failed.
enum CbcFailure {
    /// The key or IV has the wrong length (a bug or corrupt parameters).
    Parameters,
    /// The padding is invalid: the usual sign of a wrong password.
    Padding,
}

/// CBC-decrypts `ciphertext` with `cipher` and removes the PKCS#7 padding.
fn cbc_decrypt<C: BlockCipherDecrypt>(
    cipher: C,
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CbcFailure> {
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    let len = cbc::Decryptor::<C>::inner_iv_slice_init(cipher, iv)
        .map_err(|_| CbcFailure::Parameters)?
        .decrypt_padded::<Pkcs7>(&mut buffer)
        .map_err(|_| CbcFailure::Padding)?
        .len();
    buffer.truncate(len);
    Ok(buffer)
}

/// CBC-encrypts `plaintext` with `cipher`, with PKCS#7 padding.
fn cbc_encrypt<C: BlockCipherEncrypt>(
    cipher: C,
    iv: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    Ok(cbc::Encryptor::<C>::inner_iv_slice_init(cipher, iv)
        .map_err(|_| Error::invalid_input("IV length does not fit the cipher"))?
        .encrypt_padded_vec::<Pkcs7>(plaintext))
}

/// A cipher key schedule from `key`.
fn cipher_from<C: KeyInit>(key: &[u8]) -> Result<C, CbcFailure> {
    C::new_from_slice(key).map_err(|_| CbcFailure::Parameters)
}

impl Scheme<'_> {
    /// Decrypts `ciphertext` with the password `candidate`. Charges the key derivations to
    /// `budget` first. A bad padding is [`Error::WrongPassword`].
    pub(crate) fn decrypt(
        &self,
        candidate: &Candidate<'_>,
        ciphertext: &[u8],
        budget: &mut Budget,
        at: &Location,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let block = match self.description {
            EncryptionScheme::Pkcs12Pbe { .. } => 8,
            EncryptionScheme::Pbes2 { cipher, .. } => cipher.iv_len(),
        };
        if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(block) {
            return Err(Error::corrupt(
                at,
                format!(
                    "ciphertext of {} bytes is not a whole number of {block}-byte blocks",
                    ciphertext.len()
                ),
            ));
        }
        let iterations = u32::try_from(self.iterations).unwrap_or(u32::MAX);
        let result = match self.description {
            EncryptionScheme::Pkcs12Pbe { cipher, .. } => {
                // Two derivations: the key and the IV.
                budget.charge_iterations(self.iterations, at)?;
                budget.charge_iterations(self.iterations, at)?;
                let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
                let mut iv = [0u8; 8];
                let pw = &candidate.bmp;
                pkcs12_kdf(
                    HashAlgorithm::Sha1,
                    pw,
                    self.salt,
                    KeyPurpose::EncryptionKey,
                    iterations,
                    &mut key,
                );
                pkcs12_kdf(
                    HashAlgorithm::Sha1,
                    pw,
                    self.salt,
                    KeyPurpose::Iv,
                    iterations,
                    &mut iv,
                );
                match cipher {
                    Pkcs12PbeCipher::TripleDes3Key => cipher_from::<des::TdesEde3>(&key)
                        .and_then(|c| cbc_decrypt(c, &iv, ciphertext)),
                    Pkcs12PbeCipher::TripleDes2Key => cipher_from::<des::TdesEde2>(&key)
                        .and_then(|c| cbc_decrypt(c, &iv, ciphertext)),
                    Pkcs12PbeCipher::Rc2With128BitKey => {
                        cbc_decrypt(rc2::Rc2::new_with_eff_key_len(&key, 128), &iv, ciphertext)
                    }
                    Pkcs12PbeCipher::Rc2With40BitKey => {
                        cbc_decrypt(rc2::Rc2::new_with_eff_key_len(&key, 40), &iv, ciphertext)
                    }
                }
            }
            EncryptionScheme::Pbes2 { prf, cipher, .. } => {
                budget.charge_iterations(self.iterations, at)?;
                let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
                pbkdf2(prf, candidate.utf8, self.salt, iterations, &mut key);
                match cipher {
                    Pbes2Cipher::Aes128Cbc => cipher_from::<aes::Aes128>(&key)
                        .and_then(|c| cbc_decrypt(c, self.iv, ciphertext)),
                    Pbes2Cipher::Aes192Cbc => cipher_from::<aes::Aes192>(&key)
                        .and_then(|c| cbc_decrypt(c, self.iv, ciphertext)),
                    Pbes2Cipher::Aes256Cbc => cipher_from::<aes::Aes256>(&key)
                        .and_then(|c| cbc_decrypt(c, self.iv, ciphertext)),
                    Pbes2Cipher::DesEde3Cbc => cipher_from::<des::TdesEde3>(&key)
                        .and_then(|c| cbc_decrypt(c, self.iv, ciphertext)),
                }
            }
        };
        result.map_err(|failure| match failure {
            CbcFailure::Parameters => Error::corrupt(at, "cipher key or IV of the wrong length"),
            CbcFailure::Padding => Error::wrong_password(at, WrongPasswordEvidence::BadPadding),
        })
    }
}

/// Fills `out` from the operating system's random number generator.
pub(crate) fn random(out: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(out).map_err(|e| Error::Random {
        reason: e.to_string(),
    })
}

/// Encrypts with PBES2: PBKDF2-HMAC-SHA-256 (16-byte salt) and AES-256-CBC. Returns the
/// DER `AlgorithmIdentifier` and the ciphertext.
pub(crate) fn encrypt_pbes2_aes256(
    password_utf8: &[u8],
    plaintext: &[u8],
    iterations: u32,
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    random(&mut salt)?;
    random(&mut iv)?;
    let params = pkcs5::pbes2::Parameters {
        kdf: Pbkdf2Params::hmac_sha256(iterations, &salt)
            .map_err(|e| Error::invalid_input(format!("PBKDF2 parameters: {e}")))?
            .into(),
        encryption: pkcs5::pbes2::EncryptionScheme::Aes256Cbc { iv },
    };
    let alg = pkcs5::EncryptionScheme::from(params)
        .to_der()
        .map_err(|e| Error::invalid_input(format!("encoding PBES2 parameters: {e}")))?;
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2(
        HashAlgorithm::Sha256,
        password_utf8,
        &salt,
        iterations,
        key.as_mut_slice(),
    );
    let cipher = aes::Aes256::new_from_slice(key.as_slice())
        .map_err(|_| Error::invalid_input("AES-256 key length"))?;
    Ok((alg, cbc_encrypt(cipher, &iv, plaintext)?))
}

/// Encrypts with `pbeWithSHAAnd3-KeyTripleDES-CBC` (8-byte salt, as every legacy exporter
/// writes). Returns the DER `AlgorithmIdentifier` and the ciphertext.
pub(crate) fn encrypt_pkcs12_3des(
    password_bmp: &[u8],
    plaintext: &[u8],
    iterations: u32,
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let mut salt = [0u8; 8];
    random(&mut salt)?;
    let salt_ref =
        OctetStringRef::new(&salt).map_err(|e| Error::invalid_input(format!("salt: {e}")))?;
    let params = Pkcs12PbeParamsRef {
        salt: salt_ref,
        iterations: u64::from(iterations),
    }
    .to_der()
    .map_err(|e| Error::invalid_input(format!("encoding pkcs-12PbeParams: {e}")))?;
    let alg = AlgorithmIdentifierRef {
        oid: PBE_WITH_SHA_AND_3KEY_TRIPLE_DES_CBC,
        parameters: Some(
            AnyRef::from_der(&params).map_err(|e| Error::invalid_input(e.to_string()))?,
        ),
    }
    .to_der()
    .map_err(|e| Error::invalid_input(format!("encoding AlgorithmIdentifier: {e}")))?;
    let mut key = Zeroizing::new([0u8; 24]);
    let mut iv = [0u8; 8];
    pkcs12_kdf(
        HashAlgorithm::Sha1,
        password_bmp,
        &salt,
        KeyPurpose::EncryptionKey,
        iterations,
        key.as_mut_slice(),
    );
    pkcs12_kdf(
        HashAlgorithm::Sha1,
        password_bmp,
        &salt,
        KeyPurpose::Iv,
        iterations,
        &mut iv,
    );
    let cipher = des::TdesEde3::new_from_slice(key.as_slice())
        .map_err(|_| Error::invalid_input("3DES key length"))?;
    Ok((alg, cbc_encrypt(cipher, &iv, plaintext)?))
}
