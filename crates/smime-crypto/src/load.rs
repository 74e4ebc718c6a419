//! Loading keys from the files people have: PEM or DER; PKCS#8 (plain, or encrypted with
//! PBES2), SEC1 EC keys, PKCS#1 RSA keys; public keys from `SubjectPublicKeyInfo`, PKCS#1 or
//! X.509 certificates.
//!
//! Every function here takes hostile input: sizes and password-hashing costs are capped by
//! the named constants below, and every failure is a typed [`Error`] that says what was
//! found.

use std::sync::Arc;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912;
use der::asn1::{AnyRef, BitStringRef, OctetStringRef};
use der::{Decode, Encode, Reader, SliceReader, Tag, TagNumber, Tagged};
use pkcs5::pbes2;
use pkcs8::{EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use zeroize::Zeroizing;

use crate::algorithm::EcCurve;
use crate::error::Error;
use crate::key::{PrivateKey, PublicKey};
use crate::provider::CryptoProvider;

/// Largest key file we read: 1 MiB. A PEM file with a 16384-bit RSA key and a chain of a
/// hundred certificates is under 300 KiB; anything larger is not a key file.
pub const MAX_KEY_FILE_LEN: usize = 1 << 20;

/// Most PBKDF2 iterations we run for an encrypted private key: 10,000,000.
///
/// OpenSSL writes 2,048 (its `PKCS5_DEFAULT_ITER`); OWASP's 2023 guidance is 600,000 for
/// PBKDF2-HMAC-SHA-256 and 1,300,000 for HMAC-SHA-1, so 10 million leaves ample room for
/// careful users. At roughly 2–5 million iterations per second per derived block here, the
/// limit bounds what a hostile file can cost to a few seconds of one core (two derived
/// blocks for 3DES with HMAC-SHA-1), instead of the hours that 2³² − 1 iterations would take.
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// Most memory an scrypt-protected key may ask for: 64 MiB (`128 · r · N` bytes).
///
/// OpenSSL's default (`N = 16384, r = 8`) needs 16 MiB and its `maxmem` default is 32 MiB;
/// RFC 7914 §2 suggests `N = 2^20` only for interactive logins with a second to spare.
pub const MAX_SCRYPT_MEMORY: u64 = 64 << 20;

/// Most scrypt work we do: `N · r · p` at most 2^24 (8× OpenSSL's default), bounding the
/// CPU time of a hostile file to a few seconds.
pub const MAX_SCRYPT_WORK: u64 = 1 << 24;

/// Most PEM blocks we look at in one file before giving up.
pub const MAX_PEM_BLOCKS: usize = 1024;

/// The private-key algorithms the providers support, as read from a PKCS#8
/// `privateKeyAlgorithm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PrivateKeyAlgorithm {
    /// `rsaEncryption`.
    Rsa,
    /// `id-ecPublicKey` on a named curve.
    Ec(EcCurve),
}

/// Decodes a DER PKCS#8 `PrivateKeyInfo` (or `OneAsymmetricKey`, RFC 5958).
pub(crate) fn decode_private_key_info(der: &[u8]) -> Result<PrivateKeyInfoRef<'_>, Error> {
    PrivateKeyInfoRef::from_der(der)
        .map_err(|e| Error::MalformedKey(format!("PKCS#8 PrivateKeyInfo: {e}")))
}

