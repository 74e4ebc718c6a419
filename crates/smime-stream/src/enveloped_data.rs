//! Streaming AuthEnvelopedData (RFC 5083, AES-GCM per RFC 5084) and EnvelopedData (RFC 5652
//! §6, AES-CBC): encrypt while copying, decrypt while reading.
//!
//! **How AES-GCM decryption keeps plaintext back until the tag verifies.** In an
//! AuthEnvelopedData the authenticated attributes and the tag come *after* the ciphertext, so
//! nothing can be checked until the last byte. [`decrypt`] therefore spools the ciphertext to
//! an anonymous temporary file (deleted on close; its size is the message's) while running
//! GHASH over it, checks the tag once the authAttrs and mac have been read, and only then
//! decrypts the spool (counter mode only) to the caller's `Write`. Memory stays bounded; no
//! byte of unauthenticated plaintext is ever released. Callers that hold the output back
//! themselves (a temporary file renamed into place only on success) may opt into
//! [`decrypt_unverified`], which decrypts and authenticates in one pass without a spool, its
//! output **unverified until it returns `Ok`**. CBC content (EnvelopedData) has no integrity
//! at all (EFAIL): it is decrypted straight through, and the result says it is
//! unauthenticated.

use std::io::{BufReader, BufWriter, Read, Seek, Write};

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::{ID_CT_AUTH_ENVELOPED_DATA, ID_DATA, ID_ENVELOPED_DATA};
use smime_cms::stream_support::{self, StreamContentCipher, StreamCredentials};
use smime_cms::{ContentEncryption, KeyManagement, RecipientBuilder};
use smime_crypto::CryptoProvider;

use crate::ber::{
    self, BerReader, BerWriter, CONTEXT_0, CONTEXT_1, ChunkedOctetString, Frame, INTEGER,
    OBJECT_IDENTIFIER, SEQUENCE, SET,
};
use crate::budget::{DEFAULT_CHUNK_SIZE, MAX_BUFFERED_TOTAL, READ_BUFFER};
use crate::content_encryption::{CbcDecryptor, CbcEncryptor, Gcm, GcmMode};
use crate::error::Error;
use zeroize::Zeroize;

/// Buffer size of the ciphertext spool and of the plaintext output while decrypting: large
/// writes and reads keep the temporary file's system calls well under the cipher's cost.
const SPOOL_BUFFER: usize = 256 << 10;

fn oid_der(oid: ObjectIdentifier) -> Vec<u8> {
    ber::definite(OBJECT_IDENTIFIER, &[oid.as_bytes()])
}

