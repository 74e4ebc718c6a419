//! Incremental AES-GCM (NIST SP 800-38D) and AES-CBC with PKCS #7 padding (and DES-EDE3-CBC
//! decryption for old mail): a message of any size must pass through in bounded pieces, and
//! the provider interface has one-shot AEAD only.
//!
//! AES-GCM takes its keystream from the provider's incremental AES-CTR
//! ([`CryptoProvider::aes_ctr`]; AWS-LC's with the aws-lc provider) and computes GHASH with the
//! `ghash` crate (no provider exposes GHASH). CBC chains whole blocks with the provider's
//! incremental CBC ([`CryptoProvider::cbc_blocks`]); the padding is done here.

use ghash::universal_hash::UniversalHash;
use ghash::{Block, GHash};
use smime_crypto::{CbcBlocks, CbcCipher, CbcDirection, CounterIncrement, CryptoProvider};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::error::Error;

const BLOCK: usize = 16;

/// Largest GCM plaintext: 2^32 − 2 blocks (SP 800-38D §5.2.1.1).
pub const MAX_GCM_CONTENT: u64 = ((1u64 << 32) - 2) * 16;

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
    /// Decrypt and authenticate the ciphertext in one pass. The plaintext is **unverified**
    /// until [`Gcm::finish`]'s tag has been checked with [`Gcm::check_tag`].
    Open,
}

/// Turns an AES key of the wrong length into the error this module has always given.
fn check_aes_key(key: &[u8]) -> Result<(), Error> {
    match key.len() {
        16 | 24 | 32 => Ok(()),
        len => Err(Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(
            format!("AES key of {len} octets"),
        ))),
    }
}

/// GHASH over a ciphertext fed in pieces of any length: whole blocks go straight to
/// `update_padded`, only the last partial block is carried.
struct CiphertextHash {
    ghash: GHash,
    partial: [u8; BLOCK],
    partial_len: usize,
}

impl CiphertextHash {
    fn absorb(&mut self, mut data: &[u8]) {
        if self.partial_len > 0 {
            let take = (BLOCK - self.partial_len).min(data.len());
            let (head, tail) = data.split_at(take);
            if let Some(slot) = self
                .partial
                .get_mut(self.partial_len..self.partial_len + take)
            {
                slot.copy_from_slice(head);
            }
            self.partial_len += take;
            data = tail;
            if self.partial_len == BLOCK {
                self.ghash.update(&[Block::from(self.partial)]);
                self.partial_len = 0;
            }
        }
        let whole = data.len() - data.len() % BLOCK;
        let (head, tail) = data.split_at(whole);
        if !head.is_empty() {
            self.ghash.update_padded(head);
        }
        // Here either the carried block was completed (partial_len is 0) or `data` is empty.
        if !tail.is_empty()
            && let Some(slot) = self.partial.get_mut(..tail.len())
        {
            slot.copy_from_slice(tail);
            self.partial_len = tail.len();
        }
    }
}

impl Drop for CiphertextHash {
    fn drop(&mut self) {
        self.partial.zeroize();
    }
}

/// Multiplication in GF(2^128) as GCM defines it (SP 800-38D §6.3): GHASH keyed with `b` over
/// the single block `a` is `a • b`.
fn gf_mul(a: &[u8; BLOCK], b: &[u8; BLOCK]) -> [u8; BLOCK] {
    let mut ghash = GHash::new(&Block::from(*b));
    ghash.update(&[Block::from(*a)]);
    ghash.finalize().into()
}

/// `h` raised to the power `exponent` (≥ 1) in GCM's field, by square and multiply.
fn gf_pow(h: &[u8; BLOCK], mut exponent: u64) -> [u8; BLOCK] {
    let mut result: Option<[u8; BLOCK]> = None;
    let mut square = *h;
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = Some(match result {
                Some(r) => gf_mul(&r, &square),
                None => square,
            });
        }
        exponent >>= 1;
        if exponent > 0 {
            square = gf_mul(&square, &square);
        }
    }
    square.zeroize();
    result.unwrap_or_default()
}

