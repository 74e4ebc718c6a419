//! Public keys, and the private-key trait every backend (or token, or KMS) implements.

use core::fmt;

use const_oid::db::rfc5912;
use der::{Decode, Encode};
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use zeroize::Zeroizing;

use crate::algorithm::{EcCurve, KeyKind, RsaEncryptionPadding, SignatureScheme};
use crate::error::Error;

/// A public key, kept as its DER `SubjectPublicKeyInfo` together with its parsed kind.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicKey {
    spki_der: Vec<u8>,
    kind: KeyKind,
}

impl PublicKey {
    /// Parses a DER `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7) holding an RSA or EC P-256/P-384 key.
    ///
    /// ```
    /// # fn main() -> Result<(), smime_crypto::Error> {
    /// // An RSA key's SPKI is rejected when truncated.
    /// assert!(smime_crypto::PublicKey::from_spki_der(&[0x30, 0x03, 0x02, 0x01]).is_err());
    /// # Ok(()) }
    /// ```
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        // The common shapes (an RSA key, an EC key on a supported named curve, in DER) are
        // read by a small walk over the octets; anything else takes the full decoder, which
        // also gives the typed errors.
        if let Some(kind) = quick_kind_of_spki(der) {
            return Ok(Self {
                spki_der: der.to_vec(),
                kind,
            });
        }
        Self::decode_spki_der(der)
    }

    /// [`from_spki_der`](Self::from_spki_der) by decoding with `der`.
    fn decode_spki_der(der: &[u8]) -> Result<Self, Error> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| Error::MalformedKey(format!("SubjectPublicKeyInfo: {e}")))?;
        let kind = kind_of_spki(&spki)?;
        // Equality means "same key", so the copy kept must be canonical DER — which the input
        // is: `der` decodes DER only (minimal definite lengths, no trailing octets), and the
        // parts it does not look into (the algorithm parameters, the key's BIT STRING) are
        // re-encoded from the same octets. Encoding the decoded value again would give these
        // octets back (the `spki_der_is_kept_as_given` test checks it).
        Ok(Self {
            spki_der: der.to_vec(),
            kind,
        })
    }

    /// Builds a public key from an already decoded `SubjectPublicKeyInfo`.
    pub fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<Self, Error> {
        // Already decoded: read the kind from it and encode once (the DER of a decoded
        // value is canonical), instead of encoding, decoding and encoding again.
        let kind = kind_of_spki(&der::referenced::OwnedToRef::owned_to_ref(spki))?;
        let spki_der = spki
            .to_der()
            .map_err(|e| Error::MalformedKey(format!("SubjectPublicKeyInfo: {e}")))?;
        Ok(Self { spki_der, kind })
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The key's algorithm and size.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The contents of the `subjectPublicKey` BIT STRING: a DER `RSAPublicKey` for RSA, an
    /// uncompressed or compressed SEC1 point for EC.
    pub fn subject_public_key(&self) -> Result<Vec<u8>, Error> {
        let spki = SubjectPublicKeyInfoRef::from_der(&self.spki_der)
            .map_err(|e| Error::MalformedKey(format!("SubjectPublicKeyInfo: {e}")))?;
        spki.subject_public_key
            .as_bytes()
            .map(<[u8]>::to_vec)
            .ok_or_else(|| Error::MalformedKey("subjectPublicKey has unused bits".into()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

fn kind_of_spki(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<KeyKind, Error> {
    let oid = spki.algorithm.oid;
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| Error::MalformedKey("subjectPublicKey has unused bits".into()))?;
    if oid == rfc5912::RSA_ENCRYPTION {
        let key = pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(bits)
            .map_err(|e| Error::MalformedKey(format!("RSAPublicKey: {e}")))?;
        let modulus = key.modulus.as_bytes();
        let modulus_bits = significant_bits(modulus);
        if modulus_bits == 0 {
            return Err(Error::MalformedKey("RSA modulus is zero".into()));
        }
        Ok(KeyKind::Rsa { modulus_bits })
    } else if oid == rfc5912::ID_EC_PUBLIC_KEY {
        let params = spki
            .algorithm
            .parameters
            .as_ref()
            .ok_or_else(|| Error::MalformedKey("EC key without curve parameters".into()))?;
        let curve_oid = params
            .decode_as::<const_oid::ObjectIdentifier>()
            .map_err(|_| Error::UnsupportedKey("EC key with explicit curve parameters".into()))?;
        let curve = EcCurve::from_oid(&curve_oid)
            .ok_or_else(|| Error::UnsupportedKey(format!("EC key on curve {curve_oid}")))?;
        Ok(KeyKind::Ec { curve })
    } else if oid == rfc5912::ID_RSASSA_PSS {
        Err(Error::UnsupportedKey(
            "RSASSA-PSS-only public key (id-RSASSA-PSS)".into(),
        ))
    } else {
        Err(Error::UnsupportedKey(format!("public key algorithm {oid}")))
    }
}

/// The kind of a DER `SubjectPublicKeyInfo` holding an RSA key or an EC key on a supported
/// named curve, read without decoding it into structures; `None` for anything else and at the
/// first doubt (the caller then decodes it with `der`, which accepts everything accepted here:
/// strict DER — one-octet tags, definite minimal lengths, contents that fill their element
/// exactly — a BIT STRING without unused bits, and non-negative minimal INTEGERs).
fn quick_kind_of_spki(der: &[u8]) -> Option<KeyKind> {
    let (spki, rest) = element(der, 0x30)?;
    if !rest.is_empty() {
        return None;
    }
    let (algorithm, rest) = element(spki, 0x30)?;
    let (bits, rest) = element(rest, 0x03)?;
    if !rest.is_empty() {
        return None;
    }
    let key = match bits.split_first()? {
        (0, key) => key,
        _ => return None,
    };
    let (oid, parameters) = element(algorithm, 0x06)?;
    if oid == rfc5912::RSA_ENCRYPTION.as_bytes() {
        // rsaEncryption: the parameters are NULL (RFC 3279 §2.3.1), or absent in some keys.
        if !(parameters.is_empty() || parameters == [0x05, 0x00]) {
            return None;
        }
        let (rsa, rest) = element(key, 0x30)?;
        if !rest.is_empty() {
            return None;
        }
        let (modulus, rest) = element(rsa, 0x02)?;
        let (exponent, rest) = element(rest, 0x02)?;
        if !rest.is_empty() || !is_positive_minimal(modulus) || !is_positive_minimal(exponent) {
            return None;
        }
        let modulus_bits = significant_bits(modulus);
        (modulus_bits > 0).then_some(KeyKind::Rsa { modulus_bits })
    } else if oid == rfc5912::ID_EC_PUBLIC_KEY.as_bytes() {
        let (curve, rest) = element(parameters, 0x06)?;
        if !rest.is_empty() {
            return None;
        }
        let curve = [EcCurve::P256, EcCurve::P384]
            .into_iter()
            .find(|known| known.oid().as_bytes() == curve)?;
        Some(KeyKind::Ec { curve })
    } else {
        None
    }
}

/// Splits the DER element with the one-octet tag `tag` at the start of `input` into its
/// contents and what follows; `None` unless its length is definite, minimally encoded and
/// within `input`.
fn element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, input) = input.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, input) = input.split_first()?;
    let (len, input) = match first {
        0..=0x7f => (usize::from(first), input),
        0x81..=0x83 => {
            let count = usize::from(first & 0x7f);
            let octets = input.get(..count)?;
            if octets.first() == Some(&0) {
                return None;
            }
            let len = octets
                .iter()
                .fold(0usize, |len, octet| (len << 8) | usize::from(*octet));
            if len < 0x80 {
                return None;
            }
            (len, input.get(count..)?)
        }
        _ => return None,
    };
    Some((input.get(..len)?, input.get(len..)?))
}

/// Whether the contents of a DER INTEGER are a minimal encoding of a non-negative number.
fn is_positive_minimal(contents: &[u8]) -> bool {
    match contents {
        [] => false,
        [first, ..] if *first >= 0x80 => false,
        [0, second, ..] => *second >= 0x80,
        _ => true,
    }
}

/// Number of significant bits in a big-endian unsigned integer.
fn significant_bits(be: &[u8]) -> usize {
    let mut iter = be.iter().skip_while(|b| **b == 0);
    match iter.next() {
        None => 0,
        Some(first) => {
            let rest = iter.count();
            (8 - first.leading_zeros() as usize) + rest * 8
        }
    }
}

/// A private key: something that can sign a digest, decrypt a content-encryption key, or
/// derive an ECDH shared secret — without ever handing out the key itself.
///
/// Backends implement this for their in-memory keys; a hardware token or a KMS key can
/// implement it too. Implementations zeroize their secrets on drop.
pub trait PrivateKey: Send + Sync + fmt::Debug {
    /// The matching public key.
    fn public_key(&self) -> &PublicKey;

    /// The key's algorithm and size.
    fn kind(&self) -> KeyKind {
        self.public_key().kind()
    }

    /// Signs a precomputed digest with the given scheme. `digest` must have the length of
    /// `scheme.digest()`. ECDSA signatures are returned DER-encoded (`Ecdsa-Sig-Value`).
    fn sign_digest(&self, scheme: SignatureScheme, digest: &[u8]) -> Result<Vec<u8>, Error>;

    /// Decrypts an RSA-encrypted content-encryption key of `key_len` bytes.
    ///
    /// With [`RsaEncryptionPadding::Pkcs1v15`] this never fails because of the padding: a bad
    /// padding, or a plaintext of the wrong length, yields a pseudorandom key of `key_len` bytes
    /// (implicit rejection), so that the failure shows only later, when the content does not
    /// decrypt. It fails only for inputs that are wrong in public (e.g. the ciphertext's length).
    fn decrypt_key(
        &self,
        padding: RsaEncryptionPadding,
        ciphertext: &[u8],
        key_len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error>;

    /// ECDH: the shared secret (the x-coordinate, RFC 5753 §3.1.1 "Z") with the peer's public
    /// key, which must be on this key's curve.
    fn agree(&self, peer: &PublicKey) -> Result<Zeroizing<Vec<u8>>, Error>;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick walk accepts only what the decoder accepts, with the same kind: checked on
    /// OpenSSL's RSA-2048, P-256 and P-384 keys and on every one-octet change of them.
    #[test]
    fn the_quick_walk_agrees_with_the_decoder() {
        let keys: [&[u8]; 3] = [
            include_bytes!("../tests/data/spki-rsa2048.der"),
            include_bytes!("../tests/data/spki-p256.der"),
            include_bytes!("../tests/data/spki-p384.der"),
        ];
        let mut quick = 0usize;
        for key in keys {
            assert!(quick_kind_of_spki(key).is_some());
            for at in 0..key.len() {
                for value in [0x00u8, 0x01, 0x02, 0x05, 0x06, 0x7f, 0x80, 0x81, 0x82, 0xff] {
                    let mut mutant = key.to_vec();
                    let Some(octet) = mutant.get_mut(at) else {
                        continue;
                    };
                    *octet = value;
                    if let Some(kind) = quick_kind_of_spki(&mutant) {
                        quick += 1;
                        let decoded = PublicKey::decode_spki_der(&mutant)
                            .unwrap_or_else(|e| panic!("{mutant:02x?}: {e}"));
                        assert_eq!(decoded.kind(), kind);
                    }
                }
            }
        }
        assert!(quick > 1000, "{quick}");
    }
}
