//! The private keys a reader holds: what [`open`](crate::open) decrypts with.

use core::fmt;
use std::sync::Arc;

use smime_crypto::{CryptoProvider, PrivateKey};
use smime_x509::Certificate;

use crate::error::Error;

/// One decryption identity: a certificate and its private key.
#[derive(Clone)]
pub struct KeyPair {
    certificate: Certificate,
    key: Arc<dyn PrivateKey>,
}

impl KeyPair {
    /// The certificate (it names the recipient entry of a message).
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The private key.
    pub fn private_key(&self) -> &Arc<dyn PrivateKey> {
        &self.key
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("subject", &self.certificate.subject().to_string())
            .field("key", &self.key.kind())
            .finish()
    }
}

/// The decryption keys of a reader, each with its certificate. Old keys stay useful: mail
/// encrypted to a certificate that was since renewed still needs the old key.
///
/// ```
/// let keys = smime::Keys::new();
/// assert!(keys.is_empty()); // reads signed mail only
/// ```
#[derive(Clone)]
pub struct Keys {
    pairs: Vec<KeyPair>,
    provider: &'static dyn CryptoProvider,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("pairs", &self.pairs)
            .field("provider", &self.provider.name())
            .finish()
    }
}

impl Default for Keys {
    fn default() -> Self {
        Self::new()
    }
}

impl Keys {
    /// No keys: encrypted messages are reported as encrypted, not decrypted.
    pub fn new() -> Self {
        Self {
            pairs: Vec::new(),
            provider: smime_crypto::default_provider(),
        }
    }

    /// Adds a certificate and its private key.
    ///
    /// # Errors
    /// [`Error::KeyMismatch`] when the key is not the certificate's.
    pub fn add(&mut self, certificate: Certificate, key: Arc<dyn PrivateKey>) -> Result<(), Error> {
        let certified = certificate.public_key()?;
        if certified != *key.public_key() {
            return Err(Error::KeyMismatch {
                subject: certificate.subject().to_string(),
                certificate_key: certified.kind().to_string(),
            });
        }
        self.pairs.push(KeyPair { certificate, key });
        Ok(())
    }

    /// Adds a certificate and its private key, builder style.
    ///
    /// # Errors
    /// As [`Keys::add`].
    pub fn with(
        mut self,
        certificate: Certificate,
        key: Arc<dyn PrivateKey>,
    ) -> Result<Self, Error> {
        self.add(certificate, key)?;
        Ok(self)
    }

    /// Adds the key and certificate of PEM or DER files (the key may be encrypted PKCS #8:
    /// give its `password`).
    ///
    /// # Errors
    /// The files cannot be read, or the key is not the certificate's.
    pub fn add_pem(
        &mut self,
        certificate: &[u8],
        key: &[u8],
        password: Option<&[u8]>,
    ) -> Result<(), Error> {
        let certificate = smime_x509::load_certificates(certificate)?
            .into_iter()
            .next()
            .ok_or(smime_x509::Error::Empty)?;
        let key = smime_crypto::load_private_key(self.provider, key, password)?;
        self.add(certificate, key)
    }

    /// Adds every key of a PKCS #12 file that comes with its certificate; returns how many.
    ///
    /// # Errors
    /// [`Error::Pkcs12`] for a wrong password or a corrupt file.
    pub fn add_pkcs12(&mut self, p12: &[u8], password: &str) -> Result<usize, Error> {
        let contents = smime_pkcs12::import(p12, smime_pkcs12::Password::new(password))?;
        let mut added = 0usize;
        for identity in contents.identities() {
            let Some(entry) = identity.certificate else {
                continue;
            };
            let certificate = Certificate::from_der(entry.der())?;
            let key = self
                .provider
                .private_key_from_pkcs8(identity.key.pkcs8_der())?;
            self.add(certificate, key)?;
            added = added.saturating_add(1);
        }
        Ok(added)
    }

    /// The crypto provider that decrypts (default [`smime_crypto::default_provider`]).
    pub fn provider(mut self, provider: &'static dyn CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// The key pairs, in the order added.
    pub fn pairs(&self) -> &[KeyPair] {
        &self.pairs
    }

    /// Whether there is no key.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The crypto provider.
    pub fn crypto_provider(&self) -> &'static dyn CryptoProvider {
        self.provider
    }
}
