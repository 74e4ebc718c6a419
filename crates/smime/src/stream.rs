//! Streaming: sign, encrypt, verify and decrypt messages of any size in constant memory.
//!
//! The one-shot flows ([`Signer::sign`], [`Encryption::encrypt`], [`open`](crate::open),
//! [`decrypt`](crate::decrypt)) hold the whole message in memory. The functions here read a
//! [`Read`] and write a [`Write`] through `smime-stream`: BER with indefinite lengths and
//! chunked OCTET STRINGs on the way out, any BER or DER on the way in, base64 encoded and
//! decoded on the fly for MIME.
//!
//! **Nothing streamed out of [`verify`] or [`decrypt`] may be used before they return.**
//! [`verify`] writes the signed content while it reads it, and the verdict needs the last
//! byte of the message (the SignerInfos follow the content): the content is unverified until
//! `verify` returns a [`StreamReport`] whose [`problems`](StreamReport::problems) are empty.
//! Write it to a temporary file and keep it only then (the `smime` command does). [`decrypt`]
//! never releases AES-GCM plaintext before the tag verifies (`smime-stream` spools the
//! ciphertext to a temporary file first); CBC content is not authenticated and says so.

use std::io::{Chain, Cursor, Read, Write};
use std::sync::Arc;
use std::time::SystemTime;

use smime_cms::{ContentEncryption, KeyManagement};
use smime_mime::{Entity, PartPath};
use smime_stream::{EnvelopeStream, SignedDataStream, StreamCredentials};
use smime_x509::Certificate;
use smime_x509::der::Encode;

use crate::error::Error;
use crate::keys::Keys;
use crate::open::{MAX_CHAIN_VALIDATIONS, address_verdict};
use crate::recipient::{ContentCipher, Encryption};
use crate::report::{
    AddressVerdict, ChainVerdict, NotEvaluatedReason, Problem, SignatureVerdict, SignerReport,
};
use crate::signer::{Signer, SigningMode};
use crate::trust::Trust;

pub use smime_stream::mime::Packaging;

/// How much of the start of an input is looked at to tell a MIME entity from plain text
/// (see [`as_mime_entity`](crate::message::as_mime_entity)), and how much of the start of
/// the signed content is kept to find its `From` field. Header blocks of real mail are a
/// few KiB; 64 KiB is the size `smime-stream` reads in.
pub const HEADER_LOOKAHEAD: usize = 64 << 10;

/// The header prepended to plain text (as [`as_mime_entity`](crate::message::as_mime_entity)).
const TEXT_PLAIN_HEADER: &[u8] = b"Content-Type: text/plain; charset=utf-8\r\n\r\n";

/// What a streamed message is made of.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// An S/MIME message (`multipart/signed`, or `application/pkcs7-mime` with base64
    /// content), as mail carries it.
    #[default]
    Mime,
    /// A bare CMS `ContentInfo`, DER or BER (as `openssl cms -outform DER` writes it).
    Cms,
}

/// An input read through a look-ahead buffer: the start of the input, then the rest.
type Lookahead<R> = Chain<Chain<Cursor<&'static [u8]>, Cursor<Vec<u8>>>, R>;

/// Reads up to [`HEADER_LOOKAHEAD`] octets of `input` and makes it a MIME entity the way
/// [`as_mime_entity`](crate::message::as_mime_entity) does, without reading the rest.
fn as_mime_entity_stream<R: Read>(mut input: R) -> Result<Lookahead<R>, Error> {
    let mut head = Vec::new();
    (&mut input)
        .take(HEADER_LOOKAHEAD as u64)
        .read_to_end(&mut head)
        .map_err(smime_stream::Error::from)?;
    // A header block cut by the look-ahead is judged on its complete lines only.
    let judged = if head.len() < HEADER_LOOKAHEAD {
        head.as_slice()
    } else {
        let end = head
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |at| at.saturating_add(1));
        head.get(..end).unwrap_or_default()
    };
    let prefix: &'static [u8] = if crate::message::has_header_block(judged) {
        b""
    } else {
        TEXT_PLAIN_HEADER
    };
    Ok(Cursor::new(prefix).chain(Cursor::new(head)).chain(input))
}

