//! Opening a message: find every S/MIME structure, verify the signatures over the exact
//! bytes they were made over, decrypt what can be decrypted, read what the layers hold, and
//! say which parts each protection covers.

use smime_cms::{Certificate, SignedData, VerifyOptions};
use smime_crypto::CryptoProvider;

use crate::budget::MAX_SMIME_STRUCTURES;
use crate::canonical::to_crlf;
use crate::encryption::Decryptor;
use crate::entity::{Body, Entity, PartBudget, PartPath, PathStep, TransferEncoding};
use crate::error::Error;
use crate::multipart_signed::is_multipart_signed;
use crate::pkcs7_mime::{
    self, ID_AUTH_ENVELOPED_DATA, ID_ENVELOPED_DATA, ID_SIGNED_DATA, SmimeType, is_pkcs7_mime,
};
use crate::report::{
    Decryption, EncryptionReport, FromMatch, LineEnds, PartKind, PartReport, Report, SignatureForm,
    SignatureReport,
};

/// What the caller brings to [`open`].
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenOptions<'a> {
    certificates: &'a [Certificate],
    decryptor: Option<&'a dyn Decryptor>,
}

impl<'a> OpenOptions<'a> {
    /// No extra certificates, no decryption.
    pub fn new() -> Self {
        Self::default()
    }

    /// Certificates to look for signers in, besides those the messages carry. Being listed
    /// here confers no trust.
    pub fn certificates(mut self, certificates: &'a [Certificate]) -> Self {
        self.certificates = certificates;
        self
    }

    /// Decrypts encrypted parts with this decryptor.
    pub fn decryptor(mut self, decryptor: &'a dyn Decryptor) -> Self {
        self.decryptor = Some(decryptor);
        self
    }
}

/// Opens a message: parses it, finds its S/MIME structures wherever they are (top level,
/// nested multiparts, attached `message/rfc822` messages, inside decrypted or opaque-signed
/// content), verifies every signature, decrypts with the decryptor if one is given, and
/// reports it all — see [`Report`], and [`Report::signature_coverage`] before calling the
/// message signed.
///
/// Detached signatures are checked over the exact bytes of the first body part; if no
/// signer verifies, then over the same bytes with LF line ends made CR LF (RFC 8551 §3.1.1).
/// Signatures are *cryptographically* checked: whether the signer is trusted is for
/// `smime-path` to say.
///
/// Errors are about the message as a whole: empty input, or a budget exceeded (see
/// [`budget`](crate::budget)). Everything about one structure is in the report.
pub fn open(
    message: &[u8],
    options: &OpenOptions<'_>,
    provider: &dyn CryptoProvider,
) -> Result<Report, Error> {
    if message.is_empty() {
        return Err(Error::Empty);
    }
    let mut budget = PartBudget::new();
    let root = Entity::parse_nested(message, PartPath::root(), 0, &mut budget)?;
    let from = from_values(&root);
    let mut walker = Walker {
        options,
        provider,
        budget,
        structures: 0,
        report: Report {
            parts: Vec::new(),
            signatures: Vec::new(),
            encryptions: Vec::new(),
            content: Vec::new(),
            content_path: PartPath::root(),
            from: from.clone(),
        },
        content_found: false,
    };
    let scope = Scope {
        signed_by: Vec::new(),
        encrypted_by: Vec::new(),
        whole_message: true,
        attached: false,
        from,
    };
    walker.walk(&root, &scope)?;
    Ok(walker.report)
}

/// The `From` field values of a message's header section.
fn from_values(entity: &Entity<'_>) -> Vec<String> {
    entity
        .fields()
        .filter(|(name, _)| name.eq_ignore_ascii_case(b"from"))
        .map(|(_, value)| {
            // Unfold (RFC 5322 §2.2.3): a line break followed by white space is white space.
            let unfolded: Vec<u8> = value
                .iter()
                .copied()
                .filter(|&b| b != b'\r' && b != b'\n')
                .collect();
            String::from_utf8_lossy(&unfolded).trim().to_owned()
        })
        .collect()
}

/// What surrounds the entity being walked.
#[derive(Clone, Debug)]
struct Scope {
    signed_by: Vec<usize>,
    encrypted_by: Vec<usize>,
    /// Only S/MIME layers lie between the top of the message and here.
    whole_message: bool,
    attached: bool,
    from: Vec<String>,
}

