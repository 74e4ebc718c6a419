//! Opening a message: decrypt and verify whatever it holds, validate every signer against the
//! reader's trust, and report.

use std::sync::{Arc, Mutex};

use smime_crypto::CryptoProvider;
use smime_mime::{Decrypted, Decryptor, Entity, OpenOptions, PartPath, PathStep, SignatureReport};
use smime_x509::Certificate;
use smime_x509::der::Encode;

use crate::error::Error;
use crate::keys::Keys;
use crate::report::{
    AddressVerdict, ChainVerdict, NotEvaluatedReason, Report, SignatureVerdict, SignerReport,
    addresses,
};
use crate::trust::Trust;

/// Signers whose certificate paths are validated per message; the chains of further valid
/// signers are reported as not evaluated ([`NotEvaluatedReason::BudgetExceeded`]) and make
/// the message untrusted.
///
/// Origin: ours. The MIME layer admits 16 S/MIME structures per message and the CMS layer 64
/// signers per SignedData, and each path validation may cost up to 100 signature checks
/// (smime-path): without this budget one hostile message could demand some 100,000
/// signature checks. A triple-wrapped message has 2 signers; 16 leaves room for
/// co-signed mail and forwarded signed messages.
pub const MAX_CHAIN_VALIDATIONS: usize = 16;

/// Opens a message: decrypts every encrypted layer it can with `keys`, verifies every
/// signature, validates each valid signer against `trust`, checks the From address, and
/// reports which parts the signatures cover — at any nesting (sign-then-encrypt, the triple
/// wrap, signed parts in a multipart, forwarded messages).
///
/// The result is a [`Report`], whatever the message holds: an unsigned message, a bad
/// signature or an untrusted signer are facts in it ([`Report::problems`]), not errors.
///
/// # Errors
/// Only when the message cannot be read at all: empty input, or a MIME budget exceeded
/// ([`Error::Mime`]).
pub fn open(message: &[u8], keys: &Keys, trust: &Trust) -> Result<Report, Error> {
    let provider = trust.crypto_provider();
    let extra: Vec<smime_cms::Certificate> = trust
        .certificates()
        .iter()
        .map(|c| c.x509().clone())
        .collect();
    let decryptor = KeyDecryptor {
        keys,
        plaintexts: Mutex::new(Vec::new()),
    };
    let mut options = OpenOptions::new().certificates(&extra);
    if !keys.is_empty() {
        options = options.decryptor(&decryptor);
    }
    let mime = smime_mime::open(message, &options, provider)?;
    let plaintexts = decryptor
        .plaintexts
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let structures = Structures {
        message,
        plaintexts: &plaintexts,
        report: &mime,
    };

    let inner_from = Entity::parse(mime.content()).ok().and_then(|entity| {
        entity
            .field("from")
            .map(|value| String::from_utf8_lossy(value).trim().to_owned())
    });
    let mut signers = Vec::new();
    let mut validations_left = MAX_CHAIN_VALIDATIONS;
    for signature in mime.signatures() {
        let Some(verification) = signature.verification() else {
            continue;
        };
        let message_certificates: Vec<Vec<u8>> = verification
            .certificates()
            .iter()
            .filter_map(|c| c.to_der().ok())
            .collect();
        let message_certificates: Vec<&[u8]> =
            message_certificates.iter().map(Vec::as_slice).collect();
        let message_crls = structures.crls(signature);
        let message_crls: Vec<&[u8]> = message_crls.iter().map(Vec::as_slice).collect();
        for signer in verification.signers() {
            let certificate = signer
                .certificate()
                .and_then(|c| Certificate::from_der(c.der()).ok());
            let signing_time = signer.signing_time().map(|t| t.to_system_time());
            let verdict = match signer.status() {
                smime_cms::SignatureStatus::Valid(valid) => SignatureVerdict::Valid {
                    scheme: valid.scheme(),
                },
                smime_cms::SignatureStatus::Invalid(error) => {
                    SignatureVerdict::Invalid(error.clone())
                }
            };
            let from = signature
                .from_matches()
                .iter()
                .find(|m| m.signer() == signer.index())
                .map(|m| m.from().to_owned())
                .or_else(|| {
                    (!signature.is_in_attached_message())
                        .then(|| mime.from().first().cloned())
                        .flatten()
                })
                .or_else(|| {
                    // OpenSSL and others sign the whole message, header fields included:
                    // then the From field is inside the signed content.
                    signature
                        .covers_whole_message()
                        .then(|| inner_from.clone())
                        .flatten()
                });
            let address = address_verdict(certificate.as_ref(), from.as_deref());
            let chain = match (&verdict, &certificate) {
                (SignatureVerdict::Valid { .. }, _) if !trust.has_anchors() => {
                    ChainVerdict::NotEvaluated(NotEvaluatedReason::NoTrustAnchors)
                }
                (SignatureVerdict::Valid { .. }, Some(_)) if validations_left == 0 => {
                    ChainVerdict::NotEvaluated(NotEvaluatedReason::BudgetExceeded)
                }
                (SignatureVerdict::Valid { .. }, Some(certificate)) => {
                    validations_left = validations_left.saturating_sub(1);
                    match trust.validate(
                        certificate.as_der(),
                        &message_certificates,
                        &message_crls,
                        from.as_deref(),
                        signing_time,
                    ) {
                        None => ChainVerdict::NotEvaluated(NotEvaluatedReason::NoTrustAnchors),
                        Some(Ok(path)) => ChainVerdict::Trusted(Box::new(path)),
                        Some(Err(error)) => ChainVerdict::Untrusted(Arc::new(error)),
                    }
                }
                _ => ChainVerdict::NotEvaluated(NotEvaluatedReason::InvalidSignature),
            };
            signers.push(SignerReport {
                signature: signature.index(),
                path: signature.path().clone(),
                signer: signer.index(),
                certificate,
                verdict,
                chain,
                address,
                signing_time,
                covers_whole_message: signature.covers_whole_message(),
                in_attached_message: signature.is_in_attached_message(),
            });
        }
    }
    Ok(Report {
        mime,
        signers,
        require_from: trust.requires_from(),
        inner_from,
    })
}

