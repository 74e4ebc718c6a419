//! Pairing keys with their certificates, and ordering the CA certificates of a file into
//! chains.
//!
//! A key and its certificate are paired by `localKeyId` (RFC 7292 leaves the pairing to this
//! PKCS#9 attribute), checked against the public key when it can be read from the private key,
//! and, without a usable `localKeyId`, by the public key alone (what OpenSSL 3's
//! `PKCS12_parse` does). The public key is read from the PKCS#8 structure itself — the RFC 5958
//! `publicKey` field, the modulus and exponent of an RSA key, the `publicKey` field of a SEC1
//! EC key — without any cryptographic computation. Keys that carry none of these (DSA,
//! Ed25519 without `publicKey`) pair only by `localKeyId`.

use std::collections::HashMap;

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, BitStringRef, OctetStringRef, UintRef};
use der::{Decode, DecodeValue, Encode, Header, Reader, Sequence, TagNumber, Tagged};
use spki::AlgorithmIdentifierRef;

use crate::import::{CertEntry, KeyEntry};

/// `rsaEncryption` (RFC 8017 Appendix A.1).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// `id-RSASSA-PSS` (RFC 8017 Appendix A.2.3).
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
/// `id-ecPublicKey` (RFC 5480 §2.1.1).
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// Longest issuer chain [`Pkcs12::chain`](crate::Pkcs12::chain) follows inside one file: 16 certificates (real chains have
/// 2 to 4; the bound stops loops of cross-certificates).
pub const MAX_CHAIN_LEN: usize = 16;

/// How a key was paired with its certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Pairing {
    /// Same `localKeyId`, and the certificate's public key is the key's.
    LocalKeyIdAndPublicKey,
    /// Same `localKeyId`; the key does not show its public key (e.g. DSA), so only the
    /// attribute links them.
    LocalKeyId,
    /// No (matching) `localKeyId`: the certificate's public key is the key's.
    PublicKey,
}

/// The PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey` (RFC 5958 §2), decoded leniently: version
/// 0 or 1, with or without `publicKey`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PrivateKeyInfoRef<'a> {
    /// The key algorithm.
    pub(crate) algorithm: AlgorithmIdentifierRef<'a>,
    /// The algorithm-specific private key.
    pub(crate) private_key: &'a [u8],
    /// The `[1] IMPLICIT BIT STRING` publicKey, without its unused-bits octet.
    pub(crate) public_key: Option<&'a [u8]>,
}

impl<'a> DecodeValue<'a> for PrivateKeyInfoRef<'a> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        let version: u8 = reader.decode()?;
        if version > 1 {
            return Err(der::Tag::Integer.value_error().into());
        }
        let algorithm = reader.decode()?;
        let private_key: &'a OctetStringRef = reader.decode()?;
        let mut public_key = None;
        while !reader.is_finished() {
            let field = AnyRef::decode(reader)?;
            let tag = field.tag();
            if tag.class() == der::Class::ContextSpecific && tag.number() == TagNumber(1) {
                // BIT STRING contents: the unused-bits octet (0 for keys), then the key.
                public_key = field.value().get(1..);
            }
        }
        Ok(Self {
            algorithm,
            private_key: private_key.as_bytes(),
            public_key,
        })
    }
}

impl<'a> Sequence<'a> for PrivateKeyInfoRef<'a> {}

/// The first fields of `RSAPrivateKey` (RFC 8017 Appendix A.1.2).
struct RsaPublicPart<'a> {
    /// The modulus.
    modulus: UintRef<'a>,
    /// The public exponent.
    public_exponent: UintRef<'a>,
}

/// Reads version, modulus and public exponent from an `RSAPrivateKey`.
fn rsa_public_part(private_key: &[u8]) -> Option<RsaPublicPart<'_>> {
    AnyRef::from_der(private_key)
        .ok()?
        .sequence(|reader| {
            let _version: AnyRef<'_> = reader.decode()?;
            let modulus = reader.decode()?;
            let public_exponent = reader.decode()?;
            while !reader.is_finished() {
                AnyRef::decode(reader)?;
            }
            Ok::<_, der::Error>(RsaPublicPart {
                modulus,
                public_exponent,
            })
        })
        .ok()
}