/// Which supported algorithm a `PrivateKeyInfo` holds; [`Error::UnsupportedKey`] names
/// anything else (`"Ed25519"`, `"EC key on curve secp256k1"`, …).
pub(crate) fn kind_of_private_key_info(
    info: &PrivateKeyInfoRef<'_>,
) -> Result<PrivateKeyAlgorithm, Error> {
    let oid = info.algorithm.oid;
    if oid == rfc5912::RSA_ENCRYPTION {
        match info.algorithm.parameters {
            None => Ok(PrivateKeyAlgorithm::Rsa),
            Some(params) if params.is_null() => Ok(PrivateKeyAlgorithm::Rsa),
            Some(_) => Err(Error::MalformedKey(
                "rsaEncryption with parameters other than NULL".into(),
            )),
        }
    } else if oid == rfc5912::ID_EC_PUBLIC_KEY {
        let curve_oid = match info.algorithm.parameters {
            Some(params) if params.tag() == Tag::ObjectIdentifier => params
                .decode_as::<ObjectIdentifier>()
                .map_err(|e| Error::MalformedKey(format!("EC curve identifier: {e}")))?,
            Some(params) if params.tag() == Tag::Sequence => {
                return Err(Error::UnsupportedKey(
                    "EC key with explicit curve parameters".into(),
                ));
            }
            // RFC 5915 §3 lets the curve sit in the inner ECPrivateKey instead.
            None => sec1::EcPrivateKey::from_der(info.private_key.as_bytes())
                .ok()
                .and_then(|key| key.parameters)
                .and_then(|params| params.named_curve())
                .ok_or_else(|| Error::MalformedKey("EC private key without a curve".into()))?,
            Some(_) => {
                return Err(Error::MalformedKey(
                    "id-ecPublicKey parameters are not a curve".into(),
                ));
            }
        };
        EcCurve::from_oid(&curve_oid)
            .map(PrivateKeyAlgorithm::Ec)
            .ok_or_else(|| {
                Error::UnsupportedKey(format!("EC key on curve {}", curve_name(&curve_oid)))
            })
    } else {
        Err(Error::UnsupportedKey(key_algorithm_name(&oid)))
    }
}

/// A human name for a key algorithm we do not support.
fn key_algorithm_name(oid: &ObjectIdentifier) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("1.3.101.110", "X25519"),
        ("1.3.101.111", "X448"),
        ("1.3.101.112", "Ed25519"),
        ("1.3.101.113", "Ed448"),
        ("1.2.840.10040.4.1", "DSA"),
        ("1.2.840.10046.2.1", "DH"),
        ("1.2.840.113549.1.3.1", "DH"),
        (
            "1.2.840.113549.1.1.10",
            "RSASSA-PSS-restricted RSA (id-RSASSA-PSS)",
        ),
        ("1.2.156.10197.1.301", "SM2"),
    ];
    let dotted = oid.to_string();
    NAMES
        .iter()
        .find(|(known, _)| *known == dotted)
        .map_or_else(|| oid_name(oid), |(_, name)| (*name).to_string())
}

/// The usual name of a named curve we do not support.
fn curve_name(oid: &ObjectIdentifier) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("1.3.132.0.10", "secp256k1"),
        ("1.3.132.0.33", "secp224r1"),
        ("1.3.132.0.35", "secp521r1"),
        ("1.2.840.10045.3.1.1", "prime192v1"),
        ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"),
        ("1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1"),
        ("1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1"),
        ("1.2.156.10197.1.301", "SM2"),
    ];
    let dotted = oid.to_string();
    NAMES
        .iter()
        .find(|(known, _)| *known == dotted)
        .map_or_else(|| oid_name(oid), |(_, name)| (*name).to_string())
}

/// The registered name of an OID, or its dotted form.
fn oid_name(oid: &ObjectIdentifier) -> String {
    const_oid::db::DB
        .by_oid(oid)
        .map_or_else(|| oid.to_string(), str::to_string)
}