/// Opens a bare CMS message (DER or BER `ContentInfo`, as `openssl cms -outform DER` writes
/// it) the way [`open`] opens mail: a SignedData with its content — or without, when the
/// content is given as `detached_content` (its exact bytes are verified) —, an EnvelopedData
/// or AuthEnvelopedData (decrypted with `keys`; its content is read as MIME), or a
/// certs-only message. There is no From field to check.
///
/// # Errors
/// [`Error::Cms`] when the input is not a CMS `ContentInfo`; otherwise as [`open`].
pub fn open_cms(
    cms: &[u8],
    detached_content: Option<&[u8]>,
    keys: &Keys,
    trust: &Trust,
) -> Result<Report, Error> {
    smime_cms::ContentInfo::parse(cms)?;
    let base64 = smime_mime::canonical::encode_base64(cms);
    let mut entity = Vec::with_capacity(base64.len().saturating_add(256));
    match detached_content {
        None => {
            entity.extend_from_slice(
                b"Content-Type: application/pkcs7-mime; name=\"smime.p7m\"\r\n\
                  Content-Transfer-Encoding: base64\r\n\r\n",
            );
            entity.extend_from_slice(&base64);
        }
        Some(content) => {
            let boundary = boundary_not_in(content, trust.crypto_provider())?;
            entity.extend_from_slice(
                format!(
                    "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; \
                     boundary=\"{boundary}\"\r\n\r\n--{boundary}\r\n"
                )
                .as_bytes(),
            );
            entity.extend_from_slice(content);
            entity.extend_from_slice(
                format!(
                    "\r\n--{boundary}\r\nContent-Type: application/pkcs7-signature; \
                     name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                )
                .as_bytes(),
            );
            entity.extend_from_slice(&base64);
            entity.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        }
    }
    open(&entity, keys, trust)
}

/// A multipart boundary that does not occur in `content`.
fn boundary_not_in(content: &[u8], provider: &dyn CryptoProvider) -> Result<String, Error> {
    for _ in 0..4 {
        let mut random = [0u8; 12];
        provider.fill_random(&mut random)?;
        let boundary: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let boundary = format!("=_smime_{boundary}");
        if !content
            .windows(boundary.len())
            .any(|w| w == boundary.as_bytes())
        {
            return Ok(boundary);
        }
    }
    Err(Error::InvalidInput(
        "no multipart boundary could be found that does not occur in the content".to_owned(),
    ))
}

/// Decrypts the outermost layer of an encrypted message (`application/pkcs7-mime` with
/// enveloped-data or authEnveloped-data) and returns its content as is — a MIME entity that
/// may be signed, to [`open`] next — with the cipher that protected it.
///
/// # Errors
/// [`Error::InvalidInput`] when the message is not encrypted; [`Error::NoDecryptionKey`],
/// [`Error::NotARecipient`] or [`Error::DecryptionFailed`] as the keys allow.
pub fn decrypt(message: &[u8], keys: &Keys) -> Result<Decrypted, Error> {
    let entity = Entity::parse(message)?;
    if !smime_mime::pkcs7_mime::is_pkcs7_mime(&entity) {
        return Err(Error::InvalidInput(format!(
            "the message is not encrypted: its Content-Type is {}, not application/pkcs7-mime",
            entity.content_type().essence()
        )));
    }
    let mut cms = entity.decoded_body()?.into_owned();
    if smime_cms::ContentInfo::parse(&cms).is_err() {
        while cms.last().is_some_and(u8::is_ascii_whitespace) {
            cms.pop();
        }
    }
    decrypt_cms(&cms, keys)
}

/// Decrypts a bare CMS EnvelopedData or AuthEnvelopedData (DER or BER `ContentInfo`); see
/// [`decrypt`].
///
/// # Errors
/// As [`decrypt`], and [`Error::Cms`] when the input is not CMS.
pub fn decrypt_cms(cms: &[u8], keys: &Keys) -> Result<Decrypted, Error> {
    let info = smime_cms::ContentInfo::parse(cms)?;
    let kind = info.content_type();
    if kind != smime_mime::pkcs7_mime::ID_ENVELOPED_DATA
        && kind != smime_mime::pkcs7_mime::ID_AUTH_ENVELOPED_DATA
    {
        return Err(Error::InvalidInput(format!(
            "the message is not encrypted: its CMS content type is {}",
            content_type_name(kind)
        )));
    }
    if keys.is_empty() {
        return Err(Error::NoDecryptionKey {
            path: "/".to_owned(),
        });
    }
    crate::enveloped::decrypt_with_keys(keys, cms, keys.crypto_provider(), "/")
}

/// A CMS content type by name.
fn content_type_name(oid: smime_x509::ObjectIdentifier) -> String {
    if oid == smime_cms::content_info::ID_SIGNED_DATA {
        "signed-data (a signed message: verify it instead)".to_owned()
    } else if oid == smime_cms::content_info::ID_DATA {
        "data".to_owned()
    } else {
        oid.to_string()
    }
}

/// The From check of one signer: `from` against the certificate's mailboxes.
pub(crate) fn address_verdict(
    certificate: Option<&Certificate>,
    from: Option<&str>,
) -> AddressVerdict {
    let Some(certificate) = certificate else {
        return AddressVerdict::NoCertificate;
    };
    let Some(from) = from else {
        return AddressVerdict::NoFrom;
    };
    let all = || {
        certificate
            .mailboxes()
            .map(|m| addresses(&m))
            .unwrap_or_default()
    };
    match certificate.match_address(from) {
        Ok(matched) => match matched.matched() {
            Some(mailbox) => AddressVerdict::Matched {
                from: from.to_owned(),
                mailbox: mailbox.clone(),
            },
            None => AddressVerdict::Mismatch {
                from: from.to_owned(),
                certificate_addresses: addresses(matched.mailboxes()),
            },
        },
        Err(_) => AddressVerdict::Mismatch {
            from: from.to_owned(),
            certificate_addresses: all(),
        },
    }
}

/// Decrypts with the reader's keys, and keeps each plaintext (in the order of the calls,
/// which is the order of [`smime_mime::Report::encryptions`]) so that the CMS structures
/// inside decrypted content can be found again.
struct KeyDecryptor<'k> {
    keys: &'k Keys,
    plaintexts: Mutex<Vec<Option<Vec<u8>>>>,
}

