//! AES in counter mode, applied incrementally (NIST SP 800-38A §6.5): the keystream a
//! streaming AES-GCM (SP 800-38D §6.5, `GCTR`) needs, over pieces of any length.
//!
//! A provider hands out a boxed [`AesCtr`] from
//! [`CryptoProvider::aes_ctr`](crate::CryptoProvider::aes_ctr); it keeps the position inside a
//! partial block across calls, so splitting the data differently never changes the result.
//!
//! **GCM's counter.** GCM advances only the low 32 bits of the counter block (`inc32`,
//! SP 800-38D §6.2): [`CounterIncrement::Low32`]. A 128-bit big-endian increment
//! ([`CounterIncrement::Wide128`], what OpenSSL's and AWS-LC's `AES_ctr128_encrypt` do) gives
//! the same blocks as long as the low word does not wrap. With a 96-bit nonce, `J0 = nonce ‖ 1`
//! and the text is encrypted from counter 2; GCM's cap of 2^32 − 2 blocks of text
//! (SP 800-38D §5.2.1.1) ends at counter 2^32 − 1, so the low word never wraps. With any other
//! nonce length `J0` comes from GHASH and its low word can be anything: `Low32` wraps it to 0
//! keeping the first 96 bits, as `inc32` does (the aws-lc provider splits its calls at the
//! wrap). Either way a `Low32` keystream stops with [`Error::LimitExceeded`] before a counter
//! block would repeat.
//!
//! ```
//! use smime_crypto::{AeadCipher, CounterIncrement};
//!
//! let provider = smime_crypto::default_provider();
//! let (key, nonce) = ([7u8; 16], [9u8; 12]);
//! let mut sealed = b"forty-two octets of text for counter mode".to_vec();
//! provider.aead_seal_in_place(AeadCipher::Aes128Gcm, &key, &nonce, b"", &mut sealed, 16)?;
//!
//! // The GCM ciphertext is AES-CTR from the counter block nonce ‖ 00000002.
//! let mut counter_block = [0u8; 16];
//! counter_block[..12].copy_from_slice(&nonce);
//! counter_block[15] = 2;
//! let mut ctr = provider.aes_ctr(&key, &counter_block, CounterIncrement::Low32)?;
//! let mut text = b"forty-two octets of text for counter mode".to_vec();
//! let (first, rest) = text.split_at_mut(5);
//! ctr.apply_keystream(first)?;
//! ctr.apply_keystream(rest)?;
//! assert_eq!(text, sealed);
//! # Ok::<(), smime_crypto::Error>(())
//! ```

use crate::error::Error;

/// AES block length, and the length of a counter block.
pub const AES_BLOCK_LEN: usize = 16;

/// How the counter block advances from one block to the next.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CounterIncrement {
    /// The whole block is a 128-bit big-endian integer, incremented modulo 2^128
    /// (SP 800-38A appendix B.1 with m = 128).
    Wide128,
    /// Only the last 32 bits are a big-endian integer, incremented modulo 2^32; the first 96
    /// bits stay as they are (GCM's `inc32`, SP 800-38D §6.2).
    Low32,
}

impl CounterIncrement {
    /// The longest keystream, in octets, before a counter block would repeat: 2^32 − 1 blocks
    /// for [`Low32`](Self::Low32) (the RustCrypto `ctr` crate's own bound, one block short of
    /// the cycle; enough for GCM's `J0` block plus its 2^32 − 2 blocks of text), and no bound
    /// that a `u64` count can reach for [`Wide128`](Self::Wide128).
    pub const fn max_keystream_len(self) -> u64 {
        match self {
            Self::Low32 => (u32::MAX as u64) * AES_BLOCK_LEN as u64,
            Self::Wide128 => u64::MAX,
        }
    }
}

/// An AES-CTR keystream being applied: the state object a provider returns from
/// [`CryptoProvider::aes_ctr`](crate::CryptoProvider::aes_ctr). The key schedule and any
/// keystream left over from a partial block are zeroized when it is dropped.
pub trait AesCtr: Send {
    /// How the counter advances.
    fn increment(&self) -> CounterIncrement;

    /// How many octets of keystream have been used.
    fn position(&self) -> u64;

    /// XORs the next `data.len()` octets of keystream into `data`, in place. Pieces may have
    /// any length; a partial block's remaining keystream is used by the next call.
    ///
    /// Returns [`Error::LimitExceeded`] — and leaves `data` and the state unchanged — when the
    /// keystream would pass [`CounterIncrement::max_keystream_len`].
    fn apply_keystream(&mut self, data: &mut [u8]) -> Result<(), Error>;
}

/// The position and the limit of a keystream, shared by the providers' [`AesCtr`]s.
#[derive(Debug, Clone)]
pub(crate) struct KeystreamBudget {
    increment: CounterIncrement,
    used: u64,
}

impl KeystreamBudget {
    pub(crate) const fn new(increment: CounterIncrement) -> Self {
        Self { increment, used: 0 }
    }

    pub(crate) const fn increment(&self) -> CounterIncrement {
        self.increment
    }

    pub(crate) const fn used(&self) -> u64 {
        self.used
    }

    /// Accounts for `len` more octets, or refuses them if the keystream would run out.
    pub(crate) fn reserve(&mut self, len: usize) -> Result<(), Error> {
        let limit = self.increment.max_keystream_len();
        match u64::try_from(len)
            .ok()
            .and_then(|len| self.used.checked_add(len))
        {
            Some(found) if found <= limit => {
                self.used = found;
                Ok(())
            }
            // An overflowing count is reported as the largest one.
            found => Err(Error::LimitExceeded {
                what: "AES-CTR keystream octets",
                limit,
                found: found.unwrap_or(u64::MAX),
            }),
        }
    }
}

/// Checks an AES key's length (16, 24 or 32 octets).
pub(crate) fn check_aes_key(key: &[u8]) -> Result<(), Error> {
    match key.len() {
        16 | 24 | 32 => Ok(()),
        len => Err(Error::InvalidLength {
            what: "AES-CTR key",
            len,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_refuses_a_repeating_keystream() {
        let mut budget = KeystreamBudget::new(CounterIncrement::Low32);
        let limit = CounterIncrement::Low32.max_keystream_len();
        assert_eq!(limit, ((1u64 << 32) - 1) * 16);
        budget.used = limit - 10;
        budget.reserve(10).unwrap();
        assert_eq!(budget.used(), limit);
        assert_eq!(
            budget.reserve(1),
            Err(Error::LimitExceeded {
                what: "AES-CTR keystream octets",
                limit,
                found: limit + 1,
            })
        );
        // A refused piece leaves the position alone.
        assert_eq!(budget.used(), limit);
        budget.reserve(0).unwrap();

        let mut wide = KeystreamBudget::new(CounterIncrement::Wide128);
        wide.used = limit;
        wide.reserve(1 << 20).unwrap();
        wide.used = u64::MAX - 1;
        assert!(wide.reserve(2).is_err());
    }

    #[test]
    fn key_lengths() {
        for len in [16, 24, 32] {
            check_aes_key(&vec![0; len]).unwrap();
        }
        for len in [0, 15, 20, 33] {
            assert_eq!(
                check_aes_key(&vec![0; len]),
                Err(Error::InvalidLength {
                    what: "AES-CTR key",
                    len
                })
            );
        }
    }
}
