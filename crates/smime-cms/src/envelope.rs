//! Encryption and decryption: [`EnvelopeBuilder`] makes an AuthEnvelopedData (AES-GCM, the
//! default) or an EnvelopedData (AES-CBC, on request); [`decrypt`] opens either, and says
//! what protected the content ([`Decrypted`]).
//!
//! # Choosing the algorithms
//!
//! The content cipher is AES-256-GCM unless the caller chooses one or the recipients'
//! SMIMECapabilities (given with [`RecipientBuilder::capabilities`], or read from the
//! certificate's extension) rule it out: then the first of AES-256-GCM, AES-128-GCM,
//! AES-192-GCM, AES-256-CBC, AES-128-CBC, AES-192-CBC that every such recipient announces.
//! RFC 8551 §2.7.1.1 says to follow the recipient's own order; we prefer authenticated
//! encryption whenever every recipient reads it, because of EFAIL. Each recipient's key
//! management follows its certificate: RSA (2048 bits or more) → key transport, PKCS #1 v1.5
//! unless OAEP is asked for or announced; P-256/P-384 → ECDH with the X9.63 KDF over SHA-256
//! or SHA-384 and an AES key wrap as strong as the content cipher.
//!
//! # Many messages to the same recipients
//!
//! [`RecipientBuilder::certificate`] parses and checks the certificate for every message. A
//! caller that encrypts many messages to the same people (a mail gateway, a batch job)
//! makes a [`PreparedRecipient`] once per recipient — the key parsed, keyUsage checked,
//! capabilities read, the recipient identifier and key-encryption algorithm encoded — and
//! adds it with [`EnvelopeBuilder::add_prepared_recipient`]: each message then pays only
//! its own key transport or key agreement and content encryption.
//!
//! # Finding the RecipientInfo
//!
//! [`DecryptOptions::private_key`] names the RecipientInfo by the certificate
//! (issuerAndSerialNumber or subjectKeyIdentifier); [`DecryptOptions::try_all_recipients`]
//! or [`DecryptOptions::private_key_without_certificate`] open every RecipientInfo the key
//! fits, as OpenSSL does without a certificate. A KEK is found by its key identifier, a
//! password opens every PasswordRecipientInfo.
//!
//! # Security
//!
//! - **RSA PKCS #1 v1.5 never says why it failed.** Its decryption uses implicit rejection
//!   (see [`crate::recipient::ktri`]): a bad padding yields a key anyway, and
//!   the failure shows only as [`Error::ContentAuthenticationFailed`] or
//!   [`Error::ContentDecryptionFailed`] — the same errors a damaged content gives. When
//!   several RecipientInfos are tried, every one the key fits is decrypted (one private-key
//!   operation each), and the content is tried with the keys in order: verified keys
//!   (OAEP, key wrap, password) first, then the PKCS #1 v1.5 ones. Whether a padding was
//!   valid changes neither the work nor the outcome (the CVE-2019-1563 setup).
//! - **No plaintext before the tag.** AES-GCM content is released only after its tag
//!   verifies over the ciphertext and the authenticated attributes; the tag's length must be
//!   the one the parameters announce, and the nonce 12 bytes.
//! - **CBC is reported as unauthenticated** ([`Decrypted::is_authenticated`]): a CBC
//!   ciphertext can be changed without the recipient noticing (EFAIL). When several PKCS #1
//!   v1.5 keys are candidates for CBC content, all of them are tried and more than one
//!   success is [`Error::AmbiguousRecipients`] rather than a guess.
//! - **Budgets** (see [`budget`](crate::budget)): recipients per message, content size,
//!   PBKDF2 iterations and content decryption work per call.

use std::borrow::Cow;
use std::sync::Arc;

use cms::enveloped_data::RecipientInfo;
use const_oid::ObjectIdentifier;
use der::{Any, Encode};
use smime_crypto::{CryptoProvider, PrivateKey, PublicKey};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use zeroize::Zeroizing;

use crate::attributes::{self, SmimeCapabilities};
use crate::auth_enveloped_data::{self, ID_AUTH_ENVELOPED_DATA};
use crate::ber::{self, Tlv};
use crate::budget::{MAX_CONTENT_LEN, MAX_DECRYPTION_WORK, MAX_RECIPIENTS};
use crate::content_encryption::{self, ContentEncryption, ContentParameters, EncryptedContentInfo};
use crate::content_info::{ContentInfo, ID_DATA};
use crate::enveloped_data::{self, ID_ENVELOPED_DATA};
use crate::error::Error;
use crate::recipient::{
    self, Credential, KeyCandidate, KeyManagement, PreparedRecipient, RecipientBuilder,
    RecipientIdentifier, RecipientPlan,
};
use crate::signer_info::decode_leaf;

/// Which structure an envelope is.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EnvelopeKind {
    /// EnvelopedData (RFC 5652 §6): content encryption without authentication.
    EnvelopedData,
    /// AuthEnvelopedData (RFC 5083): authenticated content encryption.
    AuthEnvelopedData,
}

