//! Whom a message is encrypted to, and with what.

use core::fmt;
use std::str::FromStr;

use std::sync::{Arc, OnceLock};

use smime_cms::{PreparedRecipient, RecipientBuilder};
use smime_crypto::{CryptoProvider, DigestAlgorithm, KeyKind, PublicKey, RsaEncryptionPadding};
use smime_mime::{HeaderSelection, MessageBuilder};
use smime_x509::Certificate;

use crate::enveloped::CmsEncryptor;
use crate::error::Error;
use crate::message::as_mime_entity;
use crate::signer::{Signer, SigningMode};

/// RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 8017, RFC 4055 §4), what
/// [`Recipient::oaep`] (and the CLI's `--oaep`) asks for.
const OAEP_SHA256: RsaEncryptionPadding = RsaEncryptionPadding::Oaep {
    digest: DigestAlgorithm::Sha256,
    mgf_digest: DigestAlgorithm::Sha256,
};

/// A recipient: a certificate whose public key the content-encryption key is encrypted to.
///
/// RSA keys get key transport (PKCS #1 v1.5 by default, RSAES-OAEP with SHA-256 when asked),
/// EC P-256/P-384 keys get ephemeral-static ECDH with AES key wrap (RFC 5753). The
/// certificate is checked once, when the recipient is made.
#[derive(Clone)]
pub struct Recipient {
    certificate: Certificate,
    public_key: PublicKey,
    oaep: bool,
    /// The CMS layer's recipient, prepared on first use (its key parsed, its RecipientInfo's
    /// fixed fields encoded) and shared by every message and clone; `None` when preparing
    /// failed, so that each message reports the error.
    prepared: Arc<OnceLock<Option<PreparedRecipient>>>,
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recipient")
            .field("subject", &self.certificate.subject().to_string())
            .field("key", &self.public_key.kind())
            .field("oaep", &self.oaep)
            .finish()
    }
}

impl Recipient {
    /// A recipient with the defaults for its key type.
    ///
    /// # Errors
    /// [`Error::Crypto`] when the key type is not supported (Ed25519, DSA, …);
    /// [`Error::CertificateNotUsable`] when its keyUsage forbids encryption (RFC 8550 §4.4.2).
    pub fn new(certificate: Certificate) -> Result<Self, Error> {
        let public_key = certificate.public_key()?;
        if !certificate.permits_encryption()? {
            let reason = match public_key.kind() {
                KeyKind::Rsa { .. } => "its keyUsage lacks keyEncipherment",
                _ => "its keyUsage lacks keyAgreement",
            };
            return Err(Error::CertificateNotUsable {
                subject: certificate.subject().to_string(),
                operation: "encryption",
                reason: reason.to_owned(),
            });
        }
        Ok(Self {
            certificate,
            public_key,
            oaep: false,
            prepared: Arc::default(),
        })
    }

    /// The recipient whose certificate is in `pem` (PEM or DER; the first certificate).
    ///
    /// # Errors
    /// As [`Recipient::new`], and [`Error::Certificate`] when no certificate can be read.
    pub fn from_pem(pem: &[u8]) -> Result<Self, Error> {
        let certificate = smime_x509::load_certificates(pem)?
            .into_iter()
            .next()
            .ok_or(smime_x509::Error::Empty)?;
        Self::new(certificate)
    }

    /// Use RSAES-OAEP with SHA-256 (RFC 8017, RFC 4055) for an RSA key; no effect for EC keys.
    pub fn oaep(mut self, oaep: bool) -> Self {
        self.oaep = oaep;
        self.prepared = Arc::default();
        self
    }

    /// The CMS layer's recipient for this certificate and options.
    pub(crate) fn cms_recipient(&self) -> RecipientBuilder {
        let mut cms = RecipientBuilder::certificate(self.certificate.x509().clone());
        if self.oaep && matches!(self.public_key.kind(), KeyKind::Rsa { .. }) {
            cms = cms.rsa_padding(OAEP_SHA256);
        }
        cms
    }

    /// [`Recipient::cms_recipient`], prepared once.
    pub(crate) fn prepared(&self) -> Option<&PreparedRecipient> {
        self.prepared
            .get_or_init(|| PreparedRecipient::new(&self.cms_recipient()).ok())
            .as_ref()
    }

    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The certificate's public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// Whether RSA key transport uses OAEP.
    pub fn is_oaep(&self) -> bool {
        self.oaep
    }
}

/// The content-encryption algorithm of a new message.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ContentCipher {
    /// AES-256-GCM in an AuthEnvelopedData (RFC 5083/5084): authenticated, the default
    /// (RFC 8551 §2.7).
    #[default]
    Aes256Gcm,
    /// AES-128-GCM in an AuthEnvelopedData.
    Aes128Gcm,
    /// AES-256-CBC in an EnvelopedData: for recipients whose clients lack GCM. Not
    /// authenticated (EFAIL): sign the content too.
    Aes256Cbc,
    /// AES-128-CBC in an EnvelopedData. Not authenticated.
    Aes128Cbc,
}

impl ContentCipher {
    /// Every cipher, default first.
    pub const ALL: [Self; 4] = [
        Self::Aes256Gcm,
        Self::Aes128Gcm,
        Self::Aes256Cbc,
        Self::Aes128Cbc,
    ];