impl Scope {
    fn nested(&self) -> Self {
        Self {
            whole_message: false,
            ..self.clone()
        }
    }
}

struct Walker<'o, 'p> {
    options: &'o OpenOptions<'o>,
    provider: &'p dyn CryptoProvider,
    budget: PartBudget,
    structures: usize,
    report: Report,
    content_found: bool,
}

impl Walker<'_, '_> {
    fn count_structure(&mut self, path: &PartPath) -> Result<(), Error> {
        self.structures = self.structures.saturating_add(1);
        if self.structures > MAX_SMIME_STRUCTURES {
            return Err(Error::BudgetExceeded {
                what: "S/MIME structures in one message",
                path: path.clone(),
                limit: MAX_SMIME_STRUCTURES,
            });
        }
        Ok(())
    }

    fn leaf(&mut self, entity: &Entity<'_>, kind: PartKind, scope: &Scope) {
        self.report.parts.push(PartReport {
            path: entity.path().clone(),
            content_type: entity.content_type().clone(),
            filename: entity.filename(),
            kind,
            raw: entity.raw().to_vec(),
            signed_by: scope.signed_by.clone(),
            encrypted_by: scope.encrypted_by.clone(),
        });
    }

    fn walk(&mut self, entity: &Entity<'_>, scope: &Scope) -> Result<(), Error> {
        if is_multipart_signed(entity) {
            return self.walk_multipart_signed(entity, scope);
        }
        if is_pkcs7_mime(entity) {
            return self.walk_pkcs7_mime(entity, scope);
        }
        if scope.whole_message && !self.content_found {
            self.content_found = true;
            self.report.content = entity.raw().to_vec();
            self.report.content_path = entity.path().clone();
        }
        match entity.body() {
            Body::Multipart(multipart) if !multipart.parts().is_empty() => {
                let inner = scope.nested();
                for part in multipart.parts() {
                    self.walk(part, &inner)?;
                }
                Ok(())
            }
            Body::Message(message) => self.walk(message, &attached_scope(scope, message)),
            Body::Multipart(_) => {
                self.leaf(
                    entity,
                    PartKind::Unreadable(Error::Malformed {
                        path: entity.path().clone(),
                        what: "multipart",
                        reason: "no body part (no delimiter line with its boundary)".to_owned(),
                    }),
                    scope,
                );
                Ok(())
            }
            Body::Leaf => {
                let content_type = entity.content_type();
                if content_type.media_type() == "message"
                    && matches!(content_type.subtype(), "rfc822" | "global")
                    && matches!(
                        entity.transfer_encoding(),
                        TransferEncoding::Base64 | TransferEncoding::QuotedPrintable
                    )
                {
                    // Not allowed by RFC 2046 §5.2.1, but sent: decode, then read.
                    if let Ok(decoded) = entity.decoded_body() {
                        let message = Entity::parse_nested(
                            &decoded,
                            entity.path().join(PathStep::Message),
                            entity.depth().saturating_add(1),
                            &mut self.budget,
                        )?;
                        return self.walk(&message, &attached_scope(scope, &message));
                    }
                }
                self.leaf(entity, PartKind::Content, scope);
                Ok(())
            }
        }
    }

