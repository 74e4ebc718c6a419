//! Streaming SignedData (RFC 5652 §5): sign while copying, verify while reading.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Read, Write};

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::{ID_DATA, ID_SIGNED_DATA};
use der::Encode;
use smime_cms::stream_support::{self, DigestVerification};
use smime_cms::{Certificate, SignerBuilder, SignerReport, ValidSignature};
use smime_crypto::{CryptoProvider, DigestAlgorithm, Hasher};

use crate::ber::{
    self, BerReader, BerWriter, CONTEXT_0, ChunkedOctetString, Frame, INTEGER, OBJECT_IDENTIFIER,
    SEQUENCE, SET,
};
use crate::budget::{DEFAULT_CHUNK_SIZE, MAX_BUFFERED_ELEMENT, MAX_BUFFERED_TOTAL};
use crate::error::Error;

/// Hashes content with several algorithms at once.
pub(crate) struct Digests {
    hashers: Vec<Box<dyn Hasher>>,
}

impl Digests {
    pub(crate) fn new(
        algorithms: &[DigestAlgorithm],
        provider: &dyn CryptoProvider,
    ) -> Result<Self, Error> {
        let hashers = algorithms
            .iter()
            .map(|a| provider.hasher(*a))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { hashers })
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        for hasher in &mut self.hashers {
            hasher.update(data);
        }
    }

    pub(crate) fn finish(self) -> HashMap<DigestAlgorithm, Vec<u8>> {
        self.hashers
            .into_iter()
            .map(|h| (h.algorithm(), h.finish()))
            .collect()
    }
}

/// Reads until `buffer` is full or the input ends; returns the octets read.
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

fn oid_der(oid: ObjectIdentifier) -> Result<Vec<u8>, Error> {
    oid.to_der().map_err(|e| Error::Malformed {
        offset: 0,
        reason: format!("cannot encode {oid}: {e}").into(),
    })
}

/// Signs content of any size read from a `Read`, writing a SignedData `ContentInfo` to a
/// `Write` in constant memory.
///
/// Attached (the default): BER with indefinite lengths and the content as a constructed
/// OCTET STRING of [`DEFAULT_CHUNK_SIZE`] chunks, as `openssl cms -sign -stream` writes; the
/// SignerInfos, which need the content's digest, follow the content. Detached: DER,
/// byte-identical to [`smime_cms::SignedDataBuilder`] with the same signers (for
/// deterministic signature schemes and a fixed signing time).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use smime_stream::SignedDataStream;
/// // Without a signer there is nothing to sign with.
/// let error = SignedDataStream::new()
///     .sign(&b"hello"[..], Vec::new(), smime_crypto::default_provider())
///     .unwrap_err();
/// assert!(matches!(error, smime_stream::Error::Cms(smime_cms::Error::NoSignerGiven)));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SignedDataStream {
    signers: Vec<SignerBuilder>,
    certificates: Vec<Certificate>,
    content_type: ObjectIdentifier,
    detached: bool,
    chunk_size: usize,
}

impl Default for SignedDataStream {
    fn default() -> Self {
        Self::new()
    }
}

impl SignedDataStream {
    /// Attached, id-data content, 64 KiB chunks, no signer yet.
    pub fn new() -> Self {
        Self {
            signers: Vec::new(),
            certificates: Vec::new(),
            content_type: ID_DATA,
            detached: false,
            chunk_size: DEFAULT_CHUNK_SIZE,
        }
    }

    /// Adds a signer (see [`SignerBuilder`] for its options).
    pub fn add_signer(mut self, signer: SignerBuilder) -> Self {
        self.signers.push(signer);
        self
    }

    /// Adds a certificate to the message's certificate set.
    pub fn add_certificate(mut self, certificate: Certificate) -> Self {
        self.certificates.push(certificate);
        self
    }

    /// The eContentType (default id-data).
    pub fn content_type(mut self, content_type: ObjectIdentifier) -> Self {
        self.content_type = content_type;
        self
    }

    /// Leaves the content out of the message (a detached signature).
    pub fn detached(mut self, detached: bool) -> Self {
        self.detached = detached;
        self
    }

    /// The OCTET STRING chunk size for attached content (clamped to 1 ..=
    /// [`MAX_CHUNK_SIZE`](crate::budget::MAX_CHUNK_SIZE)).
    pub fn chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// The digest algorithms the signers hash the content with, in the order of the
    /// message's `digestAlgorithms` field (one per distinct algorithm). Known before any
    /// content is read, so a `multipart/signed` writer can put them in `micalg` (RFC 8551
    /// §3.5.3.2) ahead of the content.
    ///
    /// ```
    /// use smime_stream::SignedDataStream;
    /// // No signer, no digest algorithm: the CMS layer says so.
    /// assert!(SignedDataStream::new().digest_algorithms().is_err());
    /// ```
    pub fn digest_algorithms(&self) -> Result<Vec<DigestAlgorithm>, Error> {
        Ok(stream_support::signer_digest_algorithms(&self.signers)?)
    }