impl Decryptor for KeyDecryptor<'_> {
    fn decrypt(
        &self,
        content_info: &[u8],
        provider: &dyn CryptoProvider,
    ) -> Result<Decrypted, smime_cms::Error> {
        let result = crate::enveloped::decrypt(self.keys, content_info, provider);
        if let Ok(mut plaintexts) = self.plaintexts.lock() {
            plaintexts.push(result.as_ref().ok().map(|d| d.content().to_vec()));
        }
        result
    }
}

/// Finds the bytes of the CMS structures the MIME layer verified, to read what its
/// `verification` does not carry (the CRLs of the SignedData's revocationInfoChoices).
struct Structures<'a> {
    message: &'a [u8],
    plaintexts: &'a [Option<Vec<u8>>],
    report: &'a smime_mime::Report,
}

impl Structures<'_> {
    /// The DER CRLs (RevocationInfoChoice `crl`, RFC 5652 §10.2.1) of a signature structure;
    /// `other` revocation formats are left out.
    fn crls(&self, signature: &SignatureReport) -> Vec<Vec<u8>> {
        let Some(cms) = self.cms_bytes(signature.path(), signature.form()) else {
            return Vec::new();
        };
        let Ok(signed_data) = smime_cms::SignedData::parse(&cms) else {
            return Vec::new();
        };
        signed_data
            .revocation_entries()
            .iter()
            .filter(|entry| entry.first() == Some(&0x30))
            .map(|entry| entry.to_vec())
            .collect()
    }

    /// The CMS bytes of the signature structure at `path`.
    fn cms_bytes(&self, path: &PartPath, form: smime_mime::SignatureForm) -> Option<Vec<u8>> {
        let steps = path.steps();
        // Start from the innermost decrypted content on the way, or the message itself.
        let (buffer, rest): (&[u8], &[PathStep]) =
            match steps.iter().rposition(|s| *s == PathStep::Decrypted) {
                None => (self.message, steps),
                Some(at) => {
                    let decrypted = PartPath::from_steps(steps.get(..=at)?.iter().copied());
                    let index = self
                        .report
                        .encryptions()
                        .iter()
                        .position(|e| e.content_path() == Some(&decrypted))?;
                    let plaintext = self.plaintexts.get(index)?.as_deref()?;
                    (plaintext, steps.get(at.saturating_add(1)..)?)
                }
            };
        navigate(buffer, rest, form)
    }
}

