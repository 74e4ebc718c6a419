//! Incremental CBC with the `cbc` crate over `aes` and `des`.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::array::Array;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, BlockSizeUser, KeyIvInit};

use crate::algorithm::CbcCipher;
use crate::cbc_mode::{CbcBlocks, CbcDirection, check_inputs, check_whole_blocks};
use crate::error::Error;

/// A `cbc` encryptor or decryptor; `cbc`, `aes` and `des` are built with `zeroize`, so the
/// key schedule and the chaining block are wiped on drop.
struct Blocks<M> {
    mode: M,
    cipher: CbcCipher,
}

impl<M: BlockModeEncrypt + Send> CbcBlocks for Blocks<Encrypting<M>> {
    fn cipher(&self) -> CbcCipher {
        self.cipher
    }

    fn process_blocks(&mut self, blocks: &mut [u8]) -> Result<(), Error> {
        check_whole_blocks(self.cipher, blocks)?;
        let (whole, _) = Array::<u8, <M as BlockSizeUser>::BlockSize>::slice_as_chunks_mut(blocks);
        self.mode.0.encrypt_blocks(whole);
        Ok(())
    }
}

impl<M: BlockModeDecrypt + Send> CbcBlocks for Blocks<Decrypting<M>> {
    fn cipher(&self) -> CbcCipher {
        self.cipher
    }

    fn process_blocks(&mut self, blocks: &mut [u8]) -> Result<(), Error> {
        check_whole_blocks(self.cipher, blocks)?;
        let (whole, _) = Array::<u8, <M as BlockSizeUser>::BlockSize>::slice_as_chunks_mut(blocks);
        self.mode.0.decrypt_blocks(whole);
        Ok(())
    }
}

/// Marks an encryptor (the two impls above would otherwise overlap for nothing).
struct Encrypting<M>(M);
/// Marks a decryptor.
struct Decrypting<M>(M);

fn encrypting<M>(cipher: CbcCipher, key: &[u8], iv: &[u8]) -> Result<Box<dyn CbcBlocks>, Error>
where
    M: KeyIvInit + BlockModeEncrypt + Send + 'static,
{
    let mode = M::new_from_slices(key, iv).map_err(|_| Error::InvalidLength {
        what: "CBC key",
        len: key.len(),
    })?;
    Ok(Box::new(Blocks {
        mode: Encrypting(mode),
        cipher,
    }))
}

fn decrypting<M>(cipher: CbcCipher, key: &[u8], iv: &[u8]) -> Result<Box<dyn CbcBlocks>, Error>
where
    M: KeyIvInit + BlockModeDecrypt + Send + 'static,
{
    let mode = M::new_from_slices(key, iv).map_err(|_| Error::InvalidLength {
        what: "CBC key",
        len: key.len(),
    })?;
    Ok(Box::new(Blocks {
        mode: Decrypting(mode),
        cipher,
    }))
}

pub(crate) fn cbc_blocks(
    cipher: CbcCipher,
    direction: CbcDirection,
    key: &[u8],
    iv: &[u8],
) -> Result<Box<dyn CbcBlocks>, Error> {
    check_inputs(cipher, key, iv)?;
    match (cipher, direction) {
        (CbcCipher::Aes128, CbcDirection::Encrypt) => {
            encrypting::<cbc::Encryptor<Aes128>>(cipher, key, iv)
        }
        (CbcCipher::Aes192, CbcDirection::Encrypt) => {
            encrypting::<cbc::Encryptor<Aes192>>(cipher, key, iv)
        }
        (CbcCipher::Aes256, CbcDirection::Encrypt) => {
            encrypting::<cbc::Encryptor<Aes256>>(cipher, key, iv)
        }
        (CbcCipher::DesEde3, CbcDirection::Encrypt) => {
            encrypting::<cbc::Encryptor<des::TdesEde3>>(cipher, key, iv)
        }
        (CbcCipher::Aes128, CbcDirection::Decrypt) => {
            decrypting::<cbc::Decryptor<Aes128>>(cipher, key, iv)
        }
        (CbcCipher::Aes192, CbcDirection::Decrypt) => {
            decrypting::<cbc::Decryptor<Aes192>>(cipher, key, iv)
        }
        (CbcCipher::Aes256, CbcDirection::Decrypt) => {
            decrypting::<cbc::Decryptor<Aes256>>(cipher, key, iv)
        }
        (CbcCipher::DesEde3, CbcDirection::Decrypt) => {
            decrypting::<cbc::Decryptor<des::TdesEde3>>(cipher, key, iv)
        }
    }
}