/// A parsed EnvelopedData or AuthEnvelopedData (DER or BER), borrowing the input.
#[derive(Clone, Debug)]
pub struct Envelope<'a> {
    pub(crate) kind: EnvelopeKind,
    pub(crate) version: u8,
    pub(crate) originator_info: bool,
    pub(crate) recipient_infos: Vec<RecipientInfo>,
    pub(crate) encrypted_content: EncryptedContentInfo<'a>,
    pub(crate) auth_attributes: Vec<Attribute>,
    /// The DER SET OF authenticated attributes: the AEAD's additional data.
    pub(crate) aad: Option<Vec<u8>>,
    pub(crate) mac: Option<Cow<'a, [u8]>>,
    pub(crate) unprotected_attributes: Vec<Attribute>,
}

impl<'a> Envelope<'a> {
    /// Parses a `ContentInfo` holding an EnvelopedData or an AuthEnvelopedData, in DER or
    /// BER (indefinite lengths, chunked encrypted content, as `openssl cms -stream` writes).
    pub fn parse(input: &'a [u8]) -> Result<Self, Error> {
        let info = ContentInfo::parse(input)?;
        match info.content_type() {
            ID_ENVELOPED_DATA => enveloped_data::parse(info.content_tlv()),
            ID_AUTH_ENVELOPED_DATA => auth_enveloped_data::parse(info.content_tlv()),
            found => Err(Error::UnexpectedContentType {
                expected: ID_ENVELOPED_DATA,
                found,
            }),
        }
    }

    /// EnvelopedData or AuthEnvelopedData.
    pub fn kind(&self) -> EnvelopeKind {
        self.kind
    }

    /// The structure's version.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Whether the message carries originatorInfo (certificates of the originator; not
    /// used here).
    pub fn has_originator_info(&self) -> bool {
        self.originator_info
    }

    /// Who the message is encrypted to: one entry per KeyTransRecipientInfo,
    /// KEKRecipientInfo, PasswordRecipientInfo and OtherRecipientInfo, and one per
    /// RecipientEncryptedKey of a KeyAgreeRecipientInfo, in order.
    pub fn recipients(&self) -> Vec<RecipientIdentifier> {
        recipient::identifiers(&self.recipient_infos)
    }

    /// The number of RecipientInfos.
    pub fn recipient_info_count(&self) -> usize {
        self.recipient_infos.len()
    }

    /// The type of the encrypted content (id-data for a MIME entity).
    pub fn content_type(&self) -> ObjectIdentifier {
        self.encrypted_content.content_type
    }

    /// The content-encryption AlgorithmIdentifier, as written.
    pub fn content_encryption_algorithm(&self) -> &AlgorithmIdentifierOwned {
        &self.encrypted_content.algorithm
    }

    /// The content-encryption algorithm, when it is one we read (for a mail client to show
    /// before anything is decrypted).
    pub fn content_encryption(&self) -> Result<ContentEncryption, Error> {
        ContentParameters::read(
            &self.encrypted_content.algorithm,
            self.kind == EnvelopeKind::AuthEnvelopedData,
        )
        .map(|parameters| parameters.encryption())
    }

    /// The authenticated attributes (AuthEnvelopedData only; covered by the tag, but trust
    /// them only once [`decrypt`](Self::decrypt) succeeded).
    pub fn auth_attributes(&self) -> &[Attribute] {
        &self.auth_attributes
    }

    /// The unprotected (EnvelopedData) or unauthenticated (AuthEnvelopedData) attributes:
    /// anyone could have changed them.
    pub fn unprotected_attributes(&self) -> &[Attribute] {
        &self.unprotected_attributes
    }

    /// Decrypts the content with the credentials in `options`.
    pub fn decrypt(
        &self,
        options: &DecryptOptions<'_>,
        provider: &dyn CryptoProvider,
    ) -> Result<Decrypted, Error> {
        for (index, credential) in options.credentials.iter().enumerate() {
            if let Credential::PrivateKey {
                key,
                certificate: Some(certificate),
            } = credential
            {
                let certified =
                    PublicKey::from_spki(certificate.tbs_certificate().subject_public_key_info())
                        .ok();
                if certified.as_ref() != Some(key.public_key()) {
                    return Err(Error::CredentialKeyMismatch { credential: index });
                }
            }
        }
        let authenticated = self.kind == EnvelopeKind::AuthEnvelopedData;
        let parameters = ContentParameters::read(&self.encrypted_content.algorithm, authenticated)?;
        let ciphertext = self
            .encrypted_content
            .encrypted_content
            .as_deref()
            .ok_or(Error::NoEncryptedContent)?;
        let mac = match (&parameters, self.mac.as_deref()) {
            (ContentParameters::Aead { params, .. }, Some(mac)) => {
                if mac.len() != params.icv_len {
                    return Err(Error::InvalidContentEncryption {
                        reason: format!(
                            "the mac (AES-GCM tag) has {} bytes, the parameters say {}",
                            mac.len(),
                            params.icv_len
                        ),
                    });
                }
                Some(mac)
            }
            _ => None,
        };
        if authenticated {
            check_auth_attributes(&self.auth_attributes, self.encrypted_content.content_type)?;
        }
        let key_len = parameters.encryption().key_len();
        let candidates = recipient::key_candidates(
            &self.recipient_infos,
            &options.credentials,
            options.try_all,
            key_len,
            provider,
        )?;
        let aad = self.aad.as_deref().unwrap_or_default();
        let (content, candidate) =
            decrypt_content(&parameters, ciphertext, aad, mac, &candidates, provider)?;
        Ok(Decrypted {
            content,
            content_type: self.encrypted_content.content_type,
            kind: self.kind,
            content_encryption: parameters.encryption(),
            key_management: candidate.key_management.clone(),
            recipient_index: candidate.recipient,
            auth_attributes: self.auth_attributes.clone(),
            unprotected_attributes: self.unprotected_attributes.clone(),
        })
    }
}

