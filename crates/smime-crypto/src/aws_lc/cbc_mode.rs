//! Incremental AES-CBC with AWS-LC's `AES_cbc_encrypt` (through `aws_lc_rs::cipher`), in place
//! and without allocation: each call chains from the last ciphertext block, which this type
//! keeps. DES-EDE3 goes to the RustCrypto provider (`aws-lc-rs` builds it only with its
//! `legacy-des` feature).

use aws_lc_rs::cipher::{
    self, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext, UnboundCipherKey,
};
use aws_lc_rs::iv::FixedLength;
use zeroize::Zeroize;

use crate::algorithm::CbcCipher;
use crate::cbc_mode::{CbcBlocks, CbcDirection, check_inputs, check_whole_blocks};
use crate::counter_mode::AES_BLOCK_LEN;
use crate::error::Error;

enum Key {
    Encrypt(EncryptingKey),
    Decrypt(DecryptingKey),
}

/// AES-CBC state: the AWS-LC key (zeroized by `aws-lc-rs` on drop) and the chaining block.
struct AwsLcCbc {
    key: Key,
    cipher: CbcCipher,
    chain: [u8; AES_BLOCK_LEN],
}

impl Drop for AwsLcCbc {
    fn drop(&mut self) {
        self.chain.zeroize();
    }
}

fn failed(_: aws_lc_rs::error::Unspecified) -> Error {
    Error::Backend("AWS-LC: AES-CBC failed".into())
}

impl CbcBlocks for AwsLcCbc {
    fn cipher(&self) -> CbcCipher {
        self.cipher
    }

    fn process_blocks(&mut self, blocks: &mut [u8]) -> Result<(), Error> {
        check_whole_blocks(self.cipher, blocks)?;
        let Some(last) = blocks.len().checked_sub(AES_BLOCK_LEN) else {
            return Ok(());
        };
        match &self.key {
            Key::Encrypt(key) => {
                key.less_safe_encrypt(
                    blocks,
                    EncryptionContext::Iv128(FixedLength::from(&self.chain)),
                )
                .map_err(failed)?;
                if let Some(chain) = blocks.get(last..) {
                    self.chain.copy_from_slice(chain);
                }
            }
            Key::Decrypt(key) => {
                let mut next = [0u8; AES_BLOCK_LEN];
                if let Some(chain) = blocks.get(last..) {
                    next.copy_from_slice(chain);
                }
                key.decrypt(
                    blocks,
                    DecryptionContext::Iv128(FixedLength::from(&self.chain)),
                )
                .map_err(failed)?;
                self.chain = next;
            }
        }
        Ok(())
    }
}

pub(super) fn cbc_blocks(
    cipher: CbcCipher,
    direction: CbcDirection,
    key: &[u8],
    iv: &[u8],
) -> Result<Box<dyn CbcBlocks>, Error> {
    check_inputs(cipher, key, iv)?;
    let algorithm = match cipher {
        CbcCipher::Aes128 => &cipher::AES_128,
        CbcCipher::Aes192 => &cipher::AES_192,
        CbcCipher::Aes256 => &cipher::AES_256,
        _ => return super::fallback().cbc_blocks(cipher, direction, key, iv),
    };
    let invalid = |_| Error::InvalidLength {
        what: "CBC key",
        len: key.len(),
    };
    let unbound = UnboundCipherKey::new(algorithm, key).map_err(invalid)?;
    let key = match direction {
        CbcDirection::Encrypt => Key::Encrypt(EncryptingKey::cbc(unbound).map_err(invalid)?),
        CbcDirection::Decrypt => Key::Decrypt(DecryptingKey::cbc(unbound).map_err(invalid)?),
    };
    let mut chain = [0u8; AES_BLOCK_LEN];
    chain.copy_from_slice(iv);
    Ok(Box::new(AwsLcCbc { key, cipher, chain }))
}
