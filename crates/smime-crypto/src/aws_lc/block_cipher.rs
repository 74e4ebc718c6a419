//! AES-GCM, AES-CBC with PKCS#7 padding and AES key wrap with `aws-lc-rs`; 3DES-CBC and
//! AES-192 key wrap through the RustCrypto provider.

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{
    self, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext,
    PaddedBlockEncryptingKey, UnboundCipherKey,
};
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::key_wrap::{self, KeyEncryptionKey, KeyWrap};
use subtle::{ConstantTimeEq, ConstantTimeLess};
use zeroize::{Zeroize, Zeroizing};

use super::fallback;
use crate::algorithm::{AeadCipher, CbcCipher};
use crate::error::Error;

/// The only AES-GCM nonce length: RFC 5084 §3.2 recommends 12 octets, and `aws-lc-rs` (like
/// OpenSSL's CMS) takes no other.
const GCM_NONCE_LEN: usize = 12;
/// Shortest AES-GCM tag (RFC 5084 §3.2: ICVlen is 12 to 16 octets).
const GCM_MIN_TAG_LEN: usize = 12;
/// Longest AES-GCM tag, the only length `aws-lc-rs` produces and checks.
const GCM_FULL_TAG_LEN: usize = 16;
/// Longest AES-GCM plaintext: 2^39 − 256 bits (NIST SP 800-38D §5.2.1.1). Below it the GCM
/// counter (32 bits, starting at 2) never wraps, so GCM encryption equals AES-CTR from
/// `nonce ‖ 00000002` with a 128-bit counter, which [`gcm_open`] relies on for short tags.
const GCM_MAX_PLAINTEXT_LEN: u64 = (1 << 36) - 32;

/// Whether `len` bytes exceed [`GCM_MAX_PLAINTEXT_LEN`].
fn too_long_for_gcm(len: usize) -> bool {
    u64::try_from(len).map_or(true, |len| len > GCM_MAX_PLAINTEXT_LEN)
}
/// AES block length.
const AES_BLOCK_LEN: usize = 16;
/// RFC 3394 semiblock (and integrity check value) length.
const KW_SEMIBLOCK: usize = 8;
/// RFC 3394 §2: the key data is at least two semiblocks.
const KW_MIN_KEY_LEN: usize = 2 * KW_SEMIBLOCK;

fn backend(what: &str) -> impl FnOnce(aws_lc_rs::error::Unspecified) -> Error + '_ {
    move |_| Error::Backend(format!("AWS-LC: {what} failed"))
}

fn check_gcm_inputs(
    cipher: AeadCipher,
    key: &[u8],
    nonce: &[u8],
    tag_len: usize,
) -> Result<(), Error> {
    if key.len() != cipher.key_len() {
        return Err(Error::InvalidLength {
            what: "AES-GCM key",
            len: key.len(),
        });
    }
    if nonce.len() != GCM_NONCE_LEN {
        return Err(Error::InvalidLength {
            what: "AES-GCM nonce",
            len: nonce.len(),
        });
    }
    if !(GCM_MIN_TAG_LEN..=GCM_FULL_TAG_LEN).contains(&tag_len) {
        return Err(Error::InvalidLength {
            what: "AES-GCM tag",
            len: tag_len,
        });
    }
    Ok(())
}

fn gcm_key(cipher: AeadCipher, key: &[u8]) -> Result<LessSafeKey, Error> {
    let algorithm = match cipher {
        AeadCipher::Aes128Gcm => &aead::AES_128_GCM,
        AeadCipher::Aes192Gcm => &aead::AES_192_GCM,
        AeadCipher::Aes256Gcm => &aead::AES_256_GCM,
    };
    UnboundKey::new(algorithm, key)
        .map(LessSafeKey::new)
        .map_err(|_| Error::InvalidLength {
            what: "AES-GCM key",
            len: key.len(),
        })
}

fn gcm_nonce(nonce: &[u8]) -> Result<Nonce, Error> {
    Nonce::try_assume_unique_for_key(nonce).map_err(|_| Error::InvalidLength {
        what: "AES-GCM nonce",
        len: nonce.len(),
    })
}

