//! Whole messages: the header fields of the input carried over to the outside of the
//! S/MIME structure, and the layers (sign, encrypt, sign again…) applied in order.
//!
//! The input is a message (RFC 5322 header fields, MIME fields, body) or a bare MIME entity.
//! Its `Content-*` fields and body form the entity that is signed or encrypted; of its other
//! fields, those the [`HeaderSelection`] names are copied, byte for byte (line ends made
//! CR LF), in front of the result, followed by `MIME-Version: 1.0`. Fields not selected are
//! dropped: they are neither signed nor sent.

use smime_cms::SignerBuilder;
use smime_crypto::CryptoProvider;

use crate::canonical::{self, to_crlf};
use crate::encryption::Encryptor;
use crate::entity::Entity;
use crate::error::Error;
use crate::{multipart_signed, pkcs7_mime};

/// Which header fields of the input are carried over to the outer message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderSelection {
    /// Lower-case names to keep; `None` keeps every field that is not a MIME field.
    include: Option<Vec<String>>,
    /// Lower-case names never to keep.
    exclude: Vec<String>,
}

impl HeaderSelection {
    /// The fields of RFC 5322 §3.6 that identify and address a message: From, Sender,
    /// Reply-To, To, Cc, Subject, Date, Message-ID, In-Reply-To, References. Bcc is left out.
    pub fn standard() -> Self {
        Self::only([
            "From",
            "Sender",
            "Reply-To",
            "To",
            "Cc",
            "Subject",
            "Date",
            "Message-ID",
            "In-Reply-To",
            "References",
        ])
    }

    /// Exactly the named fields (compared without regard to case).
    pub fn only<'n>(names: impl IntoIterator<Item = &'n str>) -> Self {
        Self {
            include: Some(names.into_iter().map(str::to_ascii_lowercase).collect()),
            exclude: Vec::new(),
        }
    }

    /// No fields: the result is a bare entity with `MIME-Version`.
    pub fn none() -> Self {
        Self::only([])
    }

    /// Every field that is not a `Content-*` field or `MIME-Version`.
    pub fn all() -> Self {
        Self {
            include: None,
            exclude: Vec::new(),
        }
    }

    /// Adds a field to the selection.
    pub fn with(mut self, name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        self.exclude.retain(|n| *n != name);
        if let Some(include) = &mut self.include {
            include.push(name);
        }
        self
    }

    /// Removes a field from the selection.
    pub fn without(mut self, name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        if let Some(include) = &mut self.include {
            include.retain(|n| *n != name);
        }
        self.exclude.push(name);
        self
    }

    fn selects(&self, name: &[u8]) -> bool {
        let listed = |names: &[String]| {
            names
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
        };
        !listed(&self.exclude) && self.include.as_deref().is_none_or(listed)
    }
}

impl Default for HeaderSelection {
    fn default() -> Self {
        Self::standard()
    }
}

fn is_content_field(name: &[u8]) -> bool {
    name.len() >= 8
        && name
            .get(..8)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"content-"))
}

/// Splits a message into the outer header fields that `selection` keeps (their exact bytes,
/// CR LF line ends) and the MIME entity to protect (the `Content-*` fields and the body,
/// exact bytes).
pub fn split(message: &[u8], selection: &HeaderSelection) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let entity = Entity::parse(message)?;
    let input = entity.input();
    let mut outer = Vec::new();
    let mut inner = Vec::new();
    for field in entity.field_ranges() {
        let name = input.get(field.name.clone()).unwrap_or_default();
        let raw = input.get(field.raw.clone()).unwrap_or_default();
        let target = if is_content_field(name) {
            &mut inner
        } else if name.eq_ignore_ascii_case(b"mime-version") || !selection.selects(name) {
            continue;
        } else {
            &mut outer
        };
        target.extend_from_slice(&to_crlf(raw));
        if !raw.ends_with(b"\n") {
            target.extend_from_slice(b"\r\n");
        }
    }
    inner.extend_from_slice(b"\r\n");
    inner.extend_from_slice(entity.body_raw());
    Ok((outer, inner))
}

enum Layer<'a> {
    Sign(Vec<SignerBuilder>),
    SignOpaque(Vec<SignerBuilder>),
    Encrypt(&'a dyn Encryptor),
}