/// RFC 5083 §2.1: authAttrs must be present, with a content-type attribute, when the content
/// is not id-data; a content-type attribute must name the content's type.
fn check_auth_attributes(
    auth_attributes: &[Attribute],
    content_type: ObjectIdentifier,
) -> Result<(), Error> {
    let mut declared = auth_attributes
        .iter()
        .filter(|attribute| attribute.oid == attributes::CONTENT_TYPE);
    match (declared.next(), declared.next()) {
        (None, _) if content_type == ID_DATA => Ok(()),
        (None, _) => Err(Error::InvalidAuthAttributes {
            reason: format!(
                "the content type is {content_type}, but no content-type attribute authenticates it"
            ),
        }),
        (Some(_), Some(_)) => Err(Error::InvalidAuthAttributes {
            reason: "the content-type attribute appears more than once".into(),
        }),
        (Some(attribute), None) => {
            let mut values = attribute.values.iter();
            let value = match (values.next(), values.next()) {
                (Some(value), None) => value,
                _ => {
                    return Err(Error::InvalidAuthAttributes {
                        reason: "the content-type attribute must have exactly one value".into(),
                    });
                }
            };
            let named: ObjectIdentifier =
                value
                    .decode_as()
                    .map_err(|e| Error::InvalidAuthAttributes {
                        reason: format!("content-type attribute: {e}"),
                    })?;
            if named == content_type {
                Ok(())
            } else {
                Err(Error::InvalidAuthAttributes {
                    reason: format!(
                        "the content-type attribute says {named}, the content is {content_type}"
                    ),
                })
            }
        }
    }
}

/// Tries the candidate keys on the content: verified keys first, then the PKCS #1 v1.5 ones,
/// in message order. Returns the plaintext and the key that opened it.
fn decrypt_content<'c>(
    parameters: &ContentParameters,
    ciphertext: &[u8],
    aad: &[u8],
    mac: Option<&[u8]>,
    candidates: &'c [KeyCandidate],
    provider: &dyn CryptoProvider,
) -> Result<(Vec<u8>, &'c KeyCandidate), Error> {
    let mut work = 0usize;
    let mut charge = || -> Result<(), Error> {
        work = work.saturating_add(ciphertext.len().max(1));
        if work > MAX_DECRYPTION_WORK {
            return Err(Error::BudgetExceeded {
                what: "octets of content decrypted in one call",
                limit: MAX_DECRYPTION_WORK,
            });
        }
        Ok(())
    };
    let verified = candidates.iter().filter(|c| c.verified);
    let unverified = candidates.iter().filter(|c| !c.verified);
    if let Some(tag) = mac {
        for candidate in verified.chain(unverified) {
            charge()?;
            match content_encryption::open_aead(
                provider,
                parameters,
                &candidate.key,
                aad,
                ciphertext,
                tag,
            ) {
                Ok(plaintext) => return Ok((plaintext, candidate)),
                Err(Error::ContentAuthenticationFailed) => {}
                Err(other) => return Err(other),
            }
        }
        return Err(Error::ContentAuthenticationFailed);
    }
    let mut verified = verified.peekable();
    if let Some(candidate) = verified.next() {
        charge()?;
        let mut plaintext =
            content_encryption::decrypt_cbc(provider, parameters, &candidate.key, ciphertext)?;
        return Ok((core::mem::take(&mut *plaintext), candidate));
    }
    // Only PKCS #1 v1.5 keys: any of them may be an implicit-rejection substitute, and a
    // wrong key passes the CBC padding check about once in 256. Try them all, and refuse
    // to guess between several successes.
    let mut found: Option<(Zeroizing<Vec<u8>>, &KeyCandidate)> = None;
    let mut successes = 0usize;
    for candidate in unverified {
        charge()?;
        match content_encryption::decrypt_cbc(provider, parameters, &candidate.key, ciphertext) {
            Ok(plaintext) => {
                successes = successes.saturating_add(1);
                if found.is_none() {
                    found = Some((plaintext, candidate));
                }
            }
            Err(Error::ContentDecryptionFailed) => {}
            Err(other) => return Err(other),
        }
    }
    match (successes, found) {
        (1, Some((mut plaintext, candidate))) => Ok((core::mem::take(&mut *plaintext), candidate)),
        (0, _) | (_, None) => Err(Error::ContentDecryptionFailed),
        (count, Some(_)) => Err(Error::AmbiguousRecipients { count }),
    }
}

/// Reads an attribute set (`[n] IMPLICIT SET OF Attribute`) into owned attributes.
pub(crate) fn read_attribute_set(
    set: Tlv<'_>,
    what: &'static str,
) -> Result<Vec<Attribute>, Error> {
    let raw = attributes::read_attributes(set, what)?;
    let mut out = Vec::with_capacity(raw.len());
    for attribute in &raw {
        let mut values = Vec::with_capacity(attribute.value_count());
        for value in attribute.values() {
            values.push(decode_leaf::<Any>(value, what)?);
        }
        out.push(Attribute {
            oid: attribute.oid,
            values: der::asn1::SetOfVec::try_from(values)
                .map_err(|e| Error::malformed_owned(what, set.offset, e.to_string()))?,
        });
    }
    Ok(out)
}

