//! CBC over whole blocks, applied incrementally (NIST SP 800-38A §6.2): the chaining state is
//! kept across calls, so a message of any size can be encrypted or decrypted in bounded
//! pieces. Padding (PKCS #7, RFC 5652 §6.3) is the caller's: this interface sees only whole
//! blocks. The one-shot [`CryptoProvider::cbc_encrypt`](crate::CryptoProvider::cbc_encrypt)
//! and [`cbc_decrypt`](crate::CryptoProvider::cbc_decrypt) pad and unpad.
//!
//! ```
//! use smime_crypto::{CbcCipher, CbcDirection};
//!
//! let provider = smime_crypto::default_provider();
//! let (key, iv) = ([5u8; 16], [6u8; 16]);
//! // 32 octets of text: the one-shot result is these two blocks plus a padding block.
//! let text = *b"two AES blocks of text, exactly.";
//! let one_shot = provider.cbc_encrypt(CbcCipher::Aes128, &key, &iv, &text)?;
//!
//! let mut blocks = text;
//! let mut cbc = provider.cbc_blocks(CbcCipher::Aes128, CbcDirection::Encrypt, &key, &iv)?;
//! let (first, second) = blocks.split_at_mut(16);
//! cbc.process_blocks(first)?;
//! cbc.process_blocks(second)?;
//! assert_eq!(&blocks[..], &one_shot[..32]);
//!
//! let mut cbc = provider.cbc_blocks(CbcCipher::Aes128, CbcDirection::Decrypt, &key, &iv)?;
//! cbc.process_blocks(&mut blocks)?;
//! assert_eq!(blocks, text);
//! # Ok::<(), smime_crypto::Error>(())
//! ```

use crate::algorithm::CbcCipher;
use crate::error::Error;

/// Whether a [`CbcBlocks`] encrypts or decrypts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CbcDirection {
    /// Plaintext blocks in, ciphertext blocks out.
    Encrypt,
    /// Ciphertext blocks in, plaintext blocks out.
    Decrypt,
}

/// CBC encryption or decryption in progress: the state object a provider returns from
/// [`CryptoProvider::cbc_blocks`](crate::CryptoProvider::cbc_blocks). Key material and the
/// chaining block are zeroized when it is dropped.
pub trait CbcBlocks: Send {
    /// The block cipher.
    fn cipher(&self) -> CbcCipher;

    /// Encrypts or decrypts `blocks` in place, chaining on from the previous call (from the IV
    /// at first). `blocks.len()` must be a multiple of the cipher's block length; otherwise
    /// this is [`Error::InvalidLength`] and nothing is changed.
    fn process_blocks(&mut self, blocks: &mut [u8]) -> Result<(), Error>;
}

/// Checks the key and IV lengths for `cipher`.
pub(crate) fn check_inputs(cipher: CbcCipher, key: &[u8], iv: &[u8]) -> Result<(), Error> {
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

/// Checks that `blocks` is whole blocks of `cipher`.
pub(crate) fn check_whole_blocks(cipher: CbcCipher, blocks: &[u8]) -> Result<(), Error> {
    if !blocks.len().is_multiple_of(cipher.block_len()) {
        return Err(Error::InvalidLength {
            what: "CBC blocks (not a whole number of blocks)",
            len: blocks.len(),
        });
    }
    Ok(())
}
