//! Key derivation for the recipient kinds that derive their key-encryption key: the ANSI X9.63
//! KDF of ECDH key agreement (RFC 5753 §7.2, SEC 1 §3.6.1) and PBKDF2 (RFC 8018 §5.2) for
//! password recipients (RFC 3211).
//!
//! Both are built on the provider's digests ([`CryptoProvider::hasher`]), so every hash goes
//! through the one provider the caller chose; HMAC (RFC 2104) is composed here from the
//! digest, as PBKDF2 needs it.

use smime_crypto::{CryptoProvider, DigestAlgorithm};
use zeroize::{Zeroize, Zeroizing};

/// The input block size of a digest in bytes (RFC 2104's `B`).
const fn block_len(digest: DigestAlgorithm) -> usize {
    match digest {
        DigestAlgorithm::Sha384 | DigestAlgorithm::Sha512 => 128,
        _ => 64,
    }
}

/// HMAC (RFC 2104) over the provider's digest, with the key pads prepared once.
struct Hmac<'p> {
    provider: &'p dyn CryptoProvider,
    digest: DigestAlgorithm,
    inner_pad: Zeroizing<Vec<u8>>,
    outer_pad: Zeroizing<Vec<u8>>,
}

impl<'p> Hmac<'p> {
    fn new(
        provider: &'p dyn CryptoProvider,
        digest: DigestAlgorithm,
        key: &[u8],
    ) -> Result<Self, smime_crypto::Error> {
        let block = block_len(digest);
        // RFC 2104 §2: a key longer than the block is hashed first.
        let key: Zeroizing<Vec<u8>> = if key.len() > block {
            Zeroizing::new(provider.digest(digest, key)?)
        } else {
            Zeroizing::new(key.to_vec())
        };
        let mut inner_pad = Zeroizing::new(vec![0x36u8; block]);
        let mut outer_pad = Zeroizing::new(vec![0x5cu8; block]);
        for ((inner, outer), k) in inner_pad
            .iter_mut()
            .zip(outer_pad.iter_mut())
            .zip(key.iter())
        {
            *inner ^= k;
            *outer ^= k;
        }
        Ok(Self {
            provider,
            digest,
            inner_pad,
            outer_pad,
        })
    }

    /// HMAC of the concatenation of `parts`.
    fn mac(&self, parts: &[&[u8]]) -> Result<Zeroizing<Vec<u8>>, smime_crypto::Error> {
        let mut inner = self.provider.hasher(self.digest)?;
        inner.update(&self.inner_pad);
        for part in parts {
            inner.update(part);
        }
        let inner_digest = Zeroizing::new(inner.finish());
        let mut outer = self.provider.hasher(self.digest)?;
        outer.update(&self.outer_pad);
        outer.update(&inner_digest);
        Ok(Zeroizing::new(outer.finish()))
    }
}

/// PBKDF2 (RFC 8018 §5.2) with HMAC over `prf`: `out.len()` bytes from `password` and `salt`.
/// The caller bounds `iterations` (see [`MAX_PBKDF2_ITERATIONS`](crate::budget::MAX_PBKDF2_ITERATIONS)).
pub(crate) fn pbkdf2(
    provider: &dyn CryptoProvider,
    prf: DigestAlgorithm,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) -> Result<(), smime_crypto::Error> {
    let hmac = Hmac::new(provider, prf, password)?;
    for (index, block) in out.chunks_mut(prf.output_len()).enumerate() {
        // Block numbers count from 1 (INT(i), big-endian).
        let number = u32::try_from(index)
            .ok()
            .and_then(|i| i.checked_add(1))
            .ok_or(smime_crypto::Error::InvalidLength {
                what: "PBKDF2 output",
                len: block.len(),
            })?;
        let mut u = hmac.mac(&[salt, &number.to_be_bytes()])?;
        let mut t = u.clone();
        for _ in 1..iterations {
            u = hmac.mac(&[&u])?;
            for (t_byte, u_byte) in t.iter_mut().zip(u.iter()) {
                *t_byte ^= u_byte;
            }
        }
        for (dst, src) in block.iter_mut().zip(t.iter()) {
            *dst = *src;
        }
    }
    Ok(())
}