    /// Reads all of `input`, signs it and writes the message to `output`. Returns the
    /// number of content octets signed.
    pub fn sign<R: Read, W: Write>(
        &self,
        mut input: R,
        output: W,
        provider: &dyn CryptoProvider,
    ) -> Result<u64, Error> {
        let algorithms = stream_support::signer_digest_algorithms(&self.signers)?;
        let parts = stream_support::signed_data_header(
            &self.signers,
            &self.certificates,
            self.content_type,
        )?;
        let mut digests = Digests::new(&algorithms, provider)?;
        let content_type = oid_der(self.content_type)?;
        let version = [INTEGER, 1, parts.version];
        let mut buffer = vec![0u8; self.chunk_size.clamp(1, crate::budget::MAX_CHUNK_SIZE)];
        let mut total = 0u64;

        if self.detached {
            loop {
                let n = fill(&mut input, &mut buffer)?;
                let Some(piece) = buffer.get(..n) else { break };
                if piece.is_empty() {
                    break;
                }
                digests.update(piece);
                total = total.saturating_add(n as u64);
            }
            let signer_infos = stream_support::sign_with_digests(
                &self.signers,
                self.content_type,
                &digests.finish(),
                provider,
            )?;
            let encap = ber::definite(SEQUENCE, &[&content_type]);
            let mut fields: Vec<&[u8]> = vec![&version, &parts.digest_algorithms, &encap];
            if let Some(certificates) = &parts.certificates {
                fields.push(certificates);
            }
            fields.push(&signer_infos);
            let signed_data = ber::definite(SEQUENCE, &fields);
            let explicit = ber::definite(CONTEXT_0, &[&signed_data]);
            let message = ber::definite(SEQUENCE, &[&oid_der(ID_SIGNED_DATA)?, &explicit]);
            let mut output = output;
            output.write_all(&message)?;
            output.flush()?;
            return Ok(total);
        }

        let mut writer = BerWriter::new(BufWriter::new(output));
        writer.open(SEQUENCE)?;
        writer.raw(&oid_der(ID_SIGNED_DATA)?)?;
        writer.open(CONTEXT_0)?;
        writer.open(SEQUENCE)?;
        writer.raw(&version)?;
        writer.raw(&parts.digest_algorithms)?;
        writer.open(SEQUENCE)?;
        writer.raw(&content_type)?;
        writer.open(CONTEXT_0)?;
        let mut content = ChunkedOctetString::open(&mut writer, self.chunk_size)?;
        loop {
            let n = fill(&mut input, &mut buffer)?;
            let Some(piece) = buffer.get(..n) else { break };
            if piece.is_empty() {
                break;
            }
            digests.update(piece);
            content.write(&mut writer, piece)?;
            total = total.saturating_add(n as u64);
        }
        content.close(&mut writer)?;
        writer.close()?; // [0] eContent
        writer.close()?; // EncapsulatedContentInfo
        if let Some(certificates) = &parts.certificates {
            writer.raw(certificates)?;
        }
        let signer_infos = stream_support::sign_with_digests(
            &self.signers,
            self.content_type,
            &digests.finish(),
            provider,
        )?;
        writer.raw(&signer_infos)?;
        writer.close()?; // SignedData
        writer.close()?; // [0] content
        writer.close()?; // ContentInfo
        writer
            .finish()?
            .into_inner()
            .map_err(|e| Error::Io(e.into_error()))?;
        Ok(total)
    }
}

/// The result of a streaming verification: one report per SignerInfo.
///
/// A signer whose status is valid signed the content (cryptographically valid; trust not
/// evaluated — see `smime-path`).
#[derive(Clone, Debug)]
pub struct StreamVerification {
    inner: DigestVerification,
    content_len: u64,
    crls: Vec<Vec<u8>>,
}

impl StreamVerification {
    /// One report per SignerInfo, in message order.
    pub fn signers(&self) -> &[SignerReport] {
        &self.inner.signers
    }

    /// The valid signatures, or the first signer's error when any signer is invalid.
    pub fn require_all_valid(&self) -> Result<Vec<&ValidSignature>, smime_cms::Error> {
        let mut valid = Vec::with_capacity(self.inner.signers.len());
        for signer in &self.inner.signers {
            match signer.status() {
                smime_cms::SignatureStatus::Valid(signature) => valid.push(signature),
                smime_cms::SignatureStatus::Invalid(error) => return Err(error.clone()),
            }
        }
        Ok(valid)
    }

    /// The eContentType the signers signed.
    pub fn econtent_type(&self) -> ObjectIdentifier {
        self.inner.econtent_type
    }

