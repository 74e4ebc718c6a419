//! Certificate revocation lists: RFC 5280 §6.3 revocation status from the CRLs at hand.
//!
//! certval 0.2.0-rc.1 processes CRLs only in part (its README and `crl.rs` list what it leaves
//! out): a CRL must be verified by the key of the certificate's own issuer in the path; delta
//! CRLs, indirect CRLs (cRLIssuer, indirectCRL), CRLs scoped by onlySomeReasons and
//! distribution points named relative to the CRL issuer are discarded. Each of those leaves a
//! status undetermined that RFC 5280 determines (NIST PKITS §4.4.19–21, 4.5, 4.14, 4.15), so
//! this module implements §6.3.3 in full:
//!
//! * every distribution point of the certificate (or one implied by its issuer) is walked,
//!   accumulating `reasons_mask` until all reasons are covered;
//! * a complete CRL is used when its issuer and scope fit the distribution point
//!   (§6.3.3 (b)), its reasons add to the mask (c, d), it is current at the validation time (a),
//!   and its signature verifies with a key whose certification path is valid to the same trust
//!   anchor and which may sign CRLs (f, g);
//! * a delta CRL (§5.2.4) that extends it — same issuer, scope and authority key, base number
//!   not above the complete CRL's number, current, signed by the same key — is consulted first
//!   (h, i); an entry with reason removeFromCRL takes the certificate off hold (k);
//! * in an indirect CRL, entries belong to the issuer named by the last certificateIssuer
//!   entry extension (§5.3.3);
//! * a CRL with an unrecognised critical extension, or an entry with one, is not used (§5.2,
//!   §5.3).

use certval::DeferDecodeSigned;
use const_oid::db::rfc5912::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CERTIFICATE_ISSUER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS,
    ID_CE_DELTA_CRL_INDICATOR, ID_CE_FRESHEST_CRL, ID_CE_HOLD_INSTRUCTION_CODE,
    ID_CE_INVALIDITY_DATE, ID_CE_ISSUER_ALT_NAME, ID_CE_ISSUING_DISTRIBUTION_POINT,
    ID_PE_AUTHORITY_INFO_ACCESS,
};
use der::{DateTime, Decode};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::certificate::Raw;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName, GeneralNames};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BaseCrlNumber, BasicConstraints, CrlDistributionPoints, CrlNumber,
    CrlReason,
};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::certificate::PathCertificate;
use crate::revocation::RevocationReason;

/// Every reason of ReasonFlags (RFC 5280 §4.2.1.13) but `unused` (bit 0).
const ALL_REASONS: u16 = 0x01fe;

/// One entry of a CRL, with the certificate issuer it applies to (§5.3.3).
#[derive(Clone, Debug)]
struct Entry {
    serial: Vec<u8>,
    issuer: Name,
    reason: Option<CrlReason>,
    date: DateTime,
}

/// A decoded CRL with what §6.3 reads from it.
#[derive(Clone, Debug)]
pub(crate) struct Crl {
    tbs: Vec<u8>,
    signature: der::asn1::BitString,
    signature_algorithm: spki::AlgorithmIdentifierOwned,
    issuer: Name,
    this_update: u64,
    next_update: Option<u64>,
    number: Option<Vec<u8>>,
    /// The deltaCRLIndicator's base CRL number: present on delta CRLs only.
    delta_base: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    idp: Option<IssuingDistributionPoint>,
    has_freshest: bool,
    entries: Vec<Entry>,
}

