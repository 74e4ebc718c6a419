//! Incremental AES-CTR with AWS-LC's `AES_ctr128_encrypt` (through `aws_lc_rs::cipher`).
//!
//! `aws-lc-rs` offers no in-place streaming CTR (`StreamingEncryptingKey` writes to a separate
//! output buffer), but [`EncryptingKey::less_safe_encrypt`] encrypts in place from a given
//! counter block without allocating. Each call starts from the counter block we keep, so this
//! type tracks the counter and a partial block's leftover keystream itself. AWS-LC increments
//! the whole 128-bit block; for [`CounterIncrement::Low32`] a call is split where the low word
//! wraps and the counter restarts at `first 96 bits ‖ 0`, as GCM's `inc32` does.

use aws_lc_rs::cipher::{self, EncryptingKey, EncryptionContext, UnboundCipherKey};
use aws_lc_rs::iv::FixedLength;
use zeroize::Zeroize;

use crate::counter_mode::{
    AES_BLOCK_LEN, AesCtr, CounterIncrement, KeystreamBudget, check_aes_key,
};
use crate::error::Error;

/// AES-CTR state: the AWS-LC key (its schedule is zeroized by `aws-lc-rs` on drop), the next
/// counter block, and the keystream of the current partial block.
struct AwsLcCtr {
    key: EncryptingKey,
    counter: [u8; AES_BLOCK_LEN],
    keystream: [u8; AES_BLOCK_LEN],
    /// Octets of `keystream` already used (`AES_BLOCK_LEN`: none left).
    used_in_block: usize,
    budget: KeystreamBudget,
}

impl Drop for AwsLcCtr {
    fn drop(&mut self) {
        self.counter.zeroize();
        self.keystream.zeroize();
    }
}

fn xor_into(data: &mut [u8], keystream: &[u8]) {
    for (byte, key) in data.iter_mut().zip(keystream) {
        *byte ^= *key;
    }
}

impl AwsLcCtr {
    /// Advances the counter block by `blocks` (at most the blocks left before a `Low32` wrap).
    fn advance(&mut self, blocks: u64) {
        match self.budget.increment() {
            CounterIncrement::Low32 => {
                let mut low = [0u8; 4];
                low.copy_from_slice(self.counter.get(12..).unwrap_or(&[0; 4]));
                // Truncation is the point: the low word counts modulo 2^32.
                #[allow(clippy::cast_possible_truncation, reason = "inc32 is modulo 2^32")]
                let next = u32::from_be_bytes(low).wrapping_add(blocks as u32);
                if let Some(slot) = self.counter.get_mut(12..) {
                    slot.copy_from_slice(&next.to_be_bytes());
                }
            }
            _ => {
                let next = u128::from_be_bytes(self.counter).wrapping_add(u128::from(blocks));
                self.counter = next.to_be_bytes();
            }
        }
    }

    /// How many blocks AWS-LC may process from the current counter in one call.
    fn blocks_in_one_call(&self, wanted: u64) -> u64 {
        match self.budget.increment() {
            CounterIncrement::Low32 => {
                let mut low = [0u8; 4];
                low.copy_from_slice(self.counter.get(12..).unwrap_or(&[0; 4]));
                let to_wrap = (1u64 << 32).saturating_sub(u64::from(u32::from_be_bytes(low)));
                wanted.min(to_wrap)
            }
            _ => wanted,
        }
    }

    /// Encrypts whole blocks in place, splitting at a `Low32` wrap.
    fn whole_blocks(&mut self, mut blocks: &mut [u8]) -> Result<(), Error> {
        while !blocks.is_empty() {
            let wanted = (blocks.len() / AES_BLOCK_LEN) as u64;
            let count = self.blocks_in_one_call(wanted).max(1);
            let len = usize::try_from(count)
                .ok()
                .and_then(|c| c.checked_mul(AES_BLOCK_LEN))
                .unwrap_or(blocks.len())
                .min(blocks.len());
            let (head, rest) = blocks.split_at_mut(len);
            self.key
                .less_safe_encrypt(
                    head,
                    EncryptionContext::Iv128(FixedLength::from(&self.counter)),
                )
                .map_err(|_| Error::Backend("AWS-LC: AES-CTR failed".into()))?;
            self.advance(count);
            blocks = rest;
        }
        Ok(())
    }
}

impl AesCtr for AwsLcCtr {
    fn increment(&self) -> CounterIncrement {
        self.budget.increment()
    }

    fn position(&self) -> u64 {
        self.budget.used()
    }

    fn apply_keystream(&mut self, data: &mut [u8]) -> Result<(), Error> {
        self.budget.reserve(data.len())?;
        // 1. What is left of the current block's keystream.
        let left = AES_BLOCK_LEN
            .saturating_sub(self.used_in_block)
            .min(data.len());
        let (head, rest) = data.split_at_mut(left);
        if let Some(keystream) = self.keystream.get(self.used_in_block..) {
            xor_into(head, keystream);
        }
        self.used_in_block = self.used_in_block.saturating_add(left);
        // 2. Whole blocks, straight through AWS-LC.
        let whole = rest.len() - rest.len() % AES_BLOCK_LEN;
        let (blocks, tail) = rest.split_at_mut(whole);
        self.whole_blocks(blocks)?;
        // 3. A last partial block: keep its keystream for the next call.
        if !tail.is_empty() {
            self.keystream = [0; AES_BLOCK_LEN];
            let mut keystream = self.keystream;
            self.whole_blocks(&mut keystream)?;
            self.keystream = keystream;
            keystream.zeroize();
            xor_into(tail, &self.keystream);
            self.used_in_block = tail.len();
        }
        Ok(())
    }
}

pub(super) fn aes_ctr(
    key: &[u8],
    counter_block: &[u8; 16],
    increment: CounterIncrement,
) -> Result<Box<dyn AesCtr>, Error> {
    check_aes_key(key)?;
    let algorithm = match key.len() {
        16 => &cipher::AES_128,
        24 => &cipher::AES_192,
        _ => &cipher::AES_256,
    };
    let invalid = |_| Error::InvalidLength {
        what: "AES-CTR key",
        len: key.len(),
    };
    let key = EncryptingKey::ctr(UnboundCipherKey::new(algorithm, key).map_err(invalid)?)
        .map_err(invalid)?;
    Ok(Box::new(AwsLcCtr {
        key,
        counter: *counter_block,
        keystream: [0; AES_BLOCK_LEN],
        used_in_block: AES_BLOCK_LEN,
        budget: KeystreamBudget::new(increment),
    }))
}
