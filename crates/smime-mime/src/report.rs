//! What [`open`](crate::open) found in a message: every signature with its verdict and the
//! parts it covers, every encrypted part with what protected it, every leaf part with the
//! signatures and encryption layers around it — and what lies outside them.
//!
//! A message counts as signed only as a whole: [`Coverage::Complete`] requires a valid
//! signature whose content is the entire message (the top-level entity, or the content of
//! the encryption layers around it). A signed part inside an unsigned `multipart/mixed`, an
//! unsigned part beside a signed one, a signed message forwarded as an attachment: these are
//! [`Coverage::Partial`], with the uncovered parts listed. This is the defence against the
//! "Johnny, you are fired!" attacks (Müller et al., USENIX Security 2019), in which a mail
//! client showed a valid-signature indicator for a message an attacker had wrapped in, or
//! padded with, unsigned content.

use smime_cms::{Certificate, ValidSignature, Verification};
use smime_x509::AddressMatch;

use crate::entity::PartPath;
use crate::error::Error;
use crate::header::ContentType;
use crate::pkcs7_mime::SmimeType;

/// How much of a message a protection (signatures, or encryption) covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// The whole message: a valid signature (or a decrypted encryption layer) holds the
    /// top-level entity, so every part is inside it.
    Complete,
    /// Some parts are covered and some are not, or every part is covered but by signatures
    /// nested inside unsigned structure (which an attacker could have assembled).
    Partial,
    /// No part is covered.
    None,
}

/// How a signature is attached to its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureForm {
    /// `multipart/signed`: the content is the first body part, readable without S/MIME.
    Detached,
    /// `application/pkcs7-mime; smime-type=signed-data`: the content is inside the
    /// SignedData.
    Opaque,
}

/// Which bytes a detached signature was checked over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEnds {
    /// The first body part exactly as received (binary-safe, as AS2 needs).
    AsReceived,
    /// The first body part with every LF made CR LF (RFC 8551 §3.1.1), for messages whose
    /// line ends were converted on the way (stored with LF only, for example).
    Canonicalized,
}

/// The result of checking the `From` address of the message a signature belongs to against
/// a valid signer's certificate (RFC 8550 §3: a receiving agent checks that the address in
/// the `From` or `Sender` field matches an address in the signer's certificate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FromMatch {
    pub(crate) signer: usize,
    pub(crate) from: String,
    pub(crate) result: Result<AddressMatch, smime_x509::Error>,
}

impl FromMatch {
    /// The index of the signer (its SignerInfo) in the SignedData.
    pub fn signer(&self) -> usize {
        self.signer
    }

    /// The `From` field value that was checked.
    pub fn from(&self) -> &str {
        &self.from
    }

    /// The match, or why the address or certificate could not be read.
    pub fn result(&self) -> &Result<AddressMatch, smime_x509::Error> {
        &self.result
    }

    /// Whether the certificate names the `From` address.
    pub fn is_match(&self) -> bool {
        self.result.as_ref().is_ok_and(AddressMatch::is_match)
    }
}

/// One signature structure found in the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureReport {
    pub(crate) index: usize,
    pub(crate) path: PartPath,
    pub(crate) form: SignatureForm,
    pub(crate) media_type: String,
    pub(crate) content_path: Option<PartPath>,
    pub(crate) line_ends: Option<LineEnds>,
    pub(crate) outcome: Result<Verification, Error>,
    pub(crate) covers_message: bool,
    pub(crate) in_attached_message: bool,
    pub(crate) from_matches: Vec<FromMatch>,
}

impl SignatureReport {
    /// The signature's index in [`Report::signatures`] (what [`PartReport::signed_by`]
    /// lists).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The `multipart/signed` or `application/pkcs7-mime` entity.
    pub fn path(&self) -> &PartPath {
        &self.path
    }

    /// Detached or opaque.
    pub fn form(&self) -> SignatureForm {
        self.form
    }

    /// The Content-Type of the entity, as declared (`multipart/signed`,
    /// `application/x-pkcs7-mime`, …).
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The signed entity, if the structure has one.
    pub fn content_path(&self) -> Option<&PartPath> {
        self.content_path.as_ref()
    }