/// Reads a private key in any supported encoding and returns it as unencrypted PKCS#8 DER.
///
/// Accepted: PEM with the labels `PRIVATE KEY` (PKCS#8), `ENCRYPTED PRIVATE KEY` (PKCS#8 with
/// PBES2: PBKDF2 with HMAC-SHA-1/224/256/384/512 or scrypt; AES-CBC, AES-GCM or 3DES-CBC),
/// `RSA PRIVATE KEY` (PKCS#1) and `EC PRIVATE KEY` (SEC1, curve from its parameters), also
/// in a file with certificates and other blocks (the first key block is taken); or DER in
/// any of these encodings, tried in that order. The result is checked to hold an RSA,
/// P-256 or P-384 key.
///
/// # Errors
/// [`Error::NoKeyFound`] names the PEM blocks found when none is a key;
/// [`Error::PasswordRequired`] for an encrypted key without a password;
/// [`Error::KeyDecryption`] for a wrong password; [`Error::UnsupportedKey`] names the key
/// type (`"Ed25519"`); [`Error::UnsupportedAlgorithm`] for an unsupported encryption;
/// [`Error::LimitExceeded`] for a file or password-hashing cost beyond this module's
/// budgets; [`Error::MalformedKey`] for anything unreadable.
///
/// ```
/// # fn main() -> Result<(), smime_crypto::Error> {
/// let err = smime_crypto::private_key_to_pkcs8(
///     b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
///     None,
/// )
/// .unwrap_err();
/// assert_eq!(err, smime_crypto::Error::NoKeyFound("CERTIFICATE".into()));
/// # Ok(()) }
/// ```
pub fn private_key_to_pkcs8(
    data: &[u8],
    password: Option<&[u8]>,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    check_file_len(data)?;
    let pkcs8 = if looks_like_pem(data) {
        private_key_from_pem(data, password)?
    } else {
        private_key_from_der(data, password)?
    };
    let info = decode_private_key_info(&pkcs8)?;
    kind_of_private_key_info(&info)?;
    Ok(pkcs8)
}

/// Reads a private key in any supported encoding (see [`private_key_to_pkcs8`]) and makes it
/// a key object of `provider`.
///
/// ```
/// use smime_crypto::{EcCurve, KeyKind};
/// # fn main() -> Result<(), smime_crypto::Error> {
/// let provider = smime_crypto::default_provider();
/// let pkcs8 = provider.generate_pkcs8(KeyKind::Ec { curve: EcCurve::P384 })?;
/// let key = smime_crypto::load_private_key(provider, &pkcs8, None)?;
/// assert_eq!(key.kind(), KeyKind::Ec { curve: EcCurve::P384 });
/// # Ok(()) }
/// ```
pub fn load_private_key(
    provider: &dyn CryptoProvider,
    data: &[u8],
    password: Option<&[u8]>,
) -> Result<Arc<dyn PrivateKey>, Error> {
    let pkcs8 = private_key_to_pkcs8(data, password)?;
    provider.private_key_from_pkcs8(&pkcs8)
}

/// Reads a public key: PEM `PUBLIC KEY` (SubjectPublicKeyInfo), `RSA PUBLIC KEY` (PKCS#1) or
/// `CERTIFICATE` (the certificate's key; the first such block is taken), or the same in DER.
///
/// The certificate is not validated in any way: this only extracts its key.
///
/// # Errors
/// [`Error::NoKeyFound`] names the PEM blocks found when none holds a public key;
/// [`Error::UnsupportedKey`] / [`Error::MalformedKey`] as for [`PublicKey::from_spki_der`].
pub fn load_public_key(data: &[u8]) -> Result<PublicKey, Error> {
    check_file_len(data)?;
    if looks_like_pem(data) {
        let mut found = Vec::new();
        for block in pem_blocks(data)? {
            let block = block?;
            match block.label {
                "PUBLIC KEY" => return PublicKey::from_spki_der(&block.der()?),
                "RSA PUBLIC KEY" => return public_key_from_pkcs1(&block.der()?),
                "CERTIFICATE" | "X509 CERTIFICATE" => {
                    let der = block.der()?;
                    let spki = spki_of_certificate(&der)?;
                    return PublicKey::from_spki_der(spki);
                }
                other => found.push(other),
            }
        }
        Err(no_key_found(&found))
    } else if let Ok(key) = PublicKey::from_spki_der(data) {
        Ok(key)
    } else if let Ok(spki) = spki_of_certificate(data) {
        PublicKey::from_spki_der(spki)
    } else if pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(data).is_ok() {
        public_key_from_pkcs1(data)
    } else {
        // Say why the SubjectPublicKeyInfo reading failed: it is the most likely intent.
        PublicKey::from_spki_der(data)
    }
}

