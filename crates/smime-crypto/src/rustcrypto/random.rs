//! The system random number generator, adapted to the infallible `CryptoRng` that the
//! RustCrypto key-generation and encryption functions take.

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

use crate::error::Error;

/// An RNG over `getrandom` that never panics: a failure of the operating system's generator
/// is remembered, the output is zero-filled, and [`SystemRng::finish`] turns the failure into
/// [`Error::Rng`] so that whatever was computed with the bad randomness is thrown away.
#[derive(Debug, Default)]
pub(crate) struct SystemRng {
    failed: bool,
}

impl SystemRng {
    /// A fresh generator.
    pub(crate) const fn new() -> Self {
        Self { failed: false }
    }

    /// `Ok(value)` if every request for randomness succeeded, [`Error::Rng`] otherwise.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, Error> {
        if self.failed {
            Err(Error::Rng)
        } else {
            Ok(value)
        }
    }
}

impl TryRng for SystemRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        if getrandom::fill(dst).is_err() {
            self.failed = true;
            dst.fill(0);
        }
        Ok(())
    }
}

impl TryCryptoRng for SystemRng {}
