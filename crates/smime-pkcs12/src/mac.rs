//! The integrity of a PFX in password integrity mode: the HMAC of RFC 7292 §5 with a key from
//! the PKCS#12 KDF, and PBMAC1 (RFC 9579) with a key from PBKDF2.
//!
//! Both are computed over the contents octets of the `authSafe` OCTET STRING.

use const_oid::ObjectIdentifier;
use der::Sequence;
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

use crate::error::{AlgorithmRole, Error, Limit, Location, WrongPasswordEvidence};
use crate::kdf::{HashAlgorithm, KeyPurpose, pkcs12_kdf};
use crate::limits::{Budget, MAX_DERIVED_KEY_LEN, check_salt};
use crate::password::Candidate;
use crate::pbe::{Pbkdf2Parsed, der_error, parse_pbkdf2, pbkdf2};
use crate::pfx::MacDataRef;

/// `id-PBMAC1` (RFC 8018 Appendix A.5; its use in PKCS#12 is RFC 9579).
pub const ID_PBMAC1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.14");

/// `PBMAC1-params` (RFC 8018 Appendix A.5), borrowed.
///
/// ```text
/// PBMAC1-params ::= SEQUENCE {
///     keyDerivationFunc AlgorithmIdentifier {{PBMAC1-KDFs}},
///     messageAuthScheme AlgorithmIdentifier {{PBMAC1-MACs}} }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
struct Pbmac1ParamsRef<'a> {
    /// PBKDF2 (the only KDF RFC 9579 allows).
    key_derivation_func: AlgorithmIdentifierRef<'a>,
    /// An HMAC.
    message_auth_scheme: AlgorithmIdentifierRef<'a>,
}

/// How a PFX protects its integrity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Integrity {
    /// No MAC (`openssl pkcs12 -nomac`): nothing protects the file from changes, and a wrong
    /// password shows only when decryption fails.
    None,
    /// The HMAC of RFC 7292 §5, keyed with the PKCS#12 KDF.
    Hmac {
        /// The hash function of the HMAC and of the KDF.
        digest: HashAlgorithm,
        /// The KDF iteration count.
        iterations: u64,
    },
    /// PBMAC1 (RFC 9579): an HMAC keyed with PBKDF2.
    Pbmac1 {
        /// The hash of PBKDF2's HMAC.
        prf: HashAlgorithm,
        /// The hash of the MAC.
        hmac: HashAlgorithm,
        /// The PBKDF2 iteration count.
        iterations: u64,
    },
}

/// A decoded `MacData`, ready to verify.
pub(crate) struct MacCheck<'a> {
    /// What it is.
    pub(crate) integrity: Integrity,
    /// The KDF salt.
    salt: &'a [u8],
    /// PBMAC1: the PBKDF2 output length.
    key_len: usize,
    /// The MAC in the file.
    expected: &'a [u8],
}

/// Decodes the MAC algorithm of `mac_data`. Unsupported digests and MAC schemes are reported
/// here, before any password is tried.
pub(crate) fn parse<'a>(mac_data: &MacDataRef<'a>, at: &Location) -> Result<MacCheck<'a>, Error> {
    let alg = &mac_data.mac.digest_algorithm;
    let expected = mac_data.mac.digest.as_bytes();
    if let Some(digest) = HashAlgorithm::from_digest_oid(&alg.oid) {
        let salt = mac_data.mac_salt.as_bytes();
        check_salt(salt, at)?;
        // `iterations INTEGER DEFAULT 1`; pyca's no-password.p12 writes the default explicitly.
        let iterations = mac_data.iterations.unwrap_or(1);
        return Ok(MacCheck {
            integrity: Integrity::Hmac { digest, iterations },
            salt,
            key_len: digest.output_len(),
            expected,
        });
    }
    if alg.oid != ID_PBMAC1 {
        return Err(Error::unsupported(at, AlgorithmRole::Mac, alg.oid));
    }
    // RFC 9579 §4: the MacData salt and iterations are not used ("NOT USED" and 1).
    let params: Pbmac1ParamsRef<'a> = alg
        .parameters
        .ok_or_else(|| Error::corrupt(at, "PBMAC1 without parameters"))?
        .decode_as()
        .map_err(der_error(at, "PBMAC1-params"))?;
    if params.key_derivation_func.oid != pkcs5::pbes2::PBKDF2_OID {
        return Err(Error::unsupported(
            at,
            AlgorithmRole::KeyDerivation,
            params.key_derivation_func.oid,
        ));
    }
    let hmac = HashAlgorithm::from_hmac_oid(&params.message_auth_scheme.oid).ok_or_else(|| {
        Error::unsupported(at, AlgorithmRole::Mac, params.message_auth_scheme.oid)
    })?;
    let Pbkdf2Parsed {
        salt,
        iterations,
        key_length,
        prf,
    } = parse_pbkdf2(
        params
            .key_derivation_func
            .parameters
            .ok_or_else(|| Error::corrupt(at, "PBKDF2 without parameters"))?,
        at,
    )?;
    // RFC 9579 §5: "keyLength … MUST be present".
    let key_len = usize::from(
        key_length.ok_or_else(|| Error::corrupt(at, "PBMAC1's PBKDF2-params has no keyLength"))?,
    );
    if key_len == 0 || key_len > MAX_DERIVED_KEY_LEN {
        return Err(Error::limit(
            at,
            Limit::DerivedKeyLength,
            key_len as u64,
            MAX_DERIVED_KEY_LEN as u64,
        ));
    }
    Ok(MacCheck {
        integrity: Integrity::Pbmac1 {
            prf,
            hmac,
            iterations,
        },
        salt,
        key_len,
        expected,
    })
}