fn check_file_len(data: &[u8]) -> Result<(), Error> {
    if data.len() > MAX_KEY_FILE_LEN {
        return Err(Error::LimitExceeded {
            what: "key file size",
            limit: MAX_KEY_FILE_LEN as u64,
            found: data.len() as u64,
        });
    }
    Ok(())
}

fn no_key_found(labels: &[&str]) -> Error {
    if labels.is_empty() {
        Error::NoKeyFound("no PEM block".into())
    } else {
        Error::NoKeyFound(labels.join(", "))
    }
}

/// PEM if the text (after an optional UTF-8 byte-order mark and whitespace) holds a
/// `-----BEGIN ` line. DER always starts with a tag byte (0x30 for every key format).
fn looks_like_pem(data: &[u8]) -> bool {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    match data.iter().position(|b| !b.is_ascii_whitespace()) {
        Some(start) => data
            .get(start..)
            .is_some_and(|rest| rest.windows(11).any(|w| w == b"-----BEGIN ")),
        None => false,
    }
}

/// One `-----BEGIN label-----` … `-----END label-----` block of a PEM file.
struct PemBlock<'a> {
    label: &'a str,
    /// The whole block, from the BEGIN line to the END line, for `pem-rfc7468`.
    text: &'a [u8],
    /// Whether the block has RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`).
    has_headers: bool,
}

impl PemBlock<'_> {
    /// The block's base64 body, decoded. Secret material: zeroized on drop.
    fn der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        if self.has_headers {
            return Err(Error::UnsupportedAlgorithm(format!(
                "legacy OpenSSL PEM encryption (Proc-Type/DEK-Info headers) in a {} block; \
                 convert the key with `openssl pkcs8 -topk8`",
                self.label
            )));
        }
        let (_, der) = pem_rfc7468::decode_vec(self.text)
            .map_err(|e| Error::MalformedKey(format!("PEM {} block: {e}", self.label)))?;
        Ok(Zeroizing::new(der))
    }
}

/// Splits a PEM file into its blocks, ignoring text between them (OpenSSL writes
/// "Bag Attributes" and certificate summaries there).
fn pem_blocks(data: &[u8]) -> Result<impl Iterator<Item = Result<PemBlock<'_>, Error>>, Error> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const END: &[u8] = b"-----END ";
    const DASHES: &[u8] = b"-----";
    let mut rest = data;
    let mut count = 0usize;
    Ok(core::iter::from_fn(move || {
        let start = find(rest, BEGIN)?;
        let block_and_after = rest.get(start..)?;
        let after_begin = block_and_after.get(BEGIN.len()..)?;
        let Some(label_end) = find(after_begin, DASHES) else {
            rest = &[];
            return Some(Err(Error::MalformedKey(
                "PEM BEGIN line without closing dashes".into(),
            )));
        };
        let label_bytes = after_begin.get(..label_end).unwrap_or_default();
        let Ok(label) = core::str::from_utf8(label_bytes) else {
            rest = &[];
            return Some(Err(Error::MalformedKey("PEM label is not text".into())));
        };
        let mut end_marker = Vec::with_capacity(END.len() + label.len() + DASHES.len());
        end_marker.extend_from_slice(END);
        end_marker.extend_from_slice(label_bytes);
        end_marker.extend_from_slice(DASHES);
        let Some(end) = find(block_and_after, &end_marker) else {
            rest = &[];
            return Some(Err(Error::MalformedKey(format!(
                "PEM {label} block without END line"
            ))));
        };
        let block_len = end + end_marker.len();
        let text = block_and_after.get(..block_len).unwrap_or_default();
        rest = block_and_after.get(block_len..).unwrap_or_default();
        count += 1;
        if count > MAX_PEM_BLOCKS {
            rest = &[];
            return Some(Err(Error::LimitExceeded {
                what: "number of PEM blocks",
                limit: MAX_PEM_BLOCKS as u64,
                found: count as u64,
            }));
        }
        let body_start = BEGIN.len() + label_end + DASHES.len();
        let has_headers = text.get(body_start..).is_some_and(|body| {
            find(body, b"Proc-Type:").is_some() || find(body, b"DEK-Info:").is_some()
        });
        Some(Ok(PemBlock {
            label,
            text,
            has_headers,
        }))
    }))
}

