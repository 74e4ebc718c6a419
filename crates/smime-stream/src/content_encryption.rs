//! Incremental AES-GCM (NIST SP 800-38D) and AES-CBC with PKCS #7 padding (and DES-EDE3-CBC
//! decryption for old mail), built from the `aes` and `des` block ciphers and `ghash`: the provider interface only offers one-shot AEAD, and a message of
//! any size must pass through in bounded pieces.

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Aes192, Aes256, Block};
use ghash::GHash;
use ghash::universal_hash::UniversalHash;
use smime_crypto::CbcCipher;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::error::Error;

const BLOCK: usize = 16;

/// Largest GCM plaintext: 2^32 − 2 blocks (SP 800-38D §5.2.1.1).
pub const MAX_GCM_CONTENT: u64 = ((1u64 << 32) - 2) * 16;

/// An AES key of any size.
enum AesKey {
    A128(Box<Aes128>),
    A192(Box<Aes192>),
    A256(Box<Aes256>),
}

impl AesKey {
    fn new(key: &[u8]) -> Result<Self, Error> {
        let bad = |_: aes::cipher::InvalidLength| {
            Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(format!(
                "AES key of {} octets",
                key.len()
            )))
        };
        Ok(match key.len() {
            16 => Self::A128(Box::new(Aes128::new_from_slice(key).map_err(bad)?)),
            24 => Self::A192(Box::new(Aes192::new_from_slice(key).map_err(bad)?)),
            32 => Self::A256(Box::new(Aes256::new_from_slice(key).map_err(bad)?)),
            _ => return Err(bad(aes::cipher::InvalidLength)),
        })
    }

    fn encrypt_blocks(&self, blocks: &mut [Block]) {
        match self {
            Self::A128(c) => c.encrypt_blocks(blocks),
            Self::A192(c) => c.encrypt_blocks(blocks),
            Self::A256(c) => c.encrypt_blocks(blocks),
        }
    }

    fn decrypt_blocks(&self, blocks: &mut [Block]) {
        match self {
            Self::A128(c) => c.decrypt_blocks(blocks),
            Self::A192(c) => c.decrypt_blocks(blocks),
            Self::A256(c) => c.decrypt_blocks(blocks),
        }
    }
}

fn block_of(bytes: &[u8]) -> Block {
    let mut block = Block::default();
    for (slot, byte) in block.iter_mut().zip(bytes) {
        *slot = *byte;
    }
    block
}

fn xor_into(out: &mut [u8], with: &[u8]) {
    for (a, b) in out.iter_mut().zip(with) {
        *a ^= *b;
    }
}

/// What a [`Gcm`] does with the data it is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcmMode {
    /// Encrypt, and authenticate the ciphertext produced.
    Seal,
    /// Only authenticate ciphertext (first pass of a decryption; nothing is output).
    Authenticate,
    /// Only decrypt (second pass, after the tag verified).
    Decrypt,
}

/// Incremental AES-GCM with a 12-octet nonce.
pub struct Gcm {
    aes: AesKey,
    ghash: GHash,
    tag_mask: Block,
    nonce: [u8; 12],
    counter: u32,
    mode: GcmMode,
    carry: Vec<u8>,
    keystream: Vec<Block>,
    aad_len: u64,
    text_len: u64,
}

impl core::fmt::Debug for Gcm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Gcm")
            .field("mode", &self.mode)
            .field("text_len", &self.text_len)
            .finish_non_exhaustive()
    }
}

