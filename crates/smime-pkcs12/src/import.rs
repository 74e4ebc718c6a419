//! Import: opening a PFX with a password and collecting its keys, certificates, CRLs and
//! secrets.

use std::collections::HashMap;

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetStringRef, Utf8StringRef};
use der::{Decode, Encode, EncodingRules, Reader, SliceReader, Tag, Tagged};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::authenticated_safe::{
    ContentInfoRef, EncryptedDataRef, ID_DATA, ID_ENCRYPTED_DATA, ID_ENVELOPED_DATA,
};
use crate::ber;
use crate::error::{AlgorithmRole, Error, Limit, Location, WrongPasswordEvidence};
use crate::identity::{self, Pairing, PrivateKeyInfoRef};
use crate::limits::{Budget, Limits};
use crate::mac::{self, Integrity, MacCheck};
use crate::password::{Candidate, Password, PasswordVariant};
use crate::pbe::{self, EncryptionScheme, der_error};
use crate::pfx::{Pfx, auth_safe_content, decode_pfx};
use crate::safe_bag::{
    AttributeRef, CERT_BAG, CRL_BAG, CertBagRef, CrlBagRef, EncryptedPrivateKeyInfoRef,
    FRIENDLY_NAME, KEY_BAG, LOCAL_KEY_ID, PKCS8_SHROUDED_KEY_BAG, SAFE_CONTENTS_BAG, SECRET_BAG,
    SafeBagRef, SecretBagRef, X509_CERTIFICATE, X509_CRL,
};

/// Opens a PKCS#12 file (DER or BER) with `password`, under the default
/// [`Limits`](crate::Limits).
///
/// This is [`Pfx::parse`] followed by [`Pfx::decrypt`]; it never panics, whatever the input.
///
/// # Errors
/// [`Error::WrongPassword`] when the MAC does not verify (or, in a file without a MAC, when
/// decryption fails), [`Error::Corrupt`], [`Error::UnsupportedAlgorithm`],
/// [`Error::LimitExceeded`].
pub fn import(bytes: &[u8], password: Password<'_>) -> Result<Pkcs12, Error> {
    Pfx::parse(bytes)?.decrypt(password)
}

/// [`import`] under `limits`.
///
/// # Errors
/// As [`import`].
pub fn import_with_limits(
    bytes: &[u8],
    password: Password<'_>,
    limits: Limits,
) -> Result<Pkcs12, Error> {
    Pfx::parse_with_limits(bytes, limits)?.decrypt(password)
}

/// An attribute of a bag other than `friendlyName` and `localKeyId`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherAttribute {
    /// The attribute type.
    pub oid: ObjectIdentifier,
    /// The DER encoding of each value.
    pub values: Vec<Vec<u8>>,
}

/// The attributes of a bag (RFC 7292 §4.2 `bagAttributes`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BagAttributes {
    /// PKCS#9 `friendlyName`: a BMPString, decoded as UTF-16 (surrogate pairs as OpenSSL
    /// writes them; an unpaired surrogate becomes U+FFFD; a trailing NUL terminator is
    /// dropped). A UTF8String is accepted too.
    pub friendly_name: Option<String>,
    /// PKCS#9 `localKeyId`.
    pub local_key_id: Option<Vec<u8>>,
    /// Every other attribute, in file order.
    pub other: Vec<OtherAttribute>,
}

/// A private key from a `keyBag` or `pkcs8ShroudedKeyBag`.
#[derive(Clone)]
pub struct KeyEntry {
    /// Unencrypted PKCS#8 `PrivateKeyInfo` (DER; re-encoded from BER when needed).
    pkcs8: Zeroizing<Vec<u8>>,
    /// The PKCS#8 algorithm OID.
    algorithm: ObjectIdentifier,
    /// The bag's attributes.
    attributes: BagAttributes,
    /// How the key was encrypted in the file (the shroud, else the safe contents'
    /// encryption); `None` if it was not.
    encryption: Option<EncryptionScheme>,
    /// Index of the paired certificate in [`Pkcs12::certificates`].
    pub(crate) certificate: Option<usize>,
    /// How it was paired.
    pub(crate) pairing: Option<Pairing>,
    /// The `subjectPublicKey` its certificate would carry, when the key shows it.
    pub(crate) expected_subject_public_key: Option<Vec<u8>>,
}