impl Crl {
    /// Decodes a CRL. `None` for anything RFC 5280 says must not be used: malformed DER,
    /// signature algorithm fields that differ, an unrecognised critical extension (of the CRL or
    /// of an entry), a certificateIssuer entry in a CRL that is not indirect.
    pub(crate) fn parse(der: &[u8]) -> Option<Self> {
        let list = CertificateList::<Raw>::from_der(der).ok()?;
        let signed = DeferDecodeSigned::from_der(der).ok()?;
        if list.signature_algorithm != list.tbs_cert_list.signature {
            return None;
        }
        let tbs = &list.tbs_cert_list;
        let mut crl = Self {
            tbs: signed.tbs_field,
            signature: signed.signature,
            signature_algorithm: signed.signature_algorithm,
            issuer: tbs.issuer.clone(),
            this_update: tbs.this_update.to_unix_duration().as_secs(),
            next_update: tbs.next_update.map(|t| t.to_unix_duration().as_secs()),
            number: None,
            delta_base: None,
            authority_key_id: None,
            idp: None,
            has_freshest: false,
            entries: Vec::new(),
        };
        for ext in tbs.crl_extensions.as_deref().unwrap_or_default() {
            let value = ext.extn_value.as_bytes();
            match ext.extn_id {
                ID_CE_CRL_NUMBER => {
                    crl.number = Some(unsigned(CrlNumber::from_der(value).ok()?.0.as_bytes()));
                }
                ID_CE_DELTA_CRL_INDICATOR => {
                    crl.delta_base =
                        Some(unsigned(BaseCrlNumber::from_der(value).ok()?.0.as_bytes()));
                }
                ID_CE_AUTHORITY_KEY_IDENTIFIER => {
                    crl.authority_key_id = AuthorityKeyIdentifier::from_der(value)
                        .ok()?
                        .key_identifier
                        .map(|k| k.as_bytes().to_vec());
                }
                ID_CE_ISSUING_DISTRIBUTION_POINT => {
                    crl.idp = Some(IssuingDistributionPoint::from_der(value).ok()?);
                }
                ID_CE_FRESHEST_CRL => crl.has_freshest = true,
                ID_CE_ISSUER_ALT_NAME | ID_PE_AUTHORITY_INFO_ACCESS => {}
                _ if ext.critical => return None,
                _ => {}
            }
        }
        let indirect = crl.idp.as_ref().is_some_and(|idp| idp.indirect_crl);
        let mut current_issuer = crl.issuer.clone();
        for revoked in tbs.revoked_certificates.as_deref().unwrap_or_default() {
            let mut reason = None;
            for ext in revoked.crl_entry_extensions.as_deref().unwrap_or_default() {
                let value = ext.extn_value.as_bytes();
                match ext.extn_id {
                    ID_CE_CRL_REASONS => reason = Some(CrlReason::from_der(value).ok()?),
                    ID_CE_CERTIFICATE_ISSUER => {
                        if !indirect {
                            return None;
                        }
                        let names = GeneralNames::from_der(value).ok()?;
                        current_issuer = names.into_iter().find_map(|n| match n {
                            GeneralName::DirectoryName(name) => Some(name),
                            _ => None,
                        })?;
                    }
                    ID_CE_INVALIDITY_DATE | ID_CE_HOLD_INSTRUCTION_CODE => {}
                    _ if ext.critical => return None,
                    _ => {}
                }
            }
            crl.entries.push(Entry {
                serial: revoked.serial_number.as_bytes().to_vec(),
                issuer: current_issuer.clone(),
                reason,
                date: revoked.revocation_date.to_date_time(),
            });
        }
        Some(crl)
    }

    fn is_delta(&self) -> bool {
        self.delta_base.is_some()
    }

    fn current_at(&self, time: u64) -> bool {
        self.this_update <= time && self.next_update.is_some_and(|next| next >= time)
    }

    /// The entry for `serial` issued by `issuer`, if listed.
    fn entry(&self, serial: &[u8], issuer: &Name) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.serial == serial && certval::compare_names(&e.issuer, issuer))
    }
}

/// Strips leading zero octets of a big-endian unsigned integer, so that numbers compare by
/// (length, bytes).
fn unsigned(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default().to_vec()
}

fn number_le(a: &[u8], b: &[u8]) -> bool {
    (a.len(), a) <= (b.len(), b)
}

/// The status §6.3 reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CrlVerdict {
    /// Not revoked for any reason (all reasons covered).
    Good,
    /// Revoked (on hold included).
    Revoked {
        reason: Option<RevocationReason>,
        date: DateTime,
    },
    /// The CRLs at hand do not cover every reason for this certificate.
    Undetermined,
}

/// What §6.3.3 (f) and (g) need from the validator: keys that may have signed a CRL, and a
/// way to validate them.
pub(crate) trait CrlSigners {
    /// Keys whose holder is named `issuer`, most likely first: each with an identifier the
    /// validator understands.
    fn candidates(&self, issuer: &Name) -> Vec<(usize, SubjectPublicKeyInfoOwned)>;
    /// Verifies `crl`'s signature with `key` (charged to the budget).
    fn verifies(&self, crl: &Crl, key: &SubjectPublicKeyInfoOwned) -> bool;
    /// True when candidate `id` holds a valid certification path to the same trust anchor and
    /// may sign CRLs (cRLSign when keyUsage is present).
    fn acceptable(&self, id: usize) -> bool;
}

/// One distribution point of the certificate, with the names its relative name resolves
/// against.
struct Point {
    names: Option<Vec<GeneralName>>,
    reasons: Option<u16>,
    crl_issuers: Option<Vec<Name>>,
}

