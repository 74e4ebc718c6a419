//! `application/pkcs7-mime` (RFC 8551 §3.2, §3.3, §3.5.2) written and read as a stream: the
//! CMS ContentInfo is base64-encoded while it is written, and decoded while it is read.

use std::io::{self, BufWriter, Read, Write};

use const_oid::db::rfc5911::{ID_CT_AUTH_ENVELOPED_DATA, ID_ENVELOPED_DATA};
use smime_cms::Certificate;
use smime_crypto::CryptoProvider;
use smime_mime::pkcs7_mime::SmimeType;

use super::canonical::PreparedEntity;
use super::transfer_encoding::{self, Base64Reader, Base64Writer};
use crate::error::Error;
use crate::{
    EnvelopeStream, SignedDataStream, StreamCredentials, StreamDecrypted, StreamVerification,
};

/// The entity header of an `application/pkcs7-mime` part of this type, as
/// `smime_mime::pkcs7_mime::entity` writes it.
fn entity_header(smime_type: SmimeType) -> Vec<u8> {
    let name = smime_type.file_name();
    format!(
        "Content-Type: application/pkcs7-mime; smime-type=\"{}\";\r\n name=\"{name}\"\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n",
        smime_type.as_str()
    )
    .into_bytes()
}

/// Writes `outer`, then the prepared entity signed opaquely (RFC 8551 §3.5.2). Returns the
/// octets signed.
pub(crate) fn write_signed<R: Read, W: Write>(
    entity: PreparedEntity<R>,
    outer: &[u8],
    output: W,
    signed: &SignedDataStream,
    provider: &dyn CryptoProvider,
) -> Result<u64, Error> {
    let mut out = BufWriter::with_capacity(super::IO_BUFFER, output);
    out.write_all(outer)?;
    out.write_all(b"MIME-Version: 1.0\r\n")?;
    out.write_all(&entity_header(SmimeType::SignedData))?;
    let mut encoder = Base64Writer::new(out);
    let total = signed
        .clone()
        .detached(false)
        .sign(entity, &mut encoder, provider)?;
    encoder.finish()?.flush()?;
    Ok(total)
}

/// A `Write` that holds back the first octets of a ContentInfo until its content type tells
/// the `smime-type`, then writes the entity header and base64-encodes everything.
struct SmimeTypeWriter<W: Write> {
    outer: Option<Vec<u8>>,
    head: Vec<u8>,
    encoder: Option<Base64Writer<W>>,
    inner: Option<W>,
}

/// Octets of a ContentInfo that hold its content type OID (`30 80 06 0b` + 11 octets for
/// id-ct-authEnvelopedData, the longer of the two).
const CONTENT_TYPE_PREFIX: usize = 15;

impl<W: Write> SmimeTypeWriter<W> {
    fn new(outer: Vec<u8>, inner: W) -> Self {
        Self {
            outer: Some(outer),
            head: Vec::with_capacity(CONTENT_TYPE_PREFIX),
            encoder: None,
            inner: Some(inner),
        }
    }

    fn start(&mut self) -> io::Result<()> {
        let contains = |oid: &[u8]| self.head.windows(oid.len()).any(|w| w == oid);
        let smime_type = if contains(ID_CT_AUTH_ENVELOPED_DATA.as_bytes()) {
            SmimeType::AuthEnvelopedData
        } else if contains(ID_ENVELOPED_DATA.as_bytes()) {
            SmimeType::EnvelopedData
        } else {
            return Err(io::Error::other(
                "the encrypted ContentInfo is neither EnvelopedData nor AuthEnvelopedData",
            ));
        };
        let Some(mut inner) = self.inner.take() else {
            return Ok(());
        };
        inner.write_all(&self.outer.take().unwrap_or_default())?;
        inner.write_all(b"MIME-Version: 1.0\r\n")?;
        inner.write_all(&entity_header(smime_type))?;
        let mut encoder = Base64Writer::new(inner);
        encoder.write_all(&self.head)?;
        self.head.clear();
        self.encoder = Some(encoder);
        Ok(())
    }