impl core::fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyEntry")
            .field("pkcs8", &"<redacted>")
            .field("algorithm", &self.algorithm)
            .field("attributes", &self.attributes)
            .field("encryption", &self.encryption)
            .field("certificate", &self.certificate)
            .field("pairing", &self.pairing)
            .finish()
    }
}

impl KeyEntry {
    /// The key as unencrypted PKCS#8 `PrivateKeyInfo` DER (zeroized when the entry is
    /// dropped). Load it with `smime_crypto::CryptoProvider::private_key_from_pkcs8`.
    #[must_use]
    pub fn pkcs8_der(&self) -> &Zeroizing<Vec<u8>> {
        &self.pkcs8
    }

    /// The key algorithm (`rsaEncryption`, `id-ecPublicKey`, …).
    #[must_use]
    pub fn algorithm(&self) -> ObjectIdentifier {
        self.algorithm
    }

    /// The `friendlyName` attribute.
    #[must_use]
    pub fn friendly_name(&self) -> Option<&str> {
        self.attributes.friendly_name.as_deref()
    }

    /// The `localKeyId` attribute.
    #[must_use]
    pub fn local_key_id(&self) -> Option<&[u8]> {
        self.attributes.local_key_id.as_deref()
    }

    /// All the bag's attributes.
    #[must_use]
    pub fn attributes(&self) -> &BagAttributes {
        &self.attributes
    }

    /// How the key was encrypted in the file; `None` if it was stored in the clear.
    #[must_use]
    pub fn encryption(&self) -> Option<EncryptionScheme> {
        self.encryption
    }

    /// Index of its certificate in [`Pkcs12::certificates`], if one was paired with it.
    #[must_use]
    pub fn certificate_index(&self) -> Option<usize> {
        self.certificate
    }

    /// How the certificate was paired with it.
    #[must_use]
    pub fn pairing(&self) -> Option<Pairing> {
        self.pairing
    }
}

/// A certificate from a `certBag`.
#[derive(Clone, Debug)]
pub struct CertEntry {
    /// The decoded certificate (`None` when `x509-cert` cannot decode it).
    certificate: Option<Certificate>,
    /// Its DER encoding as found in the file.
    der: Vec<u8>,
    /// The bag's attributes.
    attributes: BagAttributes,
    /// How the certificate was encrypted in the file.
    encryption: Option<EncryptionScheme>,
    /// Index of the paired key in [`Pkcs12::keys`].
    pub(crate) key: Option<usize>,
    /// DER of the subject name.
    pub(crate) subject_der: Vec<u8>,
    /// DER of the issuer name.
    pub(crate) issuer_der: Vec<u8>,
    /// `subjectPublicKey`, normalised by [`identity::subject_public_key`].
    pub(crate) subject_public_key: Vec<u8>,
}

impl CertEntry {
    /// The decoded certificate, or `None` for the rare valid certificate that `x509-cert`
    /// cannot represent (a UTCTime before 1970, such as NIST PKITS test 4.2.3's); such a
    /// certificate is still returned as [`CertEntry::der`], paired with its key and placed in
    /// chains.
    #[must_use]
    pub fn certificate(&self) -> Option<&Certificate> {
        self.certificate.as_ref()
    }

    /// The certificate's DER encoding, byte for byte as in the file.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The `friendlyName` attribute.
    #[must_use]
    pub fn friendly_name(&self) -> Option<&str> {
        self.attributes.friendly_name.as_deref()
    }

    /// The `localKeyId` attribute.
    #[must_use]
    pub fn local_key_id(&self) -> Option<&[u8]> {
        self.attributes.local_key_id.as_deref()
    }

    /// All the bag's attributes.
    #[must_use]
    pub fn attributes(&self) -> &BagAttributes {
        &self.attributes
    }

    /// How the certificate was encrypted in the file; `None` if it was stored in the clear.
    #[must_use]
    pub fn encryption(&self) -> Option<EncryptionScheme> {
        self.encryption
    }

    /// Index of its private key in [`Pkcs12::keys`], if the file holds it.
    #[must_use]
    pub fn key_index(&self) -> Option<usize> {
        self.key
    }

    /// Whether subject and issuer are the same name (a root, or a self-issued certificate).
    pub(crate) fn is_self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }
}

/// A CRL from a `crlBag` (`x509CRL`), not decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlEntry {
    /// The DER CRL.
    pub der: Vec<u8>,
    /// The bag's attributes.
    pub attributes: BagAttributes,
}

