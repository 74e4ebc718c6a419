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
        return Err(no_signer());
    }
    let prepared = canonical::prepare(entity)?;
    let mut out = Vec::new();
    write_prepared(&prepared, signers, provider, &mut out)?;
    Ok(out)
}

fn no_signer() -> Error {
    Error::Build {
        reason: "signing needs at least one signer".to_owned(),
    }
}

/// [`build`] for an entity that is already in canonical form (the output of
/// [`canonical::prepare`] or of another layer), appending the `multipart/signed` to `out`.
/// The signed bytes are `prepared` itself: it is signed in place and copied once, into
/// `out`.
pub(crate) fn write_prepared(
    prepared: &[u8],
    signers: &[SignerBuilder],
    provider: &dyn CryptoProvider,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    if signers.is_empty() {
        return Err(no_signer());
    }
    let mut builder = SignedDataBuilder::new(prepared).detached(true);
    for signer in signers {
        builder = builder.add_signer(signer.clone());
    }
    let cms_error = |source| Error::Cms {
        path: PartPath::root(),
        source: Box::new(source),
    };
    let signature = builder.build(provider).map_err(cms_error)?;

    // The digest algorithms as the SignedData lists them, read without decoding the whole
    // structure (its certificates cost far more); the full parse is the fallback.
    let digests = match digest_algorithms(&signature) {
        Some(digests) => digests,
        None => SignedData::parse(&signature)
            .map_err(cms_error)?
            .digest_algorithms()
            .iter()
            .map(|algorithm| algorithm.oid)
            .collect(),
    };
    let mut micalg: Vec<&str> = Vec::new();
    for digest in &digests {
        let name = micalg_name(digest);
        if !micalg.contains(&name) {
            micalg.push(name);
        }
    }
    let boundary = new_boundary(prepared, provider)?;

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
    out.reserve(
        prepared
            .len()
            .saturating_add(SIGNATURE_PART_RESERVE)
            .saturating_add(512),
    );
    multipart.write_part(out);
    Ok(())
}

/// The `digestAlgorithms` of a DER ContentInfo holding a SignedData (RFC 5652 §5.1:
/// `SEQUENCE { contentType, [0] EXPLICIT SEQUENCE { version, SET OF AlgorithmIdentifier,
/// … } }`), read from the first TLVs only. `None` when the bytes are not laid out so (BER
/// indefinite lengths, say).
fn digest_algorithms(content_info: &[u8]) -> Option<Vec<ObjectIdentifier>> {
    const SEQUENCE: u8 = 0x30;
    const SET: u8 = 0x31;
    const OID: u8 = 0x06;
    const INTEGER: u8 = 0x02;
    const EXPLICIT_0: u8 = 0xa0;
    let (content_info, _) = expect(SEQUENCE, content_info)?;
    let (content_type, rest) = expect(OID, content_info)?;
    if ObjectIdentifier::from_bytes(content_type).ok()? != smime_cms::content_info::ID_SIGNED_DATA {
        return None;
    }
    let (explicit, _) = expect(EXPLICIT_0, rest)?;
    let (signed_data, _) = expect(SEQUENCE, explicit)?;
    let (_version, rest) = expect(INTEGER, signed_data)?;
    let (mut set, _) = expect(SET, rest)?;
    let mut digests = Vec::new();
    while !set.is_empty() {
        let (algorithm, rest) = expect(SEQUENCE, set)?;
        let (oid, _parameters) = expect(OID, algorithm)?;
        digests.push(ObjectIdentifier::from_bytes(oid).ok()?);
        set = rest;
    }
    Some(digests)
}

/// The contents and the rest after the first DER TLV of `input`, if its tag is `tag`.
fn expect(tag: u8, input: &[u8]) -> Option<(&[u8], &[u8])> {
    let (found, contents, rest) = der_tlv(input)?;
    (found == tag).then_some((contents, rest))
}