/// Incremental AES-GCM with a 12-octet nonce.
///
/// The keystream comes from the provider's AES-CTR ([`CryptoProvider::aes_ctr`], with GCM's
/// `inc32` counter from `J0 = nonce ‖ 1`; the first block masks the tag, the text starts at
/// counter 2 and, below GCM's cap of 2^32 − 2 blocks, the counter's low word never wraps), and
/// GHASH runs over the ciphertext alone; the additional data's share of the tag is folded in at
/// the end (`GHASH(A ‖ C ‖ L) = GHASH(A) • H^(c+1) ⊕ GHASH(C ‖ L)`, with `c` the number of
/// ciphertext blocks), which also lets the additional data arrive after the text, as an
/// AuthEnvelopedData's authAttrs do ([`finish_with_aad`](Self::finish_with_aad)).
pub struct Gcm {
    ctr: Box<dyn smime_crypto::AesCtr>,
    hash: CiphertextHash,
    h: [u8; BLOCK],
    tag_mask: [u8; BLOCK],
    mode: GcmMode,
    aad_hash: Option<[u8; BLOCK]>,
    aad_len: u64,
    text_len: u64,
}

impl Drop for Gcm {
    fn drop(&mut self) {
        self.h.zeroize();
        self.tag_mask.zeroize();
        if let Some(aad_hash) = self.aad_hash.as_mut() {
            aad_hash.zeroize();
        }
    }
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
    ///
    /// ```
    /// use smime_stream::content_encryption::{Gcm, GcmMode};
    /// let (key, nonce) = ([7u8; 32], [9u8; 12]);
    /// let mut gcm = Gcm::new(&key, &nonce, b"aad", GcmMode::Seal)?;
    /// let mut ciphertext = Vec::new();
    /// for piece in b"hello, world".chunks(5) {
    ///     gcm.update(piece, &mut ciphertext)?;
    /// }
    /// let tag = gcm.finish(&mut ciphertext);
    ///
    /// let mut gcm = Gcm::new(&key, &nonce, b"aad", GcmMode::Open)?;
    /// let mut plaintext = Vec::new();
    /// gcm.update(&ciphertext, &mut plaintext)?;
    /// Gcm::check_tag(&gcm.finish(&mut plaintext), &tag)?;
    /// assert_eq!(plaintext, b"hello, world");
    /// # Ok::<(), smime_stream::Error>(())
    /// ```
    pub fn new(key: &[u8], nonce: &[u8], aad: &[u8], mode: GcmMode) -> Result<Self, Error> {
        Self::with_provider(smime_crypto::default_provider(), key, nonce, aad, mode)
    }