/// What the caller brings to open an envelope: private keys (with or without their
/// certificates), pre-shared keys, passwords.
///
/// ```
/// # fn example(certificate: &smime_cms::Certificate, key: &dyn smime_crypto::PrivateKey) {
/// // The usual case: the RecipientInfo that names this certificate is opened.
/// let options = smime_cms::DecryptOptions::new().private_key(certificate, key);
/// // A pre-shared key and a password as well.
/// let options = options.kek(b"key-2026", &[7; 32]).password(b"correct horse battery staple");
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct DecryptOptions<'a> {
    credentials: Vec<Credential<'a>>,
    try_all: bool,
}

impl<'a> DecryptOptions<'a> {
    /// No credentials yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A private key and its certificate: the RecipientInfos that name the certificate
    /// (issuerAndSerialNumber or subjectKeyIdentifier) are opened with the key. The key must
    /// belong to the certificate ([`Error::CredentialKeyMismatch`]).
    pub fn private_key(mut self, certificate: &'a Certificate, key: &'a dyn PrivateKey) -> Self {
        self.credentials.push(Credential::PrivateKey {
            key,
            certificate: Some(certificate),
        });
        self
    }

    /// A private key without its certificate: every RecipientInfo the key fits (key
    /// transport for RSA, key agreement on the same curve for EC) is opened with it.
    pub fn private_key_without_certificate(mut self, key: &'a dyn PrivateKey) -> Self {
        self.credentials.push(Credential::PrivateKey {
            key,
            certificate: None,
        });
        self
    }

    /// A pre-shared key-encryption key: the KEKRecipientInfos with this key identifier are
    /// opened with it.
    pub fn kek(mut self, key_identifier: &'a [u8], kek: &'a [u8]) -> Self {
        self.credentials.push(Credential::Kek {
            key_identifier,
            kek,
        });
        self
    }

    /// A password (its octets; UTF-8 as RFC 3211 senders use): every PasswordRecipientInfo
    /// is opened with it.
    pub fn password(mut self, password: &'a [u8]) -> Self {
        self.credentials.push(Credential::Password(password));
        self
    }

    /// Open every RecipientInfo the credentials fit, whatever it names (a certificate then
    /// only checks the key; a KEK is tried on every KEKRecipientInfo). For messages whose
    /// RecipientInfos name an old certificate of the same key, or none that is known.
    pub fn try_all_recipients(mut self, yes: bool) -> Self {
        self.try_all = yes;
        self
    }
}

/// Decrypted content and what protected it. Only this crate's decryption makes one.
#[derive(Clone, PartialEq, Eq)]
pub struct Decrypted {
    content: Vec<u8>,
    content_type: ObjectIdentifier,
    kind: EnvelopeKind,
    content_encryption: ContentEncryption,
    key_management: KeyManagement,
    recipient_index: usize,
    auth_attributes: Vec<Attribute>,
    unprotected_attributes: Vec<Attribute>,
}

impl core::fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Decrypted")
            .field("content_len", &self.content.len())
            .field("content_type", &self.content_type)
            .field("kind", &self.kind)
            .field("content_encryption", &self.content_encryption)
            .field("key_management", &self.key_management)
            .field("recipient_index", &self.recipient_index)
            .finish_non_exhaustive()
    }
}

impl Decrypted {
    /// The plaintext.
    pub fn content(&self) -> &[u8] {
        &self.content
    }

    /// The plaintext, owned.
    pub fn into_content(self) -> Vec<u8> {
        self.content
    }

    /// The content type (id-data for a MIME entity).
    pub fn content_type(&self) -> ObjectIdentifier {
        self.content_type
    }

    /// EnvelopedData or AuthEnvelopedData.
    pub fn kind(&self) -> EnvelopeKind {
        self.kind
    }

    /// The content cipher.
    pub fn content_encryption(&self) -> ContentEncryption {
        self.content_encryption
    }

    /// Whether the content was authenticated (AES-GCM in an AuthEnvelopedData): a change to
    /// the ciphertext would have been detected. Never for CBC (EFAIL).
    pub fn is_authenticated(&self) -> bool {
        self.content_encryption.is_authenticated()
    }

    /// How the content-encryption key reached us.
    pub fn key_management(&self) -> &KeyManagement {
        &self.key_management
    }

    /// Which RecipientInfo opened the message (its position in recipientInfos, from 0).
    pub fn recipient_index(&self) -> usize {
        self.recipient_index
    }

    /// The authenticated attributes (AuthEnvelopedData), verified with the content.
    pub fn auth_attributes(&self) -> &[Attribute] {
        &self.auth_attributes
    }

    /// The unprotected or unauthenticated attributes: not covered by any check.
    pub fn unprotected_attributes(&self) -> &[Attribute] {
        &self.unprotected_attributes
    }
}

/// Parses and decrypts an EnvelopedData or AuthEnvelopedData in one call; see
/// [`Envelope::decrypt`].
///
/// ```no_run
/// # fn example(message: &[u8], certificate: &smime_cms::Certificate, key: &dyn smime_crypto::PrivateKey) -> Result<(), smime_cms::Error> {
/// let provider = smime_crypto::default_provider();
/// let options = smime_cms::DecryptOptions::new().private_key(certificate, key);
/// let decrypted = smime_cms::decrypt(message, &options, provider)?;
/// println!(
///     "{} bytes, {} ({}), {}",
///     decrypted.content().len(),
///     decrypted.content_encryption(),
///     if decrypted.is_authenticated() { "authenticated" } else { "NOT authenticated" },
///     decrypted.key_management(),
/// );
/// # Ok(()) }
/// ```
pub fn decrypt(
    message: &[u8],
    options: &DecryptOptions<'_>,
    provider: &dyn CryptoProvider,
) -> Result<Decrypted, Error> {
    Envelope::parse(message)?.decrypt(options, provider)
}