/// Builds an S/MIME message from a message or entity, layer by layer.
///
/// Each layer wraps the result of the one before: `.sign(…)` makes a `multipart/signed`,
/// `.sign_opaque(…)` an `application/pkcs7-mime; smime-type=signed-data`, `.encrypt(…)` an
/// `enveloped-data` or `authEnveloped-data`. Sign-then-encrypt is `.sign(…).encrypt(…)`; the
/// triple wrap of RFC 2634 §1.1 is `.sign(…).encrypt(…).sign(…)`. Every layer's input is
/// prepared first (CR LF, 7-bit transfer encodings; see [`canonical::prepare`](crate::canonical::prepare)).
///
/// ```
/// use smime_mime::{HeaderSelection, MessageBuilder};
/// # fn example(signer: smime_cms::SignerBuilder) -> Result<(), smime_mime::Error> {
/// let provider = smime_crypto::default_provider();
/// let message = b"From: alice@example.org\r\nTo: bob@example.org\r\nSubject: Hi\r\n\
///                 Content-Type: text/plain\r\n\r\nHello Bob\r\n";
/// let signed = MessageBuilder::new(message)
///     .headers(HeaderSelection::only(["From", "To"])) // the Subject stays behind
///     .sign([signer])
///     .build(provider)?;
/// assert!(signed.starts_with(b"From: alice@example.org\r\nTo: bob@example.org\r\nMIME-Version: 1.0\r\n"));
/// # Ok(()) }
/// ```
pub struct MessageBuilder<'a> {
    input: &'a [u8],
    headers: HeaderSelection,
    layers: Vec<Layer<'a>>,
}

impl std::fmt::Debug for MessageBuilder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let layers: Vec<&str> = self
            .layers
            .iter()
            .map(|layer| match layer {
                Layer::Sign(_) => "sign",
                Layer::SignOpaque(_) => "sign-opaque",
                Layer::Encrypt(_) => "encrypt",
            })
            .collect();
        f.debug_struct("MessageBuilder")
            .field("input_len", &self.input.len())
            .field("headers", &self.headers)
            .field("layers", &layers)
            .finish()
    }
}

impl<'a> MessageBuilder<'a> {
    /// Starts from `input`, a message or a MIME entity; carries over
    /// [`HeaderSelection::standard`] unless told otherwise.
    pub fn new(input: &'a [u8]) -> Self {
        Self {
            input,
            headers: HeaderSelection::standard(),
            layers: Vec::new(),
        }
    }

    /// Which header fields of the input go on the outside of the result.
    pub fn headers(mut self, selection: HeaderSelection) -> Self {
        self.headers = selection;
        self
    }

    /// Adds a `multipart/signed` layer (detached signature) by these signers.
    pub fn sign(mut self, signers: impl IntoIterator<Item = SignerBuilder>) -> Self {
        self.layers.push(Layer::Sign(signers.into_iter().collect()));
        self
    }

    /// Adds an opaque `signed-data` layer by these signers.
    pub fn sign_opaque(mut self, signers: impl IntoIterator<Item = SignerBuilder>) -> Self {
        self.layers
            .push(Layer::SignOpaque(signers.into_iter().collect()));
        self
    }

    /// Adds an encryption layer.
    pub fn encrypt(mut self, encryptor: &'a dyn Encryptor) -> Self {
        self.layers.push(Layer::Encrypt(encryptor));
        self
    }