fn fill(input: &mut impl Read, buffer: &mut [u8]) -> Result<usize, Error> {
    let mut filled = 0usize;
    while let Some(rest) = buffer.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        match input.read(rest) {
            Ok(0) => break,
            Ok(n) => filled = filled.saturating_add(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

/// Encrypts content of any size read from a `Read` to one or more recipients, writing a BER
/// (indefinite-length) `ContentInfo` with the ciphertext in chunks, as
/// `openssl cms -encrypt -stream` does.
///
/// AES-256-GCM (AuthEnvelopedData) by default; AES-CBC (EnvelopedData) when asked.
///
/// ```
/// use smime_stream::EnvelopeStream;
/// let recipient = smime_cms::RecipientBuilder::kek(b"key-1".to_vec(), &[7; 32]);
/// let mut message = Vec::new();
/// EnvelopeStream::new()
///     .add_recipient(recipient)
///     .encrypt(&b"hello"[..], &mut message, smime_crypto::default_provider())?;
/// assert_eq!(&message[..2], &[0x30, 0x80]);
/// # Ok::<(), smime_stream::Error>(())
/// ```
#[derive(Clone)]
pub struct EnvelopeStream {
    recipients: Vec<RecipientBuilder>,
    encryption: ContentEncryption,
    chunk_size: usize,
}

impl core::fmt::Debug for EnvelopeStream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EnvelopeStream")
            .field("recipients", &self.recipients.len())
            .field("encryption", &self.encryption)
            .finish_non_exhaustive()
    }
}

impl Default for EnvelopeStream {
    fn default() -> Self {
        Self::new()
    }
}

impl EnvelopeStream {
    /// AES-256-GCM, 64 KiB chunks, no recipient yet.
    pub fn new() -> Self {
        Self {
            recipients: Vec::new(),
            encryption: ContentEncryption::default(),
            chunk_size: DEFAULT_CHUNK_SIZE,
        }
    }

    /// Adds a recipient.
    pub fn add_recipient(mut self, recipient: RecipientBuilder) -> Self {
        self.recipients.push(recipient);
        self
    }

    /// The content cipher (AES-GCM or AES-CBC).
    pub fn content_encryption(mut self, encryption: ContentEncryption) -> Self {
        self.encryption = encryption;
        self
    }

    /// The ciphertext chunk size (clamped to 16 ..= [`MAX_CHUNK_SIZE`](crate::budget::MAX_CHUNK_SIZE)).
    pub fn chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// Reads all of `input`, encrypts it and writes the message to `output`. Returns the
    /// number of content octets.
    pub fn encrypt<R: Read, W: Write>(
        &self,
        mut input: R,
        output: W,
        provider: &dyn CryptoProvider,
    ) -> Result<u64, Error> {
        let start = stream_support::envelope_start(&self.recipients, self.encryption, provider)?;
        let chunk_size = self.chunk_size.clamp(16, crate::budget::MAX_CHUNK_SIZE);
        let authenticated = matches!(start.cipher, StreamContentCipher::Gcm { .. });
        let mut writer = BerWriter::new(BufWriter::with_capacity(SPOOL_BUFFER, output));
        writer.open(SEQUENCE)?;
        writer.raw(&oid_der(if authenticated {
            ID_CT_AUTH_ENVELOPED_DATA
        } else {
            ID_ENVELOPED_DATA
        }))?;
        writer.open(CONTEXT_0)?;
        writer.open(SEQUENCE)?;
        writer.raw(&[INTEGER, 1, start.version])?;
        writer.raw(&start.recipient_infos)?;
        writer.open(SEQUENCE)?;
        writer.raw(&oid_der(ID_DATA))?;
        writer.raw(&start.algorithm)?;
        let mut content = ChunkedOctetString::open_tagged(&mut writer, CONTEXT_0, chunk_size)?;
        let mut buffer = vec![0u8; chunk_size];
        let mut out = Vec::with_capacity(chunk_size.saturating_add(16));
        let mut total = 0u64;
        let mut tag = None;
        match &start.cipher {
            StreamContentCipher::Gcm { nonce, tag_len, .. } => {
                let mut gcm =
                    Gcm::with_provider(provider, &start.content_key, nonce, &[], GcmMode::Seal)?;
                loop {
                    let n = fill(&mut input, &mut buffer)?;
                    let Some(piece) = buffer.get_mut(..n).filter(|p| !p.is_empty()) else {
                        break;
                    };
                    gcm.update_in_place(piece)?;
                    content.write(&mut writer, piece)?;
                    total = total.saturating_add(n as u64);
                }
                let full = gcm.finish(&mut out);
                tag = Some(full.get(..*tag_len).unwrap_or(&full).to_vec());
            }
            StreamContentCipher::Cbc { iv, .. } => {
                let mut cbc = CbcEncryptor::with_provider(provider, &start.content_key, iv)?;
                loop {
                    let n = fill(&mut input, &mut buffer)?;
                    let Some(piece) = buffer.get(..n).filter(|p| !p.is_empty()) else {
                        break;
                    };
                    out.clear();
                    cbc.update(piece, &mut out)?;
                    content.write(&mut writer, &out)?;
                    total = total.saturating_add(n as u64);
                }
                out.clear();
                cbc.finish(&mut out)?;
                content.write(&mut writer, &out)?;
            }
            _ => {
                return Err(Error::Cms(smime_cms::Error::UnsupportedContentEncryption {
                    algorithm: "this content cipher is not streamed".into(),
                }));
            }
        }
        content.close(&mut writer)?;
        writer.close()?; // EncryptedContentInfo
        if let Some(tag) = tag {
            writer.raw(&ber::definite(ber::OCTET_STRING, &[&tag]))?;
        }
        writer.close()?; // (Auth)EnvelopedData
        writer.close()?; // [0]
        writer.close()?; // ContentInfo
        writer
            .finish()?
            .into_inner()
            .map_err(|e| Error::Io(e.into_error()))?;
        Ok(total)
    }
}

/// What a streaming decryption found. Only [`decrypt`] makes one.
#[derive(Clone, Debug)]
pub struct StreamDecrypted {
    content_len: u64,
    content_encryption: ContentEncryption,
    authenticated: bool,
    key_management: KeyManagement,
    recipient_index: usize,
}

impl StreamDecrypted {
    /// Octets of plaintext written.
    pub fn content_len(&self) -> u64 {
        self.content_len
    }

    /// The content cipher.
    pub fn content_encryption(&self) -> ContentEncryption {
        self.content_encryption
    }

    /// Whether the content was authenticated (AES-GCM). CBC content is not (EFAIL).
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// How the content-encryption key was protected for the recipient that opened it.
    pub fn key_management(&self) -> &KeyManagement {
        &self.key_management
    }

    /// Index of the RecipientInfo that opened the message.
    pub fn recipient_index(&self) -> usize {
        self.recipient_index
    }
}

/// Decrypts an EnvelopedData or AuthEnvelopedData read from `input` (BER with any chunking,
/// or DER) to `output`, in bounded memory.
///
/// AES-GCM: the ciphertext is spooled to a temporary file in `std::env::temp_dir()`, the tag
/// checked, and only then is plaintext written to `output` (see the module documentation).
/// AES-CBC (and DES-EDE3-CBC, read for old mail such as RFC 4134's examples): plaintext is
/// written as it is decrypted; it is unauthenticated by nature, and a bad padding at the end
/// is reported as an error after the rest was written. Other content ciphers (RC2) are
/// `smime_cms::Error::UnsupportedContentEncryption`, naming the algorithm.
///
/// With RSA PKCS #1 v1.5 key transport the key cannot be told right from wrong before the
/// content is decrypted (implicit rejection); a streaming decryption can try only one such key,
/// so when the credentials reach several, this fails with `AmbiguousRecipients` — use
/// `smime_cms::decrypt`, or a credential naming one RecipientInfo.
pub fn decrypt<R: Read, W: Write>(
    input: R,
    output: W,
    credentials: &StreamCredentials<'_>,
    provider: &dyn CryptoProvider,
) -> Result<StreamDecrypted, Error> {
    decrypt_releasing(input, output, credentials, provider, Release::AfterTag)
}

/// Decrypts like [`decrypt`], but in **one** pass and without a temporary file: AES-GCM
/// plaintext is written to `output` as it is decrypted, and the tag is checked only after the
/// last byte.
///
/// **Everything written to `output` is UNVERIFIED until this function returns `Ok`.** It may
/// be forged or truncated content (EFAIL-style attacks feed exactly that to a renderer). On a
/// bad tag this returns `smime_cms::Error::ContentAuthenticationFailed` *after* having written
/// the plaintext, and the caller must discard all of it. Use this only when the caller holds
/// the output back itself — for example by writing to a temporary file that is renamed into
/// place only on success, as the `smime` CLI does — and wants to save the spool's extra pass
/// over the data. CBC content is handled exactly as by [`decrypt`].
///
/// ```
/// use smime_stream::{EnvelopeStream, StreamCredentials};
/// let provider = smime_crypto::default_provider();
/// let recipient = smime_cms::RecipientBuilder::kek(b"key-1".to_vec(), &[7; 32]);
/// let mut message = Vec::new();
/// EnvelopeStream::new()
///     .add_recipient(recipient)
///     .encrypt(&b"hello"[..], &mut message, provider)?;
///
/// let mut unverified = Vec::new();
/// let credentials = StreamCredentials::new().kek(b"key-1", &[7; 32]);
/// let result = smime_stream::enveloped_data::decrypt_unverified(
///     &message[..],
///     &mut unverified,
///     &credentials,
///     provider,
/// );
/// // Only now, with `Ok`, may the plaintext be used.
/// assert!(result?.is_authenticated());
/// assert_eq!(unverified, b"hello");
/// # Ok::<(), smime_stream::Error>(())
/// ```
pub fn decrypt_unverified<R: Read, W: Write>(
    input: R,
    output: W,
    credentials: &StreamCredentials<'_>,
    provider: &dyn CryptoProvider,
) -> Result<StreamDecrypted, Error> {
    decrypt_releasing(input, output, credentials, provider, Release::Unverified)
}

/// When AES-GCM plaintext may leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Release {
    /// Spool the ciphertext, check the tag, then decrypt ([`decrypt`]).
    AfterTag,
    /// Decrypt as the ciphertext arrives; the caller discards the output on error
    /// ([`decrypt_unverified`]).
    Unverified,
}