impl Gcm {
    /// Starts with `key` (16, 24 or 32 octets), a 12-octet `nonce` and the additional data.
    pub fn new(key: &[u8], nonce: &[u8], aad: &[u8], mode: GcmMode) -> Result<Self, Error> {
        let aes = AesKey::new(key)?;
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| {
            Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(format!(
                "AES-GCM nonce of {} octets",
                nonce.len()
            )))
        })?;
        let mut h = [Block::default()];
        aes.encrypt_blocks(&mut h);
        let mut ghash = GHash::new(&h[0]);
        h[0].zeroize();
        ghash.update_padded(aad);
        let mut j0 = [Self::counter_block(&nonce, 1)];
        aes.encrypt_blocks(&mut j0);
        Ok(Self {
            aes,
            ghash,
            tag_mask: j0[0],
            nonce,
            counter: 2,
            mode,
            carry: Vec::with_capacity(BLOCK),
            keystream: Vec::new(),
            aad_len: aad.len() as u64,
            text_len: 0,
        })
    }

    fn counter_block(nonce: &[u8; 12], counter: u32) -> Block {
        let mut block = Block::default();
        for (slot, byte) in block
            .iter_mut()
            .zip(nonce.iter().chain(&counter.to_be_bytes()))
        {
            *slot = *byte;
        }
        block
    }

    /// Processes whole blocks of `data` (its length a multiple of 16).
    fn blocks(&mut self, data: &[u8], out: &mut Vec<u8>) {
        if data.is_empty() {
            return;
        }
        if self.mode == GcmMode::Authenticate {
            self.ghash.update_padded(data);
            return;
        }
        let count = data.len() / BLOCK;
        self.keystream.clear();
        self.keystream.reserve(count);
        // The counter blocks differ only in their last four octets (the 32-bit counter).
        let mut counter_block = Self::counter_block(&self.nonce, 0);
        for _ in 0..count {
            if let Some(low) = counter_block.get_mut(12..) {
                low.copy_from_slice(&self.counter.to_be_bytes());
            }
            self.keystream.push(counter_block);
            self.counter = self.counter.wrapping_add(1);
        }
        self.aes.encrypt_blocks(&mut self.keystream);
        let start = out.len();
        out.extend_from_slice(data);
        if let Some(text) = out.get_mut(start..) {
            // XOR a block at a time as one 128-bit word (the byte-wise loop was the bottleneck).
            for (chunk, key) in text.chunks_exact_mut(BLOCK).zip(&self.keystream) {
                let key = u128::from_ne_bytes(
                    <[u8; BLOCK]>::try_from(key.as_slice()).unwrap_or_default(),
                );
                let word =
                    u128::from_ne_bytes(<[u8; BLOCK]>::try_from(&*chunk).unwrap_or_default());
                chunk.copy_from_slice(&(key ^ word).to_ne_bytes());
            }
        }
        if self.mode == GcmMode::Seal
            && let Some(ciphertext) = out.get(start..)
        {
            self.ghash.update_padded(ciphertext);
        }
    }

    /// Feeds more text; the output (empty when authenticating) is appended to `out`.
    pub fn update(&mut self, mut data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.text_len = self.text_len.saturating_add(data.len() as u64);
        if self.text_len > MAX_GCM_CONTENT {
            return Err(Error::BudgetExceeded {
                what: "octets of AES-GCM content",
                limit: MAX_GCM_CONTENT,
            });
        }
        if !self.carry.is_empty() {
            let take = (BLOCK - self.carry.len()).min(data.len());
            let (head, tail) = data.split_at(take);
            self.carry.extend_from_slice(head);
            data = tail;
            if self.carry.len() == BLOCK {
                let carry = core::mem::take(&mut self.carry);
                self.blocks(&carry, out);
                self.carry = carry;
                self.carry.clear();
            }
        }
        let whole = data.len() - data.len() % BLOCK;
        let (head, tail) = data.split_at(whole);
        self.blocks(head, out);
        self.carry.extend_from_slice(tail);
        Ok(())
    }

    /// Processes the last partial block and returns the full 16-octet tag.
    pub fn finish(mut self, out: &mut Vec<u8>) -> [u8; 16] {
        let last = core::mem::take(&mut self.carry);
        if !last.is_empty() {
            match self.mode {
                GcmMode::Authenticate => self.ghash.update_padded(&last),
                GcmMode::Seal | GcmMode::Decrypt => {
                    let mut ks = [Self::counter_block(&self.nonce, self.counter)];
                    self.aes.encrypt_blocks(&mut ks);
                    let start = out.len();
                    out.extend(ks[0].iter().zip(&last).map(|(k, d)| k ^ d));
                    if self.mode == GcmMode::Seal
                        && let Some(ciphertext) = out.get(start..)
                    {
                        self.ghash.update_padded(ciphertext);
                    }
                }
            }
        }
        let mut lengths = [0u8; BLOCK];
        for (slot, byte) in lengths.iter_mut().zip(
            self.aad_len
                .wrapping_mul(8)
                .to_be_bytes()
                .iter()
                .chain(&self.text_len.wrapping_mul(8).to_be_bytes()),
        ) {
            *slot = *byte;
        }
        self.ghash.update(&[block_of(&lengths)]);
        let mut tag = [0u8; 16];
        let ghash = self.ghash.clone().finalize();
        for ((slot, g), m) in tag.iter_mut().zip(ghash.iter()).zip(self.tag_mask.iter()) {
            *slot = g ^ m;
        }
        tag
    }

    /// Compares the computed tag (truncated to the received length) in constant time.
    pub fn check_tag(computed: &[u8; 16], received: &[u8]) -> Result<(), Error> {
        let ok = computed
            .get(..received.len())
            .is_some_and(|prefix| bool::from(prefix.ct_eq(received)));
        if ok && (12..=16).contains(&received.len()) {
            Ok(())
        } else {
            Err(Error::Cms(smime_cms::Error::ContentAuthenticationFailed))
        }
    }
}