fn resolve(name: &DistributionPointName, base: &Name) -> Vec<GeneralName> {
    match name {
        DistributionPointName::FullName(names) => names.clone(),
        DistributionPointName::NameRelativeToCRLIssuer(rdn) => {
            vec![GeneralName::DirectoryName(append_rdn(base, rdn))]
        }
    }
}

fn append_rdn(base: &Name, rdn: &RelativeDistinguishedName) -> Name {
    let mut sequence: RdnSequence = base.clone().into();
    sequence.push(rdn.clone());
    Name::hazmat_from_rdn_sequence(sequence)
}

fn names_match(a: &GeneralName, b: &GeneralName) -> bool {
    match (a, b) {
        (GeneralName::DirectoryName(x), GeneralName::DirectoryName(y)) => {
            certval::compare_names(x, y)
        }
        _ => a == b,
    }
}

fn any_match(a: &[GeneralName], b: &[GeneralName]) -> bool {
    a.iter().any(|x| b.iter().any(|y| names_match(x, y)))
}

fn reason_bits(flags: &x509_cert::ext::pkix::crl::dp::ReasonFlags) -> u16 {
    flags.bits() & ALL_REASONS
}

fn points(certificate: &PathCertificate) -> Vec<Point> {
    let issuer = certificate.issuer();
    let tbs = certificate.decoded().tbs_certificate();
    let dps: Vec<DistributionPoint> = match tbs.get_extension::<CrlDistributionPoints>() {
        Ok(Some((_, dps))) => dps.0,
        _ => Vec::new(),
    };
    if dps.is_empty() {
        // No cRLDistributionPoints: the CRL is the issuer's, for all reasons.
        return vec![Point {
            names: None,
            reasons: None,
            crl_issuers: None,
        }];
    }
    dps.iter()
        .map(|dp| {
            let crl_issuers: Option<Vec<Name>> = dp.crl_issuer.as_ref().map(|names| {
                names
                    .iter()
                    .filter_map(|n| match n {
                        GeneralName::DirectoryName(name) => Some(name.clone()),
                        _ => None,
                    })
                    .collect()
            });
            let base = crl_issuers
                .as_ref()
                .and_then(|names| names.first())
                .unwrap_or(issuer);
            Point {
                names: dp.distribution_point.as_ref().map(|n| resolve(n, base)),
                reasons: dp.reasons.as_ref().map(reason_bits),
                crl_issuers,
            }
        })
        .collect()
}

fn is_ca(certificate: &PathCertificate) -> bool {
    matches!(
        certificate
            .decoded()
            .tbs_certificate()
            .get_extension::<BasicConstraints>(),
        Ok(Some((_, bc))) if bc.ca
    )
}

/// §6.3.3 (b): does `crl` cover `certificate` for distribution point `point`?
fn in_scope(crl: &Crl, certificate: &PathCertificate, point: &Point) -> bool {
    let idp = crl.idp.as_ref();
    // (b)(1) issuer: the cRLIssuer of the point (and an indirect CRL), or the certificate's
    // issuer.
    match &point.crl_issuers {
        Some(issuers) => {
            if !idp.is_some_and(|i| i.indirect_crl)
                || !issuers
                    .iter()
                    .any(|n| certval::compare_names(n, &crl.issuer))
            {
                return false;
            }
        }
        None => {
            if !certval::compare_names(&crl.issuer, certificate.issuer()) {
                return false;
            }
        }
    }
    let Some(idp) = idp else {
        return true;
    };
    // (b)(2)(i) distribution point names.
    if let Some(idp_name) = &idp.distribution_point {
        let idp_names = resolve(idp_name, &crl.issuer);
        let matched = match (&point.names, &point.crl_issuers) {
            (Some(names), _) => any_match(&idp_names, names),
            (None, Some(issuers)) => {
                let issuers: Vec<GeneralName> = issuers
                    .iter()
                    .cloned()
                    .map(GeneralName::DirectoryName)
                    .collect();
                any_match(&idp_names, &issuers)
            }
            (None, None) => false,
        };
        if !matched {
            return false;
        }
    }
    // (b)(2)(ii)–(iv) coverage.
    let ca = is_ca(certificate);
    !(idp.only_contains_user_certs && ca
        || idp.only_contains_ca_certs && !ca
        || idp.only_contains_attribute_certs)
}

/// §6.3.3 (c): the reasons `crl` covers for `point`.
fn interim_reasons(crl: &Crl, point: &Point) -> u16 {
    let from_idp = crl
        .idp
        .as_ref()
        .and_then(|idp| idp.only_some_reasons.as_ref())
        .map(reason_bits);
    match (from_idp, point.reasons) {
        (Some(a), Some(b)) => a & b,
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => ALL_REASONS,
    }
}