/// `RSAPublicKey` (RFC 8017 Appendix A.1.1).
#[derive(Sequence)]
struct RsaPublicKeyRef<'a> {
    /// The modulus.
    modulus: UintRef<'a>,
    /// The public exponent.
    public_exponent: UintRef<'a>,
}

/// Reads the `publicKey` of a SEC1 `ECPrivateKey` (RFC 5915 §3).
fn ec_public_key(private_key: &[u8]) -> Option<Vec<u8>> {
    AnyRef::from_der(private_key)
        .ok()?
        .sequence(|reader| {
            let mut public_key = None;
            while !reader.is_finished() {
                let field = AnyRef::decode(reader)?;
                let tag = field.tag();
                if tag.class() == der::Class::ContextSpecific && tag.number() == TagNumber(1) {
                    let bits = BitStringRef::from_der(field.value())?;
                    public_key = Some(bits.raw_bytes().to_vec());
                }
            }
            Ok::<_, der::Error>(public_key)
        })
        .ok()
        .flatten()
}

/// The `subjectPublicKey` bytes a certificate for this PKCS#8 key would carry, when the key
/// shows its public key. For RSA they are re-encoded from the modulus and exponent, and the
/// certificate side is re-encoded the same way, so encoding differences do not matter.
pub(crate) fn expected_subject_public_key(pkcs8: &[u8]) -> Option<Vec<u8>> {
    let info = PrivateKeyInfoRef::from_der(pkcs8).ok()?;
    match info.algorithm.oid {
        RSA_ENCRYPTION | RSASSA_PSS => {
            if let Some(public_key) = info.public_key {
                return RsaPublicKeyRef::from_der(public_key).ok()?.to_der().ok();
            }
            let part = rsa_public_part(info.private_key)?;
            RsaPublicKeyRef {
                modulus: part.modulus,
                public_exponent: part.public_exponent,
            }
            .to_der()
            .ok()
        }
        _ if info.public_key.is_some() => info.public_key.map(<[u8]>::to_vec),
        EC_PUBLIC_KEY => ec_public_key(info.private_key),
        _ => None,
    }
}

/// What pairing and chain building need from a certificate: the encoded subject and issuer
/// names and the `subjectPublicKey` (RSA keys re-encoded as in
/// [`expected_subject_public_key`]).
pub(crate) struct CertificateFacts {
    /// The subject `Name`, as encoded in the certificate.
    pub(crate) subject: Vec<u8>,
    /// The issuer `Name`, as encoded in the certificate.
    pub(crate) issuer: Vec<u8>,
    /// The normalised `subjectPublicKey`.
    pub(crate) subject_public_key: Vec<u8>,
}

/// Reads [`CertificateFacts`] from a DER certificate without decoding the fields that
/// `x509-cert` is strict about (times: a UTCTime before 1970 is valid X.509 but not
/// representable there), so that such a certificate still pairs with its key.
pub(crate) fn certificate_facts(der: &[u8]) -> der::Result<CertificateFacts> {
    AnyRef::from_der(der)?.sequence(|certificate| {
        let tbs = AnyRef::decode(certificate)?;
        while !certificate.is_finished() {
            AnyRef::decode(certificate)?;
        }
        tbs.sequence(|tbs| {
            let first = AnyRef::decode(tbs)?;
            if first.tag().class() == der::Class::ContextSpecific {
                // [0] EXPLICIT version; the serial number follows.
                AnyRef::decode(tbs)?;
            }
            let _signature = AnyRef::decode(tbs)?;
            let issuer = tbs.tlv_bytes()?.to_vec();
            let _validity = AnyRef::decode(tbs)?;
            let subject = tbs.tlv_bytes()?.to_vec();
            let spki = spki::SubjectPublicKeyInfoRef::decode(tbs)?;
            while !tbs.is_finished() {
                AnyRef::decode(tbs)?;
            }
            let raw = spki.subject_public_key.raw_bytes();
            let subject_public_key = if matches!(spki.algorithm.oid, RSA_ENCRYPTION | RSASSA_PSS) {
                RsaPublicKeyRef::from_der(raw)
                    .and_then(|rsa| rsa.to_der())
                    .unwrap_or_else(|_| raw.to_vec())
            } else {
                raw.to_vec()
            };
            Ok(CertificateFacts {
                subject,
                issuer,
                subject_public_key,
            })
        })
    })
}