/// AES-CBC encryption with PKCS #7 padding, fed in pieces.
pub struct CbcEncryptor {
    aes: AesKey,
    previous: Block,
    carry: Vec<u8>,
}

impl core::fmt::Debug for CbcEncryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CbcEncryptor").finish_non_exhaustive()
    }
}

impl CbcEncryptor {
    /// Starts with an AES `key` and a 16-octet `iv`.
    pub fn new(key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        if iv.len() != BLOCK {
            return Err(Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(
                format!("AES-CBC IV of {} octets", iv.len()),
            )));
        }
        Ok(Self {
            aes: AesKey::new(key)?,
            previous: block_of(iv),
            carry: Vec::with_capacity(BLOCK),
        })
    }

    fn block(&mut self, data: &[u8], out: &mut Vec<u8>) {
        let mut block = [block_of(data)];
        xor_into(&mut block[0], &self.previous);
        self.aes.encrypt_blocks(&mut block);
        self.previous = block[0];
        out.extend_from_slice(&block[0]);
    }

    /// Encrypts more plaintext, appending whole blocks of ciphertext to `out`.
    pub fn update(&mut self, data: &[u8], out: &mut Vec<u8>) {
        for byte in data {
            self.carry.push(*byte);
            if self.carry.len() == BLOCK {
                let carry = core::mem::take(&mut self.carry);
                self.block(&carry, out);
                self.carry = carry;
                self.carry.clear();
            }
        }
    }

    /// Pads and encrypts the last block.
    pub fn finish(mut self, out: &mut Vec<u8>) {
        let pad = BLOCK - self.carry.len();
        let mut last = core::mem::take(&mut self.carry);
        last.resize(BLOCK, pad as u8);
        self.block(&last, out);
    }
}

/// The block cipher behind a [`CbcDecryptor`]: AES of any key size, or DES-EDE3 (triple DES,
/// RFC 3370 §5.1 / RFC 2630), which old mail — RFC 4134's examples among it — still uses.
enum CbcKey {
    Aes(AesKey),
    DesEde3(Box<des::TdesEde3>),
}