/// Position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn private_key_from_pem(data: &[u8], password: Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut found = Vec::new();
    for block in pem_blocks(data)? {
        let block = block?;
        match block.label {
            "PRIVATE KEY" => {
                let der = block.der()?;
                decode_private_key_info(&der)?;
                return Ok(der);
            }
            "ENCRYPTED PRIVATE KEY" => return decrypt_pkcs8(&block.der()?, password),
            "RSA PRIVATE KEY" => return pkcs1_to_pkcs8(&block.der()?),
            "EC PRIVATE KEY" => return sec1_to_pkcs8(&block.der()?),
            "DSA PRIVATE KEY" => return Err(Error::UnsupportedKey("DSA".into())),
            "OPENSSH PRIVATE KEY" => {
                return Err(Error::UnsupportedKey(
                    "OpenSSH private key format (convert with `ssh-keygen -p -m PKCS8`)".into(),
                ));
            }
            label if label.ends_with("PRIVATE KEY") => {
                return Err(Error::UnsupportedKey(format!("PEM {label}")));
            }
            other => found.push(other),
        }
    }
    Err(no_key_found(&found))
}

fn private_key_from_der(der: &[u8], password: Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>, Error> {
    if PrivateKeyInfoRef::from_der(der).is_ok() {
        return Ok(Zeroizing::new(der.to_vec()));
    }
    if EncryptedOuter::from_der(der).is_ok() {
        return decrypt_pkcs8(der, password);
    }
    if pkcs1::RsaPrivateKey::<der::asn1::UintRef<'_>>::from_der(der).is_ok() {
        return pkcs1_to_pkcs8(der);
    }
    if sec1::EcPrivateKey::from_der(der).is_ok() || sec1_has_explicit_curve(der) {
        return sec1_to_pkcs8(der);
    }
    if PublicKey::from_spki_der(der).is_ok() || SubjectPublicKeyInfoRef::from_der(der).is_ok() {
        return Err(Error::NoKeyFound(
            "DER public key (SubjectPublicKeyInfo)".into(),
        ));
    }
    if spki_of_certificate(der).is_ok() {
        return Err(Error::NoKeyFound("DER certificate".into()));
    }
    Err(Error::MalformedKey(
        "neither PEM nor DER PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1".into(),
    ))
}

/// The outer shape of an `EncryptedPrivateKeyInfo` (RFC 5958 §3), decoded before its
/// encryption parameters so that an unsupported scheme can be named.
struct EncryptedOuter<'a> {
    algorithm: AlgorithmIdentifierRef<'a>,
}

impl<'a> EncryptedOuter<'a> {
    fn from_der(der: &'a [u8]) -> Result<Self, der::Error> {
        let mut reader = SliceReader::new(der)?;
        let algorithm = reader.sequence(|seq| {
            let algorithm = AlgorithmIdentifierRef::decode(seq)?;
            <&OctetStringRef>::decode(seq)?;
            Ok::<_, der::Error>(algorithm)
        })?;
        reader.finish()?;
        Ok(Self { algorithm })
    }
}

/// The PBES2 OID (RFC 8018 §A.4).
const PBES2_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");

