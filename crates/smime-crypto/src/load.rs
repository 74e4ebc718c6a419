//! Loading private keys from the files people have: PEM or DER; PKCS#8 (plain or encrypted
//! with PBES2), SEC1 EC keys, PKCS#1 RSA keys.

use zeroize::Zeroizing;

use crate::error::Error;

/// Reads a private key in any supported encoding and returns it as unencrypted PKCS#8 DER.
pub fn private_key_to_pkcs8(data: &[u8], password: Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>, Error> {
    let _ = (data, password);
    Err(Error::UnsupportedAlgorithm("key loading is not implemented yet".into()))
}

/// Reads a private key in any supported encoding and makes it a key object of `provider`.
pub fn load_private_key(
    provider: &dyn crate::CryptoProvider,
    data: &[u8],
    password: Option<&[u8]>,
) -> Result<std::sync::Arc<dyn crate::PrivateKey>, Error> {
    let pkcs8 = private_key_to_pkcs8(data, password)?;
    provider.private_key_from_pkcs8(&pkcs8)
}
