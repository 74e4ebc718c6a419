//! Whole messages: the header fields of the input carried over to the outside of the
//! S/MIME structure, and the layers (sign, encrypt, sign again…) applied in order.
//!
//! The input is a message (RFC 5322 header fields, MIME fields, body) or a bare MIME entity.
//! Its `Content-*` fields and body form the entity that is signed or encrypted; of its other
//! fields, those the [`HeaderSelection`] names are copied, byte for byte (line ends made
//! CR LF), in front of the result, followed by `MIME-Version: 1.0`. Fields not selected are
//! dropped: they are neither signed nor sent.

use std::cell::Cell;

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
    write_outer_fields(&entity, selection, &mut outer);
    for field in entity.field_ranges() {
        let name = input.get(field.name.clone()).unwrap_or_default();
        if is_content_field(name) {
            let raw = input.get(field.raw.clone()).unwrap_or_default();
            push_field(raw, &mut inner);
        }
    }
    inner.extend_from_slice(b"\r\n");
    inner.extend_from_slice(entity.body_raw());
    Ok((outer, inner))
}

/// Appends the header fields of `message` that `selection` keeps for the outside (never a
/// `Content-*` field or `MIME-Version`), their exact bytes with CR LF line ends.
fn write_outer_fields(message: &Entity<'_>, selection: &HeaderSelection, out: &mut Vec<u8>) {
    let input = message.input();
    for field in message.field_ranges() {
        let name = input.get(field.name.clone()).unwrap_or_default();
        if is_content_field(name)
            || name.eq_ignore_ascii_case(b"mime-version")
            || !selection.selects(name)
        {
            continue;
        }
        push_field(input.get(field.raw.clone()).unwrap_or_default(), out);
    }
}

/// A header field's raw bytes with CR LF line ends, ending in CR LF.
fn push_field(raw: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&to_crlf(raw));
    if !raw.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
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
        let mut message = Vec::new();
        self.build_into(provider, &mut message)?;
        Ok(message)
    }

    /// [`build`](Self::build), appending the message to `out`: a caller that seals many
    /// messages can hand the same buffer (cleared) to each one, so that its memory is
    /// allocated once and not page-faulted in again for every message. On error `out` is
    /// left as it was.
    ///
    /// The intermediate layers (the prepared entity, a `multipart/signed` before it is
    /// encrypted) are written into buffers kept per thread and reused by the next message
    /// built on that thread (see [`SCRATCH_RETAIN_LIMIT`]).
    ///
    /// ```
    /// use smime_mime::{HeaderSelection, MessageBuilder};
    /// # fn example(signer: smime_cms::SignerBuilder) -> Result<(), smime_mime::Error> {
    /// let provider = smime_crypto::default_provider();
    /// let mut out = Vec::new();
    /// for i in 0..3 {
    ///     let message = format!("Subject: {i}\r\n\r\nStatement {i}\r\n");
    ///     out.clear();
    ///     MessageBuilder::new(message.as_bytes())
    ///         .sign([signer.clone()])
    ///         .build_into(provider, &mut out)?;
    ///     assert!(out.starts_with(format!("Subject: {i}\r\nMIME-Version: 1.0\r\n").as_bytes()));
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`build`](Self::build).
    pub fn build_into(
        &self,
        provider: &dyn CryptoProvider,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let mark = out.len();
        let result = with_scratch(|scratch| self.build_with(provider, scratch, out));
        if result.is_err() {
            out.truncate(mark);
        }
        result
    }

    fn build_with(
        &self,
        provider: &dyn CryptoProvider,
        scratch: &mut Scratch,
        message: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if self.layers.is_empty() {
            return Err(Error::Build {
                reason: "no layer: call sign, sign_opaque or encrypt".to_owned(),
            });
        }
        let input = Entity::parse(self.input)?;
        write_outer_fields(&input, &self.headers, message);
        message.extend_from_slice(b"MIME-Version: 1.0\r\n");
        // The entity to protect is prepared straight from the message (no copy of it is
        // made first). Every layer's output is canonical (CR LF, 7-bit, what
        // `canonical::prepare` would make of it: the tests hold this), so only the input is
        // prepared, and each layer signs or encrypts the previous one's bytes in place. The
        // last layer writes straight after the outer header fields.
        let Scratch {
            entity,
            layer: next,
        } = scratch;
        canonical::append_prepared_content(&input, entity)?;
        let last = self.layers.len().saturating_sub(1);
        for (index, layer) in self.layers.iter().enumerate() {
            let out = if index == last {
                &mut *message
            } else {
                next.clear();
                &mut *next
            };
            match layer {
                Layer::Sign(signers) => {
                    multipart_signed::write_prepared(entity, signers, provider, out)?;
                }
                Layer::SignOpaque(signers) => {
                    pkcs7_mime::write_signed_data(entity, signers, provider, out)?;
                }
                Layer::Encrypt(encryptor) => {
                    pkcs7_mime::write_encrypted(entity, *encryptor, provider, out)?;
                }
            }
            if index != last {
                std::mem::swap(entity, next);
            }
        }
        Ok(())
    }
}