fn decrypt_pkcs8(der: &[u8], password: Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>, Error> {
    let outer = EncryptedOuter::from_der(der)
        .map_err(|e| Error::MalformedKey(format!("EncryptedPrivateKeyInfo: {e}")))?;
    if outer.algorithm.oid != PBES2_OID {
        return Err(Error::UnsupportedAlgorithm(format!(
            "private key encryption {} (only PBES2 is supported)",
            oid_name(&outer.algorithm.oid)
        )));
    }
    let info = EncryptedPrivateKeyInfoRef::from_der(der).map_err(|e| {
        Error::UnsupportedAlgorithm(format!("PBES2 parameters not supported or malformed: {e}"))
    })?;
    let params = info.encryption_algorithm.pbes2().ok_or_else(|| {
        Error::UnsupportedAlgorithm("private key encryption other than PBES2".into())
    })?;
    check_pbes2_budget(params)?;
    let password = password.ok_or(Error::PasswordRequired)?;
    let document = info.decrypt(password).map_err(|_| Error::KeyDecryption)?;
    let pkcs8 = Zeroizing::new(document.as_bytes().to_vec());
    // A wrong password passes the padding check once in 256 tries; the DER check inside
    // `decrypt` catches almost all of those, this one the rest.
    decode_private_key_info(&pkcs8).map_err(|_| Error::KeyDecryption)?;
    Ok(pkcs8)
}

/// Refuses PBES2 parameters whose key derivation would cost more than our budgets.
fn check_pbes2_budget(params: &pbes2::Parameters) -> Result<(), Error> {
    match &params.kdf {
        pbes2::Kdf::Pbkdf2(pbkdf2) => {
            if pbkdf2.iteration_count > MAX_PBKDF2_ITERATIONS {
                return Err(Error::LimitExceeded {
                    what: "PBKDF2 iteration count",
                    limit: u64::from(MAX_PBKDF2_ITERATIONS),
                    found: u64::from(pbkdf2.iteration_count),
                });
            }
            if pbkdf2.iteration_count == 0 {
                return Err(Error::MalformedKey("PBKDF2 iteration count is zero".into()));
            }
        }
        pbes2::Kdf::Scrypt(scrypt) => {
            let n = scrypt.cost_parameter;
            let r = u64::from(scrypt.block_size);
            let p = u64::from(scrypt.parallelization);
            let memory = n.saturating_mul(r).saturating_mul(128);
            if memory > MAX_SCRYPT_MEMORY {
                return Err(Error::LimitExceeded {
                    what: "scrypt memory (128·r·N bytes)",
                    limit: MAX_SCRYPT_MEMORY,
                    found: memory,
                });
            }
            let work = n.saturating_mul(r).saturating_mul(p);
            if work > MAX_SCRYPT_WORK {
                return Err(Error::LimitExceeded {
                    what: "scrypt work (N·r·p)",
                    limit: MAX_SCRYPT_WORK,
                    found: work,
                });
            }
        }
        _ => {
            return Err(Error::UnsupportedAlgorithm(format!(
                "PBES2 key derivation {}",
                oid_name(&params.kdf.oid())
            )));
        }
    }
    Ok(())
}

/// Wraps a PKCS#1 `RSAPrivateKey` into a PKCS#8 `PrivateKeyInfo` (rsaEncryption, NULL).
fn pkcs1_to_pkcs8(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    pkcs1::RsaPrivateKey::<der::asn1::UintRef<'_>>::from_der(der)
        .map_err(|e| Error::MalformedKey(format!("PKCS#1 RSAPrivateKey: {e}")))?;
    let algorithm = AlgorithmIdentifierRef {
        oid: rfc5912::RSA_ENCRYPTION,
        parameters: Some(AnyRef::NULL),
    };
    let octets = OctetStringRef::new(der)
        .map_err(|e| Error::MalformedKey(format!("PKCS#1 RSAPrivateKey: {e}")))?;
    encode_private_key_info(&PrivateKeyInfoRef::new(algorithm, octets))
}

/// Whether a DER `ECPrivateKey` carries explicit curve parameters (a SEQUENCE inside `[0]`),
/// which the `sec1` crate cannot decode and we do not support.
fn sec1_has_explicit_curve(der: &[u8]) -> bool {
    let parse = || -> Result<bool, der::Error> {
        let mut reader = SliceReader::new(der)?;
        reader.sequence(|seq| {
            let version = AnyRef::decode(seq)?;
            if version.tag() != Tag::Integer {
                return Ok(false);
            }
            let key = AnyRef::decode(seq)?;
            if key.tag() != Tag::OctetString {
                return Ok(false);
            }
            let params = AnyRef::decode(seq)?;
            let explicit = params.tag()
                == (Tag::ContextSpecific {
                    constructed: true,
                    number: TagNumber(0),
                })
                && params.value().first() == Some(&0x30);
            while !seq.is_finished() {
                AnyRef::decode(seq)?;
            }
            Ok(explicit)
        })
    };
    parse().unwrap_or(false)
}

/// Wraps a SEC1 `ECPrivateKey` into a PKCS#8 `PrivateKeyInfo` with the curve from its
/// parameters (RFC 5915 §3: the inner parameters are then omitted).
fn sec1_to_pkcs8(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    if sec1_has_explicit_curve(der) {
        return Err(Error::UnsupportedKey(
            "EC key with explicit curve parameters".into(),
        ));
    }
    let key = sec1::EcPrivateKey::from_der(der)
        .map_err(|e| Error::MalformedKey(format!("SEC1 ECPrivateKey: {e}")))?;
    let curve = key
        .parameters
        .and_then(|params| params.named_curve())
        .ok_or_else(|| Error::MalformedKey("SEC1 ECPrivateKey without curve parameters".into()))?;
    let inner = sec1::EcPrivateKey {
        private_key: key.private_key,
        parameters: None,
        public_key: key.public_key,
    };
    let inner_der = Zeroizing::new(
        inner
            .to_der()
            .map_err(|e| Error::MalformedKey(format!("SEC1 ECPrivateKey: {e}")))?,
    );
    let algorithm = AlgorithmIdentifierRef {
        oid: rfc5912::ID_EC_PUBLIC_KEY,
        parameters: Some(AnyRef::from(&curve)),
    };
    let octets = OctetStringRef::new(&inner_der)
        .map_err(|e| Error::MalformedKey(format!("SEC1 ECPrivateKey: {e}")))?;
    encode_private_key_info(&PrivateKeyInfoRef::new(algorithm, octets))
}

fn encode_private_key_info(info: &PrivateKeyInfoRef<'_>) -> Result<Zeroizing<Vec<u8>>, Error> {
    let len = info
        .encoded_len()
        .and_then(usize::try_from)
        .map_err(|e| Error::MalformedKey(format!("PKCS#8 encoding: {e}")))?;
    // Encode into a buffer allocated once, so that no reallocation leaves a copy behind.
    let mut out = Zeroizing::new(vec![0u8; len]);
    info.encode_to_slice(&mut out)
        .map_err(|e| Error::MalformedKey(format!("PKCS#8 encoding: {e}")))?;
    Ok(out)
}

/// Wraps a PKCS#1 `RSAPublicKey` into a `SubjectPublicKeyInfo`.
fn public_key_from_pkcs1(der: &[u8]) -> Result<PublicKey, Error> {
    pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(der)
        .map_err(|e| Error::MalformedKey(format!("PKCS#1 RSAPublicKey: {e}")))?;
    let spki = SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifierRef {
            oid: rfc5912::RSA_ENCRYPTION,
            parameters: Some(AnyRef::NULL),
        },
        subject_public_key: BitStringRef::from_bytes(der)
            .map_err(|e| Error::MalformedKey(format!("PKCS#1 RSAPublicKey: {e}")))?,
    };
    let spki_der = spki
        .to_der()
        .map_err(|e| Error::MalformedKey(format!("SubjectPublicKeyInfo: {e}")))?;
    PublicKey::from_spki_der(&spki_der)
}