/// Content ciphers in our order of preference, when recipients announce capabilities.
const PREFERENCE: [ContentEncryption; 6] = [
    ContentEncryption::Aead(smime_crypto::AeadCipher::Aes256Gcm),
    ContentEncryption::Aead(smime_crypto::AeadCipher::Aes128Gcm),
    ContentEncryption::Aead(smime_crypto::AeadCipher::Aes192Gcm),
    ContentEncryption::Cbc(smime_crypto::CbcCipher::Aes256),
    ContentEncryption::Cbc(smime_crypto::CbcCipher::Aes128),
    ContentEncryption::Cbc(smime_crypto::CbcCipher::Aes192),
];

/// Whether a capability list says anything about content encryption (it names an AES,
/// 3DES or RC2 cipher). Lists of signature algorithms only do not constrain the choice.
fn names_content_encryption(capabilities: &SmimeCapabilities) -> bool {
    capabilities.iter().any(|capability| {
        ContentEncryption::sendable_from_oid(&capability.capability_id).is_some()
            || capability.capability_id == smime_crypto::CbcCipher::DesEde3.oid()
            || capability.capability_id == content_encryption::RC2_CBC
    })
}

/// Builds an AuthEnvelopedData (AES-GCM, the default) or an EnvelopedData (AES-CBC, on
/// request) as a DER `ContentInfo`.
///
/// ```
/// # fn main() -> Result<(), smime_cms::Error> {
/// use smime_cms::{DecryptOptions, EnvelopeBuilder, RecipientBuilder};
///
/// let provider = smime_crypto::default_provider();
/// let message = EnvelopeBuilder::new(b"Content-Type: text/plain\r\n\r\nThe vault code is 1234.\r\n")
///     .add_recipient(RecipientBuilder::password(b"correct horse battery staple").pbkdf2_iterations(10_000))
///     .build(provider)?;
///
/// let options = DecryptOptions::new().password(b"correct horse battery staple");
/// let decrypted = smime_cms::decrypt(&message, &options, provider)?;
/// assert!(decrypted.is_authenticated()); // AES-256-GCM
/// assert!(decrypted.content().ends_with(b"1234.\r\n"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct EnvelopeBuilder<'c> {
    content: &'c [u8],
    content_type: ObjectIdentifier,
    content_encryption: Option<ContentEncryption>,
    recipients: Vec<EnvelopeRecipient<'c>>,
    auth_attributes: Vec<Attribute>,
    unprotected_attributes: Vec<Attribute>,
}

impl<'c> EnvelopeBuilder<'c> {
    /// An envelope for `content` (of type id-data unless
    /// [`content_type`](Self::content_type) says otherwise).
    pub fn new(content: &'c [u8]) -> Self {
        Self {
            content,
            content_type: ID_DATA,
            content_encryption: None,
            recipients: Vec::new(),
            auth_attributes: Vec::new(),
            unprotected_attributes: Vec::new(),
        }
    }

    /// The content type (default id-data). For another type, a content-type attribute is
    /// authenticated with the content (RFC 5083 §2.1; AES-GCM only).
    pub fn content_type(mut self, content_type: ObjectIdentifier) -> Self {
        self.content_type = content_type;
        self
    }

    /// The content cipher, instead of the one chosen from the recipients' capabilities.
    /// AES-GCM makes an AuthEnvelopedData, AES-CBC an EnvelopedData (for recipients whose
    /// clients lack GCM).
    pub fn content_encryption(mut self, encryption: ContentEncryption) -> Self {
        self.content_encryption = Some(encryption);
        self
    }

    /// Adds a recipient.
    pub fn add_recipient(mut self, recipient: RecipientBuilder) -> Self {
        self.recipients.push(EnvelopeRecipient::Builder(recipient));
        self
    }

    /// Adds the holder of `certificate` as a recipient with the default choices (those of
    /// [`RecipientBuilder::certificate`] without options), borrowing the certificate instead
    /// of taking a copy: the one-shot way to encrypt to a certificate the caller keeps.
    pub fn add_certificate_recipient(mut self, certificate: &'c Certificate) -> Self {
        self.recipients
            .push(EnvelopeRecipient::Certificate(certificate));
        self
    }

    /// Adds a recipient prepared once for many messages (see [`PreparedRecipient`]): its
    /// certificate is not parsed or checked again, and the fixed parts of its RecipientInfo
    /// are copied as they were encoded.
    pub fn add_prepared_recipient(mut self, recipient: &PreparedRecipient) -> Self {
        self.recipients
            .push(EnvelopeRecipient::Prepared(recipient.clone()));
        self
    }

    /// Adds an authenticated attribute (AuthEnvelopedData only: covered by the tag).
    pub fn auth_attribute(mut self, attribute: Attribute) -> Self {
        self.auth_attributes.push(attribute);
        self
    }

