//! Finding S/MIME structures in a message without any cryptography: where they are and what
//! they are. [`open`](crate::open) does the same walk and verifies and decrypts as well.

use smime_cms::SignedData;

use crate::budget::MAX_SMIME_STRUCTURES;
use crate::entity::{Body, Entity, PartBudget, PartPath, PathStep, TransferEncoding};
use crate::error::Error;
use crate::multipart_signed::is_multipart_signed;
use crate::pkcs7_mime::{
    self, ID_AUTH_ENVELOPED_DATA, ID_COMPRESSED_DATA, ID_ENVELOPED_DATA, ID_SIGNED_DATA, SmimeType,
    is_pkcs7_mime,
};

/// What kind of S/MIME structure was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FoundKind {
    /// A `multipart/signed` with a PKCS #7 signature.
    MultipartSigned,
    /// An `application/pkcs7-mime` part; the type comes from its ContentInfo.
    Pkcs7Mime(SmimeType),
    /// An `application/pkcs7-mime` part (or one named `.p7m`) that could not be read, or
    /// whose CMS content type is not one of S/MIME's.
    Unreadable(Error),
}

/// One S/MIME structure and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    path: PartPath,
    kind: FoundKind,
    media_type: String,
    smime_type_parameter: Option<String>,
}

impl Found {
    /// Where the structure is.
    pub fn path(&self) -> &PartPath {
        &self.path
    }

    /// What it is.
    pub fn kind(&self) -> &FoundKind {
        &self.kind
    }

    /// Its Content-Type as declared (`application/x-pkcs7-mime`, …).
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The `smime-type` parameter as written, if any (a hint only: [`kind`](Self::kind)
    /// comes from the CMS content).
    pub fn smime_type_parameter(&self) -> Option<&str> {
        self.smime_type_parameter.as_deref()
    }
}

/// Lists the S/MIME structures of a message: at the top level, in nested multiparts, in
/// attached messages, and inside opaque-signed content (which needs no key to read).
/// Encrypted content is not opened.
///
/// ```
/// let message = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
///     Content-Type: text/plain\r\n\r\nhello\r\n--b\r\n\
///     Content-Type: application/x-pkcs7-mime; name=smime.p7m\r\n\
///     Content-Transfer-Encoding: base64\r\n\r\nMAA=\r\n--b--\r\n";
/// let found = smime_mime::find(message)?;
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].path().to_string(), "/2");
/// assert!(matches!(found[0].kind(), smime_mime::FoundKind::Unreadable(_)));
/// # Ok::<(), smime_mime::Error>(())
/// ```
pub fn find(message: &[u8]) -> Result<Vec<Found>, Error> {
    if message.is_empty() {
        return Err(Error::Empty);
    }
    let mut budget = PartBudget::new();
    let root = Entity::parse_nested(message, PartPath::root(), 0, &mut budget)?;
    let mut found = Vec::new();
    walk(&root, &mut budget, &mut found)?;
    Ok(found)
}

fn push(found: &mut Vec<Found>, entity: &Entity<'_>, kind: FoundKind) -> Result<(), Error> {
    if found.len() >= MAX_SMIME_STRUCTURES {
        return Err(Error::BudgetExceeded {
            what: "S/MIME structures in one message",
            path: entity.path().clone(),
            limit: MAX_SMIME_STRUCTURES,
        });
    }
    found.push(Found {
        path: entity.path().clone(),
        kind,
        media_type: entity.content_type().essence(),
        smime_type_parameter: entity
            .content_type()
            .parameter("smime-type")
            .map(str::to_owned),
    });
    Ok(())
}

fn walk(entity: &Entity<'_>, budget: &mut PartBudget, found: &mut Vec<Found>) -> Result<(), Error> {
    if is_multipart_signed(entity) {
        push(found, entity, FoundKind::MultipartSigned)?;
        if let Some(content) = entity.multipart().and_then(|m| m.parts().first()) {
            walk(content, budget, found)?;
        }
        return Ok(());
    }
    if is_pkcs7_mime(entity) {
        return walk_pkcs7_mime(entity, budget, found);
    }
    match entity.body() {
        Body::Multipart(multipart) => {
            for part in multipart.parts() {
                walk(part, budget, found)?;
            }
            Ok(())
        }
        Body::Message(message) => walk(message, budget, found),
        Body::Leaf => {
            let content_type = entity.content_type();
            if content_type.media_type() == "message"
                && matches!(content_type.subtype(), "rfc822" | "global")
                && matches!(
                    entity.transfer_encoding(),
                    TransferEncoding::Base64 | TransferEncoding::QuotedPrintable
                )
                && let Ok(decoded) = entity.decoded_body()
                && !decoded.is_empty()
            {
                let message = Entity::parse_nested(
                    &decoded,
                    entity.path().join(PathStep::Message),
                    entity.depth().saturating_add(1),
                    budget,
                )?;
                return walk(&message, budget, found);
            }
            Ok(())
        }
    }
}

fn walk_pkcs7_mime(
    entity: &Entity<'_>,
    budget: &mut PartBudget,
    found: &mut Vec<Found>,
) -> Result<(), Error> {
    let cms_error = |source| Error::Cms {
        path: entity.path().clone(),
        source: Box::new(source),
    };
    let bytes = match pkcs7_mime::cms_bytes(entity) {
        Ok(bytes) => bytes,
        Err(error) => return push(found, entity, FoundKind::Unreadable(error)),
    };
    let content_type = match smime_cms::ContentInfo::parse(&bytes) {
        Ok(info) => info.content_type(),
        Err(source) => return push(found, entity, FoundKind::Unreadable(cms_error(source))),
    };
    let smime_type = match content_type {
        oid if oid == ID_ENVELOPED_DATA => SmimeType::EnvelopedData,
        oid if oid == ID_AUTH_ENVELOPED_DATA => SmimeType::AuthEnvelopedData,
        oid if oid == ID_COMPRESSED_DATA => SmimeType::CompressedData,
        oid if oid == ID_SIGNED_DATA => {
            let signed_data = match SignedData::parse(&bytes) {
                Ok(signed_data) => signed_data,
                Err(source) => {
                    return push(found, entity, FoundKind::Unreadable(cms_error(source)));
                }
            };
            if signed_data.signer_count() == 0 {
                return push(found, entity, FoundKind::Pkcs7Mime(SmimeType::CertsOnly));
            }
            push(found, entity, FoundKind::Pkcs7Mime(SmimeType::SignedData))?;
            if let Some(content) = signed_data.econtent().filter(|c| !c.is_empty()) {
                let inner = Entity::parse_nested(
                    content,
                    entity.path().join(PathStep::SignedContent),
                    entity.depth().saturating_add(1),
                    budget,
                )?;
                walk(&inner, budget, found)?;
            }
            return Ok(());
        }
        other => {
            let error = Error::UnsupportedContentType {
                path: entity.path().clone(),
                content_type: other.to_string(),
            };
            return push(found, entity, FoundKind::Unreadable(error));
        }
    };
    push(found, entity, FoundKind::Pkcs7Mime(smime_type))
}
