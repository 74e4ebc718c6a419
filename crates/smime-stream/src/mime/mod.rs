//! Streaming S/MIME at the MIME layer (RFC 8551): sign, verify, encrypt and decrypt whole
//! MIME messages of any size over `Read` / `Write`, in constant memory.
//!
//! The CMS work is this crate's streaming CMS ([`SignedDataStream`], [`EnvelopeStream`],
//! [`crate::verify`], [`crate::decrypt`]); this module adds what is around it:
//!
//! - header blocks read with a bound ([`header::MAX_HEADER_BLOCK`]);
//! - the entity put into canonical form on the fly ([`canonical`]: CR LF line ends, and
//!   base64 for 8-bit or binary bodies, decided without looking at the whole body);
//! - base64 encoded and decoded on the fly ([`transfer_encoding`]);
//! - `multipart/signed` written with a random boundary and read by scanning for the
//!   boundary with a lookahead of the delimiter's length, its signature part
//!   ([`multipart_signed::MAX_SIGNATURE_PART`]) being the only part held in memory.
//!
//! Messages written use CR LF line ends and the layout of [`smime_mime::MessageBuilder`];
//! `smime_mime::open` reads them, and [`verify`] / [`decrypt`] read what `MessageBuilder`
//! (and `openssl smime|cms -stream`) writes.
//!
//! Temporary files: none for signing. [`sign`] with [`Packaging::Detached`] writes the
//! `multipart/signed` header's `micalg` from the signers' digest algorithms, known before the
//! content, and hashes the entity as it writes it. [`verify`] of a `multipart/signed` hashes
//! the signed part as it streams by with the digests `micalg` names (see
//! [`multipart_signed`]); only without a usable `micalg` is the part spooled, since the
//! signature that says how to hash it comes after it. AES-GCM decryption spools as
//! [`crate::decrypt`] does.

use std::io::{BufRead, BufReader, Read, Write};

use smime_cms::Certificate;
use smime_crypto::CryptoProvider;
use smime_mime::HeaderSelection;
use smime_mime::pkcs7_mime::SmimeType;
pub use smime_mime::report::LineEnds;

use crate::error::Error;
use crate::{
    EnvelopeStream, SignedDataStream, StreamCredentials, StreamDecrypted, StreamVerification,
};

pub mod canonical;
pub mod header;
pub mod multipart_signed;
mod pkcs7_mime;
pub mod transfer_encoding;

use header::HeaderBlock;

/// Buffer size of the reader over a message.
const MESSAGE_BUFFER: usize = 64 << 10;

/// Buffer size of the writers (and the spool reader) this module puts around the caller's
/// `Write`s: large enough that the output goes out in few system calls.
const IO_BUFFER: usize = 64 << 10;

/// How a signed message is packaged (RFC 8551 §3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Packaging {
    /// multipart/signed (clear-signed)
    Detached,
    /// application/pkcs7-mime; smime-type=signed-data
    Opaque,
}

/// What [`verify`] found: the CMS verification and where the signature sat.
#[derive(Clone, Debug)]
pub struct MimeVerification {
    cms: StreamVerification,
    packaging: Packaging,
    line_ends: Option<LineEnds>,
    outer_header: Vec<u8>,
}

impl MimeVerification {
    /// The CMS-level verification (one report per signer).
    pub fn cms(&self) -> &StreamVerification {
        &self.cms
    }

    /// How the message was packaged.
    pub fn packaging(&self) -> Packaging {
        self.packaging
    }

    /// The message's top-level header block (bounded), for From checks.
    pub fn outer_header(&self) -> &[u8] {
        &self.outer_header
    }

    /// For a `multipart/signed`: which bytes of the first body part [`cms`](Self::cms) is
    /// about. The part is written to `content` with CR LF line ends when it is text,
    /// multipart or message (or has no Content-Type), and exactly as received otherwise; the
    /// signature is checked over the bytes in that form and, when no signer verifies and the
    /// part had bare LFs, over the other form (a message stored with LF line ends, or an
    /// AS2 message that signs binary data as is). When the form reported here is not the
    /// written one, `content` differs from the verified bytes in line ends. `None` for an
    /// opaque signature, whose content is the SignedData's own.
    pub fn line_ends(&self) -> Option<LineEnds> {
        self.line_ends
    }
}

/// What [`decrypt`] found.
#[derive(Clone, Debug)]
pub struct MimeDecrypted {
    cms: StreamDecrypted,
    outer_header: Vec<u8>,
}

impl MimeDecrypted {
    /// The CMS-level decryption result.
    pub fn cms(&self) -> &StreamDecrypted {
        &self.cms
    }

    /// The message's top-level header block (bounded).
    pub fn outer_header(&self) -> &[u8] {
        &self.outer_header
    }
}