    /// Adds an unprotected (unauthenticated) attribute: sent in clear, and anyone can change
    /// it.
    pub fn unprotected_attribute(mut self, attribute: Attribute) -> Self {
        self.unprotected_attributes.push(attribute);
        self
    }

    /// The content cipher [`build`](Self::build) will use: the one set, or the choice made
    /// from the recipients' capabilities (see the [module documentation](self)).
    pub fn chosen_content_encryption(&self) -> Result<ContentEncryption, Error> {
        let prepared = self.prepare()?;
        self.choose(&prepared)
    }

    fn prepare(&self) -> Result<Vec<Arc<RecipientPlan>>, Error> {
        if self.recipients.is_empty() {
            return Err(Error::NoRecipientGiven);
        }
        if self.recipients.len() > MAX_RECIPIENTS {
            return Err(Error::BudgetExceeded {
                what: "recipients in one message",
                limit: MAX_RECIPIENTS,
            });
        }
        self.recipients
            .iter()
            .enumerate()
            .map(|(index, recipient)| match recipient {
                EnvelopeRecipient::Builder(builder) => builder.prepare(index).map(Arc::new),
                EnvelopeRecipient::Prepared(prepared) => Ok(Arc::clone(prepared.plan())),
                EnvelopeRecipient::Certificate(certificate) => {
                    recipient::prepare_certificate_recipient(index, certificate).map(Arc::new)
                }
            })
            .collect()
    }