/// Reads what follows an AuthEnvelopedData's EncryptedContentInfo: the optional authAttrs
/// (returned as the additional data, their DER as a SET OF, RFC 5083 §2.2), the mac (checked to
/// be `tag_len` octets) and optional unauthAttrs, then the ends of `frames` (the
/// AuthEnvelopedData, the explicit [0] and the ContentInfo) and of the input.
fn read_auth_attrs_and_mac<R: Read>(
    reader: &mut BerReader<R>,
    frames: [Frame; 3],
    budget: &mut u64,
    tag_len: usize,
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let [envelope_frame, explicit_frame, info_frame] = frames;
    let mut next = reader.next_in(envelope_frame)?.ok_or(Error::Truncated {
        offset: reader.offset(),
        what: "mac",
    })?;
    let mut aad = Vec::new();
    if next.tag == CONTEXT_1 {
        aad = reader.element(&next, envelope_frame, budget)?;
        if let Some(first) = aad.first_mut() {
            *first = SET;
        }
        next = reader.next_in(envelope_frame)?.ok_or(Error::Truncated {
            offset: reader.offset(),
            what: "mac",
        })?;
    }
    if next.tag != ber::OCTET_STRING {
        return Err(Error::Malformed {
            offset: next.offset,
            reason: "AuthEnvelopedData: expected the mac OCTET STRING".into(),
        });
    }
    let mac = reader.primitive(&next, 16, "mac")?;
    if mac.len() != tag_len {
        return Err(Error::Cms(smime_cms::Error::InvalidContentEncryption {
            reason: format!(
                "the mac (AES-GCM tag) has {} bytes, the parameters say {tag_len}",
                mac.len()
            ),
        }));
    }
    while let Some(header) = reader.next_in(envelope_frame)? {
        if header.tag != 0xA2 {
            return Err(Error::Malformed {
                offset: header.offset,
                reason: "AuthEnvelopedData: unexpected element after the mac".into(),
            });
        }
        reader.element(&header, envelope_frame, budget)?;
    }
    reader.expect_end(explicit_frame, "ContentInfo.content")?;
    reader.expect_end(info_frame, "ContentInfo")?;
    reader.expect_eof()?;
    Ok((aad, mac))
}