    /// The certificates the message carried.
    pub fn certificates(&self) -> &[Certificate] {
        &self.inner.certificates
    }

    /// Octets of content that were read (and written to the caller's output).
    pub fn content_len(&self) -> u64 {
        self.content_len
    }

    /// The DER of each CRL the message carried in its revocationInfoChoices (RFC 5652
    /// §10.2.1, the `crl` choice; `other` revocation formats are left out), in message order.
    /// Not checked here: give them to path validation (as `smime::stream::verify` does) to
    /// find revoked signers. Bounded with the rest of the SignedData around the content
    /// ([`MAX_BUFFERED_TOTAL`], and `smime_cms::budget::MAX_REVOCATION_ENTRIES` entries).
    pub fn crls(&self) -> &[Vec<u8>] {
        &self.crls
    }
}

/// The CRLs of a SignedData `ContentInfo` held in memory (without its content), see
/// [`StreamVerification::crls`]. A structure that does not parse has none (its verification
/// has already failed on it).
fn message_crls(signed_data: &[u8]) -> Vec<Vec<u8>> {
    smime_cms::SignedData::parse(signed_data)
        .map(|parsed| crls_of(&parsed))
        .unwrap_or_default()
}

fn crls_of(parsed: &smime_cms::SignedData<'_>) -> Vec<Vec<u8>> {
    parsed
        .revocation_entries()
        .iter()
        .filter(|entry| entry.first() == Some(&SEQUENCE))
        .map(|entry| entry.to_vec())
        .collect()
}

/// The digest algorithms named in a `digestAlgorithms` element (BER), known ones only.
fn digest_algorithms(element: &[u8]) -> Result<Vec<DigestAlgorithm>, Error> {
    let mut reader = BerReader::new(element);
    let top = Frame::top();
    let set = reader.expect(top, SET, "SignedData.digestAlgorithms")?;
    let set_frame = reader.enter(top, &set)?;
    let mut out = Vec::new();
    let mut count = 0usize;
    while let Some(identifier) = reader.next_in(set_frame)? {
        count = count.saturating_add(1);
        if count > smime_cms::budget::MAX_DIGEST_ALGORITHMS {
            return Err(Error::BudgetExceeded {
                what: "digest algorithms",
                limit: smime_cms::budget::MAX_DIGEST_ALGORITHMS as u64,
            });
        }
        let frame = reader.enter(set_frame, &identifier)?;
        let oid = reader.expect(frame, OBJECT_IDENTIFIER, "DigestAlgorithmIdentifier")?;
        let oid_bytes = reader.primitive(&oid, 64, "digest algorithm OID")?;
        if let Ok(oid) = ObjectIdentifier::from_bytes(&oid_bytes)
            && let Some(digest) = DigestAlgorithm::from_oid(&oid)
            && !out.contains(&digest)
        {
            out.push(digest);
        }
        let mut ignored = MAX_BUFFERED_ELEMENT;
        while let Some(rest) = reader.next_in(frame)? {
            reader.element(&rest, frame, &mut ignored)?;
        }
    }
    Ok(out)
}