    fn walk_multipart_signed(&mut self, entity: &Entity<'_>, scope: &Scope) -> Result<(), Error> {
        self.count_structure(entity.path())?;
        let index = self.report.signatures.len();
        let mut report = SignatureReport {
            index,
            path: entity.path().clone(),
            form: SignatureForm::Detached,
            media_type: entity.content_type().essence(),
            content_path: None,
            line_ends: None,
            outcome: Err(Error::Empty),
            covers_message: scope.whole_message,
            in_attached_message: scope.attached,
            from_matches: Vec::new(),
        };
        let parts = entity.multipart().map(|m| m.parts()).unwrap_or_default();
        let [content, signature_part] = parts else {
            report.outcome = Err(Error::Malformed {
                path: entity.path().clone(),
                what: "multipart/signed",
                reason: format!(
                    "{} body parts, expected 2 (content, signature)",
                    parts.len()
                ),
            });
            self.report.signatures.push(report);
            // Shown as what it is: unsigned parts.
            let inner = scope.nested();
            for part in parts {
                self.walk(part, &inner)?;
            }
            if parts.is_empty() {
                self.leaf(entity, PartKind::Content, &inner);
            }
            return Ok(());
        };
        report.content_path = Some(content.path().clone());

        let signature = pkcs7_mime::cms_bytes(signature_part);
        let signature = match signature {
            Ok(signature) => signature,
            Err(error) => {
                report.outcome = Err(error);
                self.report.signatures.push(report);
                self.walk(content, scope)?;
                // Not a signature: shown as the unsigned attachment it is.
                self.leaf(signature_part, PartKind::Content, &scope.nested());
                return Ok(());
            }
        };

        let raw = content.raw();
        let (outcome, line_ends) = self.verify_detached(&signature, raw, entity.path());
        report.outcome = outcome;
        report.line_ends = Some(line_ends);
        let valid = report.is_valid();
        report.from_matches = from_matches(&report, &scope.from);
        self.report.signatures.push(report);

        // The content stays on the path from the top of the message whether or not the
        // signature is valid (only S/MIME layers lie above it); it is covered only if valid.
        let mut inner = scope.clone();
        if valid {
            inner.signed_by.push(index);
        }
        self.walk(content, &inner)?;
        if !valid
            && self
                .report
                .signatures
                .get(index)
                .and_then(SignatureReport::verification)
                .is_none()
        {
            // Not a readable signature: the second part is shown as the unsigned
            // attachment it is.
            self.leaf(signature_part, PartKind::Content, &scope.nested());
        }
        Ok(())
    }

    /// Verifies a detached signature over the raw content, then over its canonical form.
    fn verify_detached(
        &self,
        signature: &[u8],
        raw: &[u8],
        path: &PartPath,
    ) -> (Result<smime_cms::Verification, Error>, LineEnds) {
        let verify = |content: &[u8]| {
            smime_cms::verify(
                signature,
                &VerifyOptions::new()
                    .detached_content(content)
                    .certificates(self.options.certificates),
                self.provider,
            )
            .map_err(|source| Error::Cms {
                path: path.clone(),
                source: Box::new(source),
            })
        };
        let first = verify(raw);
        if first
            .as_ref()
            .is_ok_and(|v| v.valid_signatures().next().is_some())
        {
            return (first, LineEnds::AsReceived);
        }
        let canonical = to_crlf(raw);
        if canonical.as_ref() == raw || first.is_err() {
            return (first, LineEnds::AsReceived);
        }
        (verify(&canonical), LineEnds::Canonicalized)
    }

    fn walk_pkcs7_mime(&mut self, entity: &Entity<'_>, scope: &Scope) -> Result<(), Error> {
        self.count_structure(entity.path())?;
        let bytes = match pkcs7_mime::cms_bytes(entity) {
            Ok(bytes) => bytes,
            Err(error) => {
                self.leaf(entity, PartKind::Unreadable(error), &scope.nested());
                return Ok(());
            }
        };
        let content_type = match smime_cms::ContentInfo::parse(&bytes) {
            Ok(info) => info.content_type(),
            Err(source) => {
                let error = Error::Cms {
                    path: entity.path().clone(),
                    source: Box::new(source),
                };
                self.leaf(entity, PartKind::Unreadable(error), &scope.nested());
                return Ok(());
            }
        };
        if content_type == ID_SIGNED_DATA {
            self.walk_signed_data(entity, &bytes, scope)
        } else if content_type == ID_ENVELOPED_DATA {
            self.walk_encrypted(entity, &bytes, SmimeType::EnvelopedData, scope)
        } else if content_type == ID_AUTH_ENVELOPED_DATA {
            self.walk_encrypted(entity, &bytes, SmimeType::AuthEnvelopedData, scope)
        } else {
            let error = Error::UnsupportedContentType {
                path: entity.path().clone(),
                content_type: content_type.to_string(),
            };
            self.leaf(entity, PartKind::Unreadable(error), &scope.nested());
            Ok(())
        }
    }