/// The first DER TLV of `input` with a one-octet tag and a definite length of at most four
/// length octets: `(tag, contents, rest)`.
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (octets, rest) = rest.split_at_checked(count)?;
        let len = octets
            .iter()
            .fold(0usize, |len, &octet| (len << 8) | usize::from(octet));
        (len, rest)
    };
    let (contents, rest) = rest.split_at_checked(len)?;
    Some((tag, contents, rest))
}

/// Room reserved for the signature part (base64 of a SignedData with a certificate chain),
/// so that the output grows at most rarely. A guess, not a limit.
const SIGNATURE_PART_RESERVE: usize = 8 * 1024;

/// The prefix of every boundary this crate makes. It holds `=_`, which neither base64 (no
/// `_`) nor quoted-printable (`=` is always followed by two hexadecimal digits or a line
/// break, RFC 2045 §6.7) can produce, so only a 7-bit text body or a header field can
/// contain a boundary, and [`new_boundary`] checks those.
pub(crate) const BOUNDARY_PREFIX: &str = "----=_smime_";

/// A boundary that does not occur in `content` (RFC 2046 §5.1.1), from 16 random bytes
/// after [`BOUNDARY_PREFIX`].
pub(crate) fn new_boundary(content: &[u8], provider: &dyn CryptoProvider) -> Result<String, Error> {
    boundary_avoiding(content, |random| Ok(provider.fill_random(random)?))
}

/// Candidate boundaries tried before giving up. With 128 random bits a second one is
/// needed only when the content quotes the first (it cannot guess it); four leave room
/// for a random source that repeats itself once.
const BOUNDARY_ATTEMPTS: usize = 4;