/// Signs the MIME entity read from `entity` (a file without a header block is
/// `text/plain; charset=utf-8`) and writes the whole signed MIME message to `output`.
///
/// `headers` chooses which header fields of the input stay outside the signature (as
/// [`smime_mime::MessageBuilder`] does); they are written first, followed by
/// `MIME-Version: 1.0`. The entity is prepared on the fly (see [`canonical`]): CR LF line
/// ends, bodies in 7bit, quoted-printable or base64 passed through, 8-bit and binary bodies
/// (and a bare file) base64-encoded. `signed` gives the signers and certificates; its
/// attached/detached setting is overridden by `packaging`. Returns the content octets signed
/// (the prepared entity's length).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// # let status = std::process::Command::new("openssl")
/// #     .args(["req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=doc", "-newkey", "ec",
/// #            "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout"])
/// #     .arg(dir.path().join("key.pem")).arg("-out").arg(dir.path().join("cert.pem"))
/// #     .output()?;
/// # assert!(status.status.success());
/// use der::DecodePem;
/// use smime_mime::HeaderSelection;
/// use smime_stream::SignedDataStream;
/// use smime_stream::mime::{self, Packaging};
///
/// let provider = smime_crypto::default_provider();
/// let certificate =
///     smime_cms::Certificate::from_pem(std::fs::read(dir.path().join("cert.pem"))?)?;
/// let key = smime_crypto::load_private_key(
///     provider, &std::fs::read(dir.path().join("key.pem"))?, None)?;
/// let signed = SignedDataStream::new()
///     .add_signer(smime_cms::SignerBuilder::new(certificate.clone(), key));
///
/// let message = b"From: alice@example.org\nSubject: report\nContent-Type: text/plain\n\nHi\n";
/// let mut out = Vec::new();
/// mime::sign(&message[..], &mut out, &signed, Packaging::Detached,
///            &HeaderSelection::standard(), provider)?;
/// assert!(out.starts_with(b"From: alice@example.org\r\nSubject: report\r\nMIME-Version: 1.0\r\n"));
///
/// let mut content = Vec::new();
/// let verification = mime::verify(&out[..], &mut content, &[], provider)?;
/// verification.cms().require_all_valid()?; // only now is `content` verified
/// assert_eq!(content, b"Content-Type: text/plain\r\n\r\nHi\r\n");
/// assert_eq!(verification.packaging(), Packaging::Detached);
/// # Ok(()) }
/// ```
pub fn sign<R: Read, W: Write>(
    entity: R,
    output: W,
    signed: &SignedDataStream,
    packaging: Packaging,
    headers: &HeaderSelection,
    provider: &dyn CryptoProvider,
) -> Result<u64, Error> {
    let (outer, prepared) = canonical::prepare(entity, headers)?;
    match packaging {
        Packaging::Detached => multipart_signed::write(prepared, &outer, output, signed, provider),
        Packaging::Opaque => pkcs7_mime::write_signed(prepared, &outer, output, signed, provider),
    }
}

/// Encrypts the MIME entity read from `entity` into an `application/pkcs7-mime`
/// (`enveloped-data` or `authEnveloped-data`, as the envelope's content encryption makes it)
/// message written to `output`, base64-encoded on the fly. The entity is prepared as
/// [`sign`] prepares it; `headers` chooses the header fields written outside. Returns the
/// octets encrypted.
pub fn encrypt<R: Read, W: Write>(
    entity: R,
    output: W,
    envelope: &EnvelopeStream,
    headers: &HeaderSelection,
    provider: &dyn CryptoProvider,
) -> Result<u64, Error> {
    let (outer, prepared) = canonical::prepare(entity, headers)?;
    pkcs7_mime::write_encrypted(prepared, outer, output, envelope, provider)
}

/// The top of a message: its header block, the parsed Content-Type and the body reader.
struct Top<R: Read> {
    header: HeaderBlock,
    content_type: smime_mime::ContentType,
    body: std::io::Chain<std::io::Cursor<Vec<u8>>, BufReader<R>>,
}

fn read_top<R: Read>(message: R) -> Result<Top<R>, Error> {
    let mut reader = BufReader::with_capacity(MESSAGE_BUFFER, message);
    if reader.fill_buf()?.is_empty() {
        return Err(Error::Truncated {
            offset: 0,
            what: "MIME message (the input is empty)",
        });
    }
    let mut header = HeaderBlock::read(&mut reader)?;
    let content_type = header.content_type().ok_or_else(|| Error::NotSmime {
        content_type: String::from_utf8_lossy(header.field("content-type").unwrap_or(b"(none)"))
            .trim()
            .to_owned(),
    })?;
    let leftover = std::mem::take(&mut header.leftover);
    Ok(Top {
        header,
        content_type,
        body: std::io::Cursor::new(leftover).chain(reader),
    })
}

