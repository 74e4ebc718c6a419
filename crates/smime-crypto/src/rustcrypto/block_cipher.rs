//! AES-GCM (`aes-gcm`), AES/3DES-CBC with PKCS#7 padding (`cbc`), AES key wrap (`aes-kw`).

use aes_gcm::AesGcm;
use aes_gcm::aead::AeadInOut;
use aes_gcm::aead::array::Array;
use aes_gcm::aead::consts::{U12, U13, U14, U15, U16};
use aes_gcm::aead::inout::InOutBuf;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use zeroize::{Zeroize, Zeroizing};

use crate::algorithm::{AeadCipher, CbcCipher};
use crate::error::Error;

/// The only AES-GCM nonce length we accept: RFC 5084 §3.2 recommends 12 octets, and other
/// lengths go through GHASH, which neither OpenSSL's CMS nor aws-lc supports for CMS.
pub(crate) const GCM_NONCE_LEN: usize = 12;
/// Shortest AES-GCM tag we accept (RFC 5084 §3.2: ICVlen is 12 to 16 octets).
pub(crate) const GCM_MIN_TAG_LEN: usize = 12;
/// Longest AES-GCM tag.
pub(crate) const GCM_MAX_TAG_LEN: usize = 16;

/// Runs `$body` with `$c` bound to the AES-GCM type for `$cipher` and tag size `$tag`.
macro_rules! with_gcm {
    ($cipher:expr, $tag:expr, $c:ident => $body:expr) => {
        with_gcm!(@cipher $cipher, $tag, $c, $body)
    };
    (@cipher $cipher:expr, $tag:expr, $c:ident, $body:expr) => {
        match $cipher {
            AeadCipher::Aes128Gcm => with_gcm!(@tag aes::Aes128, $tag, $c, $body),
            AeadCipher::Aes192Gcm => with_gcm!(@tag aes::Aes192, $tag, $c, $body),
            AeadCipher::Aes256Gcm => with_gcm!(@tag aes::Aes256, $tag, $c, $body),
        }
    };
    (@tag $aes:ty, $tag:expr, $c:ident, $body:expr) => {
        match $tag {
            12 => { type $c = AesGcm<$aes, U12, U12>; $body }
            13 => { type $c = AesGcm<$aes, U12, U13>; $body }
            14 => { type $c = AesGcm<$aes, U12, U14>; $body }
            15 => { type $c = AesGcm<$aes, U12, U15>; $body }
            16 => { type $c = AesGcm<$aes, U12, U16>; $body }
            other => Err(Error::InvalidLength { what: "AES-GCM tag", len: other }),
        }
    };
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
    if !(GCM_MIN_TAG_LEN..=GCM_MAX_TAG_LEN).contains(&tag_len) {
        return Err(Error::InvalidLength {
            what: "AES-GCM tag",
            len: tag_len,
        });
    }
    Ok(())
}

/// AES-GCM encryption in place; returns the tag.
pub(crate) fn gcm_seal(
    cipher: AeadCipher,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    in_out: &mut [u8],
    tag_len: usize,
) -> Result<Vec<u8>, Error> {
    check_gcm_inputs(cipher, key, nonce, tag_len)?;
    let nonce = Array::<u8, U12>::try_from(nonce).map_err(|_| Error::InvalidLength {
        what: "AES-GCM nonce",
        len: nonce.len(),
    })?;
    with_gcm!(cipher, tag_len, C => {
        let aead = C::new_from_slice(key).map_err(|_| Error::InvalidLength { what: "AES-GCM key", len: key.len() })?;
        aead.encrypt_inout_detached(&nonce, aad, in_out.into())
            .map(|tag| tag.to_vec())
            .map_err(|_| Error::InvalidLength { what: "AES-GCM plaintext", len: in_out.len() })
    })
}