    /// For detached signatures: the bytes the reported verification was made over.
    pub fn line_ends(&self) -> Option<LineEnds> {
        self.line_ends
    }

    /// The CMS verification (one report per signer), when the SignedData could be read and
    /// checked.
    pub fn verification(&self) -> Option<&Verification> {
        self.outcome.as_ref().ok()
    }

    /// Why the structure could not be verified at all (malformed MIME or CMS, no content,
    /// no signers).
    pub fn error(&self) -> Option<&Error> {
        self.outcome.as_ref().err()
    }

    /// Whether at least one signer's signature is cryptographically valid (RFC 4853 §2:
    /// with several signers, the content is signed if any one signature validates; the
    /// others are still reported). Trust in the signer is not evaluated here.
    pub fn is_valid(&self) -> bool {
        self.valid_signatures().next().is_some()
    }

    /// The cryptographically valid signatures.
    pub fn valid_signatures(&self) -> impl Iterator<Item = &ValidSignature> {
        self.verification()
            .into_iter()
            .flat_map(Verification::valid_signatures)
    }

    /// Whether the signed content is the whole message (the top-level entity, or what the
    /// encryption and signature layers around it hold).
    pub fn covers_whole_message(&self) -> bool {
        self.covers_message
    }

    /// Whether the signature is inside an attached (`message/rfc822`) message, so it
    /// speaks for that message, not for the one it was attached to.
    pub fn is_in_attached_message(&self) -> bool {
        self.in_attached_message
    }

    /// For each valid signer, its certificate checked against each `From` address of the
    /// message the signature belongs to.
    pub fn from_matches(&self) -> &[FromMatch] {
        &self.from_matches
    }
}

/// What protected a decrypted part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decryption {
    pub(crate) content_cipher: String,
    pub(crate) authenticated: bool,
    pub(crate) key_management: Option<String>,
}

impl Decryption {
    /// The content-encryption algorithm.
    pub fn content_cipher(&self) -> &str {
        &self.content_cipher
    }

    /// Whether the content was authenticated (AEAD). CBC content is not: it may have been
    /// altered (EFAIL).
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// How the content-encryption key reached us, if the decryptor said.
    pub fn key_management(&self) -> Option<&str> {
        self.key_management.as_deref()
    }
}

/// One encrypted structure found in the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptionReport {
    pub(crate) index: usize,
    pub(crate) path: PartPath,
    pub(crate) smime_type: SmimeType,
    pub(crate) content_path: Option<PartPath>,
    pub(crate) outcome: Result<Decryption, Error>,
    pub(crate) covers_message: bool,
}

impl EncryptionReport {
    /// The structure's index in [`Report::encryptions`].
    pub fn index(&self) -> usize {
        self.index
    }

    /// The `application/pkcs7-mime` entity.
    pub fn path(&self) -> &PartPath {
        &self.path
    }

    /// Enveloped-data or authEnveloped-data, from the ContentInfo.
    pub fn smime_type(&self) -> SmimeType {
        self.smime_type
    }

    /// The decrypted entity, when decryption succeeded.
    pub fn content_path(&self) -> Option<&PartPath> {
        self.content_path.as_ref()
    }

    /// What protected the content, when it was decrypted.
    pub fn decryption(&self) -> Option<&Decryption> {
        self.outcome.as_ref().ok()
    }

    /// Why it was not decrypted.
    pub fn error(&self) -> Option<&Error> {
        self.outcome.as_ref().err()
    }

    /// Whether the encrypted content is the whole message.
    pub fn covers_whole_message(&self) -> bool {
        self.covers_message
    }
}

/// What a leaf part is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartKind {
    /// Content to show (text, an attachment, …).
    Content,
    /// A certs-only message: certificates, no signers (RFC 8551 §3.8).
    CertificatesOnly(Vec<Certificate>),
    /// An encrypted part that was not decrypted (see the [`EncryptionReport`]).
    Encrypted,
    /// A part that looked like S/MIME but could not be read, or that uses a CMS type this
    /// crate does not handle; shown to the user as an attachment, never as protected.
    Unreadable(Error),
}