fn is_pkcs7_mime(content_type: &smime_mime::ContentType) -> bool {
    content_type.media_type() == "application"
        && matches!(content_type.subtype(), "pkcs7-mime" | "x-pkcs7-mime")
}

fn smime_type(content_type: &smime_mime::ContentType) -> Option<SmimeType> {
    content_type
        .parameter("smime-type")
        .and_then(|value| SmimeType::from_parameter(value.trim()))
}

fn not_smime(content_type: &smime_mime::ContentType) -> Error {
    let mut described = content_type.essence();
    if let Some(smime_type) = content_type.parameter("smime-type") {
        described.push_str("; smime-type=");
        described.push_str(smime_type);
    }
    Error::NotSmime {
        content_type: described,
    }
}

/// Verifies a signed MIME message read from `message`: a `multipart/signed` (protocol
/// `application/pkcs7-signature`, `application/x-pkcs7-signature` or absent), or an
/// `application/pkcs7-mime` / `application/x-pkcs7-mime` with `smime-type=signed-data` or
/// without smime-type. The signed entity (its header and body) is written to `content` as it
/// is read: for a `multipart/signed`, the first body part with CR LF line ends (binary parts
/// as received, see [`MimeVerification::line_ends`]); for an opaque signature, the
/// encapsulated content.
///
/// **Everything written to `content` is unverified until this function returns `Ok` and
/// [`StreamVerification::require_all_valid`] on [`MimeVerification::cms`] succeeds**: the
/// signature follows the content (in both packagings), so the verdict needs the last byte.
/// Write to a temporary place and release it only after the verdict.
///
/// `certificates` are used, besides the message's own, to find the signers' certificates.
/// Trust is not evaluated (see `smime-path`; the message's CRLs are in
/// [`StreamVerification::crls`]); the address check is the caller's, with
/// [`MimeVerification::outer_header`].
///
/// A `multipart/signed` is hashed as it streams by with the digests its `micalg` parameter
/// names (no temporary file); a signer whose digest `micalg` does not name is
/// [`Error::MicalgMismatch`]. Without a usable `micalg` the part is spooled to an anonymous
/// temporary file.
///
/// See [`sign`] for a signed round trip. A message that is not signed is told apart from a
/// signed one that fails:
///
/// ```
/// use smime_stream::{Error, mime};
/// let plain = b"From: a@example.org\r\nContent-Type: text/plain\r\n\r\nhello\r\n";
/// let error = mime::verify(&plain[..], std::io::sink(), &[], smime_crypto::default_provider())
///     .unwrap_err();
/// assert!(matches!(error, Error::NotSmime { content_type } if content_type == "text/plain"));
/// ```
pub fn verify<R: Read, W: Write>(
    message: R,
    content: W,
    certificates: &[Certificate],
    provider: &dyn CryptoProvider,
) -> Result<MimeVerification, Error> {
    let top = read_top(message)?;
    let (cms, packaging, line_ends) = if top.content_type.is("multipart", "signed") {
        let protocol_fits = top.content_type.parameter("protocol").is_none_or(|p| {
            let p = p.trim();
            p.eq_ignore_ascii_case(smime_mime::multipart_signed::PROTOCOL)
                || p.eq_ignore_ascii_case("application/x-pkcs7-signature")
        });
        if !protocol_fits {
            return Err(not_smime(&top.content_type));
        }
        let (cms, line_ends) =
            multipart_signed::verify(top.body, &top.content_type, content, certificates, provider)?;
        (cms, Packaging::Detached, Some(line_ends))
    } else if is_pkcs7_mime(&top.content_type)
        && matches!(
            smime_type(&top.content_type),
            None | Some(SmimeType::SignedData)
        )
    {
        let transfer_encoding = top.header.transfer_encoding();
        (
            pkcs7_mime::verify(
                top.body,
                transfer_encoding.as_deref(),
                content,
                certificates,
                provider,
            )?,
            Packaging::Opaque,
            None,
        )
    } else {
        return Err(not_smime(&top.content_type));
    };
    Ok(MimeVerification {
        cms,
        packaging,
        line_ends,
        outer_header: top.header.raw,
    })
}