/// The capacity up to which a thread keeps its [`MessageBuilder`] scratch buffers for the
/// next message: 8 MiB.
///
/// Origin: ours. Far above the statements and letters that are sealed by the thousand
/// (tens to hundreds of kilobytes), so that those never allocate their intermediate layers
/// twice; a buffer grown beyond it by one big message is freed after that message, so that
/// no thread holds more than 2 × 8 MiB between messages.
pub const SCRATCH_RETAIN_LIMIT: usize = 8 * 1024 * 1024;

/// Buffers for the layers inside a message: the entity being protected and the layer being
/// written around it.
#[derive(Default)]
struct Scratch {
    entity: Vec<u8>,
    layer: Vec<u8>,
}

impl Scratch {
    const fn new() -> Self {
        Self {
            entity: Vec::new(),
            layer: Vec::new(),
        }
    }

    /// Empties the buffers for the next message, keeping their memory unless it is larger
    /// than [`SCRATCH_RETAIN_LIMIT`]. What they held (the plaintext entity, the signed
    /// entity) is overwritten with zeros first, so that it does not stay in memory until the
    /// next message: one `memset` of data still in cache, a fraction of a percent of the
    /// cost of a message.
    fn release(&mut self) {
        for buffer in [&mut self.entity, &mut self.layer] {
            buffer.fill(0);
            buffer.clear();
            if buffer.capacity() > SCRATCH_RETAIN_LIMIT {
                *buffer = Vec::new();
            }
        }
    }
}

thread_local! {
    /// This thread's scratch buffers (see [`MessageBuilder::build_into`]).
    static SCRATCH: Cell<Scratch> = const { Cell::new(Scratch::new()) };
}

/// Runs `build` with this thread's scratch buffers, taken out of the thread-local for the
/// time of the build and put back after: a build inside a build (an [`Encryptor`] that
/// builds a message itself) finds none there and works with fresh ones, as does a build on
/// a thread being torn down.
fn with_scratch<T>(build: impl FnOnce(&mut Scratch) -> T) -> T {
    let mut scratch = SCRATCH.try_with(Cell::take).unwrap_or_default();
    let result = build(&mut scratch);
    scratch.release();
    // Fails only on a thread being torn down; then the buffers are simply freed.
    let _ = SCRATCH.try_with(|cell| cell.set(scratch));
    result
}

#[cfg(test)]
mod tests {
    use smime_crypto::{EcCurve, KeyKind};
    use smime_x509::builder::TestPki;

    use proptest::prelude::*;

    use super::*;
    use crate::encryption::CmsEncryptor;