    /// As [`new`](Self::new), with the keystream from `provider`'s incremental AES-CTR (the
    /// output does not depend on the provider; the speed does).
    ///
    /// ```
    /// use smime_crypto::AeadCipher;
    /// use smime_stream::content_encryption::{Gcm, GcmMode};
    /// let provider = smime_crypto::rustcrypto::provider();
    /// let (key, nonce) = ([7u8; 16], [9u8; 12]);
    /// let mut gcm = Gcm::with_provider(provider, &key, &nonce, b"", GcmMode::Seal)?;
    /// let mut text = b"in place, in pieces".to_vec();
    /// for piece in text.chunks_mut(4) {
    ///     gcm.update_in_place(piece)?;
    /// }
    /// let tag = gcm.finish(&mut Vec::new());
    /// let mut one_shot = b"in place, in pieces".to_vec();
    /// let expected = provider.aead_seal_in_place(AeadCipher::Aes128Gcm, &key, &nonce, b"", &mut one_shot, 16)?;
    /// assert_eq!((text, tag.to_vec()), (one_shot, expected));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_provider(
        provider: &dyn CryptoProvider,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        mode: GcmMode,
    ) -> Result<Self, Error> {
        check_aes_key(key)?;
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| {
            Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(format!(
                "AES-GCM nonce of {} octets",
                nonce.len()
            )))
        })?;
        // H = E(K, 0^128): the first keystream block from the all-zero counter block.
        let mut h = [0u8; BLOCK];
        provider
            .aes_ctr(key, &[0; BLOCK], CounterIncrement::Wide128)?
            .apply_keystream(&mut h)?;
        // E(K, J0) masks the tag; the same keystream then goes on from counter 2.
        let mut ctr = provider.aes_ctr(
            key,
            &Self::counter_block(&nonce, 1).into(),
            CounterIncrement::Low32,
        )?;
        let mut tag_mask = [0u8; BLOCK];
        ctr.apply_keystream(&mut tag_mask)?;
        let mut gcm = Self {
            ctr,
            hash: CiphertextHash {
                ghash: GHash::new(&Block::from(h)),
                partial: [0; BLOCK],
                partial_len: 0,
            },
            h,
            tag_mask,
            mode,
            aad_hash: None,
            aad_len: 0,
            text_len: 0,
        };
        h.zeroize();
        gcm.set_aad(aad);
        Ok(gcm)
    }

    fn set_aad(&mut self, aad: &[u8]) {
        self.aad_len = aad.len() as u64;
        self.aad_hash = if aad.is_empty() {
            None
        } else {
            let mut ghash = GHash::new(&Block::from(self.h));
            ghash.update_padded(aad);
            Some(ghash.finalize().into())
        };
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

    fn count(&mut self, len: usize) -> Result<(), Error> {
        self.text_len = self.text_len.saturating_add(len as u64);
        if self.text_len > MAX_GCM_CONTENT {
            return Err(Error::BudgetExceeded {
                what: "octets of AES-GCM content",
                limit: MAX_GCM_CONTENT,
            });
        }
        Ok(())
    }

    /// Feeds more text; the output (empty when authenticating) is appended to `out`.
    pub fn update(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if self.mode == GcmMode::Authenticate {
            self.count(data.len())?;
            self.hash.absorb(data);
            return Ok(());
        }
        let start = out.len();
        out.extend_from_slice(data);
        match out.get_mut(start..) {
            Some(text) => self.update_in_place(text),
            None => Ok(()),
        }
    }

    /// Feeds more text and transforms it in place: `data` becomes the ciphertext when sealing,
    /// the plaintext when decrypting or opening, and is left as it is when only authenticating.
    /// Pieces may have any length; no copy is made.
    pub fn update_in_place(&mut self, data: &mut [u8]) -> Result<(), Error> {
        self.count(data.len())?;
        match self.mode {
            GcmMode::Seal => {
                self.ctr.apply_keystream(data)?;
                self.hash.absorb(data);
            }
            GcmMode::Authenticate => self.hash.absorb(data),
            GcmMode::Decrypt => self.ctr.apply_keystream(data)?,
            GcmMode::Open => {
                self.hash.absorb(data);
                self.ctr.apply_keystream(data)?;
            }
        }
        Ok(())
    }

    /// Returns the full 16-octet tag. All output was already produced by
    /// [`update`](Self::update); `out` is kept for callers of the earlier block-buffering
    /// version and receives nothing.
    pub fn finish(mut self, out: &mut Vec<u8>) -> [u8; 16] {
        let _ = out;
        self.tag()
    }

    /// Returns the tag when the additional data is only known after the text (an
    /// AuthEnvelopedData's authAttrs follow its ciphertext). The `Gcm` must have been made with
    /// empty additional data; otherwise this is an error.
    pub fn finish_with_aad(mut self, aad: &[u8]) -> Result<[u8; 16], Error> {
        if aad.is_empty() {
            return Ok(self.tag());
        }
        if self.aad_len != 0 {
            return Err(Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(
                "AES-GCM additional data given twice".into(),
            )));
        }
        self.set_aad(aad);
        Ok(self.tag())
    }

    fn tag(&mut self) -> [u8; 16] {
        if self.hash.partial_len > 0 {
            let last = self
                .hash
                .partial
                .get(..self.hash.partial_len)
                .unwrap_or_default();
            self.hash.ghash.update_padded(last);
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
        self.hash.ghash.update(&[Block::from(lengths)]);
        let mut s: [u8; BLOCK] = self.hash.ghash.clone().finalize().into();
        if let Some(aad_hash) = self.aad_hash {
            // The AAD's blocks sit c + 1 multiplications by H ahead of the end.
            let blocks = self.text_len.div_ceil(BLOCK as u64).saturating_add(1);
            let mut power = gf_pow(&self.h, blocks);
            xor_into(&mut s, &gf_mul(&aad_hash, &power));
            power.zeroize();
        }
        let mut tag = [0u8; 16];
        for ((slot, g), m) in tag.iter_mut().zip(s.iter()).zip(self.tag_mask.iter()) {
            *slot = g ^ m;
        }
        s.zeroize();
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
    blocks: Box<dyn CbcBlocks>,
    /// The plaintext of a block not yet complete.
    carry: [u8; BLOCK],
    carry_len: usize,
}

impl core::fmt::Debug for CbcEncryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CbcEncryptor").finish_non_exhaustive()
    }
}