/// [`new_boundary`] with the random source given: a candidate is kept when
/// `memchr::memmem` (SIMD substring search, linear in `content`) does not find it.
fn boundary_avoiding(
    content: &[u8],
    mut fill_random: impl FnMut(&mut [u8]) -> Result<(), Error>,
) -> Result<String, Error> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for _ in 0..BOUNDARY_ATTEMPTS {
        let mut random = [0u8; 16];
        fill_random(&mut random)?;
        let mut boundary = String::with_capacity(BOUNDARY_PREFIX.len().saturating_add(32));
        boundary.push_str(BOUNDARY_PREFIX);
        for byte in random {
            boundary.push(char::from(
                HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0'),
            ));
            boundary.push(char::from(
                HEX.get(usize::from(byte & 0x0f)).copied().unwrap_or(b'0'),
            ));
        }
        if memchr::memmem::find(content, boundary.as_bytes()).is_none() {
            return Ok(boundary);
        }
    }
    Err(Error::Build {
        reason: format!(
            "could not find a boundary that does not occur in the content ({BOUNDARY_ATTEMPTS} random candidates occurred in it)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A random source that hands out `sequence` in turn (one byte value per candidate).
    fn scripted(sequence: &[u8]) -> impl FnMut(&mut [u8]) -> Result<(), Error> + '_ {
        let mut next = sequence.iter();
        move |out: &mut [u8]| {
            out.fill(*next.next().expect("script exhausted"));
            Ok(())
        }
    }

    fn candidate(byte: u8) -> String {
        format!("{BOUNDARY_PREFIX}{}", format!("{byte:02x}").repeat(16))
    }

    #[test]
    fn boundary_is_the_first_candidate_when_content_lacks_it() {
        let boundary = boundary_avoiding(b"hello\r\n", scripted(&[0x11])).unwrap();
        assert_eq!(boundary, candidate(0x11));
        assert_eq!(boundary, "----=_smime_11111111111111111111111111111111");
    }

    #[test]
    fn content_containing_a_candidate_gets_another_boundary() {
        // The content quotes the first candidate in the middle of a line and the second
        // one at the very end: both are rejected, the third is taken.
        let content = format!(
            "Content-Type: text/plain\r\n\r\nsee --{}-- here\r\nend {}",
            candidate(0xab),
            candidate(0xcd)
        );
        let boundary =
            boundary_avoiding(content.as_bytes(), scripted(&[0xab, 0xcd, 0xef])).unwrap();
        assert_eq!(boundary, candidate(0xef));
        // A candidate that differs only in its last digit is not a match.
        let near = format!("x{}", &candidate(0x12)[..BOUNDARY_PREFIX.len() + 31]);
        assert_eq!(
            boundary_avoiding(near.as_bytes(), scripted(&[0x12])).unwrap(),
            candidate(0x12)
        );
    }

    #[test]
    fn digest_algorithms_are_read_from_the_first_tlvs() {
        // ContentInfo { id-signedData, [0] SignedData { 1, { sha-256, sha-384 (NULL params) } } }
        let sha256 = [
            0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        ];
        let sha384 = [
            0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
        ];
        let mut set = vec![0x30, 0x0b];
        set.extend_from_slice(&sha256);
        set.extend_from_slice(&[0x30, 0x0d]);
        set.extend_from_slice(&sha384);
        set.extend_from_slice(&[0x05, 0x00]);
        let mut signed_data = vec![0x02, 0x01, 0x01, 0x31, set.len() as u8];
        signed_data.extend_from_slice(&set);
        signed_data.extend_from_slice(&[0x31, 0x00]); // encapContentInfo etc. are not read
        let mut explicit = vec![0x30, signed_data.len() as u8];
        explicit.extend_from_slice(&signed_data);
        let mut body = vec![
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
        ];
        body.extend_from_slice(&[0xa0, explicit.len() as u8]);
        body.extend_from_slice(&explicit);
        let mut der = vec![0x30, 0x81, body.len() as u8];
        der.extend_from_slice(&body);
        let digests = digest_algorithms(&der).unwrap();
        let names: Vec<&str> = digests.iter().map(micalg_name).collect();
        assert_eq!(names, ["sha-256", "sha-384"]);
        // Truncated, indefinite length, or another content type: not read here.
        assert_eq!(digest_algorithms(&der[..der.len() - 1]), None);
        let mut indefinite = der.clone();
        indefinite[1] = 0x80;
        assert_eq!(digest_algorithms(&indefinite), None);
        let mut enveloped = der.clone();
        enveloped[13] = 0x03; // 1.2.840.113549.1.7.3, id-envelopedData
        assert_eq!(digest_algorithms(&enveloped), None);
    }

    /// On what `SignedDataBuilder` really makes (two signers, SHA-256 and SHA-384), the
    /// quick read gives what the full parse gives.
    #[test]
    fn digest_algorithms_match_the_full_parse() {
        use smime_crypto::{EcCurve, KeyKind};
        let provider = smime_crypto::default_provider();
        let p256 = KeyKind::Ec {
            curve: EcCurve::P256,
        };
        let pki = smime_x509::builder::TestPki::new(provider, p256).unwrap();
        let mut builder = SignedDataBuilder::new(b"content").detached(true);
        for (name, digest) in [
            ("a", DigestAlgorithm::Sha256),
            ("b", DigestAlgorithm::Sha384),
        ] {
            let identity = pki
                .issue(&format!("{name} <{name}@example.org>"), p256)
                .unwrap();
            let key = provider
                .private_key_from_pkcs8(identity.pkcs8_der())
                .unwrap();
            builder = builder.add_signer(
                SignerBuilder::new(identity.certificate().x509().clone(), key).digest(digest),
            );
        }
        let signature = builder.build(provider).unwrap();
        let parsed: Vec<ObjectIdentifier> = SignedData::parse(&signature)
            .unwrap()
            .digest_algorithms()
            .iter()
            .map(|algorithm| algorithm.oid)
            .collect();
        assert_eq!(parsed.len(), 2);
        assert_eq!(digest_algorithms(&signature).unwrap(), parsed);
    }

    #[test]
    fn gives_up_when_every_candidate_occurs() {
        let content = candidate(0x00);
        let error =
            boundary_avoiding(content.as_bytes(), scripted(&[0; BOUNDARY_ATTEMPTS])).unwrap_err();
        assert!(
            matches!(&error, Error::Build { reason } if reason.contains("could not find a boundary")),
            "{error:?}"
        );
    }
}