    /// The name used on command lines and in reports (`aes-256-gcm`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Aes256Gcm => "aes-256-gcm",
            Self::Aes128Gcm => "aes-128-gcm",
            Self::Aes256Cbc => "aes-256-cbc",
            Self::Aes128Cbc => "aes-128-cbc",
        }
    }

    /// Whether the cipher authenticates the content (AES-GCM).
    pub const fn is_authenticated(self) -> bool {
        matches!(self, Self::Aes256Gcm | Self::Aes128Gcm)
    }
}

impl fmt::Display for ContentCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ContentCipher {
    type Err = Error;

    /// Parses `aes-256-gcm`, `aes-128-gcm`, `aes-256-cbc` or `aes-128-cbc` (any case).
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::InvalidOption(format!(
                    "unknown cipher {s:?}; use aes-256-gcm, aes-128-gcm, aes-256-cbc or aes-128-cbc"
                ))
            })
    }
}

/// An encryption: recipients, the content cipher and the provider. Reusable for any number
/// of messages.
///
/// ```no_run
/// # fn example(alice: smime::Recipient, bob: smime::Recipient, signer: smime::Signer)
/// # -> Result<(), smime::Error> {
/// use smime::{ContentCipher, Encryption};
///
/// let encryption = Encryption::new([alice, bob])?.cipher(ContentCipher::Aes128Gcm);
/// let sealed = encryption.sign_and_encrypt(b"Subject: hi\r\n\r\nHello\r\n", &signer)?;
/// # let _ = sealed; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Encryption {
    recipients: Vec<Recipient>,
    cipher: Option<ContentCipher>,
    pub(crate) headers: HeaderSelection,
    provider: &'static dyn CryptoProvider,
}

impl fmt::Debug for Encryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encryption")
            .field("recipients", &self.recipients)
            .field("cipher", &self.cipher)
            .field("headers", &self.headers)
            .field("provider", &self.provider.name())
            .finish()
    }
}

impl Encryption {
    /// Encryption to `recipients` with the default provider and AES-256-GCM — or, when a
    /// recipient's certificate announces SMIMECapabilities (RFC 4262) without it, the
    /// strongest cipher every recipient announces, authenticated (GCM) ones first.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] when there is no recipient.
    pub fn new(recipients: impl IntoIterator<Item = Recipient>) -> Result<Self, Error> {
        let recipients: Vec<Recipient> = recipients.into_iter().collect();
        if recipients.is_empty() {
            return Err(Error::InvalidOption(
                "encryption needs at least one recipient".to_owned(),
            ));
        }
        Ok(Self {
            recipients,
            cipher: None,
            headers: HeaderSelection::standard(),
            provider: smime_crypto::default_provider(),
        })
    }

    /// Encrypts a message (or a MIME entity, or plain text — see
    /// [`as_mime_entity`](crate::message::as_mime_entity)) to the recipients.
    ///
    /// # Errors
    /// [`Error::Mime`] (with the CMS layer's error inside) when the message cannot be
    /// prepared or encrypted.
    pub fn encrypt(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let entity = as_mime_entity(message);
        let encryptor = CmsEncryptor { encryption: self };
        Ok(MessageBuilder::new(&entity)
            .headers(self.headers.clone())
            .encrypt(&encryptor)
            .build(self.provider)?)
    }

    /// Signs a message with `signer`, then encrypts the signed entity to the recipients
    /// (RFC 8551 §3.7). The header fields the signer selects go on the outside.
    ///
    /// # Errors
    /// As [`Signer::sign`] and [`Encryption::encrypt`].
    pub fn sign_and_encrypt(&self, message: &[u8], signer: &Signer) -> Result<Vec<u8>, Error> {
        let entity = as_mime_entity(message);
        let encryptor = CmsEncryptor { encryption: self };
        let builder = MessageBuilder::new(&entity).headers(signer.headers().clone());
        let builder = match signer.mode() {
            SigningMode::Detached => builder.sign([signer.cms_signer()]),
            SigningMode::Opaque => builder.sign_opaque([signer.cms_signer()]),
        };
        Ok(builder.encrypt(&encryptor).build(self.provider)?)
    }

    /// Which header fields of the input go on the outside of the encrypted message (default
    /// [`HeaderSelection::standard`]). Other fields, except `Content-*`, are dropped.
    pub fn headers(mut self, headers: HeaderSelection) -> Self {
        self.headers = headers;
        self
    }

    /// The content cipher, whatever the recipients announce (default: AES-256-GCM, or the
    /// recipients' common choice; see [`Encryption::new`]).
    pub fn cipher(mut self, cipher: ContentCipher) -> Self {
        self.cipher = Some(cipher);
        self
    }

    /// The crypto provider (default [`smime_crypto::default_provider`]).
    pub fn provider(mut self, provider: &'static dyn CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// The recipients.
    pub fn recipients(&self) -> &[Recipient] {
        &self.recipients
    }

    /// The content cipher, when one was chosen with [`Encryption::cipher`].
    pub fn content_cipher(&self) -> Option<ContentCipher> {
        self.cipher
    }

    /// The crypto provider.
    pub fn crypto_provider(&self) -> &'static dyn CryptoProvider {
        self.provider
    }
}