/// A `secretBag`.
#[derive(Clone)]
pub struct SecretEntry {
    /// The secret's type.
    pub secret_type: ObjectIdentifier,
    /// The DER encoding of the secret value (zeroized on drop).
    pub value_der: Zeroizing<Vec<u8>>,
    /// The bag's attributes.
    pub attributes: BagAttributes,
}

impl core::fmt::Debug for SecretEntry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SecretEntry")
            .field("secret_type", &self.secret_type)
            .field("value_der", &"<redacted>")
            .field("attributes", &self.attributes)
            .finish()
    }
}

/// A key with its certificate and the certificate's issuer chain, as found in the file.
#[derive(Clone, Debug)]
pub struct Identity<'a> {
    /// The private key.
    pub key: &'a KeyEntry,
    /// Its certificate, if the file holds it and it could be paired.
    pub certificate: Option<&'a CertEntry>,
    /// How they were paired.
    pub pairing: Option<Pairing>,
    /// The certificate's issuers found in the file, issuer first (see [`Pkcs12::chain`]).
    pub chain: Vec<&'a CertEntry>,
}

/// The contents of an opened PKCS#12 file.
#[derive(Clone, Debug)]
pub struct Pkcs12 {
    /// Keys, in file order.
    keys: Vec<KeyEntry>,
    /// Certificates, in file order.
    certificates: Vec<CertEntry>,
    /// CRLs, in file order.
    crls: Vec<CrlEntry>,
    /// Secrets, in file order.
    secrets: Vec<SecretEntry>,
    /// Bags of a type this crate does not read (e.g. SDSI certificates), by bag or cert type.
    skipped_bags: Vec<ObjectIdentifier>,
    /// How the file's integrity was protected.
    integrity: Integrity,
    /// Which encoding of the password opened it.
    password_variant: PasswordVariant,
}

impl Pkcs12 {
    /// The private keys, in file order.
    #[must_use]
    pub fn keys(&self) -> &[KeyEntry] {
        &self.keys
    }

    /// All certificates, in file order.
    #[must_use]
    pub fn certificates(&self) -> &[CertEntry] {
        &self.certificates
    }

    /// The CRLs.
    #[must_use]
    pub fn crls(&self) -> &[CrlEntry] {
        &self.crls
    }

    /// The secrets (`secretBag`s).
    #[must_use]
    pub fn secrets(&self) -> &[SecretEntry] {
        &self.secrets
    }

    /// The types of the bags (and certificate or CRL types) that were skipped because this
    /// crate does not read them.
    #[must_use]
    pub fn skipped_bags(&self) -> &[ObjectIdentifier] {
        &self.skipped_bags
    }

    /// How the file's integrity was protected (already verified).
    #[must_use]
    pub fn integrity(&self) -> Integrity {
        self.integrity
    }

    /// Which encoding of the password opened the file.
    #[must_use]
    pub fn password_variant(&self) -> PasswordVariant {
        self.password_variant
    }