impl Signer {
    /// Signs a message of any size read from `entity`, writing the S/MIME message to `out` in
    /// constant memory: the streaming counterpart of [`Signer::sign`], with the same mode
    /// (`multipart/signed` or opaque `signed-data`), digest, RSA-PSS, chain and header
    /// selection. A text without a header block is signed as `text/plain; charset=utf-8`.
    /// Returns the number of octets of the entity that were signed.
    ///
    /// # Errors
    /// [`Error::Stream`] when reading or writing fails, or the signature cannot be made.
    pub fn sign_stream(&self, entity: impl Read, out: impl Write) -> Result<u64, Error> {
        let entity = as_mime_entity_stream(entity)?;
        let signed = SignedDataStream::new().add_signer(self.cms_signer());
        let packaging = match self.mode() {
            SigningMode::Detached => Packaging::Detached,
            SigningMode::Opaque => Packaging::Opaque,
        };
        Ok(smime_stream::mime::sign(
            entity,
            out,
            &signed,
            packaging,
            self.headers(),
            self.provider(),
        )?)
    }
}

impl Encryption {
    /// Encrypts a message of any size read from `entity` to the recipients, writing the
    /// S/MIME message (`application/pkcs7-mime; smime-type=authEnveloped-data` or
    /// `enveloped-data`) to `out` in constant memory: the streaming counterpart of
    /// [`Encryption::encrypt`], with the same cipher (AES-256-GCM unless
    /// [`Encryption::cipher`] chose another), OAEP choice and header selection. Returns the
    /// number of octets encrypted.
    ///
    /// # Errors
    /// [`Error::Stream`] when reading or writing fails, or a key cannot be encrypted to a
    /// recipient.
    pub fn encrypt_stream(&self, entity: impl Read, out: impl Write) -> Result<u64, Error> {
        let entity = as_mime_entity_stream(entity)?;
        Ok(smime_stream::mime::encrypt(
            entity,
            out,
            &self.envelope_stream(),
            &self.headers,
            self.crypto_provider(),
        )?)
    }

    /// The streaming envelope of this encryption's recipients and cipher.
    fn envelope_stream(&self) -> EnvelopeStream {
        let mut envelope = EnvelopeStream::new();
        if let Some(cipher) = self.content_cipher() {
            envelope = envelope.content_encryption(crate::enveloped::content_encryption(cipher));
        }
        for recipient in self.recipients() {
            envelope = envelope.add_recipient(recipient.cms_recipient());
        }
        envelope
    }
}

/// A `Write` that passes everything on and keeps the first [`HEADER_LOOKAHEAD`] octets.
struct HeadCapture<W> {
    inner: W,
    head: Vec<u8>,
}