    fn walk_signed_data(
        &mut self,
        entity: &Entity<'_>,
        bytes: &[u8],
        scope: &Scope,
    ) -> Result<(), Error> {
        let cms_error = |source| Error::Cms {
            path: entity.path().clone(),
            source: Box::new(source),
        };
        let signed_data = match SignedData::parse(bytes) {
            Ok(signed_data) => signed_data,
            Err(source) => {
                self.leaf(
                    entity,
                    PartKind::Unreadable(cms_error(source)),
                    &scope.nested(),
                );
                return Ok(());
            }
        };
        if signed_data.signer_count() == 0 {
            let kind = match smime_cms::certs_only::read(bytes) {
                Ok(certificates) => PartKind::CertificatesOnly(certificates),
                Err(source) => PartKind::Unreadable(cms_error(source)),
            };
            self.leaf(entity, kind, scope);
            return Ok(());
        }
        let index = self.report.signatures.len();
        let outcome = smime_cms::verify(
            bytes,
            &VerifyOptions::new().certificates(self.options.certificates),
            self.provider,
        )
        .map_err(cms_error);
        let content_path = entity.path().join(PathStep::SignedContent);
        let mut report = SignatureReport {
            index,
            path: entity.path().clone(),
            form: SignatureForm::Opaque,
            media_type: entity.content_type().essence(),
            content_path: signed_data.econtent().map(|_| content_path.clone()),
            line_ends: None,
            outcome,
            covers_message: scope.whole_message,
            in_attached_message: scope.attached,
            from_matches: Vec::new(),
        };
        let valid = report.is_valid();
        report.from_matches = from_matches(&report, &scope.from);
        self.report.signatures.push(report);

        if let Some(content) = signed_data.econtent() {
            let inner_entity = Entity::parse_nested(
                content,
                content_path,
                entity.depth().saturating_add(1),
                &mut self.budget,
            );
            let inner_entity = match inner_entity {
                Ok(inner_entity) => inner_entity,
                Err(Error::Empty) => return Ok(()),
                Err(error) => return Err(error),
            };
            let mut inner = scope.clone();
            if valid {
                inner.signed_by.push(index);
            }
            self.walk(&inner_entity, &inner)?;
        }
        Ok(())
    }

    fn walk_encrypted(
        &mut self,
        entity: &Entity<'_>,
        bytes: &[u8],
        smime_type: SmimeType,
        scope: &Scope,
    ) -> Result<(), Error> {
        let index = self.report.encryptions.len();
        let mut report = EncryptionReport {
            index,
            path: entity.path().clone(),
            smime_type,
            content_path: None,
            outcome: Err(Error::NoDecryptor {
                path: entity.path().clone(),
            }),
            covers_message: scope.whole_message,
        };
        let mut inner = scope.clone();
        inner.encrypted_by.push(index);
        let Some(decryptor) = self.options.decryptor else {
            self.report.encryptions.push(report);
            self.leaf(entity, PartKind::Encrypted, &inner);
            return Ok(());
        };
        match decryptor.decrypt(bytes, self.provider) {
            Err(source) => {
                report.outcome = Err(Error::Encryption {
                    path: entity.path().clone(),
                    operation: "decryption",
                    source: Box::new(source),
                });
                self.report.encryptions.push(report);
                self.leaf(entity, PartKind::Encrypted, &inner);
                Ok(())
            }
            Ok(decrypted) => {
                let content_path = entity.path().join(PathStep::Decrypted);
                report.content_path = Some(content_path.clone());
                report.outcome = Ok(Decryption {
                    content_cipher: decrypted.content_cipher().to_owned(),
                    authenticated: decrypted.is_authenticated(),
                    key_management: decrypted.key_management().map(str::to_owned),
                });
                self.report.encryptions.push(report);
                let parsed = Entity::parse_nested(
                    decrypted.content(),
                    content_path,
                    entity.depth().saturating_add(1),
                    &mut self.budget,
                );
                match parsed {
                    Ok(content) => self.walk(&content, &inner),
                    Err(Error::Empty) => Ok(()),
                    Err(error) => Err(error),
                }
            }
        }
    }
}

fn attached_scope(scope: &Scope, message: &Entity<'_>) -> Scope {
    Scope {
        whole_message: false,
        attached: true,
        from: from_values(message),
        ..scope.clone()
    }
}

/// Checks each valid signer's certificate against each `From` value.
fn from_matches(report: &SignatureReport, from: &[String]) -> Vec<FromMatch> {
    let Some(verification) = report.verification() else {
        return Vec::new();
    };
    let mut matches = Vec::new();
    for signer in verification.signers() {
        let Some(valid) = signer.valid() else {
            continue;
        };
        for value in from {
            let result = smime_x509::Certificate::from_der(valid.certificate().der())
                .and_then(|certificate| certificate.match_address(value));
            matches.push(FromMatch {
                signer: signer.index(),
                from: value.clone(),
                result,
            });
        }
    }
    matches
}