    /// One identity per key, in file order, each with its certificate and chain.
    #[must_use]
    pub fn identities(&self) -> Vec<Identity<'_>> {
        let by_subject = self.certificates_by_subject();
        self.keys
            .iter()
            .map(|key| Identity {
                key,
                certificate: key.certificate.and_then(|i| self.certificates.get(i)),
                pairing: key.pairing,
                chain: key
                    .certificate
                    .map(|leaf| self.chain_indices(&by_subject, leaf))
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// The first key's identity: what a file with one key and its certificate holds.
    #[must_use]
    pub fn identity(&self) -> Option<Identity<'_>> {
        self.identities().into_iter().next()
    }

    /// The certificates that belong to no key of the file (OpenSSL's "CA certificates"), in
    /// file order.
    pub fn ca_certificates(&self) -> impl Iterator<Item = &CertEntry> {
        self.certificates.iter().filter(|c| c.key.is_none())
    }

    /// The issuer chain of `certificate` (an index into [`Pkcs12::certificates`]) found in the
    /// file: issuer first, up to the root or the last issuer present, at most
    /// [`MAX_CHAIN_LEN`](crate::identity::MAX_CHAIN_LEN) certificates. Certificates are
    /// linked by exact subject/issuer name match.
    #[must_use]
    pub fn chain(&self, certificate: usize) -> Vec<&CertEntry> {
        self.chain_indices(&self.certificates_by_subject(), certificate)
    }

    /// Certificates indexed by encoded subject name.
    fn certificates_by_subject(&self) -> HashMap<&[u8], Vec<usize>> {
        let mut by_subject: HashMap<&[u8], Vec<usize>> = HashMap::new();
        for (index, cert) in self.certificates.iter().enumerate() {
            by_subject
                .entry(cert.subject_der.as_slice())
                .or_default()
                .push(index);
        }
        by_subject
    }

    /// [`Pkcs12::chain`] with a prepared index.
    fn chain_indices(
        &self,
        by_subject: &HashMap<&[u8], Vec<usize>>,
        leaf: usize,
    ) -> Vec<&CertEntry> {
        identity::chain(&self.certificates, by_subject, leaf)
            .into_iter()
            .filter_map(|i| self.certificates.get(i))
            .collect()
    }
}

impl Pfx {
    /// Verifies the MAC with `password` and decrypts everything.
    ///
    /// The password is tried in the encodings of [`PasswordVariant`] (absent ⇄ empty, and
    /// OpenSSL 1.0's encoding of non-ASCII passwords), each charged to the iteration budget.
    ///
    /// # Errors
    /// As [`import`](crate::import()).
    pub fn decrypt(&self, password: Password<'_>) -> Result<Pkcs12, Error> {
        let at = Location::pfx();
        let pfx = decode_pfx(&self.der, &at)?;
        let auth_at = at.child("authSafe");
        let content = auth_safe_content(&pfx, &auth_at)?;
        let mut importer = Importer {
            budget: Budget::new(self.limits),
            candidates: password.candidates(),
            chosen: None,
            mac_verified: false,
            keys: Vec::new(),
            certificates: Vec::new(),
            crls: Vec::new(),
            secrets: Vec::new(),
            skipped_bags: Vec::new(),
        };
        let integrity = match pfx.mac_data {
            None => Integrity::None,
            Some(mac_data) => {
                let mac_at = at.child("macData");
                let check = mac::parse(&mac_data, &mac_at)?;
                importer.verify_mac(&check, content, &mac_at)?;
                check.integrity
            }
        };
        importer.authenticated_safe(content, &auth_at)?;
        Ok(importer.finish(integrity))
    }
}

/// The state of one import.
struct Importer<'p> {
    /// Iteration and bag budget.
    budget: Budget,
    /// The password encodings to try.
    candidates: Vec<Candidate<'p>>,
    /// Index of the candidate that opened the MAC or the first encrypted part.
    chosen: Option<usize>,
    /// Whether a MAC was verified (then a decryption failure is corruption, not a wrong
    /// password).
    mac_verified: bool,
    /// Keys found.
    keys: Vec<KeyEntry>,
    /// Certificates found.
    certificates: Vec<CertEntry>,
    /// CRLs found.
    crls: Vec<CrlEntry>,
    /// Secrets found.
    secrets: Vec<SecretEntry>,
    /// Bag types skipped.
    skipped_bags: Vec<ObjectIdentifier>,
}

/// The raw TLV bytes of the elements of the SEQUENCE (OF) encoded in `der`.
fn sequence_elements<'a>(der: &'a [u8], at: &Location, what: &str) -> Result<Vec<&'a [u8]>, Error> {
    let outer = AnyRef::from_ber(der).map_err(der_error(at, what))?;
    if outer.tag() != Tag::Sequence {
        return Err(Error::corrupt(
            at,
            format!("{what} is a {}, not a SEQUENCE", outer.tag()),
        ));
    }
    let mut reader = SliceReader::new_with_encoding_rules(outer.value(), EncodingRules::Ber)
        .map_err(der_error(at, what))?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        out.push(reader.tlv_bytes().map_err(der_error(at, what))?);
    }
    Ok(out)
}

/// Decodes the value of a bag as `T` (BER rules).
fn decode_value<'a, T>(value: AnyRef<'a>, at: &Location, what: &str) -> Result<T, Error>
where
    T: der::Choice<'a> + der::DecodeValue<'a, Error = der::Error>,
{
    value
        .decode_as_encoding(EncodingRules::Ber)
        .map_err(der_error(at, what))
}

/// Decodes a BMPString as UTF-16BE; unpaired surrogates become U+FFFD, and a trailing NUL
/// terminator (which some Windows exporters write) is dropped.
fn decode_bmp(bytes: &[u8]) -> String {
    let units = bytes.chunks_exact(2).map(|pair| {
        u16::from_be_bytes([
            pair.first().copied().unwrap_or(0),
            pair.get(1).copied().unwrap_or(0),
        ])
    });
    let mut text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    while text.ends_with('\0') {
        text.pop();
    }
    text
}