fn decrypt_releasing<R: Read, W: Write>(
    input: R,
    output: W,
    credentials: &StreamCredentials<'_>,
    provider: &dyn CryptoProvider,
    release: Release,
) -> Result<StreamDecrypted, Error> {
    let mut reader = BerReader::new(BufReader::with_capacity(SPOOL_BUFFER, input));
    let mut budget = MAX_BUFFERED_TOTAL;
    let top = Frame::top();
    let info = reader.expect(top, SEQUENCE, "ContentInfo")?;
    let info_frame = reader.enter(top, &info)?;
    let oid = reader.expect(info_frame, OBJECT_IDENTIFIER, "ContentInfo.contentType")?;
    let oid_bytes = reader.primitive(&oid, 64, "contentType")?;
    let found = ObjectIdentifier::from_bytes(&oid_bytes).map_err(|e| Error::Malformed {
        offset: oid.offset,
        reason: format!("contentType: {e}").into(),
    })?;
    let authenticated = if found == ID_CT_AUTH_ENVELOPED_DATA {
        true
    } else if found == ID_ENVELOPED_DATA {
        false
    } else {
        return Err(Error::UnexpectedContentType {
            found,
            expected: ID_CT_AUTH_ENVELOPED_DATA,
        });
    };
    let explicit = reader.expect(info_frame, CONTEXT_0, "ContentInfo.content")?;
    let explicit_frame = reader.enter(info_frame, &explicit)?;
    let envelope = reader.expect(explicit_frame, SEQUENCE, "EnvelopedData")?;
    let envelope_frame = reader.enter(explicit_frame, &envelope)?;
    let version = reader.expect(envelope_frame, INTEGER, "EnvelopedData.version")?;
    reader.element(&version, envelope_frame, &mut budget)?;
    let mut next = reader.next_in(envelope_frame)?.ok_or(Error::Truncated {
        offset: reader.offset(),
        what: "recipientInfos",
    })?;
    if next.tag == CONTEXT_0 {
        // originatorInfo: certificates and CRLs, not needed to decrypt.
        reader.element(&next, envelope_frame, &mut budget)?;
        next = reader.expect(envelope_frame, SET, "recipientInfos")?;
    }
    if next.tag != SET {
        return Err(Error::Malformed {
            offset: next.offset,
            reason: "EnvelopedData: expected the recipientInfos SET".into(),
        });
    }
    let recipient_infos = reader.element(&next, envelope_frame, &mut budget)?;
    let eci = reader.expect(envelope_frame, SEQUENCE, "EncryptedContentInfo")?;
    let eci_frame = reader.enter(envelope_frame, &eci)?;
    let content_type = reader.expect(
        eci_frame,
        OBJECT_IDENTIFIER,
        "EncryptedContentInfo.contentType",
    )?;
    reader.element(&content_type, eci_frame, &mut budget)?;
    let algorithm = reader.expect(eci_frame, SEQUENCE, "contentEncryptionAlgorithm")?;
    let algorithm = reader.element(&algorithm, eci_frame, &mut budget)?;

    let (cipher, content_encryption, keys) = stream_support::content_keys(
        &recipient_infos,
        &algorithm,
        authenticated,
        credentials,
        provider,
    )?;
    let key = match keys.iter().find(|k| k.verified) {
        Some(key) => key,
        None => match keys.as_slice() {
            [only] => only,
            [] => return Err(Error::Cms(smime_cms::Error::NoMatchingRecipient)),
            several => {
                return Err(Error::Cms(smime_cms::Error::AmbiguousRecipients {
                    count: several.len(),
                }));
            }
        },
    };

    let encrypted = reader
        .next_in(eci_frame)?
        .ok_or(Error::Cms(smime_cms::Error::NoEncryptedContent))?;
    if encrypted.tag != 0x80 && encrypted.tag != CONTEXT_0 {
        return Err(Error::Malformed {
            offset: encrypted.offset,
            reason: "EncryptedContentInfo: expected [0] encryptedContent".into(),
        });
    }
    let mut output = BufWriter::with_capacity(SPOOL_BUFFER, output);
    let mut out = Vec::with_capacity(READ_BUFFER.saturating_add(16));
    let content_len;
    match &cipher {
        StreamContentCipher::Cbc { cipher, iv } => {
            let mut cbc = CbcDecryptor::with_provider(provider, *cipher, &key.key, iv)?;
            let mut written = 0u64;
            reader.implicit_octet_string(&encrypted, eci_frame, &mut |piece| {
                out.clear();
                cbc.update(piece, &mut out)?;
                output.write_all(&out)?;
                written = written.saturating_add(out.len() as u64);
                Ok(())
            })?;
            out.clear();
            cbc.finish(&mut out)?;
            output.write_all(&out)?;
            written = written.saturating_add(out.len() as u64);
            reader.expect_end(eci_frame, "EncryptedContentInfo")?;
            // unprotectedAttrs [1], if any.
            while let Some(header) = reader.next_in(envelope_frame)? {
                if header.tag != CONTEXT_1 {
                    return Err(Error::Malformed {
                        offset: header.offset,
                        reason: "EnvelopedData: unexpected element after the content".into(),
                    });
                }
                reader.element(&header, envelope_frame, &mut budget)?;
            }
            reader.expect_end(explicit_frame, "ContentInfo.content")?;
            reader.expect_end(info_frame, "ContentInfo")?;
            reader.expect_eof()?;
            content_len = written;
        }
        StreamContentCipher::Gcm { nonce, tag_len, .. } => {
            // GHASH runs over the ciphertext as it arrives; authAttrs (the additional data)
            // follow the ciphertext and are folded into the tag at the end.
            let (mode, mut spool) = match release {
                Release::AfterTag => (
                    GcmMode::Authenticate,
                    Some(BufWriter::with_capacity(
                        SPOOL_BUFFER,
                        tempfile::tempfile()?,
                    )),
                ),
                Release::Unverified => (GcmMode::Open, None),
            };
            let mut gcm = Gcm::with_provider(provider, &key.key, nonce, &[], mode)?;
            let ciphertext_len =
                reader.implicit_octet_string(&encrypted, eci_frame, &mut |piece| {
                    match spool.as_mut() {
                        Some(spool) => {
                            gcm.update(piece, &mut out)?;
                            spool.write_all(piece)?;
                        }
                        None => {
                            out.clear();
                            gcm.update(piece, &mut out)?;
                            output.write_all(&out)?;
                        }
                    }
                    Ok(())
                })?;
            reader.expect_end(eci_frame, "EncryptedContentInfo")?;
            let (aad, mac) = read_auth_attrs_and_mac(
                &mut reader,
                [envelope_frame, explicit_frame, info_frame],
                &mut budget,
                *tag_len,
            )?;
            Gcm::check_tag(&gcm.finish_with_aad(&aad)?, &mac)?;

            if let Some(spool) = spool {
                // The tag verified: decrypt the spooled ciphertext (counter mode only) and
                // release it.
                let mut spool = spool.into_inner().map_err(|e| Error::Io(e.into_error()))?;
                spool.rewind()?;
                let mut gcm = Gcm::with_provider(provider, &key.key, nonce, &[], GcmMode::Decrypt)?;
                let mut buffer = vec![0u8; SPOOL_BUFFER];
                loop {
                    let n = fill(&mut spool, &mut buffer)?;
                    let Some(piece) = buffer.get_mut(..n).filter(|p| !p.is_empty()) else {
                        break;
                    };
                    gcm.update_in_place(piece)?;
                    output.write_all(piece)?;
                }
                buffer.zeroize();
            }
            out.zeroize();
            content_len = ciphertext_len;
        }
        _ => {
            return Err(Error::Cms(smime_cms::Error::UnsupportedContentEncryption {
                algorithm: format!("{content_encryption} is not streamed"),
            }));
        }
    }
    output.flush()?;
    Ok(StreamDecrypted {
        content_len,
        content_encryption,
        authenticated,
        key_management: key.key_management.clone(),
        recipient_index: key.recipient,
    })
}