impl Drop for CbcEncryptor {
    fn drop(&mut self) {
        self.carry.zeroize();
    }
}

/// The AES-CBC cipher for a key of `len` octets.
fn aes_cbc_for_key(len: usize) -> Result<CbcCipher, Error> {
    match len {
        16 => Ok(CbcCipher::Aes128),
        24 => Ok(CbcCipher::Aes192),
        32 => Ok(CbcCipher::Aes256),
        len => Err(Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(
            format!("AES key of {len} octets"),
        ))),
    }
}

/// Starts the provider's incremental CBC, with this module's errors for bad key or IV lengths.
fn cbc_blocks(
    provider: &dyn CryptoProvider,
    cipher: CbcCipher,
    direction: CbcDirection,
    key: &[u8],
    iv: &[u8],
) -> Result<Box<dyn CbcBlocks>, Error> {
    match cipher {
        CbcCipher::Aes128 | CbcCipher::Aes192 | CbcCipher::Aes256 | CbcCipher::DesEde3 => {}
        other => {
            return Err(Error::Cms(smime_cms::Error::UnsupportedContentEncryption {
                algorithm: format!("{other:?}-CBC is not streamed"),
            }));
        }
    }
    if key.len() != cipher.key_len() {
        return Err(Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(
            format!("{cipher:?}-CBC key of {} octets", key.len()),
        )));
    }
    if iv.len() != cipher.block_len() {
        return Err(Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(
            format!("{cipher:?}-CBC IV of {} octets", iv.len()),
        )));
    }
    Ok(provider.cbc_blocks(cipher, direction, key, iv)?)
}

impl CbcEncryptor {
    /// Starts with an AES `key` and a 16-octet `iv`, with the default provider.
    pub fn new(key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        Self::with_provider(smime_crypto::default_provider(), key, iv)
    }

    /// Starts with an AES `key` and a 16-octet `iv`, chaining blocks with `provider`'s
    /// incremental CBC.
    ///
    /// ```
    /// use smime_crypto::CbcCipher;
    /// use smime_stream::content_encryption::CbcEncryptor;
    /// let provider = smime_crypto::default_provider();
    /// let (key, iv) = ([7u8; 16], [9u8; 16]);
    /// let mut encryptor = CbcEncryptor::with_provider(provider, &key, &iv)?;
    /// let mut ciphertext = Vec::new();
    /// for piece in b"any pieces, padded at the end".chunks(6) {
    ///     encryptor.update(piece, &mut ciphertext)?;
    /// }
    /// encryptor.finish(&mut ciphertext)?;
    /// let one_shot = provider.cbc_encrypt(CbcCipher::Aes128, &key, &iv, b"any pieces, padded at the end")?;
    /// assert_eq!(ciphertext, one_shot);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_provider(
        provider: &dyn CryptoProvider,
        key: &[u8],
        iv: &[u8],
    ) -> Result<Self, Error> {
        if iv.len() != BLOCK {
            return Err(Error::Crypto(smime_crypto::Error::UnsupportedAlgorithm(
                format!("AES-CBC IV of {} octets", iv.len()),
            )));
        }
        let cipher = aes_cbc_for_key(key.len())?;
        Ok(Self {
            blocks: cbc_blocks(provider, cipher, CbcDirection::Encrypt, key, iv)?,
            carry: [0; BLOCK],
            carry_len: 0,
        })
    }

    /// Encrypts more plaintext, appending whole blocks of ciphertext to `out`.
    pub fn update(&mut self, mut data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if self.carry_len > 0 {
            let take = (BLOCK - self.carry_len).min(data.len());
            let (head, tail) = data.split_at(take);
            if let Some(slot) = self.carry.get_mut(self.carry_len..self.carry_len + take) {
                slot.copy_from_slice(head);
            }
            self.carry_len += take;
            data = tail;
            if self.carry_len < BLOCK {
                return Ok(());
            }
            let mut block = self.carry;
            self.blocks.process_blocks(&mut block)?;
            out.extend_from_slice(&block);
            self.carry_len = 0;
        }
        let whole = data.len() - data.len() % BLOCK;
        let (head, tail) = data.split_at(whole);
        let start = out.len();
        out.extend_from_slice(head);
        if let Some(blocks) = out.get_mut(start..) {
            self.blocks.process_blocks(blocks)?;
        }
        if let Some(slot) = self.carry.get_mut(..tail.len()) {
            slot.copy_from_slice(tail);
            self.carry_len = tail.len();
        }
        Ok(())
    }

    /// Pads and encrypts the last block.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let pad = BLOCK - self.carry_len;
        let mut last = self.carry;
        for slot in last.iter_mut().skip(self.carry_len) {
            *slot = pad as u8;
        }
        self.blocks.process_blocks(&mut last)?;
        out.extend_from_slice(&last);
        Ok(())
    }
}