impl<W: Write> Write for HeadCapture<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(data)?;
        let room = HEADER_LOOKAHEAD.saturating_sub(self.head.len());
        if let Some(kept) = data.get(..written.min(room)) {
            self.head.extend_from_slice(kept);
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The `From` field of the header block at the start of `data`, if complete there.
fn from_field(data: &[u8]) -> Option<String> {
    let end = [&b"\r\n\r\n"[..], b"\n\n"]
        .iter()
        .filter_map(|separator| {
            data.windows(separator.len())
                .position(|w| w == *separator)
                .map(|at| at.saturating_add(separator.len()))
        })
        .min()?;
    from_of_header(data.get(..end)?)
}

/// The `From` field of a header block (its fields, with or without the blank line).
fn from_of_header(header: &[u8]) -> Option<String> {
    let mut block = header.to_vec();
    if !block.ends_with(b"\n\n") && !block.ends_with(b"\r\n\r\n") {
        block.extend_from_slice(b"\r\n");
    }
    let entity = Entity::parse(&block).ok()?;
    entity
        .field("from")
        .map(|value| String::from_utf8_lossy(value).trim().to_owned())
        .filter(|from| !from.is_empty())
}

/// What a streaming verification found: each signer with its cryptographic verdict, its
/// chain verdict against the reader's [`Trust`], and its From-address verdict. Only
/// [`verify`] makes one.
///
/// The content written by `verify` is trustworthy only when [`problems`](Self::problems) is
/// empty ([`is_trusted`](Self::is_trusted)).
#[derive(Clone, Debug)]
pub struct StreamReport {
    format: Format,
    packaging: Option<Packaging>,
    signers: Vec<SignerReport>,
    content_len: u64,
    econtent_type: smime_x509::ObjectIdentifier,
    from: Option<String>,
    require_from: bool,
}

impl StreamReport {
    /// Every signer, in message order, with its verdicts (the same type as
    /// [`Report::signers`](crate::Report::signers); all at path `/`).
    pub fn signers(&self) -> &[SignerReport] {
        &self.signers
    }

    /// Whether the input was MIME or bare CMS.
    pub fn format(&self) -> Format {
        self.format
    }

    /// For MIME input: whether the signature was detached (`multipart/signed`) or opaque
    /// (`signed-data`); `None` for bare CMS.
    pub fn packaging(&self) -> Option<Packaging> {
        self.packaging
    }

    /// Octets of signed content written.
    pub fn content_len(&self) -> u64 {
        self.content_len
    }

    /// The eContentType the signers signed (id-data for mail).
    pub fn econtent_type(&self) -> smime_x509::ObjectIdentifier {
        self.econtent_type
    }

    /// The sender as the message states it: the outer header's `From`, or, when the outside
    /// has none, the `From` field at the start of the signed content.
    pub fn sender(&self) -> Option<&str> {
        self.from.as_deref()
    }

    /// Whether the From address must match (as configured in the [`Trust`]).
    pub fn requires_from(&self) -> bool {
        self.require_from
    }

    /// Everything that keeps the content from being trusted, as
    /// [`Report::problems`](crate::Report::problems) says it: bad signatures, untrusted or
    /// unevaluated chains, From mismatches (when required), and [`Problem::NotSigned`] when
    /// no signature is valid. Empty means: the content is signed, every signer valid and
    /// trusted.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        for signer in &self.signers {
            let subject = signer.subject();
            match (&signer.verdict, &signer.chain) {
                (SignatureVerdict::Invalid(error), _) => problems.push(Problem::BadSignature {
                    path: signer.path.clone(),
                    subject,
                    error: error.clone(),
                }),
                (SignatureVerdict::Valid { .. }, ChainVerdict::Untrusted(error)) => {
                    problems.push(Problem::Untrusted {
                        subject,
                        error: Arc::clone(error),
                    });
                }
                (
                    SignatureVerdict::Valid { .. },
                    ChainVerdict::NotEvaluated(NotEvaluatedReason::BudgetExceeded),
                ) => problems.push(Problem::TooManySigners { subject }),
                (SignatureVerdict::Valid { .. }, ChainVerdict::NotEvaluated(_)) => {
                    problems.push(Problem::TrustNotEvaluated { subject });
                }
                (SignatureVerdict::Valid { .. }, ChainVerdict::Trusted(_)) => {}
            }
            if self.require_from && signer.verdict.is_valid() {
                match &signer.address {
                    AddressVerdict::Mismatch {
                        from,
                        certificate_addresses,
                    } => problems.push(Problem::FromMismatch {
                        subject: signer.subject(),
                        from: from.clone(),
                        certificate_addresses: certificate_addresses.clone(),
                    }),
                    AddressVerdict::NoFrom => problems.push(Problem::NoFrom {
                        subject: signer.subject(),
                    }),
                    AddressVerdict::Matched { .. } | AddressVerdict::NoCertificate => {}
                }
            }
        }
        if !self.signers.iter().any(|s| s.verdict.is_valid()) {
            problems.push(Problem::NotSigned);
        }
        problems
    }

    /// Whether [`problems`](Self::problems) is empty: the content may be used.
    pub fn is_trusted(&self) -> bool {
        self.problems().is_empty()
    }
}