impl CbcKey {
    fn new(cipher: CbcCipher, key: &[u8]) -> Result<Self, Error> {
        match cipher {
            CbcCipher::Aes128 | CbcCipher::Aes192 | CbcCipher::Aes256 => {
                if key.len() != cipher.key_len() {
                    return Err(Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(
                        format!("{cipher:?}-CBC key of {} octets", key.len()),
                    )));
                }
                Ok(Self::Aes(AesKey::new(key)?))
            }
            CbcCipher::DesEde3 => {
                let tdes = des::TdesEde3::new_from_slice(key).map_err(|_| {
                    Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(format!(
                        "DES-EDE3-CBC key of {} octets",
                        key.len()
                    )))
                })?;
                Ok(Self::DesEde3(Box::new(tdes)))
            }
            other => Err(Error::Cms(smime_cms::Error::UnsupportedContentEncryption {
                algorithm: format!("{other:?}-CBC is not streamed"),
            })),
        }
    }

    fn block_size(&self) -> usize {
        match self {
            Self::Aes(_) => BLOCK,
            Self::DesEde3(_) => DES_BLOCK,
        }
    }

    /// Decrypts every whole block of `data` in place (ECB; the chaining is the caller's).
    fn decrypt_in_place(&self, data: &mut [u8]) {
        match self {
            Self::Aes(aes) => {
                let mut blocks: Vec<Block> = data.chunks_exact(BLOCK).map(block_of).collect();
                aes.decrypt_blocks(&mut blocks);
                for (target, block) in data.chunks_exact_mut(BLOCK).zip(&blocks) {
                    target.copy_from_slice(block);
                }
            }
            Self::DesEde3(tdes) => {
                for target in data.chunks_exact_mut(DES_BLOCK) {
                    let mut block = des::cipher::Block::<des::TdesEde3>::default();
                    block.copy_from_slice(target);
                    tdes.decrypt_block(&mut block);
                    target.copy_from_slice(&block);
                }
            }
        }
    }
}

/// Block size of DES-EDE3.
const DES_BLOCK: usize = 8;

/// CBC decryption with PKCS #7 padding (AES, or DES-EDE3 for old mail), fed in pieces. The
/// last block is held back until [`finish`](Self::finish), which checks the padding.
pub struct CbcDecryptor {
    key: CbcKey,
    block: usize,
    /// The previous ciphertext block (the IV at the start).
    previous: Vec<u8>,
    pending: Vec<u8>,
}

impl core::fmt::Debug for CbcDecryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CbcDecryptor").finish_non_exhaustive()
    }
}

impl CbcDecryptor {
    /// Starts with an AES `key` (16, 24 or 32 octets) and a 16-octet `iv`.
    pub fn new(key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        let cipher = match key.len() {
            16 => CbcCipher::Aes128,
            24 => CbcCipher::Aes192,
            _ => CbcCipher::Aes256,
        };
        Self::with_cipher(cipher, key, iv)
    }