/// Verifies an attached-content SignedData read from `input` (BER with any chunking, or DER),
/// writing the content to `content` as it is read, in constant memory.
///
/// **Everything written to `content` is unverified until this function returns `Ok` and
/// [`StreamVerification::require_all_valid`] succeeds**: the verdict needs the last byte of
/// the message, since the SignerInfos follow the content. Write to a temporary place and
/// release it only after the verdict (the verdict's own type cannot be had any other way).
///
/// `certificates` are used, besides the message's own, to find the signers' certificates.
pub fn verify<R: Read, W: Write>(
    input: R,
    content: W,
    certificates: &[Certificate],
    provider: &dyn CryptoProvider,
) -> Result<StreamVerification, Error> {
    let mut reader = BerReader::new(BufReader::new(input));
    let mut content = BufWriter::new(content);
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
    if found != ID_SIGNED_DATA {
        return Err(Error::UnexpectedContentType {
            found,
            expected: ID_SIGNED_DATA,
        });
    }
    let explicit = reader.expect(info_frame, CONTEXT_0, "ContentInfo.content")?;
    let explicit_frame = reader.enter(info_frame, &explicit)?;
    let signed = reader.expect(explicit_frame, SEQUENCE, "SignedData")?;
    let signed_frame = reader.enter(explicit_frame, &signed)?;
    let version = reader.expect(signed_frame, INTEGER, "SignedData.version")?;
    let version = reader.element(&version, signed_frame, &mut budget)?;
    let digest_set = reader.expect(signed_frame, SET, "SignedData.digestAlgorithms")?;
    let digest_set = reader.element(&digest_set, signed_frame, &mut budget)?;
    let algorithms = digest_algorithms(&digest_set)?;
    let mut digests = Digests::new(&algorithms, provider)?;

    let encap = reader.expect(signed_frame, SEQUENCE, "EncapsulatedContentInfo")?;
    let encap_frame = reader.enter(signed_frame, &encap)?;
    let econtent_type = reader.expect(encap_frame, OBJECT_IDENTIFIER, "eContentType")?;
    let econtent_type = reader.element(&econtent_type, encap_frame, &mut budget)?;
    let Some(econtent) = reader.next_in(encap_frame)? else {
        return Err(Error::NoEncapsulatedContent);
    };
    if econtent.tag != CONTEXT_0 {
        return Err(Error::Malformed {
            offset: econtent.offset,
            reason: "EncapsulatedContentInfo: expected [0] eContent".into(),
        });
    }
    let econtent_frame = reader.enter(encap_frame, &econtent)?;
    let value = reader
        .next_in(econtent_frame)?
        .ok_or(Error::NoEncapsulatedContent)?;
    if value.tag != ber::OCTET_STRING && value.tag != ber::OCTET_STRING_CONSTRUCTED {
        return Err(Error::UnsupportedEContent {
            offset: value.offset,
            tag: value.tag,
        });
    }
    let content_len = reader.octet_string(&value, econtent_frame, &mut |piece| {
        digests.update(piece);
        content.write_all(piece)?;
        Ok(())
    })?;
    reader.expect_end(econtent_frame, "eContent")?;
    reader.expect_end(encap_frame, "EncapsulatedContentInfo")?;

    // What follows the content: certificates, CRLs, signerInfos, each buffered (bounded).
    let mut rest = Vec::new();
    while let Some(header) = reader.next_in(signed_frame)? {
        rest.push(reader.element(&header, signed_frame, &mut budget)?);
    }
    reader.expect_end(explicit_frame, "ContentInfo.content")?;
    reader.expect_end(info_frame, "ContentInfo")?;
    reader.expect_eof()?;
    content.flush()?;

    // The SignedData without its content, re-wrapped with definite lengths.
    let encap = ber::definite(SEQUENCE, &[&econtent_type]);
    let mut fields: Vec<&[u8]> = vec![&version, &digest_set, &encap];
    fields.extend(rest.iter().map(Vec::as_slice));
    let signed_data = ber::definite(SEQUENCE, &fields);
    let explicit = ber::definite(CONTEXT_0, &[&signed_data]);
    let message = ber::definite(SEQUENCE, &[&oid_bytes_der(&oid_bytes), &explicit]);
    let inner =
        stream_support::verify_with_digests(&message, &digests.finish(), certificates, provider)?;
    Ok(StreamVerification {
        inner,
        content_len,
        crls: message_crls(&message),
    })
}

/// Verifies a detached signature (as [`verify_detached`]) against digests of the content the
/// caller computed as it streamed by (`content_len` octets).
pub(crate) fn verify_detached_digests(
    signature: &[u8],
    digests: &HashMap<DigestAlgorithm, Vec<u8>>,
    content_len: u64,
    certificates: &[Certificate],
    provider: &dyn CryptoProvider,
) -> Result<StreamVerification, Error> {
    let inner = stream_support::verify_with_digests(signature, digests, certificates, provider)?;
    Ok(StreamVerification {
        inner,
        content_len,
        crls: message_crls(signature),
    })
}

fn oid_bytes_der(content: &[u8]) -> Vec<u8> {
    ber::definite(OBJECT_IDENTIFIER, &[content])
}

/// Verifies a detached signature (`signature`: a SignedData `ContentInfo` without eContent,
/// DER or BER, held in memory — it is small) over content read from `content` in constant
/// memory.
pub fn verify_detached<R: Read>(
    signature: &[u8],
    mut content: R,
    certificates: &[Certificate],
    provider: &dyn CryptoProvider,
) -> Result<StreamVerification, Error> {
    let parsed = smime_cms::SignedData::parse(signature)?;
    let mut algorithms = Vec::new();
    for identifier in parsed.digest_algorithms() {
        if let Some(digest) = DigestAlgorithm::from_oid(&identifier.oid)
            && !algorithms.contains(&digest)
        {
            algorithms.push(digest);
        }
    }
    let mut digests = Digests::new(&algorithms, provider)?;
    let mut buffer = vec![0u8; crate::budget::READ_BUFFER];
    let mut content_len = 0u64;
    loop {
        let n = fill(&mut content, &mut buffer)?;
        let Some(piece) = buffer.get(..n) else { break };
        if piece.is_empty() {
            break;
        }
        digests.update(piece);
        content_len = content_len.saturating_add(n as u64);
    }
    let crls = crls_of(&parsed);
    let inner =
        stream_support::verify_with_digests(signature, &digests.finish(), certificates, provider)?;
    Ok(StreamVerification {
        inner,
        content_len,
        crls,
    })
}