    /// Applies the layers and puts the selected header fields in front.
    pub fn build(&self, provider: &dyn CryptoProvider) -> Result<Vec<u8>, Error> {
        if self.layers.is_empty() {
            return Err(Error::Build {
                reason: "no layer: call sign, sign_opaque or encrypt".to_owned(),
            });
        }
        let (mut message, entity) = split(self.input, &self.headers)?;
        message.extend_from_slice(b"MIME-Version: 1.0\r\n");
        // Every layer's output is canonical (CR LF, 7-bit, what `canonical::prepare` would
        // make of it: the tests hold this), so only the input is prepared, and each layer
        // signs or encrypts the previous one's bytes in place. The last layer writes
        // straight after the outer header fields.
        let mut entity = canonical::prepare(&entity)?;
        let last = self.layers.len().saturating_sub(1);
        for (index, layer) in self.layers.iter().enumerate() {
            let mut fresh = Vec::new();
            let out = if index == last {
                &mut message
            } else {
                &mut fresh
            };
            match layer {
                Layer::Sign(signers) => {
                    multipart_signed::write_prepared(&entity, signers, provider, out)?;
                }
                Layer::SignOpaque(signers) => {
                    pkcs7_mime::write_signed_data(&entity, signers, provider, out)?;
                }
                Layer::Encrypt(encryptor) => {
                    pkcs7_mime::write_encrypted(&entity, *encryptor, provider, out)?;
                }
            }
            entity = fresh;
        }
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use smime_crypto::{EcCurve, KeyKind};
    use smime_x509::builder::TestPki;

    use super::*;
    use crate::encryption::CmsEncryptor;

    /// Every layer's output is already canonical — `prepare` leaves it byte for byte as it
    /// is — which is what lets [`MessageBuilder::build`] prepare only its input. Checked for
    /// each layer kind and for the output of a layer used as the input of the next.
    #[test]
    fn layer_outputs_are_canonical() {
        let provider = smime_crypto::default_provider();
        let p256 = KeyKind::Ec {
            curve: EcCurve::P256,
        };
        let pki = TestPki::new(provider, p256).unwrap();
        let alice = pki.issue("Alice <alice@example.org>", p256).unwrap();
        let key = provider.private_key_from_pkcs8(alice.pkcs8_der()).unwrap();
        let signer = SignerBuilder::new(alice.certificate().x509().clone(), key);
        let encryptor = CmsEncryptor::to_certificates([alice.certificate().x509().clone()]);
        let inputs: [&[u8]; 3] = [
            b"Subject: plain\n\nline one\nline two \nFrom here\n",
            "Content-Type: text/plain; charset=utf-8\r\n\r\nGr\u{fc}\u{df}e\r\n".as_bytes(),
            b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nhi\n--b\nContent-Type: application/octet-stream\n\n\x00\x01\n--b--\n",
        ];
        for input in inputs {
            let (_, entity) = split(input, &HeaderSelection::none()).unwrap();
            let layers: [Vec<u8>; 3] = [
                multipart_signed::build(&entity, std::slice::from_ref(&signer), provider).unwrap(),
                pkcs7_mime::signed_data(&entity, std::slice::from_ref(&signer), provider).unwrap(),
                pkcs7_mime::encrypted(&entity, &encryptor, provider).unwrap(),
            ];
            for layer in layers {
                assert_eq!(
                    canonical::prepare(&layer).unwrap(),
                    layer,
                    "{}",
                    String::from_utf8_lossy(&layer)
                );
                let outer =
                    multipart_signed::build(&layer, std::slice::from_ref(&signer), provider)
                        .unwrap();
                assert_eq!(canonical::prepare(&outer).unwrap(), outer);
            }
        }
    }

    /// The builder's output is the layers applied one after the other, each to the
    /// previous one's bytes, after the outer header fields.
    #[test]
    fn build_puts_the_last_layer_after_the_outer_fields() {
        let provider = smime_crypto::default_provider();
        let p256 = KeyKind::Ec {
            curve: EcCurve::P256,
        };
        let pki = TestPki::new(provider, p256).unwrap();
        let alice = pki.issue("Alice <alice@example.org>", p256).unwrap();
        let encryptor = CmsEncryptor::to_certificates([alice.certificate().x509().clone()]);
        let built = MessageBuilder::new(b"From: a@example.org\nX-Drop: 1\n\nhello\n")
            .encrypt(&encryptor)
            .encrypt(&encryptor)
            .build(provider)
            .unwrap();
        let head = b"From: a@example.org\r\nMIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=\"authEnveloped-data\";\r\n";
        assert!(
            built.starts_with(head),
            "{}",
            String::from_utf8_lossy(&built)
        );
        let key = provider.private_key_from_pkcs8(alice.pkcs8_der()).unwrap();
        let options =
            smime_cms::DecryptOptions::new().private_key(alice.certificate().x509(), key.as_ref());
        let decryptor = crate::CmsDecryptor::new(options);
        let outer = Entity::parse(&built).unwrap();
        let inner = crate::Decryptor::decrypt(
            &decryptor,
            &crate::pkcs7_mime::cms_bytes(&outer).unwrap(),
            provider,
        )
        .unwrap();
        let inner_entity = Entity::parse(inner.content()).unwrap();
        let innermost = crate::Decryptor::decrypt(
            &decryptor,
            &crate::pkcs7_mime::cms_bytes(&inner_entity).unwrap(),
            provider,
        )
        .unwrap();
        assert_eq!(innermost.content(), b"\r\nhello\r\n");
    }
}