/// Pairs every key with at most one certificate (and every certificate with at most one key),
/// filling [`KeyEntry::certificate`] and [`CertEntry::key`].
pub(crate) fn pair(keys: &mut [KeyEntry], certs: &mut [CertEntry]) {
    let mut by_key_id: HashMap<&[u8], Vec<usize>> = HashMap::new();
    let mut by_public_key: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (index, cert) in certs.iter().enumerate() {
        if let Some(id) = cert.local_key_id() {
            by_key_id.entry(id).or_default().push(index);
        }
        by_public_key
            .entry(cert.subject_public_key.as_slice())
            .or_default()
            .push(index);
    }
    let mut taken = vec![false; certs.len()];
    let mut pairs: Vec<Option<(usize, Pairing)>> = vec![None; keys.len()];

    for (key_index, key) in keys.iter().enumerate() {
        let public_key = key.expected_subject_public_key.as_deref();
        // 1. localKeyId, confirmed by the public key when the key shows it.
        let by_id = key
            .local_key_id()
            .and_then(|id| by_key_id.get(id))
            .and_then(|candidates| {
                candidates.iter().copied().find(|&c| {
                    !taken.get(c).copied().unwrap_or(true)
                        && public_key.is_none_or(|pk| {
                            certs
                                .get(c)
                                .is_some_and(|cert| cert.subject_public_key == pk)
                        })
                })
            });
        let found = match by_id {
            Some(c) => Some((
                c,
                if public_key.is_some() {
                    Pairing::LocalKeyIdAndPublicKey
                } else {
                    Pairing::LocalKeyId
                },
            )),
            // 2. The public key alone.
            None => public_key
                .and_then(|pk| by_public_key.get(pk))
                .and_then(|candidates| {
                    candidates
                        .iter()
                        .copied()
                        .find(|&c| !taken.get(c).copied().unwrap_or(true))
                })
                .map(|c| (c, Pairing::PublicKey)),
        };
        if let Some((c, _)) = found
            && let Some(slot) = taken.get_mut(c)
        {
            *slot = true;
        }
        if let Some(slot) = pairs.get_mut(key_index) {
            *slot = found;
        }
    }
    for (key_index, (key, found)) in keys.iter_mut().zip(pairs).enumerate() {
        if let Some((cert_index, how)) = found {
            key.certificate = Some(cert_index);
            key.pairing = Some(how);
            if let Some(cert) = certs.get_mut(cert_index) {
                cert.key = Some(key_index);
            }
        }
    }
}

/// The issuer chain of `certs[leaf]` found among `certs` by name (subject = issuer), leaf
/// excluded, in order towards the root; at most [`MAX_CHAIN_LEN`] certificates, each used
/// once. `by_subject` maps encoded subject names to certificate indices.
pub(crate) fn chain(
    certs: &[CertEntry],
    by_subject: &HashMap<&[u8], Vec<usize>>,
    leaf: usize,
) -> Vec<usize> {
    let mut used = vec![false; certs.len()];
    if let Some(slot) = used.get_mut(leaf) {
        *slot = true;
    }
    let mut out = Vec::new();
    let mut current = leaf;
    while out.len() < MAX_CHAIN_LEN {
        let Some(cert) = certs.get(current) else {
            break;
        };
        if cert.is_self_issued() {
            break;
        }
        let next = by_subject
            .get(cert.issuer_der.as_slice())
            .and_then(|candidates| {
                candidates
                    .iter()
                    .copied()
                    .find(|&c| !used.get(c).copied().unwrap_or(true))
            });
        let Some(next) = next else {
            break;
        };
        if let Some(slot) = used.get_mut(next) {
            *slot = true;
        }
        out.push(next);
        current = next;
    }
    out
}
