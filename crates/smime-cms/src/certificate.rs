//! An X.509 certificate (RFC 5280 §4.1) as the DER octets SignedData carries, with the places
//! of the fields that signing and verifying need — serialNumber, issuer and
//! subjectPublicKeyInfo — found by walking the encoding, without decoding the certificate.
//!
//! ```text
//! Certificate ::= SEQUENCE {
//!   tbsCertificate TBSCertificate, signatureAlgorithm AlgorithmIdentifier,
//!   signatureValue BIT STRING }
//! TBSCertificate ::= SEQUENCE {
//!   version [0] EXPLICIT Version DEFAULT v1, serialNumber CertificateSerialNumber,
//!   signature AlgorithmIdentifier, issuer Name, validity Validity, subject Name,
//!   subjectPublicKeyInfo SubjectPublicKeyInfo, ... }
//! ```
//!
//! Comparing these fields as octets is what matching a SignerIdentifier needs: DER is a
//! canonical encoding, so two DER INTEGERs are equal exactly when their octets are. For Names
//! the decoded comparison sorts multi-valued RDNs, so equal octets imply equal Names but not
//! the converse; callers fall back to the decoded comparison when the serial numbers match and
//! the issuers' octets do not.

use std::ops::Range;

use der::Encode;
use x509_cert::Certificate;

use crate::ber::{self, Tlv};
use crate::error::Error;

/// A DER certificate with the places of its serialNumber, issuer and subjectPublicKeyInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EncodedCertificate {
    der: Vec<u8>,
    serial: Range<usize>,
    issuer: Range<usize>,
    spki: Range<usize>,
}

const WHAT: &str = "Certificate";

impl EncodedCertificate {
    /// Walks a DER certificate. Only the shape up to subjectPublicKeyInfo is checked here;
    /// decoding the whole certificate is left to whoever needs it.
    pub(crate) fn parse(der: Vec<u8>) -> Result<Self, Error> {
        let (serial, issuer, spki) = {
            let certificate = Tlv::parse_exact(&der, WHAT)?.expect(ber::SEQUENCE, WHAT)?;
            let mut fields = certificate.reader(WHAT)?;
            let tbs = fields.read_expected(ber::SEQUENCE)?;
            let mut tbs_fields = tbs.reader("TBSCertificate")?;
            let mut serial = tbs_fields.read()?;
            if serial.tag.is(ber::CONTEXT_0) {
                serial = tbs_fields.read()?;
            }
            let serial = serial.expect(ber::INTEGER, "TBSCertificate.serialNumber")?;
            let _signature = tbs_fields.read_expected(ber::SEQUENCE)?;
            let issuer = tbs_fields.read_expected(ber::SEQUENCE)?;
            let _validity = tbs_fields.read_expected(ber::SEQUENCE)?;
            let _subject = tbs_fields.read_expected(ber::SEQUENCE)?;
            let spki = tbs_fields.read_expected(ber::SEQUENCE)?;
            (range(serial), range(issuer), range(spki))
        };
        Ok(Self {
            der,
            serial,
            issuer,
            spki,
        })
    }

    /// Encodes a decoded certificate.
    pub(crate) fn from_certificate(certificate: &Certificate) -> Result<Self, der::Error> {
        let der = certificate.to_der()?;
        // A certificate that x509-cert encoded has the shape walked here.
        Self::parse(der).map_err(|_| der::Error::from(der::ErrorKind::Failed))
    }

    /// The whole DER certificate.
    pub(crate) fn der(&self) -> &[u8] {
        &self.der
    }

    /// The DER serialNumber INTEGER (tag and length included).
    pub(crate) fn serial_number(&self) -> &[u8] {
        self.der.get(self.serial.clone()).unwrap_or_default()
    }

    /// The DER issuer Name (tag and length included).
    pub(crate) fn issuer(&self) -> &[u8] {
        self.der.get(self.issuer.clone()).unwrap_or_default()
    }

    /// The DER subjectPublicKeyInfo (tag and length included).
    pub(crate) fn subject_public_key_info(&self) -> &[u8] {
        self.der.get(self.spki.clone()).unwrap_or_default()
    }
}

/// Where an element sits in the input it was read from (read with base offset 0).
fn range(tlv: Tlv<'_>) -> Range<usize> {
    tlv.offset..tlv.offset.saturating_add(tlv.raw.len())
}

/// The DER issuer Name and serialNumber INTEGER of a DER `IssuerAndSerialNumber`
/// (RFC 5652 §10.2.4), as octets.
pub(crate) fn issuer_and_serial_parts(der: &[u8]) -> Option<(&[u8], &[u8])> {
    const WHAT: &str = "IssuerAndSerialNumber";
    let sequence = Tlv::parse_exact(der, WHAT).ok()?;
    let mut fields = sequence.reader(WHAT).ok()?;
    let issuer = fields.read_expected(ber::SEQUENCE).ok()?;
    let serial = fields.read_expected(ber::INTEGER).ok()?;
    fields.finish().ok()?;
    Some((issuer.raw, serial.raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;

    /// The example P-256 certificate (tests/data), read by x509-cert and walked
    /// here: the octets found are those x509-cert encodes for the same fields.
    #[test]
    fn fields_are_those_x509_cert_encodes() {
        let pem = include_str!("../tests/data/example-p256.cert.pem");
        let certificate = <Certificate as der::DecodePem>::from_pem(pem).unwrap();
        let encoded = EncodedCertificate::from_certificate(&certificate).unwrap();
        let tbs = certificate.tbs_certificate();
        assert_eq!(
            encoded.serial_number(),
            tbs.serial_number().to_der().unwrap()
        );
        assert_eq!(encoded.issuer(), tbs.issuer().to_der().unwrap());
        assert_eq!(
            encoded.subject_public_key_info(),
            tbs.subject_public_key_info().to_der().unwrap()
        );
        assert_eq!(encoded.der(), certificate.to_der().unwrap());
        assert!(Certificate::from_der(encoded.der()).is_ok());
    }

    #[test]
    fn truncated_or_wrong_shapes_are_errors() {
        assert!(EncodedCertificate::parse(vec![]).is_err());
        assert!(EncodedCertificate::parse(vec![0x30, 0x00]).is_err());
        assert!(EncodedCertificate::parse(vec![0x30, 0x02, 0x30, 0x00]).is_err());
        assert!(EncodedCertificate::parse(vec![0x30, 0x05, 0x30, 0x03, 0x02, 0x01]).is_err());
        assert_eq!(issuer_and_serial_parts(&[0x30, 0x00]), None);
        assert_eq!(
            issuer_and_serial_parts(&[0x30, 0x05, 0x30, 0x00, 0x02, 0x01, 0x07]),
            Some((&[0x30, 0x00][..], &[0x02, 0x01, 0x07][..]))
        );
    }
}
