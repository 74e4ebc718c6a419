//! The boundary between the MIME layer and CMS encryption (EnvelopedData, RFC 5652 §6;
//! AuthEnvelopedData, RFC 5083).
//!
//! The MIME layer prepares the entity, hands its bytes to an [`Encryptor`], and wraps the
//! ContentInfo it gets back as `application/pkcs7-mime` with the `smime-type` that the
//! ContentInfo's content type calls for. When reading, it hands the ContentInfo of an
//! encrypted part to a [`Decryptor`] and parses the plaintext it gets back as a MIME entity
//! again (it may be signed, or hold another layer).
//!
//! Recipients, key management and content ciphers are the CMS layer's business:
//! [`CmsEncryptor`] and [`CmsDecryptor`] implement these traits with `smime-cms`; another
//! implementation may wrap a hardware token or another tool.

use std::fmt;

use smime_cms::{
    Certificate, ContentEncryption, DecryptOptions, EnvelopeBuilder, RecipientBuilder,
};
use smime_crypto::CryptoProvider;

/// Turns a prepared MIME entity into a CMS ContentInfo holding an EnvelopedData or an
/// AuthEnvelopedData (DER or BER), encrypted to the implementation's recipients.
pub trait Encryptor {
    /// Encrypts `content`, the canonical MIME entity (RFC 8551 §3.3).
    fn encrypt(
        &self,
        content: &[u8],
        provider: &dyn CryptoProvider,
    ) -> Result<Vec<u8>, smime_cms::Error>;
}

/// Decrypts a CMS ContentInfo holding an EnvelopedData or an AuthEnvelopedData.
pub trait Decryptor {
    /// Decrypts `content_info` (DER or BER) and says what protected it.
    fn decrypt(
        &self,
        content_info: &[u8],
        provider: &dyn CryptoProvider,
    ) -> Result<Decrypted, smime_cms::Error>;
}

impl fmt::Debug for dyn Decryptor + '_ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Decryptor")
    }
}

impl fmt::Debug for dyn Encryptor + '_ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Encryptor")
    }
}

/// Decrypted content and what protected it, as a [`Decryptor`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decrypted {
    content: Vec<u8>,
    content_cipher: String,
    authenticated: bool,
    key_management: Option<String>,
}

impl Decrypted {
    /// Plaintext `content`, decrypted with `content_cipher` (a name such as `"AES-256-GCM"`);
    /// `authenticated` only when the cipher authenticated the content (AES-GCM in an
    /// AuthEnvelopedData), never for CBC (EFAIL).
    pub fn new(content: Vec<u8>, content_cipher: impl Into<String>, authenticated: bool) -> Self {
        Self {
            content,
            content_cipher: content_cipher.into(),
            authenticated,
            key_management: None,
        }
    }

    /// Adds how the content-encryption key reached the recipient (`"RSA-OAEP"`, …).
    pub fn with_key_management(mut self, key_management: impl Into<String>) -> Self {
        self.key_management = Some(key_management.into());
        self
    }

    /// How the content-encryption key reached the recipient, if the decryptor said.
    pub fn key_management(&self) -> Option<&str> {
        self.key_management.as_deref()
    }

    /// The plaintext: a MIME entity.
    pub fn content(&self) -> &[u8] {
        &self.content
    }

    /// The content-encryption algorithm.
    pub fn content_cipher(&self) -> &str {
        &self.content_cipher
    }

    /// Whether the content was authenticated (AEAD), so that a change to the ciphertext
    /// could not go unnoticed.
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }
}

/// An [`Encryptor`] built on `smime-cms`: an AuthEnvelopedData with AES-256-GCM by default
/// (RFC 8551 §2.7), or the content encryption asked for; one RecipientInfo per recipient,
/// its key management chosen from its certificate.
///
/// ```
/// # fn example(bob: smime_cms::Certificate, entity: &[u8]) -> Result<(), smime_mime::Error> {
/// let provider = smime_crypto::default_provider();
/// let encryptor = smime_mime::CmsEncryptor::to_certificates([bob]);
/// let encrypted = smime_mime::pkcs7_mime::encrypted(entity, &encryptor, provider)?;
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct CmsEncryptor {
    recipients: Vec<RecipientBuilder>,
    content_encryption: Option<ContentEncryption>,
}

impl fmt::Debug for CmsEncryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CmsEncryptor")
            .field("recipients", &self.recipients.len())
            .field("content_encryption", &self.content_encryption)
            .finish()
    }
}

impl CmsEncryptor {
    /// No recipients yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// One recipient per certificate.
    pub fn to_certificates(certificates: impl IntoIterator<Item = Certificate>) -> Self {
        certificates
            .into_iter()
            .fold(Self::new(), |encryptor, certificate| {
                encryptor.add_recipient(RecipientBuilder::certificate(certificate))
            })
    }

    /// Adds a recipient (certificate, KEK or password; see `smime_cms::RecipientBuilder`).
    pub fn add_recipient(mut self, recipient: RecipientBuilder) -> Self {
        self.recipients.push(recipient);
        self
    }

    /// The content encryption (AES-GCM makes an AuthEnvelopedData, AES-CBC an
    /// EnvelopedData).
    pub fn content_encryption(mut self, encryption: ContentEncryption) -> Self {
        self.content_encryption = Some(encryption);
        self
    }
}

impl Encryptor for CmsEncryptor {
    fn encrypt(
        &self,
        content: &[u8],
        provider: &dyn CryptoProvider,
    ) -> Result<Vec<u8>, smime_cms::Error> {
        let mut builder = EnvelopeBuilder::new(content);
        for recipient in &self.recipients {
            builder = builder.add_recipient(recipient.clone());
        }
        if let Some(encryption) = self.content_encryption {
            builder = builder.content_encryption(encryption);
        }
        builder.build(provider)
    }
}

/// A [`Decryptor`] built on `smime-cms`, with the keys (private key and certificate, KEK,
/// password) of its `DecryptOptions`.
#[derive(Clone, Debug, Default)]
pub struct CmsDecryptor<'a> {
    options: DecryptOptions<'a>,
}

impl<'a> CmsDecryptor<'a> {
    /// Decrypts with these options.
    pub fn new(options: DecryptOptions<'a>) -> Self {
        Self { options }
    }
}

impl Decryptor for CmsDecryptor<'_> {
    fn decrypt(
        &self,
        content_info: &[u8],
        provider: &dyn CryptoProvider,
    ) -> Result<Decrypted, smime_cms::Error> {
        let decrypted = smime_cms::decrypt(content_info, &self.options, provider)?;
        let cipher = decrypted.content_encryption().to_string();
        let authenticated = decrypted.is_authenticated();
        let key_management = decrypted.key_management().to_string();
        Ok(
            Decrypted::new(decrypted.into_content(), cipher, authenticated)
                .with_key_management(key_management),
        )
    }
}