/// Reads the attributes of a bag. A `friendlyName` or `localKeyId` whose value is not of the
/// type PKCS#9 gives it is kept in [`BagAttributes::other`] rather than failing the import.
fn attributes(
    set: Option<&der::asn1::SetOfVec<AttributeRef<'_>>>,
    at: &Location,
) -> Result<BagAttributes, Error> {
    let mut out = BagAttributes::default();
    for attribute in set.into_iter().flat_map(|s| s.iter()) {
        let first = attribute.attr_values.iter().next();
        let understood = match (attribute.attr_id, first) {
            (FRIENDLY_NAME, Some(value)) if out.friendly_name.is_none() => {
                out.friendly_name = match value.tag() {
                    Tag::BmpString => Some(decode_bmp(value.value())),
                    Tag::Utf8String => value
                        .decode_as::<Utf8StringRef<'_>>()
                        .ok()
                        .map(|s| s.as_str().to_owned()),
                    _ => None,
                };
                out.friendly_name.is_some()
            }
            (LOCAL_KEY_ID, Some(value)) if out.local_key_id.is_none() => {
                out.local_key_id = value
                    .decode_as::<&OctetStringRef>()
                    .ok()
                    .map(|id| id.as_bytes().to_vec());
                out.local_key_id.is_some()
            }
            _ => false,
        };
        if !understood {
            let values = attribute
                .attr_values
                .iter()
                .map(|v| v.to_der())
                .collect::<Result<Vec<_>, _>>()
                .map_err(der_error(at, "attribute value"))?;
            out.other.push(OtherAttribute {
                oid: attribute.attr_id,
                values,
            });
        }
    }
    Ok(out)
}

