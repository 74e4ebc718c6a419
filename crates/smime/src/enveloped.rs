//! The boundary to CMS encryption (EnvelopedData, AuthEnvelopedData): the MIME layer's
//! [`Encryptor`] and [`Decryptor`](smime_mime::Decryptor) implemented with the facade's
//! recipients and keys over `smime-cms`.

use smime_cms::{
    ContentEncryption, DecryptOptions, Envelope, EnvelopeBuilder, RecipientIdentifier,
};
use smime_crypto::{AeadCipher, CbcCipher, CryptoProvider};
use smime_mime::{Decrypted, Encryptor};

use crate::error::Error;
use crate::keys::Keys;
use crate::recipient::{ContentCipher, Encryption};

/// The CMS content encryption of a facade cipher.
pub(crate) fn content_encryption(cipher: ContentCipher) -> ContentEncryption {
    match cipher {
        ContentCipher::Aes256Gcm => ContentEncryption::Aead(AeadCipher::Aes256Gcm),
        ContentCipher::Aes128Gcm => ContentEncryption::Aead(AeadCipher::Aes128Gcm),
        ContentCipher::Aes256Cbc => ContentEncryption::Cbc(CbcCipher::Aes256),
        ContentCipher::Aes128Cbc => ContentEncryption::Cbc(CbcCipher::Aes128),
    }
}

/// Encrypts with an [`Encryption`]'s recipients and cipher.
pub(crate) struct CmsEncryptor<'e> {
    pub(crate) encryption: &'e Encryption,
}

impl Encryptor for CmsEncryptor<'_> {
    fn encrypt(
        &self,
        content: &[u8],
        provider: &dyn CryptoProvider,
    ) -> Result<Vec<u8>, smime_cms::Error> {
        let mut builder = EnvelopeBuilder::new(content);
        if let Some(cipher) = self.encryption.content_cipher() {
            builder = builder.content_encryption(content_encryption(cipher));
        }
        for recipient in self.encryption.recipients() {
            builder = match recipient.prepared() {
                Some(prepared) => builder.add_prepared_recipient(prepared),
                // Preparing failed: the builder fails the same way, naming the recipient.
                None => builder.add_recipient(recipient.cms_recipient()),
            };
        }
        builder.build(provider)
    }
}

/// Decrypts with every key whose certificate a RecipientInfo names (the CMS layer picks the
/// RecipientInfos and keeps the implicit-rejection guarantees), for the MIME layer.
pub(crate) fn decrypt(
    keys: &Keys,
    content_info: &[u8],
    provider: &dyn CryptoProvider,
) -> Result<Decrypted, smime_cms::Error> {
    let envelope = Envelope::parse(content_info)?;
    let mut options = DecryptOptions::new();
    for pair in keys.pairs() {
        options = options.private_key(pair.certificate().x509(), pair.private_key().as_ref());
    }
    let decrypted = envelope.decrypt(&options, provider)?;
    let cipher = decrypted.content_encryption().to_string();
    let authenticated = decrypted.is_authenticated();
    Ok(Decrypted::new(
        decrypted.into_content(),
        cipher,
        authenticated,
    ))
}

/// [`decrypt`] with the facade's errors; `path` names the part.
pub(crate) fn decrypt_with_keys(
    keys: &Keys,
    content_info: &[u8],
    provider: &dyn CryptoProvider,
    path: &str,
) -> Result<Decrypted, Error> {
    decrypt(keys, content_info, provider).map_err(|error| match error {
        smime_cms::Error::NoMatchingRecipient => Error::NotARecipient {
            path: path.to_owned(),
            keys: keys
                .pairs()
                .iter()
                .map(|p| format!("\"{}\"", p.certificate().subject()))
                .collect::<Vec<_>>()
                .join(", "),
            recipients: Envelope::parse(content_info)
                .map(|envelope| {
                    envelope
                        .recipients()
                        .iter()
                        .map(describe_recipient)
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default(),
        },
        error @ (smime_cms::Error::ContentAuthenticationFailed
        | smime_cms::Error::ContentDecryptionFailed
        | smime_cms::Error::KeyUnwrapFailed { .. }
        | smime_cms::Error::KeyDecryptionFailed { .. }
        | smime_cms::Error::AmbiguousRecipients { .. }) => Error::DecryptionFailed {
            path: path.to_owned(),
            reason: error.to_string(),
        },
        other => Error::Cms(other),
    })
}

/// A RecipientInfo's identifier in words.
fn describe_recipient(identifier: &RecipientIdentifier) -> String {
    match identifier {
        RecipientIdentifier::IssuerAndSerialNumber(isn) => format!(
            "issuer \"{}\" serial {}",
            isn.issuer,
            hex(isn.serial_number.as_bytes())
        ),
        RecipientIdentifier::SubjectKeyIdentifier(id) => {
            format!("subjectKeyIdentifier {}", hex(id))
        }
        RecipientIdentifier::KekIdentifier(id) => format!("pre-shared key {}", hex(id)),
        RecipientIdentifier::Password => "a password".to_owned(),
        other => format!("{other:?}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