/// Verifies a signed message of any size read from `message` — S/MIME ([`Format::Mime`]:
/// `multipart/signed` or opaque `signed-data`) or a bare CMS SignedData with its content
/// ([`Format::Cms`], DER or BER) — writing the signed content to `content` as it goes, in
/// constant memory; then validates each valid signer's chain against `trust` (anchors,
/// extra certificates, CRLs, time, emailProtection — as [`open`](crate::open) does) and
/// checks the From address.
///
/// **The octets written to `content` are unverified until this returns a report whose
/// [`problems`](StreamReport::problems) are empty.** Write them to a temporary place.
///
/// Certificate revocation is checked with the CRLs of the [`Trust`] and those the message
/// carries in its SignedData (revocationInfoChoices), as [`open`](crate::open) does.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use smime::crypto::{EcCurve, KeyKind};
/// use smime::stream::Format;
/// use smime::x509::builder::TestPki;
/// use smime::{Signer, Trust};
///
/// let p256 = KeyKind::Ec { curve: EcCurve::P256 };
/// let pki = TestPki::new(smime::crypto::default_provider(), p256)?;
/// let alice = pki.issue("Alice <alice@example.org>", p256)?;
/// let signer = Signer::builder(alice.certificate().clone(), alice.private_key().clone())
///     .chain([pki.intermediate().certificate().clone()])
///     .build()?;
/// let letter = b"From: alice@example.org\r\nContent-Type: text/plain\r\n\r\nHello\r\n";
/// let mut signed = Vec::new();
/// signer.sign_stream(&letter[..], &mut signed)?;
///
/// let trust = Trust::from_certificates([pki.root().certificate()])?.build()?;
/// let mut content = Vec::new(); // unverified until the report says otherwise
/// let report = smime::stream::verify(&signed[..], &mut content, &trust, Format::Mime)?;
/// assert!(report.is_trusted(), "{:?}", report.problems());
/// assert!(report.signers()[0].address().is_match());
/// assert_eq!(content, b"Content-Type: text/plain\r\n\r\nHello\r\n");
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`Error::InvalidInput`] when the message is encrypted, not signed; [`Error::Stream`] when
/// the message cannot be read (I/O, malformed BER or MIME, a budget exceeded, not a
/// SignedData with content). A bad signature or an untrusted signer is not
/// an error: it is in the report.
pub fn verify<R: Read, W: Write>(
    message: R,
    content: W,
    trust: &Trust,
    format: Format,
) -> Result<StreamReport, Error> {
    let provider = trust.crypto_provider();
    let extra: Vec<smime_cms::Certificate> = trust
        .certificates()
        .iter()
        .map(|c| c.x509().clone())
        .collect();
    let mut capture = HeadCapture {
        inner: content,
        head: Vec::new(),
    };
    let (verification, packaging, outer_from) = match format {
        Format::Mime => {
            let verified = smime_stream::mime::verify(message, &mut capture, &extra, provider)
                .map_err(verification_error)?;
            let from = from_of_header(verified.outer_header());
            (verified.cms().clone(), Some(verified.packaging()), from)
        }
        Format::Cms => {
            let verified = smime_stream::verify(message, &mut capture, &extra, provider)
                .map_err(verification_error)?;
            (verified, None, None)
        }
    };
    capture.flush().map_err(smime_stream::Error::from)?;
    let from = outer_from.or_else(|| from_field(&capture.head));
    let signers = evaluate(&verification, trust, from.as_deref());
    Ok(StreamReport {
        format,
        packaging,
        signers,
        content_len: verification.content_len(),
        econtent_type: verification.econtent_type(),
        from,
        require_from: trust.requires_from(),
    })
}

/// Verifies a detached CMS signature (`signature`: a SignedData without its content, DER or
/// BER, small enough to hold) over content of any size read from `content`, then evaluates
/// the signers as [`verify`] does. There is no From field to check.
///
/// # Errors
/// [`Error::Stream`] when the signature cannot be parsed or the content cannot be read.
pub fn verify_detached(
    signature: &[u8],
    content: impl Read,
    trust: &Trust,
) -> Result<StreamReport, Error> {
    let extra: Vec<smime_cms::Certificate> = trust
        .certificates()
        .iter()
        .map(|c| c.x509().clone())
        .collect();
    let verification =
        smime_stream::verify_detached(signature, content, &extra, trust.crypto_provider())?;
    let signers = evaluate(&verification, trust, None);
    Ok(StreamReport {
        format: Format::Cms,
        packaging: None,
        signers,
        content_len: verification.content_len(),
        econtent_type: verification.econtent_type(),
        from: None,
        require_from: trust.requires_from(),
    })
}