impl Importer<'_> {
    /// Verifies the MAC with each password encoding in turn and keeps the first that works.
    fn verify_mac(
        &mut self,
        check: &MacCheck<'_>,
        content: &[u8],
        at: &Location,
    ) -> Result<(), Error> {
        for (index, candidate) in self.candidates.iter().enumerate() {
            match check.verify(candidate, content, &mut self.budget, at) {
                Ok(()) => {
                    self.chosen = Some(index);
                    self.mac_verified = true;
                    return Ok(());
                }
                Err(e) if e.is_wrong_password() => {}
                Err(e) => return Err(e),
            }
        }
        Err(Error::wrong_password(
            at,
            WrongPasswordEvidence::MacMismatch,
        ))
    }

    /// Decrypts `ciphertext`, trying the chosen password encoding or, before one is chosen,
    /// each in turn; `valid` says whether a plaintext has the expected structure.
    fn decrypt(
        &mut self,
        alg: &spki::AlgorithmIdentifierRef<'_>,
        ciphertext: &[u8],
        at: &Location,
        valid: impl Fn(&[u8]) -> bool,
    ) -> Result<(Zeroizing<Vec<u8>>, EncryptionScheme), Error> {
        let scheme = pbe::parse_scheme(alg, at)?;
        let order: Vec<usize> = match self.chosen {
            Some(index) => vec![index],
            None => (0..self.candidates.len()).collect(),
        };
        let mut last = Error::wrong_password(at, WrongPasswordEvidence::BadPadding);
        for index in order {
            let Some(candidate) = self.candidates.get(index) else {
                continue;
            };
            match scheme.decrypt(candidate, ciphertext, &mut self.budget, at) {
                Ok(plaintext) if valid(&plaintext) => {
                    self.chosen = Some(index);
                    return Ok((plaintext, scheme.description));
                }
                Ok(_) if self.mac_verified => {
                    return Err(Error::corrupt(
                        at,
                        "decrypted data (valid padding, password verified by the MAC) is not valid ASN.1",
                    ));
                }
                Ok(_) => {
                    last = Error::wrong_password(at, WrongPasswordEvidence::UndecodablePlaintext);
                }
                Err(e) if e.is_wrong_password() => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// Reads the `AuthenticatedSafe` (the contents of the authSafe OCTET STRING).
    fn authenticated_safe(&mut self, content: &[u8], at: &Location) -> Result<(), Error> {
        let depth = self.budget.limits.max_asn1_depth;
        let der = ber::to_der(content, depth, at)?;
        for (index, element) in sequence_elements(&der, at, "AuthenticatedSafe")?
            .into_iter()
            .enumerate()
        {
            let item_at = at.child(format_args!("contentInfo[{index}]"));
            let info =
                ContentInfoRef::from_ber(element).map_err(der_error(&item_at, "ContentInfo"))?;
            let content = info.content.ok_or_else(|| {
                let kind = match info.content_type {
                    ID_DATA => "data".to_owned(),
                    ID_ENCRYPTED_DATA => "encryptedData".to_owned(),
                    other => other.to_string(),
                };
                Error::corrupt(&item_at, format!("{kind} ContentInfo without content"))
            })?;
            match info.content_type {
                ID_DATA => {
                    let octets: &OctetStringRef = decode_value(content, &item_at, "data")?;
                    self.safe_contents(octets.as_bytes(), &item_at, 0, None)?;
                }
                ID_ENCRYPTED_DATA => {
                    let encrypted: EncryptedDataRef<'_> =
                        decode_value(content, &item_at, "EncryptedData")?;
                    let eci = encrypted.encrypted_content_info;
                    let ciphertext = eci
                        .encrypted_content()
                        .map_err(der_error(&item_at, "encryptedContent"))?
                        .ok_or_else(|| Error::corrupt(&item_at, "EncryptedData without content"))?;
                    let (plaintext, scheme) = self.decrypt(
                        &eci.content_encryption_algorithm,
                        &ciphertext,
                        &item_at,
                        |plain| {
                            ber::to_der(plain, depth, &item_at)
                                .is_ok_and(|d| d.first() == Some(&0x30))
                        },
                    )?;
                    self.safe_contents(&plaintext, &item_at, 0, Some(scheme))?;
                }
                ID_ENVELOPED_DATA => {
                    // Public-key privacy mode (RFC 7292 §3.1).
                    return Err(Error::unsupported(
                        &item_at,
                        AlgorithmRole::ContentType,
                        ID_ENVELOPED_DATA,
                    ));
                }
                other => {
                    return Err(Error::unsupported(
                        &item_at,
                        AlgorithmRole::ContentType,
                        other,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Reads one `SafeContents`; `encryption` is how it was encrypted.
    fn safe_contents(
        &mut self,
        bytes: &[u8],
        at: &Location,
        nesting: usize,
        encryption: Option<EncryptionScheme>,
    ) -> Result<(), Error> {
        let der = ber::to_der(bytes, self.budget.limits.max_asn1_depth, at)?;
        for (index, element) in sequence_elements(&der, at, "SafeContents")?
            .into_iter()
            .enumerate()
        {
            let bag_at = at.child(format_args!("safeBag[{index}]"));
            self.budget.count_bag(&bag_at)?;
            let bag = SafeBagRef::from_ber(element).map_err(der_error(&bag_at, "SafeBag"))?;
            self.safe_bag(&bag, &bag_at, nesting, encryption)?;
        }
        Ok(())
    }

    /// Reads one `SafeBag`.
    fn safe_bag(
        &mut self,
        bag: &SafeBagRef<'_>,
        at: &Location,
        nesting: usize,
        encryption: Option<EncryptionScheme>,
    ) -> Result<(), Error> {
        let depth = self.budget.limits.max_asn1_depth;
        match bag.bag_id {
            KEY_BAG => {
                let at = at.child("keyBag");
                let attributes = attributes(bag.bag_attributes.as_ref(), &at)?;
                let tlv = Zeroizing::new(bag.bag_value.to_der().map_err(der_error(&at, "keyBag"))?);
                let pkcs8 = Zeroizing::new(ber::to_der(&tlv, depth, &at)?.to_vec());
                self.push_key(pkcs8, attributes, encryption, &at)?;
            }
            PKCS8_SHROUDED_KEY_BAG => {
                let at = at.child("pkcs8ShroudedKeyBag");
                let attributes = attributes(bag.bag_attributes.as_ref(), &at)?;
                let epki: EncryptedPrivateKeyInfoRef<'_> =
                    decode_value(bag.bag_value, &at, "EncryptedPrivateKeyInfo")?;
                let (plaintext, scheme) = self.decrypt(
                    &epki.encryption_algorithm,
                    epki.encrypted_data.as_bytes(),
                    &at,
                    |plain| {
                        ber::to_der(plain, depth, &at)
                            .is_ok_and(|d| PrivateKeyInfoRef::from_der(&d).is_ok())
                    },
                )?;
                let pkcs8 = Zeroizing::new(ber::to_der(&plaintext, depth, &at)?.to_vec());
                self.push_key(pkcs8, attributes, Some(scheme), &at)?;
            }
            CERT_BAG => {
                let at = at.child("certBag");
                let attributes = attributes(bag.bag_attributes.as_ref(), &at)?;
                let cert_bag: CertBagRef<'_> = decode_value(bag.bag_value, &at, "CertBag")?;
                if cert_bag.cert_id != X509_CERTIFICATE {
                    self.skipped_bags.push(cert_bag.cert_id);
                    return Ok(());
                }
                let octets: &OctetStringRef = decode_value(cert_bag.cert_value, &at, "certValue")?;
                let der = octets.as_bytes().to_vec();
                let facts =
                    identity::certificate_facts(&der).map_err(der_error(&at, "certificate"))?;
                self.certificates.push(CertEntry {
                    certificate: Certificate::from_der(&der).ok(),
                    der,
                    attributes,
                    encryption,
                    key: None,
                    subject_der: facts.subject,
                    issuer_der: facts.issuer,
                    subject_public_key: facts.subject_public_key,
                });
            }
            CRL_BAG => {
                let at = at.child("crlBag");
                let attributes = attributes(bag.bag_attributes.as_ref(), &at)?;
                let crl_bag: CrlBagRef<'_> = decode_value(bag.bag_value, &at, "CRLBag")?;
                if crl_bag.crl_id != X509_CRL {
                    self.skipped_bags.push(crl_bag.crl_id);
                    return Ok(());
                }
                let octets: &OctetStringRef = decode_value(crl_bag.crl_value, &at, "crlValue")?;
                self.crls.push(CrlEntry {
                    der: octets.as_bytes().to_vec(),
                    attributes,
                });
            }
            SECRET_BAG => {
                let at = at.child("secretBag");
                let attributes = attributes(bag.bag_attributes.as_ref(), &at)?;
                let secret: SecretBagRef<'_> = decode_value(bag.bag_value, &at, "SecretBag")?;
                let value_der = Zeroizing::new(
                    secret
                        .secret_value
                        .to_der()
                        .map_err(der_error(&at, "secretValue"))?,
                );
                self.secrets.push(SecretEntry {
                    secret_type: secret.secret_type_id,
                    value_der,
                    attributes,
                });
            }
            SAFE_CONTENTS_BAG => {
                let at = at.child("safeContentsBag");
                let max = self.budget.limits.max_safe_contents_nesting;
                if nesting >= max {
                    return Err(Error::limit(
                        &at,
                        Limit::SafeContentsNesting,
                        nesting as u64 + 1,
                        max as u64,
                    ));
                }
                let inner = Zeroizing::new(
                    bag.bag_value
                        .to_der()
                        .map_err(der_error(&at, "safeContentsBag"))?,
                );
                self.safe_contents(&inner, &at, nesting + 1, encryption)?;
            }
            other => self.skipped_bags.push(other),
        }
        Ok(())
    }

    /// Checks a decrypted or plain PKCS#8 key and records it.
    fn push_key(
        &mut self,
        pkcs8: Zeroizing<Vec<u8>>,
        attributes: BagAttributes,
        encryption: Option<EncryptionScheme>,
        at: &Location,
    ) -> Result<(), Error> {
        let algorithm = PrivateKeyInfoRef::from_der(&pkcs8)
            .map_err(der_error(at, "PrivateKeyInfo"))?
            .algorithm
            .oid;
        let expected_subject_public_key = identity::expected_subject_public_key(&pkcs8);
        self.keys.push(KeyEntry {
            pkcs8,
            algorithm,
            attributes,
            encryption,
            certificate: None,
            pairing: None,
            expected_subject_public_key,
        });
        Ok(())
    }

    /// Pairs keys with certificates and returns the result.
    fn finish(mut self, integrity: Integrity) -> Pkcs12 {
        identity::pair(&mut self.keys, &mut self.certificates);
        let password_variant = self
            .chosen
            .and_then(|index| self.candidates.get(index))
            .map_or(PasswordVariant::NotNeeded, |c| c.variant);
        Pkcs12 {
            keys: self.keys,
            certificates: self.certificates,
            crls: self.crls,
            secrets: self.secrets,
            skipped_bags: self.skipped_bags,
            integrity,
            password_variant,
        }
    }
}