/// AES-GCM encryption in place; returns the first `tag_len` bytes of the 16-byte tag
/// (a truncated GCM tag is the full tag's prefix, NIST SP 800-38D §5.2.1.2).
pub(super) fn gcm_seal(
    cipher: AeadCipher,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    in_out: &mut [u8],
    tag_len: usize,
) -> Result<Vec<u8>, Error> {
    check_gcm_inputs(cipher, key, nonce, tag_len)?;
    if too_long_for_gcm(in_out.len()) {
        return Err(Error::InvalidLength {
            what: "AES-GCM plaintext",
            len: in_out.len(),
        });
    }
    let tag = gcm_key(cipher, key)?
        .seal_in_place_separate_tag(gcm_nonce(nonce)?, Aad::from(aad), in_out)
        .map_err(backend("AES-GCM encryption"))?;
    tag.as_ref()
        .get(..tag_len)
        .map(<[u8]>::to_vec)
        .ok_or(Error::InvalidLength {
            what: "AES-GCM tag",
            len: tag_len,
        })
}

/// AES-GCM decryption in place; the buffer is zeroed when the tag does not verify.
///
/// A 16-byte tag is checked by AWS-LC directly. `aws-lc-rs` checks no shorter tag, so for
/// 12 to 15 bytes the full tag is recomputed with AWS-LC: the ciphertext is decrypted with
/// AES-CTR (GCM's keystream), sealed again with the same key and nonce (which gives back the
/// same ciphertext and the full tag), and the tag's prefix is compared in constant time. Only
/// if it matches is the buffer decrypted once more and released; otherwise it is zeroed.
pub(super) fn gcm_open(
    cipher: AeadCipher,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    in_out: &mut [u8],
    tag: &[u8],
) -> Result<(), Error> {
    check_gcm_inputs(cipher, key, nonce, tag.len())?;
    let gcm = gcm_key(cipher, key)?;
    let result = if tag.len() == GCM_FULL_TAG_LEN {
        gcm.open_in_place_separate_tag(gcm_nonce(nonce)?, Aad::from(aad), tag, in_out)
            .map(|_| ())
            .map_err(|_| Error::IntegrityCheckFailed)
    } else {
        open_short_tag(cipher, &gcm, key, nonce, aad, in_out, tag)
    };
    if result.is_err() {
        in_out.zeroize();
    }
    result
}

/// AES-GCM decryption from `ciphertext` into `out` (of the same length); `out` is zeroed
/// when the tag does not verify. Short tags go through [`gcm_open`] on a copy.
pub(super) fn gcm_open_into(
    cipher: AeadCipher,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
    out: &mut [u8],
) -> Result<(), Error> {
    if out.len() != ciphertext.len() {
        return Err(Error::InvalidLength {
            what: "AES-GCM output buffer",
            len: out.len(),
        });
    }
    if tag.len() != GCM_FULL_TAG_LEN {
        out.copy_from_slice(ciphertext);
        return gcm_open(cipher, key, nonce, aad, out, tag);
    }
    check_gcm_inputs(cipher, key, nonce, tag.len())?;
    let result = gcm_key(cipher, key)?
        .open_separate_gather(gcm_nonce(nonce)?, Aad::from(aad), ciphertext, tag, out)
        .map_err(|_| Error::IntegrityCheckFailed);
    if result.is_err() {
        out.zeroize();
    }
    result
}