/// `HMAC-H(key, data)` checked against `expected` in constant time.
fn hmac_matches<D: EagerHash>(key: &[u8], data: &[u8], expected: &[u8]) -> bool
where
    Hmac<D>: KeyInit + Mac,
{
    let Ok(mut mac) = <Hmac<D> as KeyInit>::new_from_slice(key) else {
        return false;
    };
    mac.update(data);
    mac.verify_slice(expected).is_ok()
}

/// `HMAC-H(key, data)`.
fn hmac_tag<D: EagerHash>(key: &[u8], data: &[u8]) -> Vec<u8>
where
    Hmac<D>: KeyInit + Mac,
{
    match <Hmac<D> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        // HMAC takes keys of any length.
        Err(_) => Vec::new(),
    }
}

/// HMAC with `hash`, checked in constant time.
fn verify_hmac(hash: HashAlgorithm, key: &[u8], data: &[u8], expected: &[u8]) -> bool {
    match hash {
        HashAlgorithm::Sha1 => hmac_matches::<sha1::Sha1>(key, data, expected),
        HashAlgorithm::Sha224 => hmac_matches::<sha2::Sha224>(key, data, expected),
        HashAlgorithm::Sha256 => hmac_matches::<sha2::Sha256>(key, data, expected),
        HashAlgorithm::Sha384 => hmac_matches::<sha2::Sha384>(key, data, expected),
        HashAlgorithm::Sha512 => hmac_matches::<sha2::Sha512>(key, data, expected),
    }
}

/// HMAC with `hash`.
fn compute_hmac(hash: HashAlgorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    match hash {
        HashAlgorithm::Sha1 => hmac_tag::<sha1::Sha1>(key, data),
        HashAlgorithm::Sha224 => hmac_tag::<sha2::Sha224>(key, data),
        HashAlgorithm::Sha256 => hmac_tag::<sha2::Sha256>(key, data),
        HashAlgorithm::Sha384 => hmac_tag::<sha2::Sha384>(key, data),
        HashAlgorithm::Sha512 => hmac_tag::<sha2::Sha512>(key, data),
    }
}

impl MacCheck<'_> {
    /// Verifies the MAC over `data` with the password `candidate`, after charging the key
    /// derivation to `budget`.
    pub(crate) fn verify(
        &self,
        candidate: &Candidate<'_>,
        data: &[u8],
        budget: &mut Budget,
        at: &Location,
    ) -> Result<(), Error> {
        let matches = match self.integrity {
            Integrity::None => true,
            Integrity::Hmac { digest, iterations } => {
                budget.charge_iterations(iterations, at)?;
                let mut key = Zeroizing::new(vec![0u8; self.key_len]);
                let rounds = u32::try_from(iterations).unwrap_or(u32::MAX);
                pkcs12_kdf(
                    digest,
                    &candidate.bmp,
                    self.salt,
                    KeyPurpose::MacKey,
                    rounds,
                    &mut key,
                );
                verify_hmac(digest, &key, data, self.expected)
            }
            Integrity::Pbmac1 {
                prf,
                hmac,
                iterations,
            } => {
                budget.charge_iterations(iterations, at)?;
                let mut key = Zeroizing::new(vec![0u8; self.key_len]);
                let rounds = u32::try_from(iterations).unwrap_or(u32::MAX);
                // RFC 9579 §5 (as OpenSSL and Bouncy Castle do): the UTF-8 password.
                pbkdf2(prf, candidate.utf8, self.salt, rounds, &mut key);
                verify_hmac(hmac, &key, data, self.expected)
            }
        };
        if matches {
            Ok(())
        } else {
            Err(Error::wrong_password(
                at,
                WrongPasswordEvidence::MacMismatch,
            ))
        }
    }
}

/// The RFC 7292 §5 MAC of `data`: HMAC-`digest` keyed with the PKCS#12 KDF (ID 3).
pub(crate) fn pkcs12_hmac(
    digest: HashAlgorithm,
    password_bmp: &[u8],
    salt: &[u8],
    iterations: u32,
    data: &[u8],
) -> Vec<u8> {
    let mut key = Zeroizing::new(vec![0u8; digest.output_len()]);
    pkcs12_kdf(
        digest,
        password_bmp,
        salt,
        KeyPurpose::MacKey,
        iterations,
        &mut key,
    );
    compute_hmac(digest, &key, data)
}