/// Whether `delta` may extend `complete` (§5.2.4, §6.3.3 (a)(2)).
fn extends(delta: &Crl, complete: &Crl) -> bool {
    let (Some(base), Some(number)) = (&delta.delta_base, &complete.number) else {
        return false;
    };
    certval::compare_names(&delta.issuer, &complete.issuer)
        && delta.idp == complete.idp
        && (delta.authority_key_id.is_none()
            || complete.authority_key_id.is_none()
            || delta.authority_key_id == complete.authority_key_id)
        && number_le(base, number)
        && delta.number.as_ref().is_none_or(|d| number_le(number, d))
}

/// The revocation status of `certificate` from `crls` at `time` (RFC 5280 §6.3.3).
pub(crate) fn status(
    certificate: &PathCertificate,
    crls: &[&Crl],
    time: u64,
    signers: &dyn CrlSigners,
) -> CrlVerdict {
    let serial = certificate.serial_number();
    let cert_issuer = certificate.issuer();
    let cert_has_freshest = certificate
        .decoded()
        .tbs_certificate()
        .extensions()
        .is_some_and(|exts| exts.iter().any(|e| e.extn_id == ID_CE_FRESHEST_CRL));
    let mut reasons_mask = 0u16;
    for point in points(certificate) {
        if reasons_mask == ALL_REASONS {
            break;
        }
        for complete in crls.iter().filter(|c| !c.is_delta()) {
            if reasons_mask == ALL_REASONS {
                break;
            }
            if complete.this_update > time || !in_scope(complete, certificate, &point) {
                continue;
            }
            let interim = interim_reasons(complete, &point);
            if interim & !reasons_mask == 0 {
                continue;
            }
            // (f), (g): a key that signed the CRL and is acceptable.
            let Some(key) = signer_of(complete, signers) else {
                continue;
            };
            // (a), (h): a current delta signed by the same key.
            let delta = crls
                .iter()
                .filter(|d| {
                    d.is_delta()
                        && d.current_at(time)
                        && extends(d, complete)
                        && in_scope(d, certificate, &point)
                        && signers.verifies(d, &key)
                })
                .max_by(|a, b| {
                    let (a, b) = (
                        a.number.as_deref().unwrap_or(&[]),
                        b.number.as_deref().unwrap_or(&[]),
                    );
                    (a.len(), a).cmp(&(b.len(), b))
                });
            let usable_delta = delta.filter(|_| complete.has_freshest || cert_has_freshest);
            if !complete.current_at(time) && usable_delta.is_none() {
                continue;
            }
            // (i), (j), (k).
            let listed = usable_delta
                .and_then(|d| d.entry(serial, cert_issuer))
                .or_else(|| complete.entry(serial, cert_issuer));
            if let Some(entry) = listed
                && entry.reason != Some(CrlReason::RemoveFromCRL)
            {
                return CrlVerdict::Revoked {
                    reason: entry.reason.map(RevocationReason::from),
                    date: entry.date,
                };
            }
            // (l)
            reasons_mask |= interim;
        }
    }
    if reasons_mask == ALL_REASONS {
        CrlVerdict::Good
    } else {
        CrlVerdict::Undetermined
    }
}

/// The acceptable key that verifies `crl`'s signature.
fn signer_of(crl: &Crl, signers: &dyn CrlSigners) -> Option<SubjectPublicKeyInfoOwned> {
    signers
        .candidates(&crl.issuer)
        .into_iter()
        .find(|(id, key)| signers.verifies(crl, key) && signers.acceptable(*id))
        .map(|(_, key)| key)
}

impl Crl {
    /// The signed bytes, the signature and its algorithm.
    pub(crate) fn signed_parts(
        &self,
    ) -> (
        &[u8],
        &der::asn1::BitString,
        &spki::AlgorithmIdentifierOwned,
    ) {
        (&self.tbs, &self.signature, &self.signature_algorithm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_as_unsigned_integers() {
        assert!(number_le(&unsigned(&[0, 1]), &unsigned(&[2])));
        assert!(number_le(&unsigned(&[0xff]), &unsigned(&[1, 0])));
        assert!(!number_le(&unsigned(&[1, 0]), &unsigned(&[0xff])));
        assert!(number_le(&unsigned(&[0, 0]), &unsigned(&[])));
    }

    #[test]
    fn garbage_is_not_a_crl() {
        assert!(Crl::parse(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_none());
    }
}