/// Decrypts an `application/pkcs7-mime` (or `application/x-pkcs7-mime`) message with
/// `smime-type` `enveloped-data`, `authEnveloped-data` or none, read from `message`,
/// writing the decrypted MIME entity to `output`, base64-decoded on the fly.
///
/// AES-GCM: no plaintext is written before the tag verified (the ciphertext is spooled to a
/// temporary file, as [`crate::decrypt`] does). AES-CBC content is unauthenticated by
/// nature ([`StreamDecrypted::is_authenticated`]).
///
/// ```
/// use smime_mime::HeaderSelection;
/// use smime_stream::{EnvelopeStream, StreamCredentials, mime};
///
/// let provider = smime_crypto::default_provider();
/// let envelope = EnvelopeStream::new()
///     .add_recipient(smime_cms::RecipientBuilder::kek(b"archive".to_vec(), &[7; 32]));
/// let mut message = Vec::new();
/// mime::encrypt(&b"Content-Type: text/plain\r\n\r\nsecret\r\n"[..], &mut message,
///               &envelope, &HeaderSelection::standard(), provider)?;
/// assert!(message.starts_with(b"MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=\"authEnveloped-data\""));
///
/// let mut entity = Vec::new();
/// let decrypted = mime::decrypt(&message[..], &mut entity,
///     &StreamCredentials::new().kek(b"archive", &[7; 32]), provider)?;
/// assert!(decrypted.cms().is_authenticated());
/// assert_eq!(entity, b"Content-Type: text/plain\r\n\r\nsecret\r\n");
/// # Ok::<(), smime_stream::Error>(())
/// ```
pub fn decrypt<R: Read, W: Write>(
    message: R,
    output: W,
    credentials: &StreamCredentials<'_>,
    provider: &dyn CryptoProvider,
) -> Result<MimeDecrypted, Error> {
    decrypt_releasing(message, output, credentials, provider, Release::AfterTag)
}

/// Decrypts like [`decrypt`], but in **one** pass and without a temporary file: AES-GCM
/// plaintext is written to `output` as it is decrypted, and the tag is checked only after the
/// last byte (see [`crate::decrypt_unverified`]).
///
/// **What was written is unverified until this returns `Ok`.** On an error, discard
/// everything written to `output`: write to a temporary file and rename it only on success,
/// as the `smime` CLI does. The spooled [`decrypt`] reads and writes the message twice more;
/// this costs one pass.
///
/// ```
/// use smime_mime::HeaderSelection;
/// use smime_stream::{EnvelopeStream, StreamCredentials, mime};
///
/// let provider = smime_crypto::default_provider();
/// let envelope = EnvelopeStream::new()
///     .add_recipient(smime_cms::RecipientBuilder::kek(b"archive".to_vec(), &[7; 32]));
/// let mut message = Vec::new();
/// mime::encrypt(&b"Content-Type: text/plain\r\n\r\nsecret\r\n"[..], &mut message,
///               &envelope, &HeaderSelection::standard(), provider)?;
///
/// let mut entity = Vec::new();
/// let credentials = StreamCredentials::new().kek(b"archive", &[7; 32]);
/// let decrypted = mime::decrypt_unverified(&message[..], &mut entity, &credentials, provider)?;
/// // Only now, after `Ok`, may `entity` be used.
/// assert!(decrypted.cms().is_authenticated());
/// assert_eq!(entity, b"Content-Type: text/plain\r\n\r\nsecret\r\n");
///
/// let mut tampered = message.clone();
/// let near_end = tampered.len() - 30; // in the last base64 line: the ciphertext or its tag
/// tampered[near_end] = if tampered[near_end] == b'A' { b'B' } else { b'A' };
/// assert!(mime::decrypt_unverified(&tampered[..], &mut Vec::new(), &credentials, provider).is_err());
/// # Ok::<(), smime_stream::Error>(())
/// ```
pub fn decrypt_unverified<R: Read, W: Write>(
    message: R,
    output: W,
    credentials: &StreamCredentials<'_>,
    provider: &dyn CryptoProvider,
) -> Result<MimeDecrypted, Error> {
    decrypt_releasing(message, output, credentials, provider, Release::Unverified)
}

/// When AES-GCM plaintext may leave [`decrypt`] / [`decrypt_unverified`].
#[derive(Clone, Copy)]
enum Release {
    AfterTag,
    Unverified,
}

fn decrypt_releasing<R: Read, W: Write>(
    message: R,
    output: W,
    credentials: &StreamCredentials<'_>,
    provider: &dyn CryptoProvider,
    release: Release,
) -> Result<MimeDecrypted, Error> {
    let top = read_top(message)?;
    if !is_pkcs7_mime(&top.content_type)
        || !matches!(
            smime_type(&top.content_type),
            None | Some(SmimeType::EnvelopedData | SmimeType::AuthEnvelopedData)
        )
    {
        return Err(not_smime(&top.content_type));
    }
    let transfer_encoding = top.header.transfer_encoding();
    let decrypt = match release {
        Release::AfterTag => pkcs7_mime::decrypt,
        Release::Unverified => pkcs7_mime::decrypt_unverified,
    };
    let cms = decrypt(
        top.body,
        transfer_encoding.as_deref(),
        output,
        credentials,
        provider,
    )?;
    Ok(MimeDecrypted {
        cms,
        outer_header: top.header.raw,
    })
}