/// AES-GCM decryption in place; the buffer is zeroed when the tag does not verify.
pub(crate) fn gcm_open(
    cipher: AeadCipher,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    in_out: &mut [u8],
    tag: &[u8],
) -> Result<(), Error> {
    check_gcm_inputs(cipher, key, nonce, tag.len())?;
    let nonce = Array::<u8, U12>::try_from(nonce).map_err(|_| Error::InvalidLength {
        what: "AES-GCM nonce",
        len: nonce.len(),
    })?;
    let result = with_gcm!(cipher, tag.len(), C => {
        let aead = C::new_from_slice(key).map_err(|_| Error::InvalidLength { what: "AES-GCM key", len: key.len() })?;
        let tag = Array::try_from(tag).map_err(|_| Error::InvalidLength { what: "AES-GCM tag", len: tag.len() })?;
        aead.decrypt_inout_detached(&nonce, aad, (&mut *in_out).into(), &tag)
            .map_err(|_| Error::IntegrityCheckFailed)
    });
    if result.is_err() {
        in_out.zeroize();
    }
    result
}

/// AES-GCM decryption from `ciphertext` into `out` (of the same length); `out` is zeroed
/// when the tag does not verify.
pub(crate) fn gcm_open_into(
    cipher: AeadCipher,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
    out: &mut [u8],
) -> Result<(), Error> {
    check_gcm_inputs(cipher, key, nonce, tag.len())?;
    let nonce = Array::<u8, U12>::try_from(nonce).map_err(|_| Error::InvalidLength {
        what: "AES-GCM nonce",
        len: nonce.len(),
    })?;
    let out_len = out.len();
    let buffer = InOutBuf::new(ciphertext, out).map_err(|_| Error::InvalidLength {
        what: "AES-GCM output buffer",
        len: out_len,
    })?;
    let result = with_gcm!(cipher, tag.len(), C => {
        let aead = C::new_from_slice(key).map_err(|_| Error::InvalidLength { what: "AES-GCM key", len: key.len() })?;
        let tag = Array::try_from(tag).map_err(|_| Error::InvalidLength { what: "AES-GCM tag", len: tag.len() })?;
        aead.decrypt_inout_detached(&nonce, aad, buffer, &tag)
            .map_err(|_| Error::IntegrityCheckFailed)
    });
    if result.is_err() {
        out.zeroize();
    }
    result
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

/// Runs `$body` with `$c` bound to the block cipher of `$cipher`.
macro_rules! with_block_cipher {
    ($cipher:expr, $c:ident => $body:expr) => {
        match $cipher {
            CbcCipher::Aes128 => {
                type $c = aes::Aes128;
                $body
            }
            CbcCipher::Aes192 => {
                type $c = aes::Aes192;
                $body
            }
            CbcCipher::Aes256 => {
                type $c = aes::Aes256;
                $body
            }
            CbcCipher::DesEde3 => {
                type $c = des::TdesEde3;
                $body
            }
        }
    };
}

/// CBC encryption with PKCS#7 padding.
pub(crate) fn cbc_encrypt(
    cipher: CbcCipher,
    key: &[u8],
    iv: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    check_cbc_inputs(cipher, key, iv)?;
    with_block_cipher!(cipher, C => {
        let enc = cbc::Encryptor::<C>::new_from_slices(key, iv)
            .map_err(|_| Error::InvalidLength { what: "CBC key", len: key.len() })?;
        Ok(enc.encrypt_padded_vec::<Pkcs7>(plaintext))
    })
}

/// CBC encryption with PKCS#7 padding in place: `buffer[start..]` becomes its ciphertext,
/// the padding block appended.
pub(crate) fn cbc_encrypt_in_place(
    cipher: CbcCipher,
    key: &[u8],
    iv: &[u8],
    buffer: &mut Vec<u8>,
    start: usize,
) -> Result<(), Error> {
    check_cbc_inputs(cipher, key, iv)?;
    let msg_len = buffer
        .len()
        .checked_sub(start)
        .ok_or(Error::InvalidLength {
            what: "CBC plaintext offset",
            len: start,
        })?;
    let block_len = cipher.block_len();
    // PKCS #7 always adds 1 to `block_len` octets.
    let padded_len = msg_len
        .checked_add(block_len)
        .map(|len| len - len % block_len)
        .ok_or(Error::InvalidLength {
            what: "CBC plaintext",
            len: msg_len,
        })?;
    buffer.resize(start.saturating_add(padded_len), 0);
    let region = buffer.get_mut(start..).ok_or(Error::InvalidLength {
        what: "CBC plaintext offset",
        len: start,
    })?;
    with_block_cipher!(cipher, C => {
        let enc = cbc::Encryptor::<C>::new_from_slices(key, iv)
            .map_err(|_| Error::InvalidLength { what: "CBC key", len: key.len() })?;
        enc.encrypt_padded::<Pkcs7>(region, msg_len)
            .map(|_| ())
            .map_err(|_| Error::Backend("CBC padding".into()))
    })
}

/// CBC decryption and PKCS#7 padding removal. Any failure after the public length checks is
/// [`Error::DecryptionFailed`].
pub(crate) fn cbc_decrypt(
    cipher: CbcCipher,
    key: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    check_cbc_inputs(cipher, key, iv)?;
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(cipher.block_len()) {
        return Err(Error::InvalidLength {
            what: "CBC ciphertext",
            len: ciphertext.len(),
        });
    }
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    let plain_len = with_block_cipher!(cipher, C => {
        let dec = cbc::Decryptor::<C>::new_from_slices(key, iv)
            .map_err(|_| Error::InvalidLength { what: "CBC key", len: key.len() })?;
        dec.decrypt_padded::<Pkcs7>(buffer.as_mut_slice())
            .map(<[u8]>::len)
            .map_err(|_| Error::DecryptionFailed)?
    });
    buffer.truncate(plain_len);
    Ok(buffer)
}

/// Length of the RFC 3394 integrity check value / semiblock.
const KW_SEMIBLOCK: usize = 8;
/// RFC 3394 §2: the key data is at least two 64-bit blocks.
const KW_MIN_KEY_LEN: usize = 2 * KW_SEMIBLOCK;

/// Runs `$body` with `$k` bound to the key-wrap type for a KEK of `$kek_len` bytes.
macro_rules! with_kw {
    ($kek_len:expr, $k:ident => $body:expr) => {
        match $kek_len {
            16 => {
                type $k = aes_kw::KwAes128;
                $body
            }
            24 => {
                type $k = aes_kw::KwAes192;
                $body
            }
            32 => {
                type $k = aes_kw::KwAes256;
                $body
            }
            other => Err(Error::InvalidLength {
                what: "key-encryption key",
                len: other,
            }),
        }
    };
}

/// AES key wrap (RFC 3394).
pub(crate) fn key_wrap(kek: &[u8], key: &[u8]) -> Result<Vec<u8>, Error> {
    if key.len() < KW_MIN_KEY_LEN || !key.len().is_multiple_of(KW_SEMIBLOCK) {
        return Err(Error::InvalidLength {
            what: "key to wrap",
            len: key.len(),
        });
    }
    let mut out = vec![0u8; key.len() + KW_SEMIBLOCK];
    with_kw!(kek.len(), K => {
        let kw = K::new_from_slice(kek).map_err(|_| Error::InvalidLength { what: "key-encryption key", len: kek.len() })?;
        kw.wrap_key(key, &mut out)
            .map(|_| ())
            .map_err(|_| Error::InvalidLength { what: "key to wrap", len: key.len() })
    })?;
    Ok(out)
}

/// AES key unwrap (RFC 3394). Short or misaligned input is an error (never a panic:
/// RUSTSEC-2025-0136); a failed integrity check is [`Error::IntegrityCheckFailed`].
pub(crate) fn key_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    if wrapped.len() < KW_MIN_KEY_LEN + KW_SEMIBLOCK || !wrapped.len().is_multiple_of(KW_SEMIBLOCK)
    {
        return Err(Error::InvalidLength {
            what: "wrapped key",
            len: wrapped.len(),
        });
    }
    let mut out = Zeroizing::new(vec![0u8; wrapped.len() - KW_SEMIBLOCK]);
    with_kw!(kek.len(), K => {
        let kw = K::new_from_slice(kek).map_err(|_| Error::InvalidLength { what: "key-encryption key", len: kek.len() })?;
        kw.unwrap_key(wrapped, &mut out)
            .map(|_| ())
            .map_err(|e| match e {
                aes_kw::Error::IntegrityCheckFailed => Error::IntegrityCheckFailed,
                _ => Error::InvalidLength { what: "wrapped key", len: wrapped.len() },
            })
    })
    .inspect_err(|_| out.zeroize())?;
    Ok(out)
}