    fn choose(&self, prepared: &[Arc<RecipientPlan>]) -> Result<ContentEncryption, Error> {
        if let Some(encryption) = self.content_encryption {
            return Ok(encryption);
        }
        let constraining: Vec<(usize, &SmimeCapabilities)> = prepared
            .iter()
            .enumerate()
            .filter_map(|(index, recipient)| recipient.capabilities().map(|c| (index, c)))
            .filter(|(_, capabilities)| names_content_encryption(capabilities))
            .collect();
        if constraining.is_empty() {
            return Ok(ContentEncryption::default());
        }
        PREFERENCE
            .into_iter()
            .find(|candidate| {
                constraining
                    .iter()
                    .all(|(_, capabilities)| capabilities.contains(&candidate.oid()))
            })
            .ok_or_else(|| Error::NoCommonContentEncryption {
                reason: constraining
                    .iter()
                    .map(|(index, capabilities)| {
                        let sendable: Vec<String> = capabilities
                            .iter()
                            .filter_map(|c| ContentEncryption::sendable_from_oid(&c.capability_id))
                            .map(|e| e.to_string())
                            .collect();
                        format!(
                            "recipient {index} reads {}",
                            if sendable.is_empty() {
                                "none of AES-GCM/AES-CBC".to_owned()
                            } else {
                                sendable.join(", ")
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            })
    }

    /// Encrypts and encodes the message as a DER ContentInfo.
    pub fn build(&self, provider: &dyn CryptoProvider) -> Result<Vec<u8>, Error> {
        if self.content.len() > MAX_CONTENT_LEN {
            return Err(Error::BudgetExceeded {
                what: "octets of content",
                limit: MAX_CONTENT_LEN,
            });
        }
        let prepared = self.prepare()?;
        let encryption = self.choose(&prepared)?;
        if !encryption.is_sendable() {
            return Err(Error::UnsupportedContentEncryption {
                algorithm: format!("{encryption} (read only: not used to encrypt)"),
            });
        }
        let authenticated = encryption.is_authenticated();
        if !authenticated && (!self.auth_attributes.is_empty() || self.content_type != ID_DATA) {
            return Err(Error::InvalidAuthAttributes {
                reason: format!(
                    "{encryption} cannot authenticate attributes; use AES-GCM for authenticated attributes or content other than id-data"
                ),
            });
        }
        let parameters = ContentParameters::generate(encryption, provider)?;
        let mut content_key = Zeroizing::new(vec![0u8; encryption.key_len()]);
        provider
            .fill_random(&mut content_key)
            .map_err(|e| Error::InvalidContentEncryption {
                reason: format!("random content-encryption key: {e}"),
            })?;

        let mut recipient_infos = Vec::with_capacity(prepared.len());
        for (index, recipient) in prepared.iter().enumerate() {
            recipient_infos.push(recipient.build(index, &content_key, encryption, provider)?);
        }
        let algorithm = parameters.algorithm_der()?;
        let unprotected =
            self.encode_attributes(&self.unprotected_attributes, "unprotected attributes")?;

        let implicit = |set: Option<Vec<u8>>, tag: u8| {
            set.map(|mut set| {
                if let Some(first) = set.first_mut() {
                    *first = tag;
                }
                set
            })
        };
        // The message is written into one buffer: the DER headers, then the content, which
        // is encrypted in place (AES-GCM) or replaced by its ciphertext (CBC), then the
        // fields after it. Only the lengths are needed to write the headers first.
        match &parameters {
            ContentParameters::Aead { cipher, params } => {
                let auth_attributes = self.auth_attributes_der()?;
                // The AAD is the SET OF with its universal tag (RFC 5083 §2.2); the message
                // carries it as [1] IMPLICIT: the same octets but the first.
                let aad = auth_attributes.clone().unwrap_or_default();
                let auth_implicit = implicit(auth_attributes, ber::CONTEXT_1);
                let unauth_implicit = implicit(unprotected, ber::CONTEXT_2);
                // authAttrs, mac OCTET STRING (a tag of at most 16 octets: a one-octet
                // length), unauthAttrs.
                let tail_len = auth_implicit
                    .as_ref()
                    .map_or(0, Vec::len)
                    .saturating_add(Header::new(ber::OCTET_STRING, params.icv_len).len)
                    .saturating_add(params.icv_len)
                    .saturating_add(unauth_implicit.as_ref().map_or(0, Vec::len));
                let mut out = message_prefix(
                    ID_AUTH_ENVELOPED_DATA,
                    &auth_enveloped_data::head(recipient_infos),
                    self.content_type,
                    &algorithm,
                    self.content.len(),
                    tail_len,
                );
                let start = out.len();
                out.reserve(self.content.len().saturating_add(tail_len));
                out.extend_from_slice(self.content);
                let region = out.get_mut(start..).unwrap_or_default();
                let tag = provider
                    .aead_seal_in_place(
                        *cipher,
                        &content_key,
                        &params.nonce,
                        &aad,
                        region,
                        params.icv_len,
                    )
                    .map_err(|e| Error::InvalidContentEncryption {
                        reason: e.to_string(),
                    })?;
                out.extend_from_slice(&auth_enveloped_data::tail(
                    auth_implicit.as_deref(),
                    &tag,
                    unauth_implicit.as_deref(),
                ));
                if out.len().checked_sub(start) != self.content.len().checked_add(tail_len) {
                    return Err(Error::InvalidContentEncryption {
                        reason: format!(
                            "the provider's AES-GCM tag has {} bytes, expected {}",
                            tag.len(),
                            params.icv_len
                        ),
                    });
                }
                Ok(out)
            }
            ContentParameters::Cbc { cipher, iv } => {
                // PKCS #7 padding adds 1 to block_len octets (RFC 5652 §6.3).
                let block_len = cipher.block_len();
                let ciphertext_len = self
                    .content
                    .len()
                    .div_euclid(block_len)
                    .saturating_add(1)
                    .saturating_mul(block_len);
                let versions: Vec<u8> = prepared.iter().map(|p| p.version()).collect();
                let version = enveloped_data::version(
                    &versions,
                    prepared.iter().any(|p| p.is_password()),
                    unprotected.is_some(),
                );
                let tail = implicit(unprotected, ber::CONTEXT_1).unwrap_or_default();
                let mut out = message_prefix(
                    ID_ENVELOPED_DATA,
                    &enveloped_data::head(version, recipient_infos),
                    self.content_type,
                    &algorithm,
                    ciphertext_len,
                    tail.len(),
                );
                let start = out.len();
                out.reserve(ciphertext_len.saturating_add(tail.len()));
                out.extend_from_slice(self.content);
                provider
                    .cbc_encrypt_in_place(*cipher, &content_key, iv, &mut out, start)
                    .map_err(|e| Error::InvalidContentEncryption {
                        reason: e.to_string(),
                    })?;
                if out.len().checked_sub(start) != Some(ciphertext_len) {
                    return Err(Error::InvalidContentEncryption {
                        reason: format!(
                            "the provider's CBC ciphertext has {} bytes, expected {ciphertext_len}",
                            out.len().saturating_sub(start)
                        ),
                    });
                }
                out.extend_from_slice(&tail);
                Ok(out)
            }
            ContentParameters::Rc2 { .. } => Err(Error::UnsupportedContentEncryption {
                algorithm: "RC2-CBC (read only)".into(),
            }),
        }
    }

    /// The DER SET OF the authenticated attributes (with a content-type attribute for
    /// content other than id-data), or `None` when there are none.
    fn auth_attributes_der(&self) -> Result<Option<Vec<u8>>, Error> {
        let encoding = Error::encoding("authenticated attributes");
        let mut encoded = Vec::with_capacity(self.auth_attributes.len().saturating_add(1));
        let has_content_type = self
            .auth_attributes
            .iter()
            .any(|attribute| attribute.oid == attributes::CONTENT_TYPE);
        if self.content_type != ID_DATA && !has_content_type {
            encoded.push(
                attributes::encode_attribute(
                    attributes::CONTENT_TYPE,
                    &self.content_type.to_der().map_err(&encoding)?,
                )
                .map_err(&encoding)?,
            );
        }
        for attribute in &self.auth_attributes {
            encoded.push(attribute.to_der().map_err(&encoding)?);
        }
        Ok((!encoded.is_empty()).then(|| ber::encode_set_of(encoded)))
    }

    /// The DER SET OF `attributes`, or `None` when empty.
    fn encode_attributes(
        &self,
        attributes: &[Attribute],
        what: &'static str,
    ) -> Result<Option<Vec<u8>>, Error> {
        if attributes.is_empty() {
            return Ok(None);
        }
        let encoding = Error::encoding(what);
        let encoded = attributes
            .iter()
            .map(|attribute| attribute.to_der().map_err(&encoding))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(ber::encode_set_of(encoded)))
    }
}

/// A recipient of an [`EnvelopeBuilder`]: described (prepared for this message) or prepared
/// once for many.
#[derive(Clone)]
enum EnvelopeRecipient<'c> {
    Builder(RecipientBuilder),
    Prepared(PreparedRecipient),
    Certificate(&'c Certificate),
}

impl core::fmt::Debug for EnvelopeRecipient<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Builder(builder) => builder.fmt(f),
            Self::Prepared(prepared) => prepared.fmt(f),
            Self::Certificate(certificate) => f
                .debug_struct("Certificate")
                .field(
                    "subject",
                    &certificate.tbs_certificate().subject().to_string(),
                )
                .finish(),
        }
    }
}