    /// Starts with the block cipher `cipher` (AES-CBC of any key size, or DES-EDE3-CBC), its
    /// `key` and an `iv` of the cipher's block size (16 octets for AES, 8 for DES-EDE3).
    ///
    /// ```
    /// use smime_crypto::CbcCipher;
    /// use smime_stream::content_encryption::CbcDecryptor;
    /// let provider = smime_crypto::default_provider();
    /// let (key, iv) = ([7u8; 24], [9u8; 8]);
    /// let ciphertext = provider.cbc_encrypt(CbcCipher::DesEde3, &key, &iv, b"old mail")?;
    /// let mut decryptor = CbcDecryptor::with_cipher(CbcCipher::DesEde3, &key, &iv)?;
    /// let mut plaintext = Vec::new();
    /// for piece in ciphertext.chunks(5) {
    ///     decryptor.update(piece, &mut plaintext);
    /// }
    /// decryptor.finish(&mut plaintext)?;
    /// assert_eq!(plaintext, b"old mail");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_cipher(cipher: CbcCipher, key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        let key = CbcKey::new(cipher, key)?;
        let block = key.block_size();
        if iv.len() != block {
            return Err(Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(
                format!("{cipher:?}-CBC IV of {} octets", iv.len()),
            )));
        }
        Ok(Self {
            key,
            block,
            previous: iv.to_vec(),
            pending: Vec::new(),
        })
    }

    /// Decrypts more ciphertext, appending plaintext to `out` (all but the last block).
    pub fn update(&mut self, data: &[u8], out: &mut Vec<u8>) {
        self.pending.extend_from_slice(data);
        // Keep at least one whole block (the possible last one) and any partial block.
        let keep = match self.pending.len() % self.block {
            0 => self.block.min(self.pending.len()),
            partial => partial,
        };
        let ready = self.pending.len().saturating_sub(keep);
        if ready == 0 {
            return;
        }
        let start = out.len();
        out.extend_from_slice(self.pending.get(..ready).unwrap_or_default());
        let plain = out.get_mut(start..).unwrap_or_default();
        self.key.decrypt_in_place(plain);
        let ciphertext = self.pending.get(..ready).unwrap_or_default();
        let previous_blocks =
            core::iter::once(self.previous.as_slice()).chain(ciphertext.chunks_exact(self.block));
        for (target, previous) in plain.chunks_exact_mut(self.block).zip(previous_blocks) {
            xor_into(target, previous);
        }
        if let Some(last) = ciphertext.chunks_exact(self.block).last() {
            self.previous = last.to_vec();
        }
        self.pending.drain(..ready);
    }

    /// Decrypts the last block and removes the padding. Any failure is
    /// [`smime_cms::Error::ContentDecryptionFailed`], with no detail.
    pub fn finish(self, out: &mut Vec<u8>) -> Result<(), Error> {
        let failed = || Error::Cms(smime_cms::Error::ContentDecryptionFailed);
        if self.pending.len() != self.block {
            return Err(failed());
        }
        let mut last = self.pending.clone();
        self.key.decrypt_in_place(&mut last);
        xor_into(&mut last, &self.previous);
        let pad = last.last().copied().unwrap_or(0);
        let pad_len = usize::from(pad);
        if pad_len == 0 || pad_len > self.block {
            last.zeroize();
            return Err(failed());
        }
        let body = self.block.saturating_sub(pad_len);
        if last.iter().skip(body).any(|b| *b != pad) {
            last.zeroize();
            return Err(failed());
        }
        out.extend_from_slice(last.get(..body).unwrap_or_default());
        last.zeroize();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use smime_crypto::{AeadCipher, CbcCipher};

    use super::*;

    /// The incremental ciphers give exactly what the provider's one-shot ones give, for every
    /// key size, lengths around block boundaries and any split of the input.
    #[test]
    fn incremental_matches_the_provider() {
        let provider = smime_crypto::default_provider();
        let nonce = [9u8; 12];
        let aad = b"authenticated attributes";
        for (aead, cbc, key_len) in [
            (AeadCipher::Aes128Gcm, CbcCipher::Aes128, 16),
            (AeadCipher::Aes192Gcm, CbcCipher::Aes192, 24),
            (AeadCipher::Aes256Gcm, CbcCipher::Aes256, 32),
        ] {
            let key: Vec<u8> = (0..key_len).map(|i| i as u8 * 3).collect();
            for len in [0usize, 1, 15, 16, 17, 31, 32, 33, 1000] {
                let plain: Vec<u8> = (0..len).map(|i| (i * 5) as u8).collect();
                let mut expected = plain.clone();
                let expected_tag = provider
                    .aead_seal_in_place(aead, &key, &nonce, aad, &mut expected, 16)
                    .unwrap();
                let expected_cbc = provider
                    .cbc_encrypt(cbc, &key, &nonce[..12].repeat(2)[..16], &plain)
                    .unwrap();
                for split in [1usize, 7, 16, 100] {
                    let mut gcm = Gcm::new(&key, &nonce, aad, GcmMode::Seal).unwrap();
                    let mut out = Vec::new();
                    for piece in plain.chunks(split) {
                        gcm.update(piece, &mut out).unwrap();
                    }
                    let tag = gcm.finish(&mut out);
                    assert_eq!(out, expected, "{aead:?} {len} {split}");
                    assert_eq!(tag.to_vec(), expected_tag);

                    let iv = &nonce[..12].repeat(2)[..16];
                    let mut cbc_out = Vec::new();
                    let mut encryptor = CbcEncryptor::new(&key, iv).unwrap();
                    for piece in plain.chunks(split) {
                        encryptor.update(piece, &mut cbc_out);
                    }
                    encryptor.finish(&mut cbc_out);
                    assert_eq!(cbc_out, expected_cbc, "{cbc:?} {len} {split}");
                    let mut decryptor = CbcDecryptor::new(&key, iv).unwrap();
                    let mut back = Vec::new();
                    for piece in cbc_out.chunks(split) {
                        decryptor.update(piece, &mut back);
                    }
                    decryptor.finish(&mut back).unwrap();
                    assert_eq!(back, plain);
                }
            }
        }
    }

    #[test]
    fn truncated_tags_and_bad_lengths() {
        let tag = [7u8; 16];
        assert!(Gcm::check_tag(&tag, &[7; 12]).is_ok());
        assert!(Gcm::check_tag(&tag, &[7; 11]).is_err());
        assert!(Gcm::check_tag(&tag, &[7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8]).is_err());
        assert!(Gcm::new(&[0; 20], &[0; 12], &[], GcmMode::Seal).is_err());
        assert!(Gcm::new(&[0; 16], &[0; 8], &[], GcmMode::Seal).is_err());
        assert!(CbcEncryptor::new(&[0; 16], &[0; 8]).is_err());
        // A ciphertext that is not a whole number of blocks.
        let mut decryptor = CbcDecryptor::new(&[0; 16], &[0; 16]).unwrap();
        let mut out = Vec::new();
        decryptor.update(&[0; 20], &mut out);
        assert!(decryptor.finish(&mut out).is_err());
    }

    #[test]
    fn des_ede3_matches_the_provider_in_any_pieces() {
        let provider = smime_crypto::default_provider();
        let key: Vec<u8> = (0u8..24).map(|b| b.wrapping_mul(37)).collect();
        let iv = [0x5a_u8; 8];
        for len in [0usize, 1, 7, 8, 9, 16, 100, 1000] {
            let plain: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let ciphertext = provider
                .cbc_encrypt(CbcCipher::DesEde3, &key, &iv, &plain)
                .unwrap();
            for split in [1usize, 3, 8, 13, 4096] {
                let mut decryptor =
                    CbcDecryptor::with_cipher(CbcCipher::DesEde3, &key, &iv).unwrap();
                let mut back = Vec::new();
                for piece in ciphertext.chunks(split) {
                    decryptor.update(piece, &mut back);
                }
                decryptor.finish(&mut back).unwrap();
                assert_eq!(back, plain, "{len} {split}");
            }
        }
        // An AES IV with a DES key, a DES IV with an AES key, a short DES key.
        assert!(CbcDecryptor::with_cipher(CbcCipher::DesEde3, &key, &[0; 16]).is_err());
        assert!(CbcDecryptor::with_cipher(CbcCipher::Aes192, &key, &iv).is_err());
        assert!(CbcDecryptor::with_cipher(CbcCipher::DesEde3, &key[..16], &iv).is_err());
        // A tampered last block fails the padding check as ContentDecryptionFailed.
        let mut ciphertext = provider
            .cbc_encrypt(CbcCipher::DesEde3, &key, &iv, b"0123456789")
            .unwrap();
        let n = ciphertext.len();
        ciphertext[n - 9] ^= 0x01;
        let mut decryptor = CbcDecryptor::with_cipher(CbcCipher::DesEde3, &key, &iv).unwrap();
        let mut out = Vec::new();
        decryptor.update(&ciphertext, &mut out);
        assert!(matches!(
            decryptor.finish(&mut out),
            Err(Error::Cms(smime_cms::Error::ContentDecryptionFailed))
        ));
    }
}
