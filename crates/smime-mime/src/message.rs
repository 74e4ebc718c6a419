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

use crate::canonical::to_crlf;
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
        let (outer, mut entity) = split(self.input, &self.headers)?;
        for layer in &self.layers {
            entity = match layer {
                Layer::Sign(signers) => multipart_signed::build(&entity, signers, provider)?,
                Layer::SignOpaque(signers) => pkcs7_mime::signed_data(&entity, signers, provider)?,
                Layer::Encrypt(encryptor) => pkcs7_mime::encrypted(&entity, *encryptor, provider)?,
            };
        }
        let mut message = outer;
        message.extend_from_slice(b"MIME-Version: 1.0\r\n");
        message.extend_from_slice(&entity);
        Ok(message)
    }
}
