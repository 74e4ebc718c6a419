//! Loading certificates from DER, one PEM block, or a PEM bundle.

use crate::certificate::Certificate;
use crate::error::{Error, Location};

/// Largest input [`load_certificates`] reads, in bytes (16 MiB). The biggest certificate
/// files met in practice — the Debian/Mozilla CA bundles — are about 220 KB for ~150
/// certificates; the cap leaves a wide margin while keeping hostile input bounded.
pub const MAX_INPUT_LEN: usize = 16 * 1024 * 1024;

/// Most certificates [`load_certificates`] returns from one input (1024): about seven times
/// the Mozilla root store, far more than any S/MIME chain or certificate file.
pub const MAX_CERTIFICATES: usize = 1024;

/// How many non-certificate PEM labels an error message keeps.
const MAX_LABELS_REPORTED: usize = 16;

/// PEM labels that hold a certificate (RFC 7468 §5.1; `X509 CERTIFICATE` is the older form
/// §5.1 tells parsers to accept).
const CERTIFICATE_LABELS: [&str; 2] = ["CERTIFICATE", "X509 CERTIFICATE"];

const BEGIN: &[u8] = b"-----BEGIN ";
const DASHES: &[u8] = b"-----";

/// Loads every certificate from `input`: DER (one certificate, or several concatenated), a
/// PEM `CERTIFICATE` block, or a PEM bundle.
///
/// PEM blocks with other labels (private keys, parameters, CRLs, OpenSSL's
/// `TRUSTED CERTIFICATE`), and text around the blocks (as in OpenSSL's test files), are
/// skipped. A PEM input without any certificate block is
/// [`Error::NoCertificate`]. The input may be at most [`MAX_INPUT_LEN`] bytes and hold at
/// most [`MAX_CERTIFICATES`] certificates.
///
/// ```
/// let pem = include_bytes!("../../../../shared/corpus/openssl/smime-certs/smrsa1.pem");
/// // The file holds the certificate and its private key: only the certificate is returned.
/// let certs = smime_x509::load_certificates(pem)?;
/// assert_eq!(certs.len(), 1);
/// assert_eq!(certs[0].subject().to_string(), "CN=Test S/MIME EE RSA #1,O=OpenSSL Group,C=UK");
/// # Ok::<(), smime_x509::Error>(())
/// ```
pub fn load_certificates(input: &[u8]) -> Result<Vec<Certificate>, Error> {
    if input.len() > MAX_INPUT_LEN {
        return Err(Error::InputTooLarge {
            len: input.len(),
            max: MAX_INPUT_LEN,
        });
    }
    let first_byte = *input.first().ok_or(Error::Empty)?;
    if first_byte == 0x30 {
        load_der(input)
    } else if find(input, BEGIN).is_some() {
        let (certificates, labels) = load_pem(input)?;
        if certificates.is_empty() {
            return Err(Error::NoCertificate { labels });
        }
        Ok(certificates)
    } else {
        Err(Error::UnrecognizedFormat { first_byte })
    }
}

/// One or more DER certificates, one after the other.
fn load_der(input: &[u8]) -> Result<Vec<Certificate>, Error> {
    let mut certificates = Vec::new();
    let mut offset = 0;
    while let Some(rest) = input.get(offset..).filter(|rest| !rest.is_empty()) {
        let location = Location::Der {
            index: certificates.len(),
            offset,
        };
        if certificates.len() == MAX_CERTIFICATES {
            return Err(Error::TooManyCertificates {
                max: MAX_CERTIFICATES,
            });
        }
        let len = der_element_len(rest).map_err(|source| Error::Decode { location, source })?;
        let der = rest.get(..len).ok_or(Error::Decode {
            location,
            source: der::ErrorKind::Incomplete {
                expected_len: der::Length::try_from(len).unwrap_or(der::Length::MAX),
                actual_len: der::Length::try_from(rest.len()).unwrap_or(der::Length::MAX),
            }
            .into(),
        })?;
        certificates.push(Certificate::decode_at(der, location)?);
        offset += len;
    }
    Ok(certificates)
}

/// Total length (header and contents) of the DER element at the start of `input`.
pub(crate) fn der_element_len(input: &[u8]) -> der::Result<usize> {
    use der::Encode;
    let reader = der::SliceReader::new(input)?;
    let header = der::Header::peek(&reader)?;
    let total = (header.encoded_len()? + header.length())?;
    usize::try_from(total)
}

/// Every certificate of a PEM input, and the labels of the blocks that were skipped.
fn load_pem(input: &[u8]) -> Result<(Vec<Certificate>, Vec<String>), Error> {
    let mut certificates = Vec::new();
    let mut skipped = Vec::new();
    let mut position = 0;
    let mut index = 0;
    // Line numbers are counted incrementally, so that many blocks stay linear.
    let mut line = 1;
    let mut line_counted_to = 0;
    while let Some(start) = input.get(position..).and_then(|rest| find(rest, BEGIN)) {
        let start = position + start;
        line += count_newlines(input.get(line_counted_to..start).unwrap_or_default());
        line_counted_to = start;
        let location = Location::Pem { index, line };
        let block = pem_block(input, start, location)?;
        position = start + block.len;
        index += 1;
        if CERTIFICATE_LABELS.contains(&block.label) {
            if certificates.len() == MAX_CERTIFICATES {
                return Err(Error::TooManyCertificates {
                    max: MAX_CERTIFICATES,
                });
            }
            let bytes = input.get(start..position).unwrap_or_default();
            let der = decode_pem_block(bytes).map_err(|e| Error::Pem {
                location,
                label: block.label.to_owned(),
                reason: e.to_string(),
            })?;
            certificates.push(Certificate::decode_at(&der, location)?);
        } else if skipped.len() < MAX_LABELS_REPORTED {
            skipped.push(block.label.to_owned());
        }
    }
    Ok((certificates, skipped))
}

struct PemBlock<'a> {
    label: &'a str,
    /// Length from `-----BEGIN` to the end of the `-----END …-----` line.
    len: usize,
}

/// Finds the boundaries of the PEM block starting at `start`.
fn pem_block(input: &[u8], start: usize, location: Location) -> Result<PemBlock<'_>, Error> {
    let malformed = |label: &str, reason: &str| Error::Pem {
        location,
        label: label.to_owned(),
        reason: reason.to_owned(),
    };
    let after_begin = input.get(start + BEGIN.len()..).unwrap_or_default();
    let label_len = find(after_begin, DASHES)
        .ok_or_else(|| malformed("?", "BEGIN line without closing dashes"))?;
    let label = after_begin
        .get(..label_len)
        .and_then(|l| core::str::from_utf8(l).ok())
        .filter(|l| l.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
        .ok_or_else(|| malformed("?", "label is not printable ASCII on the BEGIN line"))?;
    let end_line = format!("-----END {label}-----");
    let body_start = BEGIN.len() + label_len + DASHES.len();
    let body = after_begin
        .get(label_len + DASHES.len()..)
        .unwrap_or_default();
    let end =
        find(body, end_line.as_bytes()).ok_or_else(|| malformed(label, "no matching END line"))?;
    Ok(PemBlock {
        label,
        len: body_start + end + end_line.len(),
    })
}

/// Decodes one PEM block, accepting any Base64 line width and CRLF or LF line ends.
fn decode_pem_block(block: &[u8]) -> Result<Vec<u8>, pem_rfc7468::Error> {
    let mut decoder = pem_rfc7468::Decoder::new_detect_wrap(block)?;
    let mut der = Vec::new();
    decoder.decode_to_end(&mut der)?;
    Ok(der)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}