/// The facade's verdicts on each signer of a streamed SignedData: signature, chain (with
/// the chain budget of [`open`](crate::open), and the message's own CRLs with the
/// reader's), From address.
fn evaluate(
    verification: &smime_stream::StreamVerification,
    trust: &Trust,
    from: Option<&str>,
) -> Vec<SignerReport> {
    let cms_signers = verification.signers();
    let message_crls: Vec<&[u8]> = verification.crls().iter().map(Vec::as_slice).collect();
    let message_certificates: Vec<Vec<u8>> = verification
        .certificates()
        .iter()
        .filter_map(|c| c.to_der().ok())
        .collect();
    let message_certificates: Vec<&[u8]> = message_certificates.iter().map(Vec::as_slice).collect();
    let mut validations_left = MAX_CHAIN_VALIDATIONS;
    let mut signers = Vec::with_capacity(cms_signers.len());
    for signer in cms_signers {
        let certificate = signer
            .certificate()
            .and_then(|c| Certificate::from_der(c.der()).ok());
        let signing_time: Option<SystemTime> = signer.signing_time().map(|t| t.to_system_time());
        let verdict = match signer.status() {
            smime_cms::SignatureStatus::Valid(valid) => SignatureVerdict::Valid {
                scheme: valid.scheme(),
            },
            smime_cms::SignatureStatus::Invalid(error) => SignatureVerdict::Invalid(error.clone()),
        };
        let address = address_verdict(certificate.as_ref(), from);
        let chain = match (&verdict, &certificate) {
            (SignatureVerdict::Valid { .. }, _) if !trust.has_anchors() => {
                ChainVerdict::NotEvaluated(NotEvaluatedReason::NoTrustAnchors)
            }
            (SignatureVerdict::Valid { .. }, Some(_)) if validations_left == 0 => {
                ChainVerdict::NotEvaluated(NotEvaluatedReason::BudgetExceeded)
            }
            (SignatureVerdict::Valid { .. }, Some(certificate)) => {
                validations_left = validations_left.saturating_sub(1);
                match trust.validate(
                    certificate.as_der(),
                    &message_certificates,
                    &message_crls,
                    from,
                    signing_time,
                ) {
                    None => ChainVerdict::NotEvaluated(NotEvaluatedReason::NoTrustAnchors),
                    Some(Ok(path)) => ChainVerdict::Trusted(Box::new(path)),
                    Some(Err(error)) => ChainVerdict::Untrusted(Arc::new(error)),
                }
            }
            _ => ChainVerdict::NotEvaluated(NotEvaluatedReason::InvalidSignature),
        };
        signers.push(SignerReport {
            signature: 0,
            path: PartPath::root(),
            signer: signer.index(),
            certificate,
            verdict,
            chain,
            address,
            signing_time,
            covers_whole_message: true,
            in_attached_message: false,
        });
    }
    signers
}

/// What a streaming decryption found. Only [`decrypt`] makes one.
#[derive(Clone, Debug)]
pub struct StreamDecryption {
    inner: smime_stream::StreamDecrypted,
    outer_header: Vec<u8>,
}

impl StreamDecryption {
    /// Octets of plaintext written.
    pub fn content_len(&self) -> u64 {
        self.inner.content_len()
    }

    /// The content cipher as the CMS layer names it (`AES-256-GCM`).
    pub fn content_encryption(&self) -> ContentEncryption {
        self.inner.content_encryption()
    }

    /// The content cipher as the facade names it, when it is one the facade encrypts with.
    pub fn content_cipher(&self) -> Option<ContentCipher> {
        ContentCipher::ALL
            .into_iter()
            .find(|c| crate::enveloped::content_encryption(*c) == self.inner.content_encryption())
    }

    /// Whether the content was authenticated (AES-GCM). CBC content is not (EFAIL): only a
    /// valid signature inside shows it was not altered.
    pub fn is_authenticated(&self) -> bool {
        self.inner.is_authenticated()
    }