/// The DER `SubjectPublicKeyInfo` inside a DER X.509 certificate (RFC 5280 §4.1), found by
/// walking the `TBSCertificate` fields without interpreting them.
pub(crate) fn spki_of_certificate(der: &[u8]) -> Result<&[u8], Error> {
    let walk = || -> Result<&[u8], der::Error> {
        let mut reader = SliceReader::new(der)?;
        let spki = reader.sequence(|cert| {
            let spki = cert.sequence(|tbs| {
                // version [0] EXPLICIT Version DEFAULT v1
                if Tag::peek(tbs)?
                    == (Tag::ContextSpecific {
                        constructed: true,
                        number: TagNumber(0),
                    })
                {
                    AnyRef::decode(tbs)?;
                }
                // serialNumber, signature, issuer, validity, subject
                for expected in [
                    Tag::Integer,
                    Tag::Sequence,
                    Tag::Sequence,
                    Tag::Sequence,
                    Tag::Sequence,
                ] {
                    let field = AnyRef::decode(tbs)?;
                    if field.tag() != expected {
                        return Err(der::Error::from(field.tag().value_error()));
                    }
                }
                let spki = tbs.tlv_bytes()?;
                SubjectPublicKeyInfoRef::from_der(spki)?;
                while !tbs.is_finished() {
                    AnyRef::decode(tbs)?;
                }
                Ok::<_, der::Error>(spki)
            })?;
            let signature_algorithm = AnyRef::decode(cert)?;
            if signature_algorithm.tag() != Tag::Sequence {
                return Err(der::Error::from(signature_algorithm.tag().value_error()));
            }
            BitStringRef::decode(cert)?;
            Ok::<_, der::Error>(spki)
        })?;
        reader.finish()?;
        Ok(spki)
    };
    walk().map_err(|e| Error::MalformedKey(format!("X.509 certificate: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_detection() {
        assert!(looks_like_pem(b"\n  -----BEGIN PRIVATE KEY-----\n"));
        assert!(looks_like_pem(
            b"\xEF\xBB\xBFBag Attributes\n-----BEGIN PRIVATE KEY-----"
        ));
        assert!(!looks_like_pem(&[0x30, 0x82, 0x01, 0x00]));
        assert!(!looks_like_pem(b""));
    }

    #[test]
    fn pem_blocks_skip_text_and_keep_order() {
        let text = b"junk\n-----BEGIN A-----\nAAAA\n-----END A-----\nmore\n-----BEGIN B C-----\nAAAA\n-----END B C-----\n";
        let labels: Vec<_> = pem_blocks(text)
            .unwrap()
            .map(|b| b.unwrap().label)
            .collect();
        assert_eq!(labels, ["A", "B C"]);
    }

    #[test]
    fn pem_block_without_end_is_an_error() {
        let text = b"-----BEGIN PRIVATE KEY-----\nAAAA\n";
        let err = private_key_to_pkcs8(text, None).unwrap_err();
        assert!(
            matches!(err, Error::MalformedKey(ref m) if m.contains("without END")),
            "{err:?}"
        );
    }

    #[test]
    fn oversized_input_is_refused() {
        let data = vec![0x30; MAX_KEY_FILE_LEN + 1];
        assert_eq!(
            private_key_to_pkcs8(&data, None).unwrap_err(),
            Error::LimitExceeded {
                what: "key file size",
                limit: MAX_KEY_FILE_LEN as u64,
                found: MAX_KEY_FILE_LEN as u64 + 1
            }
        );
    }

    #[test]
    fn unsupported_key_names() {
        assert_eq!(
            key_algorithm_name(&ObjectIdentifier::new_unwrap("1.3.101.112")),
            "Ed25519"
        );
        assert_eq!(
            key_algorithm_name(&ObjectIdentifier::new_unwrap("1.2.3.4")),
            "1.2.3.4"
        );
    }
}