/// Walks `steps` down from the entity in `buffer` and returns the CMS bytes there.
fn navigate(buffer: &[u8], steps: &[PathStep], form: smime_mime::SignatureForm) -> Option<Vec<u8>> {
    let entity = Entity::parse(buffer).ok()?;
    walk(&entity, steps, form)
}

fn walk(
    entity: &Entity<'_>,
    steps: &[PathStep],
    form: smime_mime::SignatureForm,
) -> Option<Vec<u8>> {
    match steps.split_first() {
        None => {
            let part = match form {
                smime_mime::SignatureForm::Detached => entity.multipart()?.parts().get(1)?,
                smime_mime::SignatureForm::Opaque => entity,
            };
            let mut bytes = part.decoded_body().ok()?.into_owned();
            if smime_cms::ContentInfo::parse(&bytes).is_err() {
                while bytes.last().is_some_and(u8::is_ascii_whitespace) {
                    bytes.pop();
                }
            }
            Some(bytes)
        }
        Some((PathStep::Part(index), rest)) => {
            walk(entity.multipart()?.parts().get(*index)?, rest, form)
        }
        Some((PathStep::Message, rest)) => match entity.message() {
            Some(message) => walk(message, rest, form),
            None => navigate(&entity.decoded_body().ok()?, rest, form),
        },
        Some((PathStep::SignedContent, rest)) => {
            let cms = entity.decoded_body().ok()?;
            let signed_data = smime_cms::SignedData::parse(&cms).ok()?;
            let content = signed_data.econtent()?.to_vec();
            navigate(&content, rest, form)
        }
        Some((PathStep::Decrypted, _)) => None,
    }
}