    /// How the content-encryption key reached the key that opened the message.
    pub fn key_management(&self) -> &KeyManagement {
        self.inner.key_management()
    }

    /// Index of the RecipientInfo that opened the message.
    pub fn recipient_index(&self) -> usize {
        self.inner.recipient_index()
    }

    /// For MIME input, the header block of the encrypted message (From, To, Subject, …, as
    /// sent around the encrypted part); empty for bare CMS.
    pub fn outer_header(&self) -> &[u8] {
        &self.outer_header
    }
}

/// Decrypts an encrypted message of any size read from `message` — S/MIME
/// ([`Format::Mime`], `application/pkcs7-mime`) or a bare CMS EnvelopedData or
/// AuthEnvelopedData ([`Format::Cms`], DER or BER) — with `keys`, writing the decrypted
/// entity to `out` in bounded memory.
///
/// AES-GCM plaintext is written only after the tag verified. AES-CBC plaintext is written as
/// it is decrypted and is not authenticated ([`StreamDecryption::is_authenticated`]); a bad
/// padding at the end fails after the rest was written, so write to a temporary place.
///
/// # Errors
/// [`Error::NoDecryptionKey`] without keys; [`Error::NotARecipient`] when no key opens a
/// RecipientInfo; [`Error::DecryptionFailed`] for a wrong key or a tampered message;
/// [`Error::InvalidInput`] when the message is not encrypted; [`Error::Stream`] when the
/// message cannot be read.
pub fn decrypt<R: Read, W: Write>(
    message: R,
    out: W,
    keys: &Keys,
    format: Format,
) -> Result<StreamDecryption, Error> {
    decrypt_releasing(message, out, keys, format, Release::AfterTag)
}

/// Decrypts like [`decrypt`], in **one** pass: AES-GCM plaintext is written to `out` as it is
/// decrypted, and the tag is checked after the last byte. **What was written is unverified
/// until this returns `Ok`**: write to a temporary file and keep it only on success (the
/// `smime` CLI does this). [`decrypt`] instead spools the ciphertext to a temporary file and
/// writes nothing before the tag verified, at the cost of writing and reading the message
/// once more.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use smime::crypto::{EcCurve, KeyKind};
/// use smime::stream::{self, Format};
/// use smime::x509::builder::TestPki;
/// use smime::{Encryption, Keys, Recipient};
///
/// let p256 = KeyKind::Ec { curve: EcCurve::P256 };
/// let pki = TestPki::new(smime::crypto::default_provider(), p256)?;
/// let alice = pki.issue("Alice <alice@example.org>", p256)?;
/// let mut message = Vec::new();
/// Encryption::new([Recipient::new(alice.certificate().clone())?])?
///     .encrypt_stream(&b"Content-Type: text/plain\r\n\r\nstatement\r\n"[..], &mut message)?;
///
/// let keys = Keys::new().with(alice.certificate().clone(), alice.private_key().clone())?;
/// let mut entity = Vec::new();
/// let decryption = stream::decrypt_unverified(&message[..], &mut entity, &keys, Format::Mime)?;
/// assert!(decryption.is_authenticated()); // only now, after `Ok`, may `entity` be used
/// assert_eq!(entity, b"Content-Type: text/plain\r\n\r\nstatement\r\n");
/// # Ok(()) }
/// ```
///
/// # Errors
/// As [`decrypt`].
pub fn decrypt_unverified<R: Read, W: Write>(
    message: R,
    out: W,
    keys: &Keys,
    format: Format,
) -> Result<StreamDecryption, Error> {
    decrypt_releasing(message, out, keys, format, Release::Unverified)
}

/// When AES-GCM plaintext may leave [`decrypt`] / [`decrypt_unverified`].
#[derive(Clone, Copy)]
enum Release {
    AfterTag,
    Unverified,
}