/// Block size of DES-EDE3.
const DES_BLOCK: usize = 8;

/// CBC decryption with PKCS #7 padding (AES, or DES-EDE3 for old mail), fed in pieces. The
/// last block is held back until [`finish`](Self::finish), which checks the padding.
pub struct CbcDecryptor {
    blocks: Box<dyn CbcBlocks>,
    block: usize,
    /// Ciphertext not yet decrypted: a partial block, or the last whole block seen so far.
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
    ///     decryptor.update(piece, &mut plaintext)?;
    /// }
    /// decryptor.finish(&mut plaintext)?;
    /// assert_eq!(plaintext, b"old mail");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_cipher(cipher: CbcCipher, key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        Self::with_provider(smime_crypto::default_provider(), cipher, key, iv)
    }

    /// As [`with_cipher`](Self::with_cipher), chaining blocks with `provider`'s incremental
    /// CBC.
    pub fn with_provider(
        provider: &dyn CryptoProvider,
        cipher: CbcCipher,
        key: &[u8],
        iv: &[u8],
    ) -> Result<Self, Error> {
        let blocks = cbc_blocks(provider, cipher, CbcDirection::Decrypt, key, iv)?;
        let block = if cipher == CbcCipher::DesEde3 {
            DES_BLOCK
        } else {
            BLOCK
        };
        Ok(Self {
            blocks,
            block,
            pending: Vec::with_capacity(2 * BLOCK),
        })
    }

    /// Decrypts more ciphertext, appending plaintext to `out` (all but the last block).
    pub fn update(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        out.extend_from_slice(&self.pending);
        out.extend_from_slice(data);
        self.pending.clear();
        let total = out.len() - start;
        // Keep at least one whole block (the possible last one) and any partial block.
        let keep = match total % self.block {
            0 => self.block.min(total),
            partial => partial,
        };
        let ready = total - keep;
        if let Some(kept) = out.get(start + ready..) {
            self.pending.extend_from_slice(kept);
        }
        out.truncate(start + ready);
        if let Some(blocks) = out.get_mut(start..) {
            self.blocks.process_blocks(blocks)?;
        }
        Ok(())
    }

    /// Decrypts the last block and removes the padding. Any failure is
    /// [`smime_cms::Error::ContentDecryptionFailed`], with no detail.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let failed = || Error::Cms(smime_cms::Error::ContentDecryptionFailed);
        if self.pending.len() != self.block {
            return Err(failed());
        }
        let mut last = core::mem::take(&mut self.pending);
        self.blocks.process_blocks(&mut last)?;
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
                    for cbc_provider in smime_crypto::all_providers() {
                        let mut cbc_out = Vec::new();
                        let mut encryptor =
                            CbcEncryptor::with_provider(cbc_provider, &key, iv).unwrap();
                        for piece in plain.chunks(split) {
                            encryptor.update(piece, &mut cbc_out).unwrap();
                        }
                        encryptor.finish(&mut cbc_out).unwrap();
                        let what = format!("{} {cbc:?} {len} {split}", cbc_provider.name());
                        assert_eq!(cbc_out, expected_cbc, "{what}");
                        let mut decryptor =
                            CbcDecryptor::with_provider(cbc_provider, cbc, &key, iv).unwrap();
                        let mut back = Vec::new();
                        for piece in cbc_out.chunks(split) {
                            decryptor.update(piece, &mut back).unwrap();
                        }
                        decryptor.finish(&mut back).unwrap();
                        assert_eq!(back, plain, "{what}");
                    }
                }
            }
        }
    }

    /// Every mode, fed in pieces of many sizes (around the block size and the 64 KiB chunk),
    /// with additional data given first, late or not at all, gives the provider's one-shot
    /// AES-GCM ciphertext and tag.
    #[test]
    fn every_mode_matches_the_provider_in_any_pieces() {
        for provider in smime_crypto::all_providers() {
            every_mode_matches(provider);
        }
    }

    /// The keystream from `provider` (its incremental AES-CTR), the expected results from the
    /// RustCrypto provider's one-shot AES-GCM.
    fn every_mode_matches(provider: &dyn smime_crypto::CryptoProvider) {
        let one_shot = smime_crypto::rustcrypto::provider();
        let nonce = [0x5c_u8; 12];
        for (aead, key_len) in [
            (AeadCipher::Aes128Gcm, 16),
            (AeadCipher::Aes192Gcm, 24),
            (AeadCipher::Aes256Gcm, 32),
        ] {
            let key: Vec<u8> = (0..key_len).map(|i| (i as u8).wrapping_mul(29)).collect();
            for aad in [&b""[..], &[0xa5; 17][..], &[0x3c; 32][..]] {
                for len in [0usize, 1, 15, 16, 17, 4095, 4097, 65536 + 33, 200_000] {
                    let plain: Vec<u8> = (0..len).map(|i| (i * 7 + i / 256) as u8).collect();
                    let mut expected = plain.clone();
                    let expected_tag = one_shot
                        .aead_seal_in_place(aead, &key, &nonce, aad, &mut expected, 16)
                        .unwrap();
                    for split in [1usize, 15, 16, 17, 4095, 65536] {
                        if split == 1 && len > 4097 {
                            continue;
                        }
                        let what = format!(
                            "{} {aead:?} aad {} len {len} split {split}",
                            provider.name(),
                            aad.len()
                        );
                        // Seal, through `update`.
                        let mut gcm =
                            Gcm::with_provider(provider, &key, &nonce, aad, GcmMode::Seal).unwrap();
                        let mut out = Vec::new();
                        for piece in plain.chunks(split) {
                            gcm.update(piece, &mut out).unwrap();
                        }
                        assert_eq!(gcm.finish(&mut out).to_vec(), expected_tag, "{what}");
                        assert!(out == expected, "{what}");
                        // Seal in place.
                        let mut gcm =
                            Gcm::with_provider(provider, &key, &nonce, aad, GcmMode::Seal).unwrap();
                        let mut buffer = plain.clone();
                        for piece in buffer.chunks_mut(split) {
                            gcm.update_in_place(piece).unwrap();
                        }
                        assert_eq!(gcm.finish(&mut out).to_vec(), expected_tag, "{what}");
                        assert!(buffer == expected, "{what}");
                        // Open in one pass.
                        let mut gcm =
                            Gcm::with_provider(provider, &key, &nonce, aad, GcmMode::Open).unwrap();
                        let mut back = Vec::new();
                        for piece in expected.chunks(split) {
                            gcm.update(piece, &mut back).unwrap();
                        }
                        Gcm::check_tag(&gcm.finish(&mut back), &expected_tag).unwrap();
                        assert!(back == plain, "{what}");
                        // Authenticate only, with the additional data given at the end.
                        let mut gcm =
                            Gcm::with_provider(provider, &key, &nonce, &[], GcmMode::Authenticate)
                                .unwrap();
                        let mut nothing = Vec::new();
                        for piece in expected.chunks(split) {
                            gcm.update(piece, &mut nothing).unwrap();
                        }
                        assert!(nothing.is_empty());
                        assert_eq!(
                            gcm.finish_with_aad(aad).unwrap().to_vec(),
                            expected_tag,
                            "{what}"
                        );
                        // Decrypt only, in place.
                        let mut gcm =
                            Gcm::with_provider(provider, &key, &nonce, aad, GcmMode::Decrypt)
                                .unwrap();
                        let mut buffer = expected.clone();
                        for piece in buffer.chunks_mut(split) {
                            gcm.update_in_place(piece).unwrap();
                        }
                        assert!(buffer == plain, "{what}");
                    }
                }
            }
        }
    }

    /// The AES-GCM specification's test case 4 (McGrew & Viega; NIST's gcmEncryptExtIV128):
    /// a 60-octet text with 20 octets of additional data, and every single-bit change to the
    /// ciphertext, the additional data or the tag is refused.
    #[test]
    fn known_answer_and_tag_checks() {
        let key = hex::decode("feffe9928665731c6d6a8f9467308308").unwrap();
        let nonce = hex::decode("cafebabefacedbaddecaf888").unwrap();
        let aad = hex::decode("feedfacedeadbeeffeedfacedeadbeefabaddad2").unwrap();
        let plain = hex::decode(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
             1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        )
        .unwrap();
        let ciphertext = hex::decode(
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
             21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        )
        .unwrap();
        let tag = hex::decode("5bc94fbc3221a5db94fae95ae7121a47").unwrap();
        let mut gcm = Gcm::new(&key, &nonce, &aad, GcmMode::Seal).unwrap();
        let mut out = Vec::new();
        gcm.update(&plain, &mut out).unwrap();
        assert_eq!(gcm.finish(&mut out).to_vec(), tag);
        assert_eq!(out, ciphertext);

        let open = |ciphertext: &[u8], aad: &[u8]| {
            let mut gcm = Gcm::new(&key, &nonce, aad, GcmMode::Open).unwrap();
            let mut out = Vec::new();
            gcm.update(ciphertext, &mut out).unwrap();
            (gcm.finish(&mut out), out)
        };
        let (computed, out) = open(&ciphertext, &aad);
        Gcm::check_tag(&computed, &tag).unwrap();
        Gcm::check_tag(&computed, &tag[..12]).unwrap();
        assert_eq!(out, plain);
        for bit in 0..ciphertext.len() * 8 {
            let mut changed = ciphertext.clone();
            changed[bit / 8] ^= 1 << (bit % 8);
            let (computed, _) = open(&changed, &aad);
            assert!(matches!(
                Gcm::check_tag(&computed, &tag),
                Err(Error::Cms(smime_cms::Error::ContentAuthenticationFailed))
            ));
        }
        for bit in 0..aad.len() * 8 {
            let mut changed = aad.clone();
            changed[bit / 8] ^= 1 << (bit % 8);
            assert!(Gcm::check_tag(&open(&ciphertext, &changed).0, &tag).is_err());
        }
        for bit in 0..tag.len() * 8 {
            let mut changed = tag.clone();
            changed[bit / 8] ^= 1 << (bit % 8);
            assert!(Gcm::check_tag(&computed, &changed).is_err());
        }
        // A truncated text, and the additional data given twice.
        assert!(Gcm::check_tag(&open(&ciphertext[..59], &aad).0, &tag).is_err());
        let gcm = Gcm::new(&key, &nonce, &aad, GcmMode::Authenticate).unwrap();
        assert!(gcm.finish_with_aad(&aad).is_err());
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
        decryptor.update(&[0; 20], &mut out).unwrap();
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
                    decryptor.update(piece, &mut back).unwrap();
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
        decryptor.update(&ciphertext, &mut out).unwrap();
        assert!(matches!(
            decryptor.finish(&mut out),
            Err(Error::Cms(smime_cms::Error::ContentDecryptionFailed))
        ));
    }
}
