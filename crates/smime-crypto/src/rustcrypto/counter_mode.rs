//! Incremental AES-CTR with the `ctr` crate over `aes` (what `aes-gcm` uses inside).

use aes::{Aes128, Aes192, Aes256};
use ctr::cipher::{KeyIvInit, StreamCipher};

use crate::counter_mode::{AesCtr, CounterIncrement, KeystreamBudget, check_aes_key};
use crate::error::Error;

/// A `ctr` stream cipher with its budget. The cipher (key schedule, counter and buffered
/// keystream) zeroizes itself on drop: `aes` and `ctr` are built with their `zeroize` feature.
struct Keystream<C> {
    cipher: C,
    budget: KeystreamBudget,
}

impl<C: StreamCipher + Send> AesCtr for Keystream<C> {
    fn increment(&self) -> CounterIncrement {
        self.budget.increment()
    }

    fn position(&self) -> u64 {
        self.budget.used()
    }

    fn apply_keystream(&mut self, data: &mut [u8]) -> Result<(), Error> {
        let before = self.budget.clone();
        self.budget.reserve(data.len())?;
        self.cipher.try_apply_keystream(data).map_err(|_| {
            // The `ctr` crate's own bound is the budget's, so this is not expected; report it
            // the same way.
            let limit = before.increment().max_keystream_len();
            let found = before.used().saturating_add(data.len() as u64);
            self.budget = before;
            Error::LimitExceeded {
                what: "AES-CTR keystream octets",
                limit,
                found,
            }
        })
    }
}

fn boxed<C>(
    key: &[u8],
    counter_block: &[u8; 16],
    increment: CounterIncrement,
) -> Result<Box<dyn AesCtr>, Error>
where
    C: KeyIvInit + StreamCipher + Send + 'static,
{
    let cipher = C::new_from_slices(key, counter_block).map_err(|_| Error::InvalidLength {
        what: "AES-CTR key",
        len: key.len(),
    })?;
    Ok(Box::new(Keystream {
        cipher,
        budget: KeystreamBudget::new(increment),
    }))
}

pub(crate) fn aes_ctr(
    key: &[u8],
    counter_block: &[u8; 16],
    increment: CounterIncrement,
) -> Result<Box<dyn AesCtr>, Error> {
    check_aes_key(key)?;
    match (key.len(), increment) {
        (16, CounterIncrement::Low32) => {
            boxed::<ctr::Ctr32BE<Aes128>>(key, counter_block, increment)
        }
        (24, CounterIncrement::Low32) => {
            boxed::<ctr::Ctr32BE<Aes192>>(key, counter_block, increment)
        }
        (32, CounterIncrement::Low32) => {
            boxed::<ctr::Ctr32BE<Aes256>>(key, counter_block, increment)
        }
        (16, _) => boxed::<ctr::Ctr128BE<Aes128>>(key, counter_block, increment),
        (24, _) => boxed::<ctr::Ctr128BE<Aes192>>(key, counter_block, increment),
        _ => boxed::<ctr::Ctr128BE<Aes256>>(key, counter_block, increment),
    }
}