/// The short-tag path of [`gcm_open`]; the caller zeroes the buffer on error.
fn open_short_tag(
    cipher: AeadCipher,
    gcm: &LessSafeKey,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    in_out: &mut [u8],
    tag: &[u8],
) -> Result<(), Error> {
    if too_long_for_gcm(in_out.len()) {
        return Err(Error::InvalidLength {
            what: "AES-GCM ciphertext",
            len: in_out.len(),
        });
    }
    // The first counter block of GCM's keystream for a 96-bit nonce: nonce ‖ 00000002
    // (NIST SP 800-38D §7.1: J0 = nonce ‖ 0^31 ‖ 1, and encryption starts at inc32(J0)).
    let mut counter = [0u8; AES_BLOCK_LEN];
    for (dst, src) in counter.iter_mut().zip(nonce) {
        *dst = *src;
    }
    if let Some(last) = counter.last_mut() {
        *last = 2;
    }
    let ctr_key = || -> Result<EncryptingKey, Error> {
        let algorithm = match cipher {
            AeadCipher::Aes128Gcm => &cipher::AES_128,
            AeadCipher::Aes192Gcm => &cipher::AES_192,
            AeadCipher::Aes256Gcm => &cipher::AES_256,
        };
        UnboundCipherKey::new(algorithm, key)
            .and_then(EncryptingKey::ctr)
            .map_err(|_| Error::InvalidLength {
                what: "AES-GCM key",
                len: key.len(),
            })
    };
    let ctr = ctr_key()?;
    ctr.less_safe_encrypt(in_out, EncryptionContext::Iv128(FixedLength::from(counter)))
        .map_err(backend("AES-CTR"))?;
    let full_tag = gcm
        .seal_in_place_separate_tag(gcm_nonce(nonce)?, Aad::from(aad), in_out)
        .map_err(backend("AES-GCM tag computation"))?;
    let expected = full_tag
        .as_ref()
        .get(..tag.len())
        .ok_or(Error::IntegrityCheckFailed)?;
    if bool::from(expected.ct_eq(tag)) {
        ctr.less_safe_encrypt(in_out, EncryptionContext::Iv128(FixedLength::from(counter)))
            .map_err(backend("AES-CTR"))?;
        Ok(())
    } else {
        Err(Error::IntegrityCheckFailed)
    }
}

fn check_cbc_inputs(cipher: CbcCipher, key: &[u8], iv: &[u8]) -> Result<(), Error> {
    if key.len() != cipher.key_len() {
        return Err(Error::InvalidLength {
            what: "CBC key",
            len: key.len(),
        });
    }
    if iv.len() != cipher.block_len() {
        return Err(Error::InvalidLength {
            what: "CBC IV",
            len: iv.len(),
        });
    }
    Ok(())
}

/// The `aws-lc-rs` AES cipher for a CBC cipher, or `None` for Triple DES.
fn aes_cipher(cipher: CbcCipher) -> Option<&'static cipher::Algorithm> {
    match cipher {
        CbcCipher::Aes128 => Some(&cipher::AES_128),
        CbcCipher::Aes192 => Some(&cipher::AES_192),
        CbcCipher::Aes256 => Some(&cipher::AES_256),
        CbcCipher::DesEde3 => None,
    }
}

fn aes_iv(iv: &[u8]) -> Result<FixedLength<AES_BLOCK_LEN>, Error> {
    FixedLength::try_from(iv).map_err(|_| Error::InvalidLength {
        what: "CBC IV",
        len: iv.len(),
    })
}

/// CBC encryption with PKCS#7 padding.
pub(super) fn cbc_encrypt(
    cipher: CbcCipher,
    key: &[u8],
    iv: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    check_cbc_inputs(cipher, key, iv)?;
    let Some(algorithm) = aes_cipher(cipher) else {
        return fallback().cbc_encrypt(cipher, key, iv, plaintext);
    };
    let key = UnboundCipherKey::new(algorithm, key)
        .and_then(PaddedBlockEncryptingKey::cbc_pkcs7)
        .map_err(|_| Error::InvalidLength {
            what: "CBC key",
            len: key.len(),
        })?;
    let mut buffer = Vec::with_capacity(plaintext.len().saturating_add(AES_BLOCK_LEN));
    buffer.extend_from_slice(plaintext);
    key.less_safe_encrypt(&mut buffer, EncryptionContext::Iv128(aes_iv(iv)?))
        .map_err(backend("AES-CBC encryption"))?;
    Ok(buffer)
}

/// The part of a buffer from `start` on, as `aws-lc-rs`'s padded encryption wants it: a
/// mutable slice that can grow at its end.
struct BufferTail<'a> {
    buffer: &'a mut Vec<u8>,
    start: usize,
}

impl AsMut<[u8]> for BufferTail<'_> {
    fn as_mut(&mut self) -> &mut [u8] {
        self.buffer.get_mut(self.start..).unwrap_or_default()
    }
}