    /// Header lines and body fragments that hit the cases where the entity inside a message
    /// could be read differently from the message itself: content and other fields, folded
    /// lines, lines that are not fields, both line ends, a missing blank line, multipart
    /// delimiters, transfer encodings that must be re-applied, 8-bit and NUL octets.
    fn message() -> impl Strategy<Value = Vec<u8>> {
        let field = prop_oneof![
            Just(&b"Content-Type: text/plain; charset=utf-8"[..]),
            Just(&b"Content-Type: multipart/mixed; boundary=b"[..]),
            Just(&b"content-type: application/octet-stream"[..]),
            Just(&b"Content-Type: message/rfc822"[..]),
            Just(&b"Content-Transfer-Encoding: base64"[..]),
            Just(&b"Content-Transfer-Encoding: quoted-printable"[..]),
            Just(&b"Content-Transfer-Encoding: 8bit"[..]),
            Just(&b"Content-Transfer-Encoding: x-unknown"[..]),
            Just(&b"Content-Disposition: attachment"[..]),
            Just(&b"Subject: hi"[..]),
            Just(&b"From: a@example.org"[..]),
            Just(&b"MIME-Version: 1.0"[..]),
            Just(&b"X-Other: 1"[..]),
            Just(&b" folded"[..]),
            Just(&b"not a field"[..]),
        ];
        let line_end = prop_oneof![Just(&b"\n"[..]), Just(&b"\r\n"[..]), Just(&b"\r"[..])];
        let header = prop::collection::vec((field, line_end.clone()), 0..7);
        let fragment = prop_oneof![
            Just(&b"hello"[..]),
            Just(&b" "[..]),
            Just(&b"\r"[..]),
            Just(&b"\n"[..]),
            Just(&b"\r\n"[..]),
            Just(&b"--b\r\n"[..]),
            Just(&b"--b--\n"[..]),
            Just(&b"Content-Type: text/plain\n\n"[..]),
            Just(&b"SGVsbG8=\r\n"[..]),
            Just(&b"=C3=A9="[..]),
            Just(&b"\x00\xc3\xa9"[..]),
            Just(&b"From "[..]),
        ];
        let body = prop::collection::vec(fragment, 0..16);
        (header, prop::option::of(line_end), body).prop_map(|(header, blank, body)| {
            let mut message = Vec::new();
            for (field, end) in header {
                message.extend_from_slice(field);
                message.extend_from_slice(end);
            }
            if let Some(end) = blank {
                message.extend_from_slice(end);
            }
            message.extend_from_slice(&body.concat());
            message
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

        /// Preparing the entity straight from the message (what `build` does) gives the
        /// bytes that splitting it off and preparing the copy gives (what `build` did), or
        /// an error of the same kind at the same part.
        #[test]
        fn entity_is_prepared_in_place_as_after_split(message in message()) {
            let fused = Entity::parse(&message).and_then(|parsed| {
                let mut out = b"before".to_vec();
                canonical::append_prepared_content(&parsed, &mut out)?;
                Ok(out)
            });
            let copied = split(&message, &HeaderSelection::all())
                .and_then(|(_, entity)| canonical::prepare(&entity));
            match (fused, copied) {
                (Ok(fused), Ok(copied)) => {
                    prop_assert_eq!(&fused[..6], b"before");
                    prop_assert_eq!(&fused[6..], &copied[..]);
                }
                (Err(fused), Err(copied)) => {
                    prop_assert_eq!(
                        std::mem::discriminant(&fused),
                        std::mem::discriminant(&copied),
                        "{} / {}", fused, copied
                    );
                }
                (fused, copied) => prop_assert!(false, "{:?} / {:?}", fused, copied),
            }
        }
    }

    /// Decrypts one `application/pkcs7-mime` layer of `message` with `alice`'s key.
    fn open_layer(message: &[u8], alice: &smime_x509::builder::TestIdentity) -> Vec<u8> {
        let provider = smime_crypto::default_provider();
        let key = provider.private_key_from_pkcs8(alice.pkcs8_der()).unwrap();
        let options =
            smime_cms::DecryptOptions::new().private_key(alice.certificate().x509(), key.as_ref());
        let decryptor = crate::CmsDecryptor::new(options);
        let entity = Entity::parse(message).unwrap();
        let cms = crate::pkcs7_mime::cms_bytes(&entity).unwrap();
        crate::Decryptor::decrypt(&decryptor, &cms, provider)
            .unwrap()
            .content()
            .to_vec()
    }

    /// An encryptor that builds a whole message of its own first (so a build runs inside
    /// a build, on the same thread), checks it, and then encrypts as `CmsEncryptor` does.
    struct Nested<'a> {
        inner: &'a CmsEncryptor,
        alice: &'a smime_x509::builder::TestIdentity,
    }

    impl Encryptor for Nested<'_> {
        fn encrypt(
            &self,
            content: &[u8],
            provider: &dyn CryptoProvider,
        ) -> Result<Vec<u8>, smime_cms::Error> {
            let own = MessageBuilder::new(b"Subject: inner\n\ninner\n")
                .headers(HeaderSelection::none())
                .encrypt(self.inner)
                .encrypt(self.inner)
                .build(provider)
                .unwrap();
            let once = open_layer(&own, self.alice);
            assert_eq!(open_layer(&once, self.alice), b"\r\ninner\r\n");
            self.inner.encrypt(content, provider)
        }
    }

