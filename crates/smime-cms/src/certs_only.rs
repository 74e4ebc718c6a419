//! Certificates-only messages: a "degenerate" SignedData with no signers and no content,
//! used to send certificates (RFC 8551 §3.8, `application/pkcs7-mime; smime-type=certs-only`).

use der::Encode;
use x509_cert::Certificate;

use crate::ber;
use crate::budget::MAX_CERTIFICATES;
use crate::content_info::{ID_DATA, ID_SIGNED_DATA};
use crate::error::Error;
use crate::signed_data::{SignedData, content_info, encapsulated_content_info};

/// Builds a certs-only message (DER ContentInfo): SignedData version 1, no digest
/// algorithms, eContentType id-data without content, the certificates, no signers.
///
/// ```
/// let message = smime_cms::certs_only::build(&[])?;
/// assert!(smime_cms::certs_only::read(&message)?.is_empty());
/// # Ok::<(), smime_cms::Error>(())
/// ```
pub fn build(certificates: &[Certificate]) -> Result<Vec<u8>, Error> {
    if certificates.len() > MAX_CERTIFICATES {
        return Err(Error::BudgetExceeded {
            what: "certificates in one message",
            limit: MAX_CERTIFICATES,
        });
    }
    let encoding = Error::encoding("certs-only SignedData");
    let mut ders: Vec<Vec<u8>> = Vec::with_capacity(certificates.len());
    for certificate in certificates {
        let der = certificate.to_der().map_err(&encoding)?;
        if !ders.contains(&der) {
            ders.push(der);
        }
    }
    let mut certificate_set = ber::encode_set_of(ders);
    if let Some(tag) = certificate_set.first_mut() {
        *tag = ber::CONTEXT_0;
    }
    let version = [ber::INTEGER, 1, 1];
    let digest_algorithms = ber::encode(ber::SET, &[]);
    let encap = encapsulated_content_info(ID_DATA, None)?;
    let signer_infos = ber::encode(ber::SET, &[]);
    let signed_data = ber::encode_parts(
        ber::SEQUENCE,
        &[
            &version,
            &digest_algorithms,
            &encap,
            &certificate_set,
            &signer_infos,
        ],
    );
    content_info(ID_SIGNED_DATA, &signed_data)
}

/// Reads the certificates of a SignedData (DER or BER) — normally a certs-only message, but
/// the certificates of any SignedData are returned. Signers, if any, are not verified.
/// A certificate that cannot be parsed is an error here.
pub fn read(message: &[u8]) -> Result<Vec<Certificate>, Error> {
    let signed_data = SignedData::parse(message)?;
    if let Some(error) = signed_data.certificate_errors().first() {
        return Err(error.clone());
    }
    Ok(signed_data.certificates().cloned().collect())
}