fn decrypt_releasing<R: Read, W: Write>(
    message: R,
    out: W,
    keys: &Keys,
    format: Format,
    release: Release,
) -> Result<StreamDecryption, Error> {
    if keys.is_empty() {
        return Err(Error::NoDecryptionKey {
            path: "/".to_owned(),
        });
    }
    let mut credentials = StreamCredentials::new();
    for pair in keys.pairs() {
        credentials =
            credentials.private_key(pair.certificate().x509(), pair.private_key().as_ref());
    }
    let provider = keys.crypto_provider();
    let result = match format {
        Format::Mime => {
            let decrypt = match release {
                Release::AfterTag => smime_stream::mime::decrypt,
                Release::Unverified => smime_stream::mime::decrypt_unverified,
            };
            decrypt(message, out, &credentials, provider).map(|decrypted| StreamDecryption {
                inner: decrypted.cms().clone(),
                outer_header: decrypted.outer_header().to_vec(),
            })
        }
        Format::Cms => {
            let decrypt = match release {
                Release::AfterTag => smime_stream::decrypt,
                Release::Unverified => smime_stream::decrypt_unverified,
            };
            decrypt(message, out, &credentials, provider).map(|inner| StreamDecryption {
                inner,
                outer_header: Vec::new(),
            })
        }
    };
    result.map_err(|error| decryption_error(error, keys))
}

/// A streaming decryption error in the facade's terms (as the one-shot decryption reports).
fn decryption_error(error: smime_stream::Error, keys: &Keys) -> Error {
    match error {
        smime_stream::Error::Cms(smime_cms::Error::NoMatchingRecipient) => Error::NotARecipient {
            path: "/".to_owned(),
            keys: keys
                .pairs()
                .iter()
                .map(|p| format!("\"{}\"", p.certificate().subject()))
                .collect::<Vec<_>>()
                .join(", "),
            recipients: "not listed when streaming (open the message with smime open)".to_owned(),
        },
        smime_stream::Error::Cms(
            error @ (smime_cms::Error::ContentAuthenticationFailed
            | smime_cms::Error::ContentDecryptionFailed
            | smime_cms::Error::KeyUnwrapFailed { .. }
            | smime_cms::Error::KeyDecryptionFailed { .. }
            | smime_cms::Error::AmbiguousRecipients { .. }),
        ) => Error::DecryptionFailed {
            path: "/".to_owned(),
            reason: error.to_string(),
        },
        smime_stream::Error::NotSmime { content_type } => Error::InvalidInput(format!(
            "the message is not encrypted: its Content-Type is {content_type}, not application/pkcs7-mime with enveloped-data"
        )),
        smime_stream::Error::UnexpectedContentType { found, .. } => Error::InvalidInput(format!(
            "the message is not encrypted: its CMS content type is {}",
            content_type_name(found)
        )),
        other => Error::Stream(other),
    }
}

/// A streaming verification error in the facade's terms: an encrypted message is named as
/// such.
fn verification_error(error: smime_stream::Error) -> Error {
    match error {
        smime_stream::Error::NotSmime { content_type }
            if content_type.to_ascii_lowercase().contains("enveloped-data") =>
        {
            Error::InvalidInput(format!(
                "the message is encrypted (Content-Type {content_type}), not signed: decrypt it first"
            ))
        }
        smime_stream::Error::UnexpectedContentType { found, .. }
            if found == smime_mime::pkcs7_mime::ID_ENVELOPED_DATA
                || found == smime_mime::pkcs7_mime::ID_AUTH_ENVELOPED_DATA =>
        {
            Error::InvalidInput(format!(
                "the message is encrypted (CMS content type {}), not signed: decrypt it first",
                content_type_name(found)
            ))
        }
        other => Error::Stream(other),
    }
}

/// A CMS content type by name.
fn content_type_name(oid: smime_x509::ObjectIdentifier) -> String {
    if oid == smime_mime::pkcs7_mime::ID_ENVELOPED_DATA {
        "enveloped-data".to_owned()
    } else if oid == smime_mime::pkcs7_mime::ID_AUTH_ENVELOPED_DATA {
        "authEnveloped-data".to_owned()
    } else if oid == smime_cms::content_info::ID_SIGNED_DATA {
        "signed-data (a signed message: verify it instead)".to_owned()
    } else if oid == smime_cms::content_info::ID_DATA {
        "data".to_owned()
    } else {
        oid.to_string()
    }
}