    /// An encryptor that always fails.
    struct Failing;

    impl Encryptor for Failing {
        fn encrypt(&self, _: &[u8], _: &dyn CryptoProvider) -> Result<Vec<u8>, smime_cms::Error> {
            Err(smime_cms::Error::NoMatchingRecipient)
        }
    }

    /// `build_into` appends after what the buffer holds; messages of very different sizes
    /// built one after the other on one thread (the scratch buffers reused, grown and
    /// shrunk) each hold exactly their own entity; a failed build leaves the buffer as it was
    /// and the next build is whole again; a build inside a build works.
    #[test]
    fn build_into_appends_and_reuses_the_scratch_buffers() {
        let provider = smime_crypto::default_provider();
        let p256 = KeyKind::Ec {
            curve: EcCurve::P256,
        };
        let pki = TestPki::new(provider, p256).unwrap();
        let alice = pki.issue("Alice <alice@example.org>", p256).unwrap();
        let encryptor = CmsEncryptor::to_certificates([alice.certificate().x509().clone()]);
        let nested = Nested {
            inner: &encryptor,
            alice: &alice,
        };
        let message = |lines: usize| {
            let mut text = b"From: a@example.org\nSubject: s\n\n".to_vec();
            for line in 0..lines {
                text.extend_from_slice(format!("line {line}\n").as_bytes());
            }
            text
        };
        for (round, lines) in [20_000, 1, 3_000, 0, 20_000, 7].into_iter().enumerate() {
            let input = message(lines);
            let (_, entity) = split(&input, &HeaderSelection::none()).unwrap();
            let expected = canonical::prepare(&entity).unwrap();

            let mut out = b"prefix".to_vec();
            let second: &dyn Encryptor = if round % 2 == 0 { &encryptor } else { &nested };
            MessageBuilder::new(&input)
                .headers(HeaderSelection::only(["From"]))
                .encrypt(&encryptor)
                .encrypt(second)
                .build_into(provider, &mut out)
                .unwrap();
            assert!(out.starts_with(b"prefixFrom: a@example.org\r\nMIME-Version: 1.0\r\n"));
            let once = open_layer(&out[6..], &alice);
            assert_eq!(open_layer(&once, &alice), expected, "round {round}");

            let mut out = b"prefix".to_vec();
            let failed = MessageBuilder::new(&input)
                .encrypt(&encryptor)
                .encrypt(&Failing)
                .build_into(provider, &mut out);
            assert!(
                matches!(failed, Err(Error::Encryption { .. })),
                "{failed:?}"
            );
            assert_eq!(out, b"prefix");
            let failed = MessageBuilder::new(&input).build_into(provider, &mut out);
            assert!(matches!(failed, Err(Error::Build { .. })), "{failed:?}");
            assert_eq!(out, b"prefix");
        }
    }

    /// Released scratch buffers are empty, and freed when they grew past the limit.
    #[test]
    fn scratch_release_keeps_small_buffers_only() {
        let mut scratch = Scratch {
            entity: vec![1; 100],
            layer: Vec::with_capacity(SCRATCH_RETAIN_LIMIT + 1),
        };
        scratch.layer.push(2);
        scratch.release();
        assert!(scratch.entity.is_empty() && scratch.entity.capacity() >= 100);

        assert!(scratch.layer.is_empty());
        assert_eq!(scratch.layer.capacity(), 0);
    }

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