impl<'b> Extend<&'b u8> for BufferTail<'_> {
    fn extend<I: IntoIterator<Item = &'b u8>>(&mut self, iter: I) {
        self.buffer.extend(iter);
    }
}

/// CBC encryption with PKCS#7 padding in place: `buffer[start..]` becomes its ciphertext,
/// the padding block appended.
pub(super) fn cbc_encrypt_in_place(
    cipher: CbcCipher,
    key: &[u8],
    iv: &[u8],
    buffer: &mut Vec<u8>,
    start: usize,
) -> Result<(), Error> {
    check_cbc_inputs(cipher, key, iv)?;
    if start > buffer.len() {
        return Err(Error::InvalidLength {
            what: "CBC plaintext offset",
            len: start,
        });
    }
    let Some(algorithm) = aes_cipher(cipher) else {
        return fallback().cbc_encrypt_in_place(cipher, key, iv, buffer, start);
    };
    let key = UnboundCipherKey::new(algorithm, key)
        .and_then(PaddedBlockEncryptingKey::cbc_pkcs7)
        .map_err(|_| Error::InvalidLength {
            what: "CBC key",
            len: key.len(),
        })?;
    // No `reserve` here: the caller sized the buffer for the padding (and whatever follows),
    // and reserving a whole block more could move the message.
    key.less_safe_encrypt(
        &mut BufferTail { buffer, start },
        EncryptionContext::Iv128(aes_iv(iv)?),
    )
    .map_err(backend("AES-CBC encryption"))?;
    Ok(())
}

/// The length of the message in `plaintext` once its PKCS#7 padding (RFC 5652 §6.3) is
/// removed, or `None` when the padding is malformed. Every byte of the last block is
/// examined whatever the padding byte says, so the time taken does not depend on where
/// a bad padding goes wrong.
fn pkcs7_unpadded_len(plaintext: &[u8], block_len: usize) -> Option<usize> {
    let pad = *plaintext.last()?;
    let block_len_u8 = u8::try_from(block_len).ok()?;
    let mut valid = !pad.ct_eq(&0) & !block_len_u8.ct_lt(&pad);
    for (distance_from_end, byte) in plaintext.iter().rev().take(block_len).enumerate() {
        let in_padding = u8::try_from(distance_from_end).ok()?.ct_lt(&pad);
        valid &= !in_padding | byte.ct_eq(&pad);
    }
    if bool::from(valid) {
        plaintext.len().checked_sub(usize::from(pad))
    } else {
        None
    }
}

/// CBC decryption and PKCS#7 padding removal. After the public length checks, every failure
/// is [`Error::DecryptionFailed`].
pub(super) fn cbc_decrypt(
    cipher: CbcCipher,
    key: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    check_cbc_inputs(cipher, key, iv)?;
    let Some(algorithm) = aes_cipher(cipher) else {
        return fallback().cbc_decrypt(cipher, key, iv, ciphertext);
    };
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(AES_BLOCK_LEN) {
        return Err(Error::InvalidLength {
            what: "CBC ciphertext",
            len: ciphertext.len(),
        });
    }
    let key = UnboundCipherKey::new(algorithm, key)
        .and_then(DecryptingKey::cbc)
        .map_err(|_| Error::InvalidLength {
            what: "CBC key",
            len: key.len(),
        })?;
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    // Raw CBC here and our own padding check below: `aws-lc-rs`'s PKCS#7 removal returns at
    // the first bad byte.
    key.decrypt(buffer.as_mut_slice(), DecryptionContext::Iv128(aes_iv(iv)?))
        .map_err(backend("AES-CBC decryption"))?;
    let len = pkcs7_unpadded_len(&buffer, AES_BLOCK_LEN).ok_or(Error::DecryptionFailed)?;
    buffer.truncate(len);
    Ok(buffer)
}

/// The `aws-lc-rs` key-wrap cipher for a key-encryption key, `Ok(None)` for AES-192 (which
/// `aws-lc-rs` lacks), or an error for a length that is no AES key.
fn kw_cipher(kek: &[u8]) -> Result<Option<&'static key_wrap::AesBlockCipher>, Error> {
    match kek.len() {
        16 => Ok(Some(&key_wrap::AES_128)),
        24 => Ok(None),
        32 => Ok(Some(&key_wrap::AES_256)),
        other => Err(Error::InvalidLength {
            what: "key-encryption key",
            len: other,
        }),
    }
}

