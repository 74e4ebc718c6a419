//! `multipart/signed` (RFC 1847 §2.1, RFC 8551 §3.5.3): the signed entity as the first body
//! part, readable by any mail client, and a detached CMS SignedData as the second,
//! `application/pkcs7-signature` named `smime.p7s`.
//!
//! ```text
//! Content-Type: multipart/signed; protocol="application/pkcs7-signature";
//!     micalg=sha-256; boundary="..."
//!
//! --...
//! <the prepared entity: these exact bytes are signed>
//! --...
//! Content-Type: application/pkcs7-signature; name="smime.p7s"
//! Content-Disposition: attachment; filename="smime.p7s"
//! Content-Transfer-Encoding: base64
//!
//! <SignedData without content>
//! --...--
//! ```

use mail_builder::headers::content_type::ContentType as BuilderContentType;
use mail_builder::mime::{BodyPart, MimePart};
use smime_cms::{SignedData, SignedDataBuilder, SignerBuilder};
use smime_crypto::{CryptoProvider, DigestAlgorithm};
use smime_x509::ObjectIdentifier;

use crate::canonical;
use crate::entity::{Entity, PartPath};
use crate::error::Error;

/// The `protocol` parameter for S/MIME (RFC 8551 §3.5.3).
pub const PROTOCOL: &str = "application/pkcs7-signature";

/// The `micalg` value for a digest algorithm (RFC 8551 §3.5.3.2: `sha-256`, …), or
/// `unknown` for one it does not name.
pub fn micalg_name(digest: &ObjectIdentifier) -> &'static str {
    const MD5: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.5");
    const SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4");
    if *digest == MD5 {
        return "md5";
    }
    if *digest == SHA224 {
        return "sha-224";
    }
    match DigestAlgorithm::from_oid(digest) {
        Some(DigestAlgorithm::Sha1) => "sha-1",
        Some(DigestAlgorithm::Sha256) => "sha-256",
        Some(DigestAlgorithm::Sha384) => "sha-384",
        Some(DigestAlgorithm::Sha512) => "sha-512",
        _ => "unknown",
    }
}

/// Whether an entity is an S/MIME `multipart/signed`: the protocol parameter names
/// `application/pkcs7-signature` or `application/x-pkcs7-signature`, or is absent (some
/// gateways drop it). A `multipart/signed` of another protocol (PGP/MIME) is not S/MIME.
pub fn is_multipart_signed(entity: &Entity<'_>) -> bool {
    let content_type = entity.content_type();
    content_type.is("multipart", "signed")
        && content_type.parameter("protocol").is_none_or(|protocol| {
            let protocol = protocol.trim();
            protocol.eq_ignore_ascii_case(PROTOCOL)
                || protocol.eq_ignore_ascii_case("application/x-pkcs7-signature")
        })
}

/// Signs a MIME entity with a detached signature (RFC 8551 §3.5.3): the entity is prepared
/// ([`canonical::prepare`]: CR LF line ends, 7-bit transfer encodings), signed, and sent
/// as the first part of a `multipart/signed` whose second part is the SignedData. The
/// `micalg` parameter lists the signers' digest algorithms.
///
/// Returns the `multipart/signed` entity (its Content-Type field first); put message header
/// fields in front of it with [`MessageBuilder`](crate::MessageBuilder), which also does
/// this step.
pub fn build(
    entity: &[u8],
    signers: &[SignerBuilder],
    provider: &dyn CryptoProvider,
) -> Result<Vec<u8>, Error> {
    if signers.is_empty() {
        return Err(Error::Build {
            reason: "signing needs at least one signer".to_owned(),
        });
    }
    let prepared = canonical::prepare(entity)?;
    let mut builder = SignedDataBuilder::new(&prepared).detached(true);
    for signer in signers {
        builder = builder.add_signer(signer.clone());
    }
    let cms_error = |source| Error::Cms {
        path: PartPath::root(),
        source: Box::new(source),
    };
    let signature = builder.build(provider).map_err(cms_error)?;

    let mut micalg: Vec<&str> = Vec::new();
    for algorithm in SignedData::parse(&signature)
        .map_err(cms_error)?
        .digest_algorithms()
    {
        let name = micalg_name(&algorithm.oid);
        if !micalg.contains(&name) {
            micalg.push(name);
        }
    }
    let boundary = new_boundary(&prepared, provider)?;

    let content_type = BuilderContentType::new("multipart/signed")
        .attribute("protocol", PROTOCOL)
        .attribute("micalg", micalg.join(","))
        .attribute("boundary", boundary);
    let signature_part = MimePart::new(
        BuilderContentType::new(PROTOCOL).attribute("name", "smime.p7s"),
        signature,
    )
    .attachment("smime.p7s");
    let multipart = MimePart::new(
        content_type,
        vec![
            MimePart::raw(BodyPart::Binary(prepared.into())),
            signature_part,
        ],
    );
    let mut out = Vec::new();
    multipart.write_part(&mut out);
    Ok(out)
}

/// A boundary that does not occur in `content`, from 16 random bytes.
pub(crate) fn new_boundary(content: &[u8], provider: &dyn CryptoProvider) -> Result<String, Error> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for _ in 0..4 {
        let mut random = [0u8; 16];
        provider.fill_random(&mut random)?;
        let mut boundary = String::from("----=_smime_");
        for byte in random {
            boundary.push(char::from(
                HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0'),
            ));
            boundary.push(char::from(
                HEX.get(usize::from(byte & 0x0f)).copied().unwrap_or(b'0'),
            ));
        }
        let needle = boundary.as_bytes();
        if !content.windows(needle.len()).any(|window| window == needle) {
            return Ok(boundary);
        }
    }
    Err(Error::Build {
        reason: "could not find a boundary that does not occur in the content".to_owned(),
    })
}