/// A DER identifier and length for contents of `len` octets, kept on the stack.
struct Header {
    octets: [u8; 10],
    len: usize,
}

impl Header {
    /// The identifier octet `id` and the definite length `len` (X.690 §10.1).
    fn new(id: u8, len: usize) -> Self {
        let mut octets = [0u8; 10];
        octets[0] = id;
        let used = match u8::try_from(len) {
            Ok(short) if short < 0x80 => {
                octets[1] = short;
                2
            }
            _ => Self::long_form(&mut octets, len),
        };
        Self { octets, len: used }
    }

    /// Writes the long form of `len` after the identifier; returns the octets used.
    fn long_form(octets: &mut [u8; 10], len: usize) -> usize {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        // At most size_of::<usize>() = 8 octets, so the count fits in the low 7 bits.
        octets[1] = 0x80 | u8::try_from(significant.len()).unwrap_or(0);
        for (slot, byte) in octets.iter_mut().skip(2).zip(significant) {
            *slot = *byte;
        }
        significant.len().saturating_add(2)
    }

    fn as_bytes(&self) -> &[u8] {
        self.octets.get(..self.len).unwrap_or_default()
    }
}

/// The octets of a DER ContentInfo of type `envelope_type` that come before the encrypted
/// content, when the envelope is `SEQUENCE { head ‖ EncryptedContentInfo ‖ tail }`, the
/// EncryptedContentInfo is `{ content_type, algorithm, [0] IMPLICIT <body_len octets> }` and
/// the tail has `tail_len` octets. The body and the tail follow: the buffer has room for
/// them, so that writing the content and the tail does not move the message again.
fn message_prefix(
    envelope_type: ObjectIdentifier,
    head: &[u8],
    content_type: ObjectIdentifier,
    algorithm: &[u8],
    body_len: usize,
    tail_len: usize,
) -> Vec<u8> {
    let envelope_oid = ber::encode(ber::OBJECT_IDENTIFIER, envelope_type.as_bytes());
    let content_oid = ber::encode(ber::OBJECT_IDENTIFIER, content_type.as_bytes());
    let body_header = Header::new(ber::CONTEXT_PRIMITIVE_0, body_len);
    let eci_len = content_oid
        .len()
        .saturating_add(algorithm.len())
        .saturating_add(body_header.len)
        .saturating_add(body_len);
    let eci_header = Header::new(ber::SEQUENCE, eci_len);
    let envelope_len = head
        .len()
        .saturating_add(eci_header.len)
        .saturating_add(eci_len)
        .saturating_add(tail_len);
    let envelope_header = Header::new(ber::SEQUENCE, envelope_len);
    let explicit_len = envelope_header.len.saturating_add(envelope_len);
    let explicit_header = Header::new(ber::CONTEXT_0, explicit_len);
    let info_len = envelope_oid
        .len()
        .saturating_add(explicit_header.len)
        .saturating_add(explicit_len);
    let info_header = Header::new(ber::SEQUENCE, info_len);
    let mut out = Vec::with_capacity(info_header.len.saturating_add(info_len));
    for part in [
        info_header.as_bytes(),
        &envelope_oid,
        explicit_header.as_bytes(),
        envelope_header.as_bytes(),
        head,
        eci_header.as_bytes(),
        &content_oid,
        algorithm,
        body_header.as_bytes(),
    ] {
        out.extend_from_slice(part);
    }
    out
}

/// Encrypts `content` to the holders of `certificates` with the defaults (AES-256-GCM unless
/// their capabilities say otherwise; key management from each certificate's key).
///
/// ```no_run
/// # fn example(alice: smime_cms::Certificate, bob: smime_cms::Certificate) -> Result<(), smime_cms::Error> {
/// let provider = smime_crypto::default_provider();
/// let message = smime_cms::encrypt(b"Content-Type: text/plain\r\n\r\nHi\r\n", &[alice, bob], provider)?;
/// # Ok(()) }
/// ```
pub fn encrypt(
    content: &[u8],
    certificates: &[Certificate],
    provider: &dyn CryptoProvider,
) -> Result<Vec<u8>, Error> {
    certificates
        .iter()
        .fold(EnvelopeBuilder::new(content), |builder, certificate| {
            builder.add_certificate_recipient(certificate)
        })
        .build(provider)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_the_der_identifier_and_length() {
        for len in [
            0usize,
            1,
            0x7f,
            0x80,
            0xff,
            0x100,
            51_200,
            0xff_ffff,
            0x100_0000,
            10 * 1024 * 1024,
            usize::MAX,
        ] {
            let mut expected = vec![ber::SEQUENCE];
            expected.extend_from_slice(&ber::length_octets(len));
            assert_eq!(
                Header::new(ber::SEQUENCE, len).as_bytes(),
                expected.as_slice(),
                "{len}"
            );
        }
        assert_eq!(
            Header::new(ber::CONTEXT_0, 0x80).as_bytes(),
            [0xa0, 0x81, 0x80]
        );
        assert_eq!(
            Header::new(ber::SEQUENCE, 51_200).as_bytes(),
            [0x30, 0x82, 0xc8, 0x00]
        );
    }
}