/// AES key wrap (RFC 3394).
pub(super) fn key_wrap(kek: &[u8], key: &[u8]) -> Result<Vec<u8>, Error> {
    let cipher = kw_cipher(kek)?;
    if key.len() < KW_MIN_KEY_LEN || !key.len().is_multiple_of(KW_SEMIBLOCK) {
        return Err(Error::InvalidLength {
            what: "key to wrap",
            len: key.len(),
        });
    }
    let Some(cipher) = cipher else {
        return fallback().key_wrap(kek, key);
    };
    let kek = KeyEncryptionKey::new(cipher, kek).map_err(|_| Error::InvalidLength {
        what: "key-encryption key",
        len: kek.len(),
    })?;
    let mut out = vec![0u8; key.len().saturating_add(KW_SEMIBLOCK)];
    let written = kek
        .wrap(key, &mut out)
        .map_err(|_| Error::InvalidLength {
            what: "key to wrap",
            len: key.len(),
        })?
        .len();
    out.truncate(written);
    Ok(out)
}

/// AES key unwrap (RFC 3394). Short or misaligned input is an error, never a panic; a failed
/// integrity check (compared in constant time by AWS-LC) is [`Error::IntegrityCheckFailed`].
pub(super) fn key_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let cipher = kw_cipher(kek)?;
    if wrapped.len() < KW_MIN_KEY_LEN + KW_SEMIBLOCK || !wrapped.len().is_multiple_of(KW_SEMIBLOCK)
    {
        return Err(Error::InvalidLength {
            what: "wrapped key",
            len: wrapped.len(),
        });
    }
    let Some(cipher) = cipher else {
        return fallback().key_unwrap(kek, wrapped);
    };
    let kek = KeyEncryptionKey::new(cipher, kek).map_err(|_| Error::InvalidLength {
        what: "key-encryption key",
        len: kek.len(),
    })?;
    let mut out = Zeroizing::new(vec![0u8; wrapped.len().saturating_sub(KW_SEMIBLOCK)]);
    let result = kek.unwrap(wrapped, &mut out).map(|plain| plain.len());
    match result {
        Ok(written) => {
            out.truncate(written);
            Ok(out)
        }
        Err(_) => {
            out.zeroize();
            Err(Error::IntegrityCheckFailed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pkcs7_unpadded_len;

    #[test]
    fn pkcs7_padding_accepts_every_valid_length() {
        for pad in 1..=16u8 {
            let mut block = vec![0xAAu8; 32 - usize::from(pad)];
            block.extend(std::iter::repeat_n(pad, usize::from(pad)));
            assert_eq!(
                pkcs7_unpadded_len(&block, 16),
                Some(32 - usize::from(pad)),
                "pad {pad}"
            );
        }
    }

    #[test]
    fn pkcs7_padding_rejects_malformed_padding() {
        // Zero, too large, one wrong byte at each position of a full block of padding.
        let mut zero = vec![0x10u8; 16];
        zero[15] = 0;
        assert_eq!(pkcs7_unpadded_len(&zero, 16), None);
        assert_eq!(pkcs7_unpadded_len(&[0x11u8; 32], 16), None);
        for wrong in 0..15 {
            let mut block = vec![0x10u8; 16];
            block[wrong] = 0x0F;
            assert_eq!(
                pkcs7_unpadded_len(&block, 16),
                None,
                "wrong byte at {wrong}"
            );
        }
        let mut two = vec![0x41u8; 16];
        two[14] = 3;
        two[15] = 2;
        assert_eq!(pkcs7_unpadded_len(&two, 16), None);
        // A byte before the padding may equal anything.
        let mut ok = vec![0x02u8; 16];
        ok[13] = 0x07;
        assert_eq!(pkcs7_unpadded_len(&ok, 16), Some(14));
        assert_eq!(pkcs7_unpadded_len(&[], 16), None);
    }
}