    fn finish(mut self) -> io::Result<W> {
        if self.encoder.is_none() {
            self.start()?;
        }
        match self.encoder.take() {
            Some(encoder) => encoder.finish(),
            None => Err(io::Error::other("nothing was encrypted")),
        }
    }
}

impl<W: Write> Write for SmimeTypeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(encoder) = &mut self.encoder {
            return encoder.write(buf);
        }
        let take = CONTENT_TYPE_PREFIX
            .saturating_sub(self.head.len())
            .min(buf.len());
        self.head
            .extend_from_slice(buf.get(..take).unwrap_or_default());
        if self.head.len() >= CONTENT_TYPE_PREFIX {
            self.start()?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.encoder {
            Some(encoder) => encoder.flush(),
            None => Ok(()),
        }
    }
}

/// Writes `outer`, then the prepared entity encrypted (RFC 8551 §3.3). Returns the octets
/// encrypted.
pub(crate) fn write_encrypted<R: Read, W: Write>(
    entity: PreparedEntity<R>,
    outer: Vec<u8>,
    output: W,
    envelope: &EnvelopeStream,
    provider: &dyn CryptoProvider,
) -> Result<u64, Error> {
    let mut writer =
        SmimeTypeWriter::new(outer, BufWriter::with_capacity(super::IO_BUFFER, output));
    let total = envelope.encrypt(entity, &mut writer, provider)?;
    writer.finish()?.flush()?;
    Ok(total)
}

/// The ContentInfo octets of a pkcs7-mime body: base64 decoded on the fly, or the body
/// itself when it is sent binary.
fn content_info<'a, R: Read + 'a>(
    body: R,
    transfer_encoding: Option<&str>,
) -> Result<Box<dyn Read + 'a>, Error> {
    match transfer_encoding {
        Some("base64") => Ok(Box::new(Base64Reader::new(body))),
        None | Some("binary" | "8bit" | "7bit") => Ok(Box::new(body)),
        Some(other) => Err(Error::Mime {
            what: "application/pkcs7-mime",
            detail: format!("unsupported Content-Transfer-Encoding {other:?}").into(),
        }),
    }
}

/// Verifies an opaque-signed body (after the header block).
pub(crate) fn verify<R: Read, W: Write>(
    body: R,
    transfer_encoding: Option<&str>,
    content: W,
    certificates: &[Certificate],
    provider: &dyn CryptoProvider,
) -> Result<StreamVerification, Error> {
    let input = content_info(body, transfer_encoding)?;
    crate::signed_data::verify(input, content, certificates, provider)
        .map_err(transfer_encoding::lift)
}

/// Decrypts an enveloped or authEnveloped body (after the header block).
pub(crate) fn decrypt<R: Read, W: Write>(
    body: R,
    transfer_encoding: Option<&str>,
    output: W,
    credentials: &StreamCredentials<'_>,
    provider: &dyn CryptoProvider,
) -> Result<StreamDecrypted, Error> {
    let input = content_info(body, transfer_encoding)?;
    crate::enveloped_data::decrypt(input, output, credentials, provider)
        .map_err(transfer_encoding::lift)
}

/// [`decrypt`] in one pass: AES-GCM plaintext is written as it is decrypted, and is
/// unverified until this returns `Ok` (see [`crate::decrypt_unverified`]).
pub(crate) fn decrypt_unverified<R: Read, W: Write>(
    body: R,
    transfer_encoding: Option<&str>,
    output: W,
    credentials: &StreamCredentials<'_>,
    provider: &dyn CryptoProvider,
) -> Result<StreamDecrypted, Error> {
    let input = content_info(body, transfer_encoding)?;
    crate::enveloped_data::decrypt_unverified(input, output, credentials, provider)
        .map_err(transfer_encoding::lift)
}