/// One leaf part of the message (after decryption and unwrapping of opaque signatures).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartReport {
    pub(crate) path: PartPath,
    pub(crate) content_type: ContentType,
    pub(crate) filename: Option<String>,
    pub(crate) kind: PartKind,
    pub(crate) raw: Vec<u8>,
    pub(crate) signed_by: Vec<usize>,
    pub(crate) encrypted_by: Vec<usize>,
}

impl PartReport {
    /// Where the part is.
    pub fn path(&self) -> &PartPath {
        &self.path
    }

    /// Its Content-Type.
    pub fn content_type(&self) -> &ContentType {
        &self.content_type
    }

    /// Its file name, if it has one.
    pub fn filename(&self) -> Option<&str> {
        self.filename.as_deref()
    }

    /// What it is.
    pub fn kind(&self) -> &PartKind {
        &self.kind
    }

    /// The part's bytes (header section and body, as found).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The valid signatures (indices into [`Report::signatures`]) whose content contains
    /// this part, outermost first.
    pub fn signed_by(&self) -> &[usize] {
        &self.signed_by
    }

    /// The encryption layers (indices into [`Report::encryptions`]) around this part,
    /// outermost first.
    pub fn encrypted_by(&self) -> &[usize] {
        &self.encrypted_by
    }
}

/// Everything [`open`](crate::open) found. Only `open` builds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub(crate) parts: Vec<PartReport>,
    pub(crate) signatures: Vec<SignatureReport>,
    pub(crate) encryptions: Vec<EncryptionReport>,
    pub(crate) content: Vec<u8>,
    pub(crate) content_path: PartPath,
    pub(crate) from: Vec<String>,
}

impl Report {
    /// Every leaf part, in the order of the message.
    pub fn parts(&self) -> &[PartReport] {
        &self.parts
    }

    /// Every signature structure, in the order found (outer before inner).
    pub fn signatures(&self) -> &[SignatureReport] {
        &self.signatures
    }

    /// Every encrypted structure, in the order found.
    pub fn encryptions(&self) -> &[EncryptionReport] {
        &self.encryptions
    }

    /// The message with its top-level S/MIME layers taken off: the entity a mail client
    /// shows (for a message without top-level S/MIME, the message itself).
    pub fn content(&self) -> &[u8] {
        &self.content
    }

    /// Where [`content`](Self::content) is.
    pub fn content_path(&self) -> &PartPath {
        &self.content_path
    }

    /// The `From` field values of the top-level message.
    pub fn from(&self) -> &[String] {
        &self.from
    }

    /// How much of the message valid signatures cover. Only
    /// [`Coverage::Complete`] means "this message is signed".
    pub fn signature_coverage(&self) -> Coverage {
        coverage(
            &self.parts,
            |part| &part.signed_by,
            self.signatures
                .iter()
                .any(|s| s.covers_message && s.is_valid()),
        )
    }

    /// How much of the message was encrypted (and decrypted here, or found but not
    /// decrypted).
    pub fn encryption_coverage(&self) -> Coverage {
        coverage(
            &self.parts,
            |part| &part.encrypted_by,
            self.encryptions.iter().any(|e| e.covers_message),
        )
    }

    /// Whether the whole message is inside a valid signature ([`Coverage::Complete`]).
    pub fn is_fully_signed(&self) -> bool {
        self.signature_coverage() == Coverage::Complete
    }

    /// The parts no valid signature covers.
    pub fn unsigned_parts(&self) -> impl Iterator<Item = &PartReport> {
        self.parts.iter().filter(|part| part.signed_by.is_empty())
    }

    /// The parts covered by the signature with this index.
    pub fn parts_signed_by(&self, signature: usize) -> impl Iterator<Item = &PartReport> {
        self.parts
            .iter()
            .filter(move |part| part.signed_by.contains(&signature))
    }
}

fn coverage(
    parts: &[PartReport],
    layers: impl Fn(&PartReport) -> &Vec<usize>,
    whole_message: bool,
) -> Coverage {
    let covered = parts.iter().filter(|part| !layers(part).is_empty()).count();
    if covered == 0 {
        Coverage::None
    } else if whole_message && covered == parts.len() {
        Coverage::Complete
    } else {
        Coverage::Partial
    }
}
