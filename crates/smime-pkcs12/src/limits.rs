//! Caps that keep a hostile file from burning CPU or memory.
//!
//! A PKCS#12 file chooses its own iteration counts, sizes and nesting, and the importer has to
//! do that much work *before* it can tell a good file from a forged one (the MAC is checked
//! with a key derived with the file's own iteration count). Every such quantity is capped by a
//! named constant below; [`Limits`] carries them so that a caller can tighten (or, for a known
//! trusted source, loosen) them.

use crate::error::{Error, Limit, Location};

/// Largest input accepted: 16 MiB.
///
/// The largest PKCS#12 files in real use are trust stores (a Java `cacerts` with ~150 CA
/// certificates is about 200 KB); a key with its chain is a few KB. Every buffer the importer
/// allocates is bounded by a small multiple of the input, so this also bounds memory.
pub const MAX_INPUT_LEN: usize = 16 * 1024 * 1024;

/// Largest iteration count accepted for one key derivation (PKCS#12 KDF or PBKDF2):
/// 10,000,000.
///
/// RFC 8018 §4.2 says that "for especially critical keys … an iteration count of 10,000,000
/// may be appropriate"; no exporter we know of goes beyond OWASP's 600,000 for
/// PBKDF2-HMAC-SHA256 (this crate's default, see [`Profile::Modern`](crate::Profile::Modern)).
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// Largest sum of the iteration counts of all the key derivations one import may run:
/// 20,000,000.
///
/// A file with one key costs three derivations (MAC, certificate encryption, key encryption);
/// with this crate's default of 600,000 that is 1.8 million. The budget lets a file hold a
/// dozen such keys (or two derivations at [`MAX_ITERATIONS`]) and stops a file that repeats a
/// high count over many bags (the webpki "budget" idea, applied to password hashing). A
/// derivation costs roughly one SHA-256 compression per PKCS#12 KDF iteration and two per
/// PBKDF2 iteration, so the budget is a few seconds of one core.
pub const MAX_TOTAL_ITERATIONS: u64 = 20_000_000;

/// Largest number of safe bags (keys, certificates, CRLs, secrets, nested safe contents) in one
/// file: 10,000.
///
/// Trust stores, the largest files, hold a few hundred certificates.
pub const MAX_BAGS: usize = 10_000;

/// Deepest nesting of `safeContentsBag` inside `safeContentsBag`: 8.
///
/// RFC 7292 §4.2.6 allows nesting; no exporter we know of nests at all. Each level is a
/// recursive call, so this bounds the stack.
pub const MAX_SAFE_CONTENTS_NESTING: usize = 8;

/// Deepest ASN.1 nesting accepted in one encoded structure: 64.
///
/// The same as the `der` crate's own limit; a PKCS#12 structure nests about 10 levels (plus 3
/// per `safeContentsBag` level). It bounds the recursion of the BER reader.
pub const MAX_ASN1_DEPTH: usize = 64;

/// Longest salt accepted in a PBE parameter or in `MacData`: 1,024 bytes.
///
/// Salts in real files are 8 to 20 bytes (PBES2 salts are limited to 32 bytes by the `pkcs5`
/// crate). The PKCS#12 KDF copies the salt into a buffer it transforms for every output block,
/// so the salt length is bounded too.
pub const MAX_SALT_LEN: usize = 1024;

/// Longest key that a file may ask a KDF to derive (PBMAC1 `keyLength`): 256 bytes.
///
/// An HMAC-SHA-512 key needs 64; PBKDF2's work grows with the output length.
pub const MAX_DERIVED_KEY_LEN: usize = 256;

/// The limits an import runs under. [`Limits::default`] gives the named constants of this
/// module; change the fields of a default value to tighten them:
///
/// ```
/// use smime_pkcs12::{Limits, Password, import_with_limits};
///
/// // A server that takes uploads from strangers: at most 1 MiB and 100,000 iterations.
/// let mut limits = Limits::default();
/// limits.max_input_len = 1 << 20;
/// limits.max_iterations = 100_000;
/// limits.max_total_iterations = 400_000;
/// let err = import_with_limits(&[0x30, 0x00], Password::new("pw"), limits).unwrap_err();
/// assert!(matches!(err, smime_pkcs12::Error::Corrupt { .. }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest input, in bytes ([`MAX_INPUT_LEN`]).
    pub max_input_len: usize,
    /// Largest iteration count of one key derivation ([`MAX_ITERATIONS`]).
    pub max_iterations: u32,
    /// Largest sum of iteration counts over the whole import ([`MAX_TOTAL_ITERATIONS`]).
    pub max_total_iterations: u64,
    /// Largest number of safe bags ([`MAX_BAGS`]).
    pub max_bags: usize,
    /// Deepest `safeContentsBag` nesting ([`MAX_SAFE_CONTENTS_NESTING`]).
    pub max_safe_contents_nesting: usize,
    /// Deepest ASN.1 nesting ([`MAX_ASN1_DEPTH`]).
    pub max_asn1_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_len: MAX_INPUT_LEN,
            max_iterations: MAX_ITERATIONS,
            max_total_iterations: MAX_TOTAL_ITERATIONS,
            max_bags: MAX_BAGS,
            max_safe_contents_nesting: MAX_SAFE_CONTENTS_NESTING,
            max_asn1_depth: MAX_ASN1_DEPTH,
        }
    }
}

/// The work an import has left: iteration counts charged before each key derivation, and bags
/// counted as they are read.
#[derive(Debug)]
pub(crate) struct Budget {
    /// The limits.
    pub(crate) limits: Limits,
    /// Iterations spent so far.
    iterations_spent: u64,
    /// Bags read so far.
    bags_seen: usize,
}

impl Budget {
    /// A fresh budget under `limits`.
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            iterations_spent: 0,
            bags_seen: 0,
        }
    }

    /// Charges one key derivation of `iterations` iterations; fails before any work is done if
    /// it would exceed a limit. A count of 0 is malformed (RFC 8018 and RFC 7292 require ≥ 1).
    pub(crate) fn charge_iterations(
        &mut self,
        iterations: u64,
        at: &Location,
    ) -> Result<(), Error> {
        if iterations == 0 {
            return Err(Error::corrupt(at, "iteration count is 0"));
        }
        let max = u64::from(self.limits.max_iterations);
        if iterations > max {
            return Err(Error::limit(at, Limit::Iterations, iterations, max));
        }
        let total = self.iterations_spent.saturating_add(iterations);
        if total > self.limits.max_total_iterations {
            return Err(Error::limit(
                at,
                Limit::TotalIterations,
                total,
                self.limits.max_total_iterations,
            ));
        }
        self.iterations_spent = total;
        Ok(())
    }

    /// Counts one more safe bag.
    pub(crate) fn count_bag(&mut self, at: &Location) -> Result<(), Error> {
        self.bags_seen = self.bags_seen.saturating_add(1);
        if self.bags_seen > self.limits.max_bags {
            return Err(Error::limit(
                at,
                Limit::Bags,
                self.bags_seen as u64,
                self.limits.max_bags as u64,
            ));
        }
        Ok(())
    }
}

/// Checks a salt length against [`MAX_SALT_LEN`].
pub(crate) fn check_salt(salt: &[u8], at: &Location) -> Result<(), Error> {
    if salt.len() > MAX_SALT_LEN {
        return Err(Error::limit(
            at,
            Limit::SaltLength,
            salt.len() as u64,
            MAX_SALT_LEN as u64,
        ));
    }
    Ok(())
}