/// The ANSI X9.63 KDF (SEC 1 v2 §3.6.1, as RFC 5753 §7.2 uses it): `out.len()` bytes of
/// `Hash(Z || counter || SharedInfo)` for counter = 1, 2, … (32-bit big-endian).
pub(crate) fn x963(
    provider: &dyn CryptoProvider,
    digest: DigestAlgorithm,
    shared_secret: &[u8],
    shared_info: &[u8],
    out: &mut [u8],
) -> Result<(), smime_crypto::Error> {
    for (index, block) in out.chunks_mut(digest.output_len()).enumerate() {
        let counter = u32::try_from(index)
            .ok()
            .and_then(|i| i.checked_add(1))
            .ok_or(smime_crypto::Error::InvalidLength {
                what: "X9.63 KDF output",
                len: block.len(),
            })?;
        let mut hasher = provider.hasher(digest)?;
        hasher.update(shared_secret);
        hasher.update(&counter.to_be_bytes());
        hasher.update(shared_info);
        let mut value = hasher.finish();
        for (dst, src) in block.iter_mut().zip(value.iter()) {
            *dst = *src;
        }
        value.zeroize();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn hmac_rfc4231_case_2() {
        for provider in smime_crypto::all_providers() {
            let hmac = Hmac::new(provider, DigestAlgorithm::Sha256, b"Jefe").unwrap();
            assert_eq!(
                *hmac.mac(&[b"what do ya want ", b"for nothing?"]).unwrap(),
                unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
            );
            let hmac = Hmac::new(provider, DigestAlgorithm::Sha512, b"Jefe").unwrap();
            assert_eq!(
                *hmac.mac(&[b"what do ya want for nothing?"]).unwrap(),
                unhex(
                    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
                )
            );
            // RFC 4231 case 6: a 131-byte key is hashed first.
            let hmac = Hmac::new(provider, DigestAlgorithm::Sha256, &[0xaa; 131]).unwrap();
            assert_eq!(
                *hmac
                    .mac(&[b"Test Using Larger Than Block-Size Key - Hash Key First"])
                    .unwrap(),
                unhex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
            );
        }
    }

    #[test]
    fn pbkdf2_rfc6070_and_sha256_vectors() {
        for provider in smime_crypto::all_providers() {
            // RFC 6070 (HMAC-SHA-1).
            let mut out = [0u8; 20];
            pbkdf2(
                provider,
                DigestAlgorithm::Sha1,
                b"password",
                b"salt",
                2,
                &mut out,
            )
            .unwrap();
            assert_eq!(
                out.to_vec(),
                unhex("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957")
            );
            let mut out = [0u8; 25];
            pbkdf2(
                provider,
                DigestAlgorithm::Sha1,
                b"passwordPASSWORDpassword",
                b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
                4096,
                &mut out,
            )
            .unwrap();
            assert_eq!(
                out.to_vec(),
                unhex("3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038")
            );
            // PBKDF2-HMAC-SHA-256, c = 1, dkLen = 32 (widely published vector).
            let mut out = [0u8; 32];
            pbkdf2(
                provider,
                DigestAlgorithm::Sha256,
                b"password",
                b"salt",
                1,
                &mut out,
            )
            .unwrap();
            assert_eq!(
                out.to_vec(),
                unhex("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b")
            );
        }
    }

    #[test]
    fn x963_sec1_vector() {
        // ANSI X9.63 KDF with SHA-256: NIST CAVS "KDF135 ANSI X9.63" sample (shared secret of
        // 192 bits, SharedInfo of 0 bits, 128 bits of key data).
        for provider in smime_crypto::all_providers() {
            let mut out = [0u8; 16];
            x963(
                provider,
                DigestAlgorithm::Sha256,
                &unhex("96c05619d56c328ab95fe84b18264b08725b85e33fd34f08"),
                &[],
                &mut out,
            )
            .unwrap();
            assert_eq!(out.to_vec(), unhex("443024c3dae66b95e6f5670601558f71"));
            // Output longer than one digest: two counter blocks.
            let mut long = [0u8; 40];
            x963(provider, DigestAlgorithm::Sha256, b"z", b"info", &mut long).unwrap();
            let mut first = provider.hasher(DigestAlgorithm::Sha256).unwrap();
            first.update(b"z\x00\x00\x00\x01info");
            let mut second = provider.hasher(DigestAlgorithm::Sha256).unwrap();
            second.update(b"z\x00\x00\x00\x02info");
            let expected = [first.finish(), second.finish()].concat();
            assert_eq!(long.to_vec(), expected[..40].to_vec());
        }
    }
}
